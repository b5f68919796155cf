/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal checks for the unit tests: print every failure, exit non-zero. */
#pragma once

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_failures, tap_checks;

#define CHECK(cond, ...) do {						\
	tap_checks++;							\
	if (!(cond)) {							\
		tap_failures++;						\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		putchar('\n');						\
	}								\
} while (0)

#define CHECK_EQ(a, b, what) do {					\
	int64_t _a = (int64_t)(a), _b = (int64_t)(b);			\
	CHECK(_a == _b, "%s: got %" PRId64 ", want %" PRId64, (what), _a, _b); \
} while (0)

static inline int tap_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tap_checks, tap_failures);
	return tap_failures ? 1 : 0;
}
