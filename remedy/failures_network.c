/* SPDX-License-Identifier: Apache-2.0 */
/* Known failures of networking, devices and Kubernetes. */
#include "entries.h"

#include <libmount.h>

/* ---------------------------------------------------------------- 7. networking */

static void remedy_netfilter_modules(struct ctx *c, struct result *r)
{
	fix_modules_load_words(c, r, "ip_tables iptable_nat iptable_filter nf_nat bridge br_netfilter");
}

static const char *const netfilter_modules_patterns[] = {
	/* iptables quotes the name 'nat' or, in older releases, `nat' */
	"can't initialize iptables table *nat': Table does not exist",
	"can't initialize iptables table *filter': Table does not exist",
	"can't initialize iptables table *mangle': Table does not exist",
	"failed to create NAT chain DOCKER",
	"Running modprobe bridge br_netfilter failed",
	"could not open moddep file",
	NULL,
};

static void remedy_nf_tables_modules(struct ctx *c, struct result *r)
{
	fix_modules_load_words(c, r, "nf_tables nft_chain_nat nft_compat nf_nat bridge br_netfilter");
}

static const char *const nf_tables_modules_patterns[] = {
	"Failed to initialize nft: Protocol not supported",
	NULL,
};

const struct failure failure_nf_tables_modules = {
	.id = "nf-tables-modules-missing",
	.code = "N14",
	.title = "nf_tables not loaded for iptables' nft backend",
	.cause = "iptables here is the nft variant (iptables-nft, Debian's default since 10), which speaks to the "
		 "kernel's nf_tables. A container cannot load modules, and the host has not loaded nf_tables and "
		 "the modules its NAT and iptables-compatibility rules need.",
	.patterns = nf_tables_modules_patterns,
	.remedy = remedy_nf_tables_modules,
};

const struct failure failure_netfilter_modules = {
	.id = "netfilter-modules-missing",
	.code = "N1",
	.title = "iptables modules not loaded",
	.cause = "The engine's NAT and filter rules need ip_tables, iptable_nat and nf_nat (or their nf_tables "
		 "counterparts). A container cannot load modules, and the host has not loaded them.",
	.patterns = netfilter_modules_patterns,
	.remedy = remedy_netfilter_modules,
};

static void remedy_br_netfilter(struct ctx *c, struct result *r)
{
	fix_modules_load_words(c, r, "br_netfilter");
	result_remedy(r, ctx_here(c),
		      "Or keep Docker's defaults for inter-container traffic (\"icc\": true, the default) and the "
		      "userland proxy, which need no br_netfilter.",
		      NULL);
}

static const char *const br_netfilter_patterns[] = {
	"please ensure that br_netfilter kernel module is loaded",
	"loadBridgeNetFilterModule failed",
	"bridge-nf-call-iptables does not exist",
	NULL,
};

const struct failure failure_br_netfilter = {
	.id = "br-netfilter-missing",
	.code = "N2",
	.title = "br_netfilter not loaded",
	.cause = "Filtering traffic between containers on a bridge needs the br_netfilter module, which the host "
		 "has not loaded and a container cannot.",
	.patterns = br_netfilter_patterns,
	.remedy = remedy_br_netfilter,
};

static void remedy_raw_table(struct ctx *c, struct result *r)
{
	fix_modules_load_words(c, r, "iptable_raw ip6table_raw");
	result_remedy(r, ctx_here(c), "Or use the nf_tables backend of iptables, which needs no iptable_raw:",
		      "update-alternatives --set iptables /usr/sbin/iptables-nft",
		      "update-alternatives --set ip6tables /usr/sbin/ip6tables-nft", NULL);
}

static const char *const raw_table_patterns[] = {
	"can't initialize iptables table *raw': Table does not exist",
	"Unable to enable DIRECT ACCESS FILTERING - DROP rule",
	NULL,
};

