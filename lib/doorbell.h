/* SPDX-License-Identifier: MIT */
/*
 * doorbell - the two data-less signals of an instance (spec 1.3).
 *
 * tx: ring the peer. rx: a pollable fd that becomes readable when the peer
 * rang us, and a drain call that re-arms it. Signals carry nothing and may
 * be coalesced; callers always drain, then process the whole ring (6.2).
 * Backends (lib/transport/): named FIFOs (spec 6.2), eventfds, a UIO
 * device's interrupt (rx) and a mailbox register write (tx).
 */
#ifndef ICMSG_DOORBELL_H
#define ICMSG_DOORBELL_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "region.h"

struct doorbell;

/** struct doorbell_ops - one doorbell backend. */
struct doorbell_ops {
	const char *name;
	int (*ring)(struct doorbell *db);
	int (*drain)(struct doorbell *db);
	int (*tick)(struct doorbell *db, uint64_t now); /* optional */
	void (*close)(struct doorbell *db);
};

/**
 * struct doorbell - one direction of signalling.
 * @fd: the fd to poll (rx), or the fd written to (FIFO, eventfd tx); -1 if none
 * @regs: register window (MMIO, UIO interrupt status/ack)
 * @irq_count: the UIO interrupt count last read, valid once @irq_counted
 * @rearm_at: when doorbell_tick() re-arms an interrupt it deferred, or 0
 * @log: the owner's logger, for problems found while draining
 */
struct doorbell {
	const struct doorbell_ops *ops;
	int fd;
	struct region regs;
	struct icmsg_mbox_reg write, status, ack;
	struct icmsg_mbox_reg enable[ICMSG_MBOX_ENABLE_MAX];
	uint32_t irq_count;
	bool irq_counted, irq_rearm, foreign_logged;
	uint64_t rearm_at, foreign_backoff; /* deferred re-arm, CLOCK_MONOTONIC ns */
	const struct logger *log;
};

/**
 * doorbell_open() - open the doorbell of @cfg.
 * @create: create a missing FIFO.
 * Return: 0 or a negative errno (logged).
 */
int doorbell_open(struct doorbell *db, const struct icmsg_mbox_config *cfg, bool create,
		  const struct logger *log);

/**
 * doorbell_probe() - check that the doorbell of @cfg can be opened,
 * without opening it. Return: 0, -EOPNOTSUPP (no UIO or /dev/mem on this
 * machine) or a negative errno; problems are logged as errors.
 */
int doorbell_probe(const struct icmsg_mbox_config *cfg, bool create, const struct logger *log);

/**
 * doorbell_uio_attach() - make @db the UIO interrupt doorbell of @cfg on
 * the already-open @fd (taken over), with its register window opened. The
 * seam that lets tests feed interrupt counts through a socketpair.
 * Return: 0 or a negative errno (@fd is closed).
 */
int doorbell_uio_attach(struct doorbell *db, int fd, const struct icmsg_mbox_config *cfg,
			const struct logger *log);

/** doorbell_ring() - signal the peer once. Return: 0 or negative errno. */
static inline int doorbell_ring(struct doorbell *db)
{
	return db->ops->ring(db);
}

/**
 * doorbell_drain() - consume pending signals so the fd stops polling
 * readable. Return: the number of signals seen (>0; coalesced signals may
 * count once), 0 if none, <0 on error.
 */
static inline int doorbell_drain(struct doorbell *db)
{
	return db->ops->drain(db);
}

/** doorbell_deadline() - when doorbell_tick() is due (CLOCK_MONOTONIC ns), 0 if never. */
static inline uint64_t doorbell_deadline(const struct doorbell *db)
{
	return db->rearm_at;
}

/** doorbell_tick() - do deferred work that is due. Return: 0 or negative errno. */
static inline int doorbell_tick(struct doorbell *db, uint64_t now)
{
	return db->ops && db->ops->tick ? db->ops->tick(db, now) : 0;
}

/** doorbell_fd() - the fd to poll for POLLIN (rx direction). */
static inline int doorbell_fd(const struct doorbell *db)
{
	return db->fd;
}

/** doorbell_close() - safe on a zeroed or closed doorbell. */
void doorbell_close(struct doorbell *db);

#endif
