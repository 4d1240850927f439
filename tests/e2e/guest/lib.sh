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

# ---------------------------------------------------------------- sound servers
# The sound server scenarios (guest initramfs with guest-servers.cpio.gz):
# PipeWire with WirePlumber, or PulseAudio, owns card 0 as on a desktop,
# with a D-Bus session bus, and runs as root with its state under
# /tmp/srv.  Every command sets the same environment (srv_env), so a
# server started by one runner command is found by the next.  The servers
# are set to pass samples unchanged: the graph at 48 kHz, the card's
# volume at 100 %, one stream at its own rate and format.
SRV=/tmp/srv

srv_env() {
	export HOME=$SRV XDG_RUNTIME_DIR=$SRV/run
	export DBUS_SESSION_BUS_ADDRESS=unix:path=$SRV/run/bus
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
	# a user name and a machine id, which both servers ask for
	[ -f /etc/passwd ] || echo "root:x:0:0:root:$SRV:/bin/sh" >/etc/passwd
	[ -f /etc/group ] || printf 'root:x:0:\naudio:x:29:\n' >/etc/group
	[ -s /etc/machine-id ] || tr -d '-' </proc/sys/kernel/random/uuid >/etc/machine-id
}

# srv_wait SECONDS COMMAND...: wait until COMMAND succeeds
srv_wait() {
	n=$(( $1 * 5 ))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

srv_bus() {
	srv_env
	[ -S "$SRV/run/bus" ] && return 0
	dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --fork \
		--nopidfile >"$SRV/dbus.log" 2>&1 || { cat "$SRV/dbus.log"; return 1; }
	srv_wait 10 test -S "$SRV/run/bus"
}

# srv_udev: udev, which announces the card (WirePlumber takes only cards
# udev has set up) and then follows hot-plugged ones
srv_udev() {
	pidof systemd-udevd >/dev/null && return 0
	/usr/lib/systemd/systemd-udevd --daemon >"$SRV/udev.log" 2>&1 || { cat "$SRV/udev.log"; return 1; }
	if ! udevadm trigger --action=add --subsystem-match=sound ||
		! udevadm settle --timeout=30; then
		echo "udev did not settle"
		return 1
	fi
	udevadm info /sys/class/sound/card0 | grep -q SOUND_INITIALIZED ||
		{ echo "udev did not set up card 0"; udevadm info /sys/class/sound/card0; return 1; }
}

# pw_sink: WirePlumber's default sink is a node of card 0
pw_sink() { wpctl inspect @DEFAULT_AUDIO_SINK@ 2>/dev/null | grep -q -E 'alsa[a-z.]*card = "0"'; }
pw_source() { wpctl inspect @DEFAULT_AUDIO_SOURCE@ 2>/dev/null | grep -q -E 'alsa[a-z.]*card = "0"'; }

# pw_start [QUANTUM]: PipeWire and WirePlumber, the graph at 48 kHz; with
# QUANTUM, every cycle of the graph is that many frames, and the card's
# nodes get WirePlumber's settings for a virtual machine (period 256,
# headroom 8192 frames) from the file this project ships for users
# (scripts/wireplumber/51-xen-snd-front.lua, which matches the in-tree
# driver's card too: PipeWire names the card's module).  WirePlumber 0.4
# applies those by itself only where it finds a virtual machine, from
# DMI, which a Xen PV guest has none of: there it keeps bare-metal
# settings, and PipeWire keeps about 10 ms of data in the card at a
# 256-frame quantum (headroom: one 240-frame period), less than an
# emulated guest's threads are late at times.
pw_start() {
	srv_bus && srv_udev || return 1
	mkdir -p "$SRV/.config/pipewire/pipewire.conf.d" "$SRV/.config/wireplumber/main.lua.d"
	{
		echo 'context.properties = {'
		echo '    default.clock.rate = 48000'
		echo '    default.clock.allowed-rates = [ 48000 ]'
		if [ -n "${1:-}" ]; then
			echo "    default.clock.quantum = $1"
			echo "    default.clock.min-quantum = $1"
			echo "    default.clock.max-quantum = $1"
		fi
		echo '}'
	} >"$SRV/.config/pipewire/pipewire.conf.d/xsf.conf"
	# the card's nodes in the stream's format (PipeWire would take the
	# card's widest, S32_LE); a new card's volume: 100 % instead of
	# WirePlumber's 6.4 %; no camera or Bluetooth monitors (the latter
	# needs systemd-logind, and WirePlumber quits without it)
	local vmconf="$SRV/.config/wireplumber/main.lua.d/51-xen-snd-front.lua"
	rm -f "$vmconf"
	if [ -n "${1:-}" ]; then
		cp /e2e/51-xen-snd-front.lua "$vmconf" || return 1
	fi
	cat >"$SRV/.config/wireplumber/main.lua.d/51-xsf.lua" <<-EOF
		table.insert(alsa_monitor.rules, {
		  matches = { { { "node.name", "matches", "alsa_output.*" } },
		              { { "node.name", "matches", "alsa_input.*" } } },
		  apply_properties = { ["audio.format"] = "S16LE", ["audio.rate"] = 48000 },
		})
		device_defaults.properties["default-volume"] = 1.0
		v4l2_monitor.enabled = false
		libcamera_monitor.enabled = false
	EOF
	mkdir -p "$SRV/.config/wireplumber/bluetooth.lua.d"
	echo 'bluez_monitor.enabled = false' >"$SRV/.config/wireplumber/bluetooth.lua.d/51-xsf.lua"
	# info: how it set up the card, and its xruns
	PIPEWIRE_DEBUG=3 pipewire >"$SRV/pipewire.log" 2>&1 &
	srv_wait 20 test -S "$SRV/run/pipewire-0" || { echo "pipewire did not start"; tail -n 20 "$SRV/pipewire.log"; return 1; }
	wireplumber >"$SRV/wireplumber.log" 2>&1 &
	if ! srv_wait 40 pw_sink || ! srv_wait 10 pw_source; then
		echo "no sink and source of card 0 after 50 s"
		wpctl status 2>&1 | head -n 40
		tail -n 20 "$SRV/pipewire.log" "$SRV/wireplumber.log"
		return 1
	fi
	if [ -n "${1:-}" ] && ! wpctl inspect @DEFAULT_AUDIO_SINK@ | grep -q -E 'api\.alsa\.headroom = "?8192'; then
		echo "the card's sink did not take 51-xen-snd-front.lua's settings:"
		wpctl inspect @DEFAULT_AUDIO_SINK@ | grep -E 'alsa\.driver_name|api\.alsa\.(headroom|period)'
		return 1
	fi
	wpctl set-volume @DEFAULT_AUDIO_SINK@ 1.0 && wpctl set-mute @DEFAULT_AUDIO_SINK@ 0 &&
		wpctl set-volume @DEFAULT_AUDIO_SOURCE@ 1.0 && wpctl set-mute @DEFAULT_AUDIO_SOURCE@ 0 || return 1
	wpctl get-volume @DEFAULT_AUDIO_SINK@
}

# pa_start: PulseAudio with card 0's PCM 0 as its sink and source
# (module-alsa-sink and -source on hw:0,0), at 48 kHz S16_LE stereo
pa_start() {
	srv_env
	mkdir -p "$SRV/.config/pulse"
	printf '%s\n' 'default-sample-rate = 48000' 'alternate-sample-rate = 48000' \
		'default-sample-format = s16le' 'avoid-resampling = yes' \
		>"$SRV/.config/pulse/daemon.conf"
	pulseaudio -n --daemonize=no --exit-idle-time=-1 --use-pid-file=no \
		--log-target=file:"$SRV/pulse.log" --log-level=debug \
		-L 'module-alsa-sink device=hw:0,0 sink_name=xsf rate=48000 format=s16le channels=2' \
		-L 'module-alsa-source device=hw:0,0 source_name=xsf_in rate=48000 format=s16le channels=2' \
		-L module-native-protocol-unix >"$SRV/pulse.out" 2>&1 &
	if ! srv_wait 40 pactl info; then
		echo "pulseaudio did not start"
		tail -n 20 "$SRV/pulse.out" "$SRV/pulse.log"
		return 1
	fi
	if ! pactl list short sinks | grep -q xsf || ! pactl list short sources | grep -q xsf_in; then
		echo "no sink or source on hw:0,0"
		grep -E '^[EW]: ' "$SRV/pulse.log" | tail -n 8
		return 1
	fi
	pactl set-default-sink xsf && pactl set-default-source xsf_in &&
		pactl set-sink-volume xsf 100% && pactl set-sink-mute xsf 0 &&
		pactl set-source-volume xsf_in 100% && pactl set-source-mute xsf_in 0 || return 1
	pactl get-sink-volume xsf
}

# srv_start pipewire|pulseaudio [QUANTUM]
srv_start() {
	# the logs are checked per server run: none of an earlier one
	rm -f "$SRV"/pipewire.log "$SRV"/wireplumber.log "$SRV"/pulse.log
	case $1 in
	pipewire) pw_start "${2:-}" ;;
	pulseaudio) pa_start ;;
	*) echo "no server $1"; return 1 ;;
	esac
}

