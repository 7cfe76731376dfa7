// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: how large libicmsg is - its executable segment as this
 * process loaded it (what the code costs in memory; stripping does not
 * change it), and its file after strip --strip-unneeded (what a board's
 * image carries), when binutils' strip is there.
 */
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
	struct bench_size *s = data;
	const char *base = strrchr(info->dlpi_name, '/');
	char *real;

	(void)size;
	base = base ? base + 1 : info->dlpi_name;
	if (strncmp(base, "libicmsg.so", 11) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X))
			s->text += info->dlpi_phdr[i].p_memsz;
	/* "tools/../lib/libicmsg.so.0" in a build tree: shown resolved. */
	real = realpath(info->dlpi_name, NULL);
	snprintf(s->path, sizeof(s->path), "%s", real ? real : info->dlpi_name);
	free(real);
	return 1;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Strip a copy of the library into @dir and measure it. */
static void stripped_size(const char *dir, struct bench_size *s)
{
	char strip[4096], out[4096];
	char *argv[] = { strip, "--strip-unneeded", "-o", out, s->path, NULL };

	if (!bench_which("strip", strip, sizeof(strip))) {
		s->why = "strip not found";
		return;
	}
	snprintf(out, sizeof(out), "%s/libicmsg-stripped.so", dir);
	if (bench_run(argv, NULL, NULL) != 0)
		s->why = "strip failed";
	else
		s->stripped = file_size(out);
	unlink(out);
}

void bench_size(const char *dir, struct bench_size *ret)
{
	memset(ret, 0, sizeof(*ret));
	dl_iterate_phdr(find_text, ret);
	if (!ret->text) {
		ret->why = "libicmsg is not loaded as a shared library";
		return;
	}
	ret->file = file_size(ret->path);
	stripped_size(dir, ret);
}
