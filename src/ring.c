// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Request/response protocol on one stream's ring.
 *
 * Every outstanding request owns a slot, chosen by its id modulo the ring
 * size; a response is accepted only if its slot is outstanding with the
 * same id and operation.  Anything else (stale answers to requests that
 * timed out, unknown ids, duplicates) is dropped with a rate-limited
 * warning.  Producer and consumer indices written by the backend are
 * checked before they are used; a ring whose indices make no sense is
 * disconnected: every waiter and every asynchronous request then fails
 * with -EIO.
 *
 * Control requests sleep for their answer with a timeout
 * (xsf_ring_call()); data requests complete through a callback
 * (xsf_ring_submit()) so that no user process waits for the backend in
 * the data path.
 *
 * The backend interrupts for an answer only when asked to (the ring's
 * rsp_event).  A playing stream's WRITE answers need not interrupt: the
 * position event of the next period comes anyway, and its handler takes
 * them first (xsf_ring_has_responses()).  So answers to requests sent
 * quiet (XSF_RING_DATA_QUIET) are not asked for; any other request asks
 * for its own answer and for every one outstanding before it, so that
 * nobody ever waits for an answer that will not interrupt.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "xsf_proto.h"
#include "xsf_trace.h"
#include "xsf_xenio.h"

/* How long a control request waits for its answer (module parameter). */
unsigned int xsf_request_timeout_ms = 3000;

/**
 * xsf_ring_status_to_errno() - map a response status to a Linux errno
 * @status: the backend's status: 0 or a negative Xen error number
 *
 * Xen error numbers (xen/include/public/errno.h) agree with Linux's for
 * the values a backend can sensibly return; anything else, including
 * positive values and Linux errors Xen does not define (a backend passing
 * ALSA's -EPIPE on), becomes -EIO.
 *
 * Return: 0 or a negative errno.
 */
int xsf_ring_status_to_errno(s32 status)
{
	if (!status)
		return 0;
	switch (status) {
	case -EPERM:
	case -ENOENT:
	case -EIO:
	case -E2BIG:
	case -ENOMEM:
	case -EACCES:
	case -EFAULT:
	case -EBUSY:
	case -EEXIST:
	case -ENODEV:
	case -EINVAL:
	case -ENOSPC:
	case -ERANGE:
	case -EOPNOTSUPP:
	case -ETIMEDOUT:
	case -EAGAIN:
		return status;
	default:
		return -EIO;
	}
}

/**
 * xsf_ring_init() - set up the frontend side of a freshly shared ring
 * @ring: ring state to initialise
 * @dev: device for messages
 * @sring: the shared ring page (already cleared)
 * @irq: IRQ of the ring's event channel, used to notify the backend
 */
void xsf_ring_init(struct xsf_ring *ring, struct device *dev,
		   struct xen_sndif_sring *sring, int irq)
{
	unsigned int i;

	memset(ring, 0, sizeof(*ring));
	ring->dev = dev;
	spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->slot_wait);
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&ring->front, sring, XEN_PAGE_SIZE);
	ring->irq = irq;
	for (i = 0; i < XSF_RING_SLOTS; i++)
		init_completion(&ring->slots[i].done);
	ring->connected = true;
}

/* Slots that are not outstanding.  Called with the lock held. */
static unsigned int xsf_ring_free_slots(struct xsf_ring *ring)
{
	unsigned int i, n = 0;

	for (i = 0; i < XSF_RING_SLOTS; i++)
		n += ring->slots[i].state == XSF_SLOT_FREE;
	return n;
}

/*
 * Find a free slot and ring entry, leaving @reserve of each for control
 * requests.  Called with the lock held.  Return the slot, or NULL if the
 * ring or the slots are exhausted.
 */
static struct xsf_ring_slot *xsf_ring_claim(struct xsf_ring *ring,
					    unsigned int reserve)
{
	unsigned int tries;

	if (RING_FREE_REQUESTS(&ring->front) <= reserve)
		return NULL;
	if (reserve && xsf_ring_free_slots(ring) <= reserve)
		return NULL;
	for (tries = 0; tries < XSF_RING_SLOTS; tries++) {
		u16 id = ring->next_id++;
		struct xsf_ring_slot *slot = &ring->slots[id % XSF_RING_SLOTS];

		if (slot->state == XSF_SLOT_FREE) {
			slot->id = id;
			return slot;
		}
	}
	return NULL;
}

/*
 * Ask the backend to interrupt for its next answer: rsp_event just past
 * the answers it has given, including quiet ones not taken yet (those
 * are taken with the next).  rsp_prod is the backend's to write: a few
 * tries, no more, to catch it between two answers.  Called with the lock
 * held.
 */