# srv_stop: both servers and the bus end; the card is free again
srv_stop() {
	killall -INT pw-play pw-record paplay parecord 2>/dev/null
	killall -TERM wireplumber pipewire pulseaudio dbus-daemon 2>/dev/null
	srv_wait 10 sh -c '! pidof pipewire wireplumber pulseaudio dbus-daemon'
	killall -KILL wireplumber pipewire pulseaudio dbus-daemon 2>/dev/null
	rm -rf "$SRV/run"
	return 0
}

# srv_player pipewire|pulseaudio: the server's playback client
srv_player() {
	case $1 in
	pipewire) echo pw-play ;;
	*) echo paplay ;;
	esac
}

# srv_play SERVER SEED OCTETS [SECOND_AT [LATENCY]]: play OCTETS of test
# data from SEED (48 kHz S16_LE stereo, a WAV file) through SERVER; with
# SECOND_AT, a second client joins that many seconds in and plays 4 s of
# digital silence (which leaves the sum of the two unchanged), with a
# short latency (LATENCY short, the default: 128 frames for PipeWire,
# which then runs its graph at that quantum unless one is forced, 5 ms
# for PulseAudio, which then rewinds) or the client's default one
# (LATENCY default)
srv_play() {
	srv_env
	player=$(srv_player "$1")
	{ /e2e/xsf-slice -H "$3" 48000 2 && /e2e/xsf-slice -G "$2" "$3"; } >/tmp/p.wav || return 1
	t0=$(date +%s)
	if [ -z "${4:-}" ]; then
		"$player" /tmp/p.wav || { echo "$player failed"; return 1; }
	else
		{ /e2e/xsf-slice -H 768000 48000 2 && head -c 768000 /dev/zero; } >/tmp/z.wav
		bgrun main "$player" /tmp/p.wav
		sleep "$4"
		case $1:${5:-short} in
		pipewire:short) pw-play --latency=128 /tmp/z.wav ;;
		pipewire:*) pw-play /tmp/z.wav ;;
		*:short) paplay --latency-msec=5 /tmp/z.wav ;;
		*) paplay /tmp/z.wav ;;
		esac || echo "the second client failed"
		bgwait main 120 || { echo "$player failed"; return 1; }
	fi
	echo "played in $(( $(date +%s) - t0 )) s"
}

