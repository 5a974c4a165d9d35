/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "json.h"
#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <json-c/json.h>
#include <libmount.h>
#include <zlib.h>

int kversion_parse(const char *release, struct kversion *ret)
{
	unsigned major = 0, minor = 0, patch = 0;
	const char *p = release;
	char *end;

	if (!p || !isdigit((unsigned char)*p))
		return -EINVAL;
	unsigned long v = strtoul(p, &end, 10);
	if (*end != '.' || v > 65535 || !isdigit((unsigned char)end[1]))
		return -EINVAL;
	major = (unsigned)v;
	v = strtoul(end + 1, &end, 10);
	if (v > 65535)
		return -EINVAL;
	minor = (unsigned)v;
	if (*end == '.' && isdigit((unsigned char)end[1])) {
		v = strtoul(end + 1, &end, 10);
		patch = v > 65535 ? 65535 : (unsigned)v;
	}
	*ret = (struct kversion){major, minor, patch};
	return 0;
}

int kversion_cmp(const struct kversion *a, unsigned major, unsigned minor)
{
	if (a->major != major)
		return a->major < major ? -1 : 1;
	if (a->minor != minor)
		return a->minor < minor ? -1 : 1;
	return 0;
}

/* One token of a version: a number, a word, or a pre-release marker. */
struct vtoken {
	enum { VT_END, VT_NUM, VT_WORD, VT_PRE } kind;
	uint64_t num;
	const char *word;
	size_t wlen;
};

/* Pre-release words, in the order their releases come: 1 dev .. 5 rc; 0 none. */
static int pre_rank(const char *w, size_t n)
{
	static const char *const pre[] = {"dev", "alpha", "beta", "pre", "rc"};
	for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
		if (n == strlen(pre[i]) && strncasecmp(w, pre[i], n) == 0)
			return (int)i + 1;
	return 0;
}

static struct vtoken vtoken_next(const char **pp)
{
	const char *p = *pp;
	struct vtoken t = {VT_END, 0, NULL, 0};

	while (*p && !isalnum((unsigned char)*p) && *p != '~')
		p++;
	if (*p == '~') {
		/* Debian's "~": before the release, whatever word follows ("~rc1", "~beta2"). */
		t.kind = VT_PRE;
		p++;
		t.word = p;
		while (isalpha((unsigned char)*p))
			p++;
		t.wlen = (size_t)(p - t.word);
	} else if (isdigit((unsigned char)*p)) {
		t.kind = VT_NUM;
		while (isdigit((unsigned char)*p)) {
			if (t.num < UINT64_MAX / 10)
				t.num = t.num * 10 + (uint64_t)(*p - '0');
			p++;
		}
	} else if (isalpha((unsigned char)*p)) {
		t.word = p;
		while (isalpha((unsigned char)*p))
			p++;
		t.wlen = (size_t)(p - t.word);
		t.kind = pre_rank(t.word, t.wlen) ? VT_PRE : VT_WORD;
	}
	*pp = p;
	return t;
}

static int vtoken_rank(const struct vtoken *t)
{
	/* pre-release < end < word < number */
	switch (t->kind) {
	case VT_PRE:
		return 0;
	case VT_END:
		return 1;
	case VT_WORD:
		return 2;
	default:
		return 3;
	}
}

static const char *version_epoch(const char *v, uint64_t *epoch)
{
	const char *colon = strchr(v, ':');
	*epoch = 0;
	if (colon && colon > v) {
		for (const char *p = v; p < colon; p++)
			if (!isdigit((unsigned char)*p))
				return v;
		*epoch = strtoull(v, NULL, 10);
		return colon + 1;
	}
	return v;
}

