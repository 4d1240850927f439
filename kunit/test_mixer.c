// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_mixer: volume and mute controls against the
 * simulated backend.  Controls are found with snd_ctl_find_id() and their
 * get/put callbacks called as the control layer does.  They exist once a
 * stream's first OPEN found the backend answering GET_VOLUME.
 */
#include <kunit/test.h>
#include <sound/control.h>

#include "xsf_kunit_helpers.h"

#define PB	XSF_TEST_PERIOD_BYTES

static struct xsf_test_front *mixer_connect(struct kunit *test,
					    const char *layout,
					    int get_volume_status,
					    int open_status, s32 volume)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, layout);

	tf->sim->default_volume = volume;
	if (get_volume_status) {
		tf->sim->default_ops[XENSND_OP_GET_VOLUME].set_status = true;
		tf->sim->default_ops[XENSND_OP_GET_VOLUME].status =
			get_volume_status;
	}
	if (open_status) {
		tf->sim->default_ops[XENSND_OP_OPEN].set_status = true;
		tf->sim->default_ops[XENSND_OP_OPEN].status = open_status;
	}
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	return tf;
}

static struct snd_kcontrol *mixer_find(struct xsf_test_front *tf,
				       const char *name, unsigned int device,
				       unsigned int subdevice,
				       unsigned int index)
{
	struct snd_ctl_elem_id id = {
		.iface = SNDRV_CTL_ELEM_IFACE_MIXER,
		.device = device,
		.subdevice = subdevice,
		.index = index,
	};

	strscpy(id.name, name, sizeof(id.name));
	return snd_ctl_find_id(tf->front->card, &id);
}

static struct snd_kcontrol *mixer_get_ctl(struct kunit *test,
					  struct xsf_test_front *tf,
					  const char *name)
{
	struct snd_kcontrol *kctl = mixer_find(tf, name, 0, 0, 0);

	KUNIT_ASSERT_NOT_NULL_MSG(test, kctl, "%s", name);
	return kctl;
}

static int mixer_put(struct kunit *test, struct snd_kcontrol *kctl,
		     long v0, long v1)
{
	struct snd_ctl_elem_value *value;

	value = kunit_kzalloc(test, sizeof(*value), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, value);
	value->value.integer.value[0] = v0;
	value->value.integer.value[1] = v1;
	return kctl->put(kctl, value);
}

static long mixer_get(struct kunit *test, struct snd_kcontrol *kctl,
		      unsigned int channel)
{
	struct snd_ctl_elem_value *value;

	value = kunit_kzalloc(test, sizeof(*value), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, value);
	KUNIT_ASSERT_EQ(test, kctl->get(kctl, value), 0);
	return value->value.integer.value[channel];
}

static struct xsf_test_pcm *mixer_prepared(struct kunit *test,
					   struct xsf_test_front *tf,
					   unsigned int channels)
{
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);

	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, channels,
						     PB / (2 * channels), 4),
			0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	return tp;
}

static s32 mixer_payload_s32(const struct sim_log_entry *e, unsigned int i)
{
	s32 v;

	memcpy(&v, e->payload + i * sizeof(s32), sizeof(v));
	return v;
}

/* The n-th OPEN the backend saw on @sc. */
static const struct xensnd_open_req *mixer_open_req(struct kunit *test,
						    struct sim_chan *sc,
						    unsigned int nth)
{
	return &xsf_test_req(test, sc, XENSND_OP_OPEN, nth)->req.op.open;
}

/* Card creation asks the backend nothing and makes no controls. */
static void mixer_nothing_at_card_creation(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "pc", 0, 0, 0);

	KUNIT_EXPECT_EQ(test, tf->sim->chans[0]->nr_log, 0U);
	KUNIT_EXPECT_EQ(test, tf->sim->chans[1]->nr_log, 0U);
	KUNIT_EXPECT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 0, 0));
	KUNIT_EXPECT_NULL(test, mixer_find(tf, "Capture Volume", 0, 0, 0));
	/* Only rings and event pages are granted. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 4U);
}

/*
 * The first OPEN announces exactly the ALSA buffer; GET_VOLUME uses its
 * start; a backend that answers gets the stream opened again with a
 * volume area of whole periods after the audio, and controls appear.
 */
