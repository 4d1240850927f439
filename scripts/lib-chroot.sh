# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash
#
# Helpers shared by the packaging scripts (deb.sh, rpm.sh, packages.sh,
# matrix.sh, install-dkms.sh): the DKMS source tree, results, apt, and
# debootstrap chroots of other Debian suites.  Source it from bash.
#
# Everything kept between runs lives under $XSF_CACHE
# (default /var/cache/xen-snd-front), never inside the clone:
#   $XSF_CACHE/out/deb, out/rpm     built packages
#   $XSF_CACHE/chroots/SUITE        debootstrap chroots
#   $XSF_CACHE/apt/SUITE            apt lists and archives (scripts/apt-suite.sh)

XSF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XSF_CACHE=${XSF_CACHE:-/var/cache/xen-snd-front}
XSF_OUT=${XSF_OUT:-$XSF_CACHE/out}
export XSF_CACHE DEBIAN_FRONTEND=noninteractive

# The DKMS source tree: exactly what /usr/src/NAME-VERSION holds.
XSF_TREE_FILES="dkms.conf Makefile Kbuild src include scripts/conftest.sh"
# Documentation, in the packages' doc directory: README, license, and the
# WirePlumber settings for a Xen PV guest (an example to install by hand).
XSF_TREE_DOCS="README.md LICENSE scripts/wireplumber/51-xen-snd-front.lua"

xsf_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
xsf_die() { xsf_log "$*"; exit 1; }

# xsf_dkms_field NAME: a value from dkms.conf, quotes removed.
xsf_dkms_field() {
	sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$XSF_TOP/dkms.conf"
}
XSF_NAME=$(xsf_dkms_field PACKAGE_NAME)
XSF_VERSION=$(xsf_dkms_field PACKAGE_VERSION)
XSF_MODULE=$(xsf_dkms_field 'BUILT_MODULE_NAME\[0\]')
if [ -z "$XSF_NAME" ] || [ -z "$XSF_VERSION" ] || [ -z "$XSF_MODULE" ]; then
	xsf_die "cannot read PACKAGE_NAME, PACKAGE_VERSION and BUILT_MODULE_NAME[0] from dkms.conf"
fi

# xsf_stage_tree DEST [docs]: copy the DKMS source tree to DEST (created,
# emptied), without build products; with "docs", XSF_TREE_DOCS too (the
# packages' source, whose build puts them in the doc directory).
xsf_stage_tree() {
	local dest=$1 f docs=()
	rm -rf "$dest"
	mkdir -p "$dest"
	for f in $XSF_TREE_FILES; do
		[ -e "$XSF_TOP/$f" ] || xsf_die "missing $f in $XSF_TOP"
	done
	for f in $XSF_TREE_DOCS; do
		if [ "${2:-}" = docs ] && [ -e "$XSF_TOP/$f" ]; then docs+=("$f"); fi
	done
	# shellcheck disable=SC2086
	tar -C "$XSF_TOP" -cf - \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude=modules.order --exclude=Module.symvers \
		--exclude='*.orig' --exclude='*.rej' --exclude='*~' \
		$XSF_TREE_FILES "${docs[@]}" | tar -C "$dest" -xf -
}

# ---- results -----------------------------------------------------------

XSF_PASSED=0
XSF_FAILED=0
xsf_pass() {
	XSF_PASSED=$((XSF_PASSED + 1))
	echo "PASS $1"
}
xsf_fail() {
	XSF_FAILED=$((XSF_FAILED + 1))
	echo "FAIL $1: $2"
}
# xsf_summary: print the closing line and return non-zero on any failure.
xsf_summary() {
	echo "$XSF_PASSED passed, $XSF_FAILED failed"
	[ "$XSF_FAILED" -eq 0 ]
}

# ---- host apt ----------------------------------------------------------

xsf_need_root() {
	[ "$(id -u)" = 0 ] || xsf_die "run as root (it installs packages)"
}

