#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# End-to-end test of snd_xen_front on real Xen 4.17 running in QEMU (TCG).
#
#   tests/e2e/run.sh [--module PATH | --in-tree] [--check]
#                    [--scenarios 1,2,...|none] [--compare 2,12,...|none]
#                    [--guest-kernel bookworm|bookworm-backports|sid]
#                    [--demo WAV] [--timeout SECONDS]
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
# --timeout       whole run (default: boot + every scenario's budget)
#
# Images are built once and cached under $XSF_CACHE/e2e (default
# /var/cache/xen-snd-front/e2e); logs of each run go to
# $XSF_CACHE/e2e/logs/<date>/ (also linked as logs/latest).
# E2E_BACKEND_ARGS adds options to the test backend (fault injection, e.g.
# "--drop-evt 5" or "--refuse SET_VOLUME,GET_VOLUME").
# Exit status: 0 if every scenario of ours passed or was skipped.
set -eu

# the guest kernel is chosen before lib.sh resolves it
args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--guest-kernel) [ $# -ge 2 ] || { echo "--guest-kernel needs a value" >&2; exit 2; }
		export E2E_GUEST=$2; shift 2 ;;
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
DEMO_WAV=""
TOTAL_TIMEOUT=${E2E_TIMEOUT:-}
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-300}

list() { [ "$1" = none ] && echo "" || echo "$1" | tr ',' ' '; }
while [ $# -gt 0 ]; do
	case $1 in
	--module) MODULE=$2; MODE=ours; shift 2 ;;
	--in-tree) MODE=in-tree; shift ;;
	--check) SCENARIOS=$E2E_OURS_CHECK; COMPARE=$E2E_COMPARE_CHECK; shift ;;
	--scenarios) SCENARIOS=$(list "$2"); shift 2 ;;
	--compare) COMPARE=$(list "$2"); shift 2 ;;
	--demo) DEMO_WAV=$2; shift 2 ;;
	--timeout) TOTAL_TIMEOUT=$2; shift 2 ;;
	--guest-kernel) shift 2 ;;
	-h | --help) sed -n '3,30p' "$0"; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
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
if [ -z "$TOTAL_TIMEOUT" ]; then
	TOTAL_TIMEOUT=$((E2E_OVERHEAD + $(e2e_budget_of "$SCENARIOS $COMPARE")))
	[ -n "$DEMO_WAV" ] && TOTAL_TIMEOUT=$((TOTAL_TIMEOUT + 180))
fi

t_start=$(date +%s)
"$E2E_DIR/build-images.sh"
t_images=$(date +%s)

STAMP=$(date +%Y%m%d-%H%M%S)
LOGDIR=$E2E_CACHE/logs/$STAMP
BUILD=$E2E_CACHE/build
mkdir -p "$LOGDIR" "$BUILD"
ln -sfn "$STAMP" "$E2E_CACHE/logs/latest"

# test programs: backend and slice tool for dom0, player helper for the guest
make -s -C "$E2E_DIR/backend" OUT="$BUILD" "$BUILD/xsf-test-backend" "$BUILD/xsf-slice"
if [ ! -x "$BUILD/xsf-pcm-play" ] || [ "$E2E_DIR/guest/xsf-pcm-play.c" -nt "$BUILD/xsf-pcm-play" ]; then
	gcc -O2 -Wall -o "$BUILD/xsf-pcm-play" "$E2E_DIR/guest/xsf-pcm-play.c" -lasound
fi

# xen-troops' snd_be on libxenbe, built from their public sources (never
# part of this repository) into the cache; without them its scenarios are
# reported as SKIP.
SNDBE=0
SNDBE_WHY="snd_be sources not found (../shared/third_party, or set XSF_THIRD_PARTY)"
if tp=$(e2e_third_party); then
	if sndbe=$("$E2E_DIR/build-sndbe.sh" "$tp"); then
		SNDBE=1
		SNDBE_WHY=""
	else
		SNDBE_WHY="snd_be did not build from $tp (see $E2E_CACHE/sndbe/build.log)"
		log "$SNDBE_WHY"
	fi
fi

# per-run overlays appended to the cached initramfs images
RUN=$E2E_CACHE/run
rm -rf "$RUN"
mkdir -p "$RUN/guest/e2e" "$RUN/dom0/e2e"
install -m 755 "$E2E_DIR/guest/init" "$RUN/guest/init"
install -m 755 "$E2E_DIR/guest/runner.sh" "$E2E_DIR/guest/lib.sh" "$BUILD/xsf-pcm-play" \
	"$BUILD/xsf-slice" "$RUN/guest/e2e/"
