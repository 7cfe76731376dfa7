// SPDX-License-Identifier: MIT
/*
 * Tests of the read-only inspection API: icmsg_region_inspect() on images
 * built with the pbuf writer (or by hand from spec Appendix D), and
 * icmsg_region_read() on temporary files.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "icmsg/icmsg.h"
#include "pbuf.h"
#include "region.h"
#include "test-util.h"

#define FILL 0xEE

static const uint8_t magic[13] = {
	0x45, 0x6d, 0x31, 0x6c, 0x31, 0x4b, 0x30, 0x72, 0x6e, 0x33, 0x6c, 0x69, 0x34,
};

/* A region image of exactly @size bytes (ASan), written with the pbuf code. */
struct img {
	uint8_t *mem;
	struct region reg;
	struct pbuf_layout l;
	struct pbuf tx, rx;
};

static void img_open(struct img *m, uint32_t size, uint32_t dcache, bool hs)
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(pbuf_layout_init(&m->l, size, dcache, hs, NULL), 0);
	m->mem = malloc(size);
	assert_non_null(m->mem);
	memset(m->mem, FILL, size);
	region_init_mem(&m->reg, m->mem, size);
	pbuf_init(&m->tx, &m->reg, &m->l);
	pbuf_init(&m->rx, &m->reg, &m->l);
	pbuf_tx_init(&m->tx);
}

static void img_close(struct img *m)
{
	free(m->mem);
	m->mem = NULL;
}

static void img_write(struct img *m, const void *data, size_t n)
{
	assert_int_equal(pbuf_write(&m->tx, data, n), (int)n);
}

static void img_read(struct img *m, size_t n)
{
	uint8_t buf[256];

	assert_int_equal(pbuf_read(&m->rx, buf, sizeof(buf)), (int)n);
}

static void pattern(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed * 13u + i * 5u + 1u);
}

/* What the callback saw. */
struct seen {
	int calls;
	int stop_at; /* return non-zero on this call (1-based), 0: never */
	uint32_t off[32];
	size_t len[32];
	uint8_t data[32][256];
};

static int record(uint32_t offset, const void *data, size_t len, void *userdata)
{
	struct seen *s = userdata;

	assert_true(s->calls < 32);
	assert_true(len <= 256);
	s->off[s->calls] = offset;
	s->len[s->calls] = len;
	memcpy(s->data[s->calls], data, len);
	s->calls++;
	return s->calls == s->stop_at;
}

/* Inspect @m's image; also checks the image was not modified. */
static int inspect(struct img *m, struct icmsg_region_info *info, struct seen *s)
{
	uint8_t *before = malloc(m->l.size);
	int ret;

	assert_non_null(before);
	memcpy(before, m->mem, m->l.size);
	memset(info, 0x5A, sizeof(*info));
	if (s)
		s->calls = 0;
	ret = icmsg_region_inspect(m->mem, m->l.size, m->l.dcache, m->l.handshake, info,
				   s ? record : NULL, s);
	assert_memory_equal(m->mem, before, m->l.size);
	free(before);
	return ret;
}

static void check_layout(const struct icmsg_region_info *info, const struct pbuf_layout *l)
{
	assert_int_equal(info->size, l->size);
	assert_int_equal(info->dcache_alignment, l->dcache);
	assert_int_equal(info->has_handshake, l->handshake);
	assert_int_equal(info->rd_idx_off, 0);
	assert_int_equal(info->handshake_off, l->handshake ? 4 : 0);
	assert_int_equal(info->wr_idx_off, l->wr_off);
	assert_int_equal(info->data_off, l->data_off);
	assert_int_equal(info->data_len, l->len);
}

static void check_ok(const struct icmsg_region_info *info)
{
	assert_int_equal(info->error, 0);
	assert_string_equal(info->problem, "");
}

