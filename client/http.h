/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_HTTP_H
#define NESTCHECK_HTTP_H

#include "core/util.h"

#include <signal.h>

/*
 * HTTP over a unix socket (libcurl, loaded at run time): the one transport of
 * the Docker engine and LXD clients. Every request is bounded by one timeout
 * (connect and whole transfer) and one response size cap, and aborts when a
 * signal interrupts the run. Errors map to one set of negative errnos, each
 * with a line a person reads (http_error):
 *   -ENOENT no socket, -ECONNREFUSED nothing listens, -EACCES no permission,
 *   -ENOTSOCK not a socket, -ECONNRESET closed or broken, -ETIMEDOUT no
 *   answer in time, -EBADMSG not HTTP, -EFBIG answer over the cap, -EINTR
 *   interrupted, -EIO anything else.
 */

/*
 * SIGINT/SIGTERM: the handler sets client_interrupted to the signal number.
 * While client_armed is set (something was created that must be removed),
 * the first signal only interrupts: the running request aborts with -EINTR,
 * the caller cleans up, and client_interrupt_finish() ends the process with
 * that signal.
 */
extern volatile sig_atomic_t client_interrupted;
extern volatile sig_atomic_t client_armed;
void client_interrupt_finish(void);

/* Who answers on the socket, for the error lines. */
struct http_peer {
	const char *host;   /* the URL's host name: "docker", "lxd" */
	const char *name;   /* "the engine", "LXD" */
	const char *daemon; /* the program that should listen: "dockerd", "LXD" */
	const char *group;  /* the group whose members may connect: "docker", "lxd" */
	size_t max_response;
};

struct http;

/* NULL when libcurl cannot be loaded (dyn_error() says why) or not started. */
struct http *http_new(const char *socket_path, const struct http_peer *peer);
void http_free(struct http *h);
const char *http_socket(const struct http *h);
void http_set_timeout(struct http *h, long ms);
long http_timeout(const struct http *h);
/* Cleanup requests run on after an interrupt. */
void http_set_uninterruptible(struct http *h, bool on);
/* Show the upload's progress on the terminal under this label (NULL: none). */
void http_set_progress(struct http *h, const char *label);

/*
 * One request; headers NULL-terminated or NULL. 0 when an HTTP answer came
 * (any status): *ret_status, and http_body() holds its body (bytes, with a
 * NUL after them). Else a negative errno (above) and http_error().
 */
int http_request(struct http *h, const char *method, const char *path, const char *const *headers, const void *body,
		 size_t len, long *ret_status);
const char *http_body(const struct http *h, size_t *ret_len);
/* Whether the last request's whole body went out (an interrupted upload may still be processed). */
bool http_body_sent(const struct http *h);
/* The last error's line, "no error" when none. */
const char *http_error(const struct http *h);
/* Record an error of the protocol above (the engine's, LXD's): sets http_error(), returns err. */
int http_fail(struct http *h, int err, const char *fmt, ...) _printf_(3, 4);
/* A path segment %-escaped for a URL; newly allocated. */
char *http_escape(struct http *h, const char *s);

#endif
