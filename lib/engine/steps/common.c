/* Helpers shared by the step run functions. */
#include <stdarg.h>
#include <stdio.h>

#include "engine/step.h"
#include "validate.h"

int step_fail(struct step_run *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	utf8_trim_cut(s->error);
	return -1;
}
