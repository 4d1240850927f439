/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Fuzz build stub: the kernel's copy of Xen's grant_table.h is Xen's. */
#include <xsf_fuzz_shim.h>
#include <xen/grant_table.h>
