/*
 * wait: pause the run for `minutes`.  The executor writes the run as
 * waiting with resume_at; hearth-tick resumes it with the next step.
 */
#include <stdio.h>
#include <time.h>

#include "engine/step.h"
#include "iso8601.h"

int step_run_wait(struct step_run *s)
{
	json_int_t minutes = json_integer_value(json_object_get(s->config, "minutes"));
	char at[ISO8601_LEN];

	if (minutes <= 0)
		return step_fail(s, "minutes must be at least 1");
	s->wait_until = s->now + (time_t)minutes * 60;
	s->waiting_for = "wait";
	if (iso8601_format(s->wait_until, at) != 0)
		return step_fail(s, "cannot represent the resume time");
	s->output = json_pack("{s:s, s:I}", "wait_until", at, "minutes", minutes);
	if (!s->output)
		return step_fail(s, "out of memory");
	json_object_set_new(s->data, "wait_until", json_string(at));
	return 0;
}
