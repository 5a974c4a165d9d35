/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: check selection (--only/--skip), the verdict of a report, runner_run on a sysroot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>

#include "core/check.h"
#include "core/context.h"
#include "core/dpkg.h"
#include "core/result.h"
#include "core/runner.h"
#include "core/util.h"

static const struct check *find(const char *id)
{
	for (size_t i = 0; i < check_table_size; i++)
		if (streq(check_table[i].id, id))
			return &check_table[i];
	fail_msg("no check %s in the table", id);
	return NULL;
}

/* Ids matched by sel, comma-joined in table order. */
static char *matches(const char *sel)
{
	struct strv l = {0};
	for (size_t i = 0; i < check_table_size; i++)
		if (selector_matches(sel, &check_table[i]))
			strv_push(&l, xstrdup(check_table[i].id));
	char *s = strv_join(&l, ",");
	strv_clear(&l);
	return s;
}

static void assert_matches(const char *sel, const char *want)
{
	char *got = matches(sel);
	if (!streq(got, want)) {
		char msg[512];
		snprintf(msg, sizeof(msg), "selector \"%s\" matched \"%s\", want \"%s\"", sel, got, want);
		free(got);
		fail_msg("%s", msg);
	}
	free(got);
}

/* ---- selector_matches ---- */

static void test_selector_area(void **state)
{
	(void)state;
	assert_true(selector_matches("cgroup", find("cgroup.layout")));
	assert_true(selector_matches("cgroup", find("cgroup.namespace")));
	assert_false(selector_matches("cgroup", find("kernel.version")));
	assert_matches("cgroup", "cgroup.layout,cgroup.namespace,cgroup.delegation");
	assert_matches("kernel", "kernel.version,kernel.config,kernel.keyring");
	assert_matches("container", "container.detect,container.nesting");
	assert_matches("userns", "userns.enabled,userns.idmap");
	assert_matches("apparmor", "apparmor.status,apparmor.parser");
	assert_matches("overlay", "overlay.support,overlay.mount");
	assert_matches("storage", "storage.backing_fs,storage.block,storage.zfs,storage.xattr");
	assert_matches("namespace", "namespace.unshare,namespace.proc_mount,namespace.sysfs_mount");
	assert_matches("runtime", "runtime.lxc,runtime.lxcfs,runtime.lxd,runtime.incus,runtime.docker,runtime.engine");
	assert_matches("network", "network.loopback,network.ip_forward,network.iptables,network.bridge_nf");
}

static void test_selector_id(void **state)
{
	(void)state;
	assert_matches("cgroup.layout", "cgroup.layout");
	assert_matches("cgroup.namespace", "cgroup.namespace");
	assert_matches("kernel.version", "kernel.version");
	assert_matches("storage.backing_fs", "storage.backing_fs");
	assert_false(selector_matches("cgroup.layout", find("cgroup.namespace")));
	/* Every check is matched by its own id and its own area. */
	for (size_t i = 0; i < check_table_size; i++) {
		const struct check *c = &check_table[i];
		assert_true(selector_matches(c->id, c));
		assert_true(selector_matches(c->area, c));
		char *m = matches(c->id);
		assert_string_equal(m, c->id);
		free(m);
	}
}

static void test_selector_no_match(void **state)
{
	(void)state;
	assert_matches("cg", "");
	assert_matches("cgroup.", "");
	assert_matches("cgroup.lay", "");
	assert_matches("kernel.version.x", "");
	assert_matches("kernel.", "");
	assert_matches("kernelversion", "");
	assert_matches("version", "");
	assert_matches("layout", "");
	assert_matches("CGROUP", "");
	assert_matches("Kernel.Version", "");
	assert_matches("", "");
	assert_matches(".", "");
	assert_matches("*", "");
	assert_matches("cgroup ", "");
	assert_matches(" cgroup", "");
	assert_matches("cgroups", "");
}

/* ---- selection_add ---- */

