/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_REPORT_H
#define NESTCHECK_REPORT_H

#include "core/result.h"

#include <stdio.h>

/* Renderers: they read the report and decide nothing. */
void report_human_write(const struct report *rep, FILE *out, bool colour);
int report_json_write(const struct report *rep, FILE *out);

#endif
