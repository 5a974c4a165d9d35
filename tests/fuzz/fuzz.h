/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every libFuzzer harness of nestcheck shares: the input as a NUL-terminated
 * string (the parsers take text), and a property check that aborts (a finding).
 */
#ifndef NESTCHECK_FUZZ_H
#define NESTCHECK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a string: a copy with a NUL after it (embedded NULs end it early, as in a file read as text). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A private directory under $TMPDIR (or /tmp) for the harness's files, made once; the harness removes it at exit. */
static inline void fuzz_tmpdir(char *buf, size_t size, const char *what)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, size, "%s/nestcheck-fuzz-%s.XXXXXX", t && t[0] == '/' ? t : "/tmp", what);
	if (!mkdtemp(buf))
		abort();
}

#define FUZZ_ASSERT(cond)                                                                                              \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);              \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

/* No C0 control but (when lines) newline, no DEL, no C1 control in UTF-8: safe on a terminal. */
static inline int fuzz_printable(const char *s, int lines)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if ((*p < 0x20 && !(lines && *p == '\n')) || *p == 0x7f)
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			return 0;
	}
	return 1;
}

#endif