static void test_inspect_empty(void **state)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	struct img m;

	(void)state;
	img_open(&m, 256, 32, true);
	pbuf_handshake_store(&m.rx, 0x00070002);
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	assert_int_equal(info.size, 256);
	assert_int_equal(info.dcache_alignment, 32);
	assert_true(info.has_handshake);
	assert_int_equal(info.rd_idx_off, 0);
	assert_int_equal(info.handshake_off, 4);
	assert_int_equal(info.wr_idx_off, 32);
	assert_int_equal(info.data_off, 36);
	assert_int_equal(info.data_len, 220);
	assert_int_equal(info.rd_idx, 0);
	assert_int_equal(info.wr_idx, 0);
	assert_int_equal(info.handshake, 0x00070002);
	assert_int_equal(info.used, 0);
	assert_int_equal(info.free, 216);
	assert_int_equal(info.packets, 0);
	assert_int_equal(info.pending_bytes, 0);
	assert_false(info.magic_first);
	assert_int_equal(s.calls, 0);
	img_close(&m);

	/* Without the handshake, bytes 4..7 are padding: not reported. */
	img_open(&m, 64, 8, false);
	memset(m.mem + 4, 0x42, 4);
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	assert_false(info.has_handshake);
	assert_int_equal(info.handshake_off, 0);
	assert_int_equal(info.handshake, 0);
	assert_int_equal(info.wr_idx_off, 8);
	assert_int_equal(info.data_len, 52);
	assert_int_equal(info.free, 48);
	img_close(&m);

	/* Drained at a non-zero position: empty, indices as they are. */
	img_open(&m, 64, 0, false);
	img_write(&m, magic, sizeof(magic));
	img_read(&m, sizeof(magic));
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	assert_int_equal(info.rd_idx, 20);
	assert_int_equal(info.wr_idx, 20);
	assert_int_equal(info.used, 0);
	assert_int_equal(info.free, 52);
	assert_int_equal(info.packets, 0);
	assert_false(info.magic_first);
	assert_int_equal(s.calls, 0);
	img_close(&m);
}

static void test_inspect_packets(void **state)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t p5[5], p30[30];
	struct img m;

	(void)state;
	pattern(p5, sizeof(p5), 1);
	pattern(p30, sizeof(p30), 2);
	img_open(&m, 128, 0, false);
	img_write(&m, magic, sizeof(magic)); /* 0..19 */
	img_write(&m, p5, sizeof(p5));       /* 20..31 */
	img_write(&m, p30, sizeof(p30));     /* 32..67 */
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	check_layout(&info, &m.l);
	assert_int_equal(info.rd_idx, 0);
	assert_int_equal(info.wr_idx, 68);
	assert_int_equal(info.used, 68);
	assert_int_equal(info.free, 120 - 68 - 4);
	assert_int_equal(info.packets, 3);
	assert_int_equal(info.pending_bytes, 13 + 5 + 30);
	assert_true(info.magic_first);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.off[0], 0);
	assert_int_equal(s.off[1], 20);
	assert_int_equal(s.off[2], 32);
	assert_int_equal(s.len[0], 13);
	assert_int_equal(s.len[1], 5);
	assert_int_equal(s.len[2], 30);
	assert_memory_equal(s.data[0], magic, 13);
	assert_memory_equal(s.data[1], p5, 5);
	assert_memory_equal(s.data[2], p30, 30);

	/* No callback: the same counts. */
	memset(&info, 0x5A, sizeof(info));
	assert_int_equal(icmsg_region_inspect(m.mem, 128, 0, false, &info, NULL, NULL), 0);
	check_ok(&info);
	assert_int_equal(info.packets, 3);
	assert_int_equal(info.pending_bytes, 48);
	img_close(&m);
}

