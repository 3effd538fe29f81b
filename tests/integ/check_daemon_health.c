/* check_daemon_health.c — ipmuxd's polling against ipmux-bmcsim: a threshold crossing reaches attached and following clients within one SEL poll, the SEL log and health show it; concurrent repository readers; management traffic during a 115200-baud SOL stream loses no console bytes. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tests/bmcsim/sim_bootlog.h"
#include "tests/checkmain.h"
#include "harness_bmcsim.h"
#include "harness_fleet.h"
#include "harness_tmux.h"
#include "proto.h"

#define UP_MS 20000
#define CLI_MS 20000
#define SEL_POLL_MS 2000
#define SENSOR_POLL_MS 1000
#define EVENT_MARGIN_MS 1500	/* the SEL read itself, a loaded CI box */
#define CROSSING "Upper Non-critical going high"
/* CPU Temp is raw - 40 degrees C; its UNC threshold is raw 125 */
#define DETAIL "Reading 88 > Threshold 85 degrees C"
#define BAUD 115200
#define STREAM_MS 6000		/* management load during the stream */

static struct fleet *f;
static struct harness *h;
static int port;

static void
sim_ok(const char *cmd)
{
	const char *r = harness_bmcsim_ctl(h, "%s", cmd);

	ck_assert_msg(r != NULL && strcmp(r, "ok") == 0, "bmcsim '%s': %s",
	    cmd, r != NULL ? r : "no reply");
}

/* Split s in place at every sep into at most max fields (the last
 * takes the rest), each without blanks around it. */
static int
split_on(char *s, const char *sep, char **fld, int max)
{
	int n = 0, i;
	char *q, *e;

	while (n < max) {
		fld[n++] = s;
		if (n == max || (q = strstr(s, sep)) == NULL)
			break;
		*q = '\0';
		s = q + strlen(sep);
	}
	for (i = 0; i < n; i++) {
		while (*fld[i] == ' ')
			fld[i]++;
		e = fld[i] + strlen(fld[i]);
		while (e > fld[i] && (e[-1] == ' ' || e[-1] == '\r'))
			*--e = '\0';
	}
	return n;
}

static bool
node1_active(void *arg)
{
	json_object *l = fleet_list(arg);
	bool ok = l != NULL && strcmp(fleet_entry_str(fleet_list_find(l,
	    "node1"), "state"), "active") == 0;

	json_object_put(l);
	return ok;
}

/* One bmcsim BMC behind console node1 and a daemon with these polls. */
static void
start(const char *name, const char *const *sim_args, const char *global)
{
	f = fleet_new(name);
	h = fleet_harness(f);
	ck_assert_msg(harness_bmcsim_start(h, 1, sim_args, &port) != NULL,
	    "ipmux-bmcsim did not start");
	ck_assert_int_eq(fleet_write_bmcsim_config(f, port, 1, global, NULL),
	    0);
	ck_assert_int_eq(fleet_start_daemon(f), 0);
	ck_assert_msg(fleet_wait(f, node1_active, f, UP_MS),
	    "node1 did not come up");
}

/* ---- health ---- */

/* `ipmux health --json`, node1's object (a new reference) or NULL. */
static json_object *
health_node1(void)
{
	json_object *a, *e, *v;
	size_t i, n;
	int rc;

	a = fleet_cli_json(f, CLI_MS, &rc, NULL, (const char *const[]){
	    "health", "--json", NULL });
	if (a == NULL || rc != 0 || !json_object_is_type(a, json_type_array)) {
		json_object_put(a);
		return NULL;
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if ((json_object_object_get_ex(e, "name", &v) ||
		    json_object_object_get_ex(e, "console", &v)) &&
		    strcmp(json_object_get_string(v), "node1") == 0) {
			json_object_get(e);
			json_object_put(a);
			return e;
		}
	}
	json_object_put(a);
	return NULL;
}

struct health_want {
	const char *worst, *sensor;
	int sel_count;
	char last[512];
};

static bool
cond_health(void *arg)
{
	struct health_want *w = arg;
	json_object *e = health_node1();
	double n = -1;
	bool ok;

	if (e == NULL) {
		snprintf(w->last, sizeof(w->last), "no node1 in health --json");
		return false;
	}
	snprintf(w->last, sizeof(w->last), "%s",
	    json_object_to_json_string(e));
	fleet_entry_num(e, "sel_count", &n);
	ok = (w->worst == NULL ||
	    strcmp(fleet_entry_str(e, "worst"), w->worst) == 0) &&
	    (w->sensor == NULL ||
	    strcmp(fleet_entry_str(e, "worst_sensor"), w->sensor) == 0) &&
	    n >= w->sel_count;
	json_object_put(e);
	return ok;
}

