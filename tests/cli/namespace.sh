#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The live probes of what runc does (namespace.unshare, namespace.proc_mount,
# namespace.sysfs_mount, device.mknod, kernel.keyring, process.oom_score_adj,
# cgroup.delegation, seccomp.status) replayed from synthetic sysroots that carry
# recorded observations, among them the values seen live in LXD containers on
# the build machine: a refused proc from a new user namespace without nesting
# (L1 with userns-remap), refused mknod (L4), a used-up key quota (K5), a
# refused OOM score (U5), a network namespace not owned (U4), processes in the
# root of a cgroup v2 tree (C4) and undelegated controllers (C5).
# Usage: bash namespace.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # eval '...' expands when eval runs
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

IDS=namespace,device,kernel.keyring,process,cgroup.delegation,seccomp

status_file() { # status_file ROOT EUID SECCOMP [FILTERS]
	local filters=""
	[ $# -ge 4 ] && filters="Seccomp_filters:	$4
"
	put "$1" proc/self/status "Name:	nestcheck
Uid:	$2	$2	$2	$2
Gid:	0	0	0	0
NoNewPrivs:	0
${3:+Seccomp:	$3
}$filters"
}
all_ok() { # all_ok ROOT: every probe as on a healthy root host (cgroup v2)
	obs "$1" namespace.unshare.{user,mnt,pid,net,ipc,uts,cgroup}=ok \
		namespace.proc_mount=ok namespace.proc_mount.userns=ok \
		namespace.sysfs_mount=ok namespace.sysfs_mount.hostnet=ok \
		'device.mknod=null=ok whiteout=ok dir=/var/lib' \
		'file:proc/key-users=    0:     9 8/8 3/1000000 40/25000000' \
		file:proc/sys/kernel/keys/maxkeys=200 file:proc/sys/kernel/keys/maxbytes=20000 \
		file:proc/sys/kernel/keys/root_maxkeys=1000000 file:proc/sys/kernel/keys/root_maxbytes=25000000 \
		kernel.keyring.join=ok 'process.oom_score_adj=current=0 tried=-1 result=ok' \
		'cgroup.delegation.v2=mkdir=ok type=domain avail=cpu,io,memory,pids enable=ok root_type=root rmdir=ok' \
		seccomp.user_notif=available
}
lxd() { # lxd ROOT: an unprivileged LXD container named web (recorded), no nesting
	put "$1" run/systemd/container $'lxc\n'
	put "$1" proc/self/uid_map $'         0     100000      65536\n'
	put "$1" proc/self/gid_map $'         0     100000      65536\n'
	obs "$1" container.name=web
}
remedy_mentions() { # remedy_mentions NAME ID TEXT: a predicate, for check
	remedy_text "$1" "$2" | grep -qF -- "$3"
}
remedy_lacks() { ! remedy_mentions "$@"; }

# --- healthy root host: everything passes ---
R=$TMP/ok
sysroot_host "$R"
status_file "$R" 0 0 0
all_ok "$R"
run ok "$R"
for id in namespace.unshare namespace.proc_mount namespace.sysfs_mount device.mknod kernel.keyring \
	process.oom_score_adj cgroup.delegation seccomp.status; do
	expect ok "$id" pass
done
expect ok kernel.keyring pass "room for 357142 more"
check "ok: exit 0" rc_is 0

# --- replay without observations: the probes skip, never guess ---
R=$TMP/bare
sysroot_host "$R"
status_file "$R" 0 2 1
run bare "$R"
for id in namespace.unshare namespace.proc_mount namespace.sysfs_mount device.mknod kernel.keyring \
	process.oom_score_adj cgroup.delegation; do
	expect bare "$id" skip "not probed"
done
expect bare seccomp.status pass "seccomp filter with 1 filter"

# --- the LXD container without nesting, as measured (L1 with userns-remap, L4, U5) ---
R=$TMP/lxd
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" namespace.proc_mount.userns=mount:EPERM 'device.mknod=null=EPERM whiteout=ok dir=/var/lib/docker' \
	'process.oom_score_adj=current=0 tried=-1 result=EACCES'
put "$R" proc/self/mountinfo "${MOUNTINFO_BASE}50 23 0:50 /proc/cpuinfo /proc/cpuinfo rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs rw
$MOUNTINFO_V2"
run lxd "$R"
expect lxd namespace.proc_mount warn "userns-remap"
expect lxd namespace.proc_mount warn "LXCFS"
check "lxd: proc_mount says to turn nesting on for web" remedy_mentions lxd namespace.proc_mount \
	"lxc config set web security.nesting true"
expect lxd device.mknod warn "device nodes cannot be created (EPERM)"
check "lxd: mknod remedy is LXD's interception for web" remedy_mentions lxd device.mknod \
	"lxc config set web security.syscalls.intercept.mknod true"
expect lxd process.oom_score_adj warn "EACCES"
check "lxd: oom remedy runs in the container" \
	eval '[ "$(jget "$(out lxd)" "checks.process.oom_score_adj.remediation")" != "" ]'
expect lxd namespace.unshare pass
check "lxd: exit 0 (warnings only)" rc_is 0

# --- with nesting: proc mounts from a new user namespace too ---
R=$TMP/nest
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
put "$R" proc/self/mountinfo "${MOUNTINFO_BASE}51 25 0:21 / /dev/.lxc/proc rw,relatime - proc proc rw
$MOUNTINFO_V2"
run nest "$R"
expect nest namespace.proc_mount pass "also from a new user namespace"

# --- new proc refused in the same user namespace: docker run fails ---
R=$TMP/noproc
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" namespace.proc_mount=mount:EACCES namespace.proc_mount.userns=mount:EACCES
run noproc "$R"
expect noproc namespace.proc_mount fail 'error mounting "proc" to rootfs at "/proc"'
expect noproc namespace.proc_mount fail "permission denied"
check "noproc: exit 1" rc_is 1

# --- K5: the key quota used up, and nearly used up ---
R=$TMP/keys
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" kernel.keyring.join=EDQUOT 'file:proc/key-users=    0:   200 200/200 200/200 14000/20000'
run keys "$R"
expect keys kernel.keyring fail "disk quota exceeded"
check "keys: the fix raises kernel.keys.maxkeys on the host" remedy_mentions keys kernel.keyring \
	"sysctl -w kernel.keys.maxkeys=2000 kernel.keys.maxbytes=2000000"
check "keys: the fix runs on the host" \
	eval 'jget "$(out keys)" "checks.kernel.keyring.remediation" | grep -q "\"where\": \"host\""'

R=$TMP/keyslow
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'file:proc/key-users=    0:   150 150/150 150/200 3000/20000'
run keyslow "$R"
expect keyslow kernel.keyring warn "room for only 50 more"

# Replayed without the keyctl probe, the recorded quota still decides.
R=$TMP/keysreplay
sysroot_host "$R"
status_file "$R" 1000 0
obs "$R" 'file:proc/key-users= 1000:   200 200/200 200/200 2000/20000'
run keysreplay "$R"
expect keysreplay kernel.keyring fail "used up"

# L3: keyctl hidden from the container: in a Proxmox VE container (its marks in /etc/hosts), pct's feature.
R=$TMP/nokeyctl
sysroot_host "$R"
put "$R" run/systemd/container $'lxc\n'
put "$R" etc/hosts $'127.0.0.1 localhost\n# --- BEGIN PVE ---\n127.0.1.1 CT104\n# --- END PVE ---\n'
obs "$R" container.name=CT104
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" kernel.keyring.join=ENOSYS
run nokeyctl "$R"
expect nokeyctl kernel.keyring warn "ENOSYS"
check "nokeyctl: Proxmox's keyctl=1 is named, with the id from the host name" \
	remedy_mentions nokeyctl kernel.keyring "pct set 104 --features nesting=1,keyctl=1,mknod=1"
# Without any platform's mark: no pct command, the seccomp policy named.
R=$TMP/nokeyctl2
sysroot_host "$R"
put "$R" run/systemd/container $'lxc\n'
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" kernel.keyring.join=ENOSYS
run nokeyctl2 "$R"
expect nokeyctl2 kernel.keyring warn "ENOSYS"
check "nokeyctl2: no pct command where Proxmox VE is not seen" remedy_lacks nokeyctl2 kernel.keyring "pct "
check "nokeyctl2: the seccomp policy is named" remedy_mentions nokeyctl2 kernel.keyring "seccomp"

# --- unshare: refused namespaces fail; a user namespace limit only warns ---
R=$TMP/unshare
sysroot_host "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" namespace.unshare.net=EPERM namespace.unshare.pid=timeout
run unshare "$R"
expect unshare namespace.unshare fail "net (EPERM)"
expect unshare namespace.unshare fail "pid (no answer within 2 s)"
check "unshare: one fix for the refused ones" \
	eval '[ "$(jget "$(out unshare)" "checks.namespace.unshare.remediation" | grep -c "\"text\"")" = 1 ]'

R=$TMP/userns
sysroot_host "$R"
status_file "$R" 0 0 0
all_ok "$R"
obs "$R" namespace.unshare.user=ENOSPC
run userns "$R"
expect userns namespace.unshare warn "rootless Docker and userns-remap"
check "userns: the fix raises user.max_user_namespaces" remedy_mentions userns namespace.unshare \
	"sysctl -w user.max_user_namespaces=15000"

# Not root: the probes ran inside a new user namespace, for rootless Docker.
R=$TMP/nonroot
sysroot_host "$R"
status_file "$R" 1000 0 0
all_ok "$R"
obs "$R" namespace.unshare.net=EPERM
run nonroot "$R"
expect nonroot namespace.unshare warn "as a non-root user"
expect nonroot device.mknod skip "not root"
expect nonroot process.oom_score_adj skip "not root"

# --- U4: this user namespace does not own its network namespace ---
R=$TMP/u4
sysroot_host "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" namespace.sysfs_mount.hostnet=mount:EPERM
run u4 "$R"
expect u4 namespace.sysfs_mount warn "--network host"
R=$TMP/nosysfs
sysroot_host "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" namespace.sysfs_mount=mount:EPERM
run nosysfs "$R"
expect nosysfs namespace.sysfs_mount fail 'error mounting "sysfs"'

# --- whiteouts: fatal outside a user namespace, a warning inside one ---
R=$TMP/wh
sysroot_host "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'device.mknod=null=ok whiteout=EPERM dir=/var/lib'
run wh "$R"
expect wh device.mknod fail "whiteouts"
R=$TMP/whns
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'device.mknod=null=noerrno whiteout=noerrno dir=/var/lib/docker'
run whns "$R"
expect whns device.mknod warn "an interceptor answered"
check "whns: the fix turns LXD's mknod interception off (kernel 6.1 makes whiteouts itself)" \
	remedy_has whns device.mknod "lxc config unset web security.syscalls.intercept.mknod"
# On overlay, whiteouts cannot be judged (overlayfs refuses them by design).
R=$TMP/whovl
sysroot_host "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'device.mknod=null=ok whiteout=EPERM dir=/'
put "$R" proc/self/mountinfo "${MOUNTINFO_BASE/ext4 \/dev\/sda1/overlay overlay}$MOUNTINFO_V2"
run whovl "$R"
expect whovl device.mknod pass "not tried"

# --- cgroup v2: C4 (processes in the root, EBUSY) and C5 (controllers not delegated) ---
R=$TMP/c4
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'cgroup.delegation.v2=mkdir=ok type=domain avail=- root_type=domain root_procs=2 root_avail=cpu,cpuset,io,memory,pids root_subtree=- root_enable=EBUSY rmdir=ok'
run c4 "$R"
expect c4 cgroup.delegation warn "resource limits"
check "c4: the fix moves the processes to a leaf" remedy_mentions c4 cgroup.delegation \
	"xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs"

# A child that comes out threaded: runc's "invalid state".
R=$TMP/c4t
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'cgroup.delegation.v2=mkdir=ok type=threaded avail=- root_type=domain root_procs=2 root_avail=cpu,cpuset,io,memory,pids root_subtree=- root_enable=ok rmdir=ok'
run c4t "$R"
expect c4t cgroup.delegation fail "invalid state"

R=$TMP/c5
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'cgroup.delegation.v2=mkdir=ok type=domain avail=- root_type=domain root_procs=1 root_avail=- root_subtree=- rmdir=ok'
run c5 "$R"
expect c5 cgroup.delegation warn "cpu, cpuset, io, memory, pids controllers are not delegated"

R=$TMP/cgro
sysroot_host "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" 'cgroup.delegation.v2=mkdir=EROFS root_type=root'
run cgro "$R"
expect cgro cgroup.delegation fail "EROFS"
check "cgro: the fix remounts the tree read-write" remedy_mentions cgro cgroup.delegation \
	"mount -o remount,rw /sys/fs/cgroup"

# --- seccomp: no interception possible where mknod is refused ---
R=$TMP/notif
sysroot_host "$R"
lxd "$R"
status_file "$R" 0 2 1
all_ok "$R"
obs "$R" seccomp.user_notif=EOPNOTSUPP 'device.mknod=null=EPERM whiteout=ok dir=/var/lib/docker'
run notif "$R"
expect notif seccomp.status warn "cannot intercept mknod"
R=$TMP/noseccomp
sysroot_host "$R"
status_file "$R" 0 ""
all_ok "$R"
run noseccomp "$R"
expect noseccomp seccomp.status warn "no seccomp"
R=$TMP/badseccomp
sysroot_host "$R"
status_file "$R" 0 7
all_ok "$R"
run badseccomp "$R"
expect badseccomp seccomp.status error

finish
