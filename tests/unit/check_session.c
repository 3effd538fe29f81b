/* check_session.c — the client session state machine against the simulated BMC, wired by in-memory queues on a fake clock. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/checkmain.h"
#include "tests/bmcsim/bmc.h"
#include "tests/bmcsim/bmc_int.h"
#include "tests/unit/simnet.h"
#include "ipmi.h"
#include "rmcp.h"
#include "sol.h"

#define QCAP 4096		/* datagrams in flight, both directions */
#define NCLIENTS 3
#define RAW_PEER SIMNET_RAW_PEER	/* hand-built datagrams, BMC tests */
#define SLACK_MS 1000
#define STREAM_TAIL "0123456789abcdef"

static const uint8_t test_guid[16] = {
	0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/* ---- plumbing: tests/unit/simnet.c, three users, appended output ---- */

static struct simnet *
net_alloc(void)
{
	struct simnet *n = simnet_new(NCLIENTS, QCAP);

	n->bcfg.users[1] = (struct bmc_user){ "oper", "opsecret", 3 };
	n->bcfg.users[2] = (struct bmc_user){ "user", "usersecret", 2 };
	n->bcfg.nusers = 3;
	memcpy(n->bcfg.guid, test_guid, 16);
	n->bcfg.sol_append = true;
	return n;
}

static struct sol_config
client_cfg(void)
{
	return simnet_client_cfg(SOL_Q_DEFAULT);
}

struct wait_state {
	int ci;
	enum sol_state st;
};

static bool
cond_state(struct simnet *n, const void *arg)
{
	const struct wait_state *w = arg;
	enum sol_state st = n->cl[w->ci].st;

	return st == w->st || st == SOL_ST_CLOSED;
}

/* Run until client ci is in st (or closed); true if it got to st. */
static bool
wait_state(struct simnet *n, int ci, enum sol_state st, uint64_t ms)
{
	struct wait_state w = { ci, st };

	simnet_run_until(n, cond_state, &w, n->now + ms);
	return n->cl[ci].st == st;
}

static bool
cond_rx(struct simnet *n, const void *arg)
{
	const size_t *want = arg;

	return n->cl[0].rx_len >= *want || n->cl[0].st == SOL_ST_CLOSED;
}

static bool
cond_host(struct simnet *n, const void *arg)
{
	const size_t *want = arg;

	return n->host_in_len >= *want || n->cl[0].st == SOL_ST_CLOSED;
}

/* Nothing in flight. */
static bool
cond_quiet(struct simnet *n, const void *arg)
{
	(void)arg;
	return n->qlen == 0;
}

/* A BMC with defaults and client 0 brought up to SOL_ACTIVE, with the
 * activation's last packets (the empty seq-1 one) settled. */
static struct simnet *
active_pair(const struct sol_config *cfg)
{
	struct simnet *n = net_alloc();
	struct sol_config c = cfg != NULL ? *cfg : client_cfg();

	simnet_boot(n);
	simnet_client_start(n, 0, &c);
	ck_assert_msg(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000),
		      "not active: %s (%s)", sol_state_name(n->cl[0].st),
		      sol_reason_name(sol_session_reason(n->cl[0].s)));
	simnet_run_until(n, cond_quiet, NULL, n->now);
	return n;
}

/* ---- handshake ---- */

START_TEST(test_handshake_suite)
{
	static const int suites[] = { 3, 17 };
	struct sol_config c = client_cfg();
	struct simnet *n;
	struct simnet_client *a;

	c.cipher = suites[_i];
	n = active_pair(&c);
	a = &n->cl[0];
	ck_assert_int_eq(sol_session_cipher(a->s), suites[_i]);
	ck_assert_uint_eq(bmc_session_count(n->b), 1);
	ck_assert_uint_eq(bmc_sol_owner(n->b), sol_session_bmc_id(a->s));
	ck_assert_int_eq(bmc_session_priv(n->b, sol_session_bmc_id(a->s)),
			 SOL_PRIV_ADMIN);
	ck_assert(a->states & (1u << SOL_ST_RAKP3));
	ck_assert_uint_eq(sol_session_stats(a->s)->rx_bad, 0);
	simnet_free(n);
}
END_TEST

START_TEST(test_auto_prefers_17)
{
	struct sol_config c = client_cfg();
	struct simnet *n;

	c.cipher = SOL_CIPHER_AUTO;
	n = active_pair(&c);
	ck_assert_int_eq(sol_session_cipher(n->cl[0].s), 17);
	simnet_free(n);
}
END_TEST

/* _i 0: the BMC lists only suite 3; 1: it lists 3 and 17 but refuses
 * 17 at Open Session (status 0x11), so the client must fall back. */
START_TEST(test_auto_fallback_to_3)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	n->bcfg.suites = 1u << 3;
	if (_i == 1)
		n->bcfg.suites_listed = 1u << 3 | 1u << 17;
	simnet_boot(n);
	c.cipher = SOL_CIPHER_AUTO;
	simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	ck_assert_int_eq(sol_session_cipher(n->cl[0].s), 3);
	/* The refused attempt left no half-open session behind. */
	ck_assert_uint_eq(bmc_session_count(n->b), 1);
	simnet_free(n);
}
END_TEST

START_TEST(test_fixed_17_refused)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	n->bcfg.suites = 1u << 3;
	simnet_boot(n);
	c.cipher = 17;
	simnet_client_start(n, 0, &c);
	ck_assert(!wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	ck_assert_int_eq(sol_session_reason(n->cl[0].s), SOL_R_CIPHER);
	simnet_free(n);
}
END_TEST