# small_play PERIOD SEED OCTETS: aplay OCTETS of test data (S16_LE 48 kHz
# stereo) asking for PERIOD-frame periods and 4 of them per buffer; prints
# its exit status, the period and buffer the driver granted, and its xruns
small_play() {
	/e2e/xsf-slice -G "$2" "$3" >/tmp/p.raw || return 1
	aplay -v -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 --period-size="$1" \
		--buffer-size=$(($1 * 4)) /tmp/p.raw >/tmp/a.out 2>&1
	rc=$?
	echo "aplay rc $rc," \
		"period $(sed -n 's/^ *period_size *: *//p' /tmp/a.out | head -n 1)," \
		"buffer $(sed -n 's/^ *buffer_size *: *//p' /tmp/a.out | head -n 1)," \
		"xruns $(grep -c -i 'underrun' /tmp/a.out)"
	[ "$rc" = 0 ] || tail -n 2 /tmp/a.out
	return "$rc"
}

# poll_wakeups: ALSA's wake-up rule on both streams of hw:0,0, as a sound
# server's event loop relies on it (xsf-pcm-poll): read/write access with
# 1024-frame periods and the default stop, mmap with 256 and the stop at
# the boundary, 3 s each; prints each run's counts
poll_wakeups() {
	rc=0
	for stream in capture playback; do
		/e2e/xsf-pcm-poll -s "$stream" -P 1024 -n 3 || rc=1
		/e2e/xsf-pcm-poll -s "$stream" -P 256 -n 3 -m -b || rc=1
	done
	return "$rc"
}

