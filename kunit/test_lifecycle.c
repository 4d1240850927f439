// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_lifecycle: what happens around a stream's
 * life rather than in it: suspend that is cancelled, answers that come
 * late, a ring full when a stream must stop, rewinds, errors that may
 * pass, concurrent queries, removal while a caller waits, and the link
 * between a stream and its channel.  Each case exercises one way the
 * driver could hang, play wrong data or touch freed memory; the fakes
 * make the interleavings deterministic.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <sound/pcm_params.h>

#include "xsf_kunit_helpers.h"

#define PB	XSF_TEST_PERIOD_BYTES	/* S16_LE stereo, 256 frames */
#define FB	XSF_TEST_FRAME_BYTES

/* ------------------------------------------------------------------ */
/* 1. Suspend without resume                                           */
/* ------------------------------------------------------------------ */

/*
 * A cancelled suspend (a checkpoint, a failed migration) is a freeze
 * followed by a thaw, of which a xenbus frontend hears nothing.  The
 * card must stay usable: a card left in D3hot blocks every PCM and
 * control call in snd_power_wait() for good.
 */
static void life_freeze_then_thaw(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_bus_suspend(tf->front), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_SUSPENDED);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc), XENSND_OP_TRIGGER_PAUSE);
	/* Thaw: nothing is called.  The card is powered and usable. */
	KUNIT_EXPECT_EQ(test, tf->front->card->power_state, SNDRV_CTL_POWER_D0);
	/* snd_pcm_resume(): the stream goes on where it paused. */
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_trigger(tp, SNDRV_PCM_TRIGGER_RESUME), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc), XENSND_OP_TRIGGER_RESUME);
	/* Or prepare again (with a card left in D3hot this would block). */
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* A restore whose backend never comes back leaves no blocked card. */
static void life_restore_without_backend(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	KUNIT_ASSERT_EQ(test, xsf_bus_suspend(tf->front), 0);
	xsf_fake_io_xen_restore();
	KUNIT_ASSERT_EQ(test, xsf_bus_resume(tf->front), 0);
	tf->xb->state = XenbusStateInitialising;
	KUNIT_EXPECT_EQ(test, tf->front->card->power_state, SNDRV_CTL_POWER_D0);
	/* No backend: calls fail after a short wait instead of blocking. */
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-ENODEV);
}

/* ------------------------------------------------------------------ */
/* 2. Late answers                                                     */
/* ------------------------------------------------------------------ */

/*
 * A TRIGGER of an earlier run that is refused late must not stop the
 * current run.
 */
static void life_late_trigger_error_after_restart(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	sim_backend_set_reply(tp->sc, XENSND_OP_TRIGGER, SIM_REPLY_HOLD);
	sim_backend_set_status(tp->sc, XENSND_OP_TRIGGER, -EIO);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_held, 2U);	/* START and STOP */

	/* The next run: the backend is well again. */
	sim_backend_set_reply(tp->sc, XENSND_OP_TRIGGER, SIM_REPLY_NORMAL);
	sim_backend_clear_status(tp->sc, XENSND_OP_TRIGGER);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);

	sim_backend_release(tp->sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
}

/* WRITE answers that come after the substream was closed reach nobody. */
static void life_late_write_after_close(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_pcm_stream *stream = tp->stream;
	struct sim_chan *sc = tp->sc;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, sc->nr_held, 1U);
	xsf_test_pcm_close(tp);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&stream->link));
	KUNIT_EXPECT_EQ(test, stream->link.nr_inflight, 0U);

	sim_backend_release(sc);
	sim_backend_sync(tf->sim);
	/* Not counted: the answer found no stream. */
	KUNIT_EXPECT_EQ(test, stream->completed, 0ULL);
	KUNIT_EXPECT_EQ(test, stream->link_state, XSF_PCM_UNLINKED);
}

