// SPDX-License-Identifier: MIT
/*
 * icmsg-cli status - ask icmsgd's control socket for its instances and
 * show them as a table, or pass its JSON through (docs/icmsgd.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-json.h"

static void print_help(void)
{
	printf("Usage: %s status [OPTIONS]... [INSTANCE]\n", CLI_PROG);
	printf("\nShow icmsgd's instances (or only INSTANCE): one row each with its state,\n"
	       "bonding variant, the local time it bonded (BONDED-SINCE), the messages\n"
	       "it relayed each way, how full each ring is (TX-RING, RX-RING: bytes in\n"
	       "use now / the ring's size), its errors and how many clients are\n"
	       "connected. Instances in the error state have their reason below the\n"
	       "table; --verbose adds the socket, max_send, each ring's high-water mark\n"
	       "(the most bytes in use at once) and the clients (pid/uid) of each.\n"
	       "Exits 1 if icmsgd cannot be reached or has no such instance.\n");
	printf("\nWith --watch, refresh every SECONDS until SIGINT or SIGTERM (exit 0): on\n"
	       "a terminal the screen is redrawn; otherwise each snapshot is printed\n"
	       "after a blank line (with --json, one reply a line). While icmsgd cannot be\n"
	       "reached, each refresh says so on stderr and the watch goes on.\n");
	printf("\nOptions:\n");
	printf("  -j, --json                 print icmsgd's reply (JSON) unchanged\n");
	printf("  -w, --watch[=SECONDS]      refresh every SECONDS (default: 1; decimals\n"
	       "                             allowed, e.g. --watch=0.5)\n");
	printf("      --control PATH         icmsgd's control socket (default: $ICMSG_CONTROL,\n"
	       "                             else %s)\n", CLI_CONTROL_DEFAULT);
	printf("  -t, --timeout MS           max wait for icmsgd's reply (default: %d)\n",
	       CLI_CONTROL_TIMEOUT_MS);
	printf("  -v, --verbose              show each instance's socket, max_send, clients\n");
	printf("  -h, --help                 display this help and exit\n");
}

enum {
	COL_NAME,
	COL_STATE,
	COL_VARIANT,
	COL_SINCE,
	COL_TX,
	COL_RX,
	COL_TX_RING,
	COL_RX_RING,
	COL_ERRORS,
	COL_CLIENTS,
	COL_COUNT,
};

static const char *const headings[COL_COUNT] = {
	"NAME",    "STATE",   "VARIANT", "BONDED-SINCE", "TX-MSGS",
	"RX-MSGS", "TX-RING", "RX-RING", "ERRORS",       "CLIENTS",
};

/* Numbers line up on the right, as in ps and ss. */
static const bool right_aligned[COL_COUNT] = {
	[COL_TX] = true,      [COL_RX] = true,     [COL_TX_RING] = true,
	[COL_RX_RING] = true, [COL_ERRORS] = true, [COL_CLIENTS] = true,
};

/* Terminal columns of UTF-8 text: continuation bytes take none. Good
 * enough for names; East Asian wide characters would count as one. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* A string field made safe for a table cell; "-" if missing or null. */
