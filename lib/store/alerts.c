/*
 * Alerts, alert actions and prompts.  An action and its effect on the alert
 * (and, for assist, the emergency pop-up that re-notifies) are one
 * transaction over the alert's locked row: an alert is never resolved
 * without the action that resolved it, and never acted on twice.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rows.h"
#include "store.h"
#include "alerts.h"

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"
/* Rows of one alert's history shown with it; people act a few times at most. */
#define ACTIONS_MAX 1000

#define ALERT_COLUMNS \
	"id, rule_id, execution_id, alert_type, alert_level, title, message, room_name," \
	" person_id, resolved, resolution," \
	" DATE_FORMAT(resolved_at, " TIME_FMT "), DATE_FORMAT(escalated_at, " TIME_FMT ")," \
	" DATE_FORMAT(created_at, " TIME_FMT "), DATE_FORMAT(updated_at, " TIME_FMT ")," \
	" escalations_sent, DATE_FORMAT(next_escalation_at, " TIME_FMT "), source_key"

#define PROMPT_COLUMNS \
	"id, kind, alert_id, execution_id, step_id, alert_level, title, message, buttons," \
	" countdown_seconds, status, DATE_FORMAT(expires_at, " TIME_FMT ")," \
	" DATE_FORMAT(created_at, " TIME_FMT "), DATE_FORMAT(updated_at, " TIME_FMT ")"

/* Newest first: after_id is the last id of the previous page (0 = none). */
#define BEFORE_CURSOR "(? = 0 OR id < ?)"

static const char sql_alert_insert[] =
	"INSERT INTO alerts (rule_id, execution_id, person_id, alert_type, alert_level, title,"
	" message, room_name, source_key, next_escalation_at)"
	" VALUES (?, ?, ?, COALESCE(?, 'rule'), ?, ?, ?, ?, ?,"
	" IF(? > 0, UTC_TIMESTAMP(3) + INTERVAL ? MINUTE, NULL))";
static const char sql_alert_open_source[] =
	"SELECT COALESCE(MAX(id), 0) FROM alerts WHERE open_source_key = ?";
static const char sql_alert_resolve_source[] =
	"UPDATE alerts SET resolved = TRUE, resolution = 'resolved', resolved_at = UTC_TIMESTAMP(3),"
	" next_escalation_at = NULL WHERE open_source_key = ?";
static const char sql_escalations_due[] =
	"SELECT id, alert_level, title, message, escalations_sent,"
	" DATE_FORMAT(next_escalation_at, '%Y-%m-%d %H:%i:%s.%f')"
	" FROM alerts WHERE next_escalation_at <= UTC_TIMESTAMP(3) AND NOT resolved"
	" ORDER BY next_escalation_at LIMIT ?";
/* next_escalation_at first: MariaDB assigns left to right, so the IF sees
 * the count before this escalation. */
static const char sql_escalation_claim[] =
	"UPDATE alerts SET"
	" next_escalation_at = IF(escalations_sent + 1 >= ?, NULL,"
	"   UTC_TIMESTAMP(3) + INTERVAL ? MINUTE),"
	" escalations_sent = escalations_sent + 1"
	" WHERE id = ? AND NOT resolved AND next_escalation_at = ?";
static const char sql_alert_list[] =
	"SELECT " ALERT_COLUMNS " FROM alerts WHERE " BEFORE_CURSOR
	" AND (? IS NULL OR resolved = ?) AND (? IS NULL OR room_name = ?)"
	" AND (? IS NULL OR alert_type = ?) AND (? IS NULL OR alert_level = ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_alert_get[] =
	"SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?";
static const char sql_alert_lock[] =
	"SELECT resolved FROM alerts WHERE id = ? FOR UPDATE";
static const char sql_actions[] =
	"SELECT id, action, actor, note, DATE_FORMAT(created_at, " TIME_FMT ")"
	" FROM alert_actions WHERE alert_id = ? ORDER BY id LIMIT ?";
static const char sql_action_insert[] =
	"INSERT INTO alert_actions (alert_id, action, actor, note) VALUES (?, ?, ?, ?)";
/* Someone answered: the reminders stop either way. */
static const char sql_dismiss[] =
	"UPDATE alerts SET resolved = TRUE, resolution = 'dismissed',"
	" resolved_at = UTC_TIMESTAMP(3), next_escalation_at = NULL WHERE id = ? AND NOT resolved";
