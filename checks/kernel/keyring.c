/* SPDX-License-Identifier: Apache-2.0 */
/* kernel.keyring: runc gives every container a session keyring of its own. */
#include "checks/checks.h"
#include "checks/namespace/parse.h"
#include "checks/namespace/probe.h"

/* What runc's "_ses.<64 hex id>" keyring costs against the byte quota (its description and NUL). */
#define RUNC_KEYRING_BYTES 70
/* Fewer free keyrings than this and a busy Docker host runs out. */
#define KEYRING_ROOM_MIN 100

/* The LXD snap's values (canonical/lxd-pkg-snap#109). */
#define KEYS_MAXKEYS_GOOD  2000ULL
#define KEYS_MAXBYTES_GOOD 2000000ULL

/* A kernel.keys sysctl, read live and recorded: 0 and its value, or a negative errno. */
static int keys_sysctl(struct ctx *c, struct result *r, const char *name, unsigned long long *ret)
{
	_cleanup_free_ char *path = xasprintf("proc/sys/kernel/keys/%s", name);
	const char *text;
	int err = host_observe_file(c->host, path, &text);
	if (err < 0)
		return err;
	err = parse_uint_text(text, ret);
	if (err == 0)
		result_evidence_int(r, name, (long long)*ret);
	return err;
}

static unsigned long long raised(unsigned long long now, unsigned long long good)
{
	return now < good ? good : now * 4;
}

/* Raise the quota that applies to this uid, on the host (the limits are global). */
static void remedy_keys_quota(struct result *r, bool root_limits, bool container, unsigned long long keys,
			      unsigned long long bytes)
{
	const char *kname = root_limits ? "root_maxkeys" : "maxkeys";
	const char *bname = root_limits ? "root_maxbytes" : "maxbytes";
	keys = raised(keys, KEYS_MAXKEYS_GOOD);
	bytes = raised(bytes, KEYS_MAXBYTES_GOOD);

	struct remedy *m = result_remedy(
		r, WHERE_HOST,
		root_limits ? "Raise the kernel's key quota for root on the host, and keep it across reboots:"
		: container ? "Every container's root is an ordinary user to the host kernel, and all unprivileged "
			      "containers sharing an id map share one key quota. Raise the per-user quota on the host, "
			      "and keep it across reboots:"
			    : "Raise the kernel's per-user key quota, and keep it across reboots:",
		NULL);
	remedy_command(m, "sysctl -w kernel.keys.%s=%llu kernel.keys.%s=%llu", kname, keys, bname, bytes);
	remedy_command(
		m, "printf 'kernel.keys.%s = %llu\\nkernel.keys.%s = %llu\\n' > /etc/sysctl.d/90-nestcheck-keys.conf",
		kname, keys, bname, bytes);
}

