/* check_solpkt.c — unit tests for the SOL payload engine on a fake clock, plus a lossy-channel property test. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/checkmain.h"
#include "solpkt.h"

/* A byte array literal and its length, as two arguments. */
#define PL(...) ((const uint8_t[]){__VA_ARGS__}), \
	sizeof((const uint8_t[]){__VA_ARGS__})

#define RETRY 1000

struct rec {
	uint8_t data[4096];
	size_t len;
	unsigned status_calls;
	unsigned status;
};

static struct rec rec;
static struct solpkt sp;

static void
rec_data(void *ctx, const uint8_t *buf, size_t len)
{
	struct rec *r = ctx;

	ck_assert_uint_le(r->len + len, sizeof(r->data));
	memcpy(r->data + r->len, buf, len);
	r->len += len;
}

static void
rec_status(void *ctx, unsigned bits)
{
	struct rec *r = ctx;

	r->status_calls++;
	r->status = bits;
}

static const struct solpkt_cb rec_cb = { rec_data, rec_status };

static void
setup_opts(size_t max_chars, unsigned retries, bool bump, bool prime)
{
	memset(&rec, 0, sizeof(rec));
	solpkt_init(&sp, max_chars, RETRY, retries, bump, prime, &rec_cb, &rec);
}

static void
setup(void)
{
	setup_opts(255, 3, false, false);
}

/* The next emitted payload must be header h0..h3 followed by chars. */
static void
expect_pkt_(uint64_t now, uint8_t h0, uint8_t h1, uint8_t h2, uint8_t h3,
	    const void *chars, size_t nchars, int line)
{
	uint8_t out[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	uint8_t want[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	size_t n;

	want[0] = h0;
	want[1] = h1;
	want[2] = h2;
	want[3] = h3;
	memcpy(want + SOLPKT_HDR, chars, nchars);
	n = solpkt_emit(&sp, now, out, sizeof(out));
	ck_assert_msg(n == SOLPKT_HDR + nchars,
	    "line %d: emitted %zu bytes, want %zu", line, n,
	    SOLPKT_HDR + nchars);
	ck_assert_msg(memcmp(out, want, n) == 0,
	    "line %d: header %02x %02x %02x %02x, want %02x %02x %02x %02x",
	    line, out[0], out[1], out[2], out[3], h0, h1, h2, h3);
}

#define EXPECT_PKT(now, h0, h1, h2, h3, s) \
	expect_pkt_(now, h0, h1, h2, h3, s, strlen(s), __LINE__)
#define EXPECT_PKT_N(now, h0, h1, h2, h3, buf, n) \
	expect_pkt_(now, h0, h1, h2, h3, buf, n, __LINE__)

static void
expect_none_(uint64_t now, int line)
{
	uint8_t out[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	size_t n = solpkt_emit(&sp, now, out, sizeof(out));

	ck_assert_msg(n == 0, "line %d: emitted %zu bytes (seq %u), want none",
	    line, n, n ? out[0] : 0);
}

#define EXPECT_NONE(now) expect_none_(now, __LINE__)

static void
write_str(const char *s)
{
	ck_assert_uint_eq(solpkt_write(&sp, (const uint8_t *)s, strlen(s)),
	    strlen(s));
}

static void
fill_pattern(uint8_t *buf, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + salt + (i >> 8));
}

START_TEST(test_write_emit)
{
	write_str("hello");
	ck_assert_uint_eq(solpkt_pending(&sp), 5);
	EXPECT_PKT(0, 0x01, 0x00, 0x00, 0x00, "hello");
	/* One unacknowledged packet: nothing more, though more is queued. */
	write_str("world");
	EXPECT_NONE(0);
	EXPECT_NONE(RETRY - 1);
	ck_assert_uint_eq(solpkt_pending(&sp), 10);
	ck_assert_uint_eq(solpkt_deadline(&sp), RETRY);
}
END_TEST

START_TEST(test_max_chars_split)
{
	uint8_t buf[100];

	setup_opts(32, 3, false, false);
	fill_pattern(buf, sizeof(buf), 1);
	ck_assert_uint_eq(solpkt_write(&sp, buf, sizeof(buf)), 100);
	EXPECT_PKT_N(0, 1, 0, 0, 0, buf, 32);
	EXPECT_NONE(0);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 32, 0), 10), SOLPKT_OK);
	EXPECT_PKT_N(10, 2, 0, 0, 0, buf + 32, 32);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 32, 0), 20), SOLPKT_OK);
	EXPECT_PKT_N(20, 3, 0, 0, 0, buf + 64, 32);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 3, 32, 0), 30), SOLPKT_OK);
	EXPECT_PKT_N(30, 4, 0, 0, 0, buf + 96, 4);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 4, 4, 0), 40), SOLPKT_OK);
	EXPECT_NONE(40);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
	ck_assert_uint_eq(sp.bytes_out, 100);
	ck_assert_uint_eq(solpkt_deadline(&sp), UINT64_MAX);
}
END_TEST

START_TEST(test_full_ack)
{
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 3, 0), 5), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
	ck_assert_uint_eq(sp.inflight_seq, 0);
	EXPECT_NONE(5);
	EXPECT_NONE(5 * RETRY);		/* no retransmit after an ACK */
	ck_assert_int_eq(solpkt_tick(&sp, 100 * RETRY), SOLPKT_OK);
	write_str("d");
	EXPECT_PKT(6, 2, 0, 0, 0, "d");
}
END_TEST

