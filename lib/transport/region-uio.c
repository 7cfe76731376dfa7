// SPDX-License-Identifier: MIT
/*
 * Region backend: a byte range of one memory map of a UIO device, e.g.
 * reserved memory exposed with uio_pdrv_genirq or a PCI BAR through a UIO
 * PCI driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"
#include "uio.h"

static const struct region_ops region_uio_ops = {
	.name = "uio",
	.close = region_unmap,
};

/*
 * Find the map and check the region fits it. @ret_skip: where the region
 * starts in a mapping of the map (the map's in-page offset plus ours).
 */
static int uio_locate(const struct icmsg_region_config *cfg, struct uio_map_info *map,
		      uint64_t *ret_skip, const struct logger *log)
{
	uint64_t skip, end;
	unsigned int dev;
	int err;

	err = uio_find_device(cfg->uio.device, &dev, log);
	if (err < 0)
		return err;
	err = uio_find_map(dev, &cfg->uio, map, log);
	if (err < 0)
		return err;
	if (__builtin_add_overflow(map->offset, cfg->offset, &skip) ||
	    __builtin_add_overflow(skip, cfg->size, &end) || end > map->size) {
		log_msg(log, LOG_ERR,
			"offset 0x%llx + size 0x%llx does not fit map %u of /dev/uio%u "
			"(0x%llx bytes from its start at in-page offset 0x%llx)",
			(unsigned long long)cfg->offset, (unsigned long long)cfg->size,
			map->index, dev, (unsigned long long)(map->size - map->offset),
			(unsigned long long)map->offset);
		return -ERANGE;
	}
	/* The kernel maps whole pages and refuses a mapping longer than the
	 * map (uio_mmap_physical), so a map smaller than a page, like a 256-byte
	 * register BAR, cannot be mapped at all. */
	if (ROUND_UP(end, transport_page_size()) > map->size) {
		log_msg(log, LOG_ERR,
			"map %u of /dev/uio%u is 0x%llx bytes, not whole pages up to the end of "
			"the range: the kernel cannot mmap it (use the PCI sysfs resource file or "
			"/dev/mem for it)",
			map->index, dev, (unsigned long long)map->size);
		return -EINVAL;
	}
	*ret_skip = skip;
	return 0;
}

int region_uio_open(struct region *r, const struct icmsg_region_config *cfg, bool readonly,
		    const struct logger *log)
{
	struct uio_map_info map;
	size_t page = transport_page_size();
	char path[512];
	uint64_t skip;
	int fd, err;

	err = uio_locate(cfg, &map, &skip, log);
	if (err < 0)
		return err;
	err = uio_dev_path(map.dev, path, sizeof(path));
	if (err < 0)
		return err;
	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "%s: cannot open: %s", path, strerror(-err));
		return err;
	}
	/* The kernel selects map M by the file offset M * page and maps it
	 * from its first page; the region is @skip bytes in. */
	err = region_map_fd(r, fd, (uint64_t)map.index * page, (size_t)skip, (size_t)cfg->size,
			    readonly, &region_uio_ops);
	close(fd);
	if (err < 0) {
		log_msg(log, LOG_ERR, "%s: mmap of map %u: %s", path, map.index, strerror(-err));
		return err;
	}
	r->io = true;
	return 0;
}

int region_uio_probe(const struct icmsg_region_config *cfg, const struct logger *log)
{
	struct uio_map_info map;
	uint64_t skip;
	int err;

	err = uio_locate(cfg, &map, &skip, log);
	if (err == -ENODEV)
		return -EOPNOTSUPP;
	if (err < 0)
		return err;
	return uio_probe_dev(map.dev, log);
}