[ "$MODE" = ours ] && install -m 644 "$MODULE" "$RUN/guest/e2e/snd_xen_front.ko"
DEMO=0
if [ -n "$DEMO_WAV" ]; then
	install -m 644 "$DEMO_WAV" "$RUN/guest/e2e/demo.wav"
	DEMO=1
fi
(cd "$RUN/guest" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$RUN/guest-ovl.cpio.gz"
cat "$E2E_CACHE/guest-$E2E_GKVER.cpio.gz" "$RUN/guest-ovl.cpio.gz" >"$RUN/dom0/e2e/guest-initrd.gz"

install -m 755 "$E2E_DIR/dom0/init" "$RUN/dom0/init"
install -m 755 "$E2E_DIR/dom0/scenarios.sh" "$BUILD/xsf-test-backend" "$BUILD/xsf-slice" \
	"$RUN/dom0/e2e/"
install -m 644 "$E2E_DIR/budgets.sh" "$RUN/dom0/e2e/"
if [ "$SNDBE" = 1 ]; then
	mkdir -p "$RUN/dom0/e2e/sndbe"
	cp -a "$sndbe"/* "$RUN/dom0/e2e/sndbe/"
fi
install -m 644 "$E2E_CACHE/vmlinuz-$E2E_GKVER" "$RUN/dom0/e2e/vmlinuz"
{
	echo "SCENARIOS=\"$SCENARIOS\""
	echo "COMPARE=\"$COMPARE\""
	echo "MODE=$MODE"
	echo "DEMO=$DEMO"
	echo "SNDBE=$SNDBE"
	printf 'SNDBE_WHY=%q\n' "$SNDBE_WHY"
	printf 'BACKEND_EXTRA=%q\n' "${E2E_BACKEND_ARGS:-}"
} >"$RUN/dom0/e2e/run.conf"
(cd "$RUN/dom0" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$RUN/dom0-ovl.cpio.gz"
cat "$E2E_CACHE/dom0-$E2E_KVER.cpio.gz" "$RUN/dom0-ovl.cpio.gz" >"$RUN/dom0-initrd.gz"

# output disk: dom0 writes a tar archive of /out to it
rm -f "$RUN/out.img"
truncate -s 512M "$RUN/out.img"

SERIAL=$LOGDIR/serial.log
log "booting Xen 4.17 + dom0 ($E2E_KVER) in QEMU/TCG, guest $E2E_GKVER, mode $MODE, scenarios $SCENARIOS, comparison ${COMPARE:-none}, budget $TOTAL_TIMEOUT s"
log "serial console: $SERIAL"
nice -n 5 qemu-system-x86_64 -accel "tcg,thread=${E2E_TCG_THREAD:-multi}" -cpu qemu64 -m 2048 -smp 2 \
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

# Verdicts: one line per scenario of ours, from the results file or,
# when the run was cut short, from the serial console.
results=$LOGDIR/out/results.txt
[ -f "$results" ] || grep -aE '^(PASS|FAIL|SKIP) [0-9]+ ' "$SERIAL" >"$LOGDIR/results-serial.txt" || true
[ -f "$results" ] || results=$LOGDIR/results-serial.txt
echo
echo "=== results ($MODE driver, guest kernel $E2E_GKVER) ==="
npass=0 nfail=0 nskip=0
for n in $SCENARIOS; do
	line=$(grep -aE "^(PASS|FAIL|SKIP) $n " "$results" | tail -n 1)
	[ -n "$line" ] || line="FAIL $n ${E2E_NAMES[$n]:-?}: not reached (${status:-the run ended early})"
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
	if [ -f "$LOGDIR/out/in-tree-table.txt" ]; then
		cat "$LOGDIR/out/in-tree-table.txt"
	else
		echo "In-tree comparison incomplete (${status:-no table}); what ran:"
		grep -a '^in-tree: ' "$SERIAL" | sed 's/^/  /' || echo "  nothing"
	fi
fi
echo
echo "times: images $((t_images - t_start)) s, dom0 boot ${t_ready:+$((t_ready - t_boot))} s, total run $((t_end - t_boot)) s of $TOTAL_TIMEOUT s"
echo "logs: $LOGDIR (serial.log, out/scenarios.log, out/backend.log, out/snd_be.log, out/commands.log, out/xen-logs/console/)"
[ "$nfail" -eq 0 ]
