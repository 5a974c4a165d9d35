/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the host object on a sysroot built per test in a temporary
 * directory (removed in the teardown, which cmocka runs after a failure too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "core/host.h"
#include "core/util.h"

struct fx {
	char base[64]; /* mkdtemp: base/root is the sysroot, base/outside is not */
	char *root;
	char *outside;
};

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "we");
	if (!f)
		fail_msg("fopen(%s): %s", path, strerror(errno));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static void xmkdir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir(%s): %s", path, strerror(errno));
}

/* mkdir -p of root + "/" + rel (rel without a leading slash). */
static void mkdir_p(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			xmkdir(p);
			*s = '/';
		}
	xmkdir(p);
	free(p);
}

static void put(const struct fx *f, const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", f->root, rel);
	write_file(p, content);
	free(p);
}

static void link_in_root(const struct fx *f, const char *rel, const char *target)
{
	char *p = xasprintf("%s/%s", f->root, rel);
	if (symlink(target, p) < 0)
		fail_msg("symlink(%s -> %s): %s", p, target, strerror(errno));
	free(p);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	snprintf(f->base, sizeof(f->base), "/tmp/nestcheck-unit-host-XXXXXX");
	if (!mkdtemp(f->base)) {
		free(f);
		return -1;
	}
	f->root = xasprintf("%s/root", f->base);
	f->outside = xasprintf("%s/outside", f->base);
	*state = f;
	if (mkdir(f->root, 0755) < 0 || mkdir(f->outside, 0755) < 0)
		return -1;
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
	int r = nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->root);
	free(f->outside);
	free(f);
	return r;
}

static struct host *open_root(const struct fx *f)
{
	struct host *h = NULL;
	int r = host_new(f->root, &h);
	if (r != 0)
		fail_msg("host_new(%s) = %d", f->root, r);
	assert_non_null(h);
	return h;
}

static void assert_read(struct host *h, const char *path, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	int r = host_read_file(h, path, &buf, &len);
	if (r != 0)
		fail_msg("host_read_file(%s) = %d (%s), want 0", path, r, errno_name(r));
	assert_int_equal(len, strlen(want));
	assert_string_equal(buf, want);
	free(buf);
}

static void assert_read_err(struct host *h, const char *path, int want)
{
	char *buf = (char *)0x1;
	size_t len = 4242;
	int r = host_read_file(h, path, &buf, &len);
	if (r == 0)
		free(buf);
	if (r != want)
		fail_msg("host_read_file(%s) = %d (%s), want %d (%s)", path, r, errno_name(r), want, errno_name(want));
	assert_ptr_equal(buf, (char *)0x1);
	assert_int_equal(len, 4242);
}

static void assert_access(struct host *h, const char *path, int want)
{
	int r = host_access(h, path);
	if (r != want)
		fail_msg("host_access(%s) = %d (%s), want %d (%s)", path, r, errno_name(r), want, errno_name(want));
}

/* ---- host_new ---- */

static void test_host_new_missing(void **state)
{
	struct fx *f = *state;
	struct host *h = (struct host *)0x1;
	char *p = xasprintf("%s/does-not-exist", f->base);
	assert_int_equal(host_new(p, &h), -ENOENT);
	assert_ptr_equal(h, (struct host *)0x1);
	free(p);
	p = xasprintf("%s/does/not/exist", f->base);
	assert_int_equal(host_new(p, &h), -ENOENT);
	free(p);
	assert_ptr_equal(h, (struct host *)0x1);
}

static void test_host_new_file(void **state)
{
	struct fx *f = *state;
	struct host *h = (struct host *)0x1;
	char *p = xasprintf("%s/plain", f->base);
	write_file(p, "not a directory\n");
	assert_int_equal(host_new(p, &h), -ENOTDIR);
	assert_ptr_equal(h, (struct host *)0x1);
	free(p);
}

static void test_host_new_ok(void **state)
{
	struct fx *f = *state;
	struct host *h = open_root(f);
	assert_false(host_is_live(h));
	assert_string_equal(host_root(h), f->root);
	host_free(h);

	/* A symlink to a directory is a fine root. */
	char *p = xasprintf("%s/rootlink", f->base);
	assert_int_equal(symlink(f->root, p), 0);
	assert_int_equal(host_new(p, &h), 0);
	assert_false(host_is_live(h));
	host_free(h);
	free(p);

	h = NULL;
	assert_int_equal(host_new(NULL, &h), 0);
	assert_non_null(h);
	assert_true(host_is_live(h));
	assert_string_equal(host_root(h), "/");
	host_free(h);
	host_free(NULL);
}

