#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hostile sysroots: corrupt, binary, huge, looping, escaping, special files.
# Each must give no crash (exit 0 or 1, no signal, no timeout), nothing on
# stderr (with the sanitizer build, any report there is a failure), a valid
# JSON report, and the affected checks must say error or skip with a summary
# that names what broke. An unreadable --root is exit 2 with one line.
# Usage: bash hostile.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # check ... eval '...' expands when eval runs; helpers run through check
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

# junk FILE [BYTES]: binary junk. The first byte is forced to 0xff so that the
# outcome does not depend on the draw: a file that starts with a NUL byte hits
# a known bug (see "uid_map-nul" below), tested on its own, deterministically.
junk() {
	mkdir -p "$(dirname "$1")"
	head -c "${2:-4096}" /dev/urandom >"$1"
	printf '\377' | dd of="$1" bs=1 count=1 conv=notrunc status=none
}
# long_line FILE BYTES: one line of BYTES characters, no newline.
long_line() {
	mkdir -p "$(dirname "$1")"
	head -c "$2" /dev/zero | tr '\0' x >"$1"
}

# hostile NAME ROOT: run ROOT for JSON and for the human report; no crash,
# nothing on stderr, valid JSON, consistent summary, every check has a summary.
hostile() {
	local name=$1 root=$2 f id
	echo "# $name"
	nc "$name" --root "$root" --json
	f=$(out "$name")
	check "$name: exit 0 or 1 (no crash, signal or timeout)" rc_0_or_1 || show "$name"
	check "$name: nothing on stderr (no sanitizer report)" is_empty "$(err "$name")" || show "$name"
	check "$name: valid JSON" json_valid "$f"
	check "$name: all $N_CHECKS checks reported" [ "$(json_ids "$f" | wc -l)" -eq "$N_CHECKS" ]
	check "$name: summary counts equal the checks' statuses" summary_consistent "$f"
	local empty=""
	for id in $(json_ids "$f"); do summary_nonempty "$f" "$id" || empty="$empty $id"; done
	check "$name: every check has a summary" [ -z "$empty" ]
	HOSTILE_RC=$RC
	nc "$name.human" --root "$root"
	check "$name: human report: same exit status, nothing on stderr, a verdict line" \
		eval 'rc_is $HOSTILE_RC && is_empty "$(err "$name.human")" && grep -q "^verdict: " "$(out "$name.human")"' ||
		show "$name.human"
}
# affected NAME ID STATUSES WORD: check ID of run NAME has one of STATUSES
# (e.g. "error skip") and a summary that contains WORD (the file at fault).
affected() {
	local name=$1 id=$2 statuses=$3 word=$4 f summary
	f=$(out "$name")
	# shellcheck disable=SC2086
	check "$name: $id is ${statuses// / or }" status_in "$f" "$id" $statuses
	summary=$(jget "$f" "checks.$id.summary")
	check "$name: $id says why: '$summary'" contains <(printf '%s\n' "$summary") "$word"
}

base() { # base NAME: a fresh copy of the passing host sysroot, echoes its path
	local r=$TMP/$1
	cp -a "$TMP/host" "$r"
	echo "$r"
}
sysroot_host "$TMP/host"

# --- kernel config ---
R=$(base config-truncated)
kconfig_text | gzip -9n >"$TMP/config.gz"
head -c $(($(stat -c %s "$TMP/config.gz") / 2)) "$TMP/config.gz" >"$R/proc/config.gz"
hostile config-truncated "$R"
affected config-truncated kernel.config error proc/config.gz

R=$(base config-random)
junk "$R/proc/config.gz"
hostile config-random "$R"
affected config-random kernel.config error proc/config.gz

# 64 MB of zeros gzip to ~64 KB: the inflated size must be bounded.
R=$(base config-bomb)
head -c 64000000 /dev/zero | gzip -1 >"$R/proc/config.gz"
hostile config-bomb "$R"
affected config-bomb kernel.config "error skip" proc/config.gz
check "config-bomb: the summary does not claim the 64 KB file is over 4 MiB" \
	lacks "$(out config-bomb)" "larger than nestcheck reads (4 MiB)"

# --- binary junk where text is expected ---
R=$(base junk-mountinfo)
junk "$R/proc/self/mountinfo"
hostile junk-mountinfo "$R"
affected junk-mountinfo cgroup.layout error proc/self/mountinfo
affected junk-mountinfo storage.backing_fs error proc/self/mountinfo

