/*
 * The scheduler's runs in child processes (pool.h).
 */
#include "pool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "engine.h"
#include "log.h"
#include "net/queue.h"
#include "store/schedule.h"

void engine_pool_init(struct engine_pool *p, const struct db_options *o, int close_fd)
{
	memset(p, 0, sizeof(*p));
	p->db = o;
	p->close_fd = close_fd;
}

/* In the child: take the run over from the tick and run it; never returns. */
static void pool__child(const struct engine *parent, const struct pool_item *it)
{
	struct engine e = *parent;
	struct queue_runner queue;
	struct db *db;
	bool ours = false;
	enum herr rc = HERR_NOMEM;

	/* The parent's lock and connection are the parent's: the child never
	 * touches the connection (not even to close it) and lets go of the
	 * lock, so the next minute's tick is not kept waiting by a long run. */
	if (e.pool->close_fd >= 0)
		close(e.pool->close_fd);
	if (!(db = db_new(e.pool->db)))
		_exit(1);
	e.db = db;
	e.pool = NULL;
	snprintf(e.owner, sizeof(e.owner), "%s:%ld", e.host, (long)getpid());
	if (parent->queue) {
		queue_runner_init(&queue, db, parent->cfg);
		e.queue = &queue;
	}
	rc = store_schedule_handover(db, it->id, parent->owner, e.owner, e.lease_seconds, &ours);
	if (rc == HERR_OK && ours)
		rc = it->resumed ? engine_resume_claimed(&e, it->id) : engine_run(&e, it->id);
	if (rc != HERR_OK)
		LOG(LOG_WARNING, "run %" PRId64 ": %s", it->id, herr_str(rc));
	db_free(db);
	_exit(rc == HERR_OK ? 0 : 1);
}

/* Start it in free place slot; false when fork failed (it is left to the
 * lease). */
static bool pool__start(struct engine *e, size_t slot, const struct pool_item *it)
{
	struct engine_pool *p = e->pool;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		LOG(LOG_ERR, "run %" PRId64 ": fork: %s; its lease will bring it back", it->id,
		    strerror(errno));
		return false;
	}
	if (pid == 0)
		pool__child(e, it);
	if (slot < POOL_CHILDREN) {
		p->children[slot] = pid;
		p->child_runs[slot] = it->id;
	}
	return true;
}

static size_t pool__free_slot(const struct engine_pool *p)
{
	size_t i;

	for (i = 0; i < POOL_CHILDREN && p->children[i] > 0; i++)
		;
	return i;
}

enum herr engine_pool_run(struct engine *e, int64_t id, bool resumed)
{
	struct engine_pool *p = e->pool;

	if (!p)
		return resumed ? engine_resume_claimed(e, id) : engine_run(e, id);
	/* Behind those already waiting, so runs start in the order given. */
	if (p->queued < POOL_QUEUE)
		p->queue[p->queued++] = (struct pool_item){id, resumed};
	else
		LOG(LOG_WARNING, "run %" PRId64 ": %u runs going and %u waiting; it starts when "
		    "its lease runs out", id, POOL_CHILDREN, POOL_QUEUE);
	engine_pool_poll(e);
	return HERR_OK;
}

void engine_pool_poll(struct engine *e)
{
	struct engine_pool *p = e->pool;
	size_t slot, next = 0;
	int status;
	pid_t pid;

	if (!p)
		return;
	for (size_t i = 0; i < POOL_CHILDREN; i++) {
		if (p->children[i] <= 0)
			continue;
		pid = waitpid(p->children[i], &status, WNOHANG);
		if (pid == 0 || (pid < 0 && errno == EINTR))
			continue;
		if (pid > 0 && WIFSIGNALED(status))
			LOG(LOG_WARNING, "run %" PRId64 ": its process %ld was killed by signal %d;"
			    " the reaper takes it", p->child_runs[i], (long)pid, WTERMSIG(status));
		p->children[i] = 0;
		p->child_runs[i] = 0;
	}
	while (next < p->queued && (slot = pool__free_slot(p)) < POOL_CHILDREN)
		pool__start(e, slot, &p->queue[next++]);
	if (next > 0) {
		memmove(p->queue, p->queue + next, (p->queued - next) * sizeof(p->queue[0]));
		p->queued -= next;
	}
}

void engine_pool_drain(struct engine *e)
{
	struct engine_pool *p = e->pool;

	if (!p)
		return;
	engine_pool_poll(e);
	for (size_t i = 0; i < p->queued; i++)
		pool__start(e, POOL_CHILDREN, &p->queue[i]);
	p->queued = 0;
}
