/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The known failures of failure-modes.md, each with the texts that betray it
 * (docker run, dockerd's log, runc, containerd, LXD/LXC) and its fix.
 *
 * Patterns are matched case-insensitively anywhere in one line of the text;
 * '*' stands for any run of characters within that line (so that a glob never
 * joins two unrelated lines of a daemon log). Backslashes are dropped from the
 * text first: dockerd's log quotes runc's message, turning "proc" into \"proc\".
 * The pattern with the most literal characters wins; on a tie the one with
 * fewer '*', then the one listed first.
 */
#include "failures.h"
#include "checks/checks.h" /* the shared fixes, until they move here */

#include <libmount.h>

/* ---------------------------------------------------------------- matching */

static inline char ascii_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* The first case-insensitive occurrence of needle[0..n) in hay[0..len), or NULL. */
static const char *find_ci(const char *hay, size_t len, const char *needle, size_t n)
{
	if (n == 0)
		return hay;
	char first = ascii_lower(needle[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (ascii_lower(hay[i]) != first)
			continue;
		size_t k = 1;
		while (k < n && ascii_lower(hay[i + k]) == ascii_lower(needle[k]))
			k++;
		if (k == n)
			return hay + i;
	}
	return NULL;
}

/* Whether pat occurs in line[0..len). Taking each literal run at its leftmost place is never wrong with only '*'. */
static bool glob_in_line(const char *line, size_t len, const char *pat)
{
	const char *p = line, *end = line + len;

	while (*pat == '*')
		pat++;
	while (*pat) {
		size_t n = strcspn(pat, "*");
		const char *hit = find_ci(p, (size_t)(end - p), pat, n);
		if (!hit)
			return false;
		p = hit + n;
		pat += n;
		while (*pat == '*')
			pat++;
	}
	return true;
}

static bool glob_in_text(const char *text, const char *pat)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		if (glob_in_line(line, len, pat))
			return true;
		line += len;
		if (*line)
			line++;
	}
	return false;
}

static size_t pattern_literals(const char *pat, size_t *ret_stars)
{
	size_t lit = 0, stars = 0;
	for (; *pat; pat++) {
		if (*pat == '*')
			stars++;
		else
			lit++;
	}
	*ret_stars = stars;
	return lit;
}

const struct failure *failure_match(const char *text)
{
	if (!text || !*text)
		return NULL;

	_cleanup_free_ char *norm = xmalloc(strlen(text) + 1);
	char *o = norm;
	for (const char *s = text; *s; s++)
		if (*s != '\\')
			*o++ = *s;
	*o = '\0';

	const struct failure *best = NULL;
	size_t best_lit = 0, best_stars = 0;
	for (const struct failure *const *f = failure_table; *f; f++) {
		for (const char *const *p = (*f)->patterns; *p; p++) {
			size_t stars, lit = pattern_literals(*p, &stars);
			if (lit == 0 || (best && (lit < best_lit || (lit == best_lit && stars >= best_stars))))
				continue;
			if (!glob_in_text(norm, *p))
				continue;
			best = *f;
			best_lit = lit;
			best_stars = stars;
		}
	}
	return best;
}

/* ---------------------------------------------------------------- shared pieces of the fixes */

static bool in_lxc(struct ctx *c)
{
	return streq(ctx_runtime(c), "lxc");
}

static bool in_app_container(struct ctx *c)
{
	const char *rt = ctx_runtime(c);
	return streq(rt, "docker") || streq(rt, "podman");
}

/* Where a fix for the system nestcheck runs on is applied: this container, or the host itself. */
static enum where here(struct ctx *c)
{
	return ctx_in_container(c) ? WHERE_CONTAINER : WHERE_HOST;
}

/* LXD's guest socket proves LXD; without it the container may be Proxmox's or plain LXC's. */
static bool maybe_not_lxd(struct ctx *c)
{
	return host_access(c->host, "dev/lxd/sock") < 0;
}

/* Set LXD config keys ("key", "value", ..., NULL) for this container, then restart it. */
static void lxd_set(struct ctx *c, struct result *r, const char *text, ...)
{
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	va_list ap;
	va_start(ap, text);
	for (const char *key; (key = va_arg(ap, const char *));) {
		const char *value = va_arg(ap, const char *);
		remedy_command(m, "lxc config set %s %s %s", ctx_instance(c), key, value);
	}
	va_end(ap);
	remedy_command(m, "lxc restart %s", ctx_instance(c));
}

static void outer_privileged(struct ctx *c, struct result *r, const char *text)
{
	result_remedy(r, WHERE_HOST, text,
		      streq(ctx_runtime(c), "podman") ? "podman run --privileged ..." : "docker run --privileged ...",
		      NULL);
}

/* Kernel modules a container cannot load (mods: space separated): on the host, now and at boot. */
static void load_modules(struct ctx *c, struct result *r, const char *mods)
{
	struct remedy *m = result_remedy(r, WHERE_HOST,
					 ctx_in_container(c) ? "A container cannot load kernel modules: load them on "
							       "the host, now and at every boot:"
							     : "Load the kernel modules, now and at every boot:",
					 NULL);
	remedy_command(m, "modprobe -a %s", mods);
	remedy_command(m, "printf '%%s\\n' %s >> /etc/modules-load.d/docker.conf", mods);
	if (in_lxc(c)) {
		_cleanup_free_ char *csv = xstrdup(mods);
		for (char *p = csv; *p; p++)
			if (*p == ' ')
				*p = ',';
		m = result_remedy(r, WHERE_HOST,
				  "Or let LXD load them whenever this container starts (keep any modules "
				  "linux.kernel_modules lists already):",
				  NULL);
		remedy_command(m, "lxc config get %s linux.kernel_modules", ctx_instance(c));
		remedy_command(m, "lxc config set %s linux.kernel_modules %s", ctx_instance(c), csv);
		remedy_command(m, "lxc restart %s", ctx_instance(c));
	}
}

/* Global sysctls (name=value words) that only the host can set; persisted under conf. */
static void host_sysctl(struct ctx *c, struct result *r, const char *words, const char *conf)
{
	struct remedy *m = result_remedy(r, WHERE_HOST,
					 ctx_in_container(c) ? "These settings belong to the host's kernel: set them "
							       "on the host, now and at every boot:"
							     : "Set them now and at every boot:",
					 NULL);
	remedy_command(m, "sysctl -w %s", words);
	remedy_command(m, "printf '%%s\\n' %s > /etc/sysctl.d/%s", words, conf);
}

