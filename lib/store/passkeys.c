/*
 * Passkeys: webauthn_credentials and webauthn_challenges (009).  The
 * public key never leaves this file except to the verifier; listings show
 * the name, algorithm, transports and dates.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "log.h"
#include "rows.h"
#include "store/passkeys.h"

#define PASSKEY_COLUMNS \
	"id, name, alg, transports, sign_count," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(last_used_at, '%Y-%m-%dT%H:%i:%sZ')"

static const char sql_user[] =
	"SELECT username, display_name FROM users WHERE id = ? AND disabled = 0";
static const char sql_user_by_name[] =
	"SELECT id FROM users WHERE username = ? AND disabled = 0";
static const char sql_descriptors[] =
	"SELECT credential_id, transports FROM webauthn_credentials WHERE user_id = ? ORDER BY id";
static const char sql_list[] =
	"SELECT " PASSKEY_COLUMNS " FROM webauthn_credentials"
	" WHERE user_id = ? AND id > ? ORDER BY id LIMIT ? OFFSET ?";
static const char sql_get[] =
	"SELECT " PASSKEY_COLUMNS " FROM webauthn_credentials WHERE id = ?";
static const char sql_insert[] =
	"INSERT INTO webauthn_credentials"
	" (user_id, credential_id, public_key, alg, sign_count, name, transports)"
	" VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_find[] =
	"SELECT c.id, c.user_id, c.alg, c.public_key, c.sign_count"
	" FROM webauthn_credentials c JOIN users u ON u.id = c.user_id"
	" WHERE c.credential_id = ? AND u.disabled = 0";
static const char sql_used[] =
	"UPDATE webauthn_credentials SET sign_count = ?, last_used_at = CURRENT_TIMESTAMP(3)"
	" WHERE id = ? AND sign_count = ?";
static const char sql_delete[] =
	"DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ?";
static const char sql_challenge_purge[] =
	"DELETE FROM webauthn_challenges WHERE expires_at < CURRENT_TIMESTAMP(3) LIMIT 100";
static const char sql_challenge_add[] =
	"INSERT INTO webauthn_challenges (challenge_hash, user_id, purpose, expires_at)"
	" VALUES (?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)";
/* FOR UPDATE: a second request with the same challenge waits here, then
 * finds the row gone. */
static const char sql_challenge_find[] =
	"SELECT user_id FROM webauthn_challenges"
	" WHERE challenge_hash = ? AND purpose = ? AND expires_at >= CURRENT_TIMESTAMP(3)"
	" FOR UPDATE";
static const char sql_challenge_take[] =
	"DELETE FROM webauthn_challenges WHERE challenge_hash = ? AND purpose = ?";

static const char *passkeys__purpose(enum passkey_purpose p)
{
	return p == PASSKEY_REGISTER ? "register" : "authenticate";
}

static json_t *passkeys__transports(const char *text)
{
	json_t *t = text ? json_loads(text, 0, NULL) : NULL;

	if (!json_is_array(t)) {
		json_decref(t);
		t = json_array();
	}
	return t;
}

static json_t *passkeys__row(struct db_stmt *st)
{
	int64_t alg = db_col_int64(st, 2);

	return json_pack("{s:I, s:s, s:s, s:o, s:I, s:s, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "name", db_col_text(st, 1, NULL),
			 "alg", alg == WEBAUTHN_ALG_RS256 ? "RS256" : "ES256",
			 "transports", passkeys__transports(db_col_text(st, 3, NULL)),
			 "sign_count", (json_int_t)db_col_int64(st, 4),
			 "created_at", db_col_text(st, 5, NULL),
			 "last_used_at", db_col_text(st, 6, NULL));
}

enum herr store_passkeys_user(struct db *db, int64_t user_id,
			      char username[PASSKEY_USERNAME_MAX + 1],
			      char display_name[PASSKEY_DISPLAY_MAX + 1])
{
	username[0] = display_name[0] = '\0';
	return db_row(db, sql_user, "I", "ss", user_id, username, (size_t)PASSKEY_USERNAME_MAX + 1,
		      display_name, (size_t)PASSKEY_DISPLAY_MAX + 1);
}

enum herr store_passkeys_user_by_name(struct db *db, const char *username, int64_t *user_id)
{
	*user_id = 0;
	return db_row(db, sql_user_by_name, "s", "I", username, user_id);
}

enum herr store_passkeys_descriptors(struct db *db, int64_t user_id, json_t *descriptors)
{
	struct db_stmt *st = NULL;
	char id[(WEBAUTHN_CRED_ID_MAX + 2) / 3 * 4 + 1];
	const char *blob;
	enum herr rc;
	size_t len;
	int r;

