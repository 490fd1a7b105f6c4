/*
 * tap.h - the tiny assertion helper of the unit tests.
 *
 * CHECK(cond) records a failure with file and line and goes on;
 * CHECK_STR(a, b) compares two C strings.  DONE() prints
 * "N passed, M failed" and returns the exit status for main().
 */
#ifndef SPFC_TAP_H
#define SPFC_TAP_H

#include <stdio.h>
#include <string.h>

static unsigned tap_pass, tap_fail;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (cond) {                                                \
			tap_pass++;                                        \
		} else {                                                   \
			tap_fail++;                                        \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__,   \
				__LINE__, #cond);                          \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *tap_a = (a), *tap_b = (b);                     \
		if (tap_a && tap_b && strcmp(tap_a, tap_b) == 0) {         \
			tap_pass++;                                        \
		} else {                                                   \
			tap_fail++;                                        \
			fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, tap_a ? tap_a : "(null)", \
				tap_b ? tap_b : "(null)");                 \
		}                                                          \
	} while (0)

#define DONE()                                                             \
	(printf("%u passed, %u failed\n", tap_pass, tap_fail),             \
	 tap_fail ? 1 : 0)

#endif
