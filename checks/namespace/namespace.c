/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What runc does when it starts a container, tried live in forked children:
 * new namespaces, a new proc and sysfs, device nodes, a lower OOM score.
 */
#include "checks/checks.h"
#include "parse.h"
#include "probe.h"

#include <libmount.h>
#include <sched.h>

/* 1 root, 0 not, or a negative errno (then the summary says why). */
static int as_root(struct ctx *c, struct result *r)
{
	uint32_t euid;
	int err = status_euid(c, &euid);
	if (err < 0)
		return err;
	result_evidence_int(r, "euid", euid);
	return euid == 0;
}

/* A probe value that failed, in words for a summary: "EPERM", "mount: EPERM", "no answer within 2 s". */
static char *failure_words(const char *v)
{
	if (streq(v, "noerrno"))
		return xstrdup("failed without an errno: an interceptor answered");
	if (streq(v, "timeout"))
		return xasprintf("no answer within %d s", PROBE_CHILD_TIMEOUT_MS / 1000);
	const char *colon = strchr(v, ':');
	if (colon)
		return xasprintf("%.*s: %s", (int)(colon - v), v, colon + 1);
	return xstrdup(v);
}

/* The errno part of a value ("mount:EPERM" -> "EPERM"). */
static const char *value_errno(const char *v)
{
	const char *colon = strrchr(v, ':');
	return colon ? colon + 1 : v;
}

/*
 * runc's error for a refused mount, as docker run prints it, when the probe
 * failed with the errno runc would see; a plainer phrase otherwise.
 */
static char *runc_mount_error(const char *fs, const char *target, const char *flags, const char *v)
{
	const char *e = value_errno(v);
	const char *text = streq(e, "EPERM")	? "operation not permitted"
			   : streq(e, "EACCES") ? "permission denied"
						: NULL;
	if (!text || !startswith(v, "mount:"))
		return xasprintf("fails to mount %s", target);
	return xasprintf("fails with 'error mounting \"%s\" to rootfs at \"%s\" ... flags: %s: %s'", fs, target, flags,
			 text);
}

static void remedy_run_as_root(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c), "Check what the rootful engine needs: run nestcheck as root.", "sudo nestcheck",
		      NULL);
}

/* Something refuses a namespace or mount operation to root here: who can allow it. */
static void remedy_refused(struct ctx *c, struct result *r, const char *what)
{
	const char *rt = ctx_runtime(c);
	if (streq(rt, "lxc")) {
		fix_lxd_nesting(c, r);
		return;
	}
	if (streq(rt, "docker") || streq(rt, "podman")) {
		_cleanup_free_ char *text = xasprintf(
			"The container's seccomp profile and capabilities refuse %s. A Docker engine inside a "
			"container needs a privileged container (or a runtime built for it, such as sysbox):",
			what);
		fix_outer_privileged(c, r, text);
		return;
	}
	_cleanup_free_ char *text =
		xasprintf("A seccomp filter or a security module refuses %s. Look for the policy that applies to "
			  "nestcheck (Seccomp: in /proc/self/status; denials in the kernel log), and run Docker "
			  "where it does not apply:",
			  what);
	result_remedy(r, ctx_here(c), text, "grep Seccomp /proc/self/status", "dmesg | grep -i -e denied -e seccomp",
		      NULL);
}

/* ---------------------------------------------------------------- namespace.unshare */

static const struct ns_kind {
	const char *name; /* as in proc/self/ns and sysctl user.max_<name>_namespaces */
	int flag;
	bool docker; /* runc creates it for every container */
} ns_kinds[] = {
	{"user", CLONE_NEWUSER, false},	    {"mnt", CLONE_NEWNS, true},	 {"pid", CLONE_NEWPID, true},
	{"net", CLONE_NEWNET, true},	    {"ipc", CLONE_NEWIPC, true}, {"uts", CLONE_NEWUTS, true},
	{"cgroup", CLONE_NEWCGROUP, false},
};

