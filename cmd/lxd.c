/* SPDX-License-Identifier: Apache-2.0 */
#include "lxd.h"
#include "lxd_all.h"
#include "client/lxd.h"
#include "checks/lxd/lxd.h"
#include "checks/lxd/parse.h"
#include "core/runner.h"
#include "options.h"
#include "core/json.h"
#include "core/dynlib.h"
#include "report/report.h"
#include "report/read.h"
#include "remedy/fixes.h"
#include "core/util.h"

#include <elf.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <link.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#define LXD_EXEC_WAIT_S	   600
#define LXD_MIN_IDMAP_SIZE 65536

enum {
	EXIT_OK = 0,
	EXIT_PROBLEMS = 1,
	EXIT_CANNOT_RUN = 2,
};

static void on_signal(int sig)
{
	if (client_interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	client_interrupted = sig;
}

/* ---------------------------------------------------------------- what to push */

struct push_file {
	char *path; /* on the host */
	char *name; /* in the instance's directory */
	char *link; /* a second name (the soname), pushed as a symlink; or NULL */
};

struct payload {
	struct push_file *v;
	size_t n;
	char *loader; /* its name in the directory */
};

static void payload_clear(struct payload *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].name);
		free(p->v[i].link);
	}
	free(p->v);
	free(p->loader);
	*p = (struct payload){0};
}

/* The soname (DT_SONAME) or the interpreter (PT_INTERP) of an ELF file of our class; NULL when it has none. */
static char *elf_string(const char *path, bool interp)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(ElfW(Ehdr)))
		return NULL;
	size_t size = (size_t)st.st_size;
	const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *ret = NULL;
	const ElfW(Ehdr) *eh = (const void *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != (__ELF_NATIVE_CLASS == 64 ? ELFCLASS64 : ELFCLASS32) ||
	    eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(ElfW(Phdr)) < eh->e_phnum)
		goto out;
	const ElfW(Phdr) *ph = (const void *)(m + eh->e_phoff), *dyn = NULL;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		if (interp && ph[i].p_type == PT_INTERP && ph[i].p_offset < size &&
		    ph[i].p_filesz <= size - ph[i].p_offset && ph[i].p_filesz > 1) {
			ret = xstrndup((const char *)m + ph[i].p_offset, ph[i].p_filesz - 1);
			goto out;
		}
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = &ph[i];
	}
	if (interp || !dyn || dyn->p_offset > size || dyn->p_filesz > size - dyn->p_offset)
		goto out;
	const ElfW(Dyn) *d = (const void *)(m + dyn->p_offset);
	size_t nd = dyn->p_filesz / sizeof(*d);
	ElfW(Addr) strtab = 0;
	size_t soname = SIZE_MAX;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
		else if (d[i].d_tag == DT_SONAME)
			soname = d[i].d_un.d_val;
	}
	if (!strtab || soname == SIZE_MAX)
		goto out;
	/* The string table's address to its file offset, through the segment that holds it. */
	for (size_t i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || strtab < ph[i].p_vaddr || strtab - ph[i].p_vaddr >= ph[i].p_filesz)
			continue;
		size_t off = ph[i].p_offset + (strtab - ph[i].p_vaddr);
		if (off >= size || soname >= size - off)
			break;
		const char *s = (const char *)m + off + soname;
		size_t n = strnlen(s, size - off - soname);
		if (n > 0 && n < size - off - soname && !strchr(s, '/'))
			ret = xstrndup(s, n);
		break;
	}
out:
	munmap((void *)m, size);
	return ret;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void payload_add(struct payload *p, const char *path, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (streq(p->v[i].path, path) || streq(p->v[i].name, name))
			return;
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	struct push_file *f = &p->v[p->n++];
	*f = (struct push_file){.path = xstrdup(path), .name = xstrdup(name)};
	char *so = elf_string(path, false);
	if (so && !streq(so, name) && !streq(so, "nestcheck"))
		f->link = so;
	else
		free(so);
}