START_TEST(test_partial_accept)
{
	write_str("0123456789");
	EXPECT_PKT(0, 1, 0, 0, 0, "0123456789");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 4, 0), 3), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 6);
	/* The rest goes at once, under a new seq. */
	EXPECT_PKT(3, 2, 0, 0, 0, "456789");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 6, 0), 4), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
	ck_assert_uint_eq(sp.bytes_out, 10);
}
END_TEST

/* ipmi_sim: 40 bytes at seq 1, `00 01 20 40` (32 taken, NACK), then the
 * same ACK with NACK clear once its buffer drains. */
START_TEST(test_ipmi_sim_nack)
{
	uint8_t buf[40];

	fill_pattern(buf, sizeof(buf), 9);
	ck_assert_uint_eq(solpkt_write(&sp, buf, sizeof(buf)), 40);
	EXPECT_PKT_N(0, 1, 0, 0, 0, buf, 40);
	ck_assert_int_eq(solpkt_input(&sp, PL(0x00, 0x01, 0x20, 0x40), 2),
	    SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 8);
	ck_assert(sp.paused);
	ck_assert_uint_eq(sp.nacks, 1);
	/* Paused: no new data, no retransmit, no timer. */
	write_str("xy");
	EXPECT_NONE(2);
	EXPECT_NONE(10 * RETRY);
	ck_assert_int_eq(solpkt_tick(&sp, 10 * RETRY), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_deadline(&sp), UINT64_MAX);
	ck_assert_uint_eq(sp.retransmits, 0);
	/* The repeat ACK: seq 1 is no longer in flight, so no bytes. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0x00, 0x01, 0x20, 0x00),
	    10 * RETRY + 1), SOLPKT_OK);
	ck_assert(!sp.paused);
	ck_assert_uint_eq(solpkt_pending(&sp), 10);
	ck_assert_uint_eq(sp.bytes_out, 32);
	{
		uint8_t want[10];

		memcpy(want, buf + 32, 8);
		memcpy(want + 8, "xy", 2);
		EXPECT_PKT_N(10 * RETRY + 1, 2, 0, 0, 0, want, 10);
	}
	ck_assert_int_eq(solpkt_input(&sp, PL(0x00, 0x02, 0x0a, 0x00),
	    10 * RETRY + 2), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
	ck_assert_uint_eq(sp.bytes_out, 42);
	ck_assert_uint_eq(sp.nacks, 1);
}
END_TEST

START_TEST(test_unavailable_pauses)
{
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	/* Transfer unavailable with no ACK: in-flight kept, timer stopped. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x20), 100), SOLPKT_OK);
	ck_assert(sp.paused);
	EXPECT_NONE(5 * RETRY);
	ck_assert_int_eq(solpkt_tick(&sp, 50 * RETRY), SOLPKT_OK);
	ck_assert_uint_eq(sp.retransmits, 0);
	/* Cleared at 50 s: the retransmit timer restarts from there. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0), 50 * RETRY),
	    SOLPKT_OK);
	ck_assert_uint_eq(solpkt_deadline(&sp), 51 * RETRY);
	EXPECT_NONE(51 * RETRY - 1);
	EXPECT_PKT(51 * RETRY, 1, 0, 0, 0, "abc");
	ck_assert_uint_eq(sp.retransmits, 1);
}
END_TEST

START_TEST(test_zero_accept_waits)
{
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 0, 0), 10), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 3);
	ck_assert(!sp.paused);
	/* Accepted nothing: same bytes, new seq, but not in a busy loop. */
	EXPECT_NONE(10);
	ck_assert_uint_eq(solpkt_deadline(&sp), 10 + RETRY);
	EXPECT_NONE(10 + RETRY - 1);
	EXPECT_PKT(10 + RETRY, 2, 0, 0, 0, "abc");
}
END_TEST

START_TEST(test_wrong_ack_ignored)
{
	write_str("abcdef");
	EXPECT_PKT(0, 1, 0, 0, 0, "abcdef");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 6, 0), 1), SOLPKT_OK);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 15, 3, 0), 1), SOLPKT_OK);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 6, 0), 1), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 6);
	ck_assert_uint_eq(sp.inflight_seq, 1);
	ck_assert_uint_eq(sp.bytes_out, 0);
	EXPECT_NONE(1);
	/* And the right one still works. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 6, 0), 2), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
}
END_TEST

START_TEST(test_ack_count_clamped)
{
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	write_str("defg");
	/* Claims 200 accepted of the 3 sent: only 3 are consumed. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 200, 0), 1), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 4);
	ck_assert_uint_eq(sp.bytes_out, 3);
	EXPECT_PKT(1, 2, 0, 0, 0, "defg");
}
END_TEST

START_TEST(test_retransmit_timing)
{
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	ck_assert_uint_eq(solpkt_deadline(&sp), RETRY);
	ck_assert_int_eq(solpkt_tick(&sp, RETRY - 1), SOLPKT_OK);
	EXPECT_NONE(RETRY - 1);
	for (unsigned i = 1; i <= 3; i++) {
		uint64_t t = (uint64_t)i * RETRY;

		ck_assert_int_eq(solpkt_tick(&sp, t), SOLPKT_OK);
		EXPECT_PKT(t, 1, 0, 0, 0, "abc");
		EXPECT_NONE(t);
		ck_assert_uint_eq(sp.retransmits, i);
		ck_assert_uint_eq(solpkt_deadline(&sp), t + RETRY);
		EXPECT_NONE(t + RETRY - 1);
	}
	/* Three retries spent and no bump: dead, and nothing more sent. */
	ck_assert_int_eq(solpkt_tick(&sp, 4 * RETRY - 1), SOLPKT_OK);
	ck_assert_int_eq(solpkt_tick(&sp, 4 * RETRY), SOLPKT_DEAD);
	EXPECT_NONE(4 * RETRY);
	ck_assert_int_eq(solpkt_tick(&sp, 5 * RETRY), SOLPKT_DEAD);
	ck_assert_uint_eq(sp.retransmits, 3);
}
END_TEST

