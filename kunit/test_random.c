// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_random: thousands of random steps of an
 * application and a misbehaving backend, from fixed seeds.
 *
 * Each step is one ALSA call on a playback or a capture stream (open,
 * hw_params, prepare, write, read, start, drain, drop, close) or one act of
 * the simulated backend (a reply mode or a status for an operation,
 * held answers released, positions forward, backwards or absurd, unknown
 * events, event and response indices out of range, spurious interrupts,
 * leaving and coming back, a guest suspend or a save and restore).  The
 * sequence depends only on the seed; how answers and timeouts interleave
 * may vary from run to run, and the invariants must hold whatever they
 * do.  After every step: the xenbus state is a state, no grant is live
 * beyond the rings and the buffers of open streams, every event channel
 * belongs to a channel, ALSA's pointer is inside the buffer and no more
 * than a buffer is in flight.  At the end, with every stream closed and
 * the device removed: no grant, no event channel, and the device state
 * held by its xenbus device only.
 */
#include <kunit/test.h>
#include <linux/kref.h>
#include <linux/prandom.h>
#include <sound/pcm_params.h>

#include "xsf_kunit_helpers.h"

#define RND_STEPS		4000
#define RND_STREAMS		2	/* layout "pc": playback, capture */
#define RND_TIMEOUT_MS		10
#define RND_READ_BYTES		(16 * 1024)

static const u64 rnd_seeds[] = { 1, 0x5eed, 0xdeadbeef };

static void rnd_seed_desc(const u64 *seed, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %#llx", *seed);
}

KUNIT_ARRAY_PARAM(rnd_seed, rnd_seeds, rnd_seed_desc);

/**
 * struct rnd_ctx - one random run
 * @test: the test
 * @tf: the device
 * @rnd: the generator, seeded from the test's parameter
 * @tp: the application's substream of each stream, NULL when closed
 * @raw: the last position the backend reported, per stream
 * @buf: where capture reads go
 * @step: the step running, for messages
 * @nr_running: steps after which a stream was running
 * @nr_moved: steps after which a running stream's pointer had moved
 * @nr_reconnects: new connections made
 */
struct rnd_ctx {
	struct kunit *test;
	struct xsf_test_front *tf;
	struct rnd_state rnd;
	struct xsf_test_pcm *tp[RND_STREAMS];
	u64 raw[RND_STREAMS];
	u8 *buf;
	unsigned int step;
	unsigned int nr_running;
	unsigned int nr_moved;
	unsigned int nr_reconnects;
};

static u32 rnd_below(struct rnd_ctx *ctx, u32 n)
{
	return prandom_u32_state(&ctx->rnd) % n;
}

static bool rnd_chance(struct rnd_ctx *ctx, u32 percent)
{
	return rnd_below(ctx, 100) < percent;
}

/* The backend's side of stream @i, if the backend serves it now. */
static struct sim_chan *rnd_chan(struct rnd_ctx *ctx, unsigned int i)
{
	struct sim_backend *sim = ctx->tf->sim;

	if (i >= sim->nr_chans || !sim->chans[i] || !sim->chans[i]->sring)
		return NULL;
	return sim->chans[i];
}

/* A substream whose buffer is configured (frames can be counted). */
static struct xsf_test_pcm *rnd_configured(struct rnd_ctx *ctx,
					   unsigned int i)
{
	struct xsf_test_pcm *tp = ctx->tp[i];

	if (!tp || !tp->sub->runtime || !tp->sub->runtime->frame_bits)
		return NULL;
	return tp;
}

/* ------------------------------------------------------------------ */
/* The application                                                     */
/* ------------------------------------------------------------------ */

static void rnd_open(struct rnd_ctx *ctx, unsigned int i)
{
	if (!ctx->tp[i])
		xsf_test_pcm_try_open(ctx->test, ctx->tf, i, &ctx->tp[i]);
}

static void rnd_close(struct rnd_ctx *ctx, unsigned int i)
{
	if (ctx->tp[i]) {
		xsf_test_pcm_close(ctx->tp[i]);
		ctx->tp[i] = NULL;
	}
}

