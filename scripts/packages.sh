#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# packages.sh: build the .deb and the .rpm and prove them (make packages).
#
# The packages are built on the host (dpkg-buildpackage, lintian, rpmbuild,
# rpmlint).  Every flow that installs them, or installs and removes
# kernels, runs inside a throwaway overlay of the cached bookworm chroot
# (scripts/lib-chroot.sh: xsf_bookworm_root), never on the host, with the
# two kernels named by suite:
#   K1  bookworm's kernel ABI: image and headers present from the start
#   K2  bookworm-backports' kernel ABI: removed from the throwaway root
#       first, installed again by kernel-upgrade
#
#   kernel-upgrade .deb installed with K1 only, then linux-image-K2 and
#                  linux-headers-K2 installed with apt: the kernel's own
#                  /etc/kernel/postinst.d/dkms builds the module for K2
#   two-kernels    .deb purged and installed again: built for K1 and K2
#   modinfo        modinfo -k KVER resolves snd_xen_front to updates/dkms,
#                  with our version, over the kernel's own copy, on both
#   page-size-excluded  a kernel configured with 64 KiB pages (as RHEL's
#                  aarch64): DKMS skips it by dkms.conf's
#                  BUILD_EXCLUSIVE_CONFIG, with its message, building nothing
#   remove-purge   apt remove, then purge: the kernel's copy is back, no
#                  module, DKMS tree or /usr/src directory is left
#   rpm-scriptlets rpm -ivh (private database) runs %post against DKMS:
#                  the module is built for both kernels; rpm -e runs %preun
#   rpm-dnf        dnf --installroot installs it from a createrepo_c repo
# The throwaway root is deleted at the end: the cached chroot and the host
# are as they were.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

xsf_need_root
t_start=$SECONDS
xsf_need_pkgs dpkg-dev debhelper dh-dkms lintian rpm rpmlint debootstrap

pkg=$XSF_NAME-dkms
tw=

cleanup() {
	xsf_throwaway_down "$tw"
	[ -z "${XSF_ROOT:-}" ] || xsf_chroot_umount "$XSF_ROOT"
}
trap cleanup EXIT

# ---- build -------------------------------------------------------------------

xsf_run_sub "$XSF_TOP/scripts/deb.sh" || { xsf_summary; exit 1; }
xsf_run_sub "$XSF_TOP/scripts/rpm.sh" || { xsf_summary; exit 1; }
deb=$XSF_OUT/deb/${pkg}_${XSF_VERSION}_all.deb
rpmfile=$(ls "$XSF_OUT/rpm/$pkg-$XSF_VERSION"-*.noarch.rpm)

# ---- the throwaway bookworm --------------------------------------------------

