// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: what every case uses - the clock, counting streams and
 * round trips, numbered messages, peer processes and their reports, and
 * running the helper programs (icmsgd, strip, strace).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

/* A stream's sender looks for the receiver's report this often: one
 * system call per this many messages. */
#define REPORT_EVERY 64u

/* Spins between yields, and between looks at the clock. */
#define SPIN_YIELD 0x3ffu
#define SPIN_CHECK 0xfffffu

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
		r->end = c->count ? UINT64_MAX : now + (uint64_t)c->duration_ms * 1000000u;
		return 0;
	}
	r->msgs++;
	r->ns = now - r->t0;
	return now >= r->end || (c->count && r->msgs >= c->count);
}

void bench_rtt_start(const struct bench_case *c, struct bench_result *r)
{
	r->t0 = bench_now_ns();
	r->end = c->count ? UINT64_MAX : r->t0 + (uint64_t)c->duration_ms * 1000000u;
	r->limit = c->count;
}

bool bench_rtt_next(struct bench_result *r, uint64_t *ret_t)
{
	*ret_t = bench_now_ns();
	if (r->limit)
		return r->n_rtt < r->limit;
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

int bench_spin_idle(struct bench_spin *s)
{
	uint64_t now;

	if ((++s->n & SPIN_YIELD) == 0)
		sched_yield();
	if ((s->n & SPIN_CHECK) != 0)
		return 0;
	now = bench_now_ns();
	if (!s->stall)
		s->stall = now + (uint64_t)BENCH_STALL_MS * 1000000u;
	return now > s->stall ? -ETIMEDOUT : 0;
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

/* ------------------------------------------------------------------------ */
/* Processes                                                                */

/* The CPU of a pinned case's child, or -1; the CPUs the process had. */
static int pin_child = -1;
static cpu_set_t pin_saved;

static void pin_to(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

int bench_pin_begin(void)
{
	int cpu, first = -1;

	if (sched_getaffinity(0, sizeof(pin_saved), &pin_saved) < 0)
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &pin_saved))
			continue;
		if (first < 0) {
			first = cpu;
			continue;
		}
		pin_child = cpu;
		pin_to(first);
		return first * 1000 + cpu;
	}
	return -1;
}

void bench_pin_end(void)
{
	if (pin_child < 0)
		return;
	pin_child = -1;
	sched_setaffinity(0, sizeof(pin_saved), &pin_saved);
}

pid_t bench_fork(int (*fn)(const struct bench_case *c), const struct bench_case *c)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0) {
		cli_errf("bench: fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		/* A busy-polling child would spin forever after a crash of
		 * the parent. Checked after: the parent may be gone already. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (pin_child >= 0)
			pin_to(pin_child);
		_exit(fn(c));
	}
	return pid;
}

void bench_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int bench_stop(pid_t pid, int ms)
{
	uint64_t end = bench_now_ns() + (uint64_t)ms * 1000000u;
	struct timespec pause = { .tv_nsec = 2000000 };
	int status;
	pid_t got;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 && bench_now_ns() < end)
		nanosleep(&pause, NULL);
	if (got == pid)
		return status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* ------------------------------------------------------------------------ */
/* Streams counted by a child                                               */

int bench_report(int fd, const struct bench_result *r)
{
	uint64_t v[2] = { r->msgs, r->ns };

	return write(fd, v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : -EPIPE;
}

/* @return 1 with @r filled once the report is there, 0 if not yet. */
static int take_report(int fd, struct bench_result *r)
{
	uint64_t v[2];
	ssize_t n = read(fd, v, sizeof(v));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n != (ssize_t)sizeof(v))
		return n < 0 ? -errno : -EPIPE; /* 0: the counting child died */
	r->msgs = v[0];
	r->ns = v[1];
	return 1;
}

int bench_sock_round_trip(int fd, const char *what, const uint8_t *buf, uint8_t *back,
			  size_t size)
{
	ssize_t n;

	if (send(fd, buf, size, MSG_NOSIGNAL) < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	do
		n = recv(fd, back, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((size_t)n != size || memcmp(buf, back, size) != 0) {
		cli_errf("bench: %s echo %u differs from what was sent", what, bench_seq(buf));
		return -EBADMSG;
	}
	return 0;
}

int bench_send_stream(const struct bench_case *c, int sock, int report, const char *what,
		      struct bench_result *r)
{
	uint8_t *buf = malloc(c->size);
	uint32_t seq = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (ret == 0) {
		bench_fill(buf, c->size, seq);
		if (send(sock, buf, c->size, MSG_NOSIGNAL) < 0) {
			if (errno == EINTR)
				continue;
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			cli_errf("bench: %s: send: %s", what, strerror(-ret));
			break;
		}
		if (++seq % REPORT_EVERY == 0)
			ret = take_report(report, r);
	}
	free(buf);
	if (ret == -EPIPE)
		cli_errf("bench: %s: the receiving process ended without a report", what);
	return ret < 0 ? ret : 0;
}

void bench_sock_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = BENCH_STALL_MS / 1000,
			      .tv_usec = (BENCH_STALL_MS % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* ------------------------------------------------------------------------ */
/* Helper programs and files                                                */

/* In a child: @path (NULL: /dev/null) as descriptor @to. */
static bool redirect(const char *path, int to)
{
	int fd = open(path ? path : "/dev/null", to ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY,
		      0600);

	if (fd < 0)
		return false;
	if (fd != to && (dup2(fd, to) < 0 || close(fd) < 0))
		return false;
	return true;
}

int bench_run(char *const argv[], const char *out, const char *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!redirect(NULL, 0) || !redirect(out, 1) || !redirect(err, 2))
			_exit(127);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool bench_which(const char *name, char *buf, size_t cap)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	for (p = path && *path ? path : "/usr/bin:/bin"; p; p = *end ? end + 1 : NULL) {
		end = strchrnul(p, ':');
		if (end == p)
			continue; /* an empty entry means ".": not searched on purpose */
		if ((size_t)snprintf(buf, cap, "%.*s/%s", (int)(end - p), p, name) < cap &&
		    access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

int bench_self(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);

	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void bench_rmtree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