static void upgrade_engine(struct ctx *c, struct result *r, const char *text)
{
	result_remedy(r, here(c), text, "apt-get update && apt-get install -y docker.io containerd runc", NULL);
}

static void kernel_cmdline(struct result *r, const char *text, const char *args)
{
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	remedy_command(m, "sed -i 's/^GRUB_CMDLINE_LINUX=\"/&%s /' /etc/default/grub && update-grub && reboot", args);
}

/* The cgroup layout from the mount table, or -1 when it is not known. */
static int cgroup_layout(struct ctx *c)
{
	struct libmnt_table *tb;
	struct cgroup_mounts cm;
	if (ctx_mounts(c, &tb) < 0 || cgroup_mounts_scan(tb, &cm) < 0)
		return -1;
	int layout = (int)cm.layout;
	cgroup_mounts_clear(&cm);
	return layout;
}

/*
 * Mount the hierarchies proc/self/cgroup names. A shell loop rather than one
 * command per hierarchy: checks/cgroup.c writes those, but keeps its helper
 * static.
 */
/* The same fix cgroup.layout prints: one mount command per hierarchy this process is in. */
static void mount_cgroups(struct ctx *c, struct result *r)
{
	remedy_mount_cgroups(c, r, here(c));
}

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

static const struct failure kernel_too_old = {
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

static const struct failure kernel_config = {
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
	kernel_cmdline(r, "If the kernel cannot be upgraded, boot the host with the legacy cgroup v1 layout:",
		       "systemd.unified_cgroup_hierarchy=0");
}

static const char *const cgroupv2_kernel_patterns[] = {
	"setting cgroup config for procHooks process*bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument",
	NULL,
};

static const struct failure cgroupv2_kernel = {
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
	kernel_cmdline(r, "On a GRUB system, add the same words to GRUB_CMDLINE_LINUX:",
		       "cgroup_enable=memory cgroup_memory=1");
}

static const char *const memcg_disabled_patterns[] = {
	"WARNING: No memory limit support",
	"does not support memory limit capabilities or the cgroup is not mounted",
	"failed to find memory cgroup",
	NULL,
};

static const struct failure memcg_disabled = {
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
	host_sysctl(c, r, "kernel.keys.maxkeys=2000 kernel.keys.maxbytes=2000000", "90-nestcheck-keys.conf");
}

static const char *const keyring_quota_patterns[] = {
	"create session key: disk quota exceeded",
	"join session keyring*disk quota exceeded",
	NULL,
};

static const struct failure keyring_quota = {
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
		mount_cgroups(c, r);
		return;
	}
	if (layout == CGROUP_LAYOUT_V1 || layout == CGROUP_LAYOUT_HYBRID) {
		/* Not v2 here: a hierarchy the engine looks for is not mounted. */
		result_remedy(r, here(c),
			      "This system uses cgroup v1, so the engine is missing one of its hierarchies. Compare "
			      "the hierarchies this process belongs to with those mounted:",
			      "cat /proc/self/cgroup", "grep cgroup /proc/self/mountinfo", NULL);
		mount_cgroups(c, r);
		return;
	}
	upgrade_engine(c, r,
		       "This system has only cgroup v2, which Docker supports from 20.10 (containerd 1.4, runc "
		       "1.0.0-rc93) on. Install a current engine (a current distribution release, or Docker CE):");
	kernel_cmdline(r,
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

static const struct failure cgroupv2_docker = {
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
		r, here(c),
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

static const struct failure name_systemd = {
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
		upgrade_engine(c, r,
			       "On a cgroup v2 system there is no devices hierarchy: only an engine that predates v2 "
			       "support asks for one. Install Docker 20.10 or newer:");
		return;
	}
	if (layout == CGROUP_LAYOUT_NONE) {
		mount_cgroups(c, r);
		return;
	}
	struct remedy *m = result_remedy(
		r, here(c),
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

static const struct failure devices_cgroup = {
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
		r, here(c),
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

static const struct failure cgroupv2_internal = {
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
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			"The host does not hand the controllers down to this container. On the host, enable them in "
			"the subtree_control of every cgroup above the container's (systemd does it for units with "
			"Delegate=yes; plain LXC needs lxc.mount.auto = cgroup:rw:force), then restart the container:",
			NULL);
		remedy_command(m, "echo '+cpu +cpuset +io +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control");
		if (in_lxc(c))
			remedy_command(m, "lxc restart %s", ctx_instance(c));
	}
	struct remedy *m = result_remedy(
		r, here(c),
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

static const struct failure controllers_delegated = {
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
	upgrade_engine(c, r,
		       "runc releases before 1.0.0-rc93 give up when a user namespace refuses them BPF programs for "
		       "device rules; newer ones carry on without. Upgrade runc (or the whole engine):");
	if (in_lxc(c))
		lxd_set(c, r,
			"Optionally, let LXD load device-control BPF programs on the container's behalf (LXD 4.14 "
			"or newer):",
			"security.syscalls.intercept.bpf", "true", "security.syscalls.intercept.bpf.devices", "true",
			NULL);
}

static const char *const bpf_userns_patterns[] = {
	"can't load program: operation not permitted",
	"bpf_prog_query(BPF_CGROUP_DEVICE) failed: operation not permitted",
	NULL,
};

static const struct failure bpf_userns = {
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
	struct remedy *m = result_remedy(
		r, WHERE_HOST,
		"The image's systemd (Ubuntu 16.04, CentOS 7) cannot run on a cgroup v2 host, and its Docker "
		"could not either. Replace the container with one from a current image (copy its data first):",
		NULL);
	remedy_command(m, "lxc launch ubuntu:24.04 %s-new -c security.nesting=true", ctx_instance(c));
}

static const char *const legacy_guest_patterns[] = {
	"requires a CGroupV1 host system",
	"cgfsng_mount*Failed to create cgroup",
	NULL,
};

static const struct failure legacy_guest = {
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
	mount_cgroups(c, r);
	if (in_lxc(c))
		result_remedy(r, WHERE_HOST,
			      "LXD gives the container a cgroup namespace, but mounting the hierarchies is its init's "
			      "job: busybox init and other minimal inits do not. An image with systemd needs no step.",
			      NULL);
}

static const char *const cgroup_not_mounted_patterns[] = {
	"no cgroup mount found in mountinfo",
	NULL,
};

/* Not in the catalog (yet): what runc says inside an LXD container whose init mounts no cgroups. */
static const struct failure cgroup_not_mounted = {
	.id = "cgroup-not-mounted",
	.code = "C8",
	.title = "No cgroup filesystem mounted",
	.cause = "Nothing mounted the cgroup filesystems under /sys/fs/cgroup, so runc finds no cgroup in the mount "
		 "table. Minimal inits (busybox, a shell as PID 1) inside LXD/LXC containers leave them unmounted.",
	.patterns = cgroup_not_mounted_patterns,
	.remedy = remedy_cgroup_not_mounted,
};

/* ---------------------------------------------------------------- 3. storage */

static void remedy_overlay_zfs(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "OpenZFS before 2.2 cannot be overlay's upper layer. Upgrade the host's ZFS to 2.2 or "
		      "newer; the version running now:",
		      "cat /sys/module/zfs/version", NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			"Or give Docker a block volume from the pool (an ext4 filesystem on a zvol), mounted at its "
			"data root (use your pool's name for default):",
			NULL);
		remedy_command(m, "lxc storage volume create default %s-docker zfs.block_mode=true size=50GiB",
			       ctx_instance(c));
		remedy_command(
			m, "lxc config device add %s docker disk pool=default source=%s-docker path=/var/lib/docker",
			ctx_instance(c), ctx_instance(c));
		remedy_command(m, "lxc restart %s", ctx_instance(c));
	}
	result_remedy(r, here(c),
		      "Or run the engine with the fuse-overlayfs storage driver (needs /dev/fuse): set "
		      "\"storage-driver\": \"fuse-overlayfs\" in /etc/docker/daemon.json, then restart dockerd:",
		      "apt-get install -y fuse-overlayfs", NULL);
}

static const char *const overlay_zfs_patterns[] = {
	"/dev/zfs and /proc/self/mounts are required",
	"driver not supported: overlay2",
	NULL,
};

static const struct failure overlay_zfs = {
	.id = "overlay-on-zfs",
	.code = "S2",
	.title = "Docker's data root on ZFS older than 2.2",
	.cause = "OpenZFS before 2.2 lacks the whiteout rename overlayfs needs, and a container has no /dev/zfs for "
		 "the zfs driver, so Docker falls back to vfs or refuses to start.",
	.patterns = overlay_zfs_patterns,
	.remedy = remedy_overlay_zfs,
};

static void remedy_overlay_upper(struct ctx *c, struct result *r)
{
	const char *data_root = "/var/lib/docker", *fstype = NULL;
	struct libmnt_table *tb;
	ctx_data_root(c, NULL, &data_root);
	if (ctx_mounts(c, &tb) == 0 && mounts_covering(tb, data_root, &fstype, NULL) == 0 && streq(fstype, "zfs")) {
		remedy_overlay_zfs(c, r);
		return;
	}
	remedy_data_root_volume(c, r, data_root);
	result_remedy(r, here(c),
		      "Or, where no other filesystem can be had, use the fuse-overlayfs storage driver (\"storage-"
		      "driver\": \"fuse-overlayfs\" in /etc/docker/daemon.json):",
		      "apt-get install -y fuse-overlayfs", NULL);
}

static const char *const overlay_upper_patterns[] = {
	"overlayfs: filesystem on * not supported as upperdir",
	"error initializing graphdriver: driver not supported",
	"error creating overlay mount to *: invalid argument",
	NULL,
};

static const struct failure overlay_upper = {
	.id = "overlay-upper-unsupported",
	.code = "S1",
	.title = "Data root on a filesystem overlay cannot write to",
	.cause = "Docker's data root lies on a filesystem overlayfs cannot use as its upper layer: overlay itself "
		 "(a container's root, Docker in Docker), NFS, FUSE, ecryptfs, aufs, or btrfs before Linux 4.7.",
	.patterns = overlay_upper_patterns,
	.remedy = remedy_overlay_upper,
};

static void remedy_no_dtype(struct ctx *c, struct result *r)
{
	(void)c;
	result_remedy(r, WHERE_HOST,
		      "overlay2 needs a filesystem that records file types in directory entries (d_type). See "
		      "whether the xfs under the data root was made without it (ftype=0):",
		      "xfs_info /var/lib/docker | grep ftype", NULL);
	result_remedy(r, WHERE_HOST,
		      "Reformat it with d_type (this erases it: move the data away first), or mount a new volume "
		      "at the data root (DEVICE is yours to fill in):",
		      "mkfs.xfs -n ftype=1 DEVICE", "tune2fs -O filetype DEVICE", NULL);
}

static const char *const no_dtype_patterns[] = {
	"the backing * filesystem is formatted without d_type support",
	"overlayfs: upper fs needs to support d_type",
	NULL,
};

static const struct failure no_dtype = {
	.id = "no-d_type",
	.code = "S3",
	.title = "Backing filesystem without d_type",
	.cause = "The data root's filesystem does not report file types in directory entries: xfs made with "
		 "ftype=0 (older RHEL/CentOS 7 installs) or ext without the filetype feature. Docker refuses it "
		 "since 17.12.",
	.patterns = no_dtype_patterns,
	.remedy = remedy_no_dtype,
};

static void remedy_overlay_userns(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "Mainline Linux allows overlay mounts in a user namespace from 5.11 (Ubuntu's and Debian's "
		      "kernels earlier). Boot the host with such a kernel; the running one:",
		      "uname -r", NULL);
	result_remedy(r, here(c),
		      "Or use fuse-overlayfs: for Docker set \"storage-driver\": \"fuse-overlayfs\" in "
		      "/etc/docker/daemon.json; for k3s start it with --snapshotter=fuse-overlayfs:",
		      "apt-get install -y fuse-overlayfs", NULL);
}

static const char *const overlay_userns_patterns[] = {
	"failed to mount overlay: operation not permitted",
	"failed to mount overlay: permission denied",
	"snapshotter cannot be enabled for *, try using \"fuse-overlayfs\"",
	NULL,
};

static const struct failure overlay_userns = {
	.id = "overlay-in-userns-unsupported",
	.code = "S4",
	.title = "Overlay mounts refused in a user namespace",
	.cause = "The kernel does not let a user namespace mount overlayfs (mainline allows it from 5.11), so the "
		 "engine falls back to vfs or the snapshotter cannot start.",
	.patterns = overlay_userns_patterns,
	.remedy = remedy_overlay_userns,
};

static void remedy_overlay_module(struct ctx *c, struct result *r)
{
	const char *release;
	const struct kversion *kv;
	if (ctx_release(c, &release, &kv) == 0 && kversion_cmp(kv, 3, 18) < 0) {
		_cleanup_free_ char *text = xasprintf("Linux %s predates overlayfs (3.18): boot a current kernel "
						      "on the host.",
						      release);
		result_remedy(r, WHERE_HOST, text, "uname -r", NULL);
		return;
	}
	load_modules(c, r, "overlay");
}

static const char *const overlay_module_patterns[] = {
	"'overlay' not found as a supported filesystem on this host",
	"Module overlay not found in directory /lib/modules/",
	"modprobe overlay*could not open moddep file",
	NULL,
};

static const struct failure overlay_module = {
	.id = "overlay-module-not-loaded",
	.code = "S5",
	.title = "overlay module not loaded",
	.cause = "overlayfs is built as a module and nobody loaded it on the host; a container cannot load modules "
		 "(its /lib/modules is empty).",
	.patterns = overlay_module_patterns,
	.remedy = remedy_overlay_module,
};

static void remedy_user_overlay_xattr(struct ctx *c, struct result *r)
{
	result_remedy(r, here(c),
		      "The image carries user.overlay.* attributes (built with podman or buildah on overlay), and "
		      "Docker 25 and newer refuse to set them in a user namespace. Rebuild the image with docker "
		      "build or buildx, or run this engine with fuse-overlayfs (\"storage-driver\": "
		      "\"fuse-overlayfs\" in /etc/docker/daemon.json). If the data root is mounted nouser_xattr, "
		      "drop that option:",
		      "findmnt -T /var/lib/docker -o TARGET,FSTYPE,OPTIONS", NULL);
}

static const char *const user_overlay_xattr_patterns[] = {
	"lsetxattr user.overlay.* operation not supported",
	NULL,
};

static const struct failure user_overlay_xattr = {
	.id = "docker25-user-overlay-xattr",
	.code = "S6",
	.title = "Image layers with user.overlay.* attributes",
	.cause = "Layers built by podman/buildah on overlay hold user.overlay.* xattrs. In a user namespace Docker "
		 "cannot set them, and from Docker 25 it fails instead of dropping them.",
	.patterns = user_overlay_xattr_patterns,
	.remedy = remedy_user_overlay_xattr,
};

static void remedy_trusted_xattr(struct ctx *c, struct result *r)
{
	if (in_lxc(c) || !ctx_in_container(c))
		lxd_set(c, r,
			"trusted.* attributes need root of the host. Let LXD set them for the container (Linux 5.3 "
			"or newer):",
			"security.syscalls.intercept.setxattr", "true", NULL);
	upgrade_engine(c, r, "Or upgrade Docker: current releases use user.overlay.* attributes in a user namespace:");
}

static const char *const trusted_xattr_patterns[] = {
	"setxattr trusted.overlay.* operation not permitted",
	"trusted.overlay.opaque*: operation not permitted",
	NULL,
};

static const struct failure trusted_xattr = {
	.id = "trusted-xattr-denied",
	.code = "S7",
	.title = "trusted.* extended attributes refused",
	.cause = "Overlay's opaque directories are marked with trusted.overlay.* xattrs, which only root of the "
		 "initial user namespace may set. Old engines use them even inside a container.",
	.patterns = trusted_xattr_patterns,
	.remedy = remedy_trusted_xattr,
};

/* ---------------------------------------------------------------- 4. user namespaces */

static void remedy_uidmap_small(struct ctx *c, struct result *r)
{
	result_remedy(r, here(c),
		      "The image holds files owned by ids this user namespace does not map (a common map has "
		      "65536 ids; some images use far higher ones). The map in force:",
		      "cat /proc/self/uid_map /proc/self/gid_map", NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		lxd_set(c, r, "LXD: give the container a larger map (1000000 ids covers most images), then restart:",
			"security.idmap.size", "1000000", NULL);
		result_remedy(r, WHERE_HOST,
			      "LXD outside the snap takes the ids from root's entries in /etc/subuid and "
			      "/etc/subgid: widen them first, then restart LXD:",
			      "usermod --add-subuids 1000000-1000999999 --add-subgids 1000000-1000999999 root", NULL);
	}
	if (in_lxc(c) && maybe_not_lxd(c))
		result_remedy(
			r, WHERE_HOST,
			"Proxmox or plain LXC: widen the container's lxc.idmap lines (u 0 100000 N and g 0 100000 "
			"N) and root's /etc/subuid and /etc/subgid ranges to match, then restart it.",
			NULL);
	if (in_app_container(c) || streq(ctx_runtime(c), "none"))
		result_remedy(r, here(c),
			      "Docker with userns-remap or rootless: give the user more subordinate ids in /etc/subuid "
			      "and /etc/subgid (USER is dockremap or yours), then restart dockerd:",
			      "usermod --add-subuids 200000-1199999 --add-subgids 200000-1199999 USER", NULL);
}

static const char *const uidmap_small_patterns[] = {
	"ApplyLayer exit status 1 stdout:*stderr: lchown *: invalid argument",
	"lchown *: invalid argument",
	"try increasing the number of subordinate IDs",
	"Container ID * cannot be mapped to a host ID",
	NULL,
};

static const struct failure uidmap_small = {
	.id = "uidmap-too-small",
	.code = "U1",
	.title = "User namespace map too small for the image",
	.cause = "The container maps only a small range of ids (65536 in LXD and Proxmox by default), and the "
		 "image holds files owned by an id outside it; extracting such a layer fails with lchown: invalid "
		 "argument.",
	.patterns = uidmap_small_patterns,
	.remedy = remedy_uidmap_small,
};

static void remedy_nested_subuid(struct ctx *c, struct result *r)
{
	result_remedy(r, here(c),
		      "A nested map may only use ids the container's own map has. Compare /etc/subuid and "
		      "/etc/subgid here with the container's map (start + count of every entry must fit):",
		      "cat /proc/self/uid_map /etc/subuid /etc/subgid", NULL);
	if (in_lxc(c))
		lxd_set(c, r, "Enlarge the container's map first:", "security.idmap.size", "1000000", NULL);
	result_remedy(r, here(c),
		      "Then give the user a subordinate range inside it (USER is yours; dockremap for "
		      "userns-remap), or run the rootful engine instead of rootless Docker or userns-remap:",
		      "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER", NULL);
}

static const char *const nested_subuid_patterns[] = {
	"newuidmap: write to uid_map failed: Invalid argument",
	"newgidmap: write to gid_map failed: Invalid argument",
	"failed to setup UID/GID map",
	NULL,
};

static const struct failure nested_subuid = {
	.id = "nested-subuid",
	.code = "U2",
	.title = "Subordinate ids outside the container's map",
	.cause = "Rootless Docker or userns-remap inside a container builds a nested id map from /etc/subuid and "
		 "/etc/subgid, and those ranges lie outside the ids the container itself maps.",
	.patterns = nested_subuid_patterns,
	.remedy = remedy_nested_subuid,
};

static void remedy_host_netns(struct ctx *c, struct result *r)
{
	if (in_lxc(c) || !ctx_in_container(c)) {
		struct remedy *m =
			result_remedy(r, WHERE_HOST,
				      "A user namespace may mount a fresh sysfs only in a network namespace of "
				      "its own. Give the container a NIC of its own (it must not share the "
				      "host's network), then restart it:",
				      NULL);
		remedy_command(m, "lxc config device add %s eth0 nic nictype=bridged parent=lxdbr0 name=eth0",
			       ctx_instance(c));
		remedy_command(m, "lxc restart %s", ctx_instance(c));
		if (maybe_not_lxd(c))
			result_remedy(r, WHERE_HOST,
				      "Plain LXC or Proxmox: replace lxc.net.0.type = none by a veth NIC "
				      "(lxc.net.0.type = veth, lxc.net.0.link = lxcbr0).",
				      NULL);
		result_remedy(r, WHERE_HOST,
			      "If the container already has a network of its own, nesting is what is missing:", NULL);
		remedy_lxd_nesting(c, r);
	} else {
		outer_privileged(
			c, r,
			"A container that shares the host's network cannot mount sysfs for a nested one. Start "
			"the outer container with a network of its own and privileged:");
	}
}

static const char *const host_netns_patterns[] = {
	"mounting \"sysfs\" to rootfs*\"/sys\"*operation not permitted",
	"Failed to mount \"sysfs\"*Operation not permitted",
	NULL,
};

static const struct failure host_netns = {
	.id = "host-netns-sysfs",
	.code = "U4",
	.title = "sysfs refused: container shares the host's network",
	.cause = "The kernel lets a user namespace mount sysfs only when it owns the network namespace. A "
		 "container that shares the host's network namespace therefore cannot give nested containers a /sys.",
	.patterns = host_netns_patterns,
	.remedy = remedy_host_netns,
};

static void remedy_oom_score(struct ctx *c, struct result *r)
{
	upgrade_engine(c, r,
		       "Lowering oom_score_adj needs a privilege a container does not have; Docker since 1.13 "
		       "ignores the refusal. Upgrade the engine:");
	result_remedy(r, here(c), "With an old daemon that cannot be upgraded, start it without OOM adjustment:",
		      "dockerd --oom-score-adjust=0", NULL);
}

static const char *const oom_score_patterns[] = {
	"failed to set OOM Score on shim",
	"write /proc/*/oom_score_adj: permission denied",
	"failed to change OOM score to",
	NULL,
};

static const struct failure oom_score = {
	.id = "oom-score-adj",
	.code = "U5",
	.title = "OOM score adjustment refused",
	.cause = "Lowering oom_score_adj needs CAP_SYS_RESOURCE in the initial user namespace. Docker releases of "
		 "the 1.12 era stopped on the refusal.",
	.patterns = oom_score_patterns,
	.remedy = remedy_oom_score,
};

/* ---------------------------------------------------------------- 5. AppArmor */

static void remedy_apparmor_namespace(struct ctx *c, struct result *r)
{
	if (in_app_container(c)) {
		outer_privileged(c, r,
				 "A confined container cannot load AppArmor profiles for a nested engine. Start the "
				 "outer container privileged (that leaves it unconfined):");
		return;
	}
	result_remedy(r, WHERE_HOST,
		      "The container is confined by AppArmor but has no policy namespace of its own, so the "
		      "engine cannot load its docker-default profile. Nesting gives it one:",
		      NULL);
	remedy_lxd_nesting(c, r);
	result_remedy(r, WHERE_HOST,
		      "Leave security.privileged unset: a privileged container loses its AppArmor namespace.", NULL);
}

static const char *const apparmor_namespace_patterns[] = {
	"profile could not be loaded",
	"attempted to load a profile while confined",
	"You need policy admin privileges to manage profiles",
	NULL,
};

static const struct failure apparmor_namespace = {
	.id = "apparmor-no-namespace",
	.code = "A1",
	.title = "Confined container without an AppArmor namespace",
	.cause = "The container is confined by AppArmor without a policy namespace of its own (nesting is off), so "
		 "the engine inside may not load its docker-default profile.",
	.patterns = apparmor_namespace_patterns,
	.remedy = remedy_apparmor_namespace,
};

static void remedy_apparmor_stacking(struct ctx *c, struct result *r)
{
	(void)c;
	result_remedy(r, WHERE_HOST,
		      "The host's kernel cannot stack AppArmor policy for a container (Ubuntu 16.04's original "
		      "4.4.0-21 kernel is one). Install the distribution's current kernel and reboot:",
		      "apt-get update && apt-get dist-upgrade -y && reboot", NULL);
}

static const char *const apparmor_stacking_patterns[] = {
	"open /sys/kernel/security/apparmor/profiles: permission denied",
	"apparmor failed to apply profile: permission denied",
	NULL,
};

static const struct failure apparmor_stacking = {
	.id = "apparmor-no-stacking-kernel",
	.code = "A2",
	.title = "Host kernel without AppArmor stacking",
	.cause = "The host kernel lacks AppArmor stacking and policy namespaces, so a container can neither read "
		 "the profile list nor apply a profile.",
	.patterns = apparmor_stacking_patterns,
	.remedy = remedy_apparmor_stacking,
};

static void remedy_apparmor_double(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "AppArmor nests policy namespaces one level deep only: Docker inside a container inside "
		      "another container is refused. Run the engine in a first-level container, or in a virtual "
		      "machine.",
		      NULL);
	result_remedy(r, here(c), "The AppArmor label shows how deep this process is nested (each //&: is one level):",
		      "cat /proc/self/attr/current", NULL);
}

static const char *const apparmor_double_patterns[] = {
	"open /sys/kernel/mm/hugepages: permission denied",
	NULL,
};

static const struct failure apparmor_double = {
	.id = "apparmor-double-nesting",
	.code = "A3",
	.title = "Docker two container levels deep under AppArmor",
	.cause = "AppArmor supports one level of policy namespace nesting. Docker inside LXD inside LXD is one "
		 "level too deep.",
	.patterns = apparmor_double_patterns,
	.remedy = remedy_apparmor_double,
};

static void raw_lxc_unconfined(struct ctx *c, struct result *r, const char *text)
{
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	remedy_command(m, "lxc config set %s raw.lxc \"lxc.apparmor.profile=unconfined\"", ctx_instance(c));
	remedy_command(m, "lxc restart %s", ctx_instance(c));
}

static void remedy_runc_procfs(struct ctx *c, struct result *r)
{
	struct remedy *m = result_remedy(
		r, WHERE_HOST,
		"runc 1.2.8, 1.3.3 and later (Docker 28.5.2, containerd.io 1.7.28-2) write sysctls in a way the "
		"container's AppArmor profile from older LXD/Incus/LXC releases denies. Upgrade the container "
		"manager on the host (the LXD snap's 5.0 and 5.21 tracks, Incus 6.19, Proxmox lxc-pve 6.0.5-2 carry "
		"the fix), then restart the container:",
		"snap refresh lxd", NULL);
	remedy_command(m, "lxc restart %s", ctx_instance(c));
	raw_lxc_unconfined(c, r,
			   "Until then, for trusted workloads only: run the container unconfined (plain LXC: "
			   "lxc.apparmor.profile = unconfined):");
}

static const char *const runc_procfs_patterns[] = {
	"open sysctl * file: reopen fd *: permission denied",
	"unsafe procfs detected:*invalid cross-device link",
	NULL,
};

static const struct failure runc_procfs = {
	.id = "runc-cve-2025-52881-apparmor",
	.code = "A4",
	.title = "Hardened runc versus the LXC AppArmor profile",
	.cause = "The runc fixes for CVE-2025-52881 write sysctls through a detached procfs. AppArmor sees those "
		 "paths as /sys/..., which the container profile of older LXD, Incus and LXC denies.",
	.patterns = runc_procfs_patterns,
	.remedy = remedy_runc_procfs,
};

static void remedy_noble_runc(struct ctx *c, struct result *r)
{
	result_remedy(r, here(c),
		      "Ubuntu 24.04's AppArmor profile for /usr/sbin/runc (the docker.io package's) denies "
		      "pivot_root in a nested container. Use Docker CE, whose runc lives in /usr/bin:",
		      "apt-get remove -y docker.io runc", "curl -fsSL https://get.docker.com | sh", NULL);
	raw_lxc_unconfined(c, r, "Or run this container unconfined (the LXD maintainers' workaround):");
}

static const char *const noble_runc_patterns[] = {
	"pivot_root .: permission denied",
	"apparmor=\"DENIED\" operation=\"pivotroot\"*profile=\"runc\"",
	NULL,
};

static const struct failure noble_runc = {
	.id = "ubuntu-noble-runc-profile",
	.code = "A5",
	.title = "Ubuntu's runc AppArmor profile denies pivot_root",
	.cause = "Ubuntu 23.10 and later ship an AppArmor profile for /usr/sbin/runc that denies pivot_root in a "
		 "nested namespace; the distribution's docker.io uses that runc.",
	.patterns = noble_runc_patterns,
	.remedy = remedy_noble_runc,
};

static void remedy_apparmor_parser(struct ctx *c, struct result *r)
{
	result_remedy(r, here(c),
		      "AppArmor is enabled in the kernel, but its userspace is not installed here, so the engine "
		      "cannot load its profile. Install it:",
		      "apt-get update && apt-get install -y apparmor", NULL);
}

static const char *const apparmor_parser_patterns[] = {
	"stat */apparmor_parser: no such file or directory",
	"apparmor_parser\": executable file not found",
	NULL,
};

static const struct failure apparmor_parser = {
	.id = "apparmor-parser-missing",
	.code = "A6",
	.title = "apparmor_parser missing",
	.cause = "The kernel reports AppArmor enabled, but a minimal system lacks apparmor_parser, which the "
		 "engine runs to load its default profile.",
	.patterns = apparmor_parser_patterns,
	.remedy = remedy_apparmor_parser,
};

/* ---------------------------------------------------------------- 6. LXD / LXC / Proxmox */

static void remedy_nesting_proc(struct ctx *c, struct result *r)
{
	if (in_app_container(c)) {
		outer_privileged(c, r,
				 "The outer container refuses the nested engine a fresh /proc. Start it privileged (or "
				 "with a runtime built for it, such as sysbox):");
		return;
	}
	result_remedy(r, WHERE_HOST,
		      "The kernel gives a container a fresh /proc or /sys only if it can see one that nothing is "
		      "mounted over; LXC's nesting provides that (and the AppArmor rules for it).",
		      NULL);
	remedy_lxd_nesting(c, r);
}

static const char *const nesting_proc_patterns[] = {
	"mounting \"proc\" to rootfs*\"/proc\"",
	"mounting \"sysfs\" to rootfs*\"/sys\"*permission denied",
	"Failed to mount proc onto */lxc/proc",
	NULL,
};

static const struct failure nesting_proc = {
	.id = "nesting-disabled-proc",
	.code = "L1",
	.title = "Nesting disabled: proc cannot be mounted",
	.cause = "The kernel refuses a new procfs or sysfs unless an un-overmounted copy is visible, and LXC mounts "
		 "LXCFS over /proc files. Nesting adds clean copies under /dev/.lxc and the AppArmor rules to use "
		 "them.",
	.patterns = nesting_proc_patterns,
	.remedy = remedy_nesting_proc,
};

static void remedy_privileged_devlxc(struct ctx *c, struct result *r)
{
	upgrade_engine(c, r,
		       "Old runc releases trip over LXC's nesting mounts under /dev/.lxc when a privileged container "
		       "copies /dev. Upgrade runc (or the whole engine), or run the container without --privileged:");
}

static const char *const privileged_devlxc_patterns[] = {
	"runtime spec devices: lstat /dev/.lxc/*: no such file or directory",
	NULL,
};

static const struct failure privileged_devlxc = {
	.id = "privileged-docker-devlxc",
	.code = "L2",
	.title = "Privileged container trips over /dev/.lxc",
	.cause = "docker run --privileged copies every device under /dev, and runc releases from 2017 followed "
		 "LXC's nesting mounts there to files that vanish.",
	.patterns = privileged_devlxc_patterns,
	.remedy = remedy_privileged_devlxc,
};

static void remedy_keyctl_blocked(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "Proxmox hides keyctl() from containers unless the keyctl feature is on; the engine needs it "
		      "for session keyrings. Turn it on (with nesting), then restart the container:",
		      "pct set ID --features nesting=1,keyctl=1", "pct reboot ID", NULL);
	if (in_lxc(c) && !maybe_not_lxd(c)) {
		struct remedy *m = result_remedy(r, WHERE_HOST,
						 "LXD allows keyctl by default: look for a seccomp policy in the "
						 "container's raw settings that denies it, and remove it:",
						 NULL);
		remedy_command(m, "lxc config show %s --expanded | grep -i -e raw -e seccomp", ctx_instance(c));
	}
}

