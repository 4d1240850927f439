#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# prepare.sh [STAGE...]: make (or refresh) the cached chroots and images
# the given stages need, without running any test.  check.sh runs it in
# the background while KUnit compiles, so that the downloads and
# debootstraps overlap with the compiler.  Each piece takes a lock, so a
# stage that needs one waits until it is ready; a piece that fails here is
# simply made again by the stage that needs it.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

stages=" ${*:-build packages matrix e2e e2e-kernels e2e-arm64} "
rc=0
t0=$SECONDS

cleanup() {
	[ -z "${XSF_ROOT:-}" ] || xsf_chroot_umount "$XSF_ROOT"
}
trap cleanup EXIT

step() {
	local name=$1 t=$SECONDS
	shift
	if "$@"; then
		echo "prepare: $name ready ($((SECONDS - t)) s)"
	else
		echo "prepare: $name FAILED ($((SECONDS - t)) s)"
		rc=1
	fi
}

case $stages in *" build "* | *" packages "* | *" matrix "* | *" e2e"*)
	xsf_need_pkgs debootstrap
	step bookworm xsf_bookworm_root
	;;
esac
case $stages in *" e2e "*)
	step e2e-images "$XSF_TOP/tests/e2e/build-images.sh"
	;;
esac
case $stages in *" matrix "*)
	for s in bullseye trixie sid; do
		# shellcheck disable=SC2086 # one argument per package
		step "$s" xsf_chroot_ensure "$s" $XSF_MATRIX_PKGS
	done
	;;
esac
case $stages in *" e2e-kernels "*)
	# the newest guest kernel: its chroot (headers) and its image
	step e2e-sid-images env E2E_GUEST=sid "$XSF_TOP/tests/e2e/build-images.sh"
	;;
esac
case $stages in *" e2e-arm64 "*)
	step e2e-arm64-images env E2E_ARCH=arm64 "$XSF_TOP/tests/e2e/build-images.sh"
	;;
esac
echo "prepare: done in $((SECONDS - t0)) s"
exit $rc
