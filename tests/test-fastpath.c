// SPDX-License-Identifier: MIT
/*
 * The fast-path API: batched sends (ICMSG_SEND_MORE, icmsg_link_kick()),
 * lazy signalling, zero-copy reservations and messages held in place, and
 * spinning in the blocking helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test-util.h"

struct duo {
	struct tu_pair p;
	struct icmsg_link *l[2];
};

static bool both_bound(void *arg)
{
	struct icmsg_link **l = arg;

	return icmsg_link_get_state(l[0]) == ICMSG_LINK_BOUND &&
	       icmsg_link_get_state(l[1]) == ICMSG_LINK_BOUND;
}

/* Two links without callbacks over @size-byte regions, bound. */
static void duo_open(struct duo *d, uint32_t size, bool lazy)
{
	tu_pair_init(&d->p, size, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	d->p.a.peer_rx_buf_size = 65535;
	d->p.b.peer_rx_buf_size = 65535;
	d->p.a.lazy_signal = lazy;
	assert_int_equal(icmsg_link_open(&d->p.a, tu_opts(NULL, NULL), &d->l[0]), 0);
	assert_int_equal(icmsg_link_open(&d->p.b, tu_opts(NULL, NULL), &d->l[1]), 0);
	assert_true(tu_pump(d->l, 2, 5000, both_bound, d->l));
}

static void duo_close(struct duo *d)
{
	icmsg_link_close(d->l[0]);
	icmsg_link_close(d->l[1]);
	tu_pair_cleanup(&d->p);
}

static uint64_t rung(struct icmsg_link *l)
{
	struct icmsg_link_info info;

	assert_int_equal(icmsg_link_get_info(l, &info), 0);
	return info.doorbells_rung;
}

static uint32_t tx_used(struct icmsg_link *l)
{
	struct icmsg_link_info info;

	assert_int_equal(icmsg_link_get_info(l, &info), 0);
	return info.tx_used;
}

/* Where @needle first occurs in the backing file, or -1. */
static long file_find(const struct duo *d, const void *needle, size_t n)
{
	size_t size = 2 * (size_t)d->p.region_size;
	uint8_t *img = malloc(size);
	const uint8_t *hit;
	long ret;

	assert_non_null(img);
	tu_read_at(d->p.file, 0, img, size);
	hit = memmem(img, size, needle, n);
	ret = hit ? (long)(hit - img) : -1;
	free(img);
	return ret;
}

static void expect_msg(struct icmsg_link *l, const char *text)
{
	char buf[256];
	int n = icmsg_link_try_recv(l, buf, sizeof(buf));

	assert_int_equal(n, (int)strlen(text));
	assert_memory_equal(buf, text, strlen(text));
}

/* ---- batching ---- */

static void test_more_publishes_at_kick(void **state)
{
	struct duo d;
	char buf[16];
	uint64_t before;

	(void)state;
	duo_open(&d, 4096, false);
	before = rung(d.l[0]);
	assert_int_equal(icmsg_link_send_flags(d.l[0], "one", 3, ICMSG_SEND_MORE), 3);
	assert_int_equal(icmsg_link_send_flags(d.l[0], "two", 3, ICMSG_SEND_MORE), 3);
	/* Written, not published: the peer sees nothing and no bell rang. */
	assert_int_equal(icmsg_link_try_recv(d.l[1], buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(rung(d.l[0]), before);
	assert_int_equal(icmsg_link_send_flags(d.l[0], "three", 5, 0), 5);
	assert_int_equal(rung(d.l[0]), before + 1);
	expect_msg(d.l[1], "one");
	expect_msg(d.l[1], "two");
	expect_msg(d.l[1], "three");

	assert_int_equal(icmsg_link_send_flags(d.l[0], "four", 4, ICMSG_SEND_MORE), 4);
	assert_int_equal(icmsg_link_kick(d.l[0]), 0);
	assert_int_equal(rung(d.l[0]), before + 2);
	expect_msg(d.l[1], "four");
	/* A kick with nothing pending still signals. */
	assert_int_equal(icmsg_link_kick(d.l[0]), 0);
	assert_int_equal(rung(d.l[0]), before + 3);
	assert_int_equal(icmsg_link_send_flags(d.l[0], "x", 1, 0x80), -EINVAL);
	duo_close(&d);
}

static void test_more_full_ring_publishes(void **state)
{
	struct duo d;
	uint8_t msg[100] = { 0 }, buf[128];
	int i, n = 0, ret;

	(void)state;
	duo_open(&d, 1024, false);
	for (i = 0; i < 100; i++) {
		ret = icmsg_link_send_flags(d.l[0], msg, sizeof(msg), ICMSG_SEND_MORE);
		if (ret == -ENOMEM)
			break;
		assert_int_equal(ret, (int)sizeof(msg));
		n++;
	}
	assert_true(n > 1 && n < 100);
	/* The full ring published the batch: the reader can make room. */
	for (i = 0; i < n; i++)
		assert_int_equal(icmsg_link_try_recv(d.l[1], buf, sizeof(buf)), (int)sizeof(msg));
	assert_int_equal(icmsg_link_try_recv(d.l[1], buf, sizeof(buf)), -EAGAIN);
	duo_close(&d);
}

static void test_more_flush_and_close_publish(void **state)
{
	struct duo d;
	char buf[16];

	(void)state;
	duo_open(&d, 4096, false);
	assert_int_equal(icmsg_link_send_flags(d.l[0], "a", 1, ICMSG_SEND_MORE), 1);
	/* flush() publishes, then waits for the reader (who reads now). */
	assert_int_equal(icmsg_link_flush(d.l[0], 0), -ETIMEDOUT);
	expect_msg(d.l[1], "a");
	assert_int_equal(icmsg_link_flush(d.l[0], 1000), 0);

	assert_int_equal(icmsg_link_send_flags(d.l[0], "bye", 3, ICMSG_SEND_MORE), 3);
	d.l[0] = icmsg_link_close(d.l[0]);
	/* Magic mode: what was published before close stays readable. */
	expect_msg(d.l[1], "bye");
	assert_int_equal(icmsg_link_try_recv(d.l[1], buf, sizeof(buf)), -EAGAIN);
	duo_close(&d);
}

/* ---- lazy signalling ---- */

static void test_lazy_rings_only_an_idle_reader(void **state)
{
	struct duo d;
	uint64_t before;
	int i;

	(void)state;
	duo_open(&d, 4096, true);
	before = rung(d.l[0]);
	for (i = 0; i < 10; i++)
		assert_int_equal(icmsg_link_send(d.l[0], "m", 1), 1);
	/* The reader had read everything before the first send only. */
	assert_int_equal(rung(d.l[0]), before + 1);
	for (i = 0; i < 10; i++)
		expect_msg(d.l[1], "m");
	assert_int_equal(icmsg_link_send(d.l[0], "n", 1), 1);
	assert_int_equal(rung(d.l[0]), before + 2);
	duo_close(&d);

	/* The default rings once per send, as the spec asks (4.1). */
	duo_open(&d, 4096, false);
	before = rung(d.l[0]);
	for (i = 0; i < 10; i++)
		assert_int_equal(icmsg_link_send(d.l[0], "m", 1), 1);
	assert_int_equal(rung(d.l[0]), before + 10);
	duo_close(&d);
}

struct sleeper {
	struct icmsg_link *link;
	uint64_t total, got;
	bool stalled; /* atomic: both threads set it */
	bool bad;
};

/* An event-driven reader: sleeps on the fd, takes all, sleeps again. */
static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct pollfd pfd = { .fd = icmsg_link_get_fd(s->link), .events = POLLIN };
	uint8_t buf[64];
	int n;

	while (s->got < s->total) {
		n = icmsg_link_try_recv(s->link, buf, sizeof(buf));
		if (n > 0) {
			uint64_t seq;

			memcpy(&seq, buf, sizeof(seq));
			if (seq != s->got)
				s->bad = true;
			s->got++;
			continue;
		}
		/* A lost wake-up shows as a reader asleep with data queued. */
		if (poll(&pfd, 1, 3000) == 0) {
			__atomic_store_n(&s->stalled, true, __ATOMIC_RELAXED);
			break;
		}
		icmsg_link_process(s->link);
	}
	return NULL;
}

/* The reader signals when it frees the ring below half: wait for that. */
static bool wait_room(struct icmsg_link *l)
{
	struct pollfd pfd = { .fd = icmsg_link_get_fd(l), .events = POLLIN };

	if (poll(&pfd, 1, 3000) == 0)
		return false;
	icmsg_link_process(l);
	return true;
}

static void test_lazy_never_loses_a_wakeup(void **state)
{
	struct sleeper s = { 0 };
	pthread_t th;
	struct duo d;
	uint8_t msg[24] = { 0 };
	uint64_t i;
	int ret = 0;

	(void)state;
	duo_open(&d, 2048, true);
	s.link = d.l[1];
	s.total = 300000;
	assert_int_equal(pthread_create(&th, NULL, sleeper_main, &s), 0);
	for (i = 0; i < s.total; i++) {
		memcpy(msg, &i, sizeof(i));
		/* Batches of a varying length, the last of each published. */
		do {
			ret = icmsg_link_send_flags(d.l[0], msg, sizeof(msg),
						    i % 7 == 6 ? 0 : ICMSG_SEND_MORE);
			if (ret == -ENOMEM && !wait_room(d.l[0]))
				__atomic_store_n(&s.stalled, true, __ATOMIC_RELAXED);
		} while (ret == -ENOMEM && !__atomic_load_n(&s.stalled, __ATOMIC_RELAXED));
		/* No check may leave while the thread uses this frame. */
		if (__atomic_load_n(&s.stalled, __ATOMIC_RELAXED) || ret != (int)sizeof(msg))
			break;
	}
	icmsg_link_kick(d.l[0]);
	pthread_join(th, NULL);
	if (ret != -ENOMEM) /* -ENOMEM: the ring stayed full, a stall (next) */
		assert_int_equal(ret, (int)sizeof(msg));
	assert_false(s.stalled);
	assert_false(s.bad);
	assert_int_equal(s.got, s.total);
	print_message("lazy: %llu messages, %llu doorbells rung\n", (unsigned long long)s.got,
		      (unsigned long long)rung(d.l[0]));
	duo_close(&d);
}

static bool fd_readable(struct icmsg_link *l)
{
	struct pollfd pfd = { .fd = icmsg_link_get_fd(l), .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static void test_lazy_send_while_held_needs_a_second_look(void **state)
{
	struct duo d;
	const void *m;

	(void)state;
	duo_open(&d, 4096, true);
	assert_int_equal(icmsg_link_send(d.l[0], "m1", 2), 2);
	tu_process_all(d.l, 2); /* B's fd quiet: the doorbell for m1 is taken */
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), 2);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), -EAGAIN);
	assert_false(fd_readable(d.l[1]));
	/* B still holds m1, so A's lazy send does not ring... */
	assert_int_equal(icmsg_link_send(d.l[0], "m2", 2), 2);
	assert_false(fd_readable(d.l[1]));
	/* ...and the look after the release, which the API asks for before
	 * sleeping, is what finds m2. */
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), 2);
	assert_memory_equal(m, "m2", 2);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), -EAGAIN);
	duo_close(&d);
}

