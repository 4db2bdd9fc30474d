/*
 * Query strings and request URIs: decoding, the edge cases of escapes, and
 * never writing past the caller's buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"
#include "request.h"

static void test_query_basic(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(query_get("a=1&b=x%20y", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "1");
	assert_int_equal(query_get("a=1&b=x%20y", "b", out, sizeof(out)), 1);
	assert_string_equal(out, "x y");
	assert_int_equal(query_get("a=1&b=x%20y", "c", out, sizeof(out)), 0);
	assert_int_equal(query_get("", "a", out, sizeof(out)), 0);
	assert_int_equal(query_get(NULL, "a", out, sizeof(out)), 0);
	/* Whole names only. */
	assert_int_equal(query_get("ab=1&b=2", "a", out, sizeof(out)), 0);
	assert_int_equal(query_get("a=1", "ab", out, sizeof(out)), 0);
	assert_int_equal(query_get("xa=1", "a", out, sizeof(out)), 0);
}

static void test_query_values(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(query_get("q=a+b+%2B", "q", out, sizeof(out)), 1);
	assert_string_equal(out, "a b +");
	assert_int_equal(query_get("q=%41%6a%7E", "q", out, sizeof(out)), 1);
	assert_string_equal(out, "Aj~");
	assert_int_equal(query_get("q=%C3%A9", "q", out, sizeof(out)), 1);
	assert_string_equal(out, "\xc3\xa9");
	/* '=' in a value is data. */
	assert_int_equal(query_get("cursor=abc==&x=1", "cursor", out, sizeof(out)), 1);
	assert_string_equal(out, "abc==");
	/* Present without a value, or with an empty one. */
	assert_int_equal(query_get("flag&x=1", "flag", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(query_get("x=1&empty=", "empty", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	/* Empty pairs are skipped. */
	assert_int_equal(query_get("&&a=1&", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "1");
	/* A name is compared decoded. */
	assert_int_equal(query_get("api%5Fkey=k&x=1", "api_key", out, sizeof(out)), 1);
	assert_string_equal(out, "k");
	assert_int_equal(query_get("room+id=4", "room id", out, sizeof(out)), 1);
	assert_string_equal(out, "4");
}

static void test_query_count(void **state)
{
	(void)state;
	assert_int_equal(query_count("a=1&b=2", "a"), 1);
	assert_int_equal(query_count("a=1&b=2&a=3", "a"), 2);
	assert_int_equal(query_count("api_key=x&api%5Fkey=y&api%5fkey", "api_key"), 3);
	assert_int_equal(query_count("api_keys=x&xapi_key=y&api_key2=z", "api_key"), 0);
	assert_int_equal(query_count("a=%zz&a=2", "a"), 2);
	assert_int_equal(query_count("&&a=1&&", "a"), 1);
	assert_int_equal(query_count("", "a"), 0);
	assert_int_equal(query_count(NULL, "a"), 0);
	assert_int_equal(query_count("a=1", NULL), 0);
}

static void test_query_first_wins(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(query_get("a=1&a=2", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "1");
	assert_int_equal(query_get("a&a=2", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	/* The first occurrence decides, even when it is malformed. */
	assert_int_equal(query_get("a=%zz&a=2", "a", out, sizeof(out)), -1);
	/* A malformed other parameter does not hide this one. */
	assert_int_equal(query_get("b=%zz&a=2", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "2");
	assert_int_equal(query_get("%zz=1&a=2", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "2");
}

static void test_query_malformed(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(query_get("a=%", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=%4", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=%4&b=1", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=%g1", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=%1g", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=% 1", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=%-1", "a", out, sizeof(out)), -1);
	/* An embedded NUL would cut the value short for every C caller. */
	assert_int_equal(query_get("a=x%00y", "a", out, sizeof(out)), -1);
	assert_int_equal(query_get("a=%00", "a", out, sizeof(out)), -1);
}

static void test_query_overflow(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	/* 7 bytes and the NUL fit; 8 do not. */
	assert_int_equal(query_get("a=1234567", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "1234567");
	assert_int_equal(query_get("a=12345678", "a", out, sizeof(out)), -1);
	/* Escapes count decoded. */
	assert_int_equal(query_get("a=%41%41%41%41%41%41%41", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "AAAAAAA");
	assert_int_equal(query_get("a=%41%41%41%41%41%41%41%41", "a", out, sizeof(out)), -1);

	/* Nothing past outsz is ever written. */
	char guard[16];

	memset(guard, 'G', sizeof(guard));
	assert_int_equal(query_get("a=123456789012", "a", guard, 4), -1);
	for (size_t i = 4; i < sizeof(guard); i++)
		assert_int_equal(guard[i], 'G');
	memset(guard, 'G', sizeof(guard));
	assert_int_equal(query_get("a=1", "a", guard, 0), -1);
	assert_int_equal(guard[0], 'G');
	assert_int_equal(query_get("a=", "a", guard, 1), 1);
	assert_int_equal(guard[0], '\0');
}

static void test_url_decode(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(url_decode("a%20b+c", 7, out, sizeof(out)), 0);
	assert_string_equal(out, "a b c");
	assert_int_equal(url_decode("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* len is respected: bytes after it are not read. */
	assert_int_equal(url_decode("abc%41", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
	/* An escape cut by len is malformed. */
	assert_int_equal(url_decode("ab%41", 4, out, sizeof(out)), -1);
	assert_int_equal(url_decode("%", 1, out, sizeof(out)), -1);
	assert_int_equal(url_decode("%0", 2, out, sizeof(out)), -1);
	assert_int_equal(url_decode("%00", 3, out, sizeof(out)), -1);
	assert_int_equal(url_decode("%ff", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "\xff");
	assert_int_equal(url_decode("%FF", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "\xff");
	/* A raw NUL inside len is refused too. */
	assert_int_equal(url_decode("a\0b", 3, out, sizeof(out)), -1);
	/* Overflow. */
	assert_int_equal(url_decode("abcd", 4, out, 5), 0);
	assert_int_equal(url_decode("abcde", 5, out, 5), -1);
	assert_int_equal(url_decode("a", 1, out, 1), -1);
	assert_int_equal(url_decode("", 0, out, 0), -1);
}

static void test_split_uri(void **state)
{
	char path[16];
	const char *query = NULL;

	(void)state;
	assert_int_equal(request_split_uri("/api/v1/rooms?limit=2&x", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/api/v1/rooms");
	assert_string_equal(query, "limit=2&x");

	assert_int_equal(request_split_uri("/health", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/health");
	assert_non_null(query);
	assert_string_equal(query, "");

	/* Only the first '?' splits. */
	assert_int_equal(request_split_uri("/a?b=?c", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/a");
	assert_string_equal(query, "b=?c");

	assert_int_equal(request_split_uri("/a?", path, sizeof(path), &query), 0);
	assert_string_equal(path, "/a");
	assert_string_equal(query, "");

	assert_int_equal(request_split_uri("?x=1", path, sizeof(path), &query), 0);
	assert_string_equal(path, "");
	assert_string_equal(query, "x=1");

	assert_int_equal(request_split_uri("", path, sizeof(path), &query), 0);
	assert_string_equal(path, "");
	assert_int_equal(request_split_uri(NULL, path, sizeof(path), &query), 0);
	assert_string_equal(path, "");
	assert_string_equal(query, "");

	/* The path is copied whole or not at all; the query may be long. */
	assert_int_equal(request_split_uri("/12345678901234?q=very-long-query", path,
					   sizeof(path), &query), 0);
	assert_string_equal(path, "/12345678901234");
	assert_string_equal(query, "q=very-long-query");
	assert_int_equal(request_split_uri("/123456789012345", path, sizeof(path), &query), -1);
	assert_int_equal(request_split_uri("/123456789012345?q", path, sizeof(path), &query), -1);
	assert_int_equal(request_split_uri("/a", path, 0, &query), -1);
	assert_int_equal(request_split_uri("/a", path, 2, &query), -1);
	assert_int_equal(request_split_uri("/a", path, 3, &query), 0);
	assert_string_equal(path, "/a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_basic),
		cmocka_unit_test(test_query_values),
		cmocka_unit_test(test_query_count),
		cmocka_unit_test(test_query_first_wins),
		cmocka_unit_test(test_query_malformed),
		cmocka_unit_test(test_query_overflow),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_split_uri),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
