/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/parse.h"

#include <ctype.h>
#include <libmount.h>

static bool kv_plain(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && ch != '=' && ch != '\\';
}

void kv_append(struct strbuf *sb, const char *key, const char *value)
{
	if (sb->len)
		strbuf_append(sb, " ");
	strbuf_append(sb, key);
	strbuf_append(sb, "=");
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char esc[5];
		if (kv_plain(*p)) {
			esc[0] = (char)*p;
			esc[1] = '\0';
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		}
		strbuf_append(sb, esc);
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int kv_get(const char *line, const char *key, char **ret)
{
	size_t klen = strlen(key);
	if (!line || klen == 0)
		return -ENOENT;
	for (const char *p = line; *p;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " ");
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			const char *v = p + klen + 1, *end = p + n;
			char *out = xmalloc((size_t)(end - v) + 1), *w = out;
			while (v < end) {
				if (*v != '\\') {
					*w++ = *v++;
					continue;
				}
				int hi = end - v >= 4 && v[1] == 'x' ? hexval(v[2]) : -1;
				int lo = hi >= 0 ? hexval(v[3]) : -1;
				/* A NUL would cut the value short: refuse it like any bad escape. */
				if (lo < 0 || (hi == 0 && lo == 0)) {
					free(out);
					return -EBADMSG;
				}
				*w++ = (char)(hi << 4 | lo);
				v += 4;
			}
			*w = '\0';
			*ret = out;
			return 0;
		}
		p += n;
	}
	return -ENOENT;
}

bool kv_is(const char *line, const char *key, const char *value)
{
	_cleanup_free_ char *v = NULL;
	return kv_get(line, key, &v) == 0 && streq(v, value);
}

int zfs_version_parse(const char *buf, unsigned *ret_major, unsigned *ret_minor)
{
	if (!buf)
		return -EBADMSG;
	const char *p = buf + strspn(buf, " \t\n");
	if (startswith(p, "zfs-"))
		p += 4;
	else if (*p == 'v')
		p++;
	unsigned v[2];
	for (int i = 0; i < 2; i++) {
		if (!isdigit((unsigned char)*p))
			return -EBADMSG;
		unsigned long n = 0;
		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (unsigned long)(*p++ - '0');
			if (n > 9999)
				return -EBADMSG;
		}
		v[i] = (unsigned)n;
		if (i == 0 && *p++ != '.')
			return -EBADMSG;
	}
	/* "2.2" must not be the start of "2.2x": a version part ends at a separator. */
	if (*p && !strchr(".-~+_ \t\n", *p))
		return -EBADMSG;
	*ret_major = v[0];
	*ret_minor = v[1];
	return 0;
}

static bool is_extfs(const char *t)
{
	return streq(t, "ext2") || streq(t, "ext3") || streq(t, "ext4") || streq(t, "ext4dev");
}

bool fstype_agrees(const char *probed, const char *mounted)
{
	if (!probed || !mounted || !*probed || !*mounted)
		return false;
	if (streq(probed, mounted))
		return true;
	/* The ext4 driver mounts ext2 and ext3 too, and the mount table then says ext4. */
	if (is_extfs(probed) && is_extfs(mounted))
		return true;
	/* blkid calls FAT "vfat"; it mounts as vfat or msdos. */
	return streq(probed, "vfat") && streq(mounted, "msdos");
}

int mounts_covering_source(struct libmnt_table *tb, const char *path, const char **ret_fstype, const char **ret_target,
			   const char **ret_source)
{
	const char *fstype, *target;
	int r = mounts_covering(tb, path, &fstype, &target);
	if (r < 0)
		return r;
	/*
	 * mounts_covering() hands out the target string of the mount it chose:
	 * the same pointer identifies that entry, even among mounts stacked on
	 * one target.
	 */
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *found = NULL;
	if (!it)
		return -ENOMEM;
	while (!found && mnt_table_next_fs(tb, it, &fs) == 0)
		if (mnt_fs_get_target(fs) == target)
			found = fs;
	mnt_free_iter(it);
	*ret_fstype = fstype;
	if (ret_target)
		*ret_target = target;
	if (ret_source) {
		const char *src = found ? mnt_fs_get_source(found) : NULL;
		*ret_source = src ? src : "none";
	}
	return 0;
}

bool source_is_device(const char *source)
{
	return source && startswith(source, "/dev/") && source[5] && !strstr(source, "/../");
}

enum overlay_outcome overlay_judge(const char *plain, const char *userxattr, bool in_userns, bool kernel_userxattr)
{
	if (!plain)
		return OVERLAY_UNKNOWN;
	if (!streq(plain, "ok"))
		return OVERLAY_FAIL;
	if (!in_userns)
		return OVERLAY_OK;
	/* Below 5.11 dockerd mounts without userxattr when the kernel lacks it: the plain test decides. */
	if (!kernel_userxattr)
		return OVERLAY_OK_USERNS;
	if (!userxattr)
		return OVERLAY_UNKNOWN;
	return streq(userxattr, "ok") ? OVERLAY_OK_USERNS : OVERLAY_LAYERS_FAIL;
}
