/* sim_ctl.c — ipmux-bmcsim's control socket: a Unix stream line protocol to inject faults, reboot, power and inspect BMCs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "sim.h"

/*
 * One command per line, one reply line each: "ok", "ok key=value ..."
 * (stats) or "error: why".  BMC is an index or "all":
 *   loss|dup|reorder BMC|all PCT
 *   delay BMC|all MS [JITTER]
 *   silent BMC|all on|off
 *   reboot BMC|all SECONDS
 *   sessionlimit BMC|all N
 *   power BMC|all on|off
 *   sensor BMC|all NUM RAW|auto
 *   stats BMC
 *   quit
 */

#define CTL_LINE_MAX 256
#define CTL_ARGS 6
#define CTL_CONNS 16

struct sim_ctl {
	struct sim *sim;
	struct evconnlistener *lis;
	char *path;
	struct bufferevent *conn[CTL_CONNS];
	bool quitting;
};

static void
conn_close(struct sim_ctl *c, struct bufferevent *bev)
{
	int i;

	for (i = 0; i < CTL_CONNS; i++)
		if (c->conn[i] == bev)
			c->conn[i] = NULL;
	bufferevent_free(bev);
}

/* A range of BMCs from "all" or an index. */
static int
bmc_range(struct sim *sim, const char *s, uint32_t *lo, uint32_t *hi)
{
	char *end;
	unsigned long v;

	if (s == NULL)
		return -1;
	if (strcmp(s, "all") == 0) {
		*lo = 0;
		*hi = sim->opt.count;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v >= sim->opt.count)
		return -1;
	*lo = (uint32_t)v;
	*hi = (uint32_t)v + 1;
	return 0;
}

static int
num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

