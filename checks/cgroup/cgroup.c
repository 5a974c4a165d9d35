/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"
#include "probe.h"

#include <libmount.h>

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ", ");
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p += len;
		p += strspn(p, ", ");
	}
	return false;
}

static void remedy_missing_controllers(struct ctx *c, struct result *r, bool v2)
{
	_cleanup_free_ char *cmdline = NULL;
	host_read_line(c->host, "proc/cmdline", &cmdline);
	bool disabled = cmdline && strstr(cmdline, "cgroup_disable=");

	if (v2 && ctx_in_container(c) && !disabled) {
		static const char text[] =
			"The host does not delegate these controllers to this container's cgroup. On the host, "
			"enable them in the parent cgroup's subtree_control (systemd: Delegate=yes on the unit), "
			"then restart the container:";
		fix_host_step(c, r, text, "echo '+memory +pids' > /sys/fs/cgroup/cgroup.subtree_control");
		return;
	}
	struct remedy *m = result_remedy(
		r, WHERE_HOST,
		"The kernel was booted with these controllers off (Raspberry Pi and some vendor kernels do this). "
		"Add cgroup_enable=memory cgroup_memory=1 to the kernel command line (GRUB_CMDLINE_LINUX in "
		"/etc/default/grub, or /boot/firmware/cmdline.txt on a Raspberry Pi), then reboot:",
		NULL);
	remedy_command(m,
		       "sed -i 's/^GRUB_CMDLINE_LINUX=\"/&cgroup_enable=memory cgroup_memory=1 /' /etc/default/grub");
	remedy_command(m, "update-grub && reboot");
}

int check_cgroup_layout(struct ctx *c, struct result *r)
{
	struct libmnt_table *tb;
	int err = ctx_mounts(c, &tb);

	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/mountinfo is missing: the cgroup layout is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/mountinfo is %s", host_err_text(err));

	struct cgroup_mounts cm;
	err = cgroup_mounts_scan(tb, &cm);
	if (err < 0)
		return result_error(r, err, "cannot scan the mount table");

	const char *layout = cgroup_layout_to_string(cm.layout);
	result_evidence_string(r, "layout", "%s", layout);
	if (cm.v2_mountpoint)
		result_evidence_string(r, "cgroup2_mount", "%s", cm.v2_mountpoint);

	if (cm.layout == CGROUP_LAYOUT_NONE) {
		result_evidence_string(r, "controllers", "%s", "");
		result_set(r, STATUS_FAIL, "no cgroup filesystem is mounted; Docker cannot start containers");
		fix_mount_cgroups(c, r, ctx_here(c));
		cgroup_mounts_clear(&cm);
		return 0;
	}

	/* v2 controllers are listed only where cgroup2 is the main hierarchy. */
	_cleanup_free_ char *v2ctrl = NULL;
	bool v2_known = true;
	if (cm.v2_mountpoint && streq(cm.v2_mountpoint, "/sys/fs/cgroup")) {
		int e = host_read_line(c->host, "sys/fs/cgroup/cgroup.controllers", &v2ctrl);
		if (e < 0 && cm.layout == CGROUP_LAYOUT_V2)
			v2_known = false;
	}

	struct strv all = {0};
	for (const char *p = cm.v1_controllers; *p;) {
		size_t n = strcspn(p, ",");
		strv_push(&all, xstrndup(p, n));
		p += n + (p[n] == ',');
	}
	for (const char *p = v2ctrl; p && *p;) {
		size_t n = strcspn(p, " ");
		_cleanup_free_ char *name = xstrndup(p, n);
		if (n && !strv_contains(&all, name))
			strv_push(&all, TAKE_PTR(name));
		p += n;
		p += strspn(p, " ");
	}
	_cleanup_free_ char *controllers = strv_join(&all, ",");
	strv_clear(&all);
	result_evidence_string(r, "controllers", "%s", controllers);

	if (!v2_known) {
		result_set(r, STATUS_WARN,
			   "cgroup v2 is mounted, but sys/fs/cgroup/cgroup.controllers is unreadable: whether "
			   "memory and pids are available is not known");
		result_remedy(r, ctx_here(c), "Check that the memory and pids controllers are listed:",
			      "cat /sys/fs/cgroup/cgroup.controllers", NULL);
		cgroup_mounts_clear(&cm);
		return 0;
	}

	struct strv missing = {0};
	if (!list_has(controllers, "memory"))
		strv_push(&missing, xstrdup("memory"));
	if (!list_has(controllers, "pids"))
		strv_push(&missing, xstrdup("pids"));
	_cleanup_free_ char *miss = strv_join(&missing, ", ");

	if (missing.n == 0) {
		result_set(r, STATUS_PASS, "cgroup %s layout with the memory and pids controllers", layout);
	} else {
		result_evidence_string(r, "missing", "%s", miss);
		result_set(r, STATUS_WARN,
			   "cgroup %s layout, but the %s controller%s unavailable: container limits will not apply",
			   layout, miss, missing.n > 1 ? "s are" : " is");

		/* A v1 hierarchy the kernel has but nobody mounted is fixed where we run. */
		_cleanup_free_ char *cgbuf = NULL;
		struct cgroup_lines lines = {0};
		bool unmounted = false;
		if (cm.layout != CGROUP_LAYOUT_V2 && host_read_text(c->host, "proc/self/cgroup", &cgbuf) == 0 &&
		    proc_cgroup_parse(cgbuf, &lines) == 0)
			for (size_t i = 0; i < lines.n; i++)
				for (size_t j = 0; j < missing.n; j++)
					if (list_has(lines.v[i].controllers, missing.v[j]))
						unmounted = true;
		cgroup_lines_clear(&lines);
		if (unmounted)
			fix_mount_cgroups(c, r, ctx_here(c));
		else
			remedy_missing_controllers(c, r, cm.layout == CGROUP_LAYOUT_V2);
	}
	strv_clear(&missing);
	cgroup_mounts_clear(&cm);
	return 0;
}

