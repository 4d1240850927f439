#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Runs in the test dom0: starts a backend and the guest, then the
# scenarios.  Prints one "PASS <n> <name>", "FAIL <n> <name>: <why>" or
# "SKIP <n> <name>: <why>" line per scenario and a final
# "N passed, M failed, K skipped" line; then, if asked, the same scenarios
# with the distribution's in-tree driver as a comparison table that never
# fails the run.
#
# Configuration: /e2e/run.conf (ITEMS: what to run, in order, see the
# end of this file; MODE=ours|in-tree, the driver of the main items;
# SNDBE=1 when snd_be is in /e2e/sndbe) and /e2e/budgets.sh.
set -u

# shellcheck source=/dev/null
. /e2e/run.conf
# shellcheck source=../budgets.sh
. /e2e/budgets.sh
ITEMS=${ITEMS-main:1}
MODE=${MODE:-in-tree}
SNDBE=${SNDBE:-0}
SNDBE_WHY=${SNDBE_WHY:-snd_be was not built}

OUT=/out
RAW=/run/xsf-raw
BLOG=$OUT/backend.log
SBLOG=$OUT/snd_be.log
CAPTURE=/run/capture.bin
GUEST=xsf-guest
BE=/e2e/xsf-test-backend
BE_ARGS=(--outdir "$RAW" --log "$BLOG" --capture "$CAPTURE" --loopback-pcm 1)
# shellcheck disable=SC2206 # extra options are split on purpose
BE_ARGS+=(${BACKEND_EXTRA:-})
SLICE=/e2e/xsf-slice
mkdir -p "$RAW" "$OUT"
: >"$OUT/results.txt"
: >"$OUT/commands.log"

# The card the test backend serves: two PCM devices, each with a playback
# and a capture stream; PCM 1 is a loopback.
# shellcheck disable=SC2034 # read through namerefs (guest_cfg, attach)
VSND_TEST=('card, backend=0, short-name=XenSnd, long-name=Xen PV test card, sample-rates=8000;16000;44100;48000, sample-formats=s16_le;s32_le;u8'
	'pcm, name=xsf-pcm0' 'stream, unique-id=pb0, type=p' 'stream, unique-id=cap0, type=c'
	'pcm, name=xsf-pcm1' 'stream, unique-id=pb1, type=p' 'stream, unique-id=cap1, type=c')
# The fault scenarios add a second card, vsnd device 1, served by a second
# test backend that each case restarts with its faults (--device 1); the
# first backend serves device 0 only and keeps running.
# shellcheck disable=SC2034 # read through namerefs (guest_cfg, attach)
VSND_FAULT=('card, backend=0, short-name=XenSndF, long-name=Xen PV fault card, sample-rates=8000;16000;44100;48000, sample-formats=s16_le;s32_le;u8'
	'pcm, name=xsf-fault0' 'stream, unique-id=fpb0, type=p' 'stream, unique-id=fcap0, type=c'
	'pcm, name=xsf-fault1' 'stream, unique-id=fpb1, type=p')
FBLOG=$OUT/backend-faults.log
# The card of the sound server scenarios on the test backend: one PCM
# device, so that the servers' default sink and source are its streams.
# shellcheck disable=SC2034 # read through namerefs (guest_cfg, attach)
VSND_SRV=('card, backend=0, short-name=XenSndS, long-name=Xen PV server test card, sample-rates=8000;16000;44100;48000, sample-formats=s16_le;s32_le;u8'
	'pcm, name=xsf-srv0' 'stream, unique-id=spb0, type=p' 'stream, unique-id=scap0, type=c')
# The card snd_be serves: its streams are snd-aloop devices in dom0.
# What the guest plays on Loopback,0,0 is recorded here from Loopback,1,0;
# what is played here into Loopback,0,1 the guest records from Loopback,1,1.
# shellcheck disable=SC2034 # read through namerefs (guest_cfg, attach)
VSND_SNDBE=('card, backend=0, short-name=XenSndBe, long-name=Xen PV snd_be card, sample-rates=8000;16000;44100;48000, sample-formats=s16_le;s32_le'
	'pcm, name=be-loop' 'stream, unique-id=alsa<hw:Loopback;0;0>, type=p'
	'stream, unique-id=alsa<hw:Loopback;1;1>, type=c')

say() { echo "[dom0 $(cut -d' ' -f1 /proc/uptime)] $*"; }

# ---------------------------------------------------------------- budgets
# DEADLINE (epoch seconds, 0: none) ends the running scenario: every wait
# below is cut short at it, and OUT_OF_TIME records that it happened.
DEADLINE=0
OUT_OF_TIME=0

# cap SECONDS: SECONDS, or what is left of the budget if that is less
# (at least 1); sets OUT_OF_TIME when nothing is left.
cap() {
	local left
	if [ "$DEADLINE" -eq 0 ]; then
		echo "$1"
		return
	fi
	left=$((DEADLINE - $(date +%s)))
	if [ "$left" -le 0 ]; then
		OUT_OF_TIME=1
		echo 1
	elif [ "$left" -lt "$1" ]; then
		echo "$left"
	else
		echo "$1"
	fi
}

out_of_time() {
	[ "$DEADLINE" -ne 0 ] && [ "$(date +%s)" -ge "$DEADLINE" ] && OUT_OF_TIME=1
	[ "$OUT_OF_TIME" = 1 ]
}

# bsleep SECONDS: sleep, but not past the deadline
bsleep() {
	local t=$1 left
	if [ "$DEADLINE" -ne 0 ]; then
		left=$((DEADLINE - $(date +%s)))
		[ "$left" -le 0 ] && { OUT_OF_TIME=1; return 1; }
		[ "${t%.*}" -ge "$left" ] 2>/dev/null && t=$left
	fi
	sleep "$t"
}

# xs_wait PATH VALUE SECONDS: wait until the xenstore node PATH reads
# VALUE, at most SECONDS.  It waits on a xenstore watch (one line per
# change), not by polling: under emulation every process a poll starts
# costs the whole machine time.  Should the watch end, it polls.
XS_WAIT_FIFO=/run/xs-wait.fifo
xs_wait() {
	local path=$1 want=$2 end now pid rc=1
	printf -v now '%(%s)T' -1
	end=$((now + $3))
	rm -f "$XS_WAIT_FIFO"
	mkfifo "$XS_WAIT_FIFO"
	xenstore-watch "$path" >"$XS_WAIT_FIFO" 2>/dev/null &
	pid=$!
	exec 8<"$XS_WAIT_FIFO"
	while :; do
		if [ "$(xenstore-read "$path" 2>/dev/null)" = "$want" ]; then
			rc=0
			break
		fi
		printf -v now '%(%s)T' -1
		[ "$now" -lt "$end" ] || break
		read -r -t 1 _ <&8
		# 1: end of the watch (> 128 is the timeout): poll
		[ $? -ne 1 ] || sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	exec 8<&-
	rm -f "$XS_WAIT_FIFO"
	return $rc
}

# ---------------------------------------------------------------- backends
BE_PID=""
SB_PID=""
BACKEND=none

start_test_backend() { # [OPTIONS...]
	"$BE" "${BE_ARGS[@]}" "$@" &
	BE_PID=$!
	sleep 0.3
	kill -0 "$BE_PID" 2>/dev/null || { say "backend failed to start"; BE_PID=""; return 1; }
}

stop_test_backend() { # [SIGNAL]
	[ -n "$BE_PID" ] || return 0
	kill "-${1:-TERM}" "$BE_PID" 2>/dev/null
	wait "$BE_PID" 2>/dev/null
	BE_PID=""
}

start_sndbe() {
	LD_LIBRARY_PATH=/e2e/sndbe /e2e/sndbe/snd_be -v '*:Debug' -l "$SBLOG.part" \
		>>"$OUT/snd_be.stdout" 2>&1 &
	SB_PID=$!
	sleep 0.5
	kill -0 "$SB_PID" 2>/dev/null || { say "snd_be failed to start"; SB_PID=""; return 1; }
}

stop_sndbe() { # [SIGNAL]
	[ -n "$SB_PID" ] || return 0
	kill "-${1:-TERM}" "$SB_PID" 2>/dev/null
	wait "$SB_PID" 2>/dev/null
	SB_PID=""
	# snd_be truncates its log at start: keep every instance's lines.
	cat "$SBLOG.part" >>"$SBLOG" 2>/dev/null
	rm -f "$SBLOG.part"
}

# The faulty backend of the fault phase: vsnd device 1, its own log, the
# faults of the case as options (none: a correct backend).
FB_PID=""
start_fault_backend() { # [OPTIONS...]
	stop_fault_backend
	echo "=== backend started with: ${*:-(no faults)}" >>"$FBLOG"
	"$BE" "${BE_ARGS[@]}" --log "$FBLOG" --device 1 "$@" &
	FB_PID=$!
	sleep 0.3
	kill -0 "$FB_PID" 2>/dev/null || { say "fault backend failed to start"; FB_PID=""; return 1; }
}

stop_fault_backend() {
	[ -n "$FB_PID" ] || return 0
	kill -TERM "$FB_PID" 2>/dev/null
	wait "$FB_PID" 2>/dev/null
	FB_PID=""
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# backend_alive: the backend(s) of the current phase run
backend_alive() {
	case $BACKEND in
	test) alive "$BE_PID" ;;
	faults) alive "$BE_PID" && alive "$FB_PID" ;;
	sndbe) alive "$SB_PID" ;;
	*) return 1 ;;
	esac
}

start_backend() {
	case $BACKEND in
	test) start_test_backend ;;
	faults)
		{ alive "$BE_PID" || start_test_backend --device 0; } &&
			{ alive "$FB_PID" || start_fault_backend; }
		;;
	sndbe) start_sndbe ;;
	esac
}

stop_backend() { # [SIGNAL]
	case $BACKEND in
	test) stop_test_backend "$@" ;;
	faults) stop_fault_backend; stop_test_backend "$@" ;;
	sndbe) stop_sndbe "$@" ;;
	esac
}

# use_backend test|sndbe: switch the phase: the guest of the other phase
# (its vsnd card belongs to the other backend) is destroyed first.
use_backend() {
	[ "$BACKEND" = "$1" ] && { backend_alive || start_backend; return; }
	stop_guest
	stop_backend
	BACKEND=$1
	start_backend
}

# ---------------------------------------------------------------- guest
DOMID=""
GHOME=""
SEQ=0
GOUT=""
GUEST_MODE=""
# the guest's initramfs: plain (busybox, alsa-utils) or servers (and the
# sound servers); WANT_KIND is the one the running scenario needs
GUEST_KIND=""
WANT_KIND=plain

# An x86 guest of the rig is a PV guest; on Arm every guest is of the
# one kind xl calls PVH (auto-translated, with PV devices).
GUEST_TYPE=pv
[ "$(uname -m)" = aarch64 ] && GUEST_TYPE=pvh