static void mixer_probe_at_first_open(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct sim_chan *sc = tp->sc;
	const struct xensnd_open_req *first, *second;

	/* OPEN, GET_VOLUME, CLOSE, OPEN, after the queries of hw_params. */
	KUNIT_ASSERT_EQ(test, sc->nr_reqs[XENSND_OP_OPEN], 2U);
	KUNIT_ASSERT_EQ(test, sc->nr_reqs[XENSND_OP_GET_VOLUME], 1U);
	KUNIT_ASSERT_EQ(test, sc->nr_reqs[XENSND_OP_CLOSE], 1U);
	KUNIT_EXPECT_LT(test, xsf_test_log_index(sc, XENSND_OP_OPEN, 0),
			xsf_test_log_index(sc, XENSND_OP_GET_VOLUME, 0));
	KUNIT_EXPECT_LT(test, xsf_test_log_index(sc, XENSND_OP_GET_VOLUME, 0),
			xsf_test_log_index(sc, XENSND_OP_CLOSE, 0));
	KUNIT_EXPECT_LT(test, xsf_test_log_index(sc, XENSND_OP_CLOSE, 0),
			xsf_test_log_index(sc, XENSND_OP_OPEN, 1));
	KUNIT_EXPECT_EQ(test, sim_backend_find(sc, XENSND_OP_GET_VOLUME, 0)->req.op.rw.offset,
			0U);
	KUNIT_EXPECT_EQ(test, sim_backend_find(sc, XENSND_OP_GET_VOLUME, 0)->req.op.rw.length,
			2 * sizeof(s32));
	/* No query while the stream was open. */
	KUNIT_EXPECT_LT(test, xsf_test_log_index(sc, XENSND_OP_HW_PARAM_QUERY, 0),
			xsf_test_log_index(sc, XENSND_OP_OPEN, 0));
	KUNIT_EXPECT_EQ(test, xsf_test_log_index(sc, XENSND_OP_HW_PARAM_QUERY,
						 sc->nr_reqs[XENSND_OP_HW_PARAM_QUERY] - 1) <
			xsf_test_log_index(sc, XENSND_OP_OPEN, 0), true);
	first = mixer_open_req(test, sc, 0);
	second = mixer_open_req(test, sc, 1);
	KUNIT_EXPECT_EQ(test, first->buffer_sz, 4 * PB);
	KUNIT_EXPECT_EQ(test, first->period_sz, PB);
	KUNIT_EXPECT_EQ(test, second->buffer_sz, 5 * PB);
	KUNIT_EXPECT_EQ(test, second->buffer_sz % second->period_sz, 0U);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_offset, 4 * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_support, XSF_VOLUME_SUPPORTED);
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 0, 0));
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "PCM Playback Switch", 0, 0, 0));
	KUNIT_EXPECT_EQ(test, sc->nr_dir_errors, 0U);
	KUNIT_EXPECT_EQ(test, sc->nr_bad, 0U);
	/* The audio area is silent again after the probe used it. */
	KUNIT_EXPECT_EQ(test, ((u32 *)tp->stream->buf.vaddr)[0], 0U);
	KUNIT_EXPECT_EQ(test, ((u32 *)tp->stream->buf.vaddr)[1], 0U);
}

