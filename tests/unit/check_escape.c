/* check_escape.c — unit tests for the conserver-style escape parser (common/escape.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "../checkmain.h"

#define E "\x05"	/* ^E */

/*
 * Feed in to a parser in pieces (cut at the offsets in cuts, ascending,
 * ncuts of them) and write a transcript: pass-through bytes as they are,
 * commands as {Q} {B} {H} {O:x} {U:x}, and held bytes flushed at the end
 * as {F:...}.  Every cut must give the same transcript.
 */
static void
transcript(escape *e, const char *in, const size_t *cuts, size_t ncuts,
	   char *ts, size_t tslen)
{
	size_t len = strlen(in), start = 0, k, t = 0;

	ts[0] = '\0';
	for (k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len;

		while (start < end) {
			uint8_t out[64 + ESCAPE_HOLD];
			struct escape_event ev;
			size_t outlen = 999, used;

			ck_assert_uint_le(end - start, 64);
			used = escape_feed(e, (const uint8_t *)in + start,
			    end - start, out, &outlen, &ev);
			ck_assert_uint_le(used, end - start);
			ck_assert_uint_le(outlen, used + ESCAPE_HOLD);
			t += (size_t)snprintf(ts + t, tslen - t, "%.*s",
			    (int)outlen, (const char *)out);
			if (ev.cmd == ESCAPE_NONE)
				ck_assert_uint_eq(used, end - start);
			else if (ev.cmd == ESCAPE_QUIT)
				t += (size_t)snprintf(ts + t, tslen - t, "{Q}");
			else if (ev.cmd == ESCAPE_BREAK)
				t += (size_t)snprintf(ts + t, tslen - t, "{B}");
			else if (ev.cmd == ESCAPE_HELP)
				t += (size_t)snprintf(ts + t, tslen - t, "{H}");
			else if (ev.cmd == ESCAPE_OTHER)
				t += (size_t)snprintf(ts + t, tslen - t,
				    "{O:%c}", ev.ch);
			else
				t += (size_t)snprintf(ts + t, tslen - t,
				    "{U:%c}", ev.ch);
			start += used;
		}
	}
	{
		uint8_t fl[ESCAPE_HOLD];
		size_t n = escape_flush(e, fl);

		ck_assert_uint_eq(escape_held(e), 0);
		if (n > 0)
			snprintf(ts + t, tslen - t, "{F:%.*s}", (int)n,
			    (const char *)fl);
	}
}

struct vec {
	const char *in, *want;
};

static const struct vec vecs[] = {
	{ "plain text", "plain text" },
	{ "", "" },
	{ "ab" E "c.cd", "ab{Q}cd" },
	{ E "cb", "{B}" },
	{ "x" E "c?y", "x{H}y" },
	{ E "cf" E "cs" E "cr", "{O:f}{O:s}{O:r}" },
	{ E "cz", "{U:z}" },
	{ E "cc", E "c" },			/* literal prefix */
	{ E "cc.", E "c." },			/* ... not a quit */
	{ E "x", E "x" },			/* lone ^E passes */
	{ E E "c.", E "{Q}" },			/* first ^E passes */
	{ E E E "x", E E E "x" },
	{ "a" E, "a{F:" E "}" },		/* held at the end */
	{ "a" E "c", "a{F:" E "c}" },
	{ E "C.", E "C." },			/* second byte is exact */
	{ "line\r\n" E "c.", "line\r\n{Q}" },	/* anywhere, also line start */
	{ "mid" E "c.rest" E "cb", "mid{Q}rest{B}" },
};

START_TEST(test_vectors)
{
	const struct vec *v = &vecs[_i];
	escape *e = escape_new(ESCAPE_DEFAULT_CHAR, ESCAPE_DEFAULT_SECOND,
	    "fsr");
	size_t len = strlen(v->in), cut, cut2;
	char whole[256], split[256];

	ck_assert_ptr_nonnull(e);
	transcript(e, v->in, NULL, 0, whole, sizeof(whole));
	ck_assert_str_eq(whole, v->want);
	/* One cut at every byte boundary, then every pair of cuts. */
	for (cut = 0; cut <= len; cut++) {
		transcript(e, v->in, &cut, 1, split, sizeof(split));
		ck_assert_msg(strcmp(split, whole) == 0,
		    "vector %d cut %zu: %s", _i, cut, split);
		for (cut2 = cut; cut2 <= len; cut2++) {
			size_t cuts[2] = { cut, cut2 };

			transcript(e, v->in, cuts, 2, split, sizeof(split));
			ck_assert_str_eq(split, whole);
		}
	}
	escape_free(e);
}
END_TEST

