/*
 * The delivery queue and its dead-letter queue (table jobs).  See jobs.h
 * for the rules: every change of status is conditional on the status (and,
 * for a running job, the owner) it is expected to have, and claims skip
 * rows another claimer holds, so any number of workers and ticks share the
 * queue and each attempt is made by one of them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jobs.h"
#include "log.h"
#include "rows.h"
#include "store.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
#define JOBS_STR_(x) #x
#define JOBS_STR(x) JOBS_STR_(x)
/* last_error is a VARCHAR(512): longer reasons are cut, by characters. */
#define ERROR_SQL "LEFT(COALESCE(?, 'delivery failed'), " JOBS_STR(JOB_ERROR_MAX) ")"

/* Dead jobs put back in one request at most (POST .../requeue-all). */
#define REQUEUE_MAX 1000
/* Queue names in the stats: the channels and ha_action, with room to spare. */
#define STATS_QUEUES_MAX 1000

#define JOB_COLUMNS \
	"id, queue, status, attempts, max_attempts, DATE_FORMAT(run_after, " TIME_FMT ")," \
	" payload, result, last_error, alert_id, execution_id, step_id," \
	" DATE_FORMAT(created_at, " TIME_FMT "), DATE_FORMAT(updated_at, " TIME_FMT ")," \
	" DATE_FORMAT(finished_at, " TIME_FMT ")"

/* Claimed columns, read into struct job. */
#define CLAIM_COLUMNS \
	"id, queue, attempts, max_attempts, payload, alert_id, execution_id, step_id"

static const char sql_create[] =
	"INSERT INTO jobs (queue, payload, max_attempts, alert_id, execution_id, step_id,"
	" run_after) VALUES (?, ?, ?, ?, ?, ?, NOW(3) + INTERVAL ? MICROSECOND)";

/* The oldest due job first; jobs_due (status, run_after) holds the order,
 * with the primary key breaking ties. */
static const char sql_pick_due[] =
	"SELECT " CLAIM_COLUMNS " FROM jobs WHERE status = 'pending' AND run_after <= NOW(3)"
	" ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED";
static const char sql_pick_id[] =
	"SELECT " CLAIM_COLUMNS " FROM jobs"
	" WHERE id = ? AND status = 'pending' AND run_after <= NOW(3) FOR UPDATE SKIP LOCKED";
static const char sql_take[] =
	"UPDATE jobs SET status = 'running', attempts = attempts + 1, owner = ?,"
	" lease_until = NOW(3) + INTERVAL ? SECOND WHERE id = ? AND status = 'pending'";

static const char sql_done[] =
	"UPDATE jobs SET status = 'done', result = ?, owner = NULL, lease_until = NULL,"
	" finished_at = NOW(3) WHERE id = ? AND status = 'running' AND owner = ?";
static const char sql_retry[] =
	"UPDATE jobs SET status = 'pending', run_after = NOW(3) + INTERVAL ? MICROSECOND,"
	" result = ?, last_error = " ERROR_SQL ", owner = NULL, lease_until = NULL"
	" WHERE id = ? AND status = 'running' AND owner = ?";
static const char sql_dead[] =
	"UPDATE jobs SET status = 'dead', result = ?, last_error = " ERROR_SQL ","
	" owner = NULL, lease_until = NULL, finished_at = NOW(3)"
	" WHERE id = ? AND status = 'running' AND owner = ?";

/* jobs_lease (status, lease_until) finds them. */
static const char sql_expired[] =
	"SELECT id, queue, owner, attempts < max_attempts FROM jobs"
	" WHERE status = 'running' AND lease_until < NOW(3)"
	" ORDER BY id LIMIT " JOBS_STR(JOBS_REAP_BATCH) " FOR UPDATE SKIP LOCKED";
/* Each assignment reads columns no other one changes (owner is read
 * before it is cleared either way), so the order of evaluation does not
 * matter. */
static const char sql_reap[] =
	"UPDATE jobs j JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) t"
	" ON j.id = t.id"
	" SET j.last_error = LEFT(CONCAT('the lease of ', COALESCE(j.owner, 'a worker'),"
	"   ' ran out: it died or hung during the attempt'), " JOBS_STR(JOB_ERROR_MAX) "),"
	" j.finished_at = IF(j.attempts < j.max_attempts, NULL, NOW(3)),"
	" j.run_after = NOW(3), j.owner = NULL, j.lease_until = NULL,"
	" j.status = IF(j.attempts < j.max_attempts, 'pending', 'dead')"
	" WHERE j.status = 'running' AND j.lease_until < NOW(3)";

