# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2119,SC2120 # variables and functions for the scripts that source this
#
# Shared helpers for the cli tests. Sourced by tests/cli/*.sh, never run on its
# own: it is named .bash so that the *.sh glob in tests/CMakeLists.txt does not
# register it as a test.
#
# A test script calls:   source "$(dirname "$0")/lib.bash" "$@"
# with its own arguments: NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY.
# It then has: $NESTCHECK $SRCDIR $JSONQ, a private temp dir $TMP (removed on
# exit), assertion helpers and sysroot builders, and ends with `finish`.

if [ $# -lt 3 ]; then
	echo "usage: bash ${0##*/} NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY" >&2
	exit 2
fi
NESTCHECK=$1 SRCDIR=$2 JSONQ=$3
for _f in "$NESTCHECK" "$JSONQ"; do
	[ -x "$_f" ] || { echo "not executable: $_f" >&2; exit 2; }
done
unset _f

# Sanitizer reports must never pass for "a check failed" (both exit 1 by
# default): give them exit codes of their own. Stderr is checked too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1"
# The human report must be comparable whatever the caller's environment.
export LC_ALL=C
unset NO_COLOR

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nestcheck-cli.XXXXXX") || exit 2
_lib_cleanup() {
	# chmod first: a test may leave a 000 directory or a dir it made unreadable.
	chmod -R u+rwX "$TMP" 2>/dev/null
	rm -rf "$TMP"
}
trap 'peer_stop; _lib_cleanup' EXIT
trap 'exit 130' INT TERM
# Hermetic: live runs never reach a Docker engine of this machine. A test
# that wants one points DOCKER_HOST at a fake engine of its own.
export DOCKER_HOST="unix://$TMP/no-engine.sock"

N_OK=0 N_FAIL=0 N_SKIP=0
T_START=$SECONDS

ok() { N_OK=$((N_OK + 1)); echo "ok    $*"; }
not_ok() { N_FAIL=$((N_FAIL + 1)); echo "FAIL  $*"; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds. Returns like COMMAND,
# so that `check ... || show NAME` can print more about a failure.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; return 1; fi
}
skip() { N_SKIP=$((N_SKIP + 1)); echo "skip  $*"; }
finish() {
	echo "--- ${0##*/}: $N_OK ok, $N_FAIL failed, $N_SKIP skipped" \
		"($((SECONDS - T_START)) s)"
	[ "$N_FAIL" -eq 0 ]
	exit $?
}

# --- fake peers (tests/tools/fakepeer) ------------------------------------------

# peer_at SOCKET MODE [ROUTE...]: a fake peer (an engine, LXD) serving at
# SOCKET until peer_stop, the test's end, or the next peer_at; PEER_PID is its pid.
PEER_PID= PEER_SOCK=
peer_stop() {
	if [ -n "$PEER_PID" ]; then
		kill "$PEER_PID" 2>/dev/null
		wait "$PEER_PID" 2>/dev/null
	fi
	PEER_PID=
	[ -z "$PEER_SOCK" ] || rm -f "$PEER_SOCK"
}
peer_at() {
	local fakepeer
	fakepeer=$(dirname "$JSONQ")/fakepeer
	[ -x "$fakepeer" ] || { echo "not executable: $fakepeer (build the fakepeer target)" >&2; exit 2; }
	peer_stop
	PEER_SOCK=$1
	shift
	"$fakepeer" "$PEER_SOCK" "$@" &
	PEER_PID=$!
	for _ in $(seq 100); do [ -S "$PEER_SOCK" ] && return 0; sleep 0.02; done
	echo "fakepeer did not start" >&2
	return 1
}

# --- running nestcheck -------------------------------------------------------

# nc NAME ARGS...: run nestcheck, stdout in $TMP/NAME.out, stderr in
# $TMP/NAME.err, exit status in $RC. Never hangs: 10 s at most.
nc() {
	local name=$1; shift
	timeout -k 2 10 "$NESTCHECK" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
	RC=$?
	return 0
}
out() { echo "$TMP/$1.out"; }
err() { echo "$TMP/$1.err"; }

rc_is() { [ "$RC" -eq "$1" ]; }
# The run ended by itself (no timeout, no signal) with 0 or 1.
rc_0_or_1() { [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ]; }
is_empty() { [ ! -s "$1" ]; }
not_empty() { [ -s "$1" ]; }
# Exactly one line (newline-terminated) and nothing else.
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]; }
has_esc() { grep -q $'\033' "$1"; }
no_esc() { ! has_esc "$1"; }
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
valid_utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }
# No C0 control bytes other than newline and tab (terminal escapes included).
no_ctrl() { ! LC_ALL=C grep -q $'[\001-\010\013-\037\177]' "$1"; }

