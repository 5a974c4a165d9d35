/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakepeer SOCKET MODE [ROUTE...]: a fake Docker engine on a unix socket for
 * the shell tests; runs until killed. MODE: hang (connects, never answers),
 * garbage (answers bytes that are not HTTP), junk (HTTP 200, not JSON),
 * close (closes at once), mute (reads the request, closes), endless (an answer that never ends), routes
 * (answers each ROUTE, 404 for the rest). ROUTE: [METHOD:]PATH=STATUS:FILE,
 * e.g. /version=200:version.json or POST:/v1.41/containers/create=500:err.json.
 * With FAKEPEER_LOG=FILE each request is appended to FILE ("METHOD PATH", then
 * its body on a line when it is small), for tests of what a client sent.
 */
#include "fakepeer.h"

#include <fcntl.h>
#include <stdbool.h>

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char tmp[4096];
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	*ret_len = len;
	return buf;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = {"hang", "garbage", "junk", "close", "mute", "endless", "routes"};
	if (argc < 3) {
		fprintf(stderr, "usage: fakepeer SOCKET hang|garbage|junk|close|mute|endless|routes [ROUTE...]\n");
		return 2;
	}
	int mode = -1;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[2], modes[i]) == 0)
			mode = (int)i;
	if (mode < 0) {
		fprintf(stderr, "fakepeer: unknown mode %s\n", argv[2]);
		return 2;
	}
	size_t n = (size_t)(argc - 3);
	struct fake_route *routes = calloc(n ? n : 1, sizeof(*routes));
	for (size_t i = 0; i < n; i++) {
		char *arg = argv[3 + i], *eq = strchr(arg, '='), *colon;
		if (!eq || !(colon = strchr(eq, ':'))) {
			fprintf(stderr, "fakepeer: bad route %s (want [METHOD:]PATH=STATUS:FILE)\n", arg);
			return 2;
		}
		*eq = '\0';
		if (arg[0] != '/') {
			char *m = strchr(arg, ':');
			if (!m) {
				fprintf(stderr, "fakepeer: bad route %s\n", arg);
				return 2;
			}
			*m = '\0';
			routes[i].method = arg;
			arg = m + 1;
		}
		routes[i].path = arg;
		routes[i].status = atoi(eq + 1);
		routes[i].body = slurp(colon + 1, &routes[i].body_len);
		if (!routes[i].body) {
			fprintf(stderr, "fakepeer: cannot read %s: %s\n", colon + 1, strerror(errno));
			return 2;
		}
		if (routes[i].body_len == 0)
			routes[i].body = "", routes[i].body_len = 0;
	}
	const char *log = getenv("FAKEPEER_LOG");
	if (log && log[0] && (fake_log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "fakepeer: cannot open %s: %s\n", log, strerror(errno));
		return 2;
	}
	int fd = fake_listen(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "fakepeer: cannot listen on %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	fake_serve(fd, (enum fake_mode)mode, routes, n);
	return 1;
}
