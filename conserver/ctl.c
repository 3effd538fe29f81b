/* ctl.c — ipmuxd's control socket: accept, peer identity, framed requests, attachments and their permissions. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>

#include "console.h"
#include "ctl.h"
#include "health.h"
#include "log.h"
#include "proto.h"

#define CTL_BACKLOG 128
#define CTL_CHUNK (64 * 1024)		/* PROTO_DATA size for replays */
#define CTL_OUT_SLACK (1024 * 1024)	/* replies beyond client_buffer */
#define CTL_CLOSE_GRACE_S 5		/* to flush a last message */
#define CTL_TAIL_DEFAULT 4096
#define CTL_MAX_GROUPS 256

struct ctl {
	struct ipmuxd *d;
	struct evconnlistener *lis;
	struct event *ev_resume;	/* re-enable accept after EMFILE */
	char *path;
	TAILQ_HEAD(, ctl_client) clients;
	size_t nclients;
	uint64_t next_id;
};

static bool ctl_asserted(const struct ctl_client *cl);
static void ctl_change_mode(struct ctl_client *cl, const char *mode);
static void ctl_catch_up(struct ctl_client *cl);

size_t
ctl_nclients(const struct ctl *ctl)
{
	return ctl != NULL ? ctl->nclients : 0;
}

static size_t
ctl_client_cap(const struct ctl_client *cl)
{
	size_t cap = cl->ctl->d->cfg->g.client_buffer;

	return cap > 0 ? cap : 256 * 1024;
}

/* Queue one message. Reading pauses while a client leaves a lot unread,
 * so a client that never reads cannot make the daemon grow. */
static void
ctl_send(struct ctl_client *cl, uint16_t type, const void *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(cl->bev);
	uint8_t hdr[PROTO_HDR_LEN];

	if (cl->closing || len > PROTO_MAX_PAYLOAD)
		return;
	proto_hdr_encode(hdr, type, len);
	evbuffer_add(out, hdr, sizeof(hdr));
	if (len > 0)
		evbuffer_add(out, buf, len);
	if (!cl->read_paused && evbuffer_get_length(out) >
	    ctl_client_cap(cl) + CTL_OUT_SLACK) {
		bufferevent_disable(cl->bev, EV_READ);
		cl->read_paused = true;
	}
}

/* Send obj as JSON and drop the reference. */
static void
ctl_send_json(struct ctl_client *cl, uint16_t type, json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN);

	ctl_send(cl, type, s, strlen(s));
	json_object_put(obj);
}

static void
ctl_error(struct ctl_client *cl, const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(text));
	ctl_send_json(cl, PROTO_ERROR, o);
}

static void ctl_client_free(struct ctl_client *cl);

static void
ctl_on_linger(evutil_socket_t fd, short what, void *arg)
{
	ctl_client_free(arg);
}

/*
 * Tell the client why, then hang up: once the error is written the write
 * side is shut down, and whatever the client still sends is read and
 * thrown away until it closes (or the grace period ends), so it reads
 * our error instead of failing a write on a closed socket.
 */
static void
ctl_drop(struct ctl_client *cl, const char *why)
{
	struct timeval tv = { CTL_CLOSE_GRACE_S, 0 };

	if (cl->closing)
		return;
	log_msg(LOGL_INFO, "client %llu (%s): dropped: %s",
	    (unsigned long long)cl->id, cl->user != NULL ? cl->user : "?",
	    why);
	ctl_error(cl, why);
	cl->closing = true;
	cl->ev_linger = evtimer_new(cl->ctl->d->base, ctl_on_linger, cl);
	if (cl->ev_linger != NULL)
		evtimer_add(cl->ev_linger, &tv);
	bufferevent_setwatermark(cl->bev, EV_WRITE, 0, 0);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, 0);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	cl->read_paused = false;
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		shutdown(bufferevent_getfd(cl->bev), SHUT_WR);
}

/* Identity: SO_PEERCRED, the user's name and Unix groups. */

static char *
ctl_user_name(uid_t uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096], *name;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		*gid = pw.pw_gid;
		return strdup(pw.pw_name);
	}
	*gid = (gid_t)-1;
	if (asprintf(&name, "uid%lu", (unsigned long)uid) < 0)
		return NULL;
	return name;
}

