/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/util.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* Fixed places, not $PATH: nestcheck runs as root and must not run whatever a relative PATH entry holds. */
static const char *const bin_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
				       "/sbin",		  "/bin",	    "/snap/bin"};

#define TOOL_OUTPUT_MAX	  4096
#define TOOL_OUTPUT_LINES 4

static char *tool_find(const char *const *names)
{
	for (const char *const *n = names; *n; n++)
		for (size_t i = 0; i < ARRAY_SIZE(bin_dirs); i++) {
			_cleanup_free_ char *p = xasprintf("%s/%s", bin_dirs[i], *n);
			struct stat st;
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
				return TAKE_PTR(p);
		}
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

_Noreturn static void tool_child(const void *arg, int out)
{
	const char *path = ((const char *const *)arg)[0], *targ = ((const char *const *)arg)[1];
	/* A process group of its own, so that a timeout kills what the tool started too. */
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);

	const char *home = getenv("HOME");
	char homevar[PATH_MAX + 8];
	snprintf(homevar, sizeof(homevar), "HOME=%s", home && home[0] == '/' ? home : "/root");
	char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin", "LC_ALL=C",
			      homevar, NULL};
	char *const argv[] = {(char *)path, (char *)targ, NULL};
	execve(path, argv, envp);

	const char *e = errno_name(-errno);
	if (write(STDOUT_FILENO, "!exec ", 6) == 6 && write(STDOUT_FILENO, e, strlen(e)) > 0)
		(void)!write(STDOUT_FILENO, "\n", 1);
	_exit(127);
}

/* Wait until pid exits (without reaping it) or the deadline passes: true when it exited. */
static bool child_exited_by(pid_t pid, long long deadline)
{
	for (;;) {
		siginfo_t si = {0};
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
			return true;
		if (now_ms() >= deadline)
			return false;
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
}

/*
 * Reap a child that was sent SIGKILL, waiting at most ms. A child blocked
 * in a FUSE request that its daemon never answers cannot die until the
 * daemon answers or its connection is aborted: it is left behind then
 * (init reaps it once it dies) rather than hanging nestcheck. True when reaped.
 */
static bool reap_bounded(pid_t pid, int *ret_status, int ms)
{
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, ret_status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		if (waited >= ms)
			return false;
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* A child whose stdout is a pipe: fork it, run child(arg, write end) in it. */
struct piped_child {
	pid_t pid;
	int fd; /* the read end */
};

static int piped_fork(struct piped_child *ret, void (*child)(const void *arg, int out), const void *arg)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		/* Die with nestcheck. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		child(arg, pfd[1]);
		_exit(127);
	}
	close(pfd[1]);
	*ret = (struct piped_child){pid, pfd[0]};
	return 0;
}

/*
 * Read what the child writes (at most cap bytes kept, NUL-terminated) until
 * EOF and its exit, or until TOOL_PROBE_TIMEOUT_MS. Then kill it and its
 * process group and reap it, boundedly. True when it timed out.
 */
static bool piped_collect(struct piped_child *pc, char *buf, size_t cap, int *ret_status)
{
	size_t len = 0;
	long long deadline = now_ms() + TOOL_PROBE_TIMEOUT_MS;
	bool timed_out = false;
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = {.fd = pc->fd, .events = POLLIN};
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			timed_out = true;
			break;
		}
		char chunk[1024];
		ssize_t got = read(pc->fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break; /* EOF: every holder of the pipe is gone */
		size_t keep = (size_t)got < cap - len ? (size_t)got : cap - len;
		/* NULs would end the text early. */
		for (size_t i = 0; i < keep; i++)
			buf[len++] = chunk[i] ? chunk[i] : '?';
	}
	close(pc->fd);
	buf[len] = '\0';

	if (!timed_out && !child_exited_by(pc->pid, deadline))
		timed_out = true;
	/* Not reaped yet, so the group id is still the child's: kill whatever it left behind. */
	kill(-pc->pid, SIGKILL);
	kill(pc->pid, SIGKILL);
	*ret_status = 0;
	if (!reap_bounded(pc->pid, ret_status, 500))
		timed_out = true;
	return timed_out;
}

/* The first lines of what the tool printed, made printable, one per line. */
static void output_append(struct strbuf *sb, char *out)
{
	unsigned lines = 0;
	for (char *save = NULL, *l = strtok_r(out, "\r\n", &save); l && lines < TOOL_OUTPUT_LINES;
	     l = strtok_r(NULL, "\r\n", &save)) {
		strstrip_right(text_sanitize(l));
		if (!l[strspn(l, " \t")])
			continue;
		if (lines == 0 && l[0] == '!')
			l[0] = '?'; /* "!" on that line marks the probe's own errors */
		strbuf_appendf(sb, "\n%s", l);
		lines++;
	}
}

int probe_tool_version(void *userdata, char **ret)
{
	const struct tool_probe *tp = userdata;
	_cleanup_free_ char *path = tool_find(tp->names);
	if (!path) {
		*ret = xstrdup("absent");
		return 0;
	}
	const char *args[2] = {path, tp->arg};
	struct piped_child pc;
	int err = piped_fork(&pc, tool_child, args);
	if (err < 0)
		return err;
	char buf[TOOL_OUTPUT_MAX + 1];
	int status;
	bool timed_out = piped_collect(&pc, buf, TOOL_OUTPUT_MAX, &status);

	struct strbuf sb = {0};
	strbuf_append(&sb, path);
	if (timed_out)
		strbuf_append(&sb, "\n!timeout");
	else if (startswith(buf, "!exec "))
		strbuf_appendf(&sb, "\n!%s", strstrip_right(buf + 1));
	else {
		size_t before = sb.len;
		output_append(&sb, buf);
		if (sb.len == before) {
			if (WIFEXITED(status))
				strbuf_appendf(&sb, "\n!exit %d", WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				strbuf_appendf(&sb, "\n!signal %d", WTERMSIG(status));
		}
	}
	*ret = strbuf_take(&sb);
	return 0;
}

_Noreturn static void read_child(const void *arg, int out)
{
	char buf[4096];
	int err = 0, fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		err = errno;
	else if (read(fd, buf, sizeof(buf)) < 0)
		err = errno;
	const char *v = err ? errno_name(-err) : "ok";
	(void)!write(out, v, strlen(v));
	_exit(0);
}

int probe_read_bounded(void *userdata, char **ret)
{
	struct piped_child pc;
	int err = piped_fork(&pc, read_child, userdata);
	if (err < 0)
		return err;
	char buf[64];
	int status;
	if (piped_collect(&pc, buf, sizeof(buf) - 1, &status)) {
		*ret = xstrdup("timeout");
		return 0;
	}
	if (!buf[0])
		return -EIO;
	*ret = xstrdup(buf);
	return 0;
}
