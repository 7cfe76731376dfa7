// SPDX-License-Identifier: MIT
/*
 * icmsg-cli recv - print every received message: by default as a client of
 * icmsgd's instance socket (one datagram per message, docs/icmsgd.md), with
 * --direct on a link of its own once it is bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
	OPT_RAW = CLI_OPT_CMD_BASE,
};

static void print_help(void)
{
	printf("Usage: %s recv [OPTIONS]... INSTANCE\n", CLI_PROG);
	printf("       %s recv [OPTIONS]... --socket PATH\n", CLI_PROG);
	printf("       %s recv --direct [OPTIONS]... [INSTANCE]\n", CLI_PROG);
	printf("\nPrint each received message on one line: printable ASCII as is,\n"
	       "backslash and other bytes as \\xNN; with --raw, write its bytes as they\n"
	       "are, for a pipe. By default as a client of icmsgd, which hands every\n"
	       "client every message from the moment it connected. With --direct, open\n"
	       "the link with libicmsg and wait for the bond.\n"
	       "Exits 0 after --count messages or on SIGINT/SIGTERM, 3 on timeout, 1 if\n"
	       "icmsgd closes the connection.\n");
	printf("\nOptions:\n");
	printf("  -x, --hex                  print messages as hex bytes (\"01 02 ff\")\n");
	printf("      --raw                  write each message's bytes to stdout unframed:\n"
	       "                             no newline, no escapes (what 'send --raw' split\n"
	       "                             comes out whole)\n");
	printf(CLI_TIMESTAMP_HELP);
	printf("  -n, --count N              exit after N messages\n");
	printf("  -t, --timeout MS           max wait for each message, the bond included\n"
	       "                             (default: wait forever)\n");
	printf("  -h, --help                 display this help and exit\n");
	printf("\nThrough icmsgd:\n");
	printf(CLI_DAEMON_HELP);
	printf("\nWith --direct:\n");
	printf(CLI_DIRECT_HELP);
}

/** struct printer - how received messages are written to stdout. */
struct printer {
	bool hex;
	bool raw;
	enum cli_timestamp ts;
};

/* Write one message, flushed: a pipe reader sees each message now. Return
 * an exit code. */
