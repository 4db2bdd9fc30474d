/*
 * daily_report: one report per person and local day, with a wellness score
 * computed from the day's recorded activities and closed sessions.  Re-running
 * it for the same day rewrites that day's report (UNIQUE person/date), so a
 * report made at noon is simply replaced by the one made at midnight.
 *
 * The reference also has a language-model summary of the day; that needs
 * the llm_call service, which Hearth does not have yet, so summary.text is
 * null and the score is the whole report for now.
 *
 * The wellness score (0..100) is deliberately simple, deterministic and
 * explainable to a carer, every part in summary.score:
 *
 *   base         50
 *   variety      +5 per distinct activity type, at most +25
 *   spread       +5 per waking block (07-10, 10-13, 13-16, 16-19, 19-22
 *                local time) with at least one activity, at most +25
 *   sessions     +1 per full 30 minutes of sessions started that day and
 *                closed, at most +10
 *   inactivity   -10 per full 3 hours of the longest stretch without any
 *                activity inside the waking window (07:00-22:00, cut at
 *                now for today), at most -40
 *
 * then clamped to 0..100.  A day with nothing recorded scores 50 - 40 = 10;
 * a varied day with activity in every block scores 100.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "engine/step.h"
#include "log.h"
#include "store/activities.h"

#define SCORE_BASE 50
#define VARIETY_POINTS 5
#define VARIETY_MAX 25
#define WAKING_START_HOUR 7
#define WAKING_BLOCK_HOURS 3
#define WAKING_BLOCKS 5          /* 07:00 .. 22:00 */
#define SPREAD_POINTS 5
#define SESSION_POINT_MINUTES 30
#define SESSION_MAX 10
#define GAP_STEP_HOURS 3
#define GAP_POINTS 10
#define GAP_MAX 40
/* Activities read per person and day; a day with more is scored on its
 * first ones (and counted in full). */
#define POINTS_MAX 4096

/* The local time hour:00 on the day of date (a normalised local date). */
static time_t report__local(const struct tm *date, int hour)
{
	struct tm t = *date;

	t.tm_hour = hour;
	t.tm_min = 0;
	t.tm_sec = 0;
	t.tm_isdst = -1;
	return mktime(&t);
}

struct day {
	time_t from, to;            /* [local midnight, next local midnight) */
	time_t waking[WAKING_BLOCKS + 1];  /* block boundaries */
	time_t now;
	char date[11];              /* YYYY-MM-DD */
};

/* The local day of now + offset_days.  -1 when the date cannot be had. */
static int report__day(time_t now, int64_t offset_days, struct day *d)
{
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return -1;
	tm.tm_mday += (int)offset_days;
	tm.tm_hour = 12;            /* midday: a DST change never moves it across a date */
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1)  /* normalises tm to a real date */
		return -1;
	if (strftime(d->date, sizeof(d->date), "%Y-%m-%d", &tm) != 10)
		return -1;
	d->from = report__local(&tm, 0);
	tm.tm_mday += 1;
	d->to = report__local(&tm, 0);
	tm.tm_mday -= 1;
	for (int b = 0; b <= WAKING_BLOCKS; b++)
		d->waking[b] = report__local(&tm, WAKING_START_HOUR + b * WAKING_BLOCK_HOURS);
	d->now = now;
	return d->from == (time_t)-1 || d->to == (time_t)-1 ? -1 : 0;
}

static int report__clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Score one person's day; *summary gets the explanation (a new reference).
 * pts are the day's activities, oldest first.
 */
static int report__score(const struct day *d, const struct activity_point *pts, size_t n,
			 int64_t total, int64_t sessions, double session_minutes,
			 json_t **summary)
{
	json_t *types = json_object();
	bool block_seen[WAKING_BLOCKS] = {false};
	time_t wake_end = d->waking[WAKING_BLOCKS], cursor = d->waking[0];
	double longest_gap = 0;
	int blocks = 0, variety, spread, session_pts, inactivity, score;

	if (!types)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object_get(types, pts[i].activity_type);

		json_object_set_new(types, pts[i].activity_type,
				    json_integer(json_integer_value(c) + 1));
		for (int b = 0; b < WAKING_BLOCKS; b++)
			if (pts[i].at >= d->waking[b] && pts[i].at < d->waking[b + 1])
				block_seen[b] = true;
	}
	for (int b = 0; b < WAKING_BLOCKS; b++)
		blocks += block_seen[b];

	/* The longest stretch without activity inside the waking window; for
	 * today only up to now, so a report made in the morning is not
	 * punished for the evening that has not happened. */
	if (d->now < wake_end)
		wake_end = d->now;
	for (size_t i = 0; i < n && cursor < wake_end; i++) {
		time_t at = pts[i].at < wake_end ? pts[i].at : wake_end;

		if (at > cursor && difftime(at, cursor) > longest_gap)
			longest_gap = difftime(at, cursor);
		if (at > cursor)
			cursor = at;
	}
	if (wake_end > cursor && difftime(wake_end, cursor) > longest_gap)
		longest_gap = difftime(wake_end, cursor);

	variety = report__clamp((int)json_object_size(types) * VARIETY_POINTS, 0, VARIETY_MAX);
	spread = blocks * SPREAD_POINTS;
	session_pts = report__clamp((int)(session_minutes / SESSION_POINT_MINUTES), 0,
				    SESSION_MAX);
	inactivity = -report__clamp((int)(longest_gap / (GAP_STEP_HOURS * 3600.0)) * GAP_POINTS,
				    0, GAP_MAX);
	score = report__clamp(SCORE_BASE + variety + spread + session_pts + inactivity, 0, 100);

	*summary = json_pack("{s:s, s:I, s:o, s:{s:I, s:f}, s:i, s:I, s:{s:i, s:i, s:i, s:i, s:i},"
			     " s:i, s:n}",
			     "report_date", d->date, "activity_count", (json_int_t)total,
			     "activity_types", types,
			     "sessions", "count", (json_int_t)sessions, "minutes", session_minutes,
			     "active_blocks", blocks,
			     "longest_gap_minutes", (json_int_t)(longest_gap / 60),
			     "score", "base", SCORE_BASE, "variety", variety, "spread", spread,
			     "sessions", session_pts, "inactivity", inactivity,
			     "wellness_score", score, "text");
	return *summary ? score : -1;
}

