/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the network checks' parsers (iptables output, probe values, sysctls, daemon.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "core/parse.h"
#include "checks/network/parse.h"
#include "checks/network/probe.h"
#include "core/util.h"

static void assert_version(const char *line, const char *want_version, enum iptables_backend want_backend)
{
	char *version = NULL;
	enum iptables_backend b = 99;
	int r = iptables_version_parse(line, &version, &b);
	if (r != 0)
		fail_msg("iptables_version_parse(\"%s\") = %d, want 0", line, r);
	assert_string_equal(version, want_version);
	assert_int_equal(b, want_backend);
	free(version);
}

static void test_iptables_version(void **state)
{
	(void)state;
	assert_version("iptables v1.8.9 (nf_tables)", "1.8.9", IPTABLES_BACKEND_NFT);
	assert_version("iptables v1.8.7 (legacy)", "1.8.7", IPTABLES_BACKEND_LEGACY);
	assert_version("iptables v1.8.10 (nf_tables)\n", "1.8.10", IPTABLES_BACKEND_NFT);
	assert_version("ip6tables v1.8.9 (legacy)", "1.8.9", IPTABLES_BACKEND_LEGACY);
	/* Before 1.8 there was no backend to name: legacy. */
	assert_version("iptables v1.4.21", "1.4.21", IPTABLES_BACKEND_LEGACY);
	assert_version("iptables v1.6.1\r\n", "1.6.1", IPTABLES_BACKEND_LEGACY);
	/* Output pointers are optional. */
	assert_int_equal(iptables_version_parse("iptables v1.8.9 (nf_tables)", NULL, NULL), 0);
	assert_string_equal(iptables_backend_to_string(IPTABLES_BACKEND_NFT), "nf_tables");
	assert_string_equal(iptables_backend_to_string(IPTABLES_BACKEND_LEGACY), "legacy");
	assert_string_equal(iptables_backend_to_string(IPTABLES_BACKEND_UNKNOWN), "unknown");
}

static void test_iptables_version_junk(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"",
		"missing",
		"iptables",
		"iptables v",
		"iptables v1.8.9 (nftables)",
		"iptables v1.8.9 (nf_tables) trailing",
		"iptables v.8.9 (legacy)",
		"iptables v1.8. (legacy)",
		"ebtables v1.8.9 (nf_tables)",
		"exit=1 iptables: command not found",
		"iptables vX (legacy)",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		char *version = (char *)0x1;
		enum iptables_backend b = 99;
		int r = iptables_version_parse(junk[i], &version, &b);
		if (r != -EBADMSG)
			fail_msg("\"%s\": got %d, want -EBADMSG", junk[i], r);
		assert_ptr_equal(version, (char *)0x1);
		assert_int_equal(b, 99);
	}
}

static void test_iptables_run_values(void **state)
{
	(void)state;
	struct iptables_run run;

	assert_int_equal(iptables_run_parse("ok rules=12", &run), 0);
	assert_int_equal(run.outcome, IPTABLES_OK);
	assert_int_equal(run.rules, 12);
	assert_string_equal(run.message, "");
	iptables_run_clear(&run);

	assert_int_equal(iptables_run_parse("exit=3 iptables v1.8.7 (legacy): can't initialize iptables table "
					    "`nat': Table does not exist (do you need to insmod?)",
					    &run),
			 0);
	assert_int_equal(run.outcome, IPTABLES_FAILED);
	assert_int_equal(run.code, 3);
	assert_true(startswith(run.message, "iptables v1.8.7 (legacy): can't"));
	iptables_run_clear(&run);

	assert_int_equal(iptables_run_parse("exit=4", &run), 0);
	assert_int_equal(run.outcome, IPTABLES_FAILED);
	assert_string_equal(run.message, "");
	iptables_run_clear(&run);

	assert_int_equal(iptables_run_parse("signal=9", &run), 0);
	assert_int_equal(run.outcome, IPTABLES_SIGNAL);
	assert_int_equal(run.code, 9);
	iptables_run_clear(&run);

	assert_int_equal(iptables_run_parse("timeout", &run), 0);
	assert_int_equal(run.outcome, IPTABLES_TIMEOUT);
	iptables_run_clear(&run);
	assert_int_equal(iptables_run_parse("missing", &run), 0);
	assert_int_equal(run.outcome, IPTABLES_MISSING);
	iptables_run_clear(&run);
	assert_int_equal(iptables_run_parse("not-root", &run), 0);
	assert_int_equal(run.outcome, IPTABLES_NOT_ROOT);
	iptables_run_clear(&run);
}

