/* SPDX-License-Identifier: Apache-2.0 */
/* Known failures of the kernel and of cgroups. */
#include "entries.h"

#include <libmount.h>

/* ---------------------------------------------------------------- 1. kernel */

static void remedy_kernel_too_old(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      ctx_in_container(c)
			      ? "Docker needs Linux 3.10 or newer, and a container runs on its host's kernel. On an "
				"OpenVZ or Virtuozzo VPS that kernel is the provider's: move to a KVM virtual machine "
				"or a host with a current kernel. The running kernel:"
			      : "Docker needs Linux 3.10 or newer: boot a current kernel (the distribution's). The "
				"running kernel:",
		      "uname -r", NULL);
}

static const char *const kernel_too_old_patterns[] = {
	"Your Linux kernel version * is not supported for running docker",
	"Please upgrade your kernel to 3.10.0 or newer",
	NULL,
};

const struct failure failure_kernel_too_old = {
	.id = "kernel-too-old",
	.code = "K1",
	.title = "Kernel older than Docker's minimum (3.10)",
	.cause = "dockerd refuses kernels older than 3.10. Old OpenVZ/Virtuozzo VPS plans run every guest on the "
		 "provider's 2.6-era kernel, and nothing inside the guest can change it.",
	.patterns = kernel_too_old_patterns,
	.remedy = remedy_kernel_too_old,
};

static void remedy_kernel_config(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      ctx_in_container(c)
			      ? "The host's kernel lacks a feature Docker needs (custom and embedded kernels often "
				"do). On the host, list the missing options, then boot a kernel built with them (a "
				"distribution kernel has them all):"
			      : "The kernel lacks a feature Docker needs (custom and embedded kernels often do). List "
				"the missing options, then boot a kernel built with them (a distribution kernel has "
				"them all):",
		      "nestcheck --only kernel.config,modules.required", NULL);
}

static const char *const kernel_config_patterns[] = {
	"bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument",
	"Table does not exist (do you need to insmod?)",
	"cgroup subsystem 'devices' is missing",
	NULL,
};

const struct failure failure_kernel_config = {
	.id = "kernel-config-missing",
	.code = "K2",
	.title = "Kernel built without options Docker needs",
	.cause = "Custom and vendor kernels (OpenWrt, single-board computers) leave out options Docker relies on: "
		 "cgroup controllers, cgroup BPF, netfilter tables, bridge netfilter, overlayfs.",
	.patterns = kernel_config_patterns,
	.remedy = remedy_kernel_config,
};

static void remedy_cgroupv2_kernel(struct ctx *c, struct result *r)
{
	(void)c;
	result_remedy(r, WHERE_HOST,
		      "On cgroup v2, runc enforces device rules with BPF programs attached to cgroups: the kernel "
		      "must be 4.15 or newer and built with CONFIG_CGROUP_BPF (5.2 or newer is advised). Check the "
		      "host's kernel and upgrade it:",
		      "uname -r", "zgrep CONFIG_CGROUP_BPF /proc/config.gz", NULL);
	fix_kernel_cmdline(r, "If the kernel cannot be upgraded, boot the host with the legacy cgroup v1 layout:",
			   "systemd.unified_cgroup_hierarchy=0");
}

static const char *const cgroupv2_kernel_patterns[] = {
	"setting cgroup config for procHooks process*bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument",
	NULL,
};

const struct failure failure_cgroupv2_kernel = {
	.id = "cgroupv2-kernel-too-old",
	.code = "K3",
	.title = "cgroup v2 on a kernel too old for it",
	.cause = "systemd switched the host to cgroup v2, but the kernel predates the cgroup BPF device control "
		 "runc needs there (4.15), and may lack the cpu and cpuset controllers on v2.",
	.patterns = cgroupv2_kernel_patterns,
	.remedy = remedy_cgroupv2_kernel,
};

static void remedy_memcg_disabled(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      ctx_in_container(c) ? "The host's kernel runs without the memory cgroup controller. See "
					    "whether its command line turns it off:"
					  : "The kernel runs without the memory cgroup controller. See whether its "
					    "command line turns it off:",
		      "grep -o 'cgroup_[a-z]*=[a-z,]*' /proc/cmdline", NULL);
	struct remedy *m =
		result_remedy(r, WHERE_HOST,
			      "Raspberry Pi OS (and some other ARM kernels) boot with cgroup_disable=memory: append "
			      "cgroup_enable=memory cgroup_memory=1 to the single line of /boot/firmware/cmdline.txt "
			      "(/boot/cmdline.txt on older releases), then reboot:",
			      NULL);
	remedy_command(m, "sed -i '1 s/$/ cgroup_enable=memory cgroup_memory=1/' /boot/firmware/cmdline.txt && reboot");
	fix_kernel_cmdline(r, "On a GRUB system, add the same words to GRUB_CMDLINE_LINUX:",
			   "cgroup_enable=memory cgroup_memory=1");
}

