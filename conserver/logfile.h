/* logfile.h — a console's log file: exact bytes, markers, rotation with compression, disk-full survival. */
#ifndef IPMUX_CONSERVER_LOGFILE_H
#define IPMUX_CONSERVER_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

/*
 * LOGDIR/NAME.log holds exactly the bytes the host sent, optionally with an
 * ISO-8601 stamp at the start of every line, and ipmux's own event markers
 * on lines of their own: "[ipmux 2026-11-25T14:02:03Z session lost: BMC
 * timeout]" (a marker written mid-line starts with a newline first).
 * Rotation (size and/or age) renames NAME.log to NAME.log.1 .. .N (older
 * ones shift up, beyond retain are deleted) and compresses rotated files
 * (NAME.log.1.zst) outside the event loop (a child process), so the loop
 * never waits on compression. No byte is lost or duplicated across a
 * rotation. When a write fails (disk full, EIO), bytes are counted as
 * dropped, the failure is logged once, and when writes succeed again a
 * marker "[ipmux ... N bytes lost: No space left on device]" marks the gap.
 */
typedef struct logfile logfile;

struct logfile_opts {
	const char *dir;
	const char *name;		/* console name: file NAME.log */
	enum log_ts timestamps;
	uint64_t rotate_size;		/* 0: never */
	uint32_t rotate_age;		/* seconds, 0: never */
	unsigned retain;
	enum log_compress compress;
	/* Test hook: replaces write(2) when set (disk-full simulation). */
	long (*write_fn)(int fd, const void *buf, size_t len);
};

logfile *logfile_open(const struct logfile_opts *o, char *err, size_t errlen);
/* Flush, fsync and close. NULL is fine. */
void logfile_close(logfile *l);
/* Host bytes, appended as they are (plus line stamps when enabled). */
void logfile_write(logfile *l, const uint8_t *buf, size_t len, time_t now);
/* An event marker on a line of its own. */
void logfile_marker(logfile *l, time_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reopen NAME.log (after an external logrotate moved it: SIGUSR1). */
int logfile_reopen(logfile *l);
/* Rotate now if size or age says so (called on writes and from a timer). */
void logfile_maybe_rotate(logfile *l, time_t now);
/* Write out anything buffered; fsync when asked. Returns 0 or -1. */
int logfile_flush(logfile *l, bool do_fsync);
uint64_t logfile_bytes(const logfile *l);	/* host bytes written */
uint64_t logfile_dropped(const logfile *l);	/* host bytes lost */
/* Reap finished compression children (call on SIGCHLD). */
void logfile_reap(void);

#endif