static void
expect_fail(struct simnet *n, const struct sol_config *c, enum sol_reason want)
{
	struct simnet_client *a = simnet_client_start(n, 0, c);

	ck_assert(!wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	ck_assert_int_eq(a->st, SOL_ST_CLOSED);
	ck_assert_msg(sol_session_reason(a->s) == want, "reason %s, want %s",
		      sol_reason_name(sol_session_reason(a->s)),
		      sol_reason_name(want));
}

START_TEST(test_wrong_password)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	simnet_boot(n);
	c.password = (const uint8_t *)"wrong";
	c.password_len = 5;
	expect_fail(n, &c, SOL_R_AUTH);
	ck_assert_uint_eq(bmc_stats(n->b)->sessions_opened, 0);
	simnet_free(n);
}
END_TEST

START_TEST(test_unknown_user)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	simnet_boot(n);
	c.user = "nobody";
	expect_fail(n, &c, SOL_R_AUTH);
	/* The BMC refused at RAKP 2 and dropped the half-open session. */
	ck_assert_uint_eq(bmc_session_count(n->b), 0);
	simnet_free(n);
}
END_TEST

START_TEST(test_privilege_over_limit)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	simnet_boot(n);
	c.user = "oper";
	c.password = (const uint8_t *)"opsecret";
	c.password_len = 8;
	expect_fail(n, &c, SOL_R_AUTH);
	simnet_free(n);
}
END_TEST

START_TEST(test_kg)
{
	static const uint8_t kg[] = "KgKgKgKgKgKgKgKgKgKg";
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	n->bcfg.kg = kg;
	n->bcfg.kg_len = 20;
	simnet_boot(n);
	c.kg = kg;
	c.kg_len = 20;
	simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	simnet_free(n);

	/* Without the key the RAKP 4 check value cannot match. */
	n = net_alloc();
	n->bcfg.kg = kg;
	n->bcfg.kg_len = 20;
	simnet_boot(n);
	c.kg = NULL;
	c.kg_len = 0;
	expect_fail(n, &c, SOL_R_AUTH);
	simnet_free(n);
}
END_TEST

START_TEST(test_session_limit)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();

	n->bcfg.session_limit = 1;
	simnet_boot(n);
	simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	simnet_client_start(n, 1, &c);
	ck_assert(!wait_state(n, 1, SOL_ST_SOL_ACTIVE, 60000));
	ck_assert_int_eq(n->cl[1].st, SOL_ST_CLOSED);
	ck_assert_int_eq(sol_session_reason(n->cl[1].s), SOL_R_BUSY);
	ck_assert_int_eq(n->cl[0].st, SOL_ST_SOL_ACTIVE);
	simnet_free(n);
}
END_TEST

START_TEST(test_silent_bmc)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();
	uint64_t t0;
	struct simnet_client *a;

	simnet_boot(n);
	bmc_faults(n->b)->silent = true;
	c.retry_ms = 1000;
	c.request_budget_ms = 8000;
	t0 = n->now;
	a = simnet_client_start(n, 0, &c);
	ck_assert(!wait_state(n, 0, SOL_ST_SOL_ACTIVE, 120000));
	ck_assert_int_eq(a->st, SOL_ST_CLOSED);
	ck_assert_int_eq(sol_session_reason(a->s), SOL_R_TIMEOUT);
	ck_assert_msg(a->closed_at - t0 <= c.request_budget_ms + SLACK_MS,
		      "gave up after %" PRIu64 " ms, budget %u ms",
		      a->closed_at - t0, c.request_budget_ms);
	ck_assert_uint_ge(a->closed_at - t0, c.request_budget_ms);
	simnet_free(n);
}
END_TEST

/* Silent from Open Session on: the handshake steps time out as a whole. */
START_TEST(test_silent_after_authcap)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();
	struct simnet_client *a;
	uint64_t t0;

	simnet_boot(n);
	c.request_budget_ms = 8000;
	a = simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_OPEN, 10000));
	t0 = n->now;
	bmc_faults(n->b)->silent = true;
	ck_assert(!wait_state(n, 0, SOL_ST_SOL_ACTIVE, 120000));
	ck_assert_int_eq(sol_session_reason(a->s), SOL_R_TIMEOUT);
	ck_assert_msg(a->closed_at - t0 <= c.request_budget_ms + SLACK_MS,
		      "gave up after %" PRIu64 " ms", a->closed_at - t0);
	simnet_free(n);
}
END_TEST

/* Setup under loss: steps are retried (RAKP ones by starting over with
 * Open Session) until the session is up. */
START_TEST(test_handshake_lossy)
{
	struct sol_config c = client_cfg();
	struct simnet *n = net_alloc();
	struct bmc_faults *f;

	n->bcfg.seed = 100 + (uint64_t)_i;
	simnet_boot(n);
	f = bmc_faults(n->b);
	/* No reordering here: in a lock-step exchange a held datagram waits
	 * for the next retry, which makes it just another loss.  At 5% loss
	 * each way about 1 handshake in 20 runs out of its 8 s budget (one
	 * attempt needs ~8 datagrams, the backoff allows ~3 attempts). */
	f->drop_in_pct = f->drop_out_pct = 3;
	f->dup_in_pct = f->dup_out_pct = 5;
	c.cipher = _i % 2 == 0 ? 3 : 17;
	simnet_client_start(n, 0, &c);
	ck_assert_msg(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 120000),
		      "seed %d: %s (%s)", _i, sol_state_name(n->cl[0].st),
		      sol_reason_name(sol_session_reason(n->cl[0].s)));
	simnet_free(n);
}
END_TEST

/* ---- SOL data ---- */