# Show what went wrong for a run when an assertion about it failed.
show() {
	local name=$1
	echo "  --- exit status $RC; stderr of $name:"
	sed 's/^/  | /' "$TMP/$name.err" | head -20
	echo "  --- stdout of $name (head):"
	sed 's/^/  | /' "$TMP/$name.out" | head -20
}

# --- reading the JSON report -------------------------------------------------

# jsonq is built with the sanitizers too, and it does not free its tree on
# every path: its leaks are not nestcheck's, so leak detection is off for it.
jq_() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$@"; }
json_valid() { jq_ "$1" 2>/dev/null; }
# jget FILE PATH: print the value (strings bare, others as JSON); fails when absent.
jget() { jq_ "$1" "$2" 2>/dev/null; }

ALL_IDS="container.detect container.nesting kernel.version kernel.config kernel.keyring modules.required cgroup.layout cgroup.namespace
cgroup.delegation namespace.unshare namespace.proc_mount namespace.sysfs_mount userns.enabled userns.idmap device.mknod process.oom_score_adj
apparmor.status apparmor.parser seccomp.status overlay.support overlay.mount storage.backing_fs storage.block storage.zfs storage.xattr
network.loopback network.ip_forward network.iptables network.bridge_nf runtime.lxc runtime.lxcfs runtime.lxd runtime.incus runtime.docker
runtime.engine launch.container launch.nested launch.network"

N_CHECKS=$(echo "$ALL_IDS" | wc -w)

# The check ids in the report, one a line, in order. Every check object opens
# with its "id" key (json-c keeps insertion order), and an unescaped quote
# cannot occur inside a JSON string, so the pattern only matches structure.
json_ids() {
	jget "$1" checks | grep -o '{ "id": "[^"]*"' | sed 's/^{ "id": "//; s/"$//'
}

# summary.* equals the per-check statuses, and the verdict follows the counts.
summary_consistent() {
	local f=$1 id st s want got pass=0 warn=0 fail=0 skip=0 error=0 verdict
	for id in $(json_ids "$f"); do
		st=$(jget "$f" "checks.$id.status") || { echo "  $id: no status"; return 1; }
		case $st in
		pass) pass=$((pass + 1)) ;; warn) warn=$((warn + 1)) ;; fail) fail=$((fail + 1)) ;;
		skip) skip=$((skip + 1)) ;; error) error=$((error + 1)) ;;
		*) echo "  $id: status '$st' is not in the contract"; return 1 ;;
		esac
	done
	for s in pass warn fail skip error; do
		want=${!s}
		got=$(jget "$f" "summary.$s") || { echo "  summary.$s missing"; return 1; }
		if [ "$got" != "$want" ]; then
			echo "  summary.$s is $got, the checks say $want"
			return 1
		fi
	done
	if [ $((fail + error)) -gt 0 ]; then verdict=not_ready
	elif [ "$warn" -gt 0 ]; then verdict=degraded
	else verdict=ready; fi
	got=$(jget "$f" verdict)
	[ "$got" = "$verdict" ] || { echo "  verdict is $got, the counts say $verdict"; return 1; }
}

# remediation_split FILE ID: write the remediation steps of check ID to
# $TMP/remediation.json as {"r": [{"id": "r0", ...}, {"id": "r1", ...}]} and
# print how many there are. jsonq cannot index arrays of objects without ids,
# hence the ids; each step object opens with its "text" key (json-c keeps the
# insertion order) and an unescaped quote cannot occur inside a JSON string,
# so the pattern only matches structure.
remediation_split() {
	local rem
	rem=$(jget "$1" "checks.$2.remediation") || return 1
	printf '{ "r": %s }\n' "$rem" | awk '{
		out = ""; s = $0; n = 0; pat = "{ \"text\": "
		while ((i = index(s, pat)) > 0) {
			out = out substr(s, 1, i - 1) "{ \"id\": \"r" n "\", \"text\": "
			s = substr(s, i + length(pat)); n++
		}
		print out s
	}' >"$TMP/remediation.json"
	json_valid "$TMP/remediation.json" || return 1
	grep -o '{ "id": "r[0-9]*"' "$TMP/remediation.json" | wc -l
}

