// SPDX-License-Identifier: MIT
/*
 * Bonding, sessions, error rules and recovery, with two links in one
 * process over the simulation transport (spec sections 3 and 4).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test-util.h"

/* ---- recording callbacks ---- */

struct rec {
	unsigned bound, unbound, errors, received;
	int last_reason, last_error;
	size_t last_len;
	uint8_t last[256];
	char log[4096];
	struct icmsg_link *send_from_bound; /* send "hi" from the bound callback */
	int send_ret;
	bool reopen_on_unbound;             /* call icmsg_link_reopen() there */
	int reopen_ret, process_ret;        /* and icmsg_link_process() */
};

static void rec_bound(struct icmsg_link *l, void *ud)
{
	struct rec *r = ud;

	r->bound++;
	if (r->send_from_bound == l)
		r->send_ret = icmsg_link_send(l, "hi", 2);
}

static void rec_unbound(struct icmsg_link *l, int reason, void *ud)
{
	struct rec *r = ud;

	r->unbound++;
	r->last_reason = reason;
	if (r->reopen_on_unbound) {
		r->process_ret = icmsg_link_process(l);
		r->reopen_ret = icmsg_link_reopen(l);
	}
}

static void rec_received(struct icmsg_link *l, const void *data, size_t len, void *ud)
{
	struct rec *r = ud;

	r->received++;
	r->last_len = len;
	memcpy(r->last, data, len < sizeof(r->last) ? len : sizeof(r->last));
}

static void rec_error(struct icmsg_link *l, int err, void *ud)
{
	struct rec *r = ud;

	r->errors++;
	r->last_error = err;
}

static void rec_log(int prio, const char *msg, void *ud)
{
	struct rec *r = ud;
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s\n", msg);
	if (getenv("ICMSG_TEST_VERBOSE"))
		fprintf(stderr, "<%d> %s\n", prio, msg);
}

static const struct icmsg_link_callbacks state_only = {
	.bound = rec_bound,
	.unbound = rec_unbound,
	.error = rec_error,
};

static const struct icmsg_link_callbacks with_rx = {
	.bound = rec_bound,
	.unbound = rec_unbound,
	.received = rec_received,
	.error = rec_error,
};

static struct icmsg_link *open_rec(const struct icmsg_link_config *cfg,
				   const struct icmsg_link_callbacks *cb, struct rec *r)
{
	struct icmsg_link_options o = {
		.callbacks = cb, .userdata = r, .log = rec_log, .log_userdata = r,
	};
	struct icmsg_link *l = NULL;

	assert_int_equal(icmsg_link_open(cfg, &o, &l), 0);
	return l;
}

static bool both_bound(void *arg)
{
	struct icmsg_link **l = arg;

	return icmsg_link_get_state(l[0]) == ICMSG_LINK_BOUND &&
	       icmsg_link_get_state(l[1]) == ICMSG_LINK_BOUND;
}

static bool one_bound(void *arg)
{
	return icmsg_link_get_state(arg) == ICMSG_LINK_BOUND;
}

static bool log_has_timeout(void *arg)
{
	struct rec *r = arg;

	return strstr(r->log, "not bound after") != NULL;
}

static void poke32(const char *file, uint64_t off, uint32_t v)
{
	int fd = open(file, O_RDWR);
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, 4, (off_t)off), 4);
	close(fd);
}

static void pokebytes(const char *file, uint64_t off, const void *b, size_t n)
{
	int fd = open(file, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, n, (off_t)off), (ssize_t)n);
	close(fd);
}

/* ---- compatibility matrix (spec 3.5) ---- */

