/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_H
#define NESTCHECK_PARSE_H

/* Parsers of host files. They take buffers, so tests feed them strings. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct libmnt_table;

/* Kernel release "6.18.44-fc-v769": -EINVAL unless it starts with N.N. */
struct kversion {
	unsigned major, minor, patch;
};
int kversion_parse(const char *release, struct kversion *ret);
int kversion_cmp(const struct kversion *a, unsigned major, unsigned minor);

/*
 * Dotted versions as packages and tools print them ("1:5.0.2-5",
 * "1.0.0-rc93", "20.10.24+dfsg1"): numeric runs compare as numbers, an
 * epoch is honoured, a pre-release ("~", "-rc") sorts before its release.
 */
int version_cmp(const char *a, const char *b);

/* Kernel build config ("CONFIG_X=y", "# CONFIG_X is not set"). */
struct kconfig;
int kconfig_parse(const char *buf, struct kconfig **ret);
/* 'y', 'm', another value's first char, or 0 when unset or absent. */
char kconfig_get(const struct kconfig *kc, const char *name);
size_t kconfig_count(const struct kconfig *kc);
void kconfig_free(struct kconfig *kc);

/* Inflate a gzip buffer; -EBADMSG on a corrupt or truncated stream, -EFBIG past max. */
int gunzip_buffer(const void *in, size_t len, size_t max, char **ret, size_t *ret_len);

/* proc/PID/uid_map and gid_map. */
struct idmap_range {
	uint32_t inner, outer, count;
};
struct idmap {
	struct idmap_range ranges[340]; /* the kernel's limit */
	size_t n;
};
int idmap_parse(const char *buf, struct idmap *ret);
bool idmap_is_identity(const struct idmap *m);
/* Whether inner ids [first, first+count) are all mapped. */
bool idmap_covers(const struct idmap *m, uint32_t first, uint64_t count);
uint64_t idmap_total(const struct idmap *m);
/* "0 100000 65536" ranges joined by ", ". */
char *idmap_format(const struct idmap *m);

/* os-release: the unquoted value of key, or -ENOENT. */
int os_release_get(const char *buf, const char *key, char **ret);

/* AppArmor labels from proc/self/attr/current. */
enum aa_label {
	AA_LABEL_UNCONFINED,
	AA_LABEL_STACKED, /* inside a policy namespace: "...//&:ns:..." */
	AA_LABEL_CONFINED,
};
enum aa_label apparmor_label_classify(const char *label);

/* NUL-separated environ: the value of key, or -ENOENT. */
int environ_get(const char *buf, size_t len, const char *key, char **ret);

/* Mount tables. */
int mounts_parse(const char *buf, struct libmnt_table **ret);

enum cgroup_layout {
	CGROUP_LAYOUT_NONE,
	CGROUP_LAYOUT_V1,
	CGROUP_LAYOUT_HYBRID,
	CGROUP_LAYOUT_V2,
};
const char *cgroup_layout_to_string(enum cgroup_layout l);

struct cgroup_mounts {
	enum cgroup_layout layout;
	char *v1_controllers;  /* comma list from the v1 mounts' options */
	char *v2_mountpoint;   /* where cgroup2 is mounted, or NULL */
	bool v1_named_systemd; /* name=systemd hierarchy mounted */
};
int cgroup_mounts_scan(struct libmnt_table *tb, struct cgroup_mounts *ret);
void cgroup_mounts_clear(struct cgroup_mounts *c);

/* The mount whose target is the longest path prefix of path (its fs type, target). */
int mounts_covering(struct libmnt_table *tb, const char *path, const char **ret_fstype, const char **ret_target);
/* Whether fstype is mounted exactly at target. */
bool mounts_has(struct libmnt_table *tb, const char *target, const char *fstype);
/* Whether anything is mounted at target or below it. */
bool mounts_has_target(struct libmnt_table *tb, const char *target);
/* Whether LXCFS (fuse.lxcfs) is mounted over a file in /proc. */
bool mounts_lxcfs_over_proc(struct libmnt_table *tb);

/* proc/PID/cgroup lines "N:controllers:/path" for v1 hierarchies; "0::/" for v2. */
struct cgroup_line {
	char *controllers; /* "" for the v2 line */
	char *path;
};
struct cgroup_lines {
	struct cgroup_line *v;
	size_t n;
};
int proc_cgroup_parse(const char *buf, struct cgroup_lines *ret);
void cgroup_lines_clear(struct cgroup_lines *l);

/* A whole decimal number at *p (no sign), advancing p; -EBADMSG otherwise. */
int parse_ull(const char **p, unsigned long long *ret);
/* A decimal field of proc/PID/status ("Seccomp:\t2"): -ENOENT when absent, -EBADMSG when not a number. */
int proc_status_uint(const char *buf, const char *field, unsigned long long *ret);
/* The effective uid: the second column of "Uid:\treal\teffective\tsaved\tfs". */
int proc_status_euid(const char *buf, uint32_t *ret);
/* "CapEff:\t0000003fffffffff" from proc/self/status. */
int proc_status_hex(const char *buf, const char *field, uint64_t *ret);

/* A boolean key of daemon.json: -ENOENT when unset, -EBADMSG on bad JSON or a non-boolean. */
int docker_daemon_bool(const char *json, const char *key, bool *ret);
/* data-root from daemon.json ("graph" in old releases); -ENOENT when unset, -EBADMSG on bad JSON. */
int docker_data_root(const char *json, char **ret);

#endif
