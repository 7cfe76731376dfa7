// SPDX-License-Identifier: MIT
/*
 * Two processes over the simulation transport: a forked child plays the
 * remote core (echo), the parent streams messages of random sizes both
 * ways and checks content and order. Also a remote core that dies without
 * closing (SIGKILL) and comes back, in every mode.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test-util.h"

#define CHILD_TIMEOUT_MS 30000

/* Message i: its length and byte j are functions of (seed, i). */
static size_t msg_len(uint64_t seed, uint64_t i, size_t max)
{
	uint64_t s = seed ^ (i * 0x9E3779B97F4A7C15ULL) ^ 0x5555;

	tu_rand(&s);
	/* Mix small and large messages: half up to 64 bytes, half any size. */
	if (tu_rand(&s) & 1)
		return 1 + (size_t)(tu_rand(&s) % (max < 64 ? max : 64));
	return 1 + (size_t)(tu_rand(&s) % max);
}

static void msg_fill(uint64_t seed, uint64_t i, uint8_t *buf, size_t len)
{
	uint64_t s = seed ^ (i + 1) * 0xD1B54A32D192ED03ULL;

	for (size_t j = 0; j < len; j += 8) {
		uint64_t r = tu_rand(&s);
		size_t k = len - j < 8 ? len - j : 8;
		memcpy(buf + j, &r, k);
	}
	/* The 1-byte 0xB0 message is the child's "bye". */
	if (len == 1 && buf[0] == 0xB0)
		buf[0] = 0xB1;
}

/* Child: echo every message until the parent's 1-byte "bye", then close. */
static void child_echo(const struct icmsg_link_config *cfg)
{
	struct icmsg_link *link = NULL;
	uint8_t *buf = malloc(65536);
	int n;

	if (!buf || icmsg_link_open(cfg, tu_opts(NULL, NULL), &link) < 0)
		_exit(10);
	if (icmsg_link_wait_bound(link, CHILD_TIMEOUT_MS) < 0)
		_exit(11);
	for (;;) {
		n = icmsg_link_recv(link, buf, 65536, CHILD_TIMEOUT_MS);
		if (n == -EBUSY || n == -ENOTCONN)
			continue; /* the parent re-bonds after our predecessor died */
		if (n < 0)
			_exit(12);
		if (n == 1 && buf[0] == 0xB0)
			break;
		if (icmsg_link_send_timeout(link, buf, (size_t)n, CHILD_TIMEOUT_MS) != n)
			_exit(13);
	}
	icmsg_link_close(link);
	free(buf);
	_exit(0);
}

static pid_t spawn_echo(const struct icmsg_link_config *cfg)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		child_echo(cfg);
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct counters {
	unsigned bound, unbound;
	int last_reason;
};

static void on_bound(struct icmsg_link *l, void *ud)
{
	((struct counters *)ud)->bound++;
}

static void on_unbound(struct icmsg_link *l, int reason, void *ud)
{
	((struct counters *)ud)->unbound++;
	((struct counters *)ud)->last_reason = reason;
}

