/* SPDX-License-Identifier: Apache-2.0 */
#include "read.h"

#include <json-c/json.h>
#include <time.h>

void report_checks_clear(struct report_checks *checks)
{
	for (size_t i = 0; i < checks->n; i++) {
		free((char *)checks->v[i]->id);
		free((char *)checks->v[i]->area);
		free((char *)checks->v[i]->title);
		free(checks->v[i]);
	}
	free(checks->v);
	free(checks->slots);
	*checks = (struct report_checks){0};
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * A report is input like any other (an instance's, under nestcheck lxd; anyone's, given to
 * diff or merge): every string taken from it is made safe to print before it is kept, so
 * that no terminal escape, C1 control or hidden line reaches the operator's terminal.
 */
static char *clean(const char *s)
{
	return s ? text_sanitize(xstrdup(s)) : NULL;
}

static int status_parse(const char *s, enum status *ret)
{
	for (int i = 0; s && i < _STATUS_MAX; i++)
		if (streq(s, status_to_string(i))) {
			*ret = i;
			return 0;
		}
	return -EBADMSG;
}

static int where_parse(const char *s, enum where *ret)
{
	for (int i = WHERE_HOST; s && i <= WHERE_CONTAINER; i++)
		if (streq(s, where_to_string(i))) {
			*ret = i;
			return 0;
		}
	return -EBADMSG;
}

static size_t check_hash(const char *id, const char *area, const char *title)
{
	/* A separator between the parts: ("ab", "c") and ("a", "bc") differ. */
	unsigned long long x = hash_fnv(hash_fnv(hash_fnv(HASH_FNV_START, id), "\x1f"), area);
	x = hash_fnv(hash_fnv(x, "\x1f"), title);
	return (size_t)(x ^ (x >> 32));
}

static bool check_is(const struct check *k, const char *id, const char *area, const char *title)
{
	return streq(k->id, id) && streq(k->area, area) && streq(k->title, title);
}

/* The slot of (id, area, title) among the checks this build does not know, or the empty one for it. */
static size_t *check_slot(const struct report_checks *checks, const char *id, const char *area, const char *title)
{
	size_t mask = checks->n_slots - 1, i = check_hash(id, area, title) & mask;
	while (checks->slots[i] && !check_is(checks->v[checks->slots[i] - 1], id, area, title))
		i = (i + 1) & mask;
	return &checks->slots[i];
}

static const struct check *check_find(struct report_checks *checks, const char *id, const char *area, const char *title)
{
	for (size_t i = 0; i < check_table_size; i++)
		if (check_is(&check_table[i], id, area, title))
			return &check_table[i];
	if (checks->n_slots) {
		size_t *slot = check_slot(checks, id, area, title);
		if (*slot)
			return checks->v[*slot - 1];
	}
	struct check *k = xmalloc(sizeof(*k));
	*k = (struct check){.id = xstrdup(id), .area = xstrdup(area), .title = xstrdup(title)};
	if (checks->n == checks->cap) {
		checks->cap = checks->cap ? 2 * checks->cap : 16;
		checks->v = xrealloc(checks->v, checks->cap * sizeof(*checks->v));
	}
	checks->v[checks->n++] = k;
	if (2 * checks->n > checks->n_slots) {
		free(checks->slots);
		checks->n_slots = checks->n_slots ? 2 * checks->n_slots : 64;
		checks->slots = xcalloc(checks->n_slots, sizeof(*checks->slots));
		for (size_t i = 0; i < checks->n; i++)
			*check_slot(checks, checks->v[i]->id, checks->v[i]->area, checks->v[i]->title) = i + 1;
	} else
		*check_slot(checks, id, area, title) = checks->n;
	return k;
}

static int fail(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (ret_error)
		*ret_error = xvasprintf(fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int result_read(json_object *o, struct result *r, struct report_checks *checks, size_t idx, char **ret_error)
{
	_cleanup_free_ char *id = clean(str_of(o, "id")), *area = clean(str_of(o, "area")),
			    *title = clean(str_of(o, "title")), *summary = clean(str_of(o, "summary"));
	json_object *ev, *rem, *dur;

	if (!json_object_is_type(o, json_type_object) || !id || !area || !title || !summary)
		return fail(ret_error, "check %zu lacks an id, area, title or summary", idx);
	if (status_parse(str_of(o, "status"), &r->status) < 0)
		return fail(ret_error, "check %s has no valid status", id);
	if (!json_object_object_get_ex(o, "evidence", &ev) || !json_object_is_type(ev, json_type_object))
		return fail(ret_error, "check %s has no evidence object", id);
	if (!json_object_object_get_ex(o, "remediation", &rem) || !json_object_is_type(rem, json_type_array))
		return fail(ret_error, "check %s has no remediation array", id);
	r->check = check_find(checks, id, area, title);
	r->summary = TAKE_PTR(summary);
	if (json_object_object_get_ex(o, "duration_ms", &dur) &&
	    (json_object_is_type(dur, json_type_double) || json_object_is_type(dur, json_type_int)))
		r->duration_ms = json_object_get_double(dur);

	json_object_object_foreach(ev, raw_key, v)
	{
		_cleanup_free_ char *key = clean(raw_key), *value = NULL;
		switch (json_object_get_type(v)) {
		case json_type_boolean:
			result_evidence_bool(r, key, json_object_get_boolean(v));
			break;
		case json_type_int:
			result_evidence_int(r, key, json_object_get_int64(v));
			break;
		case json_type_string:
			/* Evidence may hold lines (a map, a list): they stay lines. */
			value = text_sanitize_lines(xstrdup(json_object_get_string(v)));
			result_evidence_string(r, key, "%s", value);
			break;
		default:
			return fail(ret_error, "check %s: evidence %s is not a string, integer or boolean", id, key);
		}
	}

	for (size_t i = 0; i < json_object_array_length(rem); i++) {
		json_object *m = json_object_array_get_idx(rem, i), *cmds;
		const char *text = str_of(m, "text");
		enum where where;
		if (!text || where_parse(str_of(m, "where"), &where) < 0 ||
		    !json_object_object_get_ex(m, "commands", &cmds) || !json_object_is_type(cmds, json_type_array))
			return fail(ret_error, "check %s: remediation %zu lacks text, where or commands", id, i);
		/* result_remedy() and remedy_command() make the text and commands safe themselves. */
		struct remedy *rm = result_remedy(r, where, text, NULL);
		for (size_t j = 0; j < json_object_array_length(cmds); j++) {
			json_object *cmd = json_object_array_get_idx(cmds, j);
			if (!json_object_is_type(cmd, json_type_string))
				return fail(ret_error, "check %s: remediation %zu has a command that is not a string",
					    id, i);
			remedy_command(rm, "%s", json_object_get_string(cmd));
		}
	}
	return 0;
}

int report_read(const char *json, size_t len, struct report *ret, struct report_checks *checks, char **ret_error)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = json_tokener_parse_ex(tok, json, (int)len), *v, *arr;
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	int err = 0;

	*ret = (struct report){0};
	if (ret_error)
		*ret_error = NULL;
	if (!root || jerr != json_tokener_success || tok->char_offset < (int)len) {
		/* Trailing white space after the object is fine. */
		bool trailing_ws = root && jerr == json_tokener_success &&
				   strspn(json + tok->char_offset, " \t\r\n") == len - (size_t)tok->char_offset;
		if (!trailing_ws) {
			json_tokener_free(tok);
			json_object_put(root);
			return fail(ret_error, "not a JSON document");
		}
	}
	json_tokener_free(tok);

	if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "schema_version", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int(v) != 1) {
		err = fail(ret_error, "not a nestcheck report of schema_version 1");
		goto out;
	}
	const char *mode = str_of(root, "mode");
	json_object *host;
	if (!mode || !json_object_object_get_ex(root, "host", &host) ||
	    !json_object_object_get_ex(root, "checks", &arr) || !json_object_is_type(arr, json_type_array)) {
		err = fail(ret_error, "the report lacks mode, host or checks");
		goto out;
	}
	const char *kr = str_of(host, "kernel_release"), *os = str_of(host, "os"),
		   *rt = str_of(host, "container_runtime");
	if (!kr || !os || !rt) {
		err = fail(ret_error, "the report's host lacks kernel_release, os or container_runtime");
		goto out;
	}
	ret->live = streq(mode, "live");
	ret->kernel_release = clean(kr);
	ret->os = clean(os);
	ret->container_runtime = clean(rt);
	/* Additive fields (host.name, run, instance): read when present, as text fit for a terminal. */
	const char *name = str_of(host, "name");
	ret->host_name = clean(name);
	json_object *run, *in;
	if (json_object_object_get_ex(root, "run", &run) && json_object_is_type(run, json_type_object)) {
		const char *when = str_of(run, "started_at");
		struct tm tm = {0};
		const char *end = when ? strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
		if (end && !*end)
			ret->started_at = (double)timegm(&tm);
		if (json_object_object_get_ex(run, "duration_seconds", &v) &&
		    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) &&
		    json_object_get_double(v) >= 0)
			ret->duration_s = json_object_get_double(v);
	}
	if (json_object_object_get_ex(root, "instance", &in) && json_object_is_type(in, json_type_object) &&
	    str_of(in, "name")) {
		const char *project = str_of(in, "project"), *platform = str_of(in, "platform"),
			   *at = str_of(in, "host");
		ret->instance = clean(str_of(in, "name"));
		ret->instance_project = clean(project);
		ret->instance_platform = clean(platform);
		ret->instance_host = clean(at);
	}

	size_t n = json_object_array_length(arr);
	ret->results = n ? xmalloc(n * sizeof(*ret->results)) : NULL;
	for (size_t i = 0; i < n; i++) {
		ret->results[i] = (struct result){0};
		ret->n_results = i + 1;
		err = result_read(json_object_array_get_idx(arr, i), &ret->results[i], checks, i, ret_error);
		if (err < 0)
			goto out;
	}
	report_finish(ret);
out:
	json_object_put(root);
	if (err < 0)
		report_clear(ret);
	return err;
}