/* "^E c ^E c ." — inside a prefix, ^E is just an unknown command byte. */
START_TEST(test_prefix_then_escape)
{
	escape *e = escape_new(0x05, 'c', NULL);
	char ts[64];

	transcript(e, E "c" E "c.", NULL, 0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "{U:\x05}c.");
	escape_free(e);
}
END_TEST

/* Without extras, f/s/r are unknown, not OTHER. */
START_TEST(test_no_extras)
{
	escape *e = escape_new(0x05, 'c', NULL);
	char ts[64];

	transcript(e, E "cf" E "c.", NULL, 0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "{U:f}{Q}");
	escape_free(e);
}
END_TEST

/* Escape ^] with second ^] as well: the equal-bytes path. */
START_TEST(test_same_bytes)
{
	escape *e = escape_new(0x1d, 0x1d, NULL);
	char ts[64];

	transcript(e, "a\x1d\x1d.b", NULL, 0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "a{Q}b");
	transcript(e, "\x1d\x1d\x1d", NULL, 0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "\x1d\x1d");
	transcript(e, "\x1dx", NULL, 0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "\x1dx");
	escape_free(e);
}
END_TEST

START_TEST(test_custom_prefix)
{
	escape *e = escape_new(0x1d, 'c', NULL);
	char ts[64];

	transcript(e, E "c.\x1d" "c.", NULL, 0, ts, sizeof(ts));
	ck_assert_str_eq(ts, E "c.{Q}");
	escape_free(e);
}
END_TEST

/* The feed stops right after a command: the rest is for the next call. */
START_TEST(test_stops_after_command)
{
	escape *e = escape_new(0x05, 'c', NULL);
	const uint8_t in[] = "ab" E "cbcd";
	uint8_t out[sizeof(in) + ESCAPE_HOLD];
	struct escape_event ev;
	size_t outlen, used;

	used = escape_feed(e, in, sizeof(in) - 1, out, &outlen, &ev);
	ck_assert_uint_eq(used, 5);
	ck_assert_uint_eq(outlen, 2);
	ck_assert_int_eq(memcmp(out, "ab", 2), 0);
	ck_assert_int_eq(ev.cmd, ESCAPE_BREAK);
	ck_assert_int_eq(ev.ch, 'b');
	used = escape_feed(e, in + 5, 2, out, &outlen, &ev);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(ev.cmd, ESCAPE_NONE);
	ck_assert_int_eq(memcmp(out, "cd", 2), 0);
	escape_free(e);
}
END_TEST

/* The output never needs more than len + ESCAPE_HOLD bytes, on any input. */
START_TEST(test_output_bound)
{
	escape *e = escape_new(0x05, 'c', "f");
	static const uint8_t alpha[] = { 0x05, 'c', '.', 'x', 'f', 0x05 };
	unsigned seed = 12345, round;

	for (round = 0; round < 20000; round++) {
		uint8_t in[8], out[8 + ESCAPE_HOLD + 1];
		size_t len = (seed >> 8) % 8 + 1, i, outlen, used, off = 0;
		struct escape_event ev;

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alpha[(seed >> 16) % sizeof(alpha)];
		}
		while (off < len) {
			out[len - off + ESCAPE_HOLD] = 0xEE;	/* canary */
			used = escape_feed(e, in + off, len - off, out,
			    &outlen, &ev);
			ck_assert_uint_le(outlen, len - off + ESCAPE_HOLD);
			ck_assert_uint_eq(out[len - off + ESCAPE_HOLD], 0xEE);
			ck_assert_uint_ge(used, 1);
			off += used;
		}
	}
	escape_free(e);
}
END_TEST

