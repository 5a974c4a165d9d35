/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the Docker engine client (DOCKER_HOST, API version
 * negotiation, log stream demultiplexing, error bodies, message streams,
 * lists) and, against fake peers on unix sockets of our own, how it fails
 * (hangs, garbage, junk JSON, closed connections, endless answers, signals);
 * and the observation formats of the engine checks (parse_launch.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "tests/tools/fakepeer.h"
#include "client/engine.h"
#include "checks/launch/parse.h"
#include "core/util.h"

/* ---- DOCKER_HOST ---- */

static void test_socket_path(void **state)
{
	char *path = NULL, *why = NULL;

	assert_int_equal(engine_socket_path(NULL, &path, &why), 0);
	assert_string_equal(path, ENGINE_DEFAULT_SOCKET);
	free(path);
	assert_int_equal(engine_socket_path("", &path, &why), 0);
	assert_string_equal(path, ENGINE_DEFAULT_SOCKET);
	free(path);
	assert_int_equal(engine_socket_path("unix:///run/user/0/docker.sock", &path, &why), 0);
	assert_string_equal(path, "/run/user/0/docker.sock");
	free(path);
	assert_null(why);

	assert_int_equal(engine_socket_path("tcp://10.0.0.1:2375", &path, &why), -EPROTONOSUPPORT);
	assert_non_null(strstr(why, "tcp"));
	assert_non_null(strstr(why, "unix socket"));
	free(why);
	why = NULL;
	assert_int_equal(engine_socket_path("ssh://me@box", &path, &why), -EPROTONOSUPPORT);
	free(why);
	why = NULL;
	/* A bare path is not what the docker CLI accepts either. */
	assert_int_equal(engine_socket_path("/var/run/docker.sock", &path, &why), -EPROTONOSUPPORT);
	assert_non_null(strstr(why, "a bare address"));
	free(why);
	why = NULL;
	assert_int_equal(engine_socket_path("unix://docker.sock", &path, &why), -EINVAL);
	free(why);
	why = NULL;
	char long_host[300] = "unix:///";
	memset(long_host + 8, 'a', 200);
	assert_int_equal(engine_socket_path(long_host, &path, &why), -ENAMETOOLONG);
	free(why);
	why = NULL;
	/* Control characters in DOCKER_HOST never reach a report. */
	assert_int_equal(engine_socket_path("tcp\033[31m://x", &path, &why), -EPROTONOSUPPORT);
	assert_null(strchr(why, '\033'));
	free(why);
}

/* ---- API versions ---- */

static void test_api_cmp(void **state)
{
	assert_true(engine_api_cmp("1.41", "1.24") > 0);
	assert_true(engine_api_cmp("1.24", "1.41") < 0);
	assert_int_equal(engine_api_cmp("1.41", "1.41"), 0);
	assert_true(engine_api_cmp("1.9", "1.10") < 0); /* numbers, not strings */
	assert_true(engine_api_cmp("2.0", "1.99") > 0);
	assert_true(engine_api_cmp("junk", "1.0") < 0);
	assert_true(engine_api_cmp("1.0", NULL) > 0);
}

static void test_api_pick(void **state)
{
	char api[16];
	char *why = NULL;

	assert_int_equal(engine_api_pick("1.41", api, &why), 0);
	assert_string_equal(api, "1.41");
	/* A newer engine speaks our version too. */
	assert_int_equal(engine_api_pick("1.47", api, &why), 0);
	assert_string_equal(api, ENGINE_API_OURS);
	assert_int_equal(engine_api_pick("2.3", api, &why), 0);
	assert_string_equal(api, ENGINE_API_OURS);
	/* An older one: its own. */
	assert_int_equal(engine_api_pick("1.40", api, &why), 0);
	assert_string_equal(api, "1.40");
	assert_int_equal(engine_api_pick("1.24", api, &why), 0);
	assert_string_equal(api, "1.24");
	assert_null(why);

	assert_int_equal(engine_api_pick("1.23", api, &why), -ENOTSUP);
	assert_non_null(strstr(why, "1.23"));
	assert_non_null(strstr(why, "older than"));
	free(why);
	why = NULL;
	static const char *const junk[] = {"", "1", "1.", ".41", "1.x", "v1.41", "1.41.2", "1.41 ", "99999.1"};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		assert_int_equal(engine_api_pick(junk[i], api, &why), -EBADMSG);
		free(why);
		why = NULL;
	}
	assert_int_equal(engine_api_pick(NULL, api, &why), -EBADMSG);
	free(why);
}

/* ---- the log stream ---- */