static const char sql_get[] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?";

/* Done jobs are history, not queue: the IN list keeps them out using the
 * status prefix of jobs_due. */
static const char sql_stats[] =
	"SELECT queue, SUM(status = 'dead'), SUM(status = 'pending'), SUM(status = 'running'),"
	" DATE_FORMAT(MIN(IF(status = 'dead', COALESCE(finished_at, updated_at), NULL)), "
	TIME_FMT ")"
	" FROM jobs WHERE status IN ('pending', 'running', 'dead') GROUP BY queue ORDER BY queue";
/* Keyset and offset pages share one statement, as in rooms.c. */
static const char sql_dead_list[] =
	"SELECT " JOB_COLUMNS " FROM jobs WHERE queue = ? AND status = 'dead' AND id > ?"
	" ORDER BY id LIMIT ? OFFSET ?";
/* Two requeues at once take different jobs rather than wait for each other. */
static const char sql_dead_oldest[] =
	"SELECT id FROM jobs WHERE queue = ? AND status = 'dead' ORDER BY id LIMIT ?"
	" FOR UPDATE SKIP LOCKED";
static const char sql_requeue[] =
	"UPDATE jobs j JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) t"
	" ON j.id = t.id"
	" SET j.status = 'pending', j.attempts = 0, j.run_after = NOW(3), j.finished_at = NULL,"
	" j.owner = NULL, j.lease_until = NULL WHERE j.status = 'dead'";
static const char sql_dead_clear[] = "DELETE FROM jobs WHERE queue = ? AND status = 'dead'";

/* ---------------------------------------------------------------- helpers */

/* An id column that may be NULL, as JSON. */
static json_t *jobs__id(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

/* A JSON column as a new value; null for SQL NULL (or, logged, text that
 * does not parse, which the CHECK constraint rules out). */
static json_t *jobs__json(struct db_stmt *st, unsigned idx, int64_t id)
{
	size_t len = 0;
	const char *text = db_col_text(st, idx, &len);
	json_t *v;

	if (!text)
		return json_null();
	v = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	if (!v) {
		LOG(LOG_ERR, "job %" PRId64 ": stored JSON does not parse", id);
		return json_null();
	}
	return v;
}

static json_t *jobs__row(struct db_stmt *st)
{
	int64_t id = db_col_int64(st, 0);

	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:s?, s:o, s:o, s:o,"
			 " s:s, s:s, s:s?}",
			 "id", (json_int_t)id,
			 "queue", db_col_text(st, 1, NULL),
			 "status", db_col_text(st, 2, NULL),
			 "attempts", (json_int_t)db_col_int64(st, 3),
			 "max_attempts", (json_int_t)db_col_int64(st, 4),
			 "run_after", db_col_text(st, 5, NULL),
			 "payload", jobs__json(st, 6, id),
			 "result", jobs__json(st, 7, id),
			 "last_error", db_col_text(st, 8, NULL),
			 "alert_id", jobs__id(st, 9),
			 "execution_id", jobs__id(st, 10),
			 "step_id", jobs__id(st, 11),
			 "created_at", db_col_text(st, 12, NULL),
			 "updated_at", db_col_text(st, 13, NULL),
			 "finished_at", db_col_text(st, 14, NULL));
}

/* Run sql with its one text parameter; *n = the rows it changed (0 on
 * failure). */
static enum herr jobs__apply(struct db *db, const char *sql, const char *text, unsigned *n)
{
	enum herr e = db_exec(db, sql, "s", text);

	*n = e == HERR_OK ? (unsigned)db_changes(db) : 0;
	return e;
}

/* ---------------------------------------------------------------- jobs */

enum herr store_jobs_create(struct db *db, const struct job_fields *f, int64_t *id)
{
	char *payload = NULL;
	enum herr e;

