// SPDX-License-Identifier: MIT
/*
 * fuzz-bond: the bonding and session logic (spec 3, 4) of two protocol
 * sides, A and B, over two memory regions (A's tx region is B's rx region
 * and the other way round), each side in any of the three modes. The input
 * is a program: open, close, step, send, receive, hold, reserve, let time
 * pass, deliver every doorbell until things settle, and, as a hostile or
 * rebooting peer, overwrite any word, handshake word or byte range of
 * either region. struct proto does no I/O, so no file, doorbell or thread
 * is needed and an input runs in microseconds.
 *
 * The calls are those a link makes: a closed side takes none until it is
 * opened again, as a new link (icmsg_link_close() frees the old one).
 *
 * What must hold, always: no access outside a region, own indices valid,
 * states and events within their documented sets, bound/unbound events
 * alternating and matching the state. While nothing has been overwritten
 * and both sides use the same layout: every message received is one the
 * other side sent, intact, and later than the one before; and once both
 * sides are open in modes that can bond, with a configuration
 * icmsg_link_config_check() accepts, delivering every doorbell bonds them
 * (but see may_bond()).
 *
 * Input: [region sizes][dcache-alignments][modes, auto-reopen][detect
 * grace, rx-buf-size] then operations, each an opcode (operation << 1 | side) and its
 * arguments.
 */
#include <errno.h>

#include "fuzz.h"
#include "protocol.h"

#define MAX_OPS 256
#define NS_PER_MS 1000000ull
/* Header of a message: sequence number and its complement (a torn or stale
 * message does not pass for a fresh one). */
#define SEQ_HDR 8u

enum op {
	OP_OPEN,
	OP_CLOSE,
	OP_STEP,
	OP_RECV,
	OP_SEND,
	OP_KICK,
	OP_HOLD,
	OP_RELEASE,
	OP_RESERVE,
	OP_COMMIT,
	OP_PENDING,
	OP_TIME,
	OP_POKE32,
	OP_POKE_HS,
	OP_LOAD,
	OP_SETTLE,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"open", "close", "step", "recv", "send", "kick", "hold", "release", "reserve",
	"commit", "pending", "time", "poke32", "poke-hs", "load", "settle",
};

struct side {
	const char *name;
	struct proto p;
	struct region tx, rx;
	struct pbuf_layout tx_l, rx_l;
	struct side *peer;
	uint32_t next_seq;  /* sequence number of our next message */
	uint32_t last_rx;   /* last sequence number received (0: none) */
	bool vis_bound;     /* what the events told the application */
	/* Detect side: it took the peer's magic, then restarted (see may_bond()). */
	bool took_magic, restarted;
	unsigned int n_held;
	uint32_t rx_cap;    /* the link's receive cap: rx-buf-size, or the ring's */
	void *res_ptr;      /* open reservation: place in the ring, or NULL */
	uint32_t res_len;
	bool reserved;
};

struct world {
	struct side s[2];
	uint8_t *mem[2]; /* [0]: A's tx region, [1]: B's tx region */
	uint32_t size[2];
	uint64_t now;
	bool tampered;   /* a region was overwritten, or the layouts differ */
	bool compatible; /* the modes can bond (spec 3.4) */
};

/* FUZZ_VERBOSE=1 traces each operation and the library's log lines. */
static bool verbose;

static void log_line(int priority, const char *msg, void *userdata)
{
	fprintf(stderr, "  %s <%d> %s\n", (const char *)userdata, priority, msg);
}

static const struct logger loggers[2] = {
	{ .fn = log_line, .userdata = (void *)"A" },
	{ .fn = log_line, .userdata = (void *)"B" },
};

static void trace(struct world *w, const char *what, int k, long arg)
{
	if (!verbose)
		return;
	fprintf(stderr, "%s %s(%ld) -> A %s, B %s\n", k < 0 ? "-" : w->s[k].name, what, arg,
		proto_state_name(w->s[0].p.state), proto_state_name(w->s[1].p.state));
}

/* ---- messages: self-checking payloads ---- */

static uint8_t pattern(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 7u + i * 13u + 0x5au);
}

