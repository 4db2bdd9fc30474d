/*
 * The route table and its matcher.  Adding an endpoint is one line here,
 * one handler, and its entry in static/openapi.json (a test compares them).
 */
#include <string.h>

#include "handlers/handlers.h"
#include "router.h"

#define PUBLIC ROUTE_PUBLIC
#define NO_DB ROUTE_NO_DB
#define ARRAY_BODY ROUTE_ARRAY_BODY
#define SELF ROUTE_SELF
#define OPTIONAL_AUTH ROUTE_OPTIONAL_AUTH
#define OWN_TX ROUTE_OWN_TX
#define FORM_KEY ROUTE_FORM_KEY

const struct route routes[] = {
	{"GET",    "/health",                    h_health,         PUBLIC | NO_DB},
	{"GET",    "/api/v1/ready",              h_ready,          PUBLIC | NO_DB},
	{"GET",    "/api/v1/status",             h_status,         PUBLIC | NO_DB | OPTIONAL_AUTH},
	{"GET",    "/api/v1/openapi.json",       h_openapi,        PUBLIC | NO_DB},

	{"GET",    "/api/v1/rooms",              h_rooms_list,     0},
	{"POST",   "/api/v1/rooms",              h_rooms_create,   0},
	{"GET",    "/api/v1/rooms/{id}",         h_rooms_get,      0},
	{"PUT",    "/api/v1/rooms/{id}",         h_rooms_update,   0},
	{"DELETE", "/api/v1/rooms/{id}",         h_rooms_delete,   0},

	{"GET",    "/api/v1/sensors",            h_sensors_list,   0},
	{"POST",   "/api/v1/sensors",            h_sensors_create, 0},
	{"GET",    "/api/v1/sensors/{id}",       h_sensors_get,    0},
	{"PUT",    "/api/v1/sensors/{id}",       h_sensors_update, 0},
	{"DELETE", "/api/v1/sensors/{id}",       h_sensors_delete, 0},
	{"GET",    "/api/v1/sensor-types",       h_sensor_types,   0},

	{"GET",    "/api/v1/auth/status",        h_auth_status,    PUBLIC | OPTIONAL_AUTH},
	{"GET",    "/api/v1/auth/setup-status",  h_auth_setup_status, PUBLIC},
	{"POST",   "/api/v1/auth/setup",         h_auth_setup,     PUBLIC},
	{"POST",   "/api/v1/auth/login",         h_auth_login,     PUBLIC},
	{"POST",   "/api/v1/auth/logout",        h_auth_logout,    SELF},
	{"GET",    "/api/v1/auth/me",            h_auth_me,        SELF},
	{"POST",   "/api/v1/auth/password",      h_auth_password,  SELF},
	{"POST",   "/api/v1/auth/regenerate",    h_auth_regenerate, SELF},

	{"GET",    "/api/v1/users",              h_users_list,     0},
	{"POST",   "/api/v1/users",              h_users_create,   0},
	{"GET",    "/api/v1/users/{id}",         h_users_get,      0},
	{"PATCH",  "/api/v1/users/{id}",         h_users_update,   0},
	{"DELETE", "/api/v1/users/{id}",         h_users_delete,   0},
	{"GET",    "/api/v1/roles",              h_roles_list,     0},

	{"GET",    "/api/v1/api-keys",           h_api_keys_list,  0},
	{"POST",   "/api/v1/api-keys",           h_api_keys_create, 0},
	{"DELETE", "/api/v1/api-keys/{id}",      h_api_keys_delete, 0},

	{"POST",   "/api/v1/auth/passkey/register/options", h_passkey_register_options, SELF},
	{"POST",   "/api/v1/auth/passkey/register/verify", h_passkey_register_verify, SELF},
	{"POST",   "/api/v1/auth/passkey/authenticate/options", h_passkey_authenticate_options, PUBLIC},
	{"POST",   "/api/v1/auth/passkey/authenticate/verify", h_passkey_authenticate_verify, PUBLIC},
	{"GET",    "/api/v1/auth/passkeys",      h_passkeys_list,  SELF},
	{"DELETE", "/api/v1/auth/passkeys/{id}", h_passkeys_delete, SELF},

	{"GET",    "/api/v1/cron/preview",       h_cron_preview,   0},

	{"GET",    "/api/v1/rules",              h_rules_list,     0},
	{"POST",   "/api/v1/rules",              h_rules_create,   0},
	{"GET",    "/api/v1/rules/{id}",         h_rules_get,      0},
	{"PUT",    "/api/v1/rules/{id}",         h_rules_update,   0},
	{"DELETE", "/api/v1/rules/{id}",         h_rules_delete,   0},
	{"GET",    "/api/v1/rules/{id}/steps",   h_steps_list,     0},
	{"POST",   "/api/v1/rules/{id}/steps",   h_steps_add,      0},
	/* Before {step_id}: the first match wins. */
	{"PUT",    "/api/v1/rules/{id}/steps/reorder", h_steps_reorder, ARRAY_BODY},
	{"PUT",    "/api/v1/rules/{id}/steps/{step_id}", h_steps_update, 0},
	{"DELETE", "/api/v1/rules/{id}/steps/{step_id}", h_steps_delete, 0},
	{"GET",    "/api/v1/rules/{id}/contexts", h_contexts_list, 0},
	{"POST",   "/api/v1/rules/{id}/contexts", h_contexts_add,  0},
	{"DELETE", "/api/v1/rules/{id}/contexts/{ctx_id}", h_contexts_delete, 0},
	{"GET",    "/api/v1/rules/{id}/dependencies", h_dependencies_list, 0},
	{"POST",   "/api/v1/rules/{id}/dependencies", h_dependencies_add, 0},
	{"DELETE", "/api/v1/rules/{id}/dependencies/{dep_id}", h_dependencies_delete, 0},
	/* Before {rule_id}: the first match wins. */
	{"POST",   "/api/v1/webhooks/ha/generate-secret", h_webhooks_ha_generate_secret, 0},
	{"POST",   "/api/v1/webhooks/ha",        h_webhooks_ha,    PUBLIC | ARRAY_BODY},
	{"POST",   "/api/v1/webhooks/{rule_id}/generate-secret", h_webhooks_generate_secret, 0},
	{"POST",   "/api/v1/webhooks/alerts",    h_webhooks_alerts, 0},
	{"POST",   "/api/v1/webhooks/{rule_id}", h_webhooks_trigger, PUBLIC},
	{"POST",   "/api/v1/rules/{id}/execute", h_rules_execute, 0},
	{"POST",   "/api/v1/interactive-responses", h_interactive_responses, 0},

	{"GET",    "/api/v1/pipeline/step-types",    h_pipeline_step_types,    0},
	{"GET",    "/api/v1/pipeline/filter-types",  h_pipeline_filter_types,  0},
	{"GET",    "/api/v1/pipeline/channel-types", h_pipeline_channel_types, 0},

	{"GET",    "/api/v1/persons",            h_persons_list,   0},
	{"POST",   "/api/v1/persons",            h_persons_create, 0},
	/* Before {id}: the first match wins. */
	{"GET",    "/api/v1/persons/locations",  h_persons_locations, 0},
	{"GET",    "/api/v1/persons/{id}",       h_persons_get,    0},
	{"PATCH",  "/api/v1/persons/{id}",       h_persons_update, 0},
	{"DELETE", "/api/v1/persons/{id}",       h_persons_delete, 0},
	{"GET",    "/api/v1/persons/{id}/location", h_persons_location_get, 0},
	{"POST",   "/api/v1/persons/{id}/location", h_persons_location_report, 0},
	{"GET",    "/api/v1/persons/{id}/history", h_persons_history, 0},
	{"GET",    "/api/v1/persons/{id}/sightings", h_persons_sightings, 0},

	{"POST",   "/api/v1/sensors/{id}/events", h_sensor_events_post, 0},
	{"GET",    "/api/v1/sensors/{id}/status", h_sensor_status, 0},
	{"POST",   "/api/v1/device/recamera",    h_device_recamera, ROUTE_STREAM_BODY | FORM_KEY},
	{"POST",   "/api/v1/device/reterminal",  h_device_reterminal, 0},
	{"GET",    "/api/v1/occupancy",          h_occupancy,      0},

	{"GET",    "/api/v1/workflows",          h_workflows_list, 0},
	{"GET",    "/api/v1/workflows/{id}",     h_workflows_get,  0},
	{"POST",   "/api/v1/workflows/{id}/cancel", h_workflows_cancel, 0},
	{"GET",    "/api/v1/events",             h_events_list,    0},
	/* Security events; the literal segments before {id}. */
	{"GET",    "/api/v1/events/stats",       h_events_stats,   0},
	{"GET",    "/api/v1/events/search",      h_events_search,  0},
	{"GET",    "/api/v1/events/export",      h_events_export,  0},
	{"GET",    "/api/v1/events/{id}",        h_events_get,     0},
	{"PATCH",  "/api/v1/events/{id}",        h_events_update,  0},
	{"POST",   "/api/v1/detections",         h_detections_create, 0},
	{"GET",    "/api/v1/detections",         h_detections_list, 0},
	{"GET",    "/api/v1/detections/export",  h_detections_export, 0},
	{"GET",    "/api/v1/detections/{id}",    h_detections_get, 0},
	{"GET",    "/api/v1/detections/{id}/image", h_detections_image, 0},
	{"GET",    "/api/v1/detections/{id}/video", h_detections_video, 0},
	{"GET",    "/api/v1/detections/{id}/enrichment", h_detections_enrichment, 0},
	{"GET",    "/api/v1/calibration",        h_calibration_get, 0},
	{"PUT",    "/api/v1/calibration",        h_calibration_put, 0},
	{"PATCH",  "/api/v1/calibration",        h_calibration_patch, 0},
	{"POST",   "/api/v1/calibration/reset",  h_calibration_reset, 0},
	{"GET",    "/api/v1/calibration/defaults", h_calibration_defaults, 0},
	{"POST",   "/api/v1/calibration/feedback", h_calibration_feedback, 0},

	{"GET",    "/api/v1/alerts",             h_alerts_list,    0},
	{"GET",    "/api/v1/alerts/{id}",        h_alerts_get,     0},
	{"POST",   "/api/v1/alerts/{id}/action", h_alerts_action,  0},
	{"GET",    "/api/v1/notification-rules", h_notification_rules_list, 0},
	{"PUT",    "/api/v1/notification-rules/{level}", h_notification_rules_put, 0},
	{"GET",    "/api/v1/prompts",            h_prompts_list,   0},
	{"POST",   "/api/v1/prompts/{id}/dismiss", h_prompts_dismiss, 0},

	{"GET",    "/api/v1/activities",         h_activities_list, 0},

	/* nchan's authorisation subrequest for /api/v1/stream/{channel} */
	{"GET",    "/api/v1/stream/{channel}",   h_stream_authorize, 0},

	{"GET",    "/api/v1/dlq/stats",          h_dlq_stats,      0},
	{"GET",    "/api/v1/dlq/jobs/{queue}",   h_dlq_jobs,       0},
	{"POST",   "/api/v1/dlq/requeue/{queue}", h_dlq_requeue,   0},
	{"POST",   "/api/v1/dlq/requeue-all/{queue}", h_dlq_requeue_all, 0},
	{"DELETE", "/api/v1/dlq/{queue}",        h_dlq_clear,      0},

	{"GET",    "/api/v1/cameras",            h_cameras_list,   0},
	{"POST",   "/api/v1/cameras",            h_cameras_create, 0},
	{"GET",    "/api/v1/cameras/{id}",       h_cameras_get,    0},
	{"PATCH",  "/api/v1/cameras/{id}",       h_cameras_update, 0},
	{"DELETE", "/api/v1/cameras/{id}",       h_cameras_delete, 0},
	{"GET",    "/api/v1/cameras/{id}/zones", h_zones_list,     0},
	{"POST",   "/api/v1/cameras/{id}/zones", h_zones_create,   0},
	{"PATCH",  "/api/v1/zones/{id}",         h_zones_update,   0},
	{"DELETE", "/api/v1/zones/{id}",         h_zones_delete,   0},
	{"POST",   "/api/v1/cameras/{id}/snapshot", h_camera_snapshot_take, 0},
	{"GET",    "/api/v1/cameras/{id}/snapshot", h_camera_snapshot_latest, 0},
	{"GET",    "/api/v1/snapshots",          h_snapshots_list, 0},
	{"GET",    "/api/v1/snapshots/{id}/image", h_snapshots_image, 0},
	{"DELETE", "/api/v1/snapshots/{id}",     h_snapshots_delete, 0},

	{"GET",    "/api/v1/recordings",         h_recordings_list, 0},
	{"POST",   "/api/v1/recordings",         h_recordings_create, ROUTE_STREAM_BODY},
	{"GET",    "/api/v1/recordings/{id}",    h_recordings_get, 0},
	{"DELETE", "/api/v1/recordings/{id}",    h_recordings_delete, 0},
	{"GET",    "/api/v1/recordings/{id}/video", h_recordings_video, 0},
	{"GET",    "/api/v1/recordings/{id}/thumbnail", h_recordings_thumbnail, 0},
	{"GET",    "/api/v1/recordings/{id}/sprite", h_recordings_sprite, 0},
	{"GET",    "/api/v1/archive/new-count",  h_archive_new_count, 0},

	{"GET",    "/api/v1/storage",            h_storage_get,    0},
	{"PUT",    "/api/v1/storage",            h_storage_put,    0},
	{"POST",   "/api/v1/storage/cleanup",    h_storage_cleanup, OWN_TX},
	{"POST",   "/api/v1/system/cleanup",     h_storage_cleanup, OWN_TX},
	{"POST",   "/api/v1/ha/sync/rooms",      h_ha_sync_rooms,  OWN_TX},
	{"POST",   "/api/v1/ha/sync/sensors",    h_ha_sync_sensors, OWN_TX},
	{"GET",    "/api/v1/ha/sync/runs",       h_ha_sync_runs_list, 0},
	{"POST",   "/api/v1/entities/sync",      h_ha_sync_entities, OWN_TX},
	{"GET",    "/api/v1/entities",           h_entities_list,  0},
	{"GET",    "/api/v1/entities/domains/summary", h_entities_domains_summary, 0},
	{"GET",    "/api/v1/entities/{entity_id}", h_entities_get, 0},
	{"POST",   "/api/v1/entities/{entity_id}/toggle", h_entities_toggle, OWN_TX},
	{"POST",   "/api/v1/entities/{entity_id}/light", h_entities_light, OWN_TX},
	{"POST",   "/api/v1/entities/{entity_id}/climate", h_entities_climate, OWN_TX},
	{"GET",    "/api/v1/scenes",             h_scenes_list,    0},
	{"POST",   "/api/v1/scenes",             h_scenes_create,  0},
	{"GET",    "/api/v1/scenes/{id}",        h_scenes_get,     0},
	{"DELETE", "/api/v1/scenes/{id}",        h_scenes_delete,  0},
	{"POST",   "/api/v1/scenes/{id}/activate", h_scenes_activate, OWN_TX},
	{"GET",    "/api/v1/ha/sync/runs/{id}",  h_ha_sync_runs_get, 0},
	{"POST",   "/api/v1/registry/sync",      h_registry_sync,  OWN_TX},
	{"GET",    "/api/v1/registry/automations", h_registry_automations_list, 0},
	{"GET",    "/api/v1/registry/automations/{id}", h_registry_automations_get, 0},
	{"GET",    "/api/v1/registry/automations/{id}/config", h_registry_automation_config, 0},
	{"GET",    "/api/v1/registry/scripts",   h_registry_scripts_list, 0},
	{"GET",    "/api/v1/registry/scenes",    h_registry_scenes_list, 0},
	{"GET",    "/api/v1/registry/services",  h_registry_services_list, 0},
	{"POST",   "/api/v1/registry/services/call", h_registry_services_call, OWN_TX},
	{"GET",    "/api/v1/registry/helpers",   h_registry_helpers_list, 0},
	{"POST",   "/api/v1/registry/helpers",   h_registry_helpers_create, OWN_TX},
	{"DELETE", "/api/v1/registry/helpers/{domain}/{id}", h_registry_helpers_delete, OWN_TX},
	{"GET",    "/api/v1/registry/summary",   h_registry_summary, 0},
	{"GET",    "/api/v1/mcp/tools",          h_mcp_tools_list, 0},
	{"GET",    "/api/v1/tools",              h_mcp_tools_list, 0},
	{"POST",   "/api/v1/mcp/tools/{name}",   h_mcp_tools_call, OWN_TX},
	{"POST",   "/api/v1/mcp",                h_mcp_post,       OWN_TX},
	{"DELETE", "/api/v1/mcp",                h_mcp_delete,     OWN_TX},
	{"GET",    "/api/v1/areas",              h_areas_list,     0},
	{"GET",    "/api/v1/areas/{area_id}",    h_areas_get,      0},
	/* Before {device_id}: the first match wins. */
	{"GET",    "/api/v1/devices/aliases",    h_device_aliases_list, 0},
	{"PUT",    "/api/v1/devices/aliases/{mac}", h_device_aliases_put, 0},
	{"DELETE", "/api/v1/devices/aliases/{mac}", h_device_aliases_delete, 0},
	{"GET",    "/api/v1/devices",            h_devices_list,   0},
	{"GET",    "/api/v1/devices/{device_id}", h_devices_get,   0},
	{"GET",    "/api/v1/dashboards",         h_dashboards_list, 0},
	{"GET",    "/api/v1/dashboards/{url_path}/config", h_dashboards_config, 0},
	{"GET",    "/api/v1/diagnostics/ha-health", h_diag_ha_health, 0},
	{"GET",    "/api/v1/diagnostics/error-log", h_diag_error_log, 0},
	{"GET",    "/api/v1/diagnostics/config-check", h_diag_config_check, 0},
	{"GET",    "/api/v1/image/templates",    h_image_templates_list, 0},
	{"POST",   "/api/v1/image/templates",    h_image_templates_create, ROUTE_STREAM_BODY},
	{"PUT",    "/api/v1/image/templates/{id}", h_image_templates_update, 0},
	{"DELETE", "/api/v1/image/templates/{id}", h_image_templates_delete, 0},
	{"POST",   "/api/v1/image/render",       h_image_render,   0},
	{"POST",   "/api/v1/image/preview",      h_image_preview,  0},
	{"POST",   "/api/v1/image/reset",        h_image_reset,    0},
	{"GET",    "/api/v1/image/active",       h_image_active,   0},
	{"GET",    "/api/v1/image/active/{sensor_id}", h_image_active_sensor, 0},
	{"GET",    "/api/v1/timelapse",          h_timelapse_get,  0},
	{"PUT",    "/api/v1/timelapse",          h_timelapse_put,  0},
	{"GET",    "/api/v1/timelapse/status",   h_timelapse_status, 0},
	{"GET",    "/api/v1/timelapse/videos",   h_timelapse_videos, 0},
	{"GET",    "/api/v1/timelapse/videos/{id}/video", h_timelapse_video, 0},
	{"GET",    "/api/v1/timelapse/videos/{id}/thumbnail", h_timelapse_thumbnail, 0},
	{"DELETE", "/api/v1/timelapse/videos/{id}", h_timelapse_delete, 0},

	{"GET",    "/api/v1/system/info",        h_system_info,    0},
	{"GET",    "/api/v1/system/health-alerts", h_system_health_alerts, 0},
	{"GET",    "/api/v1/metrics",            h_metrics,        0},
	{"GET",    "/api/v1/logs",               h_logs_list,      0},
	{"GET",    "/api/v1/logs/files",         h_logs_files,     0},
	{"GET",    "/api/v1/logs/files/{category}/{name}", h_logs_file_get, 0},

	{"GET",    "/api/v1/audit",              h_audit_list,     0},
	{"GET",    "/api/v1/settings",           h_settings_get,   0},
	{"PATCH",  "/api/v1/settings",           h_settings_patch, 0},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

static const struct {
	handler_fn handler;
	const char *ns;
} router_cached_lists[] = {
	{h_rooms_list,   CACHE_NS_ROOMS},
	{h_sensors_list, CACHE_NS_SENSORS},
};

const char *router_cache_ns(const struct route *r)
{
	for (size_t i = 0; i < sizeof(router_cached_lists) / sizeof(router_cached_lists[0]); i++)
		if (router_cached_lists[i].handler == r->handler)
			return router_cached_lists[i].ns;
	return NULL;
}

/*
 * Match one pattern against a path, segment by segment.  Returns 1 and
 * fills the captures of m, or 0.
 */
static int router__match_pattern(const char *pattern, const char *path, struct route_match *m)
{
	const char *p = pattern, *s = path;

	m->ncaptures = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		const char *pend = strchrnul(p, '/');
		const char *send = strchrnul(s, '/');
		size_t slen = (size_t)(send - s);

		/* Empty, "." and ".." segments never match anything. */
		if (slen == 0 || (slen == 1 && s[0] == '.') ||
		    (slen == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		if (*p == '{' && pend > p + 1 && pend[-1] == '}') {
			if (m->ncaptures == ROUTE_MAX_CAPTURES)
				return 0;
			m->cap[m->ncaptures].name = p + 1;
			m->cap[m->ncaptures].name_len = (size_t)(pend - p - 2);
			m->cap[m->ncaptures].value = s;
			m->cap[m->ncaptures].value_len = slen;
			m->ncaptures++;
		} else if ((size_t)(pend - p) != slen || memcmp(p, s, slen) != 0) {
			return 0;
		}
		p = pend;
		s = send;
	}
	return *p == '\0' && *s == '\0';
}

static void router__allow_add(char *allow, size_t allowsz, const char *method)
{
	size_t used = strlen(allow);

	if (strstr(allow, method))
		return;
	if (used + strlen(method) + 3 > allowsz)
		return;
	if (used)
		memcpy(allow + used, ", ", 3), used += 2;
	memcpy(allow + used, method, strlen(method) + 1);
}

enum route_result router_match(const char *method, const char *path, struct route_match *m,
			       char *allow, size_t allowsz)
{
	bool path_known = false;
	/* HEAD is answered by the GET route, without the body. */
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

	if (allowsz)
		allow[0] = '\0';
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < routes_count; i++) {
		struct route_match tmp;

		if (!router__match_pattern(routes[i].pattern, path, &tmp))
			continue;
		if (strcmp(routes[i].method, want) == 0) {
			*m = tmp;
			m->route = &routes[i];
			return ROUTE_FOUND;
		}
		path_known = true;
		if (allowsz)
			router__allow_add(allow, allowsz, routes[i].method);
	}
	return path_known ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

int route_capture(const struct route_match *m, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name);

	for (unsigned i = 0; i < m->ncaptures; i++) {
		if (m->cap[i].name_len != nlen || memcmp(m->cap[i].name, name, nlen) != 0)
			continue;
		if (m->cap[i].value_len >= outsz)
			return -1;
		memcpy(out, m->cap[i].value, m->cap[i].value_len);
		out[m->cap[i].value_len] = '\0';
		return 0;
	}
	return -1;
}
