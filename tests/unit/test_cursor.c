/*
 * base64url and pagination cursors: vectors, round trips, and every way a
 * client could try to pass off a cursor it did not get from us.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cursor.h"

static const unsigned char secret[32] = "0123456789abcdef0123456789abcde";
static const unsigned char other_secret[32] = "0123456789abcdef0123456789abcdX";

/* RFC 4648 section 10, in the URL-safe alphabet without padding. */
static const struct {
	const char *raw;
	const char *text;
} vectors[] = {
	{ "", "" },         { "f", "Zg" },         { "fo", "Zm8" },       { "foo", "Zm9v" },
	{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
};

static void test_b64url_vectors(void **state)
{
	(void)state;
	char out[64];
	unsigned char raw[64];
	size_t n;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t len = strlen(vectors[i].raw);

		assert_int_equal(b64url_encode((const unsigned char *)vectors[i].raw, len, out,
					       sizeof(out)),
				 strlen(vectors[i].text));
		assert_string_equal(out, vectors[i].text);
		n = 99;
		assert_int_equal(b64url_decode(vectors[i].text, strlen(vectors[i].text), raw,
					       sizeof(raw), &n),
				 0);
		assert_int_equal(n, len);
		assert_memory_equal(raw, vectors[i].raw, len);
	}

	/* The two characters that differ from standard base64. */
	const unsigned char special[] = { 0xfb, 0xff, 0xbf };
	assert_int_equal(b64url_encode(special, 3, out, sizeof(out)), 4);
	assert_string_equal(out, "-_-_");
	assert_int_equal(b64url_decode("-_-_", 4, raw, sizeof(raw), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(raw, special, 3);

	/* Every byte value survives a round trip. */
	unsigned char all[256];
	char text[400];
	unsigned char back[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	assert_int_equal(b64url_encode(all, sizeof(all), text, sizeof(text)), 342);
	assert_int_equal(b64url_decode(text, strlen(text), back, sizeof(back), &n), 0);
	assert_int_equal(n, 256);
	assert_memory_equal(all, back, 256);
}

static void test_b64url_rejects(void **state)
{
	(void)state;
	unsigned char raw[16];
	char out[16];
	size_t n;

	assert_int_equal(b64url_decode("Zm9v+", 5, raw, sizeof(raw), &n), -1); /* length */
	assert_int_equal(b64url_decode("Z", 1, raw, sizeof(raw), &n), -1);
	assert_int_equal(b64url_decode("Zm+v", 4, raw, sizeof(raw), &n), -1);  /* standard alphabet */
	assert_int_equal(b64url_decode("Zm/v", 4, raw, sizeof(raw), &n), -1);
	assert_int_equal(b64url_decode("Zg==", 4, raw, sizeof(raw), &n), -1);  /* padding */
	assert_int_equal(b64url_decode("Zm 9", 4, raw, sizeof(raw), &n), -1);
	assert_int_equal(b64url_decode("Zm\n9", 4, raw, sizeof(raw), &n), -1);
	assert_int_equal(b64url_decode("Zm\0v", 4, raw, sizeof(raw), &n), -1);
	/* Non-zero leftover bits: "Zh" would also read as "f". */
	assert_int_equal(b64url_decode("Zh", 2, raw, sizeof(raw), &n), -1);
	assert_int_equal(b64url_decode("Zm9", 3, raw, sizeof(raw), &n), -1);
	/* Output too small. */
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, raw, 5, &n), -1);
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, raw, 6, &n), 0);
	assert_int_equal(b64url_encode((const unsigned char *)"foobar", 6, out, 8), 0);
	assert_int_equal(b64url_encode((const unsigned char *)"foobar", 6, out, 9), 8);
}

