#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# packages.sh: build the .deb and the .rpm and prove them on this Debian 12
# host (make packages).  Runs as root; installs what it needs with apt.
#
# Order (the kernel-upgrade flow needs a kernel the package has not seen):
#   clean start    our package purged; the bookworm-backports kernel removed
#   kernel-upgrade .deb installed with the bookworm headers only, then
#                  linux-image + linux-headers from bookworm-backports: the
#                  kernel's own /etc/kernel/postinst.d/dkms builds the module
#   two-kernels    .deb purged and installed again with both kernels'
#                  headers present: built and installed for both
#   modinfo        modinfo -k KVER resolves snd_xen_front to updates/dkms,
#                  with our version, for both kernels
#   remove-purge   apt remove, then purge: no module, dkms tree or source
#   rpm-scriptlets rpm -ivh (private database) runs %post against dkms: the
#                  module is built for both kernels; rpm -e runs %preun
#   rpm-dnf        dnf --installroot installs it from a createrepo_c repo
# The bookworm-backports kernel stays installed at the end; our packages
# do not.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

xsf_need_root
t_start=$SECONDS
xsf_need_pkgs dpkg-dev debhelper dh-dkms lintian rpm rpmlint dkms kmod \
	gcc make createrepo-c dnf

work=$(mktemp -d)
rpmdb=$work/rpmdb
pkg=$XSF_NAME-dkms

