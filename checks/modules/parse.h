/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_MODULES_H
#define NESTCHECK_PARSE_MODULES_H

/* Parsers of the kernel's module lists. They take buffers, so tests feed them strings. */

#include <stdbool.h>

#include "core/util.h"

/*
 * The kernel treats '-' and '_' in module names alike ("br-netfilter" loads
 * br_netfilter): names are compared and stored with '_' only.
 */
char *module_name_normalize(char *name);
bool module_name_valid(const char *name, size_t len);

/*
 * proc/modules: "overlay 151552 0 - Live 0x0000000000000000", one module a
 * line. *ret gets the normalized names of the modules that are in use
 * (state Live or Loading; Unloading ones are on their way out). Empty lines
 * are skipped; any other malformed line makes it -EBADMSG (*ret untouched).
 */
int proc_modules_parse(const char *buf, struct strv *ret);

/*
 * lib/modules/R/modules.builtin: "kernel/fs/overlayfs/overlay.ko", the paths
 * the built-in modules would have had. *ret gets their normalized names.
 * -EBADMSG on a line that is not such a path (*ret untouched).
 */
int modules_builtin_parse(const char *buf, struct strv *ret);

#endif
