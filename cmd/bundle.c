/* SPDX-License-Identifier: Apache-2.0 */
#include "bundle.h"
#include "core/dynlib.h"
#include "core/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static char bundle_dir[4096];
static char bundle_root[4200];

/*
 * Remove everything below the directory dfd (which it takes over and closes), as deep as
 * extraction could make it. Async-signal-safe: raw getdents64, unlinkat, no malloc, no
 * recursion: it goes down into a directory it cannot remove and, when that one is empty,
 * back up through "..", where the rescan removes it. The tree is private (mode 0700), so
 * ".." is the directory it came from. Bounded: a directory that stays full (a file that
 * cannot be removed) is given up after a budget of descents.
 */
static void rm_tree_at(int dfd)
{
	char buf[4096];
	long depth = 0, budget = 8L * BUNDLE_MAX_ENTRIES + 1024;

	while (dfd >= 0 && budget-- > 0) {
		bool removed = false, descended = false;
		long n;
		lseek(dfd, 0, SEEK_SET);
		while (!descended && (n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n && !descended;) {
				struct {
					unsigned long long ino;
					long long off;
					unsigned short reclen;
					unsigned char type;
					char name[];
				} *de = (void *)(buf + off);
				off += de->reclen;
				if (!strcmp(de->name, ".") || !strcmp(de->name, ".."))
					continue;
				if (unlinkat(dfd, de->name, 0) == 0 || unlinkat(dfd, de->name, AT_REMOVEDIR) == 0) {
					removed = true;
					continue;
				}
				int sub = openat(dfd, de->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0) {
					close(dfd);
					dfd = sub;
					depth++;
					descended = true;
				}
			}
			/* Entries were removed under the listing: rescan until a pass removes nothing. */
			if (!descended && removed) {
				removed = false;
				lseek(dfd, 0, SEEK_SET);
			}
		}
		if (descended)
			continue;
		if (depth == 0)
			break;
		int up = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(dfd);
		dfd = up;
		depth--;
	}
	if (dfd >= 0)
		close(dfd);
}

void bundle_cleanup_on_signal(void)
{
	if (!bundle_dir[0])
		return;
	int fd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		rm_tree_at(fd);
	rmdir(bundle_dir);
	bundle_dir[0] = 0;
}

void bundle_cleanup(void)
{
	bundle_cleanup_on_signal();
}

static void on_signal(int sig)
{
	bundle_cleanup_on_signal();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* An archive path: relative, no `..` component, not empty. */
static const char *path_problem(const char *p)
{
	if (!p || !*p)
		return "an entry without a name";
	if (p[0] == '/')
		return "an absolute path";
	for (const char *s = p; *s;) {
		size_t len = strcspn(s, "/");
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return "a '..' component";
		s += len;
		s += strspn(s, "/");
	}
	return NULL;
}

/*
 * A symlink target stays inside when it is relative, its `..` components all
 * come first and there are no more of them than the link's depth. Later
 * `..` could climb back out through another link (a -> ., b -> a/..), so
 * they are refused even when the text looks harmless.
 */
static const char *symlink_problem(const char *path, const char *target)
{
	if (!target || !*target)
		return "a symlink without a target";
	if (target[0] == '/')
		return "a symlink with an absolute target";
	int depth = 0;
	for (const char *s = path; *s;) {
		size_t len = strcspn(s, "/");
		if (len && !(len == 1 && s[0] == '.'))
			depth++;
		s += len;
		s += strspn(s, "/");
	}
	depth--; /* the link's own name */
	bool names = false;
	for (const char *s = target; *s;) {
		size_t len = strcspn(s, "/");
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (names || --depth < 0)
				return "a symlink whose target leaves the bundle";
		} else if (len && !(len == 1 && s[0] == '.')) {
			names = true;
		}
		s += len;
		s += strspn(s, "/");
	}
	return NULL;
}

/*
 * Open the parent directory of path under dfd, creating directories and never
 * following a symlink; *ret_name points at the last component. -errno.
 */
