/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/child.h"
#include "parse.h"
#include "core/util.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

/* The most a probe child may write back: its values are one short line. */
#define PROBE_OUTPUT_MAX 4096

/* An errno as a word without spaces, for values: "EPERM", or "errno95" for a rare one. */
static void put_err(struct strbuf *sb, int err)
{
	const char *name = errno_name(err);
	/* A syscall answered by a seccomp notifier may fail without one. */
	if (err == 0)
		strbuf_append(sb, "noerrno");
	else if (streq(name, "EUNKNOWN"))
		strbuf_appendf(sb, "errno%d", err < 0 ? -err : err);
	else
		strbuf_append(sb, name);
}

static void put_step(struct strbuf *sb, const char *step, int err)
{
	strbuf_appendf(sb, "%s:", step);
	put_err(sb, err);
}

/* Hold off the signals that end nestcheck while a probe owns files or cgroups it must remove. */
static void signals_hold(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void signals_release(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

typedef void (*probe_fn)(struct strbuf *out, void *arg);

struct probe_call {
	probe_fn fn;
	void *arg;
};

/* In the child: the probe's answer, written whole to the pipe. */
static void probe_child(void *arg, int out)
{
	const struct probe_call *call = arg;
	struct strbuf sb = {0};
	call->fn(&sb, call->arg);
	for (size_t off = 0; sb.buf && off < sb.len;) {
		ssize_t n = write(out, sb.buf + off, sb.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	/* Freed here: the child runs in nestcheck's memory (child_opts.quick). */
	free(sb.buf);
}

/*
 * Run fn in a child and return what it wrote. A child that is not done after
 * PROBE_CHILD_TIMEOUT_MS is killed and reaped ("timeout"); one that dies
 * silently gives "killed=SIGxxx" or "exit=N". quick: fn touches kernel
 * filesystems only (proc, sysfs, cgroupfs) and runs in a vfork()ed child
 * (child_opts.quick); else in a forked one, which nestcheck can leave behind
 * when it is stuck in the kernel (a data root on a hung NFS server).
 */
static int child_probe(probe_fn fn, void *arg, const sigset_t *child_mask, bool quick, char **ret)
{
	struct probe_call call = {fn, arg};
	const struct child_opts o = {.timeout_ms = PROBE_CHILD_TIMEOUT_MS,
				     .max_output = PROBE_OUTPUT_MAX,
				     .mask = child_mask,
				     .quick = quick};
	struct child_result res;
	int r = child_run(probe_child, &call, &o, &res);
	if (r < 0)
		return r;
	if (!res.reaped) {
		child_result_clear(&res);
		return -ETIMEDOUT; /* a child stuck in the kernel even after SIGKILL: nothing to say */
	}
	if (res.timed_out) {
		child_result_clear(&res);
		*ret = xstrdup("timeout");
		return 0;
	}
	_cleanup_free_ char *text = TAKE_PTR(res.out);
	int status = res.status;
	child_result_clear(&res);
	/* A NUL would end the text: what follows it is dropped, as a string read would. */
	strstrip_right(text);
	if (!*text) {
		if (WIFSIGNALED(status)) {
			const char *abbrev = sigabbrev_np(WTERMSIG(status));
			*ret = abbrev ? xasprintf("killed=SIG%s", abbrev) : xasprintf("killed=%d", WTERMSIG(status));
		} else {
			*ret = xasprintf("exit=%d", WEXITSTATUS(status));
		}
		return 0;
	}
	text_sanitize(text);
	*ret = TAKE_PTR(text);
	return 0;
}

/* Without root, a new user namespace lends the capabilities the other namespaces need. */
static int userns_flag_if_unprivileged(void)
{
	return geteuid() != 0 ? CLONE_NEWUSER : 0;
}

static void child_unshare(struct strbuf *out, void *arg)
{
	int flag = *(const int *)arg;
	int flags = flag | (flag == CLONE_NEWUSER ? 0 : userns_flag_if_unprivileged());
	if (unshare(flags) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "ok");
}

int probe_ns_unshare(void *userdata, char **ret)
{
	return child_probe(child_unshare, userdata, NULL, true, ret);
}

/* A directory to mount on inside the child's private mount namespace: nothing outside sees it. */
static const char *scratch_dir(void)
{
	static const char *const dirs[] = {"/tmp", "/mnt", "/run", "/dev"};
	struct stat st;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (lstat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return "/";
}

/* unshare, then make every mount private so that nothing propagates back out. */
static bool enter_private_mounts(struct strbuf *out, int flags)
{
	if (unshare(flags) < 0) {
		put_step(out, "unshare", errno);
		return false;
	}
	/* "none": the kernel ignores source and type here, valgrind does not. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		put_step(out, "rprivate", errno);
		return false;
	}
	return true;
}

static void mount_proc_child(void *target, int out)
{
	int err = mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ? errno : 0;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", err);
	(void)!write(out, buf, (size_t)n);
}

static void child_proc_mount(struct strbuf *out, void *arg)
{
	bool new_userns = *(const bool *)arg;
	int flags = CLONE_NEWNS | CLONE_NEWPID | (new_userns ? CLONE_NEWUSER : userns_flag_if_unprivileged());
	if (!enter_private_mounts(out, flags))
		return;

	/* Only a child joins the new pid namespace: it is its pid 1, like the container's init. */
	const struct child_opts o = {.timeout_ms = PROBE_CHILD_TIMEOUT_MS, .max_output = 32, .quick = true};
	struct child_result res;
	int r = child_run(mount_proc_child, (void *)scratch_dir(), &o, &res);
	if (r < 0) {
		put_step(out, "fork", -r);
		return;
	}
	/* The answer comes as text: an exit status can be rewritten (valgrind, sanitizers). */
	if (!res.out_len)
		strbuf_appendf(out, "mount:%s", res.reaped && WIFSIGNALED(res.status) ? "killed" : "noanswer");
	else if (streq(res.out, "0"))
		strbuf_append(out, "ok");
	else
		put_step(out, "mount", atoi(res.out));
	child_result_clear(&res);
}

int probe_proc_mount(void *userdata, char **ret)
{
	return child_probe(child_proc_mount, userdata, NULL, true, ret);
}

static void child_sysfs_mount(struct strbuf *out, void *arg)
{
	bool new_netns = *(const bool *)arg;
	int flags = CLONE_NEWNS | (new_netns ? CLONE_NEWNET : 0) | userns_flag_if_unprivileged();
	if (!enter_private_mounts(out, flags))
		return;
	/* Docker's /sys: read-only, nosuid, nodev, noexec. */
	if (mount("sysfs", scratch_dir(), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		put_step(out, "mount", errno);
	else
		strbuf_append(out, "ok");
}

int probe_sysfs_mount(void *userdata, char **ret)
{
	return child_probe(child_sysfs_mount, userdata, NULL, true, ret);
}

static void child_mknod(struct strbuf *out, void *arg)
{
	const char *dir = arg;
	_cleanup_free_ char *null = xasprintf("%s/null", dir);
	_cleanup_free_ char *wh = xasprintf("%s/whiteout", dir);

	strbuf_append(out, "null=");
	if (mknod(null, S_IFCHR | 0600, makedev(1, 3)) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "ok");
	/* An overlayfs whiteout, made the way dockerd makes them (mode S_IFCHR, no permission bits). */
	strbuf_append(out, " whiteout=");
	if (mknod(wh, S_IFCHR, makedev(0, 0)) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "ok");
}

/* The deepest existing directory on the way to path (Docker's data root may not exist yet). */
static int existing_parent(const char *path, char *buf, size_t size)
{
	struct stat st;
	if (snprintf(buf, size, "%s", path) >= (int)size)
		return -ENAMETOOLONG;
	while (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(buf, '/');
		if (!slash)
			return -ENOENT;
		if (slash == buf) {
			buf[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	return 0;
}

int probe_mknod(void *userdata, char **ret)
{
	static const char *const fallbacks[] = {"/tmp", "/var/tmp", "/dev/shm", "/run"};
	char base[PATH_MAX], dir[PATH_MAX + 32];
	sigset_t old;
	int r = -ENOENT;

	signals_hold(&old);
	/* Where dockerd unpacks image layers, else a temp directory. */
	for (size_t i = 0; i <= ARRAY_SIZE(fallbacks); i++) {
		if (i == 0) {
			if (!userdata || existing_parent(userdata, base, sizeof(base)) < 0)
				continue;
		} else {
			snprintf(base, sizeof(base), "%s", fallbacks[i - 1]);
		}
		snprintf(dir, sizeof(dir), "%s/.nestcheck-mknod-XXXXXX", streq(base, "/") ? "" : base);
		if (mkdtemp(dir)) {
			r = 0;
			break;
		}
		r = -errno;
	}
	if (r == 0) {
		_cleanup_free_ char *text = NULL;
		r = child_probe(child_mknod, dir, &old, false, &text);
		_cleanup_free_ char *null = xasprintf("%s/null", dir);
		_cleanup_free_ char *wh = xasprintf("%s/whiteout", dir);
		unlink(null);
		unlink(wh);
		rmdir(dir);
		if (r == 0) {
			/* Where it was tried, as one word. */
			for (char *s = base; *s; s++)
				if (*s == ' ' || *s == '\t' || *s == '\n')
					*s = '?';
			*ret = xasprintf("%s dir=%s", text, base);
		}
	}
	signals_release(&old);
	return r;
}

static void child_keyring(struct strbuf *out, void *arg _unused_)
{
	/* A new name, so the kernel creates a keyring (charged to the quota) instead of joining one. */
	char name[64];
	snprintf(name, sizeof(name), "nestcheck-probe-%d", (int)getpid());
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "ok");
}

int probe_keyring(void *userdata _unused_, char **ret)
{
	return child_probe(child_keyring, NULL, NULL, true, ret);
}

static void child_oom_score_adj(struct strbuf *out, void *arg _unused_)
{
	char buf[32];
	int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		strbuf_append(out, "result=");
		put_step(out, "open", errno);
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		strbuf_append(out, "result=");
		put_step(out, "read", n < 0 ? errno : EIO);
		close(fd);
		return;
	}
	buf[n] = '\0';
	char *end;
	long cur = strtol(buf, &end, 10);
	long want = cur > -1000 ? cur - 1 : -1000;
	strbuf_appendf(out, "current=%ld tried=%ld result=", cur, want);
	int len = snprintf(buf, sizeof(buf), "%ld", want);
	if (pwrite(fd, buf, (size_t)len, 0) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "ok");
	close(fd);
}

int probe_oom_score_adj(void *userdata _unused_, char **ret)
{
	return child_probe(child_oom_score_adj, NULL, NULL, true, ret);
}

static void child_seccomp(struct strbuf *out, void *arg _unused_)
{
	uint32_t action = SECCOMP_RET_USER_NOTIF;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "available");
}

int probe_seccomp_user_notif(void *userdata _unused_, char **ret)
{
	return child_probe(child_seccomp, NULL, NULL, true, ret);
}

/* A small cgroup file, trailing newline removed: length or -errno. */
static int read_small(const char *dir, const char *name, char *buf, size_t size)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || len + (size_t)n == size - 1) {
			len += (size_t)(n > 0 ? n : 0);
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return (int)len;
}

static int write_small(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		return -errno;
	return 0;
}

/* A list value for k=v: words joined by commas, "-" when empty. */
static void put_list(struct strbuf *sb, const char *key, const struct strv *l)
{
	_cleanup_free_ char *j = strv_join(l, ",");
	strbuf_appendf(sb, " %s=%s", key, l->n ? j : "-");
}

static void words_into(struct strv *l, const char *text)
{
	for (const char *p = text; *p;) {
		p += strspn(p, " \t\n,");
		size_t n = strcspn(p, " \t\n,");
		if (n)
			strv_push(l, xstrndup(p, n));
		p += n;
	}
}

/* Controllers that cannot share a cgroup with processes (cgroup v2 "domain" controllers). */
static bool domain_controller(const char *c)
{
	return streq(c, "memory") || streq(c, "io") || streq(c, "hugetlb") || streq(c, "rdma") || streq(c, "misc");
}

struct cgroup_child {
	const struct cgroup_probe *p;
	const char *temp;
};

/* The top of the visible v2 tree, where Docker's cgroupfs driver creates "docker/". */
static void cgroup_root_probe(struct strbuf *out, const struct cgroup_probe *p)
{
	char type[64], procs[4096], ctrls[512], subtree[512];
	int r = read_small(p->root, "cgroup.type", type, sizeof(type));
	if (r == -ENOENT) {
		/* Only the real root has no cgroup.type: it may hold processes and controllers at once. */
		strbuf_append(out, " root_type=root");
		return;
	}
	if (r < 0) {
		strbuf_append(out, " root_type=");
		put_err(out, r);
		return;
	}
	for (char *s = type; *s; s++)
		if (*s == ' ')
			*s = '-';
	strbuf_appendf(out, " root_type=%s", type);

	r = read_small(p->root, "cgroup.procs", procs, sizeof(procs));
	if (r < 0) {
		strbuf_append(out, " root_procs=");
		put_err(out, r);
		return;
	}
	unsigned nprocs = 0;
	for (const char *s = procs; *s; s += strcspn(s, "\n"), s += *s == '\n')
		nprocs++;
	strbuf_appendf(out, " root_procs=%u", nprocs);

	if (read_small(p->root, "cgroup.controllers", ctrls, sizeof(ctrls)) < 0 ||
	    read_small(p->root, "cgroup.subtree_control", subtree, sizeof(subtree)) < 0)
		return;
	struct strv avail = {0}, on = {0}, want = {0}, missing = {0};
	words_into(&avail, ctrls);
	words_into(&on, subtree);
	words_into(&want, p->want);
	put_list(out, "root_avail", &avail);
	put_list(out, "root_subtree", &on);
	for (size_t i = 0; i < want.n; i++)
		if (domain_controller(want.v[i]) && strv_contains(&avail, want.v[i]) && !strv_contains(&on, want.v[i]))
			strv_push(&missing, xstrdup(want.v[i]));

	/*
	 * runc enables every controller here. With processes in this cgroup the
	 * kernel refuses domain controllers (EBUSY) without changing anything.
	 */
	if (missing.n && nprocs > 0) {
		struct strbuf add = {0}, del = {0};
		for (size_t i = 0; i < missing.n; i++) {
			strbuf_appendf(&add, "%s+%s", i ? " " : "", missing.v[i]);
			strbuf_appendf(&del, "%s-%s", i ? " " : "", missing.v[i]);
		}
		_cleanup_free_ char *a = strbuf_take(&add), *d = strbuf_take(&del);
		strbuf_append(out, " root_enable=");
		r = write_small(p->root, "cgroup.subtree_control", a);
		if (r < 0) {
			put_err(out, r);
		} else {
			/* The processes left in the meantime: undo, nestcheck changes nothing. */
			r = write_small(p->root, "cgroup.subtree_control", d);
			strbuf_append(out, "ok");
			if (r < 0) {
				strbuf_append(out, " root_restore=");
				put_err(out, r);
			}
		}
	}
	strv_clear(&avail);
	strv_clear(&on);
	strv_clear(&want);
	strv_clear(&missing);
}

static void child_cgroup(struct strbuf *out, void *arg)
{
	const struct cgroup_child *cc = arg;
	const struct cgroup_probe *p = cc->p;

	strbuf_append(out, "mkdir=");
	if (mkdir(cc->temp, 0755) < 0) {
		put_err(out, errno);
		if (p->root)
			cgroup_root_probe(out, p);
		return;
	}
	strbuf_append(out, "ok");

	if (p->root) {
		char type[64], ctrls[512];
		int r = read_small(cc->temp, "cgroup.type", type, sizeof(type));
		if (r >= 0) {
			for (char *s = type; *s; s++)
				if (*s == ' ')
					*s = '-';
			strbuf_appendf(out, " type=%s", type);
		}
		struct strv avail = {0}, want = {0}, use = {0};
		if (read_small(cc->temp, "cgroup.controllers", ctrls, sizeof(ctrls)) >= 0)
			words_into(&avail, ctrls);
		words_into(&want, p->want);
		put_list(out, "avail", &avail);
		for (size_t i = 0; i < want.n; i++)
			if (strv_contains(&avail, want.v[i]))
				strv_push(&use, xasprintf("+%s", want.v[i]));
		/* One level down, as for docker/<id>: the controllers this child got, enabled for its children. */
		if (use.n) {
			_cleanup_free_ char *text = strv_join(&use, " ");
			strbuf_append(out, " enable=");
			r = write_small(cc->temp, "cgroup.subtree_control", text);
			if (r < 0)
				put_err(out, r);
			else
				strbuf_append(out, "ok");
		}
		strv_clear(&avail);
		strv_clear(&want);
		strv_clear(&use);
		cgroup_root_probe(out, p);
	}

	strbuf_append(out, " rmdir=");
	if (rmdir(cc->temp) < 0)
		put_err(out, errno);
	else
		strbuf_append(out, "ok");
}

int probe_cgroup_delegation(void *userdata, char **ret)
{
	const struct cgroup_probe *p = userdata;
	_cleanup_free_ char *temp = xasprintf("%s/nestcheck-probe-%d", p->dir, (int)getpid());
	struct cgroup_child cc = {p, temp};
	sigset_t old;

	signals_hold(&old);
	int r = child_probe(child_cgroup, &cc, &old, true, ret);
	/* The child removes it; this catches a child that was killed first. */
	rmdir(temp);
	signals_release(&old);
	return r;
}