const struct failure failure_raw_table = {
	.id = "docker28-raw-table",
	.code = "N3",
	.title = "iptables raw table missing (Docker 28+)",
	.cause = "Docker 28 and later add rules to the raw table for published ports, which needs the iptable_raw "
		 "module (CONFIG_IP_NF_RAW).",
	.patterns = raw_table_patterns,
	.remedy = remedy_raw_table,
};

static void remedy_ip6tables(struct ctx *c, struct result *r)
{
	fix_modules_load_words(c, r, "ip6_tables ip6table_nat ip6table_filter");
	result_remedy(r, ctx_here(c),
		      "Or turn Docker's IPv6 firewalling off: add \"ip6tables\": false to /etc/docker/daemon.json "
		      "(merged into the object already there), then restart dockerd.",
		      NULL);
}

static const char *const ip6tables_patterns[] = {
	"ip6tables is enabled, but cannot set up ip6tables chains",
	"can't initialize ip6tables table *': Table does not exist",
	NULL,
};

const struct failure failure_ip6tables = {
	.id = "ip6tables-default",
	.code = "N4",
	.title = "ip6tables modules missing (Docker 27+)",
	.cause = "Docker 27 and later set up ip6tables by default and need the ip6_tables and ip6table_nat "
		 "modules.",
	.patterns = ip6tables_patterns,
	.remedy = remedy_ip6tables,
};

static void remedy_netns_owned(struct ctx *c, struct result *r)
{
	if (streq(ctx_runtime(c), "systemd-nspawn")) {
		result_remedy(r, WHERE_HOST, "Give the container a network namespace of its own:",
			      "systemd-nspawn --private-network ...", NULL);
		return;
	}
	if (in_lxc(c)) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m = fix_remedy(r, t,
						      "Root here does not own the network namespace (it shares the "
						      "host's). Give the container its own network (a veth NIC on the "
						      "platform's bridge), then restart it:");
			fix_add_nic(m, t);
			fix_restart(m, t);
		}
		return;
	}
	result_remedy(r, ctx_here(c),
		      "Root in a user namespace may change netfilter rules only in a network namespace that "
		      "namespace owns. Run the engine in a container with a network of its own; bit 12 of CapEff "
		      "shows whether root has CAP_NET_ADMIN:",
		      "grep CapEff /proc/self/status", NULL);
}

static const char *const netns_owned_patterns[] = {
	"Could not fetch rule set generation id: Permission denied",
	NULL,
};

const struct failure failure_netns_owned = {
	.id = "netns-not-owned",
	.code = "N5",
	.title = "Network namespace not owned by the container",
	.cause = "Root in a user namespace that does not own the network namespace (a shared host network, "
		 "nspawn's PrivateUsers without a private network) cannot touch netfilter.",
	.patterns = netns_owned_patterns,
	.remedy = remedy_netns_owned,
};

static void remedy_conntrack(struct ctx *c, struct result *r)
{
	fix_host_sysctl(c, r, "net.netfilter.nf_conntrack_max=524288", "90-nestcheck-conntrack.conf");
	result_remedy(r, ctx_here(c),
		      "Then keep kube-proxy from setting it (k3s: --kube-proxy-arg=conntrack-max-per-core=0):",
		      "kube-proxy --conntrack-max-per-core=0 ...", NULL);
}

static const char *const conntrack_patterns[] = {
	"open /proc/sys/net/netfilter/nf_conntrack_max: permission denied",
	"write /sys/module/nf_conntrack/parameters/hashsize: operation not supported",
	NULL,
};

const struct failure failure_conntrack = {
	.id = "netfilter-sysctl-readonly",
	.code = "N6",
	.title = "Conntrack settings read-only in the container",
	.cause = "kube-proxy sets nf_conntrack_max and the conntrack hash size, which are global to the host and "
		 "read-only inside a container.",
	.patterns = conntrack_patterns,
	.remedy = remedy_conntrack,
};

static void remedy_loopback_down(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "The loopback interface is down (a minimal init never brings it up), so nothing can listen "
		      "on 127.0.0.1 and the userland proxy cannot publish a port there. Bring it up now, and add "
		      "the same line to the init's start script (systemd and ifupdown do it themselves):",
		      "ip link set lo up", NULL);
}

