/* SPDX-License-Identifier: MIT */
/*
 * region - a shared-memory region mapped into our address space.
 *
 * The only module that touches mapped memory. Index and handshake words
 * are accessed with aligned 32-bit atomic loads and stores in little-endian
 * order (spec 2.1, 2.10); byte ranges with plain copies. Every accessor
 * checks its range against the region size, so a bad offset computed
 * anywhere above can never reach memory outside the region (the mapping is
 * page-rounded, so the MMU would not catch it).
 */
#ifndef ICMSG_REGION_H
#define ICMSG_REGION_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

struct region;

/** struct region_ops - one way of reaching a region (file, UIO, /dev/mem). */
struct region_ops {
	const char *name;
	void (*close)(struct region *r);
};

/** struct region - a mapped region; @base points at its first byte. */
struct region {
	uint8_t *base;
	size_t size;
	const struct region_ops *ops;
	void *map;      /* page-aligned mapping that contains the region */
	size_t map_len;
	bool bad_access; /* an accessor was asked for bytes outside the region */
};

/**
 * region_open() - map the region described by @cfg.
 * @create: create a missing file and extend a short one (never shrink).
 * @readonly: map PROT_READ; writers must not be called.
 * Return: 0 or a negative errno (logged).
 */
int region_open(struct region *r, const struct icmsg_region_config *cfg, bool create,
		bool readonly, const struct logger *log);

/** region_init_mem() - use caller-owned memory (tests, inspection of copies). */
void region_init_mem(struct region *r, void *mem, size_t size);

/** region_close() - unmap; safe on a zeroed or closed region. */
void region_close(struct region *r);

static inline bool region_range_ok(struct region *r, size_t off, size_t n)
{
	if (off <= r->size && n <= r->size - off)
		return true;
	r->bad_access = true;
	return false;
}

/** region_load32() - acquire load of a little-endian u32 at @off. */
static inline uint32_t region_load32(struct region *r, size_t off)
{
	if (!region_range_ok(r, off, 4) || (off & 3))
		return 0;
	/* Acquire: bytes the peer wrote before publishing this word are
	 * visible to our later reads (spec 2.10 step 1). */
	return le32toh(__atomic_load_n((uint32_t *)(void *)(r->base + off), __ATOMIC_ACQUIRE));
}

/** region_store32() - release store of a little-endian u32 at @off. */
static inline void region_store32(struct region *r, size_t off, uint32_t v)
{
	if (!region_range_ok(r, off, 4) || (off & 3))
		return;
	/* Release: our earlier payload writes (writer) or payload reads
	 * (reader) complete before the peer can see the new index (2.6, 2.8). */
	__atomic_store_n((uint32_t *)(void *)(r->base + off), htole32(v), __ATOMIC_RELEASE);
}

/** region_full_fence() - where Zephyr has a full barrier (spec 2.6, 2.7). */
static inline void region_full_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/** region_read() - copy @n bytes at @off out of the region (zeroes if out of range). */
static inline void region_read(struct region *r, size_t off, void *dst, size_t n)
{
	bool ok = region_range_ok(r, off, n);

	/* n == 0 allows dst == NULL: memcpy(NULL, ..., 0) is undefined. */
	if (n == 0)
		return;
	if (ok)
		memcpy(dst, r->base + off, n);
	else
		memset(dst, 0, n);
}

/** region_write() - copy @n bytes into the region at @off. */
static inline void region_write(struct region *r, size_t off, const void *src, size_t n)
{
	if (region_range_ok(r, off, n) && n)
		memcpy(r->base + off, src, n);
}

#endif
