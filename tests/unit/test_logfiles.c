/*
 * lib/logfiles: line formats, reading newest first across block
 * boundaries, filters, merging files, and the file listing's refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "logfiles.h"

static char dir[64];

static void path_of(char *out, size_t outsz, const char *rel)
{
	snprintf(out, outsz, "%s/%s", dir, rel);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_logfiles.XXXXXX");
	/* nginx's times are local: pin the zone so the test means one thing. */
	setenv("TZ", "UTC", 1);
	tzset();
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_parse(void **state)
{
	struct logfiles_entry e;
	static const char hearth[] =
		"2026-11-22T10:14:33.120Z warning hearth-api[4242]: db: 2013 Lost connection";
	static const char nginx[] =
		"2026/11/22 10:14:33 [crit] 812#812: *7 connect() failed, client: 127.0.0.1";
	static const char junk[] = "==123==ERROR: AddressSanitizer: heap-use-after-free";

	(void)state;
	assert_int_equal(logfiles_parse_line(hearth, strlen(hearth), &e), 1);
	assert_string_equal(e.ts, "2026-11-22T10:14:33.120Z");
	assert_int_equal(e.level, LOGFILES_WARNING);
	assert_string_equal(e.source, "hearth-api");
	assert_string_equal(e.message, "db: 2013 Lost connection");

	assert_int_equal(logfiles_parse_line(nginx, strlen(nginx), &e), 1);
	assert_string_equal(e.ts, "2026-11-22T10:14:33.000Z");
	assert_int_equal(e.level, LOGFILES_ERROR);
	assert_string_equal(e.source, "nginx");
	assert_string_equal(e.message, "*7 connect() failed, client: 127.0.0.1");

	assert_int_equal(logfiles_parse_line(junk, strlen(junk), &e), 0);
	assert_string_equal(e.ts, "");
	assert_int_equal(e.level, LOGFILES_INFO);
	assert_string_equal(e.message, junk);

	/* A near miss is raw text, not a half-parsed entry. */
	assert_int_equal(logfiles_parse_line("2026-13-22T10:14:33.120Z info x[1]: m", 37, &e), 0);
	assert_int_equal(logfiles_parse_line("2026-11-22T10:14:33.120Z loud x[1]: m", 37, &e), 0);
	/* An embedded NUL does not end the message early. */
	assert_int_equal(logfiles_parse_line("a\0b", 3, &e), 0);
	assert_string_equal(e.message, "a?b");
}

static void test_levels(void **state)
{
	enum logfiles_level l;

	(void)state;
	assert_int_equal(logfiles_level_parse("ERROR", &l), 0);
	assert_int_equal(l, LOGFILES_ERROR);
	assert_int_equal(logfiles_level_parse("warning", &l), 0);
	assert_int_equal(l, LOGFILES_WARNING);
	assert_int_equal(logfiles_level_parse("Info", &l), 0);
	assert_int_equal(l, LOGFILES_INFO);
	assert_int_equal(logfiles_level_parse("DEBUG", &l), 0);
	assert_int_equal(l, LOGFILES_DEBUG);
	assert_int_equal(logfiles_level_parse("LOUD", &l), -1);
	assert_int_equal(logfiles_level_parse("", &l), -1);
	assert_int_equal(logfiles_level_parse(NULL, &l), -1);
}

static void test_utf8(void **state)
{
	struct logfiles_entry e;
	json_t *j;

	(void)state;
	logfiles_parse_line("caf\xc3\xa9 \xff\xc0\xaf end \xe2\x82", 16, &e);
	j = logfiles_entry_json(&e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "message")),
			    "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd");
	assert_true(json_is_null(json_object_get(j, "ts")));
	json_decref(j);
}

/* n lines of the Hearth format, one a second, levels cycling. */
static void write_log(const char *rel, int n, int first_sec, const char *prog)
{
	static const char *const levels[] = { "info", "error", "warning", "debug" };
	char path[256];
	FILE *f;

	path_of(path, sizeof(path), rel);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < n; i++) {
		int s = first_sec + i;

		fprintf(f, "2026-11-22T%02d:%02d:%02d.000Z %s %s[7]: line %d of %s%s\n",
			s / 3600, s / 60 % 60, s % 60, levels[i % 4], prog, i, prog,
			i == 100 ? " NeedleHere" : "");
	}
	fclose(f);
}

