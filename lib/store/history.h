#ifndef HEARTH_STORE_HISTORY_H
#define HEARTH_STORE_HISTORY_H

/*
 * What runs leave behind, read side: workflow executions and event logs,
 * newest first.  Pages follow the descending convention of
 * ctx_page_desc(): pg->after_id is the id to continue below (INT64_MAX for
 * the first page) and pg->offset >= 0 skips that many rows below it.
 *
 * Execution JSON: {id, rule_id|null, rule_name, trigger_type, status,
 *   current_step_id|null, waiting_for|null, resume_at|null, error|null,
 *   started_at, updated_at, finished_at|null, active_ms, event_log_id|null}
 * Detail adds pipeline_data (the whole object), step_timings
 *   (pipeline_data._step_timings, or []) and interactive_responses
 *   [{step_id, channel, action, raw_response, created_at}] in answer order.
 * Event JSON: {id, kind, rule_id|null, rule_name, execution_id|null,
 *   trigger_type, status, reason|null, repeat_count, created_at, last_at,
 *   finished_at|null, pipeline_data|null}
 * A security event (kind security, grouped detections) has its own JSON:
 *   {id, kind: "security", camera_id|null, camera_name|null, status,
 *    started_at, ended_at|null, last_detection_at, risk_score, risk_level,
 *    detection_count, object_types[], summary, notes|null, reviewed,
 *    reviewed_at|null}; ended_at is its last detection's time once it is
 *    closed (null while open).
 * Times are ISO 8601 UTC with 'Z'.
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct db_stmt;
struct page;

/* Filters of the workflow list; 0 / NULL switches one off. */
struct workflow_filter {
	int64_t rule_id;
	const char *status;   /* running|waiting|completed|failed|cancelled */
};

/* Filters of the event list; NULL switches one off.  since/until are
 * "YYYY-MM-DD HH:MM:SS.mmm" UTC (a DATETIME(3) parameter) and bound
 * created_at: since <= created_at < until. */
struct event_filter {
	const char *kind;
	const char *rule_name;
	const char *status;   /* processing|completed|ignored|failed */
	const char *since;
	const char *until;
	/* Security events' own filters (kind security). */
	int64_t camera_id;       /* 0 = any */
	const char *risk_level;  /* low|medium|high|critical */
	int reviewed;            /* 0 = any, 1 = reviewed only, -1 = not reviewed only */
};

/* Append a page of executions (list JSON, without pipeline_data) to items
 * (borrowed). */
enum herr store_workflows_list(struct db *db, const struct workflow_filter *f,
			       const struct page *pg, json_t *items, bool *has_more);

/* One execution with its detail; *out a new reference.  HERR_NOT_FOUND
 * when there is none. */
enum herr store_workflows_get(struct db *db, int64_t id, json_t **out);

/* Append a page of event logs to items (borrowed). */
enum herr store_events_list(struct db *db, const struct event_filter *f,
			    const struct page *pg, json_t *items, bool *has_more);

/* One event log; *out a new reference.  HERR_NOT_FOUND when there is none. */
enum herr store_events_get(struct db *db, int64_t id, json_t **out);

/*
 * Inside lib/store (security_events.c): the columns every event query
 * selects, and the current row of such a query as event JSON (either
 * kind, above); NULL on failure (logged).
 */
#define STORE_EVENT_COLUMN_COUNT 23
extern const char store_event_columns[];
json_t *store_event_row(struct db_stmt *st);

#endif
