/* daemon.c — ipmuxd's shared core: the clock, console lookup, the handshake gate's hand-out, and live reload. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "console.h"
#include "daemon.h"
#include "health.h"
#include "log.h"

uint64_t
ipmuxd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct console *
ipmuxd_console(struct ipmuxd *d, const char *name)
{
	struct console *c;

	TAILQ_FOREACH(c, &d->consoles, link)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void
ipmuxd_kick_gate(struct ipmuxd *d)
{
	if (d->ev_grant != NULL && !d->stopping)
		event_active(d->ev_grant, EV_TIMEOUT, 1);
}

void
ipmuxd_on_grant(evutil_socket_t fd, short what, void *arg)
{
	struct ipmuxd *d = arg;
	struct hs_wait *w;

	while (!d->stopping && (w = hs_gate_grant(&d->gate)) != NULL)
		console_slot_granted((struct console *)((char *)w -
		    offsetof(struct console, hs)));
}

/* Create a console and start it; a failure is logged and skipped. */
int
ipmuxd_add_console(struct ipmuxd *d, const struct cfg_console *cc)
{
	struct console *c;
	char err[512];

	if ((c = console_new(d, cc, err, sizeof(err))) == NULL) {
		log_msg(LOGL_ERROR, "%s: %s", cc->name, err);
		d->create_failed = true;
		return -1;
	}
	TAILQ_INSERT_TAIL(&d->consoles, c, link);
	d->nconsoles++;
	console_start(c);
	return 0;
}

static void
remove_console(struct ipmuxd *d, struct console *c, const char *why)
{
	console_marker(c, "%s", why);
	console_stop(c, why, NULL);
	TAILQ_REMOVE(&d->consoles, c, link);
	d->nconsoles--;
	console_free(c);
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* What a reload cannot change on the fly. */
static void
reload_warnings(const struct ipmux_config *o, const struct ipmux_config *n)
{
	const struct cfg_global *a = &o->g, *b = &n->g;

	if (str_differs(a->socket, b->socket) ||
	    str_differs(a->socket_group, b->socket_group))
		log_msg(LOGL_WARN, "reload: the control socket changes only "
		    "on restart");
	if (str_differs(a->logdir, b->logdir))
		log_msg(LOGL_WARN, "reload: logdir changes only on restart");
	if (a->scrollback != b->scrollback)
		log_msg(LOGL_WARN, "reload: the scrollback size applies to "
		    "consoles added from now on");
}

static bool
log_settings_differ(const struct cfg_global *a, const struct cfg_global *b)
{
	return a->log_timestamps != b->log_timestamps ||
	    a->log_rotate_size != b->log_rotate_size ||
	    a->log_rotate_age != b->log_rotate_age ||
	    a->log_retain != b->log_retain ||
	    a->log_compress != b->log_compress;
}

int
ipmuxd_reload(struct ipmuxd *d, char *err, size_t errlen, unsigned counts[4])
{
	struct ipmux_config *n, *old = d->cfg;
	const struct cfg_console *nc;
	struct console *c, *next;
	unsigned k[4] = { 0 };
	size_t i;

	if ((n = config_load(d->cfg_path, err, errlen)) == NULL) {
		d->reload_failures++;
		log_msg(LOGL_ERROR, "reload refused, keeping the running "
		    "configuration: %s", err);
		return -1;
	}
	reload_warnings(old, n);
	/* Every console points into old: re-point or stop each before
	 * old goes away. */
	d->cfg = n;
	hs_gate_set_max(&d->gate, n->g.max_handshakes);
	for (c = TAILQ_FIRST(&d->consoles); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if ((nc = config_console(n, c->name)) == NULL) {
			remove_console(d, c, "console removed");
			k[1]++;
		} else if (!config_console_same(c->cfg, nc)) {
			console_restart(c, nc);
			k[2]++;
		} else {
			c->cfg = nc;	/* session and clients untouched */
			k[3]++;
		}
	}
	if (log_settings_differ(&old->g, &n->g))
		TAILQ_FOREACH(c, &d->consoles, link)
			console_log_reconfigure(c);
	/* Polling turned on: live sessions start polling now. */
	if ((old->g.sensor_poll_ms == 0 && n->g.sensor_poll_ms != 0) ||
	    (old->g.sel_poll_ms == 0 && n->g.sel_poll_ms != 0))
		TAILQ_FOREACH(c, &d->consoles, link)
			health_reconfigure(c);
	/* New: not in the old config (a hashed lookup), or in it but never
	 * created (its log could not be opened): only then scan the list. */
	for (i = 0; i < n->nconsoles; i++) {
		const char *name = n->consoles[i].name;

		if (config_console(old, name) != NULL &&
		    (!d->create_failed || ipmuxd_console(d, name) != NULL))
			continue;
		if (ipmuxd_add_console(d, &n->consoles[i]) == 0)
			k[0]++;
	}
	config_free(old);
	ipmuxd_kick_gate(d);
	d->reloads++;
	log_msg(LOGL_INFO, "reloaded %s: %u added, %u removed, %u changed, "
	    "%u unchanged", d->cfg_path, k[0], k[1], k[2], k[3]);
	if (counts != NULL)
		memcpy(counts, k, sizeof(k));
	return 0;
}
