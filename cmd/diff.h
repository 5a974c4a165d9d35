/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_DIFF_H
#define NESTCHECK_DIFF_H

#include "core/result.h"

/*
 * How bad a status is, for `nestcheck diff`: pass and skip 0, warn 1, fail
 * and error 2. A check got worse when its badness rose (pass -> warn, skip ->
 * fail, warn -> error); pass <-> skip and fail <-> error are not changes.
 */
int status_badness(enum status s);

/* `nestcheck diff [--json] OLD.json NEW.json`: exit 1 when a check got worse. */
int diff_main(int argc, char **argv);

#endif