/* A READ answered after the stream was opened again is not this run's. */
static void life_late_read_after_reopen(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "c");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct sim_chan *sc = tp->sc;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	xsf_test_pcm_start(test, tp);
	sim_backend_set_reply(sc, XENSND_OP_READ, SIM_REPLY_HOLD);
	sim_backend_event(sc, XENSND_EVT_CUR_POS, PB, true);
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, sc->nr_held, 1U);
	xsf_test_pcm_close(tp);

	tp = xsf_test_pcm_prepared(test, tf, 0);
	sim_backend_set_reply(sc, XENSND_OP_READ, SIM_REPLY_NORMAL);
	sim_backend_release(sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 0ULL);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->status->hw_ptr, 0UL);
}

/* CLOSE times out; its late answer disturbs the next opening nothing. */
static void life_late_answer_after_close_timeout(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct sim_chan *sc = tp->sc;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(sc, XENSND_OP_CLOSE, SIM_REPLY_HOLD);
	xsf_test_pcm_close(tp);
	KUNIT_ASSERT_EQ(test, sc->nr_held, 1U);
	sim_backend_set_reply(sc, XENSND_OP_CLOSE, SIM_REPLY_NORMAL);
	sim_backend_release(sc);
	sim_backend_sync(tf->sim);

	tp = xsf_test_pcm_prepared(test, tf, 0);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/*
 * Data given to a stream that never started stays queued in a backend
 * such as snd_be: a stream dropped before its start is stopped in the
 * backend before it is used again (ALSA sends no STOP for it).
 */
static void life_drop_before_start_clears_backend(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	unsigned int opens = tp->sc->nr_reqs[XENSND_OP_OPEN];

	xsf_test_pcm_feed(test, tp, 2 * PB);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_TRIGGER], 0U);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	sim_backend_sync(tf->sim);
	/* Still open (same parameters), but stopped: nothing left queued. */
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], opens);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc), XENSND_OP_TRIGGER_STOP);
	KUNIT_EXPECT_EQ(test, tp->sc->written_since_stop, 0ULL);
}

/* ------------------------------------------------------------------ */
/* 4. Rewinds                                                          */
/* ------------------------------------------------------------------ */

/* What ALSA does for a rewind: move the pointer back, then call .ack. */
static int life_rewind(struct xsf_test_pcm *tp, snd_pcm_uframes_t frames)
{
	struct snd_pcm_runtime *runtime = tp->sub->runtime;
	snd_pcm_uframes_t old = runtime->control->appl_ptr;
	int ret;

	snd_pcm_stream_lock_irq(tp->sub);
	runtime->control->appl_ptr = old - frames;
	ret = tp->sub->ops->ack(tp->sub);
	if (ret)
		runtime->control->appl_ptr = old;
	snd_pcm_stream_unlock_irq(tp->sub);
	return ret;
}

/*
 * ALSA is told not to rewind this stream; should it rewind anyway (a
 * kernel without that flag), data not sent yet may be taken back and
 * rewritten, data already sent may not.
 */
static void life_rewind_into_unsent_data(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_pcm_stream *stream = tp->stream;
	u8 *buf = kunit_kzalloc(test, PB, GFP_KERNEL);
	const struct sim_log_entry *e;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_TRUE(test, tp->sub->runtime->hw.info & XSF_PCM_INFO_NO_REWINDS);
	/* One period goes out, half of the next waits for the rest. */
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_feed(test, tp, PB / 2);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	/* Back a quarter period: still unsent. */
	KUNIT_EXPECT_EQ(test, life_rewind(tp, PB / 4 / FB), 0);
	KUNIT_EXPECT_EQ(test, stream->appl_bytes, (u64)(PB + PB / 4));
	/*
	 * Back into the period already sent: refused, pointer kept; not
	 * with -EPIPE, for which ALSA stops the stream with an xrun.
	 */
	KUNIT_EXPECT_EQ(test, life_rewind(tp, PB / 2 / FB), -EBUSY);
	KUNIT_EXPECT_EQ(test, stream->appl_bytes, (u64)(PB + PB / 4));
	/* Rewrite from the rewound position: the backend gets the new data. */
	for (i = 0; i < PB; i++)
		buf[i] = 0xa5;
	KUNIT_ASSERT_EQ(test, snd_pcm_kernel_write(tp->sub, buf, (3 * PB / 4) / FB),
			(snd_pcm_sframes_t)((3 * PB / 4) / FB));
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	e = sim_backend_find(tp->sc, XENSND_OP_WRITE, 1);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.offset, PB);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.length, PB);
	/* The quarter period rewritten is 0xa5 at the backend. */
	KUNIT_EXPECT_EQ(test, tp->sc->data[e->data_pos + PB / 4], 0xa5);
	KUNIT_EXPECT_EQ(test, tp->sc->data[e->data_pos + PB - 1], 0xa5);
}

