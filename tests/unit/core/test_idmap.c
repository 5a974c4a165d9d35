/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: /proc/PID/uid_map and gid_map parsing, coverage, totals, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/parse.h"
#include "core/util.h"

static struct idmap *parse_ok(const char *buf)
{
	struct idmap *m = xmalloc(sizeof(*m));
	memset(m, 0xa5, sizeof(*m));
	int r = idmap_parse(buf, m);
	if (r != 0) {
		free(m);
		fail_msg("idmap_parse(\"%s\") = %d, want 0", buf, r);
	}
	return m;
}

static void parse_bad(const char *buf)
{
	struct idmap *m = xmalloc(sizeof(*m));
	m->n = 4242;
	int r = idmap_parse(buf, m);
	size_t n = m->n;
	free(m);
	if (r != -EBADMSG)
		fail_msg("idmap_parse(\"%s\") = %d, want -EBADMSG", buf, r);
	/* A failed parse leaves the output alone. */
	assert_int_equal(n, 4242);
}

static void assert_range(const struct idmap *m, size_t i, uint32_t inner, uint32_t outer, uint32_t count)
{
	assert_true(i < m->n);
	assert_int_equal(m->ranges[i].inner, inner);
	assert_int_equal(m->ranges[i].outer, outer);
	assert_int_equal(m->ranges[i].count, count);
}

static void test_idmap_identity(void **state)
{
	(void)state;
	/* What the initial user namespace shows, as the kernel prints it. */
	struct idmap *m = parse_ok("         0          0 4294967295\n");
	assert_int_equal(m->n, 1);
	assert_range(m, 0, 0, 0, UINT32_MAX);
	assert_true(idmap_is_identity(m));
	assert_int_equal(idmap_total(m), 4294967295ull);
	assert_true(idmap_covers(m, 0, 65536));
	assert_true(idmap_covers(m, 0, 4294967295ull));
	assert_true(idmap_covers(m, 4294967294u, 1));
	assert_false(idmap_covers(m, 4294967295u, 1));
	char *s = idmap_format(m);
	assert_string_equal(s, "0 0 4294967295");
	free(s);
	free(m);

	m = parse_ok("0 0 4294967295");
	assert_true(idmap_is_identity(m));
	free(m);
}

static void test_idmap_not_identity(void **state)
{
	(void)state;
	struct idmap *m = parse_ok("0 0 65536\n");
	assert_false(idmap_is_identity(m));
	free(m);
	m = parse_ok("0 1 4294967294\n");
	assert_false(idmap_is_identity(m));
	free(m);
	m = parse_ok("1 1 4294967294\n");
	assert_false(idmap_is_identity(m));
	free(m);
	m = parse_ok("0 0 2147483648\n2147483648 2147483648 2147483647\n");
	assert_false(idmap_is_identity(m));
	assert_int_equal(idmap_total(m), 4294967295ull);
	free(m);
	m = parse_ok("");
	assert_false(idmap_is_identity(m));
	free(m);
}

static void test_idmap_lxd_default(void **state)
{
	(void)state;
	/* An unprivileged LXD container: 65536 ids from 1000000. */
	struct idmap *m = parse_ok("         0    1000000      65536\n");
	assert_int_equal(m->n, 1);
	assert_range(m, 0, 0, 1000000, 65536);
	assert_int_equal(idmap_total(m), 65536);
	assert_true(idmap_covers(m, 0, 65536));
	assert_false(idmap_covers(m, 0, 65537));
	assert_true(idmap_covers(m, 65535, 1));
	assert_false(idmap_covers(m, 65536, 1));
	assert_false(idmap_covers(m, 65535, 2));
	assert_true(idmap_covers(m, 100, 0));
	char *s = idmap_format(m);
	assert_string_equal(s, "0 1000000 65536");
	free(s);
	free(m);

	m = parse_ok("0 100000 65536");
	assert_range(m, 0, 0, 100000, 65536);
	assert_true(idmap_covers(m, 0, 65536));
	free(m);
}

