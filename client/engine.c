/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"
#include "core/progress.h"

#include <ctype.h>
#include "core/dynlib.h"
#include <json-c/json.h>
#include <sys/un.h>

volatile sig_atomic_t engine_interrupted;
volatile sig_atomic_t engine_armed;

void engine_interrupt_finish(void)
{
	int sig = engine_interrupted;
	if (!sig)
		return;
	progress_clear();
	engine_armed = 0;
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig); /* only when the signal is blocked */
}

/* ---------------------------------------------------------------- pure helpers */

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

/* A JSON value parsed from a buffer that may not be NUL-terminated where it ends. */
static json_object *json_parse_n(const char *buf, size_t len)
{
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o && json_tokener_get_parse_end(tok) < len) {
		/* Only whitespace may follow the value. */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!isspace((unsigned char)buf[i])) {
				json_object_put(o);
				o = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return o;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
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
		json_object *o = json_parse_n(body, len);
		const char *msg = json_str(o, "message");
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
		const char *msg = json_str(o, "error");
		if (!msg && json_object_object_get_ex(o, "errorDetail", &detail))
			msg = json_str(detail, "message");
		if (msg)
			err = peer_text(msg, strlen(msg), 1000);
		json_object_put(o);
	}
	json_tokener_free(tok);
	return err;
}

static char *json_strdup(json_object *o, const char *key)
{
	const char *s = json_str(o, key);
	return s ? text_sanitize(xstrdup(s)) : NULL;
}

int engine_version_parse(const char *json, struct engine_version *ret)
{
	json_object *o = json_parse_n(json, strlen(json));
	if (!o || !json_object_is_type(o, json_type_object) || !json_str(o, "ApiVersion")) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret = (struct engine_version){
		.version = json_strdup(o, "Version"),
		.api_version = json_strdup(o, "ApiVersion"),
		.min_api_version = json_strdup(o, "MinAPIVersion"),
		.os = json_strdup(o, "Os"),
		.arch = json_strdup(o, "Arch"),
		.kernel_version = json_strdup(o, "KernelVersion"),
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

int engine_list_parse(const char *json, struct engine_object **ret, size_t *ret_n)
{
	json_object *a = json_parse_n(json, strlen(json));
	if (!a || !json_object_is_type(a, json_type_array)) {
		json_object_put(a);
		return -EBADMSG;
	}
	size_t n = json_object_array_length(a);
	struct engine_object *v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i), *x;
		if (!json_object_is_type(o, json_type_object) || !json_str(o, "Id")) {
			engine_objects_free(v, n);
			json_object_put(a);
			return -EBADMSG;
		}
		v[i].id = json_strdup(o, "Id");
		v[i].state = json_strdup(o, "State");
		if (json_object_object_get_ex(o, "Created", &x))
			v[i].created = json_object_get_int64(x);
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

struct engine {
	CURL *curl;
	char *socket;
	char *prefix; /* "/v1.41" once negotiated */
	char api[16];
	long timeout_ms;
	bool uninterruptible;
	const char *progress;
	char *error;
	char errbuf[CURL_ERROR_SIZE];

	/* The request under way. */
	char *rbuf;
	size_t rlen, rcap;
	bool too_big;
	const char *up;
	size_t up_len, up_off;
	int last_pct;
};

struct engine *engine_new(const char *socket_path)
{
	static bool global_done;
	if (dyn_curl_load() < 0)
		return NULL;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_NOTHING);
		global_done = true;
	}
	struct engine *e = xcalloc(1, sizeof(*e));
	e->curl = curl_easy_init();
	if (!e->curl) {
		free(e);
		return NULL;
	}
	e->socket = xstrdup(socket_path);
	e->timeout_ms = ENGINE_TIMEOUT_QUICK_MS;
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	curl_easy_cleanup(e->curl);
	free(e->socket);
	free(e->prefix);
	free(e->error);
	free(e->rbuf);
	free(e);
}

const char *engine_socket(const struct engine *e)
{
	return e->socket;
}

void engine_set_timeout(struct engine *e, long ms)
{
	e->timeout_ms = ms > 0 ? ms : ENGINE_TIMEOUT_QUICK_MS;
}

