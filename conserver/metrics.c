/* metrics.c — ipmuxd's Prometheus text exposition: consoles by state, bytes, reconnects, failures, clients. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "console.h"
#include "ctl.h"
#include "daemon.h"
#include "health.h"
#include "log.h"

static void
metric(struct evbuffer *b, const char *name, const char *type,
       const char *help, uint64_t v)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n",
	    name, help, name, type, name, v);
}

void
metrics_format(struct ipmuxd *d, struct evbuffer *b)
{
	uint64_t by_state[CON_NSTATES] = { 0 }, dropped = d->log_dropped_gone;
	uint64_t logged = 0, attached = 0;
	struct health_stats hs;
	struct console *c;
	unsigned i;

	TAILQ_FOREACH(c, &d->consoles, link) {
		by_state[c->state]++;
		dropped += logfile_dropped(c->log);
		logged += logfile_bytes(c->log);
		attached += c->nclients;
	}
	evbuffer_add_printf(b, "# HELP ipmux_consoles Consoles by state.\n"
	    "# TYPE ipmux_consoles gauge\n");
	for (i = 0; i < CON_NSTATES; i++)
		evbuffer_add_printf(b, "ipmux_consoles{state=\"%s\"} %" PRIu64
		    "\n", console_state_name((enum con_state)i), by_state[i]);
	metric(b, "ipmux_console_bytes_in_total", "counter",
	    "Console bytes received from BMCs.", d->bytes_in);
	metric(b, "ipmux_console_bytes_out_total", "counter",
	    "Input bytes handed to SOL sessions.", d->bytes_out);
	metric(b, "ipmux_reconnects_total", "counter",
	    "Session attempts after a loss or failure.", d->reconnects);
	metric(b, "ipmux_auth_failures_total", "counter",
	    "Sessions refused for bad credentials.", d->auth_failures);
	metric(b, "ipmux_log_bytes_total", "counter",
	    "Host bytes written to the open log files.", logged);
	metric(b, "ipmux_log_bytes_dropped_total", "counter",
	    "Host bytes the log files could not take.", dropped);
	metric(b, "ipmux_clients", "gauge",
	    "Control socket connections.", ctl_nclients(d->ctl));
	metric(b, "ipmux_clients_attached", "gauge",
	    "Clients attached to consoles.", attached);
	metric(b, "ipmux_clients_total", "counter",
	    "Control socket connections accepted.", d->clients_total);
	metric(b, "ipmux_handshakes_in_flight", "gauge",
	    "Session handshakes in progress.", d->gate.inflight);
	metric(b, "ipmux_handshakes_waiting", "gauge",
	    "Consoles waiting for a handshake slot.", d->gate.nqueued);
	metric(b, "ipmux_reloads_total", "counter",
	    "Configuration reloads applied.", d->reloads);
	metric(b, "ipmux_reload_failures_total", "counter",
	    "Configuration reloads refused.", d->reload_failures);
	health_stats(d, &hs);
	metric(b, "ipmux_mgmt_requests_total", "counter",
	    "Management requests from clients.", hs.requests);
	metric(b, "ipmux_mgmt_failures_total", "counter",
	    "Management requests answered with an error.", hs.failures);
	metric(b, "ipmux_polls_total", "counter",
	    "Sensor and SEL polls started.", hs.polls);
	metric(b, "ipmux_poll_failures_total", "counter",
	    "Sensor and SEL polls that failed.", hs.poll_failures);
	metric(b, "ipmux_polls_waiting", "gauge",
	    "Polls due, waiting for the fleet's poll rate.", hs.waiting);
	metric(b, "ipmux_sel_entries_total", "counter",
	    "New SEL entries found by polls.", hs.sel_new);
	metric(b, "ipmux_uptime_seconds", "gauge",
	    "Seconds since the daemon started.",
	    (uint64_t)(time(NULL) - d->started));
}

int
metrics_write_file(struct ipmuxd *d, const char *path)
{
	struct evbuffer *b = evbuffer_new();
	char tmp[4096];
	int fd, rc = -1;

	if (b == NULL)
		return -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		goto out;
	metrics_format(d, b);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	while (evbuffer_get_length(b) > 0)
		if (evbuffer_write(b, fd) < 0 && errno != EINTR)
			break;
	rc = evbuffer_get_length(b) == 0 ? 0 : -1;
	if (close(fd) != 0)
		rc = -1;
	/* rename: a scraper never sees a half-written file. */
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp);
out:
	evbuffer_free(b);
	return rc;
}
