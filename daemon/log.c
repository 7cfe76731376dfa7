// SPDX-License-Identifier: MIT
/*
 * icmsgd logging, see log.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int log_max_priority = LOG_INFO;

/*
 * One write(2) per line: stderr is unbuffered, and a line cut into pieces
 * could interleave with the output of another process on the same journal
 * stream, or lose its prefix.
 */
static void emit(int priority, const char *msg)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "<%d>%s\n", priority & LOG_PRIMASK, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report it. */
	}
}

void log_printf(int priority, const char *fmt, ...)
{
	char msg[1000];
	va_list ap;

	if ((priority & LOG_PRIMASK) > log_max_priority)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(priority, msg);
}

void log_line(int priority, const char *msg, void *userdata)
{
	(void)userdata;
	if ((priority & LOG_PRIMASK) > log_max_priority)
		return;
	emit(priority, msg);
}