static void xsf_ring_ask_next_answer(struct xsf_ring *ring)
{
	struct xen_sndif_sring *sring = ring->front.sring;
	unsigned int tries = XSF_RING_SLOTS;
	RING_IDX prod;

	do {
		prod = READ_ONCE(sring->rsp_prod);
		WRITE_ONCE(sring->rsp_event, prod + 1);
		virt_mb(); /* rsp_event before the second look at rsp_prod */
	} while (READ_ONCE(sring->rsp_prod) != prod && --tries);
}

/*
 * Whether an outstanding request wants its answer at once: a caller
 * waits for it, or it was not sent quiet.  Called with the lock held.
 */
static bool xsf_ring_wants_answers(struct xsf_ring *ring)
{
	unsigned int i;

	for (i = 0; i < XSF_RING_SLOTS; i++) {
		const struct xsf_ring_slot *slot = &ring->slots[i];

		if (slot->state == XSF_SLOT_WAITING ||
		    (slot->state == XSF_SLOT_ASYNC && !slot->quiet))
			return true;
	}
	return false;
}

/*
 * Put @req on the ring for @slot and notify.  Unless @quiet, ask for its
 * answer, and for the answers of every request still outstanding: a
 * STOP's caller then finds every WRITE before it answered, whatever
 * order the backend answers in.  Called with the lock held.
 */
static void xsf_ring_push(struct xsf_ring *ring, struct xsf_ring_slot *slot,
			  struct xensnd_req *req, bool quiet)
{
	struct xensnd_req *entry;
	unsigned int i;
	int notify;

	req->id = slot->id;
	slot->operation = req->operation;
	slot->status = 0;
	slot->quiet = quiet;
	if (!quiet) {
		for (i = 0; i < XSF_RING_SLOTS; i++)
			ring->slots[i].quiet = false;
		/* Before the request is visible: its answer cannot be first. */
		xsf_ring_ask_next_answer(ring);
	}
	entry = RING_GET_REQUEST(&ring->front, ring->front.req_prod_pvt);
	memcpy(entry, req, sizeof(*entry));
	trace_xsf_request(ring, req);
	ring->front.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring->front, notify);
	if (notify)
		xsf_io_notify(ring->irq);
}

static bool xsf_ring_can_claim(struct xsf_ring *ring)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&ring->lock, flags);
	ok = !ring->connected ||
	     (!RING_FULL(&ring->front) && xsf_ring_free_slots(ring));
	spin_unlock_irqrestore(&ring->lock, flags);
	return ok;
}

/**
 * xsf_ring_call() - send a control request and wait for its response
 * @ring: the stream's ring
 * @req: the request; its id is assigned here
 * @resp: receives the response on success (may be NULL)
 *
 * Sleeps at most xsf_request_timeout_ms for a free ring entry and as long
 * again for the answer.  Must not be called from the context that handles
 * this ring's responses.
 *
 * Return: 0, the backend's status mapped to an errno, -ETIMEDOUT when it
 * did not answer in time (a late answer is then dropped as stale), or
 * -EIO when the ring is or becomes disconnected.
 */
int xsf_ring_call(struct xsf_ring *ring, struct xensnd_req *req,
		  struct xensnd_resp *resp)
{
	unsigned long timeout = msecs_to_jiffies(xsf_request_timeout_ms);
	struct xsf_ring_slot *slot = NULL;
	unsigned long flags;
	long left;
	int ret;

	for (;;) {
		spin_lock_irqsave(&ring->lock, flags);
		if (!ring->connected) {
			spin_unlock_irqrestore(&ring->lock, flags);
			return -EIO;
		}
		slot = xsf_ring_claim(ring, 0);
		if (slot) {
			slot->state = XSF_SLOT_WAITING;
			reinit_completion(&slot->done);
			xsf_ring_push(ring, slot, req, false);
			spin_unlock_irqrestore(&ring->lock, flags);
			break;
		}
		spin_unlock_irqrestore(&ring->lock, flags);
		left = wait_event_timeout(ring->slot_wait,
					  xsf_ring_can_claim(ring), timeout);
		if (!left) {
			dev_warn(ring->dev, "request ring stays full\n");
			return -ETIMEDOUT;
		}
		timeout = left;
	}

	timeout = msecs_to_jiffies(xsf_request_timeout_ms);
	left = wait_for_completion_timeout(&slot->done, timeout);

	spin_lock_irqsave(&ring->lock, flags);
	if (slot->state == XSF_SLOT_ANSWERED) {
		ret = slot->status;
		if (resp)
			*resp = slot->resp;
	} else if (!ring->connected) {
		ret = -EIO;
	} else {
		ret = -ETIMEDOUT;
		ring->nr_timeouts++;
	}
	slot->state = XSF_SLOT_FREE;
	spin_unlock_irqrestore(&ring->lock, flags);
	if (ret == -ETIMEDOUT && !left)
		dev_warn_ratelimited(ring->dev,
				     "backend did not answer operation %u in %u ms\n",
				     req->operation, xsf_request_timeout_ms);
	wake_up(&ring->slot_wait);
	return ret;
}

