#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# End-to-end test of snd_xen_front on real Xen 4.17 running in QEMU (TCG).
#
#   tests/e2e/run.sh [--module PATH | --in-tree] [--check]
#                    [--scenarios 1,2,...|none] [--compare 2,12,...|none]
#                    [--guest-kernel bookworm|bookworm-backports|sid]
#                    [--arch amd64|arm64]
#                    [--demo WAV] [--bench full|smoke] [--timeout SECONDS]
#                    [--stall ITEM:AFTER:SECONDS ...]
#
# --module PATH   load this snd_xen_front.ko in the guest (default: this
#                 repository's driver, built for the guest's kernel)
# --in-tree       use the distribution kernel's own snd_xen_front
# --check         the set `make check` runs (budgets.sh: E2E_*_CHECK)
# --scenarios     our scenarios, comma separated (default: all)
# --compare       scenarios run again with the in-tree driver for the
#                 comparison table (default: all; never fails the run)
# --demo WAV      also play WAV through the card; the received data is
#                 saved as demo-received.raw in the log directory
# --guest-kernel  the guest's kernel: bookworm's 6.1 (default, as dom0's),
#                 bookworm-backports' 6.12 or sid's (tests/e2e/kernels.sh
#                 runs them all); also E2E_GUEST
# --arch arm64    Xen 4.17 for Arm in qemu-system-aarch64 (virt machine
#                 with the virtualization extensions), arm64 dom0 and
#                 guest (default amd64, x86 PV); also E2E_ARCH.  Its
#                 scenarios default to E2E_ARM64_ALL (--check:
#                 E2E_ARM64_CHECK, no comparison)
# --bench         `make bench` (full) or `make bench-smoke` (smoke): no
#                 scenarios; the benchmark's rows (budgets.sh) with this
#                 driver and the in-tree one, on the test backend and
#                 snd_be, in one boot; the table (bench-table.py) and its
#                 chart are printed and written to $XSF_CACHE/bench/<date>/
# --timeout       whole run (default: boot + every scenario's budget)
# --stall         rig self-test (selftest.sh): stop QEMU with SIGSTOP for
#                 SECONDS, AFTER seconds into ITEM (main:N, the scenario
#                 N of the driver under test); repeatable
#
# Images are built once and cached under $XSF_CACHE/e2e (default
# /var/cache/xen-snd-front/e2e); logs of each run go to
# $XSF_CACHE/e2e/logs/<date>/ (also linked as logs/latest).
# E2E_BACKEND_ARGS adds options to the test backend (fault injection, e.g.
# "--drop-evt 5" or "--refuse SET_VOLUME,GET_VOLUME").
# The host keeps every budget by its own clock and boots the rig again
# after a rig failure (see "supervision" below, and tests/e2e/README.md).
# Exit status: 0 if every scenario of ours passed or was skipped (with
# --bench: if the table is whole).
set -eu

# the guest kernel is chosen before lib.sh resolves it
args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--guest-kernel) [ $# -ge 2 ] || { echo "--guest-kernel needs a value" >&2; exit 2; }
		export E2E_GUEST=$2; shift 2 ;;
	--arch) [ $# -ge 2 ] || { echo "--arch needs a value" >&2; exit 2; }
		export E2E_ARCH=$2; shift 2 ;;
	*) shift ;;
	esac
done
set -- "${args[@]}"

. "$(dirname "$0")/lib.sh"
# shellcheck source=budgets.sh
. "$E2E_DIR/budgets.sh"

MODULE=""
MODE=""
SCENARIOS=$E2E_OURS_ALL
COMPARE=$E2E_COMPARE_ALL
CHECK_SCENARIOS=$E2E_OURS_CHECK
CHECK_COMPARE=$E2E_COMPARE_CHECK
if [ "$E2E_ARCH" = arm64 ]; then
	SCENARIOS=$E2E_ARM64_ALL
	COMPARE=$E2E_ARM64_ALL
	CHECK_SCENARIOS=$E2E_ARM64_CHECK
	CHECK_COMPARE=""
fi
DEMO_WAV=""
BENCH=""
TOTAL_TIMEOUT=${E2E_TIMEOUT:-}
STALLS=""

