// SPDX-License-Identifier: MIT
/*
 * Region backend: a byte range of a file. The simulation's shared file
 * (spec 6.1), and also PCI sysfs resourceN files used as register windows.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "transport.h"

static const struct region_ops region_file_ops = {
	.name = "file",
	.close = region_unmap,
};

static int file_end(const struct icmsg_region_config *cfg, uint64_t *ret)
{
	if (!cfg->path || !cfg->path[0] || cfg->size == 0)
		return -EINVAL;
	if (__builtin_add_overflow(cfg->offset, cfg->size, ret) || *ret > (uint64_t)INT64_MAX)
		return -EINVAL;
	return 0;
}

int region_file_open(struct region *r, const struct icmsg_region_config *cfg, bool create,
		     bool readonly, const struct logger *log)
{
	uint64_t end, map_off;
	struct statfs sfs;
	struct stat st;
	int flags, fd, err;

	if (file_end(cfg, &end) < 0)
		return -EINVAL;

	/* O_NONBLOCK: a FIFO or device at that path must not block the open
	 * before we can refuse it (no effect on regular files). */
	flags = O_CLOEXEC | O_NONBLOCK | (readonly ? O_RDONLY : O_RDWR);
	if (create && !readonly)
		flags |= O_CREAT;
	fd = open(cfg->path, flags, 0600);
	if (fd < 0) {
		err = -errno;
		log_msg(log, LOG_ERR, "region %s: cannot open: %s", cfg->path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		log_msg(log, LOG_ERR, "region %s: not a regular file", cfg->path);
		err = -EINVAL;
		goto err_close;
	}
	if ((uint64_t)st.st_size < end) {
		if (!create || readonly) {
			log_msg(log, LOG_ERR,
				"region %s: file is %lld bytes, region ends at %llu",
				cfg->path, (long long)st.st_size, (unsigned long long)end);
			err = -ERANGE;
			goto err_close;
		}
		/* posix_fallocate only ever extends (zero-filled), so two
		 * peers creating the file at once can never shrink it. */
		err = -posix_fallocate(fd, 0, (off_t)end);
		if (err) {
			log_msg(log, LOG_ERR, "region %s: cannot extend to %llu bytes: %s",
				cfg->path, (unsigned long long)end, strerror(-err));
			goto err_close;
		}
	}

	map_off = cfg->offset - cfg->offset % transport_page_size();
	err = region_map_fd(r, fd, map_off, (size_t)(cfg->offset - map_off), (size_t)cfg->size,
			    readonly, &region_file_ops);
	if (err < 0) {
		log_msg(log, LOG_ERR, "region %s: mmap: %s", cfg->path, strerror(-err));
		goto err_close;
	}
	/* A PCI sysfs resourceN file maps device memory: copies into it
	 * must use aligned accesses like UIO and /dev/mem regions. */
	r->io = fstatfs(fd, &sfs) == 0 && sfs.f_type == SYSFS_MAGIC;
	close(fd); /* the mapping keeps the file */
	return 0;

err_close:
	close(fd);
	return err;
}

int region_file_probe(const struct icmsg_region_config *cfg, bool create,
		      const struct logger *log)
{
	uint64_t end;

	if (file_end(cfg, &end) < 0)
		return -EINVAL;
	return transport_probe_file(cfg->path, false, create, end, log);
}
