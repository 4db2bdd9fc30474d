/*
 * /api/v1/settings: the configuration a household changes from the
 * dashboard without editing hearth.conf, kept in the database and applied
 * by every worker on its next request (settings.h, live.c).
 *
 * Settable here: timezone, log_level, outbound_allow_private,
 * outbound_deny_cidrs, the Telegram chat ids, the Home Assistant speaker
 * entities and HA's connection (ha_url, ha_token, ha_verify_tls: the token
 * is never shown, and goes to a new address only with a new token; see
 * lib/settings.c).  Everything else is file-only because it decides how
 * the processes start or what they reach: [api], [database], [cache],
 * [security] secret_key, [auth] (session lifetimes, the setup code
 * file), [media] and [logs] paths, lock files, the
 * publisher URL, Telegram's token and its URL, and the parts of
 * the outbound policy that widen it (allow_loopback, allow_cidrs: the
 * box's own MariaDB and memcached listen on loopback).  lib/settings.c
 * has the full list with the reason for each.
 *
 * GET returns every settable key with its effective value; PATCH sets the
 * keys it is given (null = back to the file's value) and returns the same
 * document.  Both read the database, not the worker's copy, so they are
 * current even before the worker's next refresh.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "fields.h"
#include "handlers.h"
#include "resource.h"
#include "response.h"
#include "settings.h"

/* The file's configuration, as the overlay's base. */
static const struct hearth_config *settings__file(const struct ctx *c)
{
	return c->app->settings ? c->app->settings->file : c->app->cfg;
}

int h_settings_get(struct ctx *c, struct response *r)
{
	static struct hearth_config eff;   /* large; a worker serves one request at a time */
	json_t *values = NULL;
	int64_t version;
	char err[256];
	enum herr e;
	int status;

	if ((e = settings_load(c->app->db, false, &values, &version)) != HERR_OK) {
		status = response_error(r, e, "settings");
		goto out;
	}
	(void)settings_overlay(settings__file(c), values, false, &eff, NULL, err, sizeof(err));
	status = ctx_reply(r, 200, settings_document(&eff));
	explicit_bzero(&eff, sizeof(eff));
out:
	json_decref(values);
	return status;
}

int h_settings_patch(struct ctx *c, struct response *r)
{
	static struct hearth_config eff, before;
	json_t *body = ctx_body(c), *errs = json_array(), *values = NULL, *merged = NULL;
	const char *bad_key = NULL;
	int64_t version;
	char err[256];
	enum herr e;
	int status = resource_start(r);

	if (!body || !errs)
		goto out;
	if (settings_check_patch(body, errs) > 0) {
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	/* Locked until the commit: a concurrent PATCH of another key waits
	 * and merges into this one's result instead of losing it. */
	if ((e = settings_load(c->app->db, true, &values, &version)) != HERR_OK) {
		status = response_error(r, e, "settings");
		goto out;
	}
	if (!(merged = settings_merge(values, body)))
		goto out;
	/* The whole must still be a configuration the file would accept,
	 * e.g. allow_private off while Home Assistant is on the LAN. */
	if (settings_overlay(settings__file(c), merged, true, &eff, &bad_key, err,
			     sizeof(err)) != 0) {
		/* The outbound policy refusing HA's address is ha_url's fault. */
		if (!bad_key && strstr(err, "homeassistant.url"))
			bad_key = "ha_url";
		verr_add(errs, at_body, bad_key, "value_error", "%s", err);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	/* The token goes nowhere new without the one it is for. */
	(void)settings_overlay(settings__file(c), values, false, &before, NULL, err, sizeof(err));
	if (settings_check_ha(settings__file(c), &before, &eff, body, &bad_key, err, sizeof(err)) != 0) {
		verr_add(errs, at_body, bad_key, "value_error", "%s", err);
		status = ctx_invalid(r, errs);
		errs = NULL;
		goto out;
	}
	if ((e = settings_save(c->app->db, merged, version + 1)) != HERR_OK) {
		status = response_error(r, e, "settings");
		goto out;
	}
	/* Every worker compares this counter per request (api.c bumps it
	 * once the change is committed). */
	snprintf(c->object_id, sizeof(c->object_id), "%s", SETTINGS_ROW);
	c->stale[0] = SETTINGS_CACHE_NS;
	status = ctx_reply(r, 200, settings_document(&eff));
out:
	/* The token is not left behind in these statics. */
	explicit_bzero(&eff, sizeof(eff));
	explicit_bzero(&before, sizeof(before));
	json_decref(body);
	json_decref(errs);
	json_decref(values);
	json_decref(merged);
	return status;
}
