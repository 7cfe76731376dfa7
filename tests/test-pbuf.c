// SPDX-License-Identifier: MIT
/*
 * Tests of lib/pbuf.c and the region accessors (spec section 2, Appendix D).
 *
 * Every ring lives in a malloc'd buffer of exactly the region size, so ASan
 * reports any access outside the region. Most tests also keep a shadow copy
 * of what the region must contain, built from the spec's rules alone, and
 * compare the whole region after each operation: a header byte, an index or
 * a padding byte written where it should not be fails the test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pbuf.h"
#include "region.h"
#include "test-util.h"

#define FILL 0xEE   /* initial region content: "never written" */
#define CANARY 0xA5 /* receive buffers: "never copied into" */

/* "Em1l1K0rn3li4", spec 3.1 / Appendix D.1. */
static const uint8_t magic[13] = {
	0x45, 0x6d, 0x31, 0x6c, 0x31, 0x4b, 0x30, 0x72, 0x6e, 0x33, 0x6c, 0x69, 0x34,
};

/* One ring seen by a writer and a reader, plus the expected image. */
struct ring {
	uint8_t *mem;    /* the region: exactly l.size bytes */
	uint8_t *shadow; /* what mem must hold */
	struct region reg;
	struct pbuf_layout l;
	struct pbuf tx, rx;
	uint32_t wr, rd; /* model indices */
};

static void ring_open(struct ring *t, uint32_t size, uint32_t dcache, bool hs)
{
	const char *why = NULL;

	memset(t, 0, sizeof(*t));
	assert_int_equal(pbuf_layout_init(&t->l, size, dcache, hs, &why), 0);
	assert_null(why);
	t->mem = malloc(size);
	t->shadow = malloc(size);
	assert_non_null(t->mem);
	assert_non_null(t->shadow);
	memset(t->mem, FILL, size);
	memset(t->shadow, FILL, size);
	region_init_mem(&t->reg, t->mem, size);
	pbuf_init(&t->tx, &t->reg, &t->l);
	pbuf_init(&t->rx, &t->reg, &t->l);
}

static void ring_close(struct ring *t)
{
	free(t->mem);
	free(t->shadow);
	t->mem = t->shadow = NULL;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Spec 2.4: occupied(wr, rd). */
static uint32_t model_occupied(uint32_t len, uint32_t wr, uint32_t rd)
{
	return wr >= rd ? wr - rd : len - (rd - wr);
}

/* Spec 2.4: next packet start after @n payload bytes of a packet at @p. */
static uint32_t model_next(uint32_t len, uint32_t p, size_t n)
{
	uint32_t p1 = (p + 4) % len;

	return (uint32_t)((p1 + ((n + 3) & ~(size_t)3)) % len);
}

/* Spec 2.5: the payload a write may carry now. */
static uint32_t model_room(const struct ring *t)
{
	uint32_t free_space = t->l.len - model_occupied(t->l.len, t->wr, t->rd) - 4;
	uint32_t room = free_space >= 4 ? free_space - 4 : 0;

	return room > pbuf_max_payload(&t->l) ? pbuf_max_payload(&t->l) : room;
}

static void check_image(const struct ring *t)
{
	assert_memory_equal(t->mem, t->shadow, t->l.size);
	assert_false(t->reg.bad_access);
}

/* The writer's and reader's position is @s, as after traffic of @s bytes. */
static void ring_seek(struct ring *t, uint32_t s)
{
	t->tx.wr_local = s;
	region_store32(&t->reg, t->l.wr_off, s);
	region_store32(&t->reg, t->l.rd_off, s);
	assert_int_equal(pbuf_rx_resync(&t->rx, s), 0);
	put32le(t->shadow + t->l.wr_off, s);
	put32le(t->shadow + t->l.rd_off, s);
	t->wr = t->rd = s;
	check_image(t);
}

static void ring_tx_init(struct ring *t)
{
	pbuf_tx_init(&t->tx);
	/* As the protocol does once the writer has reset its ring. */
	assert_int_equal(pbuf_rx_resync(&t->rx, 0), 0);
	put32le(t->shadow + t->l.wr_off, 0);
	put32le(t->shadow + t->l.rd_off, 0);
	t->wr = t->rd = 0;
	check_image(t);
}

/* Write @n bytes, which must succeed, and check the exact image. */
static void do_write(struct ring *t, const uint8_t *data, size_t n)
{
	uint32_t L = t->l.len, d = t->l.data_off, p1;
	uint8_t *hdr = t->shadow + d + t->wr;

	assert_int_equal(pbuf_write(&t->tx, data, n), (int)n);
	hdr[0] = (uint8_t)(n >> 8);
	hdr[1] = (uint8_t)n;
	hdr[2] = 0;
	hdr[3] = 0;
	p1 = (t->wr + 4) % L;
	for (size_t i = 0; i < n; i++)
		t->shadow[d + (p1 + i) % L] = data[i];
	t->wr = model_next(L, t->wr, n);
	put32le(t->shadow + t->l.wr_off, t->wr);
	assert_int_equal(t->tx.wr_local, t->wr);
	check_image(t);
}

/* Read the next packet, which must be @n bytes of @data. */
static void do_read(struct ring *t, const uint8_t *data, size_t n)
{
	uint8_t *buf = malloc(n + 8);

	assert_non_null(buf);
	memset(buf, CANARY, n + 8);
	assert_int_equal(pbuf_read(&t->rx, buf, n + 8), (int)n);
	assert_memory_equal(buf, data, n);
	for (size_t i = n; i < n + 8; i++)
		assert_int_equal(buf[i], CANARY);
	free(buf);
	t->rd = model_next(t->l.len, t->rd, n);
	put32le(t->shadow + t->l.rd_off, t->rd);
	assert_int_equal(t->rx.rd_local, t->rd);
	check_image(t);
}

/* A write that must fail with @err and change nothing. */
static void write_fails(struct ring *t, size_t n, int err)
{
	uint8_t *data = calloc(1, n ? n : 1);
	uint32_t wr = t->tx.wr_local;

	assert_non_null(data);
	assert_int_equal(pbuf_write(&t->tx, data, n), err);
	assert_int_equal(t->tx.wr_local, wr);
	check_image(t);
	free(data);
}

static void pattern(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

/* ---------------------------------------------------------------------- */
/* Layout (spec 2.2)                                                      */

struct layout_row {
	uint32_t dcache;
	bool hs;
	uint32_t hs_off, wr_off, data_off, len, max;
};

static void test_pbuf_layout_table(void **state)
{
	/* Spec 2.2 worked numbers, S = 2048; D < 8 with HS is refused. */
	static const struct layout_row rows[] = {
		{ 0, false, 0, 4, 8, 2040, 2032 },
		{ 4, false, 0, 4, 8, 2040, 2032 },
		{ 8, false, 0, 8, 12, 2036, 2028 },
		{ 8, true, 4, 8, 12, 2036, 2028 },
		{ 32, false, 0, 32, 36, 2012, 2004 },
		{ 32, true, 4, 32, 36, 2012, 2004 },
		{ 64, false, 0, 64, 68, 1980, 1972 },
		{ 64, true, 4, 64, 68, 1980, 1972 },
		{ 4096, true, 4, 4096, 4100, 0, 0 }, /* S = 2048 too small */
	};
	struct pbuf_layout l;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct layout_row *r = &rows[i];

		why = NULL;
		if (r->len == 0) {
			assert_int_equal(pbuf_layout_init(&l, 2048, r->dcache, r->hs, &why),
					 -EINVAL);
			assert_non_null(why);
			continue;
		}
		memset(&l, 0x5A, sizeof(l));
		assert_int_equal(pbuf_layout_init(&l, 2048, r->dcache, r->hs, &why), 0);
		assert_null(why);
		assert_int_equal(l.size, 2048);
		assert_int_equal(l.dcache, r->dcache);
		assert_int_equal(l.handshake, r->hs);
		assert_int_equal(l.rd_off, 0);
		assert_int_equal(l.hs_off, r->hs_off);
		assert_int_equal(l.wr_off, r->wr_off);
		assert_int_equal(l.data_off, r->data_off);
		assert_int_equal(l.len, r->len);
		assert_int_equal(pbuf_max_payload(&l), r->max);
	}

	/* The largest D fits a large enough region. */
	assert_int_equal(pbuf_layout_init(&l, 8192, 4096, true, NULL), 0);
	assert_int_equal(l.wr_off, 4096);
	assert_int_equal(l.data_off, 4100);
	assert_int_equal(l.len, 4092);
	assert_int_equal(l.hs_off, 4);

	/* The 16-bit length caps the payload: L - 8 = 65536 -> 65535. */
	assert_int_equal(pbuf_layout_init(&l, 65552, 0, false, NULL), 0);
	assert_int_equal(l.len, 65544);
	assert_int_equal(pbuf_max_payload(&l), 65535);
	assert_int_equal(pbuf_layout_init(&l, 65548, 0, false, NULL), 0);
	assert_int_equal(pbuf_max_payload(&l), 65532);

	/* Smallest regions: L = 12 exactly, max payload 4. */
	assert_int_equal(pbuf_layout_init(&l, 20, 0, false, NULL), 0);
	assert_int_equal(l.len, 12);
	assert_int_equal(pbuf_max_payload(&l), 4);
	assert_int_equal(pbuf_layout_init(&l, 24, 8, true, NULL), 0);
	assert_int_equal(l.len, 12);
	assert_int_equal(pbuf_layout_init(&l, 80, 64, false, NULL), 0);
	assert_int_equal(l.len, 12);
}

struct reject_row {
	uint64_t size;
	uint32_t dcache;
	bool hs;
};

static void test_pbuf_layout_rejects(void **state)
{
	static const struct reject_row rows[] = {
		{ 2048, 2, false },   /* D not a power of two >= 4 */
		{ 2048, 12, false },  /* not a power of two */
		{ 2048, 8192, false },/* above 4096 */
		{ 1u << 20, 8192, false },
		{ 1u << 20, 8192, true },
		{ 2048, 3, false },
		{ 2048, 0x80000000u, false },
		{ 0, 0, false },      /* size 0 */
		{ 2050, 0, false },   /* not a multiple of 4 */
		{ 2046, 8, true },
		{ 16, 0, false },     /* L = 8 < 12 */
		{ 20, 8, true },      /* L = 8 */
		{ 76, 64, false },    /* L = 8 */
		{ 8, 0, false },      /* smaller than the header */
		{ 4, 64, false },
		{ 2048, 0, true },    /* handshake needs D >= 8 */
		{ 2048, 4, true },
		{ 1ull << 32, 0, false }, /* does not fit u32 */
		{ (1ull << 32) + 2048, 0, false },
	};
	struct pbuf_layout l, before;
	const char *why;

	(void)state;
	memset(&before, 0x5A, sizeof(before));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		why = NULL;
		l = before;
		assert_int_equal(pbuf_layout_init(&l, rows[i].size, rows[i].dcache, rows[i].hs,
						  &why), -EINVAL);
		assert_non_null(why);
		assert_true(strlen(why) > 10);
		/* Outputs are written only on success. */
		assert_memory_equal(&l, &before, sizeof(l));
		/* why may be NULL. */
		assert_int_equal(pbuf_layout_init(&l, rows[i].size, rows[i].dcache, rows[i].hs,
						  NULL), -EINVAL);
	}
	/* The handshake message says why. */
	why = NULL;
	assert_int_equal(pbuf_layout_init(&l, 2048, 4, true, &why), -EINVAL);
	assert_non_null(strstr(why, "8"));
}

