/* SPDX-License-Identifier: Apache-2.0 */
#include "core/dynlib.h"
#include "checks/checks.h"
#include "state.h"
#include "checks/network/parse.h"
#include "checks/network/probe.h"

enum tier { TIER_OK, TIER_WARN, TIER_FAIL };

/*
 * What dockerd's default bridge network and the overlay2 driver use
 * (failure-modes.md S5, N1), then what newer engines add: raw-table rules for
 * published ports (Docker 28, N3) and ip6tables on by default (Docker 27, N4).
 */
static const struct {
	const char *name;
	enum tier missing;
} modules[] = {
	{"overlay", TIER_FAIL},
	/*
	 * Only networks with icc=false, userland-proxy=false (Docker 27.3+)
	 * and swarm's ingress need br_netfilter (moby PRs 48492, 48676):
	 * a fail only when daemon.json asks for one of those.
	 */
	{"br_netfilter", TIER_WARN},
	{"bridge", TIER_FAIL},
	{"veth", TIER_FAIL},
	{"nf_nat", TIER_FAIL},
	{"ip_tables", TIER_FAIL},
	{"iptable_nat", TIER_FAIL},
	{"iptable_filter", TIER_FAIL},
	{"xt_conntrack", TIER_FAIL},
	{"xt_addrtype", TIER_FAIL},
	{"xt_MASQUERADE", TIER_FAIL},
	{"iptable_raw", TIER_WARN},
	{"ip6_tables", TIER_WARN},
	{"ip6table_nat", TIER_WARN},
};

/* The legacy xtables tables: iptables-nft talks nf_tables and never uses them. */
static bool legacy_table(const char *name)
{
	return streq(name, "ip_tables") || streq(name, "ip6_tables") || startswith(name, "iptable_") ||
	       startswith(name, "ip6table_");
}

/* daemon.json asks for something that needs br_netfilter. */
static bool daemon_needs_br_netfilter(struct ctx *c)
{
	_cleanup_free_ char *json = NULL;
	bool v;
	if (host_read_text(c->host, "etc/docker/daemon.json", &json) < 0)
		return false;
	return (docker_daemon_bool(json, "icc", &v) == 0 && !v) ||
	       (docker_daemon_bool(json, "userland-proxy", &v) == 0 && !v);
}

static void remedy_kernel_options(struct result *r, const struct strv *absent)
{
	struct remedy *m =
		result_remedy(r, WHERE_HOST,
			      "The running kernel is built without them. Boot a distribution kernel (they all "
			      "have them), or rebuild this one with these options set to y or m (in the kernel "
			      "source tree):",
			      NULL);
	struct strv opts = {0};
	for (size_t i = 0; i < absent->n; i++) {
		const struct module_want *w = module_want_find(absent->v[i]);
		/* All of them: whichever this kernel's release knows is the one that counts. */
		for (size_t k = 0; k < ARRAY_SIZE(w->options) && w->options[k]; k++)
			if (!strv_contains(&opts, w->options[k]))
				strv_push(&opts, xstrdup(w->options[k]));
	}
	_cleanup_free_ char *list = strv_join(&opts, " --enable ");
	remedy_command(m, "./scripts/config --enable %s", list);
	strv_clear(&opts);
	remedy_command(m, "make olddefconfig && make -j\"$(nproc)\" && make modules_install install");
}

static void remedy_install(struct result *r)
{
	result_remedy(
		r, WHERE_HOST,
		"The kernel has them as modules, but /lib/modules/$(uname -r) holds no file for them, so modprobe "
		"cannot load them. Install the running kernel's module packages (Debian/Ubuntu first, "
		"Fedora/RHEL second), or boot a kernel whose modules are installed:",
		"apt-get install linux-modules-$(uname -r) linux-modules-extra-$(uname -r)",
		"dnf install kernel-modules-$(uname -r) kernel-modules-extra-$(uname -r)", NULL);
}

