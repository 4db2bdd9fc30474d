/*
 * hearth-ha-bridge's logic (ha/bridge.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "engine/engine.h"
#include "engine/sensor_event.h"
#include "ha/bridge.h"
#include "iso8601.h"
#include "log.h"
#include "net/backoff.h"
#include "net/ha_ws.h"
#include "net/publish.h"
#include "settings.h"
#include "store/store.h"

#define BRIDGE_HEALTH_EVERY_MS 1000      /* at most one health write a second */
#define BRIDGE_HEARTBEAT_MS 30000        /* and one at least this often */
#define BRIDGE_SETTINGS_EVERY_MS 10000   /* settings looked at while connected */
#define BRIDGE_BATCH_MAX 64              /* state changes in one transaction */
#define BRIDGE_STATE_MAX 256             /* ha_entities.state's size, and a NUL */

enum ha_bridge_action ha_bridge_decide(const char *sensor_type, const char *kept_state,
				       int64_t kept_ms, const char *new_state, int64_t new_ms,
				       struct ha_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (!new_state || strcmp(new_state, "unavailable") == 0 ||
	    strcmp(new_state, "unknown") == 0)
		return HA_BRIDGE_NOTHING;
	if (!kept_state)
		return HA_BRIDGE_KEEP;
	if (strcmp(kept_state, new_state) == 0)
		return HA_BRIDGE_NOTHING;
	if (kept_ms > 0 && new_ms > 0 && new_ms < kept_ms)
		return HA_BRIDGE_NOTHING;
	return ha_event_for(sensor_type, kept_state, new_state, ev) == 1 ? HA_BRIDGE_EVENT
									  : HA_BRIDGE_KEEP;
}

static int64_t bridge__now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ms since the epoch as "YYYY-MM-DD HH:MM:SS.mmm" UTC (sensor_event.h). */
static void bridge__db_time(int64_t ms, char out[64])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

void ha_bridge_init(struct ha_bridge *b, struct db *db, struct engine *engine,
		    const struct hearth_config *cfg, volatile sig_atomic_t *stop)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->engine = engine;
	b->cfg = cfg;
	b->stop = stop;
	if (gethostname(b->host, sizeof(b->host) - 1) != 0 || !*b->host)
		snprintf(b->host, sizeof(b->host), "localhost");
	b->health_dirty = true;
}

/* ---------------------------------------------------------------- health */

/* Write the health row when it changed (at most once a second) or when
 * the heartbeat is due; a failure is retried next time. */
static void bridge__health(struct ha_bridge *b)
{
	int64_t now = bridge__now_ms(CLOCK_MONOTONIC);
	int64_t since = now - b->health_written_ms;

	if (b->health_written_ms && since < BRIDGE_HEALTH_EVERY_MS)
		return;
	if (!b->health_dirty && b->health_written_ms && since < BRIDGE_HEARTBEAT_MS)
		return;
	if (store_ha_bridge_status_put(b->db, b->host, &b->health) == HERR_OK) {
		b->health_dirty = false;
		b->health_written_ms = now;
	}
}

static void bridge__connected(struct ha_bridge *b, bool connected, const char *why)
{
	struct ha_bridge_health *h = &b->health;

	if (connected != h->connected || !h->since_ms)
		h->since_ms = bridge__now_ms(CLOCK_REALTIME);
	h->connected = connected;
	if (why)
		snprintf(h->last_error, sizeof(h->last_error), "%s", why);
	b->health_dirty = true;
}

/* ---------------------------------------------------------------- one state */

enum herr ha_bridge_record(struct db *db, struct ha_bridge_change *t)
{
	struct ha_link *link = &t->link;
	json_t *value = NULL, *attributes = NULL;
	enum herr rc;

