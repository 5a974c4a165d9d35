/* SPDX-License-Identifier: Apache-2.0 */
#include "fixes.h"

#include <stdarg.h>

/* The targets by the platform container.detect found; fix_targets_here() adds what they share. */
static size_t targets_here(struct ctx *c, struct fix_target ret[FIX_TARGETS_MAX])
{
	const char *p = ctx_platform(c, NULL);
	const char *name = ctx_instance(c);
	if (p && streq(p, "incus")) {
		ret[0] = (struct fix_target){.platform = PLATFORM_INCUS, .instance = name, .lead = NULL};
		return 1;
	}
	if (p && streq(p, "proxmox")) {
		ret[0] = (struct fix_target){.platform = PLATFORM_PROXMOX, .instance = ctx_proxmox_id(c), .lead = NULL};
		return 1;
	}
	if (p && streq(p, "lxc")) {
		ret[0] = (struct fix_target){.platform = PLATFORM_LXC, .instance = name, .lead = NULL};
		return 1;
	}
	if (p && streq(p, "unknown")) {
		ret[0] =
			(struct fix_target){.platform = PLATFORM_LXD,
					    .instance = name,
					    .lead = "No mark tells whether LXD, Incus, Proxmox VE or plain LXC manages "
						    "this container. If it is LXD:"};
		ret[1] = (struct fix_target){.platform = PLATFORM_INCUS, .instance = name, .lead = "If it is Incus:"};
		return 2;
	}
	ret[0] = (struct fix_target){.platform = PLATFORM_LXD, .instance = name, .lead = NULL};
	return 1;
}

size_t fix_targets_here(struct ctx *c, struct fix_target ret[FIX_TARGETS_MAX])
{
	size_t n = targets_here(c, ret);
	bool v1 = n && ret[0].platform != PLATFORM_LXD && ret[0].platform != PLATFORM_INCUS && ctx_devices_v1(c);
	for (size_t i = 0; i < n; i++)
		ret[i].devices_v1 = v1;
	return n;
}

struct fix_target fix_target_here(struct ctx *c)
{
	struct fix_target v[FIX_TARGETS_MAX];
	fix_targets_here(c, v);
	return v[0];
}

struct remedy *fix_remedy(struct result *r, struct fix_target t, const char *text)
{
	if (!t.lead)
		return result_remedy(r, WHERE_HOST, text, NULL);
	_cleanup_free_ char *full = xasprintf("%s %s", t.lead, text);
	return result_remedy(r, WHERE_HOST, full, NULL);
}

bool fix_is_proxmox(struct ctx *c)
{
	const char *p = ctx_platform(c, NULL);
	return p && streq(p, "proxmox");
}

struct fix_target fix_target_lxd(const char *instance)
{
	return (struct fix_target){.platform = PLATFORM_LXD, .instance = instance, .lead = NULL};
}

struct fix_target fix_target_incus(const char *instance)
{
	return (struct fix_target){.platform = PLATFORM_INCUS, .instance = instance, .lead = NULL};
}

/*
 * The one place that knows each platform's words: its name in the texts, its
 * client command (LXD's and Incus's), its default bridge and image, and how
 * an LXC key is written in a container's config file (Proxmox VE's and plain
 * LXC's; config_path() says where that file is).
 */
struct platform_words {
	const char *name;
	const char *cli;
	const char *bridge;
	const char *image;
	const char *assign; /* between an LXC key and its value in its config file (config_path) */
};

static const struct platform_words platforms[] = {
	[PLATFORM_LXD] = {"LXD", "lxc", "lxdbr0", "ubuntu:24.04", NULL},
	/* Incus has no ubuntu: remote; its default remote, images:, has the same release. */
	[PLATFORM_INCUS] = {"Incus", "incus", "incusbr0", "images:ubuntu/24.04", NULL},
	/* pct writes the file itself; lxc.* lines in it take "key: value" (pve-container's LXC.pm). */
	[PLATFORM_PROXMOX] = {"Proxmox VE", "pct", "vmbr0", NULL, ": "},
	[PLATFORM_LXC] = {"LXC", NULL, "lxcbr0", NULL, " = "},
};