t0=$SECONDS
xsf_bookworm_root || xsf_die "cannot prepare the bookworm chroot"
k1=$XSF_K1 k2=$XSF_K2
tw=$(xsf_throwaway_up "$XSF_ROOT") || xsf_die "cannot make a throwaway root"
R=$tw/root
log=$tw/log
mkdir -p "$log"
echo "kernels: $k1 (bookworm), $k2 (bookworm-backports); throwaway root ready in $((SECONDS - t0)) s"
cp "$deb" "$rpmfile" "$R/tmp/"
rdeb=/tmp/${deb##*/}
rrpm=/tmp/${rpmfile##*/}

in_root() { xsf_in_chroot "$R" "$@"; }

# K2 must be new to the package: the cached chroot has it (the build
# stage uses its headers), so it is taken away here; its packages stay in
# apt's cache for the kernel-upgrade flow.
if ! in_root apt-get purge -y -q "linux-image-$k2" "linux-headers-$k2" \
	>"$log/purge-k2.log" 2>&1; then
	cat "$log/purge-k2.log"
	xsf_die "cannot remove $k2 from the throwaway root"
fi
if [ -e "$R/lib/modules/$k2/build" ] || xsf_pkg_present_in "$R" "linux-image-$k2"; then
	xsf_die "$k2 is still present in the throwaway root"
fi

# check_kernel KVER: the module is built and installed for KVER.
check_kernel() {
	local state file
	state=$(xsf_dkms_state "$R" "$1")
	file=$(xsf_module_file "$R" "$1")
	if [ "$state" != installed ]; then
		echo "dkms status for $1: ${state:-nothing}"
		return 1
	fi
	if [ -z "$file" ]; then
		echo "dkms says installed but no $XSF_MODULE.ko in /lib/modules/$1/updates/dkms"
		return 1
	fi
	echo "$1: ${file#"$R"}"
}

# ---- kernel-upgrade ------------------------------------------------------------

t0=$SECONDS
if ! in_root apt-get install -y -q "$rdeb" >"$log/install1.log" 2>&1; then
	tail -n 30 "$log/install1.log"
	xsf_fail kernel-upgrade "apt-get install of the .deb failed (with $k1 only)"
elif ! why=$(check_kernel "$k1"); then
	tail -n 30 "$log/install1.log"
	xsf_fail kernel-upgrade "installing the .deb did not build for $k1: $why"
elif [ -n "$(xsf_dkms_state "$R" "$k2")" ]; then
	xsf_fail kernel-upgrade "$k2 already has the module before its kernel is installed"
elif ! in_root apt-get install -y -q --no-install-recommends -t bookworm-backports \
	-o APT::Get::Upgrade-By-Source-Package=false \
	"linux-image-$k2" "linux-headers-$k2" >"$log/kernel.log" 2>&1; then
	tail -n 30 "$log/kernel.log"
	xsf_fail kernel-upgrade "installing linux-image-$k2 and linux-headers-$k2 failed"
elif ! why=$(check_kernel "$k2"); then
	grep -i -A3 'dkms' "$log/kernel.log" | tail -n 30
	xsf_fail kernel-upgrade "the kernel's postinst hook did not build for $k2: $why"
elif ! grep -q "^dkms: running auto installation service for kernel $k2" "$log/kernel.log"; then
	tail -n 30 "$log/kernel.log"
	xsf_fail kernel-upgrade "the module is there for $k2 but the log shows no DKMS autoinstall run"
else
	grep -iE 'dkms|autoinstall' "$log/kernel.log" | sed 's/^/  /' | head -n 10
	xsf_pass "kernel-upgrade (linux-image-$k2 + headers, built by /etc/kernel/postinst.d/dkms; $((SECONDS - t0)) s)"
fi

# ---- two-kernels ---------------------------------------------------------------

t0=$SECONDS
in_root apt-get purge -y -q "$pkg" >/dev/null 2>&1
if [ ! -e "$R/lib/modules/$k2/build/Makefile" ]; then
	# kernel-upgrade stopped early: the next flows still need both kernels.
	in_root apt-get install -y -q --no-install-recommends -t bookworm-backports \
		-o APT::Get::Upgrade-By-Source-Package=false \
		"linux-image-$k2" "linux-headers-$k2" >"$log/kernel2.log" 2>&1 ||
		tail -n 20 "$log/kernel2.log"
fi
if ! in_root apt-get install -y -q "$rdeb" >"$log/install2.log" 2>&1; then
	tail -n 30 "$log/install2.log"
	xsf_fail two-kernels "apt-get install of the .deb failed"
else
	fails=
	for k in "$k1" "$k2"; do
		why=$(check_kernel "$k") && echo "  $why" || fails="$fails; $why"
	done
	if [ -z "$fails" ]; then
		xsf_pass "two-kernels (apt-get install of the .deb built for $k1 and $k2; $((SECONDS - t0)) s)"
	else
		tail -n 30 "$log/install2.log"
		xsf_fail two-kernels "${fails#; }"
	fi
fi

# ---- modinfo -------------------------------------------------------------------

fails=
for k in "$k1" "$k2"; do
	path=$(in_root modinfo -k "$k" -n "$XSF_MODULE" 2>&1)
	ver=$(in_root modinfo -k "$k" -F version "$XSF_MODULE" 2>&1)
	intree=$(find "$R/lib/modules/$k/kernel" -name "$XSF_MODULE.ko*" 2>/dev/null | head -n 1)
	case $path in
	"/lib/modules/$k/updates/dkms/$XSF_MODULE.ko"*) ;;
	*) fails="$fails; $k: modinfo -n gives '$path'" ;;
	esac
	[ "$ver" = "$XSF_VERSION" ] || fails="$fails; $k: modinfo -F version gives '$ver', not $XSF_VERSION"
	[ -n "$intree" ] || fails="$fails; $k: the kernel's own $XSF_MODULE is missing, nothing was overridden"
	echo "  $k: $path version $ver (over the kernel's ${intree#"$R"})"
done
if [ -z "$fails" ]; then
	xsf_pass "modinfo (updates/dkms wins over the kernel's copy, version $XSF_VERSION, on $k1 and $k2)"
