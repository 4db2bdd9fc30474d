/*
 * libFuzzer target for cron expressions, which users type into rules.
 * Checks, besides memory safety and termination: a refusal always says
 * why, and what parses yields strictly increasing due instants from two
 * fixed starts just before the Berlin DST transitions of 2026.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cron.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const time_t starts[] = {
		1774738800, /* 2026-03-28 23:00 UTC, two hours before spring-forward */
		1792879200, /* 2026-10-24 22:00 UTC, three hours before fall-back */
	};
	struct cron_expr e;
	char err[CRON_ERR_MAX];
	char *s;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (cron_parse(s, &e, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		goto out;
	}
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		time_t t = starts[i], next;

		for (int n = 0; n < 6; n++) {
			int rc = cron_next(&e, t, &next);

			if (rc == CRON_NEVER)
				break;
			if (rc != 0 || next <= t)
				abort();
			t = next;
		}
	}
out:
	free(s);
	return 0;
}
