#ifndef HEARTH_NET_QUEUE_H
#define HEARTH_NET_QUEUE_H

/*
 * The retry queue: deliveries that must happen (store/jobs.h) and who
 * delivers them.  A job is tried at once by whoever made it (a rule run,
 * the worker after its response), then by hearth-tick every second until
 * it is delivered or out of attempts: 3 attempts, backoff 1 s x 2 up to
 * 30 s with jitter (net/backoff.h), then the dead-letter queue.
 *
 * Queues and their payloads (what a job's payload object holds):
 *   telegram              {level, text, silent}                 -> net/telegram.h
 *   webhook               {url, body}                           -> POST body as JSON
 *   ha_speaker_tts        {message, media_player?}              -> net/ha.h ha_speak
 *   ha_action             {domain, service, data}               -> net/ha.h
 *   pwa_popup_text        {channel, type, data}                 -> net/publish.h
 *   pwa_realtime_ai       {channel, type, data}                 -> net/publish.h
 *   pwa_tts_announcement  {channel, type, data}                 -> net/publish.h
 * Secrets (bot token, HA token) are read from hearth.conf when delivering,
 * never stored in a payload.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct db;
struct hearth_config;

/* Who delivers: plain data, set up once per process. */
struct queue_runner {
	struct db *db;                      /* borrowed */
	const struct hearth_config *cfg;    /* borrowed */
	char owner[96];                     /* "host:pid" */
	unsigned lease_seconds;             /* a running job not finished in this long is reaped */
	unsigned max_attempts;              /* for new jobs (3) */
	long base_ms, cap_ms;               /* backoff */
};

void queue_runner_init(struct queue_runner *q, struct db *db, const struct hearth_config *cfg);

/* Whether queue names a queue above. */
bool queue_known(const char *queue);

/*
 * Deliver payload on queue once, no database involved: HERR_OK when
 * delivered (*result, may be NULL, a new reference describing it, e.g.
 * {"status": 200}); otherwise the reason in err.  HERR_INVALID for a
 * delivery that can never succeed as it stands (unknown queue, payload
 * missing a field, URL refused by the policy, channel not configured):
 * such a job goes straight to the dead-letter queue.
 */
enum herr queue_deliver(const struct hearth_config *cfg, const char *queue,
			const json_t *payload, json_t **result, char *err, size_t errlen);

/*
 * Claim job id (id > 0) or the oldest due one (id = 0), deliver it and
 * record the outcome.  *delivered tells whether it went out (may be NULL).
 * HERR_NOT_FOUND when there was nothing to claim.  Outside any
 * transaction: the claim is committed (db_tx) before the delivery, which
 * may take seconds.
 */
enum herr queue_run_one(struct queue_runner *q, int64_t id, bool *delivered);

/*
 * Deliver job id now, for whoever just made it, and say how that went:
 * true when it went out; otherwise why (whylen bytes) holds the
 * receiver's last error and whether the queue retries the job or it is in
 * the dead-letter queue.  Without a runner (q NULL) nothing is tried and
 * why says the job is queued.
 */
bool queue_try_now(struct queue_runner *q, int64_t id, char *why, size_t whylen);

/*
 * Reap expired leases, then deliver due jobs until none is due, max jobs
 * were tried, or budget_ms passed.  *ran (may be NULL) how many were tried.
 */
enum herr queue_run_due(struct queue_runner *q, unsigned max, long budget_ms, unsigned *ran);

#endif