static void rnd_hw_params(struct rnd_ctx *ctx, unsigned int i)
{
	static const unsigned int rates[] = { 0, 8000, 44100, 48000 };
	static const unsigned int periods[] = { 0, 2, 3, 4, 8 };
	static const unsigned int period_frames[] = { 0, 32, 64, 256, 1024 };
	struct xsf_test_pcm *tp = ctx->tp[i];

	if (!tp)
		return;
	/* Mostly what applications ask for, sometimes anything. */
	if (rnd_chance(ctx, 80)) {
		xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
				       rates[1 + rnd_below(ctx, 3)],
				       1 + rnd_below(ctx, 2), 256, 4);
		return;
	}
	xsf_test_pcm_hw_params(tp, rnd_chance(ctx, 50) ? SNDRV_PCM_FORMAT_S16_LE :
			       SNDRV_PCM_FORMAT_S32_LE,
			       rates[rnd_below(ctx, ARRAY_SIZE(rates))],
			       rnd_below(ctx, 3),
			       period_frames[rnd_below(ctx, ARRAY_SIZE(period_frames))],
			       periods[rnd_below(ctx, ARRAY_SIZE(periods))]);
}

static void rnd_ioctl(struct rnd_ctx *ctx, unsigned int i, unsigned int cmd)
{
	if (ctx->tp[i])
		xsf_test_pcm_ioctl(ctx->tp[i], cmd);
}

static void rnd_prepare(struct rnd_ctx *ctx, unsigned int i)
{
	rnd_ioctl(ctx, i, SNDRV_PCM_IOCTL_PREPARE);
	if (ctx->tp[i])
		ctx->raw[i] = 0;
}

static void rnd_transfer(struct rnd_ctx *ctx, unsigned int i)
{
	struct xsf_test_pcm *tp = rnd_configured(ctx, i);
	struct snd_pcm_runtime *runtime;
	snd_pcm_uframes_t frames;

	if (!tp)
		return;
	runtime = tp->sub->runtime;
	frames = 1 + rnd_below(ctx, 2 * runtime->period_size);
	if (tp->stream->cfg.capture) {
		frames = min_t(snd_pcm_uframes_t, frames,
			       bytes_to_frames(runtime, RND_READ_BYTES));
		snd_pcm_kernel_read(tp->sub, ctx->buf, frames);
	} else {
		xsf_test_pcm_write(tp, frames_to_bytes(runtime, frames));
	}
}

/* ------------------------------------------------------------------ */
/* The backend                                                         */
/* ------------------------------------------------------------------ */

static const u8 rnd_ops[] = {
	XENSND_OP_OPEN, XENSND_OP_CLOSE, XENSND_OP_READ, XENSND_OP_WRITE,
	XENSND_OP_SET_VOLUME, XENSND_OP_GET_VOLUME, XENSND_OP_MUTE,
	XENSND_OP_UNMUTE, XENSND_OP_TRIGGER, XENSND_OP_HW_PARAM_QUERY,
};

static void rnd_reply_mode(struct rnd_ctx *ctx, unsigned int i)
{
	struct sim_chan *sc = rnd_chan(ctx, i);
	u8 op = rnd_ops[rnd_below(ctx, ARRAY_SIZE(rnd_ops))];
	u32 pick = rnd_below(ctx, 100);
	enum sim_reply reply;

	if (!sc)
		return;
	if (pick < 55)
		reply = SIM_REPLY_NORMAL;
	else if (pick < 65)
		reply = SIM_REPLY_DROP;
	else if (pick < 77)
		reply = SIM_REPLY_HOLD;
	else if (pick < 83)
		reply = SIM_REPLY_WRONG_ID;
	else if (pick < 89)
		reply = SIM_REPLY_WRONG_OP;
	else if (pick < 94)
		reply = SIM_REPLY_STALE;
	else if (pick < 98)
		reply = SIM_REPLY_SLOT_ALIAS;
	else
		reply = SIM_REPLY_DUPLICATE;
	sim_backend_set_reply(sc, op, reply);
}

