/* SPDX-License-Identifier: Apache-2.0 */
/* The deeper storage checks: the device, OpenZFS, a real overlay mount and overlay's xattrs. */
#include "checks/checks.h"
#include "parse.h"
#include "probe.h"

#include <libmount.h>

/* Docker's data root, read as storage.backing_fs reads it; recorded as evidence. */

/*
 * The mount under the data root. 1 when found (recorded as evidence); 0 when
 * the mount table cannot say, with r set to SKIP; negative when it broke.
 */
static int data_root_mount(struct ctx *c, struct result *r, const char *data_root, const char **ret_fstype,
			   const char **ret_target, const char **ret_source)
{
	struct libmnt_table *tb;
	int err = ctx_mounts(c, &tb);
	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/self/mountinfo is missing: the filesystem under %s is not known",
			   data_root);
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/mountinfo is %s", host_err_text(err));
	if (mounts_covering_source(tb, data_root, ret_fstype, ret_target, ret_source) < 0) {
		result_set(r, STATUS_SKIP, "no mount in the mount table covers %s", data_root);
		return 0;
	}
	result_evidence_string(r, "mount", "%s", *ret_target);
	result_evidence_string(r, "fstype", "%s", *ret_fstype);
	result_evidence_string(r, "source", "%s", *ret_source);
	return 1;
}

/* Whether nestcheck runs in a user namespace other than the initial one (uid_map not the identity). */
static bool in_user_namespace(struct ctx *c)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct idmap *m = xmalloc(sizeof(*m));
	if (host_read_text(c->host, "proc/self/uid_map", &buf) < 0 || idmap_parse(buf, m) < 0)
		return false;
	return !idmap_is_identity(m);
}

/* One evidence entry per token of a probe's line. */
static void evidence_tokens(struct result *r, const char *line, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *v = NULL;
		if (kv_get(line, keys[i], &v) == 0)
			result_evidence_string(r, keys[i], "%s", v);
	}
}

/* The fallback when the kernel's overlay cannot be had. */
static void remedy_fuse_overlayfs(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "Or use the fuse-overlayfs storage driver (slower; needs /dev/fuse): install it, set "
		      "\"storage-driver\": \"fuse-overlayfs\" in /etc/docker/daemon.json, restart dockerd, and check "
		      "the driver:",
		      "apt-get install -y fuse-overlayfs", "docker info --format '{{.Driver}}'", NULL);
}

/* S2: overlay on ZFS needs OpenZFS 2.2. source is the dataset ("rpool/ROOT/ubuntu"). */
static void remedy_zfs(struct ctx *c, struct result *r, const char *data_root, const char *source)
{
	_cleanup_free_ char *q = shell_quote(data_root);
	result_remedy(r, WHERE_HOST,
		      "Upgrade OpenZFS on the host to 2.2 or newer (Ubuntu 24.04 and Debian 13 ship it, Debian 12 "
		      "in bookworm-backports), reboot, and check the running module:",
		      "cat /sys/module/zfs/version", NULL);
	if (streq(ctx_runtime(c), "lxc")) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m = fix_remedy(
				r, t,
				t.platform == PLATFORM_PROXMOX
					? "Or give Docker a volume of its own on a storage that is not ZFS (STORAGE: an "
					  "LVM-thin or directory storage that pvesm status lists), then restart the "
					  "container:"
				: t.platform == PLATFORM_LXC
					? "Or give Docker a host directory on a filesystem that is not ZFS, then restart "
					  "the container:"
					: "Or give Docker an ext4 volume on a ZFS block device (zvol) of the pool, then "
					  "restart the container:");
			fix_docker_volume(m, t, " zfs.block_mode=true size=50GiB", data_root);
			fix_restart(m, t);
		}
	} else if (!ctx_in_container(c)) {
		_cleanup_free_ char *pool = xstrndup(source, strcspn(source, "/"));
		_cleanup_free_ char *zvol = shell_quote(pool);
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			"Or put the data root on ext4 in a zvol (50G here; size it for your images):", NULL);
		remedy_command(m, "zfs create -V 50G %s/docker", zvol);
		remedy_command(m, "mkfs.ext4 /dev/zvol/%s/docker", zvol);
		remedy_command(m, "mount /dev/zvol/%s/docker %s", zvol, q);
	}
	remedy_fuse_overlayfs(c, r);
}

