/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"
#include "checks/modules/state.h"
#include "parse.h"
#include "probe.h"

#include <libmount.h>

/*
 * Whether dockerd (root) could write the sysctl file at path: 1, 0, or
 * -ENODATA. Live it is probed (an O_WRONLY open); in replay, or when not run
 * as root, the mount table decides: a read-only mount (LXC's proc:mixed,
 * Docker's /proc/sys) cannot be written.
 */
static int sysctl_writable(struct ctx *c, struct result *r, const char *path, const char *evkey)
{
	_cleanup_free_ char *key = xasprintf("network.sysctl.writable:%s", path);
	_cleanup_free_ char *abs = xasprintf("/%s", path);
	const char *v;

	if (host_observe(c->host, key, probe_sysctl_writable, abs, &v) == 0) {
		bool yes = streq(v, "writable");
		result_evidence_string(r, evkey, "%s (probed)", yes ? "yes" : v);
		return yes;
	}

	struct libmnt_table *tb;
	const char *fstype, *target;
	if (ctx_mounts(c, &tb) == 0 && mounts_covering(tb, abs, &fstype, &target) == 0) {
		struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
		struct libmnt_fs *fs, *found = NULL;
		while (it && mnt_table_next_fs(tb, it, &fs) == 0)
			if (mnt_fs_get_target(fs) == target)
				found = fs;
		mnt_free_iter(it);
		const char *opts = found ? mnt_fs_get_vfs_options(found) : NULL;
		if (opts) {
			bool ro = mnt_optstr_get_option(opts, "ro", NULL, NULL) == 0;
			result_evidence_string(r, evkey, "%s (mount table: %s is %s; not probed)", ro ? "no" : "yes",
					       target, ro ? "read-only" : "read-write");
			return !ro;
		}
	}
	result_evidence_string(r, evkey, "not known (not probed, no mount table)");
	return -ENODATA;
}

int check_network_ip_forward(struct ctx *c, struct result *r)
{
	_cleanup_free_ char *value = NULL;
	bool on;
	int err = host_read_line(c->host, "proc/sys/net/ipv4/ip_forward", &value);

	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP,
			   "proc/sys/net/ipv4/ip_forward is missing (no IPv4, or /proc/sys not mounted): IPv4 "
			   "forwarding is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/sys/net/ipv4/ip_forward is %s", host_err_text(err));
	if (sysctl_bool_parse(value, &on) < 0) {
		bool cut = strlen(value) > 64;
		if (cut)
			value[64] = '\0';
		return result_error(r, -EBADMSG, "proc/sys/net/ipv4/ip_forward holds \"%s%s\", not 0 or 1",
				    text_sanitize(value), cut ? "..." : "");
	}

	result_evidence_int(r, "ip_forward", on);
	if (on) {
		result_set(r, STATUS_PASS, "IPv4 forwarding is on");
		return 0;
	}

	/*
	 * dockerd's bridge driver writes 1 when it reads 0, and refuses to
	 * start when it cannot ("Enabling IP forwarding failed"). On a host it
	 * then also sets the FORWARD policy to DROP (failure-modes.md N7).
	 */
	int w = sysctl_writable(c, r, "proc/sys/net/ipv4/ip_forward", "writable");
	if (w > 0) {
		result_set(r, STATUS_PASS, "IPv4 forwarding is off; dockerd turns it on when it starts%s",
			   ctx_in_container(c) ? ""
					       : " (and then sets iptables' FORWARD policy to DROP, which also stops "
						 "other bridges' routed traffic, such as LXD's)");
		return 0;
	}
	if (w < 0) {
		result_set(r, STATUS_SKIP,
			   "IPv4 forwarding is off, and whether dockerd may turn it on is not known (not probed %s, "
			   "no mount table)",
			   host_unprobed_in(c->host));
		return 0;
	}
	result_set(r, STATUS_FAIL,
		   "IPv4 forwarding is off and cannot be turned on here: dockerd fails to start (\"Enabling IP "
		   "forwarding failed\")");
	static const char *const settings[] = {"net.ipv4.ip_forward=1"};
	fix_netns_sysctl(c, r, settings, ARRAY_SIZE(settings), "99-docker-ip-forward.conf");
	return 0;
}

/* A table of the iptables checks: what failing to list it means. */
struct table_probe {
	struct iptables_list_probe probe;
	const char *key;	 /* the observation */
	const char *evkey;	 /* the evidence */
	bool required;		 /* fail when it cannot be listed; else warn */
	const char *modules[4];	 /* what the legacy backend needs for it */
	const char *consequence; /* for the summary */
};

