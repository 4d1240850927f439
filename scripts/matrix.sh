#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# matrix.sh [SUITE...]: the kernel matrix (make matrix).
#
# For each Debian suite, with that suite's own compiler, dkms and kernel
# headers:
#   SUITE-dkms   installing the .deb builds and installs the module, and
#                modinfo -k KVER resolves it to updates/dkms with our version
#   SUITE-w1c1   make KDIR=... W=1 C=1 (extra warnings and sparse) of the
#                source tree gives no warning
# Nothing is built or installed on the host.  bookworm (6.1) and
# bookworm-backports (6.12) use the cached bookworm chroot that also serves
# the build and packages stages (scripts/lib-chroot.sh); bullseye (5.10),
# trixie (6.12) and sid use debootstrap chroots of their own (minbase + gcc
# make dkms linux-headers-amd64 sparse), all cached in $XSF_CACHE/chroots.
# The package is installed in a throwaway overlay of each chroot, so the
# cached chroots never change.  The compile probes' answers are printed
# for each kernel.
#
# Two more rows build for other architectures, W=1 C=1, against the
# headers Debian ships for bookworm's kernel there (downloaded, unpacked
# in a throwaway overlay of the bookworm chroot, whose kbuild tools run
# on this host), modpost included:
#   bookworm-i386   686-pae headers, 32-bit x86 (64-bit divisions must
#                   go through the kernel's helpers)
#   bookworm-arm64  arm64 headers (Xen guest, 4 KiB pages), built with
#                   gcc-aarch64-linux-gnu
#
# Default suites: bookworm bookworm-backports bookworm-i386 bookworm-arm64
# bullseye trixie sid.
#
# dpkg-query formats such as '${Version}' are meant literally:
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

suites=${*:-bookworm bookworm-backports bookworm-i386 bookworm-arm64 bullseye trixie sid}
read -r -a chroot_pkgs <<<"$XSF_MATRIX_PKGS"

xsf_need_root
t_start=$SECONDS
xsf_need_pkgs dpkg-dev debhelper dh-dkms lintian debootstrap

work=$(mktemp -d)
pkg=$XSF_NAME-dkms
tw=
mounted=

