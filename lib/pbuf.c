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
	pb->wr_published = 0;
	pb->rd_seen = 0;
	pb->gen++;
	/* Exactly the two index words: bytes 4..7 may hold the peer's
	 * handshake word (spec 2.7, trap 10). */
	region_store32(pb->reg, pb->l.wr_off, 0);
	region_store32(pb->reg, pb->l.rd_off, 0);
	region_full_fence();
}

/* Free bytes for a new packet if the reader is at @rd (spec 2.6 step 3). */
static uint32_t room(const struct pbuf *pb, uint32_t rd)
{
	return pb->l.len - occupied(pb, pb->wr_local, rd) - PBUF_IDX_SIZE;
}

/*
 * Room for a packet of @n payload bytes at wr_local. rd_idx is loaded
 * (once, then validated) only when the value seen last leaves too little:
 * the reader only ever frees space, and the line it writes is not pulled
 * across cores for every packet. Return: 0, or as pbuf_write().
 */
static int check_room(struct pbuf *pb, size_t n)
{
	uint32_t rd;

	if (n == 0)
		return -ENODATA;
	if (n > pbuf_max_payload(&pb->l))
		return -EMSGSIZE;
	if (n + PBUF_IDX_SIZE > room(pb, pb->rd_seen) || pb->reg->io || pb->problem) {
		/* Zephyr has a full barrier here (2.6 step 1); in coherent
		 * memory the acquire load suffices: the space the reader
		 * handed back is not written before its reads of it are done. */
		if (pb->reg->io)
			region_full_fence();
		rd = region_load32(pb->reg, pb->l.rd_off);
		if (!index_valid(pb, rd)) {
			pb->problem = "rd_idx out of range or misaligned";
			pb->bad_value = rd;
			return -EINVAL;
		}
		pb->rd_seen = rd;
		if (n + PBUF_IDX_SIZE > room(pb, rd))
			return -ENOMEM;
	}
	return 0;
}

/* Header: be16 length, then two zero bytes (2.3); then step wr_local. */
static void put_header(struct pbuf *pb, size_t n)
{
	uint8_t hdr[4] = { (uint8_t)(n >> 8), (uint8_t)n, 0, 0 };
	uint32_t p = wrap(pb, pb->wr_local + PBUF_IDX_SIZE);

	region_write(pb->reg, pb->l.data_off + pb->wr_local, hdr, sizeof(hdr));
	pb->wr_local = advance(pb, p, (uint32_t)n);
}

int pbuf_write_unpublished(struct pbuf *pb, const void *data, size_t n)
{
	int ret = check_room(pb, n);

	return ret < 0 ? ret : pbuf_commit(pb, data, n);
}

bool pbuf_publish(struct pbuf *pb)
{
	uint32_t before = pb->wr_published, rd;

	/* Release store: header and payload are visible before the index
	 * (2.6 note); then the full barrier Zephyr has before the doorbell,
	 * which also orders this store before our load of rd_idx below
	 * against the reader's store of rd_idx before its load of wr_idx. */
	region_store32(pb->reg, pb->l.wr_off, pb->wr_local);
	pb->wr_published = pb->wr_local;
	region_full_fence();
	rd = region_load32(pb->reg, pb->l.rd_off);
	if (!index_valid(pb, rd)) {
		/* The packets went to space known to be free; the link
		 * faults, and writes load rd_idx again until then. */
		pb->problem = "rd_idx out of range or misaligned";
		pb->bad_value = rd;
		return true;
	}
	pb->rd_seen = rd;
	/* The high-water mark from a fresh rd_idx only: the cached one may
	 * lag and overstate it. */
	note_used(pb, occupied(pb, pb->wr_local, rd));
	return rd == before;
}

int pbuf_write(struct pbuf *pb, const void *data, size_t n)
{
	int ret = pbuf_write_unpublished(pb, data, n);

	if (ret > 0)
		pbuf_publish(pb);
	return ret;
}

int pbuf_reserve(struct pbuf *pb, size_t n, void **ptr)
{
	uint32_t p;
	int ret = check_room(pb, n);

	if (ret < 0)
		return ret;
	p = wrap(pb, pb->wr_local + PBUF_IDX_SIZE);
	/* Device memory takes aligned accesses only, which the caller's own
	 * stores need not be: it gets a buffer to copy from instead. */
	*ptr = !pb->reg->io && n <= pb->l.len - p ? pb->reg->base + pb->l.data_off + p : NULL;
	return 0;
}

int pbuf_commit(struct pbuf *pb, const void *src, size_t n)
{
	uint32_t p, first;

	/* Payload, split at the end of the data area; padding not written. */
	if (src) {
		p = wrap(pb, pb->wr_local + PBUF_IDX_SIZE);
		first = pb->l.len - p;
		if (first > n)
			first = (uint32_t)n;
		region_write(pb->reg, pb->l.data_off + p, src, first);
		if (first < n)
			region_write(pb->reg, pb->l.data_off, (const uint8_t *)src + first, n - first);
	}
	put_header(pb, n);
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
	pb->rd_hold = 0;
	pb->gen++;
}

