#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# capture-sysroot.sh DEST [NESTCHECK]
#
# Copy exactly CONTRACT.md's evidence manifest from the running system into
# DEST, laid out like /, so that `nestcheck --root DEST` replays this host.
# With NESTCHECK (a nestcheck binary, or a command line that runs one), the
# live probes' observations are recorded too (DEST/.nestcheck/observations).
# POSIX sh: it runs under busybox inside minimal containers.
set -u

dest=${1:?usage: capture-sysroot.sh DEST [NESTCHECK]}
nestcheck=${2:-}
mkdir -p "$dest" || exit 2

# copy PATH: a file's content (proc files report size 0, so read, never cp).
copy() {
	[ -f "/$1" ] && [ -r "/$1" ] || return 0
	mkdir -p "$dest/$(dirname "$1")"
	cat "/$1" >"$dest/$1" 2>/dev/null || rm -f "$dest/$1"
}

release=$(cat /proc/sys/kernel/osrelease 2>/dev/null)

for f in proc/version proc/sys/kernel/osrelease proc/cmdline proc/filesystems proc/config.gz \
	proc/modules proc/sys/user/max_user_namespaces proc/sys/kernel/unprivileged_userns_clone \
	proc/sys/kernel/apparmor_restrict_unprivileged_userns proc/sys/net/ipv4/ip_forward \
	sys/module/apparmor/parameters/enabled sys/kernel/security/lsm sys/kernel/security/apparmor/profiles \
	sys/fs/cgroup/cgroup.controllers sys/fs/cgroup/cgroup.subtree_control \
	etc/os-release usr/lib/os-release etc/subuid etc/subgid etc/docker/daemon.json \
	run/systemd/container proc/1/cgroup proc/1/comm; do
	copy "$f"
done

# proc/self of this shell: the same namespaces, mounts and label as nestcheck's.
mkdir -p "$dest/proc/self/attr/apparmor" "$dest/proc/self/ns"
for f in uid_map gid_map setgroups mountinfo cgroup status attr/current attr/apparmor/current; do
	if [ -r "/proc/$$/$f" ]; then
		cat "/proc/$$/$f" >"$dest/proc/self/$f" 2>/dev/null || rm -f "$dest/proc/self/$f"
	fi
done
rmdir "$dest/proc/self/attr/apparmor" "$dest/proc/self/attr" 2>/dev/null
for ns in cgroup ipc mnt net pid time user uts; do
	link=$(readlink "/proc/$$/ns/$ns" 2>/dev/null) && echo "$link" >"$dest/proc/self/ns/$ns"
done

# proc/1/environ: only the container= entry, NUL-terminated as the kernel writes it.
if cat /proc/1/environ >/dev/null 2>&1; then
	entry=$(cat /proc/1/environ | tr '\0' '\n' | grep '^container=' | head -n 1)
	mkdir -p "$dest/proc/1"
	if [ -n "$entry" ]; then printf '%s\0' "$entry" >"$dest/proc/1/environ"; else : >"$dest/proc/1/environ"; fi
fi

[ -f /.dockerenv ] && : >"$dest/.dockerenv"
if [ -S /dev/lxd/sock ]; then mkdir -p "$dest/dev/lxd" && : >"$dest/dev/lxd/sock"; fi
copy "boot/config-$release"
for f in modules.dep.bin modules.alias.bin modules.builtin.bin modules.builtin modules.builtin.modinfo \
	modules.symbols.bin modules.softdep modules.devname modules.order; do
	copy "lib/modules/$release/$f"
done

# dpkg status: the stanzas of the container stack only.
if [ -r /var/lib/dpkg/status ]; then
	mkdir -p "$dest/var/lib/dpkg"
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	/(^|\n)Package: (docker\.io|docker-ce|docker-ce-cli|containerd|containerd\.io|runc|crun|lxc|liblxc1|liblxc-common|lxcfs|lxd|lxd-client|incus|apparmor|libseccomp2|iptables|fuse-overlayfs|uidmap)\n/' \
		/var/lib/dpkg/status >"$dest/var/lib/dpkg/status"
fi

if [ -n "$nestcheck" ]; then
	mkdir -p "$dest/.nestcheck"
	# shellcheck disable=SC2086 # NESTCHECK may be a command line (a loader and the binary)
	$nestcheck --no-launch --record "$dest/.nestcheck/observations" >/dev/null
	[ -f "$dest/.nestcheck/observations" ] || { echo "capture-sysroot: nestcheck recorded nothing" >&2; exit 2; }
fi
exit 0
