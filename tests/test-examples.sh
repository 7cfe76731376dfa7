#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The programs of examples/ against a simulated remote core that echoes
# (`icmsg-cli sim`): blocking and libevent open the instance themselves;
# client.py goes through a real icmsgd.
#
# Usage: test-examples.sh CLI BLOCKING LIBEVENT ICMSGD
#   CLI       icmsg-cli
#   BLOCKING  the built examples/blocking.c
#   LIBEVENT  the built examples/libevent.c, "" if not built (skipped)
#   ICMSGD    icmsgd, "" if not built (client.py skipped)
# client.py is taken from the source tree; it is skipped without python3.
#
# Nothing sleeps to wait for something: every wait polls against a deadline.
set -euo pipefail

# shellcheck disable=SC2034 # CLI is for lib-cli.sh
CLI=${1:?usage: test-examples.sh CLI BLOCKING LIBEVENT ICMSGD}
BLOCKING=${2:?usage: test-examples.sh CLI BLOCKING LIBEVENT ICMSGD}
LIBEVENT=${3:-}
DAEMON=${4:-}
CLIENT_PY=$(dirname "$0")/../examples/client.py

. "$(dirname "$0")/lib.sh"
# make_config (instance t0), start_sim, stop_sim.
. "$(dirname "$0")/lib-cli.sh"
sanitizer_statuses
work_dir icmsg-examples

# Bound for a run that should take milliseconds (ASan builds are slow).
WAIT_MS=15000
RUN_S=30

# run_example NAME OUT EXPECTED-RC COMMAND...: run COMMAND (killed after
# RUN_S seconds) with stdout to OUT and stderr to OUT.err; fail unless it
# exits EXPECTED-RC.
run_example() {
	local name=$1 out=$2 want=$3
	shift 3
	run_to "$out" "$out.err" timeout -k 5 "$RUN_S" "$@"
	if [ "$RC" -ne "$want" ]; then
		diag "$name exited with $RC, not $want:" "$(cat "$out.err")"
		return 1
	fi
}

MSGS=("hello, remote core" "ICMsg from an example" "x")
ECHO=$(printf '%s\n' "${MSGS[@]}")

# ---------------------------------------------------------------------------
D=$WORK/direct
make_config "$D"
start_sim "$D"

st=0
run_example blocking "$WORK/blocking.out" 0 "$BLOCKING" "$D/icmsg.yaml" t0 "${MSGS[@]}" || st=1
expect_eq "blocking's replies" "$ECHO" "$(cat "$WORK/blocking.out")" || st=1
result "examples/blocking.c: bonds, sends each argument, prints each echo" $st

st=0
# A second process on the same instance bonds anew, as a restarted core.
run_example blocking "$WORK/blocking2.out" 0 "$BLOCKING" "$D/icmsg.yaml" t0 again || st=1
expect_eq "blocking's reply" again "$(cat "$WORK/blocking2.out")" || st=1
run_example "blocking, unknown instance" "$WORK/blocking3.out" 1 \
	"$BLOCKING" "$D/icmsg.yaml" nope hello || st=1
grep -q "no instance named 'nope'" "$WORK/blocking3.out.err" || st=1
run_example "blocking, no arguments" "$WORK/blocking4.out" 2 "$BLOCKING" || st=1
result "examples/blocking.c: runs again on the same core; errors exit 1, usage 2" $st

if [ -n "$LIBEVENT" ]; then
	st=0
	run_example libevent "$WORK/libevent.out" 0 "$LIBEVENT" "$D/icmsg.yaml" t0 "${MSGS[@]}" ||
		st=1
	expect_eq "libevent's replies" "$ECHO" "$(cat "$WORK/libevent.out")" || st=1
	grep -qx bound "$WORK/libevent.out.err" || { diag "no 'bound' on stderr"; st=1; }
	result "examples/libevent.c: the link in a libevent loop, callbacks print each echo" $st
	st=0
	run_example "libevent, unknown instance" "$WORK/libevent2.out" 1 \
		"$LIBEVENT" "$D/icmsg.yaml" nope hello || st=1
	run_example "libevent, no arguments" "$WORK/libevent3.out" 2 "$LIBEVENT" || st=1
	result "examples/libevent.c: errors exit 1, usage 2" $st
	# No remote core: its timer event ends the loop after 5 s.
	st=0
	make_config "$WORK/nopeer"
	run_example "libevent, no peer" "$WORK/libevent4.out" 1 \
		"$LIBEVENT" "$WORK/nopeer/icmsg.yaml" t0 hello || st=1
	grep -q "^timed out" "$WORK/libevent4.out.err" || st=1
	result "examples/libevent.c: without a peer its timer gives up, exit 1" $st
else
	skip "examples/libevent.c: the link in a libevent loop" "not built (no libevent)"
	skip "examples/libevent.c: errors exit 1, usage 2" "not built (no libevent)"
	skip "examples/libevent.c: without a peer its timer gives up" "not built (no libevent)"
