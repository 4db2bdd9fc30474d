#ifndef HEARTH_MEDIA_MULTIPART_H
#define HEARTH_MEDIA_MULTIPART_H

/*
 * An incremental multipart/form-data parser (RFC 7578 over RFC 2046) for
 * uploads too large to hold in memory.  The body is fed in chunks of any
 * size, split anywhere; each part is announced with its name and file
 * name, its bytes are handed on as they arrive, and nothing but the part
 * headers (bounded) is ever buffered.  Pure: no I/O, no allocation after
 * multipart_new().
 *
 * What is accepted: the boundary of the Content-Type (1 to 70 characters
 * of RFC 2046's bchars), a preamble and an epilogue (ignored), parts whose
 * headers are at most MULTIPART_HEADER_LINE_MAX bytes a line and
 * MULTIPART_HEADERS_MAX lines, each with a Content-Disposition of
 * form-data and a name.  Anything else is an error naming the problem.
 */
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70
#define MULTIPART_HEADER_LINE_MAX 1024
#define MULTIPART_HEADERS_MAX 16
#define MULTIPART_NAME_MAX 128       /* bytes of a field name */
#define MULTIPART_FILENAME_MAX 256   /* bytes of a file name */
#define MULTIPART_TYPE_MAX 128       /* bytes of a part's Content-Type */

/* A part's headers, as given to part_begin; borrowed for that call. */
struct multipart_part {
	const char *name;           /* the form field's name, never empty */
	const char *filename;       /* NULL when the part is not a file */
	const char *content_type;   /* NULL when not given */
};

/*
 * What the parser calls, in order: part_begin, part_data (zero or more
 * times), part_end, for each part.  A callback returning non-zero stops
 * the parse: multipart_feed() returns -1 and multipart_error() says
 * "stopped".  arg is the caller's, passed through.
 */
struct multipart_callbacks {
	int (*part_begin)(void *arg, const struct multipart_part *part);
	int (*part_data)(void *arg, const char *data, size_t len);
	int (*part_end)(void *arg);
};

struct multipart;

/*
 * The boundary parameter of a multipart/form-data Content-Type into out
 * (outsz > MULTIPART_BOUNDARY_MAX).  0, or -1 when the type is another
 * one or the boundary is missing or invalid.
 */
int multipart_boundary(const char *content_type, char *out, size_t outsz);

/*
 * A parser for a body of content_type (borrowed; the boundary is copied);
 * cb is borrowed and must outlive the parser.  NULL when content_type has
 * no valid boundary or memory ran out.
 */
struct multipart *multipart_new(const char *content_type, const struct multipart_callbacks *cb,
				void *arg);

/* Feed the next len bytes.  0, or -1 once the body is malformed or a
 * callback stopped it (every later call returns -1 too). */
int multipart_feed(struct multipart *mp, const char *data, size_t len);

/* The body has ended: 0 when it was complete (the closing boundary was
 * seen), else -1. */
int multipart_finish(struct multipart *mp);

/* Why the last call failed ("" when none); static or inside mp. */
const char *multipart_error(const struct multipart *mp);

void multipart_free(struct multipart *mp);

#endif
