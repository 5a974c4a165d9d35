/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/dynlib.h"
#include "client/engine.h"
#include "parse.h"
#include "image.h"
#include "core/progress.h"

#include <json-c/json.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

/* A killed run's container is swept by the next run once it is this old, whoever started it. */
#define LEFTOVER_AGE_S 3600
/* After an interrupted import whose body was sent, how long the engine may take to finish it anyway. */
#define IMPORT_SETTLE_MS 3000

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static char *json_line(json_object *o)
{
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* ---------------------------------------------------------------- engine.info */

int probe_engine_info(void *userdata, char **ret)
{
	const struct launch_request *req = userdata;
	_cleanup_free_ char *path = NULL, *why = NULL, *info = NULL;
	struct engine_version v = {0};
	struct stat st;

	int err = engine_socket_path(getenv("DOCKER_HOST"), &path, &why);
	if (err < 0) {
		*ret = engine_obs_failure(ENGINE_UNSUPPORTED, NULL, err, why, NULL);
		return 0;
	}
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		*ret = engine_obs_failure(ENGINE_ABSENT, path, -ENOENT, NULL, NULL);
		return 0;
	}
	struct engine *e = engine_new(path);
	if (!e)
		return dyn_curl_load() < 0 ? -ELIBACC : -ENOMEM;
	engine_set_timeout(e, req && req->timeout_ms ? req->timeout_ms : ENGINE_TIMEOUT_QUICK_MS);

	long t0 = now_ms();
	err = engine_connect(e, &v);
	if (err == -ENOENT)
		*ret = engine_obs_failure(ENGINE_ABSENT, path, err, NULL, NULL);
	else if (err == -ENOTSUP)
		*ret = engine_obs_failure(ENGINE_TOO_OLD, path, err, engine_error(e), &v);
	else if (err < 0)
		*ret = engine_obs_failure(ENGINE_DOWN, path, err, engine_error(e), NULL);
	else if ((err = engine_info(e, &info)) < 0) {
		_cleanup_free_ char *text =
			xasprintf("the engine answered GET /version but not GET /info: %s", engine_error(e));
		*ret = engine_obs_failure(ENGINE_DOWN, path, err, text, &v);
	} else
		*ret = engine_obs_build(path, &v, engine_api(e), info, now_ms() - t0);
	engine_version_clear(&v);
	engine_free(e);
	return 0;
}

/* ---------------------------------------------------------------- launch */

struct launch {
	struct engine *e;
	const struct launch_request *req;
	long step_ms; /* each launch step's bound */
	char *ref;    /* repo:tag */
	const char *tag;
	char pid[16];
	char pidns[64];
};

static void set_ms(json_object *o, enum launch_phase p, long ms)
{
	json_object *m;
	if (!json_object_object_get_ex(o, "ms", &m)) {
		m = json_object_new_object();
		json_object_object_add(o, "ms", m);
	}
	json_object_object_add(m, launch_phase_to_string(p), json_object_new_int64(ms));
}

static void set_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* A run that failed in phase p: the engine's own text (or ours) and the errno. */
static void run_failed(json_object *run, enum launch_phase p, int err, const char *text)
{
	set_str(run, "state", "failed");
	set_str(run, "phase", launch_phase_to_string(p));
	set_str(run, "error", text);
	set_str(run, "errno", engine_errno_name(err));
}

/* Cleanup requests: they must run after an interrupt too, each bounded on its own. */
static void cleanup_mode(struct launch *l, bool on)
{
	engine_set_uninterruptible(l->e, on);
	engine_set_timeout(l->e, on ? ENGINE_TIMEOUT_CLEANUP_MS : l->step_ms);
}

/* A container (or network) nestcheck made that its owner left behind: no live owner, or very old. */
static bool container_is_leftover(const struct launch *l, const struct engine_object *o, time_t now)
{
	const char *pid = engine_object_label(o, LAUNCH_LABEL_PID), *ns = engine_object_label(o, LAUNCH_LABEL_PIDNS);
	if (!pid || !ns || now - o->created > LEFTOVER_AGE_S)
		return true;
	/* A run in another pid namespace cannot be asked whether it lives: only age tells. */
	if (!streq(ns, l->pidns))
		return false;
	char *end;
	long p = strtol(pid, &end, 10);
	if (*end || p <= 0 || p == getpid())
		return true;
	return kill((pid_t)p, 0) < 0 && errno == ESRCH;
}

