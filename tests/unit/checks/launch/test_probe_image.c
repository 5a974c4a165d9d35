/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the probe image's tarball, and the probe's JSON report (real runs and junk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "probe_build.h"
#include "checks/launch/image.h"
#include "core/util.h"
#include "version.h"

extern const char nestcheck_probe_sha256[];

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *data = xmalloc(1), buf[65536];
	size_t n, len = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		data = xrealloc(data, len + n + 1);
		memcpy(data + len, buf, n);
		len += n;
	}
	data[len] = '\0';
	fclose(f);
	*ret_len = len;
	return data;
}

/* The built probe run with args; its stdout. */
static char *run_probe(const char *args)
{
	_cleanup_free_ char *cmd = xasprintf("%s %s", NESTCHECK_PROBE_BUILD_PATH, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct strbuf sb = {0};
	char buf[4096];
	while (fgets(buf, sizeof(buf), p))
		strbuf_append(&sb, buf);
	assert_int_equal(pclose(p), 0);
	return strbuf_take(&sb);
}

/* ---- probe_image_tar ---- */

struct want_entry {
	const char *path;
	mode_t type, perm;
	unsigned owner;
};

static const struct want_entry WANT[] = {
	{"dev", AE_IFDIR, 0755, 0},
	{"etc", AE_IFDIR, 0755, 0},
	{"etc/group", AE_IFREG, 0644, 0},
	{"etc/passwd", AE_IFREG, 0644, 0},
	{"nestcheck-probe", AE_IFREG, 0755, 0},
	{"nobody", AE_IFDIR, 0755, 65534},
	{"proc", AE_IFDIR, 0555, 0},
	{"root", AE_IFDIR, 0700, 0},
	{"sys", AE_IFDIR, 0555, 0},
	{"tmp", AE_IFDIR, 01777, 0},
};

static void test_tar_entries(void **state)
{
	void *tar = NULL;
	size_t len = 0;
	assert_int_equal(probe_image_tar(&tar, &len), 0);
	assert_non_null(tar);
	/* Whole tar records. */
	assert_int_equal(len % 512, 0);

	size_t probe_len = 0;
	_cleanup_free_ char *probe = slurp(NESTCHECK_PROBE_BUILD_PATH, &probe_len);
	assert_true(probe_len > 1000);

	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, tar, len), ARCHIVE_OK);
	struct archive_entry *e;
	size_t i = 0;
	bool seen_probe = false, seen_passwd = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(i < ARRAY_SIZE(WANT));
		const char *path = archive_entry_pathname(e);
		/* Directories may come back with a trailing slash. */
		size_t plen = strlen(path);
		if (plen > 1 && path[plen - 1] == '/')
			plen--;
		assert_int_equal(plen, strlen(WANT[i].path));
		assert_memory_equal(path, WANT[i].path, plen);
		assert_int_equal(archive_entry_filetype(e), WANT[i].type);
		assert_int_equal(archive_entry_perm(e), WANT[i].perm);
		assert_int_equal(archive_entry_uid(e), WANT[i].owner);
		assert_int_equal(archive_entry_gid(e), WANT[i].owner);

		la_int64_t size = archive_entry_size(e);
		if (WANT[i].type == AE_IFREG) {
			char *data = xmalloc((size_t)size + 1);
			assert_int_equal(archive_read_data(a, data, (size_t)size), size);
			data[size] = '\0';
			if (streq(WANT[i].path, "nestcheck-probe")) {
				/* The embedded bytes are the probe this build made. */
				assert_int_equal((size_t)size, probe_len);
				assert_memory_equal(data, probe, probe_len);
				seen_probe = true;
			} else if (streq(WANT[i].path, "etc/passwd")) {
				assert_non_null(strstr(data, "root:x:0:0:"));
				assert_non_null(strstr(data, "\nnobody:x:65534:65534:"));
				seen_passwd = true;
			} else {
				assert_non_null(strstr(data, "root:x:0:"));
				assert_non_null(strstr(data, ":x:65534:"));
			}
			free(data);
		} else {
			assert_int_equal(size, 0);
		}
		i++;
	}
	assert_int_equal(i, ARRAY_SIZE(WANT));
	assert_true(seen_probe);
	assert_true(seen_passwd);
	archive_read_free(a);
	free(tar);
}

