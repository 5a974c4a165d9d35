/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the storage probes' recorded lines, OpenZFS versions, the device under a path, overlay's rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libmount.h>

#include "core/parse.h"
#include "checks/storage/parse.h"
#include "core/util.h"

static char *get(const char *line, const char *key)
{
	char *v = (char *)0x1;
	int r = kv_get(line, key, &v);
	if (r != 0) {
		fail_msg("kv_get(\"%s\", \"%s\") = %d, want 0", line, key, r);
	}
	return v;
}

static void get_fails(const char *line, const char *key, int want)
{
	char *v = NULL;
	int r = kv_get(line, key, &v);
	if (r != want)
		fail_msg("kv_get(\"%s\", \"%s\") = %d, want %d", line, key, r, want);
	/* Nothing is handed out on failure. */
	assert_null(v);
}

static void test_kv_get_plain(void **state)
{
	const char *line = "dev=/dev/vda rdev=254:0 type=ext4 uuid=0a1b-2c";
	_cleanup_free_ char *dev = get(line, "dev"), *rdev = get(line, "rdev"), *type = get(line, "type"),
			    *uuid = get(line, "uuid");
	assert_string_equal(dev, "/dev/vda");
	assert_string_equal(rdev, "254:0");
	assert_string_equal(type, "ext4");
	assert_string_equal(uuid, "0a1b-2c");
	get_fails(line, "label", -ENOENT);
}

static void test_kv_get_key_is_whole_token(void **state)
{
	/* "dev" must not match "device=", nor "type" a value that contains "type=". */
	const char *line = "device=/dev/sda label=type\\x3dxfs";
	get_fails(line, "dev", -ENOENT);
	get_fails(line, "type", -ENOENT);
	_cleanup_free_ char *label = get(line, "label");
	assert_string_equal(label, "type=xfs");
	/* The first of two tokens with one key wins. */
	_cleanup_free_ char *a = get("a=1 a=2", "a");
	assert_string_equal(a, "1");
}

static void test_kv_get_empty_and_spaces(void **state)
{
	_cleanup_free_ char *e = get("label= type=ext4", "label"), *t = get("  label=   type=ext4  ", "type");
	assert_string_equal(e, "");
	assert_string_equal(t, "ext4");
	get_fails("", "type", -ENOENT);
	get_fails("type", "type", -ENOENT);
	get_fails("=x", "type", -ENOENT);
	get_fails(NULL, "type", -ENOENT);
	get_fails("type=x", "", -ENOENT);
}

static void test_kv_get_bad_escapes(void **state)
{
	get_fails("label=a\\", "label", -EBADMSG);
	get_fails("label=a\\x", "label", -EBADMSG);
	get_fails("label=a\\x4", "label", -EBADMSG);
	get_fails("label=a\\xzz", "label", -EBADMSG);
	get_fails("label=a\\n", "label", -EBADMSG);
	get_fails("label=a\\x00b", "label", -EBADMSG);
	/* A bad escape in another token does not matter. */
	_cleanup_free_ char *t = get("label=\\q type=xfs", "type");
	assert_string_equal(t, "xfs");
}

static void test_kv_roundtrip(void **state)
{
	static const char *const values[] = {
		"plain",     "",	  "with space",	       "a=b",	   "back\\slash",
		"tab\there", "new\nline", "\xc3\xa9t\xc3\xa9", "\x7f\x01", "\\x41",
	};
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		struct strbuf sb = {0};
		kv_append(&sb, "first", "1");
		kv_append(&sb, "label", values[i]);
		kv_append(&sb, "last", "z");
		_cleanup_free_ char *line = strbuf_take(&sb);
		/* One line of tokens: no raw space inside a value, no newline at all. */
		assert_null(strchr(line, '\n'));
		size_t spaces = 0;
		for (const char *p = line; *p; p++)
			spaces += *p == ' ';
		assert_int_equal(spaces, 2);
		_cleanup_free_ char *back = get(line, "label"), *last = get(line, "last"), *first = get(line, "first");
		assert_string_equal(back, values[i]);
		assert_string_equal(last, "z");
		assert_string_equal(first, "1");
	}
}

static void test_kv_append_format(void **state)
{
	struct strbuf sb = {0};
	kv_append(&sb, "dir", "/var/lib/docker");
	kv_append(&sb, "plain", "ok");
	kv_append(&sb, "label", "my disk");
	_cleanup_free_ char *line = strbuf_take(&sb);
	assert_string_equal(line, "dir=/var/lib/docker plain=ok label=my\\x20disk");
}

static void test_kv_is(void **state)
{
	assert_true(kv_is("skipped=not-root", "skipped", "not-root"));
	assert_false(kv_is("skipped=not-rootless", "skipped", "not-root"));
	assert_false(kv_is("dir=/x plain=ok", "skipped", "not-root"));
	assert_false(kv_is("skipped=\\x", "skipped", "not-root"));
}

