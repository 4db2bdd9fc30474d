/*
 * The 7 context filters against a scripted lookup environment, in
 * Europe/Berlin local time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <jansson.h>

#include "engine/gate.h"

/* What the lookups answer, and what they were asked. */
struct fake {
	int rc;                 /* 0 found, 1 nothing, -1 error */
	const char *room;       /* person_location's room, transition's to */
	const char *from;       /* transition's from */
	const char *severity;   /* scene_severity's answer */
	time_t at;
	int64_t asked_person;
	int64_t asked_room_id;
	time_t asked_since;
	int calls;
};

static void copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src ? src : "");

	if (n >= len)
		n = len - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static int fake_location(void *ud, int64_t person_id, char *room, size_t roomlen,
			 time_t *seen_at)
{
	struct fake *f = ud;

	f->asked_person = person_id;
	f->calls++;
	if (f->rc == 0) {
		copy(room, roomlen, f->room);
		*seen_at = f->at;
	}
	return f->rc;
}

static int fake_activity(void *ud, int64_t person_id, const char *type, time_t *at)
{
	struct fake *f = ud;

	(void)type;
	f->asked_person = person_id;
	f->calls++;
	if (f->rc == 0)
		*at = f->at;
	return f->rc;
}

static int fake_transition(void *ud, int64_t person_id, char *from, size_t fromlen, char *to,
			   size_t tolen, time_t *at)
{
	struct fake *f = ud;

	f->asked_person = person_id;
	f->calls++;
	if (f->rc == 0) {
		copy(from, fromlen, f->from);
		copy(to, tolen, f->room);
		*at = f->at;
	}
	return f->rc;
}

static int fake_severity(void *ud, int64_t room_id, const char *room_name, time_t since,
			 char *severity, size_t sevlen)
{
	struct fake *f = ud;

	(void)room_name;
	f->asked_room_id = room_id;
	f->asked_since = since;
	f->calls++;
	if (f->rc == 0)
		copy(severity, sevlen, f->severity);
	return f->rc;
}

static struct fake fake;
static struct filter_env env = {
	.ud = &fake,
	.person_location = fake_location,
	.last_activity = fake_activity,
	.last_transition = fake_transition,
	.scene_severity = fake_severity,
};

/* Unix time of a Europe/Berlin wall-clock time. */
static time_t local(int y, int mon, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
			.tm_hour = h, .tm_min = mi, .tm_sec = s, .tm_isdst = -1};

	return mktime(&tm);
}

/* 2026-11-23 is a Monday. */
#define NOON local(2026, 11, 23, 12, 0, 0)

static char why[256];

/* filter_check of a JSON config text at now, in room (id, name). */
static int check_in(const char *type, const char *config, time_t now, int64_t room_id,
		    const char *room_name)
{
	struct filter_input in = {.now = now, .room_id = room_id, .room_name = room_name,
				  .env = &env};
	json_t *c = json_loads(config, 0, NULL);
	int rc;

	assert_non_null(c);
	rc = filter_check(type, c, &in, why, sizeof(why));
	/* filter_eval is the same answer with "cannot tell" as "no". */
	assert_int_equal(filter_eval(type, c, &in, why, sizeof(why)), rc == 1);
	json_decref(c);
	return rc;
}

static int check(const char *type, const char *config, time_t now)
{
	return check_in(type, config, now, 0, NULL);
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	why[0] = '\0';
	return 0;
}

static void test_room(void **state)
{
	(void)state;
	assert_int_equal(check_in("room", "{\"room_name\": \"kitchen\"}", NOON, 3, "KitChen"), 1);
	assert_int_equal(check_in("room", "{\"room_name\": \"Kitchen\"}", NOON, 3, "Hall"), 0);
	assert_string_equal(why, "room is Hall, not Kitchen");
	assert_int_equal(check_in("room", "{\"room_id\": 3}", NOON, 3, "Hall"), 1);
	assert_int_equal(check_in("room", "{\"room_id\": 4}", NOON, 3, NULL), 0);
	assert_int_equal(check_in("room", "{\"room_id\": 4, \"room_name\": \"hall\"}", NOON, 3,
				  "Hall"), 1);
	assert_int_equal(check("room", "{\"room_name\": \"Kitchen\"}", NOON), 0);
	assert_string_equal(why, "the trigger has no room");
	/* ASCII folding only. */
	assert_int_equal(check_in("room", "{\"room_name\": \"k\xc3\xbc" "che\"}", NOON, 3,
				  "K\xc3\x9c" "CHE"), 0);
	assert_int_equal(check("room", "{}", NOON), -1);
}

