// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: the baselines, written here so that the library is
 * compared with what the same machine does without it.
 *
 * - An ideal single-producer single-consumer ring in a shared file, both
 *   processes mapping it: ICMsg's packet format (a 4-byte header holding a
 *   big-endian 16-bit length, payload padded to 4 bytes), indices on
 *   cache lines of their own, busy polling, no doorbell.
 * - The same ring with a FIFO doorbell byte written per message; the
 *   reader blocks in poll() when the ring is empty.
 * - A bare FIFO ping-pong of one byte: the floor of a doorbell round trip.
 * - AF_UNIX SOCK_SEQPACKET between two processes, as icmsgd's clients use.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define RING_HDR 128u /* rd_idx at 0, wr_idx at 64: one cache line each */
#define RING_FILE_SIZE (RING_HDR + BENCH_RING_SIZE)
/* Spins between yields: busy polling must not starve the other process
 * when the machine has fewer free CPUs than the two need. */
#define SPIN_YIELD 0x3ffu
#define SPIN_CHECK 0xfffffu /* spins between looks at the clock */

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_stream_got(const struct bench_case *c, struct bench_result *r, const char *what,
		     const uint8_t *buf, size_t len)
{
	uint64_t now;

	if (len != c->size || bench_seq(buf) != r->expect) {
		cli_errf("bench: %s message %u out of order or cut", what, r->expect);
		return -EBADMSG;
	}
	r->expect++;
	now = bench_now_ns();
	if (!r->t0) {
		r->t0 = now;
		r->end = now + (uint64_t)c->duration_ms * 1000000u;
		return 0;
	}
	r->msgs++;
	r->ns = now - r->t0;
	return now >= r->end;
}

void bench_rtt_start(const struct bench_case *c, struct bench_result *r)
{
	r->t0 = bench_now_ns();
	r->end = r->t0 + (uint64_t)c->duration_ms * 1000000u;
}

bool bench_rtt_next(struct bench_result *r, uint64_t *ret_t)
{
	*ret_t = bench_now_ns();
	return *ret_t < r->end;
}

void bench_rtt_done(struct bench_result *r)
{
	r->ns = bench_now_ns() - r->t0;
	r->msgs = r->n_rtt;
}

int bench_add_rtt(struct bench_result *r, uint64_t t)
{
	uint64_t ns = bench_now_ns() - t;

	if (r->n_rtt == r->cap_rtt) {
		size_t cap = r->cap_rtt ? r->cap_rtt * 2 : 4096;
		uint64_t *p = realloc(r->rtt, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->rtt = p;
		r->cap_rtt = cap;
	}
	r->rtt[r->n_rtt++] = ns;
	return 0;
}

void bench_fill(uint8_t *buf, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq + i);
	if (len >= 4)
		memcpy(buf, &seq, 4);
}

uint32_t bench_seq(const uint8_t *buf)
{
	uint32_t seq;

	memcpy(&seq, buf, 4);
	return seq;
}

