/* SPDX-License-Identifier: Apache-2.0 */
#include "dpkg.h"
#include "host.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

struct stanza {
	char *name, *version, *status;
};

static void stanza_clear(struct stanza *st)
{
	free(st->name);
	free(st->version);
	free(st->status);
	*st = (struct stanza){0};
}

static void stanza_flush(struct stanza *st, struct dpkg_status *s)
{
	if (st->name && st->name[0]) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		s->v[s->n++] = (struct dpkg_package){
			.name = TAKE_PTR(st->name),
			.version = st->version && st->version[0] ? TAKE_PTR(st->version) : NULL,
			.status = TAKE_PTR(st->status),
		};
		s->v[s->n - 1].installed = dpkg_status_is_installed(s->v[s->n - 1].status);
	}
	stanza_clear(st);
}

static void field_set(char **slot, const char *value, size_t len)
{
	/* dpkg refuses duplicate fields; keep the first rather than guess. */
	if (*slot)
		return;
	while (len > 0 && (*value == ' ' || *value == '\t'))
		value++, len--;
	while (len > 0 && isspace((unsigned char)value[len - 1])) /* also the CR of CRLF */
		len--;
	*slot = text_sanitize(xstrndup(value, len));
}

/* The field a line starts, when it is one of the three that matter: its value's start, or NULL. */
static const char *field_of(const char *line, size_t len, char ***ret_slot, struct stanza *st)
{
	/* Most lines are other fields: decide on the colon's place before comparing names. */
	char first = (char)(line[0] | 0x20);
	if (len >= 8 && line[7] == ':') {
		if (first == 'p' && strncasecmp(line, "Package", 7) == 0)
			return *ret_slot = &st->name, line + 8;
		if (first == 'v' && strncasecmp(line, "Version", 7) == 0)
			return *ret_slot = &st->version, line + 8;
	} else if (len >= 7 && line[6] == ':' && first == 's' && strncasecmp(line, "Status", 6) == 0) {
		return *ret_slot = &st->status, line + 7;
	}
	return NULL;
}

struct dpkg_parser {
	struct dpkg_status s;
	struct stanza st;
	bool text;
};

static void parser_line(struct dpkg_parser *ps, const char *start, size_t len)
{
	/* Continuation lines (Description, Conffiles: most of the file) belong to the field above. */
	if (len > 0 && (start[0] == ' ' || start[0] == '\t')) {
		size_t i = 1;
		while (i < len && isspace((unsigned char)start[i]))
			i++;
		if (i < len) {
			ps->text = true;
			return;
		}
	}
	if (len == 0 || isspace((unsigned char)start[0])) {
		size_t i = 0;
		while (i < len && isspace((unsigned char)start[i]))
			i++;
		if (i == len) {
			/* A blank line (spaces, tabs, a CR) ends the stanza. */
			stanza_flush(&ps->st, &ps->s);
			return;
		}
	}
	ps->text = true;
	/* Only three fields matter: skip the others before copying anything. */
	char **slot;
	const char *value = field_of(start, len, &slot, &ps->st);
	if (value)
		field_set(slot, value, len - (size_t)(value - start));
}

/* One line, [start, nl): a continuation line (most of the file) is told by its first two bytes. */
static inline void parser_at(struct dpkg_parser *ps, const char *start, const char *nl)
{
	if ((start[0] == ' ' || start[0] == '\t') && nl - start > 1 && !isspace((unsigned char)start[1])) {
		ps->text = true;
		return;
	}
	parser_line(ps, start, (size_t)(nl - start));
}

/* Every line of text[0, len) (the last one may lack its '\n'). */
static int parser_text(const char *text, size_t len, void *userdata)
{
	struct dpkg_parser *ps = userdata;
	const char *start = text, *end = text + len;
	for (const char *at; start < end && (at = memchr(start, '\n', (size_t)(end - start))); start = at + 1)
		parser_at(ps, start, at);
	if (start < end)
		parser_at(ps, start, end);
	return 0;
}

static int parser_finish(struct dpkg_parser *ps, int r, struct dpkg_status *ret)
{
	stanza_flush(&ps->st, &ps->s);
	if (r == 0 && ps->text && ps->s.n == 0)
		r = -EBADMSG;
	if (r < 0) {
		dpkg_status_clear(&ps->s);
		return r;
	}
	*ret = ps->s;
	return 0;
}

int dpkg_status_parse(const char *buf, struct dpkg_status *ret)
{
	struct dpkg_parser ps = {0};
	parser_text(buf, strlen(buf), &ps);
	return parser_finish(&ps, 0, ret);
}

int dpkg_status_read(struct host *h, const char *path, struct dpkg_status *ret)
{
	struct dpkg_parser ps = {0};
	return parser_finish(&ps, host_read_chunks(h, path, parser_text, &ps), ret);
}

void dpkg_status_clear(struct dpkg_status *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].version);
		free(s->v[i].status);
	}
	free(s->v);
	*s = (struct dpkg_status){0};
}

const struct dpkg_package *dpkg_status_installed(const struct dpkg_status *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].installed && streq(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/* The next blank-separated word of *p (set to its start): its length, 0 when there is none. */
static size_t word_next(const char **p, const char **ret)
{
	const char *s = *p + strspn(*p, " \t\n\v\f\r");
	size_t n = strcspn(s, " \t\n\v\f\r");
	*p = s + n;
	*ret = s;
	return n;
}

static bool word_is(const char *w, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(w, want, n) == 0;
}

bool dpkg_status_is_installed(const char *status)
{
	/* Exactly three words: want, flag, state. */
	const char *w[4];
	size_t n[4];
	if (!status)
		return false;
	for (size_t i = 0; i < 4; i++)
		n[i] = word_next(&status, &w[i]);
	if (!n[0] || !n[1] || !n[2] || n[3])
		return false;
	return (word_is(w[0], n[0], "install") || word_is(w[0], n[0], "hold")) && word_is(w[1], n[1], "ok") &&
	       word_is(w[2], n[2], "installed");
}

char *dpkg_version_upstream(const char *version)
{
	const char *v = version;
	size_t digits = strspn(v, "0123456789");
	if (digits > 0 && v[digits] == ':')
		v += digits + 1;
	const char *dash = strrchr(v, '-');
	if (dash && dash > v)
		return xstrndup(v, (size_t)(dash - v));
	return xstrdup(v);
}