static void test_tar_reproducible(void **state)
{
	void *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	assert_int_equal(probe_image_tar(&a, &alen), 0);
	assert_int_equal(probe_image_tar(&b, &blen), 0);
	/* The same probe gives the same image, byte for byte (no clock, no host users). */
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void test_tag(void **state)
{
	const char *tag = probe_image_tag();
	assert_non_null(tag);
	_cleanup_free_ char *prefix = xasprintf("%s-", NESTCHECK_VERSION);
	assert_true(startswith(tag, prefix));
	const char *hash = tag + strlen(prefix);
	assert_int_equal(strlen(hash), 8);
	assert_int_equal(strspn(hash, "0123456789abcdef"), 8);
	/* The hash part is the probe's own SHA-256: a new probe is a new image. */
	assert_int_equal(strlen(nestcheck_probe_sha256), 64);
	assert_memory_equal(hash, nestcheck_probe_sha256, 8);
	assert_ptr_equal(tag, probe_image_tag());
}

/* ---- probe_report_parse ---- */

/* A real run: dockerd 20.10.24 on this machine, default options, --network none (mounts and cgroups abridged). */
static const char REPORT_DEFAULT[] =
	"{\"probe_version\":\"0.1.0\",\"euid\":0,\"pid\":1,\"uid_map\":\"         0          0 4294967295\\n\","
	"\"gid_map\":\"         0          0 4294967295\\n\",\"cgroup\":{\"self\":\"9:name=systemd:/docker/59ad7c"
	"\\n0::/docker/59ad7c\\n\",\"layout\":\"v1\"},\"capabilities\":{\"eff\":\"00000000a80425fb\",\"bnd\":"
	"\"00000000a80425fb\"},\"seccomp\":{\"mode\":2,\"filters\":1},\"no_new_privs\":false,\"apparmor\":null,"
	"\"mounts\":[\"overlay /\",\"proc /proc\",\"tmpfs /dev\",\"tmpfs /proc/keys\",\"tmpfs /sys/firmware\"],"
	"\"mounts_total\":28,\"nested\":{\"steps\":[{\"step\":\"userns\",\"ok\":false,\"errno\":\"EPERM\","
	"\"detail\":\"unshare(CLONE_NEWUSER)\",\"ms\":0},{\"step\":\"mntns\",\"ok\":false,\"errno\":\"EPERM\","
	"\"detail\":\"unshare(CLONE_NEWNS)\",\"ms\":1},{\"step\":\"pidns\",\"ok\":false,\"errno\":\"EPERM\","
	"\"detail\":\"unshare(CLONE_NEWPID)\",\"ms\":0},{\"step\":\"cgroupns\",\"ok\":false,\"errno\":\"EPERM\","
	"\"detail\":\"unshare(CLONE_NEWCGROUP)\",\"ms\":0},{\"step\":\"proc\",\"ok\":false,\"errno\":\"EPERM\","
	"\"detail\":\"unshare(CLONE_NEWNS|CLONE_NEWPID)\",\"ms\":0},{\"step\":\"overlay\",\"ok\":false,\"errno\":"
	"\"EPERM\",\"detail\":\"unshare(CLONE_NEWNS)\",\"ms\":0}],\"first_failure\":\"userns\"},\"elapsed_ms\":1}\n";

/* The same engine, --security-opt seccomp=unconfined: a user namespace, but no CAP_SYS_ADMIN for the rest
 * (abridged; the AppArmor label is made up: this host has no AppArmor). */
static const char REPORT_UNCONFINED[] =
	"{\"probe_version\":\"0.1.0\",\"euid\":0,\"pid\":1,\"uid_map\":\"         0          0 4294967295\\n\","
	"\"gid_map\":\"         0          0 4294967295\\n\",\"cgroup\":{\"self\":\"0::/\\n\",\"layout\":\"v1\"},"
	"\"capabilities\":{\"eff\":\"00000000a80425fb\",\"bnd\":\"00000000a80425fb\"},\"seccomp\":{\"mode\":0,"
	"\"filters\":0},\"no_new_privs\":false,\"apparmor\":\"docker-default (enforce)\",\"mounts\":[],"
	"\"mounts_total\":0,\"nested\":{\"steps\":[{\"step\":\"userns\",\"ok\":true,\"errno\":null,\"detail\":"
	"\"uid 0 in the new namespace is uid 0 outside\",\"ms\":0},{\"step\":\"mntns\",\"ok\":false,\"errno\":"
	"\"EPERM\",\"detail\":\"unshare(CLONE_NEWNS)\",\"ms\":0},{\"step\":\"pidns\",\"ok\":false,\"errno\":"
	"\"EPERM\",\"detail\":\"unshare(CLONE_NEWPID)\",\"ms\":0}],\"first_failure\":\"mntns\"},\"elapsed_ms\":3}";

static void test_parse_default_container(void **state)
{
	struct probe_report r;
	assert_int_equal(probe_report_parse(REPORT_DEFAULT, &r), 0);
	assert_string_equal(r.uid_map, "         0          0 4294967295");
	assert_string_equal(r.gid_map, "         0          0 4294967295");
	assert_string_equal(r.cgroup_layout, "v1");
	assert_null(r.apparmor);
	assert_string_equal(r.cap_eff, "00000000a80425fb");
	assert_int_equal(r.seccomp_mode, 2);
	assert_string_equal(r.nested_first_failure, "userns");
	assert_string_equal(r.nested_errno, "EPERM");
	assert_string_equal(r.nested_steps,
			    "userns=EPERM mntns=EPERM pidns=EPERM cgroupns=EPERM proc=EPERM overlay=EPERM");
	probe_report_clear(&r);
	assert_null(r.uid_map);
	assert_null(r.nested_steps);
	/* Clearing twice is harmless. */
	probe_report_clear(&r);
}

static void test_parse_unconfined(void **state)
{
	struct probe_report r;
	assert_int_equal(probe_report_parse(REPORT_UNCONFINED, &r), 0);
	assert_string_equal(r.apparmor, "docker-default (enforce)");
	assert_int_equal(r.seccomp_mode, 0);
	assert_string_equal(r.nested_first_failure, "mntns");
	assert_string_equal(r.nested_errno, "EPERM");
	assert_string_equal(r.nested_steps, "userns=ok mntns=EPERM pidns=EPERM");
	probe_report_clear(&r);
}

static void test_parse_all_ok_and_absent_fields(void **state)
{
	struct probe_report r;
	const char *json = "{\"probe_version\":\"9\",\"nested\":{\"steps\":[{\"step\":\"userns\",\"ok\":true,"
			   "\"errno\":null},{\"step\":\"overlay\",\"ok\":true}],\"first_failure\":null}}";
	assert_int_equal(probe_report_parse(json, &r), 0);
	assert_null(r.nested_first_failure);
	assert_null(r.nested_errno);
	assert_string_equal(r.nested_steps, "userns=ok overlay=ok");
	/* What the probe did not report stays unknown. */
	assert_null(r.uid_map);
	assert_null(r.cgroup_layout);
	assert_null(r.cap_eff);
	assert_int_equal(r.seccomp_mode, -1);
	probe_report_clear(&r);

	/* A failure without an errno (a timeout's child killed, a wrong pid) still names the step. */
	json = "{\"probe_version\":\"9\",\"nested\":{\"steps\":[{\"step\":\"pidns\",\"ok\":false,\"errno\":null,"
	       "\"detail\":\"pid 7 in the new pid namespace, not 1\"}]}}";
	assert_int_equal(probe_report_parse(json, &r), 0);
	assert_string_equal(r.nested_first_failure, "pidns");
	assert_null(r.nested_errno);
	assert_string_equal(r.nested_steps, "pidns=failed");
	probe_report_clear(&r);

	/* No steps at all: nothing failed, nothing to say. */
	assert_int_equal(probe_report_parse("{\"probe_version\":\"9\",\"nested\":{\"steps\":[]}}", &r), 0);
	assert_string_equal(r.nested_steps, "");
	assert_null(r.nested_first_failure);
	probe_report_clear(&r);
}

static void test_parse_sanitizes(void **state)
{
	struct probe_report r;
	/* Lines stay lines; control characters and bad UTF-8 do not reach a terminal. */
	const char *json = "{\"probe_version\":\"1\",\"uid_map\":\"0 0 1\\n1 1 1\\n\",\"apparmor\":\"a\\u001b[31mb\","
			   "\"cgroup\":{\"layout\":\"v2\\t\"},\"nested\":{\"steps\":[]}}";
	assert_int_equal(probe_report_parse(json, &r), 0);
	assert_string_equal(r.uid_map, "0 0 1\n1 1 1");
	assert_string_equal(r.apparmor, "a?[31mb");
	assert_string_equal(r.cgroup_layout, "v2");
	probe_report_clear(&r);
}

static void test_parse_junk(void **state)
{
	static const char *const junk[] = {
		"",
		"   ",
		"{",
		"[]",
		"null",
		"42",
		"\"probe_version\"",
		"{}",
		"not json at all",
		/* No probe_version, or not a string. */
		"{\"nested\":{\"steps\":[]}}",
		"{\"probe_version\":1,\"nested\":{\"steps\":[]}}",
		/* No nested report would read as "everything worked". */
		"{\"probe_version\":\"1\"}",
		"{\"probe_version\":\"1\",\"nested\":null}",
		"{\"probe_version\":\"1\",\"nested\":{}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":{}}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[1]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"ok\":true}]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"step\":\"userns\"}]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"step\":\"userns\",\"ok\":\"yes\"}]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"step\":\"a b\",\"ok\":true}]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"step\":\"a=b\",\"ok\":true}]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"step\":\"\",\"ok\":true}]}}",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[{\"step\":\"x\",\"ok\":false,\"errno\":1}]}}",
		/* Wrong types where strings or numbers belong. */
		"{\"probe_version\":\"1\",\"uid_map\":0,\"nested\":{\"steps\":[]}}",
		"{\"probe_version\":\"1\",\"apparmor\":[],\"nested\":{\"steps\":[]}}",
		"{\"probe_version\":\"1\",\"seccomp\":{\"mode\":\"2\"},\"nested\":{\"steps\":[]}}",
		"{\"probe_version\":\"1\",\"cgroup\":{\"layout\":1},\"nested\":{\"steps\":[]}}",
		/* Trailing garbage, and what a strict reader refuses. */
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[]}} x",
		"{\"probe_version\":\"1\",\"nested\":{\"steps\":[]}}{}",
		"{'probe_version':'1','nested':{'steps':[]}}",
		"{\"probe_version\":\"1\",/* c */\"nested\":{\"steps\":[]}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct probe_report r = {.uid_map = NULL};
		int ret = probe_report_parse(junk[i], &r);
		if (ret != -EBADMSG)
			fail_msg("accepted junk %zu: %s", i, junk[i]);
		/* Nothing was handed out. */
		assert_null(r.uid_map);
		assert_null(r.nested_steps);
	}
	/* A truncated real report (a container killed mid-write). */
	for (size_t cut = 0; cut < sizeof(REPORT_DEFAULT) - 3; cut += 7) {
		_cleanup_free_ char *part = xstrndup(REPORT_DEFAULT, cut);
		struct probe_report r;
		assert_int_equal(probe_report_parse(part, &r), -EBADMSG);
	}
}

