// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_pcm: the ALSA card and PCM operations against
 * the simulated backend.
 *
 * Substreams are opened with ALSA's in-kernel API (snd_pcm_open_substream
 * with an open file counted by the card), configured and started with
 * snd_pcm_kernel_ioctl() and fed with snd_pcm_kernel_write(), so ALSA's
 * own state handling runs; pause and drain, which have no in-kernel entry,
 * call the driver's trigger directly.  Unless a test says otherwise the
 * stream is S16_LE, 48 kHz, stereo: 4-octet frames, periods of 256 frames
 * (1024 octets), 4 periods (4096 octets).
 */
#include <kunit/test.h>
#include <sound/pcm_params.h>

#include "xsf_kunit_helpers.h"
#include "xsf_trace.h"

#define PB	XSF_TEST_PERIOD_BYTES
#define BB	XSF_TEST_BUFFER_BYTES
#define FB	XSF_TEST_FRAME_BYTES

/* ------------------------------------------------------------------ */
/* Card and devices                                                    */
/* ------------------------------------------------------------------ */

static void pcm_names_from_cfg(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "pc,c");
	struct xsf_card *xcard = tf->front->card->private_data;
	struct snd_pcm *pcm0 = xcard->streams[0].substream->pcm;
	struct snd_pcm *pcm1 = xcard->streams[2].substream->pcm;

	KUNIT_EXPECT_STREQ(test, tf->front->card->id, "XenTest");
	KUNIT_EXPECT_STREQ(test, pcm0->name, "PCM 0");
	KUNIT_EXPECT_STREQ(test, pcm1->name, "PCM 1");
	KUNIT_EXPECT_EQ(test, pcm0->device, 0);
	KUNIT_EXPECT_EQ(test, pcm1->device, 1);
	KUNIT_EXPECT_STREQ(test, xcard->streams[0].substream->name,
			   "PCM 0 playback 0");
	KUNIT_EXPECT_STREQ(test, xcard->streams[1].substream->name,
			   "PCM 0 capture 0");
	KUNIT_EXPECT_STREQ(test, xcard->streams[2].substream->name,
			   "PCM 1 capture 0");
	KUNIT_EXPECT_STREQ(test, xcard->streams[1].cfg.unique_id, "uid-0-1");
}

static void pcm_name_fallbacks(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_new(test);
	struct xsf_card *xcard;
	struct snd_card *card;

	KUNIT_ASSERT_EQ(test, xsf_test_store_config("p"), 0);
	xsf_fake_store_remove(XSF_TEST_N("short-name"));
	xsf_fake_store_remove(XSF_TEST_N("long-name"));
	xsf_fake_store_remove(XSF_TEST_N("0/name"));
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	card = tf->front->card;
	xcard = card->private_data;
	KUNIT_EXPECT_STREQ(test, card->shortname, "Xen PV sound");
	KUNIT_EXPECT_STREQ(test, card->longname,
			   "Xen para-virtual sound card (" XSF_TEST_NODE ")");
	KUNIT_EXPECT_STREQ(test, card->id, "XenSnd");
	KUNIT_EXPECT_STREQ(test, card->mixername, "Xen PV sound");
	KUNIT_EXPECT_STREQ(test, xcard->streams[0].substream->pcm->name,
			   "Xen PCM 0");
}

static void pcm_several_devices_and_streams(struct kunit *test)
{
	static const struct {
		unsigned int pcm;
		int dir;
		int number;
	} expect[] = {
		{ 0, SNDRV_PCM_STREAM_PLAYBACK, 0 },
		{ 0, SNDRV_PCM_STREAM_PLAYBACK, 1 },
		{ 0, SNDRV_PCM_STREAM_CAPTURE, 0 },
		{ 1, SNDRV_PCM_STREAM_CAPTURE, 0 },
		{ 2, SNDRV_PCM_STREAM_PLAYBACK, 0 },
		{ 2, SNDRV_PCM_STREAM_PLAYBACK, 1 },
	};
	struct xsf_test_front *tf = xsf_test_connected(test, "ppc,c,pp");
	struct xsf_card *xcard = tf->front->card->private_data;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, xcard->nr_streams, 6U);
	KUNIT_ASSERT_EQ(test, xcard->nr_pcms, 3U);
	KUNIT_EXPECT_EQ(test, xcard->pcms[0]->streams[0].substream_count, 2U);
	KUNIT_EXPECT_EQ(test, xcard->pcms[0]->streams[1].substream_count, 1U);
	KUNIT_EXPECT_EQ(test, xcard->pcms[1]->streams[0].substream_count, 0U);
	KUNIT_EXPECT_EQ(test, xcard->pcms[1]->streams[1].substream_count, 1U);
	KUNIT_EXPECT_EQ(test, xcard->pcms[2]->streams[0].substream_count, 2U);
	KUNIT_EXPECT_EQ(test, xcard->pcms[2]->streams[1].substream_count, 0U);
	for (i = 0; i < ARRAY_SIZE(expect); i++) {
		struct xsf_pcm_stream *stream = &xcard->streams[i];
		struct snd_pcm_substream *sub = stream->substream;

		KUNIT_ASSERT_NOT_NULL(test, sub);
		KUNIT_EXPECT_PTR_EQ(test, sub->pcm, xcard->pcms[expect[i].pcm]);
		KUNIT_EXPECT_EQ_MSG(test, sub->stream, expect[i].dir, "#%u", i);
		KUNIT_EXPECT_EQ_MSG(test, sub->number, expect[i].number, "#%u",
				    i);
		KUNIT_EXPECT_PTR_EQ(test, sub->private_data, (void *)stream);
		KUNIT_EXPECT_EQ(test, stream->pcm_index, expect[i].pcm);
		KUNIT_EXPECT_EQ(test, stream->index, i);
	}
}

static void pcm_constraints_from_cfg(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct snd_pcm_hardware *hw = &tp->sub->runtime->hw;

	KUNIT_EXPECT_EQ(test, hw->rate_min, 8000U);
	KUNIT_EXPECT_EQ(test, hw->rate_max, 48000U);
	KUNIT_EXPECT_EQ(test, hw->channels_min, 1U);
	KUNIT_EXPECT_EQ(test, hw->channels_max, 2U);
	KUNIT_EXPECT_EQ(test, hw->buffer_bytes_max, (size_t)XSF_DEFAULT_BUFFER_BYTES);
	KUNIT_EXPECT_EQ(test, hw->formats,
			(u64)(SNDRV_PCM_FMTBIT_S16_LE | SNDRV_PCM_FMTBIT_S32_LE));
	KUNIT_EXPECT_TRUE(test, hw->info & SNDRV_PCM_INFO_PAUSE);
	KUNIT_EXPECT_TRUE(test, hw->info & SNDRV_PCM_INFO_SYNC_APPLPTR);
	/* 22050 Hz is within [8000, 48000] but not in the list. */
	KUNIT_EXPECT_LT(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     22050, 2, 0, 0), 0);
	KUNIT_EXPECT_LT(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_U8,
						     48000, 2, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S32_LE,
						     44100, 1, 0, 0), 0);
}

/* ------------------------------------------------------------------ */
/* Open, data, triggers                                                */
/* ------------------------------------------------------------------ */

