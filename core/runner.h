/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_RUNNER_H
#define NESTCHECK_RUNNER_H

#include "check.h"
#include "context.h"

struct selection {
	struct strv only; /* empty: every check */
	struct strv skip;
	struct strv ignore; /* run and reported, but a fail counts as warn (--ignore) */
};

/* Whether sel names check c by id or by area prefix ("cgroup", "cgroup.layout"). */
bool selector_matches(const char *sel, const struct check *c);
/* Add a comma list to l; -EINVAL (with *ret_bad set) when an item names no check. */
int selection_add(struct strv *l, const char *list, const char **ret_bad);
bool selection_wants(const struct selection *s, const struct check *c);
void selection_clear(struct selection *s);

/*
 * The pass a check runs in: 0 the most, 1 those that read what ctx_prefetch() reads (the kernel
 * config, dpkg's status: CHECK_PREFETCH), 2 a gate (CHECK_GATE), when every other result is in. The report
 * keeps the table's order whatever the passes.
 */
unsigned runner_pass(const struct check *c);
/* Run the selected checks, each timed; one that breaks is ERROR and the rest still run. */
void runner_run(struct ctx *c, const struct selection *s, struct report *rep);
/*
 * Only the checks, their results appended to rep's (a report read from
 * elsewhere, as nestcheck lxd merges): the host description and the verdict
 * are the caller's (report_finish).
 */
void runner_run_checks(struct ctx *c, const struct selection *s, struct report *rep);

#endif
