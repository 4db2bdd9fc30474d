#ifndef HEARTH_PRINCIPAL_H
#define HEARTH_PRINCIPAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "err.h"

struct db;
struct cache;

/* Who is making a request. */
struct principal {
	int64_t key_id;      /* the API key used, 0 for a session */
	int64_t user_id;     /* the person, 0 for a key that is nobody's */
	int64_t session_id;  /* the session used, 0 for a key */
	char name[257];      /* the key's name, or the person's username */
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

/* The cache key a credential's row is kept under ("apikey:<prefix>", or
 * "session:<prefix>" for a session token), for a request to prefetch it
 * with the rest of what it reads.  0, or -1 for what cannot be one. */
#define PRINCIPAL_CACHE_KEY_MAX 32
int principal_cache_key(const char *credential, bool session,
			char out[PRINCIPAL_CACHE_KEY_MAX]);

/* Whether key was resolved by this process within the last second and
 * nothing was forgotten since: principal_from_key then needs no cache. */
bool principal_known(const char *key);

/* Forget a key's cached row (after revoke); keys this process or its
 * siblings keep in memory are dropped too (cache_local_version). */
void principal_forget(struct cache *cache, const char *prefix);

/*
 * Resolve a session token (the hearth_session cookie) the same way:
 * memcached ("session:<prefix>") then the database, the hash compared in
 * constant time.  A session idle for more than idle_seconds, past its
 * absolute end, or of a disabled user is HERR_NOT_FOUND.  The session's
 * last use is written back at most once a minute (sooner when the idle
 * timeout is short), so a signed-in page costs no write per request.
 */
enum herr principal_from_session(struct db *db, struct cache *cache, unsigned ttl,
				 const char *token, unsigned idle_seconds,
				 struct principal *out);

/* Forget a session's cached row (after logout, password change...). */
void principal_forget_session(struct cache *cache, const char *prefix);

/* principal_forget / principal_forget_session for each prefix string of
 * a JSON array (borrowed). */
void principal_forget_all(struct cache *cache, const json_t *key_prefixes,
			  const json_t *session_prefixes);

#endif
