// SPDX-License-Identifier: MIT
/*
 * icmsg-cli dump - decode a region read-only: copy its bytes once, then let
 * icmsg_region_inspect() walk the copy as a reader at rd_idx would. Never
 * opens a link, so it changes nothing a live peer could see. The region
 * comes from a configuration, a file, a UIO map or /dev/mem; --watch reads
 * it again and again and prints what changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The packet preview, as check_rx.txt's "first=" (spec Appendix D). */
#define DUMP_PREVIEW 16

/* --watch without a value: how often the region is read again. */
#define DUMP_WATCH_DEFAULT_MS 100

enum {
	OPT_OFFSET = CLI_OPT_CMD_BASE,
	OPT_SIZE,
	OPT_DCACHE,
	OPT_HANDSHAKE,
	OPT_UIO,
	OPT_MAP,
	OPT_MAP_NAME,
	OPT_ADDRESS,
	OPT_RAW,
};

/* Bits of which regions of an instance to dump. */
enum {
	DUMP_RX = 1,
	DUMP_TX = 2,
};

/* How the regions are printed. */
enum dump_format {
	DUMP_TEXT, /* key = value lines, as check_rx.txt */
	DUMP_HEX,  /* --raw: the bytes, as xxd */
	DUMP_JSON, /* --json: one object */
};

/** struct dump_src - one region to dump, how to decode it, its last read. */
struct dump_src {
	char *heading;     /* "# NAME rx-region: ..." (from a configuration), else NULL */
	const char *which; /* "rx" or "tx" (from a configuration), else NULL */
	char *label;       /* the source in messages: a path, a UIO map, /dev/mem */
	struct icmsg_region_config region;
	uint32_t dcache_alignment;
	bool handshake;
	uint8_t *image;    /* the last copy, region.size bytes */
	size_t len;
	struct icmsg_region_info info; /* of the last copy, when @decoded */
	bool decoded;
};

/** struct dump - the regions of one invocation. */
struct dump {
	struct dump_src src[2];
	size_t n;
	const char *instance; /* from a configuration: its name, else NULL */
	enum dump_format format;
	int watch_ms;         /* 0: read once */
	unsigned int printed; /* regions printed: a blank line separates them */
};

