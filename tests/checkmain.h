/* checkmain.h — the main() every Check test binary shares: run one suite, exit by result. */
#ifndef IPMUX_TESTS_CHECKMAIN_H
#define IPMUX_TESTS_CHECKMAIN_H

#include <check.h>
#include <stdlib.h>

/* Use once per test binary: CHECK_MAIN(make_suite) where
 * make_suite is a Suite *(*)(void). CK_RUN_SUITE / CK_RUN_CASE and
 * CK_FORK from the environment work as Check documents. */
#define CHECK_MAIN(suite_fn)                                              \
	int main(void)                                                    \
	{                                                                 \
		SRunner *sr = srunner_create(suite_fn());                 \
		srunner_run_all(sr, CK_NORMAL);                           \
		int failed = srunner_ntests_failed(sr);                   \
		srunner_free(sr);                                         \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;         \
	}

#endif
