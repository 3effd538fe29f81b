/* simnet.c — in-memory datagram queues and a fake clock between sol_session clients and a simulated BMC. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/simnet.h"

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void
q_push(struct simnet *n, int to, uint64_t peer, const uint8_t *buf,
    size_t len)
{
	struct simnet_dg *d;

	if (n->qlen == n->qcap || len > RP_MAX_DGRAM) {
		n->overflow = true;
		return;
	}
	d = &n->q[(n->qhead + n->qlen) % n->qcap];
	n->qlen++;
	d->to = to;
	d->peer = peer;
	d->len = len;
	memcpy(d->buf, buf, len);
}

/* ---- client callbacks (ctx: struct simnet_client) ---- */

static void
c_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct simnet_client *c = ctx;

	q_push(c->net, SIMNET_TO_BMC, c->peer, buf, len);
}

static void
c_state(void *ctx, enum sol_state st, enum sol_reason r, const char *detail)
{
	struct simnet_client *c = ctx;

	c->st = st;
	c->states |= 1u << st;
	if (st == SOL_ST_CLOSED)
		c->closed_at = c->net->now;
	if (c->net->trace)
		fprintf(stderr, "[%8" PRIu64 "] c%d: %s %s %s\n", c->net->now,
			c->idx, sol_state_name(st),
			st == SOL_ST_CLOSED ? sol_reason_name(r) : "", detail);
}

static void
c_data(void *ctx, const uint8_t *buf, size_t len)
{
	struct simnet_client *c = ctx;

	ck_assert_msg(c->rx_len + len <= c->net->bufcap,
		      "console buffer overflow");
	memcpy(c->rx + c->rx_len, buf, len);
	c->rx_len += len;
}

static void
c_status(void *ctx, unsigned bits)
{
	struct simnet_client *c = ctx;

	c->status = bits;
}

static void
c_response(void *ctx, uint32_t tag, int cc, const uint8_t *data, size_t len)
{
	struct simnet_client *c = ctx;

	(void)tag;
	c->rsp_count++;
	c->rsp_cc = cc;
	c->rsp_len = len < sizeof(c->rsp_data) ? len : sizeof(c->rsp_data);
	if (c->rsp_len > 0)
		memcpy(c->rsp_data, data, c->rsp_len);
}

static void
c_trace(void *ctx, const char *msg)
{
	struct simnet_client *c = ctx;

	if (c->net->trace)
		fprintf(stderr, "[%8" PRIu64 "] c%d: %s\n", c->net->now, c->idx,
			msg);
}

/* xorshift64: the client's deterministic randomness. */
static int
c_random(void *ctx, uint8_t *buf, size_t len)
{
	struct simnet_client *c = ctx;
	size_t i;

	for (i = 0; i < len; i++) {
		c->rng ^= c->rng << 13;
		c->rng ^= c->rng >> 7;
		c->rng ^= c->rng << 17;
		buf[i] = (uint8_t)c->rng;
	}
	return 0;
}

/* ---- BMC callbacks (ctx: struct simnet) ---- */

static void
b_send(void *ctx, uint64_t peer, const uint8_t *buf, size_t len)
{
	struct simnet *n = ctx;

	if (peer == SIMNET_RAW_PEER) {
		memcpy(n->raw, buf, len);
		n->raw_len = len;
		n->raw_count++;
		return;
	}
	ck_assert_msg(peer >= 1 && peer <= (uint64_t)n->nclients,
		      "BMC sent to peer %" PRIu64, peer);
	if (peer == 1) {
		memcpy(n->to_c0, buf, len);
		n->to_c0_len = len;
	}
	q_push(n, (int)peer - 1, peer, buf, len);
}

static void
b_trace(void *ctx, const char *msg)
{
	struct simnet *n = ctx;

	if (n->trace)
		fprintf(stderr, "[%8" PRIu64 "] bmc: %s\n", n->now, msg);
}

static size_t
b_host_input(void *ctx, const uint8_t *buf, size_t len)
{
	struct simnet *n = ctx;

	if (len > n->host_room)
		len = n->host_room;
	ck_assert_msg(n->host_in_len + len <= n->bufcap,
		      "host buffer overflow");
	memcpy(n->host_in + n->host_in_len, buf, len);
	n->host_in_len += len;
	return len;
}

