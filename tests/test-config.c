// SPDX-License-Identifier: MIT
/*
 * Tests of lib/config.c: defaults, icmsg_link_config_check() and the YAML
 * loader, including icmsgd's keys and drop-in files. Every rejected file is
 * checked against the full error text, so a wrong line number, key path or
 * message fails the test.
 */
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	char path[128];

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/test-config-XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_file, sizeof(g_file), "%s/c.yaml", g_dir);
	snprintf(path, sizeof(path), "%s/conf.d", g_dir);
	return mkdir(path, 0700);
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
		"    spin-us: 50\n"
		"    lazy-signal: true\n"
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
	assert_int_equal(a->spin_us, 50);
	assert_true(a->lazy_signal);
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
	assert_int_equal(b->spin_us, 0);
	assert_false(b->lazy_signal);

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
	assert_int_equal(c.tx_region.uio.map, 0);
	assert_null(c.tx_region.uio.device);
	assert_null(c.rx_region.uio.map_name);
	assert_int_equal(c.tx_mbox.fd, -1);
	assert_int_equal(c.rx_mbox.fd, -1);
	assert_true(c.tx_mbox.irq_rearm);
	assert_true(c.rx_mbox.irq_rearm);
	assert_null(c.rx_mbox.uio_device);
	assert_int_equal(c.tx_mbox.regs.type, ICMSG_REGION_FILE);
	assert_int_equal(c.tx_mbox.regs.size, 0);
	assert_false(c.tx_mbox.write.enabled);
	assert_int_equal(c.tx_mbox.write.width, 32);
	assert_int_equal(c.rx_mbox.status.width, 32);
	assert_int_equal(c.rx_mbox.ack.width, 32);
	assert_int_equal(c.rx_mbox.ack.op, ICMSG_REG_WRITE);
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
	/* D = 0, disable: H = 4, a 24-byte data area for the magic: 32 bytes
	 * is the least (Zephyr takes 20, where no magic bond ever happens). */
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { path: a.bin, offset: 0x100, size: 32 }\n"
			"    rx-region: { path: a.bin, size: 32 }\n"
			"    mboxes: { tx: a.tx, rx: a.rx }\n");
	icmsg_config_free(cfg);
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 28 }\n"
		      "    rx-region: { path: a.bin, size: 32 }\n"
		      "    mboxes: { tx: a.tx, rx: a.rx }\n"
		      "    rx-buf-size: 12\n",
		      ":3: instances[0].tx-region.size: too small for the bonding magic: unbound "
		      "disable and detect need a data area of at least 24 bytes (spec 3.1)\n"
		      ":6: instances[0].rx-buf-size: must be 0 or at least 13 with unbound disable "
		      "or detect: the bonding magic is 13 bytes (spec 3.1)");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 16 }\n"
		      "    rx-region: { path: a.bin, size: 32 }\n"
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
	/* D = 64, disable: H = 64, 80 bytes for a ring, 92 for the magic. */
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, offset: 0x100, size: 76 }\n"
		      "    rx-region: { path: a.bin, size: 92 }\n"
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
	expect_errors("instances:\n" INST("a")
		      "    spin-us: 1000001\n"
		      "    lazy-signal: sometimes\n",
		      ":6: instances[0].spin-us: must be from 0 to 1000000 (one second of "
		      "busy-waiting at most)\n"
		      ":7: instances[0].lazy-signal: must be true or false, not 'sometimes'");
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
		      ":3: instances[0].tx-region.size: missing required key\n"
		      ":3: instances[0].tx-region: needs one of path, uio or address\n"
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

/* Both default to the socket /run/icmsgd/a.sock: one mistake, one error. */
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

/* The board examples load, whatever they hold, and pass the public check. */
static void test_config_board_examples(void **state)
{
	const char *root = getenv("ICMSG_SOURCE_ROOT");
	struct icmsg_config *cfg;
	char pattern[PATH_MAX], *err;
	glob_t g;
	size_t i, j;

	(void)state;
	if (!root)
		skip();
	snprintf(pattern, sizeof(pattern), "%s/config/boards/*.yaml", root);
	if (glob(pattern, 0, NULL, &g) != 0)
		skip();
	for (i = 0; i < g.gl_pathc; i++) {
		cfg = NULL;
		err = NULL;
		if (icmsg_config_load(g.gl_pathv[i], &cfg, &err) != 0)
			print_error("%s\n", err ? err : g.gl_pathv[i]);
		assert_null(err);
		assert_true(icmsg_config_count(cfg) > 0);
		for (j = 0; j < icmsg_config_count(cfg); j++)
			assert_int_equal(icmsg_link_config_check(icmsg_config_get(cfg, j), NULL,
								 NULL), 0);
		icmsg_config_free(cfg);
	}
	globfree(&g);
}

/* ------------------------------------------------------------------------ */
/* Hardware transports: UIO, /dev/mem, register doorbells, eventfds         */

/* Instance "a" up to its mboxes key (3 lines), for doorbell tests. */
#define A_REGIONS \
	"  - name: a\n" \
	"    tx-region: { path: a.bin, offset: 0x100, size: 0x100 }\n" \
	"    rx-region: { path: a.bin, size: 0x100 }\n"

/* FIFO doorbells of instance "a" (1 line), for region tests. */
#define A_MBOXES "    mboxes: { tx: a.tx, rx: a.rx }\n"

/* Expect @r to be a UIO region or window with these fields. */
static void expect_uio(const struct icmsg_region_config *r, const char *device, int map,
		       const char *map_name, uint64_t offset, uint64_t size)
{
	assert_int_equal(r->type, ICMSG_REGION_UIO);
	assert_string_equal(r->uio.device, device);
	assert_int_equal(r->uio.map, map);
	if (map_name)
		assert_string_equal(r->uio.map_name, map_name);
	else
		assert_null(r->uio.map_name);
	assert_int_equal(r->offset, offset);
	assert_int_equal(r->size, size);
}

/* Expect register access @r to be present with these fields. */
static void expect_reg(const struct icmsg_mbox_reg *r, uint32_t offset, uint32_t value,
		       unsigned int width, enum icmsg_reg_op op)
{
	assert_true(r->enabled);
	assert_int_equal(r->offset, offset);
	assert_int_equal(r->value, value);
	assert_int_equal(r->width, width);
	assert_int_equal(r->op, op);
}

static void test_config_uio_transport(void **state)
{
	const struct icmsg_link_config *a, *b;
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { uio: shm, map: 1, offset: 0x800, size: 0x800 }\n"
			"    rx-region: { uio: /dev/uio3, map-name: rx, size: 0x800 }\n"
			"    mboxes:\n"
			"      tx:\n"
			"        registers: { uio: mbox, size: 0x1000 }\n"
			"        write: { offset: 0x10, value: 1 }\n"
			"      rx:\n"
			"        uio: mbox\n"
			"        rearm: false\n"
			"        registers: { uio: mbox, map: 1, offset: 0x100, size: 0x100 }\n"
			"        status: { offset: 0x4, mask: 0x2, width: 16 }\n"
			"        ack: { offset: 0x8, value: 0x2, width: 8, op: clear }\n"
			"        enable:\n"
			"          - { offset: 0xc, value: 0x2, op: clear }\n"
			"          - { offset: 0x10, value: 0x2, width: 16, op: set }\n"
			/* Same interrupt (status tells whose), next range of shm. */
			"  - name: b\n"
			"    tx-region: { uio: shm, map: 1, offset: 0x1000, size: 0x800 }\n"
			"    rx-region: { uio: shm, map: 2, size: 0x800 }\n"
			"    mboxes:\n"
			"      tx:\n"
			"        registers: { uio: mbox, size: 0x1000 }\n"
			"        write: { offset: 0x14, value: 0x80000000, op: set }\n"
			"      rx:\n"
			"        uio: uio7\n"
			"        registers: { uio: mbox, map-name: regs, size: 0x1000 }\n"
			"        status: { offset: 0x4, mask: 0x4 }\n");
	a = icmsg_config_get(cfg, 0);
	/* A device name, never resolved against the file's directory. */
	expect_uio(&a->tx_region, "shm", 1, NULL, 0x800, 0x800);
	assert_null(a->tx_region.path);
	expect_uio(&a->rx_region, "/dev/uio3", 0, "rx", 0, 0x800);

	assert_int_equal(a->tx_mbox.type, ICMSG_MBOX_MMIO);
	assert_null(a->tx_mbox.path);
	expect_uio(&a->tx_mbox.regs, "mbox", 0, NULL, 0, 0x1000);
	expect_reg(&a->tx_mbox.write, 0x10, 1, 32, ICMSG_REG_WRITE);
	assert_false(a->tx_mbox.status.enabled);
	assert_false(a->tx_mbox.ack.enabled);

	assert_int_equal(a->rx_mbox.type, ICMSG_MBOX_UIO_IRQ);
	assert_string_equal(a->rx_mbox.uio_device, "mbox");
	assert_false(a->rx_mbox.irq_rearm);
	assert_int_equal(a->rx_mbox.fd, -1);
	expect_uio(&a->rx_mbox.regs, "mbox", 1, NULL, 0x100, 0x100);
	assert_false(a->rx_mbox.write.enabled);
	expect_reg(&a->rx_mbox.status, 4, 2, 16, ICMSG_REG_WRITE);
	expect_reg(&a->rx_mbox.ack, 8, 2, 8, ICMSG_REG_CLEAR);
	expect_reg(&a->rx_mbox.enable[0], 0xc, 2, 32, ICMSG_REG_CLEAR);
	expect_reg(&a->rx_mbox.enable[1], 0x10, 2, 16, ICMSG_REG_SET);
	assert_false(a->rx_mbox.enable[2].enabled);
	assert_false(a->rx_mbox.enable[3].enabled);

	b = icmsg_config_get(cfg, 1);
	expect_uio(&b->tx_region, "shm", 1, NULL, 0x1000, 0x800);
	expect_uio(&b->rx_region, "shm", 2, NULL, 0, 0x800);
	expect_reg(&b->tx_mbox.write, 0x14, 0x80000000u, 32, ICMSG_REG_SET);
	assert_string_equal(b->rx_mbox.uio_device, "uio7");
	assert_true(b->rx_mbox.irq_rearm);
	expect_uio(&b->rx_mbox.regs, "mbox", 0, "regs", 0, 0x1000);
	expect_reg(&b->rx_mbox.status, 4, 4, 32, ICMSG_REG_WRITE);
	assert_false(b->rx_mbox.ack.enabled);
	assert_false(b->rx_mbox.enable[0].enabled);

	assert_int_equal(icmsg_link_config_check(a, NULL, NULL), 0);
	assert_int_equal(icmsg_link_config_check(b, NULL, NULL), 0);
	icmsg_config_free(cfg);
}