static void rnd_status(struct rnd_ctx *ctx, unsigned int i)
{
	static const s32 statuses[] = {
		-EINVAL, -EIO, -EBUSY, -ENOMEM, 1, 0x7fffffff, S32_MIN, -4096,
	};
	struct sim_chan *sc = rnd_chan(ctx, i);
	u8 op = rnd_ops[rnd_below(ctx, ARRAY_SIZE(rnd_ops))];

	if (!sc)
		return;
	if (rnd_chance(ctx, 60))
		sim_backend_clear_status(sc, op);
	else
		sim_backend_set_status(sc, op,
				       statuses[rnd_below(ctx, ARRAY_SIZE(statuses))]);
}

/* Everything answered normally again: lets runs make progress. */
static void rnd_heal(struct rnd_ctx *ctx, unsigned int i)
{
	struct sim_chan *sc = rnd_chan(ctx, i);
	unsigned int op;

	if (!sc)
		return;
	for (op = 0; op < SIM_NR_OPS; op++) {
		sim_backend_set_reply(sc, op, SIM_REPLY_NORMAL);
		sim_backend_clear_status(sc, op);
	}
}

static void rnd_release(struct rnd_ctx *ctx, unsigned int i)
{
	struct sim_chan *sc = rnd_chan(ctx, i);

	if (sc)
		sim_backend_release(sc);
}

static void rnd_position(struct rnd_ctx *ctx, unsigned int i)
{
	struct sim_chan *sc = rnd_chan(ctx, i);
	u32 pick = rnd_below(ctx, 100);
	u64 raw = ctx->raw[i];

	if (!sc)
		return;
	if (pick < 70)
		raw += rnd_below(ctx, 2048);
	else if (pick < 80)
		raw -= min_t(u64, raw, rnd_below(ctx, 512));
	else if (pick < 85)
		raw = ((u64)prandom_u32_state(&ctx->rnd) << 32) |
		      prandom_u32_state(&ctx->rnd);
	else if (pick < 90)
		raw = 0;
	ctx->raw[i] = raw;
	sim_backend_event(sc, rnd_chance(ctx, 97) ? XENSND_EVT_CUR_POS :
			  1 + rnd_below(ctx, 255), raw, true);
}

static void rnd_hostile_indices(struct rnd_ctx *ctx, unsigned int i)
{
	struct sim_chan *sc = rnd_chan(ctx, i);
	u32 pick = rnd_below(ctx, 100);

	if (!sc)
		return;
	if (pick < 30) {
		sim_backend_write_in_prod(sc, READ_ONCE(sc->evt_page->in_prod) +
					  XENSND_IN_RING_LEN + 1 +
					  rnd_below(ctx, 1000));
		sim_backend_raise_evt(sc);
	} else if (pick < 60) {
		sim_backend_write_in_cons(sc, prandom_u32_state(&ctx->rnd));
		sim_backend_raise_evt(sc);
	} else if (pick < 85) {
		if (rnd_chance(ctx, 50))
			sim_backend_raise_ring(sc);
		else
			sim_backend_raise_evt(sc);
	} else {
		/* The ring is corrupt from now on, until the backend restarts. */
		sim_backend_hostile_rsp_prod(sc, 1 + rnd_below(ctx, 100));
	}
}

/* The backend leaves, and comes back at once if nobody holds the card. */
static void rnd_backend_restart(struct rnd_ctx *ctx)
{
	struct xsf_test_front *tf = ctx->tf;

	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	flush_workqueue(xsf_test_wq);
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	flush_workqueue(xsf_test_wq);
}

/* A backend that is gone comes back, if the frontend can connect. */
static void rnd_backend_return(struct rnd_ctx *ctx)
{
	struct xsf_test_front *tf = ctx->tf;
	enum xenbus_state state = tf->xb->state;

	if (state != XenbusStateInitialising && state != XenbusStateClosed)
		return;
	sim_backend_detach_all(tf->sim);
	KUNIT_EXPECT_EQ_MSG(ctx->test, xsf_test_connect(ctx->test, tf), 0,
			    "step %u: reconnecting", ctx->step);
	ctx->nr_reconnects++;
}

/* Suspend; cancelled, resumed, or saved and restored elsewhere. */
static void rnd_suspend(struct rnd_ctx *ctx)
{
	struct xsf_test_front *tf = ctx->tf;
	u32 pick = rnd_below(ctx, 3);

	xsf_bus_suspend(tf->front);
	sim_backend_sync(tf->sim);
	if (!pick)
		return;
	/* The backend of the old host is gone, with everything it mapped. */
	sim_backend_detach_all(tf->sim);
	if (pick == 2)
		xsf_fake_io_xen_restore();
	xsf_bus_resume(tf->front);
	tf->xb->state = XenbusStateInitialising;
	rnd_backend_return(ctx);
}

