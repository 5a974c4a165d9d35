/* SPDX-License-Identifier: Apache-2.0 */
/* A kernel build config, plain or gzipped (/proc/config.gz, /boot/config-R, --kernel-config). */
#include "fuzz.h"

#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		if (gunzip_buffer(data, size, 4u << 20, &text, &len) < 0)
			return 0;
		FUZZ_ASSERT(len <= (4u << 20));
	} else {
		text = fuzz_text(data, size);
	}
	struct kconfig *kc = NULL;
	if (kconfig_parse(text, &kc) == 0) {
		(void)kconfig_get(kc, "OVERLAY_FS");
		(void)kconfig_get(kc, "CONFIG_NAMESPACES");
		(void)kconfig_count(kc);
		kconfig_free(kc);
	}
	free(text);
	return 0;
}
