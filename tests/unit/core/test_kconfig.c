/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: kernel build config parsing and gzip inflation (/proc/config.gz). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <zlib.h>

#include "core/parse.h"
#include "core/util.h"

static struct kconfig *parse_ok(const char *buf)
{
	struct kconfig *kc = NULL;
	int r = kconfig_parse(buf, &kc);
	if (r != 0)
		fail_msg("kconfig_parse = %d, want 0", r);
	assert_non_null(kc);
	return kc;
}

static void test_kconfig_values(void **state)
{
	(void)state;
	struct kconfig *kc = parse_ok("#\n"
				      "# Automatically generated file; DO NOT EDIT.\n"
				      "# Linux/x86 6.1.0 Kernel Configuration\n"
				      "#\n"
				      "CONFIG_CC_VERSION_TEXT=\"gcc (Debian 12.2.0-14) 12.2.0\"\n"
				      "CONFIG_NAMESPACES=y\n"
				      "CONFIG_OVERLAY_FS=m\n"
				      "# CONFIG_USER_NS is not set\n"
				      "CONFIG_NR_CPUS=8192\n"
				      "CONFIG_PHYSICAL_START=0x1000000\n"
				      "CONFIG_DEFAULT_HOSTNAME=\"(none)\"\n"
				      "CONFIG_LOCALVERSION=\"\"\n"
				      "\n"
				      "#\n"
				      "# General setup\n"
				      "#\n"
				      "CONFIG_CGROUPS=y\n");
	assert_int_equal(kconfig_get(kc, "NAMESPACES"), 'y');
	assert_int_equal(kconfig_get(kc, "OVERLAY_FS"), 'm');
	assert_int_equal(kconfig_get(kc, "CGROUPS"), 'y');
	/* "is not set" reads as unset. */
	assert_int_equal(kconfig_get(kc, "USER_NS"), 0);
	/* Other values: their first character, quotes skipped. */
	assert_int_equal(kconfig_get(kc, "NR_CPUS"), '8');
	assert_int_equal(kconfig_get(kc, "PHYSICAL_START"), '0');
	assert_int_equal(kconfig_get(kc, "DEFAULT_HOSTNAME"), '(');
	assert_int_equal(kconfig_get(kc, "CC_VERSION_TEXT"), 'g');
	/* An empty string is neither built in nor a module. */
	char lv = kconfig_get(kc, "LOCALVERSION");
	assert_true(lv != 'y' && lv != 'm');
	/* Names are given without the CONFIG_ prefix and match exactly. */
	assert_int_equal(kconfig_get(kc, "CONFIG_NAMESPACES"), 0);
	assert_int_equal(kconfig_get(kc, "NAMESPACE"), 0);
	assert_int_equal(kconfig_get(kc, "NAMESPACES_X"), 0);
	assert_int_equal(kconfig_get(kc, "namespaces"), 0);
	assert_int_equal(kconfig_get(kc, "MISSING_OPTION"), 0);
	assert_int_equal(kconfig_get(kc, ""), 0);
	/* Every CONFIG_ line is an entry, "is not set" ones included. */
	assert_int_equal(kconfig_count(kc), 9);
	kconfig_free(kc);
}

static void test_kconfig_ignored_lines(void **state)
{
	(void)state;
	struct kconfig *kc = parse_ok("CONFIG_A=y\n"
				      "FOO=y\n"
				      "config_lower=y\n"
				      "  CONFIG_INDENTED=y\n"
				      "CONFIG_NOEQUALS\n"
				      "CONFIG_=y\n"
				      "#CONFIG_NOSPACE is not set\n"
				      "# CONFIG_TRAILING is not set \n"
				      "# CONFIG_OTHER is set\n"
				      "# CONFIG_B is not set\n"
				      "CONFIG_C=m");
	assert_int_equal(kconfig_get(kc, "A"), 'y');
	assert_int_equal(kconfig_get(kc, "C"), 'm'); /* no final newline */
	assert_int_equal(kconfig_get(kc, "B"), 0);
	assert_int_equal(kconfig_get(kc, "FOO"), 0);
	assert_int_equal(kconfig_get(kc, "lower"), 0);
	assert_int_equal(kconfig_get(kc, "INDENTED"), 0);
	assert_int_equal(kconfig_get(kc, "NOEQUALS"), 0);
	assert_int_equal(kconfig_get(kc, "NOSPACE"), 0);
	assert_int_equal(kconfig_get(kc, "TRAILING"), 0);
	assert_int_equal(kconfig_get(kc, "OTHER"), 0);
	assert_int_equal(kconfig_count(kc), 3);
	kconfig_free(kc);
}

