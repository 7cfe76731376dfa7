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
};

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

static void print_help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND SOCKET [ARG]...\n", PROG);
	printf("\nCommands: stream, recv, ping, send SOCK SIZE, connect, control SOCK REQUEST,\n"
	       "          subscribe, notify-listen PATH\n");
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
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .count = 1000, .max = 128, .id = 1, .seed = 1,
			  .timeout_ms = 60000 };
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
