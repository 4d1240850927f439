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
# e2e-kernels (the short set on the newest guest kernel).  After them,
# host-unchanged compares what scripts/host-state.sh prints before and
# after: kernels, this project's package and DKMS state, apt sources and
# mounts must be as they were (apt build dependencies and the cache may
# differ).
#
# While KUnit compiles (CPU) the chroots and the e2e images are prepared
# in the background (mostly network and disk); a stage that needs one of
# them waits for it (flock on the chroot, see scripts/lib-chroot.sh).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
all="kunit kunit-sanitize fuzz build checkpatch packages matrix e2e e2e-kernels"
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
cleanup() {
	[ -z "$prep_pid" ] || kill -- -"$prep_pid" 2>/dev/null
	rm -f "$state_before" "$state_after"
}
trap cleanup EXIT
scripts/host-state.sh | sort >"$state_before"

echo "=== setup: apt packages ==="
apt-get update -qq
# Build dependencies only: no kernel, headers or dkms on the host.
apt-get install -y -qq --no-install-recommends \
	build-essential flex bison bc libelf-dev libssl-dev python3 xz-utils \
	sparse kmod git ca-certificates debootstrap cpio qemu-system-x86 \
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

summary=""
passed=0
failed=0
for stage in $stages; do
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
	*) echo "check: unknown stage $stage" >&2; exit 2 ;;
	esac
	echo
	echo "=== stage $stage: $cmd ==="
	t0=$(date +%s)
	if $cmd; then
		result=PASS
		passed=$((passed + 1))
	else
		result=FAIL
		failed=$((failed + 1))
	fi
	secs=$(( $(date +%s) - t0 ))
	echo "=== stage $stage: $result in ${secs}s ==="
	summary="$summary$(printf '%-4s %-14s %5ss' "$result" "$stage" "$secs")
"
done

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
summary="$summary$(printf '%-4s %-14s %5ss' "$result" host-unchanged "$(( $(date +%s) - t0 ))")
"

echo
echo "=== summary ($(( $(date +%s) - start_all ))s in all) ==="
printf '%s' "$summary"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
