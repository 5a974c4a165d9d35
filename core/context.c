/* SPDX-License-Identifier: Apache-2.0 */
#include "context.h"
#include "dpkg.h"

#include <ctype.h>
#include <libmount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/utsname.h>

static void prefetch_kconfig_join(struct ctx *c);
static void prefetch_dpkg_join(struct ctx *c);

void ctx_init(struct ctx *c, struct host *h)
{
	*c = (struct ctx){.host = h};
}

void ctx_clear(struct ctx *c)
{
	prefetch_kconfig_join(c);
	prefetch_dpkg_join(c);
	free(c->release);
	kconfig_free(c->kconfig);
	free(c->kconfig_source);
	if (c->mounts)
		mnt_unref_table(c->mounts);
	strv_clear(&c->runtime_signals);
	free(c->instance);
	free(c->proxmox_id);
	free(c->apparmor_value);
	free(c->label);
	free(c->data_root);
	if (c->dpkg) {
		dpkg_status_clear(c->dpkg);
		free(c->dpkg);
	}
	*c = (struct ctx){0};
}

const char *host_err_text(int err)
{
	switch (err) {
	case -ENOENT:
		return "missing";
	case -EACCES:
	case -EPERM:
		return "not readable (permission denied)";
	case -EFBIG:
		return "larger than nestcheck reads (4 MiB)";
	case -EBADMSG:
		return "malformed";
	case -ELOOP:
		return "a symlink loop";
	case -EISDIR:
		return "a directory, not a file";
	case -EINVAL:
		return "not a regular file";
	case -ENOTDIR:
		return "under a path that is not a directory";
	case -ENODATA:
		return "not recorded";
	case -ELIBACC:
		return "not possible: libcurl or libarchive is not installed (apt-get install -y libcurl4 libarchive13)";
	case -E2BIG:
		return "inflating to more than 16 MiB (not a kernel config)";
	default:
		return errno_name(err);
	}
}

int ctx_release(struct ctx *c, const char **ret, const struct kversion **ret_kv)
{
	if (!c->release_done) {
		c->release_done = true;
		c->release_err = host_kernel_release(c->host, &c->release);
		if (c->release_err == 0 && kversion_parse(c->release, &c->kv) < 0)
			c->release_err = -EBADMSG;
	}
	if (c->release_err < 0)
		return c->release_err;
	*ret = c->release;
	if (ret_kv)
		*ret_kv = &c->kv;
	return 0;
}

/* Largest kernel config nestcheck inflates; real ones are about 300 KiB. */
#define KCONFIG_MAX (16u << 20)

/* A kernel config, as text or gzipped (proc/config.gz's form), parsed into *ret. */
static int kconfig_take(struct kconfig **ret, const char *buf, size_t len)
{
	_cleanup_free_ char *text = NULL;
	if (len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
		int r = gunzip_buffer(buf, len, KCONFIG_MAX, &text, &len);
		if (r == -EFBIG)
			return -E2BIG; /* the inflated text, not the file, is too big */
		if (r < 0)
			return r;
		buf = text;
	}
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	int r = kconfig_parse(buf, ret);
	if (r == 0 && kconfig_count(*ret) == 0)
		r = -EBADMSG;
	return r;
}

int ctx_use_kconfig(struct ctx *c, const char *buf, size_t len, const char *source)
{
	c->kconfig_done = true;
	c->kconfig_given = true;
	free(c->kconfig_source);
	c->kconfig_source = xstrdup(source);
	c->kconfig_err = kconfig_take(&c->kconfig, buf, len);
	return c->kconfig_err;
}

/*
 * The places CONTRACT.md names, in its order. Only when proc/config.gz is missing does the
 * kernel's release (release_of(userdata): a new string, NULL when unknown) name the files to try.
 * Touches nothing but h's files: it runs in the prefetch thread too.
 */
