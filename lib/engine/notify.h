#ifndef HEARTH_ENGINE_NOTIFY_H
#define HEARTH_ENGINE_NOTIFY_H

/*
 * Telling people: one message, at one alert level, out on channels.  Used
 * by the notification step, by alert reminders (escalation) and by alerts
 * that come from outside (Alertmanager).
 *
 * For each channel:
 *   - quiet hours of the level's notification rule hold back the voice and
 *     e-ink channels (ha_speaker_tts, pwa_tts_announcement, pwa_realtime_ai,
 *     eink); pop-ups, Telegram (silently) and webhooks still go, and an
 *     emergency ignores quiet hours;
 *   - a channel that cannot deliver as configured (Telegram without a bot
 *     or chat, Home Assistant without a URL, a webhook URL the outbound
 *     policy refuses, e-ink until its module exists) is reported
 *     undelivered with the reason and makes no job;
 *   - anything else becomes a job in the retry queue (net/queue.h), written
 *     before it is tried, so a crash loses nothing; with a runner it is
 *     tried at once and reported as that first attempt went.
 * pwa_popup_text also writes the dashboard's prompt row first, so the
 * pop-up exists even while the stream is down.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct db;
struct hearth_config;
struct notify_rule;
struct queue_runner;

/* Where to send from. */
struct notify_ctx {
	struct db *db;
	const struct hearth_config *cfg;     /* NULL: channels needing config are undelivered */
	struct queue_runner *queue;          /* NULL: jobs are only queued (the caller
	                                      * has them run, e.g. after its response) */
};

/* What to send; all borrowed. */
struct notify_msg {
	const char *level;                   /* emergency|warning|info|reminder */
	const char *title;
	const char *text;                    /* the message */
	const json_t *channel_texts;         /* {channel: text} instead of text; may be NULL */
	const json_t *channels;              /* array; NULL = the level's rule */
	const struct notify_rule *rule;      /* the level's rule, when the caller has
	                                      * read it already; NULL = read here */
	const char *webhook_url;             /* for the webhook channel; NULL = none */
	int64_t alert_id, execution_id, step_id, rule_id;
	const char *rule_name;
	unsigned reminder;                   /* 0 = first notice; n = n-th reminder */
	time_t now;
};

/* What happened; all new references, freed by notify_out_clear(). */
struct notify_out {
	json_t *delivered;                   /* {channel: bool} */
	json_t *errors;                      /* {channel: reason} */
	json_t *jobs;                        /* {channel: job id} */
	int64_t prompt_id;                   /* the pop-up's prompt, 0 = none */
};

void notify_out_clear(struct notify_out *o);

/*
 * Send m.  HERR_OK whatever each channel did (see o); an error only when
 * the database failed or memory ran out, and then o holds what was done
 * before.
 */
enum herr notify_send(const struct notify_ctx *c, const struct notify_msg *m,
		      struct notify_out *o);

/*
 * Re-notify every open alert whose reminder is due (hearth-tick): claimed
 * one by one, so two ticks never send the same reminder.  *sent how many
 * (may be NULL).
 */
enum herr notify_escalations(const struct notify_ctx *c, time_t now, unsigned *sent);

/* ---- pure parts, unit-tested */

/* "HH:MM" as minutes since midnight; -1 when it is not a valid time. */
int notify_hhmm(const char *hhmm);

/* Whether minute (0..1439) lies in [start, end), a window that wraps
 * past midnight when end < start; an empty window (start == end) holds
 * nothing. */
bool notify_in_window(int start, int end, int minute);

/* Whether quiet hours hold channel back for level at local minute of day. */
bool notify_quiet(const struct notify_rule *r, const char *level, const char *channel,
		  int minute);

/* Whether channel is one quiet hours hold back (voice, e-ink). */
bool notify_channel_quietable(const char *channel);

#endif
