/*
 * Detections and their grouping into security events (detections.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store/detections.h"
#include "store/history.h"
#include "store/security_events.h"
#include "store/store.h"
#include "store/zones.h"
#include "validate.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define ZONES_MAX 64
#define SUMMARY_MAX 1024

#define DETECTION_COLUMNS \
	"id, camera_id, camera_name, event_id, source, external_id, object_type," \
	" confidence, risk_score, bbox, zone_id, zone_type," \
	" DATE_FORMAT(detected_at, " TIME_FMT "), DATE_FORMAT(created_at, " TIME_FMT ")," \
	" image_media_id, recording_id, enrichment IS NOT NULL"

static const char sql_camera[] =
	"SELECT name FROM sensors WHERE id = ? AND sensor_type = 'camera'";
static const char sql_recording[] =
	"SELECT COUNT(*) FROM media WHERE id = ? AND kind = 'recording'";
static const char sql_by_external[] =
	"SELECT " DETECTION_COLUMNS " FROM detections WHERE source = ? AND external_id = ?"
	" LOCK IN SHARE MODE";
static const char sql_zones[] =
	"SELECT id, zone_type, polygon FROM zones WHERE camera_id = ? AND enabled"
	" ORDER BY id LIMIT 64";
static const char sql_insert[] =
	"INSERT INTO detections (camera_id, camera_name, source, external_id, object_type,"
	" confidence, risk_score, bbox, zone_id, zone_type, image_media_id, recording_id,"
	" video_offset_ms, enrichment, detected_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000))";
static const char sql_open_event[] =
	"SELECT id, CAST(UNIX_TIMESTAMP(created_at) * 1000 AS SIGNED),"
	" CAST(UNIX_TIMESTAMP(last_at) * 1000 AS SIGNED), detection_count, risk_level,"
	" object_types FROM event_logs WHERE open_camera_id = ? FOR UPDATE";
static const char sql_close[] =
	"UPDATE event_logs SET status = 'completed', open_camera_id = NULL,"
	" finished_at = UTC_TIMESTAMP(3) WHERE id = ?";
static const char sql_open[] =
	"INSERT INTO event_logs (kind, status, camera_id, camera_name, open_camera_id,"
	" created_at, last_at, risk_score, risk_level, detection_count, object_types, summary)"
	" VALUES ('security', 'processing', ?, ?, ?, FROM_UNIXTIME(? / 1000),"
	" FROM_UNIXTIME(? / 1000), 0, 'low', 0, '[]', '')";
static const char sql_attach[] =
	"UPDATE detections SET event_id = ? WHERE id = ?";
static const char sql_max_score[] =
	"SELECT MAX(risk_score) FROM detections WHERE event_id = ?";
static const char sql_event_update[] =
	"UPDATE event_logs SET detection_count = detection_count + 1,"
	" created_at = LEAST(created_at, FROM_UNIXTIME(? / 1000)),"
	" last_at = GREATEST(last_at, FROM_UNIXTIME(? / 1000)),"
	" object_types = ?, risk_score = ?, risk_level = ?, summary = ? WHERE id = ?";
static const char sql_get[] =
	"SELECT " DETECTION_COLUMNS " FROM detections WHERE id = ?";
static const char sql_list[] =
	"SELECT " DETECTION_COLUMNS " FROM detections WHERE id < ?"
	" AND (? IS NULL OR camera_id = ?)"
	" AND (? IS NULL OR object_type = ?)"
	" AND (? IS NULL OR confidence >= ?)"
	" AND (? IS NULL OR detected_at >= ?)"
	" AND (? IS NULL OR detected_at < ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_media[] =
	"SELECT image_media_id, recording_id FROM detections WHERE id = ?";
static const char sql_enrichment[] =
	"SELECT enrichment FROM detections WHERE id = ?";
static char sql_event_get[1024];

void detection_result_clear(struct detection_result *r)
{
	json_decref(r->detection);
	json_decref(r->event);
	memset(r, 0, sizeof(*r));
}

static json_t *detections__int_or_null(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

static json_t *detections__url(struct db_stmt *st, unsigned idx, int64_t id, const char *what)
{
	char url[96];

	if (db_col_is_null(st, idx))
		return json_null();
	snprintf(url, sizeof(url), "/api/v1/detections/%lld/%s", (long long)id, what);
	return json_string(url);
}

static json_t *detections__row(struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0);
	const char *conf = db_col_text(st, 7, NULL), *bbox_text;
	json_t *bbox = json_null();
	size_t len;

	if ((bbox_text = db_col_text(st, 9, &len)) && !(bbox = json_loadb(bbox_text, len, 0, NULL)))
		bbox = json_null();
	return json_pack("{s:I, s:o, s:s?, s:o, s:s, s:s?, s:s, s:f, s:I, s:o, s:o, s:s?, s:s,"
			 " s:s, s:o, s:o, s:b}",
			 "id", (json_int_t)id,
			 "camera_id", detections__int_or_null(st, 1),
			 "camera_name", db_col_text(st, 2, NULL),
			 "event_id", detections__int_or_null(st, 3),
			 "source", db_col_text(st, 4, NULL),
			 "external_id", db_col_text(st, 5, NULL),
			 "object_type", db_col_text(st, 6, NULL),
			 "confidence", conf ? strtod(conf, NULL) : 0.0,
			 "risk_score", (json_int_t)db_col_int64(st, 8),
			 "bbox", bbox,
			 "zone_id", detections__int_or_null(st, 10),
			 "zone_type", db_col_text(st, 11, NULL),
			 "detected_at", db_col_text(st, 12, NULL),
			 "created_at", db_col_text(st, 13, NULL),
			 "image_url", detections__url(st, 14, id, "image"),
			 "video_url", detections__url(st, 15, id, "video"),
			 "has_enrichment", db_col_int64(st, 16) != 0);
}

enum herr store_detection_camera(struct db *db, int64_t camera_id, char *name, size_t namesz)
{
	return db_row(db, sql_camera, "I", "s", camera_id, name, namesz);
}

enum herr store_detection_by_external(struct db *db, const char *source,
				      const char *external_id, json_t **out)
{
	struct db_stmt *st;
	enum herr rc;

	*out = NULL;
	rc = db_query(db, &st, sql_by_external, "ss", source ? source : "api", external_id);
	return rc == HERR_OK ? store_rows_take_one(st, detections__row, out) : rc;
}

/* The riskiest enabled zone holding the centre of bbox: *zone_id 0 when none. */
static enum herr detections__zone(struct db *db, const struct detection_fields *f,
				  int64_t *zone_id, char *zone_type, size_t ztsz)
{
	struct db_stmt *st = NULL;
	double cx, cy, xy[2 * ZONE_POINTS_MAX];
	int best = -1, r;
	enum herr rc;

	*zone_id = 0;
	zone_type[0] = '\0';
	if (!f->bbox)
		return HERR_OK;
	cx = json_number_value(json_object_get(f->bbox, "x")) +
	     json_number_value(json_object_get(f->bbox, "width")) / 2;
	cy = json_number_value(json_object_get(f->bbox, "y")) +
	     json_number_value(json_object_get(f->bbox, "height")) / 2;
	if ((rc = db_query(db, &st, sql_zones, "I", f->camera_id)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) > 0) {
		size_t len;
		const char *text = db_col_text(st, 2, &len), *type = db_col_text(st, 1, NULL);
		json_t *poly = text ? json_loadb(text, len, 0, NULL) : NULL;
		int n = risk_polygon_from_json(poly, xy, ZONE_POINTS_MAX);
		int bonus = risk_detection_score("", 0, type, -1);

		json_decref(poly);
		if (n >= 3 && risk_point_in_polygon(cx, cy, xy, (size_t)n) && bonus > best) {
			best = bonus;
			*zone_id = db_col_int64(st, 0);
			store_col_copy(st, 1, zone_type, ztsz);
		}
	}
	if (r < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

/* A JSON value as text for a JSON column: malloc'd, NULL for none. */
static char *detections__dump(const json_t *v, enum herr *rc)
{
	char *s;

	if (!v)
		return NULL;
	if (!(s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		*rc = HERR_NOMEM;
	return s;
}

/* The camera's open event, locked: *id 0 when none. */
struct open_event {
	int64_t id, created_ms, last_ms, count;
	char level[16];
	json_t *types;
};

static enum herr detections__open_event(struct db *db, int64_t camera_id, struct open_event *ev)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	json_decref(ev->types);
	memset(ev, 0, sizeof(*ev));
	if ((rc = db_query(db, &st, sql_open_event, "I", camera_id)) != HERR_OK)
		return rc;
	if ((r = db_fetch(st)) > 0) {
		size_t len;
		const char *t = db_col_text(st, 5, &len);

		ev->id = db_col_int64(st, 0);
		ev->created_ms = db_col_int64(st, 1);
		ev->last_ms = db_col_int64(st, 2);
		ev->count = db_col_int64(st, 3);
		store_col_copy(st, 4, ev->level, sizeof(ev->level));
		ev->types = t ? json_loadb(t, len, 0, NULL) : NULL;
	} else if (r < 0) {
		rc = HERR_INTERNAL;
	}
	db_done(st);
	if (rc == HERR_OK && ev->id && !json_is_array(ev->types)) {
		json_decref(ev->types);
		ev->types = json_array();
	}
	return rc;
}

/* Find or open the event this detection belongs to: ev->id. */
static enum herr detections__group(struct db *db, const struct detection_fields *f,
				   const char *camera_name, struct open_event *ev,
				   struct detection_result *res)
{
	enum herr rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = detections__open_event(db, f->camera_id, ev)) != HERR_OK)
			return rc;
		if (ev->id && (f->detected_ms - ev->last_ms > SECURITY_IDLE_MS ||
			       f->detected_ms - ev->created_ms > SECURITY_WINDOW_MS ||
			       ev->count >= SECURITY_EVENT_MAX_DETECTIONS)) {
			if ((rc = db_exec(db, sql_close, "I", ev->id)) != HERR_OK)
				return rc;
			res->closed_event_id = ev->id;
			json_decref(ev->types);
			memset(ev, 0, sizeof(*ev));
		}
		if (ev->id)
			return HERR_OK;
		rc = db_exec(db, sql_open, "IsIII", f->camera_id, camera_name, f->camera_id,
			     f->detected_ms, f->detected_ms);
		if (rc == HERR_OK) {
			ev->id = (int64_t)db_last_id(db);
			ev->created_ms = ev->last_ms = f->detected_ms;
			snprintf(ev->level, sizeof(ev->level), "low");
			ev->types = json_array();
			res->event_created = true;
			return ev->types ? HERR_OK : HERR_NOMEM;
		}
		/* Someone opened the camera's event meanwhile: join it. */
		if (rc != HERR_CONFLICT)
			return rc;
	}
	return HERR_CONFLICT;
}

