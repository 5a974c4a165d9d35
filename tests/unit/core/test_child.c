/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the one child runner (core/child.c): output capture and its cap,
 * exit status and signals, the deadline (killed and reaped, no zombie), a
 * child that closes its output but runs on, a process group killed whole.
 */
#include "core/child.h"
#include "core/util.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* No child of this process is left, running or a zombie. */
static void assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void say_hello(void *arg, int out)
{
	const char *s = arg;
	(void)!write(out, s, strlen(s));
}

static void say_lots(void *arg, int out)
{
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 64; i++)
		(void)!write(out, buf, sizeof(buf));
}

static void sleep_forever(void *arg, int out)
{
	for (;;)
		pause();
}

static void close_and_linger(void *arg, int out)
{
	(void)!write(out, "bye", 3);
	close(out);
	for (;;)
		pause();
}

static void die_by_signal(void *arg, int out)
{
	raise(SIGKILL);
}

static void exit_seven(void *arg, int out)
{
	_exit(7);
}

/* A grandchild that holds the pipe open: only killing the group ends it. */
static void fork_grandchild(void *arg, int out)
{
	if (fork() == 0)
		for (;;)
			pause();
	_exit(0);
}

static void test_output(void **state)
{
	const struct child_opts o = {.timeout_ms = 2000, .max_output = 100};
	struct child_result r;
	assert_int_equal(child_run(say_hello, "hello", &o, &r), 0);
	assert_string_equal(r.out, "hello");
	assert_int_equal(r.out_len, 5);
	assert_false(r.timed_out);
	assert_true(r.reaped);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	child_result_clear(&r);
	assert_no_children();
}

static void test_cap(void **state)
{
	const struct child_opts o = {.timeout_ms = 5000, .max_output = 1000};
	struct child_result r;
	assert_int_equal(child_run(say_lots, NULL, &o, &r), 0);
	assert_int_equal(r.out_len, 1000); /* the rest was read (the child did not block) and dropped */
	assert_false(r.timed_out);
	child_result_clear(&r);
	assert_no_children();
}

static void test_status_and_signal(void **state)
{
	const struct child_opts o = {.timeout_ms = 2000, .max_output = 10};
	struct child_result r;
	assert_int_equal(child_run(exit_seven, NULL, &o, &r), 0);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7);
	child_result_clear(&r);
	assert_int_equal(child_run(die_by_signal, NULL, &o, &r), 0);
	assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	assert_false(r.timed_out);
	child_result_clear(&r);
	assert_no_children();
}

static void test_deadline(void **state)
{
	const struct child_opts o = {.timeout_ms = 300, .max_output = 10};
	struct child_result r;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(child_run(sleep_forever, NULL, &o, &r), 0);
	long ms = elapsed_ms(&t0);
	assert_true(r.timed_out);
	assert_true(r.reaped);
	assert_true(ms >= 250 && ms < 2000);
	child_result_clear(&r);
	assert_no_children();
}

static void test_closed_output_then_lingers(void **state)
{
	const struct child_opts o = {.timeout_ms = 300, .max_output = 10};
	struct child_result r;
	assert_int_equal(child_run(close_and_linger, NULL, &o, &r), 0);
	assert_string_equal(r.out, "bye");
	assert_true(r.timed_out); /* it said its piece but would not exit */
	assert_true(r.reaped);
	child_result_clear(&r);
	assert_no_children();
}

static void test_group_killed_whole(void **state)
{
	const struct child_opts o = {.timeout_ms = 300, .max_output = 10, .own_group = true};
	struct child_result r;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(child_run(fork_grandchild, NULL, &o, &r), 0);
	assert_true(elapsed_ms(&t0) < 2000);
	assert_true(r.reaped);
	/* The grandchild held the pipe open: only the group's kill let the run end before its deadline. */
	assert_false(r.timed_out && elapsed_ms(&t0) >= 2000);
	child_result_clear(&r);
	assert_no_children();
}

static void test_exec(void **state)
{
	char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	char *env[] = {"PATH=/bin:/usr/bin", NULL};
	const struct child_opts o = {.timeout_ms = 2000, .max_output = 100, .stderr_apart = true};
	struct child_result r;
	assert_int_equal(child_exec(argv, env, &o, &r), 0);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "err\n");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	child_result_clear(&r);

	char *missing[] = {"/nonexistent/nestcheck-tool", NULL};
	assert_int_equal(child_exec(missing, env, &o, &r), 0);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
	child_result_clear(&r);
	assert_no_children();
}

static void test_running_slot(void **state)
{
	static volatile sig_atomic_t running = -1;
	const struct child_opts o = {.timeout_ms = 1000, .max_output = 10, .running = &running};
	struct child_result r;
	assert_int_equal(child_run(say_hello, "x", &o, &r), 0);
	assert_int_equal(running, 0); /* cleared once the child is gone */
	child_result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_status_and_signal),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_closed_output_then_lingers),
		cmocka_unit_test(test_group_killed_whole),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_running_slot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
