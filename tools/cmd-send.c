// SPDX-License-Identifier: MIT
/*
 * icmsg-cli send - wait for the bond, send messages from the command line
 * or stdin, and optionally read as many replies (every invocation opens its
 * own link, so an echo can only be read by the process that sent it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Slice of icmsg_link_send_timeout(): between slices we look at signals
 * and read replies, so that a peer blocked on its echo frees our ring. */
#define SEND_SLICE_MS 50

/* How often the tx ring is checked for having been read: a reader never
 * signals that it consumed a packet (spec 2.8). */
#define DRAIN_POLL_MS 5

struct sender {
	struct icmsg_link *link;
	bool hex;          /* arguments and stdin lines are hex */
	bool replies;      /* read one reply per message sent */
	int timeout_ms;
	uint8_t *rbuf;     /* reply buffer, max_recv bytes */
	size_t rcap;
	uint32_t max_send;
	size_t sent;       /* messages sent */
	size_t received;   /* replies printed */
};

static void print_help(void)
{
	printf("Usage: %s send [OPTIONS]... [MESSAGE]...\n", CLI_PROG);
	printf("\nWait for the instance to bond, then send each MESSAGE as one message\n"
	       "(its bytes, without a NUL). Without MESSAGE, send each line of stdin\n"
	       "(newline stripped, empty lines skipped). Returns once the peer has read\n"
	       "every message, since closing the link earlier could lose them.\n");
	printf("\nOptions:\n");
	printf(CLI_LINK_HELP);
	printf("  -x, --hex                  messages are hex bytes, e.g. \"01 02 ff\" or 01:02:ff\n");
	printf("  -r, --replies              then receive as many messages as were sent and\n"
	       "                             print them as 'recv' does\n");
	printf("  -t, --timeout MS           max wait for the bond, for ring space, for each\n"
	       "                             reply and for the peer to read the last message\n"
	       "                             (default: 5000)\n");
	printf("  -h, --help                 display this help and exit\n");
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
	int n;

	while (s->replies && s->received < s->sent) {
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

/* Send message @index; return an exit code. */
static int send_one(struct sender *s, size_t index, const uint8_t *data, size_t len)
{
	uint64_t deadline = cli_deadline(s->timeout_ms);
	int ret, left;

	for (;;) {
		left = cli_left_ms(deadline);
		ret = icmsg_link_send_timeout(s->link, data, len,
					      left > SEND_SLICE_MS ? SEND_SLICE_MS : left);
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
				 len, s->timeout_ms, icmsg_link_get_name(s->link));
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
	if (ret == -EMSGSIZE)
		cli_errf("message %zu is %zu bytes, more than the link's limit of %u bytes "
			 "(peer-rx-buf-size, ring size) -- '%s'",
			 index, len, s->max_send, icmsg_link_get_name(s->link));
	else
		cli_errf("sending message %zu failed: %s -- '%s'", index, strerror(-ret),
			 icmsg_link_get_name(s->link));
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
				 icmsg_link_get_name(s->link));
			return CLI_EXIT_ERROR;
		}
		if (cli_signalled()) {
			cli_err("interrupted while waiting for the peer to read", NULL);
			return CLI_EXIT_ERROR;
		}
		if (cli_left_ms(deadline) == 0) {
			cli_errf("the peer did not read all messages within %d ms -- '%s'",
				 s->timeout_ms, icmsg_link_get_name(s->link));
			return CLI_EXIT_TIMEOUT;
		}
	}
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
				 s->received, s->timeout_ms, s->received, s->sent,
				 icmsg_link_get_name(s->link));
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

int cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		{ "hex", no_argument, NULL, 'x' },
		{ "replies", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_link_opts lo = { 0 };
	struct sender s = { .timeout_ms = 5000 };
	struct icmsg_link_info info;
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
	/* Reject a bad MESSAGE before waiting for a bond. */
	for (int i = optind; i < argc; i++) {
		ret = decode(&s, argv[i], &data, &len, CLI_EXIT_USAGE);
		if (ret)
			return ret;
		free(data);
	}

	ret = cli_signals_init();
	if (ret < 0) {
		cli_errf("cannot set up signal handling: %s", strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	ret = cli_link_open(&lo, false, NULL, NULL, &s.link);
	if (ret)
		return ret;
	if (icmsg_link_get_info(s.link, &info) < 0 || info.max_recv == 0) {
		cli_err("cannot read the link's limits", icmsg_link_get_name(s.link));
		ret = CLI_EXIT_ERROR;
		goto out;
	}
	s.max_send = info.max_send;
	if (s.replies) {
		s.rcap = info.max_recv;
		s.rbuf = malloc(s.rcap);
		if (!s.rbuf) {
			cli_err("out of memory", NULL);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
	}

	ret = cli_wait_bound(s.link, s.timeout_ms);
	if (ret == -ETIMEDOUT) {
		cli_errf("not bound within %d ms (is the peer running, with the same unbound "
			 "mode and dcache-alignment?) -- '%s'",
			 s.timeout_ms, icmsg_link_get_name(s.link));
		ret = CLI_EXIT_TIMEOUT;
		goto out;
	}
	if (ret < 0) {
		if (ret == -EINTR)
			cli_err("interrupted while waiting for the bond", NULL);
		else
			cli_errf("waiting for the bond failed: %s -- '%s'", strerror(-ret),
				 icmsg_link_get_name(s.link));
		ret = CLI_EXIT_ERROR;
		goto out;
	}

	if (optind < argc)
		ret = send_args(&s, argv + optind, (size_t)(argc - optind));
	else
		ret = send_stdin(&s);
	if (ret == CLI_EXIT_OK && s.replies)
		ret = wait_replies(&s);
	if (ret == CLI_EXIT_OK)
		ret = wait_drained(&s);
out:
	icmsg_link_close(s.link);
	free(s.rbuf);
	return ret;
}
