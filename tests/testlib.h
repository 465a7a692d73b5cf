/*
 * testlib.h - the one reporting convention of every test binary.
 *
 * Each check prints one line that tests/run counts:
 *   PASS <name>
 *   FAIL <name>: <what was wrong>
 *   SKIP <name>: <why it cannot run here>
 * A binary exits 1 if any check failed, 0 otherwise.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int t_failures;

static inline void __attribute__((format(printf, 1, 2)))
t_pass(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("PASS ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}

/* t_fail("name", "why %d", x) */
static inline void __attribute__((format(printf, 2, 3)))
t_fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL %s: ", name);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
	t_failures++;
}

static inline void __attribute__((format(printf, 2, 3)))
t_skip(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("SKIP %s: ", name);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}

/* One named check: passes when cond holds, else fails with the message. */
#define T_CHECK(cond, name, ...)                                         \
	do {                                                             \
		if (cond)                                                \
			t_pass("%s", name);                              \
		else                                                     \
			t_fail(name, __VA_ARGS__);                       \
	} while (0)

static inline int
t_exit(void)
{
	return t_failures ? 1 : 0;
}

#endif /* TESTLIB_H */
