#ifndef HEARTH_LOGFILES_H
#define HEARTH_LOGFILES_H

/*
 * Reading Hearth's log files back for GET /logs and /logs/files.
 *
 * Two line formats are understood:
 *   Hearth's own (lib/log.c), for hearth-api and the cron programs:
 *     2026-11-22T10:14:33.120Z info hearth-api[4242]: message
 *   nginx's error log (local time, converted to UTC):
 *     2026/11/22 10:14:33 [error] 812#812: *7 message, client: ...
 * Anything else (a sanitizer report, a stray line from ffmpeg) is kept as
 * an entry with no time, level INFO and the whole line as its message.
 *
 * Credentials are hidden in every line read back (logfiles_redact): nginx
 * writes whole request lines, ?api_key= and all, into its error log.
 *
 * Levels are normalised to ERROR (emerg, alert, crit, error), WARNING
 * (warning, warn), INFO (notice, info) and DEBUG.
 *
 * Files are read from their end backwards in blocks, so the newest
 * entries cost the same however large the file is; at most
 * LOGFILES_SCAN_MAX bytes of each file are looked at.  Lines are cut at
 * LOGFILES_LINE_MAX bytes and made valid UTF-8.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define LOGFILES_LINE_MAX 4096
#define LOGFILES_LIMIT_DEFAULT 500
#define LOGFILES_LIMIT_MAX 2000
#define LOGFILES_SCAN_MAX (64u << 20)
#define LOGFILES_SEGMENT_MAX 128

enum logfiles_level { LOGFILES_ANY, LOGFILES_ERROR, LOGFILES_WARNING, LOGFILES_INFO, LOGFILES_DEBUG };

#define LOGFILES_HIDDEN "[hidden]"

/*
 * Hide the credentials in len bytes of log text: the value of a
 * query-style parameter NAME=VALUE whose name says it is a secret, and of
 * a header line as nginx quotes it ("Authorization: Bearer ...") with
 * such a name, becomes LOGFILES_HIDDEN.  A name is a secret when, in any
 * case and percent-decoded (twice), one of its words is token, secret,
 * password, passwd, pwd, pass, passphrase, auth, authorization,
 * credential(s), cookie, session, sessionid, sid, sig or signature, or a
 * word ends in key, token, secret or password (api_key, device_key,
 * apikey, X-API-Key, access_token) and the name does not end in "id"
 * (key_id names a key, it is not one).  The '=' may be escaped too (%3D,
 * %253D), as in a URL inside another's query.  A query value ends at
 * '&', a space, a quote, ',', ';', '#', '<', '>' or a backslash; a
 * header value at the closing quote.
 *
 * The result goes to out as snprintf would put it: at most outsz - 1
 * bytes and a NUL (out may be NULL when outsz is 0).  Returns the length
 * of the whole result, which may be longer than len.  in is borrowed and
 * must not overlap out.
 */
size_t logfiles_redact(const char *in, size_t len, char *out, size_t outsz);

/* "ERROR", "WARNING", "INFO", "DEBUG" (any case; also WARN, ERR, INF,
 * WAR, DBG) -> *out.  0, or -1 when it is none of them. */
int logfiles_level_parse(const char *s, enum logfiles_level *out);

/* "ERROR" ...; "" for LOGFILES_ANY. */
const char *logfiles_level_name(enum logfiles_level l);

/* One parsed line.  The strings are NUL-terminated copies, message cut to
 * LOGFILES_LINE_MAX bytes, credentials hidden (not yet checked for UTF-8). */
struct logfiles_entry {
	char ts[32];                  /* "2026-11-22T10:14:33.120Z", "" when unknown */
	enum logfiles_level level;
	char source[64];              /* "hearth-api", "nginx", "" when unknown */
	char message[LOGFILES_LINE_MAX + 1];
};

/*
 * Parse one line of len bytes (no newline; may hold any bytes, NUL too).
 * Returns 1 when it was in a known format, 0 when e holds the raw line
 * (level INFO, no time, no source).
 */
int logfiles_parse_line(const char *line, size_t len, struct logfiles_entry *e);

/* {ts|null, level, source, message} for e (borrowed), invalid UTF-8
 * replaced; a new reference, NULL on allocation failure. */
json_t *logfiles_entry_json(const struct logfiles_entry *e);

struct logfiles_query {
	enum logfiles_level level;   /* LOGFILES_ANY: every level */
	const char *search;          /* NULL or "": everything; else a case-insensitive substring
	                              * of the message or the source */
	size_t limit;                /* entries wanted, 1..LOGFILES_LIMIT_MAX */
};

/*
 * The entries of the files at paths (borrowed; a file that does not exist
 * is skipped, as is one that is not a regular file), merged newest first,
 * that match q: a new array of entry objects, at most q->limit long.  A
 * line without a time of its own sorts with the line after it in its
 * file.  NULL on allocation failure.
 */
json_t *logfiles_read(const char *const *paths, size_t npaths, const struct logfiles_query *q);

/* A name that may be a category or a file name: 1..LOGFILES_SEGMENT_MAX of
 * [A-Za-z0-9._-], not starting with '.'. */
bool logfiles_segment_ok(const char *s);

/*
 * The regular files one level below dir's subdirectories, newest first:
 * a new array of {name: "category/file", category, size, modified}.
 * Symlinks, hidden names and anything that is not a safe segment are left
 * out.  A missing dir is an empty list.  NULL on allocation failure.
 */
json_t *logfiles_list(const char *dir);

/*
 * The text of dir/category/name, found by listing dir (never by joining
 * the names blindly) and opened without following symlinks: at most the
 * last max_bytes, starting at a line when cut (*truncated set), with its
 * credentials hidden (logfiles_redact).  *buf is
 * malloc'd (NUL-terminated, *len bytes), the caller frees it.  0, or -1
 * with errno: ENOENT (not in the listing), ENOMEM, or the open's error.
 */
int logfiles_read_file(const char *dir, const char *category, const char *name,
		       size_t max_bytes, char **buf, size_t *len, bool *truncated);

#endif
