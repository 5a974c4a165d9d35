/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/parse.h"
#include "core/util.h"

#include <ctype.h>
#include <libmount.h>

int parse_uint_text(const char *buf, unsigned long long *ret)
{
	const char *p = buf + strspn(buf, " \t\n");
	unsigned long long v;
	if (parse_ull(&p, &v) < 0)
		return -EBADMSG;
	p += strspn(p, " \t\n");
	if (*p)
		return -EBADMSG;
	*ret = v;
	return 0;
}

/* "a/b" into two numbers. */
static int read_pair(const char **p, unsigned long long *a, unsigned long long *b)
{
	*p += strspn(*p, " \t");
	if (parse_ull(p, a) < 0 || **p != '/')
		return -EBADMSG;
	(*p)++;
	return parse_ull(p, b);
}

static int key_users_line(const char *line, struct key_user *ret)
{
	const char *p = line + strspn(line, " \t");
	unsigned long long uid;
	struct key_user k = {0};

	if (parse_ull(&p, &uid) < 0 || uid > UINT32_MAX || *p != ':')
		return -EBADMSG;
	p++;
	p += strspn(p, " \t");
	if (parse_ull(&p, &k.usage) < 0)
		return -EBADMSG;
	if (read_pair(&p, &k.nkeys, &k.nikeys) < 0 || read_pair(&p, &k.qnkeys, &k.maxkeys) < 0 ||
	    read_pair(&p, &k.qnbytes, &k.maxbytes) < 0)
		return -EBADMSG;
	p += strspn(p, " \t");
	if (*p)
		return -EBADMSG;
	k.uid = (uint32_t)uid;
	*ret = k;
	return 0;
}

int key_users_find(const char *buf, uint32_t uid, struct key_user *ret)
{
	struct key_user found;
	bool have = false;

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		if (!line[strspn(line, " \t")])
			continue;
		struct key_user k;
		if (key_users_line(line, &k) < 0)
			return -EBADMSG;
		if (k.uid == uid && !have) {
			found = k;
			have = true;
		}
	}
	if (!have)
		return -ENOENT;
	*ret = found;
	return 0;
}

unsigned long long key_user_room(const struct key_user *k, unsigned long long per_key)
{
	unsigned long long keys = k->maxkeys > k->qnkeys ? k->maxkeys - k->qnkeys : 0;
	unsigned long long bytes = k->maxbytes > k->qnbytes ? k->maxbytes - k->qnbytes : 0;
	if (per_key == 0)
		return keys;
	bytes /= per_key;
	return keys < bytes ? keys : bytes;
}

int probe_kv_get(const char *line, const char *key, char **ret)
{
	size_t klen = strlen(key);

	for (const char *p = line; *p;) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			*ret = xstrndup(p + klen + 1, len - klen - 1);
			return 0;
		}
		p += len;
	}
	return -ENOENT;
}

bool word_list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	if (!list || n == 0)
		return false;
	for (const char *p = list; *p;) {
		p += strspn(p, ", \t\n");
		size_t len = strcspn(p, ", \t\n");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
	}
	return false;
}

/* The proc/self/cgroup path for controller (NULL: the v2 "0::" line). */
static int own_cgroup_path(const char *proc_cgroup, const char *controller, char **ret)
{
	for (const char *p = proc_cgroup; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1;
		/* Only the v2 line has no controllers ("0::/path"). */
		if (controller ? word_list_has(ctrls, controller) : !*ctrls) {
			*ret = xstrdup(c2 + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* Whether a path climbs: a ".." component (a cgroup outside the namespace's root). */
static bool path_climbs(const char *path)
{
	for (const char *p = path; *p;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += len;
	}
	return false;
}

int cgroup_own_dir(struct libmnt_table *tb, const char *proc_cgroup, const char *controller, char **ret_dir,
		   char **ret_mount)
{
	_cleanup_free_ char *path = NULL;
	int r = own_cgroup_path(proc_cgroup, controller, &path);
	if (r < 0)
		return r;
	if (path_climbs(path))
		return -EXDEV;

	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	bool seen = false;
	if (!it)
		return -ENOMEM;
	r = -ENOENT;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *type = mnt_fs_get_fstype(fs), *target = mnt_fs_get_target(fs);
		const char *root = mnt_fs_get_root(fs);
		if (!type || !target || target[0] != '/')
			continue;
		if (controller) {
			const char *opts = mnt_fs_get_fs_options(fs);
			if (!streq(type, "cgroup") || !word_list_has(opts, controller))
				continue;
		} else if (!streq(type, "cgroup2")) {
			continue;
		}
		seen = true;
		if (!root)
			root = "/";
		/* The mount shows the subtree at root: the path must lie inside it. */
		size_t rlen = strlen(root);
		while (rlen > 1 && root[rlen - 1] == '/')
			rlen--;
		const char *rest;
		if (rlen == 1 && root[0] == '/')
			rest = path;
		else if (strncmp(path, root, rlen) == 0 && (path[rlen] == '/' || path[rlen] == '\0'))
			rest = path + rlen;
		else
			continue;
		rest += strspn(rest, "/");
		size_t tlen = strlen(target);
		while (tlen > 1 && target[tlen - 1] == '/')
			tlen--;
		if (*rest)
			*ret_dir = xasprintf("%.*s/%s", (int)tlen, target, rest);
		else
			*ret_dir = xstrndup(target, tlen);
		/* No trailing slash, whatever proc/self/cgroup held. */
		size_t dlen = strlen(*ret_dir);
		while (dlen > 1 && (*ret_dir)[dlen - 1] == '/')
			(*ret_dir)[--dlen] = '\0';
		if (ret_mount)
			*ret_mount = xstrndup(target, tlen);
		r = 0;
		break;
	}
	mnt_free_iter(it);
	if (r < 0 && seen)
		r = -EXDEV;
	return r;
}

const char *seccomp_mode_to_string(unsigned long long mode)
{
	switch (mode) {
	case 0:
		return "disabled";
	case 1:
		return "strict";
	case 2:
		return "filter";
	default:
		return NULL;
	}
}
