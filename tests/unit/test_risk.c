/* Risk scores, levels, zones and the calibration: validation of a merged
 * update and how feedback moves the thresholds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "security/risk.h"

static void test_detection_score(void **state)
{
	(void)state;
	/* weight x confidence */
	assert_int_equal(risk_detection_score("person", 1.0, NULL, 12), 70);
	assert_int_equal(risk_detection_score("person", 0.5, NULL, 12), 35);
	assert_int_equal(risk_detection_score("car", 0.8, NULL, 12), 40);
	assert_int_equal(risk_detection_score("cat", 1.0, NULL, 12), 10);
	assert_int_equal(risk_detection_score("spaceship", 1.0, NULL, 12), 25);
	/* zone and night */
	assert_int_equal(risk_detection_score("person", 1.0, "restricted", 12), 95);
	assert_int_equal(risk_detection_score("person", 1.0, "entry_point", 12), 90);
	assert_int_equal(risk_detection_score("person", 1.0, "other", 12), 70);
	assert_int_equal(risk_detection_score("person", 1.0, NULL, 23), 80);
	assert_int_equal(risk_detection_score("person", 1.0, NULL, 22), 80);
	assert_int_equal(risk_detection_score("person", 1.0, NULL, 5), 80);
	assert_int_equal(risk_detection_score("person", 1.0, NULL, 6), 70);
	assert_int_equal(risk_detection_score("person", 1.0, NULL, 21), 70);
	assert_int_equal(risk_detection_score("person", 1.0, NULL, -1), 70);
	/* capped, confidence clamped */
	assert_int_equal(risk_detection_score("person", 1.0, "restricted", 2), 100);
	assert_int_equal(risk_detection_score("person", 7.0, NULL, 12), 70);
	assert_int_equal(risk_detection_score("person", -1.0, NULL, 12), 0);
	assert_int_equal(risk_detection_score(NULL, 1.0, NULL, 12), 25);
}

static void test_event_score(void **state)
{
	(void)state;
	assert_int_equal(risk_event_score(70, 1, 1), 70);
	assert_int_equal(risk_event_score(70, 5, 1), 70);
	assert_int_equal(risk_event_score(70, 6, 1), 71);
	assert_int_equal(risk_event_score(70, 1, 2), 75);
	assert_int_equal(risk_event_score(70, 1, 10), 85);     /* 15 at most */
	assert_int_equal(risk_event_score(70, 500, 1), 75);    /* 5 at most */
	assert_int_equal(risk_event_score(95, 500, 10), 100);
	assert_int_equal(risk_event_score(0, 0, 0), 0);
}

static void test_levels(void **state)
{
	struct risk_calibration c;

	(void)state;
	risk_calibration_defaults(&c);
	assert_string_equal(risk_level(0, &c), "low");
	assert_string_equal(risk_level(29, &c), "low");
	assert_string_equal(risk_level(30, &c), "medium");
	assert_string_equal(risk_level(59, &c), "medium");
	assert_string_equal(risk_level(60, &c), "high");
	assert_string_equal(risk_level(84, &c), "high");
	assert_string_equal(risk_level(85, &c), "critical");
	assert_string_equal(risk_level(100, &c), "critical");
	assert_int_equal(risk_level_rank("low"), 0);
	assert_int_equal(risk_level_rank("critical"), 3);
	assert_int_equal(risk_level_rank("severe"), -1);
	assert_int_equal(risk_level_rank(NULL), -1);
}

