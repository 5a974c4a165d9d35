/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/parse.h"
#include "core/util.h"

#include <ctype.h>
#include <libmount.h>
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

int tool_version_parse(const char *output, char **ret)
{
	const char *line = output + strspn(output, " \t\r\n");
	size_t linelen = strcspn(line, "\r\n");

	for (const char *p = line, *end = line + linelen; p < end;) {
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t\r\n");
		if (n == 0)
			break;
		const char *w = p, *wend = p + n;
		p += n;
		while (w < wend && strchr("\"'(", *w))
			w++;
		if (w + 1 < wend && (*w == 'v' || *w == 'V') && isdigit((unsigned char)w[1]))
			w++;
		while (wend > w && strchr("\"'),;:", wend[-1]))
			wend--;
		if (w == wend || !isdigit((unsigned char)*w))
			continue;
		const char *dot = memchr(w, '.', (size_t)(wend - w));
		if (!dot || dot + 1 >= wend || !isdigit((unsigned char)dot[1]))
			continue;
		*ret = text_sanitize(xstrndup(w, (size_t)(wend - w)));
		return 0;
	}
	return -ENOENT;
}

int tool_run_parse(const char *value, struct tool_run *ret)
{
	if (streq(value, "absent")) {
		*ret = (struct tool_run){.absent = true};
		return 0;
	}
	size_t len = strcspn(value, "\n");
	if (value[0] != '/' || len < 2)
		return -EBADMSG;
	const char *rest = value[len] == '\n' ? value + len + 1 : value + len;
	struct tool_run t = {.path = xstrndup(value, len)};
	if (rest[0] == '!' && rest[1])
		t.error = xstrndup(rest + 1, strcspn(rest + 1, "\n"));
	t.output = xstrdup(t.error ? "" : rest);
	*ret = t;
	return 0;
}

void tool_run_clear(struct tool_run *t)
{
	free(t->path);
	free(t->output);
	free(t->error);
	*t = (struct tool_run){0};
}

bool runc_procfs_hardened(const char *v)
{
	return (version_cmp(v, "1.2.8") >= 0 && version_cmp(v, "1.3.0-dev") < 0) ||
	       (version_cmp(v, "1.3.3") >= 0 && version_cmp(v, "1.4.0-dev") < 0) || version_cmp(v, "1.4.0-rc.3") >= 0;
}

/* proc/modules spells names with '_'; modprobe takes '-' too. */
static bool module_name_eq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

bool proc_modules_has(const char *buf, const char *name)
{
	for (const char *p = buf; p && *p;) {
		size_t n = strcspn(p, " \t\n");
		if (n > 0 && module_name_eq(p, n, name))
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

void mounts_lxcfs_targets(struct libmnt_table *tb, struct strv *ret)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;

	if (!it)
		return;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs), *type = mnt_fs_get_fstype(fs);
		if (t && type && streq(type, "fuse.lxcfs"))
			strv_push(ret, xstrdup(t));
	}
	mnt_free_iter(it);
}
