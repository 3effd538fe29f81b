/* handshake.c — session setup: auth capabilities, Open Session, RAKP 1-4, Set Session Privilege. */
#include <string.h>

#include <openssl/crypto.h>

#include "bytes.h"
#include "session_int.h"

#define ROLE_NAME_ONLY 0x10	/* RAKP 1: look the user up by name only */

static void open_session(sol_session *s, uint64_t now);
static void ciphers_query(sol_session *s, uint64_t now);

/* A setup step waits hs_wait_ms, but never past the handshake budget. */
static uint64_t
hs_step_deadline(const sol_session *s, uint64_t now)
{
	uint64_t t = now + s->hs_wait_ms;
	uint64_t end = s->hs_started + s->cfg.request_budget_ms;

	return t < end ? t : end;
}

/* Suites to try, in order: "auto" prefers SHA256 (17) over SHA1 (3),
 * narrowed to what the BMC lists when it answers Get Channel Cipher Suites. */
static int
suite_count(const sol_session *s)
{
	return s->nsuites;
}

static int
suite_at(const sol_session *s, int idx)
{
	return s->suites[idx];
}

static void
setpriv_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	if (rsp == NULL) {
		sess_fail(s, SOL_R_TIMEOUT, now,
			  "no answer to Set Session Privilege Level");
		return;
	}
	if (rsp->cc == 0x80 || rsp->cc == 0x81 || rsp->cc == IPMI_CC_PRIV) {
		sess_fail(s, SOL_R_AUTH, now,
			  "privilege level %d not available to user %s (cc 0x%02x)",
			  s->cfg.privilege, s->user, rsp->cc);
		return;
	}
	if (rsp->cc != 0) {
		sess_fail(s, SOL_R_PROTOCOL, now, "Set Session Privilege: %s",
			  ipmi_cc_str(rsp->cc));
		return;
	}
	sess_trace(s, "session up: suite %d, privilege %d, BMC session 0x%08x",
		   s->suite.id, s->cfg.privilege, s->rakp.bmc_sid);
	sess_set_state(s, SOL_ST_READY);
	if (s->cfg.want_sol)
		solctl_begin(s, now);
}

/* Which of 17 and 3 the BMC lists. Records are C0 id algs... (standard)
 * or C1 id iana[3] algs... (OEM); algorithm bytes are below 0xC0. */
static void
ciphers_pick(sol_session *s)
{
	bool has17 = false, has3 = false;
	size_t i;

	for (i = 0; i + 1 < s->cs_len; i++) {
		if (s->cs_buf[i] == 0xC0) {
			has17 |= s->cs_buf[i + 1] == 17;
			has3 |= s->cs_buf[i + 1] == 3;
			i++;
		} else if (s->cs_buf[i] == 0xC1) {
			i += 4;
		}
	}
	if (!has17 && !has3) {
		sess_trace(s, "BMC lists neither suite 17 nor 3; trying both");
		return;
	}
	s->nsuites = 0;
	s->suites_listed = true;
	if (has17)
		s->suites[s->nsuites++] = 17;
	if (has3)
		s->suites[s->nsuites++] = 3;
	sess_trace(s, "BMC lists suite 17: %s, suite 3: %s", has17 ? "yes" : "no",
		   has3 ? "yes" : "no");
}

static void
ciphers_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	size_t n;

	if (rsp == NULL || rsp->cc != 0 || rsp->len < 1) {
		sess_trace(s, "no cipher suite list (%s); trying 17 then 3",
			   rsp == NULL ? "no answer" : ipmi_cc_str(rsp->cc));
	} else {
		n = rsp->len - 1;
		if (n > sizeof(s->cs_buf) - s->cs_len)
			n = sizeof(s->cs_buf) - s->cs_len;
		memcpy(s->cs_buf + s->cs_len, rsp->data + 1, n);
		s->cs_len += n;
		/* A full 16-byte chunk means there may be more. */
		if (rsp->len - 1 == 16 && s->cs_idx < 0x3f &&
		    s->cs_len < sizeof(s->cs_buf)) {
			s->cs_idx++;
			ciphers_query(s, now);
			return;
		}
		ciphers_pick(s);
	}
	s->v15 = false;
	open_session(s, now);
}

/* Get Channel Cipher Suites, session-less like the capabilities query:
 * some BMCs (ipmi_sim) ignore an Open Session for a suite they lack. */
