// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The bus: performs what the state machine (state.c) decides and owns
 * the connection (xsf_bus.h).
 *
 * For every configured stream a channel is set up: a request ring page
 * and an event page, both granted to the backend, and one event channel
 * for each.  Their references are published in one XenStore transaction,
 * retried when XenStore reports a conflict.
 *
 * A stream of the layer above reaches its channel only through a link:
 * requests go out through it, answers, events and the channel's loss
 * come back through the link's callbacks.  Asynchronous requests carry
 * the channel as context and find the link attached to it when the
 * answer comes, so an answer after a detach reaches nobody.
 *
 * Lifetimes: the channels belong to the front and are only freed with
 * the io_lock held for writing, after every ring was disconnected (which
 * wakes sleeping callers with -EIO and fails asynchronous requests),
 * every IRQ unbound (which waits for running handlers) and every link
 * told and detached.  The ALSA card may outlive a connection: a card
 * that still has users when the backend goes away is disconnected and
 * freed when its last user closes it, and it holds a reference on the
 * front until then.
 *
 * A connection attempt that fails for a reason that may pass (no memory,
 * no grant entry, a XenStore conflict) is retried with a growing delay,
 * from Initialising; a card that could not be made is made again on the
 * same rings (the backend stays Connected).  An attempt that cannot
 * succeed (a malformed configuration), or failures
 * XSF_MAX_CONNECT_FAILURES times in a row, are fatal until the backend
 * goes away: one that comes back (mended, perhaps) gets a new series of
 * attempts, each series later than the one before.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "xsf_bus.h"
#include "xsf_xenio.h"

/* How long removal waits for the backend to close (module parameter). */
unsigned int xsf_close_timeout_ms = 3000;

#define XSF_PUBLISH_RETRIES	16
#define XSF_MAX_TRANSITIONS	8
#define XSF_RETRY_FIRST_MS	100
/*
 * After giving up, a backend that comes back gets a new series of
 * attempts after this delay, doubled for every series given up since the
 * last connection, up to XSF_SERIES_MAX_MS.
 */
#define XSF_SERIES_FIRST_MS	2000
#define XSF_SERIES_MAX_MS	60000

/*
 * The ring was found corrupt and disconnected: its pending requests have
 * failed already; tell the linked stream as a failed request does (no
 * response), since it may have had nothing in flight.  A detach waits
 * for this handler before the link may go.
 */
static void xsf_bus_ring_broken(struct xsf_channel *chan)
{
	struct xsf_link *link;
	unsigned long flags;

	spin_lock_irqsave(&chan->link_lock, flags);
	link = chan->link;
	spin_unlock_irqrestore(&chan->link_lock, flags);
	if (link)
		link->ops->done(link->ctx, -EIO, NULL);
}

static irqreturn_t xsf_bus_ring_irq(int irq, void *data)
{
	struct xsf_channel *chan = data;
	int handled = xsf_ring_handle_responses(&chan->ring);

	if (handled == -EIO)
		xsf_bus_ring_broken(chan);
	/* Nothing answered, or a corrupt ring: late EOI throttles a flood. */
	xsf_io_irq_done(irq, handled <= 0);
	return IRQ_HANDLED;
}

/* Hand an event to the stream linked to the channel, if any. */
static bool xsf_bus_deliver_event(void *ctx, const struct xensnd_evt *evt)
{
	struct xsf_channel *chan = ctx;
	bool (*event)(void *ctx, const struct xensnd_evt *evt) = NULL;
	void *link_ctx = NULL;
	unsigned long flags;

	spin_lock_irqsave(&chan->link_lock, flags);
	if (chan->link) {
		event = chan->link->ops->event;
		link_ctx = chan->link->ctx;
	}
	spin_unlock_irqrestore(&chan->link_lock, flags);
	/* A detach waits for this handler before the link may go. */
	return event && event(link_ctx, evt);
}

