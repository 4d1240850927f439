#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# apt-suite.sh SUITE CMD [ARGS...]
#
# Run apt-get (download, or install for bookworm-backports) against one
# extra Debian suite without touching the host's own apt configuration.
# The mirror is taken from the host's apt configuration, never hard-coded.
# Lists and downloaded archives live under $XSF_CACHE (default
# /var/cache/xen-snd-front), outside any clone of the project.
# XSF_APT_ARCH=arm64 (say) uses another architecture's lists, for
# downloading its packages.
set -eu

suite=$1
shift
cache=${XSF_CACHE:-/var/cache/xen-snd-front}

mirror() {
	uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file|ftp):/) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	if [ -z "$uri" ]; then
		echo "apt-suite: no Debian mirror found in the apt configuration" >&2
		exit 1
	fi
	echo "$uri"
}

arch=${XSF_APT_ARCH:-}
dir=$cache/apt/$suite${arch:+-$arch}
mkdir -p "$dir/lists/partial" "$dir/archives/partial"
uri=$(mirror)
case $suite in
bookworm-backports)
	# Installing from backports also needs bookworm itself for dependencies.
	printf 'deb %s bookworm main\ndeb %s bookworm-backports main\n' "$uri" "$uri" >"$dir/sources.list" ;;
*)
	printf 'deb %s %s main\n' "$uri" "$suite" >"$dir/sources.list" ;;
esac

opts="-o Dir::Etc::sourcelist=$dir/sources.list -o Dir::Etc::sourceparts=-
 -o Dir::State::Lists=$dir/lists -o Dir::Cache::archives=$dir/archives
 -o APT::Get::List-Cleanup=0 -o Acquire::Check-Valid-Until=false"
if [ -n "$arch" ]; then
	opts="$opts -o APT::Architecture=$arch -o APT::Architectures=$arch"
fi

stamp=$dir/lists/.updated
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
	# shellcheck disable=SC2086
	apt-get $opts -qq update
	touch "$stamp"
fi
# shellcheck disable=SC2086
exec apt-get $opts "$@"
