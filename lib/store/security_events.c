/*
 * Security events: review, statistics, search, closing, and the
 * calibration with its feedback (security_events.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "security/search.h"
#include "store/history.h"
#include "store/security_events.h"
#include "store/settings.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define CALIBRATION_DOC "calibration"
#define CLOSE_BATCH 500
#define STATS_CAMERAS_MAX 1000

static const char sql_kind[] =
	"SELECT kind FROM event_logs WHERE id = ? FOR UPDATE";
static const char sql_review[] =
	"UPDATE event_logs SET reviewed = COALESCE(?, reviewed),"
	" reviewed_at = CASE WHEN ? IS NULL THEN reviewed_at"
	"   WHEN ? THEN COALESCE(reviewed_at, UTC_TIMESTAMP(3)) ELSE NULL END,"
	" notes = IF(?, ?, notes)"
	" WHERE id = ?";
static const char sql_get[] =
	"SELECT %s FROM event_logs WHERE id = ?";
static const char sql_total[] =
	"SELECT COUNT(*), COALESCE(SUM(reviewed), 0) FROM event_logs WHERE kind = 'security'"
	" AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?)";
static const char sql_by_level[] =
	"SELECT risk_level, COUNT(*) FROM event_logs WHERE kind = 'security'"
	" AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?)"
	" GROUP BY risk_level";
static const char sql_by_camera[] =
	"SELECT camera_id, MAX(camera_name), COUNT(*) AS n FROM event_logs"
	" WHERE kind = 'security'"
	" AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?)"
	" GROUP BY camera_id ORDER BY n DESC, camera_id LIMIT ?";
/* Idle or past its window by the bound times; the UPDATE checks it again,
 * so an event a detection just kept alive stays open. */
#define SQL_IDLE \
	" open_camera_id IS NOT NULL" \
	" AND (last_at < FROM_UNIXTIME(? / 1000) OR created_at < FROM_UNIXTIME(? / 1000))"
static const char sql_idle_ids[] =
	"SELECT id FROM event_logs WHERE" SQL_IDLE " AND id > ? ORDER BY id LIMIT ?";
static const char sql_close_one[] =
	"UPDATE event_logs SET status = 'completed', open_camera_id = NULL,"
	" finished_at = UTC_TIMESTAMP(3) WHERE id = ? AND" SQL_IDLE;
static const char sql_event_score[] =
	"SELECT risk_score, risk_level FROM event_logs WHERE id = ? AND kind = 'security'"
	" LOCK IN SHARE MODE";
static const char sql_feedback_insert[] =
	"INSERT INTO event_feedback (event_id, feedback_type, expected_level, risk_score, notes,"
	" thresholds_before, thresholds_after) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_feedback_get[] =
	"SELECT id, event_id, feedback_type, expected_level, risk_score, notes,"
	" thresholds_before, thresholds_after, DATE_FORMAT(created_at, " TIME_FMT ")"
	" FROM event_feedback WHERE id = ?";

/* Search: the newest events' text, a piece at a time; the same from the
 * full-text index; then the page, in the order of the ids given.  Without
 * the index hint the optimizer reads event_logs_kind by kind alone and
 * filters on id, which is every event above the cursor: 489,290 rows
 * read for 1,000 returned halfway down a million (ANALYZE). */
static const char sql_search_recent[] =
	"SELECT id, summary, notes FROM event_logs FORCE INDEX (event_logs_kind)"
	" WHERE kind = 'security' AND id < ? ORDER BY id DESC LIMIT ?";
static const char sql_search_full_text[] =
	"SELECT id, summary, notes FROM event_logs WHERE kind = 'security' AND id < ?"
	" AND MATCH (summary, notes) AGAINST (? IN BOOLEAN MODE)"
	" ORDER BY id DESC LIMIT ?";

/* The statements that select store_event_columns are built once: the
 * statement cache keys on the address of the text. */
static char sql_event_get[1024];
static char sql_search[1400];

static const char *security__sql_get(void)
{
	if (!sql_event_get[0])
		snprintf(sql_event_get, sizeof(sql_event_get), sql_get, store_event_columns);
	return sql_event_get;
}

