/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_STORAGE_H
#define NESTCHECK_PROBE_STORAGE_H

#include <stdbool.h>

struct ctx;
/* The running OpenZFS's version (sys/module/zfs/version, recorded), newly allocated; a negative errno
 * (-ENODATA: not recorded) otherwise. */
int zfs_module_version(struct ctx *c, char **ret);
/* Whether overlay can use zfs of this OpenZFS as its upper layer (2.2 and newer). */
bool zfs_version_overlay_ok(unsigned major, unsigned minor);

/*
 * Live probes of the storage under Docker's data root, run only through
 * host_observe(). Each returns one line of key=value tokens (parse_storage.h):
 *
 * probe_block (userdata: the device path, e.g. "/dev/vda"):
 *   "dev=/dev/vda rdev=254:0 type=ext4 uuid=... label=..." (uuid and label
 *   when the filesystem has them), "dev=... rdev=... result=none|ambivalent"
 *   when libblkid finds no or several signatures, "dev=... error=EPERM" when
 *   the node cannot be opened (ENOENT: not visible here; ENOTBLK: no block device).
 *
 * probe_overlay_mount (userdata: struct overlay_probe_args):
 *   "dir=/var/lib/docker plain=ok" and, in a user namespace, "userxattr=ok";
 *   a failed attempt records its error ("EINVAL", or "unshare:EPERM" when the
 *   namespace itself could not be made, "timeout"); when the plain mount
 *   fails, "userns=..." records the retry in a new user namespace with
 *   userxattr. "skipped=not-root" without root, "dir=... error=EROFS" when
 *   no scratch directory can be made.
 *
 * probe_overlay_xattr (userdata: struct overlay_probe_args):
 *   "dir=/var/lib/docker trusted=ok user=ok": setxattr of
 *   trusted.overlay.opaque and user.overlay.opaque ("y", the marks overlay2
 *   writes on opaque directories) on a scratch directory; an error name
 *   instead of ok. "skipped=not-root", or "dir=... error=..." as above.
 */
struct overlay_probe_args {
	const char *data_root;
	bool in_userns; /* uid_map is not the identity map */
};

int probe_block(void *userdata, char **ret);
int probe_overlay_mount(void *userdata, char **ret);
int probe_overlay_xattr(void *userdata, char **ret);

/*
 * Remove the scratch directory of a storage probe that a signal interrupts.
 * Async-signal-safe; the mounts need no cleanup (they live in a child's
 * private mount namespace, which dies with it).
 */
void probe_storage_cleanup_on_signal(void);
/* d_type support on the filesystem holding the path in userdata: "supported"/"unsupported". */
int probe_dtype(void *userdata, char **ret);

#endif