static void test_config_devmem_eventfd_transport(void **state)
{
	const struct icmsg_link_config *a, *b, *c;
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { address: 0x20078000, size: 0x800 }\n"
			"    rx-region: { address: 0x20070000, size: 0x800 }\n"
			"    mboxes:\n"
			"      tx:\n"
			"        registers: { address: 0x40001000, size: 0x100 }\n"
			"        write: { offset: 0x21, value: 0x81, width: 8, op: set }\n"
			"      rx: { eventfd: 4 }\n"
			"  - name: b\n"
			"    tx-region:\n"
			"      path: /sys/bus/pci/devices/0000:01:00.0/resource2\n"
			"      offset: 0x1000\n"
			"      size: 0x800\n"
			"    rx-region: { path: shm.bin, size: 0x800 }\n"
			"    mboxes:\n"
			"      tx:\n"
			"        registers: { path: res0, offset: 0x100, size: 0x10 }\n"
			"        write: { offset: 0xe, value: 0xffff, width: 16 }\n"
			"      rx: { fifo: b.rx }\n"
			"  - name: c\n"
			"    tx-region: { path: c.bin, size: 0x100 }\n"
			"    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
			"    mboxes: { tx: { eventfd: 0 }, rx: { eventfd: 2147483647 } }\n");
	a = icmsg_config_get(cfg, 0);
	assert_int_equal(a->tx_region.type, ICMSG_REGION_DEVMEM);
	assert_int_equal(a->tx_region.offset, 0x20078000);
	assert_int_equal(a->tx_region.size, 0x800);
	assert_null(a->tx_region.path);
	assert_null(a->tx_region.uio.device);
	assert_int_equal(a->rx_region.type, ICMSG_REGION_DEVMEM);
	assert_int_equal(a->rx_region.offset, 0x20070000);
	assert_int_equal(a->tx_mbox.type, ICMSG_MBOX_MMIO);
	assert_int_equal(a->tx_mbox.regs.type, ICMSG_REGION_DEVMEM);
	assert_int_equal(a->tx_mbox.regs.offset, 0x40001000);
	assert_int_equal(a->tx_mbox.regs.size, 0x100);
	expect_reg(&a->tx_mbox.write, 0x21, 0x81, 8, ICMSG_REG_SET);
	assert_int_equal(a->rx_mbox.type, ICMSG_MBOX_EVENTFD);
	assert_int_equal(a->rx_mbox.fd, 4);
	assert_null(a->rx_mbox.path);

	b = icmsg_config_get(cfg, 1);
	assert_int_equal(b->tx_region.type, ICMSG_REGION_FILE);
	assert_string_equal(b->tx_region.path, "/sys/bus/pci/devices/0000:01:00.0/resource2");
	assert_int_equal(b->tx_mbox.regs.type, ICMSG_REGION_FILE);
	/* A window's path is relative to the file, like every path. */
	assert_string_equal(b->tx_mbox.regs.path, in_dir("res0"));
	assert_int_equal(b->tx_mbox.regs.offset, 0x100);
	assert_int_equal(b->tx_mbox.regs.size, 0x10);
	expect_reg(&b->tx_mbox.write, 0xe, 0xffff, 16, ICMSG_REG_WRITE);
	assert_int_equal(b->rx_mbox.type, ICMSG_MBOX_FIFO);
	assert_string_equal(b->rx_mbox.path, in_dir("b.rx"));

	c = icmsg_config_get(cfg, 2);
	assert_int_equal(c->tx_mbox.type, ICMSG_MBOX_EVENTFD);
	assert_int_equal(c->tx_mbox.fd, 0);
	assert_int_equal(c->rx_mbox.fd, 2147483647);

	assert_int_equal(icmsg_link_config_check(a, NULL, NULL), 0);
	assert_int_equal(icmsg_link_config_check(b, NULL, NULL), 0);
	assert_int_equal(icmsg_link_config_check(c, NULL, NULL), 0);
	icmsg_config_free(cfg);
}

static void test_config_region_backend_keys(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { path: a.bin, uio: uio0, address: 0x1000, size: 0x100 }\n"
		      A_MBOXES
		      "  - name: b\n"
		      "    tx-region: { uio: uio0, address: 0x1000, size: 0x100 }\n"
		      "    rx-region:\n"
		      "      pth: b.bin\n"
		      "      size: 0x100\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n",
		      ":3: instances[0].tx-region: needs one of path, uio or address\n"
		      ":4: instances[0].rx-region.uio: path and uio exclude each other\n"
		      ":7: instances[1].tx-region.address: uio and address exclude each other\n"
		      /* A misspelt choice is one mistake. */
		      ":9: instances[1].rx-region.pth: unknown key (did you mean 'path'?)");
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { path: a.bin, map: 1, size: 0x100 }\n"
		      "    rx-region: { address: 0x1000, map-name: x, offset: 0x10, size: 0x100 }\n"
		      A_MBOXES
		      "  - name: b\n"
		      "    tx-region: { uio: uio0, map: 1, map-name: shm, size: 0x100 }\n"
		      "    rx-region: { uio: uio0, map: 5, size: 0x100 }\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n",
		      ":3: instances[0].tx-region.map: needs uio: it selects a map of a UIO "
		      "device\n"
		      ":4: instances[0].rx-region.map-name: needs uio: it selects a map of a UIO "
		      "device\n"
		      ":4: instances[0].rx-region.offset: not with address: write the physical "
		      "address of the first byte as address\n"
		      ":7: instances[1].tx-region.map-name: map and map-name exclude each other\n"
		      ":8: instances[1].rx-region.map: must be from 0 to 4: a UIO device has at "
		      "most 5 maps");
}

static void test_config_region_uio_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { uio: '', map-name: '', size: 0x100 }\n"
		      "    rx-region: { uio: /dev/mem, map: 0x100000000000, size: 0x100 }\n"
		      A_MBOXES
		      "  - name: b\n"
		      "    tx-region: { uio: /dev/uio, size: 0x102 }\n"
		      "    rx-region: { uio: uio0/x, offset: 0x102, size: 0x100 }\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n",
		      ":3: instances[0].tx-region.uio: must not be empty\n"
		      ":3: instances[0].tx-region.map-name: must not be empty\n"
		      ":4: instances[0].rx-region.uio: must be a UIO device name, uioN or "
		      "/dev/uioN\n"
		      ":4: instances[0].rx-region.map: must be from 0 to 4: a UIO device has at "
		      "most 5 maps\n"
		      ":7: instances[1].tx-region.uio: must be a UIO device name, uioN or "
		      "/dev/uioN\n"
		      /* The ring rules hold for every type of region. */
		      ":7: instances[1].tx-region.size: must be a multiple of 4 (spec 2.2)\n"
		      ":8: instances[1].rx-region.uio: must be a UIO device name, uioN or "
		      "/dev/uioN\n"
		      ":8: instances[1].rx-region.offset: must be a multiple of "
		      "max(dcache-alignment, 4) (spec 2.2)");
}

static void test_config_region_devmem_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { address: 0x20070010, size: 0x100 }\n"
		      "    rx-region: { address: 0x7fffffffffffff00, size: 0x200 }\n"
		      A_MBOXES
		      "    dcache-alignment: 32\n"
		      "  - name: b\n"
		      "    tx-region: { address: 0x1000, size: 16 }\n"
		      "    rx-region: { address: 0x2000 }\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n",
		      ":3: instances[0].tx-region.address: must be a multiple of "
		      "max(dcache-alignment, 4) (spec 2.2)\n"
		      ":4: instances[0].rx-region.address: address + size is beyond the largest "
		      "offset of /dev/mem\n"
		      ":8: instances[1].tx-region.size: too small: the data area after the ring "
		      "header (rd_idx, handshake, wr_idx) must be at least 12 bytes (spec 2.2)\n"
		      ":9: instances[1].rx-region.size: missing required key");
}

static void test_config_region_overlap_by_type(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	/* "uio0" and "/dev/uio0" are one device. */
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { uio: uio0, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { uio: /dev/uio0, offset: 0x1fc, size: 0x100 }\n"
		      A_MBOXES
		      "  - name: b\n"
		      "    tx-region: { uio: shm, map-name: ring, size: 0x100 }\n"
		      "    rx-region: { uio: shm, map-name: ring, offset: 0xfc, size: 0x100 }\n"
		      "    mboxes: { tx: b.tx, rx: b.rx }\n"
		      "  - name: c\n"
		      "    tx-region: { address: 0x20070000, size: 0x800 }\n"
		      "    rx-region: { address: 0x200707fc, size: 0x800 }\n"
		      "    mboxes: { tx: c.tx, rx: c.rx }\n",
		      ":4: instances[0].rx-region: overlaps tx-region in the same UIO map "
		      "(spec 6.1)\n"
		      ":8: instances[1].rx-region: overlaps tx-region in the same UIO map "
		      "(spec 6.1)\n"
		      ":12: instances[2].rx-region: overlaps tx-region in physical memory "
		      "(spec 6.1)");
	/*
	 * Other maps, other devices, other types, and a map by index against
	 * one by name (only the device knows) do not overlap.
	 */
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { uio: uio0, size: 0x100 }\n"
			"    rx-region: { uio: uio0, map: 1, size: 0x100 }\n"
			A_MBOXES
			"  - name: b\n"
			"    tx-region: { uio: uio1, size: 0x100 }\n"
			"    rx-region: { uio: uio1, map-name: rx, size: 0x100 }\n"
			"    mboxes: { tx: b.tx, rx: b.rx }\n"
			"  - name: c\n"
			"    tx-region: { address: 0x0, size: 0x100 }\n"
			"    rx-region: { path: c.bin, size: 0x100 }\n"
			"    mboxes: { tx: c.tx, rx: c.rx }\n"
			"  - name: d\n"
			"    tx-region: { uio: uio2, map-name: tx, size: 0x100 }\n"
			"    rx-region: { uio: uio2, map-name: rx, size: 0x100 }\n"
			"    mboxes: { tx: d.tx, rx: d.rx }\n");
	icmsg_config_free(cfg);
}

