// SPDX-License-Identifier: MIT
/*
 * icmsg-cli dump - decode a region read-only: copy its bytes once, then let
 * icmsg_region_inspect() walk the copy as a reader at rd_idx would. Never
 * opens a link, so it changes nothing a live peer could see.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The packet preview, as check_rx.txt's "first=" (spec Appendix D). */
#define DUMP_PREVIEW 16

enum {
	OPT_OFFSET = CLI_OPT_CMD_BASE,
	OPT_SIZE,
	OPT_DCACHE,
	OPT_HANDSHAKE,
};

/* Bits of which regions of an instance to dump. */
enum {
	DUMP_RX = 1,
	DUMP_TX = 2,
};

/* Regions printed so far: a blank line separates them. */
static unsigned int headings_printed;

/** struct dump_src - one region to dump and how to decode it. */
struct dump_src {
	const char *heading;
	struct icmsg_region_config region;
	uint32_t dcache_alignment;
	bool handshake;
};

static void print_help(void)
{
	printf("Usage: %s dump [OPTIONS]...\n", CLI_PROG);
	printf("\nDecode a region read-only and print its layout, indices, handshake word,\n"
	       "occupancy and pending packets (offset, length, CRC-32, first bytes), then\n"
	       "\"end = empty\" or \"problem: ...\". Exits 1 if the region is invalid.\n");
	printf("\nFrom a configuration (default: both regions of the instance):\n");
	printf("  -c, --config FILE          YAML configuration (default: $ICMSG_CONFIG)\n");
	printf("  -i, --instance NAME        instance (optional if the file has one)\n");
	printf("  -r, --region WHICH         rx or tx\n");
	printf("\nFrom a raw image:\n");
	printf("  -f, --file PATH            region image (e.g. a copy of shared memory)\n");
	printf("      --offset N             region start in the file (default: 0)\n");
	printf("      --size N               region size (default: file size - offset)\n");
	printf("      --dcache-alignment N   the instance's dcache-alignment (default: 0)\n");
	printf("      --handshake            layout with a handshake word (unbound enable\n"
	       "                             or detect)\n");
	printf("\nOther options:\n");
	printf("  -h, --help                 display this help and exit\n");
}

static int print_packet(uint32_t offset, const void *data, size_t len, void *userdata)
{
	unsigned int *index = userdata;

	printf("msg%u offset=%u len=%zu crc32=%08x data=", (*index)++, offset, len,
	       cli_crc32(data, len));
	cli_print_hex(stdout, data, len < DUMP_PREVIEW ? len : DUMP_PREVIEW, "");
	printf("%s\n", len > DUMP_PREVIEW ? "..." : "");
	return 0;
}

static void print_info(const struct icmsg_region_info *info)
{
	bool indices_ok = info->rd_idx % 4 == 0 && info->rd_idx < info->data_len &&
			  info->wr_idx % 4 == 0 && info->wr_idx < info->data_len;

	printf("region_size = %u\n", info->size);
	printf("dcache_align = %u\n", info->dcache_alignment);
	printf("handshake_word = %s\n", info->has_handshake ? "yes" : "no");
	printf("rd_idx_off = %u\n", info->rd_idx_off);
	if (info->has_handshake)
		printf("handshake_off = %u\n", info->handshake_off);
	printf("wr_idx_off = %u\n", info->wr_idx_off);
	printf("data_off = %u\n", info->data_off);
	printf("data_len = %u\n", info->data_len);
	printf("rd_idx = %u\n", info->rd_idx);
	printf("wr_idx = %u\n", info->wr_idx);
	/* Written by this region's reader: its own session request in the
	 * low half, the writer's session it accepts in the high half (3.3). */
	if (info->has_handshake)
		printf("handshake = 0x%08x (req=%u ack=%u)\n", info->handshake,
		       info->handshake & 0xffffu, info->handshake >> 16);
	/* Occupancy means nothing when an index is out of the ring. */
	if (indices_ok) {
		printf("used = %u\n", info->used);
		printf("free = %u\n", info->free);
	}
	printf("packets = %u\n", info->packets);
	printf("pending_bytes = %u\n", info->pending_bytes);
	printf("magic_first = %s\n", info->magic_first ? "yes" : "no");
}

/* Dump one region; return an exit code. */
static int dump_one(const struct dump_src *src)
{
	struct icmsg_region_info info;
	unsigned int index = 0;
	uint8_t *image;
	int n, ret;

	if (src->region.size == 0 || src->region.size > INT32_MAX) {
		cli_errf("region size %llu out of range (1..%d) -- '%s'",
			 (unsigned long long)src->region.size, INT32_MAX, src->region.path);
		return CLI_EXIT_ERROR;
	}
	image = malloc(src->region.size);
	if (!image) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	n = icmsg_region_read(&src->region, image, src->region.size);
	if (n < 0) {
		cli_errf("cannot read region (offset %llu, size %llu): %s -- '%s'",
			 (unsigned long long)src->region.offset,
			 (unsigned long long)src->region.size, strerror(-n), src->region.path);
		free(image);
		return CLI_EXIT_ERROR;
	}
	/* First pass for the header, second for the packets, so that the
	 * summary lines come before the packet lines. */
	ret = icmsg_region_inspect(image, (size_t)n, src->dcache_alignment, src->handshake, &info,
				   NULL, NULL);
	if (ret < 0) {
		cli_errf("impossible region layout (size %d, dcache-alignment %u, handshake %s): "
			 "%s -- '%s'", n, src->dcache_alignment, src->handshake ? "yes" : "no",
			 strerror(-ret), src->region.path);
		free(image);
		return CLI_EXIT_ERROR;
	}
	if (src->heading)
		printf("%s%s\n", headings_printed++ ? "\n" : "", src->heading);
	print_info(&info);
	ret = icmsg_region_inspect(image, (size_t)n, src->dcache_alignment, src->handshake, &info,
				   print_packet, &index);
	free(image);
	if (ret < 0) {
		cli_errf("inspecting the region failed: %s -- '%s'", strerror(-ret),
			 src->region.path);
		return CLI_EXIT_ERROR;
	}
	if (info.error) {
		printf("problem: %s\n", info.problem[0] ? info.problem : strerror(-info.error));
		return CLI_EXIT_ERROR;
	}
	printf("end = empty\n");
	return CLI_EXIT_OK;
}

