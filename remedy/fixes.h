/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_FIXES_H
#define NESTCHECK_FIXES_H

/*
 * The fix builders: each kind of fix is worded once here, and the checks,
 * the launch checks and explain use them. A fix that names a container takes
 * its target (the platform that manages it and its name) as input, and the
 * platform's own command words live in one place (fixes.c: platform_cli).
 */

#include "core/context.h"

/* Who manages the container a fix is for. */
enum platform {
	PLATFORM_LXD,
	PLATFORM_INCUS,
	PLATFORM_PROXMOX, /* Proxmox VE's pct; the instance is the container's numeric id, or "ID" */
	PLATFORM_LXC,	  /* plain LXC: lines in /var/lib/lxc/NAME/config, lxc-stop and lxc-start */
};

struct fix_target {
	enum platform platform;
	const char *instance; /* "NAME" (or "ID") when it cannot be known */
	const char *lead;     /* words before a fix's text when several platforms' forms are given; or NULL */
	bool devices_v1;      /* the devices controller is a cgroup v1 one (lxc.cgroup.*, not lxc.cgroup2.*) */
};

/*
 * The container nestcheck runs in, as its platform knows it: one target, or
 * two (LXD's and Incus's, each with its lead) when no platform's marks say
 * which manages it. Returns how many; a fix is given once per target.
 */
#define FIX_TARGETS_MAX 2
size_t fix_targets_here(struct ctx *c, struct fix_target ret[FIX_TARGETS_MAX]);
/* Iterate the targets of the container nestcheck runs in (t: a struct fix_target). */
#define FIX_FOREACH_TARGET(c, t)                                                                                       \
	for (struct fix_target _fix_v[FIX_TARGETS_MAX], *_fix_p = _fix_v,                                              \
							*_fix_end = _fix_v + fix_targets_here((c), _fix_v);            \
	     _fix_p < _fix_end; _fix_p++)                                                                              \
		for (struct fix_target t = *_fix_p; t.instance; t.instance = NULL)
/* The first target only (for texts that name the platform once). */
struct fix_target fix_target_here(struct ctx *c);
/* A host-side remedy for the target: TEXT, after the target's lead if it has one. */
struct remedy *fix_remedy(struct result *r, struct fix_target t, const char *text);
/* Whether the container is known to be a Proxmox VE one (its marks). */
bool fix_is_proxmox(struct ctx *c);
/* An LXD or Incus instance by name (nestcheck lxd|incus NAME, on its host). */
struct fix_target fix_target_lxd(const char *instance);
struct fix_target fix_target_incus(const char *instance);
/* The platform's name in texts ("LXD", "Incus", "Proxmox VE", "LXC"). */
const char *fix_platform_name(struct fix_target t);
/* Whether the platform loads kernel modules when a container starts (LXD's linux.kernel_modules). */
bool fix_has_start_modules(struct fix_target t);
/* Whether the platform intercepts mknod for a container (LXD's and Incus's key, Proxmox's mknod feature). */
bool fix_has_mknod_intercept(struct fix_target t);

/*
 * Commands on the target's configuration, with LXD's keys as the common words:
 * set KEY to a printf-style value, get, unset; restart it. On Proxmox VE and
 * plain LXC the key becomes its own form there (security.nesting: the
 * nesting, keyctl and mknod features, or nesting.conf; linux.sysctl.K:
 * lxc.sysctl.K; limits.kernel.memlock: lxc.prlimit.memlock; raw.lxc "K=V":
 * K itself; security.idmap.size: lxc.idmap lines); a key with no such form
 * prints nothing there.
 */
void fix_set(struct remedy *m, struct fix_target t, const char *key, const char *fmt, ...) _printf_(4, 5);
void fix_get(struct remedy *m, struct fix_target t, const char *key);
void fix_unset(struct remedy *m, struct fix_target t, const char *key);
void fix_restart(struct remedy *m, struct fix_target t);
/* The target's configuration shown, filtered by grep ARGS (shell words). */
void fix_show_config(struct remedy *m, struct fix_target t, const char *grep_args);
/* A network device of its own for the target (on the platform's default bridge). */
void fix_add_nic(struct remedy *m, struct fix_target t);
/* A character device (major:minor DEV) allowed in the target's devices cgroup. */
void fix_allow_device(struct remedy *m, struct fix_target t, const char *dev);
/* The host's character device PATH (major:minor DEV) passed in as NAME. */
void fix_add_char_device(struct remedy *m, struct fix_target t, const char *name, const char *path, const char *dev);
/* A new container from a current Ubuntu image, with nesting, beside the target. */
void fix_launch_new(struct remedy *m, struct fix_target t);
/* Every container of the target's platform restarted (after its host daemons were). */
void fix_restart_all(struct remedy *m, struct fix_target t);
/* The kernel modules (comma separated) the platform loads when the target starts: set, or show. */
void fix_set_start_modules(struct remedy *m, struct fix_target t, const char *csv);
void fix_get_start_modules(struct remedy *m, struct fix_target t);
/*
 * In an LXC container whose platform loads kernel modules when it starts
 * (per target): "LEAD PLATFORM REST" (e.g. "Let", "load it whenever ..."),
 * the modules shown first when show_first, set to csv, then the restart.
 */