/* ---- zero-copy sends ---- */

static void test_reserve_commit_in_place(void **state)
{
	static const char marker[] = "reserved-in-place";
	struct duo d;
	void *buf, *buf2;

	(void)state;
	duo_open(&d, 4096, false);
	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 64, &buf), 0);
	memcpy(buf, marker, sizeof(marker));
	/* The bytes are in the shared file before the commit: no copy. */
	assert_true(file_find(&d, marker, sizeof(marker)) >= 0);
	/* One reservation at a time; sends wait for it. */
	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 8, &buf2), -EINPROGRESS);
	assert_int_equal(icmsg_link_send(d.l[0], "x", 1), -EINPROGRESS);
	assert_int_equal(icmsg_link_tx_commit(d.l[0], 65, 0), -EINVAL);
	assert_int_equal(icmsg_link_tx_commit(d.l[0], sizeof(marker) - 1, 0),
			 (int)sizeof(marker) - 1);
	expect_msg(d.l[1], marker);
	assert_int_equal(icmsg_link_tx_commit(d.l[0], 1, 0), -EINVAL);

	/* Length 0 abandons it: nothing is sent. */
	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 16, &buf), 0);
	memcpy(buf, "gone", 4);
	assert_int_equal(icmsg_link_tx_commit(d.l[0], 0, 0), 0);
	assert_int_equal(icmsg_link_send(d.l[0], "next", 4), 4);
	expect_msg(d.l[1], "next");

	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 0, &buf), -ENODATA);
	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 70000, &buf), -EMSGSIZE);
	duo_close(&d);
}

