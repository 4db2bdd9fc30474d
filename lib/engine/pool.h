#ifndef HEARTH_ENGINE_POOL_H
#define HEARTH_ENGINE_POOL_H

/*
 * The scheduler's runs, each in a child process of its own, so a slow run
 * (a long pipeline, an outbound call waiting for its timeout) never holds
 * up the per-second passes that fire other rules' instants.
 *
 * The tick claims the run as it always did (owner = the tick, leased), then
 * hands it to a child.  The child opens its own database connection, takes
 * the run over (owner = the child's "host:pid", only while the tick still
 * owns it) and runs it.  A child that dies is then found by the reaper like
 * any dead worker: its pid is gone, so the run is failed with the reason,
 * or run again when it never started a step.  A child that dies before the
 * take-over leaves the run to the tick's lease, which the reaper honours.
 *
 * At most POOL_CHILDREN children run at once; runs beyond that wait in a
 * bounded queue and start as children end (each pass looks).  When even
 * the queue is full, the run stays claimed by the tick and its lease makes
 * the reaper run it later: never lost, only late.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct db_options;
struct engine;

#define POOL_CHILDREN 8
#define POOL_QUEUE 256

struct pool_item {
	int64_t id;
	bool resumed;           /* continue after the step it waited on */
};

struct engine_pool {
	const struct db_options *db;  /* borrowed: how a child connects */
	int close_fd;                 /* closed in every child (the tick's lock); -1 none */
	pid_t children[POOL_CHILDREN];
	int64_t child_runs[POOL_CHILDREN];
	struct pool_item queue[POOL_QUEUE];
	size_t queued;
};

/* An empty pool; o borrowed for as long as the pool is used. */
void engine_pool_init(struct engine_pool *p, const struct db_options *o, int close_fd);

/*
 * Hand run id, claimed by e (running, owner e->owner), to a child: now
 * when one is free, else queued.  resumed: the run was waiting and goes on
 * after its step (engine_resume_claimed), else it starts (engine_run).
 * Without e->pool the run runs here.  Returns HERR_OK unless running it
 * here failed.
 */
enum herr engine_pool_run(struct engine *e, int64_t id, bool resumed);

/* Collect the children that ended (so the reaper never mistakes a zombie
 * for a live owner) and start queued runs in the freed places. */
void engine_pool_poll(struct engine *e);

/* Before the tick exits: start every queued run, past the bound if need be
 * (the children outlive the tick). */
void engine_pool_drain(struct engine *e);

#endif
