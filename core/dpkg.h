/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_DPKG_H
#define NESTCHECK_DPKG_H

/* dpkg's status file: which packages of the container stack are installed, and their versions. */

#include <stdbool.h>
#include <stddef.h>

struct host;

/* One stanza of var/lib/dpkg/status. */
struct dpkg_package {
	char *name;
	char *version; /* NULL when the stanza has no Version field */
	char *status;  /* the Status field as written, NULL when missing */
	bool installed;
};

struct dpkg_status {
	struct dpkg_package *v;
	size_t n, cap;
};

/*
 * var/lib/dpkg/status: every stanza that names a Package (LF or CRLF lines,
 * continuation lines skipped). 0 for an empty file; -EBADMSG when there is
 * text but not one stanza with a Package field (junk, not a status file).
 */
int dpkg_status_parse(const char *buf, struct dpkg_status *ret);
/* The same, read from path through h in runs of lines: host_read_chunks()'s errors too. */
int dpkg_status_read(struct host *h, const char *path, struct dpkg_status *ret);
void dpkg_status_clear(struct dpkg_status *s);
/* The installed package of that name (its first stanza when multi-arch), or NULL. */
const struct dpkg_package *dpkg_status_installed(const struct dpkg_status *s, const char *name);
/*
 * Whether a Status field says the package is unpacked and configured:
 * "install ok installed", or "hold ok installed" (a package pinned with
 * apt-mark hold is installed too).
 */
bool dpkg_status_is_installed(const char *status);
/* The upstream part of a Debian version: no epoch, no Debian revision ("1:5.0.2-1" -> "5.0.2"). */
char *dpkg_version_upstream(const char *version);

#endif