static const char *const memcg_disabled_patterns[] = {
	"WARNING: No memory limit support",
	"does not support memory limit capabilities or the cgroup is not mounted",
	"failed to find memory cgroup",
	NULL,
};

const struct failure failure_memcg_disabled = {
	.id = "memcg-disabled",
	.code = "K4",
	.title = "Memory cgroup controller disabled",
	.cause = "The kernel was booted with the memory controller off (cgroup_disable=memory, the Raspberry Pi "
		 "default), so memory limits are ignored and Kubernetes distributions refuse to start.",
	.patterns = memcg_disabled_patterns,
	.remedy = remedy_memcg_disabled,
};

static void remedy_keyring_quota(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "runc gives every container a session keyring, charged to the host uid its root maps to. "
		      "For an unprivileged container that is an ordinary user with the small per-user quota (200 "
		      "keys, 20000 bytes), shared by every container on the same id map.",
		      NULL);
	fix_host_sysctl(c, r, "kernel.keys.maxkeys=2000 kernel.keys.maxbytes=2000000", "90-nestcheck-keys.conf");
}

static const char *const keyring_quota_patterns[] = {
	"create session key: disk quota exceeded",
	"join session keyring*disk quota exceeded",
	NULL,
};

const struct failure failure_keyring_quota = {
	.id = "keyring-quota",
	.code = "K5",
	.title = "Kernel key quota exhausted",
	.cause = "runc creates a session keyring for each container. In an unprivileged container root is an "
		 "ordinary host uid, so the small per-user key quota (kernel.keys.maxkeys, maxbytes) runs out.",
	.patterns = keyring_quota_patterns,
	.remedy = remedy_keyring_quota,
};

/* ---------------------------------------------------------------- 2. cgroups */

static void remedy_cgroupv2_docker(struct ctx *c, struct result *r)
{
	int layout = cgroup_layout(c);
	if (layout == CGROUP_LAYOUT_NONE) {
		fix_mount_cgroups(c, r, ctx_here(c));
		return;
	}
	if (layout == CGROUP_LAYOUT_V1 || layout == CGROUP_LAYOUT_HYBRID) {
		/* Not v2 here: a hierarchy the engine looks for is not mounted. */
		result_remedy(r, ctx_here(c),
			      "This system uses cgroup v1, so the engine is missing one of its hierarchies. Compare "
			      "the hierarchies this process belongs to with those mounted:",
			      "cat /proc/self/cgroup", "grep cgroup /proc/self/mountinfo", NULL);
		fix_mount_cgroups(c, r, ctx_here(c));
		return;
	}
	fix_upgrade_engine(c, r,
			   "This system has only cgroup v2, which Docker supports from 20.10 (containerd 1.4, runc "
			   "1.0.0-rc93) on. Install a current engine (a current distribution release, or Docker CE):");
	fix_kernel_cmdline(r,
			   "Only when upgrading is impossible: boot the host with the legacy cgroup v1 layout (it "
			   "applies to every container on it):",
			   "systemd.unified_cgroup_hierarchy=0");
}

static const char *const cgroupv2_docker_patterns[] = {
	"cgroups: cgroup mountpoint does not exist",
	"open /sys/fs/cgroup/*/cpuset.cpus.effective: no such file or directory",
	"failed to start daemon: Devices cgroup isn't mounted",
	NULL,
};

const struct failure failure_cgroupv2_docker = {
	.id = "cgroupv2-docker-too-old",
	.code = "C1",
	.title = "Docker too old for a cgroup v2 system",
	.cause = "The host, and so every container on it, has only cgroup v2, but the engine predates v2 support "
		 "(Docker 20.10, containerd 1.4, runc 1.0.0-rc93), as in Ubuntu 16.04's docker.io.",
	.patterns = cgroupv2_docker_patterns,
	.remedy = remedy_cgroupv2_docker,
};

static void remedy_name_systemd(struct ctx *c, struct result *r)
{
	struct remedy *m = result_remedy(
		r, ctx_here(c),
		"The engine looks for the name=systemd cgroup hierarchy, which only systemd mounts. Mount an empty "
		"one by hand (and from your init's boot script, or /etc/fstab, at every boot), or use a "
		"systemd-based system:",
		NULL);
	remedy_command(m, "mkdir -p /sys/fs/cgroup/systemd");
	remedy_command(m, "mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd");
	remedy_command(m, "echo 'cgroup /sys/fs/cgroup/systemd cgroup none,name=systemd 0 0' >> /etc/fstab");
}