list() { [ "$1" = none ] && echo "" || echo "$1" | tr ',' ' '; }
while [ $# -gt 0 ]; do
	case $1 in
	--module) MODULE=$2; MODE=ours; shift 2 ;;
	--in-tree) MODE=in-tree; shift ;;
	--check) SCENARIOS=$CHECK_SCENARIOS; COMPARE=$CHECK_COMPARE; shift ;;
	--scenarios) SCENARIOS=$(list "$2"); shift 2 ;;
	--compare) COMPARE=$(list "$2"); shift 2 ;;
	--demo) DEMO_WAV=$2; shift 2 ;;
	--bench) BENCH=$2; shift 2 ;;
	--timeout) TOTAL_TIMEOUT=$2; shift 2 ;;
	--stall) STALLS="$STALLS $2"; shift 2 ;;
	--guest-kernel | --arch) shift 2 ;;
	-h | --help) sed -n '3,48p' "$0"; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
case $BENCH in
'') ;;
full | smoke)
	SCENARIOS=""
	COMPARE=""
	BENCH_ROWS_OURS=$E2E_BENCH_ROWS_OURS
	BENCH_ROWS_INTREE=$E2E_BENCH_ROWS_INTREE
	if [ "$BENCH" = smoke ]; then
		BENCH_ROWS_OURS=$E2E_BENCH_ROWS_SMOKE
		BENCH_ROWS_INTREE=$E2E_BENCH_ROWS_SMOKE
		E2E_BENCH_REPS=1
		E2E_BENCH_SECS=1
	fi
	[ -z "$MODE" ] || [ "$MODE" = ours ] || die "--bench compares this driver with the in-tree one: no --in-tree"
	;;
*) die "--bench wants full or smoke" ;;
esac
if ! e2e_pv_guest; then
	# not silently skipped: every scenario is reported as such
	echo "=== results (guest kernel $E2E_GKVER) ==="
	for n in $SCENARIOS; do
		echo "SKIP $n ${E2E_NAMES[$n]:-?}: guest kernel $E2E_GKVER is not a Xen PV guest (CONFIG_XEN_PV)"
	done
	exit 0
fi
if [ -z "$MODE" ]; then
	MODULE=$(e2e_build_module)
	MODE=ours
fi
if [ "$MODE" = in-tree ]; then
	COMPARE=""
fi
if [ "$MODE" = ours ]; then
	[ -f "$MODULE" ] || die "module $MODULE not found"
	MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")
	vm=$(modinfo -F vermagic "$MODULE" 2>/dev/null | cut -d' ' -f1)
	[ "$vm" = "$E2E_GKVER" ] ||
		die "$MODULE is built for '$vm', the guest runs $E2E_GKVER (make KDIR=/usr/src/linux-headers-$E2E_GKVER)"