static void
ciphers_query(sol_session *s, uint64_t now)
{
	uint8_t d[3] = { 0x0e, 0x00, (uint8_t)(0x80 | s->cs_idx) };

	if (req_submit(s, IPMI_NETFN_APP, IPMI_CMD_GET_CHAN_CIPHER_SUITES, d,
		       3, 0, ciphers_done, now) != 0)
		sess_fail(s, SOL_R_PROTOCOL, now, "request queue full");
}

static void
authcap_done(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	if (rsp == NULL) {
		sess_fail(s, SOL_R_TIMEOUT, now,
			  "no answer to Get Channel Authentication Capabilities");
		return;
	}
	if (rsp->cc != 0 || rsp->len < 8) {
		sess_fail(s, SOL_R_PROTOCOL, now,
			  "Get Channel Authentication Capabilities: %s",
			  rsp->cc != 0 ? ipmi_cc_str(rsp->cc) : "short reply");
		return;
	}
	/* authtypes b7: extended data present; ext b1: IPMI 2.0 supported.
	 * The user/Kg status bits are not trusted (authcap quirk). */
	if (!(rsp->data[1] & 0x80) || !(rsp->data[3] & 0x02)) {
		sess_fail(s, SOL_R_PROTOCOL, now,
			  "BMC does not offer IPMI 2.0 (RMCP+)");
		return;
	}
	s->chan = rsp->data[0];
	sess_trace(s, "auth capabilities: channel %u, IPMI 2.0", s->chan);
	if (s->cfg.cipher == SOL_CIPHER_AUTO) {
		s->cs_idx = 0;
		s->cs_len = 0;
		sess_set_state(s, SOL_ST_CIPHERS);
		ciphers_query(s, now);
		return;
	}
	s->v15 = false;
	open_session(s, now);
}

void
hs_begin(sol_session *s, uint64_t now)
{
	uint8_t d[2] = { 0x8e, 0 };	/* v2 data bit | current channel */

	s->established = false;
	s->suite_valid = false;
	s->suites_listed = false;
	s->hs_attempts = 0;
	s->nsuites = 1;
	s->suites[0] = s->cfg.cipher;
	if (s->cfg.cipher == SOL_CIPHER_AUTO) {
		s->suites[0] = 17;
		s->suites[1] = 3;
		s->nsuites = 2;
	}
	rp_keys_clear(s->keys);
	s->v15 = true;
	s->hs_wait_ms = s->cfg.retry_ms;
	s->hs_deadline = SOL_NO_DEADLINE;
	d[1] = (uint8_t)s->cfg.privilege;
	sess_set_state(s, SOL_ST_AUTHCAP);
	sess_trace(s, "Get Channel Authentication Capabilities");
	if (req_submit(s, IPMI_NETFN_APP, IPMI_CMD_GET_CHAN_AUTH_CAP, d, 2, 0,
		       authcap_done, now) != 0)
		sess_fail(s, SOL_R_PROTOCOL, now, "request queue full");
}

static void
open_session(sol_session *s, uint64_t now)
{
	uint8_t p[32];
	int id = suite_at(s, s->try_idx);

	if (rp_suite_lookup(id, &s->suite) != 0) {
		sess_fail(s, SOL_R_CIPHER, now, "cipher suite %d unsupported", id);
		return;
	}
	s->suite_valid = true;
	s->hs_attempts++;
	do
		s->rakp.console_sid = sess_random_u32(s);
	while (s->rakp.console_sid == 0);
	s->rakp.auth = s->suite.auth;
	s->open_tag++;
	memset(p, 0, sizeof(p));
	p[0] = s->open_tag;
	/* Ask for the real privilege, not 0 "highest": BMCs that hash with
	 * it (opensesspriv) and ipmi_sim, which echoes it, need that. */
	/* intel20 and sun20 BMCs do the same, so they imply it (as in
	 * FreeIPMI). */
	p[1] = (s->cfg.quirks & (SOL_Q_OPENSESSPRIV | SOL_Q_INTEL20 |
				 SOL_Q_SUN20)) ? (uint8_t)s->cfg.privilege : 0;
	le32_put(p + 4, s->rakp.console_sid);
	p[8] = 0x00; p[11] = 0x08; p[12] = s->suite.auth;
	p[16] = 0x01; p[19] = 0x08; p[20] = s->suite.integ;
	p[24] = 0x02; p[27] = 0x08; p[28] = s->suite.conf;
	sess_trace(s, "Open Session: suite %d, console session 0x%08x",
		   id, s->rakp.console_sid);
	sess_set_state(s, SOL_ST_OPEN);
	sess_send_payload(s, RP_PT_OPEN_RQ, p, sizeof(p));
	s->hs_deadline = hs_step_deadline(s, now);
}

