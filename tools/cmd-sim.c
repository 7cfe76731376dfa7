// SPDX-License-Identifier: MIT
/*
 * icmsg-cli sim - play the remote core of an instance: the same regions and
 * doorbells with tx and rx swapped, echoing, swallowing or generating
 * messages; and, to test the other side, resetting now and then and
 * corrupting the ring it writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* How often a blocked send is retried: a Zephyr-style reader never
 * signals freed space (spec 2.8), so the writer has to look again. Also
 * the pace of the messages generate drops while its ring is corrupt. */
#define SIM_RETRY_MS 5

/* Messages sent or taken per round before the link is processed again. */
#define SIM_BATCH 64

/* With --count, how long the sim waits at most for the peer to read the
 * last messages it sent (closing a session loses unread ones, spec 3.3). */
#define SIM_DRAIN_MS 2000

#define SIM_RATE_MAX 1000000u
#define SIM_SIZE_DEFAULT 16u

/* The bonding magic (spec 3.1), and the ring offset after its packet. */
static const char sim_magic[] = "Em1l1K0rn3li4";
#define SIM_MAGIC_LEN 13u
#define SIM_MAGIC_END 20u

#define NS_PER_MS 1000000u
#define NS_PER_S 1000000000u

enum sim_mode {
	SIM_ECHO,
	SIM_SINK,
	SIM_GENERATE,
};

static const char *const mode_names[] = { "echo", "sink", "generate" };

enum sim_pattern {
	PAT_COUNTER,
	PAT_RANDOM,
	PAT_ZERO,
	PAT_TEXT,
};

static const char *const pattern_names[] = { "counter", "random", "zero", "text" };

enum sim_corrupt {
	CORRUPT_NONE,
	CORRUPT_WR_INDEX,
	CORRUPT_LENGTH,
	CORRUPT_MAGIC,
};

static const char *const corrupt_names[] = { "none", "wr-index", "length", "magic" };

/* Codes of the long-only options. */
enum {
	OPT_SEED = CLI_OPT_CMD_BASE,
	OPT_RESET_EVERY,
	OPT_CORRUPT,
	OPT_CORRUPT_AFTER,
};

/*
 * What --corrupt writes to: the sim's view of the instance (tx and rx
 * swapped), from the same file as the link. @file keeps the strings alive.
 */
struct sim_target {
	struct icmsg_config *file;
	struct icmsg_region_config tx; /* the ring the sim writes */
	struct icmsg_region_config rx; /* holds the handshake word the sim writes */
	const char *doorbell;          /* FIFO of the peer's doorbell */
	uint32_t dcache;
	bool handshake;                /* enable/detect layout */
	uint8_t *img;                  /* a copy of one region */
	size_t img_cap;
};

struct sim {
	const struct cli_link_opts *lo;
	const struct icmsg_link_callbacks *cb;
	struct icmsg_link *link;
	enum sim_mode mode;
	FILE *events;        /* bound/unbound/reset/corrupt lines */
	bool json;
	uint32_t count;      /* stop after this many messages, 0 = never */
	uint64_t handled;    /* received (echo, sink) or generated (generate) */

	/* echo (and the receive side of every mode) */
	uint8_t *buf;        /* received message; the echo being sent */
	size_t cap;
	size_t pending;      /* length of an echo waiting for ring space, 0 = none */

	/* generate */
	uint32_t rate;       /* messages per second, 0 = as fast as possible */
	uint32_t size_min, size_max;
	const char *size_arg; /* --size as given, NULL for the default */
	enum sim_pattern pattern;
	uint64_t seed, rng;
	uint32_t seq;        /* of the next message generated */
	uint8_t *gen;        /* the generated message */
	size_t gen_cap;
	size_t gen_len;      /* waiting to be sent, 0 = none */
	bool paced;          /* base and tick are valid */
	uint64_t base_ns, tick;

	/* --reset-every, --corrupt */
	uint32_t reset_every;
	uint64_t next_reset;
	enum sim_corrupt corrupt;
	uint32_t corrupt_after;
	bool corrupted;      /* done (once per run) */
	bool wedged;         /* write nothing until the link is reset or bonds again */
	struct sim_target target;

	/* statistics; the link's own counters restart at each reset */
	uint64_t start_ns;
	uint64_t tx_msgs, tx_bytes, rx_msgs, rx_bytes;
	uint64_t bonds, unbinds, errors; /* of the links closed by resets */
	uint64_t resets, corruptions, retries, dropped;
};

