/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: proc/modules and modules.builtin parsing, the module index read
 * through libkmod from a sysroot, and what modules.required and
 * network.bridge_nf decide a module's state is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <ftw.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "checks/modules/modindex.h"
#include "checks/modules/state.h"
#include "checks/modules/parse.h"
#include "core/util.h"

/* ---- proc/modules ---- */

static void assert_strv(const struct strv *l, const char *const *want, size_t n)
{
	if (l->n != n) {
		_cleanup_free_ char *got = strv_join(l, ",");
		fail_msg("got %zu names (%s), want %zu", l->n, got ? got : "", n);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

static void test_proc_modules(void **state)
{
	(void)state;
	struct strv l = {0};
	assert_int_equal(proc_modules_parse("overlay 151552 0 - Live 0x0000000000000000\n"
					    "br_netfilter 32768 0 - Live 0xffffffffc0a3e000\n"
					    "bridge 311296 1 br_netfilter, Live 0x0000000000000000\n"
					    "xt_MASQUERADE 20480 2 - Live 0x0000000000000000\n"
					    "zfs 3895296 6 zunicode,zzstd,zlua,zavl,icp,zcommon,znvpair,spl, Live "
					    "0x0000000000000000 (POE)\n"
					    "iptable_nat 16384 1 - Loading 0x0000000000000000\n"
					    "veth 32768 0 - Unloading 0x0000000000000000\n",
					    &l),
			 0);
	static const char *const want[] = {"overlay", "br_netfilter", "bridge", "xt_MASQUERADE", "zfs", "iptable_nat"};
	/* Unloading is on its way out: not counted. Case is kept (xt_MASQUERADE). */
	assert_strv(&l, want, ARRAY_SIZE(want));
	strv_clear(&l);
}

static void test_proc_modules_normalize_and_merge(void **state)
{
	(void)state;
	struct strv l = {0};
	strv_push(&l, xstrdup("overlay"));
	/* Dashes read as underscores; duplicates and names already in the list are not added twice. */
	assert_int_equal(proc_modules_parse("\n  \nbr-netfilter 1 0 - Live 0x0\nbr_netfilter 1 0 - Live 0x0\n"
					    "overlay 1 0 - Live 0x0",
					    &l),
			 0);
	static const char *const want[] = {"overlay", "br_netfilter"};
	assert_strv(&l, want, ARRAY_SIZE(want));
	strv_clear(&l);

	/* An empty file is no module at all. */
	assert_int_equal(proc_modules_parse("", &l), 0);
	assert_int_equal(l.n, 0);
	strv_clear(&l);
}

static void test_proc_modules_junk(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"overlay\n",				    /* one field */
		"overlay 151552 0 -\n",			    /* no state */
		"overlay abc 0 - Live 0x0\n",		    /* size not a number */
		"overlay 151552 x - Live 0x0\n",	    /* refcount */
		"overlay 151552 0 br_netfilter Live 0x0\n", /* deps without the trailing comma */
		"overlay 151552 0 - Alive 0x0\n",	    /* state */
		"over/lay 151552 0 - Live 0x0\n",	    /* name */
		"overlay 1 0 - Live 0x0 (O) extra more\n",  /* too many fields */
		"ok 1 0 - Live 0x0\n\x01\x02 3 4\n",	    /* a bad line after a good one */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1 0 - Live 0x0\n", /* 64 chars */
		"<html><body>Not Found</body></html>\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct strv l = {0};
		strv_push(&l, xstrdup("kept"));
		int r = proc_modules_parse(junk[i], &l);
		if (r != -EBADMSG)
			fail_msg("junk %zu: got %d, want -EBADMSG", i, r);
		/* The list is left as it was. */
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0], "kept");
		strv_clear(&l);
	}
}

static void test_module_name(void **state)
{
	(void)state;
	char s[] = "br-net-filter";
	assert_string_equal(module_name_normalize(s), "br_net_filter");
	assert_true(module_name_valid("xt_MASQUERADE", 13));
	assert_true(module_name_valid("nf-nat", 6));
	assert_false(module_name_valid("", 0));
	assert_false(module_name_valid("a b", 3));
	assert_false(module_name_valid("a.ko", 4));
	/* A prefix of a longer buffer is judged on its own. */
	assert_true(module_name_valid("overlay.ko", 7));
}

/* ---- modules.builtin ---- */