static void test_iptables_run_junk(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"",	    "ok",	"ok rules=",   "ok rules=-1",  "ok rules=1x", "ok rules=99999999999", "exit=",
		"exit=0",   "exit=256", "exit=3x msg", "exit=-1 msg",  "signal=0",    "signal=129",	      "signal=",
		"timeout ", "Missing",	"not root",    "exit=1\nmore", "OK rules=1",  " ok rules=1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct iptables_run run = {.outcome = 77};
		int r = iptables_run_parse(junk[i], &run);
		if (r != -EBADMSG)
			fail_msg("\"%s\": got %d, want -EBADMSG", junk[i], r);
		assert_int_equal(run.outcome, 77);
		assert_null(run.message);
	}
}

static void test_iptables_run_round_trip(void **state)
{
	(void)state;
	struct iptables_run runs[] = {
		{IPTABLES_OK, 0, 7, NULL},
		{IPTABLES_FAILED, 1, 0,
		 "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: "
		 "Permission denied (you must be root)"},
		{IPTABLES_FAILED, 2, 0, ""},
		{IPTABLES_SIGNAL, 11, 0, NULL},
		{IPTABLES_TIMEOUT, 0, 0, NULL},
		{IPTABLES_MISSING, 0, 0, NULL},
		{IPTABLES_NOT_ROOT, 0, 0, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		_cleanup_free_ char *v = iptables_run_format(&runs[i]);
		struct iptables_run back;
		if (iptables_run_parse(v, &back) != 0)
			fail_msg("\"%s\" does not parse back", v);
		assert_int_equal(back.outcome, runs[i].outcome);
		assert_int_equal(back.code, runs[i].code);
		assert_int_equal(back.rules, runs[i].rules);
		assert_string_equal(back.message, runs[i].message ? runs[i].message : "");
		iptables_run_clear(&back);
	}
}

static void test_iptables_error_classify(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		enum iptables_error want;
	} cases[] = {
		{"iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist (do you "
		 "need to insmod?) | Perhaps iptables or your kernel needs to be upgraded.",
		 IPTABLES_ERR_NO_TABLE},
		{"iptables v1.6.1: can't initialize iptables table `raw': Table does not exist (do you need to insmod?)",
		 IPTABLES_ERR_NO_TABLE},
		{"iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Invalid argument",
		 IPTABLES_ERR_NO_TABLE},
		{"iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must "
		 "be root)",
		 IPTABLES_ERR_PERMISSION},
		{"iptables v1.8.7 (legacy): can't initialize iptables table `filter': Permission denied (you must be "
		 "root)",
		 IPTABLES_ERR_PERMISSION},
		{"Fatal: can't open lock file /run/xtables.lock: Permission denied", IPTABLES_ERR_PERMISSION},
		{"Another app is currently holding the xtables lock. Perhaps you want to use the -w option?",
		 IPTABLES_ERR_LOCKED},
		{"ip6tables v1.8.7 (legacy): can't initialize ip6tables table `nat': Address family not supported by "
		 "protocol",
		 IPTABLES_ERR_NO_FAMILY},
		{"iptables: Segmentation fault", IPTABLES_ERR_OTHER},
		{"", IPTABLES_ERR_OTHER},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum iptables_error e = iptables_error_classify(cases[i].msg);
		if (e != cases[i].want)
			fail_msg("case %zu \"%s\": got %d, want %d", i, cases[i].msg, e, cases[i].want);
	}
}

static void test_iptables_error_classify_rehearsal(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		enum iptables_error want;
	} cases[] = {
		/* This machine, xtables directory hidden: nft takes the target for a chain. */
		{"iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist", IPTABLES_ERR_NO_EXTENSION},
		{"iptables v1.8.9 (nf_tables): Chain 'MASQUERADE' does not exist", IPTABLES_ERR_NO_EXTENSION},
		{"iptables v1.8.9 (nf_tables): Couldn't load match `addrtype':No such file or directory",
		 IPTABLES_ERR_NO_EXTENSION},
		{"iptables v1.8.9 (legacy): Couldn't load target `standard':No such file or directory",
		 IPTABLES_ERR_NO_EXTENSION},
		{"iptables v1.6.1: unknown option \"--dst-type\"", IPTABLES_ERR_NO_EXTENSION},
		{"iptables: No chain/target/match by that name.", IPTABLES_ERR_NO_KERNEL_MATCH},
		{"iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Operation not supported",
		 IPTABLES_ERR_NOT_SUPPORTED},
		/* The table's message wins over the words "does not exist". */
		{"iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist (do you need "
		 "to insmod?)",
		 IPTABLES_ERR_NO_TABLE},
		{"iptables v1.8.9 (nf_tables): Chain 'DOCKER' already exists", IPTABLES_ERR_OTHER},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum iptables_error e = iptables_error_classify(cases[i].msg);
		if (e != cases[i].want)
			fail_msg("case %zu \"%s\": got %d, want %d", i, cases[i].msg, e, cases[i].want);
	}
}

