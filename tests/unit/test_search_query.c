/* The search query translator: what each operator becomes in boolean
 * mode, that nothing else of the user's text gets through, and the same
 * query matched against text in C. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "security/search.h"

static void expect(const char *q, const char *want, int terms)
{
	char out[SEARCH_OUT_MAX];

	assert_int_equal(search_boolean_query(q, out, sizeof(out)), terms);
	assert_string_equal(out, want);
}

static void test_operators(void **state)
{
	(void)state;
	expect("fire", "+fire", 1);
	expect("fire alarm", "+fire +alarm", 2);
	expect("fire AND alarm", "+fire +alarm", 2);
	expect("fire OR smoke", "+(fire smoke)", 2);
	expect("door OR gate garage", "+(door gate) +garage", 3);
	expect("garage door OR gate", "+garage +(door gate)", 3);
	expect("cat OR dog OR bird", "+(cat dog bird)", 3);
	expect("person NOT cat", "+person -cat", 1);
	expect("NOT cat person", "+person -cat", 1);
	expect("\"front door\"", "+\"front door\"", 1);
	expect("\"front door\" NOT \"back yard\"", "+\"front door\" -\"back yard\"", 1);
	expect("\"front door\" OR garage", "+(\"front door\" garage)", 2);
	/* OR never takes a NOT term into its group. */
	expect("person OR NOT cat", "+person -cat", 1);
	/* Lower-case operators are words (and "and"/"not" are too short or
	 * ordinary: "not" is kept). */
	expect("person or car", "+person +car", 2);
	expect("person not cat", "+person +not +cat", 3);
}

static void test_cleaning(void **state)
{
	(void)state;
	/* Boolean operator characters never pass. */
	expect("+person -cat", "+person +cat", 2);
	expect("per*son~ <car> (bike)", "+\"per son\" +car +bike", 3);
	expect("front-door", "+\"front door\"", 1);
	expect("@distance", "+distance", 1);
	expect("\"a \\\" b", "", 0);
	expect("\"quote \"inside\" here\"", "+quote +inside +here", 3);
	/* Unmatched quote runs to the end. */
	expect("\"front door", "+\"front door\"", 1);
	/* Short words and stop words are dropped outside phrases. */
	expect("a person at the door", "+person +door", 2);
	expect("\"person at the door\"", "+\"person at the door\"", 1);
	expect("the OR person", "+person", 1);
	/* UTF-8 letters are letters. */
	expect("caf\xc3\xa9 stra\xc3\x9f" "e", "+caf\xc3\xa9 +stra\xc3\x9f" "e", 2);
}

static void test_empty(void **state)
{
	char out[SEARCH_OUT_MAX];
	char big[SEARCH_QUERY_MAX + 2];

	(void)state;
	expect("", "", 0);
	expect("   ", "", 0);
	expect("AND OR NOT", "", 0);
	expect("NOT cat", "", 0);
	expect("the a an", "", 0);
	expect("+-<>()~*\"@", "", 0);
	expect("\"\"", "", 0);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(search_boolean_query(big, out, sizeof(out)), -1);
	big[SEARCH_QUERY_MAX] = '\0';
	/* One word longer than any token: nothing to look for. */
	assert_int_equal(search_boolean_query(big, out, sizeof(out)), 0);
	assert_int_equal(search_boolean_query("person", out, 4), -1);
	assert_string_equal(out, "");
}

static void test_bounds(void **state)
{
	char q[SEARCH_QUERY_MAX + 1] = "", out[SEARCH_OUT_MAX];
	int n;

	(void)state;
	for (int i = 0, used = 0; i < 40; i++)
		used += snprintf(q + used, sizeof(q) - (size_t)used, "word%02d ", i);
	n = search_boolean_query(q, out, sizeof(out));
	assert_int_equal(n, SEARCH_TERMS_MAX);
	assert_non_null(strstr(out, "+word15"));
	assert_null(strstr(out, "word16"));

	/* The worst case fits SEARCH_OUT_MAX: every byte a one-character
	 * phrase separator. */
	memset(q, 0, sizeof(q));
	for (size_t i = 0; i + 4 < SEARCH_QUERY_MAX; i += 4)
		memcpy(q + i, "ab\" ", 4);
	assert_true(search_boolean_query(q, out, sizeof(out)) >= 0);
}

/* The score of summary and notes against q (0: no match). */
static unsigned score(const char *q, const char *summary, const char *notes)
{
	struct search_matcher m;
	const char *fields[] = {summary, notes};

	assert_true(search_compile(q, &m) > 0);
	return search_match(&m, fields, 2, NULL);
}

static void test_match(void **state)
{
	const char *summary = "porch: person, car (3 detections)";

	(void)state;
	/* Whole words, either case, in summary or notes. */
	assert_int_equal(score("person", summary, NULL), 1);
	assert_int_equal(score("PERSON", summary, NULL), 1);
	assert_int_equal(score("pers", summary, NULL), 0);
	assert_int_equal(score("parcel", summary, "Parcel left at the door"), 1);
	/* AND: both; the score counts every occurrence of every term. */
	assert_int_equal(score("parcel door", summary, "parcel at the door, parcel"), 3);
	assert_int_equal(score("parcel ladder", summary, "parcel at the door"), 0);
	/* OR: either; NOT: never. */
	assert_int_equal(score("ladder OR parcel", summary, "a parcel"), 1);
	assert_int_equal(score("ladder OR parcel door", summary, "a parcel"), 0);
	assert_int_equal(score("person NOT car", summary, NULL), 0);
	assert_int_equal(score("person NOT dog", summary, NULL), 1);
	assert_int_equal(score("person NOT parcel", summary, "the parcel"), 0);
	/* Phrases: the words in order, across punctuation, within one field. */
	assert_int_equal(score("\"front door\"", summary, "at the front-door"), 1);
	assert_int_equal(score("\"door front\"", summary, "at the front door"), 0);
	assert_int_equal(score("\"person at the door\"", summary, "a person at the door"), 1);
	assert_int_equal(score("\"detections parcel\"", summary, "parcel"), 0);
	/* Stop words and short words are not looked for. */
	assert_int_equal(score("the person", summary, NULL), 1);
	/* Outside ASCII, bytes compare as they are. */
	assert_int_equal(score("caf\xc3\xa9", summary, "au caf\xc3\xa9."), 1);
	assert_int_equal(score("cafe", summary, "au caf\xc3\xa9."), 0);
	/* A NULL or empty field is no text. */
	assert_int_equal(score("parcel", NULL, NULL), 0);
	assert_int_equal(score("parcel", "", ""), 0);
}

static void test_seen(void **state)
{
	struct search_matcher m;
	unsigned seen[SEARCH_TERMS_MAX] = {0};
	const char *rows[][2] = {
		{"porch: person", "parcel at the door"},
		{"porch: person, car", NULL},
		{"drive: car", "a parcel"},
	};

	(void)state;
	/* Every term counted in every row, matching or not, NOT terms too. */
	assert_int_equal(search_compile("person NOT car parcel OR door", &m), 3);
	assert_int_equal(search_match(&m, rows[0], 2, seen), 3);
	assert_int_equal(search_match(&m, rows[1], 2, seen), 0);
	assert_int_equal(search_match(&m, rows[2], 2, seen), 0);
	/* In the order of the query: person, car, parcel, door. */
	assert_int_equal(m.n, 4);
	assert_int_equal(seen[0], 2);
	assert_int_equal(seen[1], 2);
	assert_int_equal(seen[2], 2);
	assert_int_equal(seen[3], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_cleaning),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_seen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
