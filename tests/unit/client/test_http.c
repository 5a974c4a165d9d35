/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the one HTTP-over-unix-socket transport (client/http.c) that the
 * engine and LXD clients share: its error mapping (one errno and one line per
 * kind of failure, in the peer's words), its size cap and its interruption.
 */
#include "client/http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "tests/tools/fakepeer.h"

static const struct http_peer lxd_like = {
	.host = "lxd", .name = "LXD", .daemon = "LXD", .group = "lxd", .max_response = 1024};

static void peer_start(struct fake_peer *p, enum fake_mode mode, const struct fake_route *routes, size_t n)
{
	assert_int_equal(fake_peer_start(p, "unix.socket", mode, routes, n), 0);
}

/* One GET /1.0 against a peer in mode: the errno, and the line in *ret (copied). */
static int get(enum fake_mode mode, const struct fake_route *routes, size_t n, long timeout_ms, char **ret)
{
	struct fake_peer p;
	long status = 0;
	peer_start(&p, mode, routes, n);
	struct http *h = http_new(p.sock, &lxd_like);
	assert_non_null(h);
	http_set_timeout(h, timeout_ms);
	int err = http_request(h, "GET", "/1.0", NULL, NULL, 0, &status);
	*ret = xstrdup(err < 0 ? http_error(h) : http_body(h, NULL));
	http_free(h);
	fake_peer_stop(&p);
	return err;
}

static void test_answers(void **state)
{
	static const struct fake_route routes[] = {{"GET", "/1.0", 200, "{\"type\":\"sync\"}\n", 0}};
	char *body;
	assert_int_equal(get(FAKE_ROUTES, routes, 1, 2000, &body), 0);
	assert_string_equal(body, "{\"type\":\"sync\"}\n");
	free(body);
}

static void test_mapping_in_the_peers_words(void **state)
{
	char *why;
	assert_int_equal(get(FAKE_HANG, NULL, 0, 300, &why), -ETIMEDOUT);
	assert_non_null(strstr(why, "LXD at "));
	assert_non_null(strstr(why, "did not answer GET /1.0 within 300 ms"));
	free(why);
	assert_int_equal(get(FAKE_GARBAGE, NULL, 0, 2000, &why), -EBADMSG);
	assert_non_null(strstr(why, "is not HTTP"));
	free(why);
	assert_int_equal(get(FAKE_MUTE, NULL, 0, 2000, &why), -ECONNRESET);
	assert_non_null(strstr(why, "LXD at "));
	assert_non_null(strstr(why, "closed the connection without answering GET /1.0"));
	free(why);
}

/* The cap is the peer's: a 1 KiB cap refuses a longer answer, whole. */
static void test_size_cap(void **state)
{
	char *why;
	assert_int_equal(get(FAKE_ENDLESS, NULL, 0, 2000, &why), -EFBIG);
	assert_non_null(strstr(why, "larger than 1 KiB"));
	free(why);
}

static void test_no_socket_and_not_a_socket(void **state)
{
	long status;
	struct http *h = http_new("/nonexistent/nestcheck/unix.socket", &lxd_like);
	assert_int_equal(http_request(h, "GET", "/1.0", NULL, NULL, 0, &status), -ENOENT);
	assert_non_null(strstr(http_error(h), "no socket at /nonexistent/nestcheck/unix.socket: LXD is not running"));
	http_free(h);

	char dir[] = "/tmp/nestcheck-http.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plain", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	h = http_new(path, &lxd_like);
	int err = http_request(h, "GET", "/1.0", NULL, NULL, 0, &status);
	assert_true(err == -ECONNREFUSED || err == -ENOTSOCK);
	if (err == -ECONNREFUSED)
		assert_non_null(strstr(http_error(h), "LXD is not running, and the socket file is stale"));
	http_free(h);
	unlink(path);
	rmdir(dir);
}

/* Interrupted: nothing is sent, unless the request is a cleanup. */
static void test_interrupted(void **state)
{
	static const struct fake_route routes[] = {{"DELETE", "/1.0", 200, "{}", 0}};
	struct fake_peer p;
	long status = 0;
	peer_start(&p, FAKE_ROUTES, routes, 1);
	struct http *h = http_new(p.sock, &lxd_like);
	client_interrupted = SIGINT;
	assert_int_equal(http_request(h, "DELETE", "/1.0", NULL, NULL, 0, &status), -EINTR);
	assert_non_null(strstr(http_error(h), "was not sent: interrupted by a signal"));
	http_set_uninterruptible(h, true);
	assert_int_equal(http_request(h, "DELETE", "/1.0", NULL, NULL, 0, &status), 0);
	assert_int_equal(status, 200);
	client_interrupted = 0;
	http_free(h);
	fake_peer_stop(&p);
}

static void test_fail_and_escape(void **state)
{
	struct http *h = http_new("/x", &lxd_like);
	assert_string_equal(http_error(h), "no error");
	assert_int_equal(http_fail(h, -EIO, "a %s with \033]52;c;x\a escapes", "line"), -EIO);
	assert_null(strchr(http_error(h), '\033'));
	char *e = http_escape(h, "/opt/a b");
	assert_string_equal(e, "%2Fopt%2Fa%20b");
	free(e);
	http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),	    cmocka_unit_test(test_mapping_in_the_peers_words),
		cmocka_unit_test(test_size_cap),    cmocka_unit_test(test_no_socket_and_not_a_socket),
		cmocka_unit_test(test_interrupted), cmocka_unit_test(test_fail_and_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
