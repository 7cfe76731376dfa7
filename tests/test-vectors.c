// SPDX-License-Identifier: MIT
/*
 * Golden vectors (tests/vectors/, written by Zephyr's own ICMsg code):
 * every image is parsed back to the messages check_rx.txt lists, and
 * reproduced byte for byte by doing the same actions with libicmsg.
 * Images named gap_* record a Zephyr defect: parsed, and we check that
 * libicmsg refuses the action that made them.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test-util.h"

static const char *vectors_dir(void)
{
	const char *d = getenv("ICMSG_VECTORS");

	return d ? d : "tests/vectors";
}

static uint8_t *load_vector(const char *name, size_t *size)
{
	char path[512];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* ---- coverage bookkeeping: every image must be reproduced or parsed ---- */

#define MAX_VECTORS 64
static char reproduced[MAX_VECTORS][96];
static size_t n_reproduced;
static char parsed[MAX_VECTORS][96];
static size_t n_parsed;

static void mark(char list[][96], size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], name) == 0)
			return;
	assert_true(*n < MAX_VECTORS);
	snprintf(list[(*n)++], 96, "%s", name);
}

static bool marked(char list[][96], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* ---- part 1: parse every image as check_rx.txt says ---- */

struct expect_msg {
	unsigned len;
	char first[40];
	uint32_t crc;
};

struct expect {
	char name[96];
	unsigned size, dcache, rd_off, wr_off, data_off, data_len, rd, wr, hs, hs_off;
	bool handshake;
	unsigned messages, rd_after;
	struct expect_msg msg[16];
	unsigned n_msg;
};

struct walk {
	const struct expect *e;
	unsigned seen;
};

static int check_packet(uint32_t offset, const void *data, size_t len, void *ud)
{
	struct walk *w = ud;
	const struct expect_msg *m;
	const uint8_t *b = data;
	char first[40] = "";

	assert_true(w->seen < w->e->n_msg);
	m = &w->e->msg[w->seen++];
	for (size_t i = 0; i < len && i < 16; i++)
		sprintf(first + 2 * i, "%02x", b[i]);
	assert_int_equal(len, m->len);
	assert_string_equal(first, m->first);
	assert_int_equal(tu_crc32(data, len), m->crc);
	return 0;
}

static void check_one(const struct expect *e)
{
	struct icmsg_region_info info;
	struct walk w = { .e = e };
	uint8_t *img;
	size_t size;

	img = load_vector(e->name, &size);
	assert_int_equal(size, e->size);
	assert_int_equal(icmsg_region_inspect(img, size, e->dcache, e->handshake, &info,
					      check_packet, &w), 0);
	assert_int_equal(info.error, 0);
	assert_int_equal(info.rd_idx_off, e->rd_off);
	assert_int_equal(info.wr_idx_off, e->wr_off);
	assert_int_equal(info.data_off, e->data_off);
	assert_int_equal(info.data_len, e->data_len);
	assert_int_equal(info.rd_idx, e->rd);
	assert_int_equal(info.wr_idx, e->wr);
	if (e->handshake) {
		assert_int_equal(info.handshake_off, e->hs_off);
		assert_int_equal(info.handshake, e->hs);
	}
	assert_int_equal(info.packets, e->messages);
	assert_int_equal(w.seen, e->messages);
	/* Reading everything leaves the reader at wr_idx. */
	assert_int_equal(e->rd_after, e->wr);
	mark(parsed, &n_parsed, e->name);
	free(img);
}

static void test_vectors_parse_check_rx(void **state)
{
	char path[512], line[512], key[64], val[256];
	struct expect e;
	bool in = false;
	unsigned sections = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/check_rx.txt", vectors_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	memset(&e, 0, sizeof(e));
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '[') {
			if (in) {
				check_one(&e);
				sections++;
			}
			memset(&e, 0, sizeof(e));
			sscanf(line, "[%95[^]]]", e.name);
			in = true;
			continue;
		}
		if (!in || sscanf(line, "%63s = %255[^\n]", key, val) != 2)
			continue;
		if (!strcmp(key, "region_size"))
			e.size = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "dcache_align"))
			e.dcache = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "handshake_word"))
			e.handshake = !strcmp(val, "yes");
		else if (!strcmp(key, "handshake_off"))
			e.hs_off = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "handshake"))
			e.hs = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "rd_idx_off"))
			e.rd_off = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "wr_idx_off"))
			e.wr_off = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "data_off"))
			e.data_off = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "data_len"))
			e.data_len = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "rd_idx"))
			e.rd = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "wr_idx"))
			e.wr = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "messages"))
			e.messages = (unsigned)strtoul(val, NULL, 0);
		else if (!strcmp(key, "rd_idx_after_reading_all"))
			e.rd_after = (unsigned)strtoul(val, NULL, 0);
		else if (!strncmp(key, "msg", 3)) {
			struct expect_msg *m = &e.msg[e.n_msg];
			assert_true(e.n_msg < 16);
			assert_int_equal(sscanf(val, "len=%u first=%39s crc32=%x", &m->len,
						m->first, &m->crc), 3);
			e.n_msg++;
		}
	}
	if (in) {
		check_one(&e);
		sections++;
	}
	fclose(f);
	assert_true(sections >= 30);
}

