/* SPDX-License-Identifier: Apache-2.0 */
/* An LXD or Incus instance's expanded_config as recorded, and instance names (they reach pasted commands). */
#include "fuzz.h"

#include "checks/lxd/parse.h"

#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = fuzz_text(data, size);
	struct json_object *cfg = NULL;
	if (lxd_config_parse(t, &cfg) == 0)
		json_object_put(cfg);
	/* A valid name is one word of a command line: no space, quote, control or shell character. */
	if (lxd_instance_name_valid(t))
		FUZZ_ASSERT(strcspn(t, " \t\n'\"$`\\;&|<>()*?[]{}~#!") == strlen(t) && fuzz_printable(t, 0));
	free(t);
	return 0;
}
