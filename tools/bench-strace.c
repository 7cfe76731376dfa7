// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: system calls per message, to show what the fast path
 * costs the kernel. One case runs again in a child icmsg-cli (bench
 * --only ID --count N --json) under strace -f -c, which counts the calls
 * of every process of the case: sender, receiver, relay, icmsgd. A second
 * run with --count 1 counts what the case costs besides its messages
 * (process start, bonding, the end); the difference, divided by the
 * difference in messages, is what each message costs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "cli-json.h"

/* Distinct system calls of one run we keep; a case makes a few dozen. */
#define MAX_NAMES 160

/* What strace counted in one run, and the messages it measured. */
struct counts {
	size_t n;
	char name[MAX_NAMES][32];
	uint64_t calls[MAX_NAMES];
	uint64_t total;
	uint64_t msgs;
};

/* Where one run keeps its files, all under the bench's directory. */
struct sys_files {
	char counts[PATH_MAX]; /* strace -o */
	char out[PATH_MAX];    /* the child's JSON */
	char err[PATH_MAX];    /* and its complaints */
};

/*
 * One line of the table strace -c writes: "% time, seconds, usecs/call,
 * calls, [errors,] syscall". @return true if it was a row.
 */
static bool parse_row(const char *line, char *name, size_t cap, uint64_t *calls)
{
	double pct, secs;
	unsigned long long usecs, n;
	const char *last;
	size_t len = strcspn(line, "\n");

	if (sscanf(line, "%lf %lf %llu %llu", &pct, &secs, &usecs, &n) != 4)
		return false;
	while (len > 0 && line[len - 1] == ' ')
		len--;
	for (last = line + len; last > line && last[-1] != ' '; last--)
		;
	snprintf(name, cap, "%.*s", (int)(line + len - last), last);
	*calls = n;
	return true;
}

static int parse_counts(const char *path, struct counts *ct)
{
	char line[256], name[32];
	uint64_t calls;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_row(line, name, sizeof(name), &calls))
			continue;
		if (strcmp(name, "total") == 0) {
			ct->total = calls;
		} else if (ct->n < MAX_NAMES) {
			memcpy(ct->name[ct->n], name, sizeof(name));
			ct->calls[ct->n++] = calls;
		}
	}
	fclose(f);
	return ct->total ? 0 : -ENODATA;
}

/* The messages the child measured: "msgs" of its only row. */
static int parse_msgs(const char *path, struct counts *ct)
{
	char text[16384];
	struct cli_json *doc;
	const struct cli_json *rows;
	const char *why;
	size_t len, off;
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	err = cli_json_parse(text, len, &doc, &why, &off);
	if (err < 0)
		return err;
	rows = cli_json_get(doc, "rows");
	if (!rows || !rows->child || !cli_json_u64(cli_json_get(rows->child, "msgs"), &ct->msgs))
		err = -ENODATA;
	cli_json_free(doc);
	return err < 0 ? err : (ct->msgs ? 0 : -ENODATA);
}

/* Say why the run failed: its exit status and what it printed. */
static void show_failure(const char *id, int status, const char *err_path)
{
	char line[512];
	FILE *f = fopen(err_path, "re");

	cli_errf("bench: strace run of %s failed (status %d)", id, status);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "bench: [", 8) != 0) /* not its progress lines */
			cli_errf("bench: %s: %.*s", id, (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
}

/* Run case @id for @count messages under strace; its counts into @ct. */
static int strace_run(const char *strace, const char *self, const char *icmsgd,
		      const char *dir, const char *id, uint64_t count, struct counts *ct)
{
	struct sys_files fl;
	char n[24], asan[512];
	char *argv[] = { (char *)strace, "-f", "-qq", "-c", "-o", fl.counts, "-E", asan,
			 (char *)self, "bench", "--only", (char *)id, "--count", n, "--json",
			 icmsgd ? "--icmsgd" : NULL, (char *)icmsgd, NULL };
	const char *asan_opts = getenv("ASAN_OPTIONS");
	int status, err;

	memset(ct, 0, sizeof(*ct));
	snprintf(n, sizeof(n), "%llu", (unsigned long long)count);
	/* LeakSanitizer cannot work under ptrace and aborts: a sanitizer
	 * build is counted without it (the variable is ignored otherwise). */
	snprintf(asan, sizeof(asan), "ASAN_OPTIONS=%s%sdetect_leaks=0", asan_opts ? asan_opts : "",
		 asan_opts && *asan_opts ? ":" : "");
	snprintf(fl.counts, sizeof(fl.counts), "%s/strace-%s.txt", dir, id);
	snprintf(fl.out, sizeof(fl.out), "%s/strace-%s.json", dir, id);
	snprintf(fl.err, sizeof(fl.err), "%s/strace-%s.err", dir, id);
	status = bench_run(argv, fl.out, fl.err);
	err = status < 0 ? status : status > 0 ? -ECHILD : 0;
	if (err == 0)
		err = parse_msgs(fl.out, ct);
	if (err == 0)
		err = parse_counts(fl.counts, ct);
	if (status != 0)
		show_failure(id, status, fl.err);
	else if (err < 0)
		cli_errf("bench: strace run of %s: no counts: %s", id, strerror(-err));
	unlink(fl.counts);
	unlink(fl.out);
	unlink(fl.err);
	return err;
}

/* Keep the BENCH_SYS_TOP largest counts, largest first. */
static void add_top(struct bench_sys *s, const char *name, uint64_t calls)
{
	int i = BENCH_SYS_TOP;

	while (i > 0 && s->top_calls[i - 1] < calls)
		i--;
	if (i == BENCH_SYS_TOP || calls == 0)
		return;
	memmove(&s->top[i + 1], &s->top[i], sizeof(s->top[0]) * (BENCH_SYS_TOP - 1 - (size_t)i));
	memmove(&s->top_calls[i + 1], &s->top_calls[i],
		sizeof(s->top_calls[0]) * (BENCH_SYS_TOP - 1 - (size_t)i));
	snprintf(s->top[i], sizeof(s->top[i]), "%s", name);
	s->top_calls[i] = calls;
}

static uint64_t calls_of(const struct counts *ct, const char *name)
{
	for (size_t i = 0; i < ct->n; i++)
		if (strcmp(ct->name[i], name) == 0)
			return ct->calls[i];
	return 0;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* What the messages of @full cost beyond those of @setup. */
static int subtract(const struct counts *full, const struct counts *setup, struct bench_sys *s)
{
	s->msgs = minus(full->msgs, setup->msgs);
	s->calls = minus(full->total, setup->total);
	s->setup_calls = setup->total;
	for (size_t i = 0; i < full->n; i++)
		add_top(s, full->name[i], minus(full->calls[i], calls_of(setup, full->name[i])));
	return s->msgs ? 0 : -ENODATA;
}

int bench_syscalls(const char *strace, const char *self, const char *icmsgd, const char *dir,
		   const char *id, uint64_t count, struct bench_sys *ret)
{
	static struct counts setup, full; /* large: not on the stack */
	uint64_t t0 = bench_now_ns();
	int err;

	memset(ret, 0, sizeof(*ret));
	err = strace_run(strace, self, icmsgd, dir, id, 1, &setup);
	if (err == 0)
		err = strace_run(strace, self, icmsgd, dir, id, count, &full);
	if (err == 0)
		err = subtract(&full, &setup, ret);
	ret->secs = (double)(bench_now_ns() - t0) / 1e9;
	ret->error = err;
	return err;
}
