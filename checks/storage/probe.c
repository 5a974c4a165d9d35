/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/child.h"
#include "parse.h"
#include "core/util.h"

#include <blkid.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>

/* How long one overlay mount attempt may take (a hung NFS data root, say) before its child is killed. */
#define ATTEMPT_TIMEOUT_MS 5000
#define REAP_TIMEOUT_MS	   2000

static const char *err_name(int err)
{
	const char *n = strerrorname_np(err < 0 ? -err : err);
	return n ? n : "EUNKNOWN";
}

/*
 * The scratch tree of the probe that runs, for the signal handler: its
 * directories deepest first, the root last (SCRATCH_ROOT). The handler
 * removes scratch[scratch_from..]; each path is in place before scratch_from
 * reaches it, and the root is named before mkdtemp() creates it.
 */
#define SCRATCH_MAX  8
#define SCRATCH_ROOT (SCRATCH_MAX - 1)
static char scratch[SCRATCH_MAX][PATH_MAX];
static volatile sig_atomic_t scratch_from = SCRATCH_MAX;
/* The child that mounts in the tree: it must be gone first, or it recreates overlay's work/work. */
static volatile sig_atomic_t scratch_child;

/* The probe's scratch files, for the signal handler. */
static char dtype_dir[PATH_MAX], dtype_file[PATH_MAX + 8];

static void dtype_cleanup_on_signal(void)
{
	if (dtype_file[0])
		unlink(dtype_file);
	if (dtype_dir[0])
		rmdir(dtype_dir);
}

/* Verdict from the entries of an open directory: 1 d_type, 0 none, -ENODATA no entries. */
static int dtype_scan(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int seen = -ENODATA;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (only && !streq(de->d_name, only))
			continue;
		if (de->d_type != DT_UNKNOWN) {
			seen = 1;
			break;
		}
		seen = 0;
	}
	closedir(d);
	return seen;
}

