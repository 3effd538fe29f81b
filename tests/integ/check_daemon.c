/* check_daemon.c — acceptance tests for ipmuxd against real ipmi_sim BMCs: fleet, dead peers, reload, clients, logs, bad input. */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "tests/checkmain.h"
#include "harness_fleet.h"
#include "proto.h"

/*
 * Every test builds its own fleet (ipmi_sim + hostsim per console) and
 * ipmuxd; see harness_fleet.h. CK_RUN_CASE=NAME runs one tcase;
 * IPMUX_KEEP_TMP=1 keeps every temp dir (config, logs, daemon stderr).
 */

/* Reconnect timing small enough for the dead-peer and backoff tests. */
#define FAST_GLOBALS \
	"  dead_time = 6000;\n  keepalive = 2000;\n" \
	"  backoff_min = 500;\n  backoff_max = 3000;\n" \
	"  backoff_reset = 10000;\n"
#define DEAD_MS 6000
#define BACKOFF_MAX_MS 3000
#define ACTIVE_MS 15000		/* fleet start-up bound from the issue */
#define MARK_UP "session up"
#define MARK_LOST "session lost"

static struct fleet *f;

static void
setup(void)
{
	f = NULL;
}

static void
teardown(void)
{
	fleet_free(f);
	f = NULL;
}

#define REQUIRE_ALL()                                                     \
	do {                                                              \
		if (harness_skip_without_ipmisim() ||                     \
		    fleet_skip_without_daemon())                          \
			return;                                           \
	} while (0)

static void
start_fleet(const char *name, int n, const char *const *hs, const char *glob)
{
	f = fleet_new(name);
	if (n > 0)
		ck_assert_msg(fleet_add_nodes(f, n, hs) == 0,
		    "could not start %d ipmi_sim + hostsim nodes", n);
	fleet_set_global(f, glob);
	ck_assert_msg(fleet_write_config(f) == 0, "writing the config: %s",
	    strerror(errno));
}

static void
start_daemon(void)
{
	ck_assert_msg(fleet_start_daemon(f) == 0, "ipmuxd did not start: %s",
	    harness_proc_err(fleet_daemon(f)));
}

static void
assert_daemon_alive(const char *when)
{
	ck_assert_msg(fleet_daemon_running(f), "ipmuxd died %s (exit %d); "
	    "stderr: %s", when, harness_proc_wait(fleet_daemon(f), 0),
	    harness_proc_err(fleet_daemon(f)));
}

/* Wait for a set of consoles (NULL: all) to reach state. */
static void
wait_states(const int *idx, int n, const char *state, int timeout_ms,
    const char *what)
{
	const char *why;
	int64_t t0 = harness_now_ms();

	if (!fleet_wait_states(f, idx, n, state, false, timeout_ms, &why)) {
		assert_daemon_alive(what);
		ck_abort_msg("%s: not %s within %d ms: %s", what, state,
		    timeout_ms, why);
	}
	fprintf(stderr, "%s: %s after %lld ms\n", what, state,
	    (long long)(harness_now_ms() - t0));
}

static int
count_in_file(const char *path, const char *needle)
{
	return harness_file_count(path, needle);
}

/* A string or number member, as JSON text, to compare across lists. */
static char *
entry_json(json_object *e, const char *key)
{
	json_object *v;

	if (e == NULL || !json_object_object_get_ex(e, key, &v))
		return strdup("(absent)");
	return strdup(json_object_to_json_string(v));
}

/* What identifies a console's session in a list entry: the BMC session
 * id (when the daemon exposes it) and the state's start time. */
static char *
session_key(json_object *e)
{
	char *id = entry_json(e, "session_id"), *since = entry_json(e, "since");
	char *key;

	if (asprintf(&key, "session_id %s since %s", id, since) < 0)
		key = NULL;
	ck_assert(key != NULL);
	free(id);
	free(since);
	return key;
}

/* ---- helpers for hostsim output in logs ---- */

struct log_catchup {
	const char *log;
	const char *sent;
};

/* The log holds (at least) as many host bytes after its first session as
 * hostsim sent. */
static bool
cond_log_caught_up(void *arg)
{
	struct log_catchup *c = arg;
	size_t got;
	unsigned char *d = fleet_log_host_bytes(c->log, NULL, &got);
	size_t want = harness_file_size(c->sent);

	free(d);
	return d != NULL && want > 0 && got >= want;
}

/* The log's host bytes (markers removed) must equal hostsim's --sent. */
static void
assert_log_matches_sent(int i, int timeout_ms)
{
	struct log_catchup c = { fleet_log_path(f, i),
	    harness_sent_file(fleet_node(f, i)) };
	unsigned char *got, *want;
	size_t got_len, want_len;
	const char *why;

	(void)fleet_wait(f, cond_log_caught_up, &c, timeout_ms);
	got = fleet_log_host_bytes(c.log, NULL, &got_len);
	want = harness_read_file(c.sent, &want_len);
	ck_assert_msg(got != NULL, "%s: no log %s", fleet_node_name(f, i),
	    c.log);
	ck_assert_msg(want != NULL && want_len > 0, "%s: hostsim sent nothing",
	    fleet_node_name(f, i));
	if (!fleet_same(got, got_len, want, want_len, &why))
		ck_abort_msg("%s: log %s vs hostsim --sent: %s",
		    fleet_node_name(f, i), c.log, why);
	free(got);
	free(want);
}

static void
node_cmd(int i, const char *cmd)
{
	ck_assert_msg(fleet_node_cmd(f, i, cmd), "%s: hostsim `%s` failed",
	    fleet_node_name(f, i), cmd);
}

/* ================================================================ */

/* 1. 50 BMCs: all active within 15 s; every log byte-exact. */
START_TEST(test_fleet_50)
{
	static const char *const numbered[] = { "--mode", "numbered",
	    "--count", "150", "--rate", "300", NULL };
	static const char *const bootlog[] = { "--mode", "bootlog",
	    "--line-delay-ms", "2", NULL };
	const int n = 50;
	int i;

	REQUIRE_ALL();
	f = fleet_new("daemon-fleet");
	for (i = 0; i < n; i++)
		ck_assert_msg(fleet_add_nodes(f, 1, i % 2 ? numbered : bootlog)
		    == i, "node %d did not start", i);
	ck_assert(fleet_write_config(f) == 0);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "50 consoles");
	for (i = 0; i < n; i++) {
		ck_assert_msg(count_in_file(fleet_log_path(f, i), MARK_UP) == 1,
		    "%s: want one \"%s\" marker in %s, found %d",
		    fleet_node_name(f, i), MARK_UP, fleet_log_path(f, i),
		    count_in_file(fleet_log_path(f, i), MARK_UP));
		node_cmd(i, "start");
	}
	for (i = 0; i < n; i++) {
		const char *ev = harness_events_file(fleet_node(f, i));

		ck_assert_msg(harness_wait_file_has(ev, i % 2 ?
		    "numbered-done" : "boot-done", 20000),
		    "%s: hostsim did not finish its output",
		    fleet_node_name(f, i));
	}
	for (i = 0; i < n; i++)
		assert_log_matches_sent(i, 10000);
	assert_daemon_alive("after the fleet test");
}
END_TEST

