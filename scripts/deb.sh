#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# deb.sh: build the xen-snd-front-dkms Debian package (make deb).
#
# The source package is assembled from the DKMS source tree and debian/ in
# a directory outside the clone, built with dpkg-buildpackage (source and
# binary), and checked with lintian -EviIL +pedantic: any error or warning
# is a failure.  Results go to $XSF_OUT/deb (default
# /var/cache/xen-snd-front/out/deb).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

out=$XSF_OUT/deb
work=$XSF_OUT/deb-build

xsf_need_root
xsf_need_pkgs build-essential dpkg-dev debhelper dh-dkms lintian

# 1. The package version is the module version.
chver=$(dpkg-parsechangelog -l "$XSF_TOP/debian/changelog" -S Version)
if [ "${chver%-*}" = "$XSF_VERSION" ]; then
	xsf_pass deb-version
else
	xsf_fail deb-version "debian/changelog is at $chver, dkms.conf PACKAGE_VERSION is $XSF_VERSION: add a changelog entry (dch -v $XSF_VERSION)"
	xsf_summary
	exit 1
fi

# 2. Build.
src=$work/$XSF_NAME-$XSF_VERSION
rm -rf "$work"
mkdir -p "$work"
xsf_stage_tree "$src" docs
cp -R "$XSF_TOP/debian" "$src/"
log=$work/build.log
if (cd "$src" && dpkg-buildpackage -us -uc -sa) >"$log" 2>&1; then
	rm -rf "$out"
	mkdir -p "$out"
	for f in "$work"/*.deb "$work"/*.dsc "$work"/*.tar.* "$work"/*.changes "$work"/*.buildinfo; do
		[ -e "$f" ] && cp "$f" "$out/"
	done
	deb=$(ls "$out"/*.deb)
	xsf_pass "deb-build ($deb)"
	# the WirePlumber example among the docs, not in the DKMS source
	doc=./usr/share/doc/$XSF_NAME-dkms/examples/51-xen-snd-front.lua
	files=$(dpkg-deb -c "$deb")
	if grep -q " $doc\$" <<<"$files" && ! grep -q "/usr/src/.*wireplumber" <<<"$files"; then
		xsf_pass "deb-docs (${doc#.})"
	else
		xsf_fail deb-docs "${doc#.} missing, or wireplumber/ in /usr/src"
	fi
else
	tail -n 30 "$log"
	xsf_fail deb-build "dpkg-buildpackage failed, see $log"
	xsf_summary
	exit 1
fi

# 3. lintian, on the source and the binary package.
changes=$(find "$out" -name '*.changes' | head -n 1)
lint=$out/lintian.txt
lintian -EviIL +pedantic --profile debian "$changes" >"$lint" 2>&1 || true
grep -v '^N:' "$lint" | sed -n '/^[EWIPXO]:/p' || true
bad=$(grep -cE '^(E|W):' "$lint" || true)
if grep -q '^internal error' "$lint"; then
	xsf_fail lintian "lintian did not run: $(grep -m1 'internal error' "$lint")"
elif [ "$bad" -eq 0 ]; then
	xsf_pass "lintian (no error or warning; full output in $lint)"
else
	xsf_fail lintian "$bad error or warning tags, see $lint"
fi

echo "deb: packages in $out"
xsf_summary
