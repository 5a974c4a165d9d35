/* SPDX-License-Identifier: Apache-2.0 */
#include "checks.h"

/* Every check, in report order, areas together. Ids are public (CONTRACT.md): never rename one. */
const struct check check_table[] = {
	{"container.detect", "container", "Where nestcheck runs", 0, check_container_detect},
	{"container.nesting", "container", "Nesting enabled for this container", 0, check_container_nesting},
	{"kernel.version", "kernel", "Kernel release new enough for Docker", 0, check_kernel_version},
	{"kernel.config", "kernel", "Kernel build options Docker needs", 0, check_kernel_config},
	{"kernel.keyring", "kernel", "Session keyring for each container", CHECK_LIVE, check_kernel_keyring},
	{"modules.required", "modules", "Kernel modules Docker needs", CHECK_LIVE, check_modules_required},
	{"cgroup.layout", "cgroup", "Cgroup hierarchies mounted", 0, check_cgroup_layout},
	{"cgroup.namespace", "cgroup", "Cgroup namespaces", CHECK_LIVE, check_cgroup_namespace},
	{"cgroup.delegation", "cgroup", "Cgroups creatable for containers", CHECK_LIVE, check_cgroup_delegation},
	{"namespace.unshare", "namespace", "New namespaces for containers", CHECK_LIVE, check_namespace_unshare},
	{"namespace.proc_mount", "namespace", "Proc mount in a new pid namespace", CHECK_LIVE,
	 check_namespace_proc_mount},
	{"namespace.sysfs_mount", "namespace", "Sysfs mount in a new network namespace", CHECK_LIVE,
	 check_namespace_sysfs_mount},
	{"userns.enabled", "userns", "User namespaces enabled", 0, check_userns_enabled},
	{"userns.idmap", "userns", "User id map wide enough for images", 0, check_userns_idmap},
	{"device.mknod", "device", "Device nodes and overlay whiteouts", CHECK_LIVE, check_device_mknod},
	{"process.oom_score_adj", "process", "Lowering the OOM score", CHECK_LIVE, check_process_oom_score_adj},
	{"apparmor.status", "apparmor", "AppArmor lets Docker load its profiles", CHECK_LIVE, check_apparmor_status},
	{"seccomp.status", "seccomp", "Seccomp filter and syscall interception", CHECK_LIVE, check_seccomp_status},
	{"overlay.support", "overlay", "Kernel overlay filesystem", 0, check_overlay_support},
	{"overlay.mount", "overlay", "Overlay mount on the data root", CHECK_LIVE, check_overlay_mount},
	{"storage.backing_fs", "storage", "Filesystem under Docker's data root", CHECK_LIVE, check_storage_backing_fs},
	{"storage.block", "storage", "Block device under the data root", CHECK_LIVE, check_storage_block},
	{"storage.zfs", "storage", "OpenZFS new enough for overlay", CHECK_LIVE, check_storage_zfs},
	{"storage.xattr", "storage", "Overlay xattrs on the data root", CHECK_LIVE, check_storage_xattr},
	{"network.ip_forward", "network", "IPv4 forwarding", CHECK_LIVE, check_network_ip_forward},
	{"network.iptables", "network", "iptables backend and tables", CHECK_LIVE, check_network_iptables},
	{"network.bridge_nf", "network", "Bridged traffic through iptables", CHECK_LIVE, check_network_bridge_nf},
	{"runtime.lxc", "runtime", "LXC release new enough", CHECK_LIVE, check_runtime_lxc},
	{"runtime.lxcfs", "runtime", "LXCFS new enough and answering", CHECK_LIVE, check_runtime_lxcfs},
	{"runtime.lxd", "runtime", "LXD release new enough", CHECK_LIVE, check_runtime_lxd},
	{"runtime.docker", "runtime", "Docker, containerd and runc versions", CHECK_LIVE, check_runtime_docker},
	{"runtime.engine", "runtime", "Docker engine answers", CHECK_LIVE, check_runtime_engine},
	{"launch.container", "launch", "A container starts through the engine", CHECK_LIVE, check_launch_container},
	{"launch.nested", "launch", "The next level inside a container", CHECK_LIVE, check_launch_nested},
};

const size_t check_table_size = ARRAY_SIZE(check_table);
