/*
 * Statements in one call: prepare, bind from a format string, execute and
 * (for db_exec and db_row) finish.  The format has one letter a parameter,
 * in statement order:
 *
 *   I  int64_t          i  int            b  bool (passed as int)
 *   J  int64_t, an optional id: above 0 binds it, anything else SQL NULL
 *   s  const char *, NULL binds SQL NULL
 *   S  const char *, size_t: text of that length
 *   B  const void *, size_t: a blob
 *   n  SQL NULL, no argument
 *
 * db_row's output format, one letter a column, each a pointer:
 *
 *   I  int64_t *        i  int *          b  bool *  (SQL NULL reads as 0)
 *   s  char *, size_t: copied, "" for NULL, cut between characters
 *   m  char **: a malloc'd copy the caller frees, NULL for SQL NULL
 *   -  skip the column, no argument
 *
 * A letter that is not one of these is a programming error: logged and
 * HERR_INTERNAL, nothing executed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_private.h"
#include "log.h"
#include "validate.h"

static enum herr db__vbind(struct db_stmt *st, const char *sql, const char *fmt,
			   va_list *ap)
{
	for (unsigned i = 0; fmt && fmt[i]; i++) {
		const char *s;
		int64_t v;
		size_t n;

		switch (fmt[i]) {
		case 'I':
			db_bind_int64(st, i, va_arg(*ap, int64_t));
			break;
		case 'i':
			db_bind_int64(st, i, va_arg(*ap, int));
			break;
		case 'J':
			v = va_arg(*ap, int64_t);
			if (v > 0)
				db_bind_int64(st, i, v);
			else
				db_bind_null(st, i);
			break;
		case 'b':
			db_bind_bool(st, i, va_arg(*ap, int) != 0);
			break;
		case 's':
			db_bind_text(st, i, va_arg(*ap, const char *));
			break;
		case 'S':
			s = va_arg(*ap, const char *);
			n = va_arg(*ap, size_t);
			db_bind_textn(st, i, s, n);
			break;
		case 'B':
			s = va_arg(*ap, const void *);
			n = va_arg(*ap, size_t);
			db_bind_blob(st, i, s, n);
			break;
		case 'n':
			db_bind_null(st, i);
			break;
		default:
			LOG(LOG_ERR, "db: parameter format '%c' unknown for: %.60s", fmt[i], sql);
			return HERR_INTERNAL;
		}
	}
	return HERR_OK;
}

/* Prepared, bound and executed; *out is NULL unless HERR_OK. */
static enum herr db__vquery(struct db *db, struct db_stmt **out, const char *sql,
			    const char *fmt, va_list *ap)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		return rc;
	if ((rc = db__vbind(st, sql, fmt, ap)) == HERR_OK)
		rc = db_execute(st);
	if (rc != HERR_OK) {
		db_done(st);
		return rc;
	}
	*out = st;
	return HERR_OK;
}

enum herr db_query(struct db *db, struct db_stmt **out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	enum herr rc;

	va_start(ap, fmt);
	rc = db__vquery(db, out, sql, fmt, &ap);
	va_end(ap);
	return rc;
}

enum herr db_exec(struct db *db, const char *sql, const char *fmt, ...)
{
	struct db_stmt *st;
	va_list ap;
	enum herr rc;

	db->last_changes = 0;
	db->last_id = 0;
	va_start(ap, fmt);
	rc = db__vquery(db, &st, sql, fmt, &ap);
	va_end(ap);
	if (rc != HERR_OK)
		return rc;
	db->last_changes = db_affected_rows(st);
	db->last_id = db_insert_id(st);
	db_done(st);
	return HERR_OK;
}

uint64_t db_changes(const struct db *db)
{
	return db->last_changes;
}

uint64_t db_last_id(const struct db *db)
{
	return db->last_id;
}

static enum herr db__vcolumns(struct db_stmt *st, const char *sql, const char *fmt,
			      va_list *ap)
{
	for (unsigned i = 0; fmt[i]; i++) {
		const char *text;
		char *dst, **dup;
		size_t size;

		switch (fmt[i]) {
		case 'I':
			*va_arg(*ap, int64_t *) = db_col_int64(st, i);
			break;
		case 'i':
			*va_arg(*ap, int *) = (int)db_col_int64(st, i);
			break;
		case 'b':
			*va_arg(*ap, bool *) = db_col_int64(st, i) != 0;
			break;
		case 's':
			dst = va_arg(*ap, char *);
			size = va_arg(*ap, size_t);
			text = db_col_text(st, i, NULL);
			if (size > 0 && (size_t)snprintf(dst, size, "%s", text ? text : "") >= size)
				utf8_trim_cut(dst);
			break;
		case 'm':
			dup = va_arg(*ap, char **);
			text = db_col_text(st, i, NULL);
			*dup = NULL;
			if (text && !(*dup = strdup(text)))
				return HERR_NOMEM;
			break;
		case '-':
			break;
		default:
			LOG(LOG_ERR, "db: column format '%c' unknown for: %.60s", fmt[i], sql);
			return HERR_INTERNAL;
		}
	}
	return HERR_OK;
}

enum herr db_row(struct db *db, const char *sql, const char *in, const char *out, ...)
{
	struct db_stmt *st;
	va_list ap;
	enum herr rc;
	int r;

	va_start(ap, out);
	rc = db__vquery(db, &st, sql, in, &ap);
	if (rc == HERR_OK) {
		if ((r = db_fetch(st)) == 1)
			rc = db__vcolumns(st, sql, out, &ap);
		else
			rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
		db_done(st);
	}
	va_end(ap);
	return rc;
}
