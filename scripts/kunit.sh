#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# kunit.sh [--sanitize] [kunit.py run arguments...]
#
# Runs the driver's KUnit suites under UML on Debian's linux-source-6.12
# (trixie).  The source package is downloaded once into
# $XSF_CACHE/src (default /var/cache/xen-snd-front); a throwaway copy of
# the tree gets this project linked in as drivers/snd_xen_front, and
# kunit.py builds and runs it.  The UML build directory is kept in the
# cache, so later runs rebuild incrementally.
#
# --sanitize runs every suite again in an x86-64 kernel under QEMU with
# KASAN (outline), UBSAN, KFENCE (sampling every millisecond), lockdep
# (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS and DEBUG_LIST, in
# its own build directory; any report those print fails the run, even
# when every test passed.
#
# Exits non-zero if a test fails or anything does not build.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XSF_CACHE:-/var/cache/xen-snd-front}
build=$cache/kunit/build
log=$cache/kunit/last.log
name=snd_xen_front
sanitize=
# Only what the suites need is built: these subsystems are on by default
# in a kernel configured from the .kunitconfig alone, and none of the
# suites uses them (CONFIG_EXPERT makes them optional).  Measured on 2
# cores: the UML kernel builds in 201 s instead of 253, the sanitizer
# kernel (with outline KASAN, below) in 336 s instead of 481.
lean="CONFIG_EXPERT=y CONFIG_BLOCK=n CONFIG_IO_URING=n CONFIG_AIO=n
	CONFIG_INPUT=n CONFIG_SERIO=n CONFIG_USB_SUPPORT=n CONFIG_NAMESPACES=n
	CONFIG_COREDUMP=n CONFIG_HW_RANDOM=n CONFIG_HWMON=n CONFIG_SECCOMP=n
	CONFIG_VHOST_MENU=n CONFIG_MISC_FILESYSTEMS=n"
# UML's own, and (x86-64, for the sanitizers) a PC's firmware and
# devices, tracing and the CPU vulnerability mitigations
lean_uml="CONFIG_HID_SUPPORT=n CONFIG_SWAP=n"
lean_x86="CONFIG_ACPI=n CONFIG_VT=n CONFIG_THERMAL=n CONFIG_POWER_SUPPLY=n
	CONFIG_CPU_IDLE=n CONFIG_X86_MCE=n CONFIG_FTRACE=n CONFIG_CPU_MITIGATIONS=n
	CONFIG_RANDOMIZE_BASE=n CONFIG_X86_PLATFORM_DEVICES=n
	CONFIG_SURFACE_PLATFORMS=n CONFIG_IOMMU_SUPPORT=n CONFIG_VIRTUALIZATION=n
	CONFIG_MTRR=n"
if [ "${1:-}" = --sanitize ]; then
	shift
	sanitize=1
	build=$cache/kunit/build-sanitize
	log=$cache/kunit/sanitize.log
	lean="$lean $lean_x86"
	# KASAN's checks as calls (outline), not inlined at every access:
	# a smaller kernel, for a test run of 38 s instead of 19.
	set -- --arch=x86_64 --timeout=900 \
		--kconfig_add CONFIG_DEBUG_KERNEL=y \
		--kconfig_add CONFIG_KASAN=y \
		--kconfig_add CONFIG_KASAN_GENERIC=y \
		--kconfig_add CONFIG_KASAN_OUTLINE=y \
		--kconfig_add CONFIG_UBSAN=y \
		--kconfig_add CONFIG_UBSAN_BOUNDS=y \
		--kconfig_add CONFIG_UBSAN_SHIFT=y \
		--kconfig_add CONFIG_KFENCE=y \
		--kconfig_add CONFIG_KFENCE_SAMPLE_INTERVAL=1 \
		--kconfig_add CONFIG_PROVE_LOCKING=y \
		--kconfig_add CONFIG_DEBUG_ATOMIC_SLEEP=y \
		--kconfig_add CONFIG_DEBUG_OBJECTS=y \
		--kconfig_add CONFIG_DEBUG_OBJECTS_FREE=y \
		--kconfig_add CONFIG_DEBUG_OBJECTS_TIMERS=y \
		--kconfig_add CONFIG_DEBUG_OBJECTS_WORK=y \
		--kconfig_add CONFIG_DEBUG_OBJECTS_ENABLE_DEFAULT=1 \
		--kconfig_add CONFIG_DEBUG_LIST=y \
		"$@"
else
	lean="$lean $lean_uml"
fi
for option in $lean; do
	set -- "$@" --kconfig_add "$option"
done

need=""
for tool in flex bison bc python3 gcc make xz; do
	command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done
[ -f /usr/include/libelf.h ] || need="$need libelf-dev"
if [ -n "$sanitize" ]; then
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		need="$need qemu-system-x86"
	[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
fi
if [ -n "$need" ]; then
	echo "kunit: installing build dependencies"
	apt-get install -y -qq --no-install-recommends flex bison bc python3 \
		gcc make xz-utils libelf-dev \
		${sanitize:+qemu-system-x86 libssl-dev} >/dev/null
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
	>"$log" 2>&1
status=$?
set -e
# The suites build without a warning, like the driver.
warnings=$(grep -E "drivers/$name/.*(warning|error):" "$log" | sort -u || true)
if [ -n "$warnings" ]; then
	echo "$warnings" | head -n 20
	echo "kunit: FAILED: compiler warnings in the driver or its suites"
	[ "$status" -ne 0 ] || status=1
fi
# The parsed results, without the build chatter.
sed -n '/^\[..:..:..\] =\{5,\}/,$p' "$log" | sed 's/^\[..:..:..\] //'
if [ -n "$sanitize" ]; then
	# What the sanitizers and debug checks print when they find something.
	reports=$(grep -E 'BUG: KASAN|BUG: KFENCE|UBSAN:|WARNING: possible|possible circular locking|inconsistent lock state|BUG: sleeping function|BUG: scheduling while atomic|ODEBUG:|list_(add|del) corruption|WARNING: CPU:|BUG: unable to handle|general protection fault|Kernel panic' \
		"$build/test.log" 2>/dev/null | sort | uniq -c || true)
	if [ -n "$reports" ]; then
		echo "$reports" | head -n 20
		echo "kunit: FAILED: sanitizer or debug reports, see $build/test.log"
		[ "$status" -ne 0 ] || status=1
	else
		echo "kunit: no sanitizer or debug report (KASAN, UBSAN, KFENCE, lockdep, atomic sleep, debug objects, list debugging)"
	fi
fi
if [ "$status" -ne 0 ]; then
	grep -E 'error|Error|ERROR' "$log" | grep -v '^\[' | head -n 40 || true
	echo "kunit: FAILED (exit $status); full log: $log"
fi
exit "$status"
