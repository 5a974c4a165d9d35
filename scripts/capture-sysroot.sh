#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# capture-sysroot.sh DEST NESTCHECK
#
# Copy exactly the evidence manifest (CONTRACT.md; NESTCHECK --print-manifest
# lists it) from the running system into DEST, laid out like /, so that
# `nestcheck --root DEST` replays this host, and record the live probes'
# observations (DEST/.nestcheck/observations). NESTCHECK is a nestcheck
# binary, or a command line that runs one. POSIX sh: it runs under busybox
# inside minimal containers.
set -u

dest=${1:?usage: capture-sysroot.sh DEST NESTCHECK}
nestcheck=${2:?usage: capture-sysroot.sh DEST NESTCHECK}
mkdir -p "$dest" || exit 2

# shellcheck disable=SC2086 # NESTCHECK may be a command line (a loader and the binary)
manifest=$($nestcheck --print-manifest) || { echo "capture-sysroot: $nestcheck --print-manifest failed" >&2; exit 2; }
[ -n "$manifest" ] || { echo "capture-sysroot: the manifest is empty" >&2; exit 2; }

# put PATH SOURCE: SOURCE's content at DEST/PATH (proc files report size 0, so read, never cp).
put() {
	[ -f "$2" ] && [ -r "$2" ] || return 0
	mkdir -p "$dest/$(dirname "$1")"
	cat "$2" >"$dest/$1" 2>/dev/null || rm -f "$dest/$1"
}

echo "$manifest" | while read -r kind path packages; do
	case $kind in
	file) put "$path" "/$path" ;;
	# proc/self of this shell: the same namespaces, mounts and label as nestcheck's.
	self) put "$path" "/proc/$$/${path#proc/self/}" ;;
	link)
		link=$(readlink "/proc/$$/${path#proc/self/}" 2>/dev/null) || continue
		mkdir -p "$dest/$(dirname "$path")" && echo "$link" >"$dest/$path"
		;;
	# Only the container= entry, NUL-terminated as the kernel writes it.
	environ)
		cat "/$path" >/dev/null 2>&1 || continue
		entry=$(tr '\0' '\n' <"/$path" | grep '^container=' | head -n 1)
		mkdir -p "$dest/$(dirname "$path")"
		if [ -n "$entry" ]; then printf '%s\0' "$entry" >"$dest/$path"; else : >"$dest/$path"; fi
		;;
	# An empty file stands for the socket, or marks that the file exists.
	socket) [ -S "/$path" ] && mkdir -p "$dest/$(dirname "$path")" && : >"$dest/$path" ;;
	mark) [ -e "/$path" ] && mkdir -p "$dest/$(dirname "$path")" && : >"$dest/$path" ;;
	# dpkg status: the stanzas of the listed packages only.
	dpkg)
		[ -r "/$path" ] || continue
		mkdir -p "$dest/$(dirname "$path")"
		awk -v pkgs="$packages" 'BEGIN { RS = ""; ORS = "\n\n"; n = split(pkgs, p, " "); for (i = 1; i <= n; i++) want[p[i]] = 1 }
		{ if (match($0, /(^|\n)Package: [^\n]*/)) { name = substr($0, RSTART, RLENGTH); sub(/^\n?Package: /, "", name); if (name in want) print } }' \
			"/$path" >"$dest/$path"
		;;
	*) echo "capture-sysroot: unknown manifest kind '$kind' for $path" >&2; exit 2 ;;
	esac
done || exit 2

mkdir -p "$dest/.nestcheck"
# shellcheck disable=SC2086 # NESTCHECK may be a command line (a loader and the binary)
$nestcheck --no-launch --record "$dest/.nestcheck/observations" >/dev/null
[ -f "$dest/.nestcheck/observations" ] || { echo "capture-sysroot: nestcheck recorded nothing" >&2; exit 2; }
exit 0
