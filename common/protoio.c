/* protoio.c — blocking control-protocol I/O for clients: Unix socket connect, whole-message send and receive. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "protoio.h"

#define RD_CHUNK 65536

struct protoio_rd {
	int fd;
	uint8_t *buf;
	size_t cap;
	size_t off;		/* start of unconsumed bytes */
	size_t len;		/* unconsumed bytes */
	size_t pending;		/* bytes of the message last handed out */
};

const char *
protoio_default_socket(void)
{
	const char *s = getenv("IPMUX_SOCKET");

	return s != NULL && *s != '\0' ? s : PROTOIO_DEFAULT_SOCKET;
}

int
protoio_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (errno == EINTR)
			continue;
		snprintf(err, errlen, "cannot connect to %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until fd is writable (it may be non-blocking). */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, -1) < 0)
				return -1;
		} else {
			if (w == 0)
				errno = EPIPE;
			return -1;
		}
	}
	return 0;
}

int
protoio_send(int fd, uint16_t type, const void *payload, size_t len)
{
	uint8_t hdr[PROTO_HDR_LEN];

	if (len > PROTO_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	proto_hdr_encode(hdr, type, len);
	if (write_all(fd, hdr, sizeof(hdr)) != 0)
		return -1;
	return len > 0 ? write_all(fd, payload, len) : 0;
}

int
protoio_send_json(int fd, uint16_t type, struct json_object *obj)
{
	const char *s;

	if (obj == NULL)
		return protoio_send(fd, type, "{}", 2);
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	if (s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return protoio_send(fd, type, s, strlen(s));
}

protoio_rd *
protoio_rd_new(int fd)
{
	protoio_rd *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fd = fd;
	return r;
}

void
protoio_rd_free(protoio_rd *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

/* Drop the message handed out last; its payload is no longer needed. */
static void
rd_consume(protoio_rd *r)
{
	r->off += r->pending;
	r->len -= r->pending;
	r->pending = 0;
	if (r->len == 0)
		r->off = 0;
}

int
protoio_rd_next(protoio_rd *r, struct proto_msg *msg, char *err,
		size_t errlen)
{
	const char *why = NULL;
	const uint8_t *p;
	long n;

	rd_consume(r);
	if (r->len < PROTO_HDR_LEN)
		return 0;
	p = r->buf + r->off;
	n = proto_parse(p, r->len, msg, &why);
	if (n == PROTO_NEED_MORE)
		return 0;
	if (n == PROTO_BAD) {
		if (p[6] != PROTO_VERSION)
			snprintf(err, errlen, "the daemon speaks control "
			    "protocol version %u, this client version %u",
			    p[6], PROTO_VERSION);
		else
			snprintf(err, errlen, "bad message from the daemon: "
			    "%s", why != NULL ? why : "?");
		return -1;
	}
	r->pending = (size_t)n;
	return 1;
}

long
protoio_rd_fill(protoio_rd *r)
{
	ssize_t n;
	uint8_t *nb;

	rd_consume(r);
	if (r->off > 0 && r->off + r->len + RD_CHUNK > r->cap) {
		memmove(r->buf, r->buf + r->off, r->len);
		r->off = 0;
	}
	if (r->len + RD_CHUNK > r->cap) {
		size_t ncap = r->len + RD_CHUNK;

		if ((nb = realloc(r->buf, ncap)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		r->buf = nb;
		r->cap = ncap;
	}
	do {
		n = read(r->fd, r->buf + r->off + r->len, RD_CHUNK);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		r->len += (size_t)n;
	return (long)n;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
protoio_recv(protoio_rd *r, int timeout_ms, struct proto_msg *msg,
	     char *err, size_t errlen)
{
	int64_t deadline = timeout_ms >= 0 ? mono_ms() + timeout_ms : 0;
	int left = -1, rc;
	long n;

	for (;;) {
		if ((rc = protoio_rd_next(r, msg, err, errlen)) != 0)
			return rc;
		if (timeout_ms >= 0) {
			int64_t d = deadline - mono_ms();

			left = d > 0 ? (int)d : 0;
		}
		rc = wait_fd(r->fd, POLLIN, left);
		if (rc < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (rc == 0) {
			snprintf(err, errlen, "timed out waiting for the "
			    "daemon");
			return -1;
		}
		n = protoio_rd_fill(r);
		if (n == 0) {
			if (r->len > 0) {
				snprintf(err, errlen, "the daemon closed the "
				    "connection mid-message");
				return -1;
			}
			return 0;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
	}
}

struct json_object *
protoio_json(const struct proto_msg *msg)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (msg->len == 0 || msg->len > PROTO_MAX_PAYLOAD)
		return NULL;
	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)msg->payload,
	    (int)msg->len);
	/* The whole payload must be exactly one object. */
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != msg->len ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

const char *
protoio_error_text(const struct proto_msg *msg, char *buf, size_t len)
{
	struct json_object *o = protoio_json(msg), *e;

	if (o != NULL && json_object_object_get_ex(o, "error", &e) &&
	    json_object_is_type(e, json_type_string))
		snprintf(buf, len, "%s", json_object_get_string(e));
	else
		snprintf(buf, len, "the daemon reported an error (%s)",
		    o == NULL ? "unreadable reply" : "no text");
	json_object_put(o);
	return buf;
}

int
protoio_request(int fd, protoio_rd *r, uint16_t type,
		struct json_object *obj, int timeout_ms,
		struct proto_msg *reply, char *err, size_t errlen)
{
	int rc;

	if (protoio_send_json(fd, type, obj) != 0) {
		snprintf(err, errlen, "sending %s: %s", proto_type_name(type),
		    strerror(errno));
		return -1;
	}
	rc = protoio_recv(r, timeout_ms, reply, err, errlen);
	if (rc == 0) {
		snprintf(err, errlen, "the daemon closed the connection");
		return -1;
	}
	return rc;
}

int
protoio_hello(int fd, protoio_rd *r, const char *client, const char *user,
	      int timeout_ms, char *server, size_t serverlen, char *err,
	      size_t errlen)
{
	struct json_object *o = json_object_new_object(), *v;
	struct proto_msg m;
	char etext[512];
	int rc;

	if (o == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_object_add(o, "version",
	    json_object_new_int(PROTO_VERSION));
	json_object_object_add(o, "client",
	    json_object_new_string(client != NULL ? client : "ipmux"));
	if (user != NULL)
		json_object_object_add(o, "user", json_object_new_string(user));
	rc = protoio_request(fd, r, PROTO_HELLO, o, timeout_ms, &m, err,
	    errlen);
	json_object_put(o);
	if (rc < 0)
		return -1;
	if (m.type == PROTO_ERROR) {
		snprintf(err, errlen, "%s",
		    protoio_error_text(&m, etext, sizeof(etext)));
		return -1;
	}
	if (m.type != PROTO_HELLO_OK || (o = protoio_json(&m)) == NULL) {
		snprintf(err, errlen, "unexpected %s from the daemon in "
		    "place of HELLO_OK", proto_type_name(m.type));
		return -1;
	}
	if (json_object_object_get_ex(o, "version", &v) &&
	    json_object_get_int(v) != PROTO_VERSION) {
		snprintf(err, errlen, "the daemon speaks control protocol "
		    "version %d, this client version %d",
		    json_object_get_int(v), PROTO_VERSION);
		json_object_put(o);
		return -1;
	}
	if (server != NULL && serverlen > 0) {
		server[0] = '\0';
		if (json_object_object_get_ex(o, "server", &v) &&
		    json_object_is_type(v, json_type_string))
			snprintf(server, serverlen, "%s",
			    json_object_get_string(v));
	}
	json_object_put(o);
	return 0;
}
