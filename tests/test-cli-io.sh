#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Integration test of icmsg-cli's data-path and inspection options: send
# --file/--raw/--count/--interval, recv --raw/--timestamp, status --watch
# and the ring columns, dump --uio/--address/--raw/--json/--watch, monitor
# --timestamp.
#
# Usage: test-cli-io.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]
#   env ICMSG_VECTORS      the golden vectors (check_rx.txt and the images)
#   env ICMSG_FAKE_ICMSGD  tests/fake-icmsgd (default: $ICMSG_BUILD_ROOT/tests)
# Without PATH-TO-icmsgd (a build without the daemon) its cases are skipped.
#
# Daemon mode runs against tests/fake-icmsgd (max_send 16, every datagram
# echoed to every client), --direct against a second icmsg-cli process on
# the swapped configuration, dump --uio and --address against a fake sysfs
# tree and a sparse /dev/mem under $ICMSG_SYSROOT. JSON is checked with
# python3 when there is one; without it those checks are TAP skips.
# Nothing sleeps to wait for something: waits poll against a deadline.
set -euo pipefail

CLI=${1:?usage: test-cli-io.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]}
ICMSGD=${2:-}
VECTORS=${ICMSG_VECTORS:?ICMSG_VECTORS must name the vectors directory}
CHECK_RX=$VECTORS/check_rx.txt
FAKE=${ICMSG_FAKE_ICMSGD:-${ICMSG_BUILD_ROOT:-}/tests/fake-icmsgd}
PYTHON=$(command -v python3 || true)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cli.sh"

sanitizer_statuses
work_dir icmsg-cli-io-test

# Generous bound for anything that should happen "at once" (ASan builds).
WAIT_MS=10000

# ---------------------------------------------------------------------------
# Helpers

# check_json DESCRIPTION FILE PYTHON: a TAP case: FILE holds one JSON
# document (d) that PYTHON's asserts accept; with --lines before FILE, one
# document a line (docs, a list). Skipped without python3.
check_json() {
	local desc=$1 lines=0 file code
	shift
	if [ "$1" = --lines ]; then
		lines=1
		shift
	fi
	file=$1 code=$2
	if [ -z "$PYTHON" ]; then
		skip "$desc" "no python3"
		return
	fi
	if "$PYTHON" - "$file" "$lines" >"$WORK/py.out" 2>&1 <<EOF
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[2] == "1":
    docs = [json.loads(line) for line in text.splitlines()]
    d = docs[0] if docs else None
else:
    d = json.loads(text)
$code
EOF
	then
		ok "$desc"
	else
		diag "$(cat "$WORK/py.out")" "in:" "$(head -c 3000 "$file")"
		not_ok "$desc"
	fi
}

# usage_error ARGS...: icmsg-cli ARGS exits 2 with one line naming why.
usage_error() {
	local st=0
	run_cli "$WORK/u.out" "$WORK/u.err" "$@"
	expect_eq "exit status" 2 "$RC" || st=1
	expect_eq "stderr lines" 1 "$(($(wc -l <"$WORK/u.err")))" || st=1
	grep -q '^icmsg-cli: ' "$WORK/u.err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/u.err")"
	result "usage error exits 2: icmsg-cli $*" "$st"
}

# start_bg OUT ERR ARGS...: icmsg-cli ARGS in the background; sets BG_PID.
start_bg() {
	local out=$1 err=$2
	shift 2
	"$CLI" "$@" >"$out" 2>"$err" &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# finish_bg: wait for BG_PID to exit; its status in RC.
finish_bg() {
	RC=0
	wait_for_exit "$BG_PID" || RC=124
	wait "$BG_PID" || RC=$?
}

# delivered: after a send (status in RC, stderr in $WORK/err) with a recv
# in the background (start_bg, stderr in $WORK/recv.err): both exit 0.
delivered() {
	local st=0
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$WORK/err")"; st=1; }
	finish_bg
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$WORK/recv.err")"; st=1; }
	return "$st"
}

# wait_count FILE PATTERN N: until FILE has N lines matching the extended
# regex PATTERN (no single quotes in it).
wait_count() {
	wait_until "$3 lines /$2/ in $1" "$WAIT_MS" \
		sh -c "[ \"\$(grep -cE -- '$2' '$1')\" -ge $3 ]"
}

# interrupted_ok: SIGINT to BG_PID, then finish_bg; fails unless it exits 0.
interrupted_ok() {
	kill -INT "$BG_PID" 2>/dev/null || true
	finish_bg
	expect_eq "exit status after SIGINT" 0 "$RC"
}

# fake_recv ARGS...: recv through the fake in the background, returning
# once it is connected (so that nothing sent after is missed).
fake_recv() {
	local before
	before=$(connections "$FAKE_DIR")
	ICMSG_CONTROL=$FAKE_DIR/control.sock start_bg "$WORK/recv.out" "$WORK/recv.err" recv \
		"$@"
	wait_connections "$FAKE_DIR" "$before"
}

# Random bytes with NULs, newlines and every other value: $1 bytes.
random_file() {
	head -c "$2" /dev/urandom >"$1"
}

# ---------------------------------------------------------------------------
# 1. send and recv through icmsgd (fake-icmsgd: max_send 16, echoes)

