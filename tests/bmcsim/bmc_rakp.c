/* bmc_rakp.c — the BMC side of session setup: Open Session, RAKP 1/2 and RAKP 3/4, with their status codes. */
#include <string.h>

#include <openssl/crypto.h>

#include "bmc_int.h"

#define ROLE_NAME_ONLY 0x10

/* RMCP+ status codes the simulator answers with. */
#define ST_NO_RESOURCES 0x01
#define ST_INVALID_ROLE 0x09
#define ST_UNAUTH_ROLE 0x0A
#define ST_UNAUTH_NAME 0x0D
#define ST_INVALID_ICV 0x0F
#define ST_NO_SUITE 0x11
#define ST_ILLEGAL_PARAM 0x12

#define OPEN_RQ_LEN 32
#define QUIRK_ICV_LEN 12	/* integritycheckvalue: an HMAC-SHA1-96's worth */
#define RAKP1_MIN 28

/* The four-field reply every setup step fails with: tag, status, the
 * console session id; the session, if any, is gone. */
static void
fail_reply(bmc *b, uint64_t peer, uint8_t ptype, uint8_t tag, uint8_t status,
	   uint32_t console_sid)
{
	uint8_t p[8] = { tag, status, 0, 0 };
	int n;

	bmc_put32(p + 4, console_sid);
	n = rp_build_v20(b->tx, sizeof(b->tx), ptype, 0, 0, p, sizeof(p), NULL,
			 NULL);
	if (n > 0)
		bmc_out(b, peer, b->tx, (size_t)n);
}

static void
setup_send(bmc *b, uint64_t peer, uint8_t ptype, const uint8_t *p, size_t len)
{
	int n = rp_build_v20(b->tx, sizeof(b->tx), ptype, 0, 0, p, len, NULL,
			     NULL);

	if (n > 0)
		bmc_out(b, peer, b->tx, (size_t)n);
}

/* The offered suite with exactly these algorithms, or -1. */
static int
match_suite(const bmc *b, uint8_t auth, uint8_t integ, uint8_t conf,
	    struct rp_suite *out)
{
	static const int ids[] = { 0, 1, 2, 3, 17 };
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!(b->cfg.suites & 1u << ids[i]) ||
		    rp_suite_lookup(ids[i], out) != 0)
			continue;
		if (out->auth == auth && out->integ == integ &&
		    out->conf == conf)
			return ids[i];
	}
	return -1;
}

static uint32_t
new_bmc_sid(bmc *b)
{
	uint32_t id;

	do
		id = (uint32_t)bmc_rand(b);
	while (id == 0 || bmc_sess_by_id(b, id) != NULL);
	return id;
}

static void
open_reply(bmc *b, const struct bmc_sess *s)
{
	uint8_t p[36];

	memset(p, 0, sizeof(p));
	p[0] = s->tag;
	/* The highest privilege granted: what was asked, or admin for "any"
	 * (ipmi_sim echoes the 0, which FreeIPMI rejects). */
	p[2] = s->open_priv != 0 ? s->open_priv : BMC_PRIV_ADMIN;
	bmc_put32(p + 4, s->rakp.console_sid);
	bmc_put32(p + 8, s->rakp.bmc_sid);
	p[12] = 0x00; p[15] = 0x08; p[16] = s->suite.auth;
	p[20] = 0x01; p[23] = 0x08; p[24] = s->suite.integ;
	p[28] = 0x02; p[31] = 0x08; p[32] = s->suite.conf;
	/* sun20: the cipher record tag bits leak into the algorithms. */
	if (b->cfg.quirks & BMC_Q_SUN20) {
		p[24] |= 0x40;
		p[32] |= 0x80;
	}
	setup_send(b, s->peer, RP_PT_OPEN_RS, p, sizeof(p));
}

static struct bmc_sess *
find_open(bmc *b, uint64_t peer, uint32_t console_sid, uint8_t tag)
{
	int i;

	for (i = 0; i < BMC_MAX_SESSIONS; i++) {
		struct bmc_sess *s = &b->sess[i];

		if ((s->state == BS_OPEN || s->state == BS_RAKP2) &&
		    s->peer == peer && s->rakp.console_sid == console_sid &&
		    s->tag == tag)
			return s;
	}
	return NULL;
}

