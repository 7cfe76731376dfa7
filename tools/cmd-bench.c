// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench - measure libicmsg over the simulation transport against
 * baselines measured in the same run on the same machine, and print one
 * table (or one JSON object). The transports live in bench-lib.c and
 * bench-base.c; this file holds the options, the list of cases and the
 * output.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

/* Per case: the default keeps the whole run under 30 s; --quick is for tests. */
#define BENCH_DURATION_DEFAULT_MS 700
#define BENCH_DURATION_QUICK_MS 200
#define BENCH_DURATION_MAX_MS 600000

#define REGION_BIG 65536u
#define REGION_SMALL 2048u
#define SMALL_SIZE 64u
#define N_SIZES 5

enum kind {
	K_RING,       /* (a) */
	K_RING_BELL,  /* (b) */
	K_FIFO,       /* (c) */
	K_SEQ_STREAM, /* (d) */
	K_SEQ_RTT,    /* (d) */
	K_LIB_STREAM,
	K_LIB_RTT,
};

static const struct {
	const char *key;  /* JSON "case" */
	const char *what; /* table */
	bool rtt;
} kinds[] = {
	[K_RING] = { "ideal-ring", "(a) ideal ring, busy-poll", false },
	[K_RING_BELL] = { "doorbell-ring", "(b) ring + FIFO doorbell", false },
	[K_FIFO] = { "fifo-pingpong", "(c) FIFO ping-pong rtt", true },
	[K_SEQ_STREAM] = { "seqpacket-stream", "(d) SEQPACKET stream", false },
	[K_SEQ_RTT] = { "seqpacket-rtt", "(d) SEQPACKET rtt", true },
	[K_LIB_STREAM] = { "libicmsg-stream", "libicmsg stream", false },
	[K_LIB_RTT] = { "libicmsg-rtt", "libicmsg rtt", true },
};

struct row {
	enum kind kind;
	uint32_t region; /* libicmsg: bytes per region; 0 for the others */
	uint32_t size;
	bool done;       /* measured without error */
	uint64_t msgs;
	double secs, msgs_per_s, mb_per_s;
	double rtt_med_us, rtt_p99_us;
	double cpu_s;
	double vs_a, vs_b, vs_c; /* 0: no ratio */
};

struct bench {
	int duration_ms;
	bool json;
	char dir[64];
	struct bench_case c;
	uint32_t sizes[N_SIZES];
	struct row rows[48];
	size_t n_rows;
};

static void print_help(void)
{
	printf("Usage: %s bench [OPTIONS]...\n", CLI_PROG);
	printf("\nMeasure libicmsg over the simulation transport (a region file and two\n"
	       "FIFOs in a temporary directory under /tmp, the peer a forked process with\n"
	       "its own link, event-driven) and, in the same run, the baselines it is\n"
	       "compared with: (a) an ideal ring in a shared file, busy polling, no\n"
	       "doorbell; (b) that ring with a FIFO doorbell per message; (c) a one-byte\n"
	       "FIFO ping-pong; (d) AF_UNIX SOCK_SEQPACKET between two processes.\n"
	       "Sizes 16, 64, 256, 1024 bytes and the largest a 64 KiB region takes, and\n"
	       "a 2 KiB region at 64 bytes. Prints one table on stdout, a progress line\n"
	       "per case on stderr.\n");
	printf("\nOptions:\n");
	printf("  -d, --duration-ms N        measure each case for N milliseconds (default\n"
	       "                             %d: about 25 s in all)\n",
	       BENCH_DURATION_DEFAULT_MS);
	printf("  -q, --quick                measure each case for %d ms, for tests\n",
	       BENCH_DURATION_QUICK_MS);
	printf("  -j, --json                 print one JSON object instead of the table\n");
	printf("  -h, --help                 display this help and exit\n");
	printf("\nColumns: region (bytes of each libicmsg region, or the data area of the\n"
	       "baseline rings), msgs/s (round trips per second for rtt rows), MB/s (10^6\n"
	       "bytes of payload, stream rows), median and 99th percentile round trip in\n"
	       "microseconds, CPU seconds of both processes (user + system), and the\n"
	       "ratio to the baselines: libicmsg streams as msgs/s over (b)'s and (a)'s\n"
	       "at the same size, libicmsg round trips as median over (c)'s.\n"
	       "JSON: duration_ms, libicmsg_text_bytes, max_size and rows, each with\n"
	       "case, region_bytes, size, msgs, elapsed_s, msgs_per_s, mb_per_s,\n"
	       "rtt_median_us, rtt_p99_us, cpu_s, vs_doorbell_ring, vs_ideal_ring and\n"
	       "vs_fifo_pingpong (null where not measured).\n");
	printf("\nExit status: 0 if every case ran, 1 error, 2 usage.\n");
}

