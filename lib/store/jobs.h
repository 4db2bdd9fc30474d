#ifndef HEARTH_STORE_JOBS_H
#define HEARTH_STORE_JOBS_H

/*
 * The delivery queue (sql/005_delivery.sql, table jobs) and its
 * dead-letter queue (the jobs whose status is 'dead').
 *
 * Every state change is a conditional UPDATE on the expected status (and,
 * for a running job, its owner), so any number of workers and ticks on any
 * number of hosts share the queue: whoever wins the UPDATE delivers.
 * Claims take the oldest due job with FOR UPDATE SKIP LOCKED, so concurrent
 * claimers never wait on each other.
 *
 * Job JSON: {id, queue, status, attempts, max_attempts, run_after, payload,
 *   result|null, last_error|null, alert_id|null, execution_id|null,
 *   step_id|null, created_at, updated_at, finished_at|null}
 */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct page;

#define JOB_QUEUE_MAX 33      /* VARCHAR(32) + NUL */
#define JOB_OWNER_MAX 97
#define JOB_ERROR_MAX 512     /* characters of last_error kept */

/* What a new job is; all borrowed, 0 / NULL = none. */
struct job_fields {
	const char *queue;          /* the channel's name or "ha_action" */
	const json_t *payload;      /* an object: what to deliver */
	unsigned max_attempts;      /* 0 = 3 */
	int64_t alert_id;
	int64_t execution_id;
	int64_t step_id;
	long delay_ms;              /* run_after = now + delay_ms */
};

/* A claimed job: the claimer owns payload (json_decref). */
struct job {
	int64_t id;
	char queue[JOB_QUEUE_MAX];
	unsigned attempts;          /* including the one just claimed */
	unsigned max_attempts;
	json_t *payload;
	int64_t alert_id;
	int64_t execution_id;
	int64_t step_id;
};

/* What came of one attempt. */
enum job_outcome {
	JOB_DONE,                   /* delivered: status done */
	JOB_RETRY,                  /* failed, attempts left: pending again after delay */
	JOB_DEAD,                   /* failed for good: the dead-letter queue */
};

/* Insert a pending job; *id its id (may be NULL).  Inside the caller's
 * transaction when there is one, else on its own. */
enum herr store_jobs_create(struct db *db, const struct job_fields *f, int64_t *id);

/*
 * Claim a due pending job (run_after <= now) for owner with a lease of
 * lease_seconds: status running, attempts + 1.  With id > 0 that job
 * only (its creator delivering at once), else the oldest due one.  A
 * locked pick, then the take: in the caller's transaction, which commits
 * the claim before the delivery starts.
 * HERR_NOT_FOUND when there is none (or it is not pending and due).
 * j->payload is a new reference (none after an error).
 */
enum herr store_jobs_claim(struct db *db, int64_t id, const char *owner,
			   unsigned lease_seconds, struct job *j);

/*
 * Record the attempt on job id, still running and owned by owner:
 * JOB_DONE (result borrowed, may be NULL), JOB_RETRY (pending again,
 * run_after = now + delay_ms, error kept in last_error) or JOB_DEAD.
 * HERR_CONFLICT when the job is no longer this owner's (its lease ran out
 * and someone else has it): the outcome is then not recorded.
 */
enum herr store_jobs_finish(struct db *db, int64_t id, const char *owner,
			    enum job_outcome outcome, long delay_ms, const json_t *result,
			    const char *error);

/* Expired leases reaped by one store_jobs_reap: a few, unless a host died. */
#define JOBS_REAP_BATCH 100

/*
 * Jobs whose lease ran out (their worker died or hung): back to pending,
 * due now, when attempts are left, else dead, with last_error saying so.
 * At most JOBS_REAP_BATCH of them, in the caller's transaction (a batch
 * a transaction); a full batch may have left more.  *n how many.
 */
enum herr store_jobs_reap(struct db *db, unsigned *n);

/* The job, *out a new reference.  HERR_NOT_FOUND. */
enum herr store_jobs_get(struct db *db, int64_t id, json_t **out);

/* ---- the dead-letter queue */

/* {total: n, queues: [{queue, dead, pending, running, oldest_dead_at|null}]}
 * over every queue that has a job not done. */
enum herr store_dlq_stats(struct db *db, json_t **out);

/* Dead jobs of queue, oldest first (ids ascending, after pg->after_id). */
enum herr store_dlq_list(struct db *db, const char *queue, const struct page *pg,
			 json_t *items, bool *has_more);

/* Put the oldest limit dead jobs of queue back: pending, due now,
 * attempts 0, last_error kept (several statements: in the caller's
 * transaction).  *n how many; *ids (may be NULL) a new array of their
 * ids. */
enum herr store_dlq_requeue(struct db *db, const char *queue, unsigned limit, unsigned *n,
			    json_t **ids);

/* Delete the dead jobs of queue; *n how many. */
enum herr store_dlq_clear(struct db *db, const char *queue, unsigned *n);

#endif
