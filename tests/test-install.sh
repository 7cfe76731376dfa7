#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install into a scratch root and build a program against it through
# pkg-config, the way a user of the library would.
#   $1 = build root, $2 = b_sanitize option value, $3 = daemon option value,
#   $4 = bash-completion option value
set -euo pipefail
build=$1
sanitize=$2
daemon=${3:-false}
completion=${4:-false}
examples=$(cd "$(dirname "$0")/../examples" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
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

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
pc=$(find "$root" -name libicmsg.pc | head -n 1)
lib=$(find "$root" -name 'libicmsg.so.0.*' | head -n 1)
export PKG_CONFIG_PATH=$(dirname "${pc:-/nonexistent}")
export PKG_CONFIG_SYSROOT_DIR=$root

installed_files() {
	[ -n "$pc" ] && [ -n "$lib" ] &&
		[ -L "$(dirname "$lib")/libicmsg.so.0" ] && [ -L "$(dirname "$lib")/libicmsg.so" ] &&
		[ -n "$(find "$root" -path '*/bin/icmsg-cli')" ] &&
		[ -n "$(find "$root" -path '*/man1/icmsg-cli.1' -type f)" ] &&
		[ -n "$(find "$root" -path '*/share/icmsg/examples/icmsg-sim.yaml')" ]
}
only_public_header() {
	[ "$(find "$root" -path '*/include/*' -type f -printf '%P\n' | sed 's|.*/include/||')" = \
		"icmsg/icmsg.h" ]
}
consumer() {
	cat >"$root/consumer.c" <<'EOC'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <icmsg/icmsg.h>

int main(void)
{
	struct icmsg_link_config cfg;
	const char *field = NULL, *msg = NULL;

	icmsg_link_config_init(&cfg);
	/* No name, no regions: the check names the first missing field. */
	if (icmsg_link_config_check(&cfg, &field, &msg) != -EINVAL || !field)
		return 1;
	printf("libicmsg %s\n", icmsg_version_string());
	return strcmp(icmsg_version_string(), "") == 0;
}
EOC
	# shellcheck disable=SC2046
	cc -std=c11 -Wall -Wextra -Werror -o "$root/consumer" "$root/consumer.c" \
		$(pkg-config --cflags --libs libicmsg) || return 1
	if [ "$sanitize" != none ]; then
		return 0 # an uninstrumented program cannot load an ASan library
	fi
	LD_LIBRARY_PATH=$(dirname "$lib") "$root/consumer" | grep -q '^libicmsg [0-9]'
}

# examples/README.md's commands, against the installed pkg-config file.
example_blocking() {
	# shellcheck disable=SC2046
	cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$root/blocking" "$examples/blocking.c" \
		$(pkg-config --cflags --libs libicmsg) || return 1
	if [ "$sanitize" != none ]; then
		return 0 # an uninstrumented program cannot load an ASan library
	fi
	# Without arguments it prints its usage and exits 2: it loaded and ran.
	local rc=0
	LD_LIBRARY_PATH=$(dirname "$lib") "$root/blocking" 2>/dev/null || rc=$?
	[ "$rc" -eq 2 ]
}
example_libevent() {
	# shellcheck disable=SC2046
	cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$root/libevent" "$examples/libevent.c" \
		$(pkg-config --cflags --libs libicmsg libevent_core)
}

completion_file() {
	[ -n "$(find "$root" -path '*/bash-completion/completions/icmsg-cli' -type f)" ]
}

daemon_files() {
	[ -n "$(find "$root" -path '*/sbin/icmsgd' -type f)" ] &&
		[ -n "$(find "$root" -name icmsgd.service -type f)" ] &&
		[ -n "$(find "$root" -path '*/etc/icmsgd/icmsgd.yaml' -type f)" ] &&
		[ -n "$(find "$root" -path '*/man8/icmsgd.8' -type f)" ] &&
		[ -n "$(find "$root" -path '*/man5/icmsgd.yaml.5' -type f)" ] &&
		grep -q "^ExecStart=/.*/icmsgd " "$(find "$root" -name icmsgd.service | head -n 1)"
}

check "library, links, pkg-config file, tool, its man page and examples are installed" installed_files
if [ "$daemon" = true ]; then
	check "icmsgd, its unit, /etc/icmsgd/icmsgd.yaml and the man pages are installed" \
		daemon_files
fi
check "only the public header is installed" only_public_header
check "a C11 program builds with pkg-config --cflags --libs libicmsg and runs" consumer
check "examples/blocking.c builds with pkg-config --cflags --libs libicmsg and runs" \
	example_blocking
if pkg-config --exists libevent_core 2>/dev/null; then
	check "examples/libevent.c builds with pkg-config libicmsg libevent_core" example_libevent
fi
if [ "$completion" = true ]; then
	check "the bash completion is installed as bash-completion/completions/icmsg-cli" \
		completion_file
fi
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
