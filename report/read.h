/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_REPORT_READ_H
#define NESTCHECK_REPORT_READ_H

#include "core/check.h"
#include "core/result.h"

/*
 * The contract's JSON report read back into the result model, e.g. the
 * report a nestcheck run inside an LXD instance printed. Checks this build
 * does not know (an older or newer nestcheck inside) are kept with the id,
 * area and title the report gave: their struct check lives in *checks,
 * which must outlive the report.
 */
struct report_checks {
	struct check **v;
	size_t n, cap;
	size_t *slots; /* open addressing over v by (id, area, title): index + 1, 0 when empty */
	size_t n_slots;
};
void report_checks_clear(struct report_checks *checks);

/*
 * 0 and *ret filled (counts and verdict recomputed from the statuses);
 * -EBADMSG when json is not a report of the contract (schema_version 1),
 * with the reason in *ret_error (newly allocated).
 */
int report_read(const char *json, size_t len, struct report *ret, struct report_checks *checks, char **ret_error);

#endif
