/* SPDX-License-Identifier: MIT */
/* Helpers shared by the lib/ modules; never installed. */
#ifndef ICMSG_INTERNAL_H
#define ICMSG_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

#include "icmsg/icmsg.h"

#define ICMSG_EXPORT __attribute__((visibility("default")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUND_UP(x, a) ((((x) + (a) - 1) / (a)) * (a))

/** struct logger - where a module's log lines go, with a name prefix. */
struct logger {
	icmsg_log_fn fn;
	void *userdata;
	const char *prefix;
};

/**
 * log_msg() - format a line and hand it to the logger, if any.
 * The line is "PREFIX: message" when a prefix is set.
 */
void log_msg(const struct logger *log, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** cpu_relax() - a hint inside a busy-wait loop (frees the sibling thread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/** now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

#endif