static void fill(uint8_t *buf, uint32_t len, uint32_t seq)
{
	uint32_t i = 0, h[2] = { seq, ~seq };

	if (len >= SEQ_HDR) {
		memcpy(buf, h, SEQ_HDR);
		i = SEQ_HDR;
	} else {
		seq = 0; /* no room for it */
	}
	for (; i < len; i++)
		buf[i] = pattern(seq, i);
}

/* A message @s received: intact, from its peer, in order. */
static void check_msg(struct world *w, struct side *s, const uint8_t *buf, uint32_t len)
{
	uint32_t h[2] = { 0, 0 }, i, seq = 0;

	fz_assert(len > 0 && len <= PBUF_MAX_LEN);
	if (w->tampered)
		return;
	if (len == PROTO_MAGIC_LEN && memcmp(buf, proto_magic, PROTO_MAGIC_LEN) == 0)
		return;
	if (len >= SEQ_HDR) {
		memcpy(h, buf, sizeof(h));
		seq = h[0];
		fz_assert(h[1] == ~seq);
		fz_assert(seq > s->last_rx && seq < s->peer->next_seq);
		s->last_rx = seq;
	}
	for (i = len >= SEQ_HDR ? SEQ_HDR : 0; i < len; i++)
		fz_assert(buf[i] == pattern(seq, i));
}

/* ---- invariants ---- */

static bool idx_ok(const struct pbuf_layout *l, uint32_t i)
{
	return i % 4 == 0 && i < l->len;
}

/* Check @s and drain its events. Return: how many there were. */
static unsigned int check_side(struct side *s)
{
	struct proto_event ev[PROTO_MAX_EVENTS];
	unsigned int i, n;
	bool notify;

	fz_assert(!s->tx.bad_access && !s->rx.bad_access);
	fz_assert(s->p.state <= PROTO_FAULT);
	fz_assert(s->p.n_events <= PROTO_MAX_EVENTS);
	fz_assert(idx_ok(&s->rx_l, s->p.rx.rd_local) && idx_ok(&s->rx_l, s->p.rx.rd_hold));
	fz_assert(idx_ok(&s->tx_l, s->p.tx.wr_local));
	/* Drained after each operation, as the link does after each step. */
	n = proto_take_events(&s->p, ev, &notify);
	for (i = 0; i < n; i++) {
		switch (ev[i].type) {
		case PROTO_EV_BOUND:
			fz_assert(!s->vis_bound);
			s->vis_bound = true;
			s->restarted = false;
			break;
		case PROTO_EV_UNBOUND:
			fz_assert(ev[i].arg == -ECONNRESET || ev[i].arg == -ESHUTDOWN ||
				  ev[i].arg == -EBADMSG || ev[i].arg == -ECONNABORTED);
			fz_assert(s->vis_bound);
			s->vis_bound = false;
			break;
		case PROTO_EV_ERROR:
			fz_assert(ev[i].arg == -EMSGSIZE || ev[i].arg == -EPROTONOSUPPORT ||
				  ev[i].arg == -EINVAL);
			break;
		default:
			fz_assert(!"unknown event type");
		}
	}
	fz_assert(s->vis_bound == proto_is_bound(&s->p));
	/* Also a quiet re-bond (peer_restarted()) takes the peer's magic. */
	if (proto_is_bound(&s->p) && !s->p.session)
		s->took_magic = true;
	return n;
}

/* ---- operations of one side ---- */

static void do_recv(struct world *w, struct side *s, size_t cap, bool drop)
{
	uint8_t *buf = malloc(cap ? cap : 1);
	int n;

	if (!buf)
		return;
	/* As icmsg_link_try_recv(): what is held goes back first. */
	if (s->n_held) {
		proto_release(&s->p);
		s->n_held = 0;
	}
	n = proto_recv(&s->p, buf, cap, drop);
	fz_assert(n == -EAGAIN || n == -EMSGSIZE || n == -ENOMSG || n > 0);
	if (n > 0) {
		fz_assert((size_t)n <= cap);
		check_msg(w, s, buf, (uint32_t)n);
	}
	free(buf);
}