int version_cmp(const char *a, const char *b)
{
	uint64_t ea, eb;
	a = version_epoch(a, &ea);
	b = version_epoch(b, &eb);
	if (ea != eb)
		return ea < eb ? -1 : 1;
	if (*a == 'v')
		a++;
	if (*b == 'v')
		b++;

	for (;;) {
		struct vtoken ta = vtoken_next(&a), tb = vtoken_next(&b);
		if (ta.kind == VT_END && tb.kind == VT_END)
			return 0;
		int ra = vtoken_rank(&ta), rb = vtoken_rank(&tb);
		if (ra != rb)
			return ra < rb ? -1 : 1;
		if (ta.kind == VT_NUM && ta.num != tb.num)
			return ta.num < tb.num ? -1 : 1;
		if (ta.kind == VT_PRE) {
			int pa = pre_rank(ta.word, ta.wlen), pb = pre_rank(tb.word, tb.wlen);
			if (pa != pb)
				return pa < pb ? -1 : 1;
		}
		if (ta.kind == VT_WORD) {
			size_t n = ta.wlen < tb.wlen ? ta.wlen : tb.wlen;
			int c = strncmp(ta.word, tb.word, n);
			if (c == 0 && ta.wlen != tb.wlen)
				c = ta.wlen < tb.wlen ? -1 : 1;
			if (c)
				return c < 0 ? -1 : 1;
		}
	}
}

struct kconfig_entry {
	const char *name; /* into kconfig.text, not terminated */
	unsigned nlen;
	char value;
};

/*
 * Names found by hash (open addressing, a power of two of slots, at least twice the
 * entries): a config has thousands of lines and a run asks for a few dozen names.
 */
struct kconfig {
	char *text; /* the parsed copy */
	struct kconfig_entry *v;
	size_t n, cap;
	unsigned *slots; /* index + 1, 0 for an empty slot */
	size_t n_slots;
};

static size_t kconfig_slot(const struct kconfig *kc, const char *name, size_t nlen)
{
	size_t mask = kc->n_slots - 1, i = (size_t)hash_fnv_n(HASH_FNV_START, name, nlen) & mask;
	for (;; i = (i + 1) & mask) {
		unsigned s = kc->slots[i];
		if (s == 0 || (kc->v[s - 1].nlen == nlen && memcmp(kc->v[s - 1].name, name, nlen) == 0))
			return i;
	}
}

static void kconfig_grow(struct kconfig *kc)
{
	free(kc->slots);
	kc->n_slots = kc->n_slots ? kc->n_slots * 2 : 4096;
	kc->slots = xcalloc(kc->n_slots, sizeof(*kc->slots));
	for (size_t i = 0; i < kc->n; i++)
		kc->slots[kconfig_slot(kc, kc->v[i].name, kc->v[i].nlen)] = (unsigned)i + 1;
}

/* A later definition overrides an earlier one, as in Kconfig itself. */
static void kconfig_set(struct kconfig *kc, const char *name, size_t nlen, char value)
{
	if (2 * (kc->n + 1) > kc->n_slots)
		kconfig_grow(kc);
	size_t i = kconfig_slot(kc, name, nlen);
	if (kc->slots[i]) {
		kc->v[kc->slots[i] - 1].value = value;
		return;
	}
	if (kc->n == kc->cap) {
		kc->cap = kc->cap ? kc->cap * 2 : 2048;
		kc->v = xrealloc(kc->v, kc->cap * sizeof(*kc->v));
	}
	kc->v[kc->n] = (struct kconfig_entry){name, (unsigned)nlen, value};
	kc->slots[i] = (unsigned)++kc->n;
}

