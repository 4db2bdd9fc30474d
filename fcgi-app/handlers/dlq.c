/*
 * /api/v1/dlq: the dead-letter queue, i.e. the deliveries that failed for
 * good (lib/store/jobs.h): how many per queue, which, and putting them
 * back or throwing them away.
 *
 * A requeued job is pending and due at once; the worker delivers it right
 * after answering (AFTER_JOB), and hearth-tick does if the worker cannot.
 */
#include <inttypes.h>
#include <stdio.h>

#include "app.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "net/queue.h"
#include "response.h"
#include "router.h"
#include "store/jobs.h"
#include "store/store.h"

/* POST /dlq/requeue-all puts back at most this many at a time. */
#define DLQ_REQUEUE_ALL_MAX 1000

/*
 * The {queue} capture of a known queue into queue; otherwise a 404 on r
 * and -1.  An unknown name is not echoed: it is whatever the path held.
 */
static int dlq__queue(struct ctx *c, struct response *r, char queue[JOB_QUEUE_MAX])
{
	if (route_capture(c->m, "queue", queue, JOB_QUEUE_MAX) == 0 && queue_known(queue))
		return 0;
	response_detail(r, 404, "no such delivery queue; the queues are telegram, webhook, "
			"ha_speaker_tts, ha_action, pwa_popup_text, pwa_realtime_ai and "
			"pwa_tts_announcement");
	return -1;
}

/* The audit row names the queue acted on. */
static void dlq__changed(struct ctx *c, const char *queue)
{
	snprintf(c->object_id, sizeof(c->object_id), "%.*s", (int)sizeof(c->object_id) - 1, queue);
	c->stale[0] = c->stale[1] = NULL;
}

int h_dlq_stats(struct ctx *c, struct response *r)
{
	json_t *stats = NULL;
	enum herr e;

	if ((e = store_dlq_stats(c->app->db, &stats)) != HERR_OK)
		return response_error(r, e, "dead-letter queue");
	return ctx_reply(r, 200, stats);
}

static enum herr dlq__list(struct ctx *c, const void *queue, const struct page *pg,
			   json_t *items, bool *has_more)
{
	return store_dlq_list(c->app->db, queue, pg, items, has_more);
}

/* The jobs that failed for good, one list per queue. */
static const struct resource dead_jobs = {
	.name = "dead-letter queue",
	.plural = "dead-letter queue",
	.list = dlq__list,
};

int h_dlq_jobs(struct ctx *c, struct response *r)
{
	char queue[JOB_QUEUE_MAX], scope[sizeof("dlq:") + JOB_QUEUE_MAX];

	if (dlq__queue(c, r, queue) != 0)
		return r->status;
	/* A cursor of one queue's list means nothing in another's. */
	snprintf(scope, sizeof(scope), "dlq:%s", queue);
	return resource_list_filtered(c, r, &dead_jobs, scope, json_array(), queue);
}

/* Put back the oldest limit dead jobs of the path's queue and have this
 * worker try them once the response is out. */
static int dlq__requeue(struct ctx *c, struct response *r, unsigned limit)
{
	char queue[JOB_QUEUE_MAX];
	json_t *ids = NULL, *id;
	unsigned n = 0;
	size_t i;
	enum herr e;

	if (dlq__queue(c, r, queue) != 0)
		return r->status;
	if ((e = store_dlq_requeue(c->app->db, queue, limit, &n, &ids)) != HERR_OK)
		return response_error(r, e, "dead-letter queue");
	/* A full after-queue leaves the rest to hearth-tick: they are due. */
	json_array_foreach(ids, i, id)
		if (app_after(c->app, json_integer_value(id), AFTER_JOB) != 0)
			break;
	dlq__changed(c, queue);
	return ctx_reply(r, 200, json_pack("{s:I, s:o}", "requeued", (json_int_t)n, "job_ids", ids));
}

int h_dlq_requeue(struct ctx *c, struct response *r)
{
	return dlq__requeue(c, r, 1);
}

int h_dlq_requeue_all(struct ctx *c, struct response *r)
{
	return dlq__requeue(c, r, DLQ_REQUEUE_ALL_MAX);
}

int h_dlq_clear(struct ctx *c, struct response *r)
{
	char queue[JOB_QUEUE_MAX];
	unsigned n = 0;
	enum herr e;

	if (dlq__queue(c, r, queue) != 0)
		return r->status;
	if ((e = store_dlq_clear(c->app->db, queue, &n)) != HERR_OK)
		return response_error(r, e, "dead-letter queue");
	dlq__changed(c, queue);
	return ctx_reply(r, 200, json_pack("{s:I}", "deleted", (json_int_t)n));
}