static int kconfig_load(struct host *h, char *(*release_of)(void *userdata), void *userdata, struct kconfig **ret,
			char **ret_source)
{
	int r, first_err = 0;

	_cleanup_free_ char *gz = NULL;
	size_t gzlen;
	r = host_read_file(h, "proc/config.gz", &gz, &gzlen);
	if (r == 0) {
		*ret_source = xstrdup("proc/config.gz");
		return kconfig_take(ret, gz, gzlen);
	}
	if (r != -ENOENT)
		first_err = r;

	_cleanup_free_ char *release = release_of(userdata);
	if (!release || strchr(release, '/'))
		return first_err ? first_err : -ENOENT;
	_cleanup_free_ char *p1 = xasprintf("boot/config-%s", release);
	_cleanup_free_ char *p2 = xasprintf("lib/modules/%s/config", release);
	_cleanup_free_ char *p3 = xasprintf("lib/modules/%s/build/.config", release);
	const char *paths[] = {p1, p2, p3};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		_cleanup_free_ char *text = NULL;
		r = host_read_text(h, paths[i], &text);
		if (r == -ENOENT)
			continue;
		*ret_source = xstrdup(paths[i]);
		if (r < 0)
			return r;
		return kconfig_parse(text, ret);
	}
	if (first_err) {
		*ret_source = xstrdup("proc/config.gz");
		return first_err;
	}
	return -ENOENT;
}

/*
 * The two biggest reads of a run, each in a thread of its own while the checks that do not need
 * them run (those that do run last, CHECK_PREFETCH): the kernel config (inflated from
 * proc/config.gz) and dpkg's status (about 1 MiB on a desktop). A live run only: a replay's host
 * keeps state a second thread must not share. The threads share nothing with the checks but the
 * live file system; ctx_kconfig() and ctx_dpkg() wait for theirs and take its result.
 */
struct prefetch_kconfig {
	pthread_t thread;
	struct host *host;
	int err;
	struct kconfig *kconfig;
	char *source;
};

struct prefetch_dpkg {
	pthread_t thread;
	struct host *host;
	int err;
	struct dpkg_status dpkg;
};

/* The release as ctx_release() judges it (one that is no kernel version names no config file), read anew. */
static char *release_read(void *userdata)
{
	char *release = NULL;
	struct kversion kv;
	if (host_kernel_release(userdata, &release) == 0 && kversion_parse(release, &kv) == 0)
		return release;
	free(release);
	return NULL;
}

static void *prefetch_kconfig_run(void *arg)
{
	struct prefetch_kconfig *p = arg;
	p->err = kconfig_load(p->host, release_read, p->host, &p->kconfig, &p->source);
	return NULL;
}

static void *prefetch_dpkg_run(void *arg)
{
	struct prefetch_dpkg *p = arg;
	p->err = dpkg_status_read(p->host, "var/lib/dpkg/status", &p->dpkg);
	return NULL;
}

void ctx_prefetch(struct ctx *c)
{
	if (!host_is_live(c->host))
		return;
	if (!c->kconfig_done && !c->prefetch_kconfig) {
		struct prefetch_kconfig *p = xcalloc(1, sizeof(*p));
		p->host = c->host;
		if (thread_start(&p->thread, prefetch_kconfig_run, p) == 0)
			c->prefetch_kconfig = p;
		else
			free(p); /* ctx_kconfig() reads for itself */
	}
	if (!c->dpkg_done && !c->prefetch_dpkg) {
		struct prefetch_dpkg *p = xcalloc(1, sizeof(*p));
		p->host = c->host;
		if (thread_start(&p->thread, prefetch_dpkg_run, p) == 0)
			c->prefetch_dpkg = p;
		else
			free(p);
	}
}

/* Wait for a prefetch thread, and take what it read unless its getter has run. */
static void prefetch_kconfig_join(struct ctx *c)
{
	struct prefetch_kconfig *p = TAKE_PTR(c->prefetch_kconfig);
	if (!p)
		return;
	pthread_join(p->thread, NULL);
	if (!c->kconfig_done) {
		c->kconfig_done = true;
		c->kconfig_err = p->err;
		c->kconfig = TAKE_PTR(p->kconfig);
		c->kconfig_source = TAKE_PTR(p->source);
	}
	kconfig_free(p->kconfig);
	free(p->source);
	free(p);
}

static void prefetch_dpkg_join(struct ctx *c)
{
	struct prefetch_dpkg *p = TAKE_PTR(c->prefetch_dpkg);
	if (!p)
		return;
	pthread_join(p->thread, NULL);
	if (!c->dpkg_done) {
		c->dpkg_done = true;
		c->dpkg_err = p->err;
		c->dpkg = xmalloc(sizeof(*c->dpkg));
		*c->dpkg = p->dpkg;
	} else {
		dpkg_status_clear(&p->dpkg);
	}
	free(p);
}

/* The release ctx_release() knows, as a new string. */
static char *release_of_ctx(void *userdata)
{
	const char *release;
	return ctx_release(userdata, &release, NULL) == 0 ? xstrdup(release) : NULL;
}

