# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash disable=SC2034 # sourced by run.sh and dom0/scenarios.sh
#
# The end-to-end scenarios: names, sets and time budgets.
#
# Budgets are seconds of the host's clock, guest set-up included: the
# host (run.sh) keeps them, and a scenario that outlives its budget fails
# as "out of time" while the run goes on with the next one (dom0 keeps the
# same budget by its own clock, and ends the scenario itself when that
# comes first).  Each budget is about two and a half times the run
# measured on a 2-core machine while the other stages of `make check`
# loaded its second core (tests/e2e/README.md, "Time"), and at least 45 s.
# The fault scenarios' include restarting the faulty backend for each case;
# 22 waits out nine unanswered requests (3 s each).

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
	[27]=fault-state-flapping [28]=fault-event-flood [29]=fault-keep-mapped
	[30]=pipewire-playback [31]=pipewire-quantum-256
	[32]=pipewire-capture [33]=pulseaudio-playback-second-client
	[34]=pulseaudio-capture [35]=sndbe-pipewire-playback
	[36]=sndbe-pipewire-quantum-256 [37]=sndbe-pipewire-capture
	[38]=sndbe-pulseaudio-playback-second-client [39]=sndbe-pulseaudio-capture
	[40]=sndbe-small-periods [41]=small-periods [42]=poll-wakeups
	[43]=tracepoints [44]=pipewire-quantum-256-second-client
	[45]=sndbe-pipewire-quantum-256-second-client
	[46]=pipewire-second-client [47]=sndbe-pipewire-second-client)

E2E_BUDGET=([1]=100 [2]=60 [3]=45 [4]=45 [5]=45 [6]=45 [7]=45
	[8]=60 [9]=60 [10]=75
	[12]=90 [13]=75 [14]=45 [15]=60 [16]=45 [17]=90
	[18]=60 [19]=75 [20]=45 [21]=60
	[22]=200 [23]=150 [24]=75 [25]=75 [26]=80 [27]=75 [28]=75 [29]=100
	[30]=160 [31]=140 [32]=75 [33]=100 [34]=80
	[35]=120 [36]=90 [37]=60 [38]=105 [39]=80
	[40]=90 [41]=90 [42]=60 [43]=45 [44]=140 [45]=90 [46]=130 [47]=120)

# Scenarios that need xen-troops' snd_be (skipped when its sources are absent).
E2E_SNDBE="12 13 14 15 16 17 35 36 37 38 39 40 45 47"
# Fault scenarios: a guest with a second card, whose test backend each
# scenario restarts with faults (dom0/scenarios.sh).
E2E_FAULTS="22 23 24 25 26 27 28 29"
# Sound server scenarios: a guest whose initramfs has PipeWire, WirePlumber
# and PulseAudio (build-images.sh: guest-servers.cpio.gz).  The first of
# a phase pays for the guest's boot (about 25 s).
E2E_SERVERS="30 31 32 33 34 35 36 37 38 39 44 45 46 47"

# What each run mode runs: make e2e (all), make check (check).
E2E_OURS_ALL="1 2 3 4 5 6 7 8 9 10 41 42 43 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 44 46 12 13 14 15 16 17 40 35 36 37 38 39 45 47"
E2E_COMPARE_ALL="1 2 3 4 5 6 7 8 9 10 41 42 18 19 20 21 30 31 32 33 34 44 46 12 13 14 15 16 17 40 35 36 37 38 39 45 47"
E2E_OURS_CHECK="1 2 3 4 5 6 7 8 9 10 42 43 18 19 20 21 22 23 24 25 26 27 28 29 30 33 12 13 14 15 16 17"
E2E_COMPARE_CHECK="2 12"
# Xen on Arm (run.sh --arch arm64, make e2e-arm64): card, playback and
# capture bit-exact, mmap, pause, mixer, backend restart, detach/attach,
# module reload, and snd_be's defaults, mmap and capture; make check's
# short set.  Xen on Arm has no save/restore.
E2E_ARM64_ALL="1 2 3 4 5 6 8 9 10 12 14 15"
E2E_ARM64_CHECK="1 2 12"
# Guest kernels other than dom0's (kernels.sh): card, playback and capture
# bit-exact, mmap, pause, mixer, loopback, backend restart, save/restore,
# tracepoints.
E2E_KERNELS_SET="1 2 3 4 5 6 7 8 18 19 43"

# Boot of Xen and dom0 (about 25 s) and collecting the results: outside
# the scenario budgets.  The whole run's budget (run.sh --timeout) is this
# and every item's budget.
E2E_OVERHEAD=120

# `make bench` (run.sh --bench): every row of the table, per driver and
# backend: playback with read/write access and (ours only: the in-tree
# driver has no mmap) mmap at 1024, 256 and 64 frames a period, capture
# at 1024 and 256; each E2E_BENCH_REPS times E2E_BENCH_SECS of audio.
# And the wake-up floor at 1024 and 256 (guest/xsf-wake.c: a wake-up a
# period, no sound; with the test backend only) beside each driver.
# `make bench-smoke` (make check): one short run of one row per driver and
# backend, to show that the table is made and well formed.
E2E_BENCH_ROWS_OURS="rw:1024 rw:256 rw:64 mmap:1024 mmap:256 mmap:64 cap:1024 cap:256 wake:1024 wake:256"
E2E_BENCH_ROWS_INTREE="rw:1024 rw:256 rw:64 cap:1024 cap:256 wake:1024 wake:256"
E2E_BENCH_ROWS_SMOKE="rw:1024"
E2E_BENCH_REPS=${E2E_BENCH_REPS:-3}
E2E_BENCH_SECS=${E2E_BENCH_SECS:-4}
# A row: a new guest may be needed (about 40 s), then each run: the data
# made, the audio, the recording checked (about 15 s beyond the audio).
e2e_bench_row_budget() { echo $((60 + $1 * ($2 + 20))); }

# e2e_budget_of LIST: the sum of the budgets of LIST.
e2e_budget_of() {
	local n sum=0
	for n in $1; do
		sum=$((sum + ${E2E_BUDGET[$n]:-120}))
	done
	echo "$sum"
}
