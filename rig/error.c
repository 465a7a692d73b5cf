/*
 * error.c - the message behind a failed rig call, and what a handler may say.
 *
 * Library functions return a negative errno and leave one sentence here that
 * names the path, value or name at fault; tools print it. Thread-local, so
 * concurrent callers do not see each other's messages; never touched from a
 * signal handler. Handlers that must say something use rig_say (write(2)).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static __thread char rig_msg[512] = "no error";

const char *
rig_error(void)
{
	return rig_msg;
}

int
rig_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rig_msg, sizeof rig_msg, fmt, ap);
	va_end(ap);
	return -err;
}

/* Inside signal handlers, where stdio is not safe: write(2) only. */
void
rig_say(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

void
rig_say_hex(uint64_t v)
{
	char b[19];
	int i = 18;

	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	rig_say(b + i);
}