static const char *const keyctl_blocked_patterns[] = {
	"create session key: operation not permitted",
	"create session key: function not implemented",
	"join session keyring: operation not permitted",
	"join session keyring: function not implemented",
	NULL,
};

static const struct failure keyctl_blocked = {
	.id = "keyctl-blocked",
	.code = "L3",
	.title = "keyctl() blocked in the container",
	.cause = "The container's seccomp policy refuses keyctl() (Proxmox does unless keyctl=1 is set), so runc "
		 "cannot create the session keyring of a container.",
	.patterns = keyctl_blocked_patterns,
	.remedy = remedy_keyctl_blocked,
};

static void remedy_mknod_denied(struct ctx *c, struct result *r)
{
	if (in_app_container(c)) {
		outer_privileged(c, r, "Creating device nodes needs CAP_MKNOD. Start the outer container privileged:");
		return;
	}
	lxd_set(c, r,
		"Device nodes need CAP_MKNOD of the host. Let LXD create the harmless ones (null, zero, full, "
		"random, urandom, tty, console, and overlay whiteouts) on the container's behalf (Linux 5.3 or "
		"newer):",
		"security.syscalls.intercept.mknod", "true", NULL);
	if (maybe_not_lxd(c))
		result_remedy(r, WHERE_HOST, "Proxmox: allow mknod for the container (Linux 5.3 or newer):",
			      "pct set ID --features nesting=1,mknod=1", NULL);
	struct remedy *m = result_remedy(
		r, WHERE_HOST,
		"If the error came from pulling or extracting an image (a whiteout: S_IFCHR, 0) and the "
		"interception is already on, it is the cause: some LXD and Incus releases break whiteouts. Turn it "
		"off again:",
		NULL);
	remedy_command(m, "lxc config unset %s security.syscalls.intercept.mknod", ctx_instance(c));
	remedy_command(m, "lxc restart %s", ctx_instance(c));
}