/* ---- 2. dead BMCs ---- */

struct split_watch {
	const int *dead;	/* indexes expected to leave (or be in) want */
	int ndead;
	const char *want;	/* state the dead ones must reach */
	bool want_not;		/* ...or leave */
	int64_t last;
	char broke[1024];	/* a live console that left active */
	char dead_why[1024];
};

static bool
in_set(const int *set, int n, int i)
{
	int k;

	for (k = 0; k < n; k++)
		if (set[k] == i)
			return true;
	return false;
}

/* Every console outside dead stays active all along; the dead ones reach
 * (or leave) want, with a reason when they are not active. */
static bool
cond_split(void *arg)
{
	struct split_watch *w = arg;
	json_object *list;
	int i, done = 0;

	if (harness_now_ms() - w->last < 200)
		return false;
	w->last = harness_now_ms();
	if ((list = fleet_list(f)) == NULL)
		return false;
	w->dead_why[0] = '\0';
	for (i = 0; i < fleet_nnodes(f); i++) {
		json_object *e = fleet_list_find(list, fleet_node_name(f, i));
		const char *st = e != NULL ? fleet_entry_str(e, "state") :
		    "absent";
		const char *reason = fleet_entry_str(e, "reason");
		bool is = strcmp(st, w->want) == 0;
		size_t dl = strlen(w->dead_why);

		if (!in_set(w->dead, w->ndead, i)) {
			if (strcmp(st, "active") != 0 && w->broke[0] == '\0')
				snprintf(w->broke, sizeof(w->broke),
				    "%s=%s(%s)", fleet_node_name(f, i), st,
				    reason);
			continue;
		}
		if (is != w->want_not &&
		    (strcmp(st, "active") == 0 || *reason != '\0')) {
			done++;
			continue;
		}
		snprintf(w->dead_why + dl, sizeof(w->dead_why) - dl,
		    " %s=%s(%s)", fleet_node_name(f, i), st, reason);
	}
	json_object_put(list);
	return w->broke[0] != '\0' || done == w->ndead;
}

START_TEST(test_kill_restart)
{
	static const int dead[] = { 3, 14, 25, 36, 47 };
	const int nd = 5;
	struct split_watch w;
	int64_t t0;
	int k, i;

	REQUIRE_ALL();
	start_fleet("daemon-kill", 50, NULL, FAST_GLOBALS);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "50 consoles");
	for (k = 0; k < nd; k++)
		harness_stop_bmc(fleet_node(f, dead[k]), SIGKILL);
	t0 = harness_now_ms();
	memset(&w, 0, sizeof(w));
	w = (struct split_watch){ dead, nd, "active", true, 0, "", "" };
	/* dead-peer bound + a keepalive period + slack for list polling */
	if (!fleet_wait(f, cond_split, &w, DEAD_MS + 2000 + 2000))
		ck_abort_msg("killed BMCs still look active %lld ms after "
		    "SIGKILL (dead_time %d):%s", (long long)(harness_now_ms() -
		    t0), DEAD_MS, w.dead_why);
	ck_assert_msg(w.broke[0] == '\0', "a console whose BMC lives left "
	    "active: %s", w.broke);
	fprintf(stderr, "killed consoles left active after %lld ms\n",
	    (long long)(harness_now_ms() - t0));
	for (k = 0; k < nd; k++)
		ck_assert_msg(harness_start_bmc(fleet_node(f, dead[k])) == 0,
		    "could not restart ipmi_sim for %s",
		    fleet_node_name(f, dead[k]));
	t0 = harness_now_ms();
	w = (struct split_watch){ dead, nd, "active", false, 0, "", "" };
	/* one backoff_max plus a handshake with a retransmit or two */
	if (!fleet_wait(f, cond_split, &w, BACKOFF_MAX_MS + 6000))
		ck_abort_msg("restarted BMCs not active within %d ms:%s",
		    BACKOFF_MAX_MS + 6000, w.dead_why);
	ck_assert_msg(w.broke[0] == '\0', "a console whose BMC lives left "
	    "active: %s", w.broke);
	fprintf(stderr, "restarted consoles active after %lld ms\n",
	    (long long)(harness_now_ms() - t0));
	for (i = 0; i < fleet_nnodes(f); i++) {
		const char *log = fleet_log_path(f, i);
		bool was_dead = in_set(dead, nd, i);

		ck_assert_msg(was_dead ? count_in_file(log, MARK_LOST) >= 1 :
		    count_in_file(log, MARK_LOST) == 0,
		    "%s: %d \"%s\" markers, want %s", fleet_node_name(f, i),
		    count_in_file(log, MARK_LOST), MARK_LOST,
		    was_dead ? "at least 1" : "none");
		ck_assert_msg(count_in_file(log, MARK_UP) == (was_dead ? 2 : 1),
		    "%s: %d \"%s\" markers, want %d", fleet_node_name(f, i),
		    count_in_file(log, MARK_UP), MARK_UP, was_dead ? 2 : 1);
	}
	assert_daemon_alive("after the kill test");
}
END_TEST

/* ---- 3. reload ---- */

struct keep_watch {
	const int *keep;
	int nkeep;
	char **since;
	int64_t last;
	char broke[1024];
};

static bool
cond_keep(void *arg)
{
	struct keep_watch *w = arg;
	json_object *list;
	int k;

	if (harness_now_ms() - w->last < 300)
		return w->broke[0] != '\0';
	w->last = harness_now_ms();
	if ((list = fleet_list(f)) == NULL)
		return false;
	for (k = 0; k < w->nkeep && w->broke[0] == '\0'; k++) {
		json_object *e = fleet_list_find(list, fleet_node_name(f,
		    w->keep[k]));
		char *since = session_key(e);

		if (strcmp(fleet_entry_str(e, "state"), "active") != 0 ||
		    strcmp(since, w->since[k]) != 0)
			snprintf(w->broke, sizeof(w->broke), "%s: state %s, "
			    "%s (was active, %s)",
			    fleet_node_name(f, w->keep[k]),
			    fleet_entry_str(e, "state"), since, w->since[k]);
		free(since);
	}
	json_object_put(list);
	return w->broke[0] != '\0';
}

/* Wait for a state while checking the untouched consoles. */
static void
wait_states_keeping(struct keep_watch *kw, const int *idx, int n,
    const char *state, int timeout_ms, const char *what)
{
	int64_t deadline = harness_now_ms() + timeout_ms;
	const char *why = "";

	for (;;) {
		bool ok = fleet_wait_states(f, idx, n, state, false, 300, &why);

		(void)cond_keep(kw);
		ck_assert_msg(kw->broke[0] == '\0', "an untouched console was "
		    "disturbed by the reload: %s", kw->broke);
		if (ok)
			return;
		if (harness_now_ms() > deadline)
			ck_abort_msg("%s: not %s within %d ms: %s", what, state,
			    timeout_ms, why);
	}
}

