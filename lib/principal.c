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

#include <jansson.h>

#include "cache.h"
#include "log.h"
#include "store/store.h"

#define PRINCIPAL_CACHE_KEY_MAX 32

static int principal__cache_key(const char *prefix, char out[PRINCIPAL_CACHE_KEY_MAX])
{
	if (!prefix || strlen(prefix) != AUTH_KEY_PREFIX_LEN ||
	    strspn(prefix, "0123456789abcdef") != AUTH_KEY_PREFIX_LEN)
		return -1;
	snprintf(out, PRINCIPAL_CACHE_KEY_MAX, "apikey:%s", prefix);
	return 0;
}

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
	json_int_t id;
	json_error_t jerr;
	json_t *root = NULL;
	size_t len = 0;
	char *text;
	int rv = -1;

	text = cache_get(cache, ckey, &len);
	if (!text)
		return -1;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || json_unpack_ex(root, &jerr, JSON_STRICT, "{s:I, s:s, s:s, s:s}", "id", &id,
				    "name", &name, "role", &role, "hash", &hash) != 0)
		goto out;
	if (id <= 0 || strlen(name) >= sizeof(row->name) || strlen(role) >= sizeof(row->role) ||
	    principal__unhex(hash, row->hash, AUTH_HASH_LEN) != 0)
		goto out;
	row->id = (int64_t)id;
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
	root = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)row->id, "name", row->name,
			 "role", row->role, "hash", hex);
	if (!root)
		return;
	text = json_dumps(root, JSON_COMPACT);
	if (text)
		cache_add(cache, ckey, text, strlen(text), (time_t)ttl);
	free(text);
	json_decref(root);
}

enum herr principal_from_key(struct db *db, struct cache *cache, unsigned ttl, const char *key,
			     struct principal *out)
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	char ckey[PRINCIPAL_CACHE_KEY_MAX];
	unsigned char presented[AUTH_HASH_LEN];
	struct api_key_row row;
	enum herr e;

	memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	if (auth_key_parse(key, prefix) != 0 || principal__cache_key(prefix, ckey) != 0)
		return HERR_NOT_FOUND;

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

	auth_key_hash(key, presented);
	if (!auth_hash_equal(presented, row.hash))
		return HERR_NOT_FOUND;

	out->key_id = row.id;
	snprintf(out->name, sizeof(out->name), "%s", row.name);
	snprintf(out->role, sizeof(out->role), "%s", row.role);
	return HERR_OK;
}

void principal_forget(struct cache *cache, const char *prefix)
{
	char ckey[PRINCIPAL_CACHE_KEY_MAX];

	if (principal__cache_key(prefix, ckey) == 0)
		cache_delete(cache, ckey);
}
