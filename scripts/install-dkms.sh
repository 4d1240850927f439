#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# install-dkms.sh [--remove]: install the driver from this checkout through
# DKMS (make install-dkms), without building a package.
#
#   1. installs dkms, and the running kernel's headers when the
#      distribution has them (apt-get or dnf);
#   2. copies the DKMS source tree to /usr/src/NAME-VERSION;
#   3. dkms add, then dkms build and dkms install -k KVER for every kernel
#      whose headers are installed (/lib/modules/KVER/build).
# DKMS then rebuilds the module for each new kernel by itself (AUTOINSTALL).
#
# --remove undoes it: every version of the module is removed from DKMS and
# from every kernel, and its /usr/src directory is deleted.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

say() { echo "install-dkms: $*"; }

xsf_need_root
src=/usr/src/$XSF_NAME-$XSF_VERSION

owned_by_package() {
	{ command -v dpkg >/dev/null && dpkg -S "$1" >/dev/null 2>&1; } ||
		{ command -v rpm >/dev/null && rpm -qf "$1" >/dev/null 2>&1; }
}

registered_versions() {
	dkms status -m "$XSF_NAME" 2>/dev/null |
		sed -n "s|^${XSF_NAME}[/,] *\([^,:]*\).*|\1|p" | sort -u
}

if [ "${1:-}" = --remove ]; then
	if ! command -v dkms >/dev/null; then
		say "dkms is not installed: nothing to remove"
		exit 0
	fi
	for v in $(registered_versions); do
		if owned_by_package "/usr/src/$XSF_NAME-$v"; then
			say "$XSF_NAME $v comes from a package: remove that package instead (apt remove $XSF_NAME-dkms)"
			continue
		fi
		say "dkms remove $XSF_NAME/$v --all"
		dkms remove -m "$XSF_NAME" -v "$v" --all >/dev/null
	done
	for d in /usr/src/"$XSF_NAME"-*; do
		[ -d "$d" ] || continue
		owned_by_package "$d" && continue
		say "removing $d"
		rm -rf "$d"
	done
	say "done; the kernel's own $XSF_MODULE is used again"
	exit 0
elif [ $# -gt 0 ]; then
	echo "usage: $0 [--remove]" >&2
	exit 2
fi

# 1. dkms and headers.
kver=$(uname -r)
if command -v apt-get >/dev/null; then
	xsf_need_pkgs dkms
	if [ ! -e "/lib/modules/$kver/build/Makefile" ]; then
		if apt-cache show "linux-headers-$kver" >/dev/null 2>&1; then
			xsf_need_pkgs "linux-headers-$kver"
			say "installed linux-headers-$kver"
		else
			say "no linux-headers-$kver package for the running kernel; building for the kernels that have headers"
		fi
	fi
elif command -v dnf >/dev/null; then
	rpm -q dkms >/dev/null 2>&1 || dnf -y install dkms
	if [ ! -e "/lib/modules/$kver/build/Makefile" ]; then
		dnf -y install "kernel-devel-$kver" ||
			say "no kernel-devel-$kver for the running kernel; building for the kernels that have headers"
	fi
fi
command -v dkms >/dev/null || xsf_die "dkms is not installed and this script cannot install it here"

kernels=
for d in /lib/modules/*; do
	[ -e "$d/build/Makefile" ] && kernels="$kernels ${d##*/}"
done
[ -n "$kernels" ] || xsf_die "no kernel has its headers installed (/lib/modules/*/build); install them first"

# 2. the source.
if owned_by_package "$src"; then
	xsf_die "$src belongs to an installed package: remove it first (apt remove $XSF_NAME-dkms)"
fi
for v in $(registered_versions); do
	say "dkms remove $XSF_NAME/$v --all (installed before)"
	dkms remove -m "$XSF_NAME" -v "$v" --all >/dev/null
done
xsf_stage_tree "$src"
say "copied the source to $src"

# 3. add, build, install.
dkms add -m "$XSF_NAME" -v "$XSF_VERSION" >/dev/null
say "dkms add $XSF_NAME/$XSF_VERSION"
failed=0
for k in $kernels; do
	rc=0
	dkms build -m "$XSF_NAME" -v "$XSF_VERSION" -k "$k" >/dev/null || rc=$?
	if [ "$rc" -eq 77 ]; then
		say "$k: skipped (this kernel lacks Xen frontends or ALSA PCM)"
		continue
	elif [ "$rc" -ne 0 ]; then
		say "$k: build FAILED, see /var/lib/dkms/$XSF_NAME/$XSF_VERSION/build/make.log"
		failed=1
		continue
	fi
	dkms install -m "$XSF_NAME" -v "$XSF_VERSION" -k "$k" >/dev/null
	say "$k: installed $(modinfo -k "$k" -n "$XSF_MODULE"), version $(modinfo -k "$k" -F version "$XSF_MODULE")"
done
dkms status -m "$XSF_NAME"
if [ "$kernels" != "${kernels/ $kver/}" ]; then
	say "load it now: modprobe -r $XSF_MODULE; modprobe $XSF_MODULE (check: cat /sys/module/$XSF_MODULE/version)"
fi
say "undo with: make uninstall-dkms (scripts/install-dkms.sh --remove)"
exit $failed
