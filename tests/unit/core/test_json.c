/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the one JSON reading rule (core/json.c): one value, then only whitespace. */
#include "core/json.h"
#include "core/util.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static bool reads(const char *s)
{
	json_object *o = json_read(s, strlen(s));
	json_object_put(o);
	return o != NULL;
}

static bool reads_strict(const char *s)
{
	json_object *o = json_read_strict(s);
	json_object_put(o);
	return o != NULL;
}

static void test_one_value_then_whitespace(void **state)
{
	assert_true(reads("{\"a\":1}"));
	assert_true(reads("{\"a\":1}\n"));
	assert_true(reads("  [1, 2]\r\n\t "));
	assert_true(reads("\"s\""));
	assert_false(reads("{\"a\":1} x"));
	assert_false(reads("{\"a\":1}{\"b\":2}"));
	assert_false(reads("{\"a\":1"));
	assert_false(reads(""));
	assert_false(reads("   "));
	assert_false(reads("junk"));
}

/* Not NUL-terminated where the value ends: only len bytes are read. */
static void test_length_bounds_the_text(void **state)
{
	const char buf[] = "{\"a\":1}GARBAGE";
	json_object *o = json_read(buf, 7);
	assert_non_null(o);
	json_object_put(o);
	assert_null(json_read(buf, 8));
}

static void test_strict_as_dockerd(void **state)
{
	assert_true(reads_strict("{\"data-root\": \"/srv/docker\"}\n"));
	assert_false(reads_strict("{'data-root': '/srv'}"));
	assert_false(reads_strict("{\"a\": 1, }"));
	assert_false(reads_strict("{\"a\": 1} // comment"));
	assert_false(reads_strict("{\"a\": 1} x"));
}

static void test_members(void **state)
{
	const char *s = "{\"s\":\"a\\u001b[31mb\",\"n\":1,\"t\":true,\"f\":false}";
	json_object *o = json_read(s, strlen(s));
	assert_non_null(o);
	assert_string_equal(json_get_str(o, "s"), "a\033[31mb");
	assert_null(json_get_str(o, "n"));
	assert_null(json_get_str(o, "missing"));
	assert_null(json_get_str(NULL, "s"));
	char *d = json_dup_str(o, "s");
	assert_null(strchr(d, '\033'));
	free(d);
	assert_true(json_get_true(o, "t"));
	assert_false(json_get_true(o, "f"));
	assert_false(json_get_true(o, "n"));
	assert_false(json_get_true(o, "missing"));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_value_then_whitespace),
		cmocka_unit_test(test_length_bounds_the_text),
		cmocka_unit_test(test_strict_as_dockerd),
		cmocka_unit_test(test_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
