/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: mountinfo parsing, cgroup layout detection, mount lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libmount.h>

#include "core/parse.h"
#include "core/util.h"

/* The build machine (a VM with cgroup v1 controllers, cgroup2 at unified, LXD installed). */
static const char mi_build_machine[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
	"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334432k,nr_inodes=3083608,mode=755\n"
	"25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683656k\n"
	"26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
	"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
	"29 26 0:26 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
	"30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683656k\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"43 27 0:41 / /var/lib/lxcfs rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs "
	"rw,user_id=0,group_id=0,allow_other\n"
	"49 27 0:44 / /var/lib/lxd/shmounts rw,relatime shared:3 - tmpfs tmpfs rw,size=100k,mode=711\n"
	"50 27 0:45 / /var/lib/lxd/devlxd rw,relatime - tmpfs tmpfs rw,size=100k,mode=755\n";

/* CentOS 7: cgroup v1 only, controllers co-mounted in pairs, the systemd named hierarchy. */
static const char mi_v1[] =
	"18 39 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw,seclabel\n"
	"19 39 0:3 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n"
	"20 39 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,seclabel,size=1920412k,nr_inodes=480103,mode=755\n"
	"24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,seclabel,mode=755\n"
	"25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup "
	"rw,seclabel,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n"
	"28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup "
	"rw,seclabel,cpuacct,cpu\n"
	"29 24 0:25 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
	"rw,seclabel,net_prio,net_cls\n"
	"30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,seclabel,memory\n"
	"31 24 0:27 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,seclabel,pids\n"
	"32 24 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,seclabel,cpuset\n"
	"33 24 0:29 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,seclabel,devices\n"
	"34 24 0:30 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,seclabel,freezer\n"
	"35 24 0:31 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,seclabel,blkio\n"
	"36 24 0:32 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup "
	"rw,seclabel,perf_event\n"
	"37 24 0:33 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,seclabel,hugetlb\n"
	"39 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/centos-root rw,seclabel,attr2,inode64,noquota\n"
	"40 39 253:2 / /var/lib/docker rw,relatime shared:20 - xfs /dev/mapper/centos-docker rw,seclabel,attr2,inode64,noquota\n";

/* Debian 12: cgroup2 only. */
static const char mi_v2[] =
	"21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"22 26 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"23 26 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=4010364k,nr_inodes=1002591,mode=755\n"
	"26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
	"28 21 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"45 26 0:40 / /var/lib/docker rw,relatime shared:25 - btrfs /dev/sdb1 rw,space_cache=v2,subvolid=5,subvol=/\n"
	"46 45 0:40 /sub /var/lib/docker/volumes rw,relatime shared:26 - btrfs /dev/sdb1 rw,subvol=/sub\n";

/* Ubuntu 20.04: v1 controllers, the systemd hierarchy and cgroup2 at unified. */
static const char mi_hybrid[] =
	"24 29 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"25 29 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw\n"
	"29 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n"
	"34 24 0:29 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"35 34 0:30 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 "
	"rw,nsdelegate\n"
	"36 34 0:31 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
	"rw,xattr,name=systemd\n"
	"39 34 0:34 / /sys/fs/cgroup/rdma rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,rdma\n"
	"40 34 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct\n"
	"41 34 0:36 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,memory\n"
	"42 34 0:37 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,pids\n"
	"43 34 0:38 / /sys/fs/cgroup/misc rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,misc\n";

/* A host with no cgroup file system mounted at all. */
static const char mi_none[] = "1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
			      "2 1 0:4 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
			      "3 1 0:5 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n";

/* Inside an LXD container: LXCFS files over /proc and /sys, proc again under /dev/.lxc. */
static const char mi_lxd[] =
	"1012 944 0:89 / / rw,relatime shared:495 master:1 - zfs default/containers/c1 rw,xattr,posixacl\n"
	"1013 1012 0:93 / /dev rw,relatime shared:496 - tmpfs none rw,size=492k,mode=755,uid=1000000,gid=1000000\n"
	"1014 1012 0:94 / /proc rw,nosuid,nodev,noexec,relatime shared:497 - proc proc rw\n"
	"1015 1012 0:95 / /sys rw,nosuid,nodev,noexec,relatime shared:498 - sysfs sysfs rw\n"
	"1016 1014 0:50 / /proc/sys/fs/binfmt_misc rw,nosuid,nodev,noexec,relatime shared:499 - binfmt_misc "
	"binfmt_misc rw\n"
	"1017 1015 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:500 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"1018 1013 0:94 / /dev/.lxc/proc rw,relatime shared:501 - proc proc rw\n"
	"1019 1013 0:95 / /dev/.lxc/sys rw,relatime shared:502 - sysfs sysfs rw\n"
	"1020 1013 0:5 /fuse /dev/fuse rw,nosuid,noexec,relatime shared:503 master:2 - devtmpfs udev "
	"rw,size=4010364k,nr_inodes=1002591,mode=755\n"
	"1021 1013 0:92 / /dev/lxd rw,relatime shared:504 - tmpfs tmpfs rw,size=100k,mode=755\n"
	"1022 1014 0:41 /proc/cpuinfo /proc/cpuinfo rw,nosuid,nodev,relatime shared:505 master:3 - fuse.lxcfs lxcfs "
	"rw,user_id=0,group_id=0,allow_other\n"
	"1023 1014 0:41 /proc/diskstats /proc/diskstats rw,nosuid,nodev,relatime shared:506 master:3 - fuse.lxcfs "
	"lxcfs rw,user_id=0,group_id=0,allow_other\n"
	"1024 1014 0:41 /proc/meminfo /proc/meminfo rw,nosuid,nodev,relatime shared:507 master:3 - fuse.lxcfs lxcfs "
	"rw,user_id=0,group_id=0,allow_other\n"
	"1025 1014 0:41 /proc/uptime /proc/uptime rw,nosuid,nodev,relatime shared:508 master:3 - fuse.lxcfs lxcfs "
	"rw,user_id=0,group_id=0,allow_other\n"
	"1026 1015 0:41 /sys/devices/system/cpu /sys/devices/system/cpu rw,nosuid,nodev,relatime shared:509 "
	"master:3 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other\n";

static struct libmnt_table *parse_ok(const char *buf)
{
	struct libmnt_table *tb = NULL;
	int r = mounts_parse(buf, &tb);
	if (r != 0)
		fail_msg("mounts_parse = %d, want 0", r);
	assert_non_null(tb);
	return tb;
}

static void parse_bad(const char *buf)
{
	struct libmnt_table *tb = (struct libmnt_table *)0x1;
	int r = mounts_parse(buf, &tb);
	if (r != -EBADMSG)
		fail_msg("mounts_parse(\"%.40s\") = %d, want -EBADMSG", buf, r);
	assert_ptr_equal(tb, (struct libmnt_table *)0x1);
}

static struct cgroup_mounts scan(struct libmnt_table *tb)
{
	struct cgroup_mounts c;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(cgroup_mounts_scan(tb, &c), 0);
	assert_non_null(c.v1_controllers);
	return c;
}

static void assert_covering(struct libmnt_table *tb, const char *path, const char *fstype, const char *target)
{
	const char *t = NULL, *tg = NULL;
	int r = mounts_covering(tb, path, &t, &tg);
	if (r != 0)
		fail_msg("mounts_covering(%s) = %d, want 0", path, r);
	if (!streq(t, fstype) || !streq(tg, target))
		fail_msg("mounts_covering(%s) = %s at %s, want %s at %s", path, t, tg, fstype, target);
	/* ret_target is optional. */
	t = NULL;
	assert_int_equal(mounts_covering(tb, path, &t, NULL), 0);
	assert_string_equal(t, fstype);
}

/* ---- mounts_parse ---- */

static void test_parse_real(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_build_machine);
	assert_int_equal(mnt_table_get_nents(tb), 22);
	struct libmnt_fs *fs = mnt_table_find_target(tb, "/var/lib/lxcfs", MNT_ITER_FORWARD);
	assert_non_null(fs);
	assert_string_equal(mnt_fs_get_fstype(fs), "fuse.lxcfs");
	assert_int_equal(mnt_fs_get_id(fs), 43);
	assert_int_equal(mnt_fs_get_parent_id(fs), 27);
	mnt_unref_table(tb);

	const char *all[] = {mi_v1, mi_v2, mi_hybrid, mi_none, mi_lxd};
	const int n[] = {17, 7, 11, 3, 15};
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		tb = parse_ok(all[i]);
		if (mnt_table_get_nents(tb) != n[i])
			fail_msg("table %zu: %d entries, want %d", i, mnt_table_get_nents(tb), n[i]);
		mnt_unref_table(tb);
	}
}