/* snd_be answers GET_VOLUME with -EINVAL: no controls, exact buffer. */
static void mixer_absent_when_get_volume_refused(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", -EINVAL, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct sim_chan *sc = tp->sc;

	KUNIT_EXPECT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 0, 0));
	KUNIT_EXPECT_NULL(test, mixer_find(tf, "PCM Playback Switch", 0, 0, 0));
	KUNIT_EXPECT_EQ(test, tp->stream->volume_support, XSF_VOLUME_UNSUPPORTED);
	KUNIT_EXPECT_EQ(test, sc->nr_reqs[XENSND_OP_OPEN], 1U);
	KUNIT_EXPECT_EQ(test, mixer_open_req(test, sc, 0)->buffer_sz, 4 * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_offset, 0U);
	/* Not asked again, not at the next configuration either. */
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, PB / 4, 8), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, sc->nr_reqs[XENSND_OP_GET_VOLUME], 1U);
	KUNIT_EXPECT_EQ(test, mixer_open_req(test, sc, 1)->buffer_sz, 8 * PB);
	/* No volume area was even allocated for it. */
	KUNIT_EXPECT_EQ(test, tp->stream->buf.size, (size_t)(8 * PB));
	KUNIT_EXPECT_EQ(test, sc->nr_bad, 0U);
}

/* An unanswered GET_VOLUME is asked again at the next OPEN. */
static void mixer_probe_retried_after_timeout(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(tp->sc, XENSND_OP_GET_VOLUME, SIM_REPLY_DROP);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, PB / 4, 4), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_support, XSF_VOLUME_UNKNOWN);
	KUNIT_EXPECT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 0, 0));
	sim_backend_set_reply(tp->sc, XENSND_OP_GET_VOLUME, SIM_REPLY_NORMAL);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     48000, 2, PB / 4, 8), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_GET_VOLUME], 2U);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_support, XSF_VOLUME_SUPPORTED);
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 0, 0));
}

static void mixer_initial_volume_from_backend(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, -6000);
	struct snd_kcontrol *vol, *sw;
	struct snd_ctl_elem_info *info;

	mixer_prepared(test, tf, 2);
	vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	sw = mixer_get_ctl(test, tf, "PCM Playback Switch");
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 0), 232L);
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 1), 232L);
	KUNIT_EXPECT_EQ(test, mixer_get(test, sw, 0), 1L);
	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, info);
	KUNIT_ASSERT_EQ(test, vol->info(vol, info), 0);
	KUNIT_EXPECT_EQ(test, info->count, 2U);
	KUNIT_EXPECT_EQ(test, info->value.integer.min, 0L);
	KUNIT_EXPECT_EQ(test, info->value.integer.max, (long)XSF_VOLUME_STEPS);
	KUNIT_ASSERT_EQ(test, sw->info(sw, info), 0);
	KUNIT_EXPECT_EQ(test, info->type, SNDRV_CTL_ELEM_TYPE_BOOLEAN);
}

static void mixer_volume_above_0db_clamped(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 5000);
	struct snd_kcontrol *vol;

	mixer_prepared(test, tf, 2);
	vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 0), (long)XSF_VOLUME_STEPS);
}

static void mixer_volume_below_range_clamped(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, -100000);
	struct snd_kcontrol *vol;

	mixer_prepared(test, tf, 2);
	vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 1), 0L);
}

static void mixer_put_while_closed_is_sent_after_open(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	struct sim_chan *sc = tp->sc;
	const struct sim_log_entry *e;

	xsf_test_pcm_close(tp);
	KUNIT_EXPECT_FALSE(test, sc->opened);
	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 100, 200), 1);
	KUNIT_EXPECT_EQ(test, sc->nr_reqs[XENSND_OP_SET_VOLUME], 0U);
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 0), 100L);
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 1), 200L);

	tp = mixer_prepared(test, tf, 2);
	e = sim_backend_find(sc, XENSND_OP_SET_VOLUME, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	/* Sent right after the OPEN that has a volume area, in that area. */
	KUNIT_EXPECT_GT(test, (int)(e - sc->log),
			(int)(sim_backend_find(sc, XENSND_OP_OPEN, 2) - sc->log));
	KUNIT_EXPECT_EQ(test, mixer_open_req(test, sc, 2)->buffer_sz, 5 * PB);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.offset, 4 * PB);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.length, 2 * sizeof(s32));
	KUNIT_EXPECT_EQ(test, mixer_payload_s32(e, 0), -39000);
	KUNIT_EXPECT_EQ(test, mixer_payload_s32(e, 1), -14000);
	KUNIT_EXPECT_EQ(test, sc->volume[0], -39000);
	KUNIT_EXPECT_EQ(test, sc->nr_bad, 0U);
}