	if (id)
		*id = 0;
	if (!f->queue || !*f->queue || strlen(f->queue) >= JOB_QUEUE_MAX ||
	    !json_is_object(f->payload))
		return HERR_INVALID;
	if (!(payload = json_dumps(f->payload, JSON_COMPACT)))
		return HERR_NOMEM;
	e = db_exec(db, sql_create, "ssIJJJI", f->queue, payload,
		    (int64_t)(f->max_attempts ? f->max_attempts : 3), f->alert_id, f->execution_id,
		    f->step_id, f->delay_ms > 0 ? (int64_t)f->delay_ms * 1000 : 0);
	if (e == HERR_OK && id)
		*id = (int64_t)db_last_id(db);
	free(payload);
	return e;
}

/* The job to claim, locked: read into j (payload a new reference). */
static enum herr jobs__pick(struct db *db, int64_t id, struct job *j)
{
	struct db_stmt *st = NULL;
	enum herr e;
	int rc;

	if (id > 0)
		e = db_query(db, &st, sql_pick_id, "I", id);
	else
		e = db_query(db, &st, sql_pick_due, "");
	if (e != HERR_OK)
		return e;
	if ((rc = db_fetch(st)) != 1) {
		e = rc == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	j->id = db_col_int64(st, 0);
	store_col_copy(st, 1, j->queue, sizeof(j->queue));
	j->attempts = (unsigned)db_col_int64(st, 2);
	j->max_attempts = (unsigned)db_col_int64(st, 3);
	j->payload = jobs__json(st, 4, j->id);
	j->alert_id = db_col_int64(st, 5);
	j->execution_id = db_col_int64(st, 6);
	j->step_id = db_col_int64(st, 7);
	if (!j->payload)
		e = HERR_NOMEM;
out:
	db_done(st);
	return e;
}

enum herr store_jobs_claim(struct db *db, int64_t id, const char *owner,
			   unsigned lease_seconds, struct job *j)
{
	enum herr e;

	memset(j, 0, sizeof(*j));
	if ((e = jobs__pick(db, id, j)) != HERR_OK)
		goto out;
	e = db_exec(db, sql_take, "sII", owner, (int64_t)(lease_seconds ? lease_seconds : 1),
		    j->id);
	/* The row is locked by us: only a lost connection changes nothing. */
	if (e == HERR_OK && db_changes(db) != 1)
		e = HERR_NOT_FOUND;
	if (e == HERR_OK)
		j->attempts++;
out:
	if (e != HERR_OK) {
		json_decref(j->payload);
		memset(j, 0, sizeof(*j));
	}
	return e;
}

enum herr store_jobs_finish(struct db *db, int64_t id, const char *owner,
			    enum job_outcome outcome, long delay_ms, const json_t *result,
			    const char *error)
{
	struct db_stmt *st = NULL;
	char *result_text = NULL;
	unsigned idx = 0;
	const char *sql;
	enum herr e;

	switch (outcome) {
	case JOB_DONE:
		sql = sql_done;
		break;
	case JOB_RETRY:
		sql = sql_retry;
		break;
	case JOB_DEAD:
		sql = sql_dead;
		break;
	default:
		return HERR_INTERNAL;
	}
	if (result && !(result_text = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY)))
		return HERR_NOMEM;
	if ((e = db_prepare(db, sql, &st)) != HERR_OK)
		goto out;
	if (outcome == JOB_RETRY)
		db_bind_int64(st, idx++, delay_ms > 0 ? (int64_t)delay_ms * 1000 : 0);
	db_bind_text(st, idx++, result_text);
	if (outcome != JOB_DONE)
		db_bind_text(st, idx++, error);
	db_bind_int64(st, idx++, id);
	db_bind_text(st, idx, owner);
	if ((e = db_execute(st)) == HERR_OK && db_affected_rows(st) == 0)
		e = HERR_CONFLICT;
out:
	db_done(st);
	free(result_text);
	return e;
}

enum herr store_jobs_reap(struct db *db, unsigned *n)
{
	struct db_stmt *st = NULL;
	json_t *ids = json_array();
	char *ids_text = NULL;
	enum herr e;
	int rc = 0;

