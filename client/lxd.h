/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_LXD_CLIENT_H
#define NESTCHECK_LXD_CLIENT_H

#include "client/http.h"

struct json_object;

/*
 * A client of LXD's REST API over its unix socket, on the one transport
 * (client/http.h): its timeout, size cap, interrupt and error lines. Incus
 * (LXD's fork) answers the same API on its own socket, with its own header
 * names; the flavour says which daemon is spoken to. Functions return 0 or a
 * negative errno; lxd_error() then says why.
 */

#define LXD_TIMEOUT_MS	 30000
#define LXD_MAX_RESPONSE (16u << 20)

enum lxd_flavour {
	LXD_FLAVOUR_LXD,
	LXD_FLAVOUR_INCUS,
};

/*
 * The daemon's socket. LXD: $LXD_DIR/unix.socket, else the Debian or the snap
 * path. Incus: $INCUS_SOCKET, else $INCUS_DIR/unix.socket, else
 * /run/incus/unix.socket or /var/lib/incus/unix.socket. NULL (with what was
 * tried) when none.
 */
const char *lxd_socket_find(enum lxd_flavour f, char **ret_tried);

struct lxd;
/* NULL when libcurl cannot be loaded (dyn_error() says why). */
struct lxd *lxd_new(const char *socket_path, enum lxd_flavour f);
/* "LXD" or "Incus". */
const char *lxd_daemon_name(const struct lxd *l);
/* The prefix of the file API's headers: "X-LXD-" or "X-Incus-". */
const char *lxd_header_prefix(const struct lxd *l);
void lxd_free(struct lxd *l);
void lxd_set_timeout(struct lxd *l, long ms);
long lxd_timeout(const struct lxd *l);
void lxd_set_uninterruptible(struct lxd *l, bool on);
const char *lxd_error(const struct lxd *l);
int lxd_fail(struct lxd *l, int err, const char *fmt, ...) _printf_(3, 4);
/* A path segment %-escaped; newly allocated. */
char *lxd_escape(struct lxd *l, const char *s);

/* A raw request: 0 with *ret_status and lxd_body() when LXD answered. */
int lxd_request(struct lxd *l, const char *method, const char *path, const char *const *headers, const void *body,
		size_t len, long *ret_status);
const char *lxd_body(const struct lxd *l, size_t *ret_len);
/*
 * A request whose answer is LXD's JSON envelope: *ret gets its "metadata"
 * (a new reference, may be NULL) and *ret_op its "operation" for an async
 * answer. An error answer becomes -ENOENT (404) or -EIO with LXD's text.
 */
int lxd_call(struct lxd *l, const char *method, const char *path, const char *const *headers, const void *body,
	     size_t len, struct json_object **ret, char **ret_op);

#endif
