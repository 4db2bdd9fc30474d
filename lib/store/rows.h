#ifndef HEARTH_STORE_ROWS_H
#define HEARTH_STORE_ROWS_H

/*
 * Inside lib/store only: turning the rows of an executed-to-be statement
 * into JSON, shared by every resource.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"

/* The current row as a new JSON object; NULL on failure (logged). */
typedef json_t *(*store_row_fn)(struct db_stmt *st);

/*
 * Execute st (prepared and bound by the caller) and append up to limit
 * rows to items (borrowed); *has_more tells whether a further row exists,
 * which is why list statements ask for limit + 1.  The caller still calls
 * db_done(st).
 */
enum herr store_rows_page(struct db_stmt *st, unsigned limit, store_row_fn row,
			  json_t *items, bool *has_more);

/* Execute st and convert its one row into *out (a new reference);
 * HERR_NOT_FOUND when there is none. */
enum herr store_rows_one(struct db_stmt *st, store_row_fn row, json_t **out);

/* Prepare sql, a "SELECT ... WHERE id = ?", bind id and convert its one
 * row into *out like store_rows_one: HERR_NOT_FOUND when there is none. */
enum herr store_rows_get(struct db *db, const char *sql, int64_t id, store_row_fn row,
			 json_t **out);

/* Execute st and read the integer in the first column of its one row
 * (a COUNT or MAX; SQL NULL reads as 0). */
enum herr store_rows_int(struct db_stmt *st, int64_t *out);

/* Execute st and append the text of column 0 of every row to out (a
 * borrowed array); NULLs are skipped. */
enum herr store_rows_strings(struct db_stmt *st, json_t *out);

/* Copy text column idx of the current row into dst (size bytes), "" for
 * NULL; a value too long is cut between characters. */
void store_col_copy(struct db_stmt *st, unsigned idx, char *dst, size_t size);

/* Run sql, a "DELETE ... WHERE id = ?", for id: HERR_NOT_FOUND when no
 * row went, HERR_CONFLICT when a foreign key refuses (see db_execute). */
enum herr store_rows_delete(struct db *db, const char *sql, int64_t id);

/*
 * A page of a list statement sql whose parameters are (after id, limit + 1,
 * offset), bound from pg as the resources' lists page (keyset by id, or
 * the deprecated offset), run and turned into items with row.
 */
struct page;
enum herr store_rows_list(struct db *db, const char *sql, const struct page *pg,
			  store_row_fn row, json_t *items, bool *has_more);

/*
 * Room for one more element (of size bytes) in the array *arr_ptr points
 * to, which holds n of *room: when full it grows to twice its room (first
 * elements the first time), the new part zeroed.  arr_ptr is the address
 * of the array's pointer (a struct thing **).  0, or -1 when memory runs
 * out (the array then as it was).
 */
int store_grow(void *arr_ptr, size_t *room, size_t n, size_t size, size_t first);

/* Bind an optional id at idx: v when it is above 0, SQL NULL otherwise
 * (also for a count or a time where 0 means none). */
void store_bind_id(struct db_stmt *st, unsigned idx, int64_t v);

/*
 * store_rows_page, store_rows_one and store_rows_strings for a statement
 * db_query() has already executed.  st is taken over: finished (db_done)
 * whatever the outcome, so the caller may return what these return:
 *
 *	rc = db_query(db, &st, sql_list, "II", after_id, (int64_t)limit + 1);
 *	if (rc != HERR_OK)
 *		return rc;
 *	return store_rows_take_page(st, limit, things__row, items, has_more);
 */
enum herr store_rows_take_page(struct db_stmt *st, unsigned limit, store_row_fn row,
			       json_t *items, bool *has_more);
enum herr store_rows_take_one(struct db_stmt *st, store_row_fn row, json_t **out);
enum herr store_rows_take_strings(struct db_stmt *st, json_t *out);

#endif
