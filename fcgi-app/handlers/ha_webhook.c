/*
 * POST /api/v1/webhooks/ha: Home Assistant pushing its state changes, for
 * homes that prefer an automation's rest_command to hearth-ha-bridge's
 * WebSocket subscription (or use both).  A change is recorded exactly as
 * the bridge records it (ha/bridge.h: ha_bridge_record), in the request's
 * transaction: an entity linked to a sensor makes that sensor's event
 * once, the state kept with it, so the same change pushed twice, or seen
 * by the bridge too, makes one event.
 *
 * Public, with a secret of its own in X-Webhook-Secret (as the rules'
 * webhooks): made by POST /api/v1/webhooks/ha/generate-secret (admin),
 * shown once, kept only as its hash (the settings table's "ha_webhook"
 * row) and compared in constant time.  No header: 401; a wrong one, or
 * none generated yet: 403.
 *
 * The body is one change or a list of at most HA_WEBHOOK_CHANGES_MAX:
 *
 *   {"type": "state_changed" (optional), "entity_id": "binary_sensor.door",
 *    "new_state": {"state": "on", "attributes": {...}, "last_changed": "..."},
 *    "old_state": {...} or null (optional)}
 *
 * new_state and old_state may be HA's whole state objects (a trigger's
 * to_state and from_state): their other members are not read.  Only state
 * changes are accepted; other kinds (approvals, insight actions, registry
 * changes) have nothing to act on in Hearth and are refused (422).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "app.h"
#include "auth.h"
#include "fields.h"
#include "ha/bridge.h"
#include "ha/map.h"
#include "handlers.h"
#include "iso8601.h"
#include "resource.h"
#include "response.h"
#include "store/settings.h"

#define HA_WEBHOOK_ROW "ha_webhook"
#define HA_WEBHOOK_CHANGES_MAX 50
#define HA_WEBHOOK_SECRET_MAX 128
#define HA_WEBHOOK_KIND "state_changed"

/* ---------------------------------------------------------------- the secret */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* The stored hash into want: 1 when there is one, 0 when none was made,
 * -1 with *e on a database error. */
static int ha_webhook__hash(struct ctx *c, unsigned char want[AUTH_HASH_LEN], enum herr *e)
{
	json_t *row = NULL;
	const char *hex;
	int rv = 0;

	*e = store_settings_get(c->app->db, HA_WEBHOOK_ROW, false, &row);
	if (*e == HERR_NOT_FOUND)
		return 0;
	if (*e != HERR_OK)
		return -1;
	hex = json_string_value(json_object_get(row, "hash"));
	if (hex && strlen(hex) == 2 * AUTH_HASH_LEN) {
		rv = 1;
		for (size_t i = 0; i < AUTH_HASH_LEN && rv; i++) {
			int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

			if (hi < 0 || lo < 0)
				rv = 0;
			else
				want[i] = (unsigned char)(hi << 4 | lo);
		}
	}
	json_decref(row);
	return rv;
}

