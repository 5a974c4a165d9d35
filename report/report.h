/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_REPORT_H
#define NESTCHECK_REPORT_H

#include "core/result.h"

#include <stdio.h>

/* Renderers: they read the report and decide nothing. */
void report_human_write(const struct report *rep, FILE *out, bool colour);
int report_json_write(const struct report *rep, FILE *out);

/*
 * Where a fix runs, in words: "on the host", "in the container", or "on this
 * machine" for a container-side fix when nestcheck does not run in a container
 * (runtime "none"), where there is no container to speak of.
 */
const char *report_fix_side(enum where w, const char *container_runtime);
/* A time (seconds since the epoch) as RFC 3339 in UTC, "2026-12-05T22:10:00Z". */
void report_time_rfc3339(double t, char *buf, size_t n);
/* The remediation of r as the human report words it ("fix (on the host): ...", "$ cmd"), without wrapping. */
void report_remedies_plain(const struct result *r, const char *container_runtime, FILE *out);

#endif
