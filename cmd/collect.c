/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestcheck collect: one gzip tar holding what a replay needs and a person
 * triaging a report wants:
 *   root/<CONTRACT.md manifest>      the files scripts/capture-sysroot.sh copies,
 *                                    read through the live host object
 *   root/.nestcheck/observations     the live probes' recorded observations
 *   report.json                      the JSON report of that same run
 *   MANIFEST                         "sha256 size path" for every file above
 *
 * Redaction (default; --no-redact keeps everything as read):
 *   - the observation container.name becomes "redacted";
 *   - the host name (proc/sys/kernel/hostname) and the instance name become
 *     "redacted" wherever they appear as a word in a text file, report.json
 *     included;
 *   - user names in etc/subuid and etc/subgid become user1, user2, ... (the
 *     same name the same everywhere), except system ones checks look for
 *     (root, lxd, _lxd, incus, dockremap, docker);
 *   - proc/cmdline's ip=, hostname=, nfsroot= values become "redacted";
 *   - dpkg status Maintainer: and Original-Maintainer: lines become "redacted";
 *   - proc/1/environ keeps only its container= entry, dpkg status only the
 *     container stack's stanzas (as a capture always does).
 */
#include "collect.h"
#include "core/manifest.h"
#include "core/check.h"
#include "core/context.h"
#include "core/dynlib.h"
#include "core/host.h"
#include "report/report.h"
#include "core/runner.h"
#include "core/sha256.h"
#include "core/util.h"

#include <ctype.h>
#include <getopt.h>
#include <sys/mman.h>
#include <time.h>

struct cfile {
	char *path;
	char *data;
	size_t len;
};

struct collection {
	struct cfile *files;
	size_t n;
	struct strv words;   /* words to replace ... */
	struct strv replace; /* ... by these */
};

static void add(struct collection *col, const char *path, char *data, size_t len)
{
	col->files = xrealloc(col->files, (col->n + 1) * sizeof(*col->files));
	col->files[col->n++] = (struct cfile){xstrdup(path), data, len};
}

static void add_file(struct collection *col, struct host *h, const char *path)
{
	char *buf;
	size_t len;
	if (host_read_file(h, path, &buf, &len) == 0)
		add(col, path, buf, len);
}

static const char *const system_users[] = {"root", "lxd", "_lxd", "incus", "dockremap", "docker"};

/* Does the stanza (its lines) say "Package: NAME" for one of the stack's packages? */
static bool stack_stanza(const char *stanza)
{
	for (const char *l = stanza; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!startswith(l, "Package: "))
			continue;
		const char *name = l + strlen("Package: ");
		size_t n = strcspn(name, "\n");
		for (const char *const *p = manifest_packages; *p; p++)
			if (strlen(*p) == n && !strncmp(name, *p, n))
				return true;
	}
	return false;
}

/* The stanzas of the container stack (blank-line separated), Maintainer lines redacted on request. */
static char *dpkg_filter(const char *buf, bool redact, size_t *ret_len)
{
	struct strbuf out = {0};
	strbuf_append(&out, "");
	const char *s = buf;
	while (*s) {
		while (*s == '\n')
			s++;
		if (!*s)
			break;
		const char *end = strstr(s, "\n\n");
		size_t len = end ? (size_t)(end - s) + 1 : strlen(s);
		_cleanup_free_ char *stanza = xstrndup(s, len);
		s += len;
		if (!stack_stanza(stanza))
			continue;
		for (char *l = stanza; l && *l;) {
			char *nl = strchr(l, '\n');
			if (nl)
				*nl = 0;
			if (redact && (startswith(l, "Maintainer:") || startswith(l, "Original-Maintainer:")))
				strbuf_appendf(&out, "%.*s: redacted\n", (int)strcspn(l, ":"), l);
			else
				strbuf_appendf(&out, "%s\n", l);
			l = nl ? nl + 1 : NULL;
		}
		strbuf_append(&out, "\n");
	}
	*ret_len = out.len;
	return strbuf_take(&out);
}