static int print_message(const struct printer *p, const void *data, size_t len)
{
	if (p->raw) {
		fwrite(data, 1, len, stdout);
	} else {
		cli_print_timestamp(stdout, p->ts);
		if (p->hex)
			cli_print_hex(stdout, data, len, " ");
		else
			cli_print_text(stdout, data, len);
		fputc('\n', stdout);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_errf("cannot write to stdout: %s", strerror(errno));
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

static int receive(struct icmsg_link *link, const struct printer *p, uint32_t count,
		   int timeout_ms, uint8_t *buf, size_t cap)
{
	uint64_t deadline = cli_deadline(timeout_ms), got = 0;
	int n, ret;

	for (;;) {
		n = icmsg_link_try_recv(link, buf, cap);
		if (n > 0) {
			if (print_message(p, buf, (size_t)n))
				return CLI_EXIT_ERROR;
			if (count && ++got >= count)
				return CLI_EXIT_OK;
			deadline = cli_deadline(timeout_ms);
			continue;
		}
		if (n != -EAGAIN && n != -EBUSY && n != -ENOTCONN) {
			cli_errf("receive failed: %s -- '%s'", strerror(-n),
				 icmsg_link_get_name(link));
			return CLI_EXIT_ERROR;
		}
		/* Not bound (any more): keep bonding, messages may follow. */
		ret = cli_keep_alive(link);
		if (ret < 0) {
			cli_errf("link %s cannot recover: %s", icmsg_link_get_name(link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (cli_left_ms(deadline) == 0) {
			cli_errf("no message within %d ms -- '%s'", timeout_ms,
				 icmsg_link_get_name(link));
			return CLI_EXIT_TIMEOUT;
		}
		ret = cli_wait(link, cli_left_ms(deadline));
		if (ret < 0) {
			cli_errf("processing link %s failed: %s", icmsg_link_get_name(link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (ret == CLI_WAIT_SIGNAL)
			return CLI_EXIT_OK;
	}
}

/* Through icmsgd: print each datagram; return an exit code. */
static int receive_daemon(int fd, const char *label, const struct printer *p, uint32_t count,
			  int timeout_ms)
{
	struct cli_buf buf = { 0 };
	uint64_t got = 0;
	ssize_t n;
	int ret;

	for (;;) {
		n = cli_seq_recv(fd, &buf, cli_deadline(timeout_ms));
		if (n == -EINTR) {
			ret = CLI_EXIT_OK;
			break;
		}
		if (n == -ETIMEDOUT) {
			cli_errf("no message within %d ms -- '%s'", timeout_ms, label);
			ret = CLI_EXIT_TIMEOUT;
			break;
		}
		if (n == -EPIPE) {
			/* icmsgd stopped, reloaded the instance away, or has
			 * disconnect-on-unbound set: no more messages here. */
			cli_errf("icmsgd closed the connection -- '%s'", label);
			ret = CLI_EXIT_ERROR;
			break;
		}
		if (n < 0) {
			cli_errf("receive failed: %s -- '%s'", strerror((int)-n), label);
			ret = CLI_EXIT_ERROR;
			break;
		}
		ret = print_message(p, buf.data, (size_t)n);
		if (ret)
			break;
		if (count && ++got >= count) {
			ret = CLI_EXIT_OK;
			break;
		}
	}
	free(buf.data);
	return ret;
}

/* --direct: open the link and print what arrives; return an exit code. */
static int recv_direct(const struct cli_link_opts *lo, const struct printer *p, uint32_t count,
		       int timeout_ms)
{
	struct icmsg_link_info info;
	struct icmsg_link *link;
	uint8_t *buf;
	int ret;

	ret = cli_link_open(lo, false, NULL, NULL, &link);
	if (ret)
		return ret;
	if (icmsg_link_get_info(link, &info) < 0 || info.max_recv == 0) {
		cli_err("cannot read the link's limits", icmsg_link_get_name(link));
		icmsg_link_close(link);
		return CLI_EXIT_ERROR;
	}
	buf = malloc(info.max_recv);
	if (!buf) {
		cli_err("out of memory", NULL);
		icmsg_link_close(link);
		return CLI_EXIT_ERROR;
	}
	ret = receive(link, p, count, timeout_ms, buf, info.max_recv);
	icmsg_link_close(link);
	free(buf);
	return ret;
}

int cmd_recv(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		CLI_DAEMON_LONGOPTS,
		{ "hex", no_argument, NULL, 'x' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "timestamp", optional_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_link_opts lo = { 0 };
	struct cli_daemon_opts d = { 0 };
	struct cli_instance_addr addr;
	const char *label;
	uint32_t count = 0;
	int opt, ret, fd, timeout_ms = -1;
	struct printer p = { .ts = CLI_TS_NONE };

	while ((opt = getopt_long(argc, argv, ":" CLI_LINK_SHORTOPTS "xT::n:t:h", longopts,
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
			p.hex = true;
			break;
		case OPT_RAW:
			p.raw = true;
			break;
		case 'T':
			ret = cli_parse_timestamp(optarg, &p.ts);
			if (ret)
				return ret;
			break;
		case 'n':
			if (cli_parse_u32(optarg, "count", 1, UINT32_MAX, &count) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 't':
			if (cli_parse_ms(optarg, "timeout", &timeout_ms) < 0)
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
	if (p.raw && (p.hex || p.ts != CLI_TS_NONE)) {
		cli_err(p.hex ? "--raw cannot be combined with --hex"
			      : "--raw cannot be combined with --timestamp", NULL);
		return CLI_EXIT_USAGE;
	}
	/* INSTANCE, unless --instance or --socket said it already. */
	if (optind < argc && !lo.instance && !d.socket)
		lo.instance = argv[optind++];
	if (optind < argc) {
		cli_err("unexpected argument", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!d.direct && !d.socket && !lo.instance) {
		cli_err("missing INSTANCE (or --socket PATH), see 'icmsg-cli recv --help'", NULL);
		return CLI_EXIT_USAGE;
	}
	if (lo.instance && !*lo.instance) {
		cli_err("empty instance name", "");
		return CLI_EXIT_USAGE;
	}

	ret = cli_signals_init();
	if (ret)
		return ret;
	if (d.direct)
		return recv_direct(&lo, &p, count, timeout_ms);

	label = lo.instance ? lo.instance : d.socket;
	/* Without --timeout, recv waits forever for messages, but not for
	 * an icmsgd that does not answer. */
	ret = cli_instance_lookup(&d, label, timeout_ms >= 0 ? timeout_ms : CLI_CONTROL_TIMEOUT_MS,
				  lo.verbose, &addr);
	if (ret)
		return ret;
	ret = cli_instance_connect(&addr, label,
				   timeout_ms >= 0 ? timeout_ms : CLI_CONTROL_TIMEOUT_MS, &fd);
	free(addr.socket);
	if (ret)
		return ret;
	ret = receive_daemon(fd, label, &p, count, timeout_ms);
	close(fd);
	return ret;
}
