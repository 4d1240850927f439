/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fuzz build stub: the kernel's xen/interface/io/sndif.h is a copy of
 * Xen's public header, which libxen-dev installs as <xen/io/sndif.h>.
 * Its ring macros want the barriers a guest provides.
 */
#ifndef XSF_FUZZ_XEN_SNDIF_H
#define XSF_FUZZ_XEN_SNDIF_H

#include <xsf_fuzz_shim.h>	/* sets __XEN_INTERFACE_VERSION__ */

/* The guest's barriers, as the kernel's copy of ring.h uses them. */
#define xen_mb()	mb()
#define xen_rmb()	rmb()
#define xen_wmb()	wmb()

#include <xen/io/sndif.h>

#if __XEN_INTERFACE_VERSION__ != __XEN_LATEST_INTERFACE_VERSION__
#error "Xen's public headers must be used at their latest interface version"
#endif

#endif /* XSF_FUZZ_XEN_SNDIF_H */