static void test_selection_add_ok(void **state)
{
	(void)state;
	struct strv l = {0};
	const char *bad = "untouched";
	assert_int_equal(selection_add(&l, "cgroup,kernel.version", &bad), 0);
	assert_string_equal(bad, "untouched");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "cgroup");
	assert_string_equal(l.v[1], "kernel.version");
	assert_null(l.v[2]);

	/* A second call appends. */
	assert_int_equal(selection_add(&l, "storage.backing_fs", &bad), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[2], "storage.backing_fs");

	/* Empty items are skipped. */
	assert_int_equal(selection_add(&l, ",,userns,,", &bad), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[3], "userns");
	assert_int_equal(selection_add(&l, "", &bad), 0);
	assert_int_equal(selection_add(&l, ",", &bad), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(bad, "untouched");
	strv_clear(&l);

	/* Every id and area in the table is accepted. */
	for (size_t i = 0; i < check_table_size; i++) {
		assert_int_equal(selection_add(&l, check_table[i].id, &bad), 0);
		assert_int_equal(selection_add(&l, check_table[i].area, &bad), 0);
	}
	assert_int_equal(l.n, 2 * check_table_size);
	strv_clear(&l);
}

static void assert_add_bad(const char *list, const char *want_bad)
{
	struct strv l = {0};
	const char *bad = NULL;
	int r = selection_add(&l, list, &bad);
	strv_clear(&l);
	if (r != -EINVAL)
		fail_msg("selection_add(\"%s\") = %d, want -EINVAL", list, r);
	assert_non_null(bad);
	assert_string_equal(bad, want_bad);
}

static void test_selection_add_unknown(void **state)
{
	(void)state;
	assert_add_bad("bogus", "bogus");
	assert_add_bad("cg", "cg");
	assert_add_bad("kernel.version.x", "kernel.version.x");
	assert_add_bad("cgroup,bogus,kernel", "bogus");
	assert_add_bad("cgroup,kernel,nope", "nope");
	assert_add_bad("first,second", "first");
	assert_add_bad("cgroup.", "cgroup.");
	assert_add_bad("CGROUP", "CGROUP");
	assert_add_bad("cgroup, bogus ", "bogus");

	/* Blanks around items are ignored. */
	struct strv ok = {0};
	const char *none = NULL;
	assert_int_equal(selection_add(&ok, "cgroup, kernel ,,", &none), 0);
	assert_int_equal(ok.n, 2);
	assert_string_equal(ok.v[0], "cgroup");
	assert_string_equal(ok.v[1], "kernel");
	strv_clear(&ok);

	/* A very long bad item comes back cut, NUL-terminated. */
	char longitem[400];
	memset(longitem, 'x', sizeof(longitem) - 1);
	longitem[sizeof(longitem) - 1] = '\0';
	struct strv l = {0};
	const char *bad = NULL;
	assert_int_equal(selection_add(&l, longitem, &bad), -EINVAL);
	assert_non_null(bad);
	assert_true(strlen(bad) > 0 && strlen(bad) < sizeof(longitem) - 1);
	assert_int_equal(strncmp(bad, longitem, strlen(bad)), 0);
	strv_clear(&l);
}

/* ---- selection_wants ---- */

static char *wanted(const char *only, const char *skip)
{
	struct selection s = {0};
	const char *bad = NULL;
	if (only)
		assert_int_equal(selection_add(&s.only, only, &bad), 0);
	if (skip)
		assert_int_equal(selection_add(&s.skip, skip, &bad), 0);
	struct strv l = {0};
	/* The checks that join only on their input (lxd.instance, policy.gate) are tested apart. */
	for (size_t i = 0; i < check_table_size; i++)
		if (!check_table[i].wanted && selection_wants(&s, &check_table[i]))
			strv_push(&l, xstrdup(check_table[i].id));
	selection_clear(&s);
	assert_null(s.only.v);
	assert_int_equal(s.only.n, 0);
	assert_int_equal(s.skip.n, 0);
	selection_clear(&s);
	char *r = strv_join(&l, ",");
	strv_clear(&l);
	return r;
}

static void assert_wanted(const char *only, const char *skip, const char *want)
{
	char *got = wanted(only, skip);
	if (!streq(got, want)) {
		char msg[768];
		snprintf(msg, sizeof(msg), "only=%s skip=%s selected \"%s\", want \"%s\"", only ? only : "-",
			 skip ? skip : "-", got, want);
		free(got);
		fail_msg("%s", msg);
	}
	free(got);
}

