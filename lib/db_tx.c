/*
 * The one owner of transactions, and the one rule for running a unit of
 * work again when it lost a deadlock.
 *
 * A unit of work that must be atomic says so by running through db_tx().
 * At the top of a program (a cron pass, a hearthctl command) that begins
 * and commits a transaction of its own; inside a transaction that is
 * already open (a request's, which api.c owns, or an enclosing db_tx) the
 * work simply joins it, and whoever opened it commits or rolls back the
 * whole.  So nothing below the top ever commits half of what the top
 * meant to be one change.
 */
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

bool db_tx_again(struct db *db, int attempt)
{
	struct timespec now;

	if (!db_deadlocked(db) || attempt >= DB_TX_TRIES)
		return false;
	/* A short random pause, so two writers that collided do not collide
	 * again in step. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	usleep(1000 + (useconds_t)(now.tv_nsec % 19000));
	return true;
}

enum herr db_tx(struct db *db, db_tx_fn fn, void *arg)
{
	enum herr rc;

	if (db_in_transaction(db))
		return fn(db, arg);
	for (int attempt = 1;; attempt++) {
		if ((rc = db_begin(db)) != HERR_OK)
			return rc;
		rc = fn(db, arg);
		/* A success after a swallowed deadlock describes work the
		 * server has already rolled back. */
		if (rc == HERR_OK && db_deadlocked(db))
			rc = HERR_UNAVAILABLE;
		if (rc == HERR_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
		if (rc == HERR_OK || !db_tx_again(db, attempt))
			return rc;
		LOG(LOG_INFO, "db: deadlock, running the transaction again");
	}
}

enum herr db_tx_begin(struct db *db, bool *own)
{
	*own = !db_in_transaction(db);
	return *own ? db_begin(db) : HERR_OK;
}

enum herr db_tx_end(struct db *db, bool own, enum herr rc)
{
	if (!own)
		return rc;
	if (rc == HERR_OK)
		return db_commit(db);
	db_rollback(db);
	return rc;
}
