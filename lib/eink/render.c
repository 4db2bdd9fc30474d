/*
 * E-ink rendering with cairo and pango (render.h).
 */
#include "eink/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#define EINK_DEFAULT_FONT "DejaVu Sans"

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int eink_mode_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "rgb") == 0)
		return EINK_MODE_RGB;
	if (strcmp(s, "1bit") == 0)
		return EINK_MODE_1BIT;
	if (strcmp(s, "4grey") == 0)
		return EINK_MODE_4GREY;
	return -1;
}

/* ---------------------------------------------------------------- PNG I/O */

struct png_reader {
	const unsigned char *p;
	size_t left;
};

static cairo_status_t render__read(void *arg, unsigned char *data, unsigned int len)
{
	struct png_reader *rd = arg;

	if (len > rd->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, rd->p, len);
	rd->p += len;
	rd->left -= len;
	return CAIRO_STATUS_SUCCESS;
}

struct png_writer {
	unsigned char *buf;
	size_t len, cap;
};

static cairo_status_t render__write(void *arg, const unsigned char *data, unsigned int len)
{
	struct png_writer *w = arg;

	if (w->len + len > w->cap) {
		size_t cap = w->cap ? w->cap : 65536;
		unsigned char *nb;

		while (cap < w->len + len)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb)
			return CAIRO_STATUS_NO_MEMORY;
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
	return CAIRO_STATUS_SUCCESS;
}

static int render__encode(cairo_surface_t *s, unsigned char **out, size_t *out_len)
{
	struct png_writer w = {NULL, 0, 0};

	if (cairo_surface_write_to_png_stream(s, render__write, &w) != CAIRO_STATUS_SUCCESS) {
		free(w.buf);
		return -1;
	}
	*out = w.buf;
	*out_len = w.len;
	return 0;
}

/* The width and height of a PNG's header; -1 when it is not a PNG. */
static int render__png_header(const unsigned char *in, size_t len, uint32_t *w, uint32_t *h)
{
	if (!in || len < 33 || memcmp(in, png_signature, 8) != 0 ||
	    memcmp(in + 8, "\0\0\0\x0dIHDR", 8) != 0)
		return -1;
	*w = (uint32_t)in[16] << 24 | (uint32_t)in[17] << 16 | (uint32_t)in[18] << 8 | in[19];
	*h = (uint32_t)in[20] << 24 | (uint32_t)in[21] << 16 | (uint32_t)in[22] << 8 | in[23];
	return 0;
}

/* Decode a checked PNG; NULL when it does not decode. */
static cairo_surface_t *render__decode(const unsigned char *in, size_t len)
{
	struct png_reader rd = {in, len};
	uint32_t w, h;
	cairo_surface_t *s;

	if (render__png_header(in, len, &w, &h) < 0 || w == 0 || h == 0 ||
	    w > EINK_SIZE_MAX || h > EINK_SIZE_MAX)
		return NULL;
	s = cairo_image_surface_create_from_png_stream(render__read, &rd);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return NULL;
	}
	return s;
}

int eink_png_normalize(const unsigned char *in, size_t len, unsigned char **out,
		       size_t *out_len, int *w, int *h)
{
	cairo_surface_t *s;
	uint32_t hw, hh;
	int rv;

	if (render__png_header(in, len, &hw, &hh) < 0 || hw == 0 || hh == 0)
		return -1;
	if (hw > EINK_SIZE_MAX || hh > EINK_SIZE_MAX)
		return -2;
	s = render__decode(in, len);
	if (!s)
		return -1;
	*w = cairo_image_surface_get_width(s);
	*h = cairo_image_surface_get_height(s);
	rv = render__encode(s, out, out_len);
	cairo_surface_destroy(s);
	return rv;
}

/* ---------------------------------------------------------------- text */

static void render__color(cairo_t *cr, const uint8_t c[4])
{
	cairo_set_source_rgba(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, c[3] / 255.0);
}

/*
 * Set text into layout for a box of aw x ah pixels: the largest size from
 * the region's max down to its min at which it fits, else the min with an
 * ellipsis.  The layout is left ready to draw.
 */
static void render__fit(PangoLayout *layout, PangoFontDescription *fd,
			const struct eink_region *g, const char *text, int aw, int ah,
			struct eink_fit *fit)
{
	PangoRectangle logical;
	int size;

	pango_layout_set_text(layout, text, -1);
	pango_layout_set_alignment(layout, g->align == EINK_ALIGN_LEFT ? PANGO_ALIGN_LEFT
				   : g->align == EINK_ALIGN_RIGHT ? PANGO_ALIGN_RIGHT
				   : PANGO_ALIGN_CENTER);
	if (g->multiline) {
		pango_layout_set_width(layout, aw * PANGO_SCALE);
		pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	} else {
		pango_layout_set_single_paragraph_mode(layout, TRUE);
		pango_layout_set_width(layout, -1);
	}
	fit->ellipsized = false;
	for (size = g->font_size_max; size >= g->font_size_min; size--) {
		pango_font_description_set_absolute_size(fd, (double)size * PANGO_SCALE);
		pango_layout_set_font_description(layout, fd);
		pango_layout_get_pixel_extents(layout, NULL, &logical);
		if (logical.height <= ah && logical.width <= aw) {
			fit->font_size = size;
			return;
		}
	}
	fit->font_size = g->font_size_min;
	fit->ellipsized = true;
	pango_font_description_set_absolute_size(fd, (double)g->font_size_min * PANGO_SCALE);
	pango_layout_set_font_description(layout, fd);
	pango_layout_set_width(layout, aw * PANGO_SCALE);
	pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	/* A positive height is a limit in pango units; -1 is one line. */
	pango_layout_set_height(layout, g->multiline ? ah * PANGO_SCALE : -1);
}