/* ------------------------------------------------------------------ */
/* 6. A full ring when the stream must stop                            */
/* ------------------------------------------------------------------ */

static void life_stop_finds_room_on_full_ring(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	unsigned int i;

	/*
	 * The shortest periods (5 ms), a buffer of 64 of them: more WRITEs
	 * can be outstanding than the ring has slots.
	 */
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, 240, 64), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	sim_backend_sync(tf->sim);
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	for (i = 0; i < XSF_RING_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, xsf_test_pcm_write(tp, 960), 240L);
	sim_backend_sync(tf->sim);
	/* Data stopped short of the ring's end: room was left. */
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE],
			XSF_RING_SLOTS - XSF_RING_CONTROL_RESERVE);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc), XENSND_OP_TRIGGER_STOP);
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_NORMAL);
	sim_backend_release(tp->sc);
	sim_backend_sync(tf->sim);
}

/* ------------------------------------------------------------------ */
/* 7. Errors that may pass                                             */
/* ------------------------------------------------------------------ */

/* One grant table hiccup at connect time: a retry connects. */
static void life_transient_error_retried(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	struct xsf_front *front = tf->front;

	xsf_fake_io.grant_fail_after = 1;
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	xsf_fake_io.grant_fail_after = -1;	/* it passed */
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
	KUNIT_EXPECT_EQ(test, front->nr_failures, 1U);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&front->retry_work));
	/* The backend says InitWait again before the retry is due: wait. */
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
	/* The retry connects. */
	flush_delayed_work(&front->retry_work);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_ASSERT_EQ(test, sim_backend_attach_store(tf->sim, XSF_TEST_NODE,
						       &front->cfg), 0);
	xsf_bus_backend_changed(front, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateConnected);
	KUNIT_EXPECT_NOT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, front->nr_failures, 0U);
}

/* A configuration that cannot work is fatal at once, and Closed after. */
static void life_permanent_error_fatal(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");

	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(XSF_TEST_N("0/0/type"), "x"),
			0);
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.last_fatal_err, -EINVAL);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&tf->front->retry_work));
	/* xenbus_dev_fatal() switched to Closing; the backend follows. */
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosing);
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	KUNIT_EXPECT_NE(test, tf->xb->state, XenbusStateClosing);
	/* A backend back at once waits for a new series... */
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	KUNIT_EXPECT_NE(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 1U);
	KUNIT_EXPECT_NULL(test, tf->front->channels);
	/* ...then gets one more attempt, fatal again while nothing changed. */
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&tf->front->retry_work));
	flush_delayed_work(&tf->front->retry_work);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 2U);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosing);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&tf->front->retry_work));
	KUNIT_EXPECT_NULL(test, tf->front->channels);
	KUNIT_EXPECT_EQ(test, tf->front->nr_give_ups, 2U);
	/* ...and each new series comes later than the one before. */
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	KUNIT_ASSERT_TRUE(test, delayed_work_pending(&tf->front->retry_work));
	KUNIT_EXPECT_TRUE(test, time_after(tf->front->retry_work.timer.expires,
					   jiffies + msecs_to_jiffies(3000)));
	cancel_delayed_work_sync(&tf->front->retry_work);
}

/*
 * After giving up, a backend that goes away and comes back mended (a
 * fixed configuration) is connected without rebinding the device.
 */
