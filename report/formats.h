/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_FORMATS_H
#define NESTCHECK_FORMATS_H

#include "core/result.h"

#include <stdio.h>

/*
 * Reports for test harnesses and monitoring. Each returns 0, or a negative
 * errno when out failed.
 */

/* TAP version 13: a test point a check; skip as SKIP, warn, fail and error with a YAML block of fixes. */
int report_tap_write(const struct report *rep, FILE *out);

/* A Nagios/Icinga plugin's exit codes. */
enum {
	NAGIOS_OK = 0,
	NAGIOS_WARNING = 1,
	NAGIOS_CRITICAL = 2,
	NAGIOS_UNKNOWN = 3,
};
/* The plugin exit code of a verdict: ready OK, degraded WARNING, not_ready CRITICAL. */
int report_nagios_exit(enum verdict v);
/* One status line with performance data, then a line per error, fail and warn. */
int report_nagios_write(const struct report *rep, FILE *out);
/* The status line of a run that could not check anything (exit code NAGIOS_UNKNOWN). */
void report_nagios_unknown(FILE *out, const char *why);

/*
 * Prometheus's text format: nestcheck_info, nestcheck_verdict,
 * nestcheck_checks, nestcheck_check_status{id,area,status},
 * nestcheck_check_duration_seconds, nestcheck_last_run_timestamp_seconds and
 * nestcheck_run_duration_seconds (live runs); one HELP and TYPE a family,
 * base units, no timestamps.
 */
int report_prometheus_write(const struct report *rep, FILE *out);

#endif
