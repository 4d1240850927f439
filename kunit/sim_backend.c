// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Simulated sndif backend for KUnit (see sim_backend.h).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "sim_backend.h"

/* ------------------------------------------------------------------ */
/* Shared buffer access                                                */
/* ------------------------------------------------------------------ */

static void sim_unmap_buffer(struct sim_chan *sc)
{
	unsigned int i;

	for (i = 0; i < sc->nr_buf_pages; i++)
		if (sc->buf_vaddr[i])
			xsf_fake_io_backend_unmap(sc->buf_grefs[i]);
	kfree(sc->buf_grefs);
	kfree(sc->buf_vaddr);
	sc->buf_grefs = NULL;
	sc->buf_vaddr = NULL;
	sc->nr_buf_pages = 0;
	sc->opened = false;
}

/* Map one directory page's data grants; count what looks wrong. */
static int sim_map_dir_page(struct sim_chan *sc, grant_ref_t ref,
			    unsigned int first, unsigned int count,
			    grant_ref_t *next)
{
	struct xensnd_page_directory *dir;
	unsigned int i;
	int ret = 0;

	if (xsf_fake_io.grants[ref].readonly)
		sc->nr_dir_errors++; /* libxenbe maps the directory read-write */
	dir = xsf_fake_io_backend_map(ref);
	if (!dir) {
		sc->nr_dir_errors++;
		return -EINVAL;
	}
	for (i = 0; i < count; i++) {
		grant_ref_t g = dir->gref[i];

		if (!g || g >= XSF_FAKE_MAX_GRANTS ||
		    xsf_fake_io.grants[g].readonly) {
			sc->nr_dir_errors++;
			ret = -EINVAL;
			break;
		}
		sc->buf_grefs[first + i] = g;
		sc->buf_vaddr[first + i] = xsf_fake_io_backend_map(g);
		if (!sc->buf_vaddr[first + i]) {
			sc->nr_dir_errors++;
			ret = -EINVAL;
			break;
		}
	}
	*next = dir->gref_dir_next_page;
	/* Like real backends: read the directory, then drop it. */
	xsf_fake_io_backend_unmap(ref);
	return ret;
}

static s32 sim_open(struct sim_chan *sc, const struct xensnd_open_req *open)
{
	unsigned int nr, got = 0, count;
	grant_ref_t ref, next;

	if (sc->opened && sc->lenient) {
		sim_unmap_buffer(sc);
	} else if (sc->opened) {
		/* snd_be would wait for its own device forever. */
		sc->nr_bad++;
		return -EBUSY;
	}
	sc->nr_dir_pages = 0;
	nr = DIV_ROUND_UP(open->buffer_sz, XEN_PAGE_SIZE);
	/* Real backends size their device from buffer_sz and period_sz. */
	if (!nr || !open->period_sz || open->buffer_sz % open->period_sz) {
		sc->nr_bad++;
		return -EINVAL;
	}
	sc->buf_grefs = kcalloc(nr, sizeof(*sc->buf_grefs), GFP_KERNEL);
	sc->buf_vaddr = kcalloc(nr, sizeof(*sc->buf_vaddr), GFP_KERNEL);
	if (!sc->buf_grefs || !sc->buf_vaddr) {
		sim_unmap_buffer(sc);
		return -ENOMEM;
	}
	sc->nr_buf_pages = nr;
	ref = open->gref_directory;
	while (got < nr) {
		if (!ref || ref >= XSF_FAKE_MAX_GRANTS ||
		    sc->nr_dir_pages == SIM_MAX_DIR_PAGES) {
			sc->nr_dir_errors++;
			goto fail;
		}
		sc->dir_grefs[sc->nr_dir_pages++] = ref;
		count = min_t(unsigned int, nr - got, XSF_GREFS_PER_DIR_PAGE);
		if (sim_map_dir_page(sc, ref, got, count, &next))
			goto fail;
		got += count;
		ref = next;
	}
	if (ref) {
		/* The chain goes on beyond the buffer. */
		sc->nr_dir_errors++;
		goto fail;
	}
	sc->open = *open;
	sc->opened = true;
	sc->started = false;
	sc->written_since_stop = 0;
	return 0;

fail:
	sim_unmap_buffer(sc);
	return -EINVAL;
}

