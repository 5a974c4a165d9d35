/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/child.h"
#include "parse.h"
#include "core/util.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <sys/mman.h>
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
		/* iptables-nft's note that legacy tables exist too is not the error, nor is the hint at --help. */
		if (!line[0] || startswith(line, "# Warning:") || startswith(line, "Try `"))
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

/* How a failed command ended, as an iptables_run (message: its first lines of stderr, else stdout). */
static void failure_run(const struct capture *c, struct iptables_run *ret)
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
	*ret = run;
}

static char *failure_value(const struct capture *c)
{
	struct iptables_run run;
	failure_run(c, &run);
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

/*
 * What dockerd (20.10 and later) runs at start for docker0 and the first
 * container publishing 8080 -> 80, in its order (libnetwork's
 * drivers/bridge/setup_ip_tables.go and iptables/iptables.go). The interface
 * need not exist. "-t TABLE" first when dockerd names the table.
 */
static const char *const rehearsal_program[] = {
	"-t nat -N DOCKER",
	"-t filter -N DOCKER",
	"-t filter -N DOCKER-ISOLATION-STAGE-1",
	"-t filter -N DOCKER-ISOLATION-STAGE-2",
	"-A DOCKER-ISOLATION-STAGE-1 -j RETURN",
	"-A DOCKER-ISOLATION-STAGE-2 -j RETURN",
	"-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
	"-t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
	"-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
	"-t nat -A DOCKER -i docker0 -j RETURN",
	"-A FORWARD -o docker0 -j DOCKER",
	"-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
	"-A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
	"-A FORWARD -i docker0 -o docker0 -j ACCEPT",
	"-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2",
	"-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP",
	"-t filter -N DOCKER-USER",
	"-A DOCKER-USER -j RETURN",
	"-A FORWARD -j DOCKER-USER",
	"-A FORWARD -j DOCKER-ISOLATION-STAGE-1",
	"-t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
	"-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT",
	"-t nat -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
};

char **iptables_rehearsal_commands(const char *program, size_t *ret_n)
{
	char **v = xmalloc(sizeof(char *) * ARRAY_SIZE(rehearsal_program));
	for (size_t i = 0; i < ARRAY_SIZE(rehearsal_program); i++)
		v[i] = xasprintf("%s --wait %s", program, rehearsal_program[i]);
	*ret_n = ARRAY_SIZE(rehearsal_program);
	return v;
}

/* The whole program as iptables-restore reads it: the nat table, then filter; chains declared first. */
static char *rehearsal_restore_text(void)
{
	static const char *const tables[] = {"nat", "filter"};
	struct strbuf sb = {0};
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		strbuf_appendf(&sb, "*%s\n", tables[t]);
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < ARRAY_SIZE(rehearsal_program); i++) {
				const char *cmd = rehearsal_program[i];
				const char *table = "filter";
				if (startswith(cmd, "-t ")) {
					table = startswith(cmd, "-t nat ") ? "nat" : "filter";
					cmd += strlen("-t ") + strlen(table) + 1;
				}
				if (!streq(table, tables[t]))
					continue;
				if (pass == 0 && startswith(cmd, "-N "))
					strbuf_appendf(&sb, ":%s - [0:0]\n", cmd + 3);
				else if (pass == 1 && !startswith(cmd, "-N "))
					strbuf_appendf(&sb, "%s\n", cmd);
			}
		strbuf_append(&sb, "COMMIT\n");
	}
	return strbuf_take(&sb);
}

