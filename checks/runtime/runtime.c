/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container stack's own versions: LXC, LXCFS and LXD (host-side
 * components: inside a container they are normally absent, and then
 * runtime.lxcfs checks that the LXCFS mounts it was given still answer),
 * and Docker's engine, containerd and runc against the catalog's version
 * rules (failure-modes.md section 9). Versions come from dpkg's status
 * file; a tool is run for its --version only when dpkg does not know it.
 */
#include "checks/checks.h"
#include "parse.h"
#include "probe.h"

#include <libmount.h>

/* ---------------------------------------------------------------- versions */

enum presence {
	COMPONENT_ABSENT,  /* dpkg does not have it and no binary was found */
	COMPONENT_PRESENT, /* installed; version may still be NULL (unreadable) */
	COMPONENT_UNKNOWN, /* replay without a dpkg record or a recorded probe */
};

struct component {
	enum presence presence;
	char *version; /* upstream version, NULL when not known */
	char *source;  /* "dpkg docker.io 20.10.24+dfsg1-1", "/usr/sbin/dockerd --version" */
	char *binary;  /* the binary that was run, NULL when dpkg answered */
	char *note;    /* why the version is not known */
};

static void component_clear(struct component *m)
{
	free(m->version);
	free(m->source);
	free(m->binary);
	free(m->note);
	*m = (struct component){0};
}

/* var/lib/dpkg/status: absent, unreadable or junk leave it empty, and the binaries answer. */
static const struct dpkg_status *dpkg_load(struct ctx *c, struct result *r)
{
	static const struct dpkg_status empty;
	const struct dpkg_status *s;
	int err = ctx_dpkg(c, &s);
	if (err < 0) {
		result_evidence_string(r, "dpkg_status", "%s", host_err_text(err));
		return &empty;
	}
	return s;
}

/*
 * Ubuntu 20.04's "lxd" deb is a stub that installs the snap ("1:0.9"): its
 * version says nothing about LXD.
 */
static bool dpkg_version_is_stub(const char *pkg, const char *version)
{
	return streq(pkg, "lxd") && startswith(version, "1:0.");
}

static void component_find(struct ctx *c, const struct dpkg_status *dpkg, const char *const *pkgs, const char *key,
			   const struct tool_probe *tp, struct component *ret)
{
	*ret = (struct component){0};
	for (const char *const *p = pkgs; *p; p++) {
		const struct dpkg_package *pkg = dpkg_status_installed(dpkg, *p);
		if (!pkg || !pkg->version || dpkg_version_is_stub(*p, pkg->version))
			continue;
		ret->presence = COMPONENT_PRESENT;
		ret->version = dpkg_version_upstream(pkg->version);
		ret->source = xasprintf("dpkg %s %s", pkg->name, pkg->version);
		return;
	}

	const char *value;
	int err = host_observe(c->host, key, probe_tool_version, (void *)tp, &value);
	if (err == -ENODATA) {
		ret->presence = COMPONENT_UNKNOWN;
		ret->note = xasprintf("no dpkg record, and %s --version was not run %s", tp->names[0],
				      host_unprobed_in(c->host));
		return;
	}
	if (err < 0) {
		ret->presence = COMPONENT_UNKNOWN;
		ret->note =
			xasprintf("no dpkg record, and %s --version could not run: %s", tp->names[0], errno_name(err));
		return;
	}
	struct tool_run run;
	if (tool_run_parse(value, &run) < 0) {
		ret->presence = COMPONENT_UNKNOWN;
		ret->note = xasprintf("the recorded %s is malformed", key);
		return;
	}
	if (run.absent) {
		ret->presence = COMPONENT_ABSENT;
		tool_run_clear(&run);
		return;
	}
	ret->presence = COMPONENT_PRESENT;
	ret->binary = TAKE_PTR(run.path);
	ret->source = xasprintf("%s %s", ret->binary, tp->arg);
	if (run.error)
		ret->note = xasprintf("%s %s gave no version: %s", ret->binary, tp->arg, run.error);
	else if (tool_version_parse(run.output, &ret->version) < 0)
		ret->note = xasprintf("%s %s printed no version: \"%.80s\"", ret->binary, tp->arg, run.output);
	tool_run_clear(&run);
}