static void mixer_put_while_open_sends(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	const struct sim_log_entry *e;

	/* Full volume everywhere: nothing to restore after the OPEN. */
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_SET_VOLUME], 0U);
	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 0, 256), 1);
	e = sim_backend_find(tp->sc, XENSND_OP_SET_VOLUME, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.offset, tp->stream->volume_offset);
	KUNIT_EXPECT_EQ(test, mixer_payload_s32(e, 0), XSF_VOLUME_MIN_MDB);
	KUNIT_EXPECT_EQ(test, mixer_payload_s32(e, 1), 0);
	KUNIT_EXPECT_EQ(test, tp->sc->volume[0], XSF_VOLUME_MIN_MDB);
	KUNIT_EXPECT_EQ(test, tp->sc->volume[1], 0);
}

static void mixer_put_unchanged_sends_nothing(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	struct snd_kcontrol *sw = mixer_get_ctl(test, tf, "PCM Playback Switch");
	unsigned int before = tp->sc->nr_log;

	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 256, 256), 0);
	KUNIT_EXPECT_EQ(test, mixer_put(test, sw, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_log, before);
}

static void mixer_put_out_of_range(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");

	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 257, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 10, -1), -EINVAL);
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 0), 256L);
	KUNIT_EXPECT_EQ(test, mixer_get(test, vol, 1), 256L);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_SET_VOLUME], 0U);
}

static void mixer_switch_mute_unmute(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *sw = mixer_get_ctl(test, tf, "PCM Playback Switch");
	const struct sim_log_entry *e;

	KUNIT_EXPECT_EQ(test, mixer_put(test, sw, 0, 1), 1);
	e = sim_backend_find(tp->sc, XENSND_OP_MUTE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.offset, tp->stream->volume_offset);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.length, 2U);
	KUNIT_EXPECT_EQ(test, e->payload[0], 1);
	KUNIT_EXPECT_EQ(test, e->payload[1], 0);
	KUNIT_EXPECT_EQ(test, tp->sc->muted[0], 1);
	KUNIT_EXPECT_EQ(test, tp->sc->muted[1], 0);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_UNMUTE], 0U);

	KUNIT_EXPECT_EQ(test, mixer_put(test, sw, 1, 1), 1);
	e = sim_backend_find(tp->sc, XENSND_OP_UNMUTE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->payload[0], 1);
	KUNIT_EXPECT_EQ(test, e->payload[1], 0);
	KUNIT_EXPECT_EQ(test, tp->sc->muted[0], 0);
	KUNIT_EXPECT_EQ(test, mixer_get(test, sw, 0), 1L);
}

static void mixer_mute_restored_after_open(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *sw = mixer_get_ctl(test, tf, "PCM Playback Switch");
	struct sim_chan *sc = tp->sc;
	const struct sim_log_entry *e;

	xsf_test_pcm_close(tp);
	KUNIT_EXPECT_EQ(test, mixer_put(test, sw, 0, 0), 1);
	KUNIT_EXPECT_EQ(test, sc->nr_reqs[XENSND_OP_MUTE], 0U);
	mixer_prepared(test, tf, 2);
	e = sim_backend_find(sc, XENSND_OP_MUTE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->payload[0], 1);
	KUNIT_EXPECT_EQ(test, e->payload[1], 1);
	KUNIT_EXPECT_EQ(test, sc->muted[0], 1);
	KUNIT_EXPECT_EQ(test, sc->muted[1], 1);
	/* Full volume: no SET_VOLUME needed. */
	KUNIT_EXPECT_EQ(test, sc->nr_reqs[XENSND_OP_SET_VOLUME], 0U);
}