static void life_backend_back_after_giving_up(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	struct xsf_front *front = tf->front;

	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(XSF_TEST_N("0/0/type"), "x"),
			0);
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, front->nr_failures, XSF_MAX_CONNECT_FAILURES);
	xsf_bus_backend_changed(front, XenbusStateClosing);
	xsf_bus_backend_changed(front, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, front->nr_failures, 0U);
	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(XSF_TEST_N("0/0/type"), "p"),
			0);
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	flush_delayed_work(&front->retry_work);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_ASSERT_EQ(test, sim_backend_attach_store(tf->sim, XSF_TEST_NODE,
						       &front->cfg), 0);
	xsf_bus_backend_changed(front, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateConnected);
	KUNIT_EXPECT_NOT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 1U);
}

static unsigned int life_card_failures;

static int life_card_create_failing(struct xsf_front *front)
{
	if (life_card_failures) {
		life_card_failures--;
		return -ENOMEM;
	}
	return xsf_card_client_ops.connect(front);
}

/*
 * A card that could not be made while the backend is Connected is made
 * again on the same rings: the backend stays Connected, so starting over
 * from Initialising would wait for a change that never comes.
 */
static void life_card_failure_retried_on_same_rings(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	/* Static: the device may outlive the test's own allocations. */
	static struct xsf_bus_client_ops client;
	struct xsf_front *front = tf->front;
	grant_ref_t ring_gref;

	client = xsf_card_client_ops;
	client.connect = life_card_create_failing;
	front->client = &client;
	life_card_failures = 1;
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	KUNIT_ASSERT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_ASSERT_EQ(test, sim_backend_attach_store(tf->sim, XSF_TEST_NODE,
						       &front->cfg), 0);
	ring_gref = front->channels[0].ring_gref;
	xsf_bus_backend_changed(front, XenbusStateConnected);
	KUNIT_EXPECT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_EXPECT_EQ(test, front->nr_failures, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
	KUNIT_ASSERT_NOT_NULL(test, front->channels);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&front->retry_work));
	flush_delayed_work(&front->retry_work);
	KUNIT_EXPECT_NOT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, front->nr_failures, 0U);
	KUNIT_ASSERT_NOT_NULL(test, front->channels);
	KUNIT_EXPECT_EQ(test, front->channels[0].ring_gref, ring_gref);
}

/* Errors that persist give up after a bounded number of attempts. */
static void life_repeated_errors_give_up(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	struct xsf_front *front = tf->front;
	unsigned int i;

	xsf_fake_io.grant_fail_after = 0;
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	for (i = 1; i < XSF_MAX_CONNECT_FAILURES; i++)
		flush_delayed_work(&front->retry_work);
	KUNIT_EXPECT_EQ(test, front->nr_failures, XSF_MAX_CONNECT_FAILURES);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
}

/* ------------------------------------------------------------------ */
/* 8. Concurrent hardware refinement                                   */
/* ------------------------------------------------------------------ */

struct life_refiner {
	struct xsf_test_pcm *tp;
	struct snd_pcm_hw_params params;
	int ret;
	struct completion done;
};

static int life_refine_fn(void *data)
{
	struct life_refiner *r = data;

	r->ret = snd_pcm_hw_refine(r->tp->sub, &r->params);
	complete(&r->done);
	return 0;
}

static struct life_refiner *life_refine_start(struct kunit *test,
					      struct xsf_test_pcm *tp,
					      unsigned int rate)
{
	struct life_refiner *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->tp = tp;
	init_completion(&r->done);
	xsf_test_params_any(&r->params);
	xsf_test_params_set(&r->params, SNDRV_PCM_HW_PARAM_RATE, rate);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(life_refine_fn, r,
						    "xsf-refine")));
	return r;
}

/*
 * Two HW_REFINE calls on one substream: the query cache is used by one
 * at a time, so only one question is out at any moment and both get
 * their answers.
 */
