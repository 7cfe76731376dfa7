/* SPDX-License-Identifier: MIT */
/*
 * icmsgd logging: one line per event on stderr, prefixed with the
 * sd-daemon priority ("<6>link ipc0: bound (magic)") so that journald keeps
 * the level without a library.
 */
#ifndef ICMSGD_LOG_H
#define ICMSGD_LOG_H

#include <syslog.h>

/** Most verbose priority printed (LOG_DEBUG .. LOG_ERR); LOG_INFO by default. */
extern int log_max_priority;

/**
 * log_printf() - print one line at @priority (a syslog level) if it passes
 * log_max_priority.
 */
void log_printf(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * log_line() - print the already formatted @msg at @priority; the log sink
 * handed to libicmsg. @userdata is unused.
 */
void log_line(int priority, const char *msg, void *userdata);

#endif /* ICMSGD_LOG_H */
