#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Runs in the test dom0: starts the sndif test backend and the guest, then
# the scenarios. Prints one "PASS <n> <name>" or "FAIL <n> <name>: <why>"
# line per scenario and a final "N passed, M failed" line.
# Configuration: /e2e/run.conf (SCENARIOS, MODE=ours|in-tree, DEMO).
set -u

# shellcheck source=/dev/null
. /e2e/run.conf
SCENARIOS=${SCENARIOS-1 2 3 4 5 6 7 8 9 10 11}
MODE=${MODE:-in-tree}
DEMO=${DEMO:-0}

OUT=/out
RAW=/run/xsf-raw
BLOG=$OUT/backend.log
CAPTURE=/run/capture.bin
GUEST=xsf-guest
BE=/e2e/xsf-test-backend
BE_ARGS=(--outdir "$RAW" --log "$BLOG" --capture "$CAPTURE" --loopback-pcm 1)
# shellcheck disable=SC2206 # extra options are split on purpose
BE_ARGS+=(${BACKEND_EXTRA:-})
mkdir -p "$RAW" "$OUT"
: >"$OUT/results.txt"
: >"$OUT/commands.log"

VCARD='card, backend=0, short-name=XenSnd, long-name=Xen PV test card, sample-rates=8000;16000;44100;48000, sample-formats=s16_le;s32_le;u8'
VPCM0='pcm, name=xsf-pcm0'
VST00='stream, unique-id=pb0, type=p'
VST01='stream, unique-id=cap0, type=c'
VPCM1='pcm, name=xsf-pcm1'
VST10='stream, unique-id=pb1, type=p'
VST11='stream, unique-id=cap1, type=c'
VSND=("$VCARD" "$VPCM0" "$VST00" "$VST01" "$VPCM1" "$VST10" "$VST11")

say() { echo "[dom0 $(cut -d' ' -f1 /proc/uptime)] $*"; }

# ---------------------------------------------------------------- backend
BE_PID=""
# start_backend [EXTRA BACKEND OPTIONS]
# shellcheck disable=SC2120 # the options are for manual fault injection runs
start_backend() {
	"$BE" "${BE_ARGS[@]}" "$@" &
	BE_PID=$!
	sleep 0.3
	kill -0 "$BE_PID" 2>/dev/null || { say "backend failed to start"; return 1; }
}

stop_backend() { # [SIGNAL]
	[ -n "$BE_PID" ] || return 0
	kill "-${1:-TERM}" "$BE_PID" 2>/dev/null
	wait "$BE_PID" 2>/dev/null
	BE_PID=""
}

# ---------------------------------------------------------------- guest
DOMID=""
GHOME=""
SEQ=0
GOUT=""

guest_cfg() {
	local i
	{
		echo "name = \"$GUEST\""
		echo 'type = "pv"'
		echo 'kernel = "/e2e/vmlinuz"'
		echo 'ramdisk = "/e2e/guest-initrd.gz"'
		echo 'extra = "console=hvc0 loglevel=7 panic=-1"'
		echo 'memory = 256'
		echo 'vcpus = 2'
		echo 'on_crash = "preserve"'
		printf 'vsnd = [ [ '
		for i in "${!VSND[@]}"; do
			[ "$i" -gt 0 ] && printf ', '
			printf "'%s'" "${VSND[$i]}"
		done
		printf ' ] ]\n'
	} >/run/$GUEST.cfg
}

start_guest() {
	local n
	guest_cfg
	say "creating guest"
	if ! timeout 180 xl create /run/$GUEST.cfg >"$OUT/xl-create.log" 2>&1; then
		say "xl create failed: $(tail -n 5 "$OUT/xl-create.log")"
		return 1
	fi
	DOMID=$(xl domid $GUEST)
	GHOME=/local/domain/$DOMID
	n=0
	until [ "$(xenstore-read "$GHOME/data/e2e/ready" 2>/dev/null)" = 1 ]; do
		n=$((n + 1))
		if [ $n -gt 900 ]; then
			say "guest runner did not start"
			return 1
		fi
		sleep 0.1
	done
	say "guest $DOMID ready"
	echo "E2E-STAGE guest-ready $(cut -d' ' -f1 /proc/uptime)"
	gcmd 10 "echo $MODE >/tmp/module-mode"
}

