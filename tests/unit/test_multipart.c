/*
 * The incremental multipart/form-data parser: the same events whatever
 * the chunking (the body split at every byte position, and fed one byte
 * at a time), data that nearly contains the delimiter, and each malformed
 * body it must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/multipart.h"

#define CT "multipart/form-data; boundary=XyZzy"

/* What the callbacks saw, as text: B<name>|<filename or ->|<type or ->{data}E */
struct record {
	char log[8192];
	size_t len;
	int stop_at_data;   /* stop on the first data callback */
};

static void rec_add(struct record *r, const char *s, size_t n)
{
	assert_true(r->len + n < sizeof(r->log));
	memcpy(r->log + r->len, s, n);
	r->len += n;
	r->log[r->len] = '\0';
}

static int on_begin(void *arg, const struct multipart_part *p)
{
	struct record *r = arg;
	char buf[600];
	int n = snprintf(buf, sizeof(buf), "B%s|%s|%s{", p->name, p->filename ? p->filename : "-",
			 p->content_type ? p->content_type : "-");

	rec_add(r, buf, (size_t)n);
	return 0;
}

static int on_data(void *arg, const char *data, size_t len)
{
	struct record *r = arg;

	assert_true(len > 0);
	if (r->stop_at_data)
		return 1;
	rec_add(r, data, len);
	return 0;
}

static int on_end(void *arg)
{
	rec_add(arg, "}E", 2);
	return 0;
}

static const struct multipart_callbacks cbs = { on_begin, on_data, on_end };

/* Parse body in chunks cut at the given positions (ascending, n of them). */
static int parse_split(const char *ct, const char *body, size_t len, const size_t *cuts, size_t n,
		       struct record *r)
{
	struct multipart *mp = multipart_new(ct, &cbs, r);
	size_t from = 0;
	int rc = 0;

	assert_non_null(mp);
	for (size_t i = 0; i <= n && rc == 0; i++) {
		size_t to = i < n ? cuts[i] : len;
		rc = multipart_feed(mp, body + from, to - from);
		from = to;
	}
	if (rc == 0)
		rc = multipart_finish(mp);
	multipart_free(mp);
	return rc;
}

/* Whole, split in two at every position, and byte by byte: one result. */
static void expect_parse(const char *ct, const char *body, size_t len, const char *want, int want_rc)
{
	struct record whole = { .len = 0 };
	int rc = parse_split(ct, body, len, NULL, 0, &whole);

	assert_int_equal(rc, want_rc);
	if (want)
		assert_string_equal(whole.log, want);
	for (size_t cut = 0; cut <= len; cut++) {
		struct record r = { .len = 0 };
		assert_int_equal(parse_split(ct, body, len, &cut, 1, &r), want_rc);
		assert_string_equal(r.log, whole.log);
	}
	size_t *cuts = malloc(len * sizeof(*cuts));
	assert_non_null(cuts);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	struct record bytes = { .len = 0 };
	assert_int_equal(parse_split(ct, body, len, cuts, len, &bytes), want_rc);
	assert_string_equal(bytes.log, whole.log);
	free(cuts);
}

static void test_fields_and_file(void **state)
{
	(void)state;
	static const char body[] =
		"--XyZzy\r\n"
		"Content-Disposition: form-data; name=\"camera_id\"\r\n"
		"\r\n"
		"12\r\n"
		"--XyZzy\r\n"
		"content-disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\n"
		"Content-Type: video/mp4\r\n"
		"\r\n"
		"\r\n--XyZz\r\r\n-\r\n--XyZzX--XyZzy\n\r\n--\r\n--XyZz"
		"\r\n"
		"--XyZzy--\r\n";

	expect_parse(CT, body, sizeof(body) - 1,
		     "Bcamera_id|-|-{12}EBfile|clip.mp4|video/mp4{"
		     "\r\n--XyZz\r\r\n-\r\n--XyZzX--XyZzy\n\r\n--\r\n--XyZz}E",
		     0);
}

static void test_preamble_epilogue_padding(void **state)
{
	(void)state;
	static const char body[] =
		"this is the preamble --XyZzy not yet\r\n"
		"--XyZzy  \t\r\n"
		"Content-Disposition: form-data; name=a\r\n"
		"X-Other: ignored\r\n"
		"\r\n"
		"\r\n"
		"--XyZzy\r\n"
		"Content-Disposition: form-data; name=\"b\\\"q\"; filename=\"\"\r\n"
		"\r\n"
		"x\r\n"
		"--XyZzy--epilogue\r\n--XyZzy\r\nanything";

	expect_parse(CT, body, sizeof(body) - 1, "Ba|-|-{}EBb\"q||-{x}E", 0);
}

