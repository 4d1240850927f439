// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Connection management: performs what the state machine (state.c)
 * decides.
 *
 * For every configured stream a channel is set up: a request ring page
 * and an event page, both granted to the backend, and one event channel
 * for each.  Their references are published in one XenStore transaction,
 * retried when XenStore reports a conflict.
 *
 * Lifetimes: the channels belong to the front and are only freed with
 * the io_lock held for writing, after every ring was disconnected (which
 * wakes sleeping callers with -EIO), every IRQ unbound (which waits for
 * running handlers) and every PCM stream detached.  The ALSA card may
 * outlive a connection: a card that still has users when the backend goes
 * away is disconnected and freed when its last user closes it, and it
 * holds a reference on the front until then.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "xsf.h"

unsigned int xsf_close_timeout_ms = 3000;
module_param_named(close_timeout_ms, xsf_close_timeout_ms, uint, 0644);
MODULE_PARM_DESC(close_timeout_ms,
		 "How long removal waits for the backend to close (ms, default 3000)");

/* Deferred work of every device: created and drained by the module. */
struct workqueue_struct *xsf_wq;

#define XSF_PUBLISH_RETRIES	16
#define XSF_MAX_TRANSITIONS	8

static irqreturn_t xsf_bus_ring_irq(int irq, void *data)
{
	struct xsf_channel *chan = data;
	int handled = xsf_ring_handle_responses(&chan->ring);

	xsf_io_irq_done(irq, handled == 0);
	return IRQ_HANDLED;
}

static void xsf_bus_deliver_event(void *ctx, const struct xensnd_evt *evt)
{
	xsf_pcm_channel_event(ctx, evt);
}

static irqreturn_t xsf_bus_evt_irq(int irq, void *data)
{
	struct xsf_channel *chan = data;
	int delivered = xsf_evtq_consume(&chan->evtq, xsf_bus_deliver_event,
					 chan);

	xsf_io_irq_done(irq, delivered == 0);
	return IRQ_HANDLED;
}

/* Grant a zeroed page for a ring; on failure nothing stays allocated. */
static int xsf_bus_share_page(struct xsf_front *front, struct page **page,
			      grant_ref_t *ref)
{
	int ret;

	*page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!*page)
		return -ENOMEM;
	ret = xsf_io_grant_page(front->xb, *page, false, ref);
	if (!ret && !*ref) {
		dev_err(&front->xb->dev, "grant table returned reserved reference 0\n");
		ret = -EIO;
	}
	if (ret) {
		__free_page(*page);
		*page = NULL;
		*ref = 0;
	}
	return ret;
}

static void xsf_bus_unshare_page(struct page **page, grant_ref_t *ref)
{
	if (*page)
		xsf_io_end_grant(*ref, *page);
	*page = NULL;
	*ref = 0;
}

static int xsf_bus_setup_channel(struct xsf_front *front,
				 struct xsf_channel *chan, unsigned int pcm,
				 const struct xsf_stream_cfg *cfg)
{
	struct device *dev = &front->xb->dev;
	int ret;

	chan->front = front;
	chan->cfg = cfg;
	/* /proc/interrupts tells the streams apart: device:pcm.stream. */
	snprintf(chan->ring_irq_name, sizeof(chan->ring_irq_name), "%s:%u.%u-req",
		 dev_name(dev), pcm, cfg->index);
	snprintf(chan->evt_irq_name, sizeof(chan->evt_irq_name), "%s:%u.%u-evt",
		 dev_name(dev), pcm, cfg->index);
	chan->ring_irq = -1;
	chan->evt_irq = -1;
	spin_lock_init(&chan->stream_lock);

	ret = xsf_bus_share_page(front, &chan->ring_page, &chan->ring_gref);
	if (ret)
		return ret;
	/* Initialised at once: stopping a half set up channel uses it. */
	xsf_ring_init(&chan->ring, dev, page_address(chan->ring_page), -1);
	ret = xsf_bus_share_page(front, &chan->evt_page, &chan->evt_gref);
	if (ret)
		return ret;
	xsf_evtq_init(&chan->evtq, dev, page_address(chan->evt_page));

	ret = xsf_io_bind_evtchn(front->xb, &chan->ring_port, xsf_bus_ring_irq,
				 chan->ring_irq_name, chan);
	if (ret < 0)
		return ret;
	chan->ring_irq = ret;
	chan->ring.irq = ret;
	ret = xsf_io_bind_evtchn(front->xb, &chan->evt_port, xsf_bus_evt_irq,
				 chan->evt_irq_name, chan);
	if (ret < 0)
		return ret;
	chan->evt_irq = ret;
	return 0;
}

/*
 * Stop a channel: fail its requests, silence its IRQs.  Safe to call more
 * than once; the memory stays until xsf_bus_free_channels().
 */