static const struct table_probe table_probes[] = {
	{{"iptables", "nat"},
	 "network.iptables.list.nat",
	 "list_nat",
	 true,
	 {"ip_tables", "iptable_nat", "nf_nat"},
	 "dockerd cannot create its NAT chain and fails to start"},
	{{"iptables", "filter"},
	 "network.iptables.list.filter",
	 "list_filter",
	 true,
	 {"ip_tables", "iptable_filter"},
	 "dockerd cannot create its filter chains and fails to start"},
	{{"iptables", "raw"},
	 "network.iptables.list.raw",
	 "list_raw",
	 false,
	 {"ip_tables", "iptable_raw"},
	 "Docker 28 and later fail to publish ports"},
	{{"ip6tables", "nat"},
	 "network.ip6tables.list.nat",
	 "list6_nat",
	 false,
	 {"ip6_tables", "ip6table_nat"},
	 "Docker 27 and later (ip6tables on by default) cannot set up IPv6 NAT"},
};

static const char *command_where_text(struct ctx *c)
{
	return ctx_in_container(c) ? "in this container" : "on this host";
}

/* Root without CAP_NET_ADMIN over the network namespace (N5): where the fix lies depends on the runtime. */
static void remedy_no_net_admin(struct ctx *c, struct result *r)
{
	const char *rt = ctx_runtime(c);
	if (streq(rt, "docker") || streq(rt, "podman"))
		fix_outer_privileged(c, r,
				     "Root here has no CAP_NET_ADMIN over this network namespace. Start "
				     "the outer container privileged (Docker in Docker needs it):");
	else if (streq(rt, "systemd-nspawn"))
		result_remedy(r, WHERE_HOST,
			      "Root here has no CAP_NET_ADMIN over this network namespace (a user "
			      "namespace sharing the host's network). Give the container a network of "
			      "its own:",
			      "systemd-nspawn --private-network ...", NULL);
	else
		result_remedy(r, ctx_here(c),
			      "Root here has no CAP_NET_ADMIN over this network namespace: dockerd needs "
			      "root that owns its network namespace (a container needs one of its own). "
			      "Bit 12 of CapEff shows whether root holds the capability:",
			      "grep CapEff /proc/self/status", NULL);
}

/* The kernel modules behind nf_tables, which iptables-nft needs instead of the legacy table modules. */
static void push_nft_modules(struct strv *mods)
{
	static const char *const nft[] = {"nf_tables", "nft_compat", "nft_chain_nat"};
	for (size_t k = 0; k < ARRAY_SIZE(nft); k++)
		if (!strv_contains(mods, nft[k]))
			strv_push(mods, xstrdup(nft[k]));
}

static void modules_load_now_and_boot(struct ctx *c, struct result *r, const struct strv *mods)
{
	struct strv persist = {0};
	for (size_t k = 0; k < mods->n; k++)
		strv_push(&persist, xstrdup(mods->v[k]));
	fix_modules_load(c, r, mods, &persist);
	strv_clear(&persist);
}

/*
 * The rehearsal's failed command explained: what the error means and its fix.
 * The verdict is FAIL: dockerd runs the same command with the same iptables
 * at start, and stops when it fails.
 */
static void rehearsal_fail(struct ctx *c, struct result *r, const struct iptables_rehearsal *reh,
			   enum iptables_backend backend, const char *version)
{
	const char *b = iptables_backend_to_string(backend);
	const char *msg = reh->run.message ? reh->run.message : "";
	_cleanup_free_ char *why = NULL;
	enum iptables_error e = IPTABLES_ERR_OTHER;
	if (reh->run.outcome == IPTABLES_TIMEOUT) {
		why = xasprintf("no answer in %d s", IPTABLES_TIMEOUT_MS / 1000);
	} else if (reh->run.outcome == IPTABLES_SIGNAL) {
		why = xasprintf("killed by signal %d", reh->run.code);
	} else {
		why = msg[0] ? xasprintf("exit status %d: %s", reh->run.code, msg)
			     : xasprintf("exit status %d", reh->run.code);
		e = iptables_error_classify(msg);
	}
	result_evidence_string(r, "rehearsal_failed_rule", "%s", reh->rule);
	result_evidence_string(r, "rehearsal_error", "%s", why);

	bool nft_refused =
		backend == IPTABLES_BACKEND_NFT && (e == IPTABLES_ERR_PERMISSION || e == IPTABLES_ERR_NOT_SUPPORTED);
	struct strv mods = {0};
	if (e == IPTABLES_ERR_NO_KERNEL_MATCH)
		iptables_rule_modules(reh->rule, &mods);
	const char *cause;
	if (e == IPTABLES_ERR_NO_EXTENSION)
		cause = "iptables cannot load its extension libraries (the targets and matches such as RETURN, "
			"MASQUERADE and addrtype in its xtables directory)";
	else if (e == IPTABLES_ERR_NO_TABLE)
		cause = backend == IPTABLES_BACKEND_NFT ? "the kernel has no nf_tables support loaded"
							: "the kernel module of the table is not loaded";
	else if (e == IPTABLES_ERR_NO_KERNEL_MATCH)
		cause = "the kernel module of a match or target in the rule is not loaded";
	else if (nft_refused)
		cause = "the kernel refused nf_tables here (from a user namespace it cannot load the nf_tables "
			"modules itself)";
	else if (e == IPTABLES_ERR_PERMISSION)
		cause = "root here may not change iptables rules";
	else
		cause = "iptables failed on a rule dockerd needs";