static void test_rehearsal_values(void **state)
{
	(void)state;
	struct iptables_rehearsal reh;

	assert_int_equal(iptables_rehearsal_parse("ok rules=23 ms=9", &reh), 0);
	assert_int_equal(reh.outcome, REHEARSAL_OK);
	assert_int_equal(reh.rules, 23);
	assert_int_equal(reh.ms, 9);
	iptables_rehearsal_clear(&reh);

	/* What this machine recorded with its xtables directory hidden. */
	assert_int_equal(iptables_rehearsal_parse("failed ms=13 rule=iptables --wait -A DOCKER-ISOLATION-STAGE-1 -j "
						  "RETURN; exit=2 iptables v1.8.9 (nf_tables): Chain 'RETURN' does "
						  "not exist",
						  &reh),
			 0);
	assert_int_equal(reh.outcome, REHEARSAL_FAILED);
	assert_int_equal(reh.ms, 13);
	assert_string_equal(reh.rule, "iptables --wait -A DOCKER-ISOLATION-STAGE-1 -j RETURN");
	assert_int_equal(reh.run.outcome, IPTABLES_FAILED);
	assert_int_equal(reh.run.code, 2);
	assert_string_equal(reh.run.message, "iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist");
	assert_int_equal(iptables_error_classify(reh.run.message), IPTABLES_ERR_NO_EXTENSION);
	iptables_rehearsal_clear(&reh);

	assert_int_equal(
		iptables_rehearsal_parse("failed ms=9800 rule=iptables --wait -t nat -N DOCKER; timeout", &reh), 0);
	assert_int_equal(reh.run.outcome, IPTABLES_TIMEOUT);
	iptables_rehearsal_clear(&reh);

	assert_int_equal(iptables_rehearsal_parse("unshare=EPERM", &reh), 0);
	assert_int_equal(reh.outcome, REHEARSAL_NO_NETNS);
	assert_int_equal(reh.err, -EPERM);
	iptables_rehearsal_clear(&reh);
	assert_int_equal(iptables_rehearsal_parse("timeout ms=10000", &reh), 0);
	assert_int_equal(reh.outcome, REHEARSAL_TIMEOUT);
	assert_int_equal(reh.ms, 10000);
	iptables_rehearsal_clear(&reh);
	assert_int_equal(iptables_rehearsal_parse("not-root", &reh), 0);
	assert_int_equal(reh.outcome, REHEARSAL_NOT_ROOT);
	iptables_rehearsal_clear(&reh);
	assert_int_equal(iptables_rehearsal_parse("missing", &reh), 0);
	assert_int_equal(reh.outcome, REHEARSAL_MISSING);
	iptables_rehearsal_clear(&reh);
}

static void test_rehearsal_junk(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"",
		"ok",
		"ok rules=23",
		"ok rules=23 ms=",
		"ok rules=x ms=1",
		"ok rules=23 ms=9 more",
		"ok rules=-1 ms=9",
		"failed",
		"failed ms=1",
		"failed ms=1 rule=",
		"failed ms=1 rule=iptables -N X",
		"failed ms=1 rule=; exit=2 msg",
		"failed ms=1 rule=iptables -N X; ok rules=0",
		"failed ms=1 rule=iptables -N X; missing",
		"failed ms=1 rule=iptables -N X; exit=0",
		"failed ms=x rule=iptables -N X; exit=2",
		"failed rule=iptables -N X; exit=2",
		"unshare=",
		"unshare=eperm",
		"unshare=EPERM x",
		"timeout",
		"timeout ms=",
		"Not-root",
		"ok rules=1 ms=99999999999",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct iptables_rehearsal reh = {.outcome = 77};
		int r = iptables_rehearsal_parse(junk[i], &reh);
		if (r != -EBADMSG)
			fail_msg("\"%s\": got %d, want -EBADMSG", junk[i], r);
		assert_int_equal(reh.outcome, 77);
		assert_null(reh.rule);
	}
}

