/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: dpkg's status file, tools' --version output, recorded tool runs, proc/modules, LXCFS mounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <libmount.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "core/host.h"
#include "core/parse.h"
#include "checks/runtime/parse.h"
#include "checks/runtime/probe.h"
#include "core/util.h"

/* ---- dpkg_status_parse ---- */

/* Abridged from this build machine's own var/lib/dpkg/status (Debian 12). */
static const char STATUS_DEBIAN12[] =
	"Package: docker.io\n"
	"Status: install ok installed\n"
	"Priority: optional\n"
	"Section: admin\n"
	"Installed-Size: 102396\n"
	"Maintainer: Debian Go Packaging Team <team+pkg-go@tracker.debian.org>\n"
	"Architecture: amd64\n"
	"Source: docker.io (20.10.24+dfsg1-1+deb12u1)\n"
	"Version: 20.10.24+dfsg1-1+deb12u1+b6\n"
	"Depends: adduser, containerd (>= 1.2.6-1), iptables, runc (>= 1.0.0~rc92~), tini (>= 0.19.0-1)\n"
	"Conffiles:\n"
	" /etc/default/docker 7dbd5b4b2a8a1a8b1d1a5e0b0f0e9d7c\n"
	" /etc/init.d/docker 5a3ea1bc0ec6e5b2bb6b0e0e5b1d9d9e\n"
	"Description: Linux container runtime\n"
	" Docker complements kernel namespacing with a high-level API which operates at\n"
	" the process level.\n"
	" .\n"
	" This package contains the daemon and client.\n"
	"Homepage: https://mobyproject.org\n"
	"\n"
	"Package: liblxc1\n"
	"Status: install ok installed\n"
	"Multi-Arch: same\n"
	"Architecture: amd64\n"
	"Source: lxc\n"
	"Version: 1:5.0.2-1+deb12u4\n"
	"Description: Linux Containers userspace tools (library)\n"
	"\n"
	"Package: runc\n"
	"Status: install ok installed\n"
	"Architecture: amd64\n"
	"Version: 1.1.5+ds1-1+deb12u1\n"
	"Description: Open Container Project - runtime\n"
	"\n"
	"Package: containerd\n"
	"Status: install ok installed\n"
	"Architecture: amd64\n"
	"Version: 1.6.20~ds1-1+deb12u3\n"
	"Description: open and reliable container runtime\n";

static void parse_ok(const char *buf, struct dpkg_status *s)
{
	int r = dpkg_status_parse(buf, s);
	if (r != 0)
		fail_msg("dpkg_status_parse(\"%.40s\") = %d, want 0", buf, r);
}

static const struct dpkg_package *pkg_named(const struct dpkg_status *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i].name, name))
			return &s->v[i];
	fail_msg("no stanza for %s", name);
	return NULL;
}

