/*
 * From a presented API key to who is asking.
 *
 * The cache holds a key's row, never a verdict: on a hit the presented key
 * is still hashed and compared with the row's hash in constant time, so a
 * cached row can save a database round trip but cannot let a wrong key
 * in.  Only active keys are cached; revoking one goes through
 * principal_forget, whose tombstone also stops a concurrent reader from
 * caching the row it fetched just before the revoke.
 */
#include "principal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cache.h"
#include "log.h"
#include "store/store.h"
#include "store/accounts.h"

static int principal__cache_key(const char *prefix, char out[PRINCIPAL_CACHE_KEY_MAX])
{
	if (!prefix || strlen(prefix) != AUTH_KEY_PREFIX_LEN ||
	    strspn(prefix, "0123456789abcdef") != AUTH_KEY_PREFIX_LEN)
		return -1;
	snprintf(out, PRINCIPAL_CACHE_KEY_MAX, "apikey:%s", prefix);
	return 0;
}

static int principal__session_key(const char *prefix, char out[PRINCIPAL_CACHE_KEY_MAX]);

static int principal__unhex(const char *hex, unsigned char *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

/* The row cached under ckey; -1 on a miss or anything that does not look
 * exactly like what principal__remember stores (then the database decides). */
static int principal__recall(struct cache *cache, const char *ckey, struct api_key_row *row)
{
	const char *name, *role, *hash;
	json_int_t id, user_id;
	json_error_t jerr;
	json_t *root = NULL;
	size_t len = 0;
	char *text;
	int rv = -1;

	text = cache_get(cache, ckey, &len);
	if (!text)
		return -1;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || json_unpack_ex(root, &jerr, JSON_STRICT, "{s:I, s:I, s:s, s:s, s:s}", "id", &id,
				    "user_id", &user_id, "name", &name, "role", &role, "hash", &hash) != 0)
		goto out;
	if (id <= 0 || strlen(name) >= sizeof(row->name) || strlen(role) >= sizeof(row->role) ||
	    principal__unhex(hash, row->hash, AUTH_HASH_LEN) != 0)
		goto out;
	row->id = (int64_t)id;
	row->user_id = (int64_t)user_id;
	memcpy(row->name, name, strlen(name) + 1);
	memcpy(row->role, role, strlen(role) + 1);
	row->revoked = false;
	rv = 0;
out:
	if (rv != 0)
		LOG(LOG_DEBUG, "principal: ignoring a malformed cache entry %s", ckey);
	json_decref(root);
	free(text);
	return rv;
}

static void principal__remember(struct cache *cache, const char *ckey,
				const struct api_key_row *row, unsigned ttl)
{
	char hex[2 * AUTH_HASH_LEN + 1];
	json_t *root;
	char *text;

	if (!cache || ttl == 0)
		return;
	auth_hash_hex(row->hash, hex);
	root = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)row->id, "user_id",
			 (json_int_t)row->user_id, "name", row->name, "role", row->role, "hash",
			 hex);
	if (!root)
		return;
	text = json_dumps(root, JSON_COMPACT);
	if (text)
		cache_add(cache, ckey, text, strlen(text), (time_t)ttl);
	free(text);
	json_decref(root);
}

/*
 * Keys this process resolved in the last second, kept in its memory: a
 * busy client costs no memcached round trip per request.  An entry holds
 * for at most PRINCIPAL_MEMO_SECONDS and only while the local counter of
 * PRINCIPAL_NS (cache_local_version) has not moved: every forget (revoke,
 * disable, delete, password change) bumps it, so a revoke through the API
 * takes at once in every worker; one made outside the API's workers
 * (hearthctl) takes within the second.  Looked up by the SHA-256 of the
 * presented key, compared in constant time.
 */
#define PRINCIPAL_MEMO 16
#define PRINCIPAL_MEMO_SECONDS 1
#define PRINCIPAL_NS "credentials"

static struct principal_memo {
	unsigned char hash[AUTH_HASH_LEN];
	struct principal who;
	uint64_t local;      /* PRINCIPAL_NS's local counter when resolved; 0 = empty */
	time_t at;
} principal_memo[PRINCIPAL_MEMO];
static unsigned principal_memo_next;

static struct principal_memo *principal__memo_find(const unsigned char hash[AUTH_HASH_LEN])
{
	uint64_t local = cache_local_version(PRINCIPAL_NS);
	time_t now = time(NULL);

