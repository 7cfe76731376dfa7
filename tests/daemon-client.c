// SPDX-License-Identifier: MIT
/*
 * daemon-client - a client of icmsgd's sockets for tests/test-daemon.sh.
 *
 * It speaks only the socket protocol of docs/icmsgd.md (no libicmsg), as
 * any client in any language would:
 *
 *   stream SOCK     send N generated messages, read the echoes, verify
 *   recv SOCK       read and verify the messages of another client's stream
 *   ping SOCK       64-byte ping-pong: round-trip median and p99
 *   send SOCK SIZE  send one datagram of SIZE bytes (0 allowed), then check
 *                   that the connection still carries an echo
 *   connect SOCK    connect and report the errno name of a failure
 *   control SOCK REQUEST     print the reply of the control socket
 *   subscribe SOCK           print every event until the daemon closes
 *   notify-listen PATH [FILE]...  print every sd_notify datagram sent to
 *                   PATH, and whether each FILE existed when it came
 *
 * and for the fault and soak suites (tests/test-fault.sh, test-soak.sh):
 *
 *   seq SOCK        sequence-numbered traffic: send numbered messages and/or
 *                   verify what comes back (--rx echo: our own echoes;
 *                   --rx counter: the counter pattern of `icmsg-cli sim
 *                   --mode generate`), allowing a gap only where a reset
 *                   explains it (--events: the daemon's unbound events;
 *                   --reconnect: a lost connection); see cmd_seq()
 *   crowd SOCK      hold N connections open at once, reading, then close
 *   churn SOCK      N connections one after the other, each ending its own
 *                   way (at once, after sending, oversized and empty, ...)
 *
 * Stream messages: byte 0 is the stream id, the length (1..max) and the
 * other bytes follow from (seed, sequence number), so a receiver can
 * rebuild message k and compare it byte for byte, and tell the messages of
 * other streams (fan-out shows it every client's echoes) by their id.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PROG "daemon-client"
#define MAX_MSG 65536

/* Long options without a short form. */
enum {
	OPT_READ_DELAY = 256,
	OPT_MIN,
	OPT_RATE,
	OPT_STOP_FILE,
	OPT_RX,
	OPT_EVENTS,
	OPT_INSTANCE,
	OPT_RECONNECT,
	OPT_DRAIN,
	OPT_EXPECT,
	OPT_WINDOW,
	OPT_MAX_GAP,
};

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TIMEOUT = 3,
};

struct opts {
	uint64_t count;
	uint32_t max;
	uint32_t size;
	uint8_t id;
	uint64_t seed;
	const char *start_file;
	int timeout_ms;
	bool allow_loss;
	bool expect_eof;
	/* seq, crowd, churn */
	uint32_t min;
	uint32_t rate;
	uint32_t drain_ms;
	uint64_t expect;
	uint64_t window;
	uint64_t max_gap;
	const char *stop_file;
	const char *events;
	const char *instance;
	const char *rx_mode;
	bool reconnect;
};

/* recv --read-delay: pause after every message read (a slow client). */
static uint32_t read_delay_us;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *err_name(int err)
{
	switch (err) {
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNRESET:
		return "ECONNRESET";
	case EPIPE:
		return "EPIPE";
	default:
		return strerror(err);
	}
}

static int connect_to(const char *path, int *ret_err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*ret_err = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*ret_err = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*ret_err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_or_die(const char *path)
{
	int err = 0, fd = connect_to(path, &err);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot connect -- '%s': %s\n", PROG, path, strerror(err));
		exit(EXIT_FAIL);
	}
	return fd;
}

/* Wait for the start file the test creates to release us. */
static int wait_start(const struct opts *o, uint64_t deadline)
{
	struct stat st;

	if (!o->start_file)
		return 0;
	while (stat(o->start_file, &st) < 0) {
		if (now_us() >= deadline) {
			fprintf(stderr, "%s: start file never appeared -- '%s'\n", PROG,
				o->start_file);
			return -1;
		}
		usleep(5000);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Generated streams                                                        */

static uint64_t mix(uint64_t x)
{
	/* splitmix64 */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Message @k of the stream (@id, @seed): 1..@max bytes, or exactly @fixed
 * bytes if that is not 0. Return: its length.
 */
static size_t make_msg(uint8_t *buf, uint8_t id, uint64_t seed, uint64_t k, uint32_t max,
		       uint32_t fixed)
{
	size_t len = fixed ? fixed : 1 + (size_t)(mix(seed ^ (k * 0x100000001b3ull)) % max);
	uint64_t state = mix(seed + k), v = 0;
	size_t i;

	buf[0] = id;
	for (i = 1; i < len; i++) {
		if ((i - 1) % 8 == 0)
			v = mix(state + i);
		buf[i] = (uint8_t)(v >> (8 * ((i - 1) % 8)));
	}
	return len;
}

/*
 * struct checker - the receiving side of one stream: message @next is
 * expected; other streams' messages are counted and skipped.
 */
struct checker {
	uint8_t id;
	uint64_t seed;
	uint32_t max;
	uint32_t fixed;
	uint64_t next;
	uint64_t foreign;
	uint64_t lost;
	bool allow_loss;
	uint8_t expect[MAX_MSG];
};

/* Return: false on a wrong message (printed). */
static bool check_msg(struct checker *ck, const uint8_t *data, size_t len)
{
	size_t elen;
	uint64_t k;

	if (len == 0 || data[0] != ck->id) {
		ck->foreign++;
		return true;
	}
	/* With losses allowed (a remote reset), find the message further on. */
	for (k = ck->next; k < ck->next + (ck->allow_loss ? 100000 : 1); k++) {
		elen = make_msg(ck->expect, ck->id, ck->seed, k, ck->max, ck->fixed);
		if (elen == len && memcmp(ck->expect, data, len) == 0) {
			ck->lost += k - ck->next;
			ck->next = k + 1;
			return true;
		}
	}
	elen = make_msg(ck->expect, ck->id, ck->seed, ck->next, ck->max, ck->fixed);
	fprintf(stderr, "%s: stream %u message %llu: got %zu bytes, expected %zu%s\n", PROG,
		ck->id, (unsigned long long)ck->next, len, elen,
		elen == len ? " (content differs)" : "");
	return false;
}

/* Read what is there. Return: -1 on error, 0 at EOF, 1 otherwise. */
static int drain(int fd, struct checker *ck, uint8_t *buf, bool *bad)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, MAX_MSG, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			if (errno == EINTR)
				continue;
			return errno == ECONNRESET ? 0 : -1;
		}
		if (n == 0)
			return 0; /* the daemon never sends empty messages */
		if (read_delay_us)
			usleep(read_delay_us);
		if (!check_msg(ck, buf, (size_t)n)) {
			*bad = true;
			if (!ck->allow_loss)
				return -1;
		}
	}
}