START_TEST(test_stream_64k_faults)
{
	static const uint64_t seeds[] = { 0x5eed, 1, 2, 3, 4, 5, 6, 7 };
	struct sol_config c = client_cfg();
	const size_t len = 64 * 1024;
	uint8_t *want = malloc(len);
	struct simnet *n;
	struct bmc_faults *f;
	const struct bmc_stats *bs;

	ck_assert_ptr_nonnull(want);
	simnet_make_stream(want, len, 'H', STREAM_TAIL);
	n = net_alloc();
	n->bcfg.seed = seeds[_i];
	/* ipmi_sim gives up on a packet after 4 retransmits; at 5% loss
	 * each way that loses data now and then, which is the BMC's doing,
	 * not the client's. */
	n->bcfg.sol_retries = 10;
	simnet_boot(n);
	simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	f = bmc_faults(n->b);
	f->drop_in_pct = f->drop_out_pct = 5;
	f->dup_in_pct = f->dup_out_pct = 5;
	f->reorder_in_pct = f->reorder_out_pct = 5;
	n->host_src = want;
	n->host_src_len = len;
	simnet_run_until(n, cond_rx, &len, n->now + 3600 * 1000);
	bs = bmc_stats(n->b);
	ck_assert_msg(n->cl[0].st == SOL_ST_SOL_ACTIVE, "session %s: %s",
		      sol_state_name(n->cl[0].st),
		      sol_reason_name(sol_session_reason(n->cl[0].s)));
	ck_assert_uint_eq(bs->sol_bytes_lost, 0);
	simnet_assert_same(n->cl[0].rx, n->cl[0].rx_len, want, len,
			   "host output");
	/* The faults really happened and were really recovered from. */
	ck_assert_uint_gt(bs->faults_dropped, 0);
	ck_assert_uint_gt(bs->faults_duped, 0);
	ck_assert_uint_gt(bs->faults_reordered, 0);
	ck_assert_uint_gt(bs->sol_retransmits, 0);
	free(want);
	simnet_free(n);
}
END_TEST

START_TEST(test_console_input)
{
	const size_t len = 20000;
	uint8_t *want = malloc(len);
	struct simnet *n;

	ck_assert_ptr_nonnull(want);
	simnet_make_stream(want, len, 'C', STREAM_TAIL);
	n = active_pair(NULL);
	n->cl[0].tx_src = want;
	n->cl[0].tx_len = len;
	simnet_run_until(n, cond_host, &len, n->now + 600 * 1000);
	simnet_run_for(n, 100);		/* the last ACK */
	ck_assert_int_eq(n->cl[0].st, SOL_ST_SOL_ACTIVE);
	simnet_assert_same(n->host_in, n->host_in_len, want, len,
			   "console input");
	ck_assert_uint_eq(sol_session_pending(n->cl[0].s), 0);
	free(want);
	simnet_free(n);
}
END_TEST

START_TEST(test_nack_pause)
{
	uint8_t want[100];
	struct simnet *n;
	struct simnet_client *a;
	uint64_t rx_before;
	size_t k;

	simnet_make_stream(want, sizeof(want), 'N', STREAM_TAIL);
	n = active_pair(NULL);
	a = &n->cl[0];
	n->host_room = 0;		/* the host takes nothing for now */
	k = sol_session_write(a->s, want, sizeof(want), n->now);
	ck_assert_uint_eq(k, sizeof(want));
	simnet_run_for(n, 3000);
	/* 32 of the bytes sit in the BMC's buffer, the rest wait paused. */
	ck_assert_uint_ge(sol_session_stats(a->s)->sol_nacks, 1);
	ck_assert_uint_ge(bmc_stats(n->b)->sol_nacks_sent, 1);
	ck_assert_uint_eq(sol_session_pending(a->s), sizeof(want) - 32);
	ck_assert(a->status & SOL_STATUS_NACK);
	/* Paused: nothing right away, then at most a slow probe (the
	 * client may retry in case the BMC's "NACK clear" got lost). */
	rx_before = bmc_stats(n->b)->sol_rx;
	simnet_run_for(n, 1000);
	ck_assert_msg(bmc_stats(n->b)->sol_rx == rx_before,
		      "client sent %" PRIu64 " SOL packets right after a NACK",
		      bmc_stats(n->b)->sol_rx - rx_before);
	simnet_run_for(n, 9000);
	ck_assert_msg(bmc_stats(n->b)->sol_rx - rx_before <= 10,
		      "client sent %" PRIu64 " SOL packets in 10 s of pause",
		      bmc_stats(n->b)->sol_rx - rx_before);
	ck_assert_uint_eq(sol_session_pending(a->s), sizeof(want) - 32);
	ck_assert_uint_eq(n->host_in_len, 0);
	ck_assert_int_eq(a->st, SOL_ST_SOL_ACTIVE);
	/* The host drains: the NACK lifts and the rest flows. */
	n->host_room = SIZE_MAX;
	bmc_host_drain(n->b);
	k = sizeof(want);
	simnet_run_until(n, cond_host, &k, n->now + 10000);
	simnet_assert_same(n->host_in, n->host_in_len, want, sizeof(want),
			   "console input after NACK");
	ck_assert(!(a->status & SOL_STATUS_NACK));
	simnet_free(n);
}
END_TEST

/* ipmi_sim resends unacknowledged output every second with new bytes
 * appended under the same seq: each byte must still arrive once. */
START_TEST(test_append_on_retransmit)
{
	const size_t len = 600;
	uint8_t want[600];
	struct simnet *n;
	int i;

	simnet_make_stream(want, len, 'R', STREAM_TAIL);
	n = active_pair(NULL);
	bmc_faults(n->b)->drop_in_next = 3;	/* lose the client's ACKs */
	for (i = 0; i < 6; i++) {
		bmc_host_output(n->b, want + i * 100, 100);
		simnet_run_for(n, 400);
	}
	simnet_run_until(n, cond_rx, &len, n->now + 30000);
	ck_assert_uint_gt(bmc_stats(n->b)->sol_retransmits, 0);
	simnet_assert_same(n->cl[0].rx, n->cl[0].rx_len, want, len,
			   "appended output");
	simnet_free(n);
}
END_TEST

