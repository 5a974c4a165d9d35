/* SPDX-License-Identifier: Apache-2.0 */
/* nestcheck explain's matcher over pasted error texts: any text, any length, in linear time. */
#include "fuzz.h"

#include "remedy/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = fuzz_text(data, size);
	const struct failure *f = failure_match(t);
	if (f)
		FUZZ_ASSERT(failure_by_id(f->id) == f);
	free(t);
	return 0;
}