static int cmd_stream(const char *path, const struct opts *o)
{
	static struct checker ck;
	static uint8_t out[MAX_MSG], in[MAX_MSG];
	uint64_t deadline = now_us() + (uint64_t)o->timeout_ms * 1000, sent = 0, t0, t1;
	struct pollfd pfd;
	size_t len = 0;
	bool bad = false, have = false;
	int fd, ret;
	double secs;

	fd = connect_or_die(path);
	printf("connected\n");
	fflush(stdout);
	if (wait_start(o, deadline) < 0)
		return EXIT_TIMEOUT;
	ck.id = o->id;
	ck.seed = o->seed;
	ck.max = o->max;
	ck.fixed = o->size;
	ck.allow_loss = o->allow_loss;
	t0 = now_us();
	while (ck.next < o->count || (o->allow_loss && sent < o->count)) {
		pfd.fd = fd;
		pfd.events = POLLIN | (sent < o->count ? POLLOUT : 0);
		ret = poll(&pfd, 1, 100);
		if (ret < 0 && errno != EINTR)
			return EXIT_FAIL;
		/* Send while the socket takes it, then read what came back. */
		while (sent < o->count) {
			if (!have) {
				len = make_msg(out, o->id, o->seed, sent, o->max, o->size);
				have = true;
			}
			if (send(fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
				return EXIT_FAIL;
			}
			have = false;
			sent++;
			if (sent % 64 == 0)
				break;
		}
		ret = drain(fd, &ck, in, &bad);
		if (ret < 0 || (bad && !o->allow_loss))
			return EXIT_FAIL;
		if (ret == 0) {
			fprintf(stderr,
				"%s: the daemon closed the connection after %llu of %llu\n", PROG,
				(unsigned long long)ck.next, (unsigned long long)o->count);
			return EXIT_FAIL;
		}
		if (now_us() >= deadline) {
			fprintf(stderr, "%s: timeout: sent %llu, verified %llu of %llu\n", PROG,
				(unsigned long long)sent, (unsigned long long)ck.next,
				(unsigned long long)o->count);
			return EXIT_TIMEOUT;
		}
	}
	t1 = now_us();
	secs = (double)(t1 - t0) / 1e6;
	printf("stream: %llu messages of %s%u bytes verified in %.3f s: %.0f msgs/s "
	       "(%llu foreign, %llu lost)\n",
	       (unsigned long long)ck.next, o->size ? "" : "1..", o->size ? o->size : o->max,
	       secs, secs > 0 ? (double)ck.next / secs : 0.0,
	       (unsigned long long)ck.foreign, (unsigned long long)ck.lost);
	close(fd);
	return EXIT_OK;
}

static int cmd_recv(const char *path, const struct opts *o)
{
	static struct checker ck;
	static uint8_t in[MAX_MSG];
	uint64_t deadline = now_us() + (uint64_t)o->timeout_ms * 1000;
	struct pollfd pfd;
	bool bad = false;
	int fd, ret;

	fd = connect_or_die(path);
	printf("connected\n");
	fflush(stdout);
	if (wait_start(o, deadline) < 0)
		return EXIT_TIMEOUT;
	ck.id = o->id;
	ck.seed = o->seed;
	ck.max = o->max;
	ck.fixed = o->size;
	ck.allow_loss = o->allow_loss;
	for (;;) {
		ret = drain(fd, &ck, in, &bad);
		if (ret < 0) {
			fprintf(stderr, "%s: receive failed after %llu messages\n", PROG,
				(unsigned long long)ck.next);
			return EXIT_FAIL;
		}
		if (ret == 0) {
			printf("recv: %llu messages, then end of file\n",
			       (unsigned long long)ck.next);
			return o->expect_eof ? EXIT_OK : EXIT_FAIL;
		}
		if (!o->expect_eof && ck.next >= o->count)
			break;
		if (now_us() >= deadline) {
			fprintf(stderr, "%s: timeout: %llu of %llu messages\n", PROG,
				(unsigned long long)ck.next, (unsigned long long)o->count);
			return EXIT_TIMEOUT;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
	}
	printf("recv: %llu messages verified (%llu foreign)\n", (unsigned long long)ck.next,
	       (unsigned long long)ck.foreign);
	close(fd);
	return EXIT_OK;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_ping(const char *path, const struct opts *o)
{
	uint64_t deadline = now_us() + (uint64_t)o->timeout_ms * 1000, *rtt, t;
	uint8_t out[MAX_MSG], in[MAX_MSG];
	uint32_t size = o->size ? o->size : 64;
	struct pollfd pfd;
	uint64_t i;
	ssize_t n;
	int fd;

	rtt = calloc(o->count ? o->count : 1, sizeof(*rtt));
	if (!rtt)
		return EXIT_FAIL;
	fd = connect_or_die(path);
	for (i = 0; i < size; i++)
		out[i] = (uint8_t)(i * 7);
	out[0] = o->id;
	for (i = 0; i < o->count; i++) {
		memcpy(out + 1, &i, 4);
		t = now_us();
		if (send(fd, out, size, MSG_NOSIGNAL) < 0) {
			fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
			return EXIT_FAIL;
		}
		for (;;) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 1000) == 0 && now_us() >= deadline) {
				fprintf(stderr, "%s: timeout at round trip %llu\n", PROG,
					(unsigned long long)i);
				return EXIT_TIMEOUT;
			}
			n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				fprintf(stderr, "%s: connection lost\n", PROG);
				return EXIT_FAIL;
			}
			if ((size_t)n == size && memcmp(in, out, size) == 0)
				break;
		}
		rtt[i] = now_us() - t;
	}
	qsort(rtt, o->count, sizeof(*rtt), u64_cmp);
	if (o->count)
		printf("ping: %llu round trips of %u bytes: median %llu us, p99 %llu us\n",
		       (unsigned long long)o->count, size,
		       (unsigned long long)rtt[o->count / 2],
		       (unsigned long long)rtt[(o->count * 99) / 100]);
	free(rtt);
	close(fd);
	return EXIT_OK;
}