START_TEST(test_new_rejects)
{
	ck_assert_ptr_null(escape_new(0x05, '.', NULL));
	ck_assert_ptr_null(escape_new(0x05, 'b', NULL));
	ck_assert_ptr_null(escape_new(0x05, '?', NULL));
	ck_assert_ptr_null(escape_new(0x05, 'c', "f."));
	ck_assert_ptr_null(escape_new(0x05, 'c', "bq"));
	ck_assert_ptr_null(escape_new(0x05, 'c', "fc"));
	ck_assert_ptr_null(escape_new(0x05, 'c',
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"));
	escape_free(NULL);
}
END_TEST

START_TEST(test_parse_spec)
{
	uint8_t esc = 0, sec = 0;

	ck_assert_int_eq(escape_parse_spec("^E", &esc, &sec), 0);
	ck_assert_uint_eq(esc, 0x05);
	ck_assert_uint_eq(sec, 'c');
	ck_assert_int_eq(escape_parse_spec("^]", &esc, &sec), 0);
	ck_assert_uint_eq(esc, 0x1d);
	ck_assert_uint_eq(sec, 'c');
	ck_assert_int_eq(escape_parse_spec("^e", &esc, &sec), 0);
	ck_assert_uint_eq(esc, 0x05);
	ck_assert_int_eq(escape_parse_spec("^Ex", &esc, &sec), 0);
	ck_assert_uint_eq(esc, 0x05);
	ck_assert_uint_eq(sec, 'x');
	ck_assert_int_eq(escape_parse_spec("^]^]", &esc, &sec), 0);
	ck_assert_uint_eq(esc, 0x1d);
	ck_assert_uint_eq(sec, 0x1d);
	ck_assert_int_eq(escape_parse_spec("^?", &esc, &sec), 0);
	ck_assert_uint_eq(esc, 0x7f);
	ck_assert_int_eq(escape_parse_spec("&", &esc, &sec), 0);
	ck_assert_uint_eq(esc, '&');
	ck_assert_uint_eq(sec, 'c');
	ck_assert_int_eq(escape_parse_spec("^", &esc, &sec), 0);
	ck_assert_uint_eq(esc, '^');
	ck_assert_int_eq(escape_parse_spec("none", &esc, &sec), 1);
	esc = sec = 0;
	ck_assert_int_eq(escape_parse_spec("", &esc, &sec), -1);
	ck_assert_int_eq(escape_parse_spec("^1", &esc, &sec), -1);
	ck_assert_int_eq(escape_parse_spec("^Exy", &esc, &sec), -1);
	ck_assert_int_eq(escape_parse_spec("^E.", &esc, &sec), -1);
	ck_assert_int_eq(escape_parse_spec("^Eb", &esc, &sec), -1);
	ck_assert_uint_eq(esc, 0);	/* untouched on error */
}
END_TEST

START_TEST(test_format)
{
	char buf[12];

	escape_format(0x05, 'c', buf, sizeof(buf));
	ck_assert_str_eq(buf, "^Ec");
	escape_format(0x1d, 0x1d, buf, sizeof(buf));
	ck_assert_str_eq(buf, "^]^]");
	escape_format(0x7f, '&', buf, sizeof(buf));
	ck_assert_str_eq(buf, "^?&");
	escape_format(0x80, 0xff, buf, sizeof(buf));
	ck_assert_str_eq(buf, "\\x80\\xff");
	escape_format(0x05, 'c', buf, 3);
	ck_assert_str_eq(buf, "^E");	/* truncated, terminated */
	escape_format_byte(0x1d, buf, sizeof(buf));
	ck_assert_str_eq(buf, "^]");
	escape_format_byte('c', buf, sizeof(buf));
	ck_assert_str_eq(buf, "c");
	escape_format_byte(0x00, buf, sizeof(buf));
	ck_assert_str_eq(buf, "^@");
}
END_TEST

static Suite *
escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("parser");

	tcase_add_loop_test(tc, test_vectors, 0,
	    (int)(sizeof(vecs) / sizeof(vecs[0])));
	tcase_add_test(tc, test_prefix_then_escape);
	tcase_add_test(tc, test_no_extras);
	tcase_add_test(tc, test_same_bytes);
	tcase_add_test(tc, test_custom_prefix);
	tcase_add_test(tc, test_stops_after_command);
	tcase_add_test(tc, test_output_bound);
	tcase_add_test(tc, test_new_rejects);
	tcase_add_test(tc, test_parse_spec);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(escape_suite)
