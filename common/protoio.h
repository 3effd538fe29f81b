/* protoio.h — blocking control-protocol helpers for clients (CLI, SSH front end): connect, send, read whole messages. */
#ifndef IPMUX_COMMON_PROTOIO_H
#define IPMUX_COMMON_PROTOIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct json_object;

/* $IPMUX_SOCKET if set and non-empty, else /run/ipmux/ipmux.sock. */
#define PROTOIO_DEFAULT_SOCKET "/run/ipmux/ipmux.sock"
const char *protoio_default_socket(void);

/* Connect to the daemon's Unix socket. Returns the fd (close-on-exec) or
 * -1 with a one-line reason in err. */
int protoio_connect(const char *path, char *err, size_t errlen);

/* Send one message, waiting out short writes and EINTR. 0 or -1 (errno). */
int protoio_send(int fd, uint16_t type, const void *payload, size_t len);
/* Send obj (NULL: "{}") as the JSON payload of one message. */
int protoio_send_json(int fd, uint16_t type, struct json_object *obj);

/* A reader collects bytes from fd and hands out whole messages. A message
 * it returns points into its buffer: valid until the next call on it. */
typedef struct protoio_rd protoio_rd;

protoio_rd *protoio_rd_new(int fd);
void protoio_rd_free(protoio_rd *r);	/* does not close fd; NULL is fine */

/* A whole buffered message, without reading: 1 (msg filled), 0 (need
 * more), -1 (bad framing; err says why, incl. a version mismatch). */
int protoio_rd_next(protoio_rd *r, struct proto_msg *msg, char *err,
		    size_t errlen);
/* One read(2) into the buffer: >0 bytes, 0 end of file, -1 error (errno;
 * EAGAIN when fd is non-blocking and empty). */
long protoio_rd_fill(protoio_rd *r);

/* Wait for one whole message, at most timeout_ms (<0: forever).
 * 1 got msg; 0 the peer closed; -1 error/timeout/bad framing (err). */
int protoio_recv(protoio_rd *r, int timeout_ms, struct proto_msg *msg,
		 char *err, size_t errlen);

/* The payload as a JSON object (new reference), or NULL if it is not one. */
struct json_object *protoio_json(const struct proto_msg *msg);
/* The "error" text of a PROTO_ERROR payload into buf (a fallback if the
 * payload has none). Returns buf. */
const char *protoio_error_text(const struct proto_msg *msg, char *buf,
			       size_t len);

/* HELLO / HELLO_OK exchange. user may be NULL. On success 0, and the
 * server's identification (may be "") copied to server if non-NULL.
 * -1 with err on failure (refusal, wrong version, timeout). */
int protoio_hello(int fd, protoio_rd *r, const char *client, const char *user,
		  int timeout_ms, char *server, size_t serverlen, char *err,
		  size_t errlen);

/*
 * One request, one reply: send type with obj (NULL: {}), wait for the next
 * message. Returns 1 with *reply set (a PROTO_ERROR reply is returned too,
 * for the caller to report), or -1 with err.
 */
int protoio_request(int fd, protoio_rd *r, uint16_t type,
		    struct json_object *obj, int timeout_ms,
		    struct proto_msg *reply, char *err, size_t errlen);

#endif
