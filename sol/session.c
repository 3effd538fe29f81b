/* session.c — the sol_session object: lifecycle, datagram demux, timers, accessors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bytes.h"
#include "session_int.h"

#define DEF_RETRY_MS 1000
#define DEF_BUDGET_MS 8000
#define DEF_KEEPALIVE_MS 15000
#define DEF_DEAD_MS 45000
#define DEF_SOL_RETRY_MS 700
#define DEF_SOL_RETRIES 8
#define KEEPALIVE_JITTER_MS 5000

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Fill in defaults; keep the keepalive well inside the dead-peer bound so
 * a healthy but silent BMC is never declared dead. */
static void
config_defaults(struct sol_config *c)
{
	if (c->retry_ms == 0)
		c->retry_ms = DEF_RETRY_MS;
	if (c->request_budget_ms == 0)
		c->request_budget_ms = DEF_BUDGET_MS;
	if (c->keepalive_ms == 0)
		c->keepalive_ms = DEF_KEEPALIVE_MS;
	if (c->dead_ms == 0)
		c->dead_ms = DEF_DEAD_MS;
	if (c->sol_retry_ms == 0)
		c->sol_retry_ms = DEF_SOL_RETRY_MS;
	if (c->sol_retries == 0)
		c->sol_retries = DEF_SOL_RETRIES;
	if (c->keepalive_ms + c->keepalive_ms / 4 > c->dead_ms / 2)
		c->keepalive_ms = c->dead_ms / 3;
	if (c->request_budget_ms > c->dead_ms)
		c->request_budget_ms = c->dead_ms;
	if (c->privilege < SOL_PRIV_USER || c->privilege > SOL_PRIV_ADMIN)
		c->privilege = SOL_PRIV_ADMIN;
}

static int
config_check(const struct sol_config *c, char *err, size_t errlen)
{
	struct rp_suite suite;

	if (c->user == NULL || strlen(c->user) > 16) {
		set_err(err, errlen, "user name missing or longer than 16 bytes");
		return -1;
	}
	if (c->password_len > RP_KEY_LEN || c->kg_len > RP_KEY_LEN) {
		set_err(err, errlen, "password or Kg longer than 20 bytes");
		return -1;
	}
	if (c->cipher != SOL_CIPHER_AUTO) {
		if (rp_suite_lookup(c->cipher, &suite) != 0) {
			set_err(err, errlen, "unsupported cipher suite");
			return -1;
		}
		if (c->cipher < 3 && !c->allow_weak) {
			set_err(err, errlen, "cipher suites 0-2 are weak and must be "
				"allowed explicitly (allow_weak)");
			return -1;
		}
	}
	return 0;
}

sol_session *
sol_session_new(const struct sol_config *cfg, const struct sol_callbacks *cb,
		void *ctx, char *err, size_t errlen)
{
	sol_session *s;

	if (cfg == NULL || cb == NULL || cb->send == NULL) {
		set_err(err, errlen, "missing config or send callback");
		return NULL;
	}
	if (config_check(cfg, err, errlen) != 0)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	if ((s->keys = rp_keys_new()) == NULL) {
		free(s);
		set_err(err, errlen, "cannot create crypto contexts");
		return NULL;
	}
	s->cfg = *cfg;
	config_defaults(&s->cfg);
	snprintf(s->user, sizeof(s->user), "%s", cfg->user);
	s->cfg.user = s->user;
	/* The secrets live only in the RAKP block, NUL-padded to 20 bytes. */
	memcpy(s->rakp.kuid, cfg->password, cfg->password_len);
	if (cfg->kg != NULL && cfg->kg_len > 0) {
		memcpy(s->rakp.kg, cfg->kg, cfg->kg_len);
		s->rakp.have_kg = true;
	}
	s->cfg.password = NULL;
	s->cfg.password_len = 0;
	s->cfg.kg = NULL;
	s->cfg.kg_len = 0;
	s->cb = *cb;
	s->ctx = ctx;
	s->state = SOL_ST_IDLE;
	s->hs_deadline = SOL_NO_DEADLINE;
	return s;
}

