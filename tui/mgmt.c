/* mgmt.c — ipmux power and identify: expand names and globs, send every request on one connection, collect the replies. */
#include <ctype.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ipmux.h"

/* The daemon's own BMC timeout comes first; this only guards a hang. */
#define MGMT_WAIT_MS 30000

struct mgmt_target {
	char *name;
	struct json_object *reply;	/* PROTO_MGMT_REPLY, or NULL */
};

struct mgmt_run {
	struct mgmt_target *t;
	size_t n, cap;
};

static int
mgmt_add(struct mgmt_run *run, const char *name)
{
	struct mgmt_target *nt;
	size_t i;

	for (i = 0; i < run->n; i++)
		if (strcmp(run->t[i].name, name) == 0)
			return 0;
	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 16;
		if ((nt = realloc(run->t, run->cap * sizeof(*nt))) == NULL)
			return -1;
		run->t = nt;
	}
	if ((run->t[run->n].name = strdup(name)) == NULL)
		return -1;
	run->t[run->n++].reply = NULL;
	return 0;
}

static void
mgmt_run_free(struct mgmt_run *run)
{
	size_t i;

	for (i = 0; i < run->n; i++) {
		free(run->t[i].name);
		json_object_put(run->t[i].reply);
	}
	free(run->t);
}

static bool
mgmt_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Names as given; globs matched against the daemon's list. */
static int
mgmt_expand(struct ipmux_conn *c, char **names, int n, struct mgmt_run *run)
{
	struct json_object *r = NULL, *arr = NULL, *e;
	const char *cn;
	size_t j, hits;
	int i, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (!mgmt_is_glob(names[i])) {
			rc = mgmt_add(run, names[i]);
			continue;
		}
		if (r == NULL) {
			r = ipmux_request(c, PROTO_LIST, NULL,
			    PROTO_LIST_REPLY, NULL);
			if (r == NULL || !json_object_object_get_ex(r,
			    "consoles", &arr) ||
			    !json_object_is_type(arr, json_type_array)) {
				if (r != NULL)
					ipmux_err("the daemon's list has no "
					    "consoles array");
				json_object_put(r);
				return -1;
			}
		}
		for (j = 0, hits = 0; j < json_object_array_length(arr); j++) {
			e = json_object_array_get_idx(arr, j);
			cn = ipmux_jstr(e, "name", NULL);
			if (cn != NULL && fnmatch(names[i], cn, 0) == 0) {
				hits++;
				if ((rc = mgmt_add(run, cn)) != 0)
					break;
			}
		}
		if (rc == 0 && hits == 0) {
			ipmux_err("%s: no console matches", names[i]);
			rc = -1;
		}
	}
	json_object_put(r);
	return rc;
}

/* "power off 3 consoles? [y/N]" on the terminal. */
static bool
mgmt_confirm(const char *action, size_t n)
{
	char line[32];
	FILE *tty;
	bool yes;

	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+")) == NULL) {
		ipmux_err("power %s on %zu consoles needs --yes (no terminal "
		    "to ask)", action, n);
		return false;
	}
	fprintf(tty, "power %s %zu consoles? [y/N] ", action, n);
	fflush(tty);
	yes = fgets(line, sizeof(line), tty) != NULL &&
	    (line[0] == 'y' || line[0] == 'Y');
	fclose(tty);
	return yes;
}

static int64_t
mgmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send one request per target, then match replies by console name. */
static int
mgmt_exchange(struct ipmux_conn *c, struct mgmt_run *run, const char *op,
	      const char *action, long seconds)
{
	struct json_object *o;
	struct proto_msg m;
	int64_t deadline = mgmt_now_ms() + MGMT_WAIT_MS, left;
	size_t i, got = 0;
	const char *cn;
	char err[256];
	int rc;

	for (i = 0; i < run->n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "console",
		    json_object_new_string(run->t[i].name));
		json_object_object_add(o, "op", json_object_new_string(op));
		json_object_object_add(o, "action",
		    json_object_new_string(action));
		if (seconds >= 0)
			json_object_object_add(o, "seconds",
			    json_object_new_int64(seconds));
		rc = protoio_send_json(c->fd, PROTO_MGMT, o);
		json_object_put(o);
		if (rc != 0) {
			ipmux_err("cannot send to the daemon");
			return -1;
		}
	}
	while (got < run->n) {
		if ((left = deadline - mgmt_now_ms()) <= 0)
			left = 0;
		rc = protoio_recv(c->rd, (int)left, &m, err, sizeof(err));
		if (rc <= 0) {
			ipmux_err("%s", rc == 0 ? "the daemon closed the "
			    "connection" : err);
			return -1;
		}
		if (m.type == PROTO_ERROR) {
			ipmux_err("%s", protoio_error_text(&m, err,
			    sizeof(err)));
			return -1;
		}
		if (m.type != PROTO_MGMT_REPLY ||
		    (o = protoio_json(&m)) == NULL)
			continue;	/* e.g. a daemon too old: see deadline */
		cn = ipmux_jstr(o, "console", "");
		for (i = 0; i < run->n; i++)
			if (run->t[i].reply == NULL &&
			    strcmp(run->t[i].name, cn) == 0)
				break;
		if (i == run->n) {
			json_object_put(o);
			continue;
		}
		run->t[i].reply = o;
		got++;
	}
	return 0;
}

