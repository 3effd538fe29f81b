/* mgmt.c — ipmux power, identify, bootdev, sensors, sel, fru, health: expand names, globs and groups, send every request on one connection, collect the replies. */
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

/* The daemon's own BMC timeouts come first; these only guard a hang.
 * Reading a whole SDR repository, SEL or FRU takes many round trips. */
#define MGMT_WAIT_MS 30000
#define MGMT_WAIT_LONG_MS 120000

/* Options every management command may take (some only). */
struct mgmt_opts {
	bool json, yes, once, persistent, efi, cached, clear, follow;
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
	run->t[run->n].reply = NULL;
	run->t[run->n++].err = NULL;
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
	json_object_put(run->early);
}

static bool
mgmt_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The daemon's console array (a reference into *list), or NULL. */
static struct json_object *
mgmt_list(struct ipmux_conn *c, struct json_object **list)
{
	struct json_object *arr;

	if (*list == NULL)
		*list = ipmux_request(c, PROTO_LIST, NULL, PROTO_LIST_REPLY,
		    NULL);
	if (*list == NULL)
		return NULL;
	if (!json_object_object_get_ex(*list, "consoles", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		ipmux_err("the daemon's list has no consoles array");
		return NULL;
	}
	return arr;
}

/* Consoles of the list whose name matches glob (or, with by_group, whose
 * group is word); how many, or -1. */
static long
mgmt_match(struct mgmt_run *run, struct json_object *arr, const char *word,
	   bool by_group)
{
	struct json_object *e;
	const char *cn, *g;
	long hits = 0;
	size_t j;

	for (j = 0; j < json_object_array_length(arr); j++) {
		e = json_object_array_get_idx(arr, j);
		cn = ipmux_jstr(e, "name", NULL);
		g = ipmux_jstr(e, "group", NULL);
		if (cn == NULL || (by_group ? g == NULL || strcmp(g, word) :
		    fnmatch(word, cn, 0)) != 0)
			continue;
		hits++;
		if (mgmt_add(run, cn) != 0)
			return -1;
	}
	return hits;
}

/*
 * Names as given; globs matched against the daemon's list. With groups
 * (health) a word naming a group selects its consoles, and no word at
 * all selects every console.
 */
static int
mgmt_expand(struct ipmux_conn *c, char **names, int n, struct mgmt_run *run,
	    bool groups)
{
	struct json_object *list = NULL, *arr = NULL;
	long hits;
	int i, rc = 0;

	if (groups && n == 0) {
		if ((arr = mgmt_list(c, &list)) == NULL ||
		    mgmt_match(run, arr, "*", false) < 0)
			rc = -1;
		json_object_put(list);
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (!groups && !mgmt_is_glob(names[i])) {
			rc = mgmt_add(run, names[i]);
			continue;
		}
		if ((arr = mgmt_list(c, &list)) == NULL) {
			rc = -1;
			break;
		}
		if (mgmt_is_glob(names[i]))
			hits = mgmt_match(run, arr, names[i], false);
		else if ((hits = mgmt_match(run, arr, names[i], true)) == 0)
			hits = mgmt_add(run, names[i]) == 0 ? 1 : -1;
		if (hits < 0)
			rc = -1;
		else if (hits == 0) {
			ipmux_err("%s: no console matches", names[i]);
			rc = -1;
		}
	}
	json_object_put(list);
	return rc;
}

/* "power off on 3 consoles? [y/N]" on the terminal. */
static bool
mgmt_confirm(const char *what, size_t n)
{
	char line[32];
	FILE *tty;
	bool yes;

	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+")) == NULL) {
		ipmux_err("%s on %zu consoles needs --yes (no terminal to ask)",
		    what, n);
		return false;
	}
	fprintf(tty, "%s on %zu consoles? [y/N] ", what, n);
	fflush(tty);
	yes = fgets(line, sizeof(line), tty) != NULL &&
	    (line[0] == 'y' || line[0] == 'Y');
	fclose(tty);
	if (!yes)
		ipmux_err("%s: not confirmed", what);
	return yes;
}

