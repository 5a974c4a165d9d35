/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: kernel release parsing and tool/package version comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/parse.h"
#include "core/util.h"

static void assert_kv(const char *release, unsigned major, unsigned minor, unsigned patch)
{
	struct kversion kv = {1111, 2222, 3333};
	int r = kversion_parse(release, &kv);
	if (r != 0)
		fail_msg("kversion_parse(\"%s\") = %d, want 0", release, r);
	if (kv.major != major || kv.minor != minor || kv.patch != patch)
		fail_msg("kversion_parse(\"%s\") = %u.%u.%u, want %u.%u.%u", release, kv.major, kv.minor,
			 kv.patch, major, minor, patch);
}

static void assert_kv_invalid(const char *release)
{
	struct kversion kv = {1111, 2222, 3333};
	int r = kversion_parse(release, &kv);
	if (r != -EINVAL)
		fail_msg("kversion_parse(\"%s\") = %d, want -EINVAL", release ? release : "(null)", r);
	/* A failed parse leaves the output alone. */
	assert_int_equal(kv.major, 1111);
	assert_int_equal(kv.minor, 2222);
	assert_int_equal(kv.patch, 3333);
}

static void test_kversion_parse_real_releases(void **state)
{
	(void)state;
	assert_kv("6.18.44-fc-v769", 6, 18, 44);
	assert_kv("3.10.0-1160.el7.x86_64", 3, 10, 0);
	assert_kv("2.6.32-042stab134.8", 2, 6, 32);
	assert_kv("4.4.0-21-generic", 4, 4, 0);
	assert_kv("5.15.0-105-generic", 5, 15, 0);
	assert_kv("6.1.0-18-amd64", 6, 1, 0);
	assert_kv("5.10.102.1-microsoft-standard-WSL2", 5, 10, 102);
	assert_kv("6.8.0", 6, 8, 0);
}

static void test_kversion_parse_two_components(void **state)
{
	(void)state;
	assert_kv("4.15", 4, 15, 0);
	assert_kv("6.9-rc1", 6, 9, 0);
	assert_kv("5.0+", 5, 0, 0);
	/* A trailing dot with nothing numeric after: patch stays 0. */
	assert_kv("4.15.", 4, 15, 0);
	assert_kv("4.15.x", 4, 15, 0);
}

static void test_kversion_parse_limits(void **state)
{
	(void)state;
	assert_kv("65535.65535.1", 65535, 65535, 1);
	/* An oversized patch saturates rather than failing. */
	assert_kv("5.4.999999", 5, 4, 65535);
	assert_kv_invalid("99999.1");
	assert_kv_invalid("65536.0");
	assert_kv_invalid("5.99999");
	assert_kv_invalid("99999999999999999999999.1");
}

static void test_kversion_parse_invalid(void **state)
{
	(void)state;
	assert_kv_invalid("5");
	assert_kv_invalid("");
	assert_kv_invalid("abc");
	assert_kv_invalid("3.");
	assert_kv_invalid("3.x");
	assert_kv_invalid(".3.1");
	assert_kv_invalid("v5.10.0");
	assert_kv_invalid(" 5.10.0");
	assert_kv_invalid("-5.10");
	assert_kv_invalid("5-10");
	assert_kv_invalid("5..10");
	assert_kv_invalid(NULL);
}

static void test_kversion_cmp(void **state)
{
	(void)state;
	struct kversion kv;
	assert_int_equal(kversion_parse("4.15.0-20-generic", &kv), 0);
	assert_int_equal(kversion_cmp(&kv, 4, 15), 0);
	assert_int_equal(kversion_cmp(&kv, 4, 14), 1);
	assert_int_equal(kversion_cmp(&kv, 4, 16), -1);
	assert_int_equal(kversion_cmp(&kv, 3, 99), 1);
	assert_int_equal(kversion_cmp(&kv, 5, 0), -1);
	/* minor compares numerically, not as text: 4.15 > 4.9 */
	assert_int_equal(kversion_cmp(&kv, 4, 9), 1);

	/* The patch level never enters the comparison. */
	struct kversion a = {3, 10, 0}, b = {3, 10, 1160};
	assert_int_equal(kversion_cmp(&a, 3, 10), 0);
	assert_int_equal(kversion_cmp(&b, 3, 10), 0);

	struct kversion z = {0, 0, 0};
	assert_int_equal(kversion_cmp(&z, 0, 0), 0);
	assert_int_equal(kversion_cmp(&z, 0, 1), -1);
	struct kversion big = {65535, 65535, 65535};
	assert_int_equal(kversion_cmp(&big, 65535, 65534), 1);
	assert_int_equal(kversion_cmp(&big, 65535, 65535), 0);
}

/* version_cmp returns exactly -1, 0 or 1 and must be antisymmetric. */
static void check_cmp(const char *a, const char *b, int want)
{
	int r = version_cmp(a, b);
	if (r != want)
		fail_msg("version_cmp(\"%s\", \"%s\") = %d, want %d", a, b, r, want);
	int back = version_cmp(b, a);
	if (back != -want)
		fail_msg("version_cmp(\"%s\", \"%s\") = %d, want %d (antisymmetry)", b, a, back, -want);
}