stop_guest() {
	[ -n "$DOMID" ] || return 0
	timeout 60 xl destroy "$GUEST" >/dev/null 2>&1
	DOMID=""
}

# gcmd TIMEOUT COMMAND: run COMMAND in the guest; output in $GOUT
gcmd() {
	local t=$1 rc end
	shift
	SEQ=$((SEQ + 1))
	xenstore-write -R "$GHOME/data/e2e/cmd" "$*"
	xenstore-write "$GHOME/data/e2e/req" "$SEQ"
	end=$(($(date +%s) + t))
	until [ "$(xenstore-read "$GHOME/data/e2e/done" 2>/dev/null)" = "$SEQ" ]; do
		if [ "$(date +%s)" -ge "$end" ]; then
			GOUT="(no answer within ${t}s)"
			printf '[%s timeout] %s\n' "$SEQ" "$*" >>"$OUT/commands.log"
			return 124
		fi
		sleep 0.1
	done
	rc=$(xenstore-read "$GHOME/data/e2e/rc")
	GOUT=$(xenstore-read -R "$GHOME/data/e2e/out")
	printf '[%s rc=%s] %s\n%s\n' "$SEQ" "$rc" "$*" "$GOUT" >>"$OUT/commands.log"
	return "$rc"
}

guest_alive() {
	[ -n "$DOMID" ] && xl list "$GUEST" >/dev/null 2>&1 && gcmd 15 true
}