static int64_t
mgmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep a "sel" event that came before every reply (follow mode). */
static void
mgmt_keep_event(struct mgmt_run *run, const struct proto_msg *m)
{
	struct json_object *o = protoio_json(m);

	if (o == NULL || strcmp(ipmux_jstr(o, "event", ""), "sel") != 0) {
		json_object_put(o);
		return;
	}
	if (run->early == NULL)
		run->early = json_object_new_array();
	json_object_array_add(run->early, o);
}

/* File a reply under its target (console and op); false if none. */
static bool
mgmt_file_reply(struct mgmt_run *run, struct json_object *o, const char *op)
{
	const char *cn = ipmux_jstr(o, "console", "");
	const char *rop = ipmux_jstr(o, "op", NULL);
	size_t i;

	/* A daemon from before "op" was echoed answers power/identify. */
	if (rop != NULL && strcmp(rop, op) != 0)
		return false;
	for (i = 0; i < run->n; i++)
		if (run->t[i].reply == NULL &&
		    strcmp(run->t[i].name, cn) == 0) {
			run->t[i].reply = o;
			return true;
		}
	return false;
}

/* Send req (its "console" set per target), then collect the replies. */
static int
mgmt_exchange(struct ipmux_conn *c, struct mgmt_run *run,
	      struct json_object *req, int wait_ms)
{
	const char *op = ipmux_jstr(req, "op", "");
	int64_t deadline = mgmt_now_ms() + wait_ms, left;
	struct json_object *o;
	struct proto_msg m;
	size_t i, got = 0;
	char err[256];
	int rc;

	for (i = 0; i < run->n; i++) {
		json_object_object_add(req, "console",
		    json_object_new_string(run->t[i].name));
		if (protoio_send_json(c->fd, PROTO_MGMT, req) != 0) {
			ipmux_err("cannot send to the daemon");
			return -1;
		}
	}
	while (got < run->n) {
		if ((left = deadline - mgmt_now_ms()) <= 0)
			left = 0;
		rc = protoio_recv(c->rd, (int)left, &m, err, sizeof(err));
		if (rc < 0 && mgmt_now_ms() >= deadline)
			break;	/* the rest: "no reply from the daemon" */
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
		if (m.type == PROTO_EVENT) {
			mgmt_keep_event(run, &m);
			continue;
		}
		if (m.type != PROTO_MGMT_REPLY ||
		    (o = protoio_json(&m)) == NULL)
			continue;	/* e.g. a daemon too old: see deadline */
		if (mgmt_file_reply(run, o, op))
			got++;
		else
			json_object_put(o);
	}
	return 0;
}

static bool
mgmt_has(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, type);
}

/* Decide each target's fate: its error line, or NULL. */
static void
mgmt_judge(struct mgmt_run *run, const char *op, const char *action)
{
	struct mgmt_target *t;
	struct json_object *v;
	size_t i;

	for (i = 0; i < run->n; i++) {
		t = &run->t[i];
		if (t->reply == NULL) {
			t->err = "no reply from the daemon";
			continue;
		}
		if (!json_object_object_get_ex(t->reply, "ok", &v) ||
		    !json_object_get_boolean(v)) {
			t->err = ipmux_jstr(t->reply, "error", "failed");
			continue;
		}
		if (strcmp(action, "status") == 0 &&
		    !mgmt_has(t->reply, "power", json_type_string))
			t->err = "the reply has no power state";
		else if (strcmp(op, "sensors") == 0 &&
		    !mgmt_has(t->reply, "sensors", json_type_array))
			t->err = "the reply has no sensors";
		else if (strcmp(op, "sel") == 0 && strcmp(action, "clear") &&
		    !mgmt_has(t->reply, "entries", json_type_array))
			t->err = "the reply has no SEL entries";
		else if (strcmp(op, "fru") == 0 &&
		    !mgmt_has(t->reply, "fru", json_type_object))
			t->err = "the reply has no FRU data";
		else if (strcmp(op, "health") == 0 &&
		    !mgmt_has(t->reply, "state", json_type_string))
			t->err = "the reply has no state";
	}
}

/* One stderr line per failed target; the exit status. */
static int
mgmt_errors(const struct mgmt_run *run)
{
	int ex = IPMUX_EXIT_OK;
	size_t i;

	for (i = 0; i < run->n; i++)
		if (run->t[i].err != NULL) {
			ipmux_err("%s: %s", run->t[i].name, run->t[i].err);
			ex = IPMUX_EXIT_ERR;
		}
	return ex;
}