int check_storage_block(struct ctx *c, struct result *r)
{
	const char *data_root;
	const char *fstype, *target, *source, *v;
	int err = ctx_data_root(c, r, &data_root);
	if (err < 0)
		return err;
	err = data_root_mount(c, r, data_root, &fstype, &target, &source);
	if (err <= 0)
		return err;
	if (!source_is_device(source)) {
		result_set(r, STATUS_SKIP,
			   "%s is on %s (source %s), not on a block device: nothing for libblkid to identify",
			   data_root, fstype, source);
		return 0;
	}

	_cleanup_free_ char *key = xasprintf("storage.block:%s", data_root);
	err = host_observe(c->host, key, probe_block, (void *)source, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "%s is identified live only (libblkid): %s", source,
			   host_unrecorded(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot probe %s: %s", source, errno_name(err));

	static const char *const keys[] = {"device", "rdev", "type", "uuid", "label"};
	_cleanup_free_ char *dev = NULL, *type = NULL, *error = NULL, *res = NULL, *uuid = NULL, *label = NULL;
	if (kv_get(v, "dev", &dev) < 0)
		dev = xstrdup(source);
	result_evidence_string(r, keys[0], "%s", dev);
	evidence_tokens(r, v, keys + 1, ARRAY_SIZE(keys) - 1);
	kv_get(v, "type", &type);
	kv_get(v, "uuid", &uuid);
	kv_get(v, "label", &label);
	kv_get(v, "result", &res);

	if (kv_get(v, "error", &error) == 0) {
		if (streq(error, "ENOENT"))
			result_set(r, STATUS_SKIP, "the device node %s is not visible here%s: it cannot be identified",
				   dev, ctx_in_container(c) ? " (a container's /dev holds no disks)" : "");
		else if (streq(error, "ENOTBLK"))
			result_set(r, STATUS_SKIP, "%s is not a block device: nothing for libblkid to identify", dev);
		else if (streq(error, "EACCES"))
			result_set(r, STATUS_SKIP,
				   "opening %s is refused (EACCES): run nestcheck as root to identify it", dev);
		else if (streq(error, "EPERM"))
			result_set(r, STATUS_SKIP,
				   "opening %s is refused (EPERM, a security policy)%s: it cannot be identified", dev,
				   ctx_in_container(c) ? ", as usual in a container" : "");
		else
			result_set(r, STATUS_SKIP, "reading %s fails with %s: it cannot be identified", dev, error);
		return 0;
	}
	if (!type && !res) {
		result_set(r, STATUS_SKIP, "the recorded probe of %s is unreadable: \"%s\"", dev, v);
		return 0;
	}
	if (type && streq(type, "xfs"))
		result_evidence_string(r, "ftype", "not reported by libblkid (storage.backing_fs checks d_type)");

	_cleanup_free_ char *q = shell_quote(data_root), *qdev = shell_quote(dev);
	if (type && fstype_agrees(type, fstype)) {
		result_set(r, STATUS_PASS, "%s is on %s: %s%s%s%s%s", data_root, dev, type, uuid ? ", UUID " : "",
			   uuid ? uuid : "", label && *label ? ", label " : "", label && *label ? label : "");
		return 0;
	}
	if (res && streq(res, "ambivalent")) {
		result_set(r, STATUS_WARN,
			   "%s carries more than one filesystem signature (the mount table says %s): tools that "
			   "identify it (blkid, udev, mount by UUID) may pick the wrong one",
			   dev, fstype);
		struct remedy *m = result_remedy(r, ctx_here(c),
						 "List the signatures (wipefs --no-act changes nothing), and once the "
						 "data is backed up, erase the stale one with wipefs --offset:",
						 NULL);
		remedy_command(m, "wipefs --no-act %s", qdev);
		return 0;
	}
	if (type)
		result_set(r, STATUS_WARN, "libblkid finds %s on %s, but the mount table says %s (mounted at %s)", type,
			   dev, fstype, target);
	else
		result_set(
			r, STATUS_WARN,
			"libblkid finds no filesystem on %s, although the mount table says %s is mounted from it at %s",
			dev, fstype, target);
	struct remedy *m =
		result_remedy(r, ctx_here(c),
			      "The mount table and the device disagree (a stale mount table entry, or a device "
			      "reformatted or replaced under a mounted filesystem). Compare the two, and remount "
			      "the data root from the device that really holds it:",
			      NULL);
	remedy_command(m, "findmnt -T %s", q);
	remedy_command(m, "blkid -p %s", qdev);
	return 0;
}

int zfs_module_version(struct ctx *c, char **ret)
{
	const char *v;
	int err = host_observe_file(c->host, "sys/module/zfs/version", &v);
	if (err < 0)
		return err;
	*ret = xstrndup(v, strcspn(v, "\n"));
	strstrip_right(*ret);
	return 0;
}

bool zfs_version_overlay_ok(unsigned major, unsigned minor)
{
	return major > 2 || (major == 2 && minor >= 2);
}

int check_storage_zfs(struct ctx *c, struct result *r)
{
	const char *data_root;
	const char *fstype, *target, *source;
	int err = ctx_data_root(c, r, &data_root);
	if (err < 0)
		return err;
	err = data_root_mount(c, r, data_root, &fstype, &target, &source);
	if (err <= 0)
		return err;
	if (!streq(fstype, "zfs")) {
		result_set(r, STATUS_SKIP, "%s is on %s, not zfs", data_root, fstype);
		return 0;
	}

	_cleanup_free_ char *version = NULL;
	err = zfs_module_version(c, &version);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP,
			   "%s is on zfs, but the OpenZFS version (sys/module/zfs/version) is not recorded", data_root);
		return 0;
	}
	if (err < 0) {
		result_set(r, STATUS_SKIP,
			   "%s is on zfs, but sys/module/zfs/version is %s: the OpenZFS version is not known",
			   data_root, host_err_text(err));
		return 0;
	}
	result_evidence_string(r, "zfs_version", "%s", version);
	unsigned major, minor;
	if (zfs_version_parse(version, &major, &minor) < 0) {
		result_set(r, STATUS_SKIP, "sys/module/zfs/version holds \"%s\", which is not a version", version);
		return 0;
	}
	if (zfs_version_overlay_ok(major, minor)) {
		result_set(r, STATUS_PASS,
			   "%s is on zfs from OpenZFS %s, which overlay2 can use as its upper layer (2.2 or newer)",
			   data_root, version);
		return 0;
	}
	result_set(r, STATUS_FAIL,
		   "%s is on zfs from OpenZFS %s: overlay needs 2.2 or newer on zfs (RENAME_WHITEOUT), so dockerd "
		   "falls back to vfs (or refuses overlay2)",
		   data_root, version);
	remedy_zfs(c, r, data_root, source);
	return 0;
}