static void test_binary_data(void **state)
{
	(void)state;
	char body[2048];
	char want[2048];
	size_t n = 0;
	int w;

	n += (size_t)snprintf(body, sizeof(body),
			      "--XyZzy\r\nContent-Disposition: form-data; name=\"f\"; "
			      "filename=\"b.bin\"\r\n\r\n");
	w = snprintf(want, sizeof(want), "Bf|b.bin|-{");
	for (int i = 0; i < 256; i++) {
		body[n++] = (char)i;
		want[w++] = (char)i;
	}
	/* NUL bytes make want unusable as a C string: compare lengths and
	 * bytes through a record of our own. */
	memcpy(body + n, "\r\n--XyZzy--", 11);
	n += 11;
	struct record r = { .len = 0 };
	assert_int_equal(parse_split(CT, body, n, NULL, 0, &r), 0);
	memcpy(want + w, "}E", 2);
	w += 2;
	assert_int_equal(r.len, (size_t)w);
	assert_memory_equal(r.log, want, (size_t)w);
	for (size_t cut = 0; cut <= n; cut++) {
		struct record s = { .len = 0 };
		assert_int_equal(parse_split(CT, body, n, &cut, 1, &s), 0);
		assert_int_equal(s.len, (size_t)w);
		assert_memory_equal(s.log, want, (size_t)w);
	}
}

static void test_quoted_boundary(void **state)
{
	(void)state;
	static const char body[] =
		"--a b:c\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a b:c--";

	expect_parse("Multipart/Form-Data ; charset=utf-8; boundary=\"a b:c\"", body,
		     sizeof(body) - 1, "Bx|-|-{1}E", 0);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* no closing boundary */
		"--XyZzy\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc",
		/* no boundary at all */
		"just text",
		/* junk after the boundary */
		"--XyZzyQ\r\n",
		"--XyZzy-x",
		"--XyZzy\rx",
		/* headers */
		"--XyZzy\r\n\r\nno disposition\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: form-data\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: form-data; name=\"a\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nno colon here\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\n: empty name\r\n\r\n\r\n--XyZzy--",
		"--XyZzy\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"Content-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--XyZzy--",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_parse(CT, bad[i], strlen(bad[i]), NULL, -1);

	/* A NUL inside a header line. */
	static const char nul[] = "--XyZzy\r\nContent-Disposition: form-data; name=\"a\0\"\r\n\r\n\r\n--XyZzy--";
	expect_parse(CT, nul, sizeof(nul) - 1, NULL, -1);
}

static void test_header_limits(void **state)
{
	(void)state;
	char body[MULTIPART_HEADER_LINE_MAX * 2 + 256];
	size_t n = 0;

	n += (size_t)snprintf(body, sizeof(body), "--XyZzy\r\nX-Long: ");
	while (n < MULTIPART_HEADER_LINE_MAX + 10)
		body[n++] = 'a';
	n += (size_t)snprintf(body + n, sizeof(body) - n, "\r\n\r\n\r\n--XyZzy--");
	expect_parse(CT, body, n, NULL, -1);

	n = (size_t)snprintf(body, sizeof(body),
			     "--XyZzy\r\nContent-Disposition: form-data; name=\"a\"\r\n");
	for (int i = 0; i < MULTIPART_HEADERS_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "X-%d: y\r\n", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "\r\n\r\n--XyZzy--");
	expect_parse(CT, body, n, NULL, -1);

	/* Exactly at the limits is fine. */
	n = (size_t)snprintf(body, sizeof(body),
			     "--XyZzy\r\nContent-Disposition: form-data; name=\"a\"\r\n");
	for (int i = 1; i < MULTIPART_HEADERS_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "X-%d: y\r\n", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "\r\n\r\n--XyZzy--");
	expect_parse(CT, body, n, "Ba|-|-{}E", 0);
}

static void test_callback_stops(void **state)
{
	(void)state;
	static const char body[] =
		"--XyZzy\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ndata\r\n--XyZzy--";
	struct record r = { .len = 0, .stop_at_data = 1 };
	struct multipart *mp = multipart_new(CT, &cbs, &r);

	assert_non_null(mp);
	assert_int_equal(multipart_feed(mp, body, sizeof(body) - 1), -1);
	assert_string_equal(multipart_error(mp), "stopped");
	assert_int_equal(multipart_feed(mp, "x", 1), -1);
	assert_int_equal(multipart_finish(mp), -1);
	multipart_free(mp);
}

static void test_boundary_parameter(void **state)
{
	(void)state;
	char b[MULTIPART_BOUNDARY_MAX + 1];
	char long_ct[200];

	assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b)), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(multipart_boundary("multipart/form-data;boundary=\"x'()+_,-./:=?\";", b,
					    sizeof(b)), 0);
	assert_string_equal(b, "x'()+_,-./:=?");
	assert_int_equal(multipart_boundary(NULL, b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("application/json", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/mixed; boundary=abc", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-dataX; boundary=abc", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"a \"", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"a\r\"", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=a; boundary=b", b,
					    sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=a b", b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, 10), -1);

	int n = snprintf(long_ct, sizeof(long_ct), "multipart/form-data; boundary=");
	memset(long_ct + n, 'a', MULTIPART_BOUNDARY_MAX);
	long_ct[n + MULTIPART_BOUNDARY_MAX] = '\0';
	assert_int_equal(multipart_boundary(long_ct, b, sizeof(b)), 0);
	long_ct[n + MULTIPART_BOUNDARY_MAX] = 'a';
	long_ct[n + MULTIPART_BOUNDARY_MAX + 1] = '\0';
	assert_int_equal(multipart_boundary(long_ct, b, sizeof(b)), -1);
	assert_null(multipart_new(long_ct, &cbs, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_and_file),
		cmocka_unit_test(test_preamble_epilogue_padding),
		cmocka_unit_test(test_binary_data),
		cmocka_unit_test(test_quoted_boundary),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_boundary_parameter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