/* An RMCP+ status code from Open Session or RAKP 2/4; ends the attempt. */
static void
status_fail(sol_session *s, const char *step, uint8_t code, uint64_t now)
{
	switch (code) {
	case 0x04: case 0x05: case 0x06: case 0x07: case 0x10: case 0x11:
		if (s->try_idx + 1 < suite_count(s)) {
			sess_trace(s, "%s: suite %d refused (status 0x%02x), "
				   "trying suite %d", step, s->suite.id, code,
				   suite_at(s, s->try_idx + 1));
			s->try_idx++;
			s->hs_started = now;
			s->hs_wait_ms = s->cfg.retry_ms;
			open_session(s, now);
			return;
		}
		sess_fail(s, SOL_R_CIPHER, now,
			  "%s: BMC refused cipher suite %d (status 0x%02x)",
			  step, s->suite.id, code);
		return;
	case 0x01: case 0x0B:
		/* Our own abandoned attempts may hold the BMC's half-open
		 * slots until it reaps them: keep trying within the budget. */
		if (s->hs_attempts > 1 &&
		    now - s->hs_started < s->cfg.request_budget_ms) {
			sess_trace(s, "%s: BMC out of sessions; retrying", step);
			return;
		}
		sess_fail(s, SOL_R_BUSY, now,
			  "%s: BMC has no free session (status 0x%02x)", step,
			  code);
		return;
	case 0x09: case 0x0A:
		sess_fail(s, SOL_R_AUTH, now,
			  "%s: privilege level %d refused for user %s", step,
			  s->cfg.privilege, s->user);
		return;
	case 0x0C: case 0x0D: case 0x0E:
		sess_fail(s, SOL_R_AUTH, now, "%s: unknown or unauthorized "
			  "user %s (status 0x%02x)", step, s->user, code);
		return;
	case 0x0F:
		sess_fail(s, SOL_R_AUTH, now, "%s: BMC rejected our key "
			  "exchange code: wrong password or Kg", step);
		return;
	default:
		sess_fail(s, SOL_R_PROTOCOL, now, "%s: status 0x%02x", step,
			  code);
	}
}

static void
send_rakp1(sol_session *s, uint64_t now)
{
	uint8_t p[44];
	size_t ulen = strlen(s->user);

	memset(p, 0, sizeof(p));
	if (sess_random(s, s->rakp.rm, sizeof(s->rakp.rm)) != 0) {
		sess_fail(s, SOL_R_PROTOCOL, now, "no random bytes");
		return;
	}
	memset(s->rakp.user, 0, sizeof(s->rakp.user));
	memcpy(s->rakp.user, s->user, ulen);
	/* intel20: the name is NUL-padded to 16 in RAKP 1, 2 and the SIK. */
	s->rakp.ulen = (s->cfg.quirks & SOL_Q_INTEL20) ? 16 : (uint8_t)ulen;
	s->rakp.role = (uint8_t)s->cfg.privilege | ROLE_NAME_ONLY;
	p[0] = s->open_tag;
	le32_put(p + 4, s->rakp.bmc_sid);
	memcpy(p + 8, s->rakp.rm, 16);
	p[24] = s->rakp.role;
	p[27] = s->rakp.ulen;
	memcpy(p + 28, s->rakp.user, s->rakp.ulen);
	sess_trace(s, "RAKP 1: user %s, role 0x%02x", s->user, s->rakp.role);
	sess_set_state(s, SOL_ST_RAKP1);
	sess_send_payload(s, RP_PT_RAKP1, p, 28u + s->rakp.ulen);
	s->hs_deadline = hs_step_deadline(s, now);
}

static void
open_rs(sol_session *s, const uint8_t *p, size_t len, uint64_t now)
{
	if (len < 8 || p[0] != s->open_tag) {
		s->stats.rx_stray++;
		return;
	}
	if (p[1] != 0) {
		status_fail(s, "Open Session", p[1], now);
		return;
	}
	if (len < 36 || le32_get(p + 4) != s->rakp.console_sid) {
		s->stats.rx_bad++;
		return;
	}
	/* The BMC echoes the algorithms it chose; sun20 garbles the tags. */
	if (!(s->cfg.quirks & SOL_Q_SUN20) &&
	    (p[16] != s->suite.auth || p[24] != s->suite.integ ||
	     p[32] != s->suite.conf)) {
		status_fail(s, "Open Session", 0x11, now);
		return;
	}
	s->rakp.bmc_sid = le32_get(p + 8);
	if (s->rakp.bmc_sid == 0) {
		sess_fail(s, SOL_R_PROTOCOL, now, "BMC session id 0");
		return;
	}
	send_rakp1(s, now);
}

