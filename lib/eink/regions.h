#ifndef HEARTH_EINK_REGIONS_H
#define HEARTH_EINK_REGIONS_H

/*
 * E-ink templates' text regions: where on the picture a text goes and how
 * it looks.  A template's regions come from outside (POST / PUT
 * /image/templates) as a JSON array; eink_regions_parse() checks them all
 * and reports every problem in the 422 format (validate.h).  Pure.
 *
 *   {name, x, y, width, height, font_size_max 48, font_size_min 12,
 *    align "left"|"center"|"right" ("center"), bg_color [r,g,b,a]
 *    ([0,0,0,160]), text_color [r,g,b,a] ([255,255,255,255]),
 *    multiline true}
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EINK_REGIONS_MAX 16
#define EINK_REGION_NAME_MAX 64
#define EINK_SIZE_MAX 2048       /* a template's width and height, pixels */
#define EINK_FONT_SIZE_MIN 4
#define EINK_FONT_SIZE_MAX 400
#define EINK_TEXT_MAX 2000       /* bytes of one region's text */

enum eink_align { EINK_ALIGN_LEFT, EINK_ALIGN_CENTER, EINK_ALIGN_RIGHT };

struct eink_region {
	char name[EINK_REGION_NAME_MAX + 1];
	int x, y, width, height;
	int font_size_max, font_size_min;
	enum eink_align align;
	uint8_t bg[4];       /* RGBA */
	uint8_t fg[4];       /* RGBA */
	bool multiline;
};

/*
 * Check regions (borrowed; a JSON array) against a template of width x
 * height: each region an object of the keys above (unknown keys refused),
 * inside the template, font_size_min <= font_size_max, colours four
 * integers 0-255, names unique.  Problems go to errs (borrowed array) at
 * ["body", "regions", index, key].  The checked regions, defaults filled
 * in, into out[0..max) and their count in *n.  Returns the number of
 * problems added (0 = all good).
 */
size_t eink_regions_parse(const json_t *regions, int width, int height,
			  struct eink_region *out, size_t max, size_t *n, json_t *errs);

/* The regions as JSON with every default spelled out (a new reference). */
json_t *eink_regions_json(const struct eink_region *r, size_t n);

/* "left", "center" or "right". */
const char *eink_align_name(enum eink_align a);

#endif
