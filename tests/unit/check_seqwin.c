/* check_seqwin.c — sequence window: first packet, edges, duplicates, 0, wrap. */
#include <check.h>

#include "tests/checkmain.h"
#include "seqwin.h"

/* check then mark, as the session layer does; returns what check said. */
static bool
take(struct seqwin *w, uint32_t seq)
{
	bool ok = seqwin_check(w, seq);

	if (ok)
		seqwin_mark(w, seq);
	return ok;
}

START_TEST(test_first_packet)
{
	struct seqwin w;

	seqwin_reset(&w);
	ck_assert(!w.started);
	ck_assert(!seqwin_check(&w, 0));
	ck_assert(seqwin_check(&w, 1));
	ck_assert(seqwin_check(&w, 0x80000000u));
	ck_assert(seqwin_check(&w, 0xffffffffu));
	/* check alone does not start the window. */
	ck_assert(!w.started);
	/* Any first seq sets the base, not only 1. */
	ck_assert(take(&w, 1000));
	ck_assert(w.started);
	ck_assert_uint_eq(w.highest, 1000);
	ck_assert(!seqwin_check(&w, 1000));
}
END_TEST

START_TEST(test_ahead_edge)
{
	struct seqwin w;

	seqwin_reset(&w);
	ck_assert(take(&w, 100));
	ck_assert(seqwin_check(&w, 100 + SEQWIN_AHEAD));
	ck_assert(!seqwin_check(&w, 100 + SEQWIN_AHEAD + 1));
	ck_assert(!seqwin_check(&w, 100 + 1000));
	ck_assert(take(&w, 100 + SEQWIN_AHEAD));
	ck_assert_uint_eq(w.highest, 100 + SEQWIN_AHEAD);
	/* Gaps are fine; the skipped ones remain acceptable. */
	ck_assert(take(&w, 101));
	ck_assert(take(&w, 102));
	ck_assert(!take(&w, 101));
	ck_assert(seqwin_check(&w, 103));
}
END_TEST

START_TEST(test_behind_edge)
{
	struct seqwin w;

	seqwin_reset(&w);
	ck_assert(take(&w, 1000));
	ck_assert(seqwin_check(&w, 1000 - SEQWIN_BEHIND));
	ck_assert(!seqwin_check(&w, 1000 - SEQWIN_BEHIND - 1));
	ck_assert(!seqwin_check(&w, 1));
	ck_assert(take(&w, 1000 - SEQWIN_BEHIND));
	ck_assert(!take(&w, 1000 - SEQWIN_BEHIND));
	/* highest did not move back. */
	ck_assert_uint_eq(w.highest, 1000);
	ck_assert(take(&w, 999));
	ck_assert(!take(&w, 999));
}
END_TEST

START_TEST(test_duplicates)
{
	struct seqwin w;
	uint32_t s;

	seqwin_reset(&w);
	for (s = 1; s <= 200; s++) {
		ck_assert(take(&w, s));
		ck_assert(!take(&w, s));
	}
	/* Everything still inside the window was seen. */
	for (s = 200 - SEQWIN_BEHIND; s <= 200; s++)
		ck_assert(!seqwin_check(&w, s));
	/* Out of order within the window, each exactly once. */
	seqwin_reset(&w);
	ck_assert(take(&w, 50));
	ck_assert(take(&w, 60));
	ck_assert(take(&w, 55));
	ck_assert(take(&w, 45));
	ck_assert(!take(&w, 55));
	ck_assert(!take(&w, 45));
	ck_assert(!take(&w, 50));
	ck_assert(take(&w, 59));
	/* A jump keeps the bitmap consistent: 60 is 8 behind 68. */
	ck_assert(take(&w, 68));
	ck_assert(!take(&w, 60));
	ck_assert(take(&w, 61));
	ck_assert(!take(&w, 55));
	ck_assert(take(&w, 56));
}
END_TEST