/* ---------------------------------------------------------------------- */
/* Writer and reader                                                      */

struct layout_case {
	uint32_t size, dcache;
	bool hs;
};

static const struct layout_case rt_layouts[] = {
	{ 20, 0, false }, { 24, 0, false }, { 64, 0, false }, { 64, 8, true },
	{ 256, 32, true }, { 256, 64, false }, { 2048, 4, false },
};

/* Every header position of the ring, with sizes around every wrap point. */
static void test_pbuf_round_trip(void **state)
{
	uint8_t data[2048];
	struct ring t;
	uint32_t wraps = 0, hdr_last = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(rt_layouts) / sizeof(rt_layouts[0]); k++) {
		const struct layout_case *c = &rt_layouts[k];

		ring_open(&t, c->size, c->dcache, c->hs);
		ring_tx_init(&t);
		uint32_t L = t.l.len, max = pbuf_max_payload(&t.l);

		for (uint32_t s = 0; s < L; s += 4) {
			/* to the end of the area, just across it, the largest */
			const int64_t sizes[] = {
				1, 2, 3, 4, 5, 7, 8, 9,
				(int64_t)L - s - 8, (int64_t)L - s - 7, (int64_t)L - s - 5,
				(int64_t)L - s - 4, (int64_t)L - s - 3, (int64_t)L - s,
				max - 1, max,
			};

			for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
				if (sizes[i] < 1 || sizes[i] > max)
					continue;
				size_t n = (size_t)sizes[i];

				ring_seek(&t, s);
				pattern(data, n, s + (uint32_t)i);
				do_write(&t, data, n);
				if (s + 4 + n > L && s + 4 < L)
					wraps++;
				if (s == L - 4)
					hdr_last++;
				do_read(&t, data, n);
				assert_int_equal(t.wr, t.rd);
				assert_int_equal(pbuf_read(&t.rx, data, sizeof(data)), 0);
			}
		}
		ring_close(&t);
	}
	/* The loop did exercise the wrap of the payload and the header at
	 * the last slot (payload starting at 0). */
	assert_true(wraps > 50);
	assert_true(hdr_last > 10);
}

/* Several packets in flight from every start position, natural traffic. */
static void test_pbuf_round_trip_batches(void **state)
{
	uint8_t data[64][300];
	size_t lens[64];
	struct ring t;
	uint64_t seed = 0x1234;

	(void)state;
	for (size_t k = 0; k < sizeof(rt_layouts) / sizeof(rt_layouts[0]); k++) {
		const struct layout_case *c = &rt_layouts[k];

		if (c->size > 300)
			continue;
		ring_open(&t, c->size, c->dcache, c->hs);
		ring_tx_init(&t);
		for (int rnd = 0; rnd < 200; rnd++) {
			size_t cnt = 0;

			/* fill until the model says it is full */
			for (;;) {
				uint32_t room = model_room(&t);
				size_t n = 1 + tu_rand(&seed) % pbuf_max_payload(&t.l);

				if (n > room) {
					write_fails(&t, n, -ENOMEM);
					if (room == 0)
						break;
					n = room;
				}
				pattern(data[cnt], n, (uint32_t)(rnd * 64 + cnt));
				lens[cnt] = n;
				do_write(&t, data[cnt], n);
				cnt++;
				if (tu_rand(&seed) % 4 == 0)
					break;
			}
			for (size_t i = 0; i < cnt; i++)
				do_read(&t, data[i], lens[i]);
			assert_int_equal(pbuf_read(&t.rx, data[0], 300), 0);
		}
		ring_close(&t);
	}
}