static void test_builtin(void **state)
{
	(void)state;
	struct strv l = {0};
	assert_int_equal(modules_builtin_parse("kernel/fs/overlayfs/overlay.ko\n"
					       "kernel/net/bridge/br_netfilter.ko\r\n"
					       "kernel/drivers/net/veth.ko  \n"
					       "\n"
					       "kernel/net/netfilter/xt-conntrack.ko\n"
					       "overlay.ko\n"
					       "kernel/net/ipv4/netfilter/ip_tables.ko",
					       &l),
			 0);
	static const char *const want[] = {"overlay", "br_netfilter", "veth", "xt_conntrack", "ip_tables"};
	assert_strv(&l, want, ARRAY_SIZE(want));
	strv_clear(&l);

	assert_int_equal(modules_builtin_parse("", &l), 0);
	assert_int_equal(l.n, 0);
}

static void test_builtin_junk(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"kernel/fs/overlayfs/overlay\n",       /* no .ko */
		"kernel/fs/overlayfs/.ko\n",	       /* no name */
		"kernel/fs/overlayfs/overlay.ko.xz\n", /* a module file, not a builtin entry */
		"kernel/fs/overlay fs/overlay.ko\n",   /* a space */
		"kernel/fs/overlayfs/over$lay.ko\n",   /* name */
		"kernel/fs/overlayfs/\n",	       /* a directory */
		"kernel/a.ko\n<html>\n",	       /* a bad line after a good one */
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		struct strv l = {0};
		int r = modules_builtin_parse(junk[i], &l);
		if (r != -EBADMSG)
			fail_msg("junk %zu: got %d, want -EBADMSG", i, r);
		assert_int_equal(l.n, 0);
	}
}

/* ---- sysroots: a module index written the way depmod writes it ---- */

#define INDEX_MAGIC	  0xB007F457u
#define INDEX_VERSION	  0x00020001u
#define INDEX_NODE_VALUES 0x40000000u
#define INDEX_NODE_CHILDS 0x20000000u

struct trie {
	struct trie *child[128];
	const char *value;
};

static void put_u32(FILE *f, uint32_t v)
{
	uint32_t be = htonl(v);
	assert_int_equal(fwrite(&be, sizeof(be), 1, f), 1);
}

/* Children first, so that a node knows their offsets; no prefix compression (libkmod reads both). */
static uint32_t trie_write(FILE *f, struct trie *t)
{
	uint32_t kids[128] = {0};
	int first = -1, last = -1;
	for (int c = 0; c < 128; c++)
		if (t->child[c]) {
			kids[c] = trie_write(f, t->child[c]);
			if (first < 0)
				first = c;
			last = c;
		}
	uint32_t off = (uint32_t)ftell(f), flags = 0;
	if (first >= 0) {
		flags |= INDEX_NODE_CHILDS;
		fputc(first, f);
		fputc(last, f);
		for (int c = first; c <= last; c++)
			put_u32(f, kids[c]);
	}
	if (t->value) {
		flags |= INDEX_NODE_VALUES;
		put_u32(f, 1);
		put_u32(f, 0);
		fputs(t->value, f);
		fputc('\0', f);
	}
	return off | flags;
}

static void trie_free(struct trie *t)
{
	for (int c = 0; c < 128; c++)
		if (t->child[c])
			trie_free(t->child[c]);
	free(t);
}

/* keys[i] -> values[i]. */
static void write_index(const char *path, const char *const *keys, const char *const *values, size_t n)
{
	struct trie *root = xcalloc(1, sizeof(*root));
	for (size_t i = 0; i < n; i++) {
		struct trie *t = root;
		for (const char *k = keys[i]; *k; k++) {
			int c = *k & 0x7f;
			if (!t->child[c])
				t->child[c] = xcalloc(1, sizeof(*t));
			t = t->child[c];
		}
		t->value = values[i];
	}
	FILE *f = fopen(path, "we");
	if (!f)
		fail_msg("fopen(%s): %s", path, strerror(errno));
	put_u32(f, INDEX_MAGIC);
	put_u32(f, INDEX_VERSION);
	put_u32(f, 0);
	uint32_t r = trie_write(f, root);
	assert_int_equal(fseek(f, 8, SEEK_SET), 0);
	put_u32(f, r);
	assert_int_equal(fclose(f), 0);
	trie_free(root);
}

struct fx {
	char base[64]; /* base/root is the sysroot, base/outside is not, base/tmp is TMPDIR */
	char *root, *outside, *tmp;
	char *saved_tmpdir;
};

