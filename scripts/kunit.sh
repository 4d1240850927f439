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

# Clones of this project share the cached tree and build directory: one
# run at a time.  The tree's drivers/$name link points at whichever clone
# ran last, so make cannot trust the objects' times (a file older than an
# object from another clone would not be rebuilt): build our objects anew.
mkdir -p "$cache/kunit"
exec 9>"$cache/kunit/lock"
flock 9
tree=$("$top/scripts/kernel-source.sh")
ln -sfn "$top" "$tree/drivers/$name"
rm -rf "$build/drivers/$name"
# Kbuild creates no object directory for lib/test_fortify (a subdir with
# only "always" targets, since 6.12.11x), so its checks cannot write their
# logs into the build directory: create it.
mkdir -p "$build/lib/test_fortify"

cd "$tree"
set +e
./tools/testing/kunit/kunit.py run --build_dir="$build" \
	--kunitconfig="drivers/$name/kunit" --jobs="$(nproc)" "$@" \
	>"$cache/kunit/last.log" 2>&1
status=$?
set -e
# The suites build without a warning, like the driver.
warnings=$(grep -E "drivers/$name/.*(warning|error):" "$cache/kunit/last.log" | sort -u || true)
if [ -n "$warnings" ]; then
	echo "$warnings" | head -n 20
	echo "kunit: FAILED: compiler warnings in the driver or its suites"
	[ "$status" -ne 0 ] || status=1
fi
# The parsed results, without the build chatter.
sed -n '/^\[..:..:..\] =\{5,\}/,$p' "$cache/kunit/last.log" | sed 's/^\[..:..:..\] //'
if [ "$status" -ne 0 ]; then
	grep -E 'error|Error|ERROR' "$cache/kunit/last.log" | grep -v '^\[' | head -n 40 || true
	echo "kunit: FAILED (exit $status); full log: $cache/kunit/last.log"
fi
exit "$status"
