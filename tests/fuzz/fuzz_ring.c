// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the request/response ring (src/ring.c).
 *
 * A real sndif front ring lives in a page of its own (so that any access
 * outside it is caught).  The input is a program of one-byte steps: the
 * frontend submits asynchronous requests and makes synchronous calls;
 * the backend, hostile, writes straight into the shared page (answers
 * in order or not at all, forged and replayed ids, producer indices
 * anywhere, scribbles over entries and event indices); the ring's
 * interrupt handler runs when the input says so.  While a synchronous
 * call sleeps for its answer, the steps that follow play the other side
 * and other threads, until an END step wakes it (or the call times out).
 * A completion callback may queue the next data request, as pcm.c does,
 * or another CPU may tear the ring down while the handler has its lock
 * dropped for the callback.
 *
 * The harness keeps its own record of every request sent and checks,
 * after every step:
 *  - a request completes once, with its own id and operation, and the
 *    status its answer carried, mapped as ring.c documents;
 *  - a completion without an answer is -EIO on a disconnected ring;
 *  - callbacks run without the ring lock and get a private copy;
 *  - slots outstanding in the ring are exactly the requests the harness
 *    knows to be outstanding, and never more requests are in flight
 *    than the ring has entries;
 *  - data requests leave XSF_RING_CONTROL_RESERVE entries and slots;
 *  - the ring disconnects only for a producer index really beyond the
 *    requests sent, and a disconnected ring is not touched again: no
 *    request, no consumed response, every request failed;
 *  - at the end, every request sent has completed exactly once.
 */
#include "xsf_fuzz.h"
#include "xsf_xenio.h"

#define FUZZ_IRQ		7
#define FUZZ_MAX_REQS		1024
#define FUZZ_MAX_DEPTH		3	/* sleeping callers at once */
#define FUZZ_SLEEP_STEPS	64	/* steps one sleep lasts at most */

enum fuzz_step {
	STEP_END,		/* wake the sleeping caller (or nothing) */
	STEP_SUBMIT_DATA,
	STEP_SUBMIT_CONTROL,
	STEP_CALL,
	STEP_IRQ,
	STEP_ANSWER,		/* answer the next request and publish */
	STEP_ANSWER_QUIET,	/* answer the next request, publish later */
	STEP_ANSWER_ALL,
	STEP_PUBLISH,
	STEP_DROP,		/* consume a request, never answer it */
	STEP_FORGE,		/* an answer with any id, operation, status */
	STEP_REPLAY,		/* an answer for an earlier request */
	STEP_SET_RSP_PROD,
	STEP_BUMP_RSP_PROD,
	STEP_SCRIBBLE,
	STEP_DISCONNECT,
	STEP_RECONNECT,
	NR_STEPS
};

/* One request the frontend sent, as the harness saw it go. */
struct fuzz_req {
	u16 id;
	u8 operation;
	bool async;
	bool outstanding;
	unsigned int completions;
};

/* A synchronous call in progress (they nest: one per sleeping thread). */
struct fuzz_call {
	struct fuzz_req *req;	/* set once the request is on the ring */
};

static struct device fuzz_dev = { .name = "vsnd-0:0.0-req" };

static struct {
	struct xsf_fuzz_input in;
	struct xen_sndif_sring *page;
	struct xsf_ring ring;
	bool connected;			/* what the harness expects */
	RING_IDX frozen_req_prod;	/* indices when it disconnected */
	RING_IDX frozen_rsp_cons;
	struct fuzz_req reqs[FUZZ_MAX_REQS];
	unsigned int nr_reqs;
	struct fuzz_call *calls[FUZZ_MAX_DEPTH];
	unsigned int depth;
	RING_IDX back_req_cons;		/* the backend's private indices */
	RING_IDX back_rsp_prod;
	struct xensnd_resp last_rsp;
} F;

/* Operations a frontend sends; the backend's answers may carry any. */
static const u8 fuzz_ops[] = {
	XENSND_OP_OPEN, XENSND_OP_CLOSE, XENSND_OP_READ, XENSND_OP_WRITE,
	XENSND_OP_SET_VOLUME, XENSND_OP_GET_VOLUME, XENSND_OP_MUTE,
	XENSND_OP_UNMUTE, XENSND_OP_TRIGGER, XENSND_OP_HW_PARAM_QUERY,
};