static int sim_buf_check(struct sim_chan *sc, u32 offset, u32 len)
{
	if (!sc->opened || !len || offset > sc->open.buffer_sz ||
	    len > sc->open.buffer_sz - offset) {
		sc->nr_bad++;
		return -EINVAL;
	}
	return 0;
}

/* Copy between the mapped shared buffer and @data; bounds checked. */
static void sim_buf_copy(struct sim_chan *sc, u32 offset, void *data,
			 u32 len, bool to_buf)
{
	u8 *p = data;

	while (len) {
		u32 page = offset / XEN_PAGE_SIZE;
		u32 in = offset % XEN_PAGE_SIZE;
		u32 n = min_t(u32, len, XEN_PAGE_SIZE - in);

		if (to_buf)
			memcpy(sc->buf_vaddr[page] + in, p, n);
		else
			memcpy(p, sc->buf_vaddr[page] + in, n);
		p += n;
		offset += n;
		len -= n;
	}
}

/**
 * sim_backend_pattern() - the byte the backend captures at a position
 * @n: octets captured before this one since the channel was attached
 *
 * Return: the pattern byte.
 */
u8 sim_backend_pattern(u64 n)
{
	return (u8)(n * 7 + 3);
}

static s32 sim_write(struct sim_chan *sc, const struct xensnd_rw_req *rw,
		     struct sim_log_entry *entry)
{
	u32 room, n;

	if (sim_buf_check(sc, rw->offset, rw->length))
		return -EINVAL;
	sc->written_since_stop += rw->length;
	room = SIM_DATA_LEN - sc->nr_data;
	n = min(room, rw->length);
	if (entry)
		entry->data_pos = sc->nr_data;
	sim_buf_copy(sc, rw->offset, sc->data + sc->nr_data, n, false);
	sc->nr_data += n;
	return 0;
}

static s32 sim_read(struct sim_chan *sc, const struct xensnd_rw_req *rw)
{
	u8 chunk[64];
	u32 done = 0, n, i;

	if (sim_buf_check(sc, rw->offset, rw->length))
		return -EINVAL;
	if (!sc->started && !sc->lenient) {
		/* snd_be blocks, then fails: the device is not running. */
		sc->nr_bad++;
		return -EIO;
	}
	while (done < rw->length) {
		n = min_t(u32, sizeof(chunk), rw->length - done);
		for (i = 0; i < n; i++)
			chunk[i] = sim_backend_pattern(sc->read_bytes + done + i);
		sim_buf_copy(sc, rw->offset + done, chunk, n, true);
		done += n;
	}
	sc->read_bytes += rw->length;
	return 0;
}

static s32 sim_volume(struct sim_chan *sc, const struct xensnd_req *req,
		      struct sim_log_entry *entry)
{
	const struct xensnd_rw_req *rw = &req->op.rw;
	bool values = req->operation == XENSND_OP_SET_VOLUME ||
		      req->operation == XENSND_OP_GET_VOLUME;
	u32 max = values ? XSF_MAX_CHANNELS * sizeof(s32) : XSF_MAX_CHANNELS;
	u8 bytes[XSF_MAX_CHANNELS * sizeof(s32)];
	unsigned int i;