static void test_selection_wants(void **state)
{
	(void)state;
	const char *all =
		"container.detect,container.nesting,kernel.version,kernel.config,kernel.keyring,"
		"modules.required,cgroup.layout,cgroup.namespace,cgroup.delegation,namespace.unshare,"
		"namespace.proc_mount,namespace.sysfs_mount,userns.enabled,userns.idmap,device.mknod,"
		"process.oom_score_adj,apparmor.status,apparmor.parser,seccomp.status,overlay.support,overlay.mount,"
		"storage.backing_fs,storage.block,storage.zfs,storage.xattr,network.loopback,network.ip_forward,"
		"network.iptables,network.bridge_nf,runtime.lxc,runtime.lxcfs,runtime.lxd,runtime.incus,runtime.docker,"
		"runtime.engine,launch.container,launch.nested,launch.network";
	assert_wanted(NULL, NULL, all);
	assert_wanted("cgroup", NULL, "cgroup.layout,cgroup.namespace,cgroup.delegation");
	assert_wanted("cgroup.layout", NULL, "cgroup.layout");
	assert_wanted("cgroup,kernel.version", NULL, "kernel.version,cgroup.layout,cgroup.namespace,cgroup.delegation");
	assert_wanted("kernel.version,kernel", NULL, "kernel.version,kernel.config,kernel.keyring");
	assert_wanted("userns,apparmor", "userns.idmap", "userns.enabled,apparmor.status,apparmor.parser");
	assert_wanted(
		NULL,
		"container,kernel,modules,cgroup,namespace,userns,device,process,apparmor,seccomp,overlay,network,"
		"runtime,launch",
		"storage.backing_fs,storage.block,storage.zfs,storage.xattr");
	assert_wanted(
		NULL,
		"container,kernel,modules,cgroup,namespace,userns,device,process,apparmor,seccomp,overlay,network,"
		"runtime,storage,launch",
		"");
	/* only + skip: skip wins. */
	assert_wanted("cgroup", "cgroup.namespace", "cgroup.layout,cgroup.delegation");
	assert_wanted("kernel.version", "kernel", "");
	assert_wanted("cgroup", "cgroup", "");
	assert_wanted("cgroup.layout", "cgroup.layout", "");
	assert_wanted("cgroup,userns", "userns.idmap,kernel,cgroup.delegation",
		      "cgroup.layout,cgroup.namespace,userns.enabled");
	/* Skipping what is not selected changes nothing. */
	assert_wanted("cgroup", "storage", "cgroup.layout,cgroup.namespace,cgroup.delegation");
}

static const struct check *table_check(const char *id)
{
	for (size_t i = 0; i < check_table_size; i++)
		if (streq(check_table[i].id, id))
			return &check_table[i];
	fail_msg("no check %s", id);
	return NULL;
}

/* A gate judges whatever ran: --only does not leave it out, --skip does; lxd.instance is selected as any check. */
static void test_selection_gate_and_lxd(void **state)
{
	(void)state;
	const char *bad;
	struct selection s = {0};
	const struct check *gate = table_check("policy.gate"), *lxd = table_check("lxd.instance");
	assert_true(gate->flags & CHECK_GATE);
	assert_non_null(gate->wanted);
	assert_non_null(lxd->wanted);
	assert_true(selection_wants(&s, gate) && selection_wants(&s, lxd));
	assert_int_equal(selection_add(&s.only, "kernel", &bad), 0);
	assert_true(selection_wants(&s, gate));
	assert_false(selection_wants(&s, lxd));
	assert_int_equal(selection_add(&s.skip, "policy", &bad), 0);
	assert_false(selection_wants(&s, gate));
	selection_clear(&s);
	assert_int_equal(selection_add(&s.only, "lxd", &bad), 0);
	assert_true(selection_wants(&s, lxd));
	selection_clear(&s);
	/* In the table: lxd.instance leads, the gate closes. */
	assert_ptr_equal(lxd, &check_table[0]);
	assert_ptr_equal(gate, &check_table[check_table_size - 1]);
}

/* ---- report_finish ---- */

static enum verdict finish(const enum status *st, size_t n, unsigned counts[_STATUS_MAX])
{
	struct report rep = {0};
	rep.results = xcalloc(n ? n : 1, sizeof(*rep.results));
	rep.n_results = n;
	for (size_t i = 0; i < n; i++)
		rep.results[i].status = st[i];
	/* Stale counts and verdict from before are replaced. */
	for (int i = 0; i < _STATUS_MAX; i++)
		rep.counts[i] = 999;
	rep.verdict = (enum verdict)77;
	report_finish(&rep);
	enum verdict v = rep.verdict;
	memcpy(counts, rep.counts, sizeof(rep.counts));
	report_clear(&rep);
	assert_null(rep.results);
	assert_int_equal(rep.n_results, 0);
	return v;
}