/* Remove the containers and stale images earlier runs left (killed before their cleanup). */
static void sweep_leftovers(struct launch *l, json_object *obs)
{
	struct engine_object *v;
	size_t n;
	long t0 = now_ms(), containers = 0, images = 0;
	json_object *left = json_object_new_object();
	struct strv errors = {0};

	progress_show("removing the leftovers of earlier runs");
	if (engine_list(l->e, "containers", PROBE_IMAGE_LABEL, &v, &n) == 0) {
		time_t now = time(NULL);
		for (size_t i = 0; i < n && !client_interrupted; i++) {
			if (!container_is_leftover(l, &v[i], now))
				continue;
			if (engine_container_remove(l->e, v[i].id) == 0)
				containers++;
			else
				strv_push(&errors, xstrdup(engine_error(l->e)));
		}
		engine_objects_free(v, n);
	} else {
		strv_push(&errors, xstrdup(engine_error(l->e)));
	}
	/* Images of other nestcheck versions; this version's own is reused (and removed at the end). */
	if (!client_interrupted && engine_list(l->e, "images", PROBE_IMAGE_LABEL, &v, &n) == 0) {
		for (size_t i = 0; i < n && !client_interrupted; i++) {
			if (strv_contains(&v[i].tags, l->ref))
				continue;
			int err = engine_image_remove(l->e, v[i].id, false);
			if (err == 0)
				images++;
			else if (err != -EBUSY && err != -ENOENT) /* in use by a running nestcheck, or gone */
				strv_push(&errors, xstrdup(engine_error(l->e)));
		}
		engine_objects_free(v, n);
	} else if (!client_interrupted) {
		strv_push(&errors, xstrdup(engine_error(l->e)));
	}
	/* Networks last: a network is removed only once its containers are gone. */
	long networks = 0;
	if (!client_interrupted && engine_list(l->e, "networks", PROBE_IMAGE_LABEL, &v, &n) == 0) {
		time_t now = time(NULL);
		for (size_t i = 0; i < n && !client_interrupted; i++) {
			if (!container_is_leftover(l, &v[i], now))
				continue;
			if (engine_network_remove(l->e, v[i].id) == 0)
				networks++;
			else
				strv_push(&errors, xstrdup(engine_error(l->e)));
		}
		engine_objects_free(v, n);
	} else if (!client_interrupted) {
		strv_push(&errors, xstrdup(engine_error(l->e)));
	}
	json_object_object_add(left, "containers", json_object_new_int64(containers));
	json_object_object_add(left, "images", json_object_new_int64(images));
	json_object_object_add(left, "networks", json_object_new_int64(networks));
	if (errors.n) {
		_cleanup_free_ char *joined = strv_join(&errors, "; ");
		set_str(left, "error", joined);
	}
	strv_clear(&errors);
	json_object_object_add(obs, "leftovers", left);
	set_ms(obs, LAUNCH_CLEANUP, now_ms() - t0);
}

/* The probe image: reused when present, else imported. 0, or the failed run in *ret_run. */
static int ensure_image(struct launch *l, json_object *obs, bool *ret_imported, json_object **ret_run)
{
	int err = engine_image_exists(l->e, l->ref);
	if (err == 1) {
		json_object_object_add(obs, "image_reused", json_object_new_boolean(true));
		return 0;
	}
	*ret_run = json_object_new_object();
	if (err < 0) {
		run_failed(*ret_run, LAUNCH_IMPORT, err, engine_error(l->e));
		return err;
	}

	void *tar = NULL;
	size_t len = 0;
	long t0 = now_ms();
	progress_show("building the probe image");
	err = probe_image_tar(&tar, &len);
	if (err < 0) {
		_cleanup_free_ char *text = xasprintf("nestcheck could not build its probe image: %s", strerror(-err));
		run_failed(*ret_run, LAUNCH_IMPORT, err, text);
		return err;
	}
	_cleanup_free_ char *label = xasprintf("LABEL %s=%s", PROBE_IMAGE_LABEL, l->tag);
	_cleanup_free_ char *cmd = xasprintf("CMD [\"%s\"]", PROBE_IMAGE_CMD);
	const char *changes[] = {label, cmd, NULL};
	const char *repo = PROBE_IMAGE_REPO;

	engine_set_progress(l->e, "importing the probe image");
	err = engine_image_import(l->e, repo, l->tag, changes, tar, len);
	engine_set_progress(l->e, NULL);
	set_ms(obs, LAUNCH_IMPORT, now_ms() - t0);
	*ret_imported = err == 0 || (err == -EINTR && engine_body_sent(l->e));
	free(tar);
	if (err < 0) {
		run_failed(*ret_run, LAUNCH_IMPORT, err, engine_error(l->e));
		return err;
	}
	json_object_put(*ret_run);
	*ret_run = NULL;
	return 0;
}

