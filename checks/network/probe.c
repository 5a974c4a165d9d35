/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/child.h"
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

/* What a command printed, and how it ended. */
struct capture {
	char *out, *err;
	bool timed_out;
	int status;
};

static void capture_clear(struct capture *c)
{
	free(c->out);
	free(c->err);
	*c = (struct capture){0};
}

/* Run argv[0] (an absolute path) with a fixed environment; its stdout and stderr are captured. */
static int run_capture(char *const argv[], int timeout_ms, struct capture *ret)
{
	static char *const env[] = {"LC_ALL=C", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				    NULL};
	const struct child_opts o = {.timeout_ms = timeout_ms, .max_output = CAPTURE_MAX, .stderr_apart = true};
	struct child_result r;
	int err = child_exec(argv, env, &o, &r);
	if (err < 0)
		return err;
	*ret = (struct capture){TAKE_PTR(r.out), TAKE_PTR(r.err), r.timed_out || !r.reaped, r.status};
	child_result_clear(&r);
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
