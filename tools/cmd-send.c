// SPDX-License-Identifier: MIT
/*
 * icmsg-cli send - send messages from the command line or stdin, and
 * optionally read as many replies. By default through icmsgd: one datagram
 * per message on the instance's socket (docs/icmsgd.md). With --direct the
 * command opens the link itself, waits for the bond and returns once the
 * peer has read everything (every invocation has its own link then, so an
 * echo can only be read by the process that sent it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

/* Slice of a blocked send: between slices we look at signals and read
 * replies, so that a peer blocked on its echo frees our ring (or, through
 * the daemon, our socket's queue). */
#define SEND_SLICE_MS 50

/* How often the tx ring is checked for having been read: a reader never
 * signals that it consumed a packet (spec 2.8). */
#define DRAIN_POLL_MS 5

struct sender {
	struct icmsg_link *link; /* --direct, else NULL */
	int fd;            /* the instance socket of icmsgd, else -1 */
	const char *label; /* the instance in messages (daemon mode) */
	bool hex;          /* arguments and stdin lines are hex */
	bool replies;      /* read one reply per message sent */
	int timeout_ms;
	uint8_t *rbuf;     /* reply buffer, max_recv bytes (--direct) */
	size_t rcap;
	struct cli_buf dbuf; /* reply buffer (daemon mode) */
	uint64_t max_send; /* 0: unknown (--socket) */
	size_t sent;       /* messages sent */
	size_t received;   /* replies printed */
};

static void print_help(void)
{
	printf("Usage: %s send [OPTIONS]... INSTANCE [MESSAGE]...\n", CLI_PROG);
	printf("       %s send [OPTIONS]... --socket PATH [MESSAGE]...\n", CLI_PROG);
	printf("       %s send --direct [OPTIONS]... [INSTANCE] [MESSAGE]...\n", CLI_PROG);
	printf("\nSend each MESSAGE as one message (its bytes, without a NUL). Without\n"
	       "MESSAGE, send each line of stdin (newline stripped, empty lines skipped).\n");
	printf("\nBy default the messages go through icmsgd: the control socket names the\n"
	       "instance's socket and its max_send (larger messages are refused here),\n"
	       "and each message is sent there as one datagram. send returns once icmsgd\n"
	       "has taken them all, which it does while the link is bound.\n");
	printf("\nWith --direct, open the link with libicmsg instead: wait for the bond,\n"
	       "and return once the peer has read every message, since closing the link\n"
	       "earlier could lose them. A first argument that names an instance of the\n"
	       "configuration is INSTANCE (use --instance to be explicit).\n");
	printf("\nOptions:\n");
	printf("  -x, --hex                  messages are hex bytes, e.g. \"01 02 ff\" or 01:02:ff\n");
	printf("  -r, --replies              then receive as many messages as were sent and\n"
	       "                             print them as 'recv' does\n");
	printf("  -t, --timeout MS           max wait for icmsgd, for room to send, for each\n"
	       "                             reply, for icmsgd (with --direct: the peer) to\n"
	       "                             take the last message; with --direct for the\n"
	       "                             bond (default: 5000)\n");
	printf("  -h, --help                 display this help and exit\n");
	printf("\nThrough icmsgd:\n");
	printf(CLI_DAEMON_HELP);
	printf("\nWith --direct:\n");
	printf(CLI_DIRECT_HELP);
}

/* The instance, for messages. */
static const char *name_of(const struct sender *s)
{
	return s->link ? icmsg_link_get_name(s->link) : s->label;
}

static void print_reply(const struct sender *s, const uint8_t *data, size_t len)
{
	if (s->hex)
		cli_print_hex(stdout, data, len, " ");
	else
		cli_print_text(stdout, data, len);
	fputc('\n', stdout);
	fflush(stdout);
}

/*
 * Print the replies already in the ring, without waiting.
 * Return: 0 or a negative errno.
 */
