/*
 * lib/sysinfo: the seed's alert thresholds at their edges, and the readers
 * against a fake /sys and /proc tree in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysinfo.h"

static char root[64];

/* Write text to root/rel, making the directories on the way. */
static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_sysinfo.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(sysinfo_cpu_temp_level(64.9), SYSINFO_OK);
	assert_int_equal(sysinfo_cpu_temp_level(65.0), SYSINFO_WARN);
	assert_int_equal(sysinfo_cpu_temp_level(79.9), SYSINFO_WARN);
	assert_int_equal(sysinfo_cpu_temp_level(80.0), SYSINFO_CRITICAL);

	assert_int_equal(sysinfo_storage_level(84.99), SYSINFO_OK);
	assert_int_equal(sysinfo_storage_level(85.0), SYSINFO_WARN);
	assert_int_equal(sysinfo_storage_level(95.0), SYSINFO_CRITICAL);
	assert_int_equal(sysinfo_storage_level(100.0), SYSINFO_CRITICAL);

	/* Only what is happening now counts: bits 16-19 are history. */
	assert_int_equal(sysinfo_throttle_level(0), SYSINFO_OK);
	assert_int_equal(sysinfo_throttle_level(0x50000), SYSINFO_OK);
	assert_int_equal(sysinfo_throttle_level(0x1), SYSINFO_CRITICAL);
	assert_int_equal(sysinfo_throttle_level(0x50005), SYSINFO_CRITICAL);
	assert_int_equal(sysinfo_throttle_level(0x8), SYSINFO_CRITICAL);

	assert_int_equal(sysinfo_sd_level(0x01), SYSINFO_OK);
	assert_int_equal(sysinfo_sd_level(0x02), SYSINFO_OK);
	assert_int_equal(sysinfo_sd_level(0x03), SYSINFO_WARN);
	assert_int_equal(sysinfo_sd_level(0x0A), SYSINFO_WARN);
	assert_int_equal(sysinfo_sd_level(0x0B), SYSINFO_CRITICAL);

	assert_string_equal(sysinfo_level_name(sysinfo_worst(SYSINFO_WARN, SYSINFO_OK)), "warn");
	assert_string_equal(sysinfo_level_name(sysinfo_worst(SYSINFO_WARN, SYSINFO_CRITICAL)),
			    "critical");
}

static void test_nothing_there(void **state)
{
	struct sysinfo_readings r = { 0 };
	double d[3];
	unsigned long fl;
	unsigned est;
	json_t *doc;

	(void)state;
	assert_int_equal(sysinfo_cpu_temp(root, &d[0]), -1);
	assert_int_equal(sysinfo_loadavg(root, d), -1);
	assert_int_equal(sysinfo_uptime(root, &d[0]), -1);
	assert_int_equal(sysinfo_throttled(root, &fl), -1);
	assert_int_equal(sysinfo_sd_life_time(root, &est), -1);

	/* Unavailable everywhere: all ok, values null, available false. */
	sysinfo_read(root, &r);
	doc = sysinfo_health_alerts(&r);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "overall")), "ok");
	assert_true(json_is_null(json_object_get(json_object_get(doc, "values"), "cpu_temp_c")));
	assert_true(json_is_false(json_object_get(json_object_get(doc, "available"), "sd_health")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "alerts"),
							      "throttle")), "ok");
	json_decref(doc);
}

static void test_readers(void **state)
{
	double load[3], up, c;
	unsigned long fl;
	unsigned est;

	(void)state;
	put("proc/loadavg", "0.52 0.31 0.20 2/345 6789\n");
	put("proc/uptime", "12345.67 40000.00\n");
	assert_int_equal(sysinfo_loadavg(root, load), 0);
	assert_true(load[0] > 0.51 && load[0] < 0.53 && load[2] > 0.19 && load[2] < 0.21);
	assert_int_equal(sysinfo_uptime(root, &up), 0);
	assert_true(up > 12345.6 && up < 12345.7);

	/* The CPU's zone wins over an earlier one that is not. */
	put("sys/class/thermal/thermal_zone0/type", "acpitz\n");
	put("sys/class/thermal/thermal_zone0/temp", "30000\n");
	put("sys/class/thermal/thermal_zone1/type", "cpu-thermal\n");
	put("sys/class/thermal/thermal_zone1/temp", "66500\n");
	assert_int_equal(sysinfo_cpu_temp(root, &c), 0);
	assert_true(c > 66.4 && c < 66.6);
	/* A broken CPU zone: any zone that reads. */
	put("sys/class/thermal/thermal_zone1/temp", "garbage\n");
	assert_int_equal(sysinfo_cpu_temp(root, &c), 0);
	assert_true(c > 29.9 && c < 30.1);

	put("sys/devices/platform/soc/soc:firmware/get_throttled", "50005\n");
	assert_int_equal(sysinfo_throttled(root, &fl), 0);
	assert_int_equal(fl, 0x50005);
	put("sys/devices/platform/soc/soc:firmware/get_throttled", "throttled=0x0\n");
	assert_int_equal(sysinfo_throttled(root, &fl), 0);
	assert_int_equal(fl, 0);
	put("sys/devices/platform/soc/soc:firmware/get_throttled", "-1\n");
	assert_int_equal(sysinfo_throttled(root, &fl), -1);

	put("sys/block/mmcblk0/device/life_time", "0x01 0x03\n");
	put("sys/block/mmcblk0boot0/device/life_time", "0x0B 0x0B\n");
	assert_int_equal(sysinfo_sd_life_time(root, &est), 0);
	assert_int_equal(est, 0x03);
	put("sys/block/mmcblk0/device/life_time", "0x0C\n");
	assert_int_equal(sysinfo_sd_life_time(root, &est), -1);
}

static void test_document(void **state)
{
	struct sysinfo_readings r = {
		.has_cpu_temp = true, .cpu_temp_c = 70.04,
		.has_storage = true, .storage_percent = 96.0,
		.has_throttle = true, .throttle_flags = 0,
		.has_sd = false,
	};
	json_t *doc, *alerts;

	(void)state;
	doc = sysinfo_health_alerts(&r);
	assert_non_null(doc);
	alerts = json_object_get(doc, "alerts");
	assert_string_equal(json_string_value(json_object_get(alerts, "cpu_temp")), "warn");
	assert_string_equal(json_string_value(json_object_get(alerts, "storage")), "critical");
	assert_string_equal(json_string_value(json_object_get(alerts, "throttle")), "ok");
	assert_string_equal(json_string_value(json_object_get(alerts, "sd_health")), "ok");
	assert_string_equal(json_string_value(json_object_get(doc, "overall")), "critical");
	assert_true(json_real_value(json_object_get(json_object_get(doc, "values"),
						    "cpu_temp_c")) == 70.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "values"),
							    "throttle_flags")), 0);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_nothing_there),
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_document),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
