// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: the baselines, written here so that the library is
 * compared with what the same machine does without it.
 *
 * - An ideal single-producer single-consumer ring in a shared file, both
 *   processes mapping it: ICMsg's packet format (a 4-byte header holding a
 *   big-endian 16-bit length, payload padded to 4 bytes), indices on
 *   cache lines of their own, busy polling, no doorbell. Streams, and
 *   round trips over two such rings.
 * - The same ring with a FIFO doorbell byte written per message; the
 *   reader blocks in poll() when the ring is empty.
 * - A bare FIFO ping-pong of one byte: the floor of a doorbell round trip.
 * - AF_UNIX SOCK_SEQPACKET between two processes, as icmsgd's clients use.
 * (The relay through a third process is in bench-relay.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define RING_HDR 128u /* rd_idx at 0, wr_idx at 64: one cache line each */
#define RING_FILE_SIZE (RING_HDR + BENCH_RING_SIZE)
/* Where ring N starts in the file: mmap() offsets are whole pages, and
 * pages are at most 64 KiB. */
#define RING_STRIDE ((RING_FILE_SIZE + 0xffffu) & ~0xffffu)

/*
 * -errno of the call that just failed, never 0 or positive: the callers
 * use what they were given unless the return is < 0, and that must hold
 * even if errno were 0 (as the static analyzer has to assume it may be).
 */
static int neg_errno(void)
{
	int err = -errno;

	return err < 0 ? err : -EIO;
}

/* ------------------------------------------------------------------------ */
/* The ideal ring                                                           */

/* Ring 0 carries the parent's messages, ring 1 the echoes of a round trip. */
struct ring {
	uint8_t *map;
	_Atomic uint32_t *rd, *wr;
	uint8_t *data;
	uint32_t idx; /* our copy of the index we own */
	int bell;     /* FIFO doorbell, -1 for none */
};

/* A fresh file for @n rings, all indices 0. */
static int ring_create(const struct bench_case *c, unsigned int n)
{
	int fd = open(c->region, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = 0;

	if (fd < 0)
		return neg_errno();
	if (ftruncate(fd, (off_t)RING_STRIDE * n) < 0)
		err = neg_errno();
	close(fd);
	return err;
}

/* Map ring @which of the file; @doorbell: with the FIFO doorbell. */
static int ring_open(const struct bench_case *c, unsigned int which, bool doorbell,
		     struct ring *r)
{
	int fd = open(c->region, O_RDWR | O_CLOEXEC);

	r->bell = -1;
	r->idx = 0;
	if (fd < 0)
		return neg_errno();
	r->map = mmap(NULL, RING_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      (off_t)RING_STRIDE * which);
	close(fd);
	if (r->map == MAP_FAILED)
		return neg_errno();
	r->rd = (_Atomic uint32_t *)(void *)r->map;
	r->wr = (_Atomic uint32_t *)(void *)(r->map + 64);
	r->data = r->map + RING_HDR;
	if (doorbell) {
		r->bell = open(c->fifo_b, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (r->bell < 0) {
			int err = neg_errno();

			munmap(r->map, RING_FILE_SIZE);
			return err;
		}
	}
	return 0;
}

static void ring_close(struct ring *r)
{
	munmap(r->map, RING_FILE_SIZE);
	if (r->bell >= 0)
		close(r->bell);
}

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* Copy @len bytes at data-area offset @off, wrapping at the end. */
static void ring_put(struct ring *r, uint32_t off, const uint8_t *src, uint32_t len)
{
	uint32_t first = BENCH_RING_SIZE - off < len ? BENCH_RING_SIZE - off : len;

	memcpy(r->data + off, src, first);
	memcpy(r->data, src + first, len - first);
}

static void ring_get(const struct ring *r, uint32_t off, uint8_t *dst, uint32_t len)
{
	uint32_t first = BENCH_RING_SIZE - off < len ? BENCH_RING_SIZE - off : len;

	memcpy(dst, r->data + off, first);
	memcpy(dst + first, r->data, len - first);
}

/* Write one message if there is room. @return true if written. */
static bool ring_write(struct ring *r, const uint8_t *buf, uint32_t len)
{
	uint32_t need = 4 + pad4(len), wr = r->idx, used;
	uint8_t hdr[4] = { (uint8_t)(len >> 8), (uint8_t)len, 0, 0 };

	used = (wr - atomic_load_explicit(r->rd, memory_order_acquire)) % BENCH_RING_SIZE;
	if (BENCH_RING_SIZE - used - 4 < need)
		return false;
	memcpy(r->data + wr, hdr, 4);
	ring_put(r, (wr + 4) % BENCH_RING_SIZE, buf, len);
	r->idx = (wr + need) % BENCH_RING_SIZE;
	atomic_store_explicit(r->wr, r->idx, memory_order_release);
	return true;
}

/* Take one message of at most @cap bytes. @return its length, 0 if the
 * ring is empty, -EBADMSG if it is longer. */
static int ring_read(struct ring *r, uint8_t *buf, uint32_t cap)
{
	uint32_t rd = r->idx, len;

	if (atomic_load_explicit(r->wr, memory_order_acquire) == rd)
		return 0;
	len = (uint32_t)r->data[rd] << 8 | r->data[rd + 1];
	if (len > cap)
		return -EBADMSG;
	ring_get(r, (rd + 4) % BENCH_RING_SIZE, buf, len);
	r->idx = (rd + 4 + pad4(len)) % BENCH_RING_SIZE;
	atomic_store_explicit(r->rd, r->idx, memory_order_release);
	return (int)len;
}

/* Write one message, spinning while the ring is full. @return 0, or
 * -ETIMEDOUT if the reader stalled. */
static int ring_write_wait(struct ring *r, const uint8_t *buf, uint32_t len,
			   struct bench_spin *spin)
{
	while (!ring_write(r, buf, len))
		if (bench_spin_idle(spin) < 0)
			return -ETIMEDOUT;
	return 0;
}

/* Child: write numbered messages, spinning while the ring is full. */
static int ring_writer(const struct bench_case *c, bool doorbell)
{
	struct bench_spin spin = { 0 };
	struct ring r;
	uint8_t *buf = malloc(c->size);
	uint32_t seq = 0;

	if (!buf || ring_open(c, 0, doorbell, &r) < 0) {
		free(buf);
		return 1;
	}
	for (;;) {
		bench_fill(buf, c->size, seq);
		if (ring_write_wait(&r, buf, c->size, &spin) < 0)
			break;
		bench_spin_reset(&spin);
		if (r.bell >= 0 && write(r.bell, "", 1) < 0 && errno != EAGAIN)
			break;
		seq++;
	}
	free(buf);
	return 1;
}

static int ring_writer_spin(const struct bench_case *c)
{
	return ring_writer(c, false);
}

static int ring_writer_bell(const struct bench_case *c)
{
	return ring_writer(c, true);
}

/* Wait for the doorbell, then empty the FIFO. @return 0 or a negative errno. */
static int ring_wait_bell(const struct ring *r)
{
	struct pollfd p = { .fd = r->bell, .events = POLLIN };
	char sink[4096];
	int n;

	do
		n = poll(&p, 1, BENCH_STALL_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	while (read(r->bell, sink, sizeof(sink)) > 0)
		;
	return 0;
}

/* Wait for ring @r to have something: spin, or sleep on its doorbell. */
static int ring_idle(struct ring *r, struct bench_spin *spin)
{
	return r->bell >= 0 ? ring_wait_bell(r) : bench_spin_idle(spin);
}

int bench_ring_stream(const struct bench_case *c, bool doorbell, struct bench_result *r)
{
	struct bench_spin spin = { 0 };
	struct ring ring;
	uint8_t *buf = malloc(c->size);
	pid_t pid = -1;
	int err, n = 0;

	if (!buf)
		return -ENOMEM;
	err = ring_create(c, 1);
	if (err == 0)
		err = ring_open(c, 0, doorbell, &ring);
	if (err < 0) {
		free(buf);
		return err;
	}
	pid = bench_fork(doorbell ? ring_writer_bell : ring_writer_spin, c);
	err = pid < 0 ? (int)pid : 0;
	while (err == 0) {
		n = ring_read(&ring, buf, c->size);
		if (n == 0) {
			err = ring_idle(&ring, &spin);
			continue;
		}
		bench_spin_reset(&spin);
		err = n < 0 ? n : bench_stream_got(c, r, "ring", buf, (uint32_t)n);
	}
	if (err == -EBADMSG && n < 0)
		cli_errf("bench: ring message %u is too long", r->expect);
	bench_reap(pid);
	ring_close(&ring);
	free(buf);
	return err < 0 ? err : 0; /* 1: the duration passed */
}

/* Child of a round trip: take from ring 0, write it back into ring 1. */
static int ring_echo(const struct bench_case *c)
{
	struct bench_spin spin = { 0 };
	struct ring in, out;
	uint8_t *buf = malloc(c->size);
	int n;

	if (!buf || ring_open(c, 0, false, &in) < 0 || ring_open(c, 1, false, &out) < 0) {
		free(buf);
		return 1;
	}
	for (;;) {
		n = ring_read(&in, buf, c->size);
		if (n < 0)
			break;
		if (n == 0) {
			if (bench_spin_idle(&spin) < 0)
				break;
			continue;
		}
		bench_spin_reset(&spin);
		if (ring_write_wait(&out, buf, (uint32_t)n, &spin) < 0)
			break;
	}
	free(buf);
	return 1;
}

/* One round trip: send @buf on @out, spin until its echo is back on @in. */
static int ring_round_trip(struct ring *out, struct ring *in, const uint8_t *buf,
			   uint8_t *back, uint32_t size)
{
	struct bench_spin spin = { 0 };
	int n;

	if (ring_write_wait(out, buf, size, &spin) < 0)
		return -ETIMEDOUT;
	while ((n = ring_read(in, back, size)) == 0)
		if (bench_spin_idle(&spin) < 0)
			return -ETIMEDOUT;
	if (n != (int)size || memcmp(buf, back, size) != 0)
		return -EBADMSG;
	return 0;
}

int bench_ring_rtt(const struct bench_case *c, struct bench_result *r)
{
	struct ring out, in;
	uint8_t *buf = malloc(c->size), *back = malloc(c->size);
	uint64_t t;
	uint32_t seq = 0;
	pid_t pid = -1;
	int err = buf && back ? 0 : -ENOMEM;

	if (err == 0)
		err = ring_create(c, 2);
	if (err == 0)
		err = ring_open(c, 0, false, &out);
	if (err == 0 && (err = ring_open(c, 1, false, &in)) < 0)
		ring_close(&out);
	if (err < 0)
		goto out;
	pid = bench_fork(ring_echo, c);
	err = pid < 0 ? (int)pid : 0;
	bench_rtt_start(c, r);
	while (err == 0 && bench_rtt_next(r, &t)) {
		bench_fill(buf, c->size, seq++);
		err = ring_round_trip(&out, &in, buf, back, c->size);
		if (err == 0)
			err = bench_add_rtt(r, t);
	}
	bench_rtt_done(r);
	if (err == -EBADMSG)
		cli_errf("bench: ring echo %u differs from what was sent", seq - 1);
	bench_reap(pid);
	ring_close(&out);
	ring_close(&in);
out:
	free(buf);
	free(back);
	return err;
}


/* ------------------------------------------------------------------------ */
/* FIFO ping-pong                                                           */

/* Read one byte from @fd, waiting at most BENCH_STALL_MS. */
static int fifo_read1(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;
	ssize_t n;

	for (;;) {
		n = read(fd, &b, 1);
		if (n == 1)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		n = poll(&p, 1, BENCH_STALL_MS);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int fifo_echo(const struct bench_case *c)
{
	int in = open(c->fifo_a, O_RDWR | O_NONBLOCK), out = open(c->fifo_b, O_RDWR);

	if (in < 0 || out < 0)
		return 1;
	while (fifo_read1(in) == 0)
		if (write(out, "", 1) != 1)
			return 1;
	return 1;
}

int bench_fifo_rtt(const struct bench_case *c, struct bench_result *r)
{
	int out = open(c->fifo_a, O_RDWR | O_CLOEXEC);
	int in = open(c->fifo_b, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	uint64_t t;
	pid_t pid = -1;
	int err = 0;

	if (out < 0 || in < 0) {
		err = -errno;
		goto out;
	}
	pid = bench_fork(fifo_echo, c);
	if (pid < 0) {
		err = (int)pid;
		goto out;
	}
	bench_rtt_start(c, r);
	while (err == 0 && bench_rtt_next(r, &t)) {
		if (write(out, "", 1) != 1) {
			err = -errno;
			break;
		}
		err = fifo_read1(in);
		if (err == 0)
			err = bench_add_rtt(r, t);
	}
	bench_rtt_done(r);
out:
	if (pid > 0)
		bench_reap(pid);
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	return err;
}

/* ------------------------------------------------------------------------ */
/* AF_UNIX SOCK_SEQPACKET                                                   */

static int seq_fd = -1; /* the child's end, set before the fork */

static int seq_sender(const struct bench_case *c)
{
	uint8_t *buf = malloc(c->size);
	uint32_t seq = 0;

	if (!buf)
		return 1;
	for (;;) {
		bench_fill(buf, c->size, seq++);
		if (send(seq_fd, buf, c->size, MSG_NOSIGNAL) < 0 && errno != EINTR)
			break;
	}
	free(buf);
	return 1;
}

static int seq_echo(const struct bench_case *c)
{
	uint8_t *buf = malloc(c->size);
	ssize_t n;

	if (!buf)
		return 1;
	while ((n = recv(seq_fd, buf, c->size, 0)) > 0)
		if (send(seq_fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
			break;
	free(buf);
	return 1;
}

/* A socket pair, the child's end in seq_fd; the parent's end with a
 * receive timeout so that a dead child cannot hang it. */
static int seq_start(const struct bench_case *c, int (*fn)(const struct bench_case *c),
		     int *ret_fd, pid_t *ret_pid)
{
	struct timeval tv = { .tv_sec = BENCH_STALL_MS / 1000 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return neg_errno();
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	seq_fd = sv[1];
	*ret_pid = bench_fork(fn, c);
	close(sv[1]);
	if (*ret_pid < 0) {
		close(sv[0]);
		return (int)*ret_pid;
	}
	*ret_fd = sv[0];
	return 0;
}

int bench_seqpacket_stream(const struct bench_case *c, struct bench_result *r)
{
	uint8_t *buf = malloc(c->size);
	ssize_t n;
	pid_t pid;
	int fd, err;

	if (!buf)
		return -ENOMEM;
	err = seq_start(c, seq_sender, &fd, &pid);
	if (err < 0) {
		free(buf);
		return err;
	}
	for (;;) {
		n = recv(fd, buf, c->size, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EPIPE;
			break;
		}
		err = bench_stream_got(c, r, "seqpacket", buf, (size_t)n);
		if (err)
			break;
	}
	bench_reap(pid);
	close(fd);
	free(buf);
	return err < 0 ? err : 0; /* 1: the duration passed */
}

int bench_seqpacket_rtt(const struct bench_case *c, struct bench_result *r)
{
	uint8_t *buf = malloc(c->size), *back = malloc(c->size);
	uint64_t t;
	ssize_t n;
	pid_t pid;
	int fd, err;

	if (!buf || !back) {
		free(buf);
		free(back);
		return -ENOMEM;
	}
	err = seq_start(c, seq_echo, &fd, &pid);
	if (err < 0) {
		free(buf);
		free(back);
		return err;
	}
	bench_fill(buf, c->size, 0);
	bench_rtt_start(c, r);
	while (err == 0 && bench_rtt_next(r, &t)) {
		if (send(fd, buf, c->size, MSG_NOSIGNAL) < 0) {
			err = -errno;
			break;
		}
		n = recv(fd, back, c->size, 0);
		if (n != (ssize_t)c->size) {
			err = n < 0 ? -errno : -EBADMSG;
			break;
		}
		err = bench_add_rtt(r, t);
	}
	bench_rtt_done(r);
	bench_reap(pid);
	close(fd);
	free(buf);
	free(back);
	return err;
}