/* ---- reading ---- */

static void test_read_regular(void **state)
{
	struct fx *f = *state;
	mkdir_p(f->root, "etc");
	mkdir_p(f->root, "proc/sys/kernel");
	put(f, "etc/os-release", "NAME=\"Inside\"\nID=inside\n");
	put(f, "empty", "");
	put(f, "line", "  first line \t \nsecond line\n");
	put(f, "noeol", "no newline at all   ");
	put(f, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
	struct host *h = open_root(f);

	assert_read(h, "etc/os-release", "NAME=\"Inside\"\nID=inside\n");
	/* A leading slash, "." and ".." inside the tree are resolved within the root. */
	assert_read(h, "/etc/os-release", "NAME=\"Inside\"\nID=inside\n");
	assert_read(h, "./etc/../etc/os-release", "NAME=\"Inside\"\nID=inside\n");
	assert_read(h, "empty", "");

	/* ret_len is optional. */
	char *buf = NULL;
	assert_int_equal(host_read_file(h, "etc/os-release", &buf, NULL), 0);
	assert_string_equal(buf, "NAME=\"Inside\"\nID=inside\n");
	free(buf);

	char *line = NULL;
	assert_int_equal(host_read_line(h, "line", &line), 0);
	assert_string_equal(line, "  first line");
	free(line);
	assert_int_equal(host_read_line(h, "noeol", &line), 0);
	assert_string_equal(line, "no newline at all");
	free(line);
	assert_int_equal(host_read_line(h, "empty", &line), 0);
	assert_string_equal(line, "");
	free(line);
	line = (char *)0x1;
	assert_int_equal(host_read_line(h, "missing", &line), -ENOENT);
	assert_ptr_equal(line, (char *)0x1);

	char *rel = NULL;
	assert_int_equal(host_kernel_release(h, &rel), 0);
	assert_string_equal(rel, "6.1.0-18-amd64");
	free(rel);

	assert_access(h, "etc/os-release", 0);
	assert_access(h, "empty", 0);
	assert_access(h, "etc", 0);
	host_free(h);
}

static void test_read_binary(void **state)
{
	struct fx *f = *state;
	/* NULs inside (proc/1/environ): the length covers them all. */
	static const char env[] = "PATH=/bin\0container=lxc\0";
	char *p = xasprintf("%s/environ", f->root);
	FILE *fp = fopen(p, "we");
	assert_non_null(fp);
	assert_int_equal(fwrite(env, 1, sizeof(env) - 1, fp), sizeof(env) - 1);
	assert_int_equal(fclose(fp), 0);
	free(p);

	struct host *h = open_root(f);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(host_read_file(h, "environ", &buf, &len), 0);
	assert_int_equal(len, sizeof(env) - 1);
	assert_memory_equal(buf, env, len);
	assert_int_equal(buf[len], '\0');
	free(buf);
	host_free(h);
}

static void test_read_text(void **state)
{
	struct fx *f = *state;
	put(f, "text", "line one\nline two\n");
	static const char nul[] = "before\0after\n";
	char *p = xasprintf("%s/nul", f->root);
	FILE *fp = fopen(p, "we");
	assert_non_null(fp);
	assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, fp), sizeof(nul) - 1);
	assert_int_equal(fclose(fp), 0);
	free(p);
	mkdir_p(f->root, "dir");
	struct host *h = open_root(f);

	char *buf = NULL;
	assert_int_equal(host_read_text(h, "text", &buf), 0);
	assert_string_equal(buf, "line one\nline two\n");
	free(buf);
	/* A NUL inside makes it junk, not a shorter text; read_file still takes it. */
	buf = (char *)0x1;
	assert_int_equal(host_read_text(h, "nul", &buf), -EBADMSG);
	assert_ptr_equal(buf, (char *)0x1);
	assert_int_equal(host_read_line(h, "nul", &buf), -EBADMSG);
	assert_ptr_equal(buf, (char *)0x1);
	size_t len = 0;
	assert_int_equal(host_read_file(h, "nul", &buf, &len), 0);
	assert_int_equal(len, sizeof(nul) - 1);
	free(buf);
	/* Errors of the read come through. */
	buf = (char *)0x1;
	assert_int_equal(host_read_text(h, "missing", &buf), -ENOENT);
	assert_int_equal(host_read_text(h, "dir", &buf), -EISDIR);
	assert_ptr_equal(buf, (char *)0x1);
	host_free(h);
}

