/*
 * The retry queue's runner: claim a job, deliver it on its channel, record
 * what came of it.  The store (store/jobs.h) makes the claims safe between
 * processes; this file decides what a failure means: a delivery that can
 * never succeed as it stands goes to the dead-letter queue at once, any
 * other failure is tried again after a backoff with jitter until the job
 * is out of attempts.
 *
 * Logs name the job and its queue and say why, never what the payload
 * holds (a webhook URL may carry a token; a message is private).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "net/backoff.h"
#include "net/ha.h"
#include "net/http.h"
#include "net/publish.h"
#include "net/queue.h"
#include "net/telegram.h"
#include "store/jobs.h"

#define QUEUE_MAX_ATTEMPTS 3
#define QUEUE_LEASE_SECONDS 60

/* One channel: deliver payload once.  rs is zeroed by the caller and
 * freed by it; a sender that makes no HTTP call leaves it so. */
typedef enum herr (*queue_send_fn)(const struct hearth_config *cfg, const json_t *payload,
				   struct net_response *rs, char *err, size_t errlen);

static enum herr queue__telegram(const struct hearth_config *cfg, const json_t *payload,
				 struct net_response *rs, char *err, size_t errlen);
static enum herr queue__webhook(const struct hearth_config *cfg, const json_t *payload,
				struct net_response *rs, char *err, size_t errlen);
static enum herr queue__speak(const struct hearth_config *cfg, const json_t *payload,
			      struct net_response *rs, char *err, size_t errlen);
static enum herr queue__ha_action(const struct hearth_config *cfg, const json_t *payload,
				  struct net_response *rs, char *err, size_t errlen);
static enum herr queue__publish(const struct hearth_config *cfg, const json_t *payload,
				struct net_response *rs, char *err, size_t errlen);

/* The queues, by the name a job's queue column holds. */
static const struct queue_kind {
	const char *name;
	queue_send_fn send;
} queue_kinds[] = {
	{"telegram",             queue__telegram},
	{"webhook",              queue__webhook},
	{"ha_speaker_tts",       queue__speak},
	{"ha_action",            queue__ha_action},
	{"pwa_popup_text",       queue__publish},
	{"pwa_realtime_ai",      queue__publish},
	{"pwa_tts_announcement", queue__publish},
};

static const struct queue_kind *queue__find(const char *queue)
{
	for (size_t i = 0; queue && i < sizeof(queue_kinds) / sizeof(queue_kinds[0]); i++)
		if (strcmp(queue_kinds[i].name, queue) == 0)
			return &queue_kinds[i];
	return NULL;
}

bool queue_known(const char *queue)
{
	return queue__find(queue) != NULL;
}

void queue_runner_init(struct queue_runner *q, struct db *db, const struct hearth_config *cfg)
{
	char host[64];

	memset(q, 0, sizeof(*q));
	q->db = db;
	q->cfg = cfg;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(q->owner, sizeof(q->owner), "%s:%ld", host, (long)getpid());
	q->lease_seconds = QUEUE_LEASE_SECONDS;
	q->max_attempts = QUEUE_MAX_ATTEMPTS;
	q->base_ms = BACKOFF_BASE_MS;
	q->cap_ms = BACKOFF_CAP_MS;
	if (cfg) {
		if (cfg->delivery_lease_seconds > 0)
			q->lease_seconds = (unsigned)cfg->delivery_lease_seconds;
		if (cfg->delivery_max_attempts > 0)
			q->max_attempts = (unsigned)cfg->delivery_max_attempts;
		if (cfg->delivery_backoff_base_ms > 0)
			q->base_ms = (long)cfg->delivery_backoff_base_ms;
		if (cfg->delivery_backoff_cap_ms > 0)
			q->cap_ms = (long)cfg->delivery_backoff_cap_ms;
	}
}

/* ---------------------------------------------------------------- delivery */

/* A string member of payload, or NULL when absent or not a string. */
static const char *queue__str(const json_t *payload, const char *key)
{
	return json_string_value(json_object_get(payload, key));
}