static void
b_host_break(void *ctx)
{
	struct simnet *n = ctx;

	n->host_breaks++;
}

static void
b_observe(void *ctx, const struct bmc_request *rq)
{
	struct simnet *n = ctx;

	if (n->nseen == SIMNET_MAX_SEEN)
		return;
	n->seen[n->nseen].t = rq->now;
	n->seen[n->nseen].sid = rq->bmc_sid;
	n->seen[n->nseen].netfn = rq->netfn;
	n->seen[n->nseen].cmd = rq->cmd;
	n->nseen++;
}

/* ---- set-up ---- */

/* A network for nclients with qcap datagrams in flight and a BMC config
 * (user admin/secret, SOL on) that the test may adjust before booting. */
struct simnet *
simnet_new(int nclients, size_t qcap)
{
	struct simnet *n = calloc(1, sizeof(*n));

	ck_assert_ptr_nonnull(n);
	ck_assert(nclients >= 1 && nclients <= SIMNET_MAX_CLIENTS);
	n->nclients = nclients;
	n->qcap = qcap;
	n->q = calloc(qcap, sizeof(*n->q));
	ck_assert_ptr_nonnull(n->q);
	n->now = 1000;
	n->bufcap = SIMNET_BUFCAP;
	n->max_same = 200000;
	n->host_room = SIZE_MAX;
	n->trace = getenv("IPMUX_TEST_TRACE") != NULL;
	n->bcfg.users[0] = (struct bmc_user){ "admin", "secret", 4 };
	n->bcfg.nusers = 1;
	n->bcfg.sol_enabled = true;
	n->bcfg.seed = 0x5eed;
	n->bcfg.ctx = n;
	n->bcfg.send = b_send;
	n->bcfg.host_input = b_host_input;
	n->bcfg.host_break = b_host_break;
	n->bcfg.observe = b_observe;
	n->bcfg.trace = b_trace;
	return n;
}

void
simnet_free(struct simnet *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < SIMNET_MAX_CLIENTS; i++)
		sol_session_free(n->cl[i].s);
	bmc_free(n->b);
	free(n->q);
	free(n);
}

void
simnet_boot(struct simnet *n)
{
	n->b = bmc_new(&n->bcfg);
	ck_assert_ptr_nonnull(n->b);
}

/* admin/secret, suite 3, SOL wanted, taking over a busy payload. */
struct sol_config
simnet_client_cfg(uint32_t quirks)
{
	struct sol_config c;

	memset(&c, 0, sizeof(c));
	c.user = "admin";
	c.password = (const uint8_t *)"secret";
	c.password_len = 6;
	c.cipher = 3;
	c.privilege = SOL_PRIV_ADMIN;
	c.quirks = quirks;
	c.steal = SOL_STEAL;
	c.want_sol = true;
	c.port = 623;
	return c;
}

struct simnet_client *
simnet_client_start(struct simnet *n, int idx, const struct sol_config *cfg)
{
	struct simnet_client *c = &n->cl[idx];
	struct sol_callbacks cb = {
		.send = c_send, .state = c_state, .data = c_data,
		.status = c_status, .response = c_response, .trace = c_trace,
		.random = c_random,
	};
	char err[128] = "";

	ck_assert(idx >= 0 && idx < n->nclients);
	c->net = n;
	c->idx = idx;
	c->peer = (uint64_t)idx + 1;
	c->rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(idx + 1);
	c->s = sol_session_new(cfg, &cb, c, err, sizeof(err));
	ck_assert_msg(c->s != NULL, "sol_session_new: %s", err);
	sol_session_start(c->s, n->now);
	return c;
}

bool
simnet_client_live(const struct simnet_client *c)
{
	return c->s != NULL && !c->frozen;
}

/* ---- running ---- */

static void
deliver(struct simnet *n)
{
	struct simnet_client *c;

	/* Copy out first: handling may queue more datagrams. */
	n->cur = n->q[n->qhead];
	n->qhead = (n->qhead + 1) % n->qcap;
	n->qlen--;
	if (n->cur.to == SIMNET_TO_BMC) {
		bmc_input(n->b, n->cur.buf, n->cur.len, n->now, n->cur.peer);
		return;
	}
	c = &n->cl[n->cur.to];
	if (simnet_client_live(c))
		sol_session_input(c->s, n->cur.buf, n->cur.len, n->now);
}