	t->recorded = false;
	t->linked = false;
	t->sensor_id = 0;
	t->action = HA_BRIDGE_NOTHING;
	ha_bridge_change_clear(t);
	memset(&t->res, 0, sizeof(t->res));
	rc = store_ha_link_lock(db, t->entity_id, link);
	if (rc == HERR_NOT_FOUND)
		return HERR_OK;   /* not linked: nothing kept, nothing made */
	if (rc != HERR_OK)
		return rc;
	t->linked = true;
	t->sensor_id = link->sensor_id;
	if (!link->known && t->old_state && strlen(t->old_state) < sizeof(link->state)) {
		snprintf(link->state, sizeof(link->state), "%s", t->old_state);
		link->known = true;
	}
	t->action = ha_bridge_decide(link->sensor_type, link->known ? link->state : NULL,
				     link->last_changed_ms, t->new_state, t->new_ms, &t->ev);
	if (t->action == HA_BRIDGE_NOTHING)
		return HERR_OK;
	if (t->action == HA_BRIDGE_EVENT && link->enabled) {
		if (t->ev.has_value && !(value = json_real(t->ev.value)))
			return HERR_NOMEM;
		if (!(attributes = json_pack("{s:s}", "ha_entity_id", t->entity_id))) {
			json_decref(value);
			return HERR_NOMEM;
		}
		const struct sensor_event se = {
			.sensor_id = link->sensor_id,
			.event_type = t->ev.event_type,
			.value = value,
			.attributes = attributes,
			.occurred_at = t->occurred_at,
			.state_only = true,   /* the stream's message reads no more */
		};
		rc = sensor_event_record(t->engine, db, &se, t->run_ids, HA_BRIDGE_RUNS_MAX,
					 &t->res);
		json_decref(value);
		json_decref(attributes);
		if (rc == HERR_CONFLICT)
			rc = HERR_OK;    /* disabled meanwhile: the state is kept all the same */
		else if (rc == HERR_OK)
			t->recorded = true;
		else
			return rc;
	}
	return store_ha_state_put(db, t->entity_id, t->new_state, t->new_ms);
}

void ha_bridge_change_clear(struct ha_bridge_change *ch)
{
	json_decref(ch->res.status);
	ch->res.status = NULL;
}

json_t *ha_bridge_event_message(const struct ha_bridge_change *t, int64_t at_ms)
{
	const struct ha_link *link = &t->link;
	json_t *runs = json_array(), *data = NULL;
	char at[ISO8601_LEN];

	if (!runs)
		return NULL;
	for (size_t i = 0; i < t->res.n_runs; i++)
		json_array_append_new(runs, json_integer(t->run_ids[i]));
	iso8601_format(at_ms / 1000, at);
	data = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:o?, s:{s:s}, s:s, s:O?, s:b, s:o}",
			 "event_id", (json_int_t)t->res.event_id,
			 "sensor_id", (json_int_t)link->sensor_id,
			 "sensor_name", link->name,
			 "sensor_type", link->sensor_type,
			 "room_id", link->room_id ? json_integer(link->room_id) : json_null(),
			 "event_type", t->ev.event_type,
			 "value", t->ev.has_value ? json_real(t->ev.value) : NULL,
			 "attributes", "ha_entity_id", t->entity_id,
			 "occurred_at", at,
			 "state", json_object_get(t->res.status, "state"),
			 "applied", t->res.applied, "execution_ids", runs);
	return data;
}

/* event.created on the events stream, as POST /sensors/{id}/events
 * publishes it.  Best effort. */
static void bridge__publish(struct ha_bridge *b, const struct ha_bridge_change *t, int64_t at_ms)
{
	json_t *data = ha_bridge_event_message(t, at_ms);

	if (data) {
		publish_message(b->cfg, "events", "event.created", data);
		json_decref(data);
	}
}

bool ha_bridge_change_init(struct ha_bridge_change *t, struct engine *engine,
			   const struct ha_change *c)
{
	int64_t ms = 0;

	memset(t, 0, sizeof(*t));
	if (!c->entity_id || !ha_entity_id_valid(c->entity_id))
		return false;
	if (c->new_state && strlen(c->new_state) >= BRIDGE_STATE_MAX)
		return false;   /* not a state any sensor type knows */
	if (c->last_changed && iso8601_parse(c->last_changed, &ms) == 0 && ms > 0)
		bridge__db_time(ms, t->occurred_buf);
	else
		ms = 0;
	t->engine = engine;
	t->entity_id = c->entity_id;
	t->old_state = c->old_state;
	t->new_state = c->new_state;
	t->new_ms = ms;
	t->occurred_at = ms ? t->occurred_buf : NULL;
	return true;
}

struct bridge__batch {
	struct ha_bridge_change *tx;
	size_t n;
};

/* Every change of the batch in one transaction, in the order they came: a
 * later change of the same entity reads the state the earlier one kept. */
static enum herr bridge__batch_tx(struct db *db, void *arg)
{
	struct bridge__batch *bt = arg;
	enum herr rc;

	for (size_t i = 0; i < bt->n; i++)
		if (bt->tx[i].entity_id && (rc = ha_bridge_record(db, &bt->tx[i])) != HERR_OK)
			return rc;
	return HERR_OK;
}