static int take_replies(struct sender *s)
{
	ssize_t len;
	int n;

	while (s->replies && s->received < s->sent && !s->link) {
		/* A deadline of now: take what is queued, wait for nothing. */
		len = cli_seq_recv(s->fd, &s->dbuf, cli_deadline(0));
		if (len == -ETIMEDOUT || len == -EINTR)
			return 0;
		if (len < 0)
			return (int)len;
		print_reply(s, (const uint8_t *)s->dbuf.data, (size_t)len);
		s->received++;
	}
	while (s->replies && s->received < s->sent && s->link) {
		n = icmsg_link_try_recv(s->link, s->rbuf, s->rcap);
		if (n == -EAGAIN || n == -EBUSY || n == -ENOTCONN)
			return 0;
		if (n < 0)
			return n;
		print_reply(s, s->rbuf, (size_t)n);
		s->received++;
	}
	return 0;
}

/* Refuse a message the instance cannot take; return an exit code. */
static int check_size(const struct sender *s, size_t index, size_t len)
{
	if (s->link || !s->max_send || len <= s->max_send)
		return CLI_EXIT_OK;
	/* The daemon would drop it and only report it as an event. */
	cli_errf("message %zu is %zu bytes, more than the instance's limit of %llu bytes "
		 "(max_send) -- '%s'",
		 index, len, (unsigned long long)s->max_send, s->label);
	return CLI_EXIT_ERROR;
}

/* One try of at most @slice_ms; -ETIMEDOUT if there was no room (or a
 * signal came, which the caller checks). */
static int try_send(struct sender *s, const uint8_t *data, size_t len, int slice_ms)
{
	int ret;

	if (s->link)
		return icmsg_link_send_timeout(s->link, data, len, slice_ms);
	ret = cli_seq_send(s->fd, data, len, cli_deadline(slice_ms));
	return ret == -EINTR ? -ETIMEDOUT : ret;
}

/* Send message @index; return an exit code. */
static int send_one(struct sender *s, size_t index, const uint8_t *data, size_t len)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	int ret, left;

	ret = check_size(s, index, len);
	if (ret)
		return ret;
	for (;;) {
		left = cli_left_ms(deadline);
		ret = try_send(s, data, len, left > SEND_SLICE_MS ? SEND_SLICE_MS : left);
		if (ret >= 0)
			break;
		if (ret != -ETIMEDOUT)
			goto err;
		if (cli_signalled()) {
			cli_errf("interrupted while sending message %zu", index);
			return CLI_EXIT_ERROR;
		}
		if (cli_left_ms(deadline) == 0) {
			cli_errf("no room for message %zu (%zu bytes) within %d ms -- '%s'", index,
				 len, s->timeout_ms, name_of(s));
			return CLI_EXIT_TIMEOUT;
		}
		ret = take_replies(s);
		if (ret < 0)
			goto err;
	}
	s->sent++;
	ret = take_replies(s);
	if (ret < 0)
		goto err;
	return CLI_EXIT_OK;

err:
	if (ret == -EMSGSIZE && s->link)
		cli_errf("message %zu is %zu bytes, more than the link's limit of %llu bytes "
			 "(peer-rx-buf-size, ring size) -- '%s'",
			 index, len, (unsigned long long)s->max_send, name_of(s));
	else if (ret == -EPIPE && !s->link)
		cli_errf("icmsgd closed the connection at message %zu -- '%s'", index,
			 name_of(s));
	else
		cli_errf("sending message %zu failed: %s -- '%s'", index, strerror(-ret),
			 name_of(s));
	return CLI_EXIT_ERROR;
}