struct sol_idle {
	int i;
	int64_t last;
	int answer;
};

static bool
cond_sol_idle(void *arg)
{
	struct sol_idle *s = arg;

	if (harness_now_ms() - s->last < 400)
		return false;
	s->last = harness_now_ms();
	s->answer = fleet_node_sol_active(f, s->i);
	return s->answer == 0;
}

START_TEST(test_reload)
{
	static const char *const hs[] = { "--mode", "numbered", "--rate",
	    "40", NULL };
	int removed[5], changed[5], added[5], keep[10], first20[20];
	char *since[10];
	int markers[10];
	struct keep_watch kw;
	const char *out, *err;
	static const char *const reload[] = { "reload", NULL };
	json_object *list;
	int i, k, rc;

	REQUIRE_ALL();
	for (k = 0; k < 5; k++) {
		removed[k] = k;
		changed[k] = 5 + k;
		added[k] = 20 + k;
	}
	for (k = 0; k < 10; k++)
		keep[k] = 10 + k;
	for (k = 0; k < 20; k++)
		first20[k] = k;
	f = fleet_new("daemon-reload");
	ck_assert(fleet_add_nodes(f, 25, hs) == 0);
	fleet_set_global(f, FAST_GLOBALS);
	for (k = 0; k < 5; k++)
		fleet_node_set_listed(f, added[k], false);
	ck_assert(fleet_write_config(f) == 0);
	start_daemon();
	wait_states(first20, 20, "active", ACTIVE_MS, "20 consoles");
	wait_states(added, 5, "absent", 0, "not yet configured");
	/* numbered streams on the untouched consoles, running across it */
	for (k = 0; k < 10; k++)
		node_cmd(keep[k], "start");
	for (k = 0; k < 10; k++)
		ck_assert_msg(harness_wait_file_has(fleet_log_path(f, keep[k]),
		    "00000005 ", 10000), "%s: numbered lines are not reaching "
		    "the log", fleet_node_name(f, keep[k]));
	ck_assert((list = fleet_list(f)) != NULL);
	for (k = 0; k < 10; k++) {
		since[k] = session_key(fleet_list_find(list,
		    fleet_node_name(f, keep[k])));
		markers[k] = count_in_file(fleet_log_path(f, keep[k]),
		    "[ipmux ");
	}
	json_object_put(list);
	kw = (struct keep_watch){ keep, 10, since, 0, "" };

	for (k = 0; k < 5; k++) {
		fleet_node_set_listed(f, removed[k], false);
		fleet_node_set_listed(f, added[k], true);
		fleet_node_set_profile(f, changed[k], FLEET_PROFILE_OPER);
	}
	ck_assert(fleet_write_config(f) == 0);
	rc = fleet_cli(f, 10000, &out, &err, reload);
	ck_assert_msg(rc == 0, "ipmux reload: exit %d; stdout: %s; stderr: %s",
	    rc, out, err);
	fprintf(stderr, "ipmux reload said: %s%s\n", out, err);

	wait_states_keeping(&kw, removed, 5, "absent|stopped", 10000,
	    "removed consoles");
	wait_states_keeping(&kw, added, 5, "active", ACTIVE_MS,
	    "added consoles");
	for (k = 0; k < 5; k++) {
		const char *log = fleet_log_path(f, changed[k]);

		/* restarted: a second session with the operator profile */
		wait_states_keeping(&kw, &changed[k], 1, "active", ACTIVE_MS,
		    "changed console");
		ck_assert_msg(count_in_file(log, MARK_UP) == 2, "%s: changed "
		    "but %d \"%s\" markers (want 2: it must restart)",
		    fleet_node_name(f, changed[k]), count_in_file(log, MARK_UP),
		    MARK_UP);
	}
	/* removed consoles closed their BMC sessions: SOL is free again */
	for (k = 0; k < 5; k++) {
		struct sol_idle s = { removed[k], 0, -1 };

		if (!fleet_wait(f, cond_sol_idle, &s, 8000))
			ck_abort_msg("%s was removed but its BMC still has SOL "
			    "active (payload status %d)",
			    fleet_node_name(f, removed[k]), s.answer);
	}
	/* keep streaming a little past the reload, then compare */
	fleet_pump(f, 1000);
	(void)cond_keep(&kw);
	kw.last = 0;
	(void)cond_keep(&kw);
	ck_assert_msg(kw.broke[0] == '\0', "untouched console disturbed: %s",
	    kw.broke);
	for (k = 0; k < 10; k++)
		node_cmd(keep[k], "stop");
	for (k = 0; k < 10; k++) {
		i = keep[k];
		assert_log_matches_sent(i, 10000);
		ck_assert_msg(count_in_file(fleet_log_path(f, i), "[ipmux ") ==
		    markers[k], "%s: untouched, but the reload added markers "
		    "(%d before, %d after)", fleet_node_name(f, i), markers[k],
		    count_in_file(fleet_log_path(f, i), "[ipmux "));
		free(since[k]);
	}
	assert_daemon_alive("after reload");
}
END_TEST

/* ---- 4. clients ---- */

static struct fleet_client *
attach(const char *console, const char *mode, const char **mode_out)
{
	struct fleet_client *c = fleet_client_hello(f);
	const struct fleet_msg *m;
	char req[256];
	json_object *j, *v;

	ck_assert_msg(c != NULL, "control socket: no HELLO_OK");
	snprintf(req, sizeof(req), "{\"console\":\"%s\",\"mode\":\"%s\"}",
	    console, mode);
	ck_assert(fleet_client_send_json(c, PROTO_ATTACH, req));
	m = fleet_client_wait_type(c, PROTO_ATTACH_OK, 5000);
	ck_assert_msg(m != NULL, "attach %s %s: no ATTACH_OK; events/errors: "
	    "%s", console, mode, fleet_client_events(c));
	j = json_tokener_parse((const char *)m->payload);
	ck_assert_msg(j != NULL && json_object_object_get_ex(j, "mode", &v),
	    "ATTACH_OK without a mode: %s", m->payload);
	if (mode_out != NULL) {
		const char *got = json_object_get_string(v);

		*mode_out = strcmp(got, "rw") == 0 ? "rw" :
		    strcmp(got, "ro") == 0 ? "ro" : "?";
	}
	json_object_put(j);
	return c;
}

static void
input(struct fleet_client *c, const char *text)
{
	ck_assert(fleet_client_send(c, PROTO_INPUT, text, strlen(text)));
}

