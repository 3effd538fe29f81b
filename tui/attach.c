/* attach.c — "ipmux attach": a raw terminal pass-through to one console, with conserver-style escapes. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include "escape.h"
#include "ipmux.h"

#define ATT_READ 4096
#define ATT_DEFAULT_REPLAY 4096	/* bytes for ^Ecr without --replay */
#define ATT_EXTRA "fsr"		/* force, spy, replay */

struct att {
	struct ipmux_conn c;
	const char *name;
	escape *esc;		/* NULL: escapes disabled */
	char escname[16];
	uint8_t esc_second;
	long long replay;	/* bytes for ^Ecr */
	bool attached;		/* ATTACH_OK seen */
	bool rw;		/* we hold write access */
	bool ro_hinted;		/* told once that input is dropped */
	bool in_eof;
	bool mid_line;		/* console output left the cursor mid-line */
	bool done;
	int status;
};

static struct termios att_saved;
static bool att_raw;
static volatile sig_atomic_t att_signal;
static int att_sigpipe[2] = { -1, -1 };	/* wakes poll on a signal */

/* Idempotent; also run from atexit so every exit restores the tty. */
static void
att_term_restore(void)
{
	if (att_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &att_saved);
		att_raw = false;
	}
}

static int
att_term_raw(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &att_saved) != 0)
		return -1;
	raw = att_saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	att_raw = true;		/* first: a failure halfway is undone too */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0) {
		att_term_restore();
		return -1;
	}
	return 0;
}

static void
att_on_signal(int sig)
{
	int saved = errno;

	att_signal = sig;
	/* A signal between the flag test and poll() still wakes it. */
	if (att_sigpipe[1] >= 0 && write(att_sigpipe[1], "", 1) < 0)
		(void)0;	/* full pipe: a wake-up is pending anyway */
	errno = saved;
}

/* A notice of ours on its own line, to stderr: "\r\n" line ends in raw
 * mode, and a fresh line first if console output stopped mid-line. */
static void __attribute__((format(printf, 2, 3)))
att_say(struct att *a, const char *fmt, ...)
{
	char line[1024];
	const char *eol = att_raw ? "\r\n" : "\n";
	size_t n = 0;
	va_list ap;
	int r;

	if (a->mid_line && att_raw)
		n = (size_t)snprintf(line, sizeof(line), "%s", eol);
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n += (size_t)r;
	if (n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	memcpy(line + n, eol, strlen(eol));
	n += strlen(eol);
	ipmux_write_all(STDERR_FILENO, line, n);
	a->mid_line = false;
}

static void
att_finish(struct att *a, int status)
{
	a->done = true;
	a->status = status;
}

static void
att_send(struct att *a, uint16_t type, struct json_object *o)
{
	if (protoio_send_json(a->c.fd, type, o) != 0) {
		att_say(a, "[%s: lost the daemon: %s]", IPMUX_NAME,
		    strerror(errno));
		att_finish(a, IPMUX_EXIT_LOST);
	}
}

static void
att_send_mode(struct att *a, const char *mode)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(mode));
	att_send(a, PROTO_MODE, o);
	json_object_put(o);
}

static void
att_help(struct att *a)
{
	char sec[8];

	escape_format_byte(a->esc_second, sec, sizeof(sec));
	att_say(a, "[%s escapes, anywhere in the input:", IPMUX_NAME);
	att_say(a, "  %s.  detach", a->escname);
	att_say(a, "  %sb  send a serial break", a->escname);
	att_say(a, "  %sf  force write access (the writer becomes a spy)",
	    a->escname);
	att_say(a, "  %ss  spy: give up write access", a->escname);
	att_say(a, "  %sr  replay the last %lld bytes of scrollback",
	    a->escname, a->replay);
	att_say(a, "  %s?  this help", a->escname);
	att_say(a, "  %s%s  send %s itself]", a->escname, sec, a->escname);
}