/* What host_read_chunks handed out, joined back; each run but the last ends a line. */
struct chunks {
	struct strbuf sb;
	size_t n, stop_at;
	bool unterminated; /* a run without a final '\n' came: only the last may be one */
};

static int collect_chunk(const char *text, size_t len, void *userdata)
{
	struct chunks *l = userdata;
	assert_int_equal(strlen(text), len); /* terminated where it says */
	assert_true(len > 0);
	assert_false(l->unterminated);
	if (l->stop_at && l->n + 1 == l->stop_at)
		return -ECANCELED;
	l->n++;
	l->unterminated = text[len - 1] != '\n';
	strbuf_append(&l->sb, text);
	return 0;
}

static void put_bytes(const struct fx *f, const char *rel, const char *buf, size_t len)
{
	char *p = xasprintf("%s/%s", f->root, rel);
	FILE *fp = fopen(p, "we");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	free(p);
}

static void test_read_chunks(void **state)
{
	struct fx *f = *state;
	/* Lines across the 64 KiB reads, one longer than a read, blank ones, a last one with its '\n'. */
	struct strbuf want = {0};
	for (size_t i = 0; i < 20000; i++)
		strbuf_appendf(&want, "line %zu%s\n", i, i % 7 ? "" : " with more words in it");
	char *lng = xmalloc(200001);
	memset(lng, 'x', 200000);
	lng[200000] = '\0';
	strbuf_append(&want, lng);
	strbuf_append(&want, "\n\n\nlast\n");
	put(f, "many", want.buf);
	put(f, "unterminated", "a\nb");
	put(f, "empty", "");
	put_bytes(f, "nul", "a\nb\0c\n", 6);
	mkdir_p(f->root, "dir");
	struct host *h = open_root(f);

	struct chunks l = {0};
	assert_int_equal(host_read_chunks(h, "many", collect_chunk, &l), 0);
	assert_true(l.n > 1);
	assert_false(l.unterminated);
	assert_string_equal(l.sb.buf, want.buf);
	free(strbuf_take(&l.sb));

	l = (struct chunks){0};
	assert_int_equal(host_read_chunks(h, "unterminated", collect_chunk, &l), 0);
	assert_true(l.unterminated);
	assert_string_equal(l.sb.buf, "a\nb");
	free(strbuf_take(&l.sb));

	l = (struct chunks){0};
	assert_int_equal(host_read_chunks(h, "empty", collect_chunk, &l), 0);
	assert_int_equal(l.n, 0);

	/* A NUL makes the file junk; a callback's error stops the read and comes back. */
	l = (struct chunks){0};
	assert_int_equal(host_read_chunks(h, "nul", collect_chunk, &l), -EBADMSG);
	free(strbuf_take(&l.sb));
	l = (struct chunks){.stop_at = 2};
	assert_int_equal(host_read_chunks(h, "many", collect_chunk, &l), -ECANCELED);
	assert_int_equal(l.n, 1);
	free(strbuf_take(&l.sb));

	/* The read's own errors, as host_read_file. */
	assert_int_equal(host_read_chunks(h, "missing", collect_chunk, &l), -ENOENT);
	assert_int_equal(host_read_chunks(h, "dir", collect_chunk, &l), -EISDIR);
	host_free(h);
	free(lng);
	free(strbuf_take(&want));
}

static void test_read_missing(void **state)
{
	struct fx *f = *state;
	mkdir_p(f->root, "etc");
	put(f, "etc/hostname", "box\n");
	struct host *h = open_root(f);
	assert_read_err(h, "missing", -ENOENT);
	assert_read_err(h, "etc/missing", -ENOENT);
	assert_read_err(h, "no/such/dir/file", -ENOENT);
	/* A file used as a directory. */
	assert_read_err(h, "etc/hostname/x", -ENOTDIR);
	assert_access(h, "missing", -ENOENT);
	assert_access(h, "no/such/dir/file", -ENOENT);
	char *rel = (char *)0x1;
	assert_int_equal(host_kernel_release(h, &rel), -ENOENT);
	assert_ptr_equal(rel, (char *)0x1);
	host_free(h);
}