void
sol_session_free(sol_session *s)
{
	if (s == NULL)
		return;
	rp_keys_free(s->keys);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void
sess_set_state(sol_session *s, enum sol_state st)
{
	if (s->state == st)
		return;
	s->state = st;
	if (st != SOL_ST_CLOSED) {
		s->reason = SOL_R_NONE;
		s->detail[0] = '\0';
	}
	if (s->cb.state != NULL)
		s->cb.state(s->ctx, st, s->reason, s->detail);
}

void
sess_trace(sol_session *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (s->cb.trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->cb.trace(s->ctx, buf);
}

/* Drop everything of the session that was, tell the BMC if it knew us. */
static void
teardown(sol_session *s, bool tell_bmc)
{
	if (tell_bmc && s->established) {
		solctl_shutdown(s);
		uint8_t d[4];

		le32_put(d, s->rakp.bmc_sid);
		req_send_oneshot(s, IPMI_NETFN_APP, IPMI_CMD_CLOSE_SESSION, d, 4);
	}
	req_flush(s);
	rp_keys_clear(s->keys);
	OPENSSL_cleanse(s->sik, sizeof(s->sik));
	s->established = false;
	s->sol_up = false;
	s->hs_deadline = SOL_NO_DEADLINE;
	s->keepalive_pending = false;
}

void
sess_fail(sol_session *s, enum sol_reason r, uint64_t now, const char *fmt,
	  ...)
{
	va_list ap;

	(void)now;
	if (s->state == SOL_ST_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
	sess_trace(s, "session ends: %s: %s", sol_reason_name(r), s->detail);
	teardown(s, true);
	s->reason = r;
	s->state = SOL_ST_CLOSED;
	if (s->cb.state != NULL)
		s->cb.state(s->ctx, SOL_ST_CLOSED, r, s->detail);
}

int
sess_random(sol_session *s, uint8_t *buf, size_t len)
{
	if (s->cb.random != NULL)
		return s->cb.random(s->ctx, buf, len);
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

uint32_t
sess_random_u32(sol_session *s)
{
	uint8_t b[4] = { 0 };

	(void)sess_random(s, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

/* Frame and send one payload inside the session (or, before it, in the
 * clear with SID 0). The session sequence number is never 0. */
void
sess_send_payload(sol_session *s, uint8_t ptype, const uint8_t *pl,
		  size_t len)
{
	uint8_t iv[RP_AES_BLOCK];
	uint32_t sid = 0, seq = 0;
	rp_keys *keys = NULL;
	int n;

	if (s->established) {
		sid = s->rakp.bmc_sid;
		seq = s->out_seq++;
		if (s->out_seq == 0)
			s->out_seq = 1;
		keys = s->keys;
		if (rp_keys_conf(keys) != RP_CONF_NONE &&
		    sess_random(s, iv, sizeof(iv)) != 0) {
			sess_trace(s, "no random IV; packet not sent");
			return;
		}
	}
	n = rp_build_v20(s->tx, sizeof(s->tx), ptype, sid, seq, pl, len, keys,
			 iv);
	if (n < 0) {
		sess_trace(s, "payload of %zu bytes does not fit", len);
		return;
	}
	s->stats.tx_packets++;
	s->cb.send(s->ctx, s->tx, (size_t)n);
}

void
sess_schedule_keepalive(sol_session *s, uint64_t now)
{
	uint32_t jitter = s->cfg.keepalive_ms / 4;

	/* Jitter spreads a fleet's keepalives; it stays small next to the
	 * period so a short keepalive still fits inside the dead bound. */
	if (jitter > KEEPALIVE_JITTER_MS)
		jitter = KEEPALIVE_JITTER_MS;
	s->next_keepalive = now + s->cfg.keepalive_ms +
	    sess_random_u32(s) % (jitter + 1);
}

void
sol_session_start(sol_session *s, uint64_t now)
{
	if (s->state != SOL_ST_IDLE && s->state != SOL_ST_CLOSED)
		teardown(s, true);
	s->reason = SOL_R_NONE;
	s->detail[0] = '\0';
	s->try_idx = 0;
	s->steals = 0;
	s->redirect_port = 0;
	s->last_rx = now;
	s->hs_started = now;
	hs_begin(s, now);
}

/* An IPMI or SOL payload inside the established session. */
static void
input_session(sol_session *s, const struct rp_packet *pk, uint64_t now)
{
	struct ipmi_msg rsp;

	if (pk->sid != s->rakp.console_sid || !seqwin_check(&s->win, pk->seq)) {
		s->stats.rx_seq_drop++;
		return;
	}
	seqwin_mark(&s->win, pk->seq);
	s->last_rx = now;
	if (pk->ptype == RP_PT_SOL) {
		/* The BMC has one SOL data packet in flight at a time, so data
		 * sent before the last data we took is a stale retransmit,
		 * whatever its SOL seq (which solpkt alone cannot tell). */
		if (pk->len >= SOLPKT_HDR && (pk->payload[0] & 0x0f) != 0) {
			if (s->sol_data_seq != 0 &&
			    (int32_t)(pk->seq - s->sol_data_seq) < 0) {
				s->stats.rx_seq_drop++;
				sess_trace(s, "dropped stale SOL retransmit");
				return;
			}
			s->sol_data_seq = pk->seq;
		}
		solctl_input(s, pk->payload, pk->len, now);
		return;
	}
	if (ipmi_parse_rsp(pk->payload, pk->len, &rsp) != 0) {
		s->stats.rx_bad++;
		return;
	}
	if ((!rsp.chk1_ok || !rsp.chk2_ok) &&
	    !(s->cfg.quirks & SOL_Q_NOCHECKSUMCHECK)) {
		s->stats.rx_bad++;
		sess_trace(s, "dropped response with bad checksum");
		return;
	}
	req_input(s, &rsp, now);
}

/* The session-less IPMI 1.5 answer to Get Channel Auth Capabilities. */
static void
input_v15(sol_session *s, const struct rp_packet *pk, uint64_t now)
{
	struct ipmi_msg rsp;

	if (!s->v15 || ipmi_parse_rsp(pk->payload, pk->len, &rsp) != 0) {
		s->stats.rx_stray++;
		return;
	}
	if ((!rsp.chk1_ok || !rsp.chk2_ok) &&
	    !(s->cfg.quirks & SOL_Q_NOCHECKSUMCHECK)) {
		s->stats.rx_bad++;
		return;
	}
	s->last_rx = now;
	req_input(s, &rsp, now);
}

void
sol_session_input(sol_session *s, const uint8_t *buf, size_t len,
		  uint64_t now)
{
	struct rp_packet pk;
	int r;

	s->stats.rx_packets++;
	if (s->state == SOL_ST_IDLE || s->state == SOL_ST_CLOSED) {
		s->stats.rx_stray++;
		return;
	}
	r = rp_parse(buf, len, s->keys, s->scratch, sizeof(s->scratch), &pk);
	if (r != 0) {
		s->stats.rx_bad++;
		sess_trace(s, "dropped datagram: %s", rp_err_str(r));
		return;
	}
	if (!pk.v20)
		input_v15(s, &pk, now);
	else if (pk.ptype >= RP_PT_OPEN_RQ && pk.ptype <= RP_PT_RAKP4)
		hs_input(s, &pk, now);
	else if (s->established &&
		 (pk.ptype == RP_PT_IPMI || pk.ptype == RP_PT_SOL))
		input_session(s, &pk, now);
	else
		s->stats.rx_stray++;
	if (s->state == SOL_ST_SOL_ACTIVE)
		solctl_emit(s, now);
}

void
sol_session_tick(sol_session *s, uint64_t now)
{
	if (s->state == SOL_ST_IDLE || s->state == SOL_ST_CLOSED)
		return;
	hs_tick(s, now);
	if (s->state == SOL_ST_CLOSED)
		return;
	if (s->established && now >= s->last_rx + s->cfg.dead_ms) {
		sess_fail(s, SOL_R_TIMEOUT, now,
			  "no answer from the BMC for %u ms", s->cfg.dead_ms);
		return;
	}
	req_tick(s, now);
	if (s->state == SOL_ST_CLOSED)
		return;
	if (s->established && now >= s->next_keepalive)
		solctl_keepalive(s, now);
	if (s->state == SOL_ST_SOL_ACTIVE)
		solctl_tick(s, now);
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
sol_session_deadline(const sol_session *s)
{
	uint64_t d = SOL_NO_DEADLINE;

	if (s->state == SOL_ST_IDLE || s->state == SOL_ST_CLOSED)
		return d;
	d = min64(d, s->hs_deadline);
	d = min64(d, req_deadline(s));
	if (s->established) {
		d = min64(d, s->last_rx + s->cfg.dead_ms);
		d = min64(d, s->next_keepalive);
	}
	if (s->state == SOL_ST_SOL_ACTIVE) {
		d = min64(d, solpkt_deadline(&s->sp));
		if (s->sp.paused)
			d = min64(d, s->pause_since + SESS_PAUSE_MAX_MS);
	}
	return d;
}

size_t
sol_session_write(sol_session *s, const uint8_t *buf, size_t len,
		  uint64_t now)
{
	size_t n;

	if (s->state != SOL_ST_SOL_ACTIVE)
		return 0;
	n = solpkt_write(&s->sp, buf, len);
	solctl_emit(s, now);
	return n;
}

size_t
sol_session_pending(const sol_session *s)
{
	return s->state == SOL_ST_SOL_ACTIVE ? solpkt_pending(&s->sp) : 0;
}

int
sol_session_send_break(sol_session *s, uint64_t now)
{
	if (s->state != SOL_ST_SOL_ACTIVE)
		return -1;
	solpkt_break(&s->sp);
	solctl_emit(s, now);
	return 0;
}

int
sol_session_request(sol_session *s, uint8_t netfn, uint8_t cmd,
		    const uint8_t *data, size_t len, uint32_t tag,
		    uint64_t now)
{
	if (!s->established || s->state == SOL_ST_CLOSED)
		return -1;
	return req_submit(s, netfn, cmd, data, len, tag, NULL, now);
}

void
sol_session_close(sol_session *s, uint64_t now)
{
	if (s->state == SOL_ST_IDLE || s->state == SOL_ST_CLOSED)
		return;
	sess_fail(s, SOL_R_LOCAL, now, "closed");
}

void
sol_session_set_port(sol_session *s, uint16_t port)
{
	s->cfg.port = port;
}

enum sol_state
sol_session_state(const sol_session *s)
{
	return s->state;
}

enum sol_reason
sol_session_reason(const sol_session *s)
{
	return s->reason;
}

int
sol_session_cipher(const sol_session *s)
{
	return s->suite_valid ? s->suite.id : -1;
}

uint32_t
sol_session_console_id(const sol_session *s)
{
	return s->rakp.console_sid;
}

uint32_t
sol_session_bmc_id(const sol_session *s)
{
	return s->rakp.bmc_sid;
}

uint16_t
sol_session_redirect_port(const sol_session *s)
{
	return s->redirect_port;
}

const struct sol_stats *
sol_session_stats(const sol_session *s)
{
	return &s->stats;
}

const char *
sol_state_name(enum sol_state st)
{
	static const char *const names[] = {
		[SOL_ST_IDLE] = "idle",
		[SOL_ST_AUTHCAP] = "authcap",
		[SOL_ST_CIPHERS] = "ciphers",
		[SOL_ST_OPEN] = "open-session",
		[SOL_ST_RAKP1] = "rakp1",
		[SOL_ST_RAKP3] = "rakp3",
		[SOL_ST_SETPRIV] = "set-privilege",
		[SOL_ST_READY] = "ready",
		[SOL_ST_SOL_STATUS] = "sol-status",
		[SOL_ST_SOL_DEACT] = "sol-deactivate",
		[SOL_ST_SOL_ACT] = "sol-activate",
		[SOL_ST_SOL_ACTIVE] = "sol-active",
		[SOL_ST_CLOSING] = "closing",
		[SOL_ST_CLOSED] = "closed",
	};
	if ((unsigned)st < sizeof(names) / sizeof(names[0]) && names[st])
		return names[st];
	return "unknown";
}

const char *
sol_reason_name(enum sol_reason r)
{
	static const char *const names[] = {
		[SOL_R_NONE] = "none",
		[SOL_R_AUTH] = "authentication failed",
		[SOL_R_TIMEOUT] = "BMC timeout",
		[SOL_R_BUSY] = "BMC busy",
		[SOL_R_CIPHER] = "no usable cipher suite",
		[SOL_R_SOL_DISABLED] = "SOL disabled",
		[SOL_R_SOL_ACTIVE] = "SOL already active",
		[SOL_R_STOLEN] = "SOL taken by another session",
		[SOL_R_DEACTIVATED] = "SOL deactivated by the BMC",
		[SOL_R_PROTOCOL] = "protocol error",
		[SOL_R_PORT] = "SOL on another port",
		[SOL_R_LOCAL] = "closed locally",
	};
	if ((unsigned)r < sizeof(names) / sizeof(names[0]) && names[r])
		return names[r];
	return "unknown";
}
