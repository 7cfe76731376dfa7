// SPDX-License-Identifier: MIT
/*
 * Tests of lib/config.c: defaults, icmsg_link_config_check() and the YAML
 * loader. Every rejected file is checked against the full error text, so a
 * wrong line number, key path or message fails the test.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "icmsg/icmsg.h"

static char g_dir[64];        /* mkdtemp() directory of this run */
static char g_file[128];      /* g_dir/c.yaml, rewritten by each test */

/* An instance whose regions and FIFOs are all named after @name; 4 lines. */
#define INST(name) \
	"  - name: " name "\n" \
	"    tx-region: { path: " name ".bin, offset: 0x100, size: 0x100 }\n" \
	"    rx-region: { path: " name ".bin, size: 0x100 }\n" \
	"    mboxes: { tx: " name ".tx, rx: " name ".rx }\n"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/test-config-XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_file, sizeof(g_file), "%s/c.yaml", g_dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(g_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Load @yaml from g_file; the config is returned only on success. */
static int load(const char *yaml, struct icmsg_config **cfg, char **err)
{
	write_file(g_file, yaml);
	*cfg = NULL;
	*err = NULL;
	return icmsg_config_load(g_file, cfg, err);
}

/* "DIR/NAME" into a static buffer, for expected paths. */
static const char *in_dir(const char *name)
{
	static char buf[PATH_MAX + 64];

	snprintf(buf, sizeof(buf), "%s/%s", g_dir, name);
	return buf;
}

/*
 * Load @yaml, expect -EINVAL and exactly the error lines of @expected, each
 * written without the file name (":LINE: KEY: message"); it is prepended.
 */
static void expect_errors(const char *yaml, const char *expected)
{
	struct icmsg_config *cfg;
	char *err, *want, *p;
	const char *line, *nl;
	size_t cap;

	assert_int_equal(load(yaml, &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_non_null(err);

	cap = strlen(expected) * 2 + 64 * strlen(g_file) + 1;
	want = malloc(cap);
	assert_non_null(want);
	p = want;
	for (line = expected; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		p += sprintf(p, "%s%s%.*s", line == expected ? "" : "\n", g_file,
			     (int)(nl ? (size_t)(nl - line) : strlen(line)), line);
	}
	assert_string_equal(err, want);
	free(want);
	free(err);
}

/* Load @yaml and expect success. */
static struct icmsg_config *expect_ok(const char *yaml)
{
	struct icmsg_config *cfg;
	char *err;
	int r = load(yaml, &cfg, &err);

	if (r != 0)
		print_error("unexpected errors:\n%s\n", err ? err : "(none)");
	assert_int_equal(r, 0);
	assert_null(err);
	assert_non_null(cfg);
	return cfg;
}

/* ------------------------------------------------------------------------ */
/* Valid files                                                              */

static void test_config_full_two_instances(void **state)
{
	struct icmsg_config *cfg;
	const struct icmsg_link_config *a, *b;
	char path[PATH_MAX + 64];

	(void)state;
	cfg = expect_ok(
		"# two instances, every key\n"
		"instances:\n"
		"  - name: ipc0\n"
		"    compatible: zephyr,ipc-icmsg\n"
		"    tx-region: { path: run/icmsg0.bin, offset: 0x0800, size: 0x0800 }\n"
		"    rx-region:\n"
		"      path: run/icmsg0.bin\n"
		"      offset: 0\n"
		"      size: 2048\n"
		"    mboxes:\n"
		"      tx: run/icmsg0.b2a.fifo\n"
		"      rx: /abs/icmsg0.a2b.fifo\n"
		"    dcache-alignment: 0\n"
		"    unbound: disable\n"
		"    bond-notify-repeat-ms: 2\n"
		"    bond-timeout-ms: 6000\n"
		"    bond-notify-max-ms: 200\n"
		"    detect-grace-ms: 70\n"
		"    peer-rx-buf-size: 256\n"
		"    rx-buf-size: 1024\n"
		"    auto-reopen: false\n"
		"  - name: Adsp_1.x-y\n"
		"    compatible: \"zephyr,ipc-icmsg\"\n"
		"    tx-region: { path: /dev/shm/adsp.bin, offset: 0x1000, size: 0X100 }\n"
		"    rx-region: { path: ./adsp/rx.bin, offset: 0x40, size: 0x400 }\n"
		"    mboxes: { tx: adsp.tx, rx: adsp.rx }\n"
		"    dcache-alignment: 64\n"
		"    unbound: detect\n"
		"    bond-notify-repeat-ms: 0\n"
		"    bond-timeout-ms: 0\n"
		"    bond-notify-max-ms: 0\n"
		"    detect-grace-ms: 4294967295\n"
		"    peer-rx-buf-size: 65535\n"
		"    rx-buf-size: 65535\n"
		"    auto-reopen: yes\n");

	assert_int_equal(icmsg_config_count(cfg), 2);
	a = icmsg_config_get(cfg, 0);
	b = icmsg_config_get(cfg, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(icmsg_config_get(cfg, 2));

	assert_string_equal(a->name, "ipc0");
	assert_int_equal(a->tx_region.type, ICMSG_REGION_FILE);
	snprintf(path, sizeof(path), "%s/run/icmsg0.bin", g_dir);
	assert_string_equal(a->tx_region.path, path);
	assert_int_equal(a->tx_region.offset, 0x800);
	assert_int_equal(a->tx_region.size, 0x800);
	assert_int_equal(a->rx_region.type, ICMSG_REGION_FILE);
	assert_string_equal(a->rx_region.path, path);
	assert_int_equal(a->rx_region.offset, 0);
	assert_int_equal(a->rx_region.size, 2048);
	assert_int_equal(a->tx_mbox.type, ICMSG_MBOX_FIFO);
	assert_string_equal(a->tx_mbox.path, in_dir("run/icmsg0.b2a.fifo"));
	assert_int_equal(a->rx_mbox.type, ICMSG_MBOX_FIFO);
	assert_string_equal(a->rx_mbox.path, "/abs/icmsg0.a2b.fifo");
	assert_int_equal(a->dcache_alignment, 0);
	assert_int_equal(a->unbound, ICMSG_UNBOUND_DISABLE);
	assert_int_equal(a->bond_notify_repeat_ms, 2);
	assert_int_equal(a->bond_timeout_ms, 6000);
	assert_int_equal(a->bond_notify_max_ms, 200);
	assert_int_equal(a->detect_grace_ms, 70);
	assert_int_equal(a->peer_rx_buf_size, 256);
	assert_int_equal(a->rx_buf_size, 1024);
	assert_false(a->auto_reopen);
	assert_true(a->create);

	assert_string_equal(b->name, "Adsp_1.x-y");
	assert_string_equal(b->tx_region.path, "/dev/shm/adsp.bin");
	assert_int_equal(b->tx_region.offset, 0x1000);
	assert_int_equal(b->tx_region.size, 0x100);
	/* A plain string join: "./" is kept. */
	assert_string_equal(b->rx_region.path, in_dir("./adsp/rx.bin"));
	assert_int_equal(b->rx_region.offset, 0x40);
	assert_int_equal(b->rx_region.size, 0x400);
	assert_string_equal(b->tx_mbox.path, in_dir("adsp.tx"));
	assert_string_equal(b->rx_mbox.path, in_dir("adsp.rx"));
	assert_int_equal(b->dcache_alignment, 64);
	assert_int_equal(b->unbound, ICMSG_UNBOUND_DETECT);
	assert_int_equal(b->bond_notify_repeat_ms, 0);
	assert_int_equal(b->bond_timeout_ms, 0);
	assert_int_equal(b->bond_notify_max_ms, 0);
	assert_int_equal(b->detect_grace_ms, 4294967295u);
	assert_int_equal(b->peer_rx_buf_size, 65535);
	assert_int_equal(b->rx_buf_size, 65535);
	assert_true(b->auto_reopen);
	assert_true(b->create);

	/* Every instance of a loaded file passes the public check. */
	assert_int_equal(icmsg_link_config_check(a, NULL, NULL), 0);
	assert_int_equal(icmsg_link_config_check(b, NULL, NULL), 0);
	icmsg_config_free(cfg);
}

static void test_config_defaults(void **state)
{
	struct icmsg_config *cfg;
	const struct icmsg_link_config *a;

	(void)state;
	cfg = expect_ok("instances:\n" INST("a"));
	assert_int_equal(icmsg_config_count(cfg), 1);
	a = icmsg_config_get(cfg, 0);
	assert_string_equal(a->name, "a");
	assert_int_equal(a->rx_region.offset, 0);
	assert_int_equal(a->dcache_alignment, 0);
	assert_int_equal(a->unbound, ICMSG_UNBOUND_DISABLE);
	assert_int_equal(a->bond_notify_repeat_ms, 1);
	assert_int_equal(a->bond_timeout_ms, 5000);
	assert_int_equal(a->bond_notify_max_ms, 100);
	assert_int_equal(a->detect_grace_ms, 50);
	assert_int_equal(a->peer_rx_buf_size, 128);
	assert_int_equal(a->rx_buf_size, 0);
	assert_true(a->auto_reopen);
	assert_true(a->create);
	assert_int_equal(a->tx_region.type, ICMSG_REGION_FILE);
	assert_int_equal(a->tx_mbox.type, ICMSG_MBOX_FIFO);
	icmsg_config_free(cfg);
}

static void test_config_init_defaults(void **state)
{
	struct icmsg_link_config c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	icmsg_link_config_init(&c);
	assert_null(c.name);
	assert_null(c.tx_region.path);
	assert_null(c.rx_region.path);
	assert_null(c.tx_mbox.path);
	assert_null(c.rx_mbox.path);
	assert_int_equal(c.tx_region.offset, 0);
	assert_int_equal(c.tx_region.size, 0);
	assert_int_equal(c.rx_region.type, ICMSG_REGION_FILE);
	assert_int_equal(c.rx_mbox.type, ICMSG_MBOX_FIFO);
	assert_int_equal(c.dcache_alignment, 0);
	assert_int_equal(c.unbound, ICMSG_UNBOUND_DISABLE);
	assert_int_equal(c.bond_notify_repeat_ms, 1);
	assert_int_equal(c.bond_timeout_ms, 5000);
	assert_int_equal(c.bond_notify_max_ms, 100);
	assert_int_equal(c.detect_grace_ms, 50);
	assert_int_equal(c.peer_rx_buf_size, 128);
	assert_int_equal(c.rx_buf_size, 0);
	assert_true(c.auto_reopen);
	assert_true(c.create);
}

static void test_config_empty_instances(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances: []\n");
	assert_int_equal(icmsg_config_count(cfg), 0);
	assert_null(icmsg_config_get(cfg, 0));
	assert_null(icmsg_config_find(cfg, "a"));
	icmsg_config_free(cfg);
}

static void test_config_find(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances:\n" INST("a") INST("b") INST("c"));
	assert_int_equal(icmsg_config_count(cfg), 3);
	assert_ptr_equal(icmsg_config_find(cfg, "a"), icmsg_config_get(cfg, 0));
	assert_ptr_equal(icmsg_config_find(cfg, "b"), icmsg_config_get(cfg, 1));
	assert_ptr_equal(icmsg_config_find(cfg, "c"), icmsg_config_get(cfg, 2));
	assert_null(icmsg_config_find(cfg, "d"));
	assert_null(icmsg_config_find(cfg, "A"));
	assert_null(icmsg_config_find(cfg, ""));
	assert_null(icmsg_config_find(cfg, NULL));
	assert_null(icmsg_config_find(NULL, "a"));
	assert_null(icmsg_config_get(NULL, 0));
	assert_int_equal(icmsg_config_count(NULL), 0);
	assert_null(icmsg_config_free(cfg));
	assert_null(icmsg_config_free(NULL));
}

/* Without a directory in the file name, relative paths stay relative to cwd. */
static void test_config_relative_to_cwd(void **state)
{
	struct icmsg_config *cfg = NULL;
	char cwd[PATH_MAX], *err = NULL;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	write_file(g_file, "instances:\n" INST("a"));
	assert_int_equal(chdir(g_dir), 0);
	assert_int_equal(icmsg_config_load("c.yaml", &cfg, &err), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_null(err);
	assert_string_equal(icmsg_config_get(cfg, 0)->tx_region.path, "a.bin");
	assert_string_equal(icmsg_config_get(cfg, 0)->rx_mbox.path, "a.rx");
	icmsg_config_free(cfg);
}

/* Hex in any case, quoted numbers and strings, aliases. */
static void test_config_value_forms(void **state)
{
	struct icmsg_config *cfg;
	const struct icmsg_link_config *c;

	(void)state;
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { path: a.bin, offset: 0xABCdef00, size: &sz 0x0100 }\n"
			"    rx-region: { path: a.bin, offset: 0, size: \"256\" }\n"
			"    mboxes: { tx: 'a.tx', rx: \"a.rx\" }\n"
			"    bond-timeout-ms: *sz\n"
			"    auto-reopen: Off\n");
	c = icmsg_config_get(cfg, 0);
	assert_int_equal(c->tx_region.offset, 0xabcdef00);
	assert_int_equal(c->tx_region.size, 0x100);
	assert_int_equal(c->rx_region.size, 256);
	assert_string_equal(c->tx_mbox.path, in_dir("a.tx"));
	assert_string_equal(c->rx_mbox.path, in_dir("a.rx"));
	assert_int_equal(c->bond_timeout_ms, 0x100);
	assert_false(c->auto_reopen);
	icmsg_config_free(cfg);
}

/* ------------------------------------------------------------------------ */
/* Rejected files: one test per rule                                        */

static void test_config_name_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: \"\"\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: must not be empty");
	expect_errors("instances:\n"
		      "  - name:\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: must not be empty");
	expect_errors("instances:\n"
		      "  - name: "
		      "a123456789b123456789c123456789d123456789e123456789f123456789g1234\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: must be at most 64 characters long");
	expect_errors("instances:\n"
		      "  - name: ..\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: must not start with '.': names become "
		      "socket file names");
	expect_errors("instances:\n"
		      "  - name: ../etc/x\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: must not start with '.': names become "
		      "socket file names");
	expect_errors("instances:\n"
		      "  - name: a/b\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: may contain only A-Z, a-z, 0-9, '_', '.' and "
		      "'-': names become socket file names");
	expect_errors("instances:\n"
		      "  - name: a b\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: may contain only A-Z, a-z, 0-9, '_', '.' and "
		      "'-': names become socket file names");
	expect_errors("instances:\n"
		      "  - name: [a]\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":2: instances[0].name: must be a string, not a sequence");
}

static void test_config_name_64_ok(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances:\n"
			"  - name: "
			"a123456789b123456789c123456789d123456789e123456789f123456789g123\n"
			"    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
			"    rx-region: { path: a.bin, size: 0x100 }\n"
			"    mboxes: { tx: a.tx, rx: a.rx }\n");
	assert_int_equal(strlen(icmsg_config_get(cfg, 0)->name), 64);
	icmsg_config_free(cfg);
}

static void test_config_compatible(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    compatible: zephyr,ipc-icbmsg\n",
		      ":6: instances[0].compatible: only 'zephyr,ipc-icmsg' is supported, "
		      "not 'zephyr,ipc-icbmsg'");
}

static void test_config_dcache_alignment(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a") "    dcache-alignment: 12\n",
		      ":6: instances[0].dcache-alignment: must be 0 or a power of two from 4 "
		      "to 4096");
	expect_errors("instances:\n" INST("a") "    dcache-alignment: 2\n",
		      ":6: instances[0].dcache-alignment: must be 0 or a power of two from 4 "
		      "to 4096");
	expect_errors("instances:\n" INST("a") "    dcache-alignment: 8192\n",
		      ":6: instances[0].dcache-alignment: must be 0 or a power of two from 4 "
		      "to 4096");
}