/* An entry of console cn with this id was in its reply already. */
static bool
mgmt_seen(const struct mgmt_run *run, const char *cn, long long id)
{
	struct json_object *arr;
	size_t i, j;

	for (i = 0; i < run->n; i++) {
		if (strcmp(run->t[i].name, cn) != 0 || run->t[i].reply == NULL)
			continue;
		if (!json_object_object_get_ex(run->t[i].reply, "entries",
		    &arr) || !json_object_is_type(arr, json_type_array))
			return false;
		for (j = 0; j < json_object_array_length(arr); j++)
			if (ipmux_jint(json_object_array_get_idx(arr, j),
			    "id", -1) == id)
				return true;
	}
	return false;
}

/* A "sel" event for one of our good targets: print its entry. */
static void
mgmt_sel_event(const struct mgmt_run *run, struct json_object *o, int w,
	       bool json, bool early)
{
	const char *cn = ipmux_jstr(o, "console", "");
	struct json_object *e;
	size_t i;

	if (strcmp(ipmux_jstr(o, "event", ""), "sel") != 0 ||
	    !json_object_object_get_ex(o, "entry", &e) ||
	    !json_object_is_type(e, json_type_object))
		return;
	for (i = 0; i < run->n; i++)
		if (run->t[i].err == NULL && strcmp(run->t[i].name, cn) == 0)
			break;
	if (i == run->n || (early && mgmt_seen(run, cn,
	    ipmux_jint(e, "id", -1))))
		return;
	mgmtfmt_sel_entry(cn, w, e, json);
}

/* sel --follow: new entries as the daemon announces them. */
static int
mgmt_follow(struct ipmux_conn *c, const struct mgmt_run *run, bool json,
	    int ex)
{
	int w = run->n > 1 ? mgmtfmt_name_width(run) : 0;
	struct json_object *o;
	struct proto_msg m;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; run->early != NULL &&
	    i < json_object_array_length(run->early); i++)
		mgmt_sel_event(run, json_object_array_get_idx(run->early, i),
		    w, json, true);
	fflush(stdout);
	for (;;) {
		rc = protoio_recv(c->rd, -1, &m, err, sizeof(err));
		if (rc <= 0) {
			ipmux_err("%s", rc == 0 ? "the daemon closed the "
			    "connection" : err);
			return rc == 0 ? ex : IPMUX_EXIT_ERR;
		}
		if (m.type == PROTO_ERROR) {
			ipmux_err("%s", protoio_error_text(&m, err,
			    sizeof(err)));
			return IPMUX_EXIT_ERR;
		}
		if (m.type != PROTO_EVENT || (o = protoio_json(&m)) == NULL)
			continue;
		mgmt_sel_event(run, o, w, json, false);
		json_object_put(o);
		fflush(stdout);
	}
}

/* What a command wants done, beyond the consoles. */
struct mgmt_job {
	const char *op;
	const char *action;		/* power/identify, or "" */
	const char *confirm;		/* ask before this on > 1 console */
	struct json_object *req;	/* the request, owned */
	bool groups;			/* health: words may be groups */
	int wait_ms;
};

static void
mgmt_output(const struct mgmt_job *job, const struct mgmt_run *run,
	    const struct mgmt_opts *o)
{
	if (strcmp(job->op, "sensors") == 0)
		mgmtfmt_sensors(run, o->json);
	else if (strcmp(job->op, "sel") == 0 && !o->clear)
		mgmtfmt_sel(run, o->json, o->follow);
	else if (strcmp(job->op, "fru") == 0)
		mgmtfmt_fru(run, o->json);
	else if (strcmp(job->op, "health") == 0)
		mgmtfmt_health(run, o->json);
	else if (o->json)
		mgmtfmt_json_targets(run);
	else
		mgmtfmt_power(run);
	fflush(stdout);
}

