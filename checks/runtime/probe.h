/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_RUNTIME_H
#define NESTCHECK_PROBE_RUNTIME_H

/* Live probes of the runtime checks; run only through host_observe(). */

/* A tool to ask for its version: the first of names found in the system's bin dirs (or, absolute, where named). */
struct tool_probe {
	const char *const *names; /* NULL-terminated candidates, in order */
	const char *arg;	  /* "--version" */
};

/* Longest a tool may take to print its version before it is killed. */
#define TOOL_PROBE_TIMEOUT_MS 2000

/*
 * Run the first binary of userdata's (struct tool_probe) names with its
 * argument, no shell, stdout and stderr on a pipe, killed (with anything it
 * started) after TOOL_PROBE_TIMEOUT_MS. Value as tool_run_parse() reads it:
 * "absent", or the path and what the tool printed (its first lines).
 */
int probe_tool_version(void *userdata, char **ret);

/*
 * Open and read the file at userdata (an absolute path) in a child, so that
 * a FUSE daemon that hangs cannot hang nestcheck: "ok", the errno name of
 * the failure ("ENOTCONN": the daemon behind the mount is gone), or
 * "timeout" after TOOL_PROBE_TIMEOUT_MS. The child is then killed; one
 * whose request the daemon holds cannot die before the daemon answers, and
 * is left to init rather than waited for.
 */
int probe_read_bounded(void *userdata, char **ret);

#endif