static void pcm_prepare_sends_open(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_pcm_stream *stream = tp->stream;
	const struct sim_log_entry *e;

	/* The first OPEN announces exactly what the application set. */
	e = xsf_test_req(test, tp->sc, XENSND_OP_OPEN, 0);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_rate, 48000U);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_format,
			XENSND_PCM_FORMAT_S16_LE);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_channels, 2);
	KUNIT_EXPECT_EQ(test, e->req.op.open.period_sz, PB);
	KUNIT_EXPECT_EQ(test, e->req.op.open.buffer_sz, BB);
	/*
	 * The simulated backend does volume: it answered GET_VOLUME, so the
	 * stream was opened again with a volume area of one period.
	 */
	e = xsf_test_req(test, tp->sc, XENSND_OP_OPEN, 1);
	KUNIT_EXPECT_EQ(test, e->req.op.open.buffer_sz, BB + PB);
	KUNIT_EXPECT_EQ(test, e->req.op.open.period_sz, PB);
	KUNIT_EXPECT_EQ(test, e->req.op.open.gref_directory,
			xsf_shbuf_directory(&stream->buf));
	KUNIT_EXPECT_TRUE(test, tp->sc->opened);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_dir_errors, 0U);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_buf_pages,
			DIV_ROUND_UP(BB + PB, XEN_PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

static void pcm_start_and_position(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 0, 0, PB);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 1, PB, PB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_TRIGGER], 0U);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_req(test, tp->sc, XENSND_OP_TRIGGER, 0)->req.op.trigger.type,
			XENSND_OP_TRIGGER_START);
	/* Data first, then the start. */
	KUNIT_EXPECT_LT(test, xsf_test_log_index(tp->sc, XENSND_OP_WRITE, 1),
			xsf_test_log_index(tp->sc, XENSND_OP_TRIGGER, 0));
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);

	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	/* Not period aligned, and capped by the data the backend has. */
	xsf_test_pcm_pos(tp, 2 * PB + 100);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 2ULL * PB + 100);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(2 * PB / FB));
	xsf_test_pcm_expect_played(test, tp, 2 * PB);
}

static void pcm_writes_across_buffer_wrap(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	unsigned int i;

	for (i = 0; i < 3; i++)
		xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, 2 * PB);
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 5U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 2, 2 * PB, PB);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 3, 3 * PB, PB);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 4, 0, PB);
	xsf_test_pcm_pos(tp, 4 * PB);
	xsf_test_pcm_pos(tp, 5 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(5 * PB / FB));
	KUNIT_EXPECT_EQ(test, tp->sub->ops->pointer(tp->sub),
			(snd_pcm_uframes_t)(PB / FB));
	xsf_test_pcm_expect_played(test, tp, 5 * PB);
}

static void pcm_large_write_split_at_wrap(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	/* Everything pending goes in one request, up to the buffer end. */
	xsf_test_pcm_feed(test, tp, 3 * PB);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 0, 0, 3 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, 3 * PB);
	xsf_test_pcm_feed(test, tp, 3 * PB);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 3U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 1, 3 * PB, PB);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 2, 0, 2 * PB);
	xsf_test_pcm_expect_played(test, tp, 6 * PB);
}

static void pcm_whole_periods_only(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB / 2);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 0U);
	xsf_test_pcm_feed(test, tp, PB / 4);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 0U);
	xsf_test_pcm_feed(test, tp, PB / 4);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 0, 0, PB);
	/* Running: still whole periods. */
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_feed(test, tp, PB / 2);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 1, PB, PB + PB / 2);
	xsf_test_pcm_expect_played(test, tp, 2 * PB + PB / 2);
}

static void pcm_start_flushes_partial(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB / 2);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 0U);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 0, 0, PB / 2);
	KUNIT_EXPECT_LT(test, xsf_test_log_index(tp->sc, XENSND_OP_WRITE, 0),
			xsf_test_log_index(tp->sc, XENSND_OP_TRIGGER, 0));
	xsf_test_pcm_expect_played(test, tp, PB / 2);
}

static void pcm_drain_flushes_partial(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_feed(test, tp, PB / 4);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_trigger(tp, SNDRV_PCM_TRIGGER_DRAIN),
			0);
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 1, PB, PB / 4);
	/* While draining every bit goes out at once. */
	xsf_test_pcm_feed(test, tp, 64);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 3U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 2, PB + PB / 4, 64);
	xsf_test_pcm_expect_played(test, tp, PB + PB / 4 + 64);
}

static void pcm_data_bounded_by_completions(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	/* The backend claims to have played data it never confirmed. */
	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	sim_backend_release(tp->sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(2 * PB / FB));
}

static void pcm_capture_reads_after_position(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "c");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	u8 *buf = kunit_kzalloc(test, PB, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_req(test, tp->sc, XENSND_OP_TRIGGER, 0)->req.op.trigger.type,
			XENSND_OP_TRIGGER_START);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 0U);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 1U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_READ, 0, 0, PB);
	/* Captured once the READ is answered. */
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	KUNIT_ASSERT_EQ(test, snd_pcm_kernel_read(tp->sub, buf, PB / FB),
			(snd_pcm_sframes_t)(PB / FB));
	for (i = 0; i < PB; i++)
		if (buf[i] != sim_backend_pattern(i)) {
			KUNIT_FAIL(test, "octet %u is %#x", i, buf[i]);
			break;
		}
}

static void pcm_capture_whole_periods(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "c");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB / 2);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 0U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	/* A period or more is there: all of it is read. */
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 1U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_READ, 0, 0, PB + PB / 2);
	/* Up to the buffer end; the rest is less than a period: later. */
	xsf_test_pcm_pos(tp, 4 * PB + PB / 2);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 2U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_READ, 1, PB + PB / 2,
			       2 * PB + PB / 2);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(4 * PB / FB));
}

static void pcm_pause_resume_stop(struct kunit *test)
{
	static const u8 types[] = {
		XENSND_OP_TRIGGER_START, XENSND_OP_TRIGGER_PAUSE,
		XENSND_OP_TRIGGER_RESUME, XENSND_OP_TRIGGER_STOP,
	};
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	unsigned int i;

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test,
			xsf_test_pcm_trigger(tp, SNDRV_PCM_TRIGGER_PAUSE_PUSH),
			0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_FALSE(test, xsf_run_running(tp->stream->run));
	/* Positions while paused are not believed. */
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	KUNIT_EXPECT_EQ(test,
			xsf_test_pcm_trigger(tp, SNDRV_PCM_TRIGGER_PAUSE_RELEASE),
			0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_TRUE(test, xsf_run_running(tp->stream->run));
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_TRIGGER],
			(unsigned int)ARRAY_SIZE(types));
	for (i = 0; i < ARRAY_SIZE(types); i++)
		KUNIT_EXPECT_EQ(test, xsf_test_req(test, tp->sc, XENSND_OP_TRIGGER,
						   i)->req.op.trigger.type,
				types[i]);
}

static void pcm_events_before_start_ignored(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 0ULL);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	/* An unknown event type is ignored as well. */
	xsf_test_pcm_start(test, tp);
	sim_backend_event(tp->sc, 7, PB, true);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 0ULL);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
}

/*
 * The backend's count may carry an offset from before the run (snd_be
 * after an underrun): the first position the clock cannot explain starts
 * the stream where the clock says, and later ones count from it.  A count
 * that restarts does not move the stream back.
 */
static void pcm_position_offset(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 4 * PB);
	xsf_test_pcm_start(test, tp);
	tp->stream->start_jiffies = jiffies;	/* no time has passed */
	xsf_test_pcm_pos(tp, 986880);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 0ULL);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	xsf_test_pcm_pos(tp, 986880 + 2 * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 2ULL * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(2 * PB / FB));
	/* Restarted count: the stream stays, then moves on from there. */
	xsf_test_pcm_pos(tp, 0);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(2 * PB / FB));
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 3ULL * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(3 * PB / FB));
	KUNIT_EXPECT_EQ(test, xsf_pcm_state(tp->sub->runtime),
			SNDRV_PCM_STATE_RUNNING);
}

/*
 * A gap of several buffers (a guest descheduled for longer than a
 * buffer) does not freeze the stream: the position is followed, and
 * since the backend cannot have played data it never had, an xrun says
 * that data was lost.  After a restart positions count again.
 */
static void pcm_position_gap_xruns_then_recovers(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 4 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_pos(tp, PB + 5 * BB);
	KUNIT_EXPECT_EQ(test, xsf_pcm_state(tp->sub->runtime),
			SNDRV_PCM_STATE_XRUN);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	KUNIT_EXPECT_EQ(test, xsf_pcm_state(tp->sub->runtime),
			SNDRV_PCM_STATE_RUNNING);
}

