/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/json.h"

#include <json-c/json.h>

static const char *const engine_state_names[] = {
	[ENGINE_OK] = "ok",	[ENGINE_ABSENT] = "absent",   [ENGINE_UNSUPPORTED] = "unsupported",
	[ENGINE_DOWN] = "down", [ENGINE_TOO_OLD] = "too_old",
};

const char *engine_state_to_string(enum engine_state s)
{
	return s < ARRAY_SIZE(engine_state_names) ? engine_state_names[s] : "unknown";
}

static const char *const launch_phase_names[] = {
	[LAUNCH_CLEANUP] = "cleanup", [LAUNCH_IMPORT] = "import",
	[LAUNCH_CREATE] = "create",   [LAUNCH_START] = "start",
	[LAUNCH_WAIT] = "wait",	      [LAUNCH_LOGS] = "logs",
	[LAUNCH_REMOVE] = "remove",   [LAUNCH_REMOVE_IMAGE] = "remove_image",
};

const char *launch_phase_to_string(enum launch_phase p)
{
	return p < _LAUNCH_PHASE_MAX ? launch_phase_names[p] : "unknown";
}

bool engine_driver_userns_ok(const char *driver)
{
	return driver && (streq(driver, "overlay2") || streq(driver, "fuse-overlayfs") || streq(driver, "overlayfs"));
}

static void add_str(json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static char *dup_str(json_object *o, const char *key)
{
	const char *s = get_str(o, key);
	return s ? text_sanitize(xstrdup(s)) : NULL;
}

static long get_long(json_object *o, const char *key, long dflt)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return dflt;
	return (long)json_object_get_int64(v);
}

static void get_strv(json_object *o, const char *key, struct strv *ret)
{
	json_object *a;
	if (!o || !json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		if (json_object_is_type(s, json_type_string))
			strv_push(ret, text_sanitize(xstrdup(json_object_get_string(s))));
	}
}

static char *to_line(json_object *o)
{
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static void add_version(json_object *o, const struct engine_version *v)
{
	if (!v)
		return;
	add_str(o, "version", v->version);
	add_str(o, "api", v->api_version);
	add_str(o, "min_api", v->min_api_version);
	add_str(o, "os", v->os);
	add_str(o, "kernel", v->kernel_version);
}

char *engine_obs_build(const char *socket, const struct engine_version *v, const char *api_used, const char *info_json,
		       long ms)
{
	json_object *o = json_object_new_object();
	json_object *info = info_json ? json_read(info_json, strlen(info_json)) : NULL, *x;
	add_str(o, "state", "ok");
	add_str(o, "socket", socket);
	add_version(o, v);
	add_str(o, "api_used", api_used);
	if (info && json_object_is_type(info, json_type_object)) {
		add_str(o, "driver", get_str(info, "Driver"));
		/* DriverStatus: [["Backing Filesystem", "extfs"], ...] as one line. */
		if (json_object_object_get_ex(info, "DriverStatus", &x) && json_object_is_type(x, json_type_array)) {
			struct strv kv = {0};
			for (size_t i = 0; i < json_object_array_length(x); i++) {
				json_object *p = json_object_array_get_idx(x, i);
				if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2)
					continue;
				strv_push(&kv,
					  xasprintf("%s=%s", json_object_get_string(json_object_array_get_idx(p, 0)),
						    json_object_get_string(json_object_array_get_idx(p, 1))));
			}
			_cleanup_free_ char *joined = strv_join(&kv, "; ");
			if (kv.n)
				add_str(o, "driver_status", joined);
			strv_clear(&kv);
		}
		add_str(o, "cgroup_driver", get_str(info, "CgroupDriver"));
		add_str(o, "cgroup_version", get_str(info, "CgroupVersion"));
		add_str(o, "root", get_str(info, "DockerRootDir"));
		add_str(o, "runtime", get_str(info, "DefaultRuntime"));
		add_str(o, "name", get_str(info, "Name"));
		if (!v || !v->version)
			add_str(o, "version", get_str(info, "ServerVersion"));
		if (json_object_object_get_ex(info, "SecurityOptions", &x) && json_object_is_type(x, json_type_array))
			json_object_object_add(o, "security", json_object_get(x));
		if (json_object_object_get_ex(info, "Warnings", &x) && json_object_is_type(x, json_type_array))
			json_object_object_add(o, "warnings", json_object_get(x));
	}
	json_object_object_add(o, "ms", json_object_new_int64(ms));
	json_object_put(info);
	return to_line(o);
}

