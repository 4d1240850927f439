# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Common settings for the end-to-end rig (sourced by the other scripts).

XSF_CACHE=${XSF_CACHE:-/var/cache/xen-snd-front}
E2E_CACHE=$XSF_CACHE/e2e
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)

# Kernel of dom0 and the guest: the Debian 6.1 kernel matching the host's
# installed headers (newest ABI if several are installed).
if [ -z "${E2E_KVER:-}" ]; then
	E2E_KVER=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.1.0-*-amd64' -printf '%f\n' |
		sed 's/^linux-headers-//' | sort -V | tail -n 1)
fi
if [ -z "$E2E_KVER" ]; then
	echo "e2e: no /usr/src/linux-headers-6.1.0-*-amd64 found" >&2
	exit 1
fi
E2E_XEN_PKG=xen-hypervisor-4.17-amd64

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Debian mirror from the host's apt configuration (never hard-coded).
debian_mirror() {
	uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file|ftp):/) { print $i; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror in the apt configuration"
	echo "$uri"
}
