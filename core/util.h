/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_UTIL_H
#define NESTCHECK_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_       __attribute__((unused))
#define _cleanup_(f)   __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_free_	 _cleanup_(freep)
#define _cleanup_close_	 _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                                                    \
	({                                                                                                             \
		__typeof__(p) _p = (p);                                                                                \
		(p) = NULL;                                                                                            \
		_p;                                                                                                    \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Allocation failure is not a condition this tool can report on: abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* A growable string. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void strbuf_append(struct strbuf *sb, const char *s);
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
char *strbuf_take(struct strbuf *sb);

/* A growable NULL-terminated list of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *l, char *s); /* takes ownership */
bool strv_contains(const struct strv *l, const char *s);
char *strv_join(const struct strv *l, const char *sep);
void strv_clear(struct strv *l);

/*
 * Make text from a host file safe to print and to put in JSON: control
 * characters and bytes that are not UTF-8 become '?'. In place; returns s.
 */
char *text_sanitize(char *s);
/* The same, but newlines stay: a map or a list keeps its lines. */
char *text_sanitize_lines(char *s);
/*
 * A thread that leaves every signal to the main thread (whose handlers clean up): 0, or the
 * error pthread_create gave. For work a run does beside the checks (reads, probes).
 */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
/* FNV-1a of s, continuing from h (start with HASH_FNV_START): for the tables of names and keys. */
#define HASH_FNV_START 0xcbf29ce484222325ull
unsigned long long hash_fnv(unsigned long long h, const char *s);
/* The same over n bytes. */
unsigned long long hash_fnv_n(unsigned long long h, const char *s, size_t n);
/* s as one shell word: unchanged when plain, else in single quotes. */
char *shell_quote(const char *s);
/* Strip trailing whitespace in place; returns s. */
char *strstrip_right(char *s);
/* A short text for a negative errno ("ENOENT"), for evidence. */
const char *errno_name(int err);
/*
 * A file a user names on the command line (a policy, a kernel config), read
 * whole: NUL-terminated, *ret_len without it. -EINVAL when it is not a regular
 * file, -EFBIG past max bytes, else the negative errno of open or read.
 */
int read_user_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* The negative errno errno_name() gave that name; -EIO for one it does not know. */
int errno_from_name(const char *name);

#endif