static void xmkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				fail_msg("mkdir(%s): %s", p, strerror(errno));
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir(%s): %s", p, strerror(errno));
	free(p);
}

static void put(const char *dir, const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	xmkdir_p(p);
	*slash = '/';
	FILE *f = fopen(p, "we");
	if (!f)
		fail_msg("fopen(%s): %s", p, strerror(errno));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	free(p);
}

#define RELEASE "6.1.0-test"

static const char *const dep_keys[] = {"nf_nat", "br_netfilter", "xt_MASQUERADE", "iptable_nat"};
static const char *const dep_values[] = {
	"kernel/net/netfilter/nf_nat.ko:",
	"kernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko",
	"kernel/net/netfilter/xt_MASQUERADE.ko: kernel/net/netfilter/nf_nat.ko",
	"kernel/net/ipv4/netfilter/iptable_nat.ko: kernel/net/netfilter/nf_nat.ko",
};
static const char *const builtin_keys[] = {"veth", "overlay"};
static const char *const builtin_values[] = {"", ""};

/* The index of RELEASE under dir/lib/modules. */
static void put_index(const char *dir, const char *modules_dir)
{
	char *d = xasprintf("%s/%s/%s", dir, modules_dir, RELEASE);
	xmkdir_p(d);
	char *dep = xasprintf("%s/modules.dep.bin", d);
	char *bi = xasprintf("%s/modules.builtin.bin", d);
	write_index(dep, dep_keys, dep_values, ARRAY_SIZE(dep_keys));
	write_index(bi, builtin_keys, builtin_values, ARRAY_SIZE(builtin_keys));
	free(dep);
	free(bi);
	free(d);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	snprintf(f->base, sizeof(f->base), "/tmp/nestcheck-unit-modules-XXXXXX");
	*state = f;
	if (!mkdtemp(f->base))
		return -1;
	f->root = xasprintf("%s/root", f->base);
	f->outside = xasprintf("%s/outside", f->base);
	f->tmp = xasprintf("%s/tmp", f->base);
	if (mkdir(f->root, 0755) < 0 || mkdir(f->outside, 0755) < 0 || mkdir(f->tmp, 0700) < 0)
		return -1;
	const char *t = getenv("TMPDIR");
	f->saved_tmpdir = t ? xstrdup(t) : NULL;
	setenv("TMPDIR", f->tmp, 1);
	put(f->root, "proc/sys/kernel/osrelease", RELEASE "\n");
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	if (f->saved_tmpdir)
		setenv("TMPDIR", f->saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	int r = f->base[0] ? nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS) : 0;
	free(f->root);
	free(f->outside);
	free(f->tmp);
	free(f->saved_tmpdir);
	free(f);
	return r;
}

static size_t dir_entries(const char *path)
{
	DIR *d = opendir(path);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static struct host *open_root(const struct fx *f)
{
	struct host *h = NULL;
	if (host_new(f->root, &h) != 0)
		fail_msg("host_new(%s) failed", f->root);
	return h;
}

static enum modindex_hit lookup(struct modindex *idx, const char *name)
{
	enum modindex_hit hit = 99;
	assert_int_equal(modindex_lookup(idx, name, &hit), 0);
	return hit;
}

static void test_modindex_replay(void **state)
{
	struct fx *f = *state;
	put_index(f->root, "lib/modules");
	struct host *h = open_root(f);
	struct modindex *idx = NULL;
	assert_int_equal(modindex_open(h, RELEASE, &idx), 0);
	/* The copy lives in TMPDIR while the index is open... */
	assert_int_equal(dir_entries(f->tmp), 1);
	assert_int_equal(lookup(idx, "nf_nat"), MODINDEX_MODULE);
	assert_int_equal(lookup(idx, "br_netfilter"), MODINDEX_MODULE);
	assert_int_equal(lookup(idx, "br-netfilter"), MODINDEX_MODULE);
	assert_int_equal(lookup(idx, "xt_MASQUERADE"), MODINDEX_MODULE);
	assert_int_equal(lookup(idx, "veth"), MODINDEX_BUILTIN);
	assert_int_equal(lookup(idx, "overlay"), MODINDEX_BUILTIN);
	assert_int_equal(lookup(idx, "ip_tables"), MODINDEX_NONE);
	assert_int_equal(lookup(idx, "nf_na"), MODINDEX_NONE);
	assert_int_equal(lookup(idx, "nf_nat_x"), MODINDEX_NONE);
	modindex_free(idx);
	/* ...and is gone after. */
	assert_int_equal(dir_entries(f->tmp), 0);
	host_free(h);
}

static void test_modindex_missing(void **state)
{
	struct fx *f = *state;
	struct host *h = open_root(f);
	struct modindex *idx = (struct modindex *)0x1;
	assert_int_equal(modindex_open(h, RELEASE, &idx), -ENOENT);
	assert_ptr_equal(idx, (struct modindex *)0x1);
	/* Only modules.dep.bin is needed; without it there is nothing. */
	put(f->root, "lib/modules/" RELEASE "/modules.builtin", "kernel/drivers/net/veth.ko\n");
	assert_int_equal(modindex_open(h, RELEASE, &idx), -ENOENT);
	/* A release that is not one path component never reaches the filesystem. */
	assert_int_equal(modindex_open(h, "../../etc", &idx), -EINVAL);
	assert_int_equal(modindex_open(h, "..", &idx), -EINVAL);
	assert_int_equal(modindex_open(h, "", &idx), -EINVAL);
	assert_int_equal(dir_entries(f->tmp), 0);
	host_free(h);
}

/* Without openat2 (Linux < 5.6, valgrind) the host refuses every symlink in a sysroot. */
static bool openat2_works(void)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0)
		close((int)fd);
	return fd >= 0 || errno != ENOSYS;
}