static void
att_command(struct att *a, const struct escape_event *ev)
{
	struct json_object *o;
	char ch[8];

	switch (ev->cmd) {
	case ESCAPE_QUIT:
		att_send(a, PROTO_DETACH, NULL);
		att_say(a, "[%s: detached from %s]", IPMUX_NAME, a->name);
		att_finish(a, IPMUX_EXIT_OK);
		return;
	case ESCAPE_BREAK:
		att_send(a, PROTO_BREAK, NULL);
		att_say(a, "[%s: sending a break]", IPMUX_NAME);
		return;
	case ESCAPE_HELP:
		att_help(a);
		return;
	default:
		break;
	}
	if (ev->cmd == ESCAPE_OTHER && ev->ch == 'f') {
		att_send_mode(a, "force");
	} else if (ev->cmd == ESCAPE_OTHER && ev->ch == 's') {
		att_send_mode(a, "ro");
	} else if (ev->cmd == ESCAPE_OTHER && ev->ch == 'r') {
		o = json_object_new_object();
		json_object_object_add(o, "bytes",
		    json_object_new_int64(a->replay));
		att_send(a, PROTO_REPLAY, o);
		json_object_put(o);
	} else {
		escape_format_byte(ev->ch, ch, sizeof(ch));
		att_say(a, "[%s: unknown escape %s%s; %s? for help]",
		    IPMUX_NAME, a->escname, ch, a->escname);
	}
}

/* Keystrokes for the console: sent only while we are the writer. */
static void
att_input(struct att *a, const uint8_t *buf, size_t len)
{
	if (len == 0 || a->done)
		return;
	if (!a->rw) {
		if (!a->ro_hinted && a->esc != NULL)
			att_say(a, "[%s: read-only, input dropped; %sf forces "
			    "write access]", IPMUX_NAME, a->escname);
		else if (!a->ro_hinted)
			att_say(a, "[%s: read-only, input dropped]",
			    IPMUX_NAME);
		a->ro_hinted = true;
		return;
	}
	if (protoio_send(a->c.fd, PROTO_INPUT, buf, len) != 0) {
		att_say(a, "[%s: lost the daemon: %s]", IPMUX_NAME,
		    strerror(errno));
		att_finish(a, IPMUX_EXIT_LOST);
	}
}

static void
att_on_stdin(struct att *a)
{
	uint8_t raw[ATT_READ], out[ATT_READ + ESCAPE_HOLD];
	struct escape_event ev;
	size_t off = 0, olen, used;
	ssize_t n;

	n = read(STDIN_FILENO, raw, sizeof(raw));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* End of input: flush held escape bytes, keep watching. */
		a->in_eof = true;
		if (a->esc != NULL)
			att_input(a, out, escape_flush(a->esc, out));
		return;
	}
	if (a->esc == NULL) {
		att_input(a, raw, (size_t)n);
		return;
	}
	while (off < (size_t)n && !a->done) {
		used = escape_feed(a->esc, raw + off, (size_t)n - off, out,
		    &olen, &ev);
		off += used;
		att_input(a, out, olen);	/* bytes before the command */
		if (ev.cmd != ESCAPE_NONE && !a->done)
			att_command(a, &ev);
	}
}

/* A new SEL entry on this console, as "sel list" words it. */
static void
att_sel(struct att *a, struct json_object *o)
{
	const char *dir;
	struct json_object *e;

	if (!json_object_object_get_ex(o, "entry", &e) ||
	    !json_object_is_type(e, json_type_object))
		return;
	dir = ipmux_jstr(e, "direction", "");
	att_say(a, "[%s: SEL %s: %s | %s%s%s]", IPMUX_NAME,
	    ipmux_jstr(e, "time", "?"), ipmux_jstr(e, "sensor", ""),
	    ipmux_jstr(e, "event", ""), *dir ? " | " : "", dir);
}

static void
att_event(struct att *a, struct json_object *o)
{
	const char *ev = ipmux_jstr(o, "event", "");
	const char *who = ipmux_jstr(o, "by", ipmux_jstr(o, "user",
	    ipmux_jstr(o, "writer", NULL)));

	if (strcmp(ev, "demoted") == 0) {
		a->rw = false;
		a->ro_hinted = false;
		if (who != NULL)
			att_say(a, "[%s: %s took write access; you are now "
			    "read-only]", IPMUX_NAME, who);
		else
			att_say(a, "[%s: write access taken; you are now "
			    "read-only]", IPMUX_NAME);
	} else if (strcmp(ev, "promoted") == 0) {
		a->rw = true;
		att_say(a, "[%s: you now have write access]", IPMUX_NAME);
	} else if (strcmp(ev, "state") == 0) {
		const char *reason = ipmux_jstr(o, "reason", NULL);

		att_say(a, "[%s: %s is %s%s%s]", IPMUX_NAME, a->name,
		    ipmux_jstr(o, "state", "?"), reason && *reason ? ": " : "",
		    reason && *reason ? reason : "");
	} else if (strcmp(ev, "attached") == 0 && who != NULL) {
		att_say(a, "[%s: %s attached (%s)]", IPMUX_NAME, who,
		    ipmux_jstr(o, "mode", "?"));
	} else if (strcmp(ev, "detached") == 0 && who != NULL) {
		att_say(a, "[%s: %s detached]", IPMUX_NAME, who);
	} else if (strcmp(ev, "mode") == 0 && who != NULL) {
		att_say(a, "[%s: %s is now %s]", IPMUX_NAME, who,
		    strcmp(ipmux_jstr(o, "mode", ""), "rw") == 0 ?
		    "the writer" : "read-only");
	} else if (strcmp(ev, "sel") == 0) {
		att_sel(a, o);
	} else if (strcmp(ev, "lagging") == 0) {
		att_say(a, "[%s: output is arriving faster than it is read; "
		    "bytes will be skipped]", IPMUX_NAME);
	}
	/* Anything else is for richer clients; ignore it. */
}

