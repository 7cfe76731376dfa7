// SPDX-License-Identifier: MIT
/*
 * fake-icmsgd - a stand-in for icmsgd's sockets (docs/icmsgd.md), so that
 * test-cli.sh can check icmsg-cli's daemon mode without the daemon and
 * with replies the real one never sends: tricky strings, unknown fields,
 * nulls, malformed JSON.
 *
 * Usage: fake-icmsgd [--mode MODE] CONTROL-SOCKET INSTANCE-SOCKET
 *        fake-icmsgd --malformed-count
 *
 * The control socket answers
 *   status              two instances: ipc0 (bound, on INSTANCE-SOCKET,
 *                       max_send 16) and one with a tricky name in error
 *   status ipc0         ipc0 only; likewise for the tricky one ("status tricky")
 *   status weird        valid JSON with odd values (negative, huge, wrong types)
 *   status nosocket     an instance without a "socket"
 *   status nolimit      ipc0 with "max_send": null
 *   status hugelimit    ipc0 with "max_send": 4294967296, more than any
 *                       ICMsg message (a malformed reply for send and recv)
 *   status unreachable  ipc0 on a socket path that does not exist
 *   status malformed-K  malformed payload K (0 .. --malformed-count - 1)
 *   status NAME         {"error":"no such instance","instance":NAME}
 *   subscribe           {"event":"subscribed"} and the seven canned events
 *   anything else       {"error":"unknown request"}
 * MODE changes that: "silent" never answers, "close-events" closes after
 * the events, "bad-event" sends a malformed event after the first one,
 * "bad-ack" answers subscribe with an error, "unbound" never reads the
 * instance socket's clients (as icmsgd before the bond).
 *
 * The instance socket hands every datagram from any client to every client,
 * the sender included: an echoing remote core behind a fan-out daemon.
 * stdout gets "ready" once both sockets listen, then "connected" and
 * "request: ..." lines, for the test to wait on.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 64

enum kind {
	CONTROL_LISTENER,
	INSTANCE_LISTENER,
	CONTROL_CLIENT,
	INSTANCE_CLIENT,
};

static struct pollfd fds[MAX_FDS];
static enum kind kinds[MAX_FDS];
static size_t nfds;
static const char *mode = "normal";
static const char *instance_path;

static const char *const malformed[] = {
	"{\"version\":\"0.1.0\",\"instances\":[",
	"   ",
	"{\"instances\":[{\"name\":\"ipc0\\u12\"}]}",
	"{\"instances\":[]} trailing",
	"{\"instances\":[1,2,3]}",
	"{\"instances\":{\"name\":\"x\"}}",
	"[1,2]",
	"{\"a\":01}",
	"{\"a\":\"\x01 raw control character\"}",
	"{\"a\":tru}",
	"{\"a\" 1}",
	"{\"a\":1,}",
	"{\"a\":\"unterminated",
	"{\"a\":[1 2]}",
	"{\"a\":-}",
	"{\"a\":1.}",
	"{\"a\":1e}",
	"{\"a\":\"\\q\"}",
	"\"just a string\"",
	"{'a':1}",
	"{\"instances\":[],\"x\":nul",
	"{\"instances\":[{\"name\":\"ipc0\",\"counters\":{\"tx_msgs\":1}}]",
	NULL, /* deep nesting, built at run time */
	NULL, /* binary with NUL bytes, sent with its length */
};

#define MALFORMED_COUNT (sizeof(malformed) / sizeof(malformed[0]))

