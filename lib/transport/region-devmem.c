// SPDX-License-Identifier: MIT
/*
 * Region backend: a physical address range through /dev/mem. O_SYNC makes
 * the kernel map it uncached, which shared memory with a core that does
 * not snoop our caches needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport.h"

static const struct region_ops region_devmem_ops = {
	.name = "devmem",
	.close = region_unmap,
};

/*
 * The range must be reachable by a signed 64-bit mmap offset. @ret: the
 * path of /dev/mem below the system root.
 */
static int devmem_locate(const struct icmsg_region_config *cfg, char *ret, size_t cap,
			 const struct logger *log)
{
	uint64_t end;

	if (cfg->size == 0 || __builtin_add_overflow(cfg->offset, cfg->size, &end) ||
	    end > (uint64_t)INT64_MAX || cfg->size > SIZE_MAX / 2) {
		log_msg(log, LOG_ERR,
			"physical range 0x%llx + 0x%llx cannot be mapped through /dev/mem",
			(unsigned long long)cfg->offset, (unsigned long long)cfg->size);
		return -EINVAL;
	}
	return transport_path(ret, cap, "/dev/mem");
}

int region_devmem_open(struct region *r, const struct icmsg_region_config *cfg, bool readonly,
		       const struct logger *log)
{
	size_t page = transport_page_size();
	uint64_t map_off;
	char path[512];
	struct stat st;
	int fd, err;

	err = devmem_locate(cfg, path, sizeof(path), log);
	if (err < 0)
		return err;
	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "%s: cannot open: %s%s", path, strerror(-err),
			err == -EACCES || err == -EPERM ? " (needs CAP_SYS_RAWIO)" : "");
		return err;
	}
	if (fstat(fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISREG(st.st_mode))) {
		log_msg(log, LOG_ERR, "%s: not a memory device", path);
		close(fd);
		return -EINVAL;
	}
	/* Map whole pages; the region starts at its in-page offset. */
	map_off = cfg->offset - cfg->offset % page;
	err = region_map_fd(r, fd, map_off, (size_t)(cfg->offset - map_off), (size_t)cfg->size,
			    readonly, &region_devmem_ops);
	close(fd);
	if (err < 0) {
		log_msg(log, LOG_ERR, "%s: mmap of 0x%llx + 0x%llx: %s%s", path,
			(unsigned long long)cfg->offset, (unsigned long long)cfg->size,
			strerror(-err),
			err == -EPERM ? " (the kernel refuses this range: CONFIG_STRICT_DEVMEM "
					"allows only memory it does not own, e.g. a reserved-memory "
					"node with no-map; or use a UIO device)" : "");
		return err;
	}
	r->io = true;
	return 0;
}

int region_devmem_probe(const struct icmsg_region_config *cfg, const struct logger *log)
{
	char path[512];
	int err, fd;

	err = devmem_locate(cfg, path, sizeof(path), log);
	if (err < 0)
		return err;
	if (access(path, F_OK) < 0) {
		log_msg(log, LOG_ERR, "this machine has no %s", path);
		return -EOPNOTSUPP;
	}
	/* Opening is what needs CAP_SYS_RAWIO (and fails under kernel
	 * lockdown); it maps nothing and changes nothing. */
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "%s: %s%s", path, strerror(-err),
			err == -EACCES || err == -EPERM ? " (needs CAP_SYS_RAWIO)" : "");
		return err;
	}
	close(fd);
	return 0;
}
