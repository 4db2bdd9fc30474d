/*
 * multipart/form-data, incrementally (see multipart.h).
 *
 * The body is read as if it began with CRLF, so that every boundary,
 * the first included, is the same delimiter "\r\n--<boundary>".  The
 * delimiter is found with a Knuth-Morris-Pratt automaton fed one byte at
 * a time, which is what makes any split of the input give the same
 * result: the bytes that might still begin a delimiter are exactly the
 * matched prefix of the delimiter itself, so nothing of the input needs
 * to be kept between calls.  Runs of data without a CR skip the
 * automaton.
 */
#include "media/multipart.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DELIM_MAX (4 + MULTIPART_BOUNDARY_MAX)
#define OUT_BUF 4096

enum mp_state {
	MP_PREAMBLE,     /* before the first delimiter */
	MP_AFTER_DELIM,  /* "--" ends the body, else padding and CRLF */
	MP_DASH2,
	MP_PADDING,
	MP_LF,           /* CR seen after a delimiter */
	MP_HEADER,
	MP_HEADER_LF,    /* CR seen in a header line */
	MP_DATA,
	MP_EPILOGUE,
	MP_FAILED,
};

struct multipart {
	const struct multipart_callbacks *cb;
	void *arg;
	char delim[DELIM_MAX];
	size_t dlen;
	unsigned char fail[DELIM_MAX];
	size_t match;
	enum mp_state st;
	const char *error;

	char line[MULTIPART_HEADER_LINE_MAX + 1];
	size_t line_len;
	unsigned nlines;
	char name[MULTIPART_NAME_MAX + 1];
	char filename[MULTIPART_FILENAME_MAX + 1];
	char ctype[MULTIPART_TYPE_MAX + 1];
	bool has_disposition, has_filename, has_ctype;

	char out[OUT_BUF];
	size_t out_len;
};

static bool mp__bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       strchr("'()+_,-./:=? ", c) != NULL;
}

static bool mp__tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *mp__skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * One parameter "; key=value" at *pp (after the leading ';' has been
 * consumed): key into key (lower case untouched; compared with
 * strcasecmp), value unquoted into val.  0, or -1 when malformed or too
 * long.  *pp advances past the value.
 */
static int mp__param(const char **pp, char *key, size_t keysz, char *val, size_t valsz)
{
	const char *p = mp__skip_ws(*pp);
	size_t k = 0, v = 0;

	while (mp__tchar((unsigned char)*p)) {
		if (k + 1 >= keysz)
			return -1;
		key[k++] = *p++;
	}
	key[k] = '\0';
	if (k == 0)
		return -1;
	p = mp__skip_ws(p);
	if (*p++ != '=')
		return -1;
	p = mp__skip_ws(p);
	if (*p == '"') {
		p++;
		while (*p != '"') {
			if (*p == '\0')
				return -1;
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (v + 1 >= valsz)
				return -1;
			val[v++] = *p++;
		}
		p++;
	} else {
		while (mp__tchar((unsigned char)*p)) {
			if (v + 1 >= valsz)
				return -1;
			val[v++] = *p++;
		}
		if (v == 0)
			return -1;
	}
	val[v] = '\0';
	p = mp__skip_ws(p);
	if (*p != '\0' && *p != ';')
		return -1;
	*pp = p;
	return 0;
}

int multipart_boundary(const char *content_type, char *out, size_t outsz)
{
	static const char type[] = "multipart/form-data";
	const char *p;
	bool found = false;

	if (!content_type || outsz <= MULTIPART_BOUNDARY_MAX)
		return -1;
	p = mp__skip_ws(content_type);
	if (strncasecmp(p, type, sizeof(type) - 1) != 0)
		return -1;
	p = mp__skip_ws(p + sizeof(type) - 1);
	while (*p == ';') {
		char key[32], val[MULTIPART_BOUNDARY_MAX + 2];
		p++;
		if (*mp__skip_ws(p) == '\0')
			break;   /* a trailing ';' */
		if (mp__param(&p, key, sizeof(key), val, sizeof(val)) < 0)
			return -1;
		if (strcasecmp(key, "boundary") != 0)
			continue;
		size_t n = strlen(val);
		if (found || n == 0 || n > MULTIPART_BOUNDARY_MAX || val[n - 1] == ' ')
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!mp__bchar((unsigned char)val[i]))
				return -1;
		memcpy(out, val, n + 1);
		found = true;
	}
	return found && *p == '\0' ? 0 : -1;
}