static const char sql_escalate[] =
	"UPDATE alerts SET alert_level = 'emergency', escalated_at = UTC_TIMESTAMP(3),"
	" next_escalation_at = NULL WHERE id = ? AND NOT resolved";
/* The re-notification of an assist: the alert again, as an emergency, saying
 * who asked. */
static const char sql_renotify[] =
	"INSERT INTO prompts (kind, alert_id, execution_id, alert_level, title, message, buttons)"
	" SELECT 'notification', id, execution_id, 'emergency',"
	" LEFT(CONCAT('Assistance requested: ', title), 256),"
	" CONCAT(message, '\\n\\nAssistance requested by ', ?, '.'), '[]'"
	" FROM alerts WHERE id = ?";

static const char sql_prompt_insert[] =
	"INSERT INTO prompts (kind, alert_id, execution_id, step_id, alert_level, title, message,"
	" buttons, countdown_seconds, expires_at)"
	" VALUES (?, ?, ?, ?, COALESCE(?, 'info'), COALESCE(?, ''), ?, COALESCE(?, '[]'), ?, ?)";
static const char sql_prompt_list[] =
	"SELECT " PROMPT_COLUMNS " FROM prompts WHERE " BEFORE_CURSOR
	" AND (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ? OFFSET ?";
static const char sql_prompt_get[] =
	"SELECT " PROMPT_COLUMNS " FROM prompts WHERE id = ?";
static const char sql_prompt_dismiss[] =
	"UPDATE prompts SET status = 'dismissed' WHERE id = ? AND status = 'pending'";

/* An id column that may be NULL. */
static json_t *alerts__id(struct db_stmt *st, unsigned c)
{
	return db_col_is_null(st, c) ? json_null() : json_integer(db_col_int64(st, c));
}

static json_t *alerts__row(struct db_stmt *st)
{
	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s?, s:o, s:b, s:s?,"
			 " s:s?, s:s?, s:s, s:s, s:I, s:s?, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "rule_id", alerts__id(st, 1),
			 "execution_id", alerts__id(st, 2),
			 "alert_type", db_col_text(st, 3, NULL),
			 "alert_level", db_col_text(st, 4, NULL),
			 "title", db_col_text(st, 5, NULL),
			 "message", db_col_text(st, 6, NULL),
			 "room_name", db_col_text(st, 7, NULL),
			 "person_id", alerts__id(st, 8),
			 "resolved", db_col_int64(st, 9) != 0,
			 "resolution", db_col_text(st, 10, NULL),
			 "resolved_at", db_col_text(st, 11, NULL),
			 "escalated_at", db_col_text(st, 12, NULL),
			 "created_at", db_col_text(st, 13, NULL),
			 "updated_at", db_col_text(st, 14, NULL),
			 "escalations_sent", (json_int_t)db_col_int64(st, 15),
			 "next_escalation_at", db_col_text(st, 16, NULL),
			 "source_key", db_col_text(st, 17, NULL));
}

static json_t *alerts__action_row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s?, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "action", db_col_text(st, 1, NULL),
			 "actor", db_col_text(st, 2, NULL),
			 "note", db_col_text(st, 3, NULL),
			 "created_at", db_col_text(st, 4, NULL));
}

static json_t *alerts__prompt_row(struct db_stmt *st)
{
	const char *text = db_col_text(st, 8, NULL);
	json_t *buttons = text ? json_loads(text, 0, NULL) : NULL;

	if (!buttons)
		buttons = json_array();
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:s, s:s?,"
			 " s:s, s:s}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "kind", db_col_text(st, 1, NULL),
			 "alert_id", alerts__id(st, 2),
			 "execution_id", alerts__id(st, 3),
			 "step_id", alerts__id(st, 4),
			 "alert_level", db_col_text(st, 5, NULL),
			 "title", db_col_text(st, 6, NULL),
			 "message", db_col_text(st, 7, NULL),
			 "buttons", buttons,
			 "countdown_seconds", alerts__id(st, 9),
			 "status", db_col_text(st, 10, NULL),
			 "expires_at", db_col_text(st, 11, NULL),
			 "created_at", db_col_text(st, 12, NULL),
			 "updated_at", db_col_text(st, 13, NULL));
}

/* Bind the page's cursor at idx, idx+1 and its limit and offset at lim,
 * lim+1. */
