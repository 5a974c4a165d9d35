/* SPDX-License-Identifier: Apache-2.0 */
#include "policy.h"
#include "core/json.h"
#include "core/check.h"
#include "core/parse.h"
#include "checks/checks.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <sys/stat.h>

/* The versions a policy can set a minimum for, and where the report keeps each. */
static const struct minimum {
	const char *key;      /* policy key */
	const char *name;     /* for people */
	const char *check_id; /* the result that holds the version */
	const char *evidence; /* its evidence key */
	const char *show;     /* how a person reads the version */
	bool in_container;    /* installed where nestcheck runs, not only on the host */
} minimums[] = {
	{"min_kernel", "kernel", "kernel.version", "release", "uname -r", false},
	{"min_docker", "Docker", "runtime.docker", "docker_version", "docker version --format '{{.Server.Version}}'",
	 true},
	{"min_lxc", "LXC", "runtime.lxc", "lxc_version", "lxc-start --version", false},
	{"min_lxcfs", "LXCFS", "runtime.lxcfs", "lxcfs_version", "lxcfs --version", false},
	{"min_lxd", "LXD", "runtime.lxd", "lxd_version", "lxd --version", false},
};

#define POLICY_MAX_BYTES (1024 * 1024)

struct policy {
	char *min[ARRAY_SIZE(minimums)];
	struct strv must_pass;
};

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(minimums); i++)
		free(p->min[i]);
	strv_clear(&p->must_pass);
	free(p);
}

static int bad(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int bad(char **ret_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*ret_error = xvasprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A version as packages print them: starts with a digit (or an epoch "1:"), printable, short. */
static bool version_plausible(const char *s)
{
	if (!s[0] || strlen(s) > 64 || !(s[0] >= '0' && s[0] <= '9'))
		return false;
	for (const char *q = s; *q; q++)
		if (*q <= ' ' || *q > '~')
			return false;
	return true;
}

static bool check_id_known(const char *id)
{
	for (size_t i = 0; i < check_table_size; i++)
		if (streq(check_table[i].id, id))
			return true;
	return false;
}

int policy_parse(const char *text, struct policy **ret, char **ret_error)
{
	json_object *obj = json_read_strict(text);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return bad(ret_error, "not a JSON object (strict JSON: no comments, no trailing commas)");
	}
	struct policy *p = xcalloc(1, sizeof(*p));
	int err = 0;
	json_object_object_foreach(obj, key, val)
	{
		size_t i;
		for (i = 0; i < ARRAY_SIZE(minimums); i++)
			if (streq(key, minimums[i].key))
				break;
		if (i < ARRAY_SIZE(minimums)) {
			if (!json_object_is_type(val, json_type_string) ||
			    !version_plausible(json_object_get_string(val))) {
				err = bad(ret_error, "key '%s' wants a version string such as \"5.4\"", key);
				break;
			}
			free(p->min[i]);
			p->min[i] = xstrdup(json_object_get_string(val));
		} else if (streq(key, "must_pass")) {
			if (!json_object_is_type(val, json_type_array)) {
				err = bad(ret_error, "key 'must_pass' wants a list of check ids");
				break;
			}
			strv_clear(&p->must_pass);
			size_t n = json_object_array_length(val);
			for (size_t k = 0; k < n && !err; k++) {
				json_object *e = json_object_array_get_idx(val, k);
				if (!json_object_is_type(e, json_type_string)) {
					err = bad(ret_error, "key 'must_pass' wants a list of check ids");
				} else if (!check_id_known(json_object_get_string(e))) {
					_cleanup_free_ char *id =
						text_sanitize(xstrndup(json_object_get_string(e), 64));
					err = bad(ret_error, "key 'must_pass': no check is called '%s' (see --list)",
						  id);
				} else if (!strv_contains(&p->must_pass, json_object_get_string(e))) {
					strv_push(&p->must_pass, xstrdup(json_object_get_string(e)));
				}
			}
			if (err)
				break;
		} else {
			_cleanup_free_ char *k = text_sanitize(xstrndup(key, 64));
			err = bad(ret_error,
				  "unknown key '%s' (known: min_kernel, min_docker, min_lxc, min_lxcfs, "
				  "min_lxd, must_pass)",
				  k);
			break;
		}
	}
	json_object_put(obj);
	if (err) {
		policy_free(p);
		return err;
	}
	*ret = p;
	return 0;
}

int policy_load(const char *path, struct policy **ret, char **ret_error)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_user_file(path, POLICY_MAX_BYTES, &buf, &len);
	if (r == -EINVAL)
		return bad(ret_error, "not a regular file");
	if (r == -EFBIG)
		return bad(ret_error, "larger than %d bytes", POLICY_MAX_BYTES);
	if (r < 0) {
		bad(ret_error, "cannot read it: %s", strerror(-r));
		return r;
	}
	if (memchr(buf, '\0', len))
		return bad(ret_error, "not a text file (it holds a NUL byte)");
	return policy_parse(buf, ret, ret_error);
}

static const struct result *report_find(const struct report *rep, const char *id)
{
	for (size_t i = 0; i < rep->n_results; i++)
		if (rep->results[i].check && streq(rep->results[i].check->id, id))
			return &rep->results[i];
	return NULL;
}

