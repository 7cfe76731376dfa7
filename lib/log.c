// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <time.h>

#include "internal.h"

void log_msg(const struct logger *log, int priority, const char *fmt, ...)
{
	char line[512];
	int n = 0;
	va_list ap;

	if (!log || !log->fn)
		return;
	if (log->prefix && log->prefix[0])
		n = snprintf(line, sizeof(line), "%s: ", log->prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	log->fn(priority, line, log->userdata);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

ICMSG_EXPORT const char *icmsg_version_string(void)
{
	return ICMSG_VERSION;
}
