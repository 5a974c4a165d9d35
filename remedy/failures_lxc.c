/* SPDX-License-Identifier: Apache-2.0 */
/* Known failures of the container managers: LXD, LXC, Proxmox. */
#include "entries.h"

#include <libmount.h>

/* ---------------------------------------------------------------- 6. LXD / LXC / Proxmox */

static void remedy_nesting_proc(struct ctx *c, struct result *r)
{
	if (in_app_container(c)) {
		fix_outer_privileged(
			c, r,
			"The outer container refuses the nested engine a fresh /proc. Start it privileged (or "
			"with a runtime built for it, such as sysbox):");
		return;
	}
	result_remedy(r, WHERE_HOST,
		      "The kernel gives a container a fresh /proc or /sys only if it can see one that nothing is "
		      "mounted over; LXC's nesting provides that (and the AppArmor rules for it).",
		      NULL);
	fix_lxd_nesting(c, r);
}

static const char *const nesting_proc_patterns[] = {
	"mounting \"proc\" to rootfs*\"/proc\"",
	"mounting \"sysfs\" to rootfs*\"/sys\"*permission denied",
	"Failed to mount proc onto */lxc/proc",
	NULL,
};

const struct failure failure_nesting_proc = {
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
	fix_upgrade_engine(
		c, r,
		"Old runc releases trip over LXC's nesting mounts under /dev/.lxc when a privileged container "
		"copies /dev. Upgrade runc (or the whole engine), or run the container without --privileged:");
}

static const char *const privileged_devlxc_patterns[] = {
	"runtime spec devices: lstat /dev/.lxc/*: no such file or directory",
	NULL,
};

const struct failure failure_privileged_devlxc = {
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
	static const char pve_text[] = "Proxmox VE hides keyctl() from containers unless the keyctl feature is on; "
				       "the engine needs it for session keyrings. Turn it on (with nesting), then "
				       "restart the container:";
	if (!in_lxc(c)) {
		/* Not inside the container (explain on a host): Proxmox VE's form, the likeliest cause. */
		struct fix_target t = {.platform = PLATFORM_PROXMOX, .instance = "ID", .lead = NULL};
		struct remedy *m = fix_remedy(r, t, pve_text);
		fix_set(m, t, "security.nesting", "true");
		fix_restart(m, t);
	}
	FIX_FOREACH_TARGET(c, t)
	{
		if (t.platform == PLATFORM_PROXMOX) {
			struct remedy *m = fix_remedy(r, t, pve_text);
			fix_set(m, t, "security.nesting", "true");
			fix_restart(m, t);
			continue;
		}
		_cleanup_free_ char *text =
			xasprintf("%s allows keyctl by default: look for a seccomp policy in the "
				  "container's %s that denies it, and remove it:",
				  fix_platform_name(t), t.platform == PLATFORM_LXC ? "config" : "raw settings");
		struct remedy *m = fix_remedy(r, t, text);
		fix_show_config(m, t, "-i -e raw -e seccomp");
	}
}

static const char *const keyctl_blocked_patterns[] = {
	"create session key: operation not permitted",
	"create session key: function not implemented",
	"join session keyring: operation not permitted",
	"join session keyring: function not implemented",
	NULL,
};

const struct failure failure_keyctl_blocked = {
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
		fix_outer_privileged(c, r,
				     "Creating device nodes needs CAP_MKNOD. Start the outer container privileged:");
		return;
	}
	fix_instance_config(c, r,
			    "Device nodes need CAP_MKNOD of the host. Let the container manager create the harmless "
			    "ones (null, zero, full, random, urandom, tty, console, and overlay whiteouts) on the "
			    "container's behalf (Linux 5.3 or newer):",
			    "security.syscalls.intercept.mknod", "true", NULL);
	FIX_FOREACH_TARGET(c, t)
	{
		if (!fix_has_mknod_intercept(t)) {
			struct remedy *k = fix_remedy(
				r, t,
				"Plain LXC has no mknod interception. On Linux 5.8 or newer a user namespace creates "
				"overlay whiteouts itself; other device nodes need the container privileged (no "
				"lxc.idmap) with the device allowed in lxc.cgroup2.devices.allow. The running kernel:");
			remedy_command(k, "uname -r");
			continue;
		}
		struct remedy *m = fix_remedy(r, t,
					      "If the error came from pulling or extracting an image (a whiteout: "
					      "S_IFCHR, 0) and the interception is already on, it is the cause: some "
					      "releases break whiteouts. Turn it off again:");
		fix_unset(m, t, "security.syscalls.intercept.mknod");
		fix_restart(m, t);
	}
}

static const char *const mknod_denied_patterns[] = {
	"cannot create special file *: Operation not permitted",
	"mknod /dev/*operation not permitted",
	"failed to mknod(*, S_IFCHR, 0): operation not permitted",
	NULL,
};

const struct failure failure_mknod_denied = {
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
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(
			r, t,
			"LXCFS on the host died or was restarted, and the container's FUSE mounts over /proc files no "
			"longer answer. Restart lxcfs on the host (to reload it send SIGUSR1; never SIGKILL it), then "
			"restart the container so that it gets fresh mounts:");
		remedy_command(m, "systemctl restart lxcfs");
		if (in_lxc(c))
			fix_restart(m, t);
		else
			fix_restart_all(m, t);
	}
}

static const char *const lxcfs_dead_patterns[] = {
	"/proc/*: Transport endpoint is not connected",
	"/proc must be mounted",
	NULL,
};

const struct failure failure_lxcfs_dead = {
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
	result_remedy(r, ctx_here(c),
		      "A container cannot raise a hard limit above the one it inherited (type 8 is RLIMIT_MEMLOCK, "
		      "which Elasticsearch setups raise with ulimits: memlock: -1). See the limits in force:",
		      "prlimit --pid $$", NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		fix_instance_config(c, r, "Raise the container's limit from the host (for another type, use its name):",
				    "limits.kernel.memlock", "unlimited", NULL);
	}
	result_remedy(r, ctx_here(c), "Or drop the ulimits entry from the compose file or docker run command.", NULL);
}

static const char *const rlimit_patterns[] = {
	"error setting rlimit type 8: operation not permitted",
	"error setting rlimit type *: operation not permitted",
	NULL,
};

const struct failure failure_rlimit = {
	.id = "rlimit-memlock",
	.code = "L6",
	.title = "Resource limit above the container's own",
	.cause = "An unprivileged container cannot raise a hard resource limit (usually RLIMIT_MEMLOCK) above the "
		 "limit it was started with.",
	.patterns = rlimit_patterns,
	.remedy = remedy_rlimit,
};
