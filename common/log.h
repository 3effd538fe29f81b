/* log.h — a tiny leveled logger: log_msg(level, fmt, ...) with the calling function, a threshold and a sink. */
#ifndef IPMUX_LOG_H
#define IPMUX_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* LOGL_ rather than LOG_: <syslog.h> already owns LOG_INFO and friends. */
enum log_level {
	LOGL_ERROR = 0,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

/* Where formatted messages go; msg has no trailing newline. */
typedef void log_sink_fn(void *ctx, enum log_level level, const char *func,
			 const char *msg);

#define log_msg(level, ...) log_emit((level), __func__, __VA_ARGS__)

void log_emit(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vemit(enum log_level level, const char *func, const char *fmt,
	       va_list ap) __attribute__((format(printf, 3, 0)));

/* Messages above the threshold are dropped unformatted (default LOGL_INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_enabled(enum log_level level);
/* Program name for the default sink's "ident: " prefix (not copied). */
void log_set_ident(const char *ident);
/* NULL restores the default: stderr, "ident: msg", debug adds "func: ". */
void log_set_sink(log_sink_fn *fn, void *ctx);
/* "error", "warn", "info", "debug"; parse returns -1 if unknown. */
const char *log_level_name(enum log_level level);
int log_level_parse(const char *name, enum log_level *out);

#endif
