/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: lxd.instance's judgement (checks/lxd/lxd.c), facts in, result out. */
#include "checks/lxd/lxd.h"
#include "core/check.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static const struct check lxd_check = {.id = "lxd.instance", .area = "lxd", .title = "t"};

static void judge(const char *config, bool apparmor, bool overlay, struct result *r)
{
	json_object *cfg = json_tokener_parse(config);
	assert_non_null(cfg);
	struct lxd_instance in = {"web", "Running", cfg, apparmor, overlay};
	*r = (struct result){.check = &lxd_check};
	lxd_instance_judge(&in, r);
	json_object_put(cfg);
}

static bool has_command(const struct result *r, const char *cmd)
{
	for (size_t i = 0; i < r->n_remedies; i++)
		for (size_t j = 0; j < r->remedies[i].commands.n; j++)
			if (streq(r->remedies[i].commands.v[j], cmd))
				return true;
	return false;
}

static void test_nesting(void **state)
{
	struct result r;
	judge("{}", true, true, &r);
	assert_int_equal(r.status, STATUS_FAIL);
	assert_true(has_command(&r, "lxc config set web security.nesting true"));
	assert_true(has_command(&r, "lxc restart web"));
	assert_int_equal(r.remedies[0].where, WHERE_HOST);
	result_clear(&r);
	judge("{}", false, true, &r);
	assert_int_equal(r.status, STATUS_WARN); /* no AppArmor now: works, but only until the host confines it */
	result_clear(&r);
	judge("{\"security.nesting\":\"true\"}", true, true, &r);
	assert_int_equal(r.status, STATUS_PASS);
	assert_non_null(strstr(r.summary, "nesting on"));
	result_clear(&r);
}

static void test_privileged_and_idmap(void **state)
{
	struct result r;
	judge("{\"security.privileged\":\"true\",\"security.nesting\":\"true\"}", true, true, &r);
	assert_int_equal(r.status, STATUS_WARN);
	assert_true(has_command(&r, "lxc config set web security.privileged false"));
	result_clear(&r);
	judge("{\"security.nesting\":\"true\",\"security.idmap.size\":\"1000\"}", true, true, &r);
	assert_int_equal(r.status, STATUS_FAIL);
	assert_true(has_command(&r, "lxc config set web security.idmap.size 1000000"));
	result_clear(&r);
	judge("{\"security.nesting\":\"true\",\"security.idmap.size\":\"65536\"}", true, true, &r);
	assert_int_equal(r.status, STATUS_PASS);
	result_clear(&r);
	judge("{\"security.nesting\":\"true\",\"security.idmap.size\":\"junk\"}", true, true, &r);
	assert_int_equal(r.status, STATUS_PASS); /* not a size: LXD's default applies */
	result_clear(&r);
}

static void test_overlay(void **state)
{
	struct result r;
	judge("{\"security.nesting\":\"true\"}", true, false, &r);
	assert_int_equal(r.status, STATUS_WARN);
	assert_true(has_command(&r, "lxc config set web linux.kernel_modules overlay"));
	result_clear(&r);
	judge("{\"security.nesting\":\"true\",\"linux.kernel_modules\":\"br_netfilter, overlay\"}", true, false, &r);
	assert_int_equal(r.status, STATUS_PASS);
	result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_privileged_and_idmap),
		cmocka_unit_test(test_overlay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
