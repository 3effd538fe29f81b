/* console.h — one console inside ipmuxd: its SOL session, UDP socket, timers, scrollback, log and attached clients. */
#ifndef IPMUX_CONSERVER_CONSOLE_H
#define IPMUX_CONSERVER_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include "backoff.h"
#include "config.h"
#include "daemon.h"
#include "logfile.h"
#include "ring.h"
#include "sol.h"

struct ctl_client;
TAILQ_HEAD(client_list, ctl_client);

/* Management jobs running at once on one console's session (each has at
 * most one request in flight; the session queues them behind SOL). */
#define CONSOLE_MGMT_MAX 4

struct health;

/* What `ipmux list` shows. */
enum con_state {
	CON_STOPPED = 0,	/* removed, or the daemon is stopping */
	CON_CONNECTING,		/* waiting for a handshake slot, or handshaking */
	CON_ACTIVE,		/* SOL payload running */
	CON_BACKOFF,		/* lost; waiting to retry */
	CON_FAILED,		/* a failure retrying soon will not heal */
	CON_NSTATES,
};

struct console {
	TAILQ_ENTRY(console) link;
	struct ipmuxd *d;
	const struct cfg_console *cfg;	/* into d->cfg; moved on reload */
	char *name;
	enum con_state state;
	char reason[192];
	time_t since;			/* wall clock it last went up or down */

	sol_session *s;			/* NULL between sessions */
	int fd;				/* connected UDP socket, or -1 */
	struct event *ev_sock;
	struct event *ev_timer;		/* the session's deadline */
	struct event *ev_retry;		/* backoff */
	struct sockaddr_storage sa;
	socklen_t salen;
	bool resolved;
	bool redirected;		/* SOL_R_PORT retry used */
	bool closed_seen;		/* noted by the state callback */
	bool was_active;		/* this session reached SOL */
	bool in_call;			/* inside a sol_session_* call */
	char detail[128];
	uint64_t up_at;			/* monotonic ms SOL came up */
	struct backoff bo;
	struct hs_wait hs;

	ring *ring;
	logfile *log;
	struct client_list clients;	/* attached, spies and the writer */
	size_t nclients;
	struct ctl_client *writer;	/* NULL: nobody writes */
	struct evbuffer *in;		/* input the session has not taken */

	struct health *health;		/* management jobs and caches */

	uint32_t session_id;		/* console-side id of the live session */
	uint64_t bytes_in, bytes_out, reconnects, auth_failures, sessions;
};

/* The input a console holds for its session before it refuses more. */
#define CONSOLE_INPUT_MAX (64 * 1024)

/* Create (ring, log file) in the stopped state. */
struct console *console_new(struct ipmuxd *d, const struct cfg_console *cfg,
			    char *err, size_t errlen);
/* Queue for a handshake slot and connect. */
void console_start(struct console *c);
/* Hand the slot just granted to c (from the gate). */
void console_slot_granted(struct console *c);
/* Close the session cleanly (Deactivate + Close Session go out), detach
 * every client with why, write a marker when given; state stopped. */
void console_stop(struct console *c, const char *why, const char *marker);
/* Stop and free, closing the log (flush + fsync). NULL is fine. */
void console_free(struct console *c);
/* A reload changed what reaches the BMC: close and reconnect with cfg;
 * clients, scrollback and log stay. */
void console_restart(struct console *c, const struct cfg_console *cfg);

/* Queue input from the writer. Returns the bytes taken (all, or 0 when the
 * console cannot take them now, with why set). */
size_t console_input(struct console *c, const uint8_t *buf, size_t len,
		     const char **why);
/* Queue an IPMI request on the live session; the answer reaches
 * health_response(c, tag, ...). 0, or -1 with why. */
int console_request(struct console *c, uint8_t netfn, uint8_t cmd,
		    const uint8_t *data, size_t len, uint32_t tag,
		    const char **why);
/* Send a serial break. 0, or -1 with why. */
int console_break(struct console *c, const char **why);
/* An event marker in the console's log. */
void console_marker(struct console *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reopen the log with the live config's log settings (after a reload
 * changed them). 0, or -1 keeping the old one. */
int console_log_reconfigure(struct console *c);

const char *console_state_name(enum con_state st);
void console_logs_reopen(struct console *c);
void console_logs_tick(struct console *c, time_t now);

#endif