static void pairing(enum icmsg_unbound_mode ma, enum icmsg_unbound_mode mb, bool b_first,
		    bool ok, enum icmsg_link_variant variant)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct icmsg_link_info info;
	struct tu_pair p;

	tu_pair_init(&p, 512, 32, ma, mb);
	p.a.bond_timeout_ms = 100;
	p.b.bond_timeout_ms = 100;
	if (b_first) {
		l[1] = open_rec(&p.b, &state_only, &rb);
		l[0] = open_rec(&p.a, &state_only, &ra);
	} else {
		l[0] = open_rec(&p.a, &state_only, &ra);
		l[1] = open_rec(&p.b, &state_only, &rb);
	}
	if (ok) {
		assert_true(tu_pump(l, 2, 5000, both_bound, l));
		assert_int_equal(ra.bound, 1);
		assert_int_equal(rb.bound, 1);
		icmsg_link_get_info(l[0], &info);
		assert_int_equal(info.variant, variant);
		icmsg_link_get_info(l[1], &info);
		assert_int_equal(info.variant, variant);
		/* And messages flow both ways. */
		assert_int_equal(icmsg_link_send(l[0], "ping", 4), 4);
		assert_int_equal(icmsg_link_send(l[1], "pong", 4), 4);
	} else {
		/* No in-band error exists: the failure shows as the bond
		 * timeout diagnostic, with a hint (spec 3.5). */
		assert_true(tu_pump(l, 2, 5000, log_has_timeout, &ra));
		assert_non_null(strstr(ra.log, "check unbound mode and dcache-alignment"));
		assert_int_equal(icmsg_link_get_state(l[0]), ICMSG_LINK_BONDING);
		assert_int_equal(icmsg_link_get_state(l[1]), ICMSG_LINK_BONDING);
		assert_int_equal(icmsg_link_send(l[0], "x", 1), -EBUSY);
		assert_int_equal(ra.bound + rb.bound, 0);
	}
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_matrix(void **state)
{
	const enum icmsg_unbound_mode D = ICMSG_UNBOUND_DISABLE, E = ICMSG_UNBOUND_ENABLE,
				      X = ICMSG_UNBOUND_DETECT;
	const enum icmsg_link_variant M = ICMSG_VARIANT_MAGIC, S = ICMSG_VARIANT_SESSION;
	static const struct {
		int a, b;
		bool ok;
		int variant;
	} m[] = {
		{ 0, 0, true, 1 }, { 0, 1, false, 0 }, { 0, 2, true, 1 },
		{ 1, 0, false, 0 }, { 1, 1, true, 2 }, { 1, 2, true, 2 },
		{ 2, 0, true, 1 }, { 2, 1, true, 2 }, { 2, 2, true, 2 },
	};
	const enum icmsg_unbound_mode modes[] = { D, E, X };
	const enum icmsg_link_variant variants[] = { ICMSG_VARIANT_UNKNOWN, M, S };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		for (int order = 0; order < 2; order++)
			pairing(modes[m[i].a], modes[m[i].b], order, m[i].ok,
				variants[m[i].variant]);
}

/* ---- error rules of spec 4.1 (ours) ---- */

