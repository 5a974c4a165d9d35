/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine itself, asked over its API: whether the Docker engine answers
 * and how it is set up (runtime.engine); whether a container really starts
 * through it (launch.container); and what a privileged container, the way
 * Docker-in-Docker runs, meets one level deeper (launch.nested).
 *
 * Every answer is a recorded observation ("engine.info", "launch"), so a
 * capture replays the same report. A failed launch carries the engine's
 * own error text and the fix of the known failure it matches.
 */
#include "checks/checks.h"
#include "core/child.h"
#include "core/dynlib.h"
#include "remedy/catalog.h"
#include "parse.h"
#include "checks/runtime/parse.h"
#include "image.h"
#include "probe.h"

#include <libmount.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void launch_request(struct ctx *c, struct launch_request *ret)
{
	*ret = (struct launch_request){
		.timeout_ms = c->engine_timeout_ms,
		.keep_image = c->keep_image,
		.nested = c->launch_nested,
		.network = c->launch_network,
	};
}

/* Why a live observation is missing: --no-probes on a live system, or a replay that lacks it. */
static void skip_unrecorded(struct ctx *c, struct result *r, const char *what)
{
	if (host_is_live(c->host))
		result_set(r, STATUS_SKIP, "%s (--no-probes)", what);
	else
		result_set(r, STATUS_SKIP, "%s in replay (the capture holds no record of it)", what);
}

/*
 * nestcheck loads libcurl and libarchive only for these checks. When one
 * cannot be loaded here (the binary copied alone into a minimal container),
 * that is nestcheck's own lack, not the host's: a skip that names the library
 * and how to get it, and the verdict stays about Docker.
 */
static void skip_missing_library(struct ctx *c, struct result *r)
{
	const char *why = dyn_error();
	bool curl = strstr(why, "libcurl") != NULL;
	result_evidence_string(r, "library_error", "%s", why);
	result_set(r, STATUS_SKIP, "nestcheck cannot load %s here (%s): this says nothing about Docker",
		   curl ? "libcurl, which it needs to talk to the engine"
			: "libarchive, which it needs to build its "
			  "probe image",
		   why);
	result_remedy(r, ctx_here(c), "Install the library nestcheck loads for the engine checks and launches:",
		      curl ? "apt-get install -y libcurl4" : "apt-get install -y libarchive13", NULL);
	result_remedy(r, ctx_here(c),
		      "Or run nestcheck from a bundle that carries every library it uses (made on a machine that "
		      "has them):",
		      "scripts/bundle.sh DIR nestcheck", NULL);
}

/* "engine.info": 0 and the parse; -ENODATA when not recorded; an error result for junk. */
static int engine_observe(struct ctx *c, struct result *r, struct engine_obs *ret)
{
	struct launch_request req;
	const char *value;
	launch_request(c, &req);
	int err = host_observe(c->host, ENGINE_INFO_KEY, probe_engine_info, &req, &value);
	if (err < 0)
		return err;
	if (engine_obs_parse(value, ret) < 0)
		return result_error(r, -EBADMSG, "the recorded %s observation is malformed", ENGINE_INFO_KEY);
	return 0;
}

static bool docker_installed(struct ctx *c)
{
	const struct dpkg_status *s;
	if (ctx_dpkg(c, &s) < 0)
		return false;
	return dpkg_status_installed(s, "docker.io") || dpkg_status_installed(s, "docker-ce");
}

static void remedy_engine_absent(struct ctx *c, struct result *r, const struct engine_obs *o)
{
	if (docker_installed(c)) {
		result_remedy(r, ctx_here(c),
			      "Docker is installed but its engine is not running: start it (systemd, or the init "
			      "script where there is no systemd):",
			      "systemctl start docker || service docker start", NULL);
	} else {
		result_remedy(r, ctx_here(c), "Install Docker from the distribution and start its engine:",
			      "apt-get update && apt-get install -y docker.io",
			      "systemctl enable --now docker || service docker start", NULL);
	}
	if (o->socket && !streq(o->socket, ENGINE_DEFAULT_SOCKET))
		result_remedy(r, ctx_here(c),
			      "DOCKER_HOST names a socket of its own: when the engine listens elsewhere, point "
			      "DOCKER_HOST at it (or unset it for the default):",
			      "export DOCKER_HOST=unix://" ENGINE_DEFAULT_SOCKET, NULL);
}

static void remedy_engine_down(struct ctx *c, struct result *r, const char *socket)
{
	_cleanup_free_ char *q = shell_quote(socket ? socket : ENGINE_DEFAULT_SOCKET);
	result_remedy(r, ctx_here(c), "Read dockerd's log for the reason it does not answer, then restart it:",
		      "journalctl -u docker --no-pager -n 50 || tail -n 50 /var/log/docker.log",
		      "systemctl restart docker || service docker restart", NULL);
	struct remedy *m = result_remedy(r, ctx_here(c),
					 "If dockerd is not what listens there (or the socket file is stale), find "
					 "the listener; remove a stale socket before starting dockerd again:",
					 NULL);
	remedy_command(m, "ss -xlp | grep -F %s", q);
	remedy_command(m, "ls -l %s", q);
}

static void remedy_engine_upgrade(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "Upgrade Docker to a supported release (20.10 or newer) from the distribution or Docker CE, then "
		      "restart it:",
		      "apt-get update && apt-get install -y docker.io",
		      "systemctl restart docker || service docker restart", NULL);
}

/* ---------------------------------------------------------------- dockerd's log */

#define DOCKERD_LOG_KEY	 "engine.log"
#define DOCKERD_LOG_TAIL 65536

