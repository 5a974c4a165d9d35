#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --junit FILE: the report as JUnit XML, checked with xmllint (well-formed and
# against tests/cli/junit.xsd, the common JUnit shape) and read back by a real
# JUnit consumer (Debian's python3-junitparser) when installed.
source "$(dirname "$0")/lib.bash" "$@"

XSD=$SRCDIR/tests/cli/junit.xsd
have_xmllint=false
command -v xmllint >/dev/null && have_xmllint=true
PY=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import junitparser' 2>/dev/null; then
		PY=$p
		break
	fi
done

xml_ok() {
	if $have_xmllint; then
		xmllint --noout "$1" && xmllint --noout --schema "$XSD" "$1" 2>/dev/null
	else
		head -1 "$1" | grep -q '^<?xml version="1.0"' && grep -q '^</testsuites>$' "$1"
	fi
}
# consumer FILE: "tests failures errors skipped" as junitparser reads them, then one "classname name kind" a case.
consumer() {
	"$PY" - "$1" <<'PYEOF'
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for s in xml:
    print(s.name, s.tests, s.failures, s.errors, s.skipped)
    for c in s:
        print(c.classname, c.name, ",".join(type(r).__name__ for r in c.result) or "pass")
PYEOF
}

for fx in kernel-without-overlay debian12-host lxd-no-nesting; do
	root=$SRCDIR/fixtures/$fx/root
	[ -d "$root" ] || { skip "$fx: no fixture"; continue; }
	nc "$fx" --root "$root" --json --junit "$TMP/$fx.xml"
	check "$fx: exit 0 or 1, stdout still the JSON report" eval 'rc_0_or_1 && json_valid "$(out "$fx")"' || show "$fx"
	x=$TMP/$fx.xml
	check "$fx: XML well-formed and JUnit-shaped" xml_ok "$x" || xmllint --noout --schema "$XSD" "$x" 2>&1 | head -5
	j=$(out "$fx")
	n=$(json_ids "$j" | wc -l)
	check "$fx: one testcase per check ($n)" [ "$(grep -c '<testcase ' "$x")" -eq "$n" ]
	fails=$(jget "$j" summary.fail) errors=$(jget "$j" summary.error) skips=$(jget "$j" summary.skip)
	check "$fx: suite counts agree with the report" \
		grep -qF "<testsuite name=\"nestcheck\" tests=\"$n\" failures=\"$fails\" errors=\"$errors\" skipped=\"$skips\"" "$x"
	check "$fx: a <failure> per fail" [ "$(grep -c '<failure message=' "$x")" -eq "$fails" ]
	check "$fx: a <skipped> per skip" [ "$(grep -c '<skipped message=' "$x")" -eq "$skips" ]
	warns=$(jget "$j" summary.warn)
	check "$fx: a <system-out> per warn" [ "$(grep -c '<system-out>' "$x")" -eq "$warns" ]
	# Each check in the right element, by its JSON status.
	wrong=0
	for id in $(json_ids "$j"); do
		st=$(jget "$j" "checks.$id.status")
		line=$(grep -A1 -F "name=\"$id\" " "$x" | tr '\n' ' ')
		case $st in
		fail) [[ $line == *"<failure "* ]] || wrong=1 ;;
		error) [[ $line == *"<error "* ]] || wrong=1 ;;
		skip) [[ $line == *"<skipped "* ]] || wrong=1 ;;
		warn) [[ $line == *"<system-out>"* ]] || wrong=1 ;;
		pass) [[ $line == *'"/>'* ]] || wrong=1 ;;
		esac
		[[ $line == *"classname=\"${id%%.*}\""* ]] || wrong=1
		[ "$wrong" -eq 0 ] || { echo "  $id ($st): $line"; break; }
	done
	check "$fx: every check in the element of its status" [ "$wrong" -eq 0 ]
	if [ -n "$PY" ]; then
		consumer "$x" >"$TMP/$fx.parsed" 2>"$TMP/$fx.perr"
		check "$fx: junitparser reads it with the same counts" \
			grep -qxF "nestcheck $n $fails $errors $skips" "$TMP/$fx.parsed" || cat "$TMP/$fx.perr"
		check "$fx: junitparser sees every case" [ "$(($(wc -l <"$TMP/$fx.parsed") - 1))" -eq "$n" ]
	else
		skip "$fx: python3-junitparser not installed"
	fi
done

# A failure carries its remediation commands in the body.
x=$TMP/kernel-without-overlay.xml
if [ -f "$x" ]; then
	check "failure body has the fix and its commands" eval 'grep -q "^fix (on the host): " "$x" && grep -q "^  \$ " "$x"'
fi

# Hostile text (markup, quotes, control characters) in what the report shows stays valid XML.
r=$TMP/hostile
sysroot_host "$r"
put "$r" proc/sys/kernel/osrelease $'6.1.0-<b>&"x\'\001\033[31m</testsuite>\n'
put "$r" etc/os-release $'PRETTY_NAME="Evil <os> & \\"co\\" \001"\n'
nc hostile --root "$r" --only kernel,container --junit "$TMP/hostile.xml"
check "hostile: exit 0 or 1" rc_0_or_1 || show hostile
check "hostile: still valid JUnit XML" xml_ok "$TMP/hostile.xml" || head -20 "$TMP/hostile.xml"
check "hostile: no control characters" no_ctrl "$TMP/hostile.xml"
check "hostile: markup escaped" eval '! grep -q "<b>" "$TMP/hostile.xml" && [ "$(grep -c "</testsuite>" "$TMP/hostile.xml")" -eq 1 ]'

# An unwritable path: exit 2, one line on stderr.
nc unwritable --root "$SRCDIR/fixtures/debian12-host/root" --junit "$TMP/no/such/dir/x.xml"
check "unwritable --junit: exit 2, one line" eval 'rc_is 2 && one_line "$(err unwritable)"' || show unwritable
nc noarg --junit
check "--junit without a file: exit 2" rc_is 2 || show noarg

finish
