/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_LXD_ALL_H
#define NESTCHECK_LXD_ALL_H

#include "client/lxd.h"
#include "core/util.h"

struct lxd_all_opts {
	const char *cmd;	 /* "lxd" or "incus": what the children run */
	const char *project;	 /* or NULL: the default project */
	size_t jobs;		 /* at most this many instances at once */
	long instance_timeout_s; /* each instance's bound, its clean-up included */
	const char *report_dir;	 /* each instance's NAME.json and NAME.err kept here; NULL: a temporary directory */
	bool json;		 /* the roll-up as JSON */
	const struct strv *pass; /* options passed on to each child (--no-launch, --only ...) */
};

/*
 * Every running container of the project checked by a child `nestcheck
 * lxd|incus NAME --json`, then the roll-up on stdout. SIGINT and SIGTERM are
 * passed on (each child cleans its instance up), then nestcheck dies of the
 * signal. Returns merge_run()'s exit status, 2 when no instance is listed.
 */
int lxd_all(struct lxd *l, const struct lxd_all_opts *o);

#endif
