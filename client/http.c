/* SPDX-License-Identifier: Apache-2.0 */
#include "http.h"
#include "core/dynlib.h"
#include "core/progress.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t client_interrupted;
volatile sig_atomic_t client_armed;

void client_interrupt_finish(void)
{
	int sig = client_interrupted;
	if (!sig)
		return;
	progress_clear();
	client_armed = 0;
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig); /* only when the signal is blocked */
}

struct http {
	CURL *curl;
	char *socket;
	struct http_peer peer;
	long timeout_ms;
	bool uninterruptible;
	const char *progress;
	int last_pct;
	char *error;
	char errbuf[CURL_ERROR_SIZE];

	/* The request under way. */
	struct strbuf rbuf;
	bool too_big;
	const char *up;
	size_t up_len, up_off;
};

struct http *http_new(const char *socket_path, const struct http_peer *peer)
{
	static bool global_done;
	if (dyn_curl_load() < 0)
		return NULL;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_NOTHING);
		global_done = true;
	}
	struct http *h = xcalloc(1, sizeof(*h));
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return NULL;
	}
	h->socket = xstrdup(socket_path);
	h->peer = *peer;
	h->timeout_ms = 5000;
	return h;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h->socket);
	free(h->error);
	free(h->rbuf.buf);
	free(h);
}

const char *http_socket(const struct http *h)
{
	return h->socket;
}

void http_set_timeout(struct http *h, long ms)
{
	h->timeout_ms = ms;
}

long http_timeout(const struct http *h)
{
	return h->timeout_ms;
}

void http_set_uninterruptible(struct http *h, bool on)
{
	h->uninterruptible = on;
}

void http_set_progress(struct http *h, const char *label)
{
	h->progress = label;
	h->last_pct = -1;
}

const char *http_body(const struct http *h, size_t *ret_len)
{
	if (ret_len)
		*ret_len = h->rbuf.len;
	return h->rbuf.buf ? h->rbuf.buf : "";
}

bool http_body_sent(const struct http *h)
{
	return h->up_len > 0 && h->up_off == h->up_len;
}

const char *http_error(const struct http *h)
{
	return h->error ? h->error : "no error";
}

int http_fail(struct http *h, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(h->error);
	h->error = text_sanitize(xvasprintf(fmt, ap));
	va_end(ap);
	return err;
}

char *http_escape(struct http *h, const char *s)
{
	char *esc = curl_easy_escape(h->curl, s, 0);
	char *ret = xstrdup(esc ? esc : "");
	curl_free(esc);
	return ret;
}

static bool interrupted(const struct http *h)
{
	return client_interrupted && !h->uninterruptible;
}

static size_t on_write(char *p, size_t size, size_t n, void *userdata)
{
	struct http *h = userdata;
	size_t add = size * n;
	if (h->rbuf.len + add > h->peer.max_response) {
		h->too_big = true;
		return 0;
	}
	if (h->rbuf.len + add + 1 > h->rbuf.cap) {
		size_t cap = h->rbuf.cap ? h->rbuf.cap : 4096;
		while (cap < h->rbuf.len + add + 1)
			cap *= 2;
		h->rbuf.buf = xrealloc(h->rbuf.buf, cap);
		h->rbuf.cap = cap;
	}
	memcpy(h->rbuf.buf + h->rbuf.len, p, add);
	h->rbuf.len += add;
	h->rbuf.buf[h->rbuf.len] = '\0';
	return add;
}

static size_t on_read(char *dst, size_t size, size_t n, void *userdata)
{
	struct http *h = userdata;
	size_t left = h->up_len - h->up_off, want = size * n;
	if (want > left)
		want = left;
	memcpy(dst, h->up + h->up_off, want);
	h->up_off += want;
	return want;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct http *h = userdata;
	if (interrupted(h))
		return 1;
	if (h->progress && ultotal > 0) {
		int pct = (int)(ulnow * 100 / ultotal);
		if (pct != h->last_pct) {
			h->last_pct = pct;
			if (pct < 100)
				progress_show("%s: %d%% of %lld KiB sent", h->progress, pct, (long long)ultotal / 1024);
			else
				progress_show("%s: sent, %s unpacks it", h->progress, h->peer.name);
		}
	}
	return 0;
}