static int
onoff(const char *s, bool *out)
{
	if (s != NULL && strcmp(s, "on") == 0)
		*out = true;
	else if (s != NULL && strcmp(s, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static void
reply_stats(struct sim_bmc *sb, char *out, size_t cap)
{
	const struct bmc_stats *s = bmc_stats(sb->b);

	snprintf(out, cap, "ok rx=%" PRIu64 " tx=%" PRIu64 " rx_bad=%" PRIu64
	    " rx_seq_drop=%" PRIu64 " rx_unknown_sid=%" PRIu64
	    " faults_dropped=%" PRIu64 " faults_duped=%" PRIu64
	    " faults_reordered=%" PRIu64 " ipmi_requests=%" PRIu64
	    " sessions_opened=%" PRIu64 " sessions_closed=%" PRIu64
	    " sessions_expired=%" PRIu64 " close_session=%" PRIu64
	    " deactivate=%" PRIu64 " activate=%" PRIu64 " sol_rx=%" PRIu64
	    " sol_tx=%" PRIu64 " sol_retransmits=%" PRIu64
	    " sol_stray=%" PRIu64 " sol_nacks_sent=%" PRIu64
	    " sol_bytes_to_host=%" PRIu64 " sol_bytes_from_host=%" PRIu64
	    " sol_bytes_lost=%" PRIu64 " breaks=%" PRIu64 " sessions=%u"
	    " sol_owner=0x%08x delay_dropped=%" PRIu64,
	    s->rx, s->tx, s->rx_bad, s->rx_seq_drop, s->rx_unknown_sid,
	    s->faults_dropped, s->faults_duped, s->faults_reordered,
	    s->ipmi_requests, s->sessions_opened, s->sessions_closed,
	    s->sessions_expired, s->close_session, s->deactivate, s->activate,
	    s->sol_rx, s->sol_tx, s->sol_retransmits, s->sol_stray,
	    s->sol_nacks_sent, s->sol_bytes_to_host, s->sol_bytes_from_host,
	    s->sol_bytes_lost, s->breaks, bmc_session_count(sb->b),
	    bmc_sol_owner(sb->b), sb->dq != NULL ? sb->dq->dropped : 0);
}

/* Apply one command to one BMC; NULL or the error text. */
static const char *
apply(struct sim_bmc *sb, char **av, int ac, uint64_t now)
{
	unsigned long a = 0, b = 0;
	bool on;

	if (strcmp(av[0], "loss") == 0 || strcmp(av[0], "dup") == 0 ||
	    strcmp(av[0], "reorder") == 0) {
		if (ac != 3 || num(av[2], 100, &a) != 0)
			return "usage: loss|dup|reorder BMC|all PCT";
		sim_set_fault(sb, av[0][0] == 'l' ? SIM_F_LOSS :
		    av[0][0] == 'd' ? SIM_F_DUP : SIM_F_REORDER, (unsigned)a);
	} else if (strcmp(av[0], "delay") == 0) {
		if (ac < 3 || ac > 4 || num(av[2], 60000, &a) != 0 ||
		    (ac == 4 && num(av[3], a, &b) != 0))
			return "usage: delay BMC|all MS [JITTER<=MS]";
		if (sim_set_delay(sb, (uint32_t)a, (uint32_t)b) != 0)
			return "out of memory";
	} else if (strcmp(av[0], "silent") == 0) {
		if (ac != 3 || onoff(av[2], &on) != 0)
			return "usage: silent BMC|all on|off";
		bmc_faults(sb->b)->silent = on;
		sb->reboot_silent = false;
	} else if (strcmp(av[0], "reboot") == 0) {
		if (ac != 3 || num(av[2], 3600, &a) != 0)
			return "usage: reboot BMC|all SECONDS";
		sim_reboot(sb, (uint32_t)a, now);
	} else if (strcmp(av[0], "sessionlimit") == 0) {
		if (ac != 3 || num(av[2], BMC_MAX_SESSIONS, &a) != 0 || a < 1)
			return "usage: sessionlimit BMC|all 1..8";
		if (sim_set_session_limit(sb, (unsigned)a) != 0)
			return "out of memory";
	} else if (strcmp(av[0], "power") == 0) {
		if (ac != 3 || onoff(av[2], &on) != 0)
			return "usage: power BMC|all on|off";
		mgmt_set_power(sb->m, on, now);
	} else if (strcmp(av[0], "sensor") == 0) {
		if (ac != 4 || num(av[2], 255, &a) != 0 ||
		    (strcmp(av[3], "auto") != 0 && num(av[3], 255, &b) != 0))
			return "usage: sensor BMC NUM RAW|auto";
		/* auto: drift again, logging the way back as a BMC would */
		if ((strcmp(av[3], "auto") == 0 ?
		    mgmt_release_sensor(sb->m, (uint8_t)a, now) :
		    mgmt_set_sensor_raw(sb->m, (uint8_t)a, (uint8_t)b,
		    now)) != 0)
			return "no such sensor";
	} else {
		return "unknown command";
	}
	return NULL;
}

static bool
known(const char *cmd)
{
	static const char *const cmds[] = { "loss", "dup", "reorder", "delay",
	    "silent", "reboot", "sessionlimit", "power", "sensor", "stats" };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return true;
	return false;
}

static void
execute(struct sim_ctl *c, char *line, char *out, size_t cap)
{
	char *av[CTL_ARGS + 1], *save = NULL, *t;
	const char *err = NULL;
	uint32_t lo, hi, i;
	uint64_t now = sim_now();
	int ac = 0;

	for (t = strtok_r(line, " \t\r", &save); t != NULL && ac <= CTL_ARGS;
	     t = strtok_r(NULL, " \t\r", &save))
		av[ac++] = t;
	if (ac == 0 || ac > CTL_ARGS) {
		snprintf(out, cap, "error: %s", ac == 0 ? "empty line" :
		    "too many words");
		return;
	}
	if (strcmp(av[0], "quit") == 0) {
		snprintf(out, cap, "ok");
		c->quitting = true;
		return;
	}
	if (!known(av[0])) {
		snprintf(out, cap, "error: unknown command '%.32s'", av[0]);
		return;
	}
	if (bmc_range(c->sim, av[1], &lo, &hi) != 0) {
		snprintf(out, cap, "error: bad BMC '%s' (0..%u or all)",
		    ac > 1 ? av[1] : "", c->sim->opt.count - 1);
		return;
	}
	if (strcmp(av[0], "stats") == 0) {
		if (hi - lo != 1)
			snprintf(out, cap, "error: stats takes one BMC");
		else
			reply_stats(&c->sim->bmcs[lo], out, cap);
		return;
	}
	for (i = lo; i < hi && err == NULL; i++) {
		err = apply(&c->sim->bmcs[i], av, ac, now);
		sim_bmc_service(&c->sim->bmcs[i], now);
	}
	if (err != NULL)
		snprintf(out, cap, "error: %s", err);
	else
		snprintf(out, cap, "ok");
}

static void conn_event(struct bufferevent *bev, short what, void *arg);

static void
quit_written(struct bufferevent *bev, void *arg)
{
	struct sim_ctl *c = arg;

	sim_quit(c->sim);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct sim_ctl *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char out[1024], *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (n > CTL_LINE_MAX)
			snprintf(out, sizeof(out), "error: line too long");
		else
			execute(c, line, out, sizeof(out));
		free(line);
		bufferevent_write(bev, out, strlen(out));
		bufferevent_write(bev, "\n", 1);
	}
	if (c->quitting) {
		/* say "ok" before the loop ends */
		bufferevent_setcb(bev, NULL, quit_written, conn_event, c);
		return;
	}
	if (evbuffer_get_length(in) > CTL_LINE_MAX)
		conn_close(c, bev);	/* a line that never ends */
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_close(arg, bev);
}

static void
accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
	  struct sockaddr *sa, int salen, void *arg)
{
	struct sim_ctl *c = arg;
	struct bufferevent *bev;
	int i;

	for (i = 0; i < CTL_CONNS && c->conn[i] != NULL; i++)
		;
	if (i == CTL_CONNS ||
	    (bev = bufferevent_socket_new(c->sim->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return;
	}
	c->conn[i] = bev;
	bufferevent_setcb(bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct sim_ctl *
sim_ctl_new(struct sim *sim, const char *path)
{
	struct sim_ctl *c;
	struct sockaddr_un sun;
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: control path too long\n", SIM_NAME);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		return NULL;
	}
	c->sim = sim;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	(void)unlink(path);
	old = umask(077);	/* it can reboot BMCs: owner only */
	c->lis = evconnlistener_new_bind(sim->base, accept_cb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 8,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (c->lis == NULL) {
		fprintf(stderr, "%s: control socket %s: %s\n", SIM_NAME, path,
		    strerror(errno));
		sim_ctl_free(c);
		return NULL;
	}
	return c;
}

void
sim_ctl_free(struct sim_ctl *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_CONNS; i++)
		if (c->conn[i] != NULL)
			bufferevent_free(c->conn[i]);
	if (c->lis != NULL) {
		evconnlistener_free(c->lis);
		(void)unlink(c->path);
	}
	free(c->path);
	free(c);
}