static void test_parse_escapes(void **state)
{
	(void)state;
	/* The kernel escapes spaces, tabs, newlines and backslashes in octal. */
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "2 1 8:2 / /mnt/my\\040disk rw - vfat /dev/sdb1 rw\n");
	assert_covering(tb, "/mnt/my disk/docker", "vfat", "/mnt/my disk");
	assert_covering(tb, "/mnt/my", "ext4", "/");
	assert_true(mounts_has(tb, "/mnt/my disk", "vfat"));
	mnt_unref_table(tb);
}

static void test_parse_skips_bad_lines(void **state)
{
	(void)state;
	/* A broken line among good ones is dropped, the rest kept. */
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "this line is junk\n"
					   "3 1 0:4 / /proc rw - proc proc rw\n");
	assert_true(mounts_has(tb, "/", "ext4"));
	assert_true(mounts_has(tb, "/proc", "proc"));
	assert_int_equal(mnt_table_get_nents(tb), 2);
	mnt_unref_table(tb);
}

static void test_parse_junk(void **state)
{
	(void)state;
	parse_bad("");
	parse_bad("\n");
	parse_bad("hello world\n");
	parse_bad("junk");
	/* An fstab is not a mount table the kernel wrote. */
	parse_bad("/dev/sda1 / ext4 defaults 0 1\n");
	parse_bad("# /etc/fstab\nUUID=1234 / ext4 errors=remount-ro 0 1\nproc /proc proc defaults 0 0\n");
	/* Nor is /proc/mounts (no ids). */
	parse_bad("/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n");
	static const char bin[] = "\x01\x02\x03\x7f\xff\xfe\n\x80\x81 \x90\n";
	parse_bad(bin);
}