static void test_demux(void **state)
{
	static const char two[] = "\x01\0\0\0\0\0\0\x06hello\n"
				  "\x02\0\0\0\0\0\0\x04oops"
				  "\x01\0\0\0\0\0\0\x03"
				  "end";
	struct strbuf out = {0}, err = {0};
	assert_int_equal(engine_demux(two, sizeof(two) - 1, &out, &err), 0);
	assert_string_equal(out.buf, "hello\nend");
	assert_string_equal(err.buf, "oops");
	free(out.buf);
	free(err.buf);

	/* Nothing at all is an empty output, not an error. */
	out = err = (struct strbuf){0};
	assert_int_equal(engine_demux("", 0, &out, &err), 0);
	assert_null(out.buf);

	/* An empty frame. */
	assert_int_equal(engine_demux("\x01\0\0\0\0\0\0\0", 8, &out, &err), 0);
	free(out.buf);
	out = (struct strbuf){0};

	/* A big-endian length over 255. */
	char big[8 + 300];
	memcpy(big, "\x02\0\0\0\0\0\x01\x2c", 8);
	memset(big + 8, 'x', 300);
	assert_int_equal(engine_demux(big, sizeof(big), &out, &err), 0);
	assert_int_equal(strlen(err.buf), 300);
	free(err.buf);
	err = (struct strbuf){0};

	/* Truncated header, truncated payload, unknown stream, padding not zero, raw TTY text. */
	assert_int_equal(engine_demux("\x01\0\0\0\0\0", 6, &out, &err), -EBADMSG);
	assert_int_equal(engine_demux("\x01\0\0\0\0\0\0\x09short", 13, &out, &err), -EBADMSG);
	assert_int_equal(engine_demux("\x03\0\0\0\0\0\0\x01x", 9, &out, &err), -EBADMSG);
	assert_int_equal(engine_demux("\x01\0\x01\0\0\0\0\x01x", 9, &out, &err), -EBADMSG);
	assert_int_equal(engine_demux("{\"uid_map\": \"0 0 1\"}", 20, &out, &err), -EBADMSG);
	free(out.buf);
	free(err.buf);
}

/* ---- error bodies and message streams ---- */

static void test_message(void **state)
{
	char *m;
	m = engine_message(500, "{\"message\":\"failed to create shim task: OCI runtime create failed\"}\n", 67);
	assert_string_equal(m, "failed to create shim task: OCI runtime create failed");
	free(m);
	/* Not JSON: the text, one line. */
	m = engine_message(502, "Bad Gateway\r\nfrom a proxy\r\n", 27);
	assert_string_equal(m, "Bad Gateway  from a proxy");
	free(m);
	/* JSON without a message: its text. */
	m = engine_message(500, "{\"error\":1}", 11);
	assert_string_equal(m, "{\"error\":1}");
	free(m);
	/* Nothing: the status. */
	m = engine_message(500, "", 0);
	assert_string_equal(m, "HTTP 500");
	free(m);
	m = engine_message(404, NULL, 0);
	assert_string_equal(m, "HTTP 404");
	free(m);
	m = engine_message(500, "  \n ", 4);
	assert_string_equal(m, "HTTP 500");
	free(m);
	/* Long text is cut; escapes are made harmless. */
	char longtext[600];
	memset(longtext, 'z', sizeof(longtext));
	m = engine_message(500, longtext, sizeof(longtext));
	assert_true(strlen(m) < 220);
	assert_non_null(strstr(m, "..."));
	free(m);
	m = engine_message(500, "{\"message\":\"red \\u001b[31m text\"}", 33);
	assert_null(strchr(m, '\033'));
	free(m);
}

static void test_stream_error(void **state)
{
	static const char ok[] = "{\"status\":\"sha256:3f1a\"}\r\n";
	assert_null(engine_stream_error(ok, sizeof(ok) - 1));
	assert_null(engine_stream_error("", 0));

	/* The lchown failure of a too small id map, as dockerd 20.10 reports an import. */
	static const char lchown[] =
		"{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":1024}}\r\n"
		"{\"errorDetail\":{\"message\":\"failed to register layer: ApplyLayer exit status 1 stdout:  stderr: "
		"lchown /nobody: invalid argument\"},\"error\":\"failed to register layer: ApplyLayer exit status 1 "
		"stdout:  stderr: lchown /nobody: invalid argument\"}\r\n";
	char *e = engine_stream_error(lchown, sizeof(lchown) - 1);
	assert_non_null(e);
	assert_string_equal(e, "failed to register layer: ApplyLayer exit status 1 stdout:  stderr: lchown /nobody: "
			       "invalid argument");
	free(e);

	/* errorDetail alone. */
	static const char detail[] = "{\"errorDetail\":{\"message\":\"no space left on device\"}}";
	e = engine_stream_error(detail, sizeof(detail) - 1);
	assert_string_equal(e, "no space left on device");
	free(e);

	/* Messages back to back without separators. */
	static const char packed[] = "{\"status\":\"a\"}{\"error\":\"second\"}";
	e = engine_stream_error(packed, sizeof(packed) - 1);
	assert_string_equal(e, "second");
	free(e);

	/* Junk, and a stream cut in the middle of a message. */
	e = engine_stream_error("<html>502</html>", 16);
	assert_non_null(strstr(e, "not a JSON message stream"));
	free(e);
	e = engine_stream_error("{\"status\":\"sha", 14);
	assert_non_null(strstr(e, "ends inside a message"));
	free(e);
	e = engine_stream_error("[1,2]", 5);
	assert_non_null(e);
	free(e);
}

/* ---- /version and lists ---- */

static const char VERSION_2010[] =
	"{\"Platform\":{\"Name\":\"\"},\"Components\":[{\"Name\":\"Engine\",\"Version\":\"20.10.24+dfsg1\"}],"
	"\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"GitCommit\":\"5d6db84\","
	"\"GoVersion\":\"go1.19.8\",\"Os\":\"linux\",\"Arch\":\"amd64\",\"KernelVersion\":\"6.18.44\","
	"\"BuildTime\":\"2023-05-18T16:36:19.000000000+00:00\"}\n";

