# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers of the icmsg-cli suites (test-cli.sh, test-cli-io.sh), sourced
# after lib.sh: icmsg-cli runs, a configuration with its swapped peer, the
# simulated remote core, tests/fake-icmsgd, and the facts of the golden
# vectors' check_rx.txt. They use the suite's globals: CLI (icmsg-cli),
# WAIT_MS (the bound of "at once"), PIDS (background processes to stop at
# exit), FAKE and FAKE_DIR (fake-icmsgd and its directory), CHECK_RX.

# wait_for_line FILE PATTERN [TIMEOUT_MS]: poll every 20 ms until FILE has a
# line matching the extended regex PATTERN, or fail at the deadline.
wait_for_line() {
	wait_until "/$2/ in $1" "${3:-$WAIT_MS}" has_line "$1" "$2"
}

# wait_for_exit PID [TIMEOUT_MS]: poll until PID has exited; its status is
# then collected by the caller's `wait`. Fails (and kills it) at the deadline.
wait_for_exit() {
	local pid=$1 deadline=$(($(now_ms) + ${2:-$WAIT_MS}))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "process $pid still running at the deadline"
			kill -9 "$pid" 2>/dev/null || true
			return 1
		fi
		sleep 0.02
	done
}

# make_config DIR [EXTRA-YAML-LINE]...: write DIR/icmsg.yaml, one instance
# whose regions and FIFOs live in DIR, and DIR/peer.yaml, the same instance
# seen from the other core (tx and rx swapped).
make_config() {
	local dir=$1 line
	shift
	mkdir -p "$dir"
	{
		echo "instances:"
		echo "  - name: t0"
		echo "    compatible: zephyr,ipc-icmsg"
		echo "    rx-region: { path: $dir/shm.bin, offset: 0x0000, size: 0x0800 }"
		echo "    tx-region: { path: $dir/shm.bin, offset: 0x0800, size: 0x0800 }"
		echo "    mboxes:"
		echo "      rx: $dir/ch0.fifo"
		echo "      tx: $dir/ch1.fifo"
		for line in "$@"; do
			echo "    $line"
		done
	} >"$dir/icmsg.yaml"
	sed -e 's/rx-region:/TMP-region:/' -e 's/tx-region:/rx-region:/' \
		-e 's/TMP-region:/tx-region:/' -e 's/rx: /TMP: /' -e 's/tx: /rx: /' \
		-e 's/TMP: /tx: /' "$dir/icmsg.yaml" >"$dir/peer.yaml"
	# Zeroed regions before any peer starts (spec 3.6, 6.3).
	dd if=/dev/zero of="$dir/shm.bin" bs=4096 count=1 status=none
}

# start_sim DIR [SIM-OPTION]...: run `sim` on DIR/icmsg.yaml in the
# background, stdout to DIR/sim.out, stderr to DIR/sim.err; sets SIM_PID.
start_sim() {
	local dir=$1
	shift
	"$CLI" sim -c "$dir/icmsg.yaml" "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
	SIM_PID=$!
	PIDS+=("$SIM_PID")
}

# stop_sim DIR: SIGTERM the sim; fail unless it exits 0 with statistics.
stop_sim() {
	local dir=$1 rc=0
	kill -TERM "$SIM_PID" 2>/dev/null || true
	wait_for_exit "$SIM_PID" || rc=1
	wait "$SIM_PID" || rc=$?
	if [ "$rc" -ne 0 ]; then
		diag "sim exited with $rc" "$(cat "$dir/sim.err")"
		return 1
	fi
	if ! grep -q 'received .* messages' "$dir/sim.err"; then
		diag "sim printed no statistics" "$(cat "$dir/sim.err")"
		return 1
	fi
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" != "$3" ]; then
		diag "$1: expected:" "$2" "got:" "$3"
		return 1
	fi
}

# run_cli OUTFILE ERRFILE ARGS...: run icmsg-cli, set RC to its exit status.
run_cli() {
	local out=$1 err=$2
	shift 2
	run_to "$out" "$err" "$CLI" "$@"
}

# ---- the golden vectors ----

