#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# check.sh [STAGE...]
#
# The project's whole test run (`make check`): installs what it needs with
# apt on a Debian 12 machine (as root), then runs each stage, printing
# its output and time, and ends with one summary line per stage and a
# total.  Downloads, chroots and builds are cached under $XSF_CACHE
# (default /var/cache/xen-snd-front), outside the source tree.
#
# Stages: kunit kunit-sanitize fuzz build checkpatch packages matrix e2e
# e2e-kernels (the short set on the newest guest kernel) bench-smoke (one
# short row of `make bench` per driver and backend: the table is made and
# well formed) e2e-arm64 (the short set on Xen for Arm).  After them,
# host-unchanged compares what scripts/host-state.sh prints before and
# after: kernels, this project's package and DKMS state, apt sources and
# mounts must be as they were (apt build dependencies and the cache may
# differ).
#
# While KUnit compiles (CPU) the chroots and the e2e images are prepared
# in the background (mostly network and disk); a stage that needs one of
# them waits for it (flock on the chroot, see scripts/lib-chroot.sh).
# The e2e stages run in a second lane, beside the others (below).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
all="kunit kunit-sanitize fuzz build checkpatch packages matrix e2e e2e-kernels bench-smoke e2e-arm64"
stages=${*:-$all}
cache=${XSF_CACHE:-/var/cache/xen-snd-front}
export XSF_CACHE=$cache

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "check: run as root (it installs packages with apt)" >&2
	exit 2
fi

start_all=$(date +%s)
mkdir -p "$cache"
state_before=$(mktemp)
state_after=$(mktemp)
prep_pid=
e2e_pid=
results=
e2e_results=
cleanup() {
	[ -z "$prep_pid" ] || kill -- -"$prep_pid" 2>/dev/null
	[ -z "$e2e_pid" ] || kill -- -"$e2e_pid" 2>/dev/null
	rm -f "$state_before" "$state_after" "$results" "$e2e_results"
}
trap cleanup EXIT
scripts/host-state.sh | sort >"$state_before"

echo "=== setup: apt packages ==="
apt-get update -qq
# Build dependencies only: no kernel, headers or dkms on the host.  All
# of every stage's, here: the stages run in two lanes, and two apt-get
# runs at once would fight over dpkg's lock.
apt-get install -y -qq --no-install-recommends \
	build-essential flex bison bc libelf-dev libssl-dev python3 xz-utils \
	sparse kmod git ca-certificates debootstrap cpio qemu-system-x86 \
	clang libclang-rt-14-dev libxen-dev libasound2-dev cmake g++ \
	dpkg-dev debhelper dh-dkms lintian rpm rpmlint \
	>/dev/null
echo "setup: $(( $(date +%s) - start_all ))s"

case " $stages " in
*" kunit "*)
	case " $stages " in *" build "* | *" packages "* | *" matrix "* | *" e2e"*)
		# shellcheck disable=SC2086 # one argument per stage
		setsid scripts/prepare.sh $stages >"$cache/prepare.log" 2>&1 &
		prep_pid=$!
		echo "setup: preparing chroots and images in the background (log: $cache/prepare.log)"
		;;
	esac
	;;
esac

# run_stage STAGE RESULTS NICENESS: run one stage at that niceness, print
# its output and time, and append its summary line to the file RESULTS
run_stage() {
	local stage=$1 out=$2 niceness=$3 cmd t0 secs result
	case $stage in
	kunit) cmd="scripts/kunit.sh" ;;
	kunit-sanitize) cmd="scripts/kunit.sh --sanitize" ;;
	fuzz) cmd="scripts/fuzz.sh" ;;
	build) cmd="scripts/build-warnings.sh" ;;
	checkpatch) cmd="scripts/checkpatch.sh" ;;
	packages) cmd="scripts/packages.sh" ;;
	matrix) cmd="scripts/matrix.sh" ;;
	e2e) cmd="tests/e2e/run.sh --check" ;;
	e2e-kernels) cmd="tests/e2e/kernels.sh --check" ;;
	bench-smoke) cmd="tests/e2e/run.sh --bench smoke" ;;
	e2e-arm64) cmd="tests/e2e/run.sh --arch arm64 --check" ;;
	esac
	echo
	echo "=== stage $stage: $cmd ==="
	t0=$(date +%s)
	# shellcheck disable=SC2086 # the command and its arguments
	if nice -n "$niceness" $cmd; then result=PASS; else result=FAIL; fi
	secs=$(( $(date +%s) - t0 ))
	echo "=== stage $stage: $result in ${secs}s ==="
	printf '%-4s %-14s %5ss\n' "$result" "$stage" "$secs" >>"$out"
}