static void
wait_health(const char *worst, const char *sensor, int sel_count, int ms)
{
	struct health_want w = { worst, sensor, sel_count, "" };

	ck_assert_msg(fleet_wait(f, cond_health, &w, ms),
	    "health never showed worst %s (%s), sel_count >= %d in %d ms; "
	    "last: %s", worst != NULL ? worst : "*",
	    sensor != NULL ? sensor : "*", sel_count, ms, w.last);
}

/* ---- the crossing ---- */

/* A PROTO_EVENT "sel" for node1 carrying the crossing, among the
 * attached client's events (one JSON object a line). */
static bool
event_has_crossing(struct fleet_client *c)
{
	char *copy = strdup(fleet_client_events(c)), *line, *save = NULL;
	json_object *j, *e;
	bool found = false;

	for (line = strtok_r(copy, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((j = json_tokener_parse(line)) == NULL)
			continue;
		found = strcmp(fleet_entry_str(j, "event"), "sel") == 0 &&
		    strcmp(fleet_entry_str(j, "console"), "node1") == 0 &&
		    json_object_object_get_ex(j, "entry", &e) &&
		    strcmp(fleet_entry_str(e, "event"), CROSSING) == 0 &&
		    strcmp(fleet_entry_str(e, "sensor"),
		    "Temperature #0x01") == 0 &&
		    strcmp(fleet_entry_str(e, "direction"), "Asserted") == 0 &&
		    strcmp(fleet_entry_str(e, "sensor_name"),
		    "CPU Temp") == 0 &&
		    strcmp(fleet_entry_str(e, "detail"), DETAIL) == 0;
		json_object_put(j);
	}
	free(copy);
	return found;
}

struct arrival {
	struct fleet_client *c;
	struct harness_proc *follow;
	struct harness_tmux *tmux;
	int64_t t0, at_attach, at_follow, at_tmux;
	int64_t tmux_looked;	/* capture-pane costs a process: 10/s */
};

static bool
cond_arrived(void *arg)
{
	struct arrival *a = arg;
	int64_t now = harness_now_ms();
	char *screen;

	if (a->at_attach < 0 && event_has_crossing(a->c))
		a->at_attach = now - a->t0;
	if (a->at_follow < 0 && strstr((const char *)harness_proc_out(
	    a->follow, NULL), CROSSING) != NULL)
		a->at_follow = now - a->t0;
	if (a->tmux != NULL && a->at_tmux < 0 && now - a->tmux_looked >= 100 &&
	    (screen = harness_tmux_capture(a->tmux)) != NULL) {
		a->tmux_looked = now;
		if (strstr(screen, CROSSING) != NULL)
			a->at_tmux = now - a->t0;
		free(screen);
	}
	return a->at_attach >= 0 && a->at_follow >= 0 &&
	    (a->tmux == NULL || a->at_tmux >= 0);
}

/*
 * LOGDIR/node1.sel ("ISO-TIME\tID\tDATE | TIME | SENSOR | EVENT |
 * DIRECTION\tRAW") against `ipmitool sel list` ("ID | DATE | TIME UTC |
 * SENSOR | EVENT | DIRECTION", two-digit year): every log line whose id
 * the BMC still holds must say the same. Returns how many were compared.
 */
static int
cmp_sel_log(void)
{
	const char *out = NULL;
	unsigned char *log;
	char *ls, *ll, *lsave = NULL, *isave = NULL, *lf[8], *itf[8], *sp;
	char *iline, *ipm;
	int n = 0, nl, ni, rc;
	char why[2048] = "";

	rc = harness_bmcsim_peer(h, "ipmitool", port, CLI_MS,
	    (const char *const[]){ "sel", "list", NULL }, &out, NULL);
	ck_assert_msg(rc == 0, "ipmitool sel list: exit %d", rc);
	log = harness_read_file(harness_path(h, "logs/node1.sel"), NULL);
	ck_assert_ptr_nonnull(log);
	for (ll = strtok_r((char *)log, "\n", &lsave); ll != NULL;
	    ll = strtok_r(NULL, "\n", &lsave)) {
		ls = strdup(ll);
		nl = split_on(ls, "\t", lf, 4);
		ck_assert_msg(nl == 4, "node1.sel: not 4 fields: '%s'", ll);
		nl = split_on(lf[2], " | ", lf + 2, 5);
		ipm = strdup(out);
		for (iline = strtok_r(ipm, "\n", &isave); iline != NULL;
		    iline = strtok_r(NULL, "\n", &isave)) {
			ni = split_on(iline, " | ", itf, 6);
			if (ni != 6 || strtol(itf[0], NULL, 16) !=
			    strtol(lf[1], NULL, 16))
				continue;
			if ((sp = strchr(itf[2], ' ')) != NULL)
				*sp = '\0';	/* "18:17:37 UTC" */
			n++;
			/* "11/25/2026" vs ipmitool 1.8.19's "11/25/26" */
			if (nl != 5 || strlen(lf[2]) != 10 ||
			    strncmp(lf[2], itf[1], 6) != 0 ||
			    strcmp(lf[2] + 8, itf[1] + 6) != 0 ||
			    strcmp(lf[3], itf[2]) != 0 ||
			    strcmp(lf[4], itf[3]) != 0 ||
			    strcmp(lf[5], itf[4]) != 0 ||
			    strcmp(lf[6], itf[5]) != 0)
				snprintf(why + strlen(why), sizeof(why) -
				    strlen(why), "node1.sel '%s'\n  ipmitool "
				    "id %s: %s | %s | %s | %s | %s\n", ll,
				    itf[0], itf[1], itf[2], itf[3], itf[4],
				    itf[5]);
		}
		free(ipm);
		free(ls);
	}
	free(log);
	ck_assert_msg(why[0] == '\0', "LOGDIR/node1.sel vs ipmitool sel "
	    "list:\n%s", why);
	return n;
}

static struct fleet_client *
attach_ro(void)
{
	struct fleet_client *c = fleet_client_hello(f);

	ck_assert_msg(c != NULL, "control socket: no HELLO_OK");
	ck_assert(fleet_client_send_json(c, PROTO_ATTACH,
	    "{\"console\":\"node1\",\"mode\":\"ro\"}"));
	ck_assert_msg(fleet_client_wait_type(c, PROTO_ATTACH_OK, 5000) != NULL,
	    "attach node1: no ATTACH_OK: %s", fleet_client_events(c));
	return c;
}

/* `ipmux attach node1 --ro` in tmux, if tmux is there. */
static struct harness_tmux *
attach_tmux(void)
{
	char bin[4096];
	const char *argv[] = { bin, "-S", fleet_socket_path(f), "attach",
	    "node1", "--ro", NULL };
	struct harness_tmux *t;

	if (!harness_tmux_have("tmux")) {
		fprintf(stderr, "SKIP part: no tmux, ipmux attach not run\n");
		return NULL;
	}
	snprintf(bin, sizeof(bin), "%s/bin/ipmux", harness_build_dir());
	t = harness_tmux_start(h, 160, 40, argv);
	ck_assert_msg(t != NULL, "tmux did not start");
	return t;
}

START_TEST(test_threshold_event)
{
	static const char *const sim_args[] = { "--host-output", "silent",
	    "--drift-ms", "0", NULL };
	char global[128];
	struct arrival a;
	const char *out = NULL;
	int rc;

	if (fleet_skip_without_daemon())
		return;
	snprintf(global, sizeof(global), "  sel_poll = %d;\n"
	    "  sensor_poll = %d;", SEL_POLL_MS, SENSOR_POLL_MS);
	start("daemon-health", sim_args, global);

	/* An entry before the clients come: the daemon's first SEL read
	 * sees it (health counts it), so what follows is new. */
	sim_ok("sensor 0 0x70 1");
	wait_health("ok", NULL, 1, 2 * SEL_POLL_MS + 3000);

	memset(&a, 0, sizeof(a));
	a.c = attach_ro();
	a.tmux = attach_tmux();
	a.follow = fleet_cli_spawn(f, "sel-follow", (const char *const[]){
	    "sel", "node1", "--follow", NULL });
	ck_assert_ptr_nonnull(a.follow);
	/* subscribed once it has printed the entries so far */
	ck_assert_msg(harness_wait_out(a.follow, "ntrusion", 10000),
	    "ipmux sel --follow did not list the first entry: out '%s' "
	    "err '%s'", harness_proc_out(a.follow, NULL),
	    harness_proc_err(a.follow));

	a.at_attach = a.at_follow = a.at_tmux = -1;
	a.t0 = harness_now_ms();
	sim_ok("sensor 0 1 128");	/* CPU Temp 88 C: over UNC (85) */
	fleet_wait(f, cond_arrived, &a, SEL_POLL_MS + EVENT_MARGIN_MS + 3000);
	fprintf(stderr, "threshold crossing -> client (sel_poll %d ms): "
	    "attached %lld ms, sel --follow %lld ms, ipmux attach %lld ms\n",
	    SEL_POLL_MS, (long long)a.at_attach, (long long)a.at_follow,
	    (long long)a.at_tmux);
	ck_assert_msg(a.at_attach >= 0 &&
	    a.at_attach <= SEL_POLL_MS + EVENT_MARGIN_MS,
	    "attached client: SEL event after %lld ms (poll %d); events: %s",
	    (long long)a.at_attach, SEL_POLL_MS, fleet_client_events(a.c));
	ck_assert_msg(a.at_follow >= 0 &&
	    a.at_follow <= SEL_POLL_MS + EVENT_MARGIN_MS,
	    "ipmux sel --follow: after %lld ms; out: %s",
	    (long long)a.at_follow, harness_proc_out(a.follow, NULL));
	if (a.tmux != NULL) {
		char *screen = harness_tmux_capture(a.tmux);

		ck_assert_msg(a.at_tmux >= 0 &&
		    a.at_tmux <= SEL_POLL_MS + EVENT_MARGIN_MS,
		    "ipmux attach: no notice after %lld ms; screen:\n%s",
		    (long long)a.at_tmux, screen != NULL ? screen : "?");
		free(screen);
	}

	/* the SEL log and the health view */
	ck_assert_msg(fleet_wait_file_has(f, harness_path(h, "logs/node1.sel"),
	    CROSSING, 3000), "no '%s' in LOGDIR/node1.sel", CROSSING);
	wait_health("nc", "CPU Temp", 2, SENSOR_POLL_MS + 3000);
	sim_ok("sensor 0 0x41 140");	/* 5V 4.20 V: lower critical */
	wait_health("cr", "5V", 2, SENSOR_POLL_MS + 3000);
	rc = fleet_cli(f, CLI_MS, &out, NULL, (const char *const[]){
	    "health", NULL });
	ck_assert_msg(rc == 0 && strstr(out, "node1") && strstr(out, "cr"),
	    "ipmux health: exit %d: %s", rc, out);

	/* the SEL log says what ipmitool says, before and after a clear
	 * (the BMC's "log area reset/cleared" entry has sensor number 0) */
	ck_assert(fleet_wait_file_has(f, harness_path(h, "logs/node1.sel"),
	    "Lower Critical going low", SEL_POLL_MS + 3000));
	ck_assert_int_eq(cmp_sel_log(), 4);
	rc = fleet_cli(f, CLI_MS, &out, NULL, (const char *const[]){
	    "sel", "node1", "--clear", NULL });
	ck_assert_msg(rc == 0, "ipmux sel --clear: exit %d", rc);
	ck_assert(fleet_wait_file_has(f, harness_path(h, "logs/node1.sel"),
	    "Log area reset/cleared", SEL_POLL_MS + 3000));
	ck_assert_int_eq(cmp_sel_log(), 1);
	harness_tmux_free(a.tmux);
	fleet_free(f);
	f = NULL;
}
END_TEST

/* ---- no lost bytes under management load ---- */

/* Every request kind, pipelined on one connection; all must answer ok. */
static int
mgmt_burst(void)
{
	static const char *const reqs[] = {
		"{\"console\":\"node1\",\"op\":\"sensors\"}",
		"{\"console\":\"node1\",\"op\":\"sel\"}",
		"{\"console\":\"node1\",\"op\":\"power\","
		    "\"action\":\"status\"}",
		"{\"console\":\"node1\",\"op\":\"fru\"}",
		"{\"console\":\"node1\",\"op\":\"health\"}",
		"{\"console\":\"node1\",\"op\":\"sensors\",\"cached\":true}",
		"{\"console\":\"node1\",\"op\":\"identify\",\"action\":\"\","
		    "\"seconds\":1}",
		"{\"console\":\"node1\",\"op\":\"bootdev\",\"device\":\"pxe\","
		    "\"persistent\":false,\"efi\":true}",
	};
	struct fleet_client *c = fleet_client_hello(f);
	const struct fleet_msg *m;
	size_t i, n = sizeof(reqs) / sizeof(reqs[0]);

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < n; i++)
		ck_assert(fleet_client_send_json(c, PROTO_MGMT, reqs[i]));
	for (i = 0; i < n; i++) {
		m = fleet_client_wait_type(c, PROTO_MGMT_REPLY, CLI_MS);
		ck_assert_msg(m != NULL, "no MGMT_REPLY %zu of %zu", i + 1, n);
		ck_assert_msg(strstr((const char *)m->payload, "\"ok\":true")
		    != NULL, "MGMT_REPLY not ok: %.300s", m->payload);
	}
	fleet_client_free(c);
	return (int)n;
}

