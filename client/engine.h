/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_ENGINE_H
#define NESTCHECK_ENGINE_H

#include "client/http.h"
#include "core/util.h"

#include <signal.h>

/*
 * A client of the Docker Engine API over its unix socket (libcurl), with no
 * dependency on the docker CLI. Every request is bounded by a timeout and a
 * response size cap, and aborts when a signal sets client_interrupted (client/http.h), so
 * that the launch code can still remove what it created.
 *
 * Functions return 0 or a negative errno; after a failure engine_error()
 * says what went wrong in words a person reads (the engine's own message
 * when it sent one).
 */

#define ENGINE_DEFAULT_SOCKET	  "/var/run/docker.sock"
#define ENGINE_API_OURS		  "1.41" /* Docker 20.10: what this client speaks */
#define ENGINE_API_MIN		  "1.24" /* Docker 1.12: older engines are refused */
#define ENGINE_TIMEOUT_QUICK_MS	  5000	 /* version and info */
#define ENGINE_TIMEOUT_LAUNCH_MS  30000	 /* each step of a launch */
#define ENGINE_TIMEOUT_CLEANUP_MS 10000	 /* removing what a launch created */
#define ENGINE_MAX_RESPONSE	  (4u << 20)

/*
 * The socket DOCKER_HOST names: unix://PATH, or the default when it is unset
 * or empty. Any other scheme: -EPROTONOSUPPORT with the reason in *ret_error.
 */
int engine_socket_path(const char *docker_host, char **ret_path, char **ret_error);

/* The errno's symbolic name ("ECONNRESET"), for evidence and observations. */
const char *engine_errno_name(int err);

/* Compare two API versions ("1.41" against "1.24"): <0, 0, >0. Junk sorts first. */
int engine_api_cmp(const char *a, const char *b);
/*
 * The API version to speak with a server that offers server_api: the lower
 * of it and ENGINE_API_OURS. -ENOTSUP below ENGINE_API_MIN, -EBADMSG when
 * server_api is not a version; *ret_error says why.
 */
int engine_api_pick(const char *server_api, char ret[static 16], char **ret_error);

/*
 * A non-TTY container's log stream: frames of an 8-byte header (stream 1
 * stdout, 2 stderr; 3 bytes zero; a big-endian 32-bit length) and payload.
 * -EBADMSG for a truncated frame or an unknown stream.
 */
int engine_demux(const char *buf, size_t len, struct strbuf *ret_stdout, struct strbuf *ret_stderr);

/* An error answer's text: its JSON "message", else its text, else "HTTP nnn". Newly allocated. */
char *engine_message(long status, const char *body, size_t len);

/*
 * A JSON message stream (image import): NULL when no message reports an
 * error, else the first error's text, newly allocated. A body that is not a
 * JSON stream at all is reported as an error too.
 */
char *engine_stream_error(const char *body, size_t len);

struct engine_version {
	char *version;	   /* "20.10.24+dfsg1" */
	char *api_version; /* "1.41" */
	char *min_api_version;
	char *os, *arch, *kernel_version;
};
/* GET /version's body; -EBADMSG when it is not JSON or lacks ApiVersion. */
int engine_version_parse(const char *json, struct engine_version *ret);
void engine_version_clear(struct engine_version *v);

/* A container or an image from a list. */
struct engine_object {
	char *id;
	struct strv tags;   /* images: RepoTags; containers: Names; networks: Name */
	struct strv labels; /* "key=value" */
	long long created;  /* unix time */
	char *state;	    /* containers: "running", "exited", ...; images: NULL */
};
void engine_objects_free(struct engine_object *v, size_t n);
/* An RFC 3339 time ("2026-12-05T18:40:37.1Z") as unix time; 0 when it is not one. */
long long engine_time_parse(const char *text);
/* GET /containers/json, /images/json or /networks's body; -EBADMSG when it is not a JSON array of objects. */
int engine_list_parse(const char *json, struct engine_object **ret, size_t *ret_n);
/* The value of label key in o, or NULL. */
const char *engine_object_label(const struct engine_object *o, const char *key);

struct engine_response {
	long status;
	char *body; /* NUL-terminated */
	size_t len;
};
void engine_response_clear(struct engine_response *r);

struct engine;
struct engine *engine_new(const char *socket_path);
void engine_free(struct engine *e);
const char *engine_socket(const struct engine *e);
/* The bound on each request from now on, in ms. */
void engine_set_timeout(struct engine *e, long ms);
long engine_timeout(const struct engine *e);
/* While on, requests ignore engine_interrupted (the cleanup after an interrupt). */
void engine_set_uninterruptible(struct engine *e, bool on);
/* A label for the one-line progress display while a request uploads (NULL: none). */
void engine_set_progress(struct engine *e, const char *label);
/* The last failure in words. */
const char *engine_error(const struct engine *e);
/* The API version in use after engine_connect(), e.g. "1.41". */
const char *engine_api(const struct engine *e);
/* Whether the last request with a body sent all of it (an interrupted import may still complete). */
bool engine_body_sent(const struct engine *e);