static void test_read_directory(void **state)
{
	struct fx *f = *state;
	mkdir_p(f->root, "sys/fs/cgroup");
	link_in_root(f, "dirlink", "sys/fs");
	struct host *h = open_root(f);
	assert_read_err(h, "sys/fs/cgroup", -EISDIR);
	assert_read_err(h, "sys/fs/cgroup/", -EISDIR);
	assert_read_err(h, "dirlink", -EISDIR);
	assert_read_err(h, ".", -EISDIR);
	char *line = (char *)0x1;
	assert_int_equal(host_read_line(h, "sys", &line), -EISDIR);
	assert_ptr_equal(line, (char *)0x1);
	assert_access(h, "sys/fs/cgroup", 0);
	assert_access(h, "dirlink/cgroup", 0);
	host_free(h);
}

static void test_read_fifo(void **state)
{
	struct fx *f = *state;
	char *p = xasprintf("%s/fifo", f->root);
	assert_int_equal(mkfifo(p, 0644), 0);
	free(p);
	link_in_root(f, "fifolink", "/fifo");
	struct host *h = open_root(f);

	/* A hang is a failure too: the alarm kills the test. */
	alarm(20);
	assert_read_err(h, "fifo", -EINVAL);
	assert_read_err(h, "fifolink", -EINVAL);
	char *line = (char *)0x1;
	assert_int_equal(host_read_line(h, "fifo", &line), -EINVAL);
	assert_ptr_equal(line, (char *)0x1);
	assert_access(h, "fifo", 0);
	alarm(0);
	host_free(h);
}

static void test_read_device(void **state)
{
	struct fx *f = *state;
	char *p = xasprintf("%s/null", f->root);
	int r = mknod(p, S_IFCHR | 0666, makedev(1, 3));
	free(p);
	if (r < 0)
		skip(); /* no CAP_MKNOD here */
	struct host *h = open_root(f);
	assert_read_err(h, "null", -EINVAL);
	host_free(h);
}

static void test_read_too_big(void **state)
{
	struct fx *f = *state;
	char *p = xasprintf("%s/big", f->root);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)HOST_MAX_FILE + 1), 0);
	close(fd);
	free(p);

	/* Exactly the limit is still read. */
	p = xasprintf("%s/atlimit", f->root);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)HOST_MAX_FILE), 0);
	assert_int_equal(pwrite(fd, "END", 3, (off_t)HOST_MAX_FILE - 3), 3);
	close(fd);
	free(p);

	p = xasprintf("%s/huge", f->root);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 40), 0);
	close(fd);
	free(p);

	struct host *h = open_root(f);
	assert_read_err(h, "big", -EFBIG);
	assert_read_err(h, "huge", -EFBIG);
	char *line = (char *)0x1;
	assert_int_equal(host_read_line(h, "big", &line), -EFBIG);
	assert_ptr_equal(line, (char *)0x1);
	assert_int_equal(host_read_chunks(h, "big", collect_chunk, &(struct chunks){0}), -EFBIG);

	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(host_read_file(h, "atlimit", &buf, &len), 0);
	assert_int_equal(len, HOST_MAX_FILE);
	assert_memory_equal(buf + len - 3, "END", 3);
	assert_int_equal(buf[len], '\0');
	free(buf);
	host_free(h);
}

static void test_symlink_loop(void **state)
{
	struct fx *f = *state;
	link_in_root(f, "loop1", "loop2");
	link_in_root(f, "loop2", "loop1");
	link_in_root(f, "self", "self");
	link_in_root(f, "abs_self", "/abs_self");
	mkdir_p(f->root, "d");
	link_in_root(f, "d/up", "../d/up");
	struct host *h = open_root(f);
	assert_read_err(h, "loop1", -ELOOP);
	assert_read_err(h, "loop2", -ELOOP);
	assert_read_err(h, "self", -ELOOP);
	assert_read_err(h, "abs_self", -ELOOP);
	assert_read_err(h, "d/up", -ELOOP);
	assert_read_err(h, "loop1/x", -ELOOP);
	assert_access(h, "loop1", -ELOOP);
	host_free(h);
}