	if (sim_buf_check(sc, rw->offset, rw->length))
		return -EINVAL;
	if (rw->length > max || (values && rw->length % sizeof(s32))) {
		sc->nr_bad++;
		return -EINVAL;
	}
	switch (req->operation) {
	case XENSND_OP_GET_VOLUME:
		sim_buf_copy(sc, rw->offset, sc->volume, rw->length, true);
		return 0;
	case XENSND_OP_SET_VOLUME:
		sim_buf_copy(sc, rw->offset, sc->volume, rw->length, false);
		break;
	default:
		sim_buf_copy(sc, rw->offset, bytes, rw->length, false);
		for (i = 0; i < rw->length; i++)
			if (bytes[i])
				sc->muted[i] = req->operation == XENSND_OP_MUTE;
		break;
	}
	if (entry)
		sim_buf_copy(sc, rw->offset, entry->payload,
			     min_t(u32, rw->length, SIM_PAYLOAD_LEN), false);
	return 0;
}

static s32 sim_trigger(struct sim_chan *sc, u8 type)
{
	if (sc->lenient)
		return type <= XENSND_OP_TRIGGER_RESUME ? 0 : -EINVAL;
	if (!sc->opened || type > XENSND_OP_TRIGGER_RESUME) {
		sc->nr_bad++;
		return -EINVAL;
	}
	switch (type) {
	case XENSND_OP_TRIGGER_START:
		/* ALSA refuses to start an empty playback device. */
		if (!sc->capture && !sc->written_since_stop)
			return -EPIPE;
		sc->started = true;
		break;
	case XENSND_OP_TRIGGER_STOP:
		sc->started = false;
		sc->written_since_stop = 0;
		break;
	}
	return 0;
}

static void sim_narrow(u32 *min, u32 *max, u32 lmin, u32 lmax)
{
	*min = max(*min, lmin);
	*max = min(*max, lmax);
}

static s32 sim_query(struct sim_chan *sc,
		     const struct xensnd_query_hw_param *q,
		     struct xensnd_query_hw_param *a)
{
	const struct xensnd_query_hw_param *l = &sc->hw_limits;

