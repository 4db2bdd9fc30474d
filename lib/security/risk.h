#ifndef HEARTH_SECURITY_RISK_H
#define HEARTH_SECURITY_RISK_H

/*
 * Risk of detections and security events, and the calibration that turns a
 * score into a level.  Pure: no database, no clock (callers pass the hour).
 *
 * Detection score (0-100, rounded):
 *   weight(object_type) x confidence + zone bonus(zone_type) + night bonus
 *   weights:     person 70, vehicle/car/truck/motorcycle/bus 50, bicycle 35,
 *                package 30, dog 15, cat 10, bird 5, anything else 25
 *   zone bonus:  restricted 25, entry_point 20, perimeter 10, driveway 10,
 *                walkway 5, other / none 0
 *   night bonus: 10 when the local hour is 22:00-05:59
 * Event score (0-100): the highest detection score of the event, plus 5
 *   for each distinct object type beyond the first (at most 15), plus 1 for
 *   every 5 detections beyond the first (at most 5).
 * Level: score < low -> "low", < medium -> "medium", < high -> "high",
 *   else "critical".
 *
 * Calibration: integer thresholds 0 <= low < medium < high <= 100 and a
 * decay_factor in [0, 1] (the learning rate of feedback).  Feedback moves
 * every threshold by
 *     step = round(decay_factor x RISK_FEEDBACK_ADJUSTMENT)   (at least 1
 *            when decay_factor > 0)
 * up after a false_positive (the event looked worse than it was: be less
 * sensitive), down after a missed_threat (be more sensitive), and for
 * severity_wrong up when expected_level is below the event's level, down
 * when above; correct, or an expected level equal to the event's, moves
 * nothing.  After the move each threshold is clamped to [0, 100] and the
 * order kept with a gap of at least 1: raising clamps high first and keeps
 * medium below it and low below medium; lowering clamps low first and
 * keeps medium above it and high above medium.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define RISK_DEFAULT_LOW 30
#define RISK_DEFAULT_MEDIUM 60
#define RISK_DEFAULT_HIGH 85
#define RISK_DEFAULT_DECAY 0.1
#define RISK_FEEDBACK_ADJUSTMENT 20

struct risk_calibration {
	int low, medium, high;   /* 0 <= low < medium < high <= 100 */
	double decay_factor;     /* 0..1 */
};

/* The defaults above into *c. */
void risk_calibration_defaults(struct risk_calibration *c);

/* The calibration as {low_threshold, medium_threshold, high_threshold,
 * decay_factor}: a new reference, NULL when out of memory. */
json_t *risk_calibration_json(const struct risk_calibration *c);

/*
 * Merge doc (an object, borrowed; keys low_threshold, medium_threshold,
 * high_threshold, decay_factor) over base into *out and check the result.
 * partial false requires all four keys (PUT).  Unknown keys, wrong types,
 * thresholds outside 0-100 (integers), decay_factor outside 0-1 and an
 * order other than low < medium < high after the merge are each appended
 * to errs (loc ["body", field]; the order problem names the first field
 * out of order, or medium_threshold).  Returns the number of problems;
 * *out is meaningful only when 0.
 */
size_t risk_calibration_merge(const struct risk_calibration *base, const json_t *doc,
			      bool partial, json_t *errs, struct risk_calibration *out);

/* A detection's score, as documented above.  object_type and zone_type
 * borrowed, zone_type NULL = none; confidence clamped to 0..1;
 * local_hour 0-23 (anything else: no night bonus). */
int risk_detection_score(const char *object_type, double confidence, const char *zone_type,
			 int local_hour);

/* An event's score from its highest detection score, its number of
 * detections and of distinct object types. */
int risk_event_score(int max_detection_score, unsigned detection_count,
		     unsigned distinct_object_types);

/* "low", "medium", "high" or "critical" (static) for score under c. */
const char *risk_level(int score, const struct risk_calibration *c);

/* 0..3 for "low".."critical"; -1 for anything else. */
int risk_level_rank(const char *level);

/* Feedback types: 0 on a known one, -1 otherwise. */
enum risk_feedback { RISK_FB_CORRECT, RISK_FB_FALSE_POSITIVE, RISK_FB_MISSED_THREAT,
		     RISK_FB_SEVERITY_WRONG };
int risk_feedback_parse(const char *s, enum risk_feedback *out);

/*
 * The calibration after feedback on an event at level event_level
 * (risk_level() of its score) with expected_level (NULL = none; used by
 * severity_wrong only), as documented above.  *c is updated in place.
 * Returns -1 (moving nothing) when the movement needs something missing:
 * severity_wrong without a known expected_level; 0 otherwise.
 */
int risk_feedback_apply(struct risk_calibration *c, enum risk_feedback fb,
			const char *event_level, const char *expected_level);

/*
 * Whether the point (x, y) lies inside the polygon of n vertices xy[0..2n)
 * (x0, y0, x1, y1, ...; closed implicitly), by the even-odd rule.  A
 * polygon of fewer than 3 points contains nothing.
 */
bool risk_point_in_polygon(double x, double y, const double *xy, size_t n);

/*
 * A zone's polygon as stored (a JSON array of [x, y] pairs or of {"x", "y"}
 * objects) into xy (room for max points): the number of points, or -1 when
 * it is not such an array or has more than max points.  polygon borrowed.
 */
int risk_polygon_from_json(const json_t *polygon, double *xy, size_t max);

#endif