static void test_config_unbound_needs_dcache_8(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	expect_errors("instances:\n" INST("a") "    unbound: enable\n",
		      ":6: instances[0].unbound: enable and detect need dcache-alignment >= 8: "
		      "Zephyr refuses the handshake layout below 8 (spec 2.2)");
	expect_errors("instances:\n" INST("a")
		      "    unbound: detect\n"
		      "    dcache-alignment: 4\n",
		      ":6: instances[0].unbound: enable and detect need dcache-alignment >= 8: "
		      "Zephyr refuses the handshake layout below 8 (spec 2.2)");
	cfg = expect_ok("instances:\n" INST("a")
			"    unbound: enable\n"
			"    dcache-alignment: 8\n");
	assert_int_equal(icmsg_config_get(cfg, 0)->unbound, ICMSG_UNBOUND_ENABLE);
	icmsg_config_free(cfg);
}

static void test_config_unbound_value(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a") "    unbound: Disable\n",
		      ":6: instances[0].unbound: must be disable, enable or detect, "
		      "not 'Disable'");
	expect_errors("instances:\n" INST("a") "    unbound: {}\n",
		      ":6: instances[0].unbound: must be disable, enable or detect, "
		      "not a mapping");
}

static void test_config_region_path_empty(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: '', offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.path: must not be empty");
}

