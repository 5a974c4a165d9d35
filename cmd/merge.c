/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestcheck merge REPORT.json... | DIR...: the fleet's roll-up of many JSON
 * reports. Per check: how many systems pass, warn, fail, skip or broke it,
 * which fail it, and what the failing ones share (kernel, OS, platform,
 * Docker, LXD, Incus, LXC) that none of the others has.
 */
#include "merge.h"
#include "report/junit.h"
#include "report/read.h"

#include <dirent.h>
#include <getopt.h>
#include <json-c/json.h>

#define MERGE_MAX_INPUT (16u << 20)
#define MERGE_MAX_FILES 100000

/* The facts of a system the roll-up compares. */
enum attr {
	ATTR_KERNEL,
	ATTR_OS,
	ATTR_RUNTIME,
	ATTR_PLATFORM,
	ATTR_DOCKER,
	ATTR_LXD,
	ATTR_INCUS,
	ATTR_LXC,
	_ATTR_MAX,
};

static const char *const attr_names[_ATTR_MAX] = {
	[ATTR_KERNEL] = "kernel",     [ATTR_OS] = "os",		[ATTR_RUNTIME] = "container_runtime",
	[ATTR_PLATFORM] = "platform", [ATTR_DOCKER] = "docker", [ATTR_LXD] = "lxd",
	[ATTR_INCUS] = "incus",	      [ATTR_LXC] = "lxc",
};

struct system {
	char *name; /* the instance (at its host), else the host's name, else the file's */
	char *file;
	enum verdict verdict;
	unsigned counts[_STATUS_MAX];
	char *attrs[_ATTR_MAX];
	/* each check's status, by the fleet's check index; -1: not in this report */
	int *status;
	/* each check's summary where it warned, failed or broke (for the HTML page); else NULL */
	char **why;
};

struct fleet_check {
	char *id, *area;
	unsigned counts[_STATUS_MAX];
};

struct fleet {
	struct system *systems;
	size_t n_systems;
	struct fleet_check *checks;
	size_t n_checks;
	/* --junit: a testsuite per system, written as each report is read */
	FILE *junit;
	unsigned junit_counts[_STATUS_MAX];
	size_t junit_tests;
};

static void fleet_clear(struct fleet *f)
{
	for (size_t i = 0; i < f->n_systems; i++) {
		struct system *s = &f->systems[i];
		free(s->name);
		free(s->file);
		free(s->status);
		for (size_t k = 0; s->why && k < f->n_checks; k++)
			free(s->why[k]);
		free(s->why);
		for (size_t a = 0; a < _ATTR_MAX; a++)
			free(s->attrs[a]);
	}
	free(f->systems);
	for (size_t i = 0; i < f->n_checks; i++) {
		free(f->checks[i].id);
		free(f->checks[i].area);
	}
	free(f->checks);
	*f = (struct fleet){0};
}

static void usage(FILE *out)
{
	fputs("Usage: nestcheck merge [--json] [--junit FILE] [--html FILE] REPORT.json|DIR...\n"
	      "Roll up JSON reports of nestcheck (files, or every *.json in a directory) into one view of\n"
	      "the fleet: per check how many systems pass, warn, fail, skip or broke it, which fail it, and\n"
	      "what the failing systems share (kernel, OS, platform, Docker, LXD, Incus, LXC versions) that\n"
	      "none of the others has.\n"
	      "\n"
	      "  --json     print the roll-up as JSON\n"
	      "  --junit FILE  also write JUnit XML to FILE: a testsuite per system\n"
	      "  --html FILE   also write one self-contained HTML page: systems by checks, coloured by\n"
	      "                status, with filters (#q=NAME&problems&notready presets them)\n"
	      "  --help     print this help and exit\n"
	      "\n"
	      "Exit status: 0 no system is not_ready, 1 one is, 2 bad usage or an unreadable report.\n",
	      out);
}

