/* sim_host.c — the server behind each simulated BMC: boot log or numbered stream at the baud rate, echo, a fake login, break. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "sim_bootlog.h"

enum host_state {
	H_OFF = 0,
	H_BOOT,		/* replaying the boot log */
	H_LOGIN,	/* "login:" shown */
	H_PASSWORD,
	H_SHELL,
	H_NUMBERED,
	H_SILENT,
};

#define CHUNK_MS 20		/* emit this often while output flows */

static const char txt_password[] = "\r\nPassword: ";
static const char txt_motd[] = "\r\n\r\nLinux bmcsim 6.1.0-13-amd64 #1 SMP "
    "PREEMPT_DYNAMIC Debian 6.1.55-1 x86_64\r\n\r\nroot@bmcsim:~# ";
static const char txt_prompt[] = "\r\nroot@bmcsim:~# ";
static const char txt_logout[] = "\r\nlogout\r\n\r\nDebian GNU/Linux 12 "
    "bmcsim ttyS0\r\n\r\nbmcsim login: ";
static const char txt_break[] = "\r\n[host: BREAK received]\r\n";
static const char txt_diag[] = "\r\n[host: NMI received]\r\n";

static uint32_t
rate(const struct sim_bmc *sb)
{
	uint32_t r = sb->sim->opt.rate != 0 ? sb->sim->opt.rate :
	    sb->sim->opt.baud / 10;

	return r > 0 ? r : 1;
}

static void
say(struct sim_bmc *sb, const char *txt, size_t len)
{
	sb->host.pend = txt;
	sb->host.pend_len = (uint16_t)len;
	sb->host.pend_off = 0;
}

#define SAY(sb, t) say(sb, t, sizeof(t) - 1)

/* The canned reply in flight goes first; false while some remains. */
static bool
flush_pend(struct sim_bmc *sb)
{
	struct sim_host *h = &sb->host;
	size_t n;

	while (h->pend != NULL && h->pend_off < h->pend_len) {
		n = bmc_host_output(sb->b, (const uint8_t *)h->pend +
		    h->pend_off, h->pend_len - h->pend_off);
		if (n == 0)
			return false;
		h->pend_off += (uint16_t)n;
	}
	h->pend = NULL;
	return true;
}

void
sim_host_init(struct sim_bmc *sb, bool on, uint64_t now)
{
	struct sim_host *h = &sb->host;
	int fd = h->rec_fd;

	memset(h, 0, sizeof(*h));
	h->rec_fd = fd;
	h->last = now;
	if (!on)
		h->state = H_OFF;
	else if (sb->sim->opt.host_mode == SIM_HOST_NUMBERED)
		h->state = H_NUMBERED;
	else if (sb->sim->opt.host_mode == SIM_HOST_SILENT)
		h->state = H_SILENT;
	else
		h->state = H_BOOT;
}

void
sim_host_power(void *ctx, bool on)
{
	struct sim_bmc *sb = ctx;

	sim_host_init(sb, on, sim_now());
}

void
sim_host_break(void *ctx)
{
	struct sim_bmc *sb = ctx;

	if (sb->host.state != H_OFF)
		SAY(sb, txt_break);
}

void
sim_host_diag(void *ctx)
{
	struct sim_bmc *sb = ctx;

	if (sb->host.state != H_OFF)
		SAY(sb, txt_diag);
}

static void
record(struct sim_bmc *sb, const uint8_t *buf, size_t len)
{
	char path[4096];
	ssize_t w;

	if (sb->sim->opt.record_dir == NULL || len == 0)
		return;
	if (sb->host.rec_fd < 0) {
		snprintf(path, sizeof(path), "%s/bmc%u.in",
		    sb->sim->opt.record_dir, sb->idx);
		sb->host.rec_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_APPEND | O_CLOEXEC, 0600);
		if (sb->host.rec_fd < 0)
			return;
	}
	while (len > 0 && (w = write(sb->host.rec_fd, buf, len)) > 0) {
		buf += w;
		len -= (size_t)w;
	}
}

/* The end of a typed line in the fake login. line_len counts how much
 * of "exit" the line matched (0xff: it did not). */
static void
line_end(struct sim_bmc *sb)
{
	struct sim_host *h = &sb->host;

	switch (h->state) {
	case H_LOGIN:
		h->state = H_PASSWORD;
		SAY(sb, txt_password);
		break;
	case H_PASSWORD:
		h->state = H_SHELL;
		SAY(sb, txt_motd);
		break;
	case H_SHELL:
		if (h->line_len == 4) {
			h->state = H_LOGIN;
			SAY(sb, txt_logout);
		} else {
			SAY(sb, txt_prompt);
		}
		break;
	default:
		break;
	}
	h->line_len = 0;
}

static bool
interactive(const struct sim_host *h)
{
	return h->state == H_LOGIN || h->state == H_PASSWORD ||
	    h->state == H_SHELL;
}

