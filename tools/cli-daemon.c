// SPDX-License-Identifier: MIT
/*
 * Talking to icmsgd (docs/icmsgd.md): the options that choose between the
 * daemon and --direct, SOCK_SEQPACKET helpers with deadlines, requests on
 * the control socket and the lookup of an instance's socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "cli-json.h"


static bool quiet_interrupts;

void cli_daemon_quiet_interrupts(bool quiet)
{
	quiet_interrupts = quiet;
}

/* A request cut short by SIGINT/SIGTERM; said unless the caller expects it. */
static void interrupted(const char *doing)
{
	if (!quiet_interrupts)
		cli_errf("interrupted while %s", doing);
}

int cli_daemon_option(struct cli_daemon_opts *d, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_DIRECT:
		d->direct = true;
		return 1;
	case CLI_OPT_CONTROL:
		d->control = arg;
		return 1;
	case CLI_OPT_SOCKET:
		d->socket = arg;
		return 1;
	default:
		return 0;
	}
}

int cli_daemon_check(const struct cli_daemon_opts *d, const struct cli_link_opts *o)
{
	const char *bad = NULL;

	if (d->direct) {
		if (d->control)
			bad = "--control";
		else if (d->socket)
			bad = "--socket";
		if (bad) {
			cli_err("option cannot be used with --direct", bad);
			return CLI_EXIT_USAGE;
		}
		return CLI_EXIT_OK;
	}
	/* The daemon owns the link and its configuration: these would be
	 * silently ignored, so say that they need --direct. */
	if (o->config)
		bad = "--config";
	else if (o->set_peer_rx_buf_size)
		bad = "--peer-rx-buf-size";
	else if (o->set_unbound)
		bad = "--unbound";
	if (bad) {
		cli_err("option needs --direct", bad);
		return CLI_EXIT_USAGE;
	}
	if (d->socket && !*d->socket) {
		cli_err("empty socket path", "");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

const char *cli_control_path(const char *opt)
{
	const char *env;

	if (opt)
		return opt;
	env = getenv("ICMSG_CONTROL");
	return env && *env ? env : CLI_CONTROL_DEFAULT;
}

void cli_print_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* ------------------------------------------------------------------------ */
/* SOCK_SEQPACKET with deadlines                                            */

int cli_seq_connect(const char *path, int timeout_ms, int *ret_fd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd, err;

	*ret_fd = -1;
	if (len == 0)
		return -ENOENT;
	if (len >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, len);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A Unix socket cannot be polled for a pending connect: non-blocking
	 * it fails with EAGAIN while the listener's backlog is full. Blocking,
	 * the kernel waits for room up to SO_SNDTIMEO, which bounds it. */
	if (timeout_ms >= 0) {
		int ms = timeout_ms > 0 ? timeout_ms : 1; /* 0 would mean forever */
		struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
			goto err;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == EAGAIN || errno == EINPROGRESS)
			errno = ETIMEDOUT;
		goto err;
	}
	/* From here on every wait is a poll() that also watches signals. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		goto err;
	*ret_fd = fd;
	return 0;
err:
	err = -errno;
	close(fd);
	return err;
}

int cli_seq_send(int fd, const void *data, size_t len, uint64_t deadline)
{
	short revents;
	int ret;

	for (;;) {
		/* MSG_NOSIGNAL: a daemon that went away is an error to report,
		 * not a reason to die. */
		if (send(fd, data, len, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET || errno == ENOTCONN ? -EPIPE : -errno;
		if (cli_left_ms(deadline) == 0)
			return -ETIMEDOUT;
		ret = cli_wait_fd(fd, POLLOUT, cli_left_ms(deadline), &revents);
		if (ret < 0)
			return ret;
		if (ret == CLI_WAIT_SIGNAL)
			return -EINTR;
	}
}

ssize_t cli_seq_recv(int fd, struct cli_buf *buf, uint64_t deadline)
{
	short revents = 0;
	ssize_t n;
	int ret;

	for (;;) {
		/* MSG_TRUNC with MSG_PEEK gives the datagram's full length, so
		 * the buffer can grow to fit before it is taken. */
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (n > 0) {
			if ((size_t)n + 1 > buf->cap) {
				char *p = realloc(buf->data, (size_t)n + 1);

				if (!p)
					return -ENOMEM;
				buf->data = p;
				buf->cap = (size_t)n + 1;
			}
			n = recv(fd, buf->data, buf->cap, 0);
			if (n > 0) {
				buf->data[n] = '\0';
				return n;
			}
		}
		if (n == 0) {
			/* EOF and a zero-length datagram read alike; the peer
			 * never sends the latter (ICMsg has no empty messages,
			 * replies are JSON), so after a hang-up it is EOF. */
			if (revents & (POLLHUP | POLLRDHUP))
				return -EPIPE;
			/* Consume the empty datagram if that is what it was. */
			if (recv(fd, NULL, 0, 0) < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
		} else if (errno == ECONNRESET) {
			return -EPIPE;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return -errno;
		}
		if (cli_left_ms(deadline) == 0)
			return -ETIMEDOUT;
		ret = cli_wait_fd(fd, POLLIN | POLLRDHUP, cli_left_ms(deadline), &revents);
		if (ret < 0)
			return ret;
		if (ret == CLI_WAIT_SIGNAL)
			return -EINTR;
		if (ret == CLI_WAIT_TIMEOUT)
			revents = 0;
	}
}

/* ------------------------------------------------------------------------ */
/* The control socket                                                       */

int cli_control_connect(const char *path, int timeout_ms, int *ret_fd)
{
	int err = cli_seq_connect(path, timeout_ms, ret_fd);

	if (err == 0)
		return CLI_EXIT_OK;
	if (err == -ETIMEDOUT) {
		cli_errf("icmsgd at %s did not accept the connection within %d ms", path,
			 timeout_ms);
		return CLI_EXIT_TIMEOUT;
	}
	if (err == -EINTR) {
		interrupted("connecting to icmsgd");
		return CLI_EXIT_ERROR;
	}
	/* The first thing a user needs to know: nothing listens there. */
	if (err == -ENOENT || err == -ECONNREFUSED)
		cli_errf("cannot reach icmsgd at %s: %s (is icmsgd running?)", path,
			 strerror(-err));
	else
		cli_errf("cannot reach icmsgd at %s: %s", path, strerror(-err));
	return CLI_EXIT_ERROR;
}

/* Print a top-level "error" of a control reply; return true if there was one. */
static bool reply_error(const struct cli_json *reply)
{
	const struct cli_json *e = cli_json_get(reply, "error");
	const char *what, *inst;

	if (!e || cli_json_is(e, CLI_JSON_NULL))
		return false;
	what = cli_json_string(e);
	inst = cli_json_string(cli_json_get(reply, "instance"));
	fprintf(stderr, "%s: icmsgd: ", CLI_PROG);
	cli_print_safe(stderr, what ? what : "error");
	if (inst) {
		fputs(" -- '", stderr);
		cli_print_safe(stderr, inst);
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
	return true;
}

int cli_control_parse(const char *path, const char *text, size_t len, bool check_error,
		      struct cli_json **ret)
{
	struct cli_json *reply;
	const char *why;
	size_t off;
	int err;

	err = cli_json_parse(text, len, &reply, &why, &off);
	if (err == -ENOMEM) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	if (err < 0) {
		cli_errf("malformed reply from icmsgd: %s at byte %zu -- '%s'", why, off, path);
		return CLI_EXIT_ERROR;
	}
	if (!cli_json_is(reply, CLI_JSON_OBJECT)) {
		cli_errf("malformed reply from icmsgd: not a JSON object -- '%s'", path);
		cli_json_free(reply);
		return CLI_EXIT_ERROR;
	}
	if (check_error && reply_error(reply)) {
		cli_json_free(reply);
		return CLI_EXIT_ERROR;
	}
	*ret = reply;
	return CLI_EXIT_OK;
}

int cli_control_read(int fd, const char *path, int timeout_ms, uint64_t deadline,
		     struct cli_buf *buf, size_t *ret_len, struct cli_json **ret)
{
	ssize_t n;
	int code;

	n = cli_seq_recv(fd, buf, deadline);
	if (n == -ETIMEDOUT) {
		cli_errf("no reply from icmsgd within %d ms -- '%s'", timeout_ms, path);
		return CLI_EXIT_TIMEOUT;
	}
	if (n == -EINTR) {
		interrupted("waiting for icmsgd");
		return CLI_EXIT_ERROR;
	}
	if (n == -EPIPE) {
		cli_errf("icmsgd closed the control connection -- '%s'", path);
		return CLI_EXIT_ERROR;
	}
	if (n < 0) {
		cli_errf("cannot read from icmsgd: %s -- '%s'", strerror((int)-n), path);
		return CLI_EXIT_ERROR;
	}
	code = cli_control_parse(path, buf->data, (size_t)n, true, ret);
	if (code == CLI_EXIT_OK)
		*ret_len = (size_t)n;
	return code;
}

int cli_control_request(const char *path, const char *request, int timeout_ms,
			struct cli_buf *buf, size_t *ret_len, struct cli_json **ret)
{
	uint64_t deadline = cli_deadline(timeout_ms);
	int fd, ret_code, err;

	ret_code = cli_control_connect(path, timeout_ms, &fd);
	if (ret_code)
		return ret_code;
	err = cli_seq_send(fd, request, strlen(request), deadline);
	if (err == -ETIMEDOUT) {
		cli_errf("icmsgd did not take the request within %d ms -- '%s'", timeout_ms, path);
		ret_code = CLI_EXIT_TIMEOUT;
	} else if (err == -EINTR) {
		interrupted("talking to icmsgd");
		ret_code = CLI_EXIT_ERROR;
	} else if (err < 0) {
		cli_errf("cannot send to icmsgd: %s -- '%s'", strerror(-err), path);
		ret_code = CLI_EXIT_ERROR;
	} else {
		ret_code = cli_control_read(fd, path, timeout_ms, deadline, buf, ret_len, ret);
	}
	close(fd);
	return ret_code;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                */

int cli_instance_lookup(const struct cli_daemon_opts *d, const char *name, int timeout_ms,
			bool verbose, struct cli_instance_addr *ret)
{
	const char *path = cli_control_path(d->control), *sock;
	const struct cli_json *inst = NULL, *list;
	struct cli_buf buf = { 0 };
	struct cli_json *reply;
	char *request;
	size_t len;
	int code;

	memset(ret, 0, sizeof(*ret));
	if (d->socket) {
		ret->socket = strdup(d->socket);
		if (!ret->socket) {
			cli_err("out of memory", NULL);
			return CLI_EXIT_ERROR;
		}
		return CLI_EXIT_OK;
	}
	/* The request is a line of words: a name with blanks in it would
	 * become more words. */
	if (name[strcspn(name, " \t\r\n")]) {
		cli_err("invalid instance name", name);
		return CLI_EXIT_USAGE;
	}
	if (asprintf(&request, "status %s", name) < 0) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	code = cli_control_request(path, request, timeout_ms, &buf, &len, &reply);
	free(request);
	free(buf.data);
	if (code)
		return code;
	/* The reply holds just this instance; still match the name, so that
	 * a daemon answering with all of them is not misread. */
	list = cli_json_get(reply, "instances");
	for (const struct cli_json *i = list ? list->child : NULL; i; i = i->next) {
		const char *n = cli_json_string(cli_json_get(i, "name"));

		if (n && strcmp(n, name) == 0) {
			inst = i;
			break;
		}
	}
	if (!cli_json_is(list, CLI_JSON_ARRAY) || !inst) {
		cli_errf("malformed reply from icmsgd: no instance '%s' in it -- '%s'", name,
			 path);
		code = CLI_EXIT_ERROR;
		goto out;
	}
	sock = cli_json_string(cli_json_get(inst, "socket"));
	if (!sock || !*sock) {
		cli_errf("icmsgd reports no socket for instance '%s' -- '%s'", name, path);
		code = CLI_EXIT_ERROR;
		goto out;
	}
	/* Only a check made on our side; the daemon enforces the limit too.
	 * No ICMsg message is larger than its 16-bit length field, and the
	 * senders allocate max_send bytes: a larger value is a broken reply. */
	if (!cli_json_u64(cli_json_get(inst, "max_send"), &ret->max_send))
		ret->max_send = 0;
	if (ret->max_send > 65535) {
		cli_errf("malformed reply from icmsgd: max_send of instance '%s' is %llu, more "
			 "than an ICMsg message holds (65535) -- '%s'",
			 name, (unsigned long long)ret->max_send, path);
		code = CLI_EXIT_ERROR;
		goto out;
	}
	ret->socket = strdup(sock);
	if (!ret->socket) {
		cli_err("out of memory", NULL);
		code = CLI_EXIT_ERROR;
		goto out;
	}
	if (verbose) {
		fprintf(stderr, "%s: instance '%s': socket ", CLI_PROG, name);
		cli_print_safe(stderr, sock);
		if (ret->max_send)
			fprintf(stderr, ", max_send %llu", (unsigned long long)ret->max_send);
		fputc('\n', stderr);
	}
out:
	cli_json_free(reply);
	return code;
}

int cli_instance_connect(const struct cli_instance_addr *addr, const char *label,
			 int timeout_ms, int *ret_fd)
{
	int err = cli_seq_connect(addr->socket, timeout_ms, ret_fd);

	if (err == 0)
		return CLI_EXIT_OK;
	if (err == -ETIMEDOUT) {
		cli_errf("the socket of instance '%s' did not accept within %d ms -- '%s'", label,
			 timeout_ms, addr->socket);
		return CLI_EXIT_TIMEOUT;
	}
	if (err == -EINTR) {
		interrupted("connecting");
		return CLI_EXIT_ERROR;
	}
	cli_errf("cannot connect to the socket of instance '%s': %s -- '%s'", label,
		 strerror(-err), addr->socket);
	return CLI_EXIT_ERROR;
}