static void test_config_region_size_zero(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region:\n"
		      "      path: a.bin\n"
		      "      size: 0\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":6: instances[0].rx-region.size: must be greater than 0");
}

static void test_config_region_size_multiple_of_4(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x102 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.size: must be a multiple of 4 (spec 2.2)");
}

static void test_config_region_size_4g(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: b.bin, size: 0x100000000 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.size: must be less than 4 GiB: ring indices "
		      "are 32-bit (spec 2.1)");
}

static void test_config_region_offset_alignment(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x102, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.offset: must be a multiple of "
		      "max(dcache-alignment, 4) (spec 2.2)");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region:\n"
		      "      path: a.bin\n"
		      "      offset: 0x210\n"
		      "      size: 0x100\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    dcache-alignment: 32\n",
		      ":6: instances[0].rx-region.offset: must be a multiple of "
		      "max(dcache-alignment, 4) (spec 2.2)");
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
			"    rx-region: { path: a.bin, offset: 0x220, size: 0x100 }\n"
			"    mboxes: { tx: a.tx, rx: a.rx }\n"
			"    dcache-alignment: 32\n");
	icmsg_config_free(cfg);
}

static void test_config_region_offset_overflow(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: b.bin, offset: 0x7fffffffffffff00, size: 0x200 }\n"
		      "    rx-region: { path: a.bin, offset: 0xffffffffffffff00, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.offset: offset + size is beyond the largest "
		      "file offset\n"
		      ":4: instances[0].rx-region.offset: offset + size is beyond the largest "
		      "file offset");
}

