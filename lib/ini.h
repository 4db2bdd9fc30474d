#ifndef HEARTH_INI_H
#define HEARTH_INI_H

#include <stddef.h>

/*
 * A small INI reader: "[section]" lines, "key = value" lines, comments
 * starting with ';' or '#', surrounding white space trimmed, optional
 * double quotes around a value removed.  Keys outside any section have
 * section "".  Lines longer than 4095 bytes are an error.
 *
 * The callback gets borrowed strings valid only during the call; it returns
 * 0 to go on, or -1 to stop (its own message already written to err).
 */
typedef int (*ini_cb)(const char *section, const char *key, const char *value,
		      int lineno, void *user, char *err, size_t errlen);

/* Parse len bytes of text (need not be NUL-terminated).  0 on success;
 * -1 with a message "line N: ..." in err on a syntax error or when the
 * callback stopped. */
int ini_parse(const char *text, size_t len, ini_cb cb, void *user,
	      char *err, size_t errlen);

/* Read a whole file and parse it.  -1 with err set when unreadable.
 * Messages name the file: "<path> line N: ...", "cannot read <path>: ...". */
int ini_parse_file(const char *path, ini_cb cb, void *user, char *err, size_t errlen);

/* Read a whole file (at most 1 MiB) into *text, a new malloc'd buffer,
 * NUL-terminated, *len bytes long.  -1 with the reason alone in err
 * (e.g. "No such file or directory"). */
int ini_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen);

#endif
