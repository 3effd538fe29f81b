/* loop.c — ipmux-solcat's libevent driver: UDP socket, clock and timer for the session, stdin/stdout, escapes, signals. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "escape.h"
#include "exitcodes.h"
#include "solcat.h"

#define SC_DGRAM_MAX 4096	/* LAN+ packets are far smaller */
#define SC_RX_BURST 64		/* datagrams per readiness callback */
#define SC_IN_CAP 4096		/* typed input waiting for the session */
#define SC_IN_READ_MIN 64	/* read stdin only with this much room */
#define SC_OUT_MAX (1u << 20)	/* console output waiting for stdout */
#define SC_RECHECK_MS 50	/* retry queued input this often */
#define SC_DRAIN_MS 2000	/* at exit, wait this long for stdout */

static const int sc_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define SC_NSIGS (sizeof(sc_signals) / sizeof(sc_signals[0]))

struct solcat {
	struct solcat_opts *o;
	struct event_base *base;
	struct event *ev_sock, *ev_in, *ev_out, *ev_timer, *ev_recheck;
	struct event *ev_sig[SC_NSIGS];
	int fd;
	struct sockaddr_storage sa;
	socklen_t salen;
	uint16_t port;			/* where we send now */
	char where[300];		/* host:port for messages */
	sol_session *s;
	escape *esc;
	char escname[12];
	struct evbuffer *out;
	size_t out_dropped;
	int out_errno;			/* stdout failed (set in callbacks) */
	uint8_t in[SC_IN_CAP];		/* parsed input for sol_session_write */
	size_t in_off, in_len;
	bool in_eof, in_reading, recheck_on;
	bool closed_seen;		/* state callback reported CLOSED */
	char detail[128];		/* its detail string */
	bool redirected;		/* SOL_R_PORT retry used */
	bool done;
	int exit_code;
};

static uint64_t
sc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A -v line: wall-clock time, so it can be matched with BMC logs. */
static void __attribute__((format(printf, 1, 2)))
sc_log(const char *fmt, ...)
{
	char msg[768], tbuf[16] = "";
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm) != NULL)
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	term_say("%s.%03ld %s: %s", tbuf, ts.tv_nsec / 1000000L, SOLCAT_NAME,
	    msg);
}

/* Try to move console output to stdout without blocking. */
static void
sc_flush(struct solcat *sc)
{
	int n;

	while (evbuffer_get_length(sc->out) > 0) {
		n = evbuffer_write(sc->out, STDOUT_FILENO);
		if (n > 0) {
			term_note_output();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    sc->out_errno == 0)
			sc->out_errno = errno;	/* acted on in sc_after */
		break;
	}
	if (evbuffer_get_length(sc->out) > 0 && sc->out_errno == 0) {
		event_add(sc->ev_out, NULL);
		return;
	}
	event_del(sc->ev_out);
	if (sc->out_dropped > 0 && evbuffer_get_length(sc->out) == 0) {
		term_say("[%s: %zu bytes of console output dropped]",
		    SOLCAT_NAME, sc->out_dropped);
		sc->out_dropped = 0;
	}
}

/* Session callbacks.  They never call back into the session: anything that
 * needs it (close, restart) is noted and done by sc_after. */

static void
sc_cb_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct solcat *sc = ctx;

	/* A lost datagram is the protocol's business (it retransmits). */
	if (send(sc->fd, buf, len, 0) < 0 && sc->o->verbose)
		sc_log("send: %s", strerror(errno));
}

static void
sc_cb_state(void *ctx, enum sol_state st, enum sol_reason r,
	    const char *detail)
{
	struct solcat *sc = ctx;

	if (sc->o->verbose)
		sc_log("state %s%s%s", sol_state_name(st),
		    r != SOL_R_NONE ? ", " : "",
		    r != SOL_R_NONE ? sol_reason_name(r) : "");
	if (st == SOL_ST_SOL_ACTIVE && sc->o->escape_on)
		term_say("[%s: SOL active on %s, cipher suite %d; escape %s, "
		    "%s? for help]", SOLCAT_NAME, sc->where,
		    sol_session_cipher(sc->s), sc->escname, sc->escname);
	else if (st == SOL_ST_SOL_ACTIVE)
		term_say("[%s: SOL active on %s, cipher suite %d; no escape]",
		    SOLCAT_NAME, sc->where, sol_session_cipher(sc->s));
	if (st == SOL_ST_CLOSED) {
		sc->closed_seen = true;
		snprintf(sc->detail, sizeof(sc->detail), "%s",
		    detail != NULL ? detail : "");
	}
}

