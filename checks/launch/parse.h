/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_PARSE_LAUNCH_H
#define NESTCHECK_PARSE_LAUNCH_H

/*
 * The recorded observations of the engine checks, one line of JSON each,
 * so that a replay reproduces the report:
 *   "engine.info"  what the engine said about itself (runtime.engine);
 *   "launch"       what happened when containers were launched
 *                  (launch.container and launch.nested).
 * The probe (checks/launch/probe.c) builds them; the checks parse them.
 */

#include "client/engine.h"

#include <stdbool.h>

enum engine_state {
	ENGINE_OK,
	ENGINE_ABSENT,	    /* no socket where the engine would listen */
	ENGINE_UNSUPPORTED, /* DOCKER_HOST names something other than a unix socket */
	ENGINE_DOWN,	    /* a socket, but no answer, or not one an engine gives */
	ENGINE_TOO_OLD,	    /* API below ENGINE_API_MIN */
};

struct engine_obs {
	enum engine_state state;
	char *socket;
	char *error, *err_name; /* why, when not ENGINE_OK */
	char *version, *api, *api_used, *min_api, *os, *kernel;
	char *driver, *driver_status, *cgroup_driver, *cgroup_version, *root, *runtime, *name;
	struct strv security; /* "name=seccomp,profile=default" */
	struct strv warnings; /* the daemon's own */
	long ms;	      /* how long version and info took */
};

/* The "engine.info" value of an engine that answered: /version, the API in use, /info's body (JSON). */
char *engine_obs_build(const char *socket, const struct engine_version *v, const char *api_used, const char *info_json,
		       long ms);
/* The value when it did not: state, socket (or NULL), the errno and the reason; v when known. */
char *engine_obs_failure(enum engine_state state, const char *socket, int err, const char *error,
			 const struct engine_version *v);
/* -EBADMSG for junk. */
int engine_obs_parse(const char *value, struct engine_obs *ret);
void engine_obs_clear(struct engine_obs *o);
const char *engine_state_to_string(enum engine_state s);

/* A storage driver that works in a user namespace (overlay2, fuse-overlayfs, containerd's overlayfs). */
bool engine_driver_userns_ok(const char *driver);

enum launch_phase {
	LAUNCH_CLEANUP, /* removing a killed run's leftovers */
	LAUNCH_IMPORT,	/* importing the probe image */
	LAUNCH_CREATE,
	LAUNCH_START,
	LAUNCH_WAIT,
	LAUNCH_LOGS,
	LAUNCH_REMOVE,	     /* removing the container */
	LAUNCH_REMOVE_IMAGE, /* removing the probe image */
	_LAUNCH_PHASE_MAX,
};
const char *launch_phase_to_string(enum launch_phase p);

/* One container: the plain one, or the privileged one for launch.nested. */
struct launch_run {
	bool present;		    /* the observation holds this run */
	bool ran;		    /* created, started and waited for */
	char *phase;		    /* the phase that failed, NULL when it ran */
	char *error;		    /* the engine's own text, when a phase failed */
	char *err_name;		    /* errno name of the failure ("EIO" for an engine's refusal) */
	long exit_code;		    /* when ran */
	char *output;		    /* the probe's stdout (its JSON report) */
	char *errout;		    /* its stderr */
	char *remove_error;	    /* the container could not be removed */
	long ms[_LAUNCH_PHASE_MAX]; /* -1 when the phase did not happen */
};

/* The steps of launch.network's workload, in order; their times are recorded by these names. */
enum net_step {
	NET_NETWORK_CREATE,
	NET_SERVER_CREATE,
	NET_SERVER_START,
	NET_SERVER_INSPECT,
	NET_PUBLISH,
	NET_CLIENT_CREATE,
	NET_CLIENT_START,
	NET_CLIENT_WAIT,
	NET_CLIENT_LOGS,
	NET_REMOVE,
	_NET_STEP_MAX,
};
const char *net_step_to_string(enum net_step s);

/* One connect of the workload: "ok" with the server's answer, or the error. */
struct net_reach {
	int ok; /* 1, 0, or -1 when it was not tried */
	char *detail;
	char *err_name;
	long ms;
};

/* launch.network's workload, from the "network" member of the "launch" observation. */
struct launch_net {
	bool present;
	bool ran;    /* every step ran (each connect has its own outcome) */
	char *step;  /* the step that failed and stopped the rest ("interrupted" too) */
	char *error; /* the engine's text, or ours */
	char *err_name;
	char *network, *bridge, *subnet, *gateway;
	long port; /* the server's port inside */
	char *server_address, *host_ip, *host_port;
	struct net_reach publish; /* from here to 127.0.0.1:host_port */
	long publish_attempts;
	char *loopback; /* "up" or "down" when the publish failed and lo's state is known */
	long client_exit;
	char *client_stderr;
	/* the second container's report */
	struct net_reach dns, by_name, by_address;
	char *dns_server, *dns_address;
	char *served; /* the peers the server answered, "A B C" */
	char *remove_error;
	long ms[_NET_STEP_MAX]; /* -1 when the step did not happen */
};

struct launch_obs {
	char *image; /* "nestcheck-probe:TAG" */
	bool image_reused, image_removed, image_kept;
	char *image_error; /* removal failed */
	long leftover_containers, leftover_images;
	char *leftover_error;
	char *error, *err_name; /* the launch could not begin (connect) */
	long ms[_LAUNCH_PHASE_MAX];
	long leftover_networks;
	struct launch_run plain, nested;
	struct launch_net network;
};

int launch_obs_parse(const char *value, struct launch_obs *ret);
void launch_obs_clear(struct launch_obs *o);

#endif
