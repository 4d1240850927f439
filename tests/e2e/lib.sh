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
	command -v modprobe >/dev/null 2>&1 || missing="$missing kmod"
	command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
	command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
	command -v g++ >/dev/null 2>&1 || missing="$missing g++"
	[ -f /usr/include/xenstore.h ] || missing="$missing libxen-dev"
	[ -f /usr/include/alsa/asoundlib.h ] || missing="$missing libasound2-dev"
	if [ -n "$missing" ]; then
		echo "[e2e] installing$missing" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$missing >/dev/null
	fi
}
e2e_deps

# The kernel of dom0 and the guest, and the module's build environment:
# bookworm's own kernel (XSF_K1) in the cached bookworm chroot of
# scripts/lib-chroot.sh, where its image, modules and headers are
# installed.  Nothing kernel-related is installed on the host.
# shellcheck source=../../scripts/lib-chroot.sh
. "$REPO_ROOT/scripts/lib-chroot.sh"
if ! xsf_bookworm_root >/dev/null; then
	echo "e2e: cannot prepare the bookworm chroot" >&2
	exit 1
fi
xsf_chroot_umount "$XSF_ROOT"
E2E_KROOT=$XSF_ROOT
E2E_KVER=${E2E_KVER:-$XSF_K1}
if [ ! -f "$E2E_KROOT/boot/vmlinuz-$E2E_KVER" ]; then
	echo "e2e: no kernel $E2E_KVER in $E2E_KROOT" >&2
	exit 1
fi
E2E_XEN_PKG=xen-hypervisor-4.17-amd64

# Third-party backends built at test time (never part of this repository):
# their source tarballs come from $XSF_THIRD_PARTY, else ../shared/third_party
# next to this clone or next to the repository it was cloned from.
e2e_third_party() {
	local d origin
	for d in "${XSF_THIRD_PARTY:-}" "$REPO_ROOT/../shared/third_party"; do
		[ -n "$d" ] && [ -d "$d" ] && { (cd "$d" && pwd); return 0; }
	done
	origin=$(git -C "$REPO_ROOT" config --get remote.origin.url 2>/dev/null || true)
	case $origin in
	/*) d=$origin/../shared/third_party ;;
	file://*) d=${origin#file://}/../shared/third_party ;;
	*) d= ;;
	esac
	[ -n "$d" ] && [ -d "$d" ] && { (cd "$d" && pwd); return 0; }
	return 1
}

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

# Build this repository's module for the rig's kernel, in a scratch copy
# inside the bookworm chroot (the source tree stays clean), and print the
# path of the .ko.
e2e_build_module() {
	local out=$E2E_CACHE/build/module src=$E2E_KROOT/tmp/xsf-e2e-module
	rm -rf "$out"
	mkdir -p "$out"
	xsf_stage_tree "$src"
	log "building snd_xen_front.ko for $E2E_KVER"
	xsf_chroot_mount "$E2E_KROOT"
	if ! xsf_in_chroot "$E2E_KROOT" nice make -C /tmp/xsf-e2e-module \
		KDIR="/usr/src/linux-headers-$E2E_KVER" >"$out/build.log" 2>&1; then
		rm -rf "$src"
		xsf_chroot_umount "$E2E_KROOT"
		die "module build failed, see $out/build.log"
	fi
	xsf_chroot_umount "$E2E_KROOT"
	cp "$src/snd_xen_front.ko" "$out/"
	rm -rf "$src"
	echo "$out/snd_xen_front.ko"
}