static void print_help(void)
{
	printf("Usage: %s sim [OPTIONS]...\n", CLI_PROG);
	printf("\nAct as the remote core of an instance: open it with tx and rx swapped\n"
	       "and serve until SIGINT or SIGTERM, --count or --duration: echo or swallow\n"
	       "what arrives, or generate messages of its own. To test the other side it\n"
	       "can also reset itself now and then, and corrupt the ring it writes once.\n"
	       "Prints \"bound (magic|session)\", \"unbound (reason)\", \"reset N\" and\n"
	       "\"corrupt WHAT: ...\" lines on stdout, statistics on stderr at exit.\n");
	printf("\nOptions:\n");
	printf(CLI_LINK_HELP);
	printf("  -m, --mode MODE            echo (send every message back, default), sink\n"
	       "                             (swallow every message) or generate (send\n"
	       "                             messages of its own, count and discard what\n"
	       "                             arrives)\n");
	printf("  -n, --count N              exit after N messages: received (echo, sink)\n"
	       "                             or generated (generate)\n");
	printf("  -d, --duration MS          exit after MS milliseconds\n");
	printf("  -r, --rate N               generate N messages per second (default 0: as\n"
	       "                             fast as the ring takes them)\n");
	printf("  -s, --size N|MIN-MAX       generated message size in bytes, fixed or\n"
	       "                             uniformly random in MIN..MAX (default %u);\n"
	       "                             MAX is capped at the link's max_send\n",
	       SIM_SIZE_DEFAULT);
	printf("  -p, --pattern PATTERN      contents of generated messages (default\n"
	       "                             counter):\n"
	       "                             counter  the sequence number SEQ (from 0) as\n"
	       "                                      a 32-bit little-endian word, then\n"
	       "                                      bytes (SEQ + i) & 0xff at offset i\n"
	       "                             random   pseudo-random bytes (see --seed)\n"
	       "                             zero     all bytes 0\n"
	       "                             text     \"msg SEQ \" padded with '.'\n"
	       "                             (all truncated to the size)\n");
	printf("      --seed N               seed of the random sizes and bytes, for\n"
	       "                             repeatable runs (default: from the clock;\n"
	       "                             printed with the statistics)\n");
	printf("      --reset-every N        reset the remote core after every N messages\n"
	       "                             (received, or generated): close the link and\n"
	       "                             open it again, as a rebooting core would\n");
	printf("      --corrupt WHAT         once bound and --corrupt-after messages on,\n"
	       "                             write a bad value into the ring the sim writes\n"
	       "                             (the one the other side reads), ring the other\n"
	       "                             side, and write nothing more (echoes and\n"
	       "                             generated messages are dropped) until the\n"
	       "                             link is reset or bonds again. WHAT is:\n"
	       "                             wr-index  wr_idx at the end of the data area\n"
	       "                             length    a packet header of 65535 bytes,\n"
	       "                                       past the end of the ring\n"
	       "                             magic     with magic bonding, re-initialise\n"
	       "                                       the ring as a rebooted core with a\n"
	       "                                       broken bonding magic; with sessions,\n"
	       "                                       a session request nobody made in\n"
	       "                                       the handshake word the other side\n"
	       "                                       reads\n"
	       "                             Simulation instances only (file regions and a\n"
	       "                             FIFO doorbell).\n");
	printf("      --corrupt-after N      corrupt after N messages (received, or\n"
	       "                             generated; default 0: at once)\n");
	printf("  -j, --json                 print the statistics as one JSON object on\n"
	       "                             stdout; the event lines then go to stderr\n");
	printf("  -h, --help                 display this help and exit\n");
	printf("\nStatistics: messages and bytes sent and received, bonds, unbinds, errors,\n"
	       "messages dropped, resets, corruptions, sends retried on a full ring, the\n"
	       "seed, elapsed seconds and the achieved rates. JSON members: instance, mode,\n"
	       "seed, elapsed_s, tx_msgs, tx_bytes, rx_msgs, rx_bytes, tx_rate, tx_byte_rate,\n"
	       "rx_rate, rx_byte_rate, bonds, unbinds, errors, dropped, resets, corruptions,\n"
	       "send_retries.\n");
	printf("\nExit status: 0 at --count, --duration, SIGINT or SIGTERM, 1 error, 2 usage\n"
	       "error.\n");
}

/* ------------------------------------------------------------------------ */
/* Time and numbers                                                         */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t load32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* --size N or MIN-MAX, each 1..65535 (the packet length field). */
static int parse_size(const char *s, uint32_t *ret_min, uint32_t *ret_max)
{
	const char *dash = strchr(s, '-');
	char lo[16];
	size_t n;

	if (!dash) {
		if (cli_parse_u32(s, "size", 1, 65535, ret_min) < 0)
			return -EINVAL;
		*ret_max = *ret_min;
		return 0;
	}
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(lo)) {
		cli_err("invalid size (expected N or MIN-MAX, 1..65535)", s);
		return -EINVAL;
	}
	memcpy(lo, s, n);
	lo[n] = '\0';
	if (cli_parse_u32(lo, "size minimum", 1, 65535, ret_min) < 0 ||
	    cli_parse_u32(dash + 1, "size maximum", 1, 65535, ret_max) < 0)
		return -EINVAL;
	if (*ret_min > *ret_max) {
		cli_err("invalid size (MIN above MAX)", s);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */

static void on_bound(struct icmsg_link *link, void *userdata)
{
	struct sim *sim = userdata;
	struct icmsg_link_info info;

	if (icmsg_link_get_info(link, &info) < 0)
		info.variant = ICMSG_VARIANT_UNKNOWN;
	/* A new bond re-initialised our ring: whatever --corrupt wrote is gone. */
	sim->wedged = false;
	fprintf(sim->events, "bound (%s)\n",
		info.variant == ICMSG_VARIANT_SESSION ? "session" : "magic");
	fflush(sim->events);
}

static void on_unbound(struct icmsg_link *link, int reason, void *userdata)
{
	struct sim *sim = userdata;

	(void)link;
	/* An echo for the old session would reach a peer that never sent
	 * it (the writer's ring is reset on rebond): drop it. A generated
	 * message is nobody's answer: it waits for the next bond. */
	if (sim->pending) {
		sim->pending = 0;
		sim->dropped++;
	}
	sim->paced = false;
	fprintf(sim->events, "unbound (%s)\n", cli_unbound_reason(reason));
	fflush(sim->events);
}

static void on_error(struct icmsg_link *link, int err, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "%s: link %s: %s\n", CLI_PROG, icmsg_link_get_name(link),
		err == -EMSGSIZE ? "message larger than rx-buf-size dropped" : strerror(-err));
}

