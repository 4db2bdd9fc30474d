#ifndef HEARTH_HANDLERS_H
#define HEARTH_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "principal.h"
#include "request.h"
#include "router.h"

struct app;
struct request;
struct response;
struct page;

/* Everything a handler may use; all borrowed. */
struct ctx {
	struct app *app;
	const struct request *req;
	const struct route_match *m;
	json_t *body;                 /* parsed JSON object (an array on ROUTE_ARRAY_BODY
	                               * routes), or NULL when no body */
	const struct principal *who;  /* NULL on public routes, unless ROUTE_OPTIONAL_AUTH
	                               * and the caller's credential checked out */
	char object_id[32];           /* set by a handler that changes something: audit */
	const char *stale[2];         /* cache namespaces the change makes stale (CACHE_NS_*),
	                               * bumped once the change is committed */
	char actor[257];              /* who the audit row names when not c->who (a sign-in) */
	int64_t actor_user_id;
	/* Run after a failed write's rollback, in autocommit: what must be
	 * recorded although the request failed (a failed sign-in's counter
	 * and audit row).  Set by the handler; data is borrowed. */
	void (*after_rollback)(struct ctx *c, void *data);
	void *after_rollback_data;
};

/* ---- people (auth.c) */

/* The session cookie's name. */
#define SESSION_COOKIE REQUEST_SESSION_COOKIE

/*
 * Sign user_id in: a new session (how: "password", "passkey", "setup"),
 * its cookie set on r, and the reply 200 {user, role, expires_at}.  The
 * audit row names the user.  Returns the status.
 */
int ctx_sign_in(struct ctx *c, struct response *r, int64_t user_id, const char *how);

/*
 * For an after_rollback step of another way of signing in (a passkey): a
 * failed sign-in is counted against the client's address, like a wrong
 * password, and audited with status.
 */
void ctx_sign_in_failed(struct ctx *c, int status);

/* Cache namespaces of cached list pages. */
#define CACHE_NS_ROOMS "rooms"
#define CACHE_NS_SENSORS "sensors"

/* A list page as cached: where it lives in memcached. */
#define LIST_CACHE_KEY_MAX 128

struct list_cache {
	char key[LIST_CACHE_KEY_MAX];
	uint64_t version;   /* the namespace's version when read; 0 = cache unavailable */
	uint64_t local;     /* its local counter then (cache_local_version); 0 = none */
};

/* ---- helpers (common.c) */

/* Record a successful change: the object's id for the audit row and the
 * cache namespaces (NULL when fewer) it makes stale. */
void ctx_changed(struct ctx *c, int64_t id, const char *ns, const char *ns2);

/* The most rows one media object is, with its children (thumbnail,
 * sprite...). */
#define MEDIA_GONE_MAX 8

/*
 * Delete the media row id of kind and its children in the request's
 * transaction, then unlink their files.  Should the commit then fail, the
 * rows left without files are orphan rows, which hearth-cleanup removes;
 * a file that cannot go is logged and removed later as an orphan file:
 * never a file without the row that finds it.  HERR_NOT_FOUND when there
 * is no such row.
 */
enum herr ctx_media_remove(struct ctx *c, int64_t id, const char *kind);

/* Parse capture "id" as a positive integer; on failure set a 422 on r and
 * return -1. */
int ctx_path_id(struct ctx *c, struct response *r, const char *name, int64_t *id);

/*
 * Read limit / cursor / offset from the query into pg.  scope names the list
 * for the cursor MAC.  Problems are appended to errs (loc ["query", ...]).
 */
void ctx_page(struct ctx *c, const char *scope, struct page *pg, json_t *errs);

/* Build {"items": items, "pagination": {...}} (items consumed) with
 * next_cursor from the last item's "id", and the deprecation note in
 * offset mode.  Sets 200. */
int ctx_list_reply(struct ctx *c, struct response *r, const char *scope,
		   const struct page *pg, json_t *items, bool has_more);

