/* SPDX-License-Identifier: Apache-2.0 */
#include "fixes.h"

#include <stdarg.h>

struct fix_target fix_target_here(struct ctx *c)
{
	const char *p = ctx_platform(c, NULL);
	return (struct fix_target){p && streq(p, "incus") ? PLATFORM_INCUS : PLATFORM_LXD, ctx_instance(c)};
}

bool fix_maybe_proxmox(struct ctx *c)
{
	const char *p = ctx_platform(c, NULL);
	return p && (streq(p, "proxmox") || streq(p, "unknown"));
}

struct fix_target fix_target_lxd(const char *instance)
{
	return (struct fix_target){PLATFORM_LXD, instance};
}

/*
 * The one place that knows each platform's words: its name in the texts, its
 * client command, and the config keys for what it does when a container starts.
 */
struct platform_words {
	const char *name;
	const char *cli;
	const char *start_modules;
	const char *start_sysctl; /* a prefix to the sysctl's name */
};

static const struct platform_words platforms[] = {
	[PLATFORM_LXD] = {"LXD", "lxc", "linux.kernel_modules", "linux.sysctl."},
	[PLATFORM_INCUS] = {"Incus", "incus", "linux.kernel_modules", "linux.sysctl."},
};

static const struct platform_words *words(enum platform p)
{
	return &platforms[p];
}

static const char *platform_cli(enum platform p)
{
	return words(p)->cli;
}

const char *fix_platform_name(struct fix_target t)
{
	return words(t.platform)->name;
}

const char *fix_cli(struct fix_target t)
{
	return platform_cli(t.platform);
}

void fix_set(struct remedy *m, struct fix_target t, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *value = xvasprintf(fmt, ap);
	va_end(ap);
	remedy_command(m, "%s config set %s %s %s", platform_cli(t.platform), t.instance, key, value);
}

void fix_get(struct remedy *m, struct fix_target t, const char *key)
{
	remedy_command(m, "%s config get %s %s", platform_cli(t.platform), t.instance, key);
}

void fix_unset(struct remedy *m, struct fix_target t, const char *key)
{
	remedy_command(m, "%s config unset %s %s", platform_cli(t.platform), t.instance, key);
}

void fix_restart(struct remedy *m, struct fix_target t)
{
	remedy_command(m, "%s restart %s", platform_cli(t.platform), t.instance);
}

void fix_restart_all(struct remedy *m, struct fix_target t)
{
	remedy_command(m, "%s restart --all", platform_cli(t.platform));
}

void fix_set_start_modules(struct remedy *m, struct fix_target t, const char *csv)
{
	fix_set(m, t, words(t.platform)->start_modules, "%s", csv);
}

void fix_get_start_modules(struct remedy *m, struct fix_target t)
{
	fix_get(m, t, words(t.platform)->start_modules);
}

void fix_set_start_sysctl(struct remedy *m, struct fix_target t, const char *name, const char *value)
{
	_cleanup_free_ char *key = xasprintf("%s%s", words(t.platform)->start_sysctl, name);
	fix_set(m, t, key, "%s", value);
}

void fix_docker_volume(struct remedy *m, struct fix_target t, const char *options, const char *path)
{
	const char *cli = platform_cli(t.platform);
	remedy_command(m, "%s storage volume create default %s-docker%s", cli, t.instance, options);
	remedy_command(m, "%s config device add %s docker disk pool=default source=%s-docker path=%s", cli, t.instance,
		       t.instance, path);
}

void fix_instance_config(struct ctx *c, struct result *r, const char *text, ...)
{
	struct fix_target t = fix_target_here(c);
	struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
	va_list ap;
	va_start(ap, text);
	for (const char *key; (key = va_arg(ap, const char *));)
		fix_set(m, t, key, "%s", va_arg(ap, const char *));
	va_end(ap);
	fix_restart(m, t);
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

	if (streq(ctx_runtime(c), "lxc")) {
		struct fix_target t = fix_target_here(c);
		_cleanup_free_ char *text = xasprintf("Or let %s load them each time this container starts. The new "
						      "value replaces the old one: add any module the first command "
						      "shows.",
						      words(t.platform)->name);
		m = result_remedy(r, WHERE_HOST, text, NULL);
		fix_get_start_modules(m, t);
		fix_set_start_modules(m, t, all_commas);
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
	if (streq(ctx_runtime(c), "lxc")) {
		struct fix_target t = fix_target_here(c);
		_cleanup_free_ char *lxd =
			xasprintf("Let %s load it whenever this container starts:", words(t.platform)->name);
		m = result_remedy(r, WHERE_HOST, lxd, NULL);
		fix_set_start_modules(m, t, module);
		fix_restart(m, t);
	}
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
	struct remedy *m = result_remedy(r, WHERE_HOST, "Turn on nesting for this container, then restart it:", NULL);
	fix_set(m, fix_target_here(c), "security.nesting", "true");
	fix_restart(m, fix_target_here(c));
	/* Where the platform is not known to be LXD or Incus, name the others' forms. */
	const char *p = ctx_platform(c, NULL);
	if (p && !streq(p, "lxd") && !streq(p, "incus"))
		result_remedy(r, WHERE_HOST,
			      "Plain LXC (no LXD): add lxc.include = /usr/share/lxc/config/nesting.conf to the "
			      "container's config; Proxmox: pct set ID --features nesting=1,keyctl=1.",
			      NULL);
}

/* S1: a filesystem overlay can use as its upper layer, for the data root. */
void fix_data_root_volume(struct ctx *c, struct result *r, const char *path)
{
	_cleanup_free_ char *data_root = shell_quote(path);
	const char *rt = ctx_runtime(c);
	if (streq(rt, "lxc")) {
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			"Give Docker a volume of its own from an LXD storage pool (dir, btrfs, lvm, or zfs with OpenZFS "
			"2.2+), mounted at the data root, then restart the container:",
			NULL);
		fix_docker_volume(m, fix_target_here(c), "", data_root);
		fix_restart(m, fix_target_here(c));
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
		struct fix_target t = fix_target_here(c);
		_cleanup_free_ char *text =
			xasprintf("Have %s set it in this container's network namespace each time it starts:",
				  fix_platform_name(t));
		struct remedy *m = result_remedy(r, WHERE_HOST, text, NULL);
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *kv = xstrdup(settings[i]);
			char *eq = strchr(kv, '=');
			*eq = '\0';
			fix_set_start_sysctl(m, t, kv, eq + 1);
		}
		fix_restart(m, t);
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
