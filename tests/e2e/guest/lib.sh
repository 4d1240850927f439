# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=sh
# Helpers available to the commands dom0 sends to the test guest.

# Module to use: /e2e/snd_xen_front.ko (our build) when present, else the
# distribution's in-tree module. /e2e/module-mode may force "in-tree".
mod_mode() {
	if [ -f /tmp/module-mode ]; then cat /tmp/module-mode
	elif [ -f /e2e/snd_xen_front.ko ]; then echo ours
	else echo in-tree; fi
}

loadmod() {
	modprobe snd-pcm || return 1
	modprobe xen-front-pgdir-shbuf 2>/dev/null
	if [ "$(mod_mode)" = ours ]; then
		insmod /e2e/snd_xen_front.ko "$@"
	else
		modprobe snd_xen_front "$@"
	fi
}

# xenbus holds a reference on a frontend module while one of its devices is
# bound: unbind the vsnd devices first, then remove the module.
unloadmod() {
	for d in /sys/bus/xen/drivers/*; do
		[ "$(basename "$(readlink "$d/module" 2>/dev/null)")" = snd_xen_front ] || continue
		for dev in "$d"/vsnd-*; do
			[ -e "$dev" ] && basename "$dev" >"$d/unbind"
		done
	done
	rmmod snd_xen_front
}

# wait_card [SECONDS]: wait until a sound card exists with a PCM device
wait_card() {
	n=$(( ${1:-30} * 10 ))
	while [ "$n" -gt 0 ]; do
		if [ -e /dev/snd/pcmC0D0p ] && grep -q '^ *0 ' /proc/asound/cards 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	echo "no sound card after ${1:-30}s"
	cat /proc/asound/cards 2>&1
	return 1
}

# wait_nocard [SECONDS]
wait_nocard() {
	n=$(( ${1:-30} * 10 ))
	while [ "$n" -gt 0 ]; do
		[ -e /dev/snd/pcmC0D0p ] || return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "sound card still present after ${1:-30}s"
	return 1
}

# gen FILE BYTES: random test data
gen() {
	head -c "$2" /dev/urandom >"$1"
}

# sha FILE: sha256 of a file
sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# kcheck: look for kernel problems in the log lines printed since the last
# call; print them and fail if there are any.
KPAT='BUG:|WARNING:|Oops|general protection|refcount_t|underflow|use-after-free|double free|KASAN|UBSAN|KFENCE|kfence|lockdep|circular locking|possible recursive|list_add corruption|list_del corruption|INFO: task .* blocked|soft lockup|hard LOCKUP|Kernel panic|stack-protector|sleeping function called'
kcheck() {
	dmesg -c >/tmp/kmsg.new 2>/dev/null || dmesg >/tmp/kmsg.new
	cat /tmp/kmsg.new >>/tmp/kmsg.all
	if grep -E "$KPAT" /tmp/kmsg.new >/tmp/kmsg.bad; then
		head -n 5 /tmp/kmsg.bad
		return 1
	fi
	return 0
}

# bgrun NAME CMD...: run a command in the background; bgwait NAME SECONDS
bgrun() {
	name=$1
	shift
	rm -f "/tmp/bg.$name.rc"
	( "$@" >"/tmp/bg.$name.out" 2>&1; echo $? >"/tmp/bg.$name.rc" ) &
	echo $! >"/tmp/bg.$name.pid"
}

bgwait() {
	n=$(( $2 * 10 ))
	while [ "$n" -gt 0 ]; do
		if [ -f "/tmp/bg.$1.rc" ]; then
			cat "/tmp/bg.$1.out"
			return "$(cat "/tmp/bg.$1.rc")"
		fi
		sleep 0.1
		n=$((n - 1))
	done
	echo "still running after $2 s"
	cat "/tmp/bg.$1.out"
	return 124
}

# first_nonzero FILE: 1-based offset of the first non-zero byte
first_nonzero() {
	cmp -l "$1" /dev/zero 2>/dev/null | head -n 1 | awk '{ print $1 }' | grep .
}

# snd_users: processes that have a sound device open
# shellcheck disable=SC2010 # fd links in /proc are plain numbers
snd_users() {
	for p in /proc/[0-9]*; do
		if ls -l "$p/fd" 2>/dev/null | grep -q /dev/snd; then
			echo "pid ${p#/proc/} $(cat "$p/comm" 2>/dev/null) has $(ls -l "$p/fd" 2>/dev/null | grep -o '/dev/snd/[a-zA-Z0-9]*' | tr '\n' ' ')"
		fi
	done
}

# ---------------------------------------------------------------- fault scenarios
# The fault card (ALSA id XenSndF) is served by a backend that dom0
# restarts with the faults of each case; its PCM 0 playback stream is the
# faulty one.  Plays use whole periods of whole buffers, so that aplay
# pads nothing and the backend receives exactly the file.
FAULT_PCM=hw:CARD=XenSndF,DEV=0
FPLAY="-t raw -f S16_LE -r 48000 -c 2 --period-size=4000 --buffer-size=16000"

# fault_data: the test data (dom0 makes the same octets from the same seeds)
fault_data() {
	/e2e/xsf-slice -G 501 192000 >/tmp/steady.raw &&
		/e2e/xsf-slice -G 502 192000 >/tmp/f1.raw &&
		/e2e/xsf-slice -G 503 576000 >/tmp/f3.raw
}

# play DEVICE FILE
# shellcheck disable=SC2086 # FPLAY is a list of options
play() { aplay -q -D "$1" $FPLAY "$2"; }

# card_ready ID [SECONDS]: wait until the card with this ALSA id has PCM 0
card_ready() {
	n=$(( ${2:-30} * 10 ))
	while [ "$n" -gt 0 ]; do
		[ -e "/proc/asound/$1/pcm0p" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "no card $1 after ${2:-30}s"
	cat /proc/asound/cards 2>&1
	return 1
}

# steady_loop DEVICE: play /tmp/steady.raw on DEVICE again and again until
# /tmp/steady.stop exists; prints how many plays ended well
steady_loop() {
	n=0
	while [ ! -e /tmp/steady.stop ]; do
		play "$1" /tmp/steady.raw || { echo "play $((n + 1)) failed"; echo "plays $n"; return 1; }
		n=$((n + 1))
	done
	echo "plays $n"
}

# fault_play STEADY_DEVICE SECONDS COMMAND: run COMMAND (a shell command)
# for at most SECONDS while STEADY_DEVICE plays in a loop; prints
# "fault rc=N after S s: ..." (124: still running) and "steady rc=N ...
# plays K"
fault_play() {
	rm -f /tmp/steady.stop
	bgrun steady steady_loop "$1"
	sleep 0.5
	t0=$(date +%s)
	bgrun fault eval "$3"
	bgwait fault "$2" >/tmp/fault.out 2>&1
	rc=$?
	# Out of time: end it, so that it holds no device in the next case.
	[ "$rc" = 124 ] && kill_tree "$(cat /tmp/bg.fault.pid)"
	echo "fault rc=$rc after $(( $(date +%s) - t0 )) s: $(tail -n 12 /tmp/fault.out | tr '\n' ' ')"
	touch /tmp/steady.stop
	bgwait steady 60 >/tmp/steady.out 2>&1
	echo "steady rc=$? $(tail -n 2 /tmp/steady.out | tr '\n' ' ')"
}

# kill_tree PID: kill PID and every process below it
kill_tree() {
	grep -l "^[0-9]* ([^)]*) [A-Za-z] $1 " /proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3 |
		while read -r child; do kill_tree "$child"; done
	kill -KILL "$1" 2>/dev/null
}

# fault_numid NAME: numid of the fault card's control NAME of PCM device 0
fault_numid() {
	amixer -c XenSndF controls | grep "name='$1'" | grep -v ',device=' |
		sed -n 's/^numid=\([0-9]*\),.*/\1/p' | grep .
}