/* evidence NAME_version and NAME_source ("absent", "not known" when so). */
static void component_evidence(struct result *r, const char *name, const struct component *m)
{
	_cleanup_free_ char *kv = xasprintf("%s_version", name), *ks = xasprintf("%s_source", name);
	if (m->presence == COMPONENT_ABSENT) {
		result_evidence_string(r, kv, "absent");
		return;
	}
	result_evidence_string(r, kv, "%s", m->version ? m->version : "unknown");
	if (m->source)
		result_evidence_string(r, ks, "%s", m->source);
	if (m->note) {
		_cleanup_free_ char *kn = xasprintf("%s_note", name);
		result_evidence_string(r, kn, "%s", m->note);
	}
}

/* The version, or why there is none, for a summary. */
static const char *component_word(const struct component *m)
{
	if (m->version)
		return m->version;
	return m->presence == COMPONENT_ABSENT ? "absent" : "unknown";
}

/*
 * The walk-through's minimum (LXC, LXCFS, LXD 2.0) for a component found
 * here. Returns true when it reached a verdict other than pass.
 */
static bool component_minimum(struct ctx *c, struct result *r, const struct component *m, const char *what,
			      const char *minimum, const char *minimum_why)
{
	if (m->presence == COMPONENT_ABSENT) {
		if (ctx_in_container(c))
			result_set(r, STATUS_SKIP,
				   "%s is not installed in this container (it is a host-side component: its version "
				   "matters on the host that runs this container)",
				   what);
		else
			result_set(r, STATUS_SKIP, "%s is not installed on this host", what);
		return true;
	}
	if (m->presence == COMPONENT_UNKNOWN) {
		result_set(r, STATUS_SKIP, "whether %s is installed is not known: %s", what, m->note);
		return true;
	}
	if (!m->version) {
		result_set(r, STATUS_SKIP, "%s is installed, but its version is not known: %s", what, m->note);
		return true;
	}
	if (version_cmp(m->version, minimum) < 0) {
		result_set(r, STATUS_FAIL, "%s %s is older than %s, %s", what, m->version, minimum,
			   minimum_why ? minimum_why : "the minimum of the LXD 2.0 Docker-in-LXD walk-through");
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- runtime.lxc, runtime.lxd */

/* A part of the container stack: where its version comes from, and how to upgrade it. */
struct stack_part {
	const char *what, *evidence, *key;
	const char *const *pkgs;
	struct tool_probe tp;
	const char *absent_note; /* said on a host where it is not installed, or NULL */
	const char *minimum;	 /* NULL: 2.0, the walk-through's */
	const char *minimum_why; /* NULL: the walk-through's */
	const char *upgrade_text;
	const char *const *upgrade_cmds;
};

static void stack_component(struct ctx *c, struct result *r, const struct stack_part *p, struct component *ret)
{
	component_find(c, dpkg_load(c, r), p->pkgs, p->key, &p->tp, ret);
	component_evidence(r, p->evidence, ret);
}

static int stack_version_check(struct ctx *c, struct result *r, const struct stack_part *p)
{
	struct component m;
	stack_component(c, r, p, &m);
	if (!component_minimum(c, r, &m, p->what, p->minimum ? p->minimum : "2.0", p->minimum_why)) {
		result_set(r, STATUS_PASS, "%s %s (%s)", p->what, m.version, m.source);
	} else if (m.presence == COMPONENT_ABSENT && !ctx_in_container(c) && p->absent_note) {
		result_set(r, STATUS_SKIP, "%s is not installed on this host (%s)", p->what, p->absent_note);
	} else if (r->status == STATUS_FAIL) {
		struct remedy *fix = result_remedy(r, ctx_here(c), p->upgrade_text, NULL);
		for (const char *const *cmd = p->upgrade_cmds; *cmd; cmd++)
			remedy_command(fix, "%s", *cmd);
	}
	component_clear(&m);
	return 0;
}

int check_runtime_lxc(struct ctx *c, struct result *r)
{
	static const char *const names[] = {"lxc-start", "lxc-info", NULL};
	static const char *const pkgs[] = {"lxc", "liblxc1", "liblxc-common", NULL};
	static const char *const cmds[] = {"apt-get update && apt-get install -y lxc", NULL};
	static const struct stack_part lxc = {
		.what = "LXC",
		.evidence = "lxc",
		.key = "runtime.version.lxc",
		.pkgs = pkgs,
		.tp = {names, "--version"},
		.absent_note = "neither dpkg nor lxc-start knows it; the LXD snap carries a liblxc of its own",
		.upgrade_text = "Upgrade LXC to 2.0 or newer: LXC 1.x has no cgroup namespaces, AppArmor stacking or "
				"nesting support for Docker. Install it from a supported release (Ubuntu 18.04+, "
				"Debian 10+):",
		.upgrade_cmds = cmds,
	};
	return stack_version_check(c, r, &lxc);
}

int check_runtime_lxd(struct ctx *c, struct result *r)
{
	static const char *const names[] = {"lxd", NULL};
	static const char *const pkgs[] = {"lxd", NULL};
	static const char *const cmds[] = {"snap install lxd || snap refresh lxd",
					   "apt-get update && apt-get install -y lxd", NULL};
	static const struct stack_part lxd = {
		.what = "LXD",
		.evidence = "lxd",
		.key = "runtime.version.lxd",
		.pkgs = pkgs,
		.tp = {names, "--version"},
		.upgrade_text =
			"Upgrade LXD to a supported release (LTS 5.0 or 5.21). Ubuntu: from the snap; Debian 12 "
			"and later: from the archive:",
		.upgrade_cmds = cmds,
	};
	return stack_version_check(c, r, &lxd);
}

int check_runtime_incus(struct ctx *c, struct result *r)
{
	/* The client and the daemon carry one version; the daemon where distributions put it. */
	static const char *const names[] = {"incus", "/usr/libexec/incus/incusd", "/usr/lib/incus/incusd",
					    "/opt/incus/bin/incusd", NULL};
	static const char *const pkgs[] = {"incus", "incus-base", "incus-client", NULL};
	static const char *const cmds[] = {"apt-get update && apt-get install -y -t bookworm-backports incus", NULL};
	static const struct stack_part incus = {
		.what = "Incus",
		.evidence = "incus",
		.key = "runtime.version.incus",
		.pkgs = pkgs,
		.tp = {names, "--version"},
		.minimum = "6.0",
		.minimum_why = "its first long-term release (the 0.x releases before it are out of support)",
		.upgrade_text =
			"Upgrade Incus to its long-term release 6.0 or newer (Debian 12: from bookworm-backports; "
			"Debian 13 and Ubuntu 24.04 carry it; or the Zabbly packages):",
		.upgrade_cmds = cmds,
	};
	return stack_version_check(c, r, &incus);
}

/* ---------------------------------------------------------------- runtime.lxcfs */

/* The file whose read tells whether LXCFS answers: a small one it serves. Absolute path. */
static char *lxcfs_probe_path(const struct strv *targets, bool *ret_in_proc, const char **ret_mount)
{
	const char *first_proc = NULL, *other = NULL;
	for (size_t i = 0; i < targets->n; i++) {
		const char *t = targets->v[i];
		if (startswith(t, "/proc/")) {
			if (!first_proc || streq(t, "/proc/uptime"))
				first_proc = t;
		} else if (!other) {
			other = t;
		}
	}
	*ret_in_proc = first_proc != NULL;
	*ret_mount = other;
	if (first_proc)
		return xstrdup(first_proc);
	if (other) /* the host's own mount, /var/lib/lxcfs */
		return xasprintf("%s/proc/uptime", streq(other, "/") ? "" : other);
	return NULL;
}

static void remedy_lxcfs_dead(struct ctx *c, struct result *r, bool in_container, const char *host_mount)
{
	struct remedy *fix;
	if (in_container) {
		FIX_FOREACH_TARGET(c, t)
		{
			fix = fix_remedy(
				r, t,
				"LXCFS died or hangs on the host: its FUSE mounts in this container no longer "
				"answer. On the host, restart lxcfs (to reload it, send SIGUSR1; never SIGKILL "
				"it), then restart this container so that it gets fresh mounts:");
			remedy_command(fix, "systemctl restart lxcfs");
			fix_restart(fix, t);
		}
		return;
	}
	_cleanup_free_ char *mnt = shell_quote(host_mount ? host_mount : "/var/lib/lxcfs");
	FIX_FOREACH_TARGET(c, t)
	{
		fix = fix_remedy(r, t,
				 "LXCFS no longer answers behind its mount: release the mount, restart lxcfs, then "
				 "restart the running containers (their /proc files hang on the old daemon):");
		remedy_command(fix, "fusermount -u %s || umount -l %s", mnt, mnt);
		remedy_command(fix, "systemctl restart lxcfs");
		fix_restart_all(fix, t);
	}
}

/*
 * On a host: the LXCFS release, and whether its own mount (/var/lib/lxcfs)
 * answers. In a container: whether the LXCFS mounts over /proc files answer
 * (L5: lxcfs died on the host); LXCFS itself is normally not installed there.
 */
int check_runtime_lxcfs(struct ctx *c, struct result *r)
{
	static const char *const names[] = {"lxcfs", NULL};
	static const char *const pkgs[] = {"lxcfs", NULL};
	struct libmnt_table *tb;
	struct strv targets = {0};
	bool in_proc = false;
	const char *host_mount = NULL;
	_cleanup_free_ char *probe = NULL, *joined = NULL;
	const char *read = NULL; /* "ok", an errno name, "timeout"; NULL: not probed */

	int err = ctx_mounts(c, &tb);
	if (err == 0) {
		mounts_lxcfs_targets(tb, &targets);
		joined = strv_join(&targets, ",");
		result_evidence_string(r, "lxcfs_mounts", "%s", targets.n ? joined : "none");
		probe = lxcfs_probe_path(&targets, &in_proc, &host_mount);
	} else {
		result_evidence_string(r, "lxcfs_mounts", "unknown: proc/self/mountinfo is %s", host_err_text(err));
	}
	if (probe) {
		_cleanup_free_ char *key = xasprintf("lxcfs.read:%s", probe);
		int e = host_observe(c->host, key, probe_read_bounded, probe, &read);
		if (e < 0 && e != -ENODATA)
			read = errno_name(e);
		result_evidence_string(r, "probe_file", "%s", probe);
		result_evidence_string(r, "probe_read", "%s", read ? read : host_unrecorded(c->host));
	}

	static const struct stack_part part = {.what = "LXCFS",
					       .evidence = "lxcfs",
					       .key = "runtime.version.lxcfs",
					       .pkgs = pkgs,
					       .tp = {names, "--version"}};
	struct component m;
	stack_component(c, r, &part, &m);

	bool dead = read && streq(read, "ENOTCONN"), hung = read && streq(read, "timeout");
	if (dead || hung) {
		const char *how =
			dead ? "fails with \"Transport endpoint is not connected\"" : "did not answer within 2 s";
		if (in_proc)
			result_set(r, dead ? STATUS_FAIL : STATUS_WARN,
				   "LXCFS is mounted over /proc files here, but reading %s %s: lxcfs %s on the host",
				   probe, how, dead ? "died" : "hangs");
		else
			result_set(
				r, dead ? STATUS_FAIL : STATUS_WARN,
				"the LXCFS mount at %s does not answer (reading %s %s): containers' /proc files fail",
				host_mount, probe, how);
		remedy_lxcfs_dead(c, r, in_proc, host_mount);
	} else if (m.presence == COMPONENT_PRESENT && m.version && version_cmp(m.version, "2.0") < 0) {
		component_minimum(c, r, &m, "LXCFS", "2.0", NULL);
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *fix =
				fix_remedy(r, t, "Upgrade LXCFS to 2.0 or newer, then restart it and the containers:");
			remedy_command(fix, "apt-get update && apt-get install -y lxcfs");
			remedy_command(fix, "systemctl restart lxcfs");
			fix_restart_all(fix, t);
		}
	} else if (in_proc || host_mount) {
		const char *where = in_proc ? "over /proc files here" : host_mount;
		_cleanup_free_ char *what = m.version ? xasprintf("LXCFS %s", m.version) : xstrdup("LXCFS");
		if (read && streq(read, "ok"))
			result_set(r, STATUS_PASS, "%s is mounted %s%s and answers (read of %s works)", what,
				   in_proc ? "" : "at ", where, probe);
		else if (!read)
			result_set(r, STATUS_SKIP, "%s is mounted %s%s; whether it answers was not probed %s", what,
				   in_proc ? "" : "at ", where, host_unprobed_in(c->host));
		else
			result_set(r, STATUS_SKIP,
				   "%s is mounted %s%s, but reading %s fails with %s: whether it answers is not known",
				   what, in_proc ? "" : "at ", where, probe, read);
	} else if (!component_minimum(c, r, &m, "LXCFS", "2.0", NULL)) {
		result_set(r, STATUS_PASS,
			   "LXCFS %s is installed but not running: containers started now see the host's own /proc "
			   "figures (uptime, memory)",
			   m.version);
	}
	component_clear(&m);
	strv_clear(&targets);
	return 0;
}

/* ---------------------------------------------------------------- runtime.docker */

/* What the docker rules look at besides the versions. */
struct docker_env {
	enum cgroup_layout layout;
	bool layout_known;
	int userns; /* 1 a user namespace (map not identity), 0 not, -1 unknown */
	char *modules;
	const struct kconfig *kconfig;
	int apparmor; /* ctx_apparmor_enabled() */
	enum aa_label label;
	bool label_known;
	char *os_id, *os_version;
};

static void docker_env_clear(struct docker_env *e)
{
	free(e->modules);
	free(e->os_id);
	free(e->os_version);
}

static void docker_env_load(struct ctx *c, struct result *r, struct docker_env *e)
{
	struct libmnt_table *tb;
	*e = (struct docker_env){.userns = -1};

	if (ctx_mounts(c, &tb) == 0) {
		struct cgroup_mounts cm;
		if (cgroup_mounts_scan(tb, &cm) == 0) {
			e->layout = cm.layout;
			e->layout_known = true;
			cgroup_mounts_clear(&cm);
		}
	}
	result_evidence_string(r, "cgroup_layout", "%s",
			       e->layout_known ? cgroup_layout_to_string(e->layout) : "unknown");

	_cleanup_free_ char *map = NULL;
	struct idmap im;
	if (host_read_text(c->host, "proc/self/uid_map", &map) == 0 && idmap_parse(map, &im) == 0)
		e->userns = !idmap_is_identity(&im);
	if (e->userns >= 0)
		result_evidence_bool(r, "user_namespace", e->userns == 1);

	if (host_read_text(c->host, "proc/modules", &e->modules) < 0)
		e->modules = NULL;
	if (ctx_kconfig(c, &e->kconfig, NULL) < 0)
		e->kconfig = NULL;

	e->apparmor = ctx_apparmor_enabled(c);
	const char *label;
	if (e->apparmor == 1 && ctx_apparmor_label(c, &label, NULL) == 0) {
		e->label = apparmor_label_classify(label);
		e->label_known = true;
		result_evidence_string(r, "apparmor_label", "%s", label);
	}

	_cleanup_free_ char *osr = NULL;
	if (host_read_text(c->host, "etc/os-release", &osr) == 0 ||
	    host_read_text(c->host, "usr/lib/os-release", &osr) == 0) {
		if (os_release_get(osr, "ID", &e->os_id) < 0)
			e->os_id = NULL;
		if (os_release_get(osr, "VERSION_ID", &e->os_version) < 0)
			e->os_version = NULL;
	}
}

enum table_module { TABLE_MODULE_LOADED, TABLE_MODULE_BUILTIN, TABLE_MODULE_MISSING, TABLE_MODULE_UNKNOWN };
static const char *const table_module_words[] = {"loaded", "built in", "missing", "unknown"};

/* A netfilter table's module: loaded (proc/modules), built in (=y), else missing; unknown without either. */
static enum table_module table_module_state(const struct docker_env *e, const char *module, const char *option)
{
	if (e->modules && proc_modules_has(e->modules, module))
		return TABLE_MODULE_LOADED;
	if (e->kconfig && kconfig_get(e->kconfig, option) == 'y')
		return TABLE_MODULE_BUILTIN;
	if (!e->modules && !e->kconfig)
		return TABLE_MODULE_UNKNOWN;
	return TABLE_MODULE_MISSING;
}

/* The worst status found so far and what was found, joined into the summary. */
struct findings {
	enum status worst;
	struct strv texts;
};

static void finding(struct findings *f, enum status s, const char *fmt, ...) _printf_(3, 4);
static void finding(struct findings *f, enum status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push(&f->texts, xvasprintf(fmt, ap));
	va_end(ap);
	if (s > f->worst)
		f->worst = s;
}

static void remedy_docker_upgrade(struct ctx *c, struct result *r, const char *why)
{
	struct remedy *fix = result_remedy(r, ctx_here(c), why, NULL);
	remedy_command(fix, "apt-get update && apt-get install -y docker.io containerd runc");
}

static void rules_cgroup_v2(struct ctx *c, struct result *r, struct findings *f, const struct docker_env *e,
			    const struct component *docker, const struct component *containerd,
			    const struct component *runc)
{
	if (!e->layout_known || e->layout != CGROUP_LAYOUT_V2)
		return;
	bool old = false;
	if (docker->version && version_cmp(docker->version, "20.10") < 0) {
		finding(f, STATUS_FAIL, "Docker %s predates cgroup v2 support (20.10)", docker->version);
		old = true;
	}
	if (containerd->version && version_cmp(containerd->version, "1.4") < 0) {
		finding(f, STATUS_FAIL, "containerd %s predates cgroup v2 support (1.4)", containerd->version);
		old = true;
	}
	if (runc->version && version_cmp(runc->version, "1.0.0-rc93") < 0) {
		finding(f, STATUS_FAIL, "runc %s predates 1.0.0-rc93 (\"cgroup mountpoint does not exist\"%s)",
			runc->version,
			e->userns == 1 ? "; in a user namespace also \"bpf_prog_query(BPF_CGROUP_DEVICE) failed\""
				       : "");
		old = true;
	}
	if (!old)
		return;
	remedy_docker_upgrade(c, r,
			      "This system has only cgroup v2: install Docker 20.10 or newer, containerd 1.4 or newer "
			      "and runc 1.0.0-rc93 or newer (a current release of the distribution, or Docker CE):");
	result_remedy(r, WHERE_HOST,
		      "Only when upgrading is impossible: boot the host with the legacy cgroup v1 layout (the "
		      "host's kernel command line), then reboot:",
		      "grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=0", NULL);
}

static void rules_netfilter(struct ctx *c, struct result *r, struct findings *f, const struct docker_env *e,
			    const char *docker)
{
	static const struct {
		const char *since, *module, *option, *failure;
	} need[] = {
		{"27", "ip6_tables", "IP6_NF_IPTABLES", "ip6tables is on by default (N4)"},
		{"27", "ip6table_nat", "IP6_NF_NAT", "ip6tables is on by default (N4)"},
		{"28", "iptable_raw", "IP_NF_RAW", "published ports need the raw table (N3)"},
	};
	struct strv missing = {0}, states = {0};
	bool need_raw = false, need_ip6 = false;

	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		if (version_cmp(docker, need[i].since) < 0)
			continue;
		enum table_module st = table_module_state(e, need[i].module, need[i].option);
		strv_push(&states, xasprintf("%s: %s", need[i].module, table_module_words[st]));
		switch (st) {
		case TABLE_MODULE_MISSING:
			strv_push(&missing, xstrdup(need[i].module));
			finding(f, STATUS_WARN, "Docker %s needs %s: %s, and it is not loaded%s", docker,
				need[i].module, need[i].failure, e->kconfig ? " nor built in" : "");
			if (streq(need[i].since, "28"))
				need_raw = true;
			else
				need_ip6 = true;
			break;
		default:
			break;
		}
	}
	if (states.n) {
		_cleanup_free_ char *joined = strv_join(&states, ", ");
		result_evidence_string(r, "netfilter_modules", "%s", joined);
	}
	if (missing.n) {
		_cleanup_free_ char *list = strv_join(&missing, " "), *csv = strv_join(&missing, ",");
		result_evidence_string(r, "modules_missing", "%s", csv);
		struct remedy *fix = result_remedy(
			r, WHERE_HOST, "Load the netfilter modules on the host and keep them loaded at boot:", NULL);
		fix_load_modules(fix, list);
		fix_start_modules(c, r, "Or let",
				  "load them when the container starts (add them to any modules already listed in "
				  "linux.kernel_modules):",
				  csv, false);
		if (need_ip6)
			result_remedy(r, ctx_here(c),
				      "Or turn Docker's IPv6 firewalling off: add \"ip6tables\": false to "
				      "/etc/docker/daemon.json, then restart dockerd.",
				      NULL);
		if (need_raw)
			result_remedy(r, ctx_here(c),
				      "Or use the nf_tables backend of iptables, which needs no iptable_raw:",
				      "update-alternatives --set iptables /usr/sbin/iptables-nft",
				      "update-alternatives --set ip6tables /usr/sbin/ip6tables-nft", NULL);
	}
	strv_clear(&missing);
	strv_clear(&states);
}

