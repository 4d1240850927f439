/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Fuzz build stub: the kernel API the units use is in xsf_fuzz_shim.h. */
#include <xsf_fuzz_shim.h>
