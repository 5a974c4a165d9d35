/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestcheck-probe: the command of nestcheck's probe container. It prints one
 * JSON object on stdout: what the container sees (id maps, cgroups,
 * capabilities, seccomp, AppArmor, mounts) and whether the next level of
 * nesting works (user, mount, pid and cgroup namespaces, proc, overlay).
 * With --serve and --connect it is the two ends of launch.network's
 * workload: a server on a published port, and a client that finds it by
 * name through the network's nameserver and reaches it.
 *
 * Built static against libc alone, so it runs in an image that holds nothing
 * else. Every failing syscall is data: the probe exits 0 unless it cannot
 * even print.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NESTCHECK_PROBE_VERSION
#define NESTCHECK_PROBE_VERSION "0"
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define FILE_MAX     (256 * 1024) /* the most read of any /proc file */
#define MOUNTS_MAX   200
#define DETAIL_MAX   200
#define STEP_TIMEOUT 5 /* seconds, per nested step */

/* ---- small helpers ------------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A whole file, NUL-terminated, or NULL (errno set). At most FILE_MAX bytes. */
static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			if (cap >= FILE_MAX)
				break;
			char *n = realloc(buf, cap * 2);
			if (!n) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = n;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + len, cap - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int err = errno;
			free(buf);
			buf = NULL;
			errno = err;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	int err = errno;
	close(fd);
	if (buf)
		buf[len] = '\0';
	errno = err;
	return buf;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int err = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return err;
}

static void strip_right(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static const char *errno_text(int err, char *buf, size_t size)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	const char *name = strerrorname_np(err);
	if (name)
		return name;
#endif
	snprintf(buf, size, "errno%d", err);
	return buf;
}

/* ---- JSON output -------------------------------------------------------- */

static FILE *out;

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n;
	unsigned min;
	unsigned cp;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2, min = 0x80, cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, min = 0x800, cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 become '?'. NULL prints null. */
static void json_str(const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);
		if (n == 0) {
			fputc('?', out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
		p++;
	}
	fputc('"', out);
}

static void json_key(const char *key)
{
	json_str(key);
	fputc(':', out);
}

/* ---- what the container sees ------------------------------------------- */

