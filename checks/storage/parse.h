/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_STORAGE_H
#define NESTCHECK_PARSE_STORAGE_H

/*
 * Parsers and rules of the deeper storage checks. The storage probes record
 * one line of space-separated key=value tokens ("dev=/dev/vda type=ext4");
 * a value escapes space, '=', '\\', control and non-ASCII bytes as \xNN, so
 * a label with spaces survives a capture.
 */

#include <stdbool.h>

#include "core/util.h"

struct libmnt_table;

/* Append "key=value" (after a space unless sb is empty), the value escaped. */
void kv_append(struct strbuf *sb, const char *key, const char *value);
/* The unescaped value of key's first token: 0; -ENOENT when absent; -EBADMSG on a bad escape. */
int kv_get(const char *line, const char *key, char **ret);
/* Whether key is present with exactly this (unescaped) value. */
bool kv_is(const char *line, const char *key, const char *value);

/*
 * sys/module/zfs/version: "2.2.2-0ubuntu9.1", "2.1.5-1ubuntu6~22.04.1",
 * "0.8.3-1ubuntu12", optionally "zfs-" or "v" before. -EBADMSG unless it
 * starts with N.N.
 */
int zfs_version_parse(const char *buf, unsigned *ret_major, unsigned *ret_minor);

/* Whether blkid's type and the mount table's name one filesystem (ext2/3/4 mount as ext4). */
bool fstype_agrees(const char *probed, const char *mounted);

/* What mounts_covering() finds, plus the mount's source ("/dev/vda", "tmpfs", "rpool/ROOT"). */
int mounts_covering_source(struct libmnt_table *tb, const char *path, const char **ret_fstype, const char **ret_target,
			   const char **ret_source);
/* Whether a mount source names a device node nestcheck can hand to libblkid. */
bool source_is_device(const char *source);

/*
 * overlay.mount: what dockerd's overlay2 would get, from the probe's attempts
 * ("ok" or an error each; NULL when not tried). In a user namespace dockerd
 * tests a plain mount and then mounts its layers with userxattr (kernel 5.11+).
 */
enum overlay_outcome {
	OVERLAY_OK,	     /* the plain mount works, as in the initial user namespace */
	OVERLAY_OK_USERNS,   /* in a user namespace: the test mount and the layer mounts dockerd does there */
	OVERLAY_LAYERS_FAIL, /* the test mount works, the layer mounts (userxattr) do not */
	OVERLAY_FAIL,	     /* no overlay2: dockerd falls back to another driver */
	OVERLAY_UNKNOWN,     /* an attempt the rule needs was not recorded */
};
enum overlay_outcome overlay_judge(const char *plain, const char *userxattr, bool in_userns, bool kernel_userxattr);

#endif
