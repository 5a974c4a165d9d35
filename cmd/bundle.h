/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_BUNDLE_H
#define NESTCHECK_BUNDLE_H

#include <stddef.h>

/* Caps on what a bundle may hold; anything past them is refused before it is written. */
#define BUNDLE_MAX_ENTRIES 20000
#define BUNDLE_MAX_FILE	   (16ll << 20)
#define BUNDLE_MAX_TOTAL   (256ll << 20)

/*
 * Extract the tar (gzip or not) FILE into a private temp dir, refusing
 * anything that could leave it: absolute paths, `..` components, symlinks
 * whose target is absolute or climbs out, hardlinks likewise, devices,
 * fifos and sockets, more than BUNDLE_MAX_ENTRIES entries, a member over
 * BUNDLE_MAX_FILE or a total over BUNDLE_MAX_TOTAL (by header size, before
 * writing). 0 with *ret_root the directory to replay (the bundle's root/,
 * or the extracted dir for a plain sysroot tarball), owned by this module;
 * a negative errno with a one-line reason in err. The temp dir is removed
 * at exit and on SIGHUP/SIGINT/SIGTERM (call bundle_cleanup_on_signal() from
 * a handler that replaces ours).
 */
int bundle_extract(const char *file, const char **ret_root, char *err, size_t errlen);
/* --root: when *root names a regular file, extract it and point *root at the result. <0 after one line on stderr. */
int bundle_root_arg(const char **root);
void bundle_cleanup(void);
void bundle_cleanup_on_signal(void);

#endif