/* The value of "Key:" in /proc/self/status, trimmed, into buf; false when absent. */
static bool status_field(const char *status, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	for (const char *line = status; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *v = line + klen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vlen = len - (size_t)(v - line);
			if (vlen >= size)
				vlen = size - 1;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static void print_file_field(const char *key, const char *path)
{
	json_key(key);
	char *text = read_file(path);
	json_str(text);
	free(text);
}

/*
 * mountinfo: "id parent maj:min root target options [optional...] - fstype source super".
 * Calls fn(fstype, target) per well-formed line.
 */
static void mountinfo_each(const char *mountinfo, void (*fn)(const char *fstype, const char *target, void *arg),
			   void *arg)
{
	const char *line = mountinfo;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[4096];
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			char *tok[64];
			int n = 0;
			char *save = NULL;
			for (char *t = strtok_r(buf, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
				tok[n++] = t;
			for (int i = 6; i + 1 < n; i++) {
				if (strcmp(tok[i], "-") == 0) {
					fn(tok[i + 1], tok[4], arg);
					break;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

struct mounts_state {
	int count;
	bool v1, v2;
};

static void layout_fn(const char *fstype, const char *target, void *arg)
{
	struct mounts_state *st = arg;
	if (strcmp(fstype, "cgroup") == 0)
		st->v1 = true;
	else if (strcmp(fstype, "cgroup2") == 0)
		st->v2 = true;
}

static void mount_fn(const char *fstype, const char *target, void *arg)
{
	struct mounts_state *st = arg;
	if (st->count < MOUNTS_MAX) {
		char line[4200];
		snprintf(line, sizeof(line), "%s %s", fstype, target);
		if (st->count > 0)
			fputc(',', out);
		json_str(line);
	}
	st->count++;
}

static void print_cgroup(const char *mountinfo)
{
	struct mounts_state st = {0};
	if (mountinfo)
		mountinfo_each(mountinfo, layout_fn, &st);
	json_key("cgroup");
	fputc('{', out);
	print_file_field("self", "/proc/self/cgroup");
	fputc(',', out);
	json_key("layout");
	json_str(!mountinfo ? NULL : st.v1 && st.v2 ? "hybrid" : st.v1 ? "v1" : st.v2 ? "v2" : "none");
	fputc('}', out);
}

static void print_mounts(const char *mountinfo)
{
	struct mounts_state st = {0};
	json_key("mounts");
	fputc('[', out);
	if (mountinfo)
		mountinfo_each(mountinfo, mount_fn, &st);
	fputc(']', out);
	fputc(',', out);
	json_key("mounts_total");
	fprintf(out, "%d", st.count);
}

static void print_status(void)
{
	char *status = read_file("/proc/self/status");
	char eff[64], bnd[64], mode[32], filters[32], nnp[32];
	bool has_eff = status && status_field(status, "CapEff", eff, sizeof(eff));
	bool has_bnd = status && status_field(status, "CapBnd", bnd, sizeof(bnd));
	bool has_mode = status && status_field(status, "Seccomp", mode, sizeof(mode));
	bool has_filters = status && status_field(status, "Seccomp_filters", filters, sizeof(filters));
	bool has_nnp = status && status_field(status, "NoNewPrivs", nnp, sizeof(nnp));
	free(status);

	json_key("capabilities");
	fputc('{', out);
	json_key("eff");
	json_str(has_eff ? eff : NULL);
	fputc(',', out);
	json_key("bnd");
	json_str(has_bnd ? bnd : NULL);
	fputs("},", out);
	json_key("seccomp");
	fputc('{', out);
	json_key("mode");
	fprintf(out, "%ld", has_mode ? strtol(mode, NULL, 10) : -1L);
	fputc(',', out);
	json_key("filters");
	fprintf(out, "%ld", has_filters ? strtol(filters, NULL, 10) : -1L);
	fputs("},", out);
	json_key("no_new_privs");
	fputs(has_nnp ? (strtol(nnp, NULL, 10) ? "true" : "false") : "null", out);
}

/* An AppArmor label; on a kernel without apparmor/ in attr, only a text that looks like one. */
static void print_apparmor(void)
{
	char *label = read_file("/proc/self/attr/apparmor/current");
	if (!label) {
		label = read_file("/proc/self/attr/current");
		if (label) {
			strip_right(label);
			if (strcmp(label, "unconfined") != 0 && !strstr(label, " (")) {
				free(label); /* SELinux or another LSM */
				label = NULL;
			}
		}
	}
	if (label) {
		strip_right(label);
		if (!*label) {
			free(label);
			label = NULL;
		}
	}
	json_key("apparmor");
	json_str(label);
	free(label);
}

/* ---- the next level of nesting ------------------------------------------ */

struct step_result {
	int ok;
	int err;		 /* errno of the failing call, 0 when none */
	char detail[DETAIL_MAX]; /* the failing call, or what worked */
};

__attribute__((format(printf, 3, 4))) static void set_fail(struct step_result *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	r->ok = 0;
	r->err = err;
}

__attribute__((format(printf, 2, 3))) static void set_ok(struct step_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	r->ok = 1;
	r->err = 0;
}

/* unshare, then make every mount private so that nothing propagates back out. */
static bool private_mounts(struct step_result *r, int flags, const char *what)
{
	if (unshare(flags) < 0) {
		set_fail(r, errno, "unshare(%s)", what);
		return false;
	}
	/* "none": the kernel ignores the type here, valgrind does not. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		set_fail(r, errno, "mount --make-rprivate /");
		return false;
	}
	return true;
}

/* A directory to mount on in a private mount namespace: covering it hides nothing outside. */
static const char *scratch_dir(void)
{
	static const char *const dirs[] = {"/tmp", "/mnt", "/run", "/dev", "/"};
	struct stat st;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (lstat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return "/";
}

static void step_userns(struct step_result *r)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0) {
		set_fail(r, errno, "unshare(CLONE_NEWUSER)");
		return;
	}
	int e = write_file("/proc/self/setgroups", "deny");
	if (e < 0 && e != -ENOENT) {
		set_fail(r, -e, "write /proc/self/setgroups");
		return;
	}
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if ((e = write_file("/proc/self/uid_map", map)) < 0) {
		set_fail(r, -e, "write /proc/self/uid_map \"0 %u 1\"", (unsigned)uid);
		return;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if ((e = write_file("/proc/self/gid_map", map)) < 0) {
		set_fail(r, -e, "write /proc/self/gid_map \"0 %u 1\"", (unsigned)gid);
		return;
	}
	if (getuid() != 0) {
		set_fail(r, 0, "uid %u after mapping, not 0", (unsigned)getuid());
		return;
	}
	set_ok(r, "uid 0 in the new namespace is uid %u outside", (unsigned)uid);
}

static void step_mntns(struct step_result *r)
{
	if (private_mounts(r, CLONE_NEWNS, "CLONE_NEWNS"))
		set_ok(r, "private mount namespace");
}

/*
 * Fork into the new pid namespace and run fn there as its pid 1, the way
 * runc starts a container's init. The answer comes back through a pipe.
 */
static void in_new_pidns(struct step_result *r, void (*fn)(struct step_result *r))
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		set_fail(r, errno, "pipe");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		set_fail(r, errno, "fork into the new pid namespace");
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct step_result child = {0};
		if (getpid() != 1)
			set_fail(&child, 0, "pid %d in the new pid namespace, not 1", (int)getpid());
		else
			fn(&child);
		ssize_t n = write(fds[1], &child, sizeof(child));
		_exit(n == (ssize_t)sizeof(child) ? 0 : 1);
	}
	close(fds[1]);
	ssize_t n;
	while ((n = read(fds[0], r, sizeof(*r))) < 0 && errno == EINTR)
		;
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*r))
		set_fail(r, 0, "pid 1 of the new namespace gave no answer");
}

static void pidns_init(struct step_result *r)
{
	set_ok(r, "pid 1 in the new pid namespace");
}

static void step_pidns(struct step_result *r)
{
	if (unshare(CLONE_NEWPID) < 0) {
		set_fail(r, errno, "unshare(CLONE_NEWPID)");
		return;
	}
	in_new_pidns(r, pidns_init);
}

static void step_cgroupns(struct step_result *r)
{
	if (unshare(CLONE_NEWCGROUP) < 0) {
		set_fail(r, errno, "unshare(CLONE_NEWCGROUP)");
		return;
	}
	/* In its own cgroup namespace a process sees its cgroup as the root. */
	char *self = read_file("/proc/self/cgroup");
	bool root = self && *self;
	for (const char *l = self; root && *l;) {
		size_t n = strcspn(l, "\n");
		root = n >= 2 && l[n - 2] == ':' && l[n - 1] == '/';
		l += n + (l[n] == '\n');
	}
	free(self);
	if (root)
		set_ok(r, "own cgroup is / in the new namespace");
	else
		set_ok(r, "new cgroup namespace");
}

static void proc_init(struct step_result *r)
{
	const char *dir = scratch_dir();
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		set_fail(r, errno, "mount -t proc proc %s", dir);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "%s/1/stat", strcmp(dir, "/") == 0 ? "" : dir);
	struct stat st;
	bool seen = stat(path, &st) == 0;
	umount2(dir, MNT_DETACH);
	if (seen)
		set_ok(r, "proc mounted on %s; it shows the new namespace's pid 1", dir);
	else
		set_fail(r, 0, "proc mounted on %s but %s is missing", dir, path);
}

static void step_proc(struct step_result *r)
{
	if (private_mounts(r, CLONE_NEWNS | CLONE_NEWPID, "CLONE_NEWNS|CLONE_NEWPID"))
		in_new_pidns(r, proc_init);
}

static void step_overlay(struct step_result *r)
{
	if (!private_mounts(r, CLONE_NEWNS, "CLONE_NEWNS"))
		return;
	const char *dir = scratch_dir();
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=16m") < 0) {
		set_fail(r, errno, "mount -t tmpfs tmpfs %s", dir);
		return;
	}
	const char *base = strcmp(dir, "/") == 0 ? "" : dir;
	static const char *const names[] = {"lower", "upper", "work", "merged"};
	char paths[4][64];
	for (int i = 0; i < 4; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", base, names[i]);
		if (mkdir(paths[i], 0755) < 0) {
			set_fail(r, errno, "mkdir %s on tmpfs", paths[i]);
			umount2(dir, MNT_DETACH);
			return;
		}
	}
	char file[80];
	snprintf(file, sizeof(file), "%s/probe", paths[0]);
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	char opts[300];
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", paths[0], paths[1], paths[2]);
	if (mount("overlay", paths[3], "overlay", 0, opts) < 0) {
		set_fail(r, errno, "mount -t overlay overlay -o %s %s", opts, paths[3]);
		umount2(dir, MNT_DETACH);
		return;
	}
	/* A write through the overlay copies up into upper, as a container's first write does. */
	snprintf(file, sizeof(file), "%s/probe", paths[3]);
	int werr = 0;
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		werr = errno;
	else if (write(fd, "x", 1) != 1)
		werr = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	umount2(paths[3], MNT_DETACH);
	umount2(dir, MNT_DETACH);
	if (werr)
		set_fail(r, werr, "write through the overlay (copy-up) on tmpfs");
	else
		set_ok(r, "overlay on tmpfs mounted; copy-up works");
}

struct step {
	const char *name;
	void (*fn)(struct step_result *r);
};

static const struct step steps[] = {
	{"userns", step_userns},     {"mntns", step_mntns}, {"pidns", step_pidns},
	{"cgroupns", step_cgroupns}, {"proc", step_proc},   {"overlay", step_overlay},
};
#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

static void on_alarm(int sig)
{
	(void)sig;
}

/* Tests: the step named here never answers, to show the timeout works. */
static const char *hang_step;

/* Run one step in a forked child: a step may hang in the kernel, and its namespaces die with it. */
static void run_step(const struct step *s, unsigned timeout, struct step_result *r, long long *ms)
{
	long long start = now_ms();
	memset(r, 0, sizeof(*r));
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		set_fail(r, errno, "pipe");
		*ms = now_ms() - start;
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		set_fail(r, errno, "fork");
		close(fds[0]);
		close(fds[1]);
		*ms = now_ms() - start;
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		signal(SIGALRM, SIG_DFL);
		alarm(timeout + 1); /* the parent kills first; this is for a parent that is gone */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct step_result child = {0};
		if (hang_step && strcmp(hang_step, s->name) == 0)
			for (;;)
				pause();
		s->fn(&child);
		ssize_t n = write(fds[1], &child, sizeof(child));
		_exit(n == (ssize_t)sizeof(child) ? 0 : 1);
	}
	close(fds[1]);

	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	ssize_t n = read(fds[0], r, sizeof(*r));
	int rerr = errno;
	alarm(0);
	close(fds[0]);
	bool timed_out = n < 0 && rerr == EINTR;
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		set_fail(r, ETIMEDOUT, "no answer after %u s: killed", timeout);
	else if (n != (ssize_t)sizeof(*r)) {
		if (WIFSIGNALED(status))
			set_fail(r, 0, "killed by signal %d", WTERMSIG(status));
		else
			set_fail(r, 0, "exited %d without an answer", WEXITSTATUS(status));
	}
	r->detail[sizeof(r->detail) - 1] = '\0';
	*ms = now_ms() - start;
}

static void print_nested(unsigned timeout)
{
	struct step_result results[N_STEPS];
	long long ms[N_STEPS];
	for (size_t i = 0; i < N_STEPS; i++)
		run_step(&steps[i], timeout, &results[i], &ms[i]);
	/* We may be pid 1 of the container: reap whatever a killed step left to us. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;

	const char *first = NULL;
	json_key("nested");
	fputc('{', out);
	json_key("steps");
	fputc('[', out);
	for (size_t i = 0; i < N_STEPS; i++) {
		char buf[32];
		if (i)
			fputc(',', out);
		fputc('{', out);
		json_key("step");
		json_str(steps[i].name);
		fputc(',', out);
		json_key("ok");
		fputs(results[i].ok ? "true" : "false", out);
		fputc(',', out);
		json_key("errno");
		json_str(results[i].ok || !results[i].err ? NULL : errno_text(results[i].err, buf, sizeof(buf)));
		fputc(',', out);
		json_key("detail");
		json_str(results[i].detail);
		fputc(',', out);
		json_key("ms");
		fprintf(out, "%lld", ms[i]);
		fputc('}', out);
		if (!results[i].ok && !first)
			first = steps[i].name;
	}
	fputs("],", out);
	json_key("first_failure");
	json_str(first);
	fputc('}', out);
}

/* ---- networking: a small server, and a client that finds it by name ------ */

#define NET_ANSWER "nestcheck-probe"

/*
 * Serve PORT on every IPv4 address: each connection gets one line, then is
 * closed. Ends after seconds, or once it has answered count connections (0:
 * no such end), so that its container is gone by the time it is removed.
 */
static int serve(unsigned port, unsigned seconds, unsigned long count)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, SIG_DFL);
	alarm(seconds); /* never outlives its purpose, whatever happens to nestcheck */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return 1;
	}
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
		fprintf(stderr, "listen on port %u: %s\n", port, strerror(errno));
		return 1;
	}
	char host[65] = "";
	gethostname(host, sizeof(host) - 1);
	printf("listening %u\n", port);
	fflush(stdout);
	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int c = accept4(s, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "accept: %s\n", strerror(errno));
			return 1;
		}
		char line[160], addr[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
		int n = snprintf(line, sizeof(line), NET_ANSWER " %s %s\n", NESTCHECK_PROBE_VERSION, host);
		ssize_t w = write(c, line, (size_t)n);
		(void)w;
		close(c);
		printf("served %s\n", addr);
		fflush(stdout);
		if (count && --count == 0)
			return 0;
	}
}

