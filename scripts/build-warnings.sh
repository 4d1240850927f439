#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# build-warnings.sh [KDIR...]
#
# Builds the module with W=1 and C=1 (sparse) against each kernel build
# tree given, or by default against the host's bookworm 6.1 headers and
# bookworm-backports 6.12 headers (installed if missing; both are built
# with bookworm's gcc-12).  Every compiler or sparse diagnostic counts;
# the stage passes only with zero.  Builds happen in a scratch copy so the
# source tree stays clean.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

command -v sparse >/dev/null 2>&1 || apt-get install -y -qq sparse >/dev/null

if [ $# -eq 0 ]; then
	ls -d /usr/src/linux-headers-6.1.*-amd64 >/dev/null 2>&1 ||
		apt-get install -y -qq linux-headers-amd64 >/dev/null
	if ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
		echo "build: installing bookworm-backports 6.12 headers"
		"$top/scripts/apt-suite.sh" bookworm-backports install -y -qq \
			-t bookworm-backports linux-headers-amd64 >/dev/null
	fi
	set -- $(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n 1) \
		$(ls -d /usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -n 1)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for kdir in "$@"; do
	rm -rf "$work/src"
	mkdir -p "$work/src"
	cp -r "$top/Makefile" "$top/Kbuild" "$top/dkms.conf" "$top/src" \
		"$top/include" "$work/src/"
	mkdir -p "$work/src/scripts"
	cp "$top/scripts/conftest.sh" "$work/src/scripts/"
	log=$work/build.log
	if ! XSF_CONFTEST_VERBOSE=1 make -C "$work/src" KDIR="$kdir" W=1 C=1 \
		>"$log" 2>&1; then
		echo "FAIL build $(basename "$kdir"): make failed"
		tail -n 30 "$log"
		failed=$((failed + 1))
		continue
	fi
	grep '^conftest:' "$log" | sed "s|^|  $(basename "$kdir") |"
	# Diagnostics: compiler "warning:"/"error:", sparse's "file:line:col: ..."
	diags=$(grep -E ':[0-9]+:[0-9]+: |warning:|error:' "$log" || true)
	if [ -n "$diags" ]; then
		echo "FAIL build $(basename "$kdir"): W=1 C=1 diagnostics"
		echo "$diags" | head -n 40
		failed=$((failed + 1))
	else
		echo "PASS build $(basename "$kdir"): W=1 C=1, no diagnostics"
	fi
done
[ "$failed" -eq 0 ]