/* The walk unwraps payloads and follows wrapped indices (used via L). */
static void test_inspect_wrapped(void **state)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t p20[20], p30[30], p5[5], big[44];
	struct img m;

	(void)state;
	pattern(big, sizeof(big), 6);
	pattern(p20, sizeof(p20), 3);
	pattern(p30, sizeof(p30), 4);
	pattern(p5, sizeof(p5), 5);
	img_open(&m, 64, 8, true); /* L = 52 */
	img_write(&m, p20, sizeof(p20));
	img_read(&m, sizeof(p20));       /* rd = wr = 24 */
	img_write(&m, p30, sizeof(p30)); /* 24..27, 28..51 + 0..5, wr = 8 */
	img_write(&m, p5, sizeof(p5));   /* 8..19, wr = 20 */
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	check_layout(&info, &m.l);
	assert_int_equal(info.rd_idx, 24);
	assert_int_equal(info.wr_idx, 20);
	assert_int_equal(info.used, 48);
	assert_int_equal(info.free, 0);
	assert_int_equal(info.packets, 2);
	assert_int_equal(info.pending_bytes, 35);
	assert_false(info.magic_first);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.off[0], 24);
	assert_int_equal(s.len[0], 30);
	assert_memory_equal(s.data[0], p30, 30);
	assert_int_equal(s.off[1], 8);
	assert_int_equal(s.len[1], 5);
	assert_memory_equal(s.data[1], p5, 5);

	/* Header in the last slot, payload from offset 0. */
	img_read(&m, 30);
	img_read(&m, 5);         /* rd = wr = 20 */
	img_write(&m, big, 28);  /* 20..51, wr = 0 */
	img_read(&m, 28);
	img_write(&m, big, 44);  /* 0..47, wr = 48 */
	img_read(&m, 44);
	img_write(&m, p20, 3);   /* 48..51, 0..2, wr = 4 */
	img_write(&m, p5, 5);    /* 4..15, wr = 16 */
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	assert_int_equal(info.rd_idx, 48);
	assert_int_equal(info.wr_idx, 16);
	assert_int_equal(info.used, 20);
	assert_int_equal(info.free, 28);
	assert_int_equal(info.packets, 2);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.off[0], 48);
	assert_int_equal(s.len[0], 3);
	assert_memory_equal(s.data[0], p20, 3);
	assert_int_equal(s.off[1], 4);
	assert_int_equal(s.len[1], 5);
	assert_memory_equal(s.data[1], p5, 5);
	img_close(&m);
}

/* Spec Appendix D.1, byte for byte, not written by our own writer. */
static void test_inspect_vector_d1(void **state)
{
	static const uint8_t head[25] = {
		0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00,
		0x45, 0x6d, 0x31, 0x6c, 0x31, 0x4b, 0x30, 0x72, 0x6e, 0x33, 0x6c, 0x69, 0x34,
	};
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t *image = malloc(64);

	(void)state;
	assert_non_null(image);
	memset(image, 0x99, 64);
	memcpy(image, head, sizeof(head));
	s.calls = 0;
	assert_int_equal(icmsg_region_inspect(image, 64, 0, false, &info, record, &s), 0);
	check_ok(&info);
	assert_int_equal(info.wr_idx_off, 4);
	assert_int_equal(info.data_off, 8);
	assert_int_equal(info.data_len, 56);
	assert_int_equal(info.wr_idx, 20);
	assert_int_equal(info.used, 20);
	assert_int_equal(info.free, 32);
	assert_int_equal(info.packets, 1);
	assert_true(info.magic_first);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.off[0], 0);
	assert_int_equal(s.len[0], 13);
	assert_memory_equal(s.data[0], magic, 13);
	/* the caller's image: rd_idx still 0 */
	assert_memory_equal(image, head, sizeof(head));
	free(image);
}

static bool magic_first_of(const void *first, size_t n1, const void *second, size_t n2,
			   bool consume_first)
{
	struct icmsg_region_info info;
	struct img m;
	bool ret;

	img_open(&m, 128, 0, false);
	if (first)
		img_write(&m, first, n1);
	if (second)
		img_write(&m, second, n2);
	if (consume_first)
		img_read(&m, n1);
	assert_int_equal(inspect(&m, &info, NULL), 0);
	check_ok(&info);
	ret = info.magic_first;
	img_close(&m);
	return ret;
}

