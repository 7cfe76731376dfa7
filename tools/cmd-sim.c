// SPDX-License-Identifier: MIT
/*
 * icmsg-cli sim - play the remote core of an instance: the same regions and
 * doorbells with tx and rx swapped, echoing or swallowing what arrives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* How often a blocked echo is retried: a Zephyr-style reader never
 * signals freed space (spec 2.8), so the writer has to look again. */
#define SIM_RETRY_MS 5

enum sim_mode {
	SIM_ECHO,
	SIM_SINK,
};

struct sim {
	struct icmsg_link *link;
	enum sim_mode mode;
	uint32_t count;     /* stop after this many messages, 0 = never */
	uint64_t handled;   /* messages taken from the ring */
	uint64_t dropped;   /* echoes that could not be sent */
	uint8_t *buf;       /* the message being echoed */
	size_t cap;
	size_t pending;     /* length of an echo waiting for ring space, 0 = none */
};

static void print_help(void)
{
	printf("Usage: %s sim [OPTIONS]...\n", CLI_PROG);
	printf("\nAct as the remote core of an instance: open it with tx and rx swapped\n"
	       "and serve until SIGINT or SIGTERM. Prints \"bound (magic|session)\" and\n"
	       "\"unbound (reason)\" lines on stdout, statistics on stderr at exit.\n");
	printf("\nOptions:\n");
	printf(CLI_LINK_HELP);
	printf("  -m, --mode MODE            echo (send every message back, default) or sink\n");
	printf("  -n, --count N              exit after N messages\n");
	printf("  -d, --duration MS          exit after MS milliseconds\n");
	printf("  -h, --help                 display this help and exit\n");
}

static void on_bound(struct icmsg_link *link, void *userdata)
{
	struct icmsg_link_info info;

	(void)userdata;
	if (icmsg_link_get_info(link, &info) < 0)
		info.variant = ICMSG_VARIANT_UNKNOWN;
	printf("bound (%s)\n", info.variant == ICMSG_VARIANT_SESSION ? "session" : "magic");
	fflush(stdout);
}

static void on_unbound(struct icmsg_link *link, int reason, void *userdata)
{
	struct sim *sim = userdata;

	(void)link;
	/* An echo for the old session would reach a peer that never sent
	 * it (the writer's ring is reset on rebond): drop it. */
	if (sim->pending) {
		sim->pending = 0;
		sim->dropped++;
	}
	printf("unbound (%s)\n", cli_unbound_reason(reason));
	fflush(stdout);
}

static void on_error(struct icmsg_link *link, int err, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "%s: link %s: %s\n", CLI_PROG, icmsg_link_get_name(link),
		err == -EMSGSIZE ? "message larger than rx-buf-size dropped" : strerror(-err));
}

static bool count_reached(const struct sim *sim)
{
	return sim->count && sim->handled >= sim->count;
}

/* Send the held echo. Return: false while the ring is still full. */
static bool flush_echo(struct sim *sim)
{
	int ret;

	if (!sim->pending)
		return true;
	ret = icmsg_link_send(sim->link, sim->buf, sim->pending);
	if (ret == -ENOMEM)
		return false;
	if (ret < 0) {
		/* e.g. -EMSGSIZE: the message fits our receive buffer but
		 * not the peer's (peer-rx-buf-size); or the link unbound. */
		fprintf(stderr, "%s: echo of %zu bytes dropped: %s\n", CLI_PROG, sim->pending,
			strerror(-ret));
		sim->dropped++;
	}
	sim->pending = 0;
	return true;
}

/* Take messages while the echo path is free. Return 0 or a negative errno. */
static int serve(struct sim *sim)
{
	int n;

	while (flush_echo(sim) && !count_reached(sim)) {
		n = icmsg_link_try_recv(sim->link, sim->buf, sim->cap);
		if (n == -EAGAIN || n == -EBUSY || n == -ENOTCONN || n == -EIO)
			return 0; /* empty, or not bound: wait for the fd */
		if (n < 0)
			return n;
		sim->handled++;
		if (sim->mode == SIM_ECHO)
			sim->pending = (size_t)n;
	}
	return 0;
}