/*
 * A step the engine completes even when the client goes away (create,
 * start): aborting it would leave a container nestcheck knows nothing of.
 * It runs to its end, bounded by its timeout; the interrupt is honoured
 * right after. Only the waits (import, the container's run) are cut short.
 */
static int step_whole(struct launch *l, int (*fn)(struct engine *, const char *), const char *id)
{
	engine_set_uninterruptible(l->e, true);
	int err = fn(l->e, id);
	engine_set_uninterruptible(l->e, false);
	return err;
}

static int create_whole(struct launch *l, const struct engine_create *spec, char **ret_id)
{
	engine_set_uninterruptible(l->e, true);
	int err = engine_container_create(l->e, spec, ret_id);
	engine_set_uninterruptible(l->e, false);
	return err;
}

static bool step_interrupted(json_object *run, enum launch_phase p)
{
	if (!client_interrupted)
		return false;
	run_failed(run, p, -EINTR, "interrupted by a signal");
	return true;
}

/* Create, start, wait for, read and remove one container. */
static json_object *run_container(struct launch *l, bool privileged)
{
	const char *kind = privileged ? "privileged container" : "container";
	const char *cmd[] = {PROBE_IMAGE_CMD, NULL};
	const char *labels[] = {PROBE_IMAGE_LABEL, l->tag, LAUNCH_LABEL_PID, l->pid, LAUNCH_LABEL_PIDNS,
				l->pidns,	   NULL};
	const struct engine_create spec = {.image = l->ref, .cmd = cmd, .labels = labels, .privileged = privileged};
	json_object *run = json_object_new_object();
	_cleanup_free_ char *id = NULL, *out = NULL, *errout = NULL;
	long t, status = -1;
	int err;

	progress_show("%s: creating", kind);
	t = now_ms();
	err = create_whole(l, &spec, &id);
	set_ms(run, LAUNCH_CREATE, now_ms() - t);
	if (err < 0) {
		run_failed(run, LAUNCH_CREATE, err, engine_error(l->e));
		return run;
	}
	if (step_interrupted(run, LAUNCH_START))
		goto remove;

	progress_show("%s: starting", kind);
	t = now_ms();
	err = step_whole(l, engine_container_start, id);
	set_ms(run, LAUNCH_START, now_ms() - t);
	if (err < 0) {
		run_failed(run, LAUNCH_START, err, engine_error(l->e));
		goto remove;
	}
	if (step_interrupted(run, LAUNCH_WAIT))
		goto remove;

	progress_show("%s: waiting for the probe", kind);
	t = now_ms();
	err = engine_container_wait(l->e, id, &status);
	set_ms(run, LAUNCH_WAIT, now_ms() - t);
	if (err == -ETIMEDOUT) {
		_cleanup_free_ char *text =
			xasprintf("the container did not exit within %ld s (the probe takes milliseconds): %s",
				  l->step_ms / 1000, engine_error(l->e));
		run_failed(run, LAUNCH_WAIT, err, text);
		goto remove;
	}
	if (err < 0) {
		run_failed(run, LAUNCH_WAIT, err, engine_error(l->e));
		goto remove;
	}
	if (step_interrupted(run, LAUNCH_LOGS))
		goto remove;

	t = now_ms();
	err = engine_container_logs(l->e, id, &out, &errout);
	set_ms(run, LAUNCH_LOGS, now_ms() - t);
	if (err < 0) {
		run_failed(run, LAUNCH_LOGS, err, engine_error(l->e));
		goto remove;
	}
	set_str(run, "state", "ran");
	json_object_object_add(run, "exit_code", json_object_new_int64(status));
	set_str(run, "stdout", out);
	set_str(run, "stderr", errout);

remove:
	progress_show("%s: removing", kind);
	cleanup_mode(l, true);
	t = now_ms();
	err = engine_container_remove(l->e, id);
	set_ms(run, LAUNCH_REMOVE, now_ms() - t);
	if (err < 0 && err != -ENOENT)
		set_str(run, "remove_error", engine_error(l->e));
	cleanup_mode(l, false);
	return run;
}

