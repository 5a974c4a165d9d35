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
	/* Most lines are other fields: decide on the first byte before comparing names. */
	switch (line[0] | 0x20) {
	case 'p':
		if (len >= 8 && strncasecmp(line, "Package:", 8) == 0)
			return *ret_slot = &st->name, line + 8;
		break;
	case 'v':
		if (len >= 8 && strncasecmp(line, "Version:", 8) == 0)
			return *ret_slot = &st->version, line + 8;
		break;
	case 's':
		if (len >= 7 && strncasecmp(line, "Status:", 7) == 0)
			return *ret_slot = &st->status, line + 7;
		break;
	}
	return NULL;
}

struct dpkg_parser {
	struct dpkg_status s;
	struct stanza st;
	bool text;
};

static int parser_line(const char *start, size_t len, void *userdata)
{
	struct dpkg_parser *ps = userdata;

	/* Continuation lines (Description, Conffiles: most of the file) belong to the field above. */
	if (len > 0 && (start[0] == ' ' || start[0] == '\t')) {
		size_t i = 1;
		while (i < len && isspace((unsigned char)start[i]))
			i++;
		if (i < len) {
			ps->text = true;
			return 0;
		}
	}
	if (len == 0 || isspace((unsigned char)start[0])) {
		size_t i = 0;
		while (i < len && isspace((unsigned char)start[i]))
			i++;
		if (i == len) {
			/* A blank line (spaces, tabs, a CR) ends the stanza. */
			stanza_flush(&ps->st, &ps->s);
			return 0;
		}
	}
	ps->text = true;
	/* Only three fields matter: skip the others before copying anything. */
	char **slot;
	const char *value = field_of(start, len, &slot, &ps->st);
	if (value)
		field_set(slot, value, len - (size_t)(value - start));
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
	const char *end = buf + strlen(buf);
	for (const char *p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		parser_line(p, len, &ps);
		p += len + (nl != NULL);
	}
	return parser_finish(&ps, 0, ret);
}

int dpkg_status_read(struct host *h, const char *path, struct dpkg_status *ret)
{
	struct dpkg_parser ps = {0};
	return parser_finish(&ps, host_read_lines(h, path, parser_line, &ps), ret);
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

/* The next blank-separated word of *p, at most max bytes: its length, 0 when there is none or it is longer. */
static size_t word_next(const char **p, const char **ret, size_t max)
{
	const char *s = *p + strspn(*p, " \t\n\v\f\r");
	size_t n = strcspn(s, " \t\n\v\f\r");
	*p = s + n;
	*ret = s;
	return n <= max ? n : 0;
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
		n[i] = word_next(&status, &w[i], 31);
	if (!n[0] || !n[1] || !n[2] || w[3][0])
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
