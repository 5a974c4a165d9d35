/* SPDX-License-Identifier: Apache-2.0 */
/* Known failures of user namespaces, id maps and AppArmor. */
#include "entries.h"

#include <libmount.h>

/* ---------------------------------------------------------------- 4. user namespaces */

static void remedy_uidmap_small(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "The image holds files owned by ids this user namespace does not map (a common map has "
		      "65536 ids; some images use far higher ones). The map in force:",
		      "cat /proc/self/uid_map /proc/self/gid_map", NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m =
				fix_remedy(r, t,
					   "Give the container a larger map (1000000 ids covers most images), "
					   "then restart it:");
			fix_set(m, t, "security.idmap.size", "1000000");
			fix_restart(m, t);
			if (t.platform != PLATFORM_LXD && t.platform != PLATFORM_INCUS)
				continue;
			_cleanup_free_ char *text = xasprintf(
				"%s takes the ids from root's entries in /etc/subuid and /etc/subgid: "
				"widen them first, then restart %s:",
				t.platform == PLATFORM_LXD ? "LXD outside the snap" : "Incus", fix_platform_name(t));
			result_remedy(r, WHERE_HOST, text,
				      "usermod --add-subuids 1000000-1000999999 --add-subgids 1000000-1000999999 root",
				      NULL);
		}
	}
	if (in_app_container(c) || streq(ctx_runtime(c), "none"))
		result_remedy(r, ctx_here(c),
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

const struct failure failure_uidmap_small = {
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
	result_remedy(r, ctx_here(c),
		      "A nested map may only use ids the container's own map has. Compare /etc/subuid and "
		      "/etc/subgid here with the container's map (start + count of every entry must fit):",
		      "cat /proc/self/uid_map /etc/subuid /etc/subgid", NULL);
	if (in_lxc(c))
		fix_instance_config(c, r, "Enlarge the container's map first:", "security.idmap.size", "1000000", NULL);
	result_remedy(r, ctx_here(c),
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

const struct failure failure_nested_subuid = {
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
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m =
				fix_remedy(r, t,
					   "A user namespace may mount a fresh sysfs only in a network "
					   "namespace of its own. Give the container a NIC of its own (it must "
					   "not share the host's network), then restart it:");
			fix_add_nic(m, t);
			fix_restart(m, t);
		}
		result_remedy(r, WHERE_HOST,
			      "If the container already has a network of its own, nesting is what is missing:", NULL);
		fix_lxd_nesting(c, r);
	} else {
		fix_outer_privileged(
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

const struct failure failure_host_netns = {
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
	fix_upgrade_engine(c, r,
			   "Lowering oom_score_adj needs a privilege a container does not have; Docker since 1.13 "
			   "ignores the refusal. Upgrade the engine:");
	result_remedy(r, ctx_here(c), "With an old daemon that cannot be upgraded, start it without OOM adjustment:",
		      "dockerd --oom-score-adjust=0", NULL);
}

static const char *const oom_score_patterns[] = {
	"failed to set OOM Score on shim",
	"write /proc/*/oom_score_adj: permission denied",
	"failed to change OOM score to",
	NULL,
};

const struct failure failure_oom_score = {
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
		fix_outer_privileged(
			c, r,
			"A confined container cannot load AppArmor profiles for a nested engine. Start the "
			"outer container privileged (that leaves it unconfined):");
		return;
	}
	result_remedy(r, WHERE_HOST,
		      "The container is confined by AppArmor but has no policy namespace of its own, so the "
		      "engine cannot load its docker-default profile. Nesting gives it one:",
		      NULL);
	fix_lxd_nesting(c, r);
	fix_keep_unprivileged_note(c, r);
}

static const char *const apparmor_namespace_patterns[] = {
	"profile could not be loaded",
	"attempted to load a profile while confined",
	"You need policy admin privileges to manage profiles",
	NULL,
};

const struct failure failure_apparmor_namespace = {
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

const struct failure failure_apparmor_stacking = {
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
	result_remedy(r, ctx_here(c),
		      "The AppArmor label shows how deep this process is nested (each //&: is one level):",
		      "cat /proc/self/attr/current", NULL);
}

static const char *const apparmor_double_patterns[] = {
	"open /sys/kernel/mm/hugepages: permission denied",
	NULL,
};

const struct failure failure_apparmor_double = {
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
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(r, t, text);
		fix_set(m, t, "raw.lxc", "\"lxc.apparmor.profile=unconfined\"");
		fix_restart(m, t);
	}
}

static void remedy_runc_procfs(struct ctx *c, struct result *r)
{
	fix_runc_procfs(c, r);
}

static const char *const runc_procfs_patterns[] = {
	"open sysctl * file: reopen fd *: permission denied",
	"unsafe procfs detected:*invalid cross-device link",
	NULL,
};

const struct failure failure_runc_procfs = {
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
	result_remedy(r, ctx_here(c),
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

const struct failure failure_noble_runc = {
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
	result_remedy(r, ctx_here(c),
		      "AppArmor is enabled in the kernel, but its userspace is not installed here, so the engine "
		      "cannot load its profile. Install it:",
		      "apt-get update && apt-get install -y apparmor", NULL);
}

static const char *const apparmor_parser_patterns[] = {
	"stat */apparmor_parser: no such file or directory",
	"apparmor_parser\": executable file not found",
	NULL,
};

const struct failure failure_apparmor_parser = {
	.id = "apparmor-parser-missing",
	.code = "A6",
	.title = "apparmor_parser missing",
	.cause = "The kernel reports AppArmor enabled, but a minimal system lacks apparmor_parser, which the "
		 "engine runs to load its default profile.",
	.patterns = apparmor_parser_patterns,
	.remedy = remedy_apparmor_parser,
};

static void remedy_apparmor_not_loaded(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "The profile the container is started with is not loaded where it runs. See the profiles "
		      "the kernel has here (the audit log says info=\"label not found\" with the name):",
		      "cat /sys/kernel/security/apparmor/profiles", NULL);
	result_remedy(r, ctx_here(c),
		      "Load it: dockerd loads docker-default when it starts (restart it); a profile of your own is "
		      "loaded with apparmor_parser (NAME is its file). Or start the workload with a profile that is "
		      "there (--security-opt apparmor=docker-default).",
		      "apparmor_parser -r -W /etc/apparmor.d/NAME", NULL);
	/* In a container, a profile can go only into an AppArmor namespace of the container's own. */
	if (in_lxc(c))
		fix_lxd_nesting(c, r);
}

static const char *const apparmor_not_loaded_patterns[] = {
	"apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory",
	"apparmor failed to apply profile: write /proc/thread-self/attr/apparmor/exec: no such file or directory",
	"apparmor failed to apply profile: write /proc/self/attr/exec: no such file or directory",
	"apparmor failed to apply profile: no such file or directory",		     /* Docker 1.12's runc */
	"write to file `thread-self/attr/apparmor/exec`: No such file or directory", /* crun */
	"apply apparmor profile `*`: profile not loaded",			     /* crun, newer */
	"operation=\"change_onexec\" info=\"label not found\"",			     /* the audit log */
	NULL,
};

const struct failure failure_apparmor_not_loaded = {
	.id = "apparmor-profile-not-loaded",
	.code = "A7",
	.title = "The container's AppArmor profile is not loaded",
	.cause = "runc asks the kernel to switch to the container's profile (docker-default, or the one named "
		 "with --security-opt apparmor=) at exec, and AppArmor answers that it knows no such profile: it "
		 "was never loaded, was unloaded by an AppArmor restart, or was loaded into another policy "
		 "namespace (a system container without nesting has none of its own).",
	.patterns = apparmor_not_loaded_patterns,
	.remedy = remedy_apparmor_not_loaded,
};

static void remedy_apparmor_legacy_attr(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "See the order of the kernel's security modules (the first major one owns /proc/PID/attr):",
		      "cat /sys/kernel/security/lsm", NULL);
	fix_upgrade_engine(c, r,
			   "Upgrade the engine: a newer runc writes AppArmor's own /proc/self/attr/apparmor/exec, "
			   "whatever the order:");
	fix_kernel_cmdline(r, "Or put AppArmor before SELinux and Smack in the kernel's list, then reboot:",
			   "lsm=landlock,lockdown,yama,integrity,apparmor");
}

static const char *const apparmor_legacy_attr_patterns[] = {
	"apparmor failed to apply profile: write /proc/self/attr/exec: invalid argument",
	"apparmor failed to apply profile: write /proc/thread-self/attr/exec: invalid argument",
	NULL,
};

const struct failure failure_apparmor_legacy_attr = {
	.id = "apparmor-not-major-lsm",
	.code = "A8",
	.title = "AppArmor is not the major security module runc writes to",
	.cause = "Older runc applies the profile through /proc/self/attr/exec, which belongs to the first major "
		 "security module the kernel was booted with. When SELinux or Smack comes before AppArmor in the "
		 "kernel's lsm= list, that module refuses AppArmor's profile name.",
	.patterns = apparmor_legacy_attr_patterns,
	.remedy = remedy_apparmor_legacy_attr,
};