case_fake_send_raw() {
	local st blob=$WORK/blob.bin

	# 1000 bytes: 62 messages of 16 bytes and one of 8.
	st=0
	random_file "$blob" 1000
	fake_recv ipc0 --raw --count 63 --timeout "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --raw --file "$blob"
	delivered || st=1
	cmp "$blob" "$WORK/recv.out" || st=1
	result "send --raw --file splits 1000 bytes at max_send 16; recv --raw -n 63 writes them back" \
		"$st"

	# The same from stdin, twice over with --count 2; --file - too.
	st=0
	random_file "$blob" 40
	fake_recv ipc0 --raw --count 6 --timeout "$WAIT_MS" || st=1
	RC=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send ipc0 --raw --count 2 <"$blob" \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	delivered || st=1
	cat "$blob" "$blob" >"$WORK/blob2.bin"
	cmp "$WORK/blob2.bin" "$WORK/recv.out" || st=1
	result "send --raw --count 2 from stdin: 3 messages twice, reassembled" "$st"

	st=0
	fake_recv ipc0 --raw --count 3 --timeout "$WAIT_MS" || st=1
	RC=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send ipc0 --raw --file - <"$blob" \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	delivered || st=1
	cmp "$blob" "$WORK/recv.out" || st=1
	result "send --raw --file - reads stdin" "$st"

	# --hex: the input is hex text, newlines included; split after decoding.
	st=0
	printf '00 01 02 03 04 05 06 07\n08:09:0a:0b:0c:0d:0e:0f\n1011 12\n' >"$WORK/blob.hex"
	fake_recv ipc0 --hex --count 2 --timeout "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --raw --hex --file "$WORK/blob.hex" -r
	delivered || st=1
	expect_eq "received" "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
10 11 12" "$(cat "$WORK/recv.out")" || st=1
	expect_eq "replies" "$(cat "$WORK/recv.out")" "$(cat "$WORK/out")" || st=1
	result "send --raw --hex --file -r decodes hex over lines, splits at max_send, replies" "$st"

	# --raw --hex decodes as it reads: a byte whose digits straddle two
	# reads (4096 bytes each) is still one byte.
	st=0
	{
		head -c 4095 /dev/zero | tr '\0' ' '
		printf 'abcd\n'
	} >"$WORK/straddle.hex"
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --raw --hex --file "$WORK/straddle.hex" -r
	expect_eq "exit status" 0 "$RC" || { diag "$(cat "$WORK/err")"; st=1; }
	expect_eq "reply" "ab cd" "$(cat "$WORK/out")" || st=1
	result "send --raw --hex: a byte's digits may straddle two reads" "$st"

	# Bad hex on stdin: the input is named "stdin" (it was a NULL --file).
	st=0
	RC=0
	echo zz | ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send ipc0 --raw --hex \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: invalid hex input (not a hex digit) -- 'stdin'" \
		"$(cat "$WORK/err")" || st=1
	RC=0
	printf '01 0' | ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send ipc0 --raw --hex \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "odd digits exit status" 1 "$RC" || st=1
	expect_eq "odd digits message" \
		"icmsg-cli: invalid hex input (each byte needs two hex digits) -- 'stdin'" \
		"$(cat "$WORK/err")" || st=1
	result "send --raw --hex: bad hex on stdin exits 1 naming stdin" "$st"

	# --raw needs max_send: --socket and a daemon without one leave it unknown.
	st=0
	RC=0
	"$CLI" send --socket "$FAKE_DIR/ipc0.sock" --raw <"$blob" >"$WORK/out" 2>"$WORK/err" ||
		RC=$?
	expect_eq "--socket exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: --raw needs the instance's max_send" "$WORK/err" || st=1
	RC=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send nolimit --raw <"$blob" \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "nolimit exit status" 1 "$RC" || st=1
	grep -q "max_send, which is not known" "$WORK/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/err")"
	result "send --raw refuses when max_send is unknown (--socket, null in the status)" "$st"
}

case_fake_send_file() {
	local st before

	st=0
	printf 'hello\nfile' >"$WORK/msg.txt"
	fake_recv ipc0 --count 1 --timeout "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --file "$WORK/msg.txt" --replies
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$WORK/err")"; st=1; }
	expect_eq "reply" 'hello\x0afile' "$(cat "$WORK/out")" || st=1
	finish_bg
	expect_eq "received" 'hello\x0afile' "$(cat "$WORK/recv.out")" || st=1
	result "send --file sends the whole file as one message (--replies works)" "$st"

	st=0
	printf 'de ad\nbe ef\n' >"$WORK/msg.hex"
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 -x -f "$WORK/msg.hex" -r
	expect_eq "exit status" 0 "$RC" || { diag "$(cat "$WORK/err")"; st=1; }
	expect_eq "reply" "de ad be ef" "$(cat "$WORK/out")" || st=1
	result "send --hex --file: one message of the hex bytes over several lines" "$st"

	# Oversize: a file is refused whole, before connecting.
	st=0
	printf '%017d' 0 >"$WORK/m17"
	before=$(connections "$FAKE_DIR")
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --file "$WORK/m17"
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: file '$WORK/m17' is 17 bytes, more than the instance's \
limit of 16 bytes (max_send; --raw splits it) -- 'ipc0'" "$(cat "$WORK/err")" || st=1
	expect_eq "connections" "$before" "$(connections "$FAKE_DIR")" || st=1
	RC=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send ipc0 --file - <"$WORK/m17" \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "stdin exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: stdin is 17 bytes, more than the instance's limit of 16" \
		"$WORK/err" || st=1
	result "send --file of 17 bytes is refused naming size and limit, nothing sent" "$st"

	# Oversize: a line is refused when it comes; the lines before went.
	st=0
	fake_recv ipc0 --count 1 --timeout "$WAIT_MS" || st=1
	RC=0
	printf 'short\n%040d\nnever\n' 0 | ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send \
		ipc0 >"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: line 2 of stdin is 40 bytes, more than the instance's \
limit of 16 bytes (max_send) -- 'ipc0'" "$(cat "$WORK/err")" || st=1
	finish_bg
	expect_eq "received" short "$(cat "$WORK/recv.out")" || st=1
	result "send of a stdin line of 40 bytes is refused naming line, size and limit" "$st"

	# An endless line is not read into memory whole.
	st=0
	RC=0
	timeout 10 "$CLI" send --control "$FAKE_DIR/control.sock" ipc0 </dev/zero \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "line 1 of stdin is longer than 196605 characters" "$WORK/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/err")"
	result "send of an endless stdin line stops at the longest line worth reading" "$st"

	st=0
	: >"$WORK/empty"
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --file "$WORK/empty"
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q 'empty message' "$WORK/err" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --file "$WORK/nonexistent"
	expect_eq "missing exit status" 1 "$RC" || st=1
	grep -q "cannot open: No such file or directory -- '$WORK/nonexistent'" "$WORK/err" ||
		st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --raw --file "$WORK/empty"
	expect_eq "--raw exit status" 0 "$RC" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/err")"
	result "send --file: an empty file is refused (--raw: nothing to send), a missing one too" \
		"$st"

	# An endless input is refused once it passes the limit, not read whole.
	st=0
	RC=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock timeout 10 "$CLI" send ipc0 --file /dev/zero \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: file '/dev/zero' is larger than the instance's limit of \
16 bytes (max_send; --raw splits it) -- 'ipc0'" "$(cat "$WORK/err")" || st=1
	RC=0
	yes 'de ad be ef' 2>/dev/null | ICMSG_CONTROL=$FAKE_DIR/control.sock timeout 10 "$CLI" \
		send ipc0 --hex --file - >"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "--hex exit status" 1 "$RC" || st=1
	expect_eq "--hex message" "icmsg-cli: stdin is larger than the instance's limit of \
16 bytes (max_send; --raw splits it) -- 'ipc0'" "$(cat "$WORK/err")" || st=1
	RC=0
	timeout 10 "$CLI" send --socket "$FAKE_DIR/ipc0.sock" --file /dev/zero \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "--socket exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: file '/dev/zero' is larger than the largest ICMsg message, \
65535 bytes" "$WORK/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/err")"
	result "send --file /dev/zero (and endless hex on stdin) is refused at the limit, at once" \
		"$st"
}

