// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: the output - one table with the lines beside it, or
 * one JSON object with the same figures (icmsg-cli bench --help lists
 * its members).
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"

#define RSS_TARGET_KIB 4096u

static const char *const status_names[] = {
	[BENCH_PLANNED] = "not run",
	[BENCH_DONE] = "ok",
	[BENCH_FAILED] = "failed",
	[BENCH_SKIPPED] = "skipped",
};

static const char *region_name(uint32_t region, char *buf, size_t cap)
{
	if (!region)
		return "-";
	snprintf(buf, cap, "%uKi", region / 1024);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* The table                                                                */

static void print_row(const struct bench_row *row)
{
	const struct bench_kind_info *k = &bench_kinds[row->kind];
	char reg[16], med[16], p99[16], mb[16], vs[48];
	const char *region = region_name(row->region, reg, sizeof(reg));

	if (row->status != BENCH_DONE) {
		printf("%-28s %6s %6u  %s: %s\n", k->what, region, row->size,
		       status_names[row->status], row->why);
		return;
	}
	snprintf(mb, sizeof(mb), k->rtt ? "-" : "%.2f", row->mb_per_s);
	snprintf(med, sizeof(med), k->rtt ? "%.1f" : "-", row->rtt_med_us);
	snprintf(p99, sizeof(p99), k->rtt ? "%.1f" : "-", row->rtt_p99_us);
	vs[0] = '\0';
	if (row->base)
		snprintf(vs, sizeof(vs), k->rtt ? "%.2fx %s rtt" : "%.3fx %s", row->vs,
			 bench_kinds[row->base->kind].tag);
	printf("%-28s %6s %6u %11.0f %9s %9s %9s %7.2f  %s\n", k->what, region, row->size,
	       row->msgs_per_s, mb, med, p99, row->cpu_s, vs);
}

static void print_size(const struct bench_size *s)
{
	if (!s->text) {
		printf("libicmsg size: not measured (%s)\n", s->why);
		return;
	}
	printf("libicmsg text (executable segment as loaded; stripping does not change it): "
	       "%llu bytes\n",
	       (unsigned long long)s->text);
	if (s->stripped)
		printf("libicmsg file after strip --strip-unneeded: %llu bytes (%llu unstripped), "
		       "%s\n",
		       (unsigned long long)s->stripped, (unsigned long long)s->file, s->path);
	else
		printf("libicmsg file after strip --strip-unneeded: n/a (%s); %llu bytes "
		       "unstripped, %s\n",
		       s->why, (unsigned long long)s->file, s->path);
}

static void print_rss(const struct bench *b)
{
	printf("icmsgd memory, %d simulation instances bound: ", BENCH_RSS_INSTANCES);
	if (b->rss_status != BENCH_DONE) {
		printf("%s (%s)\n", status_names[b->rss_status], b->rss_why);
		return;
	}
	printf("VmRSS %llu KiB, VmHWM %llu KiB (target <= %u KiB: %s)\n",
	       (unsigned long long)b->rss.rss_kib, (unsigned long long)b->rss.hwm_kib,
	       RSS_TARGET_KIB, b->rss.rss_kib <= RSS_TARGET_KIB ? "met" : "missed");
	printf("idle, %d instances bound for %.1f s: icmsgd used %.2f s of CPU, the peer's %d "
	       "libicmsg links %.2f s\n",
	       BENCH_RSS_INSTANCES, b->rss.idle_s, b->rss.idle_cpu_daemon_s, BENCH_RSS_INSTANCES,
	       b->rss.idle_cpu_peer_s);
}

/* "write 1.00, read 0.50, ...": the top calls per message. */
static void format_top(const struct bench_sys *s, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < BENCH_SYS_TOP && s->top_calls[i] && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s %.3f", i ? ", " : "",
					s->top[i], (double)s->top_calls[i] / (double)s->msgs);
}

/* The wall time of the strace runs. */
static double sys_secs(const struct bench *b)
{
	double secs = 0;

	for (size_t i = 0; i < b->n_sys; i++)
		secs += b->sys[i].sys.secs;
	return secs;
}