static void do_hold(struct world *w, struct side *s, size_t cap)
{
	uint32_t start = 0;
	const uint8_t *place;
	uint8_t *copy;
	int n;

	if (s->n_held == ICMSG_RX_HOLD_MAX)
		return;
	n = proto_hold(&s->p, cap, &start);
	fz_assert(n == -EAGAIN || n == -ENOTSUP || n > 0);
	if (n <= 0)
		return;
	fz_assert((size_t)n <= cap && start < s->rx_l.len);
	s->n_held++;
	copy = malloc((size_t)n);
	if (!copy)
		return;
	pbuf_copy_out(&s->p.rx, start, copy, (uint32_t)n);
	place = pbuf_place(&s->p.rx, start, (uint32_t)n);
	if (place)
		fz_assert(memcmp(place, copy, (size_t)n) == 0);
	check_msg(w, s, copy, (uint32_t)n);
	free(copy);
}

static bool send_ret_ok(int ret)
{
	return ret == -EBUSY || ret == -ENOTCONN || ret == -EIO || ret == -ENODATA ||
	       ret == -EMSGSIZE || ret == -ENOMEM || ret == -EINVAL || ret == -EINPROGRESS;
}

static void do_send(struct side *s, uint32_t len, uint8_t flags)
{
	uint32_t max = pbuf_max_payload(&s->tx_l);
	uint8_t *buf = malloc(len ? len : 1);
	bool signal;
	int ret;

	if (!buf)
		return;
	fill(buf, len, s->next_seq);
	ret = proto_send(&s->p, buf, len, max, flags & 1, flags & 2, &signal);
	fz_assert(ret == (int)len || send_ret_ok(ret));
	if (ret > 0)
		s->next_seq++;
	if (len > max)
		fz_assert(ret < 0);
	free(buf);
}

static void do_reserve(struct side *s, uint32_t len, bool lazy)
{
	uint32_t max = pbuf_max_payload(&s->tx_l);
	void *ptr = NULL;
	bool signal;
	int ret;

	ret = proto_reserve(&s->p, len, max, lazy, &ptr, &signal);
	fz_assert(ret == 0 || send_ret_ok(ret));
	if (ret < 0)
		return;
	fz_assert(!s->reserved);
	if (ptr) {
		/* In the ring, clear of the place of the bond magic. */
		fz_assert((uint8_t *)ptr >= s->tx.base + s->tx_l.data_off + 20);
		fz_assert((uint8_t *)ptr + len <= s->tx.base + s->tx.size);
	}
	s->reserved = true;
	s->res_ptr = ptr;
	s->res_len = len;
}

static void do_commit(struct side *s, uint32_t len, uint8_t flags)
{
	uint8_t *bounce = NULL;
	bool signal;
	int ret;

	if (s->reserved && len <= s->res_len) {
		/* Built at the last moment, as an application may. */
		if (s->res_ptr) {
			fill(s->res_ptr, len, s->next_seq);
		} else {
			bounce = malloc(len ? len : 1);
			if (!bounce)
				return;
			fill(bounce, len, s->next_seq);
		}
	}
	ret = proto_commit(&s->p, bounce, len, flags & 1, flags & 2, &signal);
	fz_assert(ret == (int)len || ret == 0 || ret == -ECONNRESET || send_ret_ok(ret));
	if (!s->reserved || len > s->res_len) {
		fz_assert(ret == -EINVAL);
	} else {
		s->reserved = false;
		if (ret > 0)
			s->next_seq++;
	}
	free(bounce);
}

/* proto_open() as the application calls it, noting what settle() must know. */
static void do_open(struct side *s)
{
	enum proto_state before = s->p.state;
	struct proto_config pc = s->p.cfg;
	const struct logger *log = s->p.log;
	int ret;

	if (before == PROTO_OFF) {
		/* A closed link is gone: this is icmsg_link_open() of a new one. */
		proto_destroy(&s->p);
		if (proto_init(&s->p, &pc, &s->tx, &s->rx, &s->tx_l, &s->rx_l, log) < 0)
			abort();
		s->reserved = false;
		s->n_held = 0;
	}
	ret = proto_open(&s->p);

	fz_assert(ret == 0 || ret == -EALREADY || ret == -EIO);
	if (before != PROTO_OFF || ret < 0)
		return;
	if (s->p.cfg.mode == ICMSG_UNBOUND_DETECT) {
		s->restarted = s->took_magic;
	} else if (s->p.cfg.mode == ICMSG_UNBOUND_DISABLE) {
		/* Our fresh magic is there to find. */
		s->peer->restarted = false;
		s->peer->took_magic = false;
	}
}

