/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_EMIT_H
#define NESTCHECK_EMIT_H

#include "core/result.h"

/* What a run writes: every command that reports (nestcheck, nestcheck lxd) writes it the same way. */
struct emit_opts {
	bool json;	   /* the JSON report on stdout, else the human one (coloured on a terminal, unless NO_COLOR) */
	bool strict;	   /* warnings make the exit status 1 */
	const char *junit; /* also JUnit XML into this file, or NULL */
};

/*
 * Write every output asked for. The exit status: 0 when no check failed (and,
 * with strict, none warned), 1 otherwise, 2 when an output could not be
 * written (one line on stderr).
 */
int report_emit(const struct report *rep, const struct emit_opts *o);

#endif