static const char *const name_systemd_patterns[] = {
	"cannot find cgroup mount destination",
	"cannot found cgroup mount destination",
	NULL,
};

const struct failure failure_name_systemd = {
	.id = "v1-name-systemd-missing",
	.code = "C2",
	.title = "No name=systemd cgroup hierarchy on cgroup v1",
	.cause = "On cgroup v1 the engine expects the name=systemd hierarchy this process belongs to to be "
		 "mounted. Systems without systemd as init (OpenRC, Devuan, boot2docker, old guests) do not mount it.",
	.patterns = name_systemd_patterns,
	.remedy = remedy_name_systemd,
};

static void remedy_devices_cgroup(struct ctx *c, struct result *r)
{
	int layout = cgroup_layout(c);
	if (layout == CGROUP_LAYOUT_V2) {
		fix_upgrade_engine(
			c, r,
			"On a cgroup v2 system there is no devices hierarchy: only an engine that predates v2 "
			"support asks for one. Install Docker 20.10 or newer:");
		return;
	}
	if (layout == CGROUP_LAYOUT_NONE) {
		fix_mount_cgroups(c, r, ctx_here(c));
		return;
	}
	struct remedy *m = result_remedy(
		r, ctx_here(c),
		"Mount the devices controller on a hierarchy of its own (controllers mounted all together, or not at "
		"all, hide it from the engine); cgroupfs-mount does this at boot:",
		NULL);
	remedy_command(m, "mkdir -p /sys/fs/cgroup/devices");
	remedy_command(m, "mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices");
	result_remedy(r, WHERE_HOST,
		      "If the mount fails, the kernel lacks the devices controller: boot one built with "
		      "CONFIG_CGROUP_DEVICE:",
		      "grep devices /proc/cgroups", NULL);
}

static const char *const devices_cgroup_patterns[] = {
	"Devices cgroup isn't mounted",
	NULL,
};

const struct failure failure_devices_cgroup = {
	.id = "devices-cgroup-missing",
	.code = "C3",
	.title = "Devices cgroup controller not mounted",
	.cause = "On cgroup v1 the devices controller is missing: the kernel lacks CONFIG_CGROUP_DEVICE, or the "
		 "controllers are co-mounted where the engine does not look. An engine older than 20.10 also says "
		 "this on a cgroup v2 system.",
	.patterns = devices_cgroup_patterns,
	.remedy = remedy_devices_cgroup,
};

static void remedy_cgroupv2_internal(struct ctx *c, struct result *r)
{
	struct remedy *m = result_remedy(
		r, ctx_here(c),
		"cgroup v2 enables controllers for child cgroups only while the parent holds no processes. Move "
		"every process out of the root into a leaf cgroup, then enable the controllers (this is what "
		"Docker's own dind script does; run it at every boot before dockerd, or use systemd as init):",
		NULL);
	remedy_command(m, "mkdir -p /sys/fs/cgroup/init");
	remedy_command(m, "xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs");
	remedy_command(m, "sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > "
			  "/sys/fs/cgroup/cgroup.subtree_control");
}

static const char *const cgroupv2_internal_patterns[] = {
	"cannot enter cgroupv2 * with domain controllers -- it is in an invalid state",
	"Failed to start ContainerManager*/sys/fs/cgroup/*invalid state",
	NULL,
};

const struct failure failure_cgroupv2_internal = {
	.id = "cgroupv2-internal-process",
	.code = "C4",
	.title = "Processes in the root of a delegated cgroup v2 tree",
	.cause = "cgroup v2 forbids processes in a cgroup whose children get domain controllers. When PID 1 is "
		 "not systemd (OpenRC, tini, a shell), the processes stay in the namespace's root cgroup and no "
		 "controller can be handed down to the engine's cgroups.",
	.patterns = cgroupv2_internal_patterns,
	.remedy = remedy_cgroupv2_internal,
};

static void remedy_controllers_delegated(struct ctx *c, struct result *r)
{
	if (ctx_in_container(c)) {
		static const char text[] =
			"The host does not hand the controllers down to this container. On the host, enable them in "
			"the subtree_control of every cgroup above the container's (systemd does it for units with "
			"Delegate=yes; plain LXC needs lxc.mount.auto = cgroup:rw:force), then restart the container:";
		fix_host_step(c, r, text,
			      "echo '+cpu +cpuset +io +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control");
	}
	struct remedy *m = result_remedy(
		r, ctx_here(c),
		"Then enable them for the engine's cgroups here (first move the processes out of the root cgroup "
		"if it holds any, see the fix for C4):",
		NULL);
	remedy_command(m, "cat /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/cgroup.subtree_control");
	remedy_command(m, "echo '+cpu +cpuset +io +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control");
}

