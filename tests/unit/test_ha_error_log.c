/* Home Assistant's error log as entries (ha/error_log.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ha/error_log.h"

static const char sample[] =
	"Logger: preamble without a header\n"
	"2026-01-01 07:58:12.104 WARNING (MainThread) [homeassistant.util.loop] Detected "
	"blocking call\n"
	"2026-01-01 07:59:40.551 ERROR (MainThread) [homeassistant.components.netatmo] Unable "
	"to fetch data\n"
	"2026-01-01 08:00:01.003 ERROR (SyncWorker_3) [homeassistant.components.zha] Error "
	"doing job\n"
	"Traceback (most recent call last):\n"
	"  File \"/usr/src/homeassistant/core.py\", line 12, in run\n"
	"    raise ValueError(\"x\")\n"
	"ValueError: x\n"
	"\n"
	"2026-01-01 08:01:40.551 ERROR (MainThread) [homeassistant.components.netatmo] Unable "
	"to fetch data\r\n"
	"2026-01-01 08:02:00 INFO [homeassistant.setup] Setting up http\n"
	"2026-01-01 08:03:00.000 CRITICAL (MainThread) [homeassistant.core] [0x5e21]: boom";

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_entries(void **state)
{
	json_t *log, *entries, *e;

	(void)state;
	log = ha_error_log_parse(sample, strlen(sample), HA_LOG_DEBUG, 0);
	assert_non_null(log);
	entries = json_object_get(log, "entries");
	assert_int_equal(json_array_size(entries), 5);
	assert_int_equal(json_integer_value(json_object_get(log, "total")), 5);

	/* newest first */
	e = json_array_get(entries, 0);
	assert_string_equal(str(e, "level"), "critical");
	assert_string_equal(str(e, "logger"), "homeassistant.core");
	assert_string_equal(str(e, "message"), "[0x5e21]: boom");
	assert_null(json_object_get(e, "first_seen") ? str(e, "first_seen") : NULL);

	e = json_array_get(entries, 1);
	assert_string_equal(str(e, "level"), "info");
	assert_string_equal(str(e, "time"), "2026-01-01 08:02:00");
	assert_true(json_is_null(json_object_get(e, "thread")));

	/* the repeated one: folded, its last time, its first */
	e = json_array_get(entries, 2);
	assert_string_equal(str(e, "logger"), "homeassistant.components.netatmo");
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 2);
	assert_string_equal(str(e, "time"), "2026-01-01 08:01:40.551");
	assert_string_equal(str(e, "first_seen"), "2026-01-01 07:59:40.551");
	assert_string_equal(str(e, "message"), "Unable to fetch data");

	/* the traceback stays with its entry */
	e = json_array_get(entries, 3);
	assert_string_equal(str(e, "thread"), "SyncWorker_3");
	assert_string_equal(str(e, "message"), "Error doing job");
	assert_string_equal(str(e, "traceback"),
			    "Traceback (most recent call last):\n"
			    "  File \"/usr/src/homeassistant/core.py\", line 12, in run\n"
			    "    raise ValueError(\"x\")\n"
			    "ValueError: x");
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 1);

	assert_int_equal(json_integer_value(json_object_get(json_object_get(log, "counts"),
							    "error")), 3);
	json_decref(log);
}

static void test_filters(void **state)
{
	json_t *log;

	(void)state;
	log = ha_error_log_parse(sample, strlen(sample), HA_LOG_ERROR, 1);
	assert_non_null(log);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 1);
	assert_int_equal(json_integer_value(json_object_get(log, "total")), 3);
	assert_string_equal(str(json_array_get(json_object_get(log, "entries"), 0), "level"),
			    "critical");
	/* counts are of every level whatever the filter */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(log, "counts"),
							    "info")), 1);
	json_decref(log);
}

static void test_levels(void **state)
{
	enum ha_log_level l;

	(void)state;
	assert_int_equal(ha_log_level_parse("warning", &l), 0);
	assert_int_equal(l, HA_LOG_WARNING);
	assert_int_equal(ha_log_level_parse("WARNING", &l), -1);
	assert_int_equal(ha_log_level_parse("fatal", &l), -1);
	assert_string_equal(ha_log_level_name(HA_LOG_CRITICAL), "critical");
}

static void test_untrusted(void **state)
{
	static const char bad[] = "2026-01-01 08:00:00.1 ERROR (x) [a.b] bad \xff\x01 bytes\x00z\n"
				  "2026-01-01 08:00:00.1 ERROR (x [a.b] not a header\n"
				  "2026-13-01 8:00:00 ERROR [a.b] no";
	char big[HA_LOG_MESSAGE_MAX * 2 + 64];
	json_t *log, *e;

	(void)state;
	log = ha_error_log_parse(bad, sizeof(bad) - 1, HA_LOG_DEBUG, 0);
	assert_non_null(log);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 1);
	e = json_array_get(json_object_get(log, "entries"), 0);
	assert_string_equal(str(e, "message"), "bad ?? bytes?z");
	assert_non_null(strstr(str(e, "traceback"), "not a header"));
	json_decref(log);

	memcpy(big, "2026-01-01 08:00:00 ERROR [a] ", 30);
	memset(big + 30, 'x', sizeof(big) - 30);
	log = ha_error_log_parse(big, sizeof(big), HA_LOG_DEBUG, 0);
	e = json_array_get(json_object_get(log, "entries"), 0);
	assert_true(strlen(str(e, "message")) <= HA_LOG_MESSAGE_MAX + 4);
	json_decref(log);

	log = ha_error_log_parse(NULL, 0, HA_LOG_DEBUG, 0);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 0);
	json_decref(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_untrusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
