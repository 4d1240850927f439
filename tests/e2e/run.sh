#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# End-to-end test of snd_xen_front on real Xen 4.17 running in QEMU (TCG).
#
#   tests/e2e/run.sh [--module PATH | --in-tree] [--scenarios 1,2,...]
#                    [--demo WAV] [--timeout SECONDS]
#
# --module PATH   load this snd_xen_front.ko in the guest (default: this
#                 repository's driver, built for the rig's kernel)
# --in-tree       use the distribution kernel's own snd_xen_front
# --scenarios     comma separated list (default: all, 1-11), or none
# --demo WAV      also play WAV through the card; the received data is
#                 saved as demo-received.raw in the log directory
#
# Images are built once and cached under $XSF_CACHE/e2e (default
# /var/cache/xen-snd-front/e2e); logs of each run go to
# $XSF_CACHE/e2e/logs/<date>/ (also linked as logs/latest).
# E2E_BACKEND_ARGS adds options to the test backend (fault injection, e.g.
# "--drop-evt 5" or "--refuse SET_VOLUME,GET_VOLUME").
# Exit status: 0 if every scenario passed.
set -eu

. "$(dirname "$0")/lib.sh"

MODULE=""
MODE=""
SCENARIOS="1,2,3,4,5,6,7,8,9,10,11"
DEMO_WAV=""
TOTAL_TIMEOUT=${E2E_TIMEOUT:-1140}
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-300}

while [ $# -gt 0 ]; do
	case $1 in
	--module) MODULE=$2; MODE=ours; shift 2 ;;
	--in-tree) MODE=in-tree; shift ;;
	--scenarios) SCENARIOS=$2; shift 2 ;;
	--demo) DEMO_WAV=$2; shift 2 ;;
	--timeout) TOTAL_TIMEOUT=$2; shift 2 ;;
	-h | --help) sed -n '3,20p' "$0"; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
if [ -z "$MODE" ]; then
	MODULE=$(e2e_build_module)
	MODE=ours
fi
if [ "$MODE" = ours ]; then
	[ -f "$MODULE" ] || die "module $MODULE not found"
	MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")
	vm=$(modinfo -F vermagic "$MODULE" 2>/dev/null | cut -d' ' -f1)
	[ "$vm" = "$E2E_KVER" ] ||
		die "$MODULE is built for '$vm', the rig runs $E2E_KVER (make KDIR=/usr/src/linux-headers-$E2E_KVER)"
fi

t_start=$(date +%s)
"$E2E_DIR/build-images.sh"
t_images=$(date +%s)

STAMP=$(date +%Y%m%d-%H%M%S)
LOGDIR=$E2E_CACHE/logs/$STAMP
BUILD=$E2E_CACHE/build
mkdir -p "$LOGDIR" "$BUILD"
ln -sfn "$STAMP" "$E2E_CACHE/logs/latest"

# test programs: backend for dom0, player helper for the guest
make -s -C "$E2E_DIR/backend" OUT="$BUILD" "$BUILD/xsf-test-backend"
if [ ! -x "$BUILD/xsf-pcm-play" ] || [ "$E2E_DIR/guest/xsf-pcm-play.c" -nt "$BUILD/xsf-pcm-play" ]; then
	[ -f /usr/include/alsa/asoundlib.h ] || die "libasound2-dev is needed (apt-get install libasound2-dev)"
	gcc -O2 -Wall -o "$BUILD/xsf-pcm-play" "$E2E_DIR/guest/xsf-pcm-play.c" -lasound
fi

# per-run overlays appended to the cached initramfs images
RUN=$E2E_CACHE/run
rm -rf "$RUN"
mkdir -p "$RUN/guest/e2e" "$RUN/dom0/e2e"
install -m 755 "$E2E_DIR/guest/init" "$RUN/guest/init"
install -m 755 "$E2E_DIR/guest/runner.sh" "$E2E_DIR/guest/lib.sh" "$BUILD/xsf-pcm-play" "$RUN/guest/e2e/"
[ "$MODE" = ours ] && install -m 644 "$MODULE" "$RUN/guest/e2e/snd_xen_front.ko"
DEMO=0
if [ -n "$DEMO_WAV" ]; then
	install -m 644 "$DEMO_WAV" "$RUN/guest/e2e/demo.wav"
	DEMO=1