static void test_read_backwards(void **state)
{
	char p1[256];
	const char *paths[] = { p1 };
	struct logfiles_query q = { .level = LOGFILES_ANY, .limit = 3 };
	json_t *items;

	(void)state;
	/* ~70 bytes a line: 5000 lines cross several 64 KiB blocks. */
	write_log("api.log", 5000, 0, "hearth-api");
	path_of(p1, sizeof(p1), "api.log");

	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message")),
			    "line 4999 of hearth-api");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2), "message")),
			    "line 4997 of hearth-api");
	json_decref(items);

	/* Every line, in order, across the block boundaries. */
	q.limit = LOGFILES_LIMIT_MAX;
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), LOGFILES_LIMIT_MAX);
	for (size_t i = 0; i < LOGFILES_LIMIT_MAX; i++) {
		char want[64];

		snprintf(want, sizeof(want), "line %zu of hearth-api", 4999 - i);
		assert_string_equal(json_string_value(json_object_get(json_array_get(items, i),
								      "message")), want);
	}
	json_decref(items);

	q.level = LOGFILES_ERROR;
	q.limit = 2;
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "level")),
			    "ERROR");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message")),
			    "line 4997 of hearth-api");
	json_decref(items);

	q.level = LOGFILES_ANY;
	q.search = "needlehere";
	q.limit = 10;
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message")),
			    "line 100 of hearth-api NeedleHere");
	json_decref(items);
}

static void test_merge_and_edges(void **state)
{
	char p1[256], p2[256], p3[256], p4[256];
	const char *paths[] = { p1, p2, p3 };
	struct logfiles_query q = { .level = LOGFILES_ANY, .limit = 4 };
	json_t *items;
	FILE *f;

	(void)state;
	write_log("tick.log", 10, 0, "hearth-tick");      /* seconds 0..9 */
	write_log("cleanup.log", 10, 5, "hearth-cleanup"); /* seconds 5..14 */
	path_of(p1, sizeof(p1), "tick.log");
	path_of(p2, sizeof(p2), "cleanup.log");
	path_of(p3, sizeof(p3), "missing.log");

	items = logfiles_read(paths, 3, &q);
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "source")),
			    "hearth-cleanup");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "ts")),
			    "2026-11-22T00:00:14.000Z");
	json_decref(items);

	q.limit = 100;
	items = logfiles_read(paths, 3, &q);
	assert_int_equal(json_array_size(items), 20);
	for (size_t i = 1; i < 20; i++)
		assert_true(strcmp(json_string_value(json_object_get(json_array_get(items, i - 1), "ts")),
				   json_string_value(json_object_get(json_array_get(items, i), "ts"))) >= 0);
	json_decref(items);

	/* No trailing newline, a blank line, an overlong line. */
	path_of(p4, sizeof(p4), "odd.log");
	f = fopen(p4, "w");
	assert_non_null(f);
	fputs("2026-11-22T00:00:01.000Z info x[1]: ", f);
	for (int i = 0; i < 3 * LOGFILES_LINE_MAX; i++)
		fputc('a', f);
	fputs("\n\n2026-11-22T00:00:02.000Z info x[1]: last", f);
	fclose(f);
	paths[0] = p4;
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message")),
			    "last");
	assert_true(strlen(json_string_value(json_object_get(json_array_get(items, 1), "message"))) <=
		    LOGFILES_LINE_MAX);
	json_decref(items);

	/* An empty file. */
	f = fopen(p4, "w");
	fclose(f);
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