cleanup() {
	if xsf_pkg_present "$pkg"; then
		apt-get purge -y -q "$pkg" >/dev/null 2>&1
	fi
	if [ -d "$rpmdb" ] && rpm --dbpath "$rpmdb" -q "$pkg" >/dev/null 2>&1; then
		rpm --dbpath "$rpmdb" -e "$pkg" >/dev/null 2>&1
	fi
	# A kernel whose DKMS hook failed is left half-configured: with our
	# package gone its configuration now succeeds.
	dpkg --configure -a >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

# ---- kernels ---------------------------------------------------------------

xsf_host_kernels
k1=$XSF_K1 k2=$XSF_K2 k2_pkg=$XSF_K2_PKG
echo "kernels: $k1 (bookworm), $k2 (bookworm-backports)"

# ---- build -------------------------------------------------------------------

xsf_run_sub "$XSF_TOP/scripts/deb.sh" || { xsf_summary; exit 1; }
xsf_run_sub "$XSF_TOP/scripts/rpm.sh" || { xsf_summary; exit 1; }
deb=$XSF_OUT/deb/${pkg}_${XSF_VERSION}_all.deb
rpmfile=$(ls "$XSF_OUT/rpm/$pkg-$XSF_VERSION"-*.noarch.rpm)

# ---- clean start -------------------------------------------------------------

if xsf_pkg_present "$pkg"; then
	xsf_log "purging $pkg left from before"
	apt-get purge -y -q "$pkg" >/dev/null
fi
for v in $(xsf_dkms_versions ""); do
	xsf_log "removing $XSF_NAME/$v registered in DKMS outside a package"
	dkms remove -m "$XSF_NAME" -v "$v" --all >/dev/null
done
for d in /usr/src/"$XSF_NAME"-*; do
	[ -d "$d" ] || continue
	dpkg -S "$d" >/dev/null 2>&1 && continue
	xsf_log "removing $d left from before"
	rm -rf "$d"
done
if xsf_pkg_present "linux-image-$k2" || xsf_pkg_present "$k2_pkg"; then
	xsf_log "removing linux-image-$k2 so that it can be installed as a new kernel"
	apt-get purge -y -q "linux-image-$k2" "$k2_pkg" >"$work/purge-k2.log" 2>&1 ||
		{ cat "$work/purge-k2.log"; xsf_die "cannot remove linux-image-$k2"; }
fi

# check_kernel KVER: the module is built and installed for KVER.
check_kernel() {
	local state file
	state=$(xsf_dkms_state "$1")
	file=$(xsf_module_file "$1")
	if [ "$state" != installed ]; then
		echo "dkms status for $1: ${state:-nothing}"
		return 1
	fi
	if [ -z "$file" ]; then
		echo "dkms says installed but no $XSF_MODULE.ko in /lib/modules/$1/updates/dkms"
		return 1
	fi
	echo "$1: $file"
}

# ---- kernel-upgrade ------------------------------------------------------------
# INITRD=No only skips the initramfs of a kernel this host never boots
# (/etc/kernel/postinst.d/initramfs-tools honours it); every other
# postinst hook, dkms's among them, runs as on any kernel upgrade.

t0=$SECONDS
if ! apt-get install -y -q "$deb" >"$work/install1.log" 2>&1; then
	tail -n 30 "$work/install1.log"
	xsf_fail kernel-upgrade "apt-get install $deb failed (with $k1 headers only)"
elif ! why=$(check_kernel "$k1"); then
	tail -n 30 "$work/install1.log"
	xsf_fail kernel-upgrade "installing the .deb did not build for $k1: $why"
elif [ -n "$(xsf_dkms_state "$k2")" ]; then
	xsf_fail kernel-upgrade "$k2 already has the module before its kernel is installed"
elif ! INITRD=No xsf_bpo_install "linux-image-$k2" "$k2_pkg" >"$work/kernel.log" 2>&1; then
	tail -n 30 "$work/kernel.log"
	xsf_fail kernel-upgrade "installing linux-image-$k2 and $k2_pkg failed"
elif ! why=$(check_kernel "$k2"); then
	grep -i -A3 'dkms' "$work/kernel.log" | tail -n 30
	xsf_fail kernel-upgrade "the kernel's postinst hook did not build for $k2: $why"
elif ! grep -q "^dkms: running auto installation service for kernel $k2" "$work/kernel.log"; then
	tail -n 30 "$work/kernel.log"
	xsf_fail kernel-upgrade "the module is there for $k2 but the log shows no DKMS autoinstall run"
else
	grep -iE 'dkms|autoinstall' "$work/kernel.log" | sed 's/^/  /' | head -n 10
	xsf_pass "kernel-upgrade (linux-image-$k2 + headers, built by /etc/kernel/postinst.d/dkms; $((SECONDS - t0)) s)"
fi

# ---- two-kernels ---------------------------------------------------------------

t0=$SECONDS
apt-get purge -y -q "$pkg" >/dev/null 2>&1
dpkg --configure -a >/dev/null 2>&1
if ! xsf_pkg_installed "$k2_pkg"; then
	# kernel-upgrade stopped early: the next flows still need both kernels.
	INITRD=No xsf_bpo_install "linux-image-$k2" "$k2_pkg" >"$work/kernel2.log" 2>&1 ||
		tail -n 20 "$work/kernel2.log"
fi
if ! apt-get install -y -q "$deb" >"$work/install2.log" 2>&1; then
	tail -n 30 "$work/install2.log"
	xsf_fail two-kernels "apt-get install $deb failed"
else
	fails=
	for k in "$k1" "$k2"; do
		why=$(check_kernel "$k") && echo "  $why" || fails="$fails; $why"
	done
	if [ -z "$fails" ]; then
		xsf_pass "two-kernels (apt-get install of the .deb built for $k1 and $k2; $((SECONDS - t0)) s)"
	else
		tail -n 30 "$work/install2.log"
		xsf_fail two-kernels "${fails#; }"
	fi
fi

# ---- modinfo -------------------------------------------------------------------

fails=
for k in "$k1" "$k2"; do
	path=$(modinfo -k "$k" -n "$XSF_MODULE" 2>&1)
	ver=$(modinfo -k "$k" -F version "$XSF_MODULE" 2>&1)
	intree=$(find "/lib/modules/$k/kernel" -name "$XSF_MODULE.ko*" 2>/dev/null | head -n 1)
	case $path in
	"/lib/modules/$k/updates/dkms/$XSF_MODULE.ko"*) ;;
	*) fails="$fails; $k: modinfo -n gives '$path'" ;;
	esac
	[ "$ver" = "$XSF_VERSION" ] || fails="$fails; $k: modinfo -F version gives '$ver', not $XSF_VERSION"
	echo "  $k: $path version $ver${intree:+ (in-tree copy present: $intree)}"
done
if [ -z "$fails" ]; then
	xsf_pass "modinfo (updates/dkms wins, version $XSF_VERSION, on $k1 and $k2)"