	if (!local)
		return NULL;
	for (size_t i = 0; i < PRINCIPAL_MEMO; i++) {
		struct principal_memo *m = &principal_memo[i];

		if (m->local == local && now - m->at < PRINCIPAL_MEMO_SECONDS && now >= m->at &&
		    auth_hash_equal(m->hash, hash))
			return m;
	}
	return NULL;
}

static void principal__memo_keep(const unsigned char hash[AUTH_HASH_LEN], uint64_t local,
				 const struct principal *who)
{
	struct principal_memo *m;

	if (!local)
		return;
	m = &principal_memo[principal_memo_next++ % PRINCIPAL_MEMO];
	memcpy(m->hash, hash, AUTH_HASH_LEN);
	m->who = *who;
	m->local = local;
	m->at = time(NULL);
}

bool principal_known(const char *key)
{
	unsigned char presented[AUTH_HASH_LEN];
	bool known;

	auth_key_hash(key, presented);
	known = principal__memo_find(presented) != NULL;
	explicit_bzero(presented, sizeof(presented));
	return known;
}

enum herr principal_from_key(struct db *db, struct cache *cache, unsigned ttl, const char *key,
			     struct principal *out)
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	char ckey[PRINCIPAL_CACHE_KEY_MAX];
	unsigned char presented[AUTH_HASH_LEN];
	struct api_key_row row;
	enum herr e;

	struct principal_memo *m;
	/* Read before the row: a forget after this makes the entry useless. */
	uint64_t local = cache_local_version(PRINCIPAL_NS);

	memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	if (auth_key_parse(key, prefix) != 0 || principal__cache_key(prefix, ckey) != 0)
		return HERR_NOT_FOUND;
	auth_key_hash(key, presented);
	if ((m = principal__memo_find(presented))) {
		*out = m->who;
		return HERR_OK;
	}

	if (principal__recall(cache, ckey, &row) != 0) {
		e = store_api_keys_find(db, prefix, &row);
		if (e != HERR_OK)
			return e;
		if (row.revoked)
			return HERR_NOT_FOUND;
		/* Cached even when the presented key turns out wrong: the row
		 * is right, and guessing at a known prefix should not cost a
		 * query per guess. */
		principal__remember(cache, ckey, &row, ttl);
	}

	if (!auth_hash_equal(presented, row.hash))
		return HERR_NOT_FOUND;

	out->key_id = row.id;
	out->user_id = row.user_id;
	snprintf(out->name, sizeof(out->name), "%s", row.name);
	snprintf(out->role, sizeof(out->role), "%s", row.role);
	principal__memo_keep(presented, local, out);
	return HERR_OK;
}

int principal_cache_key(const char *credential, bool session,
			char out[PRINCIPAL_CACHE_KEY_MAX])
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1];

	if (session)
		return auth_session_parse(credential, prefix) == 0 ?
			       principal__session_key(prefix, out) : -1;
	return auth_key_parse(credential, prefix) == 0 ? principal__cache_key(prefix, out) : -1;
}

void principal_forget(struct cache *cache, const char *prefix)
{
	char ckey[PRINCIPAL_CACHE_KEY_MAX];

	if (principal__cache_key(prefix, ckey) == 0)
		cache_delete(cache, ckey);
	cache_bump(cache, PRINCIPAL_NS);
}

/* ------------------------------------------------------------- sessions */

/* The last use is written back when older than this (or a quarter of the
 * idle timeout, when that is shorter). */
#define PRINCIPAL_TOUCH_SECONDS 60

static int principal__session_key(const char *prefix, char out[PRINCIPAL_CACHE_KEY_MAX])
{
	if (!prefix || strlen(prefix) != AUTH_KEY_PREFIX_LEN ||
	    strspn(prefix, "0123456789abcdef") != AUTH_KEY_PREFIX_LEN)
		return -1;
	snprintf(out, PRINCIPAL_CACHE_KEY_MAX, "session:%s", prefix);
	return 0;
}

static int principal__session_recall(struct cache *cache, const char *ckey,
				     struct session_row *row)
{
	const char *name, *role, *hash;
	json_int_t id, user_id, last_seen, expires;
	json_error_t jerr;
	json_t *root = NULL;
	size_t len = 0;
	char *text;
	int rv = -1;

