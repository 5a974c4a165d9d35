/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A module index (lib/modules/R/modules.dep.bin) from a bundle: the structure walk, and for
 * every file it accepts, libkmod's own lookups of it in a replay. A file the walk accepts and
 * libkmod then reads out of bounds is a finding (ASan), as is one that crashes it.
 */
#include "fuzz.h"

#include "checks/modules/modindex.h"
#include "core/host.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#define RELEASE "6.1.0-fuzz"

static char root[4096], path[4200];

static void remove_root(void)
{
	char p[4200];
	unlink(path);
	snprintf(p, sizeof(p), "%s/lib/modules/" RELEASE, root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/lib/modules", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/lib", root);
	rmdir(p);
	rmdir(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	if (!made) {
		fuzz_tmpdir(root, sizeof(root), "kmod");
		atexit(remove_root);
		snprintf(path, sizeof(path), "%s/lib", root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/lib/modules", root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/lib/modules/" RELEASE, root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/lib/modules/" RELEASE "/modules.dep.bin", root);
		made = true;
	}
	if (!modindex_file_valid(data, size))
		return 0;

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	struct host *h = NULL;
	if (host_new(root, &h) < 0)
		abort();
	struct modindex *idx = NULL;
	if (modindex_open(h, RELEASE, &idx) == 0) {
		static const char *const names[] = {"veth", "overlay", "br_netfilter", "nf_nat", "a", ""};
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
			enum modindex_hit hit;
			(void)modindex_lookup(idx, names[i], &hit);
		}
		modindex_free(idx);
	}
	host_free(h);
	return 0;
}