static void
sc_cb_data(void *ctx, const uint8_t *buf, size_t len)
{
	struct solcat *sc = ctx;
	size_t have = evbuffer_get_length(sc->out), take = len;

	if (have + len > SC_OUT_MAX) {
		take = have < SC_OUT_MAX ? SC_OUT_MAX - have : 0;
		if (sc->out_dropped == 0)
			term_say("[%s: stdout is not keeping up; dropping "
			    "console output]", SOLCAT_NAME);
		sc->out_dropped += len - take;
	}
	if (take > 0)
		evbuffer_add(sc->out, buf, take);
	sc_flush(sc);
}

static void
sc_cb_status(void *ctx, unsigned bits)
{
	sc_log("SOL status 0x%02x%s%s%s%s%s", bits,
	    bits & SOL_STATUS_NACK ? " nack" : "",
	    bits & SOL_STATUS_UNAVAILABLE ? " unavailable" : "",
	    bits & SOL_STATUS_DEACTIVATING ? " deactivating" : "",
	    bits & SOL_STATUS_OVERRUN ? " overrun" : "",
	    bits & SOL_STATUS_BREAK ? " break" : "");
}

static void
sc_cb_trace(void *ctx, const char *msg)
{
	sc_log("%s", msg);
}

static void
sc_finish(struct solcat *sc, int code)
{
	sc->done = true;
	sc->exit_code = code;
	event_base_loopbreak(sc->base);
}

static void
sc_arm_timer(struct solcat *sc)
{
	uint64_t d = sol_session_deadline(sc->s), now = sc_now();
	struct timeval tv;

	if (d == SOL_NO_DEADLINE) {
		evtimer_del(sc->ev_timer);
		return;
	}
	/* now is rounded down, so the timer never fires before d. */
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(sc->ev_timer, &tv);
}

/* Close the session (fire and forget) and end with code. */
static void
sc_quit(struct solcat *sc, int code)
{
	sc->exit_code = code;
	sol_session_close(sc->s, sc_now());
	if (!sc->closed_seen)
		sc_finish(sc, code);	/* it was not running */
}

/* The BMC wants SOL on another port: reconnect there and start over. */
static void
sc_redirect(struct solcat *sc)
{
	uint16_t port = sol_session_redirect_port(sc->s);

	sc->redirected = true;
	term_say("[%s: %s asks for SOL on port %u; reconnecting]",
	    SOLCAT_NAME, sc->where, (unsigned)port);
	if (port == 0 || net_reconnect(sc->fd, &sc->sa, sc->salen, port) != 0) {
		term_say("%s: %s: cannot reconnect to port %u: %s",
		    SOLCAT_NAME, sc->o->host, (unsigned)port,
		    port == 0 ? "no port" : strerror(errno));
		sc_finish(sc, SOLCAT_EXIT_PORT);
		return;
	}
	sc->port = port;
	net_format(sc->o->host, port, sc->where, sizeof(sc->where));
	sol_session_set_port(sc->s, port);
	sol_session_start(sc->s, sc_now());
}

static void
sc_closed(struct solcat *sc)
{
	enum sol_reason r = sol_session_reason(sc->s);

	if (r == SOL_R_PORT && !sc->redirected) {
		sc_redirect(sc);
		return;
	}
	if (r == SOL_R_LOCAL || r == SOL_R_NONE) {
		sc_finish(sc, sc->exit_code);	/* we asked for it */
		return;
	}
	term_say("%s: %s: %s: %s", SOLCAT_NAME, sc->o->host,
	    sol_reason_name(r), sc->detail);
	sc_finish(sc, solcat_exit_code(r));
}

/* After every call into the session: act on what its callbacks noted,
 * then re-arm the one timer to its deadline. */
static void
sc_after(struct solcat *sc)
{
	while (!sc->done) {
		if (sc->closed_seen) {
			sc->closed_seen = false;
			sc_closed(sc);
		} else if (sc->out_errno != 0) {
			term_say("%s: stdout: %s", SOLCAT_NAME,
			    strerror(sc->out_errno));
			sc->out_errno = 0;
			sc_quit(sc, SOLCAT_EXIT_LOCAL);
		} else {
			sc_arm_timer(sc);
			return;
		}
	}
}