/* Appendix D.1 and D.2, byte for byte. */
static void test_pbuf_vector_d1_d2(void **state)
{
	static const uint8_t d1[28] = {
		0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00,
		0x45, 0x6d, 0x31, 0x6c, 0x31, 0x4b, 0x30, 0x72, 0x6e, 0x33, 0x6c, 0x69, 0x34,
		FILL, FILL, FILL,
	};
	const uint8_t seven[7] = { 1, 2, 3, 4, 5, 6, 7 };
	uint8_t buf[64], pad[24];
	struct ring t;

	(void)state;
	ring_open(&t, 64, 0, false);
	assert_int_equal(t.l.wr_off, 4);
	assert_int_equal(t.l.data_off, 8);
	assert_int_equal(t.l.len, 56);

	/* D.1: tx_init + magic. */
	pbuf_tx_init(&t.tx);
	assert_int_equal(pbuf_write(&t.tx, magic, sizeof(magic)), 13);
	assert_memory_equal(t.mem, d1, sizeof(d1));
	for (size_t i = sizeof(d1); i < 64; i++)
		assert_int_equal(t.mem[i], FILL);

	/* The reader consumed it: rd_idx = 20. */
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 13);
	assert_memory_equal(buf, magic, 13);
	assert_int_equal(buf[13], CANARY);
	assert_int_equal(get32le(t.mem), 20);
	assert_memory_equal(t.mem + 4, d1 + 4, sizeof(d1) - 4);

	/* D.2: reach rd = wr = 48 with a 24-byte packet (28 bytes). */
	memset(pad, 0x77, sizeof(pad));
	assert_int_equal(pbuf_write(&t.tx, pad, sizeof(pad)), 24);
	assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 24);
	assert_int_equal(get32le(t.mem), 48);
	assert_int_equal(get32le(t.mem + 4), 48);

	assert_int_equal(pbuf_write(&t.tx, seven, sizeof(seven)), 7);
	/* header at data 48..51 = region 56..59 */
	assert_int_equal(t.mem[56], 0x00);
	assert_int_equal(t.mem[57], 0x07);
	assert_int_equal(t.mem[58], 0x00);
	assert_int_equal(t.mem[59], 0x00);
	/* payload at data 52..55, then data 0..2 */
	assert_memory_equal(t.mem + 60, seven, 4);
	assert_memory_equal(t.mem + 8, seven + 4, 3);
	/* data 3 (padding) keeps the D.1 header's reserved byte */
	assert_int_equal(t.mem[11], 0x00);
	/* data 4.. still the D.1 magic */
	assert_memory_equal(t.mem + 12, magic, 13);
	/* new wr_idx = 4, rd_idx untouched */
	assert_int_equal(get32le(t.mem + 4), 4);
	assert_int_equal(t.mem[4], 4);
	assert_int_equal(get32le(t.mem), 48);
	assert_int_equal(t.tx.wr_local, 4);
	/* occupied = 12: free = 56 - 12 - 4 = 40 -> 36 fits, 37 does not */
	assert_int_equal(pbuf_write(&t.tx, pad, 37), -ENOMEM);
	assert_int_equal(get32le(t.mem + 4), 4);

	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read(&t.rx, buf, 7), 7);
	assert_memory_equal(buf, seven, 7);
	assert_int_equal(buf[7], CANARY);
	assert_int_equal(get32le(t.mem), 4);
	assert_int_equal(t.rx.rd_local, 4);
	assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 0);
	assert_false(t.reg.bad_access);
	ring_close(&t);
}

/* Appendix D.3 and the 4-byte gap. */
static void test_pbuf_vector_d3_free_space(void **state)
{
	uint8_t data[56];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 3);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);

	/* rd = 0, wr = 40: free = 12, max payload 8. */
	do_write(&t, data, 36);
	assert_int_equal(t.wr, 40);
	write_fails(&t, 9, -ENOMEM);
	do_write(&t, data, 8);
	assert_int_equal(t.wr, 52);
	/* occupied 52, free 0 */
	write_fails(&t, 1, -ENOMEM);
	do_read(&t, data, 36);
	do_read(&t, data, 8);

	/* Empty at 52: max payload L - 8 = 48 ends 4 bytes behind rd. */
	write_fails(&t, 49, -EMSGSIZE);
	do_write(&t, data, 48);
	assert_int_equal(t.wr, 48);
	assert_int_equal(t.rd, 52);
	write_fails(&t, 1, -ENOMEM);
	do_read(&t, data, 48);
	ring_close(&t);
}

/* From every (rd, used) pair, the largest write fits and one more byte fails. */
static void test_pbuf_free_space_boundary(void **state)
{
	static const size_t firsts[] = { 0, 1, 4, 5, 12, 20, 33, 40 };
	uint8_t data[64];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 9);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	for (uint32_t s = 0; s < t.l.len; s += 4) {
		for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
			size_t a = firsts[i];

			ring_seek(&t, s);
			if (a)
				do_write(&t, data, a);
			uint32_t room = model_room(&t);
			uint32_t occ = model_occupied(t.l.len, t.wr, t.rd);

			assert_int_equal(room, t.l.len - occ - 8);
			write_fails(&t, room + 1, room + 1 > pbuf_max_payload(&t.l) ?
				    -EMSGSIZE : -ENOMEM);
			do_write(&t, data, room);
			/* full: wr is exactly 4 bytes behind rd */
			assert_int_equal((t.wr + 4) % t.l.len, t.rd);
			write_fails(&t, 1, -ENOMEM);
			if (a)
				do_read(&t, data, a);
			do_read(&t, data, room);
		}
	}
	ring_close(&t);
}

static void test_pbuf_write_errors(void **state)
{
	uint8_t *big;
	struct ring t;

	(void)state;
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	write_fails(&t, 0, -ENODATA);
	write_fails(&t, 49, -EMSGSIZE);
	write_fails(&t, 1000, -EMSGSIZE);
	assert_int_equal(pbuf_write(&t.tx, magic, SIZE_MAX), -EMSGSIZE);
	assert_int_equal(pbuf_write(&t.tx, magic, (size_t)1 << 32), -EMSGSIZE);
	check_image(&t);
	ring_close(&t);

	/* A ring larger than the length field: 65535 is the limit. */
	ring_open(&t, 0x20000, 0, false);
	ring_tx_init(&t);
	big = malloc(65536);
	assert_non_null(big);
	pattern(big, 65536, 5);
	write_fails(&t, 65536, -EMSGSIZE);
	do_write(&t, big, 65535);
	assert_int_equal(t.mem[t.l.data_off], 0xFF);
	assert_int_equal(t.mem[t.l.data_off + 1], 0xFF);
	assert_int_equal(pbuf_read(&t.rx, big, 65534), -EMSGSIZE);
	check_image(&t);
	pattern(big, 65536, 5);
	do_read(&t, big, 65535);
	free(big);
	ring_close(&t);
}

