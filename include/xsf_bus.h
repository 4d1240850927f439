/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * snd_xen_front: the bus, which owns the connection to the backend.
 *
 * It performs what the state machine decides, owns every stream's
 * channel (request ring, event page, their grants and interrupts) and
 * the locks that guard them, and binds a stream of the layer above to
 * its channel through a link: the layer above sends requests through
 * the link and gets answers, events and the loss of the channel through
 * the link's callbacks.  Detaching a link waits until nothing sent
 * through it is outstanding (bounded) and no handler can still call it.
 *
 * The layer above (the ALSA card) registers its callbacks with
 * xsf_bus_new(); the bus never names it.  The device state (struct
 * xsf_front) is the bus's too, and so is its reference count.
 */
#ifndef XSF_BUS_H
#define XSF_BUS_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "xsf_proto.h"

struct xsf_front;
struct xsf_channel;

/**
 * struct xsf_link_ops - what the bus calls on a linked stream
 * @done: an asynchronous request sent through the link was answered, or
 *	failed (@resp NULL, status -EIO) because the channel went away;
 *	from the ring's interrupt or from xsf_bus_free_channels()
 * @event: an event arrived (event interrupt context); returns whether it
 *	was of use (an interrupt with none is counted as spurious)
 * @lost: the channel is going away; its requests have failed and its
 *	interrupts are unbound.  Called with front->io_lock held for
 *	writing; the link is detached when it returns.
 */
struct xsf_link_ops {
	void (*done)(void *ctx, int status, const struct xensnd_resp *resp);
	bool (*event)(void *ctx, const struct xensnd_evt *evt);
	void (*lost)(void *ctx);
};

/**
 * struct xsf_link - a stream's attachment to its channel
 * @front: the device
 * @index: the stream's index in configuration order (its channel)
 * @ops: callbacks
 * @ctx: their argument
 * @lock: protects @chan and @nr_inflight against the interrupt handlers
 * @chan: the channel while attached
 * @nr_inflight: asynchronous requests sent and not answered yet
 * @idle: woken when @nr_inflight drops to 0 or the link is detached
 */
struct xsf_link {
	struct xsf_front *front;
	unsigned int index;
	const struct xsf_link_ops *ops;
	void *ctx;
	spinlock_t lock; /* @chan and @nr_inflight */
	struct xsf_channel *chan;
	unsigned int nr_inflight;
	wait_queue_head_t idle;
};

/**
 * struct xsf_channel - one stream's transport: request ring + event page
 * @front: owner
 * @cfg: the stream's configuration
 * @ring: request ring
 * @evtq: event page consumer
 * @ring_page: page holding the shared request ring
 * @evt_page: the shared event page
 * @ring_gref: grant of @ring_page
 * @evt_gref: grant of @evt_page
 * @ring_port: event channel of the request ring
 * @evt_port: event channel of the event page
 * @ring_irq: IRQ of @ring_port, or a negative value
 * @evt_irq: IRQ of @evt_port, or a negative value
 * @link: the stream linked to this channel, if any
 * @link_lock: protects @link against the interrupt handlers
 * @ring_irq_name: name of @ring_irq ("vsnd-N:pcm.stream-req")
 * @evt_irq_name: name of @evt_irq ("vsnd-N:pcm.stream-evt")
 */
struct xsf_channel {
	struct xsf_front *front;
	const struct xsf_stream_cfg *cfg;
	struct xsf_ring ring;
	struct xsf_evtq evtq;
	struct page *ring_page;
	struct page *evt_page;
	grant_ref_t ring_gref;
	grant_ref_t evt_gref;
	evtchn_port_t ring_port;
	evtchn_port_t evt_port;
	int ring_irq;
	int evt_irq;
	struct xsf_link *link;
	spinlock_t link_lock; /* protects @link */
	char ring_irq_name[32];
	char evt_irq_name[32];
};

/**
 * struct xsf_bus_client_ops - what the bus calls on the layer above it
 * @connect: the backend connected: create the card, or bind the one kept
 *	across a reconnection; 0 or a negative errno
 * @disconnect: the connection is gone: take the card from its users
 * @in_use: whether a card of the device still has users
 * @suspend: the guest is being suspended or saved
 *
 * All are called with front->lock held.
 */
