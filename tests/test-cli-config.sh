#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# icmsg-cli config: `config check` must say what `icmsgd --check-config`
# says (the same loader, probes and lines, with icmsg-cli's name in front
# of its own), and `config instances` list the names.
#
# Usage: test-cli-config.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]
#   Without icmsgd the comparisons with it are skipped.
set -euo pipefail

CLI=${1:?usage: test-cli-config.sh PATH-TO-icmsg-cli [PATH-TO-icmsgd]}
DAEMON=${2:-}

# Drop-ins in byte order, as icmsgd reads conf.d.
export LC_ALL=C

. "$(dirname "$0")/lib.sh"
sanitizer_statuses
work_dir icmsg-cli-config

# instance NAME [EXTRA-LINE]...: one instance whose files live in $WORK/shm.
instance() {
	local name=$1 line
	shift
	cat <<EOF
  - name: $name
    rx-region: { path: $WORK/shm/$name.bin, offset: 0x0000, size: 0x0800 }
    tx-region: { path: $WORK/shm/$name.bin, offset: 0x0800, size: 0x0800 }
    mboxes: { rx: $WORK/shm/$name.ch0, tx: $WORK/shm/$name.ch1 }
EOF
	for line in "$@"; do
		echo "    $line"
	done
}

# run OUT ERR ARGS...: icmsg-cli ARGS, status in RC.
run() {
	run_to "$1" "$2" "$CLI" "${@:3}"
}