START_TEST(test_attach_clients)
{
	/* echoes typed input; on `start`, 50000 numbered lines (4 MB) */
	static const char *const hs[] = { "--mode", "numbered", "--rate",
	    "25000", "--count", "50000", NULL };
	struct fleet_client *a, *b, *c, *d;
	const char *mode, *rec, *log, *why;
	const unsigned char *bd;
	unsigned char *sent;
	size_t b0, c0, blen, slen, log0;
	const size_t burst = 50000 * 80;

	REQUIRE_ALL();
	/* big enough that a reading client never lags, far below the
	 * stream, so the one that does not read must */
	start_fleet("daemon-attach", 1, hs, "  client_buffer = 1048576;\n");
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "console");
	rec = harness_record_file(fleet_node(f, 0));
	log = fleet_log_path(f, 0);

	a = attach("n00", "rw", &mode);
	ck_assert_msg(strcmp(mode, "rw") == 0, "first rw attach got %s", mode);
	b = attach("n00", "ro", &mode);
	ck_assert_msg(strcmp(mode, "ro") == 0, "spy attach got %s", mode);

	/* the writer's keys reach the host; the spy sees the echo */
	input(a, "writer-keys-1\r");
	ck_assert_msg(fleet_wait_file_has(f, rec, "writer-keys-1", 10000),
	    "writer's input never reached the host");
	ck_assert_msg(fleet_client_wait_data(b, "writer-keys-1", 10000),
	    "the spy did not see the echo");
	ck_assert(fleet_client_wait_data(a, "writer-keys-1", 5000));

	/* the spy's keys are refused and never reach the host */
	input(b, "spy-keys-2\r");
	ck_assert_msg(fleet_client_wait_type(b, PROTO_ERROR, 5000) != NULL,
	    "spy input: no PROTO_ERROR (events: %s)", fleet_client_events(b));
	input(a, "writer-after-spy\r");
	ck_assert(fleet_wait_file_has(f, rec, "writer-after-spy", 10000));
	fleet_pump(f, 500);
	ck_assert_msg(count_in_file(rec, "spy-keys-2") == 0,
	    "the spy's input reached the host");

	/* force: c takes write, a is demoted and told */
	c = attach("n00", "force", &mode);
	ck_assert_msg(strcmp(mode, "rw") == 0, "force attach got %s", mode);
	ck_assert_msg(fleet_client_wait_event(a, "demoted", 5000),
	    "the old writer was not told it was demoted (events: %s)",
	    fleet_client_events(a));
	input(c, "forced-keys-3\r");
	ck_assert(fleet_wait_file_has(f, rec, "forced-keys-3", 10000));
	input(a, "old-writer-keys-4\r");
	ck_assert_msg(fleet_client_wait_type(a, PROTO_ERROR, 5000) != NULL,
	    "demoted writer's input: no PROTO_ERROR (events: %s)",
	    fleet_client_events(a));
	input(c, "forced-again-5\r");
	ck_assert(fleet_wait_file_has(f, rec, "forced-again-5", 10000));
	fleet_pump(f, 300);
	ck_assert_msg(count_in_file(rec, "old-writer-keys-4") == 0,
	    "the demoted writer's input reached the host");
	ck_assert_msg(fleet_wait_file_has(f, log, "took write from", 5000),
	    "no force marker in %s", log);
	ck_assert_msg(count_in_file(log, "attach root") >= 3,
	    "want an attach marker per client in %s", log);
	/* exactly the writers' keys, each once, in order */
	{
		static const char want[] = "writer-keys-1\rwriter-after-spy\r"
		    "forced-keys-3\rforced-again-5\r";
		size_t rlen;
		unsigned char *r = harness_read_file(rec, &rlen);

		ck_assert(r != NULL);
		if (!fleet_same(r, rlen, (const unsigned char *)want,
		    strlen(want), &why))
			ck_abort_msg("host --record vs the writers' input: %s",
			    why);
		free(r);
	}

	/* d attaches and never reads; a burst must still flow to b, c and
	 * the log at full speed */
	d = attach("n00", "ro", NULL);
	fleet_client_stall(d, true);
	fleet_client_data(b, &b0);
	fleet_client_data(c, &c0);
	log0 = harness_file_size(log);
	node_cmd(0, "start");
	ck_assert_msg(fleet_wait_file_has(f, harness_events_file(fleet_node(f,
	    0)), "numbered-done", 30000), "hostsim did not finish its stream");
	if (!fleet_client_wait_data_len(b, b0 + burst, 60000)) {
		fleet_client_data(b, &blen);
		ck_abort_msg("with a stalled client, the spy got %zu of %zu "
		    "burst bytes", blen - b0, burst);
	}
	ck_assert(fleet_client_wait_data_len(c, c0 + burst, 10000));
	ck_assert_msg(fleet_wait_file_len(f, log, log0 + burst, 10000),
	    "the log got %zu of %zu burst bytes", harness_file_size(log) -
	    log0, burst);
	sent = harness_read_file(harness_sent_file(fleet_node(f, 0)), &slen);
	bd = fleet_client_data(b, &blen);
	ck_assert(sent != NULL && slen >= burst && blen >= burst);
	if (!fleet_same(bd + blen - burst, burst, sent + slen - burst, burst,
	    &why))
		ck_abort_msg("spy's copy of the burst: %s", why);
	free(sent);
	/* the stalled client resumes: it is told what it missed */
	fleet_client_stall(d, false);
	if (!fleet_client_wait_data(d, "bytes skipped]", 10000)) {
		fleet_client_data(d, &blen);
		ck_abort_msg("the lagging client got no skip marker (%zu bytes "
		    "received)", blen);
	}
	assert_daemon_alive("after the client test");
}
END_TEST

/* Attached clients of a console, from `ipmux list --json`; -1 on error. */
static int
attached_count(const char *console)
{
	json_object *list = fleet_list(f), *a;
	int n = -1;

	if (list != NULL && json_object_object_get_ex(fleet_list_find(list,
	    console), "attached", &a) && json_object_is_type(a,
	    json_type_array))
		n = (int)json_object_array_length(a);
	json_object_put(list);
	return n;
}

struct attached_wait {
	const char *console;
	int want;
	int got;
	int64_t last;
};

static bool
cond_attached(void *arg)
{
	struct attached_wait *w = arg;

	if (harness_now_ms() - w->last < 200)
		return false;
	w->last = harness_now_ms();
	w->got = attached_count(w->console);
	return w->got == w->want;
}

static void
wait_attached(const char *console, int want)
{
	struct attached_wait w = { console, want, -1, 0 };

	if (!fleet_wait(f, cond_attached, &w, 10000))
		ck_abort_msg("%s: %d clients attached, want %d", console, w.got,
		    want);
}

