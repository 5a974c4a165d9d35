/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the JSON report read back into the result model
 * (report/read.c). Every fixture's expected.json must survive a round
 * trip (read, then written again: the same text apart from duration_ms);
 * junk and reports that break the contract must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>

#include "report/report.h"
#include "report/read.h"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct strbuf sb = {0};
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = '\0';
		strbuf_append(&sb, buf);
	}
	fclose(f);
	*ret_len = sb.len;
	return sb.buf ? sb.buf : xstrdup("");
}

/* The text without its duration_ms lines. */
static char *no_durations(const char *s)
{
	struct strbuf sb = {0};
	while (*s) {
		size_t n = strcspn(s, "\n");
		_cleanup_free_ char *line = xstrndup(s, n);
		if (!strstr(line, "\"duration_ms\":"))
			strbuf_appendf(&sb, "%s\n", line);
		s += n + (s[n] == '\n');
	}
	return sb.buf ? sb.buf : xstrdup("");
}

static char *round_trip(const char *json, size_t len, struct report *rep)
{
	struct report_checks checks = {0};
	_cleanup_free_ char *err = NULL;
	int r = report_read(json, len, rep, &checks, &err);
	if (r < 0)
		fail_msg("report_read: %s", err ? err : "?");
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	assert_non_null(f);
	assert_int_equal(report_json_write(rep, f), 0);
	fclose(f);
	report_clear(rep);
	report_checks_clear(&checks);
	return out;
}

static void test_fixtures_round_trip(void **state)
{
	const char *src = getenv("SOURCE_DIR");
	_cleanup_free_ char *dir = xasprintf("%s/fixtures", src ? src : ".");
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s (set SOURCE_DIR)", dir);
	unsigned n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s/expected.json", dir, e->d_name);
		size_t len;
		_cleanup_free_ char *json = slurp(path, &len);
		if (!json)
			continue;
		struct report rep;
		_cleanup_free_ char *out = round_trip(json, len, &rep);
		_cleanup_free_ char *a = no_durations(json), *b = no_durations(out);
		if (!streq(a, b))
			fail_msg("%s does not survive the round trip", path);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

static const char minimal[] =
	"{\"schema_version\": 1, \"tool\": {\"name\": \"nestcheck\", \"version\": \"9.9\"}, \"mode\": \"live\","
	" \"host\": {\"kernel_release\": \"6.1\", \"os\": \"Busybox\", \"container_runtime\": \"lxc\"},"
	" \"verdict\": \"ready\", \"summary\": {},"
	" \"checks\": [{\"id\": \"future.thing\", \"area\": \"future\", \"title\": \"A future check\","
	" \"status\": \"warn\", \"summary\": \"s\", \"evidence\": {\"n\": 3, \"b\": true, \"s\": \"x\"},"
	" \"remediation\": [{\"text\": \"do it\", \"commands\": [\"a\", \"b\"], \"where\": \"host\"}],"
	" \"duration_ms\": 1.5},"
	" {\"id\": \"container.detect\", \"area\": \"container\", \"title\": \"Where nestcheck runs\","
	" \"status\": \"pass\", \"summary\": \"\", \"evidence\": {}, \"remediation\": []}]}\n";

static void test_model(void **state)
{
	struct report rep;
	struct report_checks checks = {0};
	char *err = NULL;
	assert_int_equal(report_read(minimal, strlen(minimal), &rep, &checks, &err), 0);
	assert_null(err);
	assert_true(rep.live);
	assert_string_equal(rep.os, "Busybox");
	assert_string_equal(rep.container_runtime, "lxc");
	assert_int_equal(rep.n_results, 2);
	/* The verdict is recomputed, not taken from the report's word. */
	assert_int_equal(rep.verdict, VERDICT_DEGRADED);
	assert_int_equal(rep.counts[STATUS_WARN], 1);
	const struct result *r = &rep.results[0];
	assert_string_equal(r->check->id, "future.thing");
	assert_string_equal(r->check->title, "A future check");
	assert_int_equal(checks.n, 1); /* container.detect is this build's own */
	assert_int_equal(r->status, STATUS_WARN);
	assert_int_equal(r->n_evidence, 3);
	assert_string_equal(r->evidence[0].key, "n");
	assert_int_equal(r->evidence[0].kind, EVIDENCE_INT);
	assert_int_equal(r->evidence[0].integer, 3);
	assert_int_equal(r->evidence[1].kind, EVIDENCE_BOOL);
	assert_int_equal(r->evidence[2].kind, EVIDENCE_STRING);
	assert_string_equal(r->evidence[2].string, "x");
	assert_int_equal(r->n_remedies, 1);
	assert_int_equal(r->remedies[0].where, WHERE_HOST);
	assert_int_equal(r->remedies[0].commands.n, 2);
	assert_string_equal(r->remedies[0].commands.v[1], "b");
	assert_true(r->duration_ms > 1.4 && r->duration_ms < 1.6);
	report_clear(&rep);
	report_checks_clear(&checks);
}

static void assert_refused(const char *json)
{
	struct report rep;
	struct report_checks checks = {0};
	char *err = NULL;
	if (report_read(json, strlen(json), &rep, &checks, &err) != -EBADMSG)
		fail_msg("accepted: %s", json);
	assert_non_null(err);
	assert_int_equal(rep.n_results, 0);
	assert_null(rep.results);
	free(err);
	report_checks_clear(&checks);
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	assert_non_null(p);
	return xasprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

static void test_junk(void **state)
{
	assert_refused("");
	assert_refused("nestcheck: cannot run\n");
	assert_refused("[]");
	assert_refused("{}");
	assert_refused("{\"schema_version\": 2}");
	assert_refused("{\"schema_version\": \"1\"}");
	/* Truncated, and followed by more than white space. */
	_cleanup_free_ char *trunc = xstrndup(minimal, strlen(minimal) / 2);
	assert_refused(trunc);
	_cleanup_free_ char *trailing = xasprintf("%s{}", minimal);
	assert_refused(trailing);

	static const char *const breaks[][2] = {
		{"\"status\": \"warn\"", "\"status\": \"bad\""},
		{"\"status\": \"warn\"", "\"status\": 3"},
		{"\"where\": \"host\"", "\"where\": \"moon\""},
		{"\"commands\": [\"a\", \"b\"]", "\"commands\": [\"a\", 2]"},
		{"\"commands\": [\"a\", \"b\"], ", ""},
		{"\"n\": 3", "\"n\": [3]"},
		{"\"n\": 3", "\"n\": null"},
		{"\"evidence\": {}", "\"evidence\": []"},
		{"\"remediation\": []", "\"remediation\": {}"},
		{"\"id\": \"future.thing\", ", ""},
		{"\"summary\": \"s\", ", ""},
		{"\"container_runtime\": \"lxc\"", "\"container_runtime\": 1"},
		{"\"mode\": \"live\",", ""},
		{"\"checks\": [", "\"checks\": {\"x\": ["},
	};
	for (size_t i = 0; i < ARRAY_SIZE(breaks); i++) {
		_cleanup_free_ char *j = replace(minimal, breaks[i][0], breaks[i][1]);
		assert_refused(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_round_trip),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
