/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_MODULE_STATE_H
#define NESTCHECK_MODULE_STATE_H

/*
 * Whether the kernel has a module, from what the sysroot holds: proc/modules,
 * lib/modules/R/modules.builtin, the kernel build config and the host's
 * module index. Shared by modules.required and network.bridge_nf.
 */

#include "checks/checks.h"
#include "modindex.h"

enum module_state {
	MODULE_BUILTIN,	      /* compiled into the kernel */
	MODULE_LOADED,	      /* in proc/modules */
	MODULE_LOADABLE,      /* host: not loaded, but modprobe finds it in the module index */
	MODULE_NOT_LOADED,    /* a module of this kernel, not loaded, and this container cannot load it */
	MODULE_UNVERIFIED,    /* a module (=m) not loaded; no module index to tell if it can be (replay) */
	MODULE_NOT_INSTALLED, /* host: no module file for it (not in the index, or no module directory) */
	MODULE_ABSENT,	      /* the kernel config has it neither built in nor as a module */
	MODULE_UNKNOWN,	      /* not loaded; built in or not cannot be told (no config, no modules.builtin) */
};
const char *module_state_to_string(enum module_state s);
/* Built in or loaded: usable right now. */
bool module_state_available(enum module_state s);

struct module_want {
	const char *name;
	const char *options[5]; /* CONFIG_ names (no prefix) that build it, newest kernels first, then dependents */
	const char *alt;	/* the name older kernels gave it, or NULL */
};
/* The modules Docker's engine uses, with the options that build them (from the kernel's Makefiles). */
const struct module_want *module_want_find(const char *name);

struct modules_view {
	struct ctx *ctx;
	bool in_container;
	bool loaded_known;
	struct strv loaded;
	bool builtin_known;
	struct strv builtin;
	const struct kconfig *kconfig; /* NULL when not found */
	struct modindex *index;	       /* NULL when there is none (or in a container) */
	bool index_absent;	       /* seen missing live (or so recorded): modprobe has nothing to load from */
	bool index_malformed;	       /* modules.dep.bin is no well-formed index: not handed to libkmod */
	int index_err;		       /* a lookup in the index failed: -ELIBACC without libkmod */
	char *sources;		       /* where the facts came from, in words, for evidence */
};

/* Gather the facts; a negative errno (with *ret_what naming the file) when a file is corrupt or unreadable. */
int modules_view_init(struct modules_view *v, struct ctx *c, const char **ret_what);
enum module_state modules_view_state(struct modules_view *v, const struct module_want *w);
/* 'y', 'm', 0 (neither) from the first of w's options that is set; '?' without a kernel config. */
char modules_view_option(const struct modules_view *v, const struct module_want *w);
void modules_view_clear(struct modules_view *v);

#endif
