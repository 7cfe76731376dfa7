/* SPDX-License-Identifier: MIT */
/*
 * The message exchange of the "qemu" test suite, shared by both ends
 * (qemu-guest inside the VM, ivshmem-host outside): each side sends n
 * messages and receives n from the other, at the same time, verifying the
 * size, content and order of every message. Sizes and contents are derived
 * from (seed, sending side, sequence number), so the receiver knows what
 * to expect without any header in the message.
 */
#ifndef ICMSG_QEMU_EXCHANGE_H
#define ICMSG_QEMU_EXCHANGE_H

#include <stdint.h>
#include <stdio.h>

#include <icmsg/icmsg.h>

enum exchange_side {
	EXCHANGE_GUEST = 0,
	EXCHANGE_HOST = 1,
};

struct exchange_params {
	enum exchange_side side; /**< who we are; the peer is the other one */
	uint64_t n;              /**< messages each way */
	uint64_t seed;
	/**
	 * Largest message, the same on both sides; 0: the link's max_send
	 * (equal on both sides when both use the same ring sizes and
	 * peer-rx-buf-size).
	 */
	uint32_t max_size;
	int bond_timeout_ms;     /**< wait for the bond this long */
	int stall_timeout_ms;    /**< give up after this long without progress */
};

struct exchange_result {
	uint64_t sent, received, bad;
	uint32_t max_size;       /**< the one actually used */
	double seconds;          /**< from the bond to the end of the flush */
	int err;                 /**< 0, or the first failure (negative errno) */
	const char *what;        /**< what failed, for err */
	struct icmsg_link_info info; /**< at the end */
};

/** Defaults: n 10000, seed 1, max_size 0, bond 180 s, stall 60 s. */
void exchange_params_init(struct exchange_params *p, enum exchange_side side);

/* Apply one of the options both programs share: -n N, -s SEED, -M MAX_SIZE. */
void exchange_params_option(struct exchange_params *p, int opt, const char *arg);

/**
 * Wait for the bond, run the exchange, flush. Failures are reported on
 * stderr as they happen (at most a few lines per kind).
 * @return 0 if n messages went each way and all were as expected.
 */
int exchange_run(struct icmsg_link *link, const struct exchange_params *p,
		 struct exchange_result *r);

/**
 * One line: "RESULT side=guest sent=.. received=.. bad=.. doorbells_rung=..
 * doorbells_received=.. seconds=.. max_size=.. ..." (and a newline).
 */
void exchange_print(FILE *f, const struct exchange_params *p, const struct exchange_result *r);

/** "guest" or "host". */
const char *exchange_side_name(enum exchange_side side);

#endif