static void xsf_bus_stop_channel(struct xsf_channel *chan)
{
	if (chan->ring_page)
		xsf_ring_disconnect(&chan->ring);
	if (chan->ring_irq >= 0)
		xsf_io_unbind_evtchn(chan->ring_irq, chan);
	chan->ring_irq = -1;
	if (chan->evt_irq >= 0)
		xsf_io_unbind_evtchn(chan->evt_irq, chan);
	chan->evt_irq = -1;
}

/**
 * xsf_bus_connect_channels() - set up one channel per configured stream
 * @front: the device, with a valid configuration
 *
 * Caller holds front->lock.
 *
 * Return: 0 or a negative errno; on failure no channel is left.
 */
int xsf_bus_connect_channels(struct xsf_front *front)
{
	struct xsf_channel *channels;
	unsigned int n = xsf_cfg_nr_streams(&front->cfg);
	unsigned int p, s, i = 0;
	int ret = 0;

	channels = kcalloc(n, sizeof(*channels), GFP_KERNEL);
	if (!channels)
		return -ENOMEM;
	down_write(&front->io_lock);
	front->channels = channels;
	front->nr_channels = n;
	for (p = 0; p < front->cfg.nr_pcms && !ret; p++)
		for (s = 0; s < front->cfg.pcms[p].nr_streams && !ret; s++)
			ret = xsf_bus_setup_channel(front, &channels[i++], p,
						    &front->cfg.pcms[p].streams[s]);
	/* Channels after a failed one were never set up: leave them out. */
	if (ret)
		front->nr_channels = i;
	up_write(&front->io_lock);
	if (ret) {
		dev_err(&front->xb->dev, "cannot set up stream channels: %d\n",
			ret);
		xsf_bus_free_channels(front);
		return ret;
	}
	front->generation++;
	return 0;
}

/**
 * xsf_bus_free_channels() - disconnect and free every channel
 * @front: the device
 *
 * Sleeping requests return -EIO, running streams are stopped and
 * detached, grants are revoked (pages the backend still maps are freed
 * later by the grant table).  Caller holds front->lock.
 */
void xsf_bus_free_channels(struct xsf_front *front)
{
	unsigned int i;

	if (!front->channels)
		return;
	/* Wake sleepers first: they hold io_lock for reading. */
	for (i = 0; i < front->nr_channels; i++)
		xsf_bus_stop_channel(&front->channels[i]);

	down_write(&front->io_lock);
	for (i = 0; i < front->nr_channels; i++) {
		struct xsf_channel *chan = &front->channels[i];

		xsf_pcm_channel_lost(chan);
		xsf_bus_unshare_page(&chan->ring_page, &chan->ring_gref);
		xsf_bus_unshare_page(&chan->evt_page, &chan->evt_gref);
	}
	kfree(front->channels);
	front->channels = NULL;
	front->nr_channels = 0;
	up_write(&front->io_lock);
}

/* Write one stream's transport nodes inside transaction @xbt. */
static int xsf_bus_publish_channel(struct xsf_front *front,
				   struct xenbus_transaction xbt,
				   unsigned int pcm, struct xsf_channel *chan)
{
	char dir[128];
	int ret;

	snprintf(dir, sizeof(dir), "%s/%u/%u", front->xb->nodename, pcm,
		 chan->cfg->index);
	ret = xenbus_printf(xbt, dir, XENSND_FIELD_RING_REF, "%u",
			    chan->ring_gref);
	if (!ret)
		ret = xenbus_printf(xbt, dir, XENSND_FIELD_EVT_CHNL, "%u",
				    chan->ring_port);
	if (!ret)
		ret = xenbus_printf(xbt, dir, XENSND_FIELD_EVT_RING_REF, "%u",
				    chan->evt_gref);
	if (!ret)
		ret = xenbus_printf(xbt, dir, XENSND_FIELD_EVT_EVT_CHNL, "%u",
				    chan->evt_port);
	if (ret)
		dev_err(&front->xb->dev, "%s: cannot publish: %d\n", dir, ret);
	return ret;
}

/**
 * xsf_bus_publish() - publish every channel in one XenStore transaction
 * @front: the device, with channels set up
 *
 * Retries the whole transaction when XenStore answers -EAGAIN (another
 * writer got in between), a bounded number of times.
 *
 * Return: 0 or a negative errno.
 */