static void test_version_parse(void **state)
{
	struct engine_version v;
	assert_int_equal(engine_version_parse(VERSION_2010, &v), 0);
	assert_string_equal(v.version, "20.10.24+dfsg1");
	assert_string_equal(v.api_version, "1.41");
	assert_string_equal(v.min_api_version, "1.12");
	assert_string_equal(v.kernel_version, "6.18.44");
	engine_version_clear(&v);
	assert_null(v.version);

	assert_int_equal(engine_version_parse("{\"Version\":\"1.0\"}", &v), -EBADMSG);
	assert_int_equal(engine_version_parse("{\"ApiVersion\":1.41}", &v), -EBADMSG);
	assert_int_equal(engine_version_parse("[\"ApiVersion\"]", &v), -EBADMSG);
	assert_int_equal(engine_version_parse("OK", &v), -EBADMSG);
	assert_int_equal(engine_version_parse("", &v), -EBADMSG);
	assert_int_equal(engine_version_parse("{\"ApiVersion\":\"1.41\"} trailing", &v), -EBADMSG);
}

static void test_list_parse(void **state)
{
	static const char containers[] =
		"[{\"Id\":\"8dc7315b7a6f\",\"Names\":[\"/priceless_shaw\"],\"Image\":\"nestcheck-probe:0.1.0\","
		"\"Created\":1764380000,\"State\":\"created\",\"Labels\":{\"io.nestcheck.pid\":\"4242\","
		"\"io.nestcheck.probe\":\"0.1.0\"}},"
		"{\"Id\":\"aa\",\"Names\":null,\"Labels\":null,\"State\":\"exited\"}]";
	struct engine_object *v;
	size_t n;
	assert_int_equal(engine_list_parse(containers, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "8dc7315b7a6f");
	assert_string_equal(v[0].state, "created");
	assert_int_equal(v[0].created, 1764380000);
	assert_string_equal(v[0].tags.v[0], "/priceless_shaw");
	assert_string_equal(engine_object_label(&v[0], "io.nestcheck.pid"), "4242");
	assert_string_equal(engine_object_label(&v[0], "io.nestcheck.probe"), "0.1.0");
	assert_null(engine_object_label(&v[0], "io.nestcheck"));
	assert_null(engine_object_label(&v[1], "io.nestcheck.pid"));
	assert_int_equal(v[1].tags.n, 0);
	engine_objects_free(v, n);

	static const char images[] = "[{\"Id\":\"sha256:180955b0\",\"RepoTags\":[\"nestcheck-probe:0.1.0-9f48ecc9\"],"
				     "\"Created\":1764380001,\"Labels\":{\"io.nestcheck.probe\":\"0.1.0-9f48ecc9\"}}]";
	assert_int_equal(engine_list_parse(images, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_true(strv_contains(&v[0].tags, "nestcheck-probe:0.1.0-9f48ecc9"));
	assert_null(v[0].state);
	engine_objects_free(v, n);

	assert_int_equal(engine_list_parse("[]", &v, &n), 0);
	assert_int_equal(n, 0);
	engine_objects_free(v, n);
	assert_int_equal(engine_list_parse("{}", &v, &n), -EBADMSG);
	assert_int_equal(engine_list_parse("[{\"Names\":[]}]", &v, &n), -EBADMSG);
	assert_int_equal(engine_list_parse("[1]", &v, &n), -EBADMSG);
	assert_int_equal(engine_list_parse("null", &v, &n), -EBADMSG);
}

/* ---- fake peers ---- */

static void peer_start(struct fake_peer *p, enum fake_mode mode, const struct fake_route *routes, size_t n)
{
	assert_int_equal(fake_peer_start(p, "docker.sock", mode, routes, n), 0);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Connect to a sick peer: the error, within the bound, in words. */
static int sick(enum fake_mode mode, long timeout_ms, char **ret_error, long *ret_ms)
{
	struct fake_peer p;
	struct timespec t0;
	struct engine_version v;
	peer_start(&p, mode, NULL, 0);
	struct engine *e = engine_new(p.sock);
	engine_set_timeout(e, timeout_ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int err = engine_connect(e, &v);
	*ret_ms = elapsed_ms(&t0);
	*ret_error = xstrdup(engine_error(e));
	engine_free(e);
	fake_peer_stop(&p);
	return err;
}

static void test_peer_hangs(void **state)
{
	char *why;
	long ms;
	assert_int_equal(sick(FAKE_HANG, 300, &why, &ms), -ETIMEDOUT);
	assert_true(ms >= 250 && ms < 2000);
	assert_non_null(strstr(why, "did not answer GET /version within 300 ms"));
	free(why);
}

static void test_peer_garbage(void **state)
{
	char *why;
	long ms;
	assert_int_equal(sick(FAKE_GARBAGE, 2000, &why, &ms), -EBADMSG);
	assert_non_null(strstr(why, "is not HTTP"));
	assert_true(ms < 2000);
	free(why);
}

static void test_peer_junk_json(void **state)
{
	char *why;
	long ms;
	assert_int_equal(sick(FAKE_JUNK, 2000, &why, &ms), -EBADMSG);
	assert_non_null(strstr(why, "is not an engine's version"));
	assert_non_null(strstr(why, "oops"));
	free(why);
}

static void test_peer_closes(void **state)
{
	char *why;
	long ms;
	/* Closed before or after reading the request: "closed without answering" or "broke" (a reset). */
	assert_int_equal(sick(FAKE_CLOSE, 2000, &why, &ms), -ECONNRESET);
	assert_true(strstr(why, "closed the connection") || strstr(why, "connection to"));
	assert_true(ms < 2000);
	free(why);
}

static void test_peer_mute(void **state)
{
	char *why;
	long ms;
	assert_int_equal(sick(FAKE_MUTE, 2000, &why, &ms), -ECONNRESET);
	assert_non_null(strstr(why, "closed the connection without answering GET /version"));
	free(why);
}

static void test_peer_endless(void **state)
{
	char *why;
	long ms;
	assert_int_equal(sick(FAKE_ENDLESS, 5000, &why, &ms), -EFBIG);
	assert_non_null(strstr(why, "larger than 4 MiB"));
	free(why);
}

static void test_no_socket(void **state)
{
	char dir[] = "/tmp/nestcheck-engine.XXXXXX", path[96];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/docker.sock", dir);
	struct engine *e = engine_new(path);
	struct engine_version v;
	assert_int_equal(engine_connect(e, &v), -ENOENT);
	assert_non_null(strstr(engine_error(e), "no socket at"));

	/* A stale socket: the file is there, nothing listens. */
	int fd = fake_listen(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(engine_connect(e, &v), -ECONNREFUSED);
	assert_non_null(strstr(engine_error(e), "connection refused"));
	engine_free(e);
	unlink(path);

	/* A regular file where the socket should be. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	e = engine_new(path);
	assert_true(engine_connect(e, &v) < 0);
	engine_free(e);
	unlink(path);
	rmdir(dir);
}

static void on_alarm(int sig)
{
	client_interrupted = sig;
}

/* A signal during a request that hangs: it ends at once (not after the timeout), -EINTR. */
static void test_interrupt(void **state)
{
	struct fake_peer p;
	struct engine_version v;
	struct timespec t0;
	peer_start(&p, FAKE_HANG, NULL, 0);
	struct engine *e = engine_new(p.sock);
	engine_set_timeout(e, 10000);

	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {0, 200000}};
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(engine_connect(e, &v), -EINTR);
	long ms = elapsed_ms(&t0);
	assert_true(ms >= 150 && ms < 2500);
	assert_non_null(strstr(engine_error(e), "interrupted"));

	/* Set: nothing more is sent, unless the engine is told to clean up regardless. */
	assert_int_equal(engine_connect(e, &v), -EINTR);
	assert_non_null(strstr(engine_error(e), "was not sent"));
	engine_set_uninterruptible(e, true);
	engine_set_timeout(e, 200);
	assert_int_equal(engine_connect(e, &v), -ETIMEDOUT);
	client_interrupted = 0;
	signal(SIGALRM, SIG_DFL);
	engine_free(e);
	fake_peer_stop(&p);
}

/* A well-behaved engine of an older API: every later request speaks its version. */
static void test_negotiation(void **state)
{
	static const char version[] = "{\"Version\":\"19.03.15\",\"ApiVersion\":\"1.40\",\"MinAPIVersion\":\"1.12\"}";
	static const char info[] = "{\"Driver\":\"vfs\",\"Warnings\":[\"WARNING: No swap limit support\"]}";
	static const char logs[] = "\x01\0\0\0\0\0\0\x03{}\n\x02\0\0\0\0\0\0\x02ok";
	static const char import_err[] = "{\"status\":\"x\"}\r\n{\"error\":\"lchown /nobody: invalid argument\"}\r\n";
	static const struct fake_route routes[] = {
		{"GET", "/version", 200, version, 0},
		{"GET", "/v1.40/info", 200, info, 0},
		{"GET", "/v1.41/info", 500, "{\"message\":\"spoke the wrong version\"}", 0},
		{"GET", "/v1.40/images/nestcheck-probe:1/json", 404, "{\"message\":\"No such image\"}", 0},
		{"POST", "/v1.40/images/create", 200, import_err, 0},
		{"POST", "/v1.40/containers/create", 201, "{\"Id\":\"c0ffee\",\"Warnings\":[]}", 0},
		{"POST", "/v1.40/containers/c0ffee/start", 500,
		 "{\"message\":\"failed to create shim task: OCI runtime create failed: runc create failed: unable "
		 "to start container process: error during container init: error mounting \\\"proc\\\" to rootfs at "
		 "\\\"/proc\\\": permission denied: unknown\"}",
		 0},
		{"POST", "/v1.40/containers/c0ffee/wait", 200, "{\"StatusCode\":3,\"Error\":null}", 0},
		{"GET", "/v1.40/containers/c0ffee/logs", 200, logs, sizeof(logs) - 1},
		{"DELETE", "/v1.40/containers/c0ffee", 204, "", 0},
		{"DELETE", "/v1.40/images/nestcheck-probe:1", 409, "{\"message\":\"image is being used\"}", 0},
		{"GET", "/v1.40/containers/json", 200,
		 "[{\"Id\":\"c0ffee\",\"Labels\":{\"io.nestcheck.probe\":\"1\"}}]", 0},
	};
	struct fake_peer p;
	struct engine_version v;
	peer_start(&p, FAKE_ROUTES, routes, ARRAY_SIZE(routes));
	struct engine *e = engine_new(p.sock);
	engine_set_timeout(e, 3000);

	assert_int_equal(engine_connect(e, &v), 0);
	assert_string_equal(engine_api(e), "1.40");
	assert_string_equal(v.version, "19.03.15");
	engine_version_clear(&v);

	char *json = NULL;
	assert_int_equal(engine_info(e, &json), 0);
	assert_non_null(strstr(json, "vfs"));
	free(json);

	assert_int_equal(engine_image_exists(e, "nestcheck-probe:1"), 0);
	assert_int_equal(engine_image_exists(e, "bad ref"), -EINVAL);

	const char *changes[] = {"LABEL io.nestcheck.probe=1", NULL};
	assert_int_equal(engine_image_import(e, "nestcheck-probe", "1", changes, "tarbytes", 8), -EIO);
	assert_string_equal(engine_error(e), "lchown /nobody: invalid argument");

	const char *cmd[] = {"/nestcheck-probe", NULL}, *labels[] = {"io.nestcheck.probe", "1", NULL};
	struct engine_create spec = {.image = "nestcheck-probe:1", .cmd = cmd, .labels = labels};
	char *id = NULL;
	assert_int_equal(engine_container_create(e, &spec, &id), 0);
	assert_string_equal(id, "c0ffee");

	/* The engine's own text, as it wrote it (quotes unescaped), without a prefix of ours. */
	assert_int_equal(engine_container_start(e, id), -EIO);
	assert_true(startswith(engine_error(e), "failed to create shim task:"));
	assert_non_null(strstr(engine_error(e), "error mounting \"proc\" to rootfs"));

	long status = -1;
	assert_int_equal(engine_container_wait(e, id, &status), 0);
	assert_int_equal(status, 3);

	char *out = NULL, *err = NULL;
	assert_int_equal(engine_container_logs(e, id, &out, &err), 0);
	assert_string_equal(out, "{}\n");
	assert_string_equal(err, "ok");
	free(out);
	free(err);

	assert_int_equal(engine_container_remove(e, id), 0);
	assert_int_equal(engine_container_remove(e, "gone"), -ENOENT);
	assert_int_equal(engine_image_remove(e, "nestcheck-probe:1", false), -EBUSY);

	struct engine_object *objs;
	size_t n;
	assert_int_equal(engine_list(e, "containers", "io.nestcheck.probe", &objs, &n), 0);
	assert_int_equal(n, 1);
	engine_objects_free(objs, n);
	/* A 404 on a list is the engine's message. */
	assert_int_equal(engine_list(e, "images", "io.nestcheck.probe", &objs, &n), -ENOENT);
	assert_non_null(strstr(engine_error(e), "page not found"));

	free(id);
	engine_free(e);
	fake_peer_stop(&p);
}

static void test_too_old(void **state)
{
	static const struct fake_route routes[] = {
		{"GET", "/version", 200, "{\"Version\":\"1.11.2\",\"ApiVersion\":\"1.23\"}", 0},
	};
	struct fake_peer p;
	struct engine_version v = {0};
	peer_start(&p, FAKE_ROUTES, routes, ARRAY_SIZE(routes));
	struct engine *e = engine_new(p.sock);
	assert_int_equal(engine_connect(e, &v), -ENOTSUP);
	assert_string_equal(v.version, "1.11.2");
	assert_non_null(strstr(engine_error(e), "API 1.23"));
	engine_version_clear(&v);
	engine_free(e);
	fake_peer_stop(&p);
}

/* ---- observations ---- */

static const char INFO_2010[] =
	"{\"ID\":\"X\",\"Containers\":0,\"Driver\":\"overlay2\",\"DriverStatus\":[[\"Backing Filesystem\",\"extfs\"],"
	"[\"Supports d_type\",\"true\"]],\"CgroupDriver\":\"cgroupfs\",\"CgroupVersion\":\"1\","
	"\"DockerRootDir\":\"/var/lib/docker\",\"DefaultRuntime\":\"runc\",\"Name\":\"box\","
	"\"SecurityOptions\":[\"name=seccomp,profile=default\",\"name=userns\"],"
	"\"Warnings\":[\"WARNING: No swap limit support\",\"WARNING: bridge-nf-call-iptables is disabled\"]}";

static void test_engine_obs(void **state)
{
	struct engine_version v = {.version = "20.10.24+dfsg1", .api_version = "1.41", .min_api_version = "1.12"};
	char *value = engine_obs_build("/var/run/docker.sock", &v, "1.41", INFO_2010, 7);
	assert_null(strchr(value, '\n'));
	struct engine_obs o;
	assert_int_equal(engine_obs_parse(value, &o), 0);
	assert_int_equal(o.state, ENGINE_OK);
	assert_string_equal(o.socket, "/var/run/docker.sock");
	assert_string_equal(o.version, "20.10.24+dfsg1");
	assert_string_equal(o.api_used, "1.41");
	assert_string_equal(o.driver, "overlay2");
	assert_string_equal(o.driver_status, "Backing Filesystem=extfs; Supports d_type=true");
	assert_string_equal(o.cgroup_driver, "cgroupfs");
	assert_string_equal(o.cgroup_version, "1");
	assert_string_equal(o.root, "/var/lib/docker");
	assert_int_equal(o.security.n, 2);
	assert_string_equal(o.security.v[1], "name=userns");
	assert_int_equal(o.warnings.n, 2);
	assert_int_equal(o.ms, 7);
	engine_obs_clear(&o);
	free(value);

	/* /info that is not an object still records the version. */
	value = engine_obs_build("/s", &v, "1.41", "[]", 1);
	assert_int_equal(engine_obs_parse(value, &o), 0);
	assert_null(o.driver);
	engine_obs_clear(&o);
	free(value);

	value = engine_obs_failure(ENGINE_DOWN, "/s", -ETIMEDOUT, "the engine at /s did not answer", NULL);
	assert_int_equal(engine_obs_parse(value, &o), 0);
	assert_int_equal(o.state, ENGINE_DOWN);
	assert_string_equal(o.err_name, "ETIMEDOUT");
	assert_string_equal(o.error, "the engine at /s did not answer");
	engine_obs_clear(&o);
	free(value);

	value = engine_obs_failure(ENGINE_ABSENT, "/s", -ENOENT, NULL, NULL);
	assert_int_equal(engine_obs_parse(value, &o), 0);
	assert_int_equal(o.state, ENGINE_ABSENT);
	engine_obs_clear(&o);
	free(value);

	assert_true(engine_driver_userns_ok("overlay2"));
	assert_true(engine_driver_userns_ok("fuse-overlayfs"));
	assert_false(engine_driver_userns_ok("vfs"));
	assert_false(engine_driver_userns_ok("btrfs"));
	assert_false(engine_driver_userns_ok(NULL));

	static const char *const junk[] = {
		"",
		"ok",
		"{}",
		"[]",
		"{\"state\":\"fine\"}",
		"{\"state\":\"ok\"}",
		"{\"state\":\"down\",\"socket\":\"/s\"}",
		"{\"state\":7}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		assert_int_equal(engine_obs_parse(junk[i], &o), -EBADMSG);
}

static void test_launch_obs(void **state)
{
	static const char ran[] =
		"{\"image\":\"nestcheck-probe:0.1.0-9f48ecc9\",\"leftovers\":{\"containers\":1,\"images\":0},"
		"\"ms\":{\"cleanup\":1,\"import\":77,\"remove_image\":9},\"image_removed\":true,"
		"\"plain\":{\"ms\":{\"create\":14,\"start\":130,\"wait\":58,\"logs\":3,\"remove\":11},\"state\":\"ran\","
		"\"exit_code\":0,\"stdout\":\"{\\n \\\"uid_map\\\": \\\"0 0 4294967295\\\"\\n}\\n\",\"stderr\":\"\"},"
		"\"nested\":{\"ms\":{\"create\":11,\"start\":116,\"remove\":9},\"state\":\"failed\",\"phase\":\"start\","
		"\"error\":\"unable to apply caps: operation not permitted\",\"errno\":\"EIO\"}}";
	struct launch_obs o;
	assert_int_equal(launch_obs_parse(ran, &o), 0);
	assert_string_equal(o.image, "nestcheck-probe:0.1.0-9f48ecc9");
	assert_true(o.image_removed);
	assert_false(o.image_reused);
	assert_int_equal(o.leftover_containers, 1);
	assert_int_equal(o.ms[LAUNCH_IMPORT], 77);
	assert_int_equal(o.ms[LAUNCH_CREATE], -1);
	assert_true(o.plain.present && o.plain.ran);
	assert_int_equal(o.plain.exit_code, 0);
	assert_int_equal(o.plain.ms[LAUNCH_START], 130);
	/* The probe's JSON keeps its newlines. */
	assert_non_null(strstr(o.plain.output, "\n \"uid_map\""));
	assert_true(o.nested.present && !o.nested.ran);
	assert_string_equal(o.nested.phase, "start");
	assert_int_equal(o.nested.ms[LAUNCH_WAIT], -1);
	launch_obs_clear(&o);

	/* Could not begin. */
	assert_int_equal(launch_obs_parse("{\"error\":\"no socket\",\"errno\":\"ENOENT\"}", &o), 0);
	assert_false(o.plain.present);
	launch_obs_clear(&o);

	static const char *const junk[] = {
		"",
		"{}",
		"[]",
		"{\"plain\":{\"state\":\"ran\"}",
		"{\"plain\":{\"state\":\"maybe\"}}",
		"{\"plain\":{\"state\":\"failed\"}}", /* a failure says where and why */
		"{\"plain\":[]}",
		"{\"plain\":{\"state\":\"ran\"},\"nested\":{\"state\":\"failed\",\"phase\":\"start\"}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		assert_int_equal(launch_obs_parse(junk[i], &o), -EBADMSG);
	assert_string_equal(launch_phase_to_string(LAUNCH_REMOVE_IMAGE), "remove_image");
	assert_string_equal(engine_state_to_string(ENGINE_TOO_OLD), "too_old");
}

static void test_network_parse(void **state)
{
	(void)state;
	struct engine_network n;
	/* GET /networks/ID of Docker 20.10 (trimmed): no bridge name option, so the driver's br-ID12. */
	assert_int_equal(
		engine_network_parse("{\"Name\":\"nestcheck-net-1-abc\",\"Id\":"
				     "\"303f9a91bc3f5e4e0c2d1b8a7f6e5d4c3b2a1908f7e6d5c4b3a291807f6e5d4c\","
				     "\"Created\":\"2026-12-05T18:49:01.1234Z\",\"Driver\":\"bridge\",\"IPAM\":"
				     "{\"Driver\":\"default\",\"Options\":{},\"Config\":[{\"Subnet\":"
				     "\"172.19.0.0/16\",\"Gateway\":\"172.19.0.1\"}]},\"Options\":{}}",
				     &n),
		0);
	assert_string_equal(n.bridge, "br-303f9a91bc3f");
	assert_string_equal(n.subnet, "172.19.0.0/16");
	assert_string_equal(n.gateway, "172.19.0.1");
	engine_network_clear(&n);
	/* docker0: the option names it; no IPAM config. */
	assert_int_equal(engine_network_parse("{\"Id\":\"5490\",\"Options\":{\"com.docker.network.bridge.name\":"
					      "\"docker0\"},\"IPAM\":{\"Config\":[]}}",
					      &n),
			 0);
	assert_string_equal(n.bridge, "docker0");
	assert_null(n.subnet);
	engine_network_clear(&n);
	assert_int_equal(engine_network_parse("[]", &n), -EBADMSG);
	assert_int_equal(engine_network_parse("{\"Name\":\"x\"}", &n), -EBADMSG);
	assert_int_equal(engine_network_parse("{\"Id\":", &n), -EBADMSG);
}

static void test_endpoint_parse(void **state)
{
	(void)state;
	struct engine_endpoint p;
	/* GET /containers/ID/json (trimmed): both address families published; the IPv4 binding is taken. */
	static const char inspect[] =
		"{\"Id\":\"5a2f\",\"NetworkSettings\":{\"Ports\":{\"8000/tcp\":[{\"HostIp\":\"::\",\"HostPort\":"
		"\"32770\"},{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"32769\"}]},\"Networks\":{\"nestcheck-net-1-abc\":"
		"{\"IPAddress\":\"172.19.0.2\",\"Gateway\":\"172.19.0.1\"}}}}";
	assert_int_equal(engine_endpoint_parse(inspect, "nestcheck-net-1-abc", 8000, &p), 0);
	assert_string_equal(p.address, "172.19.0.2");
	assert_string_equal(p.host_ip, "0.0.0.0");
	assert_string_equal(p.host_port, "32769");
	engine_endpoint_clear(&p);
	/* Another network, another port: nothing known, no error. */
	assert_int_equal(engine_endpoint_parse(inspect, "bridge", 80, &p), 0);
	assert_null(p.address);
	assert_null(p.host_port);
	engine_endpoint_clear(&p);
	/* A port published nowhere (null) and an empty address. */
	assert_int_equal(engine_endpoint_parse("{\"NetworkSettings\":{\"Ports\":{\"8000/tcp\":null},\"Networks\":"
					       "{\"n\":{\"IPAddress\":\"\"}}}}",
					       "n", 8000, &p),
			 0);
	assert_null(p.address);
	assert_null(p.host_port);
	engine_endpoint_clear(&p);
	assert_int_equal(engine_endpoint_parse("{\"Id\":\"5a2f\"}", "n", 8000, &p), -EBADMSG);
	assert_int_equal(engine_endpoint_parse("{\"NetworkSettings\":[]}", "n", 8000, &p), -EBADMSG);
}

static void test_time_and_network_list(void **state)
{
	(void)state;
	assert_int_equal(engine_time_parse("1970-01-02T00:00:00Z"), 86400);
	assert_int_equal(engine_time_parse("2026-12-05T18:49:01.123456789Z"), 1796496541);
	assert_int_equal(engine_time_parse("yesterday"), 0);
	assert_int_equal(engine_time_parse(NULL), 0);
	/* GET /networks: Name is a string and Created a time of day, not a number. */
	struct engine_object *v;
	size_t n;
	assert_int_equal(engine_list_parse("[{\"Name\":\"nestcheck-net-7-a1\",\"Id\":\"ab12\",\"Created\":"
					   "\"2026-12-05T18:49:01.1Z\",\"Labels\":{\"io.nestcheck.pid\":\"7\"}}]",
					   &v, &n),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].tags.v[0], "nestcheck-net-7-a1");
	assert_int_equal(v[0].created, 1796496541);
	assert_string_equal(engine_object_label(&v[0], "io.nestcheck.pid"), "7");
	engine_objects_free(v, n);
}

static void test_launch_network_obs(void **state)
{
	(void)state;
	static const char ran[] =
		"{\"image\":\"nestcheck-probe:0.1.0-9f48ecc9\",\"leftovers\":{\"containers\":0,\"images\":0,\"networks\":"
		"2},\"plain\":{\"state\":\"ran\",\"exit_code\":0,\"stdout\":\"{}\",\"stderr\":\"\"},"
		"\"network\":{\"network\":\"nestcheck-net-1-abc\",\"port\":8000,\"ms\":{\"network_create\":53,"
		"\"server_create\":7,\"server_start\":178,\"publish\":1,\"remove\":297},\"bridge\":\"br-303f9a91bc3f\","
		"\"subnet\":\"172.19.0.0/16\",\"server_address\":\"172.19.0.2\",\"host_ip\":\"0.0.0.0\",\"host_port\":"
		"\"32769\",\"publish\":{\"ok\":false,\"error\":\"connect to 127.0.0.1:32769: Network is unreachable\","
		"\"errno\":\"ENETUNREACH\",\"attempts\":1,\"loopback\":\"down\"},\"client_exit\":0,\"client_stdout\":\"{\\\"probe_version\\\":"
		"\\\"0.1.0\\\",\\\"dns\\\":{\\\"ok\\\":true,\\\"server\\\":\\\"127.0.0.11\\\",\\\"address\\\":"
		"\\\"172.19.0.2\\\",\\\"ms\\\":1},\\\"by_name\\\":{\\\"ok\\\":true,\\\"answer\\\":\\\"nestcheck-probe "
		"0.1.0 x\\\",\\\"ms\\\":1},\\\"by_address\\\":{\\\"ok\\\":false,\\\"error\\\":\\\"connect: No route to "
		"host\\\",\\\"ms\\\":3}}\\n\",\"client_stderr\":\"\",\"served\":\"172.19.0.3\",\"state\":\"ran\"}}";
	struct launch_obs o;
	assert_int_equal(launch_obs_parse(ran, &o), 0);
	const struct launch_net *n = &o.network;
	assert_int_equal(o.leftover_networks, 2);
	assert_true(n->present && n->ran);
	assert_string_equal(n->bridge, "br-303f9a91bc3f");
	assert_int_equal(n->port, 8000);
	assert_int_equal(n->publish.ok, 0);
	assert_string_equal(n->publish.detail, "connect to 127.0.0.1:32769: Network is unreachable");
	assert_string_equal(n->publish.err_name, "ENETUNREACH");
	assert_int_equal(n->publish_attempts, 1);
	assert_string_equal(n->loopback, "down");
	assert_int_equal(n->dns.ok, 1);
	assert_string_equal(n->dns_server, "127.0.0.11");
	assert_string_equal(n->dns_address, "172.19.0.2");
	assert_int_equal(n->by_name.ok, 1);
	assert_int_equal(n->by_address.ok, 0);
	assert_string_equal(n->by_address.detail, "connect: No route to host");
	assert_int_equal(n->ms[NET_SERVER_START], 178);
	assert_int_equal(n->ms[NET_CLIENT_WAIT], -1);
	launch_obs_clear(&o);

	/* A step failed; no network member at all (an older capture) leaves it absent. */
	assert_int_equal(launch_obs_parse("{\"plain\":{\"state\":\"ran\"},\"network\":{\"state\":\"failed\",\"step\":"
					  "\"network_create\",\"error\":\"could not find an available pool\"}}",
					  &o),
			 0);
	assert_true(o.network.present && !o.network.ran);
	assert_string_equal(o.network.step, "network_create");
	assert_int_equal(o.network.dns.ok, -1);
	launch_obs_clear(&o);
	assert_int_equal(launch_obs_parse("{\"plain\":{\"state\":\"ran\"}}", &o), 0);
	assert_false(o.network.present);
	launch_obs_clear(&o);
	/* A client that printed junk: ran, its report unknown. */
	assert_int_equal(launch_obs_parse("{\"plain\":{\"state\":\"ran\"},\"network\":{\"state\":\"ran\",\"publish\":"
					  "{\"ok\":true,\"answer\":\"x\"},\"client_stdout\":\"{\\\"dns\\\":3}\"}}",
					  &o),
			 0);
	assert_int_equal(o.network.dns.ok, -1);
	assert_int_equal(o.network.publish.ok, 1);
	launch_obs_clear(&o);

	static const char *const junk[] = {
		"{\"plain\":{\"state\":\"ran\"},\"network\":[]}",
		"{\"plain\":{\"state\":\"ran\"},\"network\":{\"state\":\"failed\"}}",
		"{\"plain\":{\"state\":\"ran\"},\"network\":{\"state\":\"ran\"}}", /* a workload that ran tried the port
										    */
		"{\"plain\":{\"state\":\"ran\"},\"network\":{\"state\":\"ran\",\"publish\":{\"ok\":\"yes\"}}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		assert_int_equal(launch_obs_parse(junk[i], &o), -EBADMSG);
	assert_string_equal(net_step_to_string(NET_CLIENT_WAIT), "client_wait");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_path),
		cmocka_unit_test(test_api_cmp),
		cmocka_unit_test(test_api_pick),
		cmocka_unit_test(test_demux),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_stream_error),
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_list_parse),
		cmocka_unit_test(test_peer_hangs),
		cmocka_unit_test(test_peer_garbage),
		cmocka_unit_test(test_peer_junk_json),
		cmocka_unit_test(test_peer_closes),
		cmocka_unit_test(test_peer_mute),
		cmocka_unit_test(test_peer_endless),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_engine_obs),
		cmocka_unit_test(test_launch_obs),
		cmocka_unit_test(test_network_parse),
		cmocka_unit_test(test_endpoint_parse),
		cmocka_unit_test(test_time_and_network_list),
		cmocka_unit_test(test_launch_network_obs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
