/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"
#include "http.h"
#include "core/json.h"
#include "core/progress.h"

#include <ctype.h>
#include <json-c/json.h>
#include <sys/un.h>
#include <time.h>

const char *engine_errno_name(int err)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 32)
	const char *name = strerrorname_np(err < 0 ? -err : err);
	if (name)
		return name;
#endif
	return errno_name(err);
}

int engine_socket_path(const char *docker_host, char **ret_path, char **ret_error)
{
	struct sockaddr_un sun;
	if (!docker_host || !*docker_host) {
		*ret_path = xstrdup(ENGINE_DEFAULT_SOCKET);
		return 0;
	}
	if (!startswith(docker_host, "unix://")) {
		const char *sep = strstr(docker_host, "://");
		*ret_error = xasprintf(
			"DOCKER_HOST=%.100s: nestcheck talks only to a local engine over its unix socket "
			"(unix:///PATH), not over %.*s",
			docker_host, sep ? (int)(sep - docker_host) : 20, sep ? docker_host : "a bare address");
		text_sanitize(*ret_error);
		return -EPROTONOSUPPORT;
	}
	const char *path = docker_host + strlen("unix://");
	if (path[0] != '/') {
		*ret_error =
			xasprintf("DOCKER_HOST=%.100s: the socket path must be absolute (unix:///PATH)", docker_host);
		text_sanitize(*ret_error);
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*ret_error = xasprintf("DOCKER_HOST: the socket path is longer than a unix socket allows (%zu bytes)",
				       sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	*ret_path = xstrdup(path);
	return 0;
}

static bool api_parse(const char *s, long *ret_major, long *ret_minor)
{
	char *end;
	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	long major = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]) || major > 999)
		return false;
	long minor = strtol(end + 1, &end, 10);
	if (*end || minor > 999)
		return false;
	*ret_major = major;
	*ret_minor = minor;
	return true;
}