static void test_rehearsal_round_trip(void **state)
{
	(void)state;
	struct iptables_rehearsal cases[] = {
		{.outcome = REHEARSAL_OK, .rules = 23, .ms = 12},
		{.outcome = REHEARSAL_FAILED,
		 .ms = 40,
		 .rule = "iptables --wait -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
		 .run = {IPTABLES_FAILED, 1, 0, "iptables: No chain/target/match by that name."}},
		{.outcome = REHEARSAL_FAILED,
		 .ms = 3,
		 .rule = "iptables --wait -t nat -N DOCKER",
		 .run = {IPTABLES_SIGNAL, 11, 0, NULL}},
		{.outcome = REHEARSAL_NO_NETNS, .err = -EPERM},
		{.outcome = REHEARSAL_TIMEOUT, .ms = 10000},
		{.outcome = REHEARSAL_NOT_ROOT},
		{.outcome = REHEARSAL_MISSING},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *v = iptables_rehearsal_format(&cases[i]);
		struct iptables_rehearsal back;
		if (iptables_rehearsal_parse(v, &back) != 0)
			fail_msg("\"%s\" does not parse back", v);
		assert_int_equal(back.outcome, cases[i].outcome);
		assert_int_equal(back.rules, cases[i].rules);
		assert_int_equal(back.ms, cases[i].ms);
		assert_int_equal(back.err, cases[i].err);
		if (cases[i].rule) {
			assert_string_equal(back.rule, cases[i].rule);
			assert_int_equal(back.run.outcome, cases[i].run.outcome);
			assert_int_equal(back.run.code, cases[i].run.code);
		}
		_cleanup_free_ char *again = iptables_rehearsal_format(&back);
		assert_string_equal(again, v);
		iptables_rehearsal_clear(&back);
	}
}

static void test_rule_modules(void **state)
{
	(void)state;
	struct strv m = {0};
	iptables_rule_modules(
		"iptables --wait -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER", &m);
	iptables_rule_modules("iptables --wait -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j "
			      "ACCEPT",
			      &m);
	iptables_rule_modules("iptables --wait -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE", &m);
	iptables_rule_modules("iptables --wait -t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT "
			      "--to-destination 172.17.0.2:80",
			      &m);
	/* Once each; words inside other words do not count. */
	iptables_rule_modules("iptables --wait -A X -m addrtypes -j MASQUERADEX -m addrtype", &m);
	_cleanup_free_ char *all = strv_join(&m, " ");
	assert_string_equal(all, "xt_addrtype xt_conntrack xt_MASQUERADE xt_tcpudp xt_nat");
	strv_clear(&m);
	iptables_rule_modules("iptables --wait -A DOCKER-USER -j RETURN", &m);
	assert_int_equal(m.n, 0);
}

static void test_other_backend_values(void **state)
{
	(void)state;
	char *program = (char *)0x1;
	int docker = 7;
	assert_int_equal(iptables_other_parse("none", &program, &docker), 0);
	assert_null(program);
	assert_int_equal(docker, -1);
	assert_int_equal(iptables_other_parse("unused", &program, &docker), 0);
	assert_null(program);
	assert_int_equal(iptables_other_parse("iptables-legacy docker=5", &program, &docker), 0);
	assert_string_equal(program, "iptables-legacy");
	assert_int_equal(docker, 5);
	free(program);
	assert_int_equal(
		iptables_other_parse("iptables-nft exit=1 iptables v1.8.9 (nf_tables): oops", &program, &docker), 0);
	assert_string_equal(program, "iptables-nft");
	assert_int_equal(docker, -1);
	free(program);

	static const char *const junk[] = {"",
					   "iptables-legacy",
					   "iptables-legacy ",
					   "iptables-legacy docker=",
					   "iptables-legacy docker=x",
					   "iptables-legacy docker=1 more",
					   "iptables-legacy ok rules=3",
					   "docker=1",
					   "rm -rf docker=1",
					   "None"};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		program = (char *)0x1;
		docker = 7;
		int r = iptables_other_parse(junk[i], &program, &docker);
		if (r != -EBADMSG)
			fail_msg("\"%s\": got %d, want -EBADMSG", junk[i], r);
		assert_ptr_equal(program, (char *)0x1);
		assert_int_equal(docker, 7);
	}
}

static void test_sysctl_bool(void **state)
{
	(void)state;
	bool v = false;
	assert_int_equal(sysctl_bool_parse("1\n", &v), 0);
	assert_true(v);
	assert_int_equal(sysctl_bool_parse("0", &v), 0);
	assert_false(v);
	assert_int_equal(sysctl_bool_parse(" 1 \r\n", &v), 0);
	assert_true(v);

	static const char *const junk[] = {"", "\n", "2", "10", "01", "1 1", "yes", "-1", "1x", "0\n1\n"};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		bool w = true;
		int r = sysctl_bool_parse(junk[i], &w);
		if (r != -EBADMSG)
			fail_msg("\"%s\": got %d, want -EBADMSG", junk[i], r);
		assert_true(w);
	}
}

