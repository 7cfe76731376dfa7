/* SPDX-License-Identifier: MIT */
/*
 * pbuf - Zephyr's packet buffer: one single-producer/single-consumer ring of
 * length-prefixed packets in one region (spec section 2).
 *
 * The peer is untrusted: every index and length read from the region is
 * loaded once into a local, validated, and only then used. Our own indices
 * live in wr_local/rd_local; the shared copies are output only (trap 8).
 */
#ifndef ICMSG_PBUF_H
#define ICMSG_PBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

#define PBUF_IDX_SIZE 4u
#define PBUF_MAX_LEN 0xFFFFu /* 16-bit length field */

/** struct pbuf_layout - where the fields of a region are (spec 2.2). */
struct pbuf_layout {
	uint32_t size;      /* region size S */
	uint32_t dcache;    /* dcache-alignment D, 0 if absent */
	bool handshake;     /* HS: handshake word at offset 4 */
	uint32_t rd_off;    /* always 0 */
	uint32_t hs_off;    /* 4 when handshake, else 0 (unused) */
	uint32_t wr_off;    /* H = max(D, 4 * (1 + HS)) */
	uint32_t data_off;  /* H + 4 */
	uint32_t len;       /* L = S - H - 4 */
};

/**
 * pbuf_layout_init() - compute the layout of a region.
 * Return: 0, or -EINVAL if Zephyr would refuse it (spec 2.2 rules); then
 * *@why says which rule, if @why is not NULL.
 */
int pbuf_layout_init(struct pbuf_layout *l, uint64_t size, uint32_t dcache, bool handshake,
		     const char **why);

/** pbuf_max_payload() - largest payload an empty ring takes: min(L - 8, 65535). */
static inline uint32_t pbuf_max_payload(const struct pbuf_layout *l)
{
	uint32_t m = l->len - 2 * PBUF_IDX_SIZE;

	return m > PBUF_MAX_LEN ? PBUF_MAX_LEN : m;
}

/** struct pbuf - one ring, seen from one side (writer or reader). */
struct pbuf {
	struct region *reg;
	struct pbuf_layout l;
	uint32_t wr_local;     /* writer: next write offset */
	uint32_t wr_published; /* writer: last value we stored into wr_idx */
	uint32_t rd_seen;      /* writer: last rd_idx loaded (validated) */
	uint32_t rd_local;     /* reader: next read offset */
	uint32_t rd_hold;      /* reader: end of the packets held in place */
	uint32_t rd_published; /* reader: last value we stored into rd_idx */
	uint32_t used_before;  /* reader: bytes queued before the last read */
	uint32_t used_max;     /* high-water mark of queued bytes (relaxed atomic) */
	uint32_t gen;          /* counts resets of our side, so stale holds and
				* reservations can be told */
	const char *problem;   /* last corruption found, for logs */
	uint32_t bad_value;    /* the offending value */
};

/**
 * pbuf_used_now() - bytes queued in the ring now, from both shared indices
 * (a snapshot: either side may move them; any thread may ask). 0 if either
 * index is invalid.
 */
uint32_t pbuf_used_now(const struct pbuf *pb);

/** pbuf_init() - bind @pb to @reg with layout @l; indices start at 0. */
void pbuf_init(struct pbuf *pb, struct region *reg, const struct pbuf_layout *l);

/* ---- writer side ---- */

/**
 * pbuf_tx_init() - reset the ring as its writer (spec 2.7): wr_idx = 0,
 * rd_idx = 0. Touches exactly those two words, never the handshake word.
 */
void pbuf_tx_init(struct pbuf *pb);

/**
 * pbuf_write() - append one packet and publish it (spec 2.6).
 * Return: @n, -EMSGSIZE (n == 0 is -ENODATA; n > max payload), -ENOMEM (not
 * enough room now), -EINVAL (the reader's rd_idx is invalid; pb->problem).
 */
int pbuf_write(struct pbuf *pb, const void *data, size_t n);

/**
 * pbuf_write_unpublished() - as pbuf_write(), but leave wr_idx alone: the
 * reader sees the packet only at the next pbuf_publish().
 */
int pbuf_write_unpublished(struct pbuf *pb, const void *data, size_t n);

/**
 * pbuf_publish() - store wr_idx for everything written so far, then a full
 * barrier, then look at rd_idx.
 * Return: true if the reader may be idle: it had read everything published
 * before, or its rd_idx is invalid (then pb->problem says so, and every
 * write loads rd_idx again). A write loads rd_idx only when the value seen
 * last leaves too little room, so this is where a corrupt one is found. A reader that was still behind
 * re-reads wr_idx after a full barrier once it consumes a packet (spec 2.8
 * steps 1 and 11), so it will see this store without a signal.
 */
bool pbuf_publish(struct pbuf *pb);

/** pbuf_unpublished() - true if packets were written but not published. */
static inline bool pbuf_unpublished(const struct pbuf *pb)
{
	return pb->wr_local != pb->wr_published;
}

