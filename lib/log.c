/*
 * One line per message on stderr:
 *
 *   2026-11-22T10:14:33.120Z info hearth-api[4242]: listening on /run/hearth/api.sock
 *
 * The line is assembled in memory and written with a single write(2), so
 * lines from the master and its workers never interleave in a shared log
 * file.  Control characters in the message are escaped: whatever a caller
 * passes (a path from a request, a server's error text) cannot forge a
 * second line.
 */
#include "log.h"
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048
_Static_assert(LOG_LINE_MAX + 128 <= PIPE_BUF, "a log line must fit one atomic pipe write");

static char log_program[64] = "hearth";
static int log_max_level = LOG_INFO;

static const char *const log_level_names[] = {
	[LOG_EMERG] = "emerg",
	[LOG_ALERT] = "alert",
	[LOG_CRIT] = "crit",
	[LOG_ERR] = "error",
	[LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static int log__clamp(int level)
{
	if (level < LOG_EMERG)
		return LOG_EMERG;
	if (level > LOG_DEBUG)
		return LOG_DEBUG;
	return level;
}

void log_init(const char *program, int max_level)
{
	if (program && *program) {
		const char *slash = strrchr(program, '/');
		const char *base = slash ? slash + 1 : program;

		if (*base)
			snprintf(log_program, sizeof(log_program), "%s", base);
	}
	log_set_level(max_level);
}

void log_set_level(int max_level)
{
	log_max_level = log__clamp(max_level);
}

int log_level_parse(const char *name)
{
	/* Only the five names the configuration documents; the others exist
	 * for messages, not as thresholds anyone should set. */
	static const int settable[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof(settable) / sizeof(settable[0]); i++)
		if (strcmp(name, log_level_names[settable[i]]) == 0)
			return settable[i];
	return -1;
}

const char *log_level_name(int level)
{
	return level >= LOG_EMERG && level <= LOG_DEBUG ? log_level_names[level] : "info";
}

/* Append src to dst[*len..cap), escaping control characters; always leaves
 * room for the final newline. */
static void log__append_escaped(char *dst, size_t *len, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = *len;

	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		char esc[4];
		size_t esclen;

		if (*p == '\n') {
			memcpy(esc, "\\n", 2);
			esclen = 2;
		} else if (*p == '\r') {
			memcpy(esc, "\\r", 2);
			esclen = 2;
		} else if (*p == '\t' || (*p >= 0x20 && *p != 0x7f)) {
			esc[0] = (char)*p;
			esclen = 1;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[*p >> 4];
			esc[3] = hex[*p & 0xf];
			esclen = 4;
		}
		if (n + esclen >= cap)
			break;
		memcpy(dst + n, esc, esclen);
		n += esclen;
	}
	*len = n;
}

void log_write(int level, const char *fmt, ...)
{
	int saved_errno = errno;
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 128];
	struct timespec ts;
	struct tm tm;
	size_t len;
	va_list ap;
	int n;

	level = log__clamp(level);
	if (level > log_max_level)
		goto out;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof(msg), "(unformattable log message)");
	else if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s[%ld]: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000L, log_level_names[level], log_program,
		     (long)proc_self());
	if (n < 0 || (size_t)n >= sizeof(line))
		goto out;
	len = (size_t)n;
	/* The escaping keeps one byte free for the newline. */
	log__append_escaped(line, &len, sizeof(line), msg);
	line[len++] = '\n';

	/* A line is shorter than PIPE_BUF, so on a pipe this write is atomic
	 * and whole; on a file opened O_APPEND it is one append. */
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
		;
out:
	errno = saved_errno;
}
