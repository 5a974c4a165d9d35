/* SPDX-License-Identifier: Apache-2.0 */
#include "dpkg.h"
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
		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		s->v[s->n++] = (struct dpkg_package){
			.name = TAKE_PTR(st->name),
			.version = st->version && st->version[0] ? TAKE_PTR(st->version) : NULL,
			.status = TAKE_PTR(st->status),
		};
		s->v[s->n - 1].installed = dpkg_status_is_installed(s->v[s->n - 1].status);
	}
	stanza_clear(st);
}

/* deb822 field names: printable ASCII but space and colon, not starting with '#' or '-'. */
static bool field_name_valid(const char *s, size_t n)
{
	if (n == 0 || s[0] == '#' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static void field_set(char **slot, const char *value)
{
	/* dpkg refuses duplicate fields; keep the first rather than guess. */
	if (!*slot)
		*slot = text_sanitize(xstrdup(value));
}

int dpkg_status_parse(const char *buf, struct dpkg_status *ret)
{
	struct dpkg_status s = {0};
	struct stanza st = {0};
	bool text = false;

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		const char *start = p;
		p += len + (p[len] == '\n');

		size_t i = 0;
		while (i < len && isspace((unsigned char)start[i]))
			i++;
		if (i == len) {
			/* A blank line (spaces, tabs, a CR) ends the stanza. */
			stanza_flush(&st, &s);
			continue;
		}
		text = true;
		/* Continuation lines (Description, Conffiles: most of the file) belong to the field above. */
		if (start[0] == ' ' || start[0] == '\t')
			continue;
		/* Only three fields matter: skip the others before copying anything. */
		if (strncasecmp(start, "Package:", 8) != 0 && strncasecmp(start, "Version:", 8) != 0 &&
		    strncasecmp(start, "Status:", 7) != 0)
			continue;
		_cleanup_free_ char *line = strstrip_right(xstrndup(start, len)); /* also the CR of CRLF */
		char *colon = strchr(line, ':');
		if (!colon || !field_name_valid(line, (size_t)(colon - line)))
			continue; /* junk: not a field */
		*colon = '\0';
		char *value = colon + 1;
		value += strspn(value, " \t");
		if (strcasecmp(line, "Package") == 0)
			field_set(&st.name, value);
		else if (strcasecmp(line, "Version") == 0)
			field_set(&st.version, value);
		else if (strcasecmp(line, "Status") == 0)
			field_set(&st.status, value);
	}
	stanza_flush(&st, &s);

	if (text && s.n == 0)
		return -EBADMSG;
	*ret = s;
	return 0;
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

bool dpkg_status_is_installed(const char *status)
{
	char want[16], flag[16], state[32], extra;
	if (!status || sscanf(status, "%15s %15s %31s %c", want, flag, state, &extra) != 3)
		return false;
	return (streq(want, "install") || streq(want, "hold")) && streq(flag, "ok") && streq(state, "installed");
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