for stage in $stages; do
	case $stage in
	kunit | kunit-sanitize | fuzz | build | checkpatch | packages | matrix | e2e | e2e-kernels | \
		bench-smoke | e2e-arm64) ;;
	*) echo "check: unknown stage $stage" >&2; exit 2 ;;
	esac
done

# Two lanes.  The end-to-end rig runs the emulated machine in one thread
# (tests/e2e/README.md, "Clocks"), on its own virtual clock: it keeps one
# core busy, and load on the other cannot change what it sees, only how
# long it takes.  So its stages run in the background, from the start,
# while the other stages share the other core at a lower priority; the
# background lane's output is printed when it has finished.  The arm64
# rig is the exception: it runs on the host's clock, a thread per virtual
# CPU, and a busy host would be a slow machine to it; it runs last, when
# both lanes have finished.
# XSF_CHECK_LANES=1 runs every stage in the foreground, one after the other.
main_stages="" e2e_stages="" last_stages=""
for stage in $stages; do
	case $stage in
	e2e | e2e-kernels | bench-smoke) e2e_stages="$e2e_stages $stage" ;;
	e2e-arm64) last_stages="$last_stages $stage" ;;
	*) main_stages="$main_stages $stage" ;;
	esac
done
results=$(mktemp)
e2e_results=$(mktemp)
e2e_log=$cache/check-e2e.log
e2e_pid=
if [ "${XSF_CHECK_LANES:-2}" = 1 ] || [ -z "$main_stages" ] || [ -z "$e2e_stages" ]; then
	main_stages=$stages
	e2e_stages=""
	last_stages=""
else
	echo "setup: stages$e2e_stages run in the background (log: $e2e_log)"
	# in a process group of its own, which cleanup() can end whole
	set -m
	(
		for stage in $e2e_stages; do
			run_stage "$stage" "$e2e_results" 0
		done
	) >"$e2e_log" 2>&1 </dev/null &
	e2e_pid=$!
	set +m
fi
niceness=0
[ -n "$e2e_pid" ] && niceness=10
for stage in $main_stages; do
	run_stage "$stage" "$results" "$niceness"
done
if [ -n "$e2e_pid" ]; then
	echo
	echo "=== background lane:$e2e_stages (waiting for it) ==="
	wait "$e2e_pid"
	e2e_pid=
	cat "$e2e_log"
	cat "$e2e_results" >>"$results"
fi
for stage in $last_stages; do
	run_stage "$stage" "$results" 0
done
passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
summary=$(cat "$results")
if [ -n "$prep_pid" ]; then
	if wait "$prep_pid"; then
		echo "setup: background preparation finished without error"
	else
		echo "setup: background preparation failed (the stages retried by themselves):"
		tail -n 10 "$cache/prepare.log" | sed 's/^/  /'
	fi
	prep_pid=
fi

echo
echo "=== host-unchanged ==="
t0=$(date +%s)
scripts/host-state.sh | sort >"$state_after"
if diff -u "$state_before" "$state_after" | sed -n '/^[-+][^-+]/p' >"$state_after.diff" &&
	[ ! -s "$state_after.diff" ]; then
	echo "PASS host-unchanged: no kernel, package of ours, DKMS module, apt source or mount added or removed"
	result=PASS
	passed=$((passed + 1))
else
	echo "FAIL host-unchanged: the host differs after make check:"
	sed 's/^/  /' "$state_after.diff"
	result=FAIL
	failed=$((failed + 1))
fi
rm -f "$state_after.diff"
summary="$summary
$(printf '%-4s %-14s %5ss' "$result" host-unchanged "$(( $(date +%s) - t0 ))")
"

echo
echo "=== summary ($(( $(date +%s) - start_all ))s in all) ==="
printf '%s' "$summary"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