pid_t bench_fork(int (*fn)(const struct bench_case *c), const struct bench_case *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		cli_errf("bench: fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0)
		_exit(fn(c));
	return pid;
}

void bench_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------------------ */
/* The ideal ring                                                           */

struct ring {
	uint8_t *map;
	_Atomic uint32_t *rd, *wr;
	uint8_t *data;
	int bell; /* FIFO doorbell, -1 for none */
};

static int ring_open(const struct bench_case *c, bool doorbell, struct ring *r)
{
	int fd = open(c->region, O_RDWR);

	r->bell = -1;
	if (fd < 0)
		return -errno;
	r->map = mmap(NULL, RING_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (r->map == MAP_FAILED)
		return -errno;
	r->rd = (_Atomic uint32_t *)(void *)r->map;
	r->wr = (_Atomic uint32_t *)(void *)(r->map + 64);
	r->data = r->map + RING_HDR;
	if (doorbell) {
		r->bell = open(c->fifo_b, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (r->bell < 0) {
			munmap(r->map, RING_FILE_SIZE);
			return -errno;
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

/* Child: write numbered messages, spinning while the ring is full. */
static int ring_writer(const struct bench_case *c, bool doorbell)
{
	struct ring r;
	uint8_t *buf = malloc(c->size);
	uint32_t need = 4 + pad4(c->size), wr, rd, used, seq = 0, spins = 0;
	uint8_t hdr[4] = { (uint8_t)(c->size >> 8), (uint8_t)c->size, 0, 0 };

	if (!buf || ring_open(c, doorbell, &r) < 0)
		return 1;
	wr = atomic_load_explicit(r.wr, memory_order_relaxed);
	for (;;) {
		bench_fill(buf, c->size, seq);
		for (;;) {
			rd = atomic_load_explicit(r.rd, memory_order_acquire);
			used = (wr - rd) % BENCH_RING_SIZE;
			if (BENCH_RING_SIZE - used - 4 >= need)
				break;
			if ((++spins & SPIN_YIELD) == 0)
				sched_yield();
		}
		memcpy(r.data + wr, hdr, 4);
		ring_put(&r, (wr + 4) % BENCH_RING_SIZE, buf, c->size);
		wr = (wr + need) % BENCH_RING_SIZE;
		atomic_store_explicit(r.wr, wr, memory_order_release);
		if (r.bell >= 0 && write(r.bell, "", 1) < 0 && errno != EAGAIN)
			return 1;
		seq++;
	}
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

int bench_ring_stream(const struct bench_case *c, bool doorbell, struct bench_result *r)
{
	struct ring ring;
	uint8_t *buf = malloc(c->size);
	uint64_t stall;
	uint32_t rd = 0, wr, len, seen = 0, spins = 0;
	pid_t pid;
	int err, fd;

	if (!buf)
		return -ENOMEM;
	fd = open(c->region, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, RING_FILE_SIZE) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		free(buf);
		return err;
	}
	close(fd);
	err = ring_open(c, doorbell, &ring);
	if (err < 0) {
		free(buf);
		return err;
	}
	pid = bench_fork(doorbell ? ring_writer_bell : ring_writer_spin, c);
	if (pid < 0) {
		ring_close(&ring);
		free(buf);
		return (int)pid;
	}
	stall = bench_now_ns() + (uint64_t)BENCH_STALL_MS * 1000000u;
	for (;;) {
		wr = atomic_load_explicit(ring.wr, memory_order_acquire);
		if (wr == rd) {
			if (doorbell) {
				err = ring_wait_bell(&ring);
				if (err < 0)
					break;
			} else if ((++spins & SPIN_YIELD) == 0) {
				sched_yield();
				if ((spins & SPIN_CHECK) == 0 && seen != r->expect) {
					seen = r->expect;
					stall = bench_now_ns() + (uint64_t)BENCH_STALL_MS * 1000000u;
				} else if ((spins & SPIN_CHECK) == 0 && bench_now_ns() > stall) {
					err = -ETIMEDOUT;
					break;
				}
			}
			continue;
		}
		len = (uint32_t)ring.data[rd] << 8 | ring.data[rd + 1];
		if (len != c->size) {
			cli_errf("bench: ring message %u has length %u", r->expect, len);
			err = -EBADMSG;
			break;
		}
		ring_get(&ring, (rd + 4) % BENCH_RING_SIZE, buf, len);
		rd = (rd + 4 + pad4(len)) % BENCH_RING_SIZE;
		atomic_store_explicit(ring.rd, rd, memory_order_release);
		err = bench_stream_got(c, r, "ring", buf, len);
		if (err)
			break;
	}
	bench_reap(pid);
	ring_close(&ring);
	free(buf);
	return err < 0 ? err : 0; /* 1: the duration passed */
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
			return 1;
	}
}

static int seq_echo(const struct bench_case *c)
{
	uint8_t *buf = malloc(c->size);
	ssize_t n;

	if (!buf)
		return 1;
	while ((n = recv(seq_fd, buf, c->size, 0)) > 0)
		if (send(seq_fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
			return 1;
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
		return -errno;
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