START_TEST(test_retries_zero_dead)
{
	setup_opts(255, 0, false, false);
	write_str("a");
	EXPECT_PKT(0, 1, 0, 0, 0, "a");
	EXPECT_NONE(RETRY);
	ck_assert_int_eq(solpkt_tick(&sp, RETRY), SOLPKT_DEAD);
}
END_TEST

START_TEST(test_bump_seq)
{
	setup_opts(255, 2, true, false);
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_tick(&sp, RETRY), SOLPKT_OK);
	EXPECT_PKT(RETRY, 1, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_tick(&sp, 2 * RETRY), SOLPKT_OK);
	EXPECT_PKT(2 * RETRY, 1, 0, 0, 0, "abc");
	/* Retries spent: once more under the next seq, same bytes. */
	ck_assert_int_eq(solpkt_tick(&sp, 3 * RETRY), SOLPKT_OK);
	EXPECT_PKT(3 * RETRY, 2, 0, 0, 0, "abc");
	EXPECT_NONE(3 * RETRY);
	ck_assert_uint_eq(sp.retransmits, 3);
	/* A late ACK for the old seq means nothing now. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 3, 0), 3 * RETRY + 1),
	    SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 3);
	/* A full second round of retries for seq 2, then dead. */
	ck_assert_int_eq(solpkt_tick(&sp, 4 * RETRY), SOLPKT_OK);
	EXPECT_PKT(4 * RETRY, 2, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_tick(&sp, 5 * RETRY), SOLPKT_OK);
	EXPECT_PKT(5 * RETRY, 2, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_tick(&sp, 6 * RETRY - 1), SOLPKT_OK);
	ck_assert_int_eq(solpkt_tick(&sp, 6 * RETRY), SOLPKT_DEAD);
	EXPECT_NONE(6 * RETRY);
	ck_assert_uint_eq(sp.retransmits, 5);
}
END_TEST

START_TEST(test_bump_then_ack)
{
	setup_opts(255, 1, true, false);
	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	EXPECT_PKT(RETRY, 1, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_tick(&sp, 2 * RETRY), SOLPKT_OK);
	EXPECT_PKT(2 * RETRY, 2, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 3, 0), 2 * RETRY + 5),
	    SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
	/* The next packet gets a fresh set of retries and its own bump. */
	write_str("d");
	EXPECT_PKT(2 * RETRY + 5, 3, 0, 0, 0, "d");
	EXPECT_PKT(3 * RETRY + 5, 3, 0, 0, 0, "d");
	ck_assert_int_eq(solpkt_tick(&sp, 4 * RETRY + 5), SOLPKT_OK);
	EXPECT_PKT(4 * RETRY + 5, 4, 0, 0, 0, "d");
}
END_TEST

START_TEST(test_prime)
{
	setup_opts(255, 3, true, true);
	write_str("ab");
	EXPECT_PKT(0, 1, 0, 0, 0, "");
	EXPECT_NONE(0);		/* the prime is in flight like data */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 0, 0), 1), SOLPKT_OK);
	EXPECT_PKT(1, 2, 0, 0, 0, "ab");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 2, 0), 2), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
}
END_TEST

START_TEST(test_prime_unacked_not_fatal)
{
	setup_opts(255, 2, true, true);
	EXPECT_PKT(0, 1, 0, 0, 0, "");
	write_str("ab");
	EXPECT_NONE(0);
	EXPECT_PKT(RETRY, 1, 0, 0, 0, "");
	EXPECT_PKT(2 * RETRY, 1, 0, 0, 0, "");
	/* Retries spent: no bump and no death, just move on to the data. */
	ck_assert_int_eq(solpkt_tick(&sp, 3 * RETRY), SOLPKT_OK);
	EXPECT_PKT(3 * RETRY, 2, 0, 0, 0, "ab");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 2, 0), 3 * RETRY + 1),
	    SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
	/* Idle with nothing left: the prime leaves no timer behind. */
	ck_assert_uint_eq(solpkt_deadline(&sp), UINT64_MAX);
	ck_assert_int_eq(solpkt_tick(&sp, 100 * RETRY), SOLPKT_OK);
}
END_TEST

START_TEST(test_bmc_data_once)
{
	ck_assert_int_eq(solpkt_input(&sp, PL(5, 0, 0, 0, 'x', 'y', 'z'), 0),
	    SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 3);
	ck_assert_mem_eq(rec.data, "xyz", 3);
	ck_assert_uint_eq(sp.bytes_in, 3);
	EXPECT_PKT(0, 0, 5, 3, 0, "");
	EXPECT_NONE(0);
	/* A pure duplicate: nothing delivered, ACKed again. */
	ck_assert_int_eq(solpkt_input(&sp, PL(5, 0, 0, 0, 'x', 'y', 'z'), 1),
	    SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 3);
	EXPECT_PKT(1, 0, 5, 3, 0, "");
	EXPECT_NONE(1);
	/* The next seq is new data. */
	ck_assert_int_eq(solpkt_input(&sp, PL(6, 0, 0, 0, 'q'), 2), SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 4);
	ck_assert_mem_eq(rec.data, "xyzq", 4);
	EXPECT_PKT(2, 0, 6, 1, 0, "");
	ck_assert_uint_eq(sp.bytes_in, 4);
}
END_TEST

