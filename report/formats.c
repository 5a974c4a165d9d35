/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The machine-readable reports for monitoring and test harnesses: TAP (version
 * 14), a Nagios/Icinga plugin's output, and Prometheus's text exposition
 * format (for node_exporter's textfile collector).
 */
#include "formats.h"
#include "report.h"
#include "core/check.h"
#include "version.h"

#include <errno.h>

static int out_status(FILE *out)
{
	if (fflush(out) != 0 || ferror(out))
		return errno > 0 ? -errno : -EIO;
	return 0;
}

/* ---------------------------------------------------------------- TAP */

/* A TAP description or YAML scalar: one line, and no '#' that TAP would read as a directive. */
static void tap_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\n' || ch == '\r' || ch == '\t')
			fputc(' ', out);
		else if (ch == '#')
			fputs("\\#", out);
		else if (ch >= 0x20 && ch != 0x7f)
			fputc(ch, out);
	}
}

/* A YAML double-quoted string. */
static void yaml_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

int report_tap_write(const struct report *rep, FILE *out)
{
	errno = 0;
	fputs("TAP version 13\n", out);
	fprintf(out, "1..%zu\n", rep->n_results);
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct result *r = &rep->results[i];
		bool bad = r->status == STATUS_FAIL || r->status == STATUS_ERROR;
		fprintf(out, "%s %zu - ", bad ? "not ok" : "ok", i + 1);
		tap_text(out, r->check->id);
		if (r->status == STATUS_SKIP) {
			fputs(" # SKIP ", out);
			tap_text(out, r->summary);
			fputc('\n', out);
			continue;
		}
		fputs(": ", out);
		tap_text(out, r->summary);
		fputc('\n', out);
		if (r->status == STATUS_PASS)
			continue;
		/* warn, fail, error: the status and the fixes as a YAML diagnostic block. */
		fprintf(out, "  ---\n  status: %s\n", status_to_string(r->status));
		if (r->n_remedies)
			fputs("  remediation:\n", out);
		for (size_t k = 0; k < r->n_remedies; k++) {
			const struct remedy *m = &r->remedies[k];
			fputs("    - text: ", out);
			yaml_string(out, m->text);
			fprintf(out, "\n      where: %s\n", where_to_string(m->where));
			if (m->commands.n)
				fputs("      commands:\n", out);
			for (size_t j = 0; j < m->commands.n; j++) {
				fputs("        - ", out);
				yaml_string(out, m->commands.v[j]);
				fputc('\n', out);
			}
		}
		fputs("  ...\n", out);
	}
	return out_status(out);
}

/* ---------------------------------------------------------------- Nagios */

/* Plugin output is line-based; '|' starts the performance data. */
static void nagios_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '|')
			fputc('/', out);
		else if (ch == '\n' || ch == '\r' || ch == '\t')
			fputc(' ', out);
		else if (ch >= 0x20 && ch != 0x7f)
			fputc(ch, out);
	}
}

int report_nagios_exit(enum verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return NAGIOS_OK;
	case VERDICT_DEGRADED:
		return NAGIOS_WARNING;
	default:
		return NAGIOS_CRITICAL;
	}
}

int report_nagios_write(const struct report *rep, FILE *out)
{
	static const char *const state[] = {[NAGIOS_OK] = "OK",
					    [NAGIOS_WARNING] = "WARNING",
					    [NAGIOS_CRITICAL] = "CRITICAL",
					    [NAGIOS_UNKNOWN] = "UNKNOWN"};
	errno = 0;
	int code = report_nagios_exit(rep->verdict);
	fprintf(out, "NESTCHECK %s - %s: %zu checks, %u fail, %u error, %u warn", state[code],
		verdict_to_string(rep->verdict), rep->n_results, rep->counts[STATUS_FAIL], rep->counts[STATUS_ERROR],
		rep->counts[STATUS_WARN]);
	if (rep->instance) {
		fputs(" (", out);
		nagios_text(out, rep->instance);
		fputc(')', out);
	} else if (rep->host_name && rep->host_name[0]) {
		fputs(" (", out);
		nagios_text(out, rep->host_name);
		fputc(')', out);
	}
	/* Performance data: counts, and the run's duration in seconds. */
	fprintf(out, " | pass=%u;;;0 warn=%u;;;0 fail=%u;;;0 skip=%u;;;0 error=%u;;;0", rep->counts[STATUS_PASS],
		rep->counts[STATUS_WARN], rep->counts[STATUS_FAIL], rep->counts[STATUS_SKIP],
		rep->counts[STATUS_ERROR]);
	if (rep->duration_s > 0)
		fprintf(out, " duration=%.3fs;;;0", rep->duration_s);
	fputc('\n', out);
	/* Details: the failures first, then the warnings. */
	static const enum status order[] = {STATUS_ERROR, STATUS_FAIL, STATUS_WARN};
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t i = 0; i < rep->n_results; i++) {
			const struct result *r = &rep->results[i];
			if (r->status != order[o])
				continue;
			fprintf(out, "%s ",
				r->status == STATUS_WARN   ? "WARN"
				: r->status == STATUS_FAIL ? "FAIL"
							   : "ERROR");
			nagios_text(out, r->check->id);
			fputs(": ", out);
			nagios_text(out, r->summary);
			fputc('\n', out);
		}
	return out_status(out);
}