static char **
ctl_user_groups(const char *user, gid_t gid)
{
	gid_t gids[CTL_MAX_GROUPS];
	int n = CTL_MAX_GROUPS, i, k = 0;
	struct group gr, *res;
	char buf[8192];
	char **names;

	if (gid == (gid_t)-1 || getgrouplist(user, gid, gids, &n) < 0)
		n = gid == (gid_t)-1 ? 0 : 1, gids[0] = gid;
	if ((names = calloc((size_t)n + 1, sizeof(*names))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		res = NULL;
		if (getgrgid_r(gids[i], &gr, buf, sizeof(buf), &res) == 0 &&
		    res != NULL && (names[k] = strdup(gr.gr_name)) != NULL)
			k++;
	}
	return names;
}

static void
ctl_free_groups(char **groups)
{
	size_t i;

	for (i = 0; groups != NULL && groups[i] != NULL; i++)
		free(groups[i]);
	free(groups);
}

static bool
ctl_asserted(const struct ctl_client *cl)
{
	long t = cl->ctl->d->cfg->g.trusted_uid;

	return t >= 0 && (uid_t)t == cl->uid;
}

/* root and the daemon's own user have every permission (they can read
 * the secrets anyway); everyone else, and every name the trusted front end
 * asserts, gets what the ACLs grant. */
static unsigned
ctl_perms(const struct ctl_client *cl, const struct console *c)
{
	const struct ipmuxd *d = cl->ctl->d;

	if (!cl->asserted && (cl->uid == 0 || cl->uid == d->euid))
		return PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN;
	return config_perms(d->cfg, cl->user,
	    (const char *const *)cl->groups, c != NULL ? c->cfg : NULL);
}

/* Attachments. */

static json_object *
ctl_jstr(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static const char *
ctl_mode(const struct ctl_client *cl)
{
	return cl->con != NULL && cl->con->writer == cl ? "rw" : "ro";
}

static void
ctl_event(struct ctl_client *cl, const char *event, const char *k1,
	  const char *v1, const char *k2, const char *v2)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(event));
	if (cl->con != NULL)
		json_object_object_add(o, "console",
		    json_object_new_string(cl->con->name));
	if (k1 != NULL)
		json_object_object_add(o, k1, ctl_jstr(v1));
	if (k2 != NULL)
		json_object_object_add(o, k2, ctl_jstr(v2));
	ctl_send_json(cl, PROTO_EVENT, o);
}

/* Tell the other clients of cl's console. */
static void
ctl_tell_others(struct ctl_client *cl, const char *event, const char *mode)
{
	struct ctl_client *o;

	TAILQ_FOREACH(o, &cl->con->clients, clink)
		if (o != cl)
			ctl_event(o, event, "user", cl->user, "mode", mode);
}

void
ctl_console_state(struct console *c)
{
	struct ctl_client *cl;

	TAILQ_FOREACH(cl, &c->clients, clink)
		ctl_event(cl, "state", "state", console_state_name(c->state),
		    "reason", c->reason);
}

/* Leave the console; marker and notices unless quiet. */
static void
ctl_unattach(struct ctl_client *cl, bool quiet)
{
	struct console *c = cl->con;

	if (c == NULL)
		return;
	if (!quiet && !cl->follow)
		console_marker(c, "detach %s", cl->user);
	if (c->writer == cl)
		c->writer = NULL;	/* spies are never promoted */
	TAILQ_REMOVE(&c->clients, cl, clink);
	c->nclients--;
	if (!quiet && !cl->follow)
		ctl_tell_others(cl, "detached", NULL);
	cl->con = NULL;
	cl->follow = false;
	cl->lagging = false;
	cl->skipped = 0;
}

void
ctl_client_detach(struct ctl_client *cl, const char *why)
{
	json_object *o = json_object_new_object();

	ctl_unattach(cl, true);
	json_object_object_add(o, "reason", json_object_new_string(why));
	ctl_send_json(cl, PROTO_DETACHED, o);
}

void
ctl_client_data(struct ctl_client *cl, const uint8_t *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(cl->bev);

	size_t have = evbuffer_get_length(out), cap = ctl_client_cap(cl);

	if (cl->closing)
		return;
	if (cl->lagging && have <= cap / 2)
		ctl_catch_up(cl);	/* drained without a write callback */
	/* An empty queue always takes the bytes, so lagging always ends
	 * with a write that brings the callback. */
	if (!cl->lagging && have > 0 && have + len > cap) {
		cl->lagging = true;
		log_msg(LOGL_DEBUG, "client %llu (%s): lagging on %s",
		    (unsigned long long)cl->id, cl->user, cl->con->name);
	}
	if (cl->lagging) {
		cl->skipped += len;
		return;
	}
	ctl_send(cl, PROTO_DATA, buf, len);
}