/* proc/1/environ reduced to its container= entry, NUL-terminated (or empty). */
static char *environ_filter(const char *buf, size_t len, size_t *ret_len)
{
	for (const char *p = buf; p < buf + len; p += strlen(p) + 1)
		if (startswith(p, "container=")) {
			*ret_len = strlen(p) + 1;
			return xstrndup(p, *ret_len);
		}
	*ret_len = 0;
	return xstrdup("");
}

/* Binary files are never rewritten. */
static bool endswith_any(const char *path)
{
	size_t n = strlen(path);
	return (n > 3 && streq(path + n - 3, ".gz")) || (n > 4 && streq(path + n - 4, ".bin"));
}

static void add_word(struct collection *col, const char *word, const char *by)
{
	if (!word || strlen(word) < 2 || strv_contains(&col->words, word))
		return;
	strv_push(&col->words, xstrdup(word));
	strv_push(&col->replace, xstrdup(by));
}

static bool word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '.';
}

/* Replace every registered word where it stands as a word of its own. */
static void redact_words(struct collection *col, struct cfile *f)
{
	for (size_t w = 0; w < col->words.n; w++) {
		const char *word = col->words.v[w], *by = col->replace.v[w];
		size_t wl = strlen(word);
		struct strbuf out = {0};
		strbuf_append(&out, "");
		bool changed = false;
		for (size_t i = 0; i < f->len;) {
			if (i + wl <= f->len && !memcmp(f->data + i, word, wl) &&
			    (i == 0 || !word_char(f->data[i - 1])) &&
			    (i + wl == f->len || !word_char(f->data[i + wl]))) {
				strbuf_append(&out, by);
				i += wl;
				changed = true;
				continue;
			}
			/* Byte by byte: the data may hold NULs (proc/1/environ). */
			if (out.len + 2 > out.cap) {
				out.cap = out.cap * 2 + 64;
				out.buf = xrealloc(out.buf, out.cap);
			}
			out.buf[out.len++] = f->data[i++];
			out.buf[out.len] = 0;
		}
		if (changed) {
			free(f->data);
			f->len = out.len;
			f->data = strbuf_take(&out);
		} else {
			free(strbuf_take(&out));
		}
	}
}

/* proc/cmdline: the values of ip=, hostname= and nfsroot= say where the machine is. */
static void redact_cmdline(struct cfile *f)
{
	struct strbuf out = {0};
	strbuf_append(&out, "");
	_cleanup_free_ char *copy = xstrndup(f->data, f->len);
	for (char *tok = copy; *tok;) {
		size_t n = strcspn(tok, " \n");
		char sep = tok[n];
		tok[n] = 0;
		if (startswith(tok, "ip=") || startswith(tok, "hostname=") || startswith(tok, "nfsroot="))
			strbuf_appendf(&out, "%.*s=redacted", (int)strcspn(tok, "="), tok);
		else
			strbuf_append(&out, tok);
		if (!sep)
			break;
		strbuf_appendf(&out, "%c", sep);
		tok += n + 1;
	}
	free(f->data);
	f->len = out.len;
	f->data = strbuf_take(&out);
}

/* etc/subuid, etc/subgid: NAME:start:count with names that are not system ones become userN. */
static void learn_users(struct collection *col, const struct cfile *f, unsigned *next)
{
	_cleanup_free_ char *copy = xstrndup(f->data, f->len);
	for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
		size_t n = strcspn(l, ":");
		if (!l[n] || n == 0)
			continue;
		l[n] = 0;
		bool numeric = strspn(l, "0123456789") == n, system = false;
		for (size_t i = 0; i < ARRAY_SIZE(system_users); i++)
			system = system || streq(l, system_users[i]);
		if (numeric || system || strv_contains(&col->words, l))
			continue;
		_cleanup_free_ char *by = xasprintf("user%u", ++*next);
		add_word(col, l, by);
	}
}

