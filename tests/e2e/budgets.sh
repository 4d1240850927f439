# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash disable=SC2034 # sourced by run.sh and dom0/scenarios.sh
#
# The end-to-end scenarios: names, sets and time budgets.
#
# A scenario that is still running when its budget (seconds, guest set-up
# included) is used up fails as "out of time" and the run goes on with the
# next one.  Each budget is at least one and a half times the slowest run
# measured on a cold 2-core machine under TCG (tests/e2e/README.md).  The
# fault scenarios' (22-29) are about twice their slowest run on a busy
# 2-core machine, the guest's creation included (the first scenario of the
# fault phase creates the guest with the fault card: about 20 s).

E2E_NAMES=([1]=card-and-devices [2]=playback-bit-exact [3]=capture-bit-exact
	[4]=mmap-playback [5]=pause-resume [6]=mixer-volume-mute [7]=loopback
	[8]=backend-killed-and-restarted [9]=vsnd-detach-attach
	[10]=module-reload-20x [11]=in-tree-comparison
	[12]=sndbe-playback-defaults [13]=sndbe-playback-sizes [14]=sndbe-mmap
	[15]=sndbe-capture [16]=sndbe-pause-resume [17]=sndbe-backend-restart
	[18]=save-restore-idle [19]=save-restore-playing [20]=checkpoint-playing
	[21]=domain-paused-playing
	[22]=fault-no-answer [23]=fault-error-status [24]=fault-garbage-positions
	[25]=fault-reset-event-ids [26]=fault-exit-mid-stream
	[27]=fault-state-flapping [28]=fault-event-flood [29]=fault-keep-mapped)

E2E_BUDGET=([1]=180 [2]=150 [3]=90 [4]=120 [5]=90 [6]=90 [7]=120
	[8]=150 [9]=240 [10]=480
	[12]=120 [13]=150 [14]=120 [15]=150 [16]=120 [17]=180
	[18]=150 [19]=180 [20]=150 [21]=120
	[22]=180 [23]=150 [24]=90 [25]=120 [26]=110 [27]=100 [28]=90 [29]=110)

# Scenarios that need xen-troops' snd_be (skipped when its sources are absent).
E2E_SNDBE="12 13 14 15 16 17"
# Fault scenarios: a guest with a second card, whose test backend each
# scenario restarts with faults (dom0/scenarios.sh).
E2E_FAULTS="22 23 24 25 26 27 28 29"

# What each run mode runs: make e2e (all), make check (check).
E2E_OURS_ALL="1 2 3 4 5 6 7 8 9 10 18 19 20 21 22 23 24 25 26 27 28 29 12 13 14 15 16 17"
E2E_COMPARE_ALL="1 2 3 4 5 6 7 8 9 10 18 19 20 21 12 13 14 15 16 17"
E2E_OURS_CHECK="1 2 3 4 5 6 7 8 9 10 18 19 20 21 22 23 24 25 26 27 28 29 12 13 14 15 16 17"
E2E_COMPARE_CHECK="2 12"
# Guest kernels other than dom0's (kernels.sh): card, playback and capture
# bit-exact, mmap, pause, mixer, loopback, backend restart, save/restore.
E2E_KERNELS_SET="1 2 3 4 5 6 7 8 18 19"

# Boot of Xen and dom0, guest creation before the first scenario, the
# benchmark, and collecting the results: outside the scenario budgets.
E2E_OVERHEAD=420

# e2e_budget_of LIST: the sum of the budgets of LIST.
e2e_budget_of() {
	local n sum=0
	for n in $1; do
		sum=$((sum + ${E2E_BUDGET[$n]:-120}))
	done
	echo "$sum"
}
