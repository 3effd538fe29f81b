/* main.c — ipmuxd: arguments, start-up, signals, the event loop, live reload and clean shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "console.h"
#include "ctl.h"
#include "daemon.h"
#include "health.h"
#include "log.h"
#include "logfile.h"

#define TICK_MS 1000			/* log rotation by age, flushing */
#define METRICS_EVERY_S 15		/* metrics_file refresh */

static const int sig_list[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGCHLD };
#define NSIGS (sizeof(sig_list) / sizeof(sig_list[0]))

struct ipmuxd_main {
	struct ipmuxd d;
	struct event *ev_sig[NSIGS];
	struct event *ev_tick;
	time_t metrics_at;
	bool metrics_failed;
};

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct ipmuxd_main *m = arg;
	struct ipmuxd *d = &m->d;
	struct console *c;
	char err[512];

	switch (sig) {
	case SIGHUP:
		log_msg(LOGL_INFO, "SIGHUP: reloading %s", d->cfg_path);
		ipmuxd_reload(d, err, sizeof(err), NULL);
		break;
	case SIGUSR1:
		log_msg(LOGL_INFO, "SIGUSR1: reopening logs");
		TAILQ_FOREACH(c, &d->consoles, link)
			console_logs_reopen(c);
		break;
	case SIGCHLD:
		logfile_reap();
		break;
	default:
		log_msg(LOGL_INFO, "%s: stopping", strsignal((int)sig));
		event_base_loopbreak(d->base);
		break;
	}
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ipmuxd_main *m = arg;
	struct ipmuxd *d = &m->d;
	time_t now = time(NULL);
	struct console *c;

	TAILQ_FOREACH(c, &d->consoles, link)
		console_logs_tick(c, now);
	if (d->cfg->g.metrics_file != NULL &&
	    now - m->metrics_at >= METRICS_EVERY_S) {
		m->metrics_at = now;
		if (metrics_write_file(d, d->cfg->g.metrics_file) != 0) {
			if (!m->metrics_failed)
				log_msg(LOGL_WARN, "cannot write %s: %s",
				    d->cfg->g.metrics_file, strerror(errno));
			m->metrics_failed = true;
		} else {
			m->metrics_failed = false;
		}
	}
}