static const char *const loopback_down_patterns[] = {
	"Error starting userland proxy: listen tcp4 127.0.0.1:*: bind: cannot assign requested address",
	"listen tcp4 127.0.0.1:*: bind: cannot assign requested address",
	/* Reaching a published port through 127.0.0.1: launch.network's words, and Go's (curl says "Couldn't connect").
	 */
	"connect to 127.0.0.1:*: Network is unreachable",
	"dial tcp 127.0.0.1:*: connect: network is unreachable",
	NULL,
};

const struct failure failure_loopback_down = {
	.id = "loopback-down",
	.code = "N8",
	.title = "Loopback interface down",
	.cause = "The container's init left lo down: 127.0.0.1 is not assigned, so a port published on it cannot "
		 "be bound and connections to it find no route.",
	.patterns = loopback_down_patterns,
	.remedy = remedy_loopback_down,
};

static void remedy_xtables_missing(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "iptables finds none of its extension libraries (its xtables directory is missing, as in an "
		      "image made by copying binaries), so every rule with a target such as RETURN, MASQUERADE or "
		      "DNAT fails. Install iptables as a package:",
		      "apt-get update && apt-get install -y --reinstall iptables", NULL);
}

static const char *const xtables_missing_patterns[] = {
	"Chain 'RETURN' does not exist",
	"unable to add return rule in DOCKER-ISOLATION-STAGE-1 chain",
	"Couldn't load target `*':No such file or directory",
	"Couldn't load match `*':No such file or directory",
	/* The legacy backend's words for the same lack. */
	"Couldn't load target `standard':No such file or directory",
	NULL,
};

const struct failure failure_xtables_missing = {
	.id = "iptables-extensions-missing",
	.code = "N9",
	.title = "iptables without its extensions",
	.cause = "iptables lists its tables but cannot load the extension libraries behind targets and matches, "
		 "so dockerd cannot create its chains and rules and does not start with its default networking.",
	.patterns = xtables_missing_patterns,
	.remedy = remedy_xtables_missing,
};

/*
 * The bridge driver's own failures (moby's libnetwork, drivers/bridge): a
 * kernel without the veth or bridge device, /proc/sys read-only for
 * ip_forward, and the address pools used up.
 */
static void remedy_veth(struct ctx *c, struct result *r)
{
	fix_module(c, r,
		   "The kernel cannot make the veth pair that joins a container to its bridge: the veth module is "
		   "not loaded and cannot be from here (a container, or a kernel upgraded without a reboot, whose "
		   "modules are gone from /lib/modules). Load it on the host:",
		   "veth");
	result_remedy(r, WHERE_HOST,
		      "If `modprobe veth` says the module is not found, the running kernel's modules were removed by "
		      "an upgrade: reboot into the installed kernel.",
		      "uname -r; ls /lib/modules", NULL);
}

static const char *const veth_patterns[] = {
	"failed to add the host (*) <=> sandbox (*) pair interfaces: operation not supported",
	"pair interfaces: operation not supported",
	NULL,
};

const struct failure failure_veth = {
	.id = "veth-unsupported",
	.code = "N10",
	.title = "No veth pairs",
	.cause = "Every container on a bridge network is joined to it by a veth pair; the kernel refuses to create "
		 "one when the veth module is not loaded and cannot be loaded where dockerd runs.",
	.patterns = veth_patterns,
	.remedy = remedy_veth,
};

static void remedy_bridge_missing(struct ctx *c, struct result *r)
{
	fix_module(c, r,
		   "The kernel cannot create a bridge device: the bridge module is not loaded and cannot be from "
		   "here. Load it on the host (with it, dockerd creates docker0 and user-defined networks):",
		   "bridge");
}

static const char *const bridge_missing_patterns[] = {
	"Error creating default \"bridge\" network: package not installed",
	"bridge* network: package not installed",
	"failed to create bridge * via netlink: operation not supported",
	NULL,
};