/* The last DOCKERD_LOG_TAIL bytes of a regular file, or NULL. */
static char *file_tail(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	off_t from = st.st_size > DOCKERD_LOG_TAIL ? st.st_size - DOCKERD_LOG_TAIL : 0;
	char *buf = xmalloc(DOCKERD_LOG_TAIL + 1);
	ssize_t n = pread(fd, buf, DOCKERD_LOG_TAIL, from);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Where a running dockerd writes its stderr, when that is a file. */
static char *running_dockerd_log(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return NULL;
	char *found = NULL;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		_cleanup_free_ char *comm_path = xasprintf("/proc/%s/comm", e->d_name), *comm = NULL;
		size_t len;
		if (read_user_file(comm_path, 64, &comm, &len) < 0 || !streq(comm, "dockerd\n"))
			continue;
		_cleanup_free_ char *fd2 = xasprintf("/proc/%s/fd/2", e->d_name);
		char target[4096];
		ssize_t n = readlink(fd2, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		struct stat st;
		if (target[0] == '/' && stat(target, &st) == 0 && S_ISREG(st.st_mode))
			found = xstrdup(target);
	}
	closedir(d);
	return found;
}

/*
 * The line of a log that says why dockerd does not answer: the last one a known
 * failure matches, else the last error or fatal line. NULL when none.
 */
static char *log_reason(char *log)
{
	const char *error_line = NULL;
	size_t error_len = 0;
	char *end = log + strlen(log);
	while (end > log) {
		char *start = end;
		while (start > log && start[-1] != '\n')
			start--;
		size_t len = (size_t)(end - start);
		if (len && start[len - 1] == '\n')
			len--;
		_cleanup_free_ char *line = xstrndup(start, len);
		if (failure_match(line))
			return text_sanitize(xstrndup(start, len > 600 ? 600 : len));
		if (!error_line && (strstr(line, "level=fatal") || strstr(line, "level=error") ||
				    strstr(line, "failed to start daemon"))) {
			error_line = start;
			error_len = len;
		}
		end = start > log ? start - 1 : log;
	}
	return error_line ? text_sanitize(xstrndup(error_line, error_len > 600 ? 600 : error_len)) : NULL;
}

/*
 * "SOURCE<TAB>LINE" from dockerd's log, or "none": the stderr file of a running
 * dockerd, /var/log/docker.log (Debian's init script), /var/log/dockerd.log, then
 * the journal of docker.service.
 */
static int probe_dockerd_log(void *userdata _unused_, char **ret)
{
	_cleanup_free_ char *running = running_dockerd_log();
	const char *files[] = {running, "/var/log/docker.log", "/var/log/dockerd.log"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (!files[i])
			continue;
		_cleanup_free_ char *log = file_tail(files[i]);
		_cleanup_free_ char *line = log ? log_reason(log) : NULL;
		if (line) {
			*ret = xasprintf("%s\t%s", files[i], line);
			return 0;
		}
	}
	if (access("/run/systemd/journal/socket", F_OK) == 0 && access("/usr/bin/journalctl", X_OK) == 0) {
		char *const argv[] = {
			"/usr/bin/journalctl", "-u", "docker.service", "-n", "200", "--no-pager", "-o", "cat", NULL};
		char *const envp[] = {"PATH=/usr/bin:/bin", "SYSTEMD_COLORS=0", NULL};
		const struct child_opts o = {.timeout_ms = 3000, .max_output = DOCKERD_LOG_TAIL};
		struct child_result res;
		if (child_exec(argv, envp, &o, &res) == 0) {
			_cleanup_free_ char *line = res.out && !res.timed_out ? log_reason(res.out) : NULL;
			child_result_clear(&res);
			if (line) {
				*ret = xasprintf("journal (docker.service)\t%s", line);
				return 0;
			}
		}
	}
	*ret = xstrdup("none");
	return 0;
}

/*
 * Why a dockerd that does not answer stopped, from its log: evidence, and the
 * known failure's fix when the line matches one. The log line, or NULL.
 */
static const char *engine_log_reason(struct ctx *c, struct result *r, const struct failure **ret_failure)
{
	const char *v;
	*ret_failure = NULL;
	if (host_observe(c->host, DOCKERD_LOG_KEY, probe_dockerd_log, NULL, &v) < 0)
		return NULL;
	const char *tab = strchr(v, '\t');
	if (!tab)
		return NULL;
	result_evidence_string(r, "log_source", "%.*s", (int)(tab - v), v);
	result_evidence_string(r, "log_line", "%s", tab + 1);
	*ret_failure = failure_match(tab + 1);
	if (*ret_failure)
		result_evidence_string(r, "known_failure", "%s (%s)", (*ret_failure)->id, (*ret_failure)->code);
	return tab + 1;
}

/*
 * An engine that is not ok: the status for a check that needs it, with its
 * fixes. what says what did not happen ("no container was launched").
 * false when the engine is ok.
 */
static bool engine_not_ok(struct ctx *c, struct result *r, const struct engine_obs *o, const char *what)
{
	const char *socket = o->socket ? o->socket : ENGINE_DEFAULT_SOCKET;
	switch (o->state) {
	case ENGINE_OK:
		return false;
	case ENGINE_ABSENT:
		result_set(r, STATUS_SKIP, "no Docker engine here (no socket at %s): %s", socket, what);
		remedy_engine_absent(c, r, o);
		break;
	case ENGINE_UNSUPPORTED:
		result_set(r, STATUS_SKIP, "%s: %s", o->error, what);
		break;
	case ENGINE_DOWN:
		/* The engine may be fine: it is nestcheck that may not ask it. */
		if (o->err_name && streq(o->err_name, "EACCES")) {
			result_set(r, STATUS_SKIP, "the Docker engine cannot be asked: %s; %s", o->error, what);
			result_remedy(
				r, ctx_here(c),
				"Run nestcheck as root, or as a member of the docker group (which is root-equivalent):",
				"sudo nestcheck", NULL);
			break;
		}
		const struct failure *f;
		const char *line = engine_log_reason(c, r, &f);
		if (f) {
			result_set(r, STATUS_FAIL,
				   "the Docker engine does not answer: %s; its log says why: %s (%s: %s); %s", o->error,
				   line, f->code, f->title, what);
			f->remedy(c, r);
		} else if (line) {
			result_set(r, STATUS_FAIL, "the Docker engine does not answer: %s; its log ends with: %s; %s",
				   o->error, line, what);
		} else {
			result_set(r, STATUS_FAIL, "the Docker engine does not answer: %s; %s", o->error, what);
		}
		remedy_engine_down(c, r, socket);
		break;
	case ENGINE_TOO_OLD:
		result_set(r, STATUS_FAIL, "Docker %s is too old: %s; %s",
			   o->version ? o->version : "(version unknown)", o->error, what);
		remedy_engine_upgrade(c, r);
		break;
	}
	return true;
}

/* ---------------------------------------------------------------- runtime.engine */

static void remedy_storage_driver(struct ctx *c, struct result *r, const struct engine_obs *o, bool userns)
{
	const char *root = o->root ? o->root : "/var/lib/docker";
	if (userns) {
		result_remedy(r, ctx_here(c),
			      "In a user namespace use the fuse-overlayfs driver: install it, add \"storage-driver\": "
			      "\"fuse-overlayfs\" to /etc/docker/daemon.json, restart dockerd (images are pulled "
			      "again):",
			      "apt-get install -y fuse-overlayfs", "systemctl restart docker || service docker restart",
			      NULL);
		result_remedy(
			r, WHERE_HOST,
			"Or run a host kernel that mounts overlay in a user namespace (5.11 or newer, or Ubuntu's "
			"kernel), so that overlay2 works here.",
			NULL);
	}
	fix_data_root_volume(c, r, root);
	result_remedy(r, ctx_here(c),
		      "Then let dockerd pick overlay2: remove a \"storage-driver\": \"vfs\" line from "
		      "/etc/docker/daemon.json (if any) and restart it; overlay.mount and storage.backing_fs show "
		      "why overlay did not work:",
		      "systemctl restart docker || service docker restart", NULL);
}

int check_runtime_engine(struct ctx *c, struct result *r)
{
	struct engine_obs o;
	int err = engine_observe(c, r, &o);
	if (err == -ENODATA) {
		skip_unrecorded(c, r, "the engine was not asked");
		return 0;
	}
	if (err == -ELIBACC) {
		skip_missing_library(c, r);
		return 0;
	}
	if (err < 0)
		return err;

	result_evidence_string(r, "socket", "%s", o.socket ? o.socket : "none");
	if (o.err_name && o.state != ENGINE_OK)
		result_evidence_string(r, "errno", "%s", o.err_name);
	if (o.version)
		result_evidence_string(r, "version", "%s", o.version);
	if (o.api)
		result_evidence_string(r, "api_version", "%s", o.api);
	if (engine_not_ok(c, r, &o, "the engine checks cannot run")) {
		engine_obs_clear(&o);
		return 0;
	}

	if (o.api_used)
		result_evidence_string(r, "api_used", "%s", o.api_used);
	if (o.min_api)
		result_evidence_string(r, "min_api_version", "%s", o.min_api);
	if (o.kernel)
		result_evidence_string(r, "kernel", "%s", o.kernel);
	result_evidence_string(r, "storage_driver", "%s", o.driver ? o.driver : "unknown");
	if (o.driver_status)
		result_evidence_string(r, "driver_status", "%s", o.driver_status);
	if (o.cgroup_driver)
		result_evidence_string(r, "cgroup_driver", "%s", o.cgroup_driver);
	if (o.cgroup_version)
		result_evidence_string(r, "cgroup_version", "%s", o.cgroup_version);
	_cleanup_free_ char *sec = strv_join(&o.security, "; "), *warn = strv_join(&o.warnings, "; ");
	result_evidence_string(r, "security_options", "%s", o.security.n ? sec : "none");
	result_evidence_int(r, "daemon_warnings", (long long)o.warnings.n);
	if (o.warnings.n)
		result_evidence_string(r, "daemon_warning_text", "%s", warn);
	if (o.root)
		result_evidence_string(r, "data_root", "%s", o.root);
	if (o.runtime)
		result_evidence_string(r, "default_runtime", "%s", o.runtime);
	if (o.ms >= 0)
		result_evidence_int(r, "ms", o.ms);

	/* The storage checks looked at daemon.json's data root; the engine's own may differ (a flag). */
	const char *checked;
	_cleanup_free_ char *note = NULL;
	if (o.root && ctx_data_root(c, NULL, &checked) == 0 && !streq(checked, o.root)) {
		result_evidence_string(r, "data_root_checked", "%s", checked);
		note = xasprintf("; the storage checks looked at %s, but this engine keeps its data in %s", checked,
				 o.root);
	}

	int userns = self_in_userns(c);
	const char *drv = o.driver ? o.driver : "unknown";
	_cleanup_free_ char *cg = xasprintf("cgroup v%s (%s)", o.cgroup_version ? o.cgroup_version : "?",
					    o.cgroup_driver ? o.cgroup_driver : "driver unknown");
	_cleanup_free_ char *warns = o.warnings.n ? xasprintf("; %zu daemon warning%s (see evidence)", o.warnings.n,
							      o.warnings.n > 1 ? "s" : "")
						  : xstrdup("");
	if (o.driver && streq(o.driver, "vfs")) {
		result_set(r, STATUS_WARN,
			   "Docker %s answers on %s, but with the vfs storage driver: every layer is a full copy, slow "
			   "to create and huge on disk (overlay2 did not work or was not chosen)%s",
			   o.version, o.socket, note ? note : "");
		remedy_storage_driver(c, r, &o, userns == 1);
	} else if (userns == 1 && o.driver && !engine_driver_userns_ok(o.driver)) {
		result_set(
			r, STATUS_WARN,
			"Docker %s answers on %s with the %s storage driver, in a user namespace where only overlay2 "
			"and fuse-overlayfs work well%s",
			o.version, o.socket, drv, note ? note : "");
		remedy_storage_driver(c, r, &o, true);
	} else {
		result_set(r, STATUS_PASS, "Docker %s answers on %s (API %s): storage driver %s, %s, data root %s%s%s",
			   o.version, o.socket, o.api_used ? o.api_used : o.api, drv, cg, o.root ? o.root : "unknown",
			   warns, note ? note : "");
	}
	engine_obs_clear(&o);
	return 0;
}

/* ---------------------------------------------------------------- launches */

/* "launch": 0 and the parse; -ENODATA when not recorded; an error result for junk. */
static int launch_observe(struct ctx *c, struct result *r, struct launch_obs *ret)
{
	struct launch_request req;
	const char *value;
	launch_request(c, &req);
	int err = host_observe(c->host, LAUNCH_KEY, probe_launch, &req, &value);
	if (err < 0)
		return err;
	if (launch_obs_parse(value, ret) < 0)
		return result_error(r, -EBADMSG, "the recorded %s observation is malformed", LAUNCH_KEY);
	return 0;
}

/* Both launch checks start alike: 1 with the observations when there was a launch, 0 when r says why not. */
static int launch_begin(struct ctx *c, struct result *r, struct engine_obs *eo, struct launch_obs *lo)
{
	if (c->no_launch) {
		result_set(r, STATUS_SKIP, "not launched (--no-launch)");
		return 0;
	}
	int err = engine_observe(c, r, eo);
	if (err == -ENODATA) {
		skip_unrecorded(c, r, "not launched");
		return 0;
	}
	if (err == -ELIBACC) {
		skip_missing_library(c, r);
		return 0;
	}
	if (err < 0)
		return err;
	if (engine_not_ok(c, r, eo, "no container was launched")) {
		engine_obs_clear(eo);
		return 0;
	}
	err = launch_observe(c, r, lo);
	if (err == -ENODATA || err == -ELIBACC) {
		if (err == -ELIBACC)
			skip_missing_library(c, r);
		else
			skip_unrecorded(c, r, "not launched");
		engine_obs_clear(eo);
		return 0;
	}
	if (err < 0) {
		engine_obs_clear(eo);
		return err;
	}
	return 1;
}

static void evidence_ms(struct result *r, const long ms[_LAUNCH_PHASE_MAX], const enum launch_phase *phases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ms[phases[i]] < 0)
			continue;
		_cleanup_free_ char *key = xasprintf("ms_%s", launch_phase_to_string(phases[i]));
		result_evidence_int(r, key, ms[phases[i]]);
	}
}