static void test_inspect_magic_first(void **state)
{
	uint8_t longer[20], other[13];

	(void)state;
	memcpy(longer, magic, 13);
	memset(longer + 13, 0x01, 7);
	memcpy(other, magic, 13);
	other[12] ^= 1;

	assert_true(magic_first_of(magic, 13, NULL, 0, false));
	assert_true(magic_first_of(magic, 13, other, 13, false));
	/* v1 accepts a longer magic packet (spec 3.2) */
	assert_true(magic_first_of(longer, 20, NULL, 0, false));
	assert_false(magic_first_of(magic, 12, NULL, 0, false));
	assert_false(magic_first_of(other, 13, NULL, 0, false));
	assert_false(magic_first_of(other, 13, magic, 13, false));
	/* already consumed: the first *pending* packet is not the magic */
	assert_false(magic_first_of(magic, 13, other, 13, true));
	assert_true(magic_first_of(other, 13, magic, 13, true));
	assert_false(magic_first_of(NULL, 0, NULL, 0, false));
}

static void test_inspect_callback_stops(void **state)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t p[4][10];
	struct img m;

	(void)state;
	img_open(&m, 128, 0, false);
	for (uint32_t i = 0; i < 4; i++) {
		pattern(p[i], 3 + i, i);
		img_write(&m, p[i], 3 + i);
	}
	s.stop_at = 2;
	assert_int_equal(inspect(&m, &info, &s), 0);
	check_ok(&info);
	assert_int_equal(s.calls, 2);
	/* packets and bytes count what the walk decoded */
	assert_int_equal(info.packets, 2);
	assert_int_equal(info.pending_bytes, 3 + 4);
	assert_int_equal(s.off[1], 8);
	assert_memory_equal(s.data[1], p[1], 4);
	/* the indices still describe the whole ring */
	assert_int_equal(info.wr_idx, 8 + 8 + 12 + 12);
	assert_int_equal(info.used, 40);

	s.stop_at = 1;
	assert_int_equal(inspect(&m, &info, &s), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(info.packets, 1);

	s.stop_at = 0;
	assert_int_equal(inspect(&m, &info, &s), 0);
	assert_int_equal(s.calls, 4);
	assert_int_equal(info.packets, 4);
	assert_int_equal(info.pending_bytes, 3 + 4 + 5 + 6);
	img_close(&m);
}

/* An index the peer corrupted: reported, no walk. */
static void bad_index(uint32_t off, uint32_t value, const char *name, const char *text)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	struct img m;

	img_open(&m, 64, 0, false); /* L = 56 */
	img_write(&m, magic, sizeof(magic));
	region_store32(&m.reg, off, value);
	assert_int_equal(inspect(&m, &info, &s), 0);
	assert_int_equal(info.error, -EBADMSG);
	assert_non_null(strstr(info.problem, name));
	assert_non_null(strstr(info.problem, text));
	check_layout(&info, &m.l);
	if (off == 0)
		assert_int_equal(info.rd_idx, value);
	else
		assert_int_equal(info.wr_idx, value);
	assert_int_equal(info.used, 0);
	assert_int_equal(info.free, 0);
	assert_int_equal(info.packets, 0);
	assert_int_equal(info.pending_bytes, 0);
	assert_false(info.magic_first);
	assert_int_equal(s.calls, 0);
	img_close(&m);
}

static void test_inspect_bad_indices(void **state)
{
	(void)state;
	bad_index(0, 6, "rd_idx", "6");
	bad_index(0, 56, "rd_idx", "56");
	bad_index(0, 0x100, "rd_idx", "256");
	bad_index(0, 0xFFFFFFFFu, "rd_idx", "4294967295");
	bad_index(4, 21, "wr_idx", "21");
	bad_index(4, 56, "wr_idx", "56");
	bad_index(4, 0x80000000u, "wr_idx", "2147483648");

	/* Both bad: the first problem (rd_idx) is the one reported. */
	struct icmsg_region_info info;
	struct img m;

	img_open(&m, 64, 0, false);
	region_store32(&m.reg, 0, 2);
	region_store32(&m.reg, 4, 3);
	assert_int_equal(inspect(&m, &info, NULL), 0);
	assert_int_equal(info.error, -EBADMSG);
	assert_non_null(strstr(info.problem, "rd_idx 2"));
	assert_null(strstr(info.problem, "wr_idx"));
	assert_int_equal(info.rd_idx, 2);
	assert_int_equal(info.wr_idx, 3);
	img_close(&m);
}

