/* solctl.c — SOL on a session: status, steal, activation, keepalive, stolen-payload detection. */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "session_int.h"

#define SOL_PAYLOAD 0x01
#define SOL_INSTANCE 0x01
#define STEAL_RESET_MS 60000	/* a takeover that held this long resets the cap */
#define FALLBACK_CHARS 28	/* 32-byte packets when the BMC's sizes are absurd */

static void activate(sol_session *s, uint64_t now);
static void deactivate(sol_session *s, uint64_t now, bool takeover);

static void
on_data(void *ctx, const uint8_t *buf, size_t len)
{
	sol_session *s = ctx;

	s->stats.sol_bytes_in += len;
	if (s->cb.data != NULL)
		s->cb.data(s->ctx, buf, len);
}

static void
on_status(void *ctx, unsigned bits)
{
	sol_session *s = ctx;

	if (s->cb.status != NULL)
		s->cb.status(s->ctx, bits);
}

static void
submit(sol_session *s, uint8_t cmd, const uint8_t *d, size_t len,
       sess_done_fn done, uint64_t now)
{
	if (req_submit(s, IPMI_NETFN_APP, cmd, d, len, 0, done, now) != 0)
		sess_fail(s, SOL_R_PROTOCOL, now, "request queue full");
}

/* SOL went away under us (stolen, deactivated, wedged): take it back when
 * the policy says so, a bounded number of times, else end the session. */
static void
sol_lost(sol_session *s, enum sol_reason why, const char *what, uint64_t now)
{
	s->sol_up = false;
	if (s->cfg.steal == SOL_FAIL && why != SOL_R_TIMEOUT) {
		sess_fail(s, why, now, "%s", what);
		return;
	}
	if (now - s->sol_since >= STEAL_RESET_MS)
		s->steals = 0;
	sess_trace(s, "%s; re-activating SOL", what);
	s->stats.reestablish++;
	/* Our own instance went deaf: it is ours to deactivate, not a
	 * takeover, so neither the status query nor the cap applies. */
	if (why == SOL_R_TIMEOUT) {
		deactivate(s, now, false);
		return;
	}
	solctl_begin(s, now);
}

static void
status_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	if (rsp == NULL) {
		sess_fail(s, SOL_R_TIMEOUT, now,
			  "no answer to Get Payload Activation Status");
		return;
	}
	/* Some BMCs refuse the status query (solstatus): just activate. */
	if (rsp->cc != 0 || rsp->len < 3) {
		sess_trace(s, "payload status unavailable (%s); activating",
			   ipmi_cc_str(rsp->cc));
		activate(s, now);
		return;
	}
	if (rsp->data[1] & 0x01) {
		if (s->cfg.steal == SOL_FAIL) {
			sess_fail(s, SOL_R_SOL_ACTIVE, now,
				  "SOL payload already active on another session");
			return;
		}
		sess_trace(s, "SOL already active elsewhere; deactivating it");
		deactivate(s, now, true);
		return;
	}
	activate(s, now);
}

void
solctl_begin(sol_session *s, uint64_t now)
{
	uint8_t d = SOL_PAYLOAD;

	if (s->cfg.quirks & SOL_Q_SOLSTATUS) {
		activate(s, now);
		return;
	}
	sess_set_state(s, SOL_ST_SOL_STATUS);
	submit(s, IPMI_CMD_GET_PAYLOAD_ACT_STATUS, &d, 1, status_done, now);
}

static void
deact_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	if (rsp == NULL) {
		sess_fail(s, SOL_R_TIMEOUT, now, "no answer to Deactivate Payload");
		return;
	}
	/* 0x80 "already deactivated" is as good as success. */
	activate(s, now);
}

static void
deactivate(sol_session *s, uint64_t now, bool takeover)
{
	uint8_t d[6] = { SOL_PAYLOAD, SOL_INSTANCE, 0, 0, 0, 0 };

	if (takeover && s->steals >= SESS_STEAL_MAX) {
		sess_fail(s, SOL_R_SOL_ACTIVE, now,
			  "SOL payload still active elsewhere after %u takeovers",
			  s->steals);
		return;
	}
	if (takeover)
		s->steals++;
	sess_set_state(s, SOL_ST_SOL_DEACT);
	submit(s, IPMI_CMD_DEACTIVATE_PAYLOAD, d, sizeof(d), deact_done, now);
}

