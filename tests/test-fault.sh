#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fault injection against icmsgd on the simulation transport: the real
# daemon, one `icmsg-cli sim` per instance as the remote core, and
# tests/daemon-client as the socket clients (`seq`: numbered messages,
# each rebuilt and compared byte for byte on arrival).
#
#   1. remote resets during traffic: 1000 resets of an echoing core (magic
#      bonding), 300 with sessions, 1000 of a generating core; the stream
#      goes on after each rebond, nothing duplicated or corrupted, what a
#      reset dropped is accounted for (below), and no reset is taken for a
#      corrupt ring (icmsgd's errors counter stays put);
#   2. a corrupted ring (wr_idx out of range, a length past the end, a
#      broken bonding magic) during traffic: that instance reports it
#      (state fault / bonding, events) and recovers when the remote core
#      re-initialises; two other instances keep their rate meanwhile;
#   3. clients that stall, read slowly, send oversized and empty datagrams,
#      hang up in the middle of a blast, and hundreds that come and go (a
#      crowd over the limit of 256, 500 one after the other): no loss for
#      the well-behaved clients; the daemon's RSS before and after two
#      rounds;
#   4. doorbell storms (100000 signals without data, both ways) and data
#      without a signal;
#   5. icmsgd killed with SIGKILL under load and started again: the links
#      bond again, the clients connect again and go on.
#
# What a reset may lose, and how it is accounted for. ICMsg gives a ring
# no acknowledgement: when a core re-initialises, whatever was in the two
# rings is gone (spec 3.2, 3.3: the writer resets its own ring, the reader
# starts over at 0), and the protocol has no counter of it; the surviving
# side only learns that the peer restarted. So here:
#   * every message carries a sequence number; the receiver (daemon-client
#     seq) checks each one byte for byte: a duplicate, a reordering or a
#     changed byte is "corrupt" and fails the test at once;
#   * a missing run of numbers (a gap) is "dropped by a reset" only if the
#     client learnt of a reset that can have caused it: an `unbound` event
#     of that instance on the control socket (or its own reconnection),
#     seen after the first missing message was sent (a message still in
#     the client's socket when the reset is reported cannot be lost by it:
#     the daemon does not read clients while the link is down); one reset
#     explains one gap (what a reset drops is contiguous: our ring, the
#     message the core had in hand, its ring). Any other gap is "lost" and
#     fails the test;
#   * the drops are then matched with the counters on both ends: messages
#     the daemon wrote into its ring (tx_msgs) minus what the core read
#     (sim rx_msgs), the echoes the core held when it reset (sim dropped),
#     what the core wrote minus what the daemon read (rx_msgs): their sum
#     must equal what the client saw missing, and the client's sent and
#     received counts must equal the daemon's tx_msgs and rx_msgs.
#
# Usage: test-fault.sh PATH-TO-icmsgd PATH-TO-icmsg-cli
#   env ICMSG_DAEMON_CLIENT  daemon-client (default: next to this build's tests)
#   env ICMSG_SANITIZE       the build's b_sanitize (memory bounds are looser)
#   env ICMSG_FAULT_RESETS   resets of the reset cases (1000)
#   env KEEP=1               keep the work directory
#
# Waits poll against deadlines. Two checks need a quiet interval instead
# (data without a signal stays undelivered for 1 s; the daemon's idle CPU
# over 1 s); they say so.
set -euo pipefail