R=$(base junk-uid_map)
junk "$R/proc/self/uid_map"
hostile junk-uid_map "$R"
affected junk-uid_map userns.idmap error proc/self/uid_map

R=$(base junk-osrelease)
junk "$R/proc/sys/kernel/osrelease"
hostile junk-osrelease "$R"
affected junk-osrelease kernel.version error proc/sys/kernel/osrelease

R=$(base junk-os-release)
junk "$R/etc/os-release"
hostile junk-os-release "$R"
check "junk-os-release: host.os is still a non-empty string" [ -n "$(jget "$(out junk-os-release)" host.os)" ]

R=$(base junk-daemon.json)
junk "$R/etc/docker/daemon.json"
hostile junk-daemon.json "$R"
affected junk-daemon.json storage.backing_fs error etc/docker/daemon.json

# Every file of the manifest (the binary's, for the sysroot's release) as junk.
R=$(base junk-everywhere)
release=$(cat "$R/proc/sys/kernel/osrelease")
"$NESTCHECK" --print-manifest "$release" >"$TMP/manifest"
check "junk-everywhere: the manifest for $release has paths" [ "$(wc -l <"$TMP/manifest")" -gt 40 ]
while read -r _ p _; do
	junk "$R/$p"
done <"$TMP/manifest"
hostile junk-everywhere "$R"

R=$(base uid_map-nul)
printf '\000\001\002 junk 0 0 4294967295\n' >"$R/proc/self/uid_map"
hostile uid_map-nul "$R"
check "uid_map-nul: userns.idmap is error (a uid_map with NUL bytes is malformed)" \
	status_in "$(out uid_map-nul)" userns.idmap error

R=$(base osrelease-escapes)
printf '6.1.0-\377\376\033]0;owned\007\033[2J\n' >"$R/proc/sys/kernel/osrelease"
hostile osrelease-escapes "$R"
check "osrelease-escapes: the JSON report is valid UTF-8" valid_utf8 "$(out osrelease-escapes)"
check "osrelease-escapes: the human report (NO_COLOR) has no control bytes from the sysroot" \
	no_ctrl "$(out osrelease-escapes.human)"

# --- huge files ---
# Duplicate mount ids: mounts 21 on 21 on 21, a cycle the walk to a path's mount went round
# for ever. The kernel's ids are unique: such a table is no mount table.
R=$(base mountinfo-id-cycle)
printf '%s\n' '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw' '21 20 0:50 / / rw - tmpfs tmpfs rw' \
	'21 21 0:51 / / rw - tmpfs tmpfs rw' '21 21 0:52 / / rw - tmpfs tmpfs rw' >"$R/proc/self/mountinfo"
hostile mountinfo-id-cycle "$R"
affected mountinfo-id-cycle cgroup.layout error proc/self/mountinfo
affected mountinfo-id-cycle storage.backing_fs error proc/self/mountinfo

# 3 MiB of control bytes on one line of a sysctl file: each byte sanitized in linear time
# (it used to move the rest of the string for every bad byte: minutes), the summary bounded.
R=$(base control-bytes)
mkdir -p "$R/proc/sys/net/ipv4"
head -c 3000000 /dev/zero | tr '\0' '\001' >"$R/proc/sys/net/ipv4/ip_forward"
hostile control-bytes "$R"
affected control-bytes network.ip_forward error '"????????'
check "control-bytes: the summary is bounded" [ "$(jget "$(out control-bytes)" checks.network.ip_forward.summary | wc -c)" -lt 200 ]

# 3 MiB of observations, 230,000 keys: loaded in linear time (each key used to be looked
# up among all before it: minutes), and the recorded ones still replayed.
R=$(base observations-many)
mkdir -p "$R/.nestcheck"
{
	seq -f 'key-%07g=x' 1 230000
	echo 'network.iptables.version=iptables v9.9.9 (legacy)'
} >"$R/.nestcheck/observations"
hostile observations-many "$R"
check "observations-many: the last key is replayed" contains "$(out observations-many)" '"iptables v9.9.9 (legacy)"'

