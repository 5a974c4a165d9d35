/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The known failures of failure-modes.md, each with the texts that betray it
 * (docker run, dockerd's log, runc, containerd, LXD/LXC) and its fix.
 *
 * Patterns are matched case-insensitively anywhere in one line of the text;
 * '*' stands for any run of characters within that line (so that a glob never
 * joins two unrelated lines of a daemon log). Backslashes are dropped from the
 * text first: dockerd's log quotes runc's message, turning "proc" into \"proc\".
 * The pattern with the most literal characters wins; on a tie the one with
 * fewer '*', then the one listed first.
 */
#include "catalog.h"
#include "entries.h"

#include <ctype.h>

/* ---------------------------------------------------------------- matching */

static inline char ascii_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* The first case-insensitive occurrence of needle[0..n) in hay[0..len), or NULL. */
static const char *find_ci(const char *hay, size_t len, const char *needle, size_t n)
{
	if (n == 0)
		return hay;
	char first = ascii_lower(needle[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (ascii_lower(hay[i]) != first)
			continue;
		size_t k = 1;
		while (k < n && ascii_lower(hay[i + k]) == ascii_lower(needle[k]))
			k++;
		if (k == n)
			return hay + i;
	}
	return NULL;
}

/* Whether pat occurs in line[0..len). Taking each literal run at its leftmost place is never wrong with only '*'. */
static bool glob_in_line(const char *line, size_t len, const char *pat)
{
	const char *p = line, *end = line + len;

	while (*pat == '*')
		pat++;
	while (*pat) {
		size_t n = strcspn(pat, "*");
		const char *hit = find_ci(p, (size_t)(end - p), pat, n);
		if (!hit)
			return false;
		p = hit + n;
		pat += n;
		while (*pat == '*')
			pat++;
	}
	return true;
}

static bool glob_in_text(const char *text, const char *pat)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		if (glob_in_line(line, len, pat))
			return true;
		line += len;
		if (*line)
			line++;
	}
	return false;
}

static size_t pattern_literals(const char *pat, size_t *ret_stars)
{
	size_t lit = 0, stars = 0;
	for (; *pat; pat++) {
		if (*pat == '*')
			stars++;
		else
			lit++;
	}
	*ret_stars = stars;
	return lit;
}

const struct failure *failure_match(const char *text)
{
	if (!text || !*text)
		return NULL;

	_cleanup_free_ char *norm = xmalloc(strlen(text) + 1);
	char *o = norm;
	for (const char *s = text; *s; s++)
		if (*s != '\\')
			*o++ = *s;
	*o = '\0';

	const struct failure *best = NULL;
	size_t best_lit = 0, best_stars = 0;
	for (const struct failure *const *f = failure_table; *f; f++) {
		for (const char *const *p = (*f)->patterns; *p; p++) {
			size_t stars, lit = pattern_literals(*p, &stars);
			if (lit == 0 || (best && (lit < best_lit || (lit == best_lit && stars >= best_stars))))
				continue;
			if (!glob_in_text(norm, *p))
				continue;
			best = *f;
			best_lit = lit;
			best_stars = stars;
		}
	}
	return best;
}

/* ---------------------------------------------------------------- the table */

const struct failure *const failure_table[] = {
	&failure_kernel_too_old,
	&failure_kernel_config,
	&failure_cgroupv2_kernel,
	&failure_memcg_disabled,
	&failure_keyring_quota,
	&failure_cgroupv2_docker,
	&failure_name_systemd,
	&failure_devices_cgroup,
	&failure_cgroupv2_internal,
	&failure_controllers_delegated,
	&failure_bpf_userns,
	&failure_legacy_guest,
	&failure_cgroup_not_mounted,
	&failure_overlay_upper,
	&failure_overlay_zfs,
	&failure_no_dtype,
	&failure_overlay_userns,
	&failure_overlay_module,
	&failure_user_overlay_xattr,
	&failure_trusted_xattr,
	&failure_uidmap_small,
	&failure_nested_subuid,
	&failure_host_netns,
	&failure_oom_score,
	&failure_apparmor_namespace,
	&failure_apparmor_stacking,
	&failure_apparmor_double,
	&failure_runc_procfs,
	&failure_noble_runc,
	&failure_apparmor_parser,
	&failure_apparmor_not_loaded,
	&failure_apparmor_legacy_attr,
	&failure_nesting_proc,
	&failure_privileged_devlxc,
	&failure_keyctl_blocked,
	&failure_mknod_denied,
	&failure_lxcfs_dead,
	&failure_rlimit,
	&failure_caps_bounding,
	&failure_proc_sys_readonly,
	&failure_snap_dockerd,
	&failure_netfilter_modules,
	&failure_nf_tables_modules,
	&failure_br_netfilter,
	&failure_raw_table,
	&failure_ip6tables,
	&failure_netns_owned,
	&failure_conntrack,
	&failure_loopback_down,
	&failure_xtables_missing,
	&failure_veth,
	&failure_bridge_missing,
	&failure_ip_forward_ro,
	&failure_address_pools,
	&failure_kmsg,
	&failure_fuse,
	&failure_kubelet_sysctl,
	&failure_devices_narrow,
	NULL,
};

const struct failure *failure_by_id(const char *id)
{
	for (const struct failure *const *f = failure_table; *f; f++)
		if (streq((*f)->id, id))
			return *f;
	return NULL;
}
