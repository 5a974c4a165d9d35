/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_POLICY_H
#define NESTCHECK_POLICY_H

#include "core/context.h"

/*
 * A site policy (--policy FILE), strict JSON:
 *   {"min_kernel": "5.4", "min_docker": "20.10", "min_lxc": "4.0",
 *    "min_lxcfs": "4.0", "min_lxd": "4.0", "must_pass": ["cgroup.layout"]}
 * Every key is optional; any other key is an error.
 */
struct policy;

/* Parse policy text: 0, or -EINVAL with a one-line reason in *ret_error (newly allocated). */
int policy_parse(const char *text, struct policy **ret, char **ret_error);
/* Read and parse FILE: as policy_parse, or a negative errno with the reason when it cannot be read. */
int policy_load(const char *path, struct policy **ret, char **ret_error);
void policy_free(struct policy *p);
static inline void policy_freep(struct policy **p)
{
	policy_free(*p);
}

/* policy.gate joins a run when a policy is given (ctx.policy). */
bool policy_wanted(struct ctx *c);

#endif