static char *cell_text(const struct cli_json *v)
{
	const char *s = cli_json_string(v);
	char *out;
	size_t n = 0;

	if (!s)
		return strdup("-");
	out = malloc(strlen(s) * 4 + 1);
	if (!out)
		return NULL;
	/* The same escaping as cli_print_safe(), into a buffer, so that
	 * the width is that of what is printed. */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			n += (size_t)sprintf(out + n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
}

static char *cell_u64(const struct cli_json *v)
{
	char *out;
	uint64_t n;

	if (!cli_json_u64(v, &n))
		return strdup("-");
	if (asprintf(&out, "%llu", (unsigned long long)n) < 0)
		return NULL;
	return out;
}

/* A Unix time as local time to the second; "-" for null or nonsense. */
static char *cell_time(const struct cli_json *v)
{
	char buf[64];
	double t;
	time_t sec;
	struct tm tm;

	/* Beyond +-2^53 s a double has no seconds left; far beyond any date. */
	if (!cli_json_number(v, &t) || !(t >= 0 && t < 9007199254740992.0))
		return strdup("-");
	sec = (time_t)t;
	if (!localtime_r(&sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return strdup("-");
	return strdup(buf);
}

/* "USED/SIZE" of a ring from two counters; "-" unless both are numbers. */
static char *cell_ring(const struct cli_json *used, const struct cli_json *size)
{
	uint64_t u, n;
	char *out;

	if (!cli_json_u64(used, &u) || !cli_json_u64(size, &n))
		return strdup("-");
	if (asprintf(&out, "%llu/%llu", (unsigned long long)u, (unsigned long long)n) < 0)
		return NULL;
	return out;
}

static char *cell_count(const struct cli_json *v)
{
	char *out;

	if (!cli_json_is(v, CLI_JSON_ARRAY))
		return strdup("-");
	if (asprintf(&out, "%zu", cli_json_count(v)) < 0)
		return NULL;
	return out;
}

/* The cells of one instance; false if out of memory. */
static bool fill_row(const struct cli_json *inst, char **row)
{
	const struct cli_json *counters = cli_json_get(inst, "counters");

	row[COL_NAME] = cell_text(cli_json_get(inst, "name"));
	row[COL_STATE] = cell_text(cli_json_get(inst, "state"));
	row[COL_VARIANT] = cell_text(cli_json_get(inst, "variant"));
	row[COL_SINCE] = cell_time(cli_json_get(inst, "bonded_since"));
	row[COL_TX] = cell_u64(cli_json_get(counters, "tx_msgs"));
	row[COL_RX] = cell_u64(cli_json_get(counters, "rx_msgs"));
	row[COL_TX_RING] = cell_ring(cli_json_get(counters, "tx_ring_used"),
				     cli_json_get(counters, "tx_ring_size"));
	row[COL_RX_RING] = cell_ring(cli_json_get(counters, "rx_ring_used"),
				     cli_json_get(counters, "rx_ring_size"));
	row[COL_ERRORS] = cell_u64(cli_json_get(counters, "errors"));
	row[COL_CLIENTS] = cell_count(cli_json_get(inst, "clients"));
	for (int c = 0; c < COL_COUNT; c++)
		if (!row[c])
			return false;
	return true;
}

static void print_row(const char *const *row, const size_t *width)
{
	for (int c = 0; c < COL_COUNT; c++) {
		size_t pad = width[c] - text_width(row[c]);
		bool last = c == COL_COUNT - 1;

		if (right_aligned[c])
			printf("%*s%s", (int)pad, "", row[c]);
		else
			printf("%s%*s", row[c], last ? 0 : (int)pad, "");
		fputs(last ? "\n" : "  ", stdout);
	}
}

static void print_details(const struct cli_json *inst, bool verbose)
{
	const char *name = cli_json_string(cli_json_get(inst, "name"));
	const struct cli_json *err = cli_json_get(inst, "error");
	const struct cli_json *clients = cli_json_get(inst, "clients");
	uint64_t n;

	if (!verbose) {
		/* The reason of an instance in trouble is worth a line even
		 * without --verbose: the table only says "error". */
		if (!err || cli_json_is(err, CLI_JSON_NULL))
			return;
		cli_print_safe(stdout, name ? name : "-");
		fputs(": error: ", stdout);
		cli_print_safe(stdout, cli_json_string(err) ? cli_json_string(err) : "?");
		fputc('\n', stdout);
		return;
	}
	fputc('\n', stdout);
	cli_print_safe(stdout, name ? name : "-");
	fputs(":\n  socket: ", stdout);
	cli_print_safe(stdout, cli_json_string(cli_json_get(inst, "socket")) ?
				       cli_json_string(cli_json_get(inst, "socket")) : "-");
	fputs("\n  max_send: ", stdout);
	if (cli_json_u64(cli_json_get(inst, "max_send"), &n))
		printf("%llu\n", (unsigned long long)n);
	else
		fputs("-\n", stdout);
	for (int d = 0; d < 2; d++) {
		const struct cli_json *counters = cli_json_get(inst, "counters");
		char *cell = cell_ring(cli_json_get(counters, d ? "rx_ring_high_water"
								 : "tx_ring_high_water"),
				       cli_json_get(counters, d ? "rx_ring_size" : "tx_ring_size"));

		printf("  %s ring high water: %s\n", d ? "rx" : "tx", cell ? cell : "-");
		free(cell);
	}
	if (err && !cli_json_is(err, CLI_JSON_NULL)) {
		fputs("  error: ", stdout);
		cli_print_safe(stdout, cli_json_string(err) ? cli_json_string(err) : "?");
		fputc('\n', stdout);
	}
	if (cli_json_count(clients) == 0 || !cli_json_is(clients, CLI_JSON_ARRAY)) {
		fputs("  clients: none\n", stdout);
		return;
	}
	for (const struct cli_json *c = clients->child; c; c = c->next) {
		uint64_t pid, uid;
		bool has_pid = cli_json_u64(cli_json_get(c, "pid"), &pid);
		bool has_uid = cli_json_u64(cli_json_get(c, "uid"), &uid);

		fputs("  client: pid ", stdout);
		if (has_pid)
			printf("%llu", (unsigned long long)pid);
		else
			fputc('-', stdout);
		fputs(" uid ", stdout);
		if (has_uid)
			printf("%llu\n", (unsigned long long)uid);
		else
			fputs("-\n", stdout);
	}
}

/* The table of @list (an array of INSTANCE objects); return an exit code. */
static int print_table(const struct cli_json *list, bool verbose, const char *path)
{
	size_t count = cli_json_count(list), width[COL_COUNT], r = 0;
	char *(*rows)[COL_COUNT];
	int ret = CLI_EXIT_OK;

	for (const struct cli_json *i = list->child; i; i = i->next) {
		if (!cli_json_is(i, CLI_JSON_OBJECT)) {
			cli_errf("malformed reply from icmsgd: an instance is not an object -- "
				 "'%s'", path);
			return CLI_EXIT_ERROR;
		}
	}
	rows = calloc(count ? count : 1, sizeof(*rows));
	if (!rows) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	for (int c = 0; c < COL_COUNT; c++)
		width[c] = strlen(headings[c]);
	for (const struct cli_json *i = list->child; i; i = i->next, r++) {
		if (!fill_row(i, rows[r])) {
			cli_err("out of memory", NULL);
			ret = CLI_EXIT_ERROR;
			goto out;
		}
		for (int c = 0; c < COL_COUNT; c++) {
			size_t w = text_width(rows[r][c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	print_row(headings, width);
	for (r = 0; r < count; r++)
		print_row((const char *const *)rows[r], width);
	for (const struct cli_json *i = list->child; i; i = i->next)
		print_details(i, verbose);
out:
	for (r = 0; r < count; r++)
		for (int c = 0; c < COL_COUNT; c++)
			free(rows[r][c]);
	free(rows);
	return ret;
}

/** struct status_opts - what one snapshot asks and prints. */
struct status_opts {
	const char *path;    /* the control socket */
	const char *request; /* "status" or "status NAME" */
	int timeout_ms;
	bool json;
	bool verbose;
};

/* Ask icmsgd once and print the table (or the JSON); return an exit code. */
static int snapshot(const struct status_opts *o)
{
	struct cli_buf buf = { 0 };
	const struct cli_json *list;
	struct cli_json *reply;
	size_t len;
	int ret;

	ret = cli_control_request(o->path, o->request, o->timeout_ms, &buf, &len, &reply);
	if (ret)
		goto out;
	list = cli_json_get(reply, "instances");
	if (!cli_json_is(list, CLI_JSON_ARRAY)) {
		cli_errf("malformed reply from icmsgd: no \"instances\" list -- '%s'", o->path);
		ret = CLI_EXIT_ERROR;
	} else if (o->json) {
		/* As received: scripts get every field, also ones we do not
		 * know, and the bytes icmsgd wrote. */
		fwrite(buf.data, 1, len, stdout);
		if (len == 0 || buf.data[len - 1] != '\n')
			fputc('\n', stdout);
	} else {
		ret = print_table(list, o->verbose, o->path);
	}
	cli_json_free(reply);
out:
	free(buf.data);
	return ret;
}

/*
 * --watch: a snapshot every @interval_ms until a signal; return an exit
 * code. A snapshot that fails (icmsgd down, restarting) has said why on
 * stderr; the next one may succeed.
 */
static int watch(const struct status_opts *o, int interval_ms)
{
	bool tty = isatty(STDOUT_FILENO) == 1;
	uint64_t due = cli_now_ms();
	unsigned long n = 0;
	int ret;

	cli_daemon_quiet_interrupts(true);
	for (;;) {
		/* Home and clear, then draw: the table replaces the last one. */
		if (tty && !o->json)
			fputs("\033[H\033[2J", stdout);
		else if (n && !o->json)
			fputc('\n', stdout);
		n++;
		/* Before a failed snapshot's message on stderr, not after. */
		fflush(stdout);
		snapshot(o);
		if (fflush(stdout) == EOF) {
			cli_errf("cannot write to stdout: %s", strerror(errno));
			return CLI_EXIT_ERROR;
		}
		/* On the clock from the first snapshot, so that slow replies
		 * do not add up; a late snapshot is taken at once. */
		due += (uint64_t)interval_ms;
		if (due < cli_now_ms())
			due = cli_now_ms();
		ret = cli_sleep_until(due);
		if (ret == CLI_WAIT_SIGNAL || cli_signalled())
			return CLI_EXIT_OK;
		if (ret < 0) {
			cli_errf("waiting failed: %s", strerror(-ret));
			return CLI_EXIT_ERROR;
		}
	}
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "control", required_argument, NULL, CLI_OPT_CONTROL },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct status_opts o = { .timeout_ms = CLI_CONTROL_TIMEOUT_MS };
	const char *control = NULL, *name = NULL;
	int opt, ret, interval_ms = 0;
	char *request;

	while ((opt = getopt_long(argc, argv, ":jw::t:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'w':
			interval_ms = 1000;
			if (optarg && cli_parse_seconds(optarg, "watch interval", &interval_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case CLI_OPT_CONTROL:
			control = optarg;
			break;
		case 't':
			if (cli_parse_ms(optarg, "timeout", &o.timeout_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(opt, argv, longopts);
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc) {
		cli_err("unexpected argument", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (name && !*name) {
		cli_err("empty instance name", "");
		return CLI_EXIT_USAGE;
	}
	/* The request is one line of words: a name with blanks would be
	 * read as more words, so it cannot be asked for. */
	if (name && name[strcspn(name, " \t\r\n")]) {
		cli_err("invalid instance name", name);
		return CLI_EXIT_USAGE;
	}

	ret = cli_signals_init();
	if (ret)
		return ret;
	o.path = cli_control_path(control);
	if (name ? asprintf(&request, "status %s", name) < 0 : !(request = strdup("status"))) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	o.request = request;
	if (interval_ms) {
		ret = watch(&o, interval_ms);
	} else {
		ret = snapshot(&o);
		if (ret == CLI_EXIT_OK && fflush(stdout) == EOF) {
			cli_errf("cannot write to stdout: %s", strerror(errno));
			ret = CLI_EXIT_ERROR;
		}
	}
	free(request);
	return ret;
}