guest_cfg() { # VSND_ARRAY... (one card each)
	local i name
	{
		echo "name = \"$GUEST\""
		echo "type = \"$GUEST_TYPE\""
		echo 'kernel = "/e2e/vmlinuz"'
		if [ "$WANT_KIND" = servers ]; then
			echo 'ramdisk = "/e2e/guest-servers-initrd.gz"'
			echo 'memory = 448'
		else
			echo 'ramdisk = "/e2e/guest-initrd.gz"'
			echo 'memory = 192'
		fi
		echo 'extra = "console=hvc0 loglevel=7 panic=-1"'
		echo 'vcpus = 2'
		echo 'on_crash = "preserve"'
		printf 'vsnd = [ '
		for name in "$@"; do
			local -n vsnd=$name
			[ "$name" = "$1" ] || printf ', '
			printf '[ '
			for i in "${!vsnd[@]}"; do
				[ "$i" -gt 0 ] && printf ', '
				printf "'%s'" "${vsnd[$i]}"
			done
			printf ' ]'
		done
		printf ' ]\n'
	} >/run/$GUEST.cfg
}

# vsnd_var: the cards of the current phase (names of arrays)
vsnd_var() {
	case $BACKEND in
	sndbe) echo VSND_SNDBE ;;
	faults) echo VSND_TEST VSND_FAULT ;;
	*) if [ "$WANT_KIND" = servers ]; then echo VSND_SRV; else echo VSND_TEST; fi ;;
	esac
}

start_guest() {
	local n
	# shellcheck disable=SC2046 # one array name per card
	guest_cfg $(vsnd_var)
	say "creating guest ($BACKEND backend, $MODE driver, $WANT_KIND initramfs)"
	if ! timeout "$(cap 180)" xl create /run/$GUEST.cfg >"$OUT/xl-create.log" 2>&1; then
		say "xl create failed: $(tail -n 5 "$OUT/xl-create.log")"
		xl destroy "$GUEST" >/dev/null 2>&1
		return 1
	fi
	DOMID=$(xl domid $GUEST)
	GHOME=/local/domain/$DOMID
	if ! xs_wait "$GHOME/data/e2e/ready" 1 "$(cap 90)"; then
		say "guest runner did not start"
		return 1
	fi
	say "guest $DOMID ready"
	echo "E2E-STAGE guest-ready $(cut -d' ' -f1 /proc/uptime)"
	GUEST_MODE=$MODE
	GUEST_KIND=$WANT_KIND
	gcmd 10 "echo $MODE >/tmp/module-mode"
}

stop_guest() {
	[ -n "$DOMID" ] || return 0
	timeout 60 xl destroy "$GUEST" >/dev/null 2>&1
	DOMID=""
	GUEST_MODE=""
	GUEST_KIND=""
}

# gcmd TIMEOUT COMMAND: run COMMAND in the guest; output in $GOUT.  The
# timeout is cut to what is left of the scenario's budget.
gcmd() {
	local t rc end
	t=$(cap "$1")
	shift
	if out_of_time; then
		GOUT="(not run: out of time)"
		return 124
	fi
	SEQ=$((SEQ + 1))
	xenstore-write -R "$GHOME/data/e2e/cmd" "$*"
	xenstore-write "$GHOME/data/e2e/req" "$SEQ"
	if ! xs_wait "$GHOME/data/e2e/done" "$SEQ" "$t"; then
		GOUT="(no answer within ${t}s)"
		printf '[%s timeout] %s\n' "$SEQ" "$*" >>"$OUT/commands.log"
		out_of_time
		return 124
	fi
	rc=$(xenstore-read "$GHOME/data/e2e/rc")
	GOUT=$(xenstore-read -R "$GHOME/data/e2e/out")
	printf '[%s rc=%s] %s\n%s\n' "$SEQ" "$rc" "$*" "$GOUT" >>"$OUT/commands.log"
	return "$rc"
}

guest_alive() {
	[ -n "$DOMID" ] && xl list "$GUEST" >/dev/null 2>&1 && gcmd 15 true
}

# make sure there is a guest of this phase with the driver of MODE loaded
# and a card; a guest whose card does not come back is replaced
ensure_guest() {
	local try
	for try in 1 2; do
		out_of_time && return 1
		if [ "$GUEST_MODE" != "$MODE" ] || [ "$GUEST_KIND" != "$WANT_KIND" ] ||
			! guest_alive; then
			stop_guest
			start_guest || continue
		fi
		if ! gcmd 10 'grep -q "^snd_xen_front " /proc/modules'; then
			if ! gcmd 90 'loadmod'; then
				say "loading the driver failed: $GOUT"
				stop_guest
				continue
			fi
		fi
		gcmd 60 'wait_card 45' && return 0
		say "no card (attempt $try): $GOUT; recreating the guest"
		stop_guest
	done
	return 1
}

last_line() { printf '%s\n' "$GOUT" | tail -n 1; }

# ---------------------------------------------------------------- checks
FAILMSG=""
fail() { [ -n "$FAILMSG" ] || FAILMSG="$*"; }

# raw_file PCM STREAM: the test backend's output file of the guest's stream
# shellcheck disable=SC2012 # our own file names: digits and dashes
raw_file() {
	ls -t "$RAW/$DOMID"-*-"$1"-"$2".raw 2>/dev/null | head -n 1
}

clear_raw() { rm -f "$RAW/$DOMID"-*-"$1"-"$2".raw; }