/* After the commit: the events stream, and the runs the events started. */
static void bridge__recorded(struct ha_bridge *b, const struct ha_bridge_change *t)
{
	b->health.events++;
	b->health.last_event_ms = bridge__now_ms(CLOCK_REALTIME);
	b->health_dirty = true;
	bridge__publish(b, t, t->new_ms ? t->new_ms : b->health.last_event_ms);
	for (size_t i = 0; i < t->res.n_runs && b->engine; i++) {
		enum herr e = engine_run(b->engine, t->run_ids[i]);

		if (e != HERR_OK)
			LOG(LOG_ERR, "run %" PRId64 ": %s; the scheduler will pick it up",
			    t->run_ids[i], herr_str(e));
	}
}

enum herr ha_bridge_apply_many(struct ha_bridge *b, const struct ha_change *changes, size_t n,
			       size_t *recorded)
{
	struct bridge__batch bt = {calloc(n ? n : 1, sizeof(*bt.tx)), n};
	enum herr rc;

	*recorded = 0;
	if (!bt.tx)
		return HERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (!ha_bridge_change_init(&bt.tx[i], b->engine, &changes[i]))
			bt.tx[i].entity_id = NULL;
	rc = db_tx(b->db, bridge__batch_tx, &bt);
	for (size_t i = 0; i < n; i++) {
		if (rc == HERR_OK && bt.tx[i].recorded) {
			bridge__recorded(b, &bt.tx[i]);
			++*recorded;
		}
		json_decref(bt.tx[i].res.status);
	}
	free(bt.tx);
	return rc;
}

enum herr ha_bridge_apply(struct ha_bridge *b, const char *entity_id, const char *old_state,
			  const char *new_state, const char *last_changed, bool *recorded)
{
	const struct ha_change c = {entity_id, old_state, new_state, last_changed};
	size_t n = 0;
	enum herr rc = ha_bridge_apply_many(b, &c, 1, &n);

	*recorded = n == 1;
	return rc;
}

/* ---------------------------------------------------------------- the loop */

/* The change a state object of HA makes ({entity_id, state, last_changed,
 * ...}; NULL for a removed entity's new_state), old the one it left (NULL
 * when not known); borrowed from the objects. */
static struct ha_change bridge__change(const char *entity_id, const json_t *old, const json_t *st)
{
	return (struct ha_change){entity_id, json_string_value(json_object_get(old, "state")),
				  json_string_value(json_object_get(st, "state")),
				  json_string_value(json_object_get(st, "last_changed"))};
}

/* Apply n changes in one transaction: -1 on a database error (logged). */
static int bridge__apply(struct ha_bridge *b, const struct ha_change *changes, size_t n)
{
	size_t recorded;
	enum herr rc;

	if (n == 0)
		return 0;
	if ((rc = ha_bridge_apply_many(b, changes, n, &recorded)) != HERR_OK) {
		LOG(LOG_ERR, "home assistant: %zu state change%s from %s on: %s", n,
		    n == 1 ? "" : "s", changes[0].entity_id ? changes[0].entity_id : "?",
		    herr_str(rc));
		return -1;
	}
	return 0;
}

