/* bmc.c — the simulated BMC object: config, fault injection, datagram demux, session table, timers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bmc_int.h"

#define DEF_SESSIONS 4
#define DEF_IDLE_MS 60000
#define DEF_SETUP_MS 5000
#define DEF_SOL_SIZE 259	/* 255 characters + the 4-byte header */
#define DEF_SOL_PORT 623
#define DEF_SOL_INBUF 32	/* ipmi_sim's console -> host buffer */
#define DEF_SOL_RETRY_MS 1000
#define DEF_SOL_RETRIES 4
#define DEF_SOLSEQ_AFTER 3	/* solpacketseq quirk: wedge on the third */
#define V20_SID_OFF 6		/* session id in an RMCP+ datagram */

/* splitmix64: small, seedable, good enough for ids, nonces and faults. */
uint64_t
bmc_rand(bmc *b)
{
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
bmc_rand_bytes(bmc *b, uint8_t *buf, size_t len)
{
	size_t i;
	uint64_t r = 0;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			r = bmc_rand(b);
		buf[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
}

uint32_t
bmc_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
bmc_put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

void
bmc_trace(bmc *b, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	if (b->cfg.trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->cfg.trace(b->cfg.ctx, buf);
}

/* A fault roll; draws from the PRNG only when the fault is on, so that
 * turning one fault on does not reshuffle everything else. */
static bool
roll(bmc *b, unsigned pct)
{
	return pct > 0 && bmc_rand(b) % 100 < pct;
}

static void
config_defaults(struct bmc_config *c)
{
	if (c->channel == 0)
		c->channel = 1;
	if (c->suites == 0)
		c->suites = 1u << 3 | 1u << 17;
	if (c->suites_listed == 0)
		c->suites_listed = c->suites;
	if (c->session_limit == 0)
		c->session_limit = DEF_SESSIONS;
	if (c->session_limit > BMC_MAX_SESSIONS)
		c->session_limit = BMC_MAX_SESSIONS;
	if (c->idle_ms == 0)
		c->idle_ms = DEF_IDLE_MS;
	if (c->setup_ms == 0)
		c->setup_ms = DEF_SETUP_MS;
	if (c->sol_in_size == 0)
		c->sol_in_size = DEF_SOL_SIZE;
	if (c->sol_out_size == 0)
		c->sol_out_size = DEF_SOL_SIZE;
	if (c->sol_port == 0)
		c->sol_port = DEF_SOL_PORT;
	if (c->sol_tx_chars == 0 || c->sol_tx_chars > 255)
		c->sol_tx_chars = 255;
	if (c->sol_inbuf == 0)
		c->sol_inbuf = DEF_SOL_INBUF;
	if (c->sol_inbuf > BMC_SOL_INBUF_MAX)
		c->sol_inbuf = BMC_SOL_INBUF_MAX;
	if (c->sol_retry_ms == 0)
		c->sol_retry_ms = DEF_SOL_RETRY_MS;
	if (c->sol_retries == 0)
		c->sol_retries = DEF_SOL_RETRIES;
	if (c->quirk_solseq_after == 0)
		c->quirk_solseq_after = DEF_SOLSEQ_AFTER;
}

/* Copy the users: the caller's strings need not outlive bmc_new. */
static int
copy_users(bmc *b, const struct bmc_config *cfg)
{
	unsigned i;
	size_t nl, pl;

	if (cfg->nusers > BMC_MAX_USERS)
		return -1;
	for (i = 0; i < cfg->nusers; i++) {
		const struct bmc_user *u = &cfg->users[i];

		if (u->name == NULL || (nl = strlen(u->name)) > 16)
			return -1;
		pl = u->password != NULL ? strlen(u->password) : 0;
		if (pl > RP_KEY_LEN)
			return -1;
		memcpy(b->names[i], u->name, nl + 1);
		if (pl > 0)
			memcpy(b->passwords[i], u->password, pl);
		b->cfg.users[i].name = b->names[i];
		b->cfg.users[i].password = NULL;
	}
	return 0;
}

bmc *
bmc_new(const struct bmc_config *cfg)
{
	bmc *b;

	if (cfg == NULL || cfg->send == NULL || cfg->kg_len > RP_KEY_LEN ||
	    (cfg->kg_len > 0 && cfg->kg == NULL))
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cfg = *cfg;
	if (copy_users(b, cfg) != 0) {
		bmc_free(b);
		return NULL;
	}
	if (cfg->kg_len > 0) {
		memcpy(b->kg, cfg->kg, cfg->kg_len);
		b->have_kg = true;
	}
	b->cfg.kg = NULL;
	b->cfg.kg_len = 0;
	config_defaults(&b->cfg);
	b->rng = cfg->seed;
	b->close_after = -1;
	b->sol.owner = -1;
	b->sol.next_seq = 1;
	return b;
}

void
bmc_free(bmc *b)
{
	int i;

	if (b == NULL)
		return;
	for (i = 0; i < BMC_MAX_SESSIONS; i++)
		rp_keys_free(b->sess[i].keys);
	OPENSSL_cleanse(b, sizeof(*b));
	free(b);
}

int
bmc_slot(const bmc *b, const struct bmc_sess *s)
{
	return (int)(s - b->sess);
}

struct bmc_sess *
bmc_sess_by_id(bmc *b, uint32_t bmc_sid)
{
	int i;

	if (bmc_sid == 0)
		return NULL;
	for (i = 0; i < BMC_MAX_SESSIONS; i++)
		if (b->sess[i].state != BS_FREE &&
		    b->sess[i].rakp.bmc_sid == bmc_sid)
			return &b->sess[i];
	return NULL;
}

void
bmc_sess_free(bmc *b, struct bmc_sess *s)
{
	if (s->state == BS_FREE)
		return;
	if (b->sol.active && b->sol.owner == bmc_slot(b, s))
		bmc_sol_deactivate(b, false);
	if (s->state == BS_ACTIVE)
		b->stats.sessions_closed++;
	bmc_trace(b, "session 0x%08x closed", s->rakp.bmc_sid);
	rp_keys_free(s->keys);
	OPENSSL_cleanse(s, sizeof(*s));
	s->state = BS_FREE;
}

/* Every datagram to a client goes through here: the outbound faults. */
void
bmc_out(bmc *b, uint64_t peer, const uint8_t *buf, size_t len)
{
	struct bmc_faults *f = &b->faults;

	if (f->silent || f->drop_out_next > 0 || roll(b, f->drop_out_pct)) {
		if (!f->silent && f->drop_out_next > 0)
			f->drop_out_next--;
		b->stats.faults_dropped++;
		bmc_trace(b, "fault: dropped %zu bytes out", len);
		return;
	}
	if (!b->hold_out_used && len <= sizeof(b->hold_out) &&
	    roll(b, f->reorder_out_pct)) {
		memcpy(b->hold_out, buf, len);
		b->hold_out_len = len;
		b->hold_out_peer = peer;
		b->hold_out_at = b->now;
		b->hold_out_used = true;
		b->stats.faults_reordered++;
		bmc_trace(b, "fault: holding %zu bytes out", len);
		return;
	}
	b->stats.tx++;
	b->cfg.send(b->cfg.ctx, peer, buf, len);
	if (roll(b, f->dup_out_pct)) {
		b->stats.faults_duped++;
		bmc_trace(b, "fault: %zu bytes out twice", len);
		b->stats.tx++;
		b->cfg.send(b->cfg.ctx, peer, buf, len);
	}
	if (b->hold_out_used) {
		b->hold_out_used = false;
		b->stats.tx++;
		b->cfg.send(b->cfg.ctx, b->hold_out_peer, b->hold_out,
			    b->hold_out_len);
	}
}

/* One payload inside an established session, to its client. */
void
bmc_sess_send(bmc *b, struct bmc_sess *s, uint8_t ptype, const uint8_t *pl,
	      size_t len)
{
	uint8_t iv[RP_AES_BLOCK];
	int n;

	bmc_rand_bytes(b, iv, sizeof(iv));
	n = rp_build_v20(b->tx, sizeof(b->tx), ptype, s->rakp.console_sid,
			 s->out_seq, pl, len, s->keys, iv);
	if (n < 0)
		return;
	if (++s->out_seq == 0)
		s->out_seq = 1;
	bmc_out(b, s->peer, b->tx, (size_t)n);
}

/* A packet inside a session: window, activity, then IPMI or SOL. */
static void
input_session(bmc *b, struct bmc_sess *s, const struct rp_packet *pk,
	      uint64_t peer)
{
	if ((pk->ptype != RP_PT_IPMI && pk->ptype != RP_PT_SOL) ||
	    (rp_keys_conf(s->keys) != RP_CONF_NONE && !pk->encrypted)) {
		b->stats.rx_bad++;
		return;
	}
	if (!seqwin_check(&s->win, pk->seq)) {
		b->stats.rx_seq_drop++;
		bmc_trace(b, "session 0x%08x: seq %u out of window",
			  s->rakp.bmc_sid, pk->seq);
		return;
	}
	seqwin_mark(&s->win, pk->seq);
	if (pk->ptype == RP_PT_IPMI || !b->cfg.idle_ipmi_only)
		s->last_act = b->now;
	if (pk->ptype == RP_PT_IPMI)
		bmc_cmd_input(b, s, pk->payload, pk->len, peer, false);
	else
		bmc_sol_input(b, s, pk->payload, pk->len);
}

/* Demultiplex one datagram that survived the inbound faults. */
static void
handle_dgram(bmc *b, const uint8_t *d, size_t len, uint64_t peer)
{
	struct bmc_sess *s = NULL;
	struct rp_packet pk;
	uint32_t sid = 0;
	int r;

	/* The session id picks the keys, so look before parsing. */
	if (len >= V20_SID_OFF + 4 && d[4] == RP_AUTHTYPE_RMCPP)
		sid = bmc_get32(d + V20_SID_OFF);
	if (sid != 0) {
		s = bmc_sess_by_id(b, sid);
		if (s == NULL || s->state != BS_ACTIVE || s->peer != peer) {
			b->stats.rx_unknown_sid++;
			bmc_trace(b, "dropped: unknown session 0x%08x", sid);
			return;
		}
	}
	if ((r = rp_parse(d, len, s != NULL ? s->keys : NULL, b->scratch,
			  sizeof(b->scratch), &pk)) != 0) {
		b->stats.rx_bad++;
		bmc_trace(b, "dropped: %s", rp_err_str(r));
		return;
	}
	b->stats.rx++;
	if (!pk.v20) {
		if (pk.sid != 0)	/* IPMI 1.5 sessions: not offered */
			b->stats.rx_unknown_sid++;
		else
			bmc_cmd_input(b, NULL, pk.payload, pk.len, peer, true);
		return;
	}
	if (s != NULL) {
		input_session(b, s, &pk, peer);
		return;
	}
	switch (pk.ptype) {
	case RP_PT_OPEN_RQ:
		bmc_hs_open(b, pk.payload, pk.len, peer);
		break;
	case RP_PT_RAKP1:
		bmc_hs_rakp1(b, pk.payload, pk.len, peer);
		break;
	case RP_PT_RAKP3:
		bmc_hs_rakp3(b, pk.payload, pk.len, peer);
		break;
	case RP_PT_IPMI:
		bmc_cmd_input(b, NULL, pk.payload, pk.len, peer, false);
		break;
	default:
		b->stats.rx_bad++;
	}
}

void
bmc_input(bmc *b, const uint8_t *dgram, size_t len, uint64_t now,
	  uint64_t peer)
{
	struct bmc_faults *f = &b->faults;
	int n;

	b->now = now;
	if (dgram == NULL)
		return;
	if (f->silent || f->drop_in_next > 0 || roll(b, f->drop_in_pct)) {
		if (!f->silent && f->drop_in_next > 0)
			f->drop_in_next--;
		b->stats.faults_dropped++;
		bmc_trace(b, "fault: dropped %zu bytes in", len);
		return;
	}
	if (!b->hold_in_used && len <= sizeof(b->hold_in) &&
	    roll(b, f->reorder_in_pct)) {
		memcpy(b->hold_in, dgram, len);
		b->hold_in_len = len;
		b->hold_in_peer = peer;
		b->hold_in_at = now;
		b->hold_in_used = true;
		b->stats.faults_reordered++;
		bmc_trace(b, "fault: holding %zu bytes in", len);
		return;
	}
	n = roll(b, f->dup_in_pct) ? 2 : 1;
	if (n == 2) {
		b->stats.faults_duped++;
		bmc_trace(b, "fault: %zu bytes in twice", len);
	}
	while (n-- > 0)
		handle_dgram(b, dgram, len, peer);
	if (b->hold_in_used) {
		b->hold_in_used = false;
		handle_dgram(b, b->hold_in, b->hold_in_len, b->hold_in_peer);
	}
}

/* Idle sessions die; half-open ones die sooner. */
static void
expire_sessions(bmc *b)
{
	int i;

	for (i = 0; i < BMC_MAX_SESSIONS; i++) {
		struct bmc_sess *s = &b->sess[i];
		uint32_t limit = s->state == BS_ACTIVE ? b->cfg.idle_ms :
		    b->cfg.setup_ms;

		if (s->state == BS_FREE || b->now < s->last_act + limit)
			continue;
		if (s->state == BS_ACTIVE)
			b->stats.sessions_expired++;
		bmc_sess_free(b, s);
	}
}

/* Reordered datagrams that no later one overtook go out now. */
static void
release_held(bmc *b)
{
	uint32_t h = b->faults.hold_ms;

	if (h == 0)
		return;
	if (b->hold_in_used && b->now >= b->hold_in_at + h) {
		b->hold_in_used = false;
		handle_dgram(b, b->hold_in, b->hold_in_len, b->hold_in_peer);
	}
	if (b->hold_out_used && b->now >= b->hold_out_at + h) {
		b->hold_out_used = false;
		b->stats.tx++;
		b->cfg.send(b->cfg.ctx, b->hold_out_peer, b->hold_out,
			    b->hold_out_len);
	}
}

void
bmc_tick(bmc *b, uint64_t now)
{
	b->now = now;
	release_held(b);
	expire_sessions(b);
	bmc_sol_tick(b);
}

uint64_t
bmc_deadline(const bmc *b)
{
	uint64_t d = bmc_sol_deadline(b), t;
	int i;

	if (b->faults.hold_ms > 0) {
		if (b->hold_in_used && b->hold_in_at + b->faults.hold_ms < d)
			d = b->hold_in_at + b->faults.hold_ms;
		if (b->hold_out_used && b->hold_out_at + b->faults.hold_ms < d)
			d = b->hold_out_at + b->faults.hold_ms;
	}

	for (i = 0; i < BMC_MAX_SESSIONS; i++) {
		const struct bmc_sess *s = &b->sess[i];

		if (s->state == BS_FREE)
			continue;
		t = s->last_act + (s->state == BS_ACTIVE ? b->cfg.idle_ms :
		    b->cfg.setup_ms);
		if (t < d)
			d = t;
	}
	return d;
}

struct bmc_faults *
bmc_faults(bmc *b)
{
	return &b->faults;
}

const struct bmc_stats *
bmc_stats(const bmc *b)
{
	return &b->stats;
}

unsigned
bmc_session_count(const bmc *b)
{
	unsigned n = 0;
	int i;

	for (i = 0; i < BMC_MAX_SESSIONS; i++)
		if (b->sess[i].state != BS_FREE)
			n++;
	return n;
}

uint32_t
bmc_sol_owner(const bmc *b)
{
	if (!b->sol.active || b->sol.owner < 0)
		return 0;
	return b->sess[b->sol.owner].rakp.bmc_sid;
}

int
bmc_session_priv(const bmc *b, uint32_t bmc_sid)
{
	int i;

	for (i = 0; i < BMC_MAX_SESSIONS; i++)
		if (b->sess[i].state == BS_ACTIVE &&
		    b->sess[i].rakp.bmc_sid == bmc_sid)
			return b->sess[i].priv;
	return -1;
}

void
bmc_expire_session(bmc *b, uint32_t bmc_sid)
{
	struct bmc_sess *s = bmc_sess_by_id(b, bmc_sid);

	if (s == NULL)
		return;
	if (s->state == BS_ACTIVE)
		b->stats.sessions_expired++;
	bmc_sess_free(b, s);
}
