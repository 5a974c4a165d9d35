#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The printed fixes, pasted in the order a report prints them, do what they
# say together: every module a report asks to load at boot stays listed
# (two checks' fixes must not overwrite each other's modules-load.d file).
# Usage: bash fixes_apply.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

for fx in centos7-host cgroupv2-host apparmor-lxc-no-nesting; do
	nc "$fx" --root "$SRCDIR/fixtures/$fx/root"
	etc=$TMP/$fx/etc/modules-load.d
	mkdir -p "$etc"
	# Every persisting command, in report order, pointed at a scratch /etc.
	grep -E '^ +\$ .*/etc/modules-load\.d/' "$(out "$fx")" | sed -e 's/^ *\$ //' -e "s#/etc/modules-load.d#$etc#g" >"$TMP/$fx.sh"
	check "$fx: the report persists modules" [ -s "$TMP/$fx.sh" ]
	sh "$TMP/$fx.sh" 2>"$TMP/$fx.err"
	check "$fx: the commands run" is_empty "$TMP/$fx.err"
	want=$(grep -E '^ +\$ modprobe -a ' "$(out "$fx")" | sed 's/^ *\$ modprobe -a //' | tr ' ' '\n' | sort -u)
	have=$(cat "$etc"/*.conf 2>/dev/null | sort -u)
	missing=$(comm -23 <(echo "$want") <(echo "$have"))
	check "$fx: every module loaded now is also loaded at boot" [ -z "$missing" ]
	[ -z "$missing" ] || echo "  not persisted: $missing"
	sh "$TMP/$fx.sh" 2>/dev/null
	dups=$(for f in "$etc"/*.conf; do sort "$f" | uniq -d; done)
	check "$fx: pasting them twice lists no module twice in a file" [ -z "$dups" ]
done

finish
