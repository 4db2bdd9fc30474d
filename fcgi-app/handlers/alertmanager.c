/*
 * POST /api/v1/webhooks/alerts: Prometheus Alertmanager's webhook receiver
 * (payload version 4).  Each firing alert raises a Hearth alert, notified
 * on its level's channels like any other; each resolved one resolves it.
 *
 * An alert is known by its fingerprint (or, without one, by a hash of its
 * labels): Alertmanager repeats a firing alert every repeat_interval, and
 * the repeat finds the open Hearth alert instead of raising another.
 * The level comes from the severity label: critical/page → emergency,
 * warning/error → warning, info → info, anything else → warning.
 *
 * Alertmanager authenticates with a Hearth API key (its http_config
 * authorization: Bearer), whose role needs POST /api/v1/webhooks/alerts:
 * the `alertmanager` role in roles.conf allows exactly that.
 * Fields of the payload Hearth does not read are let through: a newer
 * Alertmanager adding one must not stop alerts from arriving.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "alertmanager.h"
#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "log.h"
#include "response.h"
#include "engine/notify.h"
#include "store/alerts.h"
#include "store/notify_rules.h"

#define FINGERPRINT_MAX 64

static const char *const am_statuses[] = {"firing", "resolved", NULL};

static const char *am__level(const json_t *labels)
{
	static const struct {
		const char *severity, *level;
	} map[] = {
		{"critical", "emergency"}, {"emergency", "emergency"}, {"page", "emergency"},
		{"fatal", "emergency"}, {"warning", "warning"}, {"warn", "warning"},
		{"error", "warning"}, {"high", "warning"}, {"major", "warning"},
		{"info", "info"}, {"informational", "info"}, {"low", "info"}, {"minor", "info"},
		{"none", "info"},
	};
	const char *sev = json_string_value(json_object_get(labels, "severity"));

	for (size_t i = 0; sev && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(sev, map[i].severity) == 0)
			return map[i].level;
	return "warning";
}

/* "am:" + the fingerprint, or + the first 32 hex digits of SHA-256 over
 * the labels (keys sorted), the same for every repeat of the alert. */
static int am__source_key(const json_t *alert, char *out, size_t size)
{
	const char *fp = json_string_value(json_object_get(alert, "fingerprint"));
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *labels;

	if (fp && *fp) {
		snprintf(out, size, "am:%s", fp);
		return 0;
	}
	labels = json_dumps(json_object_get(alert, "labels"), JSON_SORT_KEYS | JSON_COMPACT);
	if (!labels || EVP_Digest(labels, strlen(labels), digest, &len, EVP_sha256(), NULL) != 1) {
		free(labels);
		return -1;
	}
	free(labels);
	size_t o = (size_t)snprintf(out, size, "am:");
	for (unsigned i = 0; i < 16 && i < len && o + 3 <= size; i++)
		o += (size_t)snprintf(out + o, size - o, "%02x", digest[i]);
	return 0;
}

/* An object whose values are all strings (labels, annotations). */
static void am__strings(const json_t *v, const char *const *at, const char *field,
			bool required, json_t *errs, size_t *problems)
{
	const char *key;
	json_t *x;

	if (!v) {
		if (required) {
			verr_add(errs, at, field, "missing", "Field required");
			(*problems)++;
		}
		return;
	}
	if (!json_is_object(v)) {
		verr_add(errs, at, field, "dict_type", "Input should be a valid dictionary");
		(*problems)++;
		return;
	}
	json_object_foreach((json_t *)v, key, x)
		if (!json_is_string(x)) {
			verr_add(errs, at, field, "string_type",
				 "Value of '%.64s' should be a valid string", key);
			(*problems)++;
			return;
		}
}

