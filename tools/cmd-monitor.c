// SPDX-License-Identifier: MIT
/*
 * icmsg-cli monitor - subscribe to icmsgd's events on the control socket
 * and print one line per event (docs/icmsgd.md, "Events").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-json.h"

static void print_help(void)
{
	printf("Usage: %s monitor [OPTIONS]...\n", CLI_PROG);
	printf("\nPrint icmsgd's events as they happen, one line each, e.g.\n"
	       "  ipc0: bound (magic)\n"
	       "  ipc0: unbound (ECONNRESET)\n"
	       "  ipc0: error: cannot open /dev/uio3: No such file or directory\n"
	       "  ipc0: client 1234 error: EMSGSIZE (200 bytes, max 128)\n"
	       "  ipc0: client 99 dropped (1024 queued)\n"
	       "  reload (2 instances)\n"
	       "until SIGINT or SIGTERM (exit 0) or --count events. Exits 1 if icmsgd\n"
	       "cannot be reached or closes the connection.\n");
	printf("\nOptions:\n");
	printf("  -j, --json                 print each event as icmsgd sent it (JSON, one\n"
	       "                             object a line; it has the event's \"time\")\n");
	printf(CLI_TIMESTAMP_HELP);
	printf("  -n, --count N              exit after N events\n");
	printf("      --control PATH         icmsgd's control socket (default: $ICMSG_CONTROL,\n"
	       "                             else %s)\n", CLI_CONTROL_DEFAULT);
	printf("  -h, --help                 display this help and exit\n");
}

static void put_str(const struct cli_json *v, const char *fallback)
{
	const char *s = cli_json_string(v);

	cli_print_safe(stdout, s ? s : fallback);
}

static void put_u64(const struct cli_json *v)
{
	uint64_t n;

	if (cli_json_u64(v, &n))
		printf("%llu", (unsigned long long)n);
	else
		fputc('?', stdout);
}

/* One event as a line; unknown events still get one, with their name. */
static void print_event(const struct cli_json *ev, const char *event)
{
	const struct cli_json *inst = cli_json_get(ev, "instance");

	if (strcmp(event, "reload") == 0) {
		fputs("reload (", stdout);
		put_u64(cli_json_get(ev, "instances"));
		fputs(" instances)\n", stdout);
		return;
	}
	if (cli_json_string(inst)) {
		put_str(inst, "?");
		fputs(": ", stdout);
	}
	if (strcmp(event, "bound") == 0) {
		fputs("bound (", stdout);
		put_str(cli_json_get(ev, "variant"), "?");
		fputs(")", stdout);
	} else if (strcmp(event, "unbound") == 0) {
		fputs("unbound (", stdout);
		put_str(cli_json_get(ev, "reason"), "?");
		fputs(")", stdout);
	} else if (strcmp(event, "error") == 0) {
		fputs("error: ", stdout);
		put_str(cli_json_get(ev, "error"), "?");
	} else if (strcmp(event, "client-error") == 0) {
		fputs("client ", stdout);
		put_u64(cli_json_get(ev, "pid"));
		fputs(" error: ", stdout);
		put_str(cli_json_get(ev, "error"), "?");
		if (cli_json_get(ev, "size")) {
			fputs(" (", stdout);
			put_u64(cli_json_get(ev, "size"));
			fputs(" bytes, max ", stdout);
			put_u64(cli_json_get(ev, "max"));
			fputs(")", stdout);
		}
	} else if (strcmp(event, "client-dropped") == 0) {
		fputs("client ", stdout);
		put_u64(cli_json_get(ev, "pid"));
		fputs(" dropped (", stdout);
		put_u64(cli_json_get(ev, "queued"));
		fputs(" queued)", stdout);
	} else {
		cli_print_safe(stdout, event);
	}
	fputc('\n', stdout);
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timestamp", optional_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'n' },
		{ "control", required_argument, NULL, CLI_OPT_CONTROL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *control = NULL, *path, *event;
	struct cli_buf buf = { 0 };
	struct cli_json *msg = NULL;
	uint32_t count = 0, seen = 0;
	enum cli_timestamp ts = CLI_TS_NONE;
	bool json = false;
	int opt, ret, err, fd = -1;
	size_t len;

	while ((opt = getopt_long(argc, argv, ":jT::n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'T':
			ret = cli_parse_timestamp(optarg, &ts);
			if (ret)
				return ret;
			break;
		case 'n':
			if (cli_parse_u32(optarg, "count", 1, UINT32_MAX, &count) < 0)
				return CLI_EXIT_USAGE;
			break;
		case CLI_OPT_CONTROL:
			control = optarg;
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
	/* A prefix would make the line invalid JSON; the event has its time. */
	if (json && ts != CLI_TS_NONE) {
		cli_err("--timestamp cannot be combined with --json (each event has its \"time\")",
			NULL);
		return CLI_EXIT_USAGE;
	}

	ret = cli_signals_init();
	if (ret)
		return ret;
	path = cli_control_path(control);
	ret = cli_control_connect(path, CLI_CONTROL_TIMEOUT_MS, &fd);
	if (ret)
		return ret;
	err = cli_seq_send(fd, "subscribe", strlen("subscribe"),
			   cli_deadline(CLI_CONTROL_TIMEOUT_MS));
	if (err < 0) {
		if (err == -EINTR)
			ret = CLI_EXIT_OK;
		else if (err == -ETIMEDOUT)
			ret = CLI_EXIT_TIMEOUT;
		else
			ret = CLI_EXIT_ERROR;
		if (ret)
			cli_errf("cannot subscribe: %s -- '%s'", strerror(-err), path);
		goto out;
	}
	/* The acknowledgement first, so that a daemon that does not know
	 * the request fails here rather than looking like a quiet one. */
	ret = cli_control_read(fd, path, CLI_CONTROL_TIMEOUT_MS,
			       cli_deadline(CLI_CONTROL_TIMEOUT_MS), &buf, &len, &msg);
	if (ret)
		goto out;
	event = cli_json_string(cli_json_get(msg, "event"));
	if (!event || strcmp(event, "subscribed") != 0) {
		cli_errf("malformed reply from icmsgd: expected \"subscribed\" -- '%s'", path);
		ret = CLI_EXIT_ERROR;
		goto out;
	}
	while (!count || seen < count) {
		ssize_t n;

		msg = cli_json_free(msg);
		n = cli_seq_recv(fd, &buf, UINT64_MAX);
		if (n == -EINTR) {
			/* SIGINT or SIGTERM: the way to stop watching. */
			ret = CLI_EXIT_OK;
			goto out;
		}
		if (n == -EPIPE) {
			cli_errf("icmsgd closed the control connection -- '%s'", path);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
		if (n < 0) {
			cli_errf("cannot read from icmsgd: %s -- '%s'", strerror((int)-n), path);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
		len = (size_t)n;
		ret = cli_control_parse(path, buf.data, len, false, &msg);
		if (ret)
			goto out;
		event = cli_json_string(cli_json_get(msg, "event"));
		if (!event) {
			cli_errf("malformed event from icmsgd: no \"event\" name -- '%s'", path);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
		if (json) {
			fwrite(buf.data, 1, len, stdout);
			if (len == 0 || buf.data[len - 1] != '\n')
				fputc('\n', stdout);
		} else {
			cli_print_timestamp(stdout, ts);
			print_event(msg, event);
		}
		/* Line by line, so a pipe reader sees each event now. */
		if (fflush(stdout) == EOF) {
			cli_errf("cannot write to stdout: %s", strerror(errno));
			ret = CLI_EXIT_ERROR;
			goto out;
		}
		seen++;
	}
out:
	cli_json_free(msg);
	free(buf.data);
	close(fd);
	return ret;
}