char *engine_obs_failure(enum engine_state state, const char *socket, int err, const char *error,
			 const struct engine_version *v)
{
	json_object *o = json_object_new_object();
	add_str(o, "state", engine_state_to_string(state));
	add_str(o, "socket", socket);
	if (err < 0)
		add_str(o, "errno", engine_errno_name(err));
	add_str(o, "error", error);
	add_version(o, v);
	return to_line(o);
}

int engine_obs_parse(const char *value, struct engine_obs *ret)
{
	json_object *o = json_read(value, strlen(value));
	const char *state = get_str(o, "state");
	size_t i;
	if (!o || !json_object_is_type(o, json_type_object) || !state)
		goto junk;
	for (i = 0; i < ARRAY_SIZE(engine_state_names); i++)
		if (streq(state, engine_state_names[i]))
			break;
	if (i == ARRAY_SIZE(engine_state_names))
		goto junk;
	*ret = (struct engine_obs){
		.state = (enum engine_state)i,
		.socket = dup_str(o, "socket"),
		.error = dup_str(o, "error"),
		.err_name = dup_str(o, "errno"),
		.version = dup_str(o, "version"),
		.api = dup_str(o, "api"),
		.api_used = dup_str(o, "api_used"),
		.min_api = dup_str(o, "min_api"),
		.os = dup_str(o, "os"),
		.kernel = dup_str(o, "kernel"),
		.driver = dup_str(o, "driver"),
		.driver_status = dup_str(o, "driver_status"),
		.cgroup_driver = dup_str(o, "cgroup_driver"),
		.cgroup_version = dup_str(o, "cgroup_version"),
		.root = dup_str(o, "root"),
		.runtime = dup_str(o, "runtime"),
		.name = dup_str(o, "name"),
		.ms = get_long(o, "ms", -1),
	};
	get_strv(o, "security", &ret->security);
	get_strv(o, "warnings", &ret->warnings);
	/* An engine that answered says at least its version; a failure says why. */
	if ((ret->state == ENGINE_OK && !ret->version) ||
	    (ret->state != ENGINE_OK && ret->state != ENGINE_ABSENT && !ret->error)) {
		engine_obs_clear(ret);
		goto junk;
	}
	json_object_put(o);
	return 0;
junk:
	json_object_put(o);
	return -EBADMSG;
}

void engine_obs_clear(struct engine_obs *o)
{
	char **fields[] = {
		&o->socket,	    &o->error, &o->err_name, &o->version, &o->api,	     &o->api_used,
		&o->min_api,	    &o->os,    &o->kernel,   &o->driver,  &o->driver_status, &o->cgroup_driver,
		&o->cgroup_version, &o->root,  &o->runtime,  &o->name};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		free(*fields[i]);
	strv_clear(&o->security);
	strv_clear(&o->warnings);
	*o = (struct engine_obs){0};
}

static void get_ms(json_object *o, long ms[_LAUNCH_PHASE_MAX])
{
	json_object *m = NULL;
	if (o)
		json_object_object_get_ex(o, "ms", &m);
	for (int p = 0; p < _LAUNCH_PHASE_MAX; p++)
		ms[p] = get_long(m, launch_phase_names[p], -1);
}

/* The member key of o, a run's story: 0 absent, 1 ran, 2 failed (*ret the member), -EBADMSG another shape. */
static int member_state(json_object *o, const char *key, json_object **ret)
{
	if (!o || !json_object_object_get_ex(o, key, ret))
		return 0;
	const char *state = get_str(*ret, "state");
	if (!json_object_is_type(*ret, json_type_object) || !state)
		return -EBADMSG;
	return streq(state, "ran") ? 1 : streq(state, "failed") ? 2 : -EBADMSG;
}