static const struct icmsg_link_callbacks state_cbs = {
	.bound = on_bound,
	.unbound = on_unbound,
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Stream @total messages through the echo child; never block on a send
 * (the child may be waiting for us to read). Returns messages verified.
 */
static uint64_t stream(struct icmsg_link *link, uint64_t seed, uint64_t first, uint64_t total,
		       size_t max, uint64_t stop_after)
{
	uint8_t *out = malloc(max), *in = malloc(max), *want = malloc(max);
	uint64_t sent = first, got = first;
	struct pollfd pfd = { .fd = icmsg_link_get_fd(link), .events = POLLIN };
	int idle_ms = 0;

	assert_non_null(out);
	assert_non_null(in);
	assert_non_null(want);
	while (got < total && got < stop_after) {
		bool progress = false;

		while (sent < total && sent < stop_after) {
			size_t len = msg_len(seed, sent, max);
			int ret;

			msg_fill(seed, sent, out, len);
			ret = icmsg_link_send(link, out, len);
			if (ret == -ENOMEM)
				break;
			if (ret != (int)len)
				fail_msg("send of message %llu (%zu bytes): %d",
					 (unsigned long long)sent, len, ret);
			sent++;
			progress = true;
		}
		for (;;) {
			int n = icmsg_link_try_recv(link, in, max);
			size_t len;

			if (n == -EAGAIN)
				break;
			if (n < 0)
				fail_msg("recv after %llu messages: %d", (unsigned long long)got, n);
			len = msg_len(seed, got, max);
			msg_fill(seed, got, want, len);
			if ((size_t)n != len || memcmp(in, want, len) != 0)
				fail_msg("echo %llu: %d bytes, want %zu, content %s",
					 (unsigned long long)got, n, len,
					 memcmp(in, want, (size_t)n < len ? (size_t)n : len)
						 ? "differs" : "prefix ok");
			got++;
			progress = true;
		}
		if (progress) {
			idle_ms = 0;
			continue;
		}
		/* Wait for a doorbell; the timeout covers a peer that frees
		 * space without signalling (as Zephyr does). */
		if (poll(&pfd, 1, 10) == 0)
			idle_ms += 10;
		assert_true(icmsg_link_process(link) >= 0);
		if (idle_ms > CHILD_TIMEOUT_MS)
			fail_msg("stalled at %llu sent, %llu echoed", (unsigned long long)sent,
				 (unsigned long long)got);
	}
	free(out);
	free(in);
	free(want);
	return got;
}

static void exchange(uint32_t dcache, enum icmsg_unbound_mode mode, uint64_t total)
{
	static const char *const names[] = { "disable", "enable", "detect" };
	struct counters c = { 0 };
	struct icmsg_link *link = NULL;
	struct icmsg_link_info info;
	struct tu_pair p;
	double t0, dt;
	pid_t pid;
	size_t max;

	tu_pair_init(&p, 4096, dcache, mode, mode);
	p.a.peer_rx_buf_size = 65535; /* the simulated peer is ours */
	p.b.peer_rx_buf_size = 65535;
	pid = spawn_echo(&p.b);
	assert_int_equal(icmsg_link_open(&p.a, tu_opts(&state_cbs, &c), &link), 0);
	assert_int_equal(icmsg_link_wait_bound(link, CHILD_TIMEOUT_MS), 0);
	icmsg_link_get_info(link, &info);
	max = info.max_send;
	assert_int_equal(max, 4096 - (dcache > 8 ? dcache : (mode ? 8 : 4)) - 4 - 8);

	t0 = mono_s();
	assert_int_equal(stream(link, dcache * 7 + mode, 0, total, max, total), total);
	dt = mono_s() - t0;
	assert_int_equal(icmsg_link_send_timeout(link, "\xB0", 1, 5000), 1);
	assert_int_equal(reap(pid), 0);
	icmsg_link_get_info(link, &info);
	assert_int_equal(info.tx_msgs, total + 1);
	assert_int_equal(info.rx_msgs, total);
	assert_int_equal(c.unbound, 0);
	printf("exchange dcache=%u unbound=%s: %llu messages each way (1..%zu bytes, %.1f MB "
	       "each way) in %.2f s: %.0f msg/s each way, %.0f msg/s total\n",
	       dcache, names[mode], (unsigned long long)total, max,
	       (double)info.rx_bytes / 1e6, dt, (double)total / dt, 2.0 * (double)total / dt);
	icmsg_link_close(link);
	tu_pair_cleanup(&p);
}

static uint64_t total_messages(void)
{
	const char *s = getenv("ICMSG_TEST_MESSAGES");

	return s ? strtoull(s, NULL, 10) : 100000;
}

static void test_link_exchange_dc0_disable(void **state)
{
	exchange(0, ICMSG_UNBOUND_DISABLE, total_messages());
}

static void test_link_exchange_dc8_enable(void **state)
{
	exchange(8, ICMSG_UNBOUND_ENABLE, total_messages());
}

static void test_link_exchange_dc32_detect(void **state)
{
	exchange(32, ICMSG_UNBOUND_DETECT, total_messages());
}

static void test_link_exchange_dc64_disable(void **state)
{
	exchange(64, ICMSG_UNBOUND_DISABLE, total_messages());
}

/* ---- a sender thread beside the processing thread ---- */

struct threads {
	struct icmsg_link *link;
	uint64_t seed, total, got;
	size_t max;
	int send_err, bad;
	uint8_t *want;
};

static void *sender_main(void *arg)
{
	struct threads *t = arg;
	uint8_t *buf = malloc(t->max);

	for (uint64_t i = 0; buf && i < t->total; i++) {
		size_t len = msg_len(t->seed, i, t->max);
		int ret;

		msg_fill(t->seed, i, buf, len);
		ret = icmsg_link_send_timeout(t->link, buf, len, CHILD_TIMEOUT_MS);
		if (ret != (int)len) {
			t->send_err = ret;
			break;
		}
	}
	free(buf);
	return NULL;
}

/* Runs on whichever thread processes; processing is serialised. */
static void threads_received(struct icmsg_link *l, const void *data, size_t len, void *ud)
{
	struct threads *t = ud;
	size_t want = msg_len(t->seed, t->got, t->max);

	msg_fill(t->seed, t->got, t->want, want);
	if (len != want || memcmp(data, t->want, len) != 0)
		t->bad++;
	__atomic_store_n(&t->got, t->got + 1, __ATOMIC_RELAXED);
}

static void test_link_sender_thread(void **state)
{
	static const struct icmsg_link_callbacks cbs = { .received = threads_received };
	struct threads t = { .seed = 99, .total = 20000, .max = 128 };
	struct tu_pair p;
	pthread_t th;
	pid_t pid;
	int idle = 0, ret = 0;

	tu_pair_init(&p, 1024, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	t.want = malloc(t.max);
	assert_non_null(t.want);
	pid = spawn_echo(&p.b);
	assert_int_equal(icmsg_link_open(&p.a, tu_opts(&cbs, &t), &t.link), 0);
	assert_int_equal(icmsg_link_wait_bound(t.link, CHILD_TIMEOUT_MS), 0);
	assert_int_equal(pthread_create(&th, NULL, sender_main, &t), 0);
	/* This thread is the event loop: it receives the echoes. No check
	 * may leave while the sender uses t. */
	while (__atomic_load_n(&t.got, __ATOMIC_RELAXED) < t.total && idle < 300 && ret >= 0) {
		struct pollfd pfd = { .fd = icmsg_link_get_fd(t.link), .events = POLLIN };

		if (poll(&pfd, 1, 100) == 0)
			idle++;
		ret = icmsg_link_process(t.link);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(ret >= 0);
	assert_int_equal(t.send_err, 0);
	assert_int_equal(t.got, t.total);
	assert_int_equal(t.bad, 0);
	assert_int_equal(icmsg_link_send_timeout(t.link, "\xB0", 1, 5000), 1);
	assert_int_equal(reap(pid), 0);
	icmsg_link_close(t.link);
	free(t.want);
	tu_pair_cleanup(&p);
}

/* The remote core dies mid-stream without closing, then boots again. */
static void remote_crash(enum icmsg_unbound_mode mode, uint32_t dcache)
{
	struct counters c = { 0 };
	struct icmsg_link *link = NULL;
	struct tu_pair p;
	uint64_t got;
	pid_t pid;
	int status;

	tu_pair_init(&p, 2048, dcache, mode, mode);
	pid = spawn_echo(&p.b);
	assert_int_equal(icmsg_link_open(&p.a, tu_opts(&state_cbs, &c), &link), 0);
	assert_int_equal(icmsg_link_wait_bound(link, CHILD_TIMEOUT_MS), 0);
	got = stream(link, 1, 0, 2000, 128, 1000);
	assert_int_equal(got, 1000);

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(c.unbound, 0); /* nothing tells us yet: no signal */

	pid = spawn_echo(&p.b);
	/* We must notice, report it, and bond again by ourselves. */
	while (c.bound < 2) {
		struct pollfd pfd = { .fd = icmsg_link_get_fd(link), .events = POLLIN };

		assert_true(poll(&pfd, 1, CHILD_TIMEOUT_MS) == 1);
		assert_true(icmsg_link_process(link) >= 0);
	}
	assert_int_equal(c.unbound, 1);
	assert_int_equal(c.last_reason, -ECONNRESET);
	assert_int_equal(icmsg_link_get_state(link), ICMSG_LINK_BOUND);
	/* Messages in flight died with the old core; the stream carries on. */
	got = stream(link, 2, 0, 2000, 128, 2000);
	assert_int_equal(got, 2000);
	assert_int_equal(icmsg_link_send_timeout(link, "\xB0", 1, 5000), 1);
	assert_int_equal(reap(pid), 0);
	icmsg_link_close(link);
	tu_pair_cleanup(&p);
}

static void test_link_remote_crash_disable(void **state)
{
	remote_crash(ICMSG_UNBOUND_DISABLE, 0);
}

static void test_link_remote_crash_enable(void **state)
{
	remote_crash(ICMSG_UNBOUND_ENABLE, 8);
}

static void test_link_remote_crash_detect(void **state)
{
	remote_crash(ICMSG_UNBOUND_DETECT, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_exchange_dc0_disable),
		cmocka_unit_test(test_link_exchange_dc8_enable),
		cmocka_unit_test(test_link_exchange_dc32_detect),
		cmocka_unit_test(test_link_exchange_dc64_disable),
		cmocka_unit_test(test_link_sender_thread),
		cmocka_unit_test(test_link_remote_crash_disable),
		cmocka_unit_test(test_link_remote_crash_enable),
		cmocka_unit_test(test_link_remote_crash_detect),
	};

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