int engine_api_cmp(const char *a, const char *b)
{
	long am = 0, an = 0, bm = 0, bn = 0;
	bool av = api_parse(a, &am, &an), bv = api_parse(b, &bm, &bn);
	if (!av || !bv)
		return (int)av - (int)bv;
	if (am != bm)
		return am < bm ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

int engine_api_pick(const char *server_api, char ret[static 16], char **ret_error)
{
	long major, minor;
	if (!api_parse(server_api, &major, &minor)) {
		*ret_error =
			xasprintf("the engine's API version \"%.20s\" is not a version", server_api ? server_api : "");
		text_sanitize(*ret_error);
		return -EBADMSG;
	}
	if (engine_api_cmp(server_api, ENGINE_API_MIN) < 0) {
		*ret_error = xasprintf("the engine speaks API %s, older than %s (Docker 1.12), the oldest nestcheck "
				       "talks to",
				       server_api, ENGINE_API_MIN);
		return -ENOTSUP;
	}
	snprintf(ret, 16, "%s", engine_api_cmp(server_api, ENGINE_API_OURS) < 0 ? server_api : ENGINE_API_OURS);
	return 0;
}

int engine_demux(const char *buf, size_t len, struct strbuf *ret_stdout, struct strbuf *ret_stderr)
{
	size_t off = 0;
	while (off < len) {
		const unsigned char *h = (const unsigned char *)buf + off;
		if (len - off < 8 || h[0] > 2 || h[1] || h[2] || h[3])
			return -EBADMSG;
		size_t n = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		if (n > len - off - 8)
			return -EBADMSG;
		/* Stream 0 (stdin) is echoed only for attached TTYs; count it as output. */
		strbuf_appendf(h[0] == 2 ? ret_stderr : ret_stdout, "%.*s", (int)n, buf + off + 8);
		off += 8 + n;
	}
	return 0;
}

/* Text from a peer, made printable and cut to max bytes. */
static char *peer_text(const char *s, size_t len, size_t max)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	bool cut = len > max;
	char *t = xasprintf("%.*s%s", (int)(cut ? max : len), s, cut ? "..." : "");
	/* NUL bytes end the text early; newlines become spaces. */
	for (char *p = t; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return text_sanitize(t);
}

char *engine_message(long status, const char *body, size_t len)
{
	if (body && len) {
		json_object *o = json_read(body, len);
		const char *msg = json_get_str(o, "message");
		if (msg && *msg) {
			char *t = peer_text(msg, strlen(msg), 1000);
			json_object_put(o);
			return t;
		}
		json_object_put(o);
		char *t = peer_text(body, len, 200);
		if (*t)
			return t;
		free(t);
	}
	return xasprintf("HTTP %ld", status);
}

char *engine_stream_error(const char *body, size_t len)
{
	json_tokener *tok = json_tokener_new();
	size_t off = 0;
	char *err = NULL;
	while (!err) {
		while (off < len && isspace((unsigned char)body[off]))
			off++;
		if (off >= len)
			break;
		json_tokener_reset(tok);
		json_object *o = json_tokener_parse_ex(tok, body + off, (int)(len - off));
		if (!o || !json_object_is_type(o, json_type_object)) {
			_cleanup_free_ char *t = peer_text(body + off, len - off, 80);
			err = json_tokener_get_error(tok) == json_tokener_continue
				      ? xasprintf("the engine's answer ends inside a message: %s", t)
				      : xasprintf("the engine's answer is not a JSON message stream: %s", t);
			json_object_put(o);
			break;
		}
		off += json_tokener_get_parse_end(tok);
		json_object *detail;
		const char *msg = json_get_str(o, "error");
		if (!msg && json_object_object_get_ex(o, "errorDetail", &detail))
			msg = json_get_str(detail, "message");
		if (msg)
			err = peer_text(msg, strlen(msg), 1000);
		json_object_put(o);
	}
	json_tokener_free(tok);
	return err;
}

int engine_version_parse(const char *json, struct engine_version *ret)
{
	json_object *o = json_read(json, strlen(json));
	if (!o || !json_object_is_type(o, json_type_object) || !json_get_str(o, "ApiVersion")) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret = (struct engine_version){
		.version = json_dup_str(o, "Version"),
		.api_version = json_dup_str(o, "ApiVersion"),
		.min_api_version = json_dup_str(o, "MinAPIVersion"),
		.os = json_dup_str(o, "Os"),
		.arch = json_dup_str(o, "Arch"),
		.kernel_version = json_dup_str(o, "KernelVersion"),
	};
	json_object_put(o);
	return 0;
}

void engine_version_clear(struct engine_version *v)
{
	free(v->version);
	free(v->api_version);
	free(v->min_api_version);
	free(v->os);
	free(v->arch);
	free(v->kernel_version);
	*v = (struct engine_version){0};
}

void engine_objects_free(struct engine_object *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		strv_clear(&v[i].tags);
		strv_clear(&v[i].labels);
		free(v[i].state);
	}
	free(v);
}

long long engine_time_parse(const char *text)
{
	struct tm tm = {0};
	const char *end = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end)
		return 0;
	time_t t = timegm(&tm);
	return t < 0 ? 0 : (long long)t;
}

int engine_list_parse(const char *json, struct engine_object **ret, size_t *ret_n)
{
	json_object *a = json_read(json, strlen(json));
	if (!a || !json_object_is_type(a, json_type_array)) {
		json_object_put(a);
		return -EBADMSG;
	}
	size_t n = json_object_array_length(a);
	struct engine_object *v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i), *x;
		if (!json_object_is_type(o, json_type_object) || !json_get_str(o, "Id")) {
			engine_objects_free(v, n);
			json_object_put(a);
			return -EBADMSG;
		}
		v[i].id = json_dup_str(o, "Id");
		v[i].state = json_dup_str(o, "State");
		if (json_object_object_get_ex(o, "Created", &x)) {
			if (json_object_is_type(x, json_type_string))
				v[i].created = engine_time_parse(json_object_get_string(x));
			else
				v[i].created = json_object_get_int64(x);
		}
		if (json_get_str(o, "Name"))
			strv_push(&v[i].tags, text_sanitize(json_dup_str(o, "Name")));
		if ((json_object_object_get_ex(o, "RepoTags", &x) || json_object_object_get_ex(o, "Names", &x)) &&
		    json_object_is_type(x, json_type_array))
			for (size_t j = 0; j < json_object_array_length(x); j++) {
				json_object *t = json_object_array_get_idx(x, j);
				if (json_object_is_type(t, json_type_string))
					strv_push(&v[i].tags, text_sanitize(xstrdup(json_object_get_string(t))));
			}
		if (json_object_object_get_ex(o, "Labels", &x) && json_object_is_type(x, json_type_object)) {
			json_object_object_foreach(x, k, val)
			{
				if (json_object_is_type(val, json_type_string))
					strv_push(&v[i].labels,
						  text_sanitize(xasprintf("%s=%s", k, json_object_get_string(val))));
			}
		}
	}
	json_object_put(a);
	*ret = v;
	*ret_n = n;
	return 0;
}

