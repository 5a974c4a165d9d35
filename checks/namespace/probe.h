/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_NAMESPACE_H
#define NESTCHECK_PROBE_NAMESPACE_H

#include <stdbool.h>

/*
 * Live probes of what runc does when it starts a container: each runs in a
 * forked child that is killed and reaped when it takes longer than
 * PROBE_CHILD_TIMEOUT_MS, and leaves nothing behind (mounts happen in the
 * child's own mount namespace, made private first; temp files and cgroups
 * are removed by the parent, with SIGINT/SIGTERM held off meanwhile).
 * Checks never call these directly: they pass them to host_observe().
 *
 * Values are "ok", an errno name ("EPERM"), "STEP:ERRNO" for a probe of
 * several steps ("unshare:EPERM"), "timeout", "killed=SIGSYS", or
 * "key=value ..." lists (probe_kv_get()).
 */
#define PROBE_CHILD_TIMEOUT_MS 2000

/* unshare() of one namespace; userdata is a const int * CLONE_NEW* flag. Non-root adds CLONE_NEWUSER. */
int probe_ns_unshare(void *userdata, char **ret);

/*
 * What runc does for /proc: new mount and pid namespaces (plus a new user
 * namespace when userdata points to true, or without root), / made
 * rprivate, then pid 1 of the new namespace mounts proc with
 * MS_NOSUID|MS_NODEV|MS_NOEXEC.
 */
int probe_proc_mount(void *userdata, char **ret);

/* sysfs mounted read-only in a new mount namespace; in a new network namespace when userdata points to true. */
int probe_sysfs_mount(void *userdata, char **ret);

/*
 * mknod of char 1:3 and the 0:0 whiteout in a temp dir on the filesystem of
 * the path in userdata (Docker's data root; /tmp when that is not writable):
 * "null=ok whiteout=EPERM dir=/var/lib".
 */
int probe_mknod(void *userdata, char **ret);

/* keyctl(KEYCTL_JOIN_SESSION_KEYRING) with a new name, as runc does: "ok" or the errno. userdata unused. */
int probe_keyring(void *userdata, char **ret);

/* Lower proc/self/oom_score_adj by one: "current=0 tried=-1 result=EACCES". userdata unused. */
int probe_oom_score_adj(void *userdata, char **ret);

/* seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_USER_NOTIF): "available" or the errno. userdata unused. */
int probe_seccomp_user_notif(void *userdata, char **ret);

/*
 * A temp child cgroup under dir, removed again. For cgroup v2, root is the
 * top of the visible tree and want the controllers Docker uses: the value
 * holds mkdir=, rmdir=, and for v2 type= (of the child), avail=, enable=
 * (want written to the child's subtree_control), root_type=, root_procs=,
 * root_subtree=, root_enable= (domain controllers written to the root's
 * subtree_control, only when processes sit there: EBUSY, C4).
 */
struct cgroup_probe {
	const char *dir;
	const char *root; /* v2 only, else NULL */
	const char *want; /* v2 only: space separated */
};
int probe_cgroup_delegation(void *userdata, char **ret);

struct ctx;
/* The device.mknod probe's recorded value (run once, shared with seccomp.status). */
int device_mknod_observe(struct ctx *c, const char **ret);

#endif