const struct failure failure_bridge_missing = {
	.id = "bridge-unsupported",
	.code = "N11",
	.title = "No bridge devices",
	.cause = "dockerd's bridge driver creates a Linux bridge for docker0 and for every user-defined network; "
		 "without the bridge module (ENOPKG from the ioctl it falls back to) it cannot, and with its "
		 "default network it does not start at all.",
	.patterns = bridge_missing_patterns,
	.remedy = remedy_bridge_missing,
};

static void remedy_ip_forward_ro(struct ctx *c, struct result *r)
{
	static const char *const settings[] = {"net.ipv4.ip_forward=1"};
	fix_netns_sysctl(c, r, settings, ARRAY_SIZE(settings), "99-docker-ip-forward.conf");
}

static const char *const ip_forward_patterns[] = {
	"Enabling IP forwarding failed: *read-only file system",
	"open /proc/sys/net/ipv4/ip_forward: read-only file system",
	"Setup IP forwarding failed: *read-only file system",
	"Enabling IP forwarding failed: *permission denied",
	NULL,
};

const struct failure failure_ip_forward_ro = {
	.id = "ip-forward-readonly",
	.code = "N12",
	.title = "IPv4 forwarding cannot be turned on",
	.cause = "dockerd's bridge driver writes 1 to /proc/sys/net/ipv4/ip_forward when it finds 0; where /proc/sys "
		 "is read-only (an LXC container's proc:mixed, a Docker container) the write fails and dockerd does "
		 "not start with its default networking.",
	.patterns = ip_forward_patterns,
	.remedy = remedy_ip_forward_ro,
};

static void remedy_address_pools(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "Every private address range dockerd may give a new network is taken (by its own networks, or "
		      "by routes of this machine: VPNs, LXD bridges). Remove networks nothing uses:",
		      "docker network prune -f", NULL);
	result_remedy(r, ctx_here(c),
		      "Or give dockerd pools of its own in /etc/docker/daemon.json (merge with what is there), then "
		      "restart it:",
		      "cat /etc/docker/daemon.json 2>/dev/null; ip route",
		      "printf '%s\\n' '{\"default-address-pools\": [{\"base\": \"10.201.0.0/16\", \"size\": 24}]}' > "
		      "/etc/docker/daemon.json",
		      "systemctl restart docker || service docker restart", NULL);
}

static const char *const address_pools_patterns[] = {
	"could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network",
	"all predefined address pools have been fully subnetted",
	NULL,
};

const struct failure failure_address_pools = {
	.id = "address-pools-exhausted",
	.code = "N13",
	.title = "No address range left for a network",
	.cause = "dockerd picks each new bridge network's subnet from its default address pools, skipping ranges "
		 "already routed on this machine; when none is left, no network can be created (and docker0 not at "
		 "start).",
	.patterns = address_pools_patterns,
	.remedy = remedy_address_pools,
};

/* ---------------------------------------------------------------- 8. devices, Kubernetes */

static void remedy_kmsg(struct ctx *c, struct result *r)
{
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(
			r, t,
			"The container's /dev has no kmsg, which kubelet opens. Pass the host's in, then restart the "
			"container:");
		fix_add_char_device(m, t, "kmsg", "/dev/kmsg", "1:11");
		fix_restart(m, t);
	}
}

static const char *const kmsg_patterns[] = {
	"open /dev/kmsg: no such file or directory",
	NULL,
};

const struct failure failure_kmsg = {
	.id = "dev-kmsg-missing",
	.code = "D1",
	.title = "/dev/kmsg missing",
	.cause = "An LXC container's /dev is a small tmpfs without /dev/kmsg, which kubelet (k3s, k0s, kind, "
		 "kubeadm) needs.",
	.patterns = kmsg_patterns,
	.remedy = remedy_kmsg,
};

