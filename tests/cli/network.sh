#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# modules.required and the network checks (network.ip_forward, network.iptables,
# network.bridge_nf) replayed from synthetic sysroots: proc/modules, kernel
# configs, mount tables, daemon.json and recorded observations of iptables runs
# and sysctl files. Among them the failures a live test cannot provoke on this
# machine (every module built in): modules not loaded under an LXD container
# (N1), a legacy iptables without its table modules, a read-only /proc/sys/net
# with forwarding off, br_netfilter missing with icc=false (N2), no CAP_NET_ADMIN (N5).
# Usage: bash network.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # eval '...' expands when eval runs
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

IDS=modules,network


# A distribution kernel's netfilter options: everything Docker uses as a module.
NETFILTER_M='CONFIG_MODULES=y
CONFIG_OVERLAY_FS=m
CONFIG_BRIDGE=m
CONFIG_BRIDGE_NETFILTER=m
CONFIG_VETH=m
CONFIG_NF_NAT=m
CONFIG_IP_NF_IPTABLES=m
CONFIG_IP_NF_NAT=m
CONFIG_IP_NF_FILTER=m
CONFIG_IP_NF_RAW=m
CONFIG_IP6_NF_IPTABLES=m
CONFIG_IP6_NF_NAT=m
CONFIG_NETFILTER_XT_MATCH_CONNTRACK=m
CONFIG_NETFILTER_XT_MATCH_ADDRTYPE=m
CONFIG_NETFILTER_XT_TARGET_MASQUERADE=m
'
# What a Docker host has loaded once dockerd ran.
PROC_MODULES_ALL='overlay 151552 0 - Live 0x0000000000000000
br_netfilter 32768 0 - Live 0x0000000000000000
bridge 311296 1 br_netfilter, Live 0x0000000000000000
veth 32768 0 - Live 0x0000000000000000
xt_MASQUERADE 20480 2 - Live 0x0000000000000000
nf_nat 49152 2 xt_MASQUERADE,iptable_nat, Live 0x0000000000000000
xt_conntrack 16384 2 - Live 0x0000000000000000
xt_addrtype 16384 2 - Live 0x0000000000000000
iptable_nat 16384 1 - Live 0x0000000000000000
iptable_filter 16384 1 - Live 0x0000000000000000
iptable_raw 16384 0 - Live 0x0000000000000000
ip_tables 32768 3 iptable_raw,iptable_filter,iptable_nat, Live 0x0000000000000000
ip6table_nat 16384 0 - Live 0x0000000000000000
ip6_tables 32768 1 ip6table_nat, Live 0x0000000000000000
'
# An LXD container with /proc/sys read-only but /proc/sys/net writable (LXC's proc:mixed).
MOUNTINFO_PROC_MIXED='60 23 0:21 /sys /proc/sys ro,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
61 60 0:21 /sys/net /proc/sys/net rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
'
# Docker's default: /proc/sys read-only, nothing writable under it.
MOUNTINFO_PROC_RO='60 23 0:21 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw
'
NAT_NO_TABLE="exit=3 iptables v1.8.7 (legacy): can't initialize iptables table \`nat': Table does not exist (do you need to insmod?) | Perhaps iptables or your kernel needs to be upgraded."
FILTER_NO_TABLE="exit=3 iptables v1.8.7 (legacy): can't initialize iptables table \`filter': Table does not exist (do you need to insmod?)"
RAW_NO_TABLE="exit=3 iptables v1.8.7 (legacy): can't initialize iptables table \`raw': Table does not exist (do you need to insmod?)"