/*
 * After an interrupt: a container or network whose create was cut short may
 * still have been made. Ours carry our pid.
 */
static void sweep_own_containers(struct launch *l)
{
	_cleanup_free_ char *label = xasprintf("%s=%s", LAUNCH_LABEL_PID, l->pid);
	struct engine_object *v;
	size_t n;
	if (engine_list(l->e, "containers", label, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (streq(engine_object_label(&v[i], LAUNCH_LABEL_PIDNS) ?: "", l->pidns))
			engine_container_remove(l->e, v[i].id);
	engine_objects_free(v, n);
	if (engine_list(l->e, "networks", label, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (streq(engine_object_label(&v[i], LAUNCH_LABEL_PIDNS) ?: "", l->pidns))
			engine_network_remove(l->e, v[i].id);
	engine_objects_free(v, n);
}

/* ---------------------------------------------------------------- launch.network */

/* The port the probe serves inside its container. */
#define NET_PORT 8000

static void set_step_ms(json_object *o, const char *step, long ms)
{
	json_object *m;
	if (!json_object_object_get_ex(o, "ms", &m)) {
		m = json_object_new_object();
		json_object_object_add(o, "ms", m);
	}
	json_object_object_add(m, step, json_object_new_int64(ms));
}

static void net_failed(json_object *net, const char *step, int err, const char *text)
{
	set_str(net, "state", "failed");
	set_str(net, "step", step);
	set_str(net, "error", text);
	set_str(net, "errno", engine_errno_name(err));
}

/* Whether lo is up in nestcheck's network namespace: 1, 0, or -errno. */
static int loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	int err = ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -errno : !!(ifr.ifr_flags & IFF_UP);
	close(fd);
	return err;
}

/* One connect to 127.0.0.1:port from nestcheck's own network namespace: 0 and the answer's first line. */
static int connect_once(unsigned port, long timeout_ms, char **ret_line, char **ret_error)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*ret_error = xasprintf("socket: %s", strerror(errno));
		return -errno;
	}
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	long t0 = now_ms();
	int err = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		err = -errno;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (!err) {
		int n = poll(&p, 1, (int)timeout_ms);
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (n == 0)
			err = -ETIMEDOUT;
		else if (n < 0)
			err = -errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr)
			err = -(soerr ? soerr : errno);
	}
	if (err) {
		*ret_error = xasprintf("connect to 127.0.0.1:%u: %s", port, strerror(-err));
		close(fd);
		return err;
	}
	char buf[256];
	size_t len = 0;
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		long left = timeout_ms - (now_ms() - t0);
		p.events = POLLIN;
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			err = -errno;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (err) {
		*ret_error = xasprintf("read from 127.0.0.1:%u: %s", port, strerror(-err));
		return err;
	}
	if (!len) {
		*ret_error = xasprintf("127.0.0.1:%u accepted the connection and closed it without an answer", port);
		return -ECONNRESET;
	}
	*ret_line = text_sanitize(xstrdup(buf));
	return 0;
}

/*
 * Reach the published port from here until the probe answers: the engine
 * reports the container started before the probe listens, and the userland
 * proxy accepts and closes while nothing listens behind it. A refusal that
 * time does not mend (no route, no address) ends it at once.
 */
