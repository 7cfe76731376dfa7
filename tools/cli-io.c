// SPDX-License-Identifier: MIT
/*
 * What the data-path and inspection commands (send, recv, status, dump,
 * monitor) share beyond icmsg-cli.c: timestamps on printed lines, interval
 * arguments, waiting for a clock while watching signals, and JSON output.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_parse_timestamp(const char *arg, enum cli_timestamp *ret)
{
	if (!arg || strcmp(arg, "iso") == 0) {
		*ret = CLI_TS_ISO;
		return CLI_EXIT_OK;
	}
	if (strcmp(arg, "mono") == 0) {
		*ret = CLI_TS_MONO;
		return CLI_EXIT_OK;
	}
	cli_err("invalid timestamp format (expected iso or mono)", arg);
	return CLI_EXIT_USAGE;
}

void cli_format_timestamp(enum cli_timestamp ts, char *buf, size_t cap)
{
	struct timespec now;
	char zone[8];
	struct tm tm;
	size_t n;

	if (ts == CLI_TS_MONO) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		snprintf(buf, cap, "%lld.%06ld", (long long)now.tv_sec, now.tv_nsec / 1000);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (!localtime_r(&now.tv_sec, &tm) ||
	    (n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm)) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		snprintf(buf, cap, "?");
		return;
	}
	/* ISO 8601 extended format wants the zone as +hh:mm; %z gives +hhmm. */
	snprintf(buf + n, cap - n, ".%06ld%.3s:%.2s", now.tv_nsec / 1000, zone, zone + 3);
}

void cli_print_timestamp(FILE *f, enum cli_timestamp ts)
{
	char buf[64];

	if (ts == CLI_TS_NONE)
		return;
	cli_format_timestamp(ts, buf, sizeof(buf));
	fputs(buf, f);
	fputc(' ', f);
}

int cli_parse_seconds(const char *s, const char *what, int *ret_ms)
{
	uint64_t ms = 0;
	const char *p = s;
	int frac = 0;

	/* Whole seconds, then at most three decimals: "2", "0.5", "1.250". */
	if (!s || !(*p >= '0' && *p <= '9'))
		goto err;
	for (; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (uint64_t)(*p - '0');
		if (ms > INT_MAX / 1000)
			goto err;
	}
	ms *= 1000;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++frac > 3)
				goto err;
			ms += (uint64_t)(*p - '0') * (frac == 1 ? 100 : frac == 2 ? 10 : 1);
		}
		if (frac == 0)
			goto err;
	}
	if (*p != '\0' || ms == 0 || ms > INT_MAX)
		goto err;
	*ret_ms = (int)ms;
	return 0;
err:
	fprintf(stderr, "%s: invalid %s (expected seconds, 0.001 to %d, e.g. 2 or 0.5) -- '%s'\n",
		CLI_PROG, what, INT_MAX / 1000, s ? s : "");
	return -EINVAL;
}

int cli_sleep_until(uint64_t deadline)
{
	short revents;
	int ret;

	for (;;) {
		if (cli_left_ms(deadline) == 0)
			return CLI_WAIT_TIMEOUT;
		/* No fd (-1 is skipped by poll): only the clock and signals. */
		ret = cli_wait_fd(-1, 0, cli_left_ms(deadline), &revents);
		if (ret != CLI_WAIT_TIMEOUT)
			return ret;
	}
}

/* Length of the valid UTF-8 sequence at @s (1..4), 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void cli_json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_seq_len(p)) > 0) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			/* JSON text must be UTF-8: a path or name that is not
			 * gets U+FFFD for each bad byte. */
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}