static void evidence_launch(struct result *r, const struct launch_obs *lo, const struct launch_run *run)
{
	static const enum launch_phase top[] = {LAUNCH_CLEANUP, LAUNCH_IMPORT, LAUNCH_REMOVE_IMAGE};
	static const enum launch_phase each[] = {LAUNCH_CREATE, LAUNCH_START, LAUNCH_WAIT, LAUNCH_LOGS, LAUNCH_REMOVE};
	if (lo->image)
		result_evidence_string(r, "image", "%s", lo->image);
	result_evidence_bool(r, "image_reused", lo->image_reused);
	result_evidence_string(r, "image_after", "%s",
			       lo->image_kept	   ? "kept (--keep-image)"
			       : lo->image_removed ? "removed"
						   : "not removed");
	if (lo->image_error)
		result_evidence_string(r, "image_remove_error", "%s", lo->image_error);
	if (lo->leftover_containers || lo->leftover_images || lo->leftover_networks)
		result_evidence_string(r, "leftovers_removed", "%ld container%s, %ld image%s, %ld network%s",
				       lo->leftover_containers, lo->leftover_containers == 1 ? "" : "s",
				       lo->leftover_images, lo->leftover_images == 1 ? "" : "s", lo->leftover_networks,
				       lo->leftover_networks == 1 ? "" : "s");
	if (lo->leftover_error)
		result_evidence_string(r, "leftover_error", "%s", lo->leftover_error);
	evidence_ms(r, lo->ms, top, ARRAY_SIZE(top));
	evidence_ms(r, run->ms, each, ARRAY_SIZE(each));
	if (run->remove_error)
		result_evidence_string(r, "container_remove_error", "%s", run->remove_error);
}

