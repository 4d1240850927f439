# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Common settings for the end-to-end rig (sourced by the other scripts).

XSF_CACHE=${XSF_CACHE:-/var/cache/xen-snd-front}
# The rig's architecture (E2E_ARCH): amd64, an x86 PV guest, or arm64,
# Xen on Arm with an auto-translated guest (its own cache: nothing is
# shared with the x86 rig but the downloads of apt-suite.sh).
E2E_ARCH=${E2E_ARCH:-amd64}
case $E2E_ARCH in
amd64) E2E_CACHE=$XSF_CACHE/e2e ;;
arm64) E2E_CACHE=$XSF_CACHE/e2e-arm64 ;;
*)
	echo "e2e: E2E_ARCH must be amd64 or arm64" >&2
	exit 2
	;;
esac
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
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
			--no-install-recommends \
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
# shellcheck disable=SC2034 # used by the scripts that source this file
E2E_XEN_PKG=xen-hypervisor-4.17-$E2E_ARCH
# shellcheck disable=SC2034 # used by the scripts that source this file
case $E2E_ARCH in
amd64)
	E2E_XEN_IMAGE=$E2E_CACHE/xen.elf
	E2E_TRIPLET=x86_64-linux-gnu
	E2E_QEMU=$(command -v qemu-system-x86_64)
	;;
arm64)
	E2E_XEN_IMAGE=$E2E_CACHE/xen.img
	E2E_TRIPLET=aarch64-linux-gnu
	E2E_QEMU=$(command -v qemu-system-aarch64 || echo "$E2E_CACHE/qemu/usr/bin/qemu-system-aarch64")
	;;
esac

# The guest's kernel (E2E_GUEST): bookworm's (the default, as dom0's),
# bookworm-backports' or sid's.  E2E_GROOT holds its image and modules
# (boot/vmlinuz-KVER, boot/config-KVER, lib/modules/KVER), E2E_GBUILD is
# the chroot with its headers and compiler, E2E_GKVER its version.  A sid
# or trixie kernel is downloaded (linux-image-KVER and the packages of the
# same kernel it depends on: newer kernels put the image, modules and
# config into separate packages under /usr/lib/modules/KVER) and unpacked
# into the cache; their chroots have only the headers.
E2E_GUEST=${E2E_GUEST:-bookworm}
e2e_unpack_kernel() { # SUITE KVER ROOT (XSF_APT_ARCH: another architecture's)
	local suite=$1 k=$2 root=$3 d=$E2E_CACHE/debs/$1 pkgs deb
	mkdir -p "$d"
	(cd "$d" && "$REPO_ROOT/scripts/apt-suite.sh" "$suite" -q download \
		"linux-image-$k" >/dev/null 2>&1) || return 1
	deb=$(ls "$d/linux-image-${k}_"*.deb 2>/dev/null | tail -n 1)
	[ -n "$deb" ] || return 1
	# the packages of this kernel build the image depends on
	pkgs=$(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' |
		sed -n "s/^ *\(linux-[a-z-]*-$k\)\( .*\)\?\$/\1/p" | sort -u)
	if [ -n "$pkgs" ]; then
		# shellcheck disable=SC2086 # one argument per package
		(cd "$d" && "$REPO_ROOT/scripts/apt-suite.sh" "$suite" -q download \
			$pkgs >/dev/null 2>&1) || return 1
	fi
	rm -rf "$root"
	mkdir -p "$root/boot"
	for deb in "$d/linux-image-${k}_"*.deb $(for p in $pkgs; do ls "$d/${p}_"*.deb; done); do
		dpkg-deb -x "$deb" "$root" || return 1
	done
	# merged /usr: the modules may be under usr/lib
	[ -d "$root/lib/modules/$k" ] || ln -sfn usr/lib "$root/lib"
	[ -f "$root/boot/vmlinuz-$k" ] || cp "$root/lib/modules/$k/vmlinuz" "$root/boot/vmlinuz-$k" || return 1
	[ -f "$root/boot/config-$k" ] || cp "$root/lib/modules/$k/config" "$root/boot/config-$k" || return 1
	depmod -b "$root" "$k" && touch "$root/.done"
}
e2e_guest_kernel() {
	local dir k
	if [ "$E2E_ARCH" = arm64 ]; then
		# bookworm's kernel for arm64, of the ABI of the matrix's
		# bookworm-arm64 row (whose headers build the module): dom0's
		# and the guest's, unpacked from its packages
		[ "$E2E_GUEST" = bookworm ] || {
			echo "e2e: the arm64 rig runs bookworm's kernel only" >&2
			return 1
		}
		k=${XSF_K1%-amd64}-arm64
		E2E_GKVER=$k E2E_KVER=$k E2E_GBUILD=$XSF_ROOT E2E_GROOT=$E2E_CACHE/kernels/$k
		E2E_KROOT=$E2E_GROOT
		[ -f "$E2E_GROOT/.done" ] ||
			XSF_APT_ARCH=arm64 e2e_unpack_kernel bookworm "$k" "$E2E_GROOT"
		return
	fi
	case $E2E_GUEST in
	bookworm)
		E2E_GKVER=$XSF_K1 E2E_GROOT=$XSF_ROOT E2E_GBUILD=$XSF_ROOT ;;
	bookworm-backports)
		E2E_GKVER=$XSF_K2 E2E_GROOT=$XSF_ROOT E2E_GBUILD=$XSF_ROOT ;;
	sid | trixie)
		# shellcheck disable=SC2086 # one argument per package
		xsf_chroot_ensure "$E2E_GUEST" $XSF_MATRIX_PKGS >&2 || return 1
		dir=$(xsf_chroot_dir "$E2E_GUEST")
		k=$(chroot "$dir" dpkg-query -W -f='${Depends}' linux-headers-amd64 |
			grep -o 'linux-headers-[0-9][^ ,]*' | head -n 1)
		k=${k#linux-headers-}
		[ -n "$k" ] || return 1
		E2E_GKVER=$k E2E_GBUILD=$dir E2E_GROOT=$E2E_CACHE/kernels/$k
		[ -f "$E2E_GROOT/.done" ] || e2e_unpack_kernel "$E2E_GUEST" "$k" "$E2E_GROOT"
		;;
	*)
		echo "e2e: unknown guest kernel '$E2E_GUEST' (bookworm, bookworm-backports, sid, trixie)" >&2
		return 1
		;;
	esac
}
if ! e2e_guest_kernel; then
	echo "e2e: cannot get the $E2E_GUEST guest kernel" >&2
	exit 1
