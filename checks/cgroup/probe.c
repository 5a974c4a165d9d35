/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/child.h"
#include "core/util.h"

#include <sched.h>
#include <unistd.h>

static void unshare_child(void *arg _unused_, int out)
{
	/* Without root, a user namespace lends the capability unshare needs. */
	int flags = CLONE_NEWCGROUP | (geteuid() != 0 ? CLONE_NEWUSER : 0);
	const char *v = unshare(flags) < 0 ? errno_name(-errno) : "ok";
	(void)!write(out, v, strlen(v));
}

int probe_cgroup_unshare(void *userdata _unused_, char **ret)
{
	const struct child_opts o = {.timeout_ms = 2000, .max_output = 64, .quick = true};
	struct child_result res;
	int err = child_run(unshare_child, NULL, &o, &res);
	if (err < 0)
		return err;
	if (res.timed_out || !res.reaped || !res.out_len) {
		child_result_clear(&res);
		return -ECHILD;
	}
	*ret = TAKE_PTR(res.out);
	child_result_clear(&res);
	return 0;
}
