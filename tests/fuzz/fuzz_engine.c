/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a Docker engine answers (version, lists, a network, an endpoint, error bodies, a
 * container's multiplexed log stream), what the in-container probe reports, and the recorded
 * engine and launch observations a replay reads; one per value of the first byte.
 */
#include "fuzz.h"

#include "checks/launch/image.h"
#include "checks/launch/parse.h"
#include "client/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *raw = (const char *)data + 1;
	size_t len = size - 1;
	char *t = fuzz_text(data + 1, size - 1), *s = NULL;
	switch (data[0] % 9) {
	case 0: {
		struct engine_version v = {0};
		if (engine_version_parse(t, &v) == 0)
			engine_version_clear(&v);
		break;
	}
	case 1: {
		struct engine_object *v = NULL;
		size_t n = 0;
		if (engine_list_parse(t, &v, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				(void)engine_object_label(&v[i], "io.nestcheck.probe");
			engine_objects_free(v, n);
		}
		break;
	}
	case 2: {
		struct engine_network net = {0};
		if (engine_network_parse(t, &net) == 0)
			engine_network_clear(&net);
		break;
	}
	case 3: {
		struct engine_endpoint ep = {0};
		if (engine_endpoint_parse(t, "nestcheck-net", 8000, &ep) == 0)
			engine_endpoint_clear(&ep);
		break;
	}
	case 4: {
		struct strbuf out = {0}, err = {0};
		(void)engine_demux(raw, len, &out, &err);
		free(strbuf_take(&out));
		free(strbuf_take(&err));
		break;
	}
	case 5:
		s = engine_message(400 + (long)(len % 200), raw, len);
		FUZZ_ASSERT(!s || fuzz_printable(s, 0));
		free(s);
		s = engine_stream_error(raw, len);
		FUZZ_ASSERT(!s || fuzz_printable(s, 0));
		break;
	case 6: {
		struct probe_report r = {0};
		if (probe_report_parse(t, &r) == 0)
			probe_report_clear(&r);
		break;
	}
	case 7: {
		struct engine_obs o = {0};
		if (engine_obs_parse(t, &o) == 0)
			engine_obs_clear(&o);
		break;
	}
	case 8: {
		struct launch_obs o = {0};
		if (launch_obs_parse(t, &o) == 0)
			launch_obs_clear(&o);
		break;
	}
	}
	free(s);
	free(t);
	return 0;
}