START_TEST(test_bmc_appended_retransmit)
{
	ck_assert_int_eq(solpkt_input(&sp, PL(3, 0, 0, 0, 'a', 'b'), 0),
	    SOLPKT_OK);
	EXPECT_PKT(0, 0, 3, 2, 0, "");
	/* ipmi_sim resends seq 3 with more data appended. */
	ck_assert_int_eq(solpkt_input(&sp, PL(3, 0, 0, 0, 'a', 'b', 'c', 'd'),
	    RETRY), SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 4);
	ck_assert_mem_eq(rec.data, "abcd", 4);
	EXPECT_PKT(RETRY, 0, 3, 4, 0, "");
	/* A shorter copy of the same seq adds nothing. */
	ck_assert_int_eq(solpkt_input(&sp, PL(3, 0, 0, 0, 'a'), RETRY + 1),
	    SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 4);
	EXPECT_PKT(RETRY + 1, 0, 3, 1, 0, "");
	ck_assert_uint_eq(sp.bytes_in, 4);
}
END_TEST

START_TEST(test_bmc_empty_packet_acked)
{
	ck_assert_int_eq(solpkt_input(&sp, PL(7, 0, 0, 0), 0), SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 0);
	EXPECT_PKT(0, 0, 7, 0, 0, "");
	/* An ACK-only packet from the BMC carries nothing to deliver or
	 * ACK, even if it has trailing bytes. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0, 'z'), 1), SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 0);
	EXPECT_NONE(1);
}
END_TEST

START_TEST(test_ack_piggyback)
{
	write_str("q");
	ck_assert_int_eq(solpkt_input(&sp, PL(5, 0, 0, 0, 'x', 'y', 'z'), 0),
	    SOLPKT_OK);
	/* Data goes right away: the ACK rides on it. */
	EXPECT_PKT(0, 1, 5, 3, 0, "q");
	EXPECT_NONE(0);
	/* Now something is in flight: the next ACK goes on its own. */
	write_str("r");
	ck_assert_int_eq(solpkt_input(&sp, PL(6, 0, 0, 0, 'w'), 1), SOLPKT_OK);
	EXPECT_PKT(1, 0, 6, 1, 0, "");
	EXPECT_NONE(1);
	/* And a retransmit does not carry an old ACK. */
	EXPECT_PKT(RETRY, 1, 0, 0, 0, "q");
	/* An ACK for our seq plus BMC data in one packet. */
	ck_assert_int_eq(solpkt_input(&sp, PL(7, 1, 1, 0, 'v'), RETRY + 1),
	    SOLPKT_OK);
	EXPECT_PKT(RETRY + 1, 2, 7, 1, 0, "r");
	ck_assert_mem_eq(rec.data, "xyzwv", 5);
}
END_TEST

START_TEST(test_ack_only_while_paused)
{
	write_str("q");
	EXPECT_PKT(0, 1, 0, 0, 0, "q");
	ck_assert_int_eq(solpkt_input(&sp, PL(4, 1, 1, 0x40, 'k'), 1),
	    SOLPKT_OK);
	ck_assert(sp.paused);
	write_str("r");
	/* Paused for our data, but BMC data is still ACKed. */
	EXPECT_PKT(1, 0, 4, 1, 0, "");
	EXPECT_NONE(1);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0), 2), SOLPKT_OK);
	EXPECT_PKT(2, 2, 0, 0, 0, "r");
}
END_TEST

START_TEST(test_seq_wrap)
{
	for (unsigned i = 0; i < 31; i++) {
		uint8_t want = (uint8_t)(i % 15 + 1);

		write_str("s");
		EXPECT_PKT(i, want, 0, 0, 0, "s");
		ck_assert_int_eq(solpkt_input(&sp, PL(0, want, 1, 0), i),
		    SOLPKT_OK);
	}
	ck_assert_uint_eq(sp.bytes_out, 31);
}
END_TEST

START_TEST(test_break)
{
	solpkt_break(&sp);
	EXPECT_PKT(0, 1, 0, 0, SOLPKT_OP_BREAK, "");
	/* It needs an ACK like data: retransmitted with the bit. */
	write_str("a");
	EXPECT_NONE(0);
	EXPECT_PKT(RETRY, 1, 0, 0, SOLPKT_OP_BREAK, "");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 0, 0), RETRY + 1),
	    SOLPKT_OK);
	/* Once ACKed the next packet has no break. */
	EXPECT_PKT(RETRY + 1, 2, 0, 0, 0, "a");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 2, 1, 0), RETRY + 2),
	    SOLPKT_OK);
	/* With data queued, the break rides on the data packet. */
	write_str("bc");
	solpkt_break(&sp);
	EXPECT_PKT(RETRY + 2, 3, 0, 0, SOLPKT_OP_BREAK, "bc");
}
END_TEST