# compare_raw FILE BYTES SHA SILENCEBYTE: FILE starts with the BYTES bytes
# that hash to SHA, followed only by silence padding (SILENCEBYTE in octal)
compare_raw() {
	local f=$1 bytes=$2 want=$3 sil=$4 size got extra
	if [ -z "$f" ] || [ ! -f "$f" ]; then
		fail "backend wrote no data"
		return 1
	fi
	size=$(stat -c %s "$f")
	if [ "$size" -lt "$bytes" ]; then
		fail "backend got $size of $bytes bytes"
		return 1
	fi
	got=$(head -c "$bytes" "$f" | sha256sum | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		fail "data differs (sha256 sent $want, received $got, $size bytes)"
		return 1
	fi
	extra=$((size - bytes))
	if [ "$extra" -gt 0 ] && [ "$(tail -c "$extra" "$f" | tr -d "\\$sil" | wc -c)" != 0 ]; then
		fail "received $extra bytes after the data that are not silence"
		return 1
	fi
	return 0
}

# play_check PCMDEV FORMAT RATE CHANNELS BYTES SILENCE [PLAYER...]
play_check() {
	local dev=$1 fmt=$2 rate=$3 ch=$4 bytes=$5 sil=$6 want rc
	shift 6
	local player=${*:-aplay -q}
	clear_raw "$dev" 0
	gcmd 90 "gen /tmp/p.raw $bytes && $player -D hw:0,$dev -t raw -f $fmt -r $rate -c $ch /tmp/p.raw && sha /tmp/p.raw"
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$fmt/$rate/$ch: $player failed (rc $rc): $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	want=$(last_line)
	compare_raw "$(raw_file "$dev" 0)" "$bytes" "$want" "$sil" || {
		FAILMSG="$fmt/$rate/$ch: $FAILMSG"
		return 1
	}
}

# ---------------------------------------------------------------- scenarios: test backend
s1() {
	gcmd 20 'cat /proc/asound/cards; aplay -l; arecord -l' || true
	local o=$GOUT
	printf '%s\n' "$o" | grep -q 'XenSnd' || fail "short-name XenSnd missing from /proc/asound/cards"
	printf '%s\n' "$o" | grep -q 'Xen PV test card' || fail "long-name 'Xen PV test card' missing"
	printf '%s\n' "$o" | grep -q 'device 0: .*xsf-pcm0' || fail "pcm name xsf-pcm0 missing in aplay -l"
	printf '%s\n' "$o" | grep -q 'device 1: .*xsf-pcm1' || fail "pcm name xsf-pcm1 missing in aplay -l"
	[ "$(printf '%s\n' "$o" | grep -c '^card 0: .*device [01]')" -ge 4 ] ||
		fail "expected 2 playback and 2 capture devices: $(printf '%s' "$o" | tr '\n' ' ')"
	# Each stream's two event channels have their own interrupt name.
	if [ "$MODE" = ours ]; then
		gcmd 10 "grep -o 'vsnd-[0-9]*:[0-9]*[.][0-9]*-[a-z]*' /proc/interrupts" || true
		local names
		names=$(printf '%s\n' "$GOUT" | grep -c .)
		if [ "$(printf '%s\n' "$GOUT" | sort -u | grep -c .)" != 8 ] || [ "$names" != 8 ]; then
			fail "expected 8 distinct interrupt names for 4 streams, got: $(printf '%s' "$GOUT" | tr '\n' ';')"
		fi
	fi
}

s2() {
	play_check 0 S16_LE 48000 2 384000 000 || return
	play_check 0 S32_LE 44100 1 176400 000 || return
	play_check 0 U8 8000 1 16000 200 || return
}

s3() {
	local want
	if ! gcmd 60 'arecord -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 -s 48000 /tmp/c.raw && wc -c </tmp/c.raw && sha /tmp/c.raw'; then
		fail "arecord failed: $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		return
	fi
	local size sha
	size=$(printf '%s\n' "$GOUT" | tail -n 2 | head -n 1)
	sha=$(last_line)
	[ "$size" = 192000 ] || fail "captured $size bytes, wanted 192000"
	want=$(head -c "$size" "$CAPTURE" | sha256sum | cut -d' ' -f1)
	[ "$sha" = "$want" ] || fail "captured data differs from the backend's source (got $sha want $want)"
}

s4() {
	play_check 0 S16_LE 48000 2 384000 000 aplay -q --mmap || return
	play_check 0 S16_LE 48000 2 192000 000 /e2e/xsf-pcm-play -m || return
}

s5() {
	play_check 0 S16_LE 48000 2 576000 000 /e2e/xsf-pcm-play -p 192000:1000 || return
	grep -q "TRIGGER stream=0/0/0 dom=$DOMID type=PAUSE" "$BLOG" || fail "backend saw no TRIGGER PAUSE"
	grep -q "TRIGGER stream=0/0/0 dom=$DOMID type=RESUME" "$BLOG" || fail "backend saw no TRIGGER RESUME"
}

s6() {
	local mark
	mark=$(wc -l <"$BLOG")
	# Controls appear once the backend has answered GET_VOLUME, which it
	# is asked at the first opening of a stream: play a moment first.
	gcmd 60 'gen /tmp/p.raw 19200 && aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p.raw && sleep 1 && amixer -c 0 scontrols' ||
		{ fail "aplay/amixer failed: $GOUT"; return; }
	if ! printf '%s\n' "$GOUT" | grep -q "Simple mixer control"; then
		fail "the card has no mixer controls"
		return
	fi
	# shellcheck disable=SC2016 # expanded in the guest
	gcmd 90 'gen /tmp/p.raw 1152000 && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p.raw && sleep 1 &&
		ctl=$(amixer -c 0 scontrols | head -n 1 | sed "s/^Simple mixer control .\(.*\).,[0-9]*$/\1/") && echo "control: $ctl" &&
		amixer -c 0 -- sset "$ctl" -12dB && sleep 0.5 && amixer -c 0 sset "$ctl" mute && sleep 0.5 &&
		amixer -c 0 sset "$ctl" unmute && sleep 0.5 && amixer -c 0 sget "$ctl"; r=$?; bgwait play 30; exit $r' ||
		fail "amixer/aplay failed: $(printf '%s' "$GOUT" | tail -n 4 | tr '\n' ' ')"
	tail -n +"$((mark + 1))" "$BLOG" >/run/s6.log
	grep -Eq "^SET_VOLUME stream=0/0/[0-9]+ dom=$DOMID ch0=-12000 ch1=-12000$" /run/s6.log ||
		fail "backend saw no SET_VOLUME ch0=-12000 ch1=-12000 ($(grep -E '^(SET|GET)_VOLUME' /run/s6.log | tail -n 2 | tr '\n' ';'))"
	# a mute may be sent one channel at a time: check the resulting state
	grep -Eq "^MUTE stream=0/0/[0-9]+ dom=$DOMID .* muted=1,1$" /run/s6.log ||
		fail "backend never had both channels muted ($(grep -E '^MUTE' /run/s6.log | tail -n 2 | tr '\n' ';'))"
	grep -Eq "^UNMUTE stream=0/0/[0-9]+ dom=$DOMID .* muted=0,0$" /run/s6.log ||
		fail "backend never had both channels unmuted again ($(grep -E '^UNMUTE' /run/s6.log | tail -n 2 | tr '\n' ';'))"
}

s7() {
	# PCM 1 is a loopback in the backend: capture returns silence until the
	# playback stream writes, then the played bytes. The played data starts
	# with a non-zero marker so the capture can be aligned.
	# shellcheck disable=SC2016 # expanded in the guest
	if ! gcmd 120 'printf XSFLOOP! >/tmp/p.raw && head -c 191992 /dev/urandom >>/tmp/p.raw &&
		bgrun rec arecord -q -D hw:0,1 -t raw -f S16_LE -r 48000 -c 2 -s 144000 /tmp/l.raw && sleep 0.5 &&
		aplay -q -D hw:0,1 -t raw -f S16_LE -r 48000 -c 2 /tmp/p.raw && bgwait rec 30 &&
		off=$(first_nonzero /tmp/l.raw) && echo "data at offset $off of $(wc -c </tmp/l.raw)" &&
		tail -c +"$off" /tmp/l.raw | head -c 192000 | sha256sum | cut -d" " -f1 && sha /tmp/p.raw'; then
		fail "loopback play/capture failed: $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		return
	fi
	local a b
	a=$(printf '%s\n' "$GOUT" | tail -n 2 | head -n 1)
	b=$(last_line)
	[ "$a" = "$b" ] || fail "captured data differs from the played data ($(printf '%s\n' "$GOUT" | grep 'data at offset'))"
}

wait_be_state() { # STATE SECONDS
	local n=$(($2 * 10)) p
	while [ $n -gt 0 ]; do
		for p in $(xenstore-list "/local/domain/0/backend/vsnd/$DOMID" 2>/dev/null); do
			[ "$(xenstore-read "/local/domain/0/backend/vsnd/$DOMID/$p/state" 2>/dev/null)" = "$1" ] && return 0
		done
		out_of_time && return 1
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# backend_restart_check DEV PLAYER...: play, kill the backend, expect the
# player to fail soon, restart the backend, expect the card back
backend_restart_check() {
	local t0 t1 rc
	gcmd 30 "gen /tmp/p8.raw 1920000 && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p8.raw" ||
		{ fail "could not start aplay: $GOUT"; return 1; }
	bsleep 3
	say "killing the backend"
	stop_backend KILL
	t0=$(date +%s)
	gcmd 60 'bgwait play 45'
	rc=$?
	t1=$(date +%s)
	if [ "$rc" = 0 ]; then
		fail "aplay succeeded although the backend was killed"
	elif [ "$rc" = 124 ]; then
		fail "aplay did not exit within 45 s after the backend was killed"
	elif [ $((t1 - t0)) -gt 20 ]; then
		fail "aplay took $((t1 - t0)) s to fail"
	fi
	say "aplay exited with $rc after $((t1 - t0)) s: $(printf '%s' "$GOUT" | tail -n 1)"
	gcmd 10 'kcheck' || fail "kernel log after the backend died: $GOUT"
	start_backend || { fail "backend restart failed"; return 1; }
	if [ "$BACKEND" = sndbe ] && ! wait_be_state 4 "$(cap 20)" &&
		grep -q -E "Can't bind event channel|Ring buffer producer overflow" \
			"$SBLOG.part" 2>/dev/null; then
		# snd_be announces Closing and reads our state a few ms
		# later; a guest that has not switched away from Connected by
		# then (a slow xenwatch under TCG) gets its old rings bound:
		# snd_be cannot bind their event channels, or finds their
		# producer index past what it consumed, and gives up for good
		# (it stays Closed).  Its race, not the driver's: a user
		# starts it again, and so does this test.
		say "snd_be read the frontend before it let go of the old rings (snd_be's restart race): starting it again"
		stop_sndbe
		start_sndbe || { fail "backend restart failed"; return 1; }
	fi
	wait_be_state 4 "$(cap 60)" || { fail "frontend did not reconnect to the restarted backend"; return 1; }
	gcmd 60 'wait_card 45' || { fail "card did not come back: $GOUT"; return 1; }
}

s8() {
	backend_restart_check || return
	play_check 0 S16_LE 48000 2 192000 000
}

attach() {
	local -n vsnd
	vsnd=$(vsnd_var)
	timeout "$(cap 60)" xl vsnd-attach "$GUEST" "${vsnd[@]}" >>"$OUT/xl-vsnd.log" 2>&1
}

detach() {
	local id
	id=$(xenstore-list "/local/domain/0/backend/vsnd/$DOMID" 2>/dev/null | head -n 1)
	[ -n "$id" ] || return 1
	timeout "$(cap 60)" xl vsnd-detach "$GUEST" "$id" >>"$OUT/xl-vsnd.log" 2>&1
}

s9() {
	# idle
	detach || { fail "xl vsnd-detach (idle) failed: $(tail -n 2 "$OUT/xl-vsnd.log")"; return; }
	gcmd 40 'wait_nocard 30' || fail "card still present after detach (idle)"
	gcmd 10 'kcheck' || fail "kernel log after detach: $GOUT"
	attach || { fail "xl vsnd-attach failed: $(tail -n 2 "$OUT/xl-vsnd.log")"; return; }
	gcmd 60 'wait_card 45' || { fail "card did not come back after attach (idle)"; return; }
	[ -n "$FAILMSG" ] && return
	# while playing
	gcmd 30 'gen /tmp/p9.raw 1920000 && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p9.raw' ||
		{ fail "could not start aplay: $GOUT"; return; }
	bsleep 3
	detach || { fail "xl vsnd-detach (playing) failed: $(tail -n 2 "$OUT/xl-vsnd.log")"; return; }
	gcmd 60 'bgwait play 45'
	[ $? = 124 ] && fail "aplay still running 45 s after detach"
	gcmd 40 'wait_nocard 30' || fail "card still present after detach (playing)"
	gcmd 10 'kcheck' || fail "kernel log after detach while playing: $GOUT"
	attach || { fail "xl vsnd-attach failed: $(tail -n 2 "$OUT/xl-vsnd.log")"; return; }
	gcmd 60 'wait_card 45' || { fail "card did not come back after attach (playing)"; return; }
	play_check 0 S16_LE 48000 2 192000 000
}

s10() {
	# shellcheck disable=SC2016 # expanded in the guest
	gcmd 420 'i=0; while [ $i -lt 20 ]; do i=$((i + 1));
		unloadmod || { echo "rmmod $i failed"; lsmod | grep snd; snd_users; exit 1; };
		loadmod || { echo "load $i failed"; exit 1; };
		wait_card 45 || { echo "no card after load $i"; exit 1; }; done; echo "20 reloads done"' ||
		{ fail "$(printf '%s' "$GOUT" | tail -n 6 | tr '\n' ' ')"; return; }
	play_check 0 S16_LE 48000 2 192000 000
}

# ---------------------------------------------------------------- scenarios: suspend
# A restored guest is a new domain: new id, new xenstore home.  The
# runner's nodes are made again there, owned by the guest.
guest_rehome() {
	local n
	DOMID=$(xl domid "$GUEST" 2>/dev/null) || return 1
	GHOME=/local/domain/$DOMID
	xenstore-write "$GHOME/data/e2e/cmd" "" "$GHOME/data/e2e/req" "$SEQ" \
		"$GHOME/data/e2e/out" "" "$GHOME/data/e2e/rc" 0 \
		"$GHOME/data/e2e/done" "$SEQ" || return 1
	xenstore-chmod -r "$GHOME/data/e2e" "n$DOMID" || return 1
	for n in 1 2 3 4 5 6 7 8 9 10; do
		gcmd 15 true && return 0
		out_of_time && return 1
	done
	return 1
}

# save_restore [-c]: xl save the guest and restore it (-c: a checkpoint,
# the guest goes on running)
save_restore() {
	local t0 how=save/restore
	[ "${1:-}" = -c ] && how=checkpoint
	t0=$(date +%s)
	rm -f /run/guest.save
	if ! timeout "$(cap 150)" xl save ${1:+"$1"} "$GUEST" /run/guest.save \
		>>"$OUT/xl-save.log" 2>&1; then
		fail "xl save ${1:-} failed: $(tail -n 2 "$OUT/xl-save.log" | tr '\n' ' ')"
		return 1
	fi
	if [ "$how" = save/restore ]; then
		DOMID=""
		if ! timeout "$(cap 150)" xl restore /run/guest.save >>"$OUT/xl-save.log" 2>&1; then
			fail "xl restore failed: $(tail -n 2 "$OUT/xl-save.log" | tr '\n' ' ')"
			rm -f /run/guest.save
			return 1
		fi
		rm -f /run/guest.save
		guest_rehome || { fail "the restored guest does not answer"; return 1; }
	fi
	rm -f /run/guest.save
	say "$how took $(($(date +%s) - t0)) s"
}

s18() {
	save_restore || return
	gcmd 60 'wait_card 45' || { fail "no card after the restore: $GOUT"; return; }
	play_check 0 S16_LE 48000 2 192000 000
}

# After a restore an open stream reports a suspend, and preparing it again
# links it to the new connection: the player recovers and finishes (what
# was in the buffer at the save is lost), and the card plays bit-exact
# afterwards.
s19() {
	local rc
	gcmd 30 'gen /tmp/p19.raw 1920000 && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p19.raw' ||
		{ fail "could not start aplay: $GOUT"; return; }
	bsleep 2
	save_restore || return
	gcmd 60 'bgwait play 45'
	rc=$?
	say "aplay across save/restore: rc $rc: $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
	case $rc in
	0) ;;
	124) fail "aplay hangs after the restore: $GOUT"; return ;;
	*) fail "aplay did not recover after the restore (rc $rc): $(printf '%s' "$GOUT" | tail -n 1)"; return ;;
	esac
	gcmd 60 'wait_card 45' || { fail "no card after the restore: $GOUT"; return; }
	play_check 0 S16_LE 48000 2 192000 000
}