static void test_kconfig_crlf(void **state)
{
	(void)state;
	struct kconfig *kc = parse_ok("CONFIG_A=y\r\nCONFIG_B=m\r\n# CONFIG_C is not set\r\nCONFIG_D=\"x\"\r\n");
	assert_int_equal(kconfig_get(kc, "A"), 'y');
	assert_int_equal(kconfig_get(kc, "B"), 'm');
	assert_int_equal(kconfig_get(kc, "C"), 0);
	assert_int_equal(kconfig_get(kc, "D"), 'x');
	/* The name must not swallow the \r. */
	assert_int_equal(kconfig_get(kc, "A\r"), 0);
	kconfig_free(kc);
}

static void test_kconfig_empty_and_junk(void **state)
{
	(void)state;
	struct kconfig *kc = (struct kconfig *)0x1;
	assert_int_equal(kconfig_parse("", &kc), -EBADMSG);
	assert_ptr_equal(kc, (struct kconfig *)0x1);
	assert_int_equal(kconfig_parse("\n\n\n", &kc), -EBADMSG);
	assert_int_equal(kconfig_parse("# just a comment\n#\n", &kc), -EBADMSG);
	assert_int_equal(kconfig_parse("hello world\nthis is not a kernel config\n", &kc), -EBADMSG);

	/* Binary junk, as if config.gz were read without inflating it. */
	static const unsigned char bin[] = {0x1f, 0x8b, 0x08, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x02, 0x03,
					    0xff, 0xfe, 0x0a, 0x80, 0x81, 0x0a, 0x7f, 0x43, 0x4f, 0x4e,
					    0x0a, 0x01, 0x02, 0x00};
	assert_int_equal(kconfig_parse((const char *)bin, &kc), -EBADMSG);
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk) - 1; i++)
		junk[i] = (char)(1 + (i * 131 + 7) % 255);
	junk[sizeof(junk) - 1] = '\0';
	assert_int_equal(kconfig_parse(junk, &kc), -EBADMSG);
	assert_ptr_equal(kc, (struct kconfig *)0x1);
}

static void test_kconfig_long_names(void **state)
{
	(void)state;
	char buf[512];
	char name129[130];
	memset(name129, 'N', 129);
	name129[129] = '\0';
	char name128[129];
	memset(name128, 'L', 128);
	name128[128] = '\0';
	snprintf(buf, sizeof(buf), "CONFIG_%s=y\nCONFIG_%s=m\nCONFIG_OK=y\n", name129, name128);
	struct kconfig *kc = parse_ok(buf);
	assert_int_equal(kconfig_get(kc, name129), 0);
	assert_int_equal(kconfig_get(kc, name128), 'm');
	assert_int_equal(kconfig_get(kc, "OK"), 'y');
	assert_int_equal(kconfig_count(kc), 2);
	kconfig_free(kc);
}

