/* SPDX-License-Identifier: Apache-2.0 */
#include "modindex.h"
#include "core/dynlib.h"
#include "core/util.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>

struct modindex {
	char *dir;	       /* what libkmod reads: lib/modules/R live, the copy in a replay */
	struct kmod_ctx *kmod; /* made at the first lookup: most runs need none */
	int kmod_err;	       /* why it could not be made */
	char *tmpdir;	       /* the replay copy, removed by modindex_free() */
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

/* The replay copy in use, with its files' paths made beforehand: removed from a signal handler too. */
static char copy_dir[4096];
static char copy_files[ARRAY_SIZE(index_files)][4200];

void modindex_cleanup_on_signal(void)
{
	if (!copy_dir[0])
		return;
	for (size_t i = 0; i < ARRAY_SIZE(index_files); i++)
		unlink(copy_files[i]);
	rmdir(copy_dir);
	copy_dir[0] = '\0';
}

static void tmpdir_remove(const char *dir)
{
	if (streq(dir, copy_dir)) {
		modindex_cleanup_on_signal();
		return;
	}
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

/*
 * libkmod trusts an index file: a node's child count comes from two signed bytes into a
 * 128-slot array, a value count of 2^31 is allocated or read, offsets are followed past the
 * end of the file. Walk every node of the trie (as libkmod 30's index.c lays it out: magic,
 * version, root offset, then big-endian nodes of an optional NUL-terminated prefix, children
 * first..last with an offset each, and counted values of a priority and a NUL-terminated
 * string) and accept the file only when every read libkmod could make stays inside it. Each
 * node is visited once: linear in the file's size.
 */
#define KIDX_MAGIC  0xB007F457u
#define KIDX_PREFIX 0x80000000u
#define KIDX_VALUES 0x40000000u
#define KIDX_CHILDS 0x20000000u
#define KIDX_MASK   0x0FFFFFFFu

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* After a NUL-terminated string at *pos: false when it runs off the end. */
static bool skip_string(const unsigned char *buf, size_t len, size_t *pos)
{
	const unsigned char *nul = *pos < len ? memchr(buf + *pos, '\0', len - *pos) : NULL;
	if (!nul)
		return false;
	*pos = (size_t)(nul - buf) + 1;
	return true;
}

bool modindex_file_valid(const unsigned char *buf, size_t len)
{
	if (len < 12 || len > KIDX_MASK || be32(buf) != KIDX_MAGIC || be32(buf + 4) >> 16 != 2)
		return false;
	_cleanup_free_ uint32_t *stack = xcalloc(len / 4 + 2, sizeof(*stack));
	_cleanup_free_ unsigned char *seen = xcalloc(len / 8 + 1, 1);
	size_t depth = 0;
	stack[depth++] = be32(buf + 8);
	while (depth) {
		uint32_t off = stack[--depth];
		size_t pos = off & KIDX_MASK;
		if (pos == 0)
			continue; /* no node */
		if (pos < 12 || pos >= len)
			return false;
		if (seen[pos / 8] & (1u << (pos % 8)))
			continue;
		seen[pos / 8] |= (unsigned char)(1u << (pos % 8));
		if ((off & KIDX_PREFIX) && !skip_string(buf, len, &pos))
			return false;
		if (off & KIDX_CHILDS) {
			if (len - pos < 2)
				return false;
			unsigned first = buf[pos], last = buf[pos + 1];
			/* Read as chars: 0..127 each, first <= last, or libkmod's count goes wrong. */
			if (first > 127 || last > 127 || first > last)
				return false;
			size_t n = last - first + 1;
			pos += 2;
			if ((len - pos) / 4 < n)
				return false;
			/* Every node takes a byte at least: more nodes than bytes is a file that repeats them. */
			if (depth + n > len / 4 + 2)
				return false;
			for (size_t i = 0; i < n; i++, pos += 4)
				stack[depth++] = be32(buf + pos);
		}
		if (off & KIDX_VALUES) {
			if (len - pos < 4)
				return false;
			uint32_t n = be32(buf + pos);
			pos += 4;
			/* Each value is 4 bytes of priority and a string's NUL at least. */
			if (n > (len - pos) / 5)
				return false;
			for (uint32_t i = 0; i < n; i++) {
				pos += 4;
				if (!skip_string(buf, len, &pos))
					return false;
			}
		}
	}
	return true;
}

/* Copy the sysroot's index files, read through the host, into a fresh private directory. */
static int index_copy(struct host *h, const char *release, char **ret_dir)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir = xasprintf("%s/nestcheck-kmod-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	/* No signal between making the directory and noting it for the handler. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (!mkdtemp(dir)) {
		int err = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return err;
	}
	if (strlen(dir) < sizeof(copy_dir)) {
		for (size_t i = 0; i < ARRAY_SIZE(index_files); i++)
			snprintf(copy_files[i], sizeof(copy_files[i]), "%s/%s", dir, index_files[i]);
		snprintf(copy_dir, sizeof(copy_dir), "%s", dir);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
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
		/* A malformed index never reaches libkmod (modules.softdep is text, parsed with care). */
		if (r == 0 && strstr(index_files[i], ".bin") && !modindex_file_valid((unsigned char *)buf, len))
			r = -EBADMSG;
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

	struct modindex *idx = xcalloc(1, sizeof(*idx));
	idx->dir = TAKE_PTR(dir);
	idx->tmpdir = TAKE_PTR(tmpdir);
	*ret = idx;
	return 0;
}

/* libkmod, loaded now: a module loaded or built in is known without it. */
static int modindex_kmod(struct modindex *idx)
{
	if (idx->kmod || idx->kmod_err)
		return idx->kmod_err;
	idx->kmod_err = dyn_kmod_load();
	if (idx->kmod_err < 0)
		return idx->kmod_err;
	/* An empty list: no modprobe.d configuration, neither the host's nor this machine's. */
	static const char *const no_config[] = {NULL};
	idx->kmod = kmod_new(idx->dir, no_config);
	if (!idx->kmod)
		return idx->kmod_err = -ENOMEM;
	kmod_set_log_fn(idx->kmod, kmod_log_nothing, NULL);
	return 0;
}

void modindex_free(struct modindex *idx)
{
	if (!idx)
		return;
	if (idx->kmod)
		kmod_unref(idx->kmod);
	if (idx->tmpdir)
		tmpdir_remove(idx->tmpdir);
	free(idx->tmpdir);
	free(idx->dir);
	free(idx);
}

int modindex_lookup(struct modindex *idx, const char *name, enum modindex_hit *ret)
{
	int r = modindex_kmod(idx);
	if (r < 0)
		return r;
	struct kmod_module *mod = NULL;
	r = kmod_module_new_from_name_lookup(idx->kmod, name, &mod);
	if (r < 0)
		return r;
	if (!mod)
		*ret = MODINDEX_NONE;
	else
		*ret = kmod_module_get_path(mod) ? MODINDEX_MODULE : MODINDEX_BUILTIN;
	kmod_module_unref(mod);
	return 0;
}
