/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_RESULT_H
#define NESTCHECK_RESULT_H

#include "util.h"

/* Ordered by severity: the worst status of a run decides the verdict. */
enum status {
	STATUS_PASS,
	STATUS_SKIP,
	STATUS_WARN,
	STATUS_FAIL,
	STATUS_ERROR,
	_STATUS_MAX,
};

enum verdict {
	VERDICT_READY,
	VERDICT_DEGRADED,
	VERDICT_NOT_READY,
};

enum where {
	WHERE_HOST,
	WHERE_CONTAINER,
};

const char *status_to_string(enum status s);
const char *verdict_to_string(enum verdict v);
const char *where_to_string(enum where w);

enum evidence_kind {
	EVIDENCE_STRING,
	EVIDENCE_INT,
	EVIDENCE_BOOL,
};

struct evidence {
	char *key;
	enum evidence_kind kind;
	char *string;
	long long integer;
};

struct remedy {
	char *text;
	struct strv commands;
	enum where where;
};

struct check;

struct result {
	const struct check *check;
	enum status status;
	char *summary;
	struct evidence *evidence;
	size_t n_evidence;
	struct remedy *remedies;
	size_t n_remedies;
	double duration_ms;
};

/* Set status and summary (printf-style); replaces an earlier summary. */
void result_set(struct result *r, enum status s, const char *fmt, ...) _printf_(3, 4);
/* Record why the checker itself broke; returns err (negative) for `return`. */
int result_error(struct result *r, int err, const char *fmt, ...) _printf_(3, 4);

void result_evidence_string(struct result *r, const char *key, const char *fmt, ...) _printf_(3, 4);
void result_evidence_int(struct result *r, const char *key, long long v);
void result_evidence_bool(struct result *r, const char *key, bool v);
/* Whether r already holds evidence under key. */
bool result_has_evidence(const struct result *r, const char *key);

/* A fix: text, then zero or more commands, NULL-terminated. Returns it for more commands. */
struct remedy *result_remedy(struct result *r, enum where where, const char *text, ...);
void remedy_command(struct remedy *m, const char *fmt, ...) _printf_(2, 3);

void result_clear(struct result *r);

/* The outcome of a whole run, which every renderer reads. */
struct report {
	bool live;
	char *host_name; /* the checked system's own name; "" when not known */
	char *kernel_release;
	char *os;
	char *container_runtime;
	double started_at; /* the run's start, seconds since the epoch; 0 when not known */
	double duration_s; /* how long the run took; 0 when not known */
	/* nestcheck lxd|incus NAME: the instance checked, its project and platform, and the host asked */
	char *instance, *instance_project, *instance_platform, *instance_host;
	struct result *results;
	size_t n_results;
	unsigned counts[_STATUS_MAX];
	enum verdict verdict;
};

void report_finish(struct report *rep);
void report_clear(struct report *rep);

#endif
