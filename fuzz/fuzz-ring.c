// SPDX-License-Identifier: MIT
/*
 * fuzz-ring: one pbuf ring whose bytes and indices are all the input's
 * (spec 2): a reader, and optionally a writer, work on it while the
 * "peer" overwrites any word or byte between their calls. Nothing may read
 * or write outside the region, every length returned must fit what the
 * ring can hold, and our own indices must stay valid whatever the peer
 * stores. icmsg_region_inspect() decodes the same image and must agree
 * with a straight reading of spec 2.3-2.8 written here.
 *
 * Input: a header [dcache][flags][size lo][size hi][op count], op records
 * of 4 bytes [op][a][b][c], then the region image (zero-padded).
 */
#include <errno.h>

#include "fuzz.h"
#include "pbuf.h"
#include "protocol.h"

#define MAX_OPS 64

/* flags */
#define F_HANDSHAKE 0x01u
#define F_IO 0x02u     /* device memory: aligned copies only */
#define F_WRITER 0x04u /* a writer of ours on the same ring */
#define F_BIG 0x08u    /* 64 KiB more: room for the longest packet */

enum op {
	OP_READ,
	OP_READ_HEAD,
	OP_SKIP,
	OP_HOLD,
	OP_RELEASE,
	OP_UNHOLD,
	OP_PEEK,
	OP_RESYNC,
	OP_RESET,
	OP_POKE32,
	OP_POKE8,
	OP_SHARED,
	OP_TX_INIT,
	OP_WRITE,
	OP_WRITE_MORE,
	OP_PUBLISH,
	OP_RESERVE,
	OP_TX_PENDING,
	OP_INSPECT,
	OP_COUNT
};

struct ring {
	struct pbuf_layout l;
	struct region reg;
	uint8_t *mem;
	struct pbuf rx, tx;
	uint32_t held[ICMSG_RX_HOLD_MAX];
	unsigned int n_held;
};

static bool idx_ok(const struct ring *r, uint32_t i)
{
	return i % 4 == 0 && i < r->l.len;
}

/* What must hold after every step, whatever the peer wrote. */
static void check_state(const struct ring *r)
{
	fz_assert(!r->reg.bad_access);
	fz_assert(idx_ok(r, r->rx.rd_local));
	fz_assert(idx_ok(r, r->rx.rd_hold));
	fz_assert(idx_ok(r, r->tx.wr_local));
	fz_assert(idx_ok(r, r->tx.wr_published));
	fz_assert(r->rx.used_max < r->l.len);
	fz_assert(r->tx.used_max < r->l.len);
}

/* A packet of @n bytes taken at @from must have fitted between the indices. */
static void check_len(const struct ring *r, int n, size_t cap, bool capped)
{
	if (n <= 0) {
		fz_assert(n == 0 || n == -EMSGSIZE || n == -EBADMSG || n == -ECONNRESET);
		return;
	}
	fz_assert((uint32_t)n + PBUF_IDX_SIZE <= r->l.len - PBUF_IDX_SIZE);
	fz_assert((uint32_t)n <= PBUF_MAX_LEN);
	if (capped)
		fz_assert((size_t)n <= cap);
}

static int do_read(struct ring *r, enum op op, size_t cap)
{
	/* Exactly @cap bytes, so that ASan sees a copy that runs over. */
	uint8_t *buf = cap ? malloc(cap) : NULL;
	int n;

	if (cap && !buf)
		return 0;
	if (op == OP_READ)
		n = pbuf_read(&r->rx, buf, cap);
	else if (op == OP_READ_HEAD)
		n = pbuf_read_head(&r->rx, buf, cap);
	else
		n = pbuf_skip(&r->rx);
	check_len(r, n, cap, op == OP_READ);
	if (n > 0)
		r->n_held = 0; /* a read consumes what was held */
	free(buf);
	return n;
}

