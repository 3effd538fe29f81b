/* console.c — one console inside ipmuxd: drives its sol_session over a UDP socket, reconnects, fans output out. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "console.h"
#include "ctl.h"
#include "health.h"
#include "log.h"
#include "secret.h"

#define CON_DGRAM_MAX 4096	/* LAN+ packets are far smaller */
#define CON_RX_BURST 64		/* datagrams per readiness callback */

static void con_after(struct console *c);
static void con_connect(struct console *c);

const char *
console_state_name(enum con_state st)
{
	static const char *const names[CON_NSTATES] = {
		[CON_STOPPED] = "stopped",
		[CON_CONNECTING] = "connecting",
		[CON_ACTIVE] = "active",
		[CON_BACKOFF] = "backoff",
		[CON_FAILED] = "failed",
	};

	return (unsigned)st < CON_NSTATES ? names[st] : "unknown";
}

void
console_marker(struct console *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c->log != NULL)
		logfile_marker(c->log, time(NULL), "%s", buf);
}

/* A new state or reason; clients hear of it, the daemon log of failures. */
static void
con_set_state(struct console *c, enum con_state st, const char *reason)
{
	bool changed = st != c->state || strcmp(reason, c->reason) != 0;

	if (!changed)
		return;
	/* since: when the console last came up or went down, so a console
	 * cycling through retries shows how long it has been out. */
	if ((st == CON_ACTIVE) != (c->state == CON_ACTIVE) ||
	    (st == CON_STOPPED) != (c->state == CON_STOPPED))
		c->since = time(NULL);
	c->state = st;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	ctl_console_state(c);
}

/* Numeric addresses resolve without blocking; a name blocks the loop for
 * the resolver's time, once per start or config change (documented). */
static int
con_resolve(struct console *c, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)c->cfg->port);
	rc = getaddrinfo(c->cfg->host, port, &hints, &res);
	if (rc == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		rc = getaddrinfo(c->cfg->host, port, &hints, &res);
	}
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(c->sa)) {
		snprintf(err, errlen, "cannot resolve %s: %s", c->cfg->host,
		    rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(&c->sa, res->ai_addr, res->ai_addrlen);
	c->salen = res->ai_addrlen;
	c->resolved = true;
	freeaddrinfo(res);
	return 0;
}

static void
con_sa_set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
}

/* Session callbacks: they never call back into the session. */

static void
con_cb_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct console *c = ctx;

	/* A lost datagram is the protocol's business (it retransmits). */
	if (c->fd >= 0 && send(c->fd, buf, len, 0) < 0 &&
	    log_enabled(LOGL_DEBUG))
		log_msg(LOGL_DEBUG, "%s: send: %s", c->name, strerror(errno));
}

static void
con_release_slot(struct console *c)
{
	if (c->hs.holding || c->hs.queued) {
		hs_gate_release(&c->d->gate, &c->hs);
		ipmuxd_kick_gate(c->d);
	}
}

static void
con_cb_state(void *ctx, enum sol_state st, enum sol_reason r,
	     const char *detail)
{
	struct console *c = ctx;

	if (log_enabled(LOGL_DEBUG))
		log_msg(LOGL_DEBUG, "%s: %s%s%s", c->name, sol_state_name(st),
		    r != SOL_R_NONE ? ": " : "",
		    r != SOL_R_NONE ? sol_reason_name(r) : "");
	if (st == SOL_ST_SOL_ACTIVE) {
		c->was_active = true;
		c->up_at = ipmuxd_now_ms();
		c->session_id = sol_session_console_id(c->s);
		c->sessions++;
		con_release_slot(c);
		con_set_state(c, CON_ACTIVE, "");
		console_marker(c, "session up (suite %d)",
		    sol_session_cipher(c->s));
		log_msg(LOGL_INFO, "%s: session up (suite %d)", c->name,
		    sol_session_cipher(c->s));
		health_session_up(c);
	} else if (st == SOL_ST_CLOSED) {
		c->closed_seen = true;
		snprintf(c->detail, sizeof(c->detail), "%s",
		    detail != NULL ? detail : "");
	} else if (c->state == CON_ACTIVE && st < SOL_ST_SOL_ACTIVE) {
		con_set_state(c, CON_CONNECTING, "SOL re-activating");
	}
}