	result_set(r, STATUS_FAIL,
		   "dockerd cannot start: iptables %s (%s), rehearsing dockerd's rules in a private network "
		   "namespace, fails on `%s` (%s): %s",
		   version, b, reh->rule, why, cause);

	enum where here = ctx_here(c);
	if (e == IPTABLES_ERR_NO_EXTENSION) {
		result_remedy(r, here,
			      "Reinstall iptables as a package: it brings the extension libraries (an image made by "
			      "copying the iptables binary lacks them):",
			      "apt-get update && apt-get install -y --reinstall iptables", NULL);
		result_remedy(r, here,
			      "Or put the libraries back where iptables looks for them (libxt_*.so, libipt_*.so; "
			      "XTABLES_LIBDIR overrides the place). See what is there:",
			      "ls /usr/lib/*/xtables /usr/lib/xtables /usr/lib64/xtables", NULL);
	} else if (e == IPTABLES_ERR_NO_TABLE) {
		if (backend == IPTABLES_BACKEND_NFT) {
			push_nft_modules(&mods);
		} else {
			bool nat = startswith(reh->rule + strcspn(reh->rule, " "), " --wait -t nat ");
			const char *legacy[] = {"ip_tables", nat ? "iptable_nat" : "iptable_filter",
						nat ? "nf_nat" : NULL};
			for (size_t k = 0; k < ARRAY_SIZE(legacy) && legacy[k]; k++)
				strv_push(&mods, xstrdup(legacy[k]));
		}
		modules_load_now_and_boot(c, r, &mods);
		if (backend == IPTABLES_BACKEND_LEGACY)
			result_remedy(r, here,
				      "Or switch iptables to its nf_tables backend, which needs none of the legacy "
				      "table modules (Debian/Ubuntu):",
				      "update-alternatives --set iptables /usr/sbin/iptables-nft",
				      "update-alternatives --set ip6tables /usr/sbin/ip6tables-nft", NULL);
	} else if (e == IPTABLES_ERR_NO_KERNEL_MATCH && mods.n) {
		modules_load_now_and_boot(c, r, &mods);
	} else if (nft_refused) {
		result_remedy(r, here,
			      "Switch iptables to its legacy backend, which needs no nf_tables (Debian/Ubuntu); "
			      "then check again:",
			      "update-alternatives --set iptables /usr/sbin/iptables-legacy",
			      "update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy", NULL);
		push_nft_modules(&mods);
		iptables_rule_modules(reh->rule, &mods);
		modules_load_now_and_boot(c, r, &mods);
	} else if (e == IPTABLES_ERR_PERMISSION) {
		remedy_no_net_admin(c, r);
	}
	/* The same command in a throwaway network namespace shows the whole error and touches no rule. */
	_cleanup_free_ char *text = xasprintf("Run the command by hand in a network namespace of its own (it "
					      "touches no rule %s) to see the whole error:",
					      command_where_text(c));
	struct remedy *m = result_remedy(r, here, text, NULL);
	remedy_command(m, "unshare --net %s", reh->rule);
	strv_clear(&mods);
}

/*
 * The other backend's nat table holding Docker's chains (a dockerd that once
 * ran with it, or two engines): both rule sets apply and neither dockerd sees
 * the other's. A warning: the rules may be stale.
 */
static bool other_backend_warn(struct ctx *c, struct result *r, enum iptables_backend backend)
{
	const struct iptables_other_probe q = {"iptables", backend};
	const char *v;
	_cleanup_free_ char *program = NULL;
	int docker = -1;
	if (host_observe(c->host, OBS_IPTABLES_OTHER, probe_iptables_other_backend, (void *)&q, &v) < 0)
		return false;
	result_evidence_string(r, "other_backend", "%s", v);
	if (iptables_other_parse(v, &program, &docker) < 0 || docker <= 0)
		return false;
	bool legacy = strstr(program, "legacy") != NULL;
	result_remedy(r, ctx_here(c),
		      "Docker's chains are in both backends. Pick one: see what the other backend holds, then "
		      "either make it the one iptables runs, or (dockerd stopped) flush its nat table:",
		      legacy ? "iptables-legacy-save" : "iptables-nft-save",
		      legacy ? "update-alternatives --set iptables /usr/sbin/iptables-legacy"
			     : "update-alternatives --set iptables /usr/sbin/iptables-nft",
		      legacy ? "iptables-legacy -t nat -F" : "iptables-nft -t nat -F", NULL);
	return true;
}

