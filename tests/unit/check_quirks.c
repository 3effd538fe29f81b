/* check_quirks.c — quirk names: parse, format, round trip, errors. */
#include <check.h>
#include <string.h>

#include "tests/checkmain.h"
#include "sol.h"

static const struct {
	const char *name;
	uint32_t bit;
} names[] = {
	{ "authcap", SOL_Q_AUTHCAP },
	{ "intel20", SOL_Q_INTEL20 },
	{ "supermicro20", SOL_Q_SUPERMICRO20 },
	{ "sun20", SOL_Q_SUN20 },
	{ "opensesspriv", SOL_Q_OPENSESSPRIV },
	{ "integritycheckvalue", SOL_Q_INTEGRITYCHECKVALUE },
	{ "nochecksumcheck", SOL_Q_NOCHECKSUMCHECK },
	{ "solpayloadsize", SOL_Q_SOLPAYLOADSIZE },
	{ "solport", SOL_Q_SOLPORT },
	{ "solstatus", SOL_Q_SOLSTATUS },
	{ "solchannelsupport", SOL_Q_SOLCHANNELSUPPORT },
	{ "serialalertsdeferred", SOL_Q_SERIALALERTSDEFERRED },
	{ "solpacketseq", SOL_Q_SOLPACKETSEQ },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))
#define ALL_BITS ((uint32_t)(SOL_Q_SOLPACKETSEQ << 1) - 1)

START_TEST(test_each_name)
{
	uint32_t q = 0xdeadbeef;
	const char *bad = "x";
	size_t i;

	for (i = 0; i < NNAMES; i++) {
		ck_assert_int_eq(sol_quirks_parse(names[i].name, &q, &bad), 0);
		ck_assert_uint_eq(q, names[i].bit);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

START_TEST(test_list_and_spacing)
{
	uint32_t q = 0;
	const char *bad = NULL;

	ck_assert_int_eq(sol_quirks_parse("opensesspriv,solport", &q, &bad), 0);
	ck_assert_uint_eq(q, SOL_Q_OPENSESSPRIV | SOL_Q_SOLPORT);
	ck_assert_int_eq(sol_quirks_parse("  OpenSessPriv , SOLPORT,sun20 ",
	    &q, &bad), 0);
	ck_assert_uint_eq(q, SOL_Q_OPENSESSPRIV | SOL_Q_SOLPORT | SOL_Q_SUN20);
	ck_assert_int_eq(sol_quirks_parse("solport,solport", &q, &bad), 0);
	ck_assert_uint_eq(q, SOL_Q_SOLPORT);
	ck_assert_int_eq(sol_quirks_parse("\tauthcap\t,\tintel20", &q, &bad),
	    0);
	ck_assert_uint_eq(q, SOL_Q_AUTHCAP | SOL_Q_INTEL20);
}
END_TEST

START_TEST(test_none_default)
{
	uint32_t q = 0;

	ck_assert_int_eq(sol_quirks_parse("none", &q, NULL), 0);
	ck_assert_uint_eq(q, 0);
	ck_assert_int_eq(sol_quirks_parse("default", &q, NULL), 0);
	ck_assert_uint_eq(q, SOL_Q_DEFAULT);
	ck_assert_int_eq(sol_quirks_parse("DEFAULT,solstatus", &q, NULL), 0);
	ck_assert_uint_eq(q, SOL_Q_DEFAULT | SOL_Q_SOLSTATUS);
	/* none clears what came before it, not what follows. */
	ck_assert_int_eq(sol_quirks_parse("default,none", &q, NULL), 0);
	ck_assert_uint_eq(q, 0);
	ck_assert_int_eq(sol_quirks_parse("solport, None ,authcap", &q, NULL),
	    0);
	ck_assert_uint_eq(q, SOL_Q_AUTHCAP);
	/* An empty list is no quirks. */
	q = 5;
	ck_assert_int_eq(sol_quirks_parse("", &q, NULL), 0);
	ck_assert_uint_eq(q, 0);
	q = 5;
	ck_assert_int_eq(sol_quirks_parse("   ", &q, NULL), 0);
	ck_assert_uint_eq(q, 0);
}
END_TEST

START_TEST(test_errors)
{
	const char *list, *bad;
	uint32_t q = 1234;

	list = "opensesspriv,bogus,solport";
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list + 13);
	ck_assert_int_eq(strncmp(bad, "bogus", 5), 0);
	ck_assert_uint_eq(q, 1234);	/* untouched on error */

	list = "solport,  nope  ";
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list + 10);

	list = "solpor";		/* prefix of a name */
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list);
	list = "solports";		/* name plus junk */
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	list = "sol port";
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list);

	list = "solport,,authcap";	/* empty name */
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list + 8);
	list = "solport,";
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list + 8);
	list = ",solport";
	ck_assert_int_eq(sol_quirks_parse(list, &q, &bad), -1);
	ck_assert_ptr_eq(bad, list);
	ck_assert_int_eq(sol_quirks_parse(NULL, &q, &bad), -1);
	/* bad may be NULL. */
	ck_assert_int_eq(sol_quirks_parse("x", &q, NULL), -1);
	ck_assert_uint_eq(q, 1234);
}
END_TEST