static bool
cond_reordered(struct simnet *n, const void *arg)
{
	const uint64_t *want = arg;

	return bmc_stats(n->b)->faults_reordered >= *want;
}

/*
 * A retransmit that arrives after newer data is stale, even though its
 * SOL seq differs from the last one: the client must not deliver it
 * again.  Built step by step: the client's ACK of seq 1 is held at the
 * BMC, the BMC's 1 s retransmit of seq 1 is held on the way out, then a
 * junk datagram releases the ACK, the BMC sends seq 2, and the stale
 * retransmit of seq 1 follows it.
 */
START_TEST(test_stale_retransmit)
{
	uint8_t a_bytes[50], b_bytes[50], want[100];
	struct simnet *n = active_pair(NULL);
	struct bmc_faults *f = bmc_faults(n->b);
	struct simnet_client *a = &n->cl[0];
	uint64_t k = 1;

	simnet_make_stream(want, sizeof(want), 'S', STREAM_TAIL);
	memcpy(a_bytes, want, 50);
	memcpy(b_bytes, want + 50, 50);
	f->reorder_in_pct = 100;
	bmc_host_output(n->b, a_bytes, 50);
	ck_assert(simnet_run_until(n, cond_reordered, &k, n->now + 100));
	ck_assert_uint_eq(a->rx_len, 50);
	f->reorder_in_pct = 0;
	f->reorder_out_pct = 100;
	k = 2;
	ck_assert(simnet_run_until(n, cond_reordered, &k, n->now + 1500));
	ck_assert_uint_eq(bmc_stats(n->b)->sol_retransmits, 1);
	f->reorder_out_pct = 0;
	bmc_host_output(n->b, b_bytes, 50);
	bmc_input(n->b, (const uint8_t *)"junk", 4, n->now, a->peer);
	simnet_run_for(n, 100);
	simnet_assert_same(a->rx, a->rx_len, want, sizeof(want), "SOL data");
	simnet_free(n);
}
END_TEST

START_TEST(test_break)
{
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0];
	unsigned want = 1;

	ck_assert_int_eq(sol_session_send_break(a->s, n->now), 0);
	simnet_run_for(n, 5000);
	ck_assert_uint_eq(n->host_breaks, want);
	ck_assert_uint_eq(bmc_stats(n->b)->breaks, 1);
	simnet_free(n);
}
END_TEST

/* ---- keepalive and liveness ---- */

/* Largest gap between IPMI requests of session sid seen from `from` to
 * the end of the run. */
static uint64_t
max_request_gap(const struct simnet *n, uint32_t sid, uint64_t from,
		unsigned *count)
{
	uint64_t last = from, gap = 0;
	size_t i;

	*count = 0;
	for (i = 0; i < n->nseen; i++) {
		if (n->seen[i].sid != sid || n->seen[i].t < from)
			continue;
		if (n->seen[i].t - last > gap)
			gap = n->seen[i].t - last;
		last = n->seen[i].t;
		(*count)++;
	}
	if (n->now - last > gap)
		gap = n->now - last;
	return gap;
}

START_TEST(test_keepalive)
{
	/* An explicit period, and the default one (15 s, documented with
	 * up to 5 s of jitter); both well inside the BMC's 30 s. */
	static const uint32_t period[] = { 5000, 0 };
	static const uint64_t bound[] = { 5000 + 5000, 15000 + 5000 };
	struct sol_config c = client_cfg();
	struct simnet *n = net_alloc();
	struct simnet_client *a;
	uint64_t t0, gap;
	unsigned count;

	n->bcfg.idle_ms = 30000;
	n->bcfg.idle_ipmi_only = true;	/* ipmi_sim: SOL is not activity */
	simnet_boot(n);
	c.keepalive_ms = period[_i];
	a = simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	n->host_period = 100;		/* constant SOL traffic */
	n->host_next = n->now;
	t0 = n->now;
	simnet_run_for(n, 300 * 1000);
	ck_assert_int_eq(a->st, SOL_ST_SOL_ACTIVE);
	ck_assert_uint_eq(bmc_stats(n->b)->sessions_expired, 0);
	ck_assert_uint_gt(a->rx_len, 2900 * 10);
	gap = max_request_gap(n, sol_session_bmc_id(a->s), t0, &count);
	ck_assert_msg(gap <= bound[_i] + 100, "IPMI silent for %" PRIu64
		      " ms (bound %" PRIu64 ")", gap, bound[_i]);
	ck_assert_uint_ge(count, 300 * 1000 / bound[_i]);
	simnet_free(n);
}
END_TEST

START_TEST(test_dead_peer)
{
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0];
	uint64_t t0;
	uint32_t dead_ms = 30000;

	n->host_period = 200;
	n->host_next = n->now;
	simnet_run_for(n, 20000);
	ck_assert_int_eq(a->st, SOL_ST_SOL_ACTIVE);
	t0 = n->now;
	bmc_faults(n->b)->silent = true;
	ck_assert(wait_state(n, 0, SOL_ST_CLOSED, 200000));
	ck_assert_int_eq(a->st, SOL_ST_CLOSED);
	ck_assert_int_eq(sol_session_reason(a->s), SOL_R_TIMEOUT);
	ck_assert_msg(a->closed_at - t0 <= dead_ms + SLACK_MS,
		      "dead BMC noticed after %" PRIu64 " ms", a->closed_at - t0);
	simnet_free(n);
}
END_TEST

/* The BMC forgets the session (idle expiry, reboot): the client must
 * notice as it would a dead BMC. */