/* nestcheck, its loader and every shared library mapped now (libcurl, and libarchive when loaded). */
static int payload_collect(struct payload *p, char **ret_error)
{
	_cleanup_free_ char *exe = realpath("/proc/self/exe", NULL);
	_cleanup_free_ char *interp = exe ? elf_string(exe, true) : NULL;
	_cleanup_free_ char *loader = interp ? realpath(interp, NULL) : NULL;
	if (!exe || !loader) {
		*ret_error = xasprintf("cannot find nestcheck's own binary or its dynamic loader (%s)",
				       exe ? exe : "/proc/self/exe");
		return -ENOENT;
	}
	payload_add(p, exe, "nestcheck");
	payload_add(p, loader, base_name(interp));
	p->loader = xstrdup(base_name(interp));

	_cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
	if (!f) {
		*ret_error = xasprintf("cannot read /proc/self/maps: %s", strerror(errno));
		return -errno;
	}
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		strstrip_right(path);
		if (strstr(path, " (deleted)"))
			continue;
		const char *b = base_name(path);
		if (!strstr(b, ".so") || streq(path, exe) || streq(path, loader))
			continue;
		payload_add(p, path, b);
	}
	return 0;
}

/* ---------------------------------------------------------------- the instance */

struct instance {
	char *name;
	char *status;
	json_object *config; /* expanded_config */
};

/* ---------------------------------------------------------------- the run */

struct run {
	struct lxd *l;
	const char *project; /* --project, or NULL: the default project */
	struct instance in;
	char dir[32];
	bool dir_made;
};

/* path with the instance's project added to its query (nothing for the default project); newly allocated. */
static char *in_project(const char *project, const char *path)
{
	if (!project || streq(project, "default"))
		return xstrdup(path);
	return xasprintf("%s%cproject=%s", path, strchr(path, '?') ? '&' : '?', project);
}

static int push(struct run *rn, const char *type, const char *name, const char *mode, const void *body, size_t len)
{
	_cleanup_free_ char *p = xasprintf("%s%s%s", rn->dir, name ? "/" : "", name ? name : "");
	_cleanup_free_ char *esc = lxd_escape(rn->l, p);
	_cleanup_free_ char *raw = xasprintf("/1.0/instances/%s/files?path=%s", rn->in.name, esc);
	_cleanup_free_ char *path = in_project(rn->project, raw);
	const char *x = lxd_header_prefix(rn->l);
	_cleanup_free_ char *h_type = xasprintf("%stype: %s", x, type), *h_mode = xasprintf("%smode: %s", x, mode),
			    *h_uid = xasprintf("%suid: 0", x), *h_gid = xasprintf("%sgid: 0", x);
	const char *const headers[] = {"Content-Type: application/octet-stream", h_type, h_mode, h_uid, h_gid, NULL};
	return lxd_call(rn->l, "POST", path, headers, body, len, NULL, NULL);
}

static int push_file(struct run *rn, const struct push_file *f)
{
	_cleanup_close_ int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return lxd_fail(rn->l, -errno, "cannot read %s: %s", f->path, strerror(errno));
	size_t size = (size_t)st.st_size;
	void *m = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (m == MAP_FAILED)
		return lxd_fail(rn->l, -errno, "cannot map %s: %s", f->path, strerror(errno));
	int err = push(rn, "file", f->name, "0755", m ? m : "", size);
	if (m)
		munmap(m, size);
	if (err >= 0 && f->link)
		err = push(rn, "symlink", f->link, "0777", f->name, strlen(f->name));
	return err;
}

/* The operation's metadata once it ended (waited for at most wait_s). */
static int operation_wait(struct run *rn, const char *op, long wait_s, json_object **ret)
{
	_cleanup_free_ char *raw = xasprintf("%s/wait?timeout=%ld", op, wait_s);
	_cleanup_free_ char *path = in_project(rn->project, raw);
	long saved = lxd_timeout(rn->l);
	lxd_set_timeout(rn->l, wait_s * 1000 + LXD_TIMEOUT_MS);
	json_object *md = NULL;
	int err = lxd_call(rn->l, "GET", path, NULL, NULL, 0, &md, NULL);
	lxd_set_timeout(rn->l, saved);
	if (err < 0)
		return err;
	const char *st = json_get_str(md, "status"), *e = json_get_str(md, "err");
	if (!st || (!streq(st, "Success") && !streq(st, "Failure") && !streq(st, "Cancelled"))) {
		json_object_put(md);
		if (st && streq(st, "Running"))
			return lxd_fail(rn->l, -ETIMEDOUT, "the command in %s did not end within %ld s", rn->in.name,
					wait_s);
		return lxd_fail(rn->l, -EBADMSG, "%s's operation %s has no final status", lxd_daemon_name(rn->l), op);
	}
	if (!streq(st, "Success")) {
		int r = lxd_fail(rn->l, -EIO, "the command in %s failed: %s", rn->in.name, e && e[0] ? e : st);
		json_object_put(md);
		return r;
	}
	*ret = md;
	return 0;
}