# fault_mixer: hold the faulty stream open (aplay waiting for data from a
# FIFO) and set its volume, mute and unmute it; prints each status
# shellcheck disable=SC2086 # FPLAY is a list of options
fault_mixer() {
	rm -f /tmp/fm.fifo
	mkfifo /tmp/fm.fifo || return 1
	aplay -q -D "$FAULT_PCM" $FPLAY /tmp/fm.fifo &
	ap=$!
	exec 3>/tmp/fm.fifo
	n=100
	until vol=$(fault_numid 'PCM Playback Volume') && sw=$(fault_numid 'PCM Playback Switch'); do
		n=$((n - 1))
		if [ "$n" -le 0 ]; then
			echo "no mixer controls for PCM 0"
			exec 3>&-
			wait "$ap"
			return 1
		fi
		sleep 0.1
	done
	amixer -q -c XenSndF cset numid="$vol" 10,10
	echo "volume: rc $?"
	amixer -q -c XenSndF cset numid="$sw" off,off
	echo "mute: rc $?"
	amixer -q -c XenSndF cset numid="$sw" on,on
	echo "unmute: rc $?"
	exec 3>&-
	wait "$ap"
	echo "aplay: rc $?"
}

# play_and_record: play /tmp/f1.raw on the fault card's PCM 0 while
# recording 1 s from it.  arecord recovers from every overrun and tries
# again, as long as it has not recorded its second: after 8 s it is
# interrupted (it must then end, whatever the driver went through).
# shellcheck disable=SC2086 # FPLAY is a list of options
play_and_record() {
	timeout -s INT 8 arecord -q -D "$FAULT_PCM" $FPLAY -d 1 /tmp/fc.raw &
	rec=$!
	play "$FAULT_PCM" /tmp/f1.raw
	p=$?
	wait "$rec"
	r=$?
	echo "aplay: rc $p, arecord: rc $r"
	[ "$p" = 0 ] && [ "$r" = 0 ]
}