/* Characters per packet from the BMC's inbound payload size, which
 * counts the 4-byte header; absurd sizes fall back to 32-byte packets. */
static size_t
chars_per_packet(sol_session *s, uint16_t inbound)
{
	if ((s->cfg.quirks & SOL_Q_SOLPAYLOADSIZE) || inbound < 5 ||
	    inbound > 259) {
		sess_trace(s, "BMC inbound payload size %u; using %d characters",
			   inbound, FALLBACK_CHARS);
		return FALLBACK_CHARS;
	}
	return inbound - 4u;
}

static bool
port_is_ours(const sol_session *s, uint16_t port)
{
	uint16_t swapped = (uint16_t)(port << 8 | port >> 8);

	return port == 0 || port == s->cfg.port || swapped == s->cfg.port ||
	    (s->cfg.quirks & SOL_Q_SOLPORT);
}

static void
act_fail(sol_session *s, int cc, uint64_t now)
{
	switch (cc) {
	case 0x80:
		if (s->cfg.steal == SOL_STEAL) {
			deactivate(s, now, true);
			return;
		}
		sess_fail(s, SOL_R_SOL_ACTIVE, now,
			  "SOL payload already active on another session");
		return;
	case 0x81:
		sess_fail(s, SOL_R_SOL_DISABLED, now, "SOL is disabled on the BMC");
		return;
	case 0x82:
		sess_fail(s, SOL_R_BUSY, now, "SOL activation limit reached");
		return;
	case 0x83: case 0x84:
		sess_fail(s, SOL_R_PROTOCOL, now, "BMC refuses SOL %s encryption",
			  cc == 0x83 ? "with" : "without");
		return;
	case IPMI_CC_PRIV:
		sess_fail(s, SOL_R_AUTH, now,
			  "privilege too low to activate SOL");
		return;
	default:
		sess_fail(s, SOL_R_PROTOCOL, now, "Activate Payload: %s",
			  ipmi_cc_str(cc));
	}
}

static void
act_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	struct solpkt_cb cb = { on_data, on_status };
	uint16_t port;
	size_t chars;

	if (rsp == NULL) {
		sess_fail(s, SOL_R_TIMEOUT, now, "no answer to Activate Payload");
		return;
	}
	if (rsp->cc != 0) {
		act_fail(s, rsp->cc, now);
		return;
	}
	if (rsp->len < 10) {
		sess_fail(s, SOL_R_PROTOCOL, now, "Activate Payload: short reply");
		return;
	}
	chars = chars_per_packet(s, le16_get(rsp->data + 4));
	port = le16_get(rsp->data + 8);
	s->sol_up = true;
	if (!port_is_ours(s, port)) {
		s->redirect_port = port;
		sess_fail(s, SOL_R_PORT, now, "BMC serves SOL on UDP port %u", port);
		return;
	}
	if (s->sp.ctx != s) {
		solpkt_init(&s->sp, chars, s->cfg.sol_retry_ms,
			    s->cfg.sol_retries,
			    (s->cfg.quirks & SOL_Q_SOLPACKETSEQ) != 0, true, &cb, s);
	} else {
		/* Re-activation: keep what the user typed meanwhile. */
		solpkt_restart(&s->sp, true);
		s->sp.max_chars = chars;
	}
	s->sol_since = now;
	sess_trace(s, "SOL active: %zu characters per packet", chars);
	sess_set_state(s, SOL_ST_SOL_ACTIVE);
	solctl_emit(s, now);
}

static void
activate(sol_session *s, uint64_t now)
{
	uint8_t d[6] = { SOL_PAYLOAD, SOL_INSTANCE, 0, 0, 0, 0 };

	/* Encrypt/authenticate bits match the suite; b1: the BMC leaves
	 * CTS/DCD to our first packet; b3:2 01 defers serial alerts. */
	d[2] = 0x02;
	if (s->suite.conf != RP_CONF_NONE)
		d[2] |= 0x80;
	if (s->suite.integ != RP_INTEG_NONE)
		d[2] |= 0x40;
	if (s->cfg.quirks & SOL_Q_SERIALALERTSDEFERRED)
		d[2] |= 0x04;
	sess_set_state(s, SOL_ST_SOL_ACT);
	submit(s, IPMI_CMD_ACTIVATE_PAYLOAD, d, sizeof(d), act_done, now);
}

