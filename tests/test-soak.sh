#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Soak: icmsgd relaying four instances for ICMSG_SOAK_SECONDS (default 600)
# of bidirectional traffic of random sizes, with the remote cores reset
# now and then, then one line to grep:
#
#   soak: N messages, B bytes, E errors, R resets, peak RSS X KiB (daemon), Y KiB (peers), 0 lost
#
# The instances (one `icmsg-cli sim` each as the remote core, clients from
# tests/daemon-client `seq`):
#   echo0   magic bonding; the core echoes and resets itself after every
#           2000 messages it receives, and is killed with SIGKILL and
#           started again every 5 s; two clients stream to it (echoes)
#   echo1   sessions (unbound: enable); the core echoes and resets itself
#           after every 3000 messages; two clients
#   gen0    magic bonding; the core generates counter-pattern messages
#           (2000 a second, 4..128 bytes) and resets itself after every
#           3000; its client checks them and sends it messages of its own
#   steady  magic bonding, never reset: one client, where no gap at all is
#           allowed
#
# Lost and corrupted. Every message carries a sequence number and is
# checked byte for byte on arrival (daemon-client seq, see test-fault.sh):
#   * corrupted: a message that differs from what was sent, a duplicate or
#     a reordering;
#   * a gap (missing sequence numbers) is "dropped by a reset" when the
#     client learnt of a reset that can have caused it (an unbound event of
#     its instance, seen after the first missing message was sent; one
#     reset explains one gap): ICMsg drops the rings' contents at a reset
#     by design, and these are reported (unbound events), counted, and
#     matched with the daemon's counters at the end (messages the clients
#     sent = icmsgd's tx_msgs, messages they got back = its rx_msgs);
#   * lost: any other gap, any gap at all on steady, a counter that does
#     not match, and the messages of the generating core that never came
#     although no reset explains it.
# The pass condition is 0 lost and 0 corrupted (and no link stuck for 10 s,
# no process dead, no sanitizer report). The summary counts:
#   N, B     messages (bytes) delivered and verified at the far end: echoes
#            back at their client, generated messages at the client
#   E        errors: icmsgd's error counters (corrupt rings seen, bad
#            datagrams) plus those of the cores that exited normally
#   R        resets seen by icmsgd (its unbinds over all instances)
#   X, Y     the daemon's peak RSS (VmHWM); the largest peak of any core
#
# Usage: test-soak.sh PATH-TO-icmsgd PATH-TO-icmsg-cli
#   env ICMSG_SOAK_SECONDS   duration (default 600). Under meson (which
#                            sets ICMSG_SOAK_MESON=1) the test is skipped
#                            unless it is set: `ICMSG_SOAK_SECONDS=60
#                            meson test --suite soak`.
#   env ICMSG_DAEMON_CLIENT  daemon-client (default: next to this build's tests)
#   env KEEP=1               keep the work directory
set -euo pipefail