static void life_concurrent_refines(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct life_refiner *a, *b;
	unsigned int i;

	tf->sim->autorun = true;
	sim_backend_set_reply(tp->sc, XENSND_OP_HW_PARAM_QUERY, SIM_REPLY_HOLD);
	a = life_refine_start(test, tp, 44100);
	b = life_refine_start(test, tp, 48000);
	msleep(50);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_held, 1U);
	sim_backend_set_reply(tp->sc, XENSND_OP_HW_PARAM_QUERY, SIM_REPLY_NORMAL);
	for (i = 0; i < 100 && !(completion_done(&a->done) &&
				 completion_done(&b->done)); i++) {
		sim_backend_release(tp->sc);
		sim_backend_sync(tf->sim);
		msleep(20);
	}
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done, 5 * HZ));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&b->done, 5 * HZ));
	KUNIT_EXPECT_EQ(test, a->ret, 0);
	KUNIT_EXPECT_EQ(test, b->ret, 0);
	KUNIT_EXPECT_LE(test, tp->stream->nr_queries, XSF_QUERY_CACHE_SIZE);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* ------------------------------------------------------------------ */
/* Removal while a caller waits                                        */
/* ------------------------------------------------------------------ */

struct life_caller {
	struct xsf_pcm_stream *stream;
	int ret;
	struct completion started;
	struct completion done;
};

static int life_call_fn(void *data)
{
	struct life_caller *c = data;
	struct xensnd_req req = { .operation = XENSND_OP_GET_VOLUME };

	req.op.rw.length = sizeof(s32);
	complete(&c->started);
	c->ret = xsf_pcm_call(c->stream, &req, NULL);
	complete(&c->done);
	return 0;
}

static void life_remove_while_call_waits(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct life_caller *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 10000);
	xsf_test_set_timeout(test, &xsf_close_timeout_ms, 50);
	c->stream = tp->stream;
	init_completion(&c->started);
	init_completion(&c->done);
	sim_backend_set_reply(tp->sc, XENSND_OP_GET_VOLUME, SIM_REPLY_DROP);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(life_call_fn, c, "xsf-call")));
	wait_for_completion(&c->started);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&c->done));
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(tf->front), 0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&c->done, HZ));
	KUNIT_EXPECT_EQ(test, c->ret, -EIO);
	KUNIT_EXPECT_NULL(test, tf->front->card);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	/* The stream's buffer stays granted until its user lets go. */
	xsf_test_pcm_close(tp);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
}

/* ------------------------------------------------------------------ */
/* The link                                                            */
/* ------------------------------------------------------------------ */

struct life_linked {
	struct xsf_link link;
	struct completion in_event;
	struct completion release;
	atomic_t events;
	atomic_t answers;
};

static void life_link_done(void *ctx, int status, const struct xensnd_resp *resp)
{
	struct life_linked *l = ctx;

	atomic_inc(&l->answers);
}

static bool life_link_event(void *ctx, const struct xensnd_evt *evt)
{
	struct life_linked *l = ctx;

	atomic_inc(&l->events);
	complete(&l->in_event);
	wait_for_completion(&l->release);
	return true;
}

static void life_link_lost(void *ctx)
{
}

static const struct xsf_link_ops life_link_ops = {
	.done = life_link_done,
	.event = life_link_event,
	.lost = life_link_lost,
};

struct life_raiser {
	struct sim_chan *sc;
	struct completion done;
};

static int life_raise_fn(void *data)
{
	struct life_raiser *r = data;

	sim_backend_event(r->sc, XENSND_EVT_CUR_POS, 100, true);
	complete(&r->done);
	return 0;
}

struct life_detacher {
	struct xsf_link *link;
	struct completion done;
};

static int life_detach_fn(void *data)
{
	struct life_detacher *d = data;

	xsf_bus_detach(d->link);
	complete(&d->done);
	return 0;
}

/*
 * Detaching waits for a handler that is delivering to the link; after
 * it, nothing reaches the link (this also checks that the fake
 * xsf_io_sync_irq() waits for running handlers, as synchronize_irq()).
 */
