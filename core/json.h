/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_JSON_H
#define NESTCHECK_JSON_H

/*
 * Reading JSON from peers, recordings and files, with one rule: exactly one
 * value, and nothing but whitespace after it; anything else is not JSON.
 */

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* One value from len bytes (no NUL needed); NULL when it is not exactly one value. */
struct json_object *json_read(const char *buf, size_t len);
/* The same from a string, and as strict as dockerd's reader (no single quotes, comments or trailing commas). */
struct json_object *json_read_strict(const char *text);
/* A member that is a string, else NULL. */
const char *json_get_str(struct json_object *o, const char *key);
/* The same, copied and made printable (a peer's text); NULL when absent. */
char *json_dup_str(struct json_object *o, const char *key);
/* A member that is true; false when absent or not a boolean. */
bool json_get_true(struct json_object *o, const char *key);

#endif