/* What a connect gave: the first line the server wrote, or the error. */
struct net_try {
	bool ok;
	char detail[DETAIL_MAX];
	long long ms;
};

/* Wait for fd to be ready for events, at most ms; 1 ready, 0 timed out, -errno. */
static int wait_fd(int fd, short events, long long ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	for (;;) {
		int n = poll(&p, 1, (int)ms);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

/* One attempt of net_connect(). */
static void net_connect_once(struct in_addr addr, unsigned port, unsigned seconds, long long start, long long limit,
			     struct net_try *t)
{
	memset(t, 0, sizeof(*t));
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) {
		snprintf(t->detail, sizeof(t->detail), "socket: %s", strerror(errno));
		goto out;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = addr};
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		snprintf(t->detail, sizeof(t->detail), "connect: %s", strerror(errno));
		goto out;
	}
	long long remaining = limit - (now_ms() - start);
	int err = remaining > 0 ? wait_fd(s, POLLOUT, remaining) : 0;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (err == 0) {
		snprintf(t->detail, sizeof(t->detail), "connect: no answer within %u s", seconds);
		goto out;
	}
	if (err < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		snprintf(t->detail, sizeof(t->detail), "connect: %s", strerror(soerr ? soerr : err < 0 ? -err : errno));
		goto out;
	}
	char buf[DETAIL_MAX];
	size_t len = 0;
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		long long left = limit - (now_ms() - start);
		if (left <= 0 || wait_fd(s, POLLIN, left) <= 0) {
			snprintf(t->detail, sizeof(t->detail), "read: no answer within %u s", seconds);
			goto out;
		}
		ssize_t n = read(s, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(t->detail, sizeof(t->detail), "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	strip_right(buf);
	if (strncmp(buf, NET_ANSWER " ", strlen(NET_ANSWER) + 1) != 0) {
		snprintf(t->detail, sizeof(t->detail), "read: %s",
			 len ? "not the probe's answer" : "closed without an answer");
		goto out;
	}
	t->ok = true;
	snprintf(t->detail, sizeof(t->detail), "%s", buf);
out:
	if (s >= 0)
		close(s);
	t->ms = now_ms() - start;
}

/*
 * Connect to addr:port and read the server's line, within seconds. A refusal
 * is tried again until then: a server started a moment ago may not listen yet.
 */
static void net_connect(struct in_addr addr, unsigned port, unsigned seconds, struct net_try *t)
{
	long long start = now_ms(), limit = (long long)seconds * 1000;
	for (;;) {
		net_connect_once(addr, port, seconds, start, limit, t);
		if (t->ok || !strstr(t->detail, strerror(ECONNREFUSED)) || now_ms() - start + 50 >= limit)
			return;
		struct timespec ts = {0, 50 * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* The first nameserver of /etc/resolv.conf (Docker's embedded DNS is 127.0.0.11 on user-defined networks). */
static bool resolv_nameserver(struct in_addr *ret, char *text, size_t size)
{
	char *conf = read_file("/etc/resolv.conf");
	bool found = false;
	for (char *line = conf ? strtok(conf, "\n") : NULL; line && !found; line = strtok(NULL, "\n")) {
		char ns[64];
		if (sscanf(line, " nameserver %63s", ns) == 1 && inet_pton(AF_INET, ns, ret) == 1) {
			snprintf(text, size, "%s", ns);
			found = true;
		}
	}
	free(conf);
	return found;
}

/* Ask the nameserver for NAME's A record over UDP: 0 and the address, or an errno with detail. */
static int dns_query(struct in_addr server, const char *name, unsigned seconds, struct in_addr *ret, char *detail,
		     size_t size)
{
	unsigned char q[300], a[1500];
	size_t len = 12;
	uint16_t id = (uint16_t)(getpid() ^ now_ms());
	memset(q, 0, sizeof(q));
	q[0] = id >> 8, q[1] = id & 0xff, q[2] = 0x01 /* RD */, q[5] = 1 /* QDCOUNT */;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, ".");
		if (n == 0 || n > 63 || len + n + 6 > sizeof(q)) {
			snprintf(detail, size, "not a DNS name: %s", name);
			return EINVAL;
		}
		q[len++] = (unsigned char)n;
		memcpy(q + len, p, n);
		len += n;
		p += n + (p[n] == '.');
	}
	q[len++] = 0;
	q[len++] = 0, q[len++] = 1; /* A */
	q[len++] = 0, q[len++] = 1; /* IN */

	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(detail, size, "socket: %s", strerror(errno));
		return errno;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53), .sin_addr = server};
	int err = ETIMEDOUT;
	snprintf(detail, size, "no answer from the nameserver within %u s", seconds);
	long long start = now_ms(), limit = (long long)seconds * 1000;
	/* Sent again each second: UDP may lose the first. */
	for (long long next = 0; now_ms() - start < limit;) {
		if (now_ms() - start >= next) {
			if (sendto(s, q, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
				err = errno;
				snprintf(detail, size, "sendto: %s", strerror(err));
				break;
			}
			next += 1000;
		}
		long long wait = next - (now_ms() - start);
		if (wait_fd(s, POLLIN, wait > 0 ? wait : 1) <= 0)
			continue;
		ssize_t n = recv(s, a, sizeof(a), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			snprintf(detail, size, "recv: %s", strerror(err));
			break;
		}
		if (n < 12 || a[0] != q[0] || a[1] != q[1])
			continue;
		unsigned rcode = a[3] & 0x0f, an = (unsigned)(a[6] << 8 | a[7]);
		if (rcode) {
			err = rcode == 3 ? ENOENT : EIO;
			snprintf(detail, size, "the nameserver answered %s",
				 rcode == 3   ? "NXDOMAIN (no such name)"
				 : rcode == 2 ? "SERVFAIL"
					      : "with an error");
			break;
		}
		/* Skip the question (as sent), then walk the answers. */
		size_t off = len;
		err = ENOENT;
		snprintf(detail, size, "the nameserver's answer holds no address");
		for (unsigned i = 0; i < an && off < (size_t)n; i++) {
			while (off < (size_t)n && a[off] && (a[off] & 0xc0) != 0xc0)
				off += (size_t)a[off] + 1;
			off += off < (size_t)n && a[off] ? 2 : 1;
			if (off + 10 > (size_t)n)
				break;
			unsigned type = (unsigned)(a[off] << 8 | a[off + 1]),
				 rdlen = (unsigned)(a[off + 8] << 8 | a[off + 9]);
			off += 10;
			if (off + rdlen > (size_t)n)
				break;
			if (type == 1 && rdlen == 4) {
				memcpy(ret, a + off, 4);
				err = 0;
				break;
			}
			off += rdlen;
		}
		break;
	}
	close(s);
	return err;
}

static void print_try(const char *key, const struct net_try *t)
{
	json_key(key);
	fprintf(out, "{\"ok\":%s,", t->ok ? "true" : "false");
	json_key(t->ok ? "answer" : "error");
	json_str(t->detail);
	fprintf(out, ",\"ms\":%lld}", t->ms);
}

/* Find NAME through the container's nameserver, then reach NAME and ADDR on PORT: one JSON object. */
static int client(const char *name, const char *addr_text, unsigned port, unsigned seconds)
{
	struct in_addr ns, addr, by_name;
	char ns_text[64] = "", detail[DETAIL_MAX] = "";
	struct net_try t;
	long long start = now_ms();

	signal(SIGPIPE, SIG_IGN);
	if (inet_pton(AF_INET, addr_text, &addr) != 1) {
		fprintf(stderr, "not an IPv4 address: %s\n", addr_text);
		return 2;
	}
	out = stdout;
	fputc('{', out);
	json_key("probe_version");
	json_str(NESTCHECK_PROBE_VERSION);
	fputs(",\"dns\":{", out);
	int err;
	if (!resolv_nameserver(&ns, ns_text, sizeof(ns_text))) {
		err = ENOENT;
		snprintf(detail, sizeof(detail), "/etc/resolv.conf names no IPv4 nameserver");
	} else {
		err = dns_query(ns, name, seconds, &by_name, detail, sizeof(detail));
	}
	char errbuf[32];
	fprintf(out, "\"ok\":%s,", err ? "false" : "true");
	json_key("server");
	json_str(ns_text[0] ? ns_text : NULL);
	fputc(',', out);
	if (err) {
		json_key("error");
		json_str(detail);
		fputc(',', out);
		json_key("errno");
		json_str(errno_text(err, errbuf, sizeof(errbuf)));
	} else {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &by_name, a, sizeof(a));
		json_key("address");
		json_str(a);
	}
	fprintf(out, ",\"ms\":%lld},", now_ms() - start);
	if (!err) {
		net_connect(by_name, port, seconds, &t);
		print_try("by_name", &t);
		fputc(',', out);
	}
	net_connect(addr, port, seconds, &t);
	print_try("by_address", &t);
	fprintf(out, ",\"elapsed_ms\":%lld}\n", now_ms() - start);
	return fflush(out) == 0 ? 0 : 1;
}

static void usage(FILE *f)
{
	fputs("usage: nestcheck-probe [--only-nested | --no-nested] [--timeout SECONDS] [--test-hang STEP]\n"
	      "       nestcheck-probe --serve PORT [--timeout SECONDS] [--count N]\n"
	      "       nestcheck-probe --connect NAME ADDRESS PORT [--timeout SECONDS]\n"
	      "Prints what this container sees, and whether the next level of nesting works, as one JSON object.\n"
	      "--serve answers each connection to PORT with one line, for SECONDS (default 60) or N connections;\n"
	      "--connect finds NAME through the nameserver of /etc/resolv.conf, then reaches it and ADDRESS\n"
	      "on PORT (JSON).\n",
	      f);
}

int main(int argc, char **argv)
{
	bool nested = true, rest = true, timeout_set = false;
	unsigned timeout = STEP_TIMEOUT, port = 0;
	const char *serve_port = NULL, *connect_name = NULL, *connect_addr = NULL;
	unsigned long count = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--serve") == 0 && i + 1 < argc) {
			serve_port = argv[++i];
		} else if (strcmp(argv[i], "--connect") == 0 && i + 3 < argc) {
			connect_name = argv[++i];
			connect_addr = argv[++i];
			serve_port = argv[++i];
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			char *end;
			count = strtoul(argv[++i], &end, 10);
			if (*end || count == 0) {
				usage(stderr);
				return 2;
			}
		} else if (strcmp(argv[i], "--only-nested") == 0) {
			rest = false;
		} else if (strcmp(argv[i], "--no-nested") == 0) {
			nested = false;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			char *end;
			unsigned long t = strtoul(argv[++i], &end, 10);
			if (*end || t == 0 || t > 600) {
				usage(stderr);
				return 2;
			}
			timeout = (unsigned)t;
			timeout_set = true;
		} else if (strcmp(argv[i], "--test-hang") == 0 && i + 1 < argc) {
			hang_step = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			puts(NESTCHECK_PROBE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	if (serve_port) {
		char *end;
		unsigned long p = strtoul(serve_port, &end, 10);
		if (*end || p == 0 || p > 65535) {
			usage(stderr);
			return 2;
		}
		port = (unsigned)p;
		if (connect_name)
			return client(connect_name, connect_addr, port, timeout);
		return serve(port, timeout_set ? timeout : 60, count);
	}

	long long start = now_ms();
	/* Everything goes out at the end in one piece; children never flush it. */
	char *buf = NULL;
	size_t len = 0;
	out = open_memstream(&buf, &len);
	if (!out)
		return 1;

	fputc('{', out);
	json_key("probe_version");
	json_str(NESTCHECK_PROBE_VERSION);
	fputc(',', out);
	if (rest) {
		fprintf(out, "\"euid\":%u,\"pid\":%d,", (unsigned)geteuid(), (int)getpid());
		print_file_field("uid_map", "/proc/self/uid_map");
		fputc(',', out);
		print_file_field("gid_map", "/proc/self/gid_map");
		fputc(',', out);
		char *mountinfo = read_file("/proc/self/mountinfo");
		print_cgroup(mountinfo);
		fputc(',', out);
		print_status();
		fputc(',', out);
		print_apparmor();
		fputc(',', out);
		print_mounts(mountinfo);
		fputc(',', out);
		free(mountinfo);
	}
	if (nested) {
		print_nested(timeout);
		fputc(',', out);
	}
	json_key("elapsed_ms");
	fprintf(out, "%lld}\n", now_ms() - start);
	if (fclose(out) != 0 || !buf)
		return 1;

	for (size_t off = 0; off < len;) {
		ssize_t n = write(STDOUT_FILENO, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		off += (size_t)n;
	}
	free(buf);
	return 0;
}