static void do_hold(struct ring *r)
{
	uint32_t len = 0, start = 0;
	const uint8_t *place;
	uint8_t *copy;
	int ret;

	if (r->n_held == ICMSG_RX_HOLD_MAX)
		return;
	ret = pbuf_hold(&r->rx, &len, &start);
	fz_assert(ret == 0 || ret == 1 || ret == -EBADMSG);
	if (ret != 1)
		return;
	fz_assert(len > 0 && len + PBUF_IDX_SIZE < r->l.len);
	fz_assert(idx_ok(r, (start + r->l.len - PBUF_IDX_SIZE) % r->l.len));
	r->held[r->n_held++] = start;
	place = pbuf_place(&r->rx, start, len);
	if (place) {
		fz_assert(!r->reg.io);
		fz_assert(place >= r->mem + r->l.data_off);
		fz_assert(place + len <= r->mem + r->l.size);
	}
	copy = malloc(len);
	if (!copy)
		return;
	pbuf_copy_out(&r->rx, start, copy, len);
	if (place)
		fz_assert(memcmp(copy, place, len) == 0);
	free(copy);
}

static void do_write(struct ring *r, enum op op, uint32_t n, uint8_t fill)
{
	uint8_t *buf = malloc(n ? n : 1);
	int ret;

	if (!buf)
		return;
	memset(buf, fill, n);
	if (op == OP_WRITE)
		ret = pbuf_write(&r->tx, buf, n);
	else
		ret = pbuf_write_unpublished(&r->tx, buf, n);
	fz_assert(ret == (int)n || ret == -ENODATA || ret == -EMSGSIZE || ret == -ENOMEM ||
		  ret == -EINVAL);
	if (n == 0)
		fz_assert(ret == -ENODATA);
	if (n > pbuf_max_payload(&r->l))
		fz_assert(ret == -EMSGSIZE);
	free(buf);
}

static void do_reserve(struct ring *r, uint32_t n, uint32_t m, uint8_t fill)
{
	uint8_t *src;
	void *ptr = NULL;
	int ret;

	ret = pbuf_reserve(&r->tx, n, &ptr);
	fz_assert(ret == 0 || ret == -ENODATA || ret == -EMSGSIZE || ret == -ENOMEM ||
		  ret == -EINVAL);
	if (ret < 0)
		return;
	if (m > n || m == 0)
		m = n;
	if (ptr) {
		fz_assert(!r->reg.io);
		fz_assert((uint8_t *)ptr >= r->mem + r->l.data_off);
		fz_assert((uint8_t *)ptr + n <= r->mem + r->l.size);
		memset(ptr, fill, m);
		ret = pbuf_commit(&r->tx, NULL, m);
	} else {
		src = malloc(m);
		if (!src)
			return;
		memset(src, fill, m);
		ret = pbuf_commit(&r->tx, src, m);
		free(src);
	}
	fz_assert(ret == (int)m);
}

/* ---- icmsg_region_inspect() against spec 2.3-2.8 read literally ---- */

struct walk {
	uint32_t packets, bytes;
	uint32_t offsets[64], lens[64];
	uint32_t crc[64];
};

