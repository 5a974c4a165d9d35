/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_RUNTIME_H
#define NESTCHECK_PARSE_RUNTIME_H

/* Parsers for the runtime checks: tools' --version output, runc releases, LXCFS mounts. */

#include "core/dpkg.h"

#include <stdbool.h>
#include <stddef.h>

struct libmnt_table;
struct strv;

/*
 * The version a tool prints for --version: the first word that starts with
 * a digit (or "v" and a digit) and holds a dot, without quotes, a leading
 * "v" or a trailing comma ("Docker version 20.10.24+dfsg1, build 5d6db84"
 * -> "20.10.24+dfsg1"). -ENOENT when the output holds none.
 */
int tool_version_parse(const char *output, char **ret);

/*
 * What probe_tool_version recorded: "absent" when no binary was found,
 * else the binary's path on the first line and its output below it; a
 * second line "!timeout" or "!exec ERRNO" when it gave none.
 */
struct tool_run {
	bool absent;
	char *path;   /* NULL when absent */
	char *output; /* "" when it printed nothing */
	char *error;  /* "timeout", "exec ENOENT", ... or NULL */
};
int tool_run_parse(const char *value, struct tool_run *ret);
void tool_run_clear(struct tool_run *t);

/*
 * runc releases with the CVE-2025-52881 fix (sysctls written through a
 * detached procfs, which LXC's AppArmor profiles deny): 1.2.8+ on 1.2,
 * 1.3.3+ on 1.3, 1.4.0-rc.3 and later.
 */
bool runc_procfs_hardened(const char *version);

/* Whether proc/modules lists a module (its first column). */
bool proc_modules_has(const char *buf, const char *name);

/* Mount points of every fuse.lxcfs mount, in table order. */
void mounts_lxcfs_targets(struct libmnt_table *tb, struct strv *ret);

#endif
