// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Event page consumer and stream position checks.
 *
 * The backend produces XENSND_EVT_* packets into a page we share; we
 * consume them.  The producer index comes from the backend: a producer
 * more than a page of events ahead of our consumer is an overflow (or a
 * lie), reported and skipped.  Event ids are used only to detect lost
 * events: real backends keep counting across stream openings, so the first event
 * after a reset defines the expected sequence.
 *
 * XENSND_EVT_CUR_POS carries a 64-bit octet count since the stream
 * started; it grows past the buffer size.  A position that goes backwards
 * or jumps by more than a buffer cannot be right and is dropped.
 */
#include <linux/kernel.h>

#include "xsf.h"

/**
 * xsf_evtq_init() - attach a consumer to a freshly shared event page
 * @q: consumer state
 * @dev: device for messages
 * @page: the event page, cleared
 */
void xsf_evtq_init(struct xsf_evtq *q, struct device *dev,
		   struct xensnd_event_page *page)
{
	q->dev = dev;
	q->page = page;
	q->nr_lost = 0;
	xsf_evtq_resync(q);
}

/**
 * xsf_evtq_resync() - forget the expected event id
 * @q: consumer state
 *
 * Called when a stream is (re)prepared: the next event's id starts the
 * new expected sequence.
 */
void xsf_evtq_resync(struct xsf_evtq *q)
{
	q->id_synced = false;
}

/**
 * xsf_evtq_consume() - deliver the events the backend produced
 * @q: consumer state
 * @deliver: called for each event with a private copy of it
 * @ctx: argument of @deliver
 *
 * Return: the number of events delivered, or -EOVERFLOW if the backend's
 * producer index was beyond what the page can hold (the pending events
 * are then skipped).
 */
int xsf_evtq_consume(struct xsf_evtq *q, xsf_evt_deliver_t deliver,
		     void *ctx)
{
	struct xensnd_event_page *page = q->page;
	struct xensnd_evt evt;
	u32 prod, cons;
	int delivered = 0;

	prod = READ_ONCE(page->in_prod);
	virt_rmb(); /* read events only after the index */
	cons = READ_ONCE(page->in_cons);

	if (prod - cons > XENSND_IN_RING_LEN) {
		dev_warn_ratelimited(q->dev,
				     "event producer %u is %u events ahead of consumer %u (page holds %zu): skipping\n",
				     prod, prod - cons, cons,
				     (size_t)XENSND_IN_RING_LEN);
		virt_mb(); /* order the index reads before giving slots back */
		WRITE_ONCE(page->in_cons, prod);
		xsf_evtq_resync(q);
		return -EOVERFLOW;
	}

	for (; cons != prod; cons++) {
		memcpy(&evt, &XENSND_IN_RING_REF(page, cons), sizeof(evt));
		if (q->id_synced && evt.id != q->expected_id) {
			q->nr_lost += (u16)(evt.id - q->expected_id);
			dev_warn_ratelimited(q->dev,
					     "event id %u, expected %u: events lost\n",
					     evt.id, q->expected_id);
		}
		q->expected_id = evt.id + 1;
		q->id_synced = true;
		deliver(ctx, &evt);
		delivered++;
	}
	/* Finish reading the events before handing the slots back. */
	virt_mb();
	WRITE_ONCE(page->in_cons, cons);
	return delivered;
}

/**
 * xsf_pos_reset() - start position tracking for a newly opened stream
 * @pos: position state
 * @buffer_bytes: size of the ring buffer in octets
 */
void xsf_pos_reset(struct xsf_pos *pos, u32 buffer_bytes)
{
	pos->last = 0;
	pos->buffer_bytes = buffer_bytes;
}

/**
 * xsf_pos_update() - check and accept a XENSND_EVT_CUR_POS position
 * @pos: position state
 * @dev: device for messages
 * @position: octets since the stream started, as the backend reports
 *
 * Return: 0 when accepted (it may equal the previous position), -ERANGE
 * when it goes backwards or moves ahead by more than a whole buffer.
 */
int xsf_pos_update(struct xsf_pos *pos, struct device *dev, u64 position)
{
	if (position < pos->last) {
		dev_warn_ratelimited(dev, "position %llu goes back from %llu: dropped\n",
				     position, pos->last);
		return -ERANGE;
	}
	if (position - pos->last > pos->buffer_bytes) {
		dev_warn_ratelimited(dev, "position %llu jumps more than a buffer (%u) past %llu: dropped\n",
				     position, pos->buffer_bytes, pos->last);
		return -ERANGE;
	}
	pos->last = position;
	return 0;
}