static void test_modindex_usrmerge_symlink(void **state)
{
	struct fx *f = *state;
	if (!openat2_works())
		skip();
	/* A usr-merged root: lib -> usr/lib. The host resolves it inside the root. */
	put_index(f->root, "usr/lib/modules");
	char *lib = xasprintf("%s/lib", f->root);
	assert_int_equal(symlink("usr/lib", lib), 0);
	free(lib);
	struct host *h = open_root(f);
	struct modindex *idx = NULL;
	assert_int_equal(modindex_open(h, RELEASE, &idx), 0);
	assert_int_equal(lookup(idx, "nf_nat"), MODINDEX_MODULE);
	modindex_free(idx);
	host_free(h);
}

static void test_modindex_symlink_out_of_root(void **state)
{
	struct fx *f = *state;
	/* An index outside the sysroot, and an absolute symlink to it inside: replay must not read it. */
	put_index(f->outside, "lib/modules");
	char *target = xasprintf("%s/lib/modules/%s", f->outside, RELEASE);
	char *dir = xasprintf("%s/lib/modules", f->root);
	xmkdir_p(dir);
	char *link = xasprintf("%s/%s", dir, RELEASE);
	assert_int_equal(symlink(target, link), 0);
	struct host *h = open_root(f);
	struct modindex *idx = NULL;
	/* ENOENT: resolved inside the root; ENOTDIR/ELOOP: refused by the walk that replaces openat2. */
	int r = modindex_open(h, RELEASE, &idx);
	assert_true(r == -ENOENT || r == -ENOTDIR || r == -ELOOP);
	assert_null(idx);

	/* The same with the link on the index file itself. */
	assert_int_equal(unlink(link), 0);
	xmkdir_p(link);
	char *file = xasprintf("%s/modules.dep.bin", link);
	char *file_target = xasprintf("%s/modules.dep.bin", target);
	assert_int_equal(symlink(file_target, file), 0);
	r = modindex_open(h, RELEASE, &idx);
	assert_true(r == -ENOENT || r == -ELOOP);
	assert_null(idx);
	assert_int_equal(dir_entries(f->tmp), 0);
	host_free(h);
	free(file);
	free(file_target);
	free(target);
	free(dir);
	free(link);
}

static void test_modindex_corrupt(void **state)
{
	struct fx *f = *state;
	/* Not an index: never handed to libkmod, and the copy is not left behind. */
	put(f->root, "lib/modules/" RELEASE "/modules.dep.bin", "garbage, not an index\n");
	struct host *h = open_root(f);
	struct modindex *idx = NULL;
	assert_int_equal(modindex_open(h, RELEASE, &idx), -EBADMSG);
	assert_null(idx);
	assert_int_equal(dir_entries(f->tmp), 0);
	host_free(h);
}

static unsigned char *slurp_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