static void test_dpkg_multi_stanza(void **state)
{
	(void)state;
	struct dpkg_status s;
	parse_ok(STATUS_DEBIAN12, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.v[0].name, "docker.io");
	assert_string_equal(s.v[0].version, "20.10.24+dfsg1-1+deb12u1+b6");
	assert_string_equal(s.v[0].status, "install ok installed");
	assert_true(s.v[0].installed);
	assert_string_equal(s.v[1].name, "liblxc1");
	assert_string_equal(s.v[1].version, "1:5.0.2-1+deb12u4");
	assert_string_equal(s.v[3].name, "containerd");
	assert_string_equal(s.v[3].version, "1.6.20~ds1-1+deb12u3");
	assert_non_null(dpkg_status_installed(&s, "runc"));
	assert_string_equal(dpkg_status_installed(&s, "runc")->version, "1.1.5+ds1-1+deb12u1");
	assert_null(dpkg_status_installed(&s, "docker-ce"));
	assert_null(dpkg_status_installed(&s, "docker"));
	assert_null(dpkg_status_installed(&s, "docker.i"));
	dpkg_status_clear(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
}

static void test_dpkg_states(void **state)
{
	(void)state;
	struct dpkg_status s;
	parse_ok("Package: docker.io\nStatus: install ok half-installed\nVersion: 20.10.24+dfsg1-1\n\n"
		 "Package: lxd\nStatus: deinstall ok config-files\nVersion: 5.0.2-5\n\n"
		 "Package: lxc\nStatus: install ok unpacked\nVersion: 1:5.0.2-1\n\n"
		 "Package: lxcfs\nStatus: install reinstreq half-installed\nVersion: 5.0.3-1\n\n"
		 "Package: runc\nStatus: hold ok installed\nVersion: 1.1.5+ds1-1\n\n"
		 "Package: containerd\nStatus: purge ok not-installed\n\n"
		 "Package: crun\nStatus: install ok triggers-pending\nVersion: 1.8.1-1\n\n"
		 "Package: uidmap\nStatus: deinstall ok installed\nVersion: 1:4.13\n",
		 &s);
	assert_int_equal(s.n, 8);
	assert_null(dpkg_status_installed(&s, "docker.io"));
	assert_null(dpkg_status_installed(&s, "lxd"));
	assert_null(dpkg_status_installed(&s, "lxc"));
	assert_null(dpkg_status_installed(&s, "lxcfs"));
	assert_null(dpkg_status_installed(&s, "containerd"));
	assert_null(dpkg_status_installed(&s, "crun"));
	/* apt-mark hold keeps a package installed. */
	assert_non_null(dpkg_status_installed(&s, "runc"));
	/* "deinstall ok installed": selected for removal, still on disk and configured. */
	assert_false(pkg_named(&s, "uidmap")->installed);
	assert_null(pkg_named(&s, "containerd")->version);
	dpkg_status_clear(&s);
}

static void test_dpkg_is_installed(void **state)
{
	(void)state;
	assert_true(dpkg_status_is_installed("install ok installed"));
	assert_true(dpkg_status_is_installed("install  ok\tinstalled"));
	assert_true(dpkg_status_is_installed("hold ok installed"));
	assert_false(dpkg_status_is_installed("install ok installed extra"));
	assert_false(dpkg_status_is_installed("install ok"));
	assert_false(dpkg_status_is_installed("install reinstreq installed"));
	assert_false(dpkg_status_is_installed("install ok installedx"));
	assert_false(dpkg_status_is_installed("Install ok installed"));
	assert_false(dpkg_status_is_installed("installinstallinstall ok installed"));
	assert_false(dpkg_status_is_installed(""));
	assert_false(dpkg_status_is_installed(NULL));
}

static void test_dpkg_missing_fields(void **state)
{
	(void)state;
	struct dpkg_status s;
	/* No Status: not installed. No Version: installed, version unknown. No Package: dropped. */
	parse_ok("Package: lxd\nVersion: 5.0.2-5\n\n"
		 "Package: lxcfs\nStatus: install ok installed\n\n"
		 "Status: install ok installed\nVersion: 9.9\n\n"
		 "Package:\nStatus: install ok installed\nVersion: 1.0\n\n"
		 "Package: lxc\nStatus: install ok installed\nVersion:\n",
		 &s);
	assert_int_equal(s.n, 3);
	assert_null(dpkg_status_installed(&s, "lxd"));
	assert_null(pkg_named(&s, "lxd")->status);
	assert_non_null(dpkg_status_installed(&s, "lxcfs"));
	assert_null(dpkg_status_installed(&s, "lxcfs")->version);
	assert_null(dpkg_status_installed(&s, "lxc")->version);
	dpkg_status_clear(&s);
}

static void test_dpkg_continuation_lines(void **state)
{
	(void)state;
	struct dpkg_status s;
	/* Field-looking continuation lines belong to the Description, not to the stanza. */
	parse_ok("Package: runc\nStatus: install ok installed\nDescription: runtime\n"
		 " Version: 0.0.1\n"
		 "\tPackage: evil\n"
		 " Status: deinstall ok config-files\n"
		 " .\n"
		 "Version: 1.1.5+ds1-1\n",
		 &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].name, "runc");
	assert_string_equal(s.v[0].version, "1.1.5+ds1-1");
	assert_true(s.v[0].installed);
	dpkg_status_clear(&s);
}