/* L = size - H - 4 >= 12 with H = max(D, 4 or 8 with a handshake word). */
static void test_config_region_too_small(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	/* D = 0, disable: H = 4, 20 bytes is the least. */
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { path: a.bin, offset: 0x100, size: 20 }\n"
			"    rx-region: { path: a.bin, size: 20 }\n"
			"    mboxes: { tx: a.tx, rx: a.rx }\n");
	icmsg_config_free(cfg);
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 16 }\n"
		      "    rx-region: { path: a.bin, size: 20 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.size: too small: the data area after the ring "
		      "header (rd_idx, handshake, wr_idx) must be at least 12 bytes (spec 2.2)");
	/* D = 8, enable: H = 8, 24 bytes is the least. */
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { path: a.bin, offset: 0x100, size: 24 }\n"
			"    rx-region: { path: a.bin, size: 24 }\n"
			"    mboxes: { tx: a.tx, rx: a.rx }\n"
			"    dcache-alignment: 8\n"
			"    unbound: enable\n");
	icmsg_config_free(cfg);
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 24 }\n"
		      "    rx-region: { path: a.bin, size: 20 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    dcache-alignment: 8\n"
		      "    unbound: enable\n",
		      ":4: instances[0].rx-region.size: too small: the data area after the ring "
		      "header (rd_idx, handshake, wr_idx) must be at least 12 bytes (spec 2.2)");
	/* D = 64, disable: H = 64, 80 bytes is the least. */
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 76 }\n"
		      "    rx-region: { path: a.bin, size: 80 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    dcache-alignment: 64\n",
		      ":3: instances[0].tx-region.size: too small: the data area after the ring "
		      "header (rd_idx, handshake, wr_idx) must be at least 12 bytes (spec 2.2)");
}

static void test_config_regions_overlap(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, offset: 0x1fc, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":4: instances[0].rx-region: overlaps tx-region in the same file (spec 6.1)");
	/* "./a.bin" and "a.bin" are the same file. */
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: .//a.bin, offset: 0x0, size: 0x104 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":4: instances[0].rx-region: overlaps tx-region in the same file (spec 6.1)");
	/* Adjacent ranges, and the same range of different files, are fine. */
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
			"    rx-region: { path: a.bin, offset: 0x200, size: 0x100 }\n"
			"    mboxes: { tx: a.tx, rx: a.rx }\n"
			"  - name: b\n"
			"    tx-region: { path: b.bin, size: 0x100 }\n"
			"    rx-region: { path: c.bin, size: 0x100 }\n"
			"    mboxes: { tx: b.tx, rx: b.rx }\n");
	icmsg_config_free(cfg);
}

static void test_config_mbox_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: ''\n"
		      "      rx: a.rx\n",
		      ":6: instances[0].mboxes.tx: must not be empty");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: a.fifo\n"
		      "      rx: ./a.fifo\n",
		      ":7: instances[0].mboxes.rx: must differ from mboxes.tx: each direction "
		      "needs its own FIFO");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: [a.tx, a.rx]\n",
		      ":5: instances[0].mboxes: must be a mapping, not a sequence");
}

static void test_config_buf_sizes(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a") "    peer-rx-buf-size: 0\n",
		      ":6: instances[0].peer-rx-buf-size: must be from 1 to 65535: packet "
		      "lengths are 16-bit (spec 2.3)");
	expect_errors("instances:\n" INST("a") "    peer-rx-buf-size: 65536\n",
		      ":6: instances[0].peer-rx-buf-size: must be from 1 to 65535: packet "
		      "lengths are 16-bit (spec 2.3)");
	expect_errors("instances:\n" INST("a") "    rx-buf-size: 0x10000\n",
		      ":6: instances[0].rx-buf-size: must be from 0 (no limit) to 65535: packet "
		      "lengths are 16-bit (spec 2.3)");
}

static void test_config_bond_notify_max(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    bond-notify-repeat-ms: 10\n"
		      "    bond-notify-max-ms: 9\n",
		      ":7: instances[0].bond-notify-max-ms: must not be less than "
		      "bond-notify-repeat-ms");
	/* Only the repeat was written: it is the key at fault. */
	expect_errors("instances:\n" INST("a") "    bond-notify-repeat-ms: 101\n",
		      ":6: instances[0].bond-notify-repeat-ms: must not exceed "
		      "bond-notify-max-ms (default 100)");
	cfg = expect_ok("instances:\n" INST("a")
			"    bond-notify-repeat-ms: 0\n"
			"    bond-notify-max-ms: 0\n");
	icmsg_config_free(cfg);
	cfg = expect_ok("instances:\n" INST("a")
			"    bond-notify-repeat-ms: 100\n");
	icmsg_config_free(cfg);
}