/* ---- part 2: reproduce the images ---- */

/* Compare region @which ("ab" at offset 0, "ba" at offset S) with a vector. */
static void expect_region(struct tu_pair *p, const char *which, const char *vector)
{
	uint64_t off = strcmp(which, "ab") == 0 ? 0 : p->region_size;
	uint8_t *want, *have;
	size_t size;

	want = load_vector(vector, &size);
	assert_int_equal(size, p->region_size);
	have = malloc(size);
	assert_non_null(have);
	tu_read_at(p->file, off, have, size);
	for (size_t i = 0; i < size; i++)
		if (have[i] != want[i])
			fail_msg("%s: byte %zu is 0x%02x, Zephyr wrote 0x%02x", vector, i, have[i],
				 want[i]);
	mark(reproduced, &n_reproduced, vector);
	free(want);
	free(have);
}

static struct icmsg_link *open_link(const struct icmsg_link_config *cfg)
{
	struct icmsg_link *l = NULL;

	assert_int_equal(icmsg_link_open(cfg, tu_opts(NULL, NULL), &l), 0);
	return l;
}

static bool both_bound(void *arg)
{
	struct icmsg_link **l = arg;

	return icmsg_link_get_state(l[0]) == ICMSG_LINK_BOUND &&
	       icmsg_link_get_state(l[1]) == ICMSG_LINK_BOUND;
}

static void bond(struct icmsg_link **l)
{
	assert_true(tu_pump(l, 2, 5000, both_bound, l));
	/* One more pass each so every final signal has been seen. */
	tu_process_all(l, 2);
}

/* Payload convention of the vectors: byte i = (i & 0xff) ^ x. */
static void send_pattern(struct icmsg_link *l, size_t len, uint8_t x)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i & 0xff) ^ x;
	assert_int_equal(icmsg_link_send(l, buf, len), (int)len);
	free(buf);
}

static void send_six(struct icmsg_link *l)
{
	static const size_t lens[] = { 1, 2, 3, 4, 5, 100 };

	for (size_t i = 0; i < 6; i++)
		send_pattern(l, lens[i], 0);
}

static void recv_one(struct icmsg_link *l, size_t len)
{
	uint8_t buf[256];

	assert_true(icmsg_link_process(l) >= 0);
	assert_int_equal(icmsg_link_try_recv(l, buf, sizeof(buf)), (int)len);
}