static void print_syscalls(const struct bench *b)
{
	char top[160];

	if (!b->sys_on || b->sys_why) {
		printf("system calls per message: n/a (%s)\n",
		       b->sys_why ? b->sys_why : "not asked for");
		return;
	}
	printf("\nsystem calls per message: strace -f -c of every process of the case, %llu "
	       "messages,\nless a run of one message (the setup calls)\n",
	       (unsigned long long)b->sys_count);
	printf("%-24s %9s %9s %7s %8s  %s\n", "case", "msgs", "calls", "setup", "per msg",
	       "top 3, per msg");
	for (size_t i = 0; i < b->n_sys; i++) {
		const struct bench_sys_row *s = &b->sys[i];

		if (s->status != BENCH_DONE) {
			printf("%-24s  %s: %s\n", s->id, status_names[s->status], s->why);
			continue;
		}
		format_top(&s->sys, top, sizeof(top));
		printf("%-24s %9llu %9llu %7llu %8.3f  %s\n", s->id,
		       (unsigned long long)s->sys.msgs, (unsigned long long)s->sys.calls,
		       (unsigned long long)s->sys.setup_calls,
		       (double)s->sys.calls / (double)s->sys.msgs, top);
	}
	printf("note: counted under strace (%.1f s in all), which stops every process at each "
	       "system call: these\nruns were far slower than the table's, so batches "
	       "(messages per wake-up) may differ from an\nunslowed run. sched_yield is the "
	       "bench's own busy waiting (a spinning side giving way now\nand then), not "
	       "libicmsg's.\n",
	       sys_secs(b));
}

