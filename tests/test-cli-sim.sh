#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# icmsg-cli sim as a load and fault generator: generate mode (rate, sizes,
# patterns, seed), --reset-every, --corrupt, the statistics (--json) and
# the usage errors. The other side is `icmsg-cli recv --direct` on the same
# instance and, when its path is given, the real icmsgd (the long-lived
# peer that shows a fault and its recovery).
#
# Usage: test-cli-sim.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]
#
# Nothing here sleeps to wait for something: waits poll a file or a process
# against a deadline. Timing checks allow a factor of 3 either way.
set -euo pipefail

CLI=${1:?usage: test-cli-sim.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]}
DAEMON=${2:-}

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cli.sh"

sanitizer_statuses
work_dir icmsg-cli-sim

# Bound for anything that should happen "at once" (ASan builds are slow).
WAIT_MS=10000
# A bound on every sim run in the foreground, should one hang.
SIM_MAX_MS=30000

# start_recv DIR TAG [RECV-OPTION]...: `recv --direct` on DIR/icmsg.yaml in
# the background, stdout to DIR/TAG.out, stderr to DIR/TAG.err; sets RECV_PID.
start_recv() {
	local dir=$1 tag=$2
	shift 2
	"$CLI" recv --direct -c "$dir/icmsg.yaml" "$@" >"$dir/$tag.out" 2>"$dir/$tag.err" &
	RECV_PID=$!
	PIDS+=("$RECV_PID")
}

# stop_recv PID: SIGINT a recv (if still running) and collect its status in RC.
stop_recv() {
	kill -INT "$1" 2>/dev/null || true
	RC=0
	wait_for_exit "$1" || RC=124
	wait "$1" || RC=$?
}

# collect PID: wait for a process to exit by itself; its status in RC.
collect() {
	RC=0
	wait_for_exit "$1" || RC=124
	wait "$1" || RC=$?
}

# sim DIR TAG SIM-OPTION...: run sim in the foreground on DIR/icmsg.yaml,
# stdout to DIR/TAG.out, stderr to DIR/TAG.err; its exit status in RC.
sim() {
	local dir=$1 tag=$2
	shift 2
	run_cli "$dir/$tag.out" "$dir/$tag.err" sim -c "$dir/icmsg.yaml" --duration "$SIM_MAX_MS" "$@"
}

count_lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

lines_ge() {
	[ "$(count_lines "$1")" -ge "$2" ]
}

# json_num FILE KEY: the number of member KEY of the JSON object in FILE.
json_num() {
	grep -oE "\"$2\":[0-9.]+" "$1" | head -n 1 | cut -d: -f2
}

# within VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed).
within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# counter_hex SEQ SIZE: the counter pattern's message SEQ as recv --hex prints it.
counter_hex() {
	awk -v seq="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			b = i < 4 ? int(seq / 256 ^ i) % 256 : (seq + i) % 256
			printf "%s%02x", i ? " " : "", b
		}
		print ""
	}'
}

# ---------------------------------------------------------------------------
# 1. generate: rate, flat out, sizes, patterns, seed

case_rate() {
	local dir=$WORK/rate st=0 sent got
	make_config "$dir"
	start_recv "$dir" recv
	sim "$dir" sim --mode generate --rate 100 --duration 1500 --json
	expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
	sent=$(json_num "$dir/sim.out" tx_msgs)
	# 150 at 100/s; the bond takes a little of the 1.5 s.
	within "${sent:-0}" 50 450 || { diag "sent ${sent:-?} messages in 1.5 s at 100/s"; st=1; }
	within "$(json_num "$dir/sim.out" tx_rate)" 33 300 || { diag "$(cat "$dir/sim.out")"; st=1; }
	wait_until "recv got $sent messages" "$WAIT_MS" lines_ge "$dir/recv.out" "${sent:-1}" || st=1
	stop_recv "$RECV_PID"
	got=$(count_lines "$dir/recv.out")
	expect_eq "messages received by recv --direct" "$sent" "$got" || st=1
	grep -q '^bound (magic)$' "$dir/sim.err" || { diag "no bound line on stderr"; st=1; }
	result "generate --rate 100 for 1.5 s: ~150 messages (within 3x), all received" "$st"
}

