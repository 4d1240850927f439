// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_ring: the request/response protocol against
 * the simulated backend, on a real shared ring.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "xsf_kunit_helpers.h"

struct ring_ctx {
	struct xsf_test_front *tf;
	struct xsf_channel *chan;
	struct xsf_ring *ring;
	struct sim_chan *sc;
};

#define RING_DONE_MAX 64

struct ring_done {
	unsigned int calls;
	int status[RING_DONE_MAX];
	bool had_resp[RING_DONE_MAX];
	u16 id[RING_DONE_MAX];
};

static void ring_done_cb(void *ctx, int status, const struct xensnd_resp *resp)
{
	struct ring_done *d = ctx;

	if (d->calls < RING_DONE_MAX) {
		d->status[d->calls] = status;
		d->had_resp[d->calls] = resp;
		d->id[d->calls] = resp ? resp->id : 0xffff;
	}
	d->calls++;
}

static struct ring_ctx *ring_setup(struct kunit *test)
{
	struct ring_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct xsf_front *front;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->tf = xsf_test_front_with_tree(test, "p");
	front = ctx->tf->front;
	KUNIT_ASSERT_EQ(test, xsf_cfg_read(ctx->tf->xb, &front->cfg), 0);
	mutex_lock(&front->lock);
	ret = xsf_bus_connect_channels(front);
	mutex_unlock(&front->lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ctx->chan = &front->channels[0];
	ctx->ring = &ctx->chan->ring;
	ctx->sc = sim_backend_attach_chan(ctx->tf->sim, ctx->chan);
	KUNIT_ASSERT_NOT_NULL(test, ctx->sc);
	/* This suite is about the ring, not about a stream's life. */
	ctx->sc->lenient = true;
	return ctx;
}

static int ring_trigger(struct xsf_ring *ring, u8 type,
			struct xensnd_resp *resp)
{
	struct xensnd_req req = { .operation = XENSND_OP_TRIGGER };

	req.op.trigger.type = type;
	return xsf_ring_call(ring, &req, resp);
}

static int ring_submit_op(struct xsf_ring *ring, u8 operation,
			  struct ring_done *done, u16 *id)
{
	struct xensnd_req req = { .operation = operation };
	int ret;

	req.op.rw.offset = 0;
	req.op.rw.length = 0;
	ret = xsf_ring_submit(ring, &req, XSF_RING_CONTROL, ring_done_cb, done);
	if (id)
		*id = req.id;
	return ret;
}

struct ring_waiter {
	struct xsf_ring *ring;
	int ret;
	struct completion done;
};

static int ring_waiter_fn(void *data)
{
	struct ring_waiter *w = data;

	w->ret = ring_trigger(w->ring, XENSND_OP_TRIGGER_STOP, NULL);
	complete(&w->done);
	return 0;
}

static struct ring_waiter *ring_start_waiter(struct kunit *test,
					     struct xsf_ring *ring)
{
	struct ring_waiter *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->ring = ring;
	w->ret = 1;
	init_completion(&w->done);
	task = kthread_run(ring_waiter_fn, w, "xsf-ring-waiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	return w;
}

static unsigned int ring_waiting(struct xsf_ring *ring)
{
	unsigned int i, n = 0;

	for (i = 0; i < XSF_RING_SLOTS; i++)
		n += READ_ONCE(ring->slots[i].state) == XSF_SLOT_WAITING;
	return n;
}

/* Wait (sleeping) until @n callers sleep for an answer. */
static bool ring_wait_for_waiters(struct xsf_ring *ring, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		if (ring_waiting(ring) >= n)
			return true;
		usleep_range(1000, 2000);
	}
	return false;
}

static void ring_call_round_trip(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct xensnd_resp resp;
	const struct sim_log_entry *e;

	memset(&resp, 0xff, sizeof(resp));
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   &resp), 0);
	KUNIT_EXPECT_EQ(test, resp.operation, XENSND_OP_TRIGGER);
	KUNIT_EXPECT_EQ(test, resp.status, 0);
	e = sim_backend_find(ctx->sc, XENSND_OP_TRIGGER, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->req.op.trigger.type, XENSND_OP_TRIGGER_START);
	KUNIT_EXPECT_EQ(test, resp.id, e->req.id);
	KUNIT_EXPECT_EQ(test, ctx->sc->nr_log, 1U);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 0U);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_timeouts, 0U);
}

