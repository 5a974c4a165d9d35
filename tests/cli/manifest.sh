#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The evidence manifest has one copy, in code (core/manifest.c): --print-manifest
# lists exactly CONTRACT.md's paths, and a bundle from collect holds nothing else.
# Usage: bash manifest.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

nc m --print-manifest R
check "--print-manifest R: exit 0" rc_is 0
check "--print-manifest R: nothing on stderr" is_empty "$(err m)"
awk '{print $2}' "$(out m)" | sort >"$TMP/binary.paths"
check "--print-manifest: one 'KIND PATH' line per path, known kinds" \
	[ -z "$(awk '$1 !~ /^(file|self|link|environ|socket|mark|dpkg)$/ || NF < 2' "$(out m)")" ]
check "--print-manifest: no path twice" [ -z "$(uniq -d "$TMP/binary.paths")" ]
check "--print-manifest: release R kept as written" grep -qx 'lib/modules/R/modules.dep.bin' "$TMP/binary.paths"
check "--print-manifest: the dpkg line names the packages" grep -q '^dpkg var/lib/dpkg/status docker.io .*lxd' "$(out m)"

nc mrel --print-manifest 6.1.0-18-amd64
check "--print-manifest RELEASE: the release in the paths" grep -qx 'file boot/config-6.1.0-18-amd64' "$(out mrel)"
nc mbad --print-manifest ../etc
check "--print-manifest ../etc: exit 2" rc_is 2
check "--print-manifest ../etc: one line" one_line "$(err mbad)"
nc mtwo --print-manifest a b
check "--print-manifest with two releases: exit 2" rc_is 2
check "--help does not mention --print-manifest (it serves the scripts)" bash -c "! '$NESTCHECK' --help | grep -q print-manifest"

# CONTRACT.md's paragraph, expanded: its brace groups, without its notes in parentheses.
contract=$SRCDIR/../shared/CONTRACT.md
if [ -r "$contract" ]; then
	text=$(sed -n '/^Replay reads only these paths/,/to define)\.$/p' "$contract" | tail -n +2 | tr '\n' ' ')
	text=$(sed -e 's/([^()]*)//g' -e 's/, and nestcheck.s own recorded observations.*//' -e 's/ *$//' <<<"$text")
	: >"$TMP/contract.paths"
	IFS=',' read -ra items <<<"$(sed 's/{\([^}]*\)}/{\1}/g; s/,\([^ ]\)/;\1/g' <<<"$text")"
	for item in "${items[@]}"; do
		item=$(sed 's/^ *//; s/ *$//; s/;/,/g' <<<"$item")
		[ -n "$item" ] || continue
		eval "printf '%s\n' $item" >>"$TMP/contract.paths"
	done
	sort -o "$TMP/contract.paths" "$TMP/contract.paths"
	check "the contract's manifest has paths ($(wc -l <"$TMP/contract.paths"))" [ "$(wc -l <"$TMP/contract.paths")" -gt 40 ]
	check "--print-manifest lists exactly CONTRACT.md's manifest" cmp -s "$TMP/contract.paths" "$TMP/binary.paths" ||
		diff "$TMP/contract.paths" "$TMP/binary.paths" | head
else
	skip "CONTRACT.md not beside the source tree: the binary's manifest is not compared with it"
fi

# A bundle of this machine holds manifest paths only (and nestcheck's own files).
export TMPDIR=$TMP/t
mkdir -p "$TMPDIR"
if timeout -k 2 120 "$NESTCHECK" collect -o "$TMP/b.tar.gz" >/dev/null 2>"$TMP/collect.err"; then
	mkdir "$TMP/x"
	tar -xzf "$TMP/b.tar.gz" -C "$TMP/x"
	"$NESTCHECK" --print-manifest | awk '{print $2}' | sort >"$TMP/here.paths"
	(cd "$TMP/x/root" && find . -type f ! -path ./.nestcheck/observations | sed 's#^\./##' | sort) >"$TMP/bundle.paths"
	check "collect: the bundle holds files" [ -s "$TMP/bundle.paths" ]
	check "collect: every file under root/ is a manifest path" [ -z "$(comm -23 "$TMP/bundle.paths" "$TMP/here.paths")" ] ||
		comm -23 "$TMP/bundle.paths" "$TMP/here.paths" | head
else
	not_ok "collect failed: $(head -c 300 "$TMP/collect.err")"
fi

finish