START_TEST(test_session_vanishes)
{
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0];
	uint64_t t0 = n->now;

	bmc_expire_session(n->b, sol_session_bmc_id(a->s));
	ck_assert_uint_eq(bmc_sol_owner(n->b), 0);
	ck_assert(wait_state(n, 0, SOL_ST_CLOSED, 200000));
	ck_assert_int_eq(sol_session_reason(a->s), SOL_R_TIMEOUT);
	ck_assert_uint_le(a->closed_at - t0, 30000 + SLACK_MS);
	simnet_free(n);
}
END_TEST

START_TEST(test_bmc_idle_expiry)
{
	struct simnet *n = active_pair(NULL);

	n->cl[0].frozen = true;		/* the client vanishes silently */
	simnet_run_for(n, 61000);
	ck_assert_uint_eq(bmc_session_count(n->b), 0);
	ck_assert_uint_eq(bmc_stats(n->b)->sessions_expired, 1);
	ck_assert_uint_eq(bmc_sol_owner(n->b), 0);
	simnet_free(n);
}
END_TEST

/* ---- SOL ownership ---- */

START_TEST(test_sol_active_elsewhere)
{
	/* _i: 0 steal, 1 fail, 2 steal without the status query, 3 fail
	 * without it (the BMC answers Activate with 0x80). */
	struct sol_config c = client_cfg();
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0], *t;
	uint32_t owner_a = bmc_sol_owner(n->b);

	c.steal = _i % 2 == 0 ? SOL_STEAL : SOL_FAIL;
	if (_i >= 2)
		c.quirks |= SOL_Q_SOLSTATUS;
	t = simnet_client_start(n, 1, &c);
	a->frozen = true;		/* no fight back in this test */
	if (c.steal == SOL_STEAL) {
		ck_assert(wait_state(n, 1, SOL_ST_SOL_ACTIVE, 60000));
		ck_assert_uint_eq(bmc_sol_owner(n->b),
				  sol_session_bmc_id(t->s));
		ck_assert_uint_eq(bmc_stats(n->b)->deactivate, 1);
	} else {
		ck_assert(!wait_state(n, 1, SOL_ST_SOL_ACTIVE, 60000));
		ck_assert_int_eq(sol_session_reason(t->s), SOL_R_SOL_ACTIVE);
		ck_assert_uint_eq(bmc_sol_owner(n->b), owner_a);
		ck_assert_uint_eq(bmc_stats(n->b)->deactivate, 0);
	}
	simnet_free(n);
}
END_TEST

static bool
cond_owner_back(struct simnet *n, const void *arg)
{
	const struct simnet_client *a = arg;

	return a->st == SOL_ST_CLOSED ||
	    (a->st == SOL_ST_SOL_ACTIVE &&
	     bmc_sol_owner(n->b) == sol_session_bmc_id(a->s));
}

START_TEST(test_stolen_mid_session)
{
	struct sol_config c = client_cfg();
	struct simnet *n;
	struct simnet_client *a, *t;
	uint64_t t0;
	const char probe[] = "after the retake\r\n";
	size_t want;

	c.steal = _i == 0 ? SOL_STEAL : SOL_FAIL;
	n = active_pair(&c);
	a = &n->cl[0];
	c.steal = SOL_STEAL;
	t = simnet_client_start(n, 1, &c);
	ck_assert(wait_state(n, 1, SOL_ST_SOL_ACTIVE, 60000));
	ck_assert_uint_eq(bmc_sol_owner(n->b), sol_session_bmc_id(t->s));
	t->frozen = true;		/* the thief goes quiet, keeps SOL */
	t0 = n->now;
	simnet_run_until(n, cond_owner_back, a, n->now + 60000);
	if (_i == 0) {
		ck_assert_int_eq(a->st, SOL_ST_SOL_ACTIVE);
		ck_assert_uint_eq(bmc_sol_owner(n->b),
				  sol_session_bmc_id(a->s));
		ck_assert_uint_ge(sol_session_stats(a->s)->reestablish, 1);
		/* Noticed by the next keepalive: within its period (15 s
		 * and up to 5 s of jitter by default). */
		ck_assert_msg(n->now - t0 <= 20000 + SLACK_MS,
			      "retaken after %" PRIu64 " ms", n->now - t0);
		want = a->rx_len + strlen(probe);
		bmc_host_output(n->b, (const uint8_t *)probe, strlen(probe));
		simnet_run_until(n, cond_rx, &want, n->now + 10000);
		ck_assert_uint_eq(a->rx_len, want);
	} else {
		ck_assert_int_eq(a->st, SOL_ST_CLOSED);
		ck_assert_int_eq(sol_session_reason(a->s), SOL_R_STOLEN);
		ck_assert_uint_le(a->closed_at - t0, 20000 + SLACK_MS);
	}
	simnet_free(n);
}
END_TEST

/* With deact_notify the BMC tells the owner at once (status 0x10). */
START_TEST(test_deactivate_notice)
{
	struct sol_config c = client_cfg();
	struct simnet *n = net_alloc();
	struct simnet_client *a;
	uint64_t t0;

	n->bcfg.deact_notify = true;
	simnet_boot(n);
	c.steal = SOL_FAIL;
	a = simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	c.steal = SOL_STEAL;
	simnet_client_start(n, 1, &c);
	t0 = n->now;
	ck_assert(wait_state(n, 1, SOL_ST_SOL_ACTIVE, 60000));
	simnet_run_for(n, 100);
	ck_assert_int_eq(a->st, SOL_ST_CLOSED);
	ck_assert_int_eq(sol_session_reason(a->s), SOL_R_DEACTIVATED);
	ck_assert_uint_le(a->closed_at - t0, 1000);
	simnet_free(n);
}
END_TEST

/* ---- shutdown and hostile input ---- */