/*
 * Newest-first lists (histories: id descending).  ctx_page_desc reads the
 * page like ctx_page but sets after_id to INT64_MAX when there is no cursor
 * (also in offset mode), so the store binds it to "id < ? ORDER BY id DESC".
 * ctx_list_reply_desc builds the reply; its next_cursor holds the last
 * (smallest) id of the page, the next page lists the ids below it.
 */
void ctx_page_desc(struct ctx *c, const char *scope, struct page *pg, json_t *errs);
int ctx_list_reply_desc(struct ctx *c, struct response *r, const char *scope,
			const struct page *pg, json_t *items, bool has_more);

/*
 * Cached list pages.  A page is stored under a hash of the query string
 * together with its namespace's version, and served only while that
 * version is current, so a committed write that bumps the namespace makes
 * all its pages stale at once.  The version is read (in the same round
 * trip as the page) before the database, so a page read from before a
 * write is only ever stored under the old version.
 *
 * ctx_list_cached: answers r from the cache and returns true on a hit;
 * otherwise fills lc for ctx_list_cache_fill and returns false.
 * ctx_list_cache_fill: after a successful ctx_list_reply, serialise r's
 * body once into r->raw and store it.
 */
/* Whether this worker keeps list ns's page for query in its memory, good
 * for now (ctx_list_cached then needs no cache). */
bool list_kept(const char *ns, const char *query, unsigned ttl);

/* The cache key of list ns's page for a query string. */
void list_cache_key(const char *ns, const char *query, char out[LIST_CACHE_KEY_MAX]);
bool ctx_list_cached(struct ctx *c, struct response *r, const char *ns, struct list_cache *lc);
void ctx_list_cache_fill(struct ctx *c, struct response *r, const struct list_cache *lc);

/* ---- handlers, one file per resource */
int h_health(struct ctx *c, struct response *r);
int h_ready(struct ctx *c, struct response *r);
int h_status(struct ctx *c, struct response *r);
int h_openapi(struct ctx *c, struct response *r);

/* audit.c, settings.c (admin only: roles.conf) */
int h_audit_list(struct ctx *c, struct response *r);
int h_settings_get(struct ctx *c, struct response *r);
int h_settings_patch(struct ctx *c, struct response *r);

int h_rooms_list(struct ctx *c, struct response *r);
int h_rooms_create(struct ctx *c, struct response *r);
int h_rooms_get(struct ctx *c, struct response *r);
int h_rooms_update(struct ctx *c, struct response *r);
int h_rooms_delete(struct ctx *c, struct response *r);

int h_sensors_list(struct ctx *c, struct response *r);
int h_sensors_create(struct ctx *c, struct response *r);
int h_sensors_get(struct ctx *c, struct response *r);
int h_sensors_update(struct ctx *c, struct response *r);
int h_sensors_delete(struct ctx *c, struct response *r);
int h_sensor_types(struct ctx *c, struct response *r);

/* auth.c */
int h_auth_status(struct ctx *c, struct response *r);
int h_auth_setup_status(struct ctx *c, struct response *r);
int h_auth_setup(struct ctx *c, struct response *r);
int h_auth_login(struct ctx *c, struct response *r);
int h_auth_logout(struct ctx *c, struct response *r);
int h_auth_me(struct ctx *c, struct response *r);
int h_auth_password(struct ctx *c, struct response *r);
int h_auth_regenerate(struct ctx *c, struct response *r);

/* users.c */
int h_users_list(struct ctx *c, struct response *r);
int h_users_create(struct ctx *c, struct response *r);
int h_users_get(struct ctx *c, struct response *r);
int h_users_update(struct ctx *c, struct response *r);
int h_users_delete(struct ctx *c, struct response *r);
int h_roles_list(struct ctx *c, struct response *r);

int h_api_keys_list(struct ctx *c, struct response *r);
int h_api_keys_create(struct ctx *c, struct response *r);
int h_api_keys_delete(struct ctx *c, struct response *r);

/* cron.c */
int h_cron_preview(struct ctx *c, struct response *r);