static void test_config_shared_uio_devmem_eventfd(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	expect_errors("instances:\n"
		      "  - name: a\n"
		      "    tx-region: { uio: uio0, offset: 0x100, size: 0x100 }\n"
		      "    rx-region: { address: 0x20070000, size: 0x800 }\n"
		      "    mboxes: { tx: { eventfd: 3 }, rx: { eventfd: 4 } }\n"
		      "  - name: b\n"
		      "    tx-region: { uio: /dev/uio0, offset: 0x1fc, size: 0x100 }\n"
		      "    rx-region: { address: 0x200707fc, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: { eventfd: 5 }\n"
		      "      rx: { eventfd: 3 }\n"
		      "  - name: c\n"
		      "    tx-region: { path: c.bin, size: 0x100 }\n"
		      "    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: { fifo: a.rx }\n"
		      "      rx: { eventfd: 5 }\n"
		      "  - name: d\n"
		      "    tx-region: { path: d.bin, size: 0x100 }\n"
		      "    rx-region: { path: d.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes: { tx: ./c.bin.tx, rx: { fifo: c.bin.tx } }\n"
		      "  - name: e\n"
		      "    tx-region: { path: e.bin, size: 0x100 }\n"
		      "    rx-region: { path: e.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes: { tx: { fifo: e.tx }, rx: { fifo: e.rx } }\n"
		      "  - name: f\n"
		      "    tx-region: { path: f.bin, size: 0x100 }\n"
		      "    rx-region: { path: f.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes: { tx: e.rx, rx: f.rx }\n",
		      ":7: instances[1].tx-region: overlaps instances[0].tx-region (line 3) in "
		      "the same UIO map (spec 6.1)\n"
		      ":8: instances[1].rx-region: overlaps instances[0].rx-region (line 4) in "
		      "physical memory (spec 6.1)\n"
		      ":11: instances[1].mboxes.rx.eventfd: eventfd 3 already used by "
		      "instances[0].mboxes.tx.eventfd (line 5)\n"
		      ":17: instances[2].mboxes.rx.eventfd: eventfd 5 already used by "
		      "instances[1].mboxes.tx.eventfd (line 10)\n"
		      ":21: instances[3].mboxes.rx.fifo: must differ from mboxes.tx: each "
		      "direction needs its own FIFO\n"
		      ":29: instances[5].mboxes.tx: FIFO already used by "
		      "instances[4].mboxes.rx.fifo (line 25)");
	/* One UIO interrupt for several instances is allowed: status says whose. */
	cfg = expect_ok("instances:\n"
			"  - name: a\n"
			"    tx-region: { uio: uio0, size: 0x100 }\n"
			"    rx-region: { uio: uio0, offset: 0x100, size: 0x100 }\n"
			"    mboxes: { tx: a.tx, rx: { uio: mbox } }\n"
			"  - name: b\n"
			"    tx-region: { uio: uio0, offset: 0x200, size: 0x100 }\n"
			"    rx-region: { uio: uio0, offset: 0x300, size: 0x100 }\n"
			"    mboxes: { tx: b.tx, rx: { uio: mbox } }\n");
	icmsg_config_free(cfg);
}

static void test_config_mbox_backend_keys(void **state)
{
	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx: { rearm: true }\n"
		      "      rx: { fifo: a.rx, eventfd: 3 }\n"
		      "instances[1]: 0\n",
		      ":6: instances[0].mboxes.tx: needs one of fifo, eventfd, uio or registers\n"
		      ":7: instances[0].mboxes.rx.eventfd: fifo and eventfd exclude each other\n"
		      ":8: instances[1]: unknown key");
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx: { eventfd: 3, registers: { path: r, size: 4 } }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        fifo: a.rx\n"
		      "        registers: { path: r, size: 4 }\n",
		      ":6: instances[0].mboxes.tx.registers: eventfd and registers exclude each "
		      "other\n"
		      ":9: instances[0].mboxes.rx.fifo: fifo and uio exclude each other");
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx: [a.tx]\n"
		      "      rx: { fiffo: a.rx }\n",
		      ":6: instances[0].mboxes.tx: must be a FIFO path or a mapping, not a "
		      "sequence\n"
		      ":7: instances[0].mboxes.rx.fiffo: unknown key (did you mean 'fifo'?)");
}

static void test_config_mbox_direction(void **state)
{
	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx: { uio: uio0 }\n"
		      "      rx:\n"
		      "        registers: { address: 0x40001000, size: 0x100 }\n"
		      "        write: { offset: 0, value: 1 }\n",
		      ":6: instances[0].mboxes.tx: a UIO interrupt can only receive: use it for "
		      "mboxes.rx\n"
		      ":7: instances[0].mboxes.rx: a register write only rings the peer: use it "
		      "for mboxes.tx");
}

static void test_config_mbox_type_keys(void **state)
{
	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx:\n"
		      "        eventfd: 3\n"
		      "        write: { offset: 0, value: 1 }\n"
		      "        rearm: true\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        write: { offset: 0, value: 1 }\n"
		      "        rearm: sometimes\n"
		      "        status: { offset: 0, mask: 1 }\n",
		      ":8: instances[0].mboxes.tx.write: applies only to a register doorbell "
		      "(registers without uio)\n"
		      ":9: instances[0].mboxes.tx.rearm: applies only to a UIO interrupt (uio)\n"
		      ":12: instances[0].mboxes.rx.write: applies only to a register doorbell "
		      "(registers without uio)\n"
		      ":13: instances[0].mboxes.rx.rearm: must be true or false, not "
		      "'sometimes'\n"
		      ":14: instances[0].mboxes.rx.status: needs registers: the window that "
		      "holds the register");
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx:\n"
		      "        fifo: a.tx\n"
		      "        status: { offset: 0, mask: 1 }\n"
		      "        ack: { offset: 0, value: 1 }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        ack: { offset: 0, value: 1 }\n",
		      ":8: instances[0].mboxes.tx.status: applies only to a UIO interrupt (uio)\n"
		      ":9: instances[0].mboxes.tx.ack: applies only to a UIO interrupt (uio)\n"
		      ":12: instances[0].mboxes.rx.ack: needs registers: the window that holds "
		      "the register");
	/* A register doorbell without its write says so at the doorbell's line. */
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx:\n"
		      "        registers: { path: r, size: 4 }\n"
		      "      rx: { uio: uio0 }\n",
		      ":6: instances[0].mboxes.tx.write: a register doorbell needs write: the "
		      "access that rings the peer");
}

static void test_config_mbox_value_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx: { fifo: '' }\n"
		      "      rx: { eventfd: -1 }\n"
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: { eventfd: 0x80000000 }\n"
		      "      rx: { uio: /dev/uio0x }\n"
		      "  - name: c\n"
		      "    tx-region: { path: c.bin, size: 0x100 }\n"
		      "    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes: { tx: { eventfd: 7 }, rx: { eventfd: 7 } }\n",
		      ":6: instances[0].mboxes.tx.fifo: must not be empty\n"
		      ":7: instances[0].mboxes.rx.eventfd: must be a non-negative integer "
		      "(decimal or 0x hex), not '-1'\n"
		      ":12: instances[1].mboxes.tx.eventfd: is too large (at most 2147483647)\n"
		      ":13: instances[1].mboxes.rx.uio: must be a UIO device name, uioN or "
		      "/dev/uioN\n"
		      ":17: instances[2].mboxes.rx.eventfd: must differ from mboxes.tx: each "
		      "direction needs its own eventfd");
}

static void test_config_mbox_enable_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx: { eventfd: 3, enable: [] }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        enable: { offset: 0, value: 1 }\n"
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: b.tx\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        registers: { path: r, size: 0x10 }\n"
		      "        enable: [ {offset: 0, value: 1}, {offset: 0, value: 1},\n"
		      "                  {offset: 0, value: 1}, {offset: 0, value: 1},\n"
		      "                  {offset: 0, value: 1} ]\n"
		      "  - name: c\n"
		      "    tx-region: { path: c.bin, size: 0x100 }\n"
		      "    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: c.tx\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        registers: { path: r, size: 0x10 }\n"
		      "        enable:\n"
		      "          - { offset: 0, value: 1 }\n"
		      "          - { offset: 0x10, value: 1, op: flip }\n"
		      "          - [ 1 ]\n"
		      "          - { offset: 2, vlaue: 1, width: 16 }\n"
		      "  - name: d\n"
		      "    tx-region: { path: d.bin, size: 0x100 }\n"
		      "    rx-region: { path: d.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx: d.tx\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        enable:\n"
		      "          - { offset: 0, value: 1 }\n",
		      ":6: instances[0].mboxes.tx.enable: applies only to a UIO interrupt (uio)\n"
		      ":9: instances[0].mboxes.rx.enable: must be a sequence of register "
		      "accesses, not a mapping\n"
		      ":18: instances[1].mboxes.rx.enable: has 5 register accesses: at most 4 "
		      "are made at open\n"
		      ":31: instances[2].mboxes.rx.enable[1].op: must be write, set or clear, "
		      "not 'flip'\n"
		      ":31: instances[2].mboxes.rx.enable[1].offset: the access ends beyond the "
		      "end of registers (registers.size)\n"
		      ":32: instances[2].mboxes.rx.enable[2]: must be a mapping, not a sequence\n"
		      ":33: instances[2].mboxes.rx.enable[3].vlaue: unknown key (did you mean "
		      "'value'?)\n"
		      ":42: instances[3].mboxes.rx.enable[0]: needs registers: the window that "
		      "holds the register");
}

