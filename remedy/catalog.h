/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CATALOG_H
#define NESTCHECK_CATALOG_H
#include "core/context.h"
/* A known failure of Docker on odd hosts and in LXD/LXC (failure-modes.md), with the texts that betray it. */
struct failure {
	const char *id;		     /* the catalog's id, e.g. "uidmap-too-small" (U1) */
	const char *code;	     /* "U1" */
	const char *title;	     /* one line */
	const char *cause;	     /* a few sentences, our own words */
	const char *const *patterns; /* NULL-terminated substrings (case-insensitive) or simple globs with '*' */
	/* Adds the fix to r: remediation steps with commands, host-side ones naming ctx_instance(c) in LXD. */
	void (*remedy)(struct ctx *c, struct result *r);
};
/*
 * The best-matching failure for an error text, or NULL. When several match, the most specific (longest pattern)
 * wins. Matching as failures.c explains: case-insensitive, '*' within one line, backslashes ignored.
 */
const struct failure *failure_match(const char *text);
/* The failure with this id ("loopback-down"), or NULL. */
const struct failure *failure_by_id(const char *id);
/* Every failure, for listing (NULL-terminated array). */
extern const struct failure *const failure_table[];
#endif