cleanup() {
	local d
	xsf_throwaway_down "$tw"
	for d in $mounted; do
		xsf_chroot_umount "$d"
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The package under test.
xsf_run_sub "$XSF_TOP/scripts/deb.sh" || { xsf_summary; exit 1; }
deb=$XSF_OUT/deb/${pkg}_${XSF_VERSION}_all.deb

# w1c1 NAME ROOT KVER: W=1 C=1 build of a fresh copy of the source tree for
# KVER, in ROOT (a chroot) or on the host (ROOT empty).
w1c1() {
	local name=$1 root=$2 k=$3 cross=${4:-} src log rc=0 n
	src=$root/tmp/xsf-w1c1
	log=$work/$name-w1c1.log
	xsf_stage_tree "$src"
	if [ -n "$root" ]; then
		# shellcheck disable=SC2086 # ARCH=... CROSS_COMPILE=... words
		xsf_in_chroot "$root" env $cross sh -c "cd /tmp/xsf-w1c1 && XSF_CONFTEST_VERBOSE=1 \
			make KDIR=/usr/src/linux-headers-$k W=1 C=1" >"$log" 2>&1 || rc=$?
	else
		(cd "$src" && XSF_CONFTEST_VERBOSE=1 nice make KDIR="/usr/src/linux-headers-$k" \
			W=1 C=1) >"$log" 2>&1 || rc=$?
	fi
	grep '^conftest: ' "$log" | sed "s/^/  $name $k /"
	# Compiler, sparse and modpost (undefined symbols) diagnostics.
	n=$(grep -ciE '(warning|error):|undefined!' "$log")
	if [ "$rc" -ne 0 ]; then
		grep -iE '(warning|error):|undefined!' "$log" | head -n 40
		tail -n 5 "$log"
		xsf_fail "$name-w1c1" "make KDIR=/usr/src/linux-headers-$k W=1 C=1 failed (exit $rc), log in $XSF_OUT/matrix/$name-w1c1.log"
	elif [ "$n" -ne 0 ]; then
		grep -iE '(warning|error):|undefined!' "$log" | head -n 40
		xsf_fail "$name-w1c1" "$n warnings with W=1 C=1 on $k, log in $XSF_OUT/matrix/$name-w1c1.log"
	else
		xsf_pass "$name-w1c1 ($k: W=1 C=1 build, 0 warnings)"
	fi
	mkdir -p "$XSF_OUT/matrix"
	cp "$log" "$XSF_OUT/matrix/"
	rm -rf "$src"
}

# check_dkms NAME ROOT KVER LOG: the package installed the module for KVER
# and modinfo resolves it to updates/dkms with our version.  Where the
# suite's headers do not pull in the kernel image there is no modules.dep
# to resolve names with (newer dkms skips depmod then): the installed file
# itself is checked.
check_dkms() {
	local name=$1 root=$2 k=$3 log=$4 state file path='' ver='' cc how=''
	state=$(xsf_dkms_state ${root:+"$root"} "$k")
	file=$(xsf_module_file ${root:+"$root"} "$k")
	cc=$(xsf_in "$root" gcc --version | head -n 1)
	if [ -f "$root/lib/modules/$k/modules.dep" ]; then
		how="modinfo -k $k"
		path=$(xsf_in "$root" modinfo -k "$k" -n "$XSF_MODULE" 2>&1)
		ver=$(xsf_in "$root" modinfo -k "$k" -F version "$XSF_MODULE" 2>&1)
	elif [ -n "$file" ]; then
		how="no $k image in $name: modinfo FILE"
		path=${file#"$root"}
		ver=$(xsf_in "$root" modinfo -F version "$path" 2>&1)
	fi
	echo "  $name $k: dkms ${state:-nothing}; $how: ${path:-}, version ${ver:-}"
	echo "  $name $k: gcc: $cc; kernel built with: $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' \
		"$root/usr/src/linux-headers-$k/.config" 2>/dev/null)"
	if [ "$state" != installed ] || [ -z "$file" ]; then
		grep -E 'Error|error:|Building' "$log" | head -n 20
		if [ -n "$root" ]; then
			grep -E 'error|Error' "$root/var/lib/dkms/$XSF_NAME/$XSF_VERSION/build/make.log" 2>/dev/null | head -n 20
		fi
		xsf_fail "$name-dkms" "no module installed for $k (dkms: ${state:-nothing}; see $XSF_OUT/matrix/$name-install.log)"
	elif [ "${path#"/lib/modules/$k/updates/dkms/"}" = "$path" ]; then
		xsf_fail "$name-dkms" "$how -n gives $path"
	elif [ "$ver" != "$XSF_VERSION" ]; then
		xsf_fail "$name-dkms" "$how -F version gives '$ver', not $XSF_VERSION"
	else
		xsf_pass "$name-dkms ($k, $(xsf_in "$root" dpkg-query -W -f='dkms ${Version}' dkms), $(echo "$cc" | awk '{ print $1, $NF }'))"
	fi
	mkdir -p "$XSF_OUT/matrix"
	cp "$log" "$XSF_OUT/matrix/$name-install.log"
}

# ---- suites --------------------------------------------------------------------

# install_and_check NAME BASE KVER...: install the .deb in a throwaway
# overlay of the chroot BASE, check the module for each KVER, build W=1 C=1
# there, purge the package and check that nothing is left.
install_and_check() {
	local name=$1 base=$2 R k row
	shift 2
	tw=$(xsf_throwaway_up "$base") || { xsf_fail "$name-dkms" "no throwaway root"; return; }
	R=$tw/root
	cp "$deb" "$R/tmp/"
	# A failed build fails the postinst: check_dkms shows why.
	xsf_in_chroot "$R" apt-get install -y -q "/tmp/${deb##*/}" >"$work/$name-install.log" 2>&1
	for k in "$@"; do
		# The bookworm chroot holds both of bookworm's kernels.
		row=$name
		[ "$name" = bookworm ] && [ "$k" = "${XSF_K2:-}" ] && row=bookworm-backports
		check_dkms "$row" "$R" "$k" "$work/$name-install.log"
		w1c1 "$row" "$R" "$k"
	done
	xsf_in_chroot "$R" apt-get purge -y -q "$pkg" >/dev/null 2>&1
	left=$(xsf_leftovers "$R")
	[ -z "$left" ] || xsf_fail "$name-purge" "left after purge: $(echo "$left" | tr '\n' ' ')"
	xsf_throwaway_down "$tw"
	tw=
}

# ---- chroots -------------------------------------------------------------------

case " $suites " in *" bookworm "* | *" bookworm-backports "*)
	t0=$SECONDS
	if ! xsf_bookworm_root; then
		xsf_fail bookworm-dkms "cannot make the bookworm chroot"
	else
		mounted="$mounted $XSF_ROOT"
		ks=
		case " $suites " in *" bookworm "*) ks="$XSF_K1" ;; esac
		case " $suites " in *" bookworm-backports "*) ks="$ks $XSF_K2" ;; esac
		# shellcheck disable=SC2086 # one argument per kernel
		install_and_check bookworm "$XSF_ROOT" $ks
		xsf_log "bookworm and bookworm-backports took $((SECONDS - t0)) s"
	fi
	;;