static void test_time_range(void **state)
{
	const char *day = "{\"start_time\": \"08:00\", \"end_time\": \"22:00\"}";
	const char *night = "{\"start_time\": \"22:00\", \"end_time\": \"06:00\"}";

	(void)state;
	assert_int_equal(check("time_range", day, NOON), 1);
	assert_int_equal(check("time_range", day, local(2026, 11, 23, 8, 0, 0)), 1);
	assert_int_equal(check("time_range", day, local(2026, 11, 23, 7, 59, 59)), 0);
	assert_int_equal(check("time_range", day, local(2026, 11, 23, 21, 59, 59)), 1);
	assert_int_equal(check("time_range", day, local(2026, 11, 23, 22, 0, 0)), 0);
	assert_int_equal(check("time_range", day, local(2026, 11, 23, 23, 10, 0)), 0);
	assert_string_equal(why, "23:10 is outside 08:00-22:00");

	/* Past midnight. */
	assert_int_equal(check("time_range", night, local(2026, 11, 23, 23, 10, 0)), 1);
	assert_int_equal(check("time_range", night, local(2026, 11, 23, 0, 0, 0)), 1);
	assert_int_equal(check("time_range", night, local(2026, 11, 23, 5, 59, 0)), 1);
	assert_int_equal(check("time_range", night, local(2026, 11, 23, 6, 0, 0)), 0);
	assert_int_equal(check("time_range", night, local(2026, 11, 23, 21, 59, 0)), 0);
	assert_int_equal(check("time_range", night, NOON), 0);

	/* start == end: the whole day. */
	assert_int_equal(check("time_range", "{\"start_time\": \"07:00\", \"end_time\": \"07:00\"}",
			       local(2026, 11, 23, 6, 59, 0)), 1);
	assert_int_equal(check("time_range", "{\"start_time\": \"07:00\", \"end_time\": \"07:00\"}",
			       local(2026, 11, 23, 7, 0, 0)), 1);

	assert_int_equal(check("time_range", "{\"start_time\": \"7:00\", \"end_time\": \"08:00\"}",
			       NOON), -1);
	assert_int_equal(check("time_range", "{\"start_time\": \"24:00\", \"end_time\": \"08:00\"}",
			       NOON), -1);
	assert_int_equal(check("time_range", "{\"start_time\": \"07:00\"}", NOON), -1);
}

static void test_day_of_week(void **state)
{
	(void)state;
	/* Monday is 0, from its first second; Sunday is 6 to its last. */
	assert_int_equal(check("day_of_week", "{\"days\": [0]}", local(2026, 11, 23, 0, 0, 0)), 1);
	assert_int_equal(check("day_of_week", "{\"days\": [0]}",
			       local(2026, 11, 22, 23, 59, 59)), 0);
	assert_string_equal(why, "Sunday (6) is not one of the days");
	assert_int_equal(check("day_of_week", "{\"days\": [6]}",
			       local(2026, 11, 22, 23, 59, 59)), 1);
	assert_int_equal(check("day_of_week", "{\"days\": [1, 2, 3]}", NOON), 0);
	assert_int_equal(check("day_of_week", "{\"days\": [4, 0]}", NOON), 1);
	/* The local day, not UTC's: Monday 00:30 in Berlin is Sunday in UTC. */
	assert_int_equal(check("day_of_week", "{\"days\": [0]}", local(2026, 11, 23, 0, 30, 0)), 1);
	assert_int_equal(check("day_of_week", "{\"days\": [7]}", NOON), -1);
	assert_int_equal(check("day_of_week", "{}", NOON), -1);
}