static void test_config_register_window_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx:\n"
		      "        registers: { path: r, size: 0 }\n"
		      "        write: { offset: 0, value: 1 }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        registers: { address: 0x1000, offset: 4, map: 1 }\n"
		      "        ack: { offset: 0, value: 1 }\n"
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx:\n"
		      "        registers: { size: 4 }\n"
		      "        write: { offset: 0, value: 1 }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        registers: { uio: '', map: 9, size: 0x7fffffffffffffff, offset: 8 }\n"
		      "        status: { offset: 0, mask: 1 }\n",
		      ":7: instances[0].mboxes.tx.registers.size: must be greater than 0\n"
		      ":11: instances[0].mboxes.rx.registers.size: missing required key\n"
		      ":11: instances[0].mboxes.rx.registers.map: needs uio: it selects a map of "
		      "a UIO device\n"
		      ":11: instances[0].mboxes.rx.registers.offset: not with address: write the "
		      "physical address of the first byte as address\n"
		      ":18: instances[1].mboxes.tx.registers: needs one of path, uio or address\n"
		      ":22: instances[1].mboxes.rx.registers.uio: must not be empty\n"
		      ":22: instances[1].mboxes.rx.registers.map: must be from 0 to 4: a UIO "
		      "device has at most 5 maps\n"
		      ":22: instances[1].mboxes.rx.registers.offset: offset + size is beyond the "
		      "largest file offset");
}

static void test_config_register_access_rules(void **state)
{
	struct icmsg_config *cfg;

	(void)state;
	expect_errors("instances:\n" A_REGIONS
		      "    mboxes:\n"
		      "      tx:\n"
		      "        registers: { path: r, size: 0x100 }\n"
		      "        write: { offset: 2, value: 0x100, width: 12, op: toggle }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        registers: { path: r, size: 0x100 }\n"
		      "        status: { offset: 0xfe, mask: 0x10000, width: 16, op: set }\n"
		      "        ack: { offset: 0x100, value: 0x100, width: 8 }\n"
		      "  - name: b\n"
		      "    tx-region: { path: b.bin, size: 0x100 }\n"
		      "    rx-region: { path: b.bin, offset: 0x100, size: 0x100 }\n"
		      "    mboxes:\n"
		      "      tx:\n"
		      "        registers: { path: r, size: 0x100 }\n"
		      "        write: { offset: 0xfe, value: 0x100000000 }\n"
		      "      rx:\n"
		      "        uio: uio0\n"
		      "        registers: { path: r, size: 0x100 }\n"
		      "        status: { ofset: 2, width: 32 }\n"
		      "        ack: { offset: 0xfd, width: 16, value: 1 }\n",
		      ":8: instances[0].mboxes.tx.write.op: must be write, set or clear, not "
		      "'toggle'\n"
		      ":8: instances[0].mboxes.tx.write.width: must be 8, 16 or 32\n"
		      ":12: instances[0].mboxes.rx.status.op: unknown key\n"
		      ":12: instances[0].mboxes.rx.status.mask: must fit in 16 bits\n"
		      ":13: instances[0].mboxes.rx.ack.value: must fit in 8 bits\n"
		      ":13: instances[0].mboxes.rx.ack.offset: the access ends beyond the end of "
		      "registers (registers.size)\n"
		      ":20: instances[1].mboxes.tx.write.value: is too large (at most "
		      "4294967295)\n"
		      ":20: instances[1].mboxes.tx.write.offset: must be a multiple of 4: the "
		      "access is 32 bits wide\n"
		      ":24: instances[1].mboxes.rx.status.ofset: unknown key (did you mean "
		      "'offset'?)\n"
		      ":24: instances[1].mboxes.rx.status.mask: missing required key\n"
		      ":25: instances[1].mboxes.rx.ack.offset: must be a multiple of 2: the "
		      "access is 16 bits wide");
	/* The last register of the window, each width. */
	cfg = expect_ok("instances:\n" A_REGIONS
			"    mboxes:\n"
			"      tx:\n"
			"        registers: { path: r, size: 0x100 }\n"
			"        write: { offset: 0xfc, value: 0xffffffff, width: 32 }\n"
			"      rx:\n"
			"        uio: uio0\n"
			"        registers: { path: r, size: 0x100 }\n"
			"        status: { offset: 0xfe, mask: 0xffff, width: 16, }\n"
			"        ack: { offset: 0xff, value: 0xff, width: 8, op: write }\n");
	icmsg_config_free(cfg);
}

/* ------------------------------------------------------------------------ */
/* icmsgd's keys: socket, client policy, daemon section                     */

/*
 * Error messages checked below that the instance format alone does not
 * have (the other tests cover the older ones, 40 or so):
 *  1 socket.mode: must be an octal mode written with a leading 0 or 0o ...
 *  2 socket.mode: must be at most 0777: only the permission bits apply
 *  3 socket.mode: must be an octal mode such as 0660, not a mapping
 *  4 socket.owner: must be at most 32 characters long
 *  5 socket.group: may contain only A-Z, a-z, 0-9, '_', '.' and '-'
 *  6 client-policy: must be wait or disconnect, not '...'
 *  7 client-queue-limit: must be from 1 to 1000000
 *  8 daemon: the daemon section belongs in the main file
 *  9 daemon.runtime-dir: must be an absolute path, not '...'
 * 10 daemon.runtime-dir: is N bytes long: no socket path under it fits ...
 * 11 socket.path: socket path '...' is N bytes long: a Unix socket address ...
 * 12 socket.path: socket path '...' already used by ... (line N)
 * 13 socket.path: socket path '...' is the control socket (daemon.control-socket)
 * 14 name: duplicate instance name '...' (first defined at FILE:LINE)
 * 15 overlaps instances[N].tx-region (FILE:LINE) in the same file (spec 6.1)
 * 16 FIFO already used by instances[N].mboxes.rx (FILE:LINE)
 * 17 FILE: cannot read: ... among the errors of other files
 */

static void test_config_relay_defaults(void **state)
{
	const struct icmsg_daemon_config *d;
	const struct icmsg_relay_config *r;
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances:\n" INST("a") INST("b"));
	r = icmsg_config_get_relay(cfg, 0);
	assert_non_null(r);
	assert_string_equal(r->socket_path, "/run/icmsgd/a.sock");
	assert_int_equal(r->socket_mode, 0660);
	assert_null(r->socket_owner);
	assert_null(r->socket_group);
	assert_int_equal(r->client_policy, ICMSG_CLIENT_WAIT);
	assert_int_equal(r->client_queue_limit, 1024);
	assert_false(r->disconnect_on_unbound);
	assert_string_equal(icmsg_config_get_relay(cfg, 1)->socket_path, "/run/icmsgd/b.sock");
	assert_null(icmsg_config_get_relay(cfg, 2));
	assert_null(icmsg_config_get_relay(NULL, 0));

	d = icmsg_config_get_daemon(cfg);
	assert_non_null(d);
	assert_string_equal(d->runtime_dir, "/run/icmsgd");
	assert_string_equal(d->control_socket, "/run/icmsgd/control.sock");
	assert_int_equal(d->control_mode, 0660);
	assert_null(d->control_group);
	icmsg_config_free(cfg);

	/* Never NULL, even without a configuration. */
	d = icmsg_config_get_daemon(NULL);
	assert_non_null(d);
	assert_string_equal(d->runtime_dir, "/run/icmsgd");
	assert_string_equal(d->control_socket, "/run/icmsgd/control.sock");
	assert_int_equal(d->control_mode, 0660);
	assert_null(d->control_group);

	/* An empty daemon section is all defaults. */
	cfg = expect_ok("daemon: {}\ninstances: []\n");
	d = icmsg_config_get_daemon(cfg);
	assert_string_equal(d->runtime_dir, "/run/icmsgd");
	assert_string_equal(d->control_socket, "/run/icmsgd/control.sock");
	icmsg_config_free(cfg);
}

static void test_config_relay_keys(void **state)
{
	const struct icmsg_relay_config *r;
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("instances:\n" INST("a")
			"    socket:\n"
			"      path: /srv/a.sock\n"
			"      mode: 0o600\n"
			"      owner: root\n"
			"      group: icmsg-users_1.x\n"
			"    client-policy: disconnect\n"
			"    client-queue-limit: 1000000\n"
			"    disconnect-on-unbound: true\n"
			INST("b")
			"    socket: { mode: \"0777\", owner: a123456789b123456789c123456789d1 }\n"
			"    client-policy: wait\n"
			"    client-queue-limit: 1\n"
			"    disconnect-on-unbound: no\n"
			INST("c")
			"    socket: { mode: 0 }\n"
			INST("d")
			"    socket: { mode: 0O640 }\n");
	r = icmsg_config_get_relay(cfg, 0);
	assert_string_equal(r->socket_path, "/srv/a.sock");
	assert_int_equal(r->socket_mode, 0600);
	assert_string_equal(r->socket_owner, "root");
	assert_string_equal(r->socket_group, "icmsg-users_1.x");
	assert_int_equal(r->client_policy, ICMSG_CLIENT_DISCONNECT);
	assert_int_equal(r->client_queue_limit, 1000000);
	assert_true(r->disconnect_on_unbound);

	r = icmsg_config_get_relay(cfg, 1);
	assert_string_equal(r->socket_path, "/run/icmsgd/b.sock");
	assert_int_equal(r->socket_mode, 0777);
	assert_string_equal(r->socket_owner, "a123456789b123456789c123456789d1");
	assert_null(r->socket_group);
	assert_int_equal(r->client_policy, ICMSG_CLIENT_WAIT);
	assert_int_equal(r->client_queue_limit, 1);
	assert_false(r->disconnect_on_unbound);

	assert_int_equal(icmsg_config_get_relay(cfg, 2)->socket_mode, 0);
	assert_int_equal(icmsg_config_get_relay(cfg, 3)->socket_mode, 0640);
	icmsg_config_free(cfg);
}