# A checkpoint (xl save -c) suspends and resumes the guest in place: the
# player goes on and everything it played arrives unchanged.
s20() {
	local want
	clear_raw 0 0
	gcmd 30 'gen /tmp/p20.raw 1152000 && sha /tmp/p20.raw && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p20.raw' ||
		{ fail "could not start aplay: $GOUT"; return; }
	want=$(last_line)
	bsleep 2
	save_restore -c || return
	if ! gcmd 90 'bgwait play 60'; then
		fail "aplay failed across the checkpoint (rc $?): $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
		return
	fi
	compare_raw "$(raw_file 0 0)" 1152000 "$want" 000
}

# The guest paused for longer than a buffer: the stream recovers (an
# xrun), the player finishes, and the card plays bit-exact afterwards.
s21() {
	gcmd 30 'gen /tmp/p21.raw 1152000 && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p21.raw' ||
		{ fail "could not start aplay: $GOUT"; return; }
	bsleep 2
	timeout "$(cap 30)" xl pause "$GUEST" || { fail "xl pause failed"; return; }
	bsleep 3
	timeout "$(cap 30)" xl unpause "$GUEST" || { fail "xl unpause failed"; return; }
	if ! gcmd 90 'bgwait play 60'; then
		fail "aplay did not recover after the pause (rc $?): $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
		return
	fi
	play_check 0 S16_LE 48000 2 192000 000
}


# ---------------------------------------------------------------- scenarios: faults
# The guest has two cards.  Card XenSnd (vsnd device 0) is served by the
# steady backend, which runs through the whole phase.  Card XenSndF (vsnd
# device 1) is served by the faulty backend: each case restarts it with
# its faults, limited to the stream fpb0 (PCM 0 playback) by
# --fault-stream unless the fault takes the whole device or backend down.
# While the faulty stream plays (at most a bound: a clean error or xrun,
# never a hang), the steady stream plays test data in a loop, on the same
# card's PCM 1 or, when the whole fault card goes, on the other card; each
# of its plays must arrive unchanged.  Then the guest's kernel log may hold
# no oops, warning splat or hung task, and the driver's own warnings must
# be the ones the fault explains (FAULT_ALLOW, an extended regular
# expression).  Each scenario ends with the faulty backend restarted
# without faults: the faulty stream plays unchanged again.

FAULT_ALLOW=""
LAST_ALLOW=""	# the previous case's: for what its backend's restart logs
FAULT_OUT=""	# what the last case's command printed
# Raw files of the streams: device-pcm-stream.
FAULTY_RAW=1-0-0
declare -A STEADY_DEV=([same]="hw:CARD=XenSndF,DEV=1" [other]="hw:CARD=XenSnd,DEV=0")
declare -A STEADY_RAW=([same]=1-1-0 [other]=0-0-0)

fault_raw() { echo "$RAW/$DOMID-$1.raw"; }

# fault_data: the test data, made in both domains from the same seeds.
# Their sizes are whole periods (4000 frames, 16000 octets), and aplay
# then ends each play with one more period, of silence (pcm_write() pads
# the empty chunk it reads at the end of the file): /run/pad.raw.
fault_data() {
	"$SLICE" -G 501 192000 >/run/steady.raw &&
		"$SLICE" -G 502 192000 >/run/f1.raw &&
		"$SLICE" -G 503 576000 >/run/f3.raw &&
		head -c 16000 /dev/zero >/run/pad.raw &&
		gcmd 30 fault_data
}

# same_as RAW FILE...: the backend received exactly what aplay plays of
# FILE... one after the other: each file and a period of silence
same_as() {
	local raw=$1 f want got
	local played=()
	shift
	for f in "$@"; do played+=("$f" /run/pad.raw); done
	[ -f "$raw" ] || { echo "no data received"; return 1; }
	want=$(cat "${played[@]}" | sha256sum | cut -d' ' -f1)
	got=$(sha256sum <"$raw" | cut -d' ' -f1)
	[ "$want" = "$got" ] && return 0
	echo "received $(stat -c %s "$raw") octets, wanted $(cat "${played[@]}" | wc -c): $(cat "${played[@]}" | cmp - "$raw" 2>&1 | head -n 1)"
	return 1
}

# fault_connected SECONDS: the faulty backend (restarted after log line
# FB_MARK) has connected device 1, and the guest has its card
FB_MARK=0
fault_connected() {
	local n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		if tail -n +"$((FB_MARK + 1))" "$FBLOG" | grep -q "^CONNECT stream=1/0/0 dom=$DOMID " &&
			[ "$(xenstore-read "$GHOME/device/vsnd/1/state" 2>/dev/null)" = 4 ]; then
			gcmd 40 'card_ready XenSndF 30' && return 0
			return 1
		fi
		out_of_time && return 1
		sleep 0.1
		n=$((n - 1))
	done
	GOUT="device 1 not connected within $1 s (backend $(xenstore-read "/local/domain/0/backend/vsnd/$DOMID/1/state" 2>/dev/null), frontend $(xenstore-read "$GHOME/device/vsnd/1/state" 2>/dev/null))"
	return 1
}

# restart_faulty [OPTIONS...]: the faulty backend again, with these faults
restart_faulty() {
	local t0
	t0=$(date +%s)
	FB_MARK=$(wc -l <"$FBLOG" 2>/dev/null || echo 0)
	start_fault_backend "$@" || return 1
	fault_connected 60 || return 1
	say "faulty backend restarted, card back after $(($(date +%s) - t0)) s"
}

# fault_case LABEL EXPECT BOUND STEADY COMMAND [BACKEND OPTIONS...]
#   EXPECT  fail: COMMAND fails; any: it ends, however; f1, f1+f1, f3:
#           it succeeds and the faulty stream's output is exactly these
#           files of test data (guest /tmp/NAME.raw) in a row
#   BOUND   seconds COMMAND may take
#   STEADY  same: the steady stream is the fault card's PCM 1; other: the
#           other card's PCM 0
# The backend options come after --fault-stream fpb0 (add more streams
# with --fault-stream).
fault_case() {
	local label=$1 expect=$2 bound=$3 steady=$4 cmd=$5 rc plays out f files=()
	shift 5
	[ -z "$FAILMSG" ] || return 1
	say "fault case $label: backend $*"
	if ! restart_faulty --fault-stream fpb0 "$@"; then
		fail "$label: the fault card did not come back after the backend restart: $GOUT"
		return 1
	fi
	# The previous faults may still be logged, and this case's have begun.
	fault_log_check "$label (backend restart)" "$(either "$LAST_ALLOW" "$FAULT_ALLOW")"
	LAST_ALLOW=$FAULT_ALLOW
	rm -f "$(fault_raw "$FAULTY_RAW")" "$(fault_raw "${STEADY_RAW[$steady]}")"
	gcmd $((bound + 90)) "fault_play ${STEADY_DEV[$steady]} $bound '$cmd'"
	out=$GOUT
	FAULT_OUT=$out
	say "$label: $(printf '%s' "$out" | tr '\n' ' ')"
	rc=$(printf '%s\n' "$out" | sed -n 's/^fault rc=\([0-9]*\) .*/\1/p')
	case $rc in
	"") fail "$label: no answer from the guest: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"; return 1 ;;
	124) fail "$label: '$cmd' still running after $bound s (hang): $(printf '%s' "$out" | grep '^fault' | cut -c1-300)"; return 1 ;;
	esac
	case $expect in
	fail) [ "$rc" != 0 ] || fail "$label: '$cmd' succeeded although the backend failed it" ;;
	any) ;;
	*)
		if [ "$rc" != 0 ]; then
			fail "$label: '$cmd' failed (rc $rc): $(printf '%s\n' "$out" | grep '^fault' | cut -c1-300)"
		else
			for f in ${expect//+/ }; do files+=("/run/$f.raw"); done
			same_as "$(fault_raw "$FAULTY_RAW")" "${files[@]}" >/run/fault-check.txt ||
				fail "$label: faulty stream's data: $(cat /run/fault-check.txt)"
		fi
		;;
	esac
	# The steady stream: every play ended well and arrived unchanged.
	plays=$(printf '%s\n' "$out" | sed -n 's/^steady rc=0 .*plays \([0-9]*\).*/\1/p')
	if [ -z "$plays" ] || [ "$plays" -lt 1 ]; then
		fail "$label: the steady stream (${STEADY_DEV[$steady]}) stopped: $(printf '%s\n' "$out" | grep '^steady')"
	else
		files=()
		for ((f = 0; f < plays; f++)); do files+=(/run/steady.raw); done
		same_as "$(fault_raw "${STEADY_RAW[$steady]}")" "${files[@]}" >/run/fault-check.txt ||
			fail "$label: the steady stream's $plays plays: $(cat /run/fault-check.txt)"
	fi
	fault_log_check "$label" "$FAULT_ALLOW"
	[ -z "$FAILMSG" ]
}

# fault_recover: the faulty backend restarted without faults; the faulty
# stream plays unchanged
fault_recover() {
	[ -z "$FAILMSG" ] || return 1
	if ! restart_faulty; then
		fail "recovery: the fault card did not come back: $GOUT"
		return 1
	fi
	fault_log_check "recovery (backend restart)" "$LAST_ALLOW"
	LAST_ALLOW=""
	rm -f "$(fault_raw "$FAULTY_RAW")"
	# shellcheck disable=SC2016 # expanded in the guest
	if ! gcmd 60 'play $FAULT_PCM /tmp/f1.raw'; then
		fail "recovery: the faulty stream does not play again: $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
		return 1
	fi
	same_as "$(fault_raw "$FAULTY_RAW")" /run/f1.raw >/run/fault-check.txt ||
		fail "recovery: $(cat /run/fault-check.txt)"
	fault_log_check recovery ""
	say "recovery: the faulty stream plays unchanged again"
}

# either ERE1 ERE2: an extended regular expression matching either
either() {
	if [ -n "$1" ] && [ -n "$2" ]; then
		echo "($1)|($2)"
	else
		echo "$1$2"
	fi
}

# fault_log_check LABEL ERE: the guest kernel log since the last check
# (kcheck_allow: no splat, driver warnings only those matching ERE)
fault_log_check() {
	local allow=$2
	# The allowed warnings are this driver's; the in-tree one says other things.
	[ "$MODE" = ours ] || allow=.
	gcmd 10 "kcheck_allow '$allow'" ||
		fail "$1: guest kernel log: $(printf '%s' "$GOUT" | head -n 4 | tr '\n' ' ')"
}