/* What the rehearsal's recorded value says, in evidence; -ENODATA when there is none to use. */
static int rehearsal_read(struct ctx *c, struct result *r, struct iptables_rehearsal *ret)
{
	const char *v;
	int err = host_observe(c->host, OBS_IPTABLES_REHEARSAL, probe_iptables_rehearsal, "iptables", &v);
	if (err == -ENODATA)
		return err; /* --no-probes, or a capture from before the rehearsal: the listing decides alone */
	if (err < 0) {
		result_evidence_string(r, "rehearsal", "not run: %s", errno_name(err));
		return -ENODATA;
	}
	if (iptables_rehearsal_parse(v, ret) < 0) {
		result_evidence_string(r, "rehearsal", "not known: the recorded value \"%s\" is malformed", v);
		return -ENODATA;
	}
	switch (ret->outcome) {
	case REHEARSAL_OK:
		result_evidence_string(r, "rehearsal", "ok");
		result_evidence_int(r, "rehearsal_rules", ret->rules);
		break;
	case REHEARSAL_FAILED:
		result_evidence_string(r, "rehearsal", "failed");
		break;
	case REHEARSAL_NO_NETNS:
		result_evidence_string(r, "rehearsal", "not run: unshare(CLONE_NEWNET) failed with %s",
				       errno_name(ret->err));
		break;
	case REHEARSAL_TIMEOUT:
		result_evidence_string(r, "rehearsal", "not finished: no answer in %u ms", ret->ms);
		break;
	case REHEARSAL_NOT_ROOT:
		result_evidence_string(r, "rehearsal", "not run: only root may change iptables rules");
		break;
	default:
		result_evidence_string(r, "rehearsal", "not run: no iptables");
		break;
	}
	if (ret->outcome == REHEARSAL_OK || ret->outcome == REHEARSAL_FAILED || ret->outcome == REHEARSAL_TIMEOUT)
		result_evidence_int(r, "rehearsal_ms", ret->ms);
	return 0;
}

/*
 * network.iptables' probes, ahead (check_ahead_table): the commands take
 * most of a live run and other checks need none of their effects. Asked in
 * the check's order, and only those it will surely ask for; the version that
 * modules.required already observed is not run again.
 */
struct iptables_ahead {
	char *version; /* recorded already, or NULL */
};

static void iptables_other_ahead(struct host_ahead *a, enum iptables_backend backend)
{
	const struct iptables_other_probe q = {"iptables", backend};
	const char *v;
	(void)host_ahead_probe(a, OBS_IPTABLES_OTHER, probe_iptables_other_backend, (void *)&q, &v);
}

static void iptables_ahead_run(struct host_ahead *a, void *arg)
{
	_cleanup_free_ struct iptables_ahead *ia = arg;
	_cleanup_free_ char *known = TAKE_PTR(ia->version);
	const char *v = known;
	enum iptables_backend backend;
	if (!v && host_ahead_probe(a, OBS_IPTABLES_VERSION, probe_iptables_version, "iptables", &v) < 0)
		return;
	if (streq(v, "missing"))
		return;
	bool version_ok = iptables_version_parse(v, NULL, &backend) == 0;
	host_ahead_probe(a, OBS_IPTABLES_PATH, probe_iptables_path, "iptables", &v);
	if (!version_ok)
		return;

	struct iptables_rehearsal reh;
	if (host_ahead_probe(a, OBS_IPTABLES_REHEARSAL, probe_iptables_rehearsal, "iptables", &v) == 0 &&
	    iptables_rehearsal_parse(v, &reh) == 0) {
		bool failed = reh.outcome == REHEARSAL_FAILED;
		iptables_rehearsal_clear(&reh);
		if (failed) {
			iptables_other_ahead(a, backend);
			return;
		}
	}
	bool all_ok = true;
	for (size_t i = 0; i < ARRAY_SIZE(table_probes); i++) {
		const struct table_probe *t = &table_probes[i];
		struct iptables_run run;
		if (host_ahead_probe(a, t->key, probe_iptables_list, (void *)&t->probe, &v) < 0 ||
		    iptables_run_parse(v, &run) < 0) {
			all_ok = false;
			continue;
		}
		bool not_root = run.outcome == IPTABLES_NOT_ROOT;
		all_ok = all_ok && run.outcome == IPTABLES_OK;
		iptables_run_clear(&run);
		if (not_root)
			return;
	}
	/* The check looks at the other backend when every table listed. */
	if (all_ok)
		iptables_other_ahead(a, backend);
}

static void iptables_version_ahead_run(struct host_ahead *a, void *arg _unused_)
{
	const char *v;
	(void)host_ahead_probe(a, OBS_IPTABLES_VERSION, probe_iptables_version, "iptables", &v);
}

/* `iptables -V` from the start: modules.required asks for the backend early; the command loads nothing. */
void check_iptables_version_ahead(struct ctx *c)
{
	static const char *const keys[] = {OBS_IPTABLES_VERSION, NULL};
	(void)host_ahead(c->host, keys, iptables_version_ahead_run, NULL);
}

void check_network_iptables_ahead(struct ctx *c)
{
	static const char *const keys[] = {OBS_IPTABLES_VERSION,
					   OBS_IPTABLES_PATH,
					   OBS_IPTABLES_REHEARSAL,
					   "network.iptables.list.nat",
					   "network.iptables.list.filter",
					   "network.iptables.list.raw",
					   "network.ip6tables.list.nat",
					   OBS_IPTABLES_OTHER,
					   NULL};
	struct iptables_ahead *ia = xcalloc(1, sizeof(*ia));
	const char *v;
	if (host_recorded(c->host, OBS_IPTABLES_VERSION, &v) == 0)
		ia->version = xstrdup(v);
	if (host_ahead(c->host, keys, iptables_ahead_run, ia) < 0) {
		free(ia->version);
		free(ia);
	}
}