# check_rx_section NAME: the lines of [NAME] in check_rx.txt.
check_rx_section() {
	awk -v want="[$1]" '
		/^\[/ { on = ($0 == want); next }
		on && NF && !/^#/ { print }
	' "$CHECK_RX"
}

# The "key = value" lines both check_rx.txt and the dump print.
FACT_KEYS="region_size dcache_align handshake_word rd_idx_off handshake_off wr_idx_off"
FACT_KEYS="$FACT_KEYS data_off data_len rd_idx wr_idx handshake"

# The facts check_rx.txt states, normalised to "key=value" lines.
expected_facts() {
	awk -v keys="$FACT_KEYS messages" '
		BEGIN { split(keys, k, " "); for (i in k) want[k[i]] = 1 }
		$2 == "=" && ($1 in want) { print $1 "=" $3 }
		/^msg[0-9]+ = / {
			line = $1
			for (i = 3; i <= NF; i++)
				if ($i ~ /^(len|first|crc32)=/)
					line = line " " $i
			print line
		}
		/^end = / { print "end=" $3 }
	'
}

# The same facts from a dump, in the same order and spelling.
dump_facts() {
	awk -v keys="$FACT_KEYS" '
		BEGIN { split(keys, k, " "); for (i in k) want[k[i]] = 1 }
		$2 == "=" && ($1 in want) { print $1 "=" $3 }
		/^packets = / { messages = $3 }
		/^msg[0-9]+ / {
			len = crc = data = ""
			for (i = 2; i <= NF; i++) {
				if ($i ~ /^len=/) len = $i
				if ($i ~ /^crc32=/) crc = $i
				if ($i ~ /^data=/) { data = substr($i, 6); sub(/\.\.\.$/, "", data) }
			}
			msgs[n++] = $1 " " len " first=" data " " crc
		}
		/^end = / { end = $3 }
		/^problem: / { end = "problem" }
		END {
			print "messages=" messages
			for (i = 0; i < n; i++) print msgs[i]
			if (end != "") print "end=" end
		}
	'
}

# Sort both the same way: check_rx puts "messages" last, the dump first.
normalise() {
	LC_ALL=C sort
}

# ---- fake-icmsgd ----

# start_fake DIR [MODE]: run fake-icmsgd with DIR/control.sock and
# DIR/ipc0.sock, stdout to DIR/fake.out; sets FAKE_PID, returns once it listens.
start_fake() {
	local dir=$1
	mkdir -p "$dir"
	"$FAKE" --mode "${2:-normal}" "$dir/control.sock" "$dir/ipc0.sock" >"$dir/fake.out" \
		2>"$dir/fake.err" &
	FAKE_PID=$!
	PIDS+=("$FAKE_PID")
	wait_for_line "$dir/fake.out" '^ready$'
}

# open_fake DIR: FAKE_DIR=DIR and start_fake there; if that cannot be, a
# failed case says why and the status is 1.
open_fake() {
	FAKE_DIR=$1
	if [ ! -x "$FAKE" ]; then
		not_ok "fake-icmsgd found (set ICMSG_FAKE_ICMSGD or ICMSG_BUILD_ROOT) -- '$FAKE'"
		return 1
	fi
	if ! start_fake "$FAKE_DIR"; then
		not_ok "fake-icmsgd starts"
		return 1
	fi
}

stop_fake() {
	kill "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
}

# connections DIR: how many clients the fake's instance socket accepted.
connections() {
	grep -c '^connected$' "$1/fake.out" || true
}

# wait_connections DIR N: until the fake has accepted more than N clients.
wait_connections() {
	local deadline=$(($(now_ms) + WAIT_MS))
	while [ "$(connections "$1")" -le "$2" ]; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "no client connected to the fake's instance socket"
			return 1
		fi
		sleep 0.02
	done
}

# run_fake_cli OUT ERR ARGS...: run_cli with the fake as the control socket
# (through $ICMSG_CONTROL) and UTC, so that local times are known.
run_fake_cli() {
	local out=$1 err=$2
	shift 2
	ICMSG_CONTROL=$FAKE_DIR/control.sock TZ=UTC run_to "$out" "$err" "$CLI" "$@"
}
