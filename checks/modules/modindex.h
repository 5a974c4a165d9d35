/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_MODINDEX_H
#define NESTCHECK_MODINDEX_H

#include "core/host.h"

/*
 * The host's module index (lib/modules/R/modules.*.bin), read with libkmod,
 * to tell whether modprobe could load a module. In replay the index files are
 * read through the host (which resolves every path inside the sysroot) and
 * copied into a private temporary directory that libkmod then opens, so that
 * libkmod, which follows paths as given, never sees a symlink of the sysroot.
 */
struct modindex;

/*
 * -ENOENT when lib/modules/R/modules.dep.bin is missing, -EBADMSG (in replay) when it is not a
 * well-formed index; -EINVAL for a release that is not one path component.
 */
int modindex_open(struct host *h, const char *release, struct modindex **ret);
void modindex_free(struct modindex *idx);
/* Remove the replay copy of the index files now: async-signal-safe, for a SIGINT/SIGTERM handler. */
void modindex_cleanup_on_signal(void);
/* Whether buf is an index file (modules.*.bin) every read of libkmod's stays inside. */
bool modindex_file_valid(const unsigned char *buf, size_t len);

enum modindex_hit {
	MODINDEX_NONE,	  /* neither a module file nor built in */
	MODINDEX_MODULE,  /* a module file modprobe would load */
	MODINDEX_BUILTIN, /* listed in modules.builtin.bin */
};
/*
 * Look a module up by its name (no aliases); libkmod is loaded at the first lookup: -ELIBACC
 * when it is not installed, another negative errno when it broke.
 */
int modindex_lookup(struct modindex *idx, const char *name, enum modindex_hit *ret);

#endif
