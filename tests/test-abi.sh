#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shared library exports exactly the public API, with a versioned SONAME.
#   $1 = libicmsg.so path, $2 = include/icmsg/icmsg.h
set -euo pipefail
lib=$1
header=$2
pass=0
fail=0
check() {
	if "${@:2}"; then
		echo "ok - $1"
		pass=$((pass + 1))
	else
		echo "not ok - $1"
		fail=$((fail + 1))
	fi
}

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
declared=$(sed -n '/^static/!s/^[a-z].*[ *]\(icmsg_[a-z_0-9]*\)(.*/\1/p' "$header" | sort -u)

only_public() { ! grep -v '^icmsg_' <<<"$exported"; }
all_declared_exported() { [ -z "$(comm -23 <(echo "$declared") <(echo "$exported"))" ]; }
none_undeclared() { [ -z "$(comm -13 <(echo "$declared") <(echo "$exported"))" ]; }
versioned() { nm -D --defined-only "$lib" | grep -q 'icmsg_link_open@@ICMSG_0.1'; }
soname() { readelf -d "$lib" | grep -q 'SONAME.*\[libicmsg\.so\.0\]'; }

check "only icmsg_* symbols are exported" only_public
check "every function of icmsg.h is exported" all_declared_exported
check "nothing is exported that icmsg.h does not declare" none_undeclared
check "symbols carry the ICMSG_0.1 version node" versioned
check "SONAME is libicmsg.so.0" soname
[ "$(wc -l <<<"$declared")" -ge 20 ] || { echo "not ok - header parse found too few functions"; fail=$((fail + 1)); }
echo "abi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
