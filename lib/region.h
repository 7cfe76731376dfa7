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

/**
 * struct region - a mapped region; @base points at its first byte.
 * @io: device or uncached memory (UIO, /dev/mem): copies use only aligned
 * accesses, which such mappings require (unaligned ones fault on Arm).
 */
struct region {
	uint8_t *base;
	size_t size;
	const struct region_ops *ops;
	void *map;      /* page-aligned mapping that contains the region */
	size_t map_len;
	bool io;
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

/**
 * region_probe() - check that the region of @cfg can be opened, without
 * mapping or creating anything. Problems are logged as errors.
 * Return: 0, -EOPNOTSUPP (the machine has no UIO or /dev/mem), or a
 * negative errno.
 */
int region_probe(const struct icmsg_region_config *cfg, bool create, const struct logger *log);

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

/** io_copy_from() - copy out of device memory with aligned loads only. */
void io_copy_from(void *dst, const volatile uint8_t *src, size_t n);

/** io_copy_to() - copy into device memory with aligned stores only. */
void io_copy_to(volatile uint8_t *dst, const void *src, size_t n);

/** region_read() - copy @n bytes at @off out of the region (zeroes if out of range). */
static inline void region_read(struct region *r, size_t off, void *dst, size_t n)
{
	bool ok = region_range_ok(r, off, n);

	/* n == 0 allows dst == NULL: memcpy(NULL, ..., 0) is undefined. */
	if (n == 0)
		return;
	if (!ok)
		memset(dst, 0, n);
	else if (r->io)
		io_copy_from(dst, r->base + off, n);
	else
		memcpy(dst, r->base + off, n);
}

/** region_write() - copy @n bytes into the region at @off. */
static inline void region_write(struct region *r, size_t off, const void *src, size_t n)
{
	if (!region_range_ok(r, off, n) || n == 0)
		return;
	if (r->io)
		io_copy_to(r->base + off, src, n);
	else
		memcpy(r->base + off, src, n);
}

/**
 * region_io_barrier() - order every earlier store to shared memory before
 * a following store to a device register (a doorbell), as the kernel's
 * wmb() before writel(): the peer must see the ring before the interrupt.
 */
static inline void region_io_barrier(void)
{
#if defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
	__asm__ __volatile__("dsb st" ::: "memory");
#elif defined(__riscv)
	__asm__ __volatile__("fence w,o" ::: "memory");
#else
	/* x86: stores are not reordered with other stores, UC ones included. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/**
 * region_io_mb() - order an earlier store to a device register (an
 * interrupt acknowledge) before later loads from shared memory, as the
 * kernel's mb(): without it the ack could land after we read the ring and
 * clear a signal raised in between.
 */
static inline void region_io_mb(void)
{
#if defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
	__asm__ __volatile__("dsb sy" ::: "memory");
#elif defined(__riscv)
	__asm__ __volatile__("fence iorw,iorw" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/**
 * region_reg_read() - one volatile load of @width bits (8, 16, 32) at
 * @off, little-endian. Return: the value, 0 if out of range or unaligned.
 */
static inline uint32_t region_reg_read(struct region *r, size_t off, unsigned int width)
{
	size_t n = width / 8;

	if (!region_range_ok(r, off, n) || (off % n))
		return 0;
	switch (width) {
	case 8:
		return *(volatile uint8_t *)(r->base + off);
	case 16:
		return le16toh(*(volatile uint16_t *)(void *)(r->base + off));
	case 32:
		return le32toh(*(volatile uint32_t *)(void *)(r->base + off));
	}
	return 0;
}

/** region_reg_write() - one volatile store of @width bits at @off. */
static inline void region_reg_write(struct region *r, size_t off, unsigned int width, uint32_t v)
{
	size_t n = width / 8;

	if (!region_range_ok(r, off, n) || (off % n))
		return;
	switch (width) {
	case 8:
		*(volatile uint8_t *)(r->base + off) = (uint8_t)v;
		break;
	case 16:
		*(volatile uint16_t *)(void *)(r->base + off) = htole16((uint16_t)v);
		break;
	case 32:
		*(volatile uint32_t *)(void *)(r->base + off) = htole32(v);
		break;
	}
}

#endif
