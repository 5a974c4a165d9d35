/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "parse.h"
#include "core/util.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

int probe_network_timeout_ms = IPTABLES_TIMEOUT_MS;

/* Output kept per stream; the rest is read and dropped so the child never blocks. */
#define CAPTURE_MAX (64u << 10)

struct capture {
	char *out, *err;
	size_t out_len, err_len;
	bool timed_out;
	int status;
};

static void capture_clear(struct capture *c)
{
	free(c->out);
	free(c->err);
	*c = (struct capture){0};
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain(int fd, char **buf, size_t *len, bool *eof)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*eof = true;
		return;
	}
	size_t keep = *len < CAPTURE_MAX ? CAPTURE_MAX - *len : 0;
	if ((size_t)n < keep)
		keep = (size_t)n;
	if (keep) {
		*buf = xrealloc(*buf, *len + keep + 1);
		memcpy(*buf + *len, chunk, keep);
		*len += keep;
		(*buf)[*len] = '\0';
	}
}

/* Run argv[0] (an absolute path) with a fixed environment; its stdout and stderr are captured. */
static int run_capture(char *const argv[], int timeout_ms, struct capture *ret)
{
	static char *const env[] = {"LC_ALL=C", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				    NULL};
	int out[2], err[2];

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = -errno;
		close(out[0]);
		close(out[1]);
		return e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		return e;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(127);
		execve(argv[0], argv, env);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);

	struct capture c = {0};
	bool out_eof = false, err_eof = false, reaped = false;
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		if (!reaped && out_eof && err_eof) {
			pid_t w = waitpid(pid, &c.status, WNOHANG);
			if (w == pid)
				reaped = true;
		}
		if (reaped)
			break;
		long long left = deadline - now_ms();
		if (left <= 0) {
			c.timed_out = true;
			break;
		}
		struct pollfd pfd[2] = {{.fd = out_eof ? -1 : out[0], .events = POLLIN},
					{.fd = err_eof ? -1 : err[0], .events = POLLIN}};
		/* With both pipes closed, poll only sleeps: wait for the exit in small steps. */
		int r = poll(pfd, 2, out_eof && err_eof ? (left < 20 ? (int)left : 20) : (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			drain(out[0], &c.out, &c.out_len, &out_eof);
		if (pfd[1].revents)
			drain(err[0], &c.err, &c.err_len, &err_eof);
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &c.status, 0) < 0 && errno == EINTR)
			;
	}
	close(out[0]);
	close(err[0]);
	if (!c.out)
		c.out = xstrdup("");
	if (!c.err)
		c.err = xstrdup("");
	*ret = c;
	return 0;
}

/* PROGRAM in PATH or the sbin directories, as an absolute path; NULL when there is none. */
static char *program_find(const char *program)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = xasprintf("%s:/usr/local/sbin:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue;
		char *p = xasprintf("%s/%s", d, program);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* The first non-empty lines of text (at most two, joined by " | "), safe to record and print. */
static char *first_lines(const char *text)
{
	struct strbuf sb = {0};
	unsigned taken = 0;
	for (const char *p = text; *p && taken < 2;) {
		size_t n = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, n);
		p += n + (p[n] == '\n');
		strstrip_right(line);
		/* iptables-nft's note that legacy tables exist too is not the error. */
		if (!line[0] || startswith(line, "# Warning:"))
			continue;
		if (taken++)
			strbuf_append(&sb, " | ");
		strbuf_append(&sb, text_sanitize(line));
	}
	char *s = sb.buf ? strbuf_take(&sb) : xstrdup("");
	if (strlen(s) > 300)
		strcpy(s + 297, "...");
	return s;
}

static char *failure_value(const struct capture *c)
{
	struct iptables_run run = {0};
	if (c->timed_out) {
		run.outcome = IPTABLES_TIMEOUT;
	} else if (WIFSIGNALED(c->status)) {
		run.outcome = IPTABLES_SIGNAL;
		run.code = WTERMSIG(c->status);
	} else {
		run.outcome = IPTABLES_FAILED;
		run.code = WEXITSTATUS(c->status);
		run.message = first_lines(c->err);
		if (!run.message[0]) {
			free(run.message);
			run.message = first_lines(c->out);
		}
	}
	char *v = iptables_run_format(&run);
	iptables_run_clear(&run);
	return v;
}

int probe_iptables_version(void *userdata, char **ret)
{
	_cleanup_free_ char *bin = program_find(userdata);
	if (!bin) {
		*ret = xstrdup("missing");
		return 0;
	}
	char *argv[] = {bin, "-V", NULL};
	struct capture c;
	int r = run_capture(argv, probe_network_timeout_ms, &c);
	if (r < 0)
		return r;
	if (!c.timed_out && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0)
		*ret = first_lines(c.out[0] ? c.out : c.err);
	else
		*ret = failure_value(&c);
	capture_clear(&c);
	return 0;
}

int probe_iptables_path(void *userdata, char **ret)
{
	_cleanup_free_ char *bin = program_find(userdata);
	if (!bin) {
		*ret = xstrdup("missing");
		return 0;
	}
	char real[PATH_MAX];
	if (realpath(bin, real) && !streq(real, bin))
		*ret = xasprintf("%s -> %s", bin, real);
	else
		*ret = TAKE_PTR(bin);
	return 0;
}

static unsigned count_rules(const char *out)
{
	unsigned n = 0;
	for (const char *p = out; *p;) {
		if (startswith(p, "-A "))
			n++;
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return n;
}

int probe_iptables_list(void *userdata, char **ret)
{
	const struct iptables_list_probe *q = userdata;

	/* Listing needs CAP_NET_ADMIN: as another user every table would look broken. */
	if (geteuid() != 0) {
		*ret = xstrdup("not-root");
		return 0;
	}
	_cleanup_free_ char *bin = program_find(q->program);
	if (!bin) {
		*ret = xstrdup("missing");
		return 0;
	}
	char *argv[] = {bin, "-t", (char *)q->table, "-S", NULL};
	/* No --wait (iptables before 1.4.20 lacks it): a held lock is retried a few times instead. */
	for (unsigned attempt = 0;; attempt++) {
		struct capture c;
		int r = run_capture(argv, probe_network_timeout_ms, &c);
		if (r < 0)
			return r;
		if (!c.timed_out && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0) {
			*ret = xasprintf("ok rules=%u", count_rules(c.out));
			capture_clear(&c);
			return 0;
		}
		bool locked = !c.timed_out && iptables_error_classify(c.err) == IPTABLES_ERR_LOCKED;
		if (!locked || attempt == 4) {
			*ret = failure_value(&c);
			capture_clear(&c);
			return 0;
		}
		capture_clear(&c);
		usleep(300 * 1000);
	}
}

int probe_sysctl_writable(void *userdata, char **ret)
{
	if (geteuid() != 0)
		return -EPERM;
	/* The open is the whole test: sysctl permissions and read-only mounts are checked there. */
	int fd = open(userdata, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*ret = xstrdup(errno_name(-errno));
		return 0;
	}
	close(fd);
	*ret = xstrdup("writable");
	return 0;
}

int iptables_backend_observe(struct host *h, enum iptables_backend *ret, const char **ret_line)
{
	const char *v;
	int r = host_observe(h, OBS_IPTABLES_VERSION, probe_iptables_version, "iptables", &v);
	if (r < 0)
		return r;
	if (ret_line)
		*ret_line = v;
	if (streq(v, "missing"))
		return -ENOENT;
	return iptables_version_parse(v, NULL, ret);
}