case_fake_count_interval() {
	local st t0 t1

	st=0
	fake_recv ipc0 --count 6 --timeout "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --count 3 a b
	delivered || st=1
	expect_eq "received" $'a\nb\na\nb\na\nb' "$(cat "$WORK/recv.out")" || st=1
	result "send --count 3 a b: the set three times, in order" "$st"

	st=0
	fake_recv ipc0 --count 4 --timeout "$WAIT_MS" || st=1
	RC=0
	printf 'x\ny\n' | ICMSG_CONTROL=$FAKE_DIR/control.sock "$CLI" send ipc0 -n 2 -r \
		>"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$WORK/err")"; st=1; }
	expect_eq "replies" $'x\ny\nx\ny' "$(cat "$WORK/out")" || st=1
	finish_bg
	expect_eq "received" $'x\ny\nx\ny' "$(cat "$WORK/recv.out")" || st=1
	result "send -n 2 -r with stdin lines: each line twice, four replies" "$st"

	# 5 messages 150 ms apart: about 600 ms from the first to the last
	# (pacing never goes early, but counts whole milliseconds: 580);
	# arrivals at least 50 ms apart (a third).
	st=0
	fake_recv ipc0 --count 5 --timestamp=mono --timeout "$WAIT_MS" || st=1
	t0=$(now_ms)
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 --count 5 --interval 150 tick
	t1=$(now_ms)
	delivered || st=1
	expect_eq "arrivals" 5 "$(grep -c ' tick$' "$WORK/recv.out")" || st=1
	if [ $((t1 - t0)) -lt 580 ]; then
		diag "5 messages at 150 ms intervals took $((t1 - t0)) ms"
		st=1
	fi
	if ! awk '{ t = $1 * 1000000; if (NR > 1 && t - last < 50000) bad = 1; last = t }
		END { exit bad }' "$WORK/recv.out"; then
		diag "arrivals closer than 50 ms:" "$(cat "$WORK/recv.out")"
		st=1
	fi
	result "send --count 5 --interval 150: five arrivals, paced" "$st"
}

case_fake_recv() {
	local st iso='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

	st=0
	fake_recv ipc0 --raw --count 3 --timeout "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 ab 'c d' $'\x7f\\'
	finish_bg
	expect_eq "recv exit status" 0 "$RC" || st=1
	printf 'abc d\177\134' >"$WORK/expected"
	cmp "$WORK/expected" "$WORK/recv.out" || st=1
	result "recv --raw writes the bytes unframed: no newline, no escapes" "$st"

	st=0
	fake_recv ipc0 --timestamp --count 2 --timeout "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 one 'two 2'
	finish_bg
	expect_eq "recv exit status" 0 "$RC" || st=1
	grep -qE "^$iso\+00:00 one\$" "$WORK/recv.out" || st=1
	grep -qE "^$iso\+00:00 two 2\$" "$WORK/recv.out" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/recv.out")"
	result "recv --timestamp: local ISO 8601 time with microseconds and zone (UTC)" "$st"

	# A zone east of UTC with minutes, in POSIX TZ spelling.
	st=0
	local before
	before=$(connections "$FAKE_DIR")
	TZ=IST-5:30 ICMSG_CONTROL=$FAKE_DIR/control.sock start_bg "$WORK/recv.out" \
		"$WORK/recv.err" recv ipc0 -T -x -n 1 -t "$WAIT_MS"
	wait_connections "$FAKE_DIR" "$before" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 AB
	finish_bg
	grep -qE "^$iso\+05:30 41 42\$" "$WORK/recv.out" || { diag "$(cat "$WORK/recv.out")"; st=1; }
	result "recv -T --hex: the zone as +05:30, then the hex bytes" "$st"

	st=0
	fake_recv ipc0 --timestamp=mono -n 1 -t "$WAIT_MS" || st=1
	run_fake_cli "$WORK/out" "$WORK/err" send ipc0 m
	finish_bg
	grep -qE '^[0-9]+\.[0-9]{6} m$' "$WORK/recv.out" || { diag "$(cat "$WORK/recv.out")"; st=1; }
	result "recv --timestamp=mono: monotonic seconds.microseconds" "$st"

	# Exit codes stay: 3 on timeout, 0 on SIGINT.
	st=0
	run_fake_cli "$WORK/out" "$WORK/err" recv ipc0 --raw --timeout 100
	expect_eq "timeout exit status" 3 "$RC" || st=1
	fake_recv ipc0 --raw || st=1
	interrupted_ok || st=1
	result "recv --raw exits 3 on timeout, 0 on SIGINT" "$st"
}