static void reach_published(struct launch *l, json_object *net, unsigned port)
{
	json_object *pub = json_object_new_object();
	long t0 = now_ms(), attempts = 0;
	_cleanup_free_ char *line = NULL, *error = NULL;
	int err;
	progress_show("network: reaching the published port");
	for (;;) {
		free(error);
		error = NULL;
		attempts++;
		long left = l->step_ms - (now_ms() - t0);
		err = connect_once(port, left > 2000 ? 2000 : left > 0 ? left : 1, &line, &error);
		/* Only a refusal or an empty answer mend with time (nothing listens yet behind the proxy). */
		if (err == 0 || (err != -ECONNREFUSED && err != -ECONNRESET) || client_interrupted ||
		    now_ms() - t0 >= l->step_ms)
			break;
		sleep_ms(30);
	}
	json_object_object_add(pub, "ok", json_object_new_boolean(err == 0));
	if (err == 0) {
		set_str(pub, "answer", line);
	} else {
		set_str(pub, "error", error);
		set_str(pub, "errno", engine_errno_name(err));
		/* This network namespace's own lo (sysfs may show another namespace's). */
		int up = loopback_up();
		if (up >= 0)
			set_str(pub, "loopback", up ? "up" : "down");
	}
	json_object_object_add(pub, "attempts", json_object_new_int64(attempts));
	json_object_object_add(net, "publish", pub);
	set_step_ms(net, "publish", now_ms() - t0);
}

/* "served A" lines of the server's output, as "A B C". */
static char *served_peers(const char *out)
{
	struct strbuf sb = {0};
	for (const char *p = out; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n > 7 && startswith(p, "served "))
			strbuf_appendf(&sb, "%s%.*s", sb.len ? " " : "", (int)(n - 7), p + 7);
		p += n + (p[n] == '\n');
	}
	return sb.buf ? text_sanitize(strbuf_take(&sb)) : xstrdup("");
}

/*
 * The workload of launch.network, through the engine as users run one: a
 * user-defined bridge network, the probe serving a published port on it, a
 * connect to that port from here, and a second container that finds the
 * first by name (the engine's DNS) and reaches it by name and address. Then
 * both containers and the network are removed.
 */