/* 4b. The same through the CLI: two `ipmux attach` on pipes. */
START_TEST(test_cli_attach)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const rw[] = { "attach", "n00", NULL };
	static const char *const ro[] = { "attach", "n00", "--ro", NULL };
	struct harness_proc *w, *s;
	const char *rec;
	int rc;

	REQUIRE_ALL();
	start_fleet("daemon-cliattach", 1, hs, NULL);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "console");
	rec = harness_record_file(fleet_node(f, 0));
	w = fleet_cli_spawn(f, "attach-rw", rw);
	wait_attached("n00", 1);
	s = fleet_cli_spawn(f, "attach-ro", ro);
	wait_attached("n00", 2);
	ck_assert(harness_proc_write(w, "cli-writer\r", 11));
	ck_assert_msg(harness_wait_file_has(rec, "cli-writer\r", 10000),
	    "ipmux attach: typed keys never reached the host; stderr: %s",
	    harness_proc_err(w));
	ck_assert_msg(harness_wait_out(s, "cli-writer", 10000),
	    "ipmux attach --ro: no echo; stderr: %s", harness_proc_err(s));
	ck_assert(harness_wait_out(w, "cli-writer", 5000));
	ck_assert(harness_proc_write(s, "cli-spy\r", 8));
	ck_assert(harness_proc_write(w, "cli-after\r", 10));
	ck_assert(harness_wait_file_has(rec, "cli-after\r", 10000));
	harness_pump(300);
	ck_assert_msg(count_in_file(rec, "cli-spy") == 0,
	    "ipmux attach --ro: the spy's keys reached the host");
	/* ^E c . detaches and exits 0; the spy stays */
	ck_assert(harness_proc_write(w, "\x05" "c.", 3));
	rc = harness_proc_wait(w, 5000);
	ck_assert_msg(rc == 0, "ipmux attach after ^Ec.: exit %d; stderr: %s",
	    rc, harness_proc_err(w));
	wait_attached("n00", 1);
	ck_assert(harness_proc_running(s));
	ck_assert(harness_proc_write(s, "\x05" "c.", 3));
	rc = harness_proc_wait(s, 5000);
	ck_assert_msg(rc == 0, "ipmux attach --ro after ^Ec.: exit %d; "
	    "stderr: %s", rc, harness_proc_err(s));
	wait_attached("n00", 0);
}
END_TEST

/* ---- 5. logs ---- */

/* Numbered lines: "%08llu " + letters + CR LF, contiguous from 0. */
static bool
check_numbered(const unsigned char *buf, size_t len, unsigned long long want,
    char *why, size_t wlen)
{
	unsigned long long next = 0;
	size_t off = 0;

	while (off < len) {
		const unsigned char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		unsigned long long n;

		if (sscanf((const char *)buf + off, "%8llu ", &n) != 1 ||
		    n != next) {
			snprintf(why, wlen, "line %llu expected at offset %zu, "
			    "found \"%.20s\"", next, off, buf + off);
			return false;
		}
		next++;
		off = end;
	}
	if (next != want) {
		snprintf(why, wlen, "%llu lines, want %llu", next, want);
		return false;
	}
	return true;
}

struct archive_done {
	const char *logdir;
	size_t want;
	const char *why;
	int nfiles;
};

static bool
cond_archive(void *arg)
{
	struct archive_done *a = arg;
	size_t len;
	unsigned char *d = fleet_log_archive(a->logdir, "n00", &len, &a->nfiles,
	    &a->why);
	bool ok;

	if (d == NULL)
		return false;
	len = fleet_strip_markers(d, len);
	ok = len >= a->want;
	if (!ok)
		a->why = "archive shorter than what hostsim sent";
	free(d);
	return ok;
}

START_TEST(test_log_rotation)
{
	/* a timer-paced rate: hostsim's rate 0 can stall on an empty queue */
	static const char *const hs[] = { "--mode", "numbered", "--rate",
	    "10000", "--count", "20000", NULL };
	struct archive_done ad;
	unsigned char *arch, *sent;
	size_t alen, slen;
	const char *why;
	char msg[256];

	REQUIRE_ALL();
	start_fleet("daemon-rotate", 1, hs, "  log_rotate_size = 65536;\n"
	    "  log_retain = 1000;\n  log_compress = \"zstd\";\n");
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "console");
	node_cmd(0, "start");
	ck_assert_msg(harness_wait_file_has(harness_events_file(fleet_node(f,
	    0)), "numbered-done", 60000), "hostsim did not finish 20000 lines");
	slen = harness_file_size(harness_sent_file(fleet_node(f, 0)));
	ad = (struct archive_done){ fleet_logdir(f), slen, NULL, 0 };
	if (!fleet_wait(f, cond_archive, &ad, 20000))
		ck_abort_msg("log archive incomplete after 20 s: %s",
		    ad.why != NULL ? ad.why : "?");
	arch = fleet_log_archive(fleet_logdir(f), "n00", &alen, &ad.nfiles,
	    &why);
	ck_assert(arch != NULL);
	fprintf(stderr, "rotation: %d files, %zu bytes\n", ad.nfiles, alen);
	ck_assert_msg(ad.nfiles >= 10, "only %d log files for %zu bytes with "
	    "log_rotate_size 64 KiB", ad.nfiles, slen);
	alen = fleet_strip_markers(arch, alen);
	ck_assert_msg(check_numbered(arch, alen, 20000, msg, sizeof(msg)),
	    "rotated logs, oldest first: %s", msg);
	sent = harness_read_file(harness_sent_file(fleet_node(f, 0)), &slen);
	if (!fleet_same(arch, alen, sent, slen, &why))
		ck_abort_msg("rotated logs vs hostsim --sent: %s", why);
	free(arch);
	free(sent);
	assert_daemon_alive("after rotation");
}
END_TEST

/* A counter from `ipmux metrics` (Prometheus text), summed over labels;
 * -1 if the CLI failed or the metric is missing. */
static long long
metric_value(const char *name)
{
	static const char *const args[] = { "metrics", NULL };
	const char *out, *err, *p;
	size_t nl = strlen(name);
	long long sum = -1;
	int rc = fleet_cli(f, 5000, &out, &err, args);

	if (rc != 0) {
		fprintf(stderr, "ipmux metrics: exit %d: %s\n", rc, err);
		return -1;
	}
	for (p = out; (p = strstr(p, name)) != NULL; p += nl) {
		const char *v;

		if ((p != out && p[-1] != '\n') ||
		    (p[nl] != ' ' && p[nl] != '{'))
			continue;
		if ((v = strchr(p, ' ')) == NULL)
			break;
		sum = (sum < 0 ? 0 : sum) + strtoll(v + 1, NULL, 10);
	}
	return sum;
}

/* A private mount namespace, so the tmpfs vanishes with this process. */
static bool
mount_tiny(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0) {
		fprintf(stderr, "SKIP: unshare(CLONE_NEWNS): %s\n",
		    strerror(errno));
		return false;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=256k") < 0) {
		fprintf(stderr, "SKIP: mount tmpfs on %s: %s\n", dir,
		    strerror(errno));
		return false;
	}
	return true;
}

static bool
cond_disk_full(void *arg)
{
	struct statvfs sv;

	return statvfs(arg, &sv) == 0 && sv.f_bavail == 0;
}

