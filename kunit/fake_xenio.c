// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fake of src/xenio.c for KUnit: a grant table that knows which pages the
 * simulated backend maps (so a test can see that a page is never freed
 * while mapped) and event channels whose "interrupts" a test raises by
 * calling the frontend's handler.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "xsf_proto.h"
#include "xsf_xenio.h"
#include "xsf_fake.h"

struct xsf_fake_io xsf_fake_io;

/**
 * xsf_fake_io_reset() - forget every grant and binding; no faults armed
 *
 * Pages of grants still live are freed (a test that leaks them has
 * already failed its own leak check).
 */
void xsf_fake_io_reset(void)
{
	unsigned int i;

	for (i = 0; i < XSF_FAKE_MAX_GRANTS; i++)
		if (xsf_fake_io.grants[i].in_use && xsf_fake_io.grants[i].ended &&
		    xsf_fake_io.grants[i].page)
			__free_page(xsf_fake_io.grants[i].page);
	memset(&xsf_fake_io, 0, sizeof(xsf_fake_io));
	xsf_fake_io.grant_fail_after = -1;
	xsf_fake_io.bind_fail_after = -1;
}

/**
 * xsf_fake_io_live_grants() - grants not yet ended by the frontend
 *
 * Return: the count.
 */
unsigned int xsf_fake_io_live_grants(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < XSF_FAKE_MAX_GRANTS; i++)
		if (xsf_fake_io.grants[i].in_use && !xsf_fake_io.grants[i].ended)
			n++;
	return n;
}

/**
 * xsf_fake_io_held_grants() - grants whose entry is still taken
 *
 * Live grants plus those the frontend ended while the backend maps them:
 * every page the grant table has not given back yet.
 *
 * Return: the count.
 */
unsigned int xsf_fake_io_held_grants(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < XSF_FAKE_MAX_GRANTS; i++)
		n += xsf_fake_io.grants[i].in_use;
	return n;
}

/**
 * xsf_fake_io_bound_evtchns() - event channels currently bound
 *
 * Return: the count.
 */
unsigned int xsf_fake_io_bound_evtchns(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < XSF_FAKE_MAX_EVTCHNS; i++)
		n += xsf_fake_io.evtchns[i].used;
	return n;
}

/**
 * xsf_io_grant_page() - fake: grant a page in the fake table
 * @xb: the device (unused)
 * @page: the page
 * @readonly: grant read-only
 * @ref: receives the reference
 *
 * Return: 0, or -ENOSPC when a failure is armed or the table is full.
 */
int xsf_io_grant_page(struct xenbus_device *xb, struct page *page,
		      bool readonly, grant_ref_t *ref)
{
	unsigned int i;

	if (xsf_fake_io.grant_fail_after == 0)
		return -ENOSPC;
	if (xsf_fake_io.grant_fail_after > 0)
		xsf_fake_io.grant_fail_after--;
	if (xsf_fake_io.grant_zero_next) {
		xsf_fake_io.grant_zero_next = false;
		*ref = 0;
		return 0;
	}
	for (i = 1; i < XSF_FAKE_MAX_GRANTS; i++) {
		struct xsf_fake_grant *g = &xsf_fake_io.grants[i];

		if (g->in_use)
			continue;
		memset(g, 0, sizeof(*g));
		g->in_use = true;
		g->page = page;
		g->readonly = readonly;
		*ref = i;
		return 0;
	}
	return -ENOSPC;
}

/**
 * xsf_io_end_grant() - fake: end a grant, freeing the page when unmapped
 * @ref: the reference
 * @page: the page, owned from now on
 */
