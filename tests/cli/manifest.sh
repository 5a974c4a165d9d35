#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The evidence manifest has one copy, in code (core/manifest.c): --print-manifest
# lists exactly CONTRACT.md's paths, with the kinds its notes ask for; README's
# table by kind says the same; the capture script knows every kind. That a
# bundle holds manifest paths only is bundle.sh's (it collects already).
# Usage: bash manifest.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

# expand_items TEXT: one path per line from a list written "a, b/{c,d}, e"
# (at most one brace group an item), without running anything through eval.
expand_items() {
	local item alt
	local -a items alts
	IFS=';' read -ra items <<<"${1//, /;}"
	for item in "${items[@]}"; do
		item=${item#"${item%%[! ]*}"}
		item=${item%"${item##*[! ]}"}
		[ -n "$item" ] || continue
		if [[ $item =~ ^([^{}]*)\{([^{}]*)\}([^{}]*)$ ]]; then
			IFS=',' read -ra alts <<<"${BASH_REMATCH[2]}"
			for alt in "${alts[@]}"; do echo "${BASH_REMATCH[1]}$alt${BASH_REMATCH[3]}"; done
		else
			echo "$item"
		fi
	done
}

nc m --print-manifest R
check "--print-manifest R: exit 0" rc_is 0
check "--print-manifest R: nothing on stderr" is_empty "$(err m)"
awk '{print $1, $2}' "$(out m)" | sort >"$TMP/binary.pairs"
awk '{print $2}' "$(out m)" | sort >"$TMP/binary.paths"
check "--print-manifest: one 'KIND PATH' line per path, known kinds" \
	[ -z "$(awk '$1 !~ /^(file|self|link|environ|socket|mark|dpkg)$/ || NF < 2' "$(out m)")" ]
check "--print-manifest: no path twice" [ -z "$(uniq -d "$TMP/binary.paths")" ]
check "--print-manifest: release R kept as written" grep -qx 'lib/modules/R/modules.dep.bin' "$TMP/binary.paths"
check "--print-manifest: the dpkg line names the packages" grep -q '^dpkg var/lib/dpkg/status docker.io .*lxd' "$(out m)"

nc mrel --print-manifest 6.1.0-18-amd64
check "--print-manifest RELEASE: the release in the paths" grep -qx 'file boot/config-6.1.0-18-amd64' "$(out mrel)"
check "--print-manifest RELEASE: R nowhere" bash -c "! grep -qE '/R/|-R\$' '$(out mrel)'"
nc mbrace --print-manifest '6.1{a,b}'
check "--print-manifest with braces in the release: taken as characters" \
	[ "$(grep -c '^file boot/config-' "$(out mbrace)")" = 1 ]
for bad in ../etc '6.1 x' ''; do
	nc mbad --print-manifest "$bad"
	check "--print-manifest '$bad': exit 2" rc_is 2
	check "--print-manifest '$bad': one line" one_line "$(err mbad)"
	check "--print-manifest '$bad': no manifest" is_empty "$(out mbad)"
done
nc mtwo --print-manifest a b
check "--print-manifest with two releases: exit 2" rc_is 2
check "--help does not mention --print-manifest (it serves the scripts)" bash -c "! '$NESTCHECK' --help | grep -q print-manifest"

# The capture script acts on every kind the binary prints (it refuses a kind it does not know).
for kind in $(awk '{print $1}' "$(out m)" | sort -u); do
	check "capture-sysroot.sh handles the kind '$kind'" grep -qE "^[[:space:]]*$kind\)" "$SRCDIR/scripts/capture-sysroot.sh"
done

# README's table by kind ("| `KIND` | PATHS | ... |" in "Replay and captures"), expanded.
: >"$TMP/readme.pairs"
while IFS= read -r line; do
	if [[ $line =~ ^\|\ \`([a-z]+)\`\ \|\ ([^|]*)\ \| ]]; then
		kind=${BASH_REMATCH[1]}
		expand_items "${BASH_REMATCH[2]}" | sed "s/^/$kind /" >>"$TMP/readme.pairs"
	fi
done < <(sed -n '/^## Replay and captures/,/^## /p' "$SRCDIR/README.md")
sort -o "$TMP/readme.pairs" "$TMP/readme.pairs"
check "README's manifest table has paths ($(wc -l <"$TMP/readme.pairs"))" [ "$(wc -l <"$TMP/readme.pairs")" -gt 40 ]
check "README's manifest table is --print-manifest's, kind by kind" cmp -s "$TMP/readme.pairs" "$TMP/binary.pairs" ||
	diff "$TMP/readme.pairs" "$TMP/binary.pairs" | head

# CONTRACT.md's paragraph: its paths, and the kinds its notes in parentheses ask for.
# Beside the source tree, as in CI; NESTCHECK_CONTRACT names it when the tree is elsewhere.
contract=${NESTCHECK_CONTRACT:-$SRCDIR/../shared/CONTRACT.md}
if [ -r "$contract" ]; then
	text=$(sed -n '/^Replay reads only these paths/,/to define)\.$/p' "$contract" | tail -n +2 | tr '\n' ' ')
	notes=$(sed -e 's/, and nestcheck.s own recorded observations.*//' -e 's/ *$//' <<<"$text")
	text=$(sed -e 's/([^()]*)//g' <<<"$notes")
	expand_items "$text" | sort >"$TMP/contract.paths"
	check "the contract's manifest has paths ($(wc -l <"$TMP/contract.paths"))" [ "$(wc -l <"$TMP/contract.paths")" -gt 40 ]
	check "--print-manifest lists exactly CONTRACT.md's manifest" cmp -s "$TMP/contract.paths" "$TMP/binary.paths" ||
		diff "$TMP/contract.paths" "$TMP/binary.paths" | head
	# Each note, as the contract writes it after its entry, and the kind that carries it out.
	while IFS='|' read -r kind entry note; do
		check "the contract notes '$note' on $entry" grep -qF "$entry ($note" <<<"$notes"
		want=$(expand_items "$entry" | { if [ "$kind" = environ ]; then grep '/environ$'; else cat; fi; } |
			sed "s/^/$kind /" | sort)
		check "--print-manifest: $kind is the kind of $entry's noted paths" \
			[ "$want" = "$(grep "^$kind " "$TMP/binary.pairs")" ]
	done <<-'EOF'
		link|proc/self/ns/{cgroup,ipc,mnt,net,pid,time,user,uts}|plain files holding the link text
		environ|proc/1/{cgroup,comm,environ}|environ holds only the container= entry
		socket|dev/lxd/sock|an empty file stands for the socket
		dpkg|var/lib/dpkg/status|stanzas of the container stack only
	EOF
else
	skip "CONTRACT.md not beside the source tree: README and the binary are compared without it"
fi

finish