/* The one mapping of a failed transfer to an errno and a line. */
static int request_failed(struct http *h, CURLcode res, const char *method, const char *path)
{
	long oserr = 0;
	curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &oserr);
	const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(res);
	const char *who = h->peer.name, *sock = h->socket;

	switch (res) {
	case CURLE_COULDNT_CONNECT:
		if (oserr == ENOENT)
			return http_fail(h, -ENOENT, "no socket at %s: %s is not running", sock, who);
		if (oserr == ECONNREFUSED)
			return http_fail(h, -ECONNREFUSED,
					 "nothing listens on %s (connection refused): %s is not running, and the "
					 "socket file is stale",
					 sock, h->peer.daemon);
		if (oserr == EACCES || oserr == EPERM)
			return http_fail(
				h, -EACCES,
				"permission denied on %s: run nestcheck as root or as a member of the %s group", sock,
				h->peer.group);
		if (oserr == ENOTSOCK)
			return http_fail(h, -ENOTSOCK, "%s is not a socket", sock);
		/* A unix socket connects at once; no errno then means the peer closed it straight away. */
		if (oserr == 0 || oserr == ECONNRESET || oserr == EPIPE)
			return http_fail(h, -ECONNRESET, "%s at %s closed the connection as soon as it was made", who,
					 sock);
		return http_fail(h, oserr > 0 ? -(int)oserr : -EIO, "cannot connect to %s: %s", sock,
				 oserr > 0 ? strerror((int)oserr) : detail);
	case CURLE_OPERATION_TIMEDOUT:
		return http_fail(h, -ETIMEDOUT, "%s at %s did not answer %s %s within %ld ms", who, sock, method, path,
				 h->timeout_ms);
	case CURLE_GOT_NOTHING:
		return http_fail(h, -ECONNRESET, "%s at %s closed the connection without answering %s %s", who, sock,
				 method, path);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return http_fail(h, -EBADMSG, "the answer of %s to %s %s is not HTTP (%s)", sock, method, path, detail);
	case CURLE_ABORTED_BY_CALLBACK:
		return http_fail(h, -EINTR, "%s %s was interrupted by a signal", method, path);
	case CURLE_WRITE_ERROR:
		if (h->too_big)
			return http_fail(h, -EFBIG, "the answer of %s to %s %s is larger than %zu %s", sock, method,
					 path, h->peer.max_response >> (h->peer.max_response >= 1u << 20 ? 20 : 10),
					 h->peer.max_response >= 1u << 20 ? "MiB" : "KiB");
		break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return http_fail(h, -ECONNRESET, "the connection to %s broke during %s %s (%s)", sock, method, path,
				 detail);
	default:
		break;
	}
	return http_fail(h, -EIO, "%s %s on %s failed: %s", method, path, sock, detail);
}

int http_request(struct http *h, const char *method, const char *path, const char *const *headers, const void *body,
		 size_t len, long *ret_status)
{
	if (interrupted(h))
		return http_fail(h, -EINTR, "%s %s was not sent: interrupted by a signal", method, path);

	_cleanup_free_ char *url = xasprintf("http://%s%s", h->peer.host, path);
	CURL *c = h->curl;
	/* No "Expect: 100-continue" round trip before a body. */
	struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);

	h->rbuf.len = 0;
	if (h->rbuf.buf)
		h->rbuf.buf[0] = '\0';
	h->too_big = false;
	h->errbuf[0] = '\0';
	h->up = NULL;
	h->up_len = h->up_off = 0;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket);
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (streq(method, "POST") || streq(method, "PUT")) {
		/* Streamed from memory, so that a large upload shows its progress and can be interrupted. */
		h->up = body ? body : "";
		h->up_len = body ? len : 0;
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->up_len);
		if (streq(method, "PUT"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (!streq(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	CURLcode res = curl_easy_perform(c);
	curl_slist_free_all(hl);
	h->up = NULL;
	if (h->progress)
		progress_clear();
	if (!h->rbuf.buf)
		h->rbuf.buf = xstrdup("");
	if (res != CURLE_OK)
		return request_failed(h, res, method, path);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
	return 0;
}