long engine_timeout(const struct engine *e)
{
	return e->timeout_ms;
}

void engine_set_uninterruptible(struct engine *e, bool on)
{
	e->uninterruptible = on;
}

void engine_set_progress(struct engine *e, const char *label)
{
	e->progress = label;
	e->last_pct = -1;
}

const char *engine_error(const struct engine *e)
{
	return e->error ? e->error : "no error";
}

const char *engine_api(const struct engine *e)
{
	return e->api;
}

bool engine_body_sent(const struct engine *e)
{
	return e->up_len > 0 && e->up_off == e->up_len;
}

static int fail(struct engine *e, int err, const char *fmt, ...) _printf_(3, 4);
static int fail(struct engine *e, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(e->error);
	e->error = text_sanitize(xvasprintf(fmt, ap));
	va_end(ap);
	return err;
}

static size_t on_write(char *p, size_t size, size_t n, void *userdata)
{
	struct engine *e = userdata;
	size_t add = size * n;
	if (e->rlen + add > ENGINE_MAX_RESPONSE) {
		e->too_big = true;
		return 0;
	}
	if (e->rlen + add + 1 > e->rcap) {
		size_t cap = e->rcap ? e->rcap : 4096;
		while (cap < e->rlen + add + 1)
			cap *= 2;
		e->rbuf = xrealloc(e->rbuf, cap);
		e->rcap = cap;
	}
	memcpy(e->rbuf + e->rlen, p, add);
	e->rlen += add;
	e->rbuf[e->rlen] = '\0';
	return add;
}

static size_t on_read(char *dst, size_t size, size_t n, void *userdata)
{
	struct engine *e = userdata;
	size_t left = e->up_len - e->up_off, want = size * n;
	if (want > left)
		want = left;
	memcpy(dst, e->up + e->up_off, want);
	e->up_off += want;
	return want;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct engine *e = userdata;
	if (engine_interrupted && !e->uninterruptible)
		return 1;
	if (e->progress && ultotal > 0) {
		int pct = (int)(ulnow * 100 / ultotal);
		if (pct != e->last_pct) {
			e->last_pct = pct;
			if (pct < 100)
				progress_show("%s: %d%% of %lld KiB sent", e->progress, pct, (long long)ultotal / 1024);
			else
				progress_show("%s: sent, the engine unpacks it", e->progress);
		}
	}
	return 0;
}

static int request_failed(struct engine *e, CURLcode res, const char *method, const char *path)
{
	long oserr = 0;
	curl_easy_getinfo(e->curl, CURLINFO_OS_ERRNO, &oserr);
	const char *detail = e->errbuf[0] ? e->errbuf : curl_easy_strerror(res);

	switch (res) {
	case CURLE_COULDNT_CONNECT:
		if (oserr == ENOENT)
			return fail(e, -ENOENT, "no socket at %s: the engine is not running", e->socket);
		if (oserr == ECONNREFUSED)
			return fail(e, -ECONNREFUSED,
				    "nothing listens on %s (connection refused): dockerd is not running, and the "
				    "socket file is stale",
				    e->socket);
		if (oserr == EACCES || oserr == EPERM)
			return fail(e, -EACCES,
				    "permission denied on %s: run nestcheck as root or as a member of the docker group",
				    e->socket);
		if (oserr == ENOTSOCK)
			return fail(e, -ENOTSOCK, "%s is not a socket", e->socket);
		/* A unix socket connects at once; no errno then means the peer closed it straight away. */
		if (oserr == 0 || oserr == ECONNRESET || oserr == EPIPE)
			return fail(e, -ECONNRESET, "the engine at %s closed the connection as soon as it was made",
				    e->socket);
		return fail(e, oserr > 0 ? -(int)oserr : -EIO, "cannot connect to %s: %s", e->socket,
			    oserr > 0 ? strerror((int)oserr) : detail);
	case CURLE_OPERATION_TIMEDOUT:
		return fail(e, -ETIMEDOUT, "the engine at %s did not answer %s %s within %ld ms", e->socket, method,
			    path, e->timeout_ms);
	case CURLE_GOT_NOTHING:
		return fail(e, -ECONNRESET, "the engine at %s closed the connection without answering %s %s", e->socket,
			    method, path);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return fail(e, -EBADMSG, "the answer of %s to %s %s is not HTTP (%s)", e->socket, method, path, detail);
	case CURLE_ABORTED_BY_CALLBACK:
		return fail(e, -EINTR, "%s %s was interrupted by a signal", method, path);
	case CURLE_WRITE_ERROR:
		if (e->too_big)
			return fail(e, -EFBIG, "the answer of %s to %s %s is larger than %u MiB", e->socket, method,
				    path, ENGINE_MAX_RESPONSE >> 20);
		break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return fail(e, -ECONNRESET, "the connection to %s broke during %s %s (%s)", e->socket, method, path,
			    detail);
	default:
		break;
	}
	return fail(e, -EIO, "%s %s on %s failed: %s", method, path, e->socket, detail);
}

