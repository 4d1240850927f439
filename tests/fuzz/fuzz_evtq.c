// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the event page consumer and the stream position checks
 * (src/evtq.c).
 *
 * The event page is a page of its own (so any access outside it is
 * caught).  The input is a program of one-byte steps: the backend,
 * hostile, writes events (CUR_POS positions that move, jitter, restart
 * or leap; any id, any type), publishes or fakes its producer index,
 * writes the consumer index and any byte of the page; the frontend
 * prepares a stream (buffer and period sizes as the ALSA side picks
 * them), gives it data, lets the clock run, and takes the event
 * interrupt.  Delivered events are handled as pcm_data.c handles them.
 *
 * Checked after every interrupt and event:
 *  - the consumer delivers exactly the events between its own consumer
 *    index (never the page's, which the backend may move back to replay
 *    events) and the producer index it read, in order, each a private
 *    copy of its slot, and moves its index to that producer, never past
 *    it; a producer more than a page ahead delivers nothing and is
 *    skipped;
 *  - it returns how many events were of use, as the callback said;
 *  - the frontend writes nothing in the page but its consumer index;
 *  - lost events are counted from id gaps, the first event after a
 *    resync starting the sequence;
 *  - a stream's position never goes back during a run and never passes
 *    the data the frontend could account for (the buffer past what it
 *    gave); what xsf_pos_update() returns says what it did to it.
 */
#include "xsf_fuzz.h"

enum fuzz_step {
	STEP_IRQ,
	STEP_POS,		/* the next CUR_POS, published */
	STEP_EVENT,		/* any id, type and position, published */
	STEP_QUIET,		/* the next CUR_POS, not published yet */
	STEP_PUBLISH,
	STEP_SET_PROD,
	STEP_SET_CONS,
	STEP_SKIP_IDS,
	STEP_SCRIBBLE,
	STEP_PREPARE,
	STEP_FEED,
	STEP_CLOCK,
	STEP_STOP,
	STEP_RESTART,		/* the backend's count and ids start over */
	NR_STEPS
};

static struct device fuzz_dev = { .name = "vsnd-0:0.0-evt" };

static struct {
	struct xsf_fuzz_input in;
	struct xensnd_event_page *page;
	struct xsf_evtq q;
	/* The backend's own counters. */
	u32 back_prod;
	u16 back_id;
	u64 back_pos;
	/* The stream, as pcm_data.c keeps it. */
	bool running;
	struct xsf_pos pos;
	u64 given;		/* octets submitted (or completed, capture) */
	u64 elapsed;		/* octets the clock allows since the start */
	/* What the consumer must deliver, from a copy of the page. */
	u8 before[XEN_PAGE_SIZE] __aligned(8);
	u32 cons;		/* the consumer's own index */
	u32 expect_cons;
	unsigned int delivered;
	unsigned int useful;
	/* Lost-event accounting, as evtq.c documents it. */
	bool id_synced;
	u16 expected_id;
	unsigned int nr_lost;
} F;

static bool fuzz_in_page(const void *p)
{
	return (const u8 *)p >= (const u8 *)F.page &&
	       (const u8 *)p < (const u8 *)F.page + XEN_PAGE_SIZE;
}