static const char *const mknod_denied_patterns[] = {
	"cannot create special file *: Operation not permitted",
	"mknod /dev/*operation not permitted",
	"failed to mknod(*, S_IFCHR, 0): operation not permitted",
	NULL,
};

static const struct failure mknod_denied = {
	.id = "mknod-denied",
	.code = "L4",
	.title = "Device node creation refused",
	.cause = "Creating character or block devices needs CAP_MKNOD in the initial user namespace. LXD's mknod "
		 "interception allows a short list, and in some releases breaks the whiteouts of image layers.",
	.patterns = mknod_denied_patterns,
	.remedy = remedy_mknod_denied,
};

static void remedy_lxcfs_dead(struct ctx *c, struct result *r)
{
	struct remedy *m = result_remedy(
		r, WHERE_HOST,
		"LXCFS on the host died or was restarted, and the container's FUSE mounts over /proc files no longer "
		"answer. Restart lxcfs on the host (to reload it send SIGUSR1; never SIGKILL it), then restart the "
		"container so that it gets fresh mounts:",
		"systemctl restart lxcfs", NULL);
	if (in_lxc(c))
		remedy_command(m, "lxc restart %s", ctx_instance(c));
	else
		remedy_command(m, "lxc restart --all");
}

static const char *const lxcfs_dead_patterns[] = {
	"/proc/*: Transport endpoint is not connected",
	"/proc must be mounted",
	NULL,
};

