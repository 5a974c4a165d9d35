/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: the fix builders (remedy/fixes.c). Each kind of fix is worded in
 * one place; these pin the command shapes the checks and the catalog print.
 */
#include "core/context.h"
#include "core/host.h"
#include "remedy/fixes.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

struct sysroot {
	char base[64];
	struct host *host;
	struct ctx ctx;
};

static void put(struct sysroot *s, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", s->base, rel);
	for (char *p = path + strlen(s->base) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("fopen(%s): %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int setup(void **state)
{
	struct sysroot *s = xcalloc(1, sizeof(*s));
	snprintf(s->base, sizeof(s->base), "/tmp/nestcheck-unit-fixes-XXXXXX");
	if (!mkdtemp(s->base)) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sysroot *s = *state;
	if (s->host) {
		ctx_clear(&s->ctx);
		host_free(s->host);
	}
	int r = nftw(s->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return r;
}

static void open_root(struct sysroot *s)
{
	assert_int_equal(host_new(s->base, &s->host), 0);
	ctx_init(&s->ctx, s->host);
}

/* An LXD container named web-1. */
static void make_lxd(struct sysroot *s)
{
	put(s, "run/systemd/container", "lxc\n");
	put(s, "dev/lxd/sock", "");
	put(s, HOST_OBSERVATIONS_PATH, "container.name=web-1\n");
	put(s, "proc/self/mountinfo", "20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n");
	open_root(s);
}

static void make_host(struct sysroot *s)
{
	put(s, "proc/self/mountinfo", "20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n");
	open_root(s);
}

static void test_target_commands(void **state)
{
	(void)state;
	struct result r = {0};
	struct remedy *m = result_remedy(&r, WHERE_HOST, "text", NULL);
	struct fix_target t = fix_target_lxd("db");
	fix_set(m, t, "security.idmap.size", "%d", 1000000);
	fix_get(m, t, "linux.kernel_modules");
	fix_unset(m, t, "security.syscalls.intercept.mknod");
	fix_restart(m, t);
	assert_int_equal(m->commands.n, 4);
	assert_string_equal(m->commands.v[0], "lxc config set db security.idmap.size 1000000");
	assert_string_equal(m->commands.v[1], "lxc config get db linux.kernel_modules");
	assert_string_equal(m->commands.v[2], "lxc config unset db security.syscalls.intercept.mknod");
	assert_string_equal(m->commands.v[3], "lxc restart db");
	assert_string_equal(fix_cli(t), "lxc");
	result_clear(&r);
}

static void test_instance_config_names_here_and_restarts_last(void **state)
{
	struct sysroot *s = *state;
	make_lxd(s);
	struct result r = {0};
	fix_instance_config(&s->ctx, &r, "Nesting:", "security.nesting", "true", "security.privileged", "false", NULL);
	assert_int_equal(r.n_remedies, 1);
	assert_int_equal(r.remedies[0].where, WHERE_HOST);
	assert_int_equal(r.remedies[0].commands.n, 3);
	assert_string_equal(r.remedies[0].commands.v[0], "lxc config set web-1 security.nesting true");
	assert_string_equal(r.remedies[0].commands.v[1], "lxc config set web-1 security.privileged false");
	assert_string_equal(r.remedies[0].commands.v[2], "lxc restart web-1");
	result_clear(&r);
}

static void test_modules_in_lxd(void **state)
{
	struct sysroot *s = *state;
	make_lxd(s);
	struct result r = {0};
	fix_modules_load_words(&s->ctx, &r, "overlay br_netfilter");
	assert_int_equal(r.n_remedies, 2);
	assert_true(strstr(r.remedies[0].text, "a container cannot load kernel modules") != NULL);
	assert_string_equal(r.remedies[0].commands.v[0], "modprobe -a overlay br_netfilter");
	assert_string_equal(r.remedies[1].commands.v[0], "lxc config get web-1 linux.kernel_modules");
	assert_string_equal(r.remedies[1].commands.v[1],
			    "lxc config set web-1 linux.kernel_modules overlay,br_netfilter");
	assert_string_equal(r.remedies[1].commands.v[2], "lxc restart web-1");
	result_clear(&r);
}

static void test_modules_on_host(void **state)
{
	struct sysroot *s = *state;
	make_host(s);
	struct result r = {0};
	fix_modules_load_words(&s->ctx, &r, "veth");
	assert_int_equal(r.n_remedies, 1);
	assert_int_equal(r.remedies[0].where, WHERE_HOST);
	assert_string_equal(r.remedies[0].text, "Load them now and at every boot:");
	assert_string_equal(r.remedies[0].commands.v[0], "modprobe -a veth");
	result_clear(&r);
}

static void test_here_follows_the_container(void **state)
{
	struct sysroot *s = *state;
	make_host(s);
	assert_int_equal(ctx_here(&s->ctx), WHERE_HOST);
	struct result r = {0};
	fix_upgrade_engine(&s->ctx, &r, "Upgrade:");
	assert_int_equal(r.remedies[0].where, WHERE_HOST);
	result_clear(&r);
}

static void test_here_in_lxd(void **state)
{
	struct sysroot *s = *state;
	make_lxd(s);
	assert_int_equal(ctx_here(&s->ctx), WHERE_CONTAINER);
	struct result r = {0};
	fix_lxd_nesting(&s->ctx, &r);
	assert_int_equal(r.n_remedies, 1); /* LXD proven by its socket: no Proxmox or plain LXC forms */
	assert_string_equal(r.remedies[0].commands.v[0], "lxc config set web-1 security.nesting true");
	result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_commands),
		cmocka_unit_test_setup_teardown(test_instance_config_names_here_and_restarts_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_in_lxd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_on_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_here_follows_the_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_here_in_lxd, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
