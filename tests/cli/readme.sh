#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What README.md tells a user to run can be run: every scripts/NAME it names
# exists with its run bit (a user types scripts/bundle.sh, not sh scripts/bundle.sh).
# Usage: bash readme.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

named=$(grep -o 'scripts/[A-Za-z0-9_.-]*\.sh' "$SRCDIR/README.md" | sort -u)
check "README names scripts" [ -n "$named" ]
for s in $named; do
	check "$s exists" [ -f "$SRCDIR/$s" ]
	check "$s has its run bit" [ -x "$SRCDIR/$s" ]
	# What a clone gets is git's mode, not this checkout's.
	if git -C "$SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		check "$s is committed with its run bit (100755)" \
			[ "$(git -C "$SRCDIR" ls-files -s -- "$s" | cut -d' ' -f1)" = 100755 ]
	fi
	check "$s starts with a #! line" [ "$(head -c 2 "$SRCDIR/$s")" = '#!' ]
done

finish