static void test_dpkg_crlf_and_blank_lines(void **state)
{
	(void)state;
	struct dpkg_status s;
	parse_ok("\r\n\r\nPackage: lxd\r\nStatus: install ok installed\r\nVersion: 5.0.2-5\r\n"
		 " \t \r\n" /* whitespace only: a separator too */
		 "Package: lxc\r\nStatus: install ok installed\r\nVersion: 1:5.0.2-1   \r\n\r\n\r\n",
		 &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(dpkg_status_installed(&s, "lxd")->version, "5.0.2-5");
	assert_string_equal(dpkg_status_installed(&s, "lxc")->version, "1:5.0.2-1");
	dpkg_status_clear(&s);

	/* No newline at the end of the last field. */
	parse_ok("Package: lxcfs\nStatus: install ok installed\nVersion: 5.0.3-1", &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].version, "5.0.3-1");
	dpkg_status_clear(&s);
}

static void test_dpkg_field_names(void **state)
{
	(void)state;
	struct dpkg_status s;
	/* Field names are case-insensitive; the first of a repeated field wins. */
	parse_ok("package: lxd\nSTATUS: install ok installed\nversion: 5.0.2-5\nVersion: 9.9\n"
		 "Package: other\n",
		 &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].name, "lxd");
	assert_string_equal(s.v[0].version, "5.0.2-5");
	assert_true(s.v[0].installed);
	dpkg_status_clear(&s);

	/* "Package :" and "-Package:" are not fields. */
	assert_int_equal(dpkg_status_parse("Package : lxd\n-Package: lxd\n#Package: lxd\n", &s), -EBADMSG);
}

static void test_dpkg_multiarch(void **state)
{
	(void)state;
	struct dpkg_status s;
	parse_ok("Package: liblxc1\nStatus: deinstall ok config-files\nArchitecture: i386\nVersion: 1:4.0.6-2\n\n"
		 "Package: liblxc1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:5.0.2-1\n\n"
		 "Package: liblxc1\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1:5.0.2-1\n",
		 &s);
	assert_int_equal(s.n, 3);
	assert_ptr_equal(dpkg_status_installed(&s, "liblxc1"), &s.v[1]);
	dpkg_status_clear(&s);
}

static void test_dpkg_junk(void **state)
{
	(void)state;
	struct dpkg_status s = {0};
	assert_int_equal(dpkg_status_parse("this is not a status file\nat all\n", &s), -EBADMSG);
	assert_int_equal(dpkg_status_parse("\xff\xfe\x01\x02junk:\n\x7f", &s), -EBADMSG);
	assert_int_equal(dpkg_status_parse("Status: install ok installed\nVersion: 1\n", &s), -EBADMSG);
	assert_int_equal(dpkg_status_parse(" continuation only\n", &s), -EBADMSG);
	assert_null(s.v);

	/* Junk lines between fields are skipped; the stanza survives. */
	parse_ok("garbage line\nPackage: lxd\n\x01\x02\x03\nStatus: install ok installed\n:::\nVersion: 5.0.2\n", &s);
	assert_int_equal(s.n, 1);
	assert_true(s.v[0].installed);
	dpkg_status_clear(&s);

	/* Control characters in values are made printable (they end up in reports). */
	parse_ok("Package: lxd\nStatus: install ok installed\nVersion: 5.0\x1b[31m\n", &s);
	assert_null(strchr(s.v[0].version, '\x1b'));
	dpkg_status_clear(&s);
}

static void test_dpkg_empty(void **state)
{
	(void)state;
	struct dpkg_status s = {.n = 99};
	/* The capture keeps only the container stack: a host without any is an empty file. */
	parse_ok("", &s);
	assert_int_equal(s.n, 0);
	parse_ok("\n\n \n\r\n", &s);
	assert_int_equal(s.n, 0);
	dpkg_status_clear(&s);
}

static void test_dpkg_many_stanzas(void **state)
{
	(void)state;
	struct strbuf sb = {0};
	for (int i = 0; i < 3000; i++)
		strbuf_appendf(&sb, "Package: p%d\nStatus: install ok installed\nVersion: %d.0\nDescription: x\n y\n\n",
			       i, i);
	strbuf_append(&sb, "Package: lxd\nStatus: install ok installed\nVersion: 5.0.2-5\n");
	_cleanup_free_ char *buf = strbuf_take(&sb);
	struct dpkg_status s;
	parse_ok(buf, &s);
	assert_int_equal(s.n, 3001);
	assert_string_equal(dpkg_status_installed(&s, "lxd")->version, "5.0.2-5");
	assert_string_equal(dpkg_status_installed(&s, "p2999")->version, "2999.0");
	dpkg_status_clear(&s);
}