XSF_APT_UPDATED=
# xsf_need_pkgs PKG...: install the packages that are not installed yet.
xsf_need_pkgs() {
	local p missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	xsf_log "installing$missing"
	if [ -z "$XSF_APT_UPDATED" ]; then
		apt-get -qq update
		XSF_APT_UPDATED=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends \
		$missing >/dev/null || xsf_die "apt-get install$missing failed"
}

# xsf_mirror: the Debian mirror the host's apt configuration uses.
xsf_mirror() {
	local uri=
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file|ftp):/) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || xsf_die "no Debian mirror found in the apt configuration"
	echo "$uri"
}

# xsf_pkg_present PKG: true when PKG is installed or only its configuration
# files are left.
xsf_pkg_present() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != not-installed ]
}

# xsf_pkg_installed PKG: true when PKG is fully installed.
xsf_pkg_installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# ---- what a kernel has -------------------------------------------------

# xsf_module_file [ROOT] KVER: the module file our package installed, or
# nothing.
xsf_module_file() {
	local root=
	[ $# -eq 2 ] && { root=$1; shift; }
	find "$root/lib/modules/$1/updates/dkms" -maxdepth 1 \
		-name "$XSF_MODULE.ko*" 2>/dev/null | head -n 1
}

# xsf_leftovers [ROOT]: print what a removed package left behind.
xsf_leftovers() {
	local root=${1:-}
	find "$root/var/lib/dkms/$XSF_NAME" -maxdepth 0 2>/dev/null
	find "$root/usr/src" -maxdepth 1 -name "$XSF_NAME-*" 2>/dev/null
	find "$root/lib/modules" -mindepth 3 -maxdepth 4 -path '*/updates/dkms/*' \
		-name "$XSF_MODULE.ko*" 2>/dev/null
}

# ---- debootstrap chroots -------------------------------------------------

# xsf_chroot_dir SUITE
xsf_chroot_dir() { echo "$XSF_CACHE/chroots/$1"; }

# xsf_chroot_mount DIR / xsf_chroot_umount DIR: /proc for dkms, and the
# host's resolver for apt.
xsf_chroot_mount() {
	mountpoint -q "$1/proc" || mount -t proc proc "$1/proc"
	cp -L /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
	# No /dev/pts in the chroot: let dpkg run without a pseudo-terminal.
	echo 'Dpkg::Use-Pty "0";' >"$1/etc/apt/apt.conf.d/90xsf-no-pty"
}
xsf_chroot_umount() {
	if mountpoint -q "$1/proc"; then
		umount "$1/proc" || umount -l "$1/proc"
	fi
}

# xsf_in_chroot DIR CMD...: run CMD inside DIR with a clean environment.
# A chroot never boots its kernel: INITRD=No skips building an initramfs
# when a suite's headers pull in a linux-image.
xsf_in_chroot() {
	local dir=$1
	shift
	chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive INITRD=No "$@"
}

# xsf_chroot_ensure SUITE PKG...: a minbase chroot of SUITE with PKG
# installed, made once and kept under $XSF_CACHE/chroots.  A kept chroot
# gets the packages it lacks, and apt-get dist-upgrade once a week.
xsf_chroot_ensure() {
	local fd rc
	mkdir -p "$XSF_CACHE/chroots"
	# One maker at a time: check.sh prepares chroots in the background
	# while the stages may ask for the same one.
	exec {fd}>"$(xsf_chroot_dir "$1").lock"
	flock "$fd"
	xsf_chroot_make "$@"
	rc=$?
	exec {fd}>&-
	return $rc
}

xsf_chroot_make() {
	local suite=$1 dir mirror stamp
	shift
	dir=$(xsf_chroot_dir "$suite")
	stamp=$dir/.xsf-ready
	if [ -f "$stamp" ]; then
		if [ "$(cat "$stamp")" != "$*" ] || [ -n "$(find "$stamp" -mtime +7)" ]; then
			xsf_log "$suite: updating the chroot"
			xsf_chroot_mount "$dir"
			if xsf_in_chroot "$dir" apt-get -qq update >"$dir.log" 2>&1 &&
				xsf_in_chroot "$dir" apt-get -y -q dist-upgrade >>"$dir.log" 2>&1 &&
				xsf_in_chroot "$dir" apt-get -y -q install --no-install-recommends "$@" \
					>>"$dir.log" 2>&1; then
				xsf_in_chroot "$dir" apt-get -y -q autoremove --purge >>"$dir.log" 2>&1
				xsf_in_chroot "$dir" apt-get clean
				echo "$*" >"$stamp"
			else
				tail -n 20 "$dir.log" >&2
				xsf_log "$suite: updating failed (see $dir.log)"
				[ "$(cat "$stamp")" = "$*" ] || return 1
			fi
		fi
		return 0
	fi
	if [ -d "$dir" ]; then
		xsf_chroot_umount "$dir"
		rm -rf --one-file-system "$dir"
	fi
	mkdir -p "$dir"
	mirror=$(xsf_mirror)
	xsf_log "$suite: debootstrap (minbase) into $dir"
	if ! debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$dir.log" 2>&1; then
		tail -n 20 "$dir.log" >&2
		xsf_log "$suite: debootstrap failed (see $dir.log)"
		return 1
	fi
	# Unpacking a kernel's headers is dominated by fsync: a throwaway
	# chroot does not need it.
	echo force-unsafe-io >"$dir/etc/dpkg/dpkg.cfg.d/xsf-unsafe-io"
	xsf_chroot_mount "$dir"
	xsf_log "$suite: installing $*"
	if ! xsf_in_chroot "$dir" apt-get -y -q install --no-install-recommends "$@" \
		>>"$dir.log" 2>&1; then
		tail -n 20 "$dir.log" >&2
		xsf_log "$suite: apt-get install failed (see $dir.log)"
		return 1
	fi
	xsf_in_chroot "$dir" apt-get clean
	echo "$*" >"$stamp"
}

# ---- DKMS state and sub-scripts ----------------------------------------------

# xsf_dkms_state [ROOT] KVER: "installed", "built" or nothing, for this
# version of the module on kernel KVER (ROOT: a chroot, or the host).
xsf_dkms_state() {
	local root='' line
	[ $# -eq 2 ] && { root=$1; shift; }
	if [ -n "$root" ]; then
		line=$(xsf_in_chroot "$root" dkms status -m "$XSF_NAME" -v "$XSF_VERSION" -k "$1" 2>/dev/null)
	else
		line=$(dkms status -m "$XSF_NAME" -v "$XSF_VERSION" -k "$1" 2>/dev/null)
	fi
	line=$(echo "$line" | grep -F ", $1,")
	case $line in
	*": installed"*) echo installed ;;
	*": built"*) echo built ;;
	esac
}

