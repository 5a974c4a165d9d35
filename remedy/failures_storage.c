/* SPDX-License-Identifier: Apache-2.0 */
/* Known failures of overlay and of the filesystem under the data root. */
#include "entries.h"

#include <libmount.h>

/* ---------------------------------------------------------------- 3. storage */

static void remedy_overlay_zfs(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "OpenZFS before 2.2 cannot be overlay's upper layer. Upgrade the host's ZFS to 2.2 or "
		      "newer; the version running now:",
		      "cat /sys/module/zfs/version", NULL);
	if (in_lxc(c) || !ctx_in_container(c)) {
		FIX_FOREACH_TARGET(c, t)
		{
			struct remedy *m = fix_remedy(
				r, t,
				t.platform == PLATFORM_PROXMOX
					? "Or give Docker a volume of its own on a storage that is not ZFS (STORAGE: an "
					  "LVM-thin or directory storage that pvesm status lists), mounted at its data root:"
				: t.platform == PLATFORM_LXC
					? "Or give Docker a host directory on a filesystem that is not ZFS, mounted at its "
					  "data root:"
					: "Or give Docker a block volume from the pool (an ext4 filesystem on a zvol), "
					  "mounted at its data root (use your pool's name for default):");
			fix_docker_volume(m, t, " zfs.block_mode=true size=50GiB", "/var/lib/docker");
			fix_restart(m, t);
		}
	}
	result_remedy(r, ctx_here(c),
		      "Or run the engine with the fuse-overlayfs storage driver (needs /dev/fuse): set "
		      "\"storage-driver\": \"fuse-overlayfs\" in /etc/docker/daemon.json, then restart dockerd:",
		      "apt-get install -y fuse-overlayfs", NULL);
}

static const char *const overlay_zfs_patterns[] = {
	"/dev/zfs and /proc/self/mounts are required",
	"driver not supported: overlay2",
	NULL,
};

const struct failure failure_overlay_zfs = {
	.id = "overlay-on-zfs",
	.code = "S2",
	.title = "Docker's data root on ZFS older than 2.2",
	.cause = "OpenZFS before 2.2 lacks the whiteout rename overlayfs needs, and a container has no /dev/zfs for "
		 "the zfs driver, so Docker falls back to vfs or refuses to start.",
	.patterns = overlay_zfs_patterns,
	.remedy = remedy_overlay_zfs,
};

static void remedy_overlay_upper(struct ctx *c, struct result *r)
{
	const char *data_root = "/var/lib/docker", *fstype = NULL;
	struct libmnt_table *tb;
	ctx_data_root(c, NULL, &data_root);
	if (ctx_mounts(c, &tb) == 0 && mounts_covering(tb, data_root, &fstype, NULL) == 0 && streq(fstype, "zfs")) {
		remedy_overlay_zfs(c, r);
		return;
	}
	fix_data_root_volume(c, r, data_root);
	result_remedy(r, ctx_here(c),
		      "Or, where no other filesystem can be had, use the fuse-overlayfs storage driver (\"storage-"
		      "driver\": \"fuse-overlayfs\" in /etc/docker/daemon.json):",
		      "apt-get install -y fuse-overlayfs", NULL);
}

static const char *const overlay_upper_patterns[] = {
	"overlayfs: filesystem on * not supported as upperdir",
	"error initializing graphdriver: driver not supported",
	"error creating overlay mount to *: invalid argument",
	NULL,
};

const struct failure failure_overlay_upper = {
	.id = "overlay-upper-unsupported",
	.code = "S1",
	.title = "Data root on a filesystem overlay cannot write to",
	.cause = "Docker's data root lies on a filesystem overlayfs cannot use as its upper layer: overlay itself "
		 "(a container's root, Docker in Docker), NFS, FUSE, ecryptfs, aufs, or btrfs before Linux 4.7.",
	.patterns = overlay_upper_patterns,
	.remedy = remedy_overlay_upper,
};

static void remedy_no_dtype(struct ctx *c, struct result *r)
{
	(void)c;
	result_remedy(r, WHERE_HOST,
		      "overlay2 needs a filesystem that records file types in directory entries (d_type). See "
		      "whether the xfs under the data root was made without it (ftype=0):",
		      "xfs_info /var/lib/docker | grep ftype", NULL);
	result_remedy(r, WHERE_HOST,
		      "Reformat it with d_type (this erases it: move the data away first), or mount a new volume "
		      "at the data root (DEVICE is yours to fill in):",
		      "mkfs.xfs -n ftype=1 DEVICE", "tune2fs -O filetype DEVICE", NULL);
}

static const char *const no_dtype_patterns[] = {
	"the backing * filesystem is formatted without d_type support",
	"overlayfs: upper fs needs to support d_type",
	NULL,
};

const struct failure failure_no_dtype = {
	.id = "no-d_type",
	.code = "S3",
	.title = "Backing filesystem without d_type",
	.cause = "The data root's filesystem does not report file types in directory entries: xfs made with "
		 "ftype=0 (older RHEL/CentOS 7 installs) or ext without the filetype feature. Docker refuses it "
		 "since 17.12.",
	.patterns = no_dtype_patterns,
	.remedy = remedy_no_dtype,
};

