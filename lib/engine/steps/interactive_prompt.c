/*
 * interactive_prompt: ask the person on the dashboard (and by voice, once
 * a voice channel exists), then pause until they answer or the countdown
 * runs out.
 *
 * Entered twice.  First: render the message, write a pending prompt for
 * the dashboard, pause until now + countdown_seconds.  Then (resumed, by
 * POST /interactive-responses or by hearth-tick at the timeout): take the
 * answer, or record the timeout as the answer with timeout_action, and
 * branch: escalate = true, dismiss = false.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/step.h"
#include "engine/template.h"
#include "net/publish.h"
#include "store/alerts.h"
#include "store/runs.h"

/* The longest message a prompt shows. */
#define PROMPT_MAX 2000

static int prompt__ask(struct step_run *s)
{
	const char *popup = json_string_value(json_object_get(s->config, "popup_message_template"));
	const char *voice = json_string_value(json_object_get(s->config, "voice_prompt_template"));
	const char *title = json_string_value(json_object_get(s->config, "popup_title"));
	json_int_t countdown = json_integer_value(json_object_get(s->config, "countdown_seconds"));
	char *message = template_render(popup ? popup : voice, s->data, PROMPT_MAX);
	struct prompt_fields prompt = {.kind = "interactive", .alert_level = "warning"};
	char *buttons = NULL, expires[32];
	int64_t prompt_id;
	struct tm tm;
	json_t *b;
	enum herr e;

	if (!message)
		return step_fail(s, "out of memory");
	if (countdown <= 0)
		countdown = 30;
	b = json_pack("[{s:s, s:s}, {s:s, s:s}]",
		      "action", "escalate", "text",
		      json_string_value(json_object_get(s->config, "escalate_button_text")),
		      "action", "dismiss", "text",
		      json_string_value(json_object_get(s->config, "dismiss_button_text")));
	buttons = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (!buttons) {
		free(message);
		return step_fail(s, "out of memory");
	}
	s->wait_until = s->now + (time_t)countdown;
	s->waiting_for = "prompt";
	/* DATETIME text: the prompt's row is written by the alerts store. */
	if (!gmtime_r(&s->wait_until, &tm) ||
	    strftime(expires, sizeof(expires), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		free(message);
		free(buttons);
		return step_fail(s, "cannot represent the prompt's timeout");
	}
	prompt.execution_id = s->execution_id;
	prompt.step_id = s->step_id;
	prompt.title = title ? title : s->rule_name;
	prompt.message = message;
	prompt.buttons_json = buttons;
	prompt.countdown_seconds = countdown;
	prompt.expires_at = expires;
	e = store_prompts_create(s->e->db, &prompt, &prompt_id);
	json_object_set_new(s->data, "interactive_prompt",
			    json_pack("{s:I, s:s, s:I, s:s}", "step_id", (json_int_t)s->step_id,
				      "message", message, "countdown_seconds", countdown,
				      "channel", popup ? "pwa_popup_text" : "voice"));
	free(message);
	free(buttons);
	if (e != HERR_OK)
		return step_fail(s, "cannot record the prompt: %s", herr_str(e));
	/* The dashboard pops it up at once; one that missed the message finds
	 * it in GET /prompts. */
	if (s->e->cfg) {
		json_t *row = NULL;

		if (store_prompts_get(s->e->db, prompt_id, &row) == HERR_OK)
			publish_message(s->e->cfg, "prompts", "prompt.created", row);
		json_decref(row);
	}
	return 0;
}

static int prompt__answer(struct step_run *s)
{
	const char *key = json_string_value(json_object_get(s->config, "output_key"));
	const char *timeout_action = json_string_value(json_object_get(s->config, "timeout_action"));
	const char *action;
	json_t *answer = NULL;
	bool duplicate = false;
	enum herr e = store_runs_response(s->e->db, s->execution_id, s->step_id, &answer);

	if (e == HERR_NOT_FOUND) {
		/* Nobody answered: the timeout is the answer, recorded like any
		 * other so a late click is refused as a duplicate. */
		e = store_runs_respond(s->e->db, s->execution_id, s->step_id, "timeout",
				       timeout_action ? timeout_action : "escalate", "{}", &duplicate);
		if (e == HERR_OK)
			e = store_runs_prompt_close(s->e->db, s->execution_id, s->step_id, "expired");
		if (e == HERR_OK)
			e = store_runs_response(s->e->db, s->execution_id, s->step_id, &answer);
	}
	if (e != HERR_OK)
		return step_fail(s, "cannot read the answer: %s", herr_str(e));
	s->output = answer;
	json_object_set(s->data, key ? key : "interactive_response", answer);
	s->has_result = true;
	action = json_string_value(json_object_get(answer, "action"));
	s->result = action && strcmp(action, "escalate") == 0;
	return 0;
}

int step_run_interactive_prompt(struct step_run *s)
{
	return s->resumed ? prompt__answer(s) : prompt__ask(s);
}