int kconfig_parse(const char *buf, struct kconfig **ret)
{
	struct kconfig *kc = xcalloc(1, sizeof(*kc));
	size_t total = strlen(buf);
	kc->text = xmalloc(total + 1);
	memcpy(kc->text, buf, total + 1);
	const char *end = kc->text + total;

	for (const char *p = kc->text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p, *name = NULL;
		size_t nlen = 0;
		char value = 0;

		p += len + (nl != NULL);
		if (len > 9 && line[0] == 'C' && startswith(line, "CONFIG_")) {
			const char *eq = memchr(line, '=', len);
			if (!eq || eq == line + 7)
				continue;
			name = line + 7;
			nlen = (size_t)(eq - name);
			value = eq + 1 < line + len ? eq[1] : 0;
			if (value == '"')
				value = eq + 2 < line + len ? eq[2] : 0;
		} else if (len > 9 && line[0] == '#' && startswith(line, "# CONFIG_")) {
			const char *sp = memchr(line + 9, ' ', len - 9);
			if (!sp || (size_t)(line + len - sp) != strlen(" is not set") ||
			    strncmp(sp, " is not set", strlen(" is not set")) != 0)
				continue;
			name = line + 9;
			nlen = (size_t)(sp - name);
			value = 'n';
		} else {
			continue;
		}
		if (nlen == 0 || nlen > 128)
			continue;
		kconfig_set(kc, name, nlen, value);
	}

	if (kc->n == 0) {
		kconfig_free(kc);
		return -EBADMSG;
	}
	*ret = kc;
	return 0;
}

char kconfig_get(const struct kconfig *kc, const char *name)
{
	unsigned s = kc->slots[kconfig_slot(kc, name, strlen(name))];
	if (s == 0 || kc->v[s - 1].value == 'n')
		return 0;
	return kc->v[s - 1].value;
}

size_t kconfig_count(const struct kconfig *kc)
{
	return kc->n;
}

void kconfig_free(struct kconfig *kc)
{
	if (!kc)
		return;
	free(kc->text);
	free(kc->v);
	free(kc->slots);
	free(kc);
}

int gunzip_buffer(const void *in, size_t len, size_t max, char **ret, size_t *ret_len)
{
	z_stream zs = {0};
	size_t cap = len * 4 + 4096, out = 0;
	int r;

	if (len > UINT_MAX)
		return -EFBIG;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	if (cap > max + 1)
		cap = max + 1;
	_cleanup_free_ char *buf = xmalloc(cap + 1);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (out == cap) {
			if (cap > max) {
				inflateEnd(&zs);
				return -EFBIG;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		zs.next_out = (Bytef *)buf + out;
		zs.avail_out = (uInt)(cap - out);
		r = inflate(&zs, Z_NO_FLUSH);
		out = cap - zs.avail_out;
		if (r == Z_STREAM_END)
			break;
		if (r == Z_OK)
			continue;
		if (r == Z_BUF_ERROR && zs.avail_out == 0)
			continue;
		/* Z_BUF_ERROR with input exhausted: the stream was cut short. */
		inflateEnd(&zs);
		return -EBADMSG;
	}
	inflateEnd(&zs);
	if (out > max)
		return -EFBIG;
	buf[out] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = out;
	return 0;
}

int idmap_parse(const char *buf, struct idmap *ret)
{
	struct idmap m = {.n = 0};

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');

		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			continue;
		unsigned long long v[3];
		for (int i = 0; i < 3; i++) {
			char *end;
			while (isspace((unsigned char)*s))
				s++;
			if (!isdigit((unsigned char)*s))
				return -EBADMSG;
			errno = 0;
			v[i] = strtoull(s, &end, 10);
			if (errno || v[i] > UINT32_MAX)
				return -EBADMSG;
			s = end;
		}
		while (isspace((unsigned char)*s))
			s++;
		/* The kernel refuses ranges whose end wraps past 2^32 - 1. */
		if (*s || v[2] == 0 || v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
			return -EBADMSG;
		if (m.n == ARRAY_SIZE(m.ranges))
			return -EBADMSG;
		m.ranges[m.n++] = (struct idmap_range){(uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2]};
	}
	*ret = m;
	return 0;
}

bool idmap_is_identity(const struct idmap *m)
{
	return m->n == 1 && m->ranges[0].inner == 0 && m->ranges[0].outer == 0 && m->ranges[0].count == UINT32_MAX;
}

bool idmap_covers(const struct idmap *m, uint32_t first, uint64_t count)
{
	uint64_t next = first, end = (uint64_t)first + count;

	/* Ranges may come in any order; grow the covered prefix until stuck. */
	for (bool grew = true; grew && next < end;) {
		grew = false;
		for (size_t i = 0; i < m->n; i++) {
			uint64_t lo = m->ranges[i].inner, hi = lo + m->ranges[i].count;
			if (lo <= next && next < hi) {
				next = hi;
				grew = true;
			}
		}
	}
	return next >= end;
}

uint64_t idmap_total(const struct idmap *m)
{
	uint64_t t = 0;
	for (size_t i = 0; i < m->n; i++)
		t += m->ranges[i].count;
	return t;
}

char *idmap_format(const struct idmap *m)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < m->n; i++)
		strbuf_appendf(&sb, "%s%" PRIu32 " %" PRIu32 " %" PRIu32, i ? ", " : "", m->ranges[i].inner,
			       m->ranges[i].outer, m->ranges[i].count);
	return strbuf_take(&sb);
}