case_fake_status() {
	local st

	# Not a terminal: snapshots after a blank line, no escape sequences.
	st=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock start_bg "$WORK/st.out" "$WORK/st.err" status \
		--watch=0.1 ipc0
	wait_count "$WORK/st.out" '^NAME ' 2 || st=1
	interrupted_ok || st=1
	if grep -q $'\033' "$WORK/st.out"; then
		diag "escape sequences on a non-terminal"
		st=1
	fi
	# Snapshot 2 starts after a blank line and equals snapshot 1.
	if ! awk 'BEGIN { RS = ""; ORS = "\n" } { print > (FILENAME "." NR) }
		END { exit NR < 2 }' "$WORK/st.out"; then
		diag "fewer than two blank-line separated snapshots:" "$(cat "$WORK/st.out")"
		st=1
	else
		cmp -s "$WORK/st.out.1" "$WORK/st.out.2" || st=1
	fi
	grep -qE '^ipc0 +bound +magic .* 100/2040 +0/2040 +0 +2$' "$WORK/st.out" || st=1
	[ ! -s "$WORK/st.err" ] || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/st.out" "$WORK/st.err")"
	result "status --watch=0.1 on a non-tty: blank-line separated tables with ring fill" "$st"

	# A terminal (script(1) makes one): each refresh homes and clears.
	if command -v script >/dev/null && command -v timeout >/dev/null; then
		st=0
		RC=0
		ICMSG_CONTROL=$FAKE_DIR/control.sock script -qec "timeout --preserve-status -s INT \
1 '$CLI' status --watch=0.1 ipc0" "$WORK/tty.out" >/dev/null 2>&1 </dev/null || RC=$?
		expect_eq "exit status" 0 "$RC" || st=1
		local clears
		clears=$(grep -o $'\033\\[H\033\\[2J' "$WORK/tty.out" | wc -l)
		[ "$clears" -ge 2 ] || { diag "$clears screen clears"; st=1; }
		# The table starts right after the clear, on the same line.
		[ "$(grep -c $'\033\\[2JNAME ' "$WORK/tty.out")" -ge 2 ] || st=1
		[ "$st" -eq 0 ] || diag "$(od -c "$WORK/tty.out" | head -20)"
		result "status --watch on a terminal clears the screen (ANSI) before each table" "$st"
	else
		skip "status --watch on a terminal clears the screen" "no script(1) or timeout(1)"
	fi

	st=0
	ICMSG_CONTROL=$FAKE_DIR/control.sock start_bg "$WORK/st.out" "$WORK/st.err" status \
		--json -w0.1
	wait_count "$WORK/st.out" '^\{' 2 || st=1
	interrupted_ok || st=1
	result "status --json --watch exits 0 on SIGINT" "$st"
	# The last line may be cut by the signal only if written in pieces;
	# each reply is one write, so every line is whole.
	check_json "status --json --watch: one reply a line, each with instances and counters" \
		--lines "$WORK/st.out" '
assert len(docs) >= 2
for doc in docs:
    inst = doc["instances"][0]
    assert inst["name"] == "ipc0", inst
    c = inst["counters"]
    assert c["tx_ring_high_water"] == 148 and c["tx_ring_size"] == 2040, c'

	# No daemon: the plain command still fails with the message; the
	# watch says so each time and goes on until SIGINT.
	st=0
	local msg="icmsg-cli: cannot reach icmsgd at $WORK/none.sock: No such file or directory \
(is icmsgd running?)"
	run_cli "$WORK/st.out" "$WORK/st.err" status --control "$WORK/none.sock"
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "$msg" "$(cat "$WORK/st.err")" || st=1
	start_bg "$WORK/st.out" "$WORK/st.err" status --control "$WORK/none.sock" --watch=0.1
	wait_count "$WORK/st.err" 'is icmsgd running' 2 || st=1
	interrupted_ok || st=1
	expect_eq "distinct messages" "$msg" "$(sort -u "$WORK/st.err")" || st=1
	result "status without a daemon: exit 1 with the message; --watch repeats it, exits 0" "$st"
}

case_fake_monitor() {
	local st iso='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}'

	st=0
	run_fake_cli "$WORK/out" "$WORK/err" monitor --count 7 --timestamp
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "stamped lines" 7 "$(grep -cE "^$iso " "$WORK/out")" || st=1
	expect_eq "events" "ipc0: bound (magic)
ipc0: unbound (ECONNRESET)
reload (2 instances)" "$(sed -E "s/^$iso //" "$WORK/out" | grep -E 'bound|reload')" || st=1
	result "monitor --timestamp prefixes each event line with the local time" "$st"

	st=0
	run_fake_cli "$WORK/out" "$WORK/err" monitor -n 2 -Tmono
	expect_eq "exit status" 0 "$RC" || st=1
	grep -qE '^[0-9]+\.[0-9]{6} ipc0: unbound \(ECONNRESET\)$' "$WORK/out" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/out" "$WORK/err")"
	result "monitor -Tmono: monotonic stamps" "$st"

	run_fake_cli "$WORK/out" "$WORK/err" monitor --json --count 7
	check_json "monitor --json: every event line is an object with \"event\"" --lines \
		"$WORK/out" '
assert len(docs) == 7
assert [e["event"] for e in docs[:2]] == ["bound", "unbound"]
assert any(e["event"] == "reload" and e["instances"] == 2 for e in docs)'
}

case_fake() {
	open_fake "$WORK/fake" || return 0
	export TZ=UTC
	case_fake_send_raw
	case_fake_send_file
	case_fake_count_interval
	case_fake_recv
	case_fake_status
	case_fake_monitor
	stop_fake
	unset TZ
}

# ---------------------------------------------------------------------------
# 2. --direct: two icmsg-cli processes as the two cores

