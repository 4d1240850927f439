// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Mixer controls: per-stream volume (dB scale, per channel) and switch.
 *
 * sndif exchanges volume and mute values through the stream's shared
 * buffer, so they can only reach the backend while the stream is open.
 * Values set while it is closed are kept and sent after the next OPEN.
 * Controls exist only for streams whose backend answered GET_VOLUME when
 * the card was created: a backend without volume support gets no dead
 * controls.
 *
 * Scale: control value v in [0, XSF_VOLUME_STEPS] is
 * XSF_VOLUME_MIN_MDB + v * XSF_VOLUME_STEP_MDB millidecibels (sndif's
 * unit), so the top of the range is 0 dB.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <sound/control.h>
#include <sound/tlv.h>

#include "xsf_alsa.h"

static const DECLARE_TLV_DB_SCALE(xsf_volume_tlv, XSF_VOLUME_MIN_MDB / 10,
				  XSF_VOLUME_STEP_MDB / 10, 0);

static s32 xsf_mixer_step_to_mdb(int step)
{
	return XSF_VOLUME_MIN_MDB + step * XSF_VOLUME_STEP_MDB;
}

static int xsf_mixer_mdb_to_step(s32 mdb)
{
	s64 step = ((s64)mdb - XSF_VOLUME_MIN_MDB) / XSF_VOLUME_STEP_MDB;

	return clamp_t(s64, step, 0, XSF_VOLUME_STEPS);
}

/* Channels the backend knows for this stream (OPEN's pcm_channels). */
static unsigned int xsf_mixer_open_channels(struct xsf_pcm_stream *stream)
{
	struct snd_pcm_runtime *runtime = stream->substream->runtime;

	if (runtime && runtime->channels)
		return min_t(unsigned int, runtime->channels,
			     stream->mixer_channels);
	return stream->mixer_channels;
}

/*
 * Send SET_VOLUME, MUTE or UNMUTE for @nr channels through the control
 * page.  For (UN)MUTE, @mask selects the channels.  Caller holds
 * xcard->io_mutex and the stream is open.
 */
static int xsf_mixer_send(struct xsf_pcm_stream *stream, u8 operation,
			  unsigned int nr, unsigned long mask)
{
	struct xensnd_req req = { .operation = operation };
	u8 *page = (u8 *)stream->buf.vaddr + stream->control_offset;
	unsigned int i;

	if (operation == XENSND_OP_SET_VOLUME) {
		s32 *values = (s32 *)page;

		for (i = 0; i < nr; i++)
			values[i] = xsf_mixer_step_to_mdb(stream->volume[i]);
		req.op.rw.length = nr * sizeof(s32);
	} else {
		for (i = 0; i < nr; i++)
			page[i] = test_bit(i, &mask) ? 1 : 0;
		req.op.rw.length = nr;
	}
	req.op.rw.offset = stream->control_offset;
	return xsf_pcm_call(stream, &req, NULL);
}

/**
 * xsf_mixer_apply() - send the cached mixer values after an OPEN
 * @stream: the stream, just opened; xcard->io_mutex held
 *
 * Return: 0 or the first error.
 */
int xsf_mixer_apply(struct xsf_pcm_stream *stream)
{
	unsigned int i, nr = xsf_mixer_open_channels(stream);
	unsigned long muted = 0;
	bool full = true;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		if (stream->volume[i] != XSF_VOLUME_STEPS)
			full = false;
		if (!stream->unmuted[i])
			__set_bit(i, &muted);
	}
	if (!full)
		ret = xsf_mixer_send(stream, XENSND_OP_SET_VOLUME, nr, 0);
	if (!ret && muted)
		ret = xsf_mixer_send(stream, XENSND_OP_MUTE, nr, muted);
	if (ret)
		dev_warn(&stream->xcard->front->xb->dev,
			 "cannot restore mixer values of stream %s: %d\n",
			 stream->cfg.unique_id, ret);
	return ret;
}

