/* CSV cells as RFC 4180 writes them, and the guard against spreadsheet
 * formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "security/csv.h"

/* One row of cells (NULL-terminated; "\1" = a NULL cell) as CSV text. */
static char *row(const char *const *cells)
{
	struct csv c;
	size_t len;
	char *out;

	csv_init(&c);
	for (size_t i = 0; cells[i]; i++)
		csv_text(&c, strcmp(cells[i], "\1") == 0 ? NULL : cells[i]);
	csv_end_row(&c);
	out = csv_take(&c, &len);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

static void expect_row(const char *const *cells, const char *want)
{
	char *got = row(cells);

	assert_string_equal(got, want);
	free(got);
}

static void test_quoting(void **state)
{
	(void)state;
	expect_row((const char *const[]){"a", "b", NULL}, "a,b\r\n");
	expect_row((const char *const[]){"a,b", "c", NULL}, "\"a,b\",c\r\n");
	expect_row((const char *const[]){"say \"hi\"", NULL}, "\"say \"\"hi\"\"\"\r\n");
	expect_row((const char *const[]){"two\nlines", "x\ry", NULL},
		   "\"two\nlines\",\"x\ry\"\r\n");
	expect_row((const char *const[]){"", "\1", "z", NULL}, ",,z\r\n");
	expect_row((const char *const[]){"caf\xc3\xa9", NULL}, "caf\xc3\xa9\r\n");
}

static void test_formulas(void **state)
{
	(void)state;
	expect_row((const char *const[]){"=1+1", NULL}, "'=1+1\r\n");
	expect_row((const char *const[]){"+41", "-3", "@SUM(A1)", NULL}, "'+41,'-3,'@SUM(A1)\r\n");
	expect_row((const char *const[]){"\tx", NULL}, "'\tx\r\n");
	/* Guarded and quoted: the apostrophe goes inside the quotes. */
	expect_row((const char *const[]){"=HYPERLINK(\"x\",\"y\")", NULL},
		   "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"\r\n");
	expect_row((const char *const[]){"a=b", "1-2", NULL}, "a=b,1-2\r\n");
	assert_true(csv_formula_like("=x"));
	assert_false(csv_formula_like("x="));
	assert_false(csv_formula_like(NULL));
	assert_false(csv_formula_like(""));
}

static void test_numbers(void **state)
{
	struct csv c;
	size_t len;
	char *out;

	(void)state;
	csv_init(&c);
	csv_int(&c, -5);
	csv_real(&c, 0.25);
	csv_text(&c, "x");
	csv_end_row(&c);
	csv_int(&c, 7);
	csv_end_row(&c);
	out = csv_take(&c, &len);
	assert_string_equal(out, "-5,0.25,x\r\n7\r\n");
	free(out);

	csv_init(&c);
	out = csv_take(&c, &len);
	assert_non_null(out);
	assert_int_equal(len, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_formulas),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