static bool streq_ptr(const char *a, const char *b)
{
	return a == b || (a && b && streq(a, b));
}

/* dpkg_status_read (line by line, through the host) and dpkg_status_parse (a buffer) agree. */
static void assert_same_status(const struct dpkg_status *a, const struct dpkg_status *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].name, b->v[i].name);
		assert_true(streq_ptr(a->v[i].version, b->v[i].version));
		assert_true(streq_ptr(a->v[i].status, b->v[i].status));
		assert_int_equal(a->v[i].installed, b->v[i].installed);
	}
}

static void read_vs_parse(struct host *h, const char *path, const char *text)
{
	struct dpkg_status want, got;
	int rw = dpkg_status_parse(text, &want), rg = dpkg_status_read(h, path, &got);
	assert_int_equal(rg, rw);
	if (rw < 0)
		return;
	assert_same_status(&want, &got);
	dpkg_status_clear(&want);
	dpkg_status_clear(&got);
}

static void test_dpkg_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/nestcheck-unit-dpkg-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *sub = xasprintf("%s/var", dir), *sub2 = xasprintf("%s/var/lib", dir),
			    *sub3 = xasprintf("%s/var/lib/dpkg", dir), *file = xasprintf("%s/status", sub3);
	assert_int_equal(mkdir(sub, 0755) | mkdir(sub2, 0755) | mkdir(sub3, 0755), 0);
	struct host *h;
	assert_int_equal(host_new(dir, &h), 0);

	/* Several 64 KiB reads of stanzas, CRLF ones, long continuation lines, no final newline. */
	struct strbuf sb = {0};
	for (int i = 0; i < 3000; i++)
		strbuf_appendf(&sb, "Package: p%d%s\nStatus: %s\nVersion: %d.0\nDescription: x\n %0*d\n\n", i,
			       i % 5 ? "" : "\r", i % 3 ? "install ok installed" : "deinstall ok config-files", i,
			       i % 97 ? 8 : 70000, 0);
	strbuf_append(&sb, "Package: lxd\nStatus: install ok installed\nVersion: 5.0.2-5");
	const char *texts[] = {
		sb.buf,
		STATUS_DEBIAN12,
		"",
		"\n\n",
		"junk without a stanza\n",
		" continuation only\n",
		"Package: a\nVersion: 1\n \t\nPackage: b\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		FILE *f = fopen(file, "we");
		assert_non_null(f);
		fputs(texts[i], f);
		assert_int_equal(fclose(f), 0);
		read_vs_parse(h, "var/lib/dpkg/status", texts[i]);
	}
	struct dpkg_status s;
	assert_int_equal(dpkg_status_read(h, "var/lib/dpkg/missing", &s), -ENOENT);
	host_free(h);
	unlink(file);
	rmdir(sub3);
	rmdir(sub2);
	rmdir(sub);
	rmdir(dir);
	free(strbuf_take(&sb));

	/* This machine's own file, when there is one. */
	_cleanup_free_ char *live = NULL;
	struct host *lh;
	assert_int_equal(host_new(NULL, &lh), 0);
	if (host_read_text(lh, "var/lib/dpkg/status", &live) == 0)
		read_vs_parse(lh, "var/lib/dpkg/status", live);
	host_free(lh);
}

/* ---- dpkg_version_upstream ---- */

static void check_upstream(const char *v, const char *want)
{
	_cleanup_free_ char *got = dpkg_version_upstream(v);
	if (!streq(got, want))
		fail_msg("dpkg_version_upstream(\"%s\") = \"%s\", want \"%s\"", v, got, want);
}

static void test_dpkg_version_upstream(void **state)
{
	(void)state;
	check_upstream("1:5.0.2-1+deb12u4", "5.0.2");
	check_upstream("20.10.24+dfsg1-1+deb12u1+b6", "20.10.24+dfsg1");
	check_upstream("5:27.3.1-1~debian.12~bookworm", "27.3.1");
	check_upstream("1.0.0~rc93+ds1-5", "1.0.0~rc93+ds1");
	check_upstream("1.0.0-rc93-1", "1.0.0-rc93");
	check_upstream("24.0.7-0ubuntu4.1", "24.0.7");
	check_upstream("1.7.28-2", "1.7.28");
	check_upstream("2.5.4", "2.5.4"); /* native: no revision */
	check_upstream("12:1.0", "1.0");
	check_upstream("a:1.0-1", "a:1.0"); /* not an epoch */
	check_upstream(":1.0", ":1.0");
	check_upstream("-1", "-1");
	check_upstream("", "");
}