/* "Front door: person, car (3 detections)" */
static void detections__summary(char *out, size_t outsz, const char *camera,
				const json_t *types, int64_t count)
{
	size_t used;
	size_t i;
	json_t *t;

	used = (size_t)snprintf(out, outsz, "%s:", camera && *camera ? camera : "camera");
	json_array_foreach(types, i, t) {
		if (used >= outsz)
			break;
		used += (size_t)snprintf(out + used, outsz - used, "%s %s", i ? "," : "",
					 json_string_value(t));
	}
	if (used < outsz)
		snprintf(out + used, outsz - used, " (%lld detection%s)", (long long)count,
			 count == 1 ? "" : "s");
}

static const char *detections__sql_event_get(void)
{
	if (!sql_event_get[0])
		snprintf(sql_event_get, sizeof(sql_event_get),
			 "SELECT %s FROM event_logs WHERE id = ?", store_event_columns);
	return sql_event_get;
}

enum herr store_detection_create(struct db *db, const struct detection_fields *f,
				 const struct risk_calibration *cal, struct detection_result *res)
{
	struct db_stmt *st = NULL;
	struct open_event ev = {0};
	char camera_name[1025], zone_type[24], summary[SUMMARY_MAX];
	char *bbox = NULL, *enrichment = NULL, *types = NULL;
	int64_t zone_id, det_id, max_score = 0;
	int score, event_score;
	const char *level;
	bool known = false;
	size_t i;
	json_t *t;
	enum herr rc = HERR_OK;

	memset(res, 0, sizeof(*res));
	if ((rc = store_detection_camera(db, f->camera_id, camera_name, sizeof(camera_name))) !=
	    HERR_OK)
		return rc == HERR_NOT_FOUND ? HERR_INVALID : rc;
	if (f->recording_id > 0) {
		if ((rc = db_row(db, sql_recording, "I", "I", f->recording_id, &max_score)) !=
		    HERR_OK)
			return rc;
		if (max_score != 1)
			return HERR_INVALID;
	}
	if ((rc = detections__zone(db, f, &zone_id, zone_type, sizeof(zone_type))) != HERR_OK)
		return rc;
	score = risk_detection_score(f->object_type, f->confidence,
				     zone_id ? zone_type : NULL, f->local_hour);
	bbox = detections__dump(f->bbox, &rc);
	enrichment = detections__dump(f->enrichment, &rc);
	if (rc != HERR_OK)
		goto out;

	/* The detection first: a duplicate report stops here, before any
	 * event has been touched. */
	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, f->camera_id);
	db_bind_text(st, 1, camera_name);
	db_bind_text(st, 2, f->source ? f->source : "api");
	db_bind_text(st, 3, f->external_id);
	db_bind_text(st, 4, f->object_type);
	{
		char conf[32];

		snprintf(conf, sizeof(conf), "%.6f", f->confidence);
		db_bind_text(st, 5, conf);
		db_bind_int64(st, 6, score);
		db_bind_text(st, 7, bbox);
		if (zone_id)
			db_bind_int64(st, 8, zone_id);
		else
			db_bind_null(st, 8);
		db_bind_text(st, 9, zone_id ? zone_type : NULL);
		if (f->image_media_id > 0)
			db_bind_int64(st, 10, f->image_media_id);
		else
			db_bind_null(st, 10);
		if (f->recording_id > 0)
			db_bind_int64(st, 11, f->recording_id);
		else
			db_bind_null(st, 11);
		if (f->video_offset_ms >= 0)
			db_bind_int64(st, 12, f->video_offset_ms);
		else
			db_bind_null(st, 12);
		db_bind_text(st, 13, enrichment);
		db_bind_int64(st, 14, f->detected_ms);
		rc = db_execute(st);
	}
	det_id = (int64_t)db_insert_id(st);
	db_done(st);
	if (rc != HERR_OK)
		goto out;

	if ((rc = detections__group(db, f, camera_name, &ev, res)) != HERR_OK)
		goto out;
	if ((rc = db_exec(db, sql_attach, "II", ev.id, det_id)) != HERR_OK ||
	    (rc = db_row(db, sql_max_score, "I", "I", ev.id, &max_score)) != HERR_OK)
		goto out;
	json_array_foreach(ev.types, i, t)
		known = known || strcmp(json_string_value(t) ? json_string_value(t) : "",
					f->object_type) == 0;
	if (!known && json_array_append_new(ev.types, json_string(f->object_type)) != 0) {
		rc = HERR_NOMEM;
		goto out;
	}
	event_score = risk_event_score((int)max_score, (unsigned)ev.count + 1,
				       (unsigned)json_array_size(ev.types));
	level = risk_level(event_score, cal);
	res->became_serious = risk_level_rank(level) >= 2 &&
			      (res->event_created || risk_level_rank(ev.level) < 2);
	detections__summary(summary, sizeof(summary), camera_name, ev.types, ev.count + 1);
	utf8_trim_cut(summary);
	if (!(types = json_dumps(ev.types, JSON_COMPACT))) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((rc = db_exec(db, sql_event_update, "IIsissI", f->detected_ms, f->detected_ms, types,
			  event_score, level, summary, ev.id)) != HERR_OK)
		goto out;

	res->event_id = ev.id;
	if ((rc = store_detections_get(db, det_id, &res->detection)) != HERR_OK)
		goto out;
	rc = store_rows_get(db, detections__sql_event_get(), ev.id, store_event_row, &res->event);