case_flat_out() {
	local dir=$WORK/flat st=0 want
	make_config "$dir"
	start_recv "$dir" recv --hex --count 1000 --timeout "$WAIT_MS"
	sim "$dir" sim --mode generate --size 4 --count 1000 --json
	expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
	collect "$RECV_PID"
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$dir/recv.err")"; st=1; }
	# In order, none lost: line i holds sequence number i (little-endian).
	want=$(awk 'BEGIN { for (i = 0; i < 1000; i++)
		printf "%02x %02x 00 00\n", i % 256, int(i / 256) }')
	expect_eq "messages" "$want" "$(cat "$dir/recv.out")" || st=1
	expect_eq "tx_msgs" 1000 "$(json_num "$dir/sim.out" tx_msgs)" || st=1
	expect_eq "tx_bytes" 4000 "$(json_num "$dir/sim.out" tx_bytes)" || st=1
	[ -n "$(json_num "$dir/sim.out" send_retries)" ] || { diag "no send_retries"; st=1; }
	result "generate without --rate: 1000 counter messages in order, none lost" "$st"
}

# gen_case DIR N SIM-OPTION...: N generated messages as recv --hex prints them,
# in DIR/recv.out. Fails unless both exit 0.
gen_case() {
	local dir=$1 n=$2
	shift 2
	make_config "$dir"
	start_recv "$dir" recv --hex --count "$n" --timeout "$WAIT_MS"
	sim "$dir" sim --mode generate --count "$n" "$@"
	if [ "$RC" -ne 0 ]; then
		diag "sim exit status $RC" "$(cat "$dir/sim.err")"
		stop_recv "$RECV_PID"
		return 1
	fi
	collect "$RECV_PID"
	if [ "$RC" -ne 0 ]; then
		diag "recv exit status $RC" "$(cat "$dir/recv.err")"
		return 1
	fi
}

# sizes FILE: the distinct message sizes of a recv --hex output, one a line.
sizes() {
	awk '{ print NF }' "$1" | sort -n | uniq
}

case_sizes() {
	local dir=$WORK/sizes st=0
	gen_case "$dir" 60 --size 5-9 --pattern zero --seed 1 || st=1
	if grep -vqE '^00( 00)*$' "$dir/recv.out"; then
		diag "bytes other than 00:" "$(cat "$dir/recv.out")"
		st=1
	fi
	[ "$(sizes "$dir/recv.out" | head -n 1)" -ge 5 ] || st=1
	[ "$(sizes "$dir/recv.out" | tail -n 1)" -le 9 ] || st=1
	[ "$(sizes "$dir/recv.out" | wc -l)" -ge 3 ] || { diag "sizes:" "$(sizes "$dir/recv.out")"; st=1; }
	result "--size 5-9 --pattern zero: zero bytes, random sizes within 5..9" "$st"

	st=0
	gen_case "$dir" 10 --size 7 || st=1
	expect_eq "sizes" 7 "$(sizes "$dir/recv.out")" || st=1
	result "--size 7: every message is 7 bytes" "$st"

	st=0
	gen_case "$dir" 40 --size 100-300 --seed 3 || st=1
	[ "$(sizes "$dir/recv.out" | head -n 1)" -ge 100 ] || st=1
	[ "$(sizes "$dir/recv.out" | tail -n 1)" -le 128 ] || { diag "$(sizes "$dir/recv.out")"; st=1; }
	result "--size 100-300: capped at the link's max_send (128)" "$st"

	st=0
	gen_case "$dir" 3 || st=1
	expect_eq "sizes" 16 "$(sizes "$dir/recv.out")" || st=1
	result "generate sends 16-byte messages by default" "$st"
}

