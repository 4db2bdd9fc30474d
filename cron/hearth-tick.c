/*
 * hearth-tick: the scheduler.  cron starts it every minute; inside, it
 * makes one pass each wall-clock second until that minute ends, so the
 * minutes join up without a gap.  A pass: fail or take over runs whose
 * worker died, resume waiting runs whose time has come, fire due cron
 * rules, fire occupancy rules (lib/engine/tick.c does each).  The runs
 * these start go to child processes (lib/engine/pool.h), and a second
 * child makes the outbound passes (alert reminders, deliveries), so
 * neither a slow run nor a slow outbound call delays the next second's
 * instants.  The settings kept in the database (the hub's time zone) are
 * looked at before each pass.
 *
 * Test builds (configure --enable-test-clock, never a package) add
 * HEARTH_TEST_CLOCK_OFFSET seconds to the time the passes see, so the
 * tests can put the scheduler in an outage or a DST change.
 *
 * One tick per host at a time (an exclusive flock on [engine] tick_lock);
 * ticks on other hosts are fine, everything is claimed in the database.
 * The tick that starts while the previous minute's is finishing its last
 * pass waits a few seconds for the lock; past that it leaves quietly.
 *
 *   hearth-tick [-c CONFIG] [--once] [--verbose]
 *
 * Exit codes (sysexits.h): 0 ok (also: another tick holds the lock, or
 * the database was down all along: the next minute tries again), 64 usage,
 * 73 the lock file cannot be opened, 78 bad configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h" /* HEARTH_TEST_CLOCK in test builds */
#include "config.h"
#include "db.h"
#include "db_config.h"
#include "engine/engine.h"
#include "engine/pool.h"
#include "log.h"
#include "net/http.h"
#include "net/queue.h"
#include "settings.h"

/* How long a starting tick waits for the previous one's last pass. */
#define TICK_LOCK_GRACE_MS 5000
#define TICK_LOCK_POLL_MS 100

static volatile sig_atomic_t tick_stop;

static void tick_on_signal(int sig)
{
	(void)sig;
	tick_stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hearth-tick [-c CONFIG] [--once] [--verbose]\n\n"
		"  -c CONFIG      configuration file (default: $HEARTH_CONFIG, else %s)\n"
		"  -1, --once     one pass, then exit (default: a pass each second\n"
		"                 until the current minute ends)\n"
		"  -v, --verbose  log every pass with its duration, also idle ones\n"
		"  -h, --help     this text\n"
		"\nexit status: 0 ok, 64 usage, 73 lock file, 78 bad configuration\n",
		config_path(NULL));
}

static double tick_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The wall clock in whole seconds.  Not time(): on Linux it reads a coarse
 * clock that may still show the previous second just after a boundary, and
 * a pass would then run a second behind. */