static const char *security__sql_search(void)
{
	if (!sql_search[0])
		snprintf(sql_search, sizeof(sql_search),
			 "SELECT %s FROM JSON_TABLE(?, '$[*]' COLUMNS (search_pos FOR ORDINALITY,"
			 " search_id BIGINT UNSIGNED PATH '$')) j"
			 " JOIN event_logs ON event_logs.id = j.search_id"
			 " ORDER BY j.search_pos", store_event_columns);
	return sql_search;
}

/* ---------------------------------------------------------------- calibration */

enum herr store_calibration_get(struct db *db, bool for_update, struct risk_calibration *out)
{
	struct risk_calibration defaults;
	json_t *doc = NULL, *errs = NULL;
	enum herr rc;

	risk_calibration_defaults(&defaults);
	*out = defaults;
	rc = store_settings_get(db, CALIBRATION_DOC, for_update, &doc);
	if (rc == HERR_NOT_FOUND)
		return HERR_OK;
	if (rc != HERR_OK)
		return rc;
	if (!(errs = json_array())) {
		rc = HERR_NOMEM;
		goto out;
	}
	/* Saved documents were checked; one that no longer passes (edited
	 * by hand) is logged and the defaults used rather than a bad order. */
	if (risk_calibration_merge(&defaults, doc, true, errs, out) != 0) {
		LOG(LOG_WARNING, "saved calibration is not valid; using the defaults");
		*out = defaults;
	}
out:
	json_decref(errs);
	json_decref(doc);
	return rc;
}

enum herr store_calibration_put(struct db *db, const struct risk_calibration *c)
{
	json_t *doc = risk_calibration_json(c);
	enum herr rc;

	if (!doc)
		return HERR_NOMEM;
	rc = store_settings_put(db, CALIBRATION_DOC, doc);
	json_decref(doc);
	return rc;
}

enum herr store_calibration_reset(struct db *db)
{
	return store_settings_delete(db, CALIBRATION_DOC);
}

static json_t *security__json_col(struct db_stmt *st, unsigned idx)
{
	size_t len;
	const char *text = db_col_text(st, idx, &len);

	return text ? json_loadb(text, len, 0, NULL) : json_null();
}

static json_t *security__feedback_row(struct db_stmt *st)
{
	json_t *before = security__json_col(st, 6), *after = security__json_col(st, 7);

	if (!before || !after) {
		json_decref(before);
		json_decref(after);
		return NULL;
	}
	return json_pack("{s:I, s:o, s:s, s:s?, s:o, s:s?, s:o, s:o, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "event_id", db_col_is_null(st, 1) ? json_null() :
				     json_integer(db_col_int64(st, 1)),
			 "feedback_type", db_col_text(st, 2, NULL),
			 "expected_level", db_col_text(st, 3, NULL),
			 "risk_score", db_col_is_null(st, 4) ? json_null() :
				       json_integer(db_col_int64(st, 4)),
			 "notes", db_col_text(st, 5, NULL),
			 "thresholds_before", before,
			 "thresholds_after", after,
			 "created_at", db_col_text(st, 8, NULL));
}

enum herr store_calibration_feedback(struct db *db, const struct feedback_fields *f,
				     json_t **calibration, json_t **feedback)
{
	struct risk_calibration before, after;
	json_t *jb = NULL, *ja = NULL;
	char *tb = NULL, *ta = NULL, level[16] = "";
	int64_t score = 0;
	enum herr rc;

	*calibration = *feedback = NULL;
	if ((rc = store_calibration_get(db, true, &before)) != HERR_OK)
		return rc;
	rc = db_row(db, sql_event_score, "I", "Is", f->event_id, &score, level, sizeof(level));
	if (rc != HERR_OK)
		return rc;
	after = before;
	/* The level the event has under the calibration as it is now. */
	risk_feedback_apply(&after, f->type, risk_level((int)score, &before), f->expected_level);
	(void)level;
	jb = risk_calibration_json(&before);
	ja = risk_calibration_json(&after);
	tb = jb ? json_dumps(jb, JSON_COMPACT) : NULL;
	ta = ja ? json_dumps(ja, JSON_COMPACT) : NULL;
	if (!tb || !ta) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((rc = store_calibration_put(db, &after)) != HERR_OK)
		goto out;
	if ((rc = db_exec(db, sql_feedback_insert, "IssIsss", f->event_id, f->type_name,
			  f->expected_level, score, f->notes, tb, ta)) != HERR_OK)
		goto out;
	if ((rc = store_rows_get(db, sql_feedback_get, (int64_t)db_last_id(db),
				 security__feedback_row, feedback)) != HERR_OK)
		goto out;
	*calibration = ja;
	ja = NULL;
out:
	free(tb);
	free(ta);
	json_decref(jb);
	json_decref(ja);
	return rc;
}

