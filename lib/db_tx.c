/*
 * The one owner of transactions (db.h: db_tx) and the one rule for
 * running again a transaction that lost a deadlock (db_tx_retry), which
 * the API's per-request transaction follows too.
 *
 * A deadlock is the server choosing a victim among transactions waiting
 * on each other in a circle: it rolls the victim back whole, so nothing of
 * it happened and it may simply run again.  Two writers that collided are
 * let go again after a short random pause, so they do not collide again in
 * step.
 */
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

/* The pause before another attempt: 1 ms, and up to 19 ms more. */
#define DB_TX_PAUSE_MIN_US 1000
#define DB_TX_PAUSE_SPREAD_US 19000

bool db_tx_retry(const struct db *db, int attempt)
{
	struct timespec now;

	if (!db_deadlocked(db) || attempt >= DB_TX_TRIES)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	usleep(DB_TX_PAUSE_MIN_US + (useconds_t)(now.tv_nsec % DB_TX_PAUSE_SPREAD_US));
	return true;
}

enum herr db_tx(struct db *db, enum herr (*fn)(struct db *db, void *arg), void *arg)
{
	enum herr rc;

	if (db_in_transaction(db)) {
		LOG(LOG_ERR, "db: a transaction begun inside another; the caller's is the one");
		return HERR_INTERNAL;
	}
	for (int attempt = 1;; attempt++) {
		if ((rc = db_begin(db)) != HERR_OK)
			return rc;
		rc = fn(db, arg);
		/* A success after a deadlock it swallowed describes statements
		 * the server rolled back: not one to commit. */
		if (rc == HERR_OK && db_deadlocked(db))
			rc = HERR_UNAVAILABLE;
		if (rc == HERR_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
		if (rc == HERR_OK || !db_tx_retry(db, attempt))
			return rc;
		LOG(LOG_INFO, "db: a transaction lost a deadlock; running it again");
	}
}
