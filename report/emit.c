/* SPDX-License-Identifier: Apache-2.0 */
#include "emit.h"
#include "junit.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool use_colour(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

int report_emit(const struct report *rep, const struct emit_opts *o)
{
	int err;
	if (o->junit && (err = report_junit_write_file(rep, o->junit)) < 0) {
		fprintf(stderr, "nestcheck: cannot write %s: %s\n", o->junit, strerror(-err));
		return 2;
	}
	err = 0;
	if (o->json)
		err = report_json_write(rep, stdout);
	else
		report_human_write(rep, stdout, use_colour());
	if (fflush(stdout) != 0 || err < 0) {
		fprintf(stderr, "nestcheck: cannot write the report: %s\n", strerror(err < 0 ? -err : errno));
		return 2;
	}
	return rep->verdict == VERDICT_NOT_READY || (o->strict && rep->verdict == VERDICT_DEGRADED) ? 1 : 0;
}