static int xsf_mixer_volume_info(struct snd_kcontrol *kctl,
				 struct snd_ctl_elem_info *uinfo)
{
	struct xsf_pcm_stream *stream = snd_kcontrol_chip(kctl);

	uinfo->type = SNDRV_CTL_ELEM_TYPE_INTEGER;
	uinfo->count = stream->mixer_channels;
	uinfo->value.integer.min = 0;
	uinfo->value.integer.max = XSF_VOLUME_STEPS;
	return 0;
}

static int xsf_mixer_volume_get(struct snd_kcontrol *kctl,
				struct snd_ctl_elem_value *value)
{
	struct xsf_pcm_stream *stream = snd_kcontrol_chip(kctl);
	unsigned int i;

	for (i = 0; i < stream->mixer_channels; i++)
		value->value.integer.value[i] = stream->volume[i];
	return 0;
}

static int xsf_mixer_volume_put(struct snd_kcontrol *kctl,
				struct snd_ctl_elem_value *value)
{
	struct xsf_pcm_stream *stream = snd_kcontrol_chip(kctl);
	struct xsf_card *xcard = stream->xcard;
	unsigned int i;
	int changed = 0, ret = 0;

	for (i = 0; i < stream->mixer_channels; i++)
		if (value->value.integer.value[i] < 0 ||
		    value->value.integer.value[i] > XSF_VOLUME_STEPS)
			return -EINVAL;
	mutex_lock(&xcard->io_mutex);
	for (i = 0; i < stream->mixer_channels; i++) {
		if (stream->volume[i] != value->value.integer.value[i]) {
			stream->volume[i] = value->value.integer.value[i];
			changed = 1;
		}
	}
	if (changed && stream->opened)
		ret = xsf_mixer_send(stream, XENSND_OP_SET_VOLUME,
				     xsf_mixer_open_channels(stream), 0);
	mutex_unlock(&xcard->io_mutex);
	return ret ? ret : changed;
}

static int xsf_mixer_switch_info(struct snd_kcontrol *kctl,
				 struct snd_ctl_elem_info *uinfo)
{
	struct xsf_pcm_stream *stream = snd_kcontrol_chip(kctl);

	uinfo->type = SNDRV_CTL_ELEM_TYPE_BOOLEAN;
	uinfo->count = stream->mixer_channels;
	uinfo->value.integer.min = 0;
	uinfo->value.integer.max = 1;
	return 0;
}

static int xsf_mixer_switch_get(struct snd_kcontrol *kctl,
				struct snd_ctl_elem_value *value)
{
	struct xsf_pcm_stream *stream = snd_kcontrol_chip(kctl);
	unsigned int i;

	for (i = 0; i < stream->mixer_channels; i++)
		value->value.integer.value[i] = stream->unmuted[i];
	return 0;
}

static int xsf_mixer_switch_put(struct snd_kcontrol *kctl,
				struct snd_ctl_elem_value *value)
{
	struct xsf_pcm_stream *stream = snd_kcontrol_chip(kctl);
	struct xsf_card *xcard = stream->xcard;
	unsigned long mute = 0, unmute = 0;
	unsigned int i, nr;
	int ret = 0;

	mutex_lock(&xcard->io_mutex);
	for (i = 0; i < stream->mixer_channels; i++) {
		bool on = !!value->value.integer.value[i];

		if (on == stream->unmuted[i])
			continue;
		stream->unmuted[i] = on;
		__set_bit(i, on ? &unmute : &mute);
	}
	if (stream->opened) {
		nr = xsf_mixer_open_channels(stream);
		if (mute)
			ret = xsf_mixer_send(stream, XENSND_OP_MUTE, nr, mute);
		if (!ret && unmute)
			ret = xsf_mixer_send(stream, XENSND_OP_UNMUTE, nr,
					     unmute);
	}
	mutex_unlock(&xcard->io_mutex);
	return ret ? ret : !!(mute | unmute);
}

/*
 * Ask the backend for the stream's volume.  The stream is opened for the
 * duration with a buffer of just the control page.
 */