static const struct platform_words *words(enum platform p)
{
	return &platforms[p];
}

static bool lxd_like(struct fix_target t)
{
	return t.platform == PLATFORM_LXD || t.platform == PLATFORM_INCUS;
}

const char *fix_platform_name(struct fix_target t)
{
	return words(t.platform)->name;
}

bool fix_has_start_modules(struct fix_target t)
{
	return lxd_like(t);
}

bool fix_has_mknod_intercept(struct fix_target t)
{
	return lxd_like(t) || t.platform == PLATFORM_PROXMOX;
}

static char *config_path(struct fix_target t)
{
	return t.platform == PLATFORM_PROXMOX ? xasprintf("/etc/pve/lxc/%s.conf", t.instance)
					      : xasprintf("/var/lib/lxc/%s/config", t.instance);
}

/*
 * An LXC key added to a Proxmox VE or plain LXC container's config. Proxmox
 * VE's file may end in snapshot sections ([name]): a line goes first, into
 * the container's own section.
 */
static void lxc_key_add(struct remedy *m, struct fix_target t, const char *key, const char *value)
{
	_cleanup_free_ char *path = config_path(t);
	_cleanup_free_ char *line = xasprintf("%s%s%s", key, words(t.platform)->assign, value);
	_cleanup_free_ char *q = shell_quote(line), *qp = shell_quote(path);
	if (t.platform == PLATFORM_PROXMOX) {
		_cleanup_free_ char *cmd = xasprintf("1i %s", line);
		_cleanup_free_ char *qc = shell_quote(cmd);
		remedy_command(m, "sed -i %s %s", qc, qp);
	} else {
		remedy_command(m, "echo %s >> %s", q, qp);
	}
}

/* Proxmox VE's features for Docker; --features replaces the whole list, so it is always given whole. */
#define PVE_FEATURES "nesting=1,keyctl=1,mknod=1"

static void remedy_command_once(struct remedy *m, const char *cmd)
{
	for (size_t i = 0; i < m->commands.n; i++)
		if (streq(m->commands.v[i], cmd))
			return;
	remedy_command(m, "%s", cmd);
}

static void pve_features(struct remedy *m, struct fix_target t, const char *features)
{
	_cleanup_free_ char *cmd = xasprintf("pct set %s --features %s", t.instance, features);
	remedy_command_once(m, cmd);
}

