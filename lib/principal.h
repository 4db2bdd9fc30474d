#ifndef HEARTH_PRINCIPAL_H
#define HEARTH_PRINCIPAL_H

#include <stdint.h>

#include "auth.h"
#include "err.h"

struct db;
struct cache;

/* Who is making a request. */
struct principal {
	int64_t key_id;
	char name[257];
	char role[65];
};

/*
 * Resolve a presented API key: memcached first ("apikey:<prefix>" holds the
 * row: id, name, role, hash), then the database.  The hash is always compared
 * in constant time, also on a cache hit.  HERR_NOT_FOUND for a malformed,
 * unknown or revoked key; HERR_UNAVAILABLE when the database is needed and
 * down.  key is borrowed.
 */
enum herr principal_from_key(struct db *db, struct cache *cache, unsigned ttl,
			     const char *key, struct principal *out);

/* Forget a key's cached row (after revoke). */
void principal_forget(struct cache *cache, const char *prefix);

#endif