static void ring_call_copies_response(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct xensnd_req req = { .operation = XENSND_OP_HW_PARAM_QUERY };
	struct xensnd_query_hw_param *q = &req.op.hw_param;
	struct xensnd_resp resp;

	ctx->sc->hw_limits_set = true;
	ctx->sc->hw_limits.formats = BIT_ULL(XENSND_PCM_FORMAT_S16_LE);
	ctx->sc->hw_limits.rates.min = 44100;
	ctx->sc->hw_limits.rates.max = 48000;
	ctx->sc->hw_limits.channels.min = 2;
	ctx->sc->hw_limits.channels.max = 2;
	ctx->sc->hw_limits.buffer.min = 64;
	ctx->sc->hw_limits.buffer.max = 8192;
	ctx->sc->hw_limits.period.min = 32;
	ctx->sc->hw_limits.period.max = 4096;
	q->formats = BIT_ULL(XENSND_PCM_FORMAT_S16_LE) |
		     BIT_ULL(XENSND_PCM_FORMAT_S32_LE);
	q->rates.min = 8000;
	q->rates.max = 192000;
	q->channels.min = 1;
	q->channels.max = 8;
	q->buffer.min = 1;
	q->buffer.max = 65536;
	q->period.min = 1;
	q->period.max = 65536;
	KUNIT_ASSERT_EQ(test, xsf_ring_call(ctx->ring, &req, &resp), 0);
	KUNIT_EXPECT_EQ(test, resp.resp.hw_param.formats,
			BIT_ULL(XENSND_PCM_FORMAT_S16_LE));
	KUNIT_EXPECT_EQ(test, resp.resp.hw_param.rates.min, 44100U);
	KUNIT_EXPECT_EQ(test, resp.resp.hw_param.rates.max, 48000U);
	KUNIT_EXPECT_EQ(test, resp.resp.hw_param.channels.min, 2U);
	KUNIT_EXPECT_EQ(test, resp.resp.hw_param.buffer.max, 8192U);
	KUNIT_EXPECT_EQ(test, resp.resp.hw_param.period.min, 32U);
}

static void ring_call_status_mapped(struct kunit *test)
{
	static const struct {
		s32 sent;
		int expected;
	} cases[] = {
		{ -EINVAL, -EINVAL },
		{ -EBUSY, -EBUSY },
		{ -ENOMEM, -ENOMEM },
		{ 7, -EIO },		/* positive garbage */
		{ 0x7fffffff, -EIO },
		{ -12345, -EIO },	/* not an error number */
	};
	struct ring_ctx *ctx = ring_setup(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		sim_backend_set_status(ctx->sc, XENSND_OP_TRIGGER,
				       cases[i].sent);
		KUNIT_EXPECT_EQ_MSG(test, ring_trigger(ctx->ring,
						       XENSND_OP_TRIGGER_START,
						       NULL),
				    cases[i].expected, "status %d",
				    cases[i].sent);
	}
	/* The ring is still usable afterwards. */
	sim_backend_clear_status(ctx->sc, XENSND_OP_TRIGGER);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 0U);
}