	if (sc->opened && !sc->lenient) {
		/* snd_be opens the device again to answer, and hangs. */
		sc->nr_bad++;
		memset(a, 0, sizeof(*a));
		return -EBUSY;
	}
	if (sc->hw_answer_fixed) {
		*a = sc->hw_answer;
		return 0;
	}
	*a = *q;
	if (!sc->hw_limits_set)
		return 0;
	a->formats &= l->formats;
	sim_narrow(&a->rates.min, &a->rates.max, l->rates.min, l->rates.max);
	sim_narrow(&a->channels.min, &a->channels.max, l->channels.min,
		   l->channels.max);
	sim_narrow(&a->buffer.min, &a->buffer.max, l->buffer.min,
		   l->buffer.max);
	sim_narrow(&a->period.min, &a->period.max, l->period.min,
		   l->period.max);
	if (!a->formats || a->rates.min > a->rates.max ||
	    a->channels.min > a->channels.max ||
	    a->buffer.min > a->buffer.max || a->period.min > a->period.max) {
		memset(a, 0, sizeof(*a));
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Request processing                                                  */
/* ------------------------------------------------------------------ */

static void sim_push_ring(struct sim_chan *sc, const struct xensnd_resp *resp)
{
	memcpy(RING_GET_RESPONSE(&sc->back, sc->back.rsp_prod_pvt), resp,
	       sizeof(*resp));
	sc->back.rsp_prod_pvt++;
}

/*
 * Answers are queued while requests are consumed and written afterwards:
 * a response slot is the slot of a request, so writing at once could
 * overwrite a request not yet read (a duplicate answer takes a slot).
 */
static void sim_push(struct sim_chan *sc, const struct xensnd_resp *resp)
{
	if (sc->nr_out < SIM_MAX_OUT)
		sc->out[sc->nr_out++] = *resp;
}

static void sim_push_out(struct sim_chan *sc)
{
	unsigned int i;

	for (i = 0; i < sc->nr_out; i++)
		sim_push_ring(sc, &sc->out[i]);
	sc->nr_out = 0;
}

static void sim_handle(struct sim_chan *sc, const struct xensnd_req *req)
{
	struct xensnd_resp resp = {
		.id = req->id,
		.operation = req->operation,
	};
	struct sim_log_entry *entry = NULL;
	struct sim_op_cfg *cfg = NULL;

	if (sc->nr_log < SIM_LOG_LEN) {
		entry = &sc->log[sc->nr_log];
		memset(entry, 0, sizeof(*entry));
		entry->req = *req;
	}
	sc->nr_log++;
	if (req->operation < SIM_NR_OPS) {
		sc->nr_reqs[req->operation]++;
		cfg = &sc->ops[req->operation];
	}

	switch (req->operation) {
	case XENSND_OP_OPEN:
		resp.status = sim_open(sc, &req->op.open);
		break;
	case XENSND_OP_CLOSE:
		sim_unmap_buffer(sc);
		resp.status = 0;
		break;
	case XENSND_OP_WRITE:
		resp.status = sim_write(sc, &req->op.rw, entry);
		break;
	case XENSND_OP_READ:
		resp.status = sim_read(sc, &req->op.rw);
		break;
	case XENSND_OP_SET_VOLUME:
	case XENSND_OP_GET_VOLUME:
	case XENSND_OP_MUTE:
	case XENSND_OP_UNMUTE:
		resp.status = sim_volume(sc, req, entry);
		break;
	case XENSND_OP_TRIGGER:
		resp.status = sim_trigger(sc, req->op.trigger.type);
		break;
	case XENSND_OP_HW_PARAM_QUERY:
		resp.status = sim_query(sc, &req->op.hw_param,
					&resp.resp.hw_param);
		break;
	default:
		resp.status = -EINVAL;
		break;
	}
	if (cfg && cfg->set_status)
		resp.status = cfg->status;
	if (req->operation == XENSND_OP_OPEN && resp.status && sc->opened)
		sim_unmap_buffer(sc);

	switch (cfg ? cfg->reply : SIM_REPLY_NORMAL) {
	case SIM_REPLY_NORMAL:
		sim_push(sc, &resp);
		sc->last_resp = resp;
		sc->have_last_resp = true;
		break;
	case SIM_REPLY_STALE:
		if (sc->have_last_resp)
			resp = sc->last_resp;
		else
			resp.id ^= 0x8000;
		sim_push(sc, &resp);
		break;
	case SIM_REPLY_SLOT_ALIAS:
		resp.id += XSF_RING_SLOTS;
		sim_push(sc, &resp);
		break;
	case SIM_REPLY_DROP:
		break;
	case SIM_REPLY_HOLD:
		if (sc->nr_held < SIM_MAX_HELD)
			sc->held[sc->nr_held++] = resp;
		break;
	case SIM_REPLY_WRONG_ID:
		resp.id ^= 0x8000;
		sim_push(sc, &resp);
		break;
	case SIM_REPLY_WRONG_OP:
		resp.operation = req->operation + 100;
		sim_push(sc, &resp);
		break;
	case SIM_REPLY_DUPLICATE:
		sim_push(sc, &resp);
		sim_push(sc, &resp);
		break;
	}
}

/* Push what was produced and interrupt the frontend if it asked. */
static void sim_publish(struct sim_chan *sc, bool force)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&sc->back, notify);
	if (notify || force) {
		sc->nr_ring_irqs++;
		xsf_fake_io_raise(sc->ring_port);
	}
}

static void sim_chan_process(struct sim_chan *sc)
{
	RING_IDX rc, rp;
	int more;

	do {
		rp = READ_ONCE(sc->sring->req_prod);
		virt_rmb(); /* read requests only after the index */
		for (rc = sc->back.req_cons; rc != rp; rc++) {
			struct xensnd_req req;

			memcpy(&req, RING_GET_REQUEST(&sc->back, rc), sizeof(req));
			sc->back.req_cons = rc + 1;
			sim_handle(sc, &req);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&sc->back, more);
	} while (more);
	sim_push_out(sc);
	sim_publish(sc, false);
}

