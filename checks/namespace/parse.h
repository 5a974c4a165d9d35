/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_NAMESPACE_H
#define NESTCHECK_PARSE_NAMESPACE_H

/*
 * Parsers behind the namespace, device, keyring, process, cgroup delegation
 * and seccomp checks. They take buffers, so tests feed them strings.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct libmnt_table;

/* A file that holds one decimal number (proc/sys/kernel/keys/maxkeys): -EBADMSG otherwise. */
int parse_uint_text(const char *buf, unsigned long long *ret);

/* One line of proc/key-users: "uid: usage nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes". */
struct key_user {
	uint32_t uid;
	unsigned long long usage, nkeys, nikeys, qnkeys, maxkeys, qnbytes, maxbytes;
};
/* The line of uid: -ENOENT when there is none, -EBADMSG when any line is not in that shape. */
int key_users_find(const char *buf, uint32_t uid, struct key_user *ret);

/*
 * Keyrings a user can still create under its quota, when each costs
 * per_key bytes (runc's "_ses.<64 hex>" costs 70). 0 when either is used up.
 */
unsigned long long key_user_room(const struct key_user *k, unsigned long long per_key);

/*
 * Recorded probe values are "key=value key=value ..." (no spaces in values).
 * The value of key: -ENOENT when absent.
 */
int probe_kv_get(const char *line, const char *key, char **ret);

/*
 * The directory of this process's own cgroup: the cgroup2 mount (controller
 * NULL) or the v1 mount carrying controller, joined with the path that
 * proc/self/cgroup gives for it relative to the mount's root. -ENOENT when
 * either is missing, -EXDEV when the cgroup lies outside what is mounted.
 * *ret_mount (optional) gets the mount point.
 */
int cgroup_own_dir(struct libmnt_table *tb, const char *proc_cgroup, const char *controller, char **ret_dir,
		   char **ret_mount);

/* Whether a space or comma separated list holds word. */
bool word_list_has(const char *list, const char *word);

/* Seccomp mode names for the "Seccomp:" field: "disabled", "strict", "filter", else NULL. */
const char *seccomp_mode_to_string(unsigned long long mode);

#endif