/* ------------------------------------------------------------------------ */
/* Running the cases                                                        */

static void add_row(struct bench *b, enum kind kind, uint32_t region, uint32_t size)
{
	b->rows[b->n_rows++] = (struct row){ .kind = kind, .region = region, .size = size };
}

static void plan(struct bench *b)
{
	static const enum kind order[] = { K_RING, K_RING_BELL, K_SEQ_STREAM, K_SEQ_RTT,
					   K_LIB_STREAM, K_LIB_RTT };

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		if (order[k] == K_LIB_STREAM)
			add_row(b, K_FIFO, 0, 1);
		/* The baseline rings' data area is as large as a 64 KiB region. */
		for (size_t i = 0; i < N_SIZES; i++)
			add_row(b, order[k], order[k] <= K_RING_BELL || order[k] >= K_LIB_STREAM
						     ? REGION_BIG : 0,
				b->sizes[i]);
		if (order[k] >= K_LIB_STREAM)
			add_row(b, order[k], REGION_SMALL, SMALL_SIZE);
	}
}

/* Fresh files for a case: nothing left from the previous one. */
static int prepare(struct bench *b, uint32_t region)
{
	struct bench_case *c = &b->c;
	int fd;

	unlink(c->fifo_a);
	unlink(c->fifo_b);
	if (mkfifo(c->fifo_a, 0600) < 0 || mkfifo(c->fifo_b, 0600) < 0)
		return -errno;
	fd = open(c->region, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)region * 2) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	c->region_size = region;
	return 0;
}

static double cpu_now(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int run_case(struct bench *b, struct row *row)
{
	struct bench_case *c = &b->c;
	struct bench_result r = { 0 };
	double cpu0;
	int err;

	err = prepare(b, row->kind >= K_LIB_STREAM ? row->region : REGION_BIG);
	if (err < 0)
		return err;
	c->size = row->size;
	cpu0 = cpu_now();
	switch (row->kind) {
	case K_RING:
	case K_RING_BELL:
		err = bench_ring_stream(c, row->kind == K_RING_BELL, &r);
		break;
	case K_FIFO:
		err = bench_fifo_rtt(c, &r);
		break;
	case K_SEQ_STREAM:
		err = bench_seqpacket_stream(c, &r);
		break;
	case K_SEQ_RTT:
		err = bench_seqpacket_rtt(c, &r);
		break;
	case K_LIB_STREAM:
		err = bench_lib_stream(c, &r);
		break;
	case K_LIB_RTT:
		err = bench_lib_rtt(c, &r);
		break;
	}
	row->cpu_s = cpu_now() - cpu0;
	if (err == 0 && (r.msgs == 0 || r.ns == 0))
		err = -ENODATA;
	if (err == 0) {
		row->done = true;
		row->msgs = r.msgs;
		row->secs = (double)r.ns / 1e9;
		row->msgs_per_s = (double)r.msgs / row->secs;
		row->mb_per_s = row->msgs_per_s * row->size / 1e6;
		if (r.n_rtt) {
			qsort(r.rtt, r.n_rtt, sizeof(r.rtt[0]), cmp_u64);
			row->rtt_med_us = (double)r.rtt[r.n_rtt / 2] / 1e3;
			row->rtt_p99_us = (double)r.rtt[(r.n_rtt * 99) / 100] / 1e3;
		}
	}
	free(r.rtt);
	return err;
}

static const struct row *find_row(const struct bench *b, enum kind kind, uint32_t size)
{
	for (size_t i = 0; i < b->n_rows; i++)
		if (b->rows[i].kind == kind && (kind == K_FIFO || b->rows[i].size == size) &&
		    b->rows[i].done)
			return &b->rows[i];
	return NULL;
}

static void ratios(struct bench *b)
{
	for (size_t i = 0; i < b->n_rows; i++) {
		struct row *row = &b->rows[i];
		const struct row *base;

		if (!row->done)
			continue;
		if (row->kind == K_LIB_STREAM) {
			base = find_row(b, K_RING_BELL, row->size);
			if (base)
				row->vs_b = row->msgs_per_s / base->msgs_per_s;
			base = find_row(b, K_RING, row->size);
			if (base)
				row->vs_a = row->msgs_per_s / base->msgs_per_s;
		} else if (row->kind == K_LIB_RTT) {
			base = find_row(b, K_FIFO, 0);
			if (base && base->rtt_med_us > 0)
				row->vs_c = row->rtt_med_us / base->rtt_med_us;
		}
	}
}

/* ------------------------------------------------------------------------ */
/* libicmsg's text segment                                                  */

struct text_info {
	char path[256];
	uint64_t bytes;
};

static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
	struct text_info *t = data;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	base = base ? base + 1 : info->dlpi_name;
	if (strncmp(base, "libicmsg.so", 11) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X))
			t->bytes += info->dlpi_phdr[i].p_memsz;
	snprintf(t->path, sizeof(t->path), "%s", info->dlpi_name);
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static const char *region_name(uint32_t region, char *buf, size_t cap)
{
	if (!region)
		return "-";
	snprintf(buf, cap, "%uKi", region / 1024);
	return buf;
}