const char *engine_object_label(const struct engine_object *o, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < o->labels.n; i++)
		if (strncmp(o->labels.v[i], key, n) == 0 && o->labels.v[i][n] == '=')
			return o->labels.v[i] + n + 1;
	return NULL;
}

void engine_response_clear(struct engine_response *r)
{
	free(r->body);
	*r = (struct engine_response){0};
}

/* ---------------------------------------------------------------- the client */

static const struct http_peer engine_peer = {
	.host = "docker",
	.name = "the engine",
	.daemon = "dockerd",
	.group = "docker",
	.max_response = ENGINE_MAX_RESPONSE,
};

struct engine {
	struct http *http;
	char *prefix; /* "/v1.41" once negotiated */
	char api[16];
};

struct engine *engine_new(const char *socket_path)
{
	struct http *h = http_new(socket_path, &engine_peer);
	if (!h)
		return NULL;
	http_set_timeout(h, ENGINE_TIMEOUT_QUICK_MS);
	struct engine *e = xcalloc(1, sizeof(*e));
	e->http = h;
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	http_free(e->http);
	free(e->prefix);
	free(e);
}

const char *engine_socket(const struct engine *e)
{
	return http_socket(e->http);
}

void engine_set_timeout(struct engine *e, long ms)
{
	http_set_timeout(e->http, ms > 0 ? ms : ENGINE_TIMEOUT_QUICK_MS);
}

long engine_timeout(const struct engine *e)
{
	return http_timeout(e->http);
}

void engine_set_uninterruptible(struct engine *e, bool on)
{
	http_set_uninterruptible(e->http, on);
}

void engine_set_progress(struct engine *e, const char *label)
{
	http_set_progress(e->http, label);
}

const char *engine_error(const struct engine *e)
{
	return http_error(e->http);
}

const char *engine_api(const struct engine *e)
{
	return e->api;
}

bool engine_body_sent(const struct engine *e)
{
	return http_body_sent(e->http);
}

#define fail(e, ...) http_fail((e)->http, __VA_ARGS__)

int engine_request(struct engine *e, const char *method, const char *path, const char *content_type, const void *body,
		   size_t len, struct engine_response *ret)
{
	*ret = (struct engine_response){0};
	bool plain = !e->prefix || streq(path, "/version") || streq(path, "/_ping");
	_cleanup_free_ char *full = xasprintf("%s%s", plain ? "" : e->prefix, path);
	_cleanup_free_ char *ct = content_type ? xasprintf("Content-Type: %s", content_type) : NULL;
	const char *headers[] = {ct, NULL};

	int err = http_request(e->http, method, full, headers, body, len, &ret->status);
	if (err < 0)
		return err;
	/* Bytes, not a string: a log stream holds NULs. */
	size_t n;
	const char *b = http_body(e->http, &n);
	ret->body = xmalloc(n + 1);
	if (n)
		memcpy(ret->body, b, n);
	ret->body[n] = '\0';
	ret->len = n;
	return 0;
}

/*
 * An HTTP error answer: the engine's own message is the error, as it wrote
 * it (the known failures match on it); -ENOENT 404, -EBUSY 409, else -EIO.
 */
static int http_failed(struct engine *e, const char *what, const struct engine_response *r)
{
	_cleanup_free_ char *msg = engine_message(r->status, r->body, r->len);
	int err = r->status == 404 ? -ENOENT : r->status == 409 ? -EBUSY : -EIO;
	/* A bare status says nothing without the request it answered. */
	if (startswith(msg, "HTTP "))
		return fail(e, err, "%s: %s", what, msg);
	return fail(e, err, "%s", msg);
}