int os_release_get(const char *buf, const char *key, char **ret)
{
	size_t klen = strlen(key);

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		const char *line = p;
		p += len + (p[len] == '\n');
		if (len <= klen || strncmp(line, key, klen) != 0 || line[klen] != '=')
			continue;

		const char *v = line + klen + 1, *end = line + len;
		struct strbuf sb = {0};
		char quote = 0;
		if (v < end && (*v == '"' || *v == '\'')) {
			quote = *v++;
		}
		strbuf_append(&sb, "");
		for (; v < end; v++) {
			if (quote && *v == quote)
				break;
			if (quote == '"' && *v == '\\' && v + 1 < end)
				v++;
			char c[2] = {*v, 0};
			strbuf_append(&sb, c);
		}
		char *s = strbuf_take(&sb);
		*ret = strstrip_right(s);
		return 0;
	}
	return -ENOENT;
}

enum aa_label apparmor_label_classify(const char *label)
{
	if (strstr(label, "//&:"))
		return AA_LABEL_STACKED;
	if (streq(label, "unconfined") || startswith(label, "unconfined "))
		return AA_LABEL_UNCONFINED;
	return AA_LABEL_CONFINED;
}

int environ_get(const char *buf, size_t len, const char *key, char **ret)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < len;) {
		size_t n = 0;
		while (i + n < len && buf[i + n] != '\0' && buf[i + n] != '\n')
			n++;
		if (n > klen && strncmp(buf + i, key, klen) == 0 && buf[i + klen] == '=') {
			*ret = xstrndup(buf + i + klen + 1, n - klen - 1);
			return 0;
		}
		i += n + 1;
	}
	return -ENOENT;
}