# backend_logged LABEL ERE: the faulty backend logged a line matching ERE
# since its last restart
backend_logged() {
	tail -n +"$((FB_MARK + 1))" "$FBLOG" | grep -Eq "$2" ||
		fail "$1: the backend log has no line matching '$2'"
}

# shellcheck disable=SC2016 # expanded in the guest
FPCM='play $FAULT_PCM'

# No answer to each control operation.  An OPEN or a query that gets no
# answer times out (request_timeout_ms, 3 s); a TRIGGER that gets none
# leaves a stream that never moves, which ALSA ends; a lost CLOSE,
# GET_VOLUME or query costs time, not data.
s22() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW='vsnd-1: (backend did not answer operation 0 in|backend refused to open stream fpb0 .*: -110)'
	fault_case OPEN fail 30 same "$FPCM /tmp/f1.raw" --drop-op OPEN || return
	FAULT_ALLOW='vsnd-1: (backend did not answer operation 8 in|stream fpb0 stopped: no position from the backend)'
	fault_case TRIGGER any 40 same "$FPCM /tmp/f1.raw" --drop-op TRIGGER || return
	backend_logged TRIGGER '^DROP TRIGGER stream=1/0/0 '
	FAULT_ALLOW='vsnd-1: (backend did not answer operation (9|5|1) in|backend did not close stream fpb0: -110)'
	fault_case HW_PARAM_QUERY,GET_VOLUME,CLOSE f1 40 same "$FPCM /tmp/f1.raw" \
		--drop-op HW_PARAM_QUERY,GET_VOLUME,CLOSE || return
	backend_logged HW_PARAM_QUERY '^DROP HW_PARAM_QUERY stream=1/0/0 '
	backend_logged GET_VOLUME '^DROP GET_VOLUME stream=1/0/0 '
	backend_logged CLOSE '^DROP CLOSE stream=1/0/0 '
	FAULT_ALLOW='vsnd-1: backend did not answer operation (4|6|7) in'
	fault_case SET_VOLUME,MUTE,UNMUTE any 40 same fault_mixer --drop-op SET_VOLUME,MUTE,UNMUTE || return
	local op
	for op in volume mute unmute; do
		printf '%s\n' "$FAULT_OUT" | grep -Eq "(^| )$op: rc [1-9]" ||
			fail "SET_VOLUME,MUTE,UNMUTE: the $op change did not fail although the backend did not answer: $(printf '%s\n' "$FAULT_OUT" | grep '^fault')"
	done
	backend_logged SET_VOLUME '^DROP SET_VOLUME stream=1/0/0 '
	backend_logged MUTE '^DROP MUTE stream=1/0/0 '
	backend_logged UNMUTE '^DROP UNMUTE stream=1/0/0 '
	fault_recover
}

# Error statuses: a refused OPEN fails the player at once; a TRIGGER
# status that is no error code (-1000) is an error all the same; failed
# WRITE and READ make xruns; a failed query, GET_VOLUME or CLOSE costs
# nothing the application sees.
s23() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW='vsnd-1: backend refused to open stream fpb0 .*: -5$'
	fault_case OPEN=-EIO fail 30 same "$FPCM /tmp/f1.raw" --error OPEN=-5 || return
	FAULT_ALLOW='vsnd-1: (backend status -1000 for operation 8 is not a Xen error number|stream fpb0: (START|RESUME) \(-5\): xrun|stream fpb0: backend refused STOP: -5|stream fpb0: cannot start: -5)'
	fault_case TRIGGER=-1000 any 40 same "$FPCM /tmp/f1.raw" --error TRIGGER=-1000 || return
	# A START after failed WRITEs is refused with -EPIPE (no data), which
	# the driver does not count among the errors a backend returns.
	FAULT_ALLOW='vsnd-1: (stream (fpb0|fcap0): (WRITE failed|READ failed|cannot send data|cannot send READ|cannot start)|backend status -32 for operation 8 is not a Xen error number|stream fpb0: START \(-5\): xrun)'
	fault_case WRITE,READ=-ENOSPC any 40 same play_and_record \
		--fault-stream fcap0 --error WRITE=-28 --error READ=-28 || return
	backend_logged WRITE '^ERROR WRITE stream=1/0/0 .*status=-28'
	backend_logged READ '^ERROR READ stream=1/0/1 .*status=-28'
	FAULT_ALLOW='vsnd-1: backend did not close stream fpb0: -5$'
	fault_case HW_PARAM_QUERY,GET_VOLUME,CLOSE f1 30 same "$FPCM /tmp/f1.raw" \
		--error HW_PARAM_QUERY=-12 --error GET_VOLUME=-5 --error CLOSE=-5 || return
	fault_recover
}

# Garbage positions: backwards, past the buffer, repeated, near 2^64.
# The stream takes them as lost data (an xrun) or ignores them; it never
# plays data it does not have.
s24() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW='vsnd-1: stream fpb0: backend position is past the data \(-32\): xrun'
	fault_case garbage-positions any 40 same "$FPCM /tmp/f3.raw" --garbage-pos 3 || return
	backend_logged garbage-positions '^EVT_GARBAGE stream=1/0/0 kind=huge '
	fault_recover
}

# Event ids that restart at each OPEN, with every fourth event lost: the
# positions are counts, so the stream plays unchanged, twice.
s25() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW=""
	fault_case reset-event-ids f1+f1 40 same "$FPCM /tmp/f1.raw && $FPCM /tmp/f1.raw" \
		--reset-evt-id --drop-evt 4 || return
	backend_logged reset-event-ids '^OPEN stream=1/0/0 .* evt_id=0$'
	backend_logged reset-event-ids '^EVT_DROP stream=1/0/0 '
	fault_recover
}

# The backend exits 1 s into the faulty stream: the player fails within
# the bound (ALSA's own timeout), the other card plays on.
s26() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW='vsnd-1: (stream fpb0 stopped: no position from the backend|backend did not answer operation [0-9]+ in|stream fpb0: the backend went away|backend did not close stream fpb0)'
	fault_case exit-mid-stream fail 40 other "$FPCM /tmp/f3.raw" --exit-after-ms 1000 || return
	backend_logged exit-mid-stream '^EXIT after 1000 ms'
	fault_recover
}

# The backend's state flaps (Closing, Connected, InitWait, 99, Connected,
# three times) while the faulty stream plays, then it starts over from
# Closed: the card is taken away and comes back by itself; the other card
# plays on.
s27() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW='vsnd-1: (backend state 99 is not a xenbus state: taken as Unknown|stream fpb0: the backend went away|stream fpb0: the ring to the backend is disconnected \(-5\): xrun|stream fpb0: the ring to the backend is disconnected until it connects again|stream fpb0 stopped: no position from the backend|backend did not answer operation [0-9]+ in|backend refused to open stream fpb0|stream fpb0: cannot start|stream fpb0: the backend left [0-9]+ buffer pages mapped|backend did not close stream fpb0)'
	fault_case state-flapping any 40 other "$FPCM /tmp/f3.raw" --flap-state 3 || return
	# the player may end at the first flap: the flapping goes on after it
	local n=600
	until tail -n +"$((FB_MARK + 1))" "$FBLOG" | grep -q '^FLAP .* over:'; do
		n=$((n - 1))
		if [ "$n" -le 0 ] || out_of_time; then
			fail "state-flapping: the backend never finished flapping"
			return
		fi
		sleep 0.1
	done
	backend_logged state-flapping '^FLAP dom=[0-9]+ dev=1 cycle 3: backend [0-9-]+ -> 99 '
	# the same backend, done flapping, connects the card again
	FB_MARK=$(grep -n '^FLAP .* over:' "$FBLOG" | tail -n 1 | cut -d: -f1)
	fault_connected 60 || { fail "state-flapping: the card did not come back after the flapping: $GOUT"; return; }
	fault_log_check "state-flapping (reconnection)" "$FAULT_ALLOW"
	fault_recover
}

# Floods of events (64 per burst, 20 bursts a second, each notified; now
# and then a producer index beyond the page) on the faulty stream and on
# the capture stream nobody opens: the guest stays responsive, the other
# stream of the card plays unchanged.
s28() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW='vsnd-1: (event producer [0-9]+ is [0-9]+ events ahead of consumer [0-9]+ .*: skipping|stream fpb0: backend position is past the data \(-32\): xrun)'
	fault_case event-flood any 40 same "$FPCM /tmp/f1.raw" --fault-stream fcap0 --evt-flood 64 || return
	backend_logged event-flood '^EVT_FLOOD stream=1/0/1 .* open=0 '
	fault_recover
}

# A backend that keeps every buffer mapped after CLOSE, and after the
# guest closed the device, and writes into them: the stream plays
# unchanged twice, the guest unbinds and binds the device while it plays,
# and the stream plays unchanged again; no page the backend still maps is
# ever given back to the guest's allocator.
s29() {
	fault_data || { fail "test data: $GOUT"; return; }
	FAULT_ALLOW=""
	fault_case keep-mapped f1+f1 40 same "$FPCM /tmp/f1.raw && $FPCM /tmp/f1.raw" --keep-mapped || return
	backend_logged keep-mapped '^KEEP_MAPPED stream=1/0/0 .* after request'
	FAULT_ALLOW='vsnd-1: (stream fpb0: the backend went away|stream fpb0: the backend left [0-9]+ buffer pages mapped; their grants end when it unmaps them|backend did not close in [0-9]+ ms)'
	FB_MARK=$(wc -l <"$FBLOG")
	gcmd 90 'rebind_while_playing vsnd-1' ||
		{ fail "keep-mapped: unbind/bind while playing: $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"; return; }
	say "keep-mapped: rebind: $(printf '%s' "$GOUT" | tr '\n' ' ')"
	fault_connected 60 || { fail "keep-mapped: the card did not come back after bind: $GOUT"; return; }
	fault_log_check "keep-mapped (unbind, bind)" "$FAULT_ALLOW"
	LAST_ALLOW=$FAULT_ALLOW
	rm -f "$(fault_raw "$FAULTY_RAW")"
	gcmd 60 "$FPCM /tmp/f1.raw" || { fail "keep-mapped: no play after bind: $GOUT"; return; }
	same_as "$(fault_raw "$FAULTY_RAW")" /run/f1.raw >/run/fault-check.txt ||
		fail "keep-mapped: after bind: $(cat /run/fault-check.txt)"
	backend_logged keep-mapped '^KEEP_MAPPED stream=1/0/0 .* after disconnect'
	backend_logged keep-mapped '^KEEP_MAPPED buffer of 1/0/0 .*: writing into it'
	fault_recover
}