/* One fix per cause: limits reached (ENOSPC), namespaces not built in (EINVAL), refused (the rest). */
static void remedy_unshare(struct ctx *c, struct result *r, const char *const *values)
{
	struct strv full = {0}, absent = {0}, refused = {0};
	for (size_t i = 0; i < ARRAY_SIZE(ns_kinds); i++) {
		if (!values[i] || streq(values[i], "ok"))
			continue;
		const char *e = value_errno(values[i]);
		strv_push(streq(e, "ENOSPC")   ? &full
			  : streq(e, "EINVAL") ? &absent
					       : &refused,
			  xstrdup(ns_kinds[i].name));
	}
	if (full.n) {
		_cleanup_free_ char *list = strv_join(&full, ", ");
		_cleanup_free_ char *text = xasprintf(
			"The limit on %s namespaces is reached or set to 0. Raise it (where nestcheck runs; inside a "
			"container the host's limit applies too), and keep it across reboots:",
			list);
		struct remedy *m = result_remedy(r, ctx_here(c), text, NULL);
		for (size_t i = 0; i < full.n; i++)
			remedy_command(m, "sysctl -w user.max_%s_namespaces=15000", full.v[i]);
		for (size_t i = 0; i < full.n; i++)
			remedy_command(m, "echo 'user.max_%s_namespaces = 15000' >> /etc/sysctl.d/90-nestcheck-ns.conf",
				       full.v[i]);
	}
	if (absent.n) {
		_cleanup_free_ char *list = strv_join(&absent, ", ");
		_cleanup_free_ char *text = xasprintf(
			"The kernel was built without %s namespaces. Boot a kernel with CONFIG_NAMESPACES and the "
			"options for them (USER_NS, PID_NS, NET_NS, IPC_NS, UTS_NS, CGROUPS):",
			list);
		result_remedy(r, WHERE_HOST, text, "zgrep _NS= /proc/config.gz", NULL);
	}
	if (refused.n) {
		_cleanup_free_ char *list = strv_join(&refused, ", ");
		_cleanup_free_ char *what = xasprintf("new %s namespaces", list);
		remedy_refused(c, r, what);
	}
	strv_clear(&full);
	strv_clear(&absent);
	strv_clear(&refused);
}

int check_namespace_unshare(struct ctx *c, struct result *r)
{
	int root = as_root(c, r);
	if (root < 0 && root != -ENOENT)
		return result_error(r, root, "proc/self/status is %s", host_err_text(root));
	if (root >= 0)
		result_evidence_bool(r, "as_root", root);

	const char *values[ARRAY_SIZE(ns_kinds)];
	size_t probed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ns_kinds); i++) {
		const struct ns_kind *k = &ns_kinds[i];
		_cleanup_free_ char *key = xasprintf("namespace.unshare.%s", k->name);
		int err = host_observe(c->host, key, probe_ns_unshare, (void *)&k->flag, &values[i]);
		if (err == -ENODATA) {
			values[i] = NULL;
			continue;
		}
		if (err < 0)
			return result_error(r, err, "cannot run the unshare(%s) probe: %s", k->name, errno_name(err));
		result_evidence_string(r, k->name, "%s", values[i]);
		probed++;
	}

	if (probed == 0) {
		/* Replay without observations (a missing proc/self/ns file in a capture proves nothing). */
		result_set(r, STATUS_SKIP, "creating namespaces was not probed (%s)", host_unprobed(c->host));
		return 0;
	}
	if (root < 0) {
		/* The probes ran with or without a user namespace of their own: which is not known. */
		result_set(r, STATUS_SKIP, "proc/self/status is missing: who ran the unshare probes is not known");
		return 0;
	}

	struct strv docker_failed = {0}, other_failed = {0};
	for (size_t i = 0; i < ARRAY_SIZE(ns_kinds); i++) {
		if (!values[i] || streq(values[i], "ok"))
			continue;
		_cleanup_free_ char *words = failure_words(values[i]);
		strv_push(ns_kinds[i].docker ? &docker_failed : &other_failed,
			  xasprintf("%s (%s)", ns_kinds[i].name, words));
	}
	_cleanup_free_ char *dlist = strv_join(&docker_failed, ", ");
	_cleanup_free_ char *olist = strv_join(&other_failed, ", ");

	if (docker_failed.n == 0 && other_failed.n == 0) {
		result_set(r, STATUS_PASS,
			   root ? "new user, mount, pid, net, ipc, uts and cgroup namespaces can all be created"
				: "as a non-root user, every namespace can be created inside a new user namespace "
				  "(what rootless Docker does); run as root to check the rootful engine");
	} else if (!root) {
		result_set(r, STATUS_WARN,
			   "as a non-root user, unshare fails for %s%s%s: rootless Docker cannot run; run nestcheck as "
			   "root to check the rootful engine",
			   dlist, docker_failed.n && other_failed.n ? ", " : "", olist);
		remedy_run_as_root(c, r);
	} else if (docker_failed.n) {
		result_set(r, STATUS_FAIL, "unshare fails for %s: runc cannot create containers here%s%s", dlist,
			   other_failed.n ? "; also " : "", olist);
	} else {
		bool user = values[0] && !streq(values[0], "ok");
		result_set(r, STATUS_WARN, "unshare fails for %s: %s", olist,
			   user ? "rootless Docker and userns-remap need user namespaces (the default engine does "
				  "not)"
				: "containers cannot get a private cgroup view (Docker's default on cgroup v2)");
	}
	if (root && (docker_failed.n || other_failed.n))
		remedy_unshare(c, r, values);
	strv_clear(&docker_failed);
	strv_clear(&other_failed);
	return 0;
}