/* ---------------------------------------------------------------- review */

enum herr store_security_update(struct db *db, int64_t id, int reviewed, bool set_notes,
				const char *notes, json_t **out)
{
	struct db_stmt *st = NULL;
	char kind[24] = "";
	enum herr rc;

	*out = NULL;
	if ((rc = db_row(db, sql_kind, "I", "s", id, kind, sizeof(kind))) != HERR_OK)
		return rc;
	if (strcmp(kind, "security") != 0)
		return HERR_CONFLICT;
	if ((rc = db_prepare(db, sql_review, &st)) != HERR_OK)
		return rc;
	for (unsigned i = 0; i < 3; i++)
		if (reviewed < 0)
			db_bind_null(st, i);
		else
			db_bind_bool(st, i, reviewed > 0);
	db_bind_bool(st, 3, set_notes);
	db_bind_text(st, 4, notes);
	db_bind_int64(st, 5, id);
	rc = db_execute(st);
	db_done(st);
	if (rc != HERR_OK)
		return rc;
	return store_rows_get(db, security__sql_get(), id, store_event_row, out);
}

/* ---------------------------------------------------------------- stats */

static json_t *security__camera_row(struct db_stmt *st)
{
	return json_pack("{s:o, s:s?, s:I}",
			 "camera_id", db_col_is_null(st, 0) ? json_null() :
				      json_integer(db_col_int64(st, 0)),
			 "camera_name", db_col_text(st, 1, NULL),
			 "count", (json_int_t)db_col_int64(st, 2));
}

