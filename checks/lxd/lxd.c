/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxd.instance: an LXD instance's configuration judged from its host, as
 * `nestcheck lxd NAME` sees it. Its inputs are recorded observations: the
 * instance's name, status and expanded config (put there by nestcheck lxd)
 * and the host files it reads (host_observe_file), so that a recording, or a
 * capture of the host, replays it.
 */
#include "lxd.h"
#include "parse.h"
#include "checks/checks.h"
#include "core/json.h"

#include <json-c/json.h>

#define LXD_MIN_IDMAP_SIZE 65536

static const char *cfg(const struct lxd_instance *in, const char *key)
{
	return json_get_str(in->config, key);
}

static bool cfg_true(const struct lxd_instance *in, const char *key)
{
	const char *v = cfg(in, key);
	return v && (streq(v, "true") || streq(v, "1") || streq(v, "yes") || streq(v, "on"));
}

static bool modules_have(const char *list, const char *mod)
{
	if (!list)
		return false;
	_cleanup_free_ char *dup = xstrdup(list);
	for (char *save, *t = strtok_r(dup, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
		if (streq(t, mod))
			return true;
	return false;
}

static struct fix_target target(const struct lxd_instance *in)
{
	return in->incus ? fix_target_incus(in->name) : fix_target_lxd(in->name);
}

void lxd_instance_judge(const struct lxd_instance *in, struct result *r)
{
	const char *n = in->name;
	struct fix_target t = target(in);
	bool privileged = cfg_true(in, "security.privileged"), nesting = cfg_true(in, "security.nesting");
	bool isolated = cfg_true(in, "security.idmap.isolated"), aa = in->host_apparmor, overlay = in->host_overlay;
	const char *size_s = cfg(in, "security.idmap.size"), *mods = cfg(in, "linux.kernel_modules");
	const char *raw = cfg(in, "raw.lxc");
	long long size = -1;
	if (size_s && size_s[0]) {
		char *end;
		errno = 0;
		size = strtoll(size_s, &end, 10);
		if (errno || *end || size < 0)
			size = -1;
	}
	struct strv intercept = {0};
	json_object_object_foreach(in->config, key, v)
	{
		if (startswith(key, "security.syscalls.intercept.") && json_object_is_type(v, json_type_string) &&
		    streq(json_object_get_string(v), "true"))
			strv_push(&intercept, xstrdup(key + strlen("security.syscalls.intercept.")));
	}
	_cleanup_free_ char *icpt = strv_join(&intercept, ",");
	strv_clear(&intercept);

	if (in->incus)
		result_evidence_string(r, "platform", "incus");
	result_evidence_string(r, "instance", "%s", n);
	result_evidence_string(r, "status", "%s", in->status);
	result_evidence_bool(r, "nesting", nesting);
	result_evidence_bool(r, "privileged", privileged);
	result_evidence_bool(r, "idmap_isolated", isolated);
	if (size >= 0)
		result_evidence_int(r, "idmap_size", size);
	result_evidence_string(r, "kernel_modules", "%s", mods ? mods : "");
	result_evidence_string(r, "syscalls_intercept", "%s", icpt);
	result_evidence_bool(r, "raw_lxc", raw && raw[0]);
	result_evidence_bool(r, "host_apparmor", aa);
	result_evidence_bool(r, "host_overlay", overlay);

	enum status worst = STATUS_PASS;
	struct strbuf why = {0};
#define PROBLEM(st, ...)                                                                                               \
	do {                                                                                                           \
		if ((st) > worst)                                                                                      \
			worst = (st);                                                                                  \
		strbuf_appendf(&why, "%s", why.len ? "; " : "");                                                       \
		strbuf_appendf(&why, __VA_ARGS__);                                                                     \
	} while (0)

	if (!nesting && aa) {
		if (in->incus)
			/* Incus's profile lets proc be mounted without nesting: Docker runs (measured, Incus 6.0). */
			PROBLEM(STATUS_WARN,
				"security.nesting is off and AppArmor confines %s: Incus's profile still lets Docker's "
				"containers start, but not in nested user namespaces (rootless Docker, userns-remap)",
				n);
		else
			PROBLEM(STATUS_FAIL,
				"security.nesting is off and AppArmor confines %s: Docker cannot mount proc or "
				"sysfs for its containers",
				n);
		struct remedy *m =
			result_remedy(r, WHERE_HOST, "Allow nested containers in the instance, then restart it.", NULL);
		fix_set(m, t, "security.nesting", "true");
		fix_restart(m, t);
	} else if (!nesting && !privileged) {
		PROBLEM(STATUS_WARN,
			"security.nesting is off: Docker inside %s depends on the host not confining it (no AppArmor "
			"here now)",
			n);
		struct remedy *m = result_remedy(
			r, WHERE_HOST, "Turn on nesting so Docker keeps working once the host confines instances.",
			NULL);
		fix_set(m, t, "security.nesting", "true");
		fix_restart(m, t);
	}
	if (privileged) {
		PROBLEM(STATUS_WARN, "%s is privileged: root in it is root on the host", n);
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			"Run the instance unprivileged (with security.nesting true Docker works there too).", NULL);
		fix_set(m, t, "security.privileged", "false");
		fix_set(m, t, "security.nesting", "true");
		fix_restart(m, t);
	} else if (size >= 0 && size < LXD_MIN_IDMAP_SIZE) {
		PROBLEM(STATUS_FAIL,
			"security.idmap.size is %lld: images with files owned by ids at or above %lld fail to unpack "
			"(lchown: invalid argument)",
			size, size);
		/* The size userns.idmap prints too: 65536 at least, more for images with high ids. */
		struct remedy *m = result_remedy(r, WHERE_HOST,
						 "Give the instance a map of at least 65536 ids (1000000 leaves room "
						 "for images with high uids), then restart it.",
						 NULL);
		fix_set(m, t, "security.idmap.size", "1000000");
		fix_restart(m, t);
	}
	if (!overlay && !modules_have(mods, "overlay")) {
		PROBLEM(STATUS_WARN,
			"overlay is not loaded on the host and linux.kernel_modules of %s does not name it: Docker "
			"falls back to vfs",
			n);
		_cleanup_free_ char *text = xasprintf("Have %s load overlay when the instance starts (or load it now).",
						      fix_platform_name(t));
		struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
		fix_set_start_modules(m, t, "overlay");
		remedy_command(m, "modprobe overlay");
		fix_restart(m, t);
	}
#undef PROBLEM
	if (worst == STATUS_PASS)
		result_set(r, STATUS_PASS, "%s: %s, %s%s", n, privileged ? "privileged" : "unprivileged",
			   nesting ? "nesting on" : "nesting off", isolated ? ", isolated id map" : "");
	else
		result_set(r, worst, "%s", why.buf);
	free(why.buf);
}

/*
 * A file of the host lxd.instance judges by. Live, it is recorded next to
 * LXD's word on the instance, so that a recording alone replays the verdict;
 * a replay takes the recorded text, else the sysroot's file. NULL: absent.
 */
static char *host_fact(struct ctx *c, const char *path)
{
	const char *v;
	char *text = NULL;
	int r = host_observe_file(c->host, path, &v);
	if (r == 0)
		return xstrdup(v);
	if (r == -ENODATA && host_read_text(c->host, path, &text) == 0)
		return text;
	return NULL;
}

bool lxd_instance_wanted(struct ctx *c)
{
	const char *v;
	return host_recorded(c->host, LXD_OBS_CONFIG, &v) == 0;
}

int lxd_instance_judge_text(const struct lxd_instance_text *t, struct result *r)
{
	json_object *cfg;
	if (t->platform && !streq(t->platform, "lxd") && !streq(t->platform, "incus"))
		return result_error(r, -EBADMSG, "the recorded %s is neither lxd nor incus", LXD_OBS_PLATFORM);
	if (!lxd_instance_name_valid(t->name))
		return result_error(r, -EBADMSG, "the recorded %s is not an LXD instance name", LXD_OBS_NAME);
	if (lxd_config_parse(t->config, &cfg) < 0)
		return result_error(r, -EBADMSG, "the recorded %s is not a JSON object", LXD_OBS_CONFIG);
	struct lxd_instance in = {
		.incus = t->platform && streq(t->platform, "incus"),
		.name = t->name,
		.status = t->status,
		.config = cfg,
		.host_apparmor = lxd_apparmor_enabled(t->apparmor),
		.host_overlay = lxd_overlay_registered(t->filesystems),
	};
	lxd_instance_judge(&in, r);
	json_object_put(cfg);
	return 0;
}

int check_lxd_instance(struct ctx *c, struct result *r)
{
	struct lxd_instance_text t = {0};
	if (host_recorded(c->host, LXD_OBS_PLATFORM, &t.platform) < 0)
		t.platform = NULL;
	if (host_recorded(c->host, LXD_OBS_NAME, &t.name) < 0 ||
	    host_recorded(c->host, LXD_OBS_STATUS, &t.status) < 0 ||
	    host_recorded(c->host, LXD_OBS_CONFIG, &t.config) < 0) {
		result_set(r, STATUS_SKIP,
			   "no instance to judge: this check runs on an LXD or Incus host, as nestcheck lxd NAME or "
			   "nestcheck incus NAME");
		return 0;
	}
	_cleanup_free_ char *apparmor = host_fact(c, LXD_HOST_APPARMOR),
			    *filesystems = host_fact(c, LXD_HOST_FILESYSTEMS);
	t.apparmor = apparmor;
	t.filesystems = filesystems;
	return lxd_instance_judge_text(&t, r);
}
