/*
 * The audit log.  Written by the caller inside the transaction of the
 * change it records, so a change and its audit row commit or vanish
 * together; read back newest first by GET /api/v1/audit.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rows.h"
#include "validate.h"
#include "store.h"

/* Column widths, in characters, from sql/001_initial.sql and 008_audit.sql. */
#define AUDIT_ACTOR_MAX 320
#define AUDIT_METHOD_MAX 16
#define AUDIT_PATH_MAX 1024
#define AUDIT_OBJECT_MAX 64
#define AUDIT_ADDRESS_MAX 45

#define TIME_FMT "'%Y-%m-%dT%H:%i:%sZ'"

static const char sql_insert[] =
	"INSERT INTO audit_log (key_id, user_id, actor, method, path, object_id, status, address)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
/* Every filter is "absent or matching", so one statement serves every
 * combination; with a value bound, the optimiser picks the filter's index
 * (sql/008_audit.sql).  The path prefix is a LIKE pattern whose own
 * wildcards are escaped with '!' (audit__like_prefix). */
static const char sql_list[] =
	"SELECT id, DATE_FORMAT(at, " TIME_FMT "), actor, key_id, user_id, method, path,"
	" object_id, status, address FROM audit_log"
	" WHERE id < ?"
	" AND (? IS NULL OR actor = ?)"
	" AND (? IS NULL OR path LIKE ? ESCAPE '!')"
	" AND (? IS NULL OR at >= ?)"
	" AND (? IS NULL OR at < ?)"
	" AND (? IS NULL OR status = ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";

/* An audit row must not fail the change it records because a path is
 * long: long values are cut to the column width (utf8_prefix) instead of
 * erroring in strict mode. */
static void audit__bind(struct db_stmt *st, unsigned idx, const char *s, size_t max)
{
	if (s)
		db_bind_textn(st, idx, s, utf8_prefix(s, max));
	else
		db_bind_null(st, idx);
}

/* The column is ASCII: anything but a plausible address (hex digits,
 * '.', ':', '%' of a zone, letters of a zone name) is left out. */
static bool audit__address_ok(const char *a)
{
	size_t n;

	if (!a || !*a)
		return false;
	n = strlen(a);
	return n <= AUDIT_ADDRESS_MAX &&
	       strspn(a, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:%_-") == n;
}

enum herr store_audit_write(struct db *db, const struct audit_entry *e)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		goto out;
	store_bind_id(st, 0, e->key_id);
	store_bind_id(st, 1, e->user_id);
	audit__bind(st, 2, e->actor ? e->actor : "", AUDIT_ACTOR_MAX);
	audit__bind(st, 3, e->method ? e->method : "", AUDIT_METHOD_MAX);
	audit__bind(st, 4, e->path ? e->path : "", AUDIT_PATH_MAX);
	audit__bind(st, 5, e->object_id, AUDIT_OBJECT_MAX);
	db_bind_int64(st, 6, e->status);
	if (audit__address_ok(e->address))
		db_bind_text(st, 7, e->address);
	else
		db_bind_null(st, 7);
	rc = db_execute(st);
out:
	db_done(st);
	return rc;
}

/* An integer column, or null. */
static json_t *audit__id_or_null(struct db_stmt *st, unsigned idx)
{
	return db_col_is_null(st, idx) ? json_null() : json_integer(db_col_int64(st, idx));
}

static json_t *audit__row(struct db_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s?, s:I, s:s?}",
			 "id", (json_int_t)db_col_int64(st, 0),
			 "at", db_col_text(st, 1, NULL),
			 "actor", db_col_text(st, 2, NULL),
			 "key_id", audit__id_or_null(st, 3),
			 "user_id", audit__id_or_null(st, 4),
			 "method", db_col_text(st, 5, NULL),
			 "path", db_col_text(st, 6, NULL),
			 "object_id", db_col_text(st, 7, NULL),
			 "status", (json_int_t)db_col_int64(st, 8),
			 "address", db_col_text(st, 9, NULL));
}

/* prefix as a LIKE pattern matching what starts with it: '!', '%' and
 * '_' escaped with '!', then '%'.  A new malloc'd string, NULL on no memory. */
static char *audit__like_prefix(const char *prefix)
{
	size_t n = strlen(prefix), j = 0;
	char *out = malloc(2 * n + 2);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (prefix[i] == '!' || prefix[i] == '%' || prefix[i] == '_')
			out[j++] = '!';
		out[j++] = prefix[i];
	}
	out[j++] = '%';
	out[j] = '\0';
	return out;
}

enum herr store_audit_list(struct db *db, const struct audit_filter *f, const struct page *pg,
			   json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	char *like = NULL;
	enum herr rc;

	*has_more = false;
	if (f->path_prefix && !(like = audit__like_prefix(f->path_prefix)))
		return HERR_NOMEM;
	if ((rc = db_prepare(db, sql_list, &st)) != HERR_OK)
		goto out;
	db_bind_int64(st, 0, pg->after_id);
	db_bind_text(st, 1, f->actor);
	db_bind_text(st, 2, f->actor);
	db_bind_text(st, 3, like);
	db_bind_text(st, 4, like);
	db_bind_text(st, 5, f->since);
	db_bind_text(st, 6, f->since);
	db_bind_text(st, 7, f->until);
	db_bind_text(st, 8, f->until);
	store_bind_id(st, 9, f->status);
	store_bind_id(st, 10, f->status);
	db_bind_int64(st, 11, (int64_t)pg->limit + 1);
	db_bind_int64(st, 12, pg->offset >= 0 ? pg->offset : 0);
	rc = store_rows_page(st, pg->limit, audit__row, items, has_more);
out:
	db_done(st);
	free(like);
	return rc;
}
