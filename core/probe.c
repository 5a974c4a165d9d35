/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

int probe_cgroup_unshare(void *userdata _unused_, char **ret)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Without root, a user namespace lends the capability unshare needs. */
		int flags = CLONE_NEWCGROUP | (geteuid() != 0 ? CLONE_NEWUSER : 0);
		_exit(unshare(flags) < 0 ? (errno & 0x7f) : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	*ret = xstrdup(WEXITSTATUS(status) == 0 ? "ok" : errno_name(WEXITSTATUS(status)));
	return 0;
}

/* The probe's scratch files, for the signal handler. */
static char dtype_dir[PATH_MAX], dtype_file[PATH_MAX + 8];

void probe_cleanup_on_signal(void)
{
	if (dtype_file[0])
		unlink(dtype_file);
	if (dtype_dir[0])
		rmdir(dtype_dir);
}

/* Verdict from the entries of an open directory: 1 d_type, 0 none, -ENODATA no entries. */
static int dtype_scan(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int seen = -ENODATA;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (only && !streq(de->d_name, only))
			continue;
		if (de->d_type != DT_UNKNOWN) {
			seen = 1;
			break;
		}
		seen = 0;
	}
	closedir(d);
	return seen;
}

int probe_dtype(void *userdata, char **ret)
{
	char dir[PATH_MAX];
	struct stat st;
	int r;

	if (snprintf(dir, sizeof(dir), "%s", (const char *)userdata) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	/* The data root may not exist yet: its nearest existing parent is on the same mount. */
	while (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return -ENOENT;
		if (slash == dir) {
			dir[1] = '\0';
			break;
		}
		*slash = '\0';
	}

	if (snprintf(dtype_dir, sizeof(dtype_dir), "%s/.nestcheck-dtype-XXXXXX", streq(dir, "/") ? "" : dir) >=
	    (int)sizeof(dtype_dir))
		return -ENAMETOOLONG;
	if (mkdtemp(dtype_dir)) {
		snprintf(dtype_file, sizeof(dtype_file), "%s/probe", dtype_dir);
		int fd = open(dtype_file, O_CREAT | O_WRONLY | O_CLOEXEC | O_EXCL, 0600);
		r = fd < 0 ? -errno : dtype_scan(dtype_dir, "probe");
		if (fd >= 0)
			close(fd);
		unlink(dtype_file);
		rmdir(dtype_dir);
		dtype_file[0] = dtype_dir[0] = '\0';
	} else {
		dtype_dir[0] = '\0';
		/* Not writable (no root, read-only): judge by what is already there. */
		r = dtype_scan(dir, NULL);
	}
	if (r < 0)
		return r;
	*ret = xstrdup(r ? "supported" : "unsupported");
	return 0;
}

int probe_apparmor_parser(void *userdata _unused_, char **ret)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = xasprintf("%s:/sbin:/usr/sbin", path ? path : "/usr/bin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = xasprintf("%s/apparmor_parser", d);
		if (access(p, X_OK) == 0) {
			*ret = TAKE_PTR(p);
			return 0;
		}
	}
	*ret = xstrdup("missing");
	return 0;
}

/*
 * GET /1.0/meta-data from LXD's guest API. local-hostname is the instance's
 * name; instance-id is a random UUID in LXD 5 (volatile.cloud-init.instance-id)
 * and only a fallback for old releases that had no local-hostname.
 */
static int lxd_instance_name(char **ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/dev/lxd/sock"};
	struct timeval tv = {.tv_sec = 2};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	static const char req[] = "GET /1.0/meta-data HTTP/1.0\r\nHost: lxd\r\n\r\n";
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1))
		return -EIO;

	char buf[4096];
	size_t len = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	if (!startswith(buf, "HTTP/1.") || !strstr(buf, " 200 "))
		return -EBADMSG;
	static const char *const keys[] = {"local-hostname:", "instance-id:"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char *k = strstr(buf, keys[i]);
		if (!k)
			continue;
		k += strlen(keys[i]);
		k += strspn(k, " \t");
		size_t n = strcspn(k, "\r\n \t");
		if (n == 0)
			continue;
		*ret = xstrndup(k, n);
		return 0;
	}
	return -EBADMSG;
}

int probe_instance_name(void *userdata _unused_, char **ret)
{
	if (access("/dev/lxd/sock", F_OK) == 0 && lxd_instance_name(ret) == 0)
		return 0;
	struct utsname u;
	if (uname(&u) < 0 || !u.nodename[0])
		return -ENODATA;
	*ret = xstrdup(u.nodename);
	return 0;
}