static void test_symlink_absolute_outside(void **state)
{
	struct fx *f = *state;
	char *secret = xasprintf("%s/secret", f->outside);
	write_file(secret, "OUTSIDE SECRET\n");
	/* An absolute link whose text names the real file outside the root. */
	link_in_root(f, "abs", secret);
	/* The same through a linked directory. */
	link_in_root(f, "absdir", f->outside);
	struct host *h = open_root(f);
	assert_read_err(h, "abs", -ENOENT);
	assert_read_err(h, "absdir/secret", -ENOENT);
	assert_access(h, "abs", -ENOENT);
	char *line = (char *)0x1;
	assert_int_equal(host_read_line(h, "abs", &line), -ENOENT);
	assert_ptr_equal(line, (char *)0x1);
	host_free(h);

	/* Once the same path exists inside the root, the link reads that one. */
	mkdir_p(f->root, f->outside + 1);
	char *inside = xasprintf("%s%s", f->root, secret);
	write_file(inside, "inside copy\n");
	h = open_root(f);
	assert_read(h, "abs", "inside copy\n");
	assert_read(h, "absdir/secret", "inside copy\n");
	assert_access(h, "abs", 0);
	host_free(h);

	/* And a link to a well-known absolute path reads the sysroot's copy. */
	mkdir_p(f->root, "etc");
	put(f, "etc/os-release", "ID=sysroot\n");
	link_in_root(f, "osr", "/etc/os-release");
	h = open_root(f);
	assert_read(h, "osr", "ID=sysroot\n");
	host_free(h);
	free(inside);
	free(secret);
}

static void test_symlink_relative_escape(void **state)
{
	struct fx *f = *state;
	char *secret = xasprintf("%s/secret", f->outside);
	write_file(secret, "OUTSIDE SECRET\n");
	/* Enough ".." to climb past the root on the real file system, then down to the secret. */
	char *target = xasprintf("../../../../../../../../../../..%s", secret);
	mkdir_p(f->root, "a/b");
	char *p = xasprintf("%s/a/b/esc", f->root);
	assert_int_equal(symlink(target, p), 0);
	free(p);
	/* A direct "../outside/secret" from the root's top. */
	link_in_root(f, "up", "../outside/secret");
	struct host *h = open_root(f);
	assert_read_err(h, "a/b/esc", -ENOENT);
	assert_read_err(h, "up", -ENOENT);
	/* ".." in the path itself stays inside too. */
	assert_read_err(h, "../outside/secret", -ENOENT);
	assert_read_err(h, "a/../../outside/secret", -ENOENT);
	assert_access(h, "../outside/secret", -ENOENT);
	host_free(h);

	/* Inside copies are what such links reach. */
	mkdir_p(f->root, f->outside + 1);
	char *inside = xasprintf("%s%s", f->root, secret);
	write_file(inside, "inside copy\n");
	mkdir_p(f->root, "outside");
	put(f, "outside/secret", "top-level copy\n");
	h = open_root(f);
	assert_read(h, "a/b/esc", "inside copy\n");
	assert_read(h, "up", "top-level copy\n");
	assert_read(h, "../outside/secret", "top-level copy\n");
	host_free(h);
	free(inside);
	free(target);
	free(secret);
}

static void test_dangling_symlink(void **state)
{
	struct fx *f = *state;
	link_in_root(f, "dangling", "/nonexistent/target");
	link_in_root(f, "dangling_rel", "nowhere");
	struct host *h = open_root(f);
	assert_read_err(h, "dangling", -ENOENT);
	assert_read_err(h, "dangling_rel", -ENOENT);
	assert_access(h, "dangling", -ENOENT);
	host_free(h);
}

static void test_read_link_sysroot(void **state)
{
	struct fx *f = *state;
	/* In a sysroot the link's text is stored as a plain file. */
	mkdir_p(f->root, "proc/self/ns");
	put(f, "proc/self/ns/cgroup", "cgroup:[4026531835]\n");
	struct host *h = open_root(f);
	char *v = NULL;
	assert_int_equal(host_read_link(h, "proc/self/ns/cgroup", &v), 0);
	assert_string_equal(v, "cgroup:[4026531835]");
	free(v);
	v = (char *)0x1;
	assert_int_equal(host_read_link(h, "proc/self/ns/user", &v), -ENOENT);
	assert_ptr_equal(v, (char *)0x1);
	host_free(h);
}

/* ---- observations ---- */

struct probe_state {
	int calls;
	int err;
	const char *value;
};