/* "0 100000 65536\n1 ..." as "0 100000 65536, ...". */
static char *map_oneline(const char *map)
{
	struct strbuf sb = {0};
	_cleanup_free_ char *copy = xstrdup(map ? map : "");
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *words = NULL;
		struct strbuf w = {0};
		char *s2 = NULL;
		for (char *t = strtok_r(line, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2))
			strbuf_appendf(&w, "%s%s", w.len ? " " : "", t);
		words = strbuf_take(&w);
		if (*words)
			strbuf_appendf(&sb, "%s%s", sb.len ? ", " : "", words);
	}
	return strbuf_take(&sb);
}

/* "the container could not start", with the container named as the caller says. */
static char *phase_failed_text(const char *phase, const char *container)
{
	if (streq(phase, "import"))
		return xstrdup("the probe image could not be imported");
	if (streq(phase, "create"))
		return xasprintf("%s could not be created", container);
	if (streq(phase, "start"))
		return xasprintf("%s could not start", container);
	if (streq(phase, "wait"))
		return xasprintf("waiting for %s failed", container);
	if (streq(phase, "logs"))
		return xasprintf("the output of %s could not be read", container);
	return xasprintf("launching %s failed", container);
}

/* A privileged container asks for every capability; runc fails when the engine's bounding set lacks one. */
static void remedy_caps(struct ctx *c, struct result *r)
{
	_cleanup_free_ char *status = NULL, *bnd = NULL;
	if (host_read_text(c->host, "proc/self/status", &status) == 0) {
		const char *p = strstr(status, "\nCapBnd:");
		if (p) {
			p += strlen("\nCapBnd:");
			p += strspn(p, " \t");
			bnd = xstrndup(p, strcspn(p, "\n"));
			result_evidence_string(r, "own_cap_bnd", "%s", bnd);
		}
	}
	struct remedy *m = result_remedy(
		r, ctx_here(c),
		"runc could not grant a privileged container every capability: the engine runs with a reduced "
		"capability bounding set (nestcheck's own is in the evidence), so what started dockerd dropped some. "
		"Start dockerd from a context with the full set (a systemd unit without CapabilityBoundingSet=, an "
		"LXC container without lxc.cap.drop of those capabilities); compare:",
		"grep CapBnd /proc/self/status /proc/$(pidof dockerd)/status", NULL);
	if (streq(ctx_runtime(c), "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			fix_show_config(m, t, "-i cap");
		}
	}
}