static void test_daemon_json_bool(void **state)
{
	(void)state;
	bool v = true;
	const char *json = "{\"icc\": false, \"userland-proxy\": true, \"iptables\": \"yes\", \"ip6tables\": null}";
	assert_int_equal(docker_daemon_bool(json, "icc", &v), 0);
	assert_false(v);
	assert_int_equal(docker_daemon_bool(json, "userland-proxy", &v), 0);
	assert_true(v);
	/* A string is not a boolean (dockerd refuses it too). */
	assert_int_equal(docker_daemon_bool(json, "iptables", &v), -EBADMSG);
	assert_int_equal(docker_daemon_bool(json, "ip6tables", &v), -ENOENT);
	assert_int_equal(docker_daemon_bool(json, "missing", &v), -ENOENT);
	assert_int_equal(docker_daemon_bool("{}", "icc", &v), -ENOENT);
	/* Nested keys are not top-level keys. */
	assert_int_equal(docker_daemon_bool("{\"x\": {\"icc\": false}}", "icc", &v), -ENOENT);

	static const char *const bad[] = {
		"", "{", "[]", "{\"icc\": false} {}", "nul", "{\"icc\": False}", "{\"icc\": false,}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = true;
		int r = docker_daemon_bool(bad[i], "icc", &v);
		if (r != -EBADMSG)
			fail_msg("\"%s\": got %d, want -EBADMSG", bad[i], r);
		assert_true(v);
	}
}

/* ---- the probes, against fake iptables programs found through PATH ---- */

struct pfx {
	char dir[64];
	char *saved_path;
};

static int probe_setup(void **state)
{
	struct pfx *f = xcalloc(1, sizeof(*f));
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/nestcheck-unit-network-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	const char *p = getenv("PATH");
	f->saved_path = xstrdup(p ? p : "/usr/bin:/bin");
	setenv("PATH", f->dir, 1);
	probe_network_timeout_ms = 1500;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int probe_teardown(void **state)
{
	struct pfx *f = *state;
	probe_network_timeout_ms = IPTABLES_TIMEOUT_MS;
	if (f->saved_path)
		setenv("PATH", f->saved_path, 1);
	int r = f->dir[0] ? nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) : 0;
	free(f->saved_path);
	free(f);
	return r;
}

/* A fake PROGRAM in the test's PATH directory: a shell script. */
static void fake(const struct pfx *f, const char *program, const char *script)
{
	char *p = xasprintf("%s/%s", f->dir, program);
	FILE *o = fopen(p, "we");
	assert_non_null(o);
	fprintf(o, "#!/bin/sh\n%s\n", script);
	assert_int_equal(fclose(o), 0);
	assert_int_equal(chmod(p, 0755), 0);
	free(p);
}

static char *observe(host_probe_fn fn, void *userdata)
{
	char *v = NULL;
	int r = fn(userdata, &v);
	if (r != 0)
		fail_msg("probe = %d", r);
	assert_non_null(v);
	return v;
}

static void test_probe_version(void **state)
{
	struct pfx *f = *state;
	/* Every sbin directory is searched too: look for a name no system has. */
	char *v = observe(probe_iptables_version, "nestcheck-no-such-iptables");
	assert_string_equal(v, "missing");
	free(v);

	fake(f, "nestcheck-ipt", "[ \"$1\" = -V ] && echo 'iptables v1.8.7 (legacy)' && exit 0; exit 2");
	v = observe(probe_iptables_version, "nestcheck-ipt");
	assert_string_equal(v, "iptables v1.8.7 (legacy)");
	free(v);

	fake(f, "nestcheck-ipt", "echo 'iptables: broken library' >&2; exit 1");
	v = observe(probe_iptables_version, "nestcheck-ipt");
	assert_string_equal(v, "exit=1 iptables: broken library");
	free(v);

	/* The path probe names the program and what it resolves to. */
	v = observe(probe_iptables_path, "nestcheck-ipt");
	assert_true(startswith(v, f->dir));
	free(v);
}