host() { # host ROOT: a distribution host after dockerd ran: all loaded, iptables fine
	sysroot_host "$1"
	{
		kconfig_text
		printf '%s' "$NETFILTER_M"
	} | gzip -9n >"$1/proc/config.gz"
	put "$1" proc/modules "$PROC_MODULES_ALL"
	put "$1" proc/sys/net/ipv4/ip_forward $'1\n'
	obs "$1" 'network.iptables.version=iptables v1.8.9 (nf_tables)' \
		'network.iptables.path=/usr/sbin/iptables -> /usr/sbin/xtables-nft-multi' \
		'network.iptables.list.nat=ok rules=9' 'network.iptables.list.filter=ok rules=20' \
		'network.iptables.list.raw=ok rules=0' 'network.ip6tables.list.nat=ok rules=3' \
		'file:proc/sys/net/bridge/bridge-nf-call-iptables=1' 'file:proc/sys/net/bridge/bridge-nf-call-ip6tables=1'
}
lxd() { # lxd ROOT [PROC_MODULES]: an unprivileged LXD container named web on such a host
	sysroot_host "$1"
	{
		kconfig_text
		printf '%s' "$NETFILTER_M"
	} | gzip -9n >"$1/proc/config.gz"
	put "$1" run/systemd/container $'lxc\n'
	put "$1" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2$MOUNTINFO_PROC_MIXED"
	put "$1" proc/self/uid_map $'         0    1000000 1000000000\n'
	put "$1" proc/self/gid_map $'         0    1000000 1000000000\n'
	put "$1" proc/modules "${2-$PROC_MODULES_ALL}"
	put "$1" proc/sys/net/ipv4/ip_forward $'1\n'
	obs "$1" container.name=web
}

# --- a host where everything is in place --------------------------------------
r=$TMP/host
host "$r"
run host "$r"
expect host modules.required pass "14 loaded"
evidence_is host modules.required xt_MASQUERADE loaded
evidence_is host modules.required iptables_backend nf_tables
expect host network.ip_forward pass "on"
expect host network.iptables pass "iptables 1.8.9 (nf_tables) lists the tables Docker uses: nat, filter, raw, ip6tables nat"
evidence_is host network.iptables path "/usr/sbin/iptables -> /usr/sbin/xtables-nft-multi"
expect host network.bridge_nf pass "br_netfilter is active"
evidence_is host network.bridge_nf br_netfilter loaded
check "host: exit 0" rc_is 0

# --- everything built in (this machine): no proc/modules, config says y --------
r=$TMP/builtin
host "$r"
rm "$r/proc/modules"
sed_cfg=$(gzip -dc "$r/proc/config.gz" | sed 's/=m$/=y/; s/^CONFIG_MODULES=y$/# CONFIG_MODULES is not set/')
printf '%s\n' "$sed_cfg" | gzip -9n >"$r/proc/config.gz"
run builtin "$r"
expect builtin modules.required pass "14 built in"

# --- LXD container: nothing loaded on the host (N1, S5) -----------------------
r=$TMP/lxd-bare
lxd "$r" 'bridge 311296 0 - Live 0x0000000000000000
veth 32768 0 - Live 0x0000000000000000
'
run lxd-bare "$r"
expect lxd-bare modules.required fail "a container cannot load kernel modules"
expect lxd-bare modules.required fail "overlay (not loaded)"
evidence_is lxd-bare modules.required veth loaded
evidence_is lxd-bare modules.required nf_nat "not loaded"
remedy_has lxd-bare modules.required "modprobe -a overlay br_netfilter nf_nat ip_tables"
remedy_has lxd-bare modules.required "lxc config set web linux.kernel_modules overlay,br_netfilter,bridge,veth,nf_nat"
remedy_has lxd-bare modules.required "lxc restart web"
remedy_has lxd-bare modules.required "docker.conf"
check "lxd-bare: remediation runs on the host" eval '[ "$(jget "$(out lxd-bare)" "checks.modules.required.remediation" | grep -c "\"where\": \"container\"")" = 0 ]'
# br_netfilter alone is a warning: the default networks work without it.
expect lxd-bare network.bridge_nf warn "br_netfilter is not loaded (a container cannot load it)"
remedy_has lxd-bare network.bridge_nf "modprobe -a br_netfilter"
# Not recorded: the sysctls. In replay without observations, iptables is not probed.
expect lxd-bare network.iptables skip "not probed in replay"