static void test_config_daemon_section(void **state)
{
	const struct icmsg_daemon_config *d;
	const struct icmsg_link_config *c;
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("daemon:\n"
			"  runtime-dir: /tmp/rd//\n"
			"  control-socket: ctl/c.sock\n"
			"  control-mode: 0600\n"
			"  control-group: icmsg\n"
			"  user: icmsgd\n"
			"  group: '1234'\n"
			"instances:\n" INST("a"));
	d = icmsg_config_get_daemon(cfg);
	assert_string_equal(d->user, "icmsgd");
	assert_string_equal(d->group, "1234");
	/* Trailing slashes go: the daemon prints and joins it. */
	assert_string_equal(d->runtime_dir, "/tmp/rd");
	assert_string_equal(d->control_socket, "/tmp/rd/ctl/c.sock");
	assert_int_equal(d->control_mode, 0600);
	assert_string_equal(d->control_group, "icmsg");
	assert_string_equal(icmsg_config_get_relay(cfg, 0)->socket_path, "/tmp/rd/a.sock");
	icmsg_config_free(cfg);

	cfg = expect_ok("daemon: { control-socket: /srv/ctl.sock }\ninstances: []\n");
	d = icmsg_config_get_daemon(cfg);
	assert_null(d->user);
	assert_null(d->group);
	assert_string_equal(d->runtime_dir, "/run/icmsgd");
	assert_string_equal(d->control_socket, "/srv/ctl.sock");
	icmsg_config_free(cfg);

	/* The root directory, without a doubled slash. */
	cfg = expect_ok("daemon: { runtime-dir: / }\ninstances:\n" INST("a"));
	d = icmsg_config_get_daemon(cfg);
	assert_string_equal(d->runtime_dir, "/");
	assert_string_equal(d->control_socket, "/control.sock");
	assert_string_equal(icmsg_config_get_relay(cfg, 0)->socket_path, "/a.sock");
	c = icmsg_config_get(cfg, 0);
	assert_string_equal(c->tx_region.path, in_dir("a.bin"));
	icmsg_config_free(cfg);
}

/* Sockets resolve against runtime-dir; regions and FIFOs against the file. */
static void test_config_relative_socket_paths(void **state)
{
	const struct icmsg_link_config *c;
	struct icmsg_config *cfg;

	(void)state;
	cfg = expect_ok("daemon:\n"
			"  runtime-dir: /tmp/rd\n"
			"instances:\n" INST("a")
			"    socket: { path: sub/a-data.sock }\n"
			INST("b")
			"    socket: { path: ./b.sock }\n"
			INST("c")
			"    socket: { mode: 0600 }\n");
	assert_string_equal(icmsg_config_get_relay(cfg, 0)->socket_path,
			    "/tmp/rd/sub/a-data.sock");
	assert_string_equal(icmsg_config_get_relay(cfg, 1)->socket_path, "/tmp/rd/./b.sock");
	assert_string_equal(icmsg_config_get_relay(cfg, 2)->socket_path, "/tmp/rd/c.sock");
	c = icmsg_config_get(cfg, 0);
	assert_string_equal(c->tx_region.path, in_dir("a.bin"));
	assert_string_equal(c->rx_region.path, in_dir("a.bin"));
	assert_string_equal(c->tx_mbox.path, in_dir("a.tx"));
	assert_string_equal(c->rx_mbox.path, in_dir("a.rx"));
	icmsg_config_free(cfg);
}

static void test_config_socket_mode_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    socket:\n"
		      "      mode: 660\n"
		      INST("b")
		      "    socket: { mode: 0680 }\n"
		      INST("c")
		      "    socket: { mode: 0x1b0 }\n"
		      INST("d")
		      "    socket: { mode: 0o }\n"
		      INST("e")
		      "    socket: { mode: 01000 }\n"
		      INST("f")
		      "    socket: { mode: 0o777777777777777777777777 }\n"
		      INST("g")
		      "    socket: { mode: { a: 1 } }\n",
		      ":7: instances[0].socket.mode: must be an octal mode written with a leading "
		      "0 or 0o (e.g. 0660), not '660'\n"
		      ":12: instances[1].socket.mode: must be an octal mode written with a "
		      "leading 0 or 0o (e.g. 0660), not '0680'\n"
		      ":17: instances[2].socket.mode: must be an octal mode written with a "
		      "leading 0 or 0o (e.g. 0660), not '0x1b0'\n"
		      ":22: instances[3].socket.mode: must be an octal mode written with a "
		      "leading 0 or 0o (e.g. 0660), not '0o'\n"
		      ":27: instances[4].socket.mode: must be at most 0777: only the permission "
		      "bits apply\n"
		      ":32: instances[5].socket.mode: must be at most 0777: only the permission "
		      "bits apply\n"
		      ":37: instances[6].socket.mode: must be an octal mode such as 0660, "
		      "not a mapping");
}

static void test_config_socket_owner_group_rules(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    socket:\n"
		      "      owner: ''\n"
		      "      group: a123456789b123456789c123456789d12\n"
		      INST("b")
		      "    socket:\n"
		      "      owner: root:root\n"
		      "      group: [x]\n"
		      INST("c")
		      "    socket: { group: wheel users }\n",
		      ":7: instances[0].socket.owner: must not be empty\n"
		      ":8: instances[0].socket.group: must be at most 32 characters long\n"
		      ":14: instances[1].socket.owner: may contain only A-Z, a-z, 0-9, '_', '.' "
		      "and '-'\n"
		      ":15: instances[1].socket.group: must be a string, not a sequence\n"
		      ":20: instances[2].socket.group: may contain only A-Z, a-z, 0-9, '_', '.' "
		      "and '-'");
}

static void test_config_socket_structure(void **state)
{
	(void)state;
	/* Unknown keys inside socket are refused like everywhere else. */
	expect_errors("instances:\n" INST("a")
		      "    socket:\n"
		      "      path: a.sock\n"
		      "      mdoe: 0660\n"
		      "      colour: red\n"
		      "      path: b.sock\n",
		      ":8: instances[0].socket.mdoe: unknown key (did you mean 'mode'?)\n"
		      ":9: instances[0].socket.colour: unknown key\n"
		      ":10: instances[0].socket.path: duplicate key (first at line 7)");
	expect_errors("instances:\n" INST("a") "    socket: a.sock\n",
		      ":6: instances[0].socket: must be a mapping, not a scalar");
	expect_errors("instances:\n" INST("a") "    socket: { path: '' }\n",
		      ":6: instances[0].socket.path: must not be empty");
	expect_errors("instances:\n" INST("a") "    sockets: { path: a.sock }\n",
		      ":6: instances[0].sockets: unknown key (did you mean 'socket'?)");
}

static void test_config_client_policy(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    client-policy: drop\n"
		      INST("b")
		      "    client-policy: Wait\n"
		      INST("c")
		      "    client-policy: [wait]\n",
		      ":6: instances[0].client-policy: must be wait or disconnect, not 'drop'\n"
		      ":11: instances[1].client-policy: must be wait or disconnect, not 'Wait'\n"
		      ":16: instances[2].client-policy: must be wait or disconnect, "
		      "not a sequence");
}

static void test_config_client_queue_limit(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a")
		      "    client-queue-limit: 0\n"
		      INST("b")
		      "    client-queue-limit: 1000001\n"
		      INST("c")
		      "    client-queue-limit: 0x100000000\n"
		      INST("d")
		      "    client-queue-limit: many\n",
		      ":6: instances[0].client-queue-limit: must be from 1 to 1000000\n"
		      ":11: instances[1].client-queue-limit: must be from 1 to 1000000\n"
		      ":16: instances[2].client-queue-limit: must be from 1 to 1000000\n"
		      ":21: instances[3].client-queue-limit: must be a non-negative integer "
		      "(decimal or 0x hex), not 'many'");
}

static void test_config_disconnect_on_unbound(void **state)
{
	(void)state;
	expect_errors("instances:\n" INST("a") "    disconnect-on-unbound: sometimes\n",
		      ":6: instances[0].disconnect-on-unbound: must be true or false, "
		      "not 'sometimes'");
}

static void test_config_daemon_rules(void **state)
{
	(void)state;
	/* A refused runtime-dir: the sockets under it are not checked too. */
	expect_errors("daemon:\n"
		      "  runtime-dir: run/icmsgd\n"
		      "  control-mode: 0o1777\n"
		      "  control-group: 'a:b'\n"
		      "  control-sockt: x\n"
		      "instances:\n" INST("a"),
		      ":2: daemon.runtime-dir: must be an absolute path, not 'run/icmsgd'\n"
		      ":3: daemon.control-mode: must be at most 0777: only the permission bits "
		      "apply\n"
		      ":4: daemon.control-group: may contain only A-Z, a-z, 0-9, '_', '.' and "
		      "'-'\n"
		      ":5: daemon.control-sockt: unknown key (did you mean 'control-socket'?)");
	expect_errors("daemon:\n"
		      "  runtime-dir: ''\n"
		      "  control-socket: ''\n"
		      "  control-mode: 660\n"
		      "  control-group: ''\n"
		      "instances: []\n",
		      ":2: daemon.runtime-dir: must not be empty\n"
		      ":3: daemon.control-socket: must not be empty\n"
		      ":4: daemon.control-mode: must be an octal mode written with a leading 0 or "
		      "0o (e.g. 0660), not '660'\n"
		      ":5: daemon.control-group: must not be empty");
	expect_errors("daemon:\n"
		      "  user: 'root;x'\n"
		      "  group: ''\n"
		      "instances: []\n",
		      ":2: daemon.user: may contain only A-Z, a-z, 0-9, '_', '.' and '-'\n"
		      ":3: daemon.group: must not be empty");
	expect_errors("daemon: [a]\ninstances: []\n",
		      ":1: daemon: must be a mapping, not a sequence");
	expect_errors("daemon:\ninstances: []\n",
		      ":1: daemon: must be a mapping, not a scalar");
	expect_errors("daemons: {}\ninstances: []\n",
		      ":1: daemons: unknown key (did you mean 'daemon'?)");
}

/* sun_path holds 107 bytes and the NUL. */
static void test_config_socket_path_too_long(void **state)
{
	struct icmsg_config *cfg;
	char yaml[1024], dir[128], sock[128], want[1024];

	(void)state;
	/* "/tmp/" + 97 x + ".sock" = 107 bytes: the longest that fits. */
	snprintf(sock, sizeof(sock), "/tmp/%097d.sock", 0);
	snprintf(yaml, sizeof(yaml), "instances:\n" INST("a") "    socket: { path: %s }\n", sock);
	cfg = expect_ok(yaml);
	assert_int_equal(strlen(icmsg_config_get_relay(cfg, 0)->socket_path), 107);
	icmsg_config_free(cfg);

	snprintf(sock, sizeof(sock), "/tmp/%098d.sock", 0);
	snprintf(yaml, sizeof(yaml), "instances:\n" INST("a") "    socket: { path: %s }\n", sock);
	snprintf(want, sizeof(want), ":6: instances[0].socket.path: socket path '%s' is 108 "
		 "bytes long: a Unix socket address holds at most 107", sock);
	expect_errors(yaml, want);

	/*
	 * A runtime-dir of 100 bytes: "a" fits (107), "ab" does not (108), nor
	 * the default control socket (113); defaults are reported where the
	 * key would be.
	 */
	snprintf(dir, sizeof(dir), "/%099d", 0);
	snprintf(yaml, sizeof(yaml), "daemon:\n  runtime-dir: %s\ninstances:\n" INST("a")
		 INST("ab"), dir);
	/* Quotes stop at 108 bytes, so a message stays readable. */
	snprintf(want, sizeof(want),
		 ":1: daemon.control-socket: socket path '%s/control...' is 113 bytes long: "
		 "a Unix socket address holds at most 107\n"
		 ":8: instances[1].socket.path: socket path '%s/ab.sock' is 108 bytes long: "
		 "a Unix socket address holds at most 107", dir, dir);
	expect_errors(yaml, want);

	/* Too long for any socket: said once, at runtime-dir. */
	snprintf(dir, sizeof(dir), "/%0105d", 0);
	snprintf(yaml, sizeof(yaml), "daemon:\n  runtime-dir: %s\ninstances:\n" INST("a"), dir);
	expect_errors(yaml, ":2: daemon.runtime-dir: is 106 bytes long: no socket path under it "
		      "fits in a Unix socket address (at most 107 bytes)");
}

