#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# icmsgd gives up root (daemon.user, daemon.group) once its sockets listen
# and its links are open, for good, and keeps relaying; asked for a user it
# cannot become, it does not start. The switch needs root: as another user
# only the refusal is checked.
#
# Usage: test-privilege.sh PATH-TO-icmsgd PATH-TO-icmsg-cli
#   env ICMSG_DAEMON_CLIENT  daemon-client
set -euo pipefail

DAEMON=${1:?usage: test-privilege.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
CLI=${2:?usage: test-privilege.sh PATH-TO-icmsgd PATH-TO-icmsg-cli}
DC=${ICMSG_DAEMON_CLIENT:?set ICMSG_DAEMON_CLIENT}
WAIT_MS=15000

. "$(dirname "$0")/lib.sh"
sanitizer_statuses

# has_text FILE TEXT: TEXT, as is, on a line of FILE.
has_text() {
	grep -qF -- "$2" "$1" 2>/dev/null
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/icmsgd-priv.XXXXXX")
DPID=
SPID=
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# config FILE DAEMON-LINE...: one instance, ipc0, and the daemon lines given.
config() {
	local file=$1 line
	shift
	{
		echo "daemon:"
		echo "  runtime-dir: $WORK/run"
		for line in "$@"; do
			echo "  $line"
		done
		cat <<EOT
instances:
  - name: ipc0
    rx-region: { path: $WORK/shm/ipc0.bin, offset: 0, size: 0x800 }
    tx-region: { path: $WORK/shm/ipc0.bin, offset: 0x800, size: 0x800 }
    mboxes: { rx: $WORK/shm/ipc0.ch0.fifo, tx: $WORK/shm/ipc0.ch1.fifo }
    socket: { mode: 0666 }
EOT
	} >"$file"
}

# ids PID FIELD: the four ids of "Uid:" or "Gid:" in /proc/PID/status.
ids() {
	awk -v f="$2:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$1/status"
}

bound() {
	"$DC" control "$WORK/run/control.sock" status 2>/dev/null | grep -q '"state":"bound"'
}

config "$WORK/peer.yaml"
sed -i '/^daemon:/,/^instances:/{/^instances:/!d}' "$WORK/peer.yaml"

# -- the switch ---------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	skip "icmsgd becomes daemon.user after opening everything" "needs root"
elif ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null; then
	skip "icmsgd becomes daemon.user after opening everything" "no nobody/nogroup"
else
	st=0
	uid=$(getent passwd nobody | cut -d: -f3)
	gid=$(getent group nogroup | cut -d: -f3)
	config "$WORK/d.yaml" "user: nobody" "group: nogroup"
	# A reload reads the configuration with the user's rights.
	chmod a+rx "$WORK"
	"$DAEMON" -c "$WORK/d.yaml" -d "$WORK/none" -v >"$WORK/d.log" 2>&1 &
	DPID=$!
	"$CLI" sim -c "$WORK/peer.yaml" -i ipc0 >"$WORK/sim.log" 2>&1 &
	SPID=$!
	wait_until "ipc0 bound" "$WAIT_MS" bound || st=1
	has_text "$WORK/d.log" "running as user nobody (uid $uid), group $gid" || st=1
	[ "$(ids "$DPID" Uid)" = "$uid $uid $uid $uid" ] || { diag "Uid: $(ids "$DPID" Uid)"; st=1; }
	[ "$(ids "$DPID" Gid)" = "$gid $gid $gid $gid" ] || { diag "Gid: $(ids "$DPID" Gid)"; st=1; }
	groups=$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$DPID/status" | xargs)
	[ "$groups" = "$gid" ] || { diag "supplementary groups: '$groups'"; st=1; }
	# Messages still flow both ways through what root opened.
	"$DC" -n 200 -s 64 -t 20000 ping "$WORK/run/ipc0.sock" >"$WORK/ping.out" 2>&1 ||
		{ diag "$(cat "$WORK/ping.out")"; st=1; }
	# A reload asking for another user is told it needs a restart.
	config "$WORK/d.yaml" "user: root"
	kill -HUP "$DPID"
	wait_until "the reload's warning" "$WAIT_MS" \
		has_text "$WORK/d.log" "take effect at the next start" || st=1
	[ "$(ids "$DPID" Uid)" = "$uid $uid $uid $uid" ] || st=1
	kill "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=
	kill "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=
	[ $st -eq 0 ] || diag "$(cat "$WORK/d.log")"
	result "icmsgd becomes daemon.user after opening everything, and relays as before" $st
fi

# -- refusals -----------------------------------------------------------------
# refused DESCRIPTION EXPECTED-LINE [RUN-AS...]: icmsgd exits 1 and says why.
refused() {
	local what=$1 line=$2 st=0 rc=0
	shift 2
	rm -rf "$WORK/run"
	timeout 20 "$@" "$DAEMON" -c "$WORK/d.yaml" -d "$WORK/none" >"$WORK/r.log" 2>&1 || rc=$?
	[ "$rc" = 1 ] || { diag "exit status $rc"; st=1; }
	has_text "$WORK/r.log" "$line" || { diag "$(cat "$WORK/r.log")"; st=1; }
	result "$what" $st
}

config "$WORK/d.yaml" "user: no-such-user-here"
refused "an unknown daemon.user: icmsgd does not start" "daemon.user: no user 'no-such-user-here'"
config "$WORK/d.yaml" "user: root" "group: no-such-group-here"
refused "an unknown daemon.group: icmsgd does not start" \
	"daemon.group: no group 'no-such-group-here'"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && getent passwd nobody >/dev/null; then
	config "$WORK/d.yaml" "user: root"
	mkdir -p "$WORK/shm"
	chmod -R a+rwX "$WORK"
	refused "not root, asked to become root: icmsgd does not start" \
		"cannot become user root: not running as root" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups
else
	skip "not root, asked to become root: icmsgd does not start" "needs root and setpriv"
fi

summary privilege