int ctx_kconfig(struct ctx *c, const struct kconfig **ret, const char **ret_source)
{
	prefetch_kconfig_join(c);
	if (!c->kconfig_done) {
		c->kconfig_done = true;
		c->kconfig_err = kconfig_load(c->host, release_of_ctx, c, &c->kconfig, &c->kconfig_source);
	}
	if (ret_source)
		*ret_source = c->kconfig_source;
	if (c->kconfig_err < 0)
		return c->kconfig_err;
	*ret = c->kconfig;
	return 0;
}

int ctx_data_root(struct ctx *c, struct result *r, const char **ret)
{
	if (!c->data_root_done) {
		_cleanup_free_ char *json = NULL;
		c->data_root_done = true;
		c->data_root_err = host_read_text(c->host, "etc/docker/daemon.json", &json);
		if (c->data_root_err == 0)
			c->data_root_err = docker_data_root(json, &c->data_root);
		if (c->data_root_err == -ENOENT) /* no daemon.json, or no data-root in it */
			c->data_root_err = 0;
		if (c->data_root_err == 0 && !c->data_root)
			c->data_root = xstrdup("/var/lib/docker");
	}
	int err = c->data_root_err;
	if (err == -EBADMSG)
		return r ? result_error(r, err,
					"etc/docker/daemon.json is not valid JSON or its data-root is not an absolute "
					"path (dockerd would refuse it too)")
			 : err;
	if (err < 0)
		return r ? result_error(r, err, "etc/docker/daemon.json is %s", host_err_text(err)) : err;
	if (r)
		result_evidence_string(r, "data_root", "%s", c->data_root);
	*ret = c->data_root;
	return 0;
}

int ctx_dpkg(struct ctx *c, const struct dpkg_status **ret)
{
	prefetch_dpkg_join(c);
	if (!c->dpkg_done) {
		c->dpkg_done = true;
		c->dpkg = xcalloc(1, sizeof(*c->dpkg));
		c->dpkg_err = dpkg_status_read(c->host, "var/lib/dpkg/status", c->dpkg);
	}
	if (c->dpkg_err < 0)
		return c->dpkg_err;
	*ret = c->dpkg;
	return 0;
}

int ctx_mounts(struct ctx *c, struct libmnt_table **ret)
{
	if (!c->mounts_done) {
		_cleanup_free_ char *buf = NULL;
		c->mounts_done = true;
		c->mounts_err = host_read_text(c->host, "proc/self/mountinfo", &buf);
		if (c->mounts_err == 0)
			c->mounts_err = mounts_parse(buf, &c->mounts);
	}
	if (c->mounts_err < 0)
		return c->mounts_err;
	*ret = c->mounts;
	return 0;
}

static bool docker_cgroup_path(const char *buf)
{
	return strstr(buf, "/docker/") || strstr(buf, "/docker-") || strstr(buf, "/system.slice/docker-");
}

static void runtime_signal(struct ctx *c, const char *fmt, ...) _printf_(2, 3);
static void runtime_signal(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push(&c->runtime_signals, xvasprintf(fmt, ap));
	va_end(ap);
}

static const char *runtime_from_name(const char *name)
{
	static const char *const known[] = {"lxc", "docker", "podman", "systemd-nspawn", "wsl", "openvz"};
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (streq(name, known[i]))
			return known[i];
	if (streq(name, "lxc-libvirt"))
		return "lxc";
	return "unknown";
}

