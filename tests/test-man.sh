#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The man pages: icmsg-cli(1) documents every long option that
# 'icmsg-cli [COMMAND] --help' prints, each in its command's subsection,
# and names no option icmsg-cli does not have; groff formats every page
# without a warning.
#
# Usage: test-man.sh PATH-TO-icmsg-cli [MAN-DIR]
set -euo pipefail

CLI=${1:?usage: test-man.sh PATH-TO-icmsg-cli [MAN-DIR]}
MAN_DIR=${2:-$(dirname "$0")/../man}
PAGE=$MAN_DIR/icmsg-cli.1

. "$(dirname "$0")/lib.sh"
work_dir icmsg-man

COMMANDS=(send recv status monitor sim dump config bench)

# help_options WORDS...: the long options of the option lines of
# 'icmsg-cli WORDS... --help' ("  -x, --name ARG" or "      --name ARG";
# continuation lines are indented further), one per line, without '--'.
help_options() {
	"$CLI" "$@" --help |
		sed -nE 's/^ {2,6}(-[A-Za-z0-9], +)?--([A-Za-z0-9][A-Za-z0-9-]*).*/\2/p' |
		sort -u
}

# roff NAME: NAME as the page writes an option, "--" and every '-' as "\-".
roff() {
	printf '\\-\\-%s' "${1//-/\\-}"
}

# section CMD: the text of the subsection ".SS CMD" of the page.
section() {
	awk -v cmd="$1" '
		/^\.S[SH] / { inside = ($1 == ".SS" && ($2 == cmd || $2 == "\"" cmd "\"")) ; next }
		inside' "$PAGE"
}

if [ ! -r "$PAGE" ]; then
	not_ok "man page exists: $PAGE"
	summary man
	exit 1
fi

# (1) Every long option of the top-level help is on the page, every long
# option of a command's help in that command's subsection.
st=0
: >"$WORK/all"
help_options >"$WORK/top" || { diag "'icmsg-cli --help' failed"; st=1; }
[ -s "$WORK/top" ] || { diag "no options in 'icmsg-cli --help'"; st=1; }
while read -r name; do
	echo "$name" >>"$WORK/all"
	grep -qF -- "$(roff "$name")" "$PAGE" ||
		{ diag "icmsg-cli --$name is not on the page"; st=1; }
done <"$WORK/top"
result "every option of 'icmsg-cli --help' is on the page" "$st"

for cmd in "${COMMANDS[@]}"; do
	st=0
	section "$cmd" >"$WORK/section"
	if [ ! -s "$WORK/section" ]; then
		diag "no subsection '.SS $cmd' on the page"
		st=1
	fi
	help_options "$cmd" >"$WORK/opts" || { diag "'icmsg-cli $cmd --help' failed"; st=1; }
	[ -s "$WORK/opts" ] || { diag "no options in 'icmsg-cli $cmd --help'"; st=1; }
	while read -r name; do
		echo "$name" >>"$WORK/all"
		grep -qF -- "$(roff "$name")" "$WORK/section" ||
			{ diag "icmsg-cli $cmd --$name is not in '.SS $cmd'"; st=1; }
	done <"$WORK/opts"
	result "every option of 'icmsg-cli $cmd --help' is in its subsection" "$st"
done

# config's actions have the same options as config itself.
for action in check instances; do
	st=0
	if help_options config "$action" >"$WORK/opts" 2>/dev/null; then
		section config >"$WORK/section"
		while read -r name; do
			grep -qF -- "$(roff "$name")" "$WORK/section" ||
				{ diag "icmsg-cli config $action --$name is not in '.SS config'"; st=1; }
		done <"$WORK/opts"
		result "every option of 'icmsg-cli config $action --help' is in '.SS config'" "$st"
	else
		skip "options of 'icmsg-cli config $action --help'" "no such help"
	fi
done

# The other way round: the page names no icmsg-cli option that no --help
# prints (an option removed from the program, a typo). Options of other
# programs that the page mentions are listed here.
st=0
others="check-config strip-unneeded"
sort -u "$WORK/all" >"$WORK/known"
grep -oE -- '\\-\\-[A-Za-z0-9]([A-Za-z0-9]|\\-)*' "$PAGE" |
	sed -e 's/\\-/-/g' -e 's/^--//' | sort -u >"$WORK/named"
while read -r name; do
	grep -qxF -- "$name" "$WORK/known" && continue
	case " $others " in *" $name "*) continue ;; esac
	diag "the page names --$name, which no 'icmsg-cli --help' prints"
	st=1
done <"$WORK/named"
result "every option the page names is one of icmsg-cli's" "$st"

# (2) groff formats each page without a warning.
for page in "$PAGE" "$MAN_DIR"/icmsgd.8 "$MAN_DIR"/icmsgd.yaml.5; do
	name=$(basename "$page")
	if ! command -v groff >/dev/null; then
		skip "groff -man -ww: $name has no warnings" "groff is not installed"
		continue
	fi
	st=0
	groff -man -Tutf8 -ww -z "$page" >"$WORK/groff.out" 2>&1 || st=1
	if [ -s "$WORK/groff.out" ]; then
		diag "$(cat "$WORK/groff.out")"
		st=1
	fi
	result "groff -man -ww: $name has no warnings" "$st"
done

summary man