/* ------------------------------------------------------------------ */
/* Steps and invariants                                                */
/* ------------------------------------------------------------------ */

/*
 * What an application does next with stream @i: open it, configure it,
 * prepare it after an xrun, keep it fed, start it, close it when its
 * card is gone; now and then something out of turn.
 */
static void rnd_application(struct rnd_ctx *ctx, unsigned int i)
{
	struct xsf_test_pcm *tp = ctx->tp[i];
	u32 pick = rnd_below(ctx, 100);

	if (!tp) {
		rnd_open(ctx, i);
		return;
	}
	if (pick < 3) {
		rnd_close(ctx, i);
		return;
	}
	if (pick < 6) {
		rnd_hw_params(ctx, i);
		return;
	}
	if (pick < 9) {
		rnd_ioctl(ctx, i, SNDRV_PCM_IOCTL_DROP);
		return;
	}
	if (pick < 11) {
		rnd_ioctl(ctx, i, SNDRV_PCM_IOCTL_DRAIN);
		return;
	}
	switch (xsf_test_pcm_state(tp)) {
	case SNDRV_PCM_STATE_OPEN:
		rnd_hw_params(ctx, i);
		break;
	case SNDRV_PCM_STATE_SETUP:
	case SNDRV_PCM_STATE_XRUN:
	case SNDRV_PCM_STATE_SUSPENDED:
		rnd_prepare(ctx, i);
		break;
	case SNDRV_PCM_STATE_PREPARED:
		if (!tp->stream->cfg.capture && pick < 60)
			rnd_transfer(ctx, i);
		else
			rnd_ioctl(ctx, i, SNDRV_PCM_IOCTL_START);
		break;
	case SNDRV_PCM_STATE_RUNNING:
	case SNDRV_PCM_STATE_DRAINING:
		rnd_transfer(ctx, i);
		break;
	default:
		/* DISCONNECTED: the card went with its backend. */
		rnd_close(ctx, i);
		break;
	}
}

/* The backend reports a position of a stream, mostly a plausible one. */
static void rnd_backend_plays(struct rnd_ctx *ctx, unsigned int i)
{
	rnd_position(ctx, i);
	if (rnd_chance(ctx, 30))
		rnd_release(ctx, i);
}

static void rnd_backend_misbehaves(struct rnd_ctx *ctx, unsigned int i)
{
	u32 pick = rnd_below(ctx, 100);

	if (pick < 30)
		rnd_reply_mode(ctx, i);
	else if (pick < 42)
		rnd_status(ctx, i);
	else if (pick < 67)
		rnd_heal(ctx, i);
	else if (pick < 80)
		rnd_hostile_indices(ctx, i);
	else if (pick < 85)
		rnd_backend_restart(ctx);
	else if (pick < 95)
		rnd_backend_return(ctx);
	else
		rnd_suspend(ctx);
}

static void rnd_step(struct rnd_ctx *ctx)
{
	unsigned int i = rnd_below(ctx, RND_STREAMS);
	u32 pick = rnd_below(ctx, 100);

	if (pick < 55)
		rnd_application(ctx, i);
	else if (pick < 90)
		rnd_backend_plays(ctx, i);
	else
		rnd_backend_misbehaves(ctx, i);
	sim_backend_sync(ctx->tf->sim);
}

static bool rnd_buffer_configured(snd_pcm_state_t state)
{
	return state == SNDRV_PCM_STATE_PREPARED ||
	       state == SNDRV_PCM_STATE_RUNNING ||
	       state == SNDRV_PCM_STATE_XRUN ||
	       state == SNDRV_PCM_STATE_DRAINING ||
	       state == SNDRV_PCM_STATE_PAUSED ||
	       state == SNDRV_PCM_STATE_SUSPENDED;
}

