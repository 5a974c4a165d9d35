/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_H
#define NESTCHECK_PROBE_H

/*
 * Live-only probes. Checks never call these directly: they pass them to
 * host_observe(), which runs them live and replays their recorded values.
 */

/* unshare(CLONE_NEWCGROUP) in a child: "ok" or the errno name. userdata unused. */
int probe_cgroup_unshare(void *userdata, char **ret);
/* d_type support on the filesystem holding the path in userdata: "supported"/"unsupported". */
int probe_dtype(void *userdata, char **ret);
/* Where apparmor_parser is, or "missing". userdata unused. */
int probe_apparmor_parser(void *userdata, char **ret);
/* This container's name: LXD's /dev/lxd/sock meta-data, else the hostname. */
int probe_instance_name(void *userdata, char **ret);
/* Remove the probe's temp dir if a signal interrupts it. Async-signal-safe. */
void probe_cleanup_on_signal(void);

#endif
