/* cmds.c — ipmux's one-shot commands: list, status, reload, metrics and tail. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ipmux.h"

/* A command that takes no arguments. */
static int
no_args(int argc, char **argv)
{
	if (argc != 1) {
		ipmux_err("%s takes no arguments", argv[0]);
		return ipmux_usage_for(argv[0]);
	}
	return 0;
}

/* Every console object carries these keys, null or empty when the daemon
 * left one out, so scripts can rely on the shape. */
static void
list_fill_keys(struct json_object *c)
{
	static const char *const scalars[] = { "name", "group", "state",
	    "reason", "since" };
	size_t i;

	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (!json_object_object_get_ex(c, scalars[i], NULL))
			json_object_object_add(c, scalars[i], NULL);
	if (!json_object_object_get_ex(c, "tags", NULL))
		json_object_object_add(c, "tags", json_object_new_array());
	if (!json_object_object_get_ex(c, "attached", NULL))
		json_object_object_add(c, "attached", json_object_new_array());
}

static void
list_since(struct json_object *c, char *buf, size_t len)
{
	struct json_object *v;
	struct tm tm;
	time_t t;

	if (!json_object_object_get_ex(c, "since", &v) || v == NULL) {
		snprintf(buf, len, "-");
	} else if (json_object_is_type(v, json_type_int)) {
		t = (time_t)json_object_get_int64(v);
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(buf, len, "%lld", (long long)t);
	} else {
		snprintf(buf, len, "%s", json_object_get_string(v));
	}
}

/* "alice(rw),bob(ro)" or "-". */
static void
list_attached(struct json_object *c, char *buf, size_t len)
{
	struct json_object *a, *e;
	size_t i, n, used = 0;

	snprintf(buf, len, "-");
	if (!json_object_object_get_ex(c, "attached", &a) ||
	    !json_object_is_type(a, json_type_array))
		return;
	n = json_object_array_length(a);
	for (i = 0; i < n && used < len; i++) {
		e = json_object_array_get_idx(a, i);
		used += (size_t)snprintf(buf + used, len - used, "%s%s(%s)",
		    i > 0 ? "," : "", ipmux_jstr(e, "user", "?"),
		    ipmux_jstr(e, "mode", "?"));
	}
}

static const char *
dash(const char *s)
{
	return s == NULL || *s == '\0' ? "-" : s;
}

/* Grow a column to fit s (shown as "-" when empty). */
static void
widen(int *w, const char *s)
{
	int l = (int)strlen(dash(s));

	if (l > *w)
		*w = l;
}

static void
list_table(struct json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	int wname = 4, wgroup = 5, wstate = 5, wsince = 5, wreason = 6;
	char since[64], att[1024];
	struct json_object *c;

	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(arr, i);
		widen(&wname, ipmux_jstr(c, "name", NULL));
		widen(&wgroup, ipmux_jstr(c, "group", NULL));
		widen(&wstate, ipmux_jstr(c, "state", NULL));
		widen(&wreason, ipmux_jstr(c, "reason", NULL));
		list_since(c, since, sizeof(since));
		widen(&wsince, since);
	}
	printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wname, "NAME", wgroup,
	    "GROUP", wstate, "STATE", wsince, "SINCE", wreason, "REASON",
	    "ATTACHED");
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(arr, i);
		list_since(c, since, sizeof(since));
		list_attached(c, att, sizeof(att));
		printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n",
		    wname, dash(ipmux_jstr(c, "name", NULL)),
		    wgroup, dash(ipmux_jstr(c, "group", NULL)),
		    wstate, dash(ipmux_jstr(c, "state", NULL)),
		    wsince, since,
		    wreason, dash(ipmux_jstr(c, "reason", NULL)), att);
	}
}

int
cmd_list(const char *sock, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipmux_conn c;
	struct json_object *r, *arr;
	bool json = false;
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (ch != 'j')
			return ipmux_usage_for("list");
		json = true;
	}
	if (optind != argc)
		return ipmux_usage_for("list");
	if (ipmux_connect(&c, sock) != 0)
		return IPMUX_EXIT_ERR;
	r = ipmux_request(&c, PROTO_LIST, NULL, PROTO_LIST_REPLY, NULL);
	ipmux_close(&c);
	if (r == NULL)
		return IPMUX_EXIT_ERR;
	if (!json_object_object_get_ex(r, "consoles", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		ipmux_err("the daemon's list has no consoles array");
		json_object_put(r);
		return IPMUX_EXIT_ERR;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_object))
			list_fill_keys(e);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		list_table(arr);
	json_object_put(r);
	return fflush(stdout) == 0 ? IPMUX_EXIT_OK : IPMUX_EXIT_ERR;
}

static void
fmt_uptime(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "?");
	else if (s >= 86400)
		snprintf(buf, len, "%lldd %02lld:%02lld:%02lld", s / 86400,
		    s / 3600 % 24, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
}