# make sure there is a guest with a loaded driver and a card; a guest whose
# card does not come back is replaced by a new one
ensure_guest() {
	local try
	for try in 1 2; do
		if ! guest_alive; then
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

# raw_file PCM STREAM: the backend's output file of the guest's stream
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

# ---------------------------------------------------------------- scenarios
s1() {
	gcmd 20 'cat /proc/asound/cards; aplay -l; arecord -l' || true
	local o=$GOUT
	printf '%s\n' "$o" | grep -q 'XenSnd' || fail "short-name XenSnd missing from /proc/asound/cards"
	printf '%s\n' "$o" | grep -q 'Xen PV test card' || fail "long-name 'Xen PV test card' missing"
	printf '%s\n' "$o" | grep -q 'device 0: .*xsf-pcm0' || fail "pcm name xsf-pcm0 missing in aplay -l"
	printf '%s\n' "$o" | grep -q 'device 1: .*xsf-pcm1' || fail "pcm name xsf-pcm1 missing in aplay -l"
	[ "$(printf '%s\n' "$o" | grep -c '^card 0: .*device [01]')" -ge 4 ] ||
		fail "expected 2 playback and 2 capture devices: $(printf '%s' "$o" | tr '\n' ' ')"
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
	local f
	play_check 0 S16_LE 48000 2 576000 000 /e2e/xsf-pcm-play -p 192000:1000 || return
	grep -q "TRIGGER stream=0/0/0 dom=$DOMID type=PAUSE" "$BLOG" || fail "backend saw no TRIGGER PAUSE"
	grep -q "TRIGGER stream=0/0/0 dom=$DOMID type=RESUME" "$BLOG" || fail "backend saw no TRIGGER RESUME"
	f=$(raw_file 0 0)
	: "$f"
}

s6() {
	local mark
	mark=$(wc -l <"$BLOG")
	if ! gcmd 20 'amixer -c 0 scontrols'; then
		fail "amixer failed: $GOUT"
		return
	fi
	if ! printf '%s\n' "$GOUT" | grep -q "Simple mixer control"; then
		fail "the card has no mixer controls"
		return
	fi
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
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

s8() {
	local t0 t1 rc
	gcmd 30 'gen /tmp/p8.raw 1920000 && bgrun play aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/p8.raw' ||
		{ fail "could not start aplay: $GOUT"; return; }
	sleep 3
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
	start_backend || { fail "backend restart failed"; return; }
	wait_be_state 4 60 || { fail "frontend did not reconnect to the restarted backend"; return; }
	gcmd 60 'wait_card 45' || { fail "card did not come back: $GOUT"; return; }
	play_check 0 S16_LE 48000 2 192000 000
}

attach() {
	timeout 60 xl vsnd-attach "$GUEST" "${VSND[@]}" >>"$OUT/xl-vsnd.log" 2>&1
}

detach() {
	local id
	id=$(xenstore-list "/local/domain/0/backend/vsnd/$DOMID" 2>/dev/null | head -n 1)
	[ -n "$id" ] || return 1
	timeout 60 xl vsnd-detach "$GUEST" "$id" >>"$OUT/xl-vsnd.log" 2>&1
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
	sleep 3
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
	gcmd 420 'i=0; while [ $i -lt 20 ]; do i=$((i + 1));
		unloadmod || { echo "rmmod $i failed"; lsmod | grep snd; snd_users; exit 1; };
		loadmod || { echo "load $i failed"; exit 1; };
		wait_card 45 || { echo "no card after load $i"; exit 1; }; done; echo "20 reloads done"' ||
		{ fail "$(printf '%s' "$GOUT" | tail -n 6 | tr '\n' ' ')"; return; }
	play_check 0 S16_LE 48000 2 192000 000
}

NAMES=([1]=card-and-devices [2]=playback-bit-exact [3]=capture-bit-exact
	[4]=mmap-playback [5]=pause-resume [6]=mixer-volume-mute [7]=loopback
	[8]=backend-killed-and-restarted [9]=vsnd-detach-attach
	[10]=module-reload-20x [11]=in-tree-driver)
NPASS=0
NFAIL=0

# run_one N [LABEL]: run scenario N, print its verdict
run_one() {
	local n=$1 start
	FAILMSG=""
	start=$(date +%s)
	say "scenario $n ${NAMES[$n]} ($MODE)"
	if ! kill -0 "$BE_PID" 2>/dev/null; then
		start_backend || true
	fi
	if ensure_guest; then
		gcmd 10 kcheck >/dev/null || true # start from a clean log
		"s$n"
		if guest_alive; then
			gcmd 10 kcheck || fail "guest kernel log: $(printf '%s' "$GOUT" | head -n 2 | tr '\n' ' ')"
		else
			fail "guest died or stopped answering; last console lines: $(tail -n 3 "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null | tr '\n' ' ')"
		fi
	else
		fail "guest/driver setup failed: $(printf '%s' "$GOUT" | tail -n 2 | tr '\n' ' ')"
	fi
	say "scenario $n took $(($(date +%s) - start)) s"
	if [ -z "$FAILMSG" ]; then
		VERDICT="PASS $n ${NAMES[$n]}"
	else
		VERDICT="FAIL $n ${NAMES[$n]}: $FAILMSG"
		echo "--- last guest console lines (scenario $n) ---"
		tail -n 25 "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null | grep -v '^\[runner\]' | cut -c1-200
		echo "--- last backend log lines ---"
		grep -v HW_PARAM_QUERY "$BLOG" | tail -n 8 | cut -c1-200
		echo "---"
	fi
}

# bench: play 2 s of S16_LE 48 kHz stereo with aplay, as an application
# would, and count what reached the backend: WRITE requests (from the
# CLOSE line's counter) and HW_PARAM_QUERY requests.  Prints
# "WRITES QUERIES" or nothing when the run failed.
bench() {
	local before after writes queries
	before=$(wc -l <"$BLOG")
	clear_raw 0 0
	gcmd 90 "gen /tmp/b.raw 384000 && aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/b.raw" ||
		return 0
	sleep 1
	after=$(tail -n +"$((before + 1))" "$BLOG")
	writes=$(printf '%s\n' "$after" | grep '^CLOSE stream=0/0/0 ' | grep -v ' written=0 ' |
		tail -n 1 | sed -n 's/.* writes=\([0-9]*\).*/\1/p')
	queries=$(printf '%s\n' "$after" | grep -c '^HW_PARAM_QUERY stream=0/0/0 ')
	[ -n "$writes" ] && echo "$writes $queries"
}

# ratio A B: B/A with one decimal, for the benchmark table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "-" }'; }

report() {
	echo "$VERDICT" | tee -a "$OUT/results.txt"
	case $VERDICT in PASS*) NPASS=$((NPASS + 1)) ;; *) NFAIL=$((NFAIL + 1)) ;; esac
}