/* ---- cgroup_mounts_scan ---- */

static void test_cgroup_v1(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_v1);
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V1);
	assert_string_equal(cgroup_layout_to_string(c.layout), "v1");
	assert_null(c.v2_mountpoint);
	assert_true(c.v1_named_systemd);
	/* In mount order, each mount's controllers in the table's order. */
	assert_string_equal(c.v1_controllers,
			    "cpu,cpuacct,net_cls,net_prio,memory,pids,cpuset,devices,freezer,blkio,perf_event,hugetlb");
	cgroup_mounts_clear(&c);
	assert_null(c.v1_controllers);
	assert_null(c.v2_mountpoint);
	assert_false(c.v1_named_systemd);
	assert_int_equal(c.layout, CGROUP_LAYOUT_NONE);
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_v2(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_v2);
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V2);
	assert_string_equal(cgroup_layout_to_string(c.layout), "v2");
	assert_non_null(c.v2_mountpoint);
	assert_string_equal(c.v2_mountpoint, "/sys/fs/cgroup");
	assert_string_equal(c.v1_controllers, "");
	assert_false(c.v1_named_systemd);
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_hybrid(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_hybrid);
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_HYBRID);
	assert_string_equal(cgroup_layout_to_string(c.layout), "hybrid");
	assert_string_equal(c.v2_mountpoint, "/sys/fs/cgroup/unified");
	assert_true(c.v1_named_systemd);
	assert_string_equal(c.v1_controllers, "rdma,cpu,cpuacct,memory,pids,misc");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);

	tb = parse_ok(mi_build_machine);
	c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_HYBRID);
	assert_string_equal(c.v2_mountpoint, "/sys/fs/cgroup/unified");
	assert_true(c.v1_named_systemd);
	assert_string_equal(c.v1_controllers, "cpu,cpuacct,cpuset,memory,devices,freezer,blkio,pids");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_none(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_none);
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_NONE);
	assert_string_equal(cgroup_layout_to_string(c.layout), "none");
	assert_null(c.v2_mountpoint);
	assert_string_equal(c.v1_controllers, "");
	assert_false(c.v1_named_systemd);
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_lxd(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_lxd);
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V2);
	assert_string_equal(c.v2_mountpoint, "/sys/fs/cgroup");
	assert_string_equal(c.v1_controllers, "");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_controller_names_exact(void **state)
{
	(void)state;
	/* "cpuset" is not "cpu"; "net_cls" alone is not "net_prio". */
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "2 1 0:20 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
					   "3 1 0:21 / /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n");
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V1);
	assert_string_equal(c.v1_controllers, "cpuset,net_cls");
	assert_false(c.v1_named_systemd);
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_named_hierarchies(void **state)
{
	(void)state;
	/* Only name=systemd counts; other names, and look-alikes, do not. */
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "2 1 0:20 / /sys/fs/cgroup/elogind rw - cgroup cgroup rw,name=elogind\n"
					   "3 1 0:21 / /sys/fs/cgroup/x rw - cgroup cgroup rw,name=systemdx\n"
					   "4 1 0:22 / /sys/fs/cgroup/y rw - cgroup cgroup rw,name=system\n"
					   "5 1 0:23 / /sys/fs/cgroup/z rw - cgroup cgroup rw,xname=systemd\n");
	struct cgroup_mounts c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V1);
	assert_false(c.v1_named_systemd);
	assert_string_equal(c.v1_controllers, "");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);

	/* The systemd hierarchy alone next to cgroup2 (LXD's compatibility mount) is hybrid. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:20 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
		      "3 2 0:21 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n");
	c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_HYBRID);
	assert_true(c.v1_named_systemd);
	assert_string_equal(c.v2_mountpoint, "/sys/fs/cgroup");
	assert_string_equal(c.v1_controllers, "");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_duplicates_and_preference(void **state)
{
	(void)state;
	/* The same controller mounted twice (a bind in a nested container) is listed once. */
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "2 1 0:20 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
					   "3 1 0:20 / /run/memory rw - cgroup cgroup rw,memory\n"
					   "4 1 0:21 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
					   "5 1 0:21 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n");
	struct cgroup_mounts c = scan(tb);
	assert_string_equal(c.v1_controllers, "memory,cpu,cpuacct");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);

	/* cgroup2 at /sys/fs/cgroup wins over one elsewhere, before or after it. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:20 / /run/cg2 rw - cgroup2 cgroup2 rw\n"
		      "3 1 0:21 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
		      "4 1 0:22 / /mnt/other rw - cgroup2 cgroup2 rw\n");
	c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V2);
	assert_string_equal(c.v2_mountpoint, "/sys/fs/cgroup");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);

	/* Elsewhere only: the first one. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:20 / /run/cg2 rw - cgroup2 cgroup2 rw\n"
		      "4 1 0:22 / /mnt/other rw - cgroup2 cgroup2 rw\n");
	c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_V2);
	assert_string_equal(c.v2_mountpoint, "/run/cg2");
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);

	/* A tmpfs at /sys/fs/cgroup is not a cgroup file system. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:20 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n");
	c = scan(tb);
	assert_int_equal(c.layout, CGROUP_LAYOUT_NONE);
	assert_null(c.v2_mountpoint);
	cgroup_mounts_clear(&c);
	mnt_unref_table(tb);
}

static void test_cgroup_layout_to_string(void **state)
{
	(void)state;
	assert_string_equal(cgroup_layout_to_string(CGROUP_LAYOUT_NONE), "none");
	assert_string_equal(cgroup_layout_to_string(CGROUP_LAYOUT_V1), "v1");
	assert_string_equal(cgroup_layout_to_string(CGROUP_LAYOUT_HYBRID), "hybrid");
	assert_string_equal(cgroup_layout_to_string(CGROUP_LAYOUT_V2), "v2");
	assert_string_equal(cgroup_layout_to_string((enum cgroup_layout)42), "none");
}

/* ---- mounts_covering / mounts_has / mounts_lxcfs_over_proc ---- */