START_TEST(test_status_callback)
{
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x08), 0), SOLPKT_OK);
	ck_assert_uint_eq(rec.status_calls, 1);
	ck_assert_uint_eq(rec.status, 0x08);
	/* Same bits again, or only bits outside the mask: no call. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x08), 1), SOLPKT_OK);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x8B), 1), SOLPKT_OK);
	ck_assert_uint_eq(rec.status_calls, 1);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x24), 2), SOLPKT_OK);
	ck_assert_uint_eq(rec.status_calls, 2);
	ck_assert_uint_eq(rec.status, 0x24);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x40), 3), SOLPKT_OK);
	ck_assert_uint_eq(rec.status_calls, 3);
	ck_assert_uint_eq(rec.status, 0x40);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0), 4), SOLPKT_OK);
	ck_assert_uint_eq(rec.status_calls, 4);
	ck_assert_uint_eq(rec.status, 0);
	/* Deactivating: reported, and the data still delivered. */
	ck_assert_int_eq(solpkt_input(&sp, PL(2, 0, 0, 0x10, 'z'), 5),
	    SOLPKT_DEACTIVATING);
	ck_assert_uint_eq(rec.status_calls, 5);
	ck_assert_uint_eq(rec.status, 0x10);
	ck_assert_uint_eq(rec.len, 1);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 0, 0, 0x10), 6),
	    SOLPKT_DEACTIVATING);
	ck_assert_uint_eq(rec.status_calls, 5);
}
END_TEST

START_TEST(test_status_cb_may_be_null)
{
	struct solpkt_cb cb = { rec_data, NULL };

	memset(&rec, 0, sizeof(rec));
	solpkt_init(&sp, 255, RETRY, 3, false, false, &cb, &rec);
	ck_assert_int_eq(solpkt_input(&sp, PL(1, 0, 0, 0x20, 'a'), 0),
	    SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 1);
	ck_assert_uint_eq(sp.last_status, 0x20);
}
END_TEST

START_TEST(test_malformed)
{
	static struct solpkt before;

	write_str("abc");
	EXPECT_PKT(0, 1, 0, 0, 0, "abc");
	before = sp;
	/* Too short, even when what is there would be a valid ACK. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 3), 1), -1);
	ck_assert_int_eq(solpkt_input(&sp, PL(5), 1), -1);
	ck_assert_int_eq(solpkt_input(&sp, (const uint8_t *)"", 0, 1), -1);
	ck_assert_int_eq(solpkt_input(&sp, NULL, 8, 1), -1);
	ck_assert_mem_eq(&sp, &before, sizeof(sp));
	ck_assert_uint_eq(rec.len, 0);
	ck_assert_uint_eq(rec.status_calls, 0);
	/* Reserved high nibbles of seq and ack seq are ignored. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0xF0, 0x81, 3, 0), 2), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_pending(&sp), 0);
}
END_TEST

START_TEST(test_emit_small_cap)
{
	uint8_t out[8];

	write_str("0123456789");
	ck_assert_uint_eq(solpkt_emit(&sp, 0, out, 3), 0);
	ck_assert_uint_eq(solpkt_emit(&sp, 0, NULL, 100), 0);
	ck_assert_uint_eq(sp.inflight_seq, 0);
	/* A cap too small for the whole chunk sends a smaller one. */
	ck_assert_uint_eq(solpkt_emit(&sp, 0, out, 6), 6);
	ck_assert_mem_eq(out, "\x01\x00\x00\x00" "01", 6);
	/* A retransmit that does not fit waits for a bigger buffer. */
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 1, 0), 1), SOLPKT_OK);
	ck_assert_uint_eq(solpkt_emit(&sp, 1, out, 8), 8);
	ck_assert_mem_eq(out, "\x02\x00\x00\x00" "1234", 8);
	ck_assert_uint_eq(solpkt_emit(&sp, RETRY + 1, out, 7), 0);
	ck_assert_uint_eq(sp.retransmits, 0);
	ck_assert_uint_eq(solpkt_emit(&sp, RETRY + 1, out, 8), 8);
	ck_assert_uint_eq(sp.retransmits, 1);
}
END_TEST

START_TEST(test_ring_full)
{
	static uint8_t big[SOLPKT_OUT_CAP + 100];
	uint8_t out[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	size_t n;

	fill_pattern(big, sizeof(big), 3);
	ck_assert_uint_eq(solpkt_write(&sp, big, sizeof(big)), SOLPKT_OUT_CAP);
	ck_assert_uint_eq(solpkt_write(&sp, big, 1), 0);
	ck_assert_uint_eq(solpkt_pending(&sp), SOLPKT_OUT_CAP);
	n = solpkt_emit(&sp, 0, out, sizeof(out));
	ck_assert_uint_eq(n, SOLPKT_HDR + 255);
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 100, 0), 1), SOLPKT_OK);
	/* 100 accepted: exactly that much room, and the ring wraps. */
	ck_assert_uint_eq(solpkt_write(&sp, big + SOLPKT_OUT_CAP, 100), 100);
	ck_assert_uint_eq(solpkt_write(&sp, big, 1), 0);
	/* Drain everything and check it comes out in order. */
	{
		static uint8_t got[SOLPKT_OUT_CAP + 100];
		size_t glen = 100;
		uint8_t seq;
		uint64_t t = 2;

		memcpy(got, big, 100);
		while (solpkt_pending(&sp) > 0) {
			n = solpkt_emit(&sp, t, out, sizeof(out));
			ck_assert_uint_gt(n, SOLPKT_HDR);
			memcpy(got + glen, out + SOLPKT_HDR, n - SOLPKT_HDR);
			glen += n - SOLPKT_HDR;
			seq = out[0];
			ck_assert_int_eq(solpkt_input(&sp, PL(0, seq,
			    (uint8_t)(n - SOLPKT_HDR), 0), t), SOLPKT_OK);
			t++;
		}
		ck_assert_uint_eq(glen, sizeof(big));
		ck_assert_mem_eq(got, big, sizeof(big));
	}
}
END_TEST