/* observations: key=value lines; container.name's value is redacted. */
static void redact_observations(struct collection *col, struct cfile *f)
{
	struct strbuf out = {0};
	strbuf_append(&out, "");
	_cleanup_free_ char *copy = xstrndup(f->data, f->len);
	for (char *l = copy; *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (startswith(l, "container.name=")) {
			add_word(col, l + strlen("container.name="), "redacted");
			strbuf_append(&out, "container.name=redacted");
		} else {
			strbuf_append(&out, l);
		}
		if (!nl)
			break;
		strbuf_append(&out, "\n");
		l = nl + 1;
	}
	free(f->data);
	f->len = out.len;
	f->data = strbuf_take(&out);
}

static void collection_clear(struct collection *col)
{
	for (size_t i = 0; i < col->n; i++) {
		free(col->files[i].path);
		free(col->files[i].data);
	}
	free(col->files);
	strv_clear(&col->words);
	strv_clear(&col->replace);
}

static int write_entry(struct archive *a, struct archive_entry *e, const char *path, const char *data, size_t len,
		       time_t now)
{
	archive_entry_clear(e);
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, now, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return -EIO;
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return -EIO;
	return 0;
}

static int write_bundle(const char *out, struct collection *col, const char **why)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	time_t now = time(NULL);
	_cleanup_free_ char *m = NULL;
	int r = -EIO;
	if (!a || !e) {
		*why = "out of memory";
		goto done;
	}
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, out) != ARCHIVE_OK)
		goto fail;
	struct strbuf man = {0};
	strbuf_append(&man, "");
	for (size_t i = 0; i < col->n; i++) {
		char hex[65];
		sha256_hex(col->files[i].data, col->files[i].len, hex);
		strbuf_appendf(&man, "%s %zu %s\n", hex, col->files[i].len, col->files[i].path);
		if (write_entry(a, e, col->files[i].path, col->files[i].data, col->files[i].len, now) < 0) {
			free(strbuf_take(&man));
			goto fail;
		}
	}
	m = strbuf_take(&man);
	if (write_entry(a, e, "MANIFEST", m, strlen(m), now) < 0 || archive_write_close(a) != ARCHIVE_OK)
		goto fail;
	r = 0;
	goto done;
fail:
	*why = archive_error_string(a) ?: "write error";
	r = -EIO;
done:
	if (e)
		archive_entry_free(e);
	if (a && r < 0) {
		/* The reason's text lives in a: copy it before freeing. */
		static char reason[256];
		snprintf(reason, sizeof(reason), "%s", *why);
		*why = reason;
	}
	if (a)
		archive_write_free(a);
	return r;
}

static void collect_usage(FILE *out)
{
	fputs("Usage: nestcheck collect -o FILE.tar.gz [--no-redact]\n"
	      "Run the checks on this system (no launch) and write a triage bundle: the evidence files,\n"
	      "the recorded observations, report.json and a MANIFEST of sha256 sums. Host, instance and\n"
	      "user names, and addresses on the kernel command line are redacted unless --no-redact.\n"
	      "Replay it with: nestcheck --root FILE.tar.gz\n",
	      out);
}

struct collect_walk {
	struct collection *col;
	struct host *h;
	bool redact;
};

/* One manifest path into the bundle, taken as its kind says. */
static void collect_one(const char *path, enum manifest_kind kind, void *userdata)
{
	struct collect_walk *w = userdata;
	char *buf, *link;
	size_t len;

	switch (kind) {
	case MANIFEST_FILE:
	case MANIFEST_SELF:
		add_file(w->col, w->h, path);
		break;
	case MANIFEST_LINK:
		if (host_read_link(w->h, path, &link) == 0) {
			char *text = xasprintf("%s\n", link);
			free(link);
			add(w->col, path, text, strlen(text));
		}
		break;
	case MANIFEST_ENVIRON:
		if (host_read_file(w->h, path, &buf, &len) == 0) {
			char *env = environ_filter(buf, len, &len);
			free(buf);
			add(w->col, path, env, len);
		}
		break;
	case MANIFEST_SOCKET:
	case MANIFEST_MARK:
		if (host_access(w->h, path) == 0)
			add(w->col, path, xstrdup(""), 0);
		break;
	case MANIFEST_DPKG:
		if (host_read_text(w->h, path, &buf) == 0) {
			char *st = dpkg_filter(buf, w->redact, &len);
			free(buf);
			add(w->col, path, st, len);
		}
		break;
	case _MANIFEST_KIND_MAX:
		break;
	}
}