fi
if [ ! -f "$E2E_KROOT/boot/vmlinuz-$E2E_KVER" ]; then
	echo "e2e: no kernel $E2E_KVER in $E2E_KROOT" >&2
	exit 1
fi

# e2e_pv_guest: the guest kernel can run as the rig's Xen guest (an x86
# PV guest; on Arm every guest is one of Xen's)
e2e_pv_guest() {
	local opt=CONFIG_XEN_PV
	[ "$E2E_ARCH" = arm64 ] && opt=CONFIG_XEN
	grep -q "^$opt=y" "$E2E_GROOT/boot/config-$E2E_GKVER" 2>/dev/null
}

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

# e2e_sndbe_sources DIR: the libxenbe and snd_be source tarballs in DIR
# (SNDBE_BE_TAR, SNDBE_SND_TAR) and a key naming that pair (SNDBE_KEY);
# false when either is missing
e2e_sndbe_sources() {
	SNDBE_BE_TAR=$(ls "$1"/libxenbe-*.tar.gz 2>/dev/null | head -n 1)
	SNDBE_SND_TAR=$(ls "$1"/snd_be-*.tar.gz 2>/dev/null | head -n 1)
	[ -n "$SNDBE_BE_TAR" ] && [ -n "$SNDBE_SND_TAR" ] || return 1
	# shellcheck disable=SC2034 # read by the scripts that source this file
	SNDBE_KEY=$(cat "$SNDBE_BE_TAR" "$SNDBE_SND_TAR" | sha256sum | cut -c1-16)
}

# e2e_sndbe_unpack DIR: the sources of e2e_sndbe_sources into
# DIR/libxenbe and DIR/snd_be
e2e_sndbe_unpack() {
	mkdir -p "$1/libxenbe" "$1/snd_be" &&
		tar -C "$1/libxenbe" --strip-components=1 -xzf "$SNDBE_BE_TAR" &&
		tar -C "$1/snd_be" --strip-components=1 -xzf "$SNDBE_SND_TAR"
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

# e2e_arm64_headers ROOT: the arm64 headers of the guest's kernel
# unpacked under ROOT/usr/src (downloaded once, where the matrix keeps them)
e2e_arm64_headers() {
	local d=$XSF_CACHE/apt/debs-arm64 x
	mkdir -p "$d"
	if ! ls "$d/linux-headers-${E2E_GKVER}_"*.deb >/dev/null 2>&1; then
		(cd "$d" && XSF_APT_ARCH=arm64 "$REPO_ROOT/scripts/apt-suite.sh" bookworm \
			-q download "linux-headers-$E2E_GKVER" >/dev/null 2>&1) || return 1
	fi
	x=$(mktemp -d) || return 1
	dpkg-deb -x "$(ls "$d/linux-headers-${E2E_GKVER}_"*.deb | tail -n 1)" "$x" &&
		cp -a "$x/usr/src/linux-headers-$E2E_GKVER" "$1/usr/src/"
	local rc=$?
	rm -rf "$x"
	return $rc
}

# Build this repository's module for the guest's kernel, in a throwaway
# overlay of that kernel's chroot (neither the source tree nor the chroot
# changes, so other flows may use the chroot meanwhile), and print the
# path of the .ko.
e2e_build_module() {
	local out=$E2E_CACHE/build/module-$E2E_GKVER tw R cross
	rm -rf "$out"
	mkdir -p "$out"
	tw=$(xsf_throwaway_up "$E2E_GBUILD") || die "cannot make a throwaway root of $E2E_GBUILD"
	R=$tw/root
	xsf_stage_tree "$R/tmp/xsf-e2e-module"
	log "building snd_xen_front.ko for $E2E_GKVER"
	cross=()
	if [ "$E2E_ARCH" = arm64 ]; then
		# as the matrix's bookworm-arm64 row: Debian's arm64 headers of
		# this kernel (their kbuild tools are the amd64 kernel's of the
		# same ABI, in the chroot) and gcc-aarch64-linux-gnu
		e2e_arm64_headers "$R" || {
			xsf_throwaway_down "$tw"
			die "cannot get linux-headers-$E2E_GKVER for arm64"
		}
		cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	fi
	if ! xsf_in_chroot "$R" nice make -C /tmp/xsf-e2e-module "${cross[@]}" \
		KDIR="/usr/src/linux-headers-$E2E_GKVER" >"$out/build.log" 2>&1; then
		xsf_throwaway_down "$tw"
		die "module build failed, see $out/build.log"
	fi
	cp "$R/tmp/xsf-e2e-module/snd_xen_front.ko" "$out/"
	xsf_throwaway_down "$tw"
	echo "$out/snd_xen_front.ko"
}