static int
cli_round(void)
{
	static const char *const cmds[][5] = {
		{ "sensors", "node1", "--json", NULL },
		{ "sel", "node1", "--json", NULL },
		{ "power", "node1", "status", "--json", NULL },
		{ "fru", "node1", "--json", NULL },
		{ "health", "--json", NULL },
	};
	const char *err = NULL;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		rc = fleet_cli(f, CLI_MS, NULL, &err, cmds[i]);
		ck_assert_msg(rc == 0, "ipmux %s during the stream: exit %d %s",
		    cmds[i][0], rc, err);
	}
	return (int)i;
}

/* Host bytes in the log so far (markers left out). */
static size_t
host_bytes(const char *log)
{
	size_t len = 0;
	unsigned char *b = harness_read_file(log, &len);

	ck_assert_ptr_nonnull(b);
	len = fleet_strip_markers_crlf(b, len);
	free(b);
	return len;
}

/* The numbered stream's first len bytes. */
static unsigned char *
numbered(size_t len)
{
	unsigned char *b = malloc(len + SIM_NUM_LINE + 1);
	char line[SIM_NUM_LINE + 1];
	size_t off;
	uint64_t k;

	ck_assert_ptr_nonnull(b);
	for (k = 0, off = 0; off < len; k++, off += SIM_NUM_LINE) {
		sim_numbered_line(k, line);
		memcpy(b + off, line, SIM_NUM_LINE);
	}
	return b;
}