static void test_config_integers(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    bond-timeout-ms: abc\n"
		      "    detect-grace-ms: -1\n"
		      "    peer-rx-buf-size: 010\n"
		      "    rx-buf-size: 1_000\n"
		      "    bond-notify-max-ms: 1.5\n"
		      "    dcache-alignment: 0x\n"
		      "    bond-notify-repeat-ms:\n",
		      ":6: instances[0].bond-timeout-ms: must be a non-negative integer "
		      "(decimal or 0x hex), not 'abc'\n"
		      ":7: instances[0].detect-grace-ms: must be a non-negative integer "
		      "(decimal or 0x hex), not '-1'\n"
		      ":8: instances[0].peer-rx-buf-size: must not have a leading zero (YAML 1.1 "
		      "would read it as octal): write decimal or 0x hex\n"
		      ":9: instances[0].rx-buf-size: must be a non-negative integer "
		      "(decimal or 0x hex), not '1_000'\n"
		      ":10: instances[0].bond-notify-max-ms: must be a non-negative integer "
		      "(decimal or 0x hex), not '1.5'\n"
		      ":11: instances[0].dcache-alignment: must be a non-negative integer "
		      "(decimal or 0x hex), not '0x'\n"
		      ":12: instances[0].bond-notify-repeat-ms: must be an integer, not empty");
	expect_errors("instances:\n" INST("a")
		      "    bond-timeout-ms: 4294967296\n"
		      "    detect-grace-ms: 0x100000000\n"
		      "    bond-notify-max-ms: { a: 1 }\n",
		      ":6: instances[0].bond-timeout-ms: is too large (at most 4294967295)\n"
		      ":7: instances[0].detect-grace-ms: is too large (at most 4294967295)\n"
		      ":8: instances[0].bond-notify-max-ms: must be an integer, not a mapping");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 18446744073709551616, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x10000000000000000 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-region.offset: is too large (at most "
		      "18446744073709551615)\n"
		      ":4: instances[0].rx-region.size: is too large (at most "
		      "18446744073709551615)");
}

static void test_config_booleans(void **state)
{
	static const char *const yes[] = { "true", "True", "yes", "on", "ON" };
	static const char *const no[] = { "false", "FALSE", "no", "No", "off" };
	struct icmsg_config *cfg;
	char yaml[512];
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++) {
		bool want = i < 5;

		snprintf(yaml, sizeof(yaml), "instances:\n" INST("a") "    auto-reopen: %s\n",
			 want ? yes[i] : no[i - 5]);
		cfg = expect_ok(yaml);
		assert_int_equal(icmsg_config_get(cfg, 0)->auto_reopen, want);
		icmsg_config_free(cfg);
	}
	expect_errors("instances:\n" INST("a") "    auto-reopen: 1\n",
		      ":6: instances[0].auto-reopen: must be true or false, not '1'");
	/* A control character from the file never breaks the one-line format. */
	expect_errors("instances:\n" INST("a") "    auto-reopen: \"y\\te\\ns\"\n",
		      ":6: instances[0].auto-reopen: must be true or false, not 'y?e?s'");
	/* Long values are cut. */
	expect_errors("instances:\n" INST("a")
		      "    auto-reopen: 0123456789012345678901234567890123456789XYZ\n",
		      ":6: instances[0].auto-reopen: must be true or false, "
		      "not '0123456789012345678901234567890123456789...'");
}

static void test_config_unknown_key(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx, rxx: a.x }\n"
		      "    colour: blue\n"
		      "    dcache-aligment: 32\n"
		      "version: 2\n",
		      ":5: instances[0].mboxes.rxx: unknown key (did you mean 'rx'?)\n"
		      ":6: instances[0].colour: unknown key\n"
		      ":7: instances[0].dcache-aligment: unknown key (did you mean "
		      "'dcache-alignment'?)\n"
		      ":8: version: unknown key");
}

/* A misspelt required key is one error, not also "missing". */
static void test_config_misspelt_required_key(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-regoin: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, sise: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n",
		      ":3: instances[0].tx-regoin: unknown key (did you mean 'tx-region'?)\n"
		      ":4: instances[0].rx-region.sise: unknown key (did you mean 'size'?)");
	expect_errors("instance:\n" INST("a"),
		      ":1: instance: unknown key (did you mean 'instances'?)");
}

static void test_config_duplicate_key(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, size: 0x100, size: 0x104 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    name: '../b'\n"
		      "instances: []\n",
		      ":4: instances[0].rx-region.size: duplicate key (first at line 4)\n"
		      ":6: instances[0].name: duplicate key (first at line 2)\n"
		      ":7: instances: duplicate key (first at line 1)");
}

static void test_config_missing_keys(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - compatible: zephyr,ipc-icmsg\n"
		      "    tx-region:\n"
		      "      offset: 0x100\n"
		      "    rx-region: { path: a.bin }\n"
		      "    mboxes:\n"
		      "      tx: a.tx\n",
		      ":2: instances[0].name: missing required key\n"
		      ":3: instances[0].tx-region.path: missing required key\n"
		      ":3: instances[0].tx-region.size: missing required key\n"
		      ":5: instances[0].rx-region.size: missing required key\n"
		      ":6: instances[0].mboxes.rx: missing required key");
	expect_errors("instances:\n  - name: a\n",
		      ":2: instances[0].tx-region: missing required key\n"
		      ":2: instances[0].rx-region: missing required key\n"
		      ":2: instances[0].mboxes: missing required key");
	expect_errors("# nothing\n", ":1: instances: missing required key (the file is empty)");
	expect_errors("other: 1\n",
		      ":1: other: unknown key\n"
		      ":1: instances: missing required key");
}