enum herr store_security_stats(struct db *db, const char *since, const char *until,
			       json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *obj = NULL, *levels = NULL, *cameras = NULL;
	int64_t total = 0, reviewed = 0;
	bool more;
	enum herr rc;
	int r;

	*out = NULL;
	obj = json_object();
	levels = json_pack("{s:i, s:i, s:i, s:i}", "low", 0, "medium", 0, "high", 0,
			   "critical", 0);
	cameras = json_array();
	if (!obj || !levels || !cameras) {
		rc = HERR_NOMEM;
		goto out;
	}
	/* An aggregate without GROUP BY: always one row. */
	if ((rc = db_row(db, sql_total, "ssss", "II", since, since, until, until, &total,
			 &reviewed)) != HERR_OK)
		goto out;
	json_object_set_new(obj, "total_events", json_integer(total));
	json_object_set_new(obj, "reviewed_count", json_integer(reviewed));

	if ((rc = db_query(db, &st, sql_by_level, "ssss", since, since, until, until)) != HERR_OK)
		goto out;
	while ((r = db_fetch(st)) > 0) {
		const char *level = db_col_text(st, 0, NULL);

		if (level && risk_level_rank(level) >= 0)
			json_object_set_new(levels, level, json_integer(db_col_int64(st, 1)));
	}
	if (r < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	if (rc != HERR_OK)
		goto out;

	if ((rc = db_query(db, &st, sql_by_camera, "ssssi", since, since, until, until,
			   STATS_CAMERAS_MAX)) != HERR_OK ||
	    (rc = store_rows_take_page(st, STATS_CAMERAS_MAX, security__camera_row, cameras,
				       &more)) != HERR_OK)
		goto out;
	if (json_object_set(obj, "events_by_risk_level", levels) ||
	    json_object_set(obj, "events_by_camera", cameras)) {
		rc = HERR_NOMEM;
		goto out;
	}
	*out = obj;
	obj = NULL;
out:
	json_decref(obj);
	json_decref(levels);
	json_decref(cameras);
	return rc;
}

/* ---------------------------------------------------------------- search */

/* A match of the window. */
struct security_hit {
	int64_t id;
	unsigned score;
};

/* Most relevant first, then newest. */
static int security__hit_cmp(const void *a, const void *b)
{
	const struct security_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/*
 * Read st, executed (rows of id, summary, notes, newest first), and append
 * the rows m matches to hits (room for SECURITY_SEARCH_WINDOW + 1), all of
 * them when all_match (the full-text index chose them).  *rows = rows
 * read; *last = the last id read; seen (NULL or one per term of m)
 * counts the rows each term occurs in.
 */
static enum herr security__hits(struct db_stmt *st, const struct search_matcher *m,
				bool all_match, struct security_hit *hits, unsigned *n,
				unsigned *rows, int64_t *last, unsigned *seen)
{
	int r;

	*rows = 0;
	while ((r = db_fetch(st)) == 1) {
		const char *text[2] = {db_col_text(st, 1, NULL), db_col_text(st, 2, NULL)};
		unsigned score;

		(*rows)++;
		*last = db_col_int64(st, 0);
		if (*n > SECURITY_SEARCH_WINDOW)
			continue;      /* one past the window is all it takes */
		score = search_match(m, text, 2, seen);
		/* The index also folds case and accents outside ASCII: what it
		 * found counts as found once. */
		if (all_match && score == 0)
			score = 1;
		if (score > 0) {
			hits[*n].id = *last;
			hits[*n].score = score;
			(*n)++;
		}
	}
	return r < 0 ? HERR_INTERNAL : HERR_OK;
}

/* The window of s into hits (*n of them) and w. */
static enum herr security__window(struct db *db, const struct security_search *s,
				  struct security_hit *hits, unsigned *n,
				  struct security_search_window *w)
{
	struct db_stmt *st = NULL;
	int64_t below = s->before_id;
	unsigned scanned = 0, rows = 0, seen[SEARCH_TERMS_MAX] = {0};
	enum herr rc = HERR_OK;
	bool rare;

	*n = 0;
	for (;;) {
		if ((rc = db_query(db, &st, sql_search_recent, "Ii", below,
				   SECURITY_SEARCH_PIECE)) != HERR_OK)
			return rc;
		rc = security__hits(st, s->matcher, false, hits, n, &rows, &below,
				    scanned == 0 ? seen : NULL);
		db_done(st);
		if (rc != HERR_OK)
			return rc;
		scanned += rows;
		if (*n >= SECURITY_SEARCH_WINDOW) {
			*n = SECURITY_SEARCH_WINDOW;
			w->next_before_id = hits[*n - 1].id;
			goto done;
		}
		if (rows < SECURITY_SEARCH_PIECE)
			goto done;     /* every event below before_id was read */
		if (scanned == rows) {
			/* Every term rare: the index (whose cost is each
			 * term's matches, NOT terms included). */
			rare = true;
			for (size_t k = 0; k < s->matcher->n; k++)
				rare = rare && seen[k] <= SECURITY_SEARCH_RARE;
			if (rare)
				break;
		}
		if (scanned >= SECURITY_SEARCH_SCAN) {
			/* What the scan found; the next window goes on below. */
			w->next_before_id = below;
			goto done;
		}
	}

	*n = 0;
	w->full_text = true;
	if ((rc = db_query(db, &st, sql_search_full_text, "Isi", s->before_id, s->boolean_query,
			   SECURITY_SEARCH_WINDOW + 1)) != HERR_OK)
		return rc;
	rc = security__hits(st, s->matcher, true, hits, n, &rows, &below, NULL);
	db_done(st);
	if (rc != HERR_OK)
		return rc;
	if (*n > SECURITY_SEARCH_WINDOW) {
		*n = SECURITY_SEARCH_WINDOW;
		w->next_before_id = hits[*n - 1].id;
	}
done:
	w->matches = *n;
	w->scanned = w->full_text ? 0 : scanned;
	return HERR_OK;
}

enum herr store_security_search(struct db *db, const struct security_search *s,
				json_t *items, struct security_search_window *w)
{
	struct security_hit hits[SECURITY_SEARCH_WINDOW + 1];
	struct db_stmt *st = NULL;
	json_t *ids = NULL;
	char *text = NULL;
	unsigned n = 0, from, to, k;
	enum herr rc;
	int r = 0;

	memset(w, 0, sizeof(*w));
	if ((rc = security__window(db, s, hits, &n, w)) != HERR_OK)
		return rc;
	qsort(hits, n, sizeof(hits[0]), security__hit_cmp);
	if (s->offset >= (int64_t)n)
		return HERR_OK;
	from = (unsigned)s->offset;
	to = n - from > s->limit ? from + s->limit : n;

	if (!(ids = json_array())) {
		rc = HERR_NOMEM;
		goto out;
	}
	for (unsigned i = from; i < to; i++)
		if (json_array_append_new(ids, json_integer(hits[i].id)) != 0) {
			rc = HERR_NOMEM;
			goto out;
		}
	if (!(text = json_dumps(ids, JSON_COMPACT))) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((rc = db_query(db, &st, security__sql_search(), "s", text)) != HERR_OK)
		goto out;
	/* In the order asked for; an event deleted meanwhile is left out. */
	k = from;
	while ((r = db_fetch(st)) == 1) {
		int64_t id = db_col_int64(st, 0);
		json_t *ev;

		while (k < to && hits[k].id != id)
			k++;
		if (k == to)
			break;
		if (!(ev = store_event_row(st)) ||
		    json_object_set_new(ev, "relevance_score", json_real(hits[k].score)) != 0) {
			json_decref(ev);
			rc = HERR_NOMEM;
			goto out;
		}
		if (json_array_append_new(items, ev) != 0) {
			rc = HERR_NOMEM;
			goto out;
		}
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	free(text);
	json_decref(ids);
	return rc;
}

/* ---------------------------------------------------------------- closing */

/* Close event id if it is still idle by now_ms: *done whether it was. */
static enum herr security__close_one(struct db *db, int64_t id, int64_t now_ms, bool *done)
{
	enum herr rc = db_exec(db, sql_close_one, "III", id, now_ms - SECURITY_IDLE_MS,
			       now_ms - SECURITY_WINDOW_MS);

	*done = rc == HERR_OK && db_changes(db) == 1;
	return rc;
}

enum herr store_security_close_idle_events(struct db *db, int64_t now_ms,
					   json_t *closed_events, unsigned *closed)
{
	struct db_stmt *st = NULL;
	int64_t ids[CLOSE_BATCH], after = 0;
	size_t n;
	enum herr rc;
	int r;

	*closed = 0;
	do {
		n = 0;
		if ((rc = db_query(db, &st, sql_idle_ids, "IIIi", now_ms - SECURITY_IDLE_MS,
				   now_ms - SECURITY_WINDOW_MS, after, CLOSE_BATCH)) != HERR_OK)
			return rc;
		while (n < CLOSE_BATCH && (r = db_fetch(st)) > 0)
			ids[n++] = db_col_int64(st, 0);
		if (n < CLOSE_BATCH && r < 0)
			rc = HERR_INTERNAL;
		db_done(st);
		for (size_t i = 0; rc == HERR_OK && i < n; i++) {
			json_t *ev = NULL;
			bool done;

			after = ids[i];
			if ((rc = security__close_one(db, ids[i], now_ms, &done)) != HERR_OK || !done)
				continue;
			(*closed)++;
			if (!closed_events)
				continue;
			rc = store_rows_get(db, security__sql_get(), ids[i], store_event_row, &ev);
			if (rc == HERR_OK && json_array_append_new(closed_events, ev) != 0)
				rc = HERR_NOMEM;
		}
	} while (rc == HERR_OK && n == CLOSE_BATCH);
	return rc;
}

enum herr store_security_close_idle(struct db *db, int64_t now_ms, unsigned *closed)
{
	return store_security_close_idle_events(db, now_ms, NULL, closed);
}
