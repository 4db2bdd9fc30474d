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

/* Prepare sql, bind id, execute, done. */
static enum herr sessions__exec_id(struct db *db, const char *sql, int64_t id)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	rc = db_execute(st);
	db_done(st);
	return rc;
}

enum herr store_sessions_create(struct db *db, int64_t user_id, const char *prefix,
				const unsigned char hash[AUTH_HASH_LEN], const char *how,
				const char *address, unsigned max_seconds, int64_t *id)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*id = 0;
	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, user_id);
	db_bind_text(st, 1, prefix);
	db_bind_blob(st, 2, hash, AUTH_HASH_LEN);
	db_bind_text(st, 3, how);
	if (address && strlen(address) <= 45)
		db_bind_text(st, 4, address);
	else
		db_bind_null(st, 4);
	db_bind_int64(st, 5, max_seconds);
	if ((rc = db_execute(st)) == HERR_OK)
		*id = (int64_t)db_insert_id(st);
	db_done(st);
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
	if ((rc = db_prepare(db, sql_find, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, prefix);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
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
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_touch, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	/* uses always changes, so no row changed means no row: the session
	 * ended since it was read (a logout racing this request). */
	if ((rc = db_execute(st)) == HERR_OK && db_affected_rows(st) == 0)
		rc = HERR_NOT_FOUND;
	db_done(st);
	return rc;
}

enum herr store_sessions_delete(struct db *db, int64_t id,
				char prefix_out[AUTH_KEY_PREFIX_LEN + 1])
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	prefix_out[0] = '\0';
	if ((rc = db_prepare(db, sql_prefix, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	if ((r = db_fetch(st)) != 1) {
		rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		goto out;
	}
	store_col_copy(st, 0, prefix_out, AUTH_KEY_PREFIX_LEN + 1);
	db_done(st);
	st = NULL;
	rc = sessions__exec_id(db, sql_delete, id);
out:
	db_done(st);
	return rc;
}

enum herr store_sessions_end_user(struct db *db, int64_t user_id, int64_t keep_id,
				  json_t *prefixes)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_user_prefixes, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, user_id);
	db_bind_int64(st, 1, keep_id);
	if ((rc = store_rows_strings(st, prefixes)) != HERR_OK)
		goto out;
	db_done(st);
	st = NULL;
	if ((rc = db_prepare(db, sql_delete_user, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, user_id);
	db_bind_int64(st, 1, keep_id);
	rc = db_execute(st);
out:
	db_done(st);
	return rc;
}

enum herr store_sessions_purge(struct db *db, unsigned idle_seconds)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_purge, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, idle_seconds);
	db_bind_int64(st, 1, SESSIONS_PURGE_BATCH);
	rc = db_execute(st);
	db_done(st);
	return rc;
}

enum herr store_logins_get(struct db *db, const char *kind, const char *name,
			   int64_t *failures, int64_t *seconds_since)
{
	struct db_stmt *st = NULL;
	enum herr rc;
	int r;

	*failures = *seconds_since = 0;
	if ((rc = db_prepare(db, sql_logins_get, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, kind);
	db_bind_text(st, 1, name);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	if ((r = db_fetch(st)) == 1) {
		*failures = db_col_int64(st, 0);
		*seconds_since = db_col_int64(st, 1);
	} else if (r < 0) {
		rc = HERR_INTERNAL;
	}
out:
	db_done(st);
	return rc;
}

enum herr store_logins_fail(struct db *db, const char *kind, const char *name)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_logins_fail, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, kind);
	db_bind_text(st, 1, name);
	rc = db_execute(st);
	db_done(st);
	if (rc != HERR_OK)
		return rc;
	return sessions__exec_id(db, sql_logins_forget, LOGINS_FORGET_HOURS);
}

enum herr store_logins_clear(struct db *db, const char *kind, const char *name)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_logins_clear, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, kind);
	db_bind_text(st, 1, name);
	rc = db_execute(st);
	db_done(st);
	return rc;
}