int engine_request(struct engine *e, const char *method, const char *path, const char *content_type, const void *body,
		   size_t len, struct engine_response *ret)
{
	*ret = (struct engine_response){0};
	if (engine_interrupted && !e->uninterruptible)
		return fail(e, -EINTR, "%s %s was not sent: interrupted by a signal", method, path);

	bool plain = !e->prefix || streq(path, "/version") || streq(path, "/_ping");
	_cleanup_free_ char *url = xasprintf("http://docker%s%s", plain ? "" : e->prefix, path);
	CURL *c = e->curl;
	struct curl_slist *headers = NULL;
	_cleanup_free_ char *ct = NULL;

	e->rlen = 0;
	e->too_big = false;
	if (e->rbuf)
		e->rbuf[0] = '\0';
	curl_unix_request_setup(c, e->socket, url, e->timeout_ms, e->errbuf, on_write, on_progress, e);
	/* No "Expect: 100-continue" round trip before a body. */
	headers = curl_slist_append(headers, "Expect:");
	if (content_type) {
		ct = xasprintf("Content-Type: %s", content_type);
		headers = curl_slist_append(headers, ct);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (streq(method, "POST")) {
		e->up = body ? body : "";
		e->up_len = body ? len : 0;
		e->up_off = 0;
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, e);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)e->up_len);
	} else if (!streq(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	CURLcode res = curl_easy_perform(c);
	curl_slist_free_all(headers);
	e->up = NULL;
	if (e->progress)
		progress_clear();
	if (res != CURLE_OK)
		return request_failed(e, res, method, path);

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	/* Bytes, not a string: a log stream holds NULs. */
	ret->body = xmalloc(e->rlen + 1);
	if (e->rlen)
		memcpy(ret->body, e->rbuf, e->rlen);
	ret->body[e->rlen] = '\0';
	ret->len = e->rlen;
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
		json_object *o = json_parse_n(r.body, r.len);
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
			    e->socket, t);
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
		char *esc = curl_easy_escape(e->curl, *c, 0);
		strbuf_appendf(&q, "&changes=%s", esc);
		curl_free(esc);
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
	json_object_object_add(o, "NetworkDisabled", json_object_new_boolean(true));
	json_object_object_add(hc, "NetworkMode", json_object_new_string("none"));
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(false));
	json_object_object_add(hc, "Privileged", json_object_new_boolean(spec->privileged));
	json_object_object_add(o, "HostConfig", hc);
	_cleanup_free_ char *body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);

	json_object *answer = NULL;
	int err =
		request_json(e, "POST", "/containers/create", "container create", 201, body, json_type_object, &answer);
	if (err < 0)
		return err;
	const char *id = json_str(answer, "Id");
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
	    json_str(err_obj, "Message") && *json_str(err_obj, "Message")) {
		err = fail(e, -EIO, "container wait: %s", json_str(err_obj, "Message"));
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
	char *esc = curl_easy_escape(e->curl, json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN), 0);
	json_object_put(f);
	_cleanup_free_ char *path =
		xasprintf("/%s/json?%sfilters=%s", kind, streq(kind, "containers") ? "all=1&" : "", esc);
	curl_free(esc);
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
