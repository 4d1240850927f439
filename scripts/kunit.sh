#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# kunit.sh [kunit.py run arguments...]
#
# Runs the driver's KUnit suites under UML on Debian's linux-source-6.12
# (trixie).  The source package is downloaded once into
# $XSF_CACHE/src (default /var/cache/xen-snd-front); a throwaway copy of
# the tree gets this project linked in as drivers/snd_xen_front, and
# kunit.py builds and runs it.  The UML build directory is kept in the
# cache, so later runs rebuild incrementally.
#
# Exits non-zero if a test fails or anything does not build.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XSF_CACHE:-/var/cache/xen-snd-front}
src=$cache/src
tree=$cache/kunit/linux-6.12
build=$cache/kunit/build
name=snd_xen_front

need=""
for tool in flex bison bc python3 gcc make xz; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done
[ -f /usr/include/libelf.h ] || need="$need libelf-dev"
if [ -n "$need" ]; then
	echo "kunit: installing build dependencies"
	apt-get install -y -qq flex bison bc python3 gcc make xz-utils \
		libelf-dev >/dev/null
fi

mkdir -p "$src" "$cache/kunit"
deb=$(ls "$src"/linux-source-6.12_*_all.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "kunit: downloading linux-source-6.12"
	(cd "$src" && "$top/scripts/apt-suite.sh" trixie download linux-source-6.12 \
		2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	deb=$(ls "$src"/linux-source-6.12_*_all.deb | tail -n 1)
fi

stamp=$tree/.xsf-source
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(basename "$deb")" ]; then
	echo "kunit: unpacking $(basename "$deb")"
	rm -rf "$tree" "$build" "$cache/kunit/unpack"
	mkdir -p "$cache/kunit/unpack"
	dpkg -x "$deb" "$cache/kunit/unpack"
	tar -C "$cache/kunit" -xf "$cache/kunit/unpack"/usr/src/linux-source-6.12.tar.xz
	mv "$cache/kunit/linux-source-6.12" "$tree"
	rm -rf "$cache/kunit/unpack"
	echo "obj-y += $name/kunit/" >>"$tree/drivers/Makefile"
	sed -i '$i source "drivers/'"$name"'/kunit/Kconfig"' "$tree/drivers/Kconfig"
	basename "$deb" >"$stamp"
fi
ln -sfn "$top" "$tree/drivers/$name"

cd "$tree"
set +e
./tools/testing/kunit/kunit.py run --build_dir="$build" \
	--kunitconfig="drivers/$name/kunit" --jobs="$(nproc)" "$@" \
	>"$cache/kunit/last.log" 2>&1
status=$?
set -e
# The parsed results, without the build chatter.
sed -n '/^\[..:..:..\] =\{5,\}/,$p' "$cache/kunit/last.log" | sed 's/^\[..:..:..\] //'
if [ "$status" -ne 0 ]; then
	grep -E 'error|Error|ERROR' "$cache/kunit/last.log" | grep -v '^\[' | head -n 40 || true
	echo "kunit: FAILED (exit $status); full log: $cache/kunit/last.log"
fi
exit "$status"