START_TEST(test_close)
{
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0];
	uint32_t sid = sol_session_bmc_id(a->s);
	bool deact = false, close = false;
	size_t i, from = n->nseen;

	sol_session_close(a->s, n->now);
	ck_assert_int_eq(a->st, SOL_ST_CLOSED);
	ck_assert_int_eq(sol_session_reason(a->s), SOL_R_LOCAL);
	simnet_run_until(n, cond_quiet, NULL, n->now + 1000);
	for (i = from; i < n->nseen; i++) {
		if (n->seen[i].sid != sid)
			continue;
		if (n->seen[i].cmd == IPMI_CMD_DEACTIVATE_PAYLOAD)
			deact = true;
		if (n->seen[i].cmd == IPMI_CMD_CLOSE_SESSION)
			close = deact;	/* and in that order */
	}
	ck_assert_msg(deact, "BMC saw no Deactivate Payload");
	ck_assert_msg(close, "BMC saw no Close Session after it");
	ck_assert_uint_eq(bmc_session_count(n->b), 0);
	ck_assert_uint_eq(bmc_sol_owner(n->b), 0);
	simnet_free(n);
}
END_TEST

static void
feed(struct simnet *n, const uint8_t *buf, size_t len)
{
	sol_session_input(n->cl[0].s, buf, len, n->now);
	simnet_run_until(n, cond_quiet, NULL, n->now);
}

START_TEST(test_garbage_input)
{
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0];
	const struct sol_stats *st = sol_session_stats(a->s);
	uint8_t orig[RP_MAX_DGRAM], buf[RP_MAX_DGRAM];
	const char probe[] = "still alive\r\n";
	uint64_t bad0, drop0, rng = 12345;
	size_t len, i, want, fed = 0;

	/* A real datagram to corrupt: host output the client then gets. */
	bmc_host_output(n->b, (const uint8_t *)"x", 1);
	simnet_run_for(n, 10);
	ck_assert_uint_gt(n->to_c0_len, 16);
	len = n->to_c0_len;
	memcpy(orig, n->to_c0, len);

	bad0 = st->rx_bad;
	for (i = 0; i < len; i++, fed++)		/* truncated */
		feed(n, orig, i);
	for (i = 0; i < len * 8; i++, fed++) {	/* one bit flipped */
		memcpy(buf, orig, len);
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		feed(n, buf, len);
	}
	ck_assert_uint_eq(st->rx_bad - bad0, fed);
	ck_assert_int_eq(a->st, SOL_ST_SOL_ACTIVE);

	/* Random bytes behind a plausible RMCP+ header, then pure noise;
	 * the intact datagram again is a replay. */
	bad0 = st->rx_bad + st->rx_stray + st->rx_seq_drop;
	for (i = 0; i < 2000; i++) {
		size_t j, l;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		l = (size_t)(rng >> 33) % 300;
		for (j = 0; j < l; j++) {
			rng = rng * 6364136223846793005ULL + 1;
			buf[j] = (uint8_t)(rng >> 56);
		}
		if (i % 2 == 0 && l >= 6)
			memcpy(buf, "\x06\x00\xff\x07\x06", 5);
		feed(n, buf, l);
	}
	feed(n, orig, len);
	drop0 = st->rx_bad + st->rx_stray + st->rx_seq_drop;
	ck_assert_uint_eq(drop0 - bad0, 2001);
	ck_assert_int_eq(a->st, SOL_ST_SOL_ACTIVE);

	want = a->rx_len + strlen(probe);
	bmc_host_output(n->b, (const uint8_t *)probe, strlen(probe));
	simnet_run_until(n, cond_rx, &want, n->now + 10000);
	ck_assert_uint_eq(a->rx_len, want);
	simnet_free(n);
}
END_TEST

/* ---- requests through the session, and the BMC hook ---- */

static int
hook_cmd(void *ctx, const struct bmc_request *rq, uint8_t *rsp, size_t cap,
	 size_t *rlen)
{
	(void)ctx;
	if (rq->netfn != IPMI_NETFN_CHASSIS || rq->cmd != 0x01 || cap < 4)
		return IPMI_CC_INVALID_CMD;
	memcpy(rsp, "\x61\x10\x40\x00", 4);	/* Get Chassis Status */
	*rlen = 4;
	return IPMI_CC_OK;
}

static bool
cond_rsp(struct simnet *n, const void *arg)
{
	const int *want = arg;

	return n->cl[0].rsp_count >= *want;
}

START_TEST(test_request_and_hook)
{
	struct simnet *n = active_pair(NULL);
	struct simnet_client *a = &n->cl[0];
	int want = 1;

	ck_assert_int_eq(sol_session_request(a->s, IPMI_NETFN_CHASSIS, 0x01,
					     NULL, 0, 7, n->now), 0);
	simnet_run_until(n, cond_rsp, &want, n->now + 10000);
	ck_assert_int_eq(a->rsp_count, 1);
	ck_assert_int_eq(a->rsp_cc, IPMI_CC_INVALID_CMD);
	simnet_free(n);
}
END_TEST

START_TEST(test_request_hook_answers)
{
	struct simnet *n = net_alloc();
	struct sol_config c = client_cfg();
	struct simnet_client *a;
	int want = 1;

	n->bcfg.command = hook_cmd;
	simnet_boot(n);
	a = simnet_client_start(n, 0, &c);
	ck_assert(wait_state(n, 0, SOL_ST_SOL_ACTIVE, 60000));
	ck_assert_int_eq(sol_session_request(a->s, IPMI_NETFN_CHASSIS, 0x01,
					     NULL, 0, 9, n->now), 0);
	simnet_run_until(n, cond_rsp, &want, n->now + 10000);
	ck_assert_int_eq(a->rsp_cc, 0);
	ck_assert_uint_eq(a->rsp_len, 4);
	ck_assert_mem_eq(a->rsp_data, "\x61\x10\x40\x00", 4);
	simnet_free(n);
}
END_TEST