/* A check's index in the fleet's list, added when new. */
static size_t check_index(struct fleet *f, const struct check *c)
{
	for (size_t i = 0; i < f->n_checks; i++)
		if (streq(f->checks[i].id, c->id))
			return i;
	f->checks = xrealloc(f->checks, (f->n_checks + 1) * sizeof(*f->checks));
	f->checks[f->n_checks] = (struct fleet_check){.id = xstrdup(c->id), .area = xstrdup(c->area)};
	for (size_t i = 0; i < f->n_systems; i++) {
		f->systems[i].status = xrealloc(f->systems[i].status, (f->n_checks + 1) * sizeof(int));
		f->systems[i].status[f->n_checks] = -1;
		f->systems[i].why = xrealloc(f->systems[i].why, (f->n_checks + 1) * sizeof(char *));
		f->systems[i].why[f->n_checks] = NULL;
	}
	return f->n_checks++;
}

static const char *evidence_of(const struct report *rep, const char *id, const char *key)
{
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct result *r = &rep->results[i];
		if (!streq(r->check->id, id))
			continue;
		for (size_t k = 0; k < r->n_evidence; k++)
			if (streq(r->evidence[k].key, key) && r->evidence[k].kind == EVIDENCE_STRING)
				return r->evidence[k].string;
	}
	return NULL;
}

/* A version the report knows, else NULL ("absent", "unknown" and the like say nothing to compare). */
static char *known(const char *v)
{
	if (!v || !v[0] || streq(v, "absent") || streq(v, "unknown"))
		return NULL;
	return xstrdup(v);
}

static void system_add(struct fleet *f, const struct report *rep, const char *file)
{
	f->systems = xrealloc(f->systems, (f->n_systems + 1) * sizeof(*f->systems));
	struct system *s = &f->systems[f->n_systems++];
	*s = (struct system){.file = xstrdup(file), .verdict = rep->verdict};
	if (rep->instance && rep->instance[0])
		s->name = rep->instance_host && rep->instance_host[0]
				  ? xasprintf("%s@%s", rep->instance, rep->instance_host)
				  : xstrdup(rep->instance);
	else if (rep->host_name && rep->host_name[0])
		s->name = xstrdup(rep->host_name);
	else {
		/* The file's own name, without its directory and .json. */
		const char *b = strrchr(file, '/');
		b = b ? b + 1 : file;
		size_t n = strlen(b);
		s->name = n > 5 && streq(b + n - 5, ".json") ? xstrndup(b, n - 5) : xstrdup(b);
	}
	memcpy(s->counts, rep->counts, sizeof(s->counts));
	s->status = f->n_checks ? xmalloc(f->n_checks * sizeof(int)) : NULL;
	s->why = f->n_checks ? xcalloc(f->n_checks, sizeof(char *)) : NULL;
	for (size_t i = 0; i < f->n_checks; i++)
		s->status[i] = -1;
	const char *platform = evidence_of(rep, "container.detect", "platform");
	s->attrs[ATTR_KERNEL] = known(rep->kernel_release);
	s->attrs[ATTR_OS] = known(rep->os);
	s->attrs[ATTR_RUNTIME] = known(rep->container_runtime);
	s->attrs[ATTR_PLATFORM] = known(platform ? platform : streq(rep->container_runtime, "none") ? "host" : NULL);
	s->attrs[ATTR_DOCKER] = known(evidence_of(rep, "runtime.docker", "docker_version"));
	s->attrs[ATTR_LXD] = known(evidence_of(rep, "runtime.lxd", "lxd_version"));
	s->attrs[ATTR_INCUS] = known(evidence_of(rep, "runtime.incus", "incus_version"));
	s->attrs[ATTR_LXC] = known(evidence_of(rep, "runtime.lxc", "lxc_version"));
	for (size_t i = 0; i < rep->n_results; i++) {
		size_t k = check_index(f, rep->results[i].check);
		const struct result *r = &rep->results[i];
		s->status[k] = r->status;
		f->checks[k].counts[r->status]++;
		if (r->status == STATUS_WARN || r->status == STATUS_FAIL || r->status == STATUS_ERROR) {
			free(s->why[k]);
			s->why[k] = xstrdup(r->summary ? r->summary : "");
		}
	}
}