static int probe(void *userdata, char **ret_value)
{
	struct probe_state *p = userdata;
	p->calls++;
	if (p->err)
		return p->err;
	*ret_value = xstrdup(p->value);
	return 0;
}

static void assert_observed(struct host *h, const char *key, const char *want)
{
	struct probe_state ps = {.err = -EIO, .value = "from the probe"};
	const char *v = NULL;
	int r = host_observe(h, key, probe, &ps, &v);
	if (r != 0)
		fail_msg("host_observe(%s) = %d (%s), want 0", key, r, errno_name(r));
	assert_string_equal(v, want);
	/* Replay never probes. */
	assert_int_equal(ps.calls, 0);
}

static void assert_not_observed(struct host *h, const char *key)
{
	struct probe_state ps = {.value = "from the probe"};
	const char *v = (const char *)0x1;
	int r = host_observe(h, key, probe, &ps, &v);
	if (r != -ENODATA)
		fail_msg("host_observe(%s) = %d (%s), want -ENODATA", key, r, errno_name(r));
	assert_ptr_equal(v, (const char *)0x1);
	assert_int_equal(ps.calls, 0);
}

static void test_observations_loaded(void **state)
{
	struct fx *f = *state;
	mkdir_p(f->root, ".nestcheck");
	put(f, HOST_OBSERVATIONS_PATH,
	    "# nestcheck observations of live probes (key=value)\n"
	    "cgroup.namespace=private\n"
	    "storage.fstype=btrfs\n"
	    "=novalue\n"
	    "noequals\n"
	    "#commented=yes\n"
	    "with.eq=a=b=c\n"
	    "empty=\n"
	    "crlf=value\r\n"
	    "trailing=spaces   \n"
	    "dup=first\n"
	    "dup=second\n"
	    "\n"
	    "last=no newline");
	struct host *h = open_root(f);
	assert_observed(h, "cgroup.namespace", "private");
	assert_observed(h, "storage.fstype", "btrfs");
	assert_observed(h, "with.eq", "a=b=c");
	assert_observed(h, "empty", "");
	assert_observed(h, "crlf", "value");
	assert_observed(h, "trailing", "spaces");
	assert_observed(h, "dup", "second");
	assert_observed(h, "last", "no newline");
	assert_not_observed(h, "noequals");
	assert_not_observed(h, "#commented");
	assert_not_observed(h, "");
	assert_not_observed(h, "missing.key");
	assert_not_observed(h, "cgroup");
	host_free(h);
}

static void test_observations_none(void **state)
{
	struct fx *f = *state;
	/* No observations file: replay knows nothing, and says so. */
	struct host *h = open_root(f);
	assert_not_observed(h, "cgroup.namespace");
	host_free(h);

	/* An observations path that is a directory is no file either. */
	mkdir_p(f->root, HOST_OBSERVATIONS_PATH);
	h = open_root(f);
	assert_not_observed(h, "cgroup.namespace");
	host_free(h);
}

static void test_observe_live(void **state)
{
	(void)state;
	struct host *h = NULL;
	assert_int_equal(host_new(NULL, &h), 0);

	struct probe_state ps = {.value = "private\n"};
	const char *v = NULL;
	assert_int_equal(host_observe(h, "cgroup.namespace", probe, &ps, &v), 0);
	assert_string_equal(v, "private");
	assert_int_equal(ps.calls, 1);
	/* Once per key. */
	ps.value = "changed";
	assert_int_equal(host_observe(h, "cgroup.namespace", probe, &ps, &v), 0);
	assert_string_equal(v, "private");
	assert_int_equal(ps.calls, 1);

	/* A probe that fails records nothing, so the next call probes again. */
	struct probe_state bad = {.err = -EPERM};
	v = (const char *)0x1;
	assert_int_equal(host_observe(h, "apparmor.x", probe, &bad, &v), -EPERM);
	assert_ptr_equal(v, (const char *)0x1);
	assert_int_equal(host_observe(h, "apparmor.x", probe, &bad, &v), -EPERM);
	assert_int_equal(bad.calls, 2);
	bad.err = 0;
	bad.value = "now\r\nit works";
	assert_int_equal(host_observe(h, "apparmor.x", probe, &bad, &v), 0);
	assert_string_equal(v, "now\r\nit works");
	assert_int_equal(bad.calls, 3);

	/* host_record replaces what a probe found. */
	host_record(h, "cgroup.namespace", "host");
	assert_int_equal(host_observe(h, "cgroup.namespace", probe, &ps, &v), 0);
	assert_string_equal(v, "host");
	assert_int_equal(ps.calls, 1);
	host_free(h);
}

