/* SPDX-License-Identifier: Apache-2.0 */
#include "child.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void child_result_clear(struct child_result *r)
{
	free(r->out);
	free(r->err);
	*r = (struct child_result){0};
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep up to max bytes of what fd has; false at EOF or error. */
static bool drain(int fd, struct strbuf *sb, size_t max)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	size_t keep = sb->len < max ? max - sb->len : 0;
	if (keep > (size_t)n)
		keep = (size_t)n;
	if (sb->len + keep + 1 > sb->cap) {
		sb->cap = sb->len + keep + 1 > 256 ? sb->len + keep + 1 : 256;
		sb->buf = xrealloc(sb->buf, sb->cap);
	}
	memcpy(sb->buf + sb->len, chunk, keep);
	sb->len += keep;
	sb->buf[sb->len] = '\0';
	return true;
}

/*
 * Wait a while for the child to exit, at most until the deadline: on its pidfd, which becomes readable
 * at the exit, where the kernel has them (5.3), else polls that start at 50 us and back off to
 * 5 ms. A child closes its pipes in its exit, just before the exit can be waited for: sleeping
 * a fixed 5 ms here would cost most children that much.
 */
static void until_exit(int pidfd, long long deadline, long step_us)
{
	long long left = deadline - now_ms();
	if (left <= 0)
		return;
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		(void)poll(&p, 1, (int)left);
		return;
	}
	struct timespec ts = {0, step_us * 1000};
	nanosleep(&ts, NULL);
}

static long next_step(long step_us)
{
	return step_us * 2 > 5000 ? 5000 : step_us * 2;
}

/* Whether pid exited (not reaped yet, so its group id stays its own) before the deadline. */
static bool exited_by(pid_t pid, int pidfd, long long deadline)
{
	for (long step = 50;; step = next_step(step)) {
		siginfo_t si = {0};
		int r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if ((r == 0 && si.si_pid == pid) || (r < 0 && errno != EINTR))
			return true;
		if (now_ms() >= deadline)
			return false;
		until_exit(pidfd, deadline, step);
	}
}

static bool reap_within(pid_t pid, int pidfd, int *status, long ms)
{
	long long deadline = now_ms() + ms;
	for (long step = 50;; step = next_step(step)) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		if (now_ms() >= deadline)
			return false;
		until_exit(pidfd, deadline, step);
	}
}

/* The parent's half: collect the pipes, wait, kill, reap. */
static void collect(pid_t pid, int out, int err, const struct child_opts *o, struct child_result *ret)
{
	struct strbuf sout = {0}, serr = {0};
	long long deadline = now_ms() + o->timeout_ms;
	bool timed_out = false;

	while (out >= 0 || err >= 0) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
		int n = poll(p, 2, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			timed_out = true;
			break;
		}
		if (out >= 0 && p[0].revents && !drain(out, &sout, o->max_output)) {
			close(out);
			out = -1;
		}
		if (err >= 0 && p[1].revents && !drain(err, &serr, o->max_output)) {
			close(err);
			err = -1;
		}
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	/* -1 before Linux 5.3 (ENOSYS), or under a seccomp filter that refuses it: polled then. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (!timed_out && !exited_by(pid, pidfd, deadline))
		timed_out = true;
	if (o->own_group)
		kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	ret->status = 0;
	ret->reaped = reap_within(pid, pidfd, &ret->status, o->reap_ms > 0 ? o->reap_ms : 1000);
	if (pidfd >= 0)
		close(pidfd);
	ret->timed_out = timed_out;
	if (o->running)
		*o->running = 0;
	ret->out = sout.buf ? sout.buf : xstrdup("");
	ret->out_len = sout.len;
	ret->err = serr.buf ? serr.buf : xstrdup("");
	ret->err_len = serr.len;
}

/*
 * A vfork()ed child shares nestcheck's memory: nestcheck's signal handlers
 * (its cleanup) must not run in it. It starts with every signal blocked and
 * puts caught ones back to their default before it takes its own mask.
 */
static void handlers_default(void)
{
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		struct sigaction sa;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
			continue;
		signal(sig, SIG_DFL);
	}
}