DAEMON=${1:?usage: test-soak.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
CLI=${2:?usage: test-soak.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
DC=${ICMSG_DAEMON_CLIENT:-$(dirname "$CLI")/../tests/daemon-client}

if [ -z "${ICMSG_SOAK_SECONDS:-}" ] && [ "${ICMSG_SOAK_MESON:-0}" = 1 ]; then
	echo "soak: skipped: set ICMSG_SOAK_SECONDS (e.g. 60) to run it"
	exit 77
fi
SECONDS_WANTED=${ICMSG_SOAK_SECONDS:-600}
case $SECONDS_WANTED in
'' | *[!0-9]*)
	echo "test-soak.sh: ICMSG_SOAK_SECONDS must be a number of seconds" >&2
	exit 2
	;;
esac

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fault.sh"

sanitizer_statuses
WAIT_MS=20000
# icmsgd -v: what it only says at debug level explains some findings.
DAEMON_VERBOSE=1
# How long an instance may show no movement at all before it is stuck.
STALL_MS=10000
# Every wait below is bounded; this bounds the clients themselves.
CLIENT_MS=$(((SECONDS_WANTED + 300) * 1000))
fault_work icmsg-soak

# ---- set-up --------------------------------------------------------------------

SESSION=("dcache-alignment: 8" "unbound: enable")
{
	daemon_header
	instance echo0
	instance echo1 "${SESSION[@]}"
	instance gen0
	instance steady
} >"$CONFIG"
mkdir -p "$WORK/conf.d"
peer echo0
peer echo1 "${SESSION[@]}"
peer gen0
peer steady

declare -A SIM_ARGS=(
	[echo0]="--mode echo --reset-every 2000 --json"
	[echo1]="--mode echo --reset-every 3000 --json"
	[gen0]="--mode generate --rate 2000 --size 4-128 --pattern counter --reset-every 3000 --json"
	[steady]="--mode echo --json"
)
PEER_HWM=0
KILLS=0
T0=$(now_ms)

# sim_hwm: the largest VmHWM of the running cores so far, in PEER_HWM.
sim_hwm() {
	local name v
	for name in "${!SIM[@]}"; do
		[ -n "${SIM[$name]}" ] || continue
		v=$(hwm_kib "${SIM[$name]}")
		[ "${v:-0}" -le "$PEER_HWM" ] || PEER_HWM=$v
	done
}

st=0
start_daemon || st=1
for name in echo0 echo1 steady; do
	# shellcheck disable=SC2086 # word splitting wanted
	start_sim "$name" ${SIM_ARGS[$name]}
done
wait_bound echo0 echo1 steady || st=1
if [ $st -ne 0 ]; then
	not_ok "icmsgd and its remote cores start"
	diag "$(tail -n 20 "$WORK/daemon.log")"
	summary soak
	exit 1
fi

# client NAME TAG SEQ-OPTION...: a seq client of NAME until the stop file.
declare -A CL=()
client() {
	local name=$1 tag=$2
	shift 2
	bg "$DC" --stop-file "$WORK/stop" -t "$CLIENT_MS" "$@" seq "$RUN/$name.sock" \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err"
	CL[$tag]=$BG
}

EV=(--events "$CTL")
client echo0 e0a -i 1 -S 11 -n 0 --min 5 -m 128 --rate 3000 "${EV[@]}" --instance echo0
client echo0 e0b -i 2 -S 12 -n 0 --min 5 -m 64 --rate 2000 "${EV[@]}" --instance echo0
client echo1 e1a -i 1 -S 21 -n 0 --min 5 -m 128 --rate 3000 "${EV[@]}" --instance echo1
client echo1 e1b -i 2 -S 22 -n 0 --min 32 -m 128 --rate 1000 "${EV[@]}" --instance echo1
client steady st -i 1 -S 31 -n 0 --min 5 -m 128 --rate 4000
# gen0: the counter stream from 0 (the client is there before the core),
# and messages the other way at 1000 a second.
client gen0 g0 -i 1 -S 41 -n 0 --min 5 -m 128 --rate 1000 --rx counter \
	"${EV[@]}" --instance gen0 --drain 3000
wait_until "a client on gen0" "$WAIT_MS" clients_are gen0 1 || st=1
# shellcheck disable=SC2086 # word splitting wanted
start_sim gen0 ${SIM_ARGS[gen0]}
wait_bound gen0 || st=1
result "icmsgd, 4 instances, their cores and 6 clients running" $st

# ---- the soak ---------------------------------------------------------------------

st=0
end=$((T0 + SECONDS_WANTED * 1000))
next_kill=$(($(now_ms) + 5000))
next_report=$(($(now_ms) + 60000))
declare -A LAST=() MOVED=()
for name in echo0 echo1 gen0 steady; do
	MOVED[$name]=$(now_ms)
done
while [ "$(now_ms)" -lt "$end" ]; do
	now=$(now_ms)
	# A hard reset of echo0's core: SIGKILL, and a new one.
	if [ "$now" -ge "$next_kill" ]; then
		sim_hwm
		kill -9 "${SIM[echo0]}" 2>/dev/null || true
		wait "${SIM[echo0]}" 2>/dev/null || true
		mv "$WORK/sim-echo0.err" "$WORK/sim-echo0.err.$KILLS"
		# shellcheck disable=SC2086 # word splitting wanted
		start_sim echo0 ${SIM_ARGS[echo0]}
		KILLS=$((KILLS + 1))
		next_kill=$((now + 5000))
	fi
	# Every instance moves, every process lives.
	while read -r name state rx tx; do
		[ -n "$name" ] || continue
		if [ "${LAST[$name]:-}" != "$state $rx $tx" ]; then
			LAST[$name]="$state $rx $tx"
			MOVED[$name]=$now
		elif [ $((now - MOVED[$name])) -ge "$STALL_MS" ]; then
			diag "$name stuck for $STALL_MS ms: state $state, rx_msgs $rx, tx_msgs $tx" \
				"$(status "$name")"
			st=1
		fi
	done < <(table)
	kill -0 "$DPID" 2>/dev/null || { diag "icmsgd died"; st=1; }
	for name in "${!SIM[@]}"; do
		[ -z "${SIM[$name]}" ] || kill -0 "${SIM[$name]}" 2>/dev/null ||
			{ diag "the core of $name died:" "$(tail -n 5 "$WORK/sim-$name.err")"; st=1; }
	done
	for tag in "${!CL[@]}"; do
		kill -0 "${CL[$tag]}" 2>/dev/null ||
			{ diag "client $tag ended early:" "$(cat "$WORK/$tag.out" "$WORK/$tag.err")"; st=1; }
	done
	[ $st -eq 0 ] || break
	sim_hwm
	if [ "$now" -ge "$next_report" ]; then
		diag "$(((now - T0) / 1000)) s: $(table | awk '{ printf "%s%s %s rx %s tx %s", n++ ? ", " : "", $1, $2, $3, $4 }'), icmsgd RSS $(rss_kib "$DPID") KiB"
		next_report=$((now + 60000))
	fi
	sleep 0.5
done
result "$(((($(now_ms) - T0) + 500) / 1000)) s of traffic: every instance moving, every process alive" $st

# ---- the end: accounting -----------------------------------------------------------

st=0
sim_hwm
touch "$WORK/stop"
for tag in e0a e0b e1a e1b st; do
	wait_exit "${CL[$tag]}" 60000 || { diag "client $tag: status $?"; st=1; }
done
# The generating core stops first, so that its client can see the last one.
stop_sim gen0 || st=1
wait_exit "${CL[g0]}" 60000 || { diag "client g0: status $?"; st=1; }
declare -A C=()
for name in echo0 echo1 gen0 steady; do
	for key in tx_msgs rx_msgs unbinds errors; do
		C[$name.$key]=$(field "$name" "$key")
	done
done
daemon_hwm=$(hwm_kib "$DPID")
for name in echo0 echo1 steady; do
	stop_sim "$name" || st=1
done

# sum KEY TAG...: the sum of KEY over the clients' lines.
sum() {
	local key=$1 tag total=0 v
	shift
	for tag in "$@"; do
		v=$(kv "$WORK/$tag.out" "$key")
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

ALL=(e0a e0b e1a e1b st g0)
for tag in "${ALL[@]}"; do
	[ -n "$(kv "$WORK/$tag.out" sent)" ] ||
		{ diag "client $tag printed no figures:" "$(cat "$WORK/$tag.err")"; st=1; }
done
if [ $st -ne 0 ]; then
	result "the clients' and the daemon's figures agree" 1
	summary soak
	exit 1
fi
corrupt=$(sum corrupt "${ALL[@]}")
unexplained=$(sum unexplained "${ALL[@]}")
lost_st=$(kv "$WORK/st.out" lost)
mismatch=0
# echo instances: what the clients sent is what icmsgd wrote, what came
# back is what it read, the difference is what the resets dropped.
for pair in "echo0 e0a e0b" "echo1 e1a e1b" "steady st"; do
	read -r name a b <<<"$pair"
	tags=("$a")
	[ -z "$b" ] || tags+=("$b")
	sent=$(sum sent "${tags[@]}")
	received=$(sum received "${tags[@]}")
	lost=$(sum lost "${tags[@]}")
	if [ "$sent" -ne "${C[$name.tx_msgs]}" ] || [ "$received" -ne "${C[$name.rx_msgs]}" ] ||
		[ $((sent - received)) -ne "$lost" ]; then
		diag "$name: clients sent $sent, got $received back, $lost dropped; icmsgd tx_msgs ${C[$name.tx_msgs]}, rx_msgs ${C[$name.rx_msgs]}"
		mismatch=$((mismatch + 1))
	fi
	diag "$name: ${C[$name.unbinds]} resets; sent $sent, echoed back $received, dropped by resets $lost in $(sum gaps "${tags[@]}") gaps"
done
# gen0: every number the core generated came, or a reset explains it.
g_tx=$(json_num "$WORK/sim-gen0.out" tx_msgs)
g_rx=$(json_num "$WORK/sim-gen0.out" rx_msgs)
g_next=$(kv "$WORK/g0.out" next)
g_first=$(kv "$WORK/g0.out" first)
g_received=$(kv "$WORK/g0.out" received)
g_lost=$(kv "$WORK/g0.out" lost)
if [ "$g_first" != 0 ] || [ "$g_next" != "$g_tx" ] || [ $((g_received + g_lost)) -ne "$g_tx" ] ||
	[ "$g_received" -ne "${C[gen0.rx_msgs]}" ]; then
	diag "gen0: the core sent $g_tx (0..$((g_tx - 1))); the client got $g_first..$((g_next - 1)), $g_received of them, $g_lost dropped by resets; icmsgd rx_msgs ${C[gen0.rx_msgs]}"
	mismatch=$((mismatch + 1))
fi
diag "gen0: ${C[gen0.unbinds]} resets; generated $g_tx, delivered $g_received, dropped by resets $g_lost in $(kv "$WORK/g0.out" gaps) gaps; the other way: sent $(kv "$WORK/g0.out" sent), icmsgd wrote ${C[gen0.tx_msgs]}, the core read $g_rx"
[ "$(kv "$WORK/g0.out" sent)" = "${C[gen0.tx_msgs]}" ] || mismatch=$((mismatch + 1))
LOST=$((unexplained + lost_st + mismatch))
[ "$corrupt" -eq 0 ] && [ "$LOST" -eq 0 ] || st=1
[ $st -eq 0 ] || diag "$(cat "$WORK"/*.err | grep -E 'no reset|bytes:' | head -n 20)"
result "every message delivered intact or dropped by a reported reset; the counters agree" $st

# The totals.
st=0
code=0
kill -TERM "$DPID"
wait_exit "$DPID" "$WAIT_MS" || code=$?
DPID=
[ "$code" -eq 0 ] || { diag "icmsgd exited with $code"; st=1; }
reports=$(sanitizer_reports "$WORK"/*.log "$WORK"/*.out "$WORK"/*.err "$WORK"/sim-*.err.*)
[ -z "$reports" ] || { diag "$reports"; st=1; }
result "SIGTERM: icmsgd exits 0; no sanitizer report" $st

MSGS=$(($(sum received "${ALL[@]}")))
BYTES=$(($(sum received_bytes "${ALL[@]}")))
ERRORS=0
RESETS=0
for name in echo0 echo1 gen0 steady; do
	ERRORS=$((ERRORS + ${C[$name.errors]:-0}))
	RESETS=$((RESETS + ${C[$name.unbinds]:-0}))
	v=$(json_num "$WORK/sim-$name.out" errors)
	ERRORS=$((ERRORS + ${v:-0}))
done
[ "$ERRORS" -eq 0 ] || diag "errors (not a failure by themselves):" \
	"$(grep -E "^<3>" "$WORK/daemon.log" | sed 's/value [0-9]*/value N/' | sort | uniq -c | head -n 10)"
diag "$KILLS of the resets were SIGKILLs of echo0's core; corrupted $corrupt; sent by the clients $(sum sent "${ALL[@]}") ($(sum sent_bytes "${ALL[@]}") bytes)"
echo "soak: $MSGS messages, $BYTES bytes, $ERRORS errors, $RESETS resets, peak RSS $daemon_hwm KiB (daemon), $PEER_HWM KiB (peers), $((LOST + corrupt)) lost"
summary soak