/**
 * sim_backend_process() - consume and answer every pending request
 * @sim: the backend
 *
 * Must be called from process context, without frontend locks held.
 */
void sim_backend_process(struct sim_backend *sim)
{
	unsigned int i;

	mutex_lock(&sim->lock);
	for (i = 0; i < sim->nr_chans; i++)
		if (sim->chans[i] && sim->chans[i]->sring)
			sim_chan_process(sim->chans[i]);
	mutex_unlock(&sim->lock);
}

static void sim_work(struct work_struct *work)
{
	sim_backend_process(container_of(work, struct sim_backend, work));
}

/* Called by the fake xsf_io_notify() with the frontend's ring lock held. */
static void sim_notify_hook(void *ctx, evtchn_port_t port)
{
	struct sim_backend *sim = ctx;

	sim->nr_kicks++;
	if (READ_ONCE(sim->autorun))
		queue_work(system_unbound_wq, &sim->work);
}

/**
 * sim_backend_sync() - wait until the backend has nothing left to do
 * @sim: the backend
 *
 * Waits for the work item, including runs it queued for itself through
 * the frontend's reactions to its answers.
 */
void sim_backend_sync(struct sim_backend *sim)
{
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		flush_work(&sim->work);
		if (!work_pending(&sim->work))
			return;
	}
}

/**
 * sim_backend_release() - send the answers held back so far
 * @sc: the stream
 */
void sim_backend_release(struct sim_chan *sc)
{
	unsigned int i;

	mutex_lock(&sc->sim->lock);
	for (i = 0; i < sc->nr_held; i++)
		sim_push_ring(sc, &sc->held[i]);
	sc->nr_held = 0;
	if (sc->sring)
		sim_publish(sc, false);
	mutex_unlock(&sc->sim->lock);
}

/**
 * sim_backend_set_reply() - choose how an operation is answered
 * @sc: the stream
 * @operation: XENSND_OP_*
 * @reply: the behaviour
 */
void sim_backend_set_reply(struct sim_chan *sc, u8 operation,
			   enum sim_reply reply)
{
	if (operation < SIM_NR_OPS)
		sc->ops[operation].reply = reply;
}

/**
 * sim_backend_set_status() - answer an operation with a fixed status
 * @sc: the stream
 * @operation: XENSND_OP_*
 * @status: the status, any value (also positive garbage)
 */
void sim_backend_set_status(struct sim_chan *sc, u8 operation, s32 status)
{
	if (operation < SIM_NR_OPS) {
		sc->ops[operation].set_status = true;
		sc->ops[operation].status = status;
	}
}

/**
 * sim_backend_clear_status() - answer an operation with its real status
 * @sc: the stream
 * @operation: XENSND_OP_*
 */
void sim_backend_clear_status(struct sim_chan *sc, u8 operation)
{
	if (operation < SIM_NR_OPS)
		sc->ops[operation].set_status = false;
}

/**
 * sim_backend_hostile_rsp_prod() - claim responses that do not exist
 * @sc: the stream
 * @extra: how far beyond the responses really produced
 *
 * Return: result of raising the ring's event channel.
 */
int sim_backend_hostile_rsp_prod(struct sim_chan *sc, unsigned int extra)
{
	int ret;

	mutex_lock(&sc->sim->lock);
	virt_wmb(); /* real responses before the index, as a backend would */
	WRITE_ONCE(sc->sring->rsp_prod, sc->back.rsp_prod_pvt + extra);
	ret = xsf_fake_io_raise(sc->ring_port);
	mutex_unlock(&sc->sim->lock);
	return ret;
}

