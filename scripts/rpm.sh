#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# rpm.sh: build the xen-snd-front-dkms RPM (make rpm).
#
# The source tarball NAME-VERSION.tar.gz is made from the DKMS source tree
# of this checkout, rpmbuild -ba builds the source and noarch packages from
# rpm/xen-snd-front-dkms.spec, and rpmlint checks spec and packages: any
# error is a failure (filters, each with its reason, in rpm/rpmlintrc).
# Results go to $XSF_OUT/rpm (default /var/cache/xen-snd-front/out/rpm).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib-chroot.sh
. "$(dirname "$0")/lib-chroot.sh"

spec=$XSF_TOP/rpm/$XSF_NAME-dkms.spec
out=$XSF_OUT/rpm
top=$XSF_OUT/rpmbuild

xsf_need_root
xsf_need_pkgs rpm rpmlint

# 1. The package version is the module version.
specver=$(rpmspec -q --srpm --qf '%{VERSION}\n' "$spec" 2>/dev/null | head -n 1)
if [ "$specver" = "$XSF_VERSION" ]; then
	xsf_pass rpm-version
else
	xsf_fail rpm-version "rpm/$XSF_NAME-dkms.spec has Version: $specver, dkms.conf PACKAGE_VERSION is $XSF_VERSION"
	xsf_summary
	exit 1
fi

# 2. Source tarball and build.
rm -rf "$top"
mkdir -p "$top/SOURCES" "$top/SPECS"
xsf_stage_tree "$top/stage/$XSF_NAME-$XSF_VERSION" docs
tar -C "$top/stage" --owner=0 --group=0 --numeric-owner --sort=name \
	-czf "$top/SOURCES/$XSF_NAME-$XSF_VERSION.tar.gz" "$XSF_NAME-$XSF_VERSION"
cp "$spec" "$top/SPECS/"
log=$top/build.log
packager=$(sed -n 's/^Maintainer: *//p' "$XSF_TOP/debian/control")
if rpmbuild -ba --define "_topdir $top" --define "packager $packager" \
	"$top/SPECS/${spec##*/}" >"$log" 2>&1; then
	rm -rf "$out"
	mkdir -p "$out"
	cp "$top"/RPMS/noarch/*.rpm "$top"/SRPMS/*.rpm "$out/"
	xsf_pass "rpm-build ($(ls "$out"/*.noarch.rpm))"
	# the WirePlumber example among the docs, not in the DKMS source
	# (the doc directory is NAME on Fedora and RHEL, NAME-VERSION where
	# rpm's macros are older, as on this Debian host)
	files=$(rpm -qlp "$out"/*.noarch.rpm)
	doc=$(grep -E "^/usr/share/doc/$XSF_NAME-dkms(-$XSF_VERSION)?/51-xen-snd-front\.lua\$" <<<"$files" || true)
	if [ -n "$doc" ] && ! grep -q "^/usr/src/.*wireplumber" <<<"$files"; then
		xsf_pass "rpm-docs ($doc)"
	else
		xsf_fail rpm-docs "51-xen-snd-front.lua not in the doc directory, or wireplumber/ in /usr/src"
	fi
else
	tail -n 30 "$log"
	xsf_fail rpm-build "rpmbuild failed, see $log"
	xsf_summary
	exit 1
fi

# 3. rpmlint.
lint=$out/rpmlint.txt
rpmlint -r "$XSF_TOP/rpm/rpmlintrc" "$spec" "$out"/*.rpm >"$lint" 2>&1 || true
grep -E ': [EW]: |checked;' "$lint" | sort -u
errors=$(sed -n 's/.* \([0-9][0-9]*\) errors*, .*/\1/p' "$lint" | tail -n 1)
if [ -z "$errors" ]; then
	xsf_fail rpmlint "no rpmlint summary, see $lint"
elif [ "$errors" -eq 0 ]; then
	xsf_pass "rpmlint (no error)"
else
	xsf_fail rpmlint "$errors errors, see $lint"
fi

echo "rpm: packages in $out"
xsf_summary
