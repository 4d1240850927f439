#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# fuzz.sh [TARGET...]
#
# Builds the libFuzzer targets of tests/fuzz (cfg, ring, evtq: the
# driver's own src/cfg.c, src/ring.c and src/evtq.c against a userspace
# shim) with AddressSanitizer and UndefinedBehaviorSanitizer, and runs
# each for FUZZ_SECONDS (default 45) from the committed seeds.  Prints
# one line per target with the executions it made.
#
# Everything it writes is under $XSF_CACHE/fuzz (default
# /var/cache/xen-snd-front/fuzz): build/ the objects and binaries,
# corpus/TARGET/ the working corpus (the seeds plus what earlier runs
# found), artifacts/TARGET/ the inputs that crashed, logs/TARGET.log
# libFuzzer's output.  The source tree stays as it is.
#
# Installs clang, libclang-rt-14-dev (libFuzzer) and libxen-dev (Xen's
# public headers) with apt if missing (as root).  Exits non-zero if a
# target does not build or any target crashes, leaks, hangs or finds an
# invariant broken.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XSF_CACHE:-/var/cache/xen-snd-front}
seconds=${FUZZ_SECONDS:-45}
targets=${*:-cfg ring evtq}
work=$cache/fuzz
build=$work/build

case $seconds in
'' | *[!0-9]* | 0)
	echo "fuzz: FUZZ_SECONDS must be a positive number of seconds" >&2
	exit 2
	;;
esac
for t in $targets; do
	if [ ! -f "$top/tests/fuzz/fuzz_$t.c" ]; then
		echo "fuzz: no target '$t' (cfg, ring, evtq)" >&2
		exit 2
	fi
done

# Can clang build and link a sanitized libFuzzer binary here?
fuzzer_works() {
	command -v clang >/dev/null 2>&1 || return 1
	probe=$(mktemp -d)
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ return 0; }' >"$probe/probe.c"
	ok=0
	clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" \
		-o "$probe/probe" >/dev/null 2>&1 || ok=1
	rm -rf "$probe"
	return $ok
}

need=""
fuzzer_works || need="clang libclang-rt-14-dev"
[ -f /usr/include/xen/io/sndif.h ] || need="$need libxen-dev"
if [ -n "$need" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "fuzz: missing$need; run as root to install them" >&2
		exit 2
	fi
	echo "fuzz: installing $need"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # one argument per package
	if ! apt-get install -y -qq $need >/dev/null; then
		apt-get update -qq
		apt-get install -y -qq $need >/dev/null
	fi
fi

mkdir -p "$work"
# Clones of this project share the cache: one run at a time.
exec 9>"$work/lock"
flock 9

# Objects made from another clone's sources could look newer than this
# clone's: build afresh when the tree is not the one built last.
if [ "$(cat "$build/.source" 2>/dev/null || true)" != "$top" ]; then
	rm -rf "$build"
	mkdir -p "$build"
	echo "$top" >"$build/.source"
fi
binaries=""
for t in $targets; do
	binaries="$binaries $build/fuzz_$t"
done
# shellcheck disable=SC2086 # one argument per binary
if ! make -s -C "$top/tests/fuzz" BUILD="$build" -j2 $binaries \
	>"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log"
	echo "fuzz: FAILED: the targets do not build (log: $work/build.log)"
	exit 1
fi

# Stop at the first error of any kind, with a stack for UBSan's too.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for t in $targets; do
	corpus=$work/corpus/$t
	artifacts=$work/artifacts/$t
	log=$work/logs/$t.log
	mkdir -p "$corpus" "$artifacts" "$work/logs"
	cp "$top/tests/fuzz/corpus/$t/"* "$corpus/"
	# One process, one worker (libFuzzer's default without -jobs): the
	# machine's other core stays free.  A single input running for
	# more than 10 s is a hang, and counts as a crash.
	set -- -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$artifacts/"
	[ ! -f "$top/tests/fuzz/$t.dict" ] ||
		set -- "$@" -dict="$top/tests/fuzz/$t.dict"
	stamp=$work/.start-$t
	: >"$stamp"

	set +e
	(cd "$work" && "$build/fuzz_$t" "$@" "$corpus") >"$log" 2>&1
	rc=$?
	set -e

	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n \
		's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' \
		"$log" | tail -n 1)
	found=$(find "$artifacts" -type f -newer "$stamp" | sort)
	rm -f "$stamp"
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		echo "fuzz $t: ${runs:-?} execs, no crash"
		continue
	fi
	status=1
	# The report: the sanitizer's or the invariant's, with its stack.
	grep -E -A 30 '==ERROR|invariant violated|runtime error:' "$log" |
		head -n 60 || true
	echo "fuzz $t: CRASH after ${runs:-?} execs (exit $rc; log: $log)"
	for f in $found; do
		echo "fuzz $t: reproducer $f"
		echo "fuzz $t:   rerun: $build/fuzz_$t $f"
	done
done

if [ "$status" -ne 0 ]; then
	echo "fuzz: FAILED: a target crashed (artifacts in $work/artifacts)"
	exit 1
fi
echo "fuzz: no crash ($targets; $seconds s each)"