/* LXD's key on Proxmox VE or plain LXC. */
static void set_lxc_form(struct remedy *m, struct fix_target t, const char *key, const char *value)
{
	bool pve = t.platform == PLATFORM_PROXMOX;
	_cleanup_free_ char *path = config_path(t);
	_cleanup_free_ char *qp = shell_quote(path);
	if (streq(key, "security.nesting") && streq(value, "true")) {
		if (pve) {
			pve_features(m, t, PVE_FEATURES);
		} else {
			/*
			 * What Proxmox VE's nesting feature writes (and LXD's and Incus's nesting
			 * amounts to): liblxc's generated profile with the nesting rules and a
			 * policy namespace of the container's own, and a clean proc and sysfs at
			 * /dev/.lxc (liblxc mounts them with allow_nesting, AppArmor or not).
			 * nesting.conf's lxc-container-default-with-nesting still denies overlay
			 * mounts: with it, runc fails at "error preparing rootfs" (measured).
			 */
			lxc_key_add(m, t, "lxc.apparmor.profile", "generated");
			lxc_key_add(m, t, "lxc.apparmor.allow_nesting", "1");
		}
	} else if (streq(key, "security.syscalls.intercept.mknod") && streq(value, "true")) {
		if (pve)
			pve_features(m, t, PVE_FEATURES);
	} else if (streq(key, "security.privileged") && streq(value, "false")) {
		/* Proxmox VE keeps unprivileged read-only: a backup restored as unprivileged shifts the files. */
		if (pve)
			remedy_command(m,
				       "vzdump %s --mode stop --compress zstd --dumpdir /var/tmp && pct restore NEWID "
				       "/var/tmp/vzdump-lxc-%s-*.tar.zst --unprivileged 1 --features " PVE_FEATURES,
				       t.instance, t.instance);
	} else if (streq(key, "security.idmap.size")) {
		if (pve) {
			remedy_command(m, "sed -i '/^lxc\\.idmap/d' %s", qp);
			lxc_key_add(m, t, "lxc.idmap", "g 0 100000 1000000");
			lxc_key_add(m, t, "lxc.idmap", "u 0 100000 1000000");
			remedy_command(m, "usermod --add-subuids 100000-1099999 --add-subgids 100000-1099999 root");
		} else {
			remedy_command(m, "sed -i -E 's/^(lxc\\.idmap *= *[ug] 0 [0-9]+) [0-9]+ *$/\\1 %s/' %s", value,
				       qp);
		}
	} else if (startswith(key, "linux.sysctl.")) {
		_cleanup_free_ char *k = xasprintf("lxc.sysctl.%s", key + strlen("linux.sysctl."));
		lxc_key_add(m, t, k, value);
	} else if (streq(key, "limits.kernel.memlock")) {
		lxc_key_add(m, t, "lxc.prlimit.memlock", value);
	} else if (streq(key, "raw.lxc")) {
		/* "lxc.key=value" (quoted for LXD's command line): the key itself. */
		_cleanup_free_ char *kv = xstrdup(value[0] == '"' ? value + 1 : value);
		size_t n = strlen(kv);
		if (n && kv[n - 1] == '"')
			kv[n - 1] = '\0';
		char *eq = strchr(kv, '=');
		if (eq) {
			*eq = '\0';
			lxc_key_add(m, t, kv, eq + 1);
		}
	}
	/* Others (LXD's own interceptions, linux.kernel_modules) have no form there. */
}

void fix_set(struct remedy *m, struct fix_target t, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *value = xvasprintf(fmt, ap);
	va_end(ap);
	if (lxd_like(t))
		remedy_command(m, "%s config set %s %s %s", words(t.platform)->cli, t.instance, key, value);
	else
		set_lxc_form(m, t, key, value);
}

void fix_get(struct remedy *m, struct fix_target t, const char *key)
{
	if (lxd_like(t))
		remedy_command(m, "%s config get %s %s", words(t.platform)->cli, t.instance, key);
	else if (t.platform == PLATFORM_PROXMOX)
		remedy_command(m, "pct config %s", t.instance);
	else
		fix_show_config(m, t, "-e lxc.include -e lxc.idmap -e lxc.apparmor");
}

void fix_unset(struct remedy *m, struct fix_target t, const char *key)
{
	if (lxd_like(t))
		remedy_command(m, "%s config unset %s %s", words(t.platform)->cli, t.instance, key);
	else if (t.platform == PLATFORM_PROXMOX && streq(key, "security.syscalls.intercept.mknod"))
		pve_features(m, t, "nesting=1,keyctl=1");
}

void fix_restart(struct remedy *m, struct fix_target t)
{
	if (lxd_like(t))
		remedy_command(m, "%s restart %s", words(t.platform)->cli, t.instance);
	else if (t.platform == PLATFORM_PROXMOX)
		remedy_command(m, "pct reboot %s", t.instance);
	else
		/* From either state: lxc-stop fails on a stopped container, lxc-start then starts it. */
		remedy_command(m, "lxc-stop -n %s; lxc-start -n %s", t.instance, t.instance);
}