/* A lagging client has room again: tell it what it missed, resume. */
static void
ctl_catch_up(struct ctl_client *cl)
{
	char note[96];
	int n;

	n = snprintf(note, sizeof(note), "\r\n[ipmux: %llu bytes skipped]\r\n",
	    (unsigned long long)cl->skipped);
	cl->lagging = false;
	cl->skipped = 0;
	ctl_send(cl, PROTO_DATA, note, (size_t)n);
}

/* The last n bytes of scrollback as PROTO_DATA. */
static void
ctl_replay(struct ctl_client *cl, struct console *c, size_t n)
{
	uint8_t *buf;
	size_t got, off;

	if (n > ring_len(c->ring))
		n = ring_len(c->ring);
	if (n == 0 || (buf = malloc(n)) == NULL)
		return;
	got = ring_tail(c->ring, n, buf);
	for (off = 0; off < got; off += CTL_CHUNK)
		ctl_send(cl, PROTO_DATA, buf + off,
		    got - off < CTL_CHUNK ? got - off : CTL_CHUNK);
	free(buf);
}

static void
ctl_attach_ok(struct ctl_client *cl)
{
	struct console *c = cl->con;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "console", json_object_new_string(c->name));
	json_object_object_add(o, "mode", json_object_new_string(ctl_mode(cl)));
	json_object_object_add(o, "writer",
	    ctl_jstr(c->writer != NULL ? c->writer->user : NULL));
	json_object_object_add(o, "state",
	    json_object_new_string(console_state_name(c->state)));
	json_object_object_add(o, "reason", json_object_new_string(c->reason));
	ctl_send_json(cl, PROTO_ATTACH_OK, o);
}

/* Take the write side from whoever has it. */
static void
ctl_force(struct ctl_client *cl)
{
	struct console *c = cl->con;
	struct ctl_client *old = c->writer;

	if (old == cl)
		return;
	if (old != NULL) {
		console_marker(c, "force %s took write from %s", cl->user,
		    old->user);
		ctl_event(old, "demoted", "by", cl->user, "mode", "ro");
	}
	c->writer = cl;
}

/* mode: "ro", "rw" or "force"; rw with another writer present stays ro. */
static const char *
ctl_apply_mode(struct ctl_client *cl, const char *mode)
{
	struct console *c = cl->con;
	unsigned perms = ctl_perms(cl, c);

	if (strcmp(mode, "ro") == 0) {
		if (c->writer == cl)
			c->writer = NULL;
		return NULL;
	}
	if (strcmp(mode, "rw") != 0 && strcmp(mode, "force") != 0)
		return "mode must be ro, rw or force";
	if (!(perms & PERM_WRITE))
		return "permission denied (write)";
	if (strcmp(mode, "force") == 0)
		ctl_force(cl);
	else if (c->writer == NULL)
		c->writer = cl;
	return NULL;
}

/* Request handlers. Each gets the payload as a JSON object. */

static const char *
ctl_jget_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
ctl_jget_int(json_object *o, const char *key, int64_t dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

static bool
ctl_jget_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_get_boolean(v);
}

/* The console named in the request, readable by the client. */
static struct console *
ctl_console_arg(struct ctl_client *cl, json_object *req, unsigned need)
{
	const char *name = ctl_jget_str(req, "console");
	struct console *c;

	if (name == NULL) {
		ctl_error(cl, "missing \"console\"");
		return NULL;
	}
	c = ipmuxd_console(cl->ctl->d, name);
	if (c == NULL || !(ctl_perms(cl, c) & PERM_READ)) {
		ctl_error(cl, "no such console");	/* do not leak names */
		return NULL;
	}
	if ((ctl_perms(cl, c) & need) != need) {
		ctl_error(cl, "permission denied");
		return NULL;
	}
	return c;
}

static void
ctl_do_hello(struct ctl_client *cl, json_object *req)
{
	const char *user = ctl_jget_str(req, "user");
	json_object *o;

	if (cl->hello) {
		ctl_error(cl, "HELLO already done");
		return;
	}
	if (ctl_jget_int(req, "version", -1) != PROTO_VERSION) {
		ctl_drop(cl, "unsupported protocol version");
		return;
	}
	if (user != NULL && strcmp(user, cl->user) != 0) {
		/* "root" would inherit root's rights where no ACL exists. */
		if (!ctl_asserted(cl) || user[0] == '\0' ||
		    strlen(user) > 64 || strcmp(user, "root") == 0) {
			ctl_drop(cl, "not allowed to assert a user");
			return;
		}
		free(cl->user);
		cl->user = strdup(user);
		cl->asserted = true;
		ctl_free_groups(cl->groups);
		cl->groups = NULL;	/* named users have no Unix groups */
		if (cl->user == NULL) {
			ctl_drop(cl, "out of memory");
			return;
		}
	}
	cl->hello = true;
	log_msg(LOGL_DEBUG, "client %llu: uid %lu pid %ld is %s",
	    (unsigned long long)cl->id, (unsigned long)cl->uid,
	    (long)cl->pid, cl->user);
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int(PROTO_VERSION));
	json_object_object_add(o, "server",
	    json_object_new_string("ipmuxd " IPMUXD_VERSION));
	json_object_object_add(o, "user", json_object_new_string(cl->user));
	ctl_send_json(cl, PROTO_HELLO_OK, o);
}

