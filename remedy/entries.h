/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_REMEDY_ENTRIES_H
#define NESTCHECK_REMEDY_ENTRIES_H

/* The catalog's entries, one file per area (failures_*.c), and what their fixes share. */

#include "catalog.h"
#include "fixes.h"

#include <libmount.h>

static inline bool in_lxc(struct ctx *c)
{
	return streq(ctx_runtime(c), "lxc");
}

static inline bool in_app_container(struct ctx *c)
{
	const char *rt = ctx_runtime(c);
	return streq(rt, "docker") || streq(rt, "podman");
}

/* The cgroup layout from the mount table, or -1 when it is not known. */
static inline int cgroup_layout(struct ctx *c)
{
	struct libmnt_table *tb;
	struct cgroup_mounts cm;
	if (ctx_mounts(c, &tb) < 0 || cgroup_mounts_scan(tb, &cm) < 0)
		return -1;
	int layout = (int)cm.layout;
	cgroup_mounts_clear(&cm);
	return layout;
}

extern const struct failure failure_kernel_too_old;
extern const struct failure failure_kernel_config;
extern const struct failure failure_cgroupv2_kernel;
extern const struct failure failure_memcg_disabled;
extern const struct failure failure_keyring_quota;
extern const struct failure failure_cgroupv2_docker;
extern const struct failure failure_name_systemd;
extern const struct failure failure_devices_cgroup;
extern const struct failure failure_cgroupv2_internal;
extern const struct failure failure_controllers_delegated;
extern const struct failure failure_bpf_userns;
extern const struct failure failure_legacy_guest;
extern const struct failure failure_cgroup_not_mounted;
extern const struct failure failure_overlay_zfs;
extern const struct failure failure_overlay_upper;
extern const struct failure failure_no_dtype;
extern const struct failure failure_overlay_userns;
extern const struct failure failure_overlay_module;
extern const struct failure failure_user_overlay_xattr;
extern const struct failure failure_trusted_xattr;
extern const struct failure failure_uidmap_small;
extern const struct failure failure_nested_subuid;
extern const struct failure failure_host_netns;
extern const struct failure failure_oom_score;
extern const struct failure failure_apparmor_namespace;
extern const struct failure failure_apparmor_stacking;
extern const struct failure failure_apparmor_double;
extern const struct failure failure_runc_procfs;
extern const struct failure failure_noble_runc;
extern const struct failure failure_apparmor_parser;
extern const struct failure failure_nesting_proc;
extern const struct failure failure_privileged_devlxc;
extern const struct failure failure_keyctl_blocked;
extern const struct failure failure_mknod_denied;
extern const struct failure failure_lxcfs_dead;
extern const struct failure failure_rlimit;
extern const struct failure failure_caps_bounding;
extern const struct failure failure_nf_tables_modules;
extern const struct failure failure_proc_sys_readonly;
extern const struct failure failure_snap_dockerd;
extern const struct failure failure_apparmor_not_loaded;
extern const struct failure failure_apparmor_legacy_attr;
extern const struct failure failure_netfilter_modules;
extern const struct failure failure_br_netfilter;
extern const struct failure failure_raw_table;
extern const struct failure failure_ip6tables;
extern const struct failure failure_netns_owned;
extern const struct failure failure_conntrack;
extern const struct failure failure_loopback_down;
extern const struct failure failure_xtables_missing;
extern const struct failure failure_veth;
extern const struct failure failure_bridge_missing;
extern const struct failure failure_ip_forward_ro;
extern const struct failure failure_address_pools;
extern const struct failure failure_kmsg;
extern const struct failure failure_fuse;
extern const struct failure failure_kubelet_sysctl;
extern const struct failure failure_devices_narrow;

#endif
