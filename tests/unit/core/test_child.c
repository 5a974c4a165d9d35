/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the one child runner (core/child.c): output capture and its cap,
 * exit status and signals, the deadline (killed and reaped, no zombie), a
 * child that closes its output but runs on, a process group killed whole;
 * each for a forked child and a quick one (vfork), and a quick one's signals.
 */
#include "core/child.h"
#include "core/util.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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

/* The tests that run twice: in a forked child, then a quick one (vfork). */
static bool quick_of(void **state)
{
	return *state != NULL && *(const bool *)*state;
}

static void test_output(void **state)
{
	const struct child_opts o = {.timeout_ms = 2000, .max_output = 100, .quick = quick_of(state)};
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
	const struct child_opts o = {.timeout_ms = 2000, .max_output = 10, .quick = quick_of(state)};
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
	const struct child_opts o = {.timeout_ms = 300, .max_output = 10, .quick = quick_of(state)};
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
	const struct child_opts o = {.timeout_ms = 300, .max_output = 10, .quick = quick_of(state)};
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
	const struct child_opts o = {.timeout_ms = 300, .max_output = 10, .own_group = true, .quick = quick_of(state)};
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

	/* A program starts with no signal blocked, whatever its caller blocks. */
	char *blocked[] = {"/bin/grep", "^SigBlk:", "/proc/self/status", NULL}; /* a shell would clear its mask */
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, &old);
	assert_int_equal(child_exec(blocked, env, &o, &r), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	assert_string_equal(r.out, "SigBlk:\t0000000000000000\n");
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
	const struct child_opts o = {
		.timeout_ms = 1000, .max_output = 10, .running = &running, .quick = quick_of(state)};
	struct child_result r;
	assert_int_equal(child_run(say_hello, "x", &o, &r), 0);
	assert_int_equal(running, 0); /* cleared once the child is gone */
	child_result_clear(&r);
}

/* A quick child writes what fits a pipe; the cap holds as for a forked one. */
static void say_some(void *arg, int out)
{
	char buf[4096];
	memset(buf, 'y', sizeof(buf));
	for (int i = 0; i < 4; i++)
		(void)!write(out, buf, sizeof(buf));
}

static void test_quick_cap(void **state)
{
	const struct child_opts o = {.timeout_ms = 5000, .max_output = 1000, .quick = true};
	struct child_result r;
	assert_int_equal(child_run(say_some, NULL, &o, &r), 0);
	assert_int_equal(r.out_len, 1000);
	assert_false(r.timed_out);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	child_result_clear(&r);
	assert_no_children();
}

static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig)
{
	usr1_seen++;
}

static void raise_usr1(void *arg, int out)
{
	raise(SIGUSR1);
	(void)!write(out, "alive", 5);
}

/* Whether SIGUSR2 and SIGALRM are blocked in the child, as two letters. */
static void say_mask(void *arg, int out)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	char buf[2] = {sigismember(&cur, SIGUSR2) ? 'B' : 'u', sigismember(&cur, SIGALRM) ? 'B' : 'u'};
	(void)!write(out, buf, 2);
}

/*
 * A quick child runs in this process's memory: a handler of this process must
 * not run in it (the signal's default kills the child), and this process's
 * mask is as it was afterwards; the child gets the mask it is given, without
 * SIGALRM (its deadline).
 */
static void test_quick_signals(void **state)
{
	struct sigaction sa = {.sa_handler = on_usr1}, old_sa;
	sigaction(SIGUSR1, &sa, &old_sa);
	sigset_t usr2, before, after;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &before);
	sigprocmask(SIG_BLOCK, NULL, &before);

	const struct child_opts o = {.timeout_ms = 2000, .max_output = 10, .quick = true};
	struct child_result r;
	assert_int_equal(child_run(raise_usr1, NULL, &o, &r), 0);
	assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGUSR1);
	assert_int_equal(r.out_len, 0);
	assert_false(r.timed_out);
	assert_int_equal(usr1_seen, 0);
	child_result_clear(&r);

	/* Its mask: nestcheck's at the start (SIGUSR2 blocked), or the one given (SIGALRM left out). */
	assert_int_equal(child_run(say_mask, NULL, &o, &r), 0);
	assert_string_equal(r.out, "Bu");
	child_result_clear(&r);
	sigset_t given;
	sigemptyset(&given);
	sigaddset(&given, SIGALRM);
	const struct child_opts og = {.timeout_ms = 2000, .max_output = 10, .quick = true, .mask = &given};
	assert_int_equal(child_run(say_mask, NULL, &og, &r), 0);
	assert_string_equal(r.out, "uu");
	child_result_clear(&r);

	sigprocmask(SIG_BLOCK, NULL, &after);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		assert_int_equal(sigismember(&before, sig), sigismember(&after, sig));
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	sigaction(SIGUSR1, &old_sa, NULL);
	assert_no_children();
}

int main(void)
{
	static bool quick = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output),
		cmocka_unit_test_prestate(test_output, &quick),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_quick_cap),
		cmocka_unit_test(test_status_and_signal),
		cmocka_unit_test_prestate(test_status_and_signal, &quick),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test_prestate(test_deadline, &quick),
		cmocka_unit_test(test_closed_output_then_lingers),
		cmocka_unit_test_prestate(test_closed_output_then_lingers, &quick),
		cmocka_unit_test(test_group_killed_whole),
		cmocka_unit_test_prestate(test_group_killed_whole, &quick),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_running_slot),
		cmocka_unit_test_prestate(test_running_slot, &quick),
		cmocka_unit_test(test_quick_signals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
