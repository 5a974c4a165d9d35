/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CHECKS_H
#define NESTCHECK_CHECKS_H

#include "core/check.h"
#include "core/context.h"
#include "remedy/fixes.h"

/* The checks, one file per area in checks/. */
int check_container_detect(struct ctx *c, struct result *r);
int check_container_nesting(struct ctx *c, struct result *r);
int check_kernel_version(struct ctx *c, struct result *r);
int check_kernel_config(struct ctx *c, struct result *r);
int check_kernel_keyring(struct ctx *c, struct result *r);
int check_modules_required(struct ctx *c, struct result *r);
int check_cgroup_layout(struct ctx *c, struct result *r);
int check_cgroup_namespace(struct ctx *c, struct result *r);
int check_cgroup_delegation(struct ctx *c, struct result *r);
int check_namespace_unshare(struct ctx *c, struct result *r);
int check_namespace_proc_mount(struct ctx *c, struct result *r);
int check_namespace_sysfs_mount(struct ctx *c, struct result *r);
int check_userns_enabled(struct ctx *c, struct result *r);
int check_userns_idmap(struct ctx *c, struct result *r);
int check_device_mknod(struct ctx *c, struct result *r);
int check_process_oom_score_adj(struct ctx *c, struct result *r);
int check_apparmor_status(struct ctx *c, struct result *r);
int check_apparmor_parser(struct ctx *c, struct result *r);
int check_seccomp_status(struct ctx *c, struct result *r);
int check_overlay_support(struct ctx *c, struct result *r);
int check_overlay_mount(struct ctx *c, struct result *r);
int check_storage_backing_fs(struct ctx *c, struct result *r);
int check_storage_block(struct ctx *c, struct result *r);
int check_storage_zfs(struct ctx *c, struct result *r);
int check_storage_xattr(struct ctx *c, struct result *r);
int check_network_ip_forward(struct ctx *c, struct result *r);
int check_network_loopback(struct ctx *c, struct result *r);
int check_network_iptables(struct ctx *c, struct result *r);
void check_network_iptables_ahead(struct ctx *c);
void check_iptables_version_ahead(struct ctx *c);
int check_network_bridge_nf(struct ctx *c, struct result *r);
int check_runtime_lxc(struct ctx *c, struct result *r);
int check_runtime_lxcfs(struct ctx *c, struct result *r);
int check_runtime_lxd(struct ctx *c, struct result *r);
int check_runtime_incus(struct ctx *c, struct result *r);
int check_runtime_docker(struct ctx *c, struct result *r);
int check_runtime_engine(struct ctx *c, struct result *r);
int check_launch_container(struct ctx *c, struct result *r);
int check_launch_nested(struct ctx *c, struct result *r);
int check_launch_network(struct ctx *c, struct result *r);
int check_lxd_instance(struct ctx *c, struct result *r);
int check_policy_gate(struct ctx *c, struct result *r);

#endif
