#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The runtime checks (runtime.lxc, runtime.lxcfs, runtime.lxd, runtime.incus, runtime.docker)
# replayed from synthetic sysroots: dpkg status stanzas and recorded
# observations of the tools' --version and of LXCFS reads. Among them the
# failure a live test must not provoke on a shared host: LXCFS dead behind a
# container's /proc mounts (L5), recorded as a read that gave ENOTCONN.
# Usage: bash runtime.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # eval '...' expands when eval runs
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

IDS=runtime.lxc,runtime.lxcfs,runtime.lxd,runtime.docker

stanza() { # stanza PACKAGE VERSION [STATUS]
	printf 'Package: %s\nStatus: %s\nPriority: optional\nArchitecture: amd64\nVersion: %s\nDescription: x\n more\n\n' \
		"$1" "${3:-install ok installed}" "$2"
}

# A container's mount table: LXCFS over /proc files, as LXD sets it up.
MOUNTINFO_LXCFS='40 23 0:50 /proc/cpuinfo /proc/cpuinfo rw,nosuid,nodev,relatime shared:30 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other
41 23 0:50 /proc/meminfo /proc/meminfo rw,nosuid,nodev,relatime shared:30 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other
42 23 0:50 /proc/uptime /proc/uptime rw,nosuid,nodev,relatime shared:30 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other
'
container() { # container ROOT: sysroot_host turned into an unprivileged LXD container
	sysroot_host "$1"
	put "$1" run/systemd/container $'lxc\n'
	put "$1" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2$MOUNTINFO_LXCFS"
	put "$1" proc/self/uid_map $'         0    1000000 1000000000\n'
	put "$1" proc/self/gid_map $'         0    1000000 1000000000\n'
	obs "$1" container.name=web runtime.version.lxc=absent runtime.version.lxd=absent runtime.version.lxcfs=absent
}

# --- a Debian 12 host with the whole stack from dpkg -------------------------
r=$TMP/host
sysroot_host "$r"
{
	stanza docker.io 20.10.24+dfsg1-1+deb12u1+b6
	stanza containerd 1.6.20~ds1-1+deb12u3
	stanza runc 1.1.5+ds1-1+deb12u1
	stanza lxc 1:5.0.2-1+deb12u4
	stanza liblxc1 1:5.0.2-1+deb12u4
	stanza lxd 5.0.2-5+deb12u6
	stanza lxcfs 5.0.3-1+deb12u1
} | put "$r" var/lib/dpkg/status "$(cat)"
run host "$r"
expect host runtime.lxc pass "LXC 5.0.2"
expect host runtime.lxd pass "LXD 5.0.2"
expect host runtime.lxcfs pass "installed but not running"
expect host runtime.docker pass "Docker 20.10.24+dfsg1, containerd 1.6.20~ds1, runc 1.1.5+ds1"
evidence_is host runtime.docker docker_source "dpkg docker.io 20.10.24+dfsg1-1+deb12u1+b6"
evidence_is host runtime.docker cgroup_layout v2

# --- the same host, lxcfs running at /var/lib/lxcfs; then dead ----------------
r2=$TMP/host-lxcfs
cp -a "$r" "$r2"
put "$r2" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2"'50 22 0:60 / /var/lib/lxcfs rw,nosuid,nodev,relatime shared:40 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other
'
cp -a "$r2" "$TMP/host-lxcfs-dead"
obs "$r2" 'lxcfs.read:/var/lib/lxcfs/proc/uptime=ok'
run host-lxcfs "$r2"
expect host-lxcfs runtime.lxcfs pass "LXCFS 5.0.3 is mounted at /var/lib/lxcfs and answers"
obs "$TMP/host-lxcfs-dead" 'lxcfs.read:/var/lib/lxcfs/proc/uptime=ENOTCONN'
run host-lxcfs-dead "$TMP/host-lxcfs-dead"
expect host-lxcfs-dead runtime.lxcfs fail "does not answer"
remedy_has host-lxcfs-dead runtime.lxcfs "systemctl restart lxcfs"
remedy_has host-lxcfs-dead runtime.lxcfs "lxc restart --all"