static void zfs_ok(const char *buf, unsigned major, unsigned minor)
{
	unsigned a = 777, b = 777;
	int r = zfs_version_parse(buf, &a, &b);
	if (r != 0)
		fail_msg("zfs_version_parse(\"%s\") = %d, want 0", buf, r);
	if (a != major || b != minor)
		fail_msg("zfs_version_parse(\"%s\") = %u.%u, want %u.%u", buf, a, b, major, minor);
}

static void zfs_bad(const char *buf)
{
	unsigned a = 777, b = 777;
	int r = zfs_version_parse(buf, &a, &b);
	if (r != -EBADMSG)
		fail_msg("zfs_version_parse(\"%s\") = %d, want -EBADMSG", buf, r);
	assert_int_equal(a, 777);
	assert_int_equal(b, 777);
}

static void test_zfs_version(void **state)
{
	zfs_ok("2.2.2-0ubuntu9.1\n", 2, 2);
	zfs_ok("2.1.5-1ubuntu6~22.04.1", 2, 1);
	zfs_ok("0.8.3-1ubuntu12.17\n", 0, 8);
	zfs_ok("2.2.0-rc4", 2, 2);
	zfs_ok("zfs-2.3.1-1", 2, 3);
	zfs_ok("v2.10.0", 2, 10);
	zfs_ok("2.2", 2, 2);
	zfs_ok("  2.2.6\n", 2, 2);
	zfs_ok("2.2~beta", 2, 2);
	zfs_ok("2.2+dfsg", 2, 2);
}

static void test_zfs_version_junk(void **state)
{
	zfs_bad("");
	zfs_bad("\n");
	zfs_bad("2");
	zfs_bad("2.");
	zfs_bad("2.x");
	zfs_bad(".2");
	zfs_bad("two.two");
	zfs_bad("2.2x");
	zfs_bad("22a.1");
	zfs_bad("zfs-");
	zfs_bad("99999999999999999999.1");
	zfs_bad("2.99999999999");
	zfs_bad(NULL);
}

static void test_fstype_agrees(void **state)
{
	assert_true(fstype_agrees("ext4", "ext4"));
	assert_true(fstype_agrees("xfs", "xfs"));
	assert_true(fstype_agrees("btrfs", "btrfs"));
	assert_true(fstype_agrees("ext3", "ext4"));
	assert_true(fstype_agrees("ext2", "ext4"));
	assert_true(fstype_agrees("vfat", "msdos"));
	assert_false(fstype_agrees("xfs", "ext4"));
	assert_false(fstype_agrees("ext4", "xfs"));
	assert_false(fstype_agrees("LVM2_member", "ext4"));
	assert_false(fstype_agrees("crypto_LUKS", "ext4"));
	assert_false(fstype_agrees("", ""));
	assert_false(fstype_agrees(NULL, "ext4"));
	assert_false(fstype_agrees("ext4", NULL));
	assert_false(fstype_agrees("ext", "ext4"));
}

static void test_source_is_device(void **state)
{
	assert_true(source_is_device("/dev/vda"));
	assert_true(source_is_device("/dev/mapper/vg-docker"));
	assert_true(source_is_device("/dev/disk/by-uuid/0a1b"));
	assert_false(source_is_device("/dev/"));
	assert_false(source_is_device("/dev/../etc/shadow"));
	assert_false(source_is_device("tmpfs"));
	assert_false(source_is_device("overlay"));
	assert_false(source_is_device("rpool/ROOT/ubuntu"));
	assert_false(source_is_device("none"));
	assert_false(source_is_device("/var/lib/lxd/disks/default.img"));
	assert_false(source_is_device(NULL));
}

/* An LXD container on a dir pool, with a disk device for Docker, and stacked mounts on one target. */
static const char mi_lxd[] = "500 400 254:0 /var/lib/lxd/storage-pools/default/containers/c1/rootfs / rw,relatime - "
			     "ext4 /dev/vda rw\n"
			     "501 500 0:60 / /dev rw - tmpfs none rw,size=492k,mode=755\n"
			     "502 500 0:61 / /var/lib/docker rw - xfs /dev/loop3 rw\n"
			     "503 502 0:62 / /var/lib/docker rw - tmpfs scratch rw\n"
			     "504 500 0:63 / /srv rw - zfs default/containers/c1/srv rw\n";

static void covering(struct libmnt_table *tb, const char *path, const char *fstype, const char *target,
		     const char *source)
{
	const char *f = NULL, *t = NULL, *s = NULL;
	int r = mounts_covering_source(tb, path, &f, &t, &s);
	if (r != 0)
		fail_msg("mounts_covering_source(%s) = %d", path, r);
	assert_string_equal(f, fstype);
	assert_string_equal(t, target);
	assert_string_equal(s, source);
}