/* A corrupt length after good packets: those are reported, then the error. */
static void bad_length(uint8_t hi, uint8_t lo, const char *text, const char *value)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t p[8];
	struct img m;
	uint32_t d;

	pattern(p, sizeof(p), 9);
	img_open(&m, 128, 0, false);
	d = m.l.data_off;
	img_write(&m, magic, sizeof(magic)); /* 0 */
	img_write(&m, p, 8);                 /* 20 */
	img_write(&m, p, 6);                 /* 32..43 */
	m.mem[d + 32] = hi;
	m.mem[d + 33] = lo;
	assert_int_equal(inspect(&m, &info, &s), 0);
	assert_int_equal(info.error, -EBADMSG);
	assert_non_null(strstr(info.problem, "data offset 32"));
	assert_non_null(strstr(info.problem, text));
	assert_non_null(strstr(info.problem, value));
	assert_int_equal(info.rd_idx, 0);
	assert_int_equal(info.wr_idx, 44);
	assert_int_equal(info.used, 44);
	assert_int_equal(info.packets, 2);
	assert_int_equal(info.pending_bytes, 21);
	assert_true(info.magic_first);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.off[1], 20);
	assert_memory_equal(s.data[1], p, 8);
	img_close(&m);
}

static void test_inspect_bad_length(void **state)
{
	(void)state;
	bad_length(0, 0, "zero", "");
	bad_length(0, 9, "length", "9");        /* 9 + 4 > 12 occupied */
	bad_length(0xFF, 0xFF, "length", "65535");
	bad_length(0, 117, "length", "117");    /* > L - 8 */
	/* reserved bytes are not a problem */
	struct icmsg_region_info info;
	struct img m;

	img_open(&m, 64, 0, false);
	img_write(&m, magic, sizeof(magic));
	m.mem[m.l.data_off + 2] = 0xFF;
	m.mem[m.l.data_off + 3] = 0x01;
	assert_int_equal(inspect(&m, &info, NULL), 0);
	check_ok(&info);
	assert_int_equal(info.packets, 1);
	assert_true(info.magic_first);
	img_close(&m);
}

struct layout_arg {
	size_t size;
	uint32_t dcache;
	bool hs;
};

static void test_inspect_bad_layout(void **state)
{
	static const struct layout_arg bad[] = {
		{ 0, 0, false }, { 2050, 0, false }, { 2048, 12, false }, { 2048, 2, false },
		{ 2048, 8192, false }, { 2048, 0, true }, { 2048, 4, true }, { 16, 0, false },
		{ 76, 64, false },
	};
	struct icmsg_region_info info, before;
	uint8_t *image = calloc(1, 4096);
	struct seen s = { 0 };

	(void)state;
	assert_non_null(image);
	memset(&before, 0x5A, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		info = before;
		s.calls = 0;
		assert_int_equal(icmsg_region_inspect(image, bad[i].size, bad[i].dcache,
						      bad[i].hs, &info, record, &s), -EINVAL);
		assert_memory_equal(&info, &before, sizeof(info));
		assert_int_equal(s.calls, 0);
	}
	info = before;
	assert_int_equal(icmsg_region_inspect(NULL, 64, 0, false, &info, NULL, NULL), -EINVAL);
	assert_memory_equal(&info, &before, sizeof(info));
	assert_int_equal(icmsg_region_inspect(image, 64, 0, false, NULL, NULL, NULL), -EINVAL);
	/* the same image with a possible layout is fine */
	assert_int_equal(icmsg_region_inspect(image, 2048, 8, true, &info, NULL, NULL), 0);
	check_ok(&info);
	free(image);
}