int check_cgroup_namespace(struct ctx *c, struct result *r)
{
	_cleanup_free_ char *link = NULL;
	int err = host_read_link(c->host, "proc/self/ns/cgroup", &link);

	if (err == -ENOENT) {
		/* Without proc itself nothing can be said. */
		if (host_access(c->host, "proc/self") < 0) {
			result_set(r, STATUS_SKIP, "proc/self is missing: cgroup namespace support is not known");
			return 0;
		}
		result_evidence_bool(r, "ns_file", false);
		result_set(r, STATUS_FAIL,
			   "the kernel has no cgroup namespaces (mainline Linux below 4.6): containers see the "
			   "host's cgroup tree, and nested containers cannot run");
		result_remedy(r, WHERE_HOST,
			      "Boot a kernel of 4.6 or newer (Ubuntu's 4.4 kernels carry cgroup namespaces too).",
			      "uname -r", NULL);
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/ns/cgroup is %s", host_err_text(err));
	result_evidence_bool(r, "ns_file", true);
	result_evidence_string(r, "ns", "%s", link);

	const char *probe;
	err = host_observe(c->host, "cgroup.namespace.unshare", probe_cgroup_unshare, NULL, &probe);
	if (err == -ENODATA) {
		result_set(r, STATUS_PASS, "cgroup namespaces are available (%s; unshare not probed %s)", link,
			   host_unprobed_in(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the unshare(CLONE_NEWCGROUP) probe: %s", errno_name(err));
	result_evidence_string(r, "unshare", "%s", probe);
	if (streq(probe, "ok")) {
		result_set(r, STATUS_PASS, "cgroup namespaces are available and a new one can be created");
		return 0;
	}
	result_set(r, STATUS_FAIL,
		   "unshare(CLONE_NEWCGROUP) fails with %s: containers cannot get their own cgroup view", probe);
	if (streq(ctx_runtime(c), "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m = fix_remedy(r, t,
						      "The container's security policy forbids new namespaces. Allow "
						      "nesting for this container, then restart it:");
			fix_set(m, t, "security.nesting", "true");
			fix_restart(m, t);
		}
	} else {
		result_remedy(r, WHERE_HOST,
			      "A security policy (seccomp or an LSM) blocks unshare here. Run nestcheck as root; in a "
			      "container, start it with a policy that allows namespaces (docker run --privileged).",
			      NULL);
	}
	return 0;
}