# ---------------------------------------------------------------- scenarios: snd_be
# snd_be plays into and records from snd-aloop in this dom0.  Playback is
# checked by recording Loopback,1,0 here while the guest plays: the data
# (random, after a non-zero marker) must appear whole and unchanged.
# Capture: this dom0 plays known data into Loopback,0,1 and the guest's
# recording must be an unbroken piece of it.

REC_PID=""
# be_rec_start FORMAT RATE CHANNELS: record what the guest plays
be_rec_start() {
	rm -f /run/be-rec.raw
	arecord -q -D hw:Loopback,1,0 -t raw -f "$1" -r "$2" -c "$3" /run/be-rec.raw \
		>>"$OUT/dom0-alsa.log" 2>&1 &
	REC_PID=$!
	sleep 0.5
}

be_rec_stop() {
	[ -n "$REC_PID" ] || return 0
	sleep 0.5
	kill -INT "$REC_PID" 2>/dev/null
	wait "$REC_PID" 2>/dev/null
	REC_PID=""
}

# sndbe_underruns FROM_LINE: snd_be's device underruns ("Broken pipe")
# logged after line FROM_LINE of its running instance's log (SBLOG.part)
sndbe_underruns() {
	tail -n +"$(($1 + 1))" "$SBLOG.part" 2>/dev/null | grep -c 'Broken pipe'
}

# rec_begin: before the guest plays S16_LE 48 kHz stereo: snd_be's side
# starts recording the loopback, the test backend's raw file starts anew
REC_FROM=0
rec_begin() {
	if [ "$BACKEND" = sndbe ]; then
		REC_FROM=$(wc -l <"$SBLOG.part" 2>/dev/null || echo 0)
		be_rec_start S16_LE 48000 2
	else
		clear_raw 0 0
	fi
}

# rec_end: after it played: REC_FILE is what reached the backend (empty
# if nothing did), REC_UNDER snd_be's device underruns in between
REC_FILE=""
REC_UNDER=0
rec_end() {
	REC_UNDER=0
	if [ "$BACKEND" = sndbe ]; then
		be_rec_stop
		REC_UNDER=$(sndbe_underruns "$REC_FROM")
		REC_FILE=/run/be-rec.raw
	else
		sleep 1
		REC_FILE=$(raw_file 0 0)
	fi
}

# noise_check: our driver wrote no warning or error to the guest's log
noise_check() {
	[ "$MODE" = ours ] || return 0
	gcmd 10 'dmesg -r | grep -E "^<[0-4]>" | grep -E "vsnd|snd_xen_front" | tail -n 5' || true
	[ -z "$GOUT" ] || fail "driver warnings in the guest log: $(printf '%s' "$GOUT" | head -n 3 | tr '\n' ';')"
}

# be_play_check FORMAT RATE CHANNELS BYTES GAPS [PLAYER...]: the guest
# plays BYTES of test data (the same pseudo-random octets are made here
# from the same seed); the recording here must hold them unchanged, with
# at most GAPS runs of silence in between.
be_play_check() {
	local fmt=$1 rate=$2 ch=$3 bytes=$4 gaps=$5 seed out rc
	shift 5
	local player=${*:-aplay -q}
	seed=$((SEQ + 1000))
	"$SLICE" -G "$seed" "$bytes" >/run/be-sent.raw
	be_rec_start "$fmt" "$rate" "$ch"
	gcmd 120 "/e2e/xsf-slice -G $seed $bytes >/tmp/p.raw && $player -D hw:0,0 -t raw -f $fmt -r $rate -c $ch /tmp/p.raw"
	rc=$?
	be_rec_stop
	if [ "$rc" != 0 ]; then
		fail "$fmt/$rate/$ch ($player): failed (rc $rc): $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	if ! out=$("$SLICE" -g "$gaps" /run/be-rec.raw /run/be-sent.raw 2>&1); then
		fail "$fmt/$rate/$ch ($player): $out"
		return 1
	fi
	say "$fmt/$rate/$ch ($player): $out"
}

# loop_source_start SEED OCTETS: this dom0 plays OCTETS of the data of
# SEED (S16_LE 48 kHz stereo) into Loopback,0,1, whose other end
# (Loopback,1,1) snd_be's capture stream records; loop_source_stop ends it
LOOP_PID=""
loop_source_start() {
	"$SLICE" -G "$1" "$2" >/run/be-src.raw
	aplay -q -D hw:Loopback,0,1 -t raw -f S16_LE -r 48000 -c 2 /run/be-src.raw \
		>>"$OUT/dom0-alsa.log" 2>&1 &
	LOOP_PID=$!
	sleep 0.5
}

loop_source_stop() {
	[ -n "$LOOP_PID" ] || return 0
	kill "$LOOP_PID" 2>/dev/null
	wait "$LOOP_PID" 2>/dev/null
	LOOP_PID=""
}

# be_capture_check SECONDS [ARECORD OPTIONS...]: this dom0 plays a long
# known source into the loopback; the guest records SECONDS of S16_LE
# 48 kHz stereo and checks that its recording is an unbroken piece of it.
be_capture_check() {
	local secs=$1 rc
	shift
	loop_source_start 77 11520000
	gcmd 90 "/e2e/xsf-slice -G 77 11520000 >/tmp/src.raw && arecord -q $* -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 -d $secs /tmp/c.raw && echo \"recorded \$(wc -c </tmp/c.raw) octets\" && /e2e/xsf-slice -p /tmp/src.raw /tmp/c.raw"
	rc=$?
	loop_source_stop
	if [ "$rc" != 0 ]; then
		fail "arecord $*: rc $rc: $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	say "arecord $*: $(printf '%s' "$GOUT" | tr '\n' ' ')"
	case $GOUT in *"recorded $((secs * 192000)) octets"*) ;;
	*) fail "arecord $*: wanted $((secs * 192000)) octets: $(printf '%s' "$GOUT" | tr '\n' ' ')"; return 1 ;;
	esac
}

s12() {
	be_play_check S16_LE 48000 2 576000 0 || return
	gcmd 10 'amixer -c 0 scontrols' || true
	[ -z "$GOUT" ] || fail "mixer controls although snd_be has no volume: $(printf '%s' "$GOUT" | tr '\n' ';')"
	noise_check
}

s13() {
	be_play_check S16_LE 48000 2 384000 0 aplay -q --period-size=4096 --buffer-size=16384 || return
	be_play_check S16_LE 48000 2 384000 0 aplay -q --period-size=1024 --buffer-size=4096 || return
	be_play_check S32_LE 44100 2 352800 0 aplay -q || return
	noise_check
}

s14() {
	be_play_check S16_LE 48000 2 384000 0 aplay -q --mmap || return
	noise_check
}

s15() {
	be_capture_check 2 || return
	be_capture_check 2 --period-size=1024 --buffer-size=4096 || return
	noise_check
}

s16() {
	be_play_check S16_LE 48000 2 576000 2 /e2e/xsf-pcm-play -p 192000:1000 || return
	noise_check
}

s17() {
	backend_restart_check || return
	be_play_check S16_LE 48000 2 192000 0
}

# Small periods (40: snd_be, 41: the test backend).  aplay asks for 512-,
# 256- and 128-frame periods (4 per buffer); the driver may grant a longer
# period (its floor is 5 ms).  Under emulation an xrun may happen, and a
# backend drops what it held then; but every piece that arrives must come
# after the one before (xsf-slice -o): nothing played twice, nothing
# stale.  With snd_be the recording comes through snd-aloop, which copies
# its ring's old content past the written data each time snd_be's device
# underruns: as many old pieces as snd_be logged underruns pass, counted.
# The xruns (aplay's count), the backend's underruns and the octets lost
# are reported, for the comparison with the in-tree driver.
small_periods_check() {
	local period seed out rc bytes=960000 warnings
	for period in 512 256 128; do
		seed=$((SEQ + 3000 + period))
		"$SLICE" -G "$seed" "$bytes" >/run/be-sent.raw
		rec_begin
		gcmd 60 "small_play $period $seed $bytes"
		rc=$?
		rec_end
		say "asked period $period: $(printf '%s' "$GOUT" | tr '\n' ' ')," \
			"backend underruns $REC_UNDER"
		if [ "$rc" != 0 ]; then
			fail "period $period: aplay failed: $(printf '%s' "$GOUT" | tr '\n' ' ')"
			return 1
		fi
		if [ -z "$REC_FILE" ] ||
			! out=$("$SLICE" -o -r "$REC_UNDER" "$REC_FILE" /run/be-sent.raw 2>&1); then
			fail "period $period: ${out:-the backend wrote no data}"
			return 1
		fi
		say "asked period $period: $out"
	done
	if [ "$MODE" = ours ]; then
		gcmd 10 'dmesg -r | grep -E "^<[0-4]>" | grep -c -E "vsnd|snd_xen_front"' || true
		warnings=$(last_line)
		say "driver warnings (xruns it detected): ${warnings:-0}"
	fi
}

s40() { small_periods_check; }
s41() { small_periods_check; }

# 42: ALSA's wake-up rule (guest/xsf-pcm-poll.c), which sound servers'
# event loops rely on: poll() gives POLLIN or POLLOUT only with at least
# avail_min frames to move, and the position never goes back; capture
# and playback, read/write at 1024-frame periods and mmap at 256 with the
# stop at the boundary.  PulseAudio's "woken up with POLLIN set" line
# (srv_log_check) claims a break of exactly this rule.
s42() {
	local rc
	gcmd 60 poll_wakeups
	rc=$?
	say "wake-ups: $(printf '%s' "$GOUT" | tr '\n' ';')"
	[ "$rc" = 0 ] ||
		fail "wake-up rule broken: $(printf '%s' "$GOUT" | grep -v ' 0 short, 0 backward' | head -n 3 | tr '\n' ';')"
}

# 43: the driver's tracepoints (include/xsf_trace.h), read through tracefs
# as perf and trace-cmd read them, against what the test backend counted:
# as many WRITE requests and successful answers traced as WRITEs it
# received, an answer for every request, CUR_POS events, no xrun, and
# every line naming the device and stream that played (vsnd-0 stream 0).
trace_count() { # NAME LINE: the number after NAME in LINE
	printf '%s\n' "$2" | sed -n "s/.* $1 \([0-9]*\).*/\1/p"
}
s43() {
	local before line writes rc
	before=$(wc -l <"$BLOG")
	clear_raw 0 0
	gcmd 60 "trace_play 192000"
	rc=$?
	say "tracepoints: $(printf '%s' "$GOUT" | tr '\n' ';')"
	line=$(printf '%s\n' "$GOUT" | grep '^aplay rc ')
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		fail "playing with tracing on failed: $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	sleep 1
	writes=$(tail -n +"$((before + 1))" "$BLOG" | grep '^CLOSE stream=0/0/0 ' |
		grep -v ' written=0 ' | tail -n 1 | sed -n 's/.* writes=\([0-9]*\).*/\1/p')
	if [ -z "$writes" ]; then
		fail "the backend logged no CLOSE with a WRITE count"
		return 1
	fi
	say "the backend received $writes WRITEs"
	[ "$(trace_count writes "$line")" = "$writes" ] ||
		fail "$(trace_count writes "$line") WRITE requests traced, $writes received"
	[ "$(trace_count written "$line")" = "$writes" ] ||
		fail "$(trace_count written "$line") WRITE answers traced, $writes received"
	[ "$(trace_count requests "$line")" = "$(trace_count answers "$line")" ] ||
		fail "$(trace_count requests "$line") requests but $(trace_count answers "$line") answers traced"
	[ "$(trace_count positions "$line")" -gt 0 ] || fail "no CUR_POS event traced"
	[ "$(trace_count xruns "$line")" = 0 ] || fail "xruns traced: $line"
	[ "$(trace_count foreign "$line")" = 0 ] || fail "lines of another device or stream: $line"
}