case_patterns() {
	local dir=$WORK/pattern st=0
	gen_case "$dir" 3 --size 10 --pattern counter || st=1
	expect_eq "counter" "$(counter_hex 0 10; counter_hex 1 10; counter_hex 2 10)" \
		"$(cat "$dir/recv.out")" || st=1
	result "--pattern counter: u32 LE sequence number, then (seq + i) bytes" "$st"

	st=0
	gen_case "$dir" 300 --size 6 --pattern counter || st=1
	expect_eq "message 299" "$(counter_hex 299 6)" "$(sed -n 300p "$dir/recv.out")" || st=1
	gen_case "$dir" 2 --size 2 || st=1
	expect_eq "2-byte messages" $'00 00\n01 00' "$(cat "$dir/recv.out")" || st=1
	result "--pattern counter: seq above 255 in little-endian; truncated to the size" "$st"

	st=0
	gen_case "$dir" 2 --size 3 --pattern zero || st=1
	expect_eq "zero" $'00 00 00\n00 00 00' "$(cat "$dir/recv.out")" || st=1
	result "--pattern zero: all bytes 0" "$st"

	st=0
	make_config "$dir"
	start_recv "$dir" recv --count 3 --timeout "$WAIT_MS"
	sim "$dir" sim --mode generate --count 3 --size 12 --pattern text
	expect_eq "sim exit status" 0 "$RC" || st=1
	collect "$RECV_PID"
	expect_eq "text" $'msg 0 ......\nmsg 1 ......\nmsg 2 ......' "$(cat "$dir/recv.out")" || st=1
	start_recv "$dir" recv --count 1 --timeout "$WAIT_MS"
	sim "$dir" sim --mode generate --count 1 --size 3 --pattern text
	collect "$RECV_PID"
	expect_eq "3 bytes of text" msg "$(cat "$dir/recv.out")" || st=1
	result "--pattern text: printable \"msg N \" padded with '.', truncated" "$st"

	st=0
	gen_case "$dir" 5 --size 16 --pattern random --seed 7 || st=1
	expect_eq "sizes" 16 "$(sizes "$dir/recv.out")" || st=1
	expect_eq "distinct messages" 5 "$(sort -u "$dir/recv.out" | wc -l | tr -d ' ')" || st=1
	if grep -qE '^00( 00)*$' "$dir/recv.out"; then
		diag "an all-zero random message"
		st=1
	fi
	result "--pattern random: 16 random bytes, every message different" "$st"
}

case_seed() {
	local dir=$WORK/seed st=0
	gen_case "$dir" 30 --size 1-64 --pattern random --seed 42 --json || st=1
	cp "$dir/recv.out" "$dir/first"
	expect_eq "seed in the statistics" 42 "$(json_num "$dir/sim.out" seed)" || st=1
	gen_case "$dir" 30 --size 1-64 --pattern random --seed 42 || st=1
	expect_eq "second run" "$(cat "$dir/first")" "$(cat "$dir/recv.out")" || st=1
	grep -q ', seed 42$' "$dir/sim.err" || { diag "$(cat "$dir/sim.err")"; st=1; }
	gen_case "$dir" 30 --size 1-64 --pattern random --seed 43 || st=1
	if [ "$(cat "$dir/first")" = "$(cat "$dir/recv.out")" ]; then
		diag "seeds 42 and 43 generated the same messages"
		st=1
	fi
	result "--seed 42 twice: the same sizes and bytes; --seed 43 others" "$st"
}

# ---------------------------------------------------------------------------
# 2. --reset-every

case_reset_magic() {
	local dir=$WORK/reset st=0
	make_config "$dir"
	start_recv "$dir" recv -v
	sim "$dir" sim --mode generate --rate 200 --pattern text --count 60 --reset-every 20
	expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
	expect_eq "reset lines" $'reset 1\nreset 2' "$(grep '^reset' "$dir/sim.out")" || st=1
	expect_eq "bound lines" 3 "$(grep -c '^bound (magic)$' "$dir/sim.out")" || st=1
	grep -q 'resets 2,' "$dir/sim.err" || { diag "$(cat "$dir/sim.err")"; st=1; }
	# The last message comes after the last reset.
	wait_for_line "$dir/recv.out" '^msg 59 ' || st=1
	stop_recv "$RECV_PID"
	expect_eq "recv exit status" 0 "$RC" || st=1
	[ "$(grep -c 'info: link t0: bound (magic)' "$dir/recv.err")" -ge 3 ] || st=1
	[ "$(grep -c 'unbound: Connection reset by peer' "$dir/recv.err")" -ge 2 ] || st=1
	[ "$st" -eq 0 ] || diag "recv:" "$(grep -v debug "$dir/recv.err")"
	result "--reset-every 20 (magic): resets 2, recv sees each restart and keeps receiving" "$st"
}