static int mounts_parse_error(struct libmnt_table *tb _unused_, const char *filename _unused_, int line _unused_)
{
	return 1; /* skip the bad line, keep the rest */
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static bool mounts_ids_repeat(struct libmnt_table *tb)
{
	size_t n = 0, cap = (size_t)mnt_table_get_nents(tb);
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	bool repeat = false;

	if (!it || cap == 0) {
		mnt_free_iter(it);
		return false;
	}
	_cleanup_free_ int *ids = xcalloc(cap, sizeof(*ids));
	while (n < cap && mnt_table_next_fs(tb, it, &fs) == 0)
		ids[n++] = mnt_fs_get_id(fs);
	mnt_free_iter(it);
	qsort(ids, n, sizeof(*ids), int_cmp);
	for (size_t i = 1; i < n && !repeat; i++)
		repeat = ids[i] == ids[i - 1];
	return repeat;
}

int mounts_parse(const char *buf, struct libmnt_table **ret)
{
	size_t len = strlen(buf);
	if (len == 0)
		return -EBADMSG;

	_cleanup_fclose_ FILE *f = fmemopen((void *)buf, len, "r");
	if (!f)
		return -errno;
	struct libmnt_table *tb = mnt_new_table();
	if (!tb)
		return -ENOMEM;
	mnt_table_set_parser_errcb(tb, mounts_parse_error);
	int r = mnt_table_parse_stream(tb, f, "mountinfo");
	if (r < 0 || mnt_table_get_nents(tb) == 0) {
		mnt_unref_table(tb);
		return -EBADMSG;
	}
	/* A guessed fstab format means this was not a mount table at all. */
	struct libmnt_fs *fs = NULL;
	mnt_table_first_fs(tb, &fs);
	if (!fs || !mnt_fs_is_kernel(fs) || mnt_fs_get_id(fs) <= 0) {
		mnt_unref_table(tb);
		return -EBADMSG;
	}
	/* The kernel's mount ids are unique: a table where they are not is no mount table. */
	if (mounts_ids_repeat(tb)) {
		mnt_unref_table(tb);
		return -EBADMSG;
	}
	*ret = tb;
	return 0;
}

const char *cgroup_layout_to_string(enum cgroup_layout l)
{
	switch (l) {
	case CGROUP_LAYOUT_V1:
		return "v1";
	case CGROUP_LAYOUT_HYBRID:
		return "hybrid";
	case CGROUP_LAYOUT_V2:
		return "v2";
	default:
		return "none";
	}
}

static const char *const v1_controllers[] = {
	"cpuset",  "cpu",	 "cpuacct",  "blkio",	"memory", "devices", "freezer",
	"net_cls", "perf_event", "net_prio", "hugetlb", "pids",	  "rdma",    "misc",
};

int cgroup_mounts_scan(struct libmnt_table *tb, struct cgroup_mounts *ret)
{
	struct cgroup_mounts c = {0};
	struct strv ctrls = {0};
	bool v1 = false;
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;

	if (!it)
		return -ENOMEM;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *type = mnt_fs_get_fstype(fs), *target = mnt_fs_get_target(fs);
		if (!type || !target)
			continue;
		if (streq(type, "cgroup2")) {
			if (!c.v2_mountpoint || streq(target, "/sys/fs/cgroup")) {
				free(c.v2_mountpoint);
				c.v2_mountpoint = xstrdup(target);
			}
			continue;
		}
		if (!streq(type, "cgroup"))
			continue;
		v1 = true;
		const char *opts = mnt_fs_get_fs_options(fs);
		for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
			if (opts && mnt_optstr_get_option(opts, v1_controllers[i], NULL, NULL) == 0 &&
			    !strv_contains(&ctrls, v1_controllers[i]))
				strv_push(&ctrls, xstrdup(v1_controllers[i]));
		char *name = NULL;
		size_t nlen = 0;
		if (opts && mnt_optstr_get_option(opts, "name", &name, &nlen) == 0 && nlen == 7 &&
		    strncmp(name, "systemd", 7) == 0)
			c.v1_named_systemd = true;
	}
	mnt_free_iter(it);

	if (v1 && c.v2_mountpoint)
		c.layout = CGROUP_LAYOUT_HYBRID;
	else if (v1)
		c.layout = CGROUP_LAYOUT_V1;
	else if (c.v2_mountpoint)
		c.layout = CGROUP_LAYOUT_V2;
	c.v1_controllers = strv_join(&ctrls, ",");
	strv_clear(&ctrls);
	*ret = c;
	return 0;
}

void cgroup_mounts_clear(struct cgroup_mounts *c)
{
	free(c->v1_controllers);
	free(c->v2_mountpoint);
	*c = (struct cgroup_mounts){0};
}

/* Target without trailing slashes, as a length; 0 when not absolute. */
static size_t target_len(const char *t)
{
	if (!t || t[0] != '/')
		return 0;
	size_t n = strlen(t);
	while (n > 1 && t[n - 1] == '/')
		n--;
	return n;
}