START_TEST(test_stream_under_mgmt)
{
	static const char *const sim_args[] = { "--host-output", "numbered",
	    "--baud", "115200", NULL };
	const char *log, *why = NULL, *st;
	unsigned char *got, *want;
	size_t len0, len;
	int64_t t0, t1;
	int nreq = 0, rounds = 0;
	double rate;

	if (fleet_skip_without_daemon())
		return;
	start("daemon-stream", sim_args, "  sel_poll = 1000;\n"
	    "  sensor_poll = 1000;");
	log = harness_path(h, "logs/node1.log");
	ck_assert_msg(fleet_wait_file_has(f, log, "00000010 ", 10000),
	    "the numbered stream does not reach the log");
	/* a first sensor poll, for the cached request in the burst */
	wait_health("ok", NULL, 0, SENSOR_POLL_MS + 3000);
	len0 = host_bytes(log);
	t0 = harness_now_ms();
	while (harness_now_ms() - t0 < STREAM_MS) {
		nreq += mgmt_burst();
		nreq += cli_round();
		rounds++;
	}
	t1 = harness_now_ms();
	len = host_bytes(log);
	rate = (double)(len - len0) * 1000.0 / (double)(t1 - t0);
	st = harness_bmcsim_ctl(h, "stats 0");
	fprintf(stderr, "stream under management load: %d requests in %d "
	    "rounds over %lld ms; host bytes logged %zu, %.0f B/s (line rate "
	    "%d B/s); bmcsim: %s\n", nreq, rounds, (long long)(t1 - t0),
	    len - len0, rate, BAUD / 10, st != NULL ? st : "?");

	got = harness_read_file(log, &len);
	ck_assert_ptr_nonnull(got);
	fprintf(stderr, "markers in the log: %d bootdev, %d in all\n",
	    harness_file_count(log, " bootdev "), harness_file_count(log,
	    "[ipmux "));
	len = fleet_strip_markers_crlf(got, len);
	want = numbered(len);
	if (!fleet_same(got, len, want, len, &why))
		ck_abort_msg("console log vs the numbered stream (%zu bytes): "
		    "%s", len, why);
	ck_assert_msg(len >= 40 * SIM_NUM_LINE, "only %zu bytes logged", len);
	ck_assert_msg(st != NULL && strstr(st, " sol_bytes_lost=0 ") != NULL,
	    "bmcsim lost SOL bytes: %s", st != NULL ? st : "no stats");
	/* a stall, not a loss, but one worth seeing: SOL kept most of its
	 * pace while requests shared the session */
	ck_assert_msg(rate >= BAUD / 10 * 0.5, "console throughput %.0f B/s "
	    "under management load, line rate %d B/s", rate, BAUD / 10);
	free(got);
	free(want);
	fleet_free(f);
	f = NULL;
}
END_TEST

