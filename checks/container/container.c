/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"
#include "checks/namespace/probe.h"

#include <libmount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

static const char *platform_words(const char *platform)
{
	if (streq(platform, "lxd"))
		return "inside an LXD container";
	if (streq(platform, "incus"))
		return "inside an Incus container";
	if (streq(platform, "proxmox"))
		return "inside a Proxmox VE container (pct)";
	if (streq(platform, "lxc"))
		return "inside a plain LXC container";
	return "inside an LXC container whose manager is not known (LXD, Incus, Proxmox VE or plain LXC)";
}

/* Whether something answers on a unix socket. */
static bool socket_answers(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/*
 * Live, on a host: the system-container platforms installed here and whether
 * their daemon answers, "lxd (running), lxc (installed)" or "none". Recorded
 * (key "container.platforms"): the files it looks at are not in a capture.
 */
static int probe_host_platforms(void *userdata _unused_, char **ret)
{
	static const struct {
		const char *name;
		const char *files[4];	/* any of them: installed */
		const char *sockets[3]; /* a daemon answering on one of them: running */
	} platforms[] = {
		{"lxd",
		 {"/snap/lxd", "/var/snap/lxd", "/usr/bin/lxd", "/usr/sbin/lxd"},
		 {"/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket"}},
		{"incus",
		 {"/usr/bin/incus", "/usr/libexec/incus/incusd", "/usr/lib/incus/incusd", "/opt/incus/bin/incusd"},
		 {"/run/incus/unix.socket", "/var/lib/incus/unix.socket"}},
		{"proxmox", {"/usr/bin/pveversion", "/usr/sbin/pct"}, {NULL}},
		{"lxc", {"/usr/bin/lxc-start", "/usr/sbin/lxc-start"}, {NULL}},
	};
	_cleanup_free_ char *mountinfo = NULL;
	size_t len;
	read_user_file("/proc/self/mountinfo", 4u << 20, &mountinfo, &len);
	struct strv found = {0};
	for (size_t i = 0; i < ARRAY_SIZE(platforms); i++) {
		bool installed = false, running = false;
		for (size_t k = 0; k < ARRAY_SIZE(platforms[i].files) && platforms[i].files[k]; k++)
			installed = installed || access(platforms[i].files[k], F_OK) == 0;
		for (size_t k = 0; k < ARRAY_SIZE(platforms[i].sockets) && platforms[i].sockets[k]; k++)
			running = running || socket_answers(platforms[i].sockets[k]);
		/* Proxmox VE runs its cluster file system (pmxcfs) at /etc/pve. */
		if (streq(platforms[i].name, "proxmox") && mountinfo && strstr(mountinfo, " /etc/pve "))
			running = installed = true;
		if (installed || running)
			strv_push(&found, xasprintf("%s (%s)", platforms[i].name, running ? "running" : "installed"));
	}
	*ret = found.n ? strv_join(&found, ", ") : xstrdup("none");
	strv_clear(&found);
	return 0;
}

int check_container_detect(struct ctx *c, struct result *r)
{
	const char *rt = ctx_runtime(c);
	const struct strv *signals = ctx_runtime_signals(c);
	_cleanup_free_ char *sig = strv_join(signals, "; ");

	result_evidence_string(r, "runtime", "%s", rt);
	result_evidence_string(r, "signals", "%s", sig);
	if (streq(rt, "lxc")) {
		const char *name = ctx_instance(c), *signal = NULL, *platform = ctx_platform(c, &signal);
		result_evidence_string(r, "name", "%s", name);
		result_evidence_string(r, "platform", "%s", platform);
		result_evidence_string(r, "platform_signal", "%s", signal);
		result_set(r, STATUS_PASS, "running %s (%s)", platform_words(platform), name);
	} else if (streq(rt, "none")) {
		const char *platforms;
		if (host_observe(c->host, "container.platforms", probe_host_platforms, NULL, &platforms) < 0)
			platforms = NULL;
		if (platforms)
			result_evidence_string(r, "platforms", "%s", platforms);
		bool some = platforms && !streq(platforms, "none");
		result_set(r, STATUS_PASS, "running %s%s%s", runtime_words(rt),
			   some ? "; system-container platforms here: " : "", some ? platforms : "");
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
	/*
	 * Whether the container's profile lets proc be mounted in a new pid
	 * namespace anyway (namespace.proc_mount's probe): Incus's does without
	 * nesting, and Docker's containers start there (measured on Debian's stock
	 * kernel); LXD's does not. CONTRACT.md's rule stays: fail with AppArmor on.
	 */
	static const bool same_userns = false;
	const char *pm = NULL;
	if (aa == 1 && host_observe(c->host, "namespace.proc_mount", probe_proc_mount, (void *)&same_userns, &pm) == 0)
		result_evidence_string(r, "proc_mount", "%s", pm);
	if (aa == 1 && pm && streq(pm, "ok")) {
		result_set(r, STATUS_FAIL,
			   "LXC nesting is off and AppArmor is enabled; this container's profile still lets proc be "
			   "mounted in a new pid namespace, so Docker's containers may start, but not in nested user "
			   "namespaces (rootless Docker, userns-remap)");
	} else if (aa == 1) {
		result_set(r, STATUS_FAIL,
			   "LXC nesting is off and AppArmor is enabled: Docker cannot load its profiles or mount proc");
	} else {
		result_set(r, STATUS_WARN,
			   "LXC nesting is off; Docker can run here only because the kernel has no AppArmor");
	}
	fix_lxd_nesting(c, r);
	return 0;
}
