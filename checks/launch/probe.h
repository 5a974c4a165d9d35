/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PROBE_LAUNCH_H
#define NESTCHECK_PROBE_LAUNCH_H

/*
 * Live probes of the engine checks, run only through host_observe(): they
 * talk to the Docker engine DOCKER_HOST names (default /var/run/docker.sock)
 * and return the one-line JSON values parse_launch.h reads.
 */

#include <stdbool.h>

struct launch_request {
	long timeout_ms; /* --timeout; 0: the defaults (5 s to ask, 30 s a launch step) */
	bool keep_image; /* leave the probe image behind for the next run */
	bool nested;	 /* also run the privileged container launch.nested needs */
	bool network;	 /* also run launch.network's workload (a bridge network, two containers) */
};

/* Observation key "engine.info": /version and /info. userdata: struct launch_request. */
#define ENGINE_INFO_KEY "engine.info"
int probe_engine_info(void *userdata, char **ret);

/*
 * Observation key "launch": remove the leftovers of a killed run (found by
 * label), import the probe image unless it is there, run the probe in a
 * container (no network, the nestcheck label), and with nested also in a
 * privileged one, and with network launch.network's workload on a
 * user-defined bridge network; collect what it printed, remove the
 * containers, the network and, unless keep_image, the image. A SIGINT or SIGTERM on the way aborts the
 * request under way, removes what was created, and ends the process with
 * that signal. userdata: struct launch_request.
 */
#define LAUNCH_KEY "launch"
int probe_launch(void *userdata, char **ret);

/* Label keys set on every container besides PROBE_IMAGE_LABEL: who started it, for the leftover sweep. */
#define LAUNCH_LABEL_PID   "io.nestcheck.pid"
#define LAUNCH_LABEL_PIDNS "io.nestcheck.pidns"

#endif