static int load_file(struct fleet *f, const char *path)
{
	_cleanup_free_ char *text = NULL, *err = NULL;
	size_t len;
	int r = read_user_file(path, MERGE_MAX_INPUT, &text, &len);
	if (r < 0) {
		fprintf(stderr, "nestcheck merge: cannot read %s: %s\n", path,
			r == -EINVAL  ? "not a regular file"
			: r == -EFBIG ? "larger than 16 MiB"
				      : strerror(-r));
		return r;
	}
	struct report rep = {0};
	struct report_checks checks = {0};
	if (report_read(text, len, &rep, &checks, &err) < 0) {
		fprintf(stderr, "nestcheck merge: %s is not a report of nestcheck: %s\n", path, err ? err : "?");
		report_checks_clear(&checks);
		return -EBADMSG;
	}
	system_add(f, &rep, path);
	if (f->junit) {
		report_junit_write_suite(&rep, f->systems[f->n_systems - 1].name, f->junit);
		for (int st = 0; st < _STATUS_MAX; st++)
			f->junit_counts[st] += rep.counts[st];
		f->junit_tests += rep.n_results;
	}
	report_clear(&rep);
	report_checks_clear(&checks);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every *.json directly in a directory (in name order). */
static int load_arg(struct fleet *f, const char *arg)
{
	DIR *d = opendir(arg);
	if (!d)
		return load_file(f, arg);
	struct strv names = {0};
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n < 6 || !streq(e->d_name + n - 5, ".json"))
			continue;
		if (names.n == MERGE_MAX_FILES) {
			fprintf(stderr, "nestcheck merge: %s: more than %d reports\n", arg, MERGE_MAX_FILES);
			strv_clear(&names);
			closedir(d);
			return -E2BIG;
		}
		strv_push(&names, xasprintf("%s/%s", arg, e->d_name));
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	int r = 0;
	for (size_t i = 0; i < names.n && r >= 0; i++)
		r = load_file(f, names.v[i]);
	strv_clear(&names);
	return r;
}

static bool failing(int status)
{
	return status == STATUS_FAIL || status == STATUS_ERROR;
}

/*
 * The value of attribute a that every system failing check k shares and that
 * no system without that failure has (the system must report the check and
 * the attribute); NULL when there is none.
 */
static const char *shared(const struct fleet *f, size_t k, enum attr a)
{
	const char *v = NULL;
	size_t n_fail = 0;
	for (size_t i = 0; i < f->n_systems; i++) {
		const struct system *s = &f->systems[i];
		if (!failing(s->status[k]))
			continue;
		if (!s->attrs[a] || (v && !streq(v, s->attrs[a])))
			return NULL;
		v = s->attrs[a];
		n_fail++;
	}
	if (!v || n_fail == 0)
		return NULL;
	size_t others = 0;
	for (size_t i = 0; i < f->n_systems; i++) {
		const struct system *s = &f->systems[i];
		if (s->status[k] < 0 || failing(s->status[k]))
			continue;
		others++;
		if (s->attrs[a] && streq(s->attrs[a], v))
			return NULL;
	}
	return others ? v : NULL; /* with no one to tell them from, everything is shared */
}

static enum verdict fleet_verdict(const struct fleet *f)
{
	enum verdict v = VERDICT_READY;
	for (size_t i = 0; i < f->n_systems; i++)
		if (f->systems[i].verdict > v)
			v = f->systems[i].verdict;
	return v;
}

