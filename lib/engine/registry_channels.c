/*
 * The notification channel registry: where a notification step can deliver,
 * which of its config keys each channel reads, and which channels an alert
 * level uses when the step names none.
 */
#include <stdbool.h>
#include <string.h>

#include "registry.h"
#include "registry_schema.h"

struct channel_type {
	const char *name;
	const char *display_name;
	const char *description;
	/* false while the service behind the channel is not part of Hearth:
	 * naming it in a step is a 422, and a level's default that names it
	 * reports it undelivered. */
	bool available;
	/* The notification step keys this channel reads. */
	const struct rparam *params;
	size_t nparams;
};

/* Kept in the order of channel_types[] below; names are the registry's. */
const char *const rs_channel_names[] = {
	"pwa_popup_text", "pwa_realtime_ai", "pwa_tts_announcement", "telegram",
	"eink", "ha_speaker_tts", "webhook", NULL,
};

const char *const rs_alert_levels[] = {"emergency", "warning", "info", "reminder", NULL};

static const struct rparam eink_params[] = {RP_PARAM_EINK_TARGETS, RP_PARAM_EINK_EXPIRY};
static const struct rparam webhook_params[] = {RP_PARAM_WEBHOOK_URL};

static const struct channel_type channel_types[] = {
	{"pwa_popup_text", "Dashboard pop-up",
	 "Shows the message as a pop-up on the dashboard, over the real-time stream",
	 true, NULL, 0},
	{"pwa_realtime_ai", "Dashboard voice assistant",
	 "Hands the message to the dashboard's real-time voice assistant, which speaks "
	 "it and can talk with the person", true, NULL, 0},
	{"pwa_tts_announcement", "Dashboard announcement",
	 "Reads the message aloud on the dashboard with text-to-speech", true, NULL, 0},
	{"telegram", "Telegram",
	 "Sends the message to the configured Telegram chat through the Bot API", true,
	 NULL, 0},
	{"eink", "E-ink displays",
	 "Renders the message onto e-ink displays until it expires", false,
	 eink_params, RP_COUNT(eink_params)},
	{"ha_speaker_tts", "Home Assistant speaker",
	 "Speaks the message on the configured Home Assistant media player (tts service)",
	 true, NULL, 0},
	{"webhook", "Webhook", "POSTs the notification as JSON to webhook_url", true,
	 webhook_params, RP_COUNT(webhook_params)},
};

#define CHANNEL_TYPES_COUNT (sizeof(channel_types) / sizeof(channel_types[0]))

/* The reference's defaults: a pop-up always; more the more urgent it is. */
static const char *const defaults_emergency[] = {"pwa_popup_text", "telegram", "eink",
						 "ha_speaker_tts", NULL};
static const char *const defaults_warning[] = {"pwa_popup_text", "telegram", "eink",
					       "pwa_realtime_ai", NULL};
static const char *const defaults_info[] = {"pwa_popup_text", NULL};
static const char *const defaults_reminder[] = {"pwa_popup_text", "ha_speaker_tts", "eink",
						NULL};

static const struct {
	const char *level;
	const char *const *channels;
} level_defaults[] = {
	{"emergency", defaults_emergency},
	{"warning", defaults_warning},
	{"info", defaults_info},
	{"reminder", defaults_reminder},
};

const struct channel_type *channel_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < CHANNEL_TYPES_COUNT; i++)
		if (strcmp(channel_types[i].name, name) == 0)
			return &channel_types[i];
	return NULL;
}

size_t channel_types_count(void)
{
	return CHANNEL_TYPES_COUNT;
}

const struct channel_type *channel_type_at(size_t i)
{
	return i < CHANNEL_TYPES_COUNT ? &channel_types[i] : NULL;
}

const char *channel_type_name(const struct channel_type *t)
{
	return t->name;
}

bool channel_type_available(const struct channel_type *t)
{
	return t->available;
}

const char *const *channel_defaults_for_level(const char *level)
{
	if (!level)
		return NULL;
	for (size_t i = 0; i < sizeof(level_defaults) / sizeof(level_defaults[0]); i++)
		if (strcmp(level_defaults[i].level, level) == 0)
			return level_defaults[i].channels;
	return NULL;
}

json_t *channel_type_to_json(const struct channel_type *t)
{
	json_t *schema = NULL, *levels = json_array(), *out = NULL;

	if (!levels)
		goto out;
	schema = rs_object_schema(t->params, t->nparams, NULL, NULL);
	if (!schema)
		goto out;
	for (size_t i = 0; i < sizeof(level_defaults) / sizeof(level_defaults[0]); i++)
		for (size_t j = 0; level_defaults[i].channels[j]; j++)
			if (strcmp(level_defaults[i].channels[j], t->name) == 0)
				json_array_append_new(levels, json_string(level_defaults[i].level));

	out = json_pack("{s:s, s:s, s:s, s:b, s:O, s:O}", "name", t->name,
			"display_name", t->display_name, "description", t->description,
			"available", t->available, "config_schema", schema,
			"default_for_levels", levels);
out:
	json_decref(schema);
	json_decref(levels);
	return out;
}