static void ring_status_to_errno_table(struct kunit *test)
{
	static const int passed[] = {
		-EPERM, -ENOENT, -EIO, -E2BIG, -ENOMEM, -EACCES, -EFAULT,
		-EBUSY, -EEXIST, -ENODEV, -EINVAL, -ENOSPC, -ERANGE,
		-EOPNOTSUPP, -ETIMEDOUT, -EAGAIN,
	};
	/* Not errors, or not Xen's (-EPIPE: ALSA's, passed on by snd_be). */
	static const s32 mapped_to_eio[] = {
		1, 22, 0x7fffffff, S32_MIN, -4096, -EDEADLK, -EILSEQ, -1000,
		-EPIPE,
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, xsf_ring_status_to_errno(0), 0);
	for (i = 0; i < ARRAY_SIZE(passed); i++)
		KUNIT_EXPECT_EQ(test, xsf_ring_status_to_errno(passed[i]),
				passed[i]);
	for (i = 0; i < ARRAY_SIZE(mapped_to_eio); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    xsf_ring_status_to_errno(mapped_to_eio[i]),
				    -EIO, "status %d", mapped_to_eio[i]);
}

static void ring_call_timeout(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	unsigned long start;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_DROP);
	start = jiffies;
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   NULL), -ETIMEDOUT);
	KUNIT_EXPECT_LT(test, jiffies_to_msecs(jiffies - start), 1000U);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_timeouts, 1U);
	KUNIT_EXPECT_EQ(test, ctx->sc->nr_reqs[XENSND_OP_TRIGGER], 1U);
	/* The slot was given back: the next request works. */
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_NORMAL);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   NULL), 0);
	KUNIT_EXPECT_EQ(test, ring_waiting(ctx->ring), 0U);
}

static void ring_late_answer_is_stale(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct xensnd_resp resp;
	const struct sim_log_entry *e;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_HOLD);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   NULL), -ETIMEDOUT);
	KUNIT_ASSERT_EQ(test, ctx->sc->nr_held, 1U);
	sim_backend_release(ctx->sc);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 1U);

	/* A new request gets its own answer, not the stale one. */
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_NORMAL);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   &resp), 0);
	e = sim_backend_find(ctx->sc, XENSND_OP_TRIGGER, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, resp.id, e->req.id);
	KUNIT_EXPECT_NE(test, resp.id, ctx->sc->log[0].req.id);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 1U);
}

static void ring_unknown_id_dropped(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_WRONG_ID);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 1U);
	KUNIT_EXPECT_TRUE(test, ctx->ring->connected);
}

static void ring_wrong_operation_dropped(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_WRONG_OP);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 1U);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_timeouts, 1U);
}

static void ring_duplicate_dropped(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	u16 first, second;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	/*
	 * Two requests outstanding; the backend answers the first twice
	 * (the duplicate takes the second response slot) and never the
	 * second.
	 */
	sim_backend_set_reply(ctx->sc, XENSND_OP_CLOSE, SIM_REPLY_DUPLICATE);
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_DROP);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE, done,
					     &first), 0);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_TRIGGER, done,
					     &second), 0);
	sim_backend_process(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, done->calls, 1U);
	KUNIT_EXPECT_EQ(test, done->id[0], first);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 1U);
	KUNIT_EXPECT_TRUE(test, ctx->ring->connected);
	/* The second request is still outstanding and fails on disconnect. */
	xsf_ring_disconnect(ctx->ring);
	KUNIT_ASSERT_EQ(test, done->calls, 2U);
	KUNIT_EXPECT_EQ(test, done->status[1], -EIO);
}

static void ring_duplicate_beyond_requests_disconnects(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);

	/* One request, two responses: more than were asked for. */
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_DUPLICATE);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   NULL), -EIO);
	KUNIT_EXPECT_FALSE(test, ctx->ring->connected);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   NULL), -EIO);
}

static void ring_full_returns_ebusy(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE,
						     done, NULL), 0);
	KUNIT_EXPECT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE, done,
					     NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, done->calls, 0U);

	sim_backend_process(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, done->calls, (unsigned int)XSF_RING_SLOTS);
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_EXPECT_EQ(test, done->status[i], 0);
	KUNIT_EXPECT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE, done,
					     NULL), 0);
	sim_backend_process(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, done->calls, (unsigned int)XSF_RING_SLOTS + 1);
}