START_TEST(test_disk_full)
{
	static const char *const hs[] = { "--mode", "numbered", "--rate",
	    "2000", NULL };
	char filler[128 * 1024], logs[4200];
	const char *tiny, *fill, *log;
	struct fleet_client *a;
	json_object *list;
	size_t sent, got;
	long long dropped;
	int fd;

	REQUIRE_ALL();
	f = fleet_new("daemon-diskfull");
	tiny = harness_path(fleet_harness(f), "tiny");
	ck_assert(mkdir(tiny, 0755) == 0);
	if (!mount_tiny(tiny))
		return;
	snprintf(logs, sizeof(logs), "%s/logs", tiny);
	ck_assert(mkdir(logs, 0755) == 0);
	fill = harness_path(fleet_harness(f), "tiny/filler");
	memset(filler, 'x', sizeof(filler));
	fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert(fd >= 0 && write(fd, filler, sizeof(filler)) ==
	    (ssize_t)sizeof(filler));
	close(fd);
	ck_assert(fleet_add_nodes(f, 1, hs) == 0);
	fleet_set_logdir(f, logs);
	fleet_set_global(f, "  log_rotate_size = 0;\n");
	ck_assert(fleet_write_config(f) == 0);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "console");
	log = fleet_log_path(f, 0);
	a = attach("n00", "ro", NULL);
	node_cmd(0, "start");
	ck_assert_msg(fleet_wait(f, cond_disk_full, (void *)tiny, 20000),
	    "the 256 KiB tmpfs never filled up");
	/* keep streaming well past the full disk */
	fleet_pump(f, 1500);
	assert_daemon_alive("with the log disk full");
	sent = harness_file_size(harness_sent_file(fleet_node(f, 0)));
	if (!fleet_client_wait_data_len(a, sent, 10000)) {
		fleet_client_data(a, &got);
		ck_abort_msg("attached client stopped receiving with the disk "
		    "full: %zu of %zu bytes", got, sent);
	}
	ck_assert_msg((list = fleet_list(f)) != NULL, "list fails with the "
	    "disk full");
	ck_assert_msg(strcmp(fleet_entry_str(fleet_list_find(list, "n00"),
	    "state"), "active") == 0, "console not active with the disk full");
	json_object_put(list);
	dropped = metric_value("ipmux_log_bytes_dropped_total");
	fprintf(stderr, "disk full: log %zu bytes, %zu sent, %lld dropped\n",
	    harness_file_size(log), sent, dropped);
	ck_assert_msg(dropped > 0, "ipmux_log_bytes_dropped_total is %lld with "
	    "the log disk full", dropped);
	/* free space; the next bytes land after a gap marker */
	node_cmd(0, "stop");
	ck_assert(unlink(fill) == 0);
	node_cmd(0, "say AFTER-DISK-FULL");
	ck_assert_msg(fleet_wait_file_has(f, log, "AFTER-DISK-FULL", 10000),
	    "no log writes after space came back");
	ck_assert_msg(fleet_wait_file_has(f, log, "bytes lost", 5000),
	    "no gap marker (\"N bytes lost\") in the log after the disk full");
	assert_daemon_alive("after the disk full");
}
END_TEST

/* ---- 6. bad input ---- */

struct bad_conf {
	const char *name;
	const char *text;	/* @PW@: the password file path */
	int line;
};

/* Copy tmpl into buf with every "@PW@" replaced by pw. */
static void
subst_pw(char *buf, size_t len, const char *tmpl, const char *pw)
{
	size_t off = 0;
	const char *at;

	buf[0] = '\0';
	while ((at = strstr(tmpl, "@PW@")) != NULL) {
		off += (size_t)snprintf(buf + off, len - off, "%.*s%s",
		    (int)(at - tmpl), tmpl, pw);
		ck_assert(off < len);
		tmpl = at + 4;
	}
	off += (size_t)snprintf(buf + off, len - off, "%s", tmpl);
	ck_assert(off < len);
}

/* One-line pieces of the configs below; "@PW@" is the password file. */
#define BC_IPMUX "ipmux = { socket = \"/tmp/x.sock\"; logdir = \"/tmp\"; " \
	"statedir = \"/tmp\";"
#define BC_PROFILES "profiles = ( { name = \"p\"; user = \"u\"; " \
	"password_file = \"@PW@\"; } );\n"
#define BC_CONSOLES "consoles = ( { name = \"c\"; host = \"127.0.0.1\"; " \
	"profile = \"p\"; } );\n"