int check_network_iptables(struct ctx *c, struct result *r)
{
	const char *version_line = NULL, *path = NULL;
	enum iptables_backend backend = IPTABLES_BACKEND_UNKNOWN;
	int err = iptables_backend_observe(c->host, &backend, &version_line);

	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "iptables was not probed %s", host_unprobed_in(c->host));
		return 0;
	}
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP,
			   "iptables is not installed %s: dockerd needs it (Docker's packages depend on it); install "
			   "Docker, then check again",
			   command_where_text(c));
		return 0;
	}
	if (version_line)
		result_evidence_string(r, "version", "%s", version_line);
	if (host_observe(c->host, OBS_IPTABLES_PATH, probe_iptables_path, "iptables", &path) == 0)
		result_evidence_string(r, "path", "%s", path);
	if (err < 0) {
		struct iptables_run run;
		if (version_line && iptables_run_parse(version_line, &run) == 0) {
			result_set(r, STATUS_FAIL, "`iptables -V` fails: %s",
				   run.message[0] ? run.message : "no message");
			iptables_run_clear(&run);
		} else {
			result_set(r, STATUS_FAIL, "`iptables -V` printed something else than a version");
		}
		result_remedy(r, ctx_here(c),
			      "Run it by hand to see what is wrong, and reinstall iptables if it is broken:",
			      "iptables -V", NULL);
		return 0;
	}
	result_evidence_string(r, "backend", "%s", iptables_backend_to_string(backend));

	/* dockerd's own start rules, rehearsed where they harm nothing: the verdict when one fails. */
	struct iptables_rehearsal reh = {0};
	bool rehearsed = rehearsal_read(c, r, &reh) == 0;
	if (rehearsed && reh.outcome == REHEARSAL_FAILED) {
		_cleanup_free_ char *version = NULL;
		iptables_version_parse(version_line, &version, NULL);
		rehearsal_fail(c, r, &reh, backend, version);
		other_backend_warn(c, r, backend);
		iptables_rehearsal_clear(&reh);
		return 0;
	}
	/* Not rehearsed: why, for the summary (nothing when it was never asked for). */
	_cleanup_free_ char *unrehearsed = NULL;
	if (rehearsed && reh.outcome == REHEARSAL_NO_NETNS)
		unrehearsed = xasprintf("dockerd's rules were not rehearsed: no private network namespace (%s)",
					errno_name(reh.err));
	else if (rehearsed && reh.outcome == REHEARSAL_TIMEOUT)
		unrehearsed = xasprintf("the rehearsal of dockerd's rules gave no answer in %u ms", reh.ms);
	bool rehearsal_ok = rehearsed && reh.outcome == REHEARSAL_OK;
	unsigned rehearsal_rules = reh.rules;
	iptables_rehearsal_clear(&reh);

	struct strv fails = {0}, warns = {0}, locked = {0}, ok = {0}, load = {0}, persist = {0};
	bool permission = false, other = false, family = false, required_unknown = false, mixed = false;
	const char *first_other = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(table_probes); i++) {
		const struct table_probe *t = &table_probes[i];
		const char *v;
		struct iptables_run run;
		_cleanup_free_ char *label = streq(t->probe.program, "iptables")
						     ? xstrdup(t->probe.table)
						     : xasprintf("%s %s", t->probe.program, t->probe.table);

		err = host_observe(c->host, t->key, probe_iptables_list, (void *)&t->probe, &v);
		if (err < 0) {
			result_evidence_string(r, t->evkey, "not probed: %s",
					       err == -ENODATA ? host_unprobed(c->host) : errno_name(err));
			required_unknown = required_unknown || t->required;
			continue;
		}
		result_evidence_string(r, t->evkey, "%s", v);
		if (iptables_run_parse(v, &run) < 0) {
			/* A value no probe writes: as good as not probed. */
			required_unknown = required_unknown || t->required;
			continue;
		}
		if (run.outcome == IPTABLES_NOT_ROOT) {
			iptables_run_clear(&run);
			strv_clear(&fails), strv_clear(&warns), strv_clear(&locked), strv_clear(&ok);
			strv_clear(&load), strv_clear(&persist);
			result_set(r, STATUS_SKIP,
				   "iptables (%s) is there, but only root may list its tables: run nestcheck as root",
				   iptables_backend_to_string(backend));
			return 0;
		}
		if (run.outcome == IPTABLES_OK) {
			strv_push(&ok, xstrdup(label));
		} else if (run.outcome == IPTABLES_MISSING) {
			/* ip6tables ships with iptables; alone missing it is not this check's concern. */
			required_unknown = required_unknown || t->required;
		} else {
			enum iptables_error e = run.outcome == IPTABLES_FAILED ? iptables_error_classify(run.message)
									       : IPTABLES_ERR_OTHER;
			_cleanup_free_ char *why = NULL;
			if (run.outcome == IPTABLES_TIMEOUT)
				why = xasprintf("no answer in %d s", IPTABLES_TIMEOUT_MS / 1000);
			else if (run.outcome == IPTABLES_SIGNAL)
				why = xasprintf("killed by signal %d", run.code);
			else
				why = xstrdup(run.message[0] ? run.message : "no message");
			if (e == IPTABLES_ERR_LOCKED) {
				/* Another program was busy with the tables the whole time: no verdict on this one. */
				strv_push(&locked, xstrdup(label));
				other = true;
			} else {
				strv_push(t->required ? &fails : &warns, xasprintf("%s: %s", label, why));
				if (t->required)
					result_evidence_string(r, "consequence", "%s", t->consequence);
			}
			if (e == IPTABLES_ERR_NO_TABLE)
				for (size_t k = 0; k < ARRAY_SIZE(t->modules) && t->modules[k]; k++)
					if (!strv_contains(&load, t->modules[k]))
						strv_push(&load, xstrdup(t->modules[k]));
			permission = permission || e == IPTABLES_ERR_PERMISSION;
			family = family || e == IPTABLES_ERR_NO_FAMILY;
			if (e == IPTABLES_ERR_OTHER && !first_other) {
				first_other = t->probe.table;
				other = true;
			}
		}
		iptables_run_clear(&run);
	}

	const char *b = iptables_backend_to_string(backend);
	_cleanup_free_ char *ok_list = strv_join(&ok, ", ");
	_cleanup_free_ char *locked_list = strv_join(&locked, ", ");
	if (fails.n) {
		_cleanup_free_ char *list = strv_join(&fails, "; ");
		result_set(r, STATUS_FAIL, "iptables (%s) cannot use its tables: %s", b, list);
	} else if (required_unknown) {
		result_set(r, STATUS_SKIP, "iptables (%s) is there, but its nat and filter tables were not probed", b);
	} else if (warns.n) {
		_cleanup_free_ char *list = strv_join(&warns, "; ");
		result_set(r, STATUS_WARN, "iptables (%s) lists %s, but not every table newer Docker uses: %s", b,
			   ok_list, list);
	} else if (locked.n) {
		result_set(r, STATUS_SKIP,
			   "iptables (%s): another program held the xtables lock the whole time (%s); check again", b,
			   locked_list);
	} else if ((mixed = other_backend_warn(c, r, backend))) {
		result_set(r, STATUS_WARN,
			   "iptables (%s) %s, but Docker's chains are also in the other backend's nat table: both rule "
			   "sets apply, and dockerd sees only its own",
			   b, rehearsal_ok ? "runs dockerd's start rules" : "lists the tables Docker uses");
	} else if (rehearsal_ok) {
		_cleanup_free_ char *version = NULL;
		iptables_version_parse(version_line, &version, NULL);
		result_set(r, STATUS_PASS,
			   "iptables %s (%s) runs dockerd's %u start rules (rehearsed in a private network namespace) "
			   "and lists the tables Docker uses: %s",
			   version, b, rehearsal_rules, ok_list);
	} else {
		_cleanup_free_ char *version = NULL;
		iptables_version_parse(version_line, &version, NULL);
		result_set(r, STATUS_PASS, "iptables %s (%s) lists the tables Docker uses: %s%s%s", version, b, ok_list,
			   unrehearsed ? "; " : "", unrehearsed ? unrehearsed : "");
	}

	/* The listing's own trouble; two backends' rules have their remedy already. */
	if ((r->status == STATUS_FAIL || r->status == STATUS_WARN) && !mixed) {
		enum where here = ctx_here(c);
		if (load.n) {
			if (backend == IPTABLES_BACKEND_NFT) {
				/* nf_tables itself is missing: the kernel, not a table module. */
				strv_clear(&load);
				push_nft_modules(&load);
			}
			for (size_t k = 0; k < load.n; k++)
				strv_push(&persist, xstrdup(load.v[k]));
			fix_modules_load(c, r, &load, &persist);
			if (backend == IPTABLES_BACKEND_LEGACY)
				result_remedy(r, here,
					      "Or switch iptables to its nf_tables backend, which needs none of the "
					      "legacy table modules (Debian/Ubuntu):",
					      "update-alternatives --set iptables /usr/sbin/iptables-nft",
					      "update-alternatives --set ip6tables /usr/sbin/ip6tables-nft", NULL);
		}
		if (permission)
			remedy_no_net_admin(c, r);
		if (family)
			result_remedy(r, here,
				      "IPv6 is off in this kernel or namespace: tell dockerd to leave ip6tables alone "
				      "by adding \"ip6tables\": false to /etc/docker/daemon.json (merge it into the "
				      "object already there), then restart dockerd. To see the file:",
				      "cat /etc/docker/daemon.json", NULL);
		if (other || (!load.n && !permission && !family)) {
			struct remedy *m = result_remedy(
				r, here,
				"Run iptables by hand to see the whole error (a stuck process holding /run/xtables.lock "
				"shows up in the second command):",
				NULL);
			remedy_command(m, "iptables -t %s -S", first_other ? first_other : "nat");
			remedy_command(m, "fuser -v /run/xtables.lock");
		}
	}
	strv_clear(&fails);
	strv_clear(&warns);
	strv_clear(&locked);
	strv_clear(&ok);
	strv_clear(&load);
	strv_clear(&persist);
	return 0;
}

