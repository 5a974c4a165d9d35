/* SPDX-License-Identifier: Apache-2.0 */
#include "options.h"
#include "checks/policy/policy.h"
#include "core/util.h"

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

int run_option(struct run_options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'j':
		o->emit.json = true;
		return 1;
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
