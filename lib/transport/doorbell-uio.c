// SPDX-License-Identifier: MIT
/*
 * Doorbell backend: the peer's signal arrives as the interrupt of a UIO
 * device (a mailbox channel). /dev/uioN polls readable when the interrupt
 * count changed; a 4-byte read returns the cumulative count, and writing a
 * 4-byte 1 re-enables an interrupt the driver disabled in its handler
 * (uio_pdrv_genirq does). Mailboxes that share one interrupt among
 * channels get an optional status register to tell ours from others', and
 * an acknowledge write before re-arming.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"
#include "uio.h"

static int uio_rearm(struct doorbell *db)
{
	const uint32_t one = 1;
	ssize_t n;

	do
		n = write(db->fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(one))
		return 0;
	return n < 0 ? -errno : -EIO;
}

/*
 * Re-arm deferral for an interrupt that keeps firing for another channel:
 * its owner re-arms at once if it runs (every open /dev/uioN is woken by
 * every interrupt, whoever re-armed it), so ours can wait. If the owner is
 * gone and a level-triggered source stays asserted, re-arming at once
 * would spin this process; instead the wait doubles up to the cap, which
 * is also the most a signal of ours can then be delayed.
 */
#define FOREIGN_BACKOFF_MIN_NS 1000000ull   /* 1 ms */
#define FOREIGN_BACKOFF_MAX_NS 128000000ull /* 128 ms */

/* Read the cumulative count until nothing is pending. Return: new interrupts. */
static int uio_read_events(struct doorbell *db)
{
	uint32_t count, delta;
	int events = 0;
	ssize_t n;

	for (;;) {
		n = read(db->fd, &count, sizeof(count));
		if (n == (ssize_t)sizeof(count)) {
			/* Several interrupts may coalesce; the first read after
			 * open has no base. */
			delta = db->irq_counted ? count - db->irq_count : 1;
			db->irq_count = count;
			db->irq_counted = true;
			if (delta == 0)
				delta = 1;
			events = delta > (uint32_t)(INT_MAX - events) ? INT_MAX
								       : events + (int)delta;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return events;
		/* EIO: the device has no interrupt; 0 or short: not a UIO fd. */
		return n < 0 ? -errno : -EIO;
	}
}

static bool uio_status_ours(struct doorbell *db)
{
	return !db->status.enabled ||
	       (region_reg_read(&db->regs, db->status.offset, db->status.width) &
		db->status.value);
}

static int uio_drain(struct doorbell *db)
{
	int events, err;
	bool ours;

	events = uio_read_events(db);
	if (events <= 0)
		return events;

	/* A shared interrupt: only our channel's bits are ours to ack. The
	 * caller checks the ring either way, so a wrong guess costs nothing. */
	ours = uio_status_ours(db);
	if (ours) {
		doorbell_reg_apply(db, &db->ack);
		/* The ack must reach the mailbox before we look at the ring:
		 * a signal raised after our read of wr_idx must not be the one
		 * the ack clears (spec 6.2's drain-then-process rule). */
		region_io_mb();
		db->foreign_backoff = 0;
		db->rearm_at = 0;
	} else if (db->irq_rearm) {
		db->foreign_backoff = db->foreign_backoff ? db->foreign_backoff * 2
							  : FOREIGN_BACKOFF_MIN_NS;
		if (db->foreign_backoff > FOREIGN_BACKOFF_MAX_NS) {
			db->foreign_backoff = FOREIGN_BACKOFF_MAX_NS;
			if (!db->foreign_logged)
				log_msg(db->log, LOG_WARNING,
					"the UIO interrupt keeps firing for another channel and "
					"nobody acknowledges it: re-arming it every %llu ms",
					FOREIGN_BACKOFF_MAX_NS / 1000000ull);
			db->foreign_logged = true;
		}
		db->rearm_at = now_ns() + db->foreign_backoff;
		return 0;
	}
	/* Ack before re-arming: a level interrupt would fire again at once. */
	if (db->irq_rearm) {
		err = uio_rearm(db);
		if (err < 0)
			return err;
	}
	return ours ? events : 0;
}

static int uio_tick(struct doorbell *db, uint64_t now)
{
	if (!db->rearm_at || now < db->rearm_at)
		return 0;
	db->rearm_at = 0;
	return uio_rearm(db);
}

/* An interrupt only receives; the config check refuses it for tx. */
static int uio_ring(struct doorbell *db)
{
	(void)db;
	return -EOPNOTSUPP;
}

static const struct doorbell_ops uio_ops = {
	.name = "uio",
	.ring = uio_ring,
	.drain = uio_drain,
	.tick = uio_tick,
};

int doorbell_uio_attach(struct doorbell *db, int fd, const struct icmsg_mbox_config *cfg,
			const struct logger *log)
{
	int err, flags;

	memset(db, 0, sizeof(*db));
	db->fd = -1;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	db->fd = fd;
	db->log = log;
	db->irq_rearm = cfg->irq_rearm;
	err = doorbell_regs_open(db, cfg, log);
	if (err < 0)
		goto err_close;
	/* A device without an interrupt fails every read with EIO; say so now
	 * rather than on the first wake-up. A count here is simply a base. */
	err = uio_read_events(db);
	if (err < 0) {
		log_msg(log, LOG_ERR, "cannot read the UIO interrupt count: %s%s", strerror(-err),
			err == -EIO ? " (the device has no interrupt)" : "");
		goto err_close;
	}
	/* The mailbox side first (unmask our channel, acknowledge what a
	 * previous user left pending: an edge-triggered source would not
	 * fire again), then the kernel side. Re-arm once now: a previous
	 * user may have left the interrupt disabled after its last event. */
	for (size_t i = 0; i < ARRAY_SIZE(db->enable); i++)
		doorbell_reg_apply(db, &db->enable[i]);
	if (db->status.enabled && uio_status_ours(db))
		doorbell_reg_apply(db, &db->ack);
	region_io_mb();
	if (db->irq_rearm) {
		err = uio_rearm(db);
		if (err == -ENOSYS) {
			log_msg(log, LOG_NOTICE,
				"the UIO driver has no interrupt control: not re-arming");
			db->irq_rearm = false;
		} else if (err < 0) {
			log_msg(log, LOG_ERR, "cannot enable the UIO interrupt: %s%s",
				strerror(-err), err == -EIO ? " (the device has no interrupt)" : "");
			goto err_close;
		}
	}
	db->ops = &uio_ops;
	return 0;

err_close:
	region_close(&db->regs);
	close(fd);
	db->fd = -1;
	return err;
}

int doorbell_uio_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
		      const struct logger *log)
{
	char path[512];
	unsigned int n;
	int fd, err;

	err = uio_find_device(cfg->uio_device, &n, log);
	if (err < 0)
		return err;
	err = uio_dev_path(n, path, sizeof(path));
	if (err < 0)
		return err;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "%s: cannot open: %s", path, strerror(-err));
		return err;
	}
	return doorbell_uio_attach(db, fd, cfg, log);
}

int doorbell_uio_probe(const struct icmsg_mbox_config *cfg, const struct logger *log)
{
	unsigned int n;
	int err;

	err = uio_find_device(cfg->uio_device, &n, log);
	if (err == -ENODEV)
		return -EOPNOTSUPP;
	if (err < 0)
		return err;
	err = uio_probe_dev(n, log);
	if (err < 0)
		return err;
	return doorbell_regs_probe(cfg, log);
}
