#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "store/store.h"
#include "validate.h"

enum herr store_rows_page(struct db_stmt *st, unsigned limit, store_row_fn row,
			  json_t *items, bool *has_more)
{
	unsigned n = 0;
	enum herr rc;
	int r;

	*has_more = false;
	if ((rc = db_execute(st)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		json_t *obj;

		if (n == limit) {
			*has_more = true;
			return HERR_OK;
		}
		if (!(obj = row(st)))
			return HERR_INTERNAL;
		if (json_array_append_new(items, obj))
			return HERR_NOMEM;
		n++;
	}
	return r < 0 ? HERR_INTERNAL : HERR_OK;
}

enum herr store_rows_one(struct db_stmt *st, store_row_fn row, json_t **out)
{
	enum herr rc;
	int r;

	*out = NULL;
	if ((rc = db_execute(st)) != HERR_OK)
		return rc;
	if ((r = db_fetch(st)) != 1)
		return r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
	*out = row(st);
	return *out ? HERR_OK : HERR_INTERNAL;
}

enum herr store_rows_get(struct db *db, const char *sql, int64_t id, store_row_fn row,
			 json_t **out)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	rc = store_rows_one(st, row, out);
	db_done(st);
	return rc;
}

enum herr store_rows_int(struct db_stmt *st, int64_t *out)
{
	enum herr rc;

	*out = 0;
	if ((rc = db_execute(st)) != HERR_OK)
		return rc;
	if (db_fetch(st) != 1)
		return HERR_INTERNAL;
	*out = db_col_int64(st, 0);
	return HERR_OK;
}

enum herr store_rows_delete(struct db *db, const char *sql, int64_t id)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	if ((rc = db_prepare(db, sql, &st)) != HERR_OK)
		return rc;
	db_bind_int64(st, 0, id);
	if ((rc = db_execute(st)) == HERR_OK && db_affected_rows(st) == 0)
		rc = HERR_NOT_FOUND;
	db_done(st);
	return rc;
}

void store_col_copy(struct db_stmt *st, unsigned idx, char *dst, size_t size)
{
	const char *s = db_col_text(st, idx, NULL);

	if ((size_t)snprintf(dst, size, "%s", s ? s : "") >= size)
		utf8_trim_cut(dst);
}

enum herr store_rows_strings(struct db_stmt *st, json_t *out)
{
	enum herr rc;
	int r;

	if ((rc = db_execute(st)) != HERR_OK)
		return rc;
	while ((r = db_fetch(st)) == 1) {
		const char *v = db_col_text(st, 0, NULL);

		if (v && json_array_append_new(out, json_string(v)) != 0)
			return HERR_NOMEM;
	}
	return r < 0 ? HERR_INTERNAL : HERR_OK;
}

void store_bind_id(struct db_stmt *st, unsigned idx, int64_t v)
{
	if (v > 0)
		db_bind_int64(st, idx, v);
	else
		db_bind_null(st, idx);
}

enum herr store_rows_take_page(struct db_stmt *st, unsigned limit, store_row_fn row,
			       json_t *items, bool *has_more)
{
	enum herr rc = HERR_OK;
	unsigned n = 0;
	int r;

	*has_more = false;
	while ((r = db_fetch(st)) == 1) {
		json_t *obj;

		if (n == limit) {
			*has_more = true;
			goto out;
		}
		if (!(obj = row(st))) {
			rc = HERR_INTERNAL;
			goto out;
		}
		if (json_array_append_new(items, obj)) {
			rc = HERR_NOMEM;
			goto out;
		}
		n++;
	}
	if (r < 0)
		rc = HERR_INTERNAL;
out:
	db_done(st);
	return rc;
}

enum herr store_rows_take_one(struct db_stmt *st, store_row_fn row, json_t **out)
{
	enum herr rc = HERR_OK;
	int r;

	*out = NULL;
	if ((r = db_fetch(st)) != 1)
		rc = r == 0 ? HERR_NOT_FOUND : HERR_INTERNAL;
	else if (!(*out = row(st)))
		rc = HERR_INTERNAL;
	db_done(st);
	return rc;
}

enum herr store_rows_take_strings(struct db_stmt *st, json_t *out)
{
	enum herr rc = HERR_OK;
	int r;

	while ((r = db_fetch(st)) == 1) {
		const char *v = db_col_text(st, 0, NULL);

		if (v && json_array_append_new(out, json_string(v)) != 0) {
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

int store_grow(void *arr_ptr, size_t *room, size_t n, size_t size, size_t first)
{
	size_t more = *room ? 2 * *room : first;
	void *arr;
	char *grown;

	if (n < *room)
		return 0;
	if (more <= n || more > SIZE_MAX / size)
		return -1;
	memcpy(&arr, arr_ptr, sizeof(arr));
	if (!(grown = realloc(arr, more * size)))
		return -1;
	memset(grown + *room * size, 0, (more - *room) * size);
	memcpy(arr_ptr, &grown, sizeof(grown));
	*room = more;
	return 0;
}

enum herr store_rows_list(struct db *db, const char *sql, const struct page *pg,
			  store_row_fn row, json_t *items, bool *has_more)
{
	struct db_stmt *st = NULL;
	enum herr rc;

	*has_more = false;
	rc = db_query(db, &st, sql, "III", pg->offset >= 0 ? (int64_t)0 : pg->after_id,
		      (int64_t)pg->limit + 1, pg->offset >= 0 ? pg->offset : (int64_t)0);
	if (rc != HERR_OK)
		return rc;
	return store_rows_take_page(st, pg->limit, row, items, has_more);
}
