// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The driver's only contact with grant tables, event channels, IRQs and
 * page frames.  KUnit builds replace this file with kunit/fake_xenio.c, so
 * everything else can be tested without a hypervisor.
 */
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xenbus.h>

#include "xsf_compat.h"
#include "xsf_xenio.h"

/**
 * xsf_io_grant_page() - grant the backend domain access to a page
 * @xb: the xenbus device; its other end receives the grant
 * @page: the page
 * @readonly: the backend may only read the page
 * @ref: receives the grant reference
 *
 * Return: 0 or a negative errno from the grant table.
 */
int xsf_io_grant_page(struct xenbus_device *xb, struct page *page,
		      bool readonly, grant_ref_t *ref)
{
	int ret = gnttab_grant_foreign_access(xb->otherend_id,
					      xen_page_to_gfn(page), readonly);

	if (ret < 0) {
		dev_err(&xb->dev, "cannot grant a page: %d\n", ret);
		return ret;
	}
	*ref = ret;
	return 0;
}

/**
 * xsf_io_end_grant() - revoke a grant and release its page safely
 * @ref: the grant reference
 * @page: the granted page, now owned by this function (may be NULL)
 *
 * If the backend still maps the page, the grant table keeps it and frees
 * it once the mapping is gone; the caller must not touch it again.
 */
void xsf_io_end_grant(grant_ref_t ref, struct page *page)
{
	xsf_gnttab_end_access(ref, page);
}

/**
 * xsf_io_try_end_grant() - revoke a grant unless it is in use
 * @ref: the grant reference
 *
 * The page is not touched: it stays the caller's.
 *
 * Return: true if the grant is gone (the reference is free again), false
 * if the other side still maps it (the grant stays as it was).
 */
bool xsf_io_try_end_grant(grant_ref_t ref)
{
	return gnttab_try_end_foreign_access(ref);
}

/**
 * xsf_io_bind_evtchn() - allocate an event channel and bind a handler
 * @xb: the xenbus device
 * @port: receives the event channel port to publish
 * @handler: interrupt handler
 * @name: name for /proc/interrupts
 * @data: handler argument
 *
 * Uses the late-EOI binding where the kernel has it, so a backend that
 * floods us with spurious events gets throttled by the event core.
 *
 * Return: the IRQ number, or a negative errno.
 */
int xsf_io_bind_evtchn(struct xenbus_device *xb, evtchn_port_t *port,
		       irq_handler_t handler, const char *name, void *data)
{
	int ret, irq;

	ret = xenbus_alloc_evtchn(xb, port);
	if (ret < 0)
		return ret;
#if defined(XSF_HAVE_EVTCHN_LATEEOI)
	irq = bind_evtchn_to_irqhandler_lateeoi(*port, handler, 0, name, data);
#else
	irq = bind_evtchn_to_irqhandler(*port, handler, 0, name, data);
#endif
	if (irq < 0) {
		dev_err(&xb->dev, "cannot bind event channel %u: %d\n", *port,
			irq);
		xenbus_free_evtchn(xb, *port);
	}
	return irq;
}

/**
 * xsf_io_unbind_evtchn() - unbind a handler and close its event channel
 * @irq: the IRQ returned by xsf_io_bind_evtchn()
 * @data: the handler argument given then
 */
void xsf_io_unbind_evtchn(int irq, void *data)
{
	unbind_from_irqhandler(irq, data);
}

/**
 * xsf_io_notify() - signal the backend on an IRQ's event channel
 * @irq: the IRQ returned by xsf_io_bind_evtchn()
 */
void xsf_io_notify(int irq)
{
	notify_remote_via_irq(irq);
}

/**
 * xsf_io_irq_done() - end an event channel interrupt
 * @irq: the IRQ
 * @spurious: the interrupt found no work, a sign of a misbehaving backend
 */
void xsf_io_irq_done(int irq, bool spurious)
{
#if defined(XSF_HAVE_EVTCHN_LATEEOI)
	xen_irq_lateeoi(irq, spurious ? XEN_EOI_FLAG_SPURIOUS : 0);
#endif
}

/**
 * xsf_io_sync_irq() - wait for a running handler of an IRQ to finish
 * @irq: the IRQ
 */
void xsf_io_sync_irq(int irq)
{
	synchronize_irq(irq);
}