static void test_person_presence(void **state)
{
	const char *home = "{\"person_id\": 3}";

	(void)state;
	fake.room = "Kitchen";
	fake.at = NOON - 30 * 60;  /* exactly 30 min: still home */
	assert_int_equal(check("person_presence", home, NOON), 1);
	assert_int_equal(fake.asked_person, 3);
	fake.at = NOON - 30 * 60 - 1;
	assert_int_equal(check("person_presence", home, NOON), 0);
	assert_string_equal(why, "person 3 is away (last seen in Kitchen 30 min ago), not home");
	assert_int_equal(check("person_presence", "{\"person_id\": 3, \"status\": \"away\"}", NOON),
			 1);

	fake.at = NOON - 60;
	assert_int_equal(check("person_presence",
			       "{\"person_id\": 3, \"room_name\": \"kitchen\"}", NOON), 1);
	assert_int_equal(check("person_presence",
			       "{\"person_id\": 3, \"room_name\": \"Bedroom\"}", NOON), 0);
	assert_string_equal(why, "person 3 is home in Kitchen, not Bedroom");
	assert_int_equal(check("person_presence", "{\"person_id\": 3, \"status\": \"away\"}", NOON),
			 0);

	fake.rc = 1;  /* never seen */
	assert_int_equal(check("person_presence", home, NOON), 0);
	assert_int_equal(check("person_presence", "{\"person_id\": 3, \"status\": \"unknown\"}",
			       NOON), 1);
	assert_int_equal(check("person_presence", "{\"person_id\": 3, \"status\": \"away\"}", NOON),
			 0);

	fake.rc = -1;
	assert_int_equal(check("person_presence", home, NOON), -1);
	assert_non_null(strstr(why, "lookup failed"));

	assert_int_equal(check("person_presence", "{}", NOON), -1);
	assert_int_equal(check("person_presence", "{\"person_id\": 3, \"status\": \"out\"}", NOON),
			 -1);
}

static void test_person_presence_no_env(void **state)
{
	struct filter_input in = {.now = NOON};
	json_t *c = json_pack("{s:i, s:s}", "person_id", 3, "status", "unknown");

	(void)state;
	/* No environment: nothing is ever found. */
	assert_int_equal(filter_check("person_presence", c, &in, why, sizeof(why)), 1);
	json_decref(c);
}

static void test_person_activity(void **state)
{
	const char *fall = "{\"person_id\": 3, \"activity_type\": \"fall\"}";

	(void)state;
	fake.at = NOON - 30 * 60;
	assert_int_equal(check("person_activity", fall, NOON), 1);
	assert_int_equal(fake.asked_person, 3);
	fake.at = NOON - 30 * 60 - 1;
	assert_int_equal(check("person_activity", fall, NOON), 0);
	assert_int_equal(check("person_activity",
			       "{\"person_id\": 3, \"activity_type\": \"fall\","
			       " \"within_minutes\": 31}", NOON), 1);
	/* No person_id: anyone, asked as 0. */
	assert_int_equal(check("person_activity", "{\"activity_type\": \"fall\","
			       " \"within_minutes\": 60}", NOON), 1);
	assert_int_equal(fake.asked_person, 0);
	fake.rc = 1;
	assert_int_equal(check("person_activity", fall, NOON), 0);
	assert_string_equal(why, "no fall by person 3 in the last 30 min");
	fake.rc = -1;
	assert_int_equal(check("person_activity", fall, NOON), -1);
	assert_non_null(strstr(why, "lookup failed"));
	assert_int_equal(check("person_activity", "{\"person_id\": 3}", NOON), -1);
	assert_int_equal(check("person_activity", "{\"activity_type\": \"fall\","
			       " \"within_minutes\": 0}", NOON), -1);
}

