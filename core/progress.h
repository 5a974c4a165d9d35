/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROGRESS_H
#define NESTCHECK_PROGRESS_H

#include "util.h"

/*
 * A one-line progress display on stderr, rewritten in place with '\r',
 * during the slow parts of a run (image import, launches). Only when stderr
 * is a terminal: otherwise these do nothing, so that logs and pipes stay
 * clean.
 */
void progress_show(const char *fmt, ...) _printf_(1, 2);
/* Erase the line, if one is shown. */
void progress_clear(void);

#endif
