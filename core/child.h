/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CHILD_H
#define NESTCHECK_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * The one way nestcheck runs a child process: start it, run a function or a
 * program in it (it dies with nestcheck: PR_SET_PDEATHSIG), capture what it
 * writes through pipes with a size cap, wait for its output and its exit
 * within one deadline, then SIGKILL it (and its process group, when it leads
 * one) and reap it. A child stuck in the kernel even after SIGKILL (a hung
 * FUSE or NFS request) is waited for at most reap_ms and then left to init
 * rather than hanging nestcheck.
 */
struct child_opts {
	long timeout_ms;		/* output and exit, together */
	size_t max_output;		/* bytes kept of each stream; more is read and dropped */
	bool stderr_apart;		/* child_exec: stderr on a pipe of its own (else with stdout) */
	bool own_group;			/* the child leads a process group, killed whole at the end */
	long reap_ms;			/* after SIGKILL, how long to wait for the child to go; 0: 1000 */
	const sigset_t *mask;		/* child's mask; NULL: a function's is its caller's, a program's empty */
	volatile sig_atomic_t *running; /* set to the child's pid while it runs (for a signal handler) */
	/*
	 * child_run: the function writes less than a pipe holds (64 KiB) before it
	 * exits or execs, and touches no filesystem that can hang (NFS, FUSE).
	 * Then it runs in a vfork()ed child, in nestcheck's memory while nestcheck
	 * waits (a fork copies the page tables: about 5 times the cost); it stops
	 * itself at the deadline (SIGALRM, default action) and frees what it
	 * allocates. Stuck in the kernel it would hold nestcheck too: reap_ms is
	 * for forked children. child_exec starts its program this way (the wait
	 * ends at the exec).
	 */
	bool quick;
};

struct child_result {
	char *out, *err; /* NUL-terminated; may hold NULs before out_len / err_len */
	size_t out_len, err_len;
	int status;	/* waitpid's status, when reaped */
	bool timed_out; /* it was still running (or writing) at the deadline */
	bool reaped;	/* false: stuck even after SIGKILL, left behind */
};
void child_result_clear(struct child_result *r);

/* In the child: fn writes its answer to out (a pipe), then returns; the child then exits 0. */
typedef void (*child_fn)(void *arg, int out);
/* 0 with *ret filled (check timed_out and reaped), or a negative errno when no child could be started. */
int child_run(child_fn fn, void *arg, const struct child_opts *o, struct child_result *ret);
/*
 * argv[0] (an absolute path) with envp, stdin from /dev/null, stdout and
 * stderr captured; a program that cannot be executed exits 127.
 */
int child_exec(char *const argv[], char *const envp[], const struct child_opts *o, struct child_result *ret);

#endif