# --- the same, but the guest's iptables is nf_tables: legacy tables are spared --
r=$TMP/lxd-nft
lxd "$r" "$(printf '%s' "$PROC_MODULES_ALL" | grep -Ev '^(ip_tables|iptable_|ip6_tables|ip6table_)')"
obs "$r" 'network.iptables.version=iptables v1.8.9 (nf_tables)'
run lxd-nft "$r"
expect lxd-nft modules.required warn "iptables here is nf_tables"
evidence_is lxd-nft modules.required ip_tables "not loaded"
evidence_is lxd-nft modules.required iptables_backend nf_tables
# ...and with legacy iptables the same modules are a failure.
r=$TMP/lxd-legacy
lxd "$r" "$(printf '%s' "$PROC_MODULES_ALL" | grep -Ev '^(ip_tables|iptable_|ip6_tables|ip6table_)')"
obs "$r" 'network.iptables.version=iptables v1.8.7 (legacy)' \
	"network.iptables.list.nat=$NAT_NO_TABLE" "network.iptables.list.filter=$FILTER_NO_TABLE" \
	"network.iptables.list.raw=$RAW_NO_TABLE" 'network.ip6tables.list.nat=ok rules=0'
run lxd-legacy "$r"
expect lxd-legacy modules.required fail "ip_tables (not loaded)"
expect lxd-legacy network.iptables fail "nat: iptables v1.8.7 (legacy): can't initialize iptables table"
evidence_is lxd-legacy network.iptables backend legacy
remedy_has lxd-legacy network.iptables "modprobe -a ip_tables iptable_nat nf_nat iptable_filter iptable_raw"
remedy_has lxd-legacy network.iptables "update-alternatives --set iptables"
remedy_has lxd-legacy network.iptables "lxc config set web linux.kernel_modules"

# --- only the raw table is missing (Docker 28, N3): a warning ----------------
r=$TMP/raw
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=iptables v1.8.7 (legacy)' 'network.iptables.list.nat=ok rules=0' \
	'network.iptables.list.filter=ok rules=0' "network.iptables.list.raw=$RAW_NO_TABLE" 'network.ip6tables.list.nat=missing'
run raw "$r"
expect raw network.iptables warn "raw: iptables v1.8.7 (legacy)"
remedy_has raw network.iptables "modprobe -a ip_tables iptable_raw"
remedy_lacks raw network.iptables "lxc config"

# --- root without CAP_NET_ADMIN over the netns (N5) --------------------------
r=$TMP/perm
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=iptables v1.8.9 (nf_tables)' \
	'network.iptables.list.nat=exit=4 iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)' \
	'network.iptables.list.filter=exit=4 iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)' \
	'network.iptables.list.raw=ok rules=0' 'network.ip6tables.list.nat=ok rules=0'
put "$r" .dockerenv ''
put "$r" proc/1/cgroup $'0::/system.slice/docker-0123456789ab.scope\n'
run perm "$r"
expect perm network.iptables fail "Permission denied"
remedy_has perm network.iptables "docker run --privileged"

# --- iptables absent, not root, a hung iptables, junk values ----------------
r=$TMP/noipt
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=missing'
run noipt "$r"
expect noipt network.iptables skip "iptables is not installed on this host"
expect noipt modules.required pass
r=$TMP/notroot
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=iptables v1.8.9 (nf_tables)' 'network.iptables.list.nat=not-root'
run notroot "$r"
expect notroot network.iptables skip "run nestcheck as root"
r=$TMP/hung
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=iptables v1.8.9 (legacy)' 'network.iptables.list.nat=timeout' \
	'network.iptables.list.filter=signal=9' 'network.iptables.list.raw=exit=4 Another app is currently holding the xtables lock. Perhaps you want to use the -w option?'
