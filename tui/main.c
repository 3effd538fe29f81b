/* main.c — ipmux, the command-line client of ipmuxd: global options, command dispatch, connection helpers. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ipmux.h"

struct ipmux_cmd {
	const char *name;
	int (*fn)(const char *sock, int argc, char **argv);
	const char *usage;
};

static const struct ipmux_cmd ipmux_cmds[] = {
	{ "list", cmd_list, "list [--json]" },
	{ "attach", cmd_attach, "attach NAME [--ro|--force] [--replay BYTES] "
	    "[-e ESCAPE]" },
	{ "tail", cmd_tail, "tail NAME [-n BYTES] [-f]" },
	{ "log", cmd_log, "log NAME [--since TIME] [--until TIME] "
	    "[--grep REGEX] [--logdir DIR]" },
	{ "reload", cmd_reload, "reload" },
	{ "status", cmd_status, "status" },
	{ "metrics", cmd_metrics, "metrics" },
	{ "power", cmd_power, "power NAME... on|off|cycle|reset|soft|diag|"
	    "status [--json] [--yes]" },
	{ "identify", cmd_identify, "identify NAME... [on|off|SECONDS] "
	    "[--json]" },
	{ "bootdev", cmd_bootdev, "bootdev NAME... pxe|disk|bios|cdrom|none "
	    "[--once|--persistent] [--efi] [--json]" },
	{ "sensors", cmd_sensors, "sensors NAME... [--cached] [--json]" },
	{ "sel", cmd_sel, "sel NAME... [--clear [--yes]] [--follow] "
	    "[--json]" },
	{ "fru", cmd_fru, "fru NAME... [--json]" },
	{ "health", cmd_health, "health [GROUP|NAME...] [--json]" },
};

#define NCMDS (sizeof(ipmux_cmds) / sizeof(ipmux_cmds[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: %s [-S SOCKET] COMMAND [ARGS]\n", IPMUX_NAME);
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "       %s [-S SOCKET] %s\n", IPMUX_NAME,
		    ipmux_cmds[i].usage);
	fprintf(fp, "The socket defaults to $IPMUX_SOCKET, else %s.\n",
	    PROTOIO_DEFAULT_SOCKET);
	fprintf(fp, "NAME may be a glob ('rack3-*'); management commands run "
	    "on every console\nin parallel and exit 1 if any of them "
	    "failed.\n");
}

int
ipmux_usage_for(const char *cmd)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(ipmux_cmds[i].name, cmd) == 0) {
			fprintf(stderr, "usage: %s [-S SOCKET] %s\n",
			    IPMUX_NAME, ipmux_cmds[i].usage);
			return IPMUX_EXIT_USAGE;
		}
	usage(stderr);
	return IPMUX_EXIT_USAGE;
}

void
ipmux_err(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", IPMUX_NAME, line);
}

int
ipmux_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, -1);
		} else {
			return -1;
		}
	}
	return 0;
}

long long
ipmux_parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	long long mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1024;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024;
	else if (*end == 'g' || *end == 'G')
		mul = 1024LL * 1024 * 1024;
	if (mul != 1)
		end++;
	if (*end != '\0' || v > (unsigned long long)(INT32_MAX / mul))
		return -1;
	return (long long)v * mul;
}

const char *
ipmux_jstr(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return dflt;
	return json_object_get_string(v);
}

long long
ipmux_jint(struct json_object *o, const char *key, long long dflt)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return dflt;
	return (long long)json_object_get_int64(v);
}

int
ipmux_connect(struct ipmux_conn *c, const char *sock)
{
	char err[512];

	memset(c, 0, sizeof(*c));
	c->sock = sock;
	c->fd = protoio_connect(sock, err, sizeof(err));
	if (c->fd < 0) {
		ipmux_err("%s", err);
		return -1;
	}
	if ((c->rd = protoio_rd_new(c->fd)) == NULL) {
		ipmux_err("out of memory");
		ipmux_close(c);
		return -1;
	}
	if (protoio_hello(c->fd, c->rd, IPMUX_NAME, NULL, IPMUX_REQ_TIMEOUT_MS,
	    c->server, sizeof(c->server), err, sizeof(err)) != 0) {
		ipmux_err("%s: %s", sock, err);
		ipmux_close(c);
		return -1;
	}
	return 0;
}

void
ipmux_close(struct ipmux_conn *c)
{
	protoio_rd_free(c->rd);
	c->rd = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

struct json_object *
ipmux_request(struct ipmux_conn *c, uint16_t type, struct json_object *obj,
	      uint16_t want, struct proto_msg *raw)
{
	struct proto_msg m;
	struct json_object *o;
	char err[512];

	if (protoio_request(c->fd, c->rd, type, obj, IPMUX_REQ_TIMEOUT_MS, &m,
	    err, sizeof(err)) < 0) {
		ipmux_err("%s", err);
		return NULL;
	}
	if (m.type == PROTO_ERROR) {
		ipmux_err("%s", protoio_error_text(&m, err, sizeof(err)));
		return NULL;
	}
	if (m.type != want) {
		ipmux_err("unexpected %s from the daemon (wanted %s)",
		    proto_type_name(m.type), proto_type_name(want));
		return NULL;
	}
	if (raw != NULL) {
		*raw = m;
		return json_object_new_object();
	}
	if ((o = protoio_json(&m)) == NULL)
		ipmux_err("unreadable %s from the daemon",
		    proto_type_name(m.type));
	return o;
}

int
main(int argc, char **argv)
{
	const char *sock = protoio_default_socket();
	size_t i;
	int ch;

	/* '+': stop at the command; its own options are parsed later. */
	while ((ch = getopt(argc, argv, "+S:h")) != -1) {
		switch (ch) {
		case 'S':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return IPMUX_EXIT_OK;
		default:
			usage(stderr);
			return IPMUX_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return IPMUX_EXIT_USAGE;
	}
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(argv[0], ipmux_cmds[i].name) == 0) {
			/* glibc: optind 0 reinitialises getopt. */
			optind = 0;
			return ipmux_cmds[i].fn(sock, argc, argv);
		}
	}
	ipmux_err("unknown command: %s", argv[0]);
	usage(stderr);
	return IPMUX_EXIT_USAGE;
}