# trace_begin: the driver's tracepoints on, from an empty trace buffer,
# through tracefs as perf or trace-cmd would; says why and fails if the
# kernel has no tracefs or the module no events
trace_begin() {
	t=/sys/kernel/tracing
	[ -e $t/trace ] || mount -t tracefs nodev $t 2>/dev/null || { echo "no tracefs"; return 1; }
	[ -d $t/events/snd_xen_front ] || { echo "no snd_xen_front events in $t/events"; return 1; }
	echo 0 >$t/tracing_on
	echo 4096 >$t/buffer_size_kb
	echo >$t/trace
	echo 1 >$t/events/snd_xen_front/enable
	echo 1 >$t/tracing_on
}

# trace_end: the tracepoints off; what they recorded in /tmp/trace.txt
trace_end() {
	t=/sys/kernel/tracing
	echo 0 >$t/tracing_on
	echo 0 >$t/events/snd_xen_front/enable
	grep -v '^#' $t/trace >/tmp/trace.txt
}

# trace_play OCTETS: play OCTETS of random data (S16_LE 48 kHz stereo)
# with the driver's tracepoints on, through tracefs as perf or trace-cmd
# would; prints one line of counts: requests and answers in all and of
# WRITE, CUR_POS events, xruns, and lines that do not name vsnd-0 stream 0
trace_play() {
	trace_begin || return 1
	gen /tmp/t.raw "$1" && aplay -q -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/t.raw
	rc=$?
	trace_end
	echo "aplay rc $rc;" \
		"requests $(grep -c ' xsf_request: ' /tmp/trace.txt)" \
		"answers $(grep -c ' xsf_response: ' /tmp/trace.txt)" \
		"writes $(grep -c ' xsf_request: .* WRITE ' /tmp/trace.txt)" \
		"written $(grep -c ' xsf_response: .* WRITE .* status 0$' /tmp/trace.txt)" \
		"positions $(grep -c ' xsf_event: .* CUR_POS ' /tmp/trace.txt)" \
		"xruns $(grep -c ' xsf_xrun: ' /tmp/trace.txt)" \
		"foreign $(grep ' xsf_' /tmp/trace.txt | grep -c -v ': vsnd-0 stream 0 ')"
	grep -m 3 ' xsf_request: ' /tmp/trace.txt | sed 's/^.* xsf_/xsf_/'
	return "$rc"
}

# srv_record SERVER SECONDS SOURCE_SEED SOURCE_OCTETS: record SECONDS
# through SERVER; the recording must be one unbroken piece of the source
# the backend plays (made here from the same seed)
srv_record() {
	srv_env
	/e2e/xsf-slice -G "$3" "$4" >/tmp/src.raw || return 1
	case $1 in
	pipewire) bgrun rec pw-record --rate=48000 --channels=2 --format=s16 /tmp/c.wav ;;
	*) bgrun rec parecord --rate=48000 --channels=2 --format=s16le --file-format=wav /tmp/c.wav ;;
	esac
	sleep "$2"
	killall -INT pw-record parecord 2>/dev/null
	bgwait rec 20
	echo "recorded $(wc -c </tmp/c.wav) octets"
	/e2e/xsf-slice -p /tmp/src.raw /tmp/c.wav
}

# What the servers log when the card misbehaves: PulseAudio's "bug in the
# ALSA driver" (woken up with nothing to write or read), its dropouts
# ("Underrun!", "Overrun!") and recoveries ("Buffer underrun", a failed
# snd_pcm_* call), PipeWire's xruns.  (A client's own underrun, "rewind
# due to end of underrun", is the client's business.)
SRV_BAD='bug in the alsa driver|underrun!|overrun!|buffer underrun|buffer overrun|snd_pcm_[a-z_]*\(\) (failed|returned)|xrun'