/* ---------------------------------------------------------------- namespace.proc_mount */

/* Mount-table facts that explain a refused proc or sysfs. */
static void mount_facts(struct ctx *c, struct result *r, bool *ret_nesting, bool *ret_lxcfs)
{
	struct libmnt_table *tb;
	*ret_nesting = *ret_lxcfs = false;
	if (ctx_mounts(c, &tb) < 0)
		return;
	*ret_nesting = mounts_has(tb, "/dev/.lxc/proc", "proc");
	*ret_lxcfs = mounts_lxcfs_over_proc(tb);
	result_evidence_bool(r, "nesting_proc", *ret_nesting);
	result_evidence_bool(r, "lxcfs_over_proc", *ret_lxcfs);
}

int check_namespace_proc_mount(struct ctx *c, struct result *r)
{
	static const bool same = false, fresh = true;
	const char *v, *vu = NULL;
	int root = as_root(c, r);
	if (root < 0 && root != -ENOENT)
		return result_error(r, root, "proc/self/status is %s", host_err_text(root));

	int err = host_observe(c->host, "namespace.proc_mount", probe_proc_mount, (void *)&same, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "mounting proc in a new pid namespace was not probed (%s)",
			   host_unprobed(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the proc mount probe: %s", errno_name(err));
	if (root < 0) {
		result_set(r, STATUS_SKIP, "proc/self/status is missing: who ran the proc mount probe is not known");
		return 0;
	}
	result_evidence_string(r, "same_userns", "%s", v);
	err = host_observe(c->host, "namespace.proc_mount.userns", probe_proc_mount, (void *)&fresh, &vu);
	if (err < 0 && err != -ENODATA)
		return result_error(r, err, "cannot run the proc mount probe: %s", errno_name(err));
	if (vu)
		result_evidence_string(r, "new_userns", "%s", vu);
	bool nesting, lxcfs;
	mount_facts(c, r, &nesting, &lxcfs);
	bool lxc = streq(ctx_runtime(c), "lxc");

	_cleanup_free_ char *words = failure_words(v);
	if (!streq(v, "ok")) {
		if (root != 1) {
			result_set(
				r, STATUS_WARN,
				"as a non-root user, proc cannot be mounted in new user, mount and pid namespaces "
				"(%s): rootless Docker cannot run; run nestcheck as root to check the rootful engine",
				words);
			remedy_run_as_root(c, r);
			return 0;
		}
		_cleanup_free_ char *runc_err = runc_mount_error("proc", "/proc", "0xe", v);
		result_set(r, STATUS_FAIL, "proc cannot be mounted in a new pid namespace (%s): docker run %s%s", words,
			   runc_err,
			   lxc && lxcfs && !nesting ? " (LXCFS covers files in /proc and no clean proc is mounted at "
						      "/dev/.lxc/proc)"
						    : "");
		remedy_refused(c, r, "mounting a new proc");
		return 0;
	}
	if (vu && !streq(vu, "ok") && root == 1) {
		_cleanup_free_ char *uwords = failure_words(vu);
		bool no_userns = startswith(vu, "unshare:");
		_cleanup_free_ char *runc_err = runc_mount_error("proc", "/proc", "0xe", vu);
		result_set(r, STATUS_WARN,
			   "proc mounts in a new pid namespace (what the default engine does), but not from a new user "
			   "namespace (%s): with userns-remap (and rootless), docker run %s%s",
			   uwords, runc_err,
			   no_userns ? " (user namespaces cannot be created: see namespace.unshare)"
			   : lxc && lxcfs && !nesting
				   ? " (LXCFS covers files in /proc, so the kernel finds no fully visible proc)"
				   : "");
		if (lxc && !no_userns)
			fix_lxd_nesting(c, r);
		else if (no_userns)
			result_remedy(
				r, WHERE_CONTAINER,
				"Keep the default engine (no \"userns-remap\" in /etc/docker/daemon.json), or make "
				"user namespaces available (see namespace.unshare).",
				NULL);
		else
			remedy_refused(c, r, "mounting proc from a new user namespace");
		return 0;
	}
	result_set(r, STATUS_PASS, "pid 1 of a new pid namespace can mount its own proc, as runc does%s",
		   vu && streq(vu, "ok") ? ", also from a new user namespace" : "");
	return 0;
}

/* ---------------------------------------------------------------- namespace.sysfs_mount */

int check_namespace_sysfs_mount(struct ctx *c, struct result *r)
{
	static const bool new_netns = true, host_netns = false;
	const char *v, *vh = NULL;
	int root = as_root(c, r);
	if (root < 0 && root != -ENOENT)
		return result_error(r, root, "proc/self/status is %s", host_err_text(root));

	int err = host_observe(c->host, "namespace.sysfs_mount", probe_sysfs_mount, (void *)&new_netns, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "mounting sysfs in a new network namespace was not probed (%s)",
			   host_unprobed(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the sysfs mount probe: %s", errno_name(err));
	if (root < 0) {
		result_set(r, STATUS_SKIP, "proc/self/status is missing: who ran the sysfs mount probe is not known");
		return 0;
	}
	result_evidence_string(r, "new_netns", "%s", v);
	/* Without root the probe's own user namespace never owns this network namespace: nothing to learn. */
	err = root == 1 ? host_observe(c->host, "namespace.sysfs_mount.hostnet", probe_sysfs_mount, (void *)&host_netns,
				       &vh)
			: -ENODATA;
	if (err < 0 && err != -ENODATA)
		return result_error(r, err, "cannot run the sysfs mount probe: %s", errno_name(err));
	if (vh)
		result_evidence_string(r, "host_netns", "%s", vh);
	bool lxc = streq(ctx_runtime(c), "lxc");

	_cleanup_free_ char *words = failure_words(v);
	if (!streq(v, "ok")) {
		if (root != 1) {
			result_set(r, STATUS_WARN,
				   "as a non-root user, sysfs cannot be mounted in new user, mount and network "
				   "namespaces (%s): rootless Docker cannot run; run nestcheck as root to check the "
				   "rootful engine",
				   words);
			remedy_run_as_root(c, r);
			return 0;
		}
		/* MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, as runc prints them. */
		_cleanup_free_ char *runc_err = runc_mount_error("sysfs", "/sys", "0xf", v);
		result_set(r, STATUS_FAIL, "sysfs cannot be mounted in a new network namespace (%s): docker run %s",
			   words, runc_err);
		remedy_refused(c, r, "mounting a new sysfs");
		return 0;
	}
	if (vh && !streq(vh, "ok") && !streq(value_errno(vh), "ENOSPC")) {
		_cleanup_free_ char *hwords = failure_words(vh);
		result_set(r, STATUS_WARN,
			   "sysfs mounts in a new network namespace (what docker run does by default), but not in this "
			   "one (%s): the user namespace here does not own its network namespace, so containers run "
			   "with --network host fail to mount /sys",
			   hwords);
		if (lxc) {
			FIX_FOREACH_TARGET(c, t)
			{
				bool lxd_like = t.platform == PLATFORM_LXD || t.platform == PLATFORM_INCUS;
				struct remedy *m = fix_remedy(
					r, t,
					lxd_like
						? "This container shares a network namespace it does not own (LXC "
						  "lxc.net.0.type = none). Give it a network device of its own: remove "
						  "that setting from raw.lxc, then restart:"
						: "This container shares a network namespace it does not own (LXC "
						  "lxc.net.0.type = none). Give it a network device of its own, then "
						  "restart:");
				fix_show_config(m, t, "-n lxc.net");
				if (!lxd_like)
					fix_add_nic(m, t);
				fix_restart(m, t);
			}
		} else {
			result_remedy(r, WHERE_HOST,
				      "Run this container with a network namespace of its own (not the host's), or "
				      "avoid --network host for containers inside it.",
				      NULL);
		}
		return 0;
	}
	result_set(r, STATUS_PASS, "sysfs can be mounted read-only in a new network namespace, as runc does%s",
		   vh && streq(vh, "ok") ? ", and in this one (--network host)" : "");
	return 0;
}

/* ---------------------------------------------------------------- device.mknod */

static void remedy_mknod(struct ctx *c, struct result *r, bool wh_ok)
{
	const char *release;
	const struct kversion *kv;
	bool whiteouts_native = ctx_release(c, &release, &kv) == 0 && kversion_cmp(kv, 5, 8) >= 0;

	if (!streq(ctx_runtime(c), "lxc")) {
		remedy_refused(c, r, "mknod of device nodes");
		return;
	}
	if (!wh_ok && whiteouts_native) {
		/* The kernel allows whiteouts here: something between, the platform's interception, refuses them. */
		FIX_FOREACH_TARGET(c, t)
		{
			if (!fix_has_mknod_intercept(t))
				continue;
			_cleanup_free_ char *text =
				xasprintf("This kernel lets a user namespace create whiteouts, so an interceptor "
					  "refuses them: %s's mknod interception is known to break whiteouts. If it is "
					  "on for this container, turn it off:",
					  fix_platform_name(t));
			struct remedy *m = fix_remedy(r, t, text);
			fix_get(m, t, "security.syscalls.intercept.mknod");
			fix_unset(m, t, "security.syscalls.intercept.mknod");
			fix_restart(m, t);
		}
		return;
	}
	FIX_FOREACH_TARGET(c, t)
	{
		if (!fix_has_mknod_intercept(t))
			continue;
		_cleanup_free_ char *text =
			xasprintf("Let %s create the usual device nodes (null, zero, full, random, urandom, tty, "
				  "console) and whiteouts for this container; it needs seccomp user notification (see "
				  "seccomp.status). If image pulls then fail on whiteouts, unset the key again:",
				  fix_platform_name(t));
		struct remedy *m = fix_remedy(r, t, text);
		fix_set(m, t, "security.syscalls.intercept.mknod", "true");
		fix_restart(m, t);
	}
	if (!wh_ok && !whiteouts_native)
		result_remedy(r, WHERE_HOST,
			      "Or upgrade the host kernel to 5.8 or newer (whiteouts in user namespaces).", "uname -r",
			      NULL);
}

int device_mknod_observe(struct ctx *c, const char **ret)
{
	const char *root = "/var/lib/docker"; /* a bad daemon.json is storage.backing_fs's to report */
	ctx_data_root(c, NULL, &root);
	return host_observe(c->host, "device.mknod", probe_mknod, (void *)root, ret);
}

int check_device_mknod(struct ctx *c, struct result *r)
{
	int root = as_root(c, r);
	if (root == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/status is missing: who runs nestcheck is not known");
		return 0;
	}
	if (root < 0)
		return result_error(r, root, "proc/self/status is %s", host_err_text(root));
	if (!root) {
		result_set(r, STATUS_SKIP, "not root: only root may create device nodes; run nestcheck as root");
		return 0;
	}

	const char *v;
	int err = device_mknod_observe(c, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "mknod was not probed (%s)", host_unprobed(c->host));
		return 0;
	}
	if (err == -EROFS || err == -EACCES || err == -ENOENT) {
		result_set(r, STATUS_SKIP, "no writable directory to try mknod in (%s)", errno_name(err));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the mknod probe: %s", errno_name(err));

	_cleanup_free_ char *null = NULL, *wh = NULL, *dir = NULL;
	if (probe_kv_get(v, "null", &null) < 0 || probe_kv_get(v, "whiteout", &wh) < 0) {
		/* A probe that died or hung: no per-node answer. */
		free(null);
		null = xstrndup(v, strcspn(v, " "));
		wh = xstrdup(null);
	}
	result_evidence_string(r, "null", "%s", null);
	result_evidence_string(r, "whiteout", "%s", wh);
	if (probe_kv_get(v, "dir", &dir) == 0)
		result_evidence_string(r, "dir", "%s", dir);
	int userns = self_in_userns(c);
	if (userns >= 0)
		result_evidence_bool(r, "userns", userns);

	/* overlayfs refuses whiteout nodes by design: no answer about the kernel there. */
	struct libmnt_table *tb;
	const char *fstype = NULL, *target;
	if (dir && ctx_mounts(c, &tb) == 0 && mounts_covering(tb, dir, &fstype, &target) == 0)
		result_evidence_string(r, "fstype", "%s", fstype);
	bool wh_judged = !fstype || !streq(fstype, "overlay");
	bool null_ok = streq(null, "ok"), wh_ok = streq(wh, "ok") || !wh_judged;

	if (null_ok && wh_ok) {
		result_set(r, STATUS_PASS, "root can create device nodes (char 1:3) and overlay whiteouts (char 0:0)%s",
			   wh_judged ? ""
				     : " (whiteouts not tried: the directory is on overlay, see storage.backing_fs)");
		return 0;
	}
	_cleanup_free_ char *nwords = failure_words(null), *wwords = failure_words(wh);
	if (!wh_ok && userns == 0) {
		/* Outside a user namespace dockerd creates whiteouts with mknod itself. */
		result_set(r, STATUS_FAIL,
			   "overlay whiteouts (char 0:0) cannot be created (%s): pulling or loading an image whose "
			   "layers delete files fails (\"failed to register layer: ... mknod ... operation not "
			   "permitted\")",
			   wwords);
		remedy_refused(c, r, "mknod of whiteouts");
		return 0;
	}
	if (!wh_ok)
		result_set(r, STATUS_WARN,
			   "%s%s%soverlay whiteouts (char 0:0) cannot be created with mknod (%s): Docker's own image "
			   "store makes them through overlayfs in a user namespace, but engines that mknod them "
			   "(containerd's image store, BuildKit, Podman) fail with \"failed to mknod ... operation not "
			   "permitted\"",
			   null_ok ? "" : "device nodes (", null_ok ? "" : nwords, null_ok ? "" : ") and ", wwords);
	else
		result_set(r, STATUS_WARN,
			   "device nodes cannot be created (%s): containers start (runc bind-mounts /dev entries in a "
			   "user namespace) and images load without their device nodes, but builds and programs that "
			   "run mknod fail with \"mknod ... operation not permitted\"",
			   nwords);
	remedy_mknod(c, r, wh_ok);
	return 0;
}

/* ---------------------------------------------------------------- process.oom_score_adj */

int check_process_oom_score_adj(struct ctx *c, struct result *r)
{
	int root = as_root(c, r);
	if (root == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/status is missing: who runs nestcheck is not known");
		return 0;
	}
	if (root < 0)
		return result_error(r, root, "proc/self/status is %s", host_err_text(root));
	if (!root) {
		result_set(r, STATUS_SKIP,
			   "not root: lowering the OOM score needs CAP_SYS_RESOURCE; run nestcheck as root");
		return 0;
	}

	const char *v;
	int err = host_observe(c->host, "process.oom_score_adj", probe_oom_score_adj, NULL, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "lowering oom_score_adj was not probed (%s)", host_unprobed(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the oom_score_adj probe: %s", errno_name(err));

	_cleanup_free_ char *cur = NULL, *tried = NULL, *res = NULL;
	probe_kv_get(v, "current", &cur);
	probe_kv_get(v, "tried", &tried);
	if (probe_kv_get(v, "result", &res) < 0)
		res = xstrdup(v);
	if (cur)
		result_evidence_string(r, "current", "%s", cur);
	if (tried)
		result_evidence_string(r, "tried", "%s", tried);
	result_evidence_string(r, "result", "%s", res);

	if (streq(res, "ok")) {
		result_set(r, STATUS_PASS, "oom_score_adj can be lowered (from %s to %s), as dockerd and containerd do",
			   cur ? cur : "?", tried ? tried : "?");
		return 0;
	}
	_cleanup_free_ char *words = failure_words(res);
	result_set(r, STATUS_WARN,
		   "oom_score_adj cannot be lowered (%s): dockerd and containerd run without OOM protection; Docker "
		   "releases of the 1.12 era refused to start containers (\"failed to set OOM Score on shim\")",
		   words);
	struct remedy *m = result_remedy(
		r, WHERE_CONTAINER,
		"Current Docker releases ignore this refusal. With an old daemon, upgrade Docker, or start dockerd "
		"without adjusting its OOM score:",
		NULL);
	remedy_command(m, "dockerd --oom-score-adjust=0");
	return 0;
}