/* A failed launch: the engine's text, and the fix of the known failure it matches. */
static void launch_failed(struct ctx *c, struct result *r, const struct launch_run *run, enum status st,
			  const char *prefix, const char *container)
{
	const struct failure *f = failure_match(run->error);
	_cleanup_free_ char *what = phase_failed_text(run->phase, container);
	result_evidence_string(r, "failed_phase", "%s", run->phase);
	result_evidence_string(r, "engine_error", "%s", run->error);
	if (run->err_name)
		result_evidence_string(r, "errno", "%s", run->err_name);
	if (f) {
		result_evidence_string(r, "known_failure", "%s (%s)", f->id, f->code);
		result_set(r, st, "%s%s: %s (known failure %s: %s)", prefix, what, run->error, f->code, f->title);
		f->remedy(c, r);
	} else {
		result_set(r, st, "%s%s: %s", prefix, what, run->error);
	}
	if (run->err_name && streq(run->err_name, "ETIMEDOUT")) {
		result_remedy(r, ctx_here(c),
			      "The engine did not answer in time. If it is only slow (a loaded machine, a slow disk), "
			      "allow it more time with --timeout SECONDS; if it hangs, restart it:",
			      "nestcheck --timeout 120", "systemctl restart docker || service docker restart", NULL);
	} else if (!f && strstr(run->error, "apply caps")) {
		remedy_caps(c, r);
	} else if (!f) {
		result_remedy(r, ctx_here(c),
			      "nestcheck does not know this error. The engine's text above is the cause as Docker sees "
			      "it; dockerd's log holds the details (search for the text in Docker's and LXD's issue "
			      "trackers):",
			      "journalctl -u docker --no-pager -n 50 || tail -n 50 /var/log/docker.log", NULL);
	}
}

static void remedy_probe_by_hand(struct ctx *c, struct result *r, const char *image, bool privileged)
{
	struct remedy *m = result_remedy(r, ctx_here(c),
					 "Run the probe by hand to see what it prints (--keep-image leaves its image "
					 "in the engine):",
					 "nestcheck --keep-image --only launch", NULL);
	remedy_command(m, "docker run --rm --network none%s %s", privileged ? " --privileged" : "",
		       image ? image : PROBE_IMAGE_REPO);
	remedy_command(m, "docker rmi %s", image ? image : PROBE_IMAGE_REPO);
}

static void host_cgroup_layout(struct ctx *c, struct result *r)
{
	struct libmnt_table *tb;
	struct cgroup_mounts cm;
	if (ctx_mounts(c, &tb) == 0 && cgroup_mounts_scan(tb, &cm) == 0) {
		result_evidence_string(r, "host_cgroup_layout", "%s", cgroup_layout_to_string(cm.layout));
		cgroup_mounts_clear(&cm);
	}
}

/* launch.container's verdict from the observations. */
static void container_verdict(struct ctx *c, struct result *r, const struct engine_obs *eo, const struct launch_obs *lo)
{
	const struct launch_run *run = &lo->plain;
	_cleanup_free_ char *own = NULL, *uid = NULL, *gid = NULL, *image = NULL;

	if (lo->error) {
		result_set(r, STATUS_FAIL, "the engine stopped answering when the launch began: %s", lo->error);
		remedy_engine_down(c, r, eo->socket);
		return;
	}
	evidence_launch(r, lo, run);
	if (!run->ran) {
		launch_failed(c, r, run, STATUS_FAIL, "", "the container");
		return;
	}

	result_evidence_int(r, "exit_code", run->exit_code);
	if (host_read_text(c->host, "proc/self/uid_map", &own) == 0) {
		_cleanup_free_ char *line = map_oneline(own);
		result_evidence_string(r, "host_uid_map", "%s", line);
	}
	host_cgroup_layout(c, r);

	struct probe_report rep = {0};
	bool parsed = run->output && probe_report_parse(run->output, &rep) == 0;
	if (run->exit_code != 0 || !parsed) {
		_cleanup_free_ char *out = xasprintf("%.300s", run->output ? run->output : ""),
				    *errs = xasprintf("%.300s", run->errout ? run->errout : "");
		result_evidence_string(r, "probe_stdout", "%s", out);
		result_evidence_string(r, "probe_stderr", "%s", errs);
		result_set(r, STATUS_WARN,
			   "a container started and ran, so the engine works; but the probe inside %s (exit status "
			   "%ld)%s%s",
			   parsed ? "failed" : "printed no report", run->exit_code, *errs ? ": " : "", errs);
		remedy_probe_by_hand(c, r, lo->image, false);
		if (parsed)
			probe_report_clear(&rep);
		return;
	}

	uid = map_oneline(rep.uid_map);
	gid = map_oneline(rep.gid_map);
	result_evidence_string(r, "probe_uid_map", "%s", uid);
	result_evidence_string(r, "probe_gid_map", "%s", gid);
	if (rep.cgroup_layout)
		result_evidence_string(r, "probe_cgroup_layout", "%s", rep.cgroup_layout);
	if (rep.cap_eff)
		result_evidence_string(r, "probe_cap_eff", "%s", rep.cap_eff);
	result_evidence_int(r, "probe_seccomp_mode", rep.seccomp_mode);
	if (rep.apparmor)
		result_evidence_string(r, "probe_apparmor", "%s", rep.apparmor);

	long total = 0;
	for (int p = LAUNCH_CREATE; p <= LAUNCH_REMOVE; p++)
		total += run->ms[p] > 0 ? run->ms[p] : 0;
	image = lo->image_reused ? xstrdup("reused") : xasprintf("imported in %ld ms", lo->ms[LAUNCH_IMPORT]);
	result_set(r, STATUS_PASS,
		   "a container ran through the engine in %ld ms (create %ld, start %ld, wait %ld, remove %ld; image "
		   "%s): inside, uid map %s, cgroup %s, seccomp mode %d",
		   total, run->ms[LAUNCH_CREATE], run->ms[LAUNCH_START], run->ms[LAUNCH_WAIT], run->ms[LAUNCH_REMOVE],
		   image, uid, rep.cgroup_layout ? rep.cgroup_layout : "unknown", rep.seccomp_mode);
	probe_report_clear(&rep);
}

