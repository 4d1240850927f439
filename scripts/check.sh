#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# check.sh [STAGE...]
#
# The project's whole test run (`make check`): installs what it needs with
# apt on a Debian 12 machine (as root), then runs each stage, printing
# its output and time, and ends with one summary line per stage and a
# total.  Downloads and builds are cached under $XSF_CACHE (default
# /var/cache/xen-snd-front), outside the source tree.
#
# Stages: kunit build checkpatch packages matrix e2e
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
all="kunit build checkpatch packages matrix e2e"
stages=${*:-$all}

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "check: run as root (it installs packages with apt)" >&2
	exit 2
fi

start_all=$(date +%s)
echo "=== setup: apt packages ==="
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential flex bison bc libelf-dev libssl-dev python3 xz-utils \
	sparse dkms kmod git ca-certificates linux-headers-amd64 >/dev/null
echo "setup: $(( $(date +%s) - start_all ))s"

summary=""
passed=0
failed=0
for stage in $stages; do
	case $stage in
	kunit) cmd="scripts/kunit.sh" ;;
	build) cmd="scripts/build-warnings.sh" ;;
	checkpatch) cmd="scripts/checkpatch.sh" ;;
	packages) cmd="scripts/packages.sh" ;;
	matrix) cmd="scripts/matrix.sh" ;;
	e2e) cmd="tests/e2e/run.sh" ;;
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
	summary="$summary$(printf '%-4s %-10s %5ss' "$result" "$stage" "$secs")
"
done

echo
echo "=== summary ($(( $(date +%s) - start_all ))s in all) ==="
printf '%s' "$summary"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
