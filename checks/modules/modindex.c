/* SPDX-License-Identifier: Apache-2.0 */
#include "modindex.h"
#include "core/util.h"

#include <fcntl.h>
#include <libkmod.h>
#include <limits.h>

struct modindex {
	struct kmod_ctx *kmod;
	char *tmpdir; /* the replay copy, removed by modindex_free() */
};

/* The index files CONTRACT.md's manifest holds that a lookup by name reads. */
static const char *const index_files[] = {
	"modules.dep.bin", "modules.alias.bin", "modules.symbols.bin", "modules.builtin.bin", "modules.softdep",
};

static void kmod_log_nothing(void *data, int priority, const char *file, int line, const char *fn, const char *format,
			     va_list args)
{
	/* libkmod logs to stderr by default; its "could not open" lines are not nestcheck's report. */
}

static void tmpdir_remove(const char *dir)
{
	for (size_t i = 0; i < ARRAY_SIZE(index_files); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, index_files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy the sysroot's index files, read through the host, into a fresh private directory. */
static int index_copy(struct host *h, const char *release, char **ret_dir)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir = xasprintf("%s/nestcheck-kmod-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -errno;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		int err = -errno;
		rmdir(dir);
		return err;
	}

	for (size_t i = 0; i < ARRAY_SIZE(index_files); i++) {
		_cleanup_free_ char *path = xasprintf("lib/modules/%s/%s", release, index_files[i]);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		int r = host_read_file(h, path, &buf, &len);
		if (r < 0) {
			if (i == 0) { /* modules.dep.bin: without it there is no index */
				tmpdir_remove(dir);
				return r;
			}
			continue; /* libkmod does without the others */
		}
		_cleanup_close_ int fd =
			openat(dfd, index_files[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		r = fd < 0 ? -errno : write_all(fd, buf, len);
		if (r < 0) {
			tmpdir_remove(dir);
			return r;
		}
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

int modindex_open(struct host *h, const char *release, struct modindex **ret)
{
	if (!release[0] || strchr(release, '/') || streq(release, ".") || streq(release, ".."))
		return -EINVAL;

	_cleanup_free_ char *dep = xasprintf("lib/modules/%s/modules.dep.bin", release);
	int r = host_access(h, dep);
	if (r < 0)
		return r;

	_cleanup_free_ char *dir = NULL, *tmpdir = NULL;
	if (host_is_live(h)) {
		/* The live root is "/": its own symlinks are the system's, to be followed. */
		dir = xasprintf("/lib/modules/%s", release);
	} else {
		r = index_copy(h, release, &tmpdir);
		if (r < 0)
			return r;
		dir = xstrdup(tmpdir);
	}

	/* An empty list: no modprobe.d configuration, neither the host's nor this machine's. */
	static const char *const no_config[] = {NULL};
	struct kmod_ctx *kmod = kmod_new(dir, no_config);
	if (!kmod) {
		if (tmpdir)
			tmpdir_remove(tmpdir);
		return -ENOMEM;
	}
	kmod_set_log_fn(kmod, kmod_log_nothing, NULL);

	struct modindex *idx = xcalloc(1, sizeof(*idx));
	idx->kmod = kmod;
	idx->tmpdir = TAKE_PTR(tmpdir);
	*ret = idx;
	return 0;
}

void modindex_free(struct modindex *idx)
{
	if (!idx)
		return;
	kmod_unref(idx->kmod);
	if (idx->tmpdir)
		tmpdir_remove(idx->tmpdir);
	free(idx->tmpdir);
	free(idx);
}

int modindex_lookup(struct modindex *idx, const char *name, enum modindex_hit *ret)
{
	struct kmod_module *mod = NULL;
	int r = kmod_module_new_from_name_lookup(idx->kmod, name, &mod);
	if (r < 0)
		return r;
	if (!mod)
		*ret = MODINDEX_NONE;
	else
		*ret = kmod_module_get_path(mod) ? MODINDEX_MODULE : MODINDEX_BUILTIN;
	kmod_module_unref(mod);
	return 0;
}