# Module indexes (modules.dep.bin, modules.alias.bin, ...) a customer's bundle brings: libkmod
# trusts them (a node's child count from two signed bytes, a value count of 2^31, offsets past the
# end), so nestcheck checks their structure first and leaves a bad one to libkmod never.
# kidx NAME PYTHON-BYTES: a sysroot whose modules.dep.bin is that, and veth (=m) not loaded.
kidx() {
	local name=$1 r rel
	r=$(base "$name")
	rel=$(cat "$r/proc/sys/kernel/osrelease")
	mkdir -p "$r/lib/modules/$rel"
	sed -i '/^veth /d' "$r/proc/modules" # not loaded: looked up in the index
	python3 -c "import struct, sys; sys.stdout.buffer.write($2)" \
		>"$r/lib/modules/$rel/modules.dep.bin"
	echo "$r"
}
# NAME <TAB> the file, as a Python bytes expression
while IFS=$'\t' read -r name bytes; do
	R=$(kidx "$name" "$bytes")
	hostile "$name" "$R"
	affected "$name" modules.required "warn fail skip error" "modules.dep.bin"
done <<'EOF'
kidx-children	struct.pack('>III', 0xB007F457, 0x00020001, 0x20000000 | 12) + bytes([0x10, 0]) + bytes(8)
kidx-values	struct.pack('>IIII', 0xB007F457, 0x00020001, 0x40000000 | 12, 0x7fffffff)
kidx-offset	struct.pack('>III', 0xB007F457, 0x00020001, 0x20000000 | 12) + b'aa' + struct.pack('>I', 0x80ffffff)
kidx-prefix	struct.pack('>III', 0xB007F457, 0x00020001, 0x80000000 | 12) + b'veth'
EOF
# (children counted from 0x10 down to 0x00, 2^31 values and none there, a child past the end,
# a prefix without its NUL)

# libkmod is loaded only for a lookup in the module index: where it cannot be loaded (a stub
# without its symbols stands for that), the modules that only the index could place are
# "loadability unknown" (a warning, never a pass or an error), and the report says why.
echo "# libkmod missing"
mkdir -p "$TMP/stub-kmod"
cc -shared -fPIC -o "$TMP/stub-kmod/libkmod.so.2" -x c /dev/null
VM_ROOT=$SRCDIR/fixtures/vm-debian12-host/root
nc kmod-real --root "$VM_ROOT" --json --only modules.required
check "libkmod: modules.required passes with it" status_is "$(out kmod-real)" modules.required pass
check "libkmod: with it ip6table_nat is loadable" [ "$(jget "$(out kmod-real)" checks.modules.required.evidence.ip6table_nat)" = loadable ]
LD_LIBRARY_PATH=$TMP/stub-kmod nc kmod-missing --root "$VM_ROOT" --json --only modules.required
check "libkmod missing: exit 0 or 1" rc_0_or_1
check "libkmod missing: modules.required warns" status_is "$(out kmod-missing)" modules.required warn
check "libkmod missing: ip6table_nat's loadability unknown" \
	[ "$(jget "$(out kmod-missing)" checks.modules.required.evidence.ip6table_nat)" = "not loaded, loadability unknown" ]
check "libkmod missing: the summary says why" contains <(jget "$(out kmod-missing)" checks.modules.required.summary) \
	"libkmod cannot be loaded"
check "libkmod missing: the fix names the package" contains \
	<(jget "$(out kmod-missing)" checks.modules.required.evidence.module_index) "apt-get install -y libkmod2"
check "libkmod missing: no copy of the index left" [ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -newer "$TMP/stub-kmod" -name 'nestcheck-kmod-*' 2>/dev/null)" ]

R=$(base long-mountinfo)
long_line "$R/proc/self/mountinfo" 10000000
hostile long-mountinfo "$R"
affected long-mountinfo cgroup.layout error proc/self/mountinfo
affected long-mountinfo storage.backing_fs error proc/self/mountinfo

R=$(base long-os-release)
long_line "$R/etc/os-release" 10000000
hostile long-os-release "$R"
check "long-os-release: host.os is still a non-empty string" [ -n "$(jget "$(out long-os-release)" host.os)" ]

# --- symlinks ---
R=$(base symlink-loop)
rm "$R/proc/self/mountinfo"
ln -s loop "$R/proc/self/mountinfo"
ln -s mountinfo "$R/proc/self/loop"
hostile symlink-loop "$R"
affected symlink-loop cgroup.layout error proc/self/mountinfo
affected symlink-loop storage.backing_fs error proc/self/mountinfo