static int run_parse(json_object *o, const char *key, struct launch_run *ret)
{
	json_object *r;
	*ret = (struct launch_run){0};
	get_ms(NULL, ret->ms);
	int st = member_state(o, key, &r);
	if (st <= 0)
		return st;
	ret->present = true;
	ret->ran = st == 1;
	ret->phase = dup_str(r, "phase");
	ret->error = dup_str(r, "error");
	ret->err_name = dup_str(r, "errno");
	ret->exit_code = get_long(r, "exit_code", -1);
	/* The probe's own output stays as it printed it: its JSON has newlines. */
	ret->output = get_str(r, "stdout") ? xstrdup(get_str(r, "stdout")) : NULL;
	ret->errout = get_str(r, "stderr") ? xstrdup(get_str(r, "stderr")) : NULL;
	ret->remove_error = dup_str(r, "remove_error");
	get_ms(r, ret->ms);
	if (!ret->ran && (!ret->phase || !ret->error))
		return -EBADMSG;
	return 0;
}

static const char *const net_step_names[] = {
	[NET_NETWORK_CREATE] = "network_create",
	[NET_SERVER_CREATE] = "server_create",
	[NET_SERVER_START] = "server_start",
	[NET_SERVER_INSPECT] = "server_inspect",
	[NET_PUBLISH] = "publish",
	[NET_CLIENT_CREATE] = "client_create",
	[NET_CLIENT_START] = "client_start",
	[NET_CLIENT_WAIT] = "client_wait",
	[NET_CLIENT_LOGS] = "client_logs",
	[NET_REMOVE] = "remove",
};

const char *net_step_to_string(enum net_step s)
{
	return s < _NET_STEP_MAX ? net_step_names[s] : "unknown";
}

/* {"ok":BOOL,"answer"|"error":TEXT,"errno":NAME,"ms":N}; absent: not tried. -EBADMSG for another shape. */
static int reach_parse(json_object *o, const char *key, const char *error_key, struct net_reach *ret)
{
	json_object *r, *ok;
	*ret = (struct net_reach){.ok = -1, .ms = -1};
	if (!o || !json_object_object_get_ex(o, key, &r))
		return 0;
	if (!json_object_is_type(r, json_type_object) || !json_object_object_get_ex(r, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		return -EBADMSG;
	ret->ok = json_object_get_boolean(ok);
	ret->detail = dup_str(r, ret->ok ? "answer" : error_key);
	ret->err_name = dup_str(r, "errno");
	ret->ms = get_long(r, "ms", -1);
	return 0;
}

static void reach_clear(struct net_reach *r)
{
	free(r->detail);
	free(r->err_name);
	*r = (struct net_reach){.ok = -1, .ms = -1};
}

static void net_clear(struct launch_net *n)
{
	char **fields[] = {&n->step,	    &n->error,	   &n->err_name,      &n->network,
			   &n->bridge,	    &n->subnet,	   &n->gateway,	      &n->server_address,
			   &n->host_ip,	    &n->host_port, &n->client_stderr, &n->dns_server,
			   &n->dns_address, &n->served,	   &n->remove_error,  &n->loopback};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		free(*fields[i]);
	reach_clear(&n->publish);
	reach_clear(&n->dns);
	reach_clear(&n->by_name);
	reach_clear(&n->by_address);
	*n = (struct launch_net){0};
}

/* The second container's report (its stdout): what it resolved and reached. -EBADMSG when it is not one. */
static int client_report_parse(const char *text, struct launch_net *n)
{
	json_object *o = json_read(text, strlen(text)), *dns;
	int err = -EBADMSG;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "dns", &dns) ||
	    !json_object_is_type(dns, json_type_object))
		goto out;
	if (reach_parse(o, "dns", "error", &n->dns) < 0 || reach_parse(o, "by_name", "error", &n->by_name) < 0 ||
	    reach_parse(o, "by_address", "error", &n->by_address) < 0 || n->dns.ok < 0 || n->by_address.ok < 0)
		goto out;
	n->dns_server = dup_str(dns, "server");
	n->dns_address = dup_str(dns, "address");
	err = 0;
out:
	json_object_put(o);
	return err;
}

