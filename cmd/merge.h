/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_MERGE_H
#define NESTCHECK_MERGE_H

#include <stdbool.h>
#include <stddef.h>

/* `nestcheck merge [--json] REPORT.json|DIR...`: the fleet's roll-up; exit 1 when a system is not_ready. */
int merge_main(int argc, char **argv);

struct strv;
/*
 * The roll-up of the reports in args (files or directories) on stdout, human
 * or JSON, with junit a JUnit file of a testsuite per system, with html the
 * fleet's page; unchecked (or NULL) lists the systems that gave no
 * report, one line each ("web: ..."). Exit status: 0 none not_ready, 1 one is (or one was not checked), 2 nothing to
 * roll up or a report unreadable.
 */
int merge_run(char *const *args, size_t n, bool json, const char *junit, const char *html,
	      const struct strv *unchecked);

#endif