#define FINISH(want, ...)                                                                                              \
	do {                                                                                                           \
		const enum status st_[] = {__VA_ARGS__};                                                               \
		unsigned c_[_STATUS_MAX];                                                                              \
		assert_int_equal(finish(st_, ARRAY_SIZE(st_), c_), want);                                              \
		unsigned exp_[_STATUS_MAX] = {0};                                                                      \
		for (size_t i_ = 0; i_ < ARRAY_SIZE(st_); i_++)                                                        \
			exp_[st_[i_]]++;                                                                               \
		assert_memory_equal(c_, exp_, sizeof(exp_));                                                           \
	} while (0)

static void test_report_finish_verdicts(void **state)
{
	(void)state;
	unsigned c[_STATUS_MAX];
	/* Nothing ran: nothing stands in the way. */
	assert_int_equal(finish(NULL, 0, c), VERDICT_READY);
	for (int i = 0; i < _STATUS_MAX; i++)
		assert_int_equal(c[i], 0);

	FINISH(VERDICT_READY, STATUS_PASS);
	FINISH(VERDICT_READY, STATUS_PASS, STATUS_PASS, STATUS_PASS);
	FINISH(VERDICT_READY, STATUS_SKIP);
	FINISH(VERDICT_READY, STATUS_PASS, STATUS_SKIP, STATUS_SKIP);
	FINISH(VERDICT_DEGRADED, STATUS_WARN);
	FINISH(VERDICT_DEGRADED, STATUS_PASS, STATUS_WARN, STATUS_SKIP);
	FINISH(VERDICT_DEGRADED, STATUS_WARN, STATUS_WARN, STATUS_PASS);
	FINISH(VERDICT_NOT_READY, STATUS_FAIL);
	FINISH(VERDICT_NOT_READY, STATUS_PASS, STATUS_FAIL);
	FINISH(VERDICT_NOT_READY, STATUS_WARN, STATUS_FAIL, STATUS_SKIP);
	/* A check that broke is not a pass: the host is not known to be ready. */
	FINISH(VERDICT_NOT_READY, STATUS_ERROR);
	FINISH(VERDICT_NOT_READY, STATUS_PASS, STATUS_PASS, STATUS_ERROR);
	FINISH(VERDICT_NOT_READY, STATUS_WARN, STATUS_ERROR);
	FINISH(VERDICT_NOT_READY, STATUS_SKIP, STATUS_ERROR, STATUS_FAIL, STATUS_WARN, STATUS_PASS);
	/* Order does not matter. */
	FINISH(VERDICT_NOT_READY, STATUS_FAIL, STATUS_PASS, STATUS_PASS);
	FINISH(VERDICT_DEGRADED, STATUS_SKIP, STATUS_SKIP, STATUS_WARN);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_to_string(VERDICT_READY), "ready");
	assert_string_equal(verdict_to_string(VERDICT_DEGRADED), "degraded");
	assert_string_equal(verdict_to_string(VERDICT_NOT_READY), "not_ready");
	assert_string_equal(status_to_string(STATUS_PASS), "pass");
	assert_string_equal(status_to_string(STATUS_SKIP), "skip");
	assert_string_equal(status_to_string(STATUS_WARN), "warn");
	assert_string_equal(status_to_string(STATUS_FAIL), "fail");
	assert_string_equal(status_to_string(STATUS_ERROR), "error");
	assert_string_equal(status_to_string((enum status)99), "error");
	assert_string_equal(where_to_string(WHERE_HOST), "host");
	assert_string_equal(where_to_string(WHERE_CONTAINER), "container");
}