static time_t tick_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void tick_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Sleep until the wall clock reaches whole second `at` (or a signal). */
static void tick_sleep_until(time_t at)
{
	struct timespec ts = {at, 0};

	while (!tick_stop && clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Open and lock path.  1 = locked (*fd set), 0 = another tick holds it,
 * -1 = the file cannot be opened (logged).
 */
static int tick_lock(const char *path, int *fd)
{
	int waited = 0;

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		LOG(LOG_ERR, "lock file %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return 1;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			LOG(LOG_ERR, "lock file %s: %s", path, strerror(errno));
			break;
		}
		if (tick_stop || waited >= TICK_LOCK_GRACE_MS) {
			close(*fd);
			*fd = -1;
			return 0;
		}
		tick_sleep_ms(TICK_LOCK_POLL_MS);
		waited += TICK_LOCK_POLL_MS;
	}
	close(*fd);
	*fd = -1;
	return -1;
}

/* The seconds added to the clock the passes see (test builds only). */
static time_t tick_clock_offset(void)
{
#ifdef HEARTH_TEST_CLOCK
	const char *v = getenv("HEARTH_TEST_CLOCK_OFFSET");
	char *end = NULL;
	long long off;

	if (!v || !*v)
		return 0;
	errno = 0;
	off = strtoll(v, &end, 10);
	if (errno || *end) {
		LOG(LOG_ERR, "HEARTH_TEST_CLOCK_OFFSET '%.32s' is not a number of seconds", v);
		return 0;
	}
	return (time_t)off;
#else
	return 0;
#endif
}

/* What the passes of this run have seen of the database. */
struct tick_state {
	enum herr last_error;   /* logged already; HERR_OK = all well */
	bool verbose;
	struct settings_live *settings; /* NULL: not followed (the outbound child) */
	bool tz_had;            /* TZ as the process found it, for zone "" */
	char tz[256];
};

/* The passes, in order; the outbound ones run in a child of their own. */
static const char *const tick_names[] = {"reap", "resume", "cron", "occupancy", "escalate",
					 "deliver"};
static enum herr (*const tick_steps[])(struct engine *, time_t, unsigned *) = {
	engine_tick_reap, engine_tick_resume, engine_tick_cron, engine_tick_occupancy,
	engine_tick_escalate, engine_tick_deliver,
};
#define TICK_STEPS 6
#define TICK_OUTBOUND_FIRST 4

/* Follow the settings in the database: the hub's zone and the log level. */
static void tick_settings(struct engine *e, struct tick_state *s)
{
	const struct hearth_config *cfg = &s->settings->cfg;

	if (settings_live_refresh(s->settings, e->db, NULL) != 1)
		return;
	log_set_level(s->verbose && cfg->log_level < LOG_NOTICE ? LOG_NOTICE : cfg->log_level);
	if (strcmp(cfg->engine_timezone, e->tz_name) == 0)
		return;
	if (*cfg->engine_timezone) {
		if (engine_set_timezone(cfg->engine_timezone) != 0) {
			LOG(LOG_ERR, "settings: unknown time zone '%s'", cfg->engine_timezone);
			return;
		}
	} else {
		if (s->tz_had && !*s->settings->file->engine_timezone)
			setenv("TZ", s->tz, 1);
		else
			unsetenv("TZ");
		tzset();
	}
	LOG(LOG_INFO, "time zone: '%s'", cfg->engine_timezone);
	snprintf(e->tz_name, sizeof(e->tz_name), "%.*s", (int)sizeof(e->tz_name) - 1,
		 cfg->engine_timezone);
}

/* One pass at `now` over steps [from, to). */
static void tick_pass(struct engine *e, struct tick_state *s, time_t now, size_t from, size_t to)
{
	unsigned counts[TICK_STEPS] = {0};
	struct timespec t0;
	enum herr rc = HERR_OK;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	engine_pool_poll(e);
	if (s->settings)
		tick_settings(e, s);
	for (i = from; i < to && rc == HERR_OK; i++) {
		rc = tick_steps[i](e, now, &counts[i]);
		if (rc != HERR_OK && rc != s->last_error)
			LOG(rc == HERR_UNAVAILABLE ? LOG_WARNING : LOG_ERR,
			    "%s: %s%s", tick_names[i], herr_str(rc),
			    rc == HERR_UNAVAILABLE ? "; retrying each second" : "");
	}
	if (rc == HERR_OK && s->last_error != HERR_OK)
		LOG(LOG_NOTICE, "%s: passes run again",
		    s->last_error == HERR_UNAVAILABLE ? "database back" : "recovered");
	s->last_error = rc;
	if (s->verbose || counts[0] || counts[1] || counts[2] || counts[3] || counts[4] ||
	    counts[5])
		LOG(s->verbose ? LOG_NOTICE : LOG_INFO,
		    "pass: reaped %u, resumed %u, fired %u cron, %u occupancy, %u reminders,"
		    " %u deliveries (%.1f ms)",
		    counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
		    tick_ms_since(&t0));
}

/*
 * Passes over steps [from, to) each wall-clock second until minute_end
 * (once only with once), or a signal.
 */
static void tick_loop(struct engine *e, struct tick_state *s, time_t minute_end, bool once,
		      size_t from, size_t to)
{
	time_t offset = tick_clock_offset(), next;

	while (!tick_stop) {
		tick_pass(e, s, tick_now() + offset, from, to);
		if (once)
			break;
		next = tick_now() + 1;
		if (next >= minute_end)
			break;
		tick_sleep_until(next);
	}
}

/*
 * The outbound passes (reminders, deliveries) in a child with its own
 * connection, until minute_end; the child's pid, or -1 when it could not
 * start (the parent then makes them itself).
 */
static pid_t tick_outbound(const struct engine *parent, const struct db_options *o,
			   const struct tick_state *s, int lock_fd, time_t minute_end)
{
	struct tick_state cs = {HERR_OK, s->verbose, NULL, false, ""};
	struct queue_runner queue;
	struct engine e = *parent;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) != 0) {
		if (pid < 0)
			LOG(LOG_ERR, "fork: %s; outbound passes made here", strerror(errno));
		return pid;
	}
	close(lock_fd);
	if (!(e.db = db_new(o)))
		_exit(EX_OSERR);
	e.pool = NULL;
	snprintf(e.owner, sizeof(e.owner), "%s:%ld", e.host, (long)getpid());
	queue_runner_init(&queue, e.db, parent->cfg);
	e.queue = &queue;
	tick_loop(&e, &cs, minute_end, false, TICK_OUTBOUND_FIRST, TICK_STEPS);
	db_free(e.db);
	_exit(EX_OK);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"once", no_argument, NULL, '1'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hearth_config cfg;
	struct settings_live live;
	struct engine_pool pool;
	struct tick_state state = {HERR_OK, false, NULL, false, ""};
	struct sigaction sa;
	struct db_options o;
	struct engine e;
	struct queue_runner queue;
	struct db *db = NULL;
	const char *config_arg = NULL;
	char err[512];
	bool once = false;
	time_t minute_end, next;
	pid_t outbound = -1;
	const char *tz;
	int ch, lock_fd = -1, locked, rv = EX_OK;

	log_init("hearth-tick", LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:1vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_arg = optarg;
			break;
		case '1':
			once = true;
			break;
		case 'v':
			state.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}

	if (config_load(config_path(config_arg), &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "hearth-tick: %s\n", err);
		return CONFIG_EXIT_BAD;
	}
	log_set_level(state.verbose && cfg.log_level < LOG_NOTICE ? LOG_NOTICE : cfg.log_level);
	if (engine_set_timezone(cfg.engine_timezone) != 0) {
		fprintf(stderr, "hearth-tick: engine.timezone: unknown time zone '%s'\n",
			cfg.engine_timezone);
		rv = CONFIG_EXIT_BAD;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick_on_signal; /* no SA_RESTART: sleeps end at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((locked = tick_lock(cfg.engine_tick_lock, &lock_fd)) <= 0) {
		rv = locked < 0 ? EX_CANTCREAT : EX_OK;
		goto out;
	}

	o = db_options_from_config(&cfg);
	if (!(db = db_new(&o))) {
		LOG(LOG_ERR, "out of memory");
		rv = EX_OSERR;
		goto out;
	}
	/* The settings changed through the API, over the file's, followed
	 * before each pass (tick_settings). */
	tz = getenv("TZ");
	state.tz_had = tz && strlen(tz) < sizeof(state.tz);
	if (state.tz_had)
		memcpy(state.tz, tz, strlen(tz) + 1);
	settings_live_init(&live, &cfg);
	state.settings = &live;
	engine_init(&e, db, &live.cfg);
	tick_settings(&e, &state);
	if (net_init_config(&live.cfg) != 0) {
		LOG(LOG_ERR, "libcurl did not start");
		rv = EX_OSERR;
		goto out;
	}
	queue_runner_init(&queue, db, &live.cfg);
	e.queue = &queue;
	engine_pool_init(&pool, &o, lock_fd);
	e.pool = &pool;

	/* The minute this tick covers is the one it started in. */
	next = tick_now();
	minute_end = next - next % 60 + 60;
	if (!once)
		outbound = tick_outbound(&e, &o, &state, lock_fd, minute_end);
	tick_loop(&e, &state, minute_end, once, 0, outbound > 0 ? TICK_OUTBOUND_FIRST : TICK_STEPS);
	/* Runs still waiting for a place start now; they outlive the tick, as
	 * the outbound child may (it ends with its minute). */
	engine_pool_drain(&e);
	if (outbound > 0 && tick_stop)
		kill(outbound, SIGTERM);
out:
	net_cleanup();
	db_free(db);
	if (lock_fd >= 0)
		close(lock_fd);
	explicit_bzero(&cfg, sizeof(cfg));
	explicit_bzero(&live, sizeof(live));
	return rv;
}
