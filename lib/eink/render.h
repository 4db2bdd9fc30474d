#ifndef HEARTH_EINK_RENDER_H
#define HEARTH_EINK_RENDER_H

/*
 * Rendering e-ink pictures with cairo and pango: a template picture (or a
 * plain white page), texts drawn into its regions, the result as PNG
 * bytes.  Pure: no database, no files.
 *
 * A region's text is set with the template's font at font_size_max and
 * stepped down a point at a time to font_size_min until it fits the
 * region (wrapped at word, else character, boundaries when multiline);
 * what still does not fit at font_size_min is cut with an ellipsis.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eink/regions.h"

#define EINK_PNG_MAX_BYTES (1024u * 1024u)  /* an uploaded template picture */
#define EINK_FONT_MAX 128

enum eink_mode { EINK_MODE_RGB, EINK_MODE_1BIT, EINK_MODE_4GREY };

/* "rgb", "1bit", "4grey" -> mode; -1 for anything else (NULL too). */
int eink_mode_parse(const char *s);

/* How one region's text was set. */
struct eink_fit {
	int font_size;     /* the size used; 0 = no text */
	bool ellipsized;   /* cut short with an ellipsis */
};

struct eink_job {
	const unsigned char *png;   /* the template picture (borrowed), NULL = white */
	size_t png_len;
	int width, height;          /* the output's size; the picture is drawn at 0,0 */
	const char *font;           /* a fontconfig family, NULL = "DejaVu Sans" */
	const struct eink_region *regions;  /* borrowed */
	size_t nregions;
	const char *const *texts;   /* one per region, UTF-8; NULL or "" = left alone */
	enum eink_mode mode;
};

/*
 * Render job into a new PNG: *out malloc'd (the caller frees), *out_len
 * its size; fits (may be NULL) gets one entry per region.  0, or -1 when
 * the picture does not decode or memory ran out.
 */
int eink_render(const struct eink_job *job, unsigned char **out, size_t *out_len,
		struct eink_fit *fits);

/*
 * Check an uploaded picture: a PNG by its signature and header, at most
 * EINK_SIZE_MAX pixels each way (read from the header before anything is
 * decoded), decoded and encoded anew so that nothing but the pixels is
 * kept.  *out malloc'd, *w and *h its size.  0; -1 not a PNG or not
 * decodable; -2 too many pixels.
 */
int eink_png_normalize(const unsigned char *in, size_t len, unsigned char **out,
		       size_t *out_len, int *w, int *h);

#endif
