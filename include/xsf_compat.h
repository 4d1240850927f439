/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Kernel API shims for snd_xen_front.
 *
 * Every difference between the kernels this driver supports is decided by
 * a compile probe (scripts/conftest.sh) run against the target kernel, not
 * by its version number: distributions backport API changes into stable
 * kernels.  This is the only file that looks at the probe results.
 *
 * Probes and what they decide:
 *   XSF_HAVE_VOID_XENBUS_REMOVE      xenbus_driver.remove returns void (6.2+,
 *                                    and late 6.1.y)
 *   XSF_HAVE_GNTTAB_END_ACCESS_PAGE  gnttab_end_foreign_access(ref, page)
 *   XSF_HAVE_GNTTAB_END_ACCESS_READONLY
 *                                    gnttab_end_foreign_access(ref, ro, addr)
 *   XSF_HAVE_GNTTAB_TRY_END_ACCESS   gnttab_try_end_foreign_access() exists
 *   XSF_HAVE_READ_DRIVER_STATE_DEV   xenbus_read_driver_state() takes the
 *                                    device as its first argument (7.x)
 *   XSF_HAVE_EVTCHN_LATEEOI          lateeoi event channel binding exists
 *
 * Ring pages are granted by this driver itself (src/xenio.c), so the
 * xenbus_setup_ring()/xenbus_grant_ring() split needs no shim.
 */
#ifndef XSF_COMPAT_H
#define XSF_COMPAT_H

#include <linux/kconfig.h>

#ifdef XSF_HAVE_COMPAT_PROBES
#include "xsf_compat_probes.h"
#include "xsf_version.h"
#else
/* Built inside a kernel tree (KUnit): that tree is current. */
#define XSF_HAVE_VOID_XENBUS_REMOVE 1
#define XSF_HAVE_GNTTAB_END_ACCESS_PAGE 1
#define XSF_HAVE_GNTTAB_TRY_END_ACCESS 1
#define XSF_HAVE_EVTCHN_LATEEOI 1
#define XSF_VERSION "kunit"
#endif

#if IS_ENABLED(CONFIG_XEN)
#include <xen/page.h>
#else
/* KUnit on UML: no Xen, but the protocol's page size is fixed. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE (1UL << XEN_PAGE_SHIFT)
#endif

#if defined(XSF_HAVE_VOID_XENBUS_REMOVE)
#define XSF_XENBUS_REMOVE_RET void
#define XSF_XENBUS_REMOVE_DONE return
#else
#define XSF_XENBUS_REMOVE_RET int
#define XSF_XENBUS_REMOVE_DONE return 0
#endif

#if defined(XSF_HAVE_READ_DRIVER_STATE_DEV)
#define xsf_read_otherend_state(xb) \
	xenbus_read_driver_state((xb), (xb)->otherend)
#else
#define xsf_read_otherend_state(xb) xenbus_read_driver_state((xb)->otherend)
#endif

#if defined(XSF_HAVE_GNTTAB_END_ACCESS_PAGE)
#define xsf_gnttab_end_access(ref, page) gnttab_end_foreign_access((ref), (page))
#elif defined(XSF_HAVE_GNTTAB_END_ACCESS_READONLY)
#define xsf_gnttab_end_access(ref, page) \
	gnttab_end_foreign_access((ref), 0, \
				  (page) ? (unsigned long)page_address(page) : 0UL)
#else
#error "no usable gnttab_end_foreign_access() in this kernel"
#endif

#if !defined(XSF_HAVE_GNTTAB_TRY_END_ACCESS)
#error "this kernel lacks gnttab_try_end_foreign_access() (XSA-396 fixes); update it"
#endif

#endif /* XSF_COMPAT_H */