static void test_config_socket_reused(void **state)
{
	(void)state;
	/* Defaults count: b's explicit path is a's default, spelt differently. */
	expect_errors("daemon: { runtime-dir: /tmp/rd }\n"
		      "instances:\n" INST("a")
		      INST("b")
		      "    socket:\n"
		      "      path: /tmp/rd//./a.sock\n"
		      INST("c")
		      "    socket: { path: ../rd/c.sock }\n"
		      INST("d")
		      "    socket: { path: /tmp/rd/c.sock }\n",
		      ":12: instances[1].socket.path: socket path '/tmp/rd//./a.sock' already "
		      "used by instances[0].socket.path (line 3)\n"
		      ":17: instances[2].socket.path: a relative socket path must stay under "
		      "daemon.runtime-dir: no '..' components (write an absolute path to put it "
		      "elsewhere)");
	/*
	 * c: a relative path does not leave the runtime directory. Two
	 * instances of the same name share a default socket path, but that is
	 * reported once, as a duplicate name (test_config_duplicate_names).
	 */
}

static void test_config_control_socket_clash(void **state)
{
	(void)state;
	/* An instance named "control" would take the default control socket. */
	expect_errors("instances:\n" INST("control"),
		      ":2: instances[0].socket.path: socket path '/run/icmsgd/control.sock' is "
		      "the control socket (daemon.control-socket)");
	expect_errors("daemon:\n"
		      "  control-socket: /srv/icmsgd.sock\n"
		      "instances:\n" INST("a")
		      "    socket: { path: /srv/icmsgd.sock }\n"
		      INST("b")
		      "    socket: { path: /srv/icmsgd.sock }\n",
		      ":8: instances[0].socket.path: socket path '/srv/icmsgd.sock' is the "
		      "control socket (daemon.control-socket)\n"
		      ":13: instances[1].socket.path: socket path '/srv/icmsgd.sock' is the "
		      "control socket (daemon.control-socket)");
}

/* ------------------------------------------------------------------------ */
/* Main file and drop-ins                                                   */

/* Write @text to g_dir/@name. */
static void write_in(const char *name, const char *text)
{
	write_file(in_dir(name), text);
}

/*
 * Load @names, relative to g_dir as the daemon would have them from its
 * configuration directory, so that error lines start with the short names.
 */
static int load_names(const char *const *names, size_t n, struct icmsg_config **cfg,
		      char **err)
{
	char cwd[PATH_MAX];
	int r;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(g_dir), 0);
	*cfg = NULL;
	*err = NULL;
	r = icmsg_config_load_files(names, n, cfg, err);
	assert_int_equal(chdir(cwd), 0);
	return r;
}

static void expect_files_errors(const char *const *names, size_t n, int ret,
				const char *expected)
{
	struct icmsg_config *cfg;
	char *err;

	assert_int_equal(load_names(names, n, &cfg, &err), ret);
	assert_null(cfg);
	assert_non_null(err);
	assert_string_equal(err, expected);
	free(err);
}

/* The main file of the drop-in tests; ipc0 uses absolute paths only. */
#define MAIN_YAML \
	"daemon:\n" \
	"  runtime-dir: /tmp/icmsgd-test\n" \
	"  control-socket: ctl.sock\n" \
	"instances:\n" \
	"  - name: ipc0\n" \
	"    tx-region: { path: /dev/shm/ipc.bin, offset: 0x100, size: 0x100 }\n" \
	"    rx-region: { path: /dev/shm/ipc.bin, size: 0x100 }\n" \
	"    mboxes: { tx: /tmp/ipc0.tx, rx: /tmp/ipc0.rx }\n" \
	"    socket: { path: data/ipc0.sock }\n"

static void test_config_drop_ins_merged(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/a.yaml", "conf.d/b.yaml" };
	const struct icmsg_link_config *c;
	struct icmsg_config *cfg;
	char *err;

	(void)state;
	write_in("main.yaml", MAIN_YAML);
	write_in("conf.d/a.yaml", "instances:\n" INST("radio") INST("adsp")
		 "    client-policy: disconnect\n");
	write_in("conf.d/b.yaml", "# nothing here yet\ninstances: []\n");
	assert_int_equal(load_names(names, 3, &cfg, &err), 0);
	assert_null(err);
	assert_int_equal(icmsg_config_count(cfg), 3);
	assert_string_equal(icmsg_config_get(cfg, 0)->name, "ipc0");
	assert_string_equal(icmsg_config_get_relay(cfg, 0)->socket_path,
			    "/tmp/icmsgd-test/data/ipc0.sock");

	/* A drop-in's files are relative to its own directory... */
	c = icmsg_config_find(cfg, "radio");
	assert_ptr_equal(c, icmsg_config_get(cfg, 1));
	assert_string_equal(c->tx_region.path, "conf.d/radio.bin");
	assert_string_equal(c->rx_mbox.path, "conf.d/radio.rx");
	/* ...its sockets to the main file's runtime-dir. */
	assert_string_equal(icmsg_config_get_relay(cfg, 1)->socket_path,
			    "/tmp/icmsgd-test/radio.sock");
	assert_ptr_equal(icmsg_config_find(cfg, "adsp"), icmsg_config_get(cfg, 2));
	assert_int_equal(icmsg_config_get_relay(cfg, 2)->client_policy, ICMSG_CLIENT_DISCONNECT);
	assert_string_equal(icmsg_config_get_daemon(cfg)->control_socket,
			    "/tmp/icmsgd-test/ctl.sock");
	icmsg_config_free(cfg);

	/* One path is icmsg_config_load(). */
	assert_int_equal(load_names(names, 1, &cfg, &err), 0);
	assert_int_equal(icmsg_config_count(cfg), 1);
	icmsg_config_free(cfg);
}

static void test_config_drop_in_duplicate_name(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/b.yaml", "conf.d/c.yaml" };

	(void)state;
	write_in("main.yaml", MAIN_YAML);
	write_in("conf.d/b.yaml", "instances:\n" INST("radio"));
	/* Same default socket path too, but that is the same mistake. */
	write_in("conf.d/c.yaml",
		 "# third\n"
		 "instances:\n"
		 "  - name: radio\n"
		 "    tx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		 "    rx-region: { path: c.bin, size: 0x100 }\n"
		 "    mboxes: { tx: c.tx, rx: c.rx }\n"
		 INST("ipc0"));
	expect_files_errors(names, 3, -EINVAL,
			    "conf.d/c.yaml:3: instances[0].name: duplicate instance name 'radio' "
			    "(first defined at conf.d/b.yaml:2)\n"
			    "conf.d/c.yaml:7: instances[1].name: duplicate instance name 'ipc0' "
			    "(first defined at main.yaml:5)");
}

static void test_config_drop_in_overlapping_region(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/b.yaml" };

	(void)state;
	/* ipc0: tx 0x100..0x200, rx 0..0x100 of /dev/shm/ipc.bin. */
	write_in("main.yaml", MAIN_YAML);
	write_in("conf.d/b.yaml",
		 "instances:\n"
		 "  - name: b\n"
		 "    tx-region: { path: /dev/shm//ipc.bin, offset: 0x1fc, size: 0x100 }\n"
		 "    rx-region: { path: /dev/shm/b.bin, offset: 0x200, size: 0x100 }\n"
		 "    mboxes: { tx: b.tx, rx: b.rx }\n"
		 "  - name: c\n"
		 "    tx-region: { path: /dev/shm/ipc.bin, offset: 0x400, size: 0x100 }\n"
		 "    rx-region: { path: /dev/shm/ipc.bin, offset: 0x80, size: 0x20 }\n"
		 "    mboxes: { tx: c.tx, rx: c.rx }\n");
	expect_files_errors(names, 2, -EINVAL,
			    "conf.d/b.yaml:3: instances[0].tx-region: overlaps "
			    "instances[0].tx-region (main.yaml:6) in the same file (spec 6.1)\n"
			    "conf.d/b.yaml:8: instances[1].rx-region: overlaps "
			    "instances[0].rx-region (main.yaml:7) in the same file (spec 6.1)");
}

static void test_config_drop_in_fifo_reused(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/b.yaml", "conf.d/c.yaml" };

	(void)state;
	write_in("main.yaml", MAIN_YAML);
	write_in("conf.d/b.yaml",
		 "instances:\n"
		 "  - name: b\n"
		 "    tx-region: { path: b.bin, size: 0x100 }\n"
		 "    rx-region: { path: b.bin, offset: 0x100, size: 0x100 }\n"
		 "    mboxes:\n"
		 "      tx: /tmp/b.tx\n"
		 "      rx: /tmp/./ipc0.rx\n");
	write_in("conf.d/c.yaml",
		 "instances:\n"
		 "  - name: c\n"
		 "    tx-region: { path: c.bin, size: 0x100 }\n"
		 "    rx-region: { path: c.bin, offset: 0x100, size: 0x100 }\n"
		 "    mboxes: { tx: /tmp/b.tx, rx: c.rx }\n");
	expect_files_errors(names, 3, -EINVAL,
			    "conf.d/b.yaml:7: instances[0].mboxes.rx: FIFO already used by "
			    "instances[0].mboxes.rx (main.yaml:8)\n"
			    "conf.d/c.yaml:5: instances[0].mboxes.tx: FIFO already used by "
			    "instances[0].mboxes.tx (conf.d/b.yaml:6)");
}

