/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_NETWORK_H
#define NESTCHECK_PARSE_NETWORK_H

/* Parsers for the network checks. They take buffers, so tests feed them strings. */

#include <stdbool.h>

enum iptables_backend {
	IPTABLES_BACKEND_UNKNOWN,
	IPTABLES_BACKEND_LEGACY,
	IPTABLES_BACKEND_NFT,
};
const char *iptables_backend_to_string(enum iptables_backend b);

/*
 * `iptables -V`: "iptables v1.8.9 (nf_tables)", "iptables v1.8.9 (legacy)",
 * or "iptables v1.6.1" (before 1.8 there was only the legacy backend).
 * -EBADMSG when the line is not an iptables version.
 */
int iptables_version_parse(const char *line, char **ret_version, enum iptables_backend *ret_backend);

/* What one run of iptables gave, as the probes record it (one line). */
enum iptables_outcome {
	IPTABLES_OK,	   /* "ok rules=N" */
	IPTABLES_FAILED,   /* "exit=N MESSAGE" */
	IPTABLES_SIGNAL,   /* "signal=N" */
	IPTABLES_TIMEOUT,  /* "timeout" */
	IPTABLES_MISSING,  /* "missing": no such program */
	IPTABLES_NOT_ROOT, /* "not-root": not run, only root may list tables */
};
struct iptables_run {
	enum iptables_outcome outcome;
	int code;	/* exit status or signal */
	unsigned rules; /* "-A" lines listed */
	char *message;	/* first lines of stderr, for FAILED; never NULL after a parse */
};
/* -EBADMSG for a value no probe writes. */
int iptables_run_parse(const char *value, struct iptables_run *ret);
char *iptables_run_format(const struct iptables_run *run);
void iptables_run_clear(struct iptables_run *run);

/* What an iptables error message means. */
enum iptables_error {
	IPTABLES_ERR_OTHER,
	IPTABLES_ERR_NO_TABLE,	 /* the table's module is not loaded: "Table does not exist (do you need to insmod?)" */
	IPTABLES_ERR_PERMISSION, /* "Permission denied (you must be root)": no CAP_NET_ADMIN over this netns */
	IPTABLES_ERR_LOCKED,	 /* "Another app is currently holding the xtables lock" */
	IPTABLES_ERR_NO_FAMILY,	 /* "Address family not supported by protocol": IPv6 off */
	/* iptables cannot load its own extension libraries (the xtables directory): "Chain 'RETURN' does not exist" */
	IPTABLES_ERR_NO_EXTENSION,
	IPTABLES_ERR_NO_KERNEL_MATCH, /* legacy: "No chain/target/match by that name" (the xt_ module is not loaded) */
	IPTABLES_ERR_NOT_SUPPORTED, /* "Operation not supported": nf_tables refused (no module autoload in a userns) */
};
enum iptables_error iptables_error_classify(const char *message);

/*
 * The rehearsal of dockerd's start rules in a private network namespace, as
 * probe_iptables_rehearsal() records it (one line):
 *   "ok rules=N ms=M"                    every command passed
 *   "failed ms=M rule=COMMAND; RUN"      COMMAND (as dockerd prints it) ended as RUN, an
 *                                        iptables_run value: "exit=N MESSAGE", "signal=N", "timeout"
 *   "unshare=ERRNO"                      no private network namespace (EPERM in a sandbox)
 *   "timeout ms=M"                       no answer at all within the probe's bound
 *   "not-root", "missing"                not run: not root, no iptables
 */
enum rehearsal_outcome {
	REHEARSAL_OK,
	REHEARSAL_FAILED,
	REHEARSAL_NO_NETNS,
	REHEARSAL_TIMEOUT,
	REHEARSAL_NOT_ROOT,
	REHEARSAL_MISSING,
};
struct iptables_rehearsal {
	enum rehearsal_outcome outcome;
	unsigned rules;		 /* OK: commands the program holds */
	unsigned ms;		 /* OK, FAILED, TIMEOUT: how long it took */
	char *rule;		 /* FAILED: the command that failed */
	struct iptables_run run; /* FAILED: how it ended (never IPTABLES_OK) */
	int err;		 /* NO_NETNS: unshare's negative errno */
};
/* -EBADMSG for a value no probe writes. */
int iptables_rehearsal_parse(const char *value, struct iptables_rehearsal *ret);
char *iptables_rehearsal_format(const struct iptables_rehearsal *reh);
void iptables_rehearsal_clear(struct iptables_rehearsal *reh);

/* Kernel modules behind a rule's matches and targets ("-m addrtype" -> xt_addrtype), pushed to mods once each. */
struct strv;
void iptables_rule_modules(const char *rule, struct strv *mods);

/*
 * The other backend's view of the nat table, as probe_iptables_other_backend()
 * records it: "none" (no such program next to iptables), "unused" (that
 * backend holds no tables: not listed, so that nothing loads its modules),
 * "PROGRAM docker=N" (N lines of its nat table name a DOCKER chain), or
 * "PROGRAM RUN" with RUN a failed iptables_run value. -EBADMSG otherwise.
 * *ret_docker is -1 unless the listing worked.
 */
int iptables_other_parse(const char *value, char **ret_program, int *ret_docker);

/* A boolean sysctl file ("1\n"): -EBADMSG unless it is 0 or 1. */
int sysctl_bool_parse(const char *text, bool *ret);

#endif