static json_object *
ctl_console_json(struct console *c)
{
	json_object *o = json_object_new_object(), *a;
	struct ctl_client *cl;
	char host[300];
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "group", ctl_jstr(c->cfg->group));
	a = json_object_new_array();
	for (i = 0; i < c->cfg->ntags; i++)
		json_object_array_add(a, json_object_new_string(c->cfg->tags[i]));
	json_object_object_add(o, "tags", a);
	json_object_object_add(o, "state",
	    json_object_new_string(console_state_name(c->state)));
	json_object_object_add(o, "since", json_object_new_int64(c->since));
	json_object_object_add(o, "reason", json_object_new_string(c->reason));
	snprintf(host, sizeof(host), strchr(c->cfg->host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", c->cfg->host, (unsigned)c->cfg->port);
	json_object_object_add(o, "host", json_object_new_string(host));
	json_object_object_add(o, "session_id",
	    json_object_new_int64(c->session_id));
	json_object_object_add(o, "sessions", json_object_new_int64(
	    (int64_t)c->sessions));
	json_object_object_add(o, "reconnects", json_object_new_int64(
	    (int64_t)c->reconnects));
	json_object_object_add(o, "bytes_in", json_object_new_int64(
	    (int64_t)c->bytes_in));
	a = json_object_new_array();
	TAILQ_FOREACH(cl, &c->clients, clink) {
		json_object *u = json_object_new_object();

		json_object_object_add(u, "user",
		    json_object_new_string(cl->user));
		json_object_object_add(u, "mode",
		    json_object_new_string(ctl_mode(cl)));
		json_object_array_add(a, u);
	}
	json_object_object_add(o, "attached", a);
	return o;
}

static void
ctl_do_list(struct ctl_client *cl, json_object *req)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct console *c;

	TAILQ_FOREACH(c, &cl->ctl->d->consoles, link)
		if (ctl_perms(cl, c) & PERM_READ)
			json_object_array_add(a, ctl_console_json(c));
	json_object_object_add(o, "consoles", a);
	ctl_send_json(cl, PROTO_LIST_REPLY, o);
}

static void
ctl_do_attach(struct ctl_client *cl, json_object *req)
{
	const char *mode = ctl_jget_str(req, "mode"), *why;
	int64_t replay = ctl_jget_int(req, "replay", 0);
	struct console *c = ctl_console_arg(cl, req, PERM_READ);

	if (c == NULL)
		return;
	if (mode == NULL)
		mode = "rw";
	if (strcmp(mode, "ro") != 0 && !(ctl_perms(cl, c) & PERM_WRITE)) {
		ctl_error(cl, "permission denied (write)");
		return;
	}
	if (cl->con == c && !cl->follow) {
		/* Attached here already: a mode change, not a new arrival. */
		ctl_change_mode(cl, mode);
		if (replay > 0 && cl->con == c)
			ctl_replay(cl, c, (size_t)replay);
		return;
	}
	ctl_unattach(cl, false);
	cl->con = c;
	TAILQ_INSERT_TAIL(&c->clients, cl, clink);
	c->nclients++;
	if ((why = ctl_apply_mode(cl, mode)) != NULL) {
		ctl_unattach(cl, true);
		ctl_error(cl, why);
		return;
	}
	console_marker(c, "attach %s %s", cl->user, ctl_mode(cl));
	ctl_tell_others(cl, "attached", ctl_mode(cl));
	ctl_attach_ok(cl);
	if (replay > 0)
		ctl_replay(cl, c, (size_t)replay);
}

static void
ctl_change_mode(struct ctl_client *cl, const char *mode)
{
	const char *why, *before = ctl_mode(cl);

	if ((why = ctl_apply_mode(cl, mode)) != NULL) {
		ctl_error(cl, why);
		return;
	}
	if (strcmp(before, ctl_mode(cl)) != 0)
		ctl_tell_others(cl, "mode", ctl_mode(cl));
	ctl_attach_ok(cl);
}