static void
con_cb_data(void *ctx, const uint8_t *buf, size_t len)
{
	struct console *c = ctx;
	struct ctl_client *cl, *next;

	c->bytes_in += len;
	c->d->bytes_in += len;
	ring_write(c->ring, buf, len);
	logfile_write(c->log, buf, len, time(NULL));
	/* ctl_client_data never detaches, but stay safe if it ever does. */
	for (cl = TAILQ_FIRST(&c->clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, clink);
		ctl_client_data(cl, buf, len);
	}
}

static void
con_cb_status(void *ctx, unsigned bits)
{
	struct console *c = ctx;

	log_msg(LOGL_DEBUG, "%s: SOL status 0x%02x", c->name, bits);
}

static void
con_cb_response(void *ctx, uint32_t tag, int cc, const uint8_t *data,
		size_t len)
{
	health_response(ctx, tag, cc, data, len);
}

static void
con_cb_trace(void *ctx, const char *msg)
{
	struct console *c = ctx;

	log_msg(LOGL_DEBUG, "%s: %s", c->name, msg);
}

/* Free the session and its socket; the console object stays. Management
 * jobs fail with why. */
static void
con_drop_session(struct console *c, const char *why)
{
	con_release_slot(c);
	if (c->ev_sock != NULL) {
		event_free(c->ev_sock);
		c->ev_sock = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	evtimer_del(c->ev_timer);
	/* Whatever the session still owed an answer fails with why. */
	health_session_down(c, why);
	sol_session_free(c->s);
	c->s = NULL;
	c->closed_seen = false;
	c->session_id = 0;
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
}

/* Wait, then queue for a slot again. */
static void
con_schedule_retry(struct console *c)
{
	const struct cfg_global *g = &c->d->cfg->g;
	uint32_t ms = backoff_next(&c->bo, g->backoff_min_ms,
	    g->backoff_max_ms, arc4random());
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	log_msg(LOGL_DEBUG, "%s: retry in %u ms", c->name, ms);
	evtimer_add(c->ev_retry, &tv);
}

/* Failures a quick retry will not fix show as "failed" (still retried). */
static bool
con_reason_fatal(enum sol_reason r)
{
	return r == SOL_R_AUTH || r == SOL_R_CIPHER ||
	    r == SOL_R_SOL_DISABLED || r == SOL_R_SOL_ACTIVE;
}

/* The session ended on its own (not closed by us). */
static void
con_lost(struct console *c, enum sol_reason r)
{
	char why[sizeof(c->reason)];
	bool was_active = c->was_active;

	snprintf(why, sizeof(why), "%s%s%s", sol_reason_name(r),
	    c->detail[0] != '\0' ? ": " : "", c->detail);
	if (r == SOL_R_AUTH) {
		c->auth_failures++;
		c->d->auth_failures++;
	}
	/* "BMC busy" right after a failed login is usually the BMC still
	 * holding our failed attempts' half-open sessions: keep showing the
	 * cause an admin can act on. */
	if (r == SOL_R_BUSY && !was_active && c->state == CON_FAILED) {
		log_msg(LOGL_DEBUG, "%s: %s (still failed: %s)", c->name, why,
		    c->reason);
		con_drop_session(c, "session lost: BMC busy");
		con_schedule_retry(c);
		return;
	}
	if (was_active) {
		backoff_link_down(&c->bo, ipmuxd_now_ms() - c->up_at,
		    c->d->cfg->g.backoff_reset_ms);
		console_marker(c, "session lost: %s", why);
		log_msg(LOGL_WARN, "%s: session lost: %s", c->name, why);
	} else if (strcmp(why, c->reason) != 0) {
		log_msg(LOGL_WARN, "%s: cannot connect: %s", c->name, why);
	}
	{
		char lost[sizeof(why) + 16];

		snprintf(lost, sizeof(lost), "session lost: %s", why);
		con_drop_session(c, lost);
	}
	c->was_active = false;
	con_set_state(c, con_reason_fatal(r) ? CON_FAILED : CON_BACKOFF, why);
	con_schedule_retry(c);
}

/* Set-up failed before any session ran (resolver, socket, secrets). */
static void
con_setup_failed(struct console *c, const char *why)
{
	if (strcmp(why, c->reason) != 0)
		log_msg(LOGL_WARN, "%s: %s", c->name, why);
	con_drop_session(c, why);
	con_set_state(c, CON_FAILED, why);
	con_schedule_retry(c);
}

/* The BMC wants SOL on another port: once per session, go there. */
static bool
con_redirect(struct console *c)
{
	uint16_t port = sol_session_redirect_port(c->s);
	struct sockaddr_storage sa = c->sa;

	if (c->redirected || port == 0)
		return false;
	c->redirected = true;
	con_sa_set_port(&sa, port);
	if (connect(c->fd, (struct sockaddr *)&sa, c->salen) != 0) {
		snprintf(c->detail, sizeof(c->detail),
		    "cannot reconnect to port %u: %s", (unsigned)port,
		    strerror(errno));
		return false;
	}
	log_msg(LOGL_INFO, "%s: SOL on port %u", c->name, (unsigned)port);
	sol_session_set_port(c->s, port);
	c->in_call = true;
	sol_session_start(c->s, ipmuxd_now_ms());
	c->in_call = false;
	return true;
}

static void
con_closed(struct console *c)
{
	enum sol_reason r = sol_session_reason(c->s);

	if (r == SOL_R_LOCAL)
		return;		/* whoever closed it tears it down */
	if (r == SOL_R_PORT && con_redirect(c))
		return;
	con_lost(c, r);
}

static void
con_arm_timer(struct console *c)
{
	uint64_t d = sol_session_deadline(c->s), now = ipmuxd_now_ms();
	struct timeval tv;

	if (d == SOL_NO_DEADLINE) {
		evtimer_del(c->ev_timer);
		return;
	}
	/* now is rounded down, so the timer never fires before d. */
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(c->ev_timer, &tv);
}

/* Hand queued input to the session as far as it takes it. */
static void
con_pump(struct console *c)
{
	size_t len = evbuffer_get_length(c->in), n;

	if (len == 0 || sol_session_state(c->s) != SOL_ST_SOL_ACTIVE)
		return;
	c->in_call = true;
	n = sol_session_write(c->s, evbuffer_pullup(c->in, -1), len,
	    ipmuxd_now_ms());
	c->in_call = false;
	evbuffer_drain(c->in, n);
	c->bytes_out += n;
	c->d->bytes_out += n;
}

/* After every call into the session: act on what the callbacks noted,
 * move input along, re-arm the one timer to the session's deadline. */
static void
con_after(struct console *c)
{
	if (c->in_call)
		return;
	while (c->s != NULL) {
		if (c->closed_seen) {
			c->closed_seen = false;
			con_closed(c);
			continue;
		}
		con_pump(c);
		if (c->s == NULL || c->closed_seen)
			continue;
		con_arm_timer(c);
		return;
	}
}

static void
con_on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct console *c = arg;
	uint8_t buf[CON_DGRAM_MAX];
	ssize_t n;
	int i;

	for (i = 0; i < CON_RX_BURST && c->s != NULL; i++) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			/* e.g. ECONNREFUSED from an ICMP error: the session's
			 * timers decide when the BMC is gone. */
			if (errno != EINTR)
				log_msg(LOGL_DEBUG, "%s: recv: %s", c->name,
				    strerror(errno));
			continue;
		}
		c->in_call = true;
		sol_session_input(c->s, buf, (size_t)n, ipmuxd_now_ms());
		c->in_call = false;
		con_after(c);
	}
}

