#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Demo: play a test tone through the Xen PV sound card of a guest and keep
# what the dom0 backend received as a WAV file, plus a PNG plot of the sent
# against the received waveform.
#
#   tests/e2e/demo.sh [--module PATH | --in-tree]
#
# Without arguments this repository's driver is built for the rig's kernel
# and used.
set -eu

. "$(dirname "$0")/lib.sh"

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
	args=(--module "$(e2e_build_module)")
fi

PY=/usr/bin/python3
if ! command -v gnuplot >/dev/null; then
	log "installing gnuplot-nox for the plot"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null
fi

DEMO=$E2E_CACHE/demo
mkdir -p "$DEMO"
# 3 s, 48 kHz, stereo S16_LE: 440 Hz on the left, 660 Hz on the right,
# with a short fade in and out
"$PY" - "$DEMO/sent.wav" "$DEMO/sent.raw" <<'EOF'
import math, struct, sys, wave
rate, secs = 48000, 3.0
n = int(rate * secs)
frames = bytearray()
for i in range(n):
    env = min(1.0, i / 2400, (n - 1 - i) / 2400)
    l = int(12000 * env * math.sin(2 * math.pi * 440 * i / rate))
    r = int(12000 * env * math.sin(2 * math.pi * 660 * i / rate))
    frames += struct.pack('<hh', l, r)
with wave.open(sys.argv[1], 'wb') as w:
    w.setnchannels(2)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(bytes(frames))
open(sys.argv[2], 'wb').write(frames)
EOF

rc=0
"$E2E_DIR/run.sh" "${args[@]}" --scenarios none --demo "$DEMO/sent.wav" | tee "$DEMO/run.log" || rc=$?
LOGDIR=$(readlink -f "$E2E_CACHE/logs/latest")
RECV=$LOGDIR/out/demo-received.raw
[ -f "$RECV" ] || die "the backend received nothing (run status $rc), see $LOGDIR"
cp "$RECV" "$DEMO/received.raw"

"$PY" - "$DEMO/sent.raw" "$DEMO/received.raw" "$DEMO/received.wav" <<'EOF'
import hashlib, sys, wave
sent = open(sys.argv[1], 'rb').read()
recv = open(sys.argv[2], 'rb').read()
with wave.open(sys.argv[3], 'wb') as w:
    w.setnchannels(2)
    w.setsampwidth(2)
    w.setframerate(48000)
    w.writeframes(recv)
same = recv[:len(sent)] == sent
tail = recv[len(sent):]
print("sent %d bytes, received %d bytes; first %d bytes identical: %s; %d bytes of padding%s"
      % (len(sent), len(recv), len(sent), "yes" if same else "NO", len(tail),
         " (silence)" if not tail.strip(b"\0") else " (NOT silence)"))
print("sha256 sent     %s" % hashlib.sha256(sent).hexdigest())
print("sha256 received %s" % hashlib.sha256(recv[:len(sent)]).hexdigest())
EOF

gnuplot <<EOF
set terminal pngcairo size 1200,800 noenhanced
set output "$DEMO/waveform.png"
set multiplot layout 2,1 title "Xen PV sound: sent (guest) vs received (dom0 backend), left channel"
set xlabel "time (ms)"
set ylabel "sample"
set key top right
set title "first 20 ms (fade in)"
plot [0:20] "$DEMO/sent.raw" binary format='%int16%int16' using (\$0/48.0):1 with lines lw 4 lc rgb "#b0b0b0" title "sent", \
     "$DEMO/received.raw" binary format='%int16%int16' using (\$0/48.0):1 with lines lw 1 lc rgb "#d00000" title "received"
set title "1000 ms to 1010 ms"
plot [1000:1010] "$DEMO/sent.raw" binary format='%int16%int16' using (\$0/48.0):1 with lines lw 4 lc rgb "#b0b0b0" title "sent", \
     "$DEMO/received.raw" binary format='%int16%int16' using (\$0/48.0):1 with lines lw 1 lc rgb "#d00000" title "received"
unset multiplot
EOF

echo
echo "demo output:"
echo "  sent tone:      $DEMO/sent.wav"
echo "  received audio: $DEMO/received.wav"
echo "  plot:           $DEMO/waveform.png"
echo "  run logs:       $LOGDIR"