static void test_probe_list(void **state)
{
	struct pfx *f = *state;
	if (geteuid() != 0) {
		struct iptables_list_probe q = {"nestcheck-ipt", "nat"};
		char *v = observe(probe_iptables_list, &q);
		assert_string_equal(v, "not-root");
		free(v);
		skip();
	}
	struct iptables_list_probe q = {"nestcheck-ipt", "nat"};
	char *v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "missing");
	free(v);

	/* Arguments as dockerd's iptables gets them; rules counted; the legacy-tables note is not an error. */
	fake(f, "nestcheck-ipt",
	     "[ \"$1 $2 $3\" = '-t nat -S' ] || exit 9\n"
	     "echo '# Warning: iptables-legacy tables present, use iptables-legacy to see them' >&2\n"
	     "printf '%s\\n' '-P PREROUTING ACCEPT' '-N DOCKER' '-A PREROUTING -j DOCKER' "
	     "'-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'");
	v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "ok rules=2");
	free(v);

	fake(f, "nestcheck-ipt",
	     "echo '# Warning: iptables-legacy tables present' >&2\n"
	     "echo \"iptables v1.8.7 (legacy): can't initialize iptables table \\`nat': Table does not exist (do "
	     "you need to insmod?)\" >&2\n"
	     "echo 'Perhaps iptables or your kernel needs to be upgraded.' >&2\necho third >&2\nexit 3");
	v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "exit=3 iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does "
			       "not exist (do you need to insmod?) | Perhaps iptables or your kernel needs to be "
			       "upgraded.");
	struct iptables_run run;
	assert_int_equal(iptables_run_parse(v, &run), 0);
	assert_int_equal(iptables_error_classify(run.message), IPTABLES_ERR_NO_TABLE);
	iptables_run_clear(&run);
	free(v);

	/* Control bytes in the message are made safe to record and print. */
	fake(f, "nestcheck-ipt", "printf 'bad\\033[31m\\001news\\n' >&2; exit 1");
	v = observe(probe_iptables_list, &q);
	assert_null(strchr(v, '\033'));
	assert_true(startswith(v, "exit=1 bad"));
	free(v);
}

static void test_probe_list_hangs_and_signals(void **state)
{
	struct pfx *f = *state;
	if (geteuid() != 0)
		skip();
	struct iptables_list_probe q = {"nestcheck-ipt", "filter"};
	/* exec: the shell becomes sleep, so the kill reaches the sleeper itself. */
	fake(f, "nestcheck-ipt", "exec sleep 30");
	time_t t0 = time(NULL);
	char *v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "timeout");
	assert_true(time(NULL) - t0 < 10);
	free(v);

	fake(f, "nestcheck-ipt", "kill -SEGV $$");
	v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "signal=11");
	free(v);

	/* A closed stdout does not end the wait: the exit does. */
	fake(f, "nestcheck-ipt", "exec >&- 2>&-; sleep 0.2; exit 0");
	v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "ok rules=0");
	free(v);

	/* Output past the cap is read and dropped; the child never blocks on a full pipe. */
	fake(f, "nestcheck-ipt",
	     "i=0; while [ $i -lt 20000 ]; do echo '-A INPUT -j ACCEPT xxxxxxxxxxxxxxxxxxxxxxxx'; "
	     "i=$((i+1)); done");
	v = observe(probe_iptables_list, &q);
	assert_true(startswith(v, "ok rules="));
	free(v);
}

static void test_probe_list_lock_retry(void **state)
{
	struct pfx *f = *state;
	if (geteuid() != 0)
		skip();
	struct iptables_list_probe q = {"nestcheck-ipt", "raw"};
	/* Held twice, then free: the probe retries. */
	char *script =
		xasprintf("n=$(cat %s/count 2>/dev/null || echo 0); echo $((n+1)) >%s/count\n"
			  "[ $n -ge 2 ] && exit 0\n"
			  "echo 'Another app is currently holding the xtables lock. Perhaps you want to use the -w "
			  "option?' >&2; exit 4",
			  f->dir, f->dir);
	fake(f, "nestcheck-ipt", script);
	free(script);
	char *v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "ok rules=0");
	free(v);
	/* Held for good: the lock error is what is recorded. */
	fake(f, "nestcheck-ipt", "echo 'Another app is currently holding the xtables lock.' >&2; exit 4");
	v = observe(probe_iptables_list, &q);
	assert_string_equal(v, "exit=4 Another app is currently holding the xtables lock.");
	free(v);
}

/* The value's fields, ms aside (it varies). */
static void assert_rehearsal(const char *v, enum rehearsal_outcome outcome, const char *rule, const char *run)
{
	struct iptables_rehearsal reh;
	if (iptables_rehearsal_parse(v, &reh) != 0)
		fail_msg("\"%s\" does not parse", v);
	assert_int_equal(reh.outcome, outcome);
	if (rule)
		assert_string_equal(reh.rule, rule);
	if (run) {
		_cleanup_free_ char *got = iptables_run_format(&reh.run);
		assert_string_equal(got, run);
	}
	iptables_rehearsal_clear(&reh);
}