void fix_show_config(struct remedy *m, struct fix_target t, const char *grep_args)
{
	if (lxd_like(t)) {
		remedy_command(m, "%s config show %s --expanded | grep %s", words(t.platform)->cli, t.instance,
			       grep_args);
	} else if (t.platform == PLATFORM_PROXMOX) {
		remedy_command(m, "pct config %s | grep %s", t.instance, grep_args);
	} else {
		_cleanup_free_ char *path = config_path(t);
		_cleanup_free_ char *qp = shell_quote(path);
		remedy_command(m, "grep %s %s", grep_args, qp);
	}
}

void fix_add_nic(struct remedy *m, struct fix_target t)
{
	const char *br = words(t.platform)->bridge;
	if (lxd_like(t)) {
		remedy_command(m, "%s config device add %s eth0 nic nictype=bridged parent=%s name=eth0",
			       words(t.platform)->cli, t.instance, br);
	} else if (t.platform == PLATFORM_PROXMOX) {
		remedy_command(m, "pct set %s --net0 name=eth0,bridge=%s,ip=dhcp", t.instance, br);
	} else {
		_cleanup_free_ char *path = config_path(t);
		_cleanup_free_ char *qp = shell_quote(path);
		remedy_command(m, "sed -i '/^lxc\\.net\\.0\\./d' %s", qp);
		lxc_key_add(m, t, "lxc.net.0.type", "veth");
		lxc_key_add(m, t, "lxc.net.0.link", br);
		lxc_key_add(m, t, "lxc.net.0.flags", "up");
	}
}

void fix_add_char_device(struct remedy *m, struct fix_target t, const char *name, const char *path, const char *dev)
{
	if (lxd_like(t)) {
		remedy_command(m, "%s config device add %s %s unix-char source=%s path=%s", words(t.platform)->cli,
			       t.instance, name, path, path);
		return;
	}
	if (t.platform == PLATFORM_PROXMOX && streq(name, "fuse")) {
		pve_features(m, t, PVE_FEATURES ",fuse=1");
		return;
	}
	/* The device allowed in the container's devices cgroup, then bound. */
	_cleanup_free_ char *entry = xasprintf("%s %s none bind,create=file 0 0", path, path + 1);
	fix_allow_device(m, t, dev);
	lxc_key_add(m, t, "lxc.mount.entry", entry);
}

void fix_allow_device(struct remedy *m, struct fix_target t, const char *dev)
{
	_cleanup_free_ char *allow = xasprintf("c %s rwm", dev);
	if (lxd_like(t)) {
		/* LXD and Incus allow the usual devices themselves: only the instance's raw.lxc can deny one. */
		fix_show_config(m, t, "-e devices -e raw.lxc");
		return;
	}
	lxc_key_add(m, t, t.devices_v1 ? "lxc.cgroup.devices.allow" : "lxc.cgroup2.devices.allow", allow);
}

void fix_launch_new(struct remedy *m, struct fix_target t)
{
	if (lxd_like(t)) {
		remedy_command(m, "%s launch %s %s-new -c security.nesting=true", words(t.platform)->cli,
			       words(t.platform)->image, t.instance);
	} else if (t.platform == PLATFORM_PROXMOX) {
		remedy_command(m, "pveam update && pveam available --section system | grep ubuntu-24.04");
		remedy_command(m, "pct create NEWID local:vztmpl/TEMPLATE --unprivileged 1 --features " PVE_FEATURES
				  " --net0 name=eth0,bridge=vmbr0,ip=dhcp");
	} else {
		remedy_command(m, "lxc-create -n %s-new -t download -- -d ubuntu -r noble -a amd64", t.instance);
		_cleanup_free_ char *nt = xasprintf("%s-new", t.instance);
		struct fix_target n = {.platform = t.platform, .instance = nt, .lead = NULL};
		fix_set(m, n, "security.nesting", "true");
	}
}