START_TEST(test_restart_keeps_buffer)
{
	setup_opts(255, 3, false, true);
	EXPECT_PKT(0, 1, 0, 0, 0, "");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 0, 0), 0), SOLPKT_OK);
	write_str("abc");
	EXPECT_PKT(0, 2, 0, 0, 0, "abc");
	ck_assert_int_eq(solpkt_input(&sp, PL(9, 0, 0, 0x20, 'x'), 1),
	    SOLPKT_OK);
	ck_assert(sp.paused);
	solpkt_restart(&sp, true);
	ck_assert(!sp.paused);
	ck_assert_uint_eq(sp.last_status, 0);
	ck_assert_uint_eq(solpkt_pending(&sp), 3);
	/* The ACK owed to the old activation is forgotten; the prime
	 * and then the unaccepted bytes go out from seq 1 again. */
	EXPECT_PKT(5, 1, 0, 0, 0, "");
	ck_assert_int_eq(solpkt_input(&sp, PL(0, 1, 0, 0), 6), SOLPKT_OK);
	EXPECT_PKT(6, 2, 0, 0, 0, "abc");
	/* BMC seq 9 again after re-activation is new data. */
	ck_assert_int_eq(solpkt_input(&sp, PL(9, 0, 0, 0, 'x'), 7), SOLPKT_OK);
	ck_assert_uint_eq(rec.len, 2);
	ck_assert_mem_eq(rec.data, "xx", 2);
}
END_TEST

START_TEST(test_init_clamps)
{
	uint8_t big[300];
	uint8_t out[400];

	fill_pattern(big, sizeof(big), 0);
	solpkt_init(&sp, 0, 0, 3, false, false, NULL, NULL);
	ck_assert_uint_eq(sp.max_chars, 255);
	ck_assert_uint_eq(sp.retry_ms, 1);
	ck_assert_uint_eq(solpkt_write(&sp, big, sizeof(big)), 300);
	ck_assert_uint_eq(solpkt_emit(&sp, 0, out, sizeof(out)), 259);
	/* retry_ms 1: one retransmit per ms, not a loop at one instant. */
	ck_assert_uint_eq(solpkt_emit(&sp, 1, out, sizeof(out)), 259);
	ck_assert_uint_eq(solpkt_emit(&sp, 1, out, sizeof(out)), 0);
	/* No callbacks at all: input must still work. */
	ck_assert_int_eq(solpkt_input(&sp, PL(1, 1, 255, 0x10, 'a'), 2),
	    SOLPKT_DEACTIVATING);
	ck_assert_uint_eq(solpkt_pending(&sp), 45);
}
END_TEST

/*
 * Property test: a solpkt and a small BMC model (ipmi_sim-like: level NACK
 * when its inbound buffer is full, partial accept, retransmits that append
 * data under the same seq) exchange 64 KiB each way over a channel that
 * loses 10%, duplicates 5% and reorders through random latency.
 */
#define PT_STREAM (64 * 1024)
#define PT_QMAX 512
#define PT_BMC_RETRY 100
#define PT_CON_RETRY 100
#define PT_BMC_INBUF 64
#define PT_BMC_OUTBUF 200

struct pt_pkt {
	uint64_t at;
	uint64_t order;
	bool to_bmc;
	size_t len;
	uint8_t b[SOLPKT_HDR + 255];
};

struct pt {
	uint64_t rng;
	uint64_t now;
	struct pt_pkt q[PT_QMAX];
	size_t nq;
	uint64_t order;
	bool bmc_acks_empty;

	struct solpkt sp;
	uint8_t *c_src;		/* console -> BMC stream */
	size_t c_written;
	uint8_t *c_got;		/* BMC -> console, as delivered */
	size_t c_got_len;

	uint8_t *b_src;		/* BMC -> console stream */
	size_t b_produced;
	uint8_t b_out[PT_BMC_OUTBUF];
	size_t b_outlen;
	uint8_t b_seq;
	bool b_waiting;
	uint64_t b_sent_at;
	uint8_t b_last_acked, b_last_acked_len;
	uint8_t b_in[PT_BMC_INBUF];
	size_t b_inlen;
	bool b_was_full;
	uint8_t *b_got;		/* console -> BMC, as accepted */
	size_t b_got_len;
	uint64_t b_last_tx;
	uint64_t nacks_sent, partials;
};