static void print_table(const struct bench *b, const struct text_info *t)
{
	char reg[16], med[16], p99[16], mb[16], vs[48];

	printf("icmsg-cli bench: %d ms per case, payload sizes in bytes, libicmsg %s\n",
	       b->duration_ms, icmsg_version_string());
	printf("%-28s %6s %6s %11s %9s %9s %9s %7s  %s\n", "what", "region", "size", "msgs/s",
	       "MB/s", "rtt med", "rtt p99", "cpu s", "vs baseline");
	for (size_t i = 0; i < b->n_rows; i++) {
		const struct row *row = &b->rows[i];
		const char *region;

		region = region_name(row->region, reg, sizeof(reg));
		if (!row->done) {
			printf("%-28s %6s %6u %11s\n", kinds[row->kind].what, region, row->size,
			       "failed");
			continue;
		}
		snprintf(mb, sizeof(mb), kinds[row->kind].rtt ? "-" : "%.2f", row->mb_per_s);
		snprintf(med, sizeof(med), kinds[row->kind].rtt ? "%.1f" : "-", row->rtt_med_us);
		snprintf(p99, sizeof(p99), kinds[row->kind].rtt ? "%.1f" : "-", row->rtt_p99_us);
		vs[0] = '\0';
		if (row->vs_b > 0)
			snprintf(vs, sizeof(vs), "%.3fx (b)  %.3fx (a)", row->vs_b, row->vs_a);
		else if (row->vs_c > 0)
			snprintf(vs, sizeof(vs), "%.2fx (c) rtt", row->vs_c);
		printf("%-28s %6s %6u %11.0f %9s %9s %9s %7.2f  %s\n", kinds[row->kind].what, region,
		       row->size, row->msgs_per_s, mb, med, p99, row->cpu_s, vs);
	}
	if (t->bytes)
		printf("libicmsg text (executable segment, as loaded; stripping does not change "
		       "it): %llu bytes, %s\n",
		       (unsigned long long)t->bytes, t->path);
	else
		printf("libicmsg text: not measured (libicmsg is not loaded as a shared library)\n");
}

static void json_num(const char *name, double v, bool valid, bool comma)
{
	if (valid)
		printf("\"%s\":%.6g", name, v);
	else
		printf("\"%s\":null", name);
	if (comma)
		putchar(',');
}

