/*
 * Prepared statements on the connection of db.c: cached per connection by
 * the address of their SQL text, parameters bound by position, results
 * buffered client-side into column buffers sized from the result's
 * max_length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "db_private.h"
#include "log.h"

/* Column buffers larger than this are given back after each use. */
#define DB_KEEP_BUFFER (64 * 1024)

static bool db__is_integer(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return true;
	default:
		return false;
	}
}

/* Size the parameter and column arrays; counts only change with the SQL. */
static enum herr db__size(struct db_stmt *st, unsigned nparams, unsigned ncols)
{
	if (nparams != st->nparams) {
		free(st->params);
		free(st->pvals);
		st->params = calloc(nparams ? nparams : 1, sizeof(*st->params));
		st->pvals = calloc(nparams ? nparams : 1, sizeof(*st->pvals));
		st->nparams = 0;
		if (!st->params || !st->pvals)
			return HERR_NOMEM;
		st->nparams = nparams;
	}
	if (ncols != st->ncols) {
		for (unsigned i = 0; i < st->ncols; i++)
			free(st->cols[i].buf);
		free(st->cols);
		free(st->res);
		st->cols = calloc(ncols ? ncols : 1, sizeof(*st->cols));
		st->res = calloc(ncols ? ncols : 1, sizeof(*st->res));
		st->ncols = 0;
		if (!st->cols || !st->res)
			return HERR_NOMEM;
		st->ncols = ncols;
	}
	return HERR_OK;
}

static enum herr db__stmt_prepare(struct db *db, struct db_stmt *st)
{
	MYSQL_STMT *ms;
	my_bool on = 1;
	enum herr rc;

	if (!(ms = mysql_stmt_init(db->conn)))
		return HERR_NOMEM;
	if (mysql_stmt_prepare(ms, st->sql, strlen(st->sql))) {
		unsigned e = mysql_stmt_errno(ms);
		char msg[MYSQL_ERRMSG_SIZE];

		snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(ms));
		mysql_stmt_close(ms);
		return db__fail(db, e, msg, st->sql);
	}
	mysql_stmt_attr_set(ms, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	rc = db__size(st, (unsigned)mysql_stmt_param_count(ms), mysql_stmt_field_count(ms));
	if (rc != HERR_OK) {
		mysql_stmt_close(ms);
		return rc;
	}
	st->ms = ms;
	return HERR_OK;
}

enum herr db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *st;
	enum herr rc;

	*out = NULL;
	if ((rc = db_ensure(db)) != HERR_OK)
		return rc;
	for (st = db->stmts; st && st->sql != sql; st = st->next)
		;
	if (!st) {
		if (!(st = calloc(1, sizeof(*st))))
			return HERR_NOMEM;
		st->db = db;
		st->sql = sql;
		st->next = db->stmts;
		db->stmts = st;
	}
	if (st->in_use) {
		LOG(LOG_ERR, "db: statement used twice at once [%.120s]", sql);
		return HERR_INTERNAL;
	}
	if (!st->ms && (rc = db__stmt_prepare(db, st)) != HERR_OK)
		return rc;
	for (unsigned i = 0; i < st->nparams; i++)
		st->pvals[i].set = false;
	st->bind_error = false;
	st->in_use = true;
	*out = st;
	return HERR_OK;
}

static MYSQL_BIND *db__param(struct db_stmt *st, unsigned idx)
{
	MYSQL_BIND *b;

	if (idx >= st->nparams) {
		LOG(LOG_ERR, "db: parameter %u of %u [%.120s]", idx, st->nparams, st->sql);
		st->bind_error = true;
		return NULL;
	}
	b = &st->params[idx];
	memset(b, 0, sizeof(*b));
	st->pvals[idx].set = true;
	return b;
}

void db_bind_int64(struct db_stmt *st, unsigned idx, int64_t v)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (!b)
		return;
	st->pvals[idx].num = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &st->pvals[idx].num;
}

void db_bind_bool(struct db_stmt *st, unsigned idx, bool v)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (!b)
		return;
	st->pvals[idx].flag = v ? 1 : 0;
	b->buffer_type = MYSQL_TYPE_TINY;
	b->buffer = &st->pvals[idx].flag;
}

