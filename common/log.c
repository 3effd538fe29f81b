/* log.c — the tiny leveled logger: threshold check, formatting, and the default stderr sink. */
#include <stdio.h>
#include <string.h>

#include "log.h"

static enum log_level log_threshold = LOGL_INFO;
static const char *log_ident;
static log_sink_fn *log_sink;
static void *log_sink_ctx;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level
log_get_level(void)
{
	return log_threshold;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_threshold;
}

void
log_set_ident(const char *ident)
{
	log_ident = ident;
}

void
log_set_sink(log_sink_fn *fn, void *ctx)
{
	log_sink = fn;
	log_sink_ctx = ctx;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level < sizeof(log_names) / sizeof(log_names[0]))
		return log_names[level];
	return "?";
}

int
log_level_parse(const char *name, enum log_level *out)
{
	unsigned i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* One fprintf per message, so concurrent writers do not interleave lines. */
static void
log_stderr(enum log_level level, const char *func, const char *msg)
{
	const char *id = log_ident != NULL ? log_ident : "ipmux";

	if (level == LOGL_DEBUG)
		fprintf(stderr, "%s: %s: %s\n", id, func, msg);
	else if (level == LOGL_INFO)
		fprintf(stderr, "%s: %s\n", id, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", id, log_level_name(level),
		    msg);
}

void
log_vemit(enum log_level level, const char *func, const char *fmt,
	  va_list ap)
{
	char msg[1024];

	if (!log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink != NULL)
		log_sink(log_sink_ctx, level, func, msg);
	else
		log_stderr(level, func, msg);
}

void
log_emit(enum log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(level, func, fmt, ap);
	va_end(ap);
}