void xsf_io_end_grant(grant_ref_t ref, struct page *page)
{
	struct xsf_fake_grant *g;

	if (ref == 0 || ref >= XSF_FAKE_MAX_GRANTS ||
	    !xsf_fake_io.grants[ref].in_use || xsf_fake_io.grants[ref].ended) {
		/* Not a grant we handed out: the real table would complain. */
		WARN(1, "ending unknown grant %u\n", ref);
		return;
	}
	g = &xsf_fake_io.grants[ref];
	if (g->backend_maps) {
		g->ended = true;
		g->page = page;
		xsf_fake_io.nr_deferred++;
		return;
	}
	if (page) {
		__free_page(page);
		xsf_fake_io.nr_pages_freed++;
	}
	memset(g, 0, sizeof(*g));
}

/**
 * xsf_io_try_end_grant() - fake: end a grant nobody maps, keep the page
 * @ref: the reference
 *
 * Return: true when ended (the page is the caller's), false while mapped.
 */
bool xsf_io_try_end_grant(grant_ref_t ref)
{
	struct xsf_fake_grant *g;

	if (ref == 0 || ref >= XSF_FAKE_MAX_GRANTS ||
	    !xsf_fake_io.grants[ref].in_use || xsf_fake_io.grants[ref].ended) {
		WARN(1, "ending unknown grant %u\n", ref);
		return true;
	}
	g = &xsf_fake_io.grants[ref];
	if (g->backend_maps)
		return false;
	memset(g, 0, sizeof(*g));
	return true;
}

/**
 * xsf_fake_io_xen_restore() - what a save and restore do to grants
 *
 * The restored guest runs on a new grant table: no backend maps anything
 * any more, and no grant made before can be mapped by the new backend.
 * The guest still holds the references until it ends them (which then
 * succeeds at once).
 */
void xsf_fake_io_xen_restore(void)
{
	unsigned int i;

	for (i = 0; i < XSF_FAKE_MAX_GRANTS; i++) {
		struct xsf_fake_grant *g = &xsf_fake_io.grants[i];

		if (!g->in_use)
			continue;
		g->backend_maps = 0;
		if (g->ended) {
			/* Freed now that nobody maps it. */
			if (g->page) {
				__free_page(g->page);
				xsf_fake_io.nr_pages_freed++;
			}
			memset(g, 0, sizeof(*g));
			continue;
		}
		g->stale = true;
	}
}

/**
 * xsf_fake_io_backend_map() - the simulated backend maps a grant
 * @ref: grant reference
 *
 * Return: the page's kernel address, or NULL for a reference that is not
 * currently granted.
 */
void *xsf_fake_io_backend_map(grant_ref_t ref)
{
	struct xsf_fake_grant *g;

	if (ref == 0 || ref >= XSF_FAKE_MAX_GRANTS)
		return NULL;
	g = &xsf_fake_io.grants[ref];
	if (!g->in_use || g->ended || g->stale || !g->page)
		return NULL;
	g->backend_maps++;
	return page_address(g->page);
}

/**
 * xsf_fake_io_backend_unmap() - the simulated backend unmaps a grant
 * @ref: grant reference
 *
 * A grant the frontend already ended is released now, freeing its page.
 */
void xsf_fake_io_backend_unmap(grant_ref_t ref)
{
	struct xsf_fake_grant *g;

	if (ref == 0 || ref >= XSF_FAKE_MAX_GRANTS)
		return;
	g = &xsf_fake_io.grants[ref];
	if (!g->in_use || !g->backend_maps)
		return;
	if (--g->backend_maps || !g->ended)
		return;
	if (g->page) {
		__free_page(g->page);
		xsf_fake_io.nr_pages_freed++;
	}
	memset(g, 0, sizeof(*g));
}

/**
 * xsf_io_bind_evtchn() - fake: bind a handler to a new port
 * @xb: the device (unused)
 * @port: receives the port
 * @handler: the frontend's handler
 * @name: name (unused)
 * @data: handler argument
 *
 * Return: the fake IRQ number, or -ENOSPC.
 */