/* A read-only image: any write, even a temporary one, would fault. */
static void test_inspect_image_read_only(void **state)
{
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t data[200], *image;
	long page = sysconf(_SC_PAGESIZE);
	struct img m;

	(void)state;
	pattern(data, sizeof(data), 12);
	img_open(&m, (uint32_t)page, 64, true);
	pbuf_handshake_store(&m.rx, 0x00010002);
	for (int i = 0; i < 10; i++)
		img_write(&m, data, 20 * (size_t)i + 1);
	image = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	assert_true(image != MAP_FAILED);
	memcpy(image, m.mem, (size_t)page);
	assert_int_equal(mprotect(image, (size_t)page, PROT_READ), 0);

	assert_int_equal(icmsg_region_inspect(image, (size_t)page, 64, true, &info, record, &s),
			 0);
	check_ok(&info);
	assert_int_equal(info.packets, 10);
	assert_int_equal(info.handshake, 0x00010002);
	assert_int_equal(s.calls, 10);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(s.len[i], 20 * (size_t)i + 1);
		assert_memory_equal(s.data[i], data, s.len[i]);
	}
	assert_memory_equal(image, m.mem, (size_t)page);
	/* twice: the same answer, nothing was consumed */
	assert_int_equal(icmsg_region_inspect(image, (size_t)page, 64, true, &info, NULL, NULL),
			 0);
	assert_int_equal(info.packets, 10);
	munmap(image, (size_t)page);
	img_close(&m);
}

/* ---------------------------------------------------------------------- */
/* icmsg_region_read()                                                    */

static char *make_file(const char *dir, const char *name, size_t size, char *path, size_t cap)
{
	uint8_t *buf = malloc(size ? size : 1);
	FILE *f;

	assert_non_null(buf);
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8));
	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
	free(buf);
	return path;
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_inspect_region_read(void **state)
{
	char *dir = tu_mkdtemp(), path[512], missing[512];
	struct icmsg_region_config rc = { 0 };
	uint8_t *buf = malloc(8192), expect[256];
	uint32_t crc;

	(void)state;
	assert_non_null(buf);
	make_file(dir, "r.bin", 8192, path, sizeof(path));
	for (size_t i = 0; i < 256; i++)
		expect[i] = (uint8_t)((4100 + i) * 7 + ((4100 + i) >> 8));

	rc.type = ICMSG_REGION_FILE;
	rc.path = path;
	rc.offset = 4100; /* not page-aligned */
	rc.size = 256;
	memset(buf, 0x5A, 8192);
	assert_int_equal(icmsg_region_read(&rc, buf, 300), 256);
	assert_memory_equal(buf, expect, 256);
	assert_int_equal(buf[256], 0x5A);
	/* cap == size is enough */
	assert_int_equal(icmsg_region_read(&rc, buf, 256), 256);

	/* Ends exactly at the end of the file. */
	rc.offset = 8192 - 256;
	assert_int_equal(icmsg_region_read(&rc, buf, 256), 256);
	crc = tu_crc32(buf, 256);
	rc.offset = 0;
	rc.size = 8192;
	assert_int_equal(icmsg_region_read(&rc, buf, 8192), 8192);
	assert_int_equal(tu_crc32(buf + 8192 - 256, 256), crc);

	/* Beyond the end: -ERANGE, and the file is not extended. */
	rc.offset = 8192 - 252;
	rc.size = 256;
	memset(buf, 0x5A, 256);
	assert_int_equal(icmsg_region_read(&rc, buf, 256), -ERANGE);
	assert_int_equal(buf[0], 0x5A);
	rc.offset = 0;
	rc.size = 8196;
	assert_int_equal(icmsg_region_read(&rc, buf, 8192), -ENOBUFS);
	uint8_t *big = malloc(8196);
	assert_non_null(big);
	assert_int_equal(icmsg_region_read(&rc, big, 8196), -ERANGE);
	free(big);
	assert_int_equal(file_size(path), 8192);

	/* Too small a buffer: -ENOBUFS, nothing copied. */
	rc.offset = 0;
	rc.size = 256;
	memset(buf, 0x5A, 256);
	assert_int_equal(icmsg_region_read(&rc, buf, 255), -ENOBUFS);
	assert_int_equal(icmsg_region_read(&rc, buf, 0), -ENOBUFS);
	assert_int_equal(buf[0], 0x5A);

	/* Missing file: -ENOENT, and it is not created. */
	snprintf(missing, sizeof(missing), "%s/none.bin", dir);
	rc.path = missing;
	assert_int_equal(icmsg_region_read(&rc, buf, 256), -ENOENT);
	assert_int_equal(access(missing, F_OK), -1);

	/* Bad arguments. */
	rc.path = path;
	assert_int_equal(icmsg_region_read(NULL, buf, 256), -EINVAL);
	assert_int_equal(icmsg_region_read(&rc, NULL, 256), -EINVAL);
	rc.size = 0;
	assert_int_equal(icmsg_region_read(&rc, buf, 256), -EINVAL);
	rc.size = 256;
	rc.path = dir; /* not a regular file */
	assert_int_equal(icmsg_region_read(&rc, buf, 256), -EINVAL);

	/* A read-only file is enough, and is left as it was. */
	rc.path = path;
	assert_int_equal(chmod(path, 0400), 0);
	rc.offset = 4100;
	assert_int_equal(icmsg_region_read(&rc, buf, 256), 256);
	assert_memory_equal(buf, expect, 256);
	assert_int_equal(file_size(path), 8192);

	free(buf);
	tu_rmtree(dir);
	free(dir);
}

