/*
 * The notification step: render the message and deliver it on each channel,
 * the step's own list or its alert level's defaults.  Emergency and warning
 * notifications also raise an alert, which people then dismiss or escalate.
 *
 * Only the dashboard pop-up (pwa_popup_text, a `prompts` row the dashboard
 * shows) can deliver today.  A default channel that cannot is reported
 * undelivered with the reason, never counted as sent: the run shows plainly
 * who was and was not reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/step.h"
#include "engine/template.h"
#include "store/alerts.h"

/* Bytes of a rendered message: what a TEXT column holds, with room for the
 * note an assist adds to the alert's message. */
#define MESSAGE_MAX 60000
/* Characters of an alert's or a prompt's title (VARCHAR(256)). */
#define TITLE_MAX 256

#define CHANNEL_POPUP "pwa_popup_text"

/* What one run of the step produced, owned here until handed to the run. */
struct notify {
	const char *level;
	char *message;        /* rendered message_template; NULL without one */
	char title[TITLE_MAX * 4 + 1];
	int64_t alert_id;     /* 0 = none */
	json_t *delivered;    /* {channel: bool} */
	json_t *errors;       /* {channel: reason} */
};

static bool notification__alerting(const char *level)
{
	return strcmp(level, "emergency") == 0 || strcmp(level, "warning") == 0;
}

/* Copy src into dst, at most max_chars UTF-8 characters and never cut
 * inside one; dst holds max_chars * 4 + 1 bytes. */