# One of PulseAudio's lines is not about the driver.  Its capture thread
# (alsa-source.c) passes on the revents of the last poll() it made; when
# pa_rtpoll_run() handles a message it returns before polling, so those
# revents are an earlier poll's.  After a POLLIN whose frames it read
# already, the capture thread then finds nothing to read and logs "ALSA
# woke us up to read new data ... Most likely this is a bug in the ALSA
# driver ... woken up with POLLIN set" (once per process).  That happens
# whenever no new frame arrived in between: rarely with a DMA pointer
# that moves every sample, more often with a driver that passes on
# captured data a period at a time, as this one must (data the backend
# has not answered for is not in the buffer yet).  The rule the line
# speaks of, POLLIN only with avail_min frames to read, is checked
# directly by scenario 42 (xsf-pcm-poll); the recording's contents by
# srv_record.
SRV_STALE_POLLIN='alsa-source\.c: (ALSA woke us up to read new data|Most likely this is a bug in the ALSA driver|We were woken up with POLLIN set)'

# srv_log_check: none of that in the servers' logs; prints what there is
srv_log_check() {
	bad=$(cat "$SRV"/pipewire.log "$SRV"/wireplumber.log "$SRV"/pulse.log 2>/dev/null |
		grep -v -E "$SRV_STALE_POLLIN" | grep -i -E "$SRV_BAD" | cut -c1-200 | head -n 5)
	[ -z "$bad" ] || { echo "$bad"; return 1; }
	return 0
}

# srv_log_lines: how the servers ran the card (scheduling, buffer,
# rewinds), and the lines before the first bad one
srv_log_lines() {
	cat "$SRV"/pipewire.log "$SRV"/wireplumber.log "$SRV"/pulse.log 2>/dev/null >/tmp/srv.all
	grep -i -E 'timer-based|tsched|batch|fragments|headroom|period-size|quantum' /tmp/srv.all |
		cut -c1-150 | sort -u | head -n 6
	# how PipeWire set the card up: format, period, buffer, headroom
	grep -E 'spa_alsa_set_format|spa_alsa_open|headroom' /tmp/srv.all |
		sed 's/^.*spa_alsa_[a-z_]*()\] //' | cut -c1-150 | sort -u | head -n 6
	echo "PulseAudio capture woken by an earlier poll (SRV_STALE_POLLIN):" \
		"$(grep -c -E 'alsa-source\.c: We were woken up with POLLIN set' /tmp/srv.all)"
	echo "rewinds requested: $(grep -c -i 'requesting rewind' /tmp/srv.all)," \
		"done: $(grep -c -i -E 'after rewind|rewound|rewinding' /tmp/srv.all)," \
		"refused: $(grep -c -i 'rewind.*not possible' /tmp/srv.all)"
	grep -n -i -E "$SRV_BAD" /tmp/srv.all | head -n 1 | cut -d: -f1 | while read -r n; do
		sed -n "$((n > 12 ? n - 12 : 1)),$((n + 2))p" /tmp/srv.all | cut -c1-150
	done
	# last: the caller keeps only the end of long output
	grep -o -E 'period frames [0-9]+, periods [0-9]+, frame_size [0-9]+ headroom [0-9]+' /tmp/srv.all |
		sort -u | head -n 2
}

# ---------------------------------------------------------------- benchmark
# bench_irqs: interrupts so far, all CPUs: of every event channel bound
# to a handler (xen-dyn) but xenbus and the console, which during a run
# are the sound driver's, and of ours by name, for the answers (vsnd-N:
# pcm.stream-req) and the events (-evt).  Prints "ALL REQ EVT".  (The
# in-tree driver's are counted in ALL only: it frees the names it gives
# its interrupts, and /proc/interrupts shows what the memory holds now.)
bench_irqs() {
	awk '$1 ~ /^[0-9]+:$/ && / xen-dyn/ && !/ (xenbus|hvc_console)$/ {
		n = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
		all += n
		if ($NF ~ /^vsnd-[0-9]+:.*-req$/) r += n
		if ($NF ~ /^vsnd-[0-9]+:.*-evt$/) e += n
	} END { print all + 0, r + 0, e + 0 }' /proc/interrupts
}