int check_launch_container(struct ctx *c, struct result *r)
{
	struct engine_obs eo;
	struct launch_obs lo;
	int err = launch_begin(c, r, &eo, &lo);
	if (err <= 0)
		return err;
	container_verdict(c, r, &eo, &lo);
	launch_obs_clear(&lo);
	engine_obs_clear(&eo);
	return 0;
}

/* ---------------------------------------------------------------- launch.nested */

/* The fix for the first nested step that failed, by the step's name. */
static void remedy_nested_step(struct ctx *c, struct result *r, const char *step, const char *err)
{
	bool lxc = streq(ctx_runtime(c), "lxc");
	if (strstr(step, "user")) {
		result_remedy(r, WHERE_HOST,
			      "User namespaces are refused one level down (rootless engines, userns-remap and many "
			      "sandboxes need them). Allow them on the host, persistently:",
			      "sysctl -w user.max_user_namespaces=15000 kernel.unprivileged_userns_clone=1",
			      "printf 'user.max_user_namespaces=15000\\n' >/etc/sysctl.d/90-userns.conf", NULL);
		return;
	}
	if (strstr(step, "proc") || strstr(step, "sys")) {
		if (lxc)
			fix_lxd_nesting(c, r);
		result_remedy(
			r, ctx_here(c),
			"A privileged container could not mount a fresh proc: the inner engine's containers will "
			"fail the same way (\"error mounting proc\"). Run Docker-in-Docker with --privileged, and "
			"look for the security module's denials:",
			"docker run --privileged ...", "dmesg | grep -i -E 'apparmor|avc|denied' | tail -n 20", NULL);
		return;
	}
	if (strstr(step, "overlay")) {
		result_remedy(r, ctx_here(c),
			      "Overlay cannot be mounted one level down: give the inner engine a volume for its data "
			      "root (not the container's own overlay root), or run it with the fuse-overlayfs driver:",
			      "docker run --privileged -v dind-data:/var/lib/docker ...", NULL);
		result_remedy(r, WHERE_HOST,
			      "In a user namespace overlay needs a host kernel 5.11 or newer (or Ubuntu's kernel).",
			      NULL);
		return;
	}
	if (strstr(step, "cgroup")) {
		result_remedy(r, WHERE_HOST,
			      "Cgroup namespaces are refused one level down: the kernel needs 4.6 or newer.", NULL);
		if (lxc)
			fix_lxd_nesting(c, r);
		return;
	}
	if (lxc)
		fix_lxd_nesting(c, r);
	_cleanup_free_ char *text = xasprintf("The next level cannot create its namespaces (%s fails with %s): run "
					      "the inner engine's container privileged, as Docker-in-Docker must be:",
					      step, err);
	result_remedy(r, ctx_here(c), text, "docker run --privileged ...", NULL);
}

/*
 * launch.nested warns rather than fails: Docker itself (this level) works
 * when launch.container passes; what breaks one level deeper hurts only
 * Docker-in-Docker (CI runners, kind, image builds in containers), which
 * not every host needs. The probe runs in a privileged container because
 * that is how Docker-in-Docker runs: in a default container Docker's own
 * seccomp profile refuses unshare and mount by design, whatever the host.
 */
static void nested_verdict(struct ctx *c, struct result *r, const struct launch_obs *lo)
{
	const struct launch_run *run = &lo->nested;
	struct probe_report rep = {0}, plain = {0};

	if (lo->error || !lo->plain.ran) {
		result_set(r, STATUS_SKIP,
			   "the plain container did not run (see launch.container): nothing can run one level deeper");
		return;
	}
	if (lo->plain.output && probe_report_parse(lo->plain.output, &plain) == 0) {
		if (plain.nested_steps)
			result_evidence_string(r, "unprivileged_steps", "%s", plain.nested_steps);
		probe_report_clear(&plain);
	}
	if (!run->present) {
		result_set(r, STATUS_SKIP, "the privileged container was not launched in this run");
		return;
	}
	evidence_launch(r, lo, run);
	if (!run->ran) {
		launch_failed(c, r, run, STATUS_WARN, "Docker-in-Docker would fail here: ", "a privileged container");
		return;
	}
	result_evidence_int(r, "exit_code", run->exit_code);
	if (!run->output || probe_report_parse(run->output, &rep) < 0) {
		_cleanup_free_ char *errs = xasprintf("%.300s", run->errout ? run->errout : "");
		result_evidence_string(r, "probe_stderr", "%s", errs);
		result_set(r, STATUS_SKIP,
			   "the probe printed no report in the privileged container (exit status %ld): what works one "
			   "level deeper is not known",
			   run->exit_code);
		return;
	}
	if (rep.nested_steps)
		result_evidence_string(r, "steps", "%s", rep.nested_steps);
	if (!rep.nested_first_failure) {
		result_set(r, STATUS_PASS,
			   "in a privileged container (as Docker-in-Docker runs) the next level works: %s",
			   rep.nested_steps ? rep.nested_steps : "every step");
	} else {
		const char *e = rep.nested_errno ? rep.nested_errno : "an error";
		result_evidence_string(r, "first_failure", "%s", rep.nested_first_failure);
		result_evidence_string(r, "first_failure_errno", "%s", e);
		result_set(r, STATUS_WARN,
			   "in a privileged container (as Docker-in-Docker runs) %s fails with %s: Docker-in-Docker "
			   "here would fail; Docker itself is not affected",
			   rep.nested_first_failure, e);
		remedy_nested_step(c, r, rep.nested_first_failure, e);
	}
	probe_report_clear(&rep);
}

int check_launch_nested(struct ctx *c, struct result *r)
{
	struct engine_obs eo;
	struct launch_obs lo;
	int err = launch_begin(c, r, &eo, &lo);
	if (err <= 0)
		return err;
	nested_verdict(c, r, &lo);
	launch_obs_clear(&lo);
	engine_obs_clear(&eo);
	return 0;
}

