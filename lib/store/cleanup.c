/*
 * Storage cleanup's SQL.  Deletions lock what they delete first
 * (SELECT ... FOR UPDATE), so a batch deletes exactly the rows it read and
 * reports, and commits before any file is touched.
 *
 * The ceiling deletes a batch with one DELETE of the ids it read rather
 * than a statement per row: a full disk can mean hundreds of thousands of
 * rows, and the oldest ones are the start of the media_age index.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store/cleanup.h"

/* Kinds of sql/006_media.sql, in the order GET /storage shows them. */
static const char *const cleanup_kinds[] = {
	"snapshot", "recording", "thumbnail", "sprite", "timelapse", "frame",
	"detection_image", "upload", NULL,
};

static const char sql_totals[] =
	"SELECT kind, COUNT(*), COALESCE(SUM(size_bytes), 0) FROM media GROUP BY kind";

/*
 * Oldest first; a row's bytes include its children's.  The index hints
 * hold the plans when the statistics are behind, as right after many rows
 * came at once: with media counted as one row the optimizer read every
 * row for each candidate's children (10,000,500 rows examined for a batch
 * of 500 out of 20,000, 0.8 s) and the parents by media_parent, the whole
 * table, where media_age reads the batch.
 */
static const char sql_oldest[] =
	"SELECT p.id, p.rel_path, p.size_bytes,"
	" (SELECT COALESCE(SUM(c.size_bytes), 0) FROM media c FORCE INDEX (media_parent)"
	"  WHERE c.parent_id = p.id),"
	" DATE_FORMAT(p.created_at, '%Y-%m-%d %H:%i:%s.%f')"
	" FROM media p FORCE INDEX (media_age) WHERE p.parent_id IS NULL"
	" ORDER BY p.created_at, p.id LIMIT ? FOR UPDATE";
/* The children of the parents up to (created_at, id), both bound twice. */
static const char sql_oldest_children[] =
	"SELECT c.id, c.rel_path, c.size_bytes FROM media p FORCE INDEX (media_age)"
	" JOIN media c FORCE INDEX (media_parent) ON c.parent_id = p.id"
	" WHERE p.parent_id IS NULL AND p.created_at <= ?"
	" AND (p.created_at < ? OR p.id <= ?) FOR UPDATE";
/* The parents read, by id (a JSON array); their children go by the
 * foreign key's cascade. */
static const char sql_oldest_delete[] =
	"DELETE media FROM media JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j"
	" ON media.id = j.id WHERE media.parent_id IS NULL";

static const char sql_old_detections[] =
	"SELECT d.id, d.image_media_id FROM detections d WHERE d.detected_at < ?"
	" ORDER BY d.detected_at, d.id LIMIT ? FOR UPDATE";
static const char sql_detection_delete[] =
	"DELETE FROM detections WHERE id = ?";

static const char sql_old_events[] =
	"SELECT id FROM event_logs WHERE kind = 'security' AND open_camera_id IS NULL"
	" AND status <> 'processing' AND created_at < ?"
	" ORDER BY created_at, id LIMIT ? FOR UPDATE";
static const char sql_event_delete[] =
	"DELETE FROM event_logs WHERE id = ? AND kind = 'security'";

static const char sql_rows[] =
	"SELECT id, rel_path, size_bytes FROM media WHERE id > ? ORDER BY id LIMIT ?";
static const char sql_path_known[] =
	"SELECT COUNT(*) FROM media WHERE rel_path = ?";

static const char sql_row_lock[] =
	"SELECT id, rel_path, size_bytes FROM media WHERE id = ? AND rel_path = ? FOR UPDATE";
static const char sql_children_lock[] =
	"SELECT id, rel_path, size_bytes FROM media WHERE parent_id = ? FOR UPDATE";
static const char sql_row_delete[] =
	"DELETE FROM media WHERE id = ?";

/* ---------------------------------------------------------------- lists */

int cleanup_files_add(struct cleanup_files *f, int64_t id, const char *rel_path,
		      uint64_t size_bytes)
{
	struct cleanup_file *e;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct cleanup_file *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -1;
		f->v = v;
		f->cap = cap;
	}
	e = &f->v[f->n++];
	e->id = id;
	e->size_bytes = size_bytes;
	if (!rel_path)
		rel_path = "";
	memcpy(e->rel_path, rel_path, strnlen(rel_path, MEDIA_REL_MAX));
	e->rel_path[strnlen(rel_path, MEDIA_REL_MAX)] = '\0';
	return 0;
}

