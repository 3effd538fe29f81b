/* bmc_cmd.c — IPMI commands the simulated BMC answers: channel, session, device and payload commands. */
#include <string.h>

#include "bmc_int.h"

#define SOL_PAYLOAD 0x01
#define SOL_INSTANCE 0x01
#define CHAN_CURRENT 0x0E
#define NO_VLAN 0xFFFF

/* Command-specific completion codes. */
#define CC_PAYLOAD_ACTIVE 0x80		/* Activate: already active */
#define CC_PAYLOAD_DISABLED 0x81	/* Activate: payload type disabled */
#define CC_PAYLOAD_INACTIVE 0x80	/* Deactivate: already deactivated */
#define CC_PRIV_UNAVAILABLE 0x80	/* Set Session Privilege */
#define CC_PRIV_OVER_LIMIT 0x81
#define CC_BAD_SESSION 0x87		/* Close Session: no such id */

typedef int (*cmd_fn)(bmc *b, struct bmc_sess *s,
		      const struct bmc_request *rq, uint8_t *rsp,
		      size_t *rlen);

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static bool
chan_ok(const bmc *b, uint8_t chan)
{
	chan &= 0x0f;
	return chan == CHAN_CURRENT || chan == b->cfg.channel;
}

static int
cmd_auth_caps(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	      uint8_t *rsp, size_t *rlen)
{
	uint8_t priv, st = 0;
	unsigned i;

	if (rq->len < 2)
		return IPMI_CC_REQ_LEN;
	priv = rq->data[1] & 0x0f;
	if (!chan_ok(b, rq->data[0]) || priv == 0 || priv > BMC_PRIV_OEM)
		return IPMI_CC_INVALID_FIELD;
	for (i = 0; i < b->cfg.nusers; i++)
		st |= b->names[i][0] != '\0' ? 0x04 : 0x02;
	if (b->have_kg)
		st |= 0x20;
	/* authcap: claim the opposite: null users only, Kg set or not. */
	if (b->cfg.quirks & BMC_Q_AUTHCAP)
		st = (uint8_t)((st & 0x20) ^ 0x20) | 0x02;
	memset(rsp, 0, 8);
	rsp[0] = b->cfg.channel;
	/* b7: extended (IPMI 2.0) data follows, when asked for; the IPMI
	 * 1.5 auth types offered: MD5 only. */
	rsp[1] = (rq->data[0] & 0x80 ? 0x80 : 0) | 0x04;
	rsp[2] = st;
	rsp[3] = 0x02;			/* IPMI 2.0 (RMCP+) supported */
	*rlen = 8;
	return IPMI_CC_OK;
}

/* Records "C0 id auth 40|integ 80|conf" of every offered suite, sent 16
 * bytes per list index. */
static int
cmd_cipher_suites(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
		  uint8_t *rsp, size_t *rlen)
{
	static const int ids[] = { 0, 1, 2, 3, 17 };
	/* sun20: a record with bad tag bits after the good ones */
	static const uint8_t bad_rec[] = { 0x3f, 0x11, 0x01, 0x01, 0x01 };
	uint8_t rec[6 * 5];
	struct rp_suite su;
	size_t n = 0, i, off;

	if (rq->len < 3)
		return IPMI_CC_REQ_LEN;
	if (!chan_ok(b, rq->data[0]) || rq->data[1] > SOL_PAYLOAD)
		return IPMI_CC_INVALID_FIELD;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!(b->cfg.suites_listed & 1u << ids[i]) ||
		    rp_suite_lookup(ids[i], &su) != 0)
			continue;
		rec[n++] = 0xC0;
		rec[n++] = (uint8_t)ids[i];
		rec[n++] = su.auth;
		rec[n++] = 0x40 | su.integ;
		rec[n++] = 0x80 | su.conf;
	}
	if (b->cfg.quirks & BMC_Q_SUN20) {
		memcpy(rec + n, bad_rec, sizeof(bad_rec));
		n += sizeof(bad_rec);
	}
	rsp[0] = b->cfg.channel;
	off = (size_t)(rq->data[2] & 0x3f) * 16;
	i = off < n ? n - off : 0;
	if (i > 16)
		i = 16;
	memcpy(rsp + 1, rec + (off < n ? off : 0), i);
	*rlen = 1 + i;
	return IPMI_CC_OK;
}