static void test_mounts_covering_source(void **state)
{
	struct libmnt_table *tb = NULL;
	assert_int_equal(mounts_parse(mi_lxd, &tb), 0);
	covering(tb, "/var/lib/docker", "tmpfs", "/var/lib/docker", "scratch");
	covering(tb, "/var/lib/docker/overlay2", "tmpfs", "/var/lib/docker", "scratch");
	covering(tb, "/var/lib/dockerd", "ext4", "/", "/dev/vda");
	covering(tb, "/srv/docker", "zfs", "/srv", "default/containers/c1/srv");
	covering(tb, "/", "ext4", "/", "/dev/vda");
	/* Only what is asked for is handed out. */
	const char *f = NULL;
	assert_int_equal(mounts_covering_source(tb, "/dev/null", &f, NULL, NULL), 0);
	assert_string_equal(f, "tmpfs");
	mnt_unref_table(tb);
}

static void test_mounts_covering_source_no_source(void **state)
{
	struct libmnt_table *tb = NULL;
	/* A source field of "none" or missing must not crash nor be taken for a device. */
	assert_int_equal(mounts_parse("27 1 254:0 / / rw - ext4 /dev/vda rw\n"
				      "28 27 0:40 / /data rw - tmpfs none rw\n",
				      &tb),
			 0);
	covering(tb, "/data/docker", "tmpfs", "/data", "none");
	mnt_unref_table(tb);
}

static void test_mounts_covering_source_empty(void **state)
{
	struct libmnt_table *tb = NULL;
	if (mounts_parse("", &tb) < 0)
		return; /* an empty table may be refused: then there is nothing to cover */
	const char *f = NULL, *t = NULL, *s = NULL;
	assert_true(mounts_covering_source(tb, "/var/lib/docker", &f, &t, &s) < 0);
	assert_null(s);
	mnt_unref_table(tb);
}

static void test_overlay_judge(void **state)
{
	/* Initial user namespace: the plain mount decides. */
	assert_int_equal(overlay_judge("ok", NULL, false, true), OVERLAY_OK);
	assert_int_equal(overlay_judge("EINVAL", NULL, false, true), OVERLAY_FAIL);
	assert_int_equal(overlay_judge("ENODEV", NULL, false, false), OVERLAY_FAIL);
	/* A retry in a new user namespace does not make dockerd's own check pass. */
	assert_int_equal(overlay_judge("unshare:EPERM", "ok", false, true), OVERLAY_FAIL);
	/* In a user namespace: the plain test, then the userxattr layer mounts (5.11+). */
	assert_int_equal(overlay_judge("ok", "ok", true, true), OVERLAY_OK_USERNS);
	assert_int_equal(overlay_judge("ok", "EINVAL", true, true), OVERLAY_LAYERS_FAIL);
	assert_int_equal(overlay_judge("ok", "EINVAL", true, false), OVERLAY_OK_USERNS);
	assert_int_equal(overlay_judge("ok", NULL, true, false), OVERLAY_OK_USERNS);
	assert_int_equal(overlay_judge("ok", NULL, true, true), OVERLAY_UNKNOWN);
	assert_int_equal(overlay_judge("EPERM", "ok", true, true), OVERLAY_FAIL);
	assert_int_equal(overlay_judge("timeout", NULL, true, true), OVERLAY_FAIL);
	assert_int_equal(overlay_judge(NULL, "ok", true, true), OVERLAY_UNKNOWN);
	assert_int_equal(overlay_judge(NULL, NULL, false, true), OVERLAY_UNKNOWN);
	/* "ok" means exactly ok. */
	assert_int_equal(overlay_judge("okay", NULL, false, true), OVERLAY_FAIL);
	assert_int_equal(overlay_judge("", NULL, false, true), OVERLAY_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv_get_plain),
		cmocka_unit_test(test_kv_get_key_is_whole_token),
		cmocka_unit_test(test_kv_get_empty_and_spaces),
		cmocka_unit_test(test_kv_get_bad_escapes),
		cmocka_unit_test(test_kv_roundtrip),
		cmocka_unit_test(test_kv_append_format),
		cmocka_unit_test(test_kv_is),
		cmocka_unit_test(test_zfs_version),
		cmocka_unit_test(test_zfs_version_junk),
		cmocka_unit_test(test_fstype_agrees),
		cmocka_unit_test(test_source_is_device),
		cmocka_unit_test(test_mounts_covering_source),
		cmocka_unit_test(test_mounts_covering_source_no_source),
		cmocka_unit_test(test_mounts_covering_source_empty),
		cmocka_unit_test(test_overlay_judge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