/*
 * The mount tree, indexed once per walk: by id (the parent of a mount) and by parent id
 * (the mounts on a mount, in table order), so that a walk costs O(n log n) whatever the
 * table holds. Ids are unique (mounts_parse() refuses a table where they are not).
 */
struct mnt_node {
	int id, parent;
	size_t idx; /* the table's order: a later mount on the same target hides an earlier one */
	const char *target;
	size_t tlen;
	struct libmnt_fs *fs;
};

struct mnt_tree {
	struct mnt_node *v;	     /* table order */
	struct mnt_node **by_id;     /* by id */
	struct mnt_node **by_parent; /* by parent id, then table order */
	size_t n;
};

static int node_cmp_id(const void *a, const void *b)
{
	const struct mnt_node *x = *(struct mnt_node *const *)a, *y = *(struct mnt_node *const *)b;
	return (x->id > y->id) - (x->id < y->id);
}

static int node_cmp_parent(const void *a, const void *b)
{
	const struct mnt_node *x = *(struct mnt_node *const *)a, *y = *(struct mnt_node *const *)b;
	if (x->parent != y->parent)
		return (x->parent > y->parent) - (x->parent < y->parent);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void mnt_tree_free(struct mnt_tree *t)
{
	free(t->v);
	free(t->by_id);
	free(t->by_parent);
	*t = (struct mnt_tree){0};
}

static void mnt_tree_build(struct libmnt_table *tb, struct mnt_tree *t)
{
	size_t cap = (size_t)mnt_table_get_nents(tb);
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;

	*t = (struct mnt_tree){0};
	if (!it || cap == 0) {
		mnt_free_iter(it);
		return;
	}
	t->v = xcalloc(cap, sizeof(*t->v));
	t->by_id = xcalloc(cap, sizeof(*t->by_id));
	t->by_parent = xcalloc(cap, sizeof(*t->by_parent));
	while (t->n < cap && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs) ? mnt_fs_get_target(fs) : "";
		struct mnt_node *m = &t->v[t->n];
		*m = (struct mnt_node){.id = mnt_fs_get_id(fs),
				       .parent = mnt_fs_get_parent_id(fs),
				       .idx = t->n,
				       .target = target,
				       .tlen = target_len(target),
				       .fs = fs};
		t->by_id[t->n] = t->by_parent[t->n] = m;
		t->n++;
	}
	mnt_free_iter(it);
	qsort(t->by_id, t->n, sizeof(*t->by_id), node_cmp_id);
	qsort(t->by_parent, t->n, sizeof(*t->by_parent), node_cmp_parent);
}

static struct mnt_node *mnt_tree_find(const struct mnt_tree *t, int id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->by_id[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->by_id[lo]->id == id ? t->by_id[lo] : NULL;
}

/* The last mount on parent (in table order) with exactly this target. */
static struct mnt_node *mnt_tree_child_at(const struct mnt_tree *t, const struct mnt_node *parent, const char *target,
					  size_t n)
{
	size_t lo = 0, hi = t->n;
	struct mnt_node *found = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->by_parent[mid]->parent < parent->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->n && t->by_parent[lo]->parent == parent->id; lo++) {
		struct mnt_node *m = t->by_parent[lo];
		if (m != parent && m->tlen == n && strncmp(m->target, target, n) == 0)
			found = m;
	}
	return found;
}

/* The namespace's root: the first mount on / whose parent is not in the table. */
static struct mnt_node *mnt_tree_root(const struct mnt_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].tlen == 1 && t->v[i].target[0] == '/' && !mnt_tree_find(t, t->v[i].parent))
			return &t->v[i];
	return NULL;
}