static void test_covering_longest_prefix(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_v2);
	assert_covering(tb, "/var/lib/docker", "btrfs", "/var/lib/docker");
	assert_covering(tb, "/var/lib/docker/overlay2/abc/diff", "btrfs", "/var/lib/docker");
	assert_covering(tb, "/var/lib/docker/", "btrfs", "/var/lib/docker");
	assert_covering(tb, "/var/lib/docker/volumes", "btrfs", "/var/lib/docker/volumes");
	assert_covering(tb, "/var/lib/docker/volumes/x", "btrfs", "/var/lib/docker/volumes");
	assert_covering(tb, "/var/lib", "ext4", "/");
	assert_covering(tb, "/var", "ext4", "/");
	assert_covering(tb, "/", "ext4", "/");
	assert_covering(tb, "/sys/fs/cgroup/system.slice", "cgroup2", "/sys/fs/cgroup");
	assert_covering(tb, "/sys/kernel", "sysfs", "/sys");
	mnt_unref_table(tb);

	tb = parse_ok(mi_v1);
	assert_covering(tb, "/var/lib/docker", "xfs", "/var/lib/docker");
	assert_covering(tb, "/sys/fs/cgroup/cpu,cpuacct/docker", "cgroup", "/sys/fs/cgroup/cpu,cpuacct");
	assert_covering(tb, "/sys/fs/cgroup/cpu", "tmpfs", "/sys/fs/cgroup");
	mnt_unref_table(tb);
}

