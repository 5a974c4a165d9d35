/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"

#include <ctype.h>

/* MODULE_NAME_LEN is 64 bytes with the NUL, less what struct module keeps beside it. */
#define MODULE_NAME_MAX 63

char *module_name_normalize(char *name)
{
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

bool module_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > MODULE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* One "name size refcnt deps state address [taints]" line: 1 in use, 0 unloading, -EBADMSG. */
static int proc_modules_line(char *line, char **ret_name)
{
	char *f[7] = {0}, *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == ARRAY_SIZE(f))
			return -EBADMSG;
		f[n++] = t;
	}
	if (n < 5)
		return -EBADMSG;
	if (!module_name_valid(f[0], strlen(f[0])) || !all_digits(f[1]) || (!all_digits(f[2]) && !streq(f[2], "-")))
		return -EBADMSG;
	if (!streq(f[3], "-") && f[3][strlen(f[3]) - 1] != ',')
		return -EBADMSG;

	int in_use;
	if (streq(f[4], "Live") || streq(f[4], "Loading"))
		in_use = 1;
	else if (streq(f[4], "Unloading"))
		in_use = 0;
	else
		return -EBADMSG;
	*ret_name = f[0];
	return in_use;
}

/* Add the names ret lacks, and free names: a parse touches ret only once it succeeded. */
static void merge_names(struct strv *ret, struct strv *names)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strv_contains(ret, names->v[i]))
			strv_push(ret, xstrdup(names->v[i]));
	strv_clear(names);
}

int proc_modules_parse(const char *buf, struct strv *ret)
{
	struct strv names = {0};

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		if (line[strspn(line, " \t")] == '\0')
			continue;
		char *name = NULL;
		int r = proc_modules_line(line, &name);
		if (r < 0) {
			strv_clear(&names);
			return r;
		}
		if (r > 0 && !strv_contains(&names, module_name_normalize(name)))
			strv_push(&names, xstrdup(name));
	}
	merge_names(ret, &names);
	return 0;
}

int modules_builtin_parse(const char *buf, struct strv *ret)
{
	struct strv names = {0};

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		strstrip_right(line);
		if (!line[0])
			continue;

		const char *base = strrchr(line, '/');
		base = base ? base + 1 : line;
		size_t blen = strlen(base);
		if (blen <= 3 || strcmp(base + blen - 3, ".ko") != 0 || !module_name_valid(base, blen - 3) ||
		    strpbrk(line, " \t")) {
			strv_clear(&names);
			return -EBADMSG;
		}
		char *name = module_name_normalize(xstrndup(base, blen - 3));
		if (strv_contains(&names, name))
			free(name);
		else
			strv_push(&names, name);
	}
	merge_names(ret, &names);
	return 0;
}