/**
 * xsf_ring_submit() - send a request whose answer arrives by callback
 * @ring: the stream's ring
 * @req: the request; its id is assigned here
 * @class: XSF_RING_DATA for READ and WRITE, which may not take the last
 *	XSF_RING_CONTROL_RESERVE entries: a STOP or PAUSE always finds room
 *	however many data requests are outstanding; XSF_RING_DATA_QUIET for
 *	one whose answer may wait until the next interrupt for another
 *	reason (a position event, another request's answer).  A quiet
 *	request that leaves less than half of the ring free is sent as an
 *	ordinary one: answers do not pile up unseen.
 * @callback: called once with the mapped status and the response (NULL
 *	response when the ring was disconnected), from the ring's response
 *	handling context, without the ring lock held
 * @ctx: argument of @callback
 *
 * Never sleeps; usable in atomic context.
 *
 * Return: 0 when queued, -EBUSY when the ring is full (try again after a
 * completion), -EIO when disconnected.  On error @callback is not called.
 */
int xsf_ring_submit(struct xsf_ring *ring, struct xensnd_req *req,
		    enum xsf_ring_class class, xsf_ring_done_t callback,
		    void *ctx)
{
	bool data = class == XSF_RING_DATA || class == XSF_RING_DATA_QUIET;
	struct xsf_ring_slot *slot;
	unsigned long flags;
	bool quiet;
	int ret = 0;

	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->connected) {
		ret = -EIO;
		goto out;
	}
	slot = xsf_ring_claim(ring, data ? XSF_RING_CONTROL_RESERVE : 0);
	if (!slot) {
		ret = -EBUSY;
		goto out;
	}
	quiet = class == XSF_RING_DATA_QUIET &&
		RING_FREE_REQUESTS(&ring->front) > XSF_RING_SLOTS / 2 &&
		xsf_ring_free_slots(ring) > XSF_RING_SLOTS / 2;
	slot->state = XSF_SLOT_ASYNC;
	slot->callback = callback;
	slot->ctx = ctx;
	xsf_ring_push(ring, slot, req, quiet);
out:
	spin_unlock_irqrestore(&ring->lock, flags);
	return ret;
}

/*
 * Fail every outstanding request.  Called with the lock held, which is
 * dropped around each asynchronous callback.
 */
static void xsf_ring_fail_all(struct xsf_ring *ring, unsigned long *flags)
	__must_hold(&ring->lock)
{
	unsigned int i;

	for (i = 0; i < XSF_RING_SLOTS; i++) {
		struct xsf_ring_slot *slot = &ring->slots[i];
		xsf_ring_done_t callback;
		void *ctx;

		if (slot->state == XSF_SLOT_WAITING) {
			/* The waiter sees !connected and frees the slot. */
			complete(&slot->done);
		} else if (slot->state == XSF_SLOT_ASYNC) {
			callback = slot->callback;
			ctx = slot->ctx;
			slot->state = XSF_SLOT_FREE;
			spin_unlock_irqrestore(&ring->lock, *flags);
			callback(ctx, -EIO, NULL);
			spin_lock_irqsave(&ring->lock, *flags);
		}
	}
}

/**
 * xsf_ring_disconnect() - stop using the ring and fail what is pending
 * @ring: the stream's ring
 *
 * Answers the backend has given are taken first.  Then every sleeping
 * caller returns -EIO and every asynchronous request's callback runs
 * with -EIO.  Later requests fail at once with -EIO.  Process context.
 */
void xsf_ring_disconnect(struct xsf_ring *ring)
{
	unsigned long flags;

	/*
	 * What the backend answered already counts, though no interrupt
	 * was asked for it (a quiet WRITE's): only requests it never
	 * answered fail.
	 */
	xsf_ring_handle_responses(ring);
	spin_lock_irqsave(&ring->lock, flags);
	ring->connected = false;
	xsf_ring_fail_all(ring, &flags);
	spin_unlock_irqrestore(&ring->lock, flags);
	wake_up_all(&ring->slot_wait);
}