static void pcm_restart_event_ids_continue(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_evtq *q = &tf->front->channels[0].evtq;

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	/* The backend's counter goes on, with a jump, across restarts. */
	tp->sc->evt_id += 1000;
	tp->written = 0;
	tp->sc->nr_data = 0;
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, q->nr_lost, 0U);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
	KUNIT_EXPECT_EQ(test, tp->sub->ops->pointer(tp->sub),
			(snd_pcm_uframes_t)(PB / FB));
	/*
	 * The restart kept the stream open in the backend: STOP, then START
	 * (OPEN twice in all: the first one asked for volume support).
	 */
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], 2U);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], 1U);
	xsf_test_pcm_expect_played(test, tp, 2 * PB);
}

static void pcm_page_op(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);
	struct xsf_pcm_stream *stream = tp->stream;

	KUNIT_EXPECT_PTR_EQ(test, tp->sub->ops->page(tp->sub, 0),
			    stream->buf.pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, tp->sub->ops->page(tp->sub, XEN_PAGE_SIZE + 5),
			    stream->buf.pages[1]);
	KUNIT_EXPECT_NULL(test, tp->sub->ops->page(tp->sub, 16 * XEN_PAGE_SIZE));
}

/* ------------------------------------------------------------------ */
/* HW_PARAM_QUERY                                                      */
/* ------------------------------------------------------------------ */

static void pcm_limit(struct sim_chan *sc, u32 rate_min, u32 rate_max,
		      u32 ch_min, u32 ch_max)
{
	sc->hw_limits_set = true;
	sc->hw_limits.formats = ~0ULL;
	sc->hw_limits.rates.min = rate_min;
	sc->hw_limits.rates.max = rate_max;
	sc->hw_limits.channels.min = ch_min;
	sc->hw_limits.channels.max = ch_max;
	sc->hw_limits.buffer.max = U32_MAX;
	sc->hw_limits.period.max = U32_MAX;
}

/* A hw_params for a test, freed with it. */
static struct snd_pcm_hw_params *pcm_params_new(struct kunit *test)
{
	struct snd_pcm_hw_params *params;

	params = kunit_kzalloc(test, sizeof(*params), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, params);
	return params;
}

/* The whole configuration space, refined by the stream's rules. */
static void pcm_refine_any(struct kunit *test, struct xsf_test_pcm *tp,
			   struct snd_pcm_hw_params *params)
{
	xsf_test_params_any(params);
	KUNIT_ASSERT_EQ(test, snd_pcm_hw_refine(tp->sub, params), 0);
}

static void pcm_query_narrows(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct snd_pcm_hw_params *params;
	struct snd_interval *iv;

	params = pcm_params_new(test);
	pcm_limit(tp->sc, 44100, 44100, 1, 1);
	pcm_refine_any(test, tp, params);
	iv = hw_param_interval(params, SNDRV_PCM_HW_PARAM_RATE);
	KUNIT_EXPECT_EQ(test, iv->min, 44100U);
	KUNIT_EXPECT_EQ(test, iv->max, 44100U);
	iv = hw_param_interval(params, SNDRV_PCM_HW_PARAM_CHANNELS);
	KUNIT_EXPECT_EQ(test, iv->max, 1U);
	KUNIT_EXPECT_GT(test, tp->stream->nr_queries_sent, 0U);
	KUNIT_EXPECT_EQ(test, tp->stream->nr_queries_sent,
			tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY]);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_answered);
	KUNIT_EXPECT_FALSE(test, tp->stream->query_unsupported);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     44100, 1, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->rate, 44100U);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->channels, 1U);
}

static void pcm_query_cached(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct snd_pcm_hw_params *params;
	unsigned int sent;

	params = pcm_params_new(test);
	pcm_limit(tp->sc, 8000, 48000, 1, 2);
	pcm_refine_any(test, tp, params);
	sent = tp->stream->nr_queries_sent;
	KUNIT_EXPECT_GT(test, sent, 0U);
	/* ALSA evaluates rules repeatedly; the backend is asked once. */
	KUNIT_EXPECT_LT(test, sent, 6U);
	pcm_refine_any(test, tp, params);
	KUNIT_EXPECT_EQ(test, tp->stream->nr_queries_sent, sent);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY], sent);
}

/*
 * A backend's answers may change between two openings of a stream on the
 * same connection: snd_be answers from its ALSA device, and on snd-aloop
 * a running capture side limits the playback side to its own format and
 * rate.  So every opening asks again.
 */
static void pcm_query_asked_again_at_each_open(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct sim_chan *sc = tp->sc;
	struct snd_pcm_hw_params *params;
	unsigned int sent;

	params = pcm_params_new(test);
	pcm_limit(sc, 48000, 48000, 2, 2);
	pcm_refine_any(test, tp, params);
	KUNIT_EXPECT_EQ(test, hw_param_interval(params, SNDRV_PCM_HW_PARAM_RATE)->min,
			48000U);
	sent = sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY];
	KUNIT_ASSERT_GT(test, sent, 0U);
	xsf_test_pcm_close(tp);

	/* The backend's device now allows only 44.1 kHz. */
	pcm_limit(sc, 44100, 44100, 2, 2);
	tp = xsf_test_pcm_open(test, tf, 0);
	pcm_refine_any(test, tp, params);
	KUNIT_EXPECT_EQ(test, hw_param_interval(params, SNDRV_PCM_HW_PARAM_RATE)->min,
			44100U);
	KUNIT_EXPECT_EQ(test, hw_param_interval(params, SNDRV_PCM_HW_PARAM_RATE)->max,
			44100U);
	KUNIT_EXPECT_GT(test, sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY], sent);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     44100, 2, 0, 0), 0);
}

/* Fix the format of @params to @format, as snd_pcm_hw_params_set_format(). */
static void pcm_params_format(struct snd_pcm_hw_params *params,
			      snd_pcm_format_t format)
{
	struct snd_mask *fmt = hw_param_mask(params, SNDRV_PCM_HW_PARAM_FORMAT);

	snd_mask_none(fmt);
	snd_mask_set_format(fmt, format);
}

/*
 * Refine @params again after the test changed some of them: ALSA runs
 * only the rules of parameters marked changed (rmask), as alsa-lib marks
 * what it sets.
 */
static void pcm_refine_again(struct kunit *test, struct xsf_test_pcm *tp,
			     struct snd_pcm_hw_params *params)
{
	params->rmask = ~0U;
	KUNIT_ASSERT_EQ(test, snd_pcm_hw_refine(tp->sub, params), 0);
}

/*
 * A negotiation as aplay's: the whole space, then format, channels, rate,
 * period and buffer fixed one at a time, each step refined, then
 * HW_PARAMS.  Asked as they came, that was six questions; three are
 * enough (the space, the configuration, the choice), and the result is
 * the same.
 */