fi
# now: the host's monotonic clock in seconds (never a guest's)
now() {
	local up
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

t_start=$(now)
"$E2E_DIR/build-images.sh"
t_images=$(now)

STAMP=$(date +%Y%m%d-%H%M%S)
LOGDIR=$E2E_CACHE/logs/$STAMP
BUILD=$E2E_CACHE/build
mkdir -p "$LOGDIR" "$BUILD"
ln -sfn "$STAMP" "$E2E_CACHE/logs/latest"

# test programs: backend and slice tool for dom0, the player, the
# wake-up checker and the benchmark's wake-up floor for the guest
# xen-troops' snd_be on libxenbe, built from their public sources (never
# part of this repository) into the cache; without them its scenarios are
# reported as SKIP.
SNDBE=0
SNDBE_WHY="snd_be sources not found (../shared/third_party, or set XSF_THIRD_PARTY)"
tp=$(e2e_third_party) || tp=""
if [ "$E2E_ARCH" = arm64 ]; then
	# all of them cross-built for arm64 (cross-arm64.sh)
	"$E2E_DIR/cross-arm64.sh" "$BUILD" "$tp"
	rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || die "cannot build the rig's programs for arm64"
	if [ -n "$tp" ] && [ "$rc" = 0 ]; then
		sndbe=$BUILD/sndbe
		SNDBE=1
		SNDBE_WHY=""
	elif [ -n "$tp" ]; then
		SNDBE_WHY="snd_be did not build for arm64 from $tp (see $BUILD/sndbe.log)"
		log "$SNDBE_WHY"
	fi
else
	make -s -C "$E2E_DIR/backend" OUT="$BUILD" "$BUILD/xsf-test-backend" "$BUILD/xsf-slice"
	for tool in xsf-pcm-play xsf-pcm-poll xsf-wake; do
		if [ ! -x "$BUILD/$tool" ] || [ "$E2E_DIR/guest/$tool.c" -nt "$BUILD/$tool" ]; then
			gcc -O2 -Wall -o "$BUILD/$tool" "$E2E_DIR/guest/$tool.c" -lasound
		fi
	done
	if [ -n "$tp" ]; then
		if sndbe=$("$E2E_DIR/build-sndbe.sh" "$tp"); then
			SNDBE=1
			SNDBE_WHY=""
		else
			SNDBE_WHY="snd_be did not build from $tp (see $E2E_CACHE/sndbe/build.log)"
			log "$SNDBE_WHY"
		fi
	fi
fi

# From here on every failure is handled where it happens.
set +e

# ---------------------------------------------------------------- items
# What dom0 runs, in order (dom0/scenarios.sh): main:N is scenario N with
# the driver under test, cmp:N the same with the in-tree driver, row:...
# a row of the benchmark (--bench), demo the demo's playback.
ITEMS=""
if [ -n "$BENCH" ]; then
	# a guest each for ours and the in-tree driver on each backend
	for drv in ours intree; do
		rows=$BENCH_ROWS_OURS
		[ "$drv" = intree ] && rows=$BENCH_ROWS_INTREE
		for be in test sndbe; do
			for row in $rows; do
				# the wake-up floor plays nothing: one backend is enough
				[ "$be" = sndbe ] && [ "${row%%:*}" = wake ] && continue
				ITEMS="$ITEMS row:$drv:$be:$row"
			done
		done
	done
else
	for n in $SCENARIOS; do ITEMS="$ITEMS main:$n"; done
	for n in $COMPARE; do ITEMS="$ITEMS cmp:$n"; done
fi
[ -n "$DEMO_WAV" ] && ITEMS="$ITEMS demo"
read -r -a item_list <<<"$ITEMS"
ITEMS=${item_list[*]}

item_budget() {
	case $1 in
	main:* | cmp:*) echo "${E2E_BUDGET[${1#*:}]:-120}" ;;
	row:*) e2e_bench_row_budget "$E2E_BENCH_REPS" "$E2E_BENCH_SECS" ;;
	demo) echo 180 ;;
	*) echo 120 ;;
	esac
}
item_name() { # the scenario's "N name", or the item
	case $1 in
	main:* | cmp:*) echo "${1#*:} ${E2E_NAMES[${1#*:}]:-?}" ;;
	*) echo "$1" ;;
	esac
}

if [ -z "$TOTAL_TIMEOUT" ]; then
	TOTAL_TIMEOUT=$E2E_OVERHEAD
	for it in $ITEMS; do
		TOTAL_TIMEOUT=$((TOTAL_TIMEOUT + $(item_budget "$it")))
	done
fi

# ---------------------------------------------------------------- images
# per-run overlays appended to the cached initramfs images
RUN=$E2E_CACHE/run
rm -rf "$RUN"
mkdir -p "$RUN/guest/e2e" "$RUN/dom0/e2e"
install -m 755 "$E2E_DIR/guest/init" "$RUN/guest/init"
install -m 755 "$E2E_DIR/guest/runner.sh" "$E2E_DIR/guest/lib.sh" "$BUILD/xsf-pcm-play" \
	"$BUILD/xsf-pcm-poll" "$BUILD/xsf-wake" "$BUILD/xsf-slice" "$RUN/guest/e2e/"
