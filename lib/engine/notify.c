/*
 * One message out on its channels: routing, quiet hours, the jobs that
 * deliver it, and the reminders of alerts nobody answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "iso8601.h"
#include "engine/notify.h"
#include "net/ha.h"
#include "net/http.h"
#include "net/publish.h"
#include "net/queue.h"
#include "net/telegram.h"
#include "url_policy.h"
#include "store/alerts.h"
#include "store/jobs.h"
#include "store/notify_rules.h"
#include "validate.h"

/* Reminders sent per tick pass at most; the rest wait for the next pass. */
#define ESCALATIONS_PER_PASS 32
/* Characters of an alert's or a prompt's title (VARCHAR(256)). */
#define TITLE_CHARS 256

void notify_out_clear(struct notify_out *o)
{
	json_decref(o->delivered);
	json_decref(o->errors);
	json_decref(o->jobs);
	memset(o, 0, sizeof(*o));
}

/* ---------------------------------------------------------------- pure */

int notify_hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');

	return h < 24 && m < 60 ? h * 60 + m : -1;
}

bool notify_in_window(int start, int end, int minute)
{
	if (start == end)
		return false;
	if (start < end)
		return minute >= start && minute < end;
	return minute >= start || minute < end;
}

bool notify_channel_quietable(const char *channel)
{
	static const char *const quiet[] = {"ha_speaker_tts", "pwa_tts_announcement",
					    "pwa_realtime_ai", "eink", NULL};

	for (size_t i = 0; quiet[i]; i++)
		if (strcmp(channel, quiet[i]) == 0)
			return true;
	return false;
}

bool notify_quiet(const struct notify_rule *r, const char *level, const char *channel,
		  int minute)
{
	int start, end;

	if (!r || !r->quiet_enabled || strcmp(level, "emergency") == 0 ||
	    !notify_channel_quietable(channel))
		return false;
	start = notify_hhmm(r->quiet_start);
	end = notify_hhmm(r->quiet_end);
	return start >= 0 && end >= 0 && notify_in_window(start, end, minute);
}

/* ---------------------------------------------------------------- sending */

/* One notify_send() call's working state. */
struct send {
	const struct notify_ctx *c;
	const struct notify_msg *m;
	struct notify_out *o;
	const struct notify_rule *rule;
	bool quiet_now;               /* inside the level's quiet hours (not emergency) */
	int minute;                   /* local minute of day */
};

static int notify__mark(struct send *s, const char *channel, bool ok, const char *why)
{
	if (json_object_set_new(s->o->delivered, channel, json_boolean(ok)) != 0)
		return -1;
	if (why && json_object_set_new(s->o->errors, channel, json_string(why)) != 0)
		return -1;
	return 0;
}

static const char *notify__text(const struct send *s, const char *channel)
{
	const char *t = json_string_value(json_object_get(s->m->channel_texts, channel));

	if (t)
		return t;
	return s->m->text && *s->m->text ? s->m->text : s->m->title;
}

/* The webhook's body: its own text when that is JSON, else this. */
static json_t *notify__webhook_body(const struct send *s)
{
	const char *own = json_string_value(json_object_get(s->m->channel_texts, "webhook"));
	char at[ISO8601_LEN];
	json_t *body;

	if (own && (body = json_loads(own, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL))) {
		if (json_is_object(body) || json_is_array(body))
			return body;
		json_decref(body);
	}
	iso8601_format(s->m->now, at);
	body = json_pack("{s:s, s:s, s:s, s:s, s:I}", "source", "hearth", "alert_level",
			 s->m->level, "title", s->m->title ? s->m->title : "", "message",
			 s->m->text ? s->m->text : "", "reminder", (json_int_t)s->m->reminder);
	if (!body)
		return NULL;
	json_object_set_new(body, "at", json_string(at));
	json_object_set_new(body, "alert_id",
			    s->m->alert_id ? json_integer(s->m->alert_id) : json_null());
	json_object_set_new(body, "execution_id",
			    s->m->execution_id ? json_integer(s->m->execution_id) : json_null());
	json_object_set_new(body, "rule_id",
			    s->m->rule_id ? json_integer(s->m->rule_id) : json_null());
	json_object_set_new(body, "rule_name",
			    s->m->rule_name ? json_string(s->m->rule_name) : json_null());
	return body;
}

/* A message for a dashboard stream (the pwa_* channels). */
static json_t *notify__stream_payload(const struct send *s, const char *type, json_t *data)
{
	if (!data)
		data = json_pack("{s:s, s:s, s:s, s:I}", "alert_level", s->m->level, "title",
				 s->m->title ? s->m->title : "", "message",
				 notify__text(s, "pwa_popup_text"), "reminder",
				 (json_int_t)s->m->reminder);
	if (!data)
		return NULL;
	json_object_set_new(data, "alert_id",
			    s->m->alert_id ? json_integer(s->m->alert_id) : json_null());
	json_object_set_new(data, "execution_id",
			    s->m->execution_id ? json_integer(s->m->execution_id) : json_null());
	return json_pack("{s:s, s:s, s:o}", "channel", "prompts", "type", type, "data", data);
}

