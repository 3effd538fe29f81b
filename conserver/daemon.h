/* daemon.h — ipmuxd's shared state: the event loop, the live config, the consoles, the handshake gate and totals. */
#ifndef IPMUX_CONSERVER_DAEMON_H
#define IPMUX_CONSERVER_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include <event2/util.h>

#include "backoff.h"
#include "config.h"

struct event_base;
struct event;
struct evbuffer;
struct console;
struct ctl;
struct health_fleet;

TAILQ_HEAD(console_list, console);

#define IPMUXD_VERSION "0.4.0"

/*
 * One per process. Fields fixed at start-up (logdir, socket path) do not
 * follow a reload: a changed value is reported and needs a restart.
 */
struct ipmuxd {
	struct event_base *base;
	struct ipmux_config *cfg;	/* the live config; consoles point in */
	char *cfg_path;
	char *logdir;			/* as at start-up */
	char *sockpath;			/* as at start-up */
	struct console_list consoles;
	size_t nconsoles;
	struct hs_gate gate;		/* handshakes in flight */
	struct event *ev_grant;		/* hands out freed slots */
	struct ctl *ctl;
	struct health_fleet *hf;	/* the fleet's poll rate (health.c) */
	time_t started;
	uid_t euid;
	bool stopping;
	bool create_failed;		/* some configured console is missing */
	/* Totals over the daemon's life (removed consoles included). */
	uint64_t bytes_in;		/* console bytes from BMCs */
	uint64_t bytes_out;		/* input bytes given to sessions */
	uint64_t reconnects;
	uint64_t auth_failures;
	uint64_t log_dropped_gone;	/* dropped by logs since closed */
	uint64_t reloads, reload_failures;
	uint64_t clients_total;
};

/* Monotonic milliseconds, the clock every sol_session runs on. */
uint64_t ipmuxd_now_ms(void);
/* Hand freed handshake slots to waiting consoles (soon, from the loop). */
void ipmuxd_kick_gate(struct ipmuxd *d);
/* Reload the config file; on failure err holds the reason and the old
 * config stays. counts (may be NULL) gets added/removed/changed/unchanged. */
int ipmuxd_reload(struct ipmuxd *d, char *err, size_t errlen,
		  unsigned counts[4]);
/* The gate's event callback: start waiting consoles in free slots. */
void ipmuxd_on_grant(evutil_socket_t fd, short what, void *arg);
/* Create a console for cc, add it and start it; logged and -1 on failure. */
int ipmuxd_add_console(struct ipmuxd *d, const struct cfg_console *cc);
/* Find a console by name. */
struct console *ipmuxd_console(struct ipmuxd *d, const char *name);

/* metrics.c: Prometheus text format of the daemon's state. */
void metrics_format(struct ipmuxd *d, struct evbuffer *out);
/* Write it to path atomically (temp file + rename). 0 or -1. */
int metrics_write_file(struct ipmuxd *d, const char *path);

#endif