static void ring_call_waits_for_free_entry(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	struct ring_waiter *w;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE,
						     done, NULL), 0);
	w = ring_start_waiter(test, ctx->ring);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	KUNIT_EXPECT_EQ(test, ring_waiting(ctx->ring), 0U);

	ctx->tf->sim->autorun = true;
	sim_backend_process(ctx->tf->sim);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w->done, HZ) > 0);
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	KUNIT_EXPECT_EQ(test, done->calls, (unsigned int)XSF_RING_SLOTS);
	KUNIT_EXPECT_EQ(test, ctx->sc->nr_reqs[XENSND_OP_TRIGGER], 1U);
}

static void ring_full_call_times_out(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, done);
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	ctx->tf->sim->autorun = false;
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE,
						     done, NULL), 0);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_START,
					   NULL), -ETIMEDOUT);
	/* Nothing was pushed for the failed call. */
	KUNIT_EXPECT_EQ(test, ctx->ring->front.req_prod_pvt,
			(RING_IDX)XSF_RING_SLOTS);
	sim_backend_process(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, done->calls, (unsigned int)XSF_RING_SLOTS);
	KUNIT_EXPECT_EQ(test, ctx->sc->nr_reqs[XENSND_OP_TRIGGER], 0U);
}

static void ring_async_callback_status(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	u16 id_ok, id_bad, id_garbage;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE, done,
					     &id_ok), 0);
	sim_backend_set_status(ctx->sc, XENSND_OP_WRITE, -ENOSPC);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_WRITE, done,
					     &id_bad), 0);
	sim_backend_set_status(ctx->sc, XENSND_OP_READ, 3);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_READ, done,
					     &id_garbage), 0);
	sim_backend_process(ctx->tf->sim);
	KUNIT_ASSERT_EQ(test, done->calls, 3U);
	KUNIT_EXPECT_EQ(test, done->status[0], 0);
	KUNIT_EXPECT_EQ(test, done->id[0], id_ok);
	KUNIT_EXPECT_EQ(test, done->status[1], -ENOSPC);
	KUNIT_EXPECT_EQ(test, done->id[1], id_bad);
	KUNIT_EXPECT_TRUE(test, done->had_resp[1]);
	KUNIT_EXPECT_EQ(test, done->status[2], -EIO);
	KUNIT_EXPECT_EQ(test, done->id[2], id_garbage);
}

static void ring_out_of_order_answers(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	u16 first, second;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	sim_backend_set_reply(ctx->sc, XENSND_OP_TRIGGER, SIM_REPLY_HOLD);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_TRIGGER, done,
					     &first), 0);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE, done,
					     &second), 0);
	sim_backend_process(ctx->tf->sim);
	KUNIT_ASSERT_EQ(test, done->calls, 1U);
	KUNIT_EXPECT_EQ(test, done->id[0], second);
	sim_backend_release(ctx->sc);
	KUNIT_ASSERT_EQ(test, done->calls, 2U);
	KUNIT_EXPECT_EQ(test, done->id[1], first);
	KUNIT_EXPECT_EQ(test, done->status[1], 0);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 0U);
}

static void ring_disconnect_fails_everything(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	struct ring_waiter *w1, *w2;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_WRITE,
						     done, NULL), 0);
	w1 = ring_start_waiter(test, ctx->ring);
	w2 = ring_start_waiter(test, ctx->ring);
	KUNIT_ASSERT_TRUE(test, ring_wait_for_waiters(ctx->ring, 2));

	xsf_ring_disconnect(ctx->ring);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w1->done, HZ) > 0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w2->done, HZ) > 0);
	KUNIT_EXPECT_EQ(test, w1->ret, -EIO);
	KUNIT_EXPECT_EQ(test, w2->ret, -EIO);
	KUNIT_ASSERT_EQ(test, done->calls, 3U);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, done->status[i], -EIO);
		KUNIT_EXPECT_FALSE(test, done->had_resp[i]);
	}
	KUNIT_EXPECT_EQ(test, ring_waiting(ctx->ring), 0U);

	/* Later requests fail at once; late answers are ignored. */
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   NULL), -EIO);
	KUNIT_EXPECT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_WRITE, done,
					     NULL), -EIO);
	sim_backend_process(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_ring_handle_responses(ctx->ring), 0);
	KUNIT_EXPECT_EQ(test, done->calls, 3U);
}

