/*
 * condition: evaluate an expression on pipeline_data and branch.
 *
 * With no step to jump to on false, a false condition ends the run
 * (should_continue = false): "notify only if ..." needs no second step.
 * The expression was parsed when the step was saved; it is parsed again
 * here because the tree is not stored, and a failure now (a step saved
 * before a grammar change) fails the run with the parser's message.
 */
#include "engine/condition.h"
#include "engine/step.h"

int step_run_condition(struct step_run *s)
{
	const char *text = json_string_value(json_object_get(s->config, "expression"));
	char err[128];
	struct cond *c;
	bool result;

	if (!text)
		return step_fail(s, "no expression");
	c = cond_parse(text, err, sizeof(err));
	if (!c)
		return step_fail(s, "expression %s", err);
	result = cond_eval(c, s->data) == 1;
	cond_free(c);

	s->output = json_pack("{s:s, s:b, s:s}", "expression", text, "result", result,
			      "branch", result ? "true" : "false");
	if (!s->output)
		return step_fail(s, "out of memory");
	json_object_set(s->data, "condition", s->output);
	s->has_result = true;
	s->result = result;
	s->counts = result;
	if (!result && !s->has_false_branch)
		s->stop = true;
	return 0;
}