/* rules.c */
int h_rules_list(struct ctx *c, struct response *r);
int h_rules_create(struct ctx *c, struct response *r);
int h_rules_get(struct ctx *c, struct response *r);
int h_rules_update(struct ctx *c, struct response *r);
int h_rules_delete(struct ctx *c, struct response *r);
int h_webhooks_generate_secret(struct ctx *c, struct response *r);
/* notification_rules.c */
int h_notification_rules_list(struct ctx *c, struct response *r);
int h_notification_rules_put(struct ctx *c, struct response *r);
/* alertmanager.c */
int h_webhooks_alerts(struct ctx *c, struct response *r);
/* runs.c */
int h_rules_execute(struct ctx *c, struct response *r);
int h_webhooks_trigger(struct ctx *c, struct response *r);
int h_interactive_responses(struct ctx *c, struct response *r);

/* steps.c */
int h_steps_list(struct ctx *c, struct response *r);
int h_steps_add(struct ctx *c, struct response *r);
int h_steps_update(struct ctx *c, struct response *r);
int h_steps_delete(struct ctx *c, struct response *r);
int h_steps_reorder(struct ctx *c, struct response *r);

/* rule_links.c: contexts and dependencies */
int h_contexts_list(struct ctx *c, struct response *r);
int h_contexts_add(struct ctx *c, struct response *r);
int h_contexts_delete(struct ctx *c, struct response *r);
int h_dependencies_list(struct ctx *c, struct response *r);
int h_dependencies_add(struct ctx *c, struct response *r);
int h_dependencies_delete(struct ctx *c, struct response *r);

/* pipeline.c: the registries */
int h_pipeline_step_types(struct ctx *c, struct response *r);
int h_pipeline_filter_types(struct ctx *c, struct response *r);
int h_pipeline_channel_types(struct ctx *c, struct response *r);

/* persons.c: members of the household and where they were seen */
int h_persons_list(struct ctx *c, struct response *r);
int h_persons_create(struct ctx *c, struct response *r);
int h_persons_get(struct ctx *c, struct response *r);
int h_persons_update(struct ctx *c, struct response *r);
int h_persons_delete(struct ctx *c, struct response *r);
int h_persons_locations(struct ctx *c, struct response *r);
int h_persons_location_get(struct ctx *c, struct response *r);
int h_persons_location_report(struct ctx *c, struct response *r);
int h_persons_history(struct ctx *c, struct response *r);
int h_persons_sightings(struct ctx *c, struct response *r);

/* sensor_input.c: sensor events, sensor status, occupancy */
int h_sensor_events_post(struct ctx *c, struct response *r);

/*
 * Queue event.created for the events stream once the request commits:
 * what a dashboard needs to show the event without asking.  sensor is the
 * sensor's JSON, body the event as posted ({event_type, value?,
 * attributes?, occurred_at?}), status_obj the sensor's status after it;
 * all borrowed, runs too.  Best effort: a message that cannot be built is
 * left out, the event stands.
 */
void ctx_publish_sensor_event(struct ctx *c, const json_t *sensor, const json_t *body,
			      int64_t event_id, const json_t *status_obj, bool applied,
			      json_t *runs);

/* ---- devices (device.c) */

/*
 * Whether the caller may report for sensor_id: a key bound to sensors
 * (store/key_bindings.h) only for its own; anyone else, yes.  what names
 * the sensor in the 403's detail ("sensor", "camera").  0, or -1 with the
 * 403 (or a database error) set on r.
 */
int ctx_bound_check(struct ctx *c, struct response *r, int64_t sensor_id, const char *what);

int h_device_recamera(struct ctx *c, struct response *r);
int h_device_reterminal(struct ctx *c, struct response *r);
int h_sensor_status(struct ctx *c, struct response *r);
int h_occupancy(struct ctx *c, struct response *r);

/* workflows.c, events.c: the history of runs, newest first */
int h_workflows_list(struct ctx *c, struct response *r);
int h_workflows_get(struct ctx *c, struct response *r);
int h_workflows_cancel(struct ctx *c, struct response *r);
int h_events_list(struct ctx *c, struct response *r);
int h_events_get(struct ctx *c, struct response *r);

