/* Quiet hours: which channels they hold back, for which levels, and when
 * (windows that wrap past midnight included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/notify.h"
#include "store/notify_rules.h"

#define AT(h, m) ((h) * 60 + (m))

static void test_hhmm(void **state)
{
	static const char *const bad[] = {"", "7:00", "07:0", "24:00", "12:60", "ab:cd",
					  "07-00", "07:000", " 7:00", "-1:00"};

	(void)state;
	assert_int_equal(notify_hhmm("00:00"), 0);
	assert_int_equal(notify_hhmm("07:30"), 450);
	assert_int_equal(notify_hhmm("23:59"), 1439);
	assert_int_equal(notify_hhmm(NULL), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(notify_hhmm(bad[i]), -1);
}

static void test_windows(void **state)
{
	(void)state;
	/* Within a day: [start, end). */
	assert_true(notify_in_window(AT(13, 0), AT(15, 0), AT(13, 0)));
	assert_true(notify_in_window(AT(13, 0), AT(15, 0), AT(14, 59)));
	assert_false(notify_in_window(AT(13, 0), AT(15, 0), AT(15, 0)));
	assert_false(notify_in_window(AT(13, 0), AT(15, 0), AT(12, 59)));
	/* Past midnight. */
	assert_true(notify_in_window(AT(22, 0), AT(7, 0), AT(22, 0)));
	assert_true(notify_in_window(AT(22, 0), AT(7, 0), AT(23, 59)));
	assert_true(notify_in_window(AT(22, 0), AT(7, 0), AT(0, 0)));
	assert_true(notify_in_window(AT(22, 0), AT(7, 0), AT(6, 59)));
	assert_false(notify_in_window(AT(22, 0), AT(7, 0), AT(7, 0)));
	assert_false(notify_in_window(AT(22, 0), AT(7, 0), AT(12, 0)));
	assert_false(notify_in_window(AT(22, 0), AT(7, 0), AT(21, 59)));
	/* An empty window holds nothing. */
	assert_false(notify_in_window(AT(8, 0), AT(8, 0), AT(8, 0)));
}

static void test_channels_and_levels(void **state)
{
	struct notify_rule r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.quiet_enabled = true;
	memcpy(r.quiet_start, "22:00", 6);
	memcpy(r.quiet_end, "07:00", 6);

	/* Voice and e-ink wait; pop-ups, messages and webhooks go. */
	assert_true(notify_quiet(&r, "warning", "ha_speaker_tts", AT(23, 0)));
	assert_true(notify_quiet(&r, "reminder", "pwa_tts_announcement", AT(2, 0)));
	assert_true(notify_quiet(&r, "info", "pwa_realtime_ai", AT(6, 0)));
	assert_true(notify_quiet(&r, "warning", "eink", AT(22, 30)));
	assert_false(notify_quiet(&r, "warning", "pwa_popup_text", AT(23, 0)));
	assert_false(notify_quiet(&r, "warning", "telegram", AT(23, 0)));
	assert_false(notify_quiet(&r, "warning", "webhook", AT(23, 0)));
	/* By day, nothing waits. */
	assert_false(notify_quiet(&r, "warning", "ha_speaker_tts", AT(12, 0)));
	/* An emergency ignores quiet hours. */
	assert_false(notify_quiet(&r, "emergency", "ha_speaker_tts", AT(23, 0)));
	/* Switched off, or damaged times: nothing waits. */
	r.quiet_enabled = false;
	assert_false(notify_quiet(&r, "warning", "ha_speaker_tts", AT(23, 0)));
	r.quiet_enabled = true;
	memcpy(r.quiet_start, "99:99", 6);
	assert_false(notify_quiet(&r, "warning", "ha_speaker_tts", AT(23, 0)));
	assert_false(notify_quiet(NULL, "warning", "ha_speaker_tts", AT(23, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hhmm),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_channels_and_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