/*
 * One request. path starts with '/'; it is prefixed with the negotiated
 * "/vX.Y" unless it is "/version" or "/_ping", or before engine_connect().
 * 0 when an HTTP answer came back (of any status) with its body; a negative
 * errno when none did: -ENOENT no socket, -ECONNREFUSED nothing listens,
 * -EACCES, -ETIMEDOUT, -ECONNRESET closed without an answer, -EBADMSG not
 * HTTP, -EFBIG over ENGINE_MAX_RESPONSE, -EINTR interrupted, -EIO other.
 */
int engine_request(struct engine *e, const char *method, const char *path, const char *content_type, const void *body,
		   size_t len, struct engine_response *ret);

/*
 * GET /version and settle the API version. -ENOTSUP for an engine older
 * than ENGINE_API_MIN: *ret is filled then too, to say what is too old.
 */
int engine_connect(struct engine *e, struct engine_version *ret);
/* GET /info: its JSON body, newly allocated (checked to be a JSON object). */
int engine_info(struct engine *e, char **ret_json);
/* 1 when the image exists, 0 when it does not, negative errno on failure. */
int engine_image_exists(struct engine *e, const char *ref);
/*
 * POST /images/create?fromSrc=- with an uncompressed tar of a root
 * filesystem as the body (streamed), tagged repo:tag, with Dockerfile
 * changes ("LABEL k=v"). The engine reports a failed import inside a 200
 * answer: that is an error here too, with the engine's text.
 */
int engine_image_import(struct engine *e, const char *repo, const char *tag, const char *const *changes,
			const void *tar, size_t len);
/* DELETE /images/REF (force removes it even when tagged twice). -ENOENT when there is none. */
int engine_image_remove(struct engine *e, const char *ref, bool force);

struct engine_create {
	const char *image;
	const char *const *cmd;	   /* NULL-terminated */
	const char *const *labels; /* key, value, key, value, ..., NULL */
	bool privileged;
	const char *name;    /* NULL: the engine names it */
	const char *network; /* NULL: no network at all */
	unsigned publish;    /* a TCP port to publish on every host address (a port the engine picks), or 0 */
};
/* POST /containers/create: no TTY, not removed automatically. */
int engine_container_create(struct engine *e, const struct engine_create *spec, char **ret_id);
int engine_container_start(struct engine *e, const char *id);
/* POST /containers/ID/wait: the exit status. */
int engine_container_wait(struct engine *e, const char *id, long *ret_status);
/* GET /containers/ID/logs, demultiplexed. */
int engine_container_logs(struct engine *e, const char *id, char **ret_stdout, char **ret_stderr);
/* DELETE /containers/ID?force=1&v=1. -ENOENT when there is none. */
int engine_container_remove(struct engine *e, const char *id);
/* Containers (all states), images or networks carrying label key: kind is "containers", "images" or "networks". */
int engine_list(struct engine *e, const char *kind, const char *label, struct engine_object **ret, size_t *ret_n);

/* POST /networks/create: a user-defined bridge network carrying labels (key, value, ..., NULL). */
int engine_network_create(struct engine *e, const char *name, const char *const *labels, char **ret_id);
struct engine_network {
	char *bridge;		/* the host's bridge device ("br-0123456789ab") */
	char *subnet, *gateway; /* its first IPAM configuration; NULL when none */
};
void engine_network_clear(struct engine_network *n);
/* GET /networks/ID's body; -EBADMSG when it is not a network. */
int engine_network_parse(const char *json, struct engine_network *ret);
int engine_network_inspect(struct engine *e, const char *id, struct engine_network *ret);
/* DELETE /networks/ID. -ENOENT when there is none, -EIO (with the engine's text) while it is in use. */
int engine_network_remove(struct engine *e, const char *id);

/* A running container as seen on one network: its address there, and where a port is published. */
struct engine_endpoint {
	char *address;		   /* NULL when not on that network */
	char *host_ip, *host_port; /* the binding of PORT/tcp, the IPv4 one first; NULL when not published */
};
void engine_endpoint_clear(struct engine_endpoint *p);
/* GET /containers/ID/json's body. -EBADMSG when it holds no NetworkSettings. */
int engine_endpoint_parse(const char *json, const char *network, unsigned port, struct engine_endpoint *ret);
int engine_container_endpoint(struct engine *e, const char *id, const char *network, unsigned port,
			      struct engine_endpoint *ret);

#endif