# remediation_ok FILE ID: at least one remediation step; every step has a
# non-empty text and where in {host, container}.
remediation_ok() {
	local f=$1 id=$2 n k text where
	n=$(remediation_split "$f" "$id") || { echo "  $id: remediation array missing or unreadable"; return 1; }
	[ "$n" -ge 1 ] || { echo "  $id: no remediation step"; return 1; }
	for ((k = 0; k < n; k++)); do
		text=$(jget "$TMP/remediation.json" "r.r$k.text") || { echo "  $id: step $k has no text"; return 1; }
		where=$(jget "$TMP/remediation.json" "r.r$k.where") || { echo "  $id: step $k has no where"; return 1; }
		[ -n "$text" ] || { echo "  $id: step $k has an empty text"; return 1; }
		case $where in host | container) ;; *) echo "  $id: step $k where='$where'"; return 1 ;; esac
	done
}

# Every warn and fail in the report carries good remediation.
all_remediation_ok() {
	local f=$1 id st rc=0
	for id in $(json_ids "$f"); do
		st=$(jget "$f" "checks.$id.status")
		case $st in warn | fail) remediation_ok "$f" "$id" || rc=1 ;; esac
	done
	return $rc
}

status_is() { [ "$(jget "$1" "checks.$2.status")" = "$3" ]; }
# status_in FILE ID STATUS...
status_in() {
	local f=$1 id=$2 st s; shift 2
	st=$(jget "$f" "checks.$id.status") || return 1
	for s in "$@"; do [ "$st" = "$s" ] && return 0; done
	echo "  $id is $st, expected one of: $*"
	return 1
}
summary_nonempty() { [ -n "$(jget "$1" "checks.$2.summary")" ]; }

# --- synthetic sysroots ------------------------------------------------------

REQUIRED_OPTIONS="NAMESPACES NET_NS PID_NS IPC_NS UTS_NS CGROUPS CGROUP_CPUACCT CGROUP_DEVICE CGROUP_FREEZER
CGROUP_SCHED CPUSETS MEMCG KEYS VETH BRIDGE BRIDGE_NETFILTER IP_NF_FILTER IP_NF_TARGET_MASQUERADE
NETFILTER_XT_MATCH_ADDRTYPE NETFILTER_XT_MATCH_CONNTRACK NF_NAT POSIX_MQUEUE OVERLAY_FS USER_NS SECCOMP"

# kconfig_text [OPTION...]: a kernel .config with every required option set
# (built in, a few as modules), except the OPTIONs named, which are "not set".
kconfig_text() {
	local o v
	echo "#"
	echo "# Automatically generated file; DO NOT EDIT."
	echo "# Linux/x86 6.1.0 Kernel Configuration"
	echo "#"
	echo 'CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) 12.2.0"'
	echo "CONFIG_64BIT=y"
	for o in $REQUIRED_OPTIONS; do
		if [[ " $* " == *" $o "* ]]; then
			echo "# CONFIG_$o is not set"
			continue
		fi
		case $o in VETH | BRIDGE | OVERLAY_FS | NF_NAT) v=m ;; *) v=y ;; esac
		echo "CONFIG_$o=$v"
	done
	# What modules.required looks for beyond the contract's list (built in here).
	for o in IP_NF_IPTABLES IP_NF_NAT IP_NF_RAW IP6_NF_IPTABLES IP6_NF_NAT NETFILTER_XT_TARGET_MASQUERADE; do
		[[ " $* " == *" $o "* ]] || echo "CONFIG_$o=y"
	done
	echo "CONFIG_HZ=250"
}

# put ROOT PATH TEXT: write TEXT (printf %s, add your own newlines) at ROOT/PATH.
put() {
	mkdir -p "$(dirname "$1/$2")"
	printf '%s' "$3" >"$1/$2"
}

MOUNTINFO_BASE='22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=4014744k,nr_inodes=1003686,mode=755
26 22 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=804772k,mode=755
'
MOUNTINFO_V2='27 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
'
# A hybrid layout whose v1 hierarchies lack the memory controller.
MOUNTINFO_HYBRID_NO_MEMORY='27 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
28 27 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
29 27 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 27 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
31 27 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
32 27 0:31 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices
33 27 0:32 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,freezer
'

