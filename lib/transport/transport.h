/* SPDX-License-Identifier: MIT */
/*
 * transport - the backends behind struct region and struct doorbell.
 *
 * region.c and doorbell.c pick a backend by the configured type; each
 * backend file implements open (and, for the config probe, a check that
 * maps nothing). Paths below /sys and /dev go through transport_path() so
 * that tests can point the whole lot at a fake tree.
 */
#ifndef ICMSG_TRANSPORT_H
#define ICMSG_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../doorbell.h"
#include "../region.h"

/**
 * transport_path() - format a system path (e.g. "/sys/class/uio") below
 * $ICMSG_SYSROOT, if set. Return: 0 or -ENAMETOOLONG.
 */
int transport_path(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * transport_probe_file() - check that @path is a FIFO (@fifo) or a regular
 * file of at least @min_size bytes that we may read and write. A missing
 * one passes if @create (it is created on open). Problems are logged.
 * Return: 0 or a negative errno.
 */
int transport_probe_file(const char *path, bool fifo, bool create, uint64_t min_size,
			 const struct logger *log);

/** transport_page_size() - the MMU page size. */
size_t transport_page_size(void);

/**
 * region_map_fd() - map @skip + @size bytes of @fd from @fd_off (page
 * aligned) and point the region at @skip bytes into the mapping.
 * Return: 0 or the negative errno of mmap (not logged).
 */
int region_map_fd(struct region *r, int fd, uint64_t fd_off, size_t skip, size_t size,
		  bool readonly, const struct region_ops *ops);

/** region_unmap() - the close op of every mapped backend. */
void region_unmap(struct region *r);

int region_file_open(struct region *r, const struct icmsg_region_config *cfg, bool create,
		     bool readonly, const struct logger *log);
int region_file_probe(const struct icmsg_region_config *cfg, bool create,
		      const struct logger *log);
int region_uio_open(struct region *r, const struct icmsg_region_config *cfg, bool readonly,
		    const struct logger *log);
int region_uio_probe(const struct icmsg_region_config *cfg, const struct logger *log);
int region_devmem_open(struct region *r, const struct icmsg_region_config *cfg, bool readonly,
		       const struct logger *log);
int region_devmem_probe(const struct icmsg_region_config *cfg, const struct logger *log);

/**
 * doorbell_regs_open() - map the register window of @cfg (if it has one)
 * into @db->regs and copy the register accesses. Return: 0 or negative errno.
 */
int doorbell_regs_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
		       const struct logger *log);

/** doorbell_regs_probe() - region_probe() of the window, if any. */
int doorbell_regs_probe(const struct icmsg_mbox_config *cfg, const struct logger *log);

/** doorbell_reg_apply() - perform a write, set or clear access. */
void doorbell_reg_apply(struct doorbell *db, const struct icmsg_mbox_reg *reg);

int doorbell_fifo_open(struct doorbell *db, const struct icmsg_mbox_config *cfg, bool create,
		       const struct logger *log);
int doorbell_fifo_probe(const struct icmsg_mbox_config *cfg, bool create,
			const struct logger *log);
int doorbell_eventfd_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
			  const struct logger *log);
int doorbell_eventfd_probe(const struct icmsg_mbox_config *cfg, const struct logger *log);
int doorbell_uio_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
		      const struct logger *log);
int doorbell_uio_probe(const struct icmsg_mbox_config *cfg, const struct logger *log);
int doorbell_mmio_open(struct doorbell *db, const struct icmsg_mbox_config *cfg,
		       const struct logger *log);
int doorbell_mmio_probe(const struct icmsg_mbox_config *cfg, const struct logger *log);

#endif
