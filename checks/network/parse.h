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
};
enum iptables_error iptables_error_classify(const char *message);

/* A boolean sysctl file ("1\n"): -EBADMSG unless it is 0 or 1. */
int sysctl_bool_parse(const char *text, bool *ret);

#endif