static void test_covering_component_boundary(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_v2);
	/* /var/lib/docker2 is not under /var/lib/docker. */
	assert_covering(tb, "/var/lib/docker2", "ext4", "/");
	assert_covering(tb, "/var/lib/docker2/overlay2", "ext4", "/");
	assert_covering(tb, "/var/lib/docker.old", "ext4", "/");
	assert_covering(tb, "/var/lib/dock", "ext4", "/");
	assert_covering(tb, "/system", "ext4", "/");
	assert_covering(tb, "/proc2", "ext4", "/");
	mnt_unref_table(tb);
}

static void test_covering_later_mount_wins(void **state)
{
	(void)state;
	/* Two mounts on one target: the later hides the earlier. */
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "2 1 8:2 / /var/lib/docker rw - ext4 /dev/sdb1 rw\n"
					   "3 2 8:3 / /var/lib/docker rw - xfs /dev/sdc1 rw\n");
	assert_covering(tb, "/var/lib/docker", "xfs", "/var/lib/docker");
	assert_covering(tb, "/var/lib/docker/overlay2", "xfs", "/var/lib/docker");
	mnt_unref_table(tb);

	/* Also for the root: a container's overlay over the host's root. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:50 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n");
	assert_covering(tb, "/", "overlay", "/");
	assert_covering(tb, "/var/lib/docker", "overlay", "/");
	mnt_unref_table(tb);
}

/*
 * A mount made later on a parent directory hides an earlier mount below it
 * (mount /var/lib/docker, then mount over /var/lib: the first is shadowed),
 * so the longest target is not always the answer.
 */
static void test_covering_shadowed_by_later_parent(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					   "2 1 8:2 / /var/lib/docker rw - btrfs /dev/sdb1 rw\n"
					   "3 1 8:3 / /var/lib rw - xfs /dev/sdc1 rw\n");
	const char *t = NULL, *tg = NULL;
	assert_int_equal(mounts_covering(tb, "/var/lib/docker/x", &t, &tg), 0);
	bool ok = streq(t, "xfs") && streq(tg, "/var/lib");
	mnt_unref_table(tb);
	assert_true(ok);
}

static void test_covering_no_root(void **state)
{
	(void)state;
	/* No mount at "/": a path outside every mount is not covered. */
	struct libmnt_table *tb = parse_ok("2 1 0:4 / /proc rw - proc proc rw\n"
					   "3 1 0:5 / /sys rw - sysfs sysfs rw\n");
	const char *t = "unchanged", *tg = "unchanged";
	assert_int_equal(mounts_covering(tb, "/var/lib/docker", &t, &tg), -ENOENT);
	assert_string_equal(t, "unchanged");
	assert_string_equal(tg, "unchanged");
	assert_int_equal(mounts_covering(tb, "/procfs", &t, &tg), -ENOENT);
	assert_covering(tb, "/proc/self", "proc", "/proc");
	mnt_unref_table(tb);
}