static void test_idmap_whitespace(void **state)
{
	(void)state;
	const char *variants[] = {
		"0 100000 65536",
		"0 100000 65536\n",
		"         0     100000      65536\n",
		"0\t100000\t65536\n",
		"  0  100000  65536  \n",
		"0 100000 65536\r\n",
		"\n\n0 100000 65536\n\n",
		"   \n0 100000 65536\n \t \n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		struct idmap *m = parse_ok(variants[i]);
		if (m->n != 1)
			fail_msg("variant %zu: n = %zu, want 1", i, m->n);
		assert_range(m, 0, 0, 100000, 65536);
		free(m);
	}
}

static void test_idmap_multiple_ranges(void **state)
{
	(void)state;
	/* A container with root's own id mapped through, as LXD's raw.idmap does. */
	struct idmap *m = parse_ok("         0    1000000       1000\n"
				   "      1000       1000          1\n"
				   "      1001    1001001      64535\n");
	assert_int_equal(m->n, 3);
	assert_range(m, 0, 0, 1000000, 1000);
	assert_range(m, 1, 1000, 1000, 1);
	assert_range(m, 2, 1001, 1001001, 64535);
	assert_int_equal(idmap_total(m), 65536);
	assert_true(idmap_covers(m, 0, 65536));
	assert_false(idmap_covers(m, 0, 65537));
	assert_true(idmap_covers(m, 999, 3));
	assert_true(idmap_covers(m, 1000, 1));
	char *s = idmap_format(m);
	assert_string_equal(s, "0 1000000 1000, 1000 1000 1, 1001 1001001 64535");
	free(s);
	free(m);

	/* The same ranges in reverse order cover the same ids. */
	m = parse_ok("1001 1001001 64535\n1000 1000 1\n0 1000000 1000\n");
	assert_int_equal(m->n, 3);
	assert_range(m, 0, 1001, 1001001, 64535);
	assert_true(idmap_covers(m, 0, 65536));
	assert_false(idmap_covers(m, 0, 65537));
	assert_int_equal(idmap_total(m), 65536);
	free(m);

	/* Shuffled, with the middle range last. */
	m = parse_ok("1001 1001001 64535\n0 1000000 1000\n1000 1000 1\n");
	assert_true(idmap_covers(m, 0, 65536));
	free(m);
}

static void test_idmap_gaps(void **state)
{
	(void)state;
	/* 1000 is missing. */
	struct idmap *m = parse_ok("0 100000 1000\n1001 101001 64535\n");
	assert_int_equal(idmap_total(m), 65535);
	assert_false(idmap_covers(m, 0, 65536));
	assert_true(idmap_covers(m, 0, 1000));
	assert_false(idmap_covers(m, 0, 1001));
	assert_false(idmap_covers(m, 1000, 1));
	assert_true(idmap_covers(m, 1001, 64535));
	assert_false(idmap_covers(m, 1001, 64536));
	assert_false(idmap_covers(m, 999, 2));
	free(m);

	/* Nothing at 0: not even root. */
	m = parse_ok("1 100001 65535\n");
	assert_false(idmap_covers(m, 0, 1));
	assert_false(idmap_covers(m, 0, 65536));
	assert_true(idmap_covers(m, 1, 65535));
	free(m);

	/* Overlapping ranges (which the kernel refuses, but a sysroot may hold). */
	m = parse_ok("0 100000 40000\n30000 200000 35536\n");
	assert_true(idmap_covers(m, 0, 65536));
	assert_false(idmap_covers(m, 0, 65537));
	free(m);

	/* An empty map covers nothing, but an empty span trivially. */
	m = parse_ok("");
	assert_int_equal(m->n, 0);
	assert_false(idmap_covers(m, 0, 1));
	assert_true(idmap_covers(m, 0, 0));
	free(m);

	/* A span past 2^32 cannot be covered. */
	m = parse_ok("0 0 4294967295\n");
	assert_false(idmap_covers(m, 0, 4294967296ull));
	assert_false(idmap_covers(m, 1, UINT64_MAX / 2));
	free(m);
}

