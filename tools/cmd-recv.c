// SPDX-License-Identifier: MIT
/* icmsg-cli recv - wait for the bond, then print every received message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_help(void)
{
	printf("Usage: %s recv [OPTIONS]...\n", CLI_PROG);
	printf("\nWait for the instance to bond, then print each received message on one\n"
	       "line: printable ASCII as is, backslash and other bytes as \\xNN.\n"
	       "Exits 0 after --count messages or on SIGINT/SIGTERM, 3 on timeout.\n");
	printf("\nOptions:\n");
	printf(CLI_LINK_HELP);
	printf("  -x, --hex                  print messages as hex bytes (\"01 02 ff\")\n");
	printf("  -n, --count N              exit after N messages\n");
	printf("  -t, --timeout MS           max wait for each message, the bond included\n"
	       "                             (default: wait forever)\n");
	printf("  -h, --help                 display this help and exit\n");
}

static int receive(struct icmsg_link *link, bool hex, uint32_t count, int timeout_ms,
		   uint8_t *buf, size_t cap)
{
	uint64_t deadline = cli_deadline(timeout_ms), got = 0;
	int n, ret;

	for (;;) {
		n = icmsg_link_try_recv(link, buf, cap);
		if (n > 0) {
			if (hex)
				cli_print_hex(stdout, buf, (size_t)n, " ");
			else
				cli_print_text(stdout, buf, (size_t)n);
			fputc('\n', stdout);
			/* Line by line, so a pipe reader sees each message now. */
			if (fflush(stdout) == EOF) {
				cli_errf("cannot write to stdout: %s", strerror(errno));
				return CLI_EXIT_ERROR;
			}
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

int cmd_recv(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		{ "hex", no_argument, NULL, 'x' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_link_opts lo = { 0 };
	struct icmsg_link_info info;
	struct icmsg_link *link;
	uint32_t count = 0;
	int opt, ret, timeout_ms = -1;
	bool hex = false;
	uint8_t *buf;

	while ((opt = getopt_long(argc, argv, ":" CLI_LINK_SHORTOPTS "xn:t:h", longopts,
				  NULL)) != -1) {
		ret = cli_link_option(&lo, opt, optarg);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		switch (opt) {
		case 'x':
			hex = true;
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
	if (optind < argc) {
		cli_err("unexpected argument", argv[optind]);
		return CLI_EXIT_USAGE;
	}

	ret = cli_signals_init();
	if (ret < 0) {
		cli_errf("cannot set up signal handling: %s", strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	ret = cli_link_open(&lo, false, NULL, NULL, &link);
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
	ret = receive(link, hex, count, timeout_ms, buf, info.max_recv);
	icmsg_link_close(link);
	free(buf);
	return ret;
}