/* The pop-up: its prompt row, then the job that puts it on the stream. */
static json_t *notify__popup(struct send *s, enum herr *e)
{
	struct prompt_fields p = {
		.kind = "notification",
		.alert_id = s->m->alert_id,
		.execution_id = s->m->execution_id,
		.step_id = s->m->step_id,
		.alert_level = s->m->level,
		.title = s->m->title,
		.message = notify__text(s, "pwa_popup_text"),
		.buttons_json = "[]",
	};
	json_t *prompt = NULL;

	*e = store_prompts_create(s->c->db, &p, &s->o->prompt_id);
	if (*e == HERR_OK)
		*e = store_prompts_get(s->c->db, s->o->prompt_id, &prompt);
	if (*e != HERR_OK)
		return NULL;
	return json_pack("{s:s, s:s, s:o}", "channel", "prompts", "type", "prompt.created",
			 "data", prompt);
}

/*
 * The job payload for channel, or NULL with *why set when the channel
 * cannot deliver as things are (no job then).  *e is set on a database or
 * memory failure.
 */
static json_t *notify__payload(struct send *s, const char *channel, const char **why,
			       char *whybuf, size_t whylen, enum herr *e)
{
	const struct hearth_config *cfg = s->c->cfg;

	*e = HERR_OK;
	*why = NULL;
	/* A channel that cannot deliver at all says so, quiet hours or not. */
	if (strcmp(channel, "eink") == 0) {
		*why = "not delivered: Hearth has no e-ink module yet";
		return NULL;
	}
	if (s->quiet_now && notify_quiet(s->rule, s->m->level, channel, s->minute)) {
		snprintf(whybuf, whylen, "held back: quiet hours %s-%s", s->rule->quiet_start,
			 s->rule->quiet_end);
		*why = whybuf;
		return NULL;
	}
	if (strcmp(channel, "pwa_popup_text") == 0)
		return notify__popup(s, e);
	if (strcmp(channel, "pwa_realtime_ai") == 0)
		return notify__stream_payload(s, "notification.realtime_ai", NULL);
	if (strcmp(channel, "pwa_tts_announcement") == 0)
		return notify__stream_payload(s, "notification.tts_announcement", NULL);
	if (strcmp(channel, "telegram") == 0) {
		if (!cfg || !telegram_configured(cfg, s->m->level)) {
			*why = "Telegram is not configured ([telegram] bot_token and a chat id)";
			return NULL;
		}
		/* Inside quiet hours a message still goes, without a sound. */
		return json_pack("{s:s, s:s, s:b}", "level", s->m->level, "text",
				 notify__text(s, channel), "silent", s->quiet_now);
	}
	if (strcmp(channel, "ha_speaker_tts") == 0) {
		if (!cfg || !ha_configured(cfg)) {
			*why = "Home Assistant is not configured ([homeassistant] url and token)";
			return NULL;
		}
		return json_pack("{s:s}", "message", notify__text(s, channel));
	}
	if (strcmp(channel, "webhook") == 0) {
		const char *url = s->m->webhook_url;
		char refusal[128];

		if (!url || !*url) {
			*why = "no webhook_url to deliver to";
			return NULL;
		}
		if (url_policy_check_url(net_policy(), url, refusal, sizeof(refusal)) != 0) {
			snprintf(whybuf, whylen, "webhook_url refused: %s", refusal);
			*why = whybuf;
			return NULL;
		}
		return json_pack("{s:s, s:o}", "url", url, "body", notify__webhook_body(s));
	}
	*why = "unknown channel";
	return NULL;
}

/* Queue one channel's job and, with a runner, try it now. */
static enum herr notify__channel(struct send *s, const char *channel)
{
	char whybuf[192], err[JOB_ERROR_MAX];
	const char *why = NULL;
	enum herr e;
	json_t *payload = notify__payload(s, channel, &why, whybuf, sizeof(whybuf), &e);
	struct job_fields f = {
		.queue = channel,
		.payload = payload,
		.alert_id = s->m->alert_id,
		.execution_id = s->m->execution_id,
		.step_id = s->m->step_id,
	};
	bool delivered, popup;
	int64_t id = 0;