/* ---- runner_run on a small sysroot ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int setup_root(void **state)
{
	char *base = xstrdup("/tmp/nestcheck-unit-runner-XXXXXX");
	if (!mkdtemp(base)) {
		free(base);
		return -1;
	}
	*state = base;
	return 0;
}

static int teardown_root(void **state)
{
	char *base = *state;
	int r = nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(base);
	return r;
}

static void put(const char *base, const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", base, rel);
	for (char *s = p + strlen(base) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				fail_msg("mkdir(%s): %s", p, strerror(errno));
			*s = '/';
		}
	FILE *f = fopen(p, "we");
	if (!f)
		fail_msg("fopen(%s): %s", p, strerror(errno));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void run_only(const char *root, const char *only, struct report *rep)
{
	struct host *h = NULL;
	assert_int_equal(host_new(root, &h), 0);
	struct ctx c;
	ctx_init(&c, h);
	struct selection s = {0};
	const char *bad = NULL;
	assert_int_equal(selection_add(&s.only, only, &bad), 0);
	*rep = (struct report){0};
	runner_run(&c, &s, rep);
	selection_clear(&s);
	ctx_clear(&c);
	host_free(h);
}

static void test_runner_run_kernel_old(void **state)
{
	const char *root = *state;
	put(root, "proc/sys/kernel/osrelease", "2.6.32-042stab134.8\n");
	put(root, "etc/os-release", "NAME=\"CentOS Linux\"\nPRETTY_NAME=\"CentOS Linux 6 (Final)\"\n");
	struct report rep;
	run_only(root, "kernel.version", &rep);
	assert_int_equal(rep.n_results, 1);
	assert_string_equal(rep.results[0].check->id, "kernel.version");
	assert_int_equal(rep.results[0].status, STATUS_FAIL);
	assert_non_null(rep.results[0].summary);
	assert_true(rep.results[0].n_remedies >= 1);
	assert_true(rep.results[0].duration_ms >= 0);
	assert_int_equal(rep.verdict, VERDICT_NOT_READY);
	assert_int_equal(rep.counts[STATUS_FAIL], 1);
	assert_false(rep.live);
	assert_string_equal(rep.kernel_release, "2.6.32-042stab134.8");
	assert_string_equal(rep.os, "CentOS Linux 6 (Final)");
	assert_non_null(rep.container_runtime);
	report_clear(&rep);
}

static void test_runner_run_kernel_ok(void **state)
{
	const char *root = *state;
	put(root, "proc/sys/kernel/osrelease", "4.4.0-21-generic\n");
	/* No etc/os-release: usr/lib/os-release, and NAME without PRETTY_NAME. */
	put(root, "usr/lib/os-release", "NAME=\"Ubuntu\"\nVERSION=\"16.04 LTS (Xenial Xerus)\"\n");
	struct report rep;
	run_only(root, "kernel.version,cgroup", &rep);
	assert_int_equal(rep.n_results, 4);
	assert_string_equal(rep.results[0].check->id, "kernel.version");
	assert_string_equal(rep.results[1].check->id, "cgroup.layout");
	assert_string_equal(rep.results[2].check->id, "cgroup.namespace");
	assert_string_equal(rep.results[3].check->id, "cgroup.delegation");
	assert_int_equal(rep.results[0].status, STATUS_PASS);
	assert_string_equal(rep.kernel_release, "4.4.0-21-generic");
	assert_string_equal(rep.os, "Ubuntu");
	/* Every result has a verdict and a summary; warn and fail carry a fix. */
	unsigned total = 0;
	for (size_t i = 0; i < rep.n_results; i++) {
		assert_non_null(rep.results[i].summary);
		if (rep.results[i].status == STATUS_WARN || rep.results[i].status == STATUS_FAIL)
			assert_true(rep.results[i].n_remedies >= 1);
	}
	for (int i = 0; i < _STATUS_MAX; i++)
		total += rep.counts[i];
	assert_int_equal(total, 4);
	report_clear(&rep);
}