/* ------------------------------------------------------------------------ */
/* Bounds                                                                   */

static bool count_reached(const struct sim *sim)
{
	return sim->count && sim->handled >= sim->count;
}

static bool reset_due(const struct sim *sim)
{
	return sim->reset_every && sim->handled >= sim->next_reset;
}

static bool corrupt_due(const struct sim *sim)
{
	return sim->corrupt != CORRUPT_NONE && !sim->corrupted &&
	       sim->handled >= sim->corrupt_after;
}

/* No more messages in this round: a bound, a reset or the corruption is next. */
static bool at_boundary(const struct sim *sim)
{
	return count_reached(sim) || reset_due(sim) || corrupt_due(sim);
}

static bool done(const struct sim *sim)
{
	return count_reached(sim) && !sim->pending && !sim->gen_len;
}

/* ------------------------------------------------------------------------ */
/* Receiving and echoing                                                    */

/* Send the held echo. Return: false while the ring is still full. */
static bool flush_echo(struct sim *sim)
{
	int ret;

	if (!sim->pending)
		return true;
	if (sim->wedged) {
		sim->dropped++;
		sim->pending = 0;
		return true;
	}
	ret = icmsg_link_send(sim->link, sim->buf, sim->pending);
	if (ret == -ENOMEM) {
		sim->retries++;
		return false;
	}
	if (ret < 0) {
		/* e.g. -EMSGSIZE: the message fits our receive buffer but
		 * not the peer's (peer-rx-buf-size); or the link unbound. */
		fprintf(stderr, "%s: echo of %zu bytes dropped: %s\n", CLI_PROG, sim->pending,
			strerror(-ret));
		sim->dropped++;
	} else {
		sim->tx_msgs++;
		sim->tx_bytes += sim->pending;
	}
	sim->pending = 0;
	return true;
}

/*
 * Take messages while the echo path is free: up to the next bound in echo
 * and sink modes, a batch of any number in generate mode.
 * Return: 1 if messages may be left, 0, or a negative errno.
 */