START_TEST(test_format)
{
	char buf[512];

	sol_quirks_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
	sol_quirks_format(SOL_Q_DEFAULT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "opensesspriv,solchannelsupport");
	sol_quirks_format(SOL_Q_SOLPACKETSEQ | SOL_Q_AUTHCAP, buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, "authcap,solpacketseq");
	/* Unnamed bits are left out. */
	sol_quirks_format(SOL_Q_SOLPORT | 0x80000000u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "solport");
}
END_TEST

START_TEST(test_format_small_buffer)
{
	char buf[64];
	size_t n;

	memset(buf, 'Z', sizeof(buf));
	sol_quirks_format(SOL_Q_DEFAULT, buf, 13);
	ck_assert_str_eq(buf, "opensesspriv");
	ck_assert_int_eq(buf[13], 'Z');
	sol_quirks_format(SOL_Q_DEFAULT, buf, 12);
	ck_assert_str_eq(buf, "");
	sol_quirks_format(SOL_Q_DEFAULT, buf, 1);
	ck_assert_str_eq(buf, "");
	buf[0] = 'Z';
	sol_quirks_format(SOL_Q_DEFAULT, buf, 0);
	ck_assert_int_eq(buf[0], 'Z');
	sol_quirks_format(0, buf, 4);
	ck_assert_str_eq(buf, "");
	sol_quirks_format(0, buf, 5);
	ck_assert_str_eq(buf, "none");
	/* Never writes past len, whatever len is. */
	for (n = 1; n < sizeof(buf); n++) {
		memset(buf, 'Z', sizeof(buf));
		sol_quirks_format(ALL_BITS, buf, n);
		ck_assert_uint_lt(strlen(buf), n);
		ck_assert_int_eq(buf[n], 'Z');
	}
}
END_TEST

/* format then parse gives back the same bits, for single bits and for
 * a spread of combinations. */
START_TEST(test_roundtrip)
{
	char buf[512];
	uint32_t bits, q;
	const char *bad;
	size_t i;

	for (i = 0; i < NNAMES; i++) {
		sol_quirks_format(names[i].bit, buf, sizeof(buf));
		ck_assert_str_eq(buf, names[i].name);
	}
	for (bits = 0; bits <= ALL_BITS; bits += 37) {
		sol_quirks_format(bits, buf, sizeof(buf));
		ck_assert_int_eq(sol_quirks_parse(buf, &q, &bad), 0);
		ck_assert_uint_eq(q, bits);
	}
	sol_quirks_format(ALL_BITS, buf, sizeof(buf));
	ck_assert_int_eq(sol_quirks_parse(buf, &q, &bad), 0);
	ck_assert_uint_eq(q, ALL_BITS);
}
END_TEST

static Suite *
quirks_suite(void)
{
	Suite *s = suite_create("quirks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_each_name);
	tcase_add_test(tc, test_list_and_spacing);
	tcase_add_test(tc, test_none_default);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_small_buffer);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(quirks_suite)