/* activities.c: recorded person activities, newest first */
int h_activities_list(struct ctx *c, struct response *r);

/* alerts.c: alerts and their actions, the dashboard's pop-ups */
int h_alerts_list(struct ctx *c, struct response *r);
int h_alerts_get(struct ctx *c, struct response *r);
int h_alerts_action(struct ctx *c, struct response *r);
int h_prompts_list(struct ctx *c, struct response *r);
int h_prompts_dismiss(struct ctx *c, struct response *r);

/* stream.c: may the caller subscribe to a real-time stream (nchan asks) */
int h_stream_authorize(struct ctx *c, struct response *r);

/* dlq.c: the dead-letter queue of deliveries that failed for good */
int h_dlq_stats(struct ctx *c, struct response *r);
int h_dlq_jobs(struct ctx *c, struct response *r);
int h_dlq_requeue(struct ctx *c, struct response *r);
int h_dlq_requeue_all(struct ctx *c, struct response *r);
int h_dlq_clear(struct ctx *c, struct response *r);

/* system.c: the host and the API (seed 003's system alerts), Prometheus metrics */
int h_system_info(struct ctx *c, struct response *r);
int h_system_health_alerts(struct ctx *c, struct response *r);
int h_metrics(struct ctx *c, struct response *r);
/* logs.c: Hearth's logs read back, newest first, and other log files as text */
int h_logs_list(struct ctx *c, struct response *r);
int h_logs_files(struct ctx *c, struct response *r);
int h_logs_file_get(struct ctx *c, struct response *r);

/* calibration.c: risk thresholds and the feedback that moves them */
int h_calibration_get(struct ctx *c, struct response *r);
int h_calibration_put(struct ctx *c, struct response *r);
int h_calibration_patch(struct ctx *c, struct response *r);
int h_calibration_reset(struct ctx *c, struct response *r);
int h_calibration_defaults(struct ctx *c, struct response *r);
int h_calibration_feedback(struct ctx *c, struct response *r);
/* detections.c: what detectors report, grouped into security events */
int h_detections_create(struct ctx *c, struct response *r);
int h_detections_list(struct ctx *c, struct response *r);
int h_detections_export(struct ctx *c, struct response *r);
int h_detections_get(struct ctx *c, struct response *r);
int h_detections_image(struct ctx *c, struct response *r);
int h_detections_video(struct ctx *c, struct response *r);
int h_detections_enrichment(struct ctx *c, struct response *r);
/* security_events.c: review, statistics, search and export of security
 * events (the list and one event are events.c's) */
int h_events_update(struct ctx *c, struct response *r);
int h_events_stats(struct ctx *c, struct response *r);
int h_events_search(struct ctx *c, struct response *r);
int h_events_export(struct ctx *c, struct response *r);
/* Write the audit row of a read that hands data out (an export): GETs
 * are not audited otherwise.  Errors are logged. */
void security_audit_read(struct ctx *c, int status);

/* storage.c: media storage use, automatic deletion, cleanup on demand
 * (POST /storage/cleanup and POST /system/cleanup) */
int h_storage_get(struct ctx *c, struct response *r);
int h_storage_put(struct ctx *c, struct response *r);
int h_storage_cleanup(struct ctx *c, struct response *r);
int h_ha_sync_rooms(struct ctx *c, struct response *r);
int h_ha_sync_sensors(struct ctx *c, struct response *r);
int h_ha_sync_runs_list(struct ctx *c, struct response *r);
int h_ha_sync_entities(struct ctx *c, struct response *r);
int h_entities_list(struct ctx *c, struct response *r);
int h_entities_get(struct ctx *c, struct response *r);

/* mcp.c: tools for assistants, as REST and over MCP's Streamable HTTP */
int h_mcp_tools_list(struct ctx *c, struct response *r);
int h_mcp_tools_call(struct ctx *c, struct response *r);
int h_mcp_post(struct ctx *c, struct response *r);
int h_mcp_delete(struct ctx *c, struct response *r);

