/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"

#include <inttypes.h>

/* A sysctl's value as text, or NULL when it is not there. */
static char *read_sysctl(struct ctx *c, struct result *r, const char *path, const char *key)
{
	char *v = NULL;
	if (host_read_line(c->host, path, &v) < 0)
		return NULL;
	result_evidence_string(r, key, "%s", v);
	return v;
}

int check_userns_enabled(struct ctx *c, struct result *r)
{
	const struct kconfig *kc;
	enum where where = ctx_here(c);
	bool kconfig_known = ctx_kconfig(c, &kc, NULL) == 0;
	_cleanup_free_ char *max = read_sysctl(c, r, "proc/sys/user/max_user_namespaces", "max_user_namespaces");
	_cleanup_free_ char *clone =
		read_sysctl(c, r, "proc/sys/kernel/unprivileged_userns_clone", "unprivileged_userns_clone");
	_cleanup_free_ char *restrict_ = read_sysctl(c, r, "proc/sys/kernel/apparmor_restrict_unprivileged_userns",
						     "apparmor_restrict_unprivileged_userns");

	if (kconfig_known) {
		result_evidence_bool(r, "config_user_ns", kconfig_get(kc, "USER_NS") == 'y');
		if (kconfig_get(kc, "USER_NS") != 'y') {
			result_set(r, STATUS_FAIL, "the kernel is built without user namespaces (CONFIG_USER_NS)");
			result_remedy(r, WHERE_HOST,
				      "Unprivileged containers and rootless Docker need user namespaces. Boot a "
				      "kernel built with CONFIG_USER_NS=y (every major distribution's is).",
				      NULL);
			return 0;
		}
	}
	if (max && streq(max, "0")) {
		result_set(r, STATUS_FAIL, "user namespaces are switched off (user.max_user_namespaces = 0)");
		result_remedy(r, where, "Allow user namespaces again, now and after reboots:",
			      "sysctl -w user.max_user_namespaces=15000",
			      "echo user.max_user_namespaces=15000 > /etc/sysctl.d/90-user-namespaces.conf", NULL);
		return 0;
	}
	if (!kconfig_known && !max && host_access(c->host, "proc/self/uid_map") < 0) {
		result_set(r, STATUS_SKIP, "neither the kernel config nor proc/sys/user/max_user_namespaces is known");
		return 0;
	}
	if (clone && streq(clone, "0")) {
		result_set(r, STATUS_WARN,
			   "unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0): "
			   "rootless Docker and unprivileged nesting fail");
		result_remedy(r, WHERE_HOST, "Allow unprivileged users to create user namespaces:",
			      "sysctl -w kernel.unprivileged_userns_clone=1",
			      "echo kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/90-userns-clone.conf", NULL);
		return 0;
	}
	if (restrict_ && streq(restrict_, "1")) {
		result_set(r, STATUS_WARN,
			   "AppArmor restricts unprivileged user namespaces "
			   "(kernel.apparmor_restrict_unprivileged_userns = 1): rootless Docker needs a profile");
		result_remedy(
			r, WHERE_HOST,
			"Lift the restriction (or give the rootless tools an AppArmor profile that allows userns):",
			"sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
			"echo kernel.apparmor_restrict_unprivileged_userns=0 > /etc/sysctl.d/90-userns-apparmor.conf",
			NULL);
		return 0;
	}
	result_set(r, STATUS_PASS, "user namespaces are enabled");
	return 0;
}

/* 0 with the map; 1 when the check is decided (skip or error, set in r); <0 when broken. */
static int read_idmap(struct ctx *c, struct result *r, const char *path, struct idmap *ret)
{
	_cleanup_free_ char *buf = NULL;
	int err = host_read_text(c->host, path, &buf);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "%s is missing: the id map is not known", path);
		return 1;
	}
	if (err == 0)
		err = idmap_parse(buf, ret);
	if (err == -EBADMSG)
		return result_error(r, err, "%s is malformed (not \"inside outside count\" lines)", path);
	if (err < 0)
		return result_error(r, err, "%s is %s", path, host_err_text(err));
	return 0;
}