static void
con_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct console *c = arg;

	if (c->s == NULL)
		return;
	c->in_call = true;
	sol_session_tick(c->s, ipmuxd_now_ms());
	c->in_call = false;
	con_after(c);
}

static void
con_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct console *c = arg;

	c->reconnects++;
	c->d->reconnects++;
	console_start(c);
}

/* Read the secrets, create the session, wipe our copies at once. */
static sol_session *
con_new_session(struct console *c, char *err, size_t errlen)
{
	const struct cfg_profile *p = c->cfg->profile;
	const struct cfg_global *g = &c->d->cfg->g;
	struct sol_callbacks cb = {
		.send = con_cb_send,
		.state = con_cb_state,
		.data = con_cb_data,
		.status = con_cb_status,
		.response = con_cb_response,
		.trace = log_enabled(LOGL_DEBUG) ? con_cb_trace : NULL,
	};
	struct sol_config sc = {
		.user = p->user,
		.cipher = config_console_cipher(c->cfg),
		.allow_weak = p->allow_weak,
		.privilege = p->privilege,
		.quirks = config_console_quirks(c->cfg),
		.steal = (enum sol_steal_policy)config_console_steal(c->cfg),
		.want_sol = true,
		.port = c->cfg->port,
		.keepalive_ms = g->keepalive_ms,
		.dead_ms = g->dead_ms,
	};
	secret *pw = NULL, *kg = NULL;
	sol_session *s = NULL;

	if (p->password_file != NULL && secret_from_file(p->password_file,
	    "password", SECRET_IPMI_MAX, 0, &pw, err, errlen) != 0)
		return NULL;
	if (p->kg_file != NULL && secret_from_file(p->kg_file, "Kg",
	    SECRET_IPMI_MAX, SECRET_HEX, &kg, err, errlen) != 0) {
		secret_free(pw);
		return NULL;
	}
	if (pw != NULL) {
		sc.password = secret_data(pw);
		sc.password_len = secret_len(pw);
	}
	if (kg != NULL && secret_len(kg) > 0) {
		sc.kg = secret_data(kg);
		sc.kg_len = secret_len(kg);
	}
	s = sol_session_new(&sc, &cb, c, err, errlen);
	sc.password = sc.kg = NULL;
	secret_free(pw);
	secret_free(kg);
	return s;
}

