#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# build-sndbe.sh THIRD_PARTY_DIR: build xen-troops' libxenbe and snd_be
# (ALSA only, Debug so that they log every request) from the source
# tarballs in THIRD_PARTY_DIR into $XSF_CACHE/e2e/sndbe, once per tarball
# pair, and print the directory that holds snd_be and libxenbe.so for the
# dom0 image.  Their code is public and built at test time only; nothing
# of it is part of this repository.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

tp=$1
e2e_sndbe_sources "$tp" || die "no libxenbe-*.tar.gz and snd_be-*.tar.gz in $tp"

dir=$E2E_CACHE/sndbe
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
out=$dir/$SNDBE_KEY
if [ -x "$out/bin/snd_be" ] && [ -f "$out/bin/libxenbe.so" ]; then
	echo "$out/bin"
	exit 0
fi
log "building libxenbe and snd_be from $tp"
rm -rf "$out"
mkdir -p "$out/bin"
e2e_sndbe_unpack "$out/src" || die "cannot unpack the sources from $tp"
{
	cmake -S "$out/src/libxenbe" -B "$out/build/libxenbe" -DWITH_TEST=OFF -DWITH_DOC=OFF \
		-DCMAKE_BUILD_TYPE=Debug &&
		make -C "$out/build/libxenbe" -j"$(nproc)" &&
		cmake -S "$out/src/snd_be" -B "$out/build/snd_be" -DWITH_PULSE=OFF -DWITH_ALSA=ON \
			-DCMAKE_BUILD_TYPE=Debug -DXENBE_INCLUDE_PATH="$out/src/libxenbe/include" \
			-DXENBE_LIB_PATH="$out/build/libxenbe/src" &&
		make -C "$out/build/snd_be" -j"$(nproc)"
} >"$dir/build.log" 2>&1 || die "build failed, see $dir/build.log"
cp "$out/build/snd_be/src/snd_be" "$out/build/libxenbe/src/libxenbe.so" "$out/bin/"
echo "$out/bin"