/* Check one alert; 0 when it is good. */
static size_t am__check(const json_t *a, size_t i, json_t *errs)
{
	char idx[24];
	const char *at[] = {"body", "alerts", idx, NULL};
	const json_t *status = json_object_get(a, "status"), *labels, *fp;
	const char *name;
	size_t problems = 0;

	snprintf(idx, sizeof(idx), "%zu", i);
	if (!json_is_object(a)) {
		verr_add(errs, at, NULL, "dict_type", "Input should be a valid dictionary");
		return 1;
	}
	if (!status) {
		verr_add(errs, at, "status", "missing", "Field required");
		problems++;
	} else if (!json_is_string(status) ||
		   (strcmp(json_string_value(status), "firing") != 0 &&
		    strcmp(json_string_value(status), "resolved") != 0)) {
		verr_enum(errs, at, "status", am_statuses);
		problems++;
	}
	labels = json_object_get(a, "labels");
	am__strings(labels, at, "labels", true, errs, &problems);
	am__strings(json_object_get(a, "annotations"), at, "annotations", false, errs, &problems);
	name = json_string_value(json_object_get(labels, "alertname"));
	if (json_is_object(labels) && (!name || !*name)) {
		verr_add(errs, at, "labels", "missing", "labels.alertname is required");
		problems++;
	}
	fp = json_object_get(a, "fingerprint");
	if (fp && (!json_is_string(fp) || json_string_length(fp) > FINGERPRINT_MAX)) {
		verr_add(errs, at, "fingerprint", "string_type",
			 "Input should be a string of at most %d characters", FINGERPRINT_MAX);
		problems++;
	} else if (fp) {
		for (const char *p = json_string_value(fp); *p; p++)
			if (!isalnum((unsigned char)*p)) {
				verr_add(errs, at, "fingerprint", "value_error",
					 "Fingerprint should be letters and digits");
				problems++;
				break;
			}
	}
	return problems;
}

/* Fill one parsed alert from a checked one. */
static int am__fill(const json_t *a, struct am_alert *o)
{
	const json_t *labels = json_object_get(a, "labels");
	const json_t *notes = json_object_get(a, "annotations");
	const char *name = json_string_value(json_object_get(labels, "alertname"));
	const char *instance = json_string_value(json_object_get(labels, "instance"));
	const char *summary = json_string_value(json_object_get(notes, "summary"));
	const char *description = json_string_value(json_object_get(notes, "description"));
	char title[AM_TITLE_CHARS * 4 + 300], message[AM_MESSAGE_BYTES + 64];

	o->firing = strcmp(json_string_value(json_object_get(a, "status")), "firing") == 0;
	o->level = am__level(labels);
	if (am__source_key(a, o->source_key, sizeof(o->source_key)) != 0)
		return -1;
	if (instance && *instance)
		snprintf(title, sizeof(title), "%.1024s on %.200s", name, instance);
	else
		snprintf(title, sizeof(title), "%.1024s", name);
	utf8_copy_chars(o->title, sizeof(o->title), title, AM_TITLE_CHARS);
	if (summary && description)
		snprintf(message, sizeof(message), "%.4000s\n\n%.4000s", summary, description);
	else if (summary || description)
		snprintf(message, sizeof(message), "%.8000s", summary ? summary : description);
	else
		snprintf(message, sizeof(message), "%.1024s is firing (Alertmanager)", name);
	utf8_copy_chars(o->message, sizeof(o->message), message, AM_MESSAGE_BYTES);
	return 0;
}

size_t am_parse(const json_t *body, json_t *errs, struct am_alert **out, size_t *n)
{
	const json_t *version = json_object_get(body, "version");
	const json_t *alerts = json_object_get(body, "alerts"), *a;
	size_t i, problems = 0;

	*out = NULL;
	*n = 0;
	if (!json_is_object(body)) {
		verr_add(errs, at_body, NULL, "dict_type", "Input should be a valid dictionary");
		return 1;
	}
	if (!json_is_string(version) || strcmp(json_string_value(version), "4") != 0) {
		verr_add(errs, at_body, "version", "value_error",
			 "Only Alertmanager webhook payloads of version \"4\" are understood");
		problems++;
	}
	if (!json_is_array(alerts)) {
		verr_add(errs, at_body, "alerts", alerts ? "list_type" : "missing",
			 alerts ? "Input should be a valid list" : "Field required");
		return problems + 1;
	}
	if (json_array_size(alerts) > AM_ALERTS_MAX) {
		verr_add(errs, at_body, "alerts", "too_long",
			 "List should have at most %d items", AM_ALERTS_MAX);
		return problems + 1;
	}
	json_array_foreach(alerts, i, a)
		problems += am__check(a, i, errs);
	if (problems > 0 || json_array_size(alerts) == 0)
		return problems;

	if (!(*out = calloc(json_array_size(alerts), sizeof(**out))))
		return 0;
	json_array_foreach(alerts, i, a)
		if (am__fill(a, &(*out)[i]) != 0) {
			free(*out);
			*out = NULL;
			return 0;
		}
	*n = json_array_size(alerts);
	return 0;
}

