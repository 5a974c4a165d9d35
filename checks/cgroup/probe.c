/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/util.h"

#include <sched.h>
#include <sys/wait.h>

int probe_cgroup_unshare(void *userdata _unused_, char **ret)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Without root, a user namespace lends the capability unshare needs. */
		int flags = CLONE_NEWCGROUP | (geteuid() != 0 ? CLONE_NEWUSER : 0);
		_exit(unshare(flags) < 0 ? (errno & 0x7f) : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	*ret = xstrdup(WEXITSTATUS(status) == 0 ? "ok" : errno_name(WEXITSTATUS(status)));
	return 0;
}