static void print_human(const struct fleet *f, const struct strv *unchecked, FILE *out)
{
	unsigned by_verdict[3] = {0};
	for (size_t i = 0; i < f->n_systems; i++)
		by_verdict[f->systems[i].verdict]++;
	fprintf(out, "nestcheck: %zu systems: %u ready, %u degraded, %u not_ready\n\n", f->n_systems,
		by_verdict[VERDICT_READY], by_verdict[VERDICT_DEGRADED], by_verdict[VERDICT_NOT_READY]);
	fprintf(out, "%-24s %6s %6s %6s %6s %6s\n", "check", "pass", "warn", "fail", "skip", "error");
	for (size_t k = 0; k < f->n_checks; k++) {
		const struct fleet_check *c = &f->checks[k];
		fprintf(out, "%-24s %6u %6u %6u %6u %6u\n", c->id, c->counts[STATUS_PASS], c->counts[STATUS_WARN],
			c->counts[STATUS_FAIL], c->counts[STATUS_SKIP], c->counts[STATUS_ERROR]);
	}
	bool any = false;
	for (size_t k = 0; k < f->n_checks; k++) {
		const struct fleet_check *c = &f->checks[k];
		if (!c->counts[STATUS_FAIL] && !c->counts[STATUS_ERROR])
			continue;
		if (!any)
			fputs("\nfailing\n", out);
		any = true;
		fprintf(out, "  %s (%u):", c->id, c->counts[STATUS_FAIL] + c->counts[STATUS_ERROR]);
		size_t shown = 0;
		for (size_t i = 0; i < f->n_systems; i++)
			if (failing(f->systems[i].status[k]) && shown++ < 10)
				fprintf(out, " %s", f->systems[i].name);
		if (shown > 10)
			fprintf(out, " and %zu more", shown - 10);
		fputc('\n', out);
		for (size_t a = 0; a < _ATTR_MAX; a++) {
			const char *v = shared(f, k, a);
			if (v)
				fprintf(out, "    only where %s is %s\n", attr_names[a], v);
		}
	}
	if (unchecked && unchecked->n) {
		fprintf(out, "\nnot checked (%zu)\n", unchecked->n);
		for (size_t i = 0; i < unchecked->n; i++)
			fprintf(out, "  %s\n", unchecked->v[i]);
	}
	fprintf(out, "\nfleet verdict: %s\n", f->n_systems ? verdict_to_string(fleet_verdict(f)) : "unknown");
}

static int print_json(const struct fleet *f, const struct strv *unchecked, FILE *out)
{
	json_object *root = json_object_new_object(), *systems = json_object_new_array(),
		    *checks = json_object_new_array();
	json_object_object_add(root, "fleet_schema_version", json_object_new_int(1));
	json_object_object_add(root, "verdict", json_object_new_string(verdict_to_string(fleet_verdict(f))));
	for (size_t i = 0; i < f->n_systems; i++) {
		const struct system *s = &f->systems[i];
		json_object *o = json_object_new_object(), *counts = json_object_new_object(),
			    *attrs = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "file", json_object_new_string(s->file));
		json_object_object_add(o, "verdict", json_object_new_string(verdict_to_string(s->verdict)));
		for (int st = 0; st < _STATUS_MAX; st++)
			json_object_object_add(counts, status_to_string(st), json_object_new_int((int)s->counts[st]));
		json_object_object_add(o, "summary", counts);
		for (size_t a = 0; a < _ATTR_MAX; a++)
			if (s->attrs[a])
				json_object_object_add(attrs, attr_names[a], json_object_new_string(s->attrs[a]));
		json_object_object_add(o, "facts", attrs);
		json_object_array_add(systems, o);
	}
	for (size_t k = 0; k < f->n_checks; k++) {
		const struct fleet_check *c = &f->checks[k];
		json_object *o = json_object_new_object(), *counts = json_object_new_object(),
			    *fails = json_object_new_array(), *sh = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "area", json_object_new_string(c->area));
		for (int st = 0; st < _STATUS_MAX; st++)
			json_object_object_add(counts, status_to_string(st), json_object_new_int((int)c->counts[st]));
		json_object_object_add(o, "summary", counts);
		for (size_t i = 0; i < f->n_systems; i++)
			if (failing(f->systems[i].status[k]))
				json_object_array_add(fails, json_object_new_string(f->systems[i].name));
		json_object_object_add(o, "failing", fails);
		for (size_t a = 0; a < _ATTR_MAX; a++) {
			const char *v = shared(f, k, a);
			if (v)
				json_object_object_add(sh, attr_names[a], json_object_new_string(v));
		}
		json_object_object_add(o, "failing_share", sh);
		json_object_array_add(checks, o);
	}
	json_object_object_add(root, "systems", systems);
	json_object_object_add(root, "checks", checks);
	if (unchecked) {
		json_object *un = json_object_new_array();
		for (size_t i = 0; i < unchecked->n; i++)
			json_object_array_add(un, json_object_new_string(unchecked->v[i]));
		json_object_object_add(root, "not_checked", un);
	}
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
	errno = 0;
	int r = fputs(s, out) < 0 || fputc('\n', out) == EOF ? (errno > 0 ? -errno : -EIO) : 0;
	json_object_put(root);
	return r;
}

