/*
 * Sessions and the failed-sign-in counters.  A session row holds the
 * SHA-256 of its token, never the token.
 */
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"
#include "store/accounts.h"

/* Expired sessions dropped per sign-in: enough to keep up with any
 * household, bounded so a sign-in never waits on a long delete. */
#define SESSIONS_PURGE_BATCH 200
/* Failure counters are forgotten a day after their last failure. */
#define LOGINS_FORGET_HOURS 24

static const char sql_insert[] =
	"INSERT INTO sessions (user_id, prefix, token_hash, how, address, expires_at)"
	" VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)";
static const char sql_find[] =
	"SELECT s.id, s.user_id, s.token_hash, u.username, u.role, u.disabled,"
	" UNIX_TIMESTAMP(s.last_seen_at), UNIX_TIMESTAMP(s.expires_at)"
	" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.prefix = ?";
static const char sql_touch[] =
	"UPDATE sessions SET last_seen_at = CURRENT_TIMESTAMP(3), uses = uses + 1 WHERE id = ?";
static const char sql_prefix[] =
	"SELECT prefix FROM sessions WHERE id = ? FOR UPDATE";
static const char sql_delete[] =
	"DELETE FROM sessions WHERE id = ?";
static const char sql_user_prefixes[] =
	"SELECT prefix FROM sessions WHERE user_id = ? AND id <> ? FOR UPDATE";
static const char sql_delete_user[] =
	"DELETE FROM sessions WHERE user_id = ? AND id <> ?";
static const char sql_purge[] =
	"DELETE FROM sessions WHERE expires_at < CURRENT_TIMESTAMP(3)"
	" OR last_seen_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT ?";

static const char sql_logins_get[] =
	"SELECT failures, TIMESTAMPDIFF(SECOND, last_failure_at, CURRENT_TIMESTAMP(3))"
	" FROM login_failures WHERE kind = ? AND name = ?";
static const char sql_logins_fail[] =
	"INSERT INTO login_failures (kind, name, failures) VALUES (?, ?, 1)"
	" ON DUPLICATE KEY UPDATE failures = failures + 1,"
	" last_failure_at = CURRENT_TIMESTAMP(3)";
static const char sql_logins_forget[] =
	"DELETE FROM login_failures WHERE last_failure_at < CURRENT_TIMESTAMP(3)"
	" - INTERVAL ? HOUR LIMIT 100";
static const char sql_logins_clear[] =
	"DELETE FROM login_failures WHERE kind = ? AND name = ?";

enum herr store_sessions_create(struct db *db, int64_t user_id, const char *prefix,
				const unsigned char hash[AUTH_HASH_LEN], const char *how,
				const char *address, unsigned max_seconds, int64_t *id)
{
	enum herr rc;

	*id = 0;
	rc = db_exec(db, sql_insert, "IsBssI", user_id, prefix, hash, (size_t)AUTH_HASH_LEN, how,
		     address && strlen(address) <= 45 ? address : NULL, (int64_t)max_seconds);
	if (rc == HERR_OK)
		*id = (int64_t)db_last_id(db);
	return rc;
}

enum herr store_sessions_find(struct db *db, const char *prefix, struct session_row *out)
{
	struct db_stmt *st = NULL;
	const char *h;
	size_t len = 0;
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
	out->user_id = db_col_int64(st, 1);
	h = db_col_text(st, 2, &len);
	if (!h || len != AUTH_HASH_LEN) {
		LOG(LOG_ERR, "session %lld: stored hash has %zu bytes", (long long)out->id, len);
		rc = HERR_INTERNAL;
		goto out;
	}
	memcpy(out->hash, h, AUTH_HASH_LEN);
	store_col_copy(st, 3, out->username, sizeof(out->username));
	store_col_copy(st, 4, out->role, sizeof(out->role));
	out->disabled = db_col_int64(st, 5) != 0;
	out->last_seen = db_col_int64(st, 6);
	out->expires = db_col_int64(st, 7);
out:
	db_done(st);
	return rc;
}

enum herr store_sessions_touch(struct db *db, int64_t id)
{
	enum herr rc = db_exec(db, sql_touch, "I", id);

	/* uses always changes, so no row changed means no row: the session
	 * ended since it was read (a logout racing this request). */
	return rc == HERR_OK && db_changes(db) == 0 ? HERR_NOT_FOUND : rc;
}

enum herr store_sessions_delete(struct db *db, int64_t id,
				char prefix_out[AUTH_KEY_PREFIX_LEN + 1])
{
	enum herr rc;

	prefix_out[0] = '\0';
	rc = db_row(db, sql_prefix, "I", "s", id, prefix_out, (size_t)AUTH_KEY_PREFIX_LEN + 1);
	return rc == HERR_OK ? db_exec(db, sql_delete, "I", id) : rc;
}

enum herr store_sessions_end_user(struct db *db, int64_t user_id, int64_t keep_id,
				  json_t *prefixes)
{
	struct db_stmt *st;
	enum herr rc;

	if ((rc = db_query(db, &st, sql_user_prefixes, "II", user_id, keep_id)) != HERR_OK ||
	    (rc = store_rows_take_strings(st, prefixes)) != HERR_OK)
		return rc;
	return db_exec(db, sql_delete_user, "II", user_id, keep_id);
}

enum herr store_sessions_purge(struct db *db, unsigned idle_seconds)
{
	return db_exec(db, sql_purge, "Ii", (int64_t)idle_seconds, SESSIONS_PURGE_BATCH);
}

enum herr store_logins_get(struct db *db, const char *kind, const char *name,
			   int64_t *failures, int64_t *seconds_since)
{
	enum herr rc;

	*failures = *seconds_since = 0;
	rc = db_row(db, sql_logins_get, "ss", "II", kind, name, failures, seconds_since);
	/* No row: no failures yet. */
	return rc == HERR_NOT_FOUND ? HERR_OK : rc;
}

enum herr store_logins_fail(struct db *db, const char *kind, const char *name)
{
	enum herr rc = db_exec(db, sql_logins_fail, "ss", kind, name);

	return rc == HERR_OK ? db_exec(db, sql_logins_forget, "i", LOGINS_FORGET_HOURS) : rc;
}

enum herr store_logins_clear(struct db *db, const char *kind, const char *name)
{
	return db_exec(db, sql_logins_clear, "ss", kind, name);
}
