#ifndef HEARTH_SECURITY_CSV_H
#define HEARTH_SECURITY_CSV_H

/*
 * CSV as RFC 4180 writes it, for the exports: fields separated by commas,
 * rows ended by CRLF, a field quoted (with its quotes doubled) when it
 * holds a comma, a quote, CR or LF.  A text cell that a spreadsheet would
 * run as a formula (it starts with =, +, -, @, a tab or CR) gets a leading
 * apostrophe first, so an exported summary cannot run anything where it is
 * opened.  Numbers written with csv_int / csv_real are never prefixed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_BYTES (64u << 20)   /* a buffer never grows past this */

struct csv {
	char *buf;        /* malloc'd; taken by csv_take() */
	size_t len, cap;
	bool row_started;
	bool failed;      /* out of memory or past CSV_MAX_BYTES: all later calls do nothing */
};

/* An empty CSV. */
void csv_init(struct csv *c);
/* Free what csv_take() did not take. */
void csv_free(struct csv *c);

/* Append a text cell (NULL = an empty cell), with the formula guard. */
void csv_text(struct csv *c, const char *s);
/* Append an integer / a number cell as it is. */
void csv_int(struct csv *c, int64_t v);
void csv_real(struct csv *c, double v);
/* End the row. */
void csv_end_row(struct csv *c);

/*
 * The text so far (malloc'd, NUL-terminated, the caller frees) and its
 * length in *len; c is empty afterwards.  NULL when an append failed.
 */
char *csv_take(struct csv *c, size_t *len);

/* Whether the cell text s needs the formula guard. */
bool csv_formula_like(const char *s);

#endif