static s32 fuzz_status(void)
{
	static const s32 common[] = {
		0, 0, 0, -EINVAL, -EIO, -ENOMEM, -ETIMEDOUT, -EBUSY,
		-EAGAIN, -ENODEV, -EPERM, -ENOENT, -E2BIG, -EACCES, -EFAULT,
		-EEXIST, -ENOSPC, -ERANGE, -EOPNOTSUPP, -ENOTTY, 1, -4096,
		INT32_MIN,
	};
	u8 pick = fuzz_u8(&F.in);

	if (pick < 0xf0)
		return common[pick % ARRAY_SIZE(common)];
	return (s32)fuzz_u32(&F.in);
}

static bool fuzz_in_page(const void *p)
{
	return (const u8 *)p >= (const u8 *)F.page &&
	       (const u8 *)p < (const u8 *)F.page + XEN_PAGE_SIZE;
}

static unsigned int fuzz_slots_in_use(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < XSF_RING_SLOTS; i++)
		n += F.ring.slots[i].state != XSF_SLOT_FREE;
	return n;
}

static struct fuzz_req *fuzz_new_req(u16 id, u8 operation, bool async)
{
	struct fuzz_req *r;

	/* The input's length bounds the requests: this never runs out. */
	FUZZ_ASSERT(F.nr_reqs < FUZZ_MAX_REQS);
	r = &F.reqs[F.nr_reqs++];
	r->id = id;
	r->operation = operation;
	r->async = async;
	r->outstanding = true;
	r->completions = 0;
	return r;
}

/* Everything the harness knows must agree with the ring's own state. */
static void fuzz_check_ring(void)
{
	unsigned int i, outstanding = 0;

	FUZZ_ASSERT(!xsf_fuzz_lock_held(&F.ring.lock));
	FUZZ_ASSERT(F.ring.connected == F.connected);
	/* Never more requests in flight than the ring has entries. */
	FUZZ_ASSERT(F.ring.front.req_prod_pvt - F.ring.front.rsp_cons <=
		    XSF_RING_SLOTS);

	for (i = 0; i < F.nr_reqs; i++) {
		const struct fuzz_req *r = &F.reqs[i];
		const struct xsf_ring_slot *slot;

		if (!r->outstanding)
			continue;
		outstanding++;
		slot = &F.ring.slots[r->id % XSF_RING_SLOTS];
		FUZZ_ASSERT(slot->id == r->id);
		FUZZ_ASSERT(slot->operation == r->operation);
		if (r->async)
			FUZZ_ASSERT(slot->state == XSF_SLOT_ASYNC);
		else
			FUZZ_ASSERT(slot->state == XSF_SLOT_WAITING ||
				    slot->state == XSF_SLOT_ANSWERED);
	}
	FUZZ_ASSERT(fuzz_slots_in_use() == outstanding);

	if (!F.connected) {
		/* Not reused: nothing sent, nothing consumed. */
		FUZZ_ASSERT(F.ring.front.req_prod_pvt == F.frozen_req_prod);
		FUZZ_ASSERT(F.ring.front.rsp_cons == F.frozen_rsp_cons);
		for (i = 0; i < F.nr_reqs; i++)
			FUZZ_ASSERT(!F.reqs[i].outstanding || !F.reqs[i].async);
	}
}

static void fuzz_mark_disconnected(void)
{
	F.connected = false;
	F.frozen_req_prod = F.ring.front.req_prod_pvt;
	F.frozen_rsp_cons = F.ring.front.rsp_cons;
}

static void fuzz_submit(enum xsf_ring_class class);
static void fuzz_disconnect(void);

/* Completion of an asynchronous request. */
static void fuzz_done(void *ctx, int status, const struct xensnd_resp *resp)
{
	struct fuzz_req *r = ctx;

	FUZZ_ASSERT(r >= F.reqs && r < F.reqs + F.nr_reqs);
	FUZZ_ASSERT(r->async);
	/* Completed once, and only while outstanding. */
	FUZZ_ASSERT(r->outstanding && !r->completions);
	FUZZ_ASSERT(!xsf_fuzz_lock_held(&F.ring.lock));
	r->outstanding = false;
	r->completions++;

	if (resp) {
		FUZZ_ASSERT(!fuzz_in_page(resp));
		FUZZ_ASSERT(resp->id == r->id);
		FUZZ_ASSERT(resp->operation == r->operation);
		FUZZ_ASSERT(status == xsf_ring_status_to_errno(resp->status));
		FUZZ_ASSERT(status <= 0 && status >= -MAX_ERRNO);
	} else {
		FUZZ_ASSERT(status == -EIO);
		FUZZ_ASSERT(!F.ring.connected);
	}

	if (!fuzz_more(&F.in))
		return;
	switch (fuzz_u8(&F.in) % 8) {
	case 0:
	case 1:
		/* A stream queues its next transfer from here (pcm.c does). */
		fuzz_submit(XSF_RING_DATA);
		break;
	case 2:
		/*
		 * Another CPU tears the ring down while the handler has the
		 * lock dropped for this callback.
		 */
		fuzz_disconnect();
		break;
	}
}