static void test_mounts_has(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_v2);
	assert_true(mounts_has(tb, "/sys/fs/cgroup", "cgroup2"));
	assert_false(mounts_has(tb, "/sys/fs/cgroup", "cgroup"));
	assert_false(mounts_has(tb, "/sys/fs/cgroup/", "cgroup2"));
	assert_false(mounts_has(tb, "/sys/fs", "cgroup2"));
	assert_true(mounts_has(tb, "/proc", "proc"));
	assert_true(mounts_has(tb, "/", "ext4"));
	assert_false(mounts_has(tb, "/", "btrfs"));
	assert_true(mounts_has(tb, "/var/lib/docker", "btrfs"));
	assert_false(mounts_has(tb, "/var/lib/docker2", "btrfs"));
	mnt_unref_table(tb);

	tb = parse_ok(mi_hybrid);
	assert_false(mounts_has(tb, "/sys/fs/cgroup", "cgroup2"));
	assert_true(mounts_has(tb, "/sys/fs/cgroup", "tmpfs"));
	assert_true(mounts_has(tb, "/sys/fs/cgroup/unified", "cgroup2"));
	assert_true(mounts_has(tb, "/sys/fs/cgroup/systemd", "cgroup"));
	mnt_unref_table(tb);

	/* In LXD, proc is at /proc and again at /dev/.lxc/proc. */
	tb = parse_ok(mi_lxd);
	assert_true(mounts_has(tb, "/proc", "proc"));
	assert_true(mounts_has(tb, "/dev/.lxc/proc", "proc"));
	assert_true(mounts_has(tb, "/proc/cpuinfo", "fuse.lxcfs"));
	assert_false(mounts_has(tb, "/proc/cpuinfo", "proc"));
	mnt_unref_table(tb);
}

static void test_lxcfs_over_proc(void **state)
{
	(void)state;
	struct libmnt_table *tb = parse_ok(mi_lxd);
	assert_true(mounts_lxcfs_over_proc(tb));
	mnt_unref_table(tb);

	/* The host runs LXCFS (at /var/lib/lxcfs), but nothing is over its /proc. */
	tb = parse_ok(mi_build_machine);
	assert_false(mounts_lxcfs_over_proc(tb));
	mnt_unref_table(tb);

	const char *none[] = {mi_v1, mi_v2, mi_hybrid, mi_none};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		tb = parse_ok(none[i]);
		assert_false(mounts_lxcfs_over_proc(tb));
		mnt_unref_table(tb);
	}

	/* Only over /proc/...: not over /sys, not /proc itself, not /procfoo, not another fuse. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:41 / /sys/devices/system/cpu rw - fuse.lxcfs lxcfs rw\n"
		      "3 1 0:41 / /proc rw - fuse.lxcfs lxcfs rw\n"
		      "4 1 0:41 / /procfoo/meminfo rw - fuse.lxcfs lxcfs rw\n"
		      "5 1 0:42 / /proc/meminfo rw - fuse.sshfs x rw\n"
		      "6 1 0:43 / /proc/uptime rw - fuse lxcfs rw\n");
	assert_false(mounts_lxcfs_over_proc(tb));
	mnt_unref_table(tb);

	/* A single file is enough. */
	tb = parse_ok("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:41 /proc/swaps /proc/swaps rw - fuse.lxcfs lxcfs rw\n");
	assert_true(mounts_lxcfs_over_proc(tb));
	mnt_unref_table(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_real),
		cmocka_unit_test(test_parse_escapes),
		cmocka_unit_test(test_parse_skips_bad_lines),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_cgroup_v1),
		cmocka_unit_test(test_cgroup_v2),
		cmocka_unit_test(test_cgroup_hybrid),
		cmocka_unit_test(test_cgroup_none),
		cmocka_unit_test(test_cgroup_lxd),
		cmocka_unit_test(test_cgroup_controller_names_exact),
		cmocka_unit_test(test_cgroup_named_hierarchies),
		cmocka_unit_test(test_cgroup_duplicates_and_preference),
		cmocka_unit_test(test_cgroup_layout_to_string),
		cmocka_unit_test(test_covering_longest_prefix),
		cmocka_unit_test(test_covering_component_boundary),
		cmocka_unit_test(test_covering_later_mount_wins),
		cmocka_unit_test(test_covering_shadowed_by_later_parent),
		cmocka_unit_test(test_covering_no_root),
		cmocka_unit_test(test_mounts_has),
		cmocka_unit_test(test_lxcfs_over_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
