/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_IMAGE_H
#define NESTCHECK_PROBE_IMAGE_H
#include <stddef.h>
/* The image's repository and tag: version-specific, e.g. "nestcheck-probe" and "0.1.0-<8 hex of the probe's hash>". */
#define PROBE_IMAGE_REPO "nestcheck-probe"
const char *probe_image_tag(void);	       /* static storage */
#define PROBE_IMAGE_LABEL "io.nestcheck.probe" /* label key set on the image and on every container */
#define PROBE_IMAGE_CMD	  "/nestcheck-probe"   /* the command to run in the container */
/* A docker-import tarball (uncompressed tar) of the image's root filesystem: /nestcheck-probe (0755 root),
   /nobody owned by 65534:65534 (so a small uid map fails as real images do), /proc /sys /dev /tmp /etc
   directories, /etc/passwd and /etc/group with root and nobody. Newly allocated; -errno on failure. */
int probe_image_tar(void **ret, size_t *ret_len);
/* Parse the probe's JSON output (json-c): fills a small struct the launch checks use. */
struct probe_report {
	char *uid_map, *gid_map, *cgroup_layout, *apparmor, *cap_eff;
	int seccomp_mode;
	char *nested_first_failure; /* NULL when every nested step worked */
	char *nested_errno;	    /* errno name of the first failing step, or NULL */
	char *nested_steps;	    /* "userns=ok mntns=ok pidns=EPERM ..." one line */
};
int probe_report_parse(const char *json, struct probe_report *ret); /* -EBADMSG on junk */
void probe_report_clear(struct probe_report *r);
#endif
