/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small host-file and command-output parsers, one per value of the input's first byte:
 * id maps, os-release, environ, proc cgroup and status, dpkg's status, daemon.json, kernel and
 * package versions, sysctl values, proc/modules and modules.builtin, iptables' and the
 * runtime tools' outputs and recorded runs, zfs's version, a site policy, and the text
 * sanitizer every one of them ends in.
 */
#include "fuzz.h"

#include "checks/modules/parse.h"
#include "checks/namespace/parse.h"
#include "checks/network/parse.h"
#include "checks/policy/policy.h"
#include "checks/runtime/parse.h"
#include "checks/storage/parse.h"
#include "core/dpkg.h"
#include "core/parse.h"
#include "core/util.h"

static void idmap(const char *t)
{
	struct idmap m;
	if (idmap_parse(t, &m) == 0) {
		(void)idmap_is_identity(&m);
		(void)idmap_covers(&m, 0, 65536);
		(void)idmap_total(&m);
		free(idmap_format(&m));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *t = fuzz_text(data + 1, size - 1), *s = NULL, *s2 = NULL;
	bool b;
	unsigned long long u;
	uint32_t u32;
	uint64_t u64;
	unsigned maj, min;
	int n;
	switch (data[0] % 20) {
	case 0:
		idmap(t);
		break;
	case 1:
		if (os_release_get(t, "PRETTY_NAME", &s) == 0)
			FUZZ_ASSERT(s);
		break;
	case 2:
		(void)environ_get((const char *)data + 1, size - 1, "container", &s);
		break;
	case 3: {
		struct cgroup_lines l = {0};
		if (proc_cgroup_parse(t, &l) == 0)
			cgroup_lines_clear(&l);
		break;
	}
	case 4:
		(void)proc_status_uint(t, "NSpid", &u);
		(void)proc_status_euid(t, &u32);
		(void)proc_status_hex(t, "CapBnd", &u64);
		break;
	case 5: {
		struct dpkg_status st = {0};
		if (dpkg_status_parse(t, &st) == 0) {
			const struct dpkg_package *p = dpkg_status_installed(&st, "docker.io");
			if (p && p->version)
				free(dpkg_version_upstream(p->version));
			dpkg_status_clear(&st);
		}
		break;
	}
	case 6:
		(void)docker_daemon_bool(t, "userns-remap", &b);
		(void)docker_data_root(t, &s);
		break;
	case 7: {
		struct kversion v;
		(void)kversion_parse(t, &v);
		/* version_cmp: two halves of the input */
		char *mid = t + strlen(t) / 2;
		char keep = *mid;
		*mid = '\0';
		int a = version_cmp(t, mid + (keep ? 1 : 0));
		*mid = keep;
		(void)a;
		break;
	}
	case 8:
		(void)sysctl_bool_parse(t, &b);
		(void)parse_uint_text(t, &u);
		break;
	case 9: {
		struct strv l = {0};
		if (proc_modules_parse(t, &l) == 0)
			strv_clear(&l);
		if (modules_builtin_parse(t, &l) == 0)
			strv_clear(&l);
		break;
	}
	case 10: {
		enum iptables_backend be;
		(void)iptables_version_parse(t, &s, &be);
		break;
	}
	case 11: {
		struct iptables_run run = {0};
		if (iptables_run_parse(t, &run) == 0)
			iptables_run_clear(&run);
		break;
	}
	case 12: {
		struct iptables_rehearsal reh = {0};
		if (iptables_rehearsal_parse(t, &reh) == 0)
			iptables_rehearsal_clear(&reh);
		break;
	}
	case 13:
		(void)iptables_other_parse(t, &s, &n);
		break;
	case 14:
		(void)tool_version_parse(t, &s);
		break;
	case 15: {
		struct tool_run tr = {0};
		if (tool_run_parse(t, &tr) == 0)
			tool_run_clear(&tr);
		break;
	}
	case 16:
		(void)zfs_version_parse(t, &maj, &min);
		(void)kv_get(t, "version", &s);
		break;
	case 17: {
		struct policy *p = NULL;
		if (policy_parse(t, &p, &s2) == 0)
			policy_free(p);
		break;
	}
	case 18:
		text_sanitize(t);
		FUZZ_ASSERT(fuzz_printable(t, 0));
		break;
	case 19:
		text_sanitize_lines(t);
		FUZZ_ASSERT(fuzz_printable(t, 1));
		s = shell_quote(t);
		break;
	}
	free(s);
	free(s2);
	free(t);
	return 0;
}