START_TEST(test_bad_config)
{
	/* each error sits alone on its line, so file:line is exact */
	static const struct bad_conf cases[] = {
		{ "unknown key", BC_IPMUX "\n  bogus_key = 1;\n};\n"
		  BC_PROFILES BC_CONSOLES, 2 },
		{ "bad type", BC_IPMUX "\n  scrollback = \"lots\";\n};\n"
		  BC_PROFILES BC_CONSOLES, 2 },
		{ "duplicate console", BC_IPMUX " };\n" BC_PROFILES
		  "consoles = (\n"
		  "  { name = \"c\"; host = \"127.0.0.1\"; profile = \"p\"; },\n"
		  "  { name = \"c\"; host = \"127.0.0.2\"; profile = \"p\"; }\n"
		  ");\n", 5 },
		{ "unknown profile", BC_IPMUX " };\n" BC_PROFILES
		  "consoles = (\n"
		  "  { name = \"c\"; host = \"127.0.0.1\"; profile = \"nope\"; }\n"
		  ");\n", 4 },
		{ "readable password file", BC_IPMUX " };\n"
		  "profiles = (\n"
		  "  { name = \"p\"; user = \"u\"; password_file = \"@PW@.open\"; }\n"
		  ");\n" BC_CONSOLES, 3 },
		{ "syntax error", BC_IPMUX " };\n" BC_PROFILES
		  "consoles = ( { name = \"c\"; host = ; profile = \"p\"; } );\n",
		  3 },
		{ "bad port", BC_IPMUX " };\n" BC_PROFILES
		  "consoles = (\n"
		  "  { name = \"c\"; host = \"127.0.0.1:99999\"; profile = \"p\"; }\n"
		  ");\n", 4 },
	};
	static const char *good = BC_IPMUX " };\n" BC_PROFILES BC_CONSOLES;
	struct harness *h;
	const char *pw, *open_pw;
	char text[2048], want[4200], name[32];
	size_t k;

	if (fleet_skip_without_daemon())
		return;
	f = fleet_new("daemon-badconf");
	h = fleet_harness(f);
	pw = harness_path(h, "adm.pw");
	open_pw = harness_path(h, "adm.pw.open");
	{
		/* a password file others may read: refused */
		int fd = open(open_pw, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		ck_assert(fd >= 0 && write(fd, "pw", 2) == 2 &&
		    fchmod(fd, 0644) == 0);
		close(fd);
	}
	for (k = 0; k <= sizeof(cases) / sizeof(cases[0]); k++) {
		const char *argv[] = { NULL, "--check-config", NULL, NULL };
		const struct bad_conf *c = k < sizeof(cases) / sizeof(cases[0]) ?
		    &cases[k] : NULL;
		char bin[4096];
		struct harness_proc *p;
		const char *path;
		int rc;

		snprintf(name, sizeof(name), "bad-%zu.conf", k);
		path = harness_path(h, name);
		subst_pw(text, sizeof(text), c != NULL ? c->text : good, pw);
		{
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			ck_assert(fd >= 0 && write(fd, text, strlen(text)) ==
			    (ssize_t)strlen(text));
			close(fd);
		}
		snprintf(bin, sizeof(bin), "%s/bin/ipmuxd", harness_build_dir());
		argv[0] = bin;
		argv[2] = path;
		p = harness_spawn(h, name, argv, NULL);
		harness_proc_close_stdin(p);
		rc = harness_proc_wait(p, 10000);
		if (c == NULL) {
			ck_assert_msg(rc == 0, "a good config failed "
			    "--check-config (exit %d): %s", rc,
			    harness_proc_err(p));
			continue;
		}
		snprintf(want, sizeof(want), "%s:%d:", path, c->line);
		fprintf(stderr, "%s -> %s", c->name, harness_proc_err(p));
		ck_assert_msg(rc == 1, "%s: --check-config exit %d, want 1; "
		    "stderr: %s", c->name, rc, harness_proc_err(p));
		ck_assert_msg(strstr(harness_proc_err(p), want) != NULL,
		    "%s: stderr lacks \"%s\": %s", c->name, want,
		    harness_proc_err(p));
	}
}
END_TEST

/* Prove the daemon still serves: list works and the console is active. */
static void
assert_serves(const char *after)
{
	json_object *list;
	json_object *e;

	assert_daemon_alive(after);
	list = fleet_list(f);
	ck_assert_msg(list != NULL, "ipmux list fails after %s", after);
	e = fleet_list_find(list, "n00");
	ck_assert_msg(strcmp(fleet_entry_str(e, "state"), "active") == 0,
	    "after %s, n00 is %s (%s)", after, fleet_entry_str(e, "state"),
	    fleet_entry_str(e, "reason"));
	json_object_put(list);
}

/* The daemon must answer one PROTO_ERROR with a reason, then hang up. */
static void
expect_error_and_close(struct fleet_client *c, const char *what)
{
	const struct fleet_msg *m = fleet_client_wait_type(c, PROTO_ERROR, 5000);
	json_object *j, *v;

	ck_assert_msg(m != NULL, "%s: no PROTO_ERROR (closed: %d)", what,
	    fleet_client_closed(c));
	j = json_tokener_parse((const char *)m->payload);
	ck_assert_msg(j != NULL && json_object_object_get_ex(j, "error", &v) &&
	    json_object_get_string_len(v) > 0, "%s: PROTO_ERROR without an "
	    "error text: %s", what, m->payload);
	fprintf(stderr, "%s: daemon said %s\n", what, json_object_get_string(v));
	json_object_put(j);
	ck_assert_msg(fleet_client_wait_closed(c, 5000), "%s: not dropped",
	    what);
	fleet_client_free(c);
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* The daemon's stderr has more config errors than *arg. */
static bool
cond_more_conf_errors(void *arg)
{
	return count_str(harness_proc_err(fleet_daemon(f)), "ipmuxd.conf:") >
	    *(int *)arg;
}

START_TEST(test_bad_control)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const reload[] = { "reload", NULL };
	unsigned char junk[4096];
	struct fleet_client *c;
	const char *out, *err;
	size_t i;
	int rc, errs;

	REQUIRE_ALL();
	start_fleet("daemon-badctl", 1, hs, NULL);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "console");

	/* wrong version, in the very first header */
	ck_assert((c = fleet_client_connect(f)) != NULL);
	ck_assert(fleet_client_send_hdr(c, 2, PROTO_HELLO, 99, "{}", 2));
	expect_error_and_close(c, "wrong version");
	assert_serves("a wrong-version client");

	/* an unknown type after a good hello */
	ck_assert((c = fleet_client_hello(f)) != NULL);
	ck_assert(fleet_client_send_hdr(c, 2, 999, PROTO_VERSION, "{}", 2));
	expect_error_and_close(c, "unknown type");
	assert_serves("an unknown message type");

	/* a length over PROTO_MAX_PAYLOAD: must not wait for 4 GiB */
	ck_assert((c = fleet_client_hello(f)) != NULL);
	ck_assert(fleet_client_send_hdr(c, 0xffffffffu, PROTO_LIST,
	    PROTO_VERSION, "{}", 2));
	expect_error_and_close(c, "oversized length");
	assert_serves("an oversized length");

	/* not JSON where JSON belongs */
	ck_assert((c = fleet_client_hello(f)) != NULL);
	ck_assert(fleet_client_send_json(c, PROTO_ATTACH, "{\"console\":"));
	ck_assert_msg(fleet_client_wait_type(c, PROTO_ERROR, 5000) != NULL,
	    "bad JSON: no PROTO_ERROR");
	fleet_client_free(c);
	assert_serves("bad JSON");

	/* raw garbage; whatever it looks like, the daemon must not care */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + (i >> 3) * 7 + 0x5a);
	ck_assert((c = fleet_client_connect(f)) != NULL);
	(void)fleet_client_send_raw(c, junk, sizeof(junk));
	ck_assert_msg(fleet_client_wait_closed(c, 5000),
	    "garbage client not dropped");
	ck_assert_msg(fleet_client_count(c, PROTO_DATA) == 0,
	    "garbage client got console data");
	fleet_client_free(c);
	assert_serves("garbage bytes");

	/* half a header, then hang up; and a client that says nothing */
	ck_assert((c = fleet_client_connect(f)) != NULL);
	ck_assert(fleet_client_send_raw(c, junk, 5));
	fleet_client_free(c);
	ck_assert((c = fleet_client_connect(f)) != NULL);
	fleet_client_free(c);
	assert_serves("truncated clients");

	/* a broken config on reload: refused with file:line, old one kept */
	{
		int fd = open(fleet_config_path(f), O_WRONLY | O_TRUNC);

		ck_assert(fd >= 0 && write(fd, "ipmux = {\n  bogus\n", 18) == 18);
		close(fd);
	}
	rc = fleet_cli(f, 10000, &out, &err, reload);
	ck_assert_msg(rc != 0, "ipmux reload of a broken config exited 0: %s",
	    out);
	ck_assert_msg(strstr(err, "ipmuxd.conf:") != NULL ||
	    strstr(out, "ipmuxd.conf:") != NULL, "reload error lacks "
	    "file:line: stdout %s stderr %s", out, err);
	errs = count_str(harness_proc_err(fleet_daemon(f)), "ipmuxd.conf:");
	harness_proc_signal(fleet_daemon(f), SIGHUP);
	ck_assert_msg(fleet_wait(f, cond_more_conf_errors, &errs, 5000),
	    "SIGHUP with a broken config: no file:line error from ipmuxd: %s",
	    harness_proc_err(fleet_daemon(f)));
	assert_serves("a broken config (reload and SIGHUP)");
	ck_assert(fleet_write_config(f) == 0);
	rc = fleet_cli(f, 10000, &out, &err, reload);
	ck_assert_msg(rc == 0, "reload of the good config again: exit %d: %s",
	    rc, err);
	assert_serves("the good config again");
}
END_TEST

