/*
 * The audit log.  Written by the caller inside the transaction of the
 * change it records, so a change and its audit row commit or vanish
 * together.
 */
#include "db.h"
#include "validate.h"
#include "store.h"

/* Column widths, in characters, from sql/001_initial.sql. */
#define AUDIT_ACTOR_MAX 320
#define AUDIT_METHOD_MAX 16
#define AUDIT_PATH_MAX 1024
#define AUDIT_OBJECT_MAX 64

static const char sql_insert[] =
	"INSERT INTO audit_log (key_id, actor, method, path, object_id, status)"
	" VALUES (?, ?, ?, ?, ?, ?)";

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

enum herr store_audit_write(struct db *db, const struct audit_entry *e)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql_insert, &st)) != HERR_OK)
		goto out;
	if (e->key_id > 0)
		db_bind_int64(st, 0, e->key_id);
	else
		db_bind_null(st, 0);
	audit__bind(st, 1, e->actor ? e->actor : "", AUDIT_ACTOR_MAX);
	audit__bind(st, 2, e->method ? e->method : "", AUDIT_METHOD_MAX);
	audit__bind(st, 3, e->path ? e->path : "", AUDIT_PATH_MAX);
	audit__bind(st, 4, e->object_id, AUDIT_OBJECT_MAX);
	db_bind_int64(st, 5, e->status);
	rc = db_execute(st);
out:
	db_done(st);
	return rc;
}