int xsf_bus_publish(struct xsf_front *front)
{
	struct xenbus_transaction xbt;
	unsigned int attempt, p, s, i;
	int ret = -EAGAIN;

	for (attempt = 0; attempt < XSF_PUBLISH_RETRIES && ret == -EAGAIN;
	     attempt++) {
		ret = xenbus_transaction_start(&xbt);
		if (ret) {
			dev_err(&front->xb->dev, "cannot start transaction: %d\n",
				ret);
			return ret;
		}
		ret = xenbus_printf(xbt, front->xb->nodename,
				    XENSND_FIELD_FE_VERSION, "%u",
				    front->cfg.protocol);
		for (p = 0, i = 0; p < front->cfg.nr_pcms && !ret; p++)
			for (s = 0; s < front->cfg.pcms[p].nr_streams && !ret;
			     s++, i++)
				ret = xsf_bus_publish_channel(front, xbt, p,
							      &front->channels[i]);
		if (ret) {
			xenbus_transaction_end(xbt, 1);
			return ret;
		}
		ret = xenbus_transaction_end(xbt, 0);
	}
	if (ret)
		dev_err(&front->xb->dev, "cannot publish stream channels: %d\n",
			ret);
	return ret;
}

static bool xsf_bus_card_in_use(struct xsf_front *front)
{
	return xsf_card_busy(front);
}

/* Free channels and configuration; the card goes (now or when closed). */
static void xsf_bus_disconnect(struct xsf_front *front)
{
	xsf_bus_free_channels(front);
	if (front->card)
		xsf_card_disconnect(front);
}

static int xsf_bus_connect(struct xsf_front *front)
{
	int ret;

	xsf_cfg_free(&front->cfg);
	ret = xsf_cfg_read(front->xb, &front->cfg);
	if (ret)
		return ret;
	ret = xsf_bus_connect_channels(front);
	if (ret)
		return ret;
	ret = xsf_bus_publish(front);
	if (ret)
		xsf_bus_free_channels(front);
	return ret;
}

static int xsf_bus_perform(struct xsf_front *front, enum xsf_action action)
{
	switch (action) {
	case XSF_ACTION_NONE:
		return 0;
	case XSF_ACTION_CONNECT:
		return xsf_bus_connect(front);
	case XSF_ACTION_CREATE_CARD:
		return xsf_card_create(front);
	case XSF_ACTION_TEARDOWN:
	case XSF_ACTION_RECONFIGURE:
		xsf_bus_disconnect(front);
		return 0;
	case XSF_ACTION_CLOSE:
		/* Removal is driven by xsf_bus_remove(). */
		return 0;
	}
	return -EINVAL;
}

/*
 * Apply transitions until the state machine is satisfied.  Caller holds
 * front->lock.
 */
static void xsf_bus_run(struct xsf_front *front, enum xenbus_state backend)
{
	struct xenbus_device *xb = front->xb;
	struct xsf_transition t;
	unsigned int step;
	int ret;

	for (step = 0; step < XSF_MAX_TRANSITIONS; step++) {
		t = xsf_state_next(xb->state, backend,
				   xsf_bus_card_in_use(front),
				   front->removing);
		if (t.action == XSF_ACTION_NONE && t.next == xb->state)
			return;
		dev_dbg(&xb->dev, "%s -> %s (backend %s): %s\n",
			xenbus_strstate(xb->state), xenbus_strstate(t.next),
			xenbus_strstate(backend), xsf_action_name(t.action));
		/*
		 * A backend that went away learns at once that we let go of
		 * its rings, before they are freed: a restarted snd_be reads
		 * our state right after announcing Closing, and one that
		 * still finds us Connected binds the old rings and gives up
		 * for good.
		 */
		if ((t.action == XSF_ACTION_TEARDOWN ||
		     t.action == XSF_ACTION_RECONFIGURE) && t.next != xb->state)
			xenbus_switch_state(xb, t.next);
		ret = xsf_bus_perform(front, t.action);
		if (ret) {
			xsf_bus_disconnect(front);
			xenbus_dev_fatal(xb, ret, "%s failed",
					 xsf_action_name(t.action));
			return;
		}
		if (t.next != xb->state)
			xenbus_switch_state(xb, t.next);
	}
	dev_warn(&xb->dev, "state machine did not settle (%s, backend %s)\n",
		 xenbus_strstate(xb->state), xenbus_strstate(backend));
}

/**
 * xsf_bus_backend_changed() - react to a backend state change
 * @front: the device
 * @backend: the backend's new state
 */
void xsf_bus_backend_changed(struct xsf_front *front,
			     enum xenbus_state backend)
{
	mutex_lock(&front->lock);
	front->backend_state = backend;
	xsf_bus_run(front, backend);
	mutex_unlock(&front->lock);
}

static void xsf_bus_card_released_work(struct work_struct *work)
{
	struct xsf_front *front = container_of(work, struct xsf_front,
					       card_released_work);

	mutex_lock(&front->lock);
	if (!front->removing)
		xsf_bus_run(front, front->backend_state);
	mutex_unlock(&front->lock);
	xsf_front_put(front);
}