static void test_reserve_wrapping_uses_a_copy(void **state)
{
	static const char marker[] = "wrapped-reservation!";
	struct duo d;
	uint8_t fill[300] = { 0 }, rx[400];
	void *buf;
	int i;

	(void)state;
	duo_open(&d, 1024, false);
	/* Walk the write index close to the end of the data area. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(icmsg_link_send(d.l[0], fill, sizeof(fill)), (int)sizeof(fill));
		assert_int_equal(icmsg_link_try_recv(d.l[1], rx, sizeof(rx)), (int)sizeof(fill));
	}
	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 200, &buf), 0);
	memset(buf, 'w', 200);
	memcpy(buf, marker, sizeof(marker));
	/* Not in the ring yet: the room wraps, so this is the link's copy. */
	assert_int_equal(file_find(&d, marker, sizeof(marker)), -1);
	assert_int_equal(icmsg_link_tx_commit(d.l[0], 200, 0), 200);
	assert_int_equal(icmsg_link_try_recv(d.l[1], rx, sizeof(rx)), 200);
	assert_memory_equal(rx, marker, sizeof(marker));
	assert_int_equal(rx[199], 'w');
	duo_close(&d);
}

static void test_reserve_across_a_reset(void **state)
{
	struct duo d;
	void *buf;

	(void)state;
	duo_open(&d, 4096, false);
	/* Our ring then holds more than the magic: a restart re-initialises it. */
	assert_int_equal(icmsg_link_send(d.l[0], "before", 6), 6);
	expect_msg(d.l[1], "before");
	assert_int_equal(icmsg_link_tx_reserve(d.l[0], 32, &buf), 0);
	memcpy(buf, "stale", 5);
	/* The peer restarts: our ring is re-initialised under the reservation. */
	d.l[1] = icmsg_link_close(d.l[1]);
	assert_int_equal(icmsg_link_open(&d.p.b, tu_opts(NULL, NULL), &d.l[1]), 0);
	assert_true(tu_pump(d.l, 2, 5000, both_bound, d.l));
	assert_int_equal(icmsg_link_tx_commit(d.l[0], 5, 0), -ECONNRESET);
	/* Nothing stale arrived, and the link goes on. */
	assert_int_equal(icmsg_link_send(d.l[0], "fresh", 5), 5);
	expect_msg(d.l[1], "fresh");
	duo_close(&d);
}

