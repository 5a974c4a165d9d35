/* SPDX-License-Identifier: Apache-2.0 */
#include "manifest.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

/* As CONTRACT.md writes it: one brace group at most per pattern, R for the kernel release. */
static const struct {
	const char *pattern;
	enum manifest_kind kind;
} manifest[] = {
	{"proc/version", MANIFEST_FILE},
	{"proc/sys/kernel/osrelease", MANIFEST_FILE},
	{"proc/cmdline", MANIFEST_FILE},
	{"proc/filesystems", MANIFEST_FILE},
	{"proc/config.gz", MANIFEST_FILE},
	{"proc/modules", MANIFEST_FILE},
	{"proc/self/{uid_map,gid_map,setgroups,mountinfo,cgroup,status,attr/current,attr/apparmor/current}",
	 MANIFEST_SELF},
	{"proc/self/ns/{cgroup,ipc,mnt,net,pid,time,user,uts}", MANIFEST_LINK},
	{"proc/1/{cgroup,comm}", MANIFEST_FILE},
	{"proc/1/environ", MANIFEST_ENVIRON},
	{"proc/sys/user/max_user_namespaces", MANIFEST_FILE},
	{"proc/sys/kernel/{unprivileged_userns_clone,apparmor_restrict_unprivileged_userns}", MANIFEST_FILE},
	{"proc/sys/net/ipv4/ip_forward", MANIFEST_FILE},
	{"sys/module/apparmor/parameters/enabled", MANIFEST_FILE},
	{"sys/kernel/security/{lsm,apparmor/profiles}", MANIFEST_FILE},
	{"sys/fs/cgroup/{cgroup.controllers,cgroup.subtree_control}", MANIFEST_FILE},
	{"etc/{os-release,subuid,subgid,docker/daemon.json}", MANIFEST_FILE},
	{"usr/lib/os-release", MANIFEST_FILE},
	{"boot/config-R", MANIFEST_FILE},
	{"run/systemd/container", MANIFEST_FILE},
	{".dockerenv", MANIFEST_MARK},
	{"dev/lxd/sock", MANIFEST_SOCKET},
	{"lib/modules/R/{modules.dep.bin,modules.alias.bin,modules.builtin.bin,modules.builtin,"
	 "modules.builtin.modinfo,modules.symbols.bin,modules.softdep,modules.devname,modules.order}",
	 MANIFEST_FILE},
	{"var/lib/dpkg/status", MANIFEST_DPKG},
};

const char *const manifest_packages[] = {
	"docker.io",  "docker-ce",    "docker-ce-cli", "containerd",  "containerd.io", "runc",		 "crun",
	"lxc",	      "liblxc1",      "liblxc-common", "lxcfs",	      "lxd",	       "lxd-client",	 "incus",
	"incus-base", "incus-client", "apparmor",      "libseccomp2", "iptables",      "fuse-overlayfs", "uidmap",
	NULL,
};

const char *manifest_kind_to_string(enum manifest_kind k)
{
	static const char *const names[_MANIFEST_KIND_MAX] = {
		[MANIFEST_FILE] = "file",	[MANIFEST_SELF] = "self",     [MANIFEST_LINK] = "link",
		[MANIFEST_ENVIRON] = "environ", [MANIFEST_SOCKET] = "socket", [MANIFEST_MARK] = "mark",
		[MANIFEST_DPKG] = "dpkg",
	};
	return k < _MANIFEST_KIND_MAX ? names[k] : "unknown";
}

bool manifest_release_valid(const char *release)
{
	if (!release || !release[0] || release[0] == '.' || strlen(release) > MANIFEST_RELEASE_MAX)
		return false;
	/* The printed manifest is "KIND PATH" lines, and a release is one path component. */
	for (const char *p = release; *p; p++)
		if (*p == '/' || !isgraph((unsigned char)*p))
			return false;
	return true;
}

/* R, as a path component of its own or after "config-", is the kernel release. */
static void emit(const char *path, enum manifest_kind kind, const char *release, manifest_fn fn, void *userdata)
{
	const char *r = strstr(path, "/R/") ? strstr(path, "/R/") + 1 : NULL;
	if (!r && strlen(path) > 2 && streq(path + strlen(path) - 2, "-R"))
		r = path + strlen(path) - 1;
	if (!r) {
		fn(path, kind, userdata);
		return;
	}
	if (!manifest_release_valid(release))
		return;
	_cleanup_free_ char *p = xasprintf("%.*s%s%s", (int)(r - path), path, release, r + 1);
	fn(p, kind, userdata);
}

/*
 * One pattern's paths: its brace group (if any) expanded, then R replaced, so
 * that nothing in the release is read as a pattern.
 */
static void expand(const char *pattern, enum manifest_kind kind, const char *release, manifest_fn fn, void *userdata)
{
	_cleanup_free_ char *p = xstrdup(pattern);
	char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
	if (!open || !close) {
		emit(p, kind, release, fn, userdata);
		return;
	}
	*open = *close = '\0';
	char *save = NULL;
	for (char *alt = strtok_r(open + 1, ",", &save); alt; alt = strtok_r(NULL, ",", &save)) {
		_cleanup_free_ char *path = xasprintf("%s%s%s", p, alt, close + 1);
		emit(path, kind, release, fn, userdata);
	}
}

void manifest_each(const char *release, manifest_fn fn, void *userdata)
{
	for (size_t i = 0; i < ARRAY_SIZE(manifest); i++)
		expand(manifest[i].pattern, manifest[i].kind, release, fn, userdata);
}

static void print_one(const char *path, enum manifest_kind kind, void *userdata)
{
	FILE *out = userdata;
	fprintf(out, "%s %s", manifest_kind_to_string(kind), path);
	if (kind == MANIFEST_DPKG)
		for (const char *const *p = manifest_packages; *p; p++)
			fprintf(out, " %s", *p);
	fputc('\n', out);
}

void manifest_print(const char *release, FILE *out)
{
	manifest_each(release, print_one, out);
}