/* The checks of hardware transports span the files too. */
static void test_config_drop_in_hardware_reused(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/b.yaml" };

	(void)state;
	write_in("main.yaml",
		 "instances:\n"
		 "  - name: a\n"
		 "    tx-region: { uio: shm, offset: 0x100, size: 0x100 }\n"
		 "    rx-region: { address: 0x20070000, size: 0x100 }\n"
		 "    mboxes: { tx: { eventfd: 3 }, rx: { uio: mbox } }\n");
	write_in("conf.d/b.yaml",
		 "instances:\n"
		 "  - name: b\n"
		 "    tx-region: { address: 0x200700fc, size: 0x100 }\n"
		 "    rx-region: { uio: shm, size: 0x104 }\n"
		 "    mboxes: { tx: { eventfd: 4 }, rx: { eventfd: 3 } }\n");
	expect_files_errors(names, 2, -EINVAL,
			    "conf.d/b.yaml:3: instances[0].tx-region: overlaps "
			    "instances[0].rx-region (main.yaml:4) in physical memory (spec 6.1)\n"
			    "conf.d/b.yaml:4: instances[0].rx-region: overlaps "
			    "instances[0].tx-region (main.yaml:3) in the same UIO map (spec 6.1)\n"
			    "conf.d/b.yaml:5: instances[0].mboxes.rx.eventfd: eventfd 3 already "
			    "used by instances[0].mboxes.tx.eventfd (main.yaml:5)");
}

static void test_config_drop_in_socket_reused(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/b.yaml" };

	(void)state;
	write_in("main.yaml", MAIN_YAML);
	write_in("conf.d/b.yaml",
		 "instances:\n" INST("b")
		 "    socket: { path: /tmp/icmsgd-test/data/ipc0.sock }\n"
		 INST("c")
		 "    socket:\n"
		 "      path: ctl.sock\n"
		 INST("d")
		 "    socket: { path: ../icmsgd-test/ctl.sock }\n");
	expect_files_errors(names, 2, -EINVAL,
			    "conf.d/b.yaml:6: instances[0].socket.path: socket path "
			    "'/tmp/icmsgd-test/data/ipc0.sock' already used by "
			    "instances[0].socket.path (main.yaml:9)\n"
			    "conf.d/b.yaml:12: instances[1].socket.path: socket path "
			    "'/tmp/icmsgd-test/ctl.sock' is the control socket "
			    "(daemon.control-socket)\n"
			    "conf.d/b.yaml:17: instances[2].socket.path: a relative socket path must "
			    "stay under daemon.runtime-dir: no '..' components (write an absolute "
			    "path to put it elsewhere)");
}

static void test_config_drop_in_daemon_refused(void **state)
{
	static const char *const names[] = { "main.yaml", "conf.d/b.yaml" };

	(void)state;
	write_in("main.yaml", MAIN_YAML);
	/* Refused whole: its content is not read, so no other error. */
	write_in("conf.d/b.yaml",
		 "instances:\n" INST("b")
		 "daemon:\n"
		 "  runtime-dir: relative\n");
	expect_files_errors(names, 2, -EINVAL,
			    "conf.d/b.yaml:6: daemon: the daemon section belongs in the main file");
}

/* Every file's errors, grouped by file in the order given, each named. */
static void test_config_drop_in_errors_of_all_files(void **state)
{
	static const char *const names[] = {
		"main.yaml", "conf.d/b.yaml", "conf.d/none.yaml", "conf.d/c.yaml",
	};
	char want[1024];

	(void)state;
	write_in("main.yaml", "instances:\n" INST("a") "    unbound: maybe\n");
	write_in("conf.d/b.yaml", "instances:\n" INST("b") "    colour: red\n");
	write_in("conf.d/c.yaml", "instances:\n  - name: c\n    tx-region: [\n");
	snprintf(want, sizeof(want),
		 "main.yaml:6: instances[0].unbound: must be disable, enable or detect, "
		 "not 'maybe'\n"
		 "conf.d/b.yaml:6: instances[0].colour: unknown key\n"
		 "conf.d/none.yaml: cannot read: %s\n"
		 "conf.d/c.yaml:4: yaml: did not find expected node content (while parsing a "
		 "flow node at line 4)", strerror(ENOENT));
	/* An unreadable file decides the return value, as for one file. */
	expect_files_errors(names, 4, -ENOENT, want);
}

/* Without the main file, sockets that depend on its runtime-dir are not judged. */
static void test_config_drop_in_without_main(void **state)
{
	static const char *const names[] = { "nomain.yaml", "conf.d/b.yaml" };
	char want[512];

	(void)state;
	write_in("conf.d/b.yaml", "instances:\n" INST("control") INST("b")
		 "    socket: { path: /srv/b.sock }\n" INST("c")
		 "    socket: { path: /srv/b.sock }\n");
	snprintf(want, sizeof(want),
		 "nomain.yaml: cannot read: %s\n"
		 "conf.d/b.yaml:15: instances[2].socket.path: socket path '/srv/b.sock' "
		 "already used by instances[1].socket.path (line 10)", strerror(ENOENT));
	expect_files_errors(names, 2, -ENOENT, want);
}

static void test_config_load_files_arguments(void **state)
{
	const char *names[] = { g_file, NULL };
	struct icmsg_config *cfg = NULL;
	char *err = (char *)"unset";

	(void)state;
	write_file(g_file, "instances: []\n");
	assert_int_equal(icmsg_config_load_files(NULL, 1, &cfg, &err), -EINVAL);
	assert_null(err);
	assert_int_equal(icmsg_config_load_files(names, 0, &cfg, &err), -EINVAL);
	assert_int_equal(icmsg_config_load_files(names, 2, &cfg, &err), -EINVAL);
	assert_int_equal(icmsg_config_load_files(names, 1, NULL, &err), -EINVAL);
	assert_null(cfg);
	assert_null(err);
	assert_int_equal(icmsg_config_load_files(names, 1, &cfg, NULL), 0);
	assert_non_null(cfg);
	icmsg_config_free(cfg);
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
	c.rx_region.size = 28;
	expect_check_fails(&c, "rx-region.size", "too small for the bonding magic: unbound "
		     "disable and detect need a data area of at least 24 bytes (spec 3.1)");
	c.rx_region.size = 32;
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
	c.rx_mbox.type = (enum icmsg_mbox_type)7;
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

/* valid_config() with a UIO tx region, a /dev/mem rx region and hardware doorbells. */
static void valid_hw_config(struct icmsg_link_config *c)
{
	valid_config(c);
	c->tx_region.type = ICMSG_REGION_UIO;
	c->tx_region.path = NULL;
	c->tx_region.uio.device = "uio0";
	c->tx_region.uio.map = 4;
	c->rx_region.type = ICMSG_REGION_DEVMEM;
	c->rx_region.path = NULL;
	c->rx_region.offset = 0x20070000;
	c->tx_mbox.type = ICMSG_MBOX_MMIO;
	c->tx_mbox.path = NULL;
	c->tx_mbox.regs.type = ICMSG_REGION_DEVMEM;
	c->tx_mbox.regs.offset = 0x40001000;
	c->tx_mbox.regs.size = 0x100;
	c->tx_mbox.write.enabled = true;
	c->tx_mbox.write.offset = 0xfc;
	c->tx_mbox.write.value = 1;
	c->rx_mbox.type = ICMSG_MBOX_UIO_IRQ;
	c->rx_mbox.path = NULL;
	c->rx_mbox.uio_device = "/dev/uio1";
	c->rx_mbox.regs.type = ICMSG_REGION_UIO;
	c->rx_mbox.regs.uio.device = "uio1";
	c->rx_mbox.regs.size = 0x10;
	c->rx_mbox.status.enabled = true;
	c->rx_mbox.status.offset = 0xe;
	c->rx_mbox.status.value = 0x8000;
	c->rx_mbox.status.width = 16;
	c->rx_mbox.ack.enabled = true;
	c->rx_mbox.ack.offset = 0xf;
	c->rx_mbox.ack.value = 0x80;
	c->rx_mbox.ack.width = 8;
	c->rx_mbox.ack.op = ICMSG_REG_CLEAR;
}

static void test_config_check_regions_by_type(void **state)
{
	struct icmsg_link_config c;

	(void)state;
	valid_hw_config(&c);
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);

	c.tx_region.uio.device = NULL;
	expect_check_fails(&c, "tx-region.uio", "must not be empty");
	c.tx_region.uio.device = "";
	expect_check_fails(&c, "tx-region.uio", "must not be empty");
	c.tx_region.uio.device = "/dev/uio";
	expect_check_fails(&c, "tx-region.uio", "must be a UIO device name, uioN or /dev/uioN");
	c.tx_region.uio.device = "/sys/class/uio/uio0";
	expect_check_fails(&c, "tx-region.uio", "must be a UIO device name, uioN or /dev/uioN");
	c.tx_region.uio.device = "/dev/uio12";
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.tx_region.uio.map = 5;
	expect_check_fails(&c, "tx-region.map", "must be from 0 to 4: a UIO device has at most "
		     "5 maps");
	c.tx_region.uio.map = -1;
	expect_check_fails(&c, "tx-region.map", "must be from 0 to 4: a UIO device has at most "
		     "5 maps");
	/* The index is ignored when the map is named. */
	c.tx_region.uio.map_name = "shm";
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.tx_region.uio.map_name = "";
	expect_check_fails(&c, "tx-region.map-name", "must not be empty");

	valid_hw_config(&c);
	c.rx_region.offset = 0x20070010;
	c.dcache_alignment = 32;
	expect_check_fails(&c, "rx-region.address", "must be a multiple of "
		     "max(dcache-alignment, 4) (spec 2.2)");
	c.rx_region.offset = UINT64_C(0x7fffffffffffff00);
	expect_check_fails(&c, "rx-region.address", "address + size is beyond the largest offset "
		     "of /dev/mem");
	c.rx_region.type = ICMSG_REGION_UIO;
	c.rx_region.uio.device = "uio0";
	c.rx_region.offset = 0x810;
	expect_check_fails(&c, "rx-region.offset", "must be a multiple of "
		     "max(dcache-alignment, 4) (spec 2.2)");
	c.rx_region.offset = UINT64_C(0x7fffffffffffff00);
	expect_check_fails(&c, "rx-region.offset", "offset + size is beyond the largest file "
		     "offset");

	/* Overlaps: the same map of the same device, the same physical range. */
	valid_hw_config(&c);
	c.rx_region = c.tx_region;
	c.rx_region.uio.device = "/dev/uio0";
	c.rx_region.offset = 0x7fc;
	expect_check_fails(&c, "rx-region", "overlaps tx-region in the same UIO map (spec 6.1)");
	c.rx_region.uio.map = 3;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.rx_region.uio.map_name = "a";
	c.tx_region.uio.map_name = "a";
	expect_check_fails(&c, "rx-region", "overlaps tx-region in the same UIO map (spec 6.1)");
	c.tx_region.uio.map_name = "b";
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.tx_region.uio.map_name = NULL;
	c.tx_region.uio.map = 3;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.rx_region.uio.device = "uio1";
	c.rx_region.uio.map_name = NULL;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);

	valid_hw_config(&c);
	c.tx_region.type = ICMSG_REGION_DEVMEM;
	c.tx_region.offset = 0x200707fc;
	expect_check_fails(&c, "rx-region", "overlaps tx-region in physical memory (spec 6.1)");
	c.tx_region.offset = 0x20070800;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	/* A file and physical memory at the same numbers: different places. */
	c.tx_region.type = ICMSG_REGION_FILE;
	c.tx_region.path = "/tmp/x.bin";
	c.tx_region.offset = 0x20070000;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
}

