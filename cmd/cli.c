/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"
#include "checks/modules/modindex.h"
#include "core/manifest.h"
#include "bundle.h"
#include "core/check.h"
#include "core/context.h"
#include "collect.h"
#include "diff.h"
#include "client/engine.h"
#include "explain.h"
#include "lxd.h"
#include "merge.h"
#include "options.h"
#include "checks/storage/probe.h"
#include "report/report.h"
#include "core/runner.h"
#include "version.h"

#include <getopt.h>
#include <signal.h>

enum {
	EXIT_OK = 0,
	EXIT_PROBLEMS = 1,
	EXIT_CANNOT_RUN = 2,
};

static void usage(FILE *out)
{
	fputs("Usage: nestcheck [OPTIONS]\n"
	      "       nestcheck lxd NAME [OPTIONS]   check LXD instance NAME from its host\n"
	      "       nestcheck incus NAME [OPTIONS] the same for an Incus instance\n"
	      "       nestcheck collect -o FILE.tar.gz [--no-redact]   write a triage bundle\n"
	      "       nestcheck explain [TEXT...]    name the known failure an error text betrays\n"
	      "       nestcheck diff OLD.json NEW.json   list the checks that got worse\n"
	      "       nestcheck merge REPORT.json|DIR...  the fleet's roll-up of many reports\n"
	      "Check whether Docker can run on this host or in the container nestcheck runs in.\n"
	      "\n"
	      "  --json                 print the JSON report instead of the human one\n"
	      "  --root DIR|FILE.tar.gz replay a captured sysroot, or a bundle from nestcheck collect\n"
	      "  --kernel-config FILE   judge this kernel build config (text or gzip) instead of the\n"
	      "                         running kernel's: for a kernel before it is booted\n"
	      "  --no-launch            do not start containers (static checks only)\n"
	      "  --keep-image           leave nestcheck's probe image in the engine for the next run\n"
	      "  --timeout SECONDS      bound on each request to the Docker engine (default: 5 to ask\n"
	      "                         it, 30 for each step of a launch)\n"
	      "  --no-probes            no live probes either (no child processes, test mounts or\n"
	      "                         commands): only what host files say\n"
	      "  --only ID[,ID...]      run only these checks (ids or areas such as cgroup)\n"
	      "  --skip ID[,ID...]      do not run these checks\n"
	      "  --strict               warnings make the exit status 1 too\n"
	      "  --ignore ID[,ID...]    run and report these checks, but their failures count as warnings\n"
	      "  --junit FILE           also write the report as JUnit XML to FILE (for CI)\n"
	      "  --report FORMAT[:PATH] also write FORMAT (human, json, junit, tap, nagios, prometheus)\n"
	      "                         into PATH, or on stdout; repeatable\n"
	      "  --policy FILE          judge the run against a site policy (JSON: min_kernel,\n"
	      "                         min_docker, min_lxc, min_lxcfs, min_lxd, must_pass)\n"
	      "  --list                 list every check and exit\n"
	      "  --record FILE          also write the live probes' observations to FILE (for captures)\n"
	      "  --version              print the version and exit\n"
	      "  --help                 print this help and exit\n"
	      "\n"
	      "Exit status: 0 no check failed, 1 a check failed or broke (or warned, with --strict),\n"
	      "2 nestcheck could not run.\n",
	      out);
}

