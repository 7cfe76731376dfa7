// SPDX-License-Identifier: MIT
/*
 * fuzz-config: the YAML loader (spec 5.3) over one main file and up to
 * two drop-ins, as icmsgd loads them. The loader has no entry point that
 * takes a buffer, so the files are memfds named by /proc/self/fd paths:
 * no disk, and the loader opens and reads them as it would any file.
 *
 * What must hold: a loaded configuration is one that every check accepts
 * (icmsg_link_config_check() on each instance, spec 2.2 layouts, names,
 * regions and socket paths unique across files); a refused one comes with
 * error lines of the documented form "FILE:LINE: KEY: message", one per
 * line, grouped by file and sorted by line. Then each loaded instance has
 * one field changed and is checked again: whatever the checker accepts,
 * the library's ring layout must accept too.
 *
 * Input: [files][mutation: field, value u32] then the file contents,
 * separated by a line "@@@" (the count comes from the first byte).
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "pbuf.h"

#define MAX_FILES 3
#define SEPARATOR "\n@@@\n"

static int fds[MAX_FILES] = { -1, -1, -1 };
static char paths[MAX_FILES][64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < MAX_FILES; i++) {
		fds[i] = memfd_create("icmsg-fuzz-config", MFD_CLOEXEC);
		if (fds[i] < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(paths[i], sizeof(paths[i]), "/proc/self/fd/%d", fds[i]);
	}
	return 0;
}

static void set_file(int i, const uint8_t *p, size_t n)
{
	ssize_t w;

	if (ftruncate(fds[i], 0) < 0)
		abort();
	while (n) {
		w = pwrite(fds[i], p, n, 0);
		if (w <= 0)
			abort();
		p += w;
		n -= (size_t)w;
	}
}

static const uint8_t *find_sep(const uint8_t *p, size_t n)
{
	return memmem(p, n, SEPARATOR, sizeof(SEPARATOR) - 1);
}

/* Lines "FILE:LINE: KEY: message", files in the order given, lines sorted. */
static void check_errors(const char *text, const char *const *names, size_t n_names)
{
	size_t last_file = 0, f, plen;
	unsigned long last_line = 0, line;
	const char *p = text, *eol;
	char *end;

	fz_assert(text && text[0]);
	while (*p) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		for (const char *c = p; c < eol; c++)
			fz_assert((unsigned char)*c >= 0x20 && *c != 0x7f);
		for (f = 0; f < n_names; f++) {
			plen = strlen(names[f]);
			if (strncmp(p, names[f], plen) == 0 && p[plen] == ':' &&
			    p[plen + 1] >= '0' && p[plen + 1] <= '9')
				break;
		}
		fz_assert(f < n_names);
		line = strtoul(p + plen + 1, &end, 10);
		fz_assert(line >= 1 && end[0] == ':' && end[1] == ' ');
		fz_assert(memmem(end + 2, (size_t)(eol - end - 2), ": ", 2) != NULL);
		fz_assert(f > last_file || (f == last_file && line >= last_line));
		last_file = f;
		last_line = line;
		p = *eol ? eol + 1 : eol;
	}
}

static bool regions_apart(const struct icmsg_link_config *a, const struct icmsg_link_config *b)
{
	return !config_regions_overlap(&a->tx_region, &b->tx_region) &&
	       !config_regions_overlap(&a->tx_region, &b->rx_region) &&
	       !config_regions_overlap(&a->rx_region, &b->tx_region) &&
	       !config_regions_overlap(&a->rx_region, &b->rx_region);
}

/* What the checker accepts, the ring must accept (icmsg_link_open() relies on it). */
static void check_layouts(const struct icmsg_link_config *lc)
{
	struct pbuf_layout l;
	bool hs = lc->unbound != ICMSG_UNBOUND_DISABLE;

	fz_assert(pbuf_layout_init(&l, lc->tx_region.size, lc->dcache_alignment, hs, NULL) == 0);
	fz_assert(pbuf_layout_init(&l, lc->rx_region.size, lc->dcache_alignment, hs, NULL) == 0);
}

