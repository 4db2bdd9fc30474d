/*
 * People's credentials as pure logic: password rules and hashing, user
 * names, the setup code, the session cookie and the same-site check that
 * guards writes made under it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "accounts.h"
#include "auth.h"
#include "password.h"
#include "request.h"
#include "store/accounts.h"

extern const char *const password_common[];
extern const size_t password_common_count;

static void test_password_rules(void **state)
{
	(void)state;
	assert_null(password_refusal("correct horse battery", "mum"));
	assert_non_null(password_refusal("short", NULL));
	/* Eight characters, counted as characters: "é" is two bytes. */
	assert_non_null(password_refusal("ééé", NULL));
	assert_null(password_refusal("éééééééé", NULL));
	assert_non_null(password_refusal("Password", NULL));
	assert_non_null(password_refusal("PASSWORD1", NULL));
	assert_non_null(password_refusal("iloveyou", NULL));
	assert_non_null(password_refusal("grandmother", "GrandMother"));
	assert_non_null(password_refusal(NULL, NULL));
	char big[PASSWORD_MAX_BYTES + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_non_null(password_refusal(big, NULL));
	big[PASSWORD_MAX_BYTES] = '\0';
	assert_null(password_refusal(big, NULL));
}

static void test_common_list_sorted(void **state)
{
	(void)state;
	assert_true(password_common_count > 100);
	for (size_t i = 1; i < password_common_count; i++)
		assert_true(strcmp(password_common[i - 1], password_common[i]) < 0);
	for (size_t i = 0; i < password_common_count; i++) {
		assert_true(strlen(password_common[i]) >= PASSWORD_MIN_CHARS);
		assert_true(password_is_common(password_common[i]));
	}
	assert_false(password_is_common("a very unusual phrase"));
}

static void test_password_hash_verify(void **state)
{
	char hash[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash("correct horse battery", hash), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_true(password_verify(hash, "correct horse battery"));
	assert_false(password_verify(hash, "correct horse batterY"));
	assert_false(password_verify(hash, ""));
	assert_false(password_verify("not a hash", "x"));
	assert_false(password_needs_rehash(hash));
	/* Weaker parameters than today's ask for a new hash. */
	assert_true(password_needs_rehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
	password_verify_dummy("anything");
}

static void test_usernames(void **state)
{
	(void)state;
	assert_null(accounts_username_refusal("mum"));
	assert_null(accounts_username_refusal("Grand.Dad_2@home-x"));
	assert_non_null(accounts_username_refusal(""));
	assert_non_null(accounts_username_refusal("-lead"));
	assert_non_null(accounts_username_refusal(".lead"));
	assert_non_null(accounts_username_refusal("with space"));
	assert_non_null(accounts_username_refusal("ümlaut"));
	assert_non_null(accounts_username_refusal("a'b"));
	char big[USERNAME_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_non_null(accounts_username_refusal(big));
	big[USERNAME_MAX] = '\0';
	assert_null(accounts_username_refusal(big));
}

static void test_setup_code(void **state)
{
	char code[ACCOUNTS_SETUP_CODE_LEN + 1], a[ACCOUNTS_SETUP_HASH_LEN], b[ACCOUNTS_SETUP_HASH_LEN];
	char typed[32];

	(void)state;
	assert_int_equal(accounts_setup_code_new(code), 0);
	assert_int_equal(strlen(code), ACCOUNTS_SETUP_CODE_LEN);
	assert_int_equal(code[4], '-');
	assert_int_equal(code[9], '-');
	assert_int_equal(code[14], '-');
	assert_int_equal(strcspn(code, "ILOU"), strlen(code));
	accounts_setup_code_hash(code, a);
	/* Lowercase, without dashes, with spaces: the same code. */
	size_t n = 0;
	for (const char *p = code; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	typed[n] = '\0';
	accounts_setup_code_hash(typed, b);
	assert_string_equal(a, b);
	accounts_setup_code_hash("0000-0000-0000-0000", b);
	assert_string_not_equal(a, b);
}

static void test_session_cookie(void **state)
{
	char buf[80];

	(void)state;
	assert_int_equal(request_session_cookie(NULL, buf, sizeof(buf)), 0);
	assert_int_equal(request_session_cookie("", buf, sizeof(buf)), 0);
	assert_int_equal(request_session_cookie("a=1; b=2", buf, sizeof(buf)), 0);
	assert_int_equal(request_session_cookie("hearth_session=abc", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "abc");
	assert_int_equal(request_session_cookie("a=1;  hearth_session=x_y ; b=2", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "x_y");
	/* Other cookies that only look alike. */
	assert_int_equal(request_session_cookie("xhearth_session=1; hearth_session_old=2", buf,
						sizeof(buf)), 0);
	/* Twice, or too long: refused. */
	assert_int_equal(request_session_cookie("hearth_session=a; hearth_session=a", buf,
						sizeof(buf)), -1);
	assert_int_equal(request_session_cookie("hearth_session=abcdef", buf, 4), -1);
	assert_int_equal(request_session_cookie("hearth_session=", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "");
}

static void test_same_site(void **state)
{
	struct request req = {.host = "hearth.local", .server_port = "443"};

	(void)state;
	assert_true(request_same_site(&req, "https://hearth.local", false));
	assert_true(request_same_site(&req, "https://HEARTH.local", false));
	assert_false(request_same_site(&req, "https://hearth.local/", false));
	assert_true(request_same_site(&req, "https://hearth.local/rooms", true));
	assert_false(request_same_site(&req, "https://hearth.local", true));
	assert_false(request_same_site(&req, "http://hearth.local", false));
	assert_false(request_same_site(&req, "https://hearth.local.evil", false));
	assert_false(request_same_site(&req, "https://hearth.local:8443", false));
	assert_false(request_same_site(&req, "https://evil.example", false));
	assert_false(request_same_site(&req, "null", false));
	assert_false(request_same_site(&req, NULL, false));
	req.server_port = "8443";
	assert_true(request_same_site(&req, "https://hearth.local:8443", false));
	assert_false(request_same_site(&req, "https://hearth.local", false));
	assert_false(request_same_site(&req, "https://hearth.local:84430", false));
	assert_true(request_same_site(&req, "https://hearth.local:8443/x", true));
	req.host = NULL;
	assert_false(request_same_site(&req, "https://hearth.local:8443", false));
}

static void test_session_tokens(void **state)
{
	struct auth_new_key k;
	char prefix[AUTH_KEY_PREFIX_LEN + 1];

	(void)state;
	assert_int_equal(auth_session_generate(&k), 0);
	assert_memory_equal(k.key, "hs_", 3);
	assert_int_equal(auth_session_parse(k.key, prefix), 0);
	assert_string_equal(prefix, k.prefix);
	/* A token is not a key, nor a key a token. */
	assert_int_not_equal(auth_key_parse(k.key, prefix), 0);
	assert_int_equal(auth_key_generate(&k), 0);
	assert_int_not_equal(auth_session_parse(k.key, prefix), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_common_list_sorted),
		cmocka_unit_test(test_password_hash_verify),
		cmocka_unit_test(test_usernames),
		cmocka_unit_test(test_setup_code),
		cmocka_unit_test(test_session_cookie),
		cmocka_unit_test(test_same_site),
		cmocka_unit_test(test_session_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