static int net_parse(json_object *o, struct launch_net *ret)
{
	json_object *r, *m = NULL;
	*ret = (struct launch_net){.client_exit = -1};
	reach_clear(&ret->publish), reach_clear(&ret->dns), reach_clear(&ret->by_name), reach_clear(&ret->by_address);
	for (int s = 0; s < _NET_STEP_MAX; s++)
		ret->ms[s] = -1;
	int st = member_state(o, "network", &r);
	if (st <= 0)
		return st;
	ret->present = true;
	ret->ran = st == 1;
	ret->step = dup_str(r, "step");
	ret->error = dup_str(r, "error");
	ret->err_name = dup_str(r, "errno");
	ret->network = dup_str(r, "network");
	ret->bridge = dup_str(r, "bridge");
	ret->subnet = dup_str(r, "subnet");
	ret->gateway = dup_str(r, "gateway");
	ret->port = get_long(r, "port", -1);
	ret->server_address = dup_str(r, "server_address");
	ret->host_ip = dup_str(r, "host_ip");
	ret->host_port = dup_str(r, "host_port");
	ret->client_exit = get_long(r, "client_exit", -1);
	ret->client_stderr = dup_str(r, "client_stderr");
	ret->served = dup_str(r, "served");
	ret->remove_error = dup_str(r, "remove_error");
	json_object *pub;
	if (reach_parse(r, "publish", "error", &ret->publish) < 0)
		return -EBADMSG;
	if (json_object_object_get_ex(r, "publish", &pub)) {
		ret->publish_attempts = get_long(pub, "attempts", 0);
		ret->loopback = dup_str(pub, "loopback");
	}
	json_object_object_get_ex(r, "ms", &m);
	for (int s = 0; s < _NET_STEP_MAX; s++)
		ret->ms[s] = get_long(m, net_step_names[s], -1);
	if (!ret->ran)
		return ret->step && ret->error ? 0 : -EBADMSG;
	/* Ran: the published port was tried, and the second container printed its report (or did not). */
	if (ret->publish.ok < 0)
		return -EBADMSG;
	const char *out = get_str(r, "client_stdout");
	if (out && client_report_parse(out, ret) < 0) {
		reach_clear(&ret->dns), reach_clear(&ret->by_name), reach_clear(&ret->by_address);
	}
	return 0;
}

static void run_clear(struct launch_run *r)
{
	free(r->phase);
	free(r->error);
	free(r->err_name);
	free(r->output);
	free(r->errout);
	free(r->remove_error);
	*r = (struct launch_run){0};
}

int launch_obs_parse(const char *value, struct launch_obs *ret)
{
	json_object *o = json_read(value, strlen(value)), *left;
	*ret = (struct launch_obs){0};
	if (!o || !json_object_is_type(o, json_type_object))
		goto junk;
	ret->image = dup_str(o, "image");
	ret->image_reused = json_get_true(o, "image_reused");
	ret->image_removed = json_get_true(o, "image_removed");
	ret->image_kept = json_get_true(o, "image_kept");
	ret->image_error = dup_str(o, "image_error");
	ret->error = dup_str(o, "error");
	ret->err_name = dup_str(o, "errno");
	if (json_object_object_get_ex(o, "leftovers", &left)) {
		ret->leftover_containers = get_long(left, "containers", 0);
		ret->leftover_images = get_long(left, "images", 0);
		ret->leftover_networks = get_long(left, "networks", 0);
		ret->leftover_error = dup_str(left, "error");
	}
	get_ms(o, ret->ms);
	if (run_parse(o, "plain", &ret->plain) < 0 || run_parse(o, "nested", &ret->nested) < 0 ||
	    net_parse(o, &ret->network) < 0)
		goto junk;
	/* Either the launch could not begin (error), or the plain container has a story. */
	if (!ret->error && !ret->plain.present)
		goto junk;
	json_object_put(o);
	return 0;
junk:
	json_object_put(o);
	launch_obs_clear(ret);
	return -EBADMSG;
}

void launch_obs_clear(struct launch_obs *o)
{
	free(o->image);
	free(o->image_error);
	free(o->leftover_error);
	free(o->error);
	free(o->err_name);
	run_clear(&o->plain);
	run_clear(&o->nested);
	net_clear(&o->network);
	*o = (struct launch_obs){0};
}
