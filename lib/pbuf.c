// SPDX-License-Identifier: MIT
/* Packet buffer: Zephyr's pbuf ring, byte for byte (spec section 2). */
#include <errno.h>
#include <string.h>

#include "pbuf.h"

/* Smallest data area Zephyr accepts: roundup(4 + 1 + 4, 4) (spec 2.2). */
#define PBUF_MIN_DATA_LEN 12u

int pbuf_layout_init(struct pbuf_layout *l, uint64_t size, uint32_t dcache, bool handshake,
		     const char **why)
{
	const char *dummy;
	uint32_t h;

	if (!why)
		why = &dummy;
	if (dcache != 0 && (dcache < 4 || (dcache & (dcache - 1)) || dcache > 4096)) {
		*why = "dcache-alignment must be 0 or a power of two from 4 to 4096";
		return -EINVAL;
	}
	if (handshake && dcache < 8) {
		*why = "the session handshake needs dcache-alignment >= 8 (Zephyr refuses it below)";
		return -EINVAL;
	}
	if (size == 0 || size % 4 || size > UINT32_MAX) {
		*why = "region size must be a non-zero multiple of 4 below 4 GiB";
		return -EINVAL;
	}
	h = handshake ? 2 * PBUF_IDX_SIZE : PBUF_IDX_SIZE;
	if (dcache > h)
		h = dcache;
	if (size < (uint64_t)h + PBUF_IDX_SIZE + PBUF_MIN_DATA_LEN) {
		*why = "region too small: the data area must hold at least 12 bytes";
		return -EINVAL;
	}
	memset(l, 0, sizeof(*l));
	l->size = (uint32_t)size;
	l->dcache = dcache;
	l->handshake = handshake;
	l->rd_off = 0;
	l->hs_off = handshake ? PBUF_IDX_SIZE : 0;
	l->wr_off = h;
	l->data_off = h + PBUF_IDX_SIZE;
	l->len = l->size - l->data_off;
	return 0;
}

void pbuf_init(struct pbuf *pb, struct region *reg, const struct pbuf_layout *l)
{
	memset(pb, 0, sizeof(*pb));
	pb->reg = reg;
	pb->l = *l;
}

/* Bytes queued between the two indices; both already validated < L. */
static uint32_t occupied(const struct pbuf *pb, uint32_t wr, uint32_t rd)
{
	return wr >= rd ? wr - rd : pb->l.len - (rd - wr);
}

/* Next packet start after a payload of @n bytes starting at @p (2.4). */
static uint32_t advance(const struct pbuf *pb, uint32_t p, uint32_t n)
{
	return (uint32_t)(ROUND_UP((uint64_t)p + n, 4) % pb->l.len);
}

/* High-water mark for status reports; read by other threads. */
static void note_used(struct pbuf *pb, uint32_t used)
{
	if (used > __atomic_load_n(&pb->used_max, __ATOMIC_RELAXED))
		__atomic_store_n(&pb->used_max, used, __ATOMIC_RELAXED);
}

uint32_t pbuf_used_now(const struct pbuf *pb)
{
	uint32_t rd, wr;

	if (!pb->reg || pb->l.len == 0)
		return 0;
	rd = region_load32(pb->reg, pb->l.rd_off);
	wr = region_load32(pb->reg, pb->l.wr_off);
	if (rd >= pb->l.len || wr >= pb->l.len)
		return 0;
	return occupied(pb, wr, rd);
}

static uint32_t wrap(const struct pbuf *pb, uint32_t x)
{
	return x >= pb->l.len ? x - pb->l.len : x;
}

static bool index_valid(const struct pbuf *pb, uint32_t idx)
{
	return idx % 4 == 0 && idx < pb->l.len;
}

void pbuf_tx_init(struct pbuf *pb)
{
	pb->wr_local = 0;
	/* Exactly the two index words: bytes 4..7 may hold the peer's
	 * handshake word (spec 2.7, trap 10). */
	region_store32(pb->reg, pb->l.wr_off, 0);
	region_store32(pb->reg, pb->l.rd_off, 0);
	region_full_fence();
}

int pbuf_write(struct pbuf *pb, const void *data, size_t n)
{
	const uint8_t *src = data;
	uint32_t rd, free_space, p, first;
	uint8_t hdr[4];

	if (n == 0)
		return -ENODATA;
	if (n > pbuf_max_payload(&pb->l))
		return -EMSGSIZE;

	/* Full barrier before reading rd_idx, as Zephyr (2.6 step 1). */
	region_full_fence();
	rd = region_load32(pb->reg, pb->l.rd_off);
	if (!index_valid(pb, rd)) {
		pb->problem = "rd_idx out of range or misaligned";
		pb->bad_value = rd;
		return -EINVAL;
	}
	free_space = pb->l.len - occupied(pb, pb->wr_local, rd) - PBUF_IDX_SIZE;
	if (n + PBUF_IDX_SIZE > free_space)
		return -ENOMEM;

	/* Header: be16 length, then two zero bytes (2.3). */
	hdr[0] = (uint8_t)(n >> 8);
	hdr[1] = (uint8_t)n;
	hdr[2] = 0;
	hdr[3] = 0;
	region_write(pb->reg, pb->l.data_off + pb->wr_local, hdr, sizeof(hdr));
	region_full_fence();

	/* Payload, split at the end of the data area; padding not written. */
	p = wrap(pb, pb->wr_local + PBUF_IDX_SIZE);
	first = pb->l.len - p;
	if (first > n)
		first = (uint32_t)n;
	region_write(pb->reg, pb->l.data_off + p, src, first);
	if (first < n)
		region_write(pb->reg, pb->l.data_off, src + first, n - first);

	pb->wr_local = advance(pb, p, (uint32_t)n);
	note_used(pb, occupied(pb, pb->wr_local, rd));
	/* Release store: the payload is visible before the index (2.6 note),
	 * then a full barrier before the caller rings the doorbell. */
	region_store32(pb->reg, pb->l.wr_off, pb->wr_local);
	region_full_fence();
	return (int)n;
}