# ---------------------------------------------------------------- scenarios: sound servers
# PipeWire (with WirePlumber) or PulseAudio owns the guest's card, as on a
# desktop (guest/lib.sh: srv_start); a client plays SRV_SECS of known
# data through it, which must reach the backend whole, in order and
# unchanged, with no xrun (the data is one unbroken run: no gap, nothing
# twice) and nothing in the server's log about the driver; or records
# through it a piece of the backend's known source.  Against the test
# backend the guest has a card with one PCM device (so that the server's
# default sink and source are its streams); against snd_be, its card.
# The payload is 20.48 s: 480 cycles of PipeWire's default 2048-frame
# quantum (and a whole number of 1024 and 256).  With a last cycle only
# partly filled (a 20.00 s payload), PipeWire 0.3.65 played that part
# about 1.5 s late, behind silence: every octet in order, but a gap that
# is pw-play's end of stream, not the card's.
SRV_SECS=20
SRV_BYTES=3932160

# srv_begin SERVER [QUANTUM]: a fresh server on the card
srv_begin() {
	gcmd 30 srv_stop >/dev/null || true
	[ "$BACKEND" = test ] && clear_raw 0 0
	if ! gcmd 150 "srv_start $*"; then
		fail "$1 did not start: $(printf '%s' "$GOUT" | tail -n 6 | tr '\n' ' ')"
		return 1
	fi
	say "$1 started: $(last_line)"
}

# srv_end: the server's log must not speak of the driver; the server goes
srv_end() {
	gcmd 20 srv_log_lines || true
	gcmd 20 srv_log_check || fail "$1 logged: $(printf '%s' "$GOUT" | head -n 3 | tr '\n' ';')"
	gcmd 30 srv_stop >/dev/null || true
	noise_check
}

# srv_play_check SERVER [QUANTUM [SECOND_AT [LATENCY]]]: SECOND_AT and
# LATENCY as guest/lib.sh srv_play has them
srv_play_check() {
	local server=$1 quantum=${2:-} second=${3:-} latency=${4:-} seed out
	srv_begin "$server" ${quantum:+"$quantum"} || return 1
	seed=$((SEQ + 2000))
	"$SLICE" -G "$seed" "$SRV_BYTES" >/run/srv-sent.raw
	local blog_from
	blog_from=$(wc -l <"$BLOG")
	# srv_begin emptied the test backend's raw file before the server
	# opened the card: only snd_be's recording starts here
	[ "$BACKEND" = sndbe ] && rec_begin
	gcmd $((SRV_SECS * 4 + 60)) "srv_play $server $seed $SRV_BYTES $second $latency"
	local rc=$?
	local stops=0 jumps=0 blog="" jump1=""
	if [ "$BACKEND" = test ]; then
		# what the test backend logged while the client played
		blog=$(tail -n +"$((blog_from + 1))" "$BLOG")
		# an xrun stops the stream: a STOP while the client plays
		stops=$(grep -c '^TRIGGER .* type=STOP' <<<"$blog")
		# a WRITE that does not start where the one before ended: the
		# driver skipped or repeated part of what the server wrote
		jumps=$(grep -c '^WRITE JUMP ' <<<"$blog")
		jump1=$(grep -m 1 '^WRITE JUMP ' <<<"$blog")
		say "$server: backend saw $(grep -E '^(OPEN|CLOSE|TRIGGER)' <<<"$blog" |
			cut -d' ' -f1,4 | sort | uniq -c | tr -s ' \n' ' ')"
	fi
	rec_end
	[ "$BACKEND" = sndbe ] && say "$server: snd_be underruns $REC_UNDER"
	if [ "$rc" != 0 ]; then
		fail "$server: playing failed (rc $rc): $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
		srv_end "$server"
		return 1
	fi
	say "$server: $(last_line)"
	[ "$stops" = 0 ] || fail "$server${quantum:+ quantum $quantum}: $stops xruns (STOP while playing)"
	[ "$jumps" = 0 ] || fail "$server: the driver's WRITEs jumped ($jumps logged), the first: $jump1"
	# Every octet of the data, in order, nothing twice (the old pieces
	# snd-aloop copies at snd_be's underruns aside, see
	# small_periods_check).  PipeWire fills a cycle that a client missed
	# ("client too slow", under emulation at a 256-frame quantum) with
	# silence: a gap between the data, not an xrun of the card (which
	# the STOP count above, the server's log and the driver's warnings
	# tell); PulseAudio may leave no gap.
	local what="$server${quantum:+ quantum $quantum}${second:+, second client}"
	if [ -z "$REC_FILE" ] ||
		! out=$("$SLICE" -o -r "$REC_UNDER" "$REC_FILE" /run/srv-sent.raw 2>&1); then
		fail "$what: ${out:-the backend wrote no data}"
	elif ! printf '%s' "$out" | grep -q ' 0 octets lost in 0 skips'; then
		# with the test backend, no STOP and no WRITE jump, what the
		# server wrote to the card reached the backend whole and in
		# order: data lost in the middle never reached the card (a
		# lost end may be a tail the driver never sent)
		local sent=""
		case $out in *"(its end)"*) ;; *)
			[ "$BACKEND" = test ] && [ "$jumps" = 0 ] && [ "$stops" = 0 ] &&
				sent=" (the driver's WRITEs: no jump, so the server never wrote it)"
			;;
		esac
		fail "$what: data lost: $out$sent"
	elif [ "$server" != pipewire ] && ! printf '%s' "$out" | grep -q ' 0 gaps,'; then
		fail "$what: silence inside the data: $out"
	else
		say "$server: $out"
	fi
	srv_end "$server"
}

# srv_capture_check SERVER: record 10 s through SERVER; the test backend
# plays its capture file, snd_be what this dom0 plays into the loopback
srv_capture_check() {
	local server=$1 seed octets
	# snd_be: the loopback plays before the server opens its capture
	# side (snd-aloop stops a running capture when playback starts, and
	# snd_be then fails the READ: one xrun the server recovers from)
	if [ "$BACKEND" = sndbe ]; then
		seed=77 octets=11520000
		loop_source_start "$seed" "$octets"
	else
		seed=$CAPTURE_SEED octets=$CAPTURE_OCTETS
	fi
	if ! srv_begin "$server"; then
		loop_source_stop
		return 1
	fi
	gcmd 120 "srv_record $server 10 $seed $octets" ||
		fail "$server: recording failed: $(printf '%s' "$GOUT" | tail -n 3 | tr '\n' ' ')"
	say "$server: $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
	case $GOUT in *"recorded "*" octets"*) ;; *) fail "$server: no recording" ;; esac
	loop_source_stop
	srv_end "$server"
}

s30() { srv_play_check pipewire; }
s31() { srv_play_check pipewire 256; }
s32() { srv_capture_check pipewire; }
s33() { srv_play_check pulseaudio "" 5; }
s34() { srv_capture_check pulseaudio; }
s35() { srv_play_check pipewire; }
s36() { srv_play_check pipewire 256; }
s37() { srv_capture_check pipewire; }
s38() { srv_play_check pulseaudio "" 5; }
s39() { srv_capture_check pulseaudio; }
# A second client at a 256-frame quantum.  Under emulation PipeWire
# 0.3.65 then at times drops a cycle of the first client's data that it
# never writes to the card, as it does with the in-tree driver at that
# quantum even alone (tests/e2e/README.md, "Sound server scenarios"): in
# make e2e, not in make check.
s44() { srv_play_check pipewire 256 5; }
s45() { srv_play_check pipewire 256 5; }
# A second client at its default latency: the graph keeps its quantum.
s46() { srv_play_check pipewire "" 5 default; }
s47() { srv_play_check pipewire "" 5 default; }

# ---------------------------------------------------------------- running
NPASS=0
NFAIL=0
NSKIP=0
VERDICT=""

# run_one N: run scenario N in the current MODE within its budget; sets
# VERDICT
run_one() {
	local n=$1 start budget name=${E2E_NAMES[$1]}
	FAILMSG=""
	OUT_OF_TIME=0
	budget=${E2E_BUDGET[$n]:-120}
	WANT_KIND=plain
	case " $E2E_SERVERS " in *" $n "*) WANT_KIND=servers ;; esac
	case " $E2E_SNDBE " in *" $n "*)
		if [ "$SNDBE" != 1 ]; then
			VERDICT="SKIP $n $name: $SNDBE_WHY"
			return
		fi
		use_backend sndbe
		;;
	*)
		case " $E2E_FAULTS " in
		*" $n "*) use_backend faults ;;
		*) use_backend test ;;
		esac
		;;
	esac
	start=$(date +%s)
	DEADLINE=$((start + budget))
	say "scenario $n $name ($MODE driver, $BACKEND backend, budget $budget s)"
	backend_alive || start_backend || true
	if ensure_guest; then
		gcmd 10 kcheck >/dev/null || true # start from a clean log
		[ "$MODE" = ours ] && gcmd 10 'dmesg -c >/dev/null' >/dev/null
		"s$n"
		if guest_alive; then
			gcmd 10 kcheck || fail "guest kernel log: $(printf '%s' "$GOUT" | head -n 2 | tr '\n' ' ')"
		else
			fail "guest died or stopped answering; last console lines: $(tail -n 3 "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null | tr '\n' ' ')"
		fi
	else
		fail "guest/driver setup failed: $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
	fi
	out_of_time || true
	DEADLINE=0
	say "scenario $n took $(($(date +%s) - start)) s"
	if [ "$OUT_OF_TIME" = 1 ]; then
		VERDICT="FAIL $n $name: out of time (budget $budget s)${FAILMSG:+; first problem: $FAILMSG}"
		# Whatever it left running goes: the next scenario starts afresh.
		stop_guest
	elif [ -z "$FAILMSG" ]; then
		VERDICT="PASS $n $name"
	else
		VERDICT="FAIL $n $name: $FAILMSG"
	fi
	case $VERDICT in FAIL*)
		echo "--- last guest console lines (scenario $n) ---"
		tail -n 25 "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null | grep -v '^\[runner\]' | cut -c1-200
		echo "--- last backend log lines ---"
		if [ "$BACKEND" = sndbe ]; then
			tail -n 8 "$SBLOG.part" 2>/dev/null | cut -c1-200
		else
			grep -v HW_PARAM_QUERY "$BLOG" | tail -n 8 | cut -c1-200
		fi
		echo "---"
		;;
	esac
}

