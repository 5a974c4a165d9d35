/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_LXD_CHECK_H
#define NESTCHECK_LXD_CHECK_H

#include "core/context.h"

struct json_object;

/* The observations nestcheck lxd NAME records for lxd.instance (and a capture carries). */
#define LXD_OBS_PLATFORM "lxd.instance.platform" /* "lxd" or "incus"; absent: lxd */
#define LXD_OBS_NAME	 "lxd.instance.name"
#define LXD_OBS_STATUS	 "lxd.instance.status"
#define LXD_OBS_CONFIG	 "lxd.instance.config" /* expanded_config, as one line of JSON */

/* The host's files lxd.instance reads, recorded with the above as "file:PATH" observations. */
#define LXD_HOST_APPARMOR    "sys/module/apparmor/parameters/enabled"
#define LXD_HOST_FILESYSTEMS "proc/filesystems"

/* What lxd.instance judges: the instance as LXD describes it, and two facts of its host. */
struct lxd_instance {
	bool incus; /* Incus's instance, not LXD's */
	const char *name, *status;
	struct json_object *config; /* expanded_config */
	bool host_apparmor, host_overlay;
};

/* The verdict, fixes naming the instance (for unit tests: facts in, result out). */
void lxd_instance_judge(const struct lxd_instance *in, struct result *r);
/*
 * The same from the recorded text: the name, status and config observations
 * and the host files' text (NULL when absent). 0, or a negative errno (an
 * ERROR result saying which recording is unusable).
 */
struct lxd_instance_text {
	const char *platform; /* NULL: lxd */
	const char *name, *status, *config;
	const char *apparmor, *filesystems;
};
int lxd_instance_judge_text(const struct lxd_instance_text *t, struct result *r);
/* Whether the run has an instance to judge (its observations are recorded). */
bool lxd_instance_wanted(struct ctx *c);

#endif
