#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# bundle.sh OUTDIR BINARY
#
# Make BINARY (a path, or a name in PATH) runnable where none of its shared
# libraries exist (a minimal busybox LXD instance, a scratch container, a host
# the Ansible role nestcheck.fleet.check reaches): copy it to OUTDIR/nestcheck, copy
# every library `ldd` lists (libasan/libubsan of a sanitizer build included),
# the libraries it loads only when a check needs them (libcurl, libarchive,
# libkmod, and theirs) and the dynamic loader next to it, and write OUTDIR/nestcheck-run, a POSIX sh
# wrapper that starts the binary through the bundled loader with
# --library-path OUTDIR. Push the directory anywhere (lxc file push -r) and run
# DIR/nestcheck-run.
set -eu

out=${1:?usage: bundle.sh OUTDIR BINARY}
bin=${2:?usage: bundle.sh OUTDIR BINARY}

die() { echo "bundle.sh: $*" >&2; exit 1; }

# A bare name is looked up in PATH (bundle.sh DIR nestcheck packs the installed one).
case $bin in
*/*) ;;
*) bin=$(command -v "$bin") || die "${2}: not found in PATH" ;;
esac

if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then die "$bin: not an executable file"; fi
command -v ldd >/dev/null 2>&1 || die "ldd not found (libc-bin)"
deps=$(ldd "$bin" 2>&1) || die "ldd $bin failed: $deps"
case $deps in
*"not a dynamic executable"* | *"statically linked"*) die "$bin is not dynamically linked: copy it alone" ;;
esac
if printf '%s\n' "$deps" | grep -q 'not found'; then
	die "$bin has unresolved libraries: $(printf '%s\n' "$deps" | grep 'not found' | tr -s ' \t' ' ')"
fi

# The loader: the ldd line that is an absolute path without "=>"
# ("/lib64/ld-linux-x86-64.so.2 (0x...)").
loader=$(printf '%s\n' "$deps" | awk '$2 != "=>" && $1 ~ /^\// { print $1; exit }')
[ -n "$loader" ] || die "no dynamic loader in the ldd output of $bin"
loader_name=${loader##*/}

mkdir -p "$out"
cp -L "$bin" "$out/nestcheck"
chmod 755 "$out/nestcheck"
cp -L "$loader" "$out/$loader_name"
chmod 755 "$out/$loader_name"
# nestcheck dlopen()s these when a launch check or a module lookup needs them: ldd cannot see them.
for soname in libcurl.so.4 libarchive.so.13 libkmod.so.2; do
	path=$(ldconfig -p 2>/dev/null | awk -v s="$soname" '$1 == s && /x86-64|x86_64/ { print $NF; exit }')
	[ -n "$path" ] || path=$(ldconfig -p 2>/dev/null | awk -v s="$soname" '$1 == s { print $NF; exit }')
	[ -n "$path" ] || die "$soname not found (apt-get install libcurl4 libarchive13 libkmod2)"
	deps="$deps
	$soname => $path (0x0)
$(ldd "$path")"
done

# "libfoo.so.1 => /lib/.../libfoo.so.1 (0x...)": copy under the soname the
# binary asks for (the left side), following symlinks.
printf '%s\n' "$deps" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u |
	while read -r soname path; do
		cp -L "$path" "$out/$soname"
	done

# The wrapper. $loader_name is expanded now; everything else when it runs.
cat >"$out/nestcheck-run" <<EOF
#!/bin/sh
# Run the bundled nestcheck with the bundled loader and libraries (made by bundle.sh).
case \$0 in
*/*) dir=\${0%/*} ;;
*) if [ -f "\$0" ]; then dir=.; else dir=\$(dirname "\$(command -v "\$0")"); fi ;;
esac
exec "\$dir/$loader_name" --library-path "\$dir" "\$dir/nestcheck" "\$@"
EOF
chmod 755 "$out/nestcheck-run"