esac

# other_arch NAME DEBARCH FLAVOUR ENV: W=1 C=1 for bookworm's kernel ABI
# built for DEBARCH (headers flavour FLAVOUR), with ENV (ARCH=...).
other_arch() {
	local name=$1 debarch=$2 flavour=$3 cross=$4 abi k d R
	abi=${XSF_K1%-amd64}
	k=$abi-$flavour
	d=$XSF_CACHE/apt/debs-$debarch
	mkdir -p "$d"
	if ! ls "$d"/linux-headers-"$k"_*.deb >/dev/null 2>&1 &&
		! (cd "$d" && XSF_APT_ARCH=$debarch "$XSF_TOP/scripts/apt-suite.sh" bookworm \
			-q download "linux-headers-$k") >"$work/$name-download.log" 2>&1; then
		tail -n 5 "$work/$name-download.log"
		xsf_fail "$name-w1c1" "cannot download linux-headers-$k for $debarch"
		return
	fi
	tw=$(xsf_throwaway_up "$XSF_ROOT") || { xsf_fail "$name-w1c1" "no throwaway root"; return; }
	R=$tw/root
	# Its headers only: the common part and the kbuild tools (which run
	# here) are the amd64 kernel's, of the same ABI.
	# Only its tree under /usr/src: unpacking the whole package over the
	# root would turn the merged /lib into a directory.
	mkdir -p "$work/$name-deb"
	dpkg-deb -x "$(ls "$d"/linux-headers-"$k"_*.deb | tail -n 1)" "$work/$name-deb"
	cp -a "$work/$name-deb/usr/src/linux-headers-$k" "$R/usr/src/"
	echo "  $name $k: $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' \
		"$R/usr/src/linux-headers-$k/.config" 2>/dev/null), $(grep -E '^CONFIG_(XEN|ARM64_4K_PAGES|X86_32)=' \
		"$R/usr/src/linux-headers-$k/.config" | tr '\n' ' ')"
	w1c1 "$name" "$R" "$k" "$cross"
	xsf_throwaway_down "$tw"
	tw=
}

case " $suites " in *" bookworm-i386 "* | *" bookworm-arm64 "*)
	if [ -z "${XSF_ROOT:-}" ] && xsf_bookworm_root; then
		mounted="$mounted $XSF_ROOT"
	fi
	if [ -n "${XSF_ROOT:-}" ]; then
		case " $suites " in *" bookworm-i386 "*)
			other_arch bookworm-i386 i386 686-pae "ARCH=i386" ;;
		esac
		case " $suites " in *" bookworm-arm64 "*)
			other_arch bookworm-arm64 arm64 arm64 "ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-" ;;
		esac
	else
		xsf_fail bookworm-i386-w1c1 "cannot make the bookworm chroot"
	fi
	;;
esac

for s in $suites; do
	case $s in bookworm | bookworm-backports | bookworm-i386 | bookworm-arm64) continue ;; esac
	t0=$SECONDS
	dir=$(xsf_chroot_dir "$s")
	if ! xsf_chroot_ensure "$s" "${chroot_pkgs[@]}"; then
		xsf_fail "$s-dkms" "cannot make the $s chroot (log in $dir.log)"
		xsf_fail "$s-w1c1" "no $s chroot"
		continue
	fi
	xsf_chroot_mount "$dir"
	mounted="$mounted $dir"
	hpkg=$(chroot "$dir" dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		grep -o 'linux-headers-[0-9][^ ,]*' | head -n 1)
	k=${hpkg#linux-headers-}
	if [ -z "$k" ] || [ ! -e "$dir/usr/src/linux-headers-$k/Makefile" ]; then
		xsf_fail "$s-dkms" "no kernel headers in the $s chroot"
		xsf_fail "$s-w1c1" "no kernel headers in the $s chroot"
		continue
	fi
	install_and_check "$s" "$dir" "$k"
	xsf_log "$s took $((SECONDS - t0)) s"
done

echo "matrix: $((SECONDS - t_start)) s"
xsf_summary