# xsf_dkms_versions [ROOT]: every version of the module DKMS knows.
xsf_dkms_versions() {
	local root=${1:-}
	if [ -n "$root" ]; then
		xsf_in_chroot "$root" dkms status -m "$XSF_NAME" 2>/dev/null
	else
		dkms status -m "$XSF_NAME" 2>/dev/null
	fi | sed -n "s|^${XSF_NAME}[/,] *\([^,:]*\).*|\1|p" | sort -u
}

# xsf_kernel_headers_pkg SUITE: the versioned linux-headers package that
# SUITE's linux-headers-amd64 points at (looked up with scripts/apt-suite.sh).
xsf_kernel_headers_pkg() {
	local suite=$1 d pkg
	d=$(mktemp -d)
	(cd "$d" && "$XSF_TOP/scripts/apt-suite.sh" "$suite" download -q \
		"linux-headers-amd64/$suite" >/dev/null 2>&1) || true
	pkg=$(dpkg-deb -f "$d"/linux-headers-amd64_*.deb Depends 2>/dev/null |
		grep -o 'linux-headers-[0-9][^ ,]*' | head -n 1)
	rm -rf "$d"
	[ -n "$pkg" ] || return 1
	echo "$pkg"
}

# xsf_run_sub SCRIPT ARGS...: run another of these scripts and count its
# PASS and FAIL lines as ours; other lines are shown as they are, except its
# summary.
xsf_run_sub() {
	local line rc=0 log
	log=$(mktemp)
	"$@" >"$log" 2>&1 || rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) xsf_pass "${line#PASS }" ;;
		"FAIL "*) XSF_FAILED=$((XSF_FAILED + 1)); echo "$line" ;;
		*" passed, "*" failed") ;;
		*) echo "$line" ;;
		esac
	done <"$log"
	rm -f "$log"
	return $rc
}

