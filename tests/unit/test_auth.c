/*
 * API keys: generation, the shape check, hashing and comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "log.h"

static void test_generate(void **state)
{
	(void)state;
	struct auth_new_key a, b;
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	unsigned char hash[AUTH_HASH_LEN];

	assert_int_equal(auth_key_generate(&a), 0);
	assert_int_equal(auth_key_generate(&b), 0);
	assert_int_equal(strlen(a.key), 55);
	assert_memory_equal(a.key, "hk_", 3);
	assert_int_equal(a.key[11], '_');
	assert_int_equal(strlen(a.prefix), AUTH_KEY_PREFIX_LEN);
	assert_memory_equal(a.key + 3, a.prefix, AUTH_KEY_PREFIX_LEN);

	assert_int_equal(auth_key_parse(a.key, prefix), 0);
	assert_string_equal(prefix, a.prefix);

	auth_key_hash(a.key, hash);
	assert_memory_equal(hash, a.hash, AUTH_HASH_LEN);

	assert_string_not_equal(a.key, b.key);
	assert_false(auth_hash_equal(a.hash, b.hash));

	/* Many keys: all well-formed (the last character's unused bits). */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(auth_key_generate(&a), 0);
		assert_int_equal(auth_key_parse(a.key, NULL), 0);
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	const char *good = "hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	char prefix[AUTH_KEY_PREFIX_LEN + 1] = "unset";
	const char *bad[] = {
		"",
		"hk_",
		"hk_0123abcd_",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 */
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
		"hx_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"HK_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"hk_0123ABCD_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* uppercase prefix */
		"hk_0123abcg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"hk_0123abc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* 7-digit prefix */
		"hk_0123abcd-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* standard base64 */
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAAA",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAA",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* unused bits set */
		" hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",
		"hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9",
		"Bearer hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};

	assert_int_equal(auth_key_parse(good, prefix), 0);
	assert_string_equal(prefix, "0123abcd");
	assert_int_equal(auth_key_parse("hk_0123abcd_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_w", NULL),
			 0);
	assert_int_equal(auth_key_parse(NULL, prefix), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (auth_key_parse(bad[i], prefix) != -1)
			print_error("accepted: '%s'\n", bad[i]);
		assert_int_equal(auth_key_parse(bad[i], prefix), -1);
	}
}

static void test_hash(void **state)
{
	(void)state;
	unsigned char h[AUTH_HASH_LEN], h2[AUTH_HASH_LEN];
	char hex[2 * AUTH_HASH_LEN + 1];

	/* FIPS 180-2 example. */
	auth_key_hash("abc", h);
	auth_hash_hex(h, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	auth_key_hash("", h);
	auth_hash_hex(h, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* Equal, and unequal in the first or the last byte. */
	auth_key_hash("hk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", h);
	memcpy(h2, h, sizeof(h));
	assert_true(auth_hash_equal(h, h2));
	h2[AUTH_HASH_LEN - 1] ^= 1;
	assert_false(auth_hash_equal(h, h2));
	h2[AUTH_HASH_LEN - 1] ^= 1;
	h2[0] ^= 0x80;
	assert_false(auth_hash_equal(h, h2));
	assert_false(auth_hash_equal(h, NULL));
	assert_false(auth_hash_equal(NULL, h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_hash),
	};

	log_init("test_auth", LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
