/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * snd_xen_front: the Xen primitives the driver uses, all in src/xenio.c
 * (grant table, event channels, IRQs, page frames).  KUnit builds
 * replace that file with kunit/fake_xenio.c.
 */
#ifndef XSF_XENIO_H
#define XSF_XENIO_H

#include <linux/interrupt.h>
#include <linux/types.h>
#include <xen/xenbus.h>
#include <xen/interface/grant_table.h>

int xsf_io_grant_page(struct xenbus_device *xb, struct page *page,
		      bool readonly, grant_ref_t *ref);
void xsf_io_end_grant(grant_ref_t ref, struct page *page);
bool xsf_io_try_end_grant(grant_ref_t ref);
int xsf_io_bind_evtchn(struct xenbus_device *xb, evtchn_port_t *port,
		       irq_handler_t handler, const char *name, void *data);
void xsf_io_unbind_evtchn(int irq, void *data);
void xsf_io_notify(int irq);
void xsf_io_irq_done(int irq, bool spurious);
void xsf_io_sync_irq(int irq);

#endif /* XSF_XENIO_H */