static void test_pbuf_read_small_cap(void **state)
{
	uint8_t data[20], buf[32];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 1);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	do_write(&t, data, 10);
	do_write(&t, data + 10, 10);

	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read(&t.rx, buf, 9), -EMSGSIZE);
	assert_int_equal(pbuf_read(&t.rx, NULL, 0), -EMSGSIZE);
	assert_int_equal(pbuf_read(&t.rx, buf, 1), -EMSGSIZE);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], CANARY);
	assert_int_equal(t.rx.rd_local, 0);
	check_image(&t);

	/* cap == n is enough; the packet was not lost */
	assert_int_equal(pbuf_read(&t.rx, buf, 10), 10);
	assert_memory_equal(buf, data, 10);
	assert_int_equal(buf[10], CANARY);
	t.rd = 16;
	put32le(t.shadow, 16);
	check_image(&t);
	do_read(&t, data + 10, 10);
	ring_close(&t);
}

static void test_pbuf_read_head_and_skip(void **state)
{
	uint8_t data[64], buf[64];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 2);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);

	assert_int_equal(pbuf_read_head(&t.rx, buf, sizeof(buf)), 0);
	assert_int_equal(pbuf_skip(&t.rx), 0);

	/* Head of a long packet: full length returned, cap bytes copied. */
	do_write(&t, data, 20);
	do_write(&t, data + 20, 3);
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read_head(&t.rx, buf, 5), 20);
	assert_memory_equal(buf, data, 5);
	for (size_t i = 5; i < sizeof(buf); i++)
		assert_int_equal(buf[i], CANARY);
	t.rd = 24;
	put32le(t.shadow, 24);
	assert_int_equal(t.rx.rd_local, 24);
	check_image(&t);

	/* Shorter than cap: n bytes copied, the rest untouched. */
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read_head(&t.rx, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, data + 20, 3);
	assert_int_equal(buf[3], CANARY);
	t.rd = 32;
	put32le(t.shadow, 32);
	check_image(&t);

	/* A wrapped payload: header at 32, payload 36..55 then 0..13. */
	do_write(&t, data, 34);
	assert_int_equal(t.wr, 16);
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read_head(&t.rx, buf, 25), 34);
	assert_memory_equal(buf, data, 25);
	assert_int_equal(buf[25], CANARY);
	t.rd = 16;
	put32le(t.shadow, 16);
	check_image(&t);

	/* Skip drops exactly one packet. */
	do_write(&t, data, 7);
	do_write(&t, data + 7, 9);
	assert_int_equal(pbuf_skip(&t.rx), 7);
	t.rd = 28;
	put32le(t.shadow, 28);
	assert_int_equal(t.rx.rd_local, 28);
	check_image(&t);
	do_read(&t, data + 7, 9);
	assert_int_equal(pbuf_skip(&t.rx), 0);
	check_image(&t);
	ring_close(&t);
}

static void test_pbuf_peek_initial(void **state)
{
	uint8_t data[64], buf[64];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 4);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);

	/* wr == 0: nothing */
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);

	do_write(&t, magic, sizeof(magic));
	do_write(&t, data, 5);
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), 13);
	assert_memory_equal(buf, magic, 13);
	assert_int_equal(buf[13], CANARY);
	/* not consumed */
	assert_int_equal(t.rx.rd_local, 0);
	check_image(&t);

	/* A smaller cap copies only cap bytes. */
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, 4), 13);
	assert_memory_equal(buf, magic, 4);
	assert_int_equal(buf[4], CANARY);
	check_image(&t);

	/* len + 4 == wr is accepted, len + 4 > wr is not. */
	region_store32(&t.reg, t.l.wr_off, 20);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), 13);
	region_store32(&t.reg, t.l.wr_off, 16);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	t.mem[t.l.data_off + 1] = 12; /* len 12, 12 + 4 == 16 */
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), 12);
	t.mem[t.l.data_off + 1] = 13;
	/* wr >= L, misaligned, wr == 0 */
	region_store32(&t.reg, t.l.wr_off, 56);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	region_store32(&t.reg, t.l.wr_off, 60);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	region_store32(&t.reg, t.l.wr_off, 0xFFFFFFFFu);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	region_store32(&t.reg, t.l.wr_off, 30);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	region_store32(&t.reg, t.l.wr_off, 0);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	region_store32(&t.reg, t.l.wr_off, t.wr);
	/* a zero length */
	t.mem[t.l.data_off + 1] = 0;
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	t.mem[t.l.data_off + 1] = 13;
	check_image(&t);

	/* rd_local != 0: never peeks, even with a valid packet at 0. */
	do_read(&t, magic, sizeof(magic));
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	do_read(&t, data, 5);
	ring_close(&t);

	/* wr > 0xFFFF in a large ring: refused even though < L. */
	ring_open(&t, 0x20000, 0, false);
	ring_tx_init(&t);
	do_write(&t, magic, sizeof(magic));
	region_store32(&t.reg, t.l.wr_off, 0xFFFC);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), 13);
	region_store32(&t.reg, t.l.wr_off, 0x10000);
	assert_int_equal(pbuf_peek_initial(&t.rx, buf, sizeof(buf)), -ENODATA);
	assert_false(t.reg.bad_access);
	ring_close(&t);
}

/* Length only, as Zephyr's pbuf_read(pb, NULL, 0) peek. */
static void test_pbuf_peek_initial_null_buf(void **state)
{
	struct ring t;

	(void)state;
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	do_write(&t, magic, sizeof(magic));
	assert_int_equal(pbuf_peek_initial(&t.rx, NULL, 0), 13);
	check_image(&t);
	ring_close(&t);
}

static void test_pbuf_tx_init_touches_only_indices(void **state)
{
	static const struct layout_case cases[] = {
		{ 64, 0, false }, { 64, 8, false }, { 64, 8, true }, { 256, 32, true },
		{ 256, 64, true }, { 256, 64, false },
	};
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ring t;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		ring_open(&t, cases[k].size, cases[k].dcache, cases[k].hs);
		/* The peer's handshake word and stale indices. */
		if (t.l.handshake) {
			pbuf_handshake_store(&t.rx, 0x00070002);
			put32le(t.shadow + 4, 0x00070002);
		}
		region_store32(&t.reg, t.l.rd_off, 0x24);
		region_store32(&t.reg, t.l.wr_off, 0x30);

		pbuf_tx_init(&t.tx);
		assert_int_equal(t.tx.wr_local, 0);
		for (uint32_t i = 0; i < t.l.size; i++) {
			bool idx = i < 4 || (i >= t.l.wr_off && i < t.l.wr_off + 4);

			assert_int_equal(t.mem[i], idx ? 0 : t.shadow[i]);
		}
		if (t.l.handshake)
			assert_int_equal(pbuf_handshake_load(&t.rx), 0x00070002);
		put32le(t.shadow, 0);
		put32le(t.shadow + t.l.wr_off, 0);
		check_image(&t);

		/* Again after traffic: the next packet goes to offset 0. */
		do_write(&t, data, 8);
		do_read(&t, data, 8);
		do_write(&t, data, 3);
		pbuf_tx_init(&t.tx);
		assert_int_equal(pbuf_rx_resync(&t.rx, 0), 0); /* as the protocol does */
		put32le(t.shadow, 0);
		put32le(t.shadow + t.l.wr_off, 0);
		t.wr = t.rd = 0;
		check_image(&t);
		do_write(&t, data, 5);
		do_read(&t, data, 5);
		ring_close(&t);
	}
}