static const char *runtime_detect(struct ctx *c)
{
	struct host *h = c->host;
	struct libmnt_table *tb = NULL;
	_cleanup_free_ char *env = NULL, *container = NULL, *marker = NULL, *version = NULL;
	size_t envlen;

	if (host_read_file(h, "proc/1/environ", &env, &envlen) == 0 &&
	    environ_get(env, envlen, "container", &container) == 0 && container[0]) {
		runtime_signal(c, "proc/1/environ: container=%s", container);
		return runtime_from_name(container);
	}
	if (host_read_line(h, "run/systemd/container", &marker) == 0 && marker[0]) {
		runtime_signal(c, "run/systemd/container: %s", marker);
		return runtime_from_name(marker);
	}
	if (host_access(h, "dev/lxd/sock") == 0) {
		runtime_signal(c, "dev/lxd/sock exists");
		return "lxc";
	}
	if (host_access(h, "dev/incus/sock") == 0) {
		runtime_signal(c, "dev/incus/sock exists");
		return "lxc";
	}
	bool have_mounts = ctx_mounts(c, &tb) == 0;
	/* The shared-mounts directories LXD and Incus set up at every start. */
	static const char *const shmounts[] = {"/dev/.lxd-mounts", "/dev/.incus-mounts"};
	for (size_t i = 0; have_mounts && i < ARRAY_SIZE(shmounts); i++)
		if (mounts_has_target(tb, shmounts[i])) {
			runtime_signal(c, "%s is mounted", shmounts[i]);
			return "lxc";
		}
	if (have_mounts && mounts_lxcfs_over_proc(tb)) {
		runtime_signal(c, "LXCFS is mounted over files in /proc");
		return "lxc";
	}

	_cleanup_free_ char *cg = NULL;
	bool docker_cg = host_read_text(h, "proc/1/cgroup", &cg) == 0 && docker_cgroup_path(cg);
	bool dockerenv = host_access(h, ".dockerenv") == 0;
	const char *rootfs = NULL;
	bool overlay_root = have_mounts && mounts_covering(tb, "/", &rootfs, NULL) == 0 && streq(rootfs, "overlay");
	if (docker_cg) {
		runtime_signal(c, "proc/1/cgroup: a docker cgroup path");
		return "docker";
	}
	if (dockerenv && overlay_root) {
		runtime_signal(c, ".dockerenv on an overlay root filesystem");
		return "docker";
	}
	if (dockerenv)
		runtime_signal(c,
			       ".dockerenv present, but the root filesystem is %s and no docker cgroup path: "
			       "not a container",
			       rootfs ? rootfs : "unknown");

	if (host_read_line(h, "proc/version", &version) == 0 &&
	    (strstr(version, "Microsoft") || strstr(version, "microsoft") || strstr(version, "WSL"))) {
		runtime_signal(c, "proc/version names Microsoft");
		return "wsl";
	}
	const char *release;
	if (ctx_release(c, &release, NULL) == 0 && strstr(release, "stab")) {
		runtime_signal(c, "kernel release %s is an OpenVZ kernel", release);
		return "openvz";
	}
	return "none";
}

const char *ctx_runtime(struct ctx *c)
{
	if (!c->runtime_done) {
		c->runtime_done = true;
		c->runtime = runtime_detect(c);
	}
	return c->runtime;
}

const struct strv *ctx_runtime_signals(struct ctx *c)
{
	ctx_runtime(c);
	return &c->runtime_signals;
}

enum where ctx_here(struct ctx *c)
{
	return ctx_in_container(c) ? WHERE_CONTAINER : WHERE_HOST;
}

bool ctx_in_container(struct ctx *c)
{
	return !streq(ctx_runtime(c), "none");
}

int ctx_apparmor_enabled(struct ctx *c)
{
	if (!c->apparmor_done) {
		char *v = NULL;
		c->apparmor_done = true;
		int r = host_read_line(c->host, "sys/module/apparmor/parameters/enabled", &v);
		if (r == -ENOENT)
			c->apparmor = 0; /* not built into the kernel */
		else if (r < 0)
			c->apparmor = r;
		else
			c->apparmor = streq(v, "Y") || streq(v, "y") || streq(v, "1");
		c->apparmor_value = v ? text_sanitize(v) : NULL;
	}
	return c->apparmor;
}

int ctx_apparmor_label(struct ctx *c, const char **ret, const char **ret_path)
{
	static const char *const paths[] = {"proc/self/attr/apparmor/current", "proc/self/attr/current"};
	if (!c->label_done) {
		c->label_done = true;
		c->label_err = -ENOENT;
		for (size_t i = 0; i < ARRAY_SIZE(paths) && !c->label; i++) {
			char *v = NULL;
			int err = host_read_line(c->host, paths[i], &v);
			if (err == 0 && v[0]) {
				c->label = text_sanitize(v);
				c->label_path = paths[i];
				c->label_err = 0;
			} else {
				free(v);
				/* An empty label file says as little as a missing one. */
				if (c->label_err == -ENOENT || err == 0)
					c->label_err = err == 0 ? -ENODATA : err;
			}
		}
	}
	if (c->label_err < 0)
		return c->label_err;
	*ret = c->label;
	if (ret_path)
		*ret_path = c->label_path;
	return 0;
}

const char *ctx_apparmor_value(struct ctx *c)
{
	ctx_apparmor_enabled(c);
	return c->apparmor_value;
}