/**
 * sim_backend_write_rsp_prod() - write any response producer index
 * @sc: the stream
 * @rsp_prod: the value, e.g. behind the frontend's consumer or far ahead
 *
 * What a hostile backend writes into the shared ring; the responses it
 * produced really are not changed.  The ring's event channel is raised.
 *
 * Return: result of raising the ring's event channel.
 */
int sim_backend_write_rsp_prod(struct sim_chan *sc, RING_IDX rsp_prod)
{
	int ret;

	mutex_lock(&sc->sim->lock);
	virt_wmb(); /* responses before the index, as a backend would */
	WRITE_ONCE(sc->sring->rsp_prod, rsp_prod);
	ret = xsf_fake_io_raise(sc->ring_port);
	mutex_unlock(&sc->sim->lock);
	return ret;
}

/**
 * sim_backend_push_raw() - put one response on the ring as it is
 * @sc: the stream
 * @resp: the response, any id, operation and status
 *
 * The response takes the next response slot whatever was asked; the
 * producer index is published and the ring's event channel raised.
 *
 * Return: result of raising the ring's event channel.
 */
int sim_backend_push_raw(struct sim_chan *sc, const struct xensnd_resp *resp)
{
	int ret;

	mutex_lock(&sc->sim->lock);
	sim_push_ring(sc, resp);
	virt_wmb(); /* the response before the index */
	WRITE_ONCE(sc->sring->rsp_prod, sc->back.rsp_prod_pvt);
	ret = xsf_fake_io_raise(sc->ring_port);
	mutex_unlock(&sc->sim->lock);
	return ret;
}

/**
 * sim_backend_raise_ring() - interrupt the frontend on the ring's channel
 * @sc: the stream
 *
 * Nothing new is put on the ring.
 *
 * Return: 0 or -ENOENT if the port is no longer bound.
 */
int sim_backend_raise_ring(struct sim_chan *sc)
{
	return xsf_fake_io_raise(sc->ring_port);
}

/**
 * sim_backend_write_in_prod() - write any event producer index
 * @sc: the stream
 * @in_prod: the value, e.g. far ahead of the consumer or behind it
 *
 * The events on the page are not changed; nobody is interrupted.
 */
void sim_backend_write_in_prod(struct sim_chan *sc, u32 in_prod)
{
	virt_wmb(); /* events before the index */
	WRITE_ONCE(sc->evt_page->in_prod, in_prod);
}

/**
 * sim_backend_write_in_cons() - overwrite the event consumer index
 * @sc: the stream
 * @in_cons: the value; the frontend owns this index, a backend that
 *	writes it tries to make the frontend read events again
 *
 * Nobody is interrupted.
 */
void sim_backend_write_in_cons(struct sim_chan *sc, u32 in_cons)
{
	WRITE_ONCE(sc->evt_page->in_cons, in_cons);
}

/**
 * sim_evt_put() - produce one event on an event page
 * @page: the event page
 * @id: event id
 * @type: XENSND_EVT_*
 * @position: XENSND_EVT_CUR_POS position
 *
 * Writes the event at the producer index, then advances the index.
 */
void sim_evt_put(struct xensnd_event_page *page, u16 id, u8 type,
		 u64 position)
{
	u32 prod = READ_ONCE(page->in_prod);
	struct xensnd_evt *evt = &XENSND_IN_RING_REF(page, prod);

	memset(evt, 0, sizeof(*evt));
	evt->id = id;
	evt->type = type;
	evt->op.cur_pos.position = position;
	virt_wmb(); /* event before index */
	WRITE_ONCE(page->in_prod, prod + 1);
}

/**
 * sim_backend_raise_evt() - interrupt the frontend on the event channel
 * @sc: the stream
 *
 * Return: 0 or -ENOENT if the port is no longer bound.
 */
int sim_backend_raise_evt(struct sim_chan *sc)
{
	return xsf_fake_io_raise(sc->evt_port);
}

/**
 * sim_backend_event() - produce an event with the next id
 * @sc: the stream
 * @type: XENSND_EVT_*
 * @position: position for XENSND_EVT_CUR_POS
 * @raise: interrupt the frontend afterwards
 */