/* The whole tool path: a region written through a file, read back, decoded. */
static void test_inspect_region_read_then_inspect(void **state)
{
	char *dir = tu_mkdtemp(), path[512];
	struct icmsg_region_config rc = { 0 };
	struct icmsg_region_info info;
	struct seen s = { 0 };
	uint8_t buf[256];
	struct img m;
	FILE *f;

	(void)state;
	img_open(&m, 256, 32, true);
	img_write(&m, magic, sizeof(magic));
	img_write(&m, "hello", 5);
	memset(buf, 0x33, sizeof(buf));
	snprintf(path, sizeof(path), "%s/shm.bin", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, 100, f), 100); /* 100 bytes of junk first */
	assert_int_equal(fwrite(m.mem, 1, 256, f), 256);
	assert_int_equal(fclose(f), 0);

	rc.type = ICMSG_REGION_FILE;
	rc.path = path;
	rc.offset = 100;
	rc.size = 256;
	assert_int_equal(icmsg_region_read(&rc, buf, sizeof(buf)), 256);
	assert_memory_equal(buf, m.mem, 256);
	assert_int_equal(icmsg_region_inspect(buf, 256, 32, true, &info, record, &s), 0);
	check_ok(&info);
	assert_int_equal(info.packets, 2);
	assert_true(info.magic_first);
	assert_int_equal(s.len[1], 5);
	assert_memory_equal(s.data[1], "hello", 5);
	assert_int_equal(s.off[1], 20);
	img_close(&m);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_empty),
		cmocka_unit_test(test_inspect_packets),
		cmocka_unit_test(test_inspect_wrapped),
		cmocka_unit_test(test_inspect_vector_d1),
		cmocka_unit_test(test_inspect_magic_first),
		cmocka_unit_test(test_inspect_callback_stops),
		cmocka_unit_test(test_inspect_bad_indices),
		cmocka_unit_test(test_inspect_bad_length),
		cmocka_unit_test(test_inspect_bad_layout),
		cmocka_unit_test(test_inspect_image_read_only),
		cmocka_unit_test(test_inspect_region_read),
		cmocka_unit_test(test_inspect_region_read_then_inspect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