/* What must hold after every step; the run stops at the first violation. */
static void rnd_check(struct rnd_ctx *ctx)
{
	struct kunit *test = ctx->test;
	struct xsf_front *front = ctx->tf->front;
	unsigned int rings = front->channels ? 2 * front->nr_channels : 0;
	unsigned int buffers = 0, i;
	bool running = false, moved = false;

	for (i = 0; i < RND_STREAMS; i++) {
		struct xsf_test_pcm *tp = ctx->tp[i];
		struct xsf_pcm_stream *stream;
		snd_pcm_uframes_t pointer;
		snd_pcm_state_t state;

		if (!tp)
			continue;
		stream = tp->stream;
		buffers += stream->buf.nr_pages + stream->buf.nr_dir_pages;
		state = xsf_test_pcm_state(tp);
		KUNIT_ASSERT_LE_MSG(test, state, SNDRV_PCM_STATE_LAST,
				    "step %u stream %u", ctx->step, i);
		if (!rnd_buffer_configured(state))
			continue;
		snd_pcm_stream_lock_irq(tp->sub);
		pointer = tp->sub->ops->pointer(tp->sub);
		snd_pcm_stream_unlock_irq(tp->sub);
		KUNIT_ASSERT_LT_MSG(test, pointer, tp->sub->runtime->buffer_size,
				    "step %u stream %u", ctx->step, i);
		KUNIT_ASSERT_LE_MSG(test, stream->submitted - stream->completed,
				    (u64)stream->buffer_bytes,
				    "step %u stream %u", ctx->step, i);
		if (state == SNDRV_PCM_STATE_RUNNING) {
			running = true;
			moved |= xsf_test_pcm_hw_ptr(tp) > 0;
		}
	}
	ctx->nr_running += running;
	ctx->nr_moved += moved;
	KUNIT_ASSERT_LE_MSG(test, ctx->tf->xb->state, XenbusStateReconfigured,
			    "step %u", ctx->step);
	if (ctx->tf->xb->state == XenbusStateConnected)
		KUNIT_ASSERT_NOT_NULL_MSG(test, front->card, "step %u",
					  ctx->step);
	KUNIT_ASSERT_LE_MSG(test, xsf_fake_io_live_grants(), rings + buffers,
			    "step %u: grants beyond rings and open buffers",
			    ctx->step);
	KUNIT_ASSERT_EQ_MSG(test, xsf_fake_io_bound_evtchns(), rings,
			    "step %u", ctx->step);
}

static void rnd_run(struct kunit *test)
{
	const u64 *seed = test->param_value;
	struct rnd_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct xsf_front *front;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->buf = kunit_kzalloc(test, RND_READ_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->buf);
	ctx->test = test;
	prandom_seed_state(&ctx->rnd, *seed);
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, RND_TIMEOUT_MS);
	xsf_test_set_timeout(test, &xsf_close_timeout_ms, RND_TIMEOUT_MS);
	ctx->tf = xsf_test_connected(test, "pc");
	front = ctx->tf->front;

	for (ctx->step = 0; ctx->step < RND_STEPS; ctx->step++) {
		rnd_step(ctx);
		rnd_check(ctx);
	}

	kunit_info(test, "%u steps: running after %u, playing or capturing after %u, %u reconnections\n",
		   RND_STEPS, ctx->nr_running, ctx->nr_moved, ctx->nr_reconnects);
	/* The walk got somewhere: streams ran and data moved. */
	KUNIT_EXPECT_GT(test, ctx->nr_moved, RND_STEPS / 50);

	/* The end: every stream closed, the device removed. */
	for (i = 0; i < RND_STREAMS; i++)
		rnd_close(ctx, i);
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(front), 0);
	flush_workqueue(xsf_test_wq);
	sim_backend_detach_all(ctx->tf->sim);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 0);
	KUNIT_EXPECT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
	KUNIT_EXPECT_EQ(test, kref_read(&front->ref), 1U);
	KUNIT_EXPECT_EQ(test, ctx->tf->xb->state, XenbusStateClosed);
}

static struct kunit_case xsf_random_cases[] = {
	KUNIT_CASE_PARAM(rnd_run, rnd_seed_gen_params),
	{}
};

static struct kunit_suite xsf_random_suite = {
	.name = "snd_xen_front_random",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_random_cases,
};

kunit_test_suite(xsf_random_suite);