int check_modules_required(struct ctx *c, struct result *r)
{
	struct modules_view v;
	const char *what = NULL;
	int err = modules_view_init(&v, c, &what);
	if (err < 0)
		return result_error(r, err, "%s is %s", what, host_err_text(err));

	enum iptables_backend backend = IPTABLES_BACKEND_UNKNOWN;
	if (iptables_backend_observe(c->host, &backend, NULL) < 0)
		backend = IPTABLES_BACKEND_UNKNOWN;
	bool needs_brnf = daemon_needs_br_netfilter(c);

	struct strv failing = {0}, warning = {0}, load = {0}, persist = {0}, install = {0}, absent = {0};
	unsigned n_builtin = 0, n_loaded = 0, n_loadable = 0, n_unknown = 0, n_undecided = 0;
	bool nft_spared = false;

	for (size_t i = 0; i < ARRAY_SIZE(modules); i++) {
		const char *name = modules[i].name;
		const struct module_want *w = module_want_find(name);
		enum module_state s = modules_view_state(&v, w);
		result_evidence_string(r, name, "%s", module_state_to_string(s));

		if (s != MODULE_BUILTIN && s != MODULE_ABSENT && s != MODULE_NOT_INSTALLED)
			strv_push(&persist, xstrdup(name));
		enum tier t = modules[i].missing;
		if (streq(name, "br_netfilter") && needs_brnf)
			t = TIER_FAIL;
		if (t == TIER_FAIL && legacy_table(name) && backend == IPTABLES_BACKEND_NFT) {
			t = TIER_WARN;
			nft_spared = nft_spared || !(module_state_available(s) || s == MODULE_LOADABLE);
		}

		switch (s) {
		case MODULE_BUILTIN:
			n_builtin++;
			continue;
		case MODULE_LOADED:
			n_loaded++;
			continue;
		case MODULE_LOADABLE:
			/* On a host dockerd runs modprobe itself and the kernel loads table modules on demand. */
			n_loadable++;
			continue;
		case MODULE_UNVERIFIED:
		case MODULE_UNKNOWN:
			/* Not decided either way: a warning, whatever the module's weight. */
			n_unknown += s == MODULE_UNKNOWN;
			n_undecided++;
			t = TIER_WARN;
			strv_push(&load, xstrdup(name));
			break;
		case MODULE_NOT_LOADED:
			strv_push(&load, xstrdup(name));
			break;
		case MODULE_NOT_INSTALLED:
			strv_push(&install, xstrdup(name));
			break;
		case MODULE_ABSENT:
			strv_push(&absent, xstrdup(name));
			break;
		}
		strv_push(t == TIER_FAIL ? &failing : &warning, xasprintf("%s (%s)", name, module_state_to_string(s)));
	}

	if (backend != IPTABLES_BACKEND_UNKNOWN)
		result_evidence_string(r, "iptables_backend", "%s", iptables_backend_to_string(backend));
	result_evidence_string(r, "sources", "%s", v.sources);
	_cleanup_free_ char *index_note = NULL;
	if (v.index_err == -ELIBACC)
		index_note = xasprintf("the module index was not read: libkmod cannot be loaded (%s; apt-get install "
				       "-y libkmod2)",
				       dyn_error());
	else if (v.index_err < 0)
		index_note = xasprintf("the module index was not read: libkmod failed (%s)", errno_name(v.index_err));
	if (index_note)
		result_evidence_string(r, "module_index", "%s", index_note);
	_cleanup_free_ char *fail_list = strv_join(&failing, ", ");
	_cleanup_free_ char *warn_list = strv_join(&warning, ", ");
	if (failing.n)
		result_evidence_string(r, "missing", "%s", fail_list);
	if (warning.n)
		result_evidence_string(r, "missing_optional", "%s", warn_list);

	const char *where = v.in_container ? " (a container cannot load kernel modules)" : "";
	if (n_unknown == ARRAY_SIZE(modules)) {
		result_set(r, STATUS_SKIP,
			   "none of the %zu modules is in proc/modules, and no kernel config, modules.builtin or "
			   "module index tells whether they are built in",
			   ARRAY_SIZE(modules));
	} else if (failing.n) {
		result_set(r, STATUS_FAIL, "%zu module%s Docker needs %s missing: %s%s", failing.n,
			   failing.n == 1 ? "" : "s", failing.n == 1 ? "is" : "are", fail_list, load.n ? where : "");
	} else if (warning.n) {
		/* Why the index did not decide the undecided ones. */
		const char *why =
			!n_undecided ? NULL
			: v.index_malformed
				? "lib/modules/R/modules.dep.bin is not a well-formed module index, so it was not read"
				: index_note;
		result_set(r, STATUS_WARN, "%s%s: %s%s%s%s",
			   n_undecided ? "modules Docker uses may be missing"
				       : "modules newer Docker releases or non-default networks use are missing",
			   nft_spared ? " (iptables here is nf_tables, which needs no legacy table modules)" : "",
			   warn_list, load.n ? where : "", why ? "; " : "", why ? why : "");
	} else {
		result_set(r, STATUS_PASS,
			   "all %zu modules Docker uses are available: %u built in, %u loaded, %u loadable on demand",
			   ARRAY_SIZE(modules), n_builtin, n_loaded, n_loadable);
	}

	if (r->status == STATUS_FAIL || r->status == STATUS_WARN) {
		if (load.n)
			fix_modules_load(c, r, &load, &persist);
		if (install.n)
			remedy_install(r);
		if (absent.n)
			remedy_kernel_options(r, &absent);
	}

	strv_clear(&failing);
	strv_clear(&warning);
	strv_clear(&load);
	strv_clear(&persist);
	strv_clear(&install);
	strv_clear(&absent);
	modules_view_clear(&v);
	return 0;
}
