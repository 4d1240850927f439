# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Common settings for the end-to-end rig (sourced by the other scripts).

XSF_CACHE=${XSF_CACHE:-/var/cache/xen-snd-front}
E2E_CACHE=$XSF_CACHE/e2e
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)

# Host tools the rig needs, installed with apt when missing.
e2e_deps() {
	missing=""
	command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
	command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
	command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
	[ -f /usr/include/xenstore.h ] || missing="$missing libxen-dev"
	[ -f /usr/include/alsa/asoundlib.h ] || missing="$missing libasound2-dev"
	ls -d /usr/src/linux-headers-6.1.0-*-amd64 >/dev/null 2>&1 ||
		missing="$missing linux-headers-amd64"
	if [ -n "$missing" ]; then
		echo "[e2e] installing$missing" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	fi
}
e2e_deps

# Kernel of dom0 and the guest: the Debian 6.1 kernel matching the host's
# installed headers (newest ABI if several are installed).
if [ -z "${E2E_KVER:-}" ]; then
	E2E_KVER=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.1.0-*-amd64' -printf '%f\n' |
		sed 's/^linux-headers-//' | sort -V | tail -n 1)
fi
if [ -z "$E2E_KVER" ]; then
	echo "e2e: no /usr/src/linux-headers-6.1.0-*-amd64 found" >&2
	exit 1
fi
E2E_XEN_PKG=xen-hypervisor-4.17-amd64

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Debian mirror from the host's apt configuration (never hard-coded).
debian_mirror() {
	uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file|ftp):/) { print $i; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror in the apt configuration"
	echo "$uri"
}

# Build this repository's module for the rig's kernel in a scratch copy
# (the source tree stays clean) and print the path of the .ko.
e2e_build_module() {
	out=$E2E_CACHE/build/module
	rm -rf "$out"
	mkdir -p "$out/scripts"
	cp -r "$REPO_ROOT/Makefile" "$REPO_ROOT/Kbuild" "$REPO_ROOT/dkms.conf" \
		"$REPO_ROOT/src" "$REPO_ROOT/include" "$out/"
	cp "$REPO_ROOT/scripts/conftest.sh" "$out/scripts/"
	log "building snd_xen_front.ko for $E2E_KVER"
	nice make -C "$out" KDIR="/usr/src/linux-headers-$E2E_KVER" >"$out/build.log" 2>&1 ||
		die "module build failed, see $out/build.log"
	echo "$out/snd_xen_front.ko"
}