static void test_config_check_doorbells_by_type(void **state)
{
	struct icmsg_link_config c;

	(void)state;
	/* Direction. */
	valid_hw_config(&c);
	c.tx_mbox = c.rx_mbox;
	expect_check_fails(&c, "mboxes.tx", "a UIO interrupt can only receive: use it for "
		     "mboxes.rx");
	valid_hw_config(&c);
	c.rx_mbox = c.tx_mbox;
	expect_check_fails(&c, "mboxes.rx", "a register write only rings the peer: use it for "
		     "mboxes.tx");

	/* MMIO. */
	valid_hw_config(&c);
	c.tx_mbox.regs.size = 0;
	expect_check_fails(&c, "mboxes.tx.registers", "a register doorbell needs registers: the "
		     "window that holds its register");
	valid_hw_config(&c);
	c.tx_mbox.write.enabled = false;
	expect_check_fails(&c, "mboxes.tx.write", "a register doorbell needs write: the access "
		     "that rings the peer");
	valid_hw_config(&c);
	c.tx_mbox.regs.type = (enum icmsg_region_type)9;
	expect_check_fails(&c, "mboxes.tx.registers", "unsupported region type");
	c.tx_mbox.regs.type = ICMSG_REGION_FILE;
	expect_check_fails(&c, "mboxes.tx.registers.path", "must not be empty");
	c.tx_mbox.regs.path = "/sys/bus/pci/devices/0000:01:00.0/resource0";
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.tx_mbox.regs.offset = UINT64_C(0x7fffffffffffffff);
	expect_check_fails(&c, "mboxes.tx.registers.offset", "offset + size is beyond the largest "
		     "file offset");
	/* No pbuf rule: any size and offset. */
	c.tx_mbox.regs.offset = 1;
	c.tx_mbox.regs.size = 0x101;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.tx_mbox.regs.type = ICMSG_REGION_UIO;
	expect_check_fails(&c, "mboxes.tx.registers.uio", "must not be empty");

	valid_hw_config(&c);
	c.tx_mbox.write.offset = 0xfe;
	expect_check_fails(&c, "mboxes.tx.write.offset", "must be a multiple of 4: the access is "
		     "32 bits wide");
	c.tx_mbox.write.width = 16;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.tx_mbox.write.offset = 0x100;
	expect_check_fails(&c, "mboxes.tx.write.offset", "the access ends beyond the end of "
		     "registers (registers.size)");
	c.tx_mbox.write.offset = 0;
	c.tx_mbox.write.value = 0x10000;
	expect_check_fails(&c, "mboxes.tx.write.value", "must fit in 16 bits");
	c.tx_mbox.write.width = 24;
	expect_check_fails(&c, "mboxes.tx.write.width", "must be 8, 16 or 32");
	c.tx_mbox.write.width = 32;
	c.tx_mbox.write.op = (enum icmsg_reg_op)3;
	expect_check_fails(&c, "mboxes.tx.write.op", "must be write, set or clear");

	/* UIO interrupt. */
	valid_hw_config(&c);
	c.rx_mbox.uio_device = NULL;
	expect_check_fails(&c, "mboxes.rx.uio", "must not be empty");
	c.rx_mbox.uio_device = "a/b";
	expect_check_fails(&c, "mboxes.rx.uio", "must be a UIO device name, uioN or /dev/uioN");
	valid_hw_config(&c);
	c.rx_mbox.regs.size = 0;
	expect_check_fails(&c, "mboxes.rx.status", "needs registers: the window that holds the "
		     "register");
	c.rx_mbox.status.enabled = false;
	expect_check_fails(&c, "mboxes.rx.ack", "needs registers: the window that holds the "
		     "register");
	c.rx_mbox.ack.enabled = false;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	valid_hw_config(&c);
	c.rx_mbox.status.value = 0x10000;
	expect_check_fails(&c, "mboxes.rx.status.mask", "must fit in 16 bits");
	valid_hw_config(&c);
	c.rx_mbox.status.op = (enum icmsg_reg_op)9; /* ignored */
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.rx_mbox.ack.value = 0x100;
	expect_check_fails(&c, "mboxes.rx.ack.value", "must fit in 8 bits");
	c.rx_mbox.ack.value = 1;
	c.rx_mbox.ack.offset = 0x10;
	expect_check_fails(&c, "mboxes.rx.ack.offset", "the access ends beyond the end of "
		     "registers (registers.size)");
	c.rx_mbox.ack.offset = 0;
	c.rx_mbox.ack.op = (enum icmsg_reg_op)9;
	expect_check_fails(&c, "mboxes.rx.ack.op", "must be write, set or clear");
	valid_hw_config(&c);
	c.rx_mbox.enable[3].enabled = true;
	c.rx_mbox.enable[3].offset = 0xc;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	c.rx_mbox.enable[3].op = ICMSG_REG_SET;
	c.rx_mbox.enable[3].offset = 0xe;
	expect_check_fails(&c, "mboxes.rx.enable[3].offset", "must be a multiple of 4: the "
		     "access is 32 bits wide");
	c.rx_mbox.enable[3].offset = 0xc;
	c.rx_mbox.regs.size = 0;
	c.rx_mbox.status.enabled = false;
	c.rx_mbox.ack.enabled = false;
	expect_check_fails(&c, "mboxes.rx.enable[3]", "needs registers: the window that holds "
		     "the register");

	/* eventfd. */
	valid_config(&c);
	c.tx_mbox.type = ICMSG_MBOX_EVENTFD;
	c.rx_mbox.type = ICMSG_MBOX_EVENTFD;
	expect_check_fails(&c, "mboxes.tx.eventfd", "must be a file descriptor number (0 or more)");
	c.tx_mbox.fd = 0;
	c.rx_mbox.fd = 0;
	expect_check_fails(&c, "mboxes.rx.eventfd", "must differ from mboxes.tx: each direction "
		     "needs its own eventfd");
	c.rx_mbox.fd = 1;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
	/* A FIFO and an eventfd: the paths of other types are ignored. */
	c.tx_mbox.type = ICMSG_MBOX_FIFO;
	c.rx_mbox.path = c.tx_mbox.path;
	assert_int_equal(icmsg_link_config_check(&c, NULL, NULL), 0);
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
		cmocka_unit_test(test_config_board_examples),
		cmocka_unit_test(test_config_uio_transport),
		cmocka_unit_test(test_config_devmem_eventfd_transport),
		cmocka_unit_test(test_config_region_backend_keys),
		cmocka_unit_test(test_config_region_uio_rules),
		cmocka_unit_test(test_config_region_devmem_rules),
		cmocka_unit_test(test_config_region_overlap_by_type),
		cmocka_unit_test(test_config_shared_uio_devmem_eventfd),
		cmocka_unit_test(test_config_mbox_backend_keys),
		cmocka_unit_test(test_config_mbox_direction),
		cmocka_unit_test(test_config_mbox_type_keys),
		cmocka_unit_test(test_config_mbox_value_rules),
		cmocka_unit_test(test_config_mbox_enable_rules),
		cmocka_unit_test(test_config_register_window_rules),
		cmocka_unit_test(test_config_register_access_rules),
		cmocka_unit_test(test_config_relay_defaults),
		cmocka_unit_test(test_config_relay_keys),
		cmocka_unit_test(test_config_daemon_section),
		cmocka_unit_test(test_config_relative_socket_paths),
		cmocka_unit_test(test_config_socket_mode_rules),
		cmocka_unit_test(test_config_socket_owner_group_rules),
		cmocka_unit_test(test_config_socket_structure),
		cmocka_unit_test(test_config_client_policy),
		cmocka_unit_test(test_config_client_queue_limit),
		cmocka_unit_test(test_config_disconnect_on_unbound),
		cmocka_unit_test(test_config_daemon_rules),
		cmocka_unit_test(test_config_socket_path_too_long),
		cmocka_unit_test(test_config_socket_reused),
		cmocka_unit_test(test_config_control_socket_clash),
		cmocka_unit_test(test_config_drop_ins_merged),
		cmocka_unit_test(test_config_drop_in_duplicate_name),
		cmocka_unit_test(test_config_drop_in_overlapping_region),
		cmocka_unit_test(test_config_drop_in_fifo_reused),
		cmocka_unit_test(test_config_drop_in_hardware_reused),
		cmocka_unit_test(test_config_drop_in_socket_reused),
		cmocka_unit_test(test_config_drop_in_daemon_refused),
		cmocka_unit_test(test_config_drop_in_errors_of_all_files),
		cmocka_unit_test(test_config_drop_in_without_main),
		cmocka_unit_test(test_config_load_files_arguments),
		cmocka_unit_test(test_config_check_structs),
		cmocka_unit_test(test_config_check_regions_by_type),
		cmocka_unit_test(test_config_check_doorbells_by_type),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