	*n = 0;
	if (!ids)
		return HERR_NOMEM;
	if ((e = db_query(db, &st, sql_expired, "")) != HERR_OK)
		goto end;
	while ((rc = db_fetch(st)) == 1) {
		int64_t id = db_col_int64(st, 0);
		const char *queue = db_col_text(st, 1, NULL);
		const char *owner = db_col_text(st, 2, NULL);

		LOG(LOG_WARNING, "job %" PRId64 " (%s): the lease of %s ran out; %s", id,
		    queue ? queue : "?", owner ? owner : "its worker",
		    db_col_int64(st, 3) ? "it will be tried again" : "out of attempts, dead-lettered");
		if (json_array_append_new(ids, json_integer(id)) != 0) {
			e = HERR_NOMEM;
			goto end;
		}
	}
	if (rc < 0) {
		e = HERR_INTERNAL;
		goto end;
	}
	db_done(st);
	st = NULL;
	if (json_array_size(ids) == 0)
		goto end;
	if (!(ids_text = json_dumps(ids, JSON_COMPACT))) {
		e = HERR_NOMEM;
		goto end;
	}
	e = jobs__apply(db, sql_reap, ids_text, n);
end:
	db_done(st);
	if (e != HERR_OK)
		*n = 0;
	free(ids_text);
	json_decref(ids);
	return e;
}

enum herr store_jobs_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, jobs__row, out);
}

/* ---------------------------------------------------------------- DLQ */

static json_t *jobs__stats_row(struct db_stmt *st)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:s?}",
			 "queue", db_col_text(st, 0, NULL),
			 "dead", (json_int_t)db_col_int64(st, 1),
			 "pending", (json_int_t)db_col_int64(st, 2),
			 "running", (json_int_t)db_col_int64(st, 3),
			 "oldest_dead_at", db_col_text(st, 4, NULL));
}

enum herr store_dlq_stats(struct db *db, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *queues = json_array(), *q;
	json_int_t total = 0;
	bool more = false;
	size_t i;
	enum herr e;

	*out = NULL;
	if (!queues)
		return HERR_NOMEM;
	if ((e = db_query(db, &st, sql_stats, "")) != HERR_OK)
		goto out;
	e = store_rows_take_page(st, STATS_QUEUES_MAX, jobs__stats_row, queues, &more);
	if (e != HERR_OK)
		goto out;
	json_array_foreach(queues, i, q)
		total += json_integer_value(json_object_get(q, "dead"));
	*out = json_pack("{s:I, s:o}", "total", total, "queues", queues);
	queues = NULL;
	if (!*out)
		e = HERR_NOMEM;
out:
	json_decref(queues);
	return e;
}

enum herr store_dlq_list(struct db *db, const char *queue, const struct page *pg,
			 json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr e;

	*has_more = false;
	e = db_query(db, &st, sql_dead_list, "sIII", queue, pg->offset >= 0 ? 0 : pg->after_id,
		     (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (e != HERR_OK)
		return e;
	return store_rows_take_page(st, pg->limit, jobs__row, items, has_more);
}

enum herr store_dlq_requeue(struct db *db, const char *queue, unsigned limit, unsigned *n,
			    json_t **ids_out)
{
	struct db_stmt *st = NULL;
	json_t *ids = json_array();
	char *ids_text = NULL;
	enum herr e;
	int rc = 0;

	*n = 0;
	if (ids_out)
		*ids_out = NULL;
	if (!ids)
		return HERR_NOMEM;
	if (limit > REQUEUE_MAX)
		limit = REQUEUE_MAX;
	if ((e = db_query(db, &st, sql_dead_oldest, "sI", queue, (int64_t)limit)) != HERR_OK)
		goto end;
	while ((rc = db_fetch(st)) == 1) {
		if (json_array_append_new(ids, json_integer(db_col_int64(st, 0))) != 0) {
			e = HERR_NOMEM;
			goto end;
		}
	}
	if (rc < 0) {
		e = HERR_INTERNAL;
		goto end;
	}
	db_done(st);
	st = NULL;
	if (json_array_size(ids) == 0)
		goto end;
	if (!(ids_text = json_dumps(ids, JSON_COMPACT))) {
		e = HERR_NOMEM;
		goto end;
	}
	e = jobs__apply(db, sql_requeue, ids_text, n);
end:
	db_done(st);
	if (e != HERR_OK) {
		*n = 0;
		goto out;
	}
	if (ids_out) {
		*ids_out = ids;
		ids = NULL;
	}
out:
	free(ids_text);
	json_decref(ids);
	return e;
}

enum herr store_dlq_clear(struct db *db, const char *queue, unsigned *n)
{
	*n = 0;
	return jobs__apply(db, sql_dead_clear, queue, n);
}
