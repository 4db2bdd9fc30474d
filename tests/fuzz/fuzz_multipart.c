/*
 * libFuzzer target for the multipart/form-data parser, which reads an
 * upload's body straight from the network.  The first input byte picks
 * the boundary's form and where to split the rest; besides memory safety
 * it checks that a split body gives exactly the events of the whole one,
 * and that no callback sees more data than there was input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	unsigned char hash[32];   /* a running digest of the events, cheap to compare */
	size_t data_bytes;
	size_t parts;
	int open;                 /* inside a part */
};

static void trace_mix(struct trace *t, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		size_t j = (t->data_bytes + i) % sizeof(t->hash);
		t->hash[j] = (unsigned char)(t->hash[j] * 31 + b[i] + 1);
	}
}

static int on_begin(void *arg, const struct multipart_part *p)
{
	struct trace *t = arg;

	if (t->open || !p->name || !*p->name || strlen(p->name) > MULTIPART_NAME_MAX ||
	    (p->filename && strlen(p->filename) > MULTIPART_FILENAME_MAX))
		abort();
	t->open = 1;
	t->parts++;
	trace_mix(t, "B", 1);
	trace_mix(t, p->name, strlen(p->name));
	if (p->filename)
		trace_mix(t, p->filename, strlen(p->filename) + 1);
	return 0;
}

static int on_data(void *arg, const char *d, size_t n)
{
	struct trace *t = arg;

	if (!t->open || n == 0)
		abort();
	trace_mix(t, d, n);
	t->data_bytes += n;
	return 0;
}

static int on_end(void *arg)
{
	struct trace *t = arg;

	if (!t->open)
		abort();
	t->open = 0;
	trace_mix(t, "E", 1);
	return 0;
}

static const struct multipart_callbacks cbs = { on_begin, on_data, on_end };

static int run(const char *ct, const uint8_t *body, size_t len, size_t cut, struct trace *t)
{
	struct multipart *mp = multipart_new(ct, &cbs, t);
	int rc;

	if (!mp)
		abort();
	rc = multipart_feed(mp, (const char *)body, cut);
	if (rc == 0)
		rc = multipart_feed(mp, (const char *)body + cut, len - cut);
	if (rc == 0)
		rc = multipart_finish(mp);
	multipart_free(mp);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"multipart/form-data; boundary=XyZzy",
		"multipart/form-data; boundary=\"a b\"",
		"multipart/form-data; boundary=-",
		"multipart/form-data; boundary=--",
	};
	struct trace whole, split;
	const char *ct;
	size_t cut;
	int a, b;

	if (size < 1)
		return 0;
	ct = types[data[0] % 4];
	data++;
	size--;
	cut = size ? (size_t)data[0] * 257 % (size + 1) : 0;

	memset(&whole, 0, sizeof(whole));
	memset(&split, 0, sizeof(split));
	a = run(ct, data, size, size, &whole);
	b = run(ct, data, size, cut, &split);
	if (a != b || whole.data_bytes != split.data_bytes || whole.parts != split.parts ||
	    memcmp(whole.hash, split.hash, sizeof(whole.hash)) != 0 || whole.data_bytes > size)
		abort();
	if (a == 0 && whole.open)
		abort();
	return 0;
}