static void pcm_query_three_questions(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct snd_pcm_hw_params *params;
	const struct xensnd_query_hw_param *asked;

	params = pcm_params_new(test);
	pcm_limit(tp->sc, 8000, 48000, 1, 2);
	pcm_refine_any(test, tp, params);
	pcm_params_format(params, SNDRV_PCM_FORMAT_S16_LE);
	pcm_refine_again(test, tp, params);
	xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_CHANNELS, 2);
	pcm_refine_again(test, tp, params);
	xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_RATE, 48000);
	pcm_refine_again(test, tp, params);
	xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_PERIOD_SIZE, 1024);
	pcm_refine_again(test, tp, params);
	xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_BUFFER_SIZE, 4096);
	pcm_refine_again(test, tp, params);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY], 3U);

	/* The last question was the choice, exactly as it will be opened. */
	asked = &xsf_test_req(test, tp->sc, XENSND_OP_HW_PARAM_QUERY, 2)->req.op.hw_param;
	KUNIT_EXPECT_EQ(test, asked->formats, BIT_ULL(XENSND_PCM_FORMAT_S16_LE));
	KUNIT_EXPECT_EQ(test, asked->rates.min, 48000U);
	KUNIT_EXPECT_EQ(test, asked->rates.max, 48000U);
	KUNIT_EXPECT_EQ(test, asked->period.min, 1024U);
	KUNIT_EXPECT_EQ(test, asked->buffer.max, 4096U);
	/* The one before: the configuration, its rates left to the backend. */
	asked = &xsf_test_req(test, tp->sc, XENSND_OP_HW_PARAM_QUERY, 1)->req.op.hw_param;
	KUNIT_EXPECT_EQ(test, asked->channels.min, 2U);
	KUNIT_EXPECT_EQ(test, asked->channels.max, 2U);
	KUNIT_EXPECT_LT(test, asked->rates.min, 48000U);

	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, 1024, 4), 0);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY], 3U);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->period_size, 1024UL);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->buffer_size, 4096UL);
}

/*
 * The answer about a narrow space narrows nothing wider: a negotiation
 * that starts again from the whole space is asked about it anew.
 */
static void pcm_query_wider_space_asked_again(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct snd_pcm_hw_params *params;
	const struct snd_mask *fmt;
	unsigned int sent;

	params = pcm_params_new(test);
	pcm_limit(tp->sc, 8000, 48000, 1, 2);
	xsf_test_params_any(params);
	pcm_params_format(params, SNDRV_PCM_FORMAT_S16_LE);
	pcm_refine_again(test, tp, params);
	sent = tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY];
	KUNIT_ASSERT_EQ(test, sent, 1U);

	pcm_refine_any(test, tp, params);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY], sent + 1);
	fmt = hw_param_mask_c(params, SNDRV_PCM_HW_PARAM_FORMAT);
	KUNIT_EXPECT_TRUE(test, snd_mask_test_format(fmt, SNDRV_PCM_FORMAT_S16_LE));
	KUNIT_EXPECT_TRUE(test, snd_mask_test_format(fmt, SNDRV_PCM_FORMAT_S32_LE));
}

static void pcm_query_rejected_still_works(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_HW_PARAM_QUERY, -EINVAL);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, PB / FB, 4), 0);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_unsupported);
	KUNIT_EXPECT_EQ(test, tp->stream->nr_queries_sent, 1U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_TRUE(test, xsf_session_is_open(tp->stream->session));
}

static void pcm_query_no_match_fails(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct snd_pcm_hw_params *params;

	params = pcm_params_new(test);
	pcm_limit(tp->sc, 44100, 44100, 1, 2);
	/* As applications do: first the whole space, then a choice. */
	pcm_refine_any(test, tp, params);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_answered);
	KUNIT_EXPECT_LT(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, tp->stream->query_unsupported);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], 0U);
}

static void pcm_query_timeout_falls_back(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	tp = xsf_test_pcm_open(test, tf, 0);
	sim_backend_set_reply(tp->sc, XENSND_OP_HW_PARAM_QUERY, SIM_REPLY_DROP);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, PB / FB, 4), 0);
	KUNIT_EXPECT_EQ(test, tp->stream->nr_queries_sent, 1U);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_unsupported);
}

/* ------------------------------------------------------------------ */
/* Backend errors                                                      */
/* ------------------------------------------------------------------ */

static void pcm_open_rejected(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_OPEN, -EBUSY);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-EBUSY);
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_FALSE(test, tp->sc->opened);
	sim_backend_clear_status(tp->sc, XENSND_OP_OPEN);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_TRUE(test, xsf_session_is_open(tp->stream->session));
}

static void pcm_open_timeout(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	tp = xsf_test_pcm_setup(test, tf, 0);
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, SIM_REPLY_DROP);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, SIM_REPLY_NORMAL);
}

static void pcm_write_error_xruns(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state, SNDRV_PCM_STATE_RUNNING);
	sim_backend_set_status(tp->sc, XENSND_OP_WRITE, -EIO);
	xsf_test_pcm_feed(test, tp, PB);
	/* The failed WRITE's answer did not interrupt: the next event takes it. */
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state, SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state, SNDRV_PCM_STATE_XRUN);
}

/*
 * A running playback's WRITE answers do not interrupt: the position
 * event of the next period takes them.  One interrupt a period, not two.
 */
static void pcm_running_write_answers_wait_for_the_event(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct sim_chan *sc = tp->sc;
	unsigned int irqs;

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
	irqs = sc->nr_ring_irqs;
	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_ASSERT_EQ(test, sc->nr_reqs[XENSND_OP_WRITE], 2U);
	KUNIT_EXPECT_EQ(test, sc->nr_ring_irqs, irqs);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 1U);

	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 3ULL * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 0U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(2 * PB / FB));
	KUNIT_EXPECT_EQ(test, sc->nr_ring_irqs, irqs);

	/* A STOP's answer interrupts, and brings the WRITE's before it. */
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 1U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, sc->nr_ring_irqs, irqs + 1);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 0U);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(sc), XENSND_OP_TRIGGER_STOP);
}

/*
 * A backend that answers a STOP before the WRITEs sent quiet before it:
 * those answers interrupt when they come, nobody waits for them in vain.
 */
static void pcm_quiet_answers_after_a_control_interrupt(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct sim_chan *sc = tp->sc;
	unsigned int irqs;

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	sim_backend_set_reply(sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_ASSERT_EQ(test, sc->nr_held, 1U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(sc), XENSND_OP_TRIGGER_STOP);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 1U);
	irqs = sc->nr_ring_irqs;
	sim_backend_set_reply(sc, XENSND_OP_WRITE, SIM_REPLY_NORMAL);
	sim_backend_release(sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, sc->nr_ring_irqs, irqs + 1);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 0U);
}

/* What the tracepoints reported, through probes as perf attaches them. */
struct pcm_trace_seen {
	unsigned int requests;
	unsigned int writes;
	unsigned int answers;
	unsigned int failed_answers;
	unsigned int positions;
	unsigned int xruns;
	unsigned int foreign;
};

static void pcm_trace_name(struct pcm_trace_seen *seen,
			   struct xsf_trace_id tid)
{
	/* The test's device is device/vsnd/0; its second stream plays. */
	if (tid.dev != 0 || tid.stream != 1)
		seen->foreign++;
}

static void pcm_trace_request(void *data, const struct xsf_ring *ring,
			      const struct xensnd_req *req)
{
	struct pcm_trace_seen *seen = data;

	pcm_trace_name(seen, ring->tid);
	seen->requests++;
	seen->writes += req->operation == XENSND_OP_WRITE;
}

static void pcm_trace_response(void *data, const struct xsf_ring *ring,
			       const struct xensnd_resp *resp, int status)
{
	struct pcm_trace_seen *seen = data;

	pcm_trace_name(seen, ring->tid);
	seen->answers++;
	seen->failed_answers += status != 0;
}

static void pcm_trace_event(void *data, const struct xsf_evtq *q,
			    const struct xensnd_evt *evt)
{
	struct pcm_trace_seen *seen = data;

	pcm_trace_name(seen, q->tid);
	seen->positions += evt->type == XENSND_EVT_CUR_POS;
}

static void pcm_trace_xrun(void *data, struct xsf_trace_id tid, int err,
			   u64 hw_bytes, u64 appl_bytes)
{
	struct pcm_trace_seen *seen = data;

	pcm_trace_name(seen, tid);
	seen->xruns++;
}

static void pcm_trace_unregister(void *data)
{
	unregister_trace_xsf_request(pcm_trace_request, data);
	unregister_trace_xsf_response(pcm_trace_response, data);
	unregister_trace_xsf_event(pcm_trace_event, data);
	unregister_trace_xsf_xrun(pcm_trace_xrun, data);
	tracepoint_synchronize_unregister();
}