int check_overlay_mount(struct ctx *c, struct result *r)
{
	const char *data_root;
	const char *fstype = NULL, *target, *source, *v;
	int err = ctx_data_root(c, r, &data_root);
	if (err < 0)
		return err;
	/* The mount only shapes the advice: the probe itself does not need it. */
	err = data_root_mount(c, r, data_root, &fstype, &target, &source);
	if (err < 0)
		return err;
	if (err == 0)
		fstype = NULL;

	bool userns = in_user_namespace(c);
	const struct kversion *kv;
	const char *release;
	bool kernel_userxattr = ctx_release(c, &release, &kv) < 0 || kversion_cmp(kv, 5, 11) >= 0;
	result_evidence_bool(r, "in_userns", userns);

	struct overlay_probe_args args = {.data_root = data_root, .in_userns = userns};
	_cleanup_free_ char *key = xasprintf("overlay.mount:%s", data_root);
	err = host_observe(c->host, key, probe_overlay_mount, &args, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "the overlay mount under %s is probed live only: %s", data_root,
			   host_unrecorded(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the overlay mount probe under %s: %s", data_root,
				    errno_name(err));
	if (kv_is(v, "skipped", "not-root")) {
		result_set(r, STATUS_SKIP,
			   "mounting overlay in a private namespace needs root: run nestcheck as root to test what "
			   "dockerd's overlay2 driver will do");
		return 0;
	}
	static const char *const keys[] = {"dir", "plain", "userxattr", "userns"};
	evidence_tokens(r, v, keys, ARRAY_SIZE(keys));
	_cleanup_free_ char *dir = NULL, *error = NULL, *plain = NULL, *userxattr = NULL, *retry = NULL;
	kv_get(v, "dir", &dir);
	kv_get(v, "plain", &plain);
	kv_get(v, "userxattr", &userxattr);
	kv_get(v, "userns", &retry);
	if (kv_get(v, "error", &error) == 0) {
		result_set(r, STATUS_SKIP,
			   "no scratch directory can be made in %s (%s): the overlay mount was not tried",
			   dir ? dir : data_root, error);
		return 0;
	}

	const char *where = dir ? dir : data_root;
	/* Before 23.0 (moby#42661) dockerd tries its btrfs and zfs drivers first, and they win where they work. */
	bool own_driver = fstype && (streq(fstype, "btrfs") || streq(fstype, "zfs"));
	_cleanup_free_ char *note =
		own_driver ? xasprintf("; Docker before 23.0 picks its %s driver here unless storage-driver is set",
				       fstype)
			   : xstrdup("");
	switch (overlay_judge(plain, userxattr, userns, kernel_userxattr)) {
	case OVERLAY_OK:
		result_set(r, STATUS_PASS, "overlay mounts in %s%s%s%s, as dockerd's overlay2 check needs%s", where,
			   fstype ? " (" : "", fstype ? fstype : "", fstype ? ")" : "", note);
		return 0;
	case OVERLAY_OK_USERNS:
		result_set(r, STATUS_PASS,
			   "overlay mounts in %s inside this user namespace%s, as dockerd does here (it then skips "
			   "native diff: image builds are slower)%s",
			   where, userxattr && streq(userxattr, "ok") ? ", also with userxattr for the layers" : "",
			   note);
		return 0;
	case OVERLAY_UNKNOWN:
		result_set(r, STATUS_SKIP,
			   "the recorded probe lacks the userxattr mount that dockerd uses in a user namespace");
		return 0;
	case OVERLAY_LAYERS_FAIL:
		result_set(r, STATUS_FAIL,
			   "overlay mounts in %s, but not with userxattr (%s): dockerd picks overlay2 here and then "
			   "cannot mount its layers",
			   where, userxattr);
		result_remedy(r, WHERE_HOST,
			      "Boot the host with a kernel whose overlay supports userxattr (mainline 5.11 or newer):",
			      "uname -r", NULL);
		remedy_fuse_overlayfs(c, r);
		return 0;
	case OVERLAY_FAIL:
		break;
	}

	_cleanup_free_ char *also = !retry ? xstrdup("")
				    : streq(retry, "ok")
					    ? xstrdup("; a new user namespace with userxattr does mount it "
						      "(rootless Docker could use overlay2)")
					    : xasprintf("; nor in a new user namespace (%s)", retry);
	result_set(r, STATUS_FAIL,
		   "overlay does not mount in %s%s%s: %s%s. dockerd's overlay2 check fails the same way, so it falls "
		   "back to vfs or refuses to start",
		   where, fstype ? " on " : "", fstype ? fstype : "", plain, also);
	if (streq(plain, "ENODEV")) {
		fix_module(c, r,
			   "The kernel has no overlay filesystem: load it on the host, now and at boot:", "overlay");
		return 0;
	}
	if (fstype && streq(fstype, "zfs")) {
		remedy_zfs(c, r, data_root, source);
		return 0;
	}
	if (userns && (strstr(plain, "EPERM") || strstr(plain, "EACCES"))) {
		if (streq(ctx_runtime(c), "lxc") && startswith(plain, "unshare:"))
			fix_lxd_nesting(c, r);
		result_remedy(
			r, WHERE_HOST,
			"Mounting overlay inside a user namespace needs kernel 5.11 or newer (or an Ubuntu kernel): "
			"boot one on the host, and check it:",
			"uname -r", NULL);
		remedy_fuse_overlayfs(c, r);
		return 0;
	}
	fix_data_root_volume(c, r, data_root);
	remedy_fuse_overlayfs(c, r);
	return 0;
}

int check_storage_xattr(struct ctx *c, struct result *r)
{
	const char *data_root;
	const char *fstype = NULL, *target, *source, *v;
	int err = ctx_data_root(c, r, &data_root);
	if (err < 0)
		return err;
	err = data_root_mount(c, r, data_root, &fstype, &target, &source);
	if (err < 0)
		return err;
	if (err == 0)
		fstype = "its filesystem";

	bool userns = in_user_namespace(c);
	result_evidence_bool(r, "in_userns", userns);
	struct overlay_probe_args args = {.data_root = data_root, .in_userns = userns};
	_cleanup_free_ char *key = xasprintf("storage.xattr:%s", data_root);
	err = host_observe(c->host, key, probe_overlay_xattr, &args, &v);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "overlay's xattrs under %s are probed live only: %s", data_root,
			   host_unrecorded(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot run the xattr probe under %s: %s", data_root, errno_name(err));
	if (kv_is(v, "skipped", "not-root")) {
		result_set(r, STATUS_SKIP, "setting overlay's xattrs under %s needs root: run nestcheck as root",
			   data_root);
		return 0;
	}
	static const char *const keys[] = {"dir", "trusted", "user"};
	evidence_tokens(r, v, keys, ARRAY_SIZE(keys));
	_cleanup_free_ char *dir = NULL, *error = NULL, *trusted = NULL, *user = NULL;
	kv_get(v, "dir", &dir);
	if (kv_get(v, "error", &error) == 0) {
		result_set(r, STATUS_SKIP, "no scratch directory can be made in %s (%s): xattrs were not tried",
			   dir ? dir : data_root, error);
		return 0;
	}
	if (kv_get(v, "trusted", &trusted) < 0 || kv_get(v, "user", &user) < 0) {
		result_set(r, STATUS_SKIP, "the recorded xattr probe is incomplete: %s", v);
		return 0;
	}
	bool t_ok = streq(trusted, "ok"), u_ok = streq(user, "ok");
	const char *where = dir ? dir : data_root;

	if (!userns) {
		/* dockerd in the initial user namespace marks opaque directories with trusted.overlay.*. */
		if (!t_ok) {
			result_set(r, STATUS_FAIL,
				   "setting trusted.overlay.opaque in %s fails (%s): overlay2 cannot mark opaque "
				   "directories, so layers that replace a directory break",
				   where, trusted);
			fix_data_root_volume(c, r, data_root);
			return 0;
		}
		if (!u_ok) {
			result_set(r, STATUS_WARN,
				   "user.* xattrs fail in %s (%s): images whose layers carry user.* xattrs (built with "
				   "podman or buildah) fail to extract with Docker 25 or newer",
				   where, user);
			struct remedy *m = result_remedy(
				r, ctx_here(c),
				"Mount the data root's filesystem with user xattrs (drop nouser_xattr), or rebuild "
				"such images with docker buildx; check the mount options here:",
				NULL);
			_cleanup_free_ char *q = shell_quote(data_root);
			remedy_command(m, "findmnt -o TARGET,FSTYPE,OPTIONS -T %s", q);
			return 0;
		}
		result_set(r, STATUS_PASS, "trusted.overlay.* and user.* xattrs can be set in %s (%s)", where, fstype);
		return 0;
	}

	/* In a user namespace dockerd writes user.overlay.* (GetOverlayXattr), and userxattr mounts read them. */
	if (!u_ok) {
		result_set(r, STATUS_FAIL,
			   "user.overlay.opaque cannot be set in %s (%s): dockerd in this user namespace cannot mark "
			   "opaque directories, and images carrying user.* xattrs fail to extract",
			   where, user);
		fix_data_root_volume(c, r, data_root);
		remedy_fuse_overlayfs(c, r);
		return 0;
	}
	if (t_ok)
		result_set(r, STATUS_PASS,
			   "user.overlay.* and trusted.overlay.* xattrs can be set in %s (trusted.* through setxattr "
			   "interception or a shared namespace)",
			   where);
	else
		result_set(r, STATUS_PASS,
			   "user.overlay.* xattrs can be set in %s, which dockerd uses in a user namespace; trusted.* "
			   "is refused (%s), as everywhere but the initial namespace (only old Docker releases "
			   "need it)",
			   where, trusted);
	return 0;
}
