/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/self/mountinfo: the table, the mount covering a path, the cgroup mounts, LXCFS. */
#include "fuzz.h"

#include "core/parse.h"

#include <libmount.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct libmnt_table *tb = NULL;
	if (mounts_parse(text, &tb) == 0) {
		static const char *const paths[] = {"/", "/var/lib/docker", "/sys/fs/cgroup", "/proc/sys/net",
						    "/a/b/c/d/e/f/g/h"};
		for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
			const char *fstype = NULL, *target = NULL;
			if (mounts_covering(tb, paths[i], &fstype, &target) == 0)
				FUZZ_ASSERT(fstype && target);
		}
		struct cgroup_mounts cg = {0};
		if (cgroup_mounts_scan(tb, &cg) == 0)
			cgroup_mounts_clear(&cg);
		(void)mounts_has(tb, "/sys/fs/cgroup", "cgroup2");
		(void)mounts_has_target(tb, "/sys/fs/cgroup");
		(void)mounts_lxcfs_over_proc(tb);
		mnt_unref_table(tb);
	}
	free(text);
	return 0;
}