int
cmd_status(const char *sock, int argc, char **argv)
{
	struct ipmux_conn c;
	struct json_object *r, *by;
	const char *ver;
	char up[64];
	int rc;
	bool first = true;

	if ((rc = no_args(argc, argv)) != 0)
		return rc;
	if (ipmux_connect(&c, sock) != 0)
		return IPMUX_EXIT_ERR;
	r = ipmux_request(&c, PROTO_STATUS, NULL, PROTO_STATUS_REPLY, NULL);
	ipmux_close(&c);
	if (r == NULL)
		return IPMUX_EXIT_ERR;
	fmt_uptime(ipmux_jint(r, "uptime", -1), up, sizeof(up));
	ver = ipmux_jstr(r, "version", "?");
	printf("daemon:   %s%s, pid %lld, up %s\n",
	    strncmp(ver, "ipmuxd", 6) == 0 ? "" : "ipmuxd ", ver,
	    ipmux_jint(r, "pid", -1), up);
	printf("consoles: %lld", ipmux_jint(r, "consoles", 0));
	if (json_object_object_get_ex(r, "by_state", &by) &&
	    json_object_is_type(by, json_type_object)) {
		json_object_object_foreach(by, k, v) {
			printf("%s%s %lld", first ? " (" : ", ", k,
			    (long long)json_object_get_int64(v));
			first = false;
		}
		if (!first)
			printf(")");
	}
	printf("\nclients:  %lld\n", ipmux_jint(r, "clients", 0));
	printf("logdir:   %s\n", ipmux_jstr(r, "logdir", "-"));
	json_object_put(r);
	return fflush(stdout) == 0 ? IPMUX_EXIT_OK : IPMUX_EXIT_ERR;
}

int
cmd_reload(const char *sock, int argc, char **argv)
{
	struct ipmux_conn c;
	struct json_object *r, *ok;
	int rc;

	if ((rc = no_args(argc, argv)) != 0)
		return rc;
	if (ipmux_connect(&c, sock) != 0)
		return IPMUX_EXIT_ERR;
	r = ipmux_request(&c, PROTO_RELOAD, NULL, PROTO_RELOAD_REPLY, NULL);
	ipmux_close(&c);
	if (r == NULL)
		return IPMUX_EXIT_ERR;
	if (!json_object_object_get_ex(r, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		ipmux_err("reload failed: %s", ipmux_jstr(r, "error",
		    "no reason given"));
		json_object_put(r);
		return IPMUX_EXIT_ERR;
	}
	printf("reloaded: %lld added, %lld removed, %lld changed, "
	    "%lld unchanged\n", ipmux_jint(r, "added", 0),
	    ipmux_jint(r, "removed", 0), ipmux_jint(r, "changed", 0),
	    ipmux_jint(r, "unchanged", 0));
	json_object_put(r);
	return fflush(stdout) == 0 ? IPMUX_EXIT_OK : IPMUX_EXIT_ERR;
}

int
cmd_metrics(const char *sock, int argc, char **argv)
{
	struct ipmux_conn c;
	struct json_object *tok;
	struct proto_msg m;
	int rc;

	if ((rc = no_args(argc, argv)) != 0)
		return rc;
	if (ipmux_connect(&c, sock) != 0)
		return IPMUX_EXIT_ERR;
	tok = ipmux_request(&c, PROTO_METRICS, NULL, PROTO_METRICS_REPLY, &m);
	rc = IPMUX_EXIT_ERR;
	if (tok != NULL) {
		json_object_put(tok);
		rc = ipmux_write_all(STDOUT_FILENO, m.payload, m.len) == 0 ?
		    IPMUX_EXIT_OK : IPMUX_EXIT_ERR;
	}
	ipmux_close(&c);
	return rc;
}

/* Copy PROTO_DATA to stdout until the daemon ends the tail. */
static int
tail_copy(struct ipmux_conn *c, const char *name, bool follow)
{
	struct proto_msg m;
	char err[512];
	int rc;

	for (;;) {
		/* Without -f the daemon sends the bytes and then ends with
		 * DETACHED (or closes); the timeout only guards a stuck one. */
		rc = protoio_recv(c->rd, follow ? -1 : IPMUX_REQ_TIMEOUT_MS,
		    &m, err, sizeof(err));
		if (rc == 0)
			return IPMUX_EXIT_OK;
		if (rc < 0) {
			ipmux_err("%s", err);
			return IPMUX_EXIT_ERR;
		}
		switch (m.type) {
		case PROTO_DATA:
			if (ipmux_write_all(STDOUT_FILENO, m.payload,
			    m.len) != 0) {
				ipmux_err("stdout: %s", strerror(errno));
				return IPMUX_EXIT_ERR;
			}
			break;
		case PROTO_DETACHED:
			return IPMUX_EXIT_OK;
		case PROTO_ERROR:
			ipmux_err("%s: %s", name, protoio_error_text(&m, err,
			    sizeof(err)));
			return IPMUX_EXIT_ERR;
		default:
			break;	/* ATTACH_OK, events: nothing to show */
		}
	}
}

int
cmd_tail(const char *sock, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bytes", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipmux_conn c;
	struct json_object *o;
	long long bytes = 8192;
	bool follow = false;
	char err[64];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "n:f", opts, NULL)) != -1) {
		if (ch == 'f') {
			follow = true;
		} else if (ch == 'n') {
			if ((bytes = ipmux_parse_size(optarg)) < 0) {
				ipmux_err("bad byte count: %s", optarg);
				return ipmux_usage_for("tail");
			}
		} else {
			return ipmux_usage_for("tail");
		}
	}
	if (optind != argc - 1)
		return ipmux_usage_for("tail");
	if (ipmux_connect(&c, sock) != 0)
		return IPMUX_EXIT_ERR;
	o = json_object_new_object();
	json_object_object_add(o, "console",
	    json_object_new_string(argv[optind]));
	json_object_object_add(o, "bytes", json_object_new_int64(bytes));
	json_object_object_add(o, "follow", json_object_new_boolean(follow));
	if (protoio_send_json(c.fd, PROTO_TAIL, o) != 0) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		ipmux_err("sending TAIL: %s", err);
		rc = IPMUX_EXIT_ERR;
	} else {
		rc = tail_copy(&c, argv[optind], follow);
	}
	json_object_put(o);
	ipmux_close(&c);
	return rc;
}