static void notification__copy_chars(char *dst, const char *src, size_t max_chars)
{
	size_t n = 0, chars = 0;

	while (src[n]) {
		if (((unsigned char)src[n] & 0xC0) != 0x80) {
			if (chars == max_chars)
				break;
			chars++;
		}
		n++;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The message for channel: its own template, else message_template, else
 * the rule's name, so that a pop-up never shows up empty.  A new string
 * (free()), or NULL when memory runs out. */
static char *notification__message_for(const struct step_run *s, const struct notify *n,
				       const char *channel)
{
	const json_t *templates = json_object_get(s->config, "channel_templates");
	const char *tmpl = json_string_value(json_object_get(templates, channel));

	if (tmpl)
		return template_render(tmpl, s->data, MESSAGE_MAX);
	return strdup(n->message ? n->message : n->title);
}

static int notification__mark(struct notify *n, const char *channel, bool ok,
			      const char *error)
{
	if (json_object_set_new(n->delivered, channel, json_boolean(ok)) != 0)
		return -1;
	if (error && json_object_set_new(n->errors, channel, json_string(error)) != 0)
		return -1;
	return 0;
}

/* Raise the alert of an emergency or warning. */
static int notification__alert(struct step_run *s, struct notify *n)
{
	const json_t *trigger = json_object_get(s->data, "trigger");
	char *message = n->message ? NULL : notification__message_for(s, n, CHANNEL_POPUP);
	struct alert_fields a = {
		.rule_id = s->rule_id,
		.execution_id = s->execution_id,
		.alert_type = "rule",
		.alert_level = n->level,
		.title = n->title,
		.message = n->message ? n->message : message,
		.room_name = json_string_value(json_object_get(trigger, "room_name")),
	};
	enum herr e;
	int rv = -1;

	if (!a.message) {
		step_fail(s, "out of memory");
		goto out;
	}
	e = store_alerts_create(s->e->db, &a, &n->alert_id);
	if (e != HERR_OK) {
		step_fail(s, "could not record the alert: %s", herr_str(e));
		goto out;
	}
	rv = 0;
out:
	free(message);
	return rv;
}

/* Deliver on the dashboard: a pending pop-up. */
static int notification__popup(struct step_run *s, struct notify *n)
{
	char *message = notification__message_for(s, n, CHANNEL_POPUP);
	struct prompt_fields p = {
		.kind = "notification",
		.alert_id = n->alert_id,
		.execution_id = s->execution_id,
		.step_id = s->step_id,
		.alert_level = n->level,
		.title = n->title,
		.message = message,
		.buttons_json = "[]",
	};
	int64_t id = 0;
	enum herr e;

	if (!message)
		return step_fail(s, "out of memory");
	e = store_prompts_create(s->e->db, &p, &id);
	free(message);
	if (e != HERR_OK)
		return notification__mark(n, CHANNEL_POPUP, false, herr_str(e));
	return notification__mark(n, CHANNEL_POPUP, true, NULL);
}

static int notification__deliver(struct step_run *s, struct notify *n, const char *channel)
{
	const struct channel_type *t = channel_type_find(channel);

	if (!t)
		return notification__mark(n, channel, false, "unknown channel");
	if (!channel_type_available(t))
		return notification__mark(n, channel, false, "not available yet");
	if (strcmp(channel, CHANNEL_POPUP) == 0)
		return notification__popup(s, n);
	return notification__mark(n, channel, false, "not available yet");
}

/* The channels to deliver on: the step's list, else the level's defaults,
 * as a new array. */
static json_t *notification__channels(const struct step_run *s, const char *level)
{
	const json_t *listed = json_object_get(s->config, "channels");
	const char *const *defaults;
	json_t *out;

	if (json_is_array(listed))
		return json_deep_copy(listed);
	out = json_array();
	defaults = channel_defaults_for_level(level);
	for (size_t i = 0; out && defaults && defaults[i]; i++)
		if (json_array_append_new(out, json_string(defaults[i])) != 0) {
			json_decref(out);
			return NULL;
		}
	return out;
}

int step_run_notification(struct step_run *s)
{
	const char *tmpl = json_string_value(json_object_get(s->config, "message_template"));
	struct notify n = {
		.level = json_string_value(json_object_get(s->config, "alert_level")),
		.delivered = json_object(),
		.errors = json_object(),
	};
	json_t *channels = NULL, *c, *result = NULL;
	bool dispatched = false;
	const char *key;
	json_t *v;
	size_t i;
	int rv = -1;

	if (!n.level)
		n.level = "info";
	notification__copy_chars(n.title, s->rule_name && *s->rule_name ? s->rule_name
									 : "Notification",
				 TITLE_MAX);
	if (!n.delivered || !n.errors) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (tmpl && !(n.message = template_render(tmpl, s->data, MESSAGE_MAX))) {
		step_fail(s, "out of memory");
		goto out;
	}
	if (!(channels = notification__channels(s, n.level))) {
		step_fail(s, "out of memory");
		goto out;
	}

	/* The alert first, so the pop-up can point at it. */
	if (notification__alerting(n.level) && notification__alert(s, &n) != 0)
		goto out;
	json_array_foreach(channels, i, c) {
		if (!json_is_string(c))
			continue;
		if (notification__deliver(s, &n, json_string_value(c)) != 0) {
			if (!s->error[0])
				step_fail(s, "out of memory");
			goto out;
		}
	}
	json_object_foreach(n.delivered, key, v)
		dispatched = dispatched || json_is_true(v);

	result = json_pack("{s:b, s:O, s:O}", "notification_dispatched", dispatched,
			   "notification_channels", n.delivered, "notification_errors", n.errors);
	if (result && n.alert_id > 0 &&
	    json_object_set_new(result, "alert_id", json_integer(n.alert_id)) != 0) {
		json_decref(result);
		result = NULL;
	}
	/* pipeline_data gets its own copy: the output may also be stored under
	 * the step's label, and one document should not share its parts. */
	if (!result || json_object_update_new(s->data, json_deep_copy(result)) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}
	s->output = result;
	result = NULL;
	s->counts = true;
	rv = 0;
out:
	free(n.message);
	json_decref(n.delivered);
	json_decref(n.errors);
	json_decref(channels);
	json_decref(result);
	return rv;
}
