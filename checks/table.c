/* SPDX-License-Identifier: Apache-2.0 */
#include "checks.h"
#include "lxd/lxd.h"
#include "policy/policy.h"

/* Every check, in report order, areas together. Ids are public (CONTRACT.md): never rename one. */
const struct check check_table[] = {
	/* Only when nestcheck lxd NAME (or a capture of one) has an instance to judge. */
	{"lxd.instance", "lxd", "LXD instance configuration", 0, check_lxd_instance, lxd_instance_wanted},
	{"container.detect", "container", "Where nestcheck runs", 0, check_container_detect, NULL},
	{"container.nesting", "container", "Nesting enabled for this container", 0, check_container_nesting, NULL},
	{"kernel.version", "kernel", "Kernel release new enough for Docker", 0, check_kernel_version, NULL},
	{"kernel.config", "kernel", "Kernel build options Docker needs", CHECK_PREFETCH, check_kernel_config, NULL},
	{"kernel.keyring", "kernel", "Session keyring for each container", CHECK_LIVE, check_kernel_keyring, NULL},
	{"modules.required", "modules", "Kernel modules Docker needs", CHECK_LIVE, check_modules_required, NULL},
	{"cgroup.layout", "cgroup", "Cgroup hierarchies mounted", 0, check_cgroup_layout, NULL},
	{"cgroup.namespace", "cgroup", "Cgroup namespaces", CHECK_LIVE, check_cgroup_namespace, NULL},
	{"cgroup.delegation", "cgroup", "Cgroups creatable for containers", CHECK_LIVE, check_cgroup_delegation, NULL},
	{"namespace.unshare", "namespace", "New namespaces for containers", CHECK_LIVE, check_namespace_unshare, NULL},
	{"namespace.proc_mount", "namespace", "Proc mount in a new pid namespace", CHECK_LIVE,
	 check_namespace_proc_mount, NULL},
	{"namespace.sysfs_mount", "namespace", "Sysfs mount in a new network namespace", CHECK_LIVE,
	 check_namespace_sysfs_mount, NULL},
	{"userns.enabled", "userns", "User namespaces enabled", CHECK_PREFETCH, check_userns_enabled, NULL},
	{"userns.idmap", "userns", "User id map wide enough for images", 0, check_userns_idmap, NULL},
	{"device.mknod", "device", "Device nodes and overlay whiteouts", CHECK_LIVE, check_device_mknod, NULL},
	{"process.oom_score_adj", "process", "Lowering the OOM score", CHECK_LIVE, check_process_oom_score_adj, NULL},
	{"apparmor.status", "apparmor", "AppArmor lets Docker load its profiles", CHECK_LIVE, check_apparmor_status,
	 NULL},
	{"apparmor.parser", "apparmor", "apparmor_parser for Docker's profile", CHECK_LIVE, check_apparmor_parser,
	 NULL},
	{"seccomp.status", "seccomp", "Seccomp filter and syscall interception", CHECK_LIVE, check_seccomp_status,
	 NULL},
	{"overlay.support", "overlay", "Kernel overlay filesystem", 0, check_overlay_support, NULL},
	{"overlay.mount", "overlay", "Overlay mount on the data root", CHECK_LIVE, check_overlay_mount, NULL},
	{"storage.backing_fs", "storage", "Filesystem under Docker's data root", CHECK_LIVE, check_storage_backing_fs,
	 NULL},
	{"storage.block", "storage", "Block device under the data root", CHECK_LIVE, check_storage_block, NULL},
	{"storage.zfs", "storage", "OpenZFS new enough for overlay", CHECK_LIVE, check_storage_zfs, NULL},
	{"storage.xattr", "storage", "Overlay xattrs on the data root", CHECK_LIVE, check_storage_xattr, NULL},
	{"network.loopback", "network", "Loopback interface up", 0, check_network_loopback, NULL},
	{"network.ip_forward", "network", "IPv4 forwarding", CHECK_LIVE, check_network_ip_forward, NULL},
	{"network.iptables", "network", "iptables backend and tables", CHECK_LIVE, check_network_iptables, NULL},
	{"network.bridge_nf", "network", "Bridged traffic through iptables", CHECK_LIVE, check_network_bridge_nf, NULL},
	{"runtime.lxc", "runtime", "LXC release new enough", CHECK_LIVE | CHECK_PREFETCH, check_runtime_lxc, NULL},
	{"runtime.lxcfs", "runtime", "LXCFS new enough and answering", CHECK_LIVE | CHECK_PREFETCH, check_runtime_lxcfs,
	 NULL},
	{"runtime.lxd", "runtime", "LXD release new enough", CHECK_LIVE | CHECK_PREFETCH, check_runtime_lxd, NULL},
	{"runtime.incus", "runtime", "Incus release new enough", CHECK_LIVE | CHECK_PREFETCH, check_runtime_incus,
	 NULL},
	{"runtime.docker", "runtime", "Docker, containerd and runc versions", CHECK_LIVE | CHECK_PREFETCH,
	 check_runtime_docker, NULL},
	{"runtime.engine", "runtime", "Docker engine answers", CHECK_LIVE, check_runtime_engine, NULL},
	{"launch.container", "launch", "A container starts through the engine", CHECK_LIVE, check_launch_container,
	 NULL},
	{"launch.nested", "launch", "The next level inside a container", CHECK_LIVE, check_launch_nested, NULL},
	{"launch.network", "launch", "A networked workload: bridge, published port, name", CHECK_LIVE,
	 check_launch_network, NULL},
	/* Only with --policy; last, since it judges what ran before it. */
	{"policy.gate", "policy", "Site policy", CHECK_GATE, check_policy_gate, policy_wanted},
};

const size_t check_table_size = ARRAY_SIZE(check_table);

const struct check_ahead check_ahead_table[] = {
	/* modules.required asks which backend iptables uses: `iptables -V`, from the start (it loads nothing). */
	{"modules.required", NULL, check_iptables_version_ahead},
	/* iptables' commands take most of a live run; they load modules, so modules.required looks first. */
	{"network.iptables", "modules.required", check_network_iptables_ahead},
};
const size_t check_ahead_table_size = ARRAY_SIZE(check_ahead_table);
