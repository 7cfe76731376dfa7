// SPDX-License-Identifier: MIT
/* Doorbells: backend dispatch. The backends live in lib/transport/. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "doorbell.h"
#include "transport/transport.h"

static void doorbell_reset(struct doorbell *db)
{
	memset(db, 0, sizeof(*db));
	db->fd = -1;
}

int doorbell_open(struct doorbell *db, const struct icmsg_mbox_config *cfg, bool create,
		  const struct logger *log)
{
	doorbell_reset(db);
	switch (cfg->type) {
	case ICMSG_MBOX_FIFO:
		return doorbell_fifo_open(db, cfg, create, log);
	case ICMSG_MBOX_EVENTFD:
		return doorbell_eventfd_open(db, cfg, log);
	case ICMSG_MBOX_UIO_IRQ:
		return doorbell_uio_open(db, cfg, log);
	case ICMSG_MBOX_MMIO:
		return doorbell_mmio_open(db, cfg, log);
	}
	return -EINVAL;
}

int doorbell_probe(const struct icmsg_mbox_config *cfg, bool create, const struct logger *log)
{
	switch (cfg->type) {
	case ICMSG_MBOX_FIFO:
		return doorbell_fifo_probe(cfg, create, log);
	case ICMSG_MBOX_EVENTFD:
		return doorbell_eventfd_probe(cfg, log);
	case ICMSG_MBOX_UIO_IRQ:
		return doorbell_uio_probe(cfg, log);
	case ICMSG_MBOX_MMIO:
		return doorbell_mmio_probe(cfg, log);
	}
	return -EINVAL;
}

void doorbell_close(struct doorbell *db)
{
	if (db->ops && db->ops->close)
		db->ops->close(db);
	if (db->fd >= 0)
		close(db->fd);
	region_close(&db->regs);
	doorbell_reset(db);
}