/* ha_devices.c: HA's areas and devices as synced; device aliases by MAC */
int h_areas_list(struct ctx *c, struct response *r);
int h_areas_get(struct ctx *c, struct response *r);
int h_devices_list(struct ctx *c, struct response *r);
int h_devices_get(struct ctx *c, struct response *r);
int h_device_aliases_list(struct ctx *c, struct response *r);
int h_device_aliases_put(struct ctx *c, struct response *r);
int h_device_aliases_delete(struct ctx *c, struct response *r);
int h_ha_sync_runs_get(struct ctx *c, struct response *r);
/* ha_diag.c: HA's dashboards and diagnostics, read live */
int h_dashboards_list(struct ctx *c, struct response *r);
int h_dashboards_config(struct ctx *c, struct response *r);
int h_diag_ha_health(struct ctx *c, struct response *r);
int h_diag_error_log(struct ctx *c, struct response *r);
int h_diag_config_check(struct ctx *c, struct response *r);
/* ha_webhook.c: HA pushing its state changes (POST /webhooks/ha) */
int h_webhooks_ha(struct ctx *c, struct response *r);
int h_webhooks_ha_generate_secret(struct ctx *c, struct response *r);
int h_registry_sync(struct ctx *c, struct response *r);
/* ha_registry.c: HA's automations, scripts, scenes, services and helpers */
int h_registry_automations_list(struct ctx *c, struct response *r);
int h_registry_automations_get(struct ctx *c, struct response *r);
int h_registry_automation_config(struct ctx *c, struct response *r);
int h_registry_scripts_list(struct ctx *c, struct response *r);
int h_registry_scenes_list(struct ctx *c, struct response *r);
int h_registry_services_list(struct ctx *c, struct response *r);
int h_registry_services_call(struct ctx *c, struct response *r);
int h_registry_helpers_list(struct ctx *c, struct response *r);
int h_registry_helpers_create(struct ctx *c, struct response *r);
int h_registry_helpers_delete(struct ctx *c, struct response *r);
int h_registry_summary(struct ctx *c, struct response *r);

/* ha_control.c: the domains summary (from the database) and controlling
 * entities through Home Assistant's services (admin only: roles.conf) */
int h_entities_domains_summary(struct ctx *c, struct response *r);
int h_entities_toggle(struct ctx *c, struct response *r);
int h_entities_light(struct ctx *c, struct response *r);
int h_entities_climate(struct ctx *c, struct response *r);

/*
 * Home Assistant control, shared by ha_control.c and scenes.c.  A failed
 * read or call of HA as the reply: HA refusing or answering badly is 502,
 * not answering in time 504, why (rs->error, never the token) its
 * detail, after prefix ("" for none).  Returns the status.
 */
int ha_control_failed(struct response *r, enum herr e, const char *prefix, const char *why);

/*
 * Make the calls of plan (control.h's shape, borrowed) in order, stopping
 * at the first that fails.  *changed (may be NULL): a new array of every
 * state the calls changed, oldest first.  *done: how many succeeded.
 * HERR_OK, or the failure with why (at least NET_ERROR_MAX + 128 bytes)
 * naming the service.  A call that may have reached HA and failed is
 * audited (after_rollback) with the status the handler replies on r
 * (borrowed, read then).
 */
enum herr ha_control_run(struct ctx *c, struct response *r, const json_t *plan,
			 json_t **changed, size_t *done, char *why, size_t whylen);

/* scenes.c: Hearth's scenes (snapshots of HA entities' states) */
int h_scenes_list(struct ctx *c, struct response *r);
int h_scenes_create(struct ctx *c, struct response *r);
int h_scenes_get(struct ctx *c, struct response *r);
int h_scenes_delete(struct ctx *c, struct response *r);
int h_scenes_activate(struct ctx *c, struct response *r);
/* recordings.c: registered recordings, their files, the archive's new count */
int h_recordings_list(struct ctx *c, struct response *r);
int h_recordings_create(struct ctx *c, struct response *r);
int h_recordings_get(struct ctx *c, struct response *r);
int h_recordings_delete(struct ctx *c, struct response *r);
int h_recordings_video(struct ctx *c, struct response *r);
int h_recordings_thumbnail(struct ctx *c, struct response *r);
int h_recordings_sprite(struct ctx *c, struct response *r);
int h_archive_new_count(struct ctx *c, struct response *r);

