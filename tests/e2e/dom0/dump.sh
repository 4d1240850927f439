#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# The state of the rig, printed on the console when the host's supervisor
# (run.sh) declares a rig failure and types E2E-DUMP: domains, the end of
# Xen's log, the guest's console and dom0's processes.  What /out holds so
# far is saved to the output disk, as at the end of a run, so that the
# logs of a boot the host then kills are not lost.
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "E2E-DUMP-BEGIN $(cut -d' ' -f1 /proc/uptime)"
echo "--- xl list"
timeout 10 xl list 2>&1
echo "--- xl dmesg (last 40 lines)"
timeout 10 xl dmesg 2>&1 | tail -n 40
echo "--- guest console (last 25 lines)"
tail -n 25 /var/log/xen/console/guest-*.log 2>&1 | cut -c1-200
echo "--- dom0 processes"
ps -eo pid,stat,etime,args 2>&1 | cut -c1-160
dmesg >/out/dom0-dmesg.log 2>&1
cp -a /var/log/xen /out/xen-logs 2>/dev/null
timeout 10 xl dmesg >/out/xen-dmesg.log 2>&1
if [ -b /dev/vda ] && timeout 60 tar -C /out -cf /dev/vda . && sync; then
	echo "--- /out saved to the output disk"
fi
echo "E2E-DUMP-END"
