#ifndef HEARTH_STORE_ALERTS_H
#define HEARTH_STORE_ALERTS_H

/*
 * Alerts, what people did about them, and the dashboard's pop-ups.
 *
 * An alert is raised by a notification step (emergency, warning) and acted
 * on through the API: dismiss resolves it, assist escalates it to an
 * emergency and re-notifies.  A prompt is one pop-up the dashboard shows:
 * a notification on the pwa_popup_text channel, or an interactive prompt.
 *
 * Lists are histories, newest first: a page holds ids below pg->after_id
 * (the last id of the previous page; 0 = from the newest).
 *
 * Alert JSON: {id, rule_id|null, execution_id|null, alert_type, alert_level,
 *   title, message, room_name|null, person_id|null, resolved,
 *   resolution|null, resolved_at|null, escalated_at|null, created_at,
 *   updated_at, escalations_sent, next_escalation_at|null, source_key|null}; store_alerts_get adds actions[]
 *   {id, action, actor, note|null, created_at}, oldest first.
 * Prompt JSON: {id, kind, alert_id|null, execution_id|null, step_id|null,
 *   alert_level, title, message, buttons[], countdown_seconds|null, status,
 *   expires_at|null, created_at, updated_at}
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct page;

/* All borrowed; 0 / NULL = none. */
struct alert_fields {
	int64_t rule_id;
	int64_t execution_id;
	int64_t person_id;
	const char *alert_type;    /* NULL = 'rule' */
	const char *alert_level;   /* emergency|warning|info|reminder */
	const char *title;         /* at most 256 characters */
	const char *message;
	const char *room_name;
	const char *source_key;    /* an outside alert's identity (Alertmanager
	                            * fingerprint): one open alert per key */
	unsigned escalation_minutes; /* re-notify after this long; 0 = never */
};

/* An open alert whose next reminder is due. */
struct due_escalation {
	int64_t id;
	char level[17];
	char title[1025];
	char *message;             /* malloc'd: store_escalations_free() */
	unsigned escalations_sent; /* before this one */
	char due_exact[32];        /* next_escalation_at as stored: the claim's guard */
};

struct alert_filter {
	int resolved;              /* -1 = any, 0 = open, 1 = resolved */
	const char *room_name;     /* NULL = any */
	const char *alert_type;
	const char *alert_level;
};

/* What an action does to the alert it is recorded on. */
enum alert_action {
	ALERT_DISMISS,   /* resolved, resolution 'dismissed' */
	ALERT_ASSIST,    /* escalated to emergency, stays open, and an emergency
	                  * prompt re-notifies the dashboard */
};

/* Insert an alert; *id = its id.  HERR_INVALID when rule_id, execution_id
 * or person_id names nothing. */
enum herr store_alerts_create(struct db *db, const struct alert_fields *a, int64_t *id);

/* The open alert raised for source_key: HERR_NOT_FOUND when none. */
enum herr store_alerts_open_by_source(struct db *db, const char *source_key, int64_t *id);

/* Resolve the open alert of source_key (resolution 'resolved'; reminders
 * stop); *id the alert.  HERR_NOT_FOUND when none is open. */
enum herr store_alerts_resolve_source(struct db *db, const char *source_key, int64_t *id);

/* Up to max open alerts whose reminder is due, oldest due first; *n how
 * many.  Free with store_escalations_free(). */
enum herr store_alerts_escalations_due(struct db *db, struct due_escalation *out, size_t max,
				       size_t *n);
void store_escalations_free(struct due_escalation *d, size_t n);

/*
 * Claim d's reminder: escalations_sent + 1, and the next one in
 * every_minutes unless that makes repeat_count.  *claimed false when
 * someone else did (or the alert was answered) meanwhile: then do not
 * re-notify.
 */
enum herr store_alerts_claim_escalation(struct db *db, const struct due_escalation *d,
					unsigned repeat_count, unsigned every_minutes,
					bool *claimed);

enum herr store_alerts_list(struct db *db, const struct alert_filter *f, const struct page *pg,
			    json_t *items, bool *has_more);

/* The alert with its actions[]; *out a new reference.  HERR_NOT_FOUND. */
enum herr store_alerts_get(struct db *db, int64_t id, json_t **out);

/*
 * Record action by actor (note may be NULL) on alert id and apply it, in
 * the caller's transaction with the alert's row locked, so two people
 * acting at once are one action and one HERR_CONFLICT.  *out (a new
 * reference) is the alert afterwards with its actions; *prompt_id the
 * re-notification of an assist (0 otherwise; may be NULL).
 * HERR_NOT_FOUND; HERR_CONFLICT when the alert is already resolved.
 */
enum herr store_alerts_act(struct db *db, int64_t id, enum alert_action action,
			   const char *actor, const char *note, json_t **out,
			   int64_t *prompt_id);

/* All borrowed; 0 / NULL = none. */
struct prompt_fields {
	const char *kind;          /* notification|interactive */
	int64_t alert_id;
	int64_t execution_id;
	int64_t step_id;
	const char *alert_level;   /* NULL = 'info' */
	const char *title;         /* at most 256 characters; NULL = "" */
	const char *message;
	const char *buttons_json;  /* a serialised array; NULL = [] */
	int64_t countdown_seconds;
	const char *expires_at;    /* "YYYY-MM-DD HH:MM:SS[.mmm]" UTC */
};

/* Insert a pending prompt; *id = its id.  HERR_INVALID when execution_id or
 * alert_id names nothing. */
enum herr store_prompts_create(struct db *db, const struct prompt_fields *p, int64_t *id);

/* status NULL = any. */
enum herr store_prompts_list(struct db *db, const char *status, const struct page *pg,
			     json_t *items, bool *has_more);

enum herr store_prompts_get(struct db *db, int64_t id, json_t **out);

/* pending -> dismissed; *out the prompt afterwards.  HERR_NOT_FOUND;
 * HERR_CONFLICT when it is no longer pending. */
enum herr store_prompts_dismiss(struct db *db, int64_t id, json_t **out);

#endif
