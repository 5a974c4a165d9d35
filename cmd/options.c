/* SPDX-License-Identifier: Apache-2.0 */
#include "options.h"
#include "checks/policy/policy.h"
#include "core/check.h"
#include "core/util.h"
#include "report/formats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --only, --skip, --ignore: at least one name, each a check id or an area. */
static int selection_option(struct strv *l, const char *name, const char *arg)
{
	const char *bad;
	if (strspn(arg, ",") == strlen(arg)) {
		fprintf(stderr, "nestcheck: --%s needs at least one check id or area (see --list)\n", name);
		return -1;
	}
	if (selection_add(l, arg, &bad) < 0) {
		fprintf(stderr, "nestcheck: --%s: no check or area is called '%s' (see --list)\n", name, bad);
		return -1;
	}
	return 1;
}

int run_exit_status(const struct run_options *o, int ret, bool emitted)
{
	if (emitted || ret != 2 || !emit_nagios(&o->emit))
		return ret;
	report_nagios_unknown(stdout, "nestcheck could not run (its reason is on stderr)");
	return NAGIOS_UNKNOWN;
}

int run_option(struct run_options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'j':
		for (size_t i = 0; i < o->emit.n_targets; i++)
			if (!o->emit.targets[i].path) {
				fprintf(stderr, "nestcheck: --json: another report already goes to stdout\n");
				return -1;
			}
		o->emit.json = true;
		return 1;
	case OPT_REPORT:
		return emit_add_report(&o->emit, arg) < 0 ? -1 : 1;
	case OPT_STRICT:
		o->emit.strict = true;
		return 1;
	case OPT_JUNIT:
		o->emit.junit = arg;
		return 1;
	case OPT_NO_LAUNCH:
		o->no_launch = true;
		return 1;
	case OPT_NO_PROBES:
		o->no_probes = true;
		return 1;
	case OPT_KEEP_IMAGE:
		o->keep_image = true;
		return 1;
	case OPT_RECORD:
		o->record = arg;
		return 1;
	case OPT_ONLY:
		return selection_option(&o->sel.only, "only", arg);
	case OPT_SKIP:
		return selection_option(&o->sel.skip, "skip", arg);
	case OPT_IGNORE:
		return selection_option(&o->sel.ignore, "ignore", arg);
	case OPT_TIMEOUT: {
		char *end;
		errno = 0;
		double secs = strtod(arg, &end);
		if (errno || end == arg || *end || !(secs >= 0.001 && secs <= 3600)) {
			fprintf(stderr, "nestcheck: --timeout wants seconds between 0.001 and 3600, not '%s'\n", arg);
			return -1;
		}
		o->timeout_ms = (long)(secs * 1000 + 0.5);
		return 1;
	}
	case OPT_POLICY: {
		_cleanup_free_ char *why = NULL;
		policy_free(TAKE_PTR(o->policy));
		if (policy_load(arg, &o->policy, &why) < 0) {
			fprintf(stderr, "nestcheck: --policy %s: %s\n", arg, why);
			return -1;
		}
		return 1;
	}
	default:
		return 0;
	}
}

void run_options_clear(struct run_options *o)
{
	selection_clear(&o->sel);
	policy_free(TAKE_PTR(o->policy));
}

void checks_list(FILE *out)
{
	for (size_t i = 0; i < check_table_size; i++)
		fprintf(out, "%-22s %s\n", check_table[i].id, check_table[i].title);
}

/* Whether arg is "--NAME=..." for a long option of opts whose value is val. */
static bool long_option_with_value(const char *arg, int val, const struct option *opts)
{
	if (!startswith(arg, "--") || !strchr(arg, '='))
		return false;
	size_t n = strcspn(arg + 2, "=");
	for (; opts->name; opts++)
		if (opts->val == val && strlen(opts->name) == n && strncmp(opts->name, arg + 2, n) == 0)
			return true;
	return false;
}

void run_option_complain(const char *cmd, int opt, char **argv, const struct option *opts)
{
	const char *arg = argv[optind - 1];
	if (opt == ':')
		fprintf(stderr, "nestcheck: option '%s' needs an argument (see %s --help)\n", arg, cmd);
	else if (optopt && long_option_with_value(arg, optopt, opts))
		fprintf(stderr, "nestcheck: option '%.*s' takes no argument (see %s --help)\n", (int)strcspn(arg, "="),
			arg, cmd);
	else if (optopt > 0 && optopt < 128)
		/* Within a cluster of short options optind has not moved on yet: name the letter. */
		fprintf(stderr, "nestcheck: unknown option '-%c' (see %s --help)\n", optopt, cmd);
	else
		fprintf(stderr, "nestcheck: unknown option '%s' (see %s --help)\n", arg, cmd);
}
