/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: small text parsers of host files (os-release, AppArmor labels,
 * environ, proc status, proc cgroup, daemon.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/parse.h"
#include "core/util.h"

/* ---- os-release ---- */

static const char debian_os_release[] =
	"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
	"NAME=\"Debian GNU/Linux\"\n"
	"VERSION_ID=\"12\"\n"
	"VERSION=\"12 (bookworm)\"\n"
	"VERSION_CODENAME=bookworm\n"
	"ID=debian\n"
	"HOME_URL=\"https://www.debian.org/\"\n"
	"SUPPORT_URL=\"https://www.debian.org/support\"\n"
	"BUG_REPORT_URL=\"https://bugs.debian.org/\"\n";

static void assert_osr(const char *buf, const char *key, const char *want)
{
	char *v = NULL;
	int r = os_release_get(buf, key, &v);
	if (r != 0)
		fail_msg("os_release_get(%s) = %d, want 0", key, r);
	assert_non_null(v);
	if (!streq(v, want)) {
		char *copy = xstrdup(v);
		free(v);
		fail_msg("os_release_get(%s) = \"%s\", want \"%s\"", key, copy, want);
	}
	free(v);
}

static void assert_osr_missing(const char *buf, const char *key)
{
	char *v = (char *)0x1;
	int r = os_release_get(buf, key, &v);
	if (r != -ENOENT)
		fail_msg("os_release_get(%s) = %d, want -ENOENT", key, r);
	assert_ptr_equal(v, (char *)0x1);
}

static void test_os_release_debian(void **state)
{
	(void)state;
	assert_osr(debian_os_release, "PRETTY_NAME", "Debian GNU/Linux 12 (bookworm)");
	assert_osr(debian_os_release, "NAME", "Debian GNU/Linux");
	assert_osr(debian_os_release, "ID", "debian");
	assert_osr(debian_os_release, "VERSION_ID", "12");
	assert_osr(debian_os_release, "VERSION", "12 (bookworm)");
	assert_osr(debian_os_release, "VERSION_CODENAME", "bookworm");
	assert_osr(debian_os_release, "HOME_URL", "https://www.debian.org/");
	/* Last line, no newline after it. */
	assert_osr("ID=debian\nVERSION_ID=12", "VERSION_ID", "12");
}

static void test_os_release_quoting(void **state)
{
	(void)state;
	assert_osr("NAME='Ubuntu'\n", "NAME", "Ubuntu");
	assert_osr("NAME=Ubuntu\n", "NAME", "Ubuntu");
	assert_osr("NAME=\"Ubuntu\"\n", "NAME", "Ubuntu");
	assert_osr("VERSION=\"22.04.3 LTS (Jammy \\\"Jellyfish\\\")\"\n", "VERSION",
		   "22.04.3 LTS (Jammy \"Jellyfish\")");
	assert_osr("X=\"a\\\\b\"\n", "X", "a\\b");
	assert_osr("X=\"a\\$b\"\n", "X", "a$b");
	/* Single quotes take everything literally, backslashes included. */
	assert_osr("X='a\\b'\n", "X", "a\\b");
	assert_osr("X='say \"hi\"'\n", "X", "say \"hi\"");
	assert_osr("X=\"it's\"\n", "X", "it's");
	/* Text after the closing quote is not part of the value. */
	assert_osr("X=\"a\" # comment\n", "X", "a");
	/* An unterminated quote runs to the end of the line. */
	assert_osr("X=\"unterminated\nY=1\n", "X", "unterminated");
	assert_osr("X=\"unterminated\nY=1\n", "Y", "1");
	/* Empty values. */
	assert_osr("VARIANT=\n", "VARIANT", "");
	assert_osr("VARIANT=\"\"\n", "VARIANT", "");
	assert_osr("VARIANT=''\n", "VARIANT", "");
	assert_osr("VARIANT=", "VARIANT", "");
	/* Trailing whitespace and CRLF go. */
	assert_osr("ID=debian   \n", "ID", "debian");
	assert_osr("ID=debian\r\nNAME=x\r\n", "ID", "debian");
	assert_osr("ID=\"debian\"\r\n", "ID", "debian");
	/* Spaces inside an unquoted value are kept. */
	assert_osr("NAME=Foo Linux\n", "NAME", "Foo Linux");
	/* An "=" in the value is part of it. */
	assert_osr("X=a=b\n", "X", "a=b");
}

static void test_os_release_prefix_confusion(void **state)
{
	(void)state;
	/* PRETTY_NAME comes first and ends in NAME; ID_LIKE starts with ID. */
	const char *buf = "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\n"
			  "ID_LIKE=debian\n"
			  "VERSION_ID=\"22.04\"\n"
			  "NAME=\"Ubuntu\"\n"
			  "VERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\n"
			  "ID=ubuntu\n";
	assert_osr(buf, "NAME", "Ubuntu");
	assert_osr(buf, "ID", "ubuntu");
	assert_osr(buf, "ID_LIKE", "debian");
	assert_osr(buf, "VERSION", "22.04.3 LTS (Jammy Jellyfish)");
	assert_osr(buf, "VERSION_ID", "22.04");
	assert_osr(buf, "PRETTY_NAME", "Ubuntu 22.04.3 LTS");

	/* Only the longer key present: the shorter one is missing. */
	assert_osr_missing("PRETTY_NAME=\"Foo\"\n", "NAME");
	assert_osr_missing("ID_LIKE=debian\n", "ID");
	assert_osr_missing("NAME=Foo\n", "PRETTY_NAME");
	assert_osr_missing("NAMEX=Foo\n", "NAME");
	assert_osr_missing("NAME=Foo\n", "NAM");
	assert_osr_missing("NAME=Foo\n", "name");
}

static void test_os_release_missing(void **state)
{
	(void)state;
	assert_osr_missing(debian_os_release, "VARIANT_ID");
	assert_osr_missing("", "NAME");
	assert_osr_missing("\n\n", "NAME");
	/* Commented out or indented lines do not count. */
	assert_osr_missing("#NAME=Foo\n", "NAME");
	assert_osr_missing("# NAME=Foo\n", "NAME");
	assert_osr_missing(" NAME=Foo\n", "NAME");
	/* A key with no "=" is no assignment. */
	assert_osr_missing("NAME\n", "NAME");
	assert_osr_missing("NAME", "NAME");
	assert_osr_missing("NAME =Foo\n", "NAME");
}

/* ---- AppArmor labels ---- */

static void test_apparmor_label_classify(void **state)
{
	(void)state;
	assert_int_equal(apparmor_label_classify("unconfined"), AA_LABEL_UNCONFINED);
	assert_int_equal(apparmor_label_classify("lxc-container-default-cgns (enforce)"), AA_LABEL_CONFINED);
	assert_int_equal(apparmor_label_classify("lxd-c1_</var/lib/lxd>//&:lxd-c1_<var-lib-lxd>:unconfined"),
			 AA_LABEL_STACKED);
	assert_int_equal(apparmor_label_classify("docker-default (enforce)"), AA_LABEL_CONFINED);
	assert_int_equal(apparmor_label_classify("lxd-c1_</var/snap/lxd/common/lxd>//&:lxd-c1_<var-snap-lxd-common-lxd>:"
						 "unconfined"),
			 AA_LABEL_STACKED);
	assert_int_equal(apparmor_label_classify("/usr/sbin/cupsd (enforce)"), AA_LABEL_CONFINED);
	assert_int_equal(apparmor_label_classify("snap.lxd.daemon (complain)"), AA_LABEL_CONFINED);
	assert_int_equal(apparmor_label_classify("unconfined (unconfined)"), AA_LABEL_UNCONFINED);
	/* Only the whole word. */
	assert_int_equal(apparmor_label_classify("unconfined-ish (enforce)"), AA_LABEL_CONFINED);
	assert_int_equal(apparmor_label_classify("unconfinedX"), AA_LABEL_CONFINED);
	assert_int_equal(apparmor_label_classify("my-unconfined"), AA_LABEL_CONFINED);
	/* A "//" child profile is not a namespace stack. */
	assert_int_equal(apparmor_label_classify("/usr/bin/foo//null-/bin/ls (complain)"), AA_LABEL_CONFINED);
}

/* ---- environ ---- */

static void assert_env(const char *buf, size_t len, const char *key, const char *want)
{
	char *v = NULL;
	int r = environ_get(buf, len, key, &v);
	if (r != 0)
		fail_msg("environ_get(%s) = %d, want 0", key, r);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void assert_env_missing(const char *buf, size_t len, const char *key)
{
	char *v = (char *)0x1;
	int r = environ_get(buf, len, key, &v);
	if (r != -ENOENT)
		fail_msg("environ_get(%s) = %d, want -ENOENT", key, r);
	assert_ptr_equal(v, (char *)0x1);
}

static void test_environ_nul_separated(void **state)
{
	(void)state;
	/* As proc/1/environ holds it: NUL after every entry. */
	static const char env[] = "PATH=/usr/bin:/bin\0container=lxc\0TERM=linux\0";
	size_t len = sizeof(env) - 1; /* the literal's own NUL is not part of the file */
	assert_env(env, len, "container", "lxc");
	assert_env(env, len, "PATH", "/usr/bin:/bin");
	assert_env(env, len, "TERM", "linux");
	assert_env_missing(env, len, "HOME");

	/* No NUL after the last entry. */
	static const char env2[] = "PATH=/bin\0container=docker";
	len = sizeof(env2) - 1;
	assert_env(env2, len, "container", "docker");
	assert_env(env2, len, "PATH", "/bin");

	/* The length bounds the search: an entry past it is not seen. */
	assert_env_missing(env, strlen("PATH=/usr/bin:/bin") + 1, "container");
	/* A value cut by the length ends there. */
	assert_env(env2, len - 3, "container", "doc");
}

static void test_environ_newline_separated(void **state)
{
	(void)state;
	const char *env = "HOME=/root\ncontainer=podman\nLANG=C.UTF-8\n";
	assert_env(env, strlen(env), "container", "podman");
	assert_env(env, strlen(env), "LANG", "C.UTF-8");
	assert_env(env, strlen(env), "HOME", "/root");
	const char *env2 = "HOME=/root\ncontainer=podman";
	assert_env(env2, strlen(env2), "container", "podman");
}

static void test_environ_prefix_confusion(void **state)
{
	(void)state;
	static const char env[] = "containerX=wrong\0xcontainer=wrong\0container_uuid=abc\0container=lxc\0";
	assert_env(env, sizeof(env) - 1, "container", "lxc");
	assert_env(env, sizeof(env) - 1, "containerX", "wrong");
	assert_env(env, sizeof(env) - 1, "container_uuid", "abc");

	static const char env2[] = "containerX=wrong\0container_uuid=abc\0";
	assert_env_missing(env2, sizeof(env2) - 1, "container");
	/* Only names count, not values that look like assignments. */
	static const char env3[] = "FOO=container=lxc\0";
	assert_env_missing(env3, sizeof(env3) - 1, "container");
	/* The name alone, with no "=", is no assignment. */
	static const char env4[] = "container\0";
	assert_env_missing(env4, sizeof(env4) - 1, "container");
}

static void test_environ_edge(void **state)
{
	(void)state;
	assert_env_missing("", 0, "container");
	static const char nuls[] = "\0\0\0\0";
	assert_env_missing(nuls, 4, "container");
	/* An empty value is still a value. */
	static const char env[] = "container=\0PATH=/bin\0";
	assert_env(env, sizeof(env) - 1, "container", "");
	/* The first assignment wins. */
	static const char dup[] = "container=lxc\0container=docker\0";
	assert_env(dup, sizeof(dup) - 1, "container", "lxc");
	/* Empty entries in between are skipped. */
	static const char gaps[] = "\0\0container=lxc\0";
	assert_env(gaps, sizeof(gaps) - 1, "container", "lxc");
}

/* ---- proc status ---- */

static const char status_buf[] = "Name:\tcat\n"
				 "Umask:\t0022\n"
				 "State:\tR (running)\n"
				 "Uid:\t0\t0\t0\t0\n"
				 "CapInh:\t0000000000000000\n"
				 "CapPrm:\t000001ffffffffff\n"
				 "CapEff:\t000001ffffffffff\n"
				 "CapBnd:\t00000000a80425fb\n"
				 "CapAmb:\t0000000000000000\n"
				 "NoNewPrivs:\t0\n"
				 "Seccomp:\t2\n";

static void test_proc_status_hex(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(proc_status_hex(status_buf, "CapEff", &v), 0);
	assert_true(v == 0x1ffffffffffull);
	assert_int_equal(proc_status_hex(status_buf, "CapBnd", &v), 0);
	assert_true(v == 0xa80425fbull);
	assert_int_equal(proc_status_hex(status_buf, "CapInh", &v), 0);
	assert_true(v == 0);
	assert_int_equal(proc_status_hex(status_buf, "Seccomp", &v), 0);
	assert_true(v == 2);
	/* The last line, no newline. */
	assert_int_equal(proc_status_hex("CapEff:\t0000003fffffffff", "CapEff", &v), 0);
	assert_true(v == 0x3fffffffffull);
	/* Spaces instead of a tab, upper-case digits. */
	assert_int_equal(proc_status_hex("CapEff:   00000000A80425FB\n", "CapEff", &v), 0);
	assert_true(v == 0xa80425fbull);
	/* All 64 bits. */
	assert_int_equal(proc_status_hex("CapEff:\tffffffffffffffff\n", "CapEff", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_proc_status_missing(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(proc_status_hex(status_buf, "CapXyz", &v), -ENOENT);
	/* A prefix of a field is not the field. */
	assert_int_equal(proc_status_hex(status_buf, "Cap", &v), -ENOENT);
	assert_int_equal(proc_status_hex(status_buf, "CapE", &v), -ENOENT);
	assert_int_equal(proc_status_hex("XCapEff:\t1\n", "CapEff", &v), -ENOENT);
	assert_int_equal(proc_status_hex("CapEffX:\t1\n", "CapEff", &v), -ENOENT);
	assert_int_equal(proc_status_hex("", "CapEff", &v), -ENOENT);
	assert_int_equal(proc_status_hex("\n\n", "CapEff", &v), -ENOENT);
	assert_true(v == 7);
	/* The right field after a look-alike. */
	assert_int_equal(proc_status_hex("CapEffective:\tzz\nCapEff:\t10\n", "CapEff", &v), 0);
	assert_true(v == 0x10);
}

static void test_proc_status_junk(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(proc_status_hex("CapEff:\tzzzz\n", "CapEff", &v), -EBADMSG);
	assert_int_equal(proc_status_hex("CapEff:\t12zz\n", "CapEff", &v), -EBADMSG);
	assert_int_equal(proc_status_hex("CapEff:\t\n", "CapEff", &v), -EBADMSG);
	assert_int_equal(proc_status_hex("CapEff:", "CapEff", &v), -EBADMSG);
	assert_int_equal(proc_status_hex("CapEff:\t-1\n", "CapEff", &v), -EBADMSG);
	assert_int_equal(proc_status_hex("CapEff:\t1 2\n", "CapEff", &v), -EBADMSG);
	/* 17 hex digits do not fit. */
	assert_int_equal(proc_status_hex("CapEff:\t1ffffffffffffffff\n", "CapEff", &v), -EBADMSG);
	/* Several values (Uid) are not one hex number. */
	assert_int_equal(proc_status_hex(status_buf, "Uid", &v), -EBADMSG);
	/* "cat" starts with hex digits but is not a number. */
	assert_int_equal(proc_status_hex(status_buf, "Name", &v), -EBADMSG);
	assert_int_equal(proc_status_hex(status_buf, "State", &v), -EBADMSG);
	assert_true(v == 7);
}

/* ---- proc cgroup ---- */

static struct cgroup_lines cg_ok(const char *buf)
{
	struct cgroup_lines l = {0};
	int r = proc_cgroup_parse(buf, &l);
	if (r != 0)
		fail_msg("proc_cgroup_parse(\"%s\") = %d, want 0", buf, r);
	return l;
}

static void cg_bad(const char *buf)
{
	struct cgroup_lines l = {(struct cgroup_line *)0x1, 4242};
	int r = proc_cgroup_parse(buf, &l);
	if (r != -EBADMSG)
		fail_msg("proc_cgroup_parse(\"%s\") = %d, want -EBADMSG", buf, r);
	assert_ptr_equal(l.v, (struct cgroup_line *)0x1);
	assert_int_equal(l.n, 4242);
}

static void assert_cg(const struct cgroup_lines *l, size_t i, const char *controllers, const char *path)
{
	assert_true(i < l->n);
	assert_string_equal(l->v[i].controllers, controllers);
	assert_string_equal(l->v[i].path, path);
}

static void test_proc_cgroup_v1(void **state)
{
	(void)state;
	struct cgroup_lines l = cg_ok("12:pids:/\n"
				      "11:cpu,cpuacct:/docker/abc\n"
				      "10:memory:/user.slice\n"
				      "9:net_cls,net_prio:/\n"
				      "1:name=systemd:/init.scope\n");
	assert_int_equal(l.n, 5);
	assert_cg(&l, 0, "pids", "/");
	assert_cg(&l, 1, "cpu,cpuacct", "/docker/abc");
	assert_cg(&l, 2, "memory", "/user.slice");
	assert_cg(&l, 3, "net_cls,net_prio", "/");
	assert_cg(&l, 4, "name=systemd", "/init.scope");
	cgroup_lines_clear(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);

	/* A clear of a cleared list is harmless. */
	cgroup_lines_clear(&l);
}

static void test_proc_cgroup_v2(void **state)
{
	(void)state;
	struct cgroup_lines l = cg_ok("0::/\n");
	assert_int_equal(l.n, 1);
	assert_cg(&l, 0, "", "/");
	cgroup_lines_clear(&l);

	l = cg_ok("0::/user.slice/user-1000.slice/session-2.scope");
	assert_int_equal(l.n, 1);
	assert_cg(&l, 0, "", "/user.slice/user-1000.slice/session-2.scope");
	cgroup_lines_clear(&l);

	/* A path may itself hold colons and spaces. */
	l = cg_ok("0::/system.slice/docker-1:2.scope\n0::/a b\n");
	assert_int_equal(l.n, 2);
	assert_cg(&l, 0, "", "/system.slice/docker-1:2.scope");
	assert_cg(&l, 1, "", "/a b");
	cgroup_lines_clear(&l);

	/* A cgroup namespace root seen from outside it. */
	l = cg_ok("0::/../../..\n");
	assert_cg(&l, 0, "", "/../../..");
	cgroup_lines_clear(&l);
}

static void test_proc_cgroup_hybrid(void **state)
{
	(void)state;
	struct cgroup_lines l = cg_ok("13:misc:/\n"
				      "5:devices:/system.slice/ssh.service\n"
				      "1:name=systemd:/system.slice/ssh.service\n"
				      "0::/system.slice/ssh.service\n"
				      "\n");
	assert_int_equal(l.n, 4);
	assert_cg(&l, 0, "misc", "/");
	assert_cg(&l, 1, "devices", "/system.slice/ssh.service");
	assert_cg(&l, 2, "name=systemd", "/system.slice/ssh.service");
	assert_cg(&l, 3, "", "/system.slice/ssh.service");
	cgroup_lines_clear(&l);

	/* Blank lines between are skipped. */
	l = cg_ok("\n12:pids:/\n\n0::/\n\n");
	assert_int_equal(l.n, 2);
	cgroup_lines_clear(&l);
}

static void test_proc_cgroup_junk(void **state)
{
	(void)state;
	cg_bad("");
	cg_bad("\n");
	cg_bad("\n\n\n");
	cg_bad("hello world\n");
	cg_bad("12:pids\n");
	cg_bad("12\n");
	cg_bad(":pids:/\n");
	cg_bad("::/\n");
	cg_bad("12:pids:relative/path\n");
	cg_bad("0::\n");
	cg_bad("0:\n");
	/* One bad line spoils the lot (and frees what came before). */
	cg_bad("12:pids:/\n11:memory:/\ngarbage\n");
	cg_bad("12:pids:/\n0::x\n");
}

/* ---- daemon.json ---- */

static void assert_root(const char *json, const char *want)
{
	char *v = NULL;
	int r = docker_data_root(json, &v);
	if (r != 0)
		fail_msg("docker_data_root(%s) = %d, want 0", json, r);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void assert_root_err(const char *json, int want)
{
	char *v = (char *)0x1;
	int r = docker_data_root(json, &v);
	if (r != want) {
		if (r == 0)
			free(v);
		fail_msg("docker_data_root(%s) = %d, want %d", json, r, want);
	}
	assert_ptr_equal(v, (char *)0x1);
}

static void test_docker_data_root(void **state)
{
	(void)state;
	assert_root("{\"data-root\": \"/mnt/docker-data\"}", "/mnt/docker-data");
	assert_root("{\n  \"storage-driver\": \"overlay2\",\n  \"log-driver\": \"json-file\",\n"
		    "  \"log-opts\": {\"max-size\": \"10m\"},\n  \"data-root\": \"/srv/docker\"\n}\n",
		    "/srv/docker");
	/* Older releases called it "graph". */
	assert_root("{\"graph\": \"/var/lib/docker-old\"}", "/var/lib/docker-old");
	/* data-root wins over graph, whatever the order. */
	assert_root("{\"graph\": \"/old\", \"data-root\": \"/new\"}", "/new");
	assert_root("{\"data-root\": \"/new\", \"graph\": \"/old\"}", "/new");
	/* Trailing slashes go, but "/" stays. */
	assert_root("{\"data-root\": \"/var/lib/docker/\"}", "/var/lib/docker");
	assert_root("{\"data-root\": \"/var/lib/docker///\"}", "/var/lib/docker");
	assert_root("{\"data-root\": \"/\"}", "/");
	assert_root("{\"data-root\": \"///\"}", "/");
	/* Escapes are decoded. */
	assert_root("{\"data-root\": \"\\/data\\/docker\"}", "/data/docker");
}

static void test_docker_data_root_absent(void **state)
{
	(void)state;
	assert_root_err("{}", -ENOENT);
	assert_root_err("{\"storage-driver\": \"overlay2\"}", -ENOENT);
	/* Nested keys are not the top-level setting. */
	assert_root_err("{\"x\": {\"data-root\": \"/nested\"}}", -ENOENT);
	/* Key names are exact. */
	assert_root_err("{\"Data-Root\": \"/x\", \"data_root\": \"/y\", \"dataroot\": \"/z\"}", -ENOENT);
}

static void test_docker_data_root_bad(void **state)
{
	(void)state;
	/* Relative and empty paths. */
	assert_root_err("{\"data-root\": \"docker\"}", -EBADMSG);
	assert_root_err("{\"data-root\": \"./docker\"}", -EBADMSG);
	assert_root_err("{\"data-root\": \"\"}", -EBADMSG);
	assert_root_err("{\"graph\": \"var/lib/docker\"}", -EBADMSG);
	/* Not a string. */
	assert_root_err("{\"data-root\": 42}", -EBADMSG);
	assert_root_err("{\"data-root\": [\"/a\"]}", -EBADMSG);
	assert_root_err("{\"data-root\": {\"path\": \"/a\"}}", -EBADMSG);
	assert_root_err("{\"data-root\": true}", -EBADMSG);
	/* Not an object. */
	assert_root_err("[]", -EBADMSG);
	assert_root_err("[\"/var/lib/docker\"]", -EBADMSG);
	assert_root_err("\"/var/lib/docker\"", -EBADMSG);
	assert_root_err("42", -EBADMSG);
	assert_root_err("null", -EBADMSG);
	/* Not JSON. */
	assert_root_err("", -EBADMSG);
	assert_root_err("   ", -EBADMSG);
	assert_root_err("{", -EBADMSG);
	assert_root_err("{\"data-root\": \"/x\"", -EBADMSG);
	assert_root_err("data-root=/x", -EBADMSG);
}

/*
 * json-c's lenient tokener lets through text that is not JSON: a trailing
 * comma, comments, single-quoted strings, and anything after the closing
 * brace. dockerd parses daemon.json strictly (Go encoding/json) and refuses
 * to start on such a file, so docker_data_root must refuse it too.
 */
static void test_docker_data_root_not_strict(void **state)
{
	(void)state;
	assert_root_err("{\"data-root\": \"/x\"} trailing", -EBADMSG);
	assert_root_err("{\"data-root\": \"/x\"}{}", -EBADMSG);
	assert_root_err("{\"data-root\": \"/x\",}", -EBADMSG);
	assert_root_err("{\"data-root\": \"/x\" /* c */}", -EBADMSG);
	assert_root_err("{'data-root': '/x'}", -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release_debian),
		cmocka_unit_test(test_os_release_quoting),
		cmocka_unit_test(test_os_release_prefix_confusion),
		cmocka_unit_test(test_os_release_missing),
		cmocka_unit_test(test_apparmor_label_classify),
		cmocka_unit_test(test_environ_nul_separated),
		cmocka_unit_test(test_environ_newline_separated),
		cmocka_unit_test(test_environ_prefix_confusion),
		cmocka_unit_test(test_environ_edge),
		cmocka_unit_test(test_proc_status_hex),
		cmocka_unit_test(test_proc_status_missing),
		cmocka_unit_test(test_proc_status_junk),
		cmocka_unit_test(test_proc_cgroup_v1),
		cmocka_unit_test(test_proc_cgroup_v2),
		cmocka_unit_test(test_proc_cgroup_hybrid),
		cmocka_unit_test(test_proc_cgroup_junk),
		cmocka_unit_test(test_docker_data_root),
		cmocka_unit_test(test_docker_data_root_absent),
		cmocka_unit_test(test_docker_data_root_bad),
		cmocka_unit_test(test_docker_data_root_not_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