void fix_restart_all(struct remedy *m, struct fix_target t)
{
	if (lxd_like(t))
		remedy_command(m, "%s restart --all", words(t.platform)->cli);
	else if (t.platform == PLATFORM_PROXMOX)
		remedy_command(m, "pct list | awk 'NR > 1 && $2 == \"running\" { print $1 }' | "
				  "while read -r id; do pct reboot \"$id\"; done");
	else
		remedy_command(m, "for n in $(lxc-ls --running); do lxc-stop -n \"$n\"; lxc-start -n \"$n\"; done");
}

void fix_set_start_modules(struct remedy *m, struct fix_target t, const char *csv)
{
	fix_set(m, t, "linux.kernel_modules", "%s", csv);
}

void fix_get_start_modules(struct remedy *m, struct fix_target t)
{
	if (lxd_like(t))
		fix_get(m, t, "linux.kernel_modules");
}

void fix_set_start_sysctl(struct remedy *m, struct fix_target t, const char *name, const char *value)
{
	_cleanup_free_ char *key = xasprintf("linux.sysctl.%s", name);
	fix_set(m, t, key, "%s", value);
}

void fix_docker_volume(struct remedy *m, struct fix_target t, const char *options, const char *path)
{
	_cleanup_free_ char *q = shell_quote(path);
	if (lxd_like(t)) {
		const char *cli = words(t.platform)->cli;
		remedy_command(m, "%s storage volume create default %s-docker%s", cli, t.instance, options);
		remedy_command(m, "%s config device add %s docker disk pool=default source=%s-docker path=%s", cli,
			       t.instance, t.instance, q);
	} else if (t.platform == PLATFORM_PROXMOX) {
		/* A new 50 GiB volume; STORAGE: one of pvesm status (local-lvm on LVM installs, local-zfs on ZFS). */
		_cleanup_free_ char *mp = xasprintf("STORAGE:50,mp=%s", path);
		_cleanup_free_ char *qmp = shell_quote(mp);
		remedy_command(m, "pct set %s --mp0 %s", t.instance, qmp);
	} else {
		/* A host directory, owned by whoever owns the container's rootfs (its root, in any id map). */
		_cleanup_free_ char *dir = xasprintf("/var/lib/lxc/%s/docker", t.instance);
		_cleanup_free_ char *qd = shell_quote(dir);
		remedy_command(m, "mkdir -p %s && chown \"$(stat -c %%u:%%g /var/lib/lxc/%s/rootfs)\" %s", qd,
			       t.instance, qd);
		_cleanup_free_ char *entry = xasprintf("%s %s none bind,create=dir 0 0", dir, path + (path[0] == '/'));
		lxc_key_add(m, t, "lxc.mount.entry", entry);
	}
}

void fix_host_step(struct ctx *c, struct result *r, const char *text, const char *command)
{
	if (!streq(ctx_runtime(c), "lxc")) {
		result_remedy(r, WHERE_HOST, text, command, NULL);
		return;
	}
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(r, t, text);
		remedy_command(m, "%s", command);
		fix_restart(m, t);
	}
}

void fix_instance_config(struct ctx *c, struct result *r, const char *text, ...)
{
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(r, t, text);
		va_list ap;
		va_start(ap, text);
		for (const char *key; (key = va_arg(ap, const char *));)
			fix_set(m, t, key, "%s", va_arg(ap, const char *));
		va_end(ap);
		if (m->commands.n == 0) {
			/* None of the keys has a form on this platform: no fix to give. */
			free(m->text);
			strv_clear(&m->commands);
			r->n_remedies--;
			continue;
		}
		fix_restart(m, t);
	}
}

void fix_outer_privileged(struct ctx *c, struct result *r, const char *text)
{
	fix_outer_run(c, r, text, "--privileged");
}

void fix_outer_run(struct ctx *c, struct result *r, const char *text, const char *flags)
{
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	remedy_command(m, "%s run %s ...", streq(ctx_runtime(c), "podman") ? "podman" : "docker", flags);
}

