/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fake peers on a unix socket for the engine client's tests: a sick engine
 * (hangs, garbage, junk JSON, closes at once, an endless answer) or a tiny
 * well-behaved one that answers fixed routes. Header-only: both the unit
 * tests (in a forked child) and tests/tools/fakepeer.c (for the shell tests)
 * include it.
 */
#ifndef NESTCHECK_FAKEPEER_H
#define NESTCHECK_FAKEPEER_H

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct fake_route {
	const char *method; /* "GET", "POST", "DELETE"; NULL: any */
	const char *path;   /* the request path without its query, e.g. "/version", "/v1.41/info" */
	int status;
	const char *body; /* sent as it is; may hold NULs only when body_len is set */
	size_t body_len;  /* 0: strlen(body) */
};

enum fake_mode {
	FAKE_HANG,    /* accept nothing and never answer */
	FAKE_GARBAGE, /* answer bytes that are not HTTP */
	FAKE_JUNK,    /* HTTP 200 with a body that is not JSON */
	FAKE_CLOSE,   /* close each connection at once */
	FAKE_MUTE,    /* read the request, close without an answer */
	FAKE_ENDLESS, /* HTTP 200 with a body that never ends */
	FAKE_ROUTES,  /* answer the routes; 404 for anything else */
};

static inline int fake_listen(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static inline void fake_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Where each request is logged: "METHOD PATH", its query ("?a=b") on a line
 * when it has one, then its body on a line when it is small enough to keep;
 * -1: nowhere.
 */
static int fake_log_fd = -1;

/* Read one request's head and body; its method and path (query cut) into the buffers. */
static inline int fake_read_request(int fd, char *method, size_t mlen, char *path, size_t plen)
{
	char buf[65536];
	size_t len = 0;
	char *end = NULL;
	while (!end) {
		if (len >= sizeof(buf) - 1)
			return -E2BIG;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -EIO;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	size_t head = (size_t)(end + 4 - buf), body = 0;
	char *cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl && cl < end)
		body = strtoul(cl + strlen("\r\nContent-Length:"), NULL, 10);
	/* Chunked bodies end with a zero chunk. */
	bool chunked = strcasestr(buf, "\r\nTransfer-Encoding: chunked") != NULL;
	size_t have = len - head;
	if (sscanf(buf, "%15s %1023s", method, path) != 2)
		return -EBADMSG;
	(void)mlen;
	(void)plen;
	char *q = strchr(path, '?'), query[1024] = "";
	if (q) {
		snprintf(query, sizeof(query), "%s", q);
		*q = '\0';
	}
	/* A body that fits stays whole in buf, for the log; a larger one is read over itself. */
	bool whole = !chunked && head + body < sizeof(buf);
	while (chunked ? !memmem(buf + head, have, "0\r\n\r\n", 5) : have < body) {
		size_t at = whole ? head + have : head;
		ssize_t n = read(fd, buf + at, sizeof(buf) - 1 - at);
		if (n <= 0)
			return -EIO;
		have = chunked ? (size_t)n : have + (size_t)n;
	}
	if (fake_log_fd >= 0) {
		dprintf(fake_log_fd, "%s %s\n", method, path);
		if (query[0])
			dprintf(fake_log_fd, "%s\n", query);
		if (whole && body > 0)
			dprintf(fake_log_fd, "%.*s\n", (int)body, buf + head);
	}
	return 0;
}

static inline void fake_answer(int fd, int status, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d Fake\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, len);
	fake_write_all(fd, head, (size_t)n);
	fake_write_all(fd, body, len);
}

static inline void fake_conn(int fd, enum fake_mode mode, const struct fake_route *routes, size_t n_routes)
{
	char method[16] = "", path[1024] = "";
	if (mode == FAKE_CLOSE)
		return;
	if (fake_read_request(fd, method, sizeof(method), path, sizeof(path)) < 0)
		return;
	switch (mode) {
	case FAKE_MUTE:
		return;
	case FAKE_GARBAGE:
		fake_write_all(fd, "SSH-2.0-OpenSSH_9.2\r\nthis is not HTTP\r\n\r\n", 41);
		return;
	case FAKE_JUNK:
		fake_answer(fd, 200, "{\"ApiVersion\": 1.41, oops", 25);
		return;
	case FAKE_ENDLESS: {
		static char chunk[65536];
		memset(chunk, 'a', sizeof(chunk));
		fake_write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", 51);
		for (;;) {
			ssize_t n = write(fd, chunk, sizeof(chunk));
			if (n <= 0)
				return;
		}
	}
	case FAKE_ROUTES:
		for (size_t i = 0; i < n_routes; i++) {
			if (routes[i].method && strcmp(routes[i].method, method) != 0)
				continue;
			if (strcmp(routes[i].path, path) != 0)
				continue;
			fake_answer(fd, routes[i].status, routes[i].body,
				    routes[i].body_len ? routes[i].body_len : strlen(routes[i].body));
			return;
		}
		fake_answer(fd, 404, "{\"message\":\"page not found\"}", 28);
		return;
	default:
		return;
	}
}

/* Serve forever on the listening socket fd (run it in a child, kill it when done). */
static inline void fake_serve(int lfd, enum fake_mode mode, const struct fake_route *routes, size_t n_routes)
{
	signal(SIGPIPE, SIG_IGN);
	if (mode == FAKE_HANG)
		for (;;)
			pause(); /* connections wait in the backlog: connect works, nothing answers */
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		fake_conn(fd, mode, routes, n_routes);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
}

/* A peer served by a forked child at a socket in a temp dir of its own (for the unit tests). */
struct fake_peer {
	char dir[64];
	char sock[96];
	pid_t pid;
};

/* 0, or -1 when the socket or the child cannot be made. */
static inline int fake_peer_start(struct fake_peer *p, const char *name, enum fake_mode mode,
				  const struct fake_route *routes, size_t n)
{
	snprintf(p->dir, sizeof(p->dir), "/tmp/nestcheck-peer.XXXXXX");
	if (!mkdtemp(p->dir))
		return -1;
	snprintf(p->sock, sizeof(p->sock), "%s/%s", p->dir, name);
	int fd = fake_listen(p->sock);
	if (fd < 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0) {
		close(fd);
		return -1;
	}
	if (p->pid == 0) {
		fake_serve(fd, mode, routes, n);
		_exit(0);
	}
	close(fd);
	return 0;
}

static inline void fake_peer_stop(struct fake_peer *p)
{
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	unlink(p->sock);
	rmdir(p->dir);
}

#endif