# check_both NAME MAIN DIR: `config check MAIN DIR/*.yaml` into NAME.cli
# (stdout then stderr) and `icmsgd --check-config -c MAIN -d DIR` into
# NAME.daemon, their statuses in CLI_RC and DAEMON_RC. Without icmsgd,
# NAME.daemon is empty and DAEMON_RC is "-".
check_both() {
	local name=$1 main=$2 dir=$3 files=()
	shopt -s nullglob
	files=("$dir"/*.yaml)
	shopt -u nullglob
	CLI_RC=0
	"$CLI" config check "$main" "${files[@]}" >"$WORK/$name.cli" 2>&1 || CLI_RC=$?
	DAEMON_RC=-
	: >"$WORK/$name.daemon"
	if [ -n "$DAEMON" ]; then
		DAEMON_RC=0
		"$DAEMON" --check-config -c "$main" -d "$dir" >"$WORK/$name.daemon" 2>&1 ||
			DAEMON_RC=$?
	fi
}

# same_as_daemon NAME: NAME.cli says what NAME.daemon says, with
# "icmsg-cli: " for "icmsgd: " (true without icmsgd).
same_as_daemon() {
	[ -z "$DAEMON" ] && return 0
	if [ "$CLI_RC" != "$DAEMON_RC" ] ||
		! diff -u <(sed 's/^icmsgd: /icmsg-cli: /' "$WORK/$1.daemon") "$WORK/$1.cli" \
			>"$WORK/$1.diff"; then
		diag "icmsg-cli exit $CLI_RC, icmsgd exit $DAEMON_RC" "$(cat "$WORK/$1.diff")"
		return 1
	fi
}

# verdict NAME STATUS [PATTERN]...: what check_both ran: icmsg-cli exited
# STATUS, printed a line matching each extended regex PATTERN (none for
# "!PATTERN"), and icmsgd said the same.
verdict() {
	local name=$1 want=$2 pat bad=0
	shift 2
	[ "$CLI_RC" -eq "$want" ] || bad=1
	for pat in "$@"; do
		if [[ $pat == '!'* ]]; then
			! has_line "$WORK/$name.cli" "${pat#!}" || bad=1
		else
			has_line "$WORK/$name.cli" "$pat" || bad=1
		fi
	done
	[ $bad -eq 0 ] || diag "icmsg-cli exited $CLI_RC:" "$(cat "$WORK/$name.cli")"
	same_as_daemon "$name" || bad=1
	return $bad
}

# json_check FILE PYTHON-EXPRESSION: the JSON object in FILE (as `d`)
# satisfies the expression; without python3, only that FILE is one line
# holding an object.
json_check() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
	else
		[ "$(wc -l <"$1")" -eq 1 ] && grep -q '^{"ok":.*}$' "$1"
	fi
}

mkdir -p "$WORK/shm" "$WORK/none.d" "$WORK/conf.d"
{
	echo "daemon:"
	echo "  runtime-dir: $WORK/run"
	echo "instances:"
	instance a0
} >"$WORK/main.yaml"
{ echo "instances:"; instance b1; } >"$WORK/conf.d/10-b.yaml"
{ echo "instances:"; instance c2; } >"$WORK/conf.d/20-c.yaml"

# ---------------------------------------------------------------------------
st=0
check_both one "$WORK/main.yaml" "$WORK/none.d"
verdict one 0 '^configuration OK: 1 instances$' '!^icmsg' || st=1
check_both three "$WORK/main.yaml" "$WORK/conf.d"
verdict three 0 '^configuration OK: 3 instances$' '!^icmsg' || st=1
run "$WORK/q.out" "$WORK/q.err" config check -q "$WORK/main.yaml" "$WORK/conf.d/10-b.yaml"
[ "$RC" -eq 0 ] && [ ! -s "$WORK/q.out" ] && [ ! -s "$WORK/q.err" ] || st=1
result "check: a main file and drop-ins are OK with their count, as icmsgd says; -q is silent" $st

st=0
run "$WORK/names.out" "$WORK/names.err" config instances "$WORK/main.yaml" \
	"$WORK/conf.d/10-b.yaml" "$WORK/conf.d/20-c.yaml"
[ "$RC" -eq 0 ] || st=1
[ "$(cat "$WORK/names.out")" = $'a0\nb1\nc2' ] || { diag "$(cat "$WORK/names.out")"; st=1; }
[ ! -s "$WORK/names.err" ] || st=1
result "instances: one name per line, main file first, then the drop-ins" $st

# ---------------------------------------------------------------------------
mkdir -p "$WORK/bad.d"
{ echo "instances:"; instance a0; instance b1 "peer-rx-buf-size: 0"; } >"$WORK/bad.d/10-bad.yaml"
st=0
check_both bad "$WORK/main.yaml" "$WORK/bad.d"
verdict bad 1 "^$WORK/bad.d/10-bad.yaml:[0-9]+: instances\[0\]\.name: duplicate" \
	"^$WORK/bad.d/10-bad.yaml:[0-9]+: instances\[1\]\.peer-rx-buf-size: " \
	'!configuration OK' || st=1
run "$WORK/bq.out" "$WORK/bq.err" config check --quiet "$WORK/main.yaml" "$WORK/bad.d/10-bad.yaml"
[ "$RC" -eq 1 ] && [ ! -s "$WORK/bq.out" ] && [ ! -s "$WORK/bq.err" ] || st=1
run "$WORK/bi.out" "$WORK/bi.err" config instances "$WORK/main.yaml" "$WORK/bad.d/10-bad.yaml"
[ "$RC" -eq 1 ] && [ ! -s "$WORK/bi.out" ] && has_line "$WORK/bi.err" 'duplicate' || st=1
result "check: every error of every file as the library words it, exit 1, as icmsgd" $st

st=0
check_both missing "$WORK/nonexistent.yaml" "$WORK/none.d"
verdict missing 1 "^$WORK/nonexistent.yaml: " || st=1
result "check: a missing main file is an error naming it, as icmsgd" $st

# ---------------------------------------------------------------------------
# The machine checks: UIO devices through a fake sysfs tree ($ICMSG_SYSROOT).
mkdir -p "$WORK/sysroot-none" "$WORK/sysroot/dev" "$WORK/sysroot/sys/class/uio/uio0/maps/map0"
cat >"$WORK/hw.yaml" <<EOF
instances:
  - name: hw
    tx-region: { uio: shm, map-name: ring, offset: 0x0800, size: 0x0800 }
    rx-region: { uio: /dev/uio0, offset: 0x1000, size: 0x0800 }
    mboxes: { tx: $WORK/shm/hw.tx, rx: $WORK/shm/hw.rx }
EOF
echo shm >"$WORK/sysroot/sys/class/uio/uio0/name"
echo ring >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/name"
echo 0x1000 >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/size"
echo 0x0 >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/offset"
: >"$WORK/sysroot/dev/uio0"

st=0
ICMSG_SYSROOT=$WORK/sysroot-none check_both note "$WORK/hw.yaml" "$WORK/none.d"
verdict note 0 "^icmsg-cli: instance 'hw': note: not checked: tx-region: " \
	'^configuration OK: 1 instances$' || st=1
result "check: without UIO on the machine, a note and OK (exit 0), as icmsgd" $st

st=0
ICMSG_SYSROOT=$WORK/sysroot check_both small "$WORK/hw.yaml" "$WORK/none.d"
verdict small 1 "^icmsg-cli: instance 'hw': rx-region: .*map 0" '!tx-region|configuration OK' ||
	st=1
echo 0x2000 >"$WORK/sysroot/sys/class/uio/uio0/maps/map0/size"
ICMSG_SYSROOT=$WORK/sysroot check_both big "$WORK/hw.yaml" "$WORK/none.d"
verdict big 0 '^configuration OK: 1 instances$' '!^icmsg' || st=1
result "check: a region beyond its UIO map is an error naming the key; one that fits is OK" $st

st=0
: >"$WORK/not-a-socket"
{
	echo "daemon:"
	echo "  control-group: no-such-group-icmsg"
	echo "instances:"
	instance s0 "socket: { path: $WORK/not-a-socket, owner: no-such-user-icmsg," \
		"          group: no-such-group-icmsg }"
} >"$WORK/sock.yaml"
check_both sock "$WORK/sock.yaml" "$WORK/none.d"
verdict sock 1 \
	"^icmsg-cli: instance 's0': socket.path -- '$WORK/not-a-socket': exists and is not a socket$" \
	"^icmsg-cli: instance 's0': socket.owner -- 'no-such-user-icmsg': no such user$" \
	"^icmsg-cli: instance 's0': socket.group -- 'no-such-group-icmsg': no such group$" \
	"^icmsg-cli: daemon.control-group: no such group -- 'no-such-group-icmsg'$" || st=1
result "check: socket path, owner and group, control group, as icmsgd" $st

# ---------------------------------------------------------------------------
st=0
run "$WORK/j1.json" "$WORK/j1.err" config check --json "$WORK/main.yaml" "$WORK/conf.d/10-b.yaml"
[ "$RC" -eq 0 ] && [ ! -s "$WORK/j1.err" ] || st=1
json_check "$WORK/j1.json" 'd["ok"] is True and [i["name"] for i in d["instances"]] == ["a0", "b1"]
	and d["errors"] == [] and d["notes"] == []
	and d["instances"][0] == {"name": "a0", "ok": True,
		"socket": sys.argv[1].rsplit("/", 1)[0] + "/run/a0.sock"}' ||
	{ diag "$(cat "$WORK/j1.json")"; st=1; }
run "$WORK/j2.json" "$WORK/j2.err" config check --json "$WORK/main.yaml" "$WORK/bad.d/10-bad.yaml"
[ "$RC" -eq 1 ] && [ ! -s "$WORK/j2.err" ] || st=1
# The error lines are those the text mode prints.
sed 's/^icmsg-cli: //' "$WORK/bad.cli" >"$WORK/bad.lines"
json_check "$WORK/j2.json" 'd["ok"] is False and d["instances"] == [] and
	d["errors"] == open(sys.argv[1].rsplit("/", 1)[0] + "/bad.lines").read().splitlines()' ||
	{ diag "$(cat "$WORK/j2.json")"; st=1; }
RC=0
ICMSG_SYSROOT=$WORK/sysroot-none "$CLI" config check --json "$WORK/hw.yaml" \
	>"$WORK/j3.json" 2>"$WORK/j3.err" || RC=$?
[ "$RC" -eq 0 ] && [ ! -s "$WORK/j3.err" ] || st=1
json_check "$WORK/j3.json" 'd["ok"] is True and d["errors"] == [] and len(d["notes"]) == 1
	and d["notes"][0].startswith("instance '"'"'hw'"'"': note: not checked: tx-region: ")
	and d["instances"][0]["ok"] is True' ||
	{ diag "$(cat "$WORK/j3.json")"; st=1; }
RC=0
ICMSG_SYSROOT=$WORK/sysroot "$CLI" config check --json "$WORK/sock.yaml" \
	>"$WORK/j4.json" 2>"$WORK/j4.err" || RC=$?
[ "$RC" -eq 1 ] || st=1
json_check "$WORK/j4.json" 'd["ok"] is False and len(d["errors"]) == 4
	and d["instances"][0]["name"] == "s0" and d["instances"][0]["ok"] is False' ||
	{ diag "$(cat "$WORK/j4.json")"; st=1; }
result "check --json: ok, instances, errors and notes in one object, nothing on stderr" $st

# ---------------------------------------------------------------------------
st=0
usage() {
	run "$WORK/u.out" "$WORK/u.err" config "$@"
	if [ "$RC" -ne 2 ] || ! has_line "$WORK/u.err" '^icmsg-cli: '; then
		diag "config $*: exit $RC" "$(cat "$WORK/u.err")"
		return 1
	fi
}
usage || st=1
usage check || st=1
usage frob "$WORK/main.yaml" || st=1
usage check --frob "$WORK/main.yaml" || st=1
usage check --quiet --json "$WORK/main.yaml" || st=1
usage instances --json "$WORK/main.yaml" || st=1
run "$WORK/h.out" "$WORK/h.err" config --help
[ "$RC" -eq 0 ] && has_line "$WORK/h.out" '^Usage: icmsg-cli config check' || st=1
run "$WORK/h.out" "$WORK/h.err" --help
has_line "$WORK/h.out" '^  config ' || st=1
result "usage errors exit 2; config --help and the command list" $st

summary cli-config