/* Decode one MESSAGE argument or stdin line; return an exit code. */
static int decode(const struct sender *s, const char *text, uint8_t **ret, size_t *ret_len,
		  int bad_exit)
{
	const char *why;
	int err;

	if (!s->hex) {
		*ret_len = strlen(text);
		if (*ret_len == 0) {
			cli_err("empty message (ICMsg has no zero-length messages)", text);
			return bad_exit;
		}
		*ret = (uint8_t *)strdup(text);
		err = *ret ? 0 : -ENOMEM;
	} else {
		err = cli_parse_hex(text, ret, ret_len, &why);
		if (err == -EINVAL) {
			cli_errf("invalid hex message (%s) -- '%s'", why, text);
			return bad_exit;
		}
	}
	if (err < 0) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

static int send_args(struct sender *s, char **msgs, size_t count)
{
	uint8_t *data;
	size_t len;
	int ret;

	/* All sizes first: a refused message should not leave the ones
	 * before it sent. */
	for (size_t i = 0; i < count; i++) {
		ret = decode(s, msgs[i], &data, &len, CLI_EXIT_USAGE);
		if (ret)
			return ret;
		free(data);
		ret = check_size(s, i, len);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < count; i++) {
		/* Checked before the link opened; cannot fail but for memory. */
		ret = decode(s, msgs[i], &data, &len, CLI_EXIT_USAGE);
		if (ret)
			return ret;
		ret = send_one(s, i, data, len);
		free(data);
		if (ret)
			return ret;
	}
	return CLI_EXIT_OK;
}

static int send_stdin(struct sender *s)
{
	char *line = NULL;
	size_t size = 0, index = 0, len;
	uint8_t *data;
	ssize_t n;
	int ret = CLI_EXIT_OK;

	while ((n = getline(&line, &size, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (memchr(line, '\0', (size_t)n)) {
			cli_errf("line %zu of stdin holds a NUL byte", index + 1);
			ret = CLI_EXIT_ERROR;
			break;
		}
		ret = decode(s, line, &data, &len, CLI_EXIT_ERROR);
		if (ret)
			break;
		ret = send_one(s, index++, data, len);
		free(data);
		if (ret)
			break;
	}
	if (ret == CLI_EXIT_OK && ferror(stdin)) {
		if (cli_signalled())
			cli_err("interrupted while reading stdin", NULL);
		else
			cli_errf("cannot read stdin: %s", strerror(errno));
		ret = CLI_EXIT_ERROR;
	}
	free(line);
	return ret;
}

/*
 * Wait until the peer has read everything we sent; return an exit code.
 * Closing earlier would lose what is still in the ring: in enable/detect
 * mode the peer drops packets it reads after our session ended (spec 3.3),
 * and in disable mode the next client's tx_init erases them (3.2).
 */
static int wait_drained(struct sender *s)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	int left, ret;

	for (;;) {
		/* Short slices, so that SIGINT is noticed. */
		left = cli_left_ms(deadline);
		ret = icmsg_link_flush(s->link, left >= 0 && left < DRAIN_POLL_MS ? left
										   : DRAIN_POLL_MS);
		if (ret == 0)
			return CLI_EXIT_OK;
		if (ret != -ETIMEDOUT) {
			cli_errf("the peer did not read all messages: %s -- '%s'", strerror(-ret),
				 name_of(s));
			return CLI_EXIT_ERROR;
		}
		if (cli_signalled()) {
			cli_err("interrupted while waiting for the peer to read", NULL);
			return CLI_EXIT_ERROR;
		}
		if (cli_left_ms(deadline) == 0) {
			cli_errf("the peer did not read all messages within %d ms -- '%s'",
				 s->timeout_ms, name_of(s));
			return CLI_EXIT_TIMEOUT;
		}
	}
}

/* Through icmsgd: wait for the replies not printed yet; return an exit code. */
static int wait_replies_daemon(struct sender *s)
{
	ssize_t len;

	while (s->received < s->sent) {
		/* Per reply, as with --direct. */
		len = cli_seq_recv(s->fd, &s->dbuf, cli_deadline(s->timeout_ms));
		if (len == -ETIMEDOUT) {
			cli_errf("no reply %zu within %d ms (%zu of %zu received) -- '%s'",
				 s->received, s->timeout_ms, s->received, s->sent, s->label);
			return CLI_EXIT_TIMEOUT;
		}
		if (len == -EINTR) {
			cli_err("interrupted while waiting for replies", NULL);
			return CLI_EXIT_ERROR;
		}
		if (len == -EPIPE) {
			cli_errf("icmsgd closed the connection before reply %zu -- '%s'",
				 s->received, s->label);
			return CLI_EXIT_ERROR;
		}
		if (len < 0) {
			cli_errf("receiving reply %zu failed: %s -- '%s'", s->received,
				 strerror((int)-len), s->label);
			return CLI_EXIT_ERROR;
		}
		print_reply(s, (const uint8_t *)s->dbuf.data, (size_t)len);
		s->received++;
	}
	return CLI_EXIT_OK;
}

/* Wait for the replies not printed yet; return an exit code. */
static int wait_replies(struct sender *s)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	int ret;

	while (s->received < s->sent) {
		size_t before = s->received;

		ret = take_replies(s);
		if (ret < 0) {
			cli_errf("receiving reply %zu failed: %s", s->received, strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (s->received != before)
			deadline = cli_deadline(s->timeout_ms); /* per reply */
		if (s->received == s->sent)
			break;
		if (cli_left_ms(deadline) == 0) {
			cli_errf("no reply %zu within %d ms (%zu of %zu received) -- '%s'",
				 s->received, s->timeout_ms, s->received, s->sent, name_of(s));
			return CLI_EXIT_TIMEOUT;
		}
		ret = cli_wait(s->link, cli_left_ms(deadline));
		if (ret < 0) {
			cli_errf("processing link %s failed: %s", icmsg_link_get_name(s->link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (ret == CLI_WAIT_SIGNAL) {
			cli_err("interrupted while waiting for replies", NULL);
			return CLI_EXIT_ERROR;
		}
	}
	return CLI_EXIT_OK;
}

/*
 * Through icmsgd: wait until the daemon has taken every message we sent;
 * return an exit code. We shut our sending side down; icmsgd reads up to
 * that end of file and then closes the connection. Meanwhile we read and
 * drop what it fans out to us: closing with datagrams unread would make
 * its next read of our socket fail with ECONNRESET, ahead of messages of
 * ours still queued, which a daemon may take for a disconnect.
 */
static int wait_taken(struct sender *s)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	ssize_t n;

	if (shutdown(s->fd, SHUT_WR) < 0) {
		cli_errf("cannot end the connection to icmsgd: %s -- '%s'", strerror(errno),
			 s->label);
		return CLI_EXIT_ERROR;
	}
	for (;;) {
		n = cli_seq_recv(s->fd, &s->dbuf, deadline);
		if (n == -EPIPE)
			return CLI_EXIT_OK;
		if (n == -ETIMEDOUT) {
			/* Still queued in the socket: icmsgd reads them later
			 * if it reads on after our close, as it should. */
			cli_errf("icmsgd has not taken all messages within %d ms (is the link "
				 "bound?) -- '%s'",
				 s->timeout_ms, s->label);
			return CLI_EXIT_TIMEOUT;
		}
		if (n == -EINTR) {
			cli_err("interrupted while waiting for icmsgd to take the messages", NULL);
			return CLI_EXIT_ERROR;
		}
		if (n < 0) {
			cli_errf("cannot read from icmsgd: %s -- '%s'", strerror((int)-n),
				 s->label);
			return CLI_EXIT_ERROR;
		}
	}
}

/* --direct: open the link, wait for the bond, send; return an exit code. */
static int send_direct(struct sender *s, const struct cli_link_opts *lo, char **msgs,
		       size_t count)
{
	struct icmsg_link_info info;
	int ret;

	ret = cli_link_open(lo, false, NULL, NULL, &s->link);
	if (ret)
		return ret;
	if (icmsg_link_get_info(s->link, &info) < 0 || info.max_recv == 0) {
		cli_err("cannot read the link's limits", icmsg_link_get_name(s->link));
		ret = CLI_EXIT_ERROR;
		goto out;
	}
	s->max_send = info.max_send;
	if (s->replies) {
		s->rcap = info.max_recv;
		s->rbuf = malloc(s->rcap);
		if (!s->rbuf) {
			cli_err("out of memory", NULL);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
	}

	ret = cli_wait_bound(s->link, s->timeout_ms);
	if (ret == -ETIMEDOUT) {
		cli_errf("not bound within %d ms (is the peer running, with the same unbound "
			 "mode and dcache-alignment?) -- '%s'",
			 s->timeout_ms, icmsg_link_get_name(s->link));
		ret = CLI_EXIT_TIMEOUT;
		goto out;
	}
	if (ret < 0) {
		if (ret == -EINTR)
			cli_err("interrupted while waiting for the bond", NULL);
		else
			cli_errf("waiting for the bond failed: %s -- '%s'", strerror(-ret),
				 icmsg_link_get_name(s->link));
		ret = CLI_EXIT_ERROR;
		goto out;
	}

	if (count)
		ret = send_args(s, msgs, count);
	else
		ret = send_stdin(s);
	if (ret == CLI_EXIT_OK && s->replies)
		ret = wait_replies(s);
	if (ret == CLI_EXIT_OK)
		ret = wait_drained(s);
out:
	icmsg_link_close(s->link);
	free(s->rbuf);
	return ret;
}

/* Through icmsgd: look the instance up, connect, send; return an exit code. */
static int send_daemon(struct sender *s, const struct cli_daemon_opts *d, bool verbose,
		       char **msgs, size_t count)
{
	struct cli_instance_addr addr;
	int ret;

	ret = cli_instance_lookup(d, s->label, s->timeout_ms, verbose, &addr);
	if (ret)
		return ret;
	s->max_send = addr.max_send;
	ret = cli_instance_connect(&addr, s->label, s->timeout_ms, &s->fd);
	free(addr.socket);
	if (ret)
		return ret;

	if (count)
		ret = send_args(s, msgs, count);
	else
		ret = send_stdin(s);
	if (ret == CLI_EXIT_OK && s->replies)
		ret = wait_replies_daemon(s);
	if (ret == CLI_EXIT_OK)
		ret = wait_taken(s);
	close(s->fd);
	free(s->dbuf.data);
	return ret;
}

int cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		CLI_DAEMON_LONGOPTS,
		{ "hex", no_argument, NULL, 'x' },
		{ "replies", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_link_opts lo = { 0 };
	struct cli_daemon_opts d = { 0 };
	struct sender s = { .fd = -1, .timeout_ms = 5000 };
	uint8_t *data;
	size_t len;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":" CLI_LINK_SHORTOPTS "xrt:h", longopts,
				  NULL)) != -1) {
		ret = cli_link_option(&lo, opt, optarg);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		if (cli_daemon_option(&d, opt, optarg))
			continue;
		switch (opt) {
		case 'x':
			s.hex = true;
			break;
		case 'r':
			s.replies = true;
			break;
		case 't':
			if (cli_parse_ms(optarg, "timeout", &s.timeout_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(opt, argv, longopts);
		}
	}
	ret = cli_daemon_check(&d, &lo);
	if (ret)
		return ret;
	if (d.direct) {
		cli_direct_instance(&lo, argc, argv, &optind);
	} else if (d.socket) {
		s.label = lo.instance ? lo.instance : d.socket;
	} else if (lo.instance) {
		s.label = lo.instance;
	} else if (optind < argc) {
		s.label = argv[optind++];
	} else {
		cli_err("missing INSTANCE (or --socket PATH), see 'icmsg-cli send --help'", NULL);
		return CLI_EXIT_USAGE;
	}
	if (s.label && !*s.label) {
		cli_err("empty instance name", "");
		return CLI_EXIT_USAGE;
	}
	/* Reject a bad MESSAGE before waiting for a bond or the daemon. */
	for (int i = optind; i < argc; i++) {
		ret = decode(&s, argv[i], &data, &len, CLI_EXIT_USAGE);
		if (ret)
			return ret;
		free(data);
	}

	ret = cli_signals_init();
	if (ret)
		return ret;
	if (d.direct)
		return send_direct(&s, &lo, argv + optind, (size_t)(argc - optind));
	return send_daemon(&s, &d, lo.verbose, argv + optind, (size_t)(argc - optind));
}
