#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# kernel-source.sh
#
# Make sure Debian's linux-source-6.12 (trixie) is unpacked in the cache
# and print the tree's path.  The tree is used by the KUnit run (with this
# project linked in as drivers/snd_xen_front) and for checkpatch.pl.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XSF_CACHE:-/var/cache/xen-snd-front}
src=$cache/src
tree=$cache/kunit/linux-6.12
name=snd_xen_front

mkdir -p "$src" "$cache/kunit"
deb=$(ls "$src"/linux-source-6.12_*_all.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "kernel-source: downloading linux-source-6.12" >&2
	(cd "$src" && "$top/scripts/apt-suite.sh" trixie download linux-source-6.12 \
		2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
	deb=$(ls "$src"/linux-source-6.12_*_all.deb | tail -n 1)
fi

stamp=$tree/.xsf-source
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(basename "$deb")" ]; then
	echo "kernel-source: unpacking $(basename "$deb")" >&2
	rm -rf "$tree" "$cache/kunit/build" "$cache/kunit/unpack"
	mkdir -p "$cache/kunit/unpack"
	dpkg -x "$deb" "$cache/kunit/unpack"
	tar -C "$cache/kunit" -xf "$cache/kunit/unpack"/usr/src/linux-source-6.12.tar.xz
	mv "$cache/kunit/linux-source-6.12" "$tree"
	rm -rf "$cache/kunit/unpack"
	echo "obj-y += $name/kunit/" >>"$tree/drivers/Makefile"
	sed -i '$i source "drivers/'"$name"'/kunit/Kconfig"' "$tree/drivers/Kconfig"
	basename "$deb" >"$stamp"
fi
echo "$tree"