case_reset_session() {
	local dir=$WORK/reset-session st=0
	make_config "$dir" "dcache-alignment: 8" "unbound: enable"
	start_recv "$dir" recv -v
	sim "$dir" sim --mode generate --rate 200 --pattern text --count 60 --reset-every 20 --json
	expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
	expect_eq "resets" 2 "$(json_num "$dir/sim.out" resets)" || st=1
	expect_eq "bound lines" 3 "$(grep -c '^bound (session)$' "$dir/sim.err")" || st=1
	wait_for_line "$dir/recv.out" '^msg 59 ' || st=1
	stop_recv "$RECV_PID"
	# A close and the new session: seen one after the other, or at once.
	[ "$(grep -cE 'peer (closed|replaced) session' "$dir/recv.err")" -ge 2 ] || st=1
	[ "$(grep -c 'info: link t0: bound (session)' "$dir/recv.err")" -ge 3 ] || st=1
	[ "$st" -eq 0 ] || diag "recv:" "$(grep -v debug "$dir/recv.err")"
	result "--reset-every 20 (sessions): recv sees each reset end its session" "$st"
}

case_reset_sink() {
	local dir=$WORK/reset-sink st=0 i
	make_config "$dir"
	start_sim "$dir" --mode sink --reset-every 2
	for i in 1 2 3; do
		run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --timeout "$WAIT_MS" \
			"a$i" "b$i"
		expect_eq "send $i exit status" 0 "$RC" || { diag "$(cat "$dir/err")"; st=1; }
		wait_for_line "$dir/sim.out" "^reset $i\$" || st=1
	done
	stop_sim "$dir" || st=1
	grep -q 'received 6 messages' "$dir/sim.err" || { diag "$(cat "$dir/sim.err")"; st=1; }
	grep -q 'resets 3,' "$dir/sim.err" || st=1
	result "--mode sink --reset-every 2: a reset after every 2 messages received" "$st"
}

# ---------------------------------------------------------------------------
# 3. --corrupt against recv --direct

# ring_problem KIND: what the library logs for a --corrupt KIND of the ring.
ring_problem() {
	case $1 in
	wr-index) echo 'wr_idx out of range or misaligned \(value [0-9]+\)' ;;
	length) echo 'packet length runs past wr_idx \(value 65535\)' ;;
	esac
}

# corrupt_recv DIR KIND SIM-OPTION...: recv -v, then a sim that corrupts
# after 10 of 40 text messages. Results in DIR/recv.* and DIR/sim.*.
corrupt_recv() {
	local dir=$1 kind=$2
	shift 2
	start_recv "$dir" recv -v
	sim "$dir" sim --mode generate --rate 200 --pattern text --count 40 --corrupt "$kind" \
		--corrupt-after 10 "$@"
}

case_corrupt_magic_bonding() {
	local dir=$WORK/corrupt kind problem st got
	for kind in wr-index length; do
		st=0
		problem=$(ring_problem "$kind")
		make_config "$dir"
		corrupt_recv "$dir" "$kind"
		expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
		grep -q "^corrupt $kind: " "$dir/sim.out" || { diag "$(cat "$dir/sim.out")"; st=1; }
		grep -q 'corruptions 1,' "$dir/sim.err" || st=1
		collect "$RECV_PID"
		expect_eq "recv exit status" 1 "$RC" || st=1
		grep -qE "^error: link t0: peer's ring is corrupt: $problem" "$dir/recv.err" || st=1
		grep -q 'receive failed: Input/output error' "$dir/recv.err" || st=1
		[ "$(count_lines "$dir/recv.out")" -le 10 ] || st=1
		[ "$st" -eq 0 ] || diag "recv:" "$(grep -v debug "$dir/recv.err")"
		result "--corrupt $kind (magic): recv logs the problem and fails on the fault" "$st"
	done

	# A broken magic is not a fault (spec 3.2: dropped): recv loses the
	# bond, stays bonding, and bonds with the next sim.
	st=0
	make_config "$dir"
	corrupt_recv "$dir" magic
	expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
	grep -q "^corrupt magic: ring re-initialised with the broken bonding magic" \
		"$dir/sim.out" || st=1
	wait_for_line "$dir/recv.err" 'dropped a 13-byte packet received before bonding' || st=1
	grep -q 'peer re-initialised its ring' "$dir/recv.err" || st=1
	kill -0 "$RECV_PID" 2>/dev/null || { diag "recv exited"; st=1; }
	# The ones before the corruption, in order; the last of them may be
	# lost, since the re-initialisation can overtake its reads.
	got=$(count_lines "$dir/recv.out")
	[ "$got" -le 10 ] || { diag "$got messages before the corruption"; st=1; }
	expect_eq "messages before the corruption" "$(seq -f 'msg %g' 0 $((got - 1)))" \
		"$(cut -d' ' -f1,2 "$dir/recv.out")" || st=1
	sim "$dir" sim2 --mode generate --pattern text --count 5
	expect_eq "second sim exit status" 0 "$RC" || st=1
	wait_until "recv got 5 more" "$WAIT_MS" lines_ge "$dir/recv.out" $((got + 5)) || st=1
	expect_eq "after the new bond" 'msg 4 ..........' "$(tail -n 1 "$dir/recv.out")" || st=1
	stop_recv "$RECV_PID"
	expect_eq "recv exit status" 0 "$RC" || st=1
	[ "$st" -eq 0 ] || diag "recv:" "$(grep -v 'debug: .*signal' "$dir/recv.err")"
	result "--corrupt magic (magic): recv drops the bad magic, unbound; a new sim rebonds" "$st"
}