int check_kernel_keyring(struct ctx *c, struct result *r)
{
	uint32_t euid;
	int err = status_euid(c, &euid);
	bool have_uid = err == 0;
	if (err < 0 && err != -ENOENT)
		return result_error(r, err, "proc/self/status is %s", host_err_text(err));
	if (have_uid)
		result_evidence_int(r, "euid", euid);

	/* Which limits apply: root_max* only for the host's own root. */
	bool root_limits = have_uid && euid == 0 && self_in_userns(c) == 0;
	unsigned long long maxkeys = 0, maxbytes = 0, root_maxkeys = 0, root_maxbytes = 0;
	bool have_limits = keys_sysctl(c, r, "maxkeys", &maxkeys) == 0 && keys_sysctl(c, r, "maxbytes", &maxbytes) == 0;
	bool have_root_limits = keys_sysctl(c, r, "root_maxkeys", &root_maxkeys) == 0 &&
				keys_sysctl(c, r, "root_maxbytes", &root_maxbytes) == 0;

	/* The quota as the kernel accounts it, read before the probe adds a keyring. */
	struct key_user ku = {0};
	bool have_quota = false;
	const char *users;
	if (have_uid && host_observe_file(c->host, "proc/key-users", &users) == 0) {
		err = key_users_find(users, euid, &ku);
		if (err == 0) {
			have_quota = true;
		} else if (err == -ENOENT && (root_limits ? have_root_limits : have_limits)) {
			/* No key charged to this uid yet: the whole quota is free. */
			ku.maxkeys = root_limits ? root_maxkeys : maxkeys;
			ku.maxbytes = root_limits ? root_maxbytes : maxbytes;
			have_quota = true;
		}
	}
	unsigned long long room = have_quota ? key_user_room(&ku, RUNC_KEYRING_BYTES) : 0;
	if (have_quota) {
		result_evidence_string(r, "keys", "%llu/%llu", ku.qnkeys, ku.maxkeys);
		result_evidence_string(r, "bytes", "%llu/%llu", ku.qnbytes, ku.maxbytes);
		result_evidence_int(r, "room", (long long)room);
	}

	const char *v;
	err = host_observe(c->host, "kernel.keyring.join", probe_keyring, NULL, &v);
	if (err < 0 && err != -ENODATA)
		return result_error(r, err, "cannot run the keyctl probe: %s", errno_name(err));
	if (err == -ENODATA) {
		if (!have_quota) {
			result_set(r, STATUS_SKIP, "keyctl was not probed and proc/key-users was %s (%s)",
				   host_unread(c->host), host_unprobed(c->host));
			return 0;
		}
		v = room == 0 ? "EDQUOT" : "ok";
		result_evidence_string(r, "join", "not probed (%s)", host_unprobed(c->host));
	} else {
		result_evidence_string(r, "join", "%s", v);
	}

	if (streq(v, "EDQUOT")) {
		result_set(r, STATUS_FAIL,
			   "the key quota of uid %u is used up: runc fails with \"unable to join session keyring: "
			   "unable to create session key: disk quota exceeded\"",
			   have_uid ? euid : 0);
		remedy_keys_quota(r, root_limits, ctx_in_container(c), root_limits ? root_maxkeys : maxkeys,
				  root_limits ? root_maxbytes : maxbytes);
		return 0;
	}
	if (streq(v, "ENOSYS")) {
		result_set(r, STATUS_WARN,
			   "keyctl() is not available (ENOSYS): runc goes on without a session keyring of its own, so "
			   "containers share this one; runc releases before 1.0 fail");
		if (fix_is_proxmox(c)) {
			FIX_FOREACH_TARGET(c, t)
			{
				struct remedy *m =
					fix_remedy(r, t,
						   "Proxmox VE hides keyctl() from unprivileged containers "
						   "unless the keyctl feature is on; turn it on (with nesting):");
				fix_set(m, t, "security.nesting", "true");
				fix_restart(m, t);
			}
		} else if (ctx_in_container(c))
			result_remedy(r, WHERE_HOST,
				      "The container's seccomp policy hides keyctl(). Allow it in the container's "
				      "configuration (LXC: drop keyctl from lxc.seccomp.profile).",
				      NULL);
		else
			result_remedy(r, WHERE_HOST, "The kernel was built without CONFIG_KEYS: boot one with it.",
				      "zgrep CONFIG_KEYS= /proc/config.gz", NULL);
		return 0;
	}
	if (!streq(v, "ok")) {
		result_set(r, STATUS_FAIL,
			   "a new session keyring cannot be joined (%s): runc fails with \"unable to join session "
			   "keyring\"",
			   v);
		const char *rt = ctx_runtime(c);
		if (streq(rt, "docker") || streq(rt, "podman"))
			fix_outer_privileged(
				c, r,
				"Docker's default seccomp profile refuses keyctl(). A nested engine needs a "
				"privileged container:");
		else
			result_remedy(r, ctx_here(c),
				      "A seccomp filter or a security module refuses keyctl(); find the policy that "
				      "applies here:",
				      "grep Seccomp /proc/self/status", NULL);
		return 0;
	}
	if (have_quota && room < KEYRING_ROOM_MIN) {
		result_set(r, STATUS_WARN,
			   "a session keyring can be created, but the key quota of uid %u leaves room for only %llu "
			   "more (%llu/%llu keys, %llu/%llu bytes): each running container holds one, and runc fails "
			   "with \"disk quota exceeded\" beyond that",
			   euid, room, ku.qnkeys, ku.maxkeys, ku.qnbytes, ku.maxbytes);
		remedy_keys_quota(r, root_limits, ctx_in_container(c), root_limits ? root_maxkeys : maxkeys,
				  root_limits ? root_maxbytes : maxbytes);
		return 0;
	}
	if (have_quota)
		result_set(r, STATUS_PASS, "a new session keyring can be created; the key quota has room for %llu more",
			   room);
	else
		result_set(r, STATUS_PASS, "a new session keyring can be created, as runc does for every container");
	return 0;
}
