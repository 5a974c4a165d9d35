/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/json.h"
#include "core/util.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

bool lxd_instance_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

int lxd_config_parse(const char *text, struct json_object **ret)
{
	json_object *cfg = json_read(text, strlen(text));
	if (!json_object_is_type(cfg, json_type_object)) {
		json_object_put(cfg);
		return -EBADMSG;
	}
	*ret = cfg;
	return 0;
}

bool lxd_apparmor_enabled(const char *text)
{
	if (!text)
		return false;
	size_t n = strcspn(text, "\n");
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
		n--;
	return n == 1 && (text[0] == 'Y' || text[0] == 'y' || text[0] == '1');
}

bool lxd_overlay_registered(const char *filesystems)
{
	for (const char *l = filesystems; l && *l;) {
		size_t n = strcspn(l, "\n");
		size_t m = n;
		while (m > 0 && (l[m - 1] == ' ' || l[m - 1] == '\t' || l[m - 1] == '\r'))
			m--;
		if (m == strlen("nodev\toverlay") && strncmp(l, "nodev\toverlay", m) == 0)
			return true;
		l += n + (l[n] == '\n');
	}
	return false;
}