/* The index walk: real indexes pass; a truncated or bit-flipped one is judged without a read out of bounds. */
static void test_modindex_file_valid(void **state)
{
	(void)state;
	const char *src = getenv("SOURCE_DIR");
	if (!src)
		skip();
	static const char *const names[] = {"modules.dep.bin", "modules.alias.bin", "modules.symbols.bin",
					    "modules.builtin.bin"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *path =
			xasprintf("%s/fixtures/vm-debian12-host/root/lib/modules/6.1.0-57-amd64/%s", src, names[i]);
		size_t len = 0;
		_cleanup_free_ unsigned char *buf = slurp_file(path, &len);
		assert_non_null(buf);
		if (!modindex_file_valid(buf, len))
			fail_msg("%s: a real index judged malformed", names[i]);
		/* Every truncation (in steps) is a file that ends inside a node, or a smaller one. */
		size_t bad = 0, step = len / 997 + 1;
		for (size_t n = 0; n < len; n += step)
			bad += !modindex_file_valid(buf, n);
		assert_true(bad > 0);
		/* Flip bytes through the first nodes: judged, never read past the end (ASan). */
		for (size_t k = 0; k < 4096 && k < len; k += 3) {
			buf[k] ^= 0xa5;
			(void)modindex_file_valid(buf, len);
			buf[k] ^= 0xa5;
		}
	}
	/* Hand-made: a header alone, children counted down, 2^31 values, an offset past the end. */
	unsigned char hdr[] = {0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1, 0, 0, 0, 0};
	assert_true(modindex_file_valid(hdr, sizeof(hdr))); /* root 0: an empty index */
	unsigned char down[] = {0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1, 0x20, 0, 0, 12, 0x10, 0x00, 0, 0, 0, 0};
	assert_false(modindex_file_valid(down, sizeof(down)));
	unsigned char values[] = {0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1, 0x40, 0, 0, 12, 0x7f, 0xff, 0xff, 0xff};
	assert_false(modindex_file_valid(values, sizeof(values)));
	unsigned char past[] = {0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1, 0x20, 0, 0, 12, 'a', 'a', 0x80, 0xff, 0xff, 0xff};
	assert_false(modindex_file_valid(past, sizeof(past)));
	unsigned char version3[] = {0xb0, 0x07, 0xf4, 0x57, 0, 3, 0, 1, 0, 0, 0, 0};
	assert_false(modindex_file_valid(version3, sizeof(version3)));
	/* A node reached twice is fine, and walked once: children 'a' and 'b' (offsets at 14 and 18)
	 * both name the node at 22, which holds one value (priority 0, "x"). */
	unsigned char dag[] = {0xb0, 0x07, 0xf4, 0x57, 0, 2,  0, 1, 0x20, 0, 0, 12, 'a', 'b', 0x40, 0,
			       0,    22,   0x40, 0,    0, 22, 0, 0, 0,	  1, 0, 0,  0,	 0,   'x',  0};
	assert_true(modindex_file_valid(dag, sizeof(dag)));
}

/* ---- module states from a whole sysroot ---- */

static const char *const config = "CONFIG_MODULES=y\n"
				  "CONFIG_OVERLAY_FS=y\n"
				  "CONFIG_VETH=m\n"
				  "# CONFIG_BRIDGE is not set\n"
				  "CONFIG_NF_NAT=m\n"
				  "CONFIG_IP_NF_NAT=m\n"
				  "CONFIG_IP_NF_IPTABLES=y\n"
				  "# CONFIG_IP_NF_IPTABLES_LEGACY is not set\n"
				  "CONFIG_IP6_NF_IPTABLES_LEGACY=m\n"
				  "CONFIG_IP6_NF_IPTABLES=y\n"
				  "CONFIG_IP_NF_TARGET_MASQUERADE=m\n"
				  "CONFIG_IP_NF_FILTER=m\n";

static enum module_state state_of(struct modules_view *v, const char *name)
{
	const struct module_want *w = module_want_find(name);
	if (!w)
		fail_msg("no module_want for %s", name);
	return modules_view_state(v, w);
}

static void view(struct fx *f, struct host **h, struct ctx *c, struct modules_view *v)
{
	*h = open_root(f);
	ctx_init(c, *h);
	const char *what = NULL;
	int r = modules_view_init(v, c, &what);
	if (r != 0)
		fail_msg("modules_view_init = %d (%s)", r, what ? what : "?");
}

static void unview(struct host *h, struct ctx *c, struct modules_view *v)
{
	modules_view_clear(v);
	ctx_clear(c);
	host_free(h);
}