head -c 4194304 /dev/urandom >"$CAPTURE"
start_backend || echo "E2E-ERROR backend did not start"
start_guest || echo "E2E-ERROR guest did not start"

declare -A TABLE=()
for n in $SCENARIOS; do
	if [ "$n" = 11 ]; then
		continue
	fi
	run_one "$n"
	report
	[ "$MODE" = in-tree ] && TABLE[$n]=$VERDICT
done

case " $SCENARIOS " in *" 11 "*)
	# scenario 11: the distribution's in-tree driver with the same backend
	BENCH_OURS=""
	[ "$MODE" = ours ] && ensure_guest && BENCH_OURS=$(bench)
	if [ "$MODE" != in-tree ]; then
		say "switching to a fresh guest with the in-tree snd_xen_front"
		MODE=in-tree
		stop_guest
		stop_backend
		start_backend || true
		for n in 1 2 3 4 5 6 7 8 9 10; do
			case " ${IN_TREE_TABLE:-1 2 3 4 5 6 7 8 9 10} " in *" $n "*) ;; *) continue ;; esac
			run_one "$n"
			TABLE[$n]=$VERDICT
			echo "in-tree: $VERDICT"
		done
	fi
	BENCH_IN_TREE=""
	ensure_guest && BENCH_IN_TREE=$(bench)
	v=${TABLE[2]:-}
	if [ -z "$v" ]; then
		run_one 2
		v=$VERDICT
		TABLE[2]=$v
	fi
	case $v in
	PASS*) VERDICT="PASS 11 ${NAMES[11]}" ;;
	*) VERDICT="FAIL 11 ${NAMES[11]}: scenario 2 with the in-tree driver: ${v#*: }" ;;
	esac
	report
	{
		echo "In-tree snd_xen_front (distribution kernel) against the same backend:"
		for n in 1 2 3 4 5 6 7 8 9 10; do
			[ -n "${TABLE[$n]:-}" ] || continue
			printf '  %-2s %-30s %s\n' "$n" "${NAMES[$n]}" "${TABLE[$n]%%: *}" | sed 's/ PASS [0-9]* [^ ]*$/ pass/; s/ FAIL [0-9]* [^ ]*$/ FAIL/'
		done
		for n in 1 2 3 4 5 6 7 8 9 10; do
			case ${TABLE[$n]:-} in FAIL*) echo "     $n: ${TABLE[$n]#*: }" ;; esac
		done
		if [ -n "$BENCH_OURS" ] && [ -n "$BENCH_IN_TREE" ]; then
			set -- $BENCH_OURS $BENCH_IN_TREE
			echo "Backend requests to play 2 s with aplay (same boot, same backend):"
			printf '  %-16s %6s %8s %s\n' "" ours in-tree "in-tree/ours"
			printf '  %-16s %6s %8s %s\n' WRITE "$1" "$3" "$(ratio "$1" "$3")"
			printf '  %-16s %6s %8s %s\n' HW_PARAM_QUERY "$2" "$4" "$(ratio "$2" "$4")"
		fi
	} | tee "$OUT/in-tree-table.txt"
	;;
esac

if [ "$DEMO" = 1 ]; then
	say "demo: playing /e2e/demo.wav"
	ensure_guest && {
		clear_raw 0 0
		gcmd 120 'aplay -D hw:0,0 /e2e/demo.wav' || say "demo aplay failed: $GOUT"
		cp "$(raw_file 0 0)" "$OUT/demo-received.raw" 2>/dev/null
		grep '^OPEN stream=0/0/0' "$BLOG" | tail -n 1 >"$OUT/demo-open.txt"
	}
fi

echo "$NPASS passed, $NFAIL failed" | tee -a "$OUT/results.txt"
mkdir -p "$OUT/raw" && find "$RAW" -name '*.raw' -size -64M -exec cp {} "$OUT/raw/" \;
gcmd 10 'cat /tmp/kmsg.all; dmesg' >/dev/null 2>&1
stop_guest
stop_backend