/* Padding after a payload is never written, wrapped or not. */
static void test_pbuf_padding_untouched(void **state)
{
	uint8_t data[64];
	struct ring t;
	uint32_t d;

	(void)state;
	memset(data, 0x11, sizeof(data));
	ring_open(&t, 64, 0, false);
	d = t.l.data_off;
	pbuf_tx_init(&t.tx);
	/* 1 + 3 pad, 2 + 2 pad, 3 + 1 pad, 5 + 3 pad */
	assert_int_equal(pbuf_write(&t.tx, data, 1), 1);
	assert_int_equal(pbuf_write(&t.tx, data, 2), 2);
	assert_int_equal(pbuf_write(&t.tx, data, 3), 3);
	assert_int_equal(pbuf_write(&t.tx, data, 5), 5);
	assert_int_equal(t.tx.wr_local, 8 + 8 + 8 + 12);
	static const uint32_t pads[] = { 5, 6, 7, 14, 15, 23, 33, 34, 35 };
	for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++)
		assert_int_equal(t.mem[d + pads[i]], FILL);
	assert_int_equal(t.mem[d + 4], 0x11);
	assert_int_equal(t.mem[d + 13], 0x11);
	assert_int_equal(t.mem[d + 22], 0x11);
	assert_int_equal(t.mem[d + 32], 0x11);

	/* Wrapped: header at 36, payload 40..55 + 0..4, pad 5..7. */
	for (int i = 0; i < 4; i++)
		assert_true(pbuf_skip(&t.rx) > 0);
	memset(t.mem + d, FILL, 8);
	assert_int_equal(pbuf_write(&t.tx, data, 21), 21);
	assert_int_equal(t.tx.wr_local, 8);
	assert_int_equal(t.mem[d + 4], 0x11);
	assert_int_equal(t.mem[d + 5], FILL);
	assert_int_equal(t.mem[d + 6], FILL);
	assert_int_equal(t.mem[d + 7], FILL);
	assert_false(t.reg.bad_access);
	ring_close(&t);
}

static void test_pbuf_handshake_word(void **state)
{
	static const uint8_t d4[4] = { 0x02, 0x00, 0x07, 0x00 };
	static const uint8_t le[4] = { 0x78, 0x56, 0x34, 0x12 };
	struct ring t;

	(void)state;
	ring_open(&t, 64, 8, true);
	assert_int_equal(pbuf_handshake_load(&t.rx), 0xEEEEEEEEu);
	/* Appendix D.4: 0x00070002 -> 02 00 07 00 */
	pbuf_handshake_store(&t.rx, 0x00070002);
	memcpy(t.shadow + 4, d4, 4);
	check_image(&t);
	memcpy(t.mem + 4, le, 4);
	assert_int_equal(pbuf_handshake_load(&t.tx), 0x12345678);
	pbuf_handshake_store(&t.rx, 0);
	memset(t.shadow + 4, 0, 4);
	check_image(&t);
	ring_close(&t);

	/* Without the handshake, bytes 4..7 are padding: never used. */
	ring_open(&t, 64, 8, false);
	memcpy(t.mem + 4, le, 4);
	memcpy(t.shadow + 4, le, 4);
	assert_int_equal(pbuf_handshake_load(&t.rx), 0);
	pbuf_handshake_store(&t.rx, 0x00070002);
	check_image(&t);
	ring_close(&t);
}

/* ---------------------------------------------------------------------- */
/* Stress (the idea of Zephyr's tests/subsys/ipc/pbuf test_stress)         */

struct msg {
	uint32_t seed;
	uint32_t len;
};

static void test_pbuf_stress(void **state)
{
	static const struct layout_case cases[] = {
		{ 64, 0, false }, { 256, 32, true }, { 2048, 64, true }, { 1024, 4, false },
	};
	const long ops_per = 50000;
	uint8_t data[2048], buf[2048];
	struct msg q[512];
	uint64_t seed = 0xC0FFEE;
	struct ring t;
	long writes = 0, reads = 0, full = 0, wraps = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t head = 0, count = 0;
		uint32_t next_seed = 1, bias = 50;

		ring_open(&t, cases[k].size, cases[k].dcache, cases[k].hs);
		ring_tx_init(&t);
		uint32_t max = pbuf_max_payload(&t.l);

		for (long op = 0; op < ops_per; op++) {
			uint64_t r = tu_rand(&seed);

			if (op % 997 == 0)
				bias = 20 + (uint32_t)(tu_rand(&seed) % 61);
			if (r % 100 < bias) {
				size_t n;

				switch ((r >> 8) % 4) {
				case 0:
					n = 1 + (r >> 16) % max;
					break;
				case 1:
					n = max - (r >> 16) % (max < 8 ? max : 8);
					break;
				default:
					n = 1 + (r >> 16) % (max < 16 ? max : 16);
				}
				if (n > model_room(&t)) {
					assert_int_equal(pbuf_write(&t.tx, data, n), -ENOMEM);
					full++;
					continue;
				}
				assert_true(count < sizeof(q) / sizeof(q[0]));
				struct msg *m = &q[(head + count) % 512];

				m->seed = next_seed++;
				m->len = (uint32_t)n;
				pattern(data, n, m->seed);
				if (t.wr + 4 + n > t.l.len && t.wr + 4 < t.l.len)
					wraps++;
				do_write(&t, data, n);
				count++;
				writes++;
			} else if (count == 0) {
				assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 0);
			} else {
				struct msg *m = &q[head];

				if ((r >> 8) % 8 == 0)
					assert_int_equal(pbuf_read(&t.rx, buf, m->len - 1),
							 -EMSGSIZE);
				pattern(data, m->len, m->seed);
				do_read(&t, data, m->len);
				head = (head + 1) % 512;
				count--;
				reads++;
			}
		}
		while (count) {
			pattern(data, q[head].len, q[head].seed);
			do_read(&t, data, q[head].len);
			head = (head + 1) % 512;
			count--;
		}
		assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 0);
		ring_close(&t);
	}
	/* Sanity of the mix itself. */
	assert_true(writes > 50000);
	assert_true(reads > 50000);
	assert_true(full > 1000);
	assert_true(wraps > 1000);
}

/* ---------------------------------------------------------------------- */
/* Hostile memory: everything the peer controls                            */

/* A reader call that must find corruption and change nothing. */
static void read_corrupt(struct ring *t, uint32_t bad)
{
	uint8_t buf[64];
	uint32_t rd = t->rx.rd_local;

	memset(buf, CANARY, sizeof(buf));
	t->rx.problem = NULL;
	t->rx.bad_value = 0;
	assert_int_equal(pbuf_read(&t->rx, buf, sizeof(buf)), -EBADMSG);
	assert_non_null(t->rx.problem);
	assert_true(strlen(t->rx.problem) > 0);
	assert_int_equal(t->rx.bad_value, bad);
	assert_int_equal(t->rx.rd_local, rd);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], CANARY);
	t->rx.problem = NULL;
	assert_int_equal(pbuf_read_head(&t->rx, buf, sizeof(buf)), -EBADMSG);
	assert_non_null(t->rx.problem);
	assert_int_equal(pbuf_skip(&t->rx), -EBADMSG);
	assert_int_equal(pbuf_read(&t->rx, NULL, 0), -EBADMSG);
	assert_int_equal(t->rx.rd_local, rd);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], CANARY);
	check_image(t); /* rd_idx not stored, nothing else touched */
}