/* A request whose answer must have status ok and a JSON body of type t (ret may be NULL). */
static int request_json(struct engine *e, const char *method, const char *path, const char *what, long ok,
			const char *body, enum json_type t, json_object **ret)
{
	struct engine_response r;
	int err = engine_request(e, method, path, body ? "application/json" : NULL, body, body ? strlen(body) : 0, &r);
	if (err < 0)
		return err;
	if (r.status != ok) {
		err = http_failed(e, what, &r);
		engine_response_clear(&r);
		return err;
	}
	if (ret) {
		json_object *o = json_read(r.body, r.len);
		if (!o || !json_object_is_type(o, t)) {
			_cleanup_free_ char *t_ = peer_text(r.body, r.len, 60);
			json_object_put(o);
			err = fail(e, -EBADMSG, "%s: the engine's answer is not the JSON expected: \"%s\"", what, t_);
			engine_response_clear(&r);
			return err;
		}
		*ret = o;
	}
	engine_response_clear(&r);
	return 0;
}

int engine_connect(struct engine *e, struct engine_version *ret)
{
	struct engine_response r;
	int err = engine_request(e, "GET", "/version", NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	if (r.status != 200) {
		err = http_failed(e, "GET /version", &r);
		engine_response_clear(&r);
		return err;
	}
	struct engine_version v;
	if (engine_version_parse(r.body, &v) < 0) {
		_cleanup_free_ char *t = peer_text(r.body, r.len, 60);
		engine_response_clear(&r);
		return fail(e, -EBADMSG, "the answer of %s to GET /version is not an engine's version: \"%s\"",
			    engine_socket(e), t);
	}
	engine_response_clear(&r);
	_cleanup_free_ char *why = NULL;
	err = engine_api_pick(v.api_version, e->api, &why);
	if (err < 0) {
		if (err == -ENOTSUP)
			*ret = v; /* what is too old, for the report */
		else
			engine_version_clear(&v);
		return fail(e, err, "%s", why);
	}
	free(e->prefix);
	e->prefix = xasprintf("/v%s", e->api);
	*ret = v;
	return 0;
}

int engine_info(struct engine *e, char **ret_json)
{
	json_object *o = NULL;
	int err = request_json(e, "GET", "/info", "GET /info", 200, NULL, json_type_object, &o);
	if (err < 0)
		return err;
	*ret_json = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

/* Image references and ids are put into paths as they are: refuse anything else. */
static bool ref_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@-") == strlen(s);
}

int engine_image_exists(struct engine *e, const char *ref)
{
	if (!ref_ok(ref))
		return fail(e, -EINVAL, "not an image reference: %s", ref);
	_cleanup_free_ char *path = xasprintf("/images/%s/json", ref);
	struct engine_response r;
	int err = engine_request(e, "GET", path, NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	if (r.status == 200)
		err = 1;
	else if (r.status == 404)
		err = 0;
	else
		err = http_failed(e, "GET /images/REF/json", &r);
	engine_response_clear(&r);
	return err;
}

int engine_image_import(struct engine *e, const char *repo, const char *tag, const char *const *changes,
			const void *tar, size_t len)
{
	if (!ref_ok(repo) || !ref_ok(tag))
		return fail(e, -EINVAL, "not an image reference: %s:%s", repo, tag);
	struct strbuf q = {0};
	strbuf_appendf(&q, "/images/create?fromSrc=-&repo=%s&tag=%s", repo, tag);
	for (const char *const *c = changes; c && *c; c++) {
		_cleanup_free_ char *esc = http_escape(e->http, *c);
		strbuf_appendf(&q, "&changes=%s", esc);
	}
	_cleanup_free_ char *path = strbuf_take(&q);
	struct engine_response r;
	int err = engine_request(e, "POST", path, "application/x-tar", tar, len, &r);
	if (err < 0)
		return err;
	if (r.status != 200) {
		err = http_failed(e, "image import", &r);
	} else {
		_cleanup_free_ char *msg = engine_stream_error(r.body, r.len);
		if (msg)
			err = fail(e, -EIO, "%s", msg);
	}
	engine_response_clear(&r);
	return err;
}

int engine_image_remove(struct engine *e, const char *ref, bool force)
{
	if (!ref_ok(ref))
		return fail(e, -EINVAL, "not an image reference: %s", ref);
	_cleanup_free_ char *path = xasprintf("/images/%s?force=%d", ref, force);
	return request_json(e, "DELETE", path, "image removal", 200, NULL, json_type_array, NULL);
}

int engine_container_create(struct engine *e, const struct engine_create *spec, char **ret_id)
{
	json_object *o = json_object_new_object(), *cmd = json_object_new_array(), *labels = json_object_new_object();
	json_object *hc = json_object_new_object();
	for (const char *const *a = spec->cmd; a && *a; a++)
		json_object_array_add(cmd, json_object_new_string(*a));
	for (const char *const *l = spec->labels; l && l[0] && l[1]; l += 2)
		json_object_object_add(labels, l[0], json_object_new_string(l[1]));
	json_object_object_add(o, "Image", json_object_new_string(spec->image));
	json_object_object_add(o, "Cmd", cmd);
	json_object_object_add(o, "Labels", labels);
	json_object_object_add(o, "Tty", json_object_new_boolean(false));
	json_object_object_add(o, "AttachStdout", json_object_new_boolean(false));
	json_object_object_add(o, "AttachStderr", json_object_new_boolean(false));
	if (spec->network) {
		json_object_object_add(hc, "NetworkMode", json_object_new_string(spec->network));
	} else {
		json_object_object_add(o, "NetworkDisabled", json_object_new_boolean(true));
		json_object_object_add(hc, "NetworkMode", json_object_new_string("none"));
	}
	if (spec->publish) {
		/* As `docker run -p PORT` does: every host address, a port the engine picks. */
		_cleanup_free_ char *key = xasprintf("%u/tcp", spec->publish);
		json_object *exposed = json_object_new_object(), *bindings = json_object_new_object();
		json_object *list = json_object_new_array(), *b = json_object_new_object();
		json_object_object_add(exposed, key, json_object_new_object());
		json_object_object_add(o, "ExposedPorts", exposed);
		json_object_object_add(b, "HostIp", json_object_new_string(""));
		json_object_object_add(b, "HostPort", json_object_new_string(""));
		json_object_array_add(list, b);
		json_object_object_add(bindings, key, list);
		json_object_object_add(hc, "PortBindings", bindings);
	}
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(false));
	json_object_object_add(hc, "Privileged", json_object_new_boolean(spec->privileged));
	json_object_object_add(o, "HostConfig", hc);
	_cleanup_free_ char *body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);

	if (spec->name && !ref_ok(spec->name))
		return fail(e, -EINVAL, "not a container name: %s", spec->name);
	_cleanup_free_ char *path =
		spec->name ? xasprintf("/containers/create?name=%s", spec->name) : xstrdup("/containers/create");
	json_object *answer = NULL;
	int err = request_json(e, "POST", path, "container create", 201, body, json_type_object, &answer);
	if (err < 0)
		return err;
	const char *id = json_get_str(answer, "Id");
	if (!id || !ref_ok(id)) {
		json_object_put(answer);
		return fail(e, -EBADMSG, "container create: the engine's answer holds no container id");
	}
	*ret_id = xstrdup(id);
	json_object_put(answer);
	return 0;
}

