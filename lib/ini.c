/*
 * The INI dialect of hearth.conf and roles.conf.  Deliberately strict where
 * a lenient reader would hide a mistake: a line that is neither a section,
 * a comment nor "key = value" is an error, and so are NUL bytes and
 * over-long lines.  Comments are whole lines only, so a '#' or ';' inside a
 * value (a password) is kept.
 */
#include "ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INI_LINE_MAX 4095
#define INI_FILE_MAX (1024 * 1024)

__attribute__((format(printf, 3, 4)))
static void ini__err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool ini__space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim s in place; returns the new start. */
static char *ini__trim(char *s)
{
	char *end;

	while (ini__space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && ini__space(end[-1]))
		end--;
	*end = '\0';
	return s;
}

int ini_parse(const char *text, size_t len, ini_cb cb, void *user, char *err, size_t errlen)
{
	char section[INI_LINE_MAX + 1] = "";
	char line[INI_LINE_MAX + 1];
	size_t pos = 0;
	int lineno = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!text)
		len = 0;
	/* A UTF-8 byte order mark, as some editors write it. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *eq;

		lineno++;
		if (linelen > INI_LINE_MAX) {
			ini__err(err, errlen, "line %d: longer than %d bytes", lineno, INI_LINE_MAX);
			return -1;
		}
		if (memchr(text + pos, '\0', linelen)) {
			ini__err(err, errlen, "line %d: contains a NUL byte", lineno);
			return -1;
		}
		memcpy(line, text + pos, linelen);
		line[linelen] = '\0';
		pos += linelen + (nl ? 1 : 0);

		s = ini__trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;

		if (*s == '[') {
			size_t n = strlen(s);
			char *name;

			if (s[n - 1] != ']') {
				ini__err(err, errlen, "line %d: a section line must look like [name]",
					 lineno);
				return -1;
			}
			s[n - 1] = '\0';
			name = ini__trim(s + 1);
			if (*name == '\0' || strpbrk(name, "[]")) {
				ini__err(err, errlen, "line %d: a section line must look like [name]",
					 lineno);
				return -1;
			}
			memcpy(section, name, strlen(name) + 1);
			continue;
		}

		eq = strchr(s, '=');
		if (!eq) {
			ini__err(err, errlen, "line %d: expected 'key = value' or '[section]'", lineno);
			return -1;
		}
		*eq = '\0';
		char *key = ini__trim(s);
		char *value = ini__trim(eq + 1);
		size_t vlen = strlen(value);

		if (*key == '\0') {
			ini__err(err, errlen, "line %d: a setting needs a key before '='", lineno);
			return -1;
		}
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value[vlen - 1] = '\0';
			value++;
		}
		if (cb(section, key, value, lineno, user, err, errlen) != 0) {
			if (err && errlen && err[0] == '\0')
				ini__err(err, errlen, "line %d: %s: not accepted", lineno, key);
			return -1;
		}
	}
	return 0;
}

int ini_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = -1;
	int rv = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ini__err(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ini__err(err, errlen, "not a regular file");
		goto out;
	}
	if (st.st_size > INI_FILE_MAX) {
		ini__err(err, errlen, "larger than %d bytes", INI_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ini__err(err, errlen, "out of memory");
		goto out;
	}
	/* Read up to the size fstat promised; a file that grows meanwhile is
	 * read as it was. */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ini__err(err, errlen, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	buf = NULL;
	rv = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rv;
}

int ini_parse_file(const char *path, ini_cb cb, void *user, char *err, size_t errlen)
{
	char msg[512];
	char *text = NULL;
	size_t len = 0;
	int rv = -1;

	if (ini_read_file(path, &text, &len, msg, sizeof(msg)) != 0) {
		ini__err(err, errlen, "cannot read %s: %s", path, msg);
		goto out;
	}
	if (ini_parse(text, len, cb, user, msg, sizeof(msg)) != 0) {
		ini__err(err, errlen, "%s %s", path, msg);
		goto out;
	}
	rv = 0;
out:
	free(text);
	return rv;
}
