/*
 * hearth-tick: the scheduler.  cron starts it every minute; inside, it
 * makes one pass each wall-clock second until that minute ends, so the
 * minutes join up without a gap.  A pass: fail or take over runs whose
 * worker died, resume waiting runs whose time has come, fire due cron
 * rules, fire occupancy rules (lib/engine/tick.c does each).
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
#include <sys/file.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "engine/engine.h"
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

/* What the passes of this run have seen of the database. */
struct tick_state {
	enum herr last_error;   /* logged already; HERR_OK = all well */
	bool verbose;
};

/* One pass at `now`. */
static void tick_pass(struct engine *e, struct tick_state *s, time_t now)
{
	static const char *const names[] = {"reap", "resume", "cron", "occupancy", "escalate",
					    "deliver"};
	enum herr (*const steps[])(struct engine *, time_t, unsigned *) = {
		engine_tick_reap, engine_tick_resume, engine_tick_cron, engine_tick_occupancy,
		engine_tick_escalate, engine_tick_deliver,
	};
	unsigned counts[6] = {0};
	struct timespec t0;
	enum herr rc = HERR_OK;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 6 && rc == HERR_OK; i++) {
		rc = steps[i](e, now, &counts[i]);
		if (rc != HERR_OK && rc != s->last_error)
			LOG(rc == HERR_UNAVAILABLE ? LOG_WARNING : LOG_ERR,
			    "%s: %s%s", names[i], herr_str(rc),
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
	struct tick_state state = {HERR_OK, false};
	struct sigaction sa;
	struct db_options o;
	struct engine e;
	struct queue_runner queue;
	struct db *db = NULL;
	const char *config_arg = NULL;
	char err[512];
	bool once = false;
	time_t minute_end, next;
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

	o = (struct db_options){
		.host = cfg.db_host, .port = cfg.db_port, .socket = cfg.db_socket,
		.user = cfg.db_user, .password = cfg.db_password, .name = cfg.db_name,
		.connect_timeout = cfg.db_connect_timeout, .timeout = cfg.db_timeout,
	};
	if (!(db = db_new(&o))) {
		LOG(LOG_ERR, "out of memory");
		rv = EX_OSERR;
		goto out;
	}
	/* The settings changed through the API, over the file's. */
	if (settings_apply(db, &cfg) > 0) {
		log_set_level(state.verbose && cfg.log_level < LOG_NOTICE ? LOG_NOTICE
									 : cfg.log_level);
		if (engine_set_timezone(cfg.engine_timezone) != 0)
			LOG(LOG_ERR, "settings: unknown time zone '%s'", cfg.engine_timezone);
	}
	engine_init(&e, db, &cfg);
	if (net_init_config(&cfg) != 0) {
		LOG(LOG_ERR, "libcurl did not start");
		rv = EX_OSERR;
		goto out;
	}
	queue_runner_init(&queue, db, &cfg);
	e.queue = &queue;

	/* The minute this tick covers is the one it started in. */
	next = tick_now();
	minute_end = next - next % 60 + 60;
	while (!tick_stop) {
		tick_pass(&e, &state, tick_now());
		if (once)
			break;
		next = tick_now() + 1;
		if (next >= minute_end)
			break;
		tick_sleep_until(next);
	}
out:
	net_cleanup();
	db_free(db);
	if (lock_fd >= 0)
		close(lock_fd);
	explicit_bzero(&cfg, sizeof(cfg));
	return rv;
}
