/*
 * API keys.  Rows hold the SHA-256 of a key, never the key; the JSON shape
 * leaves out even the hash.
 */
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"
#include "store/accounts.h"
#include "store/key_bindings.h"

/* With the sensors a bound key may report for (store/key_bindings.h), all
 * of them and the cameras among them, as "3,7" lists. */
#define KEY_COLUMNS \
	"k.id, k.name, k.role, k.prefix, k.user_id," \
	" DATE_FORMAT(k.created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(k.revoked_at, '%Y-%m-%dT%H:%i:%sZ'), k.bound," \
	" (SELECT GROUP_CONCAT(b.sensor_id ORDER BY b.sensor_id) FROM api_key_sensors b" \
	"  WHERE b.key_id = k.id)," \
	" (SELECT GROUP_CONCAT(b.sensor_id ORDER BY b.sensor_id) FROM api_key_sensors b" \
	"  JOIN sensors s ON s.id = b.sensor_id WHERE b.key_id = k.id AND s.sensor_type = 'camera')"

static const char sql_insert[] =
	"INSERT INTO api_keys (name, role, prefix, key_hash) VALUES (?, ?, ?, ?)";
static const char sql_get[] =
	"SELECT " KEY_COLUMNS " FROM api_keys k WHERE k.id = ?";
/* A person's key acts with the person's role of the moment, and dies with
 * the person (a deleted user leaves user_id pointing nowhere). */
static const char sql_find[] =
	"SELECT k.id, k.name, COALESCE(u.role, k.role), k.prefix, k.key_hash,"
	" k.revoked_at IS NOT NULL OR (k.user_id IS NOT NULL AND (u.id IS NULL OR u.disabled)),"
	" k.user_id"
	" FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.prefix = ?";
static const char sql_insert_user[] =
	"INSERT INTO api_keys (name, role, prefix, key_hash, user_id) VALUES (?, ?, ?, ?, ?)";
static const char sql_user_prefixes[] =
	"SELECT prefix FROM api_keys WHERE user_id = ? AND revoked_at IS NULL FOR UPDATE";
static const char sql_revoke_user[] =
	"UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP(3)"
	" WHERE user_id = ? AND revoked_at IS NULL";
static const char sql_list[] =
	"SELECT " KEY_COLUMNS " FROM api_keys k"
	" WHERE k.id > ? AND (? OR k.revoked_at IS NULL)"
	" ORDER BY k.id LIMIT ? OFFSET ?";
static const char sql_revoke[] =
	"UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL";
static const char sql_prefix[] =
	"SELECT prefix FROM api_keys WHERE id = ?";
/* FOR UPDATE: inside a transaction this locks the role's active keys, so two
 * concurrent "revoke" requests cannot each see the other's key as the last
 * admin key left.  A person's keys are not counted: they go with the
 * person, whose own protection is the last enabled admin user. */
static const char sql_count_role[] =
	"SELECT COUNT(*) FROM api_keys"
	" WHERE role = ? AND revoked_at IS NULL AND user_id IS NULL FOR UPDATE";