	if ((rc = db_query(db, &st, sql_descriptors, "I", user_id)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		json_t *d;

		blob = db_col_text(st, 0, &len);
		if (!blob || len == 0 || b64url_encode((const unsigned char *)blob, len, id,
						       sizeof(id)) == 0) {
			rc = HERR_INTERNAL;
			goto out;
		}
		d = json_pack("{s:s, s:s, s:o}", "type", "public-key", "id", id, "transports",
			      passkeys__transports(db_col_text(st, 1, NULL)));
		if (json_array_append_new(descriptors, d) != 0) {
			rc = HERR_NOMEM;
			goto out;
		}
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	return rc;
}

enum herr store_passkeys_list(struct db *db, int64_t user_id, const struct page *pg,
			      json_t *items, bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "IIII", user_id, pg->offset >= 0 ? 0 : pg->after_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, passkeys__row, items, has_more);
}

enum herr store_passkeys_create(struct db *db, int64_t user_id,
				const struct webauthn_credential *cred, const char *name,
				const json_t *transports, json_t **out)
{
	char *tjson = NULL;
	enum herr rc;

	*out = NULL;
	if (transports && !(tjson = json_dumps(transports, JSON_COMPACT)))
		return HERR_NOMEM;
	rc = db_exec(db, sql_insert, "IBBiIss", user_id, cred->cred_id, cred->cred_id_len,
		     cred->public_key, cred->public_key_len, cred->alg, (int64_t)cred->sign_count,
		     name, tjson);
	free(tjson);
	return rc == HERR_OK ? store_rows_get(db, sql_get, (int64_t)db_last_id(db), passkeys__row,
					      out) : rc;
}

enum herr store_passkeys_find(struct db *db, const unsigned char *cred_id, size_t len,
			      struct passkey_row *out)
{
	struct db_stmt *st = NULL;
	const char *key;
	size_t keylen = 0;
	enum herr rc;
	int r;

	memset(out, 0, sizeof(*out));
	if ((rc = db_query(db, &st, sql_find, "B", cred_id, len)) != HERR_OK)
		return rc;
	if ((r = db_fetch(st)) != 1) {
		rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	out->id = db_col_int64(st, 0);
	out->user_id = db_col_int64(st, 1);
	out->alg = (int)db_col_int64(st, 2);
	key = db_col_text(st, 3, &keylen);
	if (!key || keylen == 0 || keylen > sizeof(out->public_key)) {
		LOG(LOG_ERR, "passkey %lld: stored public key has %zu bytes", (long long)out->id,
		    keylen);
		rc = HERR_INTERNAL;
		goto out;
	}
	memcpy(out->public_key, key, keylen);
	out->public_key_len = keylen;
	out->sign_count = (uint32_t)db_col_int64(st, 4);
out:
	db_done(st);
	return rc;
}

enum herr store_passkeys_used(struct db *db, int64_t id, uint32_t old_count,
			      uint32_t new_count)
{
	enum herr rc = db_exec(db, sql_used, "III", (int64_t)new_count, id, (int64_t)old_count);

	/* Unchanged rows count as not affected: a zero counter staying zero
	 * still moved last_used_at, so 0 means the counter was not old_count. */
	return rc == HERR_OK && db_changes(db) == 0 ? HERR_CONFLICT : rc;
}

enum herr store_passkeys_delete(struct db *db, int64_t user_id, int64_t id)
{
	enum herr rc = db_exec(db, sql_delete, "II", id, user_id);

	return rc == HERR_OK && db_changes(db) == 0 ? HERR_NOT_FOUND : rc;
}

enum herr store_passkeys_challenge_add(struct db *db, const unsigned char hash[32],
				       int64_t user_id, enum passkey_purpose purpose,
				       unsigned ttl_seconds)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_exec(db, sql_challenge_purge, "")) != HERR_OK)
		return rc;
	if ((rc = db_prepare(db, sql_challenge_add, &st)) != HERR_OK)
		goto out;
	db_bind_blob(st, 0, hash, 32);
	if (user_id > 0)
		db_bind_int64(st, 1, user_id);
	else
		db_bind_null(st, 1);
	db_bind_text(st, 2, passkeys__purpose(purpose));
	db_bind_int64(st, 3, ttl_seconds);
	rc = db_execute(st);
out:
	db_done(st);
	return rc;
}

enum herr store_passkeys_challenge_take(struct db *db, const unsigned char hash[32],
					enum passkey_purpose purpose, int64_t *user_id)
{
	const char *what = passkeys__purpose(purpose);
	enum herr rc;

	*user_id = 0;
	if ((rc = db_row(db, sql_challenge_find, "Bs", "I", hash, (size_t)32, what, user_id)) !=
	    HERR_OK)
		return rc;
	if ((rc = db_exec(db, sql_challenge_take, "Bs", hash, (size_t)32, what)) != HERR_OK)
		return rc;
	return db_changes(db) != 1 ? HERR_NOT_FOUND : HERR_OK;
}