static void test_protocol_send_errors(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	uint8_t big[200] = { 0 }, buf[8];
	int ret, sent = 0;

	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	l[0] = open_rec(&p.a, &state_only, &ra);
	/* Before the bond: -EBUSY, nothing written. */
	assert_int_equal(icmsg_link_send(l[0], "x", 1), -EBUSY);
	assert_int_equal(icmsg_link_try_recv(l[0], buf, sizeof(buf)), -EBUSY);
	assert_int_equal(icmsg_link_reopen(l[0]), -EALREADY);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));

	assert_int_equal(icmsg_link_send(l[0], "x", 0), -ENODATA);
	assert_int_equal(icmsg_link_send(l[0], NULL, 1), -EINVAL);
	assert_int_equal(icmsg_link_send(NULL, "x", 1), -EINVAL);
	/* peer-rx-buf-size (128): a Zephyr peer would stall on more. */
	assert_int_equal(icmsg_link_send(l[0], big, 129), -EMSGSIZE);
	assert_int_equal(icmsg_link_send(l[0], big, 128), 128);
	assert_int_equal(icmsg_link_try_recv(l[1], buf, sizeof(buf)), -EMSGSIZE); /* stays */
	assert_int_equal(icmsg_link_try_recv(l[1], big, sizeof(big)), 128);
	assert_int_equal(icmsg_link_try_recv(l[1], buf, sizeof(buf)), -EAGAIN);
	/* Ring full: -ENOMEM, then room again once the peer read. */
	while ((ret = icmsg_link_send(l[0], big, 60)) == 60)
		sent++;
	assert_int_equal(ret, -ENOMEM);
	assert_true(sent >= 2);
	assert_int_equal(icmsg_link_try_recv(l[1], big, sizeof(big)), 60);
	assert_int_equal(icmsg_link_send(l[0], big, 60), 60);
	/* Fill of the moment, the same seen from both ends: sent packets of
	 * 4 + 60 bytes (spec 2.3), none read since. */
	struct icmsg_link_info ia, ib;

	assert_int_equal(icmsg_link_get_info(l[0], &ia), 0);
	assert_int_equal(icmsg_link_get_info(l[1], &ib), 0);
	assert_int_equal(ia.tx_used, (uint32_t)sent * 64);
	assert_int_equal(ib.rx_used, ia.tx_used);
	assert_true(ia.tx_used <= ia.tx_used_max);
	while (icmsg_link_try_recv(l[1], big, sizeof(big)) == 60)
		;
	assert_int_equal(icmsg_link_get_info(l[0], &ia), 0);
	assert_int_equal(ia.tx_used, 0);
	assert_int_equal(icmsg_link_send(l[0], big, 60), 60);
	while (icmsg_link_send(l[0], big, 60) == 60)
		;
	/* Blocking send on a full ring times out. */
	assert_int_equal(icmsg_link_send_timeout(l[0], big, 100, 30), -ETIMEDOUT);
	assert_int_equal(icmsg_link_recv(l[0], buf, sizeof(buf), 20), -ETIMEDOUT);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_open_errors(void **state)
{
	struct icmsg_link *l = (struct icmsg_link *)0x1;
	struct tu_pair p;

	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_ENABLE, ICMSG_UNBOUND_ENABLE);
	/* Zephyr refuses the handshake layout below dcache-alignment 8. */
	assert_int_equal(icmsg_link_open(&p.a, NULL, &l), -EINVAL);
	assert_ptr_equal(l, (struct icmsg_link *)0x1); /* untouched on failure */
	p.a.unbound = ICMSG_UNBOUND_DISABLE;
	p.a.tx_region.size = 250;
	assert_int_equal(icmsg_link_open(&p.a, NULL, &l), -EINVAL);
	p.a.tx_region.size = 256;
	p.a.create = false;
	p.a.rx_mbox.path = "/nonexistent/icmsg/fifo";
	assert_int_equal(icmsg_link_open(&p.a, NULL, &l), -ENOENT);
	assert_int_equal(icmsg_link_open(NULL, NULL, &l), -EINVAL);
	p.a.create = true;
	p.a.rx_mbox.path = NULL;
	assert_int_equal(icmsg_link_open(&p.a, NULL, &l), -EINVAL);
	assert_null(icmsg_link_close(NULL));
	tu_pair_cleanup(&p);
}

struct wait_rec {
	struct rec *r;
	unsigned bound, unbound;
	struct icmsg_link **l;
};

static bool rec_reached(void *arg)
{
	struct wait_rec *w = arg;

	return w->r->bound >= w->bound && w->r->unbound >= w->unbound &&
	       both_bound(w->l);
}