static const struct failure lxcfs_dead = {
	.id = "lxcfs-dead",
	.code = "L5",
	.title = "LXCFS mounts dead",
	.cause = "The host's lxcfs crashed or was restarted, leaving dead FUSE mounts over /proc files in running "
		 "containers.",
	.patterns = lxcfs_dead_patterns,
	.remedy = remedy_lxcfs_dead,
};

static void remedy_rlimit(struct ctx *c, struct result *r)
{
	result_remedy(r, here(c),
		      "A container cannot raise a hard limit above the one it inherited (type 8 is RLIMIT_MEMLOCK, "
		      "which Elasticsearch setups raise with ulimits: memlock: -1). See the limits in force:",
		      "prlimit --pid $$", NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		lxd_set(c, r, "Raise the container's limit from the host (for another type, use its name):",
			"limits.kernel.memlock", "unlimited", NULL);
		if (maybe_not_lxd(c))
			result_remedy(r, WHERE_HOST,
				      "Plain LXC or Proxmox: add lxc.prlimit.memlock = unlimited to the container's "
				      "config, then restart it.",
				      NULL);
	}
	result_remedy(r, here(c), "Or drop the ulimits entry from the compose file or docker run command.", NULL);
}

static const char *const rlimit_patterns[] = {
	"error setting rlimit type 8: operation not permitted",
	"error setting rlimit type *: operation not permitted",
	NULL,
};

