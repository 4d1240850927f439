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
 *   XSF_HAVE_XENBUS_NOT_ESSENTIAL    xenbus_driver.not_essential exists (the
 *                                    boot does not wait for the device)
 *   XSF_HAVE_PCM_RUNTIME_STATE       snd_pcm_runtime.state exists (older
 *                                    kernels: runtime->status->state)
 *   XSF_HAVE_PCM_INFO_NO_REWINDS     SNDRV_PCM_INFO_NO_REWINDS exists (5.16);
 *                                    without it .ack refuses a rewind into
 *                                    data already sent
 *   XSF_HAVE_PCM_PERIOD_ELAPSED_UNDER_LOCK
 *                                    snd_pcm_period_elapsed_under_stream_lock()
 *                                    exists (5.14): a period is reported
 *                                    in the same lock hold that decided it
 *
 * Ring pages are granted by this driver itself (src/xenio.c), so the
 * xenbus_setup_ring()/xenbus_grant_ring() split needs no shim.
 */
#ifndef XSF_COMPAT_H
#define XSF_COMPAT_H

#include <linux/bits.h>
#include <linux/kconfig.h>
#include <linux/mm.h>
#include <sound/pcm.h>
#include <xen/xenbus.h>

#ifdef XSF_HAVE_COMPAT_PROBES
#include "xsf_compat_probes.h"
#include "xsf_version.h"
#else
/* Built inside a kernel tree (KUnit): that tree is current. */
#define XSF_HAVE_VOID_XENBUS_REMOVE 1
#define XSF_HAVE_GNTTAB_END_ACCESS_PAGE 1
#define XSF_HAVE_GNTTAB_TRY_END_ACCESS 1
#define XSF_HAVE_EVTCHN_LATEEOI 1
#define XSF_HAVE_XENBUS_NOT_ESSENTIAL 1
#define XSF_HAVE_PCM_RUNTIME_STATE 1
#define XSF_HAVE_PCM_INFO_NO_REWINDS 1
#define XSF_HAVE_PCM_PERIOD_ELAPSED_UNDER_LOCK 1
#define XSF_VERSION "kunit"
#endif

#if IS_ENABLED(CONFIG_XEN)
#include <xen/page.h>
/*
 * Every page of a buffer is one grant: kernels whose pages are larger
 * than Xen's (arm64 with 16 or 64 KiB pages) are not supported, and
 * dkms.conf keeps DKMS from building for them.
 */
#if PAGE_SHIFT != XEN_PAGE_SHIFT
#error "snd_xen_front needs PAGE_SIZE == XEN_PAGE_SIZE (4 KiB pages)"
#endif
#else
/* KUnit on UML: no Xen, but the protocol's page size is fixed. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE BIT(XEN_PAGE_SHIFT)
#endif

/*
 * The return type of xenbus_driver.remove on this kernel, and what the
 * callback returns: define it as
 *	static XSF_XENBUS_REMOVE_RET my_remove(struct xenbus_device *xb)
 *	{ ...; return XSF_XENBUS_REMOVE_DONE; }
 */
#if defined(XSF_HAVE_VOID_XENBUS_REMOVE)
#define XSF_XENBUS_REMOVE_RET void
#define XSF_XENBUS_REMOVE_DONE
#else
#define XSF_XENBUS_REMOVE_RET int
#define XSF_XENBUS_REMOVE_DONE 0
#endif

/* Let the boot go on without waiting for this device to connect. */
static inline void xsf_xenbus_set_not_essential(struct xenbus_driver *drv)
{
#if defined(XSF_HAVE_XENBUS_NOT_ESSENTIAL)
	drv->not_essential = true;
#endif
}

/* The PCM state, wherever this kernel keeps it. */
static inline snd_pcm_state_t xsf_pcm_state(struct snd_pcm_runtime *runtime)
{
#if defined(XSF_HAVE_PCM_RUNTIME_STATE)
	return runtime->state;
#else
	return runtime->status->state;
#endif
}

/* Refuse rewinds through the hardware info where ALSA knows how. */
#if defined(XSF_HAVE_PCM_INFO_NO_REWINDS)
#define XSF_PCM_INFO_NO_REWINDS SNDRV_PCM_INFO_NO_REWINDS
#else
#define XSF_PCM_INFO_NO_REWINDS 0
#endif

/*
 * Release the stream lock taken with snd_pcm_stream_lock_irqsave(), and
 * tell ALSA a period elapsed if @elapsed.  Where ALSA can be told with
 * the lock held, it is, so that it sees exactly the position that made
 * the caller decide; older kernels take the lock themselves.
 */
static inline void xsf_pcm_unlock_elapsed(struct snd_pcm_substream *substream,
					  bool elapsed, unsigned long flags)
{
#if defined(XSF_HAVE_PCM_PERIOD_ELAPSED_UNDER_LOCK)
	if (elapsed)
		snd_pcm_period_elapsed_under_stream_lock(substream);
	snd_pcm_stream_unlock_irqrestore(substream, flags);
#else
	snd_pcm_stream_unlock_irqrestore(substream, flags);
	if (elapsed)
		snd_pcm_period_elapsed(substream);
#endif
}

/* The backend's current state, read from XenStore. */
static inline enum xenbus_state
xsf_read_otherend_state(struct xenbus_device *xb)
{
#if defined(XSF_HAVE_READ_DRIVER_STATE_DEV)
	return xenbus_read_driver_state(xb, xb->otherend);
#else
	return xenbus_read_driver_state(xb->otherend);
#endif
}

#if IS_ENABLED(CONFIG_XEN)
#include <xen/grant_table.h>

#if !defined(XSF_HAVE_GNTTAB_TRY_END_ACCESS)
#error "this kernel lacks gnttab_try_end_foreign_access() (XSA-396 fixes); update it"
#endif

/*
 * End a grant and hand its page to the grant table, which frees it once
 * the other side no longer maps it.
 */
static inline void xsf_gnttab_end_access(grant_ref_t ref, struct page *page)
{
#if defined(XSF_HAVE_GNTTAB_END_ACCESS_PAGE)
	gnttab_end_foreign_access(ref, page);
#elif defined(XSF_HAVE_GNTTAB_END_ACCESS_READONLY)
	gnttab_end_foreign_access(ref, 0,
				  page ? (unsigned long)page_address(page) : 0UL);
#else
#error "no usable gnttab_end_foreign_access() in this kernel"
#endif
}
#endif /* CONFIG_XEN */

#endif /* XSF_COMPAT_H */
