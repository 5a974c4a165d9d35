/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"
#include "modindex.h"
#include "parse.h"

/*
 * Options from the kernel's Makefiles: obj-$(CONFIG_X) += name.o. Since the
 * "xtables-nft only builds" change (Linux 6.9, backported to stable series),
 * ip_tables.o and ip6_tables.o are built by the *_LEGACY options; before it by
 * IP_NF_IPTABLES / IP6_NF_IPTABLES. xt_MASQUERADE replaced ipt_MASQUERADE
 * (IP_NF_TARGET_MASQUERADE) in Linux 5.2. The table modules depend on
 * ip_tables/ip6_tables in every release, so a table option that is set also
 * tells that ip_tables is there when an excerpt of a config lacks its own line.
 */
static const struct module_want wants[] = {
	{"overlay", {"OVERLAY_FS"}, NULL},
	{"br_netfilter", {"BRIDGE_NETFILTER"}, NULL},
	{"bridge", {"BRIDGE"}, NULL},
	{"veth", {"VETH"}, NULL},
	{"nf_nat", {"NF_NAT"}, NULL},
	{"ip_tables", {"IP_NF_IPTABLES_LEGACY", "IP_NF_IPTABLES", "IP_NF_FILTER", "IP_NF_NAT", "IP_NF_RAW"}, NULL},
	{"iptable_nat", {"IP_NF_NAT"}, NULL},
	{"iptable_filter", {"IP_NF_FILTER"}, NULL},
	{"xt_conntrack", {"NETFILTER_XT_MATCH_CONNTRACK"}, NULL},
	{"xt_addrtype", {"NETFILTER_XT_MATCH_ADDRTYPE"}, NULL},
	{"xt_MASQUERADE", {"NETFILTER_XT_TARGET_MASQUERADE", "IP_NF_TARGET_MASQUERADE"}, "ipt_MASQUERADE"},
	{"iptable_raw", {"IP_NF_RAW"}, NULL},
	{"ip6_tables",
	 {"IP6_NF_IPTABLES_LEGACY", "IP6_NF_IPTABLES", "IP6_NF_FILTER", "IP6_NF_NAT", "IP6_NF_RAW"},
	 NULL},
	{"ip6table_nat", {"IP6_NF_NAT"}, NULL},
};

const struct module_want *module_want_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(wants); i++)
		if (streq(wants[i].name, name))
			return &wants[i];
	return NULL;
}