void
solctl_input(sol_session *s, const uint8_t *pl, size_t len, uint64_t now)
{
	int r;

	if (s->state != SOL_ST_SOL_ACTIVE) {
		s->stats.rx_stray++;
		return;
	}
	bool was_paused = s->sp.paused;

	r = solpkt_input(&s->sp, pl, len, now);
	if (s->sp.paused && !was_paused)
		s->pause_since = now;
	if (r < 0) {
		s->stats.rx_bad++;
		return;
	}
	if (r == SOLPKT_DEACTIVATING)
		sol_lost(s, SOL_R_DEACTIVATED, "BMC is deactivating SOL", now);
}

void
solctl_emit(sol_session *s, uint64_t now)
{
	uint8_t pl[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	size_t n;
	uint64_t before = s->sp.retransmits;

	while (s->state == SOL_ST_SOL_ACTIVE &&
	       (n = solpkt_emit(&s->sp, now, pl, sizeof(pl))) > 0) {
		s->stats.sol_bytes_out += n - SOLPKT_HDR;
		sess_send_payload(s, RP_PT_SOL, pl, n);
	}
	s->stats.sol_retransmits += s->sp.retransmits - before;
	s->stats.sol_nacks = s->sp.nacks;
}

void
solctl_tick(sol_session *s, uint64_t now)
{
	/* The BMC's "NACK clear" may have been lost: after a while, send
	 * again; a BMC that is still full just NACKs once more. */
	if (s->sp.paused && now >= s->pause_since + SESS_PAUSE_MAX_MS) {
		sess_trace(s, "SOL paused by the BMC for %d ms; resuming",
			   SESS_PAUSE_MAX_MS);
		s->sp.paused = false;
	}
	if (solpkt_tick(&s->sp, now) == SOLPKT_DEAD) {
		sol_lost(s, SOL_R_TIMEOUT, "SOL packets not acknowledged", now);
		return;
	}
	solctl_emit(s, now);
}

static void
keepalive_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	uint32_t owner;

	s->keepalive_pending = false;
	if (rsp == NULL) {
		sess_fail(s, SOL_R_TIMEOUT, now, "keepalive unanswered");
		return;
	}
	if (rsp->cmd != IPMI_CMD_GET_PAYLOAD_INST_INFO)
		return;
	if (rsp->cc != 0 || rsp->len < 4) {
		sess_trace(s, "Get Payload Instance Info unsupported; "
			   "keepalive falls back to Get Device ID");
		s->instinfo_unsupported = true;
		return;
	}
	owner = le32_get(rsp->data);
	if (s->state != SOL_ST_SOL_ACTIVE || owner == s->rakp.bmc_sid)
		return;
	char what[80];

	if (owner == 0)
		snprintf(what, sizeof(what), "another session deactivated it");
	else
		snprintf(what, sizeof(what), "BMC session 0x%08x holds it", owner);
	sol_lost(s, SOL_R_STOLEN, what, now);
}

/* Always an IPMI request, whatever SOL does: some BMCs (ipmi_sim) time a
 * session out on IPMI silence even under constant SOL traffic. Get
 * Payload Instance Info also tells whether our SOL was taken. */
void
solctl_keepalive(sol_session *s, uint64_t now)
{
	uint8_t d[2] = { SOL_PAYLOAD, SOL_INSTANCE };

	sess_schedule_keepalive(s, now);
	if (s->keepalive_pending)
		return;
	s->keepalive_pending = true;
	if (s->state == SOL_ST_SOL_ACTIVE && !s->instinfo_unsupported)
		submit(s, IPMI_CMD_GET_PAYLOAD_INST_INFO, d, 2, keepalive_done,
		       now);
	else
		submit(s, IPMI_CMD_GET_DEVICE_ID, NULL, 0, keepalive_done, now);
}

void
solctl_shutdown(sol_session *s)
{
	uint8_t d[6] = { SOL_PAYLOAD, SOL_INSTANCE, 0, 0, 0, 0 };

	if (!s->sol_up)
		return;
	s->sol_up = false;
	req_send_oneshot(s, IPMI_NETFN_APP, IPMI_CMD_DEACTIVATE_PAYLOAD, d,
			 sizeof(d));
}