/* Pipeline n copies of a request on one connection: how many failed,
 * their replies in why. */
static int
pipelined(const char *req, int n, char *why, size_t cap)
{
	struct fleet_client *c = fleet_client_hello(f);
	const struct fleet_msg *m;
	int i, bad = 0;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < n; i++)
		ck_assert(fleet_client_send_json(c, PROTO_MGMT, req));
	for (i = 0; i < n; i++) {
		m = fleet_client_wait_type(c, PROTO_MGMT_REPLY, CLI_MS);
		ck_assert_msg(m != NULL, "%s: no MGMT_REPLY %d of %d", req,
		    i + 1, n);
		if (strstr((const char *)m->payload, "\"ok\":true") == NULL) {
			bad++;
			snprintf(why + strlen(why), cap - strlen(why),
			    "%.200s\n", m->payload);
		}
	}
	fleet_client_free(c);
	return bad;
}

/*
 * Several readers of one console's SDR or SEL at once, before any cache
 * exists (the daemon's first poll meeting a user's request, or two
 * users): each Reserve cancels the other readers' reservation, and every
 * request must still come through.
 */
START_TEST(test_concurrent_readers)
{
	static const char *const sim_args[] = { "--host-output", "silent",
	    "--drift-ms", "0", NULL };
	char why[2048] = "";
	int bad_sdr, bad_sel;

	if (fleet_skip_without_daemon())
		return;
	/* no polls: only the requests below read the repositories */
	start("daemon-readers", sim_args, "  sel_poll = 0;\n"
	    "  sensor_poll = 0;");
	sim_ok("sensor 0 0x70 1");	/* a SEL entry to read */
	bad_sdr = pipelined("{\"console\":\"node1\",\"op\":\"sensors\"}", 4,
	    why, sizeof(why));
	bad_sel = pipelined("{\"console\":\"node1\",\"op\":\"sel\"}", 4,
	    why, sizeof(why));
	ck_assert_msg(bad_sdr == 0 && bad_sel == 0, "concurrent requests "
	    "failed: sensors (cold SDR cache) %d of 4, sel %d of 4:\n%s",
	    bad_sdr, bad_sel, why);
	fleet_free(f);
	f = NULL;
}
END_TEST

