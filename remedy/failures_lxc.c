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
	"mount `proc` to `proc`: Permission denied", /* crun (Podman) */
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

static void remedy_caps_bounding(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "A process can give its children only capabilities in its own bounding set. Docker's "
		      "default set is chown, dac_override, fowner, fsetid, kill, setgid, setuid, setpcap, "
		      "net_bind_service, net_raw, sys_chroot, mknod, audit_write and setfcap; --privileged asks for "
		      "every one. See which are left where Docker runs:",
		      "grep CapBnd /proc/self/status",
		      "capsh --decode=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)", NULL);
	result_remedy(r, ctx_here(c),
		      "Run the workload without --privileged (privileged: false in compose), or drop the "
		      "capabilities the container lacks from it (docker run --cap-drop NAME, cap_drop in compose).",
		      NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m = fix_remedy(
				r, t,
				"Or, for an unprivileged container (its capabilities count only inside its own user "
				"namespace), clear the list of capabilities it drops, then restart it; a privileged "
				"container would get the host's own powers back:");
			fix_set(m, t, "raw.lxc", "\"lxc.cap.drop=\"");
			fix_restart(m, t);
		}
	}
}

static const char *const caps_bounding_patterns[] = {
	"unable to apply caps: operation not permitted", /* runc 1.1 and later */
	"apply caps: operation not permitted",		 /* runc 1.0: ... caused "apply caps: ..." */
	"capset: Operation not permitted",		 /* crun (Podman) */
	NULL,
};

const struct failure failure_caps_bounding = {
	.id = "capability-bounding-set",
	.code = "L7",
	.title = "A capability Docker gives its containers is not in the container's bounding set",
	.cause = "The system container was started without some capability (plain LXC and Proxmox VE drop "
		 "sys_module, sys_rawio, sys_time, mac_admin and mac_override; a site may drop more), and a "
		 "process cannot grant its children a capability outside its own bounding set, so runc's capset "
		 "fails: always with --privileged, which asks for every capability, and with the default set when "
		 "one of its capabilities is gone.",
	.patterns = caps_bounding_patterns,
	.remedy = remedy_caps_bounding,
};

static void remedy_proc_sys_readonly(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "LXC mounts /proc/sys read-only in a container (proc:mixed) but for /proc/sys/net, which "
		      "belongs to the container's own network namespace. See what is writable here:",
		      "grep ' /proc/sys' /proc/self/mountinfo", NULL);
	result_remedy(r, WHERE_HOST,
		      "A key outside net.* is not namespaced: it is the host's, for every container. Set it on the "
		      "host (and in /etc/sysctl.d/ to keep it), then drop the --sysctl option or sysctls entry from "
		      "the workload:",
		      "sysctl -w KEY=VALUE", NULL);
	result_remedy(r, ctx_here(c),
		      "A net.* key belongs to a network namespace: give it to the Docker container that needs it "
		      "(docker run --sysctl net.KEY=VALUE) rather than writing it from a process of the system "
		      "container without a network namespace of its own.",
		      NULL);
}

static const char *const proc_sys_readonly_patterns[] = {
	"open /proc/sys/*: read-only file system",
	"sysctl: setting key *: Read-only file system",
	NULL,
};

const struct failure failure_proc_sys_readonly = {
	.id = "proc-sys-readonly",
	.code = "L8",
	.title = "A sysctl written where /proc/sys is read-only",
	.cause = "In an LXC or LXD container /proc/sys is read-only except /proc/sys/net, because most kernel "
		 "settings are global: a workload that sets one with --sysctl or sysctl -w (Elasticsearch's "
		 "vm.max_map_count, a database's kernel.shm*) fails with a read-only file system.",
	.patterns = proc_sys_readonly_patterns,
	.remedy = remedy_proc_sys_readonly,
};

static void remedy_snap_dockerd(struct ctx *c, struct result *r)
{
	result_remedy(
		r, ctx_here(c),
		"This Docker is the snap (its commands are under /snap/bin). In a system container use the "
		"distribution's Docker instead (Debian and Ubuntu; docker-ce from Docker's repository works too):",
		"snap remove --purge docker", "apt-get install -y docker.io", NULL);
	/* Or keep the snap: nesting gives the container the AppArmor namespace snapd confines its snaps in. */
	if (in_lxc(c) || !ctx_in_container(c))
		fix_lxd_nesting(c, r);
}

static const char *const snap_dockerd_patterns[] = {
	"snap-confine has elevated permissions and is not confined but should be",
	"cannot change profile for the next exec call: No such file or directory",
	NULL,
};

const struct failure failure_snap_dockerd = {
	.id = "snap-confined-dockerd",
	.code = "L9",
	.title = "Docker installed as a snap in a system container",
	.cause = "snapd confines every snap with AppArmor profiles of its own. In a container without an AppArmor "
		 "namespace it cannot load them, and snap-confine refuses to start the snap's programs; the "
		 "docker snap's confinement also limits what its containers may bind-mount.",
	.patterns = snap_dockerd_patterns,
	.remedy = remedy_snap_dockerd,
};