static void life_detach_waits_for_handler(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct life_linked *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct life_raiser *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct life_detacher *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct xsf_front *front = tf->front;
	struct xensnd_req req = { .operation = XENSND_OP_CLOSE };

	KUNIT_ASSERT_TRUE(test, l && r && d);
	/* The card's stream 0 lets go of the channel; a test link takes it. */
	KUNIT_ASSERT_FALSE(test, xsf_bus_attached(&((struct xsf_card *)
				front->card->private_data)->streams[0].link));
	xsf_bus_link_init(&l->link, front, 0, &life_link_ops, l);
	init_completion(&l->in_event);
	init_completion(&l->release);
	KUNIT_ASSERT_EQ(test, xsf_bus_attach(&l->link, front->generation), 0);
	tf->sim->chans[0]->lenient = true;

	r->sc = tf->sim->chans[0];
	init_completion(&r->done);
	/* life_link_event() blocks until released: not in interrupt context. */
	xsf_fake_io.handler_sleeps = true;
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(life_raise_fn, r, "xsf-raise")));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&l->in_event, HZ));

	d->link = &l->link;
	init_completion(&d->done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(life_detach_fn, d, "xsf-detach")));
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&d->done));
	complete(&l->release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&d->done, HZ));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&r->done, HZ));

	/* Detached: a request fails, an event reaches nobody. */
	KUNIT_EXPECT_EQ(test, xsf_bus_submit(&l->link, &req, XSF_RING_CONTROL),
			-EIO);
	sim_backend_event(tf->sim->chans[0], XENSND_EVT_CUR_POS, 200, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&l->events), 1);
}

/* An answer to a request sent through a link that detached reaches nobody. */
static void life_answer_after_detach(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct life_linked *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct xsf_front *front = tf->front;
	struct xensnd_req req = { .operation = XENSND_OP_CLOSE };
	struct sim_chan *sc = tf->sim->chans[0];

	KUNIT_ASSERT_NOT_NULL(test, l);
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	xsf_bus_link_init(&l->link, front, 0, &life_link_ops, l);
	KUNIT_ASSERT_EQ(test, xsf_bus_attach(&l->link, front->generation), 0);
	sc->lenient = true;
	sim_backend_set_reply(sc, XENSND_OP_CLOSE, SIM_REPLY_HOLD);
	KUNIT_ASSERT_EQ(test, xsf_bus_submit(&l->link, &req, XSF_RING_CONTROL), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, l->link.nr_inflight, 1U);
	/* Detaching waits for the answer, at most the request timeout. */
	xsf_bus_detach(&l->link);
	sim_backend_release(sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, atomic_read(&l->answers), 0);
	/* The channel is free for the next link. */
	KUNIT_EXPECT_EQ(test, xsf_bus_attach(&l->link, front->generation), 0);
	xsf_bus_detach(&l->link);
}

static struct kunit_case xsf_lifecycle_cases[] = {
	KUNIT_CASE(life_freeze_then_thaw),
	KUNIT_CASE(life_restore_without_backend),
	KUNIT_CASE(life_late_trigger_error_after_restart),
	KUNIT_CASE(life_late_write_after_close),
	KUNIT_CASE(life_late_read_after_reopen),
	KUNIT_CASE(life_late_answer_after_close_timeout),
	KUNIT_CASE(life_drop_before_start_clears_backend),
	KUNIT_CASE(life_rewind_into_unsent_data),
	KUNIT_CASE(life_stop_finds_room_on_full_ring),
	KUNIT_CASE(life_transient_error_retried),
	KUNIT_CASE(life_permanent_error_fatal),
	KUNIT_CASE(life_backend_back_after_giving_up),
	KUNIT_CASE(life_card_failure_retried_on_same_rings),
	KUNIT_CASE(life_repeated_errors_give_up),
	KUNIT_CASE(life_concurrent_refines),
	KUNIT_CASE(life_remove_while_call_waits),
	KUNIT_CASE(life_detach_waits_for_handler),
	KUNIT_CASE(life_answer_after_detach),
	{}
};

static struct kunit_suite xsf_lifecycle_suite = {
	.name = "snd_xen_front_lifecycle",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_lifecycle_cases,
};

kunit_test_suite(xsf_lifecycle_suite);
