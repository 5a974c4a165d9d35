#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# container.detect names the platform that manages an LXC-family container,
# from the marks each one leaves (README, "Which platform"): the shared-mounts
# directory of Incus and LXD (and their guest API), Proxmox VE's blocks in
# /etc/hosts and /etc/resolv.conf, liblxc's boot_id mount for plain LXC, and
# nothing known for the rest. LXD's mark on a container that also carries a
# Proxmox block wins (a rootfs copied between platforms keeps the block). On a
# host, the platforms installed there come from a recorded observation. Fixes
# name the detected platform's client: Incus's `incus`, LXD's `lxc`, and no
# Proxmox `pct` form in either.
source "$(dirname "$0")/lib.bash" "$@"
IDS=container.detect,container.nesting,namespace.proc_mount

# lxc_root ROOT EXTRA_MOUNTINFO: a host sysroot turned into an LXC container's view.
lxc_root() {
	sysroot_host "$1"
	put "$1" run/systemd/container $'lxc\n'
	put "$1" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2$2"
}
BOOT_ID='40 23 0:60 /.lxc-boot-id /proc/sys/kernel/random/boot_id ro,nosuid,nodev,noexec,relatime - tmpfs none rw
'
LXD_MOUNTS='41 25 0:61 / /dev/.lxd-mounts rw,relatime master:2 - tmpfs tmpfs rw,size=100k,mode=711
42 25 0:62 / /dev/lxd rw,relatime - tmpfs tmpfs rw,size=100k,mode=755
'
INCUS_MOUNTS='41 25 0:61 / /dev/.incus-mounts rw,relatime master:2 - tmpfs tmpfs rw,size=100k,mode=711
42 25 0:62 / /dev/incus rw,relatime - tmpfs tmpfs rw,size=100k,mode=755
'
PVE_HOSTS='file:etc/hosts=127.0.0.1 localhost\n# --- BEGIN PVE ---\n127.0.1.1 ct101\n# --- END PVE ---\n'

lxc_root "$TMP/lxd" "$BOOT_ID$LXD_MOUNTS"
run lxd "$TMP/lxd"
expect lxd container.detect pass "inside an LXD container"
evidence_is lxd container.detect platform lxd
evidence_is lxd container.detect platform_signal /dev/.lxd-mounts
check "lxd: a fix says lxc config set" contains "$(out lxd)" '"lxc config set NAME security.nesting true"'
check "lxd: no incus command" lacks "$(out lxd)" '"incus '
check "lxd: no pct command" lacks "$(out lxd)" '"pct '

lxc_root "$TMP/incus" "$BOOT_ID$INCUS_MOUNTS"
run incus "$TMP/incus"
expect incus container.detect pass "inside an Incus container"
evidence_is incus container.detect platform incus
evidence_is incus container.detect platform_signal /dev/.incus-mounts
check "incus: the summary does not say LXD" lacks "$(out incus)" "LXD container"
# Fixes in Incus's own words: nesting is off (no /dev/.lxc/proc), and no other platform's commands.
check "incus: a fix says incus config set" contains "$(out incus)" '"incus config set NAME security.nesting true"'
check "incus: no lxc command" lacks "$(out incus)" '"lxc '
check "incus: no pct command" lacks "$(out incus)" '"pct '


# Only the guest API's directory (an older LXD without shared mounts).
lxc_root "$TMP/lxd-api" "$BOOT_ID"'42 25 0:62 / /dev/lxd rw,relatime - tmpfs tmpfs rw,size=100k,mode=755
'
run lxd-api "$TMP/lxd-api"
evidence_is lxd-api container.detect platform lxd
evidence_is lxd-api container.detect platform_signal /dev/lxd

lxc_root "$TMP/pve" "$BOOT_ID"
obs "$TMP/pve" "$PVE_HOSTS"
run pve "$TMP/pve"
expect pve container.detect pass "inside a Proxmox VE container (pct)"
evidence_is pve container.detect platform proxmox

# The same block in resolv.conf only (a user told PVE to leave /etc/hosts alone).
lxc_root "$TMP/pve-dns" "$BOOT_ID"
obs "$TMP/pve-dns" 'file:etc/hosts=127.0.0.1 localhost\n' \
	'file:etc/resolv.conf=# --- BEGIN PVE ---\nsearch example.org\nnameserver 192.0.2.53\n# --- END PVE ---\n'
run pve-dns "$TMP/pve-dns"
evidence_is pve-dns container.detect platform proxmox

# A marker inside a line is not PVE's block.
lxc_root "$TMP/not-pve" "$BOOT_ID"
obs "$TMP/not-pve" 'file:etc/hosts=127.0.0.1 localhost # --- BEGIN PVE ---\n'
run not-pve "$TMP/not-pve"
evidence_is not-pve container.detect platform lxc

lxc_root "$TMP/copied" "$BOOT_ID$LXD_MOUNTS"
obs "$TMP/copied" "$PVE_HOSTS"
run copied "$TMP/copied"
evidence_is copied container.detect platform lxd

lxc_root "$TMP/plain" "$BOOT_ID"
run plain "$TMP/plain"
expect plain container.detect pass "inside a plain LXC container"
evidence_is plain container.detect platform lxc

lxc_root "$TMP/unknown" ""
run unknown "$TMP/unknown"
expect unknown container.detect pass "whose manager is not known"
evidence_is unknown container.detect platform unknown

# A host: the platforms come from the live run's record; without one, nothing is claimed.
sysroot_host "$TMP/host"
run host "$TMP/host"
expect host container.detect pass "on a host, not in a container"
check "host: no platforms claimed without a record" lacks "$(out host)" '"platforms"'
obs "$TMP/host" 'container.platforms=lxd (running), lxc (installed)'
run host-rec "$TMP/host"
expect host-rec container.detect pass "system-container platforms here: lxd (running), lxc (installed)"
evidence_is host-rec container.detect platforms "lxd (running), lxc (installed)"

# Live on this machine: a host; the platforms found are among those nestcheck knows.
nc live --json --only container.detect
p=$(jget "$(out live)" checks.container.detect.evidence.platforms)
case $p in
none | lxd\ * | incus\ * | proxmox\ * | lxc\ *) ok "live: platforms = $p" ;;
*) not_ok "live: platforms = '$p'" ;;
esac
finish
