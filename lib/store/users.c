/*
 * Users: the people who sign in.  The JSON shape leaves the password hash
 * out; struct user_row carries it for the one caller that verifies it.
 */
#include <string.h>

#include "db.h"
#include "log.h"
#include "rows.h"
#include "store.h"
#include "store/accounts.h"

#define ISO(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define USER_COLUMNS \
	"id, username, display_name, role, disabled, " ISO("created_at") ", " \
	ISO("updated_at") ", " ISO("last_login_at")
#define ROW_COLUMNS "id, username, display_name, role, password_hash, disabled"

static const char sql_insert[] =
	"INSERT INTO users (username, display_name, role, password_hash) VALUES (?, ?, ?, ?)";
static const char sql_get[] =
	"SELECT " USER_COLUMNS " FROM users WHERE id = ?";
static const char sql_get_lock[] =
	"SELECT " USER_COLUMNS " FROM users WHERE id = ? FOR UPDATE";
static const char sql_list[] =
	"SELECT " USER_COLUMNS " FROM users WHERE id > ? ORDER BY id LIMIT ? OFFSET ?";
static const char sql_row[] =
	"SELECT " ROW_COLUMNS " FROM users WHERE id = ?";
static const char sql_row_lock[] =
	"SELECT " ROW_COLUMNS " FROM users WHERE id = ? FOR UPDATE";
static const char sql_find[] =
	"SELECT " ROW_COLUMNS " FROM users WHERE username = ?";
static const char sql_update[] =
	"UPDATE users SET display_name = COALESCE(?, display_name), role = COALESCE(?, role),"
	" disabled = IF(? < 0, disabled, ?),"
	" password_hash = COALESCE(?, password_hash),"
	" password_changed_at = IF(? IS NULL, password_changed_at, CURRENT_TIMESTAMP(3))"
	" WHERE id = ?";
static const char sql_delete[] =
	"DELETE FROM users WHERE id = ?";
static const char sql_count_enabled[] =
	"SELECT COUNT(*) FROM users WHERE role = ? AND NOT disabled FOR UPDATE";
static const char sql_count[] =
	"SELECT COUNT(*) FROM users";
static const char sql_logged_in[] =
	"UPDATE users SET last_login_at = CURRENT_TIMESTAMP(3) WHERE id = ?";

static json_t *users__json(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:s, s:s, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "username", db_col_text(st, 1, NULL),
			 "display_name", db_col_text(st, 2, NULL),
			 "role", db_col_text(st, 3, NULL),
			 "disabled", db_col_int64(st, 4) != 0,
			 "created_at", db_col_text(st, 5, NULL),
			 "updated_at", db_col_text(st, 6, NULL),
			 "last_login_at", db_col_text(st, 7, NULL));
}

enum herr store_users_create(struct db *db, const char *username, const char *display_name,
			     const char *role, const char *password_hash, json_t **out)
{
	struct db_stmt *st = NULL;
	int64_t id = 0;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		goto out;
	db_bind_text(st, 0, username);
	db_bind_text(st, 1, display_name ? display_name : "");
	db_bind_text(st, 2, role);
	db_bind_text(st, 3, password_hash);
	if ((rc = db_execute(st)) != HERR_OK)
		goto out;
	id = (int64_t)db_insert_id(st);
out:
	db_done(st);
	return rc == HERR_OK ? store_users_get(db, id, false, out) : rc;
}

enum herr store_users_get(struct db *db, int64_t id, bool lock, json_t **out)
{
	return store_rows_get(db, lock ? sql_get_lock : sql_get, id, users__json, out);
}

enum herr store_users_list(struct db *db, const struct page *pg, json_t *items,
			   bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, pg->offset >= 0 ? 0 : pg->after_id);
	db_bind_int64(st, 1, (int64_t)pg->limit + 1);
	db_bind_int64(st, 2, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, users__json, items, has_more);
	db_done(st);
	return rc;
}

/* Execute st (bound) and copy its one row into out. */
static enum herr users__fetch_row(struct db_stmt *st, struct user_row *out)
{
	enum herr rc;
	int r;

	memset(out, 0, sizeof(*out));
	if ((rc = db_execute(st)) != HERR_OK)
		return rc;
	if ((r = db_fetch(st)) != 1)
		return r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
	out->id = db_col_int64(st, 0);
	store_col_copy(st, 1, out->username, sizeof(out->username));
	store_col_copy(st, 2, out->display_name, sizeof(out->display_name));
	store_col_copy(st, 3, out->role, sizeof(out->role));
	store_col_copy(st, 4, out->password_hash, sizeof(out->password_hash));
	out->disabled = db_col_int64(st, 5) != 0;
	return HERR_OK;
}

enum herr store_users_row(struct db *db, int64_t id, bool lock, struct user_row *out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(db, lock ? sql_row_lock : sql_row, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	rc = users__fetch_row(st, out);
	db_done(st);
	return rc;
}

enum herr store_users_find(struct db *db, const char *username, struct user_row *out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(db, sql_find, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, username);
	rc = users__fetch_row(st, out);
	db_done(st);
	return rc;
}

enum herr store_users_update(struct db *db, int64_t id, const char *display_name,
			     const char *role, int disabled, const char *password_hash)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_update, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, display_name);
	db_bind_text(st, 1, role);
	db_bind_int64(st, 2, disabled);
	db_bind_int64(st, 3, disabled > 0);
	db_bind_text(st, 4, password_hash);
	db_bind_text(st, 5, password_hash);
	db_bind_int64(st, 6, id);
	rc = db_execute(st);
	db_done(st);
	return rc;
}

enum herr store_users_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_users_count_enabled(struct db *db, const char *role, int64_t *count)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*count = 0;
	if ((rc = db_prepare(db, sql_count_enabled, &st)) != HERR_OK)
		return rc;
	db_bind_text(st, 0, role);
	rc = store_rows_int(st, count);
	db_done(st);
	return rc;
}

enum herr store_users_count(struct db *db, int64_t *count)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*count = 0;
	if ((rc = db_prepare(db, sql_count, &st)) != HERR_OK)
		return rc;
	rc = store_rows_int(st, count);
	db_done(st);
	return rc;
}

enum herr store_users_logged_in(struct db *db, int64_t id)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_logged_in, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	rc = db_execute(st);
	db_done(st);
	return rc;
}

static const char sql_key_prefixes[] =
	"SELECT prefix FROM api_keys WHERE user_id = ? AND revoked_at IS NULL";
static const char sql_session_prefixes[] =
	"SELECT prefix FROM sessions WHERE user_id = ?";

static enum herr users__prefixes(struct db *db, const char *sql, int64_t id, json_t *out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	rc = store_rows_strings(st, out);
	db_done(st);
	return rc;
}

enum herr store_users_prefixes(struct db *db, int64_t id, json_t *keys, json_t *sessions)
{
	enum herr rc = users__prefixes(db, sql_key_prefixes, id, keys);

	return rc == HERR_OK ? users__prefixes(db, sql_session_prefixes, id, sessions) : rc;
}
