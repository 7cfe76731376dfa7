#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# icmsg-cli bench: a short run (--quick --json) exits 0, prints one JSON
# object, and every row measured something. No timing thresholds: the
# numbers depend on the machine.
#
# Usage: test-bench.sh PATH-TO-icmsg-cli
set -euo pipefail

CLI=${1:?usage: test-bench.sh PATH-TO-icmsg-cli}

. "$(dirname "$0")/lib.sh"
sanitizer_statuses
work_dir icmsg-bench

run_to "$WORK/out" "$WORK/err" "$CLI" bench --quick --json
st=0
[ "$RC" -eq 0 ] || { diag "exit status $RC" "$(cat "$WORK/err")"; st=1; }
result "bench --quick --json exits 0" "$st"

st=0
python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/out" ||
	{ diag "not JSON:" "$(head -c 2000 "$WORK/out")"; st=1; }
result "the output parses as JSON" "$st"

st=0
python3 - "$WORK/out" <<'PY' || st=1
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc.get("rows")
if not isinstance(rows, list) or not rows:
    sys.exit("# no rows")
bad = [r for r in rows if not isinstance(r.get("msgs_per_s"), (int, float)) or r["msgs_per_s"] <= 0]
for r in bad:
    print("# row without a positive msgs_per_s:", json.dumps(r))
cases = {r.get("case") for r in rows}
want = {"ideal-ring", "doorbell-ring", "fifo-pingpong", "seqpacket-stream",
        "seqpacket-rtt", "libicmsg-stream", "libicmsg-rtt"}
if want - cases:
    print("# missing cases:", sorted(want - cases))
sys.exit(1 if bad or want - cases else 0)
PY
result "every row has a positive msgs_per_s, every case is there" "$st"

st=0
grep -qE '^bench: \[1/[0-9]+\] ' "$WORK/err" || { diag "no progress lines on stderr"; st=1; }
result "progress lines on stderr" "$st"

st=0
run_to "$WORK/out2" "$WORK/err2" "$CLI" bench --duration-ms 0
[ "$RC" -eq 2 ] || { diag "--duration-ms 0: exit status $RC"; st=1; }
run_to "$WORK/out2" "$WORK/err2" "$CLI" bench extra
[ "$RC" -eq 2 ] || { diag "an argument: exit status $RC"; st=1; }
result "bench refuses a zero duration and arguments (usage, 2)" "$st"

summary bench-smoke
