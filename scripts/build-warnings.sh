#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# build-warnings.sh [KDIR...]
#
# Builds the module with W=1 and C=1 (sparse) against each kernel build
# tree given (on this host), or by default against bookworm's 6.1 headers
# and bookworm-backports' 6.12 headers inside the cached bookworm chroot
# (scripts/lib-chroot.sh: both built with bookworm's gcc-12), so that
# nothing is installed on the host.  Every compiler or sparse diagnostic
# counts; the stage passes only with zero.  Builds happen in a scratch
# copy so the source tree stays clean.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

root=
cleanup() {
	[ -z "$root" ] || { rm -rf "$root/tmp/xsf-build"; xsf_chroot_umount "$root"; }
	rm -rf "${work:-}"
}
trap cleanup EXIT
work=$(mktemp -d)

if [ $# -eq 0 ]; then
	xsf_need_root
	xsf_need_pkgs debootstrap
	xsf_bookworm_root || xsf_die "cannot prepare the bookworm chroot"
	root=$XSF_ROOT
	set -- "/usr/src/linux-headers-$XSF_K1" "/usr/src/linux-headers-$XSF_K2"
else
	command -v sparse >/dev/null 2>&1 || xsf_need_pkgs sparse
fi

failed=0
for kdir in "$@"; do
	src=${root:-$work}/tmp/xsf-build
	log=$work/build.log
	xsf_stage_tree "$src"
	if ! (xsf_in "$root" env XSF_CONFTEST_VERBOSE=1 make -C "${src#"$root"}" \
		KDIR="$kdir" W=1 C=1) >"$log" 2>&1; then
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