static uint32_t
pt_rand(struct pt *t)
{
	/* xorshift64*: deterministic per seed, good enough to shake things. */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return (uint32_t)((t->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static void
pt_send(struct pt *t, bool to_bmc, const uint8_t *b, size_t len)
{
	int copies = 1;

	ck_assert_uint_le(len, sizeof(t->q[0].b));
	if (pt_rand(t) % 100 < 10)
		return;				/* lost */
	if (pt_rand(t) % 100 < 5)
		copies = 2;			/* duplicated, back to back */
	uint64_t at = t->now + 5 + pt_rand(t) % 11;
	for (int i = 0; i < copies; i++) {
		ck_assert_uint_lt(t->nq, PT_QMAX);
		struct pt_pkt *p = &t->q[t->nq++];

		p->at = at;
		p->order = t->order++;
		p->to_bmc = to_bmc;
		p->len = len;
		memcpy(p->b, b, len);
	}
}

static void
pt_con_data(void *ctx, const uint8_t *buf, size_t len)
{
	struct pt *t = ctx;

	ck_assert_uint_le(t->c_got_len + len, PT_STREAM);
	memcpy(t->c_got + t->c_got_len, buf, len);
	t->c_got_len += len;
}

static uint8_t
pt_bmc_status(const struct pt *t)
{
	return t->b_inlen == PT_BMC_INBUF ? SOLPKT_ST_NACK : 0;
}

static void
pt_bmc_send_data(struct pt *t, bool with_ack)
{
	uint8_t b[SOLPKT_HDR + 255];

	b[0] = t->b_seq;
	b[1] = with_ack ? t->b_last_acked : 0;
	b[2] = with_ack ? t->b_last_acked_len : 0;
	b[3] = pt_bmc_status(t);
	memcpy(b + SOLPKT_HDR, t->b_out, t->b_outlen);
	t->b_waiting = true;
	t->b_sent_at = t->now;
	t->b_last_tx = t->now;
	pt_send(t, false, b, SOLPKT_HDR + t->b_outlen);
}

static void
pt_bmc_send_ack(struct pt *t)
{
	uint8_t b[SOLPKT_HDR] = { 0, t->b_last_acked, t->b_last_acked_len,
	    pt_bmc_status(t) };

	t->b_last_tx = t->now;
	pt_send(t, false, b, sizeof(b));
}

/* The BMC model's handling of one console packet. */
static void
pt_bmc_input(struct pt *t, const uint8_t *b, size_t len)
{
	uint8_t seq = b[0] & 0x0F, ack = b[1] & 0x0F, count = b[2];
	size_t n = len - SOLPKT_HDR, k;
	bool need_ack = false;

	if (seq != 0 && seq == t->b_last_acked) {
		need_ack = true;	/* duplicate: ACK it again */
	} else if (seq != 0 && (n > 0 || t->bmc_acks_empty)) {
		k = n;
		if (k > PT_BMC_INBUF - t->b_inlen)
			k = PT_BMC_INBUF - t->b_inlen;
		/* Now and then take less for no reason, without NACK. */
		if (k > 0 && pt_rand(t) % 100 < 5)
			k = pt_rand(t) % (k + 1);
		if (k < n)
			t->partials++;
		memcpy(t->b_in + t->b_inlen, b + SOLPKT_HDR, k);
		t->b_inlen += k;
		t->b_last_acked = seq;
		t->b_last_acked_len = (uint8_t)k;
		need_ack = true;
		if (pt_bmc_status(t))
			t->nacks_sent++;
	}
	if (ack != 0 && t->b_waiting && ack == t->b_seq) {
		size_t c = count < t->b_outlen ? count : t->b_outlen;

		memmove(t->b_out, t->b_out + c, t->b_outlen - c);
		t->b_outlen -= c;
		t->b_seq = t->b_seq == 15 ? 1 : t->b_seq + 1;
		t->b_waiting = false;
		if (t->b_outlen > 0) {
			pt_bmc_send_data(t, need_ack);
			need_ack = false;
		}
	}
	if (need_ack)
		pt_bmc_send_ack(t);
}

/* One millisecond of BMC life: drain, produce, send, retransmit. */
static void
pt_bmc_step(struct pt *t)
{
	size_t d, room, more;

	d = t->b_inlen < 2 ? t->b_inlen : 2;
	memcpy(t->b_got + t->b_got_len, t->b_in, d);
	t->b_got_len += d;
	memmove(t->b_in, t->b_in + d, t->b_inlen - d);
	t->b_inlen -= d;
	if (t->b_was_full && t->b_inlen < PT_BMC_INBUF)
		pt_bmc_send_ack(t);	/* ipmi_sim: NACK cleared */
	t->b_was_full = t->b_inlen == PT_BMC_INBUF;

	room = PT_BMC_OUTBUF - t->b_outlen;
	more = PT_STREAM - t->b_produced;
	if (more > 16)
		more = 16;
	if (more > room)
		more = room;
	memcpy(t->b_out + t->b_outlen, t->b_src + t->b_produced, more);
	t->b_outlen += more;
	t->b_produced += more;

	if (!t->b_waiting && t->b_outlen > 0)
		pt_bmc_send_data(t, false);
	else if (t->b_waiting && t->now >= t->b_sent_at + PT_BMC_RETRY)
		pt_bmc_send_data(t, false);	/* same seq, maybe longer */
	else if (t->now >= t->b_last_tx + 300)
		pt_bmc_send_ack(t);	/* idle: restate status */
}

static void
pt_deliver(struct pt *t)
{
	for (;;) {
		size_t best = t->nq;

		for (size_t i = 0; i < t->nq; i++) {
			if (t->q[i].at > t->now)
				continue;
			if (best == t->nq || t->q[i].at < t->q[best].at ||
			    (t->q[i].at == t->q[best].at &&
			    t->q[i].order < t->q[best].order))
				best = i;
		}
		if (best == t->nq)
			return;
		struct pt_pkt p = t->q[best];

		t->q[best] = t->q[--t->nq];
		if (p.to_bmc)
			pt_bmc_input(t, p.b, p.len);
		else
			ck_assert_int_ge(solpkt_input(&t->sp, p.b, p.len,
			    t->now), 0);
	}
}

static void
pt_console_step(struct pt *t)
{
	uint8_t out[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	size_t n, chunk;

	chunk = 1 + pt_rand(t) % 300;
	if (chunk > PT_STREAM - t->c_written)
		chunk = PT_STREAM - t->c_written;
	t->c_written += solpkt_write(&t->sp, t->c_src + t->c_written, chunk);
	ck_assert_int_eq(solpkt_tick(&t->sp, t->now), SOLPKT_OK);
	while ((n = solpkt_emit(&t->sp, t->now, out, sizeof(out))) > 0) {
		ck_assert_uint_le(n, sizeof(out));
		pt_send(t, true, out, n);
	}
}

static void
pt_run(uint64_t seed, size_t max_chars, bool acks_empty)
{
	struct pt *t = calloc(1, sizeof(*t));
	struct solpkt_cb cb = { pt_con_data, NULL };

	ck_assert_ptr_nonnull(t);
	t->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	t->bmc_acks_empty = acks_empty;
	t->c_src = malloc(PT_STREAM);
	t->c_got = malloc(PT_STREAM);
	t->b_src = malloc(PT_STREAM);
	t->b_got = malloc(PT_STREAM);
	ck_assert(t->c_src && t->c_got && t->b_src && t->b_got);
	for (size_t i = 0; i < PT_STREAM; i++) {
		t->c_src[i] = (uint8_t)pt_rand(t);
		t->b_src[i] = (uint8_t)pt_rand(t);
	}
	t->b_seq = 6;		/* a BMC need not start at 1 */
	solpkt_init(&t->sp, max_chars, PT_CON_RETRY, 8, true, true, &cb, t);

	for (t->now = 1; t->now < 600000; t->now++) {
		pt_deliver(t);
		pt_console_step(t);
		pt_bmc_step(t);
		if (t->c_got_len == PT_STREAM && t->b_got_len == PT_STREAM &&
		    solpkt_pending(&t->sp) == 0 && t->b_outlen == 0)
			break;
	}
	ck_assert_msg(t->c_got_len == PT_STREAM && t->b_got_len == PT_STREAM,
	    "seed %llu: stalled at %llu ms: BMC->console %zu, "
	    "console->BMC %zu (pending %zu, paused %d)",
	    (unsigned long long)seed, (unsigned long long)t->now,
	    t->c_got_len, t->b_got_len, solpkt_pending(&t->sp), t->sp.paused);
	ck_assert_msg(memcmp(t->c_got, t->b_src, PT_STREAM) == 0,
	    "seed %llu: BMC->console stream corrupted",
	    (unsigned long long)seed);
	ck_assert_msg(memcmp(t->b_got, t->c_src, PT_STREAM) == 0,
	    "seed %llu: console->BMC stream corrupted",
	    (unsigned long long)seed);
	/* The interesting paths were actually taken. */
	ck_assert_uint_gt(t->sp.retransmits, 0);
	if (max_chars > PT_BMC_INBUF)
		ck_assert_uint_gt(t->sp.nacks, 0);
	ck_assert_uint_gt(t->partials, 0);
	ck_assert_uint_eq(t->sp.bytes_out, PT_STREAM);
	ck_assert_uint_eq(t->sp.bytes_in, PT_STREAM);
	free(t->c_src);
	free(t->c_got);
	free(t->b_src);
	free(t->b_got);
	free(t);
}

START_TEST(test_lossy_channel)
{
	/* _i: several seeds and shapes, each its own test. */
	static const struct { size_t max_chars; bool acks_empty; } shape[] = {
		{ 255, true }, { 28, false }, { 100, true }, { 255, false },
	};

	pt_run((uint64_t)_i + 1, shape[_i % 4].max_chars,
	    shape[_i % 4].acks_empty);
}
END_TEST

static Suite *
solpkt_suite(void)
{
	Suite *s = suite_create("solpkt");
	TCase *tc = tcase_create("engine");
	TCase *tp = tcase_create("property");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_write_emit);
	tcase_add_test(tc, test_max_chars_split);
	tcase_add_test(tc, test_full_ack);
	tcase_add_test(tc, test_partial_accept);
	tcase_add_test(tc, test_ipmi_sim_nack);
	tcase_add_test(tc, test_unavailable_pauses);
	tcase_add_test(tc, test_zero_accept_waits);
	tcase_add_test(tc, test_wrong_ack_ignored);
	tcase_add_test(tc, test_ack_count_clamped);
	tcase_add_test(tc, test_retransmit_timing);
	tcase_add_test(tc, test_retries_zero_dead);
	tcase_add_test(tc, test_bump_seq);
	tcase_add_test(tc, test_bump_then_ack);
	tcase_add_test(tc, test_prime);
	tcase_add_test(tc, test_prime_unacked_not_fatal);
	tcase_add_test(tc, test_bmc_data_once);
	tcase_add_test(tc, test_bmc_appended_retransmit);
	tcase_add_test(tc, test_bmc_empty_packet_acked);
	tcase_add_test(tc, test_ack_piggyback);
	tcase_add_test(tc, test_ack_only_while_paused);
	tcase_add_test(tc, test_seq_wrap);
	tcase_add_test(tc, test_break);
	tcase_add_test(tc, test_status_callback);
	tcase_add_test(tc, test_status_cb_may_be_null);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_emit_small_cap);
	tcase_add_test(tc, test_ring_full);
	tcase_add_test(tc, test_restart_keeps_buffer);
	tcase_add_test(tc, test_init_clamps);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tp, 60);
	tcase_add_loop_test(tp, test_lossy_channel, 0, 8);
	suite_add_tcase(s, tp);
	return s;
}

CHECK_MAIN(solpkt_suite)
