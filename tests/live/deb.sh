#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Live on this machine, as root: build a plain Release tree in a temp dir,
# package it with cpack -G DEB, install the .deb with dpkg, run the installed
# /usr/bin/nestcheck, check its man page and bash completion, and remove the
# package again. Refuses to touch a nestcheck package that was installed
# before it ran.
set -u
nestcheck=$1 src=$2 jsonq=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in cmake cpack dpkg dpkg-deb dpkg-shlibdeps; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing (scripts/setup.sh --test)"; exit 77; }
done
if dpkg-query -W -f='${Status}' nestcheck 2>/dev/null | grep -q 'installed'; then
	echo "SKIP: a nestcheck package is already installed; not touching it"
	exit 77
fi

tmp=$(mktemp -d /var/tmp/nestcheck-deb.XXXXXX)
installed=0
cleanup() {
	[ "$installed" = 1 ] && dpkg --purge nestcheck >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
check() { # check WHAT COMMAND...
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DNESTCHECK_TESTS=OFF >"$tmp/configure.log" 2>&1 ||
	{ cat "$tmp/configure.log"; echo "FAIL: configure"; exit 1; }
make -C "$tmp/build" -j"$(nproc)" >"$tmp/make.log" 2>&1 || { tail -30 "$tmp/make.log"; echo "FAIL: build"; exit 1; }
(cd "$tmp/build" && cpack -G DEB) >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$tmp"/build/nestcheck_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { cat "$tmp/cpack.log"; echo "FAIL: cpack made no nestcheck_*.deb"; exit 1; }
ok "cpack made ${deb##*/}"

fields=$(dpkg-deb -f "$deb" Package Maintainer Depends)
echo "$fields" | sed 's/^/  /'
check "package name nestcheck" grep -qx 'Package: nestcheck' <<<"$fields"
check "maintainer" grep -qx 'Maintainer: nestcheck developers <nestcheck@localhost>' <<<"$fields"
# dlopen()ed, so named by hand; the rest comes from dpkg-shlibdeps.
for d in libcurl4 libarchive13 libc6 libjson-c5 libmount1 libkmod2; do
	check "depends on $d" grep -qE "^Depends:.*(^|[ ,])$d([ ,(]|$)" <<<"$fields"
done
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/nestcheck ./usr/share/man/man1/nestcheck.1 ./usr/share/bash-completion/completions/nestcheck \
	./usr/share/doc/nestcheck/copyright ./usr/share/nestcheck/bundle.sh \
	./usr/share/ansible/collections/ansible_collections/nestcheck/fleet/plugins/modules/nestcheck.py \
	./usr/share/ansible/collections/ansible_collections/nestcheck/fleet/roles/check/tasks/main.yml; do
	check "package holds $f" grep -qF " $f" <<<"$contents"
done

installed=1
if ! dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
	# Missing dependencies: let apt bring them (they are all installed on the test machine).
	DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q >>"$tmp/dpkg.log" 2>&1 ||
		{ cat "$tmp/dpkg.log"; bad "dpkg -i"; exit 1; }
fi
check "dpkg says installed" eval "dpkg-query -W -f='\${Status}' nestcheck | grep -q 'install ok installed'"

want_version=$(sed -n 's/^project(nestcheck VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
got=$(/usr/bin/nestcheck --version 2>&1)
check "installed --version is '$got'" [ "$got" = "nestcheck $want_version" ]
list=$(/usr/bin/nestcheck --list 2>&1)
rc=$?
check "installed --list exits 0" [ "$rc" = 0 ]
check "installed --list names kernel.version" grep -q '^kernel.version ' <<<"$list"
check "installed --list agrees with the tested build" [ "$list" = "$("$nestcheck" --list 2>&1)" ]
# The dlopen()ed libraries resolve: a static run replays cleanly.
if [ -d "$src/fixtures/debian12-host/root" ]; then
	/usr/bin/nestcheck --root "$src/fixtures/debian12-host/root" --json >"$tmp/replay.json" 2>"$tmp/replay.err"
	rc=$?
	check "installed replay exits 0 or 1 (got $rc), quietly" eval '[ "$rc" -le 1 ] && [ ! -s "$tmp/replay.err" ]'
fi
if command -v man >/dev/null; then
	page=$(man -w nestcheck 2>/dev/null)
	check "man -w nestcheck finds $page" [ "${page%.gz}" = /usr/share/man/man1/nestcheck.1 ]
	check "the man page renders without warnings" eval \
		'[ -z "$(MANWIDTH=80 man --warnings -l /usr/share/man/man1/nestcheck.1 2>&1 >/dev/null)" ]'
else
	echo "skip: man-db missing"
fi
# The bundle script packs the installed binary; the collection is where Ansible looks by default.
if sh /usr/share/nestcheck/bundle.sh "$tmp/bundle" nestcheck >"$tmp/bundle.log" 2>&1; then
	got=$("$tmp/bundle/nestcheck-run" --version 2>&1)
	check "a bundle of the installed nestcheck runs ('$got')" [ "$got" = "nestcheck $want_version" ]
else
	bad "/usr/share/nestcheck/bundle.sh: $(tail -n 2 "$tmp/bundle.log")"
fi
if command -v ansible-doc >/dev/null; then
	got=$(env -u ANSIBLE_COLLECTIONS_PATH ansible-doc nestcheck.fleet.nestcheck 2>&1 | head -n 1)
	check "ansible-doc finds the installed module ('$got')" grep -q 'NESTCHECK.FLEET.NESTCHECK' <<<"$got"
else
	echo "skip: ansible-doc missing (apt-get install ansible)"
fi
comp=/usr/share/bash-completion/completions/nestcheck
check "completion file exists" [ -s "$comp" ]
check "completion file is valid bash" bash -n "$comp"
got=$(bash -c 'source "$1"; COMP_WORDS=(nestcheck --only kernel.v); COMP_CWORD=2; _nestcheck; echo "${COMPREPLY[*]}"' _ "$comp")
check "completion offers check ids ('$got')" [ "$got" = kernel.version ]

dpkg --purge nestcheck >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; bad "dpkg --purge"; }
installed=0
check "package gone" eval '! dpkg-query -W -f="\${Status}" nestcheck 2>/dev/null | grep -q installed'
for f in /usr/bin/nestcheck /usr/share/man/man1/nestcheck.1 "$comp" /usr/share/nestcheck \
	/usr/share/ansible/collections/ansible_collections/nestcheck; do
	check "$f removed" [ ! -e "$f" ]
done
exit $fail