/* ---- the BMC engine on its own: hand-built requests ---- */

static size_t
raw_send(struct simnet *n, const uint8_t *dg, size_t len)
{
	unsigned before = n->raw_count;

	bmc_input(n->b, dg, len, n->now, RAW_PEER);
	return n->raw_count == before ? 0 : n->raw_len;
}

/* A session-less request, IPMI 1.5 or RMCP+ framed; the response
 * message's data (after the completion code) goes to out. */
static int
raw_request(struct simnet *n, bool v15, uint8_t cmd, const uint8_t *d,
	    size_t dl, uint8_t *out, size_t *olen)
{
	uint8_t msg[64], dg[128], scratch[RP_MAX_DGRAM];
	struct rp_packet pk;
	struct ipmi_msg rsp;
	int m, k;

	m = ipmi_build_req(msg, sizeof(msg), IPMI_NETFN_APP, cmd, 5, d, dl);
	ck_assert_int_gt(m, 0);
	k = v15 ? rp_build_v15(dg, sizeof(dg), msg, (size_t)m) :
	    rp_build_v20(dg, sizeof(dg), RP_PT_IPMI, 0, 0, msg, (size_t)m,
			 NULL, NULL);
	ck_assert_int_gt(k, 0);
	if (raw_send(n, dg, (size_t)k) == 0)
		return -1;
	ck_assert_int_eq(rp_parse(n->raw, n->raw_len, NULL, scratch,
				  sizeof(scratch), &pk), 0);
	ck_assert_int_eq(pk.v20, !v15);
	ck_assert_int_eq(ipmi_parse_rsp(pk.payload, pk.len, &rsp), 0);
	ck_assert(rsp.chk1_ok && rsp.chk2_ok);
	ck_assert_uint_eq(rsp.cmd, cmd);
	ck_assert_uint_eq(rsp.rq_seq, 5);
	memcpy(out, rsp.data, rsp.len);
	*olen = rsp.len;
	return rsp.cc;
}

START_TEST(test_bmc_sessionless)
{
	static const uint8_t recs[] = {
		0xC0, 0x03, 0x01, 0x41, 0x81,
		0xC0, 0x11, 0x03, 0x44, 0x81,
	};
	struct simnet *n = net_alloc();
	uint8_t out[64], d[3];
	size_t olen;
	int v15;

	simnet_boot(n);
	for (v15 = 0; v15 <= 1; v15++) {
		d[0] = 0x8e;
		d[1] = 4;
		ck_assert_int_eq(raw_request(n, v15, IPMI_CMD_GET_CHAN_AUTH_CAP,
					     d, 2, out, &olen), 0);
		ck_assert_uint_eq(olen, 8);
		ck_assert_uint_eq(out[0], 1);
		ck_assert(out[1] & 0x80);
		ck_assert(out[3] & 0x02);

		d[0] = 0x0e;
		d[1] = 0;
		d[2] = 0x80;
		ck_assert_int_eq(raw_request(n, v15,
					     IPMI_CMD_GET_CHAN_CIPHER_SUITES,
					     d, 3, out, &olen), 0);
		ck_assert_uint_eq(olen, 1 + sizeof(recs));
		ck_assert_mem_eq(out + 1, recs, sizeof(recs));
		d[2] = 0x81;		/* past the end: just the channel */
		ck_assert_int_eq(raw_request(n, v15,
					     IPMI_CMD_GET_CHAN_CIPHER_SUITES,
					     d, 3, out, &olen), 0);
		ck_assert_uint_eq(olen, 1);
	}
	/* In-session commands are not answered outside a session. */
	ck_assert_int_eq(raw_request(n, true, IPMI_CMD_GET_DEVICE_ID, NULL, 0,
				     out, &olen), -1);
	simnet_free(n);
}
END_TEST

/* Open Session for a suite; returns the status, *bmc_sid on success. */
static int
raw_open(struct simnet *n, int suite, uint32_t csid, uint32_t *bmc_sid)
{
	uint8_t p[32], dg[128], scratch[RP_MAX_DGRAM];
	struct rp_suite su;
	struct rp_packet pk;
	int k;

	ck_assert_int_eq(rp_suite_lookup(suite, &su), 0);
	memset(p, 0, sizeof(p));
	p[0] = 0x42;
	p[1] = 4;
	bmc_put32(p + 4, csid);
	p[8] = 0; p[11] = 8; p[12] = su.auth;
	p[16] = 1; p[19] = 8; p[20] = su.integ;
	p[24] = 2; p[27] = 8; p[28] = su.conf;
	k = rp_build_v20(dg, sizeof(dg), RP_PT_OPEN_RQ, 0, 0, p, 32, NULL, NULL);
	ck_assert_uint_gt(raw_send(n, dg, (size_t)k), 0);
	ck_assert_int_eq(rp_parse(n->raw, n->raw_len, NULL, scratch,
				  sizeof(scratch), &pk), 0);
	ck_assert_uint_eq(pk.ptype, RP_PT_OPEN_RS);
	ck_assert_uint_ge(pk.len, 8);
	ck_assert_uint_eq(pk.payload[0], 0x42);
	ck_assert_uint_eq(bmc_get32(pk.payload + 4), csid);
	if (pk.payload[1] == 0) {
		ck_assert_uint_eq(pk.len, 36);
		*bmc_sid = bmc_get32(pk.payload + 8);
	}
	return pk.payload[1];
}

