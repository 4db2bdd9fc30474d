/*
 * libFuzzer target for the INI dialect and everything built on it: the
 * bare reader, hearth.conf (without the environment) and roles.conf.
 * The input is the file's text, any bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ini.h"
#include "log.h"
#include "roles.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte handed over, so the sanitizers see any overread. */
static int fuzz_cb(const char *section, const char *key, const char *value, int lineno,
		   void *user, char *err, size_t errlen)
{
	size_t *total = user;

	*total += strlen(section) + strlen(key) + strlen(value);
	if (lineno <= 0)
		abort();
	(void)err;
	(void)errlen;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_ini", LOG_CRIT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct hearth_config cfg;
	struct roles *roles;
	char err[512];
	size_t total = 0;

	err[0] = '\0';
	if (ini_parse(text, size, fuzz_cb, &total, err, sizeof(err)) != 0 &&
	    strnlen(err, sizeof(err)) == sizeof(err))
		abort();

	if (config_load_text("fuzz.conf", text, size, false, &cfg, err, sizeof(err)) == 0) {
		/* What a successful load promises. */
		if (cfg.secret_len < 32 || cfg.secret_len > 64 || cfg.api_workers == 0 ||
		    cfg.api_workers > 256 || cfg.api_max_requests == 0 ||
		    memchr(cfg.api_socket, '\0', sizeof(cfg.api_socket)) == NULL)
			abort();
	}

	roles = roles_load_text(text, size, err, sizeof(err));
	if (roles) {
		for (size_t i = 0; i < roles_count(roles); i++)
			(void)roles_allows(roles, roles_name(roles, i), "GET", "/api/v1/rooms");
		roles_free(roles);
	}
	return 0;
}
