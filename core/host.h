/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_HOST_H
#define NESTCHECK_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Every read of the system goes through a host: relative to "/" (live) or to
 * a captured sysroot (replay). Paths are given without a leading slash, the
 * way CONTRACT.md's evidence manifest names them.
 */
struct host;

/* Largest host file nestcheck reads; anything bigger is hostile or broken. */
#define HOST_MAX_FILE (4u << 20)

/* Name of the recorded observations inside a sysroot. */
#define HOST_OBSERVATIONS_PATH ".nestcheck/observations"

/* root == NULL means the live system. Fails with -ENOENT, -ENOTDIR, -EACCES. */
int host_new(const char *root, struct host **ret);
void host_free(struct host *h);
bool host_is_live(const struct host *h);
const char *host_root(const struct host *h);

/* Whole file, NUL-terminated; *ret_len excludes the NUL. -EFBIG past HOST_MAX_FILE. */
int host_read_file(struct host *h, const char *path, char **ret, size_t *ret_len);
/* Whole text file: like host_read_file, but -EBADMSG when it holds a NUL byte. */
int host_read_text(struct host *h, const char *path, char **ret);
/*
 * A text file in runs of whole lines, without holding it whole (a big file read at once costs
 * a fresh page for every 4 KiB of it): chunk(text, len, userdata) for each run, which ends with
 * a '\n' (but for a last line without one) and is NUL-terminated at len, in a buffer it must not
 * keep; a negative return stops the read and is returned. -EBADMSG for a NUL byte, -EFBIG past
 * HOST_MAX_FILE, the rest as host_read_file.
 */
int host_read_chunks(struct host *h, const char *path, int (*chunk)(const char *text, size_t len, void *userdata),
		     void *userdata);
/* First line of a text file, trailing whitespace removed. */
int host_read_line(struct host *h, const char *path, char **ret);
/* A symlink's text live (proc/self/ns/...); in a sysroot a plain file holding it. */
int host_read_link(struct host *h, const char *path, char **ret);
/* 0 when path exists (of any type), else a negative errno. */
int host_access(struct host *h, const char *path);
/* The kernel's own release: proc/sys/kernel/osrelease. */
int host_kernel_release(struct host *h, char **ret);

/*
 * Live-only observations. Live: run probe (once per key) and record its
 * result; replay: return what the sysroot recorded, -ENODATA if nothing.
 * A probe returns 0 with a newly allocated one-line value, or a negative
 * errno when it could not observe anything (nothing is recorded then).
 * *ret stays owned by the host.
 */
typedef int (*host_probe_fn)(void *userdata, char **ret_value);
int host_observe(struct host *h, const char *key, host_probe_fn probe, void *userdata, const char **ret);
/*
 * A file read live and recorded (key "file:PATH"), so that a capture carries
 * it: one outside CONTRACT.md's manifest (core/manifest.c), or a manifest
 * file that a recording must carry without its sysroot (lxd.instance's).
 * 0 with its text, or the negative errno that reading it gave; -ENODATA in a
 * replay that lacks it.
 */
int host_observe_file(struct host *h, const char *path, const char **ret);
/*
 * Probes run ahead, in a thread of their own, while the checks before theirs
 * run: fn(a, arg) calls host_ahead_probe() for each, in the order its check
 * would ask. host_observe() of one of keys (NULL-terminated: the keys fn may
 * probe) waits for the thread and takes what it found; a key it left out is
 * probed then, as always. fn must touch neither the host nor what a check
 * uses. Live with probes on only: elsewhere nothing starts (-ENODATA); 0 once
 * the thread runs, or a negative errno.
 */
struct host_ahead;
typedef void (*host_ahead_fn)(struct host_ahead *a, void *arg);
int host_ahead(struct host *h, const char *const *keys, host_ahead_fn fn, void *arg);
/* In fn: run probe for key and keep its answer; 0 with *ret (owned by a), else the probe's error. */
int host_ahead_probe(struct host_ahead *a, const char *key, host_probe_fn probe, void *userdata, const char **ret);
/* A recorded observation, without probing: 0 with its value, -ENODATA when there is none. */
int host_recorded(struct host *h, const char *key, const char **ret);
/* Live, but without running probes: host_observe() answers as a replay without observations would. */
void host_disable_probes(struct host *h);
/*
 * Why host_observe() gave -ENODATA, for summaries: "replay" (the capture holds
 * no record) or "--no-probes" (probes are off on a live system).
 */
const char *host_unprobed(const struct host *h);
/* The same after a verb: "in replay" or "with --no-probes". */
const char *host_unprobed_in(const struct host *h);
/* A probe's missing value: "not recorded in this capture" or "not probed (--no-probes)". */
const char *host_unrecorded(const struct host *h);
/* A file host_observe_file() gave -ENODATA for: "not recorded" (replay) or "not read" (--no-probes). */
const char *host_unread(const struct host *h);
/* Record a value found live by other means (a name from LXD, say). */
void host_record(struct host *h, const char *key, const char *value);
/* Write every observation as key=value lines (\n and \\ escaped), for a capture. */
int host_write_observations(const struct host *h, const char *path);
/* The same lines to a stream (a bundle builds them in memory). */
int host_format_observations(const struct host *h, FILE *f);
/* Load recorded observations from a buffer (replay). */
int host_load_observations(struct host *h, const char *buf);

#endif