/*
 * Every request, answer, event and xrun reaches the tracepoints, named
 * by device and stream.  (Kernels without tracepoints skip this.)
 */
static void pcm_tracepoints_report_everything(struct kunit *test)
{
	struct pcm_trace_seen *seen;
	struct xsf_test_front *tf;
	struct xsf_test_pcm *tp;
	unsigned int op, sent = 0;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "the kernel has no tracepoints");
	seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	tf = xsf_test_connected(test, "p,p");
	KUNIT_ASSERT_EQ(test, register_trace_xsf_request(pcm_trace_request, seen), 0);
	KUNIT_ASSERT_EQ(test, register_trace_xsf_response(pcm_trace_response, seen), 0);
	KUNIT_ASSERT_EQ(test, register_trace_xsf_event(pcm_trace_event, seen), 0);
	KUNIT_ASSERT_EQ(test, register_trace_xsf_xrun(pcm_trace_xrun, seen), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pcm_trace_unregister,
							seen), 0);

	tp = xsf_test_pcm_prepared(test, tf, 1);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_pos(tp, 2 * PB);
	sim_backend_set_status(tp->sc, XENSND_OP_WRITE, -EIO);
	xsf_test_pcm_feed(test, tp, PB);
	/* A running WRITE's answer is taken with the next event. */
	KUNIT_EXPECT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state, SNDRV_PCM_STATE_XRUN);

	for (op = 0; op < SIM_NR_OPS; op++)
		sent += tp->sc->nr_reqs[op];
	KUNIT_EXPECT_GT(test, sent, 0U);
	KUNIT_EXPECT_EQ(test, seen->requests, sent);
	KUNIT_EXPECT_EQ(test, seen->answers, sent);
	KUNIT_EXPECT_EQ(test, seen->writes, tp->sc->nr_reqs[XENSND_OP_WRITE]);
	/* the data before the failure and the failed WRITE */
	KUNIT_EXPECT_GE(test, seen->writes, 2U);
	KUNIT_EXPECT_EQ(test, seen->failed_answers, 1U);
	KUNIT_EXPECT_EQ(test, seen->positions, 2U);
	KUNIT_EXPECT_EQ(test, seen->xruns, 1U);
	KUNIT_EXPECT_EQ(test, seen->foreign, 0U);
}

static void pcm_write_error_before_start_fails_start(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_WRITE, -EIO);
	/* A whole period goes out before the start, and fails. */
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_START),
			-EIO);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_TRIGGER], 0U);
	/* A new prepare clears the error. */
	sim_backend_set_status(tp->sc, XENSND_OP_WRITE, 0);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state, SNDRV_PCM_STATE_RUNNING);
}

static void pcm_query_leaves_rate_and_channels_open(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);

	/* As alsa-lib does: only the format fixed, the rest refined. */
	pcm_limit(tp->sc, 44100, 44100, 1, 1);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->rate, 44100U);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->channels, 1U);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_answered);
}

static void pcm_trigger_refused_xruns(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_TRIGGER, -EINVAL);
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state, SNDRV_PCM_STATE_XRUN);
}

static void pcm_close_sends_close(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_close(tp);
	sim_backend_sync(tf->sim);
	/* Stopped, closed on the backend, buffer revoked. */
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], 2U);
	KUNIT_EXPECT_FALSE(test, tp->sc->opened);
	KUNIT_EXPECT_EQ(test, xsf_test_req(test, tp->sc, XENSND_OP_TRIGGER, 1)->req.op.trigger.type,
			XENSND_OP_TRIGGER_STOP);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 2U);
	KUNIT_EXPECT_NULL(test, tf->front->channels[0].link);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&tp->stream->link));
	KUNIT_EXPECT_FALSE(test, xsf_card_busy(tf->front));
}

static void pcm_backend_lost_with_stream_open(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_front *front = tf->front;

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	/* The backend unmaps everything and leaves. */
	sim_backend_detach_all(tf->sim);
	xsf_bus_backend_changed(front, XenbusStateClosing);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state,
			SNDRV_PCM_STATE_DISCONNECTED);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 1);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&tp->stream->link));
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
	/*
	 * The open stream keeps its buffer (2 pages + directory), but the
	 * departed backend loses access to it.
	 */
	flush_work(&tp->stream->revoke_work);
	KUNIT_EXPECT_EQ(test, tp->stream->session, XSF_SESSION_REVOKED);
	KUNIT_EXPECT_EQ(test, tp->stream->buf.nr_pages, 2U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	/* Using the stream now fails instead of touching freed channels. */
	KUNIT_EXPECT_LT(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);

	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 0);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
}

/*
 * A backend that leaves with a buffer page still mapped: that grant cannot
 * be taken back and stays until the page is unmapped; the others end.
 */
static void pcm_backend_lost_still_mapping(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	grant_ref_t kept = tp->stream->buf.grefs[1];
	unsigned int freed;

	sim_backend_detach_all(tf->sim);
	KUNIT_ASSERT_NOT_NULL(test, xsf_fake_io_backend_map(kept));
	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	flush_work(&tp->stream->revoke_work);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 1U);
	KUNIT_EXPECT_EQ(test, tp->stream->buf.grefs[1], kept);
	KUNIT_EXPECT_EQ(test, tp->stream->buf.grefs[0], 0U);
	KUNIT_EXPECT_EQ(test, tp->stream->buf.dir_grefs[0], 0U);

	/*
	 * Closing ends the grant but hands the mapped page to the grant
	 * table, which frees it only once unmapped.
	 */
	freed = xsf_fake_io.nr_pages_freed;
	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, freed);
	xsf_fake_io_backend_unmap(kept);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, freed + 1);
}

static void pcm_open_without_channel_fails(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_card *xcard = tf->front->card->private_data;
	struct snd_pcm_substream *sub;
	struct file *file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);
	struct snd_pcm *pcm = xcard->pcms[0];
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, file);
	/* Resumed guest: channels gone, card kept, backend not back yet. */
	KUNIT_ASSERT_EQ(test, xsf_bus_resume(tf->front), 0);
	mutex_lock(&pcm->open_mutex);
	ret = snd_pcm_open_substream(pcm, SNDRV_PCM_STREAM_PLAYBACK, file,
				     &sub);
	if (!ret)
		snd_pcm_release_substream(sub);
	mutex_unlock(&pcm->open_mutex);
	KUNIT_EXPECT_EQ(test, ret, -ENODEV);
}

static void pcm_prepare_rebinds_after_resume(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct sim_chan *sc;

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_bus_suspend(tf->front), 0);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->state,
			SNDRV_PCM_STATE_SUSPENDED);
	/* Saved and restored: a new grant table, as after xl restore. */
	xsf_fake_io_xen_restore();
	KUNIT_ASSERT_EQ(test, xsf_bus_resume(tf->front), 0);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&tp->stream->link));

	tf->xb->state = XenbusStateInitialising;
	sim_backend_detach_all(tf->sim);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	sc = tf->sim->chans[0];
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_PTR_EQ(test, tp->stream->link.chan, &tf->front->channels[0]);
	/* The card was kept (volume known already): just the stream's OPEN. */
	KUNIT_ASSERT_EQ(test, sc->nr_reqs[XENSND_OP_OPEN], 1U);
	KUNIT_EXPECT_EQ(test, sim_backend_find(sc, XENSND_OP_OPEN, 0)->req.op.open.pcm_rate,
			48000U);
	KUNIT_EXPECT_EQ(test, sim_backend_find(sc, XENSND_OP_OPEN, 0)->req.op.open.period_sz,
			PB);
	KUNIT_EXPECT_TRUE(test, sc->opened);
	/* The grants were made anew after the restore and map fine. */
	KUNIT_EXPECT_EQ(test, sc->nr_dir_errors, 0U);
	KUNIT_EXPECT_EQ(test, sc->nr_bad, 0U);
}