struct xsf_bus_client_ops {
	int (*connect)(struct xsf_front *front);
	void (*disconnect)(struct xsf_front *front);
	bool (*in_use)(struct xsf_front *front);
	void (*suspend)(struct xsf_front *front);
};

/**
 * struct xsf_front - one vsnd device
 * @xb: the xenbus device
 * @ref: held by the xenbus device and by the card while it exists
 * @client: the layer above, see &struct xsf_bus_client_ops
 * @wq: where deferred work runs (the module's workqueue)
 * @lock: serialises state changes, card creation and teardown
 * @io_lock: held for reading while a channel is used from process
 *	context, for writing while channels are created or freed
 * @backend_state: the backend's last known state
 * @cfg: configuration read at connect time
 * @nr_channels: number of entries in @channels
 * @channels: one per stream, in configuration order
 * @card: the ALSA card of the current connection (the client's)
 * @cards_alive: cards not yet freed, connected or disconnected (the
 *	client's)
 * @card_released_work: re-evaluates the state once a card is gone
 * @retry_work: connects again after a failure that may pass
 * @nr_failures: consecutive failed connection attempts
 * @nr_give_ups: series of attempts given up since the last connection
 * @removing: the device is being removed
 * @generation: incremented on every (re)connection of the channels
 * @grant_epoch: incremented when the grant table was reset under us
 *	(restore): grants made before are meaningless
 * @connected_wait: woken when the device reaches Connected or goes away
 * @trace_dev: the device's number in tracepoints (N of device/vsnd/N)
 */
struct xsf_front {
	struct xenbus_device *xb;
	struct kref ref;
	const struct xsf_bus_client_ops *client;
	struct workqueue_struct *wq;
	struct mutex lock; /* state changes, card and channel lifetime */
	struct rw_semaphore io_lock; /* channel use (read) vs. free (write) */
	enum xenbus_state backend_state;
	struct xsf_card_cfg cfg;
	unsigned int nr_channels;
	struct xsf_channel *channels;
	struct snd_card *card;
	atomic_t cards_alive;
	struct work_struct card_released_work;
	struct delayed_work retry_work;
	unsigned int nr_failures;
	unsigned int nr_give_ups;
	bool removing;
	unsigned int generation;
	unsigned int grant_epoch;
	wait_queue_head_t connected_wait;
	u16 trace_dev;
};

/* Failed connection attempts in a row before the device gives up. */
#define XSF_MAX_CONNECT_FAILURES	5

extern unsigned int xsf_close_timeout_ms;

struct xsf_front *xsf_bus_new(struct xenbus_device *xb,
			      const struct xsf_bus_client_ops *client,
			      struct workqueue_struct *wq);
void xsf_front_get(struct xsf_front *front);
void xsf_front_put(struct xsf_front *front);
void xsf_bus_backend_changed(struct xsf_front *front,
			     enum xenbus_state backend);
int xsf_bus_remove(struct xsf_front *front);
int xsf_bus_suspend(struct xsf_front *front);
int xsf_bus_resume(struct xsf_front *front);
int xsf_bus_connect_channels(struct xsf_front *front);
void xsf_bus_free_channels(struct xsf_front *front);
int xsf_bus_publish(struct xsf_front *front);
void xsf_bus_card_released(struct xsf_front *front);

void xsf_bus_link_init(struct xsf_link *link, struct xsf_front *front,
		       unsigned int index, const struct xsf_link_ops *ops,
		       void *ctx);
int xsf_bus_attach(struct xsf_link *link, unsigned int generation);
void xsf_bus_detach(struct xsf_link *link);
bool xsf_bus_attached(struct xsf_link *link);
int xsf_bus_call(struct xsf_link *link, struct xensnd_req *req,
		 struct xensnd_resp *resp);
int xsf_bus_submit(struct xsf_link *link, struct xensnd_req *req,
		   enum xsf_ring_class class);
void xsf_bus_resync_events(struct xsf_link *link);
bool xsf_bus_link_broken(struct xsf_link *link);
void xsf_bus_quiesce(struct xsf_link *link);
unsigned int xsf_bus_grant_epoch(struct xsf_front *front);
int xsf_bus_wait_connected(struct xsf_front *front, unsigned int ms);

#endif /* XSF_BUS_H */
