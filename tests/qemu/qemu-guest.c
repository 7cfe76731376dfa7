// SPDX-License-Identifier: MIT
/*
 * Guest side of the "qemu" test suite, run by the initramfs's /init inside
 * the VM: open an instance of a YAML file (UIO regions and doorbells of the
 * ivshmem device bound to igb_uio) and run the exchange with ivshmem-host.
 *
 *   qemu-guest -c CONFIG [-i INSTANCE] [-n N] [-s SEED] [-M MAX_SIZE] [-v]
 *
 * Prints one RESULT line (see exchange.h) on stdout, the console; exit
 * status 0 if the exchange passed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <icmsg/icmsg.h>

#include "exchange.h"

static bool verbose;

static void log_line(int priority, const char *msg, void *userdata)
{
	if (priority <= LOG_NOTICE || verbose)
		fprintf(stderr, "guest: libicmsg <%d>%s\n", priority, msg);
}

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: qemu-guest -c CONFIG [-i INSTANCE] [-n N] [-s SEED] [-M MAX_SIZE] [-v]\n");
	return status;
}

int main(int argc, char **argv)
{
	const char *config_path = NULL, *instance = NULL;
	struct exchange_params params;
	struct exchange_result result;
	struct icmsg_config *config = NULL;
	const struct icmsg_link_config *cfg;
	struct icmsg_link_options opts = { .log = log_line };
	struct icmsg_link *link = NULL;
	struct icmsg_link_info info;
	char *error = NULL;
	int c, err;

	exchange_params_init(&params, EXCHANGE_GUEST);
	while ((c = getopt(argc, argv, "c:i:n:s:M:vh")) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'i':
			instance = optarg;
			break;
		case 'n':
		case 's':
		case 'M':
			exchange_params_option(&params, c, optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (!config_path || optind != argc)
		return usage(stderr, 2);

	err = icmsg_config_load(config_path, &config, &error);
	if (err < 0) {
		fprintf(stderr, "guest: %s: %s\n", config_path, error ? error : strerror(-err));
		free(error);
		return 1;
	}
	cfg = instance ? icmsg_config_find(config, instance) : icmsg_config_get(config, 0);
	if (!cfg) {
		fprintf(stderr, "guest: %s: no instance %s\n", config_path, instance ? instance : "");
		icmsg_config_free(config);
		return 1;
	}
	err = icmsg_link_open(cfg, &opts, &link);
	if (err < 0) {
		fprintf(stderr, "guest: icmsg_link_open(%s): %s\n", cfg->name, strerror(-err));
		icmsg_config_free(config);
		return 1;
	}
	icmsg_link_get_info(link, &info);
	printf("guest: opened %s: tx ring %u bytes, rx ring %u bytes, max_send %u\n",
	       icmsg_link_get_name(link), info.tx_ring_size, info.rx_ring_size, info.max_send);
	fflush(stdout);

	err = exchange_run(link, &params, &result);
	exchange_print(stdout, &params, &result);
	icmsg_link_close(link);
	icmsg_config_free(config);
	return err == 0 ? 0 : 1;
}