/* ------------------------------------------------------------------ */
/* ALSA's rules                                                        */
/* ------------------------------------------------------------------ */

/*
 * A period is reported once per boundary crossed.  Reported again while
 * the pointer is still in the same period, and more than half a buffer's
 * time after the last report (as right after PAUSE_RELEASE), ALSA would
 * take it for a doubled interrupt and move the pointer a whole buffer on.
 */
/* As if the backend's last position report came @ms milliseconds ago. */
static void pcm_report_age(struct xsf_test_pcm *tp, unsigned int ms)
{
	snd_pcm_stream_lock_irq(tp->sub);
	tp->stream->pos_time = ktime_sub_ns(ktime_get(), (u64)ms * NSEC_PER_MSEC);
	snd_pcm_stream_unlock_irq(tp->sub);
}

/*
 * Between reports the playback pointer moves on with time, as a DMA
 * pointer does, up to one period past the last report; it never goes
 * back when a report comes in behind it, and it stands still while the
 * stream is paused.
 */
static void pcm_pointer_moves_between_reports(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_pcm_clock_runs = true;
	xsf_test_pcm_feed(test, tp, 4 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	pcm_report_age(tp, 2);
	/* 2 ms at 48 kHz: 96 frames on, still below a period on */
	KUNIT_EXPECT_GE(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(PB / FB + 96));
	KUNIT_EXPECT_LT(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(2 * PB / FB));
	pcm_report_age(tp, 1000);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(2 * PB / FB - 1));
	/*
	 * A report behind the guess: the pointer waits for it.  The clock
	 * stands still for this check, as a slow kernel (KASAN) takes
	 * milliseconds from one line to the next.
	 */
	xsf_pcm_clock_runs = false;
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(2 * PB / FB - 1));
	xsf_pcm_clock_runs = true;
	pcm_report_age(tp, 1000);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp),
			(snd_pcm_uframes_t)((2 * PB + PB / 2) / FB - 1));
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_pause(tp, true), 0);
	pcm_report_age(tp, 1000);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp),
			(snd_pcm_uframes_t)((2 * PB + PB / 2) / FB - 1));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_PAUSED);
}

/*
 * The guess never reaches what the application wrote, nor what the
 * backend has not confirmed: an underrun (or the end of a drain) is
 * found by the backend's reports only, and only confirmed data may be
 * written over.
 */
static void pcm_pointer_guess_stays_below_data(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_pcm_clock_runs = true;
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB + PB / 2);
	pcm_report_age(tp, 1000);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(2 * PB / FB - 1));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	/* Written, but not confirmed: the guess stops at the confirmed part. */
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_write(tp, PB), (long)(PB / FB));
	sim_backend_sync(tf->sim);
	xsf_test_pcm_pos(tp, 2 * PB - 2 * FB);
	pcm_report_age(tp, 1000);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(2 * PB / FB - 1));
	/* Confirmed: a period past the report, short of the last frame. */
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_NORMAL);
	sim_backend_release(tp->sc);
	sim_backend_sync(tf->sim);
	/* The answer did not interrupt (a running WRITE's): an event takes it. */
	KUNIT_EXPECT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	pcm_report_age(tp, 1000);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(3 * PB / FB - 3));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
}

/*
 * The backend played a whole buffer before ALSA looked (a short buffer,
 * a late report): as an offset into the buffer that is no move at all,
 * and ALSA would wait for a period that never comes.  The pointer stops
 * a frame short of it, so that the application can write on; the next
 * report takes it the rest of the way.
 */
static void pcm_pointer_sees_a_whole_buffer_played(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	const snd_pcm_uframes_t buffer = XSF_TEST_BUFFER_BYTES / FB;

	xsf_test_pcm_feed(test, tp, XSF_TEST_BUFFER_BYTES);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, XSF_TEST_BUFFER_BYTES);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), buffer - 1);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_pos(tp, XSF_TEST_BUFFER_BYTES + PB / 2);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), buffer + PB / 2 / FB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_data, (size_t)(XSF_TEST_BUFFER_BYTES + PB));
}

/* A configuration (S16_LE, stereo) and whether the floors let it in. */
struct pcm_floor_case {
	unsigned int rate;
	unsigned int period;
	unsigned int periods;
	bool allowed;
};

static const struct pcm_floor_case pcm_floor_cases[] = {
	/* Periods: at least 5 ms, 240 frames at 48 kHz, 40 at 8 kHz. */
	{ 48000, 128, 16, false },
	{ 48000, 239, 16, false },
	{ 48000, 240, 16, true },
	{ 8000, 40, 16, true },
	/* Buffers: at least 20 ms, 960 frames at 48 kHz. */
	{ 48000, 240, 2, false },
	{ 48000, 479, 2, false },
	{ 48000, 240, 4, true },
	{ 48000, 480, 2, true },
};

/*
 * Periods shorter than 5 ms and buffers shorter than 20 ms are refused
 * at hw_params time.  Each period costs a request and its answer through
 * another domain, and the application refills the buffer only after a
 * position report came that way: two 5 ms periods are not enough, four
 * are.  A sound server asking for less (PipeWire halves its 256-frame
 * quantum for a batch device) gets the nearest configuration allowed.
 */
static void pcm_period_and_buffer_floors(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	const struct pcm_floor_case *c;
	struct snd_pcm_hw_params *params;
	int ret;

	for (c = pcm_floor_cases; c < pcm_floor_cases + ARRAY_SIZE(pcm_floor_cases); c++) {
		ret = xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE, c->rate,
					     2, c->period, c->periods);
		if (c->allowed)
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%u Hz, %u x %u frames",
					    c->rate, c->periods, c->period);
		else
			KUNIT_EXPECT_LT_MSG(test, ret, 0, "%u Hz, %u x %u frames",
					    c->rate, c->periods, c->period);
	}
	params = pcm_params_new(test);
	pcm_refine_any(test, tp, params);
	KUNIT_EXPECT_GE(test, hw_param_interval(params, SNDRV_PCM_HW_PARAM_PERIOD_TIME)->min,
			5000U);
	KUNIT_EXPECT_GE(test, hw_param_interval(params, SNDRV_PCM_HW_PARAM_BUFFER_TIME)->min,
			20000U);
}

