#ifndef HEARTH_HA_BRIDGE_H
#define HEARTH_HA_BRIDGE_H

/*
 * hearth-ha-bridge's logic: Home Assistant's state changes, over one
 * WebSocket subscription to state_changed, become the sensor events of the
 * Hearth sensors linked to the entities (source 'home_assistant',
 * external_id = entity_id), recorded as POST /sensors/{id}/events records
 * them: the event, the sensor's state, its sensor_event rules, then the
 * runs and the events stream after the commit.
 *
 * Exactly once across reconnects and restarts: the last state seen of
 * each linked entity is kept in ha_entities, in the transaction of the
 * event it made, and an event is made only when HA's state differs from
 * the kept one.  After each (re)connect get_states is read once and each
 * linked entity's state is treated the same way, so a change made while
 * the bridge was away makes one event and no change makes none.  The
 * first state seen of an entity is kept without an event.
 *
 * In lib/libhearth_ws.a (it speaks net/ha_ws.h).
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/sensor_event.h"
#include "config.h"
#include "err.h"
#include "ha/map.h"
#include "store/ha_bridge.h"

struct db;
struct engine;
struct hearth_config;
struct settings_live;

/* What a state seen of a linked entity calls for. */
enum ha_bridge_action {
	HA_BRIDGE_NOTHING,   /* the kept state stands */
	HA_BRIDGE_KEEP,      /* keep the new state, no event */
	HA_BRIDGE_EVENT,     /* keep it, and record *ev */
};

/*
 * The action for a linked sensor of sensor_type when HA shows new_state
 * (last changed at new_ms, 0 = not known) and the bridge kept
 * kept_state (NULL = never seen) changed at kept_ms (0 = not known).
 * Nothing for no new state (the entity is gone), for "unavailable" and
 * "unknown" (the state before them stays kept, so coming back to it makes
 * no event), for the kept state, and for a state older than the kept one
 * (an event queued before a get_states that saw a later one).  Keep
 * without an event for the first state seen and for a change that is no
 * sensor event (ha_event_for says none).  Pure.
 */
enum ha_bridge_action ha_bridge_decide(const char *sensor_type, const char *kept_state,
				       int64_t kept_ms, const char *new_state, int64_t new_ms,
				       struct ha_event *ev);

/* The bridge, for one process. */
struct ha_bridge {
	struct db *db;                      /* borrowed */
	struct engine *engine;              /* borrowed; NULL: no rules fired */
	const struct hearth_config *cfg;    /* borrowed */
	/* borrowed; NULL: cfg is fixed.  Else cfg is settings->cfg, refreshed
	 * before each connection and now and then while connected: a change of
	 * HA's url, token or verify_tls through the API makes a reconnection. */
	struct settings_live *settings;
	volatile sig_atomic_t *stop;        /* set by a signal: return soon */
	char host[256];                     /* the health row's key */
	struct ha_bridge_health health;
	bool health_dirty;
	int64_t health_written_ms;          /* monotonic */
	/* HA's connection as it was made (the token wiped on return) */
	char conn_url[CONFIG_STR], conn_token[CONFIG_STR];
	bool conn_verify_tls;
	int64_t settings_checked_ms;        /* monotonic */
};

/* Set b up (nothing connected); host: this machine's name. */
void ha_bridge_init(struct ha_bridge *b, struct db *db, struct engine *engine,
		    const struct hearth_config *cfg, volatile sig_atomic_t *stop);

/* A state change of an HA entity; every string borrowed, any may be NULL
 * but entity_id. */
struct ha_change {
	const char *entity_id;
	const char *old_state;      /* what it left, when known */
	const char *new_state;      /* NULL: the entity was removed */
	const char *last_changed;   /* HA's ISO time of new_state */
};

/* Runs one recorded change may start, at most. */
#define HA_BRIDGE_RUNS_MAX 64

/*
 * One state change being recorded, and what recording it did.  Shared by
 * the bridge and POST /api/v1/webhooks/ha (HA pushing its changes), so a
 * change that arrives either way is recorded the same, once.
 */
struct ha_bridge_change {
	/* in, set by ha_bridge_change_init; borrowed */
	struct engine *engine;          /* NULL: no rules */
	const char *entity_id, *old_state, *new_state;
	int64_t new_ms;                 /* last_changed; 0 = not known */
	const char *occurred_at;        /* occurred_buf, or NULL when not known */
	char occurred_buf[64];
	/* out, set by ha_bridge_record */
	bool linked;                    /* a sensor is linked to the entity */
	int64_t sensor_id;
	struct ha_link link;            /* the sensor and the state kept before */
	enum ha_bridge_action action;
	bool recorded;                  /* a sensor event was recorded */
	struct sensor_event_result res; /* res.status: a reference (ha_bridge_change_clear) */
	struct ha_event ev;
	int64_t run_ids[HA_BRIDGE_RUNS_MAX];
};

/*
 * Set t up for change c (its strings borrowed, outliving t) and engine
 * (borrowed; NULL: no rules).  False when there is nothing to record: an
 * id that is no entity's, a state longer than any kept.
 */
bool ha_bridge_change_init(struct ha_bridge_change *t, struct engine *engine,
			   const struct ha_change *c);

/*
 * Record t in the caller's transaction (db.h: the API's request, or the
 * bridge's own db_tx): the state kept and, when ha_bridge_decide says so
 * and the sensor is enabled, its sensor event with the runs of its rules
 * (started after the commit by the caller: t->res.n_runs ids in
 * t->run_ids).  May run again after a deadlock (it starts afresh).  A
 * database error as it came.
 */
enum herr ha_bridge_record(struct db *db, struct ha_bridge_change *t);

/*
 * The events stream's event.created for a recorded change, as POST
 * /sensors/{id}/events publishes it, from the sensor as the change read
 * it; at_ms: when it happened.  A new reference, NULL on allocation
 * failure.
 */
json_t *ha_bridge_event_message(const struct ha_bridge_change *t, int64_t at_ms);

/* Release what ha_bridge_record left in t. */
void ha_bridge_change_clear(struct ha_bridge_change *t);

/*
 * Changes treated in one transaction, in order (a later change of the
 * same entity reads the state an earlier one kept): *recorded tells how
 * many sensor events were recorded.  After the commit, as below for each.
 * A database error rolls back the whole batch.
 */
enum herr ha_bridge_apply_many(struct ha_bridge *b, const struct ha_change *changes, size_t n,
			       size_t *recorded);

/*
 * One state of HA (entity_id, new_state, last_changed: ISO time or NULL;
 * all borrowed) treated in its own transaction as above.  old_state:
 * what a state_changed event says the entity left (NULL from get_states),
 * taken for the kept state when none is kept yet, so that the first
 * change seen of an entity linked while the bridge runs is an event; after the
 * commit, the runs started and the events stream.  *recorded: whether a
 * sensor event was recorded.  A database error as it came (nothing kept).
 */
enum herr ha_bridge_apply(struct ha_bridge *b, const char *entity_id, const char *old_state,
			  const char *new_state, const char *last_changed, bool *recorded);

/*
 * Connect, subscribe, catch up with get_states and follow the events
 * until *stop, reconnecting with backoff and jitter when HA or the
 * network goes away or the database fails (the catch-up after the
 * reconnect recovers what was missed).  The health row is kept current.
 * Returns when *stop is set.
 */
void ha_bridge_run(struct ha_bridge *b);

#endif