# rebind_while_playing DEV: play on the fault card, then unbind the vsnd
# device DEV from the driver and bind it again (the guest closes the
# device under the player)
rebind_while_playing() {
	bgrun rb play "$FAULT_PCM" /tmp/f3.raw
	sleep 1
	for d in /sys/bus/xen/drivers/*; do
		[ -e "$d/$1" ] || continue
		echo "$1" >"$d/unbind" || return 1
		echo "$1" >"$d/bind" || return 1
		bgwait rb 30
		echo "aplay: rc $?"
		return 0
	done
	echo "$1 is not bound to a driver"
	return 1
}

# kcheck_allow ERE: kcheck, and also every message of the driver at
# warning level or above (0-4) since the last check must match ERE (empty:
# none may appear); the others are printed and make it fail
kcheck_allow() {
	dmesg -r -c >/tmp/kmsg.raw 2>/dev/null || dmesg -r >/tmp/kmsg.raw
	sed 's/^<[0-9]*>//' /tmp/kmsg.raw >/tmp/kmsg.new
	cat /tmp/kmsg.new >>/tmp/kmsg.all
	rc=0
	if grep -E "$KPAT" /tmp/kmsg.new >/tmp/kmsg.bad; then
		head -n 5 /tmp/kmsg.bad
		rc=1
	fi
	grep -E '^<[0-4]>' /tmp/kmsg.raw | grep -E 'vsnd|snd_xen_front' >/tmp/kmsg.drv
	if [ -n "$1" ]; then
		grep -Ev -e "$1" /tmp/kmsg.drv >/tmp/kmsg.odd
	else
		cp /tmp/kmsg.drv /tmp/kmsg.odd
	fi
	if [ -s /tmp/kmsg.odd ]; then
		echo "unexpected driver messages:"
		head -n 5 /tmp/kmsg.odd
		rc=1
	else
		echo "$(grep -c . /tmp/kmsg.drv) driver warnings, all expected"
	fi
	return "$rc"
}
