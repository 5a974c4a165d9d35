/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup.delegation: can runc create the containers' cgroups, and use controllers in them? */
#include "checks/checks.h"
#include "checks/namespace/parse.h"
#include "checks/namespace/probe.h"

/* The controllers Docker sets limits with on cgroup v2. */
#define V2_WANT "cpu cpuset io memory pids"

static void remedy_not_writable(struct ctx *c, struct result *r, const char *dir, bool root)
{
	const char *rt = ctx_runtime(c);
	if (!root) {
		result_remedy(
			r, WHERE_HOST,
			"A non-root engine (rootless Docker) needs its cgroup delegated by systemd (cgroup v2), or "
			"runs without limits; run nestcheck as root to check the rootful engine:",
			"mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io "
			"memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl "
			"daemon-reload",
			NULL);
	} else if (streq(rt, "lxc")) {
		struct remedy *m = result_remedy(
			r, WHERE_CONTAINER,
			"The cgroup hierarchy is mounted read-only or not delegated here. Mount it read-write inside "
			"the container (LXD, Incus and LXC delegate the container's own cgroup):",
			NULL);
		remedy_command(m, "mount -o remount,rw %s", dir);
		result_remedy(
			r, WHERE_HOST,
			"Plain LXC: mount the cgroups read-write (lxc.mount.auto = cgroup:rw:force), then restart "
			"the container.",
			NULL);
	} else if (streq(rt, "docker") || streq(rt, "podman")) {
		fix_outer_run(c, r, "A nested engine needs a writable cgroup tree: start this container with:",
			      "--privileged --cgroupns=private");
	} else {
		struct remedy *m = result_remedy(
			r, ctx_here(c), "The cgroup hierarchy is mounted read-only here. Mount it read-write:", NULL);
		remedy_command(m, "mount -o remount,rw %s", dir);
	}
}

/* 1 root, 0 not; unknown counts as root (the rule for the engine that matters). */
static bool running_as_root(struct ctx *c)
{
	uint32_t euid;
	return status_euid(c, &euid) < 0 || euid == 0;
}

static int delegation_v1(struct ctx *c, struct result *r, struct libmnt_table *tb, const char *proc_cgroup)
{
	static const char *const ctrls[] = {"memory", "pids"};
	struct strv failed = {0}, missing = {0}, ok = {0};
	_cleanup_free_ char *fail_dir = NULL;
	size_t replay = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *dir = NULL;
		int err = cgroup_own_dir(tb, proc_cgroup, ctrls[i], &dir, NULL);
		if (err < 0) {
			strv_push(&missing, xstrdup(ctrls[i]));
			continue;
		}
		_cleanup_free_ char *dkey = xasprintf("%s_dir", ctrls[i]);
		result_evidence_string(r, dkey, "%s", dir);
		_cleanup_free_ char *key = xasprintf("cgroup.delegation.v1.%s", ctrls[i]);
		struct cgroup_probe p = {.dir = dir};
		const char *v;
		err = host_observe(c->host, key, probe_cgroup_delegation, &p, &v);
		if (err == -ENODATA) {
			replay++;
			continue;
		}
		if (err < 0) {
			strv_clear(&failed);
			strv_clear(&missing);
			strv_clear(&ok);
			return result_error(r, err, "cannot run the cgroup probe in %s: %s", dir, errno_name(err));
		}
		result_evidence_string(r, ctrls[i], "%s", v);
		_cleanup_free_ char *mk = NULL;
		if (probe_kv_get(v, "mkdir", &mk) < 0)
			mk = xstrdup(v);
		if (streq(mk, "ok")) {
			strv_push(&ok, xstrdup(ctrls[i]));
			continue;
		}
		strv_push(&failed, xasprintf("%s (%s)", dir, mk));
		if (!fail_dir)
			fail_dir = TAKE_PTR(dir);
	}
	size_t probed = ok.n + failed.n;
	_cleanup_free_ char *miss = strv_join(&missing, ", ");
	if (missing.n)
		result_evidence_string(r, "not_mounted", "%s", miss);

	if (probed == 0) {
		if (replay)
			result_set(r, STATUS_SKIP, "creating cgroups was not probed (%s)", host_unprobed(c->host));
		else
			result_set(r, STATUS_SKIP,
				   "neither the memory nor the pids hierarchy is mounted (see cgroup.layout)");
	} else if (failed.n) {
		_cleanup_free_ char *list = strv_join(&failed, ", ");
		bool root = running_as_root(c);
		result_set(r, root ? STATUS_FAIL : STATUS_WARN, "%sa cgroup cannot be created in %s: %s",
			   root ? "" : "as a non-root user, ", list,
			   root ? "runc cannot create the containers' cgroups"
				: "rootless Docker runs containers without resource limits");
		_cleanup_free_ char *top = xstrdup(fail_dir);
		/* The hierarchy's mount point is what a remount takes. */
		char *slash =
			strstr(top, "/sys/fs/cgroup/") == top ? strchr(top + strlen("/sys/fs/cgroup/"), '/') : NULL;
		if (slash)
			*slash = '\0';
		remedy_not_writable(c, r, top, root);
	} else {
		_cleanup_free_ char *names = strv_join(&ok, " and ");
		result_set(r, STATUS_PASS, "cgroups can be created (and removed) in the %s hierarch%s%s%s", names,
			   ok.n > 1 ? "ies" : "y", missing.n ? "; not mounted: " : "", miss);
	}
	strv_clear(&ok);
	strv_clear(&failed);
	strv_clear(&missing);
	return 0;
}

