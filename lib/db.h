#ifndef HEARTH_DB_H
#define HEARTH_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * One MariaDB connection with its cache of prepared statements.
 *
 * Not thread-safe; one per process.  The connection is opened lazily by
 * db_ensure() with connect/read/write timeouts, so an unreachable server is
 * HERR_UNAVAILABLE within the configured seconds, never a hang.  When a call
 * finds the server gone, the connection and every prepared statement are
 * dropped; the next db_ensure() reconnects and statements are prepared again
 * (MYSQL_OPT_RECONNECT is never used).  Sessions run in UTC, utf8mb4.
 */
struct db;
struct db_stmt;

struct db_options {
	const char *host;      /* borrowed, copied by db_new */
	unsigned port;
	const char *socket;    /* when non-empty, used instead of host/port */
	const char *user;
	const char *password;
	const char *name;
	unsigned connect_timeout; /* seconds */
	unsigned timeout;         /* read and write, seconds */
};

/* A new handle, not yet connected; NULL on allocation failure. */
struct db *db_new(const struct db_options *opt);
void db_free(struct db *db);

/* Connect if not connected.  HERR_OK or HERR_UNAVAILABLE. */
enum herr db_ensure(struct db *db);
/* Round trip to the server (reconnects first if needed). */
enum herr db_ping(struct db *db);
/* Drop the connection (e.g. after fork in the parent). */
void db_disconnect(struct db *db);

/*
 * Run a static statement with no parameters and no result (DDL, migrations).
 * Not for anything that carries input.
 */
enum herr db_exec_static(struct db *db, const char *sql);

/*
 * A prepared statement, cached per connection by the address of sql, which
 * must therefore be a string literal or otherwise live forever.  The
 * statement is borrowed from the cache: call db_done() when finished with
 * it (also after errors); never free it.
 */
enum herr db_prepare(struct db *db, const char *sql, struct db_stmt **out);

/* Parameters, 0-based, in statement order.  Strings and blobs are borrowed
 * until db_execute() returns. */
void db_bind_int64(struct db_stmt *st, unsigned idx, int64_t v);
void db_bind_bool(struct db_stmt *st, unsigned idx, bool v);
void db_bind_text(struct db_stmt *st, unsigned idx, const char *s); /* NULL -> SQL NULL */
void db_bind_textn(struct db_stmt *st, unsigned idx, const char *s, size_t len);
void db_bind_blob(struct db_stmt *st, unsigned idx, const void *p, size_t len);
void db_bind_null(struct db_stmt *st, unsigned idx);

/*
 * Execute and, for a SELECT, buffer the whole result client-side.
 * HERR_OK; HERR_CONFLICT on a duplicate key (ER_DUP_ENTRY) or a row still
 * referenced (ER_ROW_IS_REFERENCED*); HERR_INVALID when a foreign key points
 * nowhere (ER_NO_REFERENCED_ROW*); HERR_UNAVAILABLE when the server is gone
 * or timed out; HERR_INTERNAL otherwise (logged).
 * Also (from db_prepare too): HERR_SCHEMA when a table or column the
 * statement names does not exist (ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR),
 * i.e. the migrations have not been applied.
 */
enum herr db_execute(struct db_stmt *st);

/* Next row: 1 = a row, 0 = no more rows, -1 = error. */
int db_fetch(struct db_stmt *st);

/* Columns of the current row, 0-based. */
bool db_col_is_null(struct db_stmt *st, unsigned idx);
int64_t db_col_int64(struct db_stmt *st, unsigned idx);         /* NULL -> 0 */
/* Text/blob/JSON/DATETIME-as-text column; borrowed until the next fetch or
 * db_done(); NUL-terminated; *len may be NULL.  NULL for SQL NULL. */
const char *db_col_text(struct db_stmt *st, unsigned idx, size_t *len);

uint64_t db_affected_rows(struct db_stmt *st);
uint64_t db_insert_id(struct db_stmt *st);

/* Free the result and reset the statement for its next use. */
void db_done(struct db_stmt *st);