run hung "$r"
expect hung network.iptables fail "nat: no answer in 10 s; filter: killed by signal 9"
remedy_has hung network.iptables "fuser -v"
r=$TMP/locked
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=iptables v1.8.7 (legacy)' 'network.iptables.list.nat=ok rules=0' \
	'network.iptables.list.filter=exit=4 Another app is currently holding the xtables lock. Perhaps you want to use the -w option?' \
	'network.iptables.list.raw=ok rules=0' 'network.ip6tables.list.nat=ok rules=0'
run locked "$r"
expect locked network.iptables skip "another program held the xtables lock the whole time (filter)"
r=$TMP/natjunk
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=iptables v1.8.7 (legacy)' 'network.iptables.list.nat=ok rules=banana' \
	'network.iptables.list.filter=ok rules=0'
run natjunk "$r"
expect natjunk network.iptables skip "were not probed"
r=$TMP/junk
host "$r"
: >"$r/.nestcheck/observations"
obs "$r" 'network.iptables.version=<html>oops</html>' 'network.iptables.list.nat=ok rules=-5' \
	'file:proc/sys/net/bridge/bridge-nf-call-iptables=2'
put "$r" proc/sys/net/ipv4/ip_forward $'yes\n'
run junk "$r"
expect junk network.iptables fail "printed something else than a version"
expect junk network.ip_forward error "not 0 or 1"
expect junk network.bridge_nf error "bridge-nf-call-iptables is malformed"
put "$r" proc/modules $'\x01garbage\n'
run junk2 "$r"
expect junk2 modules.required error "proc/modules is malformed"

# --- ip_forward off ----------------------------------------------------------
r=$TMP/fwd-mixed
lxd "$r"
put "$r" proc/sys/net/ipv4/ip_forward $'0\n'
run fwd-mixed "$r"
expect fwd-mixed network.ip_forward pass "dockerd turns it on when it starts"
check "fwd-mixed: judged by the mount table" contains <(jget "$(out fwd-mixed)" checks.network.ip_forward.evidence.writable) "mount table: /proc/sys/net is read-write"
r=$TMP/fwd-ro
lxd "$r"
put "$r" proc/sys/net/ipv4/ip_forward $'0\n'
put "$r" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2$MOUNTINFO_PROC_RO"
run fwd-ro "$r"
expect fwd-ro network.ip_forward fail "Enabling IP forwarding failed"
remedy_has fwd-ro network.ip_forward "lxc config set web linux.sysctl.net.ipv4.ip_forward 1"
remedy_has fwd-ro network.ip_forward "nsenter --target PID --net sysctl -w net.ipv4.ip_forward=1"
# In a Docker container the outer engine sets it (docker run --sysctl), not LXD.
r=$TMP/fwd-docker
host "$r"
put "$r" proc/1/cgroup $'0::/system.slice/docker-0123456789ab.scope\n'
put "$r" proc/sys/net/ipv4/ip_forward $'0\n'
put "$r" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_V2$MOUNTINFO_PROC_RO"
run fwd-docker "$r"
expect fwd-docker network.ip_forward fail "Enabling IP forwarding failed"
remedy_has fwd-docker network.ip_forward '"docker run --sysctl net.ipv4.ip_forward=1 ..."'
remedy_lacks fwd-docker network.ip_forward "lxc config"
# A probe overrides the mount table.
obs "$r" 'network.sysctl.writable:proc/sys/net/ipv4/ip_forward=writable'
run fwd-probed "$r"
expect fwd-probed network.ip_forward pass "dockerd turns it on"
r=$TMP/fwd-host
host "$r"
put "$r" proc/sys/net/ipv4/ip_forward $'0\n'
obs "$r" 'network.sysctl.writable:proc/sys/net/ipv4/ip_forward=EACCES'
run fwd-host "$r"
expect fwd-host network.ip_forward fail "cannot be turned on here"
remedy_has fwd-host network.ip_forward "sysctl -w net.ipv4.ip_forward=1"
remedy_has fwd-host network.ip_forward "99-docker-ip-forward.conf"
r=$TMP/fwd-nomounts
host "$r"
rm "$r/proc/self/mountinfo"
put "$r" proc/sys/net/ipv4/ip_forward $'0\n'
run fwd-nomounts "$r"
expect fwd-nomounts network.ip_forward skip "not known"
r=$TMP/fwd-missing
host "$r"
rm "$r/proc/sys/net/ipv4/ip_forward"
run fwd-missing "$r"
expect fwd-missing network.ip_forward skip "missing"