DAEMON=${1:?usage: test-fault.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
CLI=${2:?usage: test-fault.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
DC=${ICMSG_DAEMON_CLIENT:-$(dirname "$CLI")/../tests/daemon-client}
SANITIZE=${ICMSG_SANITIZE:-none}
RESETS=${ICMSG_FAULT_RESETS:-1000}

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fault.sh"

sanitizer_statuses
# Bound for anything that should happen "at once" (ASan builds are slow).
WAIT_MS=20000
# icmsgd -v: what it only says at debug level explains some findings.
DAEMON_VERBOSE=1
fault_work icmsg-fault

T_START=$(now_ms)

# ---- the daemon and its remote cores ----------------------------------------

SESSION=("dcache-alignment: 8" "unbound: enable")
ABUSE=("client-policy: disconnect" "client-queue-limit: 2048")
{
	daemon_header
	instance reset
	instance sreset "${SESSION[@]}"
	instance gen
	instance bad
	instance by0
	instance by1
	instance abuse "${ABUSE[@]}"
	instance quiet
} >"$CONFIG"
mkdir -p "$WORK/conf.d"
for name in reset gen bad by0 by1 abuse; do
	peer "$name"
done
peer sreset "${SESSION[@]}"
# quiet's remote core signals a FIFO nobody reads: its data comes without
# a doorbell (case_missing_signal).
peer quiet
sed -i "s|rx: $SHM/quiet.ch0.fifo|rx: $SHM/quiet.nobody.fifo|" "$WORK/peer-quiet.yaml"

st=0
start_daemon || st=1
# Magic bonding: the echo core resets after every 20 messages it receives.
start_sim reset --mode echo --reset-every 20 --json
start_sim sreset --mode echo --reset-every 20 --json
for name in by0 by1 abuse; do
	start_sim "$name" --mode echo
done
wait_bound reset sreset by0 by1 abuse || st=1
[ $st -eq 0 ] || diag "$(tail -n 20 "$WORK/daemon.log")"
result "icmsgd with 8 instances; the remote cores of 5 bond" $st
if [ $st -ne 0 ]; then
	summary fault
	exit 1
fi

# ---- 1. remote resets during traffic -------------------------------------------

# no_false_fault NAME ERRORS-BEFORE: a reset is a reset, not a corrupt ring:
# NAME's error counter has not moved.
no_false_fault() {
	local n
	n=$(($(field "$1" errors) - $2))
	[ "$n" -eq 0 ] && return 0
	diag "$1: $n resets taken for a corrupt ring (errors counter):" \
		"$(grep "^<3>link $1: peer's ring is corrupt" "$WORK/daemon.log" | head -n 3)"
	return 1
}

# echo_resets NAME RESETS WHAT: a seq stream through NAME's echoing core,
# which resets after every 20 messages, until the daemon has seen RESETS
# unbinds; then the accounting (top of this file).
echo_resets() {
	local name=$1 want=$2 what=$3 st=0 out pid
	local tx0 rx0 unb0 err0 tx rx unb sent received lost gaps s_rx s_tx s_drop s_resets t0 ms
	out=$WORK/resets-$name.out
	err0=$(field "$name" errors)
	tx0=$(field "$name" tx_msgs)
	rx0=$(field "$name" rx_msgs)
	unb0=$(field "$name" unbinds)
	t0=$(now_ms)
	bg "$DC" -i 1 -S 7 -m 64 -n 0 --stop-file "$WORK/stop-$name" --events "$CTL" \
		--instance "$name" -t 150000 seq "$RUN/$name.sock" >"$out" 2>"$out.err"
	pid=$BG
	wait_progress "$want resets of $name" 120000 5000 field_ge "$name" unbinds $((unb0 + want)) || st=1
	touch "$WORK/stop-$name"
	wait_exit "$pid" 60000 || { diag "seq exited with $?"; st=1; }
	ms=$(($(now_ms) - t0))
	tx=$(($(field "$name" tx_msgs) - tx0))
	rx=$(($(field "$name" rx_msgs) - rx0))
	unb=$(($(field "$name" unbinds) - unb0))
	no_false_fault "$name" "$err0" || st=1
	stop_sim "$name" || st=1
	sent=$(kv "$out" sent)
	received=$(kv "$out" received)
	lost=$(kv "$out" lost)
	gaps=$(kv "$out" gaps)
	s_rx=$(json_num "$WORK/sim-$name.out" rx_msgs)
	s_tx=$(json_num "$WORK/sim-$name.out" tx_msgs)
	s_drop=$(json_num "$WORK/sim-$name.out" dropped)
	s_resets=$(json_num "$WORK/sim-$name.out" resets)
	if [ -z "$sent" ] || [ -z "$s_rx" ]; then
		diag "no figures:" "$(cat "$out" "$out.err")" "$(tail -n 3 "$WORK/sim-$name.err")"
		result "$what" 1
		return
	fi
	[ "$(kv "$out" corrupt)" = 0 ] || st=1
	[ "$(kv "$out" unexplained)" = 0 ] || st=1
	# Only this client's stream is on the instance: anything else is a
	# message nobody sent.
	[ "$(kv "$out" foreign)" = 0 ] || { diag "$(kv "$out" foreign) foreign messages"; st=1; }
	[ "$unb" -ge "$want" ] || st=1
	# The client's view and the daemon's counters agree ...
	[ "$sent" -eq "$tx" ] || { diag "sent $sent, daemon tx_msgs $tx"; st=1; }
	[ "$received" -eq "$rx" ] || { diag "received $received, daemon rx_msgs $rx"; st=1; }
	# ... and every message missing is one a reset dropped on the way.
	[ $((sent - received)) -eq "$lost" ] || { diag "sent - received != lost"; st=1; }
	if [ "$s_rx" -gt "$tx" ] || [ "$s_tx" -lt "$rx" ]; then
		diag "a side read more than the other sent"
		st=1
	fi
	[ $((s_rx - s_tx)) -eq "$s_drop" ] || { diag "sim: rx - tx != dropped"; st=1; }
	[ $((tx - s_rx + s_drop + s_tx - rx)) -eq "$lost" ] ||
		{ diag "the counters account for $((tx - s_rx + s_drop + s_tx - rx)), not $lost"; st=1; }
	diag "$name: $unb resets seen by icmsgd ($s_resets by the core) in $ms ms" \
		"  messages sent $sent, echoed back $received, dropped by resets $lost in $gaps gaps" \
		"  (largest $(kv "$out" max_gap), $(kv "$out" unbound) unbound events), duplicated or corrupted $(kv "$out" corrupt), unexplained $(kv "$out" unexplained)" \
		"  where: $((tx - s_rx)) in icmsgd's ring, $s_drop echoes the core had in hand, $((s_tx - rx)) in the core's ring"
	[ $st -eq 0 ] || diag "$(head -n 5 "$out.err")"
	result "$what" $st
}

case_resets() {
	echo_resets reset "$RESETS" \
		"$RESETS remote resets (magic bonding) during an echo stream: none duplicated or corrupted, every drop explained and counted"
	echo_resets sreset $((RESETS * 3 / 10)) \
		"$((RESETS * 3 / 10)) remote resets (sessions) during an echo stream: none duplicated or corrupted, every drop explained and counted"
}

# The other direction: a generating core (counter pattern, u32 sequence
# numbers) that resets after every 50 messages; the client checks every
# number and content, from 0 to the last.
case_resets_generate() {
	local st=0 out=$WORK/gen.out pid total=$((RESETS * 50 + 50)) rx0 rx s_tx s_resets lost err0
	rx0=$(field gen rx_msgs)
	err0=$(field gen errors)
	bg "$DC" -n 0 --rx counter --expect "$total" --events "$CTL" --instance gen \
		--drain 5000 -t 150000 seq "$RUN/gen.sock" >"$out" 2>"$out.err"
	pid=$BG
	wait_until "a client on gen" "$WAIT_MS" clients_are gen 1 || st=1
	start_sim gen --mode generate --size 4-64 --reset-every 50 --count "$total" --json \
		--duration 120000
	wait_sim_exit gen 120000 || { diag "sim exited with $?" "$(tail -n 3 "$WORK/sim-gen.err")"; st=1; }
	wait_exit "$pid" 60000 || { diag "seq exited with $?"; st=1; }
	rx=$(($(field gen rx_msgs) - rx0))
	no_false_fault gen "$err0" || st=1
	s_tx=$(json_num "$WORK/sim-gen.out" tx_msgs)
	s_resets=$(json_num "$WORK/sim-gen.out" resets)
	lost=$(kv "$out" lost)
	[ "${s_tx:-0}" -eq "$total" ] || { diag "the core sent ${s_tx:-?} of $total"; st=1; }
	[ "${s_resets:-0}" -eq "$RESETS" ] || st=1
	[ "$(kv "$out" received)" = "$rx" ] || st=1
	[ "${lost:-x}" = $((total - rx)) ] || { diag "lost ${lost:-?}, core tx - daemon rx $((total - rx))"; st=1; }
	# What icmsgd logs at debug level only: a restart of the core it
	# re-bonds after without an unbound event (lib/protocol.c,
	# peer_restarted(): "quiet").
	diag "gen: icmsgd re-bonded without an unbound event $(grep -c '^<7>link gen: peer re-initialised its ring' "$WORK/daemon.log") times (debug log)"
	diag "gen: ${s_resets:-?} resets; messages generated $total, delivered $rx, dropped by resets ${lost:-?} in $(kv "$out" gaps) gaps (largest $(kv "$out" max_gap), $(kv "$out" unbound) unbound events), corrupted $(kv "$out" corrupt), unexplained $(kv "$out" unexplained)"
	[ $st -eq 0 ] || diag "$(head -n 5 "$out.err")" "$(tail -n 3 "$WORK/sim-gen.err")"
	result "$RESETS resets of a generating core: every message 0..$((total - 1)) delivered once, intact, or dropped by a reset" $st
}

# ---- 2. corrupted rings ------------------------------------------------------

# watch_bad FILE: until the sim of bad exits, one line every 20 ms:
# "MS STATE-OF-bad RX-OF-by0 RX-OF-by1".
watch_bad() {
	local t0 line
	t0=$(now_ms)
	while kill -0 "${SIM[bad]}" 2>/dev/null && [ $(($(now_ms) - t0)) -lt 30000 ]; do
		line=$(table | awk '$1 == "bad" { s = $2 } $1 == "by0" { a = $3 }
			$1 == "by1" { b = $3 } END { print s, a, b }')
		echo "$(($(now_ms) - t0)) $line"
		sleep 0.02
	done >"$1"
}

# rate_in FILE COLUMN WHICH: messages/s of a bystander (column 3 or 4) while
# bad was bound before the fault (WHICH=before) or then not bound (during).
rate_in() {
	awk -v col="$2" -v which="$3" '
		phase == 0 && $2 == "bound" { phase = 1 }
		phase == 1 && $2 != "bound" { phase = 2 }
		phase == 2 && $2 == "bound" { phase = 3 }
		(which == "before" && phase == 1) || (which == "during" && phase == 2) {
			if (t0 == "") { t0 = $1; v0 = $col }
			t1 = $1; v1 = $col
		}
		END { if (t1 > t0) printf "%d\n", (v1 - v0) * 1000 / (t1 - t0); else print 0 }
	' "$1"
}

case_corrupt() {
	local kind st out pid ev watch before0 before1 during0 during1 problem
	local -a by=()
	# Two bystanders stream all along: no loss allowed at all there.
	for i in 0 1; do
		bg "$DC" -i 3 -S $((30 + i)) -m 128 -n 0 --stop-file "$WORK/stop-by" -t 150000 \
			seq "$RUN/by$i.sock" >"$WORK/by$i.out" 2>"$WORK/by$i.out.err"
		by+=("$BG")
	done
	for kind in wr-index length magic; do
		st=0
		out=$WORK/bad-$kind.out
		watch=$WORK/bad-$kind.watch
		ev=$(wc -l <"$EVENTS")
		bg "$DC" -n 0 --rx counter --expect 4000 --events "$CTL" --instance bad \
			--drain 5000 -t 60000 seq "$RUN/bad.sock" >"$out" 2>"$out.err"
		pid=$BG
		wait_until "a client on bad" "$WAIT_MS" clients_are bad 1 || st=1
		# 2000 messages a second: 0.5 s normal, corrupt at 1000, the ring
		# the corruption's until the reset at 3000, then 0.5 s normal.
		start_sim bad --mode generate --rate 2000 --size 4-64 --corrupt "$kind" \
			--corrupt-after 1000 --reset-every 3000 --count 4000 --json --duration 20000
		watch_bad "$watch"
		wait_sim_exit bad "$WAIT_MS" || st=1
		wait_exit "$pid" 30000 || { diag "seq on bad exited with $?"; st=1; }
		state_is bad bound || { diag "bad is $(field bad state) at the end"; st=1; }
		[ "$(kv "$out" corrupt)" = 0 ] && [ "$(kv "$out" unexplained)" = 0 ] || st=1
		grep -q "^corrupt $kind: " "$WORK/sim-bad.err" || st=1
		if [ "$kind" = magic ]; then
			# Spec 3.2: a broken magic is no fault, the link is unbound.
			problem=bonding
			tail -n +"$((ev + 1))" "$EVENTS" | grep -q \
				'"event":"unbound","instance":"bad","reason":"ECONNRESET"' || st=1
		else
			problem=fault
			tail -n +"$((ev + 1))" "$EVENTS" | grep -q \
				'"event":"unbound","instance":"bad","reason":"EBADMSG"' || st=1
			grep -q "<3>link bad: peer's ring is corrupt: " "$WORK/daemon.log" || st=1
		fi
		awk -v p="$problem" '$2 == p { f = 1 } END { exit !f }' "$watch" ||
			{ diag "bad never seen in state $problem"; st=1; }
		tail -n +"$((ev + 1))" "$EVENTS" | grep -q '"event":"bound","instance":"bad"' || st=1
		before0=$(rate_in "$watch" 3 before)
		before1=$(rate_in "$watch" 4 before)
		during0=$(rate_in "$watch" 3 during)
		during1=$(rate_in "$watch" 4 during)
		# "Full speed": together, at least half the rate they had just
		# before (they share two CPUs with everything else, so each on
		# its own swings more than that).
		if [ "$before0" -eq 0 ] || [ "$before1" -eq 0 ]; then
			diag "no rate measured before the fault"
			st=1
		fi
		[ $((during0 + during1)) -ge $(((before0 + before1) / 2)) ] || st=1
		diag "bad ($kind): $(awk -v p="$problem" '$2 == p { if (t0 == "") t0 = $1; t1 = $1 }
			END { print t1 - t0 }' "$watch") ms in state $problem (first to last look);" \
			"  counter stream: delivered $(kv "$out" received) of 4000, dropped $(kv "$out" lost) (the core drops what it generates while its ring is the corruption's), corrupted $(kv "$out" corrupt), unexplained $(kv "$out" unexplained)" \
			"  bystanders (msgs/s) before -> during: by0 $before0 -> $during0, by1 $before1 -> $during1"
		[ $st -eq 0 ] || diag "$(cat "$out.err")" "$(tail -n 5 "$WORK/sim-bad.err")" \
			"$(tail -n +"$((ev + 1))" "$EVENTS" | grep '"bad"' | head -n 5)"
		result "--corrupt $kind during traffic: bad reports it ($problem) and recovers at the core's reset; the others keep their rate" $st
	done
	st=0
	touch "$WORK/stop-by"
	for i in 0 1; do
		wait_exit "${by[$i]}" 60000 || st=1
		[ "$(kv "$WORK/by$i.out" lost)" = 0 ] && [ "$(kv "$WORK/by$i.out" corrupt)" = 0 ] || st=1
	done
	diag "by0: $(kv "$WORK/by0.out" received) messages, by1: $(kv "$WORK/by1.out" received) messages echoed, none lost or corrupted"
	[ $st -eq 0 ] || diag "$(cat "$WORK"/by?.out.err)"
	result "the bystanders' streams lost nothing during the three corruptions" $st
}

# ---- 3. misbehaving clients --------------------------------------------------

# abuse_round N: one round of bad clients on "abuse" (client-policy
# disconnect, queue limit 2048) beside two well-behaved echo streams of
# 1000 messages a second each: a client that keeps up, that is, but may be
# descheduled for a second on a loaded machine. ROUND_DIAG says what
# happened.
abuse_round() {
	local r=$1 st=0 i n f pid crowd churn held closed drop0
	local -a good=() stalled=() one=()
	drop0=$(field abuse clients_dropped)
	for i in 0 1; do
		bg "$DC" -i $((10 + i)) -S $((100 * r + i)) -m 100 -n 0 --rate 1000 \
			--stop-file "$WORK/stop-good-$r" -t 120000 seq "$RUN/abuse.sock" \
			>"$WORK/good-$r-$i.out" 2>"$WORK/good-$r-$i.err"
		good+=("$BG")
	done
	# Three clients that never read (until told, then to end of file),
	# one that reads a message every 2 ms.
	for i in 0 1 2; do
		bg "$DC" -i 99 -e -w "$WORK/go-stalled-$r" -t 120000 recv "$RUN/abuse.sock" \
			>"$WORK/stalled-$r-$i.out" 2>&1
		stalled+=("$BG")
	done
	bg "$DC" -i 99 -e --read-delay 2000 -t 120000 recv "$RUN/abuse.sock" \
		>"$WORK/slow-$r.out" 2>&1
	local slow=$BG
	for f in good-$r-0.out good-$r-1.out stalled-$r-0.out stalled-$r-1.out stalled-$r-2.out \
		slow-$r.out; do
		wait_until "$f connected" "$WAIT_MS" has_line "$WORK/$f" '^connected$' || st=1
	done
	# Oversized (129 bytes, 64 KiB) and empty datagrams: the connection
	# stays up (each checks with the echo of a probe afterwards).
	for i in 129 65000 0 129 0; do
		bg timeout 70 "$DC" -t 60000 send "$RUN/abuse.sock" "$i" >"$WORK/send-$r-$i.out" 2>&1
		one+=("$BG")
	done
	# Blasts killed with SIGKILL in the middle of their writes.
	for i in 1 2 3; do
		bg "$DC" -n 1000000 -i 97 -m 128 blast "$RUN/abuse.sock" >/dev/null 2>&1
		pid=$BG
		sleep 0.02
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		forget "$pid"
	done
	# 500 clients one after the other, ending in five ways (100 of them
	# with an oversized and an empty datagram).
	bg timeout 120 "$DC" -n 500 -i 98 churn "$RUN/abuse.sock" >"$WORK/churn-$r.out" 2>&1
	churn=$BG
	wait_exit "$churn" 120000 || { diag "churn: $(cat "$WORK/churn-$r.out")"; st=1; }
	for pid in "${one[@]}"; do
		wait_exit "$pid" 60000 || st=1
	done
	grep -q 'connection alive' "$WORK/send-$r-65000.out" || st=1
	# A crowd over the limit of 256 clients, held while the streams go on.
	held=$(($(status abuse | grep -o '{"pid"' | wc -l)))
	bg "$DC" -n 300 --stop-file "$WORK/stop-crowd-$r" -t 120000 crowd "$RUN/abuse.sock" \
		>"$WORK/crowd-$r.out" 2>&1
	crowd=$BG
	wait_until "the crowd connected" "$WAIT_MS" has_line "$WORK/crowd-$r.out" '^crowd: 300 connected'
	# Hold it for half a second of traffic (through the live ones).
	sleep 0.5
	n=$(status abuse | grep -o '{"pid"' | wc -l)
	[ "$n" -le 256 ] || { diag "$n clients on abuse"; st=1; }
	touch "$WORK/stop-crowd-$r"
	# The three stalled clients and the slow one have been dropped by now
	# (2048 messages queued for them), or are dropped soon.
	wait_until "the stalled clients dropped" "$WAIT_MS" field_ge abuse clients_dropped \
		$((drop0 + 4)) || st=1
	touch "$WORK/go-stalled-$r"
	wait_exit "$crowd" 60000 || st=1
	# The daemon closed at once those over its limit of 256.
	closed=$(tail -n 1 "$WORK/crowd-$r.out" | awk '{ print $4 }')
	[ "${closed:-0}" -ge $((300 - (256 - held))) ] || { diag "$(cat "$WORK/crowd-$r.out")"; st=1; }
	for pid in "${stalled[@]}"; do
		wait_exit "$pid" 60000 || st=1
	done
	touch "$WORK/stop-good-$r"
	for i in 0 1; do
		wait_exit "${good[$i]}" 60000 || st=1
		f=$WORK/good-$r-$i.out
		if [ "$(kv "$f" lost)" != 0 ] || [ "$(kv "$f" corrupt)" != 0 ] ||
			[ "$(kv "$f" received)" != "$(kv "$f" sent)" ]; then
			diag "well-behaved client $i:" "$(cat "$f" "$WORK/good-$r-$i.err")"
			st=1
		fi
	done
	# The slow reader is dropped too (or keeps up): either way it ends.
	kill -TERM "$slow" 2>/dev/null || true
	wait_exit "$slow" || true
	for i in 0 1 2; do
		grep -q 'then end of file' "$WORK/stalled-$r-$i.out" ||
			{ diag "stalled client $i not dropped: $(cat "$WORK/stalled-$r-$i.out")"; st=1; }
	done
	wait_until "abuse without clients" "$WAIT_MS" clients_are abuse 0 || st=1
	ROUND_DIAG="round $r: well-behaved $(kv "$WORK/good-$r-0.out" received) + $(kv "$WORK/good-$r-1.out" received) messages echoed, none lost; 3 stalled clients dropped; slow reader: $(grep -c 'end of file' "$WORK/slow-$r.out" | sed 's/^1$/dropped/; s/^0$/kept up/'); churn: $(sed 's/^churn: //' "$WORK/churn-$r.out"); crowd of 300 beside $held clients: $(head -n 1 "$WORK/crowd-$r.out" | sed 's/^crowd: //'), then $(tail -n 1 "$WORK/crowd-$r.out" | sed 's/^crowd: //')"
	return $st
}

case_clients() {
	local st=0 rss0 rss1 rss2 drop0 over0 err0 limit
	# Warm up: the allocator's first arenas, a first client.
	timeout 70 "$DC" -n 2000 -m 100 -t 60000 stream "$RUN/abuse.sock" >/dev/null 2>&1 || st=1
	rss0=$(rss_kib "$DPID")
	drop0=$(field abuse clients_dropped)
	over0=$(field abuse oversize)
	err0=$(field abuse errors)
	abuse_round 1 || st=1
	diag "$ROUND_DIAG"
	rss1=$(rss_kib "$DPID")
	abuse_round 2 || st=1
	diag "$ROUND_DIAG"
	rss2=$(rss_kib "$DPID")
	# Per round: 3 stalled clients and the slow one dropped; 100 + 3
	# oversized datagrams (churn, send) and 2 empty ones from clients that
	# stay. The 100 empty datagrams churn sends just before it closes are
	# not counted: a SOCK_SEQPACKET read returns 0 for an empty datagram
	# and at end of file alike (daemon/client.c takes trailing empty reads
	# of a peer that hung up for the end of file).
	[ "$(field abuse clients_dropped)" -ge $((drop0 + 8)) ] || { diag "dropped: $(field abuse clients_dropped)"; st=1; }
	[ "$(field abuse oversize)" -eq $((over0 + 206)) ] || { diag "oversize: $(field abuse oversize)"; st=1; }
	[ "$(field abuse errors)" -ge $((err0 + 4)) ] || { diag "errors: $(field abuse errors)"; st=1; }
	kill -0 "$DPID" || st=1
	# Bounded memory: the second round may not add what the first did.
	limit=2048
	[ "$SANITIZE" = none ] || limit=65536
	[ $((rss2 - rss1)) -le "$limit" ] || { diag "RSS grew by $((rss2 - rss1)) KiB in round 2"; st=1; }
	diag "icmsgd RSS: before $rss0 KiB, after round 1 $rss1 KiB, after round 2 $rss2 KiB" \
		"abuse counters: clients_dropped $(field abuse clients_dropped), oversize $(field abuse oversize), errors $(field abuse errors)"
	result "stalled, slow, oversized, empty, hung-up and 800 coming and going clients: the well-behaved lose nothing, RSS bounded" $st
}

# ---- 4. doorbells --------------------------------------------------------------

case_storm() {
	local st=0 out=$WORK/storm.out pid c0 c1 c2 c3 t0 ms err0 d0 d1
	err0=$(field by0 errors)
	bg "$DC" -i 4 -S 41 -m 128 -n 0 --stop-file "$WORK/stop-storm" -t 120000 \
		seq "$RUN/by0.sock" >"$out" 2>"$out.err"
	pid=$BG
	c0=$(cpu_ms "$DPID")
	t0=$(now_ms)
	# One byte a write: 100000 signals to icmsgd and 100000 to the core.
	bg timeout 60 dd if=/dev/zero of="$SHM/by0.ch0.fifo" bs=1 count=100000 status=none
	d0=$BG
	bg timeout 60 dd if=/dev/zero of="$SHM/by0.ch1.fifo" bs=1 count=100000 status=none
	d1=$BG
	wait_exit "$d0" 70000 || st=1
	wait_exit "$d1" 70000 || st=1
	ms=$(($(now_ms) - t0))
	c1=$(cpu_ms "$DPID")
	touch "$WORK/stop-storm"
	wait_exit "$pid" 60000 || st=1
	[ "$(kv "$out" lost)" = 0 ] && [ "$(kv "$out" corrupt)" = 0 ] || st=1
	[ "$(kv "$out" received)" = "$(kv "$out" sent)" ] || st=1
	[ "$(field by0 errors)" = "$err0" ] || st=1
	state_is by0 bound || st=1
	# Once the storm is over the daemon is idle again (a quiet second).
	c2=$(cpu_ms "$DPID")
	sleep 1
	c3=$(cpu_ms "$DPID")
	[ $((c3 - c2)) -le 100 ] || { diag "icmsgd used $((c3 - c2)) ms of CPU in an idle second"; st=1; }
	diag "200000 signals without data in $ms ms (icmsgd CPU $((c1 - c0)) ms) during a stream of $(kv "$out" received) messages, none lost; icmsgd idle afterwards: $((c3 - c2)) ms CPU in 1 s"
	[ $st -eq 0 ] || diag "$(cat "$out.err")"
	result "a doorbell storm both ways: no spurious message, no error, the stream intact, idle afterwards" $st
}

# quiet's core rings a FIFO nobody reads. The protocol has no poll
# fallback (spec 1.3: a signal is the only news; 6.2: signals are never
# lost, so none is needed), and libicmsg has none while bound (its timer
# runs only while bonding, which is how quiet bonds at all): the data stays
# in the ring until the next signal, then all of it is delivered.
case_missing_signal() {
	local st=0 out=$WORK/quiet.out pid rx1 used1
	bg "$DC" -n 0 --rx counter --expect 5 --drain 30000 -t 60000 seq "$RUN/quiet.sock" \
		>"$out" 2>"$out.err"
	pid=$BG
	wait_until "a client on quiet" "$WAIT_MS" clients_are quiet 1 || st=1
	start_sim quiet --mode generate --rate 5 --count 5 --size 8 --duration 20000
	wait_until "quiet bound" "$WAIT_MS" state_is quiet bound || st=1
	# Five 8-byte messages, 200 ms apart: at least three come after the
	# bond, without a signal.
	wait_until "messages waiting in quiet's ring" "$WAIT_MS" field_ge quiet rx_ring_used 36 || st=1
	rx1=$(field quiet rx_msgs)
	used1=$(field quiet rx_ring_used)
	sleep 1 # a quiet second: nothing may happen
	[ "$(field quiet rx_msgs)" = "$rx1" ] || { diag "delivered without a signal"; st=1; }
	[ "$(field quiet rx_ring_used)" -ge "$used1" ] || st=1
	[ "$rx1" -lt 5 ] || st=1
	# One doorbell byte: everything waiting is delivered.
	timeout 5 sh -c "printf x >>'$SHM/quiet.ch0.fifo'" || st=1
	wait_exit "$pid" "$WAIT_MS" || st=1
	[ "$(kv "$out" received)" = 5 ] || st=1
	wait_exit "${SIM[quiet]}" "$WAIT_MS" || true
	SIM[quiet]=
	diag "data without a signal: $rx1 of 5 delivered, $used1 bytes left in the ring for 1 s; after one doorbell: $(kv "$out" received) of 5"
	[ $st -eq 0 ] || diag "$(cat "$out" "$out.err")"
	result "data without a signal waits in the ring (no poll fallback) and is delivered at the next signal" $st
}

# ---- 5. icmsgd killed under load ---------------------------------------------

# What a client sees when icmsgd is killed (observed here, and what
# daemon-client seq --reconnect copes with): its connection fails with
# ECONNRESET (recv, when the daemon died with the client's datagrams
# unread), end of file (recv) or EPIPE (send); connect() is refused with
# ECONNREFUSED while the stale socket file has no listener; a connect() in
# the instant the dying daemon's socket still exists may even succeed and
# be reset at once (so: retry on any error). The new icmsgd replaces the
# stale socket files and accepts clients at once, reading them only once
# its link is bound again. Whatever was in flight (client socket buffers,
# the daemon's queues, the rings) is lost: the client sees one gap, which
# its own reconnection explains. The remote core sees a peer restart
# ("unbound (peer restarted)") and bonds with the new daemon.
case_kill() {
	local st=0 i name rx0 old=$DPID
	local -a cl=()
	for i in 0 1; do
		bg "$DC" -i 5 -S $((50 + i)) -m 128 -n 0 --stop-file "$WORK/stop-kill" --reconnect \
			--events "$CTL" --instance "by$i" -t 120000 seq "$RUN/by$i.sock" \
			>"$WORK/kill-$i.out" 2>"$WORK/kill-$i.err"
		cl+=("$BG")
	done
	rx0=$(field by0 rx_msgs)
	wait_until "traffic on by0" "$WAIT_MS" field_ge by0 rx_msgs $((rx0 + 5000)) || st=1
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=
	kill "$SUBPID" 2>/dev/null || true
	wait "$SUBPID" 2>/dev/null || true
	forget "$SUBPID"
	# The clients see the end of their connection and retry meanwhile.
	sleep 0.2
	start_daemon || st=1
	wait_bound by0 by1 abuse || st=1
	for name in by0 by1; do
		wait_until "traffic on the new $name" "$WAIT_MS" field_ge "$name" rx_msgs 5000 || st=1
	done
	touch "$WORK/stop-kill"
	for i in 0 1; do
		wait_exit "${cl[$i]}" 60000 || st=1
		# Once, or twice when it connected in the instant the dying
		# daemon's listening socket still took connections.
		[ "$(kv "$WORK/kill-$i.out" reconnects)" -ge 1 ] || st=1
		[ "$(kv "$WORK/kill-$i.out" corrupt)" = 0 ] && [ "$(kv "$WORK/kill-$i.out" unexplained)" = 0 ] || st=1
		diag "client on by$i: sent $(kv "$WORK/kill-$i.out" sent), echoed $(kv "$WORK/kill-$i.out" received), lost with the daemon $(kv "$WORK/kill-$i.out" lost), corrupted $(kv "$WORK/kill-$i.out" corrupt); what it saw:" \
			"$(sed 's/^daemon-client: seq: /  /' "$WORK/kill-$i.err")"
	done
	for name in by0 by1 abuse; do
		kill -0 "${SIM[$name]}" 2>/dev/null || { diag "the core of $name died"; st=1; }
	done
	grep -q '^unbound (' "$WORK/sim-by0.out" || { diag "by0's core saw no restart"; st=1; }
	[ $st -eq 0 ] || diag "$(cat "$WORK"/kill-?.err)" "$(tail -n 10 "$WORK/daemon.log")"
	result "icmsgd killed with SIGKILL under load (pid $old) and started again: links bond again, clients reconnect and go on" $st
}

# ---- the end ---------------------------------------------------------------------

case_end() {
	local st=0 code=0 reports
	kill -TERM "$DPID"
	wait_exit "$DPID" "$WAIT_MS" || code=$?
	DPID=
	[ "$code" -eq 0 ] || { diag "icmsgd exited with $code"; st=1; }
	reports=$(sanitizer_reports "$WORK"/*.log "$WORK"/*.out "$WORK"/*.err)
	[ -z "$reports" ] || { diag "$reports"; st=1; }
	result "SIGTERM: icmsgd exits 0; no sanitizer report anywhere" $st
}

case_resets
case_resets_generate
case_corrupt
case_clients
case_storm
case_missing_signal
case_kill
case_end
diag "fault suite: $(($(now_ms) - T_START)) ms"
summary fault
