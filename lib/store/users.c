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
/* db_row's output format and pointers for ROW_COLUMNS into struct user_row *o. */
#define ROW_FORMAT "Issssb"
#define ROW_FIELDS(o) \
	&(o)->id, (o)->username, sizeof((o)->username), \
	(o)->display_name, sizeof((o)->display_name), (o)->role, sizeof((o)->role), \
	(o)->password_hash, sizeof((o)->password_hash), &(o)->disabled

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
	enum herr rc = db_exec(db, sql_insert, "ssss", username, display_name ? display_name : "",
			       role, password_hash);

	*out = NULL;
	return rc == HERR_OK ? store_users_get(db, (int64_t)db_last_id(db), false, out) : rc;
}

enum herr store_users_get(struct db *db, int64_t id, bool lock, json_t **out)
{
	return store_rows_get(db, lock ? sql_get_lock : sql_get, id, users__json, out);
}

enum herr store_users_list(struct db *db, const struct page *pg, json_t *items,
			   bool *has_more)
{
	struct db_stmt *st;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql_list, "III", pg->offset >= 0 ? 0 : pg->after_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : 0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, users__json, items, has_more);
}

enum herr store_users_row(struct db *db, int64_t id, bool lock, struct user_row *out)
{
	memset(out, 0, sizeof(*out));
	return db_row(db, lock ? sql_row_lock : sql_row, "I", ROW_FORMAT, id, ROW_FIELDS(out));
}

enum herr store_users_find(struct db *db, const char *username, struct user_row *out)
{
	memset(out, 0, sizeof(*out));
	return db_row(db, sql_find, "s", ROW_FORMAT, username, ROW_FIELDS(out));
}

enum herr store_users_update(struct db *db, int64_t id, const char *display_name,
			     const char *role, int disabled, const char *password_hash)
{
	return db_exec(db, sql_update, "ssiissI", display_name, role, disabled, disabled > 0,
		       password_hash, password_hash, id);
}

enum herr store_users_delete(struct db *db, int64_t id)
{
	return store_rows_delete(db, sql_delete, id);
}

enum herr store_users_count_enabled(struct db *db, const char *role, int64_t *count)
{
	*count = 0;
	return db_row(db, sql_count_enabled, "s", "I", role, count);
}

enum herr store_users_count(struct db *db, int64_t *count)
{
	*count = 0;
	return db_row(db, sql_count, "", "I", count);
}

enum herr store_users_logged_in(struct db *db, int64_t id)
{
	return db_exec(db, sql_logged_in, "I", id);
}

static const char sql_key_prefixes[] =
	"SELECT prefix FROM api_keys WHERE user_id = ? AND revoked_at IS NULL";
static const char sql_session_prefixes[] =
	"SELECT prefix FROM sessions WHERE user_id = ?";

static enum herr users__prefixes(struct db *db, const char *sql, int64_t id, json_t *out)
{
	struct db_stmt *st;
	enum herr rc = db_query(db, &st, sql, "I", id);

	return rc == HERR_OK ? store_rows_take_strings(st, out) : rc;
}

enum herr store_users_prefixes(struct db *db, int64_t id, json_t *keys, json_t *sessions)
{
	enum herr rc = users__prefixes(db, sql_key_prefixes, id, keys);

	return rc == HERR_OK ? users__prefixes(db, sql_session_prefixes, id, sessions) : rc;
}