static void test_version_cmp_epoch(void **state)
{
	(void)state;
	check_cmp("1:5.0.2-5", "5.0.2", 1);
	check_cmp("1:1.0", "9.9.9", 1);
	check_cmp("2:1.0", "1:9.0", 1);
	check_cmp("0:5.0.2", "5.0.2", 0);
	check_cmp("1:5.0.2", "1:5.0.2", 0);
	check_cmp("1:5.0.2", "1:5.0.3", -1);
	check_cmp("10:1", "9:1", 1);
}

static void test_version_cmp_prerelease(void **state)
{
	(void)state;
	check_cmp("1.0.0-rc93", "1.0.0", -1);
	check_cmp("1.0.0", "1.0.1", -1);
	check_cmp("1.0.0-rc93", "1.0.1", -1);
	check_cmp("1.0.0-rc92", "1.0.0-rc93", -1);
	check_cmp("1.0.0-rc9", "1.0.0-rc10", -1);
	check_cmp("2.0.0~rc1", "2.0.0", -1);
	check_cmp("2.0.0~rc1", "2.0.0~rc2", -1);
	check_cmp("2.0.0~", "2.0.0", -1);
	check_cmp("1.0-beta", "1.0", -1);
	check_cmp("1.0-alpha2", "1.0", -1);
	check_cmp("1.0-BETA", "1.0", -1);
	check_cmp("1.0-dev", "1.0", -1);
	check_cmp("1.0-pre1", "1.0", -1);
	check_cmp("2.0.0~rc1", "1.9.9", 1);
	/* A pre-release of the next version is still above the last release. */
	check_cmp("1.1.0-rc1", "1.0.9", 1);
	/* Ubuntu backports: "~" sorts before the plain revision. */
	check_cmp("24.0.7-0ubuntu2~22.04.1", "24.0.7-0ubuntu2", -1);
	check_cmp("24.0.7-0ubuntu2~22.04.1", "24.0.7", 1);
}

static void test_version_cmp_suffixes(void **state)
{
	(void)state;
	check_cmp("20.10.24+dfsg1", "20.10", 1);
	check_cmp("20.10.24+dfsg1", "20.10.24", 1);
	check_cmp("20.10.24+dfsg1", "20.10.25", -1);
	check_cmp("20.10.24+dfsg1", "20.10.24+dfsg2", -1);
	check_cmp("5.0.2-5", "5.0.2", 1);
	check_cmp("1.0a", "1.0", 1);
	check_cmp("1.0a", "1.0b", -1);
	check_cmp("1.0ab", "1.0a", 1);
	/* A word sorts below a number in the same place. */
	check_cmp("1.0.a", "1.0.1", -1);
}

static void test_version_cmp_prefix_v(void **state)
{
	(void)state;
	check_cmp("v1.1.12", "1.1.12", 0);
	check_cmp("v1.1.12", "v1.1.12", 0);
	check_cmp("v1.1.12", "1.1.13", -1);
	check_cmp("v2", "1.9", 1);
}

static void test_version_cmp_numeric(void **state)
{
	(void)state;
	check_cmp("1.4", "1.10", -1);
	check_cmp("27.0", "28.0.1", -1);
	check_cmp("1.0", "1.0.0", -1);
	check_cmp("1.0.0", "1.0.0", 0);
	check_cmp("01.002", "1.2", 0);
	check_cmp("9", "10", -1);
	check_cmp("1.2.3.4.5", "1.2.3.4.6", -1);
	check_cmp("18446744073709551615", "1", 1);
	check_cmp("", "", 0);
	check_cmp("", "0", -1);
	check_cmp("1.0", "1_0", 0);
	check_cmp("Docker version 24.0.5, build ced0996", "Docker version 24.0.10, build 1", -1);
}

/*
 * Pre-release markers of different names order as dev < alpha < beta <
 * pre < rc, also after Debian's "~", before the number that follows them:
 * what dpkg and semver both answer.
 */
static void test_version_cmp_prerelease_names(void **state)
{
	(void)state;
	check_cmp("1.0.0-alpha", "1.0.0-beta", -1);
	check_cmp("1.0.0-beta", "1.0.0-rc", -1);
	check_cmp("2.0.0~beta1", "2.0.0~rc1", -1);
	/* The marker decides before the number after it: rc1 sorts above beta2. */
	check_cmp("1.0.0-rc1", "1.0.0-beta2", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kversion_parse_real_releases),
		cmocka_unit_test(test_kversion_parse_two_components),
		cmocka_unit_test(test_kversion_parse_limits),
		cmocka_unit_test(test_kversion_parse_invalid),
		cmocka_unit_test(test_kversion_cmp),
		cmocka_unit_test(test_version_cmp_epoch),
		cmocka_unit_test(test_version_cmp_prerelease),
		cmocka_unit_test(test_version_cmp_suffixes),
		cmocka_unit_test(test_version_cmp_prefix_v),
		cmocka_unit_test(test_version_cmp_numeric),
		cmocka_unit_test(test_version_cmp_prerelease_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
