/* solcat.h — internals shared by ipmux-solcat's option parsing, terminal, network and event-loop files. */
#ifndef IPMUX_SOLCAT_H
#define IPMUX_SOLCAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "secret.h"
#include "sol.h"

#define SOLCAT_NAME "ipmux-solcat"

/* Everything the command line decided. */
struct solcat_opts {
	char host[256];			/* host part of -H, no brackets */
	uint16_t port;			/* UDP port, 623 by default */
	struct sol_config cfg;		/* secrets are filled in by loop_run */
	secret *password, *kg;		/* freed (wiped) once copied */
	bool escape_on;
	uint8_t esc, esc_second;
	int verbose;
};

/* loop.c: run the session to its end; returns the exit status. */
int loop_run(struct solcat_opts *o);

/* term.c: raw tty on stdin, non-blocking stdout, both undone at exit. */
int term_init(void);
void term_restore(void);
bool term_is_raw(void);
/* One line to stderr ("\r\n"-terminated in raw mode; starts on a fresh
 * line). Never blocks for long. */
void term_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Console output went to the terminal: the cursor may be mid-line. */
void term_note_output(void);

/* net.c: "host[:port]", "[v6addr]:port" or a bare IPv6 address. */
int net_parse_hostport(const char *arg, char *host, size_t hostlen,
		       uint16_t *port, char *err, size_t errlen);
/* A non-blocking UDP socket connected to host:port; the peer address is
 * kept in *sa for net_reconnect.  Returns the fd or -1 with err set. */
int net_connect(const char *host, uint16_t port, struct sockaddr_storage *sa,
		socklen_t *salen, char *err, size_t errlen);
/* Point fd at the same address on another port. */
int net_reconnect(int fd, struct sockaddr_storage *sa, socklen_t salen,
		  uint16_t port);
/* "host:port" or "[v6]:port" for messages. */
void net_format(const char *host, uint16_t port, char *buf, size_t len);

#endif