static void pcm_period_reported_once_per_boundary(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct snd_pcm_runtime *runtime = tp->sub->runtime;

	xsf_test_pcm_feed(test, tp, 4 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	KUNIT_EXPECT_EQ(test, runtime->hw_ptr_interrupt, (snd_pcm_uframes_t)(PB / FB));
	runtime->hw_ptr_jiffies -= HZ;
	xsf_test_pcm_pos(tp, PB + 4 * FB);
	/* Not reported: ALSA reads it when it asks. */
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	KUNIT_EXPECT_EQ(test, tp->sub->ops->pointer(tp->sub),
			(snd_pcm_uframes_t)(PB / FB + 4));
	runtime->hw_ptr_jiffies -= HZ;
	xsf_test_pcm_pos(tp, 2 * PB + 4 * FB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(2 * PB / FB + 4));
	KUNIT_EXPECT_EQ(test, runtime->hw_ptr_interrupt,
			(snd_pcm_uframes_t)(2 * PB / FB));
	/* Across the buffer's end: one report, one buffer on. */
	xsf_test_pcm_feed(test, tp, 2 * PB);
	runtime->hw_ptr_jiffies -= HZ;
	xsf_test_pcm_pos(tp, 4 * PB + 8 * FB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(4 * PB / FB + 8));
	KUNIT_EXPECT_EQ(test, xsf_pcm_state(runtime), SNDRV_PCM_STATE_RUNNING);
}

/* A position taken as the new reference without moving is no period. */
static void pcm_rebase_without_movement_not_reported(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct snd_pcm_runtime *runtime = tp->sub->runtime;

	xsf_test_pcm_feed(test, tp, 4 * PB);
	xsf_test_pcm_start(test, tp);
	tp->stream->start_jiffies = jiffies;	/* no time has passed */
	runtime->hw_ptr_jiffies -= HZ;
	xsf_test_pcm_pos(tp, 986880);
	/*
	 * Taken as the new reference: the stream moved no more than the
	 * clock allows, nothing unless a jiffy passed meanwhile (a slow,
	 * sanitizing kernel).
	 */
	KUNIT_EXPECT_LE(test, tp->stream->pos.stream,
			div_u64((u64)jiffies_to_msecs(jiffies - tp->stream->start_jiffies) *
				tp->stream->byte_rate, 1000));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	KUNIT_EXPECT_EQ(test, runtime->hw_ptr_interrupt, 0UL);
}

/*
 * Capture: the pointer is what READ answers delivered, reported when it
 * crosses a boundary; a position without a READ moves nothing.
 */
static void pcm_capture_period_per_read(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "c");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct snd_pcm_runtime *runtime = tp->sub->runtime;

	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)((PB + PB / 2) / FB));
	KUNIT_EXPECT_EQ(test, runtime->hw_ptr_interrupt, (snd_pcm_uframes_t)(PB / FB));
	runtime->hw_ptr_jiffies -= HZ;
	xsf_test_pcm_pos(tp, 2 * PB - FB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 1U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)((PB + PB / 2) / FB));
	runtime->hw_ptr_jiffies -= HZ;
	xsf_test_pcm_pos(tp, 3 * PB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_READ], 2U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(3 * PB / FB));
	KUNIT_EXPECT_EQ(test, runtime->hw_ptr_interrupt,
			(snd_pcm_uframes_t)(3 * PB / FB));
}

/*
 * A PAUSE the backend refuses would leave ALSA PAUSED while the backend
 * plays on: the stream is stopped (STOP sent) with an xrun instead.
 */
static void pcm_pause_refused_stops_with_xrun(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	sim_backend_set_status(tp->sc, XENSND_OP_TRIGGER, -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_pause(tp, true), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc),
			(int)XENSND_OP_TRIGGER_STOP);
	KUNIT_EXPECT_EQ(test, tp->stream->pause_support, XSF_PAUSE_REFUSED);
	KUNIT_EXPECT_FALSE(test, xsf_run_running(tp->stream->run));
	/* The refused STOP leaves the session to the next prepare. */
	KUNIT_EXPECT_TRUE(test, xsf_session_needs_stop(tp->stream->session));
	sim_backend_clear_status(tp->sc, XENSND_OP_TRIGGER);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	KUNIT_EXPECT_FALSE(test, xsf_session_needs_stop(tp->stream->session));
	/* START, PAUSE, our STOP, and the prepare's STOP. */
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_TRIGGER], 4U);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc),
			(int)XENSND_OP_TRIGGER_STOP);
}

/* A PAUSE that cannot be sent fails, and the stream runs on. */
static void pcm_pause_unsent_fails(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	unsigned int i;

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	/* Every entry of the stream's table outstanding. */
	snd_pcm_stream_lock_irq(tp->sub);
	for (i = 0; i < ARRAY_SIZE(tp->stream->inflight); i++)
		if (!tp->stream->inflight[i].used) {
			tp->stream->inflight[i].used = true;
			tp->stream->inflight[i].id = U16_MAX - i;
		}
	snd_pcm_stream_unlock_irq(tp->sub);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_pause(tp, true), -EBUSY);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_TRUE(test, xsf_run_running(tp->stream->run));
	snd_pcm_stream_lock_irq(tp->sub);
	memset(tp->stream->inflight, 0, sizeof(tp->stream->inflight));
	snd_pcm_stream_unlock_irq(tp->sub);
}

/*
 * Nothing is sent while paused, not even when an earlier WRITE is
 * answered; what the application wrote meanwhile goes after RESUME.
 */
static void pcm_nothing_sent_while_paused(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_write(tp, PB), (long)(PB / FB));
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_pause(tp, true), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_write(tp, PB), (long)(PB / FB));
	sim_backend_sync(tf->sim);
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_NORMAL);
	sim_backend_release(tp->sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 3ULL * PB);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_pause(tp, false), 0);
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 3U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 2, 3 * PB, PB);
	KUNIT_EXPECT_GT(test, xsf_test_log_index(tp->sc, XENSND_OP_WRITE, 2),
			xsf_test_log_index(tp->sc, XENSND_OP_TRIGGER, 2));
	KUNIT_EXPECT_EQ(test, xsf_test_req(test, tp->sc, XENSND_OP_TRIGGER,
					   2)->req.op.trigger.type,
			XENSND_OP_TRIGGER_RESUME);
}

/*
 * HW_REFINE on a prepared stream (an answer not in the cache) keeps its
 * backend session: START works without a new OPEN.
 */
static void pcm_refine_keeps_prepared_session(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct snd_pcm_hw_params *params;
	unsigned int queries = tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY];
	unsigned int closes = tp->sc->nr_reqs[XENSND_OP_CLOSE];
	unsigned int opens = tp->sc->nr_reqs[XENSND_OP_OPEN];

	params = pcm_params_new(test);
	mutex_lock(&tp->stream->query_lock);
	tp->stream->nr_queries = 0;
	mutex_unlock(&tp->stream->query_lock);
	pcm_refine_any(test, tp, params);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], closes);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY], queries);
	KUNIT_EXPECT_TRUE(test, xsf_session_is_open(tp->stream->session));
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], opens);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/*
 * The stream's session follows what was sent and answered, and its run
 * what ALSA's triggers asked for.
 */
static void pcm_session_follows_requests(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_pcm_stream *stream = tp->stream;
	unsigned int opens = tp->sc->nr_reqs[XENSND_OP_OPEN];

	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_OPEN);
	KUNIT_EXPECT_EQ(test, stream->run, XSF_RUN_STOPPED);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_FED);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_STARTED);
	KUNIT_EXPECT_EQ(test, stream->run, XSF_RUN_RUNNING);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_pause(tp, true), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_PAUSED);
	KUNIT_EXPECT_EQ(test, stream->run, XSF_RUN_STOPPED);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_pause(tp, false), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_STARTED);
	KUNIT_EXPECT_EQ(test, stream->run, XSF_RUN_RUNNING);
	/* The STOP answered, the session is clean and is reused. */
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_OPEN);
	KUNIT_EXPECT_EQ(test, stream->run, XSF_RUN_STOPPED);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_OPEN);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], opens);
	xsf_test_pcm_close(tp);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, stream->session, XSF_SESSION_CLOSED);
	KUNIT_EXPECT_EQ(test, stream->link_state, XSF_PCM_UNLINKED);
}

/*
 * A STOP the backend refused leaves the session as it is: the next
 * prepare stops it again and, refused again, opens the stream afresh
 * instead of reusing a session that may still be playing.
 */
static void pcm_refused_stop_keeps_session(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	unsigned int closes = tp->sc->nr_reqs[XENSND_OP_CLOSE];
	unsigned int opens = tp->sc->nr_reqs[XENSND_OP_OPEN];

	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_start(test, tp);
	sim_backend_set_status(tp->sc, XENSND_OP_TRIGGER, -EIO);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_DROP), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_TRUE(test, xsf_session_needs_stop(tp->stream->session));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], closes + 1);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], opens + 1);
	KUNIT_EXPECT_TRUE(test, tp->sc->opened);
	KUNIT_EXPECT_FALSE(test, xsf_session_needs_stop(tp->stream->session));
	sim_backend_clear_status(tp->sc, XENSND_OP_TRIGGER);
}

/*
 * RESET of a running stream: ALSA's application pointer moves to its
 * hardware pointer without .ack; the driver follows, so writing on is
 * no rewind, and data sent before is not sent twice.
 */