# bench_busy: the guest's busy time so far and the time of reading, in
# microseconds ("BUSY NOW"), all CPUs: the time since boot that the nohz
# idle accounting did not count as idle or iowait (/proc/timer_list, in
# ns: each CPU's idle_sleeptime and iowait_sleeptime, which leave out an
# idle period still open; a CPU whose tick is stopped is in one since
# idle_entrytime, and one idle with its tick running has been for less
# than a tick).  It holds interrupts taken while idle, which the
# scheduler's counts do not, where /proc/stat counts whole 10 ms ticks.
# Kernels whose timer_list no longer shows it: /proc/stat's user, nice,
# system, irq and softirq ticks, and /proc/uptime.
bench_busy() {
	awk '/^now at [0-9]+ nsecs/ { now = $3 }
		/^cpu: [0-9]+$/ { cpu = $2; cpus[cpu] = 1 }
		$1 == ".tick_stopped" { stopped[cpu] = $3 }
		$1 == ".idle_entrytime" { entry[cpu] = $3 }
		$1 == ".idle_sleeptime" { idle[cpu] += $3; seen = 1 }
		$1 == ".iowait_sleeptime:" { idle[cpu] += $2 }
		END {
			if (!seen || !now) exit 1
			for (c in cpus) {
				busy += now - idle[c]
				if (stopped[c] && entry[c] < now) busy -= now - entry[c]
			}
			printf "%.0f %.0f\n", busy / 1000, now / 1000
		}' /proc/timer_list 2>/dev/null ||
		echo "$(awk '/^cpu / { print ($2 + $3 + $4 + $7 + $8) * 10000 }' /proc/stat)" \
			"$(awk '{ printf "%.0f", $1 * 1000000 }' /proc/uptime)"
}

# bench_task_ns PID: the CPU time process PID has run so far, in ns, as
# the scheduler counts it (/proc/PID/schedstat: exact, where `times`
# counts whole ticks; without IRQ_TIME_ACCOUNTING an interrupt taken
# while it runs counts as its time), or - when it cannot be read
bench_task_ns() {
	case $1 in '' | *[!0-9]*) echo -; return ;; esac
	read -r ns _ 2>/dev/null <"/proc/$1/schedstat" || ns=""
	case $ns in '' | *[!0-9]*) echo - ;; *) echo "$ns" ;; esac
}

# bench_ms MmS.SSSs: a time as the shell's `times` prints it, in ms
bench_ms() { echo "$1" | awk -F'[ms]' '{ printf "%d", ($1 * 60 + $2) * 1000 + 0.5 }'; }

# bench_irq_delta BEFORE AFTER: bench_irqs' counts between the two, as
# irqs=ALL irq_req=REQ irq_evt=EVT (- for the in-tree driver's split)
bench_irq_delta() {
	# shellcheck disable=SC2086 # three counts each
	set -- $1 $2
	if [ "$(mod_mode)" = ours ]; then
		echo "irqs=$(($4 - $1)) irq_req=$(($5 - $2)) irq_evt=$(($6 - $3))"
	else
		echo "irqs=$(($4 - $1)) irq_req=- irq_evt=-"
	fi
}

