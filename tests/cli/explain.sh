#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nestcheck explain: every verbatim symptom text of the failure catalog
# (failure-modes.md, the backquoted texts on its "- Symptom:" lines) names the
# catalog entry it is listed under; unknown text says so with exit 1.
source "$(dirname "$0")/lib.bash" "$@"

CATALOG=${FAILURE_MODES:-/work/shared/knowledge/failure-modes.md}
# Backquoted bits of Symptom lines that are not error texts (a setting, a key, a
# docker info line): no failure is expected to match them.
NOT_ERRORS=$'Storage Driver: vfs\nuser.overlay.origin\nsetfattr: a: Operation not permitted\ntrusted.overlay.opaque\nuserns-remap\nnobody:nogroup\nlxc.net.0.type = none\nulimits: memlock: -1\n/proc/sys/net/bridge/bridge-nf-call-iptables'

if [ -r "$CATALOG" ]; then
	awk '/^\*\*[A-Z][0-9]+ /{code=$1; sub(/^\*\*/,"",code)}
	     /^- Symptom:/{ s=$0; while (match(s, /`[^`]*`/)) { print code "\t" substr(s, RSTART+1, RLENGTH-2); s=substr(s, RSTART+RLENGTH) } }' \
		"$CATALOG" >"$TMP/texts.tsv"
	total=$(wc -l <"$TMP/texts.tsv")
	check "catalog: at least 40 symptom texts extracted ($total)" [ "$total" -ge 40 ]
	covered=0 wrong=0 missed=0
	while IFS=$'\t' read -r code text; do
		timeout -k 2 10 "$NESTCHECK" explain --json -- "$text" >"$TMP/x.out" 2>"$TMP/x.err" </dev/null
		rc=$?
		got=$(jget "$TMP/x.out" code 2>/dev/null)
		if [ "$rc" -eq 0 ] && [ -n "$got" ]; then
			# A text listed under two entries (K1 and S5 share overlay's) may name the other.
			if [ "$got" = "$code" ] || grep -qF -- "$(printf '%s\t%s' "$got" "${text:0:50}")" "$TMP/texts.tsv"; then
				covered=$((covered + 1))
			else
				wrong=$((wrong + 1))
				echo "  $code text names $got: $text"
			fi
		elif [ "$rc" -eq 1 ] && grep -qxF -- "$text" <<<"$NOT_ERRORS"; then
			:
		else
			missed=$((missed + 1))
			echo "  $code text not explained (exit $rc): $text"
		fi
	done <"$TMP/texts.tsv"
	echo "  explain covers $covered of $total catalog symptom texts"
	check "catalog: no text names the wrong failure" [ "$wrong" -eq 0 ]
	check "catalog: every error text is explained ($covered covered)" [ "$missed" -eq 0 ]
	check "catalog: at least 40 texts covered" [ "$covered" -ge 40 ]
else
	skip "catalog $CATALOG not readable"
fi

# Human output: code, id, title, cause, fix with commands; the fix names no real instance.
nc human explain 'Error response from daemon: cgroups: cannot find cgroup mount destination: unknown.'
check "human: exit 0" rc_is 0 || show human
check "human: names the code" grep -qE '^[A-Z][0-9]+ [a-z0-9-]+: ' "$(out human)"
check "human: a cause" contains "$(out human)" "cause: "
check "human: a fix" grep -qE '^fix \((on the host|in the container)\): ' "$(out human)"
check "human: nothing on stderr" is_empty "$(err human)"

# Several arguments are joined by spaces.
nc words explain join session keyring: create session key: disk quota exceeded
check "words: joined arguments match" eval 'rc_is 0 && contains "$(out words)" "K5 keyring-quota"' || show words

# stdin, a multi-line daemon log.
printf 'time="x" level=info msg="starting"\ntime="x" level=error msg="failed to start daemon: Devices cgroup isn'"'"'t mounted"\n' |
	timeout -k 2 10 "$NESTCHECK" explain >"$TMP/stdin.out" 2>"$TMP/stdin.err"
RC=$?
check "stdin: exit 0 and a known failure" eval 'rc_is 0 && grep -qE "^C[0-9]+ " "$TMP/stdin.out"' || show stdin

# stdin larger than the 1 MiB bound: read up to it, no hang, no crash.
{ head -c 2000000 /dev/zero | tr '\0' 'x'; echo; echo 'disk quota exceeded'; } |
	timeout -k 2 10 "$NESTCHECK" explain >"$TMP/big.out" 2>"$TMP/big.err"
RC=$?
check "big stdin: bounded, unknown (the text is past 1 MiB)" eval 'rc_is 1 && is_empty "$TMP/big.err"' || show big

# JSON: the contract of the brief.
nc json explain --json 'Your Linux kernel version 2.6.32-042stab123 is not supported for running docker. Please upgrade your kernel to 3.10.0 or newer.'
check "json: exit 0, valid" eval 'rc_is 0 && json_valid "$(out json)"' || show json
check "json: known" [ "$(jget "$(out json)" known)" = true ]
check "json: code K1" [ "$(jget "$(out json)" code)" = K1 ]
check "json: id" [ "$(jget "$(out json)" id)" = kernel-too-old ]
check "json: title and cause" eval '[ -n "$(jget "$(out json)" title)" ] && [ -n "$(jget "$(out json)" cause)" ]'
check "json: remediation with a text" eval '[ -n "$(jget "$(out json)" remediation | grep -F "\"text\": ")" ]'

# Host-side fixes name the placeholder instance, never this machine's.
nc lxd explain --json 'failed to mount overlay: operation not permitted storage-driver=overlay2'
check "lxd: exit 0" rc_is 0 || show lxd
check "lxd: no hostname leaks" lacks "$(out lxd)" "$(hostname)"

# Unknown text, bad usage.
nc unknown explain 'the quick brown fox'
check "unknown: exit 1" rc_is 1 || show unknown
check "unknown: says so" contains "$(out unknown)" "no known failure matches this text"
nc unknownj explain --json 'the quick brown fox'
check "unknown json: known false, exit 1" eval 'rc_is 1 && [ "$(jget "$(out unknownj)" known)" = false ]' || show unknownj
nc empty explain
check "empty stdin: exit 2" rc_is 2 || show empty
nc badopt explain --frobnicate
check "bad option: exit 2, one line" eval 'rc_is 2 && one_line "$(err badopt)"' || show badopt
nc help explain --help
check "help: exit 0" eval 'rc_is 0 && contains "$(out help)" "Usage: nestcheck explain"' || show help

finish
