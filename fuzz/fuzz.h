/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets share: the libFuzzer entry points, a reader that
 * turns the input into numbers and byte strings (running dry yields zeros,
 * so every input is a complete program), and a check that aborts, which
 * libFuzzer and the regression driver (driver.c) both report as a finding.
 */
#ifndef ICMSG_FUZZ_H
#define ICMSG_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the code under test: abort() so that it is a finding. */
#define fz_assert(cond)                                                            \
	do {                                                                       \
		if (!(cond))                                                       \
			fz_fail(__FILE__, __LINE__, #cond);                        \
	} while (0)

__attribute__((noreturn)) static inline void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
	abort();
}

/** struct fz - the input, consumed from the front. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void fz_init(struct fz *f, const uint8_t *data, size_t size)
{
	f->p = data;
	f->n = size;
}

static inline bool fz_empty(const struct fz *f)
{
	return f->n == 0;
}

static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v = 0;

	if (f->n) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t lo = fz_u8(f);

	return (uint16_t)(lo | (uint16_t)fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t lo = fz_u16(f);

	return lo | (uint32_t)fz_u16(f) << 16;
}

/* Up to @n bytes of the input; *@got says how many there were. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t n, size_t *got)
{
	const uint8_t *p = f->p;

	if (n > f->n)
		n = f->n;
	f->p += n;
	f->n -= n;
	*got = n;
	return p;
}

#endif