fi

st=0
stop_sim "$D" || st=1
# blocking sent 3 + 1, libevent 3 (each is one message of the sim's count).
want=4
[ -n "$LIBEVENT" ] && want=7
grep -q "received $want messages" "$D/sim.err" || { diag "$(cat "$D/sim.err")"; st=1; }
result "the simulated core echoed exactly the examples' messages" $st

# ---------------------------------------------------------------------------
# A chatty core: the sim generates flat out, so that one icmsg_link_process()
# hands libevent several messages at once. It takes the first for the reply
# to its one message and must ignore the rest: no crash, no sanitizer
# report, nothing sent past its arguments.
if [ -n "$LIBEVENT" ]; then
	G=$WORK/generate
	make_config "$G"
	start_sim "$G" --mode generate
	st=0
	for i in 1 2 3; do
		run_to "$WORK/gen$i.out" "$WORK/gen$i.out.err" timeout -k 5 "$RUN_S" \
			"$LIBEVENT" "$G/icmsg.yaml" t0 "one $i"
		if [ "$RC" -ne 0 ] && [ "$RC" -ne 1 ]; then
			diag "run $i exited with $RC:" "$(cat "$WORK/gen$i.out.err")"
			st=1
		fi
		if grep -qE 'runtime error|Sanitizer' "$WORK/gen$i.out.err"; then
			diag "run $i:" "$(cat "$WORK/gen$i.out.err")"
			st=1
		fi
	done
	stop_sim "$G" || st=1
	got=$(sed -n 's/.*: received \([0-9]*\) messages.*/\1/p' "$G/sim.err")
	if ! [ "${got:-x}" -le 3 ] 2>/dev/null; then
		diag "the sim received ${got:-?} messages from 3 runs of one message:" \
			"$(cat "$G/sim.err")"
		st=1
	fi
	result "examples/libevent.c: a burst of messages in one batch ends it cleanly" $st
else
	skip "examples/libevent.c: a burst of messages in one batch" "not built (no libevent)"
fi

# ---------------------------------------------------------------------------
if [ -z "$DAEMON" ]; then
	skip "examples/client.py: through icmsgd" "icmsgd not built"
	skip "examples/client.py: an unknown instance" "icmsgd not built"
	skip "examples/client.py: no reply" "icmsgd not built"
elif ! command -v python3 >/dev/null 2>&1; then
	skip "examples/client.py: through icmsgd" "no python3"
	skip "examples/client.py: an unknown instance" "no python3"
	skip "examples/client.py: no reply" "no python3"
else
	# icmsgd on the instance t0 of P/icmsg.yaml, the sim on its other side.
	P=$WORK/daemon
	make_config "$P"
	{
		echo "daemon:"
		echo "  runtime-dir: $P/run"
		echo "  control-mode: 0600"
		cat "$P/icmsg.yaml"
	} >"$P/icmsgd.yaml"
	"$DAEMON" -c "$P/icmsgd.yaml" -d "$P/conf.d" >"$P/icmsgd.log" 2>&1 &
	PIDS+=("$!")
	DPID=$!
	start_sim "$P"
	export ICMSG_CONTROL=$P/run/control.sock

	st=0
	wait_until "icmsgd's control socket" "$WAIT_MS" test -S "$ICMSG_CONTROL" || st=1
	# Sent before the bond, the message waits in the socket: no retry.
	run_example client.py "$WORK/client.out" 0 python3 "$CLIENT_PY" t0 "hello, icmsgd" || st=1
	expect_eq "client.py's reply" "hello, icmsgd" "$(cat "$WORK/client.out")" || st=1
	run_example client.py "$WORK/client2.out" 0 python3 "$CLIENT_PY" t0 "twice" || st=1
	expect_eq "client.py's reply" "twice" "$(cat "$WORK/client2.out")" || st=1
	[ $st -eq 0 ] || diag "icmsgd:" "$(cat "$P/icmsgd.log")"
	result "examples/client.py: asks the control socket, sends through icmsgd, prints the echo" $st

	st=0
	run_example "client.py, unknown instance" "$WORK/client3.out" 1 \
		python3 "$CLIENT_PY" nope hello || st=1
	expect_eq "client.py's error" "icmsgd: no such instance: nope" \
		"$(cat "$WORK/client3.out.err")" || st=1
	result "examples/client.py: an unknown instance is icmsgd's error, exit 1" $st

	# No remote core any more: no echo comes, the socket timeout ends it.
	stop_sim "$P" || true
	st=0
	run_example "client.py, no echo" "$WORK/client4.out" 1 \
		python3 "$CLIENT_PY" t0 "nobody there" || st=1
	grep -q "^timed out" "$WORK/client4.out.err" || st=1
	result "examples/client.py: no reply within 5 s exits 1 with a message" $st

	kill -TERM "$DPID" 2>/dev/null || true
	wait "$DPID" 2>/dev/null || true
fi

summary examples
