#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The bash completion of icmsg-cli: source it, set COMP_WORDS and
# COMP_CWORD as bash would for a command line, call the function and
# compare COMPREPLY.
#
# Usage: test-completion.sh PATH-TO-icmsg-cli [PATH-TO-icmsg-cli.bash]
set -euo pipefail

CLI=${1:?usage: test-completion.sh PATH-TO-icmsg-cli [COMPLETION-FILE]}
COMPLETION=${2:-$(dirname "$0")/../completion/icmsg-cli.bash}

. "$(dirname "$0")/lib.sh"
work_dir icmsg-completion

unset ICMSG_CONFIG
. "$COMPLETION"

# complete WORD...: COMPREPLY for the command line "icmsg-cli WORD..."
# with the cursor in the last WORD, one candidate per line, sorted.
# The command is the built icmsg-cli, as if typed by its path.
complete_line() {
	COMP_WORDS=("$CLI" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_icmsg_cli
	if ((${#COMPREPLY[@]})); then
		printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
	fi
}

# expect WANT WORD...: the candidates (sorted, one per line) are WANT.
expect() {
	local want=$1 got
	shift
	got=$(complete_line "$@" 2>"$WORK/stderr")
	if [ "$got" != "$want" ]; then
		diag "icmsg-cli $*<TAB>: expected:" "$want" "got:" "$got"
		return 1
	fi
	if [ -s "$WORK/stderr" ]; then
		diag "icmsg-cli $*<TAB> wrote to stderr:" "$(cat "$WORK/stderr")"
		return 1
	fi
}

# expect_has WORD-LIST -- WORD...: every word of WORD-LIST is a candidate.
expect_has() {
	local want=$1 got w
	shift 2
	got=$(complete_line "$@")
	for w in $want; do
		if ! grep -qxF -- "$w" <<<"$got"; then
			diag "icmsg-cli $*<TAB>: no '$w' in:" "$got"
			return 1
		fi
	done
}

lines() {
	printf '%s\n' "$@"
}

cat >"$WORK/two.yaml" <<EOF
instances:
  - name: alpha
    rx-region: { path: $WORK/shm.bin, offset: 0x0000, size: 0x0800 }
    tx-region: { path: $WORK/shm.bin, offset: 0x0800, size: 0x0800 }
    mboxes: { rx: $WORK/a.ch0, tx: $WORK/a.ch1 }
  - name: beta
    rx-region: { path: $WORK/shm.bin, offset: 0x1000, size: 0x0800 }
    tx-region: { path: $WORK/shm.bin, offset: 0x1800, size: 0x0800 }
    mboxes: { rx: $WORK/b.ch0, tx: $WORK/b.ch1 }
EOF

# ---------------------------------------------------------------------------
st=0
expect "$(lines bench config dump monitor recv send sim status)" "" || st=1
expect "$(lines send sim status)" s || st=1
expect "$(lines --help --version)" -- || st=1
expect "$(lines config)" co || st=1
result "the command names, from icmsg-cli --help" $st

st=0
expect_has "--hex --replies --timeout --help --direct --config --instance --control --socket
	--peer-rx-buf-size --unbound --verbose" -- send -- || st=1
got=$(complete_line send --)
# Long options only after "--", each once although --help lists -i twice.
! grep -qvE '^--[a-z-]+$' <<<"$got" || { diag "$got"; st=1; }
[ "$(sort <<<"$got" | uniq -d)" = "" ] || { diag "repeated: $(sort <<<"$got" | uniq -d)"; st=1; }
expect "$(lines --replies)" send --rep || st=1
expect_has "-x -r -t -c -i -v --hex" -- send - || st=1
expect "$(lines --mode)" sim -c x.yaml --mo || st=1
expect "$(lines --help --json --quiet)" config check -- || st=1
result "send --, send - and others: that command's options, from its --help" $st

st=0
expect "$(lines disable enable detect | LC_ALL=C sort)" sim --unbound "" || st=1
expect "$(lines echo generate sink)" sim -m "" || st=1
expect "$(lines counter random text zero)" sim --pattern "" || st=1
expect "$(lines length magic wr-index)" sim --corrupt "" || st=1
expect "$(lines rx tx)" dump --region "" || st=1
expect "$(lines check instances)" config "" || st=1
result "fixed option values and config's actions" $st

st=0
expect "$(lines alpha beta)" send -c "$WORK/two.yaml" "" || st=1
expect "$(lines beta)" send --direct --config "$WORK/two.yaml" b || st=1
# --config=FILE: bash splits at '=' (COMP_WORDBREAKS).
expect "$(lines alpha beta)" recv --config = "$WORK/two.yaml" --direct "" || st=1
expect "$(lines alpha)" sim -c "$WORK/two.yaml" --instance a || st=1
expect "$(lines alpha)" sim --config = "$WORK/two.yaml" -i = a || st=1
# After the instance, send takes messages: nothing to offer.
expect "" send --direct -c "$WORK/two.yaml" alpha "" || st=1
# From $ICMSG_CONFIG when there is no --config.
ICMSG_CONFIG=$WORK/two.yaml expect "$(lines alpha beta)" status "" || st=1
ICMSG_CONFIG=$WORK/two.yaml expect "$(lines alpha beta)" dump -i "" || st=1
# No configuration, or a broken one: nothing, and no noise.
expect "" send "" || st=1
expect "" send -c "$WORK/missing.yaml" "" || st=1
result "instance names from -c/--config FILE or \$ICMSG_CONFIG (config instances)" $st

st=0
mkdir -p "$WORK/dir/sub"
: >"$WORK/dir/one.yaml"
: >"$WORK/dir/two.yaml"
expect "$(lines "$WORK/dir/one.yaml" "$WORK/dir/sub" "$WORK/dir/two.yaml")" \
	config check "$WORK/dir/" || st=1
expect "$(lines "$WORK/dir/one.yaml")" config check "$WORK/dir/one.yaml" "$WORK/dir/o" || st=1
expect "$(lines "$WORK/dir/two.yaml")" sim --config "$WORK/dir/t" || st=1
expect "$(lines "$WORK/dir/two.yaml")" dump -f "$WORK/dir/t" || st=1
expect "$(lines "$WORK/dir/sub")" send --control = "$WORK/dir/s" || st=1
result "file names for FILE and PATH arguments" $st

# Optional arguments ("--timestamp[=FORMAT]") take their value after '='
# only: without it the next word is an argument of its own.
st=0
expect "$(lines iso mono)" recv --timestamp = "" || st=1
expect "" recv --timestamp "" || st=1
ICMSG_CONFIG=$WORK/two.yaml expect "$(lines alpha beta)" recv -T "" || st=1
expect "$(lines --timeout --timestamp)" recv --ti || st=1
result "optional option values: after '=' only" $st

summary completion
