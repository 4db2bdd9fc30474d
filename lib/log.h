#ifndef HEARTH_LOG_H
#define HEARTH_LOG_H

#include <syslog.h>

/*
 * One-line structured logs on stderr: "<level> <program>[pid]: message".
 * Never pass a secret (API key, password, cookie) to LOG.
 */
void log_init(const char *program, int max_level /* LOG_ERR..LOG_DEBUG */);
void log_set_level(int max_level);
/* "error", "warning", "notice", "info", "debug" -> syslog level; -1 if unknown */
int log_level_parse(const char *name);
/* The name log_level_parse reads for level ("info"); "info" for a level
 * out of range. */
const char *log_level_name(int level);

__attribute__((format(printf, 2, 3)))
void log_write(int level, const char *fmt, ...);

#define LOG(level, ...) log_write((level), __VA_ARGS__)

#endif
