/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"

/* Every check, in report order. Ids are public (CONTRACT.md): never rename one. */
const struct check check_table[] = {
	{"container.detect", "container", "Where nestcheck runs", 0, check_container_detect},
	{"container.nesting", "container", "Nesting enabled for this container", 0, check_container_nesting},
	{"kernel.version", "kernel", "Kernel release new enough for Docker", 0, check_kernel_version},
	{"kernel.config", "kernel", "Kernel build options Docker needs", 0, check_kernel_config},
	{"cgroup.layout", "cgroup", "Cgroup hierarchies mounted", 0, check_cgroup_layout},
	{"cgroup.namespace", "cgroup", "Cgroup namespaces", CHECK_LIVE, check_cgroup_namespace},
	{"userns.enabled", "userns", "User namespaces enabled", 0, check_userns_enabled},
	{"userns.idmap", "userns", "User id map wide enough for images", 0, check_userns_idmap},
	{"apparmor.status", "apparmor", "AppArmor lets Docker load its profiles", CHECK_LIVE, check_apparmor_status},
	{"overlay.support", "overlay", "Kernel overlay filesystem", 0, check_overlay_support},
	{"storage.backing_fs", "storage", "Filesystem under Docker's data root", CHECK_LIVE, check_storage_backing_fs},
	/* [2/5] storage: */
	/* [2/5] modules: */
	/* [2/5] namespaces: */
	/* [2/5] seccomp: */
	/* [2/5] runtime: */
	/* [2/5] network: */
};

const size_t check_table_size = ARRAY_SIZE(check_table);