/*
 * A quiet request's answer raises no interrupt; it is taken when asked
 * for (an event's handler), or at the latest when the ring disconnects,
 * where it counts as answered, not failed.
 */
static void ring_quiet_answer_taken_not_failed(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	struct xensnd_req req = { .operation = XENSND_OP_WRITE };
	unsigned int irqs;

	KUNIT_ASSERT_NOT_NULL(test, done);
	/* A first round trip: the ring's fresh rsp_event asks for answer 1. */
	KUNIT_ASSERT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   NULL), 0);
	sim_backend_sync(ctx->tf->sim);
	ctx->tf->sim->autorun = false;
	irqs = ctx->sc->nr_ring_irqs;
	/* An answer that cannot be taken for the disconnect's -EIO. */
	sim_backend_set_status(ctx->sc, XENSND_OP_WRITE, -ENOSPC);
	KUNIT_ASSERT_EQ(test, xsf_ring_submit(ctx->ring, &req, XSF_RING_DATA_QUIET,
					      ring_done_cb, done), 0);
	sim_backend_process(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, ctx->sc->nr_ring_irqs, irqs);
	KUNIT_EXPECT_EQ(test, done->calls, 0U);
	KUNIT_EXPECT_TRUE(test, xsf_ring_has_responses(ctx->ring));

	xsf_ring_disconnect(ctx->ring);
	KUNIT_ASSERT_EQ(test, done->calls, 1U);
	KUNIT_EXPECT_EQ(test, done->status[0], -ENOSPC);
	KUNIT_EXPECT_TRUE(test, done->had_resp[0]);
	KUNIT_EXPECT_EQ(test, done->id[0], req.id);
	KUNIT_EXPECT_FALSE(test, xsf_ring_has_responses(ctx->ring));
}

static void ring_hostile_rsp_prod_disconnects(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_WRITE, done,
					     NULL), 0);
	KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_WRITE, done,
					     NULL), 0);
	/* Claim five responses for two requests. */
	KUNIT_ASSERT_EQ(test, sim_backend_hostile_rsp_prod(ctx->sc, 5), 0);
	KUNIT_EXPECT_FALSE(test, ctx->ring->connected);
	KUNIT_ASSERT_EQ(test, done->calls, 2U);
	KUNIT_EXPECT_EQ(test, done->status[0], -EIO);
	KUNIT_EXPECT_EQ(test, done->status[1], -EIO);
	/* Nothing was consumed from the lying ring. */
	KUNIT_EXPECT_EQ(test, ctx->ring->front.rsp_cons, (RING_IDX)0);
	KUNIT_EXPECT_EQ(test, ring_trigger(ctx->ring, XENSND_OP_TRIGGER_STOP,
					   NULL), -EIO);
}

static void ring_hostile_rsp_prod_direct(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);

	/* No request outstanding at all: any response is a lie. */
	WRITE_ONCE(ctx->sc->sring->rsp_prod, 1);
	KUNIT_EXPECT_EQ(test, xsf_ring_handle_responses(ctx->ring), -EIO);
	KUNIT_EXPECT_FALSE(test, ctx->ring->connected);
}

