/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/dpkg.h"
#include "core/parse.h"
#include "core/util.h"

#include <ctype.h>
#include <libmount.h>
#include <strings.h>

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
