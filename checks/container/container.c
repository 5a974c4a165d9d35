/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"

#include <libmount.h>

static const char *runtime_words(const char *rt)
{
	if (streq(rt, "none"))
		return "on a host, not in a container";
	if (streq(rt, "lxc"))
		return "inside an LXC/LXD container";
	if (streq(rt, "docker"))
		return "inside a Docker container";
	if (streq(rt, "podman"))
		return "inside a Podman container";
	if (streq(rt, "systemd-nspawn"))
		return "inside a systemd-nspawn container";
	if (streq(rt, "wsl"))
		return "under Windows Subsystem for Linux";
	if (streq(rt, "openvz"))
		return "inside an OpenVZ container";
	return "inside a container of an unknown kind";
}

int check_container_detect(struct ctx *c, struct result *r)
{
	const char *rt = ctx_runtime(c);
	const struct strv *signals = ctx_runtime_signals(c);
	_cleanup_free_ char *sig = strv_join(signals, "; ");

	result_evidence_string(r, "runtime", "%s", rt);
	result_evidence_string(r, "signals", "%s", sig);
	if (streq(rt, "lxc")) {
		const char *name = ctx_instance(c);
		result_evidence_string(r, "name", "%s", name);
		result_set(r, STATUS_PASS, "running %s (%s)", runtime_words(rt), name);
	} else {
		result_set(r, STATUS_PASS, "running %s", runtime_words(rt));
	}
	return 0;
}

/* Bit 21 of CapEff: what Docker-in-Docker needs, and what --privileged grants. */
#define CAP_SYS_ADMIN_BIT 21

static int nesting_app_container(struct ctx *c, struct result *r, const char *rt)
{
	_cleanup_free_ char *status = NULL;
	uint64_t capeff;
	int err = host_read_text(c->host, "proc/self/status", &status);

	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/status is missing: the container's capabilities are not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/status is %s", host_err_text(err));
	err = proc_status_hex(status, "CapEff", &capeff);
	if (err < 0)
		return result_error(r, err, "proc/self/status has no readable CapEff line");
	result_evidence_string(r, "capeff", "%016llx", (unsigned long long)capeff);
	result_evidence_bool(r, "cap_sys_admin", capeff & (1ull << CAP_SYS_ADMIN_BIT));
	if (capeff & (1ull << CAP_SYS_ADMIN_BIT)) {
		result_set(r, STATUS_PASS, "%s container with CAP_SYS_ADMIN (privileged): a nested engine can run", rt);
		return 0;
	}
	result_set(r, STATUS_FAIL,
		   "%s container without CAP_SYS_ADMIN: a Docker engine inside cannot mount or create namespaces", rt);
	fix_outer_privileged(c, r,
			     "Docker-in-Docker needs a privileged container (or a runtime built for it, such as "
			     "sysbox). Start this container with:");
	return 0;
}

int check_container_nesting(struct ctx *c, struct result *r)
{
	const char *rt = ctx_runtime(c);

	result_evidence_string(r, "runtime", "%s", rt);
	if (streq(rt, "none")) {
		result_set(r, STATUS_SKIP, "on a host: nesting applies only inside a container");
		return 0;
	}
	if (streq(rt, "docker") || streq(rt, "podman"))
		return nesting_app_container(c, r, rt);
	if (!streq(rt, "lxc")) {
		result_set(r, STATUS_SKIP, "nestcheck has no nesting rule for %s containers", rt);
		return 0;
	}

	struct libmnt_table *tb;
	int err = ctx_mounts(c, &tb);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/mountinfo is missing: LXC nesting is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/mountinfo is %s", host_err_text(err));

	bool nesting = mounts_has(tb, "/dev/.lxc/proc", "proc");
	result_evidence_bool(r, "nesting_proc", nesting);
	if (nesting) {
		result_set(r, STATUS_PASS, "LXC nesting is on (a clean proc is mounted at /dev/.lxc/proc)");
		return 0;
	}
	int aa = ctx_apparmor_enabled(c);
	if (aa < 0)
		return result_error(r, aa, "sys/module/apparmor/parameters/enabled is %s", host_err_text(aa));
	result_evidence_bool(r, "apparmor", aa == 1);
	if (aa == 1) {
		result_set(r, STATUS_FAIL,
			   "LXC nesting is off and AppArmor is enabled: Docker cannot load its profiles or mount proc");
	} else {
		result_set(r, STATUS_WARN,
			   "LXC nesting is off; Docker can run here only because the kernel has no AppArmor");
	}
	fix_lxd_nesting(c, r);
	return 0;
}
