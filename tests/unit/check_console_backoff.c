/* check_console_backoff.c — reconnect pacing: backoff windows with full jitter, the reset rule, the handshake FIFO. */
#include <check.h>
#include <stdint.h>

#include "tests/checkmain.h"
#include "backoff.h"

START_TEST(test_ceiling_doubles_to_cap)
{
	ck_assert_uint_eq(backoff_ceiling(1000, 300000, 0), 1000);
	ck_assert_uint_eq(backoff_ceiling(1000, 300000, 1), 2000);
	ck_assert_uint_eq(backoff_ceiling(1000, 300000, 5), 32000);
	ck_assert_uint_eq(backoff_ceiling(1000, 300000, 8), 256000);
	ck_assert_uint_eq(backoff_ceiling(1000, 300000, 9), 300000);
	/* Huge attempt counts neither overflow nor pass the cap. */
	ck_assert_uint_eq(backoff_ceiling(1000, 300000, 1000), 300000);
	ck_assert_uint_eq(backoff_ceiling(3000000000u, UINT32_MAX, 40),
	    UINT32_MAX);
	/* A cap below the floor: the floor wins (never a zero window). */
	ck_assert_uint_eq(backoff_ceiling(5000, 1000, 3), 5000);
	ck_assert_uint_eq(backoff_ceiling(0, 0, 0), 1);
}
END_TEST

/* Every delay lies in [floor/2, ceiling(attempt)], and the extremes of
 * the random input reach both ends of the window. */
START_TEST(test_jitter_bounds)
{
	const uint32_t floor = 1000, cap = 60000;
	const uint32_t rnds[] = { 0, 1, 499, 12345, 0x7fffffffu, 0xfffffffeu,
	    UINT32_MAX };
	unsigned a, i;

	for (a = 0; a < 20; a++) {
		uint32_t hi = backoff_ceiling(floor, cap, a);
		uint32_t lo_seen = UINT32_MAX, hi_seen = 0;

		for (i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
			struct backoff b = { .attempt = a };
			uint32_t d = backoff_next(&b, floor, cap, rnds[i]);

			ck_assert_uint_ge(d, floor / 2);
			ck_assert_uint_le(d, hi);
			ck_assert_uint_eq(b.attempt, a + 1);
			if (d < lo_seen)
				lo_seen = d;
			if (d > hi_seen)
				hi_seen = d;
		}
		/* rnd 0 gives the lower bound exactly */
		ck_assert_uint_eq(lo_seen, floor / 2);
		/* and the window is used, not a constant */
		ck_assert_uint_gt(hi_seen, lo_seen);
	}
}
END_TEST

/* rnd = window - 1 lands on the ceiling: the top is reachable. */
START_TEST(test_jitter_top_reachable)
{
	struct backoff b = { .attempt = 3 };
	uint32_t hi = backoff_ceiling(1000, 60000, 3);
	uint32_t d = backoff_next(&b, 1000, 60000, hi - 500);

	ck_assert_uint_eq(hi, 8000);
	ck_assert_uint_eq(d, hi);
}
END_TEST

START_TEST(test_sequence_grows)
{
	struct backoff b = { 0 };
	uint32_t d;
	unsigned i;

	/* With the maximal random value each delay is the ceiling. */
	for (i = 0; i < 12; i++) {
		uint32_t hi = backoff_ceiling(500, 10000, i);

		d = backoff_next(&b, 500, 10000, hi - 250);
		ck_assert_uint_eq(d, hi);
	}
	ck_assert_uint_eq(d, 10000);
}
END_TEST

START_TEST(test_reset_rule)
{
	struct backoff b = { .attempt = 7 };

	/* A link that dropped quickly keeps backing off. */
	ck_assert(!backoff_link_down(&b, 59999, 60000));
	ck_assert_uint_eq(b.attempt, 7);
	ck_assert(!backoff_link_down(&b, 0, 60000));
	ck_assert_uint_eq(b.attempt, 7);
	/* Held long enough: the next wait is back at the floor. */
	ck_assert(backoff_link_down(&b, 60000, 60000));
	ck_assert_uint_eq(b.attempt, 0);
	ck_assert_uint_le(backoff_next(&b, 1000, 300000, UINT32_MAX), 1000);
}
END_TEST