/* ---- messages held in place ---- */

static void test_hold_in_place_then_release(void **state)
{
	static const char first[] = "held-message-one";
	struct duo d;
	const void *m[3];
	long off;
	uint32_t used;

	(void)state;
	duo_open(&d, 4096, false);
	assert_int_equal(icmsg_link_send(d.l[0], first, sizeof(first)), (int)sizeof(first));
	assert_int_equal(icmsg_link_send(d.l[0], "two", 3), 3);
	assert_int_equal(icmsg_link_send(d.l[0], "three", 5), 5);
	used = tx_used(d.l[0]);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m[0]), (int)sizeof(first));
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m[1]), 3);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m[2]), 5);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m[2]), -EAGAIN);
	assert_memory_equal(m[0], first, sizeof(first));
	assert_memory_equal(m[1], "two", 3);
	/* In place: a change to the shared file shows through the pointer. */
	off = file_find(&d, first, sizeof(first));
	assert_true(off >= 0);
	{
		int fd = open(d.p.file, O_RDWR);

		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, "H", 1, off), 1);
		close(fd);
	}
	assert_int_equal(((const char *)m[0])[0], 'H');
	/* Held space is not handed back until the release. */
	assert_int_equal(tx_used(d.l[0]), used);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 3);
	assert_int_equal(tx_used(d.l[0]), 0);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 0);
	duo_close(&d);
}