/* The thresholds of the checks, applied to what dpkg_version_upstream gives. */
static void check_at_least(const char *dpkg_version, const char *min, bool want)
{
	_cleanup_free_ char *up = dpkg_version_upstream(dpkg_version);
	bool got = version_cmp(up, min) >= 0;
	if (got != want)
		fail_msg("\"%s\" (upstream \"%s\") >= \"%s\" is %d, want %d", dpkg_version, up, min, got, want);
}

static void test_dpkg_version_thresholds(void **state)
{
	(void)state;
	/* The epoch of lxc's "1:" must not lift LXC 1.x above 2.0. */
	check_at_least("1:1.0.8-0ubuntu1", "2.0", false);
	check_at_least("1:5.0.2-1+deb12u4", "2.0", true);
	check_at_least("2.0.0-0ubuntu2", "2.0", true);
	check_at_least("1.1.5+ds1-1+deb12u1", "1.0.0-rc93", true);
	check_at_least("1.0.0~rc93+ds1-5", "1.0.0-rc93", true);
	check_at_least("1.0.0~rc92+dfsg1-5", "1.0.0-rc93", false);
	check_at_least("1.0.0~rc10-1", "1.0.0-rc93", false);
	check_at_least("1.6.20~ds1-1+deb12u3", "1.4", true);
	check_at_least("1.3.3-0ubuntu2", "1.4", false);
	check_at_least("20.10.24+dfsg1-1+deb12u1+b6", "20.10", true);
	check_at_least("18.09.1+dfsg1-7.1+deb10u3", "20.10", false);
	check_at_least("5:19.03.15~3-0~debian-buster", "20.10", false);
	check_at_least("5:28.0.1-1~debian.12~bookworm", "28", true);
	check_at_least("5:27.5.1-1~debian.12~bookworm", "28", false);
	check_at_least("24.0.7-0ubuntu4.1", "25", false);
	/* A revision must not count as a version component: 1.3 with revision 5 is below 1.3.3. */
	check_at_least("1.3-5", "1.3.3", false);
}

/* ---- runc_procfs_hardened ---- */

static void test_runc_procfs_hardened(void **state)
{
	(void)state;
	static const char *const yes[] = {"1.2.8",	"1.2.9", "1.2.10", "1.3.3", "1.3.4",
					  "1.4.0-rc.3", "1.4.0", "1.4.1",  "1.5.0", "2.0.0"};
	static const char *const no[] = {"1.1.5+ds1", "1.1.15",	    "1.2.7",	  "1.2.0",	"1.3.0-rc.1", "1.3.0",
					 "1.3.2",     "1.4.0-rc.1", "1.4.0-rc.2", "1.0.0-rc93", "0.1.1"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!runc_procfs_hardened(yes[i]))
			fail_msg("runc %s: want hardened", yes[i]);
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (runc_procfs_hardened(no[i]))
			fail_msg("runc %s: want not hardened", no[i]);
}

/* ---- tool_version_parse ---- */

static void check_tool(const char *output, const char *want)
{
	char *got = NULL;
	int r = tool_version_parse(output, &got);
	if (!want) {
		if (r != -ENOENT)
			fail_msg("tool_version_parse(\"%s\") = %d (\"%s\"), want -ENOENT", output, r, got ? got : "");
		return;
	}
	if (r != 0)
		fail_msg("tool_version_parse(\"%s\") = %d, want \"%s\"", output, r, want);
	if (!streq(got, want))
		fail_msg("tool_version_parse(\"%s\") = \"%s\", want \"%s\"", output, got, want);
	free(got);
}