static void test_files(void **state)
{
	char p[256], target[256];
	char *buf = NULL;
	size_t len = 0;
	bool cut = false;
	json_t *list;
	FILE *f;

	(void)state;
	path_of(p, sizeof(p), "install");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "install/2026-04-01.log");
	f = fopen(p, "w");
	fputs("first line\nsecond line\nthird line\n", f);
	fclose(f);
	/* A symlink out, a hidden file, a nested directory: none listed. */
	path_of(p, sizeof(p), "install/passwd.log");
	assert_int_equal(symlink("/etc/passwd", p), 0);
	path_of(p, sizeof(p), "install/.hidden");
	f = fopen(p, "w");
	fclose(f);
	path_of(p, sizeof(p), "install/nested");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "linked");
	path_of(target, sizeof(target), "install");
	assert_int_equal(symlink(target, p), 0);

	list = logfiles_list(dir);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")),
			    "install/2026-04-01.log");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "category")),
			    "install");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "size")), 34);
	json_decref(list);

	assert_int_equal(logfiles_read_file(dir, "install", "2026-04-01.log", 1 << 20, &buf, &len,
					    &cut), 0);
	assert_int_equal(len, 34);
	assert_false(cut);
	free(buf);

	/* The last bytes only, from a whole line. */
	assert_int_equal(logfiles_read_file(dir, "install", "2026-04-01.log", 15, &buf, &len, &cut),
			 0);
	assert_true(cut);
	assert_string_equal(buf, "third line\n");
	free(buf);

	assert_int_equal(logfiles_read_file(dir, "install", "passwd.log", 1 << 20, &buf, &len, &cut),
			 -1);
	assert_int_equal(logfiles_read_file(dir, "linked", "2026-04-01.log", 1 << 20, &buf, &len,
					    &cut), -1);
	assert_int_equal(logfiles_read_file(dir, "..", "etc", 1 << 20, &buf, &len, &cut), -1);
	assert_int_equal(logfiles_read_file(dir, "install", "../api.log", 1 << 20, &buf, &len, &cut),
			 -1);
	assert_int_equal(logfiles_read_file(dir, "install", ".hidden", 1 << 20, &buf, &len, &cut), -1);
	assert_int_equal(logfiles_read_file(dir, "install", "nested", 1 << 20, &buf, &len, &cut), -1);
	assert_int_equal(logfiles_read_file(dir, "install", "nope.log", 1 << 20, &buf, &len, &cut), -1);
	assert_null(buf);

	assert_true(logfiles_segment_ok("2026-04-01_09-51-07.log"));
	assert_false(logfiles_segment_ok(".."));
	assert_false(logfiles_segment_ok("a/b"));
	assert_false(logfiles_segment_ok("a%2fb"));
	assert_false(logfiles_segment_ok(""));
}

/* in redacted is want; the measured length matches, and a short buffer
 * gets a cut, terminated prefix of the same text. */