static void
sc_help(struct solcat *sc)
{
	char sec[8];

	escape_format_byte(sc->o->esc_second, sec, sizeof(sec));
	term_say("[%s escapes, anywhere in the input:", SOLCAT_NAME);
	term_say("  %s.  close the SOL session and quit", sc->escname);
	term_say("  %sb  send a serial break", sc->escname);
	term_say("  %s?  this help", sc->escname);
	term_say("  %s%s  send %s itself]", sc->escname, sec, sc->escname);
}

static void
sc_command(struct solcat *sc, const struct escape_event *ev)
{
	char ch[8];

	switch (ev->cmd) {
	case ESCAPE_QUIT:
		term_say("[%s: closing the SOL session]", SOLCAT_NAME);
		sc_quit(sc, SOLCAT_EXIT_OK);
		break;
	case ESCAPE_BREAK:
		if (sol_session_send_break(sc->s, sc_now()) == 0)
			term_say("[%s: break sent]", SOLCAT_NAME);
		else
			term_say("[%s: SOL is not active; no break sent]",
			    SOLCAT_NAME);
		break;
	case ESCAPE_HELP:
		sc_help(sc);
		break;
	default:
		escape_format_byte(ev->ch, ch, sizeof(ch));
		term_say("[%s: unknown escape %s%s; %s? for help]",
		    SOLCAT_NAME, sc->escname, ch, sc->escname);
		break;
	}
	sc_after(sc);
}

/* Run freshly read bytes through the escape parser into sc->in, acting on
 * commands in stream order.  The caller left room for n + ESCAPE_HOLD. */
static void
sc_parse(struct solcat *sc, const uint8_t *raw, size_t n)
{
	struct escape_event ev;
	size_t off = 0, olen, used;

	if (sc->esc == NULL) {
		memcpy(sc->in + sc->in_off + sc->in_len, raw, n);
		sc->in_len += n;
		return;
	}
	while (off < n && !sc->done) {
		used = escape_feed(sc->esc, raw + off, n - off,
		    sc->in + sc->in_off + sc->in_len, &olen, &ev);
		sc->in_len += olen;
		off += used;
		if (ev.cmd != ESCAPE_NONE)
			sc_command(sc, &ev);
	}
}

/* Read stdin only while there is room for it; poll the session with a
 * short timer while input waits (it takes more once the BMC acks). */
static void
sc_input_control(struct solcat *sc)
{
	bool want_read = !sc->in_eof &&
	    SC_IN_CAP - sc->in_len >= SC_IN_READ_MIN + ESCAPE_HOLD;
	bool want_recheck = sc->in_len > 0;
	struct timeval tv = { 0, SC_RECHECK_MS * 1000 };

	if (want_read != sc->in_reading) {
		if (want_read)
			event_add(sc->ev_in, NULL);
		else
			event_del(sc->ev_in);
		sc->in_reading = want_read;
	}
	if (want_recheck != sc->recheck_on) {
		if (want_recheck)
			event_add(sc->ev_recheck, &tv);
		else
			event_del(sc->ev_recheck);
		sc->recheck_on = want_recheck;
	}
}

/* Hand queued input to the session, then decide about stdin. */
static void
sc_pump(struct solcat *sc)
{
	size_t n;

	if (sc->done)
		return;
	if (sc->in_len > 0) {
		n = sol_session_write(sc->s, sc->in + sc->in_off, sc->in_len,
		    sc_now());
		sc->in_off += n;
		sc->in_len -= n;
		if (sc->in_len == 0)
			sc->in_off = 0;
		sc_after(sc);
		if (sc->done)
			return;
	}
	sc_input_control(sc);
}

static void
sc_on_stdin(evutil_socket_t fd, short what, void *arg)
{
	struct solcat *sc = arg;
	uint8_t raw[SC_IN_CAP];
	size_t room;
	ssize_t n;

	if (sc->in_off > 0) {
		memmove(sc->in, sc->in + sc->in_off, sc->in_len);
		sc->in_off = 0;
	}
	if (SC_IN_CAP - sc->in_len < SC_IN_READ_MIN + ESCAPE_HOLD) {
		sc_input_control(sc);	/* no room: wait for the session */
		return;
	}
	room = SC_IN_CAP - sc->in_len - ESCAPE_HOLD;
	n = read(STDIN_FILENO, raw, room);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF (or a hung-up tty): keep the console running. */
		if (n < 0 && sc->o->verbose)
			sc_log("stdin: %s", strerror(errno));
		if (sc->esc != NULL)
			sc->in_len += escape_flush(sc->esc, sc->in + sc->in_len);
		sc->in_eof = true;
	} else {
		sc_parse(sc, raw, (size_t)n);
	}
	sc_pump(sc);
}

