/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: lxd.instance's judgement (checks/lxd/), facts or their recorded text in, result out. */
#include "checks/lxd/lxd.h"
#include "checks/lxd/parse.h"
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
	struct lxd_instance in = {
		.name = "web", .status = "Running", .config = cfg, .host_apparmor = apparmor, .host_overlay = overlay};
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

static void test_host_files(void **state)
{
	assert_true(lxd_apparmor_enabled("Y\n"));
	assert_true(lxd_apparmor_enabled("y"));
	assert_true(lxd_apparmor_enabled("1 \n"));
	assert_false(lxd_apparmor_enabled("N\n"));
	assert_false(lxd_apparmor_enabled("Yes\n"));
	assert_false(lxd_apparmor_enabled(""));
	assert_false(lxd_apparmor_enabled(NULL)); /* no AppArmor in the kernel */

	assert_true(lxd_overlay_registered("nodev\tsysfs\nnodev\toverlay\n\text4\n"));
	assert_true(lxd_overlay_registered("nodev\toverlay")); /* recorded values lose their last newline */
	assert_false(lxd_overlay_registered("nodev\tsysfs\n\text4\n"));
	assert_false(lxd_overlay_registered("nodev\toverlayfs\n"));
	assert_false(lxd_overlay_registered("# nodev\toverlay\n"));
	assert_false(lxd_overlay_registered(NULL));
}

static void test_names(void **state)
{
	assert_true(lxd_instance_name_valid("web"));
	assert_true(lxd_instance_name_valid("nc-lxdcmd-ok-123"));
	assert_false(lxd_instance_name_valid(""));
	assert_false(lxd_instance_name_valid("-web"));
	assert_false(lxd_instance_name_valid("web; rm -rf /"));
	assert_false(lxd_instance_name_valid("a/b"));
	assert_false(lxd_instance_name_valid("0123456789012345678901234567890123456789012345678901234567890123"));
}

/* judge_text: the recorded observations and host files, as strings. */
static int judge_text(const char *name, const char *config, const char *apparmor, const char *filesystems,
		      struct result *r)
{
	struct lxd_instance_text t = {
		.name = name, .status = "Running", .config = config, .apparmor = apparmor, .filesystems = filesystems};
	*r = (struct result){.check = &lxd_check, .status = STATUS_ERROR};
	return lxd_instance_judge_text(&t, r);
}

static void test_recorded_text(void **state)
{
	struct result r;
	assert_int_equal(judge_text("web", "{}", "Y\n", "nodev\toverlay\n", &r), 0);
	assert_int_equal(r.status, STATUS_FAIL);
	assert_true(has_command(&r, "lxc config set web security.nesting true"));
	result_clear(&r);
	assert_int_equal(judge_text("web", "{}", "N\n", "nodev\toverlay\n", &r), 0);
	assert_int_equal(r.status, STATUS_WARN);
	result_clear(&r);
	/* Neither host file: no AppArmor, no overlay. */
	assert_int_equal(judge_text("web", "{\"security.nesting\":\"true\"}", NULL, NULL, &r), 0);
	assert_int_equal(r.status, STATUS_WARN);
	assert_true(has_command(&r, "lxc config set web linux.kernel_modules overlay"));
	result_clear(&r);
	assert_int_equal(judge_text("web", "{\"security.nesting\":\"true\"}", "Y", "nodev\toverlay", &r), 0);
	assert_int_equal(r.status, STATUS_PASS);
	assert_string_equal(r.summary, "web: unprivileged, nesting on");
	result_clear(&r);

	assert_int_equal(judge_text("web", "{\"security.nesting\":", "Y", NULL, &r), -EBADMSG);
	assert_int_equal(r.status, STATUS_ERROR);
	assert_non_null(strstr(r.summary, "lxd.instance.config"));
	result_clear(&r);
	assert_int_equal(judge_text("web", "[\"security.nesting\"]", "Y", NULL, &r), -EBADMSG);
	result_clear(&r);
	/* A recorded name goes into pasted commands: only LXD's names are judged. */
	assert_int_equal(judge_text("web;reboot", "{}", "Y", NULL, &r), -EBADMSG);
	assert_int_equal(r.status, STATUS_ERROR);
	assert_non_null(strstr(r.summary, "lxd.instance.name"));
	assert_int_equal(r.n_remedies, 0);
	result_clear(&r);
}

static bool any_command_starts(const struct result *r, const char *prefix)
{
	for (size_t i = 0; i < r->n_remedies; i++)
		for (size_t j = 0; j < r->remedies[i].commands.n; j++)
			if (startswith(r->remedies[i].commands.v[j], prefix))
				return true;
	return false;
}

/* An Incus instance (nestcheck incus NAME): Incus's client in every fix, never LXD's, and the reverse. */
static void test_incus(void **state)
{
	struct result r;
	struct lxd_instance_text t = {.platform = "incus",
				      .name = "web",
				      .status = "Running",
				      .config = "{\"security.idmap.size\":\"65534\"}",
				      .apparmor = "Y",
				      .filesystems = "nodev\tproc\n"};
	r = (struct result){.check = &lxd_check, .status = STATUS_ERROR};
	assert_int_equal(lxd_instance_judge_text(&t, &r), 0);
	assert_int_equal(r.status, STATUS_FAIL);
	assert_true(has_command(&r, "incus config set web security.nesting true"));
	assert_true(has_command(&r, "incus config set web security.idmap.size 1000000"));
	assert_true(has_command(&r, "incus config set web linux.kernel_modules overlay"));
	assert_true(has_command(&r, "incus restart web"));
	assert_false(any_command_starts(&r, "lxc "));
	assert_true(result_has_evidence(&r, "platform"));
	result_clear(&r);

	/* Nesting off under AppArmor: Incus's profile still lets Docker's containers start (a warn), LXD's not. */
	t.config = "{}";
	t.filesystems = "nodev\toverlay\n";
	r = (struct result){.check = &lxd_check, .status = STATUS_ERROR};
	assert_int_equal(lxd_instance_judge_text(&t, &r), 0);
	assert_int_equal(r.status, STATUS_WARN);
	assert_true(has_command(&r, "incus config set web security.nesting true"));
	result_clear(&r);
	t.config = "{\"security.idmap.size\":\"65534\"}";
	t.filesystems = "nodev\tproc\n";

	t.platform = "lxd";
	r = (struct result){.check = &lxd_check, .status = STATUS_ERROR};
	assert_int_equal(lxd_instance_judge_text(&t, &r), 0);
	assert_true(has_command(&r, "lxc restart web"));
	assert_false(any_command_starts(&r, "incus "));
	result_clear(&r);

	t.platform = "pct";
	r = (struct result){.check = &lxd_check, .status = STATUS_ERROR};
	assert_int_equal(lxd_instance_judge_text(&t, &r), -EBADMSG);
	assert_non_null(strstr(r.summary, "lxd.instance.platform"));
	result_clear(&r);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting), cmocka_unit_test(test_privileged_and_idmap),
		cmocka_unit_test(test_overlay), cmocka_unit_test(test_host_files),
		cmocka_unit_test(test_names),	cmocka_unit_test(test_recorded_text),
		cmocka_unit_test(test_incus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