/* A4 and A5 need an AppArmor-confined LXC container: a label, and not "unconfined". */
static bool lxc_confined(struct ctx *c, const struct docker_env *e)
{
	return streq(ctx_runtime(c), "lxc") && e->apparmor == 1 && e->label_known && e->label != AA_LABEL_UNCONFINED;
}

static void rule_runc_procfs(struct ctx *c, struct result *r, struct findings *f, const struct docker_env *e,
			     const struct component *runc)
{
	if (!runc->version || !runc_procfs_hardened(runc->version) || !lxc_confined(c, e))
		return;
	finding(f, STATUS_WARN,
		"runc %s (CVE-2025-52881 fix) in an AppArmor-confined LXC container: unless the host's LXD/Incus/LXC "
		"has the matching AppArmor fix, every container fails with \"open sysctl "
		"net.ipv4.ip_unprivileged_port_start file: reopen fd 8: permission denied\" (A4)",
		runc->version);
	fix_runc_procfs(c, r);
}

static void rule_noble_runc(struct ctx *c, struct result *r, struct findings *f, const struct docker_env *e,
			    const struct dpkg_status *dpkg, const struct component *runc)
{
	if (!e->os_id || !streq(e->os_id, "ubuntu") || !e->os_version || version_cmp(e->os_version, "23.10") < 0)
		return;
	/* Distribution docker.io runs the runc package's /usr/sbin/runc, which AppArmor 4 gives a profile. */
	bool distro = dpkg_status_installed(dpkg, "docker.io") && dpkg_status_installed(dpkg, "runc");
	bool sbin = runc->binary && streq(runc->binary, "/usr/sbin/runc");
	if (!(distro || sbin) || !lxc_confined(c, e))
		return;
	finding(f, STATUS_WARN,
		"Ubuntu %s's docker.io runs /usr/sbin/runc, whose AppArmor profile denies pivot_root in a nested "
		"container (\"pivot_root .: permission denied\", A5)",
		e->os_version);
	result_remedy(r, WHERE_CONTAINER,
		      "Use Docker CE instead (its runc is /usr/bin/runc, which that profile does not cover): remove "
		      "docker.io and install docker-ce, containerd.io from download.docker.com:",
		      "apt-get remove -y docker.io runc", "curl -fsSL https://get.docker.com | sh", NULL);
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *fix =
			fix_remedy(r, t, "Or run this container unconfined (the workaround LXD's maintainers give):");
		fix_set(fix, t, "raw.lxc", "\"lxc.apparmor.profile=unconfined\"");
		fix_restart(fix, t);
	}
}

