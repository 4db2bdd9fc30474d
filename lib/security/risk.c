/*
 * Risk scores, levels and the calibration behind them (risk.h says how
 * each is computed; the tables below are the weights it names).
 */
#include <string.h>

#include "security/risk.h"
#include "validate.h"

struct risk_weight {
	const char *name;
	int value;
};

static const struct risk_weight object_weights[] = {
	{"person", 70}, {"vehicle", 50}, {"car", 50}, {"truck", 50}, {"motorcycle", 50},
	{"bus", 50}, {"bicycle", 35}, {"package", 30}, {"dog", 15}, {"cat", 10},
	{"bird", 5},
};
#define RISK_OTHER_WEIGHT 25

static const struct risk_weight zone_bonuses[] = {
	{"restricted", 25}, {"entry_point", 20}, {"perimeter", 10}, {"driveway", 10},
	{"walkway", 5}, {"other", 0},
};
#define RISK_NIGHT_BONUS 10
#define RISK_NIGHT_FROM 22
#define RISK_NIGHT_UNTIL 6

static const char *const levels[] = {"low", "medium", "high", "critical"};

static const char *const at_body[] = {"body", NULL};

static int risk__lookup(const struct risk_weight *t, size_t n, const char *name, int dflt)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].value;
	return dflt;
}

static int risk__clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void risk_calibration_defaults(struct risk_calibration *c)
{
	c->low = RISK_DEFAULT_LOW;
	c->medium = RISK_DEFAULT_MEDIUM;
	c->high = RISK_DEFAULT_HIGH;
	c->decay_factor = RISK_DEFAULT_DECAY;
}

json_t *risk_calibration_json(const struct risk_calibration *c)
{
	return json_pack("{s:i, s:i, s:i, s:f}", "low_threshold", c->low, "medium_threshold",
			 c->medium, "high_threshold", c->high, "decay_factor", c->decay_factor);
}

/* A threshold field of doc into *v when present: 1 set, 0 absent, -1 bad. */
static int risk__threshold(const json_t *doc, const char *field, int *v, json_t *errs)
{
	const json_t *j = json_object_get(doc, field);
	double d = json_is_real(j) ? json_real_value(j) : -1;

	if (!j)
		return 0;
	if (json_is_integer(j)) {
		json_int_t i = json_integer_value(j);

		if (i < 0 || i > 100) {
			verr_add(errs, at_body, field, i < 0 ? "greater_than_equal" :
				 "less_than_equal", "Input should be between 0 and 100");
			return -1;
		}
		*v = (int)i;
		return 1;
	}
	/* 40.0 is an integer written by a language without them. */
	if (json_is_real(j) && d >= 0 && d <= 100 && d == (double)(int)d) {
		*v = (int)d;
		return 1;
	}
	verr_add(errs, at_body, field, "int_type",
		 "Input should be a whole number between 0 and 100");
	return -1;
}

size_t risk_calibration_merge(const struct risk_calibration *base, const json_t *doc,
			      bool partial, json_t *errs, struct risk_calibration *out)
{
	static const char *const names[] = {"low_threshold", "medium_threshold",
					    "high_threshold", "decay_factor"};
	size_t before = json_array_size(errs);
	const char *key;
	const json_t *v;
	bool bad_threshold = false;

	*out = *base;
	if (!json_is_object(doc)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be an object");
		return json_array_size(errs) - before;
	}
	json_object_foreach((json_t *)doc, key, v) {
		size_t i;

		for (i = 0; i < 4 && strcmp(key, names[i]) != 0; i++)
			;
		if (i == 4)
			verr_add(errs, at_body, key, "extra_forbidden",
				 "Extra inputs are not permitted");
	}
	for (size_t i = 0; !partial && i < 4; i++)
		if (!json_object_get(doc, names[i]))
			verr_add(errs, at_body, names[i], "missing", "Field required");
	bad_threshold |= risk__threshold(doc, "low_threshold", &out->low, errs) < 0;
	bad_threshold |= risk__threshold(doc, "medium_threshold", &out->medium, errs) < 0;
	bad_threshold |= risk__threshold(doc, "high_threshold", &out->high, errs) < 0;
	v = json_object_get(doc, "decay_factor");
	if (v) {
		if (!json_is_number(v))
			verr_add(errs, at_body, "decay_factor", "float_type",
				 "Input should be a number between 0 and 1");
		else if (json_number_value(v) < 0 || json_number_value(v) > 1)
			verr_add(errs, at_body, "decay_factor", "value_error",
				 "Input should be between 0 and 1");
		else
			out->decay_factor = json_number_value(v);
	}
	/* Checked on the merged result: a partial update that is fine alone
	 * may cross a threshold it did not send. */
	if (!bad_threshold && !(out->low < out->medium && out->medium < out->high)) {
		const char *field = out->low >= out->medium ?
			(json_object_get(doc, "low_threshold") ? "low_threshold" : "medium_threshold") :
			(json_object_get(doc, "high_threshold") ? "high_threshold" : "medium_threshold");

		verr_add(errs, at_body, field, "value_error",
			 "Thresholds must satisfy low_threshold < medium_threshold <"
			 " high_threshold (now %d, %d, %d)", out->low, out->medium, out->high);
	}
	return json_array_size(errs) - before;
}