/* Raise one firing alert (or find it open) and notify it. */
static enum herr am__raise(struct ctx *c, const struct am_alert *a, json_t *raised,
			   json_t *open)
{
	struct notify_ctx nc = { .db = c->app->db, .cfg = c->app->cfg };
	struct notify_rule rule;
	struct notify_out o = { 0 };
	struct alert_fields f = {
		.alert_type = "alertmanager",
		.alert_level = a->level,
		.title = a->title,
		.message = a->message,
		.source_key = a->source_key,
	};
	json_t *alert = NULL, *id;
	int64_t alert_id = 0;
	const char *channel;
	enum herr e;

	e = store_alerts_open_by_source(c->app->db, a->source_key, &alert_id);
	if (e == HERR_OK)
		return json_array_append_new(open, json_integer(alert_id)) == 0 ? HERR_OK
										 : HERR_NOMEM;
	if (e != HERR_NOT_FOUND)
		return e;
	if ((e = store_notify_rule_get(c->app->db, a->level, &rule)) != HERR_OK)
		return e;
	f.escalation_minutes = rule.repeat_count ? rule.escalation_minutes : 0;
	if ((e = store_alerts_create(c->app->db, &f, &alert_id)) != HERR_OK)
		goto out;
	if (json_array_append_new(raised, json_integer(alert_id)) != 0) {
		e = HERR_NOMEM;
		goto out;
	}

	struct notify_msg m = {
		.level = a->level,
		.title = a->title,
		.text = a->message,
		.alert_id = alert_id,
		.rule = &rule,
		.now = time(NULL),
	};
	if ((e = notify_send(&nc, &m, &o)) != HERR_OK)
		goto out;
	/* Delivered once the response is gone and the alert committed. */
	json_object_foreach(o.jobs, channel, id)
		if (app_after(c->app, json_integer_value(id), AFTER_JOB) != 0)
			break;   /* the scheduler delivers the rest */
	if (store_alerts_get(c->app->db, alert_id, &alert) == HERR_OK)
		app_publish(c->app, "alerts", "alert.created", alert);
out:
	notify_out_clear(&o);
	notify_rule_clear(&rule);
	return e;
}

int h_webhooks_alerts(struct ctx *c, struct response *r)
{
	json_t *body = NULL, *errs = json_array(), *raised = json_array(), *open = json_array();
	json_t *resolved = json_array(), *reply = NULL;
	struct am_alert *alerts = NULL;
	size_t n = 0, unknown = 0;
	enum herr e = HERR_OK;
	int status = resource_start(r);

	body = ctx_body(c);
	if (!body || !errs || !raised || !open || !resolved)
		goto out;
	if (am_parse(body, errs, &alerts, &n) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (!alerts && json_array_size(json_object_get(body, "alerts")) > 0)
		goto out;
	for (size_t i = 0; e == HERR_OK && i < n; i++) {
		int64_t id = 0;

		if (alerts[i].firing) {
			e = am__raise(c, &alerts[i], raised, open);
			continue;
		}
		e = store_alerts_resolve_source(c->app->db, alerts[i].source_key, &id);
		if (e == HERR_NOT_FOUND) {
			unknown++;
			e = HERR_OK;
		} else if (e == HERR_OK) {
			json_array_append_new(resolved, json_integer(id));
			app_publish(c->app, "alerts", "alert.resolved",
				    json_pack("{s:I, s:s}", "alert_id", (json_int_t)id,
					      "resolution", "resolved"));
		}
	}
	if (e != HERR_OK) {
		status = response_error(r, e, "alerts");
		goto out;
	}
	reply = json_pack("{s:I, s:O, s:O, s:O, s:I}", "received", (json_int_t)n, "raised",
			  raised, "already_open", open, "resolved", resolved, "resolved_unknown",
			  (json_int_t)unknown);
	status = ctx_reply(r, 200, reply);
out:
	free(alerts);
	json_decref(body);
	json_decref(errs);
	json_decref(raised);
	json_decref(open);
	json_decref(resolved);
	return status;
}