static int
mgmt_main(const char *sock, struct mgmt_job *job, char **names, int n,
	  const struct mgmt_opts *o)
{
	struct mgmt_run run = { 0 };
	struct ipmux_conn c;
	int ex = IPMUX_EXIT_ERR;
	size_t i;

	json_object_object_add(job->req, "op", json_object_new_string(job->op));
	if (ipmux_connect(&c, sock) != 0)
		goto out_req;
	if (mgmt_expand(&c, names, n, &run, job->groups) != 0)
		goto out;
	if (job->confirm != NULL && run.n > 1 && !o->yes &&
	    !mgmt_confirm(job->confirm, run.n))
		goto out;
	if (mgmt_exchange(&c, &run, job->req, job->wait_ms) != 0)
		goto out;
	mgmt_judge(&run, job->op, job->action);
	mgmt_output(job, &run, o);
	ex = mgmt_errors(&run);
	if (o->follow) {
		for (i = 0; i < run.n && run.t[i].err != NULL; i++)
			;
		if (i < run.n)	/* something left to follow */
			ex = mgmt_follow(&c, &run, o->json, ex);
	}
out:
	ipmux_close(&c);
	mgmt_run_free(&run);
out_req:
	json_object_put(job->req);
	return ex;
}

/*
 * The options allowed (letters of: j json, y yes, o once, p persistent,
 * e efi, c cached, C clear, f follow) anywhere; the positional arguments
 * start at the return value, -1 on a usage error.
 */
static int
mgmt_getopts(int argc, char **argv, const char *allowed, struct mgmt_opts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "yes", no_argument, NULL, 'y' },
		{ "once", no_argument, NULL, 'o' },
		{ "persistent", no_argument, NULL, 'p' },
		{ "efi", no_argument, NULL, 'e' },
		{ "cached", no_argument, NULL, 'c' },
		{ "clear", no_argument, NULL, 'C' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, allowed, opts, NULL)) != -1) {
		if (ch == '?' || strchr(allowed, ch) == NULL) {
			if (ch != '?')
				ipmux_err("%s: %s is not an option of this "
				    "command", argv[0], argv[optind - 1]);
			return -1;
		}
		switch (ch) {
		case 'j': o->json = true; break;
		case 'y': o->yes = true; break;
		case 'o': o->once = true; break;
		case 'p': o->persistent = true; break;
		case 'e': o->efi = true; break;
		case 'c': o->cached = true; break;
		case 'C': o->clear = true; break;
		default: o->follow = true; break;
		}
	}
	return optind;
}

/* The index of word in list (n entries), or -1. */
static int
mgmt_word(const char *word, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(word, list[i]) == 0)
			return (int)i;
	return -1;
}

int
cmd_power(const char *sock, int argc, char **argv)
{
	static const char *const acts[] = { "on", "off", "cycle", "reset",
	    "soft", "status", "diag" };
	struct mgmt_job job = { .op = "power", .wait_ms = MGMT_WAIT_MS };
	struct mgmt_opts o;
	int first;

	if ((first = mgmt_getopts(argc, argv, "jy", &o)) < 0 ||
	    argc - first < 2)
		return ipmux_usage_for("power");
	job.action = argv[argc - 1];
	if (mgmt_word(job.action, acts, sizeof(acts) / sizeof(acts[0])) < 0) {
		ipmux_err("unknown power action: %s", job.action);
		return ipmux_usage_for("power");
	}
	if (strcmp(job.action, "off") == 0)
		job.confirm = "power off";
	else if (strcmp(job.action, "cycle") == 0)
		job.confirm = "power cycle";
	else if (strcmp(job.action, "reset") == 0)
		job.confirm = "power reset";
	job.req = json_object_new_object();
	json_object_object_add(job.req, "action",
	    json_object_new_string(job.action));
	return mgmt_main(sock, &job, argv + first, argc - first - 1, &o);
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
	struct mgmt_job job = { .op = "identify", .action = "",
	    .wait_ms = MGMT_WAIT_MS };
	struct mgmt_opts o;
	const char *last;
	long seconds = 15;
	int first, n;

	if ((first = mgmt_getopts(argc, argv, "jy", &o)) < 0 ||
	    argc - first < 1)
		return ipmux_usage_for("identify");
	n = argc - first;
	last = argv[argc - 1];
	if (n > 1 && (strcmp(last, "on") == 0 || strcmp(last, "off") == 0)) {
		job.action = last;
		n--;
	} else if (n > 1 && mgmt_is_number(last)) {
		seconds = strlen(last) > 3 ? 0 : strtol(last, NULL, 10);
		if (seconds < 1 || seconds > 255) {
			ipmux_err("identify: SECONDS must be 1..255");
			return ipmux_usage_for("identify");
		}
		n--;
	}
	job.req = json_object_new_object();
	json_object_object_add(job.req, "action",
	    json_object_new_string(job.action));
	if (*job.action == '\0')
		json_object_object_add(job.req, "seconds",
		    json_object_new_int64(seconds));
	return mgmt_main(sock, &job, argv + first, n, &o);
}

