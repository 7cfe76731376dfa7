#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian 12 packages icmsg needs to build and test, if missing.
# Sourced by run-demo and run-tests; also run by .ci/run.
set -euo pipefail

# python3: the examples test runs examples/client.py; JSON outputs are parsed with it.
ICMSG_PACKAGES=(gcc libc6-dev meson ninja-build pkg-config libyaml-dev libevent-dev libcmocka-dev
	python3)

icmsg_install_deps() {
	local missing=() pkg sudo=()

	for pkg in "${ICMSG_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$pkg")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		sudo=(sudo)
	fi
	echo "Installing: ${missing[*]}" >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	icmsg_install_deps
fi