/* Accept one response copied from the ring.  Called with the lock held. */
/* Returns whether @resp answered a request (false: dropped). */
static bool xsf_ring_complete(struct xsf_ring *ring,
			      const struct xensnd_resp *resp,
			      unsigned long *flags)
	__must_hold(&ring->lock)
{
	struct xsf_ring_slot *slot = &ring->slots[resp->id % XSF_RING_SLOTS];
	xsf_ring_done_t callback;
	void *ctx;
	int status;

	if ((slot->state != XSF_SLOT_WAITING && slot->state != XSF_SLOT_ASYNC) ||
	    slot->id != resp->id || slot->operation != resp->operation) {
		ring->nr_stale++;
		dev_warn_ratelimited(ring->dev,
				     "dropping stale, unknown or duplicate response id %u operation %u\n",
				     resp->id, resp->operation);
		return false;
	}

	status = xsf_ring_status_to_errno(resp->status);
	if (status && resp->status != status)
		dev_warn_ratelimited(ring->dev,
				     "backend status %d for operation %u is not a Xen error number: taken as -EIO\n",
				     resp->status, resp->operation);
	trace_xsf_response(ring, resp, status);

	if (slot->state == XSF_SLOT_WAITING) {
		slot->status = status;
		slot->resp = *resp;
		slot->state = XSF_SLOT_ANSWERED;
		complete(&slot->done);
		return true;
	}

	callback = slot->callback;
	ctx = slot->ctx;
	slot->state = XSF_SLOT_FREE;
	spin_unlock_irqrestore(&ring->lock, *flags);
	callback(ctx, status, resp);
	spin_lock_irqsave(&ring->lock, *flags);
	return true;
}

/**
 * xsf_ring_has_responses() - whether answers wait to be taken
 * @ring: the stream's ring
 *
 * For an interrupt of another kind (a position event) that takes the
 * answers of quiet requests with it.  A backend's index that makes no
 * sense counts as answers: xsf_ring_handle_responses() finds it out.
 *
 * Return: true if the backend produced responses not consumed yet.
 */
bool xsf_ring_has_responses(struct xsf_ring *ring)
{
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&ring->lock, flags);
	pending = ring->connected &&
		  READ_ONCE(ring->front.sring->rsp_prod) != ring->front.rsp_cons;
	spin_unlock_irqrestore(&ring->lock, flags);
	return pending;
}

/**
 * xsf_ring_handle_responses() - consume the backend's responses
 * @ring: the stream's ring
 *
 * Called from the ring's interrupt handler, and from the event page's
 * for the answers that did not interrupt.  Validates the backend's
 * producer index before reading anything; a ring that claims more
 * responses than requests were sent is disconnected.
 *
 * Return: the number of responses that answered a request (dropped ones
 * do not count: an interrupt with none was spurious; 1 when another
 * context is taking them), or -EIO if the ring was found corrupt and
 * disconnected.
 */
int xsf_ring_handle_responses(struct xsf_ring *ring)
{
	struct xensnd_resp resp;
	unsigned long flags;
	RING_IDX cons, prod;
	int more, handled = 0, consumed = 0;

	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->connected)
		goto out;
	/*
	 * Two interrupts take answers (the ring's, and the event page's for
	 * quiet ones), maybe on two CPUs at once.  One at a time, so that
	 * answers are delivered in order and none twice (the lock is dropped
	 * around each callback); the one that is busy sees what came before
	 * it finishes, or asked for no interrupt for it.
	 */
	if (ring->consuming) {
		handled = 1; /* not a spurious interrupt: taken care of */
		goto out;
	}
	ring->consuming = true;
	do {
		prod = READ_ONCE(ring->front.sring->rsp_prod);
		virt_rmb(); /* read responses only after the index */
		cons = ring->front.rsp_cons;
		if (prod - cons > ring->front.req_prod_pvt - cons) {
			dev_err(ring->dev,
				"backend response index %u is beyond the %u requests sent (consumer %u): disconnecting\n",
				prod, ring->front.req_prod_pvt, cons);
			ring->connected = false;
			xsf_ring_fail_all(ring, &flags);
			ring->consuming = false;
			spin_unlock_irqrestore(&ring->lock, flags);
			wake_up_all(&ring->slot_wait);
			return -EIO;
		}
		for (; cons != prod; cons++) {
			memcpy(&resp, RING_GET_RESPONSE(&ring->front, cons),
			       sizeof(resp));
			ring->front.rsp_cons = cons + 1;
			consumed++;
			if (xsf_ring_complete(ring, &resp, &flags))
				handled++;
			if (!ring->connected)
				goto done;
		}
		/*
		 * With only quiet requests outstanding, the backend is not
		 * asked to interrupt again (see xsf_ring_push()).
		 */
		more = 0;
		if (xsf_ring_wants_answers(ring))
			RING_FINAL_CHECK_FOR_RESPONSES(&ring->front, more);
	} while (more);
done:
	ring->consuming = false;
out:
	spin_unlock_irqrestore(&ring->lock, flags);
	if (consumed)
		wake_up(&ring->slot_wait);
	return handled;
}
