/* SPDX-License-Identifier: MIT */
/*
 * A growing text buffer and the few JSON writers the control socket needs.
 * Out of memory is sticky: writers become no-ops and jbuf_failed() says so,
 * so that a reply is built without checking every call.
 */
#ifndef ICMSGD_JSON_H
#define ICMSGD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** struct jbuf - text under construction; zero-initialise or jbuf_init(). */
struct jbuf {
	char *data; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool failed;
};

/** jbuf_init() - an empty buffer. */
void jbuf_init(struct jbuf *j);

/** jbuf_free() - release the text; the buffer is empty afterwards. */
void jbuf_free(struct jbuf *j);

/** jbuf_failed() - true if an allocation failed since jbuf_init(). */
bool jbuf_failed(const struct jbuf *j);

/** jbuf_add() - append @s verbatim (JSON punctuation, numbers). */
void jbuf_add(struct jbuf *j, const char *s);

/** jbuf_printf() - append formatted text verbatim. */
void jbuf_printf(struct jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * jbuf_string() - append @s as a JSON string with quotes, or null if @s is
 * NULL. Control characters are escaped; bytes that are not valid UTF-8
 * become U+FFFD so the reply always parses.
 */
void jbuf_string(struct jbuf *j, const char *s);

/** jbuf_time() - append @ts as Unix seconds with milliseconds, or null if NULL. */
void jbuf_time(struct jbuf *j, const struct timespec *ts);

/** jbuf_u64() - append an unsigned number. */
void jbuf_u64(struct jbuf *j, uint64_t v);

#endif /* ICMSGD_JSON_H */