/*
 * Spec 3.2, 3.4, 3.6: a detect side that opens anew finds a disable peer
 * only by a magic on a ring its writer has just reset. A disable peer that
 * stays up never resets its ring again, and the detect side writes nothing
 * at open that the peer could notice (Zephyr's rules): that pair cannot
 * bond again until the disable side reopens. Not a fault of ours.
 */
static bool may_bond(const struct world *w)
{
	const struct side *a = &w->s[0], *b = &w->s[1];

	if (!w->compatible || a->p.state == PROTO_OFF || b->p.state == PROTO_OFF)
		return false;
	if (a->p.cfg.mode == ICMSG_UNBOUND_DETECT && b->p.cfg.mode == ICMSG_UNBOUND_DISABLE)
		return !a->restarted;
	if (b->p.cfg.mode == ICMSG_UNBOUND_DETECT && a->p.cfg.mode == ICMSG_UNBOUND_DISABLE)
		return !b->restarted;
	return true;
}

/* Deliver every doorbell until nothing moves: what two links do when each
 * processes on every signal (the link reopens a session the peer ended,
 * as icmsgd does). Then, with honest sides, both must be bound. */
static void settle(struct world *w)
{
	unsigned int round, k, i, moved;
	enum proto_state before;
	struct side *s;
	uint8_t *buf;
	int n;

	for (round = 0; round < 32; round++) {
		moved = 0;
		for (k = 0; k < 2; k++) {
			s = &w->s[k];
			if (s->p.state == PROTO_OFF)
				continue;
			before = s->p.state;
			proto_step(&s->p, w->now);
			trace(w, "settle-step", (int)k, round);
			moved += check_side(s);
			if (s->p.state == PROTO_DISCONNECTED ||
			    (s->p.state == PROTO_FAULT && s->p.cfg.mode != ICMSG_UNBOUND_DISABLE)) {
				do_open(s);
				moved += 1 + check_side(s);
			}
			if (s->n_held) {
				proto_release(&s->p);
				s->n_held = 0;
				moved += 1 + check_side(s);
			}
			buf = malloc(s->rx_cap);
			if (!buf)
				break;
			for (i = 0; i < s->rx_l.len; i++) {
				n = proto_recv(&s->p, buf, s->rx_cap, true);
				if (n > 0)
					check_msg(w, s, buf, (uint32_t)n);
				moved += check_side(s);
				if (n == -EAGAIN)
					break;
				moved++;
			}
			free(buf);
			moved += s->p.state != before;
		}
		w->now += w->s[0].p.cfg.detect_grace_ns + w->s[1].p.cfg.detect_grace_ns;
		w->now += NS_PER_MS;
		/* Bound, and a whole round changed nothing: nothing more will. */
		if (!moved && proto_is_bound(&w->s[0].p) && proto_is_bound(&w->s[1].p))
			break;
	}
	if (!w->tampered && may_bond(w)) {
		fz_assert(proto_is_bound(&w->s[0].p));
		fz_assert(proto_is_bound(&w->s[1].p));
	}
}

/* ---- the driver ---- */

static const uint32_t sizes[8] = { 64, 128, 256, 512, 1024, 4096, 36, 68 };
static const uint32_t dcaches[8] = { 0, 4, 8, 16, 32, 64, 0, 8 };

static bool same_layout(const struct pbuf_layout *a, const struct pbuf_layout *b)
{
	return a->wr_off == b->wr_off && a->data_off == b->data_off && a->len == b->len;
}

/* What icmsg_link_open() would be given for side @k: bonding is promised
 * only for what icmsg_link_config_check() accepts. */
