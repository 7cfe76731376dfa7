# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers of the fault and soak suites (test-fault.sh, test-soak.sh),
# sourced after lib.sh: a work directory whose processes are killed and
# collected at exit whatever happens, the daemon's configuration (one
# `icmsg-cli sim` per instance as the remote core), status fields, the
# key=value lines of `daemon-client seq`, and memory and CPU figures from
# /proc.
#
# Globals: DAEMON (icmsgd), CLI (icmsg-cli), DC (daemon-client), WAIT_MS
# (the bound of "at once"); set here: WORK, RUN, SHM, CTL, CONFIG, EVENTS,
# DPID, SIM[NAME], PIDS (every background process, killed at exit).

# fault_work NAME: WORK and its layout; at exit (SIGINT, SIGTERM included)
# every process in PIDS and SIM and the daemon is killed (SIGKILL: nothing
# here may hang the exit) and collected, and WORK removed (kept with KEEP=1).
fault_work() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	RUN=$WORK/run
	SHM=$WORK/shm
	CTL=$RUN/control.sock
	CONFIG=$WORK/icmsgd.yaml
	EVENTS=$WORK/events.log
	DPID=
	SUBPID=
	declare -gA SIM=()
	PIDS=()
	mkdir -p "$RUN" "$SHM"
	: >"$EVENTS"
	trap fault_cleanup EXIT
	trap 'exit 130' INT TERM
}

fault_cleanup() {
	local pid
	for pid in "$DPID" "${SIM[@]}" "${PIDS[@]}"; do
		[ -n "$pid" ] || continue
		kill -CONT "$pid" 2>/dev/null || true
		kill -9 "$pid" 2>/dev/null || true
	done
	for pid in "$DPID" "${SIM[@]}" "${PIDS[@]}"; do
		if [ -n "$pid" ]; then
			wait "$pid" 2>/dev/null || true
		fi
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $WORK"
	else
		rm -rf "$WORK"
	fi
}

# bg COMMAND...: run COMMAND in the background, remember it in PIDS; its pid
# in BG.
bg() {
	"$@" &
	BG=$!
	PIDS+=("$BG")
}

# forget PID: drop PID from PIDS once it has been collected (a pid that is
# reused later must not be killed at exit).
forget() {
	local i
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset 'PIDS[i]'
	done
	return 0
}

# wait_exit PID [TIMEOUT_MS]: wait for PID (a child) and return its status;
# SIGKILL it at the deadline (status 124).
wait_exit() {
	local pid=$1 deadline=$(($(now_ms) + ${2:-$WAIT_MS})) st=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "process $pid still running at the deadline: killed"
			kill -CONT "$pid" 2>/dev/null || true
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			forget "$pid"
			return 124
		fi
		sleep 0.02
	done
	wait "$pid" || st=$?
	forget "$pid"
	return "$st"
}

# ---- configuration ----

# instance NAME [EXTRA-LINE]...: one instance of the daemon's config.
instance() {
	local name=$1 line
	shift
	cat <<EOF
  - name: $name
    compatible: zephyr,ipc-icmsg
    rx-region: { path: $SHM/$name.bin, offset: 0x0000, size: 0x0800 }
    tx-region: { path: $SHM/$name.bin, offset: 0x0800, size: 0x0800 }
    mboxes:
      rx: $SHM/$name.ch0.fifo
      tx: $SHM/$name.ch1.fifo
EOF
	for line in "$@"; do
		echo "    $line"
	done
}

