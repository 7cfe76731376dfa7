/* SPDX-License-Identifier: MIT */
/*
 * What the parts of icmsg-cli bench share: one measured case (a forked
 * peer process and what the parent measured) and the transports' runners
 * (bench-lib.c for libicmsg, bench-base.c for the baselines).
 */
#ifndef ICMSG_BENCH_H
#define ICMSG_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How long a side waits for the other before it gives up: a peer that
 * died must not hang the run. */
#define BENCH_STALL_MS 5000

/* The data area of the baseline rings: the largest message the library
 * takes from a 64 KiB region must fit them too. */
#define BENCH_RING_SIZE 65536u

/**
 * struct bench_result - what one case measured in the parent.
 * @msgs:    messages received (stream) or round trips completed (rtt)
 * @ns:      time they took
 * @rtt:     round-trip samples in ns (rtt only); free with free()
 * @n_rtt:   their count
 * @t0, @end: when measuring started and is to end
 * @expect:  stream: the sequence number of the next message
 */
struct bench_result {
	uint64_t msgs;
	uint64_t ns;
	uint64_t *rtt;
	size_t n_rtt;
	size_t cap_rtt;
	uint64_t t0, end;
	uint32_t expect;
};

/**
 * struct bench_case - the shared setup of one case.
 * @dir:         the mkdtemp directory
 * @region:      the shared file of the case
 * @fifo_a, @fifo_b: the two FIFOs (a: parent to child, b: child to parent)
 * @size:        message size
 * @region_size: libicmsg: bytes per region
 * @duration_ms: how long the parent measures
 */
struct bench_case {
	const char *dir;
	char region[256];
	char fifo_a[256];
	char fifo_b[256];
	uint32_t size;
	uint32_t region_size;
	int duration_ms;
};

/** bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/**
 * bench_stream_got() - check and count message @buf (@len bytes) received
 * in a stream from @what; the first starts the clock and is not counted.
 * @return 0, 1 once the case's duration has passed, or -EBADMSG (printed)
 *         if it is cut or out of order.
 */
int bench_stream_got(const struct bench_case *c, struct bench_result *r, const char *what,
		     const uint8_t *buf, size_t len);

/** bench_rtt_start() - start the clock of a round-trip case. */
void bench_rtt_start(const struct bench_case *c, struct bench_result *r);

/** bench_rtt_next() - false once the duration has passed, else *@ret_t = now. */
bool bench_rtt_next(struct bench_result *r, uint64_t *ret_t);

/** bench_add_rtt() - record the round trip started at @t. @return 0 or -ENOMEM. */
int bench_add_rtt(struct bench_result *r, uint64_t t);

/** bench_rtt_done() - set @r's message count and time from its samples. */
void bench_rtt_done(struct bench_result *r);

/** bench_fill() - a message of @len bytes: @seq as its first 4 bytes, then a pattern. */
void bench_fill(uint8_t *buf, size_t len, uint32_t seq);

/** bench_seq() - the sequence number bench_fill() wrote. */
uint32_t bench_seq(const uint8_t *buf);

/** bench_fork() - fork a child that runs @fn(@c) and exits with its result. */
pid_t bench_fork(int (*fn)(const struct bench_case *c), const struct bench_case *c);

/* ---- libicmsg (bench-lib.c) ---- */

/** bench_lib_max() - max_send of a link with @region_size regions, or a negative errno. */
int bench_lib_max(const struct bench_case *c);

/* Each runner forks its peer, measures into @r and reaps the peer;
 * @return 0 or a negative errno after printing why. */
int bench_lib_stream(const struct bench_case *c, struct bench_result *r);
int bench_lib_rtt(const struct bench_case *c, struct bench_result *r);

/* ---- baselines (bench-base.c) ---- */

int bench_ring_stream(const struct bench_case *c, bool doorbell, struct bench_result *r);
int bench_fifo_rtt(const struct bench_case *c, struct bench_result *r);
int bench_seqpacket_stream(const struct bench_case *c, struct bench_result *r);
int bench_seqpacket_rtt(const struct bench_case *c, struct bench_result *r);

/** bench_reap() - SIGKILL @pid and wait for it. */
void bench_reap(pid_t pid);

#endif /* ICMSG_BENCH_H */