/* A CUR_POS event arrived for the running stream: what pcm_data.c does. */
static void fuzz_position(u64 raw)
{
	struct xsf_pos before = F.pos;
	u64 limit = F.given + F.pos.buffer_bytes;
	enum xsf_pos_result result;

	result = xsf_pos_update(&F.pos, raw, F.elapsed, limit);
	FUZZ_ASSERT(F.pos.buffer_bytes == before.buffer_bytes &&
		    F.pos.period_bytes == before.period_bytes);
	FUZZ_ASSERT(F.pos.synced);
	/* Never back, never past what can be accounted for. */
	FUZZ_ASSERT(F.pos.stream >= before.stream);
	FUZZ_ASSERT(F.pos.stream <= limit);

	switch (result) {
	case XSF_POS_STILL:
		FUZZ_ASSERT(F.pos.stream == before.stream);
		break;
	case XSF_POS_MOVED:
		FUZZ_ASSERT(F.pos.stream > before.stream);
		FUZZ_ASSERT(F.pos.raw == raw);
		/* Moved by as much as the backend's count did. */
		if (before.synced)
			FUZZ_ASSERT(F.pos.stream - before.stream ==
				    raw - before.raw);
		break;
	case XSF_POS_REBASED:
		FUZZ_ASSERT(F.pos.raw == raw);
		if (before.synced)
			FUZZ_ASSERT(F.pos.stream == before.stream);
		else
			FUZZ_ASSERT(F.pos.stream == min(F.elapsed, limit));
		break;
	case XSF_POS_LOST:
		FUZZ_ASSERT(F.pos.stream == limit);
		/* pcm_data.c stops the stream with an xrun. */
		F.running = false;
		break;
	default:
		FUZZ_ASSERT(!"xsf_pos_update() result out of range");
	}
}

static bool fuzz_deliver(void *ctx, const struct xensnd_evt *evt)
{
	const struct xensnd_evt *slot =
		&XENSND_IN_RING_REF((struct xensnd_event_page *)F.before,
				    F.expect_cons);

	FUZZ_ASSERT(ctx == &F);
	/* A private copy of the next slot, in order. */
	FUZZ_ASSERT(!fuzz_in_page(evt));
	FUZZ_ASSERT(!memcmp(evt, slot, sizeof(*evt)));
	FUZZ_ASSERT(F.delivered < XENSND_IN_RING_LEN);
	F.expect_cons++;
	F.delivered++;

	if (F.id_synced && evt->id != F.expected_id)
		F.nr_lost += (u16)(evt->id - F.expected_id);
	F.expected_id = evt->id + 1;
	F.id_synced = true;

	/* pcm_data.c: a position of a running stream is of use, moved or not. */
	if (evt->type != XENSND_EVT_CUR_POS || !F.running)
		return false;
	fuzz_position(evt->op.cur_pos.position);
	F.useful++;
	return true;
}

static void fuzz_irq(void)
{
	u32 prod = F.page->in_prod, cons = F.cons;
	int ret;

	memcpy(F.before, F.page, XEN_PAGE_SIZE);
	F.expect_cons = cons;
	F.delivered = 0;
	F.useful = 0;
	ret = xsf_evtq_consume(&F.q, fuzz_deliver, &F);
	F.cons = prod;

	/* The consumer ends at the producer it read, whatever happened. */
	FUZZ_ASSERT(F.page->in_cons == prod);
	/* Nothing else in the page is the frontend's to write. */
	FUZZ_ASSERT(F.page->in_prod == prod);
	FUZZ_ASSERT(!memcmp((u8 *)F.page + sizeof(F.page->in_cons),
			    F.before + sizeof(F.page->in_cons),
			    XEN_PAGE_SIZE - sizeof(F.page->in_cons)));
	if (prod - cons > XENSND_IN_RING_LEN) {
		FUZZ_ASSERT(ret == -EOVERFLOW);
		FUZZ_ASSERT(!F.delivered);
		/* Skipped events break the id sequence: start it anew. */
		F.id_synced = false;
	} else {
		FUZZ_ASSERT(ret == (int)F.useful);
		FUZZ_ASSERT(F.delivered == prod - cons);
	}
	FUZZ_ASSERT(F.q.nr_lost == F.nr_lost);
	FUZZ_ASSERT(F.q.id_synced == F.id_synced);
	FUZZ_ASSERT(!F.id_synced || F.q.expected_id == F.expected_id);
}

