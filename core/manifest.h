/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_MANIFEST_H
#define NESTCHECK_MANIFEST_H

/*
 * CONTRACT.md's evidence manifest, the one copy in code: the host files a
 * captured sysroot may hold. `nestcheck collect` and scripts/capture-sysroot.sh
 * (through `nestcheck --print-manifest`) take their lists from it.
 */

#include <stdbool.h>
#include <stdio.h>

/* How a capture takes an entry. */
enum manifest_kind {
	MANIFEST_FILE,	  /* the file as it is */
	MANIFEST_SELF,	  /* proc/self/...: the capturing process's own (its namespaces, mounts, label) */
	MANIFEST_LINK,	  /* proc/self/ns/...: the symlink's text, in a plain file */
	MANIFEST_ENVIRON, /* proc/1/environ: only its container= entry */
	MANIFEST_SOCKET,  /* an empty file stands for the socket */
	MANIFEST_MARK,	  /* an empty file when it exists */
	MANIFEST_DPKG,	  /* var/lib/dpkg/status: the stanzas of manifest_packages only */
	_MANIFEST_KIND_MAX,
};
const char *manifest_kind_to_string(enum manifest_kind k);

/* The packages whose dpkg stanzas a capture keeps (NULL-terminated). */
extern const char *const manifest_packages[];

/* Longest kernel release: the kernel's own limit (__NEW_UTS_LEN). */
#define MANIFEST_RELEASE_MAX 64

/* Can release stand for R: one path component of printable non-space characters? */
bool manifest_release_valid(const char *release);

/*
 * Every concrete path, in order: brace groups expanded, R replaced by
 * release (entries under R are left out when release is NULL or not valid).
 */
typedef void (*manifest_fn)(const char *path, enum manifest_kind kind, void *userdata);
void manifest_each(const char *release, manifest_fn fn, void *userdata);

/* One "KIND PATH" line per path (the dpkg line also lists the packages), for the capture script. */
void manifest_print(const char *release, FILE *out);

#endif
