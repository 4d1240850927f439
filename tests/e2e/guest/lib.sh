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