/* ---- the built probe, run here ---- */

static void test_probe_runs(void **state)
{
	_cleanup_free_ char *out = run_probe("");
	/* One JSON object on one line. */
	assert_int_equal(out[0], '{');
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n')[1], '\0');

	struct probe_report r;
	assert_int_equal(probe_report_parse(out, &r), 0);
	/* What it reports is this process's view. */
	size_t len;
	_cleanup_free_ char *map = slurp("/proc/self/uid_map", &len);
	assert_non_null(r.uid_map);
	assert_string_equal(r.uid_map, strstrip_right(map));
	assert_non_null(r.cgroup_layout);
	assert_true(streq(r.cgroup_layout, "v1") || streq(r.cgroup_layout, "v2") || streq(r.cgroup_layout, "hybrid") ||
		    streq(r.cgroup_layout, "none"));
	assert_non_null(r.cap_eff);
	assert_int_equal(strlen(r.cap_eff), 16);
	assert_true(r.seccomp_mode >= 0 && r.seccomp_mode <= 2);
	/* Every step, in order, whatever the answers are on this machine. */
	assert_true(startswith(r.nested_steps, "userns="));
	const char *order[] = {"userns=", " mntns=", " pidns=", " cgroupns=", " proc=", " overlay="};
	const char *p = r.nested_steps;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		const char *at = strstr(p, order[i]);
		assert_non_null(at);
		p = at + strlen(order[i]);
	}
	if (geteuid() == 0 && streq(r.nested_steps, "userns=ok mntns=ok pidns=ok cgroupns=ok proc=ok overlay=ok"))
		assert_null(r.nested_first_failure);
	probe_report_clear(&r);

	_cleanup_free_ char *version = run_probe("--version");
	assert_string_equal(strstrip_right(version), NESTCHECK_VERSION);
}

