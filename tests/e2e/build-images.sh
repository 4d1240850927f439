#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Build (once, cached) everything the Xen-in-QEMU rig boots:
#   $E2E_CACHE/xen.elf              Xen 4.17 hypervisor (multiboot image;
#                                    xen.img, a kernel Image, for arm64)
#   $E2E_CACHE/vmlinuz-$KVER         Debian 6.1 kernel, PV dom0 (and guest)
#   $E2E_CACHE/dom0-$KVER.cpio.gz    dom0 initramfs (xl, xenstored, ...)
#   $E2E_CACHE/vmlinuz-$GKVER        the guest's kernel (lib.sh: E2E_GUEST)
#   $E2E_CACHE/guest-$GKVER.cpio.gz  guest initramfs (busybox, alsa-utils,
#                                    the guest kernel's sound modules)
#   $E2E_CACHE/guest-servers.cpio.gz what the sound server scenarios add
#                                    to it: PipeWire with WirePlumber,
#                                    PulseAudio, a D-Bus session bus
# Everything comes from Debian bookworm packages; the mirror is taken from
# the host's apt configuration.  With E2E_ARCH=arm64 (lib.sh) the same
# for Xen on Arm, in $XSF_CACHE/e2e-arm64, without the sound servers,
# and qemu-system-aarch64 unpacked from its package when the host lacks it.
set -eu

. "$(dirname "$0")/lib.sh"

mkdir -p "$E2E_CACHE/debs" "$E2E_CACHE/debootstrap-debs"
cd "$E2E_CACHE"
# One builder at a time (make check prepares the images in the background).
exec 9>"$E2E_CACHE/.images.lock"
flock 9

fetch_deb() { # PACKAGE
	ls debs/"$1"_*.deb >/dev/null 2>&1 && return 0
	log "downloading $1"
	if [ "$E2E_ARCH" != amd64 ]; then
		(cd debs && XSF_APT_ARCH=$E2E_ARCH "$REPO_ROOT/scripts/apt-suite.sh" bookworm \
			-q download "$1")
	elif ! (cd debs && apt-get -q download "$1"); then
		(cd debs && "$REPO_ROOT/scripts/apt-suite.sh" bookworm -q download "$1")
	fi
}

# 1. kernel and hypervisor ------------------------------------------------
# The kernel is bookworm's, installed in the cached bookworm chroot
# (lib.sh: E2E_KROOT; for arm64 unpacked from its packages); the
# hypervisor package is only downloaded.  Xen for x86 boots as a
# multiboot ELF, for Arm as a kernel Image.
fetch_deb "$E2E_XEN_PKG"
cp -u "$E2E_KROOT/boot/vmlinuz-$E2E_KVER" "vmlinuz-$E2E_KVER"
cp -u "$E2E_GROOT/boot/vmlinuz-$E2E_GKVER" "vmlinuz-$E2E_GKVER"
if [ ! -f "$E2E_XEN_IMAGE" ]; then
	rm -rf xen-pkg
	dpkg -x debs/"$E2E_XEN_PKG"_*.deb xen-pkg
	case $E2E_ARCH in
	amd64) zcat xen-pkg/boot/xen-4.17-amd64.gz >"$E2E_XEN_IMAGE.tmp" ;;
	arm64) cp xen-pkg/boot/xen-4.17-arm64 "$E2E_XEN_IMAGE.tmp" ;;
	esac
	mv "$E2E_XEN_IMAGE.tmp" "$E2E_XEN_IMAGE"
	rm -rf xen-pkg
fi
# QEMU for Arm, when the host has none: unpacked from Debian's package
# into the cache, never installed (the libraries it needs are those of
# the x86 one, which e2e_deps installs)
if [ "$E2E_ARCH" = arm64 ] && [ ! -x "$E2E_QEMU" ]; then
	fetch_host_deb() {
		ls debs/"$1"_*.deb >/dev/null 2>&1 ||
			(cd debs && apt-get -q download "$1") ||
			(cd debs && "$REPO_ROOT/scripts/apt-suite.sh" bookworm -q download "$1")
	}
	fetch_host_deb qemu-system-arm || die "cannot download qemu-system-arm"
	rm -rf qemu
	dpkg -x debs/qemu-system-arm_*.deb qemu
	[ -x "$E2E_QEMU" ] || die "no qemu-system-aarch64 in qemu-system-arm"
fi