static void fuzz_submit(enum xsf_ring_class class)
{
	unsigned int reserve = class == XSF_RING_DATA ?
			       XSF_RING_CONTROL_RESERVE : 0;
	struct xensnd_req req = {
		.operation = fuzz_ops[fuzz_u8(&F.in) % ARRAY_SIZE(fuzz_ops)],
	};
	unsigned int free_entries, free_slots;
	RING_IDX prod = F.ring.front.req_prod_pvt;
	int ret;

	free_entries = RING_FREE_REQUESTS(&F.ring.front);
	free_slots = XSF_RING_SLOTS - fuzz_slots_in_use();
	req.op.rw.offset = fuzz_u32(&F.in);
	req.op.rw.length = fuzz_u32(&F.in);
	if (F.nr_reqs == FUZZ_MAX_REQS)
		return;

	ret = xsf_ring_submit(&F.ring, &req, class, fuzz_done,
			      &F.reqs[F.nr_reqs]);
	/* From a callback, the ring may be failing right now. */
	if (!F.ring.connected) {
		FUZZ_ASSERT(ret == -EIO);
		return;
	}
	if (ret) {
		/* Busy only when the entries or slots (or reserve) are used. */
		FUZZ_ASSERT(ret == -EBUSY);
		FUZZ_ASSERT(free_entries <= reserve || free_slots <= reserve);
		FUZZ_ASSERT(F.ring.front.req_prod_pvt == prod);
		return;
	}
	FUZZ_ASSERT(free_entries > reserve && free_slots > reserve);
	FUZZ_ASSERT(F.ring.front.req_prod_pvt == prod + 1);
	FUZZ_ASSERT(F.page->req_prod == prod + 1);	/* published */
	/* What went on the ring is the request, with its id. */
	FUZZ_ASSERT(!memcmp(RING_GET_REQUEST(&F.ring.front, prod), &req,
			    sizeof(req)));
	fuzz_new_req(req.id, req.operation, true);
}

static void fuzz_step(bool sleeping);

/*
 * A caller sleeps: on its answer (@waiting) or for ring space (NULL).
 * Play what happens meanwhile until the input wakes it.
 */
static void fuzz_sleep(struct completion *waiting)
{
	unsigned int steps;

	FUZZ_ASSERT(F.depth > 0);
	if (waiting) {
		struct xsf_ring_slot *slot = (struct xsf_ring_slot *)
			((u8 *)waiting - offsetof(struct xsf_ring_slot, done));
		struct fuzz_call *call = F.calls[F.depth - 1];

		/* Only the innermost call sleeps, once, on its own slot. */
		FUZZ_ASSERT(slot >= F.ring.slots &&
			    slot < F.ring.slots + XSF_RING_SLOTS);
		FUZZ_ASSERT(slot->state == XSF_SLOT_WAITING);
		FUZZ_ASSERT(!call->req);
		call->req = fuzz_new_req(slot->id, slot->operation, false);
	}
	fuzz_check_ring();
	for (steps = 0; steps < FUZZ_SLEEP_STEPS && fuzz_more(&F.in); steps++) {
		if (fuzz_u8(&F.in) % NR_STEPS == STEP_END)
			break;
		F.in.pos--;
		fuzz_step(true);
	}
}

