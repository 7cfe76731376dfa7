// SPDX-License-Identifier: MIT
/* The message exchange of the "qemu" test suite, see exchange.h. */
#include "exchange.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT_MAX 5    /* lines per kind of failure */
#define SMALL_MAX 256   /* most messages are at most this long */

const char *exchange_side_name(enum exchange_side side)
{
	return side == EXCHANGE_HOST ? "host" : "guest";
}

void exchange_params_init(struct exchange_params *p, enum exchange_side side)
{
	memset(p, 0, sizeof(*p));
	p->side = side;
	p->n = 10000;
	p->seed = 1;
	p->max_size = 0;
	p->bond_timeout_ms = 180000;
	p->stall_timeout_ms = 60000;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * Message @p seq sent by @p side: its size (1..max) and, if @p buf is not
 * NULL, its bytes. One in eight messages has a size anywhere in 1..max,
 * one in 64 exactly max, the rest 1..SMALL_MAX: many small messages that
 * pack the ring and wrap it at every offset, and large ones that fill it.
 */
static size_t message(uint64_t seed, enum exchange_side side, uint64_t seq, uint32_t max,
		      uint8_t *buf)
{
	uint64_t s = seed ^ (UINT64_C(0x5851f42d4c957f2d) * ((uint64_t)side + 1));
	uint64_t r;
	size_t len, i;

	s ^= splitmix64(&s) + seq;
	(void)splitmix64(&s);
	r = splitmix64(&s);
	if (r % 64 == 1)
		len = max;
	else if (r % 8 == 0)
		len = 1 + (r >> 8) % max;
	else
		len = 1 + (r >> 8) % (max < SMALL_MAX ? max : SMALL_MAX);
	if (buf) {
		for (i = 0; i < len; i += 8) {
			uint64_t v = splitmix64(&s);
			size_t k = len - i < 8 ? len - i : 8;

			memcpy(buf + i, &v, k);
		}
	}
	return len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void exchange_params_option(struct exchange_params *p, int opt, const char *arg)
{
	switch (opt) {
	case 'n':
		p->n = strtoull(arg, NULL, 0);
		break;
	case 's':
		p->seed = strtoull(arg, NULL, 0);
		break;
	case 'M':
		p->max_size = (uint32_t)strtoul(arg, NULL, 0);
		break;
	}
}

static const char *state_name(enum icmsg_link_state s)
{
	switch (s) {
	case ICMSG_LINK_BONDING:
		return "bonding";
	case ICMSG_LINK_BOUND:
		return "bound";
	case ICMSG_LINK_DISCONNECTED:
		return "disconnected";
	case ICMSG_LINK_FAULT:
		return "fault";
	}
	return "?";
}

static int failed(struct exchange_result *r, const struct exchange_params *p, int err,
		  const char *what)
{
	if (!r->err) {
		r->err = err;
		r->what = what;
	}
	fprintf(stderr, "%s: %s: %s (sent %" PRIu64 ", received %" PRIu64 ")\n",
		exchange_side_name(p->side), what, strerror(-err), r->sent, r->received);
	return err;
}

static void verify(const struct exchange_params *p, struct exchange_result *r,
		   const uint8_t *data, size_t len, uint8_t *expect)
{
	enum exchange_side peer = p->side == EXCHANGE_HOST ? EXCHANGE_GUEST : EXCHANGE_HOST;
	size_t want = message(p->seed, peer, r->received, r->max_size, expect);
	size_t i;

	if (len == want && memcmp(data, expect, len) == 0)
		return;
	if (r->bad++ >= REPORT_MAX)
		return;
	if (len != want) {
		fprintf(stderr, "%s: message %" PRIu64 ": %zu bytes, expected %zu\n",
			exchange_side_name(p->side), r->received, len, want);
		return;
	}
	for (i = 0; i < len && data[i] == expect[i]; i++)
		;
	fprintf(stderr, "%s: message %" PRIu64 " (%zu bytes): byte %zu is 0x%02x, expected 0x%02x\n",
		exchange_side_name(p->side), r->received, len, i, data[i], expect[i]);
}

int exchange_run(struct icmsg_link *link, const struct exchange_params *p,
		 struct exchange_result *r)
{
	uint8_t *tx = NULL, *rx = NULL, *expect = NULL;
	size_t tx_len = 0, rx_cap;
	bool tx_ready = false;
	double t0, last;
	int fd = icmsg_link_get_fd(link);
	int err;

	memset(r, 0, sizeof(*r));
	err = icmsg_link_wait_bound(link, p->bond_timeout_ms);
	if (err < 0)
		return failed(r, p, err, "waiting for the bond");
	t0 = last = now();
	icmsg_link_get_info(link, &r->info);
	r->max_size = p->max_size ? p->max_size : r->info.max_send;
	if (r->max_size == 0 || r->max_size > r->info.max_send)
		return failed(r, p, -EMSGSIZE, "max size 0 or above the link's max_send");
	rx_cap = 65536;
	tx = malloc(r->max_size);
	expect = malloc(r->max_size);
	rx = malloc(rx_cap);
	if (!tx || !expect || !rx) {
		err = failed(r, p, -ENOMEM, "malloc");
		goto out;
	}

	while (r->sent < p->n || r->received < p->n) {
		bool progress = false, full = false;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int rc;

		/* Send until the ring is full ... */
		while (r->sent < p->n) {
			if (!tx_ready) {
				tx_len = message(p->seed, p->side, r->sent, r->max_size, tx);
				tx_ready = true;
			}
			rc = icmsg_link_send(link, tx, tx_len);
			if (rc == (int)tx_len) {
				r->sent++;
				tx_ready = false;
				progress = true;
				continue;
			}
			if (rc == -ENOMEM) {
				full = true;
				break;
			}
			err = failed(r, p, rc < 0 ? rc : -EIO, "icmsg_link_send");
			goto out;
		}
		/* ... and take everything the peer sent, which frees its sends. */
		while (r->received < p->n) {
			rc = icmsg_link_try_recv(link, rx, rx_cap);
			if (rc == -EAGAIN)
				break;
			if (rc < 0) {
				err = failed(r, p, rc, "icmsg_link_try_recv");
				goto out;
			}
			verify(p, r, rx, (size_t)rc, expect);
			r->received++;
			progress = true;
		}
		if (r->sent == p->n && r->received == p->n)
			break;

		if (progress) {
			last = now();
		} else if (now() - last > p->stall_timeout_ms / 1000.0) {
			err = failed(r, p, -ETIMEDOUT, "no progress");
			goto out;
		}
		/*
		 * Freed ring space is not signalled (as in Zephyr): with a full
		 * ring look again after 1 ms; otherwise the peer's doorbell
		 * wakes us.
		 */
		rc = poll(&pfd, 1, progress ? 0 : full ? 1 : 100);
		if (rc > 0) {
			rc = icmsg_link_process(link);
			if (rc < 0) {
				err = failed(r, p, rc, "icmsg_link_process");
				goto out;
			}
		}
		if (icmsg_link_get_state(link) != ICMSG_LINK_BOUND) {
			fprintf(stderr, "%s: link is %s\n", exchange_side_name(p->side),
				state_name(icmsg_link_get_state(link)));
			err = failed(r, p, -ENOTCONN, "link left the bound state");
			goto out;
		}
	}

	/* The peer must have everything before we close. */
	err = icmsg_link_flush(link, p->stall_timeout_ms);
	if (err < 0)
		failed(r, p, err, "icmsg_link_flush");
out:
	r->seconds = now() - t0;
	icmsg_link_get_info(link, &r->info);
	free(tx);
	free(expect);
	free(rx);
	if (err == 0 && r->bad)
		err = -EBADMSG;
	return err < 0 ? err : 0;
}

void exchange_print(FILE *f, const struct exchange_params *p, const struct exchange_result *r)
{
	fprintf(f,
		"RESULT side=%s sent=%" PRIu64 " received=%" PRIu64 " bad=%" PRIu64
		" doorbells_rung=%" PRIu64 " doorbells_received=%" PRIu64 " seconds=%.3f"
		" max_size=%" PRIu32 " tx_bytes=%" PRIu64 " rx_bytes=%" PRIu64
		" tx_used_max=%" PRIu32 " rx_used_max=%" PRIu32 " state=%s errors=%" PRIu64
		" error=%s\n",
		exchange_side_name(p->side), r->sent, r->received, r->bad,
		r->info.doorbells_rung, r->info.doorbells_received, r->seconds, r->max_size,
		r->info.tx_bytes, r->info.rx_bytes, r->info.tx_used_max, r->info.rx_used_max,
		state_name(r->info.state), r->info.errors, r->err ? r->what : "none");
	fflush(f);
}
