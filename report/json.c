/* SPDX-License-Identifier: Apache-2.0 */
#include "report.h"
#include "core/check.h"
#include "version.h"

#include <json-c/json.h>

static json_object *evidence_json(const struct result *r)
{
	json_object *ev = json_object_new_object();
	for (size_t i = 0; i < r->n_evidence; i++) {
		const struct evidence *e = &r->evidence[i];
		json_object *v;
		switch (e->kind) {
		case EVIDENCE_INT:
			v = json_object_new_int64(e->integer);
			break;
		case EVIDENCE_BOOL:
			v = json_object_new_boolean(e->integer != 0);
			break;
		default:
			v = json_object_new_string(e->string);
			break;
		}
		json_object_object_add(ev, e->key, v);
	}
	return ev;
}

static json_object *remediation_json(const struct result *r)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < r->n_remedies; i++) {
		const struct remedy *m = &r->remedies[i];
		json_object *o = json_object_new_object(), *cmds = json_object_new_array();
		for (size_t j = 0; j < m->commands.n; j++)
			json_object_array_add(cmds, json_object_new_string(m->commands.v[j]));
		json_object_object_add(o, "text", json_object_new_string(m->text));
		json_object_object_add(o, "commands", cmds);
		json_object_object_add(o, "where", json_object_new_string(where_to_string(m->where)));
		json_object_array_add(arr, o);
	}
	return arr;
}

int report_json_write(const struct report *rep, FILE *out)
{
	json_object *root = json_object_new_object();
	json_object *tool = json_object_new_object(), *host = json_object_new_object();
	json_object *summary = json_object_new_object(), *checks = json_object_new_array();

	json_object_object_add(root, "schema_version", json_object_new_int(1));
	json_object_object_add(tool, "name", json_object_new_string("nestcheck"));
	json_object_object_add(tool, "version", json_object_new_string(NESTCHECK_VERSION));
	json_object_object_add(root, "tool", tool);
	json_object_object_add(root, "mode", json_object_new_string(rep->live ? "live" : "replay"));
	if (rep->host_name)
		json_object_object_add(host, "name", json_object_new_string(rep->host_name));
	json_object_object_add(host, "kernel_release", json_object_new_string(rep->kernel_release));
	json_object_object_add(host, "os", json_object_new_string(rep->os));
	json_object_object_add(host, "container_runtime", json_object_new_string(rep->container_runtime));
	json_object_object_add(root, "host", host);
	if (rep->live && rep->started_at > 0) {
		json_object *run = json_object_new_object();
		char when[32], secs[32];
		report_time_rfc3339(rep->started_at, when, sizeof(when));
		snprintf(secs, sizeof(secs), "%.3f", rep->duration_s);
		json_object_object_add(run, "started_at", json_object_new_string(when));
		json_object_object_add(run, "duration_seconds", json_object_new_double_s(rep->duration_s, secs));
		json_object_object_add(root, "run", run);
	}
	if (rep->instance) {
		json_object *in = json_object_new_object();
		json_object_object_add(in, "name", json_object_new_string(rep->instance));
		json_object_object_add(
			in, "project",
			json_object_new_string(rep->instance_project ? rep->instance_project : "default"));
		json_object_object_add(in, "platform",
				       json_object_new_string(rep->instance_platform ? rep->instance_platform : "lxd"));
		json_object_object_add(in, "host",
				       json_object_new_string(rep->instance_host ? rep->instance_host : ""));
		json_object_object_add(root, "instance", in);
	}
	json_object_object_add(root, "verdict", json_object_new_string(verdict_to_string(rep->verdict)));

	static const enum status order[] = {STATUS_PASS, STATUS_WARN, STATUS_FAIL, STATUS_SKIP, STATUS_ERROR};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		json_object_object_add(summary, status_to_string(order[i]),
				       json_object_new_int((int)rep->counts[order[i]]));
	json_object_object_add(root, "summary", summary);

	for (size_t i = 0; i < rep->n_results; i++) {
		const struct result *r = &rep->results[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(r->check->id));
		json_object_object_add(o, "area", json_object_new_string(r->check->area));
		json_object_object_add(o, "title", json_object_new_string(r->check->title));
		json_object_object_add(o, "status", json_object_new_string(status_to_string(r->status)));
		json_object_object_add(o, "summary", json_object_new_string(r->summary ? r->summary : ""));
		json_object_object_add(o, "evidence", evidence_json(r));
		json_object_object_add(o, "remediation", remediation_json(r));
		char ms[32];
		snprintf(ms, sizeof(ms), "%.3f", r->duration_ms);
		json_object_object_add(o, "duration_ms", json_object_new_double_s(r->duration_ms, ms));
		json_object_array_add(checks, o);
	}
	json_object_object_add(root, "checks", checks);

	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
	/* A failed write sets errno (ENOSPC, EPIPE...): that is the reason to print. */
	errno = 0;
	int r = fputs(s, out) < 0 || fputc('\n', out) == EOF ? (errno > 0 ? -errno : -EIO) : 0;
	json_object_put(root);
	return r;
}
