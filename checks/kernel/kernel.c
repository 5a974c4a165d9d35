/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"

int check_kernel_version(struct ctx *c, struct result *r)
{
	const char *release;
	const struct kversion *kv;
	int err = ctx_release(c, &release, &kv);

	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP, "proc/sys/kernel/osrelease is missing: the kernel release is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/sys/kernel/osrelease is %s", host_err_text(err));

	result_evidence_string(r, "release", "%s", release);
	result_evidence_int(r, "major", kv->major);
	result_evidence_int(r, "minor", kv->minor);
	if (kversion_cmp(kv, 3, 10) < 0) {
		result_set(r, STATUS_FAIL, "kernel %s is older than 3.10, the oldest Docker runs on", release);
		if (streq(ctx_runtime(c), "openvz"))
			result_remedy(r, WHERE_HOST,
				      "This OpenVZ container shares its host's old kernel; nothing inside can change "
				      "it. Run Docker in a KVM virtual machine or on a host with a current kernel.",
				      NULL);
		else
			result_remedy(
				r, WHERE_HOST,
				"Boot a kernel of 3.10 or newer (a current distribution kernel), then check again.",
				"uname -r", NULL);
		return 0;
	}
	result_set(r, STATUS_PASS, "kernel %s (3.10 or newer)", release);
	return 0;
}

/* What Docker needs of the kernel's build configuration (CONTRACT.md). */
static const char *const required_options[] = {
	"NAMESPACES",
	"NET_NS",
	"PID_NS",
	"IPC_NS",
	"UTS_NS",
	"CGROUPS",
	"CGROUP_CPUACCT",
	"CGROUP_DEVICE",
	"CGROUP_FREEZER",
	"CGROUP_SCHED",
	"CPUSETS",
	"MEMCG",
	"KEYS",
	"VETH",
	"BRIDGE",
	"BRIDGE_NETFILTER",
	"IP_NF_FILTER",
	"IP_NF_TARGET_MASQUERADE",
	"NETFILTER_XT_MATCH_ADDRTYPE",
	"NETFILTER_XT_MATCH_CONNTRACK",
	"NF_NAT",
	"POSIX_MQUEUE",
	"OVERLAY_FS",
	"USER_NS",
	"SECCOMP",
};

int check_kernel_config(struct ctx *c, struct result *r)
{
	const struct kconfig *kc;
	const char *source = NULL;
	int err = ctx_kconfig(c, &kc, &source);

	if (err == -ENOENT) {
		result_set(r, STATUS_SKIP,
			   "no kernel build config found (proc/config.gz, boot/config-R, lib/modules/R/config, "
			   "lib/modules/R/build/.config)");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "%s is %s", source ? source : "the kernel config",
				    err == -EBADMSG ? "corrupt, truncated or not a kernel config" : host_err_text(err));

	struct strv missing = {0};
	for (size_t i = 0; i < ARRAY_SIZE(required_options); i++)
		if (!strchr("ym", kconfig_get(kc, required_options[i]) ?: 'n'))
			strv_push(&missing, xasprintf("CONFIG_%s", required_options[i]));

	result_evidence_string(r, "source", "%s", source);
	result_evidence_int(r, "required", (long long)ARRAY_SIZE(required_options));
	_cleanup_free_ char *list = strv_join(&missing, " ");
	result_evidence_string(r, "missing", "%s", list);

	if (missing.n == 0) {
		result_set(r, STATUS_PASS, "all %zu options Docker needs are built in or modules (%s)",
			   ARRAY_SIZE(required_options), source);
	} else {
		if (missing.n == 1)
			result_set(r, STATUS_FAIL, "an option Docker needs is not enabled: %s", list);
		else
			result_set(r, STATUS_FAIL, "%zu options Docker needs are not enabled: %s", missing.n, list);
		struct remedy *m = result_remedy(
			r, WHERE_HOST,
			c->kconfig_given
				? "This kernel build lacks these options: set them to y or m and build it again "
				  "before it is booted (in the kernel source tree):"
				: "The running kernel lacks these options. Boot the distribution's stock kernel, "
				  "or rebuild this kernel with them set to y or m (in the kernel source tree):",
			NULL);
		struct strbuf sb = {0};
		strbuf_append(&sb, "./scripts/config");
		for (size_t i = 0; i < missing.n; i++)
			strbuf_appendf(&sb, " --enable %s", missing.v[i]);
		strv_push(&m->commands, strbuf_take(&sb));
		remedy_command(m, "make olddefconfig && make -j\"$(nproc)\" && make modules_install install");
	}
	strv_clear(&missing);
	return 0;
}