static void
att_attached(struct att *a, struct json_object *o)
{
	const char *mode = ipmux_jstr(o, "mode", "ro");
	const char *writer = ipmux_jstr(o, "writer", NULL);
	bool first = !a->attached;

	a->attached = true;
	a->rw = strcmp(mode, "rw") == 0;
	a->ro_hinted = false;
	if (!first) {
		/* The answer to a mode change (^Ecf, ^Ecs). */
		if (a->rw)
			att_say(a, "[%s: read-write]", IPMUX_NAME);
		else
			att_say(a, "[%s: read-only%s%s]", IPMUX_NAME,
			    writer != NULL ? ", writer " : "",
			    writer != NULL ? writer : "");
		return;
	}
	if (att_term_raw() != 0)
		att_say(a, "[%s: cannot set the terminal raw: %s]", IPMUX_NAME,
		    strerror(errno));
	att_say(a, "[%s: attached to %s, %s%s%s (console %s); %s%s]",
	    IPMUX_NAME, a->name, a->rw ? "read-write" : "read-only",
	    !a->rw && writer != NULL ? ", writer " : "",
	    !a->rw && writer != NULL ? writer : "",
	    ipmux_jstr(o, "state", "?"),
	    a->esc != NULL ? a->escname : "no escape",
	    a->esc != NULL ? "? for help" : "");
}

/* One message from the daemon. */
static void
att_message(struct att *a, const struct proto_msg *m)
{
	struct json_object *o = NULL;
	char err[512];

	switch (m->type) {
	case PROTO_DATA:
		if (m->len == 0)
			break;
		if (ipmux_write_all(STDOUT_FILENO, m->payload, m->len) != 0) {
			att_say(a, "[%s: stdout: %s]", IPMUX_NAME,
			    strerror(errno));
			att_finish(a, IPMUX_EXIT_ERR);
			break;
		}
		a->mid_line = m->payload[m->len - 1] != '\n';
		break;
	case PROTO_ATTACH_OK:
		o = protoio_json(m);
		att_attached(a, o);
		break;
	case PROTO_EVENT:
		if ((o = protoio_json(m)) != NULL)
			att_event(a, o);
		break;
	case PROTO_ERROR:
		protoio_error_text(m, err, sizeof(err));
		if (!a->attached) {
			ipmux_err("%s: %s", a->name, err);
			att_finish(a, IPMUX_EXIT_ERR);
		} else {
			att_say(a, "[%s: %s]", IPMUX_NAME, err);
		}
		break;
	case PROTO_DETACHED:
		o = protoio_json(m);
		att_say(a, "[%s: detached from %s: %s]", IPMUX_NAME, a->name,
		    ipmux_jstr(o, "reason", "by the daemon"));
		att_finish(a, a->attached ? IPMUX_EXIT_DETACHED :
		    IPMUX_EXIT_ERR);
		break;
	default:
		break;
	}
	json_object_put(o);
}

static void
att_on_sock(struct att *a)
{
	struct proto_msg m;
	char err[512];
	long n;
	int rc;

	n = protoio_rd_fill(a->c.rd);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	while (!a->done && (rc = protoio_rd_next(a->c.rd, &m, err,
	    sizeof(err))) != 0) {
		if (rc < 0) {
			att_say(a, "[%s: %s]", IPMUX_NAME, err);
			att_finish(a, IPMUX_EXIT_ERR);
			return;
		}
		att_message(a, &m);
	}
	if (n <= 0 && !a->done) {
		att_say(a, "[%s: connection to the daemon %s]", IPMUX_NAME,
		    n == 0 ? "closed" : strerror(errno));
		att_finish(a, a->attached ? IPMUX_EXIT_LOST : IPMUX_EXIT_ERR);
	}
}

