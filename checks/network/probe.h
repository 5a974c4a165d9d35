/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_NETWORK_H
#define NESTCHECK_PROBE_NETWORK_H

/*
 * Live probes of the network checks, run only through host_observe(). Every
 * program they run gets a bounded time (IPTABLES_TIMEOUT_MS) and is killed and
 * reaped past it.
 */

#include "core/host.h"
#include "parse.h"

#define IPTABLES_TIMEOUT_MS 10000
/* The bound the probes use: IPTABLES_TIMEOUT_MS, lowered by tests. */
extern int probe_network_timeout_ms;

/* Observation keys, shared by modules.required and network.iptables. */
#define OBS_IPTABLES_VERSION "network.iptables.version"
#define OBS_IPTABLES_PATH    "network.iptables.path"

/*
 * The backend of the iptables dockerd would run, from the recorded `iptables -V`
 * (observed live): 0, or -ENODATA (replay without it), -ENOENT (no iptables) or
 * -EBADMSG (not a version line). *ret_line, when given, is the recorded value.
 */
int iptables_backend_observe(struct host *h, enum iptables_backend *ret, const char **ret_line);

/* `PROGRAM -V`'s first line, "missing", or "exit=N MESSAGE". userdata: "iptables" or "ip6tables". */
int probe_iptables_version(void *userdata, char **ret);
/* Where PROGRAM is and what it resolves to ("/usr/sbin/iptables -> /usr/sbin/xtables-nft-multi"), or "missing". */
int probe_iptables_path(void *userdata, char **ret);

struct iptables_list_probe {
	const char *program; /* "iptables" or "ip6tables" */
	const char *table;   /* "nat", "filter", "raw" */
};
/* `PROGRAM -t TABLE -S`, as iptables_run_format() writes it. userdata: struct iptables_list_probe. */
int probe_iptables_list(void *userdata, char **ret);

/*
 * Whether root could write the sysctl file (an absolute path in userdata):
 * "writable" or the errno name of an O_WRONLY open (nothing is written).
 * -EPERM, nothing recorded, when not run as root.
 */
int probe_sysctl_writable(void *userdata, char **ret);

#endif