static void test_tool_version_real(void **state)
{
	(void)state;
	/* Printed on this build machine (Debian 12). */
	check_tool("Docker version 20.10.24+dfsg1, build 5d6db84\n", "20.10.24+dfsg1");
	check_tool("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n", "1.6.20~ds1");
	check_tool("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\n"
		   "libseccomp: 2.5.4\n",
		   "1.1.5+ds1");
	check_tool("5.0.2\n", "5.0.2");
	check_tool("\"5.0.3\"\n", "5.0.3");
	/* Elsewhere. */
	check_tool("Docker version 27.3.1, build ce12230\n", "27.3.1");
	check_tool("containerd containerd.io 1.7.28 b98a3aace656320842a23f4a392a33f46af97866\n", "1.7.28");
	check_tool("containerd containerd.io v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376\n", "2.1.4");
	check_tool("runc version 1.3.3\ncommit: v1.3.3-0-gd842d771\n", "1.3.3");
	check_tool("runc version 1.0.0-rc93\n", "1.0.0-rc93");
	check_tool("5.21.1 LTS\n", "5.21.1");
	check_tool("crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\n", "1.8.1");
	check_tool("lxcfs 2.0.8\n", "2.0.8");
	check_tool("4.0.12\n", "4.0.12");
}

static void test_tool_version_edges(void **state)
{
	(void)state;
	check_tool("\n\n  \r\n5.0.2\r\n", "5.0.2");
	check_tool("Docker version 1.13.1, build 092cba3\r\n", "1.13.1");
	check_tool("version (v3.0.3);\n", "3.0.3");
	check_tool("'2.0.0'", "2.0.0");
	/* Only the first line counts: runc without a version must not report its spec version. */
	check_tool("runc version unknown\nspec: 1.0.2-dev\n", NULL);
	/* A number without a dot, a hash, "go1.19" are not versions. */
	check_tool("build 5d6db84 28 go1.19.8 v\n", NULL);
	check_tool("1.\n", NULL);
	check_tool(".5\n", NULL);
	check_tool("", NULL);
	check_tool("   \n", NULL);
	check_tool("lxd: command not found\n", NULL);
	check_tool("\xff\xfe 1.2\x01.3\n", "1.2?.3");
}

/* ---- tool_run_parse ---- */

static void test_tool_run_parse(void **state)
{
	(void)state;
	struct tool_run t;
	assert_int_equal(tool_run_parse("absent", &t), 0);
	assert_true(t.absent);
	assert_null(t.path);
	tool_run_clear(&t);

	assert_int_equal(tool_run_parse("/usr/sbin/runc\nrunc version 1.1.5+ds1\ncommit: x", &t), 0);
	assert_false(t.absent);
	assert_string_equal(t.path, "/usr/sbin/runc");
	assert_string_equal(t.output, "runc version 1.1.5+ds1\ncommit: x");
	assert_null(t.error);
	tool_run_clear(&t);

	assert_int_equal(tool_run_parse("/usr/sbin/dockerd\n!timeout", &t), 0);
	assert_string_equal(t.error, "timeout");
	assert_string_equal(t.output, "");
	tool_run_clear(&t);

	assert_int_equal(tool_run_parse("/usr/bin/lxd\n!exec EACCES\nmore", &t), 0);
	assert_string_equal(t.error, "exec EACCES");
	tool_run_clear(&t);

	/* A path alone: it printed nothing (the probe records "!exit N" then, but be lenient). */
	assert_int_equal(tool_run_parse("/usr/bin/lxcfs", &t), 0);
	assert_string_equal(t.output, "");
	assert_null(t.error);
	tool_run_clear(&t);

	assert_int_equal(tool_run_parse("", &t), -EBADMSG);
	assert_int_equal(tool_run_parse("/", &t), -EBADMSG);
	assert_int_equal(tool_run_parse("usr/bin/lxd\n5.0.2", &t), -EBADMSG);
	assert_int_equal(tool_run_parse("Absent", &t), -EBADMSG);
	assert_int_equal(tool_run_parse("\n/usr/bin/lxd", &t), -EBADMSG);
}

/* ---- proc_modules_has ---- */

