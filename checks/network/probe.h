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

#define OBS_IPTABLES_REHEARSAL "network.iptables.rehearsal"
#define OBS_IPTABLES_OTHER     "network.iptables.other_backend"

/*
 * dockerd's start program for its bridge and one published port, run with
 * PROGRAM (userdata: "iptables") in a network namespace of a child's own,
 * which dies with it: the host's rules are never touched. One
 * PROGRAM-restore --noflush of the whole program first (when it is the same
 * binary as PROGRAM); when that fails, in a fresh namespace, the commands one
 * by one as dockerd runs them, to name the one that fails. Recorded as
 * iptables_rehearsal_format() writes it; the whole run is bound by
 * probe_network_timeout_ms.
 */
int probe_iptables_rehearsal(void *userdata, char **ret);
/* The rehearsal's commands as dockerd prints them ("iptables --wait -t nat -N DOCKER"), for PROGRAM. */
char **iptables_rehearsal_commands(const char *program, size_t *ret_n);

/*
 * The nat table of the other backend's iptables (userdata: struct iptables_other_probe):
 * PROGRAM-legacy when PROGRAM is nf_tables and the reverse, found next to
 * PROGRAM; as iptables_other_parse() reads it. The other backend is listed
 * only when it already holds tables (legacy: /proc/net/ip_tables_names; nft:
 * nf_tables loaded), so that listing loads no module.
 */
struct iptables_other_probe {
	const char *program;	       /* "iptables" */
	enum iptables_backend backend; /* PROGRAM's own */
};
int probe_iptables_other_backend(void *userdata, char **ret);

/*
 * Whether root could write the sysctl file (an absolute path in userdata):
 * "writable" or the errno name of an O_WRONLY open (nothing is written).
 * -EPERM, nothing recorded, when not run as root.
 */
int probe_sysctl_writable(void *userdata, char **ret);

#endif