static const char *const controllers_delegated_patterns[] = {
	"openat2 /sys/fs/cgroup/*.max: no such file or directory",
	"does not support CPU cfs period/quota or the cgroup is not mounted",
	"does not support cpuset or the cgroup is not mounted",
	NULL,
};

const struct failure failure_controllers_delegated = {
	.id = "cgroupv2-controllers-not-delegated",
	.code = "C5",
	.title = "cgroup v2 controllers not delegated",
	.cause = "The controllers the engine needs are not enabled in the parent cgroup's subtree_control, or the "
		 "tree is not writable (not delegated). systemd delegates cpuset only from 244 and cpu by default "
		 "only from 252.",
	.patterns = controllers_delegated_patterns,
	.remedy = remedy_controllers_delegated,
};

static void remedy_bpf_userns(struct ctx *c, struct result *r)
{
	fix_upgrade_engine(
		c, r,
		"runc releases before 1.0.0-rc93 give up when a user namespace refuses them BPF programs for "
		"device rules; newer ones carry on without. Upgrade runc (or the whole engine):");
	if (in_lxc(c))
		fix_instance_config(
			c, r,
			"Optionally, let the container manager load device-control BPF programs on the container's "
			"behalf (LXD 4.14 or newer, Incus):",
			"security.syscalls.intercept.bpf", "true", "security.syscalls.intercept.bpf.devices", "true",
			NULL);
}

static const char *const bpf_userns_patterns[] = {
	"can't load program: operation not permitted",
	"bpf_prog_query(BPF_CGROUP_DEVICE) failed: operation not permitted",
	NULL,
};

const struct failure failure_bpf_userns = {
	.id = "cgroupv2-bpf-in-userns",
	.code = "C6",
	.title = "Device BPF programs refused in a user namespace",
	.cause = "On cgroup v2 device rules are BPF programs, which an unprivileged container may not load. runc "
		 "before 1.0.0-rc93 treated that as fatal.",
	.patterns = bpf_userns_patterns,
	.remedy = remedy_bpf_userns,
};

static void remedy_legacy_guest(struct ctx *c, struct result *r)
{
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m =
			fix_remedy(r, t,
				   "The image's systemd (Ubuntu 16.04, CentOS 7) cannot run on a cgroup v2 "
				   "host, and its Docker could not either. Replace the container with one from "
				   "a current image (copy its data first):");
		fix_launch_new(m, t);
	}
}

static const char *const legacy_guest_patterns[] = {
	"requires a CGroupV1 host system",
	"cgfsng_mount*Failed to create cgroup",
	NULL,
};

const struct failure failure_legacy_guest = {
	.id = "legacy-guest-on-cgroupv2-host",
	.code = "C7",
	.title = "Legacy guest image on a cgroup v2 host",
	.cause = "Old guests (systemd 229 in Ubuntu 16.04, 219 in CentOS 7) need cgroup v1, and current hosts "
		 "(Ubuntu 21.10+, Debian 11+, Fedora 31+, RHEL 9) offer only v2.",
	.patterns = legacy_guest_patterns,
	.remedy = remedy_legacy_guest,
};

static void remedy_cgroup_not_mounted(struct ctx *c, struct result *r)
{
	fix_mount_cgroups(c, r, ctx_here(c));
	if (in_lxc(c))
		result_remedy(
			r, WHERE_HOST,
			"The platform gives the container a cgroup namespace, but mounting the hierarchies is its init's "
			"job: busybox init and other minimal inits do not. An image with systemd needs no step.",
			NULL);
}

static const char *const cgroup_not_mounted_patterns[] = {
	"no cgroup mount found in mountinfo",
	NULL,
};

/* Not in the catalog (yet): what runc says inside an LXD container whose init mounts no cgroups. */
const struct failure failure_cgroup_not_mounted = {
	.id = "cgroup-not-mounted",
	.code = "C8",
	.title = "No cgroup filesystem mounted",
	.cause = "Nothing mounted the cgroup filesystems under /sys/fs/cgroup, so runc finds no cgroup in the mount "
		 "table. Minimal inits (busybox, a shell as PID 1) inside LXD/LXC containers leave them unmounted.",
	.patterns = cgroup_not_mounted_patterns,
	.remedy = remedy_cgroup_not_mounted,
};
