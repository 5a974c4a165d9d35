/* SPDX-License-Identifier: Apache-2.0 */
#include "probe.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