static void redacted(const char *in, const char *want)
{
	char out[1024], small[8];
	size_t n = logfiles_redact(in, strlen(in), out, sizeof(out));

	if (strcmp(out, want) != 0)
		fail_msg("'%s' -> '%s', wanted '%s'", in, out, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(logfiles_redact(in, strlen(in), NULL, 0), n);
	assert_int_equal(logfiles_redact(in, strlen(in), small, sizeof(small)), n);
	assert_int_equal(strncmp(small, want, sizeof(small) - 1), 0);
	assert_int_equal(small[sizeof(small) - 1 < n ? sizeof(small) - 1 : n], '\0');
}

static void test_redact(void **state)
{
	(void)state;
	/* nginx's error log, as it reports a refused request. */
	redacted("*7 client intended to send too large body: 2097152 bytes, client: 127.0.0.1, "
		 "server: localhost, request: \"POST /api/v1/rooms?api_key=hk_abc.DEF123 HTTP/2.0\", "
		 "host: \"127.0.0.1:8443\"",
		 "*7 client intended to send too large body: 2097152 bytes, client: 127.0.0.1, "
		 "server: localhost, request: \"POST /api/v1/rooms?api_key=[hidden] HTTP/2.0\", "
		 "host: \"127.0.0.1:8443\"");
	redacted("GET /x?a=1&api_key=s3cret&b=2", "GET /x?a=1&api_key=[hidden]&b=2");
	redacted("referrer: \"https://h/p?device_key=dk-1#top\"",
		 "referrer: \"https://h/p?device_key=[hidden]#top\"");

	/* Every name that says secret, in any case and spelling. */
	redacted("?API_KEY=a", "?API_KEY=[hidden]");
	redacted("?Api_Key=a", "?Api_Key=[hidden]");
	redacted("?api%5Fkey=a", "?api%5Fkey=[hidden]");
	redacted("?api%5fkey=a", "?api%5fkey=[hidden]");
	redacted("?%61pi_key=a", "?%61pi_key=[hidden]");
	redacted("?api%255Fkey=a", "?api%255Fkey=[hidden]");
	redacted("?apikey=a&key=b&x-api-key=c", "?apikey=[hidden]&key=[hidden]&x-api-key=[hidden]");
	redacted("?token=a&access_token=b&refresh-token=c",
		 "?token=[hidden]&access_token=[hidden]&refresh-token=[hidden]");
	redacted("?secret=a&client_secret=b&webhook_secret=c",
		 "?secret=[hidden]&client_secret=[hidden]&webhook_secret=[hidden]");
	redacted("?password=a&Passwd=b&pwd=c&pass=d",
		 "?password=[hidden]&Passwd=[hidden]&pwd=[hidden]&pass=[hidden]");
	redacted("?auth=a&session_id=b&sig=c&signature=d",
		 "?auth=[hidden]&session_id=[hidden]&sig=[hidden]&signature=[hidden]");
	redacted("?user[password]=a", "?user[password]=[hidden]");

	/* The '=' escaped: a URL carried inside another URL's query. */
	redacted("?next=%2Fx%3Fapi_key%3Dabc%26b%3D1 HTTP/1.1",
		 "?next=%2Fx%3Fapi_key%3D[hidden] HTTP/1.1");
	redacted("?next=%252Fx%253Fapi_key%253Dabc", "?next=%252Fx%253Fapi_key%253D[hidden]");

	/* Header lines as nginx quotes them. */
	redacted("client sent duplicate header line: \"Authorization: Bearer abc\", previous "
		 "value: \"Authorization: Bearer def\"",
		 "client sent duplicate header line: \"Authorization: [hidden]\", previous "
		 "value: \"Authorization: [hidden]\"");
	redacted("client sent invalid header line: \"X-API-Key: hk_1\"",
		 "client sent invalid header line: \"X-API-Key: [hidden]\"");

	/* Left alone: other names, names about a key, empty values, the
	 * words nginx writes around a request. */
	redacted("GET /api/v1/rooms?limit=10&cursor=abc", "GET /api/v1/rooms?limit=10&cursor=abc");
	redacted("POST /x 200 1.2ms key_id=3", "POST /x 200 1.2ms key_id=3");
	redacted("?keyword=a&keys=2&key_ids=1,2", "?keyword=a&keys=2&key_ids=1,2");
	redacted("?api_key=&b=1", "?api_key=&b=1");
	redacted("request: \"GET / HTTP/1.1\", host: \"h\"", "request: \"GET / HTTP/1.1\", host: \"h\"");
	redacted("auth: failed for x", "auth: failed for x");
	redacted("=api_key=a==", "=api_key=[hidden]");
	redacted("", "");
}

/* What GET /logs and /logs/files return never holds the secret, and a
 * search for it finds nothing. */
static void test_redact_reading(void **state)
{
	char p1[256];
	const char *paths[] = { p1 };
	struct logfiles_query q = { .level = LOGFILES_ANY, .limit = 10 };
	struct logfiles_entry e;
	char *buf = NULL, *text;
	size_t len = 0;
	bool cut = false;
	json_t *items;
	FILE *f;
	const char *line = "2026/11/22 10:14:33 [error] 812#812: *7 client intended to send too "
			   "large body, request: \"POST /api/v1/rooms?api_key=hk_SECRETVALUE "
			   "HTTP/1.1\"";

	(void)state;
	assert_int_equal(logfiles_parse_line(line, strlen(line), &e), 1);
	assert_null(strstr(e.message, "SECRETVALUE"));
	assert_non_null(strstr(e.message, "api_key=[hidden] HTTP/1.1"));

	path_of(p1, sizeof(p1), "redact");
	mkdir(p1, 0755);
	path_of(p1, sizeof(p1), "redact/nginx-error.log");
	f = fopen(p1, "w");
	fprintf(f, "%s\nunparsed ?token=hk_SECRETVALUE\n", line);
	fclose(f);

	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 2);
	text = json_dumps(items, 0);
	assert_null(strstr(text, "SECRETVALUE"));
	free(text);
	json_decref(items);

	q.search = "SECRETVALUE";
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	q.search = "hk_S";
	items = logfiles_read(paths, 1, &q);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	assert_int_equal(logfiles_read_file(dir, "redact", "nginx-error.log", 1 << 20, &buf, &len,
					    &cut), 0);
	assert_null(strstr(buf, "SECRETVALUE"));
	assert_non_null(strstr(buf, "?token=[hidden]\n"));
	assert_int_equal(len, strlen(buf));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_read_backwards),
		cmocka_unit_test(test_merge_and_edges),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_reading),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