static void
sc_on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct solcat *sc = arg;
	uint8_t buf[SC_DGRAM_MAX];
	ssize_t n;
	int i;

	for (i = 0; i < SC_RX_BURST && !sc->done; i++) {
		n = recv(sc->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			/* e.g. ECONNREFUSED from an ICMP error: the session's
			 * timers decide when the BMC is gone. */
			if (errno != EINTR && sc->o->verbose)
				sc_log("recv: %s", strerror(errno));
			continue;
		}
		sol_session_input(sc->s, buf, (size_t)n, sc_now());
		sc_after(sc);
	}
	sc_pump(sc);
}

static void
sc_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct solcat *sc = arg;

	sol_session_tick(sc->s, sc_now());
	sc_after(sc);
	sc_pump(sc);
}

static void
sc_on_recheck(evutil_socket_t fd, short what, void *arg)
{
	sc_pump(arg);
}

static void
sc_on_stdout(evutil_socket_t fd, short what, void *arg)
{
	struct solcat *sc = arg;

	sc_flush(sc);
	sc_after(sc);
}

static void
sc_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct solcat *sc = arg;

	term_say("[%s: %s; closing the SOL session]", SOLCAT_NAME,
	    strsignal((int)sig));
	sc_quit(sc, SOLCAT_EXIT_OK);
	sc_after(sc);
}

/* Create the session; the secrets are wiped as soon as it has its copy. */
static int
sc_session(struct solcat *sc, struct solcat_opts *o)
{
	struct sol_callbacks cb = {
		.send = sc_cb_send,
		.state = sc_cb_state,
		.data = sc_cb_data,
		.status = o->verbose ? sc_cb_status : NULL,
		.trace = o->verbose ? sc_cb_trace : NULL,
	};
	char err[256] = "bad configuration";

	o->cfg.port = sc->port;
	o->cfg.want_sol = true;
	if (o->password != NULL) {
		o->cfg.password = secret_data(o->password);
		o->cfg.password_len = secret_len(o->password);
	}
	if (o->kg != NULL && secret_len(o->kg) > 0) {
		o->cfg.kg = secret_data(o->kg);
		o->cfg.kg_len = secret_len(o->kg);
	}
	sc->s = sol_session_new(&o->cfg, &cb, sc, err, sizeof(err));
	o->cfg.password = o->cfg.kg = NULL;
	o->cfg.password_len = o->cfg.kg_len = 0;
	secret_free(o->password);
	secret_free(o->kg);
	o->password = o->kg = NULL;
	if (sc->s == NULL) {
		term_say("%s: %s", SOLCAT_NAME, err);
		return -1;
	}
	return 0;
}

/* The event base and every event; poll rather than epoll, because epoll
 * refuses regular files and /dev/null, which tests use as stdin. */
static int
sc_events(struct solcat *sc)
{
	struct event_config *ec = event_config_new();
	size_t i;

	if (ec == NULL)
		return -1;
	event_config_avoid_method(ec, "epoll");
	sc->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (sc->base == NULL)
		return -1;
	sc->ev_sock = event_new(sc->base, sc->fd, EV_READ | EV_PERSIST,
	    sc_on_sock, sc);
	sc->ev_in = event_new(sc->base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    sc_on_stdin, sc);
	sc->ev_out = event_new(sc->base, STDOUT_FILENO, EV_WRITE | EV_PERSIST,
	    sc_on_stdout, sc);
	sc->ev_timer = evtimer_new(sc->base, sc_on_timer, sc);
	sc->ev_recheck = event_new(sc->base, -1, EV_PERSIST, sc_on_recheck,
	    sc);
	sc->out = evbuffer_new();
	if (sc->ev_sock == NULL || sc->ev_in == NULL || sc->ev_out == NULL ||
	    sc->ev_timer == NULL || sc->ev_recheck == NULL || sc->out == NULL)
		return -1;
	for (i = 0; i < SC_NSIGS; i++) {
		sc->ev_sig[i] = evsignal_new(sc->base, sc_signals[i],
		    sc_on_signal, sc);
		if (sc->ev_sig[i] == NULL || event_add(sc->ev_sig[i], NULL))
			return -1;
	}
	return event_add(sc->ev_sock, NULL);
}