static void test_polygon(void **state)
{
	static const double square[] = {0.2, 0.2, 0.8, 0.2, 0.8, 0.8, 0.2, 0.8};
	/* An L shape: the notch at the top right is outside. */
	static const double ell[] = {0, 0, 1, 0, 1, 0.5, 0.5, 0.5, 0.5, 1, 0, 1};
	double xy[16];
	json_t *pairs = json_loads("[[0.2,0.2],[0.8,0.2],[0.8,0.8],[0.2,0.8]]", 0, NULL);
	json_t *objs = json_loads("[{\"x\":0,\"y\":0},{\"x\":1,\"y\":0},{\"x\":0,\"y\":1}]", 0,
				  NULL);
	json_t *bad = json_loads("[[0.2],[1,2]]", 0, NULL);

	(void)state;
	assert_true(risk_point_in_polygon(0.5, 0.5, square, 4));
	assert_false(risk_point_in_polygon(0.1, 0.5, square, 4));
	assert_false(risk_point_in_polygon(0.5, 0.9, square, 4));
	assert_true(risk_point_in_polygon(0.25, 0.75, ell, 6));
	assert_false(risk_point_in_polygon(0.75, 0.75, ell, 6));
	assert_true(risk_point_in_polygon(0.75, 0.25, ell, 6));
	assert_false(risk_point_in_polygon(0.5, 0.5, square, 2));

	assert_int_equal(risk_polygon_from_json(pairs, xy, 8), 4);
	assert_true(risk_point_in_polygon(0.5, 0.5, xy, 4));
	assert_int_equal(risk_polygon_from_json(objs, xy, 8), 3);
	assert_true(risk_point_in_polygon(0.2, 0.2, xy, 3));
	assert_false(risk_point_in_polygon(0.8, 0.8, xy, 3));
	assert_int_equal(risk_polygon_from_json(bad, xy, 8), -1);
	assert_int_equal(risk_polygon_from_json(pairs, xy, 3), -1);
	assert_int_equal(risk_polygon_from_json(NULL, xy, 8), -1);
	json_decref(pairs);
	json_decref(objs);
	json_decref(bad);
}

/* Merge text over the defaults; the number of problems, *out the result. */
static size_t merge(const char *text, bool partial, struct risk_calibration *out,
		    json_t **errs_out)
{
	struct risk_calibration base;
	json_t *doc = json_loads(text, 0, NULL), *errs = json_array();
	size_t n;

	assert_non_null(doc);
	risk_calibration_defaults(&base);
	n = risk_calibration_merge(&base, doc, partial, errs, out);
	assert_int_equal(n, json_array_size(errs));
	json_decref(doc);
	if (errs_out)
		*errs_out = errs;
	else
		json_decref(errs);
	return n;
}

static const char *err_field(json_t *errs, size_t i)
{
	return json_string_value(json_array_get(json_object_get(json_array_get(errs, i), "loc"),
						1));
}

static void test_calibration_merge(void **state)
{
	struct risk_calibration c;
	json_t *errs;

	(void)state;
	assert_int_equal(merge("{\"low_threshold\": 20}", true, &c, NULL), 0);
	assert_int_equal(c.low, 20);
	assert_int_equal(c.medium, 60);
	assert_int_equal(c.high, 85);
	assert_int_equal(merge("{\"low_threshold\": 20, \"medium_threshold\": 50,"
			       " \"high_threshold\": 90, \"decay_factor\": 0.5}", false, &c, NULL), 0);
	assert_int_equal(c.medium, 50);
	assert_true(c.decay_factor == 0.5);
	assert_int_equal(merge("{\"high_threshold\": 90.0}", true, &c, NULL), 0);
	assert_int_equal(c.high, 90);

	/* Alone fine, merged out of order. */
	assert_int_equal(merge("{\"low_threshold\": 70}", true, &c, &errs), 1);
	assert_string_equal(err_field(errs, 0), "low_threshold");
	json_decref(errs);
	assert_int_equal(merge("{\"high_threshold\": 50}", true, &c, &errs), 1);
	assert_string_equal(err_field(errs, 0), "high_threshold");
	json_decref(errs);
	assert_int_equal(merge("{\"medium_threshold\": 30}", true, &c, NULL), 1);
	assert_int_equal(merge("{\"medium_threshold\": 85}", true, &c, NULL), 1);

	/* PUT needs everything; bad types and ranges, all at once. */
	assert_int_equal(merge("{\"low_threshold\": 20}", false, &c, NULL), 3);
	assert_int_equal(merge("{\"low_threshold\": -1, \"high_threshold\": 101,"
			       " \"decay_factor\": 2, \"colour\": 1}", true, &c, &errs), 4);
	json_decref(errs);
	assert_int_equal(merge("{\"low_threshold\": \"10\", \"medium_threshold\": 40.5,"
			       " \"decay_factor\": \"x\"}", true, &c, NULL), 3);
	assert_int_equal(merge("{\"low_threshold\": true}", true, &c, NULL), 1);
	assert_int_equal(merge("{}", true, &c, NULL), 0);
	assert_int_equal(merge("[]", true, &c, NULL), 1);
}