static void fuzz_call(void)
{
	struct fuzz_call call = { NULL };
	struct xensnd_resp resp, untouched;
	struct xensnd_req req = {
		.operation = fuzz_ops[fuzz_u8(&F.in) % ARRAY_SIZE(fuzz_ops)],
	};
	bool answered;
	int ret;

	if (F.depth == FUZZ_MAX_DEPTH || F.nr_reqs == FUZZ_MAX_REQS)
		return;
	memset(&resp, 0xa5, sizeof(resp));
	untouched = resp;
	F.calls[F.depth++] = &call;
	ret = xsf_ring_call(&F.ring, &req, &resp);
	F.depth--;
	answered = memcmp(&resp, &untouched, sizeof(resp));

	if (!call.req) {
		/* Never on the ring: disconnected, or it stayed full. */
		FUZZ_ASSERT(!answered);
		FUZZ_ASSERT(ret == -EIO || ret == -ETIMEDOUT);
		FUZZ_ASSERT(ret != -EIO || !F.connected);
		return;
	}
	FUZZ_ASSERT(call.req->outstanding && !call.req->completions);
	FUZZ_ASSERT(req.id == call.req->id);
	call.req->outstanding = false;
	call.req->completions++;
	if (answered) {
		FUZZ_ASSERT(resp.id == call.req->id);
		FUZZ_ASSERT(resp.operation == call.req->operation);
		FUZZ_ASSERT(ret == xsf_ring_status_to_errno(resp.status));
	} else {
		FUZZ_ASSERT((ret == -EIO && !F.connected) ||
			    (ret == -ETIMEDOUT && F.connected));
	}
	FUZZ_ASSERT(F.ring.slots[call.req->id % XSF_RING_SLOTS].state ==
		    XSF_SLOT_FREE);
}

static void fuzz_irq(void)
{
	RING_IDX cons = F.ring.front.rsp_cons;
	unsigned int stale = F.ring.nr_stale;
	bool was_connected = F.connected;
	int ret = xsf_ring_handle_responses(&F.ring);

	FUZZ_ASSERT(!xsf_fuzz_lock_held(&F.ring.lock));
	if (!was_connected) {
		FUZZ_ASSERT(ret == 0);
		return;
	}
	if (ret < 0) {
		FUZZ_ASSERT(ret == -EIO && !F.ring.connected);
		/* Only for an index really beyond what was sent. */
		FUZZ_ASSERT(F.page->rsp_prod - F.ring.front.rsp_cons >
			    F.ring.front.req_prod_pvt - F.ring.front.rsp_cons);
		if (F.connected)
			fuzz_mark_disconnected();
		return;
	}
	/*
	 * It counts the responses that answered a request: each consumed
	 * response either did or was dropped as stale (callbacks may consume
	 * more through nested calls, counted in neither).
	 */
	FUZZ_ASSERT((RING_IDX)ret + (F.ring.nr_stale - stale) <=
		    F.ring.front.rsp_cons - cons);
	if (!F.connected)
		return; /* torn down from a callback: it stopped there */
	FUZZ_ASSERT(F.ring.connected);
	/* Everything the backend published was consumed. */
	FUZZ_ASSERT(F.ring.front.rsp_cons == F.page->rsp_prod);
}

/* The backend writes a response into its next response entry. */
static void fuzz_back_write(u16 id, u8 operation, s32 status)
{
	struct xensnd_resp *rsp =
		&F.page->ring[F.back_rsp_prod % XSF_RING_SLOTS].rsp;

	memset(rsp, 0, sizeof(*rsp));
	rsp->id = id;
	rsp->operation = operation;
	rsp->status = status;
	F.last_rsp = *rsp;
	F.back_rsp_prod++;
}

static void fuzz_back_publish(void)
{
	wmb();	/* as a backend does: responses before the index */
	F.page->rsp_prod = F.back_rsp_prod;
}

/* Answer the backend's next request, if the frontend published one. */
static bool fuzz_back_answer(void)
{
	struct xensnd_req req;

	if (F.back_req_cons == F.page->req_prod)
		return false;
	memcpy(&req, &F.page->ring[F.back_req_cons % XSF_RING_SLOTS].req,
	       sizeof(req));
	F.back_req_cons++;
	fuzz_back_write(req.id, req.operation, fuzz_status());
	return true;
}

static void fuzz_back_scribble(void)
{
	u8 *bytes = (u8 *)F.page;
	u8 what = fuzz_u8(&F.in);

	switch (what % 5) {
	case 0:
		F.page->req_event = fuzz_u32(&F.in);
		break;
	case 1:
		F.page->rsp_event = fuzz_u32(&F.in);
		break;
	case 2:
		/* The frontend's own index: it only decides notifications. */
		F.page->req_prod = fuzz_u32(&F.in);
		break;
	default:
		/* Any byte of any entry, requests included. */
		bytes[offsetof(struct xen_sndif_sring, ring) +
		      fuzz_u16(&F.in) % (XSF_RING_SLOTS *
					 sizeof(F.page->ring[0]))] =
			fuzz_u8(&F.in);
		break;
	}
}