report() {
	echo "$VERDICT" | tee -a "$OUT/results.txt"
	case $VERDICT in
	PASS*) NPASS=$((NPASS + 1)) ;;
	SKIP*) NSKIP=$((NSKIP + 1)) ;;
	*) NFAIL=$((NFAIL + 1)) ;;
	esac
}

# ---------------------------------------------------------------- make bench
# bench_row DRIVER BACKEND KIND PERIOD: BENCH_REPS measured runs of one row
# of the benchmark (guest/lib.sh bench_run: S16_LE 48 kHz stereo, PERIOD
# frames a period, 4 periods a buffer, BENCH_SECS of audio), each printed
# for the host, which makes the table (tests/e2e/bench-table.py), as
#   E2E-BENCH row:DRIVER:BACKEND:KIND:PERIOD rep=K key=value...
# The guest's side: its line of bench_run.  The backend's side, from its
# own log: what it received of each operation, the CUR_POS events it sent,
# the time from TRIGGER START to the first octet played or read (data
# written before START is played at once) and from the last event
# (playback: the last period played) or READ to TRIGGER STOP; for the test
# backend its STATS lines, for snd_be the "Handle command" and "Send
# event" lines of its debug log and their times.  Playback is checked
# bit-exact here (the test backend's file, or what snd_be played recorded
# from the loopback).  KIND wake (the wake-up floor) plays nothing: the
# backend has nothing to count.  Sets BENCH_STATUS (ok, or why not).
BENCH_REPS=${BENCH_REPS:-3}
BENCH_SECS=${BENCH_SECS:-4}
BENCH_STATUS=""

# bench_be_test FROM_LINE STREAM: the test backend's counts since line
# FROM_LINE of its log, summed over STREAM's STATS lines (an opening each)
bench_be_test() {
	tail -n +"$(($1 + 1))" "$BLOG" | grep "^STATS stream=$2 " | awk '
	{
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] ~ /_us$/) { if (kv[2] >= 0 && !(kv[1] in t)) t[kv[1]] = kv[2] }
			else n[kv[1]] += kv[2]
		}
	}
	END {
		printf "open=%d close=%d write=%d read=%d trigger=%d query=%d other=%d events=%d",
			n["OPEN"], n["CLOSE"], n["WRITE"], n["READ"], n["TRIGGER"],
			n["HW_PARAM_QUERY"], n["SET_VOLUME"] + n["GET_VOLUME"] + n["MUTE"] + n["UNMUTE"],
			n["events"]
		printf " start_us=%s stop_us=%s\n", ("start_us" in t) ? t["start_us"] : "-",
			("stop_us" in t) ? t["stop_us"] : "-"
	}'
}

# bench_be_sndbe FROM_LINE KIND: the same from snd_be's debug log (one
# stream is in use: every command and event in the window is the row's)
bench_be_sndbe() {
	tail -n +"$(($1 + 1))" "$SBLOG.part" 2>/dev/null | awk -v kind="$2" '
	function ms(hms, p) { split(hms, p, ":"); return (p[1] * 3600 + p[2] * 60 + p[3]) * 1000 }
	/Handle command \[/ {
		c = $0; sub(/.*Handle command \[/, "", c); sub(/\].*/, "", c)
		n[c]++
		t = ms($2)
		if ($0 ~ /\[TRIGGER\]\[START\]/ && start == "") start = t
		else if ($0 ~ /\[TRIGGER\]\[STOP\]/ && start != "" && stop == "") stop = t
		else if (c == "WRITE" && start == "") early = 1
		else if (c == "READ" && start != "" && stop == "") { if (first == "") first = t; last = t }
		next
	}
	/Send event, port/ {
		n["events"]++
		if (kind != "cap" && start != "" && stop == "") last = ms($2)
	}
	/Broken pipe/ { n["underruns"]++ }
	END {
		if (kind != "cap" && early && start != "") first = start
		printf "open=%d close=%d write=%d read=%d trigger=%d query=%d other=%d events=%d",
			n["OPEN"], n["CLOSE"], n["WRITE"], n["READ"], n["TRIGGER"], n["QUERY_HW_PARAM"],
			n["SET_VOLUME"] + n["GET_VOLUME"] + n["MUTE"] + n["UNMUTE"], n["events"]
		printf " start_us=%s stop_us=%s be_underruns=%d\n",
			(start != "" && first != "") ? (first - start) * 1000 : "-",
			(stop != "" && last != "") ? (stop - last) * 1000 : "-", n["underruns"]
	}'
}

bench_row() {
	local drv=$1 kind=$3 period=$4 item="row:$1:$2:$3:$4" rep seed from gline be exact
	local src_seed src_octets out stream=0/0/0
	BENCH_STATUS="no run"
	WANT_KIND=plain
	if [ "$drv" = ours ]; then MODE=$MAIN_MODE; else MODE=in-tree; fi
	if [ "$2" = sndbe ]; then
		if [ "$SNDBE" != 1 ]; then
			BENCH_STATUS="skipped: $SNDBE_WHY"
			echo "E2E-BENCH $item rep=0 skipped=$SNDBE_WHY"
			return 0
		fi
		use_backend sndbe
	else
		use_backend test
	fi
	[ "$kind" = cap ] && stream=0/0/1
	if ! ensure_guest; then
		BENCH_STATUS="no guest: $(printf '%s' "$GOUT" | tail -n 1)"
		return 0
	fi
	for rep in $(seq 1 "$BENCH_REPS"); do
		seed=$((SEQ + 5000))
		src_seed=$seed src_octets=0
		case $kind in
		cap)
			src_octets=$(((BENCH_SECS + 10) * 192000))
			if [ "$BACKEND" = sndbe ]; then
				# a known source plays into the loopback the guest records
				loop_source_start "$seed" "$src_octets"
			else
				# the test backend reads its capture file from its start
				src_seed=$CAPTURE_SEED
			fi
			;;
		rw | mmap)
			"$SLICE" -G "$seed" $((BENCH_SECS * 192000)) >/run/be-sent.raw
			rec_begin
			;;
		esac
		if [ "$BACKEND" = sndbe ]; then
			from=$(wc -l <"$SBLOG.part" 2>/dev/null || echo 0)
		else
			from=$(wc -l <"$BLOG")
		fi
		gcmd $((BENCH_SECS * 3 + 60)) "bench_run $kind $period $BENCH_SECS $src_seed $src_octets"
		gline=$(printf '%s\n' "$GOUT" | grep '^rc=' | tail -n 1)
		if [ -z "$gline" ]; then
			out="rc=- $(printf '%s' "$GOUT" | tail -n 1 | tr -c 'A-Za-z0-9_.,:/ -' '_' | cut -c1-80)"
		else
			out=$gline
		fi
		loop_source_stop
		case $kind in
		rw | mmap)
			rec_end
			exact=no
			[ -n "$REC_FILE" ] && "$SLICE" -g 0 "$REC_FILE" /run/be-sent.raw >/dev/null 2>&1 && exact=yes
			out="${out% exact=*} exact=$exact"
			;;
		cap) sleep 1 ;;
		esac
		if [ "$kind" = wake ]; then
			be=""
		elif [ "$BACKEND" = sndbe ]; then
			be=$(bench_be_sndbe "$from" "$kind")
		else
			be="$(bench_be_test "$from" "$stream") be_underruns=-"
		fi
		echo "E2E-BENCH $item rep=$rep secs=$BENCH_SECS $out $be"
		out_of_time && break
	done
	BENCH_STATUS=ok
	[ "$OUT_OF_TIME" = 1 ] && BENCH_STATUS="out of time"
	return 0
}

# The test backend's capture source: known octets, which the guest makes
# too (from the same seed) to check recordings that start anywhere in it.
CAPTURE_SEED=79
CAPTURE_OCTETS=16777216
"$SLICE" -G "$CAPTURE_SEED" "$CAPTURE_OCTETS" >"$CAPTURE"
modprobe snd-aloop 2>/dev/null || [ "$SNDBE" != 1 ] || say "snd-aloop did not load"

# The host (run.sh) follows this boot on the serial console and keeps
# every item's budget by its own clock: each item is framed by
#   E2E-BEGIN <item> <budget>  and  E2E-END <item> <result>
# where the result is the verdict line of a scenario, "W Q" (or "-") for a
# benchmark and "done" for the demo.  The host may kill this boot at any
# time and boot again with the items that have no result yet.
begin_item() { echo "E2E-BEGIN $1 $2"; }
end_item() { echo "E2E-END $1 $2"; }

MAIN_MODE=$MODE
for item in $ITEMS; do
	case $item in
	main:*)
		n=${item#main:}
		MODE=$MAIN_MODE
		begin_item "$item" "${E2E_BUDGET[$n]:-120}"
		run_one "$n"
		report
		end_item "$item" "$VERDICT"
		;;
	cmp:*)
		# The distribution's in-tree driver against the same backends:
		# it informs, it never fails the run.
		n=${item#cmp:}
		MODE=in-tree
		begin_item "$item" "${E2E_BUDGET[$n]:-120}"
		run_one "$n"
		echo "in-tree: $VERDICT"
		end_item "$item" "$VERDICT"
		;;
	row:*)
		begin_item "$item" "$BENCH_BUDGET"
		DEADLINE=$(($(date +%s) + BENCH_BUDGET))
		OUT_OF_TIME=0
		# shellcheck disable=SC2046 # the item's four fields
		bench_row $(echo "${item#row:}" | tr ':' ' ')
		DEADLINE=0
		end_item "$item" "$BENCH_STATUS"
		;;
	demo)
		begin_item demo 180
		say "demo: playing /e2e/demo.wav"
		MODE=${DEMO_MODE:-$MAIN_MODE}
		use_backend test
		ensure_guest && {
			clear_raw 0 0
			gcmd 120 'aplay -D hw:0,0 /e2e/demo.wav' || say "demo aplay failed: $GOUT"
			cp "$(raw_file 0 0)" "$OUT/demo-received.raw" 2>/dev/null
			grep '^OPEN stream=0/0/0' "$BLOG" | tail -n 1 >"$OUT/demo-open.txt"
		}
		end_item demo "done"
		;;
	*) say "unknown item $item" ;;
	esac
done
MODE=$MAIN_MODE

echo "$NPASS passed, $NFAIL failed, $NSKIP skipped" | tee -a "$OUT/results.txt"
mkdir -p "$OUT/raw" && find "$RAW" -name '*.raw' -size -64M -exec cp {} "$OUT/raw/" \;
gcmd 10 'cat /tmp/kmsg.all; dmesg' >/dev/null 2>&1
stop_guest
stop_fault_backend
stop_test_backend
stop_sndbe
