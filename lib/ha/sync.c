/*
 * Syncs from Home Assistant (ha/sync.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "ha/sync.h"
#include "log.h"
#include "store/ha.h"

struct sync__claim {
	const char *kind, *trigger;
	int64_t run_id;
};

static enum herr sync__claim_tx(struct db *db, void *arg)
{
	struct sync__claim *c = arg;

	return store_ha_sync_claim(db, c->kind, c->trigger, HA_SYNC_LEASE_S, &c->run_id);
}

struct sync__end {
	int64_t run_id;
	const struct ha_counts *counts;
	const char *error;
};

static enum herr sync__end_tx(struct db *db, void *arg)
{
	const struct sync__end *e = arg;

	return store_ha_sync_finish(db, e->run_id, e->counts, e->error);
}

/* Record the run's end; a failure to is logged (the lease lets another
 * run take over), and rc stands. */
static enum herr sync__end(struct db *db, int64_t run_id, const struct ha_counts *counts,
			   const char *error, enum herr rc)
{
	struct sync__end e = {run_id, counts, error};

	if (db_tx(db, sync__end_tx, &e) != HERR_OK)
		LOG(LOG_ERR, "home assistant: sync run %lld: could not record its end",
		    (long long)run_id);
	return rc;
}

static void sync__why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- rooms */

struct sync__rooms {
	const json_t *json;
	const struct ha_area *areas;
	size_t n;
	struct ha_counts counts;
	bool untrusted;
};

static enum herr sync__rooms_tx(struct db *db, void *arg)
{
	struct sync__rooms *s = arg;
	struct ha_room *rooms = NULL;
	struct ha_step *steps = NULL;
	size_t nr = 0;
	enum herr rc;
	int n;

	memset(&s->counts, 0, sizeof(s->counts));
	s->untrusted = false;
	if ((rc = store_ha_rooms_load(db, &rooms, &nr)) != HERR_OK)
		goto out;
	if (!(steps = calloc(s->n + nr + 1, sizeof(*steps)))) {
		rc = HERR_NOMEM;
		goto out;
	}
	if ((n = ha_plan_rooms(s->areas, s->n, rooms, nr, steps, &s->counts)) < 0) {
		s->untrusted = true;
		rc = HERR_INVALID;
		goto out;
	}
	rc = store_ha_rooms_apply(db, steps, (size_t)n, s->json);
out:
	free(steps);
	store_ha_rooms_free(rooms, nr);
	return rc;
}

/* HA's area list as ha_area entries (borrowing its strings): 0, or -1
 * when an entry is not an object with a string area_id and name. */
static int sync__areas(const json_t *list, struct ha_area **out, size_t *n)
{
	size_t i;
	json_t *a;

	*out = NULL;
	*n = 0;
	if (!json_is_array(list))
		return -1;
	if (!(*out = calloc(json_array_size(list) + 1, sizeof(**out))))
		return -1;
	json_array_foreach(list, i, a) {
		const char *id = json_string_value(json_object_get(a, "area_id"));
		const char *name = json_string_value(json_object_get(a, "name"));

		if (!id || !name)
			return -1;
		(*out)[(*n)++] = (struct ha_area){id, name};
	}
	return 0;
}

enum herr ha_sync_rooms(struct db *db, const struct ha_source *src, const char *trigger,
			int64_t *run_id, struct ha_counts *counts, char *why, size_t whylen)
{
	struct sync__claim claim = {"rooms", trigger, 0};
	struct sync__rooms s = {0};
	struct ha_area *areas = NULL;
	json_t *list = NULL;
	enum herr rc;

	*run_id = 0;
	memset(counts, 0, sizeof(*counts));
	sync__why(why, whylen, "%s", "");
	if ((rc = db_tx(db, sync__claim_tx, &claim)) != HERR_OK) {
		if (rc == HERR_CONFLICT)
			sync__why(why, whylen, "a rooms sync is running already");
		return rc;
	}
	*run_id = claim.run_id;
	if ((rc = src->areas(src->arg, &list, why, whylen)) != HERR_OK) {
		if (!why[0])
			sync__why(why, whylen, "Home Assistant's areas could not be read");
		return sync__end(db, *run_id, counts, why, rc);
	}
	if (sync__areas(list, &areas, &s.n) != 0) {
		sync__why(why, whylen, "Home Assistant's area list is not a list of areas;"
				       " nothing changed");
		rc = sync__end(db, *run_id, counts, why, HERR_INVALID);
		goto out;
	}
	s.json = list;
	s.areas = areas;
	rc = db_tx(db, sync__rooms_tx, &s);
	if (rc == HERR_OK) {
		*counts = s.counts;
		rc = sync__end(db, *run_id, counts, NULL, HERR_OK);
	} else {
		if (s.untrusted)
			sync__why(why, whylen, "Home Assistant's area list has an area without an id"
					       " or name, one too long, or one id twice;"
					       " nothing changed");
		else
			sync__why(why, whylen, "the rooms could not be saved (%s); nothing changed",
				  herr_str(rc));
		rc = sync__end(db, *run_id, counts, why, rc);
	}
out:
	free(areas);
	json_decref(list);
	return rc;
}