/* Sleep ms, or less when *stop is set; the health row kept. */
static void bridge__sleep(struct ha_bridge *b, long ms)
{
	while (ms > 0 && !*b->stop) {
		long step = ms < 200 ? ms : 200;
		struct timespec ts = {0, step * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
		bridge__health(b);
	}
}

/* What the connection was made with, to notice a change of it. */
static void bridge__settings_note(struct ha_bridge *b)
{
	snprintf(b->conn_url, sizeof(b->conn_url), "%s", b->cfg->ha_url);
	snprintf(b->conn_token, sizeof(b->conn_token), "%s", b->cfg->ha_token);
	b->conn_verify_tls = b->cfg->ha_verify_tls;
	b->settings_checked_ms = bridge__now_ms(CLOCK_MONOTONIC);
}

/* Whether the settings (looked at every BRIDGE_SETTINGS_EVERY_MS) changed
 * HA's url, token or verify_tls since the connection was made. */
static bool bridge__settings_moved(struct ha_bridge *b)
{
	int64_t now = bridge__now_ms(CLOCK_MONOTONIC);

	if (!b->settings || now - b->settings_checked_ms < BRIDGE_SETTINGS_EVERY_MS)
		return false;
	b->settings_checked_ms = now;
	if (settings_live_refresh(b->settings, b->db, NULL) != 1)
		return false;
	return strcmp(b->conn_url, b->cfg->ha_url) != 0 ||
	       strcmp(b->conn_token, b->cfg->ha_token) != 0 ||
	       b->conn_verify_tls != b->cfg->ha_verify_tls;
}

/* Catch up with get_states, then follow the events until the connection
 * or the database fails or *stop.  why says how it ended.  Changes are
 * applied in batches of what has arrived (up to BRIDGE_BATCH_MAX), each
 * one transaction: a burst of changes costs a commit per batch, not per
 * change. */
static void bridge__follow(struct ha_bridge *b, struct ha_ws *ws, char *why, size_t whylen)
{
	struct ha_change batch[BRIDGE_BATCH_MAX];
	json_t *states = NULL, *held = json_array(), *event;
	size_t i, n = 0;
	int r = 0;

	if (!held || ha_ws_subscribe(ws, "state_changed", why, whylen) < 0)
		goto out;
	/* After the subscription: a change between the two is seen twice,
	 * and the second sight makes nothing. */
	if (ha_ws_command(ws, "get_states", NULL, &states, why, whylen) != HERR_OK)
		goto out;
	for (i = 0; i < json_array_size(states) && r == 0; i += n) {
		for (n = 0; n < BRIDGE_BATCH_MAX && i + n < json_array_size(states); n++) {
			const json_t *st = json_array_get(states, i + n);

			batch[n] = bridge__change(json_string_value(json_object_get(st, "entity_id")),
						  NULL, st);
		}
		r = bridge__apply(b, batch, n);
	}
	if (r < 0)
		goto db_failed;
	bridge__health(b);
	while (!*b->stop) {
		/* Wait for one change, then take what else has arrived. */
		for (n = 0, r = 1; n < BRIDGE_BATCH_MAX && r == 1; ) {
			r = ha_ws_next_event(ws, n ? 0 : 1000, &event, why, whylen);
			if (r == 1) {
				const json_t *data = json_object_get(event, "data");

				/* held keeps the event, and so the strings, alive. */
				if (json_array_append_new(held, event) != 0) {
					snprintf(why, whylen, "out of memory");
					r = -1;
					break;
				}
				batch[n++] = bridge__change(
					json_string_value(json_object_get(data, "entity_id")),
					json_object_get(data, "old_state"),
					json_object_get(data, "new_state"));
			}
		}
		if (bridge__apply(b, batch, n) < 0)
			goto db_failed;
		json_array_clear(held);
		if (r < 0)
			goto out;   /* the connection ended; what came before it is applied */
		bridge__health(b);
		if (bridge__settings_moved(b)) {
			snprintf(why, whylen, "the connection's settings changed; reconnecting");
			goto out;
		}
	}
	snprintf(why, whylen, "stopped");
	goto out;
db_failed:
	snprintf(why, whylen, "the database failed; catching up after a reconnect");
out:
	json_decref(states);
	json_decref(held);
}

void ha_bridge_run(struct ha_bridge *b)
{
	unsigned failures = 0;
	bool ever = false;
	char why[512], said[512] = "";

	while (!*b->stop) {
		struct ha_ws *ws;

		*why = '\0';
		if (b->settings)
			(void)settings_live_refresh(b->settings, b->db, NULL);
		bridge__settings_note(b);
		ws = ha_ws_connect(b->cfg, why, sizeof(why));
		if (ws) {
			if (ever)
				b->health.reconnects++;
			ever = true;
			snprintf(b->health.ha_version, sizeof(b->health.ha_version), "%s",
				 ha_ws_version(ws) ? ha_ws_version(ws) : "");
			bridge__connected(b, true, NULL);
			LOG(LOG_NOTICE, "home assistant: connected (version %s)%s",
			    b->health.ha_version, ever && b->health.reconnects ? ", again" : "");
			*said = '\0';
			failures = 0;
			bridge__follow(b, ws, why, sizeof(why));
			ha_ws_close(ws);
			if (*b->stop)
				break;
			LOG(LOG_WARNING, "home assistant: connection ended: %s", why);
			snprintf(said, sizeof(said), "%s", why);
		} else if (strcmp(why, said) != 0) {
			/* A failure is logged once, until it changes. */
			LOG(LOG_WARNING, "home assistant: %s; retrying with backoff", why);
			snprintf(said, sizeof(said), "%s", why);
		}
		bridge__connected(b, false, why);
		bridge__health(b);
		failures++;
		bridge__sleep(b, backoff_delay_ms(failures, 500, BACKOFF_CAP_MS,
						  (double)random() / ((double)RAND_MAX + 1.0)));
	}
	bridge__connected(b, false, "stopped");
	b->health_written_ms = 0;   /* the last word is written whatever the time */
	bridge__health(b);
	explicit_bzero(b->conn_token, sizeof(b->conn_token));
}