	text = cache_get(cache, ckey, &len);
	if (!text)
		return -1;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || json_unpack_ex(root, &jerr, JSON_STRICT, "{s:I, s:I, s:s, s:s, s:s, s:I, s:I}",
				    "id", &id, "user_id", &user_id, "name", &name, "role", &role,
				    "hash", &hash, "last_seen", &last_seen, "expires",
				    &expires) != 0)
		goto out;
	if (id <= 0 || user_id <= 0 || strlen(name) >= sizeof(row->username) ||
	    strlen(role) >= sizeof(row->role) ||
	    principal__unhex(hash, row->hash, AUTH_HASH_LEN) != 0)
		goto out;
	row->id = (int64_t)id;
	row->user_id = (int64_t)user_id;
	memcpy(row->username, name, strlen(name) + 1);
	memcpy(row->role, role, strlen(role) + 1);
	row->disabled = false;
	row->last_seen = (int64_t)last_seen;
	row->expires = (int64_t)expires;
	rv = 0;
out:
	if (rv != 0)
		LOG(LOG_DEBUG, "principal: ignoring a malformed cache entry %s", ckey);
	json_decref(root);
	free(text);
	return rv;
}

/* replace: after a touch the entry is rewritten (cache_set); a fill from
 * the database only adds (cache_add), so it cannot undo a forget. */
static void principal__session_remember(struct cache *cache, const char *ckey,
					const struct session_row *row, unsigned ttl,
					bool replace)
{
	char hex[2 * AUTH_HASH_LEN + 1];
	json_t *root;
	char *text;

	if (!cache || ttl == 0)
		return;
	auth_hash_hex(row->hash, hex);
	root = json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)row->id,
			 "user_id", (json_int_t)row->user_id, "name", row->username, "role",
			 row->role, "hash", hex, "last_seen", (json_int_t)row->last_seen,
			 "expires", (json_int_t)row->expires);
	if (!root)
		return;
	text = json_dumps(root, JSON_COMPACT);
	if (text && replace)
		cache_set(cache, ckey, text, strlen(text), (time_t)ttl);
	else if (text)
		cache_add(cache, ckey, text, strlen(text), (time_t)ttl);
	free(text);
	json_decref(root);
}

enum herr principal_from_session(struct db *db, struct cache *cache, unsigned ttl,
				 const char *token, unsigned idle_seconds,
				 struct principal *out)
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	char ckey[PRINCIPAL_CACHE_KEY_MAX];
	unsigned char presented[AUTH_HASH_LEN];
	struct session_row row;
	int64_t now = (int64_t)time(NULL);
	int64_t touch_after = idle_seconds / 4 < PRINCIPAL_TOUCH_SECONDS ? idle_seconds / 4 :
									  PRINCIPAL_TOUCH_SECONDS;

	if (touch_after < 1)
		touch_after = 1;
	enum herr e;

	memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	if (auth_session_parse(token, prefix) != 0 || principal__session_key(prefix, ckey) != 0)
		return HERR_NOT_FOUND;

	if (principal__session_recall(cache, ckey, &row) != 0) {
		e = store_sessions_find(db, prefix, &row);
		if (e != HERR_OK)
			return e;
		if (row.disabled)
			return HERR_NOT_FOUND;
		principal__session_remember(cache, ckey, &row, ttl, false);
	}

	auth_key_hash(token, presented);
	if (!auth_hash_equal(presented, row.hash))
		return HERR_NOT_FOUND;
	if (now >= row.expires || now - row.last_seen > (int64_t)idle_seconds)
		return HERR_NOT_FOUND;

	if (now - row.last_seen >= touch_after) {
		e = store_sessions_touch(db, row.id);
		if (e == HERR_NOT_FOUND)
			principal_forget_session(cache, prefix);
		if (e != HERR_OK)
			return e;
		row.last_seen = now;
		principal__session_remember(cache, ckey, &row, ttl, true);
	}

	out->session_id = row.id;
	out->user_id = row.user_id;
	snprintf(out->name, sizeof(out->name), "%s", row.username);
	snprintf(out->role, sizeof(out->role), "%s", row.role);
	return HERR_OK;
}

void principal_forget_session(struct cache *cache, const char *prefix)
{
	char ckey[PRINCIPAL_CACHE_KEY_MAX];

	if (principal__session_key(prefix, ckey) == 0)
		cache_delete(cache, ckey);
	cache_bump(cache, PRINCIPAL_NS);
}

void principal_forget_all(struct cache *cache, const json_t *key_prefixes,
			  const json_t *session_prefixes)
{
	size_t i;
	json_t *v;

	json_array_foreach(key_prefixes, i, v)
		principal_forget(cache, json_string_value(v));
	json_array_foreach(session_prefixes, i, v)
		principal_forget_session(cache, json_string_value(v));
}