static void die(const char *what)
{
	fprintf(stderr, "fake-icmsgd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void add_fd(int fd, enum kind kind)
{
	if (nfds == MAX_FDS) {
		close(fd);
		return;
	}
	fds[nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
	kinds[nfds++] = kind;
}

static void drop_fd(size_t i)
{
	close(fds[i].fd);
	fds[i] = fds[--nfds];
	kinds[i] = kinds[nfds];
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(addr.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0)
		die(path);
	return fd;
}

static void send_bytes(int fd, const void *data, size_t len)
{
	/* Blocking: the client reads, or the test is broken anyway. */
	if (send(fd, data, len, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "fake-icmsgd: send: %s\n", strerror(errno));
}

static void send_str(int fd, const char *s)
{
	send_bytes(fd, s, strlen(s));
}

/* @s as the inside of a JSON string: the path comes from the test. */
static void json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, cap - n, "\\%c", c);
		else if (c < 0x20)
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

/* The name of the instance asked for as "status tricky": every kind of
 * escape, a surrogate pair and a tab, which icmsg-cli must show as \x09. */
#define TRICKY_NAME "tr\\u00efcky \\\"q\\\" \\\\ \\/ \\ud83d\\ude00 \\t"

static const char tricky_instance[] =
	"{\"name\":\"" TRICKY_NAME "\",\"state\":\"error\",\"variant\":null,"
	"\"bonded_since\":null,\"socket\":\"/nonexistent/tricky.sock\","
	"\"max_send\":null,\"max_recv\":null,"
	"\"counters\":{\"tx_msgs\":0,\"tx_bytes\":0,\"rx_msgs\":0,\"rx_bytes\":0,"
	"\"errors\":3,\"bonds\":0,\"unbinds\":0},"
	"\"clients\":[],"
	"\"error\":\"cannot open \\\"/dev/uio3\\\":\\nNo such file or directory\","
	"\"future\":{\"list\":[1,-2.5e3,true,false,null,{\"deep\":[[[]]]}],\"s\":\"}\"}}";

/* ipc0 as @name (one of ours, short) on @sock (NULL: INSTANCE-SOCKET),
 * with max_send @limit ("16", "null", ...). */
static void ipc0_instance(char *out, size_t cap, const char *name, const char *sock,
			  const char *limit)
{
	char path[512];

	json_escape(path, sizeof(path), sock ? sock : instance_path);
	snprintf(out, cap,
		 "{\"name\":\"%.16s\",\"state\":\"bound\",\"variant\":\"magic\","
		 "\"bonded_since\":1764080000.123,\"socket\":\"%s\",\"max_send\":%s,"
		 "\"max_recv\":2032,\"counters\":{\"tx_msgs\":12,\"tx_bytes\":345,"
		 "\"rx_msgs\":18446744073709551615,\"rx_bytes\":0,\"errors\":0,\"bonds\":1,"
		 "\"unbinds\":0,\"backpressure\":0,\"oversize\":0,\"clients_dropped\":0,"
		 "\"tx_ring_used\":100,\"rx_ring_used\":0,"
		 "\"tx_ring_high_water\":148,\"rx_ring_high_water\":36,\"tx_ring_size\":2040,"
		 "\"rx_ring_size\":2040},\"clients\":[{\"pid\":1234,\"uid\":1000,\"gid\":1000,"
		 "\"queued\":0},{\"pid\":5678,\"uid\":0,\"gid\":0,\"queued\":3}],\"error\":null}",
		 name, path, limit);
}

static void send_malformed(int fd, size_t k)
{
	static const char binary[] = { '{', '"', 'a', '"', ':', '\0', '\xff', '}' };
	size_t depth = 20000;
	char *deep;

	if (malformed[k]) {
		send_str(fd, malformed[k]);
		return;
	}
	if (k == MALFORMED_COUNT - 1) {
		send_bytes(fd, binary, sizeof(binary));
		return;
	}
	/* Deeper than any parser should recurse: it must refuse, not crash. */
	deep = malloc(depth + 1);
	if (!deep)
		die("malloc");
	memset(deep, '[', depth);
	deep[depth] = '\0';
	send_str(fd, deep);
	free(deep);
}

static void send_events(int fd)
{
	static const char *const events[] = {
		"{\"event\":\"bound\",\"instance\":\"ipc0\",\"variant\":\"magic\","
		"\"time\":1764080000.5}",
		"{\"event\":\"unbound\",\"instance\":\"ipc0\",\"reason\":\"ECONNRESET\","
		"\"time\":1764080001}",
		"{\"event\":\"error\",\"instance\":\"" TRICKY_NAME "\","
		"\"error\":\"cannot open \\\"/dev/uio3\\\":\\nNo such file\",\"time\":1}",
		"{\"time\":2,\"event\":\"client-error\",\"instance\":\"ipc0\",\"pid\":1234,"
		"\"error\":\"EMSGSIZE\",\"size\":200,\"max\":128}",
		"{\"event\":\"client-dropped\",\"instance\":\"ipc0\",\"pid\":99,\"queued\":1024,"
		"\"time\":3}",
		"{\"event\":\"reload\",\"instances\":2,\"time\":4}",
		"{\"event\":\"future-thing\",\"instance\":\"ipc0\","
		"\"extra\":{\"nested\":[1,2,{\"x\":null}]}}",
	};

	if (strcmp(mode, "bad-ack") == 0) {
		send_str(fd, "{\"error\":\"unknown request\"}");
		return;
	}
	send_str(fd, "{\"event\":\"subscribed\"}");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		send_str(fd, events[i]);
		if (i == 0 && strcmp(mode, "bad-event") == 0)
			send_str(fd, "{\"event\":\"bound\",\"instance\":");
	}
}

/* Answer one control request; return false to close the connection. */
static bool answer(int fd, const char *req)
{
	char inst[2048], reply[8192];
	const char *name;
	size_t k;

	say("request: %s", req);
	if (strcmp(mode, "silent") == 0)
		return true;
	if (strcmp(req, "subscribe") == 0) {
		send_events(fd);
		return strcmp(mode, "close-events") != 0;
	}
	if (strcmp(req, "status") == 0) {
		ipc0_instance(inst, sizeof(inst), "ipc0", NULL, "16");
		snprintf(reply, sizeof(reply),
			 "{\"version\":\"0.1.0\",\"pid\":4242,\"instances\":[%s,%s]}", inst,
			 tricky_instance);
		send_str(fd, reply);
		return true;
	}
	if (strncmp(req, "status ", 7) != 0) {
		send_str(fd, "{\"error\":\"unknown request\"}");
		return true;
	}
	name = req + 7;
	if (strcmp(name, "ipc0") == 0 || strcmp(name, "nolimit") == 0 ||
	    strcmp(name, "hugelimit") == 0 || strcmp(name, "unreachable") == 0) {
		ipc0_instance(inst, sizeof(inst), name,
			      strcmp(name, "unreachable") == 0 ? "/nonexistent/unreachable.sock"
							       : NULL,
			      strcmp(name, "nolimit") == 0	   ? "null"
			      : strcmp(name, "hugelimit") == 0 ? "4294967296"
							       : "16");
		snprintf(reply, sizeof(reply), "{\"version\":\"0.1.0\",\"instances\":[%s]}", inst);
		send_str(fd, reply);
	} else if (strcmp(name, "tricky") == 0) {
		snprintf(reply, sizeof(reply), "{\"version\":\"0.1.0\",\"instances\":[%s]}",
			 tricky_instance);
		send_str(fd, reply);
	} else if (strcmp(name, "weird") == 0) {
		send_str(fd, "{\"version\":\"0.1.0\",\"instances\":[{\"name\":\"weird\","
			     "\"state\":7,\"variant\":[\"magic\"],\"bonded_since\":-5,"
			     "\"counters\":{\"tx_msgs\":-1,\"rx_msgs\":1e400,"
			     "\"errors\":18446744073709551616,\"tx_ring_high_water\":-1,"
			     "\"tx_ring_used\":-1,\"rx_ring_used\":5,"
			     "\"tx_ring_size\":2040,\"rx_ring_high_water\":5,\"rx_ring_size\":\"x\"},"
			     "\"clients\":\"many\","
			     "\"error\":null}]}");
	} else if (strcmp(name, "nosocket") == 0) {
		send_str(fd, "{\"instances\":[{\"name\":\"nosocket\",\"state\":\"bound\"}]}");
	} else if (strncmp(name, "malformed-", 10) == 0 &&
		   (k = strtoul(name + 10, NULL, 10)) < MALFORMED_COUNT) {
		send_malformed(fd, k);
	} else {
		char esc[512];

		json_escape(esc, sizeof(esc), name);
		snprintf(reply, sizeof(reply),
			 "{\"error\":\"no such instance\",\"instance\":\"%s\"}", esc);
		send_str(fd, reply);
	}
	return true;
}

static void fan_out(const char *data, size_t len)
{
	for (size_t j = 0; j < nfds; j++)
		if (kinds[j] == INSTANCE_CLIENT)
			send_bytes(fds[j].fd, data, len);
}

int main(int argc, char **argv)
{
	static char buf[70000];
	int argi = 1;
	ssize_t n;

	if (argc == 2 && strcmp(argv[1], "--malformed-count") == 0) {
		printf("%zu\n", MALFORMED_COUNT);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--mode") == 0) {
		mode = argv[2];
		argi = 3;
	}
	if (argc - argi != 2) {
		fprintf(stderr, "usage: fake-icmsgd [--mode MODE] CONTROL-SOCKET "
				"INSTANCE-SOCKET\n");
		return 2;
	}
	instance_path = argv[argi + 1];
	add_fd(listen_on(argv[argi]), CONTROL_LISTENER);
	add_fd(listen_on(instance_path), INSTANCE_LISTENER);
	say("ready");

	for (;;) {
		if (poll(fds, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (size_t i = 0; i < nfds; i++) {
			int fd = fds[i].fd;

			if (!fds[i].revents)
				continue;
			fds[i].revents = 0;
			if (kinds[i] == CONTROL_LISTENER || kinds[i] == INSTANCE_LISTENER) {
				int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

				if (c < 0)
					continue;
				add_fd(c, kinds[i] == CONTROL_LISTENER ? CONTROL_CLIENT
									: INSTANCE_CLIENT);
				if (kinds[i] == INSTANCE_LISTENER) {
					/* Only a hang-up wakes us for it then. */
					if (strcmp(mode, "unbound") == 0)
						fds[nfds - 1].events = 0;
					say("connected");
				}
				continue;
			}
			if (kinds[i] == INSTANCE_CLIENT && strcmp(mode, "unbound") == 0) {
				drop_fd(i--);
				continue;
			}
			n = recv(fd, buf, sizeof(buf) - 1, 0);
			/* A client that closes with datagrams unread makes our
			 * next read fail with ECONNRESET once; what it sent
			 * before is still queued behind the error. */
			if (n < 0 && errno == ECONNRESET)
				continue;
			if (n <= 0) {
				drop_fd(i--);
				continue;
			}
			if (kinds[i] == INSTANCE_CLIENT) {
				fan_out(buf, (size_t)n);
				continue;
			}
			buf[n] = '\0';
			while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
				buf[--n] = '\0';
			if (!answer(fd, buf))
				drop_fd(i--);
		}
	}
}