static uint32_t crc(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static int on_packet(uint32_t offset, const void *data, size_t len, void *userdata)
{
	struct walk *w = userdata;

	fz_assert(len > 0 && len <= PBUF_MAX_LEN);
	if (w->packets < 64) {
		w->offsets[w->packets] = offset;
		w->lens[w->packets] = (uint32_t)len;
		w->crc[w->packets] = crc(data, len);
	}
	w->packets++;
	w->bytes += (uint32_t)len;
	return 0;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walk the image as spec 2.8 says a reader starting at rd_idx would. */
static void reference_walk(const uint8_t *img, const struct pbuf_layout *l, struct walk *w,
			   bool *ok)
{
	uint32_t rd = le32_at(img + l->rd_off), wr = le32_at(img + l->wr_off);
	const uint8_t *data = img + l->data_off;
	uint8_t payload[PBUF_MAX_LEN];
	uint32_t n, occ, start, i;

	memset(w, 0, sizeof(*w));
	*ok = rd % 4 == 0 && rd < l->len && wr % 4 == 0 && wr < l->len;
	while (*ok && rd != wr) {
		occ = wr >= rd ? wr - rd : l->len - rd + wr;
		/* The header never wraps: rd is aligned and len a multiple of 4. */
		n = (uint32_t)data[rd] << 8 | data[rd + 1];
		if (n == 0 || n + 4 > occ) {
			*ok = false;
			break;
		}
		start = (rd + 4) % l->len;
		for (i = 0; i < n; i++)
			payload[i] = data[(start + i) % l->len];
		on_packet(rd, payload, n, w);
		rd = (start + ((n + 3) & ~3u)) % l->len;
	}
}

static void compare_inspect(const uint8_t *img, const struct pbuf_layout *l)
{
	struct icmsg_region_info info;
	struct walk got, want;
	uint32_t i, kept;
	bool ok;
	int ret;

	memset(&got, 0, sizeof(got));
	ret = icmsg_region_inspect(img, l->size, l->dcache, l->handshake, &info, on_packet, &got);
	fz_assert(ret == 0);
	fz_assert(info.data_len == l->len && info.wr_idx_off == l->wr_off);
	fz_assert(info.data_off == l->data_off && info.size == l->size);
	fz_assert(strlen(info.problem) < sizeof(info.problem));
	fz_assert((info.error == 0) == (info.problem[0] == '\0'));
	reference_walk(img, l, &want, &ok);
	fz_assert(ok == (info.error == 0));
	fz_assert(got.packets == want.packets && info.packets == want.packets);
	fz_assert(got.bytes == want.bytes && info.pending_bytes == want.bytes);
	kept = want.packets < 64 ? want.packets : 64;
	for (i = 0; i < kept; i++) {
		fz_assert(got.offsets[i] == want.offsets[i]);
		fz_assert(got.lens[i] == want.lens[i]);
		fz_assert(got.crc[i] == want.crc[i]);
	}
	if (ok) {
		fz_assert(info.used + info.free + PBUF_IDX_SIZE == l->len);
		fz_assert(info.pending_bytes + PBUF_IDX_SIZE * info.packets <= info.used);
	}
}

/* ---- the driver ---- */

static uint32_t pick_dcache(uint8_t v)
{
	/* Mostly the legal values, sometimes anything (refused or not). */
	if (v < 14)
		return v == 0 ? 0 : 1u << (v + 1);
	return v < 128 ? 0 : (uint32_t)v * 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	struct ring r;
	uint8_t ops[MAX_OPS][4];
	uint32_t region_size, len, v;
	unsigned int n_ops, i;
	uint8_t flags;
	size_t got;
	const uint8_t *img;

	fz_init(&f, data, size);
	v = pick_dcache(fz_u8(&f));
	flags = fz_u8(&f);
	region_size = fz_u16(&f) + (flags & F_BIG ? 65536u : 0);
	memset(&r, 0, sizeof(r));
	if (pbuf_layout_init(&r.l, region_size, v, flags & F_HANDSHAKE, NULL) < 0) {
		/* Refused layouts are refused by inspection too. */
		uint8_t dummy[4] = { 0 };
		struct icmsg_region_info info;

		if (region_size <= sizeof(dummy))
			fz_assert(icmsg_region_inspect(dummy, region_size, v, flags & F_HANDSHAKE,
						       &info, NULL, NULL) == -EINVAL);
		return 0;
	}
	n_ops = fz_u8(&f) % (MAX_OPS + 1);
	for (i = 0; i < n_ops; i++) {
		ops[i][0] = fz_u8(&f);
		ops[i][1] = fz_u8(&f);
		ops[i][2] = fz_u8(&f);
		ops[i][3] = fz_u8(&f);
	}

	/* Exactly the region, so that ASan catches one byte past it. */
	r.mem = calloc(1, region_size);
	if (!r.mem)
		return 0;
	img = fz_bytes(&f, region_size, &got);
	memcpy(r.mem, img, got);

	compare_inspect(r.mem, &r.l);

	region_init_mem(&r.reg, r.mem, region_size);
	r.reg.io = flags & F_IO;
	pbuf_init(&r.rx, &r.reg, &r.l);
	pbuf_init(&r.tx, &r.reg, &r.l);
	/* The reader starts where the writer's rd_idx says, as after a bond. */
	if (pbuf_rx_resync(&r.rx, pbuf_shared_rd(&r.rx)) < 0)
		fz_assert(!idx_ok(&r, pbuf_shared_rd(&r.rx)));

	for (i = 0; i < n_ops; i++) {
		enum op op = (enum op)(ops[i][0] % OP_COUNT);
		uint8_t a = ops[i][1], b = ops[i][2], c = ops[i][3];
		uint32_t word = (uint32_t)a | (uint32_t)b << 8 | (uint32_t)c << 16;

		len = (uint32_t)a | (uint32_t)b << 8;
		if ((op >= OP_TX_INIT && op <= OP_TX_PENDING) && !(flags & F_WRITER))
			op = OP_READ;
		switch (op) {
		case OP_READ:
		case OP_READ_HEAD:
		case OP_SKIP:
			do_read(&r, op, len);
			break;
		case OP_HOLD:
			do_hold(&r);
			break;
		case OP_RELEASE: {
			int ret = pbuf_release(&r.rx);

			fz_assert(ret == 0 || ret == -ECONNRESET);
			r.n_held = 0;
			break;
		}
		case OP_UNHOLD:
			/* Give back the last held packet, as proto_hold() does. */
			if (r.n_held)
				pbuf_unhold(&r.rx, r.held[--r.n_held]);
			break;
		case OP_PEEK: {
			uint8_t *buf = len ? malloc(len) : NULL;
			uint32_t wr = pbuf_shared_wr(&r.rx);
			int n = pbuf_peek_initial(&r.rx, buf, len);

			fz_assert(n == -ENODATA ||
				  (n > 0 && (uint32_t)n + 4 <= wr && wr < r.l.len));
			free(buf);
			break;
		}
		case OP_RESYNC:
			if (pbuf_rx_resync(&r.rx, word * 4 / 256) == 0)
				r.n_held = 0;
			break;
		case OP_RESET:
			pbuf_rx_reset(&r.rx);
			r.n_held = 0;
			break;
		case OP_POKE32:
			/* The peer stores any value into any aligned word... */
			region_store32(&r.reg, (size_t)a * 4 % region_size,
				       (uint32_t)b << 24 | (uint32_t)c << 2 | (uint32_t)(a & 3));
			break;
		case OP_POKE8:
			/* ...or any byte (headers, payload). */
			r.mem[(len * 7u) % region_size] = c;
			break;
		case OP_SHARED:
			fz_assert(pbuf_used_now(&r.rx) < r.l.len);
			pbuf_handshake_store(&r.rx, pbuf_handshake_load(&r.rx) + word);
			break;
		case OP_TX_INIT:
			pbuf_tx_init(&r.tx);
			break;
		case OP_WRITE:
		case OP_WRITE_MORE:
			do_write(&r, op, len % (pbuf_max_payload(&r.l) + 2), c);
			break;
		case OP_PUBLISH:
			pbuf_publish(&r.tx);
			break;
		case OP_RESERVE:
			do_reserve(&r, len % (pbuf_max_payload(&r.l) + 2), c, a);
			break;
		case OP_TX_PENDING: {
			int n = pbuf_tx_pending(&r.tx);

			fz_assert(n == -EINVAL || (n >= 0 && (uint32_t)n < r.l.len));
			break;
		}
		case OP_INSPECT:
			compare_inspect(r.mem, &r.l);
			break;
		case OP_COUNT:
			break;
		}
		check_state(&r);
	}
	free(r.mem);
	return 0;
}
