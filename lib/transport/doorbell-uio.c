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

static int uio_drain(struct doorbell *db)
{
	uint32_t count, delta;
	int events = 0, err;
	bool ours = true;
	ssize_t n;

	for (;;) {
		n = read(db->fd, &count, sizeof(count));
		if (n == (ssize_t)sizeof(count)) {
			/* The count is cumulative and several interrupts may
			 * coalesce; the first read after open has no base. */
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
			break;
		return n < 0 ? -errno : -EIO;
	}
	if (!events)
		return 0;

	/* A shared interrupt: only our channel's bits are ours to ack. The
	 * caller checks the ring either way, so a wrong guess costs nothing. */
	if (db->status.enabled &&
	    !(region_reg_read(&db->regs, db->status.offset, db->status.width) & db->status.value))
		ours = false;
	if (ours)
		doorbell_reg_apply(db, &db->ack);
	/* Ack before re-arming: a level interrupt would fire again at once. */
	if (db->irq_rearm) {
		err = uio_rearm(db);
		if (err < 0)
			return err;
	}
	return ours ? events : 0;
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
	db->irq_rearm = cfg->irq_rearm;
	err = doorbell_regs_open(db, cfg, log);
	if (err < 0)
		goto err_close;
	/* The mailbox side first (unmask our channel), then the kernel side.
	 * Re-arm once now: a previous user may have left the interrupt
	 * disabled after its last event. */
	for (size_t i = 0; i < ARRAY_SIZE(db->enable); i++)
		doorbell_reg_apply(db, &db->enable[i]);
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
