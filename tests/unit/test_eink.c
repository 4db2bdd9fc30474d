/*
 * E-ink rendering: the font size a text is set at (the largest from
 * font_size_max down that fits, else font_size_min with an ellipsis), the
 * region checks, and what a picture upload may be.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "eink/regions.h"
#include "eink/render.h"

static struct eink_region region(int w, int h, int max, int min, bool multiline)
{
	struct eink_region r;

	memset(&r, 0, sizeof(r));
	memcpy(r.name, "r", 2);
	r.width = w;
	r.height = h;
	r.font_size_max = max;
	r.font_size_min = min;
	r.align = EINK_ALIGN_CENTER;
	r.fg[3] = 255;
	r.multiline = multiline;
	return r;
}

/* Render text into one region of a plain 800x480 page. */
static struct eink_fit fit(const struct eink_region *r, const char *text)
{
	const char *texts[1] = {text};
	struct eink_job job = {
		.width = 800, .height = 480, .regions = r, .nregions = 1, .texts = texts,
	};
	struct eink_fit f = {-1, true};
	unsigned char *png = NULL;
	size_t len = 0;

	assert_int_equal(eink_render(&job, &png, &len, &f), 0);
	assert_true(len > 8);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	free(png);
	return f;
}

static void test_short_text_at_max(void **state)
{
	struct eink_region r = region(400, 100, 40, 10, true);
	struct eink_fit f = fit(&r, "Hi");

	(void)state;
	assert_int_equal(f.font_size, 40);
	assert_false(f.ellipsized);
}

static void test_longer_text_steps_down(void **state)
{
	struct eink_region r = region(300, 60, 48, 8, false);
	struct eink_fit f = fit(&r, "Frühstück um halb neun");

	(void)state;
	assert_true(f.font_size < 48);
	assert_true(f.font_size > 8);
	assert_false(f.ellipsized);
}

static void test_too_long_is_ellipsized(void **state)
{
	char text[1200];
	struct eink_region one = region(200, 30, 24, 12, false);
	struct eink_region many = region(200, 60, 24, 12, true);
	struct eink_fit f;

	(void)state;
	for (size_t i = 0; i + 6 < sizeof(text); i += 6)
		memcpy(text + i, "words ", 7);
	f = fit(&one, text);
	assert_int_equal(f.font_size, 12);
	assert_true(f.ellipsized);
	f = fit(&many, text);
	assert_int_equal(f.font_size, 12);
	assert_true(f.ellipsized);
}

static void test_no_text_no_fit(void **state)
{
	struct eink_region r = region(200, 30, 24, 12, false);
	struct eink_fit f = fit(&r, "");

	(void)state;
	assert_int_equal(f.font_size, 0);
	assert_false(f.ellipsized);
}

static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(eink_mode_parse("rgb"), EINK_MODE_RGB);
	assert_int_equal(eink_mode_parse("1bit"), EINK_MODE_1BIT);
	assert_int_equal(eink_mode_parse("4grey"), EINK_MODE_4GREY);
	assert_int_equal(eink_mode_parse("4gray"), -1);
	assert_int_equal(eink_mode_parse(NULL), -1);
}

static void test_png_checks(void **state)
{
	struct eink_job job = {.width = 32, .height = 16, .mode = EINK_MODE_1BIT};
	unsigned char *png = NULL, *again = NULL;
	size_t len = 0, again_len = 0;
	int w = 0, h = 0;

	(void)state;
	assert_int_equal(eink_render(&job, &png, &len, NULL), 0);
	assert_int_equal(eink_png_normalize(png, len, &again, &again_len, &w, &h), 0);
	assert_int_equal(w, 32);
	assert_int_equal(h, 16);
	free(again);
	/* A header claiming more pixels than allowed is refused undecoded. */
	png[16] = 0x7f;
	assert_int_equal(eink_png_normalize(png, len, &again, &again_len, &w, &h), -2);
	/* Cut short, or not a PNG at all. */
	png[16] = 0;
	assert_int_equal(eink_png_normalize(png, len / 2, &again, &again_len, &w, &h), -1);
	assert_int_equal(eink_png_normalize((const unsigned char *)"GIF89a........................",
					    30, &again, &again_len, &w, &h), -1);
	free(png);
}

static size_t parse(const char *text, struct eink_region *out, size_t *n, json_t **errs)
{
	json_t *v = json_loads(text, 0, NULL);
	size_t problems;

	assert_non_null(v);
	*errs = json_array();
	problems = eink_regions_parse(v, 800, 480, out, EINK_REGIONS_MAX, n, *errs);
	json_decref(v);
	return problems;
}

static void test_regions(void **state)
{
	struct eink_region r[EINK_REGIONS_MAX];
	json_t *errs;
	size_t n;

	(void)state;
	assert_int_equal(parse("[{\"name\":\"a\",\"x\":0,\"y\":0,\"width\":800,\"height\":480}]",
			       r, &n, &errs), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].font_size_max, 48);
	assert_int_equal(r[0].font_size_min, 12);
	assert_int_equal(r[0].align, EINK_ALIGN_CENTER);
	assert_int_equal(r[0].bg[3], 160);
	assert_int_equal(r[0].fg[0], 255);
	assert_true(r[0].multiline);
	json_decref(errs);

	/* Outside, min above max, a colour of three, an unknown key, a twin. */
	assert_int_equal(parse("[{\"name\":\"a\",\"x\":700,\"y\":0,\"width\":101,\"height\":10,"
			       "\"font_size_min\":30,\"font_size_max\":20,\"bg_color\":[1,2,3],"
			       "\"colour\":1},"
			       "{\"name\":\"b\",\"x\":0,\"y\":0,\"width\":1,\"height\":1},"
			       "{\"name\":\"b\",\"x\":0,\"y\":0,\"width\":1,\"height\":1},"
			       "{\"name\":\"c\",\"x\":0,\"y\":0,\"width\":1,\"height\":1,"
			       "\"text_color\":[0,0,0,256]}]", r, &n, &errs), 6);
	assert_int_equal(n, 0);
	assert_int_equal(json_array_size(errs), 6);
	json_decref(errs);

	assert_int_equal(parse("{}", r, &n, &errs), 1);
	json_decref(errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_text_at_max),
		cmocka_unit_test(test_longer_text_steps_down),
		cmocka_unit_test(test_too_long_is_ellipsized),
		cmocka_unit_test(test_no_text_no_fit),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_png_checks),
		cmocka_unit_test(test_regions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