out:
	if (rc != HERR_OK)
		detection_result_clear(res);
	json_decref(ev.types);
	free(bbox);
	free(enrichment);
	free(types);
	return rc;
}

enum herr store_detections_list(struct db *db, const struct detection_filter *f,
				const struct page *pg, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	char conf[32];
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->after_id);
	if (f->camera_id > 0) {
		db_bind_int64(st, 1, f->camera_id);
		db_bind_int64(st, 2, f->camera_id);
	} else {
		db_bind_null(st, 1);
		db_bind_null(st, 2);
	}
	db_bind_text(st, 3, f->object_type);
	db_bind_text(st, 4, f->object_type);
	snprintf(conf, sizeof(conf), "%.6f", f->min_confidence);
	db_bind_text(st, 5, f->min_confidence >= 0 ? conf : NULL);
	db_bind_text(st, 6, f->min_confidence >= 0 ? conf : NULL);
	db_bind_text(st, 7, f->since);
	db_bind_text(st, 8, f->since);
	db_bind_text(st, 9, f->until);
	db_bind_text(st, 10, f->until);
	db_bind_int64(st, 11, (int64_t)pg->limit + 1);
	db_bind_int64(st, 12, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, detections__row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_detections_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, detections__row, out);
}

enum herr store_detection_media(struct db *db, int64_t id, char which, int64_t *media_id)
{
	*media_id = 0;
	/* image_media_id, recording_id: 'v' reads the second. */
	return db_row(db, sql_media, "I", which == 'v' ? "-I" : "I-", id, media_id);
}

enum herr store_detection_enrichment(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	*out = NULL;
	if ((rc = db_query(db, &st, sql_enrichment, "I", id)) != HERR_OK)
		return rc;
	if ((r = db_fetch(st)) > 0) {
		size_t len;
		const char *t = db_col_text(st, 0, &len);

		*out = t ? json_loadb(t, len, JSON_DECODE_ANY, NULL) : json_null();
		if (!*out)
			rc = HERR_INTERNAL;
	} else {
		rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
	}
	db_done(st);
	return rc;
}