static void disable_sequence(uint32_t dc, const char *bonded, const char *msgs, const char *init)
{
	struct tu_pair p;
	struct icmsg_link *l[2];

	tu_pair_init(&p, 256, dc, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	l[0] = open_link(&p.a);
	if (init)
		expect_region(&p, "ab", init);
	l[1] = open_link(&p.b);
	bond(l);
	expect_region(&p, "ab", bonded);
	send_six(l[0]);
	expect_region(&p, "ab", msgs);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_vectors_disable(void **state)
{
	disable_sequence(0, "disable_dc0_r256_bonded.bin", "disable_dc0_r256_msgs.bin",
			 "disable_dc0_r256_init.bin");
	disable_sequence(32, "disable_dc32_r256_bonded.bin", "disable_dc32_r256_msgs.bin", NULL);
	disable_sequence(64, "disable_dc64_r256_bonded.bin", "disable_dc64_r256_msgs.bin", NULL);
}

static void test_vectors_full_ring(void **state)
{
	uint8_t msg[8];
	struct tu_pair p;
	struct icmsg_link *l[2];
	int sent = 0, ret;

	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)i;
	tu_pair_init(&p, 128, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	l[0] = open_link(&p.a);
	l[1] = open_link(&p.b);
	bond(l);
	while ((ret = icmsg_link_send(l[0], msg, sizeof(msg))) == 8)
		sent++;
	assert_int_equal(ret, -ENOMEM); /* as Zephyr: -ENOMEM, 9 fit */
	assert_int_equal(sent, 9);
	expect_region(&p, "ab", "disable_dc0_r128_full.bin");
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void wrap_sequence(int reads, size_t last, uint8_t x, const char *vector)
{
	struct tu_pair p;
	struct icmsg_link *l[2];

	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	l[0] = open_link(&p.a);
	l[1] = open_link(&p.b);
	bond(l);
	for (int i = 0; i < reads; i++) {
		send_pattern(l[0], 50, 0);
		recv_one(l[1], 50);
	}
	send_pattern(l[0], last, x);
	expect_region(&p, "ab", vector);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_vectors_wrap(void **state)
{
	wrap_sequence(3, 100, 0x5a, "disable_dc0_r256_wrap_data.bin");
	wrap_sequence(4, 60, 0xa5, "disable_dc0_r256_wrap_header_at_end.bin");
}

static void big_sequence(uint32_t size, size_t len, const char *vector)
{
	struct tu_pair p;
	struct icmsg_link *l[2];
	uint8_t *big;

	tu_pair_init(&p, size, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	p.a.peer_rx_buf_size = 65535; /* the peer is ours */
	l[0] = open_link(&p.a);
	l[1] = open_link(&p.b);
	bond(l);
	big = calloc(1, len + 1);
	assert_non_null(big);
	/* One byte more than the ring takes: Zephyr says -ENOMEM, we refuse
	 * it before writing with -EMSGSIZE (spec 4.1, ours). */
	if (len + 1 <= 65535)
		assert_int_equal(icmsg_link_send(l[0], big, len + 1), -EMSGSIZE);
	send_pattern(l[0], len, 0);
	expect_region(&p, "ab", vector);
	free(big);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_vectors_max_packet(void **state)
{
	big_sequence(1024, 1008, "disable_dc0_r1024_maxpkt.bin");
	big_sequence(65552, 65535, "disable_dc0_r65552_len65535.bin");
}

/* gap_*: Zephyr publishes a truncated 5-byte packet for len 65541 and
 * returns -EBADMSG. We refuse before writing: the region stays bonded. */
static void test_vectors_gap_refused(void **state)
{
	struct tu_pair p;
	struct icmsg_link *l[2];
	uint8_t *big = calloc(1, 65541);
	struct icmsg_region_info info;
	uint8_t *img;
	size_t size;

	assert_non_null(big);
	tu_pair_init(&p, 256, 0, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DISABLE);
	p.a.peer_rx_buf_size = 65535;
	l[0] = open_link(&p.a);
	l[1] = open_link(&p.b);
	bond(l);
	assert_int_equal(icmsg_link_send(l[0], big, 65541), -EMSGSIZE);
	assert_int_equal(icmsg_link_send(l[0], big, 65536), -EMSGSIZE);
	expect_region(&p, "ab", "disable_dc0_r256_bonded.bin");

	/* The defect's image itself parses as one valid 5-byte packet. */
	img = load_vector("gap_disable_dc0_r256_len65541_truncated.bin", &size);
	assert_int_equal(icmsg_region_inspect(img, size, 0, false, &info, NULL, NULL), 0);
	assert_int_equal(info.error, 0);
	assert_int_equal(info.packets, 1);
	assert_int_equal(info.pending_bytes, 5);
	assert_int_equal(info.wr_idx, 32);
	free(img);
	free(big);
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

static void test_vectors_enable(void **state)
{
	static const uint32_t dcs[] = { 8, 32 };
	char name[128];

	for (size_t k = 0; k < 2; k++) {
		uint32_t dc = dcs[k];
		struct tu_pair p;
		struct icmsg_link *l[2];

		tu_pair_init(&p, 256, dc, ICMSG_UNBOUND_ENABLE, ICMSG_UNBOUND_ENABLE);
		/* B stays disconnected after A's close, as Zephyr's app did. */
		p.b.auto_reopen = false;
		l[0] = open_link(&p.a);
		snprintf(name, sizeof(name), "enable_dc%u_r256_A_opened_ba.bin", dc);
		expect_region(&p, "ba", name);
		l[1] = open_link(&p.b);
		bond(l);
		snprintf(name, sizeof(name), "enable_dc%u_r256_bonded_ab.bin", dc);
		expect_region(&p, "ab", name);
		snprintf(name, sizeof(name), "enable_dc%u_r256_bonded_ba.bin", dc);
		expect_region(&p, "ba", name);
		send_six(l[0]);
		snprintf(name, sizeof(name), "enable_dc%u_r256_msgs_ab.bin", dc);
		expect_region(&p, "ab", name);

		if (dc == 32) {
			static const size_t lens[] = { 1, 2, 3, 4, 5, 100 };
			struct icmsg_link_info info;

			for (size_t i = 0; i < 6; i++)
				recv_one(l[1], lens[i]);
			l[0] = icmsg_link_close(l[0]);
			expect_region(&p, "ba", "enable_dc32_r256_A_closed_ba.bin");
			assert_true(icmsg_link_process(l[1]) >= 0);
			assert_int_equal(icmsg_link_get_state(l[1]), ICMSG_LINK_DISCONNECTED);
			assert_int_equal(icmsg_link_send(l[1], "x", 1), -ENOTCONN);

			l[0] = open_link(&p.a);
			assert_int_equal(icmsg_link_reopen(l[1]), 0);
			bond(l);
			icmsg_link_get_info(l[0], &info);
			assert_int_equal(info.local_sid, 3);
			assert_int_equal(info.remote_sid, 4);
			send_pattern(l[0], 7, 0);
			expect_region(&p, "ab", "enable_dc32_r256_reopened_ab.bin");
			expect_region(&p, "ba", "enable_dc32_r256_reopened_ba.bin");
		}
		icmsg_link_close(l[0]);
		icmsg_link_close(l[1]);
		tu_pair_cleanup(&p);
	}
}

static void test_vectors_detect(void **state)
{
	struct tu_pair p;
	struct icmsg_link *l[2];
	struct icmsg_link_info info;

	/* detect (A) against disable (B): A falls back to the magic. */
	tu_pair_init(&p, 256, 32, ICMSG_UNBOUND_DETECT, ICMSG_UNBOUND_DISABLE);
	l[0] = open_link(&p.a);
	expect_region(&p, "ba", "detect_vs_disable_dc32_r256_A_opened_ba.bin");
	l[1] = open_link(&p.b);
	bond(l);
	icmsg_link_get_info(l[0], &info);
	assert_int_equal(info.variant, ICMSG_VARIANT_MAGIC);
	expect_region(&p, "ab", "detect_vs_disable_dc32_r256_bonded_ab.bin");
	expect_region(&p, "ba", "detect_vs_disable_dc32_r256_bonded_ba.bin");
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);

	/* detect against detect: sessions. */
	tu_pair_init(&p, 256, 32, ICMSG_UNBOUND_DETECT, ICMSG_UNBOUND_DETECT);
	l[0] = open_link(&p.a);
	l[1] = open_link(&p.b);
	bond(l);
	icmsg_link_get_info(l[0], &info);
	assert_int_equal(info.variant, ICMSG_VARIANT_SESSION);
	expect_region(&p, "ab", "detect_vs_detect_dc32_r256_bonded_ab.bin");
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);

	/* disable (A, first) against detect (B). */
	tu_pair_init(&p, 256, 64, ICMSG_UNBOUND_DISABLE, ICMSG_UNBOUND_DETECT);
	l[0] = open_link(&p.a);
	l[1] = open_link(&p.b);
	bond(l);
	expect_region(&p, "ba", "disable_vs_detect_dc64_r256_bonded_ba.bin");
	send_six(l[0]);
	expect_region(&p, "ab", "disable_vs_detect_dc64_r256_msgs_ab.bin");
	icmsg_link_close(l[0]);
	icmsg_link_close(l[1]);
	tu_pair_cleanup(&p);
}

/* Last: every image in the directory was reproduced, or is a gap_* parsed. */
static void test_vectors_all_covered(void **state)
{
	DIR *d = opendir(vectors_dir());
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".bin"))
			continue;
		n++;
		if (!marked(parsed, n_parsed, de->d_name))
			fail_msg("%s: not parsed against check_rx.txt", de->d_name);
		if (strncmp(de->d_name, "gap_", 4) == 0)
			continue;
		if (!marked(reproduced, n_reproduced, de->d_name))
			fail_msg("%s: not reproduced", de->d_name);
	}
	closedir(d);
	assert_true(n >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_parse_check_rx),
		cmocka_unit_test(test_vectors_disable),
		cmocka_unit_test(test_vectors_full_ring),
		cmocka_unit_test(test_vectors_wrap),
		cmocka_unit_test(test_vectors_max_packet),
		cmocka_unit_test(test_vectors_gap_refused),
		cmocka_unit_test(test_vectors_enable),
		cmocka_unit_test(test_vectors_detect),
		cmocka_unit_test(test_vectors_all_covered),
	};

	return cmocka_run_group_tests_name("vectors", tests, NULL, NULL);
}