static void ring_request_bytes_on_ring(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	struct xensnd_req req = { .operation = XENSND_OP_WRITE }, expect;
	struct xen_sndif_sring *sring = ctx->sc->sring;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	req.op.rw.offset = 0x1234;
	req.op.rw.length = 0x80;
	KUNIT_ASSERT_EQ(test, xsf_ring_submit(ctx->ring, &req, XSF_RING_DATA,
					      ring_done_cb,
					      done), 0);
	expect = req;
	/* Published: producer index and the 64 octets in slot 0. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(sring->req_prod), (RING_IDX)1);
	KUNIT_EXPECT_MEMEQ(test, &sring->ring[0].req, &expect, sizeof(expect));
	KUNIT_EXPECT_EQ(test, ctx->tf->sim->nr_kicks, 1U);

	sim_backend_process(ctx->tf->sim);
	KUNIT_ASSERT_EQ(test, ctx->sc->nr_log, 1U);
	KUNIT_EXPECT_MEMEQ(test, &ctx->sc->log[0].req, &expect, sizeof(expect));
	KUNIT_EXPECT_EQ(test, done->calls, 1U);
}

static void ring_ids_distinct(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	struct ring_done *done = kunit_kzalloc(test, sizeof(*done), GFP_KERNEL);
	u16 ids[XSF_RING_SLOTS];
	unsigned int i, j;

	KUNIT_ASSERT_NOT_NULL(test, done);
	ctx->tf->sim->autorun = false;
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, ring_submit_op(ctx->ring, XENSND_OP_CLOSE,
						     done, &ids[i]), 0);
	for (i = 0; i < XSF_RING_SLOTS; i++)
		for (j = i + 1; j < XSF_RING_SLOTS; j++) {
			KUNIT_EXPECT_NE(test, ids[i], ids[j]);
			/* Distinct slots, too: no answer can hit another. */
			KUNIT_EXPECT_NE(test, ids[i] % XSF_RING_SLOTS,
					ids[j] % XSF_RING_SLOTS);
		}
	sim_backend_process(ctx->tf->sim);
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_EXPECT_EQ(test, ctx->sc->log[i].req.id, ids[i]);
}

static void ring_wraps_many_requests(struct kunit *test)
{
	struct ring_ctx *ctx = ring_setup(test);
	unsigned int i, n = 3 * XSF_RING_SLOTS + 5;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = ring_trigger(ctx->ring, i % 2 ? XENSND_OP_TRIGGER_STOP :
					      XENSND_OP_TRIGGER_START, NULL);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ctx->sc->nr_log, n);
	KUNIT_EXPECT_EQ(test, ctx->ring->front.rsp_cons, (RING_IDX)n);
	KUNIT_EXPECT_EQ(test, ctx->ring->nr_stale, 0U);
	/* Every notification the frontend needed was sent, no more. */
	KUNIT_EXPECT_EQ(test, ctx->tf->sim->nr_kicks, n);
}

static struct kunit_case xsf_ring_cases[] = {
	KUNIT_CASE(ring_call_round_trip),
	KUNIT_CASE(ring_call_copies_response),
	KUNIT_CASE(ring_call_status_mapped),
	KUNIT_CASE(ring_status_to_errno_table),
	KUNIT_CASE(ring_call_timeout),
	KUNIT_CASE(ring_late_answer_is_stale),
	KUNIT_CASE(ring_unknown_id_dropped),
	KUNIT_CASE(ring_wrong_operation_dropped),
	KUNIT_CASE(ring_duplicate_dropped),
	KUNIT_CASE(ring_duplicate_beyond_requests_disconnects),
	KUNIT_CASE(ring_full_returns_ebusy),
	KUNIT_CASE(ring_call_waits_for_free_entry),
	KUNIT_CASE(ring_full_call_times_out),
	KUNIT_CASE(ring_async_callback_status),
	KUNIT_CASE(ring_out_of_order_answers),
	KUNIT_CASE(ring_disconnect_fails_everything),
	KUNIT_CASE(ring_quiet_answer_taken_not_failed),
	KUNIT_CASE(ring_hostile_rsp_prod_disconnects),
	KUNIT_CASE(ring_hostile_rsp_prod_direct),
	KUNIT_CASE(ring_request_bytes_on_ring),
	KUNIT_CASE(ring_ids_distinct),
	KUNIT_CASE(ring_wraps_many_requests),
	{}
};

static struct kunit_suite xsf_ring_suite = {
	.name = "snd_xen_front_ring",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_ring_cases,
};

kunit_test_suite(xsf_ring_suite);