/**
 * xsf_bus_card_released() - the card's last user has gone
 * @front: the device
 *
 * Called from the card's release path, possibly with ALSA locks held and
 * possibly inside xsf_card_disconnect(): only schedules the state
 * re-evaluation, which also drops the card's reference on @front.
 */
void xsf_bus_card_released(struct xsf_front *front)
{
	/* The card's reference moves to the work; one run puts it. */
	if (!queue_work(xsf_wq, &front->card_released_work))
		xsf_front_put(front);
}

static void xsf_front_release(struct kref *ref)
{
	struct xsf_front *front = container_of(ref, struct xsf_front, ref);

	xsf_cfg_free(&front->cfg);
	kfree(front);
}

/**
 * xsf_front_get() - take a reference on the device state
 * @front: the device
 */
void xsf_front_get(struct xsf_front *front)
{
	kref_get(&front->ref);
}

/**
 * xsf_front_put() - drop a reference; the last one frees the state
 * @front: the device
 */
void xsf_front_put(struct xsf_front *front)
{
	kref_put(&front->ref, xsf_front_release);
}

/**
 * xsf_bus_init() - initialise the device state for a new xenbus device
 * @front: zeroed device state
 * @xb: the xenbus device
 *
 * Return: 0.
 */
int xsf_bus_init(struct xsf_front *front, struct xenbus_device *xb)
{
	front->xb = xb;
	mutex_init(&front->lock);
	init_rwsem(&front->io_lock);
	kref_init(&front->ref);
	INIT_WORK(&front->card_released_work, xsf_bus_card_released_work);
	front->backend_state = XenbusStateUnknown;
	return 0;
}

/*
 * The backend no longer uses our rings.  Closed is not required: snd_be
 * passes through Closing and Closed to InitWait at once, ready for the
 * next frontend, and a poll may see any of them.
 */
static bool xsf_bus_backend_closed(struct xenbus_device *xb)
{
	enum xenbus_state state;

	if (!xb->otherend)
		return true;
	state = xsf_read_otherend_state(xb);
	return state != XenbusStateInitialised &&
	       state != XenbusStateConnected &&
	       state != XenbusStateReconfiguring &&
	       state != XenbusStateReconfigured;
}

/**
 * xsf_bus_remove() - the device goes away
 * @front: the device
 *
 * Announces Closing, waits at most xsf_close_timeout_ms for the backend
 * to follow (xenbus delivers no watch events during removal, so its state
 * is polled), then frees channels and disconnects the card.  The card, if
 * it still has users, keeps its reference on @front until they close it.
 *
 * Return: 0.
 */
int xsf_bus_remove(struct xsf_front *front)
{
	struct xenbus_device *xb = front->xb;
	unsigned long deadline;
	bool was_connected;

	mutex_lock(&front->lock);
	front->removing = true;
	was_connected = xb->state == XenbusStateInitialised ||
			xb->state == XenbusStateConnected ||
			xb->state == XenbusStateReconfiguring;
	if (xsf_state_next(xb->state, front->backend_state, false, true).action ==
	    XSF_ACTION_CLOSE)
		xenbus_switch_state(xb, XenbusStateClosing);
	mutex_unlock(&front->lock);

	if (was_connected) {
		deadline = jiffies + msecs_to_jiffies(xsf_close_timeout_ms);
		while (!xsf_bus_backend_closed(xb)) {
			if (time_after(jiffies, deadline)) {
				dev_warn(&xb->dev, "backend did not close in %u ms\n",
					 xsf_close_timeout_ms);
				break;
			}
			msleep(20);
		}
	}

	mutex_lock(&front->lock);
	xsf_bus_disconnect(front);
	xenbus_switch_state(xb, XenbusStateClosed);
	mutex_unlock(&front->lock);
	return 0;
}

/**
 * xsf_bus_suspend() - the guest is suspended or saved
 * @front: the device
 *
 * Running streams are suspended through ALSA, so applications see
 * SUSPENDED and can resume or restart them afterwards.
 *
 * Return: 0.
 */
int xsf_bus_suspend(struct xsf_front *front)
{
	mutex_lock(&front->lock);
	if (front->card)
		xsf_card_suspend(front);
	mutex_unlock(&front->lock);
	return 0;
}

/**
 * xsf_bus_resume() - reconnect after save/restore or guest resume
 * @front: the device
 *
 * The old rings and grants are meaningless to a new backend: drop them,
 * but keep the card, so that its users survive.  The xenbus core has put
 * us back to Initialising; the backend's next InitWait starts a fresh
 * connection, and the card is bound to the new channels when the backend
 * connects (open streams then report an xrun and can be prepared again).
 *
 * Return: 0.
 */
int xsf_bus_resume(struct xsf_front *front)
{
	mutex_lock(&front->lock);
	xsf_bus_free_channels(front);
	front->backend_state = XenbusStateUnknown;
	mutex_unlock(&front->lock);
	return 0;
}
