#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Integration test of icmsg-cli: dump against the golden vectors, then real
# processes talking over the simulation transport (spec 6): a `sim` in the
# background as the remote core and `send`/`recv` as the local one.
#
# Usage: test-cli.sh PATH-TO-icmsg-cli   (env ICMSG_VECTORS: vectors dir)
#
# The daemon mode (send, recv, status, monitor through icmsgd's sockets) is
# tested against tests/fake-icmsgd.c, which answers with canned replies,
# malformed ones included: $ICMSG_FAKE_ICMSGD, else
# $ICMSG_BUILD_ROOT/tests/fake-icmsgd. The real daemon has test-daemon.sh.
#
# Nothing here sleeps to wait for something: waits poll a file or a process
# against a deadline. Only POSIX tools plus bash, awk, sed, grep, dd (no
# python: it is not guaranteed on the CI machine).
set -euo pipefail

CLI=${1:?usage: test-cli.sh PATH-TO-icmsg-cli}
VECTORS=${ICMSG_VECTORS:?ICMSG_VECTORS must name the vectors directory}
CHECK_RX=$VECTORS/check_rx.txt
FAKE=${ICMSG_FAKE_ICMSGD:-${ICMSG_BUILD_ROOT:-}/tests/fake-icmsgd}

# In sanitizer builds a report exits 1 by default, which is what the error
# cases expect: give reports statuses of their own.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=98
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=97

WORK=$(mktemp -d "${TMPDIR:-/tmp}/icmsg-cli-test.XXXXXX")
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
# Turn an interrupted run into the EXIT trap above (background sims die too).
trap 'exit 130' INT TERM

# Generous bound for anything that should happen "at once": CI machines
# under ASan can be slow, and a deadline costs nothing when things work.
WAIT_MS=10000

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-cli.sh"

# ---------------------------------------------------------------------------
# 1. dump --file of every top-level vector against check_rx.txt

test_dump_vector() {
	local bin=$1 name sec dcache hs out rc=0 expected actual
	name=$(basename "$bin")
	sec=$(check_rx_section "$name")
	if [ -z "$sec" ]; then
		diag "no [$name] section in check_rx.txt"
		return 1
	fi
	dcache=$(sed -n 's/^dcache_align = //p' <<<"$sec")
	hs=$(sed -n 's/^handshake_word = //p' <<<"$sec")
	local args=(dump --file "$bin" --dcache-alignment "${dcache:-0}")
	if [ "$hs" = yes ]; then
		args+=(--handshake)
	fi
	out=$WORK/dump.out
	"$CLI" "${args[@]}" >"$out" 2>"$WORK/dump.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		diag "exit status $rc" "$(cat "$WORK/dump.err")"
		return 1
	fi
	expected=$(expected_facts <<<"$sec" | normalise)
	actual=$(dump_facts <"$out" | normalise)
	expect_eq "$name" "$expected" "$actual"
}