static void test_config_structure(void **state)
{
	(void)state;
	expect_errors("- a\n- b\n",
		      ":1: yaml: the document must be a mapping with the key 'instances', "
		      "not a sequence");
	expect_errors("instances:\n",
		      ":1: instances: must be a sequence, not a scalar (use [] for none)");
	expect_errors("instances: { name: a }\n",
		      ":1: instances: must be a sequence, not a mapping (use [] for none)");
	expect_errors("instances:\n"
		      "  - ipc0\n"
		      INST("a")
		      "  - [x]\n",
		      ":2: instances[0]: must be a mapping, not a scalar\n"
		      ":7: instances[2]: must be a mapping, not a sequence");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: a.bin\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    [k]: 1\n",
		      ":3: instances[0].tx-region: must be a mapping, not a scalar\n"
		      ":6: instances[0]: keys must be strings, not a sequence");
	expect_errors("instances: []\n---\ninstances: []\n",
		      ":2: yaml: only one document is allowed");
}

static void test_config_syntax_error(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, size: 0x100\n"
		      "    rx-region: { path: a.bin, size: 0x100 }\n",
		      ":4: yaml: did not find expected ',' or '}' (while parsing a flow mapping "
		      "at line 3)");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: path: a.bin\n",
		      ":3: yaml: mapping values are not allowed in this context");
	expect_errors("instances:\n"
		      "  - name: *nowhere\n",
		      ":2: yaml: found undefined alias");
	/* Only the syntax error: nothing is checked after it. */
	expect_errors("instances:\n"
		      "  - name: ..\n"
		      "    tx-region: \"a.bin\n",
		      ":4: yaml: found unexpected end of stream (while scanning a quoted scalar "
		      "at line 3)");
}

static void test_config_missing_file(void **state)
{
	struct icmsg_config *cfg = NULL;
	char *err = NULL, want[PATH_MAX + 128];

	(void)state;
	assert_int_equal(icmsg_config_load(in_dir("none.yaml"), &cfg, &err), -ENOENT);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s/none.yaml: cannot read: %s", g_dir, strerror(ENOENT));
	assert_string_equal(err, want);
	free(err);

	assert_int_equal(icmsg_config_load(g_dir, &cfg, &err), -EISDIR);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s: cannot read: %s", g_dir, strerror(EISDIR));
	assert_string_equal(err, want);
	free(err);

	/* Without an error text pointer. */
	assert_int_equal(icmsg_config_load(in_dir("none.yaml"), &cfg, NULL), -ENOENT);
	assert_int_equal(icmsg_config_load(NULL, &cfg, &err), -EINVAL);
	assert_null(err);
	assert_int_equal(icmsg_config_load(g_file, NULL, &err), -EINVAL);
	assert_null(err);
}

static void test_config_error_text_optional(void **state)
{
	struct icmsg_config *cfg = NULL;

	(void)state;
	write_file(g_file, "instances: 1\n");
	assert_int_equal(icmsg_config_load(g_file, &cfg, NULL), -EINVAL);
	assert_null(cfg);
}

/*
 * Every mistake is reported, each once: a bad dcache-alignment does not
 * also fail unbound, offsets or sizes; an unparsable size is not also "0".
 */
static void test_config_multiple_errors(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: .a\n"
		      "    tx-region: { path: a.bin, offset: 0x102, size: 0x101 }\n"
		      "    rx-region: { path: a.bin, size: lots }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    dcache-alignment: 3\n"
		      "    unbound: enable\n"
		      "    peer-rx-buf-size: abc\n"
		      "    colour: blue\n"
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, offset: 0x80, size: 0x100 }\n"
		      "    mboxes: { tx: b.tx, rx: b.tx }\n"
		      "    rx-buf-size: 70000\n",
		      ":2: instances[0].name: must not start with '.': names become socket file "
		      "names\n"
		      ":3: instances[0].tx-region.size: must be a multiple of 4 (spec 2.2)\n"
		      ":4: instances[0].rx-region.size: must be a non-negative integer (decimal "
		      "or 0x hex), not 'lots'\n"
		      ":6: instances[0].dcache-alignment: must be 0 or a power of two from 4 to "
		      "4096\n"
		      ":8: instances[0].peer-rx-buf-size: must be a non-negative integer (decimal "
		      "or 0x hex), not 'abc'\n"
		      ":9: instances[0].colour: unknown key\n"
		      ":12: instances[1].rx-region: overlaps tx-region in the same file (spec "
		      "6.1)\n"
		      ":13: instances[1].mboxes.rx: must differ from mboxes.tx: each direction "
		      "needs its own FIFO\n"
		      ":14: instances[1].rx-buf-size: must be from 0 (no limit) to 65535: packet "
		      "lengths are 16-bit (spec 2.3)");
}

static void test_config_duplicate_names(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a") INST("b")
		      "  - name: a\n"
		      "    tx-region: { path: c.bin, size: 0x100 }\n"
		      "    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes: { tx: c.tx, rx: c.rx }\n",
		      ":10: instances[2].name: duplicate name 'a' (first at line 2)");
}

static void test_config_cross_instance_overlap(void **state)
{
	(void)state;
	/* a: tx 0x100..0x200, rx 0..0x100 of a.bin. */
	expect_errors("instances:\n" INST("a")
		      "  - name: b\n"
		      "    tx-region: { path: ./a.bin, offset: 0x1fc, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, offset: 0x0, size: 0x20 }\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n"
		      "  - name: c\n"
		      "    tx-region: { path: a.bin, offset: 0x400, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, offset: 0x300, size: 0x100 }\n"
		      "    mboxes: { tx: c.tx, rx: c.rx }\n",
		      ":7: instances[1].tx-region: overlaps instances[0].tx-region (line 3) in "
		      "the same file (spec 6.1)\n"
		      ":8: instances[1].rx-region: overlaps instances[0].rx-region (line 4) in "
		      "the same file (spec 6.1)");
}