int
cmd_bootdev(const char *sock, int argc, char **argv)
{
	static const char *const devs[] = { "pxe", "disk", "bios", "cdrom",
	    "none" };
	struct mgmt_job job = { .op = "bootdev", .action = "",
	    .wait_ms = MGMT_WAIT_MS };
	struct mgmt_opts o;
	const char *dev;
	int first;

	if ((first = mgmt_getopts(argc, argv, "jopey", &o)) < 0 ||
	    argc - first < 2)
		return ipmux_usage_for("bootdev");
	if (o.once && o.persistent) {
		ipmux_err("bootdev: --once or --persistent, not both");
		return ipmux_usage_for("bootdev");
	}
	dev = argv[argc - 1];
	if (mgmt_word(dev, devs, sizeof(devs) / sizeof(devs[0])) < 0) {
		ipmux_err("unknown boot device: %s", dev);
		return ipmux_usage_for("bootdev");
	}
	job.req = json_object_new_object();
	json_object_object_add(job.req, "device", json_object_new_string(dev));
	json_object_object_add(job.req, "persistent",
	    json_object_new_boolean(o.persistent));
	json_object_object_add(job.req, "efi", json_object_new_boolean(o.efi));
	return mgmt_main(sock, &job, argv + first, argc - first - 1, &o);
}

int
cmd_sensors(const char *sock, int argc, char **argv)
{
	struct mgmt_job job = { .op = "sensors", .action = "",
	    .wait_ms = MGMT_WAIT_LONG_MS };
	struct mgmt_opts o;
	int first;

	if ((first = mgmt_getopts(argc, argv, "jc", &o)) < 0 ||
	    argc - first < 1)
		return ipmux_usage_for("sensors");
	job.req = json_object_new_object();
	json_object_object_add(job.req, "cached",
	    json_object_new_boolean(o.cached));
	return mgmt_main(sock, &job, argv + first, argc - first, &o);
}

int
cmd_sel(const char *sock, int argc, char **argv)
{
	struct mgmt_job job = { .op = "sel", .action = "",
	    .wait_ms = MGMT_WAIT_LONG_MS };
	struct mgmt_opts o;
	int first;

	if ((first = mgmt_getopts(argc, argv, "jCfy", &o)) < 0 ||
	    argc - first < 1)
		return ipmux_usage_for("sel");
	if (o.clear) {
		job.action = "clear";
		job.confirm = "sel --clear";
	}
	job.req = json_object_new_object();
	json_object_object_add(job.req, "clear",
	    json_object_new_boolean(o.clear));
	json_object_object_add(job.req, "follow",
	    json_object_new_boolean(o.follow));
	return mgmt_main(sock, &job, argv + first, argc - first, &o);
}

int
cmd_fru(const char *sock, int argc, char **argv)
{
	struct mgmt_job job = { .op = "fru", .action = "",
	    .wait_ms = MGMT_WAIT_LONG_MS };
	struct mgmt_opts o;
	int first;

	if ((first = mgmt_getopts(argc, argv, "j", &o)) < 0 ||
	    argc - first < 1)
		return ipmux_usage_for("fru");
	job.req = json_object_new_object();
	return mgmt_main(sock, &job, argv + first, argc - first, &o);
}

int
cmd_health(const char *sock, int argc, char **argv)
{
	struct mgmt_job job = { .op = "health", .action = "",
	    .groups = true, .wait_ms = MGMT_WAIT_MS };
	struct mgmt_opts o;
	int first;

	if ((first = mgmt_getopts(argc, argv, "j", &o)) < 0)
		return ipmux_usage_for("health");
	job.req = json_object_new_object();
	return mgmt_main(sock, &job, argv + first, argc - first, &o);
}