static void print_stats(const struct sim *sim)
{
	struct icmsg_link_info info;

	if (icmsg_link_get_info(sim->link, &info) < 0)
		return;
	fprintf(stderr,
		"%s: sim %s: received %llu messages (%llu bytes), sent %llu messages "
		"(%llu bytes), bonds %llu, unbinds %llu, errors %llu, echoes dropped %llu\n",
		CLI_PROG, icmsg_link_get_name(sim->link), (unsigned long long)info.rx_msgs,
		(unsigned long long)info.rx_bytes, (unsigned long long)info.tx_msgs,
		(unsigned long long)info.tx_bytes, (unsigned long long)info.bonds,
		(unsigned long long)info.unbinds, (unsigned long long)info.errors,
		(unsigned long long)sim->dropped);
}

static int run(struct sim *sim, int duration_ms)
{
	uint64_t end = cli_deadline(duration_ms);
	int ret, timeout;

	for (;;) {
		ret = serve(sim);
		if (ret < 0) {
			cli_errf("receive failed: %s", strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (count_reached(sim) && !sim->pending)
			return CLI_EXIT_OK;
		ret = cli_keep_alive(sim->link);
		if (ret < 0) {
			cli_errf("link %s cannot recover: %s", icmsg_link_get_name(sim->link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		timeout = cli_left_ms(end);
		if (duration_ms >= 0 && timeout == 0)
			return CLI_EXIT_OK;
		if (sim->pending && (timeout < 0 || timeout > SIM_RETRY_MS))
			timeout = SIM_RETRY_MS;
		ret = cli_wait(sim->link, timeout);
		if (ret < 0) {
			cli_errf("processing link %s failed: %s", icmsg_link_get_name(sim->link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (ret == CLI_WAIT_SIGNAL)
			return CLI_EXIT_OK;
	}
}

int cmd_sim(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct icmsg_link_callbacks cb = {
		.bound = on_bound,
		.unbound = on_unbound,
		.error = on_error,
	};
	struct cli_link_opts lo = { 0 };
	struct sim sim = { .mode = SIM_ECHO };
	struct icmsg_link_info info;
	int opt, ret, duration_ms = -1;

	while ((opt = getopt_long(argc, argv, ":" CLI_LINK_SHORTOPTS "m:n:d:h", longopts,
				  NULL)) != -1) {
		ret = cli_link_option(&lo, opt, optarg);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		switch (opt) {
		case 'm':
			if (strcmp(optarg, "echo") == 0) {
				sim.mode = SIM_ECHO;
			} else if (strcmp(optarg, "sink") == 0) {
				sim.mode = SIM_SINK;
			} else {
				cli_err("invalid mode (expected echo or sink)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'n':
			if (cli_parse_u32(optarg, "count", 1, UINT32_MAX, &sim.count) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'd':
			if (cli_parse_ms(optarg, "duration", &duration_ms) < 0)
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
	if (ret)
		return ret;
	/* Open before allocating: the buffer size is the link's receive cap. */
	ret = cli_link_open(&lo, true, &cb, &sim, &sim.link);
	if (ret)
		return ret;
	if (icmsg_link_get_info(sim.link, &info) < 0 || info.max_recv == 0) {
		cli_err("cannot read the link's limits", icmsg_link_get_name(sim.link));
		icmsg_link_close(sim.link);
		return CLI_EXIT_ERROR;
	}
	sim.cap = info.max_recv;
	sim.buf = malloc(sim.cap);
	if (!sim.buf) {
		cli_err("out of memory", NULL);
		icmsg_link_close(sim.link);
		return CLI_EXIT_ERROR;
	}
	/* The open ran one processing step: bound may already be printed. */
	ret = run(&sim, duration_ms);
	print_stats(&sim);
	icmsg_link_close(sim.link);
	free(sim.buf);
	return ret;
}