int collect_main(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"no-redact", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *out = NULL;
	bool redact = true;
	int opt;
	opterr = 0;
	optind = 2;
	while ((opt = getopt_long(argc, argv, ":o:", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'R':
			redact = false;
			break;
		case 'h':
			collect_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "nestcheck collect: option '%s' needs an argument (see --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "nestcheck collect: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nestcheck collect: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (!out) {
		fprintf(stderr, "nestcheck collect: -o FILE.tar.gz is required\n");
		return 2;
	}
	int err = dyn_archive_load();
	if (err < 0) {
		fprintf(stderr, "nestcheck collect: libarchive is needed to write a bundle: %s\n", dyn_error());
		return 2;
	}

	struct host *h;
	if ((err = host_new(NULL, &h)) < 0) {
		fprintf(stderr, "nestcheck collect: cannot read this system: %s\n", strerror(-err));
		return 2;
	}
	struct ctx c;
	struct report rep = {0};
	struct selection sel = {0};
	struct collection col = {0};
	int ret = 2;
	ctx_init(&c, h);
	c.no_launch = true;
	ctx_prefetch(&c);
	runner_run(&c, &sel, &rep);

	/* The manifest (core/manifest.c), read through the same live host. */
	_cleanup_free_ char *release = NULL;
	host_kernel_release(h, &release);
	struct collect_walk w = {&col, h, redact};
	manifest_each(release, collect_one, &w);

	char *buf;
	/* Observations, built in memory: no temp file. */
	size_t olen = 0;
	buf = NULL;
	FILE *of = open_memstream(&buf, &olen);
	if (!of || host_format_observations(h, of) < 0 || fclose(of) != 0 || olen > HOST_MAX_FILE * 4u) {
		free(buf);
		fprintf(stderr, "nestcheck collect: cannot record the observations\n");
		goto out;
	}
	add(&col, "root/" HOST_OBSERVATIONS_PATH, buf, olen);

	char *json = NULL;
	size_t jlen = 0;
	FILE *jf = open_memstream(&json, &jlen);
	if (!jf || report_json_write(&rep, jf) < 0 || fclose(jf) != 0) {
		free(json);
		fprintf(stderr, "nestcheck collect: cannot write the report\n");
		goto out;
	}
	add(&col, "report.json", json, jlen);

	/* Manifest files go under root/. */
	for (size_t i = 0; i < col.n; i++)
		if (!startswith(col.files[i].path, "root/") && !streq(col.files[i].path, "report.json")) {
			char *p = xasprintf("root/%s", col.files[i].path);
			free(col.files[i].path);
			col.files[i].path = p;
		}

	if (redact) {
		unsigned users = 0;
		for (size_t i = 0; i < col.n; i++) {
			struct cfile *f = &col.files[i];
			if (streq(f->path, "root/etc/subuid") || streq(f->path, "root/etc/subgid"))
				learn_users(&col, f, &users);
			else if (streq(f->path, "root/proc/cmdline"))
				redact_cmdline(f);
			else if (streq(f->path, "root/" HOST_OBSERVATIONS_PATH))
				redact_observations(&col, f);
		}
		char hostname[256] = "";
		if (gethostname(hostname, sizeof(hostname) - 1) == 0 && !streq(hostname, "localhost"))
			add_word(&col, hostname, "redacted");
		for (size_t i = 0; i < col.n; i++)
			if (!endswith_any(col.files[i].path))
				redact_words(&col, &col.files[i]);
	}

	const char *why = NULL;
	if (write_bundle(out, &col, &why) < 0) {
		unlink(out);
		fprintf(stderr, "nestcheck collect: cannot write %s: %s\n", out, why);
		goto out;
	}
	printf("nestcheck: wrote %s (%zu files and a MANIFEST%s)\n", out, col.n, redact ? ", redacted" : "");
	ret = 0;
out:
	collection_clear(&col);
	report_clear(&rep);
	ctx_clear(&c);
	host_free(h);
	return ret;
}