case_corrupt_sessions() {
	local dir=$WORK/corrupt-session kind problem st
	for kind in wr-index length magic; do
		st=0
		problem="peer's ring is corrupt: $(ring_problem "$kind")"
		[ "$kind" = magic ] && problem='peer replaced session'
		make_config "$dir" "dcache-alignment: 8" "unbound: enable"
		# 30 messages at 40/s after the corruption: 750 ms for the new
		# session to form before the last one, msg 39, which is dropped
		# if it comes earlier (at the default 200/s it had 150 ms).
		corrupt_recv "$dir" "$kind" --rate 40
		expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
		grep -q "^corrupt $kind: " "$dir/sim.out" || st=1
		# The other side starts a new session, the sim follows: the bond
		# heals the ring and the last message arrives.
		wait_for_line "$dir/recv.out" '^msg 39 ' || st=1
		stop_recv "$RECV_PID"
		expect_eq "recv exit status" 0 "$RC" || st=1
		grep -qE "$problem" "$dir/recv.err" || st=1
		[ "$(grep -c 'info: link t0: bound (session)' "$dir/recv.err")" -ge 2 ] || st=1
		grep -q '^unbound (' "$dir/sim.out" || st=1
		[ "$st" -eq 0 ] || diag "recv:" "$(grep -v debug "$dir/recv.err")" "sim:" \
			"$(cat "$dir/sim.out")"
		result "--corrupt $kind (sessions): recv reports it, a new session recovers" "$st"
	done
}

# ---------------------------------------------------------------------------
# 4. --corrupt against icmsgd: the fault state, and recovery

CTL=

daemon_state() {
	"$CLI" status --json --control "$CTL" t0 2>/dev/null |
		grep -oE '"state":"[a-z]+"' | head -n 1 | cut -d'"' -f4
}

state_is() {
	[ "$(daemon_state)" = "$1" ]
}

