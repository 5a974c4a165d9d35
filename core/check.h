/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CHECK_H
#define NESTCHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct ctx;
struct result;

/* One check: a descriptor in checks/table.c's ordered table. */
enum check_flags {
	CHECK_LIVE = 1 << 0, /* has a live probe, replayed from observations */
	CHECK_GATE = 1 << 1, /* judges the run itself: runs after the others, whatever --only says */
	/*
	 * Reads what ctx_prefetch() reads in threads of its own (the kernel config, dpkg's status):
	 * runs after the other checks, while they are read. Only for a check whose facts the other
	 * checks' probes leave as they were: a test mount loads overlay, a table listing loads
	 * iptable_nat, so modules.required and overlay.support keep their places.
	 */
	CHECK_PREFETCH = 1 << 2,
};

struct check {
	const char *id;
	const char *area;
	const char *title;
	unsigned flags;
	/* 0 when a verdict was reached (fail included); negative errno when the checker broke. */
	int (*run)(struct ctx *c, struct result *r);
	/* NULL: always part of a run. Else the check joins a run only when its input is there. */
	bool (*wanted)(struct ctx *c);
};

extern const struct check check_table[];
extern const size_t check_table_size;

/*
 * A check whose probes start in a thread (host_ahead()) while the checks
 * before it run: once the check named after has run, or at the start (after
 * NULL, or that check takes no part). Only when the check itself takes part.
 */
struct check_ahead {
	const char *id;
	const char *after;
	void (*start)(struct ctx *c);
};
extern const struct check_ahead check_ahead_table[];
extern const size_t check_ahead_table_size;

#endif