static int
cmd_device_id(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	      uint8_t *rsp, size_t *rlen)
{
	static const uint8_t id[15] = {
		0x20, 0x01, 0x02, 0x33, 0x02, 0xbf,
		0x00, 0x00, 0x00,	/* manufacturer: none */
		0x01, 0x00,		/* product */
		0x00, 0x00, 0x00, 0x00,
	};

	memcpy(rsp, id, sizeof(id));
	*rlen = sizeof(id);
	return IPMI_CC_OK;
}

/* Get Channel Payload Support: IPMI and SOL payloads, the session-setup
 * payloads, no OEM ones (ipmiconsole asks unless told solchannelsupport). */
static int
cmd_payload_support(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
		    uint8_t *rsp, size_t *rlen)
{
	static const uint8_t support[8] = { 0x03, 0x00, 0x3f, 0x00,
					    0x00, 0x00, 0x00, 0x00 };
	uint8_t chan;

	if (rq->len < 1)
		return IPMI_CC_REQ_LEN;
	chan = rq->data[0] & 0x0f;
	if (chan != 0x0e && chan != (b->cfg.channel ? b->cfg.channel : 1))
		return IPMI_CC_INVALID_FIELD;
	memcpy(rsp, support, sizeof(support));
	*rlen = sizeof(support);
	return IPMI_CC_OK;
}

static int
cmd_set_priv(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	     uint8_t *rsp, size_t *rlen)
{
	uint8_t want;
	int limit;

	if (rq->len < 1)
		return IPMI_CC_REQ_LEN;
	want = rq->data[0] & 0x0f;
	if (want > BMC_PRIV_OEM)
		return IPMI_CC_INVALID_FIELD;
	limit = b->cfg.users[s->user].priv_limit;
	if (want != 0 && want > limit)
		return CC_PRIV_UNAVAILABLE;
	if (want != 0 && want > s->role_priv)
		return CC_PRIV_OVER_LIMIT;
	if (want != 0)
		s->priv = want;
	rsp[0] = s->priv;
	*rlen = 1;
	return IPMI_CC_OK;
}

static int
cmd_close_session(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
		  uint8_t *rsp, size_t *rlen)
{
	struct bmc_sess *victim;
	uint32_t id;

	if (rq->len < 4)
		return IPMI_CC_REQ_LEN;
	b->stats.close_session++;
	id = bmc_get32(rq->data);
	if (id == 0 || id == s->rakp.bmc_sid) {
		b->close_after = bmc_slot(b, s);	/* after the reply */
		return IPMI_CC_OK;
	}
	victim = bmc_sess_by_id(b, id);
	if (victim == NULL || victim->state != BS_ACTIVE)
		return CC_BAD_SESSION;
	if (s->priv < BMC_PRIV_ADMIN)
		return IPMI_CC_PRIV;
	bmc_sess_free(b, victim);
	return IPMI_CC_OK;
}

static int
cmd_act_status(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	       uint8_t *rsp, size_t *rlen)
{
	if (rq->len < 1)
		return IPMI_CC_REQ_LEN;
	if (rq->data[0] != SOL_PAYLOAD)
		return IPMI_CC_INVALID_FIELD;
	if (b->cfg.quirks & BMC_Q_SOLSTATUS)
		return IPMI_CC_INVALID_FIELD;	/* solstatus: refused */
	rsp[0] = 1;			/* one instance */
	rsp[1] = b->sol.active ? 0x01 : 0x00;
	rsp[2] = 0;
	*rlen = 3;
	return IPMI_CC_OK;
}

static int
check_sol_instance(const struct bmc_request *rq, size_t want_len)
{
	if (rq->len < want_len)
		return IPMI_CC_REQ_LEN;
	if (rq->data[0] != SOL_PAYLOAD || rq->data[1] != SOL_INSTANCE)
		return IPMI_CC_INVALID_FIELD;
	return IPMI_CC_OK;
}

