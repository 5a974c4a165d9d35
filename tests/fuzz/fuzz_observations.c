/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A capture's recorded observations (.nestcheck/observations): loaded into the host object,
 * looked up, and written back; what is written reads back to the same values.
 */
#include "fuzz.h"

#include "core/host.h"

#include <stdbool.h>
#include <unistd.h>

static char dir[4096];

static void remove_root(void)
{
	rmdir(dir);
}

static struct host *empty_root(void)
{
	static bool made;
	if (!made) {
		fuzz_tmpdir(dir, sizeof(dir), "root");
		atexit(remove_root);
		made = true;
	}
	struct host *h = NULL;
	if (host_new(dir, &h) < 0)
		abort();
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct host *h = empty_root();
	host_load_observations(h, text);
	const char *v;
	(void)host_recorded(h, "lxd.instance.config", &v);
	(void)host_recorded(h, "network.iptables.version", &v);

	/* Written and read back: the same observations. */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	FUZZ_ASSERT(f && host_format_observations(h, f) == 0);
	fclose(f);
	struct host *h2 = empty_root();
	host_load_observations(h2, out);
	char *out2 = NULL;
	size_t len2 = 0;
	f = open_memstream(&out2, &len2);
	FUZZ_ASSERT(f && host_format_observations(h2, f) == 0);
	fclose(f);
	FUZZ_ASSERT(len == len2 && memcmp(out, out2, len) == 0);
	free(out);
	free(out2);
	host_free(h2);
	host_free(h);
	free(text);
	return 0;
}