void report_nagios_unknown(FILE *out, const char *why)
{
	fputs("NESTCHECK UNKNOWN - ", out);
	nagios_text(out, why);
	fputc('\n', out);
	fflush(out);
}

/* ---------------------------------------------------------------- Prometheus */

/* A label value: backslash, double quote and newline escaped (the text format's rules). */
static void prom_label(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\\')
			fputs("\\\\", out);
		else if (ch == '"')
			fputs("\\\"", out);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch >= 0x20 && ch != 0x7f)
			fputc(ch, out);
	}
}

static void prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int report_prometheus_write(const struct report *rep, FILE *out)
{
	static const enum status statuses[] = {STATUS_PASS, STATUS_WARN, STATUS_FAIL, STATUS_SKIP, STATUS_ERROR};
	static const enum verdict verdicts[] = {VERDICT_READY, VERDICT_DEGRADED, VERDICT_NOT_READY};
	errno = 0;

	prom_family(out, "nestcheck_info", "gauge", "Facts of the system nestcheck checked, as labels; always 1.");
	fputs("nestcheck_info{version=\"", out);
	prom_label(out, NESTCHECK_VERSION);
	fputs("\",host=\"", out);
	prom_label(out, rep->host_name ? rep->host_name : "");
	fputs("\",kernel=\"", out);
	prom_label(out, rep->kernel_release);
	fputs("\",os=\"", out);
	prom_label(out, rep->os);
	fputs("\",container_runtime=\"", out);
	prom_label(out, rep->container_runtime);
	fputs("\",mode=\"", out);
	fputs(rep->live ? "live" : "replay", out);
	if (rep->instance) {
		/* Not "instance": Prometheus gives that label to the scrape target. */
		fputs("\",container=\"", out);
		prom_label(out, rep->instance);
		fputs("\",platform=\"", out);
		prom_label(out, rep->instance_platform ? rep->instance_platform : "lxd");
		fputs("\",project=\"", out);
		prom_label(out, rep->instance_project ? rep->instance_project : "default");
	}
	fputs("\"} 1\n", out);

	prom_family(out, "nestcheck_verdict", "gauge",
		    "The run's verdict: 1 for the one it reached, 0 for the others.");
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		fprintf(out, "nestcheck_verdict{verdict=\"%s\"} %d\n", verdict_to_string(verdicts[i]),
			rep->verdict == verdicts[i]);

	prom_family(out, "nestcheck_checks", "gauge", "How many checks ended with each status.");
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		fprintf(out, "nestcheck_checks{status=\"%s\"} %u\n", status_to_string(statuses[i]),
			rep->counts[statuses[i]]);

	prom_family(out, "nestcheck_check_status", "gauge",
		    "Each check's status: 1 for the one it ended with, 0 for the others.");
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct result *r = &rep->results[i];
		for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
			fputs("nestcheck_check_status{id=\"", out);
			prom_label(out, r->check->id);
			fputs("\",area=\"", out);
			prom_label(out, r->check->area);
			fprintf(out, "\",status=\"%s\"} %d\n", status_to_string(statuses[k]), r->status == statuses[k]);
		}
	}

	prom_family(out, "nestcheck_check_duration_seconds", "gauge", "How long each check took.");
	for (size_t i = 0; i < rep->n_results; i++) {
		const struct result *r = &rep->results[i];
		fputs("nestcheck_check_duration_seconds{id=\"", out);
		prom_label(out, r->check->id);
		fprintf(out, "\"} %.6f\n", r->duration_ms > 0 ? r->duration_ms / 1e3 : 0.0);
	}

	if (rep->live && rep->started_at > 0) {
		prom_family(out, "nestcheck_last_run_timestamp_seconds", "gauge",
			    "When the run ended, in seconds since the epoch.");
		fprintf(out, "nestcheck_last_run_timestamp_seconds %.3f\n", rep->started_at + rep->duration_s);
		prom_family(out, "nestcheck_run_duration_seconds", "gauge", "How long the whole run took.");
		fprintf(out, "nestcheck_run_duration_seconds %.3f\n", rep->duration_s);
	}
	return out_status(out);
}
