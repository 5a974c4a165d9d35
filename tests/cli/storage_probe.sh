#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# storage.block, storage.zfs, overlay.mount and storage.xattr replayed from
# synthetic sysroots with recorded observations (the values seen live on the
# build machine and in LXD containers there), plus junk observations: every
# rule of the four checks, remediation on every warn and fail, no crash.
# Usage: bash storage_probe.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016 # check ... eval '...' expands when eval runs
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

IDS=storage.block,storage.zfs,overlay.mount,storage.xattr
N=0

# obs ROOT LINE...: recorded observations, one KEY=VALUE line each (escaped as the file holds them).

# run_case NAME ROOT: replay ROOT, check the report is sane; the JSON is $(out NAME).
run_case() {
	CASE=$1
	nc "$CASE" --root "$2" --only "$IDS" --json
	check "$CASE: exits 0 or 1, nothing on stderr" eval '[ "$RC" -le 1 ] && is_empty "$(err "$CASE")"' || show "$CASE"
	check "$CASE: valid JSON, the four checks" \
		eval 'json_valid "$(out "$CASE")" && [ "$(json_ids "$(out "$CASE")" | wc -l)" = 4 ]'
	check "$CASE: every warn/fail has remediation" all_remediation_ok "$(out "$CASE")"
}

