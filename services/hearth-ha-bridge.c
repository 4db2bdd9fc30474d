/*
 * hearth-ha-bridge: Home Assistant's state changes as Hearth sensor
 * events (lib/ha/bridge.h), a long-running service (systemd's
 * hearth-ha-bridge.service).  One WebSocket subscription to HA; every
 * change of an entity linked to a Hearth sensor is recorded as the API
 * records a sensor's event, rules and the events stream included.
 *
 * Without [homeassistant] url (in hearth.conf, or ha_url in the settings
 * the API changes) it says so once and reads the configuration again every
 * minute until one is set.  A change of HA's connection in the settings
 * while it runs makes it reconnect with the new one.  SIGTERM and SIGINT end it after
 * the event in hand; its health row then says disconnected.
 *
 *   hearth-ha-bridge [-c CONFIG] [--verbose]
 *
 * Exit codes (sysexits.h): 0 stopped by a signal, 64 usage, 71 out of
 * memory or libcurl, 78 bad configuration.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "db_config.h"
#include "engine/engine.h"
#include "ha/bridge.h"
#include "log.h"
#include "net/http.h"
#include "net/queue.h"
#include "settings.h"
#include "store/ha_bridge.h"

/* How often a bridge without Home Assistant reads its configuration. */
#define BRIDGE_CONFIG_POLL_S 5

static volatile sig_atomic_t bridge_stop;

static void bridge_on_signal(int sig)
{
	(void)sig;
	bridge_stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hearth-ha-bridge [-c CONFIG] [--verbose]\n\n"
		"  -c CONFIG      configuration file (default: $HEARTH_CONFIG, else %s)\n"
		"  -v, --verbose  log at info level at least\n"
		"  -h, --help     this text\n"
		"\nexit status: 0 stopped, 64 usage, 71 out of memory, 78 bad configuration\n",
		config_path(NULL));
}

/* Load the configuration file: 0, or -1 when it cannot be read. */
static int bridge_config(const char *path, struct hearth_config *cfg)
{
	char err[512];

	if (config_load(path, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "hearth-ha-bridge: %s\n", err);
		return -1;
	}
	return 0;
}

/* The file's configuration with the settings over it, in live, until it
 * names a Home Assistant (or a signal): 0, or -1 when the file cannot be
 * read.  The file is read again each time: it may be where HA is set. */
static int bridge_wait_for_ha(const char *path, struct hearth_config *cfg,
			      struct settings_live *live, struct db *db)
{
	bool said = false;

	struct ha_bridge_health h = {.connected = false};
	char host[256] = "localhost";

	(void)gethostname(host, sizeof(host) - 1);
	snprintf(h.last_error, sizeof(h.last_error), "Home Assistant is not configured"
		 " (its address and token in Settings, or [homeassistant] in hearth.conf)");
	for (;;) {
		settings_live_init(live, cfg);
		(void)settings_live_refresh(live, db, NULL);
		if (*live->cfg.ha_url || bridge_stop)
			return 0;
		/* /status shows why nothing comes: a row kept fresh, not stale. */
		if (!h.since_ms)
			h.since_ms = (int64_t)time(NULL) * 1000;
		(void)store_ha_bridge_status_put(db, host, &h);
		if (!said)
			LOG(LOG_NOTICE, "home assistant is not configured ([homeassistant] url, or "
			    "ha_url in the settings); looking again every %d s", BRIDGE_CONFIG_POLL_S);
		said = true;
		for (int i = 0; i < BRIDGE_CONFIG_POLL_S && !bridge_stop; i++)
			sleep(1);
		if (bridge_stop)
			return 0;
		if (bridge_config(path, cfg) != 0)
			return -1;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* Static: a struct hearth_config is large for a stack. */
	static struct hearth_config cfg;
	static struct settings_live live;
	static struct ha_bridge bridge;
	struct sigaction sa;
	struct db_options o;
	struct engine e;
	struct queue_runner queue;
	struct db *db = NULL;
	const char *config_arg = NULL;
	bool verbose = false, net = false;
	int ch, rv = EX_OK;

	log_init("hearth-ha-bridge", LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_arg = optarg;
			break;
		case 'v':
			verbose = true;
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

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bridge_on_signal; /* no SA_RESTART: waits end at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (bridge_config(config_path(config_arg), &cfg) != 0)
		return CONFIG_EXIT_BAD;
	o = db_options_from_config(&cfg);
	if (!(db = db_new(&o))) {
		LOG(LOG_ERR, "out of memory");
		rv = EX_OSERR;
		goto out;
	}
	/* The settings changed through the API, over the file's: HA's
	 * connection may be set there. */
	if (bridge_wait_for_ha(config_path(config_arg), &cfg, &live, db) != 0) {
		rv = CONFIG_EXIT_BAD;
		goto out;
	}
	if (bridge_stop)
		goto out;
	log_set_level(verbose && live.cfg.log_level < LOG_INFO ? LOG_INFO : live.cfg.log_level);
	if (engine_set_timezone(live.cfg.engine_timezone) != 0) {
		fprintf(stderr, "hearth-ha-bridge: engine.timezone: unknown time zone '%s'\n",
			cfg.engine_timezone);
		rv = CONFIG_EXIT_BAD;
		goto out;
	}
	engine_init(&e, db, &live.cfg);
	if (net_init_config(&live.cfg) != 0) {
		LOG(LOG_ERR, "libcurl did not start");
		rv = EX_OSERR;
		goto out;
	}
	net = true;
	queue_runner_init(&queue, db, &live.cfg);
	e.queue = &queue;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	ha_bridge_init(&bridge, db, &e, &live.cfg, &bridge_stop);
	bridge.settings = &live;
	ha_bridge_run(&bridge);
	LOG(LOG_NOTICE, "stopped");
out:
	if (net)
		net_cleanup();
	db_free(db);
	explicit_bzero(&cfg, sizeof(cfg));
	explicit_bzero(&live, sizeof(live));
	return rv;
}