static void test_hold_limits_and_mixing(void **state)
{
	struct duo d;
	const void *m;
	char buf[16];
	int i;

	(void)state;
	duo_open(&d, 8192, false);
	for (i = 0; i < ICMSG_RX_HOLD_MAX + 2; i++)
		assert_int_equal(icmsg_link_send(d.l[0], &i, sizeof(i)), (int)sizeof(i));
	for (i = 0; i < ICMSG_RX_HOLD_MAX; i++) {
		assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), (int)sizeof(i));
		assert_memory_equal(m, &i, sizeof(i));
	}
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), -ENOBUFS);
	/* A copying receive takes the held messages first. */
	assert_int_equal(icmsg_link_try_recv(d.l[1], buf, sizeof(buf)), (int)sizeof(i));
	assert_memory_equal(buf, &i, sizeof(i));
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 0);
	i++;
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), (int)sizeof(i));
	assert_memory_equal(m, &i, sizeof(i));
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], NULL), -EINVAL);
	assert_int_equal(icmsg_link_rx_release(NULL), -EINVAL);
	duo_close(&d);
}

static void test_hold_wrapped_message_is_copied(void **state)
{
	struct duo d;
	uint8_t fill[300], big[200], rx[400];
	const void *m[2];
	int i;

	(void)state;
	duo_open(&d, 1024, false);
	memset(fill, 0, sizeof(fill));
	for (i = 0; i < 3; i++) {
		assert_int_equal(icmsg_link_send(d.l[0], fill, sizeof(fill)), (int)sizeof(fill));
		assert_int_equal(icmsg_link_try_recv(d.l[1], rx, sizeof(rx)), (int)sizeof(fill));
	}
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(icmsg_link_send(d.l[0], big, sizeof(big)), (int)sizeof(big));
	assert_int_equal(icmsg_link_send(d.l[0], "after", 5), 5);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m[0]), (int)sizeof(big));
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m[1]), 5);
	assert_memory_equal(m[0], big, sizeof(big));
	assert_memory_equal(m[1], "after", 5);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 2);
	duo_close(&d);
}

/*
 * A hostile writer moves wr_idx back behind what we hold, so that a
 * length checked against it alone would let packets go round the ring
 * again (and copies of wrapped ones overflow the link's arena).
 */
static void test_hold_refuses_wr_moved_behind(void **state)
{
	static uint8_t first[1000];
	struct duo d;
	const void *m;
	uint8_t *map;
	uint32_t L = 4096 - 8, from, n = L - 8, *rd, *wr;
	int fd;

	(void)state;
	duo_open(&d, 4096, false);
	fd = open(d.p.file, O_RDWR);
	assert_true(fd >= 0);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(map != MAP_FAILED);
	rd = (uint32_t *)(void *)map;
	wr = (uint32_t *)(void *)(map + 4);
	/* One honest message, held in place. */
	assert_int_equal(icmsg_link_send(d.l[0], first, sizeof(first)), (int)sizeof(first));
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), (int)sizeof(first));
	/* Then a packet as long as the ring allows, ending just behind the
	 * held one: checked against wr_idx alone it would look whole. */
	from = (__atomic_load_n(rd, __ATOMIC_ACQUIRE) + 4 + sizeof(first)) % L;
	map[8 + from] = (uint8_t)(n >> 8);
	map[8 + from + 1] = (uint8_t)n;
	map[8 + from + 2] = 0;
	map[8 + from + 3] = 0;
	__atomic_store_n(wr, (from + L - 4) % L, __ATOMIC_RELEASE);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), -EAGAIN);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	munmap(map, 4096);
	duo_close(&d);
}

static void test_hold_drops_oversize(void **state)
{
	struct duo d;
	uint8_t big[100] = { 0 };
	const void *m;

	(void)state;
	tu_pair_init(&d.p, 4096, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	d.p.b.rx_buf_size = 32;
	assert_int_equal(icmsg_link_open(&d.p.a, tu_opts(NULL, NULL), &d.l[0]), 0);
	assert_int_equal(icmsg_link_open(&d.p.b, tu_opts(NULL, NULL), &d.l[1]), 0);
	assert_true(tu_pump(d.l, 2, 5000, both_bound, d.l));
	assert_int_equal(icmsg_link_send(d.l[0], "ok", 2), 2);
	assert_int_equal(icmsg_link_send(d.l[0], big, sizeof(big)), (int)sizeof(big));
	assert_int_equal(icmsg_link_send(d.l[0], "next", 4), 4);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), 2);
	/* Too long for rx-buf-size: left alone while something is held... */
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), -EAGAIN);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	/* ...then dropped (and counted), and the stream goes on. */
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), 4);
	assert_memory_equal(m, "next", 4);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	duo_close(&d);
}

