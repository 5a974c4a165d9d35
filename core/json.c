/* SPDX-License-Identifier: Apache-2.0 */
#include "json.h"
#include "util.h"

#include <ctype.h>
#include <json-c/json.h>
#include <limits.h>

/* One value from buf, then only whitespace; flags for the tokener. */
static json_object *read_one(const char *buf, size_t len, int flags)
{
	if (len > INT_MAX)
		return NULL;
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, flags);
	json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	} else {
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!isspace((unsigned char)buf[i])) {
				json_object_put(o);
				o = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return o;
}

json_object *json_read(const char *buf, size_t len)
{
	return read_one(buf, len, 0);
}

/* Whether text has a quote or comment outside a string: json-c's strict mode lets '...' through. */
static bool json_has_foreign_tokens(const char *text)
{
	bool in_string = false;
	for (const char *p = text; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '\'' || (*p == '/' && (p[1] == '/' || p[1] == '*'))) {
			return true;
		}
	}
	return false;
}

json_object *json_read_strict(const char *text)
{
	if (json_has_foreign_tokens(text))
		return NULL;
	return read_one(text, strlen(text), JSON_TOKENER_STRICT);
}

const char *json_get_str(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

char *json_dup_str(json_object *o, const char *key)
{
	const char *s = json_get_str(o, key);
	return s ? text_sanitize(xstrdup(s)) : NULL;
}

bool json_get_true(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}