int engine_container_start(struct engine *e, const char *id)
{
	_cleanup_free_ char *path = xasprintf("/containers/%s/start", id);
	struct engine_response r;
	int err = engine_request(e, "POST", path, NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	/* 304: it was already running, which is as good. */
	if (r.status != 204 && r.status != 304)
		err = http_failed(e, "container start", &r);
	engine_response_clear(&r);
	return err;
}

int engine_container_wait(struct engine *e, const char *id, long *ret_status)
{
	_cleanup_free_ char *path = xasprintf("/containers/%s/wait", id);
	json_object *o = NULL, *v, *err_obj;
	int err = request_json(e, "POST", path, "container wait", 200, NULL, json_type_object, &o);
	if (err < 0)
		return err;
	if (json_object_object_get_ex(o, "Error", &err_obj) && json_object_is_type(err_obj, json_type_object) &&
	    json_get_str(err_obj, "Message") && *json_get_str(err_obj, "Message")) {
		err = fail(e, -EIO, "container wait: %s", json_get_str(err_obj, "Message"));
	} else if (!json_object_object_get_ex(o, "StatusCode", &v) || !json_object_is_type(v, json_type_int)) {
		err = fail(e, -EBADMSG, "container wait: the engine's answer holds no StatusCode");
	} else {
		*ret_status = (long)json_object_get_int64(v);
	}
	json_object_put(o);
	return err;
}

int engine_container_logs(struct engine *e, const char *id, char **ret_stdout, char **ret_stderr)
{
	_cleanup_free_ char *path = xasprintf("/containers/%s/logs?stdout=1&stderr=1", id);
	struct engine_response r;
	int err = engine_request(e, "GET", path, NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	if (r.status != 200) {
		err = http_failed(e, "container logs", &r);
		engine_response_clear(&r);
		return err;
	}
	struct strbuf out = {0}, errs = {0};
	err = engine_demux(r.body, r.len, &out, &errs);
	engine_response_clear(&r);
	if (err < 0) {
		free(out.buf);
		free(errs.buf);
		return fail(e, err, "container logs: the engine's log stream is malformed (a truncated frame)");
	}
	*ret_stdout = strbuf_take(&out);
	*ret_stderr = strbuf_take(&errs);
	return 0;
}

int engine_container_remove(struct engine *e, const char *id)
{
	if (!ref_ok(id))
		return fail(e, -EINVAL, "not a container id: %s", id);
	_cleanup_free_ char *path = xasprintf("/containers/%s?force=1&v=1", id);
	struct engine_response r;
	int err = engine_request(e, "DELETE", path, NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	if (r.status != 204)
		err = http_failed(e, "container removal", &r);
	engine_response_clear(&r);
	return err;
}

int engine_list(struct engine *e, const char *kind, const char *label, struct engine_object **ret, size_t *ret_n)
{
	json_object *f = json_object_new_object(), *l = json_object_new_array();
	json_object_array_add(l, json_object_new_string(label));
	json_object_object_add(f, "label", l);
	_cleanup_free_ char *esc = http_escape(e->http, json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	/* Networks are listed at /networks, the others at /KIND/json. */
	_cleanup_free_ char *path = xasprintf("/%s%s?%sfilters=%s", kind, streq(kind, "networks") ? "" : "/json",
					      streq(kind, "containers") ? "all=1&" : "", esc);
	_cleanup_free_ char *what = xasprintf("listing %s", kind);

	struct engine_response r;
	int err = engine_request(e, "GET", path, NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	if (r.status != 200)
		err = http_failed(e, what, &r);
	else if (engine_list_parse(r.body, ret, ret_n) < 0)
		err = fail(e, -EBADMSG, "%s: the engine's answer is not a list", what);
	engine_response_clear(&r);
	return err;
}

/* ---------------------------------------------------------------- networks */

int engine_network_create(struct engine *e, const char *name, const char *const *labels, char **ret_id)
{
	if (!ref_ok(name))
		return fail(e, -EINVAL, "not a network name: %s", name);
	json_object *o = json_object_new_object(), *l = json_object_new_object();
	for (const char *const *k = labels; k && k[0] && k[1]; k += 2)
		json_object_object_add(l, k[0], json_object_new_string(k[1]));
	json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(o, "Driver", json_object_new_string("bridge"));
	json_object_object_add(o, "CheckDuplicate", json_object_new_boolean(true));
	json_object_object_add(o, "Labels", l);
	_cleanup_free_ char *body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);

	json_object *answer = NULL;
	int err = request_json(e, "POST", "/networks/create", "network create", 201, body, json_type_object, &answer);
	if (err < 0)
		return err;
	const char *id = json_get_str(answer, "Id");
	if (!id || !ref_ok(id)) {
		json_object_put(answer);
		return fail(e, -EBADMSG, "network create: the engine's answer holds no network id");
	}
	*ret_id = xstrdup(id);
	json_object_put(answer);
	return 0;
}

void engine_network_clear(struct engine_network *n)
{
	free(n->bridge);
	free(n->subnet);
	free(n->gateway);
	*n = (struct engine_network){0};
}

int engine_network_parse(const char *json, struct engine_network *ret)
{
	json_object *o = json_read(json, strlen(json)), *x, *ipam, *config;
	if (!o || !json_object_is_type(o, json_type_object) || !json_get_str(o, "Id")) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret = (struct engine_network){0};
	if (json_object_object_get_ex(o, "Options", &x) && json_object_is_type(x, json_type_object))
		ret->bridge = json_dup_str(x, "com.docker.network.bridge.name");
	if (!ret->bridge) {
		/* The bridge driver names a user-defined network's bridge after the network's id. */
		const char *id = json_get_str(o, "Id");
		ret->bridge = xasprintf("br-%.12s", id);
	}
	if (json_object_object_get_ex(o, "IPAM", &ipam) && json_object_is_type(ipam, json_type_object) &&
	    json_object_object_get_ex(ipam, "Config", &config) && json_object_is_type(config, json_type_array) &&
	    json_object_array_length(config) > 0) {
		json_object *c0 = json_object_array_get_idx(config, 0);
		if (json_object_is_type(c0, json_type_object)) {
			ret->subnet = json_dup_str(c0, "Subnet");
			ret->gateway = json_dup_str(c0, "Gateway");
		}
	}
	text_sanitize(ret->bridge);
	if (ret->subnet)
		text_sanitize(ret->subnet);
	if (ret->gateway)
		text_sanitize(ret->gateway);
	json_object_put(o);
	return 0;
}

int engine_network_inspect(struct engine *e, const char *id, struct engine_network *ret)
{
	if (!ref_ok(id))
		return fail(e, -EINVAL, "not a network id: %s", id);
	_cleanup_free_ char *path = xasprintf("/networks/%s", id);
	json_object *o = NULL;
	int err = request_json(e, "GET", path, "network inspect", 200, NULL, json_type_object, &o);
	if (err < 0)
		return err;
	err = engine_network_parse(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), ret);
	json_object_put(o);
	if (err < 0)
		return fail(e, err, "network inspect: the engine's answer is not a network");
	return 0;
}

int engine_network_remove(struct engine *e, const char *id)
{
	if (!ref_ok(id))
		return fail(e, -EINVAL, "not a network id: %s", id);
	_cleanup_free_ char *path = xasprintf("/networks/%s", id);
	struct engine_response r;
	int err = engine_request(e, "DELETE", path, NULL, NULL, 0, &r);
	if (err < 0)
		return err;
	if (r.status != 204 && r.status != 200)
		err = http_failed(e, "network removal", &r);
	engine_response_clear(&r);
	return err;
}

void engine_endpoint_clear(struct engine_endpoint *p)
{
	free(p->address);
	free(p->host_ip);
	free(p->host_port);
	*p = (struct engine_endpoint){0};
}

int engine_endpoint_parse(const char *json, const char *network, unsigned port, struct engine_endpoint *ret)
{
	json_object *o = json_read(json, strlen(json)), *ns, *x, *ep;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "NetworkSettings", &ns) ||
	    !json_object_is_type(ns, json_type_object)) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret = (struct engine_endpoint){0};
	if (json_object_object_get_ex(ns, "Networks", &x) && json_object_is_type(x, json_type_object) &&
	    json_object_object_get_ex(x, network, &ep) && json_object_is_type(ep, json_type_object) &&
	    json_get_str(ep, "IPAddress") && *json_get_str(ep, "IPAddress"))
		ret->address = text_sanitize(json_dup_str(ep, "IPAddress"));
	_cleanup_free_ char *key = xasprintf("%u/tcp", port);
	json_object *list;
	if (port && json_object_object_get_ex(ns, "Ports", &x) && json_object_is_type(x, json_type_object) &&
	    json_object_object_get_ex(x, key, &list) && json_object_is_type(list, json_type_array)) {
		/* The IPv4 binding first: it is what a connect to 127.0.0.1 reaches. */
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *b = json_object_array_get_idx(list, i);
			const char *hp = json_object_is_type(b, json_type_object) ? json_get_str(b, "HostPort") : NULL;
			const char *hip = hp ? json_get_str(b, "HostIp") : NULL;
			if (!hp || !*hp)
				continue;
			bool v4 = !hip || !strchr(hip, ':');
			if (!ret->host_port || (v4 && ret->host_ip && strchr(ret->host_ip, ':'))) {
				free(ret->host_port);
				free(ret->host_ip);
				ret->host_port = text_sanitize(xstrdup(hp));
				ret->host_ip = text_sanitize(xstrdup(hip ? hip : ""));
			}
		}
	}
	json_object_put(o);
	return 0;
}

int engine_container_endpoint(struct engine *e, const char *id, const char *network, unsigned port,
			      struct engine_endpoint *ret)
{
	if (!ref_ok(id))
		return fail(e, -EINVAL, "not a container id: %s", id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", id);
	json_object *o = NULL;
	int err = request_json(e, "GET", path, "container inspect", 200, NULL, json_type_object, &o);
	if (err < 0)
		return err;
	err = engine_endpoint_parse(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), network, port, ret);
	json_object_put(o);
	if (err < 0)
		return fail(e, err, "container inspect: the engine's answer holds no network settings");
	return 0;
}
