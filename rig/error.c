/*
 * error.c - the message behind a failed rig call.
 *
 * Library functions return a negative errno and leave one sentence here that
 * names the path, value or name at fault; tools print it. Thread-local, so
 * concurrent callers do not see each other's messages; never touched from a
 * signal handler.
 */
#include <stdarg.h>
#include <stdio.h>

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
