/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"
#include "core/child.h"

#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>

static bool filesystems_has(const char *buf, const char *fs)
{
	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		const char *name = memchr(p, '\t', len);
		name = name ? name + 1 : p;
		size_t nlen = (size_t)(p + len - name);
		while (nlen && (name[0] == ' ' || name[0] == '\t'))
			name++, nlen--;
		if (nlen == strlen(fs) && strncmp(name, fs, nlen) == 0)
			return true;
		p += len + (p[len] == '\n');
	}
	return false;
}

/*
 * In a child with a mount namespace of its own: one overlay mount that cannot
 * succeed (its lower directory does not exist). The kernel resolves the
 * filesystem type first and loads its module on demand, as it will for dockerd's
 * first overlay mount, even for a container that cannot run modprobe; AppArmor
 * and the mount permission are checked before that, so where they refuse, nothing
 * is loaded. Writes the mount's errno.
 */
static void overlay_ask_child(void *arg _unused_, int out)
{
	int e = EPERM;
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		e = mount("overlay", "/tmp", "overlay", MS_RDONLY, "lowerdir=/.nestcheck-no-such-dir") == 0 ? 0 : errno;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", e);
	(void)!write(out, buf, (size_t)n);
}

/* "loaded" when proc/filesystems lists overlay after the child asked for it, else "not-loaded". */
static int probe_overlay_on_demand(void *userdata _unused_, char **ret)
{
	const struct child_opts o = {.timeout_ms = 5000, .max_output = 32, .quick = true};
	struct child_result res;
	int r = child_run(overlay_ask_child, NULL, &o, &res);
	if (r < 0)
		return r;
	child_result_clear(&res);
	_cleanup_free_ char *fs = NULL;
	size_t len;
	r = read_user_file("/proc/filesystems", 1 << 20, &fs, &len);
	if (r < 0)
		return r;
	*ret = xstrdup(filesystems_has(fs, "overlay") ? "loaded" : "not-loaded");
	return 0;
}

/* Does the kernel command line forbid loading overlay (module_blacklist=...,overlay,...)? */
static bool cmdline_blacklists(const char *cmdline, const char *module)
{
	size_t mlen = strlen(module);
	for (const char *p = cmdline; *p;) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		static const char key[] = "module_blacklist=";
		if (len > sizeof(key) - 1 && strncmp(p, key, sizeof(key) - 1) == 0) {
			const char *v = p + sizeof(key) - 1, *end = p + len;
			while (v < end) {
				size_t n = strcspn(v, ",");
				if (v + n > end)
					n = (size_t)(end - v);
				if (n == mlen && strncmp(v, module, n) == 0)
					return true;
				v += n + 1;
			}
		}
		p += len;
	}
	return false;
}

int check_overlay_support(struct ctx *c, struct result *r)
{
	_cleanup_free_ char *fs = NULL;
	int err = host_read_text(c->host, "proc/filesystems", &fs);

	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/filesystems is missing: overlay support is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/filesystems is %s", host_err_text(err));

	bool registered = filesystems_has(fs, "overlay");
	const struct kconfig *kc;
	char opt = ctx_kconfig(c, &kc, NULL) == 0 ? kconfig_get(kc, "OVERLAY_FS") : '?';
	bool in_container = ctx_in_container(c);

	result_evidence_bool(r, "registered", registered);
	if (opt != '?')
		result_evidence_string(r, "config_overlay_fs", "%c", opt ? opt : 'n');
	if (registered) {
		result_set(r, STATUS_PASS, "the kernel supports overlay (listed in proc/filesystems)");
		return 0;
	}
	_cleanup_free_ char *cmdline = NULL;
	if (opt != 0 && host_read_line(c->host, "proc/cmdline", &cmdline) == 0 &&
	    cmdline_blacklists(cmdline, "overlay")) {
		result_evidence_bool(r, "blacklisted", true);
		result_set(
			r, STATUS_FAIL,
			"overlay is not loaded and the kernel command line forbids loading it "
			"(module_blacklist=...overlay): dockerd falls back to the slow vfs driver or refuses to start");
		result_remedy(
			r, WHERE_HOST, "Take overlay out of module_blacklist= on the kernel command line, then reboot:",
			"sed -i -E 's/(module_blacklist=[^ \"]*)\\boverlay\\b,?/\\1/' /etc/default/grub && update-grub "
			"&& reboot",
			NULL);
		return 0;
	}
	if (opt == 'm' && !in_container) {
		result_set(r, STATUS_WARN, "overlay is a module that is not loaded yet");
		fix_module(c, r, "Load it now and at every boot:", "overlay");
		return 0;
	}

	if (in_container && opt != 0) {
		const char *asked;
		int e = host_observe(c->host, "overlay.on_demand", probe_overlay_on_demand, NULL, &asked);
		if (e < 0 && e != -ENODATA)
			return result_error(r, e, "cannot ask the kernel for overlay: %s", errno_name(e));
		if (e == 0)
			result_evidence_bool(r, "loaded_on_demand", streq(asked, "loaded"));
		if (e == 0 && streq(asked, "loaded")) {
			result_set(
				r, STATUS_WARN,
				"overlay was not loaded; the kernel loaded its module on demand for a test mount here, "
				"as it will for dockerd's first overlay mount, so overlay2 works until the host "
				"reboots");
			fix_module(c, r, "Load overlay on the host at every boot, so it never waits for a first mount:",
				   "overlay");
			return 0;
		}
	}
	if (opt == 0) {
		result_set(r, STATUS_FAIL,
			   "the kernel is built without overlay (CONFIG_OVERLAY_FS): overlay2 cannot work");
		result_remedy(r, WHERE_HOST,
			      "Boot a kernel built with CONFIG_OVERLAY_FS=y or =m (any distribution kernel).", NULL);
		return 0;
	}
	result_set(r, STATUS_FAIL, "overlay is not available%s: Docker falls back to the slow vfs driver or fails",
		   in_container ? " and a container cannot load kernel modules" : "");
	fix_module(c, r, "Load the overlay module on the host, now and at every boot:", "overlay");
	return 0;
}