void bench_print_table(const struct bench *b)
{
	char per[48];

	if (b->count)
		snprintf(per, sizeof(per), "%llu messages", (unsigned long long)b->count);
	else
		snprintf(per, sizeof(per), "%d ms", b->duration_ms);
	printf("icmsg-cli bench: %s per case, payload sizes in bytes, libicmsg %s\n", per,
	       icmsg_version_string());
	if (b->pinned >= 0)
		printf("two-process cases pinned to CPUs %d and %d; relay and icmsgd cases "
		       "unpinned\n", b->pinned / 1000, b->pinned % 1000);
	else if (b->pinned == -1)
		printf("fewer than two CPUs: nothing pinned, busy-polling cases share one\n");
	printf("%-28s %6s %6s %11s %9s %9s %9s %7s  %s\n", "what", "region", "size", "msgs/s",
	       "MB/s", "rtt med", "rtt p99", "cpu s", "vs baseline");
	for (size_t i = 0; i < b->n_rows; i++)
		print_row(&b->rows[i]);
	if (b->extras) {
		printf("icmsgd: %s\n", b->icmsgd ? b->icmsgd : "not found");
		print_rss(b);
		print_size(&b->size);
	}
	if (b->extras || b->sys_on)
		print_syscalls(b);
	printf("total run time: %.1f s\n", b->wall_s);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */

static void json_num(const char *name, double v, bool valid)
{
	if (valid)
		printf(",\"%s\":%.6g", name, v);
	else
		printf(",\"%s\":null", name);
}

/* Counts exactly: %g would round them. */
static void json_u64(const char *name, uint64_t v, bool valid)
{
	if (valid)
		printf(",\"%s\":%llu", name, (unsigned long long)v);
	else
		printf(",\"%s\":null", name);
}

static void json_str(const char *name, const char *s)
{
	printf(",\"%s\":", name);
	if (s)
		cli_json_write_string(stdout, s);
	else
		fputs("null", stdout);
}

static void json_row(const struct bench_row *row)
{
	const struct bench_kind_info *k = &bench_kinds[row->kind];
	bool done = row->status == BENCH_DONE;

	printf("{\"id\":\"%s\",\"case\":\"%s\"", row->id, k->key);
	json_str("mode", k->mode);
	json_str("status", status_names[row->status]);
	json_str("reason", done ? NULL : row->why);
	json_u64("region_bytes", row->region, row->region > 0);
	printf(",\"size\":%u", row->size);
	json_u64("msgs", row->msgs, done);
	json_num("elapsed_s", row->secs, done);
	json_num("msgs_per_s", row->msgs_per_s, done);
	json_num("mb_per_s", row->mb_per_s, done && !k->rtt);
	json_num("rtt_median_us", row->rtt_med_us, done && k->rtt);
	json_num("rtt_p99_us", row->rtt_p99_us, done && k->rtt);
	json_num("cpu_s", row->cpu_s, done);
	json_str("baseline", row->base ? row->base->id : NULL);
	json_num("vs_baseline", row->vs, row->base != NULL);
	putchar('}');
}

static void json_memory(const struct bench *b)
{
	bool done = b->rss_status == BENCH_DONE;

	printf(",\"daemon_memory\":");
	if (!b->extras) {
		fputs("null", stdout);
		return;
	}
	printf("{\"instances\":%d", BENCH_RSS_INSTANCES);
	json_u64("vm_rss_kib", b->rss.rss_kib, done);
	json_u64("vm_hwm_kib", b->rss.hwm_kib, done);
	json_num("idle_s", b->rss.idle_s, done);
	json_num("idle_cpu_daemon_s", b->rss.idle_cpu_daemon_s, done);
	json_num("idle_cpu_peer_s", b->rss.idle_cpu_peer_s, done);
	printf(",\"target_kib\":%u", RSS_TARGET_KIB);
	json_str("status", status_names[b->rss_status]);
	json_str("reason", done ? NULL : b->rss_why);
	putchar('}');
}

static void json_sys_case(const struct bench_sys_row *s)
{
	bool done = s->status == BENCH_DONE;
	double msgs = (double)s->sys.msgs;

	printf("{\"id\":\"%s\"", s->id);
	json_str("status", status_names[s->status]);
	json_str("reason", done ? NULL : s->why);
	json_u64("msgs", s->sys.msgs, done);
	json_u64("calls", s->sys.calls, done);
	json_u64("setup_calls", s->sys.setup_calls, done);
	json_num("per_msg", (double)s->sys.calls / msgs, done);
	printf(",\"top\":[");
	for (int i = 0; done && i < BENCH_SYS_TOP && s->sys.top_calls[i]; i++) {
		printf("%s{\"syscall\":", i ? "," : "");
		cli_json_write_string(stdout, s->sys.top[i]);
		printf(",\"calls\":%llu", (unsigned long long)s->sys.top_calls[i]);
		json_num("per_msg", (double)s->sys.top_calls[i] / msgs, true);
		putchar('}');
	}
	printf("]}");
}

static void json_syscalls(const struct bench *b)
{
	printf(",\"syscalls\":{\"status\":\"%s\"", b->sys_why ? "skipped" : "ok");
	json_str("reason", b->sys_why);
	json_u64("count", b->sys_count, !b->sys_why);
	json_num("elapsed_s", sys_secs(b), !b->sys_why);
	json_str("note", b->sys_why ? NULL
				     : "counted under strace, far slower than the table's runs; "
				       "the calls of a one-message run (setup) subtracted");
	printf(",\"cases\":[");
	for (size_t i = 0; !b->sys_why && i < b->n_sys; i++) {
		if (i)
			putchar(',');
		json_sys_case(&b->sys[i]);
	}
	printf("]}");
}

void bench_print_json(const struct bench *b)
{
	const struct bench_size *s = &b->size;

	printf("{\"duration_ms\":%d", b->duration_ms);
	json_u64("count", b->count, b->count > 0);
	json_num("elapsed_s", b->wall_s, true);
	printf(",\"max_size\":%u", b->max_size);
	json_str("icmsgd", b->icmsgd);
	json_u64("libicmsg_text_bytes", s->text, s->text > 0);
	json_u64("libicmsg_file_bytes", s->file, s->file > 0);
	json_u64("libicmsg_stripped_bytes", s->stripped, s->stripped > 0);
	json_str("libicmsg_stripped_note", s->stripped || !b->extras ? NULL : s->why);
	json_memory(b);
	json_syscalls(b);
	printf(",\"rows\":[");
	for (size_t i = 0; i < b->n_rows; i++) {
		if (i)
			putchar(',');
		json_row(&b->rows[i]);
	}
	printf("]}\n");
}