static void test_pbuf_hostile_wr_idx(void **state)
{
	uint8_t data[16];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 6);
	for (int start = 0; start < 2; start++) {
		ring_open(&t, 64, 0, false);
		ring_tx_init(&t);
		if (start) {
			/* a non-zero rd_local, ring empty */
			do_write(&t, data, 16);
			do_read(&t, data, 16);
		}
		do_write(&t, data, 5);
		uint32_t good = t.wr;
		const uint32_t bad[] = {
			good + 1, good + 2, good + 3, 2, 54, 56, 60, 64, 0x100,
			0x80000000u, 0xFFFFFFFCu, 0xFFFFFFFFu,
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			region_store32(&t.reg, t.l.wr_off, bad[i]);
			put32le(t.shadow + t.l.wr_off, bad[i]);
			read_corrupt(&t, bad[i]);
		}
		/* Restored: the packet is still there. */
		region_store32(&t.reg, t.l.wr_off, good);
		put32le(t.shadow + t.l.wr_off, good);
		do_read(&t, data, 5);
		ring_close(&t);
	}
}

static void test_pbuf_hostile_length(void **state)
{
	uint8_t data[56], buf[56];
	struct ring t;
	uint32_t d;

	(void)state;
	pattern(data, sizeof(data), 7);
	ring_open(&t, 64, 0, false);
	d = t.l.data_off;
	ring_tx_init(&t);
	do_write(&t, data, 10); /* occupies 16 */

	/* 0 in a non-empty ring */
	t.mem[d] = 0;
	t.mem[d + 1] = 0;
	memcpy(t.shadow + d, t.mem + d, 2);
	read_corrupt(&t, 0);

	/* longer than occupied (16): 13 .. 65535 */
	static const uint16_t longs[] = { 13, 14, 16, 48, 49, 52, 56, 0x100, 0x0d00, 0xFFFF };
	for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
		t.mem[d] = (uint8_t)(longs[i] >> 8);
		t.mem[d + 1] = (uint8_t)longs[i];
		memcpy(t.shadow + d, t.mem + d, 2);
		read_corrupt(&t, longs[i]);
	}

	/* 12 + 4 == occupied is still self-consistent: padding delivered. */
	t.mem[d] = 0;
	t.mem[d + 1] = 12;
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, data, 10);
	assert_int_equal(buf[10], FILL);
	assert_int_equal(buf[11], FILL);
	assert_int_equal(t.rx.rd_local, 16);
	ring_close(&t);

	/* > L - 8 in a ring holding the largest packet. */
	ring_open(&t, 64, 0, false);
	d = t.l.data_off;
	ring_tx_init(&t);
	do_write(&t, data, 48); /* occupies 52 */
	for (uint32_t n = 49; n <= 56; n++) {
		t.mem[d + 1] = (uint8_t)n;
		t.shadow[d + 1] = (uint8_t)n;
		read_corrupt(&t, n);
	}
	t.mem[d + 1] = 48;
	t.shadow[d + 1] = 48;
	do_read(&t, data, 48);

	/* The same at a wrapped position (rd = 52, header at the end). */
	do_write(&t, data, 40);
	assert_int_equal(t.wr, 40);
	t.mem[d + 52] = 0xFF;
	t.mem[d + 53] = 0xFF;
	memcpy(t.shadow + d + 52, t.mem + d + 52, 2);
	read_corrupt(&t, 0xFFFF);
	t.mem[d + 52] = 0;
	t.mem[d + 53] = 45; /* 45 + 4 > 44 */
	memcpy(t.shadow + d + 52, t.mem + d + 52, 2);
	read_corrupt(&t, 45);
	t.mem[d + 53] = 0; /* zero: bad_value is the packet's offset */
	t.shadow[d + 53] = 0;
	read_corrupt(&t, 52);
	t.mem[d + 53] = 40;
	t.shadow[d + 53] = 40;
	do_read(&t, data, 40);
	ring_close(&t);
}

static void test_pbuf_hostile_reserved_ignored(void **state)
{
	uint8_t data[16];
	struct ring t;
	uint32_t d;

	(void)state;
	pattern(data, sizeof(data), 8);
	ring_open(&t, 64, 0, false);
	d = t.l.data_off;
	ring_tx_init(&t);
	do_write(&t, data, 9);
	do_write(&t, data, 16);
	t.mem[d + 2] = 0xFF;
	t.mem[d + 3] = 0x01;
	t.shadow[d + 2] = 0xFF;
	t.shadow[d + 3] = 0x01;
	t.mem[d + 16 + 2] = 0x80;
	t.shadow[d + 16 + 2] = 0x80;
	do_read(&t, data, 9);
	do_read(&t, data, 16);

	/* peek_initial ignores them too */
	ring_tx_init(&t);
	do_write(&t, magic, sizeof(magic));
	t.mem[d + 2] = 0xAB;
	t.mem[d + 3] = 0xCD;
	assert_int_equal(pbuf_peek_initial(&t.rx, data, sizeof(data)), 13);
	assert_memory_equal(data, magic, 13);
	ring_close(&t);
}

static void test_pbuf_hostile_rd_idx(void **state)
{
	uint8_t data[16];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 10);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	do_write(&t, data, 7);
	do_read(&t, data, 7);
	do_write(&t, data, 3);

	const uint32_t bad[] = {
		1, 2, 3, 6, 9, 54, 56, 60, 64, 0x10000, 0xFFFFFFFCu, 0xFFFFFFFFu,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		region_store32(&t.reg, t.l.rd_off, bad[i]);
		put32le(t.shadow + t.l.rd_off, bad[i]);
		t.tx.problem = NULL;
		t.tx.bad_value = 0;
		/* A write loads rd_idx only when the room it saw last runs
		 * out; a publish always does, and finds it corrupt... */
		assert_true(pbuf_publish(&t.tx));
		assert_non_null(t.tx.problem);
		assert_true(strlen(t.tx.problem) > 0);
		assert_int_equal(t.tx.bad_value, bad[i]);
		/* ...after which every write loads it again, and refuses. */
		write_fails(&t, 1, -EINVAL);
		write_fails(&t, 40, -EINVAL);
	}
	/* Back to the real value: writes resume where they were. */
	region_store32(&t.reg, t.l.rd_off, 12);
	put32le(t.shadow + t.l.rd_off, 12);
	do_write(&t, data, 16);
	do_read(&t, data, 3);
	do_read(&t, data, 16);

	/* An rd_idx valid but odd (ahead of wr) only limits the room. */
	region_store32(&t.reg, t.l.rd_off, (t.wr + 8) % t.l.len);
	put32le(t.shadow + t.l.rd_off, (t.wr + 8) % t.l.len);
	t.rd = (t.wr + 8) % t.l.len;
	write_fails(&t, 1, -ENOMEM); /* occupied L - 8, free 4 */
	ring_close(&t);
}