struct multipart *multipart_new(const char *content_type, const struct multipart_callbacks *cb,
				void *arg)
{
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	struct multipart *mp;
	size_t k = 0;

	if (!cb || multipart_boundary(content_type, boundary, sizeof(boundary)) < 0)
		return NULL;
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return NULL;
	mp->cb = cb;
	mp->arg = arg;
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, strlen(boundary));
	mp->dlen = 4 + strlen(boundary);
	/* fail[i]: the longest proper prefix of delim[0..i] that is also its suffix. */
	mp->fail[0] = 0;
	for (size_t i = 1; i < mp->dlen; i++) {
		while (k > 0 && mp->delim[i] != mp->delim[k])
			k = mp->fail[k - 1];
		if (mp->delim[i] == mp->delim[k])
			k++;
		mp->fail[i] = (unsigned char)k;
	}
	mp->st = MP_PREAMBLE;
	mp->match = 2;   /* the CRLF the body is read as starting with */
	mp->error = "";
	return mp;
}

void multipart_free(struct multipart *mp)
{
	free(mp);
}

const char *multipart_error(const struct multipart *mp)
{
	return mp ? mp->error : "no parser";
}

static int mp__fail(struct multipart *mp, const char *why)
{
	mp->st = MP_FAILED;
	mp->error = why;
	return -1;
}

static int mp__flush(struct multipart *mp)
{
	if (mp->out_len == 0)
		return 0;
	if (mp->cb->part_data && mp->cb->part_data(mp->arg, mp->out, mp->out_len) != 0)
		return mp__fail(mp, "stopped");
	mp->out_len = 0;
	return 0;
}

static int mp__emit(struct multipart *mp, const char *data, size_t len)
{
	if (len >= OUT_BUF) {
		if (mp__flush(mp) < 0)
			return -1;
		if (mp->cb->part_data && mp->cb->part_data(mp->arg, data, len) != 0)
			return mp__fail(mp, "stopped");
		return 0;
	}
	if (mp->out_len + len > OUT_BUF && mp__flush(mp) < 0)
		return -1;
	memcpy(mp->out + mp->out_len, data, len);
	mp->out_len += len;
	return 0;
}

/* Advance the delimiter automaton by c; the new match length. */
static size_t mp__step(const struct multipart *mp, size_t k, char c)
{
	while (k > 0 && mp->delim[k] != c)
		k = mp->fail[k - 1];
	return mp->delim[k] == c ? k + 1 : 0;
}

/* The Content-Disposition value of a part: form-data; name="..."[; filename="..."]. */
static int mp__disposition(struct multipart *mp, const char *v)
{
	static const char fd[] = "form-data";
	bool has_name = false;

	if (mp->has_disposition)
		return mp__fail(mp, "more than one Content-Disposition in a part");
	mp->has_disposition = true;
	if (strncasecmp(v, fd, sizeof(fd) - 1) != 0 ||
	    (v[sizeof(fd) - 1] != '\0' && v[sizeof(fd) - 1] != ';' && v[sizeof(fd) - 1] != ' ' &&
	     v[sizeof(fd) - 1] != '\t'))
		return mp__fail(mp, "a part's Content-Disposition is not form-data");
	v = mp__skip_ws(v + sizeof(fd) - 1);
	while (*v == ';') {
		char key[32], val[MULTIPART_FILENAME_MAX + 2];
		v++;
		if (*mp__skip_ws(v) == '\0')
			break;
		if (mp__param(&v, key, sizeof(key), val, sizeof(val)) < 0)
			return mp__fail(mp, "malformed Content-Disposition parameter");
		if (strcasecmp(key, "name") == 0) {
			if (has_name || val[0] == '\0' || strlen(val) > MULTIPART_NAME_MAX)
				return mp__fail(mp, "a part's name is missing, repeated or too long");
			memcpy(mp->name, val, strlen(val) + 1);
			has_name = true;
		} else if (strcasecmp(key, "filename") == 0) {
			if (mp->has_filename || strlen(val) > MULTIPART_FILENAME_MAX)
				return mp__fail(mp, "a part's filename is repeated or too long");
			memcpy(mp->filename, val, strlen(val) + 1);
			mp->has_filename = true;
		}
		/* Other parameters (filename*, for one) are not needed. */
	}
	if (*v != '\0')
		return mp__fail(mp, "malformed Content-Disposition");
	if (!has_name)
		return mp__fail(mp, "a part has no name");
	return 0;
}

/* A whole header line in mp->line; an empty one ends the headers. */
static int mp__header_line(struct multipart *mp)
{
	char *colon, *v, *end;

	mp->line[mp->line_len] = '\0';
	if (mp->line_len == 0) {
		struct multipart_part part = {
			.name = mp->name,
			.filename = mp->has_filename ? mp->filename : NULL,
			.content_type = mp->has_ctype ? mp->ctype : NULL,
		};
		if (!mp->has_disposition)
			return mp__fail(mp, "a part has no Content-Disposition");
		if (mp->cb->part_begin && mp->cb->part_begin(mp->arg, &part) != 0)
			return mp__fail(mp, "stopped");
		mp->st = MP_DATA;
		mp->match = 0;
		return 0;
	}
	if (++mp->nlines > MULTIPART_HEADERS_MAX)
		return mp__fail(mp, "too many part headers");
	if (strlen(mp->line) != mp->line_len)
		return mp__fail(mp, "NUL in a part header");
	colon = strchr(mp->line, ':');
	if (!colon || colon == mp->line)
		return mp__fail(mp, "malformed part header");
	for (char *p = mp->line; p < colon; p++)
		if (!mp__tchar((unsigned char)*p))
			return mp__fail(mp, "malformed part header");
	*colon = '\0';
	v = (char *)mp__skip_ws(colon + 1);
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(mp->line, "Content-Disposition") == 0)
		return mp__disposition(mp, v);
	if (strcasecmp(mp->line, "Content-Type") == 0) {
		if (mp->has_ctype || strlen(v) > MULTIPART_TYPE_MAX)
			return mp__fail(mp, "a part's Content-Type is repeated or too long");
		memcpy(mp->ctype, v, strlen(v) + 1);
		mp->has_ctype = true;
	}
	return 0;
}

