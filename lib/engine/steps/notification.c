/*
 * The notification step: render the message (and each channel's own
 * template), raise the alert of an emergency or warning, and hand the rest
 * to engine/notify.h, which routes it by the level's notification rule
 * (channels, quiet hours) and delivers through the retry queue.
 *
 * notification_channels tells, per channel, whether the first attempt
 * reached it; notification_errors why not (not configured, quiet hours,
 * the receiver's error while the queue retries); notification_jobs the
 * retry queue's job of each channel, to follow it to the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine/engine.h"
#include "engine/notify.h"
#include "engine/registry.h"
#include "engine/step.h"
#include "engine/template.h"
#include "net/publish.h"
#include "store/alerts.h"
#include "store/notify_rules.h"
#include "validate.h"

/* Bytes of a rendered message: what a TEXT column holds, with room for the
 * note an assist adds to the alert's message. */
#define MESSAGE_MAX 60000
/* Characters of an alert's or a prompt's title (VARCHAR(256)). */
#define TITLE_MAX 256

/* What one run of the step produced, owned here until handed to the run. */
struct notify {
	const char *level;
	char *message;        /* rendered message_template; NULL without one */
	json_t *texts;        /* {channel: rendered channel template} */
	char title[TITLE_MAX * 4 + 1];
	int64_t alert_id;     /* 0 = none */
};

static bool notification__alerting(const char *level)
{
	return strcmp(level, "emergency") == 0 || strcmp(level, "warning") == 0;
}

/* Render each channel_templates entry into n->texts. */
static int notification__render(struct step_run *s, struct notify *n)
{
	const json_t *templates = json_object_get(s->config, "channel_templates");
	const char *channel;
	json_t *tmpl;

	json_object_foreach((json_t *)templates, channel, tmpl) {
		char *text;

		if (!json_is_string(tmpl))
			continue;
		if (!(text = template_render(json_string_value(tmpl), s->data, MESSAGE_MAX)))
			return -1;
		if (json_object_set_new(n->texts, channel, json_string(text)) != 0) {
			free(text);
			return -1;
		}
		free(text);
	}
	return 0;
}

/* Raise the alert of an emergency or warning, with the reminders of its
 * level's rule, and tell the dashboard. */
static int notification__alert(struct step_run *s, struct notify *n,
			       const struct notify_rule *rule)
{
	const json_t *trigger = json_object_get(s->data, "trigger");
	const char *popup = json_string_value(json_object_get(n->texts, "pwa_popup_text"));
	struct alert_fields a = {
		.rule_id = s->rule_id,
		.execution_id = s->execution_id,
		.alert_type = "rule",
		.alert_level = n->level,
		.title = n->title,
		.message = n->message ? n->message : popup ? popup : n->title,
		.room_name = json_string_value(json_object_get(trigger, "room_name")),
		.escalation_minutes = rule->repeat_count ? rule->escalation_minutes : 0,
	};
	json_t *alert = NULL;
	enum herr e = store_alerts_create(s->e->db, &a, &n->alert_id);

	if (e != HERR_OK)
		return step_fail(s, "could not record the alert: %s", herr_str(e));
	if (s->e->cfg && store_alerts_get(s->e->db, n->alert_id, &alert) == HERR_OK)
		publish_message(s->e->cfg, "alerts", "alert.created", alert);
	json_decref(alert);
	return 0;
}

int step_run_notification(struct step_run *s)
{
	const char *tmpl = json_string_value(json_object_get(s->config, "message_template"));
	struct notify n = {
		.level = json_string_value(json_object_get(s->config, "alert_level")),
		.texts = json_object(),
	};
	struct notify_ctx ctx = { .db = s->e->db, .cfg = s->e->cfg, .queue = s->e->queue };
	struct notify_out o = { 0 };
	struct notify_rule rule = { 0 };
	json_t *result = NULL, *v;
	bool dispatched = false;
	const char *key;
	enum herr e;
	int rv = -1;

	if (!n.level)
		n.level = "info";
	utf8_copy_chars(n.title, sizeof(n.title),
			s->rule_name && *s->rule_name ? s->rule_name : "Notification", TITLE_MAX);
	if (!n.texts || (tmpl && !(n.message = template_render(tmpl, s->data, MESSAGE_MAX))) ||
	    notification__render(s, &n) != 0) {
		step_fail(s, "out of memory");
		goto out;
	}

	/* The level's routing, read once for the alert and the delivery. */
	if ((e = store_notify_rule_get(s->e->db, n.level, &rule)) != HERR_OK) {
		step_fail(s, "could not read the routing of %s: %s", n.level, herr_str(e));
		goto out;
	}
	/* The alert first, so the pop-up and the jobs can point at it. */
	if (notification__alerting(n.level) && notification__alert(s, &n, &rule) != 0)
		goto out;

	struct notify_msg m = {
		.level = n.level,
		.title = n.title,
		.text = n.message,
		.channel_texts = n.texts,
		.channels = json_object_get(s->config, "channels"),
		.rule = &rule,
		.webhook_url = json_string_value(json_object_get(s->config, "webhook_url")),
		.alert_id = n.alert_id,
		.execution_id = s->execution_id,
		.step_id = s->step_id,
		.rule_id = s->rule_id,
		.rule_name = s->rule_name,
		.now = s->now,
	};
	if ((e = notify_send(&ctx, &m, &o)) != HERR_OK) {
		step_fail(s, "could not deliver the notification: %s", herr_str(e));
		goto out;
	}
	json_object_foreach(o.delivered, key, v)
		dispatched = dispatched || json_is_true(v);

	result = json_pack("{s:b, s:O, s:O, s:O}", "notification_dispatched", dispatched,
			   "notification_channels", o.delivered, "notification_errors", o.errors,
			   "notification_jobs", o.jobs);
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
	json_decref(n.texts);
	notify_rule_clear(&rule);
	notify_out_clear(&o);
	json_decref(result);
	return rv;
}
