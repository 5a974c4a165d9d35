/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestcheck lxd|incus --all: every running container of a project checked,
 * each by a child `nestcheck lxd|incus NAME --json` (so that one instance's
 * trouble stays its own), at most --jobs at once, each within
 * --instance-timeout; then the fleet's roll-up of their reports (merge.c).
 */
#include "lxd_all.h"
#include "merge.h"
#include "checks/lxd/parse.h"
#include "core/json.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILL_GRACE_S 15

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

struct job {
	char *name;
	pid_t pid;
	double started;
	bool term_sent, kill_sent, timed_out;
	int status; /* of waitpid */
	bool done;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The running containers of the project, by name; 0 or a negative errno (lxd_error() says why). */
static int list_running(struct lxd *l, const char *project, struct strv *ret)
{
	_cleanup_free_ char *path = project && !streq(project, "default")
					    ? xasprintf("/1.0/instances?recursion=1&project=%s", project)
					    : xstrdup("/1.0/instances?recursion=1");
	json_object *md = NULL;
	int err = lxd_call(l, "GET", path, NULL, NULL, 0, &md, NULL);
	if (err < 0)
		return err;
	if (!json_object_is_type(md, json_type_array)) {
		json_object_put(md);
		return lxd_fail(l, -EBADMSG, "%s's list of instances is not an array", lxd_daemon_name(l));
	}
	size_t n = json_object_array_length(md);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(md, i);
		const char *name = json_get_str(o, "name"), *status = json_get_str(o, "status"),
			   *type = json_get_str(o, "type");
		/* Containers only: nestcheck runs in a virtual machine's own kernel as on any host. */
		if (name && status && streq(status, "Running") && (!type || streq(type, "container")) &&
		    lxd_instance_name_valid(name))
			strv_push(ret, xstrdup(name));
	}
	json_object_put(md);
	return 0;
}

static pid_t spawn(const struct lxd_all_opts *o, const char *name, const char *dir)
{
	_cleanup_free_ char *out = xasprintf("%s/%s.json", dir, name), *errp = xasprintf("%s/%s.err", dir, name);
	struct strv args = {0};
	strv_push(&args, xstrdup("nestcheck"));
	strv_push(&args, xstrdup(o->cmd));
	strv_push(&args, xstrdup(name));
	strv_push(&args, xstrdup("--json"));
	if (o->project) {
		strv_push(&args, xstrdup("--project"));
		strv_push(&args, xstrdup(o->project));
	}
	for (size_t i = 0; i < o->pass->n; i++)
		strv_push(&args, xstrdup(o->pass->v[i]));
	pid_t pid = fork();
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int fi = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fo < 0 || fe < 0 || fi < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv("/proc/self/exe", args.v);
		_exit(127);
	}
	strv_clear(&args);
	return pid;
}

/* The first line of a child's stderr, for the roll-up's "not checked" list. */
static char *first_err_line(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.err", dir, name), *text = NULL;
	size_t len;
	if (read_user_file(path, 1 << 20, &text, &len) < 0 || !text[0])
		return xstrdup("no word on why");
	const char *p = text;
	if (startswith(p, "nestcheck: "))
		p += strlen("nestcheck: ");
	return text_sanitize(xstrndup(p, strcspn(p, "\n")));
}

static void remove_dir(const char *dir, const struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *a = xasprintf("%s/%s.json", dir, jobs[i].name),
				    *b = xasprintf("%s/%s.err", dir, jobs[i].name);
		unlink(a);
		unlink(b);
	}
	rmdir(dir);
}

int lxd_all(struct lxd *l, const struct lxd_all_opts *o)
{
	struct strv names = {0};
	char tmpl[] = "/tmp/nestcheck-fleet.XXXXXX";
	const char *dir = o->report_dir;
	struct job *jobs = NULL;
	size_t n = 0;
	int ret = 2;

	int err = list_running(l, o->project, &names);
	if (err < 0) {
		fprintf(stderr, "nestcheck: cannot list the instances: %s\n", lxd_error(l));
		goto out;
	}
	if (names.n == 0) {
		fprintf(stderr, "nestcheck: %s has no running container%s%s\n", lxd_daemon_name(l),
			o->project ? " in project " : "", o->project ? o->project : "");
		goto out;
	}
	if (dir) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "nestcheck: cannot make --report-dir %s: %s\n", dir, strerror(errno));
			goto out;
		}
	} else if (!(dir = mkdtemp(tmpl))) {
		fprintf(stderr, "nestcheck: cannot make a temporary directory: %s\n", strerror(errno));
		goto out;
	}

	n = names.n;
	jobs = xcalloc(n, sizeof(*jobs));
	for (size_t i = 0; i < n; i++)
		jobs[i].name = names.v[i];
	struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	size_t next = 0, running = 0, finished = 0;
	while (finished < n) {
		while (!stop_sig && running < o->jobs && next < n) {
			jobs[next].pid = spawn(o, jobs[next].name, dir);
			jobs[next].started = now_s();
			if (jobs[next].pid < 0) {
				jobs[next].done = true;
				jobs[next].status = 127 << 8;
				finished++;
			} else {
				running++;
			}
			next++;
		}
		if (stop_sig && next < n) {
			/* Nothing more starts; what never started counts as finished. */
			finished += n - next;
			next = n;
		}
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		for (size_t i = 0; pid > 0 && i < n; i++)
			if (jobs[i].pid == pid && !jobs[i].done) {
				jobs[i].done = true;
				jobs[i].status = st;
				running--;
				finished++;
			}
		if (pid > 0)
			continue;
		double t = now_s();
		for (size_t i = 0; i < next; i++) {
			struct job *j = &jobs[i];
			if (j->done || j->pid <= 0)
				continue;
			/* SIGTERM first: the child removes what it pushed into its instance. */
			if (!j->term_sent && (stop_sig || t - j->started > o->instance_timeout_s)) {
				j->timed_out = !stop_sig;
				kill(j->pid, SIGTERM);
				j->term_sent = true;
				j->started = t;
			} else if (j->term_sent && !j->kill_sent && t - j->started > KILL_GRACE_S) {
				kill(j->pid, SIGKILL);
				j->kill_sent = true;
			}
		}
		if (running)
			usleep(50 * 1000);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);

	if (stop_sig) {
		if (!o->report_dir)
			remove_dir(dir, jobs, n);
		signal(stop_sig, SIG_DFL);
		raise(stop_sig);
		goto out;
	}
	/* The reports of the instances that were checked (exit 0 or 1), the others listed. */
	struct strv files = {0}, unchecked = {0};
	for (size_t i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;
		if (!j->timed_out && (code == 0 || code == 1)) {
			strv_push(&files, xasprintf("%s/%s.json", dir, j->name));
		} else if (j->timed_out) {
			strv_push(&unchecked, xasprintf("%s: no report within %ld s", j->name, o->instance_timeout_s));
		} else {
			_cleanup_free_ char *why = first_err_line(dir, j->name);
			strv_push(&unchecked, xasprintf("%s: %s", j->name, why));
		}
	}
	ret = merge_run(files.v, files.n, o->json, NULL, NULL, &unchecked);
	strv_clear(&files);
	strv_clear(&unchecked);
	if (!o->report_dir)
		remove_dir(dir, jobs, n);
out:
	free(jobs);
	strv_clear(&names);
	return ret;
}