# 2. bookworm minbase root filesystem with the Xen tools and alsa-utils ----
ROOTFS=$E2E_CACHE/rootfs
# For arm64 no foreign program runs here: debootstrap's first stage
# (--foreign) fetches the packages and their dependencies, and every one
# of them is unpacked without its maintainer scripts (which dom0 and
# the guest do not need).  The -dev packages make it the sysroot of
# cross-arm64.sh; the initramfs leaves them out.
ROOTFS_PKGS=xen-utils-4.17,xenstore-utils,kmod,alsa-utils,busybox-static,procps
ROOTFS_DEV=libxen-dev,libasound2-dev,libc6-dev,libstdc++-12-dev
if [ "$E2E_ARCH" = arm64 ] && [ ! -f "$ROOTFS/.done" ]; then
	log "debootstrap --foreign bookworm for arm64 (minbase + xen-utils + alsa-utils)"
	rm -rf "$ROOTFS"
	nice debootstrap --foreign --arch=arm64 --variant=minbase \
		--cache-dir="$E2E_CACHE/debootstrap-debs" \
		--include="$ROOTFS_PKGS,$ROOTFS_DEV" \
		bookworm "$ROOTFS" "$(debian_mirror)" >"$E2E_CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $E2E_CACHE/debootstrap.log"
	for deb in "$ROOTFS"/var/cache/apt/archives/*.deb; do
		# the merged /usr's /bin, /lib and /sbin stay links
		dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$ROOTFS" ||
			die "cannot unpack $deb"
	done
	rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS/debootstrap" "$ROOTFS/proc"
	mkdir -p "$ROOTFS/proc"
	[ -e "$ROOTFS/bin/sh" ] || ln -s dash "$ROOTFS/bin/sh"
	touch "$ROOTFS/.done"
fi
if [ ! -f "$ROOTFS/.done" ]; then
	log "debootstrap bookworm (minbase + xen-utils + alsa-utils), a few minutes"
	rm -rf "$ROOTFS"
	nice debootstrap --variant=minbase --cache-dir="$E2E_CACHE/debootstrap-debs" \
		--include="$ROOTFS_PKGS" bookworm "$ROOTFS" "$(debian_mirror)" >"$E2E_CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $E2E_CACHE/debootstrap.log"
	touch "$ROOTFS/.done"
fi

# copy_modules DESTROOT MODROOT KVER MODULE...: the modules and what they
# need, from the kernel tree MODROOT, into a staging tree
copy_modules() {
	local dest=$1 modroot=$2 kver=$3 m f rel
	shift 3
	mkdir -p "$dest/lib/modules/$kver"
	for m in "$@"; do
		modprobe -S "$kver" -d "$modroot" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r f; do
		rel=${f#"$modroot/"}
		rel=lib/${rel#*lib/}
		mkdir -p "$dest/$(dirname "$rel")"
		cp "$f" "$dest/$rel"
	done
	cp "$modroot/lib/modules/$kver"/modules.order \
		"$modroot/lib/modules/$kver"/modules.builtin* "$dest/lib/modules/$kver/"
	depmod -b "$dest" "$kver"
}

# in_root_path ROOT PATH: PATH with every link resolved inside ROOT
in_root_path() {
	python3 - "$1" "$2" <<'PY'
import os, sys
root, path = sys.argv[1], sys.argv[2]
parts, done, hops = path.strip("/").split("/"), "", 0
while parts:
    part = parts.pop(0)
    if part in ("", "."):
        continue
    if part == "..":
        done = os.path.dirname(done)
        continue
    cand = done + "/" + part
    if os.path.islink(root + cand) and hops < 40:
        hops += 1
        target = os.readlink(root + cand)
        parts = target.strip("/").split("/") + parts
        if target.startswith("/"):
            done = ""
        continue
    done = cand
print(done or "/")
PY
}

# libs_of ROOT PROGRAM: the shared libraries PROGRAM needs, recursively,
# and its dynamic loader, as paths in ROOT.  On the host's architecture
# ldd in the chroot answers; for another one the ELF headers do, looked
# up where the dynamic loader looks (the multiarch directories first).
libs_of() {
	local root=$1 prog=$2
	if [ "$E2E_ARCH" = amd64 ]; then
		chroot "$root" ldd "$(in_root_path "$root" "$prog")" |
			awk '/=>/ { print $3 } /^\t\/lib64/ { print $1 }'
		return
	fi
	local todo=("$prog") seen=" " f real lib d
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		real=$root$(in_root_path "$root" "$f")
		readelf -l "$real" 2>/dev/null |
			sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p'
		for lib in $(readelf -d "$real" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			for d in /lib/"$E2E_TRIPLET" /usr/lib/"$E2E_TRIPLET" /lib /usr/lib; do
				if [ -e "$root$d/$lib" ]; then
					echo "$d/$lib"
					todo+=("$d/$lib")
					break
				fi
			done
		done
	done
}

mkcpio() { # DIR OUT
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$2.tmp"
	mv "$2.tmp" "$2"
}

# 3. dom0 initramfs ------------------------------------------------------------
DOM0=$E2E_CACHE/dom0-$E2E_KVER.cpio.gz
if [ ! -f "$DOM0" ] || [ "$ROOTFS/.done" -nt "$DOM0" ] || [ "$0" -nt "$DOM0" ]; then
	log "building dom0 initramfs"
	st=$E2E_CACHE/stage-dom0
	rm -rf "$st"
	cp -a "$ROOTFS" "$st"
	rm -rf "$st"/usr/share/doc "$st"/usr/share/man "$st"/usr/share/info \
		"$st"/usr/share/locale "$st"/usr/share/zoneinfo "$st"/var/cache/apt \
		"$st"/var/lib/apt/lists "$st"/usr/lib/python3* "$st"/usr/share/perl* \
		"$st"/usr/lib/"$E2E_TRIPLET"/perl* "$st"/usr/share/i18n \
		"$st"/usr/lib/"$E2E_TRIPLET"/gconv "$st"/var/log/* "$st"/.done \
		"$st"/usr/lib/xen-4.17/boot "$st"/usr/share/xen-4.17 \
		"$st"/lib/modules/* 2>/dev/null || true
	# the sysroot's part of the arm64 root (cross-arm64.sh)
	rm -rf "$st"/usr/include "$st"/usr/lib/gcc "$st"/usr/lib/"$E2E_TRIPLET"/*.a \
		"$st"/usr/lib/"$E2E_TRIPLET"/pkgconfig
	# the output disk: virtio on PCI for x86, on MMIO on Arm's virt machine
	virtio=virtio_pci
	[ "$E2E_ARCH" = arm64 ] && virtio=virtio_mmio
	copy_modules "$st" "$E2E_KROOT" "$E2E_KVER" xen-evtchn xen-gntdev \
		xen-gntalloc xen-privcmd xenfs virtio_blk "$virtio" snd-aloop
	mkdir -p "$st"/var/log/xen "$st"/var/lib/xen "$st"/run "$st"/proc "$st"/sys \
		"$st"/dev "$st"/tmp
	mkcpio "$st" "$DOM0"
	rm -rf "$st"
fi

# 4. guest initramfs: busybox + alsa-utils + xenstore client + sound modules ----
GUEST=$E2E_CACHE/guest-$E2E_GKVER.cpio.gz
if [ ! -f "$GUEST" ] || [ "$ROOTFS/.done" -nt "$GUEST" ] || [ "$0" -nt "$GUEST" ]; then
	log "building guest initramfs"
	st=$E2E_CACHE/stage-guest
	rm -rf "$st"
	mkdir -p "$st"/bin "$st"/sbin "$st"/usr/bin "$st"/usr/share "$st"/proc \
		"$st"/sys "$st"/dev "$st"/tmp "$st"/run "$st"/etc
	cp "$ROOTFS"/bin/busybox "$st"/bin/busybox
	bins="/usr/bin/aplay /usr/bin/arecord /usr/bin/amixer /usr/bin/speaker-test
		/usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls
		/usr/bin/xenstore-exists /usr/bin/xenstore-rm /usr/bin/xenstore-watch
		/bin/kmod"
	for b in $bins; do
		mkdir -p "$st$(dirname "$b")"
		cp "$ROOTFS$(in_root_path "$ROOTFS" "$b")" "$st$b"
		libs_of "$ROOTFS" "$b"
	done | sort -u | while read -r lib; do
		[ -n "$lib" ] || continue
		mkdir -p "$st$(dirname "$lib")"
		cp "$ROOTFS$(in_root_path "$ROOTFS" "$lib")" "$st$lib"
	done
	for l in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -sf /bin/kmod "$st/sbin/$l"
	done
	cp -a "$ROOTFS"/usr/share/alsa "$st"/usr/share/
	copy_modules "$st" "$E2E_GROOT" "$E2E_GKVER" snd_xen_front snd-pcm \
		snd-timer snd soundcore
	mkcpio "$st" "$GUEST"
	rm -rf "$st"
fi

# The arm64 rig has no sound server scenarios.
if [ "$E2E_ARCH" != amd64 ]; then
	ls -l "$E2E_XEN_IMAGE" "$E2E_QEMU" "$E2E_CACHE/vmlinuz-$E2E_KVER" "$DOM0" "$GUEST" >&2
	exit 0
fi

# 5. the sound servers: PipeWire 0.3 with WirePlumber 0.4, PulseAudio 16
# and dbus-daemon from a second bookworm root, with the libraries their
# programs and plugins need (but none of the plugins for X11, Bluetooth,
# network audio or video).  It is a cpio of its own, appended to the
# guest's initramfs by run.sh for the server scenarios only: a bigger
# initramfs costs every guest boot under emulation.
# udev: WirePlumber takes only cards that udev has announced
# (SOUND_INITIALIZED), as on a desktop.
SROOT=$E2E_CACHE/rootfs-servers
SPKGS=pipewire,pipewire-bin,wireplumber,pulseaudio,pulseaudio-utils,dbus-daemon,udev
if [ "$(cat "$SROOT/.done" 2>/dev/null)" != "$SPKGS" ]; then
	log "debootstrap bookworm with PipeWire, WirePlumber and PulseAudio, a few minutes"
	rm -rf "$SROOT"
	nice debootstrap --variant=minbase --cache-dir="$E2E_CACHE/debootstrap-debs" \
		--include="$SPKGS" bookworm "$SROOT" "$(debian_mirror)" \
		>"$E2E_CACHE/debootstrap-servers.log" 2>&1 ||
		die "debootstrap failed, see $E2E_CACHE/debootstrap-servers.log"
	echo "$SPKGS" >"$SROOT/.done"
fi
SERVERS=$E2E_CACHE/guest-servers.cpio.gz
if [ ! -f "$SERVERS" ] || [ "$SROOT/.done" -nt "$SERVERS" ] || [ "$0" -nt "$SERVERS" ]; then
	log "building the sound servers' part of the guest initramfs"
	st=$E2E_CACHE/stage-servers
	rm -rf "$st"
	mkdir -p "$st"
	lib=usr/lib/x86_64-linux-gnu
	files=(usr/bin/pipewire usr/bin/wireplumber usr/bin/wpctl usr/bin/pw-cat
		usr/bin/pw-metadata usr/bin/pw-dump usr/bin/pulseaudio usr/bin/pactl
		usr/bin/pacat usr/bin/dbus-daemon usr/bin/udevadm)
	# what pipewire.conf loads, and the nodes and devices of the graph
	for m in access adapter client-device client-node link-factory metadata \
		profiler protocol-native rt session-manager spa-device \
		spa-device-factory spa-node spa-node-factory; do
		files+=("$lib/pipewire-0.3/libpipewire-module-$m.so")
	done
	for f in "$SROOT/$lib"/spa-0.2/{alsa,audioconvert,audiomixer,control,support}/*.so \
		"$SROOT/$lib"/wireplumber-0.4/*.so "$SROOT"/usr/lib/pulse-*/modules/*.so; do
		case ${f##*/} in
		*x11* | *gsettings* | *raop* | *zeroconf* | *bluetooth* | *bluez* | *jack* | \
			*lirc* | *echo-cancel* | *gconf* | *rygel*) continue ;;
		esac
		files+=("${f#"$SROOT/"}")
	done
	for f in "${files[@]}"; do
		echo "/$f"
		chroot "$SROOT" ldd "/$f" | awk '/=>/ { print $3 } /^\t\/lib64/ { print $1 }'
	done | sort -u | while read -r f; do
		[ -n "$f" ] || continue
		real=$(chroot "$SROOT" readlink -f "$f")
		mkdir -p "$st$(dirname "$f")"
		cp "$SROOT$real" "$st$f"
	done
	for d in usr/share/pipewire usr/share/wireplumber usr/share/alsa-card-profile \
		usr/share/pulseaudio usr/share/dbus-1 etc/pulse etc/dbus-1 etc/udev \
		usr/lib/udev/rules.d; do
		[ -e "$SROOT/$d" ] || continue
		mkdir -p "$st/$(dirname "$d")"
		cp -a "$SROOT/$d" "$st/$d"
	done
	# systemd-udevd is udevadm under another name
	mkdir -p "$st/usr/lib/systemd"
	ln -sf ../../bin/udevadm "$st/usr/lib/systemd/systemd-udevd"
	ln -sf pw-cat "$st/usr/bin/pw-play"
	ln -sf pw-cat "$st/usr/bin/pw-record"
	ln -sf pacat "$st/usr/bin/paplay"
	ln -sf pacat "$st/usr/bin/parecord"
	mkcpio "$st" "$SERVERS"
	rm -rf "$st"
fi

ls -l "$E2E_XEN_IMAGE" "$E2E_CACHE/vmlinuz-$E2E_KVER" \
	"$E2E_CACHE/vmlinuz-$E2E_GKVER" "$DOM0" "$GUEST" "$SERVERS" >&2