static int write_all(int fd, const char *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct rehearsal_job {
	const char *program; /* as dockerd names it, for the record */
	const char *bin;     /* its absolute path */
	const char *restore; /* PROGRAM-restore of the same binary, or NULL */
	long long start, deadline;
};

static bool capture_ok(const struct capture *c)
{
	return !c->timed_out && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0;
}

/* In a private network namespace of its own: the whole program at once. */
static bool rehearse_restore(const struct rehearsal_job *job)
{
	_cleanup_free_ char *text = rehearsal_restore_text();
	/* Not close-on-exec: iptables-restore opens it by its /proc path. */
	_cleanup_close_ int fd = memfd_create("nestcheck-rehearsal", 0);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return false;
	_cleanup_free_ char *file = xasprintf("/proc/self/fd/%d", fd);
	char *argv[] = {(char *)job->restore, "--wait", "--noflush", file, NULL};
	long long left = job->deadline - now_ms();
	if (left <= 0)
		return false;
	struct capture c;
	if (run_capture(argv, (int)left, &c) < 0)
		return false;
	bool ok = capture_ok(&c);
	capture_clear(&c);
	return ok;
}

/* The commands one by one, as dockerd runs them: the first that fails is recorded. */
static char *rehearse_each(const struct rehearsal_job *job)
{
	for (size_t i = 0; i < ARRAY_SIZE(rehearsal_program); i++) {
		_cleanup_free_ char *words = xasprintf("--wait %s", rehearsal_program[i]);
		char *argv[24] = {(char *)job->bin};
		size_t n = 1;
		char *save = NULL;
		for (char *w = strtok_r(words, " ", &save); w && n < ARRAY_SIZE(argv) - 1;
		     w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
		argv[n] = NULL;

		struct iptables_rehearsal reh = {.outcome = REHEARSAL_FAILED};
		long long left = job->deadline - now_ms();
		struct capture c = {0};
		if (left <= 0) {
			reh.run.outcome = IPTABLES_TIMEOUT;
		} else {
			int r = run_capture(argv, (int)left, &c);
			if (r < 0)
				return NULL; /* no fork: the parent records nothing */
			if (capture_ok(&c)) {
				capture_clear(&c);
				continue;
			}
			failure_run(&c, &reh.run);
			capture_clear(&c);
		}
		reh.ms = (unsigned)(now_ms() - job->start);
		reh.rule = xasprintf("%s --wait %s", job->program, rehearsal_program[i]);
		char *v = iptables_rehearsal_format(&reh);
		iptables_rehearsal_clear(&reh);
		return v;
	}
	struct iptables_rehearsal ok = {.outcome = REHEARSAL_OK, .rules = ARRAY_SIZE(rehearsal_program)};
	ok.ms = (unsigned)(now_ms() - job->start);
	return iptables_rehearsal_format(&ok);
}

static void rehearsal_child(void *arg, int out)
{
	const struct rehearsal_job *job = arg;
	_cleanup_free_ char *v = NULL;

	if (unshare(CLONE_NEWNET) < 0) {
		v = xasprintf("unshare=%s", errno_name(-errno));
	} else if (job->restore && rehearse_restore(job)) {
		struct iptables_rehearsal ok = {.outcome = REHEARSAL_OK, .rules = ARRAY_SIZE(rehearsal_program)};
		ok.ms = (unsigned)(now_ms() - job->start);
		v = iptables_rehearsal_format(&ok);
	} else if (job->restore && unshare(CLONE_NEWNET) < 0) {
		/* A failed restore may have committed a table: start again in an empty namespace. */
		v = xasprintf("unshare=%s", errno_name(-errno));
	} else {
		v = rehearse_each(job);
	}
	if (v)
		write_all(out, v, strlen(v));
}

/* PROGRAM-restore next to bin, when it is the same binary (xtables-nft-multi, xtables-legacy-multi). */
static char *restore_find(const char *bin, const char *program)
{
	_cleanup_free_ char *copy = xstrdup(bin);
	char *p = xasprintf("%s/%s-restore", dirname(copy), program);
	char a[PATH_MAX], b[PATH_MAX];
	if (access(p, X_OK) == 0 && realpath(p, a) && realpath(bin, b) && streq(a, b))
		return p;
	free(p);
	return NULL;
}

int probe_iptables_rehearsal(void *userdata, char **ret)
{
	const char *program = userdata;
	if (geteuid() != 0) {
		*ret = xstrdup("not-root");
		return 0;
	}
	_cleanup_free_ char *bin = program_find(program);
	if (!bin) {
		*ret = xstrdup("missing");
		return 0;
	}
	_cleanup_free_ char *restore = restore_find(bin, program);
	long long start = now_ms();
	/* The child stops itself a little before the bound, to name the command it was waiting for. */
	long margin = probe_network_timeout_ms > 1000 ? 200 : probe_network_timeout_ms / 5;
	struct rehearsal_job job = {program, bin, restore, start, start + probe_network_timeout_ms - margin};
	/* Its own group: the kill at the bound reaches the iptables it runs too. */
	const struct child_opts o = {
		.timeout_ms = probe_network_timeout_ms, .max_output = 4096, .own_group = true, .quick = true};
	struct child_result res;
	int r = child_run(rehearsal_child, &job, &o, &res);
	if (r < 0)
		return r;
	struct iptables_rehearsal reh;
	if (res.timed_out || !res.reaped) {
		*ret = xasprintf("timeout ms=%lld", now_ms() - start);
	} else if (iptables_rehearsal_parse(res.out, &reh) == 0) {
		iptables_rehearsal_clear(&reh);
		*ret = TAKE_PTR(res.out);
	} else {
		/* The child died before it answered (killed, out of memory): nothing to record. */
		r = -EIO;
	}
	child_result_clear(&res);
	return r;
}

/* Whether a word stands alone on a line of text. */
static bool has_line(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == '\n' || p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* Whether the other backend holds tables already (reading it must not load its modules). */
static bool other_backend_used(enum iptables_backend other)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (other == IPTABLES_BACKEND_LEGACY)
		return read_user_file("/proc/net/ip_tables_names", 4096, &text, &len) == 0 && has_line(text, "nat");
	if (access("/sys/module/nf_tables", F_OK) == 0)
		return true;
	return read_user_file("/proc/modules", 1 << 20, &text, &len) == 0 && has_line(text, "nf_tables");
}

int probe_iptables_other_backend(void *userdata, char **ret)
{
	const struct iptables_other_probe *q = userdata;
	if (geteuid() != 0)
		return -EPERM;
	if (q->backend == IPTABLES_BACKEND_UNKNOWN)
		return -ENODATA;
	enum iptables_backend other =
		q->backend == IPTABLES_BACKEND_NFT ? IPTABLES_BACKEND_LEGACY : IPTABLES_BACKEND_NFT;
	_cleanup_free_ char *name = xasprintf("%s-%s", q->program, other == IPTABLES_BACKEND_LEGACY ? "legacy" : "nft");
	_cleanup_free_ char *bin = program_find(name);
	if (!bin) {
		*ret = xstrdup("none");
		return 0;
	}
	if (!other_backend_used(other)) {
		*ret = xstrdup("unused");
		return 0;
	}
	char *argv[] = {bin, "-t", "nat", "-S", NULL};
	struct capture c;
	int r = run_capture(argv, probe_network_timeout_ms, &c);
	if (r < 0)
		return r;
	if (capture_ok(&c)) {
		unsigned n = 0;
		for (const char *p = c.out; *p;) {
			size_t len = strcspn(p, "\n");
			_cleanup_free_ char *line = xstrndup(p, len);
			if (strstr(line, "DOCKER"))
				n++;
			p += len + (p[len] == '\n');
		}
		*ret = xasprintf("%s docker=%u", name, n);
	} else {
		_cleanup_free_ char *v = failure_value(&c);
		*ret = xasprintf("%s %s", name, v);
	}
	capture_clear(&c);
	return 0;
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