static void test_idmap_many_small_ranges(void **state)
{
	(void)state;
	/* The kernel's limit of 340 ranges, each one id, given backwards. */
	struct strbuf sb = {0};
	for (int i = 339; i >= 0; i--)
		strbuf_appendf(&sb, "%d %d 1\n", i, 100000 + i);
	char *buf = strbuf_take(&sb);
	struct idmap *m = parse_ok(buf);
	assert_int_equal(m->n, 340);
	assert_int_equal(idmap_total(m), 340);
	assert_true(idmap_covers(m, 0, 340));
	assert_false(idmap_covers(m, 0, 341));
	free(m);

	/* 341 is one too many. */
	char *more = xasprintf("%s340 100340 1\n", buf);
	parse_bad(more);
	free(more);
	free(buf);
}

static void test_idmap_empty(void **state)
{
	(void)state;
	struct idmap *m = parse_ok("");
	assert_int_equal(m->n, 0);
	assert_int_equal(idmap_total(m), 0);
	char *s = idmap_format(m);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	free(m);

	m = parse_ok("\n \n\t\n");
	assert_int_equal(m->n, 0);
	free(m);
}

static void test_idmap_junk(void **state)
{
	(void)state;
	parse_bad("junk");
	parse_bad("0 100000");
	parse_bad("0");
	parse_bad("0 100000 65536 7");
	parse_bad("0 100000 65536x");
	parse_bad("0 100000 x65536");
	parse_bad("a b c");
	parse_bad("0,100000,65536");
	parse_bad("-1 100000 65536");
	parse_bad("0 -100000 65536");
	parse_bad("+0 100000 65536");
	parse_bad("0 100000 0x10");
	parse_bad("0 100000 65536\ngarbage\n");
	parse_bad("0 100000 65536\n1 2\n");
	parse_bad("0 100000 65536 # comment");
}

static void test_idmap_count_zero(void **state)
{
	(void)state;
	parse_bad("0 100000 0");
	parse_bad("0 100000 65536\n65536 200000 0\n");
}

static void test_idmap_overflow(void **state)
{
	(void)state;
	/* Values past 32 bits. */
	parse_bad("4294967296 0 1");
	parse_bad("0 4294967296 1");
	parse_bad("0 0 4294967296");
	parse_bad("0 0 99999999999999999999999");
	parse_bad("0 0 18446744073709551616");
	/* Ranges running off the end of the id space. */
	parse_bad("4294967295 0 2");
	parse_bad("0 4294967295 2");
	parse_bad("4000000000 0 300000000");
	parse_bad("0 4000000000 300000000");
	parse_bad("4294967295 4294967295 4294967295");

	/* At the edge, still fine. */
	struct idmap *m = parse_ok("4294967294 4294967294 1\n");
	assert_range(m, 0, 4294967294u, 4294967294u, 1);
	assert_true(idmap_covers(m, 4294967294u, 1));
	free(m);
}

static void test_idmap_format_multi(void **state)
{
	(void)state;
	struct idmap m = {.n = 2};
	m.ranges[0] = (struct idmap_range){0, 165536, 65536};
	m.ranges[1] = (struct idmap_range){65536, 4294967295u - 1, 1};
	char *s = idmap_format(&m);
	assert_string_equal(s, "0 165536 65536, 65536 4294967294 1");
	free(s);

	/* Format, then parse what the format lists (one range a line), gives the same map. */
	struct idmap *back = parse_ok("0 165536 65536\n65536 4294967294 1\n");
	assert_int_equal(back->n, m.n);
	assert_memory_equal(back->ranges, m.ranges, m.n * sizeof(m.ranges[0]));
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idmap_identity),
		cmocka_unit_test(test_idmap_not_identity),
		cmocka_unit_test(test_idmap_lxd_default),
		cmocka_unit_test(test_idmap_whitespace),
		cmocka_unit_test(test_idmap_multiple_ranges),
		cmocka_unit_test(test_idmap_gaps),
		cmocka_unit_test(test_idmap_many_small_ranges),
		cmocka_unit_test(test_idmap_empty),
		cmocka_unit_test(test_idmap_junk),
		cmocka_unit_test(test_idmap_count_zero),
		cmocka_unit_test(test_idmap_overflow),
		cmocka_unit_test(test_idmap_format_multi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