static unsigned lines_of(const char *path)
{
	FILE *o = fopen(path, "re");
	if (!o)
		return 0;
	unsigned n = 0;
	for (int ch; (ch = fgetc(o)) != EOF;)
		n += ch == '\n';
	fclose(o);
	return n;
}

static void test_probe_rehearsal(void **state)
{
	struct pfx *f = *state;
	if (geteuid() != 0) {
		char *v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
		assert_string_equal(v, "not-root");
		free(v);
		skip();
	}
	char *v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	assert_string_equal(v, "missing");
	free(v);

	/*
	 * Every command, as dockerd runs it, in a network namespace other than
	 * this one; iptables without its extensions fails the first RETURN.
	 */
	char *script =
		xasprintf("echo \"$(readlink /proc/self/ns/net) $*\" >>%s/log\n"
			  "case \"$*\" in *'-j RETURN'*)\n"
			  "  echo \"iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist\" >&2\n"
			  "  echo \"Try \\`iptables -h' or 'iptables --help' for more information.\" >&2; exit 2;;\n"
			  "esac",
			  f->dir);
	fake(f, "nestcheck-ipt", script);
	free(script);
	v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	assert_rehearsal(v, REHEARSAL_FAILED, "nestcheck-ipt --wait -A DOCKER-ISOLATION-STAGE-1 -j RETURN",
			 "exit=2 iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist");
	free(v);
	char *log = xasprintf("%s/log", f->dir);
	FILE *o = fopen(log, "re");
	assert_non_null(o);
	char line[512], ours[64] = "";
	assert_non_null(fgets(line, sizeof(line), o));
	fclose(o);
	assert_true(readlink("/proc/self/ns/net", ours, sizeof(ours) - 1) > 0);
	assert_false(startswith(line, ours));
	assert_true(strstr(line, " --wait -t nat -N DOCKER\n") != NULL);
	assert_int_equal(lines_of(log), 5);
	unlink(log);

	/* All pass: the whole program, one command at a time (no -restore next to it). */
	fake(f, "nestcheck-ipt", "exit 0");
	v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	size_t n;
	char **cmds = iptables_rehearsal_commands("nestcheck-ipt", &n);
	_cleanup_free_ char *want = xasprintf("ok rules=%zu ", n);
	assert_true(startswith(v, want));
	free(v);
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);

	/* A -restore of the same binary takes the whole program at once... */
	script = xasprintf("case \"$0\" in *-restore) cp \"$3\" %s/restored; echo \"$1 $2\" >>%s/log; exit 0;; esac\n"
			   "echo \"$*\" >>%s/log",
			   f->dir, f->dir, f->dir);
	fake(f, "nestcheck-ipt", script);
	free(script);
	char *link = xasprintf("%s/nestcheck-ipt-restore", f->dir);
	assert_int_equal(symlink("nestcheck-ipt", link), 0);
	v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	assert_true(startswith(v, want));
	free(v);
	assert_int_equal(lines_of(log), 1);
	char *restored = xasprintf("%s/restored", f->dir);
	o = fopen(restored, "re");
	assert_non_null(o);
	assert_non_null(fgets(line, sizeof(line), o));
	assert_string_equal(line, "*nat\n");
	assert_non_null(fgets(line, sizeof(line), o));
	assert_string_equal(line, ":DOCKER - [0:0]\n");
	fclose(o);
	free(restored);
	unlink(log);

	/* ...and when it fails, the commands one by one name the rule. */
	fake(f, "nestcheck-ipt",
	     "case \"$0\" in *-restore) echo 'restore: line 3 failed' >&2; exit 1;; esac\n"
	     "case \"$*\" in *MASQUERADE*) echo 'iptables: No chain/target/match by that name.' >&2; exit 1;; esac");
	v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	assert_rehearsal(v, REHEARSAL_FAILED,
			 "nestcheck-ipt --wait -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
			 "exit=1 iptables: No chain/target/match by that name.");
	free(v);
	unlink(link);
	free(link);
	free(log);
}

