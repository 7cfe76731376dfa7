/* SPDX-License-Identifier: MIT */
/* Shared helpers of the test programs: temp dirs, simulated pairs, pumping. */
#ifndef ICMSG_TEST_UTIL_H
#define ICMSG_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmsg/icmsg.h"

/*
 * How many times slower than a plain one this build may run, for bounds
 * on durations: ThreadSanitizer instruments every memory access (and its
 * run is for races, not timing).
 */
#if defined(__SANITIZE_THREAD__)
#define TU_SLOWDOWN 20
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TU_SLOWDOWN 20
#endif
#endif
#ifndef TU_SLOWDOWN
#define TU_SLOWDOWN 1
#endif

/* A pair of instance configs over one backing file, A's tx = B's rx. */
struct tu_pair {
	char dir[256];
	char file[300], ab_fifo[300], ba_fifo[300];
	uint32_t region_size;
	struct icmsg_link_config a, b;
};

/* Make a fresh temp dir. Returns a malloc'd path. */
char *tu_mkdtemp(void);
/* Remove a directory tree made by the tests. */
void tu_rmtree(const char *dir);

/*
 * Fill @p with configs for A and B in a new temp dir: region "ab" at file
 * offset 0, "ba" at offset @region_size, both @region_size bytes; the
 * launcher's zero-filled file and both FIFOs are created (spec 6.3).
 */
void tu_pair_init(struct tu_pair *p, uint32_t region_size, uint32_t dcache,
		  enum icmsg_unbound_mode mode_a, enum icmsg_unbound_mode mode_b);
void tu_pair_cleanup(struct tu_pair *p);

/* Read @size bytes at @offset of @path; asserts on failure. */
void tu_read_at(const char *path, uint64_t offset, void *buf, size_t size);

/*
 * Poll the links' fds and process them until @done(arg) is true or
 * @timeout_ms passes. Returns true if done. NULL entries are skipped.
 */
bool tu_pump(struct icmsg_link **links, size_t n, int timeout_ms, bool (*done)(void *),
	     void *arg);

/* Process each link once, without waiting (doorbells "delivered now"). */
void tu_process_all(struct icmsg_link **links, size_t n);

/* CRC-32/IEEE. */
uint32_t tu_crc32(const void *data, size_t len);

/* Options with a stderr log sink when ICMSG_TEST_VERBOSE is set. */
const struct icmsg_link_options *tu_opts(const struct icmsg_link_callbacks *cb, void *ud);

/* A fast deterministic PRNG (xorshift64*). */
uint64_t tu_rand(uint64_t *state);

#endif