/*
 * No dockerd. The docker client alone (docker-ce-cli, or a copied binary) is
 * not an engine: say what is there, and install what is missing from the same
 * source as the client.
 */
static void docker_absent(struct ctx *c, struct result *r, const struct dpkg_status *dpkg)
{
	static const char *const docker[] = {"docker", NULL};
	static const struct tool_probe tp_cli = {docker, "--version"};
	static const char *const pkg_cli[] = {"docker-ce-cli", "docker-cli", NULL};
	const char *where = ctx_in_container(c) ? "in this container" : "here";
	struct component cli;

	component_find(c, dpkg, pkg_cli, "runtime.version.docker", &tp_cli, &cli);
	if (cli.presence != COMPONENT_PRESENT) {
		result_set(r, STATUS_SKIP, "Docker is not installed %s", where);
		result_remedy(r, ctx_here(c), "To install Docker from the distribution:",
			      "apt-get update && apt-get install -y docker.io", NULL);
		component_clear(&cli);
		return;
	}
	component_evidence(r, "docker_cli", &cli);
	result_set(r, STATUS_SKIP, "the Docker client %s is installed %s, but not the engine (dockerd)",
		   cli.version ? cli.version : "(version unknown)", where);
	if (cli.source && startswith(cli.source, "dpkg docker-ce-cli"))
		result_remedy(r, ctx_here(c), "Install the engine from the repository the client came from (Docker's):",
			      "apt-get update && apt-get install -y docker-ce containerd.io", NULL);
	else
		result_remedy(r, ctx_here(c),
			      "Install the engine (the distribution's docker.io brings dockerd, "
			      "containerd and runc):",
			      "apt-get update && apt-get install -y docker.io", NULL);
	result_remedy(r, ctx_here(c),
		      "If this client is meant to drive an engine on another machine, nestcheck must run there: "
		      "see where DOCKER_HOST or the docker context points:",
		      "docker context ls", NULL);
	component_clear(&cli);
}

