/* SPDX-License-Identifier: Apache-2.0 */
#include "lxd.h"
#include "core/json.h"
#include "core/util.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static const struct http_peer peers[] = {
	[LXD_FLAVOUR_LXD] =
		{
			.host = "lxd",
			.name = "LXD",
			.daemon = "LXD",
			.group = "lxd",
			.max_response = LXD_MAX_RESPONSE,
		},
	/* Incus's unix socket is 0660, group incus-admin (incus-user's socket is another one). */
	[LXD_FLAVOUR_INCUS] =
		{
			.host = "incus",
			.name = "Incus",
			.daemon = "Incus",
			.group = "incus-admin",
			.max_response = LXD_MAX_RESPONSE,
		},
};

struct lxd {
	struct http *http;
	enum lxd_flavour flavour;
};

/* The first candidate that exists; else NULL and *ret_tried lists them. */
static const char *socket_first(const char *const *cands, size_t n, char **ret_tried)
{
	for (size_t i = 0; i < n; i++)
		if (access(cands[i], F_OK) == 0)
			return cands[i];
	struct strbuf sb = {0};
	for (size_t i = 0; i < n; i++)
		strbuf_appendf(&sb, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", cands[i]);
	*ret_tried = strbuf_take(&sb);
	return NULL;
}

const char *lxd_socket_find(enum lxd_flavour f, char **ret_tried)
{
	static char buf[4096];
	if (f == LXD_FLAVOUR_INCUS) {
		const char *sock = getenv("INCUS_SOCKET"), *dir = getenv("INCUS_DIR");
		if (sock && sock[0])
			snprintf(buf, sizeof(buf), "%s", sock);
		else if (dir && dir[0])
			snprintf(buf, sizeof(buf), "%s/unix.socket", dir);
		if ((sock && sock[0]) || (dir && dir[0])) {
			const char *const one[] = {buf};
			return socket_first(one, 1, ret_tried);
		}
		static const char *const cands[] = {"/run/incus/unix.socket", "/var/lib/incus/unix.socket"};
		return socket_first(cands, ARRAY_SIZE(cands), ret_tried);
	}
	const char *dir = getenv("LXD_DIR");
	if (dir && dir[0]) {
		snprintf(buf, sizeof(buf), "%s/unix.socket", dir);
		const char *const one[] = {buf};
		return socket_first(one, 1, ret_tried);
	}
	static const char *const cands[] = {"/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket"};
	return socket_first(cands, ARRAY_SIZE(cands), ret_tried);
}

struct lxd *lxd_new(const char *socket_path, enum lxd_flavour f)
{
	struct http *h = http_new(socket_path, &peers[f]);
	if (!h)
		return NULL;
	http_set_timeout(h, LXD_TIMEOUT_MS);
	struct lxd *l = xcalloc(1, sizeof(*l));
	l->http = h;
	l->flavour = f;
	return l;
}

const char *lxd_daemon_name(const struct lxd *l)
{
	return peers[l->flavour].name;
}

const char *lxd_header_prefix(const struct lxd *l)
{
	return l->flavour == LXD_FLAVOUR_INCUS ? "X-Incus-" : "X-LXD-";
}

void lxd_free(struct lxd *l)
{
	if (!l)
		return;
	http_free(l->http);
	free(l);
}

void lxd_set_timeout(struct lxd *l, long ms)
{
	http_set_timeout(l->http, ms);
}

long lxd_timeout(const struct lxd *l)
{
	return http_timeout(l->http);
}

void lxd_set_uninterruptible(struct lxd *l, bool on)
{
	http_set_uninterruptible(l->http, on);
}

const char *lxd_error(const struct lxd *l)
{
	return http_error(l->http);
}

int lxd_fail(struct lxd *l, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *text = xvasprintf(fmt, ap);
	va_end(ap);
	return http_fail(l->http, err, "%s", text);
}

char *lxd_escape(struct lxd *l, const char *s)
{
	return http_escape(l->http, s);
}

int lxd_request(struct lxd *l, const char *method, const char *path, const char *const *headers, const void *body,
		size_t len, long *ret_status)
{
	return http_request(l->http, method, path, headers, body, len, ret_status);
}

const char *lxd_body(const struct lxd *l, size_t *ret_len)
{
	return http_body(l->http, ret_len);
}

/*
 * A request whose answer is LXD's JSON envelope: *ret gets its "metadata"
 * (a new reference, may be NULL) and *ret_op its "operation" for an async
 * answer. An error answer becomes -ENOENT (404) or -EIO with LXD's text.
 */
int lxd_call(struct lxd *l, const char *method, const char *path, const char *const *headers, const void *body,
	     size_t len, json_object **ret, char **ret_op)
{
	long status = 0;
	int err = lxd_request(l, method, path, headers, body, len, &status);
	if (err < 0)
		return err;
	size_t blen;
	const char *b = lxd_body(l, &blen);
	json_object *root = json_read(b, blen), *v;
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return lxd_fail(l, -EBADMSG, "%s's answer to %s %s is not JSON (HTTP %ld)", lxd_daemon_name(l), method,
				path, status);
	}
	const char *type = json_object_object_get_ex(root, "type", &v) ? json_object_get_string(v) : NULL;
	if (status >= 400 || !type || streq(type, "error")) {
		const char *msg = json_object_object_get_ex(root, "error", &v) ? json_object_get_string(v) : NULL;
		err = lxd_fail(l, status == 404 ? -ENOENT : -EIO, "%s %s: %s", method, path,
			       msg && msg[0] ? msg : "the daemon answered with an error");
		json_object_put(root);
		return err;
	}
	if (ret)
		*ret = json_object_object_get_ex(root, "metadata", &v) ? json_object_get(v) : NULL;
	if (ret_op)
		*ret_op = json_object_object_get_ex(root, "operation", &v) && json_object_is_type(v, json_type_string)
				  ? xstrdup(json_object_get_string(v))
				  : NULL;
	json_object_put(root);
	return 0;
}