case_daemon() {
	local dir=$WORK/daemon kind problem st pid
	if [ -z "$DAEMON" ]; then
		skip "--corrupt against icmsgd: fault, then recovery" "icmsgd not built"
		return 0
	fi
	make_config "$dir"
	CTL=$dir/run/control.sock
	{
		echo "daemon:"
		echo "  runtime-dir: $dir/run"
		echo "  control-mode: 0600"
		cat "$dir/icmsg.yaml"
	} >"$dir/icmsgd.yaml"
	"$DAEMON" -c "$dir/icmsgd.yaml" -v >"$dir/daemon.log" 2>&1 &
	PIDS+=("$!")
	wait_until "icmsgd answers" "$WAIT_MS" "$CLI" status --control "$CTL" || {
		not_ok "icmsgd starts"
		diag "$(cat "$dir/daemon.log")"
		return 0
	}

	for kind in wr-index length; do
		st=0
		problem=$(ring_problem "$kind")
		sim "$dir" sim --mode generate --rate 200 --count 20 --corrupt "$kind" \
			--corrupt-after 5
		expect_eq "sim exit status" 0 "$RC" || { diag "$(cat "$dir/sim.err")"; st=1; }
		wait_until "instance in fault" "$WAIT_MS" state_is fault || st=1
		"$CLI" status --json --control "$CTL" t0 | grep -q '"error":"the peer.s ring is corrupt' ||
			st=1
		wait_for_line "$dir/daemon.log" "^<3>link t0: peer's ring is corrupt: $problem" || st=1
		# A client waits; the next sim re-initialises the ring.
		"$CLI" recv --control "$CTL" t0 --hex --count 3 --timeout "$WAIT_MS" \
			>"$dir/client.out" 2>"$dir/client.err" &
		pid=$!
		PIDS+=("$pid")
		wait_until "client connected" "$WAIT_MS" has_line "$dir/daemon.log" \
			"client pid $pid .*connected" || st=1
		sim "$dir" sim2 --mode generate --rate 200 --count 20 --size 4
		expect_eq "second sim exit status" 0 "$RC" || st=1
		wait_until "instance bound" "$WAIT_MS" state_is bound || st=1
		collect "$pid"
		expect_eq "client exit status" 0 "$RC" || { diag "$(cat "$dir/client.err")"; st=1; }
		expect_eq "client got" $'00 00 00 00\n01 00 00 00\n02 00 00 00' \
			"$(cat "$dir/client.out")" || st=1
		[ "$st" -eq 0 ] || diag "$(tail -n 8 "$dir/daemon.log")"
		result "--corrupt $kind: icmsgd's instance goes to fault, recovers with a new sim" "$st"
	done

	# --reset-every heals it without a restart.
	st=0
	"$CLI" recv --control "$CTL" t0 --timeout "$WAIT_MS" >"$dir/client.out" \
		2>"$dir/client.err" &
	pid=$!
	PIDS+=("$pid")
	wait_until "client connected" "$WAIT_MS" has_line "$dir/daemon.log" \
		"client pid $pid .*connected" || st=1
	# Messages 5..59 are dropped while the ring is the corruption's (0.55 s).
	start_sim "$dir" --mode generate --rate 100 --pattern text --count 90 --corrupt wr-index \
		--corrupt-after 5 --reset-every 60
	wait_until "instance in fault" "$WAIT_MS" state_is fault || st=1
	wait_for_line "$dir/sim.out" '^reset 1$' || st=1
	wait_for_line "$dir/client.out" '^msg 89 ' || st=1
	state_is bound || st=1
	collect "$SIM_PID"
	expect_eq "sim exit status" 0 "$RC" || st=1
	grep -q 'peer restarted (it re-initialised its ring)' "$dir/daemon.log" || st=1
	if grep -qE '^msg ([1-5][0-9]) ' "$dir/client.out"; then
		diag "a message sent while the ring was corrupt:" "$(cat "$dir/client.out")"
		st=1
	fi
	grep -q 'dropped 55$' "$dir/sim.err" || st=1
	stop_recv "$pid"
	[ "$st" -eq 0 ] || diag "$(cat "$dir/sim.out" "$dir/sim.err")" "$(tail -n 8 "$dir/daemon.log")"
	result "--corrupt wr-index --reset-every 60: icmsgd faults, then the reset heals it" "$st"

	# A broken magic is no fault: the instance loses its bond until the
	# next sim.
	st=0
	sim "$dir" sim --mode generate --rate 200 --count 20 --corrupt magic --corrupt-after 5
	expect_eq "sim exit status" 0 "$RC" || st=1
	wait_for_line "$dir/daemon.log" 'dropped a 13-byte packet received before bonding' || st=1
	state_is bonding || st=1
	sim "$dir" sim2 --mode generate --count 5
	wait_until "instance bound" "$WAIT_MS" state_is bound || st=1
	result "--corrupt magic: icmsgd's instance unbound (bonding), bound with a new sim" "$st"
}

# ---------------------------------------------------------------------------
# 5. statistics, usage errors

case_json() {
	local dir=$WORK/json st=0 key
	make_config "$dir"
	start_sim "$dir" --json --mode echo
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -r hello world
	expect_eq "send exit status" 0 "$RC" || st=1
	stop_sim_json "$dir" || st=1
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; json.load(sys.stdin)' <"$dir/sim.out" ||
			{ diag "$(cat "$dir/sim.out")"; st=1; }
	fi
	for key in instance mode seed elapsed_s tx_msgs tx_bytes rx_msgs rx_bytes tx_rate \
		tx_byte_rate rx_rate rx_byte_rate bonds unbinds errors dropped resets corruptions \
		send_retries; do
		grep -q "\"$key\":" "$dir/sim.out" || { diag "no $key"; st=1; }
	done
	expect_eq "lines on stdout" 1 "$(count_lines "$dir/sim.out")" || st=1
	expect_eq "rx_msgs" 2 "$(json_num "$dir/sim.out" rx_msgs)" || st=1
	expect_eq "tx_bytes" 10 "$(json_num "$dir/sim.out" tx_bytes)" || st=1
	grep -q '"mode":"echo"' "$dir/sim.out" || st=1
	grep -q '^bound (magic)$' "$dir/sim.err" || st=1
	result "--json: one JSON object with every documented member on stdout" "$st"

	st=0
	sim "$dir" sim --mode sink --duration 100
	expect_eq "exit status" 0 "$RC" || st=1
	grep -qE '^icmsg-cli: sim t0: resets 0, corruptions 0, send retries 0 \(ring full\)$' \
		"$dir/sim.err" || st=1
	grep -qE '^icmsg-cli: sim t0: [0-9.]+ s, sent 0\.0 messages/s' "$dir/sim.err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/sim.err")"
	result "statistics on stderr: counters, resets, corruptions, retries, rates" "$st"
}