static const struct failure rlimit = {
	.id = "rlimit-memlock",
	.code = "L6",
	.title = "Resource limit above the container's own",
	.cause = "An unprivileged container cannot raise a hard resource limit (usually RLIMIT_MEMLOCK) above the "
		 "limit it was started with.",
	.patterns = rlimit_patterns,
	.remedy = remedy_rlimit,
};

/* ---------------------------------------------------------------- 7. networking */

static void remedy_netfilter_modules(struct ctx *c, struct result *r)
{
	load_modules(c, r, "ip_tables iptable_nat iptable_filter nf_nat bridge br_netfilter");
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

static const struct failure netfilter_modules = {
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
	load_modules(c, r, "br_netfilter");
	result_remedy(r, here(c),
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

static const struct failure br_netfilter = {
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
	load_modules(c, r, "iptable_raw ip6table_raw");
	result_remedy(r, here(c), "Or use the nf_tables backend of iptables, which needs no iptable_raw:",
		      "update-alternatives --set iptables /usr/sbin/iptables-nft",
		      "update-alternatives --set ip6tables /usr/sbin/ip6tables-nft", NULL);
}

static const char *const raw_table_patterns[] = {
	"can't initialize iptables table *raw': Table does not exist",
	"Unable to enable DIRECT ACCESS FILTERING - DROP rule",
	NULL,
};

static const struct failure raw_table = {
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
	load_modules(c, r, "ip6_tables ip6table_nat ip6table_filter");
	result_remedy(r, here(c),
		      "Or turn Docker's IPv6 firewalling off: add \"ip6tables\": false to /etc/docker/daemon.json "
		      "(merged into the object already there), then restart dockerd.",
		      NULL);
}

static const char *const ip6tables_patterns[] = {
	"ip6tables is enabled, but cannot set up ip6tables chains",
	"can't initialize ip6tables table *': Table does not exist",
	NULL,
};

static const struct failure ip6tables = {
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
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			"Root here does not own the network namespace (it shares the host's). Give the container "
			"its own network (LXC's default veth NIC), then restart it:",
			NULL);
		remedy_command(m, "lxc config device add %s eth0 nic nictype=bridged parent=lxdbr0 name=eth0",
			       ctx_instance(c));
		remedy_command(m, "lxc restart %s", ctx_instance(c));
		return;
	}
	result_remedy(r, here(c),
		      "Root in a user namespace may change netfilter rules only in a network namespace that "
		      "namespace owns. Run the engine in a container with a network of its own; bit 12 of CapEff "
		      "shows whether root has CAP_NET_ADMIN:",
		      "grep CapEff /proc/self/status", NULL);
}

static const char *const netns_owned_patterns[] = {
	"Could not fetch rule set generation id: Permission denied",
	NULL,
};

static const struct failure netns_owned = {
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
	host_sysctl(c, r, "net.netfilter.nf_conntrack_max=524288", "90-nestcheck-conntrack.conf");
	result_remedy(r, here(c),
		      "Then keep kube-proxy from setting it (k3s: --kube-proxy-arg=conntrack-max-per-core=0):",
		      "kube-proxy --conntrack-max-per-core=0 ...", NULL);
}

static const char *const conntrack_patterns[] = {
	"open /proc/sys/net/netfilter/nf_conntrack_max: permission denied",
	"write /sys/module/nf_conntrack/parameters/hashsize: operation not supported",
	NULL,
};

static const struct failure conntrack = {
	.id = "netfilter-sysctl-readonly",
	.code = "N6",
	.title = "Conntrack settings read-only in the container",
	.cause = "kube-proxy sets nf_conntrack_max and the conntrack hash size, which are global to the host and "
		 "read-only inside a container.",
	.patterns = conntrack_patterns,
	.remedy = remedy_conntrack,
};

/* ---------------------------------------------------------------- 8. devices, Kubernetes */

static void remedy_kmsg(struct ctx *c, struct result *r)
{
	struct remedy *m = result_remedy(r, WHERE_HOST,
					 "The container's /dev has no kmsg, which kubelet opens. Pass the host's in, "
					 "then restart the container:",
					 NULL);
	remedy_command(m, "lxc config device add %s kmsg unix-char source=/dev/kmsg path=/dev/kmsg", ctx_instance(c));
	remedy_command(m, "lxc restart %s", ctx_instance(c));
	if (maybe_not_lxd(c))
		result_remedy(r, WHERE_HOST,
			      "Plain LXC or Proxmox: add lxc.mount.entry: /dev/kmsg dev/kmsg none "
			      "defaults,bind,create=file to the container's config.",
			      NULL);
}

static const char *const kmsg_patterns[] = {
	"open /dev/kmsg: no such file or directory",
	NULL,
};

static const struct failure kmsg = {
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
	load_modules(c, r, "fuse");
	if (in_lxc(c)) {
		struct remedy *m = result_remedy(r, WHERE_HOST, "Pass /dev/fuse into the container:", NULL);
		remedy_command(m, "lxc config device add %s fuse unix-char source=/dev/fuse path=/dev/fuse",
			       ctx_instance(c));
		remedy_command(m, "lxc restart %s", ctx_instance(c));
	}
	if (!in_lxc(c) || maybe_not_lxd(c))
		result_remedy(r, WHERE_HOST, "Proxmox: turn on the fuse feature for the container:",
			      "pct set ID --features nesting=1,fuse=1", NULL);
}

static const char *const fuse_patterns[] = {
	"fuse: device not found, try 'modprobe fuse' first",
	NULL,
};

static const struct failure fuse = {
	.id = "dev-fuse-missing",
	.code = "D2",
	.title = "/dev/fuse missing",
	.cause = "/dev/fuse is not passed into the container, or the fuse module is not loaded on the host, so "
		 "fuse-overlayfs cannot work.",
	.patterns = fuse_patterns,
	.remedy = remedy_fuse,
};

static void remedy_kubelet_sysctl(struct ctx *c, struct result *r)
{
	host_sysctl(c, r, "vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1", "90-nestcheck-kubelet.conf");
	result_remedy(r, here(c),
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

static const struct failure kubelet_sysctl = {
	.id = "kubelet-kernel-tunables",
	.code = "D3",
	.title = "kubelet cannot set kernel tunables",
	.cause = "kubelet writes global sysctls (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops), which "
		 "are read-only inside a container.",
	.patterns = kubelet_sysctl_patterns,
	.remedy = remedy_kubelet_sysctl,
};

/* ---------------------------------------------------------------- the table */

const struct failure *const failure_table[] = {
	&kernel_too_old,
	&kernel_config,
	&cgroupv2_kernel,
	&memcg_disabled,
	&keyring_quota,
	&cgroupv2_docker,
	&name_systemd,
	&devices_cgroup,
	&cgroupv2_internal,
	&controllers_delegated,
	&bpf_userns,
	&legacy_guest,
	&cgroup_not_mounted,
	&overlay_upper,
	&overlay_zfs,
	&no_dtype,
	&overlay_userns,
	&overlay_module,
	&user_overlay_xattr,
	&trusted_xattr,
	&uidmap_small,
	&nested_subuid,
	&host_netns,
	&oom_score,
	&apparmor_namespace,
	&apparmor_stacking,
	&apparmor_double,
	&runc_procfs,
	&noble_runc,
	&apparmor_parser,
	&nesting_proc,
	&privileged_devlxc,
	&keyctl_blocked,
	&mknod_denied,
	&lxcfs_dead,
	&rlimit,
	&netfilter_modules,
	&br_netfilter,
	&raw_table,
	&ip6tables,
	&netns_owned,
	&conntrack,
	&kmsg,
	&fuse,
	&kubelet_sysctl,
	NULL,
};