/* Print the results; the exit status says whether every target worked. */
static int
mgmt_report(struct mgmt_run *run, bool json, bool status)
{
	struct json_object *arr = json_object_new_array(), *o, *r, *v;
	int ex = IPMUX_EXIT_OK;
	const char *err, *power;
	bool ok;
	size_t i;

	for (i = 0; i < run->n; i++) {
		r = run->t[i].reply;
		ok = r != NULL && json_object_object_get_ex(r, "ok", &v) &&
		    json_object_get_boolean(v);
		err = r != NULL ? ipmux_jstr(r, "error", "failed") :
		    "no reply";
		power = r != NULL ? ipmux_jstr(r, "power", NULL) : NULL;
		if (!ok || (status && power == NULL))
			ex = IPMUX_EXIT_ERR;
		if (json) {
			o = json_object_new_object();
			json_object_object_add(o, "name",
			    json_object_new_string(run->t[i].name));
			json_object_object_add(o, "ok",
			    json_object_new_boolean(ok));
			if (ok && power != NULL)
				json_object_object_add(o, "power",
				    json_object_new_string(power));
			if (!ok)
				json_object_object_add(o, "error",
				    json_object_new_string(err));
			json_object_array_add(arr, o);
		} else if (!ok) {
			ipmux_err("%s: %s", run->t[i].name, err);
		} else {
			printf("%s: %s\n", run->t[i].name,
			    power != NULL ? power : "ok");
		}
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	fflush(stdout);
	return ex;
}

static int
mgmt_main(const char *sock, const char *op, char **names, int n,
	  const char *action, long seconds, bool json, bool yes)
{
	struct mgmt_run run = { 0 };
	struct ipmux_conn c;
	bool drastic;
	int ex = IPMUX_EXIT_ERR;

	if (ipmux_connect(&c, sock) != 0)
		return IPMUX_EXIT_ERR;
	if (mgmt_expand(&c, names, n, &run) != 0)
		goto out;
	drastic = strcmp(op, "power") == 0 && (strcmp(action, "off") == 0 ||
	    strcmp(action, "cycle") == 0 || strcmp(action, "reset") == 0);
	if (drastic && run.n > 1 && !yes && !mgmt_confirm(action, run.n))
		goto out;
	if (mgmt_exchange(&c, &run, op, action, seconds) != 0)
		goto out;
	ex = mgmt_report(&run, json, strcmp(action, "status") == 0);
out:
	ipmux_close(&c);
	mgmt_run_free(&run);
	return ex;
}

/* --json/--yes anywhere; the rest are positional. */
static int
mgmt_opts(int argc, char **argv, bool *json, bool *yes)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "jy", opts, NULL)) != -1) {
		if (ch == 'j')
			*json = true;
		else if (ch == 'y')
			*yes = true;
		else
			return -1;
	}
	return optind;
}

int
cmd_power(const char *sock, int argc, char **argv)
{
	static const char *const acts[] = { "on", "off", "cycle", "reset",
	    "soft", "status", "diag" };
	bool json = false, yes = false;
	const char *action;
	size_t i;
	int first;

	if ((first = mgmt_opts(argc, argv, &json, &yes)) < 0 ||
	    argc - first < 2)
		return ipmux_usage_for("power");
	action = argv[argc - 1];
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(action, acts[i]) == 0)
			break;
	if (i == sizeof(acts) / sizeof(acts[0])) {
		ipmux_err("unknown power action: %s", action);
		return ipmux_usage_for("power");
	}
	return mgmt_main(sock, "power", argv + first, argc - first - 1,
	    action, -1, json, yes);
}

static bool
mgmt_is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
cmd_identify(const char *sock, int argc, char **argv)
{
	bool json = false, yes = false;
	const char *last, *action = "timed";
	long seconds = 15;
	int first, n;

	if ((first = mgmt_opts(argc, argv, &json, &yes)) < 0 ||
	    argc - first < 1)
		return ipmux_usage_for("identify");
	n = argc - first;
	last = argv[argc - 1];
	if (n > 1 && (strcmp(last, "on") == 0 || strcmp(last, "off") == 0)) {
		action = last;
		n--;
	} else if (n > 1 && mgmt_is_number(last)) {
		seconds = strtol(last, NULL, 10);
		if (seconds < 1 || seconds > 255) {
			ipmux_err("identify: SECONDS must be 1..255");
			return ipmux_usage_for("identify");
		}
		n--;
	}
	return mgmt_main(sock, "identify", argv + first, n, action, seconds,
	    json, yes);
}
