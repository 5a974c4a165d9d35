/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_EMIT_H
#define NESTCHECK_EMIT_H

#include "core/result.h"

/* The report formats a run can write. */
enum report_format {
	FORMAT_HUMAN,
	FORMAT_JSON,
	FORMAT_JUNIT,
	FORMAT_TAP,
	FORMAT_NAGIOS,
	FORMAT_PROMETHEUS,
	_FORMAT_MAX,
};

/* One report to write: a format, into a file (replaced whole, atomically) or on stdout (path NULL). */
struct emit_target {
	enum report_format format;
	const char *path;
};

#define EMIT_TARGETS_MAX 16

/* What a run writes: every command that reports (nestcheck, nestcheck lxd|incus) writes it the same way. */
struct emit_opts {
	bool json;	   /* the JSON report on stdout, else the human one (coloured on a terminal, unless NO_COLOR) */
	bool strict;	   /* warnings make the exit status 1 */
	const char *junit; /* also JUnit XML into this file, or NULL */
	/* --report FORMAT[:PATH], in order; none on stdout: the human report (or --json's) is */
	struct emit_target targets[EMIT_TARGETS_MAX];
	size_t n_targets;
};

/* The format called name ("human", "json", ...); -EINVAL when there is none. */
int report_format_from_string(const char *name);
/*
 * --report FORMAT[:PATH] added to o: 0, or -1 with one line on stderr (an
 * unknown format, too many reports, two on stdout).
 */
int emit_add_report(struct emit_opts *o, const char *arg);
/* Whether the Nagios plugin output goes to stdout (the exit status then follows the plugin's codes). */
bool emit_nagios(const struct emit_opts *o);

/*
 * Write every output asked for. The exit status: 0 when no check failed (and,
 * with strict, none warned), 1 otherwise, 2 when an output could not be
 * written (one line on stderr); with the Nagios report on stdout, the plugin's
 * codes instead (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN: not written).
 */
int report_emit(const struct report *rep, const struct emit_opts *o);

#endif
