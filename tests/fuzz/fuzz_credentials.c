/*
 * libFuzzer target for what a sign-in reads from outside before any
 * database: the Cookie header, Origin and Referer against the site, the
 * user name and password rules, the setup code and the session token's
 * shape.
 *
 * Input: '\n'-separated fields: COOKIE \n HOST \n PORT \n ORIGIN \n
 * USERNAME \n PASSWORD (the rest of the input).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "auth.h"
#include "password.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_field(const uint8_t **p, const uint8_t *end, int last)
{
	const uint8_t *nl = last ? NULL : memchr(*p, '\n', (size_t)(end - *p));
	size_t len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = strndup((const char *)*p, len);

	*p += nl ? len + 1 : len;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *cookie = fuzz_field(&p, end, 0), *host = fuzz_field(&p, end, 0);
	char *port = fuzz_field(&p, end, 0), *origin = fuzz_field(&p, end, 0);
	char *user = fuzz_field(&p, end, 0), *pw = fuzz_field(&p, end, 1);
	char buf[80], small[4], prefix[AUTH_KEY_PREFIX_LEN + 1], hex[ACCOUNTS_SETUP_HASH_LEN];
	struct request req = {.host = host, .server_port = port};
	int rv;

	rv = request_session_cookie(cookie, buf, sizeof(buf));
	if (rv == 2 && strlen(buf) >= sizeof(buf))
		abort();
	(void)request_session_cookie(cookie, small, sizeof(small));
	if (rv == 2)
		(void)auth_session_parse(buf, prefix);
	(void)request_same_site(&req, origin, false);
	(void)request_same_site(&req, origin, true);
	(void)accounts_username_refusal(user);
	/* Not password_refusal's hashing: one Argon2id run per input would
	 * starve the fuzzer; the rules are what parse the input. */
	(void)password_refusal(pw, user);
	accounts_setup_code_hash(pw, hex);
	if (strlen(hex) != ACCOUNTS_SETUP_HASH_LEN - 1)
		abort();

	free(cookie);
	free(host);
	free(port);
	free(origin);
	free(user);
	free(pw);
	return 0;
}