static void
send_rakp3(sol_session *s, uint64_t now)
{
	uint8_t p[8 + RP_MAX_DIGEST];
	uint8_t keac[RP_MAX_DIGEST];
	uint8_t role = s->rakp.role;
	size_t dl = rp_auth_digest_len(s->suite.auth);

	memset(p, 0, sizeof(p));
	/* intel20 hashes RAKP 3 without the name-only bit. */
	if (s->cfg.quirks & SOL_Q_INTEL20)
		s->rakp.role = role & ~ROLE_NAME_ONLY;
	if (dl > 0 && rp_rakp3_keac(&s->rakp, keac) != 0) {
		sess_fail(s, SOL_R_PROTOCOL, now, "RAKP 3 HMAC failed");
		return;
	}
	s->rakp.role = role;
	p[0] = s->open_tag;
	le32_put(p + 4, s->rakp.bmc_sid);
	memcpy(p + 8, keac, dl);
	OPENSSL_cleanse(keac, sizeof(keac));
	sess_trace(s, "RAKP 3");
	sess_set_state(s, SOL_ST_RAKP3);
	sess_send_payload(s, RP_PT_RAKP3, p, 8 + dl);
	s->hs_deadline = hs_step_deadline(s, now);
}

/* Tell the BMC we give up on this handshake (RAKP 3 with a status), so
 * it frees the half-open session at once instead of holding one of its
 * few slots until its setup timer fires. */
static void
rakp3_abort(sol_session *s, uint8_t status)
{
	uint8_t p[8];

	memset(p, 0, sizeof(p));
	p[0] = s->open_tag;
	p[1] = status;
	le32_put(p + 4, s->rakp.bmc_sid);
	sess_send_payload(s, RP_PT_RAKP3, p, sizeof(p));
}

static void
rakp2(sol_session *s, const uint8_t *p, size_t len, uint64_t now)
{
	uint8_t want[RP_MAX_DIGEST];
	size_t dl = rp_auth_digest_len(s->suite.auth), got;

	if (len < 8 || p[0] != s->open_tag) {
		s->stats.rx_stray++;
		return;
	}
	if (p[1] != 0) {
		status_fail(s, "RAKP 2", p[1], now);
		return;
	}
	if (len < 40 || le32_get(p + 4) != s->rakp.console_sid) {
		s->stats.rx_bad++;
		return;
	}
	got = len - 40;
	/* supermicro20/sun20 send a KEAC one byte too long: use the digest. */
	if (got > dl && (s->cfg.quirks & (SOL_Q_SUPERMICRO20 | SOL_Q_SUN20)))
		got = dl;
	memcpy(s->rakp.rc, p + 8, 16);
	memcpy(s->rakp.guid, p + 24, 16);
	if (got != dl) {
		sess_fail(s, SOL_R_PROTOCOL, now,
			  "RAKP 2: key exchange code of %zu bytes, want %zu", got, dl);
		return;
	}
	if (dl > 0 && (rp_rakp2_keac(&s->rakp, want) != 0 ||
		       rp_memeq_ct(want, p + 40, dl) != 0)) {
		OPENSSL_cleanse(want, sizeof(want));
		rakp3_abort(s, 0x0F);
		sess_fail(s, SOL_R_AUTH, now,
			  "RAKP 2: BMC's key exchange code does not match: "
			  "wrong password for user %s", s->user);
		return;
	}
	OPENSSL_cleanse(want, sizeof(want));
	if (dl > 0 && rp_sik(&s->rakp, s->sik) != 0) {
		sess_fail(s, SOL_R_PROTOCOL, now, "SIK derivation failed");
		return;
	}
	send_rakp3(s, now);
}