int xsf_io_bind_evtchn(struct xenbus_device *xb, evtchn_port_t *port,
		       irq_handler_t handler, const char *name, void *data)
{
	unsigned int i;

	if (xsf_fake_io.bind_fail_after == 0)
		return -ENOSPC;
	if (xsf_fake_io.bind_fail_after > 0)
		xsf_fake_io.bind_fail_after--;
	for (i = 0; i < XSF_FAKE_MAX_EVTCHNS; i++) {
		struct xsf_fake_evtchn *e = &xsf_fake_io.evtchns[i];

		if (e->used)
			continue;
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->port = 10 + i;
		e->irq = 100 + i;
		e->handler = handler;
		e->data = data;
		*port = e->port;
		return e->irq;
	}
	return -ENOSPC;
}

static struct xsf_fake_evtchn *xsf_fake_io_find_irq(int irq)
{
	unsigned int i;

	for (i = 0; i < XSF_FAKE_MAX_EVTCHNS; i++)
		if (xsf_fake_io.evtchns[i].used && xsf_fake_io.evtchns[i].irq == irq)
			return &xsf_fake_io.evtchns[i];
	return NULL;
}

/**
 * xsf_fake_io_find_port() - binding of an event channel port
 * @port: the port
 *
 * Return: the binding, or NULL if the port is not bound.
 */
struct xsf_fake_evtchn *xsf_fake_io_find_port(evtchn_port_t port)
{
	unsigned int i;

	for (i = 0; i < XSF_FAKE_MAX_EVTCHNS; i++)
		if (xsf_fake_io.evtchns[i].used &&
		    xsf_fake_io.evtchns[i].port == port)
			return &xsf_fake_io.evtchns[i];
	return NULL;
}

/**
 * xsf_fake_io_raise() - deliver an interrupt on a port, as Xen would
 * @port: the port
 *
 * The handler runs with interrupts off (unless a test's own handler
 * sleeps, see &struct xsf_fake_io), in the caller's context; while it
 * runs, xsf_io_sync_irq() of its IRQ waits, as synchronize_irq() does.
 *
 * Return: 0, or -ENOENT if the port is not bound.
 */
int xsf_fake_io_raise(evtchn_port_t port)
{
	struct xsf_fake_evtchn *e = xsf_fake_io_find_port(port);
	unsigned long flags;

	if (!e)
		return -ENOENT;
	atomic_inc(&e->running);
	if (xsf_fake_io.handler_sleeps) {
		e->handler(e->irq, e->data);
	} else {
		local_irq_save(flags);
		e->handler(e->irq, e->data);
		local_irq_restore(flags);
	}
	atomic_dec(&e->running);
	return 0;
}

/**
 * xsf_io_unbind_evtchn() - fake: unbind a handler
 * @irq: the fake IRQ
 * @data: the handler argument given when binding
 */
void xsf_io_unbind_evtchn(int irq, void *data)
{
	struct xsf_fake_evtchn *e = xsf_fake_io_find_irq(irq);

	if (WARN(!e || e->data != data, "unbinding unknown irq %d\n", irq))
		return;
	e->used = false;
}

/**
 * xsf_io_notify() - fake: count a notification and call the test's hook
 * @irq: the fake IRQ
 */
void xsf_io_notify(int irq)
{
	struct xsf_fake_evtchn *e = xsf_fake_io_find_irq(irq);

	if (!e)
		return;
	e->nr_notified++;
	if (xsf_fake_io.notify_hook)
		xsf_fake_io.notify_hook(xsf_fake_io.notify_ctx, e->port);
}

/**
 * xsf_io_irq_done() - fake: count spurious interrupts
 * @irq: the fake IRQ
 * @spurious: no work was found
 */
void xsf_io_irq_done(int irq, bool spurious)
{
	struct xsf_fake_evtchn *e = xsf_fake_io_find_irq(irq);

	if (e && spurious)
		e->nr_spurious++;
}

/**
 * xsf_io_sync_irq() - fake: wait until no handler of @irq runs
 * @irq: the fake IRQ
 */
void xsf_io_sync_irq(int irq)
{
	struct xsf_fake_evtchn *e = xsf_fake_io_find_irq(irq);

	while (e && atomic_read(&e->running))
		usleep_range(100, 200);
}