# --- br_netfilter: needed by daemon.json, sysctl off, old kernel --------------
r=$TMP/brnf-icc
lxd "$r" "$(printf '%s' "$PROC_MODULES_ALL" | grep -v '^br_netfilter')"
put "$r" etc/docker/daemon.json '{"icc": false}'
obs "$r" 'file:proc/sys/net/bridge/bridge-nf-call-iptables=!ENOENT' 'file:proc/sys/net/bridge/bridge-nf-call-ip6tables=!ENOENT'
run brnf-icc "$r"
expect brnf-icc network.bridge_nf fail "daemon.json sets icc to false"
expect brnf-icc modules.required fail "br_netfilter (not loaded)"
evidence_is brnf-icc network.bridge_nf icc false
r=$TMP/brnf-zero
host "$r"
obs "$r" 'file:proc/sys/net/bridge/bridge-nf-call-iptables=0' \
	'network.sysctl.writable:proc/sys/net/bridge/bridge-nf-call-iptables=EROFS'
run brnf-zero "$r"
expect brnf-zero network.bridge_nf warn "bridge-nf-call-iptables is 0 and cannot be changed here"
remedy_has brnf-zero network.bridge_nf "sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1"
r=$TMP/brnf-old
lxd "$r"
put "$r" proc/sys/kernel/osrelease $'5.2.0-1-amd64\n'
obs "$r" 'file:proc/sys/net/bridge/bridge-nf-call-iptables=!ENOENT' 'file:proc/sys/net/bridge/bridge-nf-call-ip6tables=!ENOENT'
run brnf-old "$r"
expect brnf-old network.bridge_nf warn "before Linux 5.3"

# --- modules absent from the kernel, and a host without loaded modules --------
r=$TMP/absent
host "$r"
{
	kconfig_text NETFILTER_XT_MATCH_ADDRTYPE IP_NF_NAT
	printf '%s' "$NETFILTER_M" | grep -v -e IP_NF_NAT -e XT_MATCH_ADDRTYPE
} | gzip -9n >"$r/proc/config.gz"
put "$r" proc/modules "$(printf '%s' "$PROC_MODULES_ALL" | grep -v -e '^iptable_nat' -e '^xt_addrtype')"
run absent "$r"
expect absent modules.required fail "xt_addrtype (not in this kernel)"
# With iptables-nft, iptable_nat is not needed: no failure of its own.
check "absent: iptable_nat is only a warning under nf_tables" eval '[ "$(jget "$(out absent)" checks.modules.required.evidence.missing_optional)" = "iptable_nat (not in this kernel)" ]'

remedy_has absent modules.required "config --enable IP_NF_NAT --enable NETFILTER_XT_MATCH_ADDRTYPE"
r=$TMP/host-unloaded
host "$r"
put "$r" proc/modules ''
run host-unloaded "$r"
expect host-unloaded modules.required warn "may be missing"
evidence_is host-unloaded modules.required overlay "not loaded, loadability unknown"
check "host-unloaded: no lxc remedy on a host" lacks <(jget "$(out host-unloaded)" checks.modules.required.remediation) "lxc config"