static void print_json(const struct bench *b, const struct text_info *t)
{
	bool first = true;

	printf("{\"duration_ms\":%d,", b->duration_ms);
	json_num("libicmsg_text_bytes", (double)t->bytes, t->bytes > 0, true);
	printf("\"max_size\":%u,\"rows\":[", b->sizes[N_SIZES - 1]);
	for (size_t i = 0; i < b->n_rows; i++) {
		const struct row *row = &b->rows[i];
		bool rtt = kinds[row->kind].rtt;

		if (!row->done)
			continue;
		printf("%s{\"case\":\"%s\",", first ? "" : ",", kinds[row->kind].key);
		first = false;
		json_num("region_bytes", row->region, row->region > 0, true);
		printf("\"size\":%u,\"msgs\":%llu,", row->size, (unsigned long long)row->msgs);
		json_num("elapsed_s", row->secs, true, true);
		json_num("msgs_per_s", row->msgs_per_s, true, true);
		json_num("mb_per_s", row->mb_per_s, !rtt, true);
		json_num("rtt_median_us", row->rtt_med_us, rtt, true);
		json_num("rtt_p99_us", row->rtt_p99_us, rtt, true);
		json_num("cpu_s", row->cpu_s, true, true);
		json_num("vs_doorbell_ring", row->vs_b, row->vs_b > 0, true);
		json_num("vs_ideal_ring", row->vs_a, row->vs_a > 0, true);
		json_num("vs_fifo_pingpong", row->vs_c, row->vs_c > 0, false);
		putchar('}');
	}
	printf("]}\n");
}

/* ------------------------------------------------------------------------ */

static int run(struct bench *b)
{
	struct bench_case *c = &b->c;
	int err, ret = CLI_EXIT_OK, max;
	char reg[16];

	c->dir = b->dir;
	snprintf(c->region, sizeof(c->region), "%s/region", b->dir);
	snprintf(c->fifo_a, sizeof(c->fifo_a), "%s/fifo-a", b->dir);
	snprintf(c->fifo_b, sizeof(c->fifo_b), "%s/fifo-b", b->dir);
	c->duration_ms = b->duration_ms;

	err = prepare(b, REGION_BIG);
	max = err < 0 ? err : bench_lib_max(c);
	if (max < 0) {
		cli_errf("bench: cannot open a link in %s: %s", b->dir, strerror(-max));
		return CLI_EXIT_ERROR;
	}
	memcpy(b->sizes, (const uint32_t[N_SIZES]){ 16, 64, 256, 1024, (uint32_t)max },
	       sizeof(b->sizes));
	plan(b);
	for (size_t i = 0; i < b->n_rows; i++) {
		struct row *row = &b->rows[i];

		fprintf(stderr, "bench: [%zu/%zu] %s, %s region, %u bytes\n", i + 1, b->n_rows,
			kinds[row->kind].what, region_name(row->region, reg, sizeof(reg)),
			row->size);
		err = run_case(b, row);
		if (err < 0) {
			cli_errf("bench: %s, %u bytes: %s", kinds[row->kind].what, row->size,
				 strerror(-err));
			ret = CLI_EXIT_ERROR;
		}
		if (cli_signalled()) {
			cli_errf("bench: interrupted");
			return CLI_EXIT_ERROR;
		}
	}
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench *b;
	struct text_info text = { .bytes = 0 };
	uint32_t duration_ms = BENCH_DURATION_DEFAULT_MS;
	int opt, ret;
	bool json = false;

	while ((opt = getopt_long(argc, argv, ":d:qjh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (cli_parse_u32(optarg, "duration-ms", 1, BENCH_DURATION_MAX_MS,
					  &duration_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			duration_ms = BENCH_DURATION_QUICK_MS;
			break;
		case 'j':
			json = true;
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
	b = calloc(1, sizeof(*b));
	if (!b) {
		cli_errf("out of memory");
		return CLI_EXIT_ERROR;
	}
	b->duration_ms = (int)duration_ms;
	b->json = json;
	snprintf(b->dir, sizeof(b->dir), "/tmp/icmsg-bench-XXXXXX");
	if (!mkdtemp(b->dir)) {
		cli_errf("bench: mkdtemp %s: %s", b->dir, strerror(errno));
		free(b);
		return CLI_EXIT_ERROR;
	}
	ret = run(b);
	unlink(b->c.region);
	unlink(b->c.fifo_a);
	unlink(b->c.fifo_b);
	rmdir(b->dir);
	if (b->n_rows) {
		ratios(b);
		dl_iterate_phdr(find_text, &text);
		if (json)
			print_json(b, &text);
		else
			print_table(b, &text);
	}
	free(b);
	return ret;
}
