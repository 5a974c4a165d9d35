#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nestcheck merge: the fleet's roll-up of the fixtures' JSON reports and of
# reports made here to differ in one fact (what the failing systems share),
# files and directories, and what it refuses.
# Usage: bash merge.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

D=$TMP/fleet
mkdir -p "$D"
n=0 notready=0
for f in "$SRCDIR"/fixtures/*/expected.json; do
	name=$(basename "$(dirname "$f")")
	cp "$f" "$D/$name.json"
	n=$((n + 1))
	[ "$(jget "$f" verdict)" = not_ready ] && notready=$((notready + 1))
done

echo "# the fixtures as a fleet"
nc fleet merge --json "$D"
check "exit 1: a system is not_ready" rc_is 1 || show fleet
check "nothing on stderr" is_empty "$(err fleet)"
J=$(out fleet)
check "every report is a system" [ "$(jq_ "$J" systems | grep -o '"file":' | wc -l)" -eq "$n" ]
check "the fleet's verdict is the worst" [ "$(jget "$J" verdict)" = not_ready ]
check "a system without a host name is named by its file" [ "$(jget "$J" systems.0.name)" = apparmor-lxc-no-nesting ]
# Per check, the counts add up to the reports that hold it; container.nesting's failures are the fixtures'.
fails=0
for f in "$D"/*.json; do [ "$(jget "$f" checks.container.nesting.status)" = fail ] && fails=$((fails + 1)); done
idx=container.nesting
check "container.nesting: fail count as in the reports ($fails)" [ "$(jget "$J" "checks.$idx.summary.fail")" -eq "$fails" ]
check "container.nesting: the failing systems listed" \
	[ "$(jq_ "$J" "checks.$idx.failing" | grep -o '"[^"]*"' | wc -l)" -eq "$fails" ]
sum=0
for st in pass warn fail skip error; do sum=$((sum + $(jget "$J" "checks.$idx.summary.$st"))); done
check "container.nesting: the counts add up to the fleet" [ "$sum" -eq "$n" ]
nc fleet-human merge "$D"
check "human: exit 1 as well" rc_is 1
check "human: the systems by verdict" contains "$(out fleet-human)" "nestcheck: $n systems:"
check "human: the fleet's verdict last" eval '[ "$(tail -n 1 "$(out fleet-human)")" = "fleet verdict: not_ready" ]'
check "human: $notready not_ready counted" contains "$(out fleet-human)" "$notready not_ready"

echo "# --junit: a testsuite per system"
nc fleet-junit merge --junit "$TMP/fleet.xml" "$D"
check "--junit: exit 1 as well, the human roll-up on stdout" eval 'rc_is 1 && contains "$(out fleet-junit)" "fleet verdict"'
check "--junit: valid XML" xmllint --noout "$TMP/fleet.xml"
check "--junit: a testsuite per system" [ "$(grep -c '<testsuite ' "$TMP/fleet.xml")" -eq "$n" ]
total=0
for f in "$D"/*.json; do total=$((total + $(jget "$f" summary.fail))); done
check "--junit: the fleet's failures in <testsuites>" contains "$TMP/fleet.xml" "failures=\"$total\""
check "--junit: a system without a name named by its file" contains "$TMP/fleet.xml" '<testsuite name="nestcheck centos7-host"'
nc junit-dir merge --junit "$TMP/no/dir/x.xml" "$D"
check "--junit into a missing directory: exit 2, one line, nothing on stdout" \
	eval 'rc_is 2 && one_line "$(err junit-dir)" && is_empty "$(out junit-dir)"'

echo "# --html: the page, rendered by headless Chromium"
nc fleet-html merge --html "$TMP/fleet.html" "$D"
check "--html: exit 1 as well" rc_is 1
check "--html: no address outside the page (no http:, https:, src=)" \
	eval 'lacks "$TMP/fleet.html" "http:" && lacks "$TMP/fleet.html" "https:" && lacks "$TMP/fleet.html" "src="'
# render FRAGMENT: the page's DOM after its script ran (no network: a file, and every background service off).
render() {
	timeout 60 chromium --headless=new --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --no-first-run --disable-sync --disable-default-apps \
		--user-data-dir="$TMP/chromium" --dump-dom "file://$TMP/fleet.html$1" 2>/dev/null | tr -d '\n'
}
if command -v chromium >/dev/null; then
	render "" >"$TMP/dom-all.html"
	check "page: a row per system" [ "$(grep -o '<tr data-system=' "$TMP/dom-all.html" | wc -l)" -eq "$n" ]
	check "page: the counts line" contains "$TMP/dom-all.html" "$n of $n systems"
	check "page: lxd-small-idmap's userns.idmap cell is a fail, its summary on hover" \
		eval 'grep -o "<tr data-system=\"lxd-small-idmap\".*" "$TMP/dom-all.html" | sed "s#</tr>.*##" | grep -q "class=\"fail\" title=\"userns.idmap: fail: "'
	check "page: vm-debian12-host is ready" \
		eval 'grep -o "<tr data-system=\"vm-debian12-host\"><td class=\"name\"[^>]*>vm-debian12-host</td><td class=\"v-ready\">ready</td>" "$TMP/dom-all.html" | grep -q .'
	render "#notready" >"$TMP/dom-nr.html"
	check "page #notready: only the $notready not_ready systems" \
		[ "$(grep -o '<tr data-system=' "$TMP/dom-nr.html" | wc -l)" -eq "$notready" ]
	render "#q=vm-" >"$TMP/dom-q.html"
	check "page #q=vm-: the systems whose name holds vm-" \
		[ "$(grep -o '<tr data-system="vm-' "$TMP/dom-q.html" | wc -l)" -eq "$(grep -o '<tr data-system=' "$TMP/dom-q.html" | wc -l)" ]
	render "#problems" >"$TMP/dom-p.html"
	problems=$(jq_ "$(out fleet)" checks | grep -o '"summary": { "pass": [0-9]*, "skip": [0-9]*, "warn": [0-9]*, "fail": [0-9]*, "error": [0-9]* }' |
		awk -F'[:,}]' '{ if ($7 + $9 + $11 > 0) n++ } END { print n + 0 }')
	check "page #problems: the $problems checks with a warn, fail or error" \
		[ "$(grep -o '<th class="check"' "$TMP/dom-p.html" | wc -l)" -eq "$problems" ]
else
	not_ok "chromium is missing (scripts/setup.sh --test installs it)"
fi
printf '{"schema_version":1,"tool":{"name":"nestcheck","version":"x"},"mode":"replay","host":{"name":"</script><script>alert(1)</script>","kernel_release":"k","os":"o","container_runtime":"none"},"verdict":"ready","summary":{"pass":0,"warn":0,"fail":0,"skip":0,"error":0},"checks":[]}\n' >"$TMP/hostile.json"
nc hostile merge --html "$TMP/hostile.html" "$TMP/hostile.json"
check "--html: a name with </script> stays data" eval 'rc_is 0 && lacks "$TMP/hostile.html" "</script><script>alert"'

echo "# what the failing systems share"
# Four systems from one not_ready report: two fail on kernel K1, two pass on kernel K2.
S=$TMP/share
mkdir -p "$S"
src=$SRCDIR/fixtures/vm-lxd-no-nesting/expected.json
ok_src=$SRCDIR/fixtures/vm-lxd-nesting/expected.json
for i in 1 2; do
	sed -e 's/"kernel_release": "[^"]*"/"kernel_release": "9.9.1-k1"/' -e "s/\"name\": \"\"/\"name\": \"bad$i\"/" "$src" >"$S/bad$i.json"
	sed -e 's/"kernel_release": "[^"]*"/"kernel_release": "9.9.2-k2"/' -e "s/\"name\": \"\"/\"name\": \"good$i\"/" "$ok_src" >"$S/good$i.json"
done
nc share merge --json "$S/bad1.json" "$S/good1.json" "$S" # a file named twice counts twice
check "files and a directory together" [ "$(jq_ "$(out share)" systems | grep -o '"file":' | wc -l)" -eq 6 ]
nc share2 merge --json "$S"
J=$(out share2)
idx=container.nesting
check "systems named by their host names" [ "$(jget "$J" systems.0.name)" = bad1 ]
check "container.nesting fails where the kernel is K1, and only there" \
	[ "$(jget "$J" "checks.$idx.failing_share.kernel")" = 9.9.1-k1 ]
check "... not by the OS, which all four share" [ -z "$(jget "$J" "checks.$idx.failing_share.os")" ]
nc share-human merge "$S"
check "human: only where kernel is 9.9.1-k1" contains "$(out share-human)" "only where kernel is 9.9.1-k1"
nc ready merge "$S/good1.json" "$S/good2.json"
check "no system not_ready: exit 0" rc_is 0

echo "# an instance, at its host"
sed 's/"container_runtime": "lxc"/"container_runtime": "lxc"\n  },\n  "instance": {"name": "web", "project": "default", "platform": "incus", "host": "h1"/' \
	"$src" >"$S/inst.json.x"
# (host's object closes after container_runtime, and its own closing brace closes the instance's)
if json_valid "$S/inst.json.x" >/dev/null; then
	mv "$S/inst.json.x" "$TMP/inst.json"
	nc inst merge --json "$TMP/inst.json"
	check "an instance's system is NAME@HOST" [ "$(jget "$(out inst)" systems.0.name)" = web@h1 ]
else
	not_ok "the instance report made here is not JSON"
fi

echo "# what it refuses: exit 2, one line"
refuse() { # refuse NAME TEXT ARGS...
	local name=$1 text=$2
	shift 2
	nc "$name" merge "$@"
	check "$name: exit 2, one line saying '$text'" eval 'rc_is 2 && one_line "$(err "$name")" && contains "$(err "$name")" "$text"' ||
		show "$name"
	check "$name: nothing on stdout" is_empty "$(out "$name")"
}
printf 'not json\n' >"$TMP/junk.json"
mkdir -p "$TMP/empty"
refuse nothing "name at least one report"
refuse missing "cannot read $TMP/none.json" "$TMP/none.json"
refuse junk "is not a report of nestcheck" "$TMP/junk.json"
refuse empty "no report found" "$TMP/empty"
refuse badopt "unknown option" --yaml "$D"

finish