static json_object *run_network(struct launch *l)
{
	json_object *net = json_object_new_object();
	unsigned rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (unsigned)now_ms();
	_cleanup_free_ char *netname = xasprintf("nestcheck-net-%s-%06x", l->pid, rnd & 0xffffff);
	_cleanup_free_ char *server_name = xasprintf("nestcheck-server-%s-%06x", l->pid, rnd & 0xffffff);
	_cleanup_free_ char *client_name = xasprintf("nestcheck-client-%s-%06x", l->pid, rnd & 0xffffff);
	_cleanup_free_ char *net_id = NULL, *server_id = NULL, *client_id = NULL, *out = NULL, *errout = NULL;
	const char *labels[] = {PROBE_IMAGE_LABEL, l->tag, LAUNCH_LABEL_PID, l->pid, LAUNCH_LABEL_PIDNS,
				l->pidns,	   NULL};
	long step_s = l->step_ms / 1000 > 0 ? l->step_ms / 1000 : 1;
	/* The server outlives every step it serves, then ends by itself even when nestcheck is gone. */
	_cleanup_free_ char *serve_for = xasprintf("%ld", step_s * 4 + 10);
	_cleanup_free_ char *port_text = xasprintf("%u", NET_PORT);
	_cleanup_free_ char *client_for = xasprintf("%ld", step_s / 3 > 5 ? 5 : step_s / 3 > 0 ? step_s / 3 : 1);
	/* Three answers (the published port, by name, by address), then it exits: a quick removal. */
	const char *server_cmd[] = {PROBE_IMAGE_CMD, "--serve", port_text, "--timeout",
				    serve_for,	     "--count", "3",	   NULL};
	const struct engine_create server = {.image = l->ref,
					     .cmd = server_cmd,
					     .labels = labels,
					     .name = server_name,
					     .network = netname,
					     .publish = NET_PORT};
	_cleanup_free_ char *address = NULL;
	const char *client_cmd[] = {PROBE_IMAGE_CMD, "--connect", server_name, NULL,
				    port_text,	     "--timeout", client_for,  NULL};
	const struct engine_create client = {
		.image = l->ref, .cmd = client_cmd, .labels = labels, .name = client_name, .network = netname};
	struct engine_network info;
	struct engine_endpoint ep;
	unsigned long host_port = 0;
	char *end = NULL;
	long t, status = -1;
	int err;

	set_str(net, "network", netname);
	json_object_object_add(net, "port", json_object_new_int64(NET_PORT));

	progress_show("network: creating a bridge network");
	t = now_ms();
	engine_set_uninterruptible(l->e, true);
	err = engine_network_create(l->e, netname, labels, &net_id);
	engine_set_uninterruptible(l->e, false);
	set_step_ms(net, "network_create", now_ms() - t);
	if (err < 0) {
		net_failed(net, "network_create", err, engine_error(l->e));
		return net;
	}
	if (engine_network_inspect(l->e, net_id, &info) == 0) {
		set_str(net, "bridge", info.bridge);
		if (info.subnet)
			set_str(net, "subnet", info.subnet);
		if (info.gateway)
			set_str(net, "gateway", info.gateway);
		engine_network_clear(&info);
	}
	if (client_interrupted)
		goto remove;

	progress_show("network: starting the server");
	t = now_ms();
	err = create_whole(l, &server, &server_id);
	set_step_ms(net, "server_create", now_ms() - t);
	if (err < 0) {
		net_failed(net, "server_create", err, engine_error(l->e));
		goto remove;
	}
	if (client_interrupted)
		goto remove;
	t = now_ms();
	err = step_whole(l, engine_container_start, server_id);
	set_step_ms(net, "server_start", now_ms() - t);
	if (err < 0) {
		net_failed(net, "server_start", err, engine_error(l->e));
		goto remove;
	}
	err = engine_container_endpoint(l->e, server_id, netname, NET_PORT, &ep);
	if (err < 0) {
		net_failed(net, "server_inspect", err, engine_error(l->e));
		goto remove;
	}
	if (ep.address)
		set_str(net, "server_address", ep.address);
	if (ep.host_port) {
		set_str(net, "host_ip", ep.host_ip);
		set_str(net, "host_port", ep.host_port);
	}
	host_port = ep.host_port ? strtoul(ep.host_port, &end, 10) : 0;
	if (!end || *end)
		host_port = 0;
	address = ep.address ? xstrdup(ep.address) : NULL;
	engine_endpoint_clear(&ep);
	if (!address) {
		net_failed(net, "server_inspect", -EBADMSG, "the engine gave the server no address on its network");
		goto remove;
	}
	if (!host_port || host_port > 65535) {
		net_failed(net, "server_inspect", -EBADMSG, "the engine published the server's port nowhere");
		goto remove;
	}
	if (client_interrupted)
		goto remove;

	reach_published(l, net, (unsigned)host_port);
	if (client_interrupted)
		goto remove;

	client_cmd[3] = address;
	progress_show("network: the second container");
	t = now_ms();
	err = create_whole(l, &client, &client_id);
	set_step_ms(net, "client_create", now_ms() - t);
	if (err < 0) {
		net_failed(net, "client_create", err, engine_error(l->e));
		goto remove;
	}
	if (client_interrupted)
		goto remove;
	t = now_ms();
	err = step_whole(l, engine_container_start, client_id);
	set_step_ms(net, "client_start", now_ms() - t);
	if (err < 0) {
		net_failed(net, "client_start", err, engine_error(l->e));
		goto remove;
	}
	t = now_ms();
	err = engine_container_wait(l->e, client_id, &status);
	set_step_ms(net, "client_wait", now_ms() - t);
	if (err < 0) {
		net_failed(net, "client_wait", err, engine_error(l->e));
		goto remove;
	}
	err = engine_container_logs(l->e, client_id, &out, &errout);
	if (err < 0) {
		net_failed(net, "client_logs", err, engine_error(l->e));
		goto remove;
	}
	json_object_object_add(net, "client_exit", json_object_new_int64(status));
	set_str(net, "client_stdout", out);
	set_str(net, "client_stderr", errout);
	free(out), free(errout);
	out = errout = NULL;
	if (engine_container_logs(l->e, server_id, &out, &errout) == 0) {
		_cleanup_free_ char *peers = served_peers(out);
		set_str(net, "served", peers);
		if (errout && *errout)
			set_str(net, "server_stderr", text_sanitize(errout));
	}
	set_str(net, "state", "ran");

remove:
	progress_show("network: removing");
	cleanup_mode(l, true);
	t = now_ms();
	struct strv errors = {0};
	const char *ids[] = {client_id, server_id};
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		if (!ids[i])
			continue;
		err = engine_container_remove(l->e, ids[i]);
		if (err < 0 && err != -ENOENT)
			strv_push(&errors, xstrdup(engine_error(l->e)));
	}
	if (net_id) {
		err = engine_network_remove(l->e, net_id);
		if (err < 0 && err != -ENOENT)
			strv_push(&errors, xstrdup(engine_error(l->e)));
	}
	set_step_ms(net, "remove", now_ms() - t);
	if (errors.n) {
		_cleanup_free_ char *joined = strv_join(&errors, "; ");
		set_str(net, "remove_error", joined);
	}
	strv_clear(&errors);
	cleanup_mode(l, false);
	if (client_interrupted && !json_object_object_get_ex(net, "step", NULL))
		net_failed(net, "interrupted", -EINTR, "interrupted by a signal");
	return net;
}

