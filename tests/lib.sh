# SPDX-License-Identifier: MIT
#
# Shared helpers of the shell test suites (sourced, not run): TAP-style
# results and deadline-bound polling. Nothing here sleeps to wait for
# something; every wait polls against a deadline.

passed=0
failed=0
num=0

ok() {
	num=$((num + 1))
	passed=$((passed + 1))
	echo "ok $num - $1"
}

not_ok() {
	num=$((num + 1))
	failed=$((failed + 1))
	echo "not ok $num - $1"
}

# skip DESCRIPTION REASON: a case that cannot run here, TAP style.
skip() {
	num=$((num + 1))
	passed=$((passed + 1))
	echo "ok $num - $1 # SKIP $2"
}

# diag TEXT...: explanation lines under a result.
diag() {
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

# result DESCRIPTION STATUS: report a case from the status of its checks.
result() {
	if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
}

# summary NAME: the closing line scripts/run-tests adds up; exit status.
summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# wait_until DESCRIPTION TIMEOUT_MS COMMAND...: poll COMMAND every 20 ms.
wait_until() {
	local what=$1 deadline=$(($(now_ms) + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diag "timed out waiting for: $what"
			return 1
		fi
		sleep 0.02
	done
}

# has_line FILE PATTERN: FILE has a line matching the extended regex.
has_line() {
	grep -qE -- "$2" "$1" 2>/dev/null
}

# sanitizer_statuses: give AddressSanitizer and UBSan reports exit statuses
# of their own (98, 97), so that a case expecting status 1 cannot pass on
# a report.
sanitizer_statuses() {
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=98
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=97
}

# work_dir NAME: set WORK to a new temporary directory. At exit (SIGINT and
# SIGTERM included) the background processes whose ids are in the array
# PIDS are stopped and collected, and WORK is removed.
work_dir() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	[ -v PIDS ] || PIDS=()
	trap work_dir_cleanup EXIT
	trap 'exit 130' INT TERM
}

work_dir_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}

# run_to OUT ERR COMMAND...: run COMMAND with stdout to OUT and stderr to
# ERR; its exit status in RC.
# shellcheck disable=SC2034 # RC is for the caller
run_to() {
	local out=$1 err=$2
	shift 2
	RC=0
	"$@" >"$out" 2>"$err" || RC=$?
}
