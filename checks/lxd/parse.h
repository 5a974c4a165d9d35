/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_LXD_H
#define NESTCHECK_PARSE_LXD_H

/* lxd.instance's inputs as text, the way they are recorded. They take buffers, so tests feed them strings. */

#include <stdbool.h>

struct json_object;

/* LXD's instance names: they reach pasted commands (lxc config set NAME ...), so nothing else may. */
bool lxd_instance_name_valid(const char *s);
/* expanded_config as recorded (one JSON object of strings): 0, or -EBADMSG when it is not an object. */
int lxd_config_parse(const char *text, struct json_object **ret);
/* sys/module/apparmor/parameters/enabled: "Y" (or "y", "1") on its first line; NULL (no such file): off. */
bool lxd_apparmor_enabled(const char *text);
/* proc/filesystems lists overlay ("nodev\toverlay"): registered, built in or loaded. NULL: unknown, so no. */
bool lxd_overlay_registered(const char *filesystems);

#endif