static int
raw_rakp1(struct simnet *n, uint32_t bmc_sid, uint8_t role, const char *user)
{
	uint8_t p[44], dg[128], scratch[RP_MAX_DGRAM];
	struct rp_packet pk;
	size_t ul = strlen(user);
	int k;

	memset(p, 0, sizeof(p));
	p[0] = 0x43;
	bmc_put32(p + 4, bmc_sid);
	memset(p + 8, 0xab, 16);
	p[24] = role;
	p[27] = (uint8_t)ul;
	memcpy(p + 28, user, ul);
	k = rp_build_v20(dg, sizeof(dg), RP_PT_RAKP1, 0, 0, p, 28 + ul, NULL,
			 NULL);
	ck_assert_uint_gt(raw_send(n, dg, (size_t)k), 0);
	ck_assert_int_eq(rp_parse(n->raw, n->raw_len, NULL, scratch,
				  sizeof(scratch), &pk), 0);
	ck_assert_uint_eq(pk.ptype, RP_PT_RAKP2);
	ck_assert_uint_ge(pk.len, 8);
	ck_assert_uint_eq(pk.payload[0], 0x43);
	return pk.payload[1];
}

START_TEST(test_bmc_rakp_status)
{
	struct simnet *n = net_alloc();
	uint32_t sid = 0;
	unsigned before;

	n->bcfg.suites = 1u << 3;
	n->bcfg.session_limit = 2;
	simnet_boot(n);
	ck_assert_int_eq(raw_open(n, 17, 0x1001, &sid), 0x11);
	ck_assert_uint_eq(bmc_session_count(n->b), 0);

	/* Each RAKP 1 failure ends the half-open session it names. */
	ck_assert_int_eq(raw_open(n, 3, 0x1002, &sid), 0);
	ck_assert_int_eq(raw_rakp1(n, sid, 0x14, "nobody"), 0x0D);
	ck_assert_uint_eq(bmc_session_count(n->b), 0);
	ck_assert_int_eq(raw_open(n, 3, 0x1003, &sid), 0);
	ck_assert_int_eq(raw_rakp1(n, sid, 0x14, "oper"), 0x0A);
	ck_assert_int_eq(raw_open(n, 3, 0x1004, &sid), 0);
	ck_assert_int_eq(raw_rakp1(n, sid, 0x10, "admin"), 0x09);
	/* Exact lookup: the privilege must be the user's limit. */
	ck_assert_int_eq(raw_open(n, 3, 0x1005, &sid), 0);
	ck_assert_int_eq(raw_rakp1(n, sid, 0x04, "oper"), 0x0D);
	ck_assert_int_eq(raw_open(n, 3, 0x1006, &sid), 0);
	ck_assert_int_eq(raw_rakp1(n, sid, 0x03, "oper"), 0x00);
	ck_assert_int_eq(raw_open(n, 3, 0x1007, &sid), 0);
	ck_assert_int_eq(raw_rakp1(n, sid, 0x12, "user"), 0x00);
	ck_assert_uint_eq(bmc_session_count(n->b), 2);
	/* Limit reached. */
	ck_assert_int_eq(raw_open(n, 3, 0x1008, &sid), 0x01);
	/* Half-open sessions expire. */
	simnet_run_for(n, 6000);
	ck_assert_uint_eq(bmc_session_count(n->b), 0);
	/* Unknown session ids get no answer at all. */
	before = n->raw_count;
	{
		uint8_t p[28] = { 0 }, dg[64];
		int k;

		bmc_put32(p + 4, 0xdeadbeef);
		p[24] = 0x14;
		k = rp_build_v20(dg, sizeof(dg), RP_PT_RAKP1, 0, 0, p, 28, NULL,
				 NULL);
		raw_send(n, dg, (size_t)k);
	}
	ck_assert_uint_eq(n->raw_count, before);
	simnet_free(n);
}
END_TEST

START_TEST(test_bmc_size)
{
	/* 10,000 of them in one simulator process. */
	ck_assert_uint_le(sizeof(struct bmc), 16 * 1024);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc;

	tc = tcase_create("handshake");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_handshake_suite, 0, 2);
	tcase_add_test(tc, test_auto_prefers_17);
	tcase_add_loop_test(tc, test_auto_fallback_to_3, 0, 2);
	tcase_add_test(tc, test_fixed_17_refused);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_unknown_user);
	tcase_add_test(tc, test_privilege_over_limit);
	tcase_add_test(tc, test_kg);
	tcase_add_test(tc, test_session_limit);
	tcase_add_test(tc, test_silent_bmc);
	tcase_add_test(tc, test_silent_after_authcap);
	tcase_add_loop_test(tc, test_handshake_lossy, 0, 40);
	suite_add_tcase(s, tc);

	tc = tcase_create("sol");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_stream_64k_faults, 0, 8);
	tcase_add_test(tc, test_console_input);
	tcase_add_test(tc, test_nack_pause);
	tcase_add_test(tc, test_append_on_retransmit);
	tcase_add_test(tc, test_stale_retransmit);
	tcase_add_test(tc, test_break);
	suite_add_tcase(s, tc);

	tc = tcase_create("liveness");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_keepalive, 0, 2);
	tcase_add_test(tc, test_dead_peer);
	tcase_add_test(tc, test_session_vanishes);
	tcase_add_test(tc, test_bmc_idle_expiry);
	suite_add_tcase(s, tc);

	tc = tcase_create("ownership");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sol_active_elsewhere, 0, 4);
	tcase_add_loop_test(tc, test_stolen_mid_session, 0, 2);
	tcase_add_test(tc, test_deactivate_notice);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_garbage_input);
	tcase_add_test(tc, test_request_and_hook);
	tcase_add_test(tc, test_request_hook_answers);
	suite_add_tcase(s, tc);

	tc = tcase_create("bmc");
	tcase_add_test(tc, test_bmc_sessionless);
	tcase_add_test(tc, test_bmc_rakp_status);
	tcase_add_test(tc, test_bmc_size);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(session_suite)