static void test_probe_step_timeout(void **state)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	_cleanup_free_ char *out = run_probe("--only-nested --timeout 1 --test-hang pidns");
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	/* Killed after its second, and the steps after it still ran. */
	assert_true(secs >= 0.9 && secs < 5);
	struct probe_report r;
	assert_int_equal(probe_report_parse(out, &r), 0);
	assert_non_null(strstr(r.nested_steps, "pidns=ETIMEDOUT cgroupns="));
	assert_non_null(strstr(r.nested_steps, " overlay="));
	assert_non_null(r.nested_first_failure);
	/* --only-nested leaves out the rest. */
	assert_null(r.uid_map);
	probe_report_clear(&r);
}

static void test_probe_bad_usage(void **state)
{
	_cleanup_free_ char *cmd = xasprintf("%s --bogus 2>/dev/null", NESTCHECK_PROBE_BUILD_PATH);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[64];
	assert_null(fgets(buf, sizeof(buf), p));
	int status = pclose(p);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar_entries),
		cmocka_unit_test(test_tar_reproducible),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_parse_default_container),
		cmocka_unit_test(test_parse_unconfined),
		cmocka_unit_test(test_parse_all_ok_and_absent_fields),
		cmocka_unit_test(test_parse_sanitizes),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_probe_runs),
		cmocka_unit_test(test_probe_step_timeout),
		cmocka_unit_test(test_probe_bad_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