static void remedy_c4(struct result *r, const char *root)
{
	struct remedy *m = result_remedy(
		r, WHERE_CONTAINER,
		"Processes sit in the root of the delegated cgroup tree, so no controller can be enabled for "
		"children (cgroup v2 has no internal processes). Move them to a leaf cgroup and enable the "
		"controllers, as Docker's own dind script does (after every boot, before dockerd starts), or run "
		"an init that does it (systemd):",
		NULL);
	remedy_command(m, "mkdir -p %s/init", root);
	remedy_command(m, "xargs -rn1 < %s/cgroup.procs > %s/init/cgroup.procs", root, root);
	remedy_command(m, "sed -e 's/ / +/g' -e 's/^/+/' < %s/cgroup.controllers > %s/cgroup.subtree_control", root,
		       root);
}

static void remedy_c5(struct ctx *c, struct result *r, const char *list)
{
	_cleanup_free_ char *text = xasprintf(
		"The host does not hand %s down to this cgroup. On the host, enable them in the subtree_control of "
		"every cgroup above the container's (systemd enables them for units with Delegate=yes), then "
		"restart the container:",
		list);
	fix_host_step(c, r, text, "echo '+cpu +cpuset +io +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control");
}

static int delegation_v2(struct ctx *c, struct result *r, struct libmnt_table *tb, const char *proc_cgroup,
			 const char *mountpoint)
{
	_cleanup_free_ char *own = NULL;
	if (cgroup_own_dir(tb, proc_cgroup, NULL, &own, NULL) == 0)
		result_evidence_string(r, "own_dir", "%s", own);
	result_evidence_string(r, "dir", "%s", mountpoint);

	/* Where Docker's cgroupfs driver creates docker/<id>: the top of the visible tree. */
	struct cgroup_probe p = {.dir = mountpoint, .root = mountpoint, .want = V2_WANT};
	const char *v;
	int err = host_observe(c->host, "cgroup.delegation.v2", probe_cgroup_delegation, &p, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "creating cgroups was not probed (%s)", host_unprobed(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the cgroup probe in %s: %s", mountpoint, errno_name(err));
	result_evidence_string(r, "probe", "%s", v);

	_cleanup_free_ char *mk = NULL, *type = NULL, *enable = NULL, *root_type = NULL, *root_procs = NULL,
			    *root_avail = NULL, *root_enable = NULL;
	if (probe_kv_get(v, "mkdir", &mk) < 0)
		mk = xstrdup(v);
	probe_kv_get(v, "type", &type);
	probe_kv_get(v, "enable", &enable);
	probe_kv_get(v, "root_type", &root_type);
	probe_kv_get(v, "root_procs", &root_procs);
	probe_kv_get(v, "root_avail", &root_avail);
	probe_kv_get(v, "root_enable", &root_enable);

	if (!streq(mk, "ok")) {
		bool root = running_as_root(c);
		result_set(r, root ? STATUS_FAIL : STATUS_WARN, "%sa cgroup cannot be created in %s (%s): %s",
			   root ? "" : "as a non-root user, ", mountpoint, mk,
			   root ? "runc cannot create the containers' cgroups"
				: "rootless Docker runs containers without resource limits");
		remedy_not_writable(c, r, mountpoint, root);
		return 0;
	}
	if (type && !streq(type, "domain")) {
		result_set(r, STATUS_FAIL,
			   "a child of %s comes out %s, not domain: runc fails with 'cannot enter cgroupv2 "
			   "\"%s/docker\" with domain controllers -- it is in an invalid state'",
			   mountpoint, type, mountpoint);
		remedy_c4(r, mountpoint);
		return 0;
	}
	if (root_enable && streq(root_enable, "EBUSY")) {
		/*
		 * Measured on a stock kernel in LXD (cgroup v2, Docker 20.10): runc tries to
		 * enable the controllers, ignores the refusal and starts the container in a
		 * cgroup without them; only resource limits fail.
		 */
		result_set(r, STATUS_WARN,
			   "%s holds %s process(es), so its controllers cannot be enabled for children (EBUSY): "
			   "containers start, but in cgroups without controllers, and resource limits (docker run "
			   "--memory, --cpus, --pids-limit) fail",
			   mountpoint, root_procs ? root_procs : "some");
		remedy_c4(r, mountpoint);
		return 0;
	}

	/* Controllers Docker uses that the host did not hand down. */
	struct strv missing = {0};
	static const char *const want[] = {"cpu", "cpuset", "io", "memory", "pids"};
	if (root_avail && !streq(root_type ? root_type : "", "root"))
		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			if (!word_list_has(root_avail, want[i]))
				strv_push(&missing, xstrdup(want[i]));
	_cleanup_free_ char *miss = strv_join(&missing, ", ");
	if (missing.n) {
		result_evidence_string(r, "not_delegated", "%s", miss);
		result_set(r, STATUS_WARN,
			   "cgroups can be created in %s, but the %s controller%s not delegated: Docker discards "
			   "the container limits that need %s (\"... Limitation discarded\"), or fails with "
			   "\"openat2 .../memory.max: no such file or directory\"",
			   mountpoint, miss, missing.n > 1 ? "s are" : " is", missing.n > 1 ? "them" : "it");
		remedy_c5(c, r, miss);
		strv_clear(&missing);
		return 0;
	}
	strv_clear(&missing);
	if (enable && !streq(enable, "ok")) {
		result_set(r, STATUS_WARN,
			   "a cgroup can be created in %s, but enabling controllers for its children fails (%s): "
			   "container limits may not apply",
			   mountpoint, enable);
		result_remedy(r, WHERE_CONTAINER, "See which controllers the tree has and which are enabled:",
			      "cat /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/cgroup.subtree_control", NULL);
		return 0;
	}
	result_set(r, STATUS_PASS, "cgroups can be created in %s and Docker's controllers enabled below them",
		   mountpoint);
	return 0;
}

int check_cgroup_delegation(struct ctx *c, struct result *r)
{
	struct libmnt_table *tb;
	int err = ctx_mounts(c, &tb);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/mountinfo is missing: the cgroup mounts are not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/mountinfo is %s", host_err_text(err));
	_cleanup_free_ char *proc_cgroup = NULL;
	err = host_read_text(c->host, "proc/self/cgroup", &proc_cgroup);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/cgroup is missing: nestcheck's own cgroup is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/cgroup is %s", host_err_text(err));

	struct cgroup_mounts cm;
	err = cgroup_mounts_scan(tb, &cm);
	if (err < 0)
		return result_error(r, err, "cannot scan the mount table");
	result_evidence_string(r, "layout", "%s", cgroup_layout_to_string(cm.layout));
	if (cm.layout == CGROUP_LAYOUT_NONE) {
		result_set(r, STATUS_SKIP, "no cgroup filesystem is mounted (see cgroup.layout)");
		err = 0;
	} else if (cm.layout == CGROUP_LAYOUT_V2) {
		err = delegation_v2(c, r, tb, proc_cgroup, cm.v2_mountpoint);
	} else {
		/* Hybrid: Docker uses the v1 hierarchies; cgroup2 holds no controllers there. */
		err = delegation_v1(c, r, tb, proc_cgroup);
	}
	cgroup_mounts_clear(&cm);
	return err;
}