void fix_start_modules(struct ctx *c, struct result *r, const char *lead, const char *rest, const char *csv,
		       bool show_first);
/* A sysctl the platform sets in the target's namespaces when it starts. */
void fix_set_start_sysctl(struct remedy *m, struct fix_target t, const char *name, const char *value);
/* A volume of its own for Docker, mounted in the target at PATH (not quoted). */
void fix_docker_volume(struct remedy *m, struct fix_target t, const char *options, const char *path);
/*
 * A command run on the host, then, in an LXC container, that container
 * restarted (in its platform's words, once per platform when that is not
 * known); elsewhere the command alone.
 */
void fix_host_step(struct ctx *c, struct result *r, const char *text, const char *command);
/* A host-side step: set config keys ("key", "value", ..., NULL) of this container, then restart it. */
void fix_instance_config(struct ctx *c, struct result *r, const char *text, ...);

/* The outer container restarted with --privileged (Docker-in-Docker, Podman). */
void fix_outer_privileged(struct ctx *c, struct result *r, const char *text);
/* The outer Docker or Podman container started with FLAGS ("--privileged -v /x"). */
void fix_outer_run(struct ctx *c, struct result *r, const char *text, const char *flags);
/* Kernel modules loaded now and at every boot on the host, and (in LXD) at the container's start. */
void fix_modules_load(struct ctx *c, struct result *r, const struct strv *load_now, const struct strv *persist);
/*
 * Keep modules (space separated) loaded at every boot: each added to
 * /etc/modules-load.d/docker.conf unless listed there, so that the fixes of
 * several checks, pasted one after the other, add up instead of replacing.
 */
void fix_persist_modules(struct remedy *m, const char *mods);
/* Modules (space separated) loaded now, then kept loaded as fix_persist_modules does. */
void fix_load_modules(struct remedy *m, const char *mods);
/*
 * One module loaded on the host now and at every boot (its own file in
 * /etc/modules-load.d), and in an LXD container also at the container's start.
 */
void fix_module(struct ctx *c, struct result *r, const char *text, const char *module);
/* The same for a space-separated list. */
void fix_modules_load_words(struct ctx *c, struct result *r, const char *mods);
/*
 * Per network namespace sysctls (name=value each) dockerd could not set: on a
 * host set and persisted in /etc/sysctl.d/conf; in a container by its
 * platform at each start, or by the outer engine's --sysctl, or from the host
 * with nsenter.
 */
void fix_netns_sysctl(struct ctx *c, struct result *r, const char *const *settings, size_t n, const char *conf);
/* Global sysctls (name=value words) only the host can set, persisted in /etc/sysctl.d/conf. */
void fix_host_sysctl(struct ctx *c, struct result *r, const char *words, const char *conf);
/* The distribution's Docker engine, containerd and runc, upgraded. */
void fix_upgrade_engine(struct ctx *c, struct result *r, const char *text);
/* Arguments added to the kernel command line, then a reboot. */
void fix_kernel_cmdline(struct result *r, const char *text, const char *args);
/* Mount every cgroup hierarchy proc/self/cgroup names, one command each (what cgroupfs-mount does). */
void fix_mount_cgroups(struct ctx *c, struct result *r, enum where where);
/* LXD nesting for this container (and the plain LXC and Proxmox forms where LXD is not proven). */
void fix_lxd_nesting(struct ctx *c, struct result *r);
/*
 * A4: the container manager on the host upgraded to a release with the fix
 * for runc's hardened procfs writes, or the container run unconfined.
 */
void fix_runc_procfs(struct ctx *c, struct result *r);
/* LXD's and Incus's word that a privileged container loses its AppArmor namespace (none elsewhere). */
void fix_keep_unprivileged_note(struct ctx *c, struct result *r);
/* S1: a filesystem overlay can use as its upper layer, at Docker's data root. */
void fix_data_root_volume(struct ctx *c, struct result *r, const char *data_root);

#endif
