/* check_ring.c — unit tests for the scrollback ring (conserver/ring.c). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "../checkmain.h"

/* A reference model: every byte ever written, so any tail can be checked
 * against the plain suffix of the stream. */
struct model {
	uint8_t *all;
	size_t len;
};

static void
both_write(ring *r, struct model *m, const uint8_t *buf, size_t len)
{
	m->all = realloc(m->all, m->len + len + 1);
	ck_assert_ptr_nonnull(m->all);
	memcpy(m->all + m->len, buf, len);
	m->len += len;
	ring_write(r, buf, len);
}

/* Every tail length 0..cap+2 must equal the model's suffix. */
static void
check_all_tails(const ring *r, const struct model *m, size_t cap)
{
	uint8_t *dst = malloc(cap + 3);
	size_t n, want_len = m->len < cap ? m->len : cap;

	ck_assert_ptr_nonnull(dst);
	ck_assert_uint_eq(ring_total(r), m->len);
	ck_assert_uint_eq(ring_len(r), want_len);
	for (n = 0; n <= cap + 2; n++) {
		size_t want = n < want_len ? n : want_len, got;

		memset(dst, 0xEE, cap + 3);
		got = ring_tail(r, n, dst);
		ck_assert_uint_eq(got, want);
		ck_assert_mem_eq(dst, m->all + m->len - want, want);
		/* Nothing past the copied bytes is touched. */
		if (got < cap + 3)
			ck_assert_uint_eq(dst[got], 0xEE);
	}
	free(dst);
}

static void
fill(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

START_TEST(test_empty)
{
	ring *r = ring_new(16);
	uint8_t dst[4] = { 1, 2, 3, 4 };

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(ring_total(r), 0);
	ck_assert_uint_eq(ring_len(r), 0);
	ck_assert_uint_eq(ring_tail(r, 4, dst), 0);
	ck_assert_uint_eq(dst[0], 1);
	ring_write(r, (const uint8_t *)"", 0);
	ck_assert_uint_eq(ring_total(r), 0);
	ring_free(r);
	ring_free(NULL);
}
END_TEST

START_TEST(test_partial_then_wrap)
{
	ring *r = ring_new(10);
	struct model m = { 0 };

	both_write(r, &m, (const uint8_t *)"abcd", 4);
	check_all_tails(r, &m, 10);
	both_write(r, &m, (const uint8_t *)"efghij", 6);	/* exactly full */
	check_all_tails(r, &m, 10);
	ck_assert_uint_eq(ring_len(r), 10);
	both_write(r, &m, (const uint8_t *)"klm", 3);	/* wraps */
	check_all_tails(r, &m, 10);
	{
		uint8_t dst[10];

		ck_assert_uint_eq(ring_tail(r, 10, dst), 10);
		ck_assert_mem_eq(dst, "defghijklm", 10);
	}
	ring_free(r);
	free(m.all);
}
END_TEST

START_TEST(test_exact_cap_write)
{
	ring *r = ring_new(8);
	struct model m = { 0 };
	uint8_t buf[8];

	fill(buf, sizeof(buf), 1);
	both_write(r, &m, buf, 8);
	check_all_tails(r, &m, 8);
	both_write(r, &m, (const uint8_t *)"xyz", 3);
	fill(buf, sizeof(buf), 2);
	both_write(r, &m, buf, 8);	/* exact cap from a non-zero head */
	check_all_tails(r, &m, 8);
	ring_free(r);
	free(m.all);
}
END_TEST

START_TEST(test_write_larger_than_cap)
{
	ring *r = ring_new(7);
	struct model m = { 0 };
	uint8_t buf[100];

	both_write(r, &m, (const uint8_t *)"ab", 2);
	fill(buf, sizeof(buf), 3);
	both_write(r, &m, buf, sizeof(buf));
	check_all_tails(r, &m, 7);
	both_write(r, &m, (const uint8_t *)"Q", 1);
	check_all_tails(r, &m, 7);
	ck_assert_uint_eq(ring_total(r), 103);
	ring_free(r);
	free(m.all);
}
END_TEST

/* Random-ish write sizes against the model, across many wraps. */
START_TEST(test_many_sizes)
{
	static const size_t caps[] = { 1, 2, 3, 5, 16, 17, 64 };
	size_t c;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		ring *r = ring_new(caps[c]);
		struct model m = { 0 };
		unsigned k, x = 12345;

		ck_assert_ptr_nonnull(r);
		for (k = 0; k < 300; k++) {
			uint8_t buf[150];
			size_t len;

			x = x * 1103515245u + 12345u;
			len = (x >> 16) % (caps[c] * 2 + 3);
			fill(buf, len, k);
			both_write(r, &m, buf, len);
			check_all_tails(r, &m, caps[c]);
		}
		ring_free(r);
		free(m.all);
	}
}
END_TEST

START_TEST(test_zero_cap)
{
	ring *r = ring_new(0);
	uint8_t dst[4];

	ck_assert_ptr_nonnull(r);
	ring_write(r, (const uint8_t *)"hello", 5);
	ck_assert_uint_eq(ring_total(r), 5);
	ck_assert_uint_eq(ring_len(r), 0);
	ck_assert_uint_eq(ring_tail(r, 4, dst), 0);
	ring_free(r);
}
END_TEST

/* The offset keeps counting past 4 GiB worth of bytes without holding them. */
START_TEST(test_total_offset)
{
	ring *r = ring_new(4096);
	uint8_t *big = calloc(1, 1 << 20), dst[4096];
	unsigned k;

	ck_assert_ptr_nonnull(big);
	for (k = 0; k < 4200; k++) {
		big[0] = (uint8_t)k;
		big[(1 << 20) - 1] = (uint8_t)(k + 1);
		ring_write(r, big, 1 << 20);
	}
	ck_assert_uint_eq(ring_total(r), (uint64_t)4200 << 20);
	ck_assert_uint_gt(ring_total(r), UINT32_MAX);
	ck_assert_uint_eq(ring_tail(r, 1, dst), 1);
	ck_assert_uint_eq(dst[0], (uint8_t)4200);
	free(big);
	ring_free(r);
}
END_TEST

static Suite *
ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_partial_then_wrap);
	tcase_add_test(tc, test_exact_cap_write);
	tcase_add_test(tc, test_write_larger_than_cap);
	tcase_add_test(tc, test_many_sizes);
	tcase_add_test(tc, test_zero_cap);
	tcase_add_test(tc, test_total_offset);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ring_suite)