/*
 * Statements in one call (db_exec.c): prepare sql (a literal, as for
 * db_prepare), bind the arguments fmt describes, one letter a parameter:
 * I int64_t, J int64_t as an optional id (0 or less -> SQL NULL), i int,
 * b bool, s const char * (NULL -> SQL NULL), S text and
 * its size_t length, B blob and its size_t length, n SQL NULL (no
 * argument).  Errors as db_execute; a bad letter is HERR_INTERNAL.
 *
 * db_exec: a statement without a result; db_changes() and db_last_id()
 * then tell its affected rows and AUTO_INCREMENT id.
 */
enum herr db_exec(struct db *db, const char *sql, const char *fmt, ...);
uint64_t db_changes(const struct db *db);
uint64_t db_last_id(const struct db *db);

/* Prepared, bound and executed: fetch its rows, then db_done(*out).  On
 * an error *out is NULL and there is nothing to finish. */
enum herr db_query(struct db *db, struct db_stmt **out, const char *sql, const char *fmt, ...);

/*
 * The first row of a query into pointers, after the parameters, that
 * out describes, one letter a column: I int64_t *, i int *, b bool *
 * (SQL NULL reads as 0), s char * and its size_t size (copied, "" for
 * NULL, cut between characters), m char ** (a malloc'd copy, NULL for SQL
 * NULL; set NULL beforehand and free on every outcome), - skip a column.
 * HERR_NOT_FOUND when there is no row.
 *
 *	db_row(db, sql_count, "I", "I", room_id, &count);
 */
enum herr db_row(struct db *db, const char *sql, const char *in, const char *out, ...);

/*
 * Transactions (db_tx.c).  Only the top of a unit of work begins and
 * commits one: the API around a request, hearthctl around a command, and
 * the loops that run outside any transaction (hearth-tick's scheduler, the
 * executor, the delivery queue, cleanup and timelapse) around each unit
 * they make: an offer, a run's end, a claim, a batch.  The store and
 * engine functions these call run in the transaction they are given and
 * never begin, commit or roll back one themselves.
 *
 * db_tx: begin, fn(db, arg), then commit when fn returned HERR_OK, else
 * roll back; fn's error (or the commit's) is returned, and a success of
 * fn's after a deadlock it swallowed is HERR_UNAVAILABLE, not a commit of
 * what the server already rolled back.  An attempt that
 * lost a deadlock runs again (db_tx_retry), so fn must do nothing but
 * statements, or what may be done again: it starts afresh each time (arg
 * is borrowed, and fn resets what it fills in).  A call while a
 * transaction is open is a programming error: logged, HERR_INTERNAL.
 */
enum herr db_tx(struct db *db, enum herr (*fn)(struct db *db, void *arg), void *arg);

/* How many times in all a transaction that lost a deadlock is run. */
#define DB_TX_TRIES 4

/*
 * Whether the transaction whose attempt number attempt (from 1) has just
 * ended (rolled back) lost a deadlock and may run again; when it may, it
 * first waits a short random pause, so two writers that collided do not
 * collide again in step.  db_tx's rule, for the API's request
 * transaction, which cannot be a db_tx (its reply is reset between
 * attempts).
 */
bool db_tx_retry(const struct db *db, int attempt);

/* The steps of a transaction, for db_tx and the API's per-request
 * transaction only.  db_rollback never fails (errors are logged). */
enum herr db_begin(struct db *db);
enum herr db_commit(struct db *db);
void db_rollback(struct db *db);

/* Whether a transaction is open. */
bool db_in_transaction(const struct db *db);

/* Whether a statement since db_begin() lost a deadlock (ER_LOCK_DEADLOCK,
 * reported as HERR_UNAVAILABLE): the server rolled the whole transaction
 * back, so the caller may roll back and simply run it again. */
bool db_deadlocked(const struct db *db);

/*
 * Called, when set, on every database failure that is not the client's
 * doing: the server unreachable or gone (HERR_UNAVAILABLE, also a failed
 * connect), the schema missing (HERR_SCHEMA), anything else unexpected
 * (HERR_INTERNAL).  Duplicates and dangling references are not counted.
 * Process-wide, so lib/ knows nothing of whoever counts (the API's
 * metrics); NULL by default.
 */
extern void (*db_error_hook)(enum herr kind);

#endif