static void db__bind_bytes(struct db_stmt *st, unsigned idx, enum enum_field_types type,
			   const void *p, size_t len)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (!b)
		return;
	st->pvals[idx].len = len;
	b->buffer_type = type;
	b->buffer = (void *)p;
	b->buffer_length = len;
	b->length = &st->pvals[idx].len;
}

void db_bind_text(struct db_stmt *st, unsigned idx, const char *s)
{
	if (s)
		db__bind_bytes(st, idx, MYSQL_TYPE_STRING, s, strlen(s));
	else
		db_bind_null(st, idx);
}

void db_bind_textn(struct db_stmt *st, unsigned idx, const char *s, size_t len)
{
	db__bind_bytes(st, idx, MYSQL_TYPE_STRING, s, len);
}

void db_bind_blob(struct db_stmt *st, unsigned idx, const void *p, size_t len)
{
	db__bind_bytes(st, idx, MYSQL_TYPE_BLOB, p, len);
}

void db_bind_null(struct db_stmt *st, unsigned idx)
{
	MYSQL_BIND *b = db__param(st, idx);

	if (b)
		b->buffer_type = MYSQL_TYPE_NULL;
}

static bool db__grow(struct db_col *c, unsigned long want)
{
	char *p;

	if (c->cap >= want)
		return true;
	if (!(p = realloc(c->buf, want)))
		return false;
	c->buf = p;
	c->cap = want;
	return true;
}

/*
 * Point the result binds at our buffers: integers as 64-bit, everything
 * else as text sized from max_length (kept by STMT_ATTR_UPDATE_MAX_LENGTH),
 * with room for the terminating NUL.
 */
static enum herr db__bind_result(struct db_stmt *st)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st->ms);
	MYSQL_FIELD *f;
	enum herr rc = HERR_NOMEM;

	if (!meta)
		return db__fail(st->db, mysql_stmt_errno(st->ms), mysql_stmt_error(st->ms), st->sql);
	if (db__size(st, st->nparams, mysql_num_fields(meta)) != HERR_OK)
		goto out;
	f = mysql_fetch_fields(meta);
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];
		MYSQL_BIND *b = &st->res[i];

		memset(b, 0, sizeof(*b));
		b->is_null = &c->is_null;
		b->error = &c->error;
		b->length = &c->len;
		c->is_int = db__is_integer(f[i].type);
		c->is_unsigned = (f[i].flags & UNSIGNED_FLAG) != 0;
		if (c->is_int) {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &c->num;
			b->is_unsigned = c->is_unsigned;
		} else {
			unsigned long want = f[i].max_length + 1;

			if (!db__grow(c, want < 64 ? 64 : want))
				goto out;
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = c->buf;
			b->buffer_length = c->cap - 1;
		}
	}
	if (mysql_stmt_bind_result(st->ms, st->res)) {
		rc = db__fail(st->db, mysql_stmt_errno(st->ms), mysql_stmt_error(st->ms), st->sql);
		goto out;
	}
	rc = HERR_OK;
out:
	mysql_free_result(meta);
	return rc;
}

enum herr db_execute(struct db_stmt *st)
{
	struct db *db = st->db;
	enum herr rc;
	unsigned e;

	if (!st->ms)
		return HERR_UNAVAILABLE;  /* the connection dropped under us */
	if (st->bind_error)
		return HERR_INTERNAL;
	for (unsigned i = 0; i < st->nparams; i++) {
		if (!st->pvals[i].set) {
			LOG(LOG_ERR, "db: parameter %u not bound [%.120s]", i, st->sql);
			return HERR_INTERNAL;
		}
	}
	if (st->has_result) {
		mysql_stmt_free_result(st->ms);
		st->has_result = false;
	}
	if ((st->nparams && mysql_stmt_bind_param(st->ms, st->params)) ||
	    mysql_stmt_execute(st->ms))
		goto fail;
	if (mysql_stmt_field_count(st->ms) > 0) {
		if (mysql_stmt_store_result(st->ms))
			goto fail;
		st->has_result = true;
		if ((rc = db__bind_result(st)) != HERR_OK)
			return rc;
	}
	return HERR_OK;
fail:
	e = mysql_stmt_errno(st->ms);
	rc = db__fail(db, e, mysql_stmt_error(st->ms), st->sql);
	/* A table changed shape under this cached statement (a migration ran
	 * meanwhile): prepare it afresh on its next use. */
	if (e == CR_NEW_STMT_METADATA && st->ms) {
		mysql_stmt_close(st->ms);
		st->ms = NULL;
		st->has_result = false;
	}
	return rc;
}