static void test_runner_run_unknown_os(void **state)
{
	const char *root = *state;
	put(root, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
	struct report rep;
	run_only(root, "kernel.version", &rep);
	assert_int_equal(rep.n_results, 1);
	assert_int_equal(rep.results[0].status, STATUS_PASS);
	assert_int_equal(rep.verdict, VERDICT_READY);
	assert_string_equal(rep.os, "unknown");
	report_clear(&rep);

	/* No release at all: the check skips, the report says unknown. */
	char *p = xasprintf("%s/proc/sys/kernel/osrelease", root);
	assert_int_equal(unlink(p), 0);
	free(p);
	run_only(root, "kernel.version", &rep);
	assert_int_equal(rep.results[0].status, STATUS_SKIP);
	assert_int_equal(rep.verdict, VERDICT_READY);
	assert_string_equal(rep.kernel_release, "unknown");
	report_clear(&rep);
}

/* Each probe ahead names checks of the table, the one it waits for (if any) before it, all in the first pass. */
static void test_ahead_table(void **state)
{
	(void)state;
	assert_true(check_ahead_table_size > 0);
	for (size_t i = 0; i < check_ahead_table_size; i++) {
		const struct check_ahead *a = &check_ahead_table[i];
		const struct check *c = find(a->id);
		assert_non_null(a->start);
		assert_int_equal(runner_pass(c), 0);
		if (a->after) {
			const struct check *after = find(a->after);
			assert_true(after < c);
			assert_int_equal(runner_pass(after), 0);
		}
	}
}

/* The checks that read the kernel config or dpkg's status run after the others, a gate last. */
static void test_runner_passes(void **state)
{
	(void)state;
	static const char *const kconfig[] = {"kernel.config", "userns.enabled", "runtime.lxc",	  "runtime.lxcfs",
					      "runtime.lxd",   "runtime.incus",	 "runtime.docker"};
	for (size_t i = 0; i < ARRAY_SIZE(kconfig); i++)
		assert_int_equal(runner_pass(find(kconfig[i])), 1);
	/* What they judge, the probes of the checks before them change (loaded modules, filesystems). */
	assert_int_equal(runner_pass(find("modules.required")), 0);
	assert_int_equal(runner_pass(find("overlay.support")), 0);
	assert_int_equal(runner_pass(find("network.bridge_nf")), 0);
	assert_int_equal(runner_pass(find("policy.gate")), 2);
	assert_int_equal(runner_pass(find("kernel.version")), 0);
	assert_int_equal(runner_pass(find("container.detect")), 0);
	size_t n[3] = {0};
	for (size_t i = 0; i < check_table_size; i++)
		n[runner_pass(&check_table[i])]++;
	assert_int_equal(n[1], ARRAY_SIZE(kconfig));
	assert_int_equal(n[2], 1);
}

static void test_runner_run_order(void **state)
{
	const char *root = *state;
	put(root, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
	put(root, "boot/config-6.1.0-18-amd64", "CONFIG_NAMESPACES=y\nCONFIG_USER_NS=y\n");
	struct report rep;
	run_only(root, "userns,kernel.config,kernel.version,container.detect", &rep);
	static const char *const want[] = {"container.detect", "kernel.version", "kernel.config", "userns.enabled",
					   "userns.idmap"};
	assert_int_equal(rep.n_results, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(rep.results[i].check->id, want[i]);
		assert_non_null(rep.results[i].summary);
	}
	/* The deferred one read the config all the same: two options of the many Docker needs. */
	assert_int_equal(rep.results[2].status, STATUS_FAIL);
	assert_non_null(strstr(rep.results[2].summary, "not enabled"));
	report_clear(&rep);
}

/* Live: what the prefetch threads read is what the getters read by themselves. */
static void test_ctx_prefetch_live(void **state)
{
	(void)state;
	struct host *h = NULL;
	assert_int_equal(host_new(NULL, &h), 0);
	struct ctx a, b;
	ctx_init(&a, h);
	ctx_init(&b, h);
	ctx_prefetch(&b);
	const struct kconfig *ka = NULL, *kb = NULL;
	const char *sa = NULL, *sb = NULL;
	int ra = ctx_kconfig(&a, &ka, &sa), rb = ctx_kconfig(&b, &kb, &sb);
	assert_int_equal(ra, rb);
	assert_true(sa == sb || (sa && sb && streq(sa, sb)));
	if (ra == 0) {
		assert_int_equal(kconfig_count(ka), kconfig_count(kb));
		assert_int_equal(kconfig_get(ka, "NAMESPACES"), kconfig_get(kb, "NAMESPACES"));
	}
	const struct dpkg_status *da = NULL, *db = NULL;
	ra = ctx_dpkg(&a, &da);
	rb = ctx_dpkg(&b, &db);
	assert_int_equal(ra, rb);
	if (ra == 0)
		assert_int_equal(da->n, db->n);
	ctx_clear(&a);
	ctx_clear(&b);

	/* Cleared before a getter took the results: the threads are joined, nothing leaks (ASan). */
	ctx_init(&b, h);
	ctx_prefetch(&b);
	ctx_clear(&b);
	/* A replay has none: its host is not to be shared. */
	host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_area),
		cmocka_unit_test(test_selector_id),
		cmocka_unit_test(test_selector_no_match),
		cmocka_unit_test(test_selection_add_ok),
		cmocka_unit_test(test_selection_add_unknown),
		cmocka_unit_test(test_selection_wants),
		cmocka_unit_test(test_selection_gate_and_lxd),
		cmocka_unit_test(test_report_finish_verdicts),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_runner_run_kernel_old, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_runner_run_kernel_ok, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_runner_run_unknown_os, setup_root, teardown_root),
		cmocka_unit_test(test_runner_passes),
		cmocka_unit_test(test_ahead_table),
		cmocka_unit_test_setup_teardown(test_runner_run_order, setup_root, teardown_root),
		cmocka_unit_test(test_ctx_prefetch_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
