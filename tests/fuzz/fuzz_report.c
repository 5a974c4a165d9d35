/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A report read back (nestcheck diff and merge, an instance's report under nestcheck lxd):
 * whatever it holds, every string kept from it is safe to print.
 */
#include "fuzz.h"

#include "report/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report rep;
	struct report_checks checks = {0};
	char *why = NULL;
	char *text = fuzz_text(data, size); /* as diff, merge and nestcheck lxd read one: NUL-terminated */
	if (report_read(text, size, &rep, &checks, &why) == 0) {
		FUZZ_ASSERT(fuzz_printable(rep.kernel_release, 0) && fuzz_printable(rep.os, 0) &&
			    fuzz_printable(rep.container_runtime, 0) && fuzz_printable(rep.host_name, 0) &&
			    fuzz_printable(rep.instance, 0));
		for (size_t i = 0; i < rep.n_results; i++) {
			const struct result *r = &rep.results[i];
			FUZZ_ASSERT(fuzz_printable(r->check->id, 0) && fuzz_printable(r->check->area, 0) &&
				    fuzz_printable(r->check->title, 0) && fuzz_printable(r->summary, 0));
			for (size_t k = 0; k < r->n_evidence; k++)
				FUZZ_ASSERT(fuzz_printable(r->evidence[k].key, 0) &&
					    (!r->evidence[k].string || fuzz_printable(r->evidence[k].string, 1)));
			for (size_t k = 0; k < r->n_remedies; k++) {
				FUZZ_ASSERT(fuzz_printable(r->remedies[k].text, 0));
				for (size_t j = 0; j < r->remedies[k].commands.n; j++)
					FUZZ_ASSERT(fuzz_printable(r->remedies[k].commands.v[j], 0));
			}
		}
		report_clear(&rep);
	}
	report_checks_clear(&checks);
	free(why);
	free(text);
	return 0;
}
