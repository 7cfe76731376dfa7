#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install and prepare everything the "qemu" test suite needs (Debian 12):
#   - host packages: QEMU (TCG), busybox-static, cpio, gcc/make and the
#     kernel headers for the kernel Debian currently ships (KVER);
#   - a kit directory (default <repo>/.cache/qemu-kit, or $ICMSG_QEMU_KIT)
#     with that kernel (linux-image-KVER, unpacked, not installed), its uio.ko,
#     igb_uio.ko built from dpdk-kmods-dkms, and kit.env describing them.
# Idempotent: when the kit is complete it only says so. Runs as root (or
# uses sudo for apt-get). Needs an up-to-date apt cache (apt-get update).
set -euo pipefail

start=$SECONDS
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
kit=${ICMSG_QEMU_KIT:-$repo/.cache/qemu-kit}

log() { echo "qemu/setup.sh: $*"; }
die() { echo "qemu/setup.sh: ERROR: $*" >&2; exit 1; }

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: run as root"
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

# The kernel version Debian's linux-image-amd64 currently depends on.
command -v apt-cache >/dev/null || die "apt-cache not found: this script is for Debian"
KVER=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$KVER" ] || die "cannot tell which kernel linux-image-amd64 depends on (run apt-get update first?)"

packages=(qemu-system-x86 busybox-static cpio gzip xz-utils make gcc libc6-dev
	"linux-headers-$KVER")

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		installed "$p" || echo "$p"
	done
}

kit_complete() {
	[ -f "$kit/kit.env" ] || return 1
	(
		# shellcheck disable=SC1091
		. "$kit/kit.env"
		[ "${KVER:-}" = "$1" ] && [ -f "${VMLINUZ:-}" ] && [ -f "${UIO_KO:-}" ] &&
			[ -f "${IGB_UIO_KO:-}" ]
	) || return 1
	[ -z "$(missing_packages)" ]
}

if kit_complete "$KVER"; then
	log "kit complete for kernel $KVER in $kit; nothing to do"
	exit 0
fi

log "kernel version: $KVER"
log "kit directory:  $kit"

# 1. Host packages.
mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -gt 0 ]; then
	log "apt-get install ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}" \
		|| die "apt-get install failed (apt-get update done?)"
else
	log "packages already installed: ${packages[*]}"
fi
headers=/usr/src/linux-headers-$KVER
[ -f "$headers/Makefile" ] || die "$headers/Makefile missing after installing linux-headers-$KVER"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found after install"
[ -x /bin/busybox ] || die "/bin/busybox not found after installing busybox-static"

# 2. Kernel image and the igb_uio source, downloaded and unpacked (not
#    installed: the host keeps its own kernel).
mkdir -p "$kit/debs"
rm -f "$kit/kit.env"
fetch() { # package unpack-dir [member pattern...]: unpack all or only those
	local pkg=$1 dest=$2 deb
	shift 2
	deb=$(find "$kit/debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	if [ -z "$deb" ]; then
		log "apt-get download $pkg"
		# apt's _apt user may not be able to write the kit: download to a
		# world-writable temp dir, then move it in.
		local tmp
		tmp=$(mktemp -d)
		chmod 777 "$tmp"
		if ! (cd "$tmp" && apt-get download -q "$pkg") >"$tmp/log" 2>&1; then
			cat "$tmp/log" >&2
			rm -rf "$tmp"
			die "apt-get download $pkg failed (apt-get update done?)"
		fi
		grep -v "unsandboxed" "$tmp/log" || true
		deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
		[ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download $pkg gave no .deb"; }
		mv "$deb" "$kit/debs/"
		rm -rf "$tmp"
		deb=$kit/debs/$(basename "$deb")
	fi
	if [ ! -f "$dest/.unpacked" ] || [ "$(cat "$dest/.unpacked")" != "$(basename "$deb")" ]; then
		log "unpack $(basename "$deb") -> $dest"
		rm -rf "$dest"
		mkdir -p "$dest"
		if [ $# -eq 0 ]; then
			dpkg-deb -x "$deb" "$dest" || die "dpkg-deb -x $deb failed"
		else
			# What dpkg-deb -x does, restricted to the files we use.
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" --wildcards "$@" ||
				die "unpacking $* from $deb failed"
		fi
		basename "$deb" >"$dest/.unpacked"
	fi
}
# Of the kernel image only the kernel and the uio modules (not 450 MB).
fetch "linux-image-$KVER" "$kit/image" './boot/vmlinuz-*' '*/kernel/drivers/uio/*'
fetch dpdk-kmods-dkms "$kit/dpdk-kmods"

vmlinuz=$kit/image/boot/vmlinuz-$KVER
[ -f "$vmlinuz" ] || die "no $vmlinuz in linux-image-$KVER"

# 3. uio.ko from the same image; busybox insmod wants it uncompressed.
mkdir -p "$kit/modules"
uio_src=$(find "$kit/image/lib/modules/$KVER" -name 'uio.ko' -o -name 'uio.ko.xz' \
	-o -name 'uio.ko.zst' -o -name 'uio.ko.gz' | head -n 1)
[ -n "$uio_src" ] || die "no uio.ko in linux-image-$KVER"
case $uio_src in
*.ko) cp "$uio_src" "$kit/modules/uio.ko" ;;
*.xz) xz -dc "$uio_src" >"$kit/modules/uio.ko" ;;
*.gz) gzip -dc "$uio_src" >"$kit/modules/uio.ko" ;;
*.zst) zstd -dc "$uio_src" >"$kit/modules/uio.ko" || die "zstd needed to unpack $uio_src" ;;
esac
log "uio.ko: $uio_src"

# 4. igb_uio.ko, built out of tree against the headers of the same kernel.
igb_src=$(find "$kit/dpdk-kmods/usr/src" -name igb_uio.c | head -n 1)
[ -n "$igb_src" ] || die "no igb_uio.c in dpdk-kmods-dkms"
build=$kit/build/igb_uio
rm -rf "$build"
mkdir -p "$build"
cp "$(dirname "$igb_src")"/* "$build/"
log "build igb_uio.ko against $headers"
# MODULE_CFLAGS as in the package's dkms.conf.
if ! make -s -C "$headers" M="$build" MODULE_CFLAGS=-fno-PIE modules >"$kit/build/igb_uio.log" 2>&1; then
	cat "$kit/build/igb_uio.log" >&2
	die "building igb_uio.ko failed (log above, also in $kit/build/igb_uio.log)"
fi
[ -f "$build/igb_uio.ko" ] || die "kbuild did not produce igb_uio.ko"
cp "$build/igb_uio.ko" "$kit/modules/igb_uio.ko"

# Both modules must be for the kernel we boot.
for m in uio igb_uio; do
	vm=$(strings "$kit/modules/$m.ko" 2>/dev/null | sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -n 1 || true)
	if [ -n "$vm" ] && [ "$vm" != "$KVER" ]; then
		die "$m.ko is for kernel $vm, not $KVER"
	fi
done

cat >"$kit/kit.env.tmp" <<EOF
# Written by tests/qemu/setup.sh; read by tests/qemu/run.sh.
KVER=$KVER
VMLINUZ=$vmlinuz
UIO_KO=$kit/modules/uio.ko
IGB_UIO_KO=$kit/modules/igb_uio.ko
EOF
mv "$kit/kit.env.tmp" "$kit/kit.env"
log "wrote $kit/kit.env"
log "kit ready for kernel $KVER in $((SECONDS - start)) s"