static int open_parent(int dfd, const char *path, bool create, char *name, size_t namelen)
{
	int cur = dup(dfd);
	if (cur < 0)
		return -errno;
	const char *s = path + strspn(path, "/");
	for (;;) {
		size_t len = strcspn(s, "/");
		const char *next = s + len + strspn(s + len, "/");
		if (len >= namelen) {
			close(cur);
			return -ENAMETOOLONG;
		}
		memcpy(name, s, len);
		name[len] = 0;
		if (!*next)
			return cur;
		if (len && strcmp(name, ".")) {
			if (create && mkdirat(cur, name, 0755) < 0 && errno != EEXIST) {
				int e = -errno;
				close(cur);
				return e;
			}
			int sub = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int e = -errno;
			close(cur);
			if (sub < 0)
				return e;
			cur = sub;
		}
		s = next;
	}
}

static int fail(char *err, size_t errlen, int r, const char *fmt, ...) _printf_(4, 5);
static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* One line: whatever libarchive said, keep it on it. */
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return r;
}

static int extract_entry(struct archive *a, struct archive_entry *e, int dfd, long long *total, char *err,
			 size_t errlen)
{
	const char *path = archive_entry_pathname(e), *why;
	char name[256];
	if ((why = path_problem(path)))
		return fail(err, errlen, -EPERM, "refused: %s (%s)", why, path ? path : "");
	const char *hardlink = archive_entry_hardlink(e);
	unsigned type = archive_entry_filetype(e);
	if (hardlink) {
		if ((why = path_problem(hardlink)))
			return fail(err, errlen, -EPERM, "refused: a hardlink to %s (%s -> %s)", why, path, hardlink);
		char tname[256];
		_cleanup_close_ int tp = open_parent(dfd, hardlink, false, tname, sizeof(tname));
		if (tp < 0)
			return fail(err, errlen, tp, "refused: hardlink %s to %s, which is not in the bundle", path,
				    hardlink);
		_cleanup_close_ int p = open_parent(dfd, path, true, name, sizeof(name));
		if (p < 0)
			return fail(err, errlen, p, "cannot create %s: %s", path, strerror(-p));
		if (linkat(tp, tname, p, name, 0) < 0)
			return fail(err, errlen, -errno, "cannot link %s to %s: %s", path, hardlink, strerror(errno));
		return 0;
	}
	switch (type) {
	case AE_IFDIR: {
		_cleanup_close_ int p = open_parent(dfd, path, true, name, sizeof(name));
		if (p < 0)
			return fail(err, errlen, p, "cannot create %s: %s", path, strerror(-p));
		if (*name && strcmp(name, ".") && mkdirat(p, name, 0755) < 0 && errno != EEXIST)
			return fail(err, errlen, -errno, "cannot create %s: %s", path, strerror(errno));
		return 0;
	}
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if ((why = symlink_problem(path, target)))
			return fail(err, errlen, -EPERM, "refused: %s (%s -> %s)", why, path, target ? target : "");
		_cleanup_close_ int p = open_parent(dfd, path, true, name, sizeof(name));
		if (p < 0)
			return fail(err, errlen, p, "cannot create %s: %s", path, strerror(-p));
		if (symlinkat(target, p, name) < 0)
			return fail(err, errlen, -errno, "cannot create symlink %s: %s", path, strerror(errno));
		return 0;
	}
	case AE_IFREG:
		break;
	default:
		return fail(err, errlen, -EPERM, "refused: %s is a device, fifo or socket", path);
	}

	long long size = archive_entry_size(e);
	if (size < 0 || size > BUNDLE_MAX_FILE)
		return fail(err, errlen, -EFBIG, "refused: %s is %lld bytes, more than the %lld MiB a file may have",
			    path, size, BUNDLE_MAX_FILE >> 20);
	if (*total + size > BUNDLE_MAX_TOTAL)
		return fail(err, errlen, -EFBIG, "refused: the files add up to more than %lld MiB",
			    BUNDLE_MAX_TOTAL >> 20);
	_cleanup_close_ int p = open_parent(dfd, path, true, name, sizeof(name));
	if (p < 0)
		return fail(err, errlen, p, "cannot create %s: %s", path, strerror(-p));
	_cleanup_close_ int fd = openat(p, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot create %s: %s", path,
			    errno == EEXIST ? "it is in the bundle twice" : strerror(errno));
	char buf[65536];
	long long got = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0)
			return fail(err, errlen, -EBADMSG, "truncated or corrupt bundle at %s: %s", path,
				    archive_error_string(a) ?: "read error");
		got += n;
		if (got > size || got > BUNDLE_MAX_FILE)
			return fail(err, errlen, -EFBIG, "refused: %s holds more than its header says", path);
		for (char *q = buf; n > 0;) {
			ssize_t w = write(fd, q, (size_t)n);
			if (w < 0)
				return fail(err, errlen, -errno, "cannot write %s: %s", path, strerror(errno));
			q += w;
			n -= w;
		}
	}
	*total += got;
	return 0;
}

