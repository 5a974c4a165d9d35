/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CONTEXT_H
#define NESTCHECK_CONTEXT_H

#include "host.h"
#include "parse.h"
#include "result.h"

/*
 * What several checks need to know, computed once per run on first use.
 * Each getter returns 0 and the fact, or a negative errno when the fact
 * cannot be known; ctx_reason() then tells why in words.
 */
struct policy;

struct ctx {
	struct host *host;

	bool platform_done;
	const char *platform, *platform_signal;

	bool release_done;
	int release_err;
	char *release;
	struct kversion kv;

	bool kconfig_done;
	int kconfig_err;
	struct kconfig *kconfig;
	char *kconfig_source;
	bool kconfig_given; /* --kernel-config: a build's config, not the running kernel's */

	bool mounts_done;
	int mounts_err;
	struct libmnt_table *mounts;

	bool runtime_done;
	const char *runtime;
	struct strv runtime_signals;

	bool apparmor_done;
	int apparmor;	      /* 1 enabled, 0 not, negative errno unknown */
	char *apparmor_value; /* what parameters/enabled reads; NULL when it is missing */
	bool label_done;
	int label_err;
	char *label;
	const char *label_path;

	bool instance_done;
	char *instance;
	char *proxmox_id;
	int devices_v1; /* ctx_devices_v1: 0 not known yet, 1 yes, -1 no */

	bool data_root_done;
	int data_root_err;
	char *data_root;

	/* The run so far, for a gate (CHECK_GATE) that judges it; and the site policy it applies. */
	const struct report *report;
	const struct policy *policy;

	bool dpkg_done;
	int dpkg_err;
	struct dpkg_status *dpkg;

	/* ctx_prefetch()'s threads, until ctx_kconfig() and ctx_dpkg() take their results. */
	struct prefetch_kconfig *prefetch_kconfig;
	struct prefetch_dpkg *prefetch_dpkg;

	/* Engine and launches: set from the command line. */
	bool no_launch;		/* --no-launch */
	bool keep_image;	/* --keep-image */
	bool launch_nested;	/* launch.nested is selected: its privileged container runs too */
	bool launch_network;	/* launch.network is selected: its networked workload runs too */
	long engine_timeout_ms; /* --timeout; 0: the defaults */
};

void ctx_init(struct ctx *c, struct host *h);
void ctx_clear(struct ctx *c);
/*
 * Live runs: start reading the kernel config and dpkg's status, each in a thread of its own,
 * for ctx_kconfig() and ctx_dpkg() to take (they wait for it). Nothing when replaying, nor for
 * what is known already (--kernel-config).
 */
void ctx_prefetch(struct ctx *c);

int ctx_release(struct ctx *c, const char **ret, const struct kversion **ret_kv);
int ctx_kconfig(struct ctx *c, const struct kconfig **ret, const char **ret_source);
/* Judge this kernel config (--kernel-config FILE: text or gzip) instead of the running kernel's. */
int ctx_use_kconfig(struct ctx *c, const char *buf, size_t len, const char *source);
int ctx_mounts(struct ctx *c, struct libmnt_table **ret);
/*
 * Docker's data root: data-root in etc/docker/daemon.json, else
 * /var/lib/docker. With r, a bad daemon.json makes r an error that names it,
 * and the path becomes evidence.
 */
int ctx_data_root(struct ctx *c, struct result *r, const char **ret);
/* var/lib/dpkg/status, parsed once (it is about 1 MiB on a desktop). */
struct dpkg_status;
int ctx_dpkg(struct ctx *c, const struct dpkg_status **ret);
/* "none", "lxc", "docker", "podman", "systemd-nspawn", "wsl", "openvz", "unknown". */
const char *ctx_runtime(struct ctx *c);
const struct strv *ctx_runtime_signals(struct ctx *c);
bool ctx_in_container(struct ctx *c);
/* Where a fix for the machine nestcheck runs on is applied: this container, or the host itself. */
enum where ctx_here(struct ctx *c);
int ctx_apparmor_enabled(struct ctx *c);
/* This process's AppArmor label: proc/self/attr/apparmor/current (5.8+), else attr/current. */
int ctx_apparmor_label(struct ctx *c, const char **ret, const char **ret_path);
/* The enabled parameter as read ("Y", "N", "" when masked), NULL when not built in. */
const char *ctx_apparmor_value(struct ctx *c);
/*
 * Inside an LXC-family container, who manages it: "lxd", "incus", "proxmox",
 * "lxc" (plain LXC) or "unknown"; NULL in any other place. *ret_signal, when
 * given, says what told it (README's platform table holds the sources).
 */
const char *ctx_platform(struct ctx *c, const char **ret_signal);
/* The container's name as its host knows it, or "NAME" when it cannot be known. */
const char *ctx_instance(struct ctx *c);
/*
 * A Proxmox VE container's numeric id, from its root volume's name in
 * mountinfo (subvol-ID-disk-N, vm-ID-disk-N; device mapper doubles the
 * dashes) or pct's default host name CT<ID>; "ID" when neither tells.
 */
const char *ctx_proxmox_id(struct ctx *c);
/* Whether proc/self/cgroup names a v1 devices hierarchy, mounted or not (read once). */
bool ctx_devices_v1(struct ctx *c);
/* The same from the root mount's source and the host name (for unit tests); NULL when neither tells. */
char *proxmox_id_parse(const char *root_source, const char *hostname);

/* "proc/mountinfo: file too large" and the like, for summaries. */
const char *host_err_text(int err);

/* nestcheck's effective uid from proc/self/status (so that a replay knows it too). */
int status_euid(struct ctx *c, uint32_t *ret);
/* 1 in a user namespace (uid_map not the identity), 0 not, negative errno when unknown. */
int self_in_userns(struct ctx *c);

#endif