static const char *evidence_string(const struct result *r, const char *key)
{
	for (size_t i = 0; r && i < r->n_evidence; i++)
		if (streq(r->evidence[i].key, key) && r->evidence[i].kind == EVIDENCE_STRING)
			return r->evidence[i].string;
	return NULL;
}

static void raise_to(enum status *s, enum status to)
{
	if (to > *s)
		*s = to;
}

bool policy_wanted(struct ctx *c)
{
	return c->policy != NULL;
}

/* policy.gate: the run so far (c->report) against the site policy (c->policy). */
int check_policy_gate(struct ctx *c, struct result *r)
{
	const struct policy *p = c->policy;
	const struct report *rep = c->report;
	if (!p || !rep) {
		result_set(r, STATUS_SKIP, "no site policy given (--policy FILE)");
		return 0;
	}
	/* nestcheck lxd judges an instance's report on its host: where the report was made counts. */
	bool inside = rep->container_runtime ? !streq(rep->container_runtime, "none") : ctx_in_container(c);
	enum status status = STATUS_PASS;
	struct strv problems = {0}, compared = {0};

	for (size_t i = 0; i < ARRAY_SIZE(minimums); i++) {
		const struct minimum *m = &minimums[i];
		if (!p->min[i])
			continue;
		const struct result *src = report_find(rep, m->check_id);
		const char *have = evidence_string(src, m->evidence);
		const char *name = m->key + strlen("min_");
		_cleanup_free_ char *kmin = xasprintf("%s_minimum", name), *kver = xasprintf("%s_version", name);
		result_evidence_string(r, kmin, "%s", p->min[i]);
		result_evidence_string(r, kver, "%s", have ? have : src ? "unknown" : "not checked");
		strv_push(&compared, xstrdup(m->key));
		enum where where = m->in_container && inside ? WHERE_CONTAINER : WHERE_HOST;

		if (!have || streq(have, "unknown") || streq(have, "absent")) {
			raise_to(&status, STATUS_WARN);
			const char *why = !src				  ? "was not checked"
					  : have && streq(have, "absent") ? "is not installed here"
									  : "is unknown";
			strv_push(&problems, xasprintf("%s version %s", m->name, why));
			_cleanup_free_ char *t =
				xasprintf("nestcheck could not compare the %s version with the site minimum %s; "
					  "check it by hand.",
					  m->name, p->min[i]);
			struct remedy *rm = result_remedy(r, where, t, NULL);
			remedy_command(rm, "%s", m->show);
		} else if (version_cmp(have, p->min[i]) < 0) {
			raise_to(&status, STATUS_FAIL);
			strv_push(&problems,
				  xasprintf("%s %s is older than the site minimum %s", m->name, have, p->min[i]));
			_cleanup_free_ char *t = xasprintf(
				"Upgrade %s to %s or newer (the site policy's %s)%s, then run nestcheck again.",
				i == 0 ? "the kernel" : m->name, p->min[i], m->key, i == 0 ? " and reboot" : "");
			struct remedy *rm = result_remedy(r, where, t, NULL);
			remedy_command(rm, "%s", m->show);
		}
	}

	struct strv not_passed = {0};
	for (size_t i = 0; i < p->must_pass.n; i++) {
		const char *id = p->must_pass.v[i];
		const struct result *src = report_find(rep, id);
		if (src && src->status == STATUS_PASS)
			continue;
		raise_to(&status, STATUS_FAIL);
		strv_push(&not_passed, xasprintf("%s (%s)", id, src ? status_to_string(src->status) : "not run"));
		strv_push(&problems, xasprintf("%s %s", id, src ? status_to_string(src->status) : "did not run"));
		_cleanup_free_ char *t =
			src ? xasprintf("The site policy requires %s to pass: apply the fix its own result gives, then "
					"run it again.",
					id)
			    : xasprintf("The site policy requires %s to pass, but it was not run: run it.", id);
		struct remedy *rm = result_remedy(r, inside ? WHERE_CONTAINER : WHERE_HOST, t, NULL);
		remedy_command(rm, "nestcheck --only %s", id);
	}
	if (p->must_pass.n) {
		_cleanup_free_ char *all = strv_join(&p->must_pass, ",");
		result_evidence_string(r, "must_pass", "%s", all);
		strv_push(&compared, xstrdup("must_pass"));
	}
	if (not_passed.n) {
		_cleanup_free_ char *np = strv_join(&not_passed, ", ");
		result_evidence_string(r, "must_pass_not_passed", "%s", np);
	}
	_cleanup_free_ char *cmp = compared.n ? strv_join(&compared, ",") : xstrdup("nothing");
	result_evidence_string(r, "compared", "%s", cmp);

	if (!compared.n) {
		result_set(r, STATUS_PASS, "the site policy sets no requirement");
	} else if (!problems.n) {
		result_set(r, STATUS_PASS, "meets the site policy (%s)", cmp);
	} else {
		_cleanup_free_ char *pr = strv_join(&problems, "; ");
		result_set(r, status, "%s", pr);
	}
	strv_clear(&problems);
	strv_clear(&compared);
	strv_clear(&not_passed);
	return 0;
}