/* ---- polling: data log, trends, the fleet's rate ---- */

#define POLL_NBMC 8
#define POLL_RATE 4		/* polls per second, fleet-wide */
#define RATE_WINDOW_MS 5000

static bool
poll_fleet_active(void *arg)
{
	json_object *l = fleet_list(arg), *e;
	char name[16];
	int i, n = 0;

	for (i = 0; l != NULL && i < POLL_NBMC; i++) {
		snprintf(name, sizeof(name), "node%d", i + 1);
		e = fleet_list_find(l, name);
		if (e != NULL && strcmp(fleet_entry_str(e, "state"),
		    "active") == 0)
			n++;
	}
	json_object_put(l);
	return n == POLL_NBMC;
}

/* ipmux_polls_total from `ipmux metrics`, or -1. */
static long long
polls_total(void)
{
	const char *out = NULL, *p;
	int rc = fleet_cli(f, CLI_MS, &out, NULL, (const char *const[]){
	    "metrics", NULL });

	if (rc != 0 || out == NULL ||
	    (p = strstr(out, "\nipmux_polls_total ")) == NULL)
		return -1;
	return strtoll(p + strlen("\nipmux_polls_total "), NULL, 10);
}

/* Every sensor of the cached reply has its line in text (NAME.sensors). */
static void
check_sensor_log(json_object *arr, const char *text)
{
	char line[512], val[64];
	json_object *e, *v;
	size_t i, n = json_object_array_length(arr);

	ck_assert_msg(n >= 10, "only %zu sensors in the cached reply", n);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		v = NULL;
		json_object_object_get_ex(e, "value", &v);
		snprintf(val, sizeof(val), "%s", v != NULL ?
		    fleet_entry_str(e, "reading") : "na");
		snprintf(line, sizeof(line), "\t%s\t%s\t%s\t%s\n",
		    fleet_entry_str(e, "name"), val, fleet_entry_str(e, "unit"),
		    fleet_entry_str(e, "status"));
		ck_assert_msg(strstr(text, line) != NULL, "node1.sensors has no "
		    "line '%s' (cached reply %s)", line,
		    json_object_to_json_string(e));
	}
}