static int serve(struct sim *sim)
{
	int n, taken = 0;

	while (flush_echo(sim)) {
		if (sim->mode == SIM_GENERATE ? taken >= SIM_BATCH : at_boundary(sim))
			return sim->mode == SIM_GENERATE;
		n = icmsg_link_try_recv(sim->link, sim->buf, sim->cap);
		if (n == -EAGAIN || n == -EBUSY || n == -ENOTCONN || n == -EIO)
			return 0; /* empty, or not bound: wait for the fd */
		if (n < 0)
			return n;
		taken++;
		sim->rx_msgs++;
		sim->rx_bytes += (uint64_t)n;
		if (sim->mode == SIM_GENERATE)
			continue;
		sim->handled++;
		if (sim->mode == SIM_ECHO)
			sim->pending = (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Generating                                                               */

static void make_message(struct sim *sim)
{
	uint32_t len = sim->size_min, seq = sim->seq++, i;
	uint8_t *p = sim->gen;
	char head[24];
	uint64_t r = 0;
	int n;

	if (sim->size_max > sim->size_min)
		len += (uint32_t)(rng_next(&sim->rng) % (sim->size_max - sim->size_min + 1u));
	switch (sim->pattern) {
	case PAT_COUNTER:
		for (i = 0; i < len; i++)
			p[i] = i < 4 ? (uint8_t)(seq >> (8 * i)) : (uint8_t)(seq + i);
		break;
	case PAT_RANDOM:
		for (i = 0; i < len; i++) {
			if (i % 8 == 0)
				r = rng_next(&sim->rng);
			p[i] = (uint8_t)(r >> (8 * (i % 8)));
		}
		break;
	case PAT_ZERO:
		memset(p, 0, len);
		break;
	case PAT_TEXT:
		memset(p, '.', len);
		n = snprintf(head, sizeof(head), "msg %u ", seq);
		memcpy(p, head, (size_t)n < len ? (size_t)n : len);
		break;
	}
	sim->gen_len = len;
}

/* When message number @k since the base is due, without drift or overflow. */
static uint64_t due_ns(const struct sim *sim, uint64_t k)
{
	return sim->base_ns + k / sim->rate * NS_PER_S + k % sim->rate * NS_PER_S / sim->rate;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/*
 * Send the messages that are due, up to the next bound or a full ring.
 * *@timeout is lowered to when the next one is due (0: at once).
 */
static void generate(struct sim *sim, int *timeout)
{
	uint64_t now = now_ns(), due;
	int ret;

	if (icmsg_link_get_state(sim->link) != ICMSG_LINK_BOUND) {
		sim->paced = false; /* start over at the bond: no burst of the backlog */
		return;
	}
	if (!sim->paced) {
		sim->base_ns = now;
		sim->tick = 0;
		sim->paced = true;
	}
	for (int i = 0; i < SIM_BATCH; i++) {
		if (at_boundary(sim))
			return;
		if (sim->rate) {
			due = due_ns(sim, sim->tick);
			if (now < due) {
				*timeout = min_timeout(*timeout,
						       (int)((due - now + NS_PER_MS - 1) / NS_PER_MS));
				return;
			}
		}
		if (!sim->gen_len)
			make_message(sim);
		if (sim->wedged) {
			/* The ring is the corruption's now: drop, at the pace. */
			sim->dropped++;
		} else {
			ret = icmsg_link_send(sim->link, sim->gen, sim->gen_len);
			if (ret == -ENOMEM) {
				sim->retries++;
				*timeout = min_timeout(*timeout, SIM_RETRY_MS);
				return;
			}
			if (ret == -EBUSY || ret == -ENOTCONN || ret == -EIO) {
				sim->paced = false;
				return; /* unbound meanwhile: keep it for the next bond */
			}
			if (ret < 0) {
				fprintf(stderr, "%s: message of %zu bytes dropped: %s\n", CLI_PROG,
					sim->gen_len, strerror(-ret));
				sim->dropped++;
			} else {
				sim->tx_msgs++;
				sim->tx_bytes += sim->gen_len;
			}
		}
		sim->gen_len = 0;
		sim->handled++;
		sim->tick++;
		if (sim->wedged && !sim->rate) {
			*timeout = min_timeout(*timeout, SIM_RETRY_MS);
			return;
		}
		now = now_ns();
	}
	*timeout = 0; /* more are due: process the link, then go on */
}

/* ------------------------------------------------------------------------ */
/* Resets                                                                   */

/* Add the counters of the link about to be closed. */
static void keep_link_counters(struct sim *sim)
{
	struct icmsg_link_info info;

	if (sim->link && icmsg_link_get_info(sim->link, &info) == 0) {
		sim->bonds += info.bonds;
		sim->unbinds += info.unbinds;
		sim->errors += info.errors;
	}
}

/* Close the link and open it again, as a rebooting core. Return an exit code. */
static int sim_reset(struct sim *sim)
{
	keep_link_counters(sim);
	sim->link = icmsg_link_close(sim->link);
	if (sim->pending) {
		sim->pending = 0;
		sim->dropped++;
	}
	sim->wedged = false;
	sim->paced = false;
	sim->resets++;
	while (sim->next_reset <= sim->handled)
		sim->next_reset += sim->reset_every;
	fprintf(sim->events, "reset %llu\n", (unsigned long long)sim->resets);
	fflush(sim->events);
	return cli_link_open(sim->lo, true, sim->cb, sim, &sim->link);
}

/* ------------------------------------------------------------------------ */
/* Corruption                                                               */

/* Check what --corrupt needs of instance @cfg and note the sim's view of it. */
static int target_setup(struct sim *sim, const struct icmsg_link_config *cfg)
{
	struct sim_target *t = &sim->target;
	enum icmsg_unbound_mode mode;
	uint64_t size;

	mode = sim->lo->set_unbound ? sim->lo->unbound : cfg->unbound;
	/* The remote core's view (spec 1.1): the instance's rx side is ours to write. */
	t->tx = cfg->rx_region;
	t->rx = cfg->tx_region;
	t->dcache = cfg->dcache_alignment;
	t->handshake = mode != ICMSG_UNBOUND_DISABLE;
	if (t->tx.type != ICMSG_REGION_FILE) {
		cli_errf("--corrupt works on simulation instances only: the ring the sim writes "
			 "(rx-region of '%s') is not a file region", cfg->name);
		return CLI_EXIT_ERROR;
	}
	/* Sessions: magic writes the handshake word in the other region. */
	if (sim->corrupt == CORRUPT_MAGIC && t->handshake && t->rx.type != ICMSG_REGION_FILE) {
		cli_errf("--corrupt magic works on simulation instances only: the handshake word "
			 "the sim writes (tx-region of '%s') is not in a file region", cfg->name);
		return CLI_EXIT_ERROR;
	}
	/* No call of the library rings the peer without writing to the ring:
	 * ring the simulation doorbell ourselves, one byte (spec 6.2). */
	if (cfg->rx_mbox.type != ICMSG_MBOX_FIFO) {
		cli_errf("--corrupt works on simulation instances only: the doorbell the sim "
			 "rings (mboxes rx of '%s') is not a FIFO", cfg->name);
		return CLI_EXIT_ERROR;
	}
	t->doorbell = cfg->rx_mbox.path;
	size = t->tx.size > t->rx.size ? t->tx.size : t->rx.size;
	if (size > UINT32_MAX) {
		cli_errf("region of '%s' too large to inspect", cfg->name);
		return CLI_EXIT_ERROR;
	}
	t->img_cap = (size_t)size;
	t->img = malloc(t->img_cap);
	if (!t->img) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

/* Read region @r and decode its layout and indices into @ret. */
static int target_inspect(struct sim_target *t, const struct icmsg_region_config *r,
			  struct icmsg_region_info *ret)
{
	int n = icmsg_region_read(r, t->img, t->img_cap);

	if (n < 0)
		return n;
	return icmsg_region_inspect(t->img, (size_t)n, t->dcache, t->handshake, ret, NULL, NULL);
}

static int poke(const struct icmsg_region_config *r, uint32_t off, const void *data, size_t len)
{
	int fd = open(r->path, O_RDWR | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, data, len, (off_t)(r->offset + off));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int poke32(const struct icmsg_region_config *r, uint32_t off, uint32_t v)
{
	const uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
				(uint8_t)(v >> 24) };

	return poke(r, off, le, sizeof(le));
}

static int ring_doorbell(const char *fifo)
{
	static const uint8_t one = 1;
	int fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	/* A full FIFO holds unread signals already: the peer wakes anyway. */
	if (write(fd, &one, 1) < 0 && errno != EAGAIN)
		err = -errno;
	close(fd);
	return err;
}

/* Ring data area bytes in use between the two indices (spec 2.4). */
static uint32_t ring_used(const struct icmsg_region_info *ri)
{
	if (ri->wr_idx >= ri->data_len || ri->rd_idx >= ri->data_len)
		return 0;
	return ri->wr_idx >= ri->rd_idx ? ri->wr_idx - ri->rd_idx
					: ri->data_len - (ri->rd_idx - ri->wr_idx);
}

static void corrupt_note(struct sim *sim, const char *what, const struct icmsg_region_config *r,
			 uint32_t off)
{
	fprintf(sim->events, "corrupt %s: %s (%s, offset %llu)\n",
		corrupt_names[sim->corrupt], what, r->path,
		(unsigned long long)(r->offset + off));
	fflush(sim->events);
}

/* magic with sessions: a session request in the word the peer checks (3.3). */
static int corrupt_session(struct sim *sim)
{
	struct sim_target *t = &sim->target;
	struct icmsg_region_info ri;
	uint32_t old, bad;
	char what[128];
	int ret;

	ret = target_inspect(t, &t->rx, &ri);
	if (ret < 0)
		return ret;
	old = load32le(t->img + ri.handshake_off);
	/* Neither our session nor 0 (a close): one nobody opened, unacked. */
	bad = (old & 0xffffu) ^ 0x8000u;
	if (bad == 0)
		bad = 0x8001u;
	ret = poke32(&t->rx, ri.handshake_off, bad);
	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "session handshake word 0x%08x -> 0x%08x, a request "
		 "nobody made", old, bad);
	corrupt_note(sim, what, &t->rx, ri.handshake_off);
	return 1;
}

/*
 * Write the bad value of --corrupt into the ring.
 * Return: 1 done, 0 not yet (try again soon), or a negative errno.
 */
static int corrupt_ring(struct sim *sim, bool session)
{
	struct sim_target *t = &sim->target;
	struct icmsg_region_info ri;
	uint8_t pkt[4 + SIM_MAGIC_LEN];
	uint32_t wr;
	char what[160];
	int ret;

	ret = target_inspect(t, &t->tx, &ri);
	if (ret < 0)
		return ret;
	/* With magic bonding, wait until the peer has read our magic: it
	 * checks a ring it is not bound to only for the next magic. */
	if (!session && ri.rd_idx == 0 && ri.wr_idx == SIM_MAGIC_END)
		return 0;
	switch (sim->corrupt) {
	case CORRUPT_WR_INDEX:
		ret = poke32(&t->tx, ri.wr_idx_off, ri.data_len);
		snprintf(what, sizeof(what), "wr_idx %u -> %u, the end of the %u-byte data area",
			 ri.wr_idx, ri.data_len, ri.data_len);
		corrupt_note(sim, what, &t->tx, ri.wr_idx_off);
		break;
	case CORRUPT_LENGTH:
		/* A header (4 bytes) must fit without filling the ring. */
		if (ring_used(&ri) + 8 > ri.data_len)
			return 0;
		wr = ri.wr_idx < ri.data_len ? ri.wr_idx : 0;
		pkt[0] = 0xff;
		pkt[1] = 0xff;
		pkt[2] = 0;
		pkt[3] = 0;
		ret = poke(&t->tx, ri.data_off + wr, pkt, 4);
		if (ret == 0)
			ret = poke32(&t->tx, ri.wr_idx_off, (wr + 4) % ri.data_len);
		snprintf(what, sizeof(what), "a packet header of 65535 bytes at data offset %u, "
			 "in a %u-byte data area (wr_idx %u -> %u)", wr, ri.data_len, wr,
			 (wr + 4) % ri.data_len);
		corrupt_note(sim, what, &t->tx, ri.data_off + wr);
		break;
	case CORRUPT_MAGIC:
		if (session)
			return corrupt_session(sim);
		if (ri.data_len < SIM_MAGIC_END + 4)
			return -ENOSPC;
		/* A rebooted core's tx_init (spec 2.7), then its magic, broken. */
		pkt[0] = 0;
		pkt[1] = SIM_MAGIC_LEN;
		pkt[2] = 0;
		pkt[3] = 0;
		memcpy(pkt + 4, sim_magic, SIM_MAGIC_LEN);
		pkt[4 + SIM_MAGIC_LEN - 1] ^= 0x01; /* '4' -> '5' */
		ret = poke32(&t->tx, ri.wr_idx_off, 0);
		if (ret == 0)
			ret = poke32(&t->tx, ri.rd_idx_off, 0);
		if (ret == 0)
			ret = poke(&t->tx, ri.data_off, pkt, sizeof(pkt));
		if (ret == 0)
			ret = poke32(&t->tx, ri.wr_idx_off, SIM_MAGIC_END);
		snprintf(what, sizeof(what), "ring re-initialised with the broken bonding magic "
			 "'%.*s'", (int)SIM_MAGIC_LEN, (const char *)pkt + 4);
		corrupt_note(sim, what, &t->tx, ri.data_off);
		break;
	default:
		return -EINVAL;
	}
	return ret < 0 ? ret : 1;
}

/* Corrupt once the time has come. Return 0, or an exit code after printing why. */
static int maybe_corrupt(struct sim *sim, int *timeout)
{
	struct icmsg_link_info info;
	int ret;

	if (!corrupt_due(sim) || icmsg_link_get_info(sim->link, &info) < 0 ||
	    info.state != ICMSG_LINK_BOUND)
		return 0;
	ret = corrupt_ring(sim, info.variant == ICMSG_VARIANT_SESSION);
	if (ret == 0) {
		*timeout = min_timeout(*timeout, SIM_RETRY_MS);
		return 0;
	}
	if (ret < 0) {
		cli_errf("--corrupt %s failed: %s", corrupt_names[sim->corrupt], strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	sim->corrupted = true;
	sim->wedged = true;
	sim->corruptions++;
	ret = ring_doorbell(sim->target.doorbell);
	if (ret < 0) {
		cli_errf("cannot ring %s: %s", sim->target.doorbell, strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Statistics                                                               */

static void print_stats(struct sim *sim)
{
	const char *name = icmsg_link_get_name(sim->link);
	double s = (double)(now_ns() - sim->start_ns) / NS_PER_S;
	double per_s = s > 0 ? 1 / s : 0;
	uint64_t bonds = sim->bonds, unbinds = sim->unbinds, errors = sim->errors;
	struct icmsg_link_info info;

	if (sim->link && icmsg_link_get_info(sim->link, &info) == 0) {
		bonds += info.bonds;
		unbinds += info.unbinds;
		errors += info.errors;
	}
	if (sim->json) {
		printf("{\"instance\":");
		cli_json_write_string(stdout, name);
		printf(",\"mode\":\"%s\",\"seed\":%llu,\"elapsed_s\":%.6f,"
		       "\"tx_msgs\":%llu,\"tx_bytes\":%llu,\"rx_msgs\":%llu,\"rx_bytes\":%llu,"
		       "\"tx_rate\":%.3f,\"tx_byte_rate\":%.3f,\"rx_rate\":%.3f,"
		       "\"rx_byte_rate\":%.3f,\"bonds\":%llu,\"unbinds\":%llu,\"errors\":%llu,"
		       "\"dropped\":%llu,\"resets\":%llu,\"corruptions\":%llu,"
		       "\"send_retries\":%llu}\n",
		       mode_names[sim->mode], (unsigned long long)sim->seed, s,
		       (unsigned long long)sim->tx_msgs, (unsigned long long)sim->tx_bytes,
		       (unsigned long long)sim->rx_msgs, (unsigned long long)sim->rx_bytes,
		       (double)sim->tx_msgs * per_s, (double)sim->tx_bytes * per_s,
		       (double)sim->rx_msgs * per_s, (double)sim->rx_bytes * per_s,
		       (unsigned long long)bonds, (unsigned long long)unbinds,
		       (unsigned long long)errors, (unsigned long long)sim->dropped,
		       (unsigned long long)sim->resets, (unsigned long long)sim->corruptions,
		       (unsigned long long)sim->retries);
		fflush(stdout);
		return;
	}
	fprintf(stderr,
		"%s: sim %s: received %llu messages (%llu bytes), sent %llu messages "
		"(%llu bytes), bonds %llu, unbinds %llu, errors %llu, %s %llu\n",
		CLI_PROG, name, (unsigned long long)sim->rx_msgs,
		(unsigned long long)sim->rx_bytes, (unsigned long long)sim->tx_msgs,
		(unsigned long long)sim->tx_bytes, (unsigned long long)bonds,
		(unsigned long long)unbinds, (unsigned long long)errors,
		sim->mode == SIM_GENERATE ? "dropped" : "echoes dropped",
		(unsigned long long)sim->dropped);
	fprintf(stderr, "%s: sim %s: resets %llu, corruptions %llu, send retries %llu (ring full)",
		CLI_PROG, name, (unsigned long long)sim->resets,
		(unsigned long long)sim->corruptions, (unsigned long long)sim->retries);
	if (sim->mode == SIM_GENERATE)
		fprintf(stderr, ", seed %llu", (unsigned long long)sim->seed);
	fprintf(stderr, "\n%s: sim %s: %.3f s, sent %.1f messages/s (%.0f bytes/s), "
		"received %.1f messages/s (%.0f bytes/s)\n",
		CLI_PROG, name, s, (double)sim->tx_msgs * per_s, (double)sim->tx_bytes * per_s,
		(double)sim->rx_msgs * per_s, (double)sim->rx_bytes * per_s);
}

/* ------------------------------------------------------------------------ */
/* The loop                                                                 */

/*
 * Wait on the link for at most @timeout_ms (-1: until something happens).
 * Return: -1 to go on, or the exit code: CLI_EXIT_OK after a signal,
 * CLI_EXIT_ERROR after printing why the link failed.
 */
static int sim_wait(struct sim *sim, int timeout_ms)
{
	int ret = cli_wait(sim->link, timeout_ms);

	if (ret < 0) {
		cli_errf("processing link %s failed: %s", icmsg_link_get_name(sim->link),
			 strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	return ret == CLI_WAIT_SIGNAL ? CLI_EXIT_OK : -1;
}

/* With --count: give the peer a moment to read what we sent. Return an exit code. */
static int drain(struct sim *sim, uint64_t end)
{
	uint64_t deadline = cli_deadline(SIM_DRAIN_MS);
	int ret;

	if (end < deadline)
		deadline = end;
	if (sim->mode == SIM_SINK || sim->wedged)
		return CLI_EXIT_OK;
	for (;;) {
		/* 0: all read; not bound: nobody will read them. */
		if (icmsg_link_flush(sim->link, 0) != -ETIMEDOUT || cli_left_ms(deadline) == 0)
			return CLI_EXIT_OK;
		ret = sim_wait(sim, min_timeout(SIM_RETRY_MS, cli_left_ms(deadline)));
		if (ret >= 0)
			return ret;
	}
}

static int run(struct sim *sim, int duration_ms)
{
	uint64_t end = cli_deadline(duration_ms);
	int ret, timeout, left;
	bool was_due;

	for (;;) {
		timeout = -1;
		ret = serve(sim);
		if (ret < 0) {
			cli_errf("receive failed: %s", strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		if (ret > 0)
			timeout = 0;
		if (done(sim))
			return drain(sim, end);
		/* An echo still waiting for ring space goes out first. */
		if (reset_due(sim) && !sim->pending) {
			ret = sim_reset(sim);
			if (ret)
				return ret;
			continue;
		}
		ret = maybe_corrupt(sim, &timeout);
		if (ret)
			return ret;
		if (sim->mode == SIM_GENERATE) {
			was_due = corrupt_due(sim);
			generate(sim, &timeout);
			if (done(sim))
				return drain(sim, end);
			/* Reached a bound just now: deal with it at once. */
			if (reset_due(sim) || (!was_due && corrupt_due(sim)))
				timeout = 0;
		}
		ret = cli_keep_alive(sim->link);
		if (ret < 0) {
			cli_errf("link %s cannot recover: %s", icmsg_link_get_name(sim->link),
				 strerror(-ret));
			return CLI_EXIT_ERROR;
		}
		left = cli_left_ms(end);
		if (duration_ms >= 0 && left == 0)
			return CLI_EXIT_OK;
		timeout = min_timeout(timeout, left);
		if (sim->pending)
			timeout = min_timeout(timeout, SIM_RETRY_MS);
		ret = sim_wait(sim, timeout);
		if (ret >= 0)
			return ret;
	}
}

/* Options that only go with others: generate mode, --corrupt. */
static int check_options(struct sim *sim, bool rate_set, bool pattern_set, bool seed_set)
{
	const char *opt = rate_set ? "--rate" : sim->size_arg ? "--size"
					       : pattern_set ? "--pattern"
					       : seed_set ? "--seed" : NULL;

	if (sim->mode != SIM_GENERATE && opt) {
		cli_err("option needs --mode generate", opt);
		return CLI_EXIT_USAGE;
	}
	if (sim->corrupt == CORRUPT_NONE && sim->corrupt_after) {
		cli_err("option needs --corrupt", "--corrupt-after");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/*
 * Sizes against @max_send: the link's, or before the open the instance's
 * peer-rx-buf-size, which bounds it (so that a usage error leaves the
 * rings alone). The default shrinks to fit; MAX is capped.
 */
static int check_size(struct sim *sim, uint32_t max_send)
{
	if (sim->size_min > max_send) {
		if (!sim->size_arg) {
			sim->size_min = sim->size_max = max_send;
			return CLI_EXIT_OK;
		}
		fprintf(stderr, "%s: invalid size (MIN above the link's max_send of %u bytes) "
			"-- '%s'\n", CLI_PROG, max_send, sim->size_arg);
		return CLI_EXIT_USAGE;
	}
	if (sim->size_max > max_send)
		sim->size_max = max_send;
	return CLI_EXIT_OK;
}

/* What can be checked of the instance before opening it. */
static int check_instance(struct sim *sim)
{
	const struct icmsg_link_config *cfg;
	int ret;

	if (sim->mode != SIM_GENERATE && sim->corrupt == CORRUPT_NONE)
		return CLI_EXIT_OK;
	ret = cli_load_instance(sim->lo->config, sim->lo->instance, &sim->target.file, &cfg);
	if (ret)
		return ret;
	if (sim->mode == SIM_GENERATE) {
		ret = check_size(sim, sim->lo->set_peer_rx_buf_size ? sim->lo->peer_rx_buf_size
								  : cfg->peer_rx_buf_size);
		if (ret)
			return ret;
	}
	return sim->corrupt != CORRUPT_NONE ? target_setup(sim, cfg) : CLI_EXIT_OK;
}

static int setup_buffers(struct sim *sim)
{
	struct icmsg_link_info info;

	if (icmsg_link_get_info(sim->link, &info) < 0 || info.max_recv == 0 ||
	    info.max_send == 0) {
		cli_err("cannot read the link's limits", icmsg_link_get_name(sim->link));
		return CLI_EXIT_ERROR;
	}
	sim->cap = info.max_recv;
	sim->buf = malloc(sim->cap);
	if (sim->mode == SIM_GENERATE) {
		sim->gen_cap = info.max_send;
		sim->gen = malloc(sim->gen_cap);
	}
	if (!sim->buf || (sim->mode == SIM_GENERATE && !sim->gen)) {
		cli_err("out of memory", NULL);
		return CLI_EXIT_ERROR;
	}
	return sim->mode == SIM_GENERATE ? check_size(sim, info.max_send) : CLI_EXIT_OK;
}

int cmd_sim(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LINK_LONGOPTS,
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "reset-every", required_argument, NULL, OPT_RESET_EVERY },
		{ "corrupt", required_argument, NULL, OPT_CORRUPT },
		{ "corrupt-after", required_argument, NULL, OPT_CORRUPT_AFTER },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct icmsg_link_callbacks cb = {
		.bound = on_bound,
		.unbound = on_unbound,
		.error = on_error,
	};
	struct cli_link_opts lo = { 0 };
	struct sim sim = {
		.lo = &lo,
		.cb = &cb,
		.mode = SIM_ECHO,
		.size_min = SIM_SIZE_DEFAULT,
		.size_max = SIM_SIZE_DEFAULT,
		.pattern = PAT_COUNTER,
	};
	bool rate_set = false, pattern_set = false, seed_set = false;
	int opt, ret, idx, duration_ms = -1;

	while ((opt = getopt_long(argc, argv, ":" CLI_LINK_SHORTOPTS "m:n:d:r:s:p:jh", longopts,
				  NULL)) != -1) {
		ret = cli_link_option(&lo, opt, optarg);
		if (ret == 1)
			continue;
		if (ret)
			return ret;
		switch (opt) {
		case 'm':
			idx = lookup(optarg, mode_names, 3);
			if (idx < 0) {
				cli_err("invalid mode (expected echo, sink or generate)", optarg);
				return CLI_EXIT_USAGE;
			}
			sim.mode = (enum sim_mode)idx;
			break;
		case 'n':
			if (cli_parse_u32(optarg, "count", 1, UINT32_MAX, &sim.count) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'd':
			if (cli_parse_ms(optarg, "duration", &duration_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'r':
			if (cli_parse_u32(optarg, "rate", 0, SIM_RATE_MAX, &sim.rate) < 0)
				return CLI_EXIT_USAGE;
			rate_set = true;
			break;
		case 's':
			if (parse_size(optarg, &sim.size_min, &sim.size_max) < 0)
				return CLI_EXIT_USAGE;
			sim.size_arg = optarg;
			break;
		case 'p':
			idx = lookup(optarg, pattern_names, 4);
			if (idx < 0) {
				cli_err("invalid pattern (expected counter, random, zero or text)",
					optarg);
				return CLI_EXIT_USAGE;
			}
			sim.pattern = (enum sim_pattern)idx;
			pattern_set = true;
			break;
		case OPT_SEED:
			if (cli_parse_u64(optarg, "seed", 0, UINT64_MAX, &sim.seed) < 0)
				return CLI_EXIT_USAGE;
			seed_set = true;
			break;
		case OPT_RESET_EVERY:
			if (cli_parse_u32(optarg, "reset-every", 1, UINT32_MAX, &sim.reset_every) < 0)
				return CLI_EXIT_USAGE;
			break;
		case OPT_CORRUPT:
			idx = lookup(optarg, corrupt_names, 4);
			if (idx <= CORRUPT_NONE) {
				cli_err("invalid corrupt (expected wr-index, length or magic)", optarg);
				return CLI_EXIT_USAGE;
			}
			sim.corrupt = (enum sim_corrupt)idx;
			break;
		case OPT_CORRUPT_AFTER:
			if (cli_parse_u32(optarg, "corrupt-after", 0, UINT32_MAX,
					  &sim.corrupt_after) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'j':
			sim.json = true;
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
	ret = check_options(&sim, rate_set, pattern_set, seed_set);
	if (ret)
		return ret;
	if (!seed_set) {
		sim.seed = (uint64_t)time(NULL) * 0x100000001b3ull ^ now_ns() ^ (uint64_t)getpid();
		/* 32 bits: short to type again, and exact in any JSON reader. */
		sim.seed = (sim.seed ^ sim.seed >> 32) & 0xffffffffu;
	}
	sim.rng = sim.seed;
	sim.next_reset = sim.reset_every;
	sim.events = sim.json ? stderr : stdout;

	ret = cli_signals_init();
	if (ret)
		return ret;
	ret = check_instance(&sim);
	if (ret)
		goto out;
	/* Open before allocating: the buffer sizes are the link's limits. */
	ret = cli_link_open(&lo, true, &cb, &sim, &sim.link);
	if (ret)
		goto out;
	ret = setup_buffers(&sim);
	if (ret)
		goto out;
	/* The open ran one processing step: bound may already be printed. */
	sim.start_ns = now_ns();
	ret = run(&sim, duration_ms);
	print_stats(&sim);
out:
	icmsg_link_close(sim.link);
	icmsg_config_free(sim.target.file);
	free(sim.target.img);
	free(sim.buf);
	free(sim.gen);
	return ret;
}