static void
ctl_do_mode(struct ctl_client *cl, json_object *req)
{
	const char *mode = ctl_jget_str(req, "mode");

	if (cl->con == NULL || cl->follow) {
		ctl_error(cl, "not attached");
		return;
	}
	if (mode == NULL) {
		ctl_error(cl, "missing \"mode\"");
		return;
	}
	ctl_change_mode(cl, mode);
}

static void
ctl_do_detach(struct ctl_client *cl)
{
	json_object *o;

	if (cl->con == NULL) {
		ctl_error(cl, "not attached");
		return;
	}
	ctl_unattach(cl, false);
	o = json_object_new_object();
	json_object_object_add(o, "reason", json_object_new_string("detached"));
	ctl_send_json(cl, PROTO_DETACHED, o);
}

static void
ctl_do_input(struct ctl_client *cl, const struct proto_msg *m)
{
	const char *why = NULL;

	if (cl->con == NULL || cl->con->writer != cl) {
		ctl_error(cl, "not the writer: input discarded");
		return;
	}
	if (m->len > 0 && console_input(cl->con, m->payload, m->len,
	    &why) == 0)
		ctl_error(cl, why);
}

static void
ctl_do_break(struct ctl_client *cl)
{
	const char *why = NULL;

	if (cl->con == NULL || cl->con->writer != cl) {
		ctl_error(cl, "not the writer: no break sent");
		return;
	}
	if (console_break(cl->con, &why) != 0) {
		ctl_error(cl, why);
		return;
	}
	console_marker(cl->con, "break by %s", cl->user);
}

static void
ctl_do_replay(struct ctl_client *cl, json_object *req)
{
	int64_t n = ctl_jget_int(req, "bytes", 0);

	if (cl->con == NULL) {
		ctl_error(cl, "not attached");
		return;
	}
	if (n > 0)
		ctl_replay(cl, cl->con, (size_t)n);
}

/* tail: scrollback, then either the end (PROTO_DETACHED "end") or, with
 * follow, a silent read-only attachment. */
static void
ctl_do_tail(struct ctl_client *cl, json_object *req)
{
	int64_t n = ctl_jget_int(req, "bytes", CTL_TAIL_DEFAULT);
	struct console *c = ctl_console_arg(cl, req, PERM_READ);
	json_object *o;

	if (c == NULL)
		return;
	if (ctl_jget_bool(req, "follow")) {
		ctl_unattach(cl, false);
		cl->con = c;
		cl->follow = true;
		TAILQ_INSERT_TAIL(&c->clients, cl, clink);
		c->nclients++;
		ctl_attach_ok(cl);
	}
	if (n > 0)
		ctl_replay(cl, c, (size_t)n);
	if (!cl->follow) {
		o = json_object_new_object();
		json_object_object_add(o, "reason", json_object_new_string("end"));
		ctl_send_json(cl, PROTO_DETACHED, o);
	}
}

static void
ctl_do_status(struct ctl_client *cl)
{
	struct ipmuxd *d = cl->ctl->d;
	json_object *o = json_object_new_object(), *bs = json_object_new_object();
	size_t counts[CON_NSTATES] = { 0 }, n = 0, i;
	struct console *c;

	TAILQ_FOREACH(c, &d->consoles, link) {
		if (!(ctl_perms(cl, c) & PERM_READ))
			continue;
		counts[c->state]++;
		n++;
	}
	for (i = 0; i < CON_NSTATES; i++)
		json_object_object_add(bs, console_state_name((enum con_state)i),
		    json_object_new_int64((int64_t)counts[i]));
	json_object_object_add(o, "version",
	    json_object_new_string(IPMUXD_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "uptime",
	    json_object_new_int64(time(NULL) - d->started));
	json_object_object_add(o, "consoles", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "by_state", bs);
	json_object_object_add(o, "logdir", json_object_new_string(d->logdir));
	json_object_object_add(o, "config", json_object_new_string(d->cfg_path));
	json_object_object_add(o, "clients",
	    json_object_new_int64((int64_t)ctl_nclients(d->ctl)));
	json_object_object_add(o, "handshakes",
	    json_object_new_int64(d->gate.inflight));
	json_object_object_add(o, "handshakes_waiting",
	    json_object_new_int64((int64_t)d->gate.nqueued));
	ctl_send_json(cl, PROTO_STATUS_REPLY, o);
}

static void
ctl_do_reload(struct ctl_client *cl)
{
	unsigned counts[4] = { 0 };
	json_object *o;
	char err[512] = "";
	int rc;

	if (!(ctl_perms(cl, NULL) & PERM_ADMIN)) {
		ctl_error(cl, "permission denied (admin)");
		return;
	}
	log_msg(LOGL_INFO, "reload requested by %s", cl->user);
	rc = ipmuxd_reload(cl->ctl->d, err, sizeof(err), counts);
	if (cl->closing)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(rc == 0));
	json_object_object_add(o, "error", rc == 0 ? NULL :
	    json_object_new_string(err));
	json_object_object_add(o, "added", json_object_new_int(counts[0]));
	json_object_object_add(o, "removed", json_object_new_int(counts[1]));
	json_object_object_add(o, "changed", json_object_new_int(counts[2]));
	json_object_object_add(o, "unchanged", json_object_new_int(counts[3]));
	ctl_send_json(cl, PROTO_RELOAD_REPLY, o);
}