static void test_proc_modules_has(void **state)
{
	(void)state;
	static const char mods[] = "iptable_nat 16384 1 - Live 0x0000000000000000\n"
				   "ip6_tables 36864 1 ip6table_nat, Live 0x0000000000000000\n"
				   "ip6table_nat 16384 0 - Live 0x0000000000000000\n"
				   "overlay 151552 0 - Live 0x0000000000000000\n"
				   "br_netfilter 32768 0 - Live 0x0000000000000000";
	assert_true(proc_modules_has(mods, "ip6_tables"));
	assert_true(proc_modules_has(mods, "ip6table_nat"));
	assert_true(proc_modules_has(mods, "ip6-tables"));
	assert_true(proc_modules_has(mods, "br_netfilter")); /* last line, no newline */
	assert_false(proc_modules_has(mods, "iptable_raw"));
	assert_false(proc_modules_has(mods, "ip6table")); /* a prefix of a name */
	assert_false(proc_modules_has(mods, "ip6table_nat_x"));
	assert_false(proc_modules_has(mods, "16384")); /* not the first column */
	assert_false(proc_modules_has(mods, "Live"));
	assert_false(proc_modules_has("", "overlay"));
	assert_false(proc_modules_has(NULL, "overlay"));
	assert_false(proc_modules_has("\n\n\n", "overlay"));
}

/* ---- mounts_lxcfs_targets ---- */

static void test_lxcfs_targets(void **state)
{
	(void)state;
	static const char container[] =
		"1 0 0:1 / / rw - ext4 /dev/sda1 rw\n"
		"2 1 0:2 / /proc rw - proc proc rw\n"
		"3 2 0:50 /proc/cpuinfo /proc/cpuinfo rw - fuse.lxcfs lxcfs rw,user_id=0\n"
		"4 2 0:50 /proc/uptime /proc/uptime rw - fuse.lxcfs lxcfs rw,user_id=0\n"
		"5 1 0:50 /sys/devices/system/cpu /sys/devices/system/cpu rw - fuse.lxcfs lxcfs rw\n"
		"6 1 0:51 / /mnt/x rw - fuse.sshfs host:/ rw\n";
	static const char host[] = "1 0 0:1 / / rw - ext4 /dev/sda1 rw\n"
				   "2 1 0:50 / /var/lib/lxcfs rw - fuse.lxcfs lxcfs rw,user_id=0\n";
	struct libmnt_table *tb;
	struct strv t = {0};

	assert_int_equal(mounts_parse(container, &tb), 0);
	mounts_lxcfs_targets(tb, &t);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0], "/proc/cpuinfo");
	assert_string_equal(t.v[1], "/proc/uptime");
	assert_string_equal(t.v[2], "/sys/devices/system/cpu");
	assert_true(mounts_lxcfs_over_proc(tb));
	strv_clear(&t);
	mnt_unref_table(tb);

	assert_int_equal(mounts_parse(host, &tb), 0);
	mounts_lxcfs_targets(tb, &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0], "/var/lib/lxcfs");
	assert_false(mounts_lxcfs_over_proc(tb));
	strv_clear(&t);
	mnt_unref_table(tb);

	assert_int_equal(mounts_parse("1 0 0:1 / / rw - ext4 /dev/sda1 rw\n", &tb), 0);
	mounts_lxcfs_targets(tb, &t);
	assert_int_equal(t.n, 0);
	mnt_unref_table(tb);
}

/* ---- probe_tool_version, probe_read_bounded (live, with coreutils and sh) ---- */

static char *tool_run(const char *name, const char *arg)
{
	const char *const names[] = {"nestcheck-no-such-tool", name, NULL};
	struct tool_probe tp = {names, arg};
	char *v = NULL;
	assert_int_equal(probe_tool_version(&tp, &v), 0);
	return v;
}

/* Every child the probe started is reaped: none is left for us. */
static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_probe_tool_version(void **state)
{
	(void)state;
	char *v = tool_run("echo", "v1.2.3");
	struct tool_run t;
	assert_int_equal(tool_run_parse(v, &t), 0);
	assert_false(t.absent);
	assert_true(startswith(t.path, "/") && strstr(t.path, "/echo"));
	assert_string_equal(t.output, "v1.2.3");
	_cleanup_free_ char *ver = NULL;
	assert_int_equal(tool_version_parse(t.output, &ver), 0);
	assert_string_equal(ver, "1.2.3");
	tool_run_clear(&t);
	free(v);

	/* stderr is read too. */
	v = tool_run("ls", "/nestcheck-no-such-dir");
	assert_non_null(strstr(v, "nestcheck-no-such-dir"));
	free(v);

	v = tool_run("false", "x");
	assert_non_null(strstr(v, "\n!exit 1"));
	free(v);

	const char *const none[] = {"nestcheck-no-such-tool", NULL};
	struct tool_probe tp = {none, "--version"};
	assert_int_equal(probe_tool_version(&tp, &v), 0);
	assert_string_equal(v, "absent");
	free(v);
	assert_no_children();
}