case_direct() {
	local dir=$WORK/direct st blob=$WORK/dblob.bin
	make_config "$dir"

	# 1000 bytes at the default peer-rx-buf-size of 128: 7 + 1 messages.
	st=0
	random_file "$blob" 1000
	start_bg "$WORK/recv.out" "$WORK/recv.err" recv --direct -c "$dir/peer.yaml" --raw -n 8 \
		-t "$WAIT_MS"
	run_cli "$WORK/out" "$WORK/err" send --direct -c "$dir/icmsg.yaml" --raw -f "$blob" \
		-t "$WAIT_MS"
	delivered || st=1
	cmp "$blob" "$WORK/recv.out" || st=1
	result "send --direct --raw splits at the link's max_send (128); recv --direct --raw" "$st"

	st=0
	start_bg "$WORK/recv.out" "$WORK/recv.err" recv --direct -c "$dir/peer.yaml" -n 4 \
		--timestamp=mono -t "$WAIT_MS"
	run_cli "$WORK/out" "$WORK/err" send --direct -c "$dir/icmsg.yaml" --count 2 \
		--interval 50 -t "$WAIT_MS" p q
	delivered || st=1
	expect_eq "received" $'p\nq\np\nq' "$(sed -E 's/^[0-9]+\.[0-9]{6} //' "$WORK/recv.out")" ||
		st=1
	result "send --direct --count 2 --interval 50: four messages in order" "$st"

	# Refused at once, before waiting for a peer (there is none now).
	st=0
	head -c 129 /dev/zero | tr '\0' x >"$WORK/m129"
	run_cli "$WORK/out" "$WORK/err" send --direct -c "$dir/icmsg.yaml" --file "$WORK/m129"
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: file '$WORK/m129' is 129 bytes, more than the link's \
limit of 128 bytes (peer-rx-buf-size, ring size; --raw splits it) -- 't0'" \
		"$(cat "$WORK/err")" || st=1
	run_cli "$WORK/out" "$WORK/err" send --direct -c "$dir/icmsg.yaml" ok "$(cat "$WORK/m129")"
	expect_eq "argument exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: message 1 is 129 bytes, more than the link's limit of 128" \
		"$WORK/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/err")"
	result "send --direct refuses a 129-byte file or argument before the bond" "$st"

	# A line is checked when it comes: the ones before it went.
	st=0
	start_bg "$WORK/recv.out" "$WORK/recv.err" recv --direct -c "$dir/peer.yaml" -n 1 \
		-t "$WAIT_MS"
	RC=0
	printf 'ok\n%0129d\nnever\n' 0 | "$CLI" send --direct -c "$dir/icmsg.yaml" \
		-t "$WAIT_MS" >"$WORK/out" 2>"$WORK/err" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: line 2 of stdin is 129 bytes, more than the link's \
limit of 128 bytes (peer-rx-buf-size, ring size) -- 't0'" "$(cat "$WORK/err")" || st=1
	finish_bg
	expect_eq "received" ok "$(cat "$WORK/recv.out")" || st=1
	result "send --direct refuses a 129-byte stdin line naming line, size and limit" "$st"
}

# ---------------------------------------------------------------------------
# 3. dump: fake sysfs (UIO), sparse /dev/mem, --raw, --json, --watch

# The vectors check_rx.txt describes, with the options their layout needs.
vector_args() {
	local sec dcache hs
	sec=$(check_rx_section "$(basename "$1")")
	dcache=$(sed -n 's/^dcache_align = //p' <<<"$sec")
	hs=$(sed -n 's/^handshake_word = //p' <<<"$sec")
	VARGS=(--dcache-alignment "${dcache:-0}")
	if [ "$hs" = yes ]; then
		VARGS+=(--handshake)
	fi
}

# decodes_as VECTOR ARGS...: dump ARGS (a source holding the vector's
# bytes) decodes as check_rx.txt says.
decodes_as() {
	local bin=$1 st=0 expected actual
	shift
	vector_args "$bin"
	run_cli "$WORK/d.out" "$WORK/d.err" dump "$@" "${VARGS[@]}"
	expect_eq "$(basename "$bin"): exit status" 0 "$RC" || { diag "$(cat "$WORK/d.err")"; st=1; }
	expected=$(check_rx_section "$(basename "$bin")" | expected_facts | normalise)
	actual=$(dump_facts <"$WORK/d.out" | normalise)
	expect_eq "$(basename "$bin")" "$expected" "$actual" || st=1
	return "$st"
}

# dump_matches DESCRIPTION VECTOR ARGS...: a TAP case of decodes_as.
dump_matches() {
	local desc=$1 st=0
	shift
	decodes_as "$@" || st=1
	result "$desc" "$st"
}

# put_attr FILE FORMAT VALUE: a sysfs attribute; sizes are "0x%x\n", as
# the kernel writes them.
put_attr() {
	mkdir -p "$(dirname "$1")"
	# shellcheck disable=SC2059 # the format is the argument
	printf "$2" "$3" >"$1"
}

# make_sysroot ROOT: uio0 named "ipc-shm" with map0 "ctrl" (one page) and
# map1 "shm" (two pages, in-page offset 0x40); uio1 named "other".
make_sysroot() {
	local root=$1 uio=$1/sys/class/uio
	mkdir -p "$root/dev"
	put_attr "$uio/uio0/name" '%s\n' ipc-shm
	put_attr "$uio/uio0/maps/map0/name" '%s\n' ctrl
	put_attr "$uio/uio0/maps/map0/size" '0x%x\n' 4096
	put_attr "$uio/uio0/maps/map0/offset" '0x%x\n' 0
	put_attr "$uio/uio0/maps/map1/name" '%s\n' shm
	put_attr "$uio/uio0/maps/map1/size" '0x%x\n' 8192
	put_attr "$uio/uio0/maps/map1/offset" '0x%x\n' 64
	put_attr "$uio/uio1/name" '%s\n' other
	# Map M at file offset M * 4096, as the kernel selects it.
	truncate -s $((4096 * 3)) "$root/dev/uio0"
	: >"$root/dev/uio1"
	# Physical memory: 1 GiB, sparse.
	truncate -s $((1 << 30)) "$root/dev/mem"
}

# place FILE OFFSET IMAGE: write IMAGE's bytes into FILE at OFFSET.
place() {
	dd if="$3" of="$1" bs=4096 seek="$2" oflag=seek_bytes conv=notrunc status=none
}

