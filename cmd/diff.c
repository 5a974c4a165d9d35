/* SPDX-License-Identifier: Apache-2.0 */
#include "diff.h"
#include "core/check.h"
#include "report/read.h"

#include <getopt.h>
#include <json-c/json.h>

#define DIFF_MAX_INPUT (16 * 1024 * 1024)

int status_badness(enum status s)
{
	switch (s) {
	case STATUS_PASS:
	case STATUS_SKIP:
		return 0;
	case STATUS_WARN:
		return 1;
	default:
		return 2;
	}
}

static void usage(FILE *out)
{
	fputs("Usage: nestcheck diff [--json] OLD.json NEW.json\n"
	      "List every check whose status got worse between two JSON reports of nestcheck. Badness:\n"
	      "pass and skip 0, warn 1, fail and error 2; checks in only one report are listed as added or\n"
	      "removed and do not count as worse.\n"
	      "\n"
	      "  --json     print {\"worse\": [...], \"better\": [...], \"added\": [...], \"removed\": [...]}\n"
	      "  --help     print this help and exit\n"
	      "\n"
	      "Exit status: 0 no check got worse, 1 one did, 2 bad usage or an unreadable report.\n",
	      out);
}

struct loaded {
	struct report rep;
	struct report_checks checks;
	const struct result **by_id; /* the results by id, then report order: found in O(log n) */
};

static int load(const char *path, struct loaded *l)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		int err = -errno; /* before fprintf, which may change errno */
		fprintf(stderr, "nestcheck diff: cannot open %s: %s\n", path, strerror(-err));
		return err;
	}
	_cleanup_free_ char *buf = xmalloc(DIFF_MAX_INPUT + 1);
	size_t len = fread(buf, 1, DIFF_MAX_INPUT + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "nestcheck diff: cannot read %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	if (len > DIFF_MAX_INPUT) {
		fprintf(stderr, "nestcheck diff: %s: larger than %d MiB, not a report\n", path,
			DIFF_MAX_INPUT / 1024 / 1024);
		return -EFBIG;
	}
	buf[len] = '\0';
	_cleanup_free_ char *why = NULL;
	if (report_read(buf, len, &l->rep, &l->checks, &why) < 0) {
		fprintf(stderr, "nestcheck diff: %s is not a nestcheck report: %s\n", path, why ? why : "unreadable");
		return -EBADMSG;
	}
	return 0;
}

static int by_id_cmp(const void *a, const void *b)
{
	const struct result *x = *(const struct result *const *)a, *y = *(const struct result *const *)b;
	int c = strcmp(x->check->id, y->check->id);
	return c ? c : (x > y) - (x < y);
}

static void index_results(struct loaded *l)
{
	l->by_id = xcalloc(l->rep.n_results + 1, sizeof(*l->by_id));
	for (size_t i = 0; i < l->rep.n_results; i++)
		l->by_id[i] = &l->rep.results[i];
	qsort(l->by_id, l->rep.n_results, sizeof(*l->by_id), by_id_cmp);
}

/* The first result (in report order) with this id. */
static const struct result *find(const struct loaded *l, const char *id)
{
	size_t lo = 0, hi = l->rep.n_results;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(l->by_id[mid]->check->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->rep.n_results && streq(l->by_id[lo]->check->id, id) ? l->by_id[lo] : NULL;
}

static json_object *change_json(const char *id, const struct result *old, const struct result *new)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	if (old)
		json_object_object_add(o, "old", json_object_new_string(status_to_string(old->status)));
	if (new)
		json_object_object_add(o, "new", json_object_new_string(status_to_string(new->status)));
	if (new &&new->summary)
		json_object_object_add(o, "summary", json_object_new_string(new->summary));
	return o;
}

int diff_main(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	bool json = false;
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "nestcheck diff: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "nestcheck diff: wants two reports, OLD.json NEW.json (see --help)\n");
		return 2;
	}

	struct loaded a = {0}, b = {0};
	int ret = 2;
	if (load(argv[optind], &a) < 0 || load(argv[optind + 1], &b) < 0)
		goto out;
	index_results(&a);
	index_results(&b);

	json_object *worse = json_object_new_array(), *better = json_object_new_array(),
		    *added = json_object_new_array(), *removed = json_object_new_array();
	size_t n_worse = 0;
	for (size_t i = 0; i < b.rep.n_results; i++) {
		const struct result *nr = &b.rep.results[i], * or = find(&a, nr->check->id);
		const char *id = nr->check->id;
		if (! or) {
			json_object_array_add(added, change_json(id, NULL, nr));
			if (!json)
				printf("%s: added (%s)\n", id, status_to_string(nr->status));
			continue;
		}
		int d = status_badness(nr->status) - status_badness(or->status);
		if (d == 0)
			continue;
		json_object_array_add(d > 0 ? worse : better, change_json(id, or, nr));
		if (d > 0)
			n_worse++;
		if (!json)
			printf("%s: %s -> %s%s\n", id, status_to_string(or->status), status_to_string(nr->status),
			       d > 0 ? "" : " (better)");
	}
	for (size_t i = 0; i < a.rep.n_results; i++) {
		const struct result * or = &a.rep.results[i];
		if (find(&b, or->check->id))
			continue;
		json_object_array_add(removed, change_json(or->check->id, or, NULL));
		if (!json)
			printf("%s: removed (was %s)\n", or->check->id, status_to_string(or->status));
	}

	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "worse", worse);
		json_object_object_add(o, "better", better);
		json_object_object_add(o, "added", added);
		json_object_object_add(o, "removed", removed);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		if (n_worse)
			printf("%zu check%s got worse\n", n_worse, n_worse == 1 ? "" : "s");
		json_object_put(worse);
		json_object_put(better);
		json_object_put(added);
		json_object_put(removed);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "nestcheck diff: cannot write: %s\n", strerror(errno));
		ret = 2;
	} else {
		ret = n_worse ? 1 : 0;
	}
out:
	free(a.by_id);
	free(b.by_id);
	report_clear(&a.rep);
	report_checks_clear(&a.checks);
	report_clear(&b.rep);
	report_checks_clear(&b.checks);
	return ret;
}