static void test_hold_survives_other_calls(void **state)
{
	struct duo d;
	const void *m;
	uint32_t used;

	(void)state;
	duo_open(&d, 4096, false);
	assert_int_equal(icmsg_link_send(d.l[0], "kept", 4), 4);
	used = tx_used(d.l[0]);
	assert_int_equal(icmsg_link_rx_hold(d.l[1], &m), 4);
	/* A sender's blocking calls process the link: they must not hand
	 * back what a reader holds. */
	assert_int_equal(icmsg_link_flush(d.l[1], 10), 0);
	assert_true(icmsg_link_process(d.l[1]) >= 0);
	assert_int_equal(tx_used(d.l[0]), used);
	assert_memory_equal(m, "kept", 4);
	assert_int_equal(icmsg_link_rx_release(d.l[1]), 1);
	assert_int_equal(tx_used(d.l[0]), 0);
	duo_close(&d);
}

static void test_failed_send_publishes_the_batch(void **state)
{
	static uint8_t big[70000];
	struct icmsg_link_info info;
	struct duo d;
	uint8_t fill[2000] = { 0 }, buf[2100];

	(void)state;
	duo_open(&d, 8192, false);
	assert_int_equal(icmsg_link_send_flags(d.l[0], "a", 1, ICMSG_SEND_MORE), 1);
	assert_int_equal(icmsg_link_send(d.l[0], big, sizeof(big)), -EMSGSIZE);
	expect_msg(d.l[1], "a");
	/* The high-water mark counts what the ring held, not a stale view. */
	assert_int_equal(icmsg_link_send(d.l[0], fill, sizeof(fill)), (int)sizeof(fill));
	assert_int_equal(icmsg_link_try_recv(d.l[1], buf, sizeof(buf)), (int)sizeof(fill));
	assert_int_equal(icmsg_link_send(d.l[0], fill, sizeof(fill)), (int)sizeof(fill));
	assert_int_equal(icmsg_link_get_info(d.l[0], &info), 0);
	assert_true(info.tx_used_max <= 2 * 2004);
	assert_true(info.tx_used_max >= 2004);
	duo_close(&d);
}

struct flood {
	struct icmsg_link *link;
	bool stop; /* atomic: volatile would be a data race */
};

static void *flood_main(void *arg)
{
	struct flood *f = arg;
	uint8_t msg[16] = { 0 };

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED))
		icmsg_link_send(f->link, msg, sizeof(msg));
	return NULL;
}