# ---- bookworm: the reference chroot and its two kernels ---------------------
#
# Every flow that needs Debian 12 kernels runs in one cached bookworm chroot
# ($XSF_CACHE/chroots/bookworm), never on the host: the host keeps its own
# kernels and packages whatever it has installed, and nothing installed on
# it changes a verdict.  The chroot knows bookworm and bookworm-backports
# and holds, by name:
#   XSF_K1  bookworm's own kernel ABI (linux-headers-amd64 of bookworm):
#           image and headers installed
#   XSF_K2  bookworm-backports' kernel ABI: image and headers installed
#           (its headers depend on its image), and their packages kept in
#           apt's cache, since the kernel-upgrade flow removes and installs
#           them again
# Flows that install or remove packages do it in a throwaway overlay of this
# chroot (xsf_throwaway_up), so the cached chroot itself never changes.

XSF_BOOKWORM_PKGS="gcc make dkms sparse kmod rpm dnf createrepo-c ca-certificates gcc-aarch64-linux-gnu
	g++-aarch64-linux-gnu cmake pkg-config"
# What the chroots of the other suites of the kernel matrix hold.
XSF_MATRIX_PKGS="gcc make dkms linux-headers-amd64 sparse kmod"

# xsf_suite_kernel ROOT SUITE: the ABI (e.g. 6.1.0-40-amd64) that SUITE's
# linux-headers-amd64 depends on, as ROOT's apt lists say.
xsf_suite_kernel() {
	local root=$1 suite=$2
	xsf_in_chroot "$root" apt-cache show linux-headers-amd64 2>/dev/null |
		awk -v want_bpo="$([ "$suite" = bookworm-backports ] && echo 1 || echo 0)" '
		function take() {
			if (v == "" || (v ~ /bpo/) != want_bpo)
				return
			n = split(d, dep, /[ ,]+/)
			for (i = 1; i <= n; i++)
				if (dep[i] ~ /^linux-headers-[0-9]/) {
					sub(/^linux-headers-/, "", dep[i])
					print dep[i]
					return
				}
		}
		/^Version:/ { v = $2 }
		/^Depends:/ { d = $0 }
		/^$/ { take(); v = ""; d = "" }
		END { take() }' | sort -V | tail -n 1
}

# xsf_bookworm_root: make sure the bookworm chroot is ready; set XSF_ROOT,
# XSF_K1 and XSF_K2.  /proc is mounted in it (xsf_chroot_umount undoes it).
xsf_bookworm_root() {
	local fd rc
	# shellcheck disable=SC2086
	xsf_chroot_ensure bookworm $XSF_BOOKWORM_PKGS || return 1
	exec {fd}>"$(xsf_chroot_dir bookworm).kernels.lock"
	flock "$fd"
	xsf_bookworm_kernels
	rc=$?
	exec {fd}>&-
	return $rc
}