/* ---------------------------------------------------------------- launch.network */

static char *net_step_failed_text(const char *step)
{
	static const struct {
		const char *step, *text;
	} texts[] = {
		{"network_create", "a user-defined bridge network could not be created"},
		{"server_create", "the server container could not be created on the bridge network"},
		{"server_start", "the server container (a published port on the bridge network) could not start"},
		{"server_inspect", "the engine did not say where the server container is"},
		{"client_create", "the second container could not be created on the bridge network"},
		{"client_start", "the second container could not start on the bridge network"},
		{"client_wait", "waiting for the second container failed"},
		{"client_logs", "the output of the second container could not be read"},
		{"interrupted", "the network workload was interrupted"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (streq(step, texts[i].step))
			return xstrdup(texts[i].text);
	return xasprintf("the network workload failed at %s", step);
}

static void remedy_network_by_hand(struct ctx *c, struct result *r, const char *image)
{
	const char *img = image ? image : PROBE_IMAGE_REPO;
	struct remedy *m =
		result_remedy(r, ctx_here(c),
			      "Run the same workload by hand to watch it fail (--keep-image leaves the "
			      "probe image in the engine):",
			      "nestcheck --keep-image --only launch.network", "docker network create nc-try", NULL);
	remedy_command(m, "docker run -d --name nc-server --network nc-try -p %d %s %s --serve %d", 8000, img,
		       PROBE_IMAGE_CMD, 8000);
	remedy_command(m, "docker port nc-server %d", 8000);
	remedy_command(
		m,
		"docker run --rm --network nc-try %s %s --connect nc-server "
		"\"$(docker inspect -f '{{(index .NetworkSettings.Networks \"nc-try\").IPAddress}}' nc-server)\" %d",
		img, PROBE_IMAGE_CMD, 8000);
	remedy_command(m, "docker rm -f nc-server; docker network rm nc-try; docker rmi %s", img);
}

/* One problem of a workload that ran: its words in *problems, its fix in r (the catalog's when it knows the text). */
static const struct failure *net_problem(struct ctx *c, struct result *r, struct strv *problems, const char *text,
					 const char *error, const struct failure *known)
{
	const struct failure *f = known ? known : failure_match(error);
	if (f) {
		strv_push(problems, xasprintf("%s: %s (known failure %s: %s)", text, error, f->code, f->title));
		/* The evidence names the first known failure of the workload. */
		if (!result_has_evidence(r, "known_failure"))
			result_evidence_string(r, "known_failure", "%s (%s)", f->id, f->code);
		f->remedy(c, r);
	} else {
		strv_push(problems, xasprintf("%s: %s", text, error));
	}
	return f;
}

static void network_evidence(struct result *r, const struct launch_obs *lo, const struct launch_net *n)
{
	if (lo->image)
		result_evidence_string(r, "image", "%s", lo->image);
	if (n->network)
		result_evidence_string(r, "network", "%s", n->network);
	if (n->bridge)
		result_evidence_string(r, "bridge", "%s", n->bridge);
	if (n->subnet)
		result_evidence_string(r, "subnet", "%s", n->subnet);
	if (n->gateway)
		result_evidence_string(r, "gateway", "%s", n->gateway);
	if (n->server_address)
		result_evidence_string(r, "server_address", "%s", n->server_address);
	if (n->host_port)
		result_evidence_string(r, "published", "%s:%s -> %ld/tcp", n->host_ip && *n->host_ip ? n->host_ip : "*",
				       n->host_port, n->port);
	for (int s = 0; s < _NET_STEP_MAX; s++) {
		if (n->ms[s] < 0)
			continue;
		_cleanup_free_ char *key = xasprintf("ms_%s", net_step_to_string(s));
		result_evidence_int(r, key, n->ms[s]);
	}
	if (n->publish.ok >= 0) {
		result_evidence_string(r, "publish", "%s", n->publish.detail ? n->publish.detail : "");
		result_evidence_int(r, "publish_attempts", n->publish_attempts);
	}
	if (n->dns.ok >= 0)
		result_evidence_string(r, "dns", "%s -> %s", n->dns_server ? n->dns_server : "no nameserver",
				       n->dns.ok ? n->dns_address : n->dns.detail);
	if (n->by_name.ok >= 0)
		result_evidence_string(r, "by_name", "%s", n->by_name.detail ? n->by_name.detail : "");
	if (n->by_address.ok >= 0)
		result_evidence_string(r, "by_address", "%s", n->by_address.detail ? n->by_address.detail : "");
	if (n->served)
		result_evidence_string(r, "served", "%s", n->served);
	if (lo->leftover_networks)
		result_evidence_int(r, "leftover_networks_removed", lo->leftover_networks);
	if (n->remove_error)
		result_evidence_string(r, "remove_error", "%s", n->remove_error);
}

/* A step of the workload failed and stopped the rest: the engine's text, and the known failure's fix. */
static void network_step_failed(struct ctx *c, struct result *r, const struct launch_obs *lo,
				const struct launch_net *n)
{
	_cleanup_free_ char *what = net_step_failed_text(n->step);
	const struct failure *f = failure_match(n->error);
	result_evidence_string(r, "failed_step", "%s", n->step);
	result_evidence_string(r, "engine_error", "%s", n->error);
	if (n->err_name)
		result_evidence_string(r, "errno", "%s", n->err_name);
	if (f) {
		result_evidence_string(r, "known_failure", "%s (%s)", f->id, f->code);
		result_set(r, STATUS_FAIL, "%s: %s (known failure %s: %s)", what, n->error, f->code, f->title);
		f->remedy(c, r);
	} else {
		result_set(r, STATUS_FAIL, "%s: %s", what, n->error);
	}
	if (n->err_name && streq(n->err_name, "ETIMEDOUT"))
		result_remedy(
			r, ctx_here(c),
			"The engine did not answer in time. If it is only slow, allow it more time with --timeout "
			"SECONDS; if it hangs, restart it:",
			"nestcheck --timeout 120", "systemctl restart docker || service docker restart", NULL);
	else if (!f && !streq(n->step, "interrupted"))
		result_remedy(r, ctx_here(c),
			      "nestcheck does not know this error. The text above is the cause as Docker sees it; "
			      "dockerd's log holds the details:",
			      "journalctl -u docker --no-pager -n 50 || tail -n 50 /var/log/docker.log", NULL);
	if (!streq(n->step, "interrupted"))
		remedy_network_by_hand(c, r, lo->image);
}

static void network_verdict(struct ctx *c, struct result *r, const struct launch_obs *lo)
{
	const struct launch_net *n = &lo->network;
	if (lo->error || !lo->plain.ran) {
		result_set(r, STATUS_SKIP,
			   "the plain container did not run (see launch.container): no networked workload was started");
		return;
	}
	if (!n->present) {
		if (host_is_live(c->host))
			result_set(r, STATUS_SKIP, "the networked workload was not launched in this run");
		else
			result_set(r, STATUS_SKIP,
				   "not launched in replay (the capture holds no record of the "
				   "networked workload)");
		return;
	}
	network_evidence(r, lo, n);
	if (!n->ran) {
		network_step_failed(c, r, lo, n);
		return;
	}

	struct strv problems = {0};
	bool unknown = false;
	_cleanup_free_ char *where = xasprintf("127.0.0.1:%s", n->host_port ? n->host_port : "?");
	if (!n->publish.ok) {
		_cleanup_free_ char *text =
			xasprintf("the port the server published (%s -> %ld/tcp) cannot be reached from %s", where,
				  n->port, ctx_in_container(c) ? "this container" : "this host");
		const char *why = n->publish.detail ? n->publish.detail : "no answer";
		if (n->loopback)
			result_evidence_string(r, "loopback", "%s", n->loopback);
		/* lo down: 127.0.0.1 goes nowhere, whatever the error (no route, or no answer when bridges are up). */
		const struct failure *lo_down =
			n->loopback && streq(n->loopback, "down") ? failure_by_id("loopback-down") : NULL;
		if (!net_problem(c, r, &problems, text, why, lo_down)) {
			unknown = true;
			result_remedy(r, ctx_here(c),
				      "A published port is forwarded by dockerd's userland proxy (docker-proxy) or its "
				      "DNAT rules. Look at both, and at dockerd's log:",
				      "ss -ltnp | grep docker-proxy", "iptables -t nat -S DOCKER",
				      "journalctl -u docker --no-pager -n 50 || tail -n 50 /var/log/docker.log", NULL);
		}
	}
	if (n->dns.ok < 0) {
		_cleanup_free_ char *err = xasprintf("%.300s", n->client_stderr ? n->client_stderr : "");
		strv_push(&problems, xasprintf("the second container printed no report (exit status %ld)%s%s",
					       n->client_exit, *err ? ": " : "", err));
		unknown = true;
	} else {
		if (!n->dns.ok) {
			_cleanup_free_ char *text = xasprintf(
				"the second container could not find the server by name through the network's DNS (%s)",
				n->dns_server ? n->dns_server : "no nameserver");
			if (!net_problem(c, r, &problems, text, n->dns.detail ? n->dns.detail : "no answer", NULL)) {
				unknown = true;
				result_remedy(
					r, ctx_here(c),
					"On a user-defined network Docker answers names at 127.0.0.11 inside each "
					"container, through iptables rules dockerd writes in the container's network "
					"namespace. dockerd's log says when it could not set them up:",
					"journalctl -u docker --no-pager -n 100 | grep -i -E 'resolver|dns' || grep -i -E "
					"'resolver|dns' /var/log/docker.log | tail -n 20",
					NULL);
			}
		} else if (n->by_name.ok == 0) {
			_cleanup_free_ char *text = xasprintf("the second container found the server by name (%s) "
							      "but could not reach it",
							      n->dns_address ? n->dns_address : "?");
			unknown = !net_problem(c, r, &problems, text, n->by_name.detail ? n->by_name.detail : "?",
					       NULL) ||
				  unknown;
		}
		if (!n->by_address.ok) {
			_cleanup_free_ char *text = xasprintf("the second container could not reach the server at %s",
							      n->server_address ? n->server_address : "its address");
			if (!net_problem(c, r, &problems, text, n->by_address.detail ? n->by_address.detail : "?",
					 NULL)) {
				unknown = true;
				result_remedy(
					r, ctx_here(c),
					"Traffic between two containers on one bridge is dropped. With bridged "
					"traffic sent through iptables (br_netfilter), the FORWARD chain decides: "
					"look at its policy and at Docker's rules:",
					"iptables -S FORWARD", "sysctl net.bridge.bridge-nf-call-iptables", NULL);
			}
		}
	}

	long total = 0;
	for (int s = 0; s < _NET_STEP_MAX; s++)
		total += n->ms[s] > 0 ? n->ms[s] : 0;
	if (!problems.n) {
		result_set(r, STATUS_PASS,
			   "a two-container workload ran on a user-defined bridge network (%s, %s) in %ld ms: the "
			   "published port %s answered from %s, and the second container found the server by name "
			   "(%s -> %s) and reached it by name and by address",
			   n->bridge ? n->bridge : "?", n->subnet ? n->subnet : "?", total, where,
			   ctx_in_container(c) ? "this container" : "this host", n->dns_server ? n->dns_server : "?",
			   n->dns_address ? n->dns_address : "?");
	} else {
		_cleanup_free_ char *list = strv_join(&problems, "; ");
		result_set(r, STATUS_FAIL, "containers start, but a networked workload fails: %s", list);
		if (unknown)
			remedy_network_by_hand(c, r, lo->image);
	}
	strv_clear(&problems);
}

int check_launch_network(struct ctx *c, struct result *r)
{
	struct engine_obs eo;
	struct launch_obs lo;
	int err = launch_begin(c, r, &eo, &lo);
	if (err <= 0)
		return err;
	network_verdict(c, r, &lo);
	launch_obs_clear(&lo);
	engine_obs_clear(&eo);
	return 0;
}