/* A new connection: bus.c shares a fresh, cleared page. */
static void fuzz_connect(void)
{
	memset(F.page, 0, XEN_PAGE_SIZE);
	xsf_ring_init(&F.ring, &fuzz_dev, F.page, FUZZ_IRQ);
	F.connected = true;
	F.back_req_cons = 0;
	F.back_rsp_prod = 0;
}

static void fuzz_disconnect(void)
{
	unsigned int i;

	xsf_ring_disconnect(&F.ring);
	if (F.connected)
		fuzz_mark_disconnected();
	/* Every asynchronous request failed; sleepers see it on waking. */
	for (i = 0; i < F.nr_reqs; i++)
		FUZZ_ASSERT(!F.reqs[i].outstanding || !F.reqs[i].async);
}

static void fuzz_step(bool sleeping)
{
	unsigned int i;

	switch (fuzz_u8(&F.in) % NR_STEPS) {
	case STEP_END:
		break;
	case STEP_SUBMIT_DATA:
		fuzz_submit(XSF_RING_DATA);
		break;
	case STEP_SUBMIT_CONTROL:
		fuzz_submit(XSF_RING_CONTROL);
		break;
	case STEP_CALL:
		fuzz_call();
		break;
	case STEP_IRQ:
		fuzz_irq();
		break;
	case STEP_ANSWER:
		if (fuzz_back_answer())
			fuzz_back_publish();
		break;
	case STEP_ANSWER_QUIET:
		fuzz_back_answer();
		break;
	case STEP_ANSWER_ALL:
		/* Bounded: a scribbled req_prod may claim 4 billion. */
		for (i = 0; i < XSF_RING_SLOTS && fuzz_back_answer(); i++)
			;
		fuzz_back_publish();
		break;
	case STEP_PUBLISH:
		fuzz_back_publish();
		break;
	case STEP_DROP:
		if (F.back_req_cons != F.page->req_prod)
			F.back_req_cons++;
		break;
	case STEP_FORGE:
		fuzz_back_write(fuzz_u16(&F.in), fuzz_u8(&F.in),
				fuzz_status());
		if (fuzz_u8(&F.in) & 1) {
			/* The same answer twice. */
			*RING_GET_RESPONSE(&F.ring.front, F.back_rsp_prod) =
				F.last_rsp;
			F.back_rsp_prod++;
		}
		fuzz_back_publish();
		break;
	case STEP_REPLAY:
		if (F.nr_reqs) {
			const struct fuzz_req *r =
				&F.reqs[fuzz_u16(&F.in) % F.nr_reqs];

			fuzz_back_write(r->id, r->operation, fuzz_status());
			fuzz_back_publish();
		}
		break;
	case STEP_SET_RSP_PROD:
		F.back_rsp_prod = fuzz_u32(&F.in);
		fuzz_back_publish();
		break;
	case STEP_BUMP_RSP_PROD:
		F.page->rsp_prod += fuzz_u8(&F.in) % (2 * XSF_RING_SLOTS);
		F.back_rsp_prod = F.page->rsp_prod;
		break;
	case STEP_SCRIBBLE:
		fuzz_back_scribble();
		break;
	case STEP_DISCONNECT:
		fuzz_disconnect();
		break;
	case STEP_RECONNECT:
		/* Only with no caller asleep on this ring (bus.c waits). */
		if (sleeping || F.depth)
			break;
		fuzz_disconnect();
		for (i = 0; i < F.nr_reqs; i++)
			FUZZ_ASSERT(!F.reqs[i].outstanding);
		fuzz_connect();
		break;
	}
	fuzz_check_ring();
}

static void fuzz_notify(int irq)
{
	FUZZ_ASSERT(irq == FUZZ_IRQ);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	unsigned int i;

	xsf_fuzz_shim_reset();
	memset(&F, 0, sizeof(F));
	F.in.data = data;
	F.in.size = size;
	F.page = aligned_alloc(XEN_PAGE_SIZE, XEN_PAGE_SIZE);
	if (!F.page)
		abort();
	xsf_fuzz_sleep_hook = fuzz_sleep;
	xsf_fuzz_notify_hook = fuzz_notify;
	fuzz_connect();

	while (fuzz_more(&F.in))
		fuzz_step(false);

	/* Teardown, as bus.c frees a channel: nothing is left pending. */
	fuzz_disconnect();
	fuzz_check_ring();
	for (i = 0; i < F.nr_reqs; i++)
		FUZZ_ASSERT(!F.reqs[i].outstanding &&
			    F.reqs[i].completions == 1);
	free(F.page);
	return 0;
}