static void
att_signals(void)
{
	struct sigaction sa;

	if (pipe2(att_sigpipe, O_CLOEXEC | O_NONBLOCK) != 0)
		att_sigpipe[0] = att_sigpipe[1] = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = att_on_signal;	/* no SA_RESTART: poll wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
att_loop(struct att *a)
{
	struct pollfd p[3];
	int nfd, r;

	while (!a->done) {
		if (att_signal != 0) {
			att_say(a, "[%s: %s; detaching]", IPMUX_NAME,
			    strsignal(att_signal));
			att_send(a, PROTO_DETACH, NULL);
			att_finish(a, 128 + att_signal);
			break;
		}
		p[0] = (struct pollfd){ .fd = a->c.fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = att_sigpipe[0],
		    .events = POLLIN };
		nfd = 2;
		/* Keystrokes wait until the attachment is confirmed. */
		if (a->attached && !a->in_eof) {
			p[2] = (struct pollfd){ .fd = STDIN_FILENO,
			    .events = POLLIN };
			nfd = 3;
		}
		r = poll(p, (nfds_t)nfd, a->attached ? -1 :
		    IPMUX_REQ_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			att_say(a, "[%s: poll: %s]", IPMUX_NAME,
			    strerror(errno));
			att_finish(a, IPMUX_EXIT_ERR);
		} else if (r == 0) {
			ipmux_err("%s: no answer to ATTACH from the daemon",
			    a->name);
			att_finish(a, IPMUX_EXIT_ERR);
		} else {
			if (p[0].revents != 0)
				att_on_sock(a);
			if (nfd > 2 && p[2].revents != 0 && !a->done)
				att_on_stdin(a);
		}
	}
	return a->status;
}

static int
att_parse(struct att *a, int argc, char **argv, const char **mode,
	  long long *replay)
{
	static const struct option opts[] = {
		{ "ro", no_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "replay", required_argument, NULL, 'R' },
		{ "escape", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t esc = ESCAPE_DEFAULT_CHAR;
	bool esc_on = true;
	int ch, r;

	a->esc_second = ESCAPE_DEFAULT_SECOND;
	while ((ch = getopt_long(argc, argv, "e:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
		case 'f':
			if (strcmp(*mode, "rw") != 0) {
				ipmux_err("--ro and --force exclude each "
				    "other");
				return -1;
			}
			*mode = ch == 'r' ? "ro" : "force";
			break;
		case 'R':
			if ((*replay = ipmux_parse_size(optarg)) < 0) {
				ipmux_err("bad byte count: %s", optarg);
				return -1;
			}
			break;
		case 'e':
			r = escape_parse_spec(optarg, &esc, &a->esc_second);
			if (r < 0) {
				ipmux_err("bad escape: %s", optarg);
				return -1;
			}
			esc_on = r == 0;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->name = argv[optind];
	if (esc_on) {
		if ((a->esc = escape_new(esc, a->esc_second, ATT_EXTRA)) ==
		    NULL) {
			ipmux_err("the escape's second byte clashes with a "
			    "command (. b ? f s r)");
			return -1;
		}
		escape_format(esc, a->esc_second, a->escname,
		    sizeof(a->escname));
	}
	return 0;
}

int
cmd_attach(const char *sock, int argc, char **argv)
{
	struct att a;
	struct json_object *o;
	const char *mode = "rw";
	long long replay = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	a.c.fd = -1;
	if (att_parse(&a, argc, argv, &mode, &replay) != 0) {
		escape_free(a.esc);
		return ipmux_usage_for("attach");
	}
	a.replay = replay > 0 ? replay : ATT_DEFAULT_REPLAY;
	if (atexit(att_term_restore) != 0 || ipmux_connect(&a.c, sock) != 0) {
		escape_free(a.esc);
		return IPMUX_EXIT_ERR;
	}
	att_signals();
	o = json_object_new_object();
	json_object_object_add(o, "console", json_object_new_string(a.name));
	json_object_object_add(o, "mode", json_object_new_string(mode));
	json_object_object_add(o, "replay", json_object_new_int64(replay));
	att_send(&a, PROTO_ATTACH, o);
	json_object_put(o);
	rc = a.done ? a.status : att_loop(&a);
	att_term_restore();
	ipmux_close(&a.c);
	escape_free(a.esc);
	if (att_sigpipe[0] >= 0) {
		close(att_sigpipe[0]);
		close(att_sigpipe[1]);
	}
	return rc;
}