int h_webhooks_ha_generate_secret(struct ctx *c, struct response *r)
{
	unsigned char hash[AUTH_HASH_LEN];
	char secret[HA_WEBHOOK_SECRET_MAX + 1], hex[2 * AUTH_HASH_LEN + 1], at[ISO8601_LEN];
	json_t *body = NULL, *errs = NULL, *row = NULL;
	enum herr e;
	int status = resource_start(r);

	secret[0] = '\0';
	body = ctx_body(c);
	errs = json_array();
	if (!body || !errs)
		goto out;
	/* The secret is the server's to choose: a body may only be {}. */
	if (validate_object(body, at_body, NULL, 0, false, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if (auth_secret_generate(secret, sizeof(secret), hash) != 0) {
		status = response_detail(r, 500, "could not generate a secret");
		goto out;
	}
	auth_hash_hex(hash, hex);
	iso8601_format((int64_t)time(NULL), at);
	if (!(row = json_pack("{s:s, s:s}", "hash", hex, "created_at", at)))
		goto out;
	if ((e = store_settings_put(c->app->db, HA_WEBHOOK_ROW, row)) != HERR_OK) {
		status = response_error(r, e, "webhook secret");
		goto out;
	}
	snprintf(c->object_id, sizeof(c->object_id), "%s", HA_WEBHOOK_ROW);
	status = ctx_reply(r, 200, json_pack("{s:s, s:s, s:s}", "secret", secret,
					     "header", "X-Webhook-Secret", "created_at", at));
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(hex, sizeof(hex));
	json_decref(body);
	json_decref(errs);
	json_decref(row);
	return status;
}

/* ---------------------------------------------------------------- a change */

static const struct vfield change_fields[] = {
	{"type", V_STRING, 0, 1, 64, NULL},
	{"entity_id", V_STRING, V_REQUIRED, 1, HA_ID_MAX, NULL},
	{"new_state", V_OBJECT, V_REQUIRED | V_NULLABLE, 0, 0, NULL},
	{"old_state", V_OBJECT, V_NULLABLE, 0, 0, NULL},
};
#define CHANGE_FIELDS_COUNT (sizeof(change_fields) / sizeof(change_fields[0]))

/* A state object's "state" (and last_changed): checked, problems at
 * prefix + field. */
static void ha_webhook__check_state(const json_t *st, const char *const *at, const char *field,
				    const char *entity_id, json_t *errs)
{
	const json_t *s = json_object_get(st, "state");
	const json_t *lc = json_object_get(st, "last_changed");
	const json_t *id = json_object_get(st, "entity_id");

	if (!st || json_is_null(st))
		return;
	if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > 255)
		verr_add(errs, at, field, "value_error",
			 "a state object needs \"state\": a string of 1 to 255 characters");
	if (lc && !json_is_null(lc) && !json_is_string(lc))
		verr_add(errs, at, field, "value_error", "\"last_changed\" is an ISO 8601 time");
	if (json_is_string(id) && entity_id && strcmp(json_string_value(id), entity_id) != 0)
		verr_add(errs, at, field, "value_error",
			 "its entity_id is not the change's entity_id");
}

/* Check one change; problems at prefix (["body"] or ["body", "<i>"]). */
static void ha_webhook__check(const json_t *ch, const char *const *at, json_t *errs)
{
	const char *type = json_string_value(json_object_get(ch, "type"));
	const char *id;
	size_t before = json_array_size(errs);

	if (type && strcmp(type, HA_WEBHOOK_KIND) != 0) {
		verr_add(errs, at, "type", "enum",
			 "only state changes are accepted (type \"" HA_WEBHOOK_KIND "\", or no "
			 "type); Hearth has no approvals, insights or registry changes to "
			 "act on");
		return;
	}
	if (validate_object(ch, at, change_fields, CHANGE_FIELDS_COUNT, false, errs) > 0 ||
	    json_array_size(errs) > before)
		return;
	id = json_string_value(json_object_get(ch, "entity_id"));
	if (!ha_entity_id_valid(id))
		verr_add(errs, at, "entity_id", "value_error",
			 "an entity id is <domain>.<object_id>: lower case letters, digits and _");
	ha_webhook__check_state(json_object_get(ch, "new_state"), at, "new_state", id, errs);
	ha_webhook__check_state(json_object_get(ch, "old_state"), at, "old_state", id, errs);
}

/* Why a change made no event, for the reply. */
static const char *ha_webhook__reason(const struct ha_bridge_change *ch)
{
	if (!ch->linked)
		return "no Hearth sensor is linked to this entity";
	if (!ch->new_state)
		return "the entity was removed";
	if (strcmp(ch->new_state, "unavailable") == 0 || strcmp(ch->new_state, "unknown") == 0)
		return "the entity is unavailable or unknown: the state before stays kept";
	switch (ch->action) {
	case HA_BRIDGE_NOTHING:
		return "the state kept already, or a later one";
	case HA_BRIDGE_KEEP:
		return "state kept; it makes no sensor event";
	case HA_BRIDGE_EVENT:
		return "the sensor is disabled: state kept, no event";
	}
	return "";
}

/* Record one (checked) change; its result appended to results. */
static enum herr ha_webhook__apply(struct ctx *c, const json_t *change, json_t *results,
				   int64_t *recorded_sensor, size_t *recorded)
{
	const char *id = json_string_value(json_object_get(change, "entity_id"));
	const json_t *ns = json_object_get(change, "new_state");
	const json_t *os = json_object_get(change, "old_state");
	const struct ha_change hc = {id, json_string_value(json_object_get(os, "state")),
				     json_string_value(json_object_get(ns, "state")),
				     json_string_value(json_object_get(ns, "last_changed"))};
	struct ha_bridge_change ch;
	json_t *one, *runs;
	enum herr e;

	if (!ha_bridge_change_init(&ch, c->app->engine, &hc))
		return json_array_append_new(results, json_pack(
			"{s:s, s:s, s:s}", "entity_id", id, "result", "ignored", "reason",
			"not an entity id or a state Hearth keeps")) == 0 ? HERR_OK : HERR_NOMEM;
	if ((e = ha_bridge_record(c->app->db, &ch)) != HERR_OK)
		goto out;
	if (!ch.recorded) {
		one = json_pack("{s:s, s:s, s:s}", "entity_id", id, "result",
				!ch.linked ? "ignored" : ch.action == HA_BRIDGE_NOTHING ? "unchanged"
											: "kept",
				"reason", ha_webhook__reason(&ch));
		if (ch.linked && one)
			json_object_set_new(one, "sensor_id", json_integer(ch.sensor_id));
		e = json_array_append_new(results, one) == 0 ? HERR_OK : HERR_NOMEM;
		goto out;
	}
	(*recorded)++;
	*recorded_sensor = ch.sensor_id;
	runs = json_array();
	for (size_t i = 0; runs && i < ch.res.n_runs; i++) {
		json_array_append_new(runs, json_integer(ch.run_ids[i]));
		app_after(c->app, ch.run_ids[i], AFTER_RUN);
	}
	{
		json_t *msg = ha_bridge_event_message(&ch,
						      ch.new_ms ? ch.new_ms
								: (int64_t)time(NULL) * 1000);

		if (msg)
			app_publish(c->app, "events", "event.created", msg);
	}
	one = json_pack("{s:s, s:s, s:I, s:I, s:s, s:o?}", "entity_id", id, "result", "recorded",
			"sensor_id", (json_int_t)ch.sensor_id, "event_id",
			(json_int_t)ch.res.event_id, "event_type", ch.ev.event_type,
			"execution_ids", runs);
	e = json_array_append_new(results, one) == 0 ? HERR_OK : HERR_NOMEM;
out:
	ha_bridge_change_clear(&ch);
	return e;
}

int h_webhooks_ha(struct ctx *c, struct response *r)
{
	unsigned char want[AUTH_HASH_LEN], got[AUTH_HASH_LEN];
	const char *secret = c->req->webhook_secret;
	json_t *changes = NULL, *errs = NULL, *results = NULL, *ch;
	int64_t sensor_id = 0;
	size_t recorded = 0, i;
	enum herr e;
	int has, status;

	has = ha_webhook__hash(c, want, &e);
	if (has < 0)
		return response_error(r, e, "webhook secret");
	if (!secret || !*secret || strlen(secret) > HA_WEBHOOK_SECRET_MAX)
		return response_detail(r, 401, "X-Webhook-Secret header required");
	auth_key_hash(secret, got);
	if (!has || !auth_hash_equal(want, got))
		return response_detail(r, 403, "invalid webhook secret");

	status = resource_start(r);
	if (!(errs = json_array()) || !(results = json_array()))
		goto out;
	if (json_is_array(c->body)) {
		changes = json_incref(c->body);
		if (json_array_size(changes) == 0 ||
		    json_array_size(changes) > HA_WEBHOOK_CHANGES_MAX)
			verr_add(errs, (const char *const[]){NULL}, "body", "value_error",
				 "a list of 1 to %d state changes", HA_WEBHOOK_CHANGES_MAX);
	} else {
		json_t *body = ctx_body(c);

		changes = body ? json_pack("[o]", body) : NULL;
		if (!changes)
			goto out;
	}
	json_array_foreach(changes, i, ch) {
		char idx[24];
		const char *at_item[] = {"body", idx, NULL};

		snprintf(idx, sizeof(idx), "%zu", i);
		if (!json_is_object(ch))
			verr_add(errs, at_body, idx, "dict_type", "Input should be a valid dictionary");
		else
			ha_webhook__check(ch, json_is_array(c->body) ? at_item : at_body, errs);
	}
	if (json_array_size(errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	json_array_foreach(changes, i, ch) {
		if ((e = ha_webhook__apply(c, ch, results, &sensor_id, &recorded)) != HERR_OK) {
			status = response_error(r, e, "state change");
			goto out;
		}
	}
	if (recorded)
		ctx_changed(c, sensor_id, NULL, NULL);
	status = ctx_reply(r, 202, json_pack("{s:I, s:O}", "recorded", (json_int_t)recorded,
					     "results", results));
out:
	json_decref(changes);
	json_decref(errs);
	json_decref(results);
	return status;
}