/* A scratch dir per test, removed by the teardown also when an assertion fails. */
static char scratch[64];

static int scratch_setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/nestcheck-test-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int scratch_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int scratch_teardown(void **state)
{
	(void)state;
	return nftw(scratch, scratch_remove, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_probe_tool_version_timeout(void **state)
{
	(void)state;
	/* A tool that leaves a grandchild holding the pipe: both are killed at the deadline. */
	const char *dir = scratch;
	_cleanup_free_ char *script = xasprintf("%s/tool", dir), *pidfile = xasprintf("%s/pid", dir);
	FILE *f = fopen(script, "we");
	assert_non_null(f);
	fprintf(f, "sleep 30 &\necho $! >%s\necho 9.9.9\nsleep 30\n", pidfile);
	fclose(f);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *v = tool_run("sh", script);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= TOOL_PROBE_TIMEOUT_MS - 100 && ms < TOOL_PROBE_TIMEOUT_MS + 1500);
	assert_non_null(strstr(v, "\n!timeout"));
	free(v);
	assert_no_children();

	/* The background sleep is gone too (give init a moment to reap it). */
	char buf[32] = "";
	FILE *pf = fopen(pidfile, "re");
	assert_non_null(pf);
	assert_non_null(fgets(buf, sizeof(buf), pf));
	fclose(pf);
	pid_t grandchild = (pid_t)atoi(buf);
	assert_true(grandchild > 1);
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		_cleanup_free_ char *stat = xasprintf("/proc/%d/stat", (int)grandchild);
		char st[256] = "";
		FILE *sf = fopen(stat, "re");
		if (!sf) {
			gone = true;
			break;
		}
		bool ok = fgets(st, sizeof(st), sf) != NULL;
		fclose(sf);
		char *rp = strrchr(st, ')');
		if (ok && rp && rp[1] == ' ' && rp[2] == 'Z')
			gone = true;
		else
			usleep(10000);
	}
	assert_true(gone);
}

static void test_probe_read_bounded(void **state)
{
	(void)state;
	char *v = NULL;
	assert_int_equal(probe_read_bounded("/proc/self/status", &v), 0);
	assert_string_equal(v, "ok");
	free(v);
	assert_int_equal(probe_read_bounded("/nestcheck-no-such-file", &v), 0);
	assert_string_equal(v, "ENOENT");
	free(v);
	assert_int_equal(probe_read_bounded("/", &v), 0);
	assert_string_equal(v, "EISDIR");
	free(v);

	/* A FIFO without a writer blocks open(), like a hung FUSE daemon: killed at the deadline. */
	_cleanup_free_ char *fifo = xasprintf("%s/fifo", scratch);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(probe_read_bounded(fifo, &v), 0);
	assert_string_equal(v, "timeout");
	free(v);
	assert_no_children();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_multi_stanza),
		cmocka_unit_test(test_dpkg_states),
		cmocka_unit_test(test_dpkg_is_installed),
		cmocka_unit_test(test_dpkg_missing_fields),
		cmocka_unit_test(test_dpkg_continuation_lines),
		cmocka_unit_test(test_dpkg_crlf_and_blank_lines),
		cmocka_unit_test(test_dpkg_field_names),
		cmocka_unit_test(test_dpkg_multiarch),
		cmocka_unit_test(test_dpkg_junk),
		cmocka_unit_test(test_dpkg_empty),
		cmocka_unit_test(test_dpkg_many_stanzas),
		cmocka_unit_test(test_dpkg_read),
		cmocka_unit_test(test_dpkg_version_upstream),
		cmocka_unit_test(test_dpkg_version_thresholds),
		cmocka_unit_test(test_runc_procfs_hardened),
		cmocka_unit_test(test_tool_version_real),
		cmocka_unit_test(test_tool_version_edges),
		cmocka_unit_test(test_tool_run_parse),
		cmocka_unit_test(test_proc_modules_has),
		cmocka_unit_test(test_lxcfs_targets),
		cmocka_unit_test(test_probe_tool_version),
		cmocka_unit_test_setup_teardown(test_probe_tool_version_timeout, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_probe_read_bounded, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