static int xsf_mixer_probe(struct xsf_pcm_stream *stream,
			   struct xsf_channel *chan)
{
	const struct xsf_hw_cfg *hw = &stream->cfg.hw;
	struct xensnd_req req = { .operation = XENSND_OP_OPEN };
	struct xsf_shbuf buf;
	unsigned int i;
	s32 *values;
	int ret;

	ret = xsf_shbuf_alloc(stream->xcard->front->xb, &buf, XEN_PAGE_SIZE);
	if (ret)
		return ret;
	req.op.open.pcm_rate = hw->rates[0];
	req.op.open.pcm_format = __ffs64(hw->formats);
	req.op.open.pcm_channels = hw->channels_max;
	req.op.open.buffer_sz = buf.size;
	req.op.open.gref_directory = xsf_shbuf_directory(&buf);
	ret = xsf_ring_call(&chan->ring, &req, NULL);
	if (ret)
		goto out;

	memset(&req, 0, sizeof(req));
	req.operation = XENSND_OP_GET_VOLUME;
	req.op.rw.offset = 0;
	req.op.rw.length = hw->channels_max * sizeof(s32);
	ret = xsf_ring_call(&chan->ring, &req, NULL);
	if (!ret) {
		values = buf.vaddr;
		stream->mixer_channels = hw->channels_max;
		for (i = 0; i < stream->mixer_channels; i++)
			stream->volume[i] =
				xsf_mixer_mdb_to_step(READ_ONCE(values[i]));
	}

	memset(&req, 0, sizeof(req));
	req.operation = XENSND_OP_CLOSE;
	xsf_ring_call(&chan->ring, &req, NULL);
out:
	xsf_shbuf_free(&buf);
	return ret;
}

static int xsf_mixer_add(struct xsf_pcm_stream *stream, bool volume,
			 unsigned int index)
{
	struct snd_kcontrol_new tmpl = {
		.iface = SNDRV_CTL_ELEM_IFACE_MIXER,
		.index = index,
		.device = stream->pcm_index,
		.subdevice = stream->substream->number,
		.access = SNDRV_CTL_ELEM_ACCESS_READWRITE,
	};
	bool capture = stream->cfg.capture;

	if (volume) {
		tmpl.name = capture ? "Capture Volume" : "PCM Playback Volume";
		tmpl.access |= SNDRV_CTL_ELEM_ACCESS_TLV_READ;
		tmpl.tlv.p = xsf_volume_tlv;
		tmpl.info = xsf_mixer_volume_info;
		tmpl.get = xsf_mixer_volume_get;
		tmpl.put = xsf_mixer_volume_put;
	} else {
		tmpl.name = capture ? "Capture Switch" : "PCM Playback Switch";
		tmpl.info = xsf_mixer_switch_info;
		tmpl.get = xsf_mixer_switch_get;
		tmpl.put = xsf_mixer_switch_put;
	}
	return snd_ctl_add(stream->xcard->card, snd_ctl_new1(&tmpl, stream));
}

/**
 * xsf_mixer_create() - add controls for streams with volume support
 * @xcard: the card being created; channels connected
 *
 * Return: 0 or a negative errno from ALSA.  A backend without volume
 * support is not an error.
 */
int xsf_mixer_create(struct xsf_card *xcard)
{
	struct xsf_front *front = xcard->front;
	unsigned int i, nr_play = 0, nr_cap = 0;
	int ret;

	for (i = 0; i < xcard->nr_streams; i++) {
		struct xsf_pcm_stream *stream = &xcard->streams[i];
		unsigned int index;

		if (xsf_mixer_probe(stream, &front->channels[stream->index]))
			continue;
		stream->has_volume = true;
		index = stream->cfg.capture ? nr_cap++ : nr_play++;
		ret = xsf_mixer_add(stream, true, index);
		if (!ret)
			ret = xsf_mixer_add(stream, false, index);
		if (ret)
			return ret;
	}
	return 0;
}