static void alerts__bind_page(struct db_stmt *st, unsigned idx, unsigned lim,
			      const struct page *pg)
{
	int64_t before = pg->offset >= 0 ? 0 : pg->after_id;

	db_bind_int64(st, idx, before);
	db_bind_int64(st, idx + 1, before);
	db_bind_int64(st, lim, (int64_t)pg->limit + 1);
	db_bind_int64(st, lim + 1, pg->offset >= 0 ? pg->offset : 0);
}

/* An optional equality filter: "? IS NULL OR column = ?". */
static void alerts__bind_filter(struct db_stmt *st, unsigned idx, const char *value)
{
	db_bind_text(st, idx, value);
	db_bind_text(st, idx + 1, value);
}

enum herr store_alerts_create(struct db *db, const struct alert_fields *a, int64_t *id)
{
	enum herr rc = db_exec(db, sql_alert_insert, "JJJssssssII", a->rule_id, a->execution_id,
			       a->person_id, a->alert_type, a->alert_level, a->title,
			       a->message ? a->message : "", a->room_name, a->source_key,
			       (int64_t)a->escalation_minutes, (int64_t)a->escalation_minutes);

	*id = rc == HERR_OK ? (int64_t)db_last_id(db) : 0;
	return rc;
}

enum herr store_alerts_open_by_source(struct db *db, const char *source_key, int64_t *id)
{
	enum herr rc;

	*id = 0;
	rc = db_row(db, sql_alert_open_source, "s", "I", source_key, id);
	if (rc == HERR_OK && *id == 0)
		rc = HERR_NOT_FOUND;
	return rc;
}

enum herr store_alerts_resolve_source(struct db *db, const char *source_key, int64_t *id)
{
	enum herr rc = store_alerts_open_by_source(db, source_key, id);

	if (rc != HERR_OK)
		return rc;
	rc = db_exec(db, sql_alert_resolve_source, "s", source_key);
	if (rc == HERR_OK && db_changes(db) == 0)
		rc = HERR_NOT_FOUND;
	return rc;
}

enum herr store_alerts_escalations_due(struct db *db, struct due_escalation *out, size_t max,
				       size_t *n)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int got;

	*n = 0;
	if ((rc = db_query(db, &st, sql_escalations_due, "I", (int64_t)max)) != HERR_OK)
		return rc;
	while (*n < max && (got = db_fetch(st)) == 1) {
		struct due_escalation *d = &out[*n];
		const char *msg = db_col_text(st, 3, NULL);

		d->id = db_col_int64(st, 0);
		store_col_copy(st, 1, d->level, sizeof(d->level));
		store_col_copy(st, 2, d->title, sizeof(d->title));
		d->message = strdup(msg ? msg : "");
		d->escalations_sent = (unsigned)db_col_int64(st, 4);
		store_col_copy(st, 5, d->due_exact, sizeof(d->due_exact));
		if (!d->message) {
			rc = HERR_NOMEM;
			goto out;
		}
		(*n)++;
	}
	if (*n < max && got < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	if (rc != HERR_OK) {
		store_escalations_free(out, *n);
		*n = 0;
	}
	return rc;
}

void store_escalations_free(struct due_escalation *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].message);
		d[i].message = NULL;
	}
}

enum herr store_alerts_claim_escalation(struct db *db, const struct due_escalation *d,
					unsigned repeat_count, unsigned every_minutes, bool *claimed)
{
	enum herr rc = db_exec(db, sql_escalation_claim, "IIIs", (int64_t)repeat_count,
			       (int64_t)(every_minutes ? every_minutes : 1), d->id, d->due_exact);

	*claimed = rc == HERR_OK && db_changes(db) == 1;
	return rc;
}

enum herr store_alerts_list(struct db *db, const struct alert_filter *f, const struct page *pg,
			    json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_alert_list, &st)) != HERR_OK)
		return rc;
	alerts__bind_page(st, 0, 10, pg);
	if (f->resolved < 0) {
		db_bind_null(st, 2);
		db_bind_null(st, 3);
	} else {
		db_bind_bool(st, 2, f->resolved != 0);
		db_bind_bool(st, 3, f->resolved != 0);
	}
	alerts__bind_filter(st, 4, f->room_name);
	alerts__bind_filter(st, 6, f->alert_type);
	alerts__bind_filter(st, 8, f->alert_level);
	rc = store_rows_page(st, pg->limit, alerts__row, items, has_more);
	db_done(st);
	return rc;
}

