/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the evidence manifest's concrete paths (core/manifest.c): brace
 * groups expanded, R replaced by the kernel release, each path's kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/manifest.h"
#include "core/util.h"

struct walk {
	struct strv paths;
	enum manifest_kind kinds[128];
};

static void collect_path(const char *path, enum manifest_kind kind, void *userdata)
{
	struct walk *w = userdata;
	assert_true(w->paths.n < ARRAY_SIZE(w->kinds));
	w->kinds[w->paths.n] = kind;
	strv_push(&w->paths, xstrdup(path));
}

static void walk(const char *release, struct walk *ret)
{
	*ret = (struct walk){0};
	manifest_each(release, collect_path, ret);
}

/* The kind of path in the walk, or -1 when the walk does not hold it. */
static int kind_of(const struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->paths.n; i++)
		if (streq(w->paths.v[i], path))
			return (int)w->kinds[i];
	return -1;
}

static size_t count_prefix(const struct walk *w, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < w->paths.n; i++)
		n += startswith(w->paths.v[i], prefix);
	return n;
}

static void test_release_substituted(void **state)
{
	(void)state;
	struct walk w;
	walk("6.1.0-18-amd64", &w);
	assert_int_equal(kind_of(&w, "boot/config-6.1.0-18-amd64"), MANIFEST_FILE);
	assert_int_equal(kind_of(&w, "lib/modules/6.1.0-18-amd64/modules.dep.bin"), MANIFEST_FILE);
	assert_int_equal(kind_of(&w, "lib/modules/6.1.0-18-amd64/modules.order"), MANIFEST_FILE);
	assert_int_equal(count_prefix(&w, "lib/modules/6.1.0-18-amd64/"), 9);
	assert_int_equal(count_prefix(&w, "boot/"), 1);
	for (size_t i = 0; i < w.paths.n; i++) {
		const char *p = w.paths.v[i];
		if (strstr(p, "/R/") || (strlen(p) > 2 && streq(p + strlen(p) - 2, "-R")))
			fail_msg("R left in %s", p);
	}
	assert_int_equal(w.paths.n, 53);
	strv_clear(&w.paths);
}

static void test_braces_expanded(void **state)
{
	(void)state;
	struct walk w;
	walk("6.1.0", &w);
	static const char *const ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		_cleanup_free_ char *p = xasprintf("proc/self/ns/%s", ns[i]);
		assert_int_equal(kind_of(&w, p), MANIFEST_LINK);
	}
	assert_int_equal(count_prefix(&w, "proc/self/ns/"), 8);
	/* An alternative with a slash of its own, and the group at the end of the pattern. */
	assert_int_equal(kind_of(&w, "proc/self/attr/apparmor/current"), MANIFEST_SELF);
	assert_int_equal(kind_of(&w, "etc/docker/daemon.json"), MANIFEST_FILE);
	assert_int_equal(kind_of(&w, "sys/kernel/security/apparmor/profiles"), MANIFEST_FILE);
	for (size_t i = 0; i < w.paths.n; i++) {
		if (strpbrk(w.paths.v[i], "{},"))
			fail_msg("pattern left in %s", w.paths.v[i]);
		for (size_t j = 0; j < i; j++)
			if (streq(w.paths.v[i], w.paths.v[j]))
				fail_msg("%s twice", w.paths.v[i]);
	}
	strv_clear(&w.paths);
}

static void test_kinds(void **state)
{
	(void)state;
	struct walk w;
	walk(NULL, &w);
	assert_int_equal(kind_of(&w, "proc/1/environ"), MANIFEST_ENVIRON);
	assert_int_equal(kind_of(&w, "proc/1/comm"), MANIFEST_FILE);
	assert_int_equal(kind_of(&w, "dev/lxd/sock"), MANIFEST_SOCKET);
	assert_int_equal(kind_of(&w, ".dockerenv"), MANIFEST_MARK);
	assert_int_equal(kind_of(&w, "var/lib/dpkg/status"), MANIFEST_DPKG);
	assert_int_equal(kind_of(&w, "proc/self/mountinfo"), MANIFEST_SELF);
	for (int k = 0; k < _MANIFEST_KIND_MAX; k++)
		assert_string_not_equal(manifest_kind_to_string(k), "unknown");
	assert_string_equal(manifest_kind_to_string(_MANIFEST_KIND_MAX), "unknown");
	strv_clear(&w.paths);
}

/* Without a usable release the entries under R are left out, not guessed. */
static void test_no_release(void **state)
{
	(void)state;
	static const char *const bad[] = {NULL, "", ".", "..", "../../etc", "a/b", "6.1 x", "6.1\n", "-R\t"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct walk w;
		walk(bad[i], &w);
		assert_int_equal(count_prefix(&w, "boot/"), 0);
		assert_int_equal(count_prefix(&w, "lib/"), 0);
		assert_int_equal(w.paths.n, 53 - 10);
		strv_clear(&w.paths);
	}
}

/* The release is substituted after the braces: a brace in it is a character, not a group. */
static void test_release_not_a_pattern(void **state)
{
	(void)state;
	struct walk w;
	walk("6.1{a,b}", &w);
	assert_int_equal(count_prefix(&w, "boot/"), 1);
	assert_int_equal(kind_of(&w, "boot/config-6.1{a,b}"), MANIFEST_FILE);
	assert_int_equal(count_prefix(&w, "lib/modules/6.1{a,b}/"), 9);
	strv_clear(&w.paths);
}

static void test_release_valid(void **state)
{
	(void)state;
	assert_true(manifest_release_valid("6.1.0-18-amd64"));
	assert_true(manifest_release_valid("R"));
	assert_true(manifest_release_valid("5.15.0-1051-azure+"));
	assert_false(manifest_release_valid(NULL));
	assert_false(manifest_release_valid(""));
	assert_false(manifest_release_valid(".hidden"));
	assert_false(manifest_release_valid("a/b"));
	assert_false(manifest_release_valid("a b"));
	assert_false(manifest_release_valid("a\nb"));
	char longest[MANIFEST_RELEASE_MAX + 2];
	memset(longest, 'x', sizeof(longest));
	longest[MANIFEST_RELEASE_MAX] = 0;
	assert_true(manifest_release_valid(longest));
	longest[MANIFEST_RELEASE_MAX] = 'x';
	longest[MANIFEST_RELEASE_MAX + 1] = 0;
	assert_false(manifest_release_valid(longest));
}

static void test_print(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	manifest_print("6.1.0", f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "file proc/version\n"));
	assert_non_null(strstr(buf, "\nlink proc/self/ns/user\n"));
	assert_non_null(strstr(buf, "\nfile boot/config-6.1.0\n"));
	assert_non_null(strstr(buf, "\nenviron proc/1/environ\n"));
	/* The dpkg line names every package whose stanzas a capture keeps. */
	const char *dpkg = strstr(buf, "\ndpkg var/lib/dpkg/status ");
	assert_non_null(dpkg);
	_cleanup_free_ char *line = xstrndup(dpkg + 1, strcspn(dpkg + 1, "\n"));
	for (const char *const *p = manifest_packages; *p; p++) {
		_cleanup_free_ char *word = xasprintf(" %s", *p);
		const char *at = strstr(line, word);
		if (!at || (at[strlen(word)] != ' ' && at[strlen(word)] != 0))
			fail_msg("%s not on the dpkg line", *p);
	}
	size_t lines = 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 53);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_substituted),
		cmocka_unit_test(test_braces_expanded),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_no_release),
		cmocka_unit_test(test_release_not_a_pattern),
		cmocka_unit_test(test_release_valid),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