static void remedy_idmap_privileged(struct ctx *c, struct result *r)
{
	const char *rt = ctx_runtime(c);
	if (streq(rt, "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m;
			switch (t.platform) {
			case PLATFORM_PROXMOX:
				/* pct cannot turn an existing container unprivileged: a restored backup can. */
				m = fix_remedy(
					r, t,
					"Unless you trust every user of this container with root on the host, "
					"restore a backup of it as a new unprivileged container (Docker inside "
					"still works with the nesting and keyctl features), then start that one:");
				fix_set(m, t, "security.privileged", "false");
				remedy_command(m, "pct start NEWID");
				break;
			case PLATFORM_LXC:
				fix_remedy(r, t,
					   "Unless you trust every user of this container with root on the host, move "
					   "the workload to an unprivileged container (lxc.idmap lines in its config, "
					   "root's ranges in /etc/subuid and /etc/subgid, and nesting on): "
					   "an existing rootfs keeps the host's ids.");
				break;
			default:
				m = fix_remedy(r, t,
					       "Unless you trust every user of this container with root on the host, "
					       "make it unprivileged again (Docker inside still works with "
					       "security.nesting):");
				fix_unset(m, t, "security.privileged");
				fix_set(m, t, "security.nesting", "true");
				fix_restart(m, t);
			}
		}
	} else if (streq(rt, "docker") || streq(rt, "podman")) {
		result_remedy(r, WHERE_HOST,
			      "Root in this container is root on the host. Enable user namespace remapping for the "
			      "engine (dockerd --userns-remap=default, or rootless mode) if its users are not trusted.",
			      NULL);
	} else {
		result_remedy(r, WHERE_HOST,
			      "Root in this container is root on the host. Run it with a user namespace if its users "
			      "are not trusted.",
			      NULL);
	}
}

static void remedy_idmap_small(struct ctx *c, struct result *r)
{
	if (streq(ctx_runtime(c), "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m = fix_remedy(r, t,
						      "Give the container a map of at least 65536 ids (1000000 leaves "
						      "room for images with high uids), then restart it:");
			fix_set(m, t, "security.idmap.size", "1000000");
			fix_restart(m, t);
			if (t.platform != PLATFORM_LXD && t.platform != PLATFORM_INCUS)
				continue;
			_cleanup_free_ char *text =
				xasprintf("If %s refuses for lack of ids, give root a larger subordinate range in "
					  "/etc/subuid and /etc/subgid first%s, then restart %s:",
					  fix_platform_name(t),
					  t.platform == PLATFORM_LXD ? " (the LXD snap needs no such step)" : "",
					  fix_platform_name(t));
			result_remedy(r, WHERE_HOST, text,
				      "usermod --add-subuids 1000000-1000999999 --add-subgids 1000000-1000999999 root",
				      NULL);
		}
		return;
	}
	result_remedy(r, WHERE_HOST,
		      "Widen the user namespace's id map to cover 0-65535 for uids and gids (LXC: lxc.idmap = u 0 "
		      "100000 65536 and g 0 100000 65536, with matching /etc/subuid and /etc/subgid entries).",
		      NULL);
}

int check_userns_idmap(struct ctx *c, struct result *r)
{
	struct idmap uid, gid;
	int err = read_idmap(c, r, "proc/self/uid_map", &uid);
	if (err == 0)
		err = read_idmap(c, r, "proc/self/gid_map", &gid);
	if (err != 0)
		return err < 0 ? err : 0;

	_cleanup_free_ char *uids = idmap_format(&uid), *gids = idmap_format(&gid);
	result_evidence_string(r, "uid_ranges", "%s", uids);
	result_evidence_string(r, "gid_ranges", "%s", gids);
	result_evidence_int(r, "uid_mapped", (long long)idmap_total(&uid));
	result_evidence_int(r, "gid_mapped", (long long)idmap_total(&gid));

	if (idmap_is_identity(&uid) && idmap_is_identity(&gid)) {
		result_evidence_bool(r, "identity", true);
		if (ctx_in_container(c)) {
			result_set(r, STATUS_WARN, "privileged container: root inside is root on the host");
			remedy_idmap_privileged(c, r);
		} else {
			result_set(r, STATUS_PASS, "no user namespace: all ids are the host's own");
		}
		return 0;
	}
	result_evidence_bool(r, "identity", false);

	bool uid_ok = idmap_covers(&uid, 0, 65536), gid_ok = idmap_covers(&gid, 0, 65536);
	if (uid_ok && gid_ok) {
		result_set(r, STATUS_PASS, "ids 0-65535 are mapped (%" PRIu64 " uids, %" PRIu64 " gids)",
			   idmap_total(&uid), idmap_total(&gid));
		return 0;
	}
	result_set(r, STATUS_FAIL,
		   "only %" PRIu64 " uids and %" PRIu64 " gids are mapped: images with files owned by ids up to "
		   "65535 fail to unpack (\"lchown ... invalid argument\")",
		   idmap_total(&uid), idmap_total(&gid));
	remedy_idmap_small(c, r);
	return 0;
}
