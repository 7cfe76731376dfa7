// SPDX-License-Identifier: MIT
/*
 * blocking - the smallest libicmsg program: open one ICMsg instance, wait
 * for the remote core, send each argument as one message and print one
 * reply per message. Blocking helpers only, no event loop.
 *
 *   cc blocking.c $(pkg-config --cflags --libs libicmsg) -o blocking
 *   ./blocking CONFIG.yaml INSTANCE MESSAGE...
 *
 * Without hardware, `icmsg-cli sim -c CONFIG.yaml` is an echoing remote
 * core on the simulation transport.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <icmsg/icmsg.h>

#define TIMEOUT_MS 5000

int main(int argc, char **argv)
{
	static char reply[65535]; /* the largest ICMsg message */
	const struct icmsg_link_config *lc;
	struct icmsg_config *cfg = NULL;
	struct icmsg_link *link = NULL;
	char *error = NULL;
	int ret, status = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFIG.yaml INSTANCE MESSAGE...\n", argv[0]);
		return 2;
	}

	/* Load the YAML file; on error the library says "file:line: key: why". */
	ret = icmsg_config_load(argv[1], &cfg, &error);
	if (ret < 0) {
		fprintf(stderr, "%s\n", error ? error : strerror(-ret));
		free(error);
		return 1;
	}
	lc = icmsg_config_find(cfg, argv[2]);
	if (!lc) {
		fprintf(stderr, "%s: no instance named '%s'\n", argv[1], argv[2]);
		goto out;
	}

	/* Map both regions, open both doorbells and start bonding. Without
	 * callbacks, received messages wait in the ring for icmsg_link_recv(). */
	ret = icmsg_link_open(lc, NULL, &link);
	if (ret < 0) {
		fprintf(stderr, "cannot open '%s': %s\n", argv[2], strerror(-ret));
		goto out;
	}

	/* Nothing can be sent before the remote core has answered the bond. */
	ret = icmsg_link_wait_bound(link, TIMEOUT_MS);
	if (ret < 0) {
		fprintf(stderr, "not bound: %s\n", strerror(-ret));
		goto out;
	}

	for (int i = 3; i < argc; i++) {
		/* One argument, one message (waits while the ring is full). */
		ret = icmsg_link_send_timeout(link, argv[i], strlen(argv[i]), TIMEOUT_MS);
		if (ret < 0) {
			fprintf(stderr, "cannot send '%s': %s\n", argv[i], strerror(-ret));
			goto out;
		}
		/* One whole message back; it may hold any bytes. */
		ret = icmsg_link_recv(link, reply, sizeof(reply), TIMEOUT_MS);
		if (ret < 0) {
			fprintf(stderr, "no reply: %s\n", strerror(-ret));
			goto out;
		}
		fwrite(reply, 1, (size_t)ret, stdout);
		putchar('\n');
	}

	/* Closing the link loses what the remote core has not read yet. */
	ret = icmsg_link_flush(link, TIMEOUT_MS);
	if (ret < 0) {
		fprintf(stderr, "flush: %s\n", strerror(-ret));
		goto out;
	}
	status = 0;
out:
	icmsg_link_close(link); /* both accept NULL */
	icmsg_config_free(cfg);
	return status;
}
