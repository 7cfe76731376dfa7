/* SPDX-License-Identifier: MIT */
/*
 * doorbell - the two data-less signals of an instance (spec 1.3).
 *
 * tx: ring the peer. rx: a pollable fd that becomes readable when the peer
 * rang us, and a drain call that re-arms it. Signals carry nothing and may
 * be coalesced; callers always drain, then process the whole ring (6.2).
 * For now one backend: named FIFOs (spec 6.2).
 */
#ifndef ICMSG_DOORBELL_H
#define ICMSG_DOORBELL_H

#include <stdbool.h>

#include "internal.h"

struct doorbell;

/** struct doorbell_ops - one doorbell backend. */
struct doorbell_ops {
	const char *name;
	int (*ring)(struct doorbell *db);
	int (*drain)(struct doorbell *db);
	void (*close)(struct doorbell *db);
};

/** struct doorbell - one direction of signalling. */
struct doorbell {
	const struct doorbell_ops *ops;
	int fd;
};

/**
 * doorbell_open() - open the doorbell of @cfg.
 * @create: create a missing FIFO.
 * Return: 0 or a negative errno (logged).
 */
int doorbell_open(struct doorbell *db, const struct icmsg_mbox_config *cfg, bool create,
		  const struct logger *log);

/** doorbell_ring() - signal the peer once. Return: 0 or negative errno. */
static inline int doorbell_ring(struct doorbell *db)
{
	return db->ops->ring(db);
}

/**
 * doorbell_drain() - consume pending signals so the fd stops polling
 * readable. Return: >0 if a signal was pending, 0 if none, <0 on error.
 */
static inline int doorbell_drain(struct doorbell *db)
{
	return db->ops->drain(db);
}

/** doorbell_fd() - the fd to poll for POLLIN (rx direction). */
static inline int doorbell_fd(const struct doorbell *db)
{
	return db->fd;
}

/** doorbell_close() - safe on a zeroed or closed doorbell. */
void doorbell_close(struct doorbell *db);

#endif
