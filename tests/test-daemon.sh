#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end test of icmsgd (docs/icmsgd.md): the real daemon, one
# `icmsg-cli sim` per instance as the remote core (echo), and daemon-client
# as the socket client.
#
# Usage: test-daemon.sh PATH-TO-icmsgd PATH-TO-icmsg-cli
#   env ICMSG_DAEMON_CLIENT  daemon-client (default: next to this build's tests)
#   env ICMSGD_UNIT          the generated icmsgd.service, for systemd-analyze
#   env ICMSG_DAEMON_TEST_MESSAGES  messages of the long streams (100000)
#
# Nothing sleeps to wait for something: every wait polls against a deadline.
set -euo pipefail

DAEMON=${1:?usage: test-daemon.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
CLI=${2:?usage: test-daemon.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
DC=${ICMSG_DAEMON_CLIENT:-$(dirname "$CLI")/../tests/daemon-client}
UNIT=${ICMSGD_UNIT:-}
MESSAGES=${ICMSG_DAEMON_TEST_MESSAGES:-100000}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/icmsgd-test.XXXXXX")
RUN=$WORK/run
CTL=$RUN/control.sock
CONFIG=$WORK/icmsgd.yaml
CONFD=$WORK/conf.d
DAEMON_LOG=$WORK/daemon.log
EVENTS=$WORK/events.log
NOTIFY_LOG=$WORK/notify.log
DPID=
SUBPID=
declare -A SIM
PIDS=()

cleanup() {
	local pid
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	for pid in "${SIM[@]}" "${PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bound for anything that should happen "at once" (ASan builds are slow).
WAIT_MS=15000

. "$(dirname "$0")/lib.sh"

# wait_exit PID [TIMEOUT_MS]: wait for PID and return its status; kill it
# at the deadline (status 124).
wait_exit() {
	local pid=$1 deadline=$(($(now_ms) + ${2:-$WAIT_MS}))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "process $pid still running at the deadline"
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return 124
		fi
		sleep 0.02
	done
	local st=0
	wait "$pid" || st=$?
	return "$st"
}

# ---- configuration ----

# instance NAME [EXTRA-LINE]...: one instance of the daemon's config on stdout.
instance() {
	local name=$1 line
	shift
	cat <<EOF
  - name: $name
    compatible: zephyr,ipc-icmsg
    rx-region: { path: $WORK/shm/$name.bin, offset: 0x0000, size: 0x0800 }
    tx-region: { path: $WORK/shm/$name.bin, offset: 0x0800, size: 0x0800 }
    mboxes:
      rx: $WORK/shm/$name.ch0.fifo
      tx: $WORK/shm/$name.ch1.fifo
EOF
	for line in "$@"; do
		echo "    $line"
	done
}

# peer NAME: the config the sim of NAME loads (no daemon keys).
peer() {
	instance "$1" | sed '1i instances:' >"$WORK/peer-$1.yaml"
}

daemon_header() {
	cat <<EOF
daemon:
  runtime-dir: $RUN
  control-mode: 0600
instances:
EOF
}

# ---- processes ----

start_daemon() {
	NOTIFY_SOCKET=$WORK/notify.sock "$DAEMON" -c "$CONFIG" -d "$CONFD" -v \
		>>"$DAEMON_LOG" 2>&1 &
	DPID=$!
	wait_until "control socket answers" "$WAIT_MS" status_ok || return 1
	start_subscriber
}

status_ok() {
	"$DC" control "$CTL" status | grep -q '"instances"'
}

start_subscriber() {
	local before
	before=$(grep -c subscribed "$EVENTS" 2>/dev/null || true)
	"$DC" subscribe "$CTL" >>"$EVENTS" 2>/dev/null &
	SUBPID=$!
	PIDS+=("$SUBPID")
	wait_until "subscribed" "$WAIT_MS" sh -c \
		"[ \"\$(grep -c subscribed '$EVENTS')\" -gt ${before:-0} ]"
}

start_sim() {
	"$CLI" sim -c "$WORK/peer-$1.yaml" -i "$1" >>"$WORK/sim-$1.log" 2>&1 &
	SIM[$1]=$!
}

status() {
	"$DC" control "$CTL" "status${1:+ $1}"
}

# field INSTANCE KEY: a number or string of the instance's status ("" if
# the daemon does not answer).
field() {
	local out
	out=$(status "$1" 2>/dev/null) || true
	printf '%s\n' "$out" | grep -oE "\"$2\":(\"[^\"]*\"|[0-9]+|null)" |
		sed -n '1s/^[^:]*://p' | tr -d '"' || true
}

# matches PATTERN: stdin has a line matching the extended regex PATTERN.
# (grep -q would stop reading early; with pipefail the writer's SIGPIPE
# would fail the pipeline.)
matches() {
	[ "$(grep -cE -- "$1")" -gt 0 ]
}

state_is() {
	[ "$(field "$1" state)" = "$2" ]
}

clients_are() {
	[ "$(status "$1" | grep -o '{"pid"' | wc -l)" -eq "$2" ]
}

field_ge() {
	[ "$(field "$1" "$2")" -ge "$3" ]
}

wait_bound() {
	local name
	for name in "$@"; do
		wait_until "$name bound" "$WAIT_MS" state_is "$name" bound || return 1
	done
}

# events_since LINE: the events after line LINE of the event log.
events_since() {
	tail -n +"$(($1 + 1))" "$EVENTS"
}

event_count() {
	wc -l <"$EVENTS"
}

# ---- the test cases ----

mkdir -p "$WORK/shm" "$CONFD"
for name in ipc0 ipc1 slow drop new0; do
	peer "$name"
done
{
	daemon_header
	instance ipc0
	instance ipc1
	instance slow "client-policy: wait" "client-queue-limit: 64" "disconnect-on-unbound: true"
	instance drop "client-policy: disconnect" "client-queue-limit: 64"
} >"$CONFIG"
: >"$EVENTS"

# -- start-up and sd_notify READY ----------------------------------------
"$DC" notify-listen "$WORK/notify.sock" "$RUN/ipc0.sock" "$RUN/drop.sock" \
	>"$NOTIFY_LOG" 2>&1 &
PIDS+=("$!")
st=0
wait_until "notify listener" "$WAIT_MS" has_line "$NOTIFY_LOG" '^listening$' || st=1
start_daemon || st=1
wait_until "READY=1" "$WAIT_MS" has_line "$NOTIFY_LOG" '^READY=1' || st=1
if ! grep -qE '^READY=1 STATUS=4 instances, [0-9] bound exists=1 exists=1$' "$NOTIFY_LOG"; then
	diag "notify datagrams:" "$(cat "$NOTIFY_LOG")"
	st=1
fi
result "READY=1 comes once the instance sockets exist, with STATUS" $st

st=0
for name in ipc0 ipc1 slow drop; do
	start_sim "$name"
done
wait_bound ipc0 ipc1 slow drop || st=1
wait_until "STATUS=4 instances, 4 bound" "$WAIT_MS" \
	has_line "$NOTIFY_LOG" '^STATUS=4 instances, 4 bound' || st=1
result "four instances at once, each bonds with its simulated core; STATUS follows" $st

# -- throughput ----------------------------------------------------------
st=0
"$DC" -n "$MESSAGES" -m 128 -i 1 -S 11 -t 120000 stream "$RUN/ipc0.sock" \
	>"$WORK/stream0.out" 2>&1 &
p0=$!
"$DC" -n "$MESSAGES" -m 128 -i 1 -S 12 -t 120000 stream "$RUN/ipc1.sock" \
	>"$WORK/stream1.out" 2>&1 &
p1=$!
wait_exit "$p0" 130000 || st=1
wait_exit "$p1" 130000 || st=1
diag "ipc0: $(tail -n 1 "$WORK/stream0.out")" "ipc1: $(tail -n 1 "$WORK/stream1.out")"
[ "$(field ipc0 tx_msgs)" -ge "$MESSAGES" ] || st=1
result "$MESSAGES messages of 1..128 bytes through each of two instances at once, verified" $st

st=0
"$DC" -n 2000 -s 64 -i 9 ping "$RUN/ipc0.sock" >"$WORK/ping.out" 2>&1 || st=1
"$DC" -n $((MESSAGES / 5)) -s 64 -i 9 -S 91 -t 60000 stream "$RUN/ipc0.sock" \
	>>"$WORK/ping.out" 2>&1 || st=1
diag "$(cat "$WORK/ping.out")"
result "64-byte messages: ping-pong round trips, then a stream" $st

# -- fan-out ---------------------------------------------------------------
st=0
rp=()
for i in 1 2 3; do
	"$DC" -n 5000 -m 100 -i 2 -S 21 -t 60000 recv "$RUN/ipc0.sock" \
		>"$WORK/fan$i.out" 2>&1 &
	rp+=("$!")
done
wait_until "3 clients on ipc0" "$WAIT_MS" clients_are ipc0 3 || st=1
"$DC" -n 5000 -m 100 -i 2 -S 21 -t 60000 stream "$RUN/ipc0.sock" >"$WORK/fan-s.out" 2>&1 ||
	st=1
for p in "${rp[@]}"; do
	wait_exit "$p" || st=1
done
[ $st -eq 0 ] || diag "$(cat "$WORK"/fan*.out)"
result "several clients on one instance all receive every message, in order" $st

# -- a client that sends and closes at once ----------------------------------
# It never reads its echoes: the kernel then reports ECONNRESET once on the
# daemon's side, with the client's datagrams still queued behind it.
st=0
for round in 1 2 3 4; do
	"$DC" -n 400 -m 100 -i 9 -S $((90 + round)) -t 60000 recv "$RUN/ipc0.sock" \
		>"$WORK/blast-r.out" 2>&1 &
	rpid=$!
	wait_until "a listener on ipc0" "$WAIT_MS" clients_are ipc0 1 || st=1
	"$DC" -n 400 -m 100 -i 9 -S $((90 + round)) blast "$RUN/ipc0.sock" \
		>"$WORK/blast-s.out" 2>&1 || st=1
	wait_exit "$rpid" || st=1
	wait_until "ipc0 without clients" "$WAIT_MS" clients_are ipc0 0 || st=1
done
[ $st -eq 0 ] || diag "$(cat "$WORK"/blast-*.out)"
result "a client that sends 400 messages and closes at once: all reach the remote core" $st

# -- a client that closes while the ring is full -----------------------------
# The remote core is stopped, so the ring fills and the daemon holds the rest
# of the client's datagrams in its own buffer (30 of 104 bytes: one read, 19
# fit the ring) when the client hangs up: they must still be delivered once
# the core runs again.
st=0
"$DC" -n 30 -s 100 -i 8 -S 88 -t 60000 recv "$RUN/ipc0.sock" >"$WORK/full-r.out" 2>&1 &
rpid=$!
wait_until "a listener on ipc0" "$WAIT_MS" clients_are ipc0 1 || st=1
bp=$(field ipc0 backpressure)
kill -STOP "${SIM[ipc0]}"
"$DC" -n 30 -s 100 -i 8 -S 88 -w "$WORK/full-close" -t 60000 blast "$RUN/ipc0.sock" \
	>"$WORK/full-s.out" 2>&1 &
spid=$!
wait_until "ipc0's ring full" "$WAIT_MS" field_ge ipc0 backpressure $((bp + 1)) || st=1
touch "$WORK/full-close"
wait_exit "$spid" || st=1
kill -CONT "${SIM[ipc0]}"
wait_exit "$rpid" 30000 || st=1
wait_until "ipc0 without clients" "$WAIT_MS" clients_are ipc0 0 || st=1
[ $st -eq 0 ] || diag "$(cat "$WORK"/full-*.out)"
result "a client that hangs up while the ring is full: all it sent reaches the remote core" $st

# -- a slow client, policy wait ----------------------------------------------
st=0
"$DC" -n 3000 -m 128 -i 3 -S 31 -w "$WORK/go-slow" -t 60000 recv "$RUN/slow.sock" \
	>"$WORK/slow-r.out" 2>&1 &
pr=$!
wait_until "slow client connected" "$WAIT_MS" clients_are slow 1 || st=1
"$DC" -n 3000 -m 128 -i 3 -S 31 -t 60000 stream "$RUN/slow.sock" >"$WORK/slow-s.out" 2>&1 &
ps=$!
# The reader does not read: its queue fills to the limit and stays there,
# the ring waits for it and the stream stalls.
wait_until "queue of the slow client at its limit" "$WAIT_MS" sh -c \
	"'$DC' control '$CTL' 'status slow' | grep -q '\"queued\":64}'" || st=1
field_ge slow backpressure 1 || st=1
kill -0 "$ps" 2>/dev/null || { diag "the stream did not stall"; st=1; }
touch "$WORK/go-slow"
wait_exit "$pr" 60000 || st=1
wait_exit "$ps" 60000 || st=1
[ "$(field slow clients_dropped)" = 0 ] || st=1
[ $st -eq 0 ] || diag "$(cat "$WORK"/slow-*.out)"
result "client-policy wait: a client that stops reading loses nothing, the others wait" $st

# -- disconnect-on-unbound -------------------------------------------------
st=0
"$DC" -i 3 -e -t 60000 recv "$RUN/slow.sock" >"$WORK/dou.out" 2>&1 &
pr=$!
wait_until "client on slow" "$WAIT_MS" clients_are slow 1 || st=1
kill -9 "${SIM[slow]}"
wait "${SIM[slow]}" 2>/dev/null || true
start_sim slow
wait_exit "$pr" || st=1
grep -q 'then end of file' "$WORK/dou.out" || st=1
wait_bound slow || st=1
"$DC" -n 100 ping "$RUN/slow.sock" >/dev/null || st=1
result "disconnect-on-unbound: a remote reset closes the clients; new ones work" $st

# -- control requests --------------------------------------------------------
st=0
[ "$("$DC" control "$CTL" "status nosuch")" = \
	'{"error":"no such instance","instance":"nosuch"}' ] || st=1
[ "$("$DC" control "$CTL" "hello")" = '{"error":"unknown request"}' ] || st=1
head='^\{"version":"[0-9.]+","pid":[0-9]+,"instances":\[\{"name":"ipc0","state":"bound",'
status | matches "$head"'"variant":"magic","bonded_since":[0-9]+\.[0-9]{3},' || st=1
[ "$(status | grep -o '"name"' | wc -l)" -eq 4 ] || st=1
[ "$(status ipc1 | grep -o '"name"' | wc -l)" -eq 1 ] || st=1
[ $st -eq 0 ] || diag "$(status)"
result "control socket: status, status NAME, unknown instance, unknown request" $st

# -- a slow client, policy disconnect ------------------------------------
st=0
ev=$(event_count)
"$DC" -i 4 -S 41 -e -w "$WORK/go-drop" -t 60000 recv "$RUN/drop.sock" >"$WORK/drop-r.out" 2>&1 &
pr=$!
wait_until "drop client connected" "$WAIT_MS" clients_are drop 1 || st=1
"$DC" -n 3000 -m 128 -i 4 -S 41 -t 60000 stream "$RUN/drop.sock" >"$WORK/drop-s.out" 2>&1 ||
	st=1
[ "$(field drop clients_dropped)" = 1 ] || st=1
events_since "$ev" | matches '"event":"client-dropped","instance":"drop","pid":' || st=1
touch "$WORK/go-drop"
wait_exit "$pr" || st=1
grep -q 'then end of file' "$WORK/drop-r.out" || st=1
[ $st -eq 0 ] || diag "$(cat "$WORK"/drop-*.out)" "$(status drop)"
result "client-policy disconnect: the slow client is dropped (event, counter), others go on" $st

# -- a client leaving mid-stream -----------------------------------------
st=0
"$DC" -n 20000 -m 128 -i 5 -S 51 -t 60000 recv "$RUN/ipc1.sock" >"$WORK/mid-a.out" 2>&1 &
pa=$!
"$DC" -n 500 -m 128 -i 5 -S 51 -t 60000 recv "$RUN/ipc1.sock" >"$WORK/mid-b.out" 2>&1 &
pb=$!
wait_until "2 clients on ipc1" "$WAIT_MS" clients_are ipc1 2 || st=1
"$DC" -n 20000 -m 128 -i 5 -S 51 -t 60000 stream "$RUN/ipc1.sock" >"$WORK/mid-s.out" 2>&1 ||
	st=1
wait_exit "$pa" || st=1
wait_exit "$pb" || st=1
[ $st -eq 0 ] || diag "$(cat "$WORK"/mid-*.out)"
result "a client disconnecting mid-stream does not disturb the others" $st

# -- oversize and empty datagrams ------------------------------------------
st=0
ev=$(event_count)
errors=$(field ipc0 errors)
"$DC" send "$RUN/ipc0.sock" 129 >"$WORK/over.out" 2>&1 || st=1
"$DC" send "$RUN/ipc0.sock" 0 >>"$WORK/over.out" 2>&1 || st=1
[ "$(grep -c 'connection alive' "$WORK/over.out")" -eq 2 ] || st=1
[ "$(field ipc0 oversize)" = 1 ] || st=1
[ "$(field ipc0 errors)" -gt "$errors" ] || st=1
pat='"event":"client-error","instance":"ipc0","pid":[0-9]+,"error":"EMSGSIZE",'
events_since "$ev" | matches "$pat"'"size":129,"max":128' || st=1
[ $st -eq 0 ] || diag "$(cat "$WORK/over.out")" "$(events_since "$ev")"
result "oversized and empty datagrams: counted, client-error event, connection stays" $st

# -- remote reset mid-stream -------------------------------------------------
st=0
ev=$(event_count)
"$DC" -n 100000000 -m 128 -i 6 -S 61 -l -t 60000 stream "$RUN/ipc1.sock" \
	>"$WORK/reset-s.out" 2>&1 &
pbg=$!
PIDS+=("$pbg")
rx0=$(field ipc1 rx_msgs)
wait_until "traffic on ipc1" "$WAIT_MS" field_ge ipc1 rx_msgs $((rx0 + 2000)) || st=1
kill -9 "${SIM[ipc1]}"
wait "${SIM[ipc1]}" 2>/dev/null || true
start_sim ipc1
wait_until "unbound then bound" "$WAIT_MS" sh -c "tail -n +$((ev + 1)) '$EVENTS' |
	awk '/\"event\":\"unbound\",\"instance\":\"ipc1\"/ { u = 1 }
	     u && /\"event\":\"bound\",\"instance\":\"ipc1\"/ { b = 1 } END { exit !b }'" || st=1
rx1=$(field ipc1 rx_msgs)
wait_until "traffic resumes on the same connection" "$WAIT_MS" \
	field_ge ipc1 rx_msgs $((rx1 + 2000)) || st=1
kill "$pbg" 2>/dev/null || true
wait "$pbg" 2>/dev/null || true
"$DC" -n 2000 -m 128 -i 7 -S 71 -t 60000 stream "$RUN/ipc1.sock" >"$WORK/reset-n.out" 2>&1 ||
	st=1
[ $st -eq 0 ] || diag "$(events_since "$ev")" "$(cat "$WORK"/reset-*.out)"
result "remote reset mid-stream: unbound then bound events, traffic resumes" $st

# -- reload ----------------------------------------------------------------
st=0
ev=$(event_count)
"$DC" -n 2000 -m 128 -i 8 -S 81 -w "$WORK/go-keep" -t 60000 stream "$RUN/ipc0.sock" \
	>"$WORK/keep.out" 2>&1 &
pk=$!
"$DC" -i 8 -S 82 -e -t 60000 recv "$RUN/ipc1.sock" >"$WORK/restart.out" 2>&1 &
prs=$!
wait_until "client on ipc0" "$WAIT_MS" clients_are ipc0 1 || st=1
wait_until "client on ipc1" "$WAIT_MS" clients_are ipc1 1 || st=1
notified=$(wc -l <"$NOTIFY_LOG")
{
	daemon_header
	instance ipc0
	instance ipc1 "client-queue-limit: 512"
	instance drop "client-policy: disconnect" "client-queue-limit: 64"
} >"$CONFIG"
instance new0 "socket: { mode: 0640 }" | sed '1i instances:' >"$CONFD/50-new.yaml"
kill -HUP "$DPID"
wait_until "reload event" "$WAIT_MS" sh -c "tail -n +$((ev + 1)) '$EVENTS' |
	grep -q '\"event\":\"reload\",\"instances\":4'" || st=1
[ ! -e "$RUN/slow.sock" ] || { diag "slow.sock still there"; st=1; }
[ -S "$RUN/new0.sock" ] || { diag "new0.sock missing"; st=1; }
# ipc1 restarted: its client was closed.
wait_exit "$prs" || st=1
grep -q 'then end of file' "$WORK/restart.out" || st=1
start_sim new0
wait_bound new0 ipc1 || st=1
# ipc0 was left alone: its client, connected before, still works.
touch "$WORK/go-keep"
wait_exit "$pk" 60000 || { diag "$(cat "$WORK/keep.out")"; st=1; }
"$DC" -n 100 ping "$RUN/new0.sock" >/dev/null || st=1
"$DC" -n 100 ping "$RUN/ipc1.sock" >/dev/null || st=1
tail -n +"$((notified + 1))" "$NOTIFY_LOG" |
	awk '/^RELOADING=1/ { r = 1 } r && /^READY=1/ { ok = 1 }
	END { exit !ok }' || { diag "notify:" "$(cat "$NOTIFY_LOG")"; st=1; }
[ $st -eq 0 ] || diag "$(grep -E 'reload|instance' "$DAEMON_LOG" | tail -n 20)"
result "SIGHUP: added, removed, changed and unchanged instances; RELOADING=1 then READY=1" $st

st=0
ev=$(event_count)
logged=$(wc -l <"$DAEMON_LOG")
cp "$CONFIG" "$WORK/good.yaml"
{
	daemon_header
	instance ipc0 "client-queue-limit: 0"
	instance ipc0
} >"$CONFIG"
kill -HUP "$DPID"
wait_until "refusal logged" "$WAIT_MS" sh -c "tail -n +$((logged + 1)) '$DAEMON_LOG' |
	grep -q '^<3>reload refused'" || st=1
tail -n +"$((logged + 1))" "$DAEMON_LOG" | matches '^<3>.*icmsgd.yaml:[0-9]+: ' || st=1
[ "$(status | grep -o '"name"' | wc -l)" -eq 4 ] || st=1
"$DC" -n 100 ping "$RUN/ipc0.sock" >/dev/null || st=1
"$DC" -n 100 ping "$RUN/new0.sock" >/dev/null || st=1
cp "$WORK/good.yaml" "$CONFIG"
[ $st -eq 0 ] || diag "$(tail -n +"$((logged + 1))" "$DAEMON_LOG")"
result "a reload with configuration errors logs them at <3> and changes nothing" $st

# -- socket permissions ------------------------------------------------------
st=0
[ "$(stat -c %a "$RUN/new0.sock")" = 640 ] || st=1
[ "$(stat -c %a "$RUN/ipc0.sock")" = 660 ] || st=1
[ "$(stat -c %a "$CTL")" = 600 ] || st=1
[ $st -eq 0 ] || diag "$(stat -c '%a %n' "$RUN"/*.sock)"
result "socket modes as configured (0640, default 0660, control 0600)" $st

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	st=0
	chmod 0711 "$WORK"
	{
		daemon_header
		instance ipc0
		instance ipc1 "client-queue-limit: 512"
		instance drop "client-policy: disconnect" "client-queue-limit: 64" \
			"socket: { mode: 0666 }"
	} >"$CONFIG"
	instance new0 "socket: { mode: 0600 }" | sed '1i instances:' >"$CONFD/50-new.yaml"
	ev=$(event_count)
	kill -HUP "$DPID"
	wait_until "reload event" "$WAIT_MS" sh -c "tail -n +$((ev + 1)) '$EVENTS' |
		grep -q '\"event\":\"reload\"'" || st=1
	wait_until "new0 at 0600" "$WAIT_MS" \
		sh -c "[ \"\$(stat -c %a '$RUN/new0.sock')\" = 600 ]" || st=1
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	out_refused=$(as_nobody "$DC" connect "$RUN/new0.sock" 2>&1 || true)
	out_allowed=$(as_nobody "$DC" connect "$RUN/drop.sock" 2>&1 || true)
	[ "$out_refused" = EACCES ] || st=1
	[ "$out_allowed" = connected ] || st=1
	[ $st -eq 0 ] || diag "0600 socket: $out_refused" "0666 socket: $out_allowed"
	result "another uid: refused by a 0600 socket (EACCES), accepted by a 0666 one" $st
else
	skip "another uid is refused by a 0600 socket" "needs root and setpriv"
fi

# -- kill -9 and restart ------------------------------------------------------
st=0
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || true
kill "$SUBPID" 2>/dev/null || true
[ -S "$CTL" ] || { diag "stale control socket expected"; st=1; }
start_daemon || st=1
wait_bound ipc0 ipc1 drop new0 || st=1
for name in ipc0 ipc1 drop new0; do
	"$DC" -n 100 ping "$RUN/$name.sock" >/dev/null || { diag "ping $name failed"; st=1; }
done
result "kill -9 of the daemon and a restart: stale sockets replaced, links bond again" $st

# -- a broken instance does not stop the others ------------------------------
st=0
ev=$(event_count)
mkdir -p "$WORK/notadir.bin"
cat >"$CONFD/60-broken.yaml" <<EOF
instances:
  - name: broken
    compatible: zephyr,ipc-icmsg
    rx-region: { path: $WORK/notadir.bin, offset: 0x0000, size: 0x0800 }
    tx-region: { path: $WORK/shm/broken.bin, offset: 0x0800, size: 0x0800 }
    mboxes:
      rx: $WORK/shm/broken.ch0.fifo
      tx: $WORK/shm/broken.ch1.fifo
EOF
kill -HUP "$DPID"
wait_until "broken in error" "$WAIT_MS" state_is broken error || st=1
wait_until "second attempt" 5000 has_line "$DAEMON_LOG" '^<3>instance broken: .*retrying in 2 s' ||
	st=1
[ "$(field broken error)" != null ] || st=1
"$DC" -n 100 ping "$RUN/ipc0.sock" >/dev/null || st=1
# Its socket is not read while the link is down: clients that connect and
# hang up must still be let go, not pile up.
for _ in $(seq 50); do
	"$DC" connect "$RUN/broken.sock" >/dev/null || st=1
done
wait_until "hung-up clients let go" "$WAIT_MS" clients_are broken 0 || st=1
events_since "$ev" | matches '"event":"error","instance":"broken"' || st=1
rm -f "$CONFD/60-broken.yaml"
[ $st -eq 0 ] || diag "$(status broken)"
result "an instance that cannot open is in state error, retried, lets hung-up clients go; the others run" $st

# -- --check-config -----------------------------------------------------------
st=0
out=$("$DAEMON" --check-config -c "$CONFIG" -d "$CONFD" 2>&1) || st=1
[ "$out" = "configuration OK: 4 instances" ] || st=1
{
	daemon_header
	instance ipc0 "client-queue-limit: 0"
} >"$WORK/bad.yaml"
code=0
bad=$("$DAEMON" --check-config -c "$WORK/bad.yaml" -d "$CONFD" 2>&1) || code=$?
[ "$code" -eq 1 ] || st=1
printf '%s\n' "$bad" | matches 'bad.yaml:[0-9]+: ' || st=1
code=0
"$DAEMON" --check-config -c "$WORK/nonexistent.yaml" -d "$CONFD" >/dev/null 2>&1 || code=$?
[ "$code" -eq 1 ] || st=1
[ $st -eq 0 ] || diag "$out" "$bad"
result "--check-config: OK with the count, errors with file:line and exit 1" $st

# -- --check-config probes UIO devices (a fake sysfs tree) -----------------
st=0
mkdir -p "$WORK/hw.d" "$WORK/sysroot-none" "$WORK/sysroot/dev" \
	"$WORK/sysroot/sys/class/uio/uio0/maps/map0"
{
	daemon_header
	cat <<EOF
  - name: hw
    tx-region: { uio: shm, map-name: ring, offset: 0x0800, size: 0x0800 }
    rx-region: { uio: /dev/uio0, offset: 0x1000, size: 0x0800 }
    mboxes: { tx: $WORK/shm/hw.tx, rx: $WORK/shm/hw.rx }
EOF
} >"$WORK/hw.yaml"
hw_check() {
	ICMSG_SYSROOT=$1 "$DAEMON" --check-config -c "$WORK/hw.yaml" -d "$WORK/hw.d" 2>&1
}
# No UIO on this machine: a note, and the configuration is fine.
code=0
out=$(hw_check "$WORK/sysroot-none") || code=$?
[ "$code" -eq 0 ] || st=1
printf '%s\n' "$out" | matches "^icmsgd: instance 'hw': note: not checked: tx-region: " || st=1
printf '%s\n' "$out" | matches '^configuration OK: 1 instances$' || st=1
# uio0 "shm" has one map "ring" of 0x1000 bytes: rx-region ends beyond it.
echo shm >"$WORK/sysroot/sys/class/uio/uio0/name"
echo ring >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/name"
echo 0x1000 >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/size"
echo 0x0 >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/offset"
: >"$WORK/sysroot/dev/uio0"
code=0
bad=$(hw_check "$WORK/sysroot") || code=$?
[ "$code" -eq 1 ] || st=1
printf '%s\n' "$bad" | matches "^icmsgd: instance 'hw': rx-region: .*map 0" || st=1
! printf '%s\n' "$bad" | matches 'tx-region|configuration OK' || st=1
# A map big enough for both.
echo 0x2000 >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/size"
good=$(hw_check "$WORK/sysroot") || st=1
[ "$good" = "configuration OK: 1 instances" ] || st=1
[ $st -eq 0 ] || diag "$out" "$bad" "$good"
result "--check-config: UIO regions probed, a note without UIO, an error naming the key" $st

# -- the control socket moves at reload ---------------------------------------
st=0
ev=$(event_count)
cp "$CONFIG" "$WORK/good.yaml"
sed -i 's|^  control-mode: 0600|  control-mode: 0600\n  control-socket: ctl2.sock|' "$CONFIG"
kill -HUP "$DPID"
wait_until "new control socket" "$WAIT_MS" sh -c "'$DC' control '$RUN/ctl2.sock' status |
	grep -q instances" || st=1
[ ! -e "$CTL" ] || { diag "old control socket left"; st=1; }
# Subscribers stay connected across the move.
events_since "$ev" | matches '"event":"reload"' || st=1
cp "$WORK/good.yaml" "$CONFIG"
kill -HUP "$DPID"
wait_until "control socket back" "$WAIT_MS" status_ok || st=1
[ ! -e "$RUN/ctl2.sock" ] || st=1
# A new mode on the same path is applied in place.
sed -i 's|^  control-mode: 0600|  control-mode: 0640|' "$CONFIG"
kill -HUP "$DPID"
wait_until "control socket at 0640" "$WAIT_MS" sh -c "[ \"\$(stat -c %a '$CTL')\" = 640 ]" ||
	st=1
status_ok || st=1
cp "$WORK/good.yaml" "$CONFIG"
kill -HUP "$DPID"
wait_until "control socket at 0600" "$WAIT_MS" sh -c "[ \"\$(stat -c %a '$CTL')\" = 600 ]" ||
	st=1
[ "$(event_count)" -ge "$((ev + 4))" ] || { diag "the subscriber missed reloads"; st=1; }
result "a reload moves the control socket or changes its mode; subscribers stay" $st

# -- the systemd unit -------------------------------------------------------
if command -v systemd-analyze >/dev/null && [ -n "$UNIT" ] && [ -f "$UNIT" ]; then
	st=0
	mkdir -p "$WORK/unit"
	# verify wants the binary: point ExecStart at this build's.
	sed "s|^ExecStart=[^ ]*|ExecStart=$DAEMON|" "$UNIT" >"$WORK/unit/icmsgd.service"
	out=$(systemd-analyze verify --man=no "$WORK/unit/icmsgd.service" 2>&1) || st=1
	# Warnings about the host's own units are not ours.
	if printf '%s\n' "$out" | matches 'icmsgd.service'; then
		st=1
	fi
	[ $st -eq 0 ] || diag "$out"
	result "systemd-analyze verify accepts icmsgd.service" $st
else
	skip "systemd-analyze verify of icmsgd.service" "systemd-analyze or the unit not found"
fi

# -- SIGTERM ----------------------------------------------------------------
st=0
# Several control clients at the end: control_free() walks their list.
start_subscriber
start_subscriber
kill -TERM "$DPID"
code=0
wait_exit "$DPID" || code=$?
DPID=
[ "$code" -eq 0 ] || { diag "exit status $code"; st=1; }
for f in "$CTL" "$RUN"/*.sock; do
	[ ! -e "$f" ] || { diag "$f left behind"; st=1; }
done
sanitizer='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|Sanitizer has encountered'
if grep -qE "$sanitizer" "$WORK"/*.log "$WORK"/*.out; then
	diag "$(grep -E -A5 "$sanitizer" "$WORK"/*.log "$WORK"/*.out | head -n 40)"
	st=1
fi
result "SIGTERM with control clients connected: exit 0, socket files removed, no sanitizer report" $st

summary daemon
