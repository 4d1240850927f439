/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Test doubles for KUnit: a fake xenbus (XenStore as a map, transactions
 * with injectable -EAGAIN, recorded state switches) and a fake of the
 * driver's Xen primitives (grant table, event channels).
 */
#ifndef XSF_FAKE_H
#define XSF_FAKE_H

#include <linux/types.h>
#include <linux/interrupt.h>
#include <xen/xenbus.h>
#include <xen/interface/grant_table.h>

#define XSF_FAKE_MAX_SWITCHES	32
#define XSF_FAKE_MAX_GRANTS	4096
/* Two per stream of the largest tree (16 devices of 8 streams), and more. */
#define XSF_FAKE_MAX_EVTCHNS	272

/**
 * struct xsf_fake_bus - observable state of the fake xenbus
 * @switches: states passed to xenbus_switch_state(), in order
 * @nr_switches: entries used in @switches
 * @nr_fatal: xenbus_dev_fatal() calls
 * @last_fatal_err: error of the last xenbus_dev_fatal()
 * @nr_transactions: transactions started
 * @nr_commits: transactions committed
 * @eagain_remaining: the next N commits fail with -EAGAIN
 * @start_error: xenbus_transaction_start() returns this if non-zero
 * @read_error: xenbus_read() of @read_error_path returns this
 * @read_error_path: see @read_error
 * @write_error: xenbus_printf() fails with this if non-zero
 */
struct xsf_fake_bus {
	enum xenbus_state switches[XSF_FAKE_MAX_SWITCHES];
	unsigned int nr_switches;
	unsigned int nr_fatal;
	int last_fatal_err;
	unsigned int nr_transactions;
	unsigned int nr_commits;
	unsigned int eagain_remaining;
	int start_error;
	int read_error;
	char read_error_path[128];
	int write_error;
};

extern struct xsf_fake_bus xsf_fake_bus;

void xsf_fake_store_reset(void);
int xsf_fake_store_set(const char *path, const char *value);
__printf(2, 3) int xsf_fake_store_setf(const char *path, const char *fmt, ...);
const char *xsf_fake_store_get(const char *path);
void xsf_fake_store_remove(const char *path);
unsigned int xsf_fake_store_count(void);

/**
 * struct xsf_fake_grant - one fake grant table entry
 * @in_use: granted and not yet fully ended
 * @ended: the frontend ended it while the backend still maps it
 * @page: the granted page
 * @readonly: granted read-only
 * @backend_maps: how often the simulated backend maps it right now
 * @stale: made before a simulated restore: the backend cannot map it
 */
struct xsf_fake_grant {
	bool in_use;
	bool ended;
	struct page *page;
	bool readonly;
	unsigned int backend_maps;
	bool stale;
};

/**
 * struct xsf_fake_evtchn - one fake event channel binding
 * @used: bound
 * @port: event channel port given to the frontend
 * @irq: IRQ number given to the frontend
 * @handler: the frontend's handler
 * @data: its argument
 * @nr_notified: notifications the frontend sent on it
 * @nr_spurious: interrupts the frontend ended as spurious
 * @running: handlers running right now (xsf_io_sync_irq() waits for 0)
 */
struct xsf_fake_evtchn {
	bool used;
	evtchn_port_t port;
	int irq;
	irq_handler_t handler;
	void *data;
	unsigned int nr_notified;
	unsigned int nr_spurious;
	atomic_t running;
};

/**
 * struct xsf_fake_io - observable state of the fake Xen primitives
 * @grants: the grant table; reference = index, 0 never handed out
 * @evtchns: event channel bindings
 * @grant_fail_after: fail the grant after this many more (-1: never)
 * @grant_zero_next: hand out reference 0 once (a broken grant table)
 * @bind_fail_after: fail the binding after this many more (-1: never)
 * @nr_pages_freed: granted pages freed after their grant ended
 * @nr_deferred: grants ended while mapped (freed later)
 * @handler_sleeps: a test's own handler blocks on purpose: run handlers
 *	with interrupts on (sleeping with them off is a bug the debug
 *	kernel reports)
 * @notify_hook: called when the frontend notifies a port
 * @notify_ctx: argument of @notify_hook
 */
struct xsf_fake_io {
	struct xsf_fake_grant grants[XSF_FAKE_MAX_GRANTS];
	struct xsf_fake_evtchn evtchns[XSF_FAKE_MAX_EVTCHNS];
	int grant_fail_after;
	bool grant_zero_next;
	int bind_fail_after;
	unsigned int nr_pages_freed;
	unsigned int nr_deferred;
	bool handler_sleeps;
	void (*notify_hook)(void *ctx, evtchn_port_t port);
	void *notify_ctx;
};

extern struct xsf_fake_io xsf_fake_io;

void xsf_fake_io_reset(void);
unsigned int xsf_fake_io_live_grants(void);
unsigned int xsf_fake_io_held_grants(void);
unsigned int xsf_fake_io_bound_evtchns(void);
void *xsf_fake_io_backend_map(grant_ref_t ref);
void xsf_fake_io_backend_unmap(grant_ref_t ref);
struct xsf_fake_evtchn *xsf_fake_io_find_port(evtchn_port_t port);
int xsf_fake_io_raise(evtchn_port_t port);
void xsf_fake_io_xen_restore(void);

#endif /* XSF_FAKE_H */