static void remedy_fuse(struct ctx *c, struct result *r)
{
	fix_modules_load_words(c, r, "fuse");
	if (!in_lxc(c)) {
		/* Not inside the container (explain on a host): Proxmox VE's form too, its own feature. */
		struct fix_target t = {.platform = PLATFORM_PROXMOX, .instance = "ID", .lead = NULL};
		struct remedy *m = fix_remedy(r, t, "Proxmox VE: turn on the fuse feature for the container:");
		fix_add_char_device(m, t, "fuse", "/dev/fuse", "10:229");
		fix_restart(m, t);
		return;
	}
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(r, t, "Pass /dev/fuse into the container, then restart it:");
		fix_add_char_device(m, t, "fuse", "/dev/fuse", "10:229");
		fix_restart(m, t);
	}
}

static const char *const fuse_patterns[] = {
	"fuse: device not found, try 'modprobe fuse' first",
	NULL,
};

const struct failure failure_fuse = {
	.id = "dev-fuse-missing",
	.code = "D2",
	.title = "/dev/fuse missing",
	.cause = "/dev/fuse is not passed into the container, or the fuse module is not loaded on the host, so "
		 "fuse-overlayfs cannot work.",
	.patterns = fuse_patterns,
	.remedy = remedy_fuse,
};

static void remedy_devices_narrow(struct ctx *c, struct result *r)
{
	if (in_app_container(c)) {
		fix_outer_privileged(c, r,
				     "The outer container's devices cgroup lacks a device the inner engine gives its "
				     "containers. Start the outer container privileged:");
		return;
	}
	FIX_FOREACH_TARGET(c, t)
	{
		bool lxd_like = t.platform == PLATFORM_LXD || t.platform == PLATFORM_INCUS;
		struct remedy *m = fix_remedy(
			r, t,
			lxd_like
				? "LXD and Incus allow the devices Docker gives its containers; a rule in this "
				  "instance's raw.lxc denies one. Find it, remove it, then restart the instance:"
				: "The container's devices cgroup lacks /dev/net/tun (c 10:200), which Docker gives every "
				  "container and LXC's common.conf does not list; on a cgroup v1 host runc cannot grant "
				  "more than the container has. Allow it, then restart the container:");
		fix_allow_device(m, t, "10:200");
		fix_restart(m, t);
	}
}

static const char *const devices_narrow_patterns[] = {
	"failed to write \"c *:* rwm\"*devices.allow: operation not permitted",
	"failed to write \"b *:* rwm\"*devices.allow: operation not permitted",
	NULL,
};

const struct failure failure_devices_narrow = {
	.id = "devices-cgroup-narrower",
	.code = "D4",
	.title = "A device Docker allows is missing from the container's devices cgroup",
	.cause = "On cgroup v1 a container's devices cgroup can only narrow its parent's list. runc gives every "
		 "container /dev/net/tun (c 10:200), which LXC's common.conf (plain LXC, Proxmox VE 6) does not "
		 "allow, so writing the rule fails.",
	.patterns = devices_narrow_patterns,
	.remedy = remedy_devices_narrow,
};

static void remedy_kubelet_sysctl(struct ctx *c, struct result *r)
{
	fix_host_sysctl(c, r, "vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1",
			"90-nestcheck-kubelet.conf");
	result_remedy(r, ctx_here(c),
		      "kubelet skips the write when the value already matches. Or start it with the feature gate "
		      "for user namespaces:",
		      "kubelet --feature-gates=KubeletInUserNamespace=true ...", NULL);
}

static const char *const kubelet_sysctl_patterns[] = {
	"open /proc/sys/vm/overcommit_memory: permission denied",
	"open /proc/sys/kernel/panic: permission denied",
	"open /proc/sys/kernel/panic_on_oops: permission denied",
	NULL,
};

const struct failure failure_kubelet_sysctl = {
	.id = "kubelet-kernel-tunables",
	.code = "D3",
	.title = "kubelet cannot set kernel tunables",
	.cause = "kubelet writes global sysctls (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops), which "
		 "are read-only inside a container.",
	.patterns = kubelet_sysctl_patterns,
	.remedy = remedy_kubelet_sysctl,
};