/* LXD's rule for instance names; anything else must not reach a pasted command. */
static bool instance_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
			return false;
	return true;
}

/*
 * GET /1.0/meta-data from LXD's guest API (or Incus's, the same). local-hostname is the instance's
 * name; instance-id is a random UUID in LXD 5 (volatile.cloud-init.instance-id)
 * and only a fallback for old releases that had no local-hostname.
 */
static int lxd_instance_name(const char *sock, char **ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	struct timeval tv = {.tv_sec = 2};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	static const char req[] = "GET /1.0/meta-data HTTP/1.0\r\nHost: lxd\r\n\r\n";
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1))
		return -EIO;

	char buf[4096];
	size_t len = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	if (!startswith(buf, "HTTP/1.") || !strstr(buf, " 200 "))
		return -EBADMSG;
	static const char *const keys[] = {"local-hostname:", "instance-id:"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char *k = strstr(buf, keys[i]);
		if (!k)
			continue;
		k += strlen(keys[i]);
		k += strspn(k, " \t");
		size_t n = strcspn(k, "\r\n \t");
		if (n == 0)
			continue;
		*ret = xstrndup(k, n);
		return 0;
	}
	return -EBADMSG;
}

static int probe_instance_name(void *userdata _unused_, char **ret)
{
	static const char *const socks[] = {"/dev/lxd/sock", "/dev/incus/sock"};
	for (size_t i = 0; i < ARRAY_SIZE(socks); i++)
		if (access(socks[i], F_OK) == 0 && lxd_instance_name(socks[i], ret) == 0)
			return 0;
	struct utsname u;
	if (uname(&u) < 0 || !u.nodename[0])
		return -ENODATA;
	*ret = xstrdup(u.nodename);
	return 0;
}

/* Whether a file recorded for replay holds this whole line. */
static bool file_has_line(struct ctx *c, const char *path, const char *line)
{
	const char *text;
	_cleanup_free_ char *copy = NULL;
	int r = host_observe_file(c->host, path, &text);
	/* A sysroot without the observation (one made by hand, an older capture): its file. */
	if (r == -ENODATA && host_read_text(c->host, path, &copy) == 0)
		text = copy, r = 0;
	if (r < 0)
		return false;
	size_t n = strlen(line);
	for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0' || p[n] == '\r'))
			return true;
	return false;
}

/*
 * Each platform's own marks first (all of them run containers through
 * liblxc, so liblxc's marks show under every one): the shared-mounts
 * directory Incus and LXD set up at every start (and their guest API, which
 * a setting can turn off), the blocks Proxmox VE writes into /etc/hosts and
 * /etc/resolv.conf at every start, then liblxc's own.
 */
const char *ctx_platform(struct ctx *c, const char **ret_signal)
{
	if (!c->platform_done) {
		c->platform_done = true;
		if (streq(ctx_runtime(c), "lxc")) {
			struct libmnt_table *tb = NULL;
			bool mounts = ctx_mounts(c, &tb) == 0;
			static const struct {
				const char *platform, *mounts, *dir, *sock;
			} apis[] = {
				{"incus", "/dev/.incus-mounts", "/dev/incus", "dev/incus/sock"},
				{"lxd", "/dev/.lxd-mounts", "/dev/lxd", "dev/lxd/sock"},
			};
			for (size_t i = 0; i < ARRAY_SIZE(apis) && !c->platform; i++) {
				if (mounts && mounts_has_target(tb, apis[i].mounts))
					c->platform_signal = apis[i].mounts;
				else if (mounts && mounts_has_target(tb, apis[i].dir))
					c->platform_signal = apis[i].dir;
				else if (host_access(c->host, apis[i].sock) == 0)
					c->platform_signal = apis[i].sock;
				if (c->platform_signal)
					c->platform = apis[i].platform;
			}
			if (!c->platform && (file_has_line(c, "etc/hosts", "# --- BEGIN PVE ---") ||
					     file_has_line(c, "etc/resolv.conf", "# --- BEGIN PVE ---"))) {
				c->platform = "proxmox";
				c->platform_signal = "# --- BEGIN PVE --- in /etc/hosts or /etc/resolv.conf";
			}
			if (!c->platform && mounts && mounts_has_target(tb, "/proc/sys/kernel/random/boot_id")) {
				c->platform = "lxc";
				c->platform_signal = "liblxc's boot_id mount, and no mark of LXD, Incus or Proxmox VE";
			} else if (!c->platform && mounts && mounts_has_target(tb, "/dev/lxc")) {
				c->platform = "lxc";
				c->platform_signal = "liblxc's /dev/lxc ttys, and no mark of LXD, Incus or Proxmox VE";
			}
			if (!c->platform) {
				c->platform = "unknown";
				c->platform_signal = "no mark of LXD, Incus, Proxmox VE or liblxc's own";
			}
		}
	}
	if (ret_signal)
		*ret_signal = c->platform_signal;
	return c->platform;
}