int probe_dtype(void *userdata, char **ret)
{
	char dir[PATH_MAX];
	struct stat st;
	int r;

	if (snprintf(dir, sizeof(dir), "%s", (const char *)userdata) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	/* The data root may not exist yet: its nearest existing parent is on the same mount. */
	while (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return -ENOENT;
		if (slash == dir) {
			dir[1] = '\0';
			break;
		}
		*slash = '\0';
	}

	if (snprintf(dtype_dir, sizeof(dtype_dir), "%s/.nestcheck-dtype-XXXXXX", streq(dir, "/") ? "" : dir) >=
	    (int)sizeof(dtype_dir))
		return -ENAMETOOLONG;
	if (mkdtemp(dtype_dir)) {
		snprintf(dtype_file, sizeof(dtype_file), "%s/probe", dtype_dir);
		int fd = open(dtype_file, O_CREAT | O_WRONLY | O_CLOEXEC | O_EXCL, 0600);
		r = fd < 0 ? -errno : dtype_scan(dtype_dir, "probe");
		if (fd >= 0)
			close(fd);
		unlink(dtype_file);
		rmdir(dtype_dir);
		dtype_file[0] = dtype_dir[0] = '\0';
	} else {
		dtype_dir[0] = '\0';
		/* Not writable (no root, read-only): judge by what is already there. */
		r = dtype_scan(dir, NULL);
	}
	if (r < 0)
		return r;
	*ret = xstrdup(r ? "supported" : "unsupported");
	return 0;
}

void probe_storage_cleanup_on_signal(void)
{
	pid_t child = scratch_child;
	if (child > 0) {
		kill(child, SIGKILL);
		/* Bounded: a child stuck in the kernel (a hung NFS mount) must not hang the exit. */
		for (int i = 0; i < 1000 && waitpid(child, NULL, WNOHANG) == 0; i++)
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	for (int i = scratch_from; i < SCRATCH_MAX; i++)
		rmdir(scratch[i]);
	dtype_cleanup_on_signal();
}

static int rm_entry(const char *path, const struct stat *st _unused_, int type, struct FTW *ftw _unused_)
{
	if (type == FTW_DP || type == FTW_D || type == FTW_DNR)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/*
 * Remove the scratch tree: never following symlinks, never leaving its
 * filesystem. The handler keeps its list until the tree is gone.
 */
static void scratch_remove(void)
{
	nftw(scratch[SCRATCH_ROOT], rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	rmdir(scratch[SCRATCH_ROOT]);
	scratch_from = SCRATCH_MAX;
}

/*
 * Where dockerd's overlay2 runs its own test: DATA_ROOT/overlay2 when that is
 * a filesystem of its own, else the data root, else (not created yet) its
 * nearest existing parent, which the data root will be created on.
 */
static int scratch_parent(const char *data_root, char dir[PATH_MAX])
{
	struct stat st, sub;
	if (snprintf(dir, PATH_MAX, "%s", data_root) >= PATH_MAX)
		return -ENAMETOOLONG;
	while (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return -ENOENT;
		if (slash == dir) {
			dir[1] = '\0';
			if (stat(dir, &st) < 0)
				return -errno;
			break;
		}
		*slash = '\0';
	}
	if (streq(dir, data_root)) {
		_cleanup_free_ char *o2 = xasprintf("%s/overlay2", streq(data_root, "/") ? "" : data_root);
		if (stat(o2, &sub) == 0 && S_ISDIR(sub.st_mode) && sub.st_dev != st.st_dev) {
			if (snprintf(dir, PATH_MAX, "%s", o2) >= PATH_MAX)
				return -ENAMETOOLONG;
		}
	}
	return 0;
}

/* Create the scratch root under dir (scratch[SCRATCH_ROOT]), known to the handler from the start. */
static int scratch_make(const char *dir, const char *tag)
{
	char *root = scratch[SCRATCH_ROOT];
	if (snprintf(root, PATH_MAX, "%s/.nestcheck-%s-XXXXXX", streq(dir, "/") ? "" : dir, tag) >= PATH_MAX)
		return -ENAMETOOLONG;
	scratch_from = SCRATCH_ROOT;
	if (!mkdtemp(root)) {
		int r = -errno;
		scratch_from = SCRATCH_MAX;
		return r;
	}
	return 0;
}

enum attempt {
	ATTEMPT_PLAIN,	   /* a new mount namespace, as dockerd's SupportsOverlay */
	ATTEMPT_USERXATTR, /* the same with userxattr, as dockerd's layer mounts in a user namespace */
	ATTEMPT_USERNS,	   /* a new user namespace (root mapped to us) with userxattr */
};

static _Noreturn void child_exit(int fd, const char *stage, int err)
{
	char msg[64];
	int n = err ? snprintf(msg, sizeof(msg), "%s%s%s", stage ? stage : "", stage ? ":" : "", err_name(err))
		    : snprintf(msg, sizeof(msg), "ok");
	if (write(fd, msg, (size_t)n) < 0) {
		/* The parent reads no message and says so. */
	}
	_exit(err ? 1 : 0);
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

struct overlay_call {
	enum attempt a;
	const char *merged, *opts;
	uid_t uid;
	gid_t gid;
};

static _Noreturn void overlay_child(void *arg, int fd)
{
	const struct overlay_call *call = arg;
	enum attempt a = call->a;
	const char *merged = call->merged, *opts = call->opts;
	uid_t uid = call->uid;
	gid_t gid = call->gid;
	char map[64];
	int err;

	/* Never run the CLI's cleanup from here. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	if (a == ATTEMPT_USERNS) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			child_exit(fd, "unshare", errno);
		err = write_proc("/proc/self/setgroups", "deny");
		if (err < 0 && err != -ENOENT)
			child_exit(fd, "setgroups", -err);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if ((err = write_proc("/proc/self/uid_map", map)) < 0)
			child_exit(fd, "uid_map", -err);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if ((err = write_proc("/proc/self/gid_map", map)) < 0)
			child_exit(fd, "gid_map", -err);
	} else if (unshare(CLONE_NEWNS) < 0) {
		child_exit(fd, "unshare", errno);
	}
	/* Nothing mounted here may reach another namespace. ("none": a type the kernel ignores, not NULL.) */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		child_exit(fd, "private", errno);
	if (mount("overlay", merged, "overlay", 0, opts) < 0)
		child_exit(fd, NULL, errno);
	umount2(merged, MNT_DETACH);
	child_exit(fd, NULL, 0);
}

/*
 * One mount attempt in a fresh scratch tree under dir: 0 with "ok" or what
 * failed; a negative errno when the scratch tree cannot be made.
 */
static int overlay_attempt(const char *dir, enum attempt a, char **ret)
{
	static const char *const sub[SCRATCH_ROOT] = {"work/work", "work/index", "lower1", "lower2",
						      "upper",	   "work",	 "merged"};
	const char *root = scratch[SCRATCH_ROOT];
	int r = scratch_make(dir, "overlay");
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
		if (snprintf(scratch[i], PATH_MAX, "%s/%s", root, sub[i]) >= PATH_MAX) {
			scratch_remove();
			return -ENAMETOOLONG;
		}
	scratch_from = 0;
	/* The first two are overlay's own; create the rest. */
	for (size_t i = 2; i < ARRAY_SIZE(sub); i++)
		if (mkdir(scratch[i], 0755) < 0) {
			r = -errno;
			scratch_remove();
			return r;
		}

	_cleanup_free_ char *opts = xasprintf("lowerdir=%s/lower2:%s/lower1,upperdir=%s/upper,workdir=%s/work%s", root,
					      root, root, root, a == ATTEMPT_PLAIN ? "" : ",userxattr");
	_cleanup_free_ char *merged = xasprintf("%s/merged", root);
	struct overlay_call call = {a, merged, opts, geteuid(), getegid()};
	const struct child_opts o = {.timeout_ms = ATTEMPT_TIMEOUT_MS,
				     .max_output = 63,
				     .reap_ms = REAP_TIMEOUT_MS,
				     /* Forked: on a hung NFS data root it may be left behind (REAP_TIMEOUT_MS). */
				     .running = &scratch_child};
	struct child_result res;
	fflush(NULL);
	r = child_run(overlay_child, &call, &o, &res);
	if (r < 0) {
		scratch_remove();
		return r;
	}
	/* What the child said counts, even when it then hung; silence is a timeout. */
	char *verdict;
	if (res.out_len)
		verdict = xstrdup(res.out);
	else if (res.timed_out)
		verdict = xstrdup("timeout");
	else if (res.reaped && WIFSIGNALED(res.status))
		verdict = xasprintf("killed:%s",
				    sigabbrev_np(WTERMSIG(res.status)) ? sigabbrev_np(WTERMSIG(res.status)) : "?");
	else
		verdict = xstrdup("no-answer");
	child_result_clear(&res);
	/* The child's namespace, and the mount in it, are gone: the tree can go. */
	scratch_remove();
	*ret = verdict;
	return 0;
}

int probe_overlay_mount(void *userdata, char **ret)
{
	const struct overlay_probe_args *args = userdata;
	struct strbuf sb = {0};
	char dir[PATH_MAX];

	if (geteuid() != 0) {
		kv_append(&sb, "skipped", "not-root");
		*ret = strbuf_take(&sb);
		return 0;
	}
	int r = scratch_parent(args->data_root, dir);
	if (r < 0)
		return r;
	kv_append(&sb, "dir", dir);

	_cleanup_free_ char *plain = NULL, *userxattr = NULL, *userns = NULL;
	r = overlay_attempt(dir, ATTEMPT_PLAIN, &plain);
	if (r < 0) {
		kv_append(&sb, "error", err_name(r));
		*ret = strbuf_take(&sb);
		return 0;
	}
	kv_append(&sb, "plain", plain);
	if (args->in_userns && overlay_attempt(dir, ATTEMPT_USERXATTR, &userxattr) == 0)
		kv_append(&sb, "userxattr", userxattr);
	/* A mount that hangs would hang again: one timeout is enough. */
	if (!streq(plain, "ok") && !streq(plain, "timeout") && !(userxattr && streq(userxattr, "ok")) &&
	    overlay_attempt(dir, ATTEMPT_USERNS, &userns) == 0)
		kv_append(&sb, "userns", userns);
	*ret = strbuf_take(&sb);
	return 0;
}

int probe_overlay_xattr(void *userdata, char **ret)
{
	const struct overlay_probe_args *args = userdata;
	struct strbuf sb = {0};
	char dir[PATH_MAX];

	if (geteuid() != 0) {
		kv_append(&sb, "skipped", "not-root");
		*ret = strbuf_take(&sb);
		return 0;
	}
	int r = scratch_parent(args->data_root, dir);
	if (r < 0)
		return r;
	kv_append(&sb, "dir", dir);
	r = scratch_make(dir, "xattr");
	if (r < 0) {
		kv_append(&sb, "error", err_name(r));
		*ret = strbuf_take(&sb);
		return 0;
	}
	const char *root = scratch[SCRATCH_ROOT];
	/* The mark overlay2 puts on an opaque directory, in both namespaces it may use. */
	static const char *const names[][2] = {{"trusted", "trusted.overlay.opaque"}, {"user", "user.overlay.opaque"}};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		kv_append(&sb, names[i][0], setxattr(root, names[i][1], "y", 1, 0) < 0 ? err_name(errno) : "ok");
	scratch_remove();
	*ret = strbuf_take(&sb);
	return 0;
}

int probe_block(void *userdata, char **ret)
{
	const char *dev = userdata;
	struct strbuf sb = {0};
	struct stat st;

	kv_append(&sb, "dev", dev);
	_cleanup_close_ int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		kv_append(&sb, "error", err_name(errno));
		*ret = strbuf_take(&sb);
		return 0;
	}
	if (!S_ISBLK(st.st_mode)) {
		kv_append(&sb, "error", "ENOTBLK");
		*ret = strbuf_take(&sb);
		return 0;
	}
	char rdev[32];
	snprintf(rdev, sizeof(rdev), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	kv_append(&sb, "rdev", rdev);

	blkid_probe pr = blkid_new_probe();
	if (!pr) {
		free(strbuf_take(&sb));
		return -ENOMEM;
	}
	int rc = blkid_probe_set_device(pr, fd, 0, 0);
	if (rc == 0) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
		rc = blkid_do_safeprobe(pr);
	}
	if (rc == 0) {
		static const char *const names[][2] = {{"TYPE", "type"}, {"UUID", "uuid"}, {"LABEL", "label"}};
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			const char *v = NULL;
			if (blkid_probe_lookup_value(pr, names[i][0], &v, NULL) == 0 && v)
				kv_append(&sb, names[i][1], v);
		}
	} else if (rc == 1) {
		kv_append(&sb, "result", "none");
	} else if (rc == -2) {
		kv_append(&sb, "result", "ambivalent");
	} else {
		kv_append(&sb, "error", err_name(errno ? errno : EIO));
	}
	blkid_free_probe(pr);
	*ret = strbuf_take(&sb);
	return 0;
}
