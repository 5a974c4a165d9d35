/* SPDX-License-Identifier: Apache-2.0 */
#include "result.h"

static const char *const status_names[_STATUS_MAX] = {
	[STATUS_PASS] = "pass", [STATUS_SKIP] = "skip",	  [STATUS_WARN] = "warn",
	[STATUS_FAIL] = "fail", [STATUS_ERROR] = "error",
};

const char *status_to_string(enum status s)
{
	return s < _STATUS_MAX ? status_names[s] : "error";
}

const char *verdict_to_string(enum verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return "ready";
	case VERDICT_DEGRADED:
		return "degraded";
	default:
		return "not_ready";
	}
}

const char *where_to_string(enum where w)
{
	return w == WHERE_CONTAINER ? "container" : "host";
}

void result_set(struct result *r, enum status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->summary);
	r->summary = text_sanitize(xvasprintf(fmt, ap));
	va_end(ap);
	r->status = s;
}

int result_error(struct result *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->summary);
	r->summary = text_sanitize(xvasprintf(fmt, ap));
	va_end(ap);
	r->status = STATUS_ERROR;
	return err < 0 ? err : -EINVAL;
}

static struct evidence *evidence_add(struct result *r, const char *key, enum evidence_kind kind)
{
	for (size_t i = 0; i < r->n_evidence; i++)
		if (streq(r->evidence[i].key, key)) {
			free(r->evidence[i].string);
			r->evidence[i].string = NULL;
			r->evidence[i].kind = kind;
			return &r->evidence[i];
		}
	r->evidence = xrealloc(r->evidence, (r->n_evidence + 1) * sizeof(*r->evidence));
	struct evidence *e = &r->evidence[r->n_evidence++];
	*e = (struct evidence){.key = xstrdup(key), .kind = kind};
	return e;
}

void result_evidence_string(struct result *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct evidence *e = evidence_add(r, key, EVIDENCE_STRING);
	e->string = text_sanitize(xvasprintf(fmt, ap));
	va_end(ap);
}

void result_evidence_int(struct result *r, const char *key, long long v)
{
	evidence_add(r, key, EVIDENCE_INT)->integer = v;
}

void result_evidence_bool(struct result *r, const char *key, bool v)
{
	evidence_add(r, key, EVIDENCE_BOOL)->integer = v;
}

struct remedy *result_remedy(struct result *r, enum where where, const char *text, ...)
{
	r->remedies = xrealloc(r->remedies, (r->n_remedies + 1) * sizeof(*r->remedies));
	struct remedy *m = &r->remedies[r->n_remedies++];
	*m = (struct remedy){.text = text_sanitize(xstrdup(text)), .where = where};

	va_list ap;
	va_start(ap, text);
	for (const char *c; (c = va_arg(ap, const char *));)
		strv_push(&m->commands, text_sanitize(xstrdup(c)));
	va_end(ap);
	return m;
}

void remedy_command(struct remedy *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push(&m->commands, text_sanitize(xvasprintf(fmt, ap)));
	va_end(ap);
}

void result_clear(struct result *r)
{
	free(r->summary);
	for (size_t i = 0; i < r->n_evidence; i++) {
		free(r->evidence[i].key);
		free(r->evidence[i].string);
	}
	free(r->evidence);
	for (size_t i = 0; i < r->n_remedies; i++) {
		free(r->remedies[i].text);
		strv_clear(&r->remedies[i].commands);
	}
	free(r->remedies);
	*r = (struct result){0};
}

void report_finish(struct report *rep)
{
	memset(rep->counts, 0, sizeof(rep->counts));
	for (size_t i = 0; i < rep->n_results; i++)
		rep->counts[rep->results[i].status]++;
	if (rep->counts[STATUS_FAIL] || rep->counts[STATUS_ERROR])
		rep->verdict = VERDICT_NOT_READY;
	else if (rep->counts[STATUS_WARN])
		rep->verdict = VERDICT_DEGRADED;
	else
		rep->verdict = VERDICT_READY;
}

void report_clear(struct report *rep)
{
	for (size_t i = 0; i < rep->n_results; i++)
		result_clear(&rep->results[i]);
	free(rep->results);
	free(rep->host_name);
	free(rep->kernel_release);
	free(rep->os);
	free(rep->container_runtime);
	free(rep->instance);
	free(rep->instance_project);
	free(rep->instance_platform);
	free(rep->instance_host);
	*rep = (struct report){0};
}

bool result_has_evidence(const struct result *r, const char *key)
{
	for (size_t i = 0; i < r->n_evidence; i++)
		if (streq(r->evidence[i].key, key))
			return true;
	return false;
}