/**
 * pbuf_reserve() - find room for a packet of up to @n bytes.
 * Return: 0 with *@ptr set to the payload's place in the region when that
 * is plain memory and does not wrap (else NULL: write through
 * pbuf_commit()'s @src), or as pbuf_write().
 */
int pbuf_reserve(struct pbuf *pb, size_t n, void **ptr);

/**
 * pbuf_commit() - write the header of a reserved packet of @n bytes (not
 * more than reserved), copying @src first if it is not NULL, and advance;
 * unpublished. Return: @n.
 */
int pbuf_commit(struct pbuf *pb, const void *src, size_t n);

/**
 * pbuf_tx_pending() - bytes written that the reader has not consumed yet.
 * Return: that count, or -EINVAL if the reader's rd_idx is invalid.
 */
int pbuf_tx_pending(struct pbuf *pb);

/* ---- reader side ---- */

/**
 * pbuf_rx_reset() - start reading at offset 0 (our open); shared memory
 * untouched. Call pbuf_rx_resync() once the writer has reset the ring.
 */
void pbuf_rx_reset(struct pbuf *pb);

/**
 * pbuf_read() - take the next packet (spec 2.8).
 * Return: its length, 0 if the ring is empty, -EMSGSIZE if it is longer than
 * @cap (not consumed; pbuf_skip() drops it), -EBADMSG if the ring is
 * corrupt (pb->problem and pb->bad_value say how; nothing consumed), or
 * -ECONNRESET if the writer re-initialised the ring meanwhile (the copy is
 * void, nothing consumed).
 */
int pbuf_read(struct pbuf *pb, void *buf, size_t cap);

/**
 * pbuf_read_head() - take the next packet whatever its length, copying at
 * most @cap bytes of it. Return: its full length, or as pbuf_read() except
 * -EMSGSIZE.
 */
int pbuf_read_head(struct pbuf *pb, void *buf, size_t cap);

/** pbuf_skip() - drop the next packet. Return: as pbuf_read_head(). */
int pbuf_skip(struct pbuf *pb);

/**
 * pbuf_hold() - validate the packet after the ones already held, without
 * consuming it. Return: 1 with *@len and *@start (payload offset in the
 * data area) set, 0 if there is none, -EBADMSG as pbuf_read().
 */
int pbuf_hold(struct pbuf *pb, uint32_t *len, uint32_t *start);

/** pbuf_unhold() - give back the last held packet, which started at @start. */
static inline void pbuf_unhold(struct pbuf *pb, uint32_t start)
{
	pb->rd_hold = start - PBUF_IDX_SIZE + (start < PBUF_IDX_SIZE ? pb->l.len : 0);
}

/** pbuf_held() - true while packets are held. */
static inline bool pbuf_held(const struct pbuf *pb)
{
	return pb->rd_hold != pb->rd_local;
}

/**
 * pbuf_place() - the payload at data offset @start, @n bytes: a pointer
 * into the region if it is plain memory and does not wrap, else NULL.
 */
const void *pbuf_place(struct pbuf *pb, uint32_t start, uint32_t n);

/** pbuf_copy_out() - copy @n payload bytes at data offset @start, unwrapping. */
void pbuf_copy_out(struct pbuf *pb, uint32_t start, void *buf, uint32_t n);

/**
 * pbuf_release() - consume every held packet. Return: 0, or -ECONNRESET
 * as pbuf_read() (nothing consumed).
 */
int pbuf_release(struct pbuf *pb);

/**
 * pbuf_peek_initial() - look at the packet at data offset 0 without
 * consuming it, as Zephyr's detect mode does (spec 3.4 step 1): only when
 * rd_local == 0, 0 < wr_idx < L, wr_idx <= 0xFFFF and len + 4 <= wr_idx.
 * Return: the packet length (up to @cap bytes copied), or -ENODATA.
 */
int pbuf_peek_initial(struct pbuf *pb, void *buf, size_t cap);

/** pbuf_shared_rd() - load the shared rd_idx (written by the writer at tx_init). */
static inline uint32_t pbuf_shared_rd(struct pbuf *pb)
{
	return region_load32(pb->reg, pb->l.rd_off);
}

/** pbuf_shared_wr() - load the shared wr_idx. */
static inline uint32_t pbuf_shared_wr(struct pbuf *pb)
{
	return region_load32(pb->reg, pb->l.wr_off);
}

/**
 * pbuf_rx_resync() - continue reading at @rd (a value the writer stored at
 * tx_init). Return: 0, or -EBADMSG if @rd is not a valid index.
 */
int pbuf_rx_resync(struct pbuf *pb, uint32_t rd);

/* ---- handshake word (spec 3.3), only with l.handshake ---- */

static inline uint32_t pbuf_handshake_load(struct pbuf *pb)
{
	return pb->l.handshake ? region_load32(pb->reg, pb->l.hs_off) : 0;
}

static inline void pbuf_handshake_store(struct pbuf *pb, uint32_t v)
{
	if (pb->l.handshake) {
		region_store32(pb->reg, pb->l.hs_off, v);
		region_full_fence();
	}
}

#endif