static void test_feedback(void **state)
{
	struct risk_calibration c;
	enum risk_feedback fb;

	(void)state;
	assert_int_equal(risk_feedback_parse("false_positive", &fb), 0);
	assert_int_equal(fb, RISK_FB_FALSE_POSITIVE);
	assert_int_equal(risk_feedback_parse("nonsense", &fb), -1);

	/* 0.1 x 20 = 2 points. */
	risk_calibration_defaults(&c);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_FALSE_POSITIVE, "high", NULL), 0);
	assert_int_equal(c.low, 32);
	assert_int_equal(c.medium, 62);
	assert_int_equal(c.high, 87);
	risk_calibration_defaults(&c);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_MISSED_THREAT, "low", NULL), 0);
	assert_int_equal(c.low, 28);
	assert_int_equal(c.medium, 58);
	assert_int_equal(c.high, 83);
	risk_calibration_defaults(&c);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_CORRECT, "high", NULL), 0);
	assert_int_equal(c.low, 30);
	assert_int_equal(c.high, 85);

	/* severity_wrong follows the expected level. */
	risk_calibration_defaults(&c);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_SEVERITY_WRONG, "high", "low"), 0);
	assert_int_equal(c.low, 32);
	risk_calibration_defaults(&c);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_SEVERITY_WRONG, "medium", "critical"), 0);
	assert_int_equal(c.high, 83);
	risk_calibration_defaults(&c);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_SEVERITY_WRONG, "high", "high"), 0);
	assert_int_equal(c.medium, 60);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_SEVERITY_WRONG, "high", NULL), -1);
	assert_int_equal(risk_feedback_apply(&c, RISK_FB_SEVERITY_WRONG, "high", "worse"), -1);

	/* A small decay still moves; zero moves nothing. */
	risk_calibration_defaults(&c);
	c.decay_factor = 0.01;
	risk_feedback_apply(&c, RISK_FB_FALSE_POSITIVE, "high", NULL);
	assert_int_equal(c.low, 31);
	risk_calibration_defaults(&c);
	c.decay_factor = 0;
	risk_feedback_apply(&c, RISK_FB_FALSE_POSITIVE, "high", NULL);
	assert_int_equal(c.low, 30);

	/* Clamped at the ends with the order kept. */
	c = (struct risk_calibration){ .low = 97, .medium = 98, .high = 99, .decay_factor = 1 };
	risk_feedback_apply(&c, RISK_FB_FALSE_POSITIVE, "critical", NULL);
	assert_int_equal(c.high, 100);
	assert_int_equal(c.medium, 99);
	assert_int_equal(c.low, 98);
	for (int i = 0; i < 50; i++)
		risk_feedback_apply(&c, RISK_FB_FALSE_POSITIVE, "critical", NULL);
	assert_true(c.low < c.medium && c.medium < c.high && c.high <= 100);
	c = (struct risk_calibration){ .low = 1, .medium = 2, .high = 3, .decay_factor = 1 };
	risk_feedback_apply(&c, RISK_FB_MISSED_THREAT, "low", NULL);
	assert_int_equal(c.low, 0);
	assert_int_equal(c.medium, 1);
	assert_int_equal(c.high, 2);
	for (int i = 0; i < 50; i++)
		risk_feedback_apply(&c, RISK_FB_MISSED_THREAT, "low", NULL);
	assert_true(0 <= c.low && c.low < c.medium && c.medium < c.high);
}

static void test_calibration_json(void **state)
{
	struct risk_calibration c;
	json_t *j;

	(void)state;
	risk_calibration_defaults(&c);
	j = risk_calibration_json(&c);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "low_threshold")), 30);
	assert_int_equal(json_integer_value(json_object_get(j, "medium_threshold")), 60);
	assert_int_equal(json_integer_value(json_object_get(j, "high_threshold")), 85);
	assert_true(json_real_value(json_object_get(j, "decay_factor")) == 0.1);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detection_score),
		cmocka_unit_test(test_event_score),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_polygon),
		cmocka_unit_test(test_calibration_merge),
		cmocka_unit_test(test_feedback),
		cmocka_unit_test(test_calibration_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
