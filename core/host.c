/* SPDX-License-Identifier: Apache-2.0 */
#include "host.h"
#include "util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>

struct observation {
	char *key;
	char *value;
};

/* A probe's answer found ahead: a value, or the error that left nothing to record. */
struct ahead_item {
	char *key;
	char *value;
	int err;
};

struct host_ahead {
	pthread_t thread;
	const char *const *keys;
	host_ahead_fn fn;
	void *arg;
	struct ahead_item *items;
	size_t n, cap;
	struct host_ahead *next;
};

struct host {
	char *root; /* NULL when live */
	int root_fd;
	bool openat2_missing;
	bool no_probes;
	struct observation *obs; /* in the order they were recorded (the recording's order) */
	size_t n_obs, cap_obs;
	size_t *slots;		   /* open addressing over obs: index + 1, 0 for an empty slot */
	size_t n_slots;		   /* a power of two, at least twice n_obs */
	struct host_ahead *ahead;  /* threads still running probes ahead */
	struct ahead_item *failed; /* errors they met, as host_observe() returns them */
	size_t n_failed;
};

int host_new(const char *root, struct host **ret)
{
	_cleanup_close_ int fd = -1;

	if (root) {
		struct stat st;
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			return -errno;
		/* An O_PATH open does not need search rights; reading does. */
		if (faccessat(fd, ".", R_OK | X_OK, AT_EACCESS) < 0)
			return -errno;
	}

	struct host *h = xcalloc(1, sizeof(*h));
	h->root = root ? xstrdup(root) : NULL;
	h->root_fd = fd;
	fd = -1;

	if (root) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (host_read_file(h, HOST_OBSERVATIONS_PATH, &buf, &len) == 0)
			host_load_observations(h, buf);
	}
	*ret = h;
	return 0;
}

static void ahead_join_all(struct host *h);

void host_free(struct host *h)
{
	if (!h)
		return;
	ahead_join_all(h);
	for (size_t i = 0; i < h->n_failed; i++)
		free(h->failed[i].key);
	free(h->failed);
	for (size_t i = 0; i < h->n_obs; i++) {
		free(h->obs[i].key);
		free(h->obs[i].value);
	}
	free(h->obs);
	free(h->slots);
	if (h->root_fd >= 0)
		close(h->root_fd);
	free(h->root);
	free(h);
}

bool host_is_live(const struct host *h)
{
	return h->root == NULL;
}

const char *host_root(const struct host *h)
{
	return h->root ? h->root : "/";
}

/*
 * Resolve path inside the sysroot: symlinks (absolute ones too) resolve
 * against the root and never leave it; loops give ELOOP.
 */