# --- cgroup v2 with a 2018 Docker stack (C1/C6) ------------------------------
r=$TMP/v2-old
sysroot_host "$r"
{
	stanza docker.io 18.09.1+dfsg1-7.1+deb10u3
	stanza containerd 1.2.6-1
	stanza runc 1.0.0~rc6+dfsg1-3
} | put "$r" var/lib/dpkg/status "$(cat)"
run v2-old "$r"
expect v2-old runtime.docker fail "Docker 18.09.1+dfsg1 predates cgroup v2 support (20.10)"
expect v2-old runtime.docker fail "containerd 1.2.6 predates"
expect v2-old runtime.docker fail "runc 1.0.0~rc6+dfsg1 predates 1.0.0-rc93"
remedy_has v2-old runtime.docker "systemd.unified_cgroup_hierarchy=0"
# The same stack on a hybrid host is not C1.
put "$r" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_HYBRID_NO_MEMORY"
run hybrid-old "$r"
expect hybrid-old runtime.docker pass "cgroup layout: hybrid"

# --- old LXC, the Ubuntu 20.04 lxd stub deb, half-installed packages ---------
r=$TMP/old-lxc
sysroot_host "$r"
{
	stanza lxc 1:1.0.8-0ubuntu0.3
	stanza lxd 1:0.9
	stanza lxcfs 2.0.8-0ubuntu1 'install ok half-installed'
	stanza docker.io 20.10.24+dfsg1-1 'deinstall ok config-files'
} | put "$r" var/lib/dpkg/status "$(cat)"
obs "$r" 'runtime.version.lxd=/snap/bin/lxd\n5.21.1 LTS' 'runtime.version.lxcfs=/usr/bin/lxcfs\n1.0.0' \
	runtime.version.dockerd=absent
run old-lxc "$r"
expect old-lxc runtime.lxc fail "LXC 1.0.8 is older than 2.0"
remedy_has old-lxc runtime.lxc "apt-get install -y lxc"
expect old-lxc runtime.lxd pass "LXD 5.21.1 (/snap/bin/lxd --version)"
expect old-lxc runtime.lxcfs fail "LXCFS 1.0.0 is older than 2.0"
expect old-lxc runtime.docker skip "Docker is not installed"
remedy_has old-lxc runtime.docker "apt-get install -y docker.io"

# --- the docker client without its engine (docker-ce-cli, or a copied binary) ---
r=$TMP/cli-only
sysroot_host "$r"
stanza docker-ce-cli 5:28.2.2-1~debian.12~bookworm | put "$r" var/lib/dpkg/status "$(cat)"
obs "$r" runtime.version.dockerd=absent
run cli-only "$r"
expect cli-only runtime.docker skip "the Docker client 28.2.2 is installed here, but not the engine (dockerd)"
evidence_is cli-only runtime.docker docker_version absent
evidence_is cli-only runtime.docker docker_cli_version 28.2.2
remedy_has cli-only runtime.docker "apt-get install -y docker-ce containerd.io"
r=$TMP/cli-bin
sysroot_host "$r"
obs "$r" runtime.version.dockerd=absent 'runtime.version.docker=/usr/local/bin/docker\nDocker version 28.2.2, build e6534b4'
run cli-bin "$r"
expect cli-bin runtime.docker skip "the Docker client 28.2.2 is installed here, but not the engine (dockerd)"
evidence_is cli-bin runtime.docker docker_cli_source "/usr/local/bin/docker --version"
remedy_has cli-bin runtime.docker "apt-get install -y docker.io"
remedy_has cli-bin runtime.docker "DOCKER_HOST"

# --- inside an LXD container: LXCFS alive, dead (L5), not recorded -----------
r=$TMP/ct-alive
container "$r"
cp -a "$r" "$TMP/ct-dead"
cp -a "$r" "$TMP/ct-unrecorded"
cp -a "$r" "$TMP/ct-hung"
cp -a "$r" "$TMP/ct-eacces"
obs "$r" 'lxcfs.read:/proc/uptime=ok'
run ct-alive "$r"
expect ct-alive runtime.lxcfs pass "answers (read of /proc/uptime works)"
expect ct-alive runtime.lxc skip "not installed in this container"
expect ct-alive runtime.lxd skip "host-side component"
evidence_is ct-alive runtime.lxcfs lxcfs_mounts /proc/cpuinfo,/proc/meminfo,/proc/uptime