static void test_state_host(void **state)
{
	struct fx *f = *state;
	put(f->root, "boot/config-" RELEASE, config);
	put(f->root, "proc/modules", "veth 32768 0 - Live 0x0\n");
	put_index(f->root, "lib/modules");
	struct host *h;
	struct ctx c;
	struct modules_view v;
	view(f, &h, &c, &v);
	assert_false(v.in_container);
	assert_int_equal(state_of(&v, "overlay"), MODULE_BUILTIN);
	assert_int_equal(state_of(&v, "veth"), MODULE_LOADED);
	assert_int_equal(state_of(&v, "bridge"), MODULE_ABSENT);
	assert_int_equal(state_of(&v, "nf_nat"), MODULE_LOADABLE);
	assert_int_equal(state_of(&v, "iptable_nat"), MODULE_LOADABLE);
	/* =m but no file in the index. */
	assert_int_equal(state_of(&v, "iptable_filter"), MODULE_NOT_INSTALLED);
	/* The LEGACY option decides when it is set; else the older one does. */
	assert_int_equal(state_of(&v, "ip_tables"), MODULE_BUILTIN);
	assert_int_equal(state_of(&v, "ip6_tables"), MODULE_NOT_INSTALLED);
	/* Old kernels: ipt_MASQUERADE (IP_NF_TARGET_MASQUERADE) stands for xt_MASQUERADE. */
	assert_int_equal(modules_view_option(&v, module_want_find("xt_MASQUERADE")), 'm');
	assert_int_equal(state_of(&v, "xt_MASQUERADE"), MODULE_LOADABLE);
	/* Not in the config at all. */
	assert_int_equal(state_of(&v, "xt_conntrack"), MODULE_ABSENT);
	unview(h, &c, &v);
	assert_int_equal(dir_entries(f->tmp), 0);
}

static void test_state_container(void **state)
{
	struct fx *f = *state;
	put(f->root, "run/systemd/container", "lxc\n");
	put(f->root, "boot/config-" RELEASE, config);
	put(f->root, "proc/modules", "veth 32768 0 - Live 0x0\nipt_MASQUERADE 1 0 - Live 0x0\n");
	put_index(f->root, "lib/modules");
	struct host *h;
	struct ctx c;
	struct modules_view v;
	view(f, &h, &c, &v);
	assert_true(v.in_container);
	/* A container's own module index is not read: its host decides what can load. */
	assert_null(v.index);
	assert_int_equal(state_of(&v, "overlay"), MODULE_BUILTIN);
	assert_int_equal(state_of(&v, "veth"), MODULE_LOADED);
	assert_int_equal(state_of(&v, "xt_MASQUERADE"), MODULE_LOADED);
	assert_int_equal(state_of(&v, "nf_nat"), MODULE_NOT_LOADED);
	assert_int_equal(state_of(&v, "bridge"), MODULE_ABSENT);
	unview(h, &c, &v);
	assert_int_equal(dir_entries(f->tmp), 0);
}

static void test_state_builtin_list(void **state)
{
	struct fx *f = *state;
	/* No config: modules.builtin and proc/modules decide. */
	put(f->root, "proc/modules", "bridge 1 0 - Live 0x0\n");
	put(f->root, "lib/modules/" RELEASE "/modules.builtin", "kernel/fs/overlayfs/overlay.ko\n");
	struct host *h;
	struct ctx c;
	struct modules_view v;
	view(f, &h, &c, &v);
	assert_int_equal(state_of(&v, "overlay"), MODULE_BUILTIN);
	assert_int_equal(state_of(&v, "bridge"), MODULE_LOADED);
	/* Not built in (modules.builtin says so); replay without an index: whether it could load is not known. */
	assert_int_equal(state_of(&v, "veth"), MODULE_UNVERIFIED);
	unview(h, &c, &v);
}

static void test_state_nothing_known(void **state)
{
	struct fx *f = *state;
	struct host *h;
	struct ctx c;
	struct modules_view v;
	/* Replay, no proc/modules, no config, no lib/modules: nothing is known. */
	view(f, &h, &c, &v);
	assert_false(v.loaded_known);
	assert_int_equal(state_of(&v, "overlay"), MODULE_UNKNOWN);
	assert_int_equal(modules_view_option(&v, module_want_find("overlay")), '?');
	unview(h, &c, &v);

	/* With a config saying =m, it is a module whose state is not known. */
	put(f->root, "boot/config-" RELEASE, config);
	view(f, &h, &c, &v);
	assert_int_equal(state_of(&v, "veth"), MODULE_UNVERIFIED);
	assert_int_equal(state_of(&v, "overlay"), MODULE_BUILTIN);
	unview(h, &c, &v);
}

