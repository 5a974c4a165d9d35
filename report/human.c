/* SPDX-License-Identifier: Apache-2.0 */
#include "report.h"
#include "core/check.h"
#include "version.h"

#include <time.h>

#define WIDTH	 100
#define ID_WIDTH 22

struct palette {
	const char *reset, *bold, *dim;
	const char *status[_STATUS_MAX];
};

static const struct palette plain = {"", "", "", {"", "", "", "", ""}};
static const struct palette ansi = {
	"\033[0m",
	"\033[1m",
	"\033[2m",
	{
		[STATUS_PASS] = "\033[32m",
		[STATUS_SKIP] = "\033[2m",
		[STATUS_WARN] = "\033[33m",
		[STATUS_FAIL] = "\033[31m",
		[STATUS_ERROR] = "\033[1;35m",
	},
};

static const char *const marks[_STATUS_MAX] = {
	[STATUS_PASS] = "PASS", [STATUS_SKIP] = "SKIP",	  [STATUS_WARN] = "WARN",
	[STATUS_FAIL] = "FAIL", [STATUS_ERROR] = "ERROR",
};

/* Word-wrap text at WIDTH, every line after the first indented by indent. */
static void write_wrapped(FILE *out, const char *text, size_t indent, size_t col)
{
	const char *p = text;
	while (*p) {
		size_t word = strcspn(p, " ");
		if (col > indent && col + 1 + word > WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, word, out);
		col += word;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

void report_time_rfc3339(double t, char *buf, size_t n)
{
	time_t secs = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&secs, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "%s", "");
}

const char *report_fix_side(enum where w, const char *container_runtime)
{
	if (w == WHERE_HOST)
		return "on the host";
	return container_runtime && streq(container_runtime, "none") ? "on this machine" : "in the container";
}

void report_remedies_plain(const struct result *r, const char *container_runtime, FILE *out)
{
	for (size_t i = 0; i < r->n_remedies; i++) {
		const struct remedy *m = &r->remedies[i];
		fprintf(out, "fix (%s): %s\n", report_fix_side(m->where, container_runtime), m->text);
		for (size_t j = 0; j < m->commands.n; j++)
			fprintf(out, "  $ %s\n", m->commands.v[j]);
	}
}

static void write_result(FILE *out, const struct result *r, const char *container_runtime, const struct palette *pal)
{
	const char *summary = r->summary ? r->summary : "";
	/* Ids are padded to the longest in the table, so that summaries line up. */
	fprintf(out, "  %s%-5s%s %-*s ", pal->status[r->status], marks[r->status], pal->reset, ID_WIDTH, r->check->id);
	write_wrapped(out, summary, ID_WIDTH + 9, ID_WIDTH + 9);

	for (size_t i = 0; i < r->n_remedies; i++) {
		const struct remedy *m = &r->remedies[i];
		const char *side = report_fix_side(m->where, container_runtime);
		fprintf(out, "%*s%sfix (%s):%s", 8, "", pal->bold, side, pal->reset);
		write_wrapped(out, m->text, 10, 8 + strlen("fix (): ") + strlen(side));
		for (size_t j = 0; j < m->commands.n; j++)
			fprintf(out, "%*s$ %s\n", 10, "", m->commands.v[j]);
	}
}

void report_human_write(const struct report *rep, FILE *out, bool colour)
{
	const struct palette *pal = colour ? &ansi : &plain;
	const char *area = NULL;

	fprintf(out, "%snestcheck %s%s: %s check of %s, kernel %s, container runtime: %s\n", pal->bold,
		NESTCHECK_VERSION, pal->reset, rep->live ? "live" : "replayed", rep->os, rep->kernel_release,
		rep->container_runtime);
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct result *r = &rep->results[i];
		if (!area || !streq(area, r->check->area)) {
			area = r->check->area;
			fprintf(out, "\n%s%s%s\n", pal->bold, area, pal->reset);
		}
		write_result(out, r, rep->container_runtime, pal);
	}

	fprintf(out, "\n%zu checks: %u pass, %u warn, %u fail, %u skip, %u error\n", rep->n_results,
		rep->counts[STATUS_PASS], rep->counts[STATUS_WARN], rep->counts[STATUS_FAIL], rep->counts[STATUS_SKIP],
		rep->counts[STATUS_ERROR]);

	static const char *const verdict_words[] = {
		[VERDICT_READY] = "READY: Docker can run here",
		[VERDICT_DEGRADED] = "DEGRADED: Docker can run here, with the warnings above",
		[VERDICT_NOT_READY] = "NOT READY: fix the failures above before running Docker here",
	};
	static const enum status verdict_colour[] = {
		[VERDICT_READY] = STATUS_PASS,
		[VERDICT_DEGRADED] = STATUS_WARN,
		[VERDICT_NOT_READY] = STATUS_FAIL,
	};
	fprintf(out, "verdict: %s%s%s\n", pal->status[verdict_colour[rep->verdict]], verdict_words[rep->verdict],
		pal->reset);
}