static void test_kconfig_many_sorted_lookup(void **state)
{
	(void)state;
	/* Over the first allocation (1024) and out of order, to exercise growth and bsearch. */
	struct strbuf sb = {0};
	for (int i = 2999; i >= 0; i--)
		strbuf_appendf(&sb, "CONFIG_OPT_%d=%c\n", i, i % 3 == 0 ? 'y' : i % 3 == 1 ? 'm' : 'n');
	char *buf = strbuf_take(&sb);
	struct kconfig *kc = parse_ok(buf);
	assert_int_equal(kconfig_count(kc), 3000);
	for (int i = 0; i < 3000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "OPT_%d", i);
		char want = i % 3 == 0 ? 'y' : i % 3 == 1 ? 'm' : 0;
		if (kconfig_get(kc, name) != want)
			fail_msg("%s = %d, want %d", name, kconfig_get(kc, name), want);
	}
	assert_int_equal(kconfig_get(kc, "OPT_3000"), 0);
	kconfig_free(kc);
	free(buf);
}

static void test_kconfig_duplicates_no_crash(void **state)
{
	(void)state;
	/* A duplicate keeps its last value, counts once, and leaves the others intact. */
	struct kconfig *kc = parse_ok("CONFIG_A=y\nCONFIG_DUP=m\nCONFIG_Z=y\nCONFIG_DUP=y\n");
	assert_int_equal(kconfig_get(kc, "DUP"), 'y');
	assert_int_equal(kconfig_get(kc, "A"), 'y');
	assert_int_equal(kconfig_get(kc, "Z"), 'y');
	assert_int_equal(kconfig_count(kc), 3);
	kconfig_free(kc);
}

/*
 * With a name given twice the later line wins, as in Kconfig itself (and
 * scripts/kconfig/merge_config.sh, and anyone appending "CONFIG_X=y" to
 * override an earlier "# CONFIG_X is not set"), whatever the sort does.
 */
