/*
 * unit.h - shared glue for Check unit tests.
 *
 * UNIT_MAIN(suite_fn) defines main(): runs the suite, returns failure if
 * any test failed.  CK_RUN_CASE / CK_RUN_SUITE narrow the run and
 * CK_FORK=no runs in one process for a debugger (see README.md).
 */
#ifndef CAIRN_TEST_UNIT_H
#define CAIRN_TEST_UNIT_H

#include <check.h>
#include <stdlib.h>

#define UNIT_MAIN(suite_fn)                                                                        \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *sr = srunner_create(suite_fn());                                          \
		srunner_run_all(sr, CK_NORMAL);                                                    \
		int failed = srunner_ntests_failed(sr);                                            \
		srunner_free(sr);                                                                  \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
	}

#endif