# --- network.loopback: from the recorded flags of lo ---
for c in up:0x9:pass down:0x8:warn junk:0xzz:error; do
	IFS=: read -r name flags want <<<"$c"
	r=$TMP/lo-$name
	host "$r"
	obs "$r" "file:sys/class/net/lo/flags=$flags"
	nc "lo-$name" --root "$r" --json --only network.loopback
	check "lo-$name: network.loopback is $want" status_is "$(out "lo-$name")" network.loopback "$want"
done
check "lo-down: the fix brings lo up" contains "$(out lo-down)" "ip link set lo up"
r=$TMP/lo-none
host "$r"
nc lo-none --root "$r" --json --only network.loopback
check "lo-none: not recorded, network.loopback skips" status_is "$(out lo-none)" network.loopback skip

# --- network.iptables: dockerd's start rules rehearsed in a private netns ----
# Replayed values first: each failure class names the rule and its own fix.
RETURN_RULE='iptables --wait -A DOCKER-ISOLATION-STAGE-1 -j RETURN'
rehearsed() { # rehearsed NAME VALUE [BACKEND]: a host whose recorded rehearsal is VALUE
	local r=$TMP/$1
	host "$r"
	: >"$r/.nestcheck/observations"
	obs "$r" "network.iptables.version=iptables v1.8.9 (${3:-nf_tables})" "network.iptables.rehearsal=$2" \
		'network.iptables.list.nat=ok rules=0' 'network.iptables.list.filter=ok rules=0' \
		'network.iptables.list.raw=ok rules=0' 'network.ip6tables.list.nat=ok rules=0'
	run "$1" "$r"
}
rehearsed reh-ext "failed ms=13 rule=$RETURN_RULE; exit=2 iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist"
expect reh-ext network.iptables fail "fails on \`$RETURN_RULE\`"
expect reh-ext network.iptables fail "cannot load its extension libraries"
evidence_is reh-ext network.iptables rehearsal failed
evidence_is reh-ext network.iptables rehearsal_failed_rule "$RETURN_RULE"
evidence_is reh-ext network.iptables rehearsal_ms 13
remedy_has reh-ext network.iptables "apt-get install -y --reinstall iptables"
remedy_has reh-ext network.iptables "unshare --net $RETURN_RULE"
rehearsed reh-legacy-ext "failed ms=4 rule=iptables --wait -t nat -N DOCKER; exit=2 iptables v1.8.9 (legacy): Couldn't load target \`standard':No such file or directory" legacy
expect reh-legacy-ext network.iptables fail "iptables --wait -t nat -N DOCKER"
remedy_has reh-legacy-ext network.iptables "--reinstall iptables"
rehearsed reh-xt "failed ms=30 rule=iptables --wait -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE; exit=1 iptables: No chain/target/match by that name." legacy
expect reh-xt network.iptables fail "module of a match or target"
remedy_has reh-xt network.iptables "modprobe -a xt_MASQUERADE"
rehearsed reh-notable "failed ms=5 rule=iptables --wait -t nat -N DOCKER; exit=3 iptables v1.8.7 (legacy): can't initialize iptables table \`nat': Table does not exist (do you need to insmod?)" legacy
expect reh-notable network.iptables fail "module of the table is not loaded"
remedy_has reh-notable network.iptables "modprobe -a ip_tables iptable_nat nf_nat"
remedy_has reh-notable network.iptables "update-alternatives --set iptables /usr/sbin/iptables-nft"
rehearsed reh-nft-userns "failed ms=5 rule=iptables --wait -t nat -N DOCKER; exit=1 iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Operation not supported"
expect reh-nft-userns network.iptables fail "refused nf_tables"
remedy_has reh-nft-userns network.iptables "update-alternatives --set iptables /usr/sbin/iptables-legacy"
remedy_has reh-nft-userns network.iptables "nf_tables"
rehearsed reh-ok 'ok rules=23 ms=9'
expect reh-ok network.iptables pass "runs dockerd's 23 start rules"
evidence_is reh-ok network.iptables rehearsal_rules 23
# No private netns (a sandbox without CAP_SYS_ADMIN): the listing decides, and says so.
rehearsed reh-eperm 'unshare=EPERM'
expect reh-eperm network.iptables pass "lists the tables Docker uses"
expect reh-eperm network.iptables pass "not rehearsed: no private network namespace (EPERM)"
evidence_is reh-eperm network.iptables rehearsal "not run: unshare(CLONE_NEWNET) failed with EPERM"
rehearsed reh-junk 'failed ms=1 rule=; exit=2'
expect reh-junk network.iptables pass "lists the tables Docker uses"
# Docker's chains in the other backend's nat table: a warning, pick one.
rehearsed reh-mixed 'ok rules=23 ms=9'
obs "$TMP/reh-mixed" 'network.iptables.other_backend=iptables-legacy docker=7'
run reh-mixed "$TMP/reh-mixed"
expect reh-mixed network.iptables warn "also in the other backend"
remedy_has reh-mixed network.iptables "iptables-legacy-save"
remedy_lacks reh-mixed network.iptables "fuser"
# An older capture without the rehearsal: the listing alone, nothing said about it.
r=$TMP/reh-none
host "$r"
run reh-none "$r"
check "reh-none: no rehearsal evidence" eval '[ -z "$(jget "$(out reh-none)" checks.network.iptables.evidence.rehearsal)" ]'