else
	xsf_fail modinfo "${fails#; }"
fi

# ---- remove-purge --------------------------------------------------------------

fails=
if ! apt-get remove -y -q "$pkg" >"$work/remove.log" 2>&1; then
	tail -n 20 "$work/remove.log"
	fails="apt-get remove failed"
else
	left=$(find /lib/modules -path '*/updates/dkms/*' -name "$XSF_MODULE.ko*")
	[ -z "$left" ] || fails="$fails; after remove: $left"
	path=$(modinfo -k "$k2" -n "$XSF_MODULE" 2>&1)
	case $path in
	"/lib/modules/$k2/kernel/"*) echo "  $k2: back to $path" ;;
	*) fails="$fails; after remove modinfo -k $k2 -n gives '$path', not the in-tree module" ;;
	esac
	if xsf_pkg_present "$pkg" && ! apt-get purge -y -q "$pkg" >"$work/purge.log" 2>&1; then
		tail -n 20 "$work/purge.log"
		fails="$fails; apt-get purge failed"
	fi
	left=$(xsf_leftovers "")
	[ -z "$left" ] || fails="$fails; after purge: $(echo "$left" | tr '\n' ' ')"
fi
if [ -z "$fails" ]; then
	xsf_pass "remove-purge (no module, no /var/lib/dkms/$XSF_NAME, no /usr/src/$XSF_NAME-*)"
else
	xsf_fail remove-purge "${fails#; }"
fi

# ---- rpm-scriptlets --------------------------------------------------------------

t0=$SECONDS
mkdir -p "$rpmdb"
fails=
if ! rpm --dbpath "$rpmdb" --nodeps -ivh "$rpmfile" >"$work/rpm-i.log" 2>&1; then
	cat "$work/rpm-i.log"
	fails="rpm -ivh failed"
else
	grep -v '^rpm: \|^\(Verifying\|Preparing\|Updating\)' "$work/rpm-i.log" | sed 's/^/  /'
	for k in "$k1" "$k2"; do
		why=$(check_kernel "$k") || fails="$fails; %post: $why"
	done
	if ! rpm --dbpath "$rpmdb" -e "$pkg" >"$work/rpm-e.log" 2>&1; then
		cat "$work/rpm-e.log"
		fails="$fails; rpm -e failed"
	fi
	left=$(xsf_leftovers "")
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
repo=$work/repo
root=$work/root
mkdir -p "$repo" "$root" "$work/stub"
cat >"$work/stub/stub.spec" <<'SPEC'
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
fails=
dnf_opts=(-y -q --installroot="$root" --releasever=1 --config="$work/stub/dnf.conf"
	--setopt=reposdir=/dev/null --repofrompath="xsf,file://$repo" --repo=xsf
	--setopt=xsf.gpgcheck=0 --setopt=tsflags=noscripts)
: >"$work/stub/dnf.conf"
if ! rpmbuild -bb --define "_topdir $work/stub/top" "$work/stub/stub.spec" >"$work/stub.log" 2>&1; then
	cat "$work/stub.log"
	fails="cannot build the stand-in package"
else
	cp "$rpmfile" "$work"/stub/top/RPMS/noarch/*.rpm "$repo/"
	if ! createrepo_c -q "$repo" >"$work/createrepo.log" 2>&1; then
		cat "$work/createrepo.log"
		fails="createrepo_c failed"
	elif ! dnf "${dnf_opts[@]}" install "$pkg" >"$work/dnf.log" 2>&1; then
		cat "$work/dnf.log"
		fails="dnf install failed"
	else
		rpm --root "$root" -q "$pkg" >/dev/null 2>&1 || fails="$pkg not in the install root's rpm database"
		[ -f "$root/usr/src/$XSF_NAME-$XSF_VERSION/dkms.conf" ] ||
			fails="$fails; no /usr/src/$XSF_NAME-$XSF_VERSION/dkms.conf in the install root"
		if ! dnf "${dnf_opts[@]}" remove "$pkg" >"$work/dnf-rm.log" 2>&1; then
			cat "$work/dnf-rm.log"
			fails="$fails; dnf remove failed"
		elif [ -e "$root/usr/src/$XSF_NAME-$XSF_VERSION" ]; then
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