static void test_cursor_round_trip(void **state)
{
	(void)state;
	const int64_t ids[] = { 0, 1, 2, 100, 4294967296LL, INT64_MAX };
	char cur[CURSOR_MAX];
	int64_t id;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", ids[i], cur,
					       sizeof(cur)),
				 0);
		assert_int_equal(strlen(cur), 28);
		assert_int_equal(strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789-_"),
				 28);
		id = -1;
		assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", cur, &id), 0);
		assert_int_equal(id, ids[i]);
	}

	/* Deterministic: the same page gives the same cursor. */
	char again[CURSOR_MAX];
	assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", 100, cur, sizeof(cur)), 0);
	assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", 100, again, sizeof(again)), 0);
	assert_string_equal(cur, again);

	/* A long scope works too. */
	char scope[1000];
	memset(scope, 's', sizeof(scope) - 1);
	scope[sizeof(scope) - 1] = '\0';
	assert_int_equal(cursor_encode(secret, sizeof(secret), scope, 7, cur, sizeof(cur)), 0);
	assert_int_equal(cursor_decode(secret, sizeof(secret), scope, cur, &id), 0);
	assert_int_equal(id, 7);
	scope[500] = 't';
	assert_int_equal(cursor_decode(secret, sizeof(secret), scope, cur, &id), -1);
}

static void test_cursor_encode_limits(void **state)
{
	(void)state;
	char cur[CURSOR_MAX];

	assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", -1, cur, sizeof(cur)), -1);
	assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", 5, cur, 28), -1);
	assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", 5, cur, 29), 0);
	assert_int_equal(cursor_encode(secret, 0, "rooms", 5, cur, sizeof(cur)), -1);
	assert_int_equal(cursor_encode(NULL, 32, "rooms", 5, cur, sizeof(cur)), -1);
	assert_int_equal(cursor_encode(secret, sizeof(secret), NULL, 5, cur, sizeof(cur)), -1);
}

static void test_cursor_forged(void **state)
{
	(void)state;
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char cur[CURSOR_MAX], bad[CURSOR_MAX * 2];
	int64_t id = 42;

	assert_int_equal(cursor_encode(secret, sizeof(secret), "rooms", 42, cur, sizeof(cur)), 0);

	/* Any single character changed, to any other character. */
	for (size_t pos = 0; pos < strlen(cur); pos++) {
		for (const char *a = alphabet; *a; a++) {
			if (*a == cur[pos])
				continue;
			memcpy(bad, cur, strlen(cur) + 1);
			bad[pos] = *a;
			assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", bad, &id), -1);
		}
	}

	/* Any single bit of the decoded bytes flipped, re-encoded. */
	unsigned char raw[32];
	size_t n;
	assert_int_equal(b64url_decode(cur, strlen(cur), raw, sizeof(raw), &n), 0);
	assert_int_equal(n, 21);
	for (size_t bit = 0; bit < n * 8; bit++) {
		raw[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_true(b64url_encode(raw, n, bad, sizeof(bad)) > 0);
		assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", bad, &id), -1);
		raw[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}

	/* Someone else's list, someone else's secret. */
	assert_int_equal(cursor_decode(secret, sizeof(secret), "sensors", cur, &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms:x", cur, &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "", cur, &id), -1);
	assert_int_equal(cursor_decode(other_secret, sizeof(other_secret), "rooms", cur, &id), -1);
	assert_int_equal(cursor_decode(secret, 16, "rooms", cur, &id), -1);

	/* Truncated, extended, garbage, empty. */
	for (size_t len = 0; len < strlen(cur); len++) {
		memcpy(bad, cur, len);
		bad[len] = '\0';
		assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", bad, &id), -1);
	}
	snprintf(bad, sizeof(bad), "%sA", cur);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", bad, &id), -1);
	snprintf(bad, sizeof(bad), "%s%s", cur, cur);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", bad, &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", "", &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", "garbage", &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms",
				       "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms",
				       "!!!!!!!!!!!!!!!!!!!!!!!!!!!!", &id), -1);
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", NULL, &id), -1);

	/* A rejected cursor leaves the output alone. */
	assert_int_equal(id, 42);

	/* And the original still works. */
	assert_int_equal(cursor_decode(secret, sizeof(secret), "rooms", cur, &id), 0);
	assert_int_equal(id, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_vectors),
		cmocka_unit_test(test_b64url_rejects),
		cmocka_unit_test(test_cursor_round_trip),
		cmocka_unit_test(test_cursor_encode_limits),
		cmocka_unit_test(test_cursor_forged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