/* Without a root mount there is no tree to walk: the longest prefix, later ones winning ties. */
static int mounts_covering_by_prefix(struct libmnt_table *tb, const char *path, const char **ret_fstype,
				     const char **ret_target)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *best = NULL;
	size_t best_len = 0;

	if (!it)
		return -ENOMEM;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);
		size_t n = target_len(t);
		if (n == 0)
			continue;
		bool prefix = (n == 1) || (strncmp(path, t, n) == 0 && (path[n] == '\0' || path[n] == '/'));
		if (prefix && (!best || n >= best_len)) {
			best = fs;
			best_len = n;
		}
	}
	mnt_free_iter(it);
	if (!best)
		return -ENOENT;
	*ret_fstype = mnt_fs_get_fstype(best) ? mnt_fs_get_fstype(best) : "unknown";
	if (ret_target)
		*ret_target = mnt_fs_get_target(best);
	return 0;
}

int mounts_covering(struct libmnt_table *tb, const char *path, const char **ret_fstype, const char **ret_target)
{
	/*
	 * Walk path the way the kernel does: component by component, crossing into
	 * a mount only where it is mounted on the mount we are in. A mount hidden
	 * by a later mount on a parent directory is then never reached, whatever
	 * order the table lists them in.
	 */
	struct mnt_tree t;
	mnt_tree_build(tb, &t);
	struct mnt_node *cur = mnt_tree_root(&t), *next;
	if (!cur) {
		mnt_tree_free(&t);
		return mounts_covering_by_prefix(tb, path, ret_fstype, ret_target);
	}
	/*
	 * Each step goes to a mount on the current one; with unique ids that never returns to a
	 * mount already passed, and the bound of n steps a component holds even if it did.
	 */
	size_t steps = 0;
	while (steps++ < t.n && (next = mnt_tree_child_at(&t, cur, "/", 1)))
		cur = next; /* mounts stacked on / */
	for (size_t n = 1; path[n - 1];) {
		n += strcspn(path + n, "/");
		steps = 0;
		while (steps++ < t.n && (next = mnt_tree_child_at(&t, cur, path, n)))
			cur = next;
		if (!path[n])
			break;
		n++;
	}
	struct libmnt_fs *fs = cur->fs;
	mnt_tree_free(&t);
	*ret_fstype = mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "unknown";
	if (ret_target)
		*ret_target = mnt_fs_get_target(fs);
	return 0;
}

/* Whether some mount is at target (or below it, with below) and of fstype (any when NULL). */
static bool mounts_find(struct libmnt_table *tb, const char *target, bool below, const char *fstype)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	bool found = false;
	size_t n = strlen(target);

	if (!it)
		return false;
	while (!found && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs), *type = mnt_fs_get_fstype(fs);
		found = t && (streq(t, target) || (below && strncmp(t, target, n) == 0 && t[n] == '/')) &&
			(!fstype || (type && streq(type, fstype)));
	}
	mnt_free_iter(it);
	return found;
}

bool mounts_has_target(struct libmnt_table *tb, const char *target)
{
	return mounts_find(tb, target, true, NULL);
}

bool mounts_has(struct libmnt_table *tb, const char *target, const char *fstype)
{
	return mounts_find(tb, target, false, fstype);
}

bool mounts_lxcfs_over_proc(struct libmnt_table *tb)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	bool found = false;

	if (!it)
		return false;
	while (!found && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs), *type = mnt_fs_get_fstype(fs);
		found = t && type && streq(type, "fuse.lxcfs") && startswith(t, "/proc/");
	}
	mnt_free_iter(it);
	return found;
}

int proc_cgroup_parse(const char *buf, struct cgroup_lines *ret)
{
	struct cgroup_lines l = {0};

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		if (!*line)
			continue;
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2 || c1 == line || strspn(line, "0123456789") != (size_t)(c1 - line) || c2[1] != '/') {
			cgroup_lines_clear(&l);
			return -EBADMSG;
		}
		*c2 = '\0';
		l.v = xrealloc(l.v, (l.n + 1) * sizeof(*l.v));
		l.v[l.n++] = (struct cgroup_line){xstrdup(c1 + 1), xstrdup(c2 + 1)};
	}
	if (l.n == 0)
		return -EBADMSG;
	*ret = l;
	return 0;
}

