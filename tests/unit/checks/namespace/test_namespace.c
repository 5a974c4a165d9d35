/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the parsers behind the namespace, device, keyring, process,
 * cgroup delegation and seccomp checks (proc/self/status fields, key
 * quotas, recorded probe values, own-cgroup directories).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libmount.h>

#include "core/parse.h"
#include "checks/namespace/parse.h"
#include "core/util.h"

/* proc/self/status of nestcheck on the build machine (root, no seccomp), abridged. */
static const char status_host[] = "Name:\tnestcheck\n"
				  "Umask:\t0022\n"
				  "State:\tR (running)\n"
				  "Uid:\t0\t0\t0\t0\n"
				  "Gid:\t0\t0\t0\t0\n"
				  "CapEff:\t000001fffeffffff\n"
				  "NoNewPrivs:\t0\n"
				  "Seccomp:\t0\n"
				  "Seccomp_filters:\t0\n"
				  "Speculation_Store_Bypass:\tthread vulnerable\n";

/* Inside an unprivileged LXD container with one LXC filter, and a setuid-like euid. */
static const char status_lxd[] = "Name:\tsh\n"
				 "Uid:\t1000\t0\t0\t0\n"
				 "NoNewPrivs:\t0\n"
				 "Seccomp:\t2\n"
				 "Seccomp_filters:\t1\n";