/* Bytes the reader has not consumed yet, as the writer sees them. */
static void test_pbuf_tx_pending(void **state)
{
	uint8_t data[16];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 13);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	assert_int_equal(pbuf_tx_pending(&t.tx), 0);
	do_write(&t, magic, sizeof(magic));
	assert_int_equal(pbuf_tx_pending(&t.tx), 20);
	do_write(&t, data, 5);
	assert_int_equal(pbuf_tx_pending(&t.tx), 32);
	do_read(&t, magic, sizeof(magic));
	assert_int_equal(pbuf_tx_pending(&t.tx), 12);
	do_read(&t, data, 5);
	assert_int_equal(pbuf_tx_pending(&t.tx), 0);

	/* wrapped: rd = 48, wr = 4 */
	ring_seek(&t, 48);
	do_write(&t, data, 7);
	assert_int_equal(t.wr, 4);
	assert_int_equal(pbuf_tx_pending(&t.tx), 12);

	const uint32_t bad[] = { 2, 50, 56, 0x100, 0xFFFFFFFFu };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		region_store32(&t.reg, t.l.rd_off, bad[i]);
		put32le(t.shadow + t.l.rd_off, bad[i]);
		assert_int_equal(pbuf_tx_pending(&t.tx), -EINVAL);
		assert_int_equal(t.tx.wr_local, 4);
		check_image(&t);
	}
	ring_close(&t);
}

static void test_pbuf_rx_resync(void **state)
{
	struct ring t;

	(void)state;
	ring_open(&t, 64, 0, false);
	assert_int_equal(pbuf_rx_resync(&t.rx, 20), 0);
	assert_int_equal(t.rx.rd_local, 20);
	assert_int_equal(pbuf_rx_resync(&t.rx, 22), -EBADMSG);
	assert_int_equal(t.rx.bad_value, 22);
	assert_non_null(t.rx.problem);
	assert_int_equal(pbuf_rx_resync(&t.rx, 56), -EBADMSG);
	assert_int_equal(pbuf_rx_resync(&t.rx, 0xFFFFFFFFu), -EBADMSG);
	assert_int_equal(t.rx.rd_local, 20);
	assert_int_equal(pbuf_rx_resync(&t.rx, 52), 0);
	assert_int_equal(t.rx.rd_local, 52);
	/* no memory access at all */
	check_image(&t);
	ring_close(&t);
}

/* The writer's tx_init while we read: the copy is void, its reset stays. */
static void test_pbuf_writer_reset_while_reading(void **state)
{
	uint8_t data[12], buf[16];
	struct ring t;

	(void)state;
	pattern(data, sizeof(data), 3);
	ring_open(&t, 64, 0, false);
	ring_tx_init(&t);
	do_write(&t, data, 12);
	do_read(&t, data, 12);
	do_write(&t, data, 5);
	/* The writer restarts: rd_idx 0 written between our wr_idx load
	 * and our rd_idx store (modelled by storing it first). */
	region_store32(&t.reg, t.l.rd_off, 0);
	assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(get32le(t.mem + t.l.rd_off), 0); /* not overwritten */
	assert_int_equal(t.rx.rd_local, 16);               /* nothing consumed */
	assert_int_equal(pbuf_read_head(&t.rx, buf, 4), -ECONNRESET);
	assert_int_equal(pbuf_skip(&t.rx), -ECONNRESET);
	/* Once resynced (the protocol does it), reading works again. */
	assert_int_equal(pbuf_rx_resync(&t.rx, 0), 0);
	assert_int_equal(pbuf_read(&t.rx, buf, sizeof(buf)), 12);
	assert_false(t.reg.bad_access);
	ring_close(&t);
}

static bool index_ok(const struct ring *t, uint32_t v)
{
	return v % 4 == 0 && v < t->l.len;
}

/* Random peer bytes anywhere while we read: only the documented results. */
static void test_pbuf_hostile_fuzz(void **state)
{
	static const struct layout_case cases[] = {
		{ 128, 0, false }, { 96, 32, true },
	};
	uint8_t data[256], buf[256];
	uint64_t seed = 0xF00D;
	long ok = 0, bad = 0, empty = 0, big = 0, wrote = 0, resets = 0;

	(void)state;
	pattern(data, sizeof(data), 11);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ring t;

		ring_open(&t, cases[k].size, cases[k].dcache, cases[k].hs);
		ring_tx_init(&t);
		uint32_t L = t.l.len, S = t.l.size, max = pbuf_max_payload(&t.l);
		bool problem = false;

		for (long it = 0; it < 50000; it++) {
			uint64_t r = tu_rand(&seed);
			uint32_t v = (uint32_t)(r >> 32);

			switch (r % 16) {
			case 0: /* a random byte anywhere */
				t.mem[(r >> 8) % S] = (uint8_t)(r >> 24);
				break;
			case 1: /* a random wr_idx */
				region_store32(&t.reg, t.l.wr_off, v);
				break;
			case 2: /* a plausible wr_idx */
				region_store32(&t.reg, t.l.wr_off, (v % L) & ~3u);
				break;
			case 3: /* a random length at our read position */
				t.mem[t.l.data_off + t.rx.rd_local + (r >> 8) % 2] = (uint8_t)v;
				break;
			case 4: /* a random rd_idx */
				region_store32(&t.reg, t.l.rd_off,
					       r & 0x100 ? v : (v % L) & ~3u);
				break;
			case 6: /* the writer starts over where we are */
				t.tx.wr_local = t.rx.rd_local;
				t.tx.wr_published = t.rx.rd_local;
				t.tx.rd_seen = t.rx.rd_local;
				region_store32(&t.reg, t.l.wr_off, t.rx.rd_local);
				region_store32(&t.reg, t.l.rd_off, t.rx.rd_local);
				break;
			case 5:
			case 7:
			case 8:
			case 9:
			case 10: { /* an honest write */
				size_t n = 1 + (r >> 8) % (max + 2);
				uint32_t rd = get32le(t.mem + t.l.rd_off);
				int exp;

				/* rd_idx is loaded only when the room seen last
				 * is too small, or after it was found corrupt;
				 * every publish loads it too. */
				uint32_t seen = t.tx.rd_seen;
				bool load = n + 4 > L - model_occupied(L, t.tx.wr_local, seen) - 4 ||
					    problem;

				if (n > max) {
					exp = -EMSGSIZE;
				} else if (load && !index_ok(&t, rd)) {
					exp = -EINVAL;
					problem = true;
				} else {
					uint32_t occ = model_occupied(L, t.tx.wr_local, load ? rd : seen);

					exp = n + 4 > L - occ - 4 ? -ENOMEM : (int)n;
					if (exp > 0 && !index_ok(&t, rd))
						problem = true;
				}
				assert_int_equal(pbuf_write(&t.tx, data, n), exp);
				assert_int_equal(t.tx.problem != NULL, problem);
				if (exp > 0)
					wrote++;
				break;
			}
			default:
				break;
			}

			/* Read whatever is there now. */
			uint32_t rd0 = t.rx.rd_local;
			uint32_t wr = get32le(t.mem + t.l.wr_off);
			uint32_t shared_rd0 = get32le(t.mem + t.l.rd_off);
			size_t cap = r & 0x10000 ? (r >> 40) % (L + 1) : sizeof(buf);
			int ret;

			switch ((r >> 20) % 4) {
			case 0:
				ret = pbuf_read_head(&t.rx, buf, cap);
				assert_true(ret != -EMSGSIZE);
				break;
			case 1:
				ret = pbuf_peek_initial(&t.rx, buf, cap);
				if (ret == -ENODATA)
					ret = 0;
				else
					assert_true(ret > 0 && (uint32_t)ret + 4 <= wr);
				assert_int_equal(t.rx.rd_local, rd0);
				break;
			default:
				ret = pbuf_read(&t.rx, buf, cap);
			}
			if (ret > 0) {
				assert_true((uint32_t)ret <= L - 8);
				assert_true(index_ok(&t, wr));
				assert_true((uint32_t)ret + 4 <= model_occupied(L, wr, rd0));
				if ((r >> 20) % 4 != 1) {
					assert_int_equal(t.rx.rd_local, model_next(L, rd0, ret));
					assert_int_equal(get32le(t.mem + t.l.rd_off),
							 t.rx.rd_local);
				}
				ok++;
			} else if (ret == 0) {
				assert_int_equal(t.rx.rd_local, rd0);
				empty++;
			} else if (ret == -EMSGSIZE) {
				assert_true(cap < L - 8);
				assert_int_equal(t.rx.rd_local, rd0);
				big++;
			} else if (ret == -ECONNRESET) {
				/* rd_idx changed under us: nothing consumed, and
				 * the writer's value is not overwritten. */
				assert_int_equal(t.rx.rd_local, rd0);
				assert_int_equal(get32le(t.mem + t.l.rd_off), shared_rd0);
				assert_true(shared_rd0 != t.rx.rd_published);
				if (index_ok(&t, shared_rd0))
					assert_int_equal(pbuf_rx_resync(&t.rx, shared_rd0), 0);
				resets++;
			} else {
				assert_int_equal(ret, -EBADMSG);
				assert_non_null(t.rx.problem);
				assert_int_equal(t.rx.rd_local, rd0);
				bad++;
			}
			assert_true(index_ok(&t, t.rx.rd_local));
			assert_false(t.reg.bad_access);

			/* Sometimes drain: each read frees >= 8 bytes, so at
			 * most L / 8 reads before the ring is empty or bad. */
			if (r % 97 == 0) {
				uint32_t i;

				for (i = 0; i <= L / 8; i++) {
					ret = pbuf_read(&t.rx, buf, sizeof(buf));
					assert_true(ret == 0 || ret == -EBADMSG || ret == -ECONNRESET ||
						    (ret > 0 && (uint32_t)ret <= L - 8));
					if (ret <= 0)
						break;
				}
				assert_true(i <= L / 8);
			}
		}
		ring_close(&t);
	}
	/* The fuzz did reach every outcome. */
	assert_true(ok > 1000);
	assert_true(bad > 1000);
	assert_true(empty > 1000);
	assert_true(big > 10);
	assert_true(wrote > 1000);
	assert_true(resets > 100);
}

