/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_JUNIT_H
#define NESTCHECK_JUNIT_H

#include "core/result.h"

#include <stdio.h>

/*
 * The report as JUnit XML for CI systems: one <testsuite name="nestcheck SYSTEM">,
 * one <testcase classname="SYSTEM.AREA" name="ID"> per check, SYSTEM the
 * instance (nestcheck lxd|incus) or the host's name (left out when not known). fail is a <failure> (its
 * remediation as the body), error an <error>, skip <skipped>, warn passes with
 * its summary in <system-out>. Returns 0 or a negative errno when out failed.
 */
int report_junit_write(const struct report *rep, FILE *out);
/* Its <testsuite> element alone (for a document of many systems); fallback_name names a system that has no name. */
void report_junit_write_suite(const struct report *rep, const char *fallback_name, FILE *out);

#endif
