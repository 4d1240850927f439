#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Command runner of the test guest. The nodes live in this domain's xenstore
# home (created here, so the guest owns them): dom0 writes a shell command
# to data/e2e/cmd and a new sequence number to data/e2e/req; the runner runs
# the command and answers with data/e2e/out (last 2000 bytes of output),
# data/e2e/rc (exit status) and finally data/e2e/done = the sequence number.
#
# The runner waits on a xenstore watch of data/e2e/req, not by polling:
# under emulation every process a poll starts costs the whole machine
# time.  Should the watch end, it falls back to polling.
. /e2e/lib.sh
last=0
xenstore-write data/e2e/cmd "" data/e2e/req 0 data/e2e/out "" data/e2e/rc 0 \
	data/e2e/done 0
mkfifo /tmp/req.watch
xenstore-watch data/e2e/req >/tmp/req.watch 2>/dev/null &
exec 3</tmp/req.watch
xenstore-write data/e2e/ready 1
while :; do
	req=$(xenstore-read data/e2e/req 2>/dev/null || echo "$last")
	if [ "$req" = "$last" ]; then
		# one line per change of the node; no line within 5 s, or
		# the end of the watch, is a poll
		# shellcheck disable=SC3045 # busybox ash has read -t
		read -r -t 5 _ <&3 || sleep 0.1
		continue
	fi
	last=$req
	cmd=$(xenstore-read -R data/e2e/cmd 2>/dev/null) || continue
	echo "[runner] $req: $cmd"
	(eval "$cmd") >/tmp/runner.out 2>&1 </dev/null
	rc=$?
	xenstore-write -R data/e2e/out "$(tail -c 2000 /tmp/runner.out)" data/e2e/rc "$rc"
	xenstore-write data/e2e/done "$req"
	echo "[runner] $req: rc=$rc"
done