/*
 * Send the stream's @count messages and close at once, without reading the
 * echoes the daemon sends back: everything sent must still reach the ring.
 */
static int cmd_blast(const char *path, const struct opts *o)
{
	static uint8_t out[MAX_MSG];
	int fd = connect_or_die(path);
	size_t len;

	for (uint64_t k = 0; k < o->count; k++) {
		len = make_msg(out, o->id, o->seed, k, o->max, o->size);
		if (send(fd, out, len, MSG_NOSIGNAL) < 0) {
			fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
			return EXIT_FAIL;
		}
	}
	/* With -w, hang up only when told: after the daemon has read what it
	 * could, rather than with the datagrams. */
	if (wait_start(o, now_us() + (uint64_t)o->timeout_ms * 1000) < 0)
		return EXIT_TIMEOUT;
	close(fd);
	printf("blast: %llu messages sent, closed\n", (unsigned long long)o->count);
	return EXIT_OK;
}

static int cmd_send(const char *path, uint32_t size, const struct opts *o)
{
	static const char probe[] = "probe after the datagram";
	uint64_t deadline = now_us() + (uint64_t)o->timeout_ms * 1000;
	static uint8_t out[MAX_MSG], in[MAX_MSG];
	int fd = connect_or_die(path);
	struct pollfd pfd;
	ssize_t n;

	memset(out, 'x', sizeof(out));
	if (send(fd, out, size, MSG_NOSIGNAL) < 0 ||
	    send(fd, probe, sizeof(probe), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	printf("sent %u bytes\n", size);
	/* The probe's echo shows the connection survived the datagram. */
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
		n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(probe) && memcmp(in, probe, sizeof(probe)) == 0)
			break;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			printf("connection lost\n");
			return EXIT_FAIL;
		}
		if (now_us() >= deadline) {
			printf("no echo of the probe\n");
			return EXIT_TIMEOUT;
		}
	}
	printf("connection alive\n");
	close(fd);
	return EXIT_OK;
}

static int cmd_connect(const char *path)
{
	int err = 0, fd = connect_to(path, &err);

	if (fd < 0) {
		printf("%s\n", err_name(err));
		return EXIT_FAIL;
	}
	printf("connected\n");
	close(fd);
	return EXIT_OK;
}

static int cmd_control(const char *path, const char *request)
{
	static char reply[1 << 20];
	int fd = connect_or_die(path);
	ssize_t n;

	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	n = recv(fd, reply, sizeof(reply) - 1, 0);
	if (n <= 0) {
		fprintf(stderr, "%s: no reply\n", PROG);
		return EXIT_FAIL;
	}
	reply[n] = '\0';
	printf("%s\n", reply);
	close(fd);
	return EXIT_OK;
}