/* HERR_INVALID with "payload has no <field>" in err. */
static enum herr queue__missing(const char *field, char *err, size_t errlen)
{
	snprintf(err, errlen, "the job's payload has no %s", field);
	return HERR_INVALID;
}

/*
 * What an HTTP attempt came to.  A response other than 2xx is a failure
 * worth trying again (the receiver may be restarting, overloaded, or
 * rate-limiting), with the reason the client put in rs->error (which
 * never holds the URL).
 */
static enum herr queue__http_outcome(enum herr e, const struct net_response *rs, char *err,
				     size_t errlen)
{
	if (e != HERR_OK) {
		snprintf(err, errlen, "%s", rs->error[0] ? rs->error : herr_str(e));
		return e;
	}
	if (!net_response_ok(rs)) {
		if (rs->error[0])
			snprintf(err, errlen, "%s", rs->error);
		else
			snprintf(err, errlen, "HTTP %ld", rs->status);
		return HERR_UNAVAILABLE;
	}
	return HERR_OK;
}

static enum herr queue__telegram(const struct hearth_config *cfg, const json_t *payload,
				 struct net_response *rs, char *err, size_t errlen)
{
	const char *level = queue__str(payload, "level");
	const char *text = queue__str(payload, "text");
	bool silent = json_is_true(json_object_get(payload, "silent"));

	if (!text)
		return queue__missing("text", err, errlen);
	if (!level)
		level = "";
	if (!telegram_configured(cfg, level)) {
		snprintf(err, errlen, "Telegram is not configured ([telegram] bot_token and a chat id)");
		return HERR_INVALID;
	}
	return queue__http_outcome(telegram_send(cfg, telegram_chat_for(cfg, level), text, silent,
						 rs), rs, err, errlen);
}

static enum herr queue__webhook(const struct hearth_config *cfg, const json_t *payload,
				struct net_response *rs, char *err, size_t errlen)
{
	const char *url = queue__str(payload, "url");
	const json_t *body = json_object_get(payload, "body");
	struct net_request rq = {
		.method = "POST",
		.url = url,
		.content_type = "application/json",
	};
	char *text;
	enum herr e;

	(void)cfg;
	if (!url || !*url)
		return queue__missing("url", err, errlen);
	if (!body)
		return queue__missing("body", err, errlen);
	if (!(text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY))) {
		snprintf(err, errlen, "out of memory");
		return HERR_NOMEM;
	}
	rq.body = text;
	rq.body_len = strlen(text);
	e = net_http(&rq, rs);
	free(text);
	return queue__http_outcome(e, rs, err, errlen);
}

static enum herr queue__speak(const struct hearth_config *cfg, const json_t *payload,
			      struct net_response *rs, char *err, size_t errlen)
{
	const char *message = queue__str(payload, "message");

	if (!message)
		return queue__missing("message", err, errlen);
	if (!ha_configured(cfg)) {
		snprintf(err, errlen, "Home Assistant is not configured ([homeassistant] url and token)");
		return HERR_INVALID;
	}
	return queue__http_outcome(ha_speak(cfg, queue__str(payload, "media_player"), message, rs),
				   rs, err, errlen);
}

static enum herr queue__ha_action(const struct hearth_config *cfg, const json_t *payload,
				  struct net_response *rs, char *err, size_t errlen)
{
	const char *domain = queue__str(payload, "domain");
	const char *service = queue__str(payload, "service");
	const json_t *data = json_object_get(payload, "data");

	if (!domain)
		return queue__missing("domain", err, errlen);
	if (!service)
		return queue__missing("service", err, errlen);
	if (data && !json_is_object(data)) {
		snprintf(err, errlen, "the job's payload data is not an object");
		return HERR_INVALID;
	}
	if (!ha_configured(cfg)) {
		snprintf(err, errlen, "Home Assistant is not configured ([homeassistant] url and token)");
		return HERR_INVALID;
	}
	return queue__http_outcome(ha_call_service(cfg, domain, service, data, NULL, rs), rs, err,
				   errlen);
}