/*
 * Write the report of person_id for day d and append its entry to reports.
 * 1 when written, 0 when the person no longer exists (skipped), -1 with
 * s->error set.
 */
static int report__person(struct step_run *s, int64_t person_id, const struct day *d,
			  struct activity_point *pts, json_t *reports)
{
	json_t *summary = NULL, *entry;
	char *summary_json = NULL;
	int64_t total = 0, sessions = 0, report_id = 0;
	double session_minutes = 0;
	size_t n = 0;
	enum herr e;
	int score, rv = -1;

	e = store_activities_between(s->e->db, person_id, d->from, d->to, pts, POINTS_MAX, &n,
				     &total);
	if (e == HERR_OK)
		e = store_sessions_between(s->e->db, person_id, d->from, d->to, &sessions,
					   &session_minutes);
	if (e != HERR_OK) {
		step_fail(s, "person %" PRId64 ": could not read the day: %s", person_id,
			  herr_str(e));
		goto out;
	}
	score = report__score(d, pts, n, total, sessions, session_minutes, &summary);
	if (score < 0 || !(summary_json = json_dumps(summary, JSON_COMPACT))) {
		step_fail(s, "out of memory");
		goto out;
	}
	e = store_daily_reports_upsert(s->e->db, person_id, d->date, score, summary_json,
				       &report_id);
	if (e == HERR_INVALID) {
		/* Deleted since the rule was saved: the others still get theirs. */
		LOG(LOG_WARNING, "daily_report: rule %" PRId64 ": person %" PRId64
		    " does not exist; skipped", s->rule_id, person_id);
		rv = 0;
		goto out;
	}
	if (e != HERR_OK) {
		step_fail(s, "person %" PRId64 ": could not write the report: %s", person_id,
			  herr_str(e));
		goto out;
	}
	entry = json_pack("{s:I, s:s, s:I, s:i}", "person_id", (json_int_t)person_id,
			  "report_date", d->date, "report_id", (json_int_t)report_id,
			  "wellness_score", score);
	if (!entry || json_array_append_new(reports, entry) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	rv = 1;
out:
	json_decref(summary);
	free(summary_json);
	return rv;
}

int step_run_daily_report(struct step_run *s)
{
	const json_t *given = json_object_get(s->config, "person_ids"), *id;
	const char *output_key = json_string_value(json_object_get(s->config, "output_key"));
	int64_t offset = json_integer_value(json_object_get(s->config, "report_date_offset_days"));
	json_t *everyone = NULL, *reports = json_array();
	struct activity_point *pts = malloc(POINTS_MAX * sizeof(*pts));
	struct day d;
	size_t i;
	enum herr e;
	int rv = -1;

	if (!reports || !pts) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (!output_key) {
		step_fail(s, "output_key is required");
		goto out;
	}
	if (report__day(s->now, offset, &d) != 0) {
		step_fail(s, "could not compute the report date (offset %" PRId64 " days)", offset);
		goto out;
	}
	if (!json_is_array(given)) {
		if (!(everyone = json_array())) {
			step_fail(s, "out of memory");
			goto out;
		}
		if ((e = store_activities_person_ids(s->e->db, everyone)) != HERR_OK) {
			step_fail(s, "could not list the persons: %s", herr_str(e));
			goto out;
		}
		given = everyone;
	}
	json_array_foreach(given, i, id)
		if (report__person(s, json_integer_value(id), &d, pts, reports) < 0)
			goto out;

	if (json_object_set(s->data, output_key, reports) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = reports;
	reports = NULL;
	s->counts = true;
	rv = 0;
out:
	free(pts);
	json_decref(everyone);
	json_decref(reports);
	return rv;
}