void fix_modules_load(struct ctx *c, struct result *r, const struct strv *load_now, const struct strv *persist)
{
	bool in_container = ctx_in_container(c);
	_cleanup_free_ char *now = strv_join(load_now, " ");
	_cleanup_free_ char *all = strv_join(persist, " ");
	_cleanup_free_ char *all_commas = strv_join(persist, ",");

	struct remedy *m =
		result_remedy(r, WHERE_HOST,
			      in_container ? "Load them on the host (a container cannot load kernel modules), "
					     "now and at every boot:"
					   : "Load them now and at every boot:",
			      NULL);
	remedy_command(m, "modprobe -a %s", now);
	fix_persist_modules(m, all);

	fix_start_modules(c, r, "Or let",
			  "load them each time this container starts. The new value replaces the old one: add any "
			  "module the first command shows.",
			  all_commas, true);
}

void fix_start_modules(struct ctx *c, struct result *r, const char *lead, const char *rest, const char *csv,
		       bool show_first)
{
	if (!streq(ctx_runtime(c), "lxc"))
		return;
	FIX_FOREACH_TARGET(c, t)
	{
		if (!fix_has_start_modules(t))
			continue;
		_cleanup_free_ char *text = xasprintf("%s %s %s", lead, fix_platform_name(t), rest);
		struct remedy *m = fix_remedy(r, t, text);
		if (show_first)
			fix_get_start_modules(m, t);
		fix_set_start_modules(m, t, csv);
		fix_restart(m, t);
	}
}

void fix_persist_modules(struct remedy *m, const char *mods)
{
	remedy_command(m,
		       "for m in %s; do grep -qsx \"$m\" /etc/modules-load.d/docker.conf || "
		       "echo \"$m\" >> /etc/modules-load.d/docker.conf; done",
		       mods);
}

void fix_load_modules(struct remedy *m, const char *mods)
{
	remedy_command(m, "modprobe -a %s", mods);
	fix_persist_modules(m, mods);
}

void fix_module(struct ctx *c, struct result *r, const char *text, const char *module)
{
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	remedy_command(m, "modprobe %s", module);
	remedy_command(m, "echo %s > /etc/modules-load.d/%s.conf", module, module);
	fix_start_modules(c, r, "Let", "load it whenever this container starts:", module, false);
}

void fix_modules_load_words(struct ctx *c, struct result *r, const char *mods)
{
	struct strv v = {0};
	_cleanup_free_ char *copy = xstrdup(mods);
	char *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		strv_push(&v, xstrdup(w));
	fix_modules_load(c, r, &v, &v);
	strv_clear(&v);
}

void fix_host_sysctl(struct ctx *c, struct result *r, const char *words, const char *conf)
{
	struct remedy *m = result_remedy(r, WHERE_HOST,
					 ctx_in_container(c) ? "These settings belong to the host's kernel: set them "
							       "on the host, now and at every boot:"
							     : "Set them now and at every boot:",
					 NULL);
	remedy_command(m, "sysctl -w %s", words);
	remedy_command(m, "printf '%%s\\n' %s > /etc/sysctl.d/%s", words, conf);
}

void fix_upgrade_engine(struct ctx *c, struct result *r, const char *text)
{
	result_remedy(r, ctx_here(c), text, "apt-get update && apt-get install -y docker.io containerd runc", NULL);
}

void fix_kernel_cmdline(struct result *r, const char *text, const char *args)
{
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	remedy_command(m, "sed -i 's/^GRUB_CMDLINE_LINUX=\"/&%s /' /etc/default/grub && update-grub && reboot", args);
}