static int cmd_subscribe(const char *path)
{
	static char ev[65536];
	int fd = connect_or_die(path);
	ssize_t n;

	if (send(fd, "subscribe", 9, MSG_NOSIGNAL) < 0)
		return EXIT_FAIL;
	for (;;) {
		n = recv(fd, ev, sizeof(ev) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ev[n] = '\0';
		printf("%s\n", ev);
		fflush(stdout);
	}
	return EXIT_OK;
}

static int cmd_notify_listen(const char *path, char **check, int n_check)
{
	struct stat st;
	int k;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char msg[4096];
	ssize_t n, i;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return EXIT_USAGE;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot bind -- '%s': %s\n", PROG, path, strerror(errno));
		return EXIT_FAIL;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		n = recv(fd, msg, sizeof(msg) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return EXIT_FAIL;
		/* One line per datagram: its own lines joined with blanks. */
		for (i = 0; i < n; i++)
			if (msg[i] == '\n')
				msg[i] = ' ';
		msg[n] = '\0';
		printf("%s", msg);
		for (k = 0; k < n_check; k++)
			printf(" exists=%d", stat(check[k], &st) == 0);
		printf("\n");
		fflush(stdout);
	}
}

/* ------------------------------------------------------------------------ */
/* seq: sequence-numbered traffic, every gap accounted for                  */

/*
 * Message k of a seq stream (@id, @seed): @min..@max bytes (min >= 5); byte
 * 0 is the stream id, bytes 1..4 the low 32 bits of k (little-endian), the
 * rest follow from (seed, k). A receiver reads k from the message, rebuilds
 * it and compares it byte for byte: no search, so a gap of any size costs
 * nothing and a duplicate or a reordering is told from a loss.
 */
static size_t seq_msg(uint8_t *buf, uint8_t id, uint64_t seed, uint64_t k, uint32_t min,
		      uint32_t max)
{
	size_t len = min + (size_t)(mix(seed ^ (k * 0x100000001b3ull)) % (max - min + 1));
	uint64_t state = mix(seed + k), v = 0;
	size_t i;

	buf[0] = id;
	for (i = 0; i < 4; i++)
		buf[1 + i] = (uint8_t)(k >> (8 * i));
	for (i = 5; i < len; i++) {
		if ((i - 5) % 8 == 0)
			v = mix(state + i);
		buf[i] = (uint8_t)(v >> (8 * ((i - 5) % 8)));
	}
	return len;
}

enum seq_rx { SEQ_RX_NONE, SEQ_RX_ECHO, SEQ_RX_COUNTER };

/* A reset the receiver was told of: an unbound event, or a reconnection. */
struct seq_reset {
	uint64_t sent;     /* messages we had sent when we learnt of it */
	uint64_t received; /* messages we had received then */
};

#define SEQ_RESETS 65536

struct seq {
	const struct opts *o;
	const char *path;
	enum seq_rx rx;
	int fd, efd;
	char unbound_prefix[160];

	uint64_t sent, sent_bytes;
	uint64_t next;     /* the sequence number expected next */
	bool started;      /* counter: the first message sets next */
	uint64_t first;
	uint64_t received, rx_bytes, foreign;
	uint64_t lost, gaps, max_gap, unexplained, corrupt;
	uint64_t unbound, reconnects, sub_lost, connect_errors, sub_errors;
	bool sub_ended;    /* the subscription ended: see cmd_seq() */
	uint64_t far;      /* counter: the last message out of reach */
	size_t far_len;
	bool far_valid;
	int first_error, connect_error;
	uint64_t last_rx_us;

	/* resets not yet matched with a gap, oldest first */
	struct seq_reset resets[SEQ_RESETS];
	unsigned int r_head, r_len;
};

static void seq_reset_push(struct seq *s)
{
	struct seq_reset *r;

	if (s->r_len == SEQ_RESETS) { /* forget the oldest */
		s->r_head = (s->r_head + 1) % SEQ_RESETS;
		s->r_len--;
	}
	r = &s->resets[(s->r_head + s->r_len) % SEQ_RESETS];
	r->sent = s->sent;
	r->received = s->received;
	s->r_len++;
}

static void seq_reset_pop(struct seq *s)
{
	s->r_head = (s->r_head + 1) % SEQ_RESETS;
	s->r_len--;
}

/*
 * Subscribe to the daemon's events: connect, ask, and wait up to a second
 * for the acknowledgement. Return: 0, or -1 (nothing left open).
 */
static int seq_subscribe_once(struct seq *s)
{
	uint64_t until = now_us() + 1000000;
	char ev[4096];
	struct pollfd pfd;
	int err = 0;
	ssize_t n;

	s->efd = connect_to(s->o->events, &err);
	if (s->efd < 0) {
		s->sub_errors++;
		return -1;
	}
	if (send(s->efd, "subscribe", 9, MSG_NOSIGNAL) == 9) {
		while (now_us() < until) {
			pfd.fd = s->efd;
			pfd.events = POLLIN;
			poll(&pfd, 1, 100);
			n = recv(s->efd, ev, sizeof(ev) - 1, MSG_DONTWAIT);
			if (n > 0) {
				ev[n] = '\0';
				if (strstr(ev, "\"subscribed\""))
					return 0;
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				break;
		}
	}
	close(s->efd);
	s->efd = -1;
	return -1;
}

/* Subscribe, trying every 20 ms until the deadline. Return: 0 or -1. */
static int seq_subscribe(struct seq *s, uint64_t deadline)
{
	while (seq_subscribe_once(s) < 0) {
		if (now_us() >= deadline) {
			fprintf(stderr, "%s: cannot subscribe -- '%s'\n", PROG, s->o->events);
			return -1;
		}
		usleep(20000);
	}
	return 0;
}

/*
 * Read the events that are there. Return: false if the subscription ended
 * (the daemon went, or dropped us for not reading).
 */
static bool seq_events(struct seq *s)
{
	char ev[4096];
	ssize_t n;

	if (s->efd < 0)
		return true;
	for (;;) {
		n = recv(s->efd, ev, sizeof(ev) - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			close(s->efd);
			s->efd = -1;
			s->sub_ended = true;
			return false;
		}
		ev[n] = '\0';
		if (strncmp(ev, s->unbound_prefix, strlen(s->unbound_prefix)) == 0) {
			s->unbound++;
			seq_reset_push(s);
		}
	}
}

/*
 * Messages [@from, @to) never came. A reset explains them if we learnt of
 * it after @from was sent (echo: a message still in our socket when we
 * learn of a reset cannot be lost by it: the daemon does not read us while
 * the link is down), or, for a stream we do not send (counter), within
 * --window messages received of the gap. One reset explains one gap: the
 * messages a reset drops are contiguous (the rings' contents, and the one
 * echo the remote core had in hand).
 */
static void seq_gap(struct seq *s, uint64_t from, uint64_t to, const char *what)
{
	uint64_t n = to - from;

	seq_events(s);
	s->gaps++;
	s->lost += n;
	if (n > s->max_gap)
		s->max_gap = n;
	while (s->r_len) {
		const struct seq_reset *r = &s->resets[s->r_head];

		if (s->rx == SEQ_RX_ECHO ? r->sent > from
					 : s->received - r->received <= s->o->window)
			break;
		seq_reset_pop(s); /* a reset that dropped nothing */
	}
	if (s->r_len) {
		seq_reset_pop(s);
		return;
	}
	s->unexplained += n;
	fprintf(stderr, "%s: %s: %llu messages lost (%llu..%llu) with no reset to explain it\n",
		PROG, what, (unsigned long long)n, (unsigned long long)from,
		(unsigned long long)(to - 1));
}

/* A message that is not what was sent: say which, with its first bytes. */
static void seq_corrupt(struct seq *s, const char *why, uint64_t k, const uint8_t *d, size_t len)
{
	size_t i;

	s->corrupt++;
	if (s->corrupt > 20)
		return;
	fprintf(stderr, "%s: message %llu (%zu bytes, expected %llu): %s; bytes:", PROG,
		(unsigned long long)k, len, (unsigned long long)s->next, why);
	for (i = 0; i < len && i < 64; i++)
		fprintf(stderr, " %02x", d[i]);
	fprintf(stderr, "%s\n", len > 64 ? " ..." : "");
}

static void seq_check_echo(struct seq *s, const uint8_t *d, size_t n)
{
	static uint8_t expect[MAX_MSG];
	uint64_t k;
	size_t elen;

	if (n < 5 || d[0] != s->o->id) {
		s->foreign++;
		return;
	}
	k = s->next + (uint64_t)(int64_t)(int32_t)((uint32_t)(d[1] | d[2] << 8 | d[3] << 16 |
							      (uint32_t)d[4] << 24) -
						   (uint32_t)s->next);
	if (k < s->next) {
		seq_corrupt(s, "duplicate or out of order", k, d, n);
		return;
	}
	if (k >= s->sent) {
		seq_corrupt(s, "never sent", k, d, n);
		return;
	}
	elen = seq_msg(expect, s->o->id, s->o->seed, k, s->o->min, s->o->max);
	if (elen != n || memcmp(expect, d, n) != 0) {
		seq_corrupt(s, elen != n ? "wrong length" : "content differs", k, d, n);
		return;
	}
	if (k > s->next)
		seq_gap(s, s->next, k, "echo");
	s->next = k + 1;
	s->received++;
	s->rx_bytes += n;
}

/* The counter pattern of icmsg-cli sim: u32 LE sequence, then (seq + i). */
static void seq_check_counter(struct seq *s, const uint8_t *d, size_t n)
{
	uint32_t k32;
	uint64_t k;
	size_t i;

	if (n < 4) {
		seq_corrupt(s, "shorter than a sequence number", s->next, d, n);
		return;
	}
	k32 = (uint32_t)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24);
	for (i = 4; i < n; i++)
		if (d[i] != (uint8_t)(k32 + i)) {
			seq_corrupt(s, "content differs from the counter pattern", k32, d, n);
			return;
		}
	if (!s->started) {
		s->started = true;
		s->first = s->next = k32;
	}
	k = s->next + (uint64_t)(int64_t)(int32_t)(k32 - (uint32_t)s->next);
	if (k < s->next) {
		seq_corrupt(s, "duplicate or out of order", k, d, n);
		return;
	}
	/* More than can have been in flight: not a message of this stream
	 * (a stale packet that happens to fit the pattern)... unless the
	 * next message follows it: then it was a long gap. */
	if (k - s->next > s->o->max_gap || (s->o->expect && k >= s->o->expect)) {
		if (!(s->far_valid && k == s->far + 1)) {
			seq_corrupt(s, "sequence number out of reach", k, d, n);
			s->far = k;
			s->far_len = n;
			s->far_valid = true;
			return;
		}
		s->corrupt--;
		fprintf(stderr, "%s: message %llu follows the previous one: a gap after all\n",
			PROG, (unsigned long long)k);
		seq_gap(s, s->next, s->far, "counter");
		s->next = s->far + 1;
		s->received++;
		s->rx_bytes += s->far_len;
	}
	s->far_valid = false;
	if (k > s->next)
		seq_gap(s, s->next, k, "counter");
	s->next = k + 1;
	s->received++;
	s->rx_bytes += n;
}

/* Read what is there. Return: 0, or the errno that ended the connection. */
static int seq_drain(struct seq *s)
{
	static uint8_t in[MAX_MSG];
	ssize_t n;

	for (;;) {
		n = recv(s->fd, in, sizeof(in), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EPIPE; /* end of file: the daemon closed us */
		/* The events that came before this message explain its gap. */
		seq_events(s);
		s->last_rx_us = now_us();
		if (s->rx == SEQ_RX_ECHO)
			seq_check_echo(s, in, (size_t)n);
		else if (s->rx == SEQ_RX_COUNTER)
			seq_check_counter(s, in, (size_t)n);
		else
			s->received++;
	}
}

static const char *seq_errname(int err)
{
	return err == EPIPE ? "EOF/EPIPE" : err_name(err);
}

/* Whether the data connection has ended (looked at without reading). */
static bool seq_peer_gone(struct seq *s)
{
	char c;
	ssize_t n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/*
 * The connection ended (@err): connect again until the deadline, subscribe
 * again. What was in flight may be lost: a reset as far as gaps go.
 * Return: 0, or -1 at the deadline.
 */
static int seq_reconnect(struct seq *s, int err, uint64_t deadline)
{
	uint64_t refused = s->connect_errors, sub_refused = s->sub_errors;
	int cerr = 0;

	if (!s->first_error)
		s->first_error = err;
	close(s->fd);
	s->fd = -1;
	if (s->efd >= 0) {
		close(s->efd);
		s->efd = -1;
	}
	for (;;) {
		s->fd = connect_to(s->path, &cerr);
		if (s->fd >= 0)
			break;
		s->connect_errors++;
		if (!s->connect_error)
			s->connect_error = cerr;
		if (now_us() >= deadline)
			return -1;
		usleep(20000);
	}
	s->reconnects++;
	s->sub_ended = false;
	if (s->o->events && seq_subscribe(s, deadline) < 0)
		return -1;
	seq_reset_push(s);
	fprintf(stderr, "%s: seq: connection ended (%s) after %llu sent, %llu received; "
		"connected again after %llu refused attempts (and %llu to the control "
		"socket)\n", PROG, seq_errname(err), (unsigned long long)s->sent,
		(unsigned long long)s->received, (unsigned long long)(s->connect_errors - refused),
		(unsigned long long)(s->sub_errors - sub_refused));
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0;
}

static void seq_report(const struct seq *s)
{
	printf("seq: sent=%llu sent_bytes=%llu received=%llu received_bytes=%llu lost=%llu "
	       "gaps=%llu max_gap=%llu unexplained=%llu corrupt=%llu foreign=%llu unbound=%llu "
	       "reconnects=%llu sub_lost=%llu first=%llu next=%llu error=%s connect_errors=%llu "
	       "connect_error=%s sub_errors=%llu\n",
	       (unsigned long long)s->sent, (unsigned long long)s->sent_bytes,
	       (unsigned long long)s->received, (unsigned long long)s->rx_bytes,
	       (unsigned long long)s->lost, (unsigned long long)s->gaps,
	       (unsigned long long)s->max_gap, (unsigned long long)s->unexplained,
	       (unsigned long long)s->corrupt, (unsigned long long)s->foreign,
	       (unsigned long long)s->unbound, (unsigned long long)s->reconnects,
	       (unsigned long long)s->sub_lost, (unsigned long long)s->first,
	       (unsigned long long)s->next, s->first_error ? seq_errname(s->first_error) : "none",
	       (unsigned long long)s->connect_errors,
	       s->connect_error ? err_name(s->connect_error) : "none",
	       (unsigned long long)s->sub_errors);
	fflush(stdout);
}

/*
 * seq: send messages 0, 1, ... (-n of them, or until --stop-file exists with
 * -n 0; paced by --rate) and verify what comes back (--rx). Gaps must be
 * explained by resets (seq_gap()); when sending is over, wait for the
 * echoes until none came for --drain ms: those still missing then are a
 * gap at the tail. Exit 0 if nothing was corrupt and every gap explained.
 */
static int cmd_seq(const char *path, const struct opts *o)
{
	static struct seq s;
	static uint8_t out[MAX_MSG];
	uint64_t deadline = now_us() + (uint64_t)o->timeout_ms * 1000, t0, now, allowed;
	uint64_t last_stat = 0;
	bool sending = true, have = false, stopped = false;
	struct pollfd pfd[2];
	size_t len = 0;
	int err, ret;

	s.o = o;
	s.path = path;
	s.efd = -1;
	s.rx = strcmp(o->rx_mode, "echo") == 0      ? SEQ_RX_ECHO
	       : strcmp(o->rx_mode, "counter") == 0 ? SEQ_RX_COUNTER
						    : SEQ_RX_NONE;
	/* With --expect the stream is messages 0..N-1: a loss before the
	 * first one that arrives is a gap too. */
	if (s.rx == SEQ_RX_COUNTER && o->expect)
		s.started = true;
	if (o->instance)
		snprintf(s.unbound_prefix, sizeof(s.unbound_prefix),
			 "{\"event\":\"unbound\",\"instance\":\"%s\",", o->instance);
	else
		snprintf(s.unbound_prefix, sizeof(s.unbound_prefix), "{\"event\":\"unbound\",");
	if (o->events && seq_subscribe(&s, deadline) < 0) {
		fprintf(stderr, "%s: cannot subscribe -- '%s'\n", PROG, o->events);
		return EXIT_FAIL;
	}
	s.fd = connect_or_die(path);
	printf("connected\n");
	fflush(stdout);
	if (o->count == 0 && !o->stop_file)
		sending = false;
	t0 = s.last_rx_us = now_us();
	for (;;) {
		now = now_us();
		if (now >= deadline) {
			fprintf(stderr, "%s: seq: timeout\n", PROG);
			seq_report(&s);
			return EXIT_TIMEOUT;
		}
		/* Sending ends at the count, or when the stop file appears
		 * (looked for every 20 ms). */
		if (sending && o->count && s.sent >= o->count)
			sending = false;
		if (sending && o->stop_file && now - last_stat >= 20000) {
			last_stat = now;
			sending = !file_exists(o->stop_file);
		}
		if (!sending && !stopped) {
			stopped = true;
			s.last_rx_us = now;
		}
		allowed = o->rate ? (now - t0) * o->rate / 1000000 + 1 : UINT64_MAX;
		pfd[0].fd = s.fd;
		pfd[0].events = POLLIN | (sending && s.sent < allowed ? POLLOUT : 0);
		pfd[1].fd = s.efd;
		pfd[1].events = POLLIN;
		ret = poll(pfd, s.efd >= 0 ? 2 : 1, o->rate ? 2 : 50);
		if (ret < 0 && errno != EINTR)
			return EXIT_FAIL;
		seq_events(&s);
		err = 0;
		if (s.sub_ended) {
			/* If the daemon went, the data socket says so (after
			 * what it still holds) and the reconnection subscribes
			 * again. Otherwise the daemon dropped the subscription
			 * (we did not read it in time): resets may have gone
			 * unseen. */
			s.sub_ended = false;
			err = seq_drain(&s);
			if (!err && seq_peer_gone(&s))
				err = EPIPE;
			if (!err) {
				s.sub_lost++;
				seq_reset_push(&s);
				if (seq_subscribe(&s, deadline) < 0) {
					seq_report(&s);
					return EXIT_FAIL;
				}
				seq_reset_push(&s);
			}
		}
		while (!err && sending && s.sent < allowed && !(o->count && s.sent >= o->count)) {
			if (!have) {
				len = seq_msg(out, o->id, o->seed, s.sent, o->min, o->max);
				have = true;
			}
			if (send(s.fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
					err = errno;
				break;
			}
			have = false;
			s.sent++;
			s.sent_bytes += len;
			if (s.sent % 64 == 0)
				break;
		}
		if (!err)
			err = seq_drain(&s);
		if (err) {
			if (!o->reconnect) {
				fprintf(stderr, "%s: seq: connection ended: %s\n", PROG,
					seq_errname(err));
				seq_report(&s);
				return EXIT_FAIL;
			}
			if (seq_reconnect(&s, err, deadline) < 0) {
				fprintf(stderr, "%s: seq: cannot reconnect\n", PROG);
				seq_report(&s);
				return EXIT_TIMEOUT;
			}
			continue;
		}
		if (sending)
			continue;
		/* Sending is over: done when everything came back, or nothing
		 * came for --drain ms. */
		if (s.rx == SEQ_RX_ECHO && s.next >= s.sent)
			break;
		if (s.rx == SEQ_RX_COUNTER && o->expect && s.started && s.next >= o->expect)
			break;
		if (s.rx == SEQ_RX_NONE || now_us() - s.last_rx_us >= (uint64_t)o->drain_ms * 1000)
			break;
	}
	if (s.rx == SEQ_RX_ECHO && s.next < s.sent) {
		seq_gap(&s, s.next, s.sent, "echo, at the end");
		s.next = s.sent;
	}
	if (s.rx == SEQ_RX_COUNTER && o->expect && s.next < o->expect) {
		seq_gap(&s, s.next, o->expect, "counter, at the end");
		s.next = o->expect;
	}
	seq_report(&s);
	close(s.fd);
	return s.corrupt || s.unexplained ? EXIT_FAIL : EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* crowd, churn: many clients                                               */

/*
 * Hold -n connections open at once, reading and discarding what comes,
 * until --stop-file exists (or -t). Those the daemon closes at once (over
 * its limit of clients) are counted.
 */
static int cmd_crowd(const char *path, const struct opts *o)
{
	static uint8_t in[MAX_MSG];
	uint64_t deadline = now_us() + (uint64_t)o->timeout_ms * 1000, msgs = 0;
	uint64_t n = o->count, i, open_n = 0, closed = 0, refused = 0;
	struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	int err = 0;
	ssize_t r;

	if (!pfd)
		return EXIT_FAIL;
	for (i = 0; i < n; i++) {
		pfd[i].fd = connect_to(path, &err);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0)
			refused++;
		else
			open_n++;
	}
	printf("crowd: %llu connected, %llu refused (%s)\n", (unsigned long long)open_n,
	       (unsigned long long)refused, refused ? err_name(err) : "none");
	fflush(stdout);
	while (!file_exists(o->stop_file) && now_us() < deadline) {
		if (poll(pfd, n, 50) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			for (;;) {
				r = recv(pfd[i].fd, in, sizeof(in), MSG_DONTWAIT);
				if (r > 0) {
					msgs++;
					continue;
				}
				if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					closed++;
				}
				break;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	printf("crowd: %llu held, %llu closed by the daemon, %llu messages read\n",
	       (unsigned long long)(open_n - closed), (unsigned long long)closed,
	       (unsigned long long)msgs);
	free(pfd);
	return EXIT_OK;
}

/*
 * -n connections one after the other, each ending its own way: at once;
 * after three messages; after an oversized (--size, default 129) and an
 * empty datagram; after 20 messages, reading a little, then shutdown()
 * of its sending side; after reading for 5 ms. Their messages carry
 * stream id --id so that other clients count them as foreign.
 */
static int cmd_churn(const char *path, const struct opts *o)
{
	static uint8_t buf[MAX_MSG];
	uint64_t i, errors = 0;
	uint32_t big = o->size ? o->size : 129;
	struct pollfd pfd;
	int fd, err = 0, k;

	memset(buf, 0xa5, sizeof(buf));
	buf[0] = o->id;
	for (i = 0; i < o->count; i++) {
		fd = connect_to(path, &err);
		if (fd < 0) {
			errors++;
			continue;
		}
		switch (i % 5) {
		case 0:
			break;
		case 1:
			for (k = 0; k < 3; k++)
				send(fd, buf, 16 + k, MSG_NOSIGNAL | MSG_DONTWAIT);
			break;
		case 2:
			send(fd, buf, big, MSG_NOSIGNAL | MSG_DONTWAIT);
			send(fd, buf, 0, MSG_NOSIGNAL | MSG_DONTWAIT);
			break;
		case 3:
			for (k = 0; k < 20; k++)
				send(fd, buf, 8 + k, MSG_NOSIGNAL | MSG_DONTWAIT);
			recv(fd, buf + 1, sizeof(buf) - 1, MSG_DONTWAIT);
			shutdown(fd, SHUT_WR);
			break;
		case 4:
			pfd.fd = fd;
			pfd.events = POLLIN;
			poll(&pfd, 1, 5);
			while (recv(fd, buf + 1, sizeof(buf) - 1, MSG_DONTWAIT) > 0)
				;
			break;
		}
		close(fd);
	}
	printf("churn: %llu connections, %llu failed (%s)\n", (unsigned long long)o->count,
	       (unsigned long long)errors, errors ? err_name(err) : "none");
	return errors ? EXIT_FAIL : EXIT_OK;
}

static void print_help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND SOCKET [ARG]...\n", PROG);
	printf("\nCommands: stream, recv, ping, send SOCK SIZE, connect, control SOCK REQUEST,\n"
	       "          subscribe, notify-listen PATH, seq, crowd, churn\n");
	printf("\nOptions:\n");
	printf("  -n, --count N        messages (stream, recv) or round trips (ping)\n");
	printf("  -m, --max N          largest stream message (default 128)\n");
	printf("  -s, --size N         every message N bytes (ping: default 64, at least 5;\n"
	       "                       stream, recv: default random 1..max)\n");
	printf("  -i, --id N           stream id, 0..255 (default 1)\n");
	printf("  -S, --seed N         stream seed (default 1)\n");
	printf("  -w, --start-file F   connect, then wait for F to exist before going on\n");
	printf("                       (blast: before closing)\n");
	printf("  -t, --timeout MS     give up after MS milliseconds (default 60000)\n");
	printf("  -l, --allow-loss     messages may be missing (a remote reset)\n");
	printf("  -e, --expect-eof     recv: read until the daemon closes the connection\n");
	printf("      --read-delay US  recv: pause US microseconds after every message\n");
	printf("\nseq SOCK: numbered messages, every gap explained by a reset:\n");
	printf("  -n N                 messages to send (0 with --stop-file: until it exists)\n");
	printf("      --min N          smallest message (default 5, at least 5); -m: largest\n");
	printf("      --rate N         send N messages a second (default: as fast as taken)\n");
	printf("      --stop-file F    stop sending when F exists\n");
	printf("      --rx MODE        verify what comes back: echo (default), counter\n");
	printf("                       (icmsg-cli sim --pattern counter), none\n");
	printf("      --events CTL     subscribe to the daemon's control socket: its unbound\n");
	printf("                       events explain gaps\n");
	printf("      --instance NAME  only the events of instance NAME\n");
	printf("      --reconnect      connect again when the connection ends (a gap there\n");
	printf("                       is explained too)\n");
	printf("      --drain MS       at the end, wait for echoes until none came for MS\n");
	printf("                       (default 2000)\n");
	printf("      --expect N       counter: messages 0..N-1 (a loss at either end is a\n");
	printf("                       gap too)\n");
	printf("      --window N       counter: a reset explains a gap within N messages\n");
	printf("                       received (default 1024)\n");
	printf("      --max-gap N      counter: a jump of more than N is a corrupt message,\n");
	printf("                       not a gap (default 100000)\n");
	printf("crowd SOCK: hold -n connections open, reading, until --stop-file exists\n");
	printf("churn SOCK: -n connections one after the other, ending in various ways\n");
}

static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || s[0] == '-') {
		fprintf(stderr, "%s: invalid number -- '%s'\n", PROG, s);
		exit(EXIT_USAGE);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "max", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "id", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ "start-file", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "allow-loss", no_argument, NULL, 'l' },
		{ "expect-eof", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "read-delay", required_argument, NULL, OPT_READ_DELAY },
		{ "min", required_argument, NULL, OPT_MIN },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "stop-file", required_argument, NULL, OPT_STOP_FILE },
		{ "rx", required_argument, NULL, OPT_RX },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "instance", required_argument, NULL, OPT_INSTANCE },
		{ "reconnect", no_argument, NULL, OPT_RECONNECT },
		{ "drain", required_argument, NULL, OPT_DRAIN },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "max-gap", required_argument, NULL, OPT_MAX_GAP },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .count = 1000, .max = 128, .id = 1, .seed = 1,
			  .timeout_ms = 60000, .min = 5, .drain_ms = 2000, .window = 1024,
			  .max_gap = 100000,
			  .rx_mode = "echo" };
	const char *cmd, *path;
	int opt;

	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "+n:m:s:i:S:w:t:leh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o.count = num(optarg);
			break;
		case 'm':
			o.max = (uint32_t)num(optarg);
			break;
		case 's':
			o.size = (uint32_t)num(optarg);
			break;
		case 'i':
			o.id = (uint8_t)num(optarg);
			break;
		case 'S':
			o.seed = num(optarg);
			break;
		case 'w':
			o.start_file = optarg;
			break;
		case 't':
			o.timeout_ms = (int)num(optarg);
			break;
		case 'l':
			o.allow_loss = true;
			break;
		case 'e':
			o.expect_eof = true;
			break;
		case 'h':
			print_help();
			return EXIT_OK;
		case OPT_READ_DELAY:
			read_delay_us = (uint32_t)num(optarg);
			break;
		case OPT_MIN:
			o.min = (uint32_t)num(optarg);
			break;
		case OPT_RATE:
			o.rate = (uint32_t)num(optarg);
			break;
		case OPT_STOP_FILE:
			o.stop_file = optarg;
			break;
		case OPT_RX:
			o.rx_mode = optarg;
			break;
		case OPT_EVENTS:
			o.events = optarg;
			break;
		case OPT_INSTANCE:
			o.instance = optarg;
			break;
		case OPT_RECONNECT:
			o.reconnect = true;
			break;
		case OPT_DRAIN:
			o.drain_ms = (uint32_t)num(optarg);
			break;
		case OPT_EXPECT:
			o.expect = num(optarg);
			break;
		case OPT_WINDOW:
			o.window = num(optarg);
			break;
		case OPT_MAX_GAP:
			o.max_gap = num(optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		print_help();
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	path = argv[optind + 1];
	if (o.max == 0 || o.max >= MAX_MSG || o.size >= MAX_MSG ||
	    (o.size && o.size < 5 && strcmp(argv[optind], "ping") == 0)) {
		fprintf(stderr, "%s: sizes must be 1..%d\n", PROG, MAX_MSG - 1);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "seq") == 0) {
		if (o.min < 5 || o.min > o.max || (strcmp(o.rx_mode, "echo") != 0 &&
						   strcmp(o.rx_mode, "counter") != 0 &&
						   strcmp(o.rx_mode, "none") != 0)) {
			fprintf(stderr, "%s: seq: sizes must be 5 <= min <= max, --rx echo, "
				"counter or none\n", PROG);
			return EXIT_USAGE;
		}
		return cmd_seq(path, &o);
	}
	if (strcmp(cmd, "crowd") == 0)
		return cmd_crowd(path, &o);
	if (strcmp(cmd, "churn") == 0)
		return cmd_churn(path, &o);
	if (strcmp(cmd, "stream") == 0)
		return cmd_stream(path, &o);
	if (strcmp(cmd, "recv") == 0)
		return cmd_recv(path, &o);
	if (strcmp(cmd, "blast") == 0)
		return cmd_blast(path, &o);
	if (strcmp(cmd, "ping") == 0)
		return cmd_ping(path, &o);
	if (strcmp(cmd, "send") == 0 && argc - optind >= 3)
		return cmd_send(path, (uint32_t)num(argv[optind + 2]), &o);
	if (strcmp(cmd, "connect") == 0)
		return cmd_connect(path);
	if (strcmp(cmd, "control") == 0 && argc - optind >= 3)
		return cmd_control(path, argv[optind + 2]);
	if (strcmp(cmd, "subscribe") == 0)
		return cmd_subscribe(path);
	if (strcmp(cmd, "notify-listen") == 0)
		return cmd_notify_listen(path, argv + optind + 2, argc - optind - 2);
	fprintf(stderr, "%s: unknown command -- '%s'\n", PROG, cmd);
	return EXIT_USAGE;
}