fi
(cd "$RUN/guest" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$RUN/guest-ovl.cpio.gz"
cat "$E2E_CACHE/guest-$E2E_KVER.cpio.gz" "$RUN/guest-ovl.cpio.gz" >"$RUN/dom0/e2e/guest-initrd.gz"

install -m 755 "$E2E_DIR/dom0/init" "$RUN/dom0/init"
install -m 755 "$E2E_DIR/dom0/scenarios.sh" "$BUILD/xsf-test-backend" "$RUN/dom0/e2e/"
install -m 644 "$E2E_CACHE/vmlinuz-$E2E_KVER" "$RUN/dom0/e2e/vmlinuz"
{
	[ "$SCENARIOS" = none ] && SCENARIOS=""
	echo "SCENARIOS=\"$(echo "$SCENARIOS" | tr ',' ' ')\""
	echo "MODE=$MODE"
	echo "DEMO=$DEMO"
	printf 'BACKEND_EXTRA=%q\n' "${E2E_BACKEND_ARGS:-}"
} >"$RUN/dom0/e2e/run.conf"
(cd "$RUN/dom0" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$RUN/dom0-ovl.cpio.gz"
cat "$E2E_CACHE/dom0-$E2E_KVER.cpio.gz" "$RUN/dom0-ovl.cpio.gz" >"$RUN/dom0-initrd.gz"

# output disk: dom0 writes a tar archive of /out to it
rm -f "$RUN/out.img"
truncate -s 512M "$RUN/out.img"

SERIAL=$LOGDIR/serial.log
log "booting Xen 4.17 + dom0 ($E2E_KVER) in QEMU/TCG, mode $MODE, scenarios $SCENARIOS"
log "serial console: $SERIAL"
nice -n 5 qemu-system-x86_64 -accel tcg,thread=single -cpu qemu64 -m 2048 -smp 2 \
	-nodefaults -display none -monitor none -no-reboot -nic none \
	-serial "file:$SERIAL" \
	-drive "file=$RUN/out.img,format=raw,if=virtio" \
	-kernel "$E2E_CACHE/xen.elf" \
	-append "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=1024M,max:1024M dom0_max_vcpus=1 noreboot" \
	-initrd "$E2E_CACHE/vmlinuz-$E2E_KVER console=hvc0 earlyprintk=xen panic=-1,$RUN/dom0-initrd.gz" \
	>"$LOGDIR/qemu.log" 2>&1 &
QPID=$!
cleanup() { kill "$QPID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

t_boot=$(date +%s)
stage=boot
t_ready=""
status=""
while kill -0 "$QPID" 2>/dev/null; do
	now=$(date +%s)
	if [ -z "$t_ready" ] && grep -q 'E2E-STAGE dom0-ready' "$SERIAL" 2>/dev/null; then
		t_ready=$now
		log "dom0 ready after $((now - t_boot)) s"
		stage=scenarios
	fi
	if grep -q '^E2E-FINISHED' "$SERIAL" 2>/dev/null; then
		sleep 3
		break
	fi
	if [ "$stage" = boot ] && [ $((now - t_boot)) -gt "$BOOT_TIMEOUT" ]; then
		status="dom0 not ready within $BOOT_TIMEOUT s"
		break
	fi
	if [ $((now - t_boot)) -gt "$TOTAL_TIMEOUT" ]; then
		status="run did not finish within $TOTAL_TIMEOUT s"
		break
	fi
	sleep 2
done
cleanup
wait "$QPID" 2>/dev/null || true
trap - EXIT INT TERM
t_end=$(date +%s)

mkdir -p "$LOGDIR/out"
tar -xf "$RUN/out.img" -C "$LOGDIR/out" 2>/dev/null || log "no output archive on the disk (see the serial log)"
[ -n "$status" ] && log "ERROR: $status"

echo
echo "=== results ($MODE driver) ==="
if [ -f "$LOGDIR/out/results.txt" ]; then
	cat "$LOGDIR/out/results.txt"
else
	grep -aE '^(PASS|FAIL) [0-9]+ |passed, [0-9]+ failed' "$SERIAL" || echo "no results"
fi
[ -f "$LOGDIR/out/in-tree-table.txt" ] && cat "$LOGDIR/out/in-tree-table.txt"
echo
echo "times: images $((t_images - t_start)) s, dom0 boot ${t_ready:+$((t_ready - t_boot))} s, total run $((t_end - t_boot)) s"
echo "logs: $LOGDIR (serial.log, out/scenarios.log, out/backend.log, out/commands.log, out/xen-logs/console/)"

if [ -n "$status" ]; then
	exit 1
fi
if [ -f "$LOGDIR/out/results.txt" ] && grep -q ' 0 failed$' "$LOGDIR/out/results.txt"; then
	exit 0
fi
exit 1
