/* SPDX-License-Identifier: Apache-2.0 */
#include "junit.h"
#include "report.h"
#include "core/check.h"

/* Text for XML: markup characters as entities, control characters (illegal in XML 1.0) dropped. */
static void xml_text(FILE *out, const char *s, bool attribute)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\n':
		case '\t':
			/* In an attribute a raw newline or tab would be normalised to a space. */
			if (attribute)
				fprintf(out, "&#%d;", ch);
			else
				fputc(ch, out);
			break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				break;
			fputc(ch, out);
		}
	}
}

/* Which system the report is of, for CI servers that show only names: the instance, else the host; "" if neither. */
static const char *system_name(const struct report *rep)
{
	if (rep->instance && rep->instance[0])
		return rep->instance;
	return rep->host_name ? rep->host_name : "";
}

static void write_case(const struct result *r, const char *system, const char *container_runtime, FILE *out)
{
	static const char *const element[_STATUS_MAX] = {
		[STATUS_FAIL] = "failure",
		[STATUS_ERROR] = "error",
		[STATUS_SKIP] = "skipped",
	};
	const char *summary = r->summary ? r->summary : "";

	fputs("  <testcase classname=\"", out);
	if (system[0]) {
		xml_text(out, system, true);
		fputc('.', out);
	}
	xml_text(out, r->check->area, true);
	fputs("\" name=\"", out);
	xml_text(out, r->check->id, true);
	fprintf(out, "\" time=\"%.3f\"", r->duration_ms > 0 ? r->duration_ms / 1000.0 : 0.0);

	const char *el = element[r->status];
	if (el) {
		fprintf(out, ">\n    <%s message=\"", el);
		xml_text(out, summary, true);
		fprintf(out, "\" type=\"%s\"", status_to_string(r->status));
		if (r->status == STATUS_SKIP) {
			fputs("/>\n", out);
		} else {
			_cleanup_free_ char *body = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&body, &len);
			if (m) {
				fprintf(m, "%s\n", summary);
				report_remedies_plain(r, container_runtime, m);
				fclose(m);
			}
			fputc('>', out);
			xml_text(out, body ? body : summary, false);
			fprintf(out, "</%s>\n", el);
		}
		fputs("  </testcase>\n", out);
	} else if (r->status == STATUS_WARN) {
		fputs(">\n    <system-out>warn: ", out);
		xml_text(out, summary, false);
		fputs("</system-out>\n  </testcase>\n", out);
	} else {
		fputs("/>\n", out);
	}
}

static double total_ms(const struct report *rep)
{
	double total = 0;
	for (size_t i = 0; i < rep->n_results; i++)
		total += rep->results[i].duration_ms > 0 ? rep->results[i].duration_ms : 0;
	return total;
}

void report_junit_write_suite(const struct report *rep, const char *fallback_name, FILE *out)
{
	const char *system = system_name(rep);
	if (!system[0] && fallback_name)
		system = fallback_name;
	fputs("<testsuite name=\"nestcheck", out);
	if (system[0]) {
		fputc(' ', out);
		xml_text(out, system, true);
	}
	fprintf(out, "\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\">\n", rep->n_results,
		rep->counts[STATUS_FAIL], rep->counts[STATUS_ERROR], rep->counts[STATUS_SKIP], total_ms(rep) / 1000.0);
	fputs(" <properties>\n  <property name=\"verdict\" value=\"", out);
	xml_text(out, verdict_to_string(rep->verdict), true);
	fputs("\"/>\n  <property name=\"kernel\" value=\"", out);
	xml_text(out, rep->kernel_release, true);
	fputs("\"/>\n  <property name=\"container_runtime\" value=\"", out);
	xml_text(out, rep->container_runtime, true);
	if (rep->host_name && rep->host_name[0]) {
		fputs("\"/>\n  <property name=\"host\" value=\"", out);
		xml_text(out, rep->host_name, true);
	}
	if (rep->instance_host && rep->instance_host[0]) {
		fputs("\"/>\n  <property name=\"instance_host\" value=\"", out);
		xml_text(out, rep->instance_host, true);
	}
	fputs("\"/>\n </properties>\n", out);
	for (size_t i = 0; i < rep->n_results; i++)
		write_case(&rep->results[i], system, rep->container_runtime, out);
	fputs("</testsuite>\n", out);
}

int report_junit_write(const struct report *rep, FILE *out)
{
	/* A failed write leaves its reason in errno (the error flag alone would say EIO). */
	errno = 0;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<testsuites name=\"nestcheck\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" "
		"time=\"%.3f\">\n",
		rep->n_results, rep->counts[STATUS_FAIL], rep->counts[STATUS_ERROR], rep->counts[STATUS_SKIP],
		total_ms(rep) / 1000.0);
	report_junit_write_suite(rep, NULL, out);
	fputs("</testsuites>\n", out);
	if (ferror(out))
		return errno > 0 ? -errno : -EIO;
	return 0;
}
