/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestcheck explain: an error text (the arguments, or stdin) matched against
 * the known failures of failures.c, the same table the checks use. The fix is
 * worded for no particular system: the failure's remedy runs over an empty
 * sysroot, so a host-side command names the instance "NAME" and nothing of
 * this machine leaks into it.
 */
#include "explain.h"
#include "remedy/catalog.h"
#include "report/report.h"

#include <getopt.h>
#include <json-c/json.h>

#define EXPLAIN_MAX_INPUT (1024 * 1024)

static void usage(FILE *out)
{
	fputs("Usage: nestcheck explain [--json] [TEXT...]\n"
	      "Name the known failure an error text of Docker, runc, containerd or LXD betrays, its cause and\n"
	      "its fix. TEXT is the arguments joined by spaces or, when there are none, standard input (at\n"
	      "most 1 MiB).\n"
	      "\n"
	      "  --json     print {\"known\": ..., \"code\": ..., \"id\": ..., ...} instead of text\n"
	      "  --help     print this help and exit\n"
	      "\n"
	      "Exit status: 0 a known failure matches, 1 none does, 2 bad usage or unreadable input.\n",
	      out);
}

/* Standard input, at most EXPLAIN_MAX_INPUT bytes (the rest is ignored); NULL on a read error. */
static char *read_stdin(void)
{
	char *buf = xmalloc(EXPLAIN_MAX_INPUT + 1);
	size_t len = 0;
	while (len < EXPLAIN_MAX_INPUT) {
		size_t n = fread(buf + len, 1, EXPLAIN_MAX_INPUT - len, stdin);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(stdin)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The failure's fix, worded over an empty temporary sysroot. 0, or a negative errno. */
static int remedies_for(const struct failure *f, struct result *r)
{
	char dir[] = "/tmp/nestcheck-explain.XXXXXX";
	if (!mkdtemp(dir))
		return -errno;
	struct host *h;
	int err = host_new(dir, &h);
	if (err >= 0) {
		struct ctx c;
		ctx_init(&c, h);
		f->remedy(&c, r);
		ctx_clear(&c);
		host_free(h);
	}
	rmdir(dir);
	return err < 0 ? err : 0;
}

static int write_json(const struct failure *f, const struct result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "known", json_object_new_boolean(f != NULL));
	if (f) {
		json_object_object_add(o, "code", json_object_new_string(f->code));
		json_object_object_add(o, "id", json_object_new_string(f->id));
		json_object_object_add(o, "title", json_object_new_string(f->title));
		json_object_object_add(o, "cause", json_object_new_string(f->cause));
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < r->n_remedies; i++) {
			const struct remedy *m = &r->remedies[i];
			json_object *step = json_object_new_object(), *cmds = json_object_new_array();
			for (size_t j = 0; j < m->commands.n; j++)
				json_object_array_add(cmds, json_object_new_string(m->commands.v[j]));
			json_object_object_add(step, "text", json_object_new_string(m->text));
			json_object_object_add(step, "commands", cmds);
			json_object_object_add(step, "where", json_object_new_string(where_to_string(m->where)));
			json_object_array_add(arr, step);
		}
		json_object_object_add(o, "remediation", arr);
	}
	errno = 0;
	int ret = puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0
			  ? (errno > 0 ? -errno : -EIO)
			  : 0;
	json_object_put(o);
	return ret;
}

static void write_text(const struct failure *f, const struct result *r)
{
	if (!f) {
		puts("no known failure matches this text");
		return;
	}
	printf("%s %s: %s\n", f->code, f->id, f->title);
	printf("cause: %s\n", f->cause);
	report_remedies_plain(r, NULL, stdout); /* no host in view: the fix's own side */
}

int explain_main(int argc, char **argv)
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
	/* "+": stop at the first TEXT word, so that an error text may contain "--". */
	while ((opt = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "nestcheck explain: option '%s' needs an argument (see --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "nestcheck explain: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}

	_cleanup_free_ char *text = NULL;
	if (optind < argc) {
		struct strv words = {0};
		for (int i = optind; i < argc; i++)
			strv_push(&words, xstrdup(argv[i]));
		text = strv_join(&words, " ");
		strv_clear(&words);
	} else {
		text = read_stdin();
		if (!text) {
			fprintf(stderr, "nestcheck explain: cannot read standard input: %s\n", strerror(errno));
			return 2;
		}
	}
	if (!text[strspn(text, " \t\r\n")]) {
		fprintf(stderr, "nestcheck explain: no error text given (see --help)\n");
		return 2;
	}

	const struct failure *f = failure_match(text);
	struct result r = {0};
	if (f) {
		int err = remedies_for(f, &r);
		if (err < 0) {
			fprintf(stderr, "nestcheck explain: cannot make an empty temporary sysroot: %s\n",
				strerror(-err));
			result_clear(&r);
			return 2;
		}
	}
	int err = 0;
	if (json)
		err = write_json(f, &r);
	else
		write_text(f, &r);
	result_clear(&r);
	if (fflush(stdout) != 0 || err < 0) {
		fprintf(stderr, "nestcheck explain: cannot write: %s\n", strerror(err < 0 ? -err : errno));
		return 2;
	}
	return f ? 0 : 1;
}