# shellcheck disable=SC2034 # the variables are for the calling script
xsf_bookworm_kernels() {
	local dir stamp want mirror k
	dir=$(xsf_chroot_dir bookworm)
	xsf_chroot_mount "$dir"
	mirror=$(xsf_mirror)
	want="deb $mirror bookworm-backports main"
	if ! grep -qxF "$want" "$dir/etc/apt/sources.list.d/xsf-backports.list" 2>/dev/null; then
		echo "$want" >"$dir/etc/apt/sources.list.d/xsf-backports.list"
		xsf_in_chroot "$dir" apt-get -qq update >>"$dir.log" 2>&1 ||
			{ xsf_log "bookworm: apt-get update failed (see $dir.log)"; return 1; }
	fi
	XSF_K1=$(xsf_suite_kernel "$dir" bookworm)
	XSF_K2=$(xsf_suite_kernel "$dir" bookworm-backports)
	if [ -z "$XSF_K1" ] || [ -z "$XSF_K2" ]; then
		xsf_log "bookworm: cannot find the kernels of bookworm ('$XSF_K1') and bookworm-backports ('$XSF_K2')"
		return 1
	fi
	stamp=$dir/.xsf-kernels
	if [ "$(cat "$stamp" 2>/dev/null)" != "$XSF_K1 $XSF_K2" ] ||
		! ls "$dir"/var/cache/apt/archives/linux-image-"$XSF_K2"_*.deb \
			"$dir"/var/cache/apt/archives/linux-headers-"$XSF_K2"_*.deb >/dev/null 2>&1; then
		xsf_log "bookworm: kernels $XSF_K1 and $XSF_K2"
		if ! xsf_in_chroot "$dir" apt-get -y -q install --no-install-recommends \
			"linux-image-$XSF_K1" "linux-headers-$XSF_K1" >>"$dir.log" 2>&1 ||
			! xsf_in_chroot "$dir" apt-get -y -q install --no-install-recommends \
				-t bookworm-backports -o APT::Get::Upgrade-By-Source-Package=false \
				"linux-image-$XSF_K2" "linux-headers-$XSF_K2" >>"$dir.log" 2>&1 ||
			! xsf_in_chroot "$dir" apt-get -y -q install --no-install-recommends \
				--reinstall --download-only -t bookworm-backports \
				-o APT::Get::Upgrade-By-Source-Package=false \
				"linux-image-$XSF_K2" "linux-headers-$XSF_K2" >>"$dir.log" 2>&1; then
			tail -n 20 "$dir.log" >&2
			xsf_log "bookworm: installing the kernels failed (see $dir.log)"
			return 1
		fi
		# Kernels of earlier ABIs: gone, so that only K1 and K2 count.
		for k in $(ls "$dir/lib/modules" 2>/dev/null); do
			case $k in "$XSF_K1" | "$XSF_K2") continue ;; esac
			xsf_in_chroot "$dir" apt-get -y -q purge "linux-image-$k" "linux-headers-$k" \
				>>"$dir.log" 2>&1 || true
		done
		echo "$XSF_K1 $XSF_K2" >"$stamp"
	fi
	XSF_ROOT=$dir
}

# xsf_throwaway_up BASE: print a new directory D whose D/root is a
# throwaway copy of the chroot BASE (an overlay mount; a plain copy where
# overlayfs is missing), with /proc mounted.  xsf_throwaway_down D removes
# it with everything installed there.
xsf_throwaway_up() {
	local base=$1 d
	d=$(mktemp -d "$XSF_CACHE/throwaway.XXXXXX") || return 1
	mkdir -p "$d/upper" "$d/work" "$d/root"
	if ! mount -t overlay overlay \
		-o "lowerdir=$base,upperdir=$d/upper,workdir=$d/work" "$d/root" 2>/dev/null; then
		xsf_log "overlayfs is not available: copying $base"
		rmdir "$d/root"
		cp -a "$base" "$d/root" || return 1
	fi
	xsf_chroot_mount "$d/root"
	echo "$d"
}

xsf_throwaway_down() {
	local d=$1
	[ -n "$d" ] && [ -d "$d" ] || return 0
	xsf_chroot_umount "$d/root"
	if mountpoint -q "$d/root"; then
		# a process of the flow may still be exiting: detach lazily then
		umount "$d/root" 2>/dev/null || umount -l "$d/root"
	fi
	rm -rf --one-file-system "$d"
}

# xsf_in ROOT CMD...: CMD in the chroot ROOT, or on the host if ROOT is empty.
xsf_in() {
	local root=$1
	shift
	if [ -n "$root" ]; then
		xsf_in_chroot "$root" "$@"
	else
		"$@"
	fi
}

# xsf_pkg_present_in ROOT PKG: PKG is installed in ROOT or only its
# configuration files are left.
xsf_pkg_present_in() {
	local st
	# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
	st=$(chroot "$1" dpkg-query -W -f='${db:Status-Status}' "$2" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != not-installed ]
}
