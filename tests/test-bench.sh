#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# icmsg-cli bench: a short run (--quick --json) exits 0, prints one JSON
# object, every row measured something sane or was skipped for a reason
# it names, the lines beside the table are there; --only and --count run
# one case for a given number of messages; --syscalls counts system calls
# (when strace is installed and may trace). No timing thresholds: the
# numbers depend on the machine. System call counts are checked against
# what each case must make per message, which does not.
#
# Usage: test-bench.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]
#   Without icmsgd the daemon rows must be skipped, not failed.
set -euo pipefail

CLI=${1:?usage: test-bench.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]}
ICMSGD=${2:-}

. "$(dirname "$0")/lib.sh"
sanitizer_statuses
work_dir icmsg-bench

if [ -n "$ICMSGD" ]; then
	daemon_opt=(--icmsgd "$ICMSGD")
else
	daemon_opt=()
fi

# check_json FILE PYTHON-BODY: run the body with `doc` the parsed FILE;
# it calls fail(...) for each problem. Its status is the case's.
check_json() {
	python3 - "$1" "$ICMSGD" <<PY
import json, sys
doc = json.load(open(sys.argv[1]))
icmsgd = sys.argv[2]
problems = []
def fail(*what):
    problems.append(" ".join(str(w) for w in what))
def pos(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
$2
for p in problems:
    print("#", p)
sys.exit(1 if problems else 0)
PY
}

# ---- a whole short run ----------------------------------------------------

run_to "$WORK/out" "$WORK/err" "$CLI" bench --quick --json "${daemon_opt[@]}"
st=0
[ "$RC" -eq 0 ] || { diag "exit status $RC" "$(tail -20 "$WORK/err")"; st=1; }
result "bench --quick --json exits 0" "$st"

st=0
python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/out" ||
	{ diag "not JSON:" "$(head -c 2000 "$WORK/out")"; st=1; }
result "the output parses as JSON" "$st"

st=0
check_json "$WORK/out" '
rows = doc.get("rows") or []
if not rows:
    fail("no rows")
for r in rows:
    if r.get("status") == "ok":
        if not pos(r.get("msgs_per_s")) or not pos(r.get("msgs")) or not pos(r.get("elapsed_s")):
            fail("no positive rate:", json.dumps(r))
        if r.get("cpu_s") is None or r["cpu_s"] < 0:
            fail("no cpu_s:", r["id"])
        if r["case"].endswith("rtt") or r["case"] == "fifo-pingpong":
            if not pos(r.get("rtt_median_us")) or not r.get("rtt_p99_us", 0) >= r["rtt_median_us"]:
                fail("round trip without median <= p99:", json.dumps(r))
        elif not pos(r.get("mb_per_s")):
            fail("stream without MB/s:", r["id"])
    elif r.get("status") == "skipped":
        if not r.get("case", "").startswith("daemon-") or r.get("reason") != "icmsgd not found":
            fail("skipped for no good reason:", json.dumps(r))
    else:
        fail("not ok:", json.dumps(r))
' || st=1
result "every row ok with positive rates, or skipped because icmsgd is missing" "$st"

st=0
check_json "$WORK/out" '
seen = {(r["case"], r["mode"]) for r in doc["rows"]}
want = {("ideal-ring", None), ("ideal-ring-rtt", None), ("doorbell-ring", None),
        ("fifo-pingpong", None), ("seqpacket-stream", None), ("seqpacket-rtt", None),
        ("relay-stream", None), ("relay-rtt", None),
        ("libicmsg-stream", "spin"), ("libicmsg-rtt", "spin"),
        ("libicmsg-stream", "event"), ("libicmsg-rtt", "event"),
        ("daemon-stream", None), ("daemon-rtt", None)}
for m in sorted(want - seen, key=str):
    fail("missing case:", m)
ids = {r["id"] for r in doc["rows"]}
for i in ("ring-bell-64", "lib-spin-stream-64-r2k", "lib-event-rtt-max", "relay-stream-1024",
          "daemon-stream-64", "daemon-stream-1024", "daemon-rtt-64"):
    if i not in ids:
        fail("missing id:", i)
' || st=1
result "every case is there, libicmsg in both modes, the daemon rows" "$st"

st=0
check_json "$WORK/out" '
base_of = {("libicmsg-stream", "spin"): "ring-stream", ("libicmsg-rtt", "spin"): "ring-rtt",
           ("libicmsg-stream", "event"): "ring-bell", ("libicmsg-rtt", "event"): "fifo-rtt",
           ("daemon-stream", None): "relay-stream", ("daemon-rtt", None): "relay-rtt"}
for r in doc["rows"]:
    want = base_of.get((r["case"], r["mode"]))
    if r["status"] != "ok" or not want:
        continue
    size = "max" if r["size"] == doc["max_size"] else str(r["size"])
    want += "" if want == "fifo-rtt" else "-" + size
    if r.get("baseline") != want or not pos(r.get("vs_baseline")):
        fail(r["id"], "compared with", r.get("baseline"), r.get("vs_baseline"), "not", want)
' || st=1
result "libicmsg and icmsgd rows have a ratio to their baseline at their size" "$st"

st=0
check_json "$WORK/out" '
if icmsgd:
    for r in doc["rows"]:
        if r["case"].startswith("daemon-") and r["status"] != "ok":
            fail("icmsgd was given, yet:", json.dumps(r))
m = doc.get("daemon_memory") or {}
if m.get("status") == "ok":
    if not pos(m.get("vm_rss_kib")) or not m.get("vm_hwm_kib", 0) >= m["vm_rss_kib"]:
        fail("memory without VmRSS <= VmHWM:", json.dumps(m))
    if m.get("instances") != 16 or m.get("target_kib") != 4096:
        fail("memory of another setup:", json.dumps(m))
    # Idle links sleep: a busy loop would show about idle_s of CPU.
    if not (m.get("idle_s", 0) >= 1 and m.get("idle_cpu_daemon_s", 1) < 0.1
            and m.get("idle_cpu_peer_s", 1) < 0.1):
        fail("CPU used while idle:", json.dumps(m))
elif icmsgd or m.get("status") != "skipped" or m.get("reason") != "icmsgd not found":
    fail("no memory measurement:", json.dumps(m))
' || st=1
result "the daemon rows ran and its memory with 16 instances was read (or no icmsgd)" "$st"

st=0
check_json "$WORK/out" '
if not pos(doc.get("libicmsg_text_bytes")) or not pos(doc.get("libicmsg_file_bytes")):
    fail("no libicmsg size:", doc.get("libicmsg_text_bytes"), doc.get("libicmsg_file_bytes"))
s = doc.get("libicmsg_stripped_bytes")
if s is None:
    if doc.get("libicmsg_stripped_note") != "strip not found":
        fail("no stripped size, and no note why:", doc.get("libicmsg_stripped_note"))
elif not pos(s) or s > doc["libicmsg_file_bytes"]:
    fail("stripped size", s, "of a", doc["libicmsg_file_bytes"], "bytes file")
sc = doc.get("syscalls") or {}
if sc.get("status") != "skipped" or sc.get("reason") != "not asked for":
    fail("--quick counted system calls:", json.dumps(sc))
' || st=1
result "libicmsg text, file and stripped sizes; no strace in a quick run" "$st"

st=0
grep -qE '^bench: \[1/[0-9]+\] ' "$WORK/err" || { diag "no progress lines on stderr"; st=1; }
result "progress lines on stderr" "$st"

# ---- one case, a count ---------------------------------------------------

# only ID COUNT: run case ID for COUNT messages; its single row must have
# exactly that many.
only() {
	run_to "$WORK/only" "$WORK/only.err" "$CLI" bench --only "$1" --count "$2" --json \
		"${daemon_opt[@]}"
	[ "$RC" -eq 0 ] || { diag "--only $1: exit status $RC" "$(tail -5 "$WORK/only.err")"; return 1; }
	check_json "$WORK/only" "
rows = doc.get('rows') or []
if len(rows) != 1 or rows[0].get('id') != '$1':
    fail('--only $1 ran', [r.get('id') for r in rows])
elif rows[0]['status'] == 'skipped' and not icmsgd and '$1'.startswith('daemon-'):
    pass
elif rows[0].get('msgs') != $2:
    fail('--only $1 --count $2 measured', rows[0].get('msgs'), rows[0].get('status'))
if doc.get('daemon_memory') is not None or doc.get('libicmsg_text_bytes') is not None:
    fail('--only measured more than its case')
"
}

st=0
only ring-bell-64 3000 || st=1
only lib-spin-stream-256 5000 || st=1
only lib-event-rtt-64 300 || st=1
only relay-rtt-64 300 || st=1
only daemon-stream-1024 2000 || st=1
result "--only ID --count N measures N messages of that case alone" "$st"

st=0
run_to "$WORK/list" "$WORK/err2" "$CLI" bench --list
[ "$RC" -eq 0 ] && grep -qx 'lib-event-stream-64' "$WORK/list" && grep -qx 'daemon-rtt-64' "$WORK/list" ||
	{ diag "--list: status $RC" "$(head -5 "$WORK/list")"; st=1; }
run_to "$WORK/out2" "$WORK/err2" "$CLI" bench --only no-such-case
[ "$RC" -eq 2 ] || { diag "--only no-such-case: exit status $RC"; st=1; }
run_to "$WORK/out2" "$WORK/err2" "$CLI" bench --count 0
[ "$RC" -eq 2 ] || { diag "--count 0: exit status $RC"; st=1; }
run_to "$WORK/out2" "$WORK/err2" "$CLI" bench --duration-ms 0
[ "$RC" -eq 2 ] || { diag "--duration-ms 0: exit status $RC"; st=1; }
run_to "$WORK/out2" "$WORK/err2" "$CLI" bench extra
[ "$RC" -eq 2 ] || { diag "an argument: exit status $RC"; st=1; }
result "--list; unknown cases, zero counts and durations, arguments refused (usage, 2)" "$st"

# ---- system calls --------------------------------------------------------

# syscalls ID MIN MAX: count ID's system calls; per message within [MIN, MAX].
syscalls() {
	run_to "$WORK/sys" "$WORK/sys.err" "$CLI" bench --only "$1" --count 4000 --syscalls --json \
		"${daemon_opt[@]}"
	[ "$RC" -eq 0 ] || { diag "--syscalls $1: exit status $RC" "$(tail -5 "$WORK/sys.err")"; return 1; }
	check_json "$WORK/sys" "
sc = doc.get('syscalls') or {}
cases = sc.get('cases') or []
if sc.get('status') == 'skipped' and sc.get('reason') in ('strace not installed', 'strace cannot trace here'):
    pass
elif len(cases) != 1 or cases[0].get('status') != 'ok':
    fail('no count for $1:', json.dumps(sc))
else:
    c = cases[0]
    if not $2 <= c['per_msg'] <= $3:
        fail('$1: %.3f system calls per message, not in [$2, $3]:' % c['per_msg'], json.dumps(c))
    if not pos(c.get('setup_calls')) or not c.get('top'):
        fail('$1: no setup calls or no top calls:', json.dumps(c))
"
}

st=0
if command -v strace >/dev/null; then
	# A doorbell byte per message is the floor of (b); libicmsg's batched
	# stream, read in place, stays far below one call per message.
	syscalls ring-bell-64 1 4 || st=1
	syscalls lib-spin-stream-64 0 0.5 || st=1
	result "--syscalls: (b) makes a call per message, libicmsg's spin stream far fewer" "$st"
else
	skip "--syscalls counts system calls per message" "strace is not installed"
fi

summary bench-smoke