static void test_config_fifo_reused(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: a.rx\n"
		      "      rx: b.rx\n"
		      "  - name: c\n"
		      "    tx-region: { path: c.bin, size: 0x100 }\n"
		      "    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes: { tx: c.tx, rx: ./b.rx }\n",
		      ":10: instances[1].mboxes.tx: FIFO already used by instances[0].mboxes.rx "
		      "(line 5)\n"
		      ":15: instances[2].mboxes.rx: FIFO already used by instances[1].mboxes.rx "
		      "(line 11)");
}

static void test_config_offset_beyond_2_63(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, offset: 0xffffffffff000000, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, size: 0x100 }\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n",
		      ":3: instances[0].tx-region.offset: offset + size is beyond the largest "
		      "file offset");
}

/* The shipped examples must load (sources found through the test env). */
static void test_config_examples(void **state)
{
	static const char *const files[] = { "icmsg-sim.yaml", "icmsg-sim-sessions.yaml" };
	const char *root = getenv("ICMSG_SOURCE_ROOT");
	const struct icmsg_link_config *c;
	struct icmsg_config *cfg;
	char path[PATH_MAX], *err;
	size_t i;

	(void)state;
	if (!root)
		skip();
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/config/%s", root, files[i]);
		cfg = NULL;
		err = NULL;
		if (icmsg_config_load(path, &cfg, &err) != 0)
			print_error("%s\n", err ? err : path);
		assert_null(err);
		assert_int_equal(icmsg_config_count(cfg), 1);
		c = icmsg_config_get(cfg, 0);
		assert_int_equal(c->rx_region.offset, 0);
		assert_int_equal(c->rx_region.size, 0x800);
		assert_int_equal(c->tx_region.offset, 0x800);
		assert_int_equal(c->tx_region.size, 0x800);
		assert_memory_equal(c->tx_region.path, "/tmp/icmsg-sim/", 15);
		assert_memory_equal(c->rx_mbox.path, "/tmp/icmsg-sim/", 15);
		assert_memory_equal(c->tx_mbox.path, "/tmp/icmsg-sim/", 15);
		if (i == 0) {
			assert_string_equal(c->name, "ipc0");
			assert_int_equal(c->unbound, ICMSG_UNBOUND_DISABLE);
			assert_int_equal(c->dcache_alignment, 0);
			assert_string_equal(c->tx_region.path, "/tmp/icmsg-sim/ipc0.bin");
			assert_string_equal(c->rx_mbox.path, "/tmp/icmsg-sim/ipc0.ch0.fifo");
			assert_string_equal(c->tx_mbox.path, "/tmp/icmsg-sim/ipc0.ch1.fifo");
		} else {
			assert_int_equal(c->unbound, ICMSG_UNBOUND_DETECT);
			assert_int_equal(c->dcache_alignment, 32);
		}
		icmsg_config_free(cfg);
	}
}

/* ------------------------------------------------------------------------ */
/* icmsg_link_config_check() on structs                                     */

static void valid_config(struct icmsg_link_config *c)
{
	icmsg_link_config_init(c);
	c->name = "ipc0";
	c->tx_region.path = "/tmp/x.bin";
	c->tx_region.offset = 0x800;
	c->tx_region.size = 0x800;
	c->rx_region.path = "/tmp/x.bin";
	c->rx_region.size = 0x800;
	c->tx_mbox.path = "/tmp/tx.fifo";
	c->rx_mbox.path = "/tmp/rx.fifo";
}

static void expect_check_fails(const struct icmsg_link_config *c, const char *field,
			       const char *msg)
{
	const char *f = "unset", *m = "unset";

	assert_int_equal(icmsg_link_config_check(c, &f, &m), -EINVAL);
	assert_string_equal(f, field);
	assert_string_equal(m, msg);
}