static int
con_open_socket(struct console *c, char *err, size_t errlen)
{
	c->fd = socket(c->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* connect: the kernel drops datagrams from anyone else. */
	if (connect(c->fd, (struct sockaddr *)&c->sa, c->salen) != 0) {
		snprintf(err, errlen, "connect %s: %s", c->cfg->host,
		    strerror(errno));
		return -1;
	}
	c->ev_sock = event_new(c->d->base, c->fd, EV_READ | EV_PERSIST,
	    con_on_sock, c);
	if (c->ev_sock == NULL || event_add(c->ev_sock, NULL) != 0) {
		snprintf(err, errlen, "cannot watch the socket");
		return -1;
	}
	return 0;
}

/* Holding a slot: resolve, open a socket, start a new session. */
static void
con_connect(struct console *c)
{
	char err[256];

	c->redirected = false;
	c->was_active = false;
	c->closed_seen = false;
	if (!c->resolved && con_resolve(c, err, sizeof(err)) != 0)
		goto fail;
	con_sa_set_port(&c->sa, c->cfg->port);
	if (con_open_socket(c, err, sizeof(err)) != 0)
		goto fail;
	if ((c->s = con_new_session(c, err, sizeof(err))) == NULL)
		goto fail;
	c->in_call = true;
	sol_session_start(c->s, ipmuxd_now_ms());
	c->in_call = false;
	con_after(c);
	return;
fail:
	con_setup_failed(c, err);
}

void
console_start(struct console *c)
{
	char why[sizeof(c->reason)];

	if (c->d->stopping || c->s != NULL)
		return;
	evtimer_del(c->ev_retry);
	/* A retry keeps showing why the last attempt failed. */
	snprintf(why, sizeof(why), "%s", c->state == CON_BACKOFF ||
	    c->state == CON_FAILED ? c->reason : "");
	con_set_state(c, CON_CONNECTING, why);
	if (hs_gate_acquire(&c->d->gate, &c->hs))
		con_connect(c);
}

void
console_slot_granted(struct console *c)
{
	if (c->s == NULL)
		con_connect(c);
}

/* Close our session: Deactivate Payload + Close Session go out now. */
static void
con_close_session(struct console *c, const char *marker)
{
	if (c->s == NULL)
		return;
	c->in_call = true;
	sol_session_close(c->s, ipmuxd_now_ms());
	c->in_call = false;
	if (c->was_active && marker != NULL)
		console_marker(c, "%s", marker);
	con_drop_session(c, marker != NULL ? marker : "session closed");
	c->was_active = false;
}

void
console_stop(struct console *c, const char *why, const char *marker)
{
	struct ctl_client *cl;

	evtimer_del(c->ev_retry);
	con_release_slot(c);
	con_close_session(c, marker);
	while ((cl = TAILQ_FIRST(&c->clients)) != NULL)
		ctl_client_detach(cl, why);
	con_set_state(c, CON_STOPPED, why);
}

void
console_restart(struct console *c, const struct cfg_console *cfg)
{
	con_close_session(c, "configuration changed; reconnecting");
	evtimer_del(c->ev_retry);
	con_release_slot(c);
	c->cfg = cfg;
	c->resolved = false;
	c->bo.attempt = 0;
	console_start(c);
}

/* The log file as the live config describes it. */
static logfile *
con_open_log(struct console *c, char *err, size_t errlen)
{
	const struct cfg_global *g = &c->d->cfg->g;
	struct logfile_opts lo = {
		.dir = c->d->logdir,
		.name = c->name,
		.timestamps = g->log_timestamps,
		.rotate_size = g->log_rotate_size,
		.rotate_age = g->log_rotate_age,
		.retain = g->log_retain,
		.compress = g->log_compress,
	};

	return logfile_open(&lo, err, errlen);
}

int
console_log_reconfigure(struct console *c)
{
	char err[512];
	logfile *l;

	/* Open the new one first: on failure the old one carries on. Both
	 * append, and the old one is flushed before anything else is
	 * written, so no byte is lost or reordered. */
	if ((l = con_open_log(c, err, sizeof(err))) == NULL) {
		log_msg(LOGL_WARN, "%s: keeping the old log settings: %s",
		    c->name, err);
		return -1;
	}
	c->d->log_dropped_gone += logfile_dropped(c->log);
	logfile_close(c->log);
	c->log = l;
	return 0;
}

struct console *
console_new(struct ipmuxd *d, const struct cfg_console *cfg, char *err,
	    size_t errlen)
{
	const struct cfg_global *g = &d->cfg->g;
	struct console *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->d = d;
	c->cfg = cfg;
	c->fd = -1;
	c->since = time(NULL);
	TAILQ_INIT(&c->clients);
	c->name = strdup(cfg->name);
	c->ring = ring_new(g->scrollback);
	c->in = evbuffer_new();
	c->ev_timer = evtimer_new(d->base, con_on_timer, c);
	c->ev_retry = evtimer_new(d->base, con_on_retry, c);
	c->health = c->name != NULL ? health_new(c) : NULL;
	if (c->name == NULL || c->ring == NULL || c->in == NULL ||
	    c->ev_timer == NULL || c->ev_retry == NULL || c->health == NULL) {
		snprintf(err, errlen, "out of memory");
		console_free(c);
		return NULL;
	}
	if ((c->log = con_open_log(c, err, errlen)) == NULL) {
		console_free(c);
		return NULL;
	}
	return c;
}

void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	if (c->state != CON_STOPPED || c->s != NULL || c->nclients > 0)
		console_stop(c, "console stopped", NULL);
	health_free(c->health);
	c->health = NULL;
	if (c->log != NULL) {
		c->d->log_dropped_gone += logfile_dropped(c->log);
		logfile_close(c->log);
	}
	ring_free(c->ring);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->ev_timer != NULL)
		event_free(c->ev_timer);
	if (c->ev_retry != NULL)
		event_free(c->ev_retry);
	free(c->name);
	free(c);
}

