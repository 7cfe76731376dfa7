// SPDX-License-Identifier: MIT
/*
 * Doorbell backend: ring the peer by writing a mailbox register, e.g. an
 * i.MX MU general-purpose interrupt request, an STM32 IPCC channel set bit,
 * a Nordic VEVIF task or QEMU's ivshmem doorbell register. Also the
 * register-window helpers the UIO interrupt backend uses for status/ack.
 */
#include <errno.h>
#include <string.h>

#include "transport.h"

static const char *const reg_names[] = { "write", "status", "ack", "enable[0]", "enable[1]",
					 "enable[2]", "enable[3]" };

static bool reg_fits(const struct region *win, const struct icmsg_mbox_reg *reg)
{
	unsigned int bytes = reg->width / 8;

	if (reg->width != 8 && reg->width != 16 && reg->width != 32)
		return false;
	return reg->offset % bytes == 0 && reg->offset <= win->size &&
	       bytes <= win->size - reg->offset;
}

int doorbell_regs_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
		       const struct logger *log)
{
	const struct icmsg_mbox_reg *regs[] = { &cfg->write,     &cfg->status,    &cfg->ack,
						&cfg->enable[0], &cfg->enable[1], &cfg->enable[2],
						&cfg->enable[3] };

	_Static_assert(ICMSG_MBOX_ENABLE_MAX == 4, "list every enable access above");
	int err;

	db->write = cfg->write;
	db->status = cfg->status;
	db->ack = cfg->ack;
	memcpy(db->enable, cfg->enable, sizeof(db->enable));
	if (cfg->regs.size == 0)
		return 0;
	err = region_open(&db->regs, &cfg->regs, false, false, log);
	if (err < 0)
		return err;
	/* The config check did this against the configured window; the
	 * mapped one is the same size, but nothing past it may be touched. */
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		if (regs[i]->enabled && !reg_fits(&db->regs, regs[i])) {
			log_msg(log, LOG_ERR, "%s register at 0x%x (%u bits) is outside the window",
				reg_names[i], regs[i]->offset, regs[i]->width);
			region_close(&db->regs);
			return -EINVAL;
		}
	}
	return 0;
}

int doorbell_regs_probe(const struct icmsg_mbox_config *cfg, const struct logger *log)
{
	if (cfg->regs.size == 0)
		return 0;
	return region_probe(&cfg->regs, false, log);
}

void doorbell_reg_apply(struct doorbell *db, const struct icmsg_mbox_reg *reg)
{
	uint32_t v = reg->value;

	if (!reg->enabled)
		return;
	switch (reg->op) {
	case ICMSG_REG_WRITE:
		break;
	case ICMSG_REG_SET:
		v = region_reg_read(&db->regs, reg->offset, reg->width) | reg->value;
		break;
	case ICMSG_REG_CLEAR:
		v = region_reg_read(&db->regs, reg->offset, reg->width) & ~reg->value;
		break;
	}
	region_reg_write(&db->regs, reg->offset, reg->width, v);
}

static int mmio_ring(struct doorbell *db)
{
	/* The ring's data and index stores first, then the interrupt. */
	region_io_barrier();
	doorbell_reg_apply(db, &db->write);
	return 0;
}

static int mmio_drain(struct doorbell *db)
{
	(void)db;
	return 0;
}

static const struct doorbell_ops mmio_ops = {
	.name = "mmio",
	.ring = mmio_ring,
	.drain = mmio_drain,
};

int doorbell_mmio_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
		       const struct logger *log)
{
	int err;

	if (!cfg->write.enabled || cfg->regs.size == 0)
		return -EINVAL;
	err = doorbell_regs_open(db, cfg, log);
	if (err < 0)
		return err;
	db->ops = &mmio_ops;
	return 0;
}

int doorbell_mmio_probe(const struct icmsg_mbox_config *cfg, const struct logger *log)
{
	if (!cfg->write.enabled || cfg->regs.size == 0)
		return -EINVAL;
	return doorbell_regs_probe(cfg, log);
}
