#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# cross-arm64.sh OUT [THIRD_PARTY_DIR]: build the arm64 rig's programs
# into OUT: the test backend and the slice tool for dom0, the player, the
# wake-up checker and the benchmark's wake-up floor for the guest; with
# THIRD_PARTY_DIR also xen-troops' libxenbe and snd_be (into OUT/sndbe,
# once per tarball pair; build log: OUT/sndbe.log).
#
# They are built with gcc-aarch64-linux-gnu in a throwaway overlay of the
# bookworm chroot, against the arm64 root filesystem of the rig's images
# (build-images.sh, with the -dev packages they need) as the sysroot.
# Nothing is installed on the host.  Exit status 3: only snd_be failed.
set -euo pipefail
export E2E_ARCH=arm64
. "$(dirname "$0")/lib.sh"

out=$1
tp=${2:-}
sysroot=$E2E_CACHE/rootfs
[ -f "$sysroot/.done" ] || die "no arm64 root filesystem: run build-images.sh first"
mkdir -p "$out"

tw=$(xsf_throwaway_up "$XSF_ROOT") || die "cannot make a throwaway root of $XSF_ROOT"
R=$tw/root
cleanup() {
	mountpoint -q "$R/sysroot" && umount "$R/sysroot"
	xsf_throwaway_down "$tw"
}
trap cleanup EXIT
mkdir -p "$R/sysroot" "$R/src/backend" "$R/src/guest" "$R/out"
mount --bind "$sysroot" "$R/sysroot"
mount -o remount,bind,ro "$R/sysroot"
cp "$E2E_DIR"/backend/Makefile "$E2E_DIR"/backend/*.c "$R/src/backend/"
cp "$E2E_DIR"/guest/*.c "$R/src/guest/"

CC="aarch64-linux-gnu-gcc --sysroot=/sysroot"
log "building the rig's programs for arm64"
build_ours() {
	local tool
	xsf_in_chroot "$R" make -s -C /src/backend CC="$CC" OUT=/out \
		/out/xsf-test-backend /out/xsf-slice || return 1
	for tool in xsf-pcm-play xsf-pcm-poll xsf-wake; do
		# shellcheck disable=SC2086 # the compiler and its sysroot option
		xsf_in_chroot "$R" $CC -O2 -Wall -o "/out/$tool" "/src/guest/$tool.c" -lasound ||
			return 1
	done
}
build_ours >"$out/build.log" 2>&1 || die "arm64 build failed, see $out/build.log"
cp "$R"/out/* "$out/"

[ -n "$tp" ] || exit 0
if ! e2e_sndbe_sources "$tp"; then
	log "no libxenbe-*.tar.gz and snd_be-*.tar.gz in $tp"
	exit 3
fi
if [ "$(cat "$out/sndbe/.key" 2>/dev/null)" = "$SNDBE_KEY" ] &&
	[ -x "$out/sndbe/snd_be" ] && [ -f "$out/sndbe/libxenbe.so" ]; then
	exit 0
fi
log "building libxenbe and snd_be for arm64 from $tp"
rm -rf "$out/sndbe"
mkdir -p "$out/sndbe"
e2e_sndbe_unpack "$R/src" || die "cannot unpack the sources from $tp"
# CMake's cross-compiling settings: the compilers, the sysroot, and
# libraries and headers found only there (programs on the build host)
cmake_cross=(-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
	-DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++
	-DCMAKE_SYSROOT=/sysroot -DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER
	-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY
	-DCMAKE_BUILD_TYPE=Debug)
# pkg-config answers for the sysroot (snd_be finds ALSA with it)
pkgconf=(env PKG_CONFIG_SYSROOT_DIR=/sysroot
	PKG_CONFIG_LIBDIR=/sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:/sysroot/usr/share/pkgconfig)
if ! {
	xsf_in_chroot "$R" cmake -S /src/libxenbe -B /build/libxenbe "${cmake_cross[@]}" \
		-DWITH_TEST=OFF -DWITH_DOC=OFF &&
		xsf_in_chroot "$R" make -C /build/libxenbe -j"$(nproc)" &&
		xsf_in_chroot "$R" "${pkgconf[@]}" cmake -S /src/snd_be -B /build/snd_be "${cmake_cross[@]}" \
			-DWITH_PULSE=OFF -DWITH_ALSA=ON -DXENBE_INCLUDE_PATH=/src/libxenbe/include \
			-DXENBE_LIB_PATH=/build/libxenbe/src &&
		xsf_in_chroot "$R" make -C /build/snd_be -j"$(nproc)"
} >"$out/sndbe.log" 2>&1; then
	log "snd_be did not build for arm64, see $out/sndbe.log"
	exit 3
fi
cp "$R/build/snd_be/src/snd_be" "$R/build/libxenbe/src/libxenbe.so" "$out/sndbe/"
echo "$SNDBE_KEY" >"$out/sndbe/.key"
