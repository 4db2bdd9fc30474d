/*
 * hearthctl ha check: whether Hearth can talk to the Home Assistant of
 * [homeassistant], over REST and over the WebSocket API, and what it sees
 * there.  Prints HA's version and how many states, areas, devices and
 * registered entities it has, or the one reason it cannot get them.  The
 * token is never printed.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "config.h"
#include "ctl.h"
#include "net/ha.h"
#include "net/ha_ws.h"
#include "net/http.h"
#include "settings.h"

#define HA_WHY_MAX 512

/* The length of the list a command answers, or -1 with why. */
static long ha__count(struct ha_ws *ws, const char *type, char *why, size_t whylen)
{
	json_t *list = NULL;
	long n = -1;

	if (ha_ws_command(ws, type, NULL, &list, why, whylen) != HERR_OK)
		return -1;
	if (json_is_array(list))
		n = (long)json_array_size(list);
	else
		snprintf(why, whylen, "Home Assistant's answer to %s is not a list", type);
	json_decref(list);
	return n;
}

int cmd_ha_check(struct ctl *c, const struct command *cmd, int argc, char **argv)
{
	static const char *const lists[][2] = {
		{ "states", "get_states" },
		{ "areas", "config/area_registry/list" },
		{ "devices", "config/device_registry/list" },
		{ "entities", "config/entity_registry/list" },
	};
	struct net_response rs = { 0 };
	char why[HA_WHY_MAX];
	struct ha_ws *ws = NULL;
	json_t *config = NULL;
	const char *version;
	enum herr rc;
	int rv;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: hearthctl %s %s\n", cmd->name, cmd->args);
		return EX_OK;
	}
	if (argc != 1)
		return command_usage(cmd);
	if ((rv = ctl_open(c)) != EX_OK)
		return rv;
	/* HA's connection may be set through the API, over the file's. */
	(void)settings_apply(c->db, &c->cfg);
	if (!ha_configured(&c->cfg)) {
		fprintf(stderr, "hearthctl: ha check: Home Assistant is not configured "
			"([homeassistant] url and token in %s, or ha_url and ha_token in the "
			"settings)\n", config_path(c->config_arg));
		return CONFIG_EXIT_BAD;
	}
	if (net_init_config(&c->cfg) != 0) {
		fprintf(stderr, "hearthctl: ha check: cannot start libcurl\n");
		return EX_OSERR;
	}

	/* REST first: its errors are the plainer ones (refused token, no HA
	 * at this URL). */
	rc = ha_check_api(&c->cfg, &rs);
	if (rc == HERR_OK) {
		net_response_free(&rs);
		rc = ha_get_config(&c->cfg, &config, &rs);
	}
	if (rc != HERR_OK) {
		fprintf(stderr, "hearthctl: ha check: REST API: %s\n", rs.error);
		rv = rc == HERR_INVALID ? EX_NOPERM : EX_UNAVAILABLE;
		goto out;
	}
	version = json_string_value(json_object_get(config, "version"));
	printf("REST API: running, Home Assistant %s\n", version ? version : "(version unknown)");

	ws = ha_ws_connect(&c->cfg, why, sizeof(why));
	if (!ws) {
		fprintf(stderr, "hearthctl: ha check: WebSocket API: %s\n", why);
		rv = EX_UNAVAILABLE;
		goto out;
	}
	printf("WebSocket API: authenticated, Home Assistant %s\n",
	       ha_ws_version(ws)[0] ? ha_ws_version(ws) : "(version unknown)");
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		long n = ha__count(ws, lists[i][1], why, sizeof(why));

		if (n < 0) {
			fprintf(stderr, "hearthctl: ha check: WebSocket API: %s\n", why);
			rv = EX_UNAVAILABLE;
			goto out;
		}
		printf("%s: %ld\n", lists[i][0], n);
	}
	rv = EX_OK;
out:
	ha_ws_close(ws);
	json_decref(config);
	net_response_free(&rs);
	net_cleanup();
	return rv;
}
