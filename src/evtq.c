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
 * XENSND_EVT_CUR_POS carries "the current value of the stream's
 * position": a 64-bit octet count that grows past the buffer size.  Real
 * backends differ in where that count starts and in how steady it is, so
 * the stream's own position (octets played or captured since its start)
 * is built from the differences between consecutive values:
 *  - a count that does not start at 0 (xen-troops' snd_be keeps an offset
 *    from an earlier underrun across STOP and START) is detected on the
 *    first event of a run: it is more than the wall clock allows, and is
 *    taken as the new origin;
 *  - a count that goes back by up to a period is jitter (snd_be's value
 *    can come out one frame low) and is ignored;
 *  - a count that goes back further restarted (snd_be's capture count
 *    does after an overrun): it becomes the new origin, the stream's
 *    position stays;
 *  - a count that moves forward moves the stream by as much, however far:
 *    a guest descheduled for a while misses events.  When that takes the
 *    stream past the data the frontend can account for, data was lost and
 *    the caller reports an xrun instead of stalling.
 */
#include <linux/kernel.h>

#include "xsf_proto.h"
#include "xsf_trace.h"

/**
 * xsf_evtq_init() - attach a consumer to a freshly shared event page
 * @q: consumer state
 * @dev: device for messages
 * @page: the event page, cleared and not shared yet (so its consumer
 *	index can still be trusted)
 */
void xsf_evtq_init(struct xsf_evtq *q, struct device *dev,
		   struct xensnd_event_page *page)
{
	q->dev = dev;
	q->tid = (struct xsf_trace_id){ 0 };
	q->page = page;
	q->nr_lost = 0;
	q->cons = READ_ONCE(page->in_cons);
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
 * Events are taken from our own consumer index, never from the page's,
 * which the backend could move back to replay events.
 *
 * Return: the number of events @deliver found of use (0: the interrupt
 * was spurious), or -EOVERFLOW if the backend's producer index was beyond
 * what the page can hold (the pending events are then skipped).
 */
int xsf_evtq_consume(struct xsf_evtq *q, xsf_evt_deliver_t deliver,
		     void *ctx)
{
	struct xensnd_event_page *page = q->page;
	struct xensnd_evt evt;
	u32 prod, cons;
	int useful = 0;

	prod = READ_ONCE(page->in_prod);
	virt_rmb(); /* read events only after the index */
	cons = q->cons;

	if (prod - cons > XENSND_IN_RING_LEN) {
		dev_warn_ratelimited(q->dev,
				     "event producer %u is %u events ahead of consumer %u (page holds %zu): skipping\n",
				     prod, prod - cons, cons,
				     (size_t)XENSND_IN_RING_LEN);
		q->cons = prod;
		virt_mb(); /* order the index reads before giving slots back */
		WRITE_ONCE(page->in_cons, prod);
		xsf_evtq_resync(q);
		return -EOVERFLOW;
	}

	for (; cons != prod; cons++) {
		memcpy(&evt, &XENSND_IN_RING_REF(page, cons), sizeof(evt));
		trace_xsf_event(q, &evt);
		if (q->id_synced && evt.id != q->expected_id) {
			/*
			 * Positions are counts, so a lost one costs nothing
			 * (snd_be drops events when this page is full).
			 */
			q->nr_lost += (u16)(evt.id - q->expected_id);
			dev_dbg(q->dev, "event id %u, expected %u: events lost\n",
				evt.id, q->expected_id);
		}
		q->expected_id = evt.id + 1;
		q->id_synced = true;
		if (deliver(ctx, &evt))
			useful++;
	}
	q->cons = cons;
	/* Finish reading the events before handing the slots back. */
	virt_mb();
	WRITE_ONCE(page->in_cons, cons);
	return useful;
}

/**
 * xsf_pos_reset() - start position tracking for a new run of a stream
 * @pos: position state
 * @buffer_bytes: size of the ring buffer in octets
 * @period_bytes: size of a period in octets
 */
void xsf_pos_reset(struct xsf_pos *pos, u32 buffer_bytes, u32 period_bytes)
{
	pos->raw = 0;
	pos->stream = 0;
	pos->buffer_bytes = buffer_bytes;
	pos->period_bytes = period_bytes;
	pos->synced = false;
}

/**
 * xsf_pos_update() - follow a XENSND_EVT_CUR_POS value
 * @pos: position state
 * @raw: the value the backend reported
 * @elapsed_bytes: octets the stream can have moved by the clock since it
 *	started (rate times time), for the first event of a run
 * @limit: the largest believable stream position: beyond it, data the
 *	frontend gave (playback) or has not read yet (capture) was lost
 *
 * Return: what the event did, see &enum xsf_pos_result.  @pos->stream is
 * the stream's position afterwards (at most @limit after XSF_POS_LOST).
 */
enum xsf_pos_result xsf_pos_update(struct xsf_pos *pos, u64 raw,
				   u64 elapsed_bytes, u64 limit)
{
	u64 delta, first_max;

	if (!pos->synced) {
		pos->synced = true;
		pos->raw = raw;
		/* Twice the clock plus two periods: scheduling slack. */
		first_max = elapsed_bytes * 2 + 2ULL * pos->period_bytes;
		if (raw <= first_max && raw <= limit) {
			pos->stream = raw;
			return raw ? XSF_POS_MOVED : XSF_POS_STILL;
		}
		pos->stream = min(elapsed_bytes, limit);
		return XSF_POS_REBASED;
	}
	if (raw < pos->raw) {
		if (pos->raw - raw <= pos->period_bytes)
			return XSF_POS_STILL;
		pos->raw = raw;
		return XSF_POS_REBASED;
	}
	delta = raw - pos->raw;
	if (!delta)
		return XSF_POS_STILL;
	pos->raw = raw;
	if (pos->stream > limit || delta > limit - pos->stream) {
		pos->stream = limit;
		return XSF_POS_LOST;
	}
	pos->stream += delta;
	return XSF_POS_MOVED;
}