static char *log_fetch(struct run *rn, json_object *output, const char *fd)
{
	const char *p = json_get_str(output, fd);
	if (!p || p[0] != '/')
		return NULL;
	long status = 0;
	char *ret = NULL;
	_cleanup_free_ char *pp = in_project(rn->project, p);
	if (lxd_request(rn->l, "GET", pp, NULL, NULL, 0, &status) == 0 && status == 200) {
		size_t n;
		const char *b = lxd_body(rn->l, &n);
		ret = xstrndup(b, n);
	}
	lxd_request(rn->l, "DELETE", pp, NULL, NULL, 0, &status);
	return ret;
}

/* Run argv in the instance without websockets; its exit status, stdout and stderr. */
static int exec_in(struct run *rn, const char *const *argv, long wait_s, long *ret_status, char **ret_out,
		   char **ret_err)
{
	json_object *req = json_object_new_object(), *cmd = json_object_new_array(), *env = json_object_new_object();
	for (size_t i = 0; argv[i]; i++)
		json_object_array_add(cmd, json_object_new_string(argv[i]));
	json_object_object_add(env, "PATH",
			       json_object_new_string("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	json_object_object_add(env, "HOME", json_object_new_string("/root"));
	json_object_object_add(env, "LANG", json_object_new_string("C.UTF-8"));
	/* A sanitizer build inside behaves as it was told to here. */
	static const char *const forward[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
	for (size_t i = 0; i < ARRAY_SIZE(forward); i++)
		if (getenv(forward[i]))
			json_object_object_add(env, forward[i], json_object_new_string(getenv(forward[i])));
	json_object_object_add(req, "command", cmd);
	json_object_object_add(req, "environment", env);
	json_object_object_add(req, "interactive", json_object_new_boolean(false));
	json_object_object_add(req, "wait-for-websocket", json_object_new_boolean(false));
	json_object_object_add(req, "record-output", json_object_new_boolean(true));
	const char *body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *raw = xasprintf("/1.0/instances/%s/exec", rn->in.name), *op = NULL;
	_cleanup_free_ char *path = in_project(rn->project, raw);
	const char *const headers[] = {"Content-Type: application/json", NULL};
	int err = lxd_call(rn->l, "POST", path, headers, body, strlen(body), NULL, &op);
	json_object_put(req);
	if (err < 0)
		return err;
	if (!op || op[0] != '/')
		return lxd_fail(rn->l, -EBADMSG, "%s's answer to POST %s names no operation", lxd_daemon_name(rn->l),
				path);

	json_object *md = NULL, *inner, *output = NULL, *rv;
	err = operation_wait(rn, op, wait_s, &md);
	if (err < 0)
		return err;
	if (!json_object_object_get_ex(md, "metadata", &inner) || !json_object_object_get_ex(inner, "return", &rv) ||
	    !json_object_is_type(rv, json_type_int)) {
		json_object_put(md);
		return lxd_fail(rn->l, -EBADMSG, "%s's exec operation %s reports no exit status",
				lxd_daemon_name(rn->l), op);
	}
	*ret_status = json_object_get_int(rv);
	json_object_object_get_ex(inner, "output", &output);
	char *out = log_fetch(rn, output, "1"), *errs = log_fetch(rn, output, "2");
	json_object_put(md);
	if (ret_out)
		*ret_out = out;
	else
		free(out);
	if (ret_err)
		*ret_err = errs;
	else
		free(errs);
	return 0;
}

/*
 * Remove the run's directory from the instance. quiet: the run has already said on stderr why it
 * failed (one line is all it says); a directory it could not remove is swept by a later run.
 */
static void cleanup_dir(struct run *rn, bool quiet)
{
	if (!rn->dir_made)
		return;
	lxd_set_uninterruptible(rn->l, true);
	long st = -1;
	const char *const argv[] = {"rm", "-rf", rn->dir, NULL};
	if (exec_in(rn, argv, 60, &st, NULL, NULL) < 0 || st != 0) {
		if (!quiet)
			fprintf(stderr, "nestcheck: could not remove %s from %s: %s\n", rn->dir, rn->in.name,
				st > 0 ? "rm failed" : lxd_error(rn->l));
		rn->dir_made = false; /* said once, tried once */
		return;
	}
	rn->dir_made = false;
	/*
	 * What an earlier run could not remove (LXD or Incus went away while it ran, it was
	 * SIGKILLed): private directories of nestcheck's, untouched for an hour, far longer than a
	 * run may take. Best effort: an instance without find keeps them.
	 */
	const char *const sweep[] = {"find",  "/tmp", "-maxdepth", "1",	 "-type", "d",	"-name", "nestcheck-*",
				     "-mmin", "+60",  "-exec",	   "rm", "-rf",	  "{}", "+",	 NULL};
	(void)exec_in(rn, sweep, 60, &st, NULL, NULL);
}

static char *first_line(const char *s)
{
	if (!s)
		return xstrdup("");
	while (*s == '\n')
		s++;
	return text_sanitize(xstrndup(s, strcspn(s, "\n")));
}

static void usage(FILE *out, enum lxd_flavour f)
{
	bool incus = f == LXD_FLAVOUR_INCUS;
	fprintf(out,
		"Usage: nestcheck %s NAME [OPTIONS]\n"
		"       nestcheck %s --all [OPTIONS]\n"
		"On an %s host: check whether Docker can run in instance NAME. nestcheck is pushed into the\n"
		"instance with its libraries, run there and removed again; the report also judges the\n"
		"instance's configuration from the host (lxd.instance).\n"
		"\n",
		incus ? "incus" : "lxd", incus ? "incus" : "lxd", incus ? "Incus" : "LXD");
	fprintf(out,
		"  --json                 print the JSON report instead of the human one\n"
		"  --no-launch            do not start containers in the instance (static checks only)\n"
		"  --no-probes            no live probes in the instance either\n"
		"  --only ID[,ID...]      run only these checks (lxd.instance included: ids or areas)\n"
		"  --skip ID[,ID...]      do not run these checks\n"
		"  --ignore ID[,ID...]    run and report these checks, but their failures count as warnings\n"
		"  --timeout SECONDS      passed on: bound on each request to Docker in the instance\n"
		"  --keep-image           passed on: leave the probe image in the instance's Docker\n"
		"  --strict               warnings make the exit status 1 too\n"
		"  --junit FILE           also write the report as JUnit XML to FILE (for CI)\n"
		"  --report FORMAT[:PATH] also write FORMAT (human, json, junit, tap, nagios, prometheus)\n"
		"                         into PATH, or on stdout; repeatable\n"
		"  --policy FILE          judge the report against a site policy (as nestcheck --policy)\n"
		"  --record FILE          write what %s said of the instance, and the host files\n"
		"                         lxd.instance read, as observations to FILE: a replay of\n"
		"                         lxd.instance (nestcheck --root) needs nothing else\n"
		"  --project NAME         the instance's project (default: default)\n"
		"  --all                  every running container of the project instead of NAME, each\n"
		"                         checked as NAME would be; prints the fleet's roll-up (as\n"
		"                         nestcheck merge does; --json for JSON)\n"
		"  --jobs N               with --all: at most N instances at once (default 4)\n"
		"  --instance-timeout S   with --all: each instance's bound in seconds (default 660)\n"
		"  --report-dir DIR       with --all: keep each instance's JSON report as DIR/NAME.json\n"
		"  --list                 list every check (as nestcheck --list) and exit\n"
		"  --help                 print this help and exit\n"
		"\n",
		incus ? "Incus" : "LXD");
	fputs(incus ? "Incus's socket: $INCUS_SOCKET, else $INCUS_DIR/unix.socket, else /run/incus/unix.socket or\n"
		      "/var/lib/incus/unix.socket.\n"
		    : "LXD's socket: $LXD_DIR/unix.socket, else /var/lib/lxd/unix.socket or the snap's\n"
		      "/var/snap/lxd/common/lxd/unix.socket.\n",
	      out);
	fputs("Exit status: 0 no check failed, 1 a check failed (or warned, with --strict), 2 it could not run.\n",
	      out);
}

static void random_hex(char *buf, size_t n)
{
	unsigned char r[16];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^ getpid() ^ (i * 131));
	}
	for (size_t i = 0; i + 1 < n && i / 2 < sizeof(r); i++)
		buf[i] = "0123456789abcdef"[(r[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	buf[n - 1] = '\0';
}

/* The options the nestcheck inside the instance takes from ours. */
static void inside_args(const struct run_options *ro, struct strv *args)
{
	if (ro->no_launch)
		strv_push(args, xstrdup("--no-launch"));
	if (ro->no_probes)
		strv_push(args, xstrdup("--no-probes"));
	if (ro->keep_image)
		strv_push(args, xstrdup("--keep-image"));
	if (ro->timeout_ms) {
		strv_push(args, xstrdup("--timeout"));
		strv_push(args, xasprintf("%.3f", ro->timeout_ms / 1000.0));
	}
	const struct {
		const char *opt;
		const struct strv *l;
	} lists[] = {{"--only", &ro->sel.only}, {"--skip", &ro->sel.skip}, {"--ignore", &ro->sel.ignore}};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (lists[i].l->n) {
			_cleanup_free_ char *csv = strv_join(lists[i].l, ",");
			strv_push(args, xstrdup(lists[i].opt));
			strv_push(args, TAKE_PTR(csv));
		}
}

/* The checks judged on the host, not in the instance. */
static bool host_check(const char *id)
{
	return streq(id, "lxd.instance") || streq(id, "policy.gate");
}

/*
 * On the host the user's selection applies to the host's checks alone: every
 * other check is skipped here (it ran in the instance). Naming only one id
 * in --only instead would make it "named", and run it with nothing to judge.
 */
static void host_selection(const struct selection *user, struct selection *ret)
{
	for (size_t i = 0; i < user->only.n; i++)
		strv_push(&ret->only, xstrdup(user->only.v[i]));
	for (size_t i = 0; i < user->skip.n; i++)
		strv_push(&ret->skip, xstrdup(user->skip.v[i]));
	for (size_t i = 0; i < user->ignore.n; i++)
		strv_push(&ret->ignore, xstrdup(user->ignore.v[i]));
	for (size_t i = 0; i < check_table_size; i++)
		if (!host_check(check_table[i].id))
			strv_push(&ret->skip, xstrdup(check_table[i].id));
}

/* The host's checks are judged here, not in the instance: drop any the instance reported. */
static void report_drop_host_checks(struct report *rep)
{
	size_t k = 0;
	for (size_t i = 0; i < rep->n_results; i++) {
		if (host_check(rep->results[i].check->id))
			result_clear(&rep->results[i]);
		else
			rep->results[k++] = rep->results[i];
	}
	rep->n_results = k;
}

/* lxd.instance leads the report: the host's view first, then what the instance says. */
static void report_lxd_first(struct report *rep)
{
	for (size_t i = 1; i < rep->n_results; i++)
		if (streq(rep->results[i].check->id, "lxd.instance")) {
			struct result r = rep->results[i];
			memmove(rep->results + 1, rep->results, i * sizeof(*rep->results));
			rep->results[0] = r;
			return;
		}
}

/* container.detect names the instance as its host knows it. */
static void name_instance(struct report *rep, const char *name)
{
	for (size_t i = 0; i < rep->n_results; i++) {
		struct result *r = &rep->results[i];
		if (!streq(r->check->id, "container.detect"))
			continue;
		bool found = false;
		for (size_t j = 0; j < r->n_evidence; j++)
			if (streq(r->evidence[j].key, "name")) {
				free(r->evidence[j].string);
				r->evidence[j].kind = EVIDENCE_STRING;
				r->evidence[j].string = xstrdup(name);
				found = true;
			}
		if (!found)
			result_evidence_string(r, "name", "%s", name);
	}
}

int lxd_main(int argc, char **argv)
{
	enum {
		OPT_LIST = OPT_RUN_END,
		OPT_ALL,
		OPT_PROJECT,
		OPT_JOBS,
		OPT_INSTANCE_TIMEOUT,
		OPT_REPORT_DIR,
	};
	static const struct option options[] = {
		RUN_OPTIONS,
		{"list", no_argument, NULL, OPT_LIST},
		{"all", no_argument, NULL, OPT_ALL},
		{"project", required_argument, NULL, OPT_PROJECT},
		{"jobs", required_argument, NULL, OPT_JOBS},
		{"instance-timeout", required_argument, NULL, OPT_INSTANCE_TIMEOUT},
		{"report-dir", required_argument, NULL, OPT_REPORT_DIR},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct run_options ro = {0};
	const char *name = NULL;
	int opt, ret = EXIT_CANNOT_RUN;
	bool emitted = false, all = false;
	size_t jobs = 0;
	long instance_timeout_s = 0;
	const char *report_dir = NULL;
	struct run rn = {0};
	struct payload pl = {0};
	struct report rep = {0};
	struct report_checks checks = {0};
	struct host *hh = NULL;
	struct ctx hc = {0};
	struct selection hs = {0};
	_cleanup_free_ char *out = NULL, *errs = NULL, *err_text = NULL, *tried = NULL, *ipath = NULL, *iraw = NULL;

	opterr = 0;
	optind = 1;
	argc--, argv++; /* argv[0] is now "lxd" or "incus" */
	const enum lxd_flavour flavour = streq(argv[0], "incus") ? LXD_FLAVOUR_INCUS : LXD_FLAVOUR_LXD;
	const char *cmd = flavour == LXD_FLAVOUR_INCUS ? "incus" : "lxd";
	const char *daemon = flavour == LXD_FLAVOUR_INCUS ? "Incus" : "LXD";
	const char *cli = flavour == LXD_FLAVOUR_INCUS ? "incus" : "lxc";
	_cleanup_free_ char *cmd_name = xasprintf("nestcheck %s", cmd);
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		int taken = run_option(&ro, opt, optarg);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		switch (opt) {
		case 'h':
			usage(stdout, flavour);
			ret = EXIT_OK;
			goto out;
		case OPT_LIST:
			checks_list(stdout);
			ret = EXIT_OK;
			goto out;
		case OPT_ALL:
			all = true;
			break;
		case OPT_PROJECT:
			if (!optarg[0] || strlen(optarg) > 63 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
				    strlen(optarg)) {
				fprintf(stderr, "nestcheck: --project '%s' is not a project name\n", optarg);
				goto out;
			}
			rn.project = optarg;
			break;
		case OPT_JOBS:
		case OPT_INSTANCE_TIMEOUT: {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > (opt == OPT_JOBS ? 256 : 86400)) {
				fprintf(stderr, "nestcheck: --%s wants a whole number from 1 to %d\n",
					opt == OPT_JOBS ? "jobs" : "instance-timeout", opt == OPT_JOBS ? 256 : 86400);
				goto out;
			}
			if (opt == OPT_JOBS)
				jobs = (size_t)v;
			else
				instance_timeout_s = v;
			break;
		}
		case OPT_REPORT_DIR:
			report_dir = optarg;
			break;
		default:
			run_option_complain(cmd_name, opt, argv, options);
			goto out;
		}
	}
	if (all) {
		if (optind != argc) {
			fprintf(stderr, "nestcheck: %s --all takes no instance name\n", cmd_name);
			goto out;
		}
		if (ro.emit.junit || ro.emit.n_targets || ro.record || ro.policy || ro.emit.strict) {
			fprintf(stderr,
				"nestcheck: %s --all writes the roll-up (or --json) and each instance's JSON report "
				"(--report-dir): --junit, --report, --record, --policy and --strict are for one instance\n",
				cmd_name);
			goto out;
		}
	} else if (jobs || instance_timeout_s || report_dir) {
		fprintf(stderr, "nestcheck: --jobs, --instance-timeout and --report-dir go with --all\n");
		goto out;
	}
	if (!all && optind != argc - 1) {
		fprintf(stderr, "nestcheck: %s wants exactly one instance name (see %s --help)\n", cmd_name, cmd_name);
		goto out;
	}
	name = all ? "" : argv[optind];
	if (!all && !lxd_instance_name_valid(name)) {
		fprintf(stderr, "nestcheck: '%s' is not an %s instance name\n", name, daemon);
		goto out;
	}

	const char *sock = lxd_socket_find(flavour, &tried);
	if (!sock) {
		fprintf(stderr, "nestcheck: no %s socket at %s: is %s running on this host?\n", daemon, tried, daemon);
		goto out;
	}
	if (dyn_curl_load() < 0) {
		fprintf(stderr, "nestcheck: %s needs libcurl: %s\n", cmd_name, dyn_error());
		goto out;
	}
	/*
	 * Loaded now so that it is mapped, and pushed, for the launch checks inside. Without
	 * them it stays out: with libxml2 and ICU it is most of a push's weight (about 40 of
	 * 60 MB on Debian 12). Under --all each child decides for itself.
	 */
	if (!ro.no_launch && !all)
		(void)dyn_archive_load();
	/* libkmod stays out: inside a container the module index is not read (its host's is what counts). */
	rn.l = lxd_new(sock, flavour);
	if (!rn.l) {
		fprintf(stderr, "nestcheck: cannot start libcurl\n");
		goto out;
	}
	if (all) {
		struct strv pass = {0};
		inside_args(&ro, &pass);
		struct lxd_all_opts ao = {
			.cmd = cmd,
			.project = rn.project,
			.jobs = jobs ? jobs : 4,
			.instance_timeout_s = instance_timeout_s ? instance_timeout_s : LXD_EXEC_WAIT_S + 60,
			.report_dir = report_dir,
			.json = ro.emit.json,
			.pass = &pass,
		};
		ret = lxd_all(rn.l, &ao);
		emitted = true;
		strv_clear(&pass);
		goto out;
	}
	rn.in.name = xstrdup(name);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* The instance. */
	iraw = xasprintf("/1.0/instances/%s", name);
	ipath = in_project(rn.project, iraw);
	json_object *md = NULL, *v;
	int err = lxd_call(rn.l, "GET", ipath, NULL, NULL, 0, &md, NULL);
	if (err == -ENOENT) {
		fprintf(stderr, "nestcheck: %s at %s has no instance %s\n", daemon, sock, name);
		goto out;
	}
	if (err < 0) {
		fprintf(stderr, "nestcheck: %s\n", lxd_error(rn.l));
		goto out;
	}
	const char *status = json_get_str(md, "status");
	if (!status || !json_object_object_get_ex(md, "expanded_config", &v) ||
	    !json_object_is_type(v, json_type_object)) {
		json_object_put(md);
		fprintf(stderr, "nestcheck: %s's answer about %s lacks its status or expanded_config\n", daemon, name);
		goto out;
	}
	rn.in.status = xstrdup(status);
	rn.in.config = json_object_get(v);
	json_object_put(md);
	if (!streq(rn.in.status, "Running")) {
		fprintf(stderr, "nestcheck: instance %s is %s, not Running: start it with %s start %s\n", name,
			rn.in.status, cli, name);
		goto out;
	}

	/* Push nestcheck with its loader and libraries. */
	if (payload_collect(&pl, &err_text) < 0) {
		fprintf(stderr, "nestcheck: %s\n", err_text);
		goto out;
	}
	char hex[13];
	random_hex(hex, sizeof(hex));
	snprintf(rn.dir, sizeof(rn.dir), "/tmp/nestcheck-%s", hex);
	err = push(&rn, "directory", NULL, "0700", NULL, 0);
	if (err < 0) {
		fprintf(stderr, "nestcheck: cannot create %s in %s: %s\n", rn.dir, name, lxd_error(rn.l));
		goto out;
	}
	rn.dir_made = true;
	for (size_t i = 0; i < pl.n; i++) {
		err = push_file(&rn, &pl.v[i]);
		if (err < 0) {
			fprintf(stderr, "nestcheck: cannot push %s into %s: %s\n", pl.v[i].path, name, lxd_error(rn.l));
			goto out;
		}
	}

	/* Run it. */
	struct strv args = {0};
	strv_push(&args, xasprintf("%s/%s", rn.dir, pl.loader));
	strv_push(&args, xstrdup("--library-path"));
	strv_push(&args, xstrdup(rn.dir));
	strv_push(&args, xasprintf("%s/nestcheck", rn.dir));
	strv_push(&args, xstrdup("--json"));
	inside_args(&ro, &args);
	long st = -1;
	err = exec_in(&rn, (const char *const *)args.v, LXD_EXEC_WAIT_S, &st, &out, &errs);
	strv_clear(&args);
	if (err < 0) {
		fprintf(stderr, "nestcheck: cannot run nestcheck in %s: %s\n", name, lxd_error(rn.l));
		goto out;
	}
	cleanup_dir(&rn, false);
	if (client_interrupted)
		goto out;
	if (st != 0 && st != 1) {
		_cleanup_free_ char *l1 = first_line(errs && errs[0] ? errs : out);
		fprintf(stderr, "nestcheck: nestcheck in %s exited with %ld: %s\n", name, st, l1);
		goto out;
	}
	if (report_read(out ? out : "", out ? strlen(out) : 0, &rep, &checks, &err_text) < 0) {
		fprintf(stderr, "nestcheck: the report of nestcheck in %s cannot be read: %s\n", name, err_text);
		goto out;
	}

	/*
	 * lxd.instance, and policy.gate with --policy, through the runner on this
	 * host: LXD's word on the instance is recorded as observations (so that
	 * --record keeps them for a replay), appended to the instance's results.
	 */
	if ((err = host_new(NULL, &hh)) < 0) {
		fprintf(stderr, "nestcheck: cannot read this host: %s\n", strerror(-err));
		goto out;
	}
	/* No host_disable_probes(): --no-probes is for the instance, and the host files lxd.instance reads belong in
	 * --record. */
	host_record(hh, LXD_OBS_PLATFORM, cmd);
	host_record(hh, LXD_OBS_NAME, name);
	host_record(hh, LXD_OBS_STATUS, rn.in.status);
	host_record(
		hh, LXD_OBS_CONFIG,
		json_object_to_json_string_ext(rn.in.config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	ctx_init(&hc, hh);
	hc.policy = ro.policy;
	host_selection(&ro.sel, &hs);
	report_drop_host_checks(&rep);
	runner_run_checks(&hc, &hs, &rep);
	report_lxd_first(&rep);
	name_instance(&rep, name);
	/* Which instance of which host: every machine-readable report carries it. */
	struct utsname u;
	free(rep.instance);
	free(rep.instance_platform);
	free(rep.instance_project);
	free(rep.instance_host);
	rep.instance = xstrdup(name);
	rep.instance_platform = xstrdup(cmd);
	rep.instance_project = xstrdup(rn.project ? rn.project : "default");
	rep.instance_host = text_sanitize(xstrdup(uname(&u) == 0 ? u.nodename : ""));
	report_finish(&rep);

	if (ro.record && (err = host_write_observations(hh, ro.record)) < 0)
		fprintf(stderr, "nestcheck: cannot write %s: %s\n", ro.record, strerror(-err));
	else {
		ret = report_emit(&rep, &ro.emit);
		emitted = true;
	}
out:
	ret = run_exit_status(&ro, ret, emitted);
	if (rn.dir_made)
		cleanup_dir(&rn, true);
	report_clear(&rep);
	report_checks_clear(&checks);
	payload_clear(&pl);
	selection_clear(&hs);
	if (hh) {
		ctx_clear(&hc);
		host_free(hh);
	}
	run_options_clear(&ro);
	json_object_put(rn.in.config);
	free(rn.in.name);
	free(rn.in.status);
	lxd_free(rn.l);
	if (client_interrupted) {
		signal(client_interrupted, SIG_DFL);
		raise(client_interrupted);
	}
	return ret;
}
