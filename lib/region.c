// SPDX-License-Identifier: MIT
/* Region backends. For now: a byte range of a regular file (spec 6.1). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "region.h"

static void region_file_close(struct region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
}

static const struct region_ops region_file_ops = {
	.name = "file",
	.close = region_file_close,
};

static const struct region_ops region_mem_ops = {
	.name = "memory",
	.close = NULL,
};

static int region_file_open(struct region *r, const struct icmsg_region_config *cfg,
			    bool create, bool readonly, const struct logger *log)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t end, map_off, delta;
	struct stat st;
	int flags, fd, err;
	void *map;

	if (!cfg->path || !cfg->path[0] || cfg->size == 0)
		return -EINVAL;
	if (__builtin_add_overflow(cfg->offset, cfg->size, &end) || end > (uint64_t)INT64_MAX)
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

	map_off = cfg->offset - cfg->offset % (uint64_t)page;
	delta = cfg->offset - map_off;
	r->map_len = (size_t)(delta + cfg->size);
	map = mmap(NULL, r->map_len, readonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, (off_t)map_off);
	if (map == MAP_FAILED) {
		err = -errno;
		log_msg(log, LOG_ERR, "region %s: mmap: %s", cfg->path, strerror(-err));
		goto err_close;
	}
	close(fd); /* the mapping keeps the file */
	r->map = map;
	r->base = (uint8_t *)map + delta;
	r->size = (size_t)cfg->size;
	r->ops = &region_file_ops;
	return 0;

err_close:
	close(fd);
	return err;
}

int region_open(struct region *r, const struct icmsg_region_config *cfg, bool create,
		bool readonly, const struct logger *log)
{
	memset(r, 0, sizeof(*r));
	switch (cfg->type) {
	case ICMSG_REGION_FILE:
		return region_file_open(r, cfg, create, readonly, log);
	}
	return -EINVAL;
}

void region_init_mem(struct region *r, void *mem, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->base = mem;
	r->size = size;
	r->ops = &region_mem_ops;
}

void region_close(struct region *r)
{
	if (r->ops && r->ops->close)
		r->ops->close(r);
	memset(r, 0, sizeof(*r));
}

ICMSG_EXPORT int icmsg_region_read(const struct icmsg_region_config *region, void *buf,
				   size_t cap)
{
	struct region r;
	int err;

	if (!region || !buf)
		return -EINVAL;
	if (region->size > cap)
		return -ENOBUFS;
	if (region->size > (uint64_t)INT32_MAX)
		return -EFBIG;
	err = region_open(&r, region, false, true, NULL);
	if (err)
		return err;
	region_read(&r, 0, buf, r.size);
	err = (int)r.size;
	region_close(&r);
	return err;
}