static void on_signal(int sig)
{
	/* During a launch the first signal only interrupts: the launch removes what it made, then dies of it. */
	if (client_armed && !client_interrupted) {
		client_interrupted = sig;
		return;
	}
	bundle_cleanup_on_signal();
	probe_storage_cleanup_on_signal();
	modindex_cleanup_on_signal();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * --print-manifest [RELEASE]: the evidence manifest, one "KIND PATH" line per
 * path, for scripts/capture-sysroot.sh. Not in --help: it serves the scripts.
 */
static int print_manifest(int argc, char **argv)
{
	_cleanup_free_ char *release = NULL;
	if (argc > 2) {
		fprintf(stderr, "nestcheck: --print-manifest takes at most one kernel release\n");
		return EXIT_CANNOT_RUN;
	}
	if (argc == 2) {
		if (!manifest_release_valid(argv[1])) {
			fprintf(stderr, "nestcheck: --print-manifest: '%s' is not a kernel release\n", argv[1]);
			return EXIT_CANNOT_RUN;
		}
		release = xstrdup(argv[1]);
	} else {
		struct host *h;
		if (host_new(NULL, &h) == 0) {
			host_kernel_release(h, &release);
			host_free(h);
		}
	}
	manifest_print(release, stdout);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "nestcheck: cannot write the manifest: %s\n", strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	return EXIT_OK;
}

int cli_main(int argc, char **argv)
{
	enum {
		OPT_ROOT = OPT_RUN_END,
		OPT_KERNEL_CONFIG,
		OPT_LIST,
		OPT_VERSION,
	};
	static const struct option options[] = {
		RUN_OPTIONS,
		{"root", required_argument, NULL, OPT_ROOT},
		{"kernel-config", required_argument, NULL, OPT_KERNEL_CONFIG},
		{"list", no_argument, NULL, OPT_LIST},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct run_options ro = {0};
	const char *root = NULL, *kernel_config = NULL;
	_cleanup_free_ char *kc_text = NULL;
	size_t kc_len = 0;
	int opt, ret = EXIT_CANNOT_RUN;
	bool emitted = false;

	if (argc > 1 && (streq(argv[1], "lxd") || streq(argv[1], "incus")))
		return lxd_main(argc, argv);
	if (argc > 1 && streq(argv[1], "collect"))
		return collect_main(argc, argv);
	if (argc > 1 && streq(argv[1], "explain"))
		return explain_main(argc - 1, argv + 1);
	if (argc > 1 && streq(argv[1], "diff"))
		return diff_main(argc - 1, argv + 1);
	if (argc > 1 && streq(argv[1], "merge"))
		return merge_main(argc - 1, argv + 1);
	if (argc > 1 && streq(argv[1], "--print-manifest"))
		return print_manifest(argc - 1, argv + 1);

	opterr = 0;
	optind = 1;
	/* The leading ':' makes getopt tell a missing argument (':') from an unknown option ('?'). */
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		int taken = run_option(&ro, opt, optarg);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		switch (opt) {
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_KERNEL_CONFIG: {
			kernel_config = optarg;
			free(TAKE_PTR(kc_text));
			int r = read_user_file(optarg, HOST_MAX_FILE, &kc_text, &kc_len);
			if (r < 0) {
				fprintf(stderr, "nestcheck: cannot read --kernel-config %s: %s\n", optarg,
					r == -EINVAL  ? "not a regular file"
					: r == -EFBIG ? "larger than 4 MiB"
						      : strerror(-r));
				goto out;
			}
			break;
		}
		case OPT_LIST:
			checks_list(stdout);
			ret = EXIT_OK;
			goto out;
		case OPT_VERSION:
			printf("nestcheck %s\n", NESTCHECK_VERSION);
			ret = EXIT_OK;
			goto out;
		case 'h':
			usage(stdout);
			ret = EXIT_OK;
			goto out;
		default:
			run_option_complain("nestcheck", opt, argv, options);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nestcheck: unexpected argument '%s' (see --help)\n", argv[optind]);
		goto out;
	}
	if (root && ro.record) {
		fprintf(stderr, "nestcheck: --record observes the live system; it cannot go with --root\n");
		goto out;
	}

	if (bundle_root_arg(&root) < 0)
		goto out;
	struct host *h;
	int err = host_new(root, &h);
	if (err < 0) {
		fprintf(stderr, "nestcheck: cannot read --root %s: %s\n", root, strerror(-err));
		goto out;
	}

	if (ro.no_probes)
		host_disable_probes(h);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct ctx c;
	struct report rep = {0};
	ctx_init(&c, h);
	c.no_launch = ro.no_launch;
	c.keep_image = ro.keep_image;
	c.engine_timeout_ms = ro.timeout_ms;
	c.policy = ro.policy;
	if (kernel_config) {
		_cleanup_free_ char *source = xasprintf("%s (--kernel-config)", kernel_config);
		if (ctx_use_kconfig(&c, kc_text, kc_len, source) < 0) {
			fprintf(stderr, "nestcheck: --kernel-config %s is not a kernel config (nor a gzipped one)\n",
				kernel_config);
			ctx_clear(&c);
			host_free(h);
			goto out;
		}
	}
	for (size_t i = 0; i < check_table_size; i++) {
		if (streq(check_table[i].id, "launch.nested"))
			c.launch_nested = selection_wants(&ro.sel, &check_table[i]);
		if (streq(check_table[i].id, "launch.network"))
			c.launch_network = selection_wants(&ro.sel, &check_table[i]);
	}
	ctx_prefetch(&c);
	runner_run(&c, &ro.sel, &rep);

	if (ro.record && (err = host_write_observations(h, ro.record)) < 0)
		fprintf(stderr, "nestcheck: cannot write %s: %s\n", ro.record, strerror(-err));
	else {
		ret = report_emit(&rep, &ro.emit);
		emitted = true;
	}
	report_clear(&rep);
	ctx_clear(&c);
	host_free(h);
out:
	ret = run_exit_status(&ro, ret, emitted);
	run_options_clear(&ro);
	return ret;
}