static void print_help(void)
{
	printf("Usage: %s dump [OPTIONS]...\n", CLI_PROG);
	printf("\nDecode a region read-only and print its layout, indices, handshake word,\n"
	       "occupancy and pending packets (offset, length, CRC-32, first bytes), then\n"
	       "\"end = empty\" or \"problem: ...\". Exits 1 if the region is invalid.\n"
	       "With --raw, print its bytes as a hex dump instead (offsets from the\n"
	       "region's start, 16 bytes a line, as xxd); with --json, one JSON object:\n"
	       "{\"instance\":NAME|null,\"regions\":[REGION...]} where each REGION holds\n"
	       "\"region\" (rx, tx or null), \"source\", the header fields named as in\n"
	       "the text (region_size, dcache_align, handshake_word, rd_idx_off,\n"
	       "handshake_off, wr_idx_off, data_off, data_len, rd_idx, wr_idx,\n"
	       "handshake, handshake_req, handshake_ack), used, free, pending_bytes,\n"
	       "magic_first, \"packets\" (each index, offset, len, crc32 as 8 hex digits,\n"
	       "first: up to 16 bytes in hex), \"problems\" (texts) and \"valid\".\n"
	       "Fields a layout lacks, and used/free with an index out of the ring, are\n"
	       "null.\n");
	printf("\nWith --watch, read the region again every MS milliseconds and, when its\n"
	       "indices or handshake word change, print a line \"# TIME: what changed\" and\n"
	       "the region again (with --json, one object a line with \"time\"), until\n"
	       "SIGINT or SIGTERM (exit 0).\n");
	printf("\nFrom a configuration (default: both regions of the instance):\n");
	printf("  -c, --config FILE          YAML configuration (default: $ICMSG_CONFIG)\n");
	printf("  -i, --instance NAME        instance (optional if the file has one)\n");
	printf("  -r, --region WHICH         rx or tx\n");
	printf("\nFrom a raw image:\n");
	printf("  -f, --file PATH            region image (e.g. a copy of shared memory)\n");
	printf("      --offset N             region start in the file (default: 0)\n");
	printf("      --size N               region size (default: file size - offset)\n");
	printf("\nFrom a UIO device (read-only mapping of /dev/uioN):\n");
	printf("      --uio DEVICE           the device: its name in /sys/class/uio/uioN/name,\n"
	       "                             uioN or /dev/uioN\n");
	printf("      --map N                the map index (default: 0)\n");
	printf("      --map-name NAME        the map named NAME (maps/mapM/name) instead\n");
	printf("      --offset N             region start from the map's start (default: 0)\n");
	printf("      --size N               region size (required)\n");
	printf("\nFrom physical memory (read-only mapping of /dev/mem, needs CAP_SYS_RAWIO):\n");
	printf("      --address PHYS         the region's physical address\n");
	printf("      --size N               region size (required)\n");
	printf("\nHow to decode a raw image, a UIO map or physical memory:\n");
	printf("      --dcache-alignment N   the instance's dcache-alignment (default: 0)\n");
	printf("      --handshake            layout with a handshake word (unbound enable\n"
	       "                             or detect)\n");
	printf("\nOutput:\n");
	printf("      --raw                  print a hex dump of the whole region instead\n");
	printf("  -j, --json                 print one JSON object (see above)\n");
	printf("  -w, --watch[=MS]           read again every MS milliseconds (default: %d)\n"
	       "                             and print the changes, with a timestamp\n",
	       DUMP_WATCH_DEFAULT_MS);
	printf("  -h, --help                 display this help and exit\n");
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

/* Why a region could not be read, beyond strerror(). */
static const char *read_hint(const struct dump_src *src, int err)
{
	switch (src->region.type) {
	case ICMSG_REGION_UIO:
		if (err == -ENODEV)
			return " (this machine has no UIO devices: is the uio module loaded?)";
		if (err == -ENOENT)
			return " (no such UIO device or map: see /sys/class/uio)";
		if (err == -ENOTUNIQ)
			return " (several UIO devices have that name: use uioN)";
		if (err == -ERANGE)
			return " (the region does not fit the map)";
		break;
	case ICMSG_REGION_DEVMEM:
		if (err == -EACCES || err == -EPERM)
			return " (needs CAP_SYS_RAWIO; with CONFIG_STRICT_DEVMEM the kernel maps "
			       "only memory it does not own)";
		break;
	case ICMSG_REGION_FILE:
		if (err == -ERANGE)
			return " (the region lies beyond the end of the file)";
		break;
	}
	return "";
}

/* Copy the region into src->image; return an exit code. */
static int read_src(struct dump_src *src)
{
	int n;

	if (src->region.size == 0 || src->region.size > INT32_MAX) {
		cli_errf("region size %llu out of range (1..%d) -- '%s'",
			 (unsigned long long)src->region.size, INT32_MAX, src->label);
		return CLI_EXIT_ERROR;
	}
	if (!src->image) {
		src->image = malloc(src->region.size);
		if (!src->image) {
			cli_err("out of memory", NULL);
			return CLI_EXIT_ERROR;
		}
	}
	n = icmsg_region_read(&src->region, src->image, src->region.size);
	if (n < 0) {
		cli_errf("cannot read region (offset %llu, size %llu): %s%s -- '%s'",
			 (unsigned long long)src->region.offset,
			 (unsigned long long)src->region.size, strerror(-n), read_hint(src, n),
			 src->label);
		return CLI_EXIT_ERROR;
	}
	src->len = (size_t)n;
	return CLI_EXIT_OK;
}

/*
 * Decode the header of the last copy into src->info. With @quiet an
 * impossible layout is no error (the hex dump does not need one).
 * Return an exit code.
 */
static int decode_src(struct dump_src *src, bool quiet)
{
	int ret;

	ret = icmsg_region_inspect(src->image, src->len, src->dcache_alignment, src->handshake,
				   &src->info, NULL, NULL);
	src->decoded = ret == 0;
	if (ret == 0 || quiet)
		return CLI_EXIT_OK;
	cli_errf("impossible region layout (size %zu, dcache-alignment %u, handshake %s): %s -- "
		 "'%s'", src->len, src->dcache_alignment, src->handshake ? "yes" : "no",
		 strerror(-ret), src->label);
	return CLI_EXIT_ERROR;
}

/* Read and decode one region as the format needs; return an exit code. */
static int load_src(struct dump_src *src, enum dump_format format)
{
	int ret = read_src(src);

	return ret ? ret : decode_src(src, format == DUMP_HEX);
}

/* Occupancy means nothing when an index is out of the ring. */
static bool indices_ok(const struct icmsg_region_info *info)
{
	return info->rd_idx % 4 == 0 && info->rd_idx < info->data_len && info->wr_idx % 4 == 0 &&
	       info->wr_idx < info->data_len;
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */

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
	if (indices_ok(info)) {
		printf("used = %u\n", info->used);
		printf("free = %u\n", info->free);
	}
	printf("packets = %u\n", info->packets);
	printf("pending_bytes = %u\n", info->pending_bytes);
	printf("magic_first = %s\n", info->magic_first ? "yes" : "no");
}

/* The decoded region as key = value lines; return an exit code. */
static int print_text(const struct dump_src *src)
{
	struct icmsg_region_info info;
	unsigned int index = 0;
	int ret;

	print_info(&src->info);
	/* A second walk for the packets, so that the summary lines come
	 * before the packet lines. */
	ret = icmsg_region_inspect(src->image, src->len, src->dcache_alignment, src->handshake,
				   &info, print_packet, &index);
	if (ret < 0) {
		cli_errf("inspecting the region failed: %s -- '%s'", strerror(-ret), src->label);
		return CLI_EXIT_ERROR;
	}
	if (info.error) {
		printf("problem: %s\n", info.problem[0] ? info.problem : strerror(-info.error));
		return CLI_EXIT_ERROR;
	}
	printf("end = empty\n");
	return CLI_EXIT_OK;
}

/* The bytes as xxd prints them: offset, 16 bytes in pairs, ASCII column. */
static void print_hexdump(const uint8_t *p, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		printf("%08zx:", off);
		for (size_t i = 0; i < 16; i++) {
			if (i % 2 == 0)
				putchar(' ');
			if (i < n)
				printf("%02x", p[off + i]);
			else
				fputs("  ", stdout);
		}
		fputs("  ", stdout);
		for (size_t i = 0; i < n; i++)
			putchar(p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.');
		putchar('\n');
	}
}

/* One region in the text or hex format, after its heading; return an exit code. */
static int print_region(struct dump *d, const struct dump_src *src, bool heading)
{
	if (heading && src->heading)
		printf("%s%s\n", d->printed ? "\n" : "", src->heading);
	d->printed++;
	if (d->format == DUMP_HEX) {
		print_hexdump(src->image, src->len);
		return CLI_EXIT_OK;
	}
	return print_text(src);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */

static int json_packet(uint32_t offset, const void *data, size_t len, void *userdata)
{
	unsigned int *index = userdata;

	printf("%s{\"index\":%u,\"offset\":%u,\"len\":%zu,\"crc32\":\"%08x\",\"first\":\"",
	       *index ? "," : "", *index, offset, len, cli_crc32(data, len));
	cli_print_hex(stdout, data, len < DUMP_PREVIEW ? len : DUMP_PREVIEW, "");
	fputs("\"}", stdout);
	(*index)++;
	return 0;
}

static void json_source(const struct icmsg_region_config *r)
{
	switch (r->type) {
	case ICMSG_REGION_FILE:
		fputs("{\"type\":\"file\",\"path\":", stdout);
		cli_json_write_string(stdout, r->path);
		printf(",\"offset\":%llu,", (unsigned long long)r->offset);
		break;
	case ICMSG_REGION_UIO:
		fputs("{\"type\":\"uio\",\"device\":", stdout);
		cli_json_write_string(stdout, r->uio.device);
		if (r->uio.map_name) {
			fputs(",\"map\":null,\"map_name\":", stdout);
			cli_json_write_string(stdout, r->uio.map_name);
		} else {
			printf(",\"map\":%d,\"map_name\":null", r->uio.map);
		}
		printf(",\"offset\":%llu,", (unsigned long long)r->offset);
		break;
	case ICMSG_REGION_DEVMEM:
		printf("{\"type\":\"devmem\",\"address\":%llu,", (unsigned long long)r->offset);
		break;
	}
	printf("\"size\":%llu}", (unsigned long long)r->size);
}

static void json_string_or_null(const char *s)
{
	if (s)
		cli_json_write_string(stdout, s);
	else
		fputs("null", stdout);
}

/* A number field, or null when @have is false. */
static void json_u32(const char *key, bool have, uint32_t v)
{
	if (have)
		printf(",\"%s\":%u", key, v);
	else
		printf(",\"%s\":null", key);
}

/* One decoded region as a JSON object; return an exit code (1 if invalid). */
static int print_json_region(const struct dump_src *src)
{
	const struct icmsg_region_info *i = &src->info;
	struct icmsg_region_info walk;
	unsigned int index = 0;
	bool hs = i->has_handshake, ok = indices_ok(i);
	int ret;

	fputs("{\"region\":", stdout);
	json_string_or_null(src->which);
	fputs(",\"source\":", stdout);
	json_source(&src->region);
	printf(",\"region_size\":%u,\"dcache_align\":%u,\"handshake_word\":%s,\"rd_idx_off\":%u",
	       i->size, i->dcache_alignment, hs ? "true" : "false", i->rd_idx_off);
	json_u32("handshake_off", hs, i->handshake_off);
	printf(",\"wr_idx_off\":%u,\"data_off\":%u,\"data_len\":%u,\"rd_idx\":%u,\"wr_idx\":%u",
	       i->wr_idx_off, i->data_off, i->data_len, i->rd_idx, i->wr_idx);
	json_u32("handshake", hs, i->handshake);
	json_u32("handshake_req", hs, i->handshake & 0xffffu);
	json_u32("handshake_ack", hs, i->handshake >> 16);
	json_u32("used", ok, i->used);
	json_u32("free", ok, i->free);
	printf(",\"pending_bytes\":%u,\"magic_first\":%s,\"packets\":[", i->pending_bytes,
	       i->magic_first ? "true" : "false");
	ret = icmsg_region_inspect(src->image, src->len, src->dcache_alignment, src->handshake,
				   &walk, json_packet, &index);
	fputs("],\"problems\":[", stdout);
	/* The library stops at the first problem: there is one at most. */
	if (ret < 0) {
		char why[128];

		snprintf(why, sizeof(why), "inspecting the region failed: %s", strerror(-ret));
		cli_json_write_string(stdout, why);
	} else if (walk.error) {
		cli_json_write_string(stdout, walk.problem[0] ? walk.problem : strerror(-walk.error));
	}
	printf("],\"valid\":%s}", ret == 0 && !walk.error ? "true" : "false");
	return ret == 0 && !walk.error ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

/* The regions whose bit is set in @mask as one object on one line, with
 * "time" when watching; return an exit code. */
static int print_json(const struct dump *d, unsigned int mask)
{
	int ret, worst = CLI_EXIT_OK;
	bool first = true;

	fputc('{', stdout);
	if (d->watch_ms) {
		char now[64];

		cli_format_timestamp(CLI_TS_ISO, now, sizeof(now));
		printf("\"time\":\"%s\",", now);
	}
	fputs("\"instance\":", stdout);
	json_string_or_null(d->instance);
	fputs(",\"regions\":[", stdout);
	for (size_t k = 0; k < d->n; k++) {
		if (!(mask & 1u << k))
			continue;
		if (!first)
			fputc(',', stdout);
		first = false;
		ret = print_json_region(&d->src[k]);
		if (ret > worst)
			worst = ret;
	}
	fputs("]}\n", stdout);
	return worst;
}

/* ------------------------------------------------------------------------ */
/* Once, and --watch                                                        */

/* Read, decode and print every region once; return an exit code. */
static int dump_once(struct dump *d)
{
	int ret, worst = CLI_EXIT_OK;

	if (d->watch_ms && d->format != DUMP_JSON) {
		char now[64];

		cli_format_timestamp(CLI_TS_ISO, now, sizeof(now));
		printf("# %s\n", now);
	}
	if (d->format == DUMP_JSON) {
		/* One object: every region is read before any is printed. */
		for (size_t k = 0; k < d->n; k++) {
			ret = load_src(&d->src[k], d->format);
			if (ret)
				return ret;
		}
		return print_json(d, (1u << d->n) - 1);
	}
	for (size_t k = 0; k < d->n; k++) {
		ret = load_src(&d->src[k], d->format);
		if (ret == CLI_EXIT_OK)
			ret = print_region(d, &d->src[k], true);
		if (ret > worst)
			worst = ret;
	}
	return worst;
}

/* Append "KEY OLD -> NEW" to @buf if they differ. */
static void note_change(char *buf, size_t cap, const char *key, uint32_t old, uint32_t now,
			bool hex)
{
	size_t n = strlen(buf);

	if (old == now)
		return;
	snprintf(buf + n, cap - n, hex ? "%s%s 0x%08x -> 0x%08x" : "%s%s %u -> %u",
		 n ? ", " : "", key, old, now);
}

/*
 * What changed between @old and the last read of @src, as text for the
 * change line; "" if nothing did. Without a decodable layout any byte
 * counts.
 */
static void changes(const struct dump_src *src, const struct icmsg_region_info *old,
		    bool old_decoded, const uint8_t *old_image, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (!src->decoded || !old_decoded) {
		if (src->decoded != old_decoded || memcmp(old_image, src->image, src->len) != 0)
			snprintf(buf, cap, "contents");
		return;
	}
	note_change(buf, cap, "rd_idx", old->rd_idx, src->info.rd_idx, false);
	note_change(buf, cap, "wr_idx", old->wr_idx, src->info.wr_idx, false);
	if (src->info.has_handshake)
		note_change(buf, cap, "handshake", old->handshake, src->info.handshake, true);
}

/*
 * Poll one region: read it again and print it if its indices or handshake
 * changed. *@ret_changed says whether it did. Return an exit code.
 */
static int watch_src(struct dump *d, struct dump_src *src, uint8_t *scratch, bool *ret_changed)
{
	struct icmsg_region_info old = src->info;
	bool old_decoded = src->decoded;
	char what[160], now[64];
	int ret;

	*ret_changed = false;
	memcpy(scratch, src->image, src->len);
	ret = read_src(src);
	if (ret)
		return ret;
	decode_src(src, true);
	changes(src, &old, old_decoded, scratch, what, sizeof(what));
	if (!what[0])
		return CLI_EXIT_OK;
	*ret_changed = true;
	if (d->format == DUMP_JSON)
		return CLI_EXIT_OK;
	cli_format_timestamp(CLI_TS_ISO, now, sizeof(now));
	if (src->which)
		printf("\n# %s: %s %s-region: %s\n", now, d->instance, src->which, what);
	else
		printf("\n# %s: %s\n", now, what);
	/* Its problems are printed; the watch goes on. */
	print_region(d, src, false);
	return CLI_EXIT_OK;
}

/* --watch: print once, then the changes until a signal; return an exit code. */
static int dump_watch(struct dump *d)
{
	uint64_t due = cli_now_ms();
	uint8_t *scratch;
	size_t most = 0;
	unsigned int mask;
	bool changed;
	int ret;

	/* Not the exit status: an invalid region may become valid, so the
	 * watch goes on; not with a layout that cannot be decoded or a region
	 * that cannot be read, though (below). */
	dump_once(d);
	for (size_t k = 0; k < d->n; k++) {
		if (!d->src[k].image || (!d->src[k].decoded && d->format != DUMP_HEX))
			return CLI_EXIT_ERROR;
		if (d->src[k].len > most)
			most = d->src[k].len;
	}
	scratch = malloc(most);
	if (!scratch) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	for (;;) {
		if (fflush(stdout) == EOF) {
			cli_errf("cannot write to stdout: %s", strerror(errno));
			ret = CLI_EXIT_ERROR;
			break;
		}
		due += (uint64_t)d->watch_ms;
		if (due < cli_now_ms())
			due = cli_now_ms();
		ret = cli_sleep_until(due);
		if (ret == CLI_WAIT_SIGNAL || cli_signalled()) {
			ret = CLI_EXIT_OK;
			break;
		}
		if (ret < 0) {
			cli_errf("waiting failed: %s", strerror(-ret));
			ret = CLI_EXIT_ERROR;
			break;
		}
		mask = 0;
		for (size_t k = 0; k < d->n && ret == CLI_EXIT_OK; k++) {
			ret = watch_src(d, &d->src[k], scratch, &changed);
			if (changed)
				mask |= 1u << k;
		}
		if (ret)
			break;
		if (mask && d->format == DUMP_JSON)
			print_json(d, mask);
	}
	free(scratch);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Sources                                                                  */

/* The regions @which of an instance into @d. Return an exit code. */
static int add_config(struct dump *d, const struct icmsg_link_config *cfg, unsigned int which)
{
	for (unsigned int bit = DUMP_RX; bit <= DUMP_TX; bit <<= 1) {
		struct dump_src *src = &d->src[d->n];

		if (!(which & bit))
			continue;
		src->which = bit == DUMP_RX ? "rx" : "tx";
		src->region = bit == DUMP_RX ? cfg->rx_region : cfg->tx_region;
		src->dcache_alignment = cfg->dcache_alignment;
		/* The handshake word exists in the session modes only (2.2). */
		src->handshake = cfg->unbound != ICMSG_UNBOUND_DISABLE;
		d->n++;
	}
	return CLI_EXIT_OK;
}

/* How a region is named in headings and messages. */
static char *describe(const struct icmsg_region_config *r)
{
	char *out = NULL;
	int n = -1;

	switch (r->type) {
	case ICMSG_REGION_FILE:
		n = asprintf(&out, "%s", r->path);
		break;
	case ICMSG_REGION_UIO:
		if (r->uio.map_name)
			n = asprintf(&out, "uio %s map '%s'", r->uio.device, r->uio.map_name);
		else
			n = asprintf(&out, "uio %s map %d", r->uio.device, r->uio.map);
		break;
	case ICMSG_REGION_DEVMEM:
		n = asprintf(&out, "/dev/mem");
		break;
	}
	return n < 0 ? NULL : out;
}

/* Headings (from a configuration) and labels of every region. */
static int name_sources(struct dump *d)
{
	for (size_t k = 0; k < d->n; k++) {
		struct dump_src *src = &d->src[k];

		src->label = describe(&src->region);
		if (!src->label)
			goto oom;
		if (src->which &&
		    asprintf(&src->heading, "# %s %s-region: %s offset=%llu size=%llu",
			     d->instance, src->which, src->label,
			     (unsigned long long)src->region.offset,
			     (unsigned long long)src->region.size) < 0) {
			src->heading = NULL;
			goto oom;
		}
	}
	return CLI_EXIT_OK;
oom:
	cli_err("out of memory", NULL);
	return CLI_EXIT_ERROR;
}

/* --file without --size: the rest of the file. Return an exit code. */
static int file_size(const char *image, uint64_t offset, bool have_size, uint64_t *size)
{
	struct stat st;

	if (stat(image, &st) < 0) {
		cli_errf("cannot stat the image: %s -- '%s'", strerror(errno), image);
		return CLI_EXIT_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err("not a regular file", image);
		return CLI_EXIT_ERROR;
	}
	if (have_size)
		return CLI_EXIT_OK;
	if (offset >= (uint64_t)st.st_size) {
		cli_errf("offset %llu is not inside the file (%lld bytes) -- '%s'",
			 (unsigned long long)offset, (long long)st.st_size, image);
		return CLI_EXIT_ERROR;
	}
	*size = (uint64_t)st.st_size - offset;
	return CLI_EXIT_OK;
}

/** struct dump_args - the parsed options. */
struct dump_args {
	const char *config, *instance, *image, *uio, *map_name;
	unsigned int which;
	bool have_offset, have_size, have_map, have_address, layout_opts, raw, json;
	uint64_t offset, size, address;
	uint32_t map;
	uint32_t dcache_alignment;
	bool handshake;
	int watch_ms;
};

/* Refuse options that do not go together; return an exit code. */
static int check_args(const struct dump_args *a)
{
	int sources = !!a->image + !!a->uio + a->have_address;

	if (sources > 1) {
		cli_err("choose one source: --file, --uio or --address (or a configuration)", NULL);
		return CLI_EXIT_USAGE;
	}
	if (sources && (a->config || a->instance || a->which != (DUMP_RX | DUMP_TX))) {
		cli_errf("%s cannot be combined with --config, --instance or --region",
			 a->image ? "--file" : a->uio ? "--uio" : "--address");
		return CLI_EXIT_USAGE;
	}
	if (!sources && (a->have_offset || a->have_size || a->layout_opts)) {
		cli_err("--offset, --size, --dcache-alignment and --handshake need --file, --uio "
			"or --address", NULL);
		return CLI_EXIT_USAGE;
	}
	if ((a->have_map || a->map_name) && !a->uio) {
		cli_err(a->have_map ? "--map needs --uio" : "--map-name needs --uio", NULL);
		return CLI_EXIT_USAGE;
	}
	if (a->have_map && a->map_name) {
		cli_err("--map and --map-name cannot be combined", NULL);
		return CLI_EXIT_USAGE;
	}
	if ((a->uio || a->have_address) && !a->have_size) {
		cli_errf("%s needs --size", a->uio ? "--uio" : "--address");
		return CLI_EXIT_USAGE;
	}
	if (a->have_address && a->have_offset) {
		cli_err("--offset does not apply to --address (the address is the region's start)",
			NULL);
		return CLI_EXIT_USAGE;
	}
	if (a->raw && a->json) {
		cli_err("--raw cannot be combined with --json", NULL);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* The one region of --file, --uio or --address into @d; return an exit code. */
static int add_raw_source(struct dump *d, const struct dump_args *a)
{
	struct dump_src *src = &d->src[d->n];
	struct icmsg_region_config *r = &src->region;
	int ret;

	r->size = a->size;
	if (a->image) {
		r->type = ICMSG_REGION_FILE;
		r->path = a->image;
		r->offset = a->offset;
		ret = file_size(a->image, a->offset, a->have_size, &r->size);
		if (ret)
			return ret;
	} else if (a->uio) {
		r->type = ICMSG_REGION_UIO;
		r->uio.device = a->uio;
		r->uio.map = (int)a->map;
		r->uio.map_name = a->map_name;
		r->offset = a->offset;
	} else {
		r->type = ICMSG_REGION_DEVMEM;
		r->offset = a->address;
	}
	src->dcache_alignment = a->dcache_alignment;
	src->handshake = a->handshake;
	d->n++;
	return CLI_EXIT_OK;
}

/* A name's argument into *@dst: 1, or CLI_EXIT_USAGE if it is empty. */
static int take_name(const char **dst, const char *arg, const char *empty)
{
	if (!*arg) {
		cli_err(empty, "");
		return CLI_EXIT_USAGE;
	}
	*dst = arg;
	return 1;
}

/* One option into @a; 1 if it was one of dump's, else an exit code. */
static int parse_option(struct dump_args *a, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		a->config = arg;
		return 1;
	case 'i':
		a->instance = arg;
		return 1;
	case 'r':
		if (strcmp(arg, "rx") == 0) {
			a->which = DUMP_RX;
		} else if (strcmp(arg, "tx") == 0) {
			a->which = DUMP_TX;
		} else {
			cli_err("invalid region (expected rx or tx)", arg);
			return CLI_EXIT_USAGE;
		}
		return 1;
	case 'f':
		a->image = arg;
		return 1;
	case OPT_UIO:
		return take_name(&a->uio, arg, "empty UIO device name");
	case OPT_MAP:
		/* UIO devices have a handful of maps (MAX_UIO_MAPS is 5). */
		if (cli_parse_u32(arg, "map", 0, 255, &a->map) < 0)
			return CLI_EXIT_USAGE;
		a->have_map = true;
		return 1;
	case OPT_MAP_NAME:
		return take_name(&a->map_name, arg, "empty map name");
	case OPT_ADDRESS:
		if (cli_parse_u64(arg, "address", 0, INT64_MAX, &a->address) < 0)
			return CLI_EXIT_USAGE;
		a->have_address = true;
		return 1;
	case OPT_OFFSET:
		if (cli_parse_u64(arg, "offset", 0, INT64_MAX, &a->offset) < 0)
			return CLI_EXIT_USAGE;
		a->have_offset = true;
		return 1;
	case OPT_SIZE:
		if (cli_parse_u64(arg, "size", 1, INT32_MAX, &a->size) < 0)
			return CLI_EXIT_USAGE;
		a->have_size = true;
		return 1;
	case OPT_DCACHE:
		/* The layout rules (power of two, fits the region) are the
		 * library's; this only keeps the number sane. */
		if (cli_parse_u32(arg, "dcache-alignment", 0, 1u << 30, &a->dcache_alignment) < 0)
			return CLI_EXIT_USAGE;
		a->layout_opts = true;
		return 1;
	case OPT_HANDSHAKE:
		a->handshake = a->layout_opts = true;
		return 1;
	case OPT_RAW:
		a->raw = true;
		return 1;
	case 'j':
		a->json = true;
		return 1;
	case 'w':
		a->watch_ms = DUMP_WATCH_DEFAULT_MS;
		if (arg && cli_parse_ms(arg, "watch interval", &a->watch_ms) < 0)
			return CLI_EXIT_USAGE;
		if (a->watch_ms == 0) {
			cli_err("invalid watch interval (expected 1 or more milliseconds)", arg);
			return CLI_EXIT_USAGE;
		}
		return 1;
	default:
		return 0;
	}
}

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "instance", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "uio", required_argument, NULL, OPT_UIO },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "map-name", required_argument, NULL, OPT_MAP_NAME },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "dcache-alignment", required_argument, NULL, OPT_DCACHE },
		{ "handshake", no_argument, NULL, OPT_HANDSHAKE },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "json", no_argument, NULL, 'j' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dump_args a = { .which = DUMP_RX | DUMP_TX };
	const struct icmsg_link_config *cfg;
	struct icmsg_config *file = NULL;
	struct dump d = { .format = DUMP_TEXT };
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":c:i:r:f:jw::h", longopts, NULL)) != -1) {
		ret = parse_option(&a, opt, optarg);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		if (opt == 'h') {
			print_help();
			return CLI_EXIT_OK;
		}
		return cli_bad_option(opt, argv, longopts);
	}
	if (optind < argc) {
		cli_err("unexpected argument", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	ret = check_args(&a);
	if (ret)
		return ret;
	d.format = a.json ? DUMP_JSON : a.raw ? DUMP_HEX : DUMP_TEXT;
	d.watch_ms = a.watch_ms;

	if (a.image || a.uio || a.have_address) {
		ret = add_raw_source(&d, &a);
	} else {
		ret = cli_load_instance(a.config, a.instance, &file, &cfg);
		if (ret)
			return ret;
		d.instance = cfg->name ? cfg->name : "?";
		ret = add_config(&d, cfg, a.which);
	}
	if (ret == CLI_EXIT_OK)
		ret = name_sources(&d);
	if (ret == CLI_EXIT_OK && d.watch_ms)
		ret = cli_signals_init();
	if (ret == CLI_EXIT_OK)
		ret = d.watch_ms ? dump_watch(&d) : dump_once(&d);
	for (size_t k = 0; k < d.n; k++) {
		free(d.src[k].heading);
		free(d.src[k].label);
		free(d.src[k].image);
	}
	icmsg_config_free(file);
	return ret;
}