int pbuf_tx_pending(struct pbuf *pb)
{
	uint32_t rd = region_load32(pb->reg, pb->l.rd_off);

	if (!index_valid(pb, rd))
		return -EINVAL;
	return (int)occupied(pb, pb->wr_local, rd);
}

void pbuf_rx_reset(struct pbuf *pb)
{
	pb->rd_local = 0;
}

int pbuf_rx_resync(struct pbuf *pb, uint32_t rd)
{
	if (!index_valid(pb, rd)) {
		pb->problem = "rd_idx out of range or misaligned";
		pb->bad_value = rd;
		return -EBADMSG;
	}
	pb->rd_local = rd;
	pb->rd_published = rd;
	return 0;
}

/*
 * Validate the next packet. Loads wr_idx and the header once each; on
 * success *@len and *@start (payload offset) are set. Return 1 for a packet,
 * 0 for empty, -EBADMSG for corruption.
 */
static int next_packet(struct pbuf *pb, uint32_t *len, uint32_t *start)
{
	uint32_t wr, occ, n;
	uint8_t hdr[4];

	wr = region_load32(pb->reg, pb->l.wr_off);
	if (!index_valid(pb, wr)) {
		pb->problem = "wr_idx out of range or misaligned";
		pb->bad_value = wr;
		return -EBADMSG;
	}
	if (wr == pb->rd_local)
		return 0;
	occ = occupied(pb, wr, pb->rd_local);
	pb->used_before = occ;
	note_used(pb, occ);
	region_read(pb->reg, pb->l.data_off + pb->rd_local, hdr, sizeof(hdr));
	n = (uint32_t)hdr[0] << 8 | hdr[1];
	if (n == 0) {
		/* Writers never produce it; Zephyr would stall here (2.9). */
		pb->problem = "zero packet length in a non-empty ring";
		pb->bad_value = pb->rd_local;
		return -EBADMSG;
	}
	if (n + PBUF_IDX_SIZE > occ) {
		pb->problem = "packet length runs past wr_idx";
		pb->bad_value = n;
		return -EBADMSG;
	}
	*len = n;
	*start = wrap(pb, pb->rd_local + PBUF_IDX_SIZE);
	return 1;
}

/*
 * Hand the packet's space back to the writer. The writer stores rd_idx only
 * in tx_init (spec 2.7): if it no longer holds what we last published, the
 * writer re-initialised the ring while we read, the bytes we copied may be
 * stale, and storing our index would hide its reset. Return: 0 or
 * -ECONNRESET (nothing stored).
 */
static int consume(struct pbuf *pb, uint32_t start, uint32_t n)
{
	uint32_t next = advance(pb, start, n);

	if (region_load32(pb->reg, pb->l.rd_off) != pb->rd_published) {
		pb->problem = "the writer re-initialised the ring while we read";
		pb->bad_value = pb->rd_published;
		return -ECONNRESET;
	}
	pb->rd_local = next;
	/* Release: our payload reads are done before the writer may reuse
	 * the space (2.8 step 11, ours). */
	region_store32(pb->reg, pb->l.rd_off, next);
	region_full_fence();
	pb->rd_published = next;
	return 0;
}

/* Copy @n payload bytes starting at data offset @start, unwrapping. */
static void copy_out(struct pbuf *pb, uint32_t start, void *buf, uint32_t n)
{
	uint8_t *dst = buf;
	uint32_t first = pb->l.len - start;

	if (n == 0)
		return;
	if (first > n)
		first = n;
	region_read(pb->reg, pb->l.data_off + start, dst, first);
	if (first < n)
		region_read(pb->reg, pb->l.data_off, dst + first, n - first);
}

int pbuf_read(struct pbuf *pb, void *buf, size_t cap)
{
	uint32_t n, start;
	int ret;

	ret = next_packet(pb, &n, &start);
	if (ret <= 0)
		return ret;
	if (n > cap)
		return -EMSGSIZE;
	copy_out(pb, start, buf, n);
	ret = consume(pb, start, n);
	return ret < 0 ? ret : (int)n;
}

int pbuf_read_head(struct pbuf *pb, void *buf, size_t cap)
{
	uint32_t n, start;
	int ret;

	ret = next_packet(pb, &n, &start);
	if (ret <= 0)
		return ret;
	copy_out(pb, start, buf, n < cap ? n : (uint32_t)cap);
	ret = consume(pb, start, n);
	return ret < 0 ? ret : (int)n;
}

int pbuf_skip(struct pbuf *pb)
{
	return pbuf_read_head(pb, NULL, 0);
}

int pbuf_peek_initial(struct pbuf *pb, void *buf, size_t cap)
{
	uint32_t wr, n;
	uint8_t hdr[4];

	if (pb->rd_local != 0)
		return -ENODATA;
	wr = region_load32(pb->reg, pb->l.wr_off);
	if (wr == 0 || wr >= pb->l.len || wr > PBUF_MAX_LEN || wr % 4)
		return -ENODATA;
	region_read(pb->reg, pb->l.data_off, hdr, sizeof(hdr));
	n = (uint32_t)hdr[0] << 8 | hdr[1];
	if (n == 0 || n + PBUF_IDX_SIZE > wr)
		return -ENODATA;
	region_read(pb->reg, pb->l.data_off + PBUF_IDX_SIZE, buf, n < cap ? n : cap);
	return (int)n;
}