# sysroot_host ROOT: a plain Debian 12 host (no container) on which every
# check passes or skips: kernel 6.1, full config, cgroup v2 with memory and
# pids, cgroup namespaces, user namespaces without a map, overlay, ext4.
sysroot_host() {
	local r=$1
	mkdir -p "$r"
	put "$r" proc/sys/kernel/osrelease $'6.1.0-18-amd64\n'
	put "$r" proc/version $'Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n'
	put "$r" proc/cmdline $'BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f6e3ac6 ro quiet\n'
	mkdir -p "$r/proc"
	kconfig_text | gzip -9n >"$r/proc/config.gz"
	put "$r" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2"
	put "$r" sys/fs/cgroup/cgroup.controllers $'cpuset cpu io memory hugetlb pids rdma misc\n'
	put "$r" sys/fs/cgroup/cgroup.subtree_control $'cpuset cpu io memory pids\n'
	put "$r" proc/self/cgroup $'0::/user.slice/user-0.slice/session-1.scope\n'
	put "$r" proc/1/cgroup $'0::/init.scope\n'
	put "$r" proc/1/comm $'systemd\n'
	put "$r" proc/self/ns/cgroup 'cgroup:[4026531835]'
	put "$r" proc/self/ns/user 'user:[4026531837]'
	put "$r" proc/self/uid_map $'         0          0 4294967295\n'
	put "$r" proc/self/gid_map $'         0          0 4294967295\n'
	put "$r" proc/sys/user/max_user_namespaces $'63432\n'
	put "$r" proc/sys/kernel/unprivileged_userns_clone $'1\n'
	# The options built as modules (=m above) are loaded, as on a host that runs Docker.
	put "$r" proc/modules $'veth 40960 0 - Live 0x0000000000000000\nbridge 311296 0 - Live 0x0000000000000000\noverlay 151552 0 - Live 0x0000000000000000\nnf_nat 49152 0 - Live 0x0000000000000000\n'
	put "$r" proc/filesystems $'nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tcgroup\nnodev\tcgroup2\n\text4\nnodev\toverlay\n'
	put "$r" sys/module/apparmor/parameters/enabled $'N\n'
	put "$r" etc/os-release $'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
}

# ---- replay scenarios: a sysroot, recorded observations, the report's claims ----
obs() { # obs ROOT KEY=VALUE...: recorded observations (\n written as \\n by the caller)
	local r=$1
	shift
	mkdir -p "$r/.nestcheck"
	printf '%s\n' "$@" >>"$r/.nestcheck/observations"
}
run() { # run NAME ROOT: replay the checks named in $IDS, JSON in $(out NAME)
	nc "$1" --root "$2" --json --only "$IDS"
	check "$1: exit 0 or 1, nothing on stderr" eval '{ rc_is 0 || rc_is 1; } && is_empty "$(err "$1")"' || show "$1"
	check "$1: every warn and fail has remediation" all_remediation_ok "$(out "$1")"
	check "$1: summary consistent" summary_consistent "$(out "$1")"
}
expect() { # expect NAME ID STATUS [TEXT]: status, and TEXT in the summary
	local f summary
	f=$(out "$1")
	check "$1: $2 is $3" status_in "$f" "$2" "$3" || jget "$f" "checks.$2" | head -40
	if [ $# -ge 4 ]; then
		summary=$(jget "$f" "checks.$2.summary")
		check "$1: $2 says '$4'" contains <(printf '%s\n' "$summary") "$4" || echo "  summary: $summary"
	fi
}
evidence_is() { # evidence_is NAME ID KEY VALUE
	local got
	got=$(jget "$(out "$1")" "checks.$2.evidence.$3")
	check "$1: $2 evidence $3 = $4" [ "$got" = "$4" ] || echo "  got: $got"
}
remedy_text() { # remedy_text NAME ID: the check's remediation as JSON, "\/" undone
	jget "$(out "$1")" "checks.$2.remediation" | sed 's#\\/#/#g'
}
remedy_has() { # remedy_has NAME ID TEXT: some remediation of ID contains TEXT
	check "$1: $2 remediation mentions '$3'" contains <(remedy_text "$1" "$2") "$3" || remedy_text "$1" "$2" | head -20
}
remedy_lacks() { # remedy_lacks NAME ID TEXT
	check "$1: $2 remediation does not mention '$3'" lacks <(remedy_text "$1" "$2") "$3"
}