const char *ctx_instance(struct ctx *c)
{
	if (!c->instance_done) {
		const char *v;
		c->instance_done = true;
		if (host_observe(c->host, "container.name", probe_instance_name, NULL, &v) == 0 &&
		    instance_name_valid(v))
			c->instance = xstrdup(v);
	}
	return c->instance ? c->instance : "NAME";
}

/* Digits after PREFIX in s, followed by "-disk-"; NULL otherwise. */
static char *volume_id(const char *s, const char *prefix)
{
	for (const char *p = strstr(s, prefix); p; p = strstr(p + 1, prefix)) {
		if (p != s && p[-1] != '/' && p[-1] != '-' && p[-1] != ':')
			continue;
		const char *d = p + strlen(prefix);
		size_t n = strspn(d, "0123456789");
		if (n > 0 && n < 10 && startswith(d + n, "-disk-"))
			return xstrndup(d, n);
	}
	return NULL;
}

char *proxmox_id_parse(const char *root_source, const char *hostname)
{
	if (root_source) {
		/* Device mapper names double a volume name's dashes: pve-vm--101--disk--0. */
		_cleanup_free_ char *src = xstrdup(root_source);
		char *w = src;
		for (const char *r = root_source; *r; r++) {
			*w++ = *r;
			if (r[0] == '-' && r[1] == '-')
				r++;
		}
		*w = '\0';
		static const char *const prefixes[] = {"subvol-", "vm-", "base-"};
		for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
			char *id = volume_id(src, prefixes[i]);
			if (id)
				return id;
		}
	}
	if (hostname && startswith(hostname, "CT")) {
		size_t n = strspn(hostname + 2, "0123456789");
		if (n > 0 && n < 10 && !hostname[2 + n])
			return xstrdup(hostname + 2);
	}
	return NULL;
}

const char *ctx_proxmox_id(struct ctx *c)
{
	if (!c->proxmox_id) {
		struct libmnt_table *tb;
		const char *src = NULL;
		if (ctx_mounts(c, &tb) == 0) {
			struct libmnt_fs *fs = mnt_table_find_target(tb, "/", MNT_ITER_BACKWARD);
			src = fs ? mnt_fs_get_source(fs) : NULL;
		}
		c->proxmox_id = proxmox_id_parse(src, ctx_instance(c));
		if (!c->proxmox_id)
			c->proxmox_id = xstrdup("ID");
	}
	return c->proxmox_id;
}

bool ctx_devices_v1(struct ctx *c)
{
	if (!c->devices_v1) {
		_cleanup_free_ char *buf = NULL;
		struct cgroup_lines lines = {0};
		bool v1 = false;
		if (host_read_text(c->host, "proc/self/cgroup", &buf) == 0 && proc_cgroup_parse(buf, &lines) == 0)
			for (size_t i = 0; i < lines.n && !v1; i++) {
				_cleanup_free_ char *ctrl = xstrdup(lines.v[i].controllers);
				for (char *save, *w = strtok_r(ctrl, ",", &save); w && !v1;
				     w = strtok_r(NULL, ",", &save))
					v1 = streq(w, "devices");
			}
		cgroup_lines_clear(&lines);
		c->devices_v1 = v1 ? 1 : -1;
	}
	return c->devices_v1 > 0;
}

int status_euid(struct ctx *c, uint32_t *ret)
{
	_cleanup_free_ char *status = NULL;
	int err = host_read_text(c->host, "proc/self/status", &status);
	if (err < 0)
		return err;
	return proc_status_euid(status, ret);
}

int self_in_userns(struct ctx *c)
{
	_cleanup_free_ char *buf = NULL;
	struct idmap map;
	int err = host_read_text(c->host, "proc/self/uid_map", &buf);
	if (err < 0)
		return err;
	err = idmap_parse(buf, &map);
	if (err < 0)
		return err;
	return !idmap_is_identity(&map);
}