case_dump_sources() {
	local root=$WORK/sysroot bin count=0 st
	make_sysroot "$root"
	export ICMSG_SYSROOT=$root

	# Every vector through UIO map 1 (offset 0x40 in its page, then 0x100
	# into the map) and through /dev/mem at 0x3fff0080; sizes from check_rx.
	st=0
	for bin in "$VECTORS"/*.bin; do
		[ -f "$bin" ] || continue
		local size
		size=$(stat -c %s "$bin")
		# The UIO map is 8 KiB; bigger vectors go through /dev/mem only.
		if [ "$size" -le $((8192 - 64 - 256)) ]; then
			place "$root/dev/uio0" $((4096 + 64 + 256)) "$bin"
			decodes_as "$bin" --uio ipc-shm --map-name shm --offset 256 --size "$size" ||
				st=1
			count=$((count + 1))
		fi
		place "$root/dev/mem" $((0x3fff0080)) "$bin"
		decodes_as "$bin" --address 0x3fff0080 --size "$size" || st=1
	done
	[ "$count" -gt 0 ] || st=1
	result "dump --uio (by device and map name) and --address decode every vector as check_rx.txt" \
		"$st"

	# The other ways to name the device and map.
	bin=$VECTORS/disable_dc0_r256_msgs.bin
	place "$root/dev/uio0" $((4096 + 64 + 256)) "$bin"
	dump_matches "dump --uio uio0 --map 1 decodes the vector" "$bin" \
		--uio uio0 --map 1 --offset 0x100 --size 256
	dump_matches "dump --uio /dev/uio0 --map 1 decodes the vector" "$bin" \
		--uio /dev/uio0 --map 1 --offset 256 --size 256
	place "$root/dev/uio0" 512 "$bin"
	dump_matches "dump --uio ipc-shm (map 0 by default) --offset 512" "$bin" \
		--uio ipc-shm --offset 512 --size 256

	st=0
	run_cli "$WORK/d.out" "$WORK/d.err" dump --uio nosuch --size 256
	expect_eq "no device exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: cannot read region .*No such file or directory (no such UIO device \
or map: see /sys/class/uio) -- 'uio nosuch map 0'" "$WORK/d.err" || st=1
	run_cli "$WORK/d.out" "$WORK/d.err" dump --uio ipc-shm --map-name nosuch --size 256
	expect_eq "no map exit status" 1 "$RC" || st=1
	grep -q "map 'nosuch'" "$WORK/d.err" || st=1
	run_cli "$WORK/d.out" "$WORK/d.err" dump --uio ipc-shm --offset 4000 --size 256
	expect_eq "too big exit status" 1 "$RC" || st=1
	grep -q "(the region does not fit the map)" "$WORK/d.err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/d.err")"
	result "dump --uio: unknown device or map, a region beyond its map: exit 1, why" "$st"

	# The hex dump, as xxd prints it (offsets from the region's start).
	st=0
	run_cli "$WORK/d.out" "$WORK/d.err" dump --raw --uio ipc-shm --offset 512 --size 256
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "lines" 16 "$(($(wc -l <"$WORK/d.out")))" || st=1
	expect_eq "first line" "00000000: 1400 0000 a800 0000 000d 0000 456d 316c  \
............Em1l" "$(head -n 1 "$WORK/d.out")" || st=1
	if command -v xxd >/dev/null; then
		xxd "$bin" | cmp -s - "$WORK/d.out" || { diag "differs from xxd"; st=1; }
	fi
	printf 'Hello, world! 0123456789abcdef' >"$WORK/hello.bin"
	run_cli "$WORK/d.out" "$WORK/d.err" dump --raw --file "$WORK/hello.bin"
	expect_eq "short line" "00000000: 4865 6c6c 6f2c 2077 6f72 6c64 2120 3031  Hello, world! 01
00000010: 3233 3435 3637 3839 6162 6364 6566       23456789abcdef" "$(cat "$WORK/d.out")" ||
		st=1
	result "dump --raw prints the whole region as xxd does, a short last line padded" "$st"

	unset ICMSG_SYSROOT
}

# JSON of every vector: the same facts as check_rx.txt, in JSON fields.
case_dump_json() {
	local bin st=0 expected

	if [ -z "$PYTHON" ]; then
		skip "dump --json of every vector holds check_rx.txt's facts" "no python3"
	else
		for bin in "$VECTORS"/*.bin; do
			[ -f "$bin" ] || continue
			vector_args "$bin"
			run_cli "$WORK/j.out" "$WORK/j.err" dump --json --file "$bin" "${VARGS[@]}"
			[ "$RC" -eq 0 ] || { diag "$(basename "$bin"): exit $RC"; st=1; }
			expected=$(check_rx_section "$(basename "$bin")" | expected_facts | normalise)
			# The JSON as "key=value" lines, spelled as expected_facts does.
			if ! "$PYTHON" - "$WORK/j.out" >"$WORK/j.facts" 2>"$WORK/j.err" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["instance"] is None and len(d["regions"]) == 1
r = d["regions"][0]
assert r["region"] is None and r["source"]["type"] == "file" and r["valid"] is True
assert r["problems"] == []
yn = lambda b: "yes" if b else "no"
print("region_size=%d" % r["region_size"])
print("dcache_align=%d" % r["dcache_align"])
print("handshake_word=" + yn(r["handshake_word"]))
for k in ("rd_idx_off", "wr_idx_off", "data_off", "data_len", "rd_idx", "wr_idx"):
    print("%s=%d" % (k, r[k]))
if r["handshake_word"]:
    print("handshake_off=%d" % r["handshake_off"])
    print("handshake=0x%08x" % r["handshake"])
    assert r["handshake_req"] == r["handshake"] & 0xffff
    assert r["handshake_ack"] == r["handshake"] >> 16
else:
    assert r["handshake_off"] is None and r["handshake"] is None
print("messages=%d" % len(r["packets"]))
for i, p in enumerate(r["packets"]):
    assert p["index"] == i and len(p["first"]) == 2 * min(p["len"], 16)
    print("msg%d len=%d first=%s crc32=%s" % (i, p["len"], p["first"], p["crc32"]))
print("end=empty")
for k in ("used", "free", "pending_bytes", "magic_first", "packets"):
    assert k in r, k
EOF
			then
				diag "$(basename "$bin"):" "$(cat "$WORK/j.err")"
				st=1
				continue
			fi
			expect_eq "$(basename "$bin")" "$expected" "$(normalise <"$WORK/j.facts")" || st=1
		done
		result "dump --json of every vector: valid JSON holding check_rx.txt's facts" "$st"
	fi

	# A corrupt region: exit 1, valid false, the problem in "problems".
	cp "$VECTORS/disable_dc0_r256_msgs.bin" "$WORK/corrupt.bin"
	printf '\xfc\x00\x00\x00' | dd of="$WORK/corrupt.bin" bs=1 seek=4 conv=notrunc status=none
	run_cli "$WORK/j.out" "$WORK/j.err" dump --json --file "$WORK/corrupt.bin"
	st=0
	expect_eq "exit status" 1 "$RC" || st=1
	result "dump --json of a corrupt region exits 1" "$st"
	check_json "dump --json of a corrupt region: valid false, the problem listed" \
		"$WORK/j.out" '
r = d["regions"][0]
assert r["valid"] is False and len(r["problems"]) == 1, r
assert "wr_idx" in r["problems"][0]
assert r["used"] is None and r["free"] is None'

	# A configuration: both regions, named, with the instance.
	local dir=$WORK/jsoncfg
	make_config "$dir" "dcache-alignment: 8" "unbound: enable"
	run_cli "$WORK/j.out" "$WORK/j.err" dump --json -c "$dir/icmsg.yaml"
	check_json "dump --json -c: instance, both regions with their source" "$WORK/j.out" '
assert d["instance"] == "t0"
assert [r["region"] for r in d["regions"]] == ["rx", "tx"]
for r in d["regions"]:
    assert r["source"]["type"] == "file" and r["source"]["size"] == 2048
    assert r["handshake_word"] is True and r["dcache_align"] == 8
assert d["regions"][1]["source"]["offset"] == 2048'

	export ICMSG_SYSROOT=$WORK/sysroot
	run_cli "$WORK/j.out" "$WORK/j.err" dump --json --uio ipc-shm --map-name shm --offset 256 \
		--size 256
	check_json "dump --json --uio: the source names device, map and offset" "$WORK/j.out" '
s = d["regions"][0]["source"]
assert s == {"type": "uio", "device": "ipc-shm", "map": None, "map_name": "shm",
             "offset": 256, "size": 256}, s'
	run_cli "$WORK/j.out" "$WORK/j.err" dump --json --address 0x3fff0080 --size 256
	check_json "dump --json --address: the source is devmem at the address" "$WORK/j.out" '
s = d["regions"][0]["source"]
assert s == {"type": "devmem", "address": 0x3fff0080, "size": 256}, s'
	unset ICMSG_SYSROOT
}

case_dump_watch() {
	local img=$WORK/watch.bin st

	# Consume everything: rd_idx 20 -> wr_idx 168 (the u32 at offset 0).
	st=0
	cp "$VECTORS/disable_dc0_r256_msgs.bin" "$img"
	start_bg "$WORK/w.out" "$WORK/w.err" dump --watch=20 --file "$img"
	wait_for_line "$WORK/w.out" '^end = empty$' || st=1
	printf '\xa8\x00\x00\x00' | dd of="$img" bs=1 seek=0 conv=notrunc status=none
	wait_for_line "$WORK/w.out" '^# [0-9T:.+-]+: rd_idx 20 -> 168$' || st=1
	interrupted_ok || st=1
	expect_eq "change lines" 1 "$(grep -c -- '-> ' "$WORK/w.out")" || st=1
	# After the change line, the region again, now empty.
	expect_eq "after" $'rd_idx = 168\nwr_idx = 168\nused = 0' \
		"$(sed -n '/-> 168$/,$p' "$WORK/w.out" | grep -E '^(rd_idx|wr_idx|used) =')" || st=1
	grep -qE '^# [0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/w.out" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/w.out" "$WORK/w.err")"
	result "dump --watch prints a timestamped change line and the region again" "$st"

	# A live instance: a message sent into the tx region shows as its
	# packet. The sim (which would read it at once) is stopped once
	# bound, and the second message comes 1 s after the bond, so that the
	# packet waits in the ring for the dump to see it.
	st=0
	local dir=$WORK/wlive spid dpid
	make_config "$dir"
	start_sim "$dir" --mode sink
	spid=$SIM_PID
	# The last case's output must not satisfy this one's waits.
	: >"$WORK/w.out"
	start_bg "$WORK/w.out" "$WORK/w.err" dump -c "$dir/icmsg.yaml" --region tx -w20
	dpid=$BG_PID
	wait_for_line "$WORK/w.out" '^end = empty$' || st=1
	start_bg "$WORK/out" "$WORK/err" send --direct -c "$dir/icmsg.yaml" -t "$WAIT_MS" \
		-n 2 --interval 1000 watched
	wait_for_line "$dir/sim.out" '^bound' || st=1
	kill -STOP "$spid"
	wait_for_line "$WORK/w.out" '^msg[0-9]+ .* data=77617463686564$' || st=1
	kill -CONT "$spid"
	finish_bg
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$WORK/err")"; st=1; }
	BG_PID=$dpid
	interrupted_ok || st=1
	stop_sim "$dir" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/w.out" "$WORK/w.err")"
	result "dump -c --region tx --watch shows the packet of send's message" "$st"

	st=0
	cp "$VECTORS/disable_dc0_r256_msgs.bin" "$img"
	start_bg "$WORK/w.out" "$WORK/w.err" dump --json --watch=20 --file "$img"
	wait_for_line "$WORK/w.out" '^\{' || st=1
	printf '\xa8\x00\x00\x00' | dd of="$img" bs=1 seek=0 conv=notrunc status=none
	wait_count "$WORK/w.out" '^\{' 2 || st=1
	interrupted_ok || st=1
	result "dump --json --watch exits 0 on SIGINT" "$st"
	check_json "dump --json --watch: one object a line, each with time, then the change" \
		--lines "$WORK/w.out" '
assert len(docs) == 2, len(docs)
assert all("T" in doc["time"] for doc in docs)
assert docs[0]["regions"][0]["rd_idx"] == 20 and len(docs[0]["regions"][0]["packets"]) == 6
assert docs[1]["regions"][0]["rd_idx"] == 168 and docs[1]["regions"][0]["packets"] == []'
}

# ---------------------------------------------------------------------------
# 4. the real icmsgd, with a simulated remote core that echoes

case_icmsgd() {
	local dir=$WORK/real st ctl blob=$WORK/rblob.bin before
	if [ -z "$ICMSGD" ]; then
		skip "send --raw, recv --raw and status --watch through the real icmsgd" \
			"built without the daemon"
		return
	fi
	make_config "$dir"
	ctl=$dir/run/control.sock
	{
		echo "daemon:"
		echo "  runtime-dir: $dir/run"
		cat "$dir/icmsg.yaml"
	} >"$dir/icmsgd.yaml"
	start_sim "$dir"
	"$ICMSGD" -c "$dir/icmsgd.yaml" -d "$dir/conf.d" >"$dir/icmsgd.log" 2>&1 &
	PIDS+=("$!")
	local dpid=$!

	st=0
	wait_until "the instance is bound" "$WAIT_MS" \
		sh -c "'$CLI' status --control '$ctl' t0 | grep -q ' bound '" || st=1
	result "icmsgd and the sim bond" "$st"

	# 3000 bytes at max_send 128: 23 + 1 messages, through the ring to the
	# sim and back to recv, unpaced: the ring (15 such messages) fills and
	# send shuts down its side while icmsgd still holds some of them.
	st=0
	random_file "$blob" 3000
	start_bg "$WORK/recv.out" "$WORK/recv.err" recv --control "$ctl" t0 --raw -n 24 \
		-t "$WAIT_MS"
	wait_until "recv connected" "$WAIT_MS" \
		sh -c "'$CLI' status --control '$ctl' -v t0 | grep -q 'client: pid $BG_PID '" ||
		st=1
	run_cli "$WORK/out" "$WORK/err" send --control "$ctl" -t "$WAIT_MS" t0 --raw -f "$blob"
	delivered || st=1
	cmp "$blob" "$WORK/recv.out" || st=1
	[ "$st" -eq 0 ] || diag "sim:" "$(cat "$dir/sim.out" "$dir/sim.err")" "icmsgd:" \
		"$(cat "$dir/icmsgd.log")"
	result "icmsgd: send --raw of 3000 bytes at max_send 128 comes back whole to recv --raw" \
		"$st"

	st=0
	head -c 129 /dev/zero | tr '\0' y >"$WORK/m129"
	run_cli "$WORK/out" "$WORK/err" send --control "$ctl" t0 --file "$WORK/m129"
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "more than the instance's limit of 128 bytes (max_send; --raw splits it)" \
		"$WORK/err" || st=1
	result "icmsgd: send --file of 129 bytes is refused with its max_send" "$st"

	st=0
	start_bg "$WORK/st.out" "$WORK/st.err" status --control "$ctl" --watch=0.1
	wait_count "$WORK/st.out" '^NAME ' 2 || st=1
	interrupted_ok || st=1
	grep -q '^NAME  *STATE  *VARIANT  *BONDED-SINCE  *TX-MSGS  *RX-MSGS  *TX-RING  *RX-RING ' \
		"$WORK/st.out" || st=1
	# Ring fill now (the echoes are all read back: nothing or little).
	grep -qE "^t0 +bound +magic +[0-9-]+ [0-9:]+ +[0-9]+ +[0-9]+ +[0-9]+/2040 +[0-9]+/2040 " \
		"$WORK/st.out" || st=1
	# The ring held at least one message of 128 bytes (+ header) at once.
	local hw='(1[3-9][0-9]|[2-9][0-9][0-9]|[0-9]{4})/2040'
	run_cli "$WORK/stv.out" "$WORK/stv.err" status --control "$ctl" -v t0
	grep -qE "^  tx ring high water: $hw$" "$WORK/stv.out" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/st.out" "$WORK/st.err" "$WORK/stv.out")"
	result "icmsgd: status --watch shows ring fill, -v the high-water marks of 2040-byte rings" \
		"$st"

	kill -TERM "$dpid" 2>/dev/null || true
	wait_for_exit "$dpid" || true
	wait "$dpid" 2>/dev/null || true
	stop_sim "$dir" || true
}

# ---------------------------------------------------------------------------
# 5. help and usage errors

case_usage() {
	local cmd opt st dir=$WORK/usage
	make_config "$dir"

	# Every new option is in its command's --help, in the aligned style.
	local -A help=(
		[send]="-f, --file PATH|--raw|-n, --count N|--interval MS"
		[recv]="--raw|-T, --timestamp\[=FORMAT\]"
		[status]="-w, --watch\[=SECONDS\]"
		[dump]="--uio DEVICE|--map N|--map-name NAME|--address PHYS|--raw|-j, --json|-w, --watch\[=MS\]"
		[monitor]="-T, --timestamp\[=FORMAT\]"
	)
	for cmd in send recv status dump monitor; do
		st=0
		run_cli "$WORK/h.out" "$WORK/h.err" "$cmd" --help
		expect_eq "exit status" 0 "$RC" || st=1
		local IFS='|'
		for opt in ${help[$cmd]}; do
			if ! grep -qE "^  (    )?$opt +[a-z(]" "$WORK/h.out"; then
				diag "$cmd --help lacks an aligned line for '$opt'"
				st=1
			fi
		done
		unset IFS
		# Descriptions start in one column (29), as everywhere.
		if awk '/^  -/ || /^      --/ {
				if (match($0, /^ +-[^ ]*( [^ ]+)*  +/) && RLENGTH != 29) bad = 1
			} END { exit !bad }' "$WORK/h.out"; then
			diag "$cmd --help: an option description out of column 29"
			st=1
		fi
		result "$cmd --help documents its new options in the aligned style" "$st"
	done

	usage_error send --raw t0 message
	usage_error send --file "$dir/icmsg.yaml" t0 message
	usage_error send --count 0 t0 x
	usage_error send --interval -1 t0 x
	usage_error send --file "" t0
	usage_error recv --raw --hex t0
	usage_error recv --raw --timestamp t0
	usage_error recv --timestamp=utc t0
	usage_error monitor --json --timestamp
	usage_error status --watch=0 t0
	usage_error status --watch=1.2345
	usage_error status --watch=x
	usage_error dump --uio ipc-shm
	usage_error dump --address 0x1000
	usage_error dump --address 0x1000 --offset 4 --size 256
	usage_error dump --map 1 --file "$dir/shm.bin"
	usage_error dump --map-name shm -c "$dir/icmsg.yaml"
	usage_error dump --uio u --map 1 --map-name shm --size 256
	usage_error dump --uio u --file "$dir/shm.bin" --size 256
	usage_error dump --uio u --size 256 -c "$dir/icmsg.yaml"
	usage_error dump --raw --json --file "$dir/shm.bin"
	usage_error dump --watch=0 --file "$dir/shm.bin"
	usage_error dump --uio "" --size 256
	usage_error dump --map 256 --uio u --size 256
}

case_fake
case_direct
case_dump_sources
case_dump_json
case_dump_watch
case_icmsgd
case_usage

summary cli-io