static enum herr queue__publish(const struct hearth_config *cfg, const json_t *payload,
				struct net_response *rs, char *err, size_t errlen)
{
	const char *channel = queue__str(payload, "channel");
	const char *type = queue__str(payload, "type");
	enum herr e;

	(void)rs;
	if (!channel)
		return queue__missing("channel", err, errlen);
	if (!type)
		return queue__missing("type", err, errlen);
	if (!publish_channel_known(channel)) {
		snprintf(err, errlen, "no stream channel named '%.40s'", channel);
		return HERR_INVALID;
	}
	e = publish_message(cfg, channel, type, json_object_get(payload, "data"));
	if (e != HERR_OK)
		snprintf(err, errlen, "the real-time publisher did not take the message (%s)",
			 e == HERR_UNAVAILABLE ? "nginx's nchan publisher is not answering"
					       : herr_str(e));
	return e;
}

enum herr queue_deliver(const struct hearth_config *cfg, const char *queue,
			const json_t *payload, json_t **result, char *err, size_t errlen)
{
	const struct queue_kind *k = queue__find(queue);
	struct net_response rs;
	enum herr e;

	if (result)
		*result = NULL;
	if (errlen)
		err[0] = '\0';
	if (!k) {
		snprintf(err, errlen, "no delivery queue named '%.40s'", queue ? queue : "");
		return HERR_INVALID;
	}
	if (!cfg) {
		snprintf(err, errlen, "no configuration to deliver with");
		return HERR_INVALID;
	}
	if (!json_is_object(payload)) {
		snprintf(err, errlen, "the job's payload is not an object");
		return HERR_INVALID;
	}
	memset(&rs, 0, sizeof(rs));
	e = k->send(cfg, payload, &rs, err, errlen);
	if (e != HERR_OK && errlen && !err[0])
		snprintf(err, errlen, "%s", herr_str(e));
	/* What the receiver answered, for the job's result; a publish has
	 * no status to show. */
	if (result && rs.status > 0)
		*result = json_pack("{s:I}", "status", (json_int_t)rs.status);
	net_response_free(&rs);
	return e;
}

/* ---------------------------------------------------------------- running */

/* A uniform number in [0, 1) from the system's random source; jitter
 * drawn from one seed in every worker would put them back in step. */
static double queue__random(void)
{
	uint64_t v;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		return 0.5;
	return (double)(v >> 11) / 9007199254740992.0;   /* 2^53 */
}

/* A job claimed: store_jobs_claim in a transaction of its own. */
struct queue_claim {
	const struct queue_runner *q;
	int64_t id;
	struct job j;
};

static enum herr queue__claim_tx(struct db *db, void *arg)
{
	struct queue_claim *c = arg;

	/* An earlier attempt's, whose claim was rolled back. */
	json_decref(c->j.payload);
	c->j.payload = NULL;
	return store_jobs_claim(db, c->id, c->q->owner, c->q->lease_seconds, &c->j);
}

static enum herr queue__reap_tx(struct db *db, void *arg)
{
	return store_jobs_reap(db, arg);
}

enum herr queue_run_one(struct queue_runner *q, int64_t id, bool *delivered)
{
	char err[JOB_ERROR_MAX] = "";
	enum job_outcome outcome;
	json_t *result = NULL;
	struct queue_claim claim = {.q = q, .id = id};
	struct job j;
	long delay_ms = 0;
	enum herr e, sent;

	if (delivered)
		*delivered = false;
	/* Without a configuration every job would look undeliverable and be
	 * dead-lettered: leave them to a runner that has one. */
	if (!q || !q->db || !q->cfg)
		return HERR_INTERNAL;
	/* Committed before the delivery: a runner that dies meanwhile leaves
	 * a lease that runs out, and the job is reaped. */
	e = db_tx(q->db, queue__claim_tx, &claim);
	if (e != HERR_OK) {
		json_decref(claim.j.payload);
		return e;
	}
	j = claim.j;