/*
 * The page: one self-contained HTML file (no network access: its style and
 * script inline, the data as JSON inside it) with systems by checks, each
 * cell coloured by its status, the summary on hover, and filters (a system's
 * name, problems only, not_ready only) that the address's #fragment can preset
 * ("#q=web&problems&notready") for links between people.
 */
static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
	"script-src 'unsafe-inline'\">\n"
	"<title>nestcheck fleet</title>\n<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em;color:#222}\n"
	"h1{font-size:1.3em;margin:0 0 .3em}\n#counts span{margin-right:1em}\n"
	"#filters{margin:.8em 0}#filters label{margin-right:1.2em}\n"
	"table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 4px;text-align:center}\n"
	"th.check{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;white-space:nowrap}\n"
	"td.name{text-align:left;white-space:nowrap}\n"
	".pass{background:#cfeccf}.warn{background:#ffe9a8}.fail{background:#f4b4b4}.error{background:#e08080}"
	".skip{background:#eee;color:#888}.none{background:#fff}\n"
	".v-ready{color:#176a17}.v-degraded{color:#8a6500}.v-not_ready{color:#a11}\n"
	"</style>\n</head>\n<body>\n<h1>nestcheck fleet</h1>\n<div id=\"counts\"></div>\n"
	"<div id=\"filters\"><label>system <input id=\"q\" type=\"search\" placeholder=\"name contains\"></label>"
	"<label><input id=\"problems\" type=\"checkbox\"> checks with a problem only</label>"
	"<label><input id=\"notready\" type=\"checkbox\"> not_ready systems only</label></div>\n"
	"<table id=\"grid\"><thead></thead><tbody></tbody></table>\n"
	"<script type=\"application/json\" id=\"data\">";

