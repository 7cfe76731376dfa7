// SPDX-License-Identifier: MIT
/*
 * JSON text building for the control socket, see json.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void jbuf_init(struct jbuf *j)
{
	memset(j, 0, sizeof(*j));
}

void jbuf_free(struct jbuf *j)
{
	free(j->data);
	jbuf_init(j);
}

bool jbuf_failed(const struct jbuf *j)
{
	return j->failed;
}

static bool reserve(struct jbuf *j, size_t more)
{
	size_t cap;
	char *p;

	if (j->failed)
		return false;
	if (j->len + more + 1 <= j->cap)
		return true;
	cap = j->cap ? j->cap : 256;
	while (cap < j->len + more + 1)
		cap *= 2;
	p = realloc(j->data, cap);
	if (!p) {
		j->failed = true;
		return false;
	}
	j->data = p;
	j->cap = cap;
	return true;
}

static void add_bytes(struct jbuf *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->data + j->len, s, n);
	j->len += n;
	j->data[j->len] = '\0';
}

void jbuf_add(struct jbuf *j, const char *s)
{
	add_bytes(j, s, strlen(s));
}

void jbuf_printf(struct jbuf *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(j, (size_t)n)) {
		j->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(j->data + j->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	j->len += (size_t)n;
}

/*
 * Length of the valid UTF-8 sequence at @s (1..4), or 0 if it is not one:
 * overlong forms, surrogates and code points above U+10FFFF are invalid
 * (RFC 3629), as a strict JSON parser would see them.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

void jbuf_string(struct jbuf *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	size_t n;

	if (!s) {
		jbuf_add(j, "null");
		return;
	}
	add_bytes(j, "\"", 1);
	while (*p) {
		switch (*p) {
		case '"':
			add_bytes(j, "\\\"", 2);
			p++;
			continue;
		case '\\':
			add_bytes(j, "\\\\", 2);
			p++;
			continue;
		case '\n':
			add_bytes(j, "\\n", 2);
			p++;
			continue;
		case '\r':
			add_bytes(j, "\\r", 2);
			p++;
			continue;
		case '\t':
			add_bytes(j, "\\t", 2);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			add_bytes(j, esc, 6);
			p++;
			continue;
		}
		/* The NUL terminator stops utf8_len at a truncated sequence. */
		n = utf8_len(p);
		if (n == 0) {
			add_bytes(j, "\\ufffd", 6);
			p++;
			continue;
		}
		add_bytes(j, (const char *)p, n);
		p += n;
	}
	add_bytes(j, "\"", 1);
}

void jbuf_time(struct jbuf *j, const struct timespec *ts)
{
	if (!ts) {
		jbuf_add(j, "null");
		return;
	}
	jbuf_printf(j, "%lld.%03ld", (long long)ts->tv_sec, ts->tv_nsec / 1000000);
}

void jbuf_u64(struct jbuf *j, uint64_t v)
{
	jbuf_printf(j, "%llu", (unsigned long long)v);
}