/* Mount every hierarchy proc/self/cgroup names, the way cgroupfs-mount does. */
void fix_mount_cgroups(struct ctx *c, struct result *r, enum where where)
{
	_cleanup_free_ char *buf = NULL;
	struct cgroup_lines lines = {0};
	bool v1 = false;

	if (host_read_text(c->host, "proc/self/cgroup", &buf) == 0)
		proc_cgroup_parse(buf, &lines);
	for (size_t i = 0; i < lines.n; i++)
		if (lines.v[i].controllers[0])
			v1 = true;

	struct remedy *m = result_remedy(
		r, where,
		"Nothing mounts the cgroup hierarchies here, so runc cannot create containers (\"no cgroup mount "
		"found in mountinfo\"). Use an init that mounts them (systemd, or the cgroupfs-mount script), or "
		"mount them by hand after each boot:",
		NULL);
	if (!v1) {
		remedy_command(m, "mount -t cgroup2 cgroup2 /sys/fs/cgroup");
		cgroup_lines_clear(&lines);
		return;
	}
	remedy_command(m, "mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup");
	for (size_t i = 0; i < lines.n; i++) {
		const char *ctrl = lines.v[i].controllers;
		if (!ctrl[0]) {
			remedy_command(m, "mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 cgroup2 "
					  "/sys/fs/cgroup/unified");
		} else if (startswith(ctrl, "name=")) {
			remedy_command(
				m, "mkdir -p /sys/fs/cgroup/%s && mount -t cgroup -o none,%s cgroup /sys/fs/cgroup/%s",
				ctrl + 5, ctrl, ctrl + 5);
		} else {
			remedy_command(m,
				       "mkdir -p /sys/fs/cgroup/%s && mount -t cgroup -o %s cgroup /sys/fs/cgroup/%s",
				       ctrl, ctrl, ctrl);
		}
	}
	cgroup_lines_clear(&lines);
}

void fix_lxd_nesting(struct ctx *c, struct result *r)
{
	FIX_FOREACH_TARGET(c, t)
	{
		struct remedy *m = fix_remedy(r, t, "Turn on nesting for this container, then restart it:");
		fix_set(m, t, "security.nesting", "true");
		fix_restart(m, t);
	}
}

/*
 * A4: the host's container manager upgraded to a release whose AppArmor
 * profile lets runc's hardened procfs writes through, or the container run
 * unconfined until then.
 */
void fix_runc_procfs(struct ctx *c, struct result *r)
{
	FIX_FOREACH_TARGET(c, t)
	{
		/* The releases with the fix: the LXD snap's 5.21 and 5.0 tracks, Incus 6.19, lxc-pve 6.0.5-2. */
		static const char *const upgrade[] = {
			[PLATFORM_LXD] = "snap refresh lxd",
			[PLATFORM_INCUS] = "apt-get update && apt-get install --only-upgrade -y incus",
			[PLATFORM_PROXMOX] = "apt-get update && apt-get install -y lxc-pve",
			[PLATFORM_LXC] = NULL,
		};
		static const char *const release[] = {
			[PLATFORM_LXD] = "the LXD snap (its 5.21 and 5.0 tracks carry it)",
			[PLATFORM_INCUS] = "Incus 6.19 or newer",
			[PLATFORM_PROXMOX] = "lxc-pve 6.0.5-2 or newer",
			[PLATFORM_LXC] = NULL,
		};
		struct remedy *fix;
		if (upgrade[t.platform]) {
			_cleanup_free_ char *text = xasprintf("Upgrade %s on the host to a release with the fix (%s), "
							      "then restart the container:",
							      fix_platform_name(t), release[t.platform]);
			fix = fix_remedy(r, t, text);
			remedy_command(fix, "%s", upgrade[t.platform]);
			fix_restart(fix, t);
		}
		fix = fix_remedy(r, t,
				 upgrade[t.platform]
					 ? "Or, with no fixed release yet, run this container unconfined (it "
					   "loses AppArmor protection; do it only for trusted workloads):"
					 : "Run this container unconfined (it loses AppArmor protection; do it "
					   "only for trusted workloads):");
		fix_set(fix, t, "raw.lxc", "\"lxc.apparmor.profile=unconfined\"");
		fix_restart(fix, t);
	}
}