/* Probes ahead: what the thread found is what host_observe() gives; the probe passed then is not run. */
struct ahead_plan {
	struct probe_state first, second;
	bool skip_second;
	int started; /* the thread ran (checked after the join) */
};

static void ahead_fn(struct host_ahead *a, void *arg)
{
	struct ahead_plan *p = arg;
	const char *v;
	p->started = 1;
	/* Slow enough that host_observe() surely waits for it. */
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	(void)host_ahead_probe(a, "ahead.one", probe, &p->first, &v);
	if (!p->skip_second)
		(void)host_ahead_probe(a, "ahead.two", probe, &p->second, &v);
}

static void test_observe_ahead(void **state)
{
	(void)state;
	static const char *const keys[] = {"ahead.one", "ahead.two", NULL};
	struct host *h = NULL;
	const char *v = NULL;
	assert_int_equal(host_new(NULL, &h), 0);

	struct ahead_plan p = {.first = {.value = "one\n"}, .second = {.err = -EPERM}};
	assert_int_equal(host_ahead(h, keys, ahead_fn, &p), 0);
	struct probe_state now = {.value = "probed now"};
	assert_int_equal(host_observe(h, "ahead.one", probe, &now, &v), 0);
	assert_int_equal(p.started, 1);
	assert_string_equal(v, "one");
	assert_int_equal(now.calls, 0);
	assert_int_equal(p.first.calls, 1);
	/* The thread's error is the answer, without a second try. */
	assert_int_equal(host_observe(h, "ahead.two", probe, &now, &v), -EPERM);
	assert_int_equal(now.calls, 0);
	assert_int_equal(p.second.calls, 1);
	/* Recorded as a probe's value is. */
	assert_int_equal(host_recorded(h, "ahead.one", &v), 0);
	assert_string_equal(v, "one");
	/* A key outside the thread's list is probed as always. */
	assert_int_equal(host_observe(h, "other.key", probe, &now, &v), 0);
	assert_int_equal(now.calls, 1);
	host_free(h);

	/* A key the thread left out is probed when asked; one recorded already keeps its value. */
	assert_int_equal(host_new(NULL, &h), 0);
	host_record(h, "ahead.one", "recorded before");
	struct ahead_plan q = {.first = {.value = "ahead"}, .skip_second = true};
	assert_int_equal(host_ahead(h, keys, ahead_fn, &q), 0);
	struct probe_state later = {.value = "probed later"};
	assert_int_equal(host_observe(h, "ahead.two", probe, &later, &v), 0);
	assert_string_equal(v, "probed later");
	assert_int_equal(later.calls, 1);
	assert_int_equal(host_observe(h, "ahead.one", probe, &later, &v), 0);
	assert_string_equal(v, "recorded before");
	host_free(h);

	/* A thread nobody asked: host_free() waits for it and frees what it found (ASan: no leak). */
	assert_int_equal(host_new(NULL, &h), 0);
	struct ahead_plan r = {.first = {.value = "unasked"}, .second = {.value = "neither"}};
	assert_int_equal(host_ahead(h, keys, ahead_fn, &r), 0);
	host_free(h);
	assert_int_equal(r.first.calls, 1);
	assert_int_equal(r.second.calls, 1);

	/* No thread without probes. */
	assert_int_equal(host_new(NULL, &h), 0);
	host_disable_probes(h);
	struct ahead_plan none = {0};
	assert_int_equal(host_ahead(h, keys, ahead_fn, &none), -ENODATA);
	assert_int_equal(none.started, 0);
	host_free(h);
}

static void test_observe_ahead_replay(void **state)
{
	static const char *const keys[] = {"ahead.one", NULL};
	struct fx *f = *state;
	struct host *h = open_root(f);
	struct ahead_plan none = {0};
	assert_int_equal(host_ahead(h, keys, ahead_fn, &none), -ENODATA);
	assert_int_equal(none.started, 0);
	assert_not_observed(h, "ahead.one");
	host_free(h);
}