static void mutate(const struct icmsg_link_config *orig, uint8_t field, uint32_t v)
{
	struct icmsg_link_config c = *orig;
	const char *key = NULL, *msg = NULL;

	switch (field % 10) {
	case 0: c.dcache_alignment = v; break;
	case 1: c.unbound = (enum icmsg_unbound_mode)(v % 4); break;
	case 2: c.tx_region.size = v; break;
	case 3: c.rx_region.size = (uint64_t)v << (field / 10 % 40); break;
	case 4: c.tx_region.offset = (uint64_t)v << (field / 10 % 40); break;
	case 5: c.rx_region.offset = c.tx_region.offset + v; break;
	case 6: c.peer_rx_buf_size = v; break;
	case 7: c.rx_buf_size = v; break;
	case 8: c.tx_region.size = c.rx_region.size = v & ~3u; c.dcache_alignment = v >> 20; break;
	case 9: c.name = field & 0x80 ? "" : NULL; break;
	}
	if (icmsg_link_config_check(&c, &key, &msg) == 0) {
		check_layouts(&c);
	} else {
		fz_assert(key && msg);
		fz_assert(key[0] && msg[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *names[MAX_FILES];
	const struct icmsg_link_config *lc, *lj;
	const struct icmsg_relay_config *rc, *rj;
	const struct icmsg_daemon_config *dc;
	struct icmsg_config *cfg = NULL;
	char *err = NULL;
	const uint8_t *sep;
	size_t n_files, i, j, count;
	struct fz f;
	uint8_t field;
	uint32_t value;
	int ret;

	fz_init(&f, data, size);
	n_files = fz_u8(&f) % MAX_FILES + 1;
	field = fz_u8(&f);
	value = fz_u32(&f);
	for (i = 0; i < n_files; i++) {
		/* The last file takes the rest, separators and all. */
		sep = i + 1 < n_files ? find_sep(f.p, f.n) : NULL;
		if (sep) {
			set_file((int)i, f.p, (size_t)(sep - f.p));
			f.n -= (size_t)(sep - f.p) + sizeof(SEPARATOR) - 1;
			f.p = sep + sizeof(SEPARATOR) - 1;
		} else {
			set_file((int)i, f.p, f.n);
			f.p += f.n;
			f.n = 0;
		}
		names[i] = paths[i];
	}

	if (n_files == 1)
		ret = icmsg_config_load(names[0], &cfg, &err);
	else
		ret = icmsg_config_load_files(names, n_files, &cfg, &err);

	if (ret < 0) {
		fz_assert(ret == -EINVAL || ret == -ENOMEM);
		if (ret == -EINVAL)
			check_errors(err, names, n_files);
		free(err);
		return 0;
	}
	fz_assert(err == NULL && cfg != NULL);
	count = icmsg_config_count(cfg);
	fz_assert(icmsg_config_get(cfg, count) == NULL);
	fz_assert(icmsg_config_get_relay(cfg, count) == NULL);
	dc = icmsg_config_get_daemon(cfg);
	fz_assert(dc && dc->runtime_dir && dc->control_socket && dc->control_socket[0] == '/');
	for (i = 0; i < count; i++) {
		lc = icmsg_config_get(cfg, i);
		rc = icmsg_config_get_relay(cfg, i);
		fz_assert(lc && rc && lc->name);
		fz_assert(icmsg_link_config_check(lc, NULL, NULL) == 0);
		check_layouts(lc);
		fz_assert(icmsg_config_find(cfg, lc->name) == lc);
		fz_assert(rc->socket_path && rc->socket_path[0] == '/');
		fz_assert(strlen(rc->socket_path) < 108); /* sun_path */
		fz_assert(rc->client_queue_limit >= 1);
		for (j = 0; j < i; j++) {
			lj = icmsg_config_get(cfg, j);
			rj = icmsg_config_get_relay(cfg, j);
			fz_assert(strcmp(lc->name, lj->name) != 0);
			fz_assert(regions_apart(lc, lj));
			fz_assert(!config_path_equal(rc->socket_path, rj->socket_path));
		}
		mutate(lc, field, value);
	}
	fz_assert(icmsg_config_free(cfg) == NULL);
	return 0;
}
