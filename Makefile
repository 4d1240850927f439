# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Out-of-tree build of snd_xen_front.ko.
#
#   make                  build for the running kernel
#   make KVER=6.1.0-1-amd64
#   make KDIR=/path/to/kernel/build
#   make W=1 C=1          extra warnings and sparse, passed to Kbuild
#
# Project targets: kunit, kunit-sanitize, fuzz, check, checkpatch, deb,
# rpm, packages, matrix, e2e, e2e-arm64, e2e-kernels, e2e-selftest, demo,
# bench, bench-smoke,
# install-dkms (see README.md).

# Kbuild reads ./Kbuild, never this file, but DKMS runs this file with
# KERNELRELEASE=<kver> on the command line: only $(src) tells the two apart.
ifneq ($(src),)
include $(src)/Kbuild
else

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
GENERATED := $(TOP)/generated

.PHONY: all modules probes clean kunit kunit-sanitize fuzz check \
	checkpatch sparse deb rpm packages matrix e2e e2e-arm64 e2e-kernels \
	e2e-selftest demo bench bench-smoke \
	install-dkms uninstall-dkms

all: modules

probes:
	@$(TOP)/scripts/conftest.sh "$(KDIR)" "$(GENERATED)"

modules: probes
	$(MAKE) -C "$(KDIR)" M="$(TOP)" modules

clean:
	rm -rf "$(GENERATED)"
	$(MAKE) -C "$(KDIR)" M="$(TOP)" clean 2>/dev/null || \
		find "$(TOP)" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' \) -delete

kunit:
	$(TOP)/scripts/kunit.sh

kunit-sanitize:
	$(TOP)/scripts/kunit.sh --sanitize

fuzz:
	$(TOP)/scripts/fuzz.sh

checkpatch:
	$(TOP)/scripts/checkpatch.sh

sparse:
	$(TOP)/scripts/build-warnings.sh

check:
	$(TOP)/scripts/check.sh

install-dkms:
	$(TOP)/scripts/install-dkms.sh

uninstall-dkms:
	$(TOP)/scripts/install-dkms.sh --remove

deb rpm packages matrix:
	$(TOP)/scripts/$@.sh

e2e:
	$(TOP)/tests/e2e/run.sh

e2e-arm64:
	$(TOP)/tests/e2e/run.sh --arch arm64

e2e-kernels:
	$(TOP)/tests/e2e/kernels.sh

e2e-selftest:
	$(TOP)/tests/e2e/selftest.sh

bench:
	$(TOP)/tests/e2e/run.sh --bench full

bench-smoke:
	$(TOP)/tests/e2e/run.sh --bench smoke

demo:
	$(TOP)/tests/e2e/demo.sh

endif