/* One typed byte; false if the host cannot take it yet. */
static bool
input_byte(struct sim_bmc *sb, uint8_t c)
{
	struct sim_host *h = &sb->host;
	bool echo = sb->sim->opt.echo && h->state != H_PASSWORD;

	if (interactive(h) && (c == '\r' || c == '\n')) {
		if (c == '\r')
			line_end(sb);
		return true;
	}
	if (echo && bmc_host_output(sb->b, &c, 1) != 1)
		return false;
	if (h->state == H_SHELL && h->line_len != 0xff)
		h->line_len = h->line_len < 4 && c == "exit"[h->line_len] ?
		    h->line_len + 1 : 0xff;
	return true;
}

size_t
sim_host_input(void *ctx, const uint8_t *buf, size_t len)
{
	struct sim_bmc *sb = ctx;
	size_t i;

	if (sb->host.state == H_OFF)
		return len;	/* a dead UART: gone */
	for (i = 0; i < len; i++) {
		if (!flush_pend(sb))
			break;
		if (sb->sim->opt.echo && bmc_host_room(sb->b) == 0)
			break;
		if (!input_byte(sb, buf[i]))
			break;
	}
	record(sb, buf, i);
	return i;
}

/* Output credit at the line rate; bounded so a host that waited (full
 * buffer, pause) does not burst. */
static void
accrue(struct sim_bmc *sb, uint64_t now, bool active)
{
	struct sim_host *h = &sb->host;
	/* The fraction of a byte a tick leaves over is carried, not
	 * dropped: at low rates it was most of the output. */
	uint64_t milli = (now > h->last ? (now - h->last) * rate(sb) : 0) +
	    h->milli;
	uint64_t add = milli / 1000;
	uint64_t cap = active ? rate(sb) / 10 + 64 : UINT32_MAX;

	h->milli = (uint16_t)(milli % 1000);
	h->last = now;
	add += h->credit;
	h->credit = (uint32_t)(add < cap ? add : cap);
}

/* The boot log: with SOL inactive the output goes nowhere but time
 * still passes, one wake-up per pause. */
static uint64_t
run_boot(struct sim_bmc *sb, uint64_t now, bool active)
{
	struct sim_host *h = &sb->host;

	while (h->seg < sim_bootlog_nseg) {
		const struct sim_seg *s = &sim_bootlog[h->seg];
		size_t n = s->len - h->off;

		if (now < h->hold_until)
			return h->hold_until;
		if (n > h->credit)
			n = h->credit;
		if (active && n > 0)
			n = bmc_host_output(sb->b, (const uint8_t *)s->text +
			    h->off, n);
		h->off += (uint32_t)n;
		h->credit -= (uint32_t)n;
		if (h->off < s->len && !active)	/* wake when it is done */
			return now + ((s->len - h->off) * 1000 + rate(sb) - 1) /
			    rate(sb);
		if (h->off < s->len)
			return bmc_host_room(sb->b) == 0 ? BMC_NO_DEADLINE :
			    now + CHUNK_MS;
		h->seg++;
		h->off = 0;
		h->hold_until = now + s->pause_ms;
	}
	h->state = H_LOGIN;
	return BMC_NO_DEADLINE;
}

/* The numbered stream (sim_bootlog.h). It waits while SOL is inactive,
 * so a console sees it from line 0. */
static uint64_t
run_numbered(struct sim_bmc *sb, uint64_t now)
{
	struct sim_host *h = &sb->host;
	char line[SIM_NUM_LINE + 1];
	size_t n;

	while (h->credit > 0) {
		sim_numbered_line(h->line, line);
		n = SIM_NUM_LINE - h->off;
		if (n > h->credit)
			n = h->credit;
		n = bmc_host_output(sb->b, (const uint8_t *)line + h->off, n);
		if (n == 0)
			return BMC_NO_DEADLINE;	/* an ACK will wake us */
		h->credit -= (uint32_t)n;
		h->off += (uint32_t)n;
		if (h->off == SIM_NUM_LINE) {
			h->off = 0;
			h->line++;
		}
	}
	return now + CHUNK_MS;
}

uint64_t
sim_host_run(struct sim_bmc *sb, uint64_t now)
{
	struct sim_host *h = &sb->host;
	bool active = bmc_sol_owner(sb->b) != 0;

	if (h->state == H_OFF || h->state == H_SILENT || interactive(h)) {
		h->last = now;
		flush_pend(sb);
		return BMC_NO_DEADLINE;
	}
	if (!flush_pend(sb))
		return BMC_NO_DEADLINE;
	if (h->state == H_NUMBERED) {
		if (!active) {
			h->last = now;
			h->credit = 0;
			return BMC_NO_DEADLINE;
		}
		accrue(sb, now, true);
		return run_numbered(sb, now);
	}
	accrue(sb, now, active);
	return run_boot(sb, now, active);
}

void
sim_host_close(struct sim_bmc *sb)
{
	if (sb->host.rec_fd >= 0)
		close(sb->host.rec_fd);
	sb->host.rec_fd = -1;
}