/* Keys from the SIK; the session is established from here on. */
static int
install_keys(sol_session *s)
{
	uint8_t k1[RP_MAX_DIGEST], k2[RP_MAX_DIGEST];
	int r = 0;

	memset(k1, 0, sizeof(k1));
	memset(k2, 0, sizeof(k2));
	if (s->suite.auth != RP_AUTH_NONE &&
	    (rp_derive_k(s->suite.auth, s->sik, 1, k1) != 0 ||
	     rp_derive_k(s->suite.auth, s->sik, 2, k2) != 0))
		r = -1;
	if (r == 0 && rp_keys_set(s->keys, &s->suite, k1, k2) != 0)
		r = -1;
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return r;
}

static void
rakp4(sol_session *s, const uint8_t *p, size_t len, uint64_t now)
{
	uint8_t icv[RP_MAX_DIGEST];
	size_t il = rp_auth_icv_len(s->suite.auth);

	if (len < 8 || p[0] != s->open_tag) {
		s->stats.rx_stray++;
		return;
	}
	if (p[1] != 0) {
		status_fail(s, "RAKP 4", p[1], now);
		return;
	}
	if (le32_get(p + 4) != s->rakp.console_sid || len < 8 + il) {
		s->stats.rx_bad++;
		return;
	}
	if (il > 0 && (rp_rakp4_icv(&s->rakp, s->sik, icv) != 0 ||
		       rp_memeq_ct(icv, p + 8, il) != 0)) {
		sess_fail(s, SOL_R_AUTH, now,
			  "RAKP 4: integrity check value does not match: wrong Kg?");
		return;
	}
	if (install_keys(s) != 0) {
		sess_fail(s, SOL_R_PROTOCOL, now, "cannot load session keys");
		return;
	}
	s->established = true;
	s->hs_deadline = SOL_NO_DEADLINE;
	s->out_seq = 1;
	seqwin_reset(&s->win);
	s->sol_data_seq = 0;
	s->last_rx = now;
	sess_schedule_keepalive(s, now);
	sess_trace(s, "RAKP 4 checked; Set Session Privilege Level %d",
		   s->cfg.privilege);
	sess_set_state(s, SOL_ST_SETPRIV);
	uint8_t d = (uint8_t)s->cfg.privilege;
	if (req_submit(s, IPMI_NETFN_APP, IPMI_CMD_SET_SESSION_PRIV, &d, 1, 0,
		       setpriv_done, now) != 0)
		sess_fail(s, SOL_R_PROTOCOL, now, "request queue full");
}

void
hs_input(sol_session *s, const struct rp_packet *pk, uint64_t now)
{
	if (pk->ptype == RP_PT_OPEN_RS && s->state == SOL_ST_OPEN)
		open_rs(s, pk->payload, pk->len, now);
	else if (pk->ptype == RP_PT_RAKP2 && s->state == SOL_ST_RAKP1)
		rakp2(s, pk->payload, pk->len, now);
	else if (pk->ptype == RP_PT_RAKP4 && s->state == SOL_ST_RAKP3)
		rakp4(s, pk->payload, pk->len, now);
	else
		s->stats.rx_stray++;
}

/* A setup step went unanswered: RAKP messages are not individually
 * retryable, so start over from Open Session with a new session id. */
void
hs_tick(sol_session *s, uint64_t now)
{
	static const char *const steps[] = { "Open Session", "RAKP 1",
					      "RAKP 3" };

	if (s->hs_deadline == SOL_NO_DEADLINE || now < s->hs_deadline)
		return;
	if (s->state != SOL_ST_OPEN && s->state != SOL_ST_RAKP1 &&
	    s->state != SOL_ST_RAKP3) {
		s->hs_deadline = SOL_NO_DEADLINE;
		return;
	}
	if (now - s->hs_started >= s->cfg.request_budget_ms) {
		/* Fall back to a weaker suite on silence only when the BMC did
		 * not list its suites: loss must not downgrade the session. */
		if (s->try_idx + 1 < suite_count(s) && !s->suites_listed) {
			sess_trace(s, "no answer with suite %d, trying %d",
				   s->suite.id, suite_at(s, s->try_idx + 1));
			s->try_idx++;
			s->hs_started = now;
			s->hs_wait_ms = s->cfg.retry_ms;
			open_session(s, now);
			return;
		}
		sess_fail(s, SOL_R_TIMEOUT, now, "no answer to %s",
			  steps[s->state == SOL_ST_OPEN ? 0 :
				s->state == SOL_ST_RAKP1 ? 1 : 2]);
		return;
	}
	/* A flat retry interval: every attempt needs several datagrams to
	 * get through, so on a lossy path many quick tries beat few slow
	 * ones. */
	sess_trace(s, "handshake step timed out; new Open Session");
	open_session(s, now);
}