static void test_protocol_send_from_bound_callback(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	uint8_t buf[8];

	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	l[1] = open_rec(&p.b, &state_only, &rb);
	l[0] = NULL;
	ra.send_from_bound = NULL;
	{
		struct icmsg_link_options o = { .callbacks = &state_only, .userdata = &ra };
		assert_int_equal(icmsg_link_open(&p.a, &o, &l[0]), 0);
	}
	/* A is bound during its open (B opened first); the next bond must
	 * allow a send from the callback: re-bond by restarting B after
	 * some traffic (with nothing exchanged a reset re-bonds silently). */
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	assert_int_equal(icmsg_link_send(l[0], "x", 1), 1);
	assert_int_equal(icmsg_link_recv(l[1], buf, sizeof(buf), 5000), 1);
	ra.send_from_bound = l[0];
	icmsg_link_close(l[1]);
	l[1] = open_rec(&p.b, &state_only, &rb);
	{
		struct wait_rec w = { .r = &ra, .l = l, .bound = 2, .unbound = 1 };

		assert_true(tu_pump(l, 2, 5000, rec_reached, &w));
	}
	assert_int_equal(ra.send_ret, 2);
	assert_int_equal(icmsg_link_recv(l[1], buf, sizeof(buf), 5000), 2);
	assert_memory_equal(buf, "hi", 2);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

/* ---- remote reset per mode ---- */

static void exchange_some(struct icmsg_link **l, struct rec *rb, int n)
{
	unsigned before = rb->received;

	for (int i = 0; i < n; i++) {
		char msg[16];
		int len = snprintf(msg, sizeof(msg), "m%d", i);
		assert_int_equal(icmsg_link_send(l[0], msg, (size_t)len), len);
	}
	for (int k = 0; k < 100 && rb->received < before + (unsigned)n; k++)
		tu_process_all(l, 2);
	assert_int_equal(rb->received, before + (unsigned)n);
}

static void reset_case(enum icmsg_unbound_mode mode, uint32_t dc, bool reopen_in_place,
		       int want_reason)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	struct wait_rec w = { .r = &ra, .l = l };

	tu_pair_init(&p, 512, dc, mode, mode);
	l[0] = open_rec(&p.a, &state_only, &ra);
	l[1] = open_rec(&p.b, &with_rx, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	exchange_some(l, &rb, 20);

	/* The remote re-initialises mid-stream. */
	if (reopen_in_place) {
		assert_int_equal(icmsg_link_reopen(l[1]), 0);
	} else {
		icmsg_link_close(l[1]);
		/* A looks before the peer is back: a session word of 0 is a
		 * close (-ESHUTDOWN); a new sid seen directly is a reset. */
		assert_true(icmsg_link_process(l[0]) >= 0);
		l[1] = open_rec(&p.b, &with_rx, &rb);
	}
	w.bound = 2;
	w.unbound = 1;
	assert_true(tu_pump(l, 2, 5000, rec_reached, &w));
	assert_int_equal(ra.unbound, 1);
	assert_int_equal(ra.last_reason, want_reason);
	assert_int_equal(ra.bound, 2);
	/* ...and the stream carries on. */
	exchange_some(l, &rb, 20);
	assert_int_equal(rb.last_len, 3);
	assert_memory_equal(rb.last, "m19", 3);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_reset_disable(void **state)
{
	reset_case(ICMSG_UNBOUND_DISABLE, 0, false, -ECONNRESET);
}

static void test_protocol_reset_enable(void **state)
{
	reset_case(ICMSG_UNBOUND_ENABLE, 8, true, -ECONNRESET);
	/* A clean close and re-open of the peer: first -ESHUTDOWN. */
	reset_case(ICMSG_UNBOUND_ENABLE, 8, false, -ESHUTDOWN);
}

static void test_protocol_reset_detect(void **state)
{
	reset_case(ICMSG_UNBOUND_DETECT, 32, true, -ECONNRESET);
	reset_case(ICMSG_UNBOUND_DETECT, 32, false, -ESHUTDOWN);
}

static void test_protocol_disconnected_without_auto_reopen(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;

	tu_pair_init(&p, 512, 8, ICMSG_UNBOUND_ENABLE, ICMSG_UNBOUND_ENABLE);
	p.a.auto_reopen = false;
	l[0] = open_rec(&p.a, &state_only, &ra);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	l[1] = icmsg_link_close(l[1]);
	assert_true(icmsg_link_process(l[0]) >= 0);
	assert_int_equal(ra.last_reason, -ESHUTDOWN);
	assert_int_equal(icmsg_link_get_state(l[0]), ICMSG_LINK_DISCONNECTED);
	assert_int_equal(icmsg_link_send(l[0], "x", 1), -ENOTCONN);
	assert_int_equal(icmsg_link_wait_bound(l[0], 10), -ENOTCONN);
	/* The application re-opens explicitly. */
	assert_int_equal(icmsg_link_reopen(l[0]), 0);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_reopen_from_callback(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	struct wait_rec w = { .r = &ra, .l = l, .bound = 2, .unbound = 1 };

	/* Without auto-reopen, the application re-opens from its unbound
	 * handler, as Zephyr applications do; processing from a callback is
	 * refused. */
	tu_pair_init(&p, 512, 8, ICMSG_UNBOUND_ENABLE, ICMSG_UNBOUND_ENABLE);
	p.a.auto_reopen = false;
	ra.reopen_on_unbound = true;
	l[0] = open_rec(&p.a, &state_only, &ra);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	assert_int_equal(icmsg_link_reopen(l[1]), 0);
	assert_true(tu_pump(l, 2, 5000, rec_reached, &w));
	assert_int_equal(ra.process_ret, -EDEADLK);
	assert_int_equal(ra.reopen_ret, 0);
	assert_int_equal(ra.last_reason, -ECONNRESET);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_reopen_while_bound(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	struct wait_rec w = { .r = &ra, .l = l, .bound = 2, .unbound = 1 };

	tu_pair_init(&p, 512, 32, ICMSG_UNBOUND_DETECT, ICMSG_UNBOUND_DETECT);
	l[0] = open_rec(&p.a, &state_only, &ra);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	assert_int_equal(icmsg_link_reopen(l[0]), 0);
	assert_int_equal(ra.unbound, 1);
	assert_int_equal(ra.last_reason, -ECONNABORTED);
	assert_true(tu_pump(l, 2, 5000, rec_reached, &w));
	assert_int_equal(rb.last_reason, -ECONNRESET);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

struct settle {
	struct icmsg_link **l;
	struct rec *ra, *rb;
	unsigned last_events;
	uint64_t quiet_since;
};

static uint64_t mono_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Both bound, and no bound/unbound event for 100 ms. */
static bool settled(void *arg)
{
	struct settle *st = arg;
	unsigned ev = st->ra->bound + st->ra->unbound + st->rb->bound + st->rb->unbound;
	uint64_t now = mono_ms_now();

	if (ev != st->last_events || !both_bound(st->l)) {
		st->last_events = ev;
		st->quiet_since = now;
		return false;
	}
	return now - st->quiet_since >= 100;
}

/*
 * Two libicmsg peers in magic mode, one of which bonded with a previous
 * incarnation of the other that never read anything: each side's answer to
 * the other's ring reset must not look like a new restart, or they re-bond
 * for ever.
 */
static void test_protocol_no_restart_livelock(void **state)
{
	struct rec ra = { 0 }, rb = { 0 }, rd = { 0 };
	struct icmsg_link *l[2], *dead;
	struct settle st = { .l = l, .ra = &ra, .rb = &rb };
	struct tu_pair p;

	tu_pair_init(&p, 512, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	dead = open_rec(&p.a, &state_only, &rd); /* magic written, then gone */
	icmsg_link_close(dead);
	l[1] = open_rec(&p.b, &state_only, &rb); /* bonds on that magic */
	assert_int_equal(icmsg_link_get_state(l[1]), ICMSG_LINK_BOUND);
	l[0] = open_rec(&p.a, &state_only, &ra);
	st.quiet_since = mono_ms_now();
	{
		/* Short windows: a quiet link does not wake the pump. */
		bool ok = false;

		for (int i = 0; i < 30 && !ok; i++)
			ok = tu_pump(l, 2, 150, settled, &st);
		assert_true(ok);
	}
	assert_true(ra.bound + rb.bound <= 4);
	/* And the link works. */
	assert_int_equal(icmsg_link_send(l[0], "ab", 2), 2);
	assert_int_equal(icmsg_link_send(l[1], "ba", 2), 2);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

/* ---- corrupted rings ---- */

static void corrupt_case(enum icmsg_unbound_mode mode, uint32_t dc, uint32_t wr_off)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	struct icmsg_link_info info;
	struct wait_rec w = { .r = &ra, .l = l };

	tu_pair_init(&p, 512, dc, mode, mode);
	l[0] = open_rec(&p.a, &with_rx, &ra);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	assert_int_equal(icmsg_link_send(l[1], "ok", 2), 2);
	tu_process_all(l, 2);
	assert_int_equal(ra.received, 1);

	/* B->A region: its wr_idx points past the data area. */
	poke32(p.file, p.region_size + wr_off, 0x7FFFFFF0);
	assert_true(icmsg_link_process(l[0]) >= 0);
	assert_int_equal(ra.unbound, 1);
	assert_int_equal(ra.last_reason, -EBADMSG);
	assert_non_null(strstr(ra.log, "wr_idx out of range"));
	icmsg_link_get_info(l[0], &info);
	assert_true(info.errors >= 1);
	if (mode == ICMSG_UNBOUND_DISABLE) {
		assert_int_equal(icmsg_link_get_state(l[0]), ICMSG_LINK_FAULT);
		assert_int_equal(icmsg_link_send(l[0], "x", 1), -EIO);
		assert_int_equal(icmsg_link_reopen(l[0]), -EIO);
		/* Recovery: the remote restarts and re-initialises. */
		icmsg_link_close(l[1]);
		l[1] = open_rec(&p.b, &state_only, &rb);
	}
	/* Session modes re-open at once with a new session. */
	w.bound = 2;
	w.unbound = 1;
	assert_true(tu_pump(l, 2, 5000, rec_reached, &w));
	assert_int_equal(icmsg_link_send(l[1], "ok2", 3), 3);
	tu_process_all(l, 2);
	assert_int_equal(ra.received, 2);
	assert_memory_equal(ra.last, "ok2", 3);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_corrupt_disable(void **state)
{
	corrupt_case(ICMSG_UNBOUND_DISABLE, 0, 4);
}

static void test_protocol_corrupt_enable(void **state)
{
	corrupt_case(ICMSG_UNBOUND_ENABLE, 8, 8);
}

static void test_protocol_corrupt_rd_idx(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;

	tu_pair_init(&p, 512, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	l[0] = open_rec(&p.a, &state_only, &ra);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	/* A->B region: the reader's rd_idx misaligned. A's send goes to
	 * space it knew to be free; its publish finds rd_idx corrupt, the
	 * next send refuses, the next processing step reports the fault. */
	poke32(p.file, 0, 6);
	assert_int_equal(icmsg_link_send(l[0], "x", 1), 1);
	assert_int_equal(icmsg_link_send(l[0], "y", 1), -EINVAL);
	assert_true(icmsg_link_process(l[0]) >= 0);
	assert_int_equal(ra.last_reason, -EBADMSG);
	assert_int_equal(icmsg_link_get_state(l[0]), ICMSG_LINK_FAULT);
	assert_int_equal(icmsg_link_send(l[0], "z", 1), -EIO);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_oversize_dropped(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct tu_pair p;
	uint8_t big[100] = { 0 };

	tu_pair_init(&p, 512, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	p.a.rx_buf_size = 64;
	l[0] = open_rec(&p.a, &with_rx, &ra);
	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	assert_int_equal(icmsg_link_send(l[1], big, 65), 65);
	assert_int_equal(icmsg_link_send(l[1], "after", 5), 5);
	tu_process_all(l, 2);
	assert_int_equal(ra.errors, 1);
	assert_int_equal(ra.last_error, -EMSGSIZE);
	assert_int_equal(ra.received, 1);
	assert_memory_equal(ra.last, "after", 5);
	assert_int_equal(icmsg_link_get_state(l[0]), ICMSG_LINK_BOUND);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

/* ---- stale state from an earlier boot (spec 3.6) ---- */

static const uint8_t magic_pkt[20] = { 0x00, 0x0d, 0x00, 0x00, 0x45, 0x6d, 0x31, 0x6c, 0x31,
				       0x4b, 0x30, 0x72, 0x6e, 0x33, 0x6c, 0x69, 0x34 };

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_protocol_detect_stale_magic(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct icmsg_link_info info;
	struct tu_pair p;

	/* B once ran the magic protocol: its magic is still in B->A. Now it
	 * runs sessions. A (detect) must not take the v1 path. */
	tu_pair_init(&p, 512, 32, ICMSG_UNBOUND_DETECT, ICMSG_UNBOUND_ENABLE);
	pokebytes(p.file, p.region_size + 36, magic_pkt, sizeof(magic_pkt));
	poke32(p.file, p.region_size + 32, 20);
	l[1] = open_rec(&p.b, &state_only, &rb);
	l[0] = open_rec(&p.a, &state_only, &ra);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	icmsg_link_get_info(l[0], &info);
	assert_int_equal(info.variant, ICMSG_VARIANT_SESSION);
	/* Bound and idle: no timer left armed (the grace deadline is gone). */
	tu_process_all(l, 2);
	{
		struct pollfd pfd = { .fd = icmsg_link_get_fd(l[0]), .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 60), 0);
	}
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_detect_stale_request(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct icmsg_link_info info;
	struct tu_pair p;
	uint64_t t0;

	/* A stale session request in A->B (B's old detect incarnation died),
	 * while B now runs the magic: A waits detect-grace-ms, then bonds
	 * with the magic. */
	tu_pair_init(&p, 512, 32, ICMSG_UNBOUND_DETECT, ICMSG_UNBOUND_DISABLE);
	p.a.detect_grace_ms = 30;
	poke32(p.file, 4, 0x00000005);
	l[1] = open_rec(&p.b, &state_only, &rb);
	t0 = ms_now();
	l[0] = open_rec(&p.a, &state_only, &ra);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	assert_true(ms_now() - t0 >= 30);
	icmsg_link_get_info(l[0], &info);
	assert_int_equal(info.variant, ICMSG_VARIANT_MAGIC);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_disable_ignores_stale_magic(void **state)
{
	struct rec ra = { 0 };
	struct icmsg_link *l[1];
	struct tu_pair p;

	/* A magic left in B->A by a peer that has not re-initialised its
	 * ring since we last read it (rd_idx != 0) is not a bond. */
	tu_pair_init(&p, 512, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	p.a.bond_timeout_ms = 50;
	pokebytes(p.file, p.region_size + 8, magic_pkt, sizeof(magic_pkt));
	poke32(p.file, p.region_size + 4, 20);
	poke32(p.file, p.region_size + 0, 40);
	l[0] = open_rec(&p.a, &state_only, &ra);
	assert_true(tu_pump(l, 1, 5000, log_has_timeout, &ra));
	assert_int_equal(icmsg_link_get_state(l[0]), ICMSG_LINK_BONDING);
	assert_non_null(strstr(ra.log, "has not re-initialised its ring"));
	/* The peer re-initialises (rd_idx 0): now the magic counts. */
	poke32(p.file, p.region_size + 0, 0);
	assert_true(tu_pump(l, 1, 5000, one_bound, l[0]));
	icmsg_link_close(l[0]);
	tu_pair_cleanup(&p);
}

/* ---- v0 peers (Appendix C) ---- */

static void test_protocol_v0_refused(void **state)
{
	struct rec ra = { 0 };
	struct icmsg_link *l;
	struct tu_pair p;
	uint8_t v0[32] = { 0 };

	/* spsc_pbuf: len u32 = size - 16 at 0, flags, rd_idx, wr_idx, then a
	 * packet with the 13-byte magic. */
	tu_pair_init(&p, 512, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	v0[0] = (512 - 16) & 0xff;
	v0[1] = (512 - 16) >> 8;
	v0[12] = 20;
	v0[16] = 0x00;
	v0[17] = 0x0d;
	pokebytes(p.file, p.region_size, v0, 20);
	pokebytes(p.file, p.region_size + 20, magic_pkt + 4, 13);
	l = open_rec(&p.a, &state_only, &ra);
	assert_int_equal(ra.errors, 1);
	assert_int_equal(ra.last_error, -EPROTONOSUPPORT);
	assert_non_null(strstr(ra.log, "ICMsg v0"));
	assert_int_equal(icmsg_link_get_state(l), ICMSG_LINK_BONDING);
	icmsg_link_close(l);
	tu_pair_cleanup(&p);
}

/* ---- signals and timers (spec 3.7) ---- */

static size_t fifo_pending(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK);
	uint8_t buf[4096];
	ssize_t n, total = 0;

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return (size_t)total;
}

static bool fifo_has_three(void *arg)
{
	const char *path = arg;
	static size_t seen;

	seen += fifo_pending(path);
	if (seen >= 3) {
		seen = 0;
		return true;
	}
	return false;
}

static void test_protocol_notify_repeat(void **state)
{
	struct rec ra = { 0 }, rb = { 0 };
	struct icmsg_link *l[2];
	struct pollfd pfd;
	struct tu_pair p;
	int fd;

	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	/* Keep a reader on A's tx FIFO so nothing is lost between checks. */
	l[0] = open_rec(&p.a, &state_only, &ra);
	l[1] = NULL;
	/* Alone, A's fd wakes on the repeat timer and A rings B's doorbell
	 * again and again (every ms). */
	assert_true(tu_pump(l, 1, 2000, fifo_has_three, p.ab_fifo));

	l[1] = open_rec(&p.b, &state_only, &rb);
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	tu_process_all(l, 2);
	fifo_pending(p.ab_fifo);
	fifo_pending(p.ba_fifo);
	/* Bound: no more repeats, and the link fd stays quiet. */
	fd = open(p.ab_fifo, O_RDWR | O_NONBLOCK);
	pfd.fd = fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 30), 0);
	pfd.fd = icmsg_link_get_fd(l[0]);
	assert_int_equal(poll(&pfd, 1, 30), 0);
	close(fd);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_protocol_blocking_helpers(void **state)
{
	struct rec rb = { 0 };
	struct icmsg_link *a = NULL, *l[2];
	struct tu_pair p;
	uint8_t buf[16];

	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	assert_int_equal(icmsg_link_open(&p.a, tu_opts(NULL, NULL), &a), 0);
	assert_int_equal(icmsg_link_wait_bound(a, 20), -ETIMEDOUT);
	l[0] = a;
	l[1] = open_rec(&p.b, &with_rx, &rb);
	assert_int_equal(icmsg_link_wait_bound(a, 5000), 0);
	assert_int_equal(icmsg_link_send_timeout(a, "abc", 3, 1000), 3);
	/* flush: done only once the peer has read what we sent. */
	assert_int_equal(icmsg_link_flush(a, 20), -ETIMEDOUT);
	assert_true(icmsg_link_process(l[1]) >= 0);
	assert_int_equal(rb.received, 1);
	assert_int_equal(icmsg_link_flush(a, 1000), 0);
	assert_int_equal(icmsg_link_send(l[1], "xyz", 3), 3);
	assert_int_equal(icmsg_link_recv(a, buf, sizeof(buf), 5000), 3);
	assert_memory_equal(buf, "xyz", 3);
	/* A received callback excludes the pull API. */
	assert_int_equal(icmsg_link_try_recv(l[1], buf, sizeof(buf)), -EINVAL);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_matrix),
		cmocka_unit_test(test_protocol_send_errors),
		cmocka_unit_test(test_protocol_open_errors),
		cmocka_unit_test(test_protocol_send_from_bound_callback),
		cmocka_unit_test(test_protocol_reset_disable),
		cmocka_unit_test(test_protocol_reset_enable),
		cmocka_unit_test(test_protocol_reset_detect),
		cmocka_unit_test(test_protocol_disconnected_without_auto_reopen),
		cmocka_unit_test(test_protocol_reopen_from_callback),
		cmocka_unit_test(test_protocol_reopen_while_bound),
		cmocka_unit_test(test_protocol_no_restart_livelock),
		cmocka_unit_test(test_protocol_corrupt_disable),
		cmocka_unit_test(test_protocol_corrupt_enable),
		cmocka_unit_test(test_protocol_corrupt_rd_idx),
		cmocka_unit_test(test_protocol_oversize_dropped),
		cmocka_unit_test(test_protocol_detect_stale_magic),
		cmocka_unit_test(test_protocol_detect_stale_request),
		cmocka_unit_test(test_protocol_disable_ignores_stale_magic),
		cmocka_unit_test(test_protocol_v0_refused),
		cmocka_unit_test(test_protocol_notify_repeat),
		cmocka_unit_test(test_protocol_blocking_helpers),
	};

	return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
