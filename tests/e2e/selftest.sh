#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Self-test of the rig's supervision (`make e2e-selftest`): QEMU is stopped
# (SIGSTOP) in the middle of two playing scenarios, for 30 s and for 120 s,
# as a host that stalls would stop it.
#
#   tests/e2e/selftest.sh [run.sh options...]
#
# Scenario 3 makes the guest, then scenarios 2 (playback, stopped for 30 s,
# 6 s in) and 4 (mmap playback, stopped for 120 s, 5 s in) are stopped
# while they play, then 5 and 7 run.  It passes when
#   - the 30 s stop is survived in the same boot: scenario 2 ends with a
#     verdict of its own (PASS, or a clean FAIL) and no rig failure;
#   - the 120 s stop is a rig failure (the console is silent for longer
#     than E2E_SILENT_LIMIT, 60 s), the rig is booted again and scenario
#     4 runs once more and passes;
#   - every scenario (3 before, 5 and 7 after) runs and passes;
#   - the whole run ends within its budget.
set -u

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

t0=$SECONDS
"$E2E_DIR/run.sh" --scenarios 3,2,4,5,7 --compare none \
	--stall main:2:6:30 --stall main:4:5:120 "$@" 2>&1 | tee "$out"
secs=$((SECONDS - t0))

echo
echo "=== rig self-test ==="
ok=0
bad=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		echo "PASS $what"
		ok=$((ok + 1))
	else
		echo "FAIL $what"
		bad=$((bad + 1))
	fi
}
verdict() { grep -aE "^(PASS|FAIL|SKIP) $1 " "$out" | tail -n 1; }
has_verdict() {
	local v
	v=$(verdict "$1")
	[ -n "$v" ] && ! printf '%s' "$v" | grep -q 'not reached'
}
no_rig_failure_in() { ! grep -aq "RIG FAILURE in boot [0-9]* during $1:" "$out"; }
rig_failure_in() { grep -aq "RIG FAILURE in boot [0-9]* during $1:" "$out"; }
passed() { verdict "$1" | grep -q '^PASS'; }
stopped_twice() { [ "$(grep -ac 'self-test: QEMU stopped' "$out")" = 2 ]; }
within_budget() { grep -aqE '^times: .*total run [0-9]+ s of [0-9]+ s' "$out" && ! grep -aq '^rig: ' "$out"; }

check "30 s stop: scenario 2 ends in the same boot with a verdict of its own" \
	eval 'has_verdict 2 && no_rig_failure_in main:2'
check "120 s stop: a rig failure in scenario 4, the rig booted again" \
	rig_failure_in main:4
check "120 s stop: scenario 4 passes when run again" passed 4
check "scenario 3 before the stops passes" passed 3
check "scenario 5 after the stops runs and passes" passed 5
check "scenario 7 after the stops runs and passes" passed 7
check "the self-test stopped QEMU twice" stopped_twice
check "the run ends within its budget" within_budget
echo "scenario 2: $(verdict 2)"
echo "rig self-test: $ok passed, $bad failed, in $secs s"
[ "$bad" -eq 0 ]