# Live, as root: a fake iptables first in PATH, rehearsed for real in a private netns.
fakes=$TMP/fake-ipt
mkdir -p "$fakes"
fake_iptables() { # fake_iptables 1|0: an iptables whose -j RETURN fails as one without extensions, or not
	cat >"$fakes/iptables" <<EOF
#!/bin/sh
case "\$*" in
-V) echo 'iptables v1.8.9 (nf_tables)'; exit 0;;
*' -S') exit 0;;
*'-j RETURN'*) if [ $1 = 1 ]; then
	echo "iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist" >&2
	echo "Try \\\`iptables -h' or 'iptables --help' for more information." >&2; exit 2
fi;;
esac
exit 0
EOF
	chmod 755 "$fakes/iptables"
}
if [ "$(id -u)" != 0 ]; then
	skip "live rehearsal: not root"
else
	fake_iptables 1
	PATH=$fakes:$PATH nc live-ext --json --only network.iptables --record "$TMP/live-ext.obs"
	if grep -q '^network.iptables.rehearsal=unshare=' "$TMP/live-ext.obs"; then
		skip "live rehearsal: no private network namespace here"
		expect live-ext network.iptables pass "not rehearsed"
	else
		expect live-ext network.iptables fail "fails on \`$RETURN_RULE\`"
		remedy_has live-ext network.iptables "apt-get install -y --reinstall iptables"
		check "live-ext: exit 1" rc_is 1
		# The recorded capture replays to the same verdict.
		r=$TMP/live-ext-replay
		host "$r"
		: >"$r/.nestcheck/observations"
		cat "$TMP/live-ext.obs" >>"$r/.nestcheck/observations"
		nc live-ext-replay --root "$r" --json --only network.iptables
		expect live-ext-replay network.iptables fail "fails on \`$RETURN_RULE\`"
		check "live-ext: the replay gives the same summary" eval \
			'[ "$(jget "$(out live-ext-replay)" checks.network.iptables.summary)" = "$(jget "$(out live-ext)" checks.network.iptables.summary)" ]'
		fake_iptables 0
		PATH=$fakes:$PATH nc live-ok --json --only network.iptables
		expect live-ok network.iptables pass "runs dockerd's 23 start rules"
	fi
	# --no-probes: nothing runs, the check says why it skips.
	PATH=$fakes:$PATH nc live-noprobes --json --only network.iptables --no-probes
	expect live-noprobes network.iptables skip "not probed with --no-probes"
	check "live-noprobes: no rehearsal evidence" eval '[ -z "$(jget "$(out live-noprobes)" checks.network.iptables.evidence.rehearsal)" ]'
fi

finish