/* The sysctl's value: "0"/"1", or why it is not known. */
static int bridge_sysctl(struct ctx *c, struct result *r, const char *path, const char *evkey, bool *ret)
{
	const char *text;
	int err = host_observe_file(c->host, path, &text);
	if (err == 0 && sysctl_bool_parse(text, ret) < 0)
		err = -EBADMSG;
	if (err == 0)
		result_evidence_int(r, evkey, *ret);
	else
		result_evidence_string(r, evkey, "%s", err == -ENODATA ? host_unread(c->host) : host_err_text(err));
	return err;
}

/* The state in a sentence ("is built in", not "is builtin"). */
static const char *state_words(enum module_state s)
{
	switch (s) {
	case MODULE_BUILTIN:
		return "built in";
	case MODULE_UNVERIFIED:
		return "a module that is not loaded";
	case MODULE_UNKNOWN:
		return "not loaded (or built in: no kernel config tells)";
	default:
		return module_state_to_string(s);
	}
}

int check_network_bridge_nf(struct ctx *c, struct result *r)
{
	struct modules_view v;
	const char *what = NULL;
	int err = modules_view_init(&v, c, &what);
	if (err < 0)
		return result_error(r, err, "%s is %s", what, host_err_text(err));
	enum module_state s = modules_view_state(&v, module_want_find("br_netfilter"));
	bool in_container = v.in_container;
	modules_view_clear(&v);
	result_evidence_string(r, "br_netfilter", "%s", module_state_to_string(s));

	/* What in daemon.json makes dockerd need br_netfilter (moby PRs 48492, 48676). */
	_cleanup_free_ char *json = NULL;
	bool icc = true, proxy = true;
	if (host_read_text(c->host, "etc/docker/daemon.json", &json) == 0) {
		if (docker_daemon_bool(json, "icc", &icc) == 0)
			result_evidence_bool(r, "icc", icc);
		if (docker_daemon_bool(json, "userland-proxy", &proxy) == 0)
			result_evidence_bool(r, "userland_proxy", proxy);
	}
	bool needed = !icc || !proxy;
	const char *needers = needed ? (!icc ? "daemon.json sets icc to false, which needs it"
					     : "daemon.json sets userland-proxy to false, which needs it")
				     : "default networks work without it; icc=false, userland-proxy=false and swarm's "
				       "ingress network need it";

	bool v4 = false, v6 = false;
	int e4 = bridge_sysctl(c, r, "proc/sys/net/bridge/bridge-nf-call-iptables", "bridge_nf_call_iptables", &v4);
	int e6 = bridge_sysctl(c, r, "proc/sys/net/bridge/bridge-nf-call-ip6tables", "bridge_nf_call_ip6tables", &v6);
	if ((e4 < 0 && e4 != -ENOENT && e4 != -ENODATA) || (e6 < 0 && e6 != -ENOENT && e6 != -ENODATA)) {
		int e = e4 < 0 && e4 != -ENOENT && e4 != -ENODATA ? e4 : e6;
		return result_error(r, e, "proc/sys/net/bridge/bridge-nf-call-ip%stables is %s", e == e4 ? "" : "6",
				    host_err_text(e));
	}

	if (e4 == 0 && e6 == 0) {
		if (v4 && v6) {
			result_set(r, STATUS_PASS,
				   "br_netfilter is active: bridged traffic passes iptables and ip6tables");
			return 0;
		}
		int w = sysctl_writable(c, r, "proc/sys/net/bridge/bridge-nf-call-iptables", "writable");
		if (w > 0) {
			result_set(r, STATUS_PASS,
				   "br_netfilter is active; bridge-nf-call-ip%stables is 0, and dockerd sets it to 1 "
				   "when a network needs it",
				   v4 ? "6" : "");
			return 0;
		}
		if (w < 0) {
			result_set(r, STATUS_SKIP,
				   "bridge-nf-call-ip%stables is 0, and whether dockerd may set it is not known (not "
				   "probed %s, no mount table)",
				   v4 ? "6" : "", host_unprobed_in(c->host));
			return 0;
		}
		result_set(r, needed ? STATUS_FAIL : STATUS_WARN,
			   "bridge-nf-call-ip%stables is 0 and cannot be changed here: %s", v4 ? "6" : "", needers);
		static const char *const settings[] = {"net.bridge.bridge-nf-call-iptables=1",
						       "net.bridge.bridge-nf-call-ip6tables=1"};
		fix_netns_sysctl(c, r, settings, ARRAY_SIZE(settings), "99-docker-bridge-nf.conf");
		return 0;
	}

	if (e4 == -ENODATA && e6 == -ENODATA && (module_state_available(s) || s == MODULE_LOADABLE)) {
		result_set(r, STATUS_SKIP, "br_netfilter is %s, but its sysctls were %s", state_words(s),
			   host_unrecorded(c->host));
		return 0;
	}

	/* The sysctls are missing (or not recorded): br_netfilter is not active in this network namespace. */
	if (module_state_available(s)) {
		const char *release;
		const struct kversion *kv;
		bool old = ctx_release(c, &release, &kv) == 0 && kversion_cmp(kv, 5, 3) < 0;
		if (in_container && old) {
			result_set(r, needed ? STATUS_FAIL : STATUS_WARN,
				   "br_netfilter is %s, but before Linux 5.3 its sysctls exist only in the host's "
				   "network namespace: %s",
				   state_words(s), needers);
			result_remedy(r, WHERE_HOST,
				      "Boot the host with Linux 5.3 or newer (per-namespace bridge-nf-call sysctls), "
				      "or keep icc and userland-proxy at their defaults in daemon.json.",
				      "uname -r", NULL);
		} else {
			result_set(r, needed ? STATUS_FAIL : STATUS_WARN,
				   "br_netfilter is %s, but proc/sys/net/bridge has no bridge-nf-call sysctls here: "
				   "%s",
				   state_words(s), needers);
			result_remedy(r, in_container ? WHERE_CONTAINER : WHERE_HOST,
				      "See whether /proc/sys is mounted and what it holds for the bridge:",
				      "ls -l /proc/sys/net/bridge/", NULL);
		}
		return 0;
	}
	if (s == MODULE_LOADABLE) {
		result_set(r, STATUS_PASS, "br_netfilter is not loaded; dockerd loads it when a network needs it (%s)",
			   needers);
		return 0;
	}
	if (s == MODULE_UNKNOWN && !needed && e4 == -ENODATA) {
		result_set(r, STATUS_SKIP,
			   "whether br_netfilter is active is not known (not recorded, no kernel config)");
		return 0;
	}

	result_set(r, needed ? STATUS_FAIL : STATUS_WARN, "br_netfilter is %s%s: %s", state_words(s),
		   s == MODULE_NOT_LOADED ? " (a container cannot load it)" : "", needers);
	if (s == MODULE_ABSENT) {
		result_remedy(r, WHERE_HOST,
			      "The running kernel is built without br_netfilter: boot one with "
			      "CONFIG_BRIDGE_NETFILTER=y or m (any distribution kernel), or keep icc and "
			      "userland-proxy at their defaults.",
			      "./scripts/config --enable BRIDGE_NETFILTER", NULL);
	} else if (s == MODULE_NOT_INSTALLED) {
		result_remedy(r, WHERE_HOST,
			      "The kernel has br_netfilter as a module, but no file for it is installed: install the "
			      "running kernel's module packages (Debian/Ubuntu, Fedora/RHEL):",
			      "apt-get install linux-modules-$(uname -r) linux-modules-extra-$(uname -r)",
			      "dnf install kernel-modules-$(uname -r) kernel-modules-extra-$(uname -r)", NULL);
	} else {
		struct strv one = {0};
		strv_push(&one, xstrdup("br_netfilter"));
		fix_modules_load(c, r, &one, &one);
		strv_clear(&one);
	}
	return 0;
}