# bench_run KIND PERIOD SECONDS SEED SOURCE_OCTETS: one measured run of the
# benchmark on hw:0,0, S16_LE 48 kHz stereo, PERIOD-frame periods, 4 per
# buffer.  KIND rw or mmap: aplay plays SECONDS of the data of SEED (the
# backend's side checks what arrived); cap: arecord records SECONDS, which
# must be one unbroken piece of the SOURCE_OCTETS of SEED the backend
# plays; wake: no sound, xsf-wake wakes up once per period for SECONDS
# (the wake-up floor: what a client's wake-ups cost the guest whatever
# the driver).  With our driver its tracepoints count the requests,
# answers, events and xruns it saw (not for wake: nothing to count).
# Prints one line of key=value: the client's exit status, the period and
# buffer granted, xruns it reported, its CPU time (cpu_ms: user + system
# of the whole run, in ticks; client_ms: exact, over the window of the
# guest's busy time, - for runs shorter than 3 s or without schedstat),
# the guest's busy time in ms and its window in s, the driver's
# interrupts, the traced counts (- without tracepoints), the floor's
# late wake-ups (- for sound), and exact=yes/no for a recording (- for
# playback).
bench_run() {
	kind=$1 period=$2 secs=$3
	tr=0
	[ "$(mod_mode)" = ours ] && [ "$kind" != wake ] && trace_begin >/dev/null && tr=1
	case $kind in
	cap)
		/e2e/xsf-slice -G "$4" "$5" >/tmp/src.raw || return 1
		rm -f /tmp/b.raw
		set -- arecord -s $((secs * 48000))
		;;
	wake)
		set -- /e2e/xsf-wake -P "$period" -n "$secs"
		;;
	*)
		/e2e/xsf-slice -G "$4" $((secs * 192000)) >/tmp/b.raw || return 1
		set -- aplay
		[ "$kind" = mmap ] && set -- aplay --mmap
		;;
	esac
	[ "$kind" = wake ] || set -- "$@" -v -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size="$period" --buffer-size=$((period * 4)) /tmp/b.raw
	irqs0=$(bench_irqs)
	# The guest's busy time while the stream runs steadily: from 1 s
	# in to 1 s before the end, without the client's start (loading,
	# opening, the first periods) and end (draining, closing), which
	# cost both drivers alike.  Runs shorter than 3 s: all of it.
	whole=0
	[ "$secs" -ge 3 ] || whole=1
	[ "$whole" = 0 ] || busy0=$(bench_busy)
	rm -f /tmp/a.pid
	(
		"$@" >/tmp/a.out 2>&1 &
		echo $! >/tmp/a.pid
		wait $!
		echo $? >/tmp/a.rc
		times >/tmp/a.times
	) &
	client=$!
	run0=- run1=-
	if [ "$whole" = 0 ]; then
		sleep 1
		pid=""
		for _ in 1 2 3 4 5; do
			pid=$(cat /tmp/a.pid 2>/dev/null)
			[ -n "$pid" ] && break
			sleep 0.1
		done
		run0=$(bench_task_ns "$pid")
		busy0=$(bench_busy)
		sleep $((secs - 2))
		run1=$(bench_task_ns "$pid")
		busy1=$(bench_busy)
	fi
	wait "$client"
	[ "$whole" = 0 ] || busy1=$(bench_busy)
	irqs1=$(bench_irqs)
	# shellcheck disable=SC2086 # BUSY NOW, twice
	set -- $busy0 $busy1
	busy_us=$(($3 - $1)) win_us=$(($4 - $2))
	rc=$(cat /tmp/a.rc)
	# shellcheck disable=SC2046 # the children's user and system times
	set -- $(tail -n 1 /tmp/a.times)
	cpu=$(($(bench_ms "$1") + $(bench_ms "$2")))
	client_ms=-
	[ "$run0" != - ] && [ "$run1" != - ] && [ "$run1" -ge "$run0" ] &&
		client_ms=$(((run1 - run0) / 1000000)).$(((run1 - run0) / 100000 % 10))
	# the floor's own count of wake-ups that came a period late or more
	late=-
	[ "$kind" = wake ] && late=$(sed -n 's/.* late=\([0-9]*\).*/\1/p' /tmp/a.out)
	treq=- tevt=- txrun=-
	if [ "$tr" = 1 ]; then
		trace_end
		treq=$(grep -c ' xsf_request: ' /tmp/trace.txt)
		tevt=$(grep -c ' xsf_event: .* CUR_POS ' /tmp/trace.txt)
		txrun=$(grep -c ' xsf_xrun: ' /tmp/trace.txt)
	fi
	exact=-
	if [ "$kind" = cap ]; then
		exact=no
		[ "$(wc -c </tmp/b.raw 2>/dev/null)" = $((secs * 192000)) ] &&
			/e2e/xsf-slice -p /tmp/src.raw /tmp/b.raw >/dev/null 2>&1 && exact=yes
	fi
	echo "rc=$rc" \
		"period=$(sed -n 's/^ *period_size *: *//p' /tmp/a.out | head -n 1)" \
		"buffer=$(sed -n 's/^ *buffer_size *: *//p' /tmp/a.out | head -n 1)" \
		"xruns=$(grep -c -i -E 'underrun|overrun' /tmp/a.out)" \
		"cpu_ms=$cpu client_ms=$client_ms busy_ms=$((busy_us / 1000)).$((busy_us % 1000 / 100))" \
		"busy_s=$((win_us / 1000000)).$(printf '%03d' $((win_us % 1000000 / 1000)))" \
		"$(bench_irq_delta "$irqs0" "$irqs1")" \
		"treq=$treq tevt=$tevt txrun=$txrun late=${late:--} exact=$exact"
	[ "$rc" = 0 ] || tail -n 2 /tmp/a.out
	return "$rc"
}
