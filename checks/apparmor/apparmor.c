/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks.h"
#include "probe.h"

static void remedy_apparmor_namespace(struct ctx *c, struct result *r)
{
	const char *rt = ctx_runtime(c);
	if (streq(rt, "lxc")) {
		fix_lxd_nesting(c, r);
		fix_keep_unprivileged_note(c, r);
	} else if (streq(rt, "docker") || streq(rt, "podman")) {
		fix_outer_privileged(
			c, r,
			"Docker-in-Docker cannot load AppArmor profiles from a confined container. Start it "
			"privileged (which also leaves it unconfined):");
	} else {
		result_remedy(r, WHERE_HOST,
			      "Run this container with its own AppArmor policy namespace (stacking), or unconfined if "
			      "its users are trusted.",
			      NULL);
	}
}

int check_apparmor_status(struct ctx *c, struct result *r)
{
	int aa = ctx_apparmor_enabled(c);
	if (aa < 0)
		return result_error(r, aa, "sys/module/apparmor/parameters/enabled is %s", host_err_text(aa));
	result_evidence_bool(r, "enabled", aa == 1);
	if (aa == 0) {
		const char *v = ctx_apparmor_value(c);
		if (!v)
			result_set(r, STATUS_PASS, "AppArmor is not built into this kernel");
		else if (!v[0])
			result_set(r, STATUS_PASS,
				   "AppArmor is hidden from this container (its enabled parameter is masked empty)");
		else
			result_set(r, STATUS_PASS, "AppArmor is switched off (its enabled parameter reads %s)", v);
		return 0;
	}

	if (!ctx_in_container(c)) {
		const char *parser;
		int err = host_observe(c->host, "apparmor.parser", probe_apparmor_parser, NULL, &parser);
		if (err == -ENODATA) {
			result_set(r, STATUS_PASS, "AppArmor is enabled on this host (apparmor_parser not probed %s)",
				   host_unprobed_in(c->host));
			return 0;
		}
		if (err < 0)
			return result_error(r, err, "cannot look for apparmor_parser: %s", errno_name(err));
		result_evidence_string(r, "apparmor_parser", "%s", parser);
		if (streq(parser, "missing")) {
			result_set(r, STATUS_WARN,
				   "AppArmor is enabled but apparmor_parser is missing: dockerd cannot load "
				   "its docker-default profile");
			result_remedy(r, WHERE_HOST,
				      "Install the AppArmor user-space tools:", "apt-get install -y apparmor", NULL);
			return 0;
		}
		result_set(r, STATUS_PASS, "AppArmor is enabled and apparmor_parser is installed (%s)", parser);
		return 0;
	}

	const char *label = NULL, *path = NULL;
	int err = ctx_apparmor_label(c, &label, &path);
	if (err == -ENOENT || err == -ENODATA) {
		result_set(r, STATUS_SKIP, "AppArmor is enabled, but this process's label is not known");
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "proc/self/attr/current is %s", host_err_text(err));
	result_evidence_string(r, "label", "%s", label);
	result_evidence_string(r, "label_source", "%s", path);

	switch (apparmor_label_classify(label)) {
	case AA_LABEL_STACKED:
		result_set(r, STATUS_PASS, "confined in its own AppArmor namespace: Docker can load its profiles");
		break;
	case AA_LABEL_UNCONFINED: {
		/*
		 * Inside a policy namespace the kernel shows labels relative to it: LXD's
		 * stacked lxd-NAME_</var/lib/lxd>//&:lxd-NAME_<var-lib-lxd>:unconfined
		 * reads "unconfined" from inside. securityfs says where the view sits.
		 */
		const char *level = NULL, *ns = NULL, *p;
		unsigned long long lv = 0;
		if (host_observe_file(c->host, "sys/kernel/security/apparmor/.ns_level", &level) == 0 &&
		    (p = level, parse_ull(&p, &lv) == 0) && (*p == '\0' || *p == '\n') && lv >= 1) {
			if (host_observe_file(c->host, "sys/kernel/security/apparmor/.ns_name", &ns) == 0)
				result_evidence_string(r, "namespace", "%.*s", (int)strcspn(ns, "\n"), ns);
			result_evidence_int(r, "namespace_level", (long long)lv);
			result_set(
				r, STATUS_PASS,
				"unconfined inside an AppArmor policy namespace of its own (level %llu%s%.*s): Docker "
				"can load its profiles there",
				lv, ns ? ", " : "", ns ? (int)strcspn(ns, "\n") : 0, ns ? ns : "");
			break;
		}
		result_set(r, STATUS_WARN,
			   "the label inside this container reads unconfined: unless the container has an AppArmor "
			   "namespace of its own, Docker would load its profiles into the host's policy");
		remedy_apparmor_namespace(c, r);
		break;
	}
	case AA_LABEL_CONFINED:
		result_set(r, STATUS_FAIL,
			   "confined by \"%s\" without an AppArmor namespace: Docker cannot load its profiles "
			   "(\"attempted to load a profile while confined?\")",
			   label);
		remedy_apparmor_namespace(c, r);
		break;
	}
	return 0;
}

