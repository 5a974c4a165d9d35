/* SPDX-License-Identifier: Apache-2.0 */
#include "runner.h"
#include "parse.h"

#include <sys/utsname.h>
#include <time.h>

bool selector_matches(const char *sel, const struct check *c)
{
	if (streq(sel, c->id) || streq(sel, c->area))
		return true;
	size_t n = strlen(sel);
	return strncmp(c->id, sel, n) == 0 && c->id[n] == '.';
}

int selection_add(struct strv *l, const char *list, const char **ret_bad)
{
	static _Thread_local char bad[128];
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;

	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		item += strspn(item, " \t");
		strstrip_right(item);
		if (!*item)
			continue;
		bool known = false;
		for (size_t i = 0; i < check_table_size && !known; i++)
			known = selector_matches(item, &check_table[i]);
		if (!known) {
			snprintf(bad, sizeof(bad), "%s", item);
			*ret_bad = bad;
			return -EINVAL;
		}
		strv_push(l, xstrdup(item));
	}
	return 0;
}

bool selection_wants(const struct selection *s, const struct check *c)
{
	/* A gate judges whatever ran: --only does not leave it out, --skip does. */
	bool wanted = s->only.n == 0 || (c->flags & CHECK_GATE);
	for (size_t i = 0; i < s->only.n && !wanted; i++)
		wanted = selector_matches(s->only.v[i], c);
	for (size_t i = 0; i < s->skip.n && wanted; i++)
		wanted = !selector_matches(s->skip.v[i], c);
	return wanted;
}

void selection_clear(struct selection *s)
{
	strv_clear(&s->only);
	strv_clear(&s->skip);
	strv_clear(&s->ignore);
}

/* --ignore: the check ran and is reported, but its failure does not count as one. */
static void apply_ignore(const struct selection *s, struct result *r)
{
	bool ignored = false;
	for (size_t i = 0; i < s->ignore.n && !ignored; i++)
		ignored = selector_matches(s->ignore.v[i], r->check);
	if (!ignored || r->status != STATUS_FAIL)
		return;
	char *summary = xasprintf("ignored: %s", r->summary);
	free(r->summary);
	r->summary = summary;
	r->status = STATUS_WARN;
	result_evidence_bool(r, "ignored", true);
}

/* Named by its own id in --only: it runs, to say why it has nothing to judge. */
static bool named(const struct selection *s, const struct check *c)
{
	for (size_t i = 0; i < s->only.n; i++)
		if (streq(s->only.v[i], c->id))
			return true;
	return false;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void run_one(struct ctx *c, const struct selection *s, struct result *r)
{
	double start = now_ms();
	int err = r->check->run(c, r);
	r->duration_ms = now_ms() - start;

	if (err < 0) {
		r->status = STATUS_ERROR;
		if (!r->summary)
			r->summary = xasprintf("the check broke: %s", errno_name(err));
	} else if (!r->summary) {
		/* A check that reached no verdict is a bug, reported as one. */
		r->status = STATUS_ERROR;
		r->summary = xstrdup("the check returned without a verdict");
	}
	/* The contract promises a fix with every warn and fail. */
	if ((r->status == STATUS_WARN || r->status == STATUS_FAIL) && r->n_remedies == 0)
		result_remedy(r, WHERE_HOST, "No automatic fix is known; see the summary and evidence.", NULL);
	apply_ignore(s, r);
}

unsigned runner_pass(const struct check *c)
{
	return c->flags & CHECK_GATE ? 2 : c->flags & CHECK_PREFETCH ? 1 : 0;
}

static bool taking_part(const struct report *rep, size_t first, const char *id)
{
	for (size_t i = first; i < rep->n_results; i++)
		if (streq(rep->results[i].check->id, id))
			return true;
	return false;
}

/* Probes ahead (check_ahead_table): once the check they wait for has run (done), or at the start (NULL). */
static void ahead_start(struct ctx *c, const struct report *rep, size_t first, const char *done)
{
	for (size_t i = 0; i < check_ahead_table_size; i++) {
		const struct check_ahead *a = &check_ahead_table[i];
		if (!taking_part(rep, first, a->id))
			continue;
		if (done ? a->after && streq(done, a->after) : !a->after || !taking_part(rep, first, a->after))
			a->start(c);
	}
}

/* The checks that take part, in table order (the report's), run pass by pass (runner_pass). */
void runner_run_checks(struct ctx *c, const struct selection *s, struct report *rep)
{
	rep->results = xrealloc(rep->results, (rep->n_results + check_table_size) * sizeof(*rep->results));
	memset(rep->results + rep->n_results, 0, check_table_size * sizeof(*rep->results));
	size_t first = rep->n_results;
	for (size_t i = 0; i < check_table_size; i++) {
		const struct check *chk = &check_table[i];
		if (!selection_wants(s, chk) || (chk->wanted && !chk->wanted(c) && !named(s, chk)))
			continue;
		struct result *r = &rep->results[rep->n_results++];
		r->check = chk;
		r->status = STATUS_ERROR;
	}
	c->report = rep;
	ahead_start(c, rep, first, NULL);
	for (unsigned pass = 0; pass < 3; pass++)
		for (size_t i = first; i < rep->n_results; i++)
			if (runner_pass(rep->results[i].check) == pass) {
				run_one(c, s, &rep->results[i]);
				ahead_start(c, rep, first, rep->results[i].check->id);
			}
	c->report = NULL;
}

/* The checked system's name: live, the kernel's; replayed, the sysroot's etc/hostname; "" when neither. */
static char *host_name(struct ctx *c)
{
	if (host_is_live(c->host)) {
		struct utsname u;
		if (uname(&u) == 0)
			return text_sanitize(xstrdup(u.nodename));
		return xstrdup("");
	}
	_cleanup_free_ char *text = NULL;
	if (host_read_text(c->host, "etc/hostname", &text) < 0)
		return xstrdup("");
	const char *p = text + strspn(text, " \t\n");
	size_t n = strcspn(p, " \t\n");
	return text_sanitize(xstrndup(p, n > 253 ? 0 : n)); /* longer than a DNS name: not a host name */
}

void runner_run(struct ctx *c, const struct selection *s, struct report *rep)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double t0 = now_ms();
	rep->started_at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	runner_run_checks(c, s, rep);
	rep->duration_s = (now_ms() - t0) / 1e3;
	rep->host_name = host_name(c);
	const char *release;
	ctx_release(c, &release, NULL);
	rep->kernel_release = xstrdup(c->release ? c->release : "unknown");
	rep->container_runtime = xstrdup(ctx_runtime(c));

	_cleanup_free_ char *osr = NULL;
	if (host_read_text(c->host, "etc/os-release", &osr) < 0)
		host_read_text(c->host, "usr/lib/os-release", &osr);
	if (!osr || (os_release_get(osr, "PRETTY_NAME", &rep->os) < 0 && os_release_get(osr, "NAME", &rep->os) < 0))
		rep->os = xstrdup("unknown");
	text_sanitize(rep->kernel_release);
	text_sanitize(rep->os);
	rep->live = host_is_live(c->host);
	report_finish(rep);
}
