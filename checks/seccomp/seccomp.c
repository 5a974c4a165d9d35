/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp.status: the filter nestcheck runs under, and whether LXD can intercept syscalls. */
#include "checks/checks.h"
#include "checks/namespace/parse.h"
#include "checks/namespace/probe.h"

int check_seccomp_status(struct ctx *c, struct result *r)
{
	_cleanup_free_ char *status = NULL;
	int err = host_read_text(c->host, "proc/self/status", &status);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/status is missing: the seccomp mode is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/status is %s", host_err_text(err));

	unsigned long long mode, filters = 0, nnp;
	err = proc_status_uint(status, "Seccomp", &mode);
	if (err == -EBADMSG || (err == 0 && !seccomp_mode_to_string(mode)))
		return result_error(r, -EBADMSG, "proc/self/status has an unreadable Seccomp line");
	if (err == -ENOENT) {
		result_evidence_string(r, "mode", "unsupported");
		result_set(r, STATUS_WARN,
			   "the kernel has no seccomp (no Seccomp line in proc/self/status): Docker runs containers "
			   "without its syscall filter");
		result_remedy(r, WHERE_HOST, "Boot a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER:",
			      "zgrep CONFIG_SECCOMP /proc/config.gz", NULL);
		return 0;
	}
	const char *mode_name = seccomp_mode_to_string(mode);
	result_evidence_string(r, "mode", "%s", mode_name);
	/* Seccomp_filters appeared in 5.9. */
	bool have_filters = proc_status_uint(status, "Seccomp_filters", &filters) == 0;
	if (have_filters)
		result_evidence_int(r, "filters", (long long)filters);
	if (proc_status_uint(status, "NoNewPrivs", &nnp) == 0)
		result_evidence_bool(r, "no_new_privs", nnp != 0);

	const char *notif;
	err = host_observe(c->host, "seccomp.user_notif", probe_seccomp_user_notif, NULL, &notif);
	if (err < 0 && err != -ENODATA)
		return result_error(r, err, "cannot run the seccomp probe: %s", errno_name(err));
	bool notif_known = err == 0;
	bool notif_ok = notif_known && streq(notif, "available");
	_cleanup_free_ char *unprobed = xasprintf("not probed (%s)", host_unprobed(c->host));
	result_evidence_string(r, "user_notif", "%s", notif_known ? notif : unprobed);

	/* Interception is LXD's answer to a refused mknod: does it have what it needs? */
	if (streq(ctx_runtime(c), "lxc") && notif_known && !notif_ok) {
		const char *mk = NULL;
		uint32_t euid;
		if (status_euid(c, &euid) == 0 && euid == 0)
			device_mknod_observe(c, &mk);
		_cleanup_free_ char *null = NULL;
		if (mk && probe_kv_get(mk, "null", &null) == 0 && !streq(null, "ok")) {
			result_evidence_string(r, "mknod", "%s", null);
			result_set(r, STATUS_WARN,
				   "mknod is refused here (%s) and the kernel has no seccomp user notification (%s): "
				   "LXD or Incus cannot intercept mknod or setxattr for this container "
				   "(security.syscalls.intercept.*)",
				   null, notif);
			result_remedy(
				r, WHERE_HOST,
				"Syscall interception needs seccomp user notification: upgrade the host kernel to "
				"5.3 or newer. Until then, device nodes cannot be created in this container.",
				"uname -r", NULL);
			return 0;
		}
	}

	_cleanup_free_ char *filt =
		have_filters ? xasprintf(" with %llu filter%s", filters, filters == 1 ? "" : "s") : xstrdup("");
	result_set(r, STATUS_PASS, "seccomp %s%s; user notification %s", mode_name, mode == 2 ? filt : "",
		   !notif_known ? unprobed
		   : notif_ok	? "available (LXD syscall interception can work)"
				: "unavailable");
	return 0;
}