const char *module_state_to_string(enum module_state s)
{
	static const char *const names[] = {
		[MODULE_BUILTIN] = "builtin",
		[MODULE_LOADED] = "loaded",
		[MODULE_LOADABLE] = "loadable",
		[MODULE_NOT_LOADED] = "not loaded",
		[MODULE_UNVERIFIED] = "not loaded, loadability unknown",
		[MODULE_NOT_INSTALLED] = "not installed",
		[MODULE_ABSENT] = "not in this kernel",
		[MODULE_UNKNOWN] = "not loaded, maybe built in",
	};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

bool module_state_available(enum module_state s)
{
	return s == MODULE_BUILTIN || s == MODULE_LOADED;
}

#define MODULES_INDEX_KEY "modules.index"

int modules_view_init(struct modules_view *v, struct ctx *c, const char **ret_what)
{
	struct strbuf sb = {0};
	const char *release = NULL;
	int r;

	*v = (struct modules_view){.ctx = c, .in_container = ctx_in_container(c)};

	_cleanup_free_ char *mods = NULL;
	r = host_read_text(c->host, "proc/modules", &mods);
	if (r == 0) {
		r = proc_modules_parse(mods, &v->loaded);
		if (r < 0) {
			*ret_what = "proc/modules";
			return r;
		}
		v->loaded_known = true;
		strbuf_appendf(&sb, "proc/modules: %zu loaded", v->loaded.n);
	} else if (r == -ENOENT && host_is_live(c->host)) {
		/* The kernel makes proc/modules whenever it can load modules at all. */
		v->loaded_known = true;
		strbuf_append(&sb, "proc/modules: missing (no loadable module support)");
	} else if (r == -ENOENT) {
		strbuf_append(&sb, "proc/modules: not captured");
	} else {
		*ret_what = "proc/modules";
		return r;
	}

	const char *source = NULL;
	r = ctx_kconfig(c, &v->kconfig, &source);
	if (r < 0)
		v->kconfig = NULL;
	strbuf_appendf(&sb, "; kernel config: %s", r == 0 ? source : r == -ENOENT ? "none found" : host_err_text(r));

	if (ctx_release(c, &release, NULL) == 0 && !strchr(release, '/')) {
		_cleanup_free_ char *path = xasprintf("lib/modules/%s/modules.builtin", release);
		_cleanup_free_ char *text = NULL;
		r = host_read_text(c->host, path, &text);
		if (r == 0) {
			r = modules_builtin_parse(text, &v->builtin);
			if (r < 0) {
				*ret_what = "lib/modules/R/modules.builtin";
				free(strbuf_take(&sb));
				return r;
			}
			v->builtin_known = true;
		}
		strbuf_appendf(&sb, "; modules.builtin: %s", r == 0 ? "read" : host_err_text(r));

		/* A container's own lib/modules says nothing about what its host can load. */
		if (!v->in_container) {
			r = modindex_open(c->host, release, &v->index);
			/*
			 * A capture has no lib/modules/R when the host had none, or when it was not
			 * captured: what was seen live is recorded so that a replay tells the two apart.
			 */
			const char *seen;
			if (r == -ENOENT && host_is_live(c->host)) {
				host_record(c->host, MODULES_INDEX_KEY, "missing");
				v->index_absent = true;
			} else if (r == -ENOENT && host_recorded(c->host, MODULES_INDEX_KEY, &seen) == 0) {
				v->index_absent = streq(seen, "missing");
			} else if (r == -EBADMSG) {
				v->index_malformed = true;
			}
			strbuf_appendf(&sb, "; module index: %s",
				       r == 0	       ? "lib/modules/R"
				       : r == -ENOENT  ? "missing"
				       : r == -EBADMSG ? "modules.dep.bin is not a well-formed index, not read"
						       : host_err_text(r));
		}
	} else {
		strbuf_append(&sb, "; kernel release unknown: lib/modules not read");
	}
	v->sources = strbuf_take(&sb);
	return 0;
}

void modules_view_clear(struct modules_view *v)
{
	strv_clear(&v->loaded);
	strv_clear(&v->builtin);
	modindex_free(v->index);
	free(v->sources);
	*v = (struct modules_view){0};
}

char modules_view_option(const struct modules_view *v, const struct module_want *w)
{
	if (!v->kconfig)
		return '?';
	for (size_t i = 0; i < ARRAY_SIZE(w->options) && w->options[i]; i++) {
		char o = kconfig_get(v->kconfig, w->options[i]);
		if (o == 'y' || o == 'm')
			return o;
	}
	return 0;
}

static bool listed(const struct strv *l, const struct module_want *w)
{
	return strv_contains(l, w->name) || (w->alt && strv_contains(l, w->alt));
}

enum module_state modules_view_state(struct modules_view *v, const struct module_want *w)
{
	if (v->loaded_known && listed(&v->loaded, w))
		return MODULE_LOADED;
	if (v->builtin_known && listed(&v->builtin, w))
		return MODULE_BUILTIN;
	char opt = modules_view_option(v, w);
	if (opt == 'y')
		return MODULE_BUILTIN;
	if (opt == 0)
		return MODULE_ABSENT;

	/* A module (=m), or no config to tell; a modules.builtin that does not list it says it is no built-in. */
	bool module = opt == 'm' || v->builtin_known;
	if (!v->loaded_known)
		return module ? MODULE_UNVERIFIED : MODULE_UNKNOWN;
	if (v->in_container)
		return module ? MODULE_NOT_LOADED : MODULE_UNKNOWN;

	if (v->index) {
		const char *names[] = {w->name, w->alt};
		for (size_t i = 0; i < ARRAY_SIZE(names) && names[i]; i++) {
			enum modindex_hit hit;
			/* No answer from the index (libkmod missing or broken) says nothing either way. */
			int err = modindex_lookup(v->index, names[i], &hit);
			if (err < 0) {
				v->index_err = err;
				return module ? MODULE_UNVERIFIED : MODULE_UNKNOWN;
			}
			if (hit == MODINDEX_MODULE)
				return MODULE_LOADABLE;
			if (hit == MODINDEX_BUILTIN)
				return MODULE_BUILTIN;
		}
		return MODULE_NOT_INSTALLED;
	}
	/* No module index: live (or recorded so), modprobe has nothing to load from; else perhaps not captured. */
	if (v->index_absent)
		return module ? MODULE_NOT_INSTALLED : MODULE_UNKNOWN;
	return module ? MODULE_UNVERIFIED : MODULE_UNKNOWN;
}