/* ---------------------------------------------------------------------- */
/* Region accessors                                                       */

static void test_pbuf_region_bounds(void **state)
{
	uint8_t *mem = malloc(16), before[16], buf[8];
	struct region r;

	(void)state;
	assert_non_null(mem);
	memset(mem, FILL, 16);
	memcpy(before, mem, 16);
	region_init_mem(&r, mem, 16);
	assert_false(r.bad_access);
	assert_ptr_equal(r.base, mem);
	assert_int_equal(r.size, 16);

	/* in range: little-endian 32-bit words */
	region_store32(&r, 12, 0x11223344);
	assert_int_equal(mem[12], 0x44);
	assert_int_equal(mem[13], 0x33);
	assert_int_equal(mem[14], 0x22);
	assert_int_equal(mem[15], 0x11);
	assert_int_equal(region_load32(&r, 12), 0x11223344);
	assert_int_equal(region_load32(&r, 0), 0xEEEEEEEEu);
	assert_false(r.bad_access);
	memcpy(mem + 12, before, 4);

	/* out of range loads: 0 and flagged */
	static const size_t offs[] = { 13, 14, 15, 16, 20, 1u << 20, SIZE_MAX - 3, SIZE_MAX };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		r.bad_access = false;
		assert_int_equal(region_load32(&r, offs[i]), 0);
		assert_true(r.bad_access);
		r.bad_access = false;
		region_store32(&r, offs[i], 0);
		assert_true(r.bad_access);
		assert_memory_equal(mem, before, 16);
	}

	/* misaligned in range: never touches memory */
	region_store32(&r, 2, 0);
	assert_memory_equal(mem, before, 16);
	assert_int_equal(region_load32(&r, 2), 0);

	/* byte copies */
	r.bad_access = false;
	memset(buf, CANARY, sizeof(buf));
	region_read(&r, 10, buf, 6);
	assert_false(r.bad_access);
	assert_memory_equal(buf, before + 10, 6);
	region_read(&r, 16, buf, 0);
	assert_false(r.bad_access);
	memset(buf, CANARY, sizeof(buf));
	region_read(&r, 10, buf, 7);
	assert_true(r.bad_access);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(buf[i], 0); /* zeroed, not copied */
	assert_int_equal(buf[7], CANARY);
	r.bad_access = false;
	region_read(&r, SIZE_MAX, buf, 2);
	assert_true(r.bad_access);
	r.bad_access = false;
	region_read(&r, 17, buf, 0);
	assert_true(r.bad_access);

	r.bad_access = false;
	memset(buf, 0x42, sizeof(buf));
	region_write(&r, 12, buf, 5);
	assert_true(r.bad_access);
	assert_memory_equal(mem, before, 16);
	r.bad_access = false;
	region_write(&r, 8, buf, SIZE_MAX);
	assert_true(r.bad_access);
	r.bad_access = false;
	region_write(&r, SIZE_MAX - 1, buf, 4);
	assert_true(r.bad_access);
	assert_memory_equal(mem, before, 16);
	r.bad_access = false;
	region_write(&r, 12, buf, 4);
	assert_false(r.bad_access);
	assert_memory_equal(mem + 12, buf, 4);
	assert_memory_equal(mem, before, 12);

	/* closing caller memory does not free it */
	region_close(&r);
	assert_null(r.base);
	assert_int_equal(r.size, 0);
	mem[0] = 1;
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pbuf_layout_table),
		cmocka_unit_test(test_pbuf_layout_rejects),
		cmocka_unit_test(test_pbuf_round_trip),
		cmocka_unit_test(test_pbuf_round_trip_batches),
		cmocka_unit_test(test_pbuf_vector_d1_d2),
		cmocka_unit_test(test_pbuf_vector_d3_free_space),
		cmocka_unit_test(test_pbuf_free_space_boundary),
		cmocka_unit_test(test_pbuf_write_errors),
		cmocka_unit_test(test_pbuf_read_small_cap),
		cmocka_unit_test(test_pbuf_read_head_and_skip),
		cmocka_unit_test(test_pbuf_peek_initial),
		cmocka_unit_test(test_pbuf_tx_init_touches_only_indices),
		cmocka_unit_test(test_pbuf_padding_untouched),
		cmocka_unit_test(test_pbuf_handshake_word),
		cmocka_unit_test(test_pbuf_stress),
		cmocka_unit_test(test_pbuf_hostile_wr_idx),
		cmocka_unit_test(test_pbuf_hostile_length),
		cmocka_unit_test(test_pbuf_hostile_reserved_ignored),
		cmocka_unit_test(test_pbuf_hostile_rd_idx),
		cmocka_unit_test(test_pbuf_tx_pending),
		cmocka_unit_test(test_pbuf_rx_resync),
		cmocka_unit_test(test_pbuf_writer_reset_while_reading),
		cmocka_unit_test(test_pbuf_hostile_fuzz),
		cmocka_unit_test(test_pbuf_region_bounds),
		/* last: a UBSan finding here stops the program */
		cmocka_unit_test(test_pbuf_peek_initial_null_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