static void test_status_uint(void **state)
{
	(void)state;
	unsigned long long v = 42;
	assert_int_equal(proc_status_uint(status_host, "Seccomp", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(proc_status_uint(status_lxd, "Seccomp", &v), 0);
	assert_int_equal(v, 2);
	/* "Seccomp" must not match the "Seccomp_filters" line, nor the other way round. */
	assert_int_equal(proc_status_uint(status_lxd, "Seccomp_filters", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(proc_status_uint("Seccomp_filters:\t3\nSeccomp:\t2\n", "Seccomp", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(proc_status_uint("Seccomp:\t2\n", "Seccomp_filters", &v), -ENOENT);
	assert_int_equal(proc_status_uint(status_host, "NoNewPrivs", &v), 0);
	assert_int_equal(v, 0);
	/* No trailing newline, trailing blanks. */
	assert_int_equal(proc_status_uint("Seccomp:\t2", "Seccomp", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(proc_status_uint("Seccomp:   7 \t\n", "Seccomp", &v), 0);
	assert_int_equal(v, 7);
}

static void test_status_uint_bad(void **state)
{
	(void)state;
	unsigned long long v = 42;
	/* A kernel without seccomp has no such line. */
	assert_int_equal(proc_status_uint("Name:\tx\nUid:\t0\t0\t0\t0\n", "Seccomp", &v), -ENOENT);
	assert_int_equal(proc_status_uint("", "Seccomp", &v), -ENOENT);
	assert_int_equal(proc_status_uint("Seccomp:\n", "Seccomp", &v), -EBADMSG);
	assert_int_equal(proc_status_uint("Seccomp:\tabc\n", "Seccomp", &v), -EBADMSG);
	assert_int_equal(proc_status_uint("Seccomp:\t2x\n", "Seccomp", &v), -EBADMSG);
	assert_int_equal(proc_status_uint("Seccomp:\t2 3\n", "Seccomp", &v), -EBADMSG);
	assert_int_equal(proc_status_uint("Seccomp:\t-1\n", "Seccomp", &v), -EBADMSG);
	assert_int_equal(proc_status_uint("Seccomp:\t99999999999999999999999\n", "Seccomp", &v), -EBADMSG);
	/* A field name without its colon is some other line. */
	assert_int_equal(proc_status_uint("Seccomp 2\n", "Seccomp", &v), -ENOENT);
	assert_int_equal(v, 42);
}

static void test_status_euid(void **state)
{
	(void)state;
	uint32_t uid = 7;
	assert_int_equal(proc_status_euid(status_host, &uid), 0);
	assert_int_equal(uid, 0);
	/* The effective uid is the second column, not the real one. */
	assert_int_equal(proc_status_euid(status_lxd, &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(proc_status_euid("Uid:\t0\t1000\t1000\t1000\n", &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(proc_status_euid("Uid:\t4294967295\t4294967294\t0\t0", &uid), 0);
	assert_int_equal(uid, 4294967294u);

	uid = 7;
	assert_int_equal(proc_status_euid("Gid:\t0\t0\t0\t0\n", &uid), -ENOENT);
	assert_int_equal(proc_status_euid("Uid:\t0\n", &uid), -EBADMSG);
	assert_int_equal(proc_status_euid("Uid:\t0\tx\t0\t0\n", &uid), -EBADMSG);
	assert_int_equal(proc_status_euid("Uid:\t0\t12x\t0\t0\n", &uid), -EBADMSG);
	assert_int_equal(proc_status_euid("Uid:\t0\t4294967296\t0\t0\n", &uid), -EBADMSG);
	assert_int_equal(proc_status_euid("Uid:\n", &uid), -EBADMSG);
	assert_int_equal(uid, 7);
}

static void test_uint_text(void **state)
{
	(void)state;
	unsigned long long v = 1;
	assert_int_equal(parse_uint_text("200\n", &v), 0);
	assert_int_equal(v, 200);
	assert_int_equal(parse_uint_text("  25000000 \n\n", &v), 0);
	assert_int_equal(v, 25000000);
	assert_int_equal(parse_uint_text("0", &v), 0);
	assert_int_equal(v, 0);

	v = 1;
	assert_int_equal(parse_uint_text("", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("\n", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("abc\n", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("12 34\n", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("-5\n", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("+5\n", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("200k\n", &v), -EBADMSG);
	assert_int_equal(parse_uint_text("184467440737095516160\n", &v), -EBADMSG);
	assert_int_equal(v, 1);
}

/* proc/key-users on the build machine, and in an unprivileged LXD container (root is host uid 100000). */
static const char key_users_host[] = "    0:     9 8/8 3/1000000 40/25000000\n"
				     " 1000:     2 2/2 2/200 94/20000\n";
static const char key_users_lxd[] = "    0:     4 3/3 3/200 155/20000\n";

static void test_key_users(void **state)
{
	(void)state;
	struct key_user k;
	assert_int_equal(key_users_find(key_users_host, 0, &k), 0);
	assert_int_equal(k.uid, 0);
	assert_int_equal(k.usage, 9);
	assert_int_equal(k.nkeys, 8);
	assert_int_equal(k.nikeys, 8);
	assert_int_equal(k.qnkeys, 3);
	assert_int_equal(k.maxkeys, 1000000);
	assert_int_equal(k.qnbytes, 40);
	assert_int_equal(k.maxbytes, 25000000);

	assert_int_equal(key_users_find(key_users_host, 1000, &k), 0);
	assert_int_equal(k.uid, 1000);
	assert_int_equal(k.qnkeys, 2);
	assert_int_equal(k.maxkeys, 200);
	assert_int_equal(k.qnbytes, 94);
	assert_int_equal(k.maxbytes, 20000);

	assert_int_equal(key_users_find(key_users_lxd, 0, &k), 0);
	assert_int_equal(k.maxkeys, 200);
	assert_int_equal(k.qnbytes, 155);

	/* No trailing newline; blank lines are skipped. */
	assert_int_equal(key_users_find("\n  5: 1 1/1 1/200 10/20000", 5, &k), 0);
	assert_int_equal(k.maxbytes, 20000);
}

static void test_key_users_bad(void **state)
{
	(void)state;
	struct key_user k = {.uid = 77};
	assert_int_equal(key_users_find(key_users_host, 4242, &k), -ENOENT);
	assert_int_equal(key_users_find("", 0, &k), -ENOENT);
	/* A junk line spoils the file, even when the wanted line is fine. */
	assert_int_equal(key_users_find("    0:     9 8/8 3/1000000 40/25000000\ngarbage\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("    0:     9 8/8 3/1000000\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("    0:     9 8/8 3/1000000 40/\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("    0:     9 8/8 3-1000000 40/25000000\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("    0      9 8/8 3/1000000 40/25000000\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("   -1:     9 8/8 3/1000000 40/25000000\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("4294967296: 9 8/8 3/1000000 40/25000000\n", 0, &k), -EBADMSG);
	assert_int_equal(key_users_find("    0:     9 8/8 3/1000000 40/25000000 extra\n", 0, &k), -EBADMSG);
	assert_int_equal(k.uid, 77);
}

static void test_key_room(void **state)
{
	(void)state;
	/* Keys run out first: 200 - 3 = 197 keys, (20000 - 155) / 70 = 283 keyrings by bytes. */
	struct key_user k = {.qnkeys = 3, .maxkeys = 200, .qnbytes = 155, .maxbytes = 20000};
	assert_int_equal(key_user_room(&k, 70), 197);
	/* Bytes run out first. */
	k = (struct key_user){.qnkeys = 3, .maxkeys = 1000000, .qnbytes = 19000, .maxbytes = 20000};
	assert_int_equal(key_user_room(&k, 70), 14);
	/* Used up, and over the limit (limits lowered after the keys were made). */
	k = (struct key_user){.qnkeys = 200, .maxkeys = 200, .qnbytes = 100, .maxbytes = 20000};
	assert_int_equal(key_user_room(&k, 70), 0);
	k = (struct key_user){.qnkeys = 10, .maxkeys = 200, .qnbytes = 30000, .maxbytes = 20000};
	assert_int_equal(key_user_room(&k, 70), 0);
	k = (struct key_user){.qnkeys = 10, .maxkeys = 200, .qnbytes = 19990, .maxbytes = 20000};
	assert_int_equal(key_user_room(&k, 70), 0);
	/* Without a byte cost only keys count. */
	k = (struct key_user){.qnkeys = 10, .maxkeys = 200, .qnbytes = 19990, .maxbytes = 20000};
	assert_int_equal(key_user_room(&k, 0), 190);
}

static void test_kv_get(void **state)
{
	(void)state;
	const char *v = "mkdir=ok type=domain avail=cpu,memory enable=ok root_type=domain root_procs=3 "
			"root_enable=EBUSY rmdir=ok";
	char *s = NULL;
	assert_int_equal(probe_kv_get(v, "mkdir", &s), 0);
	assert_string_equal(s, "ok");
	free(s);
	assert_int_equal(probe_kv_get(v, "avail", &s), 0);
	assert_string_equal(s, "cpu,memory");
	free(s);
	/* "type" must not find "root_type", nor "enable" "root_enable". */
	assert_int_equal(probe_kv_get("root_type=root type=domain", "type", &s), 0);
	assert_string_equal(s, "domain");
	free(s);
	assert_int_equal(probe_kv_get(v, "enable", &s), 0);
	assert_string_equal(s, "ok");
	free(s);
	assert_int_equal(probe_kv_get(v, "root_enable", &s), 0);
	assert_string_equal(s, "EBUSY");
	free(s);
	assert_int_equal(probe_kv_get(v, "rmdir", &s), 0);
	assert_string_equal(s, "ok");
	free(s);
	/* Empty value, odd spacing, a trailing newline. */
	assert_int_equal(probe_kv_get("  a=  b=2\n", "a", &s), 0);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(probe_kv_get("a=1\tb=2\n", "b", &s), 0);
	assert_string_equal(s, "2");
	free(s);
	/* The first of two wins. */
	assert_int_equal(probe_kv_get("a=1 a=2", "a", &s), 0);
	assert_string_equal(s, "1");
	free(s);

	s = NULL;
	assert_int_equal(probe_kv_get(v, "mkdi", &s), -ENOENT);
	assert_int_equal(probe_kv_get(v, "ok", &s), -ENOENT);
	assert_int_equal(probe_kv_get("timeout", "mkdir", &s), -ENOENT);
	assert_int_equal(probe_kv_get("mkdir", "mkdir", &s), -ENOENT);
	assert_int_equal(probe_kv_get("", "mkdir", &s), -ENOENT);
	assert_null(s);
}

static void test_word_list(void **state)
{
	(void)state;
	assert_true(word_list_has("cpu io memory pids", "memory"));
	assert_true(word_list_has("cpu,io,memory", "cpu"));
	assert_true(word_list_has("rw,relatime,memory", "memory"));
	assert_true(word_list_has("name=systemd", "name=systemd"));
	assert_true(word_list_has(" pids\n", "pids"));
	assert_false(word_list_has("cpuset cpuacct", "cpu"));
	assert_false(word_list_has("memory", "mem"));
	assert_false(word_list_has("", "cpu"));
	assert_false(word_list_has(NULL, "cpu"));
	assert_false(word_list_has("cpu", ""));
	assert_false(word_list_has("-", "cpu"));
}

static const char mi_hybrid[] = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
				"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
				"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
				"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
				"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
				"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
				"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char cg_hybrid[] = "9:name=systemd:/\n"
				"8:pids:/\n"
				"4:memory:/process_api/a30b6fd8\n"
				"2:cpuacct:/\n"
				"1:cpu:/\n"
				"0::/\n";

static struct libmnt_table *table(const char *mi)
{
	struct libmnt_table *tb = NULL;
	if (mounts_parse(mi, &tb) != 0)
		fail_msg("mounts_parse failed");
	return tb;
}

static void assert_own_dir(const char *mi, const char *cg, const char *ctrl, const char *want, const char *mnt)
{
	struct libmnt_table *tb = table(mi);
	char *dir = NULL, *mount = NULL;
	int r = cgroup_own_dir(tb, cg, ctrl, &dir, &mount);
	mnt_unref_table(tb);
	if (r != 0)
		fail_msg("cgroup_own_dir(%s) = %d, want 0", ctrl ? ctrl : "v2", r);
	assert_string_equal(dir, want);
	assert_string_equal(mount, mnt);
	free(dir);
	free(mount);
}

static void assert_own_dir_err(const char *mi, const char *cg, const char *ctrl, int want)
{
	struct libmnt_table *tb = table(mi);
	char *dir = (char *)"untouched";
	int r = cgroup_own_dir(tb, cg, ctrl, &dir, NULL);
	mnt_unref_table(tb);
	assert_int_equal(r, want);
	assert_string_equal(dir, "untouched");
}

static void test_own_dir_hybrid(void **state)
{
	(void)state;
	assert_own_dir(mi_hybrid, cg_hybrid, "memory", "/sys/fs/cgroup/memory/process_api/a30b6fd8",
		       "/sys/fs/cgroup/memory");
	assert_own_dir(mi_hybrid, cg_hybrid, "pids", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids");
	/* "cpu" must find the cpu hierarchy, not cpuacct. */
	assert_own_dir(mi_hybrid, cg_hybrid, "cpu", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu");
	assert_own_dir(mi_hybrid, cg_hybrid, "name=systemd", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd");
	assert_own_dir(mi_hybrid, cg_hybrid, NULL, "/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified");
	/* Not mounted, or not in proc/self/cgroup. */
	assert_own_dir_err(mi_hybrid, cg_hybrid, "devices", -ENOENT);
	assert_own_dir_err(mi_hybrid, "4:memory:/x\n", NULL, -ENOENT);
	assert_own_dir_err(mi_hybrid, "4:memory:/x\n", "pids", -ENOENT);
	assert_own_dir_err(mi_hybrid, "", "memory", -ENOENT);
}

/* Co-mounted v1 controllers ("cpu,cpuacct") and lines that list several. */
static void test_own_dir_comounted(void **state)
{
	(void)state;
	const char *mi = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
	assert_own_dir(mi, "3:cpu,cpuacct:/user.slice\n", "cpuacct", "/sys/fs/cgroup/cpu,cpuacct/user.slice",
		       "/sys/fs/cgroup/cpu,cpuacct");
	assert_own_dir(mi, "3:cpu,cpuacct:/user.slice\n", "cpu", "/sys/fs/cgroup/cpu,cpuacct/user.slice",
		       "/sys/fs/cgroup/cpu,cpuacct");
}

/* Inside an LXD container: a cgroup namespace, the attach cgroup ".lxc" below its root. */
static void test_own_dir_lxd(void **state)
{
	(void)state;
	const char *mi = "900 800 0:40 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw\n";
	assert_own_dir(mi, "0::/.lxc\n", NULL, "/sys/fs/cgroup/.lxc", "/sys/fs/cgroup");
	assert_own_dir(mi, "0::/\n", NULL, "/sys/fs/cgroup", "/sys/fs/cgroup");
	/* A trailing slash in either place is dropped. */
	assert_own_dir("900 800 0:40 / /sys/fs/cgroup/ rw - cgroup2 cgroup2 rw\n", "0::/init.scope/\n", NULL,
		       "/sys/fs/cgroup/init.scope", "/sys/fs/cgroup");
	/* Outside the namespace's root: the kernel prints a climbing path. */
	assert_own_dir_err(mi, "0::/../../user.slice\n", NULL, -EXDEV);
	assert_own_dir_err(mi, "0::/a/..\n", NULL, -EXDEV);
	/* A dot-dot look-alike is a plain name. */
	assert_own_dir(mi, "0::/..x/y\n", NULL, "/sys/fs/cgroup/..x/y", "/sys/fs/cgroup");
}

/* A mount of a subtree (bind mount, no cgroup namespace): the path is relative to its root. */
static void test_own_dir_subtree(void **state)
{
	(void)state;
	const char *mi = "900 800 0:40 /lxc.payload.c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	assert_own_dir(mi, "0::/lxc.payload.c1/init.scope\n", NULL, "/sys/fs/cgroup/init.scope", "/sys/fs/cgroup");
	assert_own_dir(mi, "0::/lxc.payload.c1\n", NULL, "/sys/fs/cgroup", "/sys/fs/cgroup");
	/* Not below the mount's root, or only a look-alike prefix. */
	assert_own_dir_err(mi, "0::/user.slice\n", NULL, -EXDEV);
	assert_own_dir_err(mi, "0::/lxc.payload.c10/x\n", NULL, -EXDEV);
	/* The first mount that shows the cgroup wins. */
	const char *two = "900 800 0:40 /other /mnt/a rw - cgroup2 cgroup2 rw\n"
			  "901 800 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	assert_own_dir(two, "0::/lxc.payload.c1\n", NULL, "/sys/fs/cgroup/lxc.payload.c1", "/sys/fs/cgroup");
	/* Spaces in a mount point come escaped in mountinfo. */
	assert_own_dir("900 800 0:40 / /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n", "0::/a\n", NULL, "/mnt/my cg/a",
		       "/mnt/my cg");
}

/* proc/self/cgroup lines that are not in the expected shape are skipped. */
static void test_own_dir_junk(void **state)
{
	(void)state;
	assert_own_dir(mi_hybrid, "junk\n4:memory\n4:memory:relative\n4:memory:/ok\n", "memory",
		       "/sys/fs/cgroup/memory/ok", "/sys/fs/cgroup/memory");
	assert_own_dir_err(mi_hybrid, "junk\n::\n", "memory", -ENOENT);
	/* A v1 cgroup type with the v2 file system's name does not count. */
	assert_own_dir_err("1 1 0:1 / /sys/fs/cgroup rw - cgroup cgroup rw\n", "0::/\n", NULL, -ENOENT);
}

static void test_seccomp_modes(void **state)
{
	(void)state;
	assert_string_equal(seccomp_mode_to_string(0), "disabled");
	assert_string_equal(seccomp_mode_to_string(1), "strict");
	assert_string_equal(seccomp_mode_to_string(2), "filter");
	assert_null(seccomp_mode_to_string(3));
	assert_null(seccomp_mode_to_string(~0ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_uint),	  cmocka_unit_test(test_status_uint_bad),
		cmocka_unit_test(test_status_euid),	  cmocka_unit_test(test_uint_text),
		cmocka_unit_test(test_key_users),	  cmocka_unit_test(test_key_users_bad),
		cmocka_unit_test(test_key_room),	  cmocka_unit_test(test_kv_get),
		cmocka_unit_test(test_word_list),	  cmocka_unit_test(test_own_dir_hybrid),
		cmocka_unit_test(test_own_dir_comounted), cmocka_unit_test(test_own_dir_lxd),
		cmocka_unit_test(test_own_dir_subtree),	  cmocka_unit_test(test_own_dir_junk),
		cmocka_unit_test(test_seccomp_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
