/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_OPTIONS_H
#define NESTCHECK_OPTIONS_H

#include "core/runner.h"
#include "report/emit.h"

#include <getopt.h>
#include <stdio.h>

struct policy;

/* The options of every command that runs checks and reports them: nestcheck and nestcheck lxd NAME. */
struct run_options {
	struct emit_opts emit; /* --json, --strict, --junit */
	struct selection sel;  /* --only, --skip, --ignore */
	struct policy *policy; /* --policy */
	bool no_launch, no_probes, keep_image;
	long timeout_ms; /* --timeout; 0: the defaults */
	const char *record;
};

enum {
	OPT_NO_LAUNCH = 256,
	OPT_NO_PROBES,
	OPT_ONLY,
	OPT_SKIP,
	OPT_STRICT,
	OPT_KEEP_IMAGE,
	OPT_TIMEOUT,
	OPT_JUNIT,
	OPT_IGNORE,
	OPT_POLICY,
	OPT_RECORD,
	OPT_REPORT,
	OPT_RUN_END, /* a command's own options start here */
};

#define RUN_OPTIONS                                                                                                    \
	{"json", no_argument, NULL, 'j'}, {"no-launch", no_argument, NULL, OPT_NO_LAUNCH},                             \
		{"no-probes", no_argument, NULL, OPT_NO_PROBES}, {"only", required_argument, NULL, OPT_ONLY},          \
		{"skip", required_argument, NULL, OPT_SKIP}, {"strict", no_argument, NULL, OPT_STRICT},                \
		{"keep-image", no_argument, NULL, OPT_KEEP_IMAGE}, {"timeout", required_argument, NULL, OPT_TIMEOUT},  \
		{"junit", required_argument, NULL, OPT_JUNIT}, {"ignore", required_argument, NULL, OPT_IGNORE},        \
		{"policy", required_argument, NULL, OPT_POLICY}, {"report", required_argument, NULL, OPT_REPORT},      \
	{                                                                                                              \
		"record", required_argument, NULL, OPT_RECORD                                                          \
	}

/* 1 when opt is a run option (taken), 0 when it is not one, -1 on a bad value (one line on stderr). */
int run_option(struct run_options *o, int opt, const char *arg);
void run_options_clear(struct run_options *o);
/*
 * The command's exit status: ret as it is, except that with the Nagios report
 * on stdout a run that could not report (2, before report_emit: emitted
 * false) is UNKNOWN (3), said on stdout.
 */
int run_exit_status(const struct run_options *o, int ret, bool emitted);
/*
 * getopt's complaint (opt ':' or '?', with optind and optopt as it left
 * them) as one line on stderr; cmd names the command for its --help, opts
 * are its options.
 */
void run_option_complain(const char *cmd, int opt, char **argv, const struct option *opts);
/* --list: every check id with its title (nestcheck lxd runs the same ones, inside or on the host). */
void checks_list(FILE *out);

#endif
