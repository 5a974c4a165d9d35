/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"

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
	if (opt == 'm' && !in_container) {
		result_set(r, STATUS_WARN, "overlay is a module that is not loaded yet");
		fix_module(c, r, "Load it now and at every boot:", "overlay");
		return 0;
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