void sim_backend_event(struct sim_chan *sc, u8 type, u64 position,
		       bool raise)
{
	sim_evt_put(sc->evt_page, sc->evt_id++, type, position);
	if (raise)
		sim_backend_raise_evt(sc);
}

/**
 * sim_backend_find() - the n-th logged request of an operation
 * @sc: the stream
 * @operation: XENSND_OP_*
 * @nth: 0 for the first
 *
 * Return: the log entry, or NULL.
 */
const struct sim_log_entry *sim_backend_find(const struct sim_chan *sc,
					     u8 operation, unsigned int nth)
{
	unsigned int i, n = min_t(unsigned int, sc->nr_log, SIM_LOG_LEN);

	for (i = 0; i < n; i++)
		if (sc->log[i].req.operation == operation && !nth--)
			return &sc->log[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Attaching                                                           */
/* ------------------------------------------------------------------ */

/**
 * sim_backend_attach() - connect the backend to one stream's channels
 * @sim: the backend
 * @ring_gref: grant of the request ring
 * @ring_port: event channel of the request ring
 * @evt_gref: grant of the event page
 * @evt_port: event channel of the event page
 *
 * Return: the stream's backend state, or NULL if a grant cannot be
 * mapped or too many streams are attached.
 */
struct sim_chan *sim_backend_attach(struct sim_backend *sim,
				    grant_ref_t ring_gref,
				    evtchn_port_t ring_port,
				    grant_ref_t evt_gref,
				    evtchn_port_t evt_port)
{
	struct sim_chan *sc;
	unsigned int i;

	if (sim->nr_chans == SIM_MAX_CHANS)
		return NULL;
	sc = vzalloc(sizeof(*sc));
	if (!sc)
		return NULL;
	sc->data = vzalloc(SIM_DATA_LEN);
	sc->sring = xsf_fake_io_backend_map(ring_gref);
	sc->evt_page = xsf_fake_io_backend_map(evt_gref);
	if (!sc->data || !sc->sring || !sc->evt_page) {
		if (sc->sring)
			xsf_fake_io_backend_unmap(ring_gref);
		if (sc->evt_page)
			xsf_fake_io_backend_unmap(evt_gref);
		vfree(sc->data);
		vfree(sc);
		return NULL;
	}
	sc->sim = sim;
	sc->ring_gref = ring_gref;
	sc->ring_port = ring_port;
	sc->evt_gref = evt_gref;
	sc->evt_port = evt_port;
	BACK_RING_INIT(&sc->back, sc->sring, XEN_PAGE_SIZE);
	memcpy(sc->ops, sim->default_ops, sizeof(sc->ops));
	for (i = 0; i < XSF_MAX_CHANNELS; i++)
		sc->volume[i] = sim->default_volume;
	mutex_lock(&sim->lock);
	sim->chans[sim->nr_chans++] = sc;
	mutex_unlock(&sim->lock);
	return sc;
}

/**
 * sim_backend_attach_chan() - attach to a channel the frontend set up
 * @sim: the backend
 * @chan: the channel
 *
 * Return: the stream's backend state, or NULL.
 */
struct sim_chan *sim_backend_attach_chan(struct sim_backend *sim,
					 const struct xsf_channel *chan)
{
	struct sim_chan *sc = sim_backend_attach(sim, chan->ring_gref,
						 chan->ring_port,
						 chan->evt_gref,
						 chan->evt_port);

	if (sc)
		sc->capture = chan->cfg->capture;
	return sc;
}

static int sim_read_u32(const char *dir, const char *node, u32 *val)
{
	char path[160];
	const char *value;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	value = xsf_fake_store_get(path);
	if (!value)
		return -ENOENT;
	return kstrtou32(value, 10, val);
}

/**
 * sim_backend_attach_store() - attach to every stream, as a backend does
 * @sim: the backend
 * @nodename: the frontend's XenStore directory
 * @cfg: the configuration, to know the streams
 *
 * Reads each stream's ring-ref, event-channel, evt-ring-ref and
 * evt-event-channel from the fake XenStore, in configuration order.
 *
 * Return: 0, or a negative errno if a node is missing or unusable.
 */
int sim_backend_attach_store(struct sim_backend *sim, const char *nodename,
			     const struct xsf_card_cfg *cfg)
{
	struct sim_chan *sc;
	unsigned int p, s;
	char dir[128];
	u32 rr, rp, er, ep;
	int ret;

	for (p = 0; p < cfg->nr_pcms; p++) {
		for (s = 0; s < cfg->pcms[p].nr_streams; s++) {
			snprintf(dir, sizeof(dir), "%s/%u/%u", nodename, p, s);
			ret = sim_read_u32(dir, XENSND_FIELD_RING_REF, &rr);
			if (!ret)
				ret = sim_read_u32(dir, XENSND_FIELD_EVT_CHNL,
						   &rp);
			if (!ret)
				ret = sim_read_u32(dir,
						   XENSND_FIELD_EVT_RING_REF,
						   &er);
			if (!ret)
				ret = sim_read_u32(dir,
						   XENSND_FIELD_EVT_EVT_CHNL,
						   &ep);
			if (ret)
				return ret;
			sc = sim_backend_attach(sim, rr, rp, er, ep);
			if (!sc)
				return -EINVAL;
			sc->capture = cfg->pcms[p].streams[s].capture;
		}
	}
	return 0;
}

/**
 * sim_backend_detach_all() - unmap everything the backend mapped
 * @sim: the backend
 *
 * Pages the frontend already revoked are freed by the grant table now.
 */
void sim_backend_detach_all(struct sim_backend *sim)
{
	unsigned int i;

	mutex_lock(&sim->lock);
	for (i = 0; i < sim->nr_chans; i++) {
		struct sim_chan *sc = sim->chans[i];

		sim_unmap_buffer(sc);
		xsf_fake_io_backend_unmap(sc->ring_gref);
		xsf_fake_io_backend_unmap(sc->evt_gref);
		vfree(sc->data);
		vfree(sc);
		sim->chans[i] = NULL;
	}
	sim->nr_chans = 0;
	mutex_unlock(&sim->lock);
}

/**
 * sim_backend_stop() - stop answering: no autorun, no notification hook
 * @sim: the backend
 *
 * Waits for a run of the work item in progress.  Mapped pages stay
 * mapped until sim_backend_detach_all().
 */
void sim_backend_stop(struct sim_backend *sim)
{
	WRITE_ONCE(sim->autorun, false);
	if (xsf_fake_io.notify_ctx == sim) {
		xsf_fake_io.notify_hook = NULL;
		xsf_fake_io.notify_ctx = NULL;
	}
	cancel_work_sync(&sim->work);
}

static void sim_backend_cleanup(void *data)
{
	struct sim_backend *sim = data;

	sim_backend_stop(sim);
	sim_backend_detach_all(sim);
}

/**
 * sim_backend_new() - a backend that answers from a work item
 * @test: the test; the backend is torn down when it ends
 *
 * The backend becomes the target of the fake's notification hook and
 * starts in autorun mode.
 *
 * Return: the backend (the test fails and aborts if it cannot be made).
 */
struct sim_backend *sim_backend_new(struct kunit *test)
{
	struct sim_backend *sim = kunit_kzalloc(test, sizeof(*sim), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sim);
	sim->test = test;
	mutex_init(&sim->lock);
	INIT_WORK(&sim->work, sim_work);
	sim->autorun = true;
	xsf_fake_io.notify_ctx = sim;
	xsf_fake_io.notify_hook = sim_notify_hook;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sim_backend_cleanup,
						  sim));
	return sim;
}