void
bmc_hs_open(bmc *b, const uint8_t *p, size_t len, uint64_t peer)
{
	struct bmc_sess *s;
	struct rp_suite suite;
	uint32_t csid;
	unsigned i, used = 0;

	if (len < 8) {
		b->stats.rx_bad++;
		return;
	}
	csid = bmc_get32(p + 4);
	if ((s = find_open(b, peer, csid, p[0])) != NULL) {
		open_reply(b, s);	/* a duplicate: same answer */
		return;
	}
	if (len < OPEN_RQ_LEN || csid == 0 || p[8] != 0 || p[16] != 1 ||
	    p[24] != 2 || (p[1] & 0x0f) > BMC_PRIV_OEM) {
		fail_reply(b, peer, RP_PT_OPEN_RS, p[0], ST_ILLEGAL_PARAM, csid);
		return;
	}
	if (match_suite(b, p[12] & 0x3f, p[20] & 0x3f, p[28] & 0x3f,
			&suite) < 0) {
		fail_reply(b, peer, RP_PT_OPEN_RS, p[0], ST_NO_SUITE, csid);
		return;
	}
	for (i = 0, s = NULL; i < BMC_MAX_SESSIONS; i++) {
		if (b->sess[i].state != BS_FREE)
			used++;
		else if (s == NULL)
			s = &b->sess[i];
	}
	if (used >= b->cfg.session_limit || s == NULL) {
		fail_reply(b, peer, RP_PT_OPEN_RS, p[0], ST_NO_RESOURCES, csid);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->state = BS_OPEN;
	s->peer = peer;
	s->last_act = b->now;
	s->tag = p[0];
	s->open_priv = p[1] & 0x0f;
	s->suite = suite;
	s->user = -1;
	s->rakp.auth = suite.auth;
	s->rakp.console_sid = csid;
	s->rakp.bmc_sid = new_bmc_sid(b);
	open_reply(b, s);
}

static void
rakp2_reply(bmc *b, const struct bmc_sess *s)
{
	uint8_t p[40 + RP_MAX_DIGEST + 1];
	size_t dl = rp_auth_digest_len(s->suite.auth);

	memset(p, 0, sizeof(p));
	p[0] = s->tag;
	bmc_put32(p + 4, s->rakp.console_sid);
	memcpy(p + 8, s->rakp.rc, 16);
	memcpy(p + 24, s->rakp.guid, 16);
	if (dl > 0 && rp_rakp2_keac(&s->rakp, p + 40) != 0)
		return;
	/* supermicro20 (any digest) and sun20 (SHA1: 21 bytes) send one
	 * byte more than the digest; it is left zero. */
	if (dl > 0 && ((b->cfg.quirks & BMC_Q_SUPERMICRO20) ||
	    ((b->cfg.quirks & BMC_Q_SUN20) &&
	     s->suite.auth == RP_AUTH_HMAC_SHA1)))
		dl++;
	setup_send(b, s->peer, RP_PT_RAKP2, p, 40 + dl);
	OPENSSL_cleanse(p, sizeof(p));
}

/* The user RAKP 1 names: by name only (role bit 0x10), or by name and
 * exactly the requested privilege, as ipmi_sim does. Returns the user
 * index, or -1 with *status set. */
static int
lookup_user(const bmc *b, const uint8_t *name, size_t ulen, uint8_t role,
	    uint8_t *status)
{
	uint8_t priv = role & 0x0f;
	unsigned i;

	/* intel20: the name may come NUL-padded to 16. */
	if (b->cfg.quirks & BMC_Q_INTEL20)
		while (ulen > 0 && name[ulen - 1] == '\0')
			ulen--;
	for (i = 0; i < b->cfg.nusers; i++) {
		if (strlen(b->names[i]) != ulen ||
		    memcmp(b->names[i], name, ulen) != 0)
			continue;
		if (role & ROLE_NAME_ONLY) {
			if (priv > b->cfg.users[i].priv_limit) {
				*status = ST_UNAUTH_ROLE;
				return -1;
			}
			return (int)i;
		}
		if (priv == b->cfg.users[i].priv_limit)
			return (int)i;
	}
	*status = ST_UNAUTH_NAME;
	return -1;
}

/* Is this RAKP 1 a copy of the one already answered? */
static bool
same_rakp1(const struct bmc_sess *s, const uint8_t *p, size_t ulen)
{
	return s->state == BS_RAKP2 && memcmp(s->rakp.rm, p + 8, 16) == 0 &&
	    s->rakp1_role == p[24] && s->rakp1_ulen == ulen &&
	    memcmp(s->rakp.user, p + 28, ulen) == 0;
}

/* What the keys are hashed with; quirky BMCs differ from RAKP 1. */
static void
rakp_hash_fields(const bmc *b, struct bmc_sess *s, uint8_t role,
		 const uint8_t *name, size_t ulen)
{
	s->rakp.role = role;
	s->rakp.ulen = (uint8_t)ulen;
	memset(s->rakp.user, 0, sizeof(s->rakp.user));
	memcpy(s->rakp.user, name, ulen);
	/* opensesspriv: the privilege asked in Open Session (0 included),
	 * not the one in RAKP 1. */
	if (b->cfg.quirks & BMC_Q_OPENSESSPRIV)
		s->rakp.role = (uint8_t)((role & 0xf0) | s->open_priv);
	/* intel20: the name always counts as 16 NUL-padded bytes. */
	if (b->cfg.quirks & BMC_Q_INTEL20)
		s->rakp.ulen = 16;
}

void
bmc_hs_rakp1(bmc *b, const uint8_t *p, size_t len, uint64_t peer)
{
	struct bmc_sess *s;
	uint8_t status = 0, role, priv;
	size_t ulen;
	int u;

	if (len < RAKP1_MIN) {
		b->stats.rx_bad++;
		return;
	}
	s = bmc_sess_by_id(b, bmc_get32(p + 4));
	if (s == NULL || s->peer != peer ||
	    (s->state != BS_OPEN && s->state != BS_RAKP2)) {
		b->stats.rx_unknown_sid++;
		return;
	}
	role = p[24];
	priv = role & 0x0f;
	ulen = p[27];
	if (ulen > 16 || len < RAKP1_MIN + ulen)
		status = ST_ILLEGAL_PARAM;
	else if (same_rakp1(s, p, ulen)) {
		rakp2_reply(b, s);
		return;
	} else if (s->state != BS_OPEN)
		return;			/* a different RAKP 1: ignore */
	else if (priv == 0 || priv > BMC_PRIV_OEM || (role & 0xe0) != 0 ||
		 (s->open_priv != 0 && priv > s->open_priv))
		status = ST_INVALID_ROLE;
	if (status == 0 && (u = lookup_user(b, p + 28, ulen, role, &status)) >= 0) {
		s->user = u;
		s->role_priv = priv;
		s->tag = p[0];
		memcpy(s->rakp.rm, p + 8, 16);
		bmc_rand_bytes(b, s->rakp.rc, 16);
		memcpy(s->rakp.guid, b->cfg.guid, 16);
		s->rakp1_role = role;
		s->rakp1_ulen = (uint8_t)ulen;
		rakp_hash_fields(b, s, role, p + 28, ulen);
		memcpy(s->rakp.kuid, b->passwords[u], RP_KEY_LEN);
		memcpy(s->rakp.kg, b->kg, RP_KEY_LEN);
		s->rakp.have_kg = b->have_kg;
		s->state = BS_RAKP2;
		rakp2_reply(b, s);
		return;
	}
	fail_reply(b, peer, RP_PT_RAKP2, p[0], status, s->rakp.console_sid);
	bmc_sess_free(b, s);
}

static void
rakp4_reply(bmc *b, const struct bmc_sess *s)
{
	uint8_t p[8 + RP_MAX_DIGEST];
	size_t il = rp_auth_icv_len(s->suite.auth);

	memset(p, 0, sizeof(p));
	p[0] = s->tag;
	bmc_put32(p + 4, s->rakp.console_sid);
	if (il > 0 && rp_rakp4_icv(&s->rakp, s->sik, p + 8) != 0)
		return;
	/* integritycheckvalue: suite 0 still sends a (meaningless) ICV. */
	if (il == 0 && (b->cfg.quirks & BMC_Q_INTEGRITYCHECKVALUE)) {
		il = QUIRK_ICV_LEN;
		bmc_rand_bytes(b, p + 8, il);
	}
	setup_send(b, s->peer, RP_PT_RAKP4, p, 8 + il);
}

/* SIK, K1, K2 and the per-session crypto contexts. */
static int
establish(struct bmc_sess *s)
{
	uint8_t k1[RP_MAX_DIGEST], k2[RP_MAX_DIGEST];
	int r = 0;

	memset(k1, 0, sizeof(k1));
	memset(k2, 0, sizeof(k2));
	if (s->suite.auth != RP_AUTH_NONE &&
	    (rp_sik(&s->rakp, s->sik) != 0 ||
	     rp_derive_k(s->suite.auth, s->sik, 1, k1) != 0 ||
	     rp_derive_k(s->suite.auth, s->sik, 2, k2) != 0))
		r = -1;
	if (r == 0 && s->keys == NULL && (s->keys = rp_keys_new()) == NULL)
		r = -1;
	if (r == 0 && rp_keys_set(s->keys, &s->suite, k1, k2) != 0)
		r = -1;
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return r;
}

/* Nonzero when RAKP 3's KEAC is wrong; want is scratch. intel20 hashes
 * RAKP 3 with the name-only bit clear. */
static int
rakp3_check(const bmc *b, struct bmc_sess *s, const uint8_t *keac,
	    uint8_t *want)
{
	uint8_t role = s->rakp.role;
	int bad;

	if (b->cfg.quirks & BMC_Q_INTEL20)
		s->rakp.role = role & ~ROLE_NAME_ONLY;
	bad = rp_rakp3_keac(&s->rakp, want) != 0 ||
	    rp_memeq_ct(want, keac, rp_auth_digest_len(s->suite.auth)) != 0;
	s->rakp.role = role;
	return bad;
}

void
bmc_hs_rakp3(bmc *b, const uint8_t *p, size_t len, uint64_t peer)
{
	uint8_t want[RP_MAX_DIGEST];
	struct bmc_sess *s;
	size_t dl;
	int bad;

	if (len < 8) {
		b->stats.rx_bad++;
		return;
	}
	s = bmc_sess_by_id(b, bmc_get32(p + 4));
	if (s == NULL || s->peer != peer ||
	    (s->state != BS_RAKP2 && s->state != BS_ACTIVE)) {
		b->stats.rx_unknown_sid++;
		return;
	}
	if (p[1] != 0) {		/* the console gave up on us */
		if (s->state == BS_RAKP2)
			bmc_sess_free(b, s);
		return;
	}
	dl = rp_auth_digest_len(s->suite.auth);
	bad = len < 8 + dl;
	if (!bad && dl > 0)
		bad = rakp3_check(b, s, p + 8, want);
	OPENSSL_cleanse(want, sizeof(want));
	if (!bad)
		s->tag = p[0];		/* RAKP 4 answers RAKP 3's tag */
	if (s->state == BS_ACTIVE) {
		if (!bad)		/* a duplicate: same answer */
			rakp4_reply(b, s);
		return;
	}
	if (bad || establish(s) != 0) {
		fail_reply(b, peer, RP_PT_RAKP4, p[0],
			   bad ? ST_INVALID_ICV : ST_NO_RESOURCES,
			   s->rakp.console_sid);
		bmc_sess_free(b, s);
		return;
	}
	s->state = BS_ACTIVE;
	/* Sessions start at USER (ipmi_sim); Set Session Privilege raises. */
	s->priv = s->role_priv < BMC_PRIV_USER ? s->role_priv : BMC_PRIV_USER;
	s->out_seq = 1;
	seqwin_reset(&s->win);
	s->last_act = b->now;
	b->stats.sessions_opened++;
	bmc_trace(b, "session 0x%08x up: suite %d, user %s, role 0x%02x",
		  s->rakp.bmc_sid, s->suite.id, b->names[s->user], s->rakp.role);
	rakp4_reply(b, s);
}