static void test_state_corrupt_files(void **state)
{
	struct fx *f = *state;
	struct host *h;
	struct ctx c;
	struct modules_view v;
	const char *what = NULL;

	put(f->root, "proc/modules", "this is not proc/modules\n");
	h = open_root(f);
	ctx_init(&c, h);
	assert_int_equal(modules_view_init(&v, &c, &what), -EBADMSG);
	assert_string_equal(what, "proc/modules");
	ctx_clear(&c);
	host_free(h);

	put(f->root, "proc/modules", "");
	put(f->root, "lib/modules/" RELEASE "/modules.builtin", "kernel/fs/overlay fs.ko\n");
	h = open_root(f);
	ctx_init(&c, h);
	what = NULL;
	assert_int_equal(modules_view_init(&v, &c, &what), -EBADMSG);
	assert_non_null(what);
	assert_non_null(strstr(what, "modules.builtin"));
	ctx_clear(&c);
	host_free(h);
	assert_int_equal(dir_entries(f->tmp), 0);
}

static void test_state_config_excerpt(void **state)
{
	struct fx *f = *state;
	/* An excerpt without ip_tables' own lines: the table modules depend on it, so it is there. */
	put(f->root, "boot/config-" RELEASE,
	    "CONFIG_IP_NF_FILTER=y\nCONFIG_IP6_NF_NAT=m\n# CONFIG_IP_NF_RAW is not set\n");
	put(f->root, "proc/modules", "");
	struct host *h;
	struct ctx c;
	struct modules_view v;
	view(f, &h, &c, &v);
	assert_int_equal(modules_view_option(&v, module_want_find("ip_tables")), 'y');
	assert_int_equal(state_of(&v, "ip_tables"), MODULE_BUILTIN);
	assert_int_equal(modules_view_option(&v, module_want_find("ip6_tables")), 'm');
	assert_int_equal(state_of(&v, "ip6_tables"), MODULE_UNVERIFIED);
	assert_int_equal(state_of(&v, "iptable_raw"), MODULE_ABSENT);
	unview(h, &c, &v);
}

static void test_module_want_table(void **state)
{
	(void)state;
	static const char *const names[] = {"overlay",	    "br_netfilter", "bridge",	     "veth",
					    "nf_nat",	    "ip_tables",    "iptable_nat",   "iptable_filter",
					    "xt_conntrack", "xt_addrtype",  "xt_MASQUERADE", "iptable_raw",
					    "ip6_tables",   "ip6table_nat"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct module_want *w = module_want_find(names[i]);
		if (!w || !w->options[0])
			fail_msg("%s has no option", names[i]);
	}
	assert_null(module_want_find("nonexistent"));
	assert_string_equal(module_want_find("ip_tables")->options[0], "IP_NF_IPTABLES_LEGACY");
	assert_string_equal(module_want_find("overlay")->options[0], "OVERLAY_FS");
	assert_string_equal(module_want_find("br_netfilter")->options[0], "BRIDGE_NETFILTER");
	assert_string_equal(module_want_find("xt_MASQUERADE")->options[0], "NETFILTER_XT_TARGET_MASQUERADE");
	assert_string_equal(module_state_to_string(MODULE_LOADABLE), "loadable");
	assert_true(module_state_available(MODULE_BUILTIN));
	assert_false(module_state_available(MODULE_LOADABLE));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_modules),
		cmocka_unit_test(test_proc_modules_normalize_and_merge),
		cmocka_unit_test(test_proc_modules_junk),
		cmocka_unit_test(test_module_name),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_builtin_junk),
		cmocka_unit_test(test_module_want_table),
		T(test_modindex_replay),
		T(test_modindex_missing),
		T(test_modindex_usrmerge_symlink),
		T(test_modindex_symlink_out_of_root),
		T(test_modindex_corrupt),
		cmocka_unit_test(test_modindex_file_valid),
		T(test_state_host),
		T(test_state_container),
		T(test_state_builtin_list),
		T(test_state_nothing_known),
		T(test_state_corrupt_files),
		T(test_state_config_excerpt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