/* Feed the streams: host output into the BMC, console input into each
 * client, as far as the buffers take them. */
static void
pump(struct simnet *n)
{
	size_t k;
	int i;

	while (n->host_src != NULL && n->host_src_pos < n->host_src_len &&
	       bmc_sol_owner(n->b) != 0) {
		k = bmc_host_output(n->b, n->host_src + n->host_src_pos,
				    n->host_src_len - n->host_src_pos);
		if (k == 0)
			break;
		n->host_src_pos += k;
	}
	for (i = 0; i < n->nclients; i++) {
		struct simnet_client *c = &n->cl[i];

		if (!simnet_client_live(c) || c->tx_src == NULL ||
		    c->tx_pos == c->tx_len || c->st != SOL_ST_SOL_ACTIVE)
			continue;
		c->tx_pos += sol_session_write(c->s, c->tx_src + c->tx_pos,
					       c->tx_len - c->tx_pos, n->now);
	}
}

static uint64_t
next_deadline(const struct simnet *n)
{
	uint64_t d = bmc_deadline(n->b);
	int i;

	for (i = 0; i < n->nclients; i++)
		if (simnet_client_live(&n->cl[i]))
			d = min64(d, sol_session_deadline(n->cl[i].s));
	if (n->host_period != 0)
		d = min64(d, n->host_next);
	return d;
}

static void
tick_all(struct simnet *n)
{
	char line[48];
	int i, k;

	bmc_tick(n->b, n->now);
	for (i = 0; i < n->nclients; i++)
		if (simnet_client_live(&n->cl[i]))
			sol_session_tick(n->cl[i].s, n->now);
	if (n->host_period != 0 && n->now >= n->host_next) {
		n->host_next = n->now + n->host_period;
		if (bmc_sol_owner(n->b) != 0) {
			k = snprintf(line, sizeof(line), "host line %06u\r\n",
				     n->host_lines++);
			bmc_host_output(n->b, (const uint8_t *)line, (size_t)k);
		}
	}
}

/* Deliver queued datagrams, else jump to the earliest deadline and tick
 * everyone, until cond (NULL: never) holds or the clock would pass
 * until. */
bool
simnet_run_until(struct simnet *n, simnet_cond cond, const void *arg,
    uint64_t until)
{
	unsigned long same = 0;
	uint64_t d;

	for (;;) {
		pump(n);
		if (cond != NULL && cond(n, arg))
			return true;
		ck_assert_msg(!n->overflow, "datagram queue overflow");
		ck_assert_msg(same < n->max_same, "no progress at t=%" PRIu64
			      " (deadline stuck or packet storm)", n->now);
		if (n->qlen > 0) {
			deliver(n);
			same++;
			continue;
		}
		d = next_deadline(n);
		if (d == SOL_NO_DEADLINE || d > until) {
			if (until > n->now)
				n->now = until;
			return cond != NULL && cond(n, arg);
		}
		if (d > n->now) {
			n->now = d;
			same = 0;
		} else {
			same++;
		}
		tick_all(n);
	}
}

void
simnet_run_for(struct simnet *n, uint64_t ms)
{
	simnet_run_until(n, NULL, NULL, n->now + ms);
}

/* ---- streams ---- */

/* Numbered lines "<tag><7 digits>:<tail>\n", so a diff shows where. */
void
simnet_make_stream(uint8_t *buf, size_t len, char tag, const char *tail)
{
	char line[64];
	size_t off = 0, k;
	unsigned i = 0;

	while (off < len) {
		k = (size_t)snprintf(line, sizeof(line), "%c%07u:%s\n", tag,
				     i++, tail);
		if (k > len - off)
			k = len - off;
		memcpy(buf + off, line, k);
		off += k;
	}
}

void
simnet_assert_same(const uint8_t *got, size_t got_len, const uint8_t *want,
    size_t want_len, const char *what)
{
	size_t i = 0;

	while (i < got_len && i < want_len && got[i] == want[i])
		i++;
	ck_assert_msg(got_len == want_len && i == want_len,
		      "%s: got %zu of %zu bytes, first difference at %zu", what,
		      got_len, want_len, i);
}