static int
cmd_activate(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	     uint8_t *rsp, size_t *rlen)
{
	int cc;

	/* Exactly six bytes, as the spec and OpenBMC insist. */
	if (rq->len != 6)
		return IPMI_CC_REQ_LEN;
	if ((cc = check_sol_instance(rq, 6)) != IPMI_CC_OK)
		return cc;
	if (!b->cfg.sol_enabled)
		return CC_PAYLOAD_DISABLED;
	if (b->sol.active)
		return CC_PAYLOAD_ACTIVE;
	b->stats.activate++;
	bmc_sol_activate(b, s);
	/* aux b3:2 = 01: serial alerts deferred while SOL is active */
	b->sol.alerts_deferred = (rq->data[2] & 0x0c) == 0x04;
	memset(rsp, 0, 12);
	put16(rsp + 4, b->cfg.sol_in_size);
	put16(rsp + 6, b->cfg.sol_out_size);
	put16(rsp + 8, b->cfg.sol_port);
	put16(rsp + 10, NO_VLAN);
	if (b->cfg.quirks & BMC_Q_SOLPAYLOADSIZE) {
		put16(rsp + 4, b->cfg.quirk_sol_size);
		put16(rsp + 6, b->cfg.quirk_sol_size);
	}
	if (b->cfg.quirks & BMC_Q_SOLPORT)
		put16(rsp + 8, BMC_QUIRK_SOL_PORT);
	*rlen = 12;
	return IPMI_CC_OK;
}

/* Any session may deactivate SOL, as on ipmi_sim; the owner hears of it
 * only with deact_notify. */
static int
cmd_deactivate(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	       uint8_t *rsp, size_t *rlen)
{
	int cc;

	if ((cc = check_sol_instance(rq, 2)) != IPMI_CC_OK)
		return cc;
	b->stats.deactivate++;
	if (!b->sol.active)
		return CC_PAYLOAD_INACTIVE;
	bmc_sol_deactivate(b, b->sol.owner != bmc_slot(b, s));
	return IPMI_CC_OK;
}

static int
cmd_inst_info(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	      uint8_t *rsp, size_t *rlen)
{
	int cc;

	if ((cc = check_sol_instance(rq, 2)) != IPMI_CC_OK)
		return cc;
	memset(rsp, 0, 12);
	bmc_put32(rsp, bmc_sol_owner(b));
	rsp[4] = b->sol.active ? 1 : 0;	/* serial port number */
	*rlen = 12;
	return IPMI_CC_OK;
}

static const struct {
	uint8_t netfn, cmd;
	bool sessionless;	/* also answered outside a session */
	cmd_fn fn;
} cmds[] = {
	{ IPMI_NETFN_APP, IPMI_CMD_GET_CHAN_AUTH_CAP, true, cmd_auth_caps },
	{ IPMI_NETFN_APP, IPMI_CMD_GET_CHAN_CIPHER_SUITES, true,
	  cmd_cipher_suites },
	{ IPMI_NETFN_APP, IPMI_CMD_GET_DEVICE_ID, false, cmd_device_id },
	{ IPMI_NETFN_APP, IPMI_CMD_SET_SESSION_PRIV, false, cmd_set_priv },
	{ IPMI_NETFN_APP, IPMI_CMD_GET_CHAN_PAYLOAD_SUPPORT, false,
	  cmd_payload_support },
	{ IPMI_NETFN_APP, IPMI_CMD_CLOSE_SESSION, false, cmd_close_session },
	{ IPMI_NETFN_APP, IPMI_CMD_GET_PAYLOAD_ACT_STATUS, false,
	  cmd_act_status },
	{ IPMI_NETFN_APP, IPMI_CMD_ACTIVATE_PAYLOAD, false, cmd_activate },
	{ IPMI_NETFN_APP, IPMI_CMD_DEACTIVATE_PAYLOAD, false, cmd_deactivate },
	{ IPMI_NETFN_APP, IPMI_CMD_GET_PAYLOAD_INST_INFO, false,
	  cmd_inst_info },
};