static const char html_tail[] =
	"</script>\n<script>\n"
	"'use strict';\n"
	"const D = JSON.parse(document.getElementById('data').textContent);\n"
	"const ST = D.statuses;\n"
	"const $ = id => document.getElementById(id);\n"
	"function el(tag, attrs, text) { const e = document.createElement(tag);"
	" for (const k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }\n"
	"function render() {\n"
	"  const q = $('q').value.toLowerCase(), problems = $('problems').checked, nr = $('notready').checked;\n"
	"  const rows = D.systems.map((s, i) => i).filter(i => D.systems[i].name.toLowerCase().includes(q) &&\n"
	"    (!nr || D.systems[i].verdict === 'not_ready'));\n"
	"  const cols = D.checks.map((c, k) => k).filter(k => !problems ||\n"
	"    rows.some(i => ['warn', 'fail', 'error'].includes(ST[D.cells[i][k]])));\n"
	"  const head = $('grid').tHead, body = $('grid').tBodies[0];\n"
	"  head.replaceChildren(); body.replaceChildren();\n"
	"  const hr = el('tr'); hr.append(el('th', {}, 'system'), el('th', {}, 'verdict'));\n"
	"  for (const k of cols) hr.append(el('th', {class: 'check', title: D.checks[k].id}, D.checks[k].id));\n"
	"  head.append(hr);\n"
	"  for (const i of rows) {\n"
	"    const s = D.systems[i], tr = el('tr', {'data-system': s.name});\n"
	"    tr.append(el('td', {class: 'name', title: s.facts}, s.name), el('td', {class: 'v-' + s.verdict}, s.verdict));\n"
	"    for (const k of cols) {\n"
	"      const v = D.cells[i][k], st = v < 0 ? 'none' : ST[v];\n"
	"      const why = D.why[i + ',' + k];\n"
	"      tr.append(el('td', {class: st, title: D.checks[k].id + ': ' + st + (why ? ': ' + why : '')},"
	" v < 0 ? '' : st[0].toUpperCase()));\n"
	"    }\n"
	"    body.append(tr);\n"
	"  }\n"
	"  $('counts').replaceChildren(el('span', {}, rows.length + ' of ' + D.systems.length + ' systems'),\n"
	"    el('span', {}, cols.length + ' of ' + D.checks.length + ' checks'),\n"
	"    el('span', {class: 'v-' + D.verdict}, 'fleet verdict: ' + D.verdict));\n"
	"}\n"
	"const h = new URLSearchParams(location.hash.slice(1));\n"
	"$('q').value = h.get('q') || ''; $('problems').checked = h.has('problems'); $('notready').checked = h.has('notready');\n"
	"for (const id of ['q', 'problems', 'notready']) $(id).addEventListener('input', render);\n"
	"render();\n"
	"</script>\n</body>\n</html>\n";

/* JSON text made safe inside <script>: '<' as \u003c, so no "</script>" or "<!--" ends or bends it. */
static void html_json(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("\\u003c", out);
		else
			fputc(*s, out);
	}
}

static int write_html(const struct fleet *f, const char *path)
{
	json_object *root = json_object_new_object(), *systems = json_object_new_array(),
		    *checks = json_object_new_array(), *cells = json_object_new_array(),
		    *why = json_object_new_object();
	json_object_object_add(root, "verdict", json_object_new_string(verdict_to_string(fleet_verdict(f))));
	json_object *statuses = json_object_new_array();
	for (int st = 0; st < _STATUS_MAX; st++)
		json_object_array_add(statuses, json_object_new_string(status_to_string(st)));
	json_object_object_add(root, "statuses", statuses);
	for (size_t i = 0; i < f->n_systems; i++) {
		const struct system *s = &f->systems[i];
		struct strbuf facts = {0};
		for (size_t a = 0; a < _ATTR_MAX; a++)
			if (s->attrs[a])
				strbuf_appendf(&facts, "%s%s: %s", facts.len ? "\n" : "", attr_names[a], s->attrs[a]);
		json_object *o = json_object_new_object(), *row = json_object_new_array();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "verdict", json_object_new_string(verdict_to_string(s->verdict)));
		json_object_object_add(o, "facts", json_object_new_string(facts.buf ? facts.buf : ""));
		free(facts.buf);
		json_object_array_add(systems, o);
		for (size_t k = 0; k < f->n_checks; k++) {
			json_object_array_add(row, json_object_new_int(s->status[k]));
			if (s->why[k]) {
				char key[48];
				snprintf(key, sizeof(key), "%zu,%zu", i, k);
				json_object_object_add(why, key, json_object_new_string(s->why[k]));
			}
		}
		json_object_array_add(cells, row);
	}
	for (size_t k = 0; k < f->n_checks; k++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(f->checks[k].id));
		json_object_object_add(o, "area", json_object_new_string(f->checks[k].area));
		json_object_array_add(checks, o);
	}
	json_object_object_add(root, "systems", systems);
	json_object_object_add(root, "checks", checks);
	json_object_object_add(root, "cells", cells);
	json_object_object_add(root, "why", why);
	int err = 0;
	FILE *out = fopen(path, "we");
	if (!out) {
		err = -errno;
	} else {
		errno = 0;
		fputs(html_head, out);
		html_json(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
		fputs(html_tail, out);
		if (fflush(out) != 0 || ferror(out))
			err = errno > 0 ? -errno : -EIO;
		if (fclose(out) != 0 && err == 0)
			err = -errno;
	}
	json_object_put(root);
	return err;
}