START_TEST(test_zero)
{
	struct seqwin w;

	seqwin_reset(&w);
	ck_assert(!take(&w, 0));
	ck_assert(!w.started);
	ck_assert(take(&w, 5));
	ck_assert(!take(&w, 0));
	/* Marking 0 (or anything refused) changes nothing. */
	seqwin_mark(&w, 0);
	seqwin_mark(&w, 5 + SEQWIN_AHEAD + 1);
	ck_assert_uint_eq(w.highest, 5);
	ck_assert(seqwin_check(&w, 4));
	ck_assert(!seqwin_check(&w, 5));
}
END_TEST

START_TEST(test_wrap)
{
	struct seqwin w;

	seqwin_reset(&w);
	ck_assert(take(&w, 0xfffffffeu));
	ck_assert(take(&w, 0xffffffffu));
	/* Senders skip 0: after 0xffffffff comes 1. */
	ck_assert(!seqwin_check(&w, 0));
	ck_assert(take(&w, 1));
	ck_assert_uint_eq(w.highest, 1);
	ck_assert(!take(&w, 0xffffffffu));
	ck_assert(!take(&w, 0xfffffffeu));
	ck_assert(take(&w, 0xfffffffdu));
	ck_assert(seqwin_check(&w, 1 + SEQWIN_AHEAD));
	ck_assert(!seqwin_check(&w, 1 + SEQWIN_AHEAD + 1));
	ck_assert(seqwin_check(&w, (uint32_t)(1 - SEQWIN_BEHIND)));
	ck_assert(!seqwin_check(&w, (uint32_t)(1 - SEQWIN_BEHIND - 1)));
	/* The ahead window reaches across the wrap too. */
	seqwin_reset(&w);
	ck_assert(take(&w, 0xfffffff0u));
	ck_assert(seqwin_check(&w, 0xfffffff0u + SEQWIN_AHEAD));
	ck_assert(!seqwin_check(&w, 0xfffffff0u + SEQWIN_AHEAD + 1));
	ck_assert(take(&w, 5));
	ck_assert(!take(&w, 5));
	ck_assert(take(&w, 0xfffffff1u));
	/* Half the space away is refused both ways. */
	ck_assert(!seqwin_check(&w, 0x80000005u));
	ck_assert(!seqwin_check(&w, 0x80000004u));
}
END_TEST

START_TEST(test_big_jump_clears_bitmap)
{
	struct seqwin w;
	uint32_t s;

	seqwin_reset(&w);
	for (s = 1; s <= 32; s++)
		ck_assert(take(&w, s));
	/* Walk forward by the whole window twice: nothing old lingers. */
	ck_assert(take(&w, 32 + SEQWIN_AHEAD));
	ck_assert(take(&w, 32 + 2 * SEQWIN_AHEAD));
	ck_assert_uint_eq(w.highest, 32 + 2 * SEQWIN_AHEAD);
	for (s = 33; s < 32 + 2 * SEQWIN_AHEAD; s++)
		ck_assert_msg(take(&w, s) == (s >= 32 + 2 * SEQWIN_AHEAD -
		    SEQWIN_BEHIND && s != 32 + SEQWIN_AHEAD), "seq %u", s);
	ck_assert(!take(&w, 32 + SEQWIN_AHEAD));
}
END_TEST

START_TEST(test_reset)
{
	struct seqwin w;

	seqwin_reset(&w);
	ck_assert(take(&w, 7));
	seqwin_reset(&w);
	ck_assert(!w.started);
	ck_assert(take(&w, 7));
	ck_assert(!take(&w, 1000000));
}
END_TEST

static Suite *
seqwin_suite(void)
{
	Suite *s = suite_create("seqwin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_first_packet);
	tcase_add_test(tc, test_ahead_edge);
	tcase_add_test(tc, test_behind_edge);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_zero);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_big_jump_clears_bitmap);
	tcase_add_test(tc, test_reset);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(seqwin_suite)