obs "$TMP/ct-dead" 'lxcfs.read:/proc/uptime=ENOTCONN'
run ct-dead "$TMP/ct-dead"
expect ct-dead runtime.lxcfs fail "Transport endpoint is not connected"
evidence_is ct-dead runtime.lxcfs probe_read ENOTCONN
check "ct-dead: the fix runs on the host" [ "$(jget "$(out ct-dead)" 'checks.runtime.lxcfs.remediation' | grep -c '"where": "host"')" -ge 1 ]
remedy_has ct-dead runtime.lxcfs "lxc restart web"
nc ct-dead-human --root "$TMP/ct-dead" --only runtime.lxcfs
check "ct-dead: human report exits 1 and names the host-side fix" \
	eval 'rc_is 1 && contains "$(out ct-dead-human)" "fix (on the host)"' || show ct-dead-human

run ct-unrecorded "$TMP/ct-unrecorded"
expect ct-unrecorded runtime.lxcfs skip "not probed in replay"
obs "$TMP/ct-hung" 'lxcfs.read:/proc/uptime=timeout'
run ct-hung "$TMP/ct-hung"
expect ct-hung runtime.lxcfs warn "did not answer within 2 s"
remedy_has ct-hung runtime.lxcfs "systemctl restart lxcfs"
obs "$TMP/ct-eacces" 'lxcfs.read:/proc/uptime=EACCES'
run ct-eacces "$TMP/ct-eacces"
expect ct-eacces runtime.lxcfs skip "fails with EACCES"
# Only the cpuinfo mount: that is the file read.
r=$TMP/ct-cpuinfo
container "$r"
put "$r" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2$(echo "$MOUNTINFO_LXCFS" | grep cpuinfo)"
obs "$r" 'lxcfs.read:/proc/cpuinfo=ENOTCONN'
run ct-cpuinfo "$r"
expect ct-cpuinfo runtime.lxcfs fail "reading /proc/cpuinfo fails"

# --- Docker 28 + runc 1.3.3 in a confined, unprivileged container -------------
r=$TMP/ct-docker28
container "$r"
obs "$r" 'lxcfs.read:/proc/uptime=ok' 'runtime.version.dockerd=/usr/bin/dockerd\nDocker version 28.5.2, build ecc6942' \
	'runtime.version.containerd=/usr/bin/containerd\ncontainerd containerd.io v1.7.28 b98a3aace6' \
	'runtime.version.runc=/usr/bin/runc\nrunc version 1.3.3\ncommit: v1.3.3-0-gd842d771'
put "$r" sys/module/apparmor/parameters/enabled $'Y\n'
put "$r" proc/self/attr/current $'lxd-ct_</var/lib/lxd>//&:lxd-ct_<var-lib-lxd>:unconfined\n'
put "$r" proc/modules $'iptable_nat 16384 1 - Live 0x0000000000000000\nip6_tables 36864 0 - Live 0x0000000000000000\n'
rm -f "$r/proc/config.gz"
run ct-docker28 "$r"
expect ct-docker28 runtime.docker warn "Docker 28.5.2 in a user namespace"
expect ct-docker28 runtime.docker warn "needs ip6table_nat"
expect ct-docker28 runtime.docker warn "needs iptable_raw"
expect ct-docker28 runtime.docker warn "runc 1.3.3 (CVE-2025-52881 fix)"
check "ct-docker28: ip6_tables is loaded, not missing" \
	eval '[ "$(jget "$(out ct-docker28)" checks.runtime.docker.evidence.modules_missing)" = ip6table_nat,iptable_raw ]'