static json_t *keys__row(struct db_stmt *st)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?}",
			      "id", (json_int_t)db_col_int64(st, 0),
			      "name", db_col_text(st, 1, NULL),
			      "role", db_col_text(st, 2, NULL),
			      "prefix", db_col_text(st, 3, NULL),
			      "created_at", db_col_text(st, 5, NULL),
			      "revoked_at", db_col_text(st, 6, NULL));

	if (o && (json_object_set_new(o, "user_id", db_col_is_null(st, 4) ? json_null() :
				      json_integer(db_col_int64(st, 4))) != 0 ||
		  json_object_set_new(o, "bound", json_boolean(db_col_int64(st, 7) != 0)) != 0 ||
		  json_object_set_new(o, "sensor_ids",
				      store_key_bindings_ids_json(db_col_text(st, 8, NULL))) != 0 ||
		  json_object_set_new(o, "camera_ids",
				      store_key_bindings_ids_json(db_col_text(st, 9, NULL))) != 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Copy at most dstsz - 1 bytes, cutting only between UTF-8 characters. */
static void keys__copy(char *dst, size_t dstsz, const char *src, size_t len)
{
	if (len >= dstsz) {
		len = dstsz - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static enum herr keys__get(struct db *db, int64_t id, json_t **out)
{
	return store_rows_get(db, sql_get, id, keys__row, out);
}

enum herr store_api_keys_get(struct db *db, int64_t id, json_t **out)
{
	*out = NULL;
	return keys__get(db, id, out);
}

enum herr store_api_keys_create(struct db *db, const char *name, const char *role,
				const char *prefix, const unsigned char *hash, json_t **out)
{
	enum herr rc = db_exec(db, sql_insert, "sssB", name, role, prefix, hash,
			       (size_t)AUTH_HASH_LEN);

	*out = NULL;
	return rc == HERR_OK ? keys__get(db, (int64_t)db_last_id(db), out) : rc;
}

enum herr store_api_keys_find(struct db *db, const char *prefix, struct api_key_row *out)
{
	struct db_stmt *st = NULL;
	const char *s;
	size_t len;
	enum herr rc;
	int r;

	memset(out, 0, sizeof(*out));
	if ((rc = db_query(db, &st, sql_find, "s", prefix)) != HERR_OK)
		return rc;
	if ((r = db_fetch(st)) != 1) {
		rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	out->id = db_col_int64(st, 0);
	s = db_col_text(st, 1, &len);
	keys__copy(out->name, sizeof(out->name), s ? s : "", len);
	s = db_col_text(st, 2, &len);
	keys__copy(out->role, sizeof(out->role), s ? s : "", len);
	s = db_col_text(st, 3, &len);
	keys__copy(out->prefix, sizeof(out->prefix), s ? s : "", len);
	s = db_col_text(st, 4, &len);
	if (!s || len != AUTH_HASH_LEN) {
		LOG(LOG_ERR, "api key %lld: stored hash has %zu bytes", (long long)out->id, len);
		rc = HERR_INTERNAL;
		goto out;
	}
	memcpy(out->hash, s, AUTH_HASH_LEN);
	out->revoked = db_col_int64(st, 5) != 0;
	out->user_id = db_col_int64(st, 6);
out:
	db_done(st);
	return rc;
}

enum herr store_api_keys_list(struct db *db, bool include_revoked, const struct page *pg,
			      json_t *items, bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "IbII", pg->offset >= 0 ? 0 : pg->after_id,
		      include_revoked, (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, keys__row, items, has_more);
}

enum herr store_api_keys_revoke(struct db *db, int64_t id,
				char prefix_out[AUTH_KEY_PREFIX_LEN + 1])
{
	struct db_stmt *st;
	const char *s;
	size_t len;
	enum herr rc;

	prefix_out[0] = '\0';
	if ((rc = db_exec(db, sql_revoke, "I", id)) != HERR_OK)
		return rc;
	if (db_changes(db) == 0)
		return HERR_NOT_FOUND;
	if ((rc = db_query(db, &st, sql_prefix, "I", id)) != HERR_OK)
		return rc;
	if (db_fetch(st) != 1 || !(s = db_col_text(st, 0, &len)))
		rc = HERR_INTERNAL;
	else
		keys__copy(prefix_out, AUTH_KEY_PREFIX_LEN + 1, s, len);
	db_done(st);
	return rc;
}

enum herr store_api_keys_count_role(struct db *db, const char *role, int64_t *count)
{
	*count = 0;
	return db_row(db, sql_count_role, "s", "I", role, count);
}

enum herr store_api_keys_create_for_user(struct db *db, const char *name, int64_t user_id,
					 const char *role, const char *prefix,
					 const unsigned char *hash, json_t **out)
{
	enum herr rc = db_exec(db, sql_insert_user, "sssBI", name, role, prefix, hash,
			       (size_t)AUTH_HASH_LEN, user_id);

	*out = NULL;
	return rc == HERR_OK ? keys__get(db, (int64_t)db_last_id(db), out) : rc;
}

enum herr store_api_keys_revoke_user(struct db *db, int64_t user_id, json_t *prefixes)
{
	struct db_stmt *st;
	enum herr rc;

	if ((rc = db_query(db, &st, sql_user_prefixes, "I", user_id)) != HERR_OK ||
	    (rc = store_rows_take_strings(st, prefixes)) != HERR_OK)
		return rc;
	return db_exec(db, sql_revoke_user, "I", user_id);
}