START_TEST(test_gate_fifo)
{
	struct hs_gate g;
	struct hs_wait w[6] = { { 0 } };
	unsigned i;

	hs_gate_init(&g, 2);
	ck_assert(hs_gate_acquire(&g, &w[0]));
	ck_assert(hs_gate_acquire(&g, &w[1]));
	for (i = 2; i < 6; i++)
		ck_assert(!hs_gate_acquire(&g, &w[i]));
	ck_assert_uint_eq(g.inflight, 2);
	ck_assert_uint_eq(g.nqueued, 4);
	/* Nothing free: no grant. */
	ck_assert_ptr_null(hs_gate_grant(&g));
	/* Asking again changes nothing (no double queueing). */
	ck_assert(!hs_gate_acquire(&g, &w[3]));
	ck_assert(hs_gate_acquire(&g, &w[0]));
	ck_assert_uint_eq(g.nqueued, 4);
	ck_assert_uint_eq(g.inflight, 2);

	/* Slots go to waiters in arrival order. */
	hs_gate_release(&g, &w[1]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[2]);
	ck_assert_ptr_null(hs_gate_grant(&g));
	ck_assert(w[2].holding);
	hs_gate_release(&g, &w[0]);
	hs_gate_release(&g, &w[2]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[3]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[4]);
	ck_assert_ptr_null(hs_gate_grant(&g));
	ck_assert_uint_eq(g.inflight, 2);
	ck_assert_uint_eq(g.nqueued, 1);
}
END_TEST

START_TEST(test_gate_no_overtaking)
{
	struct hs_gate g;
	struct hs_wait a = { 0 }, b = { 0 }, c = { 0 };

	hs_gate_init(&g, 1);
	ck_assert(hs_gate_acquire(&g, &a));
	ck_assert(!hs_gate_acquire(&g, &b));
	hs_gate_release(&g, &a);
	/* A slot is free, but b waits: a newcomer queues behind it. */
	ck_assert(!hs_gate_acquire(&g, &c));
	ck_assert_ptr_eq(hs_gate_grant(&g), &b);
	ck_assert_ptr_null(hs_gate_grant(&g));
	hs_gate_release(&g, &b);
	ck_assert_ptr_eq(hs_gate_grant(&g), &c);
}
END_TEST

START_TEST(test_gate_leave_queue)
{
	struct hs_gate g;
	struct hs_wait w[4] = { { 0 } };

	hs_gate_init(&g, 1);
	ck_assert(hs_gate_acquire(&g, &w[0]));
	ck_assert(!hs_gate_acquire(&g, &w[1]));
	ck_assert(!hs_gate_acquire(&g, &w[2]));
	ck_assert(!hs_gate_acquire(&g, &w[3]));
	/* A console removed while waiting leaves the middle of the queue. */
	hs_gate_release(&g, &w[2]);
	ck_assert(!w[2].queued && !w[2].holding);
	ck_assert_uint_eq(g.nqueued, 2);
	/* Releasing an idle node is harmless. */
	hs_gate_release(&g, &w[2]);
	ck_assert_uint_eq(g.inflight, 1);
	hs_gate_release(&g, &w[0]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[1]);
	hs_gate_release(&g, &w[1]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[3]);
	hs_gate_release(&g, &w[3]);
	ck_assert_ptr_null(hs_gate_grant(&g));
	ck_assert_uint_eq(g.inflight, 0);
	ck_assert_uint_eq(g.nqueued, 0);
	ck_assert_ptr_null(g.head);
	ck_assert_ptr_null(g.tail);
}
END_TEST

/* A reload raising max_handshakes lets several waiters go at once. */
START_TEST(test_gate_set_max)
{
	struct hs_gate g;
	struct hs_wait w[5] = { { 0 } };
	unsigned i;

	hs_gate_init(&g, 1);
	ck_assert(hs_gate_acquire(&g, &w[0]));
	for (i = 1; i < 5; i++)
		ck_assert(!hs_gate_acquire(&g, &w[i]));
	hs_gate_set_max(&g, 3);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[1]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[2]);
	ck_assert_ptr_null(hs_gate_grant(&g));
	/* Lowering it takes nothing away; new grants wait for room. */
	hs_gate_set_max(&g, 1);
	hs_gate_release(&g, &w[0]);
	hs_gate_release(&g, &w[1]);
	ck_assert_ptr_null(hs_gate_grant(&g));
	hs_gate_release(&g, &w[2]);
	ck_assert_ptr_eq(hs_gate_grant(&g), &w[3]);
	/* 0 means 1, never a gate that admits nobody. */
	hs_gate_init(&g, 0);
	ck_assert_uint_eq(g.max, 1);
}
END_TEST

static Suite *
backoff_suite(void)
{
	Suite *s = suite_create("console_backoff");
	TCase *tc = tcase_create("backoff");

	tcase_add_test(tc, test_ceiling_doubles_to_cap);
	tcase_add_test(tc, test_jitter_bounds);
	tcase_add_test(tc, test_jitter_top_reachable);
	tcase_add_test(tc, test_sequence_grows);
	tcase_add_test(tc, test_reset_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("gate");
	tcase_add_test(tc, test_gate_fifo);
	tcase_add_test(tc, test_gate_no_overtaking);
	tcase_add_test(tc, test_gate_leave_queue);
	tcase_add_test(tc, test_gate_set_max);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(backoff_suite)