int db_fetch(struct db_stmt *st)
{
	bool rebind = false;
	int r;

	if (!st->ms || !st->has_result)
		return st->ms ? 0 : -1;
	r = mysql_stmt_fetch(st->ms);
	if (r == MYSQL_NO_DATA)
		return 0;
	if (r != 0 && r != MYSQL_DATA_TRUNCATED) {
		db__fail(st->db, mysql_stmt_errno(st->ms), mysql_stmt_error(st->ms), st->sql);
		return -1;
	}
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];

		if (c->is_int || c->is_null)
			continue;
		if (c->len >= c->cap) {
			/* max_length was not known: fetch this column again, whole. */
			MYSQL_BIND b;

			if (!db__grow(c, c->len + 1)) {
				LOG(LOG_ERR, "db: out of memory for a %lu-byte column", c->len);
				return -1;
			}
			memset(&b, 0, sizeof(b));
			b.buffer_type = MYSQL_TYPE_STRING;
			b.buffer = c->buf;
			b.buffer_length = c->cap - 1;
			b.length = &c->len;
			b.is_null = &c->is_null;
			b.error = &c->error;
			if (mysql_stmt_fetch_column(st->ms, &b, i, 0)) {
				LOG(LOG_ERR, "db: refetching column %u: %s", i, mysql_stmt_error(st->ms));
				return -1;
			}
			st->res[i].buffer = c->buf;
			st->res[i].buffer_length = c->cap - 1;
			rebind = true;
		}
		c->buf[c->len] = '\0';
	}
	if (rebind && mysql_stmt_bind_result(st->ms, st->res)) {
		LOG(LOG_ERR, "db: rebinding result: %s", mysql_stmt_error(st->ms));
		return -1;
	}
	return 1;
}

bool db_col_is_null(struct db_stmt *st, unsigned idx)
{
	return idx >= st->ncols || st->cols[idx].is_null;
}

int64_t db_col_int64(struct db_stmt *st, unsigned idx)
{
	struct db_col *c;

	if (db_col_is_null(st, idx))
		return 0;
	c = &st->cols[idx];
	if (c->is_int)
		return (int64_t)c->num;
	return strtoll(c->buf, NULL, 10);
}

const char *db_col_text(struct db_stmt *st, unsigned idx, size_t *len)
{
	struct db_col *c;
	int n;

	if (len)
		*len = 0;
	if (db_col_is_null(st, idx))
		return NULL;
	c = &st->cols[idx];
	if (!c->is_int) {
		if (len)
			*len = c->len;
		return c->buf;
	}
	if (c->is_unsigned)
		n = snprintf(c->numtext, sizeof(c->numtext), "%llu", (unsigned long long)c->num);
	else
		n = snprintf(c->numtext, sizeof(c->numtext), "%lld", c->num);
	if (len)
		*len = (size_t)n;
	return c->numtext;
}

uint64_t db_affected_rows(struct db_stmt *st)
{
	return st->ms ? (uint64_t)mysql_stmt_affected_rows(st->ms) : 0;
}

uint64_t db_insert_id(struct db_stmt *st)
{
	return st->ms ? (uint64_t)mysql_stmt_insert_id(st->ms) : 0;
}

/*
 * Results are always buffered, so freeing the result is all a statement
 * needs before its next execution.  mysql_stmt_reset() would add a
 * COM_STMT_RESET round trip, which only long data and cursors (both unused
 * here) require.
 */
void db_done(struct db_stmt *st)
{
	if (!st)
		return;
	if (st->ms && st->has_result)
		mysql_stmt_free_result(st->ms);
	st->has_result = false;
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];

		if (c->cap > DB_KEEP_BUFFER) {
			free(c->buf);
			c->buf = NULL;
			c->cap = 0;
		}
	}
	st->in_use = false;
}
