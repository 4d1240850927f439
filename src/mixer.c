// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Mixer controls: per-stream volume (dB scale, per channel) and switch.
 *
 * sndif exchanges volume and mute values through the stream's shared
 * buffer, so they can only reach the backend while the stream is open.
 * Values set while it is closed are kept and sent after the next OPEN.
 *
 * Whether the backend does volume at all is found out at the stream's
 * first OPEN (XENSND_OP_GET_VOLUME), never with an OPEN of its own: card
 * creation sends nothing, and opens no device of the backend's.  Controls
 * exist only for streams whose backend answered: a backend without volume
 * support (snd_be answers -EINVAL) gets no dead controls and no messages.
 * The values travel in a volume area after the audio, which the stream's
 * OPEN includes only once the backend is known to do volume (pcm.c).
 *
 * Scale: control value v in [0, XSF_VOLUME_STEPS] is
 * XSF_VOLUME_MIN_MDB + v * XSF_VOLUME_STEP_MDB millidecibels (sndif's
 * unit), so the top of the range is 0 dB.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
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
	s64 step = div_s64((s64)mdb - XSF_VOLUME_MIN_MDB, XSF_VOLUME_STEP_MDB);

	return clamp_t(s64, step, 0, XSF_VOLUME_STEPS);
}

/* Channels the backend knows for this stream: OPEN's pcm_channels. */
static unsigned int xsf_mixer_open_channels(struct xsf_pcm_stream *stream)
{
	return min_t(unsigned int, stream->open.channels,
		     stream->mixer_channels);
}

/*
 * Send SET_VOLUME, MUTE or UNMUTE for @nr channels through the volume
 * area.  For (UN)MUTE, @mask selects the channels.  Caller holds
 * stream->io_mutex and the stream is open with a volume area.
 */
static int xsf_mixer_send(struct xsf_pcm_stream *stream, u8 operation,
			  unsigned int nr, unsigned long mask)
{
	struct xensnd_req req = { .operation = operation };
	u8 *area = (u8 *)stream->buf.vaddr + stream->volume_offset;
	unsigned int i;

	if (operation == XENSND_OP_SET_VOLUME) {
		s32 *values = (s32 *)area;

		for (i = 0; i < nr; i++)
			values[i] = xsf_mixer_step_to_mdb(stream->volume[i]);
		req.op.rw.length = nr * sizeof(s32);
	} else {
		for (i = 0; i < nr; i++)
			area[i] = test_bit(i, &mask) ? 1 : 0;
		req.op.rw.length = nr;
	}
	req.op.rw.offset = stream->volume_offset;
	return xsf_bus_call(&stream->link, &req, NULL);
}

/**
 * xsf_mixer_probe() - ask the backend whether it does volume
 * @stream: the stream, just opened for the first time; stream->io_mutex
 *	held
 *
 * GET_VOLUME is sent with the start of the audio area as its buffer,
 * which holds no data yet.  An answer makes the volume supported and
 * gives the controls their first values; a refusal (snd_be answers
 * -EINVAL) makes it unsupported, quietly.  A timeout or a lost channel
 * leaves it unknown, to be asked at the next OPEN.
 *
 * Return: 0 when answered, else the errno.
 */
int xsf_mixer_probe(struct xsf_pcm_stream *stream)
{
	struct xensnd_req req = { .operation = XENSND_OP_GET_VOLUME };
	unsigned int i, nr = min_t(unsigned int, stream->open.channels,
				   stream->mixer_channels);
	s32 *values = stream->buf.vaddr;
	int ret;

	req.op.rw.offset = 0;
	req.op.rw.length = nr * sizeof(s32);
	ret = xsf_bus_call(&stream->link, &req, NULL);
	if (ret == -ETIMEDOUT || ret == -EIO) {
		dev_dbg(&stream->xcard->front->xb->dev,
			"stream %s: GET_VOLUME not answered (%d)\n",
			stream->cfg.unique_id, ret);
		return ret;
	}
	if (ret) {
		dev_dbg(&stream->xcard->front->xb->dev,
			"stream %s: backend has no volume control (%d)\n",
			stream->cfg.unique_id, ret);
		stream->volume_support = XSF_VOLUME_UNSUPPORTED;
		return ret;
	}
	for (i = 0; i < nr; i++)
		stream->volume[i] = xsf_mixer_mdb_to_step(READ_ONCE(values[i]));
	/* The audio area starts out silent again. */
	memset(values, 0, nr * sizeof(s32));
	stream->volume_support = XSF_VOLUME_SUPPORTED;
	return 0;
}

/**
 * xsf_mixer_apply() - send the cached mixer values after an OPEN
 * @stream: the stream, just opened with a volume area; stream->io_mutex
 *	held
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
	unsigned int i;
	int changed = 0, ret = 0;

	for (i = 0; i < stream->mixer_channels; i++)
		if (value->value.integer.value[i] < 0 ||
		    value->value.integer.value[i] > XSF_VOLUME_STEPS)
			return -EINVAL;
	mutex_lock(&stream->io_mutex);
	for (i = 0; i < stream->mixer_channels; i++) {
		if (stream->volume[i] != value->value.integer.value[i]) {
			stream->volume[i] = value->value.integer.value[i];
			changed = 1;
		}
	}
	if (changed && xsf_session_is_open(stream->session) &&
	    stream->volume_offset)
		ret = xsf_mixer_send(stream, XENSND_OP_SET_VOLUME,
				     xsf_mixer_open_channels(stream), 0);
	mutex_unlock(&stream->io_mutex);
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
	unsigned long mute = 0, unmute = 0;
	unsigned int i, nr;
	int ret = 0;

	mutex_lock(&stream->io_mutex);
	for (i = 0; i < stream->mixer_channels; i++) {
		bool on = !!value->value.integer.value[i];

		if (on == stream->unmuted[i])
			continue;
		stream->unmuted[i] = on;
		__set_bit(i, on ? &unmute : &mute);
	}
	if (xsf_session_is_open(stream->session) && stream->volume_offset) {
		nr = xsf_mixer_open_channels(stream);
		if (mute)
			ret = xsf_mixer_send(stream, XENSND_OP_MUTE, nr, mute);
		if (!ret && unmute)
			ret = xsf_mixer_send(stream, XENSND_OP_UNMUTE, nr,
					     unmute);
	}
	mutex_unlock(&stream->io_mutex);
	return ret ? ret : !!(mute | unmute);
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
 * xsf_mixer_add_controls() - add the volume and switch controls of a stream
 * @stream: a stream whose backend answered GET_VOLUME
 *
 * Called once per stream, outside the stream's io_mutex (control
 * callbacks take it while ALSA holds the card's control lock).  The
 * controls of the n-th playback (capture) stream with volume get index n.
 *
 * Return: 0 or a negative errno from ALSA.
 */
int xsf_mixer_add_controls(struct xsf_pcm_stream *stream)
{
	struct xsf_card *xcard = stream->xcard;
	unsigned int index;
	int ret = 0;

	mutex_lock(&xcard->controls_lock);
	if (stream->controls_added)
		goto out;
	stream->controls_added = true;
	index = stream->cfg.capture ? xcard->nr_cap_controls++ :
				      xcard->nr_play_controls++;
	ret = xsf_mixer_add(stream, true, index);
	if (!ret)
		ret = xsf_mixer_add(stream, false, index);
	if (ret)
		dev_warn(&xcard->front->xb->dev,
			 "stream %s: cannot add mixer controls: %d\n",
			 stream->cfg.unique_id, ret);
out:
	mutex_unlock(&xcard->controls_lock);
	return ret;
}