else
	xsf_fail modinfo "${fails#; }"
fi

# ---- page-size-excluded ----------------------------------------------------------
# A kernel tree whose .config is K1's plus CONFIG_ARM64_64K_PAGES: only
# the configuration decides, so DKMS must refuse it before compiling.

fake=$k1-xsf-64k
mkdir -p "$R/usr/src/linux-headers-$fake" "$R/lib/modules/$fake"
{
	grep -v '^CONFIG_ARM64_.*_PAGES' "$R/usr/src/linux-headers-$k1/.config"
	echo CONFIG_ARM64_64K_PAGES=y
} >"$R/usr/src/linux-headers-$fake/.config"
ln -s "/usr/src/linux-headers-$fake" "$R/lib/modules/$fake/build"
in_root dkms build -m "$XSF_NAME" -v "$XSF_VERSION" -k "$fake" >"$log/exclude.log" 2>&1
rc=$?
if [ "$rc" -ne 77 ] || ! grep -q 'BUILD_EXCLUSIVE' "$log/exclude.log"; then
	cat "$log/exclude.log"
	xsf_fail page-size-excluded "dkms build for a 64 KiB-page kernel: exit $rc, not 77 (skipped) with a BUILD_EXCLUSIVE message"
elif [ -e "$R/var/lib/dkms/$XSF_NAME/$XSF_VERSION/$fake" ] ||
	[ -n "$(find "$R/lib/modules/$fake" -name "$XSF_MODULE.ko*")" ]; then
	xsf_fail page-size-excluded "DKMS skipped the 64 KiB-page kernel but left a build or a module"
else
	# the same tree with 4 KiB pages is not excluded (it has no headers,
	# so the build itself fails): the page size alone decided
	sed -i '/^CONFIG_ARM64_64K_PAGES/d' "$R/usr/src/linux-headers-$fake/.config"
	in_root dkms build -m "$XSF_NAME" -v "$XSF_VERSION" -k "$fake" >"$log/exclude-control.log" 2>&1
	rc=$?
	in_root dkms remove -m "$XSF_NAME" -v "$XSF_VERSION" -k "$fake" >/dev/null 2>&1
	if [ "$rc" -eq 77 ] || grep -q 'BUILD_EXCLUSIVE' "$log/exclude-control.log"; then
		cat "$log/exclude-control.log"
		xsf_fail page-size-excluded "a 4 KiB-page kernel is excluded too: BUILD_EXCLUSIVE_CONFIG is wrong"
	else
		grep -m 1 'BUILD_EXCLUSIVE' "$log/exclude.log" | sed 's/^/  /'
		xsf_pass "page-size-excluded (dkms build for a kernel with CONFIG_ARM64_64K_PAGES: skipped, exit 77)"
	fi
fi
rm -rf "$R/usr/src/linux-headers-$fake" "$R/lib/modules/$fake"

# ---- remove-purge --------------------------------------------------------------

fails=
if ! in_root apt-get remove -y -q "$pkg" >"$log/remove.log" 2>&1; then
	tail -n 20 "$log/remove.log"
	fails="apt-get remove failed"
else
	left=$(find "$R/lib/modules" -path '*/updates/dkms/*' -name "$XSF_MODULE.ko*")
	[ -z "$left" ] || fails="$fails; after remove: $left"
	for k in "$k1" "$k2"; do
		path=$(in_root modinfo -k "$k" -n "$XSF_MODULE" 2>&1)
		case $path in
		"/lib/modules/$k/kernel/"*) echo "  $k: back to $path" ;;
		*) fails="$fails; after remove modinfo -k $k -n gives '$path', not the kernel's module" ;;
		esac
	done
	if xsf_pkg_present_in "$R" "$pkg" &&
		! in_root apt-get purge -y -q "$pkg" >"$log/purge.log" 2>&1; then
		tail -n 20 "$log/purge.log"
		fails="$fails; apt-get purge failed"
	fi
	left=$(xsf_leftovers "$R")
	[ -z "$left" ] || fails="$fails; after purge: $(echo "$left" | tr '\n' ' ')"
fi
if [ -z "$fails" ]; then
	xsf_pass "remove-purge (no module, no /var/lib/dkms/$XSF_NAME, no /usr/src/$XSF_NAME-*)"
else
	xsf_fail remove-purge "${fails#; }"
fi

# ---- rpm-scriptlets --------------------------------------------------------------

