#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# host-state.sh: print what `make check` must leave on the host as it found
# it, one sorted line per fact.  check.sh prints this before the first
# stage and after the last and fails its host-unchanged stage if the two
# differ.  Build dependencies installed with apt, and the cache under
# $XSF_CACHE, may change; these may not:
#   - installed kernels (linux-image-*, linux-headers-*, /lib/modules/*)
#   - this project's package and DKMS registration (/usr/src, /var/lib/dkms,
#     updates/dkms modules)
#   - the apt configuration (sources, preferences)
#   - mounts below $XSF_CACHE (chroot /proc, overlays)
set -u

cache=${XSF_CACHE:-/var/cache/xen-snd-front}

# dpkg-query formats are literal:
# shellcheck disable=SC2016
dpkg-query -W -f='package ${Package} ${Version} ${db:Status-Status}\n' \
	'linux-image-*' 'linux-headers-*' 'xen-snd-front*' 2>/dev/null |
	awk '$4 != "not-installed"'
for d in /lib/modules/*; do
	[ -e "$d" ] && echo "modules-dir $d"
done
find /lib/modules -path '*/updates/dkms/*' -name 'snd_xen_front.ko*' 2>/dev/null |
	sed 's/^/dkms-module /'
find /usr/src -maxdepth 1 -name 'xen-snd-front-*' 2>/dev/null | sed 's/^/dkms-source /'
[ -e /var/lib/dkms/xen-snd-front ] && echo "dkms-tree /var/lib/dkms/xen-snd-front"
if command -v dkms >/dev/null 2>&1; then
	dkms status 2>/dev/null | sed 's/^/dkms-status /'
fi
find /etc/apt -type f \( -name '*.list' -o -name '*.sources' -o -path '*/preferences*' \) \
	-exec md5sum {} + 2>/dev/null | awk '{ print "apt-config", $2, $1 }'
awk -v c="$cache" 'index($2, c) == 1 { print "mount", $2, $3 }' /proc/mounts