static int render__region(cairo_t *cr, const char *font, const struct eink_region *g,
			  const char *text, struct eink_fit *fit)
{
	PangoLayout *layout = NULL;
	PangoFontDescription *fd = NULL;
	PangoRectangle logical;
	int pad = g->width > 16 && g->height > 16 ? 4 : 0;
	int aw = g->width - 2 * pad, ah = g->height - 2 * pad;
	double x, y;

	fit->font_size = 0;
	fit->ellipsized = false;
	if (!text || !*text)
		return 0;
	cairo_save(cr);
	cairo_rectangle(cr, g->x, g->y, g->width, g->height);
	render__color(cr, g->bg);
	cairo_fill_preserve(cr);
	cairo_clip(cr);

	layout = pango_cairo_create_layout(cr);
	fd = pango_font_description_from_string(font);
	if (!layout || !fd) {
		cairo_restore(cr);
		if (layout)
			g_object_unref(layout);
		pango_font_description_free(fd);
		return -1;
	}
	render__fit(layout, fd, g, text, aw, ah, fit);
	pango_layout_get_pixel_extents(layout, NULL, &logical);
	x = g->x + pad;
	/* A layout without a width is as wide as its text: place it ourselves. */
	if (pango_layout_get_width(layout) < 0) {
		if (g->align == EINK_ALIGN_CENTER)
			x += (aw - logical.width) / 2.0;
		else if (g->align == EINK_ALIGN_RIGHT)
			x += aw - logical.width;
		x -= logical.x;
	}
	y = g->y + pad + (ah - logical.height) / 2.0 - logical.y;
	if (fit->ellipsized)
		fit->ellipsized = pango_layout_is_ellipsized(layout);
	render__color(cr, g->fg);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);

	g_object_unref(layout);
	pango_font_description_free(fd);
	cairo_restore(cr);
	return 0;
}

/* ---------------------------------------------------------------- dithering */

static const float grey4[] = {0.0f, 85.0f, 170.0f, 255.0f};
static const float grey2[] = {0.0f, 255.0f};

static float render__nearest(float v, const float *levels, size_t n)
{
	float best = levels[0];

	for (size_t i = 1; i < n; i++)
		if (fabsf(v - levels[i]) < fabsf(v - best))
			best = levels[i];
	return best;
}

/* Floyd–Steinberg over the luminance, onto the given grey levels. */
static int render__dither(cairo_surface_t *s, const float *levels, size_t nlevels)
{
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	unsigned char *data;
	float *lum;

	cairo_surface_flush(s);
	data = cairo_image_surface_get_data(s);
	lum = malloc((size_t)w * (size_t)h * sizeof(*lum));
	if (!lum || !data) {
		free(lum);
		return -1;
	}
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(void *)(data + (size_t)y * stride);

		for (int x = 0; x < w; x++) {
			uint32_t p = row[x];

			lum[(size_t)y * w + x] = 0.299f * ((p >> 16) & 0xff) +
						 0.587f * ((p >> 8) & 0xff) + 0.114f * (p & 0xff);
		}
	}
	for (int y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * stride);

		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * w + x;
			float old = lum[i], q = render__nearest(old, levels, nlevels), err = old - q;
			uint32_t g = (uint32_t)q;

			row[x] = 0xff000000u | g << 16 | g << 8 | g;
			if (x + 1 < w)
				lum[i + 1] += err * 7.0f / 16.0f;
			if (y + 1 < h) {
				if (x > 0)
					lum[i + w - 1] += err * 3.0f / 16.0f;
				lum[i + w] += err * 5.0f / 16.0f;
				if (x + 1 < w)
					lum[i + w + 1] += err * 1.0f / 16.0f;
			}
		}
	}
	free(lum);
	cairo_surface_mark_dirty(s);
	return 0;
}

/* ---------------------------------------------------------------- render */

int eink_render(const struct eink_job *job, unsigned char **out, size_t *out_len,
		struct eink_fit *fits)
{
	cairo_surface_t *s = NULL, *pic = NULL;
	cairo_t *cr = NULL;
	struct eink_fit scratch;
	int rv = -1;

	if (job->width < 1 || job->height < 1 || job->width > EINK_SIZE_MAX ||
	    job->height > EINK_SIZE_MAX)
		return -1;
	if (job->png) {
		pic = render__decode(job->png, job->png_len);
		if (!pic)
			return -1;
	}
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, job->width, job->height);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		goto out;
	cr = cairo_create(s);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		goto out;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (pic) {
		cairo_set_source_surface(cr, pic, 0, 0);
		cairo_paint(cr);
	}
	for (size_t i = 0; i < job->nregions; i++) {
		const char *text = job->texts ? job->texts[i] : NULL;

		if (render__region(cr, job->font && *job->font ? job->font : EINK_DEFAULT_FONT,
				   &job->regions[i], text, fits ? &fits[i] : &scratch) < 0)
			goto out;
	}
	cairo_destroy(cr);
	cr = NULL;
	if (job->mode == EINK_MODE_1BIT && render__dither(s, grey2, 2) < 0)
		goto out;
	if (job->mode == EINK_MODE_4GREY && render__dither(s, grey4, 4) < 0)
		goto out;
	rv = render__encode(s, out, out_len);
out:
	if (cr)
		cairo_destroy(cr);
	if (s)
		cairo_surface_destroy(s);
	if (pic)
		cairo_surface_destroy(pic);
	return rv;
}