/*
 * The child's first steps: die with nestcheck, its own group if asked, and
 * its mask: o->mask, else fallback (NULL: keep the one it has). A quick
 * function's child also stops itself at the deadline: no one can kill it
 * before, nestcheck waits for it in vfork().
 */
static void child_setup(pid_t parent, const struct child_opts *o, const sigset_t *fallback, bool self_timer)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent died before prctl: do nothing. (0: a new pid namespace's first process sees no parent.) */
	pid_t pp = getppid();
	if (pp != 0 && pp != parent)
		_exit(127);
	if (o->own_group)
		setpgid(0, 0);
	const sigset_t *want = o->mask ? o->mask : fallback;
	if (!want)
		return; /* a forked function: its caller's mask */
	sigset_t mask = *want;
	if (self_timer) {
		long ms = o->timeout_ms > 0 ? o->timeout_ms : 1;
		const struct itimerval it = {.it_value = {ms / 1000, (ms % 1000) * 1000}};
		setitimer(ITIMER_REAL, &it, NULL);
		sigdelset(&mask, SIGALRM);
	}
	sigprocmask(SIG_SETMASK, &mask, NULL);
}

static int start(int fds[2], int efds[2], bool want_err)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (want_err && pipe2(efds, O_CLOEXEC) < 0) {
		int e = -errno;
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	return 0;
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* What runs in the child once it is set up, with its output pipe(s). */
struct payload {
	child_fn fn;
	void *arg;
	char *const *argv, *const *envp;
};

static _Noreturn void in_child(const struct payload *p, const struct child_opts *o, int out, int err)
{
	if (p->fn) {
		p->fn(p->arg, out);
		_exit(0);
	}
	signal(SIGPIPE, SIG_DFL);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(o->stderr_apart ? err : out, STDERR_FILENO) < 0)
		_exit(127);
	execve(p->argv[0], p->argv, p->envp);
	_exit(127);
}

static int spawn(const struct payload *p, const struct child_opts *o, struct child_result *ret)
{
	bool apart = !p->fn && o->stderr_apart;
	/* A program is exec'd at once, a quick function is short: both run while nestcheck waits in vfork(). */
	bool quick = !p->fn || o->quick;
	int fds[2], efds[2] = {-1, -1};
	int r = start(fds, efds, apart);
	if (r < 0)
		return r;
	/* volatile: read again in the parent after vfork() (which returns twice, as setjmp does) */
	volatile pid_t parent = getpid();
	/* A program starts with no signal blocked, whichever thread (threads block them all) starts it. */
	sigset_t old, none;
	sigemptyset(&none);
	if (quick) {
		sigset_t all;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
	}
	pid_t pid = quick ? vfork() : fork();
	if (pid == 0) {
		if (quick)
			handlers_default();
		close(fds[0]);
		if (apart)
			close(efds[0]);
		child_setup(parent, o, !p->fn ? &none : quick ? &old : NULL, quick && p->fn);
		in_child(p, o, fds[1], efds[1]);
	}
	r = pid < 0 ? -errno : 0;
	if (quick)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		close_pair(fds);
		if (apart)
			close_pair(efds);
		return r;
	}
	close(fds[1]);
	if (apart)
		close(efds[1]);
	if (o->running)
		*o->running = pid;
	*ret = (struct child_result){0};
	collect(pid, fds[0], apart ? efds[0] : -1, o, ret);
	/* A quick function's child that was still running at its deadline stopped itself. */
	if (quick && p->fn && ret->reaped && WIFSIGNALED(ret->status) && WTERMSIG(ret->status) == SIGALRM)
		ret->timed_out = true;
	return 0;
}

int child_run(child_fn fn, void *arg, const struct child_opts *o, struct child_result *ret)
{
	const struct payload p = {.fn = fn, .arg = arg};
	return spawn(&p, o, ret);
}

int child_exec(char *const argv[], char *const envp[], const struct child_opts *o, struct child_result *ret)
{
	const struct payload p = {.argv = argv, .envp = envp};
	return spawn(&p, o, ret);
}