/*
 * Eight consoles polling every second, the fleet limited to POLL_RATE
 * polls a second: the poll count over a window stays within the token
 * bucket's bound (unlimited it would be 16 a second); NAME.sensors holds
 * what the cached readings say; the cache keeps a history.
 */
START_TEST(test_polling)
{
	static const char *const sim_args[] = { "--host-output", "silent",
	    "--drift-ms", "0", NULL };
	char global[256];
	unsigned char *text;
	json_object *arr, *e, *hist;
	long long p0, p1, bound;
	int64_t t0, t1;
	size_t len;
	int rc;

	if (fleet_skip_without_daemon())
		return;
	f = fleet_new("daemon-polling");
	h = fleet_harness(f);
	ck_assert_msg(harness_bmcsim_start(h, POLL_NBMC, sim_args, &port) !=
	    NULL, "ipmux-bmcsim did not start");
	snprintf(global, sizeof(global), "  sensor_poll = 1000;\n"
	    "  sel_poll = 1000;\n  sensor_log = true;\n  poll_rate = %d;",
	    POLL_RATE);
	ck_assert_int_eq(fleet_write_bmcsim_config(f, port, POLL_NBMC, global,
	    NULL), 0);
	ck_assert_int_eq(fleet_start_daemon(f), 0);
	ck_assert_msg(fleet_wait(f, poll_fleet_active, f, UP_MS),
	    "the fleet did not come up");

	/* The bound is an upper one, so the window is a fixed wait. */
	p0 = polls_total();
	t0 = harness_now_ms();
	fleet_pump(f, RATE_WINDOW_MS);
	p1 = polls_total();
	t1 = harness_now_ms();
	bound = (long long)((t1 - t0) * POLL_RATE / 1000) + POLL_RATE + 1;
	fprintf(stderr, "poll rate: %lld polls in %llu ms (limit %d/s, bound "
	    "%lld; unlimited would be %d/s)\n", p1 - p0,
	    (unsigned long long)(t1 - t0), POLL_RATE, bound, 2 * POLL_NBMC);
	ck_assert_msg(p0 >= 0 && p1 > p0, "no polls counted (%lld -> %lld)",
	    p0, p1);
	ck_assert_msg(p1 - p0 <= bound, "%lld polls in %llu ms: over the "
	    "rate limit (bound %lld)", p1 - p0,
	    (unsigned long long)(t1 - t0), bound);

	ck_assert_msg(fleet_wait_file_has(f, harness_path(h,
	    "logs/node1.sensors"), "\tCPU Temp\t", 10000),
	    "no CPU Temp line in node1.sensors");
	arr = fleet_cli_json(f, CLI_MS, &rc, NULL, (const char *const[]){
	    "sensors", "node1", "--cached", "--json", NULL });
	ck_assert_msg(rc == 0 && arr != NULL &&
	    json_object_is_type(arr, json_type_array),
	    "ipmux sensors node1 --cached --json: exit %d", rc);
	text = harness_read_file(harness_path(h, "logs/node1.sensors"), &len);
	ck_assert_ptr_nonnull(text);
	check_sensor_log(arr, (const char *)text);
	free(text);
	e = json_object_array_get_idx(arr, 0);
	ck_assert_msg(json_object_object_get_ex(e, "history", &hist) &&
	    json_object_is_type(hist, json_type_array),
	    "no history in the cached reply: %s", json_object_to_json_string(e));
	json_object_put(arr);
	fleet_free(f);
	f = NULL;
}
END_TEST

static Suite *
daemon_health_suite(void)
{
	Suite *s = suite_create("daemon_health");
	TCase *tc = tcase_create("health");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threshold_event);
	tcase_add_test(tc, test_stream_under_mgmt);
	tcase_add_test(tc, test_concurrent_readers);
	tcase_add_test(tc, test_polling);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(daemon_health_suite)