static void test_config_check_structs(void **state)
{
	struct icmsg_link_config c;
	const char *f = "unset", *m = "unset";

	(void)state;
	valid_config(&c);
	assert_int_equal(icmsg_link_config_check(&c, &f, &m), 0);
	assert_string_equal(f, "unset"); /* outputs untouched on success */
	assert_string_equal(m, "unset");
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);

	c.name = NULL;
	expect_check_fails(&c, "name", "must not be empty");
	c.name = "a:b";
	expect_check_fails(&c, "name", "may contain only A-Z, a-z, 0-9, '_', '.' and '-': names "
		     "become socket file names");
	c.name = ".";
	expect_check_fails(&c, "name", "must not start with '.': names become socket file names");

	valid_config(&c);
	c.dcache_alignment = 48;
	expect_check_fails(&c, "dcache-alignment", "must be 0 or a power of two from 4 to 4096");

	valid_config(&c);
	c.unbound = ICMSG_UNBOUND_DETECT;
	c.dcache_alignment = 4;
	expect_check_fails(&c, "unbound", "enable and detect need dcache-alignment >= 8: Zephyr "
		     "refuses the handshake layout below 8 (spec 2.2)");
	c.dcache_alignment = 8;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.unbound = (enum icmsg_unbound_mode)7;
	expect_check_fails(&c, "unbound", "must be disable, enable or detect");

	valid_config(&c);
	c.tx_region.path = "";
	expect_check_fails(&c, "tx-region.path", "must not be empty");
	valid_config(&c);
	c.rx_region.path = NULL;
	expect_check_fails(&c, "rx-region.path", "must not be empty");
	valid_config(&c);
	c.tx_region.type = (enum icmsg_region_type)3;
	expect_check_fails(&c, "tx-region", "unsupported region type");
	valid_config(&c);
	c.rx_region.size = 0;
	expect_check_fails(&c, "rx-region.size", "must be greater than 0");
	c.rx_region.size = 0x7fe;
	expect_check_fails(&c, "rx-region.size", "must be a multiple of 4 (spec 2.2)");
	c.rx_region.size = 16;
	expect_check_fails(&c, "rx-region.size", "too small: the data area after the ring header "
		     "(rd_idx, handshake, wr_idx) must be at least 12 bytes (spec 2.2)");
	c.rx_region.size = 20;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.rx_region.size = UINT64_C(0x100000000);
	expect_check_fails(&c, "rx-region.size", "must be less than 4 GiB: ring indices are 32-bit "
		     "(spec 2.1)");

	valid_config(&c);
	c.dcache_alignment = 64;
	c.tx_region.offset = 0x820;
	expect_check_fails(&c, "tx-region.offset", "must be a multiple of max(dcache-alignment, 4) "
		     "(spec 2.2)");
	c.tx_region.offset = UINT64_C(0x7fffffffffffff00);
	expect_check_fails(&c, "tx-region.offset", "offset + size is beyond the largest file offset");
	c.tx_region.offset = UINT64_C(0xffffffffffffff00);
	expect_check_fails(&c, "tx-region.offset", "offset + size is beyond the largest file offset");

	valid_config(&c);
	c.tx_region.offset = 0x400;
	expect_check_fails(&c, "rx-region", "overlaps tx-region in the same file (spec 6.1)");
	c.rx_region.path = "/tmp//./x.bin";
	expect_check_fails(&c, "rx-region", "overlaps tx-region in the same file (spec 6.1)");
	c.rx_region.path = "/tmp/y.bin";
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.rx_region.path = "tmp/x.bin"; /* relative: another file */
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);

	valid_config(&c);
	c.tx_mbox.path = NULL;
	expect_check_fails(&c, "mboxes.tx", "must not be empty");
	valid_config(&c);
	c.rx_mbox.type = (enum icmsg_mbox_type)2;
	expect_check_fails(&c, "mboxes.rx", "unsupported doorbell type");
	valid_config(&c);
	c.rx_mbox.path = "/tmp/./tx.fifo";
	expect_check_fails(&c, "mboxes.rx", "must differ from mboxes.tx: each direction needs its "
		     "own FIFO");

	valid_config(&c);
	c.peer_rx_buf_size = 0;
	expect_check_fails(&c, "peer-rx-buf-size", "must be from 1 to 65535: packet lengths are "
		     "16-bit (spec 2.3)");
	c.peer_rx_buf_size = 65535;
	c.rx_buf_size = 65536;
	expect_check_fails(&c, "rx-buf-size", "must be from 0 (no limit) to 65535: packet lengths "
		     "are 16-bit (spec 2.3)");

	valid_config(&c);
	c.bond_notify_repeat_ms = 5;
	c.bond_notify_max_ms = 4;
	expect_check_fails(&c, "bond-notify-max-ms", "must not be less than bond-notify-repeat-ms");
	c.bond_notify_repeat_ms = 0;
	c.bond_notify_max_ms = 0;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);

	/* The first problem in check order is the one reported. */
	valid_config(&c);
	c.name = "";
	c.rx_buf_size = 70000;
	expect_check_fails(&c, "name", "must not be empty");

	f = "unset";
	assert_int_equal(icmsg_link_config_check(NULL, &f, &m), -EINVAL);
	assert_string_equal(f, "");
	assert_string_equal(m, "no configuration");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_full_two_instances),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_init_defaults),
		cmocka_unit_test(test_config_empty_instances),
		cmocka_unit_test(test_config_find),
		cmocka_unit_test(test_config_relative_to_cwd),
		cmocka_unit_test(test_config_value_forms),
		cmocka_unit_test(test_config_name_rules),
		cmocka_unit_test(test_config_name_64_ok),
		cmocka_unit_test(test_config_compatible),
		cmocka_unit_test(test_config_dcache_alignment),
		cmocka_unit_test(test_config_unbound_needs_dcache_8),
		cmocka_unit_test(test_config_unbound_value),
		cmocka_unit_test(test_config_region_path_empty),
		cmocka_unit_test(test_config_region_size_zero),
		cmocka_unit_test(test_config_region_size_multiple_of_4),
		cmocka_unit_test(test_config_region_size_4g),
		cmocka_unit_test(test_config_region_offset_alignment),
		cmocka_unit_test(test_config_region_offset_overflow),
		cmocka_unit_test(test_config_region_too_small),
		cmocka_unit_test(test_config_regions_overlap),
		cmocka_unit_test(test_config_mbox_rules),
		cmocka_unit_test(test_config_buf_sizes),
		cmocka_unit_test(test_config_bond_notify_max),
		cmocka_unit_test(test_config_integers),
		cmocka_unit_test(test_config_booleans),
		cmocka_unit_test(test_config_unknown_key),
		cmocka_unit_test(test_config_misspelt_required_key),
		cmocka_unit_test(test_config_duplicate_key),
		cmocka_unit_test(test_config_missing_keys),
		cmocka_unit_test(test_config_structure),
		cmocka_unit_test(test_config_syntax_error),
		cmocka_unit_test(test_config_missing_file),
		cmocka_unit_test(test_config_error_text_optional),
		cmocka_unit_test(test_config_multiple_errors),
		cmocka_unit_test(test_config_duplicate_names),
		cmocka_unit_test(test_config_cross_instance_overlap),
		cmocka_unit_test(test_config_fifo_reused),
		cmocka_unit_test(test_config_offset_beyond_2_63),
		cmocka_unit_test(test_config_examples),
		cmocka_unit_test(test_config_check_structs),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
