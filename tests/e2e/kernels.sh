#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The end-to-end rig with each guest kernel in turn (`make e2e-kernels`).
#
#   tests/e2e/kernels.sh [--check] [--kernels bookworm,bookworm-backports,sid]
#
# Dom0 stays on bookworm's 6.1; the guest boots bookworm's 6.1 (every
# scenario), bookworm-backports' 6.12 and sid's current kernel (the set
# E2E_KERNELS_SET of budgets.sh).  Each guest gets the module built with
# that kernel's own headers and compiler, in its chroot.  --check (what
# `make check` runs) is that set on the newest kernel only; 6.1 is
# already covered by the e2e stage.  The in-tree comparison is not run
# here.  Prints one table, a row per scenario and a column per kernel;
# exit status 0 if every kernel passed every scenario it ran.  A kernel
# that cannot run as a Xen PV guest is reported as such.
set -u

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=budgets.sh
. "$E2E_DIR/budgets.sh"

KERNELS="bookworm bookworm-backports sid"
CHECK=0
while [ $# -gt 0 ]; do
	case $1 in
	--check) CHECK=1; KERNELS="sid"; shift ;;
	--kernels) KERNELS=$(echo "$2" | tr ',' ' '); shift 2 ;;
	-h | --help) sed -n '3,17p' "$0"; exit 0 ;;
	*) echo "kernels.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
ran=""
for k in $KERNELS; do
	if [ "$k" = bookworm ] && [ "$CHECK" = 0 ]; then
		set=$E2E_OURS_ALL
	else
		set=$E2E_KERNELS_SET
	fi
	echo "=== guest kernel $k: scenarios $set ==="
	t0=$SECONDS
	"$E2E_DIR/run.sh" --guest-kernel "$k" --scenarios "$(echo "$set" | tr ' ' ',')" \
		--compare none 2>&1 | tee "$out/$k.log"
	status=${PIPESTATUS[0]}
	[ "$status" -eq 0 ] || rc=1
	kver=$(sed -n 's/^=== results (.*guest kernel \(.*\)) ===$/\1/p' "$out/$k.log" | tail -n 1)
	echo "${kver:-$k (no results)}" >"$out/$k.kver"
	echo "=== guest kernel $k: exit $status in $((SECONDS - t0)) s ==="
	ran="$ran $k"
done

# the table: scenario | one column per kernel (PASS, FAIL, SKIP or -)
echo
echo "=== guest kernels ==="
header="| scenario |"
rule="|---|"
for k in $ran; do
	header="$header $(cat "$out/$k.kver") |"
	rule="$rule---|"
done
echo "$header"
echo "$rule"
for n in $E2E_OURS_ALL; do
	row="| $n ${E2E_NAMES[$n]} |"
	any=0
	for k in $ran; do
		v=$(grep -aE "^(PASS|FAIL|SKIP) $n " "$out/$k.log" | tail -n 1 | cut -d' ' -f1)
		[ -n "$v" ] && any=1
		row="$row ${v:--} |"
	done
	[ "$any" = 1 ] && echo "$row"
done
for k in $ran; do
	if grep -q 'is not a Xen PV guest' "$out/$k.log"; then
		echo "note: $(cat "$out/$k.kver") is not a Xen PV guest kernel; its scenarios were not run"
	fi
done
exit $rc