static void count_received(struct icmsg_link *l, const void *data, size_t len, void *ud)
{
	(void)l;
	(void)data;
	(void)len;
	(*(uint64_t *)ud)++;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_spin_ends_under_a_flood(void **state)
{
	static const struct icmsg_link_callbacks cb = { .received = count_received };
	struct flood f = { 0 };
	uint64_t got = 0, t0, t1, longest = 0;
	pthread_t th;
	struct duo d;
	int i, ret = 0;

	(void)state;
	tu_pair_init(&d.p, 4096, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	d.p.a.lazy_signal = true;
	d.p.b.spin_us = 1000;
	assert_int_equal(icmsg_link_open(&d.p.a, tu_opts(NULL, NULL), &d.l[0]), 0);
	assert_int_equal(icmsg_link_open(&d.p.b, tu_opts(&cb, &got), &d.l[1]), 0);
	assert_true(tu_pump(d.l, 2, 5000, both_bound, d.l));
	f.link = d.l[0];
	assert_int_equal(pthread_create(&th, NULL, flood_main, &f), 0);
	/* A peer that never pauses must not keep one call spinning: 8
	 * periods of 1 ms at most, far below this bound even when slow. */
	for (i = 0; i < 100000 && got < 1000000 && ret >= 0; i++) {
		t0 = mono_ns();
		ret = icmsg_link_process(d.l[1]);
		t1 = mono_ns();
		if (t1 - t0 > longest)
			longest = t1 - t0;
	}
	/* Stopped before any check: a failed one leaves this frame, which
	 * the thread uses. */
	__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	assert_true(ret >= 0);
	print_message("spin: %llu messages, longest call %.1f ms\n", (unsigned long long)got,
		      longest / 1e6);
	assert_true(longest < 100000000u * TU_SLOWDOWN);
	assert_true(got > 0);
	duo_close(&d);
}

static void test_process_budget_keeps_the_fd_readable(void **state)
{
	static const struct icmsg_link_callbacks cb = { .received = count_received };
	uint8_t msg[16] = { 0 };
	uint64_t got = 0;
	struct duo d;
	int i;

	(void)state;
	tu_pair_init(&d.p, 131072, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	assert_int_equal(icmsg_link_open(&d.p.a, tu_opts(NULL, NULL), &d.l[0]), 0);
	assert_int_equal(icmsg_link_open(&d.p.b, tu_opts(&cb, &got), &d.l[1]), 0);
	assert_true(tu_pump(d.l, 2, 5000, both_bound, d.l));
	for (i = 0; i < 5000; i++)
		assert_int_equal(icmsg_link_send_flags(d.l[0], msg, sizeof(msg), ICMSG_SEND_MORE),
				 (int)sizeof(msg));
	assert_int_equal(icmsg_link_kick(d.l[0]), 0);
	/* One call delivers a bounded number, and leaves the fd readable
	 * for the rest although their doorbell is drained. */
	assert_true(icmsg_link_process(d.l[1]) > 0);
	assert_true(got > 0 && got < 5000);
	assert_true(fd_readable(d.l[1]));
	assert_true(icmsg_link_process(d.l[1]) > 0);
	assert_int_equal(got, 5000);
	assert_int_equal(icmsg_link_process(d.l[1]), 0);
	assert_false(fd_readable(d.l[1]));
	duo_close(&d);
}

/* ---- spinning ---- */

static void test_spin_recv_and_config(void **state)
{
	struct icmsg_link_config cfg;
	const char *field = NULL, *msg = NULL;
	struct duo d;
	char buf[16];

	(void)state;
	tu_pair_init(&d.p, 4096, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	d.p.b.spin_us = 200;
	assert_int_equal(icmsg_link_open(&d.p.a, tu_opts(NULL, NULL), &d.l[0]), 0);
	assert_int_equal(icmsg_link_open(&d.p.b, tu_opts(NULL, NULL), &d.l[1]), 0);
	assert_true(tu_pump(d.l, 2, 5000, both_bound, d.l));
	/* Nothing comes: the spin ends, then the timeout. */
	assert_int_equal(icmsg_link_recv(d.l[1], buf, sizeof(buf), 20), -ETIMEDOUT);
	assert_int_equal(icmsg_link_send(d.l[0], "spun", 4), 4);
	assert_int_equal(icmsg_link_recv(d.l[1], buf, sizeof(buf), 1000), 4);
	duo_close(&d);

	icmsg_link_config_init(&cfg);
	assert_int_equal(cfg.spin_us, 0);
	assert_false(cfg.lazy_signal);
	cfg = d.p.a;
	cfg.spin_us = 1000001;
	assert_int_equal(icmsg_link_config_check(&cfg, &field, &msg), -EINVAL);
	assert_string_equal(field, "spin-us");
	cfg.spin_us = 1000000;
	assert_int_equal(icmsg_link_config_check(&cfg, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_more_publishes_at_kick),
		cmocka_unit_test(test_more_full_ring_publishes),
		cmocka_unit_test(test_more_flush_and_close_publish),
		cmocka_unit_test(test_lazy_rings_only_an_idle_reader),
		cmocka_unit_test(test_lazy_never_loses_a_wakeup),
		cmocka_unit_test(test_lazy_send_while_held_needs_a_second_look),
		cmocka_unit_test(test_reserve_commit_in_place),
		cmocka_unit_test(test_reserve_wrapping_uses_a_copy),
		cmocka_unit_test(test_reserve_across_a_reset),
		cmocka_unit_test(test_hold_in_place_then_release),
		cmocka_unit_test(test_hold_limits_and_mixing),
		cmocka_unit_test(test_hold_wrapped_message_is_copied),
		cmocka_unit_test(test_hold_refuses_wr_moved_behind),
		cmocka_unit_test(test_hold_drops_oversize),
		cmocka_unit_test(test_hold_survives_other_calls),
		cmocka_unit_test(test_failed_send_publishes_the_batch),
		cmocka_unit_test(test_spin_ends_under_a_flood),
		cmocka_unit_test(test_process_budget_keeps_the_fd_readable),
		cmocka_unit_test(test_spin_recv_and_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
