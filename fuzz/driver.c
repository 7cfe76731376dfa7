// SPDX-License-Identifier: MIT
/*
 * The regression driver: runs a fuzz target's LLVMFuzzerTestOneInput()
 * once over each file given, or over each file in each directory given,
 * so that the normal (gcc) builds replay the seed corpora and every crash
 * ever found without libFuzzer. A directory that does not exist is
 * skipped: fuzz/regress/<target>/ appears with its first finding. Running
 * no input at all is an error (a wrong path would pass silently).
 *
 * Usage: fuzz-TARGET-regress PATH...
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Targets may set themselves up once, as under libFuzzer. */
#pragma weak LLVMFuzzerInitialize

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "driver: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Exactly the input's size: ASan sees a read past its end. */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	fprintf(stderr, "driver: running %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of @dir whose name does not start with '.', in name order. */
static int run_dir(const char *dir, unsigned int *count)
{
	char **names = NULL, **more, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	struct stat st;
	int ret = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			more = realloc(names, cap * sizeof(*names));
			if (!more) {
				ret = -1;
				break;
			}
			names = more;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			ret = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (ret == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				ret = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	struct stat st;
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			if (errno != ENOENT) {
				fprintf(stderr, "driver: %s: %s\n", argv[i], strerror(errno));
				return 1;
			}
			fprintf(stderr, "driver: %s: none, skipped\n", argv[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) < 0 : run_file(argv[i]) < 0)
			return 1;
		if (!S_ISDIR(st.st_mode))
			count++;
	}
	if (count == 0) {
		fprintf(stderr, "driver: no input found\n");
		return 1;
	}
	printf("driver: %u inputs passed\n", count);
	return 0;
}