/* The backend writes its next event (not yet published). */
static void fuzz_back_event(u16 id, u8 type, u64 position)
{
	struct xensnd_evt *evt = &XENSND_IN_RING_REF(F.page, F.back_prod);

	memset(evt, 0, sizeof(*evt));
	evt->id = id;
	evt->type = type;
	evt->op.cur_pos.position = position;
	F.back_prod++;
}

static void fuzz_back_publish(void)
{
	wmb();	/* as a backend does: events before the index */
	F.page->in_prod = F.back_prod;
}

/* The next position: forward mostly, sometimes back by a little. */
static void fuzz_back_position(void)
{
	u16 step = fuzz_u16(&F.in);

	if (step & 0x8000)
		F.back_pos -= min(F.back_pos, (u64)(step & 0xff));
	else
		F.back_pos += (u64)step * 4;
	fuzz_back_event(F.back_id++, XENSND_EVT_CUR_POS, F.back_pos);
}

static void fuzz_prepare(void)
{
	u32 buffer = XSF_MIN_BUFFER_BYTES +
		     fuzz_u32(&F.in) % (XSF_MAX_BUFFER_BYTES -
					XSF_MIN_BUFFER_BYTES + 1);
	u32 period = buffer / (1 + fuzz_u8(&F.in) % 16);

	/* pcm.c's prepare: a new run, a new id sequence. */
	xsf_evtq_resync(&F.q);
	F.id_synced = false;
	xsf_pos_reset(&F.pos, buffer, period);
	F.running = true;
	F.given = 0;
	F.elapsed = 0;
}

static void fuzz_step(void)
{
	u8 *bytes = (u8 *)F.page;

	switch (fuzz_u8(&F.in) % NR_STEPS) {
	case STEP_IRQ:
		fuzz_irq();
		break;
	case STEP_POS:
		fuzz_back_position();
		fuzz_back_publish();
		break;
	case STEP_EVENT:
		fuzz_back_event(fuzz_u16(&F.in), fuzz_u8(&F.in),
				fuzz_u64(&F.in));
		fuzz_back_publish();
		break;
	case STEP_QUIET:
		fuzz_back_position();
		break;
	case STEP_PUBLISH:
		fuzz_back_publish();
		break;
	case STEP_SET_PROD:
		F.back_prod = fuzz_u32(&F.in);
		fuzz_back_publish();
		break;
	case STEP_SET_CONS:
		F.page->in_cons = fuzz_u32(&F.in);
		break;
	case STEP_SKIP_IDS:
		F.back_id += fuzz_u8(&F.in);
		break;
	case STEP_SCRIBBLE:
		bytes[fuzz_u16(&F.in) % XEN_PAGE_SIZE] = fuzz_u8(&F.in);
		F.back_prod = F.page->in_prod;
		break;
	case STEP_PREPARE:
		fuzz_prepare();
		break;
	case STEP_FEED:
		if (F.running)
			F.given += (u64)fuzz_u16(&F.in) * 4;
		break;
	case STEP_CLOCK:
		if (F.running)
			F.elapsed += (u64)fuzz_u16(&F.in) * 4;
		break;
	case STEP_STOP:
		F.running = false;
		break;
	case STEP_RESTART:
		F.back_id = fuzz_u16(&F.in);
		F.back_pos = fuzz_u8(&F.in) & 1 ? fuzz_u64(&F.in) : 0;
		break;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	xsf_fuzz_shim_reset();
	memset(&F, 0, sizeof(F));
	F.in.data = data;
	F.in.size = size;
	F.page = aligned_alloc(XEN_PAGE_SIZE, XEN_PAGE_SIZE);
	if (!F.page)
		abort();
	/* bus.c shares a cleared page and attaches the consumer. */
	memset(F.page, 0, XEN_PAGE_SIZE);
	xsf_evtq_init(&F.q, &fuzz_dev, F.page);

	while (fuzz_more(&F.in))
		fuzz_step();
	/* The last interrupt: whatever was published is consumed. */
	fuzz_irq();
	free(F.page);
	return 0;
}