t0=$SECONDS
fails=
if ! in_root rpm --dbpath /tmp/rpmdb --nodeps -ivh "$rrpm" >"$log/rpm-i.log" 2>&1; then
	cat "$log/rpm-i.log"
	fails="rpm -ivh failed"
else
	grep -v '^rpm: \|^\(Verifying\|Preparing\|Updating\)' "$log/rpm-i.log" | sed 's/^/  /'
	for k in "$k1" "$k2"; do
		why=$(check_kernel "$k") || fails="$fails; %post: $why"
	done
	if ! in_root rpm --dbpath /tmp/rpmdb -e "$pkg" >"$log/rpm-e.log" 2>&1; then
		cat "$log/rpm-e.log"
		fails="$fails; rpm -e failed"
	fi
	left=$(xsf_leftovers "$R")
	[ -z "$left" ] || fails="$fails; after rpm -e: $(echo "$left" | tr '\n' ' ')"
fi
if [ -z "$fails" ]; then
	xsf_pass "rpm-scriptlets (%post built and installed for $k1 and $k2, %preun removed them; $((SECONDS - t0)) s)"
else
	xsf_fail rpm-scriptlets "${fails#; }"
fi

# ---- rpm-dnf -------------------------------------------------------------------------
# The install root is empty: a stand-in package provides what a Fedora-like
# system would (dkms, kernel-devel, /bin/sh), and scriptlets are not run
# there (rpm-scriptlets runs them for real).

t0=$SECONDS
mkdir -p "$R/tmp/dnf/repo" "$R/tmp/dnf/root" "$R/tmp/dnf/stub"
cat >"$R/tmp/dnf/stub/stub.spec" <<'SPEC'
Name: xsf-test-base
Version: 1
Release: 1
Summary: Stand-ins for a dnf installroot test
License: MIT
BuildArch: noarch
Provides: dkms
Provides: kernel-devel
Provides: /bin/sh
%description
Provides what xen-snd-front-dkms requires, in an empty install root.
%files
SPEC
: >"$R/tmp/dnf/stub/dnf.conf"
dnf_opts=(-y -q --installroot=/tmp/dnf/root --releasever=1 --config=/tmp/dnf/stub/dnf.conf
	--setopt=reposdir=/dev/null --repofrompath=xsf,file:///tmp/dnf/repo --repo=xsf
	--setopt=xsf.gpgcheck=0 --setopt=tsflags=noscripts)
fails=
if ! in_root rpmbuild -bb --define "_topdir /tmp/dnf/stub/top" /tmp/dnf/stub/stub.spec \
	>"$log/stub.log" 2>&1; then
	cat "$log/stub.log"
	fails="cannot build the stand-in package"
else
	cp "$R$rrpm" "$R"/tmp/dnf/stub/top/RPMS/noarch/*.rpm "$R/tmp/dnf/repo/"
	if ! in_root createrepo_c -q /tmp/dnf/repo >"$log/createrepo.log" 2>&1; then
		cat "$log/createrepo.log"
		fails="createrepo_c failed"
	elif ! in_root dnf "${dnf_opts[@]}" install "$pkg" >"$log/dnf.log" 2>&1; then
		cat "$log/dnf.log"
		fails="dnf install failed"
	else
		in_root rpm --root /tmp/dnf/root -q "$pkg" >/dev/null 2>&1 ||
			fails="$pkg not in the install root's rpm database"
		[ -f "$R/tmp/dnf/root/usr/src/$XSF_NAME-$XSF_VERSION/dkms.conf" ] ||
			fails="$fails; no /usr/src/$XSF_NAME-$XSF_VERSION/dkms.conf in the install root"
		if ! in_root dnf "${dnf_opts[@]}" remove "$pkg" >"$log/dnf-rm.log" 2>&1; then
			cat "$log/dnf-rm.log"
			fails="$fails; dnf remove failed"
		elif [ -e "$R/tmp/dnf/root/usr/src/$XSF_NAME-$XSF_VERSION" ]; then
			fails="$fails; dnf remove left /usr/src/$XSF_NAME-$XSF_VERSION"
		fi
	fi
fi
if [ -z "$fails" ]; then
	xsf_pass "rpm-dnf (dnf --installroot install and remove from a createrepo_c repository; $((SECONDS - t0)) s)"
else
	xsf_fail rpm-dnf "${fails#; }"
fi

echo "packages: $((SECONDS - t_start)) s"
xsf_summary
