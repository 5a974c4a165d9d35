/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"
#include "parse.h"
#include "probe.h"

#include <libmount.h>

enum fs_fit { FS_GOOD, FS_BAD, FS_OTHER };

/* CONTRACT.md's lists: what overlay2 can use as its upper layer. */
static enum fs_fit backing_fs_fit(const char *type)
{
	static const char *const good[] = {"ext4", "xfs", "btrfs", "tmpfs"};
	static const char *const bad[] = {"overlay", "aufs", "ecryptfs", "nfs", "nfs4", "fuse"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (streq(type, good[i]))
			return FS_GOOD;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (streq(type, bad[i]))
			return FS_BAD;
	if (startswith(type, "fuse."))
		return FS_BAD;
	return FS_OTHER;
}

int check_storage_backing_fs(struct ctx *c, struct result *r)
{
	const char *data_root;
	int err = ctx_data_root(c, r, &data_root);
	if (err < 0)
		return err;

	struct libmnt_table *tb;
	err = ctx_mounts(c, &tb);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/mountinfo is missing: the filesystem under %s is not known",
			   data_root);
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/mountinfo is %s", host_err_text(err));

	const char *fstype, *target;
	if (mounts_covering(tb, data_root, &fstype, &target) < 0) {
		result_set(r, STATUS_SKIP, "no mount in the mount table covers %s", data_root);
		return 0;
	}
	result_evidence_string(r, "fstype", "%s", fstype);
	result_evidence_string(r, "mount", "%s", target);

	enum fs_fit fit = backing_fs_fit(fstype);
	if (fit == FS_BAD) {
		result_set(r, STATUS_FAIL, "%s is on %s (mounted at %s): overlay2 cannot use it as its upper layer",
			   data_root, fstype, target);
		fix_data_root_volume(c, r, data_root);
		return 0;
	}

	_cleanup_free_ char *key = xasprintf("storage.dtype:%s", data_root);
	const char *dtype = NULL;
	err = host_observe(c->host, key, probe_dtype, (void *)data_root, &dtype);
	if (err < 0 && err != -ENODATA)
		result_evidence_string(r, "d_type", "not probed: %s", errno_name(err));
	else if (dtype)
		result_evidence_string(r, "d_type", "%s", dtype);

	if (dtype && streq(dtype, "unsupported")) {
		result_set(r, STATUS_FAIL, "the %s filesystem under %s has no d_type support: overlay2 refuses it",
			   fstype, data_root);
		result_remedy(r, WHERE_HOST,
			      "Reformat with d_type (xfs: ftype=1; ext4: the filetype feature), or move the data root "
			      "to a filesystem that has it:",
			      "mkfs.xfs -n ftype=1 DEVICE", "tune2fs -O filetype DEVICE", NULL);
		return 0;
	}
	if (fit == FS_GOOD) {
		result_set(r, STATUS_PASS, "%s is on %s (mounted at %s)%s", data_root, fstype, target,
			   dtype ? ", with d_type" : "");
		return 0;
	}
	if (streq(fstype, "zfs")) {
		/*
		 * CONTRACT.md: zfs warns. storage.zfs judges the version; with a new
		 * enough one there is nothing to change, and the fix says so.
		 */
		_cleanup_free_ char *zv = NULL;
		unsigned major, minor;
		if (zfs_module_version(c, &zv) == 0 && zfs_version_parse(zv, &major, &minor) == 0 &&
		    zfs_version_overlay_ok(major, minor)) {
			result_set(r, STATUS_WARN,
				   "%s is on zfs from OpenZFS %s, which overlay2 can use (2.2 or newer; storage.zfs)",
				   data_root, zv);
			result_remedy(r, ctx_here(c),
				      "Nothing to change while the host runs OpenZFS 2.2 or newer; after a downgrade, "
				      "Docker falls back to vfs. The running version:",
				      "cat /sys/module/zfs/version", NULL);
			return 0;
		}
		result_set(r, STATUS_WARN,
			   "%s is on zfs: overlay2 works only with OpenZFS 2.2 or newer, else Docker falls back to vfs",
			   data_root);
	} else
		result_set(r, STATUS_WARN, "%s is on %s, which overlay2 is not known to support", data_root, fstype);
	fix_data_root_volume(c, r, data_root);
	return 0;
}