static void test_observations_roundtrip(void **state)
{
	struct fx *f = *state;
	struct host *live = NULL;
	assert_int_equal(host_new(NULL, &live), 0);
	host_record(live, "container.instance", "c1");
	host_record(live, "storage.fstype", "zfs");
	host_record(live, "multi", "line one\nline two\n");
	host_record(live, "backslash", "a\\nb\\");
	host_record(live, "with.eq", "k=v");
	host_record(live, "container.instance", "c2");
	struct probe_state ps = {.value = "probed"};
	const char *v = NULL;
	assert_int_equal(host_observe(live, "probed.key", probe, &ps, &v), 0);

	mkdir_p(f->root, ".nestcheck");
	char *path = xasprintf("%s/%s", f->root, HOST_OBSERVATIONS_PATH);
	assert_int_equal(host_write_observations(live, path), 0);
	host_free(live);

	/* The file: a comment, then key=value in recording order, one a line. */
	FILE *fp = fopen(path, "re");
	assert_non_null(fp);
	char text[1024];
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	assert_string_equal(text, "# nestcheck observations of live probes (key=value)\n"
				  "container.instance=c2\n"
				  "storage.fstype=zfs\n"
				  "multi=line one\\nline two\n"
				  "backslash=a\\\\nb\\\\\n"
				  "with.eq=k=v\n"
				  "probed.key=probed\n");

	/* Read back as a sysroot. */
	struct host *h = open_root(f);
	assert_observed(h, "container.instance", "c2");
	assert_observed(h, "storage.fstype", "zfs");
	/* Newlines and backslashes come back as they were recorded. */
	assert_observed(h, "multi", "line one\nline two");
	assert_observed(h, "backslash", "a\\nb\\");
	assert_observed(h, "with.eq", "k=v");
	assert_observed(h, "probed.key", "probed");
	assert_not_observed(h, "never.recorded");

	/* Recording on a replay host adds to what was loaded. */
	host_record(h, "extra", "x");
	assert_observed(h, "extra", "x");
	host_free(h);
	free(path);
}

static void test_write_observations_errors(void **state)
{
	struct fx *f = *state;
	struct host *h = NULL;
	assert_int_equal(host_new(NULL, &h), 0);
	host_record(h, "k", "v");
	char *path = xasprintf("%s/no/such/dir/observations", f->base);
	assert_int_equal(host_write_observations(h, path), -ENOENT);
	free(path);
	/* Nothing recorded: just the header. */
	host_free(h);
	assert_int_equal(host_new(NULL, &h), 0);
	path = xasprintf("%s/empty-observations", f->base);
	assert_int_equal(host_write_observations(h, path), 0);
	FILE *fp = fopen(path, "re");
	assert_non_null(fp);
	char text[256];
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	assert_string_equal(text, "# nestcheck observations of live probes (key=value)\n");
	free(path);
	host_free(h);
}

static void test_load_observations_buffer(void **state)
{
	(void)state;
	struct host *h = NULL;
	assert_int_equal(host_new(NULL, &h), 0);
	assert_int_equal(host_load_observations(h, "a=1\nb=2\n"), 0);
	assert_int_equal(host_load_observations(h, ""), 0);
	assert_int_equal(host_load_observations(h, "a=3"), 0);
	struct probe_state ps = {.value = "probe"};
	const char *v = NULL;
	assert_int_equal(host_observe(h, "a", probe, &ps, &v), 0);
	assert_string_equal(v, "3");
	assert_int_equal(host_observe(h, "b", probe, &ps, &v), 0);
	assert_string_equal(v, "2");
	assert_int_equal(ps.calls, 0);
	host_free(h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_host_new_missing),
		T(test_host_new_file),
		T(test_host_new_ok),
		T(test_read_regular),
		T(test_read_binary),
		T(test_read_text),
		T(test_read_chunks),
		T(test_read_missing),
		T(test_read_directory),
		T(test_read_fifo),
		T(test_read_device),
		T(test_read_too_big),
		T(test_symlink_loop),
		T(test_symlink_absolute_outside),
		T(test_symlink_relative_escape),
		T(test_dangling_symlink),
		T(test_read_link_sysroot),
		T(test_observations_loaded),
		T(test_observations_none),
		T(test_observe_live),
		T(test_observe_ahead),
		T(test_observe_ahead_replay),
		T(test_observations_roundtrip),
		T(test_write_observations_errors),
		T(test_load_observations_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
