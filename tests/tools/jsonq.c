/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonq FILE [PATH]: exit 0 when FILE (or - for stdin) holds valid JSON, and
 * print the value at PATH: dot-separated keys; in an array, a number is an
 * index ("systems.0.name"), else an element's "id" ("checks.cgroup.layout.status").
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *find_check(json_object *checks, const char **path)
{
	size_t n = json_object_array_length(checks);
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(checks, i), *id;
		if (!json_object_object_get_ex(c, "id", &id))
			continue;
		const char *s = json_object_get_string(id);
		size_t len = strlen(s);
		if (strncmp(*path, s, len) == 0 && ((*path)[len] == '.' || (*path)[len] == '\0')) {
			*path += len + ((*path)[len] == '.');
			return c;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: jsonq FILE [PATH]\n");
		return 2;
	}
	json_object *root = strcmp(argv[1], "-") == 0 ? json_object_from_fd(0) : json_object_from_file(argv[1]);
	if (!root) {
		fprintf(stderr, "jsonq: %s: not valid JSON: %s\n", argv[1], json_util_get_last_err());
		return 1;
	}
	if (argc < 3) {
		json_object_put(root);
		return 0;
	}
	const char *path = argv[2];
	json_object *cur = root;
	while (*path) {
		size_t digits = strspn(path, "0123456789");
		if (json_object_is_type(cur, json_type_array) && digits && (path[digits] == '.' || !path[digits])) {
			size_t i = strtoul(path, NULL, 10);
			path += digits + (path[digits] == '.');
			cur = i < json_object_array_length(cur) ? json_object_array_get_idx(cur, i) : NULL;
		} else if (json_object_is_type(cur, json_type_array) && cur != root) {
			cur = find_check(cur, &path);
		} else {
			size_t n = strcspn(path, ".");
			char key[256];
			snprintf(key, sizeof(key), "%.*s", (int)n, path);
			path += n + (path[n] == '.');
			if (!json_object_object_get_ex(cur, key, &cur))
				cur = NULL;
		}
		if (!cur) {
			fprintf(stderr, "jsonq: %s: no such path\n", argv[2]);
			json_object_put(root);
			return 3;
		}
	}
	puts(json_object_is_type(cur, json_type_string) ? json_object_get_string(cur)
							: json_object_to_json_string(cur));
	json_object_put(root);
	return 0;
}