int check_apparmor_parser(struct ctx *c, struct result *r)
{
	int aa = ctx_apparmor_enabled(c);
	if (aa < 0)
		return result_error(r, aa, "sys/module/apparmor/parameters/enabled is %s", host_err_text(aa));
	result_evidence_bool(r, "enabled", aa == 1);
	if (aa == 0) {
		result_set(r, STATUS_PASS, "AppArmor is off: the engine loads no profile and needs no apparmor_parser");
		return 0;
	}
	const char *parser;
	int err = host_observe(c->host, "apparmor.parser", probe_apparmor_parser, NULL, &parser);
	if (err == -ENODATA) {
		result_set(r, STATUS_SKIP, "AppArmor is enabled; apparmor_parser not looked for %s",
			   host_unprobed_in(c->host));
		return 0;
	}
	if (err < 0)
		return result_error(r, err, "cannot look for apparmor_parser: %s", errno_name(err));
	result_evidence_string(r, "apparmor_parser", "%s", parser);
	if (!streq(parser, "missing")) {
		result_set(r, STATUS_PASS, "apparmor_parser is installed (%s): the engine can load docker-default",
			   parser);
		return 0;
	}
	/*
	 * dockerd needs the parser only while docker-default is not in the kernel:
	 * a profile an earlier dockerd loaded stays until the next boot.
	 */
	const char *profiles;
	bool loaded = false;
	if (host_observe_file(c->host, "sys/kernel/security/apparmor/profiles", &profiles) == 0) {
		for (const char *p = profiles; p && *p; p += strcspn(p, "\n"), p += *p == '\n')
			if (startswith(p, "docker-default ") || startswith(p, "docker-default\n"))
				loaded = true;
		result_evidence_bool(r, "docker_default_loaded", loaded);
	}
	if (loaded) {
		result_set(r, STATUS_WARN,
			   "AppArmor is enabled and apparmor_parser is missing, but docker-default is loaded in the "
			   "kernel already (a dockerd that had the parser loaded it): containers start until the next "
			   "boot, after which every start fails (\"AppArmor enabled on system but the docker-default "
			   "profile could not be loaded\")");
		result_remedy(r, ctx_here(c), "Install AppArmor's user-space tools here before the next boot:",
			      "apt-get update && apt-get install -y apparmor", NULL);
		return 0;
	}
	result_set(r, STATUS_FAIL,
		   "AppArmor is enabled but apparmor_parser is missing: the engine cannot load its docker-default "
		   "profile, and every container start fails (\"AppArmor enabled on system but the docker-default "
		   "profile could not be loaded\")");
	result_remedy(r, ctx_here(c),
		      "Install AppArmor's user-space tools here:", "apt-get update && apt-get install -y apparmor",
		      NULL);
	return 0;
}