	sent = queue_deliver(q->cfg, j.queue, j.payload, &result, err, sizeof(err));
	if (sent == HERR_OK) {
		outcome = JOB_DONE;
		if (delivered)
			*delivered = true;
	} else if (sent == HERR_INVALID || j.attempts >= j.max_attempts) {
		outcome = JOB_DEAD;
		LOG(LOG_WARNING, "job %" PRId64 " (%s): attempt %u of %u failed: %s; %s", j.id,
		    j.queue, j.attempts, j.max_attempts, err,
		    sent == HERR_INVALID ? "it cannot succeed as it is, dead-lettered"
					 : "out of attempts, dead-lettered");
	} else {
		outcome = JOB_RETRY;
		delay_ms = backoff_delay_ms(j.attempts, q->base_ms, q->cap_ms, queue__random());
		LOG(LOG_WARNING, "job %" PRId64 " (%s): attempt %u of %u failed: %s; next in %ld ms",
		    j.id, j.queue, j.attempts, j.max_attempts, err, delay_ms);
	}

	e = store_jobs_finish(q->db, j.id, q->owner, outcome, delay_ms, result,
			      outcome == JOB_DONE ? NULL : err);
	if (e == HERR_CONFLICT)
		LOG(LOG_WARNING, "job %" PRId64 " (%s): its lease ran out during the attempt and "
		    "another runner has it; this outcome is not recorded", j.id, j.queue);
	else if (e != HERR_OK)
		LOG(LOG_ERR, "job %" PRId64 " (%s): the outcome of attempt %u was not recorded: %s; "
		    "the job is tried again when its lease runs out", j.id, j.queue, j.attempts,
		    herr_str(e));
	json_decref(result);
	json_decref(j.payload);
	return e;
}

bool queue_try_now(struct queue_runner *q, int64_t id, char *why, size_t whylen)
{
	const char *last = NULL, *status = NULL;
	bool delivered = false, dead;
	json_t *job = NULL;
	enum herr e;

	if (!q) {
		snprintf(why, whylen, "queued (job %" PRId64 ")", id);
		return false;
	}
	e = queue_run_one(q, id, &delivered);
	if (e != HERR_OK && e != HERR_NOT_FOUND)
		LOG(LOG_WARNING, "job %" PRId64 ": %s; the scheduler retries it", id, herr_str(e));
	if (delivered) {
		if (whylen)
			why[0] = '\0';
		return true;
	}
	if (store_jobs_get(q->db, id, &job) == HERR_OK) {
		last = json_string_value(json_object_get(job, "last_error"));
		status = json_string_value(json_object_get(job, "status"));
	}
	dead = status && strcmp(status, "dead") == 0;
	snprintf(why, whylen, "%s (job %" PRId64 "%s)", last ? last : "not delivered yet", id,
		 dead ? ", in the dead-letter queue" : " is retried");
	json_decref(job);
	return false;
}

static long queue__ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

enum herr queue_run_due(struct queue_runner *q, unsigned max, long budget_ms, unsigned *ran)
{
	struct timespec t0;
	unsigned n = 0, reaped = 0;
	enum herr e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ran)
		*ran = 0;
	if (!q || !q->db || !q->cfg)
		return HERR_INTERNAL;
	/* A batch a transaction; a full one may have left more. */
	do
		e = db_tx(q->db, queue__reap_tx, &reaped);
	while (e == HERR_OK && reaped == JOBS_REAP_BATCH);
	if (e != HERR_OK)
		return e;
	while (n < max && queue__ms_since(&t0) < budget_ms) {
		e = queue_run_one(q, 0, NULL);
		if (e == HERR_NOT_FOUND) {
			e = HERR_OK;
			break;
		}
		n++;
		/* A lost lease is that job's story; the queue goes on. */
		if (e == HERR_CONFLICT)
			e = HERR_OK;
		if (e != HERR_OK)
			break;
	}
	if (ran)
		*ran = n;
	return e;
}
