/* ipmux.h — the ipmux client's shared pieces: the daemon connection, messages, and one entry point per command. */
#ifndef IPMUX_TUI_IPMUX_H
#define IPMUX_TUI_IPMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "protoio.h"

struct json_object;

#define IPMUX_NAME "ipmux"

/* Exit status of every command (attach adds its own, see attach.c). */
enum ipmux_exit {
	IPMUX_EXIT_OK = 0,
	IPMUX_EXIT_ERR = 1,		/* with a one-line message */
	IPMUX_EXIT_USAGE = 2,
	IPMUX_EXIT_DETACHED = 3,	/* attach: the daemon ended it */
	IPMUX_EXIT_LOST = 4,		/* attach: connection lost */
};

/* How long a request waits for its reply. */
#define IPMUX_REQ_TIMEOUT_MS 15000

struct ipmux_conn {
	const char *sock;
	int fd;
	protoio_rd *rd;
	char server[128];	/* from HELLO_OK */
};

/* "ipmux: " + message + newline on stderr. */
void ipmux_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connect and say hello; prints the error and returns -1 on failure. */
int ipmux_connect(struct ipmux_conn *c, const char *sock);
void ipmux_close(struct ipmux_conn *c);
/*
 * Send type with obj (NULL: {}), expect the want reply: its JSON object
 * (new reference) or NULL after printing the error (a PROTO_ERROR's text,
 * a timeout, an unexpected reply). For raw replies pass raw: the message
 * is left in *raw (valid until the next read) and the return is non-NULL
 * only as a success token (do not use it; free with json_object_put).
 */
struct json_object *ipmux_request(struct ipmux_conn *c, uint16_t type,
				  struct json_object *obj, uint16_t want,
				  struct proto_msg *raw);

/* Write all of buf to fd, waiting out EAGAIN/EINTR. 0 or -1. */
int ipmux_write_all(int fd, const void *buf, size_t len);

/* Parse a byte count ("4096", "64k", "1M"); -1 if malformed. */
long long ipmux_parse_size(const char *s);

/* JSON access with defaults. */
const char *ipmux_jstr(struct json_object *o, const char *key,
		       const char *dflt);
long long ipmux_jint(struct json_object *o, const char *key, long long dflt);

/* Commands: argv[0] is the command name. Return the exit status. */
int cmd_list(const char *sock, int argc, char **argv);
int cmd_status(const char *sock, int argc, char **argv);
int cmd_reload(const char *sock, int argc, char **argv);
int cmd_metrics(const char *sock, int argc, char **argv);
int cmd_tail(const char *sock, int argc, char **argv);
int cmd_attach(const char *sock, int argc, char **argv);
int cmd_log(const char *sock, int argc, char **argv);
int cmd_power(const char *sock, int argc, char **argv);
int cmd_identify(const char *sock, int argc, char **argv);
int cmd_bootdev(const char *sock, int argc, char **argv);
int cmd_sensors(const char *sock, int argc, char **argv);
int cmd_sel(const char *sock, int argc, char **argv);
int cmd_fru(const char *sock, int argc, char **argv);
int cmd_health(const char *sock, int argc, char **argv);

/* mgmt.c: one management op over many consoles on one connection. */
struct mgmt_target {
	char *name;
	struct json_object *reply;	/* PROTO_MGMT_REPLY, or NULL */
	const char *err;		/* NULL when the target succeeded */
};

struct mgmt_run {
	struct mgmt_target *t;
	size_t n, cap;
	struct json_object *early;	/* sel events before the last reply */
};

/* mgmtfmt.c: the output of each op; only targets without err are shown
 * (their errors are stderr lines). */
/* Per-target objects {"name","ok","error"?, reply keys...}, pretty. */
void mgmtfmt_json_targets(const struct mgmt_run *run);
void mgmtfmt_json_print(struct json_object *o, bool pretty);
void mgmtfmt_power(const struct mgmt_run *run);
void mgmtfmt_sensors(const struct mgmt_run *run, bool json);
void mgmtfmt_sel(const struct mgmt_run *run, bool json, bool lines);
/* One SEL entry of console name as a line (prefix width w: 0 = none). */
void mgmtfmt_sel_entry(const char *name, int w, struct json_object *e,
		       bool json);
int mgmtfmt_name_width(const struct mgmt_run *run);
void mgmtfmt_fru(const struct mgmt_run *run, bool json);
void mgmtfmt_health(const struct mgmt_run *run, bool json);

/* Print a command's usage line(s) to stderr and return IPMUX_EXIT_USAGE. */
int ipmux_usage_for(const char *cmd);

/* logtime.c: ISO-8601 stamps and user time arguments. */
/* A stamp at s (at most len bytes): "YYYY-MM-DDTHH:MM:SS" (or a space
 * in place of T), optional fraction, optional Z or +-HH[:]MM. Without a
 * zone the time is UTC if utc_default, else local. Returns the bytes it
 * spans, or 0 if s does not start with one. */
size_t logtime_parse_iso(const char *s, size_t len, bool utc_default,
			 int64_t *out);
/* A --since/--until argument: an ISO-8601 time as above (local time if
 * no zone), a date alone (local midnight), "HH:MM[:SS]" today, "@EPOCH",
 * "now", or "-N[smhdw]" ago. 0 or -1. */
int logtime_parse_arg(const char *s, int64_t now, int64_t *out);

#endif