static void mp__part_reset(struct multipart *mp)
{
	mp->line_len = 0;
	mp->nlines = 0;
	mp->name[0] = mp->filename[0] = mp->ctype[0] = '\0';
	mp->has_disposition = mp->has_filename = mp->has_ctype = false;
}

/* Part data from p, up to the delimiter: the bytes consumed. */
static size_t mp__data(struct multipart *mp, const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (mp->match == 0) {
			const char *cr = memchr(p + i, '\r', len - i);
			size_t run = cr ? (size_t)(cr - (p + i)) : len - i;
			if (run > 0 && mp__emit(mp, p + i, run) < 0)
				return len;
			i += run;
			if (i == len)
				break;
		}
		size_t k = mp->match, k2 = mp__step(mp, k, p[i]);
		size_t release = k + 1 - k2;
		if (k2 == mp->dlen) {
			mp->match = 0;
			i++;
			if (mp__flush(mp) < 0)
				return len;
			if (mp->cb->part_end && mp->cb->part_end(mp->arg) != 0) {
				mp__fail(mp, "stopped");
				return len;
			}
			mp->st = MP_AFTER_DELIM;
			return i;
		}
		/* What no longer can begin a delimiter is data: the front of
		 * the held prefix, and c itself when nothing is held after. */
		if (release > 0) {
			if (release <= k) {
				if (mp__emit(mp, mp->delim, release) < 0)
					return len;
			} else if (mp__emit(mp, mp->delim, k) < 0 || mp__emit(mp, p + i, 1) < 0) {
				return len;
			}
		}
		mp->match = k2;
		i++;
	}
	return i;
}

int multipart_feed(struct multipart *mp, const char *data, size_t len)
{
	size_t i = 0;

	if (!mp)
		return -1;
	while (i < len) {
		char c = data[i];

		switch (mp->st) {
		case MP_FAILED:
			return -1;
		case MP_EPILOGUE:
			return 0;
		case MP_DATA:
			i += mp__data(mp, data + i, len - i);
			continue;
		case MP_PREAMBLE:
			mp->match = mp__step(mp, mp->match, c);
			if (mp->match == mp->dlen) {
				mp->match = 0;
				mp->st = MP_AFTER_DELIM;
			}
			break;
		case MP_AFTER_DELIM:
			if (c == '-')
				mp->st = MP_DASH2;
			else if (c == ' ' || c == '\t')
				mp->st = MP_PADDING;
			else if (c == '\r')
				mp->st = MP_LF;
			else
				return mp__fail(mp, "a boundary is followed by neither CRLF nor --");
			break;
		case MP_DASH2:
			if (c != '-')
				return mp__fail(mp, "a boundary is followed by neither CRLF nor --");
			mp->st = MP_EPILOGUE;
			break;
		case MP_PADDING:
			if (c == '\r')
				mp->st = MP_LF;
			else if (c != ' ' && c != '\t')
				return mp__fail(mp, "a boundary is followed by neither CRLF nor --");
			break;
		case MP_LF:
			if (c != '\n')
				return mp__fail(mp, "CR without LF after a boundary");
			mp__part_reset(mp);
			mp->st = MP_HEADER;
			break;
		case MP_HEADER:
			if (c == '\r') {
				mp->st = MP_HEADER_LF;
			} else if (c == '\n') {
				return mp__fail(mp, "a part header line ends without CR");
			} else {
				if (mp->line_len >= MULTIPART_HEADER_LINE_MAX)
					return mp__fail(mp, "a part header line is too long");
				mp->line[mp->line_len++] = c;
			}
			break;
		case MP_HEADER_LF:
			if (c != '\n')
				return mp__fail(mp, "CR without LF in part headers");
			mp->st = MP_HEADER;
			if (mp__header_line(mp) < 0)
				return -1;
			mp->line_len = 0;
			break;
		}
		i++;
	}
	return mp->st == MP_FAILED ? -1 : 0;
}

int multipart_finish(struct multipart *mp)
{
	if (!mp)
		return -1;
	if (mp->st == MP_FAILED)
		return -1;
	if (mp->st != MP_EPILOGUE)
		return mp__fail(mp, "the body ended before its closing boundary");
	return 0;
}