# peer NAME [EXTRA-LINE]...: WORK/peer-NAME.yaml, the file the sim of NAME
# loads (the sim swaps the regions and doorbells itself).
peer() {
	instance "$@" | sed '1i instances:' >"$WORK/peer-$1.yaml"
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

# start_daemon: icmsgd on CONFIG (-v if DAEMON_VERBOSE is set), log
# appended to WORK/daemon.log, a subscriber appending every event to
# EVENTS. Returns once both answer.
start_daemon() {
	"$DAEMON" -c "$CONFIG" -d "$WORK/conf.d" ${DAEMON_VERBOSE:+-v} >>"$WORK/daemon.log" 2>&1 &
	DPID=$!
	wait_until "icmsgd's control socket answers" "$WAIT_MS" status_ok || return 1
	start_subscriber
}

status_ok() {
	status | grep -q '"instances"'
}

start_subscriber() {
	local before
	before=$(grep -c subscribed "$EVENTS" || true)
	bg "$DC" subscribe "$CTL" >>"$EVENTS" 2>/dev/null
	# shellcheck disable=SC2034 # for the suites
	SUBPID=$BG
	wait_until "subscribed" "$WAIT_MS" sh -c \
		"[ \"\$(grep -c subscribed '$EVENTS')\" -gt ${before:-0} ]"
}

# start_sim NAME [SIM-OPTION]...: the remote core of NAME, stdout and stderr
# to WORK/sim-NAME.out and .err (replaced); SIM[NAME] is its pid.
start_sim() {
	local name=$1
	shift
	"$CLI" sim -c "$WORK/peer-$name.yaml" -i "$name" "$@" >"$WORK/sim-$name.out" \
		2>"$WORK/sim-$name.err" &
	SIM[$name]=$!
}

# stop_sim NAME: SIGTERM its sim and collect it; fail unless it exits 0.
stop_sim() {
	local pid=${SIM[$1]} st=0
	kill -TERM "$pid" 2>/dev/null || true
	wait_exit "$pid" || st=$?
	SIM[$1]=
	if [ "$st" -ne 0 ]; then
		diag "sim $1 exited with status $st:" "$(tail -n 5 "$WORK/sim-$1.err")"
		return 1
	fi
}

# ---- the daemon's status ----

# status [INSTANCE]: the control socket's reply (bounded: a daemon that
# hangs must fail the waits, not hang the suite).
status() {
	timeout 10 "$DC" control "$CTL" "status${1:+ $1}"
}

# field INSTANCE KEY: a number or string of the instance's status ("" if
# the daemon does not answer).
field() {
	local out
	out=$(status "$1" 2>/dev/null) || true
	printf '%s\n' "$out" | grep -oE "\"$2\":(\"[^\"]*\"|[0-9]+|null)" |
		sed -n '1s/^[^:]*://p' | tr -d '"' || true
}

state_is() {
	[ "$(field "$1" state)" = "$2" ]
}

field_ge() {
	local v
	v=$(field "$1" "$2")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

clients_are() {
	[ "$(status "$1" | grep -o '{"pid"' | wc -l)" -eq "$2" ]
}

wait_bound() {
	local name
	for name in "$@"; do
		wait_until "$name bound" "$WAIT_MS" state_is "$name" bound || return 1
	done
}

# table: one line "NAME STATE RX_MSGS TX_MSGS" per instance, from one status.
table() {
	status 2>/dev/null | sed 's/{"name":"/\n/g' | awk -F'"' 'NR > 1 {
		st = rx = tx = ""
		for (i = 2; i < NF; i++) {
			if ($i == "state") st = $(i + 2)
			if ($i == "rx_msgs" && rx == "") { rx = $(i + 1); gsub(/[:,]/, "", rx) }
			if ($i == "tx_msgs" && tx == "") { tx = $(i + 1); gsub(/[:,]/, "", tx) }
		}
		print $1, st, rx, tx
	}'
}

# ---- key=value lines ----

# kv FILE KEY: the value of KEY in the last "seq:" line of FILE.
kv() {
	grep '^seq: ' "$1" 2>/dev/null | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# json_num FILE KEY: member KEY of the (sim --json) object in FILE.
json_num() {
	grep -oE "\"$2\":[0-9.]+" "$1" 2>/dev/null | tail -n 1 | cut -d: -f2
}

# ---- /proc ----

# rss_kib PID / hwm_kib PID: resident set now / at its peak, KiB.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

hwm_kib() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# cpu_ms PID: user + system CPU time so far, milliseconds.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{
		sub(/^.*\) /, "")          # the name may hold blanks
		print int(($12 + $13) * 1000 / hz)
	}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# sanitizer_reports FILE...: the first lines of any sanitizer report.
SANITIZER_PATTERN='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|Sanitizer has encountered'
sanitizer_reports() {
	grep -hE -A5 "$SANITIZER_PATTERN" "$@" 2>/dev/null | head -n 40 || true
}

# wait_progress WHAT TIMEOUT_MS STALL_MS COMMAND...: poll COMMAND every 50
# ms until it succeeds, like wait_until, but give up early when nothing
# moves: no state or counter of any instance changed for STALL_MS (a link
# stuck for good must fail the case in seconds, not at its deadline).
wait_progress() {
	local what=$1 deadline=$(($(now_ms) + $2)) stall=$3 last="" now t_last
	shift 3
	t_last=$(now_ms)
	until "$@" >/dev/null 2>&1; do
		now=$(now_ms)
		if [ "$now" -ge "$deadline" ]; then
			diag "timed out waiting for: $what"
			return 1
		fi
		local snap
		snap=$(table)
		if [ "$snap" != "$last" ]; then
			last=$snap
			t_last=$now
		elif [ $((now - t_last)) -ge "$stall" ]; then
			diag "waiting for: $what: nothing moved for $stall ms:" "$snap"
			return 1
		fi
		sleep 0.05
	done
}

# wait_sim_exit NAME TIMEOUT_MS: wait_progress for the exit of NAME's sim;
# then its status as wait_exit's (124 if it was killed: timeout or stall).
wait_sim_exit() {
	local pid=${SIM[$1]}
	SIM[$1]=
	if ! wait_progress "the core of $1 to finish" "$2" 5000 sh -c "! kill -0 $pid"; then
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 124
	fi
	wait_exit "$pid" 1000
}
