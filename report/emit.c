/* SPDX-License-Identifier: Apache-2.0 */
#include "emit.h"
#include "formats.h"
#include "junit.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const format_names[_FORMAT_MAX] = {
	[FORMAT_HUMAN] = "human", [FORMAT_JSON] = "json",     [FORMAT_JUNIT] = "junit",
	[FORMAT_TAP] = "tap",	  [FORMAT_NAGIOS] = "nagios", [FORMAT_PROMETHEUS] = "prometheus",
};

int report_format_from_string(const char *name)
{
	for (int i = 0; i < _FORMAT_MAX; i++)
		if (streq(format_names[i], name))
			return i;
	return -EINVAL;
}

static bool on_stdout(const struct emit_opts *o, size_t skip)
{
	if (o->json)
		return true;
	for (size_t i = 0; i < o->n_targets; i++)
		if (i != skip && !o->targets[i].path)
			return true;
	return false;
}

int emit_add_report(struct emit_opts *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	_cleanup_free_ char *name = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
	int f = report_format_from_string(name);
	if (f < 0) {
		fprintf(stderr,
			"nestcheck: --report: no format is called '%s' (human, json, junit, tap, nagios, prometheus)\n",
			name);
		return -1;
	}
	if (colon && !colon[1]) {
		fprintf(stderr, "nestcheck: --report %s: the path after ':' is empty\n", name);
		return -1;
	}
	if (o->n_targets == EMIT_TARGETS_MAX) {
		fprintf(stderr, "nestcheck: --report: at most %d reports\n", EMIT_TARGETS_MAX);
		return -1;
	}
	o->targets[o->n_targets] = (struct emit_target){.format = f, .path = colon ? colon + 1 : NULL};
	if (!colon && on_stdout(o, SIZE_MAX)) {
		fprintf(stderr,
			"nestcheck: --report %s: another report already goes to stdout (give this one a path)\n", name);
		return -1;
	}
	o->n_targets++;
	return 0;
}

bool emit_nagios(const struct emit_opts *o)
{
	for (size_t i = 0; i < o->n_targets; i++)
		if (o->targets[i].format == FORMAT_NAGIOS && !o->targets[i].path)
			return true;
	return false;
}

static bool use_colour(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

static int write_format(const struct report *rep, enum report_format f, FILE *out, bool colour)
{
	switch (f) {
	case FORMAT_HUMAN:
		report_human_write(rep, out, colour);
		return ferror(out) ? (errno > 0 ? -errno : -EIO) : 0;
	case FORMAT_JSON:
		return report_json_write(rep, out);
	case FORMAT_JUNIT:
		return report_junit_write(rep, out);
	case FORMAT_TAP:
		return report_tap_write(rep, out);
	case FORMAT_NAGIOS:
		return report_nagios_write(rep, out);
	case FORMAT_PROMETHEUS:
		return report_prometheus_write(rep, out);
	default:
		return -EINVAL;
	}
}

/* A report into an open stream: 0, or a negative errno from the writes or the flush. */
static int write_stream(const struct report *rep, enum report_format f, FILE *out, bool colour)
{
	errno = 0;
	int err = write_format(rep, f, out, colour);
	if (fflush(out) != 0 && err == 0)
		err = errno > 0 ? -errno : -EIO;
	return err;
}

/*
 * A report into path. A regular file (or a new one) is replaced atomically:
 * written to a temporary file beside it, then renamed over it, so readers
 * such as node_exporter's textfile collector never see half a file. Anything
 * else (a FIFO, a device, a symbolic link such as /dev/stdout) is written in
 * place, through the link: renaming over it would replace the link itself.
 * 0 or a negative errno.
 */
static int write_file(const struct report *rep, enum report_format f, const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		FILE *out = fopen(path, "we");
		if (!out)
			return -errno;
		int err = write_stream(rep, f, out, false);
		if (fclose(out) != 0 && err == 0)
			err = -errno;
		return err;
	}
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	FILE *out = fdopen(fd, "w");
	if (!out) {
		int err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	int err = write_stream(rep, f, out, false);
	if (err == 0 && fchmod(fileno(out), 0644) < 0)
		err = -errno;
	if (fclose(out) != 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}

int report_emit(const struct report *rep, const struct emit_opts *o)
{
	bool nagios = emit_nagios(o);
	int cannot = nagios ? NAGIOS_UNKNOWN : 2, err;
	if (o->junit && (err = write_file(rep, FORMAT_JUNIT, o->junit)) < 0) {
		fprintf(stderr, "nestcheck: cannot write %s: %s\n", o->junit, strerror(-err));
		return cannot;
	}
	for (size_t i = 0; i < o->n_targets; i++) {
		const struct emit_target *t = &o->targets[i];
		if (t->path && (err = write_file(rep, t->format, t->path)) < 0) {
			fprintf(stderr, "nestcheck: cannot write %s: %s\n", t->path, strerror(-err));
			return cannot;
		}
	}
	enum report_format f = o->json ? FORMAT_JSON : FORMAT_HUMAN;
	for (size_t i = 0; i < o->n_targets; i++)
		if (!o->targets[i].path)
			f = o->targets[i].format;
	if ((err = write_stream(rep, f, stdout, f == FORMAT_HUMAN && use_colour())) < 0) {
		fprintf(stderr, "nestcheck: cannot write the report: %s\n", strerror(-err));
		return cannot;
	}
	if (nagios)
		return report_nagios_exit(rep->verdict);
	return rep->verdict == VERDICT_NOT_READY || (o->strict && rep->verdict == VERDICT_DEGRADED) ? 1 : 0;
}