static void remove_image(struct launch *l, json_object *obs, bool imported)
{
	long t0 = now_ms();
	progress_show("removing the probe image");
	int err = engine_image_remove(l->e, l->ref, false);
	/* An import cut short after its body was sent completes in the engine all the same: wait for it. */
	while (err == -ENOENT && imported && client_interrupted && now_ms() - t0 < IMPORT_SETTLE_MS) {
		sleep_ms(100);
		err = engine_image_remove(l->e, l->ref, false);
	}
	set_ms(obs, LAUNCH_REMOVE_IMAGE, now_ms() - t0);
	if (err == 0)
		json_object_object_add(obs, "image_removed", json_object_new_boolean(true));
	else if (err != -ENOENT)
		set_str(obs, "image_error", engine_error(l->e));
}

int probe_launch(void *userdata, char **ret)
{
	const struct launch_request *req = userdata;
	json_object *obs = json_object_new_object(), *plain = NULL;
	_cleanup_free_ char *path = NULL, *why = NULL;
	struct launch l = {.req = req};
	struct engine_version v = {0};
	bool imported = false;

	int err = engine_socket_path(getenv("DOCKER_HOST"), &path, &why);
	if (err < 0) {
		set_str(obs, "error", why);
		set_str(obs, "errno", engine_errno_name(err));
		*ret = json_line(obs);
		return 0;
	}
	/* The image is built with libarchive: without it nothing is launched, and nothing is recorded. */
	if (dyn_archive_load() < 0) {
		json_object_put(obs);
		return -ELIBACC;
	}
	l.e = engine_new(path);
	if (!l.e) {
		json_object_put(obs);
		return dyn_curl_load() < 0 ? -ELIBACC : -ENOMEM;
	}
	engine_set_timeout(l.e, req->timeout_ms ? req->timeout_ms : ENGINE_TIMEOUT_QUICK_MS);
	l.step_ms = req->timeout_ms ? req->timeout_ms : ENGINE_TIMEOUT_LAUNCH_MS;
	l.tag = probe_image_tag();
	l.ref = xasprintf("%s:%s", PROBE_IMAGE_REPO, l.tag);
	snprintf(l.pid, sizeof(l.pid), "%ld", (long)getpid());
	ssize_t n = readlink("/proc/self/ns/pid", l.pidns, sizeof(l.pidns) - 1);
	l.pidns[n > 0 ? n : 0] = '\0';
	set_str(obs, "image", l.ref);

	/* From here on a signal only interrupts: what was created is removed first. */
	client_armed = 1;
	err = engine_connect(l.e, &v);
	engine_version_clear(&v);
	if (err < 0) {
		set_str(obs, "error", engine_error(l.e));
		set_str(obs, "errno", engine_errno_name(err));
		goto out;
	}
	engine_set_timeout(l.e, l.step_ms);

	sweep_leftovers(&l, obs);
	if (!client_interrupted && ensure_image(&l, obs, &imported, &plain) == 0) {
		plain = run_container(&l, false);
		json_object *p;
		bool ran = json_object_object_get_ex(plain, "state", &p) && streq(json_object_get_string(p), "ran");
		if (req->nested && !client_interrupted && ran)
			json_object_object_add(obs, "nested", run_container(&l, true));
		if (req->network && !client_interrupted && ran)
			json_object_object_add(obs, "network", run_network(&l));
	}
	if (plain)
		json_object_object_add(obs, "plain", plain);

	cleanup_mode(&l, true);
	if (client_interrupted)
		sweep_own_containers(&l);
	if (req->keep_image)
		json_object_object_add(obs, "image_kept", json_object_new_boolean(true));
	else
		remove_image(&l, obs, imported);
out:
	progress_clear();
	engine_free(l.e);
	free(l.ref);
	client_armed = 0;
	if (client_interrupted) {
		json_object_put(obs);
		client_interrupt_finish();
	}
	*ret = json_line(obs);
	return 0;
}