static void test_probe_rehearsal_hangs(void **state)
{
	struct pfx *f = *state;
	if (geteuid() != 0)
		skip();
	/* A hung iptables is named, within the bound, and killed: nothing is left behind. */
	char *script = xasprintf("echo $$ >>%s/pids; exec sleep 30", f->dir);
	fake(f, "nestcheck-ipt", script);
	free(script);
	time_t t0 = time(NULL);
	char *v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	assert_true(time(NULL) - t0 < 5);
	assert_rehearsal(v, REHEARSAL_FAILED, "nestcheck-ipt --wait -t nat -N DOCKER", "timeout");
	free(v);
	char *pids = xasprintf("%s/pids", f->dir);
	FILE *o = fopen(pids, "re");
	assert_non_null(o);
	long pid;
	while (fscanf(o, "%ld", &pid) == 1) {
		int tries = 0;
		while (kill((pid_t)pid, 0) == 0 && tries++ < 200)
			usleep(10 * 1000);
		assert_int_equal(kill((pid_t)pid, 0), -1);
	}
	fclose(o);
	free(pids);

	fake(f, "nestcheck-ipt", "kill -SEGV $$");
	v = observe(probe_iptables_rehearsal, "nestcheck-ipt");
	assert_rehearsal(v, REHEARSAL_FAILED, "nestcheck-ipt --wait -t nat -N DOCKER", "signal=11");
	free(v);
}

static void test_probe_other_backend(void **state)
{
	struct pfx *f = *state;
	struct iptables_other_probe q = {"nestcheck-ipt", IPTABLES_BACKEND_LEGACY};
	char *v = NULL;
	if (geteuid() != 0) {
		assert_int_equal(probe_iptables_other_backend(&q, &v), -EPERM);
		skip();
	}
	v = observe(probe_iptables_other_backend, &q);
	assert_string_equal(v, "none");
	free(v);
	/*
	 * nf_tables' other side is legacy: listed only when this network
	 * namespace holds a legacy nat table already (else listing could load
	 * its modules); then Docker's lines are counted.
	 */
	fake(f, "nestcheck-ipt-legacy",
	     "[ \"$1 $2 $3\" = '-t nat -S' ] || exit 9\n"
	     "printf '%s\\n' '-P PREROUTING ACCEPT' '-N DOCKER' '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER'");
	q.backend = IPTABLES_BACKEND_NFT;
	v = observe(probe_iptables_other_backend, &q);
	if (!streq(v, "unused"))
		assert_string_equal(v, "nestcheck-ipt-legacy docker=2");
	free(v);
	q.backend = IPTABLES_BACKEND_UNKNOWN;
	assert_int_equal(probe_iptables_other_backend(&q, &v), -ENODATA);
}

static void test_probe_sysctl_writable(void **state)
{
	struct pfx *f = *state;
	char *path = xasprintf("%s/ip_forward", f->dir);
	char *v = NULL;
	if (geteuid() != 0) {
		assert_int_equal(probe_sysctl_writable(path, &v), -EPERM);
		free(path);
		skip();
	}
	assert_int_equal(probe_sysctl_writable(path, &v), 0);
	assert_string_equal(v, "ENOENT");
	free(v);
	FILE *o = fopen(path, "we");
	fputs("0\n", o);
	fclose(o);
	assert_int_equal(probe_sysctl_writable(path, &v), 0);
	assert_string_equal(v, "writable");
	free(v);
	/* Nothing was written. */
	o = fopen(path, "re");
	char buf[8] = {0};
	assert_non_null(fgets(buf, sizeof(buf), o));
	fclose(o);
	assert_string_equal(buf, "0\n");
	free(path);
}

#define P(fn) cmocka_unit_test_setup_teardown(fn, probe_setup, probe_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iptables_version),
		cmocka_unit_test(test_iptables_version_junk),
		cmocka_unit_test(test_iptables_run_values),
		cmocka_unit_test(test_iptables_run_junk),
		cmocka_unit_test(test_iptables_run_round_trip),
		cmocka_unit_test(test_iptables_error_classify),
		cmocka_unit_test(test_iptables_error_classify_rehearsal),
		cmocka_unit_test(test_rehearsal_values),
		cmocka_unit_test(test_rehearsal_junk),
		cmocka_unit_test(test_rehearsal_round_trip),
		cmocka_unit_test(test_rule_modules),
		cmocka_unit_test(test_other_backend_values),
		cmocka_unit_test(test_sysctl_bool),
		cmocka_unit_test(test_daemon_json_bool),
		P(test_probe_version),
		P(test_probe_list),
		P(test_probe_list_hangs_and_signals),
		P(test_probe_list_lock_retry),
		P(test_probe_rehearsal),
		P(test_probe_rehearsal_hangs),
		P(test_probe_other_backend),
		P(test_probe_sysctl_writable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