# expect NAME ID STATUS [EVIDENCE_KEY VALUE]...
expect_evidence() { # expect_evidence NAME ID STATUS [KEY VALUE]...
	local name=$1 id=$2 st=$3 f
	f=$(out "$name")
	shift 3
	check "$name: $id is $st" status_is "$f" "$id" "$st" || echo "  summary: $(jget "$f" "checks.$id.summary")"
	while [ $# -ge 2 ]; do
		check "$name: $id evidence $1 = $2" [ "$(jget "$f" "checks.$id.evidence.$1")" = "$2" ]
		shift 2
	done
}

# new_root [MOUNTINFO [UID_MAP]]: a host sysroot, its path in $R.
new_root() {
	N=$((N + 1))
	R=$TMP/root$N
	sysroot_host "$R"
	[ -n "${1:-}" ] && put "$R" proc/self/mountinfo "$1"
	if [ -n "${2:-}" ]; then
		put "$R" proc/self/uid_map "$2"
		put "$R" proc/self/gid_map "$2"
	fi
	return 0
}

K=/var/lib/docker
USERNS_MAP=$'         0     100000   10000001\n'

# --- nothing recorded: the live-only probes skip, never guess ---
new_root
run_case none "$R"
for id in storage.block storage.zfs overlay.mount storage.xattr; do expect none $id skip; done
check "none: storage.block says it was not recorded" contains "$(out none)" "not recorded in this capture"
check "none: storage.zfs: not on zfs" contains "$(out none)" "/var/lib/docker is on ext4, not zfs"

# --- the values of the build machine and of LXD containers on it ---
new_root
obs "$R" "storage.block:$K=dev=/dev/sda1 rdev=8:1 type=ext4 uuid=0f6e3ac6-1 label=my\\\\x20disk" \
	"overlay.mount:$K=dir=/var/lib plain=ok" "storage.xattr:$K=dir=/var/lib trusted=ok user=ok"
run_case host "$R"
expect_evidence host storage.block pass device /dev/sda1 type ext4 uuid 0f6e3ac6-1 label "my disk"
expect_evidence host overlay.mount pass dir /var/lib plain ok in_userns false
expect_evidence host storage.xattr pass trusted ok user ok

new_root "" "$USERNS_MAP"
obs "$R" "storage.block:$K=dev=/dev/sda1 error=ENOENT" "overlay.mount:$K=dir=/var/lib plain=ok userxattr=ok" \
	"storage.xattr:$K=dir=/var/lib trusted=EPERM user=ok"
run_case lxd-unpriv "$R"
expect_evidence lxd-unpriv storage.block skip
expect_evidence lxd-unpriv overlay.mount pass userxattr ok in_userns true
expect_evidence lxd-unpriv storage.xattr pass trusted EPERM user ok
check "lxd-unpriv: the block skip names the device" contains "$(out lxd-unpriv)" "the device node /dev/sda1 is not visible here"

# --- storage.block rules ---
new_root
obs "$R" "storage.block:$K=dev=/dev/sda1 rdev=8:1 type=xfs"
run_case block-mismatch "$R"
expect_evidence block-mismatch storage.block warn type xfs
check "block-mismatch: remediation compares both" contains "$(out block-mismatch)" "blkid -p /dev/sda1"

new_root
obs "$R" "storage.block:$K=dev=/dev/sda1 rdev=8:1 result=none"
run_case block-none "$R"
expect_evidence block-none storage.block warn

new_root
obs "$R" "storage.block:$K=dev=/dev/sda1 rdev=8:1 result=ambivalent"
run_case block-ambivalent "$R"
expect_evidence block-ambivalent storage.block warn
check "block-ambivalent: wipefs --no-act" contains "$(out block-ambivalent)" "wipefs --no-act /dev/sda1"

new_root
obs "$R" "storage.block:$K=dev=/dev/sda1 rdev=8:1 type=ext3"
run_case block-ext3 "$R"
expect_evidence block-ext3 storage.block pass

for e in EACCES EPERM ENOTBLK EIO; do
	new_root
	obs "$R" "storage.block:$K=dev=/dev/sda1 error=$e"
	run_case "block-$e" "$R"
	expect_evidence "block-$e" storage.block skip
done
check "block-EACCES: asks for root" contains "$(out block-EACCES)" "run nestcheck as root"

new_root "$MOUNTINFO_BASE"'40 22 0:50 / /var/lib/docker rw - tmpfs tmpfs rw
'
obs "$R" "storage.block:$K=dev=/dev/sda1 type=ext4"
run_case block-tmpfs "$R"
expect_evidence block-tmpfs storage.block skip source tmpfs
check "block-tmpfs: not a block device" contains "$(out block-tmpfs)" "not on a block device"

# --- storage.zfs rules: the dataset's pool names the zvol ---
ZFS_MI='22 1 0:30 / / rw,relatime shared:1 - zfs rpool/ROOT/debian rw,xattr,posixacl
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
'
new_root "$ZFS_MI"
obs "$R" 'file:sys/module/zfs/version=2.1.11-1\n'
run_case zfs-old "$R"
expect_evidence zfs-old storage.zfs fail zfs_version 2.1.11-1
check "zfs-old: a zvol in the dataset's pool" contains "$(out zfs-old)" "zfs create -V 50G rpool/docker"
expect_evidence zfs-old storage.block skip source rpool/ROOT/debian

new_root "$ZFS_MI"
obs "$R" 'file:sys/module/zfs/version=2.2.3-1\n' "overlay.mount:$K=dir=/var/lib plain=EINVAL"
run_case zfs-new "$R"
expect_evidence zfs-new storage.zfs pass zfs_version 2.2.3-1
# overlay.mount still decides by the real mount, and then gives the zfs advice.
expect_evidence zfs-new overlay.mount fail plain EINVAL
check "zfs-new: overlay.mount gives the OpenZFS fix" contains "$(out zfs-new)" "OpenZFS on the host to 2.2"

for v in '!ENOENT' 'junk\n' ''; do
	new_root "$ZFS_MI"
	obs "$R" "file:sys/module/zfs/version=$v"
	run_case "zfs-unknown-$N" "$R"
	expect_evidence "zfs-unknown-$N" storage.zfs skip
done

# --- overlay.mount rules ---
new_root
obs "$R" "overlay.mount:$K=dir=/var/lib plain=EINVAL userns=EINVAL"
run_case ovl-einval "$R"
expect_evidence ovl-einval overlay.mount fail plain EINVAL userns EINVAL
check "ovl-einval: a filesystem for the data root" contains "$(out ovl-einval)" "mkfs.ext4 DEVICE"
check "ovl-einval: fuse-overlayfs as the fallback" contains "$(out ovl-einval)" "fuse-overlayfs"

new_root
obs "$R" "overlay.mount:$K=dir=/var/lib plain=ENODEV userns=ENODEV"
run_case ovl-enodev "$R"
expect_evidence ovl-enodev overlay.mount fail
check "ovl-enodev: modprobe overlay" contains "$(out ovl-enodev)" "modprobe overlay"

new_root "" "$USERNS_MAP"
obs "$R" "overlay.mount:$K=dir=/var/lib plain=EPERM userxattr=EPERM userns=EPERM"
run_case ovl-userns-eperm "$R"
expect_evidence ovl-userns-eperm overlay.mount fail
check "ovl-userns-eperm: kernel 5.11" contains "$(out ovl-userns-eperm)" "kernel 5.11 or newer"

new_root "" "$USERNS_MAP"
obs "$R" "overlay.mount:$K=dir=/var/lib plain=ok userxattr=EINVAL"
run_case ovl-layers "$R"
expect_evidence ovl-layers overlay.mount fail userxattr EINVAL

new_root "" "$USERNS_MAP"
obs "$R" "overlay.mount:$K=dir=/var/lib plain=ok"
run_case ovl-incomplete "$R"
expect_evidence ovl-incomplete overlay.mount skip

new_root
obs "$R" "overlay.mount:$K=skipped=not-root" "storage.xattr:$K=skipped=not-root"
run_case not-root "$R"
expect_evidence not-root overlay.mount skip
expect_evidence not-root storage.xattr skip

new_root
obs "$R" "overlay.mount:$K=dir=/var/lib error=EROFS" "storage.xattr:$K=dir=/var/lib error=EROFS"
run_case erofs "$R"
expect_evidence erofs overlay.mount skip
expect_evidence erofs storage.xattr skip

new_root
obs "$R" "overlay.mount:$K=dir=/var/lib plain=timeout"
run_case ovl-timeout "$R"
expect_evidence ovl-timeout overlay.mount fail plain timeout

new_root '22 1 0:44 /@ / rw,relatime shared:1 - btrfs /dev/sda2 rw,space_cache=v2,subvolid=256,subvol=/@
'
obs "$R" "overlay.mount:$K=dir=/var/lib plain=ok" "storage.block:$K=dev=/dev/sda2 rdev=8:2 type=btrfs"
run_case ovl-btrfs "$R"
expect_evidence ovl-btrfs overlay.mount pass
expect_evidence ovl-btrfs storage.block pass
check "ovl-btrfs: Docker 20.10 picks btrfs there (seen live in LXD)" contains "$(out ovl-btrfs)" \
	"Docker before 23.0 picks its btrfs driver here"

# --- storage.xattr rules ---
new_root
obs "$R" "storage.xattr:$K=dir=/var/lib trusted=ENOTSUP user=ENOTSUP"
run_case xattr-none "$R"
expect_evidence xattr-none storage.xattr fail

new_root
obs "$R" "storage.xattr:$K=dir=/var/lib trusted=ok user=EOPNOTSUPP"
run_case xattr-nouser "$R"
expect_evidence xattr-nouser storage.xattr warn user EOPNOTSUPP

new_root "" "$USERNS_MAP"
obs "$R" "storage.xattr:$K=dir=/var/lib trusted=EPERM user=ENOTSUP"
run_case xattr-userns-nouser "$R"
expect_evidence xattr-userns-nouser storage.xattr fail

new_root "" "$USERNS_MAP"
obs "$R" "storage.xattr:$K=dir=/var/lib trusted=ok user=ok"
run_case xattr-intercept "$R"
expect_evidence xattr-intercept storage.xattr pass

# --- daemon.json moves the data root: the keys follow it ---
new_root
put "$R" etc/docker/daemon.json '{"data-root": "/srv/docker/"}'
obs "$R" "overlay.mount:/srv/docker=dir=/srv plain=ok" "overlay.mount:$K=dir=/var/lib plain=EINVAL"
run_case data-root "$R"
expect_evidence data-root overlay.mount pass data_root /srv/docker dir /srv

new_root
put "$R" etc/docker/daemon.json '{"data-root": 42}'
nc bad-json --root "$R" --only "$IDS" --json
check "bad-json: the four checks report error" eval '[ "$(grep -c "\"status\": \"error\"" "$(out bad-json)")" = 4 ] && [ "$RC" = 1 ]'

# --- junk observations: no crash, no pass ---
new_root
obs "$R" "storage.block:$K=\\\\x" "overlay.mount:$K=dir=\\\\xzz plain" "storage.xattr:$K=trusted=ok"
run_case junk "$R"
expect_evidence junk storage.block skip
expect_evidence junk overlay.mount skip
expect_evidence junk storage.xattr skip

new_root
obs "$R" "storage.block:$K=" "overlay.mount:$K=" "storage.xattr:$K="
run_case empty-values "$R"
for id in overlay.mount storage.xattr; do
	check "empty-values: $id does not pass" eval '! status_is "$(out empty-values)" '"$id"' pass'
done

# --- overlay.support: a module not loaded warns; one the kernel command line blacklists fails ---
FS_NO_OVERLAY=$'nodev\tsysfs\nnodev\tproc\nnodev\tcgroup2\n\text4\n'
new_root
put "$R" proc/filesystems "$FS_NO_OVERLAY"
put "$R" proc/cmdline 'BOOT_IMAGE=/vmlinuz root=/dev/vda quiet'
nc ovl-module --root "$R" --only overlay.support --json
expect_evidence ovl-module overlay.support warn registered false
new_root
put "$R" proc/filesystems "$FS_NO_OVERLAY"
put "$R" proc/cmdline 'BOOT_IMAGE=/vmlinuz root=/dev/vda module_blacklist=floppy,overlay quiet'
nc ovl-blacklisted --root "$R" --only overlay.support --json
expect_evidence ovl-blacklisted overlay.support fail blacklisted true
check "ovl-blacklisted: the fix edits module_blacklist= in GRUB's config" \
	contains "$(out ovl-blacklisted)" "module_blacklist=[^ "
new_root
put "$R" proc/filesystems "$FS_NO_OVERLAY"
put "$R" proc/cmdline 'BOOT_IMAGE=/vmlinuz module_blacklist=overlayfoo,xoverlay'
nc ovl-other --root "$R" --only overlay.support --json
expect_evidence ovl-other overlay.support warn

finish