int check_runtime_docker(struct ctx *c, struct result *r)
{
	static const char *const dockerd[] = {"dockerd", NULL}, *const containerd[] = {"containerd", NULL},
				 *const runc[] = {"runc", NULL};
	static const struct tool_probe tp_docker = {dockerd, "--version"}, tp_containerd = {containerd, "--version"},
				       tp_runc = {runc, "--version"};
	static const char *const pkg_docker[] = {"docker-ce", "docker.io", NULL},
				 *const pkg_containerd[] = {"containerd.io", "containerd", NULL},
				 *const pkg_runc[] = {"runc", NULL};
	const struct dpkg_status *dpkg = dpkg_load(c, r);
	struct component d, cd = {0}, rc = {0};
	struct docker_env e;
	struct findings f = {STATUS_PASS, {0}};

	component_find(c, dpkg, pkg_docker, "runtime.version.dockerd", &tp_docker, &d);
	component_evidence(r, "docker", &d);
	if (d.presence == COMPONENT_ABSENT) {
		docker_absent(c, r, dpkg);
		goto out;
	}
	if (d.presence == COMPONENT_UNKNOWN) {
		result_set(r, STATUS_SKIP, "whether Docker is installed is not known: %s", d.note);
		goto out;
	}
	component_find(c, dpkg, pkg_containerd, "runtime.version.containerd", &tp_containerd, &cd);
	component_find(c, dpkg, pkg_runc, "runtime.version.runc", &tp_runc, &rc);
	component_evidence(r, "containerd", &cd);
	component_evidence(r, "runc", &rc);

	docker_env_load(c, r, &e);
	rules_cgroup_v2(c, r, &f, &e, &d, &cd, &rc);
	if (d.version && version_cmp(d.version, "25") >= 0 && e.userns == 1) {
		finding(&f, STATUS_WARN,
			"Docker %s in a user namespace refuses images whose layers carry user.overlay.* xattrs "
			"(built with podman/buildah): \"lsetxattr user.overlay.impure: operation not supported\" (S6)",
			d.version);
		result_remedy(r, ctx_here(c),
			      "Rebuild such images with docker buildx, or run this engine with the fuse-overlayfs "
			      "storage driver (\"storage-driver\": \"fuse-overlayfs\" in /etc/docker/daemon.json):",
			      "apt-get install -y fuse-overlayfs", NULL);
	}
	if (d.version)
		rules_netfilter(c, r, &f, &e, d.version);
	rule_runc_procfs(c, r, &f, &e, &rc);
	rule_noble_runc(c, r, &f, &e, dpkg, &rc);

	if (f.texts.n) {
		_cleanup_free_ char *s = strv_join(&f.texts, "; ");
		result_set(r, f.worst, "%s", s);
	} else if (!d.version) {
		result_set(r, STATUS_SKIP, "Docker is installed, but its version is not known: %s", d.note);
	} else {
		result_set(r, STATUS_PASS,
			   "Docker %s, containerd %s, runc %s: no known version problem here (cgroup layout: %s)",
			   d.version, component_word(&cd), component_word(&rc),
			   e.layout_known ? cgroup_layout_to_string(e.layout) : "unknown");
	}
	strv_clear(&f.texts);
	docker_env_clear(&e);
out:
	component_clear(&d);
	component_clear(&cd);
	component_clear(&rc);
	return 0;
}