# the WirePlumber settings shipped for users (scenarios 31, 36, 44, 45)
install -m 644 "$REPO_ROOT/scripts/wireplumber/51-xen-snd-front.lua" "$RUN/guest/e2e/"
[ "$MODE" = ours ] && install -m 644 "$MODULE" "$RUN/guest/e2e/snd_xen_front.ko"
[ -n "$DEMO_WAV" ] && install -m 644 "$DEMO_WAV" "$RUN/guest/e2e/demo.wav"
(cd "$RUN/guest" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$RUN/guest-ovl.cpio.gz"
cat "$E2E_CACHE/guest-$E2E_GKVER.cpio.gz" "$RUN/guest-ovl.cpio.gz" >"$RUN/dom0/e2e/guest-initrd.gz"
# The sound server scenarios' guest: the same, with the servers added;
# dom0 gets it only in a boot that runs one of them (dom0_initrd).
if [ "$E2E_ARCH" = amd64 ]; then
	cat "$E2E_CACHE/guest-$E2E_GKVER.cpio.gz" "$E2E_CACHE/guest-servers.cpio.gz" \
		"$RUN/guest-ovl.cpio.gz" >"$RUN/guest-servers-initrd.gz"
fi

install -m 755 "$E2E_DIR/dom0/init" "$RUN/dom0/init"
install -m 755 "$E2E_DIR/dom0/scenarios.sh" "$E2E_DIR/dom0/dump.sh" "$BUILD/xsf-test-backend" \
	"$BUILD/xsf-slice" "$RUN/dom0/e2e/"
install -m 644 "$E2E_DIR/budgets.sh" "$RUN/dom0/e2e/"
if [ "$SNDBE" = 1 ]; then
	mkdir -p "$RUN/dom0/e2e/sndbe"
	cp -a "$sndbe"/* "$RUN/dom0/e2e/sndbe/"
fi
install -m 644 "$E2E_CACHE/vmlinuz-$E2E_GKVER" "$RUN/dom0/e2e/vmlinuz"

# dom0_initrd ITEMS: the dom0 initramfs of a boot that runs ITEMS
dom0_initrd() {
	{
		echo "ITEMS=\"$1\""
		echo "MODE=$MODE"
		echo "SNDBE=$SNDBE"
		printf 'SNDBE_WHY=%q\n' "$SNDBE_WHY"
		printf 'BACKEND_EXTRA=%q\n' "${E2E_BACKEND_ARGS:-}"
		echo "BENCH_REPS=$E2E_BENCH_REPS"
		echo "BENCH_SECS=$E2E_BENCH_SECS"
		echo "BENCH_BUDGET=$(e2e_bench_row_budget "$E2E_BENCH_REPS" "$E2E_BENCH_SECS")"
	} >"$RUN/dom0/e2e/run.conf"
	rm -f "$RUN/dom0/e2e/guest-servers-initrd.gz"
	for it in $1; do
		case " $E2E_SERVERS " in *" ${it#*:} "*)
			ln "$RUN/guest-servers-initrd.gz" "$RUN/dom0/e2e/"
			break
			;;
		esac
	done
	(cd "$RUN/dom0" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$RUN/dom0-ovl.cpio.gz"
	cat "$E2E_CACHE/dom0-$E2E_KVER.cpio.gz" "$RUN/dom0-ovl.cpio.gz" >"$RUN/dom0-initrd.gz"
}

# ---------------------------------------------------------------- the rig
# The emulated machine's clock.  With "icount" (the default) QEMU counts
# the instructions its virtual CPUs execute, and that count, 2^shift ns
# each, is the machine's time: the time stamp counter and every timer
# (HPET, PIT, APIC) follow it, and when every virtual CPU is idle
# (sleep=off) the clock moves on to the next timer at once.  Nothing
# outside QEMU can make that clock jump or crawl; load on the host only
# makes the run take longer.  The price is one host thread for both
# virtual CPUs.  With E2E_CLOCK=host (TCG's default, a thread per virtual
# CPU) the time stamp counter is the host CPU's own: on a host that is
# itself a virtual machine it is the physical machine's, and jumps when
# the host is moved or restored while the host's CLOCK_MONOTONIC does
# not.  Xen then sees its TSC run away from its platform timer (HPET),
# prints "Platform timer appears to have unexpectedly wrapped 10 or more
# times", and dom0's clock jumps by the same amount (tests/e2e/README.md,
# "Clocks").  E2E_ICOUNT_SHIFT sets the virtual CPUs' speed: 1 (2 ns an
# instruction) makes them fast enough for audio with room to spare.
# Xen on Arm is the other way round: its clock is the Arm generic timer,
# which QEMU derives from the host's CLOCK_MONOTONIC (no host counter
# shows through), but under icount with sleep=off Xen's idle (WFI) is
# never woken by its timer: the console stops a few seconds into dom0's
# first scenario and goes on only when a key is typed.  The arm64 rig
# runs on the host clock.
if [ "$E2E_ARCH" = arm64 ]; then
	E2E_CLOCK=${E2E_CLOCK:-host}
else
	E2E_CLOCK=${E2E_CLOCK:-icount}
fi
case $E2E_CLOCK in
icount) QEMU_CLOCK=(-accel tcg -icount "shift=${E2E_ICOUNT_SHIFT:-1},sleep=off") ;;
host) QEMU_CLOCK=(-accel "tcg,thread=${E2E_TCG_THREAD:-multi}") ;;
*) die "E2E_CLOCK must be icount or host" ;;
esac

QPID=""
BOOTDIR=""
SERIAL=""
SOCK=$RUN/serial.sock

# boot_rig K ITEMS: start QEMU (Xen, dom0) for boot K, which runs ITEMS
boot_rig() {
	BOOTDIR=$LOGDIR/boot-$1
	SERIAL=$BOOTDIR/serial.log
	mkdir -p "$BOOTDIR"
	dom0_initrd "$2"
	rm -f "$RUN/out.img" "$SOCK"
	# output disk: dom0 writes a tar archive of /out to it
	truncate -s 512M "$RUN/out.img"
	log "boot $1: Xen 4.17 + dom0 ($E2E_KVER) in QEMU/TCG ($E2E_CLOCK clock), guest $E2E_GKVER: $2"
	log "serial console: $SERIAL"
	local machine
	case $E2E_ARCH in
	amd64)
		machine=(-cpu qemu64
			-drive "file=$RUN/out.img,format=raw,if=virtio"
			-kernel "$E2E_XEN_IMAGE"
			-append "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot"
			-initrd "$E2E_CACHE/vmlinuz-$E2E_KVER console=hvc0 earlyprintk=xen panic=-1,$RUN/dom0-initrd.gz")
		;;
	arm64)
		# Xen on the virt machine's EL2; QEMU's guest-loader puts dom0's
		# kernel and initramfs into memory and names them in the device
		# tree as Xen's boot modules.  Xen's console is the first
		# serial port of the device tree (dtuart, from /chosen).
		# shellcheck disable=SC2054 # commas inside QEMU's options
		machine=(-L /usr/share/qemu -M "virt,virtualization=on,gic-version=3" -cpu cortex-a57
			-drive "file=$RUN/out.img,format=raw,if=none,id=out"
			-device virtio-blk-device,drive=out
			-kernel "$E2E_XEN_IMAGE"
			-append "console=dtuart loglvl=all guest_loglvl=all dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot"
			-device "guest-loader,addr=0x49000000,kernel=$E2E_CACHE/vmlinuz-$E2E_KVER,bootargs=console=hvc0 earlycon=xen panic=-1"
			-device "guest-loader,addr=0x50000000,initrd=$RUN/dom0-initrd.gz")
		;;
	esac
	nice -n 5 "$E2E_QEMU" "${QEMU_CLOCK[@]}" -m 2048 -smp 2 \
		-nodefaults -display none -monitor none -no-reboot -nic none \
		-chardev "socket,id=ser0,path=$SOCK,server=on,wait=off,logfile=$SERIAL" \
		-serial chardev:ser0 "${machine[@]}" \
		>"$BOOTDIR/qemu.log" 2>&1 &
	QPID=$!
}

# kill_rig: QEMU goes, whatever state it is in; dom0's /out, as far as it
# was saved, is unpacked into the boot's directory
kill_rig() {
	if [ -n "$QPID" ]; then
		kill -CONT "$QPID" 2>/dev/null
		kill "$QPID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$QPID" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
		QPID=""
	fi
	mkdir -p "$BOOTDIR/out"
	tar -xf "$RUN/out.img" -C "$BOOTDIR/out" 2>/dev/null ||
		log "boot ${BOOTDIR##*-}: no output archive on its disk (see its serial.log)"
}
trap 'kill_rig 2>/dev/null' EXIT INT TERM

# serial_type TEXT: type TEXT on the serial console (Xen passes it to
# dom0, or takes it itself after three CTRL-a)
serial_type() {
	python3 - "$SOCK" "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
s.close()
PY
}

serial_size() { stat -c %s "$SERIAL" 2>/dev/null || echo 0; }

# rig_dump: the state of Xen (its clock: debug key 't') and of dom0
# (dom0/dump.sh, which also saves /out), into the serial log
rig_dump() {
	local t0 size
	serial_type $'\x01\x01\x01'
	sleep 0.5
	serial_type 't'
	sleep 1
	serial_type $'\x01\x01\x01'
	sleep 0.5
	serial_type $'\nE2E-DUMP\n'
	t0=$(now)
	size=$(serial_size)
	while [ $(($(now) - t0)) -lt 40 ]; do
		grep -aq 'E2E-DUMP-END' "$SERIAL" && return 0
		# nothing at all for 10 s: nobody is there to answer
		if [ $(($(now) - t0)) -ge 10 ] && [ "$(serial_size)" = "$size" ]; then
			return 1
		fi
		sleep 1
	done
	return 1
}

# ---------------------------------------------------------------- supervision
# The host keeps the time.  It follows the serial console and declares a
# rig failure (not a driver failure) when
#   - dom0 is not ready within BOOT_TIMEOUT,
#   - the console is silent for SILENT_LIMIT (dom0 prints a heartbeat
#     every 5 s),
#   - dom0's clock runs away from the host's by more than JUMP_LIMIT
#     between two heartbeats,
#   - QEMU exits before dom0 has finished.
# It then records what it can (rig_dump), kills QEMU, and boots the rig
# again with the items that have no result yet; the interrupted item is
# run once more, and fails if it meets a rig failure again.
# An item that outlives its budget plus GRACE by the host's clock while
# dom0 is alive fails "out of time" (dom0 keeps the budget by its own
# clock too, which under icount may run slower than the host's); the rig
# is booted again for the items after it.
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-240}
SILENT_LIMIT=${E2E_SILENT_LIMIT:-60}
JUMP_LIMIT=${E2E_JUMP_LIMIT:-30}
GRACE=${E2E_GRACE:-30}
MAX_RIG_FAILURES=${E2E_MAX_RIG_FAILURES:-3}

declare -A RESULT=() RIGFAIL=()
# --stall ITEM:AFTER:SECONDS (rig self-test): SIGSTOP QEMU for SECONDS,
# AFTER seconds into ITEM's first run
declare -A STALL=()
for st in $STALLS; do
	STALL[${st%:*:*}]=${st#"${st%:*:*}":}
done

t_run=$(now)
run_deadline=$((t_run + TOTAL_TIMEOUT))
boot=0
boot_failures=0
rig_failures=0
boot_times=""
RUN_STATUS=""

# supervise: follow boot $boot until dom0 finishes or a rig failure; sets
# FAILURE (empty: finished) and CURRENT (the item that was running)
supervise() {
	local t0 seen=0 total size last_size=0 t_act t_poll t ready=0
	local deadline=0 hb_host=0 hb_dom0="" line rest item res budget
	local stall_at=0 stall_end=0 stall_for=0 d h
	FAILURE=""
	KIND=rig
	CURRENT=""
	t0=$(now)
	t_act=$t0
	t_poll=$t0
	while :; do
		sleep 1
		t=$(now)
		# The host itself stalled (its own loop slept far too long):
		# nothing of the rig's is to blame for that time.
		if [ $((t - t_poll)) -gt 15 ]; then
			d=$((t - t_poll - 1))
			log "the host stalled for $d s: the rig's timers are moved on by as much"
			t_act=$((t_act + d))
			[ "$deadline" -gt 0 ] && deadline=$((deadline + d))
			hb_host=0
		fi
		t_poll=$t
		size=$(serial_size)
		if [ "$size" != "$last_size" ]; then
			last_size=$size
			t_act=$t
		fi
		total=$(wc -l <"$SERIAL" 2>/dev/null || echo 0)
		if [ "$total" -gt "$seen" ]; then
			while IFS= read -r line; do
				# the console ends lines with CR CR LF at times
				line=${line//$'\r'/}
				case $line in
				*E2E-STAGE\ dom0-ready*)
					ready=1
					log "dom0 ready after $((t - t0)) s"
					boot_times="$boot_times $((t - t0))"
					;;
				*E2E-HB\ *)
					rest=${line#*E2E-HB }
					rest=${rest%%.*}
					case $rest in '' | *[!0-9]*) continue ;; esac
					if [ "$hb_host" -gt 0 ]; then
						d=$((rest - hb_dom0))
						h=$((t - hb_host))
						if [ $((d - h)) -gt "$JUMP_LIMIT" ]; then
							FAILURE="dom0's clock jumped: $d s passed in dom0 while $h s passed on the host"
						fi
					fi
					hb_host=$t
					hb_dom0=$rest
					;;
				*E2E-BEGIN\ *)
					rest=${line#*E2E-BEGIN }
					item=${rest%% *}
					budget=${rest#* }
					case $budget in '' | *[!0-9]*) budget=$(item_budget "$item") ;; esac
					CURRENT=$item
					deadline=$((t + budget + GRACE))
					if [ -n "${STALL[$item]:-}" ]; then
						stall_at=$((t + ${STALL[$item]%%:*}))
						stall_for=${STALL[$item]#*:}
						unset "STALL[$item]"
					fi
					;;
				*E2E-END\ *)
					rest=${line#*E2E-END }
					item=${rest%% *}
					res=${rest#* }
					if [ -n "${RIGFAIL[$item]:-}" ]; then
						case $item in main:* | cmp:*)
							res="$res (run again after a rig failure: ${RIGFAIL[$item]})" ;;
						esac
					fi
					RESULT[$item]=$res
					case $item in
					main:*) log "$res" ;;
					cmp:*) log "in-tree: $res" ;;
					*) log "$item: $res" ;;
					esac
					[ "$item" = "$CURRENT" ] && { CURRENT=""; deadline=0; }
					;;
				*E2E-BENCH\ *)
					echo "${line#*E2E-BENCH }" >>"$LOGDIR/bench-runs.txt"
					;;
				*E2E-FINISHED*)
					return 0
					;;
				esac
			done < <(sed -n "$((seen + 1)),${total}p" "$SERIAL")
			seen=$total
		fi
		[ -n "$FAILURE" ] && return 1
		# the self-test's stall
		if [ "$stall_at" -gt 0 ] && [ "$t" -ge "$stall_at" ]; then
			log "self-test: QEMU stopped (SIGSTOP) for $stall_for s, in ${CURRENT:-no item}"
			kill -STOP "$QPID"
			stall_end=$((t + stall_for))
			stall_at=0
		fi
		if [ "$stall_end" -gt 0 ] && [ "$t" -ge "$stall_end" ]; then
			log "self-test: QEMU continues (SIGCONT)"
			kill -CONT "$QPID"
			stall_end=0
		fi
		if ! kill -0 "$QPID" 2>/dev/null; then
			grep -aq 'E2E-FINISHED' "$SERIAL" && return 0
			FAILURE="QEMU exited (see qemu.log)"
		elif [ "$ready" = 0 ] && [ $((t - t0)) -gt "$BOOT_TIMEOUT" ]; then
			FAILURE="dom0 not ready within $BOOT_TIMEOUT s"
		elif [ $((t - t_act)) -gt "$SILENT_LIMIT" ]; then
			FAILURE="the serial console was silent for $((t - t_act)) s"
		elif [ "$deadline" -gt 0 ] && [ "$t" -gt "$deadline" ]; then
			# dom0 is alive (the checks above), the item is not
			KIND=timeout
			FAILURE="out of time (budget $budget s, by the host's clock)"
		elif [ "$t" -gt "$run_deadline" ]; then
			RUN_STATUS="the run did not finish within its budget of $TOTAL_TIMEOUT s"
			KIND=run
			FAILURE=$RUN_STATUS
		fi
		[ -n "$FAILURE" ] && return 1
		[ "$ready" = 1 ] || CURRENT=""
	done
}

# items_left: the items without a result, in order
items_left() {
	local it left=""
	for it in $ITEMS; do
		[ -n "${RESULT[$it]:-}" ] || left="$left $it"
	done
	echo "${left# }"
}

left=$ITEMS
while [ -n "$left" ]; do
	boot=$((boot + 1))
	boot_rig "$boot" "$left"
	if supervise; then
		kill_rig
		boot_failures=0
		# dom0 finished: anything it did not report is lost for good
		for it in $(items_left); do
			RESULT[$it]="FAIL $(item_name "$it"): no result from dom0"
		done
		break
	fi
	if [ "$KIND" = timeout ]; then
		# a verdict on the item, not a rig failure: the rig goes on
		# without it, in a new boot
		log "$CURRENT: $FAILURE; booting the rig again for the items after it"
		case $CURRENT in
		main:* | cmp:*) RESULT[$CURRENT]="FAIL $(item_name "$CURRENT"): $FAILURE" ;;
		*) RESULT[$CURRENT]="- ($FAILURE)" ;;
		esac
		tail -n 60 "$SERIAL" | tr -d '\r' >"$BOOTDIR/out-of-time.txt"
		rig_dump >/dev/null
		kill_rig
		boot_failures=0
	else
		log "RIG FAILURE in boot $boot${CURRENT:+ during $CURRENT}: $FAILURE"
		rig_failures=$((rig_failures + 1))
		{
			echo "rig failure in boot $boot${CURRENT:+ during $CURRENT}: $FAILURE"
			echo "--- last serial lines"
			tail -n 60 "$SERIAL" | tr -d '\r'
		} >"$BOOTDIR/rig-failure.txt"
		if [ "$KIND" = rig ]; then
			if rig_dump; then
				log "dom0 printed its state (E2E-DUMP) into $SERIAL"
			else
				log "dom0 did not answer E2E-DUMP"
			fi
		fi
		kill_rig
		[ "$KIND" = run ] && break
		if [ -n "$CURRENT" ]; then
			if [ -n "${RIGFAIL[$CURRENT]:-}" ]; then
				RESULT[$CURRENT]="FAIL $(item_name "$CURRENT"): rig failure, twice: ${RIGFAIL[$CURRENT]}; $FAILURE"
			else
				RIGFAIL[$CURRENT]=$FAILURE
			fi
			boot_failures=0
		else
			boot_failures=$((boot_failures + 1))
		fi
	fi
	left=$(items_left)
	if [ "$boot_failures" -ge 2 ] || [ "$rig_failures" -ge "$MAX_RIG_FAILURES" ]; then
		RUN_STATUS="$rig_failures rig failures in $boot boots, the last: $FAILURE"
		break
	fi
	[ -n "$left" ] && log "booting the rig again for: $left"
done
t_end=$(now)
for it in $(items_left); do
	RESULT[$it]="FAIL $(item_name "$it"): not reached (${RUN_STATUS:-the run ended early})"
done
ln -sfn "boot-$boot/out" "$LOGDIR/out"

# ---------------------------------------------------------------- results
if [ -n "$BENCH" ]; then
	# the table from every measured run (bench-runs.txt), into the cache
	BENCH_OUT=$XSF_CACHE/bench/$STAMP
	mkdir -p "$BENCH_OUT"
	touch "$LOGDIR/bench-runs.txt"
	cp "$LOGDIR/bench-runs.txt" "$BENCH_OUT/runs.txt"
	ln -sfn "$STAMP" "$XSF_CACHE/bench/latest"
	echo
	echo "=== make bench${BENCH/full/} (guest kernel $E2E_GKVER, $E2E_BENCH_REPS x $E2E_BENCH_SECS s a row) ==="
	for it in $ITEMS; do
		case ${RESULT[$it]} in ok) ;; *) echo "$it: ${RESULT[$it]}" ;; esac
	done
	python3 "$E2E_DIR/bench-table.py" --ours "$BENCH_ROWS_OURS" --intree "$BENCH_ROWS_INTREE" \
		--title "$(date -u +%Y-%m-%d), $(nproc) CPUs, Xen 4.17 in QEMU/TCG ($E2E_CLOCK), guest $E2E_GKVER" \
		"$BENCH_OUT/runs.txt" "$BENCH_OUT"
	rc=$?
	[ -n "$RUN_STATUS" ] && { echo "rig: $RUN_STATUS"; rc=1; }
	echo "times: images $((t_images - t_start)) s, boots $boot, total run $((t_end - t_run)) s of $TOTAL_TIMEOUT s"
	echo "bench: $BENCH_OUT (bench.md, bench.png, runs.txt); logs: $LOGDIR"
	exit "$rc"
fi
{
	for it in $ITEMS; do
		case $it in main:*) echo "${RESULT[$it]}" ;; esac
	done
} >"$LOGDIR/results.txt"
echo
echo "=== results ($MODE driver, guest kernel $E2E_GKVER) ==="
npass=0 nfail=0 nskip=0
for n in $SCENARIOS; do
	line=${RESULT[main:$n]}
	echo "$line"
	case $line in
	PASS*) npass=$((npass + 1)) ;;
	SKIP*) nskip=$((nskip + 1)) ;;
	*) nfail=$((nfail + 1)) ;;
	esac
done
echo "$npass passed, $nfail failed, $nskip skipped"

if [ -n "$COMPARE" ]; then
	echo
	echo "In-tree snd_xen_front (distribution kernel) against the same backends:"
	for n in $COMPARE; do
		printf '  %-2s %-30s %s\n' "$n" "${E2E_NAMES[$n]}" "${RESULT[cmp:$n]%%[: ]*}"
	done
	for n in $COMPARE; do
		case ${RESULT[cmp:$n]} in FAIL* | SKIP*) echo "     $n: ${RESULT[cmp:$n]#*: }" ;; esac
	done
fi
echo
rigs=""
for it in $ITEMS; do
	[ -n "${RIGFAIL[$it]:-}" ] && rigs="$rigs $it"
done
[ -n "$rigs" ] && echo "rig failures (the rig was booted again, the item run once more):$rigs"
[ -n "$RUN_STATUS" ] && echo "rig: $RUN_STATUS"
echo "times: images $((t_images - t_start)) s, boots $boot (dom0 ready after${boot_times:- -} s), total run $((t_end - t_run)) s of $TOTAL_TIMEOUT s"
echo "logs: $LOGDIR (boot-N/serial.log, out/scenarios.log, out/backend.log, out/snd_be.log, out/commands.log, out/xen-logs/console/)"
[ "$nfail" -eq 0 ] && [ -z "$RUN_STATUS" ]
