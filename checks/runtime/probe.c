/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/child.h"
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
			/* An absolute name is where that tool lives (a daemon outside the bin dirs). */
			if ((*n)[0] == '/' && i > 0)
				break;
			_cleanup_free_ char *p = (*n)[0] == '/' ? xstrdup(*n) : xasprintf("%s/%s", bin_dirs[i], *n);
			struct stat st;
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
				return TAKE_PTR(p);
		}
	return NULL;
}

_Noreturn static void tool_child(void *arg, int out)
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

/*
 * Run fn in a child of its own process group, killed with what it started
 * after TOOL_PROBE_TIMEOUT_MS; at most cap bytes of its output, NULs made '?'
 * (they would end the text early). 1 when it timed out or would not die, 0
 * when it ended, a negative errno when it could not start.
 */
static int tool_run(child_fn fn, void *arg, char *buf, size_t cap, int *ret_status)
{
	static const struct child_opts opts = {
		.timeout_ms = TOOL_PROBE_TIMEOUT_MS, .max_output = 0, .own_group = true, .reap_ms = 500, .quick = true};
	struct child_opts o = opts;
	struct child_result res;
	o.max_output = cap;
	buf[0] = '\0';
	*ret_status = 0;
	int err = child_run(fn, arg, &o, &res);
	if (err < 0)
		return err;
	for (size_t i = 0; i < res.out_len; i++)
		buf[i] = res.out[i] ? res.out[i] : '?';
	buf[res.out_len] = '\0';
	*ret_status = res.status;
	bool bad = res.timed_out || !res.reaped;
	child_result_clear(&res);
	return bad ? 1 : 0;
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
	char buf[TOOL_OUTPUT_MAX + 1];
	int status;
	int timed_out = tool_run(tool_child, (void *)args, buf, TOOL_OUTPUT_MAX, &status);
	if (timed_out < 0)
		return timed_out;

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

_Noreturn static void read_child(void *arg, int out)
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
	char buf[64];
	int status;
	int r = tool_run(read_child, userdata, buf, sizeof(buf) - 1, &status);
	if (r < 0)
		return r;
	if (r) {
		*ret = xstrdup("timeout");
		return 0;
	}
	if (!buf[0])
		return -EIO;
	*ret = xstrdup(buf);
	return 0;
}