static irqreturn_t xsf_bus_evt_irq(int irq, void *data)
{
	struct xsf_channel *chan = data;
	int delivered;

	/*
	 * First the answers that did not interrupt (quiet WRITEs): a
	 * position is taken only as far as the data it covers was answered.
	 */
	if (xsf_ring_has_responses(&chan->ring) &&
	    xsf_ring_handle_responses(&chan->ring) == -EIO)
		xsf_bus_ring_broken(chan);
	delivered = xsf_evtq_consume(&chan->evtq, xsf_bus_deliver_event, chan);

	/* Only events of no use, or an overflow: late EOI throttles floods. */
	xsf_io_irq_done(irq, delivered <= 0);
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
	spin_lock_init(&chan->link_lock);

	ret = xsf_bus_share_page(front, &chan->ring_page, &chan->ring_gref);
	if (ret)
		return ret;
	/* Initialised at once: stopping a half set up channel uses it. */
	xsf_ring_init(&chan->ring, dev, page_address(chan->ring_page), -1);
	chan->ring.tid.dev = front->trace_dev;
	chan->ring.tid.stream = chan - front->channels;
	ret = xsf_bus_share_page(front, &chan->evt_page, &chan->evt_gref);
	if (ret)
		return ret;
	xsf_evtq_init(&chan->evtq, dev, page_address(chan->evt_page));
	chan->evtq.tid = chan->ring.tid;

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
 * Silence a channel's IRQs; running handlers finish first.  Called with
 * io_lock held for writing (or on a channel nobody can see yet), so no
 * link is synchronising with them meanwhile.
 */
static void xsf_bus_unbind_channel(struct xsf_channel *chan)
{
	if (chan->ring_irq >= 0)
		xsf_io_unbind_evtchn(chan->ring_irq, chan);
	chan->ring_irq = -1;
	if (chan->evt_irq >= 0)
		xsf_io_unbind_evtchn(chan->evt_irq, chan);
	chan->evt_irq = -1;
}

/* Tell the linked stream that its channel goes, and detach it. */
static void xsf_bus_lose_link(struct xsf_channel *chan)
{
	struct xsf_link *link;
	unsigned long flags;

	spin_lock_irqsave(&chan->link_lock, flags);
	link = chan->link;
	spin_unlock_irqrestore(&chan->link_lock, flags);
	if (!link)
		return;
	link->ops->lost(link->ctx);
	spin_lock_irqsave(&chan->link_lock, flags);
	chan->link = NULL;
	spin_unlock_irqrestore(&chan->link_lock, flags);
	spin_lock_irqsave(&link->lock, flags);
	link->chan = NULL;
	link->nr_inflight = 0;
	spin_unlock_irqrestore(&link->lock, flags);
	wake_up_all(&link->idle);
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
 * Sleeping requests return -EIO, asynchronous ones fail, linked streams
 * are told and detached, grants are revoked (pages the backend still
 * maps are freed later by the grant table).  Caller holds front->lock.
 */
void xsf_bus_free_channels(struct xsf_front *front)
{
	unsigned int i;

	if (!front->channels)
		return;
	/* Wake sleepers first: they hold io_lock for reading. */
	for (i = 0; i < front->nr_channels; i++)
		if (front->channels[i].ring_page)
			xsf_ring_disconnect(&front->channels[i].ring);

	down_write(&front->io_lock);
	for (i = 0; i < front->nr_channels; i++) {
		struct xsf_channel *chan = &front->channels[i];

		xsf_bus_unbind_channel(chan);
		xsf_bus_lose_link(chan);
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

/* Free channels and configuration; the card goes (now or when closed). */
static void xsf_bus_disconnect(struct xsf_front *front)
{
	xsf_bus_free_channels(front);
	front->client->disconnect(front);
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
		return front->client->connect(front);
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

/* Errors no retry can cure: the configuration itself is wrong. */
static bool xsf_bus_error_permanent(int err)
{
	return err == -EINVAL || err == -ERANGE || err == -E2BIG ||
	       err == -EOPNOTSUPP || err == -EPROTO;
}

/*
 * A connection attempt failed: try again later, or give up until the
 * backend goes away.  A failed connect is torn down and tried again from
 * Initialising.  A card that could not be made is made again on the
 * rings the backend has bound: it stays Connected, so starting over from
 * Initialising would wait for a change that never comes.
 */
static void xsf_bus_failed(struct xsf_front *front, enum xsf_action action,
			   int err)
{
	struct xenbus_device *xb = front->xb;
	bool give_up;
	unsigned int delay;

	front->nr_failures++;
	give_up = xsf_bus_error_permanent(err) ||
		  front->nr_failures >= XSF_MAX_CONNECT_FAILURES;
	if (action != XSF_ACTION_CREATE_CARD || give_up)
		xsf_bus_disconnect(front);
	if (give_up) {
		xenbus_dev_fatal(xb, err, "%s failed (attempt %u): giving up",
				 xsf_action_name(action), front->nr_failures);
		/* No new attempt until the backend went away and came back. */
		front->nr_failures = XSF_MAX_CONNECT_FAILURES;
		front->nr_give_ups++;
		return;
	}
	delay = XSF_RETRY_FIRST_MS << (front->nr_failures - 1);
	xenbus_dev_error(xb, err, "%s failed (attempt %u): trying again in %u ms",
			 xsf_action_name(action), front->nr_failures, delay);
	/* The backend lets go of anything it took when we start over. */
	if (action != XSF_ACTION_CREATE_CARD &&
	    xb->state != XenbusStateInitialising)
		xenbus_switch_state(xb, XenbusStateInitialising);
	mod_delayed_work(front->wq, &front->retry_work, msecs_to_jiffies(delay));
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
				   front->client->in_use(front),
				   front->removing);
		if (t.action == XSF_ACTION_NONE && t.next == xb->state)
			return;
		if ((t.action == XSF_ACTION_CONNECT ||
		     t.action == XSF_ACTION_CREATE_CARD) &&
		    (delayed_work_pending(&front->retry_work) ||
		     front->nr_failures >= XSF_MAX_CONNECT_FAILURES))
			return; /* a retry is due later, or we gave up */
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
			xsf_bus_failed(front, t.action, ret);
			return;
		}
		if (t.action == XSF_ACTION_CREATE_CARD) {
			front->nr_failures = 0;
			front->nr_give_ups = 0;
		}
		if (t.next != xb->state)
			xenbus_switch_state(xb, t.next);
		if (xb->state == XenbusStateConnected)
			wake_up_all(&front->connected_wait);
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
	if ((unsigned int)backend > XenbusStateReconfigured)
		dev_warn(&front->xb->dev, "backend state %d is not a xenbus state: taken as Unknown\n",
			 backend);
	mutex_lock(&front->lock);
	front->backend_state = backend;
	/*
	 * A backend that goes away after we gave up may come back mended:
	 * it gets a new series of attempts.  Answering our Closing looks the
	 * same, so each series starts later than the one before: a broken
	 * configuration costs one attempt a minute, not a spin.
	 */
	if (front->nr_failures >= XSF_MAX_CONNECT_FAILURES &&
	    (backend == XenbusStateClosing || backend == XenbusStateClosed ||
	     backend == XenbusStateUnknown ||
	     backend == XenbusStateInitialising)) {
		unsigned int shift = min(front->nr_give_ups - 1, 5U);

		front->nr_failures = 0;
		mod_delayed_work(front->wq, &front->retry_work,
				 msecs_to_jiffies(min(XSF_SERIES_FIRST_MS << shift,
						      XSF_SERIES_MAX_MS)));
	}
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

static void xsf_bus_retry_work(struct work_struct *work)
{
	struct xsf_front *front = container_of(to_delayed_work(work),
					       struct xsf_front, retry_work);

	mutex_lock(&front->lock);
	if (!front->removing)
		xsf_bus_run(front, front->backend_state);
	mutex_unlock(&front->lock);
}

/**
 * xsf_bus_card_released() - the card's last user has gone
 * @front: the device
 *
 * Called from the card's release path, possibly with ALSA locks held and
 * possibly inside the client's disconnect: only schedules the state
 * re-evaluation, which also drops the card's reference on @front.
 */
void xsf_bus_card_released(struct xsf_front *front)
{
	/* The card's reference moves to the work; one run puts it. */
	if (!queue_work(front->wq, &front->card_released_work))
		xsf_front_put(front);
}

static void xsf_front_release(struct kref *ref)
{
	struct xsf_front *front = container_of(ref, struct xsf_front, ref);

	xsf_cfg_free(&front->cfg);
	put_device(&front->xb->dev);
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
 * xsf_bus_new() - device state for a new xenbus device
 * @xb: the xenbus device
 * @client: the layer above: what to call to create, disconnect and
 *	suspend the card
 * @wq: where the device's deferred work runs
 *
 * The caller holds the one reference; the ALSA card takes one of its own
 * while it exists (xsf_front_get()).  The state holds a reference on
 * @xb's struct device: a card still open after the device was removed
 * logs through it.
 *
 * Return: the state, or NULL without memory.
 */
struct xsf_front *xsf_bus_new(struct xenbus_device *xb,
			      const struct xsf_bus_client_ops *client,
			      struct workqueue_struct *wq)
{
	struct xsf_front *front = kzalloc(sizeof(*front), GFP_KERNEL);
	const char *number = strrchr(xb->nodename, '/');

	if (!front)
		return NULL;
	/* The xenbus core names the node; tracepoints say 0 for another name. */
	if (!number || kstrtou16(number + 1, 10, &front->trace_dev))
		front->trace_dev = 0;
	kref_init(&front->ref);
	get_device(&xb->dev);
	front->xb = xb;
	front->client = client;
	front->wq = wq;
	mutex_init(&front->lock);
	init_rwsem(&front->io_lock);
	INIT_WORK(&front->card_released_work, xsf_bus_card_released_work);
	INIT_DELAYED_WORK(&front->retry_work, xsf_bus_retry_work);
	init_waitqueue_head(&front->connected_wait);
	front->backend_state = XenbusStateUnknown;
	return front;
}

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
	mutex_unlock(&front->lock);
	wake_up_all(&front->connected_wait);
	/* A retry that is running now sees removing, one not yet run never runs. */
	cancel_delayed_work_sync(&front->retry_work);

	mutex_lock(&front->lock);
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
 * SUSPENDED and can resume or restart them afterwards.  The card stays
 * powered: a suspend that is cancelled (a checkpoint, a failed
 * migration) gets no callback, and must leave a usable card.
 *
 * Return: 0.
 */
int xsf_bus_suspend(struct xsf_front *front)
{
	mutex_lock(&front->lock);
	front->client->suspend(front);
	mutex_unlock(&front->lock);
	return 0;
}

/**
 * xsf_bus_resume() - reconnect after save/restore or guest resume
 * @front: the device
 *
 * The old rings and grants are meaningless to a new backend: drop them,
 * but keep the card, so that its users survive.  The grant table is a new
 * one too, so buffers granted before must be granted again
 * (xsf_bus_grant_epoch()).  The xenbus core has put us back to
 * Initialising; the backend's next InitWait starts a fresh connection,
 * and streams link to the new channels at their next prepare (open
 * streams report an xrun and can be prepared again).
 *
 * Return: 0.
 */
int xsf_bus_resume(struct xsf_front *front)
{
	mutex_lock(&front->lock);
	xsf_bus_free_channels(front);
	front->grant_epoch++;
	front->backend_state = XenbusStateUnknown;
	front->nr_failures = 0;
	front->nr_give_ups = 0;
	mutex_unlock(&front->lock);
	return 0;
}

/**
 * xsf_bus_grant_epoch() - which grant table grants are valid in
 * @front: the device
 *
 * Return: a number that changes whenever grants made before became
 * meaningless (the guest was restored).
 */
unsigned int xsf_bus_grant_epoch(struct xsf_front *front)
{
	return READ_ONCE(front->grant_epoch);
}

static bool xsf_bus_settled(struct xsf_front *front)
{
	return READ_ONCE(front->xb->state) == XenbusStateConnected ||
	       READ_ONCE(front->removing);
}

/**
 * xsf_bus_wait_connected() - wait for a connection that is being made
 * @front: the device
 * @ms: how long at most
 *
 * Used by a stream that finds no channel right after a resume or a
 * backend restart, so that an application preparing its stream again
 * gets the new connection rather than an error.
 *
 * Return: 0 when Connected, -ENODEV when the device goes away, or
 * -ETIMEDOUT.
 */
int xsf_bus_wait_connected(struct xsf_front *front, unsigned int ms)
{
	if (!wait_event_timeout(front->connected_wait, xsf_bus_settled(front),
				msecs_to_jiffies(ms)))
		return -ETIMEDOUT;
	return READ_ONCE(front->removing) ? -ENODEV : 0;
}

/* ------------------------------------------------------------------ */
/* Links                                                               */
/* ------------------------------------------------------------------ */

/**
 * xsf_bus_link_init() - set up a stream's link, detached
 * @link: the link
 * @front: the device
 * @index: the stream's index in configuration order
 * @ops: the stream's callbacks
 * @ctx: their argument
 */
void xsf_bus_link_init(struct xsf_link *link, struct xsf_front *front,
		       unsigned int index, const struct xsf_link_ops *ops,
		       void *ctx)
{
	link->front = front;
	link->index = index;
	link->ops = ops;
	link->ctx = ctx;
	spin_lock_init(&link->lock);
	init_waitqueue_head(&link->idle);
}

/**
 * xsf_bus_attach() - link a stream to its channel of the current connection
 * @link: a detached link
 * @generation: the connection the stream's card was made for
 *
 * Return: 0, -ENODEV when there is no such channel (not connected, or a
 * card of an earlier, different connection), or -EBUSY when another link
 * has it.
 */
int xsf_bus_attach(struct xsf_link *link, unsigned int generation)
{
	struct xsf_front *front = link->front;
	struct xsf_channel *chan = NULL;
	int ret = 0;

	down_read(&front->io_lock);
	if (front->channels && generation == front->generation &&
	    link->index < front->nr_channels)
		chan = &front->channels[link->index];
	if (!chan || !chan->ring.connected) {
		ret = -ENODEV;
		goto out;
	}
	spin_lock_irq(&chan->link_lock);
	if (chan->link)
		ret = -EBUSY;
	else
		chan->link = link;
	spin_unlock_irq(&chan->link_lock);
	if (ret)
		goto out;
	spin_lock_irq(&link->lock);
	link->chan = chan;
	link->nr_inflight = 0;
	spin_unlock_irq(&link->lock);
out:
	up_read(&front->io_lock);
	return ret;
}

static bool xsf_bus_link_idle(struct xsf_link *link)
{
	bool idle;

	spin_lock_irq(&link->lock);
	idle = !link->chan || !link->nr_inflight;
	spin_unlock_irq(&link->lock);
	return idle;
}

/**
 * xsf_bus_detach() - unlink a stream from its channel
 * @link: the link (detached already is fine)
 *
 * Waits, at most xsf_request_timeout_ms, until the asynchronous requests
 * sent through the link are answered, then unlinks it and waits for the
 * channel's interrupt handlers.  When this returns, no callback of the
 * link runs or will run: a later answer reaches nobody.
 */
void xsf_bus_detach(struct xsf_link *link)
{
	struct xsf_front *front = link->front;
	struct xsf_channel *chan;

	down_read(&front->io_lock);
	spin_lock_irq(&link->lock);
	chan = link->chan;
	spin_unlock_irq(&link->lock);
	if (!chan)
		goto out;
	if (!wait_event_timeout(link->idle, xsf_bus_link_idle(link),
				msecs_to_jiffies(xsf_request_timeout_ms)))
		dev_dbg(&front->xb->dev, "detaching with answers outstanding\n");
	spin_lock_irq(&chan->link_lock);
	chan->link = NULL;
	spin_unlock_irq(&chan->link_lock);
	spin_lock_irq(&link->lock);
	link->chan = NULL;
	link->nr_inflight = 0;
	spin_unlock_irq(&link->lock);
	if (chan->ring_irq >= 0)
		xsf_io_sync_irq(chan->ring_irq);
	if (chan->evt_irq >= 0)
		xsf_io_sync_irq(chan->evt_irq);
out:
	up_read(&front->io_lock);
}

/**
 * xsf_bus_attached() - whether a link has a channel
 * @link: the link
 *
 * Return: true while attached.
 */
bool xsf_bus_attached(struct xsf_link *link)
{
	unsigned long flags;
	bool attached;

	spin_lock_irqsave(&link->lock, flags);
	attached = link->chan;
	spin_unlock_irqrestore(&link->lock, flags);
	return attached;
}

/**
 * xsf_bus_call() - send a control request and wait for its answer
 * @link: the stream's link
 * @req: the request
 * @resp: receives the response (may be NULL)
 *
 * Sleeps; see xsf_ring_call().
 *
 * Return: 0, the backend's errno, -ETIMEDOUT, or -EIO when not linked or
 * when the channel goes away meanwhile.
 */
int xsf_bus_call(struct xsf_link *link, struct xensnd_req *req,
		 struct xensnd_resp *resp)
{
	struct xsf_front *front = link->front;
	struct xsf_channel *chan;
	int ret = -EIO;

	down_read(&front->io_lock);
	spin_lock_irq(&link->lock);
	chan = link->chan;
	spin_unlock_irq(&link->lock);
	/* io_lock keeps the channel from being freed meanwhile. */
	if (chan)
		ret = xsf_ring_call(&chan->ring, req, resp);
	up_read(&front->io_lock);
	return ret;
}

/* A request sent with xsf_bus_submit() was answered, or failed. */
static void xsf_bus_answer(void *ctx, int status,
			   const struct xensnd_resp *resp)
{
	struct xsf_channel *chan = ctx;
	struct xsf_link *link;
	unsigned long flags;

	spin_lock_irqsave(&chan->link_lock, flags);
	link = chan->link;
	spin_unlock_irqrestore(&chan->link_lock, flags);
	if (!link)
		return; /* detached: nobody waits for it any more */
	link->ops->done(link->ctx, status, resp);
	spin_lock_irqsave(&link->lock, flags);
	if (link->chan == chan && link->nr_inflight)
		link->nr_inflight--;
	if (!link->nr_inflight)
		wake_up_all(&link->idle);
	spin_unlock_irqrestore(&link->lock, flags);
}

/**
 * xsf_bus_submit() - send a request whose answer comes to the link's done
 * @link: the stream's link
 * @req: the request; its id is assigned here
 * @class: XSF_RING_DATA for READ and WRITE (XSF_RING_DATA_QUIET for one
 *	whose answer may wait for the next position event), XSF_RING_CONTROL
 *	otherwise
 *
 * Never sleeps.  The answer, or the failure when the channel goes away,
 * reaches the link's done callback once, unless the link was detached
 * before.
 *
 * Return: 0 when queued, -EBUSY when the ring has no room for it now,
 * -EIO when not linked or disconnected.
 */
int xsf_bus_submit(struct xsf_link *link, struct xensnd_req *req,
		   enum xsf_ring_class class)
{
	unsigned long flags;
	int ret = -EIO;

	spin_lock_irqsave(&link->lock, flags);
	if (link->chan) {
		ret = xsf_ring_submit(&link->chan->ring, req, class,
				      xsf_bus_answer, link->chan);
		if (!ret)
			link->nr_inflight++;
	}
	spin_unlock_irqrestore(&link->lock, flags);
	return ret;
}

/**
 * xsf_bus_link_broken() - whether the link's ring was found corrupt
 * @link: the stream's link
 *
 * Such a ring stays disconnected until the backend connects anew.
 *
 * Return: true if the link is attached to a channel whose ring is
 * disconnected.
 */
bool xsf_bus_link_broken(struct xsf_link *link)
{
	unsigned long flags;
	bool broken = false;

	spin_lock_irqsave(&link->lock, flags);
	if (link->chan)
		broken = !READ_ONCE(link->chan->ring.connected);
	spin_unlock_irqrestore(&link->lock, flags);
	return broken;
}

/**
 * xsf_bus_resync_events() - let the next event define the expected ids
 * @link: the stream's link
 */
void xsf_bus_resync_events(struct xsf_link *link)
{
	unsigned long flags;

	spin_lock_irqsave(&link->lock, flags);
	if (link->chan)
		xsf_evtq_resync(&link->chan->evtq);
	spin_unlock_irqrestore(&link->lock, flags);
}

/**
 * xsf_bus_quiesce() - wait until the channel's handlers are not running
 * @link: the stream's link
 *
 * Whatever a handler started before this call has finished when it
 * returns.
 */
void xsf_bus_quiesce(struct xsf_link *link)
{
	struct xsf_front *front = link->front;
	struct xsf_channel *chan;

	down_read(&front->io_lock);
	spin_lock_irq(&link->lock);
	chan = link->chan;
	spin_unlock_irq(&link->lock);
	if (chan && chan->ring_irq >= 0)
		xsf_io_sync_irq(chan->ring_irq);
	if (chan && chan->evt_irq >= 0)
		xsf_io_sync_irq(chan->evt_irq);
	up_read(&front->io_lock);
}