# stop_sim_json DIR: SIGTERM the sim; it must exit 0.
stop_sim_json() {
	kill -TERM "$SIM_PID" 2>/dev/null || true
	collect "$SIM_PID"
	[ "$RC" -eq 0 ] || { diag "sim exited with $RC" "$(cat "$1/sim.err")"; return 1; }
}

case_usage() {
	local dir=$WORK/usage st args pattern
	make_config "$dir"
	# "ARGS|PATTERN": exit 2, one line on stderr matching PATTERN.
	local -a bad=(
		"--mode generate --size 0|invalid size"
		"--mode generate --size 9-5|invalid size .*'9-5'"
		"--mode generate --size 5-|invalid size maximum"
		"--mode generate --size -5|invalid size"
		"--mode generate --size 200|invalid size .*max_send of 128.*'200'"
		"--mode generate --size 129-300|invalid size .*max_send of 128"
		"--mode generate --corrupt bogus|invalid corrupt .*'bogus'"
		"--corrupt|requires an argument -- '--corrupt'"
		"--mode generate --rate -5|invalid rate .*'-5'"
		"--mode generate --rate 2000000|invalid rate"
		"--mode generate --pattern ones|invalid pattern"
		"--rate 10|'--rate'"
		"--mode sink --size 8|'--size'"
		"--pattern zero|'--pattern'"
		"--seed 1|'--seed'"
		"--corrupt-after 3|'--corrupt-after'"
		"--reset-every 0|invalid reset-every"
		"--mode generate --seed x|invalid seed"
		"--mode flood|invalid mode"
	)
	for args in "${bad[@]}"; do
		st=0
		pattern=${args#*|}
		args=${args%%|*}
		# shellcheck disable=SC2086 # word splitting wanted
		run_cli "$dir/out" "$dir/err" sim -c "$dir/icmsg.yaml" $args
		expect_eq "exit status" 2 "$RC" || st=1
		expect_eq "stderr lines" 1 "$(count_lines "$dir/err")" || st=1
		grep -qE "^icmsg-cli: .*$pattern" "$dir/err" || st=1
		[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
		result "usage error exits 2: sim $args" "$st"
	done

	# Refused before the open: the ring is still all zero.
	st=0
	cmp -s "$dir/shm.bin" <(head -c 4096 /dev/zero) || { diag "the sim wrote the ring"; st=1; }
	result "usage errors leave the rings alone" "$st"

	st=0
	sed 's|rx-region: { path: [^,]*, offset: 0x0000,|rx-region: { address: 0x20070000,|' \
		"$dir/icmsg.yaml" >"$dir/devmem.yaml"
	run_cli "$dir/out" "$dir/err" sim -c "$dir/devmem.yaml" --corrupt wr-index
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: --corrupt works on simulation instances only: .*rx-region of 't0'" \
		"$dir/err" || { diag "$(cat "$dir/err")"; st=1; }
	result "--corrupt on a /dev/mem region is refused (exit 1)" "$st"

	st=0
	run_cli "$dir/out" "$dir/err" sim --help
	for args in --rate --size --pattern --seed --reset-every --corrupt --corrupt-after --json \
		counter random zero text wr-index length magic 'Exit status'; do
		grep -q -- "$args" "$dir/out" || { diag "--help lacks $args"; st=1; }
	done
	result "sim --help documents every new option, pattern, corruption and exit status" "$st"
}

case_usage
case_rate
case_flat_out
case_sizes
case_patterns
case_seed
case_reset_magic
case_reset_session
case_reset_sink
case_corrupt_magic_bonding
case_corrupt_sessions
case_daemon
case_json

summary cli-sim