int risk_detection_score(const char *object_type, double confidence, const char *zone_type,
			 int local_hour)
{
	int weight = risk__lookup(object_weights,
				  sizeof(object_weights) / sizeof(object_weights[0]), object_type,
				  RISK_OTHER_WEIGHT);
	int zone = risk__lookup(zone_bonuses, sizeof(zone_bonuses) / sizeof(zone_bonuses[0]),
				zone_type, 0);
	bool night = local_hour >= 0 && local_hour <= 23 &&
		     (local_hour >= RISK_NIGHT_FROM || local_hour < RISK_NIGHT_UNTIL);
	double score;

	if (!(confidence >= 0))   /* NaN too */
		confidence = 0;
	if (confidence > 1)
		confidence = 1;
	score = weight * confidence + zone + (night ? RISK_NIGHT_BONUS : 0);
	return risk__clamp((int)(score + 0.5), 0, 100);
}

int risk_event_score(int max_detection_score, unsigned detection_count,
		     unsigned distinct_object_types)
{
	unsigned types = distinct_object_types > 1 ? distinct_object_types - 1 : 0;
	unsigned more = detection_count > 1 ? (detection_count - 1) / 5 : 0;
	int bonus = (int)(types > 3 ? 15 : types * 5) + (int)(more > 5 ? 5 : more);

	return risk__clamp(risk__clamp(max_detection_score, 0, 100) + bonus, 0, 100);
}

const char *risk_level(int score, const struct risk_calibration *c)
{
	if (score < c->low)
		return levels[0];
	if (score < c->medium)
		return levels[1];
	if (score < c->high)
		return levels[2];
	return levels[3];
}

int risk_level_rank(const char *level)
{
	for (int i = 0; level && i < 4; i++)
		if (strcmp(level, levels[i]) == 0)
			return i;
	return -1;
}

int risk_feedback_parse(const char *s, enum risk_feedback *out)
{
	static const char *const names[] = {"correct", "false_positive", "missed_threat",
					    "severity_wrong"};

	for (int i = 0; s && i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum risk_feedback)i;
			return 0;
		}
	return -1;
}

int risk_feedback_apply(struct risk_calibration *c, enum risk_feedback fb,
			const char *event_level, const char *expected_level)
{
	int dir = 0, step;

	switch (fb) {
	case RISK_FB_CORRECT:
		return 0;
	case RISK_FB_FALSE_POSITIVE:
		dir = 1;
		break;
	case RISK_FB_MISSED_THREAT:
		dir = -1;
		break;
	case RISK_FB_SEVERITY_WRONG: {
		int have = risk_level_rank(event_level), want = risk_level_rank(expected_level);

		if (want < 0 || have < 0)
			return -1;
		dir = want < have ? 1 : want > have ? -1 : 0;
		break;
	}
	}
	if (dir == 0 || !(c->decay_factor > 0))
		return 0;
	step = (int)(c->decay_factor * RISK_FEEDBACK_ADJUSTMENT + 0.5);
	if (step < 1)
		step = 1;
	if (dir > 0) {
		c->high = risk__clamp(c->high + step, 2, 100);
		c->medium = risk__clamp(c->medium + step, 1, c->high - 1);
		c->low = risk__clamp(c->low + step, 0, c->medium - 1);
	} else {
		c->low = risk__clamp(c->low - step, 0, 98);
		c->medium = risk__clamp(c->medium - step, c->low + 1, 99);
		c->high = risk__clamp(c->high - step, c->medium + 1, 100);
	}
	return 0;
}

bool risk_point_in_polygon(double x, double y, const double *xy, size_t n)
{
	bool inside = false;

	if (n < 3)
		return false;
	for (size_t i = 0, j = n - 1; i < n; j = i++) {
		double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];

		/* The edge straddles the horizontal through y, and crosses it
		 * right of x. */
		if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
			inside = !inside;
	}
	return inside;
}

int risk_polygon_from_json(const json_t *polygon, double *xy, size_t max)
{
	size_t n = json_array_size(polygon);

	if (!json_is_array(polygon) || n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(polygon, i), *x, *y;

		if (json_is_array(p) && json_array_size(p) == 2) {
			x = json_array_get(p, 0);
			y = json_array_get(p, 1);
		} else if (json_is_object(p)) {
			x = json_object_get(p, "x");
			y = json_object_get(p, "y");
		} else {
			return -1;
		}
		if (!json_is_number(x) || !json_is_number(y))
			return -1;
		xy[2 * i] = json_number_value(x);
		xy[2 * i + 1] = json_number_value(y);
	}
	return (int)n;
}