static void test_room_transition(void **state)
{
	(void)state;
	fake.from = "Hall";
	fake.room = "Kitchen";
	fake.at = NOON - 5 * 60;
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"to_room_name\": \"kitchen\"}", NOON), 1);
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"semantic\": \"entering\","
			       " \"to_room_name\": \"Hall\"}", NOON), 0);
	assert_string_equal(why, "person 3 moved Hall -> Kitchen, not into Hall");
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"semantic\": \"exiting\","
			       " \"from_room_name\": \"HALL\"}", NOON), 1);
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"semantic\": \"exiting\","
			       " \"from_room_name\": \"Kitchen\"}", NOON), 0);
	/* The other side narrows. */
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"semantic\": \"exiting\","
			       " \"from_room_name\": \"Hall\", \"to_room_name\": \"Bath\"}", NOON), 0);
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"to_room_name\": \"Kitchen\","
			       " \"from_room_name\": \"Hall\"}", NOON), 1);
	/* Too old for the default 5 minutes, not for 10. */
	fake.at = NOON - 5 * 60 - 1;
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"to_room_name\": \"Kitchen\"}", NOON), 0);
	assert_int_equal(check("room_transition",
			       "{\"person_id\": 3, \"to_room_name\": \"Kitchen\","
			       " \"within_minutes\": 10}", NOON), 1);
	/* Seen in one room only: no transition. */
	fake.from = "";
	fake.at = NOON;
	assert_int_equal(check("room_transition", "{\"person_id\": 3}", NOON), 0);
	fake.rc = 1;
	assert_int_equal(check("room_transition", "{\"person_id\": 3}", NOON), 0);
	fake.rc = -1;
	assert_int_equal(check("room_transition", "{\"person_id\": 3}", NOON), -1);
	assert_non_null(strstr(why, "lookup failed"));
	assert_int_equal(check("room_transition", "{\"person_id\": 3, \"semantic\": \"in\"}",
			       NOON), -1);
}

static void test_scene_trend(void **state)
{
	(void)state;
	fake.severity = "warning";
	assert_int_equal(check("scene_trend", "{\"room_name\": \"Kitchen\"}", NOON), 1);
	assert_int_equal(fake.asked_since, NOON - 60 * 60);
	assert_int_equal(fake.asked_room_id, 0);
	assert_int_equal(check("scene_trend", "{\"room_name\": \"Kitchen\","
			       " \"severity_threshold\": \"critical\", \"within_minutes\": 10}", NOON),
			 0);
	assert_int_equal(fake.asked_since, NOON - 10 * 60);
	assert_int_equal(check("scene_trend", "{\"room_ids\": [4, 5],"
			       " \"severity_threshold\": \"info\"}", NOON), 1);
	assert_int_equal(fake.asked_room_id, 4);
	fake.severity = "ok";
	fake.calls = 0;
	assert_int_equal(check("scene_trend", "{\"room_ids\": [4, 5]}", NOON), 0);
	assert_int_equal(fake.calls, 4);  /* check + eval, both rooms each */
	assert_int_equal(check("scene_trend", "{\"room_ids\": [4],"
			       " \"severity_threshold\": \"ok\"}", NOON), 1);
	fake.rc = 1;
	assert_int_equal(check("scene_trend", "{\"room_name\": \"Kitchen\","
			       " \"severity_threshold\": \"ok\"}", NOON), 0);
	fake.rc = -1;
	assert_int_equal(check("scene_trend", "{\"room_name\": \"Kitchen\"}", NOON), -1);
	assert_non_null(strstr(why, "lookup failed"));
	assert_int_equal(check("scene_trend", "{}", NOON), -1);
	assert_int_equal(check("scene_trend", "{\"room_name\": \"Kitchen\","
			       " \"severity_threshold\": \"bad\"}", NOON), -1);
}

static void test_unknown_type(void **state)
{
	struct filter_input in = {.now = NOON};
	json_t *c = json_object();

	(void)state;
	assert_int_equal(filter_eval("weather", c, &in, why, sizeof(why)), 0);
	assert_string_equal(why, "unknown context type weather");
	assert_int_equal(filter_check("weather", c, &in, why, sizeof(why)), -1);
	assert_int_equal(filter_check(NULL, c, &in, why, sizeof(why)), -1);
	assert_int_equal(filter_check("room", NULL, &in, why, sizeof(why)), -1);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_room, setup),
		cmocka_unit_test_setup(test_time_range, setup),
		cmocka_unit_test_setup(test_day_of_week, setup),
		cmocka_unit_test_setup(test_person_presence, setup),
		cmocka_unit_test_setup(test_person_presence_no_env, setup),
		cmocka_unit_test_setup(test_person_activity, setup),
		cmocka_unit_test_setup(test_room_transition, setup),
		cmocka_unit_test_setup(test_scene_trend, setup),
		cmocka_unit_test_setup(test_unknown_type, setup),
	};

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
