/* SPDX-License-Identifier: Apache-2.0 */
#include "util.h"

#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <fcntl.h>

#include <ctype.h>

static void oom(void)
{
	fputs("nestcheck: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p;
	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

static void strbuf_grow(struct strbuf *sb, size_t add)
{
	if (sb->len + add + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + add + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void strbuf_append(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n + 1);
	sb->len += n;
}

void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_append(sb, s);
}

char *strbuf_take(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	*sb = (struct strbuf){0};
	return p;
}

void strv_push(struct strv *l, char *s)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

bool strv_contains(const struct strv *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i], s))
			return true;
	return false;
}

char *strv_join(const struct strv *l, const char *sep)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strbuf_append(&sb, sep);
		strbuf_append(&sb, l->v[i]);
	}
	return strbuf_take(&sb);
}

void strv_clear(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strv){0};
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_valid(const unsigned char *p)
{
	size_t n;
	unsigned min;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, min = 0x80, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, min = 0x800, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, min = 0x10000, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static char *sanitize(char *s, bool keep_newlines)
{
	/* One pass, reading ahead of writing: linear in the string's length. */
	unsigned char *r = (unsigned char *)s, *w;
	/* Most text is printable ASCII: nothing to move until the first other byte. */
	while ((*r >= 0x20 && *r < 0x7f) || (*r == '\n' && keep_newlines))
		r++;
	w = r;
	while (*r) {
		size_t n = utf8_valid(r);
		if (n == 1 && *r == '\n' && keep_newlines) {
			*w++ = *r++;
			continue;
		}
		if (n == 0 || (n == 1 && (*r < 0x20 || *r == 0x7f)) || (n == 2 && r[0] == 0xc2 && r[1] < 0xa0)) {
			/* Also C1 controls (U+0080..U+009F): terminals obey some of them. */
			*w++ = '?';
			r += n ? n : 1;
			continue;
		}
		while (n--)
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}

unsigned long long hash_fnv_n(unsigned long long h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

unsigned long long hash_fnv(unsigned long long h, const char *s)
{
	return hash_fnv_n(h, s, strlen(s));
}

int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

char *text_sanitize(char *s)
{
	return sanitize(s, false);
}

char *text_sanitize_lines(char *s)
{
	return sanitize(s, true);
}

char *shell_quote(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+:=,@") == strlen(s))
		return xstrdup(s);
	struct strbuf sb = {0};
	strbuf_append(&sb, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			strbuf_append(&sb, "'\\''");
		else {
			char ch[2] = {*p, 0};
			strbuf_append(&sb, ch);
		}
	}
	strbuf_append(&sb, "'");
	return strbuf_take(&sb);
}

char *strstrip_right(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{EPERM, "EPERM"},	    {ENOENT, "ENOENT"},
	{EACCES, "EACCES"},	    {EINVAL, "EINVAL"},
	{ENOSYS, "ENOSYS"},	    {EBUSY, "EBUSY"},
	{ELOOP, "ELOOP"},	    {EXDEV, "EXDEV"},
	{EFBIG, "EFBIG"},	    {ENOTDIR, "ENOTDIR"},
	{EISDIR, "EISDIR"},	    {EROFS, "EROFS"},
	{ENODEV, "ENODEV"},	    {ENOTSUP, "ENOTSUP"},
	{EDQUOT, "EDQUOT"},	    {ENOTCONN, "ENOTCONN"},
	{ETIMEDOUT, "ETIMEDOUT"},   {EIO, "EIO"},
	{ENOMEM, "ENOMEM"},	    {EBADMSG, "EBADMSG"},
	{ENODATA, "ENODATA"},	    {ECHILD, "ECHILD"},
	{ENOSPC, "ENOSPC"},	    {E2BIG, "E2BIG"},
	{EAGAIN, "EAGAIN"},	    {ENXIO, "ENXIO"},
	{EEXIST, "EEXIST"},	    {ENOKEY, "ENOKEY"},
	{EOPNOTSUPP, "EOPNOTSUPP"}, {ENAMETOOLONG, "ENAMETOOLONG"},
	{ESRCH, "ESRCH"},	    {ECONNREFUSED, "ECONNREFUSED"},
	{ELIBACC, "ELIBACC"},	    {EPROTO, "EPROTO"},
	{EUSERS, "EUSERS"},
};

const char *errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EUNKNOWN";
}

int errno_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (streq(errno_names[i].name, name))
			return -errno_names[i].err;
	return -EIO;
}

int read_user_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	_cleanup_free_ char *buf = xmalloc(max + 1);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}
