// SPDX-License-Identifier: MIT
/* Regions: backend dispatch, mapping helpers and device-safe copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "region.h"
#include "transport/transport.h"

int transport_path(char *buf, size_t cap, const char *fmt, ...)
{
	const char *root = secure_getenv("ICMSG_SYSROOT");
	va_list ap;
	int n, m;

	if (!root)
		root = "";
	n = snprintf(buf, cap, "%s", root);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	/* A root of "/" or "dir/" must not double the slash. */
	if (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	va_start(ap, fmt);
	m = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

int transport_probe_file(const char *path, bool fifo, bool create, uint64_t min_size,
			 const struct logger *log)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && create)
			return 0;
		log_msg(log, LOG_ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fifo ? !S_ISFIFO(st.st_mode) : !S_ISREG(st.st_mode)) {
		log_msg(log, LOG_ERR, "%s: not a %s", path, fifo ? "FIFO" : "regular file");
		return -EINVAL;
	}
	if ((uint64_t)st.st_size < min_size && !create) {
		log_msg(log, LOG_ERR, "%s: file is %lld bytes, the range ends at %llu", path,
			(long long)st.st_size, (unsigned long long)min_size);
		return -ERANGE;
	}
	/* Effective IDs and capabilities: what open() will be judged by. */
	if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) < 0) {
		log_msg(log, LOG_ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

size_t transport_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (size_t)page : 4096;
}

int region_map_fd(struct region *r, int fd, uint64_t fd_off, size_t skip, size_t size,
		  bool readonly, const struct region_ops *ops)
{
	size_t len;
	void *map;

	if (__builtin_add_overflow(skip, size, &len))
		return -EOVERFLOW;
	map = mmap(NULL, len, readonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)fd_off);
	if (map == MAP_FAILED)
		return -errno;
	r->map = map;
	r->map_len = len;
	r->base = (uint8_t *)map + skip;
	r->size = size;
	r->ops = ops;
	return 0;
}

void region_unmap(struct region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
}

static const struct region_ops region_mem_ops = {
	.name = "memory",
	.close = NULL,
};

int region_open(struct region *r, const struct icmsg_region_config *cfg, bool create,
		bool readonly, const struct logger *log)
{
	memset(r, 0, sizeof(*r));
	if (cfg->size == 0 || cfg->size > SIZE_MAX)
		return -EINVAL;
	switch (cfg->type) {
	case ICMSG_REGION_FILE:
		return region_file_open(r, cfg, create, readonly, log);
	case ICMSG_REGION_UIO:
		return region_uio_open(r, cfg, readonly, log);
	case ICMSG_REGION_DEVMEM:
		return region_devmem_open(r, cfg, readonly, log);
	}
	return -EINVAL;
}

int region_probe(const struct icmsg_region_config *cfg, bool create, const struct logger *log)
{
	switch (cfg->type) {
	case ICMSG_REGION_FILE:
		return region_file_probe(cfg, create, log);
	case ICMSG_REGION_UIO:
		return region_uio_probe(cfg, log);
	case ICMSG_REGION_DEVMEM:
		return region_devmem_probe(cfg, log);
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

/*
 * Device memory (uncached, Device-nGnRnE on Arm) faults on unaligned
 * accesses and must not see the wide or overlapping accesses a libc memcpy
 * may use. Bytes up to an 8-byte boundary of the device side, then 64-bit
 * words, then bytes; the normal-memory side may be unaligned.
 */
void io_copy_from(void *dst, const volatile uint8_t *src, size_t n)
{
	uint8_t *d = dst;
	uint64_t w;

	while (n && ((uintptr_t)src & 7)) {
		*d++ = *src++;
		n--;
	}
	while (n >= 8) {
		w = *(const volatile uint64_t *)(const volatile void *)src;
		memcpy(d, &w, 8);
		src += 8;
		d += 8;
		n -= 8;
	}
	while (n--)
		*d++ = *src++;
}

void io_copy_to(volatile uint8_t *dst, const void *src, size_t n)
{
	const uint8_t *s = src;
	uint64_t w;

	while (n && ((uintptr_t)dst & 7)) {
		*dst++ = *s++;
		n--;
	}
	while (n >= 8) {
		memcpy(&w, s, 8);
		*(volatile uint64_t *)(volatile void *)dst = w;
		dst += 8;
		s += 8;
		n -= 8;
	}
	while (n--)
		*dst++ = *s++;
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