size_t
console_input(struct console *c, const uint8_t *buf, size_t len,
	      const char **why)
{
	if (c->s == NULL || c->state != CON_ACTIVE) {
		*why = "console is not active";
		return 0;
	}
	if (evbuffer_get_length(c->in) + len > CONSOLE_INPUT_MAX) {
		*why = "console input buffer full";
		return 0;
	}
	if (evbuffer_add(c->in, buf, len) != 0) {
		*why = "out of memory";
		return 0;
	}
	con_after(c);
	return len;
}

int
console_request(struct console *c, uint8_t netfn, uint8_t cmd,
		const uint8_t *data, size_t len, uint32_t tag, const char **why)
{
	int rc;

	if (c->s == NULL || c->state != CON_ACTIVE) {
		*why = "console is not active";
		return -1;
	}
	c->in_call = true;
	rc = sol_session_request(c->s, netfn, cmd, data, len, tag,
	    ipmuxd_now_ms());
	c->in_call = false;
	con_after(c);
	if (rc != 0)
		*why = "the session's request queue is full";
	return rc;
}

int
console_break(struct console *c, const char **why)
{
	int rc;

	if (c->s == NULL || c->state != CON_ACTIVE) {
		*why = "console is not active";
		return -1;
	}
	/* Input typed before the break goes first. */
	con_pump(c);
	c->in_call = true;
	rc = sol_session_send_break(c->s, ipmuxd_now_ms());
	c->in_call = false;
	con_after(c);
	if (rc != 0)
		*why = "SOL is not active";
	return rc;
}

void
console_logs_reopen(struct console *c)
{
	if (c->log != NULL && logfile_reopen(c->log) != 0)
		log_msg(LOGL_WARN, "%s: cannot reopen the log", c->name);
}

void
console_logs_tick(struct console *c, time_t now)
{
	if (c->log == NULL)
		return;
	logfile_maybe_rotate(c->log, now);
	logfile_flush(c->log, false);
}