/*
 * Garbage datagrams: the daemon's UDP sockets are connected to the BMC, so
 * only the BMC's address can reach them. Kill ipmi_sim, take its port,
 * and answer every datagram the daemon sends (keepalives, then handshake
 * retries) with garbage. The session must die of silence (garbage is no
 * sign of life) and the daemon keep serving; with ipmi_sim back, the
 * console comes back.
 */
struct fake_bmc {
	int fd;
	int got, sent;
	int64_t last_list;
	char state[32];
};

static void
fake_reply(struct fake_bmc *fb, const struct sockaddr_in *to,
    const unsigned char *req, size_t rlen)
{
	unsigned char g[1500];
	size_t i, len;
	int k;

	for (k = 0; k < 8; k++) {
		switch (k) {
		case 0: len = 0; break;
		case 1: len = 1; g[0] = 0x06; break;
		case 2: memcpy(g, "\x06\x00\xff\x07", 4); len = 4; break;
		case 3:	/* RMCP+ header claiming a huge payload */
			memcpy(g, "\x06\x00\xff\x07\x06\xc0\x01\x02\x03\x04"
			    "\x00\x00\x00\x00\xff\xff", 16);
			len = 16;
			break;
		case 4:	/* the daemon's own datagram, bit-flipped */
			len = rlen < sizeof(g) ? rlen : sizeof(g);
			for (i = 0; i < len; i++)
				g[i] = req[i] ^ (unsigned char)(i % 7 == 3 ?
				    0x10 : 0);
			break;
		case 5:	/* RMCP+ open session response, wrong length */
			memcpy(g, "\x06\x00\xff\x07\x06\x11\x00\x00\x00\x00"
			    "\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00", 20);
			len = 20;
			break;
		case 6:	/* IPMI 1.5 framing, bad checksums */
			memcpy(g, "\x06\x00\xff\x07\x00\x00\x00\x00\x00\x00"
			    "\x00\x00\x00\x10\x81\x1c\x00\x20\x04\x38\x00", 21);
			len = 21;
			break;
		default:
			len = sizeof(g);
			for (i = 0; i < len; i++)
				g[i] = (unsigned char)(i * 37 + fb->got);
			break;
		}
		if (sendto(fb->fd, g, len, 0, (const struct sockaddr *)to,
		    sizeof(*to)) >= 0)
			fb->sent++;
	}
}

static bool
cond_fake_bmc(void *arg)
{
	struct fake_bmc *fb = arg;
	unsigned char buf[2048];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;
	json_object *list;

	while ((n = recvfrom(fb->fd, buf, sizeof(buf), MSG_DONTWAIT,
	    (struct sockaddr *)&from, &fl)) >= 0) {
		fb->got++;
		fake_reply(fb, &from, buf, (size_t)n);
		fl = sizeof(from);
	}
	if (harness_now_ms() - fb->last_list < 300)
		return false;
	fb->last_list = harness_now_ms();
	if ((list = fleet_list(f)) == NULL)
		return false;
	snprintf(fb->state, sizeof(fb->state), "%s",
	    fleet_entry_str(fleet_list_find(list, "n00"), "state"));
	json_object_put(list);
	/* past the session's death, through a few handshake attempts */
	return strcmp(fb->state, "active") != 0 && fb->got >= 12;
}

START_TEST(test_garbage_datagrams)
{
	struct sockaddr_in sa;
	struct fake_bmc fb;
	int one = 1;

	REQUIRE_ALL();
	start_fleet("daemon-garbage", 1, NULL, FAST_GLOBALS);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "console");
	harness_stop_bmc(fleet_node(f, 0), SIGKILL);
	memset(&fb, 0, sizeof(fb));
	fb.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert(fb.fd >= 0);
	setsockopt(fb.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)harness_bmc_port(fleet_node(f, 0)));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(bind(fb.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "bind the BMC's port: %s", strerror(errno));
	if (!fleet_wait(f, cond_fake_bmc, &fb, 30000))
		ck_abort_msg("fake BMC: %d datagrams in, %d garbage out; "
		    "console %s", fb.got, fb.sent, fb.state);
	fprintf(stderr, "fake BMC: %d datagrams from ipmuxd, %d garbage "
	    "answers; console %s\n", fb.got, fb.sent, fb.state);
	assert_daemon_alive("garbage datagrams");
	json_object *list = fleet_list(f);
	ck_assert(list != NULL);
	json_object_put(list);
	close(fb.fd);
	ck_assert(harness_start_bmc(fleet_node(f, 0)) == 0);
	wait_states(NULL, 0, "active", BACKOFF_MAX_MS + 8000,
	    "console after the garbage");
}
END_TEST

/* SIGTERM: SOL deactivated, sessions closed, marker, socket gone, exit 0. */
START_TEST(test_shutdown)
{
	int i, rc;

	REQUIRE_ALL();
	start_fleet("daemon-stop", 3, NULL, NULL);
	start_daemon();
	wait_states(NULL, 0, "active", ACTIVE_MS, "3 consoles");
	for (i = 0; i < 3; i++)
		ck_assert_msg(fleet_node_sol_active(f, i) == 1,
		    "%s: BMC says SOL is not active", fleet_node_name(f, i));
	harness_proc_signal(fleet_daemon(f), SIGTERM);
	rc = harness_proc_wait(fleet_daemon(f), 10000);
	ck_assert_msg(rc == 0, "SIGTERM: exit %d, want 0; stderr: %s", rc,
	    harness_proc_err(fleet_daemon(f)));
	ck_assert_msg(access(fleet_socket_path(f), F_OK) != 0,
	    "control socket left behind");
	for (i = 0; i < 3; i++) {
		ck_assert_msg(count_in_file(fleet_log_path(f, i),
		    "daemon stopping") == 1, "%s: no \"daemon stopping\" marker",
		    fleet_node_name(f, i));
		ck_assert_msg(fleet_node_sol_active(f, i) == 0,
		    "%s: SOL still active on the BMC after shutdown",
		    fleet_node_name(f, i));
	}
}
END_TEST

static TCase *
tc(Suite *s, const char *name, const TTest *t, int timeout)
{
	TCase *c = tcase_create(name);

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, timeout);
	tcase_add_test(c, t);
	suite_add_tcase(s, c);
	return c;
}

static Suite *
daemon_suite(void)
{
	Suite *s = suite_create("daemon");

	tc(s, "fleet", test_fleet_50, 90);
	tc(s, "kill", test_kill_restart, 90);
	tc(s, "reload", test_reload, 90);
	tc(s, "attach", test_attach_clients, 120);
	tc(s, "cliattach", test_cli_attach, 60);
	tc(s, "rotation", test_log_rotation, 120);
	tc(s, "diskfull", test_disk_full, 60);
	tc(s, "badconfig", test_bad_config, 60);
	tc(s, "badcontrol", test_bad_control, 60);
	tc(s, "garbage", test_garbage_datagrams, 90);
	tc(s, "shutdown", test_shutdown, 60);
	return s;
}

CHECK_MAIN(daemon_suite)