int bundle_extract(const char *file, const char **ret_root, char *err, size_t errlen)
{
	int r = dyn_archive_load();
	if (r < 0)
		return fail(err, errlen, r, "libarchive is needed to read a bundle: %s", dyn_error());
	if (bundle_dir[0])
		return fail(err, errlen, -EBUSY, "only one bundle at a time");

	const char *tmp = getenv("TMPDIR");
	snprintf(bundle_dir, sizeof(bundle_dir), "%s/nestcheck-bundle.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	struct sigaction sa = {.sa_handler = on_signal}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	/* Keep a handler the caller already set; it calls bundle_cleanup_on_signal(). */
	static const int sigs[] = {SIGINT, SIGTERM};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaction(sigs[i], NULL, &old);
		if (old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
	if (!mkdtemp(bundle_dir)) {
		int e = -errno;
		bundle_dir[0] = 0;
		return fail(err, errlen, e, "cannot make a temp dir: %s", strerror(-e));
	}
	static bool registered;
	if (!registered) {
		atexit(bundle_cleanup);
		registered = true;
	}

	struct archive *a = archive_read_new();
	if (!a)
		return fail(err, errlen, -ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	int dfd = -1;
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		r = fail(err, errlen, -EBADMSG, "not a tar bundle: %s", archive_error_string(a) ?: "unreadable");
		goto out;
	}
	dfd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = fail(err, errlen, -errno, "cannot open the temp dir: %s", strerror(errno));
		goto out;
	}
	long long total = 0;
	size_t n = 0;
	struct archive_entry *e;
	for (;;) {
		int h = archive_read_next_header(a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = fail(err, errlen, -EBADMSG, "%s bundle: %s", n ? "truncated or corrupt" : "not a tar",
				 archive_error_string(a) ?: "read error");
			goto out;
		}
		if (++n > BUNDLE_MAX_ENTRIES) {
			r = fail(err, errlen, -EFBIG, "refused: more than %d entries", BUNDLE_MAX_ENTRIES);
			goto out;
		}
		r = extract_entry(a, e, dfd, &total, err, errlen);
		if (r < 0)
			goto out;
	}
	if (n == 0) {
		r = fail(err, errlen, -ENODATA, "empty bundle");
		goto out;
	}
	struct stat st;
	if (fstatat(dfd, "root", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		snprintf(bundle_root, sizeof(bundle_root), "%s/root", bundle_dir);
	else
		snprintf(bundle_root, sizeof(bundle_root), "%s", bundle_dir);
	*ret_root = bundle_root;
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	archive_read_free(a);
	if (r < 0)
		bundle_cleanup();
	return r;
}

int bundle_root_arg(const char **root)
{
	struct stat st;
	char err[512];
	if (!*root || stat(*root, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	int r = bundle_extract(*root, root, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "nestcheck: bad bundle %s: %s\n", *root, err);
		return r;
	}
	return 0;
}