int pbuf_rx_resync(struct pbuf *pb, uint32_t rd)
{
	if (!index_valid(pb, rd)) {
		pb->problem = "rd_idx out of range or misaligned";
		pb->bad_value = rd;
		return -EBADMSG;
	}
	pb->rd_local = rd;
	pb->rd_hold = rd;
	pb->rd_published = rd;
	pb->gen++;
	return 0;
}

/*
 * Validate the next packet. Loads wr_idx and the header once each; on
 * success *@len and *@start (payload offset) are set. Return 1 for a packet,
 * 0 for empty, -EBADMSG for corruption.
 */
static int next_packet(struct pbuf *pb, uint32_t from, uint32_t *len, uint32_t *start)
{
	uint32_t wr, occ, n;
	uint8_t hdr[4];

	if (pb->reg->io)
		region_full_fence();
	wr = region_load32(pb->reg, pb->l.wr_off);
	if (wr == from && !pb->reg->io) {
		/* Empty is decided after a full barrier that follows our last
		 * rd_idx store (spec 2.8 steps 1, 11): a writer that found us
		 * still reading and did not signal (lazy-signal) is seen here.
		 * Packets in between need only the acquire load. */
		region_full_fence();
		wr = region_load32(pb->reg, pb->l.wr_off);
	}
	if (!index_valid(pb, wr)) {
		pb->problem = "wr_idx out of range or misaligned";
		pb->bad_value = wr;
		return -EBADMSG;
	}
	if (wr == from)
		return 0;
	occ = occupied(pb, wr, from);
	if (from == pb->rd_local) {
		pb->used_before = occ;
		note_used(pb, occ);
	} else {
		/* Past packets held in place: wr_idx must still lie ahead of
		 * them, seen from rd_local, or a packet could be "found" that
		 * overlaps them and goes round the ring again. */
		uint32_t held = occupied(pb, from, pb->rd_local);
		uint32_t ahead = occupied(pb, wr, pb->rd_local);

		if (ahead < held) {
			pb->problem = "wr_idx moved back behind packets being read";
			pb->bad_value = wr;
			return -EBADMSG;
		}
		occ = ahead - held;
	}
	region_read(pb->reg, pb->l.data_off + from, hdr, sizeof(hdr));
	n = (uint32_t)hdr[0] << 8 | hdr[1];
	if (n == 0) {
		/* Writers never produce it; Zephyr would stall here (2.9). */
		pb->problem = "zero packet length in a non-empty ring";
		pb->bad_value = from;
		return -EBADMSG;
	}
	if (n + PBUF_IDX_SIZE > occ) {
		pb->problem = "packet length runs past wr_idx";
		pb->bad_value = n;
		return -EBADMSG;
	}
	*len = n;
	*start = wrap(pb, from + PBUF_IDX_SIZE);
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
	pb->rd_hold = next;
	/* Release: our payload reads are done before the writer may reuse
	 * the space (2.8 step 11, ours). The full barrier after it comes
	 * before next_packet() decides the ring is empty. */
	region_store32(pb->reg, pb->l.rd_off, next);
	if (pb->reg->io)
		region_full_fence();
	pb->rd_published = next;
	return 0;
}

void pbuf_copy_out(struct pbuf *pb, uint32_t start, void *buf, uint32_t n)
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

	ret = next_packet(pb, pb->rd_local, &n, &start);
	if (ret <= 0)
		return ret;
	if (n > cap)
		return -EMSGSIZE;
	pbuf_copy_out(pb, start, buf, n);
	ret = consume(pb, start, n);
	return ret < 0 ? ret : (int)n;
}

int pbuf_read_head(struct pbuf *pb, void *buf, size_t cap)
{
	uint32_t n, start;
	int ret;

	ret = next_packet(pb, pb->rd_local, &n, &start);
	if (ret <= 0)
		return ret;
	pbuf_copy_out(pb, start, buf, n < cap ? n : (uint32_t)cap);
	ret = consume(pb, start, n);
	return ret < 0 ? ret : (int)n;
}

int pbuf_skip(struct pbuf *pb)
{
	return pbuf_read_head(pb, NULL, 0);
}

int pbuf_hold(struct pbuf *pb, uint32_t *len, uint32_t *start)
{
	int ret = next_packet(pb, pb->rd_hold, len, start);

	if (ret > 0)
		pb->rd_hold = advance(pb, *start, *len);
	return ret;
}

const void *pbuf_place(struct pbuf *pb, uint32_t start, uint32_t n)
{
	if (pb->reg->io || n > pb->l.len - start || !region_range_ok(pb->reg, pb->l.data_off + start, n))
		return NULL;
	return pb->reg->base + pb->l.data_off + start;
}

int pbuf_release(struct pbuf *pb)
{
	uint32_t end = pb->rd_hold;
	int ret;

	if (end == pb->rd_local)
		return 0;
	/* consume() hands back everything up to the packet it is given;
	 * the held packets are contiguous from rd_local. */
	ret = consume(pb, end, 0);
	if (ret < 0)
		pb->rd_hold = pb->rd_local;
	return ret;
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