# A link that points out of the root must resolve inside it: the outside file's
# marker must never show. With a decoy at the same path inside the root, the
# decoy is what is read.
OUTSIDE=$TMP/outside
mkdir -p "$OUTSIDE"
echo "9.9.9-OUTSIDE" >"$OUTSIDE/osrelease"
escape_case() { # escape_case NAME TARGET DECOY_PATH(relative to the root)
	local name=$1 target=$2 decoy=$3 r
	r=$(base "$name")
	ln -sfn "$target" "$r/proc/sys/kernel/osrelease"
	check "$name: outside the sysroot the link reaches the marker (test sanity)" \
		grep -q OUTSIDE "$r/proc/sys/kernel/osrelease"
	hostile "$name" "$r"
	check "$name: the JSON report does not contain the outside marker" lacks "$(out "$name")" OUTSIDE
	check "$name: the human report does not contain the outside marker" lacks "$(out "$name.human")" OUTSIDE
	affected "$name" kernel.version "skip error" proc/sys/kernel/osrelease
	mkdir -p "$(dirname "$r/$decoy")"
	echo "5.10.0-INSIDE" >"$r/$decoy"
	nc "$name.decoy" --root "$r" --json
	# Kernels without openat2 (before 5.6) refuse every symlink in a sysroot
	# instead (host.c): an error about a symlink is fine there.
	check "$name: with a decoy inside the root, the decoy is read (5.10.0-INSIDE)" \
		eval 'lacks "$(out "$name.decoy")" OUTSIDE &&
		      { [ "$(jget "$(out "$name.decoy")" checks.kernel.version.evidence.release)" = 5.10.0-INSIDE ] ||
		        { status_is "$(out "$name.decoy")" kernel.version error &&
		          contains "$(out "$name.decoy")" symlink; }; }'
}
escape_case escape-absolute "$OUTSIDE/osrelease" "${OUTSIDE#/}/osrelease"
# proc/sys/kernel is 3 levels down and the root is in $TMP: 4 ".." reach $TMP.
escape_case escape-relative "../../../../outside/osrelease" "outside/osrelease"
escape_case escape-deep "../../../../../../../../../../..$OUTSIDE/osrelease" "${OUTSIDE#/}/osrelease"

# --- special files ---
R=$(base fifo)
rm "$R/proc/filesystems"
mkfifo "$R/proc/filesystems"
hostile fifo "$R" # nc gives up after 10 s: a hang fails "no timeout"
affected fifo overlay.support "error skip" proc/filesystems

R=$(base uid_map-dir)
rm "$R/proc/self/uid_map"
mkdir "$R/proc/self/uid_map"
hostile uid_map-dir "$R"
check "uid_map-dir: userns.idmap is error" status_in "$(out uid_map-dir)" userns.idmap error
check "uid_map-dir: the userns.idmap summary names proc/self/uid_map" \
	contains <(jget "$(out uid_map-dir)" checks.userns.idmap.summary) proc/self/uid_map

# --- an empty root: everything unknown, nothing broken ---
mkdir "$TMP/empty"
hostile empty "$TMP/empty"
check "empty: exit 0" rc_is "$HOSTILE_RC"
check "empty: verdict ready" [ "$(jget "$(out empty)" verdict)" = ready ]
bad=""
for id in $(json_ids "$(out empty)"); do
	status_in "$(out empty)" "$id" pass skip >/dev/null || bad="$bad $id"
done
check "empty: every check passes or skips, none errors" [ -z "$bad" ]

# --- a root the user cannot read: exit 2, one line ---
if command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$TMP" # the temp dir is 0700; nobody must reach the root itself
	R=$(base unreadable)
	chmod -R a+rX "$R"
	nc_nobody() {
		local name=$1; shift
		timeout -k 2 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$NESTCHECK" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
		RC=$?
	}
	nc_nobody nobody-control --root "$R" --json
	if [ "$RC" -le 1 ] && json_valid "$(out nobody-control)"; then
		ok "as nobody, the readable sysroot runs (control: exit $RC)"
		chmod 000 "$R"
		nc_nobody unreadable --root "$R"
		check "unreadable root (chmod 000, as nobody): exit 2" rc_is 2 || show unreadable
		check "unreadable root: one line on stderr: $(head -1 "$(err unreadable)")" one_line "$(err unreadable)"
		check "unreadable root: nothing on stdout" is_empty "$(out unreadable)"
		check "unreadable root: the reason says permission denied" contains "$(err unreadable)" "Permission denied"
		chmod 644 "$R"
		nc_nobody unsearchable --root "$R"
		check "a root without search permission (644, as nobody): exit 2, one line" \
			eval 'rc_is 2 && one_line "$(err unsearchable)" && is_empty "$(out unsearchable)"'
		chmod 755 "$R"
	else
		skip "unreadable root: nestcheck cannot run as uid 65534 here (control exit $RC)"
	fi
else
	skip "unreadable root: setpriv is not installed"
fi

finish