remedy_has ct-docker28 runtime.docker "lxc config set web linux.kernel_modules ip6table_nat,iptable_raw"
evidence_is ct-docker28 runtime.docker netfilter_modules "ip6_tables: loaded, ip6table_nat: missing, iptable_raw: missing"
remedy_has ct-docker28 runtime.docker "snap refresh lxd"
# Built in (=y) is as good as loaded; unconfined LXC is not A4.
kconfig_text | sed '$a CONFIG_IP6_NF_NAT=y\nCONFIG_IP_NF_RAW=y' | gzip -9n >"$r/proc/config.gz"
put "$r" proc/self/attr/current $'unconfined\n'
put "$r" proc/self/uid_map $'         0          0 4294967295\n'
run ct-docker28-ok "$r"
expect ct-docker28-ok runtime.docker pass "Docker 28.5.2, containerd 1.7.28, runc 1.3.3"
evidence_is ct-docker28-ok runtime.docker netfilter_modules "ip6_tables: loaded, ip6table_nat: built in, iptable_raw: built in"
# Neither proc/modules nor a kernel config: not known, and no warning is guessed.
rm -f "$r/proc/modules" "$r/proc/config.gz"
run ct-docker28-unknown "$r"
expect ct-docker28-unknown runtime.docker pass "Docker 28.5.2"
evidence_is ct-docker28-unknown runtime.docker netfilter_modules "ip6_tables: unknown, ip6table_nat: unknown, iptable_raw: unknown"

# --- Ubuntu 24.04's docker.io in a nested, confined container (A5) -----------
r=$TMP/noble
container "$r"
put "$r" etc/os-release $'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n'
put "$r" sys/module/apparmor/parameters/enabled $'Y\n'
put "$r" proc/self/attr/current $'lxd-ct_</var/lib/lxd>//&:lxd-ct_<var-lib-lxd>:unconfined\n'
put "$r" proc/self/uid_map $'         0          0 4294967295\n'
{
	stanza docker.io 24.0.7-0ubuntu4.1
	stanza containerd 1.7.12-0ubuntu4.1
	stanza runc 1.1.12-0ubuntu3.1
} | put "$r" var/lib/dpkg/status "$(cat)"
obs "$r" 'lxcfs.read:/proc/uptime=ok'
run noble "$r"
expect noble runtime.docker warn "/usr/sbin/runc, whose AppArmor profile denies pivot_root"
remedy_has noble runtime.docker "lxc.apparmor.profile=unconfined"
put "$r" etc/os-release $'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n'
run jammy "$r"
expect jammy runtime.docker pass "Docker 24.0.7"

# --- replay with neither dpkg nor recorded runs; junk dpkg status ------------
r=$TMP/bare
sysroot_host "$r"
run bare "$r"
for id in runtime.lxc runtime.lxd runtime.lxcfs; do expect bare $id skip "not run in replay"; done
expect bare runtime.docker skip "whether Docker is installed is not known"
put "$r" var/lib/dpkg/status $'\377\376 not a status file\n'
obs "$r" 'runtime.version.dockerd=/usr/bin/dockerd\n!timeout' 'runtime.version.lxd=/usr/bin/lxd\n!exec EACCES' \
	'runtime.version.lxc=/usr/bin/lxc-start\nlxc-start: unknown option' 'runtime.version.lxcfs=not a recorded run'
run junk "$r"
evidence_is junk runtime.docker dpkg_status malformed
expect junk runtime.docker skip "gave no version: timeout"
expect junk runtime.lxd skip "gave no version: exec EACCES"
expect junk runtime.lxc skip "printed no version"
expect junk runtime.lxcfs skip "malformed"

# --- runtime.incus: from dpkg, from incusd's --version where it lives, and too old ----------
IDS=runtime.incus
r=$TMP/incus
sysroot_host "$r"
stanza incus 6.0.4-2~bpo12+1 | put "$r" var/lib/dpkg/status "$(cat)"
run incus "$r"
expect incus runtime.incus pass "Incus 6.0.4"
evidence_is incus runtime.incus incus_source "dpkg incus 6.0.4-2~bpo12+1"
r=$TMP/incus-old
sysroot_host "$r"
obs "$r" 'runtime.version.incus=/opt/incus/bin/incusd\n0.6'
run incus-old "$r"
expect incus-old runtime.incus fail "Incus 0.6 is older than 6.0, its first long-term release"
remedy_has incus-old runtime.incus "bookworm-backports incus"
r=$TMP/incus-none
sysroot_host "$r"
obs "$r" runtime.version.incus=absent
run incus-none "$r"
expect incus-none runtime.incus skip "Incus is not installed on this host"

finish