static void
ctl_do_metrics(struct ctl_client *cl)
{
	struct evbuffer *b = evbuffer_new();
	size_t len;

	if (b == NULL) {
		ctl_error(cl, "out of memory");
		return;
	}
	metrics_format(cl->ctl->d, b);
	len = evbuffer_get_length(b);
	ctl_send(cl, PROTO_METRICS_REPLY, evbuffer_pullup(b, -1), len);
	evbuffer_free(b);
}

/* Management over the console's session: health.c runs the jobs and
 * builds the replies; here the console, its visibility and the sending. */

static void
ctl_do_mgmt(struct ctl_client *cl, json_object *req)
{
	const char *name = ctl_jget_str(req, "console");
	const char *op = ctl_jget_str(req, "op");
	struct console *c;
	json_object *o;
	const char *why = NULL;

	if (name == NULL || op == NULL)
		why = "missing \"console\" or \"op\"";
	else if ((c = ipmuxd_console(cl->ctl->d, name)) == NULL ||
	    !(ctl_perms(cl, c) & PERM_READ))
		why = "no such console";	/* do not leak names */
	if (why != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "console", ctl_jstr(name));
		json_object_object_add(o, "op", ctl_jstr(op));
		json_object_object_add(o, "ok", json_object_new_boolean(false));
		json_object_object_add(o, "error", json_object_new_string(why));
		ctl_send_json(cl, PROTO_MGMT_REPLY, o);
		return;
	}
	health_request(c, cl->id, cl->user, ctl_perms(cl, c), req);
}

static struct ctl_client *
ctl_client_by_id(struct ctl *ctl, uint64_t id)
{
	struct ctl_client *cl;

	TAILQ_FOREACH(cl, &ctl->clients, link)
		if (cl->id == id)
			return cl->closing ? NULL : cl;
	return NULL;
}

void
ctl_mgmt_send(struct ipmuxd *d, uint64_t client, json_object *reply)
{
	struct ctl_client *cl;

	if (d->ctl == NULL || (cl = ctl_client_by_id(d->ctl, client)) == NULL) {
		json_object_put(reply);	/* the client went away */
		return;
	}
	ctl_send_json(cl, PROTO_MGMT_REPLY, reply);
}

void
ctl_sel_event(struct console *c, json_object *ev, uint64_t *ids, size_t *nids)
{
	const char *s = json_object_to_json_string_ext(ev,
	    JSON_C_TO_STRING_PLAIN);
	struct ctl *ctl = c->d->ctl;
	struct ctl_client *cl;
	size_t i, k = 0;

	TAILQ_FOREACH(cl, &c->clients, clink)
		ctl_send(cl, PROTO_EVENT, s, strlen(s));
	/* Followers: once each, unless attached here already; the gone
	 * ones leave the list. */
	for (i = 0; i < *nids; i++) {
		cl = ctl != NULL ? ctl_client_by_id(ctl, ids[i]) : NULL;
		if (cl == NULL)
			continue;
		ids[k++] = ids[i];
		if (cl->con != c)
			ctl_send(cl, PROTO_EVENT, s, strlen(s));
	}
	*nids = k;
	json_object_put(ev);
}

/* A JSON request's payload: one object ({} when empty), or NULL. */
static json_object *
ctl_parse_json(const struct proto_msg *m)
{
	json_tokener *tok;
	json_object *o;

	if (m->len == 0)
		return json_object_new_object();
	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)m->payload, (int)m->len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void