/* The JUnit document: the testsuites written so far (suites), under one <testsuites> with the totals. */
static int junit_finish(const struct fleet *f, const char *suites, size_t len, const char *path)
{
	_cleanup_fclose_ FILE *out = fopen(path, "we");
	if (!out)
		return -errno;
	errno = 0;
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nestcheck fleet\" tests=\"%zu\" "
		"failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n",
		f->junit_tests, f->junit_counts[STATUS_FAIL], f->junit_counts[STATUS_ERROR],
		f->junit_counts[STATUS_SKIP]);
	fwrite(suites, 1, len, out);
	fputs("</testsuites>\n", out);
	if (fflush(out) != 0 || ferror(out))
		return errno > 0 ? -errno : -EIO;
	return 0;
}

int merge_run(char *const *args, size_t n, bool json, const char *junit, const char *html, const struct strv *unchecked)
{
	struct fleet f = {0};
	int ret = 2;
	_cleanup_free_ char *suites = NULL;
	size_t suites_len = 0;
	if (junit && !(f.junit = open_memstream(&suites, &suites_len))) {
		fprintf(stderr, "nestcheck merge: %s\n", strerror(errno));
		return 2;
	}
	for (size_t i = 0; i < n; i++)
		if (load_arg(&f, args[i]) < 0)
			goto out;
	if (f.n_systems == 0 && (!unchecked || unchecked->n == 0)) {
		fprintf(stderr, "nestcheck merge: no report found in what was named\n");
		goto out;
	}
	int err = 0;
	/* The files first: a run that cannot write them prints nothing. */
	if (html && (err = write_html(&f, html)) < 0) {
		fprintf(stderr, "nestcheck merge: cannot write %s: %s\n", html, strerror(-err));
		goto out;
	}
	if (f.junit) {
		fclose(TAKE_PTR(f.junit));
		if ((err = junit_finish(&f, suites, suites_len, junit)) < 0) {
			fprintf(stderr, "nestcheck merge: cannot write %s: %s\n", junit, strerror(-err));
			goto out;
		}
	}
	if (json)
		err = print_json(&f, unchecked, stdout);
	else
		print_human(&f, unchecked, stdout);
	if (fflush(stdout) != 0 || err < 0) {
		fprintf(stderr, "nestcheck merge: cannot write the roll-up: %s\n", strerror(err < 0 ? -err : errno));
		goto out;
	}
	ret = f.n_systems && fleet_verdict(&f) == VERDICT_NOT_READY ? 1 : 0;
	if (unchecked && unchecked->n)
		ret = f.n_systems ? 1 : 2;
out:
	if (f.junit)
		fclose(f.junit);
	fleet_clear(&f);
	return ret;
}

int merge_main(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"junit", required_argument, NULL, 'u'},
		{"html", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	bool json = false;
	const char *junit = NULL, *html = NULL;
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'u':
			junit = optarg;
			break;
		case 'w':
			html = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "nestcheck merge: %s wants a value (see nestcheck merge --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "nestcheck merge: unknown option '%s' (see nestcheck merge --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
			"nestcheck merge: name at least one report or directory (see nestcheck merge --help)\n");
		return 2;
	}
	return merge_run(argv + optind, (size_t)(argc - optind), json, junit, html, NULL);
}