/* timelapse.c: timelapse settings, today's capture, the stitched videos */
int h_timelapse_get(struct ctx *c, struct response *r);
int h_timelapse_put(struct ctx *c, struct response *r);
int h_timelapse_status(struct ctx *c, struct response *r);
int h_timelapse_videos(struct ctx *c, struct response *r);
int h_timelapse_video(struct ctx *c, struct response *r);
int h_timelapse_thumbnail(struct ctx *c, struct response *r);
int h_timelapse_delete(struct ctx *c, struct response *r);

/* cameras.c, zones.c, snapshots.c: cameras (sensors of type camera), the
 * zones of their pictures, and snapshots grabbed from them */
int h_cameras_list(struct ctx *c, struct response *r);
int h_cameras_create(struct ctx *c, struct response *r);
int h_cameras_get(struct ctx *c, struct response *r);
int h_cameras_update(struct ctx *c, struct response *r);
int h_cameras_delete(struct ctx *c, struct response *r);
int h_zones_list(struct ctx *c, struct response *r);
int h_zones_create(struct ctx *c, struct response *r);
int h_zones_update(struct ctx *c, struct response *r);
int h_zones_delete(struct ctx *c, struct response *r);
int h_camera_snapshot_take(struct ctx *c, struct response *r);
int h_camera_snapshot_latest(struct ctx *c, struct response *r);
int h_snapshots_list(struct ctx *c, struct response *r);
int h_snapshots_image(struct ctx *c, struct response *r);
int h_snapshots_delete(struct ctx *c, struct response *r);

/*
 * A time field of a request body (sensor_input.c): ISO 8601 with a 'Z' or
 * a UTC offset ("2026-11-22T10:14:33Z", "...33.250+01:00"), no more than
 * HANDLER_TIME_FUTURE_MAX seconds ahead of now (clocks drift; a time far
 * ahead is a mistake).  1 with out set to "YYYY-MM-DD HH:MM:SS.mmm" in UTC
 * (what a DATETIME(3) parameter takes), 0 when the field is absent, -1 with
 * a problem at ["body", field] in errs.  body and errs borrowed.
 */
#define HANDLER_TIME_FUTURE_MAX 300
#define HANDLER_TIME_LEN 24
/*
 * A time query parameter (ISO 8601 with a zone; a '+' offset sent as %2B):
 * 1 with *ms (Unix milliseconds) and out set to "YYYY-MM-DD HH:MM:SS.mmm"
 * UTC (a DATETIME(3) parameter), 0 when absent or empty, -1 with a problem
 * at ["query", name] in errs.
 */
int ctx_query_time(const struct ctx *c, const char *name, int64_t *ms,
		   char out[HANDLER_TIME_LEN], json_t *errs);
int ctx_body_time(const json_t *body, const char *field, char out[HANDLER_TIME_LEN],
		  json_t *errs);

/* passkeys.c */
int h_passkey_register_options(struct ctx *c, struct response *r);
int h_passkey_register_verify(struct ctx *c, struct response *r);
int h_passkey_authenticate_options(struct ctx *c, struct response *r);
int h_passkey_authenticate_verify(struct ctx *c, struct response *r);
int h_passkeys_list(struct ctx *c, struct response *r);
int h_passkeys_delete(struct ctx *c, struct response *r);

/* ---- e-ink displays (image.c) */
int h_image_templates_list(struct ctx *c, struct response *r);
int h_image_templates_create(struct ctx *c, struct response *r);
int h_image_templates_update(struct ctx *c, struct response *r);
int h_image_templates_delete(struct ctx *c, struct response *r);
int h_image_render(struct ctx *c, struct response *r);
int h_image_preview(struct ctx *c, struct response *r);
int h_image_reset(struct ctx *c, struct response *r);
int h_image_active(struct ctx *c, struct response *r);
int h_image_active_sensor(struct ctx *c, struct response *r);

#endif