/* At exit: give stdout a bounded time to take the rest. */
static void
sc_drain(struct solcat *sc)
{
	uint64_t end = sc_now() + SC_DRAIN_MS, now;
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	while (sc->out != NULL && evbuffer_get_length(sc->out) > 0 &&
	    (now = sc_now()) < end) {
		if (poll(&p, 1, (int)(end - now)) <= 0)
			break;
		if (evbuffer_write(sc->out, STDOUT_FILENO) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			break;
	}
}

static void
sc_stats(const struct solcat *sc)
{
	const struct sol_stats *st = sol_session_stats(sc->s);

	sc_log("stats: rx %llu tx %llu bad %llu seqdrop %llu stray %llu "
	    "sol in %llu out %llu retrans %llu/%llu nacks %llu",
	    (unsigned long long)st->rx_packets,
	    (unsigned long long)st->tx_packets,
	    (unsigned long long)st->rx_bad,
	    (unsigned long long)st->rx_seq_drop,
	    (unsigned long long)st->rx_stray,
	    (unsigned long long)st->sol_bytes_in,
	    (unsigned long long)st->sol_bytes_out,
	    (unsigned long long)st->sol_retransmits,
	    (unsigned long long)st->req_retransmits,
	    (unsigned long long)st->sol_nacks);
}

static void
sc_cleanup(struct solcat *sc)
{
	size_t i;

	if (sc->s != NULL && sc->o->verbose)
		sc_stats(sc);
	sol_session_free(sc->s);
	escape_free(sc->esc);
	if (sc->out != NULL)
		evbuffer_free(sc->out);
	for (i = 0; i < SC_NSIGS; i++)
		if (sc->ev_sig[i] != NULL)
			event_free(sc->ev_sig[i]);
	if (sc->ev_sock != NULL)
		event_free(sc->ev_sock);
	if (sc->ev_in != NULL)
		event_free(sc->ev_in);
	if (sc->ev_out != NULL)
		event_free(sc->ev_out);
	if (sc->ev_timer != NULL)
		event_free(sc->ev_timer);
	if (sc->ev_recheck != NULL)
		event_free(sc->ev_recheck);
	if (sc->base != NULL)
		event_base_free(sc->base);
	if (sc->fd >= 0)
		close(sc->fd);
}

static int
sc_setup(struct solcat *sc, struct solcat_opts *o)
{
	char err[512];

	sc->port = o->port;
	net_format(o->host, o->port, sc->where, sizeof(sc->where));
	if (o->escape_on) {
		sc->esc = escape_new(o->esc, o->esc_second, NULL);
		escape_format(o->esc, o->esc_second, sc->escname,
		    sizeof(sc->escname));
		if (sc->esc == NULL) {
			term_say("%s: bad escape %s", SOLCAT_NAME,
			    sc->escname);
			return -1;
		}
	}
	sc->fd = net_connect(o->host, o->port, &sc->sa, &sc->salen, err,
	    sizeof(err));
	if (sc->fd < 0) {
		term_say("%s: %s", SOLCAT_NAME, err);
		return -1;
	}
	if (sc_session(sc, o) != 0)
		return -1;
	if (sc_events(sc) != 0) {
		term_say("%s: cannot set up the event loop", SOLCAT_NAME);
		return -1;
	}
	return 0;
}

int
loop_run(struct solcat_opts *o)
{
	struct solcat *sc;
	int rc = SOLCAT_EXIT_LOCAL;

	signal(SIGPIPE, SIG_IGN);	/* a closed stdout shows as EPIPE */
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return SOLCAT_EXIT_LOCAL;
	sc->o = o;
	sc->fd = -1;
	if (sc_setup(sc, o) != 0)
		goto out;
	/* Raw mode last: the signal events above already guard it. */
	if (term_init() != 0) {
		term_say("%s: cannot set up the terminal: %s", SOLCAT_NAME,
		    strerror(errno));
		goto out;
	}
	sol_session_start(sc->s, sc_now());
	sc_after(sc);
	sc_input_control(sc);
	if (!sc->done)
		event_base_dispatch(sc->base);
	sc_drain(sc);
	rc = sc->exit_code;
out:
	sc_cleanup(sc);
	term_restore();
	free(sc);
	return rc;
}