case_dump_vectors() {
	local bin count=0
	for bin in "$VECTORS"/*.bin; do
		[ -f "$bin" ] || continue
		count=$((count + 1))
		if test_dump_vector "$bin"; then
			ok "dump --file $(basename "$bin") matches check_rx.txt"
		else
			not_ok "dump --file $(basename "$bin") matches check_rx.txt"
		fi
	done
	if [ "$count" -eq 0 ]; then
		not_ok "vectors found in $VECTORS"
	fi
}

# ---------------------------------------------------------------------------
# 2. dump of corrupted images

# poke FILE OFFSET BYTES: overwrite bytes (printf escapes, e.g. '\xfc\x00').
poke() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# corrupt_case DESCRIPTION OFFSET BYTES PATTERN: poke a copy of the dc0 msgs
# vector and expect exit 1 with a problem line matching PATTERN.
corrupt_case() {
	local desc=$1 img=$WORK/corrupt.bin st=0
	cp "$VECTORS/disable_dc0_r256_msgs.bin" "$img"
	poke "$img" "$2" "$3"
	run_cli "$WORK/c.out" "$WORK/c.err" dump --file "$img"
	if [ "$RC" -ne 1 ]; then
		diag "exit status $RC, expected 1" "$(cat "$WORK/c.err")"
		st=1
	fi
	if ! grep -qE "^problem: .*$4" "$WORK/c.out"; then
		diag "no problem line matching /$4/:" "$(cat "$WORK/c.out")"
		st=1
	fi
	if grep -q '^end = empty' "$WORK/c.out"; then
		diag "a corrupt image reported as fine"
		st=1
	fi
	result "$desc" "$st"
}

case_dump_corrupt() {
	# wr_idx is the u32 at offset 4 (dcache 0, no handshake); data at 8.
	corrupt_case "dump reports wr_idx beyond the ring (252 >= 248) and exits 1" \
		4 '\xfc\x00\x00\x00' 'wr_idx'
	corrupt_case "dump reports a misaligned wr_idx (22) and exits 1" \
		4 '\x16\x00\x00\x00' 'wr_idx'
	corrupt_case "dump reports a misaligned rd_idx and exits 1" \
		0 '\x15\x00\x00\x00' 'rd_idx'
	# First pending packet at data offset 20 = file offset 28: a length of
	# 0xffff cannot fit the 148 bytes in use.
	corrupt_case "dump reports a packet longer than the ring holds and exits 1" \
		28 '\xff\xff' 'packet'
	corrupt_case "dump reports a zero-length packet in a non-empty ring and exits 1" \
		28 '\x00\x00' 'packet'

	local st=0
	run_cli "$WORK/c.out" "$WORK/c.err" dump --file "$VECTORS/disable_dc0_r256_msgs.bin" \
		--dcache-alignment 3
	if [ "$RC" -ne 1 ] || ! grep -q 'layout' "$WORK/c.err"; then
		diag "exit status $RC" "$(cat "$WORK/c.err")"
		st=1
	fi
	result "dump refuses an impossible layout (dcache-alignment 3) with exit 1" "$st"
}

# ---------------------------------------------------------------------------
# 3. sim (echo) + send --replies, in disable mode (the README demo)

case_echo() {
	local dir=$WORK/echo st
	make_config "$dir"
	start_sim "$dir"

	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --replies hello world
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'hello\nworld' "$(cat "$dir/out")" || st=1
	wait_for_line "$dir/sim.out" '^bound \(magic\)$' || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "sim echoes 'hello' 'world' to send --replies (magic bonding)" "$st"

	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -r --hex "01 02 ff" \
		0a:0B 5c00
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'01 02 ff\n0a 0b\n5c 00' "$(cat "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send --hex --replies round-trips bytes" "$st"

	st=0
	RC=0
	printf 'one\n\ntwo three\n\\x41\x01\n' |
		ICMSG_CONFIG=$dir/icmsg.yaml "$CLI" send --direct --replies >"$dir/out" \
			2>"$dir/err" || RC=$?
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'one\ntwo three\n\\x5cx41\\x01' "$(cat "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send reads stdin lines (empty skipped, \$ICMSG_CONFIG), replies escaped" "$st"

	# 4. the 128-byte limit of the default peer-rx-buf-size (spec 4.4)
	local m128 m129
	m128=$(printf '%0128d' 0)
	m129=$(printf '%0129d' 0)
	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -r "$m128"
	expect_eq "128 bytes: exit status" 0 "$RC" || st=1
	expect_eq "128 bytes: reply" "$m128" "$(cat "$dir/out")" || st=1
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" "$m129"
	expect_eq "129 bytes: exit status" 1 "$RC" || st=1
	if ! grep -q 'message 0 is 129 bytes.*limit of 128 bytes' "$dir/err"; then
		diag "no error naming the limit:" "$(cat "$dir/err")"
		st=1
	fi
	result "send of 129 bytes fails with exit 1 naming the 128-byte limit" "$st"

	# Our side may send 129 bytes with the override, but the sim still
	# has the default limit: it must drop the echo, not stall or die.
	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --peer-rx-buf-size 200 \
		-r --timeout 500 "$m129"
	expect_eq "exit status" 3 "$RC" || st=1
	grep -q 'no reply 0 within 500 ms' "$dir/err" || { diag "$(cat "$dir/err")"; st=1; }
	wait_for_line "$dir/sim.err" 'echo of 129 bytes dropped' || st=1
	result "--peer-rx-buf-size 200 sends 129 bytes; the sim drops the too-long echo" "$st"

	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -r still alive
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'still\nalive' "$(cat "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "the sim keeps echoing after dropping an echo" "$st"

	# The ring at rest, read-only, both regions with headings.
	st=0
	run_cli "$dir/out" "$dir/err" dump -c "$dir/icmsg.yaml"
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "headings" 2 "$(grep -c '^# t0 [rt]x-region: ' "$dir/out")" || st=1
	expect_eq "end lines" 2 "$(grep -c '^end = empty$' "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/out" "$dir/err")"
	result "dump -c decodes both regions of a live instance" "$st"

	st=0
	stop_sim "$dir" || st=1
	result "sim exits 0 on SIGTERM and prints statistics" "$st"
}

# ---------------------------------------------------------------------------
# 5. recv: timeout against a sink, --count from a peer, SIGINT

case_recv() {
	local dir=$WORK/sink st pid
	make_config "$dir"
	start_sim "$dir" --mode sink

	st=0
	run_cli "$dir/out" "$dir/err" recv --direct -c "$dir/icmsg.yaml" --timeout 200
	expect_eq "exit status" 3 "$RC" || st=1
	grep -q 'no message within 200 ms' "$dir/err" || { diag "$(cat "$dir/err")"; st=1; }
	result "recv --timeout 200 exits 3 when the sim swallows everything" "$st"

	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -r --timeout 300 ping
	expect_eq "exit status" 3 "$RC" || st=1
	grep -q 'no reply' "$dir/err" || { diag "$(cat "$dir/err")"; st=1; }
	result "send --replies exits 3 when no reply comes" "$st"

	# SIGINT while waiting: wait until the sim saw the bond, so recv has
	# its handlers installed, then interrupt.
	st=0
	local bonds_before deadline
	bonds_before=$(grep -c '^bound' "$dir/sim.out" || true)
	"$CLI" recv --direct -c "$dir/icmsg.yaml" >"$dir/out" 2>"$dir/err" &
	pid=$!
	PIDS+=("$pid")
	deadline=$(($(now_ms) + WAIT_MS))
	while [ "$(grep -c '^bound' "$dir/sim.out" || true)" -le "$bonds_before" ]; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "the sim never bonded with recv"
			st=1
			break
		fi
		sleep 0.02
	done
	kill -INT "$pid"
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "exit status" 0 "$RC" || st=1
	result "recv exits 0 on SIGINT" "$st"
	stop_sim "$dir" || true

	# Two CLI processes as the two cores: recv on the swapped config.
	dir=$WORK/pair
	make_config "$dir"
	st=0
	"$CLI" recv --direct -c "$dir/peer.yaml" --count 3 --timeout "$WAIT_MS" >"$dir/recv.out" \
		2>"$dir/recv.err" &
	pid=$!
	PIDS+=("$pid")
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" a 'b c' $'\x7f'
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$dir/err")"; st=1; }
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$dir/recv.err")"; st=1; }
	expect_eq "received" $'a\nb c\n\\x7f' "$(cat "$dir/recv.out")" || st=1
	result "recv --count 3 prints three messages and exits 0" "$st"

	st=0
	"$CLI" recv --direct -c "$dir/peer.yaml" --hex -n 1 -t "$WAIT_MS" >"$dir/recv.out" \
		2>"$dir/recv.err" &
	pid=$!
	PIDS+=("$pid")
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --hex 'de:ad:be:ef'
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$dir/err")"; st=1; }
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$dir/recv.err")"; st=1; }
	expect_eq "received" 'de ad be ef' "$(cat "$dir/recv.out")" || st=1
	result "recv --hex prints hex bytes" "$st"
}

# ---------------------------------------------------------------------------
# 6. send without a peer

case_no_peer() {
	local dir=$WORK/alone st=0 t0 t1
	make_config "$dir"
	t0=$(now_ms)
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --timeout 300 hello
	t1=$(now_ms)
	expect_eq "exit status" 3 "$RC" || st=1
	grep -q 'not bound within 300 ms' "$dir/err" || { diag "$(cat "$dir/err")"; st=1; }
	if [ $((t1 - t0)) -lt 300 ]; then
		diag "gave up after $((t1 - t0)) ms"
		st=1
	fi
	result "send --timeout 300 without a peer exits 3 after the timeout" "$st"
}

# ---------------------------------------------------------------------------
# 7. help, usage errors, bad configurations

case_usage() {
	local cmd st dir=$WORK/usage
	make_config "$dir"

	for cmd in sim send recv dump status monitor; do
		st=0
		run_cli "$WORK/u.out" "$WORK/u.err" "$cmd" --help
		expect_eq "exit status" 0 "$RC" || st=1
		grep -q "^Usage: icmsg-cli $cmd \[OPTIONS\]" "$WORK/u.out" || st=1
		grep -qE '^  -h, --help +display this help' "$WORK/u.out" || st=1
		run_cli "$WORK/u.out" "$WORK/u.err" "$cmd" -h
		expect_eq "-h exit status" 0 "$RC" || st=1
		result "$cmd --help and -h print usage and exit 0" "$st"

		st=0
		run_cli "$WORK/u.out" "$WORK/u.err" "$cmd" --no-such-option
		expect_eq "exit status" 2 "$RC" || st=1
		expect_eq "message" "icmsg-cli: unknown option -- '--no-such-option'" \
			"$(cat "$WORK/u.err")" || st=1
		result "$cmd with an unknown option exits 2" "$st"
	done

	st=0
	run_cli "$WORK/u.out" "$WORK/u.err" --help
	expect_eq "exit status" 0 "$RC" || st=1
	grep -q '^Usage: icmsg-cli COMMAND \[OPTIONS\]\.\.\.' "$WORK/u.out" || st=1
	run_cli "$WORK/u.out" "$WORK/u.err" --version
	expect_eq "--version exit status" 0 "$RC" || st=1
	grep -qE '^icmsg-cli [0-9]+\.[0-9]+' "$WORK/u.out" || st=1
	run_cli "$WORK/u.out" "$WORK/u.err" -V
	expect_eq "-V exit status" 0 "$RC" || st=1
	result "icmsg-cli --help, --version and -V exit 0" "$st"

	# Each of these is a usage error: exit 2 and one line naming the culprit.
	local -a bad=(
		"frobnicate"
		""
		"sim -c $dir/icmsg.yaml --mode mirror"
		"sim -c $dir/icmsg.yaml --count 0"
		"sim -c $dir/icmsg.yaml --duration -5"
		"sim -c $dir/icmsg.yaml extra"
		"recv --direct -c $dir/icmsg.yaml --count 12abc"
		"recv --direct -c $dir/icmsg.yaml --timeout 99999999999"
		"recv --direct -c $dir/icmsg.yaml --timeout"
		"send --direct -c $dir/icmsg.yaml --unbound sometimes x"
		"send --direct -c $dir/icmsg.yaml --peer-rx-buf-size 0 x"
		"send --direct -c $dir/icmsg.yaml --hex 0g"
		"send --direct -c $dir/icmsg.yaml --hex 1"
		"dump --file $dir/shm.bin --region rx"
		"dump -c $dir/icmsg.yaml --size 16"
		"dump --file $dir/shm.bin --offset 0x"
		"dump --region both"
		"send"
		"send --hex"
		"recv"
		"recv -x -n 1"
		"recv t0 extra"
		"send -c $dir/icmsg.yaml t0 x"
		"recv --unbound enable t0"
		"send --peer-rx-buf-size 64 t0 x"
		"send --direct --socket $dir/x.sock x"
		"recv --direct --control $dir/x.sock"
		"send --hex t0 0g"
		"status a b"
		"status --timeout 1x"
		"status --json=yes"
		"monitor extra"
		"monitor --count 0"
	)
	local args
	for args in "${bad[@]}"; do
		st=0
		# shellcheck disable=SC2086 # word splitting wanted
		run_cli "$WORK/u.out" "$WORK/u.err" $args
		expect_eq "exit status" 2 "$RC" || st=1
		expect_eq "stderr lines" 1 "$(($(wc -l <"$WORK/u.err")))" || st=1
		grep -q '^icmsg-cli: ' "$WORK/u.err" || st=1
		[ "$st" -eq 0 ] || diag "$(cat "$WORK/u.err")"
		result "usage error exits 2: icmsg-cli ${args:-(no command)}" "$st"
	done

	st=0
	RC=0
	env -u ICMSG_CONFIG "$CLI" send --direct x >"$WORK/u.out" 2>"$WORK/u.err" || RC=$?
	expect_eq "exit status" 2 "$RC" || st=1
	grep -q 'no configuration' "$WORK/u.err" || { diag "$(cat "$WORK/u.err")"; st=1; }
	result "send without --config or \$ICMSG_CONFIG exits 2" "$st"

	# A typo in a key must be refused, with file:line (spec 5.3).
	st=0
	local bad_cfg=$dir/typo.yaml
	sed 's/^    mboxes:$/    dcache-alignement: 8\n    mboxes:/' "$dir/icmsg.yaml" >"$bad_cfg"
	local -a direct
	for cmd in send recv sim dump; do
		direct=()
		case $cmd in send | recv) direct=(--direct) ;; esac
		run_cli "$WORK/u.out" "$WORK/u.err" "$cmd" "${direct[@]}" -c "$bad_cfg"
		expect_eq "$cmd exit status" 1 "$RC" || st=1
		if ! grep -qE "^$bad_cfg:[0-9]+: .*dcache-alignement" "$WORK/u.err"; then
			diag "$cmd: no file:line: key error:" "$(cat "$WORK/u.err")"
			st=1
		fi
	done
	result "a config with an unknown key exits 1 and prints file:line" "$st"

	st=0
	run_cli "$WORK/u.out" "$WORK/u.err" send --direct -c "$dir/missing.yaml" x
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "$dir/missing.yaml" "$WORK/u.err" || { diag "$(cat "$WORK/u.err")"; st=1; }
	result "a missing config file exits 1 naming the file" "$st"

	st=0
	run_cli "$WORK/u.out" "$WORK/u.err" send --direct -c "$dir/icmsg.yaml" -i nope x
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "no instance named 'nope'" "$WORK/u.err" || { diag "$(cat "$WORK/u.err")"; st=1; }
	result "an unknown --instance exits 1" "$st"

	# enable needs dcache-alignment >= 8 (spec 2.2): the override is checked.
	st=0
	run_cli "$WORK/u.out" "$WORK/u.err" send --direct -c "$dir/icmsg.yaml" --unbound enable x
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q 'dcache-alignment' "$WORK/u.err" || { diag "$(cat "$WORK/u.err")"; st=1; }
	result "--unbound enable with dcache-alignment 0 is refused (exit 1)" "$st"
}

# ---------------------------------------------------------------------------
# 8. sessions: both sides --unbound enable with dcache-alignment 8

case_sessions() {
	local dir=$WORK/session st=0
	make_config "$dir" "dcache-alignment: 8"
	start_sim "$dir" --unbound enable

	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --unbound enable -r \
		ping pong
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'ping\npong' "$(cat "$dir/out")" || st=1
	wait_for_line "$dir/sim.out" '^bound \(session\)$' || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err" "$dir/sim.out")"
	result "sim and send with --unbound enable, dcache-alignment 8: bound (session)" "$st"

	# Our close ends the session: the sim must see it and bond again.
	st=0
	wait_for_line "$dir/sim.out" '^unbound \(peer closed\)$' || st=1
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --unbound enable -r again
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "reply" again "$(cat "$dir/out")" || st=1
	expect_eq "bonds" 2 "$(grep -c '^bound (session)$' "$dir/sim.out")" || st=1
	result "the sim sees the client close and serves a new session" "$st"

	# Without --replies, send returns only once the peer has read it all:
	# closing earlier would lose the messages (spec 3.3).
	st=0
	stop_sim "$dir" || st=1
	start_sim "$dir" --unbound enable --mode sink --count 3
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --unbound enable x y z
	expect_eq "exit status" 0 "$RC" || { diag "$(cat "$dir/err")"; st=1; }
	wait_for_exit "$SIM_PID" || st=1
	RC=0
	wait "$SIM_PID" || RC=$?
	expect_eq "sim exit status" 0 "$RC" || st=1
	grep -q 'received 3 messages' "$dir/sim.err" || { diag "$(cat "$dir/sim.err")"; st=1; }
	result "sim --mode sink --count 3 receives all 3 messages and exits 0" "$st"

	# detect talks to an enable peer through sessions (spec 3.5).
	st=0
	start_sim "$dir" --unbound enable
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" --unbound detect -r \
		--timeout "$WAIT_MS" detect
	expect_eq "exit status" 0 "$RC" || { diag "$(cat "$dir/err")"; st=1; }
	expect_eq "reply" detect "$(cat "$dir/out")" || st=1
	result "a detect client bonds with an enable sim (session)" "$st"
	stop_sim "$dir" || true
}

# ---------------------------------------------------------------------------
# 9. --direct with INSTANCE as an argument

case_direct_instance() {
	local dir=$WORK/direct st pid
	make_config "$dir"
	start_sim "$dir"

	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -r t0 hello
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" hello "$(cat "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send --direct takes a first argument naming an instance as INSTANCE" "$st"

	st=0
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" -i t0 -r t0 x
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'t0\nx' "$(cat "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send --direct -i t0 sends a first argument 't0' as a message" "$st"
	stop_sim "$dir" || true

	st=0
	"$CLI" recv --direct -c "$dir/peer.yaml" t0 -n 1 -t "$WAIT_MS" >"$dir/recv.out" \
		2>"$dir/recv.err" &
	pid=$!
	PIDS+=("$pid")
	run_cli "$dir/out" "$dir/err" send --direct -c "$dir/icmsg.yaml" t0 one
	expect_eq "send exit status" 0 "$RC" || { diag "$(cat "$dir/err")"; st=1; }
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$dir/recv.err")"; st=1; }
	expect_eq "received" one "$(cat "$dir/recv.out")" || st=1
	result "recv --direct takes INSTANCE as its argument" "$st"

	st=0
	run_cli "$dir/out" "$dir/err" recv --direct -c "$dir/icmsg.yaml" nope
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "no instance named 'nope'" "$dir/err" || { diag "$(cat "$dir/err")"; st=1; }
	result "recv --direct with an unknown INSTANCE exits 1" "$st"
}

# ---------------------------------------------------------------------------
# 10. daemon mode without a daemon

case_daemon_down() {
	local cmd st sock=$WORK/no-daemon/control.sock msg
	msg="icmsg-cli: cannot reach icmsgd at $sock: No such file or directory (is icmsgd running?)"
	local -a cmds=("status" "status t0" "monitor" "send t0 x" "recv t0")
	for cmd in "${cmds[@]}"; do
		st=0
		# shellcheck disable=SC2086 # word splitting wanted
		run_cli "$WORK/d.out" "$WORK/d.err" $cmd --control "$sock"
		expect_eq "exit status" 1 "$RC" || st=1
		expect_eq "message" "$msg" "$(cat "$WORK/d.err")" || st=1
		result "$cmd --control with no daemon exits 1: cannot reach icmsgd" "$st"
	done

	st=0
	RC=0
	ICMSG_CONTROL=$sock "$CLI" send t0 x >"$WORK/d.out" 2>"$WORK/d.err" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "$msg" "$(cat "$WORK/d.err")" || st=1
	result "send finds the control socket in \$ICMSG_CONTROL" "$st"

	# The built-in default, unless a daemon really runs on this machine.
	if [ -e /run/icmsgd/control.sock ]; then
		ok "# SKIP the default control socket exists on this machine"
	else
		st=0
		RC=0
		env -u ICMSG_CONTROL "$CLI" status >"$WORK/d.out" 2>"$WORK/d.err" || RC=$?
		expect_eq "exit status" 1 "$RC" || st=1
		expect_eq "message" "icmsg-cli: cannot reach icmsgd at /run/icmsgd/control.sock: \
No such file or directory (is icmsgd running?)" "$(cat "$WORK/d.err")" || st=1
		result "status uses /run/icmsgd/control.sock by default" "$st"
	fi

	st=0
	: >"$WORK/not-a-socket"
	run_cli "$WORK/d.out" "$WORK/d.err" status --control "$WORK/not-a-socket"
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: cannot reach icmsgd at $WORK/not-a-socket: " "$WORK/d.err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$WORK/d.err")"
	result "status --control naming a plain file exits 1" "$st"
}

# ---------------------------------------------------------------------------
# 11. daemon mode against fake-icmsgd

# The tricky instance name as icmsg-cli shows it: JSON escapes decoded,
# the tab as \x09.
TRICKY=$'tr\u00efcky "q" \\ / \U0001f600 \\x09'

case_fake_status() {
	local dir=$FAKE_DIR st expected

	st=0
	run_fake_cli "$dir/out" "$dir/err" status
	expect_eq "exit status" 0 "$RC" || st=1
	expected=$(cat <<EOF
NAME                   STATE  VARIANT  BONDED-SINCE         TX-MSGS               RX-MSGS   TX-RING  RX-RING  ERRORS  CLIENTS
ipc0                   bound  magic    2025-11-25 14:13:20       12  18446744073709551615  100/2040   0/2040       0        2
$TRICKY  error  -        -                          0                     0         -        -       3        0
$TRICKY: error: cannot open "/dev/uio3":\x0aNo such file or directory
EOF
)
	expect_eq "table" "$expected" "$(cat "$dir/out")" || st=1
	[ ! -s "$dir/err" ] || { diag "stderr:" "$(cat "$dir/err")"; st=1; }
	result "status prints a table: escapes decoded, control characters as \\xNN, ring fill" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" status --verbose ipc0
	expect_eq "exit status" 0 "$RC" || st=1
	expected=$(cat <<EOF
NAME  STATE  VARIANT  BONDED-SINCE         TX-MSGS               RX-MSGS   TX-RING  RX-RING  ERRORS  CLIENTS
ipc0  bound  magic    2025-11-25 14:13:20       12  18446744073709551615  100/2040   0/2040       0        2

ipc0:
  socket: $dir/ipc0.sock
  max_send: 16
  tx ring high water: 148/2040
  rx ring high water: 36/2040
  client: pid 1234 uid 1000
  client: pid 5678 uid 0
EOF
)
	expect_eq "table" "$expected" "$(cat "$dir/out")" || st=1
	grep -qx 'request: status ipc0' "$dir/fake.out" || { diag "no 'status ipc0' request"; st=1; }
	result "status -v INSTANCE asks for one instance, lists socket, max_send, clients" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" status tricky -v
	expect_eq "exit status" 0 "$RC" || st=1
	expected=$(cat <<EOF
NAME                   STATE  VARIANT  BONDED-SINCE  TX-MSGS  RX-MSGS  TX-RING  RX-RING  ERRORS  CLIENTS
$TRICKY  error  -        -                   0        0        -        -       3        0

$TRICKY:
  socket: /nonexistent/tricky.sock
  max_send: -
  tx ring high water: -
  rx ring high water: -
  error: cannot open "/dev/uio3":\x0aNo such file or directory
  clients: none
EOF
)
	expect_eq "table" "$expected" "$(cat "$dir/out")" || st=1
	result "status shows nulls as '-' and skips unknown nested fields" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" status weird
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "row" \
		"weird  -      -        -                   -        -        -        -       -        -" \
		"$(sed -n 2p "$dir/out")" || st=1
	result "status shows values of the wrong type or range as '-'" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" status --json
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "lines" 1 "$(($(wc -l <"$dir/out")))" || st=1
	grep -q '^{"version":"0.1.0","pid":4242,"instances":\[{"name":"ipc0",' "$dir/out" || st=1
	grep -qF '"name":"tr\u00efcky \"q\" \\ \/ \ud83d\ude00 \t"' "$dir/out" || st=1
	grep -qF '"future":{"list":[1,-2.5e3,true,false,null,{"deep":[[[]]]}],"s":"}"}}]}' \
		"$dir/out" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/out")"
	result "status --json prints the reply unchanged, escapes and unknown fields included" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" status nope
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: icmsgd: no such instance -- 'nope'" "$(cat "$dir/err")" ||
		st=1
	run_fake_cli "$dir/out" "$dir/err" status nope --json
	expect_eq "--json exit status" 1 "$RC" || st=1
	result "status of an unknown instance exits 1 with icmsgd's error" "$st"

	# --control beats $ICMSG_CONTROL.
	st=0
	RC=0
	ICMSG_CONTROL=$WORK/nowhere.sock "$CLI" status --control "$dir/control.sock" ipc0 \
		>"$dir/out" 2>"$dir/err" || RC=$?
	expect_eq "exit status" 0 "$RC" || st=1
	grep -q '^ipc0 ' "$dir/out" || st=1
	result "status --control takes precedence over \$ICMSG_CONTROL" "$st"

	local count k
	count=$("$FAKE" --malformed-count)
	st=0
	for ((k = 0; k < count; k++)); do
		run_fake_cli "$dir/out" "$dir/err" status "malformed-$k"
		if [ "$RC" -ne 1 ] || ! grep -q '^icmsg-cli: malformed reply from icmsgd' "$dir/err" ||
			[ "$(($(wc -l <"$dir/err")))" -ne 1 ]; then
			diag "payload $k: exit $RC" "$(cat "$dir/err")"
			st=1
		fi
		run_fake_cli "$dir/out" "$dir/err" send "malformed-$k" x
		if [ "$RC" -ne 1 ] || ! grep -q '^icmsg-cli: malformed reply from icmsgd' "$dir/err" ||
			[ "$(($(wc -l <"$dir/err")))" -ne 1 ]; then
			diag "send, payload $k: exit $RC" "$(cat "$dir/err")"
			st=1
		fi
	done
	result "status and send refuse $count malformed replies with exit 1, no crash" "$st"
}

case_fake_monitor() {
	local dir=$FAKE_DIR st pid expected

	expected=$(cat <<EOF
ipc0: bound (magic)
ipc0: unbound (ECONNRESET)
$TRICKY: error: cannot open "/dev/uio3":\x0aNo such file
ipc0: client 1234 error: EMSGSIZE (200 bytes, max 128)
ipc0: client 99 dropped (1024 queued)
reload (2 instances)
ipc0: future-thing
EOF
)
	st=0
	run_fake_cli "$dir/out" "$dir/err" monitor --count 7
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "events" "$expected" "$(cat "$dir/out")" || st=1
	result "monitor --count 7 prints one line per event, unknown events by name" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" monitor --json -n 2
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "events" '{"event":"bound","instance":"ipc0","variant":"magic","time":1764080000.5}
{"event":"unbound","instance":"ipc0","reason":"ECONNRESET","time":1764080001}' \
		"$(cat "$dir/out")" || st=1
	result "monitor --json prints each event as received" "$st"

	st=0
	ICMSG_CONTROL=$dir/control.sock "$CLI" monitor >"$dir/mon.out" 2>"$dir/mon.err" &
	pid=$!
	PIDS+=("$pid")
	wait_for_line "$dir/mon.out" 'future-thing' || st=1
	kill -INT "$pid"
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "stderr" "" "$(cat "$dir/mon.err")" || st=1
	result "monitor runs until SIGINT and exits 0 quietly" "$st"
}

case_fake_data() {
	local dir=$FAKE_DIR st pid before m17
	m17=$(printf '%017d' 0)

	st=0
	run_fake_cli "$dir/out" "$dir/err" send ipc0 --replies hello 'two words'
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'hello\ntwo words' "$(cat "$dir/out")" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send INSTANCE --replies: one datagram per message, replies printed" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" send -r -x -i ipc0 "01 02 ff" 5c00
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'01 02 ff\n5c 00' "$(cat "$dir/out")" || st=1
	result "send -i INSTANCE --hex round-trips bytes" "$st"

	st=0
	RC=0
	printf 'one\n\ntwo\n' | ICMSG_CONTROL=$dir/control.sock "$CLI" send ipc0 -r \
		>"$dir/out" 2>"$dir/err" || RC=$?
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "replies" $'one\ntwo' "$(cat "$dir/out")" || st=1
	result "send INSTANCE reads stdin lines" "$st"

	# recv sees what a sender sends; an oversized message is refused
	# before anything of that invocation is sent.
	st=0
	before=$(connections "$dir")
	ICMSG_CONTROL=$dir/control.sock "$CLI" recv ipc0 --count 2 --timeout "$WAIT_MS" \
		>"$dir/recv.out" 2>"$dir/recv.err" &
	pid=$!
	PIDS+=("$pid")
	wait_connections "$dir" "$before" || st=1
	run_fake_cli "$dir/out" "$dir/err" send ipc0 first "$m17"
	expect_eq "oversize exit status" 1 "$RC" || st=1
	expect_eq "oversize message" "icmsg-cli: message 1 is 17 bytes, more than the \
instance's limit of 16 bytes (max_send) -- 'ipc0'" "$(cat "$dir/err")" || st=1
	run_fake_cli "$dir/out" "$dir/err" send ipc0 a 'b c'
	expect_eq "send exit status" 0 "$RC" || st=1
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$dir/recv.err")"; st=1; }
	expect_eq "received" $'a\nb c' "$(cat "$dir/recv.out")" || st=1
	result "recv INSTANCE --count 2 prints what send sends; oversize sends nothing" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" send -r nolimit "$m17"
	expect_eq "exit status" 0 "$RC" || st=1
	expect_eq "reply" "$m17" "$(cat "$dir/out")" || st=1
	result "send without a max_send in the status leaves the limit to icmsgd" "$st"

	# A max_send no ICMsg message can have is a broken reply, not a
	# buffer size to allocate (--raw would malloc it).
	st=0
	run_fake_cli "$dir/out" "$dir/err" send hugelimit x
	expect_eq "exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: malformed reply from icmsgd: max_send .*4294967296" "$dir/err" ||
		st=1
	RC=0
	printf 'blob' | ICMSG_CONTROL=$dir/control.sock "$CLI" send hugelimit --raw \
		>"$dir/out" 2>"$dir/err" || RC=$?
	expect_eq "--raw exit status" 1 "$RC" || st=1
	grep -q "^icmsg-cli: malformed reply from icmsgd: max_send" "$dir/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send refuses a max_send above 65535 as a malformed reply" "$st"

	# --socket needs no control socket at all.
	st=0
	RC=0
	ICMSG_CONTROL=$WORK/nowhere.sock "$CLI" send --socket "$dir/ipc0.sock" -r direct \
		>"$dir/out" 2>"$dir/err" || RC=$?
	expect_eq "send exit status" 0 "$RC" || st=1
	expect_eq "reply" direct "$(cat "$dir/out")" || st=1
	before=$(connections "$dir")
	ICMSG_CONTROL=$WORK/nowhere.sock "$CLI" recv --socket "$dir/ipc0.sock" -x -n 1 \
		-t "$WAIT_MS" >"$dir/recv.out" 2>"$dir/recv.err" &
	pid=$!
	PIDS+=("$pid")
	wait_connections "$dir" "$before" || st=1
	run_fake_cli "$dir/out" "$dir/err" send ipc0 AB
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "recv exit status" 0 "$RC" || { diag "$(cat "$dir/recv.err")"; st=1; }
	expect_eq "received" "41 42" "$(cat "$dir/recv.out")" || st=1
	result "send and recv --socket PATH skip the control socket" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" recv ipc0 --timeout 200
	expect_eq "exit status" 3 "$RC" || st=1
	grep -q "no message within 200 ms -- 'ipc0'" "$dir/err" || st=1
	result "recv --timeout 200 exits 3 when nothing arrives" "$st"

	st=0
	run_fake_cli "$dir/out" "$dir/err" send nope x
	expect_eq "unknown exit status" 1 "$RC" || st=1
	expect_eq "unknown message" "icmsg-cli: icmsgd: no such instance -- 'nope'" \
		"$(cat "$dir/err")" || st=1
	run_fake_cli "$dir/out" "$dir/err" recv nosocket
	expect_eq "no socket exit status" 1 "$RC" || st=1
	grep -q "no socket for instance 'nosocket'" "$dir/err" || st=1
	run_fake_cli "$dir/out" "$dir/err" send unreachable x
	expect_eq "unreachable exit status" 1 "$RC" || st=1
	grep -q "cannot connect to the socket of instance 'unreachable': No such file or \
directory -- '/nonexistent/unreachable.sock'" "$dir/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$dir/err")"
	result "send/recv exit 1 for an unknown instance, no socket, an unreachable socket" "$st"

	# The daemon going away ends recv with an error, not silently.
	st=0
	before=$(connections "$dir")
	ICMSG_CONTROL=$dir/control.sock "$CLI" recv ipc0 >"$dir/recv.out" 2>"$dir/recv.err" &
	pid=$!
	PIDS+=("$pid")
	wait_connections "$dir" "$before" || st=1
	stop_fake
	wait_for_exit "$pid" || st=1
	RC=0
	wait "$pid" || RC=$?
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: icmsgd closed the connection -- 'ipc0'" \
		"$(cat "$dir/recv.err")" || st=1
	result "recv exits 1 when icmsgd closes the connection" "$st"
}

case_fake_modes() {
	local st
	FAKE_DIR=$WORK/fake-modes

	st=0
	start_fake "$FAKE_DIR" close-events || st=1
	run_fake_cli "$FAKE_DIR/out" "$FAKE_DIR/err" monitor
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "events" 7 "$(($(wc -l <"$FAKE_DIR/out")))" || st=1
	grep -q '^icmsg-cli: icmsgd closed the control connection' "$FAKE_DIR/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$FAKE_DIR/err")"
	result "monitor exits 1 when icmsgd closes the connection" "$st"
	stop_fake

	st=0
	start_fake "$FAKE_DIR" bad-event || st=1
	run_fake_cli "$FAKE_DIR/out" "$FAKE_DIR/err" monitor
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "events" "ipc0: bound (magic)" "$(cat "$FAKE_DIR/out")" || st=1
	grep -q '^icmsg-cli: malformed reply from icmsgd: unexpected end' "$FAKE_DIR/err" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$FAKE_DIR/err")"
	result "monitor exits 1 on a malformed event" "$st"
	stop_fake

	st=0
	start_fake "$FAKE_DIR" bad-ack || st=1
	run_fake_cli "$FAKE_DIR/out" "$FAKE_DIR/err" monitor
	expect_eq "exit status" 1 "$RC" || st=1
	expect_eq "message" "icmsg-cli: icmsgd: unknown request" "$(cat "$FAKE_DIR/err")" || st=1
	result "monitor exits 1 when icmsgd refuses to subscribe" "$st"
	stop_fake

	st=0
	start_fake "$FAKE_DIR" silent || st=1
	run_fake_cli "$FAKE_DIR/out" "$FAKE_DIR/err" status --timeout 200
	expect_eq "status exit status" 3 "$RC" || st=1
	grep -q 'no reply from icmsgd within 200 ms' "$FAKE_DIR/err" || st=1
	run_fake_cli "$FAKE_DIR/out" "$FAKE_DIR/err" send --timeout 200 ipc0 x
	expect_eq "send exit status" 3 "$RC" || st=1
	[ "$st" -eq 0 ] || diag "$(cat "$FAKE_DIR/err")"
	result "status and send --timeout 200 exit 3 when icmsgd does not answer" "$st"
	stop_fake

	# send returns once icmsgd has read everything; before the bond it
	# reads nothing (docs/icmsgd.md).
	st=0
	start_fake "$FAKE_DIR" unbound || st=1
	run_fake_cli "$FAKE_DIR/out" "$FAKE_DIR/err" send --timeout 200 ipc0 x
	expect_eq "exit status" 3 "$RC" || st=1
	expect_eq "message" "icmsg-cli: icmsgd has not taken all messages within 200 ms \
(is the link bound?) -- 'ipc0'" "$(cat "$FAKE_DIR/err")" || st=1
	result "send --timeout 200 exits 3 when icmsgd does not read the messages" "$st"
	stop_fake
}

case_fake() {
	open_fake "$WORK/fake" || return 0
	case_fake_status
	case_fake_monitor
	case_fake_data
	case_fake_modes
}

case_dump_vectors
case_dump_corrupt
case_echo
case_recv
case_no_peer
case_usage
case_sessions
case_direct_instance
case_daemon_down
case_fake

summary cli