/*
 * The loopback interface: a minimal init (busybox's, a hand-made image's) may
 * never bring it up. dockerd and containers run, but nothing can listen on
 * 127.0.0.1: `docker run -p 127.0.0.1:8080:80` fails in the userland proxy
 * ("bind: cannot assign requested address", catalog N8) and connections to
 * 127.0.0.1 find no route. Read from sys/class/net/lo/flags (IFF_UP is 0x1),
 * recorded for replay.
 */
int check_network_loopback(struct ctx *c, struct result *r)
{
	const char *flags;
	int err = host_observe_file(c->host, "sys/class/net/lo/flags", &flags);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "the loopback interface's flags were not read %s",
			   host_unprobed_in(c->host));
		return 0;
	}
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "sys/class/net/lo/flags is missing: the loopback interface is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "sys/class/net/lo/flags is %s", host_err_text(err));
	char *end;
	errno = 0;
	unsigned long v = strtoul(flags, &end, 16);
	if (errno || end == flags || strncmp(flags, "0x", 2) != 0 || (*end && *end != '\n'))
		return result_error(r, -EBADMSG, "sys/class/net/lo/flags holds \"%.*s\", not a hex number",
				    (int)strcspn(flags, "\n"), flags);
	result_evidence_string(r, "flags", "0x%lx", v);
	result_evidence_bool(r, "up", v & 0x1);
	if (v & 0x1) {
		result_set(r, STATUS_PASS, "the loopback interface is up");
		return 0;
	}
	result_set(r, STATUS_WARN,
		   "the loopback interface is down: containers run, but a port published on 127.0.0.1 cannot be "
		   "bound (\"bind: cannot assign requested address\") and connections to 127.0.0.1 find no route");
	result_remedy(r, ctx_here(c),
		      "Bring it up now, and add the same line to the init's start script (systemd and ifupdown do it "
		      "themselves):",
		      "ip link set lo up", NULL);
	return 0;
}