void cleanup_files_clear(struct cleanup_files *f)
{
	f->n = 0;
}

void cleanup_files_free(struct cleanup_files *f)
{
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

/* Append the current row's (id, rel_path, size_bytes) in columns 0-2. */
static enum herr cleanup__add_row(struct db_stmt *st, struct cleanup_files *files)
{
	return cleanup_files_add(files, db_col_int64(st, 0), db_col_text(st, 1, NULL),
				 (uint64_t)db_col_int64(st, 2)) == 0
		       ? HERR_OK
		       : HERR_NOMEM;
}

/* Append all the (id, rel_path, size_bytes) rows of st, which db_query
 * executed; st is finished (db_done) whatever the outcome. */
static enum herr cleanup__take_rows(struct db_stmt *st, struct cleanup_files *files)
{
	enum herr rc = HERR_OK;
	int r = 0;

	while ((r = db_fetch(st)) == 1)
		if ((rc = cleanup__add_row(st, files)) != HERR_OK)
			break;
	if (rc == HERR_OK && r < 0)
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

/* A batch that failed is rolled back by the caller: the files it added
 * since `mark` are dropped, so nobody unlinks for a row that is still
 * there. */
static enum herr cleanup__failed(enum herr rc, struct cleanup_files *files, size_t mark)
{
	if (rc != HERR_OK)
		files->n = mark;
	return rc;
}

/* ---------------------------------------------------------------- totals */

enum herr store_cleanup_totals(struct db *db, uint64_t *bytes, uint64_t *count,
			       json_t **by_kind)
{
	struct db_stmt *st = NULL;
	json_t *kinds = NULL;
	enum herr rc;
	int r = 0;

	*bytes = *count = 0;
	if (by_kind) {
		*by_kind = NULL;
		if (!(kinds = json_object())) {
			rc = HERR_NOMEM;
			goto out;
		}
		for (size_t i = 0; cleanup_kinds[i]; i++)
			if (json_object_set_new(kinds, cleanup_kinds[i],
						json_pack("{s:i, s:i}", "count", 0, "bytes", 0))) {
				rc = HERR_NOMEM;
				goto out;
			}
	}
	if ((rc = db_query(db, &st, sql_totals, "")) != HERR_OK)
		goto out;
	while ((r = db_fetch(st)) == 1) {
		const char *kind = db_col_text(st, 0, NULL);
		int64_t n = db_col_int64(st, 1), b = db_col_int64(st, 2);

		*count += (uint64_t)n;
		*bytes += (uint64_t)b;
		if (kinds && kind &&
		    json_object_set_new(kinds, kind,
					json_pack("{s:I, s:I}", "count", (json_int_t)n, "bytes",
						  (json_int_t)b))) {
			rc = HERR_NOMEM;
			goto out;
		}
	}
	if (r < 0) {
		rc = HERR_INTERNAL;
		goto out;
	}
	if (by_kind) {
		*by_kind = kinds;
		kinds = NULL;
	}
out:
	db_done(st);
	json_decref(kinds);
	return rc;
}

/* ---------------------------------------------------------------- ceiling */

/* One candidate of a ceiling batch. */
struct cleanup_candidate {
	int64_t id;
	char rel_path[MEDIA_REL_MAX + 1];
	uint64_t own, children;
	char created[32];
};

enum herr store_cleanup_oldest(struct db *db, uint64_t want, unsigned max,
			       struct cleanup_files *files, uint64_t *freed)
{
	struct cleanup_candidate *cand = NULL;
	struct db_stmt *st = NULL;
	char *ids = NULL;
	size_t mark = files->n, n = 0, k = 0, used;
	uint64_t sum = 0;
	enum herr rc;
	int r = 0;

	*freed = 0;
	if (max == 0)
		return HERR_OK;
	if (!(cand = calloc(max, sizeof(*cand))))
		return HERR_NOMEM;
	if ((rc = db_query(db, &st, sql_oldest, "I", (int64_t)max)) != HERR_OK)
		goto out;
	while (n < max && (r = db_fetch(st)) == 1) {
		cand[n].id = db_col_int64(st, 0);
		store_col_copy(st, 1, cand[n].rel_path, sizeof(cand[n].rel_path));
		cand[n].own = (uint64_t)db_col_int64(st, 2);
		cand[n].children = (uint64_t)db_col_int64(st, 3);
		store_col_copy(st, 4, cand[n].created, sizeof(cand[n].created));
		n++;
	}
	if (n < max && r < 0) {
		rc = HERR_INTERNAL;
		goto out;
	}
	db_done(st);
	st = NULL;
	if (n == 0)
		goto out;

	/* As many as it takes, oldest first. */
	while (k < n && (k == 0 || sum < want)) {
		sum += cand[k].own + cand[k].children;
		if (cleanup_files_add(files, cand[k].id, cand[k].rel_path, cand[k].own) != 0) {
			rc = HERR_NOMEM;
			goto out;
		}
		k++;
	}

	rc = db_query(db, &st, sql_oldest_children, "ssI", cand[k - 1].created,
		      cand[k - 1].created, cand[k - 1].id);
	if (rc == HERR_OK)
		rc = cleanup__take_rows(st, files);
	st = NULL;
	if (rc != HERR_OK)
		goto out;

	if (!(ids = malloc(k * 21 + 3))) {
		rc = HERR_NOMEM;
		goto out;
	}
	used = 0;
	ids[used++] = '[';
	for (size_t i = 0; i < k; i++)
		used += (size_t)snprintf(ids + used, 22, "%s%" PRId64, i ? "," : "", cand[i].id);
	ids[used++] = ']';
	ids[used] = '\0';
	if ((rc = db_exec(db, sql_oldest_delete, "s", ids)) != HERR_OK)
		goto out;
	/* The rows are locked, so the DELETE finds the same k; anything else
	 * means this batch is not what it read, and nothing of it happens. */
	if (db_changes(db) != k) {
		LOG(LOG_ERR, "cleanup: batch of %zu oldest media deleted %llu rows; rolled back", k,
		    (unsigned long long)db_changes(db));
		rc = HERR_INTERNAL;
		goto out;
	}
	*freed = sum;
out:
	db_done(st);
	free(ids);
	free(cand);
	rc = cleanup__failed(rc, files, mark);
	if (rc != HERR_OK)
		*freed = 0;
	return rc;
}

/* ---------------------------------------------------------------- retention */

/* Delete media row id (locked) and its children, appending them to files. */
static enum herr cleanup__delete_media(struct db *db, int64_t id, const char *rel_path,
				       struct cleanup_files *files)
{
	struct db_stmt *st = NULL;
	size_t first = files->n;
	enum herr rc;
	int r = 0;

	if ((rc = db_query(db, &st, sql_row_lock, "Is", id, rel_path)) != HERR_OK)
		goto out;
	if ((r = db_fetch(st)) != 1) {
		rc = r == 0 ? HERR_OK : HERR_INTERNAL; /* gone already */
		goto out;
	}
	if ((rc = cleanup__add_row(st, files)) != HERR_OK)
		goto out;
	db_done(st);
	st = NULL;

	rc = db_query(db, &st, sql_children_lock, "I", id);
	if (rc == HERR_OK)
		rc = cleanup__take_rows(st, files);
	st = NULL;
	if (rc != HERR_OK)
		goto out;
	rc = store_rows_delete(db, sql_row_delete, id);
	if (rc == HERR_NOT_FOUND)
		rc = HERR_INTERNAL; /* it was locked a moment ago */
out:
	db_done(st);
	if (rc != HERR_OK)
		files->n = first;
	return rc;
}

/* An image row no remaining detection shows (detection images only). */
static const char sql_image_path[] =
	"SELECT m.rel_path FROM media m WHERE m.id = ? AND m.kind = 'detection_image'"
	" AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.image_media_id = m.id)";

enum herr store_cleanup_detections(struct db *db, const char *before, unsigned max,
				   struct cleanup_files *files, uint64_t *deleted)
{
	struct db_stmt *st = NULL;
	int64_t *ids = NULL, *images = NULL;
	size_t mark = files->n, n = 0;
	enum herr rc;
	int r = 0;

	*deleted = 0;
	if (max == 0)
		return HERR_OK;
	ids = calloc(max, sizeof(*ids));
	images = calloc(max, sizeof(*images));
	if (!ids || !images) {
		free(ids);
		free(images);
		return HERR_NOMEM;
	}
	if ((rc = db_query(db, &st, sql_old_detections, "sI", before, (int64_t)max)) != HERR_OK)
		goto out;
	while (n < max && (r = db_fetch(st)) == 1) {
		ids[n] = db_col_int64(st, 0);
		images[n] = db_col_int64(st, 1);
		n++;
	}
	if (n < max && r < 0) {
		rc = HERR_INTERNAL;
		goto out;
	}
	db_done(st);
	st = NULL;

	for (size_t i = 0; i < n; i++) {
		/* The detection first: its image row is referenced by it. */
		if ((rc = store_rows_delete(db, sql_detection_delete, ids[i])) != HERR_OK) {
			if (rc == HERR_NOT_FOUND)
				rc = HERR_INTERNAL;
			goto out;
		}
		if (images[i] > 0) {
			char rel[MEDIA_REL_MAX + 1] = "";

			rc = db_row(db, sql_image_path, "I", "s", images[i], rel, sizeof(rel));
			if (rc == HERR_NOT_FOUND)
				continue;        /* another detection still shows it */
			if (rc != HERR_OK ||
			    (rc = cleanup__delete_media(db, images[i], rel, files)) != HERR_OK)
				goto out;
		}
	}
	*deleted = n;
out:
	db_done(st);
	free(ids);
	free(images);
	rc = cleanup__failed(rc, files, mark);
	if (rc != HERR_OK)
		*deleted = 0;
	return rc;
}

enum herr store_cleanup_events(struct db *db, const char *before, unsigned max,
			       uint64_t *deleted)
{
	struct db_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0;
	enum herr rc;
	int r = 0;

	*deleted = 0;
	if (max == 0)
		return HERR_OK;
	if (!(ids = calloc(max, sizeof(*ids))))
		return HERR_NOMEM;
	if ((rc = db_query(db, &st, sql_old_events, "sI", before, (int64_t)max)) != HERR_OK)
		goto out;
	while (n < max && (r = db_fetch(st)) == 1)
		ids[n++] = db_col_int64(st, 0);
	if (n < max && r < 0) {
		rc = HERR_INTERNAL;
		goto out;
	}
	db_done(st);
	st = NULL;
	for (size_t i = 0; i < n; i++)
		if ((rc = store_rows_delete(db, sql_event_delete, ids[i])) != HERR_OK) {
			if (rc == HERR_NOT_FOUND)
				rc = HERR_INTERNAL;
			goto out;
		}
	*deleted = n;
out:
	db_done(st);
	free(ids);
	if (rc != HERR_OK)
		*deleted = 0;
	return rc;
}

/* ---------------------------------------------------------------- orphans */

enum herr store_cleanup_rows(struct db *db, int64_t after_id, unsigned max,
			     struct cleanup_files *rows, int64_t *last)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r = 0;

	*last = after_id;
	if ((rc = db_query(db, &st, sql_rows, "II", after_id, (int64_t)max)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		if ((rc = cleanup__add_row(st, rows)) != HERR_OK)
			goto out;
		*last = db_col_int64(st, 0);
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	return rc;
}

enum herr store_cleanup_path_known(struct db *db, const char *rel_path, bool *known)
{
	int64_t n = 0;
	enum herr rc;

	*known = true; /* the safe answer, whatever happens */
	rc = db_row(db, sql_path_known, "s", "I", rel_path, &n);
	if (rc == HERR_NOT_FOUND)
		return HERR_INTERNAL;    /* a COUNT has a row */
	if (rc == HERR_OK)
		*known = n > 0;
	return rc;
}

enum herr store_cleanup_delete_row(struct db *db, int64_t id, const char *rel_path,
				   struct cleanup_files *files)
{
	size_t mark = files->n;

	return cleanup__failed(cleanup__delete_media(db, id, rel_path, files), files, mark);
}
