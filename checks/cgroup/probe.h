/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CGROUP_PROBE_H
#define NESTCHECK_CGROUP_PROBE_H

/* unshare(CLONE_NEWCGROUP) in a child: "ok" or the errno name. userdata unused. For host_observe(). */
int probe_cgroup_unshare(void *userdata, char **ret);

#endif