/* mkdir -p with mode for the missing components. */
static int
make_dir(const char *path, mode_t mode)
{
	char buf[4096], *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

/* Two descriptors per console (socket, log) plus clients: take the hard
 * limit rather than fail at the 1024th console. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The socket's directory, if missing (outside systemd's RuntimeDirectory). */
static int
make_parent(const char *path)
{
	char buf[4096], *slash;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return -1;
	if ((slash = strrchr(buf, '/')) == NULL || slash == buf)
		return 0;
	*slash = '\0';
	return make_dir(buf, 0755);
}

static int
setup_events(struct ipmuxd_main *m)
{
	struct ipmuxd *d = &m->d;
	struct timeval tv = { TICK_MS / 1000, (TICK_MS % 1000) * 1000 };
	size_t i;

	if ((d->base = event_base_new()) == NULL)
		return -1;
	d->ev_grant = event_new(d->base, -1, 0, ipmuxd_on_grant, d);
	m->ev_tick = event_new(d->base, -1, EV_PERSIST, on_tick, m);
	if (d->ev_grant == NULL || m->ev_tick == NULL ||
	    event_add(m->ev_tick, &tv) != 0)
		return -1;
	for (i = 0; i < NSIGS; i++) {
		m->ev_sig[i] = evsignal_new(d->base, sig_list[i], on_signal, m);
		if (m->ev_sig[i] == NULL || event_add(m->ev_sig[i], NULL) != 0)
			return -1;
	}
	return 0;
}

static int
start(struct ipmuxd_main *m, const char *path)
{
	struct ipmuxd *d = &m->d;
	const struct cfg_global *g;
	char err[512];
	size_t i;

	TAILQ_INIT(&d->consoles);
	d->started = time(NULL);
	d->euid = geteuid();
	if ((d->cfg = config_load(path, err, sizeof(err))) == NULL) {
		log_msg(LOGL_ERROR, "%s", err);
		return -1;
	}
	g = &d->cfg->g;
	d->cfg_path = strdup(path);
	d->logdir = strdup(g->logdir);
	d->sockpath = strdup(g->socket);
	if (d->cfg_path == NULL || d->logdir == NULL || d->sockpath == NULL)
		return -1;
	if (make_dir(g->logdir, 0750) != 0 || make_dir(g->statedir, 0750) != 0) {
		log_msg(LOGL_ERROR, "cannot create %s or %s: %s", g->logdir,
		    g->statedir, strerror(errno));
		return -1;
	}
	if (make_parent(g->socket) != 0) {
		log_msg(LOGL_ERROR, "cannot create the directory of %s: %s",
		    g->socket, strerror(errno));
		return -1;
	}
	raise_nofile();
	hs_gate_init(&d->gate, g->max_handshakes);
	if (setup_events(m) != 0) {
		log_msg(LOGL_ERROR, "cannot set up the event loop");
		return -1;
	}
	if ((d->hf = health_fleet_new(d)) == NULL) {
		log_msg(LOGL_ERROR, "out of memory");
		return -1;
	}
	if ((d->ctl = ctl_new(d, g->socket, g->socket_group, err,
	    sizeof(err))) == NULL) {
		log_msg(LOGL_ERROR, "%s", err);
		return -1;
	}
	for (i = 0; i < d->cfg->nconsoles; i++)
		if (ipmuxd_add_console(d, &d->cfg->consoles[i]) != 0)
			return -1;
	log_msg(LOGL_INFO, "ipmuxd %s: %zu consoles, socket %s, logs in %s",
	    IPMUXD_VERSION, d->nconsoles, g->socket, g->logdir);
	return 0;
}

/* Deactivate and close every session, mark and close every log. */
static void
stop(struct ipmuxd_main *m)
{
	struct ipmuxd *d = &m->d;
	struct console *c;
	size_t i;

	d->stopping = true;
	TAILQ_FOREACH(c, &d->consoles, link) {
		console_marker(c, "daemon stopping");
		console_stop(c, "daemon stopping", NULL);
	}
	ctl_free(d->ctl);
	d->ctl = NULL;
	while ((c = TAILQ_FIRST(&d->consoles)) != NULL) {
		TAILQ_REMOVE(&d->consoles, c, link);
		console_free(c);
	}
	health_fleet_free(d->hf);
	d->hf = NULL;
	logfile_reap();
	for (i = 0; i < NSIGS; i++)
		if (m->ev_sig[i] != NULL)
			event_free(m->ev_sig[i]);
	if (m->ev_tick != NULL)
		event_free(m->ev_tick);
	if (d->ev_grant != NULL)
		event_free(d->ev_grant);
	if (d->base != NULL)
		event_base_free(d->base);
	config_free(d->cfg);
	free(d->cfg_path);
	free(d->logdir);
	free(d->sockpath);
}

static int
check_config(const char *path)
{
	struct ipmux_config *c;
	char err[512];

	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: ok, %zu consoles\n", path, c->nconsoles);
	config_free(c);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: ipmuxd -c FILE [-F] [-v]\n"
	    "       ipmuxd --check-config FILE\n"
	    "  -c FILE  configuration (libconfig)\n"
	    "  -F       stay in the foreground, log to stderr (the default)\n"
	    "  -v       debug logging\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "check-config", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ipmuxd_main m;
	const char *cfg = NULL;
	int ch, rc = 1;

	log_set_ident("ipmuxd");
	while ((ch = getopt_long(argc, argv, "c:Fvh", lo, NULL)) != -1) {
		switch (ch) {
		case 'k':
			return check_config(optarg);
		case 'c':
			cfg = optarg;
			break;
		case 'F':
			break;	/* always in the foreground (see ipmuxd(8)) */
		case 'v':
			log_set_level(LOGL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ipmuxd %s\n", IPMUXD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (cfg == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);	/* a vanished client shows as EPIPE */
	memset(&m, 0, sizeof(m));
	if (start(&m, cfg) == 0) {
		event_base_dispatch(m.d.base);
		rc = 0;
	}
	stop(&m);
	if (rc == 0)
		log_msg(LOGL_INFO, "stopped");
	return rc;
}