static bool config_ok(const struct world *w, int k, uint32_t dcache, enum icmsg_unbound_mode mode,
		      uint32_t rx_buf)
{
	struct icmsg_link_config c;

	icmsg_link_config_init(&c);
	c.name = k ? "B" : "A";
	c.tx_region.path = c.rx_region.path = "/fuzz";
	c.tx_region.size = w->size[k];
	c.rx_region.size = w->size[!k];
	c.rx_region.offset = 65536;
	c.tx_mbox.path = "/fuzz-tx";
	c.rx_mbox.path = "/fuzz-rx";
	c.dcache_alignment = dcache;
	c.unbound = mode;
	c.rx_buf_size = rx_buf;
	return icmsg_link_config_check(&c, NULL, NULL) == 0;
}

static bool side_init(struct world *w, int k, uint32_t dcache, enum icmsg_unbound_mode mode,
		      bool auto_reopen, uint64_t grace, uint32_t rx_buf)
{
	struct side *s = &w->s[k];
	struct proto_config pc = {
		.mode = mode,
		.detect_grace_ns = grace,
		.auto_reopen = auto_reopen,
	};
	bool hs = mode != ICMSG_UNBOUND_DISABLE;

	if (!config_ok(w, k, dcache, mode, rx_buf))
		return false;
	s->name = k ? "B" : "A";
	s->peer = &w->s[!k];
	s->next_seq = 1;
	region_init_mem(&s->tx, w->mem[k], w->size[k]);
	region_init_mem(&s->rx, w->mem[!k], w->size[!k]);
	if (pbuf_layout_init(&s->tx_l, w->size[k], dcache, hs, NULL) < 0 ||
	    pbuf_layout_init(&s->rx_l, w->size[!k], dcache, hs, NULL) < 0)
		return false;
	/* As icmsg_link_open() computes it. */
	s->rx_cap = pbuf_max_payload(&s->rx_l);
	if (rx_buf && rx_buf < s->rx_cap)
		s->rx_cap = rx_buf;
	/* proto_init() fails only with its mutex: nothing to destroy then. */
	return proto_init(&s->p, &pc, &s->tx, &s->rx, &s->tx_l, &s->rx_l,
			  verbose ? &loggers[k] : NULL) == 0;
}

static bool modes_compatible(enum icmsg_unbound_mode a, enum icmsg_unbound_mode b)
{
	return a == b || a == ICMSG_UNBOUND_DETECT || b == ICMSG_UNBOUND_DETECT;
}