	if (e != HERR_OK)
		return e;
	if (!payload)
		return why ? (notify__mark(s, channel, false, why) == 0 ? HERR_OK : HERR_NOMEM)
			   : HERR_NOMEM;
	e = store_jobs_create(s->c->db, &f, &id);
	json_decref(payload);
	if (e != HERR_OK)
		return e;
	if (json_object_set_new(s->o->jobs, channel, json_integer(id)) != 0)
		return HERR_NOMEM;
	/* Without a runner the job goes after the caller's response, or to
	 * the scheduler.  A pop-up whose prompt row exists is on the dashboard
	 * already: only its live push can still fail. */
	popup = strcmp(channel, "pwa_popup_text") == 0;
	delivered = queue_try_now(s->c->queue, id, err, sizeof(err));
	return notify__mark(s, channel, delivered || popup,
			    delivered || (popup && !s->c->queue) ? NULL : err) == 0 ? HERR_OK
										  : HERR_NOMEM;
}

enum herr notify_send(const struct notify_ctx *c, const struct notify_msg *m,
		      struct notify_out *o)
{
	struct notify_rule rule;
	struct send s = { .c = c, .m = m, .o = o, .rule = NULL };
	const json_t *channels = m->channels, *ch;
	struct tm tm;
	enum herr e;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->delivered = json_object();
	o->errors = json_object();
	o->jobs = json_object();
	if (!o->delivered || !o->errors || !o->jobs)
		return HERR_NOMEM;

	memset(&rule, 0, sizeof(rule));
	if (!m->rule && (e = store_notify_rule_get(c->db, m->level, &rule)) != HERR_OK)
		return e;
	s.rule = m->rule ? m->rule : &rule;
	if (localtime_r(&m->now, &tm)) {
		s.minute = tm.tm_hour * 60 + tm.tm_min;
		s.quiet_now = s.rule->quiet_enabled && strcmp(m->level, "emergency") != 0 &&
			      notify_in_window(notify_hhmm(s.rule->quiet_start),
					       notify_hhmm(s.rule->quiet_end), s.minute);
	}
	if (!json_is_array(channels))
		channels = s.rule->channels;

	json_array_foreach(channels, i, ch) {
		if (!json_is_string(ch) || json_object_get(o->delivered, json_string_value(ch)))
			continue;
		if ((e = notify__channel(&s, json_string_value(ch))) != HERR_OK)
			break;
	}
	notify_rule_clear(&rule);
	return e;
}

/* ---------------------------------------------------------------- reminders */

static enum herr notify__remind(const struct notify_ctx *c, const struct due_escalation *d,
				time_t now, bool *sent)
{
	struct notify_rule rule;
	struct notify_out o;
	char prefixed[TITLE_CHARS * 4 + 64], title[TITLE_CHARS * 4 + 1];
	char *text = NULL;
	bool claimed = false;
	enum herr e;

	*sent = false;
	if ((e = store_notify_rule_get(c->db, d->level, &rule)) != HERR_OK)
		return e;
	/* A level whose reminders were switched off since: none now either. */
	e = store_alerts_claim_escalation(c->db, d, rule.escalation_minutes ? rule.repeat_count : 0,
					  rule.escalation_minutes, &claimed);
	if (e != HERR_OK || !claimed || !rule.escalation_minutes || !rule.repeat_count) {
		notify_rule_clear(&rule);
		return e;
	}
	snprintf(prefixed, sizeof(prefixed), "Reminder %u of %u: %s", d->escalations_sent + 1,
		 rule.repeat_count, d->title);
	utf8_copy_chars(title, sizeof(title), prefixed, TITLE_CHARS);
	/* The message says it too: on Telegram or a speaker there is no title. */
	if (asprintf(&text, "Reminder %u of %u: %s", d->escalations_sent + 1, rule.repeat_count,
		     d->message) < 0) {
		notify_rule_clear(&rule);
		return HERR_NOMEM;
	}
	struct notify_msg m = {
		.level = d->level,
		.title = title,
		.text = text,
		.alert_id = d->id,
		.rule = &rule,
		.reminder = d->escalations_sent + 1,
		.now = now,
	};
	e = notify_send(c, &m, &o);
	if (e == HERR_OK && c->cfg) {
		json_t *data = json_pack("{s:I, s:s, s:I, s:O}", "alert_id", (json_int_t)d->id,
					 "alert_level", d->level, "reminder",
					 (json_int_t)(d->escalations_sent + 1), "channels",
					 o.delivered);

		publish_message(c->cfg, "alerts", "alert.escalated", data);
		json_decref(data);
	}
	notify_out_clear(&o);
	notify_rule_clear(&rule);
	free(text);
	*sent = e == HERR_OK;
	return e;
}

enum herr notify_escalations(const struct notify_ctx *c, time_t now, unsigned *sent)
{
	struct due_escalation due[ESCALATIONS_PER_PASS];
	size_t n = 0;
	enum herr e;

	if (sent)
		*sent = 0;
	e = store_alerts_escalations_due(c->db, due, ESCALATIONS_PER_PASS, &n);
	for (size_t i = 0; e == HERR_OK && i < n; i++) {
		bool one = false;

		e = notify__remind(c, &due[i], now, &one);
		if (one && sent)
			(*sent)++;
	}
	store_escalations_free(due, n);
	return e;
}