static void test_kconfig_duplicates_last_wins(void **state)
{
	(void)state;
	static const struct {
		const char *buf;
		char want;
	} cases[] = {
		{"CONFIG_A=m\nCONFIG_A=y\n", 'y'},
		{"CONFIG_A=y\nCONFIG_A=m\n", 'm'},
		{"CONFIG_A=y\n# CONFIG_A is not set\n", 0},
		{"# CONFIG_A is not set\nCONFIG_A=y\n", 'y'},
		{"CONFIG_0=y\nCONFIG_1=y\nCONFIG_A=y\n# CONFIG_A is not set\n", 0},
		{"CONFIG_0=y\nCONFIG_1=y\n# CONFIG_A is not set\nCONFIG_A=y\n", 'y'},
		{"CONFIG_A=m\nCONFIG_A=m\nCONFIG_A=y\nCONFIG_B=y\n", 'y'},
	};
	int bad = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kconfig *kc = parse_ok(cases[i].buf);
		char got = kconfig_get(kc, "A");
		kconfig_free(kc);
		if (got != cases[i].want) {
			print_error("case %zu: kconfig_get(A) = %d, want %d\n", i, got, cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* gzip-compress in with zlib, the way /proc/config.gz is built. */
static unsigned char *gzip(const void *in, size_t len, size_t *ret_len)
{
	z_stream zs = {0};
	assert_int_equal(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	size_t cap = deflateBound(&zs, (uLong)len) + 64;
	unsigned char *out = xmalloc(cap);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*ret_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static void roundtrip(const char *in, size_t len, size_t max)
{
	size_t gzlen, outlen = 12345;
	unsigned char *gz = gzip(in, len, &gzlen);
	char *out = NULL;
	int r = gunzip_buffer(gz, gzlen, max, &out, &outlen);
	free(gz);
	if (r != 0)
		fail_msg("gunzip_buffer of %zu bytes (max %zu) = %d, want 0", len, max, r);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, in, len);
	assert_int_equal(out[len], '\0');
	free(out);
}

static void test_gunzip_roundtrip(void **state)
{
	(void)state;
	const char *small = "CONFIG_NAMESPACES=y\nCONFIG_OVERLAY_FS=m\n";
	roundtrip(small, strlen(small), 1u << 20);
}

static void test_gunzip_roundtrip_large(void **state)
{
	(void)state;
	/* Highly compressible: the output outgrows the first len*4+4096 guess many times. */
	size_t len = 3u << 20;
	char *big = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		big[i] = "CONFIG_X=y\n"[i % 11];
	big[len] = '\0';
	roundtrip(big, len, 4u << 20);
	/* Exactly at the limit is still fine. */
	roundtrip(big, len, len);
	free(big);

	/* Barely compressible: pseudo-random bytes, NULs included. */
	len = 200000;
	unsigned char *rnd = xmalloc(len);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		rnd[i] = (unsigned char)x;
	}
	roundtrip((const char *)rnd, len, len);
	free(rnd);
}

static void test_gunzip_empty_content(void **state)
{
	(void)state;
	size_t gzlen, outlen = 99;
	unsigned char *gz = gzip("", 0, &gzlen);
	char *out = NULL;
	assert_int_equal(gunzip_buffer(gz, gzlen, 1024, &out, &outlen), 0);
	assert_non_null(out);
	assert_int_equal(outlen, 0);
	assert_string_equal(out, "");
	free(out);
	/* ret_len is optional, and a zero max allows an empty stream. */
	out = NULL;
	assert_int_equal(gunzip_buffer(gz, gzlen, 0, &out, NULL), 0);
	assert_string_equal(out, "");
	free(out);
	free(gz);
}

static void test_gunzip_empty_input(void **state)
{
	(void)state;
	char *out = NULL;
	size_t outlen = 77;
	assert_int_equal(gunzip_buffer("", 0, 1024, &out, &outlen), -EBADMSG);
	assert_null(out);
	assert_int_equal(outlen, 77);
}

static void test_gunzip_truncated(void **state)
{
	(void)state;
	struct strbuf sb = {0};
	for (int i = 0; i < 2000; i++)
		strbuf_appendf(&sb, "CONFIG_OPTION_%d=%c\n", i, i % 2 ? 'y' : 'm');
	char *text = strbuf_take(&sb);
	size_t gzlen;
	unsigned char *gz = gzip(text, strlen(text), &gzlen);
	assert_true(gzlen > 100);

	/* Cut anywhere: in the header, in the data, in the 8-byte trailer. */
	size_t cuts[] = {1, 2, 5, 10, 11, gzlen / 3, gzlen / 2, gzlen - 9, gzlen - 8, gzlen - 4, gzlen - 1};
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		char *out = NULL;
		int r = gunzip_buffer(gz, cuts[i], 1u << 20, &out, NULL);
		if (r != -EBADMSG)
			fail_msg("gunzip_buffer cut at %zu of %zu = %d, want -EBADMSG", cuts[i], gzlen, r);
		assert_null(out);
	}
	free(gz);
	free(text);
}

static void test_gunzip_corrupt(void **state)
{
	(void)state;
	char *out = NULL;
	const char *plain = "CONFIG_NAMESPACES=y\nCONFIG_OVERLAY_FS=m\n";
	assert_int_equal(gunzip_buffer(plain, strlen(plain), 1024, &out, NULL), -EBADMSG);
	assert_null(out);

	static const unsigned char junk[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03,
					     0xff, 0xff, 0xff, 0xff, 0x10, 0x20, 0x30, 0x40};
	assert_int_equal(gunzip_buffer(junk, sizeof(junk), 1024, &out, NULL), -EBADMSG);
	assert_null(out);

	/* A gzip magic followed by junk. */
	static const unsigned char badhdr[] = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03,
					       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(gunzip_buffer(badhdr, sizeof(badhdr), 1024, &out, NULL), -EBADMSG);
	assert_null(out);

	size_t gzlen;
	unsigned char *gz = gzip(plain, strlen(plain), &gzlen);
	/* A wrong CRC32 in the trailer. */
	gz[gzlen - 8] ^= 0x55;
	assert_int_equal(gunzip_buffer(gz, gzlen, 1024, &out, NULL), -EBADMSG);
	assert_null(out);
	gz[gzlen - 8] ^= 0x55;
	/* A wrong length (ISIZE) in the trailer. */
	gz[gzlen - 1] ^= 0x01;
	assert_int_equal(gunzip_buffer(gz, gzlen, 1024, &out, NULL), -EBADMSG);
	assert_null(out);
	gz[gzlen - 1] ^= 0x01;
	/* Restored, it inflates. */
	assert_int_equal(gunzip_buffer(gz, gzlen, 1024, &out, NULL), 0);
	assert_string_equal(out, plain);
	free(out);
	free(gz);

	/* zlib-wrapped (not gzip) data is refused too. */
	unsigned char zbuf[256];
	uLongf zlen = sizeof(zbuf);
	assert_int_equal(compress(zbuf, &zlen, (const Bytef *)plain, strlen(plain)), Z_OK);
	out = NULL;
	assert_int_equal(gunzip_buffer(zbuf, zlen, 1024, &out, NULL), -EBADMSG);
	assert_null(out);
}

static void test_gunzip_too_big(void **state)
{
	(void)state;
	size_t len = 100000, gzlen;
	char *text = xmalloc(len);
	memset(text, 'A', len);
	unsigned char *gz = gzip(text, len, &gzlen);
	char *out = NULL;
	size_t outlen = 5;

	assert_int_equal(gunzip_buffer(gz, gzlen, len - 1, &out, &outlen), -EFBIG);
	assert_null(out);
	assert_int_equal(outlen, 5);
	assert_int_equal(gunzip_buffer(gz, gzlen, 1, &out, &outlen), -EFBIG);
	assert_null(out);
	assert_int_equal(gunzip_buffer(gz, gzlen, 0, &out, &outlen), -EFBIG);
	assert_null(out);
	/* Far more compressible than 4:1, so the limit is hit while growing. */
	assert_true(gzlen * 4 + 4096 < len);
	assert_int_equal(gunzip_buffer(gz, gzlen, 50000, &out, &outlen), -EFBIG);
	assert_null(out);

	assert_int_equal(gunzip_buffer(gz, gzlen, len, &out, &outlen), 0);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, text, len);
	free(out);
	free(gz);
	free(text);
}

static void test_gunzip_then_kconfig(void **state)
{
	(void)state;
	const char *cfg = "# CONFIG_USER_NS is not set\nCONFIG_OVERLAY_FS=y\nCONFIG_VETH=m\n";
	size_t gzlen;
	unsigned char *gz = gzip(cfg, strlen(cfg), &gzlen);
	char *out = NULL;
	assert_int_equal(gunzip_buffer(gz, gzlen, 1u << 20, &out, NULL), 0);
	struct kconfig *kc = parse_ok(out);
	assert_int_equal(kconfig_get(kc, "OVERLAY_FS"), 'y');
	assert_int_equal(kconfig_get(kc, "VETH"), 'm');
	assert_int_equal(kconfig_get(kc, "USER_NS"), 0);
	assert_int_equal(kconfig_count(kc), 3);
	kconfig_free(kc);
	free(out);
	free(gz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kconfig_values),
		cmocka_unit_test(test_kconfig_ignored_lines),
		cmocka_unit_test(test_kconfig_crlf),
		cmocka_unit_test(test_kconfig_empty_and_junk),
		cmocka_unit_test(test_kconfig_long_names),
		cmocka_unit_test(test_kconfig_many_sorted_lookup),
		cmocka_unit_test(test_kconfig_duplicates_no_crash),
		cmocka_unit_test(test_kconfig_duplicates_last_wins),
		cmocka_unit_test(test_gunzip_roundtrip),
		cmocka_unit_test(test_gunzip_roundtrip_large),
		cmocka_unit_test(test_gunzip_empty_content),
		cmocka_unit_test(test_gunzip_empty_input),
		cmocka_unit_test(test_gunzip_truncated),
		cmocka_unit_test(test_gunzip_corrupt),
		cmocka_unit_test(test_gunzip_too_big),
		cmocka_unit_test(test_gunzip_then_kconfig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