/* Dump the regions @which of an instance; return an exit code. */
static int dump_config(const char *path, const char *instance, unsigned int which)
{
	const struct icmsg_link_config *cfg;
	struct icmsg_config *file;
	struct dump_src src;
	char *heading;
	int ret, worst = CLI_EXIT_OK;

	ret = cli_load_instance(path, instance, &file, &cfg);
	if (ret)
		return ret;
	for (unsigned int bit = DUMP_RX; bit <= DUMP_TX; bit <<= 1) {
		if (!(which & bit))
			continue;
		src.region = bit == DUMP_RX ? cfg->rx_region : cfg->tx_region;
		src.dcache_alignment = cfg->dcache_alignment;
		/* The handshake word exists in the session modes only (2.2). */
		src.handshake = cfg->unbound != ICMSG_UNBOUND_DISABLE;
		if (asprintf(&heading, "# %s %s-region: %s offset=%llu size=%llu",
			     cfg->name ? cfg->name : "?", bit == DUMP_RX ? "rx" : "tx",
			     src.region.path, (unsigned long long)src.region.offset,
			     (unsigned long long)src.region.size) < 0) {
			cli_err("out of memory", NULL);
			icmsg_config_free(file);
			return CLI_EXIT_ERROR;
		}
		src.heading = heading;
		ret = dump_one(&src);
		free(heading);
		if (ret > worst)
			worst = ret;
	}
	icmsg_config_free(file);
	return worst;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "instance", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "dcache-alignment", required_argument, NULL, OPT_DCACHE },
		{ "handshake", no_argument, NULL, OPT_HANDSHAKE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *instance = NULL, *image = NULL;
	struct dump_src src = { .heading = NULL };
	bool have_size = false, raw_opts = false;
	unsigned int which = DUMP_RX | DUMP_TX;
	uint64_t offset = 0, size = 0;
	struct stat st;
	int opt;

	while ((opt = getopt_long(argc, argv, ":c:i:r:f:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'i':
			instance = optarg;
			break;
		case 'r':
			if (strcmp(optarg, "rx") == 0) {
				which = DUMP_RX;
			} else if (strcmp(optarg, "tx") == 0) {
				which = DUMP_TX;
			} else {
				cli_err("invalid region (expected rx or tx)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'f':
			image = optarg;
			break;
		case OPT_OFFSET:
			if (cli_parse_u64(optarg, "offset", 0, INT64_MAX, &offset) < 0)
				return CLI_EXIT_USAGE;
			raw_opts = true;
			break;
		case OPT_SIZE:
			if (cli_parse_u64(optarg, "size", 1, INT32_MAX, &size) < 0)
				return CLI_EXIT_USAGE;
			have_size = raw_opts = true;
			break;
		case OPT_DCACHE:
			/* The layout rules (power of two, fits the region) are
			 * the library's; this only keeps the number sane. */
			if (cli_parse_u32(optarg, "dcache-alignment", 0, 1u << 30,
					  &src.dcache_alignment) < 0)
				return CLI_EXIT_USAGE;
			raw_opts = true;
			break;
		case OPT_HANDSHAKE:
			src.handshake = raw_opts = true;
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
	if (image && (config || instance || which != (DUMP_RX | DUMP_TX))) {
		cli_err("--file cannot be combined with --config, --instance or --region", NULL);
		return CLI_EXIT_USAGE;
	}
	if (!image) {
		if (raw_opts) {
			cli_err("--offset, --size, --dcache-alignment and --handshake need --file",
				NULL);
			return CLI_EXIT_USAGE;
		}
		return dump_config(config, instance, which);
	}

	if (stat(image, &st) < 0) {
		cli_errf("cannot stat the image: %s -- '%s'", strerror(errno), image);
		return CLI_EXIT_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err("not a regular file", image);
		return CLI_EXIT_ERROR;
	}
	if (!have_size) {
		if (offset >= (uint64_t)st.st_size) {
			cli_errf("offset %llu is not inside the file (%lld bytes) -- '%s'",
				 (unsigned long long)offset, (long long)st.st_size, image);
			return CLI_EXIT_ERROR;
		}
		size = (uint64_t)st.st_size - offset;
	}
	src.region.type = ICMSG_REGION_FILE;
	src.region.path = image;
	src.region.offset = offset;
	src.region.size = size;
	return dump_one(&src);
}