static void run(struct world *w, struct fz *f)
{
	unsigned int n_ops = 0;
	enum op kind;
	struct side *s;
	uint32_t v, off;
	uint8_t op, k, r;
	size_t got;
	const uint8_t *bytes;

	while (!fz_empty(f) && n_ops++ < MAX_OPS) {
		op = fz_u8(f);
		k = op & 1;
		s = &w->s[k];
		v = 0;
		kind = (enum op)((op >> 1) % OP_COUNT);
		/* A closed link takes no calls (icmsg_link_close() freed it). */
		if (s->p.state == PROTO_OFF && kind <= OP_PENDING && kind != OP_OPEN)
			kind = OP_COUNT;
		switch (kind) {
		case OP_OPEN:
			do_open(s);
			break;
		case OP_CLOSE: {
			bool signal;

			/* As icmsg_link_close(): what is unpublished goes out first;
			 * the application hears nothing. */
			if (pbuf_unpublished(&s->p.tx))
				proto_kick(&s->p, false, &signal);
			proto_close(&s->p);
			s->vis_bound = false;
			s->n_held = 0;
			break;
		}
		case OP_STEP:
			proto_step(&s->p, w->now);
			break;
		case OP_RECV:
			v = fz_u16(f);
			/* The link's own reads (dropping what is too long) use
			 * its cap; icmsg_link_try_recv() the caller's. */
			if (v & 1)
				do_recv(w, s, s->rx_cap, true);
			else
				do_recv(w, s, v % (pbuf_max_payload(&s->rx_l) + 2), false);
			break;
		case OP_SEND:
			v = fz_u16(f);
			do_send(s, v % (pbuf_max_payload(&s->tx_l) + 3), fz_u8(f));
			break;
		case OP_KICK: {
			bool signal;

			proto_kick(&s->p, fz_u8(f) & 1, &signal);
			break;
		}
		case OP_HOLD:
			/* Several in a row, as icmsgd takes a batch. */
			for (v = fz_u16(f) % 8 + 1; v > 0; v--)
				do_hold(w, s, s->rx_cap);
			break;
		case OP_RELEASE:
			v = (uint32_t)proto_release(&s->p);
			fz_assert(v == 0 || (int)v == -ECONNRESET);
			s->n_held = 0;
			break;
		case OP_RESERVE:
			v = fz_u16(f);
			do_reserve(s, v % (pbuf_max_payload(&s->tx_l) + 2), v & 0x8000);
			break;
		case OP_COMMIT:
			/* Mostly within the reservation, sometimes past it. */
			v = fz_u16(f);
			if (s->reserved && !(v & 0x8000))
				v = s->res_len - v % (s->res_len + 1);
			do_commit(s, v, fz_u8(f));
			break;
		case OP_PENDING: {
			int n = proto_tx_pending(&s->p);

			fz_assert(n == -EBUSY || n == -ENOTCONN || n == -EIO || n == -EINVAL ||
				  (n >= 0 && (uint32_t)n < s->tx_l.len));
			break;
		}
		case OP_TIME:
			w->now += (uint64_t)fz_u8(f) * NS_PER_MS / 4;
			break;
		case OP_POKE32:
			/* The peer, hostile or rebooting, stores any word... */
			r = fz_u8(f) & 1;
			off = fz_u16(f) * 4u % w->size[r];
			v = fz_u32(f);
			memcpy(w->mem[r] + off, &v, 4);
			w->tampered = true;
			break;
		case OP_POKE_HS:
			/* ...or a session word (where it lives with a handshake)... */
			r = fz_u8(f) & 1;
			v = fz_u32(f);
			memcpy(w->mem[r] + 4, &v, 4);
			w->tampered = true;
			break;
		case OP_LOAD:
			/* ...or a whole image: what an earlier boot left there. */
			r = fz_u8(f) & 1;
			v = fz_u16(f);
			bytes = fz_bytes(f, v < w->size[r] ? v : w->size[r], &got);
			memcpy(w->mem[r], bytes, got);
			w->tampered = true;
			break;
		case OP_SETTLE:
			settle(w);
			break;
		case OP_COUNT:
			break;
		}
		trace(w, kind == OP_COUNT ? "(closed)" : op_names[kind], k, (int)v);
		check_side(&w->s[0]);
		check_side(&w->s[1]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t graces[4] = { 0, NS_PER_MS, 50 * NS_PER_MS, 1 };
	static const uint32_t rx_bufs[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 5, 12, 13, 16, 64, 100, 200 };
	enum icmsg_unbound_mode ma, mb;
	struct world w;
	uint8_t b0, b1, b2, b3;
	struct fz f;

	fz_init(&f, data, size);
	b0 = fz_u8(&f);
	b1 = fz_u8(&f);
	b2 = fz_u8(&f);
	b3 = fz_u8(&f);
	memset(&w, 0, sizeof(w));
	w.size[0] = sizes[b0 & 7];
	w.size[1] = sizes[b0 >> 3 & 7];
	/* Exactly the region: ASan catches a byte past it. */
	w.mem[0] = calloc(1, w.size[0]);
	w.mem[1] = calloc(1, w.size[1]);
	ma = (enum icmsg_unbound_mode)(b2 % 3);
	mb = (enum icmsg_unbound_mode)(b2 / 3 % 3);
	/* Virtual time, never behind the clock proto_recv() reads itself. */
	w.now = now_ns();
	if (w.mem[0] && w.mem[1] && side_init(&w, 0, dcaches[b1 & 7], ma, b2 & 0x40,
					      graces[b3 & 3], rx_bufs[b3 >> 4])) {
		if (side_init(&w, 1, dcaches[(b1 & 0x40 ? b1 >> 3 : b1) & 7], mb, b2 & 0x80,
			      graces[b3 >> 2 & 3], rx_bufs[b3 >> 4])) {
			w.compatible = modes_compatible(ma, mb);
			w.tampered = !same_layout(&w.s[0].tx_l, &w.s[1].rx_l) ||
				     !same_layout(&w.s[1].tx_l, &w.s[0].rx_l);
			run(&w, &f);
			proto_destroy(&w.s[1].p);
		}
		proto_destroy(&w.s[0].p);
	}
	free(w.mem[0]);
	free(w.mem[1]);
	return 0;
}