/* The alert's actions, oldest first, as a new array in *out. */
static enum herr alerts__actions(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *items = json_array();
	bool more = false;
	enum herr rc;

	*out = NULL;
	if (!items)
		return HERR_NOMEM;
	rc = db_query(db, &st, sql_actions, "II", id, (int64_t)ACTIONS_MAX);
	if (rc == HERR_OK)
		rc = store_rows_take_page(st, ACTIONS_MAX, alerts__action_row, items, &more);
	if (rc == HERR_OK) {
		*out = items;
		items = NULL;
	}
	json_decref(items);
	return rc;
}

enum herr store_alerts_get(struct db *db, int64_t id, json_t **out)
{
	json_t *alert = NULL, *actions = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = store_rows_get(db, sql_alert_get, id, alerts__row, &alert)) != HERR_OK)
		goto out;
	if ((rc = alerts__actions(db, id, &actions)) != HERR_OK)
		goto out;
	if (json_object_set_new(alert, "actions", actions) != 0) {
		rc = HERR_NOMEM;
		goto out;
	}
	*out = alert;
	alert = NULL;
out:
	json_decref(alert);
	return rc;
}

/* Run a statement that takes the alert id (at idx) and must change one
 * row: HERR_CONFLICT when it changed none. */
static enum herr alerts__update(struct db *db, const char *sql, int64_t id)
{
	enum herr rc = db_exec(db, sql, "I", id);

	if (rc == HERR_OK && db_changes(db) == 0)
		rc = HERR_CONFLICT;
	return rc;
}

/* The body of store_alerts_act, inside its transaction. */
static enum herr alerts__act(struct db *db, int64_t id, enum alert_action action,
			     const char *actor, const char *note, int64_t *prompt_id)
{
	bool resolved = false;
	enum herr rc;

	if ((rc = db_row(db, sql_alert_lock, "I", "b", id, &resolved)) != HERR_OK)
		return rc;
	if (resolved)
		return HERR_CONFLICT;
	if ((rc = db_exec(db, sql_action_insert, "Isss", id,
			  action == ALERT_DISMISS ? "dismiss" : "assist", actor, note)) != HERR_OK)
		return rc;
	if (action == ALERT_DISMISS)
		return alerts__update(db, sql_dismiss, id);
	if ((rc = alerts__update(db, sql_escalate, id)) != HERR_OK)
		return rc;
	if ((rc = db_exec(db, sql_renotify, "sI", actor, id)) == HERR_OK)
		*prompt_id = (int64_t)db_last_id(db);
	return rc;
}

enum herr store_alerts_act(struct db *db, int64_t id, enum alert_action action,
			   const char *actor, const char *note, json_t **out,
			   int64_t *prompt_id)
{
	int64_t pid = 0;
	enum herr rc;

	*out = NULL;
	rc = alerts__act(db, id, action, actor, note, &pid);
	if (prompt_id)
		*prompt_id = rc == HERR_OK ? pid : 0;
	return rc == HERR_OK ? store_alerts_get(db, id, out) : rc;
}

enum herr store_prompts_create(struct db *db, const struct prompt_fields *p, int64_t *id)
{
	enum herr rc = db_exec(db, sql_prompt_insert, "sJJJssssJs", p->kind, p->alert_id,
			       p->execution_id, p->step_id, p->alert_level, p->title,
			       p->message ? p->message : "", p->buttons_json, p->countdown_seconds,
			       p->expires_at);

	*id = rc == HERR_OK ? (int64_t)db_last_id(db) : 0;
	return rc;
}

enum herr store_prompts_list(struct db *db, const char *status, const struct page *pg,
			     json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_prompt_list, &st)) != HERR_OK)
		return rc;
	alerts__bind_page(st, 0, 4, pg);
	alerts__bind_filter(st, 2, status);
	rc = store_rows_page(st, pg->limit, alerts__prompt_row, items, has_more);
	db_done(st);
	return rc;
}

enum herr store_prompts_get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_prompt_get, id, alerts__prompt_row, out);
}

enum herr store_prompts_dismiss(struct db *db, int64_t id, json_t **out)
{
	enum herr rc;

	*out = NULL;
	rc = alerts__update(db, sql_prompt_dismiss, id);
	if (rc == HERR_CONFLICT) {
		/* Nothing changed: either there is no such prompt or it is done. */
		json_t *prompt = NULL;
		enum herr e = store_prompts_get(db, id, &prompt);

		json_decref(prompt);
		return e == HERR_OK ? HERR_CONFLICT : e;
	}
	return rc == HERR_OK ? store_prompts_get(db, id, out) : rc;
}