static void pcm_reset_running_follows(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	int ret;

	xsf_test_pcm_feed(test, tp, 4 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_reset(tp), 0);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->control->appl_ptr,
			(snd_pcm_uframes_t)(PB / FB));
	/* Back into what was sent (all of it, here): refused, as any rewind. */
	snd_pcm_stream_lock_irq(tp->sub);
	tp->sub->runtime->control->appl_ptr -= 4;
	ret = tp->sub->ops->ack(tp->sub);
	tp->sub->runtime->control->appl_ptr += 4;
	snd_pcm_stream_unlock_irq(tp->sub);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_write(tp, PB), (long)(PB / FB));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_write(tp, 2 * PB), (long)(2 * PB / FB));
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 1U);
	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_write(tp, PB), (long)(PB / FB));
	sim_backend_sync(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 1, 0, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
}

/* RESET of a prepared stream: the backend drops what it was given. */
static void pcm_reset_prepared_starts_over(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, 2 * PB);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_reset(tp), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_test_last_trigger(tp->sc),
			(int)XENSND_OP_TRIGGER_STOP);
	KUNIT_EXPECT_EQ(test, tp->sc->written_since_stop, 0ULL);
	tp->written = 0;
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	xsf_test_pcm_expect_rw(test, tp, XENSND_OP_WRITE, 1, 0, PB);
	/* Paused, the backend holds its place: refused, nothing moved. */
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB / 2);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hwsync(tp), (snd_pcm_uframes_t)(PB / 2 / FB));
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_pause(tp, true), 0);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_reset(tp), -EBUSY);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / 2 / FB));
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->control->appl_ptr,
			(snd_pcm_uframes_t)(PB / FB));
}

/*
 * A drain that ends inside a period: the report that finds everything
 * played ends it, without waiting for a period that never comes.
 */
static void pcm_drain_ends_inside_period(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	xsf_test_pcm_feed(test, tp, PB + PB / 2);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_trigger(tp, SNDRV_PCM_TRIGGER_DRAIN), 0);
	snd_pcm_stream_lock_irq(tp->sub);
	tp->sub->runtime->state = SNDRV_PCM_STATE_DRAINING;
	tp->sub->runtime->status->state = SNDRV_PCM_STATE_DRAINING;
	snd_pcm_stream_unlock_irq(tp->sub);
	sim_backend_sync(tf->sim);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_DRAINING);
	xsf_test_pcm_pos(tp, PB + PB / 4);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), (snd_pcm_uframes_t)(PB / FB));
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)((PB + PB / 2) / FB));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_SETUP);
}

/* After a CLOSE that timed out, the next OPEN is preceded by a CLOSE. */
static void pcm_close_timeout_closes_before_open(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp;
	unsigned int closes, opens;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	tp = xsf_test_pcm_prepared(test, tf, 0);
	closes = tp->sc->nr_reqs[XENSND_OP_CLOSE];
	opens = tp->sc->nr_reqs[XENSND_OP_OPEN];
	sim_backend_set_reply(tp->sc, XENSND_OP_CLOSE, SIM_REPLY_DROP);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, PB / FB, BB / PB), 0);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], closes + 1);
	KUNIT_EXPECT_EQ(test, tp->stream->session, XSF_SESSION_IN_DOUBT);
	sim_backend_set_reply(tp->sc, XENSND_OP_CLOSE, SIM_REPLY_NORMAL);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], closes + 2);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], opens + 1);
	KUNIT_EXPECT_LT(test, xsf_test_log_index(tp->sc, XENSND_OP_CLOSE,
						 closes + 1),
			xsf_test_log_index(tp->sc, XENSND_OP_OPEN, opens));
	KUNIT_EXPECT_NE(test, tp->stream->session, XSF_SESSION_IN_DOUBT);
}

static struct kunit_case xsf_pcm_cases[] = {
	KUNIT_CASE(pcm_names_from_cfg),
	KUNIT_CASE(pcm_name_fallbacks),
	KUNIT_CASE(pcm_several_devices_and_streams),
	KUNIT_CASE(pcm_constraints_from_cfg),
	KUNIT_CASE(pcm_prepare_sends_open),
	KUNIT_CASE(pcm_start_and_position),
	KUNIT_CASE(pcm_writes_across_buffer_wrap),
	KUNIT_CASE(pcm_large_write_split_at_wrap),
	KUNIT_CASE(pcm_whole_periods_only),
	KUNIT_CASE(pcm_start_flushes_partial),
	KUNIT_CASE(pcm_drain_flushes_partial),
	KUNIT_CASE(pcm_data_bounded_by_completions),
	KUNIT_CASE(pcm_capture_reads_after_position),
	KUNIT_CASE(pcm_capture_whole_periods),
	KUNIT_CASE(pcm_pause_resume_stop),
	KUNIT_CASE(pcm_events_before_start_ignored),
	KUNIT_CASE(pcm_position_offset),
	KUNIT_CASE(pcm_position_gap_xruns_then_recovers),
	KUNIT_CASE(pcm_restart_event_ids_continue),
	KUNIT_CASE(pcm_page_op),
	KUNIT_CASE(pcm_query_narrows),
	KUNIT_CASE(pcm_query_cached),
	KUNIT_CASE(pcm_query_asked_again_at_each_open),
	KUNIT_CASE(pcm_query_three_questions),
	KUNIT_CASE(pcm_query_wider_space_asked_again),
	KUNIT_CASE(pcm_query_rejected_still_works),
	KUNIT_CASE(pcm_query_no_match_fails),
	KUNIT_CASE(pcm_query_timeout_falls_back),
	KUNIT_CASE(pcm_open_rejected),
	KUNIT_CASE(pcm_open_timeout),
	KUNIT_CASE(pcm_write_error_xruns),
	KUNIT_CASE(pcm_running_write_answers_wait_for_the_event),
	KUNIT_CASE(pcm_quiet_answers_after_a_control_interrupt),
	KUNIT_CASE(pcm_tracepoints_report_everything),
	KUNIT_CASE(pcm_write_error_before_start_fails_start),
	KUNIT_CASE(pcm_query_leaves_rate_and_channels_open),
	KUNIT_CASE(pcm_trigger_refused_xruns),
	KUNIT_CASE(pcm_close_sends_close),
	KUNIT_CASE(pcm_backend_lost_with_stream_open),
	KUNIT_CASE(pcm_backend_lost_still_mapping),
	KUNIT_CASE(pcm_open_without_channel_fails),
	KUNIT_CASE(pcm_prepare_rebinds_after_resume),
	KUNIT_CASE(pcm_period_and_buffer_floors),
	KUNIT_CASE(pcm_period_reported_once_per_boundary),
	KUNIT_CASE(pcm_pointer_moves_between_reports),
	KUNIT_CASE(pcm_pointer_guess_stays_below_data),
	KUNIT_CASE(pcm_pointer_sees_a_whole_buffer_played),
	KUNIT_CASE(pcm_rebase_without_movement_not_reported),
	KUNIT_CASE(pcm_capture_period_per_read),
	KUNIT_CASE(pcm_pause_refused_stops_with_xrun),
	KUNIT_CASE(pcm_pause_unsent_fails),
	KUNIT_CASE(pcm_nothing_sent_while_paused),
	KUNIT_CASE(pcm_refine_keeps_prepared_session),
	KUNIT_CASE(pcm_refused_stop_keeps_session),
	KUNIT_CASE(pcm_session_follows_requests),
	KUNIT_CASE(pcm_reset_running_follows),
	KUNIT_CASE(pcm_reset_prepared_starts_over),
	KUNIT_CASE(pcm_drain_ends_inside_period),
	KUNIT_CASE(pcm_close_timeout_closes_before_open),
	{}
};

static struct kunit_suite xsf_pcm_suite = {
	.name = "snd_xen_front_pcm",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_pcm_cases,
};

kunit_test_suite(xsf_pcm_suite);