ctl_dispatch_json(struct ctl_client *cl, uint16_t type, json_object *req)
{
	switch (type) {
	case PROTO_HELLO:
		ctl_do_hello(cl, req);
		break;
	case PROTO_LIST:
		ctl_do_list(cl, req);
		break;
	case PROTO_ATTACH:
		ctl_do_attach(cl, req);
		break;
	case PROTO_MODE:
		ctl_do_mode(cl, req);
		break;
	case PROTO_DETACH:
		ctl_do_detach(cl);
		break;
	case PROTO_BREAK:
		ctl_do_break(cl);
		break;
	case PROTO_REPLAY:
		ctl_do_replay(cl, req);
		break;
	case PROTO_TAIL:
		ctl_do_tail(cl, req);
		break;
	case PROTO_STATUS:
		ctl_do_status(cl);
		break;
	case PROTO_RELOAD:
		ctl_do_reload(cl);
		break;
	case PROTO_METRICS:
		ctl_do_metrics(cl);
		break;
	case PROTO_MGMT:
		ctl_do_mgmt(cl, req);
		break;
	default:
		ctl_drop(cl, "unexpected message type");
		break;
	}
}

static void
ctl_dispatch(struct ctl_client *cl, const struct proto_msg *m)
{
	json_object *req;

	if (!cl->hello && m->type != PROTO_HELLO) {
		ctl_drop(cl, "expected HELLO");
		return;
	}
	switch (m->type) {
	case PROTO_INPUT:
		ctl_do_input(cl, m);
		return;
	case PROTO_HELLO: case PROTO_LIST: case PROTO_ATTACH:
	case PROTO_BREAK: case PROTO_DETACH: case PROTO_MODE:
	case PROTO_REPLAY: case PROTO_TAIL: case PROTO_STATUS:
	case PROTO_RELOAD: case PROTO_METRICS: case PROTO_MGMT:
		break;
	default:	/* a daemon-to-client type */
		ctl_drop(cl, "unexpected message type");
		return;
	}
	if ((req = ctl_parse_json(m)) == NULL) {
		ctl_drop(cl, "malformed JSON payload");
		return;
	}
	ctl_dispatch_json(cl, m->type, req);
	json_object_put(req);
}

static void
ctl_on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct proto_msg m;
	const uint8_t *p;
	const char *why;
	size_t need;
	long r;

	if (cl->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (!cl->closing && !cl->read_paused &&
	    evbuffer_get_length(in) >= PROTO_HDR_LEN) {
		/* Judge the header first, then wait for the payload. */
		p = evbuffer_pullup(in, PROTO_HDR_LEN);
		r = proto_parse(p, PROTO_HDR_LEN, &m, &why);
		if (r == PROTO_BAD) {
			ctl_drop(cl, why != NULL ? why : "bad message");
			return;
		}
		need = PROTO_HDR_LEN + ((size_t)p[0] | (size_t)p[1] << 8 |
		    (size_t)p[2] << 16 | (size_t)p[3] << 24);
		if (evbuffer_get_length(in) < need)
			return;
		p = evbuffer_pullup(in, (ssize_t)need);
		r = proto_parse(p, need, &m, &why);
		if (r <= 0) {
			ctl_drop(cl, why != NULL ? why : "bad message");
			return;
		}
		ctl_dispatch(cl, &m);
		evbuffer_drain(in, (size_t)r);
	}
}

/* Output drained below the low mark: catch a lagging client up, resume
 * reading, or finish closing. */
static void
ctl_on_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client *cl = arg;
	size_t len = evbuffer_get_length(bufferevent_get_output(bev));

	if (cl->closing) {
		if (len == 0)
			shutdown(bufferevent_getfd(bev), SHUT_WR);
		if (cl->ev_linger == NULL)
			ctl_client_free(cl);	/* no timer: do not linger */
		return;
	}
	if (cl->lagging && len <= ctl_client_cap(cl) / 2)
		ctl_catch_up(cl);
	if (cl->read_paused && len <= ctl_client_cap(cl) / 2) {
		cl->read_paused = false;
		bufferevent_enable(bev, EV_READ);
		ctl_on_read(bev, cl);	/* requests may be waiting */
	}
}

static void
ctl_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client *cl = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		ctl_client_free(cl);
}

static void
ctl_client_free(struct ctl_client *cl)
{
	struct ctl *ctl = cl->ctl;

	ctl_unattach(cl, false);
	if (cl->ev_linger != NULL)
		event_free(cl->ev_linger);
	TAILQ_REMOVE(&ctl->clients, cl, link);
	ctl->nclients--;
	bufferevent_free(cl->bev);
	free(cl->user);
	ctl_free_groups(cl->groups);
	free(cl);
}