static void remedy_overlay_userns(struct ctx *c, struct result *r)
{
	result_remedy(r, WHERE_HOST,
		      "Mainline Linux allows overlay mounts in a user namespace from 5.11 (Ubuntu's and Debian's "
		      "kernels earlier). Boot the host with such a kernel; the running one:",
		      "uname -r", NULL);
	result_remedy(r, ctx_here(c),
		      "Or use fuse-overlayfs: for Docker set \"storage-driver\": \"fuse-overlayfs\" in "
		      "/etc/docker/daemon.json; for k3s start it with --snapshotter=fuse-overlayfs:",
		      "apt-get install -y fuse-overlayfs", NULL);
}

static const char *const overlay_userns_patterns[] = {
	"failed to mount overlay: operation not permitted",
	"failed to mount overlay: permission denied",
	"snapshotter cannot be enabled for *, try using \"fuse-overlayfs\"",
	NULL,
};

const struct failure failure_overlay_userns = {
	.id = "overlay-in-userns-unsupported",
	.code = "S4",
	.title = "Overlay mounts refused in a user namespace",
	.cause = "The kernel does not let a user namespace mount overlayfs (mainline allows it from 5.11), so the "
		 "engine falls back to vfs or the snapshotter cannot start.",
	.patterns = overlay_userns_patterns,
	.remedy = remedy_overlay_userns,
};

static void remedy_overlay_module(struct ctx *c, struct result *r)
{
	const char *release;
	const struct kversion *kv;
	if (ctx_release(c, &release, &kv) == 0 && kversion_cmp(kv, 3, 18) < 0) {
		_cleanup_free_ char *text = xasprintf("Linux %s predates overlayfs (3.18): boot a current kernel "
						      "on the host.",
						      release);
		result_remedy(r, WHERE_HOST, text, "uname -r", NULL);
		return;
	}
	fix_modules_load_words(c, r, "overlay");
}

static const char *const overlay_module_patterns[] = {
	"'overlay' not found as a supported filesystem on this host",
	"Module overlay not found in directory /lib/modules/",
	"modprobe overlay*could not open moddep file",
	NULL,
};

const struct failure failure_overlay_module = {
	.id = "overlay-module-not-loaded",
	.code = "S5",
	.title = "overlay module not loaded",
	.cause = "overlayfs is built as a module and nobody loaded it on the host; a container cannot load modules "
		 "(its /lib/modules is empty).",
	.patterns = overlay_module_patterns,
	.remedy = remedy_overlay_module,
};

static void remedy_user_overlay_xattr(struct ctx *c, struct result *r)
{
	result_remedy(r, ctx_here(c),
		      "The image carries user.overlay.* attributes (built with podman or buildah on overlay), and "
		      "Docker 25 and newer refuse to set them in a user namespace. Rebuild the image with docker "
		      "build or buildx, or run this engine with fuse-overlayfs (\"storage-driver\": "
		      "\"fuse-overlayfs\" in /etc/docker/daemon.json). If the data root is mounted nouser_xattr, "
		      "drop that option:",
		      "findmnt -T /var/lib/docker -o TARGET,FSTYPE,OPTIONS", NULL);
}

static const char *const user_overlay_xattr_patterns[] = {
	"lsetxattr user.overlay.* operation not supported",
	NULL,
};

const struct failure failure_user_overlay_xattr = {
	.id = "docker25-user-overlay-xattr",
	.code = "S6",
	.title = "Image layers with user.overlay.* attributes",
	.cause = "Layers built by podman/buildah on overlay hold user.overlay.* xattrs. In a user namespace Docker "
		 "cannot set them, and from Docker 25 it fails instead of dropping them.",
	.patterns = user_overlay_xattr_patterns,
	.remedy = remedy_user_overlay_xattr,
};

static void remedy_trusted_xattr(struct ctx *c, struct result *r)
{
	if (in_lxc(c) || !ctx_in_container(c))
		fix_instance_config(
			c, r,
			"trusted.* attributes need root of the host. Let the container manager set them for the "
			"container (Linux 5.3 or newer):",
			"security.syscalls.intercept.setxattr", "true", NULL);
	fix_upgrade_engine(c, r,
			   "Or upgrade Docker: current releases use user.overlay.* attributes in a user namespace:");
}

static const char *const trusted_xattr_patterns[] = {
	"setxattr trusted.overlay.* operation not permitted",
	"trusted.overlay.opaque*: operation not permitted",
	NULL,
};

const struct failure failure_trusted_xattr = {
	.id = "trusted-xattr-denied",
	.code = "S7",
	.title = "trusted.* extended attributes refused",
	.cause = "Overlay's opaque directories are marked with trusted.overlay.* xattrs, which only root of the "
		 "initial user namespace may set. Old engines use them even inside a container.",
	.patterns = trusted_xattr_patterns,
	.remedy = remedy_trusted_xattr,
};
