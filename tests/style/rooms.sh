#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# rooms.sh SRCDIR [--table]: the arrows between rooms (README, Layout). Each
# room may include only the rooms listed for it; an include outside them is a
# failure. With --table, print which rooms include which, with file and line
# counts per room.
set -uo pipefail
src=${1:?usage: rooms.sh SRCDIR [--table]}
cd "$src" || exit 2

declare -A allowed=(
	[core]="core"
	[client]="client core"
	[remedy]="remedy core"
	[checks]="checks remedy client core"
	[report]="report core"
	[cmd]="cmd checks remedy client report core"
)
rooms=(core client remedy checks report cmd)

fail=0
declare -A arrows=()
for room in "${rooms[@]}"; do
	while IFS= read -r file; do
		while IFS= read -r inc; do
			to=${inc%%/*}
			[ "$to" = "$inc" ] && to=$room # a bare name: the same directory
			[[ " ${rooms[*]} " == *" $to "* ]] || continue
			arrows[$room:$to]=$((${arrows[$room:$to]:-0} + 1))
			if [[ " ${allowed[$room]} " != *" $to "* ]]; then
				echo "FAIL: $file includes \"$inc\": $room may include only ${allowed[$room]}"
				fail=1
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
	done < <(find "$room" -name '*.[ch]' | sort)
done

if [ "${2:-}" = --table ]; then
	printf '%-8s %6s %7s  %s\n' room files lines includes
	for room in "${rooms[@]}"; do
		files=$(find "$room" -name '*.[ch]' | wc -l)
		lines=$(find "$room" -name '*.[ch]' -exec cat {} + | wc -l)
		to=""
		for r in "${rooms[@]}"; do
			[ "$r" != "$room" ] && [ -n "${arrows[$room:$r]:-}" ] && to+="$r "
		done
		printf '%-8s %6s %7s  %s\n' "$room" "$files" "$lines" "${to:--}"
	done
	big=$(find "${rooms[@]}" -name '*.[ch]' -exec wc -l {} + | grep -v ' total$' | sort -rn | head -n 1)
	echo "largest file: $big"
fi
[ $fail = 0 ] && echo "rooms: every include follows the arrows"
exit $fail