static int host_open(struct host *h, const char *path, int flags)
{
	if (!h->root) {
		_cleanup_free_ char *abs = xasprintf("/%s", path);
		int fd = open(abs, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}

	if (!h->openat2_missing) {
		struct open_how how = {
			.flags = (unsigned)flags | O_CLOEXEC,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, h->root_fd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		h->openat2_missing = true;
	}

	/* Old kernels: walk component by component and refuse any symlink. */
	_cleanup_free_ char *copy = xstrdup(path);
	int dirfd = dup(h->root_fd);
	if (dirfd < 0)
		return -errno;
	char *save = NULL;
	char *comp = strtok_r(copy, "/", &save);
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		if (streq(comp, "..")) {
			close(dirfd);
			return -EXDEV;
		}
		int fd = openat(dirfd, comp, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		close(dirfd);
		if (fd < 0)
			return -err;
		dirfd = fd;
		comp = next;
	}
	return dirfd;
}

/* A regular file of at most HOST_MAX_FILE bytes, opened for reading: its fd and size. */
static int host_open_regular(struct host *h, const char *path, off_t *ret_size)
{
	/* O_NONBLOCK: a FIFO planted in a sysroot must not hang the run. */
	_cleanup_close_ int fd = host_open(h, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;

	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((unsigned long long)st.st_size > HOST_MAX_FILE)
		return -EFBIG;
	*ret_size = st.st_size;
	int r = fd;
	fd = -1;
	return r;
}

int host_read_file(struct host *h, const char *path, char **ret, size_t *ret_len)
{
	off_t size = 0;
	_cleanup_close_ int fd = host_open_regular(h, path, &size);
	if (fd < 0)
		return fd;

	size_t cap = size > 0 ? (size_t)size + 1 : 4096, len = 0;
	_cleanup_free_ char *buf = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > HOST_MAX_FILE)
				return -EFBIG;
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > HOST_MAX_FILE)
		return -EFBIG;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int host_read_chunks(struct host *h, const char *path, int (*chunk)(const char *text, size_t len, void *userdata),
		     void *userdata)
{
	off_t size;
	_cleanup_close_ int fd = host_open_regular(h, path, &size);
	if (fd < 0)
		return fd;

	size_t cap = 64 * 1024, len = 0, total = 0;
	_cleanup_free_ char *buf = xmalloc(cap + 1);
	for (bool eof = false; !eof;) {
		if (len == cap) {
			/* One line longer than the buffer: grow it (the size cap bounds it). */
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		eof = n == 0;
		total += (size_t)n;
		if (total > HOST_MAX_FILE)
			return -EFBIG;
		if (memchr(buf + len, '\0', (size_t)n))
			return -EBADMSG;
		len += (size_t)n;

		/* The whole lines read so far; at the end, a last one without its '\n' too. */
		size_t whole = len;
		if (!eof) {
			while (whole > 0 && buf[whole - 1] != '\n')
				whole--;
			if (whole == 0)
				continue; /* no line ends yet: read on */
		}
		if (whole > 0) {
			char keep = buf[whole];
			buf[whole] = '\0';
			int r = chunk(buf, whole, userdata);
			if (r < 0)
				return r;
			buf[whole] = keep;
		}
		len -= whole;
		memmove(buf, buf + whole, len);
	}
	return 0;
}

int host_read_text(struct host *h, const char *path, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	int r = host_read_file(h, path, &buf, &len);
	if (r < 0)
		return r;
	/* Text parsers stop at a NUL: a file holding one is junk, not a shorter file. */
	if (memchr(buf, '\0', len)) {
		free(buf);
		return -EBADMSG;
	}
	*ret = buf;
	return 0;
}

int host_read_line(struct host *h, const char *path, char **ret)
{
	char *buf = NULL;
	int r = host_read_text(h, path, &buf);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	*ret = strstrip_right(buf);
	return 0;
}

int host_read_link(struct host *h, const char *path, char **ret)
{
	if (h->root)
		return host_read_line(h, path, ret);

	char buf[256];
	_cleanup_free_ char *abs = xasprintf("/%s", path);
	ssize_t n = readlink(abs, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*ret = xstrdup(buf);
	return 0;
}

int host_access(struct host *h, const char *path)
{
	_cleanup_close_ int fd = host_open(h, path, O_PATH);
	return fd < 0 ? fd : 0;
}

int host_kernel_release(struct host *h, char **ret)
{
	return host_read_line(h, "proc/sys/kernel/osrelease", ret);
}

/* FNV-1a: the keys are short paths and names; a recording's keys are not chosen to collide
 * with a seeded hash in mind, and a probe sequence is bounded by the table's size anyway. */
static size_t key_hash(const char *key)
{
	unsigned long long x = hash_fnv(HASH_FNV_START, key);
	return (size_t)(x ^ (x >> 32));
}

/* The slot that holds key, or the empty slot where it would go. */
static size_t *host_slot(const struct host *h, const char *key)
{
	size_t mask = h->n_slots - 1, i = key_hash(key) & mask;
	while (h->slots[i] && !streq(h->obs[h->slots[i] - 1].key, key))
		i = (i + 1) & mask;
	return &h->slots[i];
}

static struct observation *host_find(const struct host *h, const char *key)
{
	if (h->n_slots == 0)
		return NULL;
	size_t *slot = host_slot(h, key);
	return *slot ? &h->obs[*slot - 1] : NULL;
}

static void host_rehash(struct host *h, size_t n_slots)
{
	free(h->slots);
	h->slots = xcalloc(n_slots, sizeof(*h->slots));
	h->n_slots = n_slots;
	for (size_t i = 0; i < h->n_obs; i++)
		*host_slot(h, h->obs[i].key) = i + 1;
}

void host_record(struct host *h, const char *key, const char *value)
{
	struct observation *o = host_find(h, key);
	if (o) {
		free(o->value);
		o->value = strstrip_right(xstrdup(value));
		return;
	}
	if (h->n_obs == h->cap_obs) {
		h->cap_obs = h->cap_obs ? 2 * h->cap_obs : 64;
		h->obs = xrealloc(h->obs, h->cap_obs * sizeof(*h->obs));
	}
	h->obs[h->n_obs++] = (struct observation){xstrdup(key), strstrip_right(xstrdup(value))};
	if (2 * h->n_obs > h->n_slots)
		host_rehash(h, h->n_slots ? 2 * h->n_slots : 128);
	else
		*host_slot(h, key) = h->n_obs;
}

static void *ahead_run(void *arg)
{
	struct host_ahead *a = arg;
	a->fn(a, a->arg);
	return NULL;
}

int host_ahead(struct host *h, const char *const *keys, host_ahead_fn fn, void *arg)
{
	if (h->root || h->no_probes)
		return -ENODATA;
	struct host_ahead *a = xcalloc(1, sizeof(*a));
	*a = (struct host_ahead){.keys = keys, .fn = fn, .arg = arg, .next = h->ahead};
	int r = thread_start(&a->thread, ahead_run, a);
	if (r != 0) {
		free(a);
		return -r;
	}
	h->ahead = a;
	return 0;
}

int host_ahead_probe(struct host_ahead *a, const char *key, host_probe_fn probe, void *userdata, const char **ret)
{
	char *value = NULL;
	int r = probe(userdata, &value);
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->items = xrealloc(a->items, a->cap * sizeof(*a->items));
	}
	a->items[a->n++] = (struct ahead_item){xstrdup(key), r < 0 ? NULL : value, r < 0 ? r : 0};
	if (r < 0) {
		free(value);
		return r;
	}
	*ret = value;
	return 0;
}

/* Wait for a thread and take its answers: values are recorded (unless a key has one), errors kept. */
static void ahead_join(struct host *h, struct host_ahead *a)
{
	pthread_join(a->thread, NULL);
	for (size_t i = 0; i < a->n; i++) {
		struct ahead_item *it = &a->items[i];
		if (it->err != 0) {
			h->failed = xrealloc(h->failed, (h->n_failed + 1) * sizeof(*h->failed));
			h->failed[h->n_failed++] = (struct ahead_item){TAKE_PTR(it->key), NULL, it->err};
		} else if (!host_find(h, it->key)) {
			host_record(h, it->key, it->value);
		}
		free(it->key);
		free(it->value);
	}
	free(a->items);
	free(a);
}

static void ahead_join_all(struct host *h)
{
	while (h->ahead) {
		struct host_ahead *a = h->ahead;
		h->ahead = a->next;
		ahead_join(h, a);
	}
}

/* Join the threads that may probe key. */
static void ahead_join_for(struct host *h, const char *key)
{
	for (struct host_ahead **pa = &h->ahead; *pa;) {
		struct host_ahead *a = *pa;
		bool mine = false;
		for (const char *const *k = a->keys; *k && !mine; k++)
			mine = streq(*k, key);
		if (!mine) {
			pa = &a->next;
			continue;
		}
		*pa = a->next;
		ahead_join(h, a);
	}
}

int host_observe(struct host *h, const char *key, host_probe_fn probe, void *userdata, const char **ret)
{
	if (h->ahead)
		ahead_join_for(h, key);
	struct observation *o = host_find(h, key);
	if (o) {
		*ret = o->value;
		return 0;
	}
	if (h->root || h->no_probes)
		return -ENODATA;
	/* Probed ahead, and it failed then: it would fail the same way now. */
	for (size_t i = h->n_failed; i-- > 0;)
		if (streq(h->failed[i].key, key))
			return h->failed[i].err < 0 ? h->failed[i].err : -EIO;

	_cleanup_free_ char *value = NULL;
	int r = probe(userdata, &value);
	if (r < 0)
		return r;
	host_record(h, key, value);
	*ret = host_find(h, key)->value;
	return 0;
}

int host_recorded(struct host *h, const char *key, const char **ret)
{
	if (h->ahead)
		ahead_join_for(h, key);
	struct observation *o = host_find(h, key);
	if (!o)
		return -ENODATA;
	*ret = o->value;
	return 0;
}

static int probe_read_file(void *userdata, char **ret)
{
	const char *path = ((void **)userdata)[1];
	struct host *h = ((void **)userdata)[0];
	char *buf = NULL;
	int r = host_read_text(h, path, &buf);
	/* Absence and refusal are facts worth replaying too. */
	*ret = r < 0 ? xasprintf("!%s", errno_name(r)) : buf;
	return 0;
}

int host_observe_file(struct host *h, const char *path, const char **ret)
{
	_cleanup_free_ char *key = xasprintf("file:%s", path);
	void *ud[2] = {h, (void *)path};
	const char *v;
	int r = host_observe(h, key, probe_read_file, ud, &v);
	if (r < 0)
		return r;
	if (v[0] == '!')
		return errno_from_name(v + 1);
	*ret = v;
	return 0;
}

const char *host_unprobed(const struct host *h)
{
	return h->root ? "replay" : "--no-probes";
}

const char *host_unprobed_in(const struct host *h)
{
	return h->root ? "in replay" : "with --no-probes";
}

const char *host_unrecorded(const struct host *h)
{
	return h->root ? "not recorded in this capture" : "not probed (--no-probes)";
}

const char *host_unread(const struct host *h)
{
	return h->root ? "not recorded" : "not read";
}

void host_disable_probes(struct host *h)
{
	h->no_probes = true;
}

int host_load_observations(struct host *h, const char *buf)
{
	const char *p = buf;
	while (*p) {
		size_t n = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, n);
		p += n + (p[n] == '\n');
		char *eq = strchr(line, '=');
		if (!eq || eq == line || line[0] == '#')
			continue;
		*eq = '\0';
		/* Undo the escapes host_write_observations() wrote. */
		char *w = eq + 1;
		for (const char *r = eq + 1; *r; r++) {
			if (*r == '\\' && r[1] == 'n')
				*w++ = '\n', r++;
			else if (*r == '\\' && r[1] == '\\')
				*w++ = '\\', r++;
			else
				*w++ = *r;
		}
		*w = '\0';
		host_record(h, line, eq + 1);
	}
	return 0;
}

int host_format_observations(const struct host *h, FILE *f)
{
	fputs("# nestcheck observations of live probes (key=value)\n", f);
	for (size_t i = 0; i < h->n_obs; i++) {
		/* One line per observation: newlines and backslashes are escaped. */
		fprintf(f, "%s=", h->obs[i].key);
		for (const char *p = h->obs[i].value; *p; p++) {
			if (*p == '\n')
				fputs("\\n", f);
			else if (*p == '\\')
				fputs("\\\\", f);
			else
				fputc(*p, f);
		}
		fputc('\n', f);
	}
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}

int host_write_observations(const struct host *h, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	return host_format_observations(h, f);
}