void fix_keep_unprivileged_note(struct ctx *c, struct result *r)
{
	FIX_FOREACH_TARGET(c, t)
	{
		if (!lxd_like(t))
			continue;
		fix_remedy(r, t,
			   "Keep security.privileged unset: a privileged container gives up its AppArmor namespace.");
		break; /* the same words for LXD and Incus: once */
	}
}

/* S1: a filesystem overlay can use as its upper layer, for the data root. */
void fix_data_root_volume(struct ctx *c, struct result *r, const char *path)
{
	_cleanup_free_ char *data_root = shell_quote(path);
	const char *rt = ctx_runtime(c);
	if (streq(rt, "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			_cleanup_free_ char *text = xasprintf(
				"Give Docker a volume of its own from %s, mounted at the data root, then "
				"restart the container:",
				t.platform == PLATFORM_PROXMOX
					? "a Proxmox VE storage (STORAGE: one that pvesm status lists, not ZFS before OpenZFS 2.2)"
				: t.platform == PLATFORM_LXC
					? "a host directory on ext4 or xfs"
					: "a storage pool (dir, btrfs, lvm, or zfs with OpenZFS 2.2+)");
			struct remedy *m = fix_remedy(r, t, text);
			fix_docker_volume(m, t, "", path);
			fix_restart(m, t);
		}
	} else if (streq(rt, "docker") || streq(rt, "podman")) {
		_cleanup_free_ char *flags = xasprintf("--privileged -v %s", data_root);
		fix_outer_run(c, r, "Start the outer container with a volume for the inner engine's data root:", flags);
	}
	struct remedy *m =
		result_remedy(r, ctx_here(c),
			      r->n_remedies ? "Or put the data root on ext4 or xfs (formatted with ftype=1): "
					      "mount such a filesystem there (DEVICE is yours to fill in), then "
					      "restart dockerd:"
					    : "Put the data root on ext4 or xfs (formatted with ftype=1): mount "
					      "such a filesystem there (DEVICE is yours to fill in), then restart "
					      "dockerd:",
			      NULL);
	remedy_command(m, "mkfs.ext4 DEVICE && mount DEVICE %s", data_root);
}

void fix_netns_sysctl(struct ctx *c, struct result *r, const char *const *settings, size_t n, const char *conf)
{
	struct strbuf w = {0};
	for (size_t i = 0; i < n; i++)
		strbuf_appendf(&w, "%s%s", i ? " " : "", settings[i]);
	_cleanup_free_ char *words = strbuf_take(&w);
	const char *rt = ctx_runtime(c);

	if (!ctx_in_container(c)) {
		struct remedy *m = result_remedy(r, WHERE_HOST, "Set it now and at every boot:", NULL);
		remedy_command(m, "sysctl -w %s", words);
		remedy_command(m, "printf '%%s\\n' %s > /etc/sysctl.d/%s", words, conf);
		return;
	}
	if (streq(rt, "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			_cleanup_free_ char *text =
				xasprintf("Have %s set it in this container's network namespace each time it starts:",
					  fix_platform_name(t));
			struct remedy *m = fix_remedy(r, t, text);
			for (size_t i = 0; i < n; i++) {
				_cleanup_free_ char *kv = xstrdup(settings[i]);
				char *eq = strchr(kv, '=');
				*eq = '\0';
				fix_set_start_sysctl(m, t, kv, eq + 1);
			}
			fix_restart(m, t);
		}
	} else if (streq(rt, "docker") || streq(rt, "podman")) {
		struct strbuf sb = {0};
		for (size_t i = 0; i < n; i++)
			strbuf_appendf(&sb, "%s--sysctl %s", i ? " " : "", settings[i]);
		_cleanup_free_ char *flags = strbuf_take(&sb);
		fix_outer_run(c, r, "Start the outer container with the setting:", flags);
	}
	struct remedy *m = result_remedy(r, WHERE_HOST,
					 "Or set it from the host in this container's network namespace (PID: the "
					 "container's first process as the host numbers it):",
					 NULL);
	remedy_command(m, "nsenter --target PID --net sysctl -w %s", words);
}