void cgroup_lines_clear(struct cgroup_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].controllers);
		free(l->v[i].path);
	}
	free(l->v);
	*l = (struct cgroup_lines){0};
}

int parse_ull(const char **p, unsigned long long *ret)
{
	if (!isdigit((unsigned char)**p))
		return -EBADMSG;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(*p, &end, 10);
	if (errno)
		return -EBADMSG;
	*p = end;
	*ret = v;
	return 0;
}

/* The text after "field:" on its line, or NULL. */
static const char *status_value(const char *buf, const char *field, size_t *ret_len)
{
	size_t flen = strlen(field);

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		const char *line = p;
		p += len + (p[len] == '\n');
		if (len > flen && strncmp(line, field, flen) == 0 && line[flen] == ':') {
			const char *v = line + flen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			*ret_len = len - (size_t)(v - line);
			return v;
		}
	}
	return NULL;
}

int proc_status_uint(const char *buf, const char *field, unsigned long long *ret)
{
	size_t len;
	const char *v = status_value(buf, field, &len);
	if (!v)
		return -ENOENT;
	_cleanup_free_ char *copy = xstrndup(v, len);
	const char *p = copy;
	unsigned long long x;
	if (parse_ull(&p, &x) < 0)
		return -EBADMSG;
	p += strspn(p, " \t");
	if (*p)
		return -EBADMSG;
	*ret = x;
	return 0;
}

int proc_status_euid(const char *buf, uint32_t *ret)
{
	size_t len;
	const char *v = status_value(buf, "Uid", &len);
	if (!v)
		return -ENOENT;
	_cleanup_free_ char *copy = xstrndup(v, len);
	const char *p = copy;
	unsigned long long id[2];
	for (size_t i = 0; i < 2; i++) {
		p += strspn(p, " \t");
		if (parse_ull(&p, &id[i]) < 0 || id[i] > UINT32_MAX)
			return -EBADMSG;
		if (*p && *p != ' ' && *p != '\t')
			return -EBADMSG;
	}
	*ret = (uint32_t)id[1];
	return 0;
}

int proc_status_hex(const char *buf, const char *field, uint64_t *ret)
{
	size_t len;
	const char *v = status_value(buf, field, &len);
	if (!v)
		return -ENOENT;
	if (!isxdigit((unsigned char)*v))
		return -EBADMSG;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 16);
	if (errno || (*end && *end != '\n'))
		return -EBADMSG;
	*ret = x;
	return 0;
}

int docker_daemon_bool(const char *json, const char *key, bool *ret)
{
	json_object *obj = json_read_strict(json);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return -EBADMSG;
	}
	json_object *v = NULL;
	int r;
	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		r = -ENOENT;
	} else if (!json_object_is_type(v, json_type_boolean)) {
		r = -EBADMSG;
	} else {
		*ret = json_object_get_boolean(v);
		r = 0;
	}
	json_object_put(obj);
	return r;
}

int docker_data_root(const char *json, char **ret)
{
	json_object *obj = json_read_strict(json);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return -EBADMSG;
	}
	json_object *v = NULL;
	if (!json_object_object_get_ex(obj, "data-root", &v) || !v)
		json_object_object_get_ex(obj, "graph", &v);
	if (!v) {
		json_object_put(obj);
		return -ENOENT;
	}
	const char *s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) || !s || s[0] != '/') {
		json_object_put(obj);
		return -EBADMSG;
	}
	char *root = xstrdup(s);
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		root[--n] = '\0';
	json_object_put(obj);
	*ret = root;
	return 0;
}