static void
ctl_on_accept(struct evconnlistener *lis, evutil_socket_t fd,
	      struct sockaddr *sa, int salen, void *arg)
{
	struct ctl *ctl = arg;
	struct ctl_client *cl;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	gid_t gid;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    (cl = calloc(1, sizeof(*cl))) == NULL) {
		close(fd);
		return;
	}
	cl->ctl = ctl;
	cl->id = ++ctl->next_id;
	cl->uid = uc.uid;
	cl->pid = uc.pid;
	/* NSS may block here (LDAP...): once per connection. */
	cl->user = ctl_user_name(uc.uid, &gid);
	cl->groups = cl->user != NULL ? ctl_user_groups(cl->user, gid) : NULL;
	cl->bev = bufferevent_socket_new(ctl->d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (cl->user == NULL || cl->bev == NULL) {
		if (cl->bev != NULL)
			bufferevent_free(cl->bev);
		else
			close(fd);
		free(cl->user);
		ctl_free_groups(cl->groups);
		free(cl);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->clients, cl, link);
	ctl->nclients++;
	ctl->d->clients_total++;
	bufferevent_setcb(cl->bev, ctl_on_read, ctl_on_write, ctl_on_event, cl);
	bufferevent_setwatermark(cl->bev, EV_WRITE, ctl_client_cap(cl) / 2, 0);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

static void
ctl_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *ctl = arg;

	evconnlistener_enable(ctl->lis);
}

/* Out of descriptors: pause accepting for a second instead of spinning. */
static void
ctl_on_accept_error(struct evconnlistener *lis, void *arg)
{
	struct ctl *ctl = arg;
	struct timeval tv = { 1, 0 };

	log_msg(LOGL_WARN, "accept: %s", strerror(errno));
	evconnlistener_disable(lis);
	evtimer_add(ctl->ev_resume, &tv);
}

/* Is something listening on path? Then a daemon runs there. */
static int
ctl_probe(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another ipmuxd is listening",
		    sun->sun_path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	log_msg(LOGL_INFO, "removing stale socket %s", sun->sun_path);
	return unlink(sun->sun_path) == 0 || errno == ENOENT ? 0 : -1;
}

static int
ctl_listen(const char *path, const char *group, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct group gr, *res = NULL;
	char buf[4096];
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	err[0] = '\0';
	if (ctl_probe(&sun, err, errlen) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0117);	/* never a moment with wider access */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (group != NULL && (getgrnam_r(group, &gr, buf, sizeof(buf),
	    &res) != 0 || res == NULL || chown(path, (uid_t)-1,
	    gr.gr_gid) != 0)) {
		snprintf(err, errlen, "%s: cannot give it to group %s%s%s",
		    path, group, res == NULL ? "" : ": ",
		    res == NULL ? "" : strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) != 0 || listen(fd, CTL_BACKLOG) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

struct ctl *
ctl_new(struct ipmuxd *d, const char *path, const char *group, char *err,
	size_t errlen)
{
	struct ctl *ctl;
	int fd;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ctl);
		return NULL;
	}
	ctl->d = d;
	TAILQ_INIT(&ctl->clients);
	if ((fd = ctl_listen(path, group, err, errlen)) < 0) {
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	ctl->ev_resume = evtimer_new(d->base, ctl_on_resume, ctl);
	ctl->lis = evconnlistener_new(d->base, ctl_on_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->lis == NULL || ctl->ev_resume == NULL) {
		snprintf(err, errlen, "cannot listen on %s", path);
		if (ctl->lis == NULL)
			close(fd);
		ctl_free(ctl);
		return NULL;
	}
	evconnlistener_set_error_cb(ctl->lis, ctl_on_accept_error);
	return ctl;
}

void
ctl_free(struct ctl *ctl)
{
	struct ctl_client *cl;
	struct evbuffer *out;

	if (ctl == NULL)
		return;
	while ((cl = TAILQ_FIRST(&ctl->clients)) != NULL) {
		/* One non-blocking try to hand over what is queued. */
		out = bufferevent_get_output(cl->bev);
		if (evbuffer_get_length(out) > 0)
			evbuffer_write(out, bufferevent_getfd(cl->bev));
		ctl_client_free(cl);
	}
	if (ctl->lis != NULL) {
		evconnlistener_free(ctl->lis);
		unlink(ctl->path);
	}
	if (ctl->ev_resume != NULL)
		event_free(ctl->ev_resume);
	free(ctl->path);
	free(ctl);
}