static void mixer_set_volume_error(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	struct snd_kcontrol *sw = mixer_get_ctl(test, tf, "PCM Playback Switch");

	sim_backend_set_status(tp->sc, XENSND_OP_SET_VOLUME, -EIO);
	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 1, 2), -EIO);
	sim_backend_set_status(tp->sc, XENSND_OP_MUTE, -EINVAL);
	KUNIT_EXPECT_EQ(test, mixer_put(test, sw, 0, 0), -EINVAL);
}

static void mixer_set_volume_timeout(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 2);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 50);
	sim_backend_set_reply(tp->sc, XENSND_OP_SET_VOLUME, SIM_REPLY_DROP);
	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 1, 2), -ETIMEDOUT);
	sim_backend_set_reply(tp->sc, XENSND_OP_SET_VOLUME, SIM_REPLY_NORMAL);
	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 3, 4), 1);
}

static void mixer_mono_stream_sends_one_value(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "p", 0, 0, 0);
	struct xsf_test_pcm *tp = mixer_prepared(test, tf, 1);
	struct snd_kcontrol *vol = mixer_get_ctl(test, tf, "PCM Playback Volume");
	const struct sim_log_entry *e;

	KUNIT_EXPECT_EQ(test, mixer_put(test, vol, 128, 0), 1);
	e = sim_backend_find(tp->sc, XENSND_OP_SET_VOLUME, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->req.op.rw.length, sizeof(s32));
	KUNIT_EXPECT_EQ(test, mixer_payload_s32(e, 0), -32000);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* Controls appear per stream as streams are first opened. */
static void mixer_indices_per_stream(struct kunit *test)
{
	struct xsf_test_front *tf = mixer_connect(test, "pp,c", 0, 0, 0);
	unsigned int i;

	/* Open all three at once: ALSA hands out the first free substream. */
	for (i = 0; i < 3; i++) {
		struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, i);

		KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
							     48000, 2, PB / 4, 4),
				0);
		KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
				0);
	}
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 0, 0));
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "PCM Playback Volume", 0, 1, 1));
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "PCM Playback Switch", 0, 1, 1));
	KUNIT_EXPECT_NOT_NULL(test, mixer_find(tf, "Capture Volume", 1, 0, 0));
	KUNIT_EXPECT_NULL(test, mixer_find(tf, "Capture Volume", 0, 0, 0));
}

static struct kunit_case xsf_mixer_cases[] = {
	KUNIT_CASE(mixer_nothing_at_card_creation),
	KUNIT_CASE(mixer_probe_at_first_open),
	KUNIT_CASE(mixer_absent_when_get_volume_refused),
	KUNIT_CASE_SLOW(mixer_probe_retried_after_timeout),
	KUNIT_CASE(mixer_initial_volume_from_backend),
	KUNIT_CASE(mixer_volume_above_0db_clamped),
	KUNIT_CASE(mixer_volume_below_range_clamped),
	KUNIT_CASE(mixer_put_while_closed_is_sent_after_open),
	KUNIT_CASE(mixer_put_while_open_sends),
	KUNIT_CASE(mixer_put_unchanged_sends_nothing),
	KUNIT_CASE(mixer_put_out_of_range),
	KUNIT_CASE(mixer_switch_mute_unmute),
	KUNIT_CASE(mixer_mute_restored_after_open),
	KUNIT_CASE(mixer_set_volume_error),
	KUNIT_CASE(mixer_set_volume_timeout),
	KUNIT_CASE(mixer_mono_stream_sends_one_value),
	KUNIT_CASE(mixer_indices_per_stream),
	{}
};

static struct kunit_suite xsf_mixer_suite = {
	.name = "snd_xen_front_mixer",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_mixer_cases,
};

kunit_test_suite(xsf_mixer_suite);