/* Completion code for rq, or BMC_CMD_NO_REPLY. */
static int
dispatch(bmc *b, struct bmc_sess *s, const struct bmc_request *rq,
	 uint8_t *rsp, size_t cap, size_t *rlen)
{
	size_t i;

	/* The managed server may describe itself; else the built-in ID. */
	if (s != NULL && rq->netfn == IPMI_NETFN_APP &&
	    rq->cmd == IPMI_CMD_GET_DEVICE_ID && b->cfg.command != NULL) {
		int cc = b->cfg.command(b->cfg.ctx, rq, rsp, cap, rlen);
		if (cc != IPMI_CC_INVALID_CMD)
			return cc;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i].netfn != rq->netfn || cmds[i].cmd != rq->cmd)
			continue;
		if (s == NULL && !cmds[i].sessionless)
			return BMC_CMD_NO_REPLY;	/* ipmi_sim: dropped */
		return cmds[i].fn(b, s, rq, rsp, rlen);
	}
	if (s == NULL)
		return BMC_CMD_NO_REPLY;
	if (b->cfg.command == NULL)
		return IPMI_CC_INVALID_CMD;
	return b->cfg.command(b->cfg.ctx, rq, rsp, cap, rlen);
}

void
bmc_cmd_input(bmc *b, struct bmc_sess *s, const uint8_t *msg, size_t len,
	      uint64_t peer, bool v15)
{
	uint8_t rsp[IPMI_MAX_DATA];
	struct bmc_request rq;
	struct ipmi_msg m;
	size_t rlen = 0;
	int cc, n;

	if (ipmi_parse_req(msg, len, &m) != 0 || !m.chk1_ok || !m.chk2_ok ||
	    m.rs_addr != IPMI_BMC_ADDR) {
		b->stats.rx_bad++;
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.peer = peer;
	rq.bmc_sid = s != NULL ? s->rakp.bmc_sid : 0;
	rq.priv = s != NULL ? s->priv : 0;
	rq.netfn = m.netfn;
	rq.cmd = m.cmd;
	rq.data = m.data;
	rq.len = m.len;
	rq.now = b->now;
	if (s != NULL)
		b->stats.ipmi_requests++;
	if (b->cfg.observe != NULL)
		b->cfg.observe(b->cfg.ctx, &rq);
	cc = dispatch(b, s, &rq, rsp, sizeof(rsp), &rlen);
	bmc_trace(b, "IPMI netfn 0x%02x cmd 0x%02x rqseq %u (session 0x%08x):"
		  " cc %d", rq.netfn, rq.cmd, m.rq_seq, rq.bmc_sid, cc);
	if (cc < 0 || cc > 0xff || rlen > sizeof(rsp))
		goto out;
	if (cc != IPMI_CC_OK)
		rlen = 0;
	n = ipmi_build_rsp(b->msg, sizeof(b->msg), &m, (uint8_t)cc, rsp, rlen);
	if (n < 0)
		goto out;
	if (b->cfg.quirks & BMC_Q_NOCHECKSUMCHECK)
		b->msg[n - 1] ^= 0x5a;	/* nochecksumcheck: a bad data sum */
	if (s != NULL) {
		bmc_sess_send(b, s, RP_PT_IPMI, b->msg, (size_t)n);
	} else if (v15) {
		if ((n = rp_build_v15(b->tx, sizeof(b->tx), b->msg, (size_t)n)) > 0)
			bmc_out(b, peer, b->tx, (size_t)n);
	} else {
		n = rp_build_v20(b->tx, sizeof(b->tx), RP_PT_IPMI, 0, 0, b->msg,
				 (size_t)n, NULL, NULL);
		if (n > 0)
			bmc_out(b, peer, b->tx, (size_t)n);
	}
out:
	if (s != NULL && b->close_after == bmc_slot(b, s))
		bmc_sess_free(b, s);
	b->close_after = -1;
}
