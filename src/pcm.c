// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ALSA PCM operations on sndif streams: the stream's session with the
 * backend and the ALSA operations that drive it (open, close, hw_params,
 * prepare, trigger, ioctl).  The constraints and queries are in
 * pcm_hw.c, the data path in pcm_data.c.
 *
 * What the backend is told (XENSND_OP_OPEN) is exactly what the
 * application configured: buffer_sz is the ALSA buffer, a whole number of
 * periods, and period_sz the ALSA period, because real backends size
 * their own device from them.  Only a backend that answered GET_VOLUME
 * gets a volume area after the audio (whole periods too), which is where
 * sndif.h exchanges volume values.  The stream stays open in the backend
 * across xruns and restarts (TRIGGER STOP, then START) and is opened
 * again only when the parameters or the buffer changed.  What the
 * backend holds of the stream is one state (xsf_session.h), fed every
 * request that went out and every answer; what ALSA's triggers asked for
 * (running, draining) is another.
 *
 * Locking: trigger, ack, pointer and the link's callbacks run under the
 * PCM stream lock (an atomic PCM).  Process-context operations that talk
 * to the backend hold the stream's io_mutex.  Everything goes through the
 * stream's link to its channel (xsf_bus.h): answers are matched against
 * the current run's table of requests, so an answer of an earlier run is
 * ignored; closing a substream detaches the link, which waits until
 * nothing of the stream is outstanding or can still call back, so no
 * answer or event touches a substream ALSA is freeing.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <sound/core.h>
#include <sound/pcm.h>
#include <sound/pcm_params.h>

#include "xsf_alsa.h"

static const struct xsf_link_ops xsf_pcm_link_ops;
static void xsf_pcm_revoke_work(struct work_struct *work);

/**
 * xsf_pcm_stream_init() - set up a stream's state at card creation
 * @stream: the stream (zeroed)
 * @xcard: the card
 * @index: the stream's channel index
 * @pcm_index: PCM device number
 * @cfg: the stream's configuration, copied
 */
void xsf_pcm_stream_init(struct xsf_pcm_stream *stream, struct xsf_card *xcard,
			 unsigned int index, unsigned int pcm_index,
			 const struct xsf_stream_cfg *cfg)
{
	unsigned int i;

	stream->xcard = xcard;
	stream->index = index;
	stream->pcm_index = pcm_index;
	stream->cfg = *cfg;
	xsf_bus_link_init(&stream->link, xcard->front, index,
			  &xsf_pcm_link_ops, stream);
	mutex_init(&stream->io_mutex);
	mutex_init(&stream->query_lock);
	INIT_WORK(&stream->revoke_work, xsf_pcm_revoke_work);
	init_waitqueue_head(&stream->idle_wait);
	for (i = 0; i < cfg->hw.nr_rates; i++)
		stream->rate_list[i] = cfg->hw.rates[i];
	stream->rate_constraint.count = cfg->hw.nr_rates;
	stream->rate_constraint.list = stream->rate_list;
	stream->mixer_channels = cfg->hw.channels_max;
	for (i = 0; i < XSF_MAX_CHANNELS; i++) {
		stream->volume[i] = XSF_VOLUME_STEPS;
		stream->unmuted[i] = true;
	}
}

/**
 * xsf_pcm_stream_fini() - undo xsf_pcm_stream_init()
 * @stream: a stream of a card being freed; nothing uses it any more
 *
 * Waits for a revocation of its buffer grants that may still be queued.
 * Does nothing for a stream that was never initialised (zeroed).
 */
void xsf_pcm_stream_fini(struct xsf_pcm_stream *stream)
{
	if (stream->xcard)
		cancel_work_sync(&stream->revoke_work);
}

/* The same, from process context without the stream lock. */
static void xsf_pcm_session_event_irq(struct xsf_pcm_stream *stream,
				      enum xsf_session_event event)
{
	snd_pcm_stream_lock_irq(stream->substream);
	xsf_pcm_session_event(stream, event);
	snd_pcm_stream_unlock_irq(stream->substream);
}

/**
 * xsf_pcm_call() - blocking request on the stream's channel
 * @stream: the stream
 * @req: the request
 * @resp: receives the response (may be NULL)
 *
 * Return: 0, a backend errno, -ETIMEDOUT, or -EIO when not connected.
 */
int xsf_pcm_call(struct xsf_pcm_stream *stream, struct xensnd_req *req,
		 struct xensnd_resp *resp)
{
	return xsf_bus_call(&stream->link, req, resp);
}

/*
 * XENSND_OP_OPEN with the stream's buffer described for @params.
 * Caller holds stream->io_mutex; the stream is not open.
 */
static int xsf_pcm_backend_open(struct xsf_pcm_stream *stream,
				const struct xsf_open_params *params)
{
	struct xensnd_req req = { .operation = XENSND_OP_OPEN };
	int ret;

	req.op.open.pcm_rate = params->rate;
	req.op.open.pcm_format = params->format;
	req.op.open.pcm_channels = params->channels;
	req.op.open.buffer_sz = params->buffer_sz;
	req.op.open.period_sz = params->period_sz;
	req.op.open.gref_directory = xsf_shbuf_describe(&stream->buf,
							params->buffer_sz);
	stream->nr_opens++;
	ret = xsf_pcm_call(stream, &req, NULL);
	if (ret) {
		/* Unanswered, the backend may have opened it all the same. */
		xsf_pcm_session_event_irq(stream, ret == -ETIMEDOUT ?
					  XSF_SESSION_OPEN_TIMEOUT :
					  XSF_SESSION_OPEN_REFUSED);
		dev_err(xsf_pcm_dev(stream),
			"backend refused to open stream %s (%s, %u Hz, %u channels, buffer %u, period %u): %d\n",
			stream->cfg.unique_id,
			xsf_cfg_format_name(params->format), params->rate,
			params->channels, params->buffer_sz, params->period_sz,
			ret);
		return ret;
	}
	snd_pcm_stream_lock_irq(stream->substream);
	xsf_pcm_session_event(stream, XSF_SESSION_OPEN_DONE);
	stream->open = *params;
	stream->open_buf_gen = stream->buf_gen;
	stream->volume_offset = params->buffer_sz > stream->buffer_bytes ?
				stream->buffer_bytes : 0;
	snd_pcm_stream_unlock_irq(stream->substream);
	return 0;
}

/*
 * Make sure the backend holds nothing of an earlier run: data given to
 * a stream that never started (ALSA sends no STOP when such a stream is
 * dropped) would otherwise be played before the next run's.  Caller
 * holds io_mutex.
 */
static int xsf_pcm_backend_stop(struct xsf_pcm_stream *stream)
{
	struct xensnd_req req = { .operation = XENSND_OP_TRIGGER };
	bool stop;
	int ret;

	snd_pcm_stream_lock_irq(stream->substream);
	stop = xsf_session_needs_stop(stream->session);
	if (stop)
		xsf_pcm_session_event(stream, XSF_SESSION_STOP_SENT);
	snd_pcm_stream_unlock_irq(stream->substream);
	if (!stop)
		return 0;
	req.op.trigger.type = XENSND_OP_TRIGGER_STOP;
	ret = xsf_pcm_call(stream, &req, NULL);
	/* Refused, the session may still hold data or play. */
	xsf_pcm_session_event_irq(stream, ret ? XSF_SESSION_STOP_REFUSED :
					  XSF_SESSION_STOP_DONE);
	if (ret)
		dev_warn(xsf_pcm_dev(stream), "stream %s: backend refused STOP: %d\n",
			 stream->cfg.unique_id, ret);
	return ret;
}

/**
 * xsf_pcm_backend_close() - close the stream in the backend if it is open
 * @stream: the stream; caller holds stream->io_mutex
 *
 * A stream that was started or given data is stopped first: a backend
 * that drains its device on CLOSE (snd_be) would otherwise play what it
 * still has, or hold the answer back until it has.
 *
 * Return: 0 or a negative errno; the stream counts as closed either way,
 * except that after a timeout the next OPEN is preceded by a CLOSE.
 */
int xsf_pcm_backend_close(struct xsf_pcm_stream *stream)
{
	struct xensnd_req req = { .operation = XENSND_OP_CLOSE };
	struct snd_pcm_substream *substream = stream->substream;
	bool stop;
	int ret;

	if (!xsf_session_needs_close(stream->session))
		return 0;
	snd_pcm_stream_lock_irq(substream);
	stop = xsf_session_needs_stop(stream->session);
	xsf_pcm_session_event(stream, XSF_SESSION_CLOSE_SENT);
	stream->volume_offset = 0;
	snd_pcm_stream_unlock_irq(substream);
	if (stop) {
		struct xensnd_req stop_req = { .operation = XENSND_OP_TRIGGER };

		stop_req.op.trigger.type = XENSND_OP_TRIGGER_STOP;
		ret = xsf_pcm_call(stream, &stop_req, NULL);
		if (ret)
			dev_dbg(xsf_pcm_dev(stream), "STOP before CLOSE of %s: %d\n",
				stream->cfg.unique_id, ret);
	}
	ret = xsf_pcm_call(stream, &req, NULL);
	/*
	 * Unanswered, the CLOSE may still be carried out or not: the next
	 * OPEN is preceded by another CLOSE.
	 */
	xsf_pcm_session_event_irq(stream, ret == -ETIMEDOUT ?
				  XSF_SESSION_CLOSE_TIMEOUT :
				  XSF_SESSION_CLOSE_DONE);
	if (ret && ret != -EIO)
		dev_warn(xsf_pcm_dev(stream), "backend did not close stream %s: %d\n",
			 stream->cfg.unique_id, ret);
	return ret;
}

/* Link the stream to its channel of the current connection. */
static int xsf_pcm_bind(struct xsf_pcm_stream *stream)
{
	int ret = xsf_bus_attach(&stream->link, stream->xcard->generation);

	if (ret)
		return ret;
	/*
	 * A session in doubt stays so: a CLOSE that timed out for the
	 * previous user of this connection's channel is closed again before
	 * the next OPEN.
	 */
	snd_pcm_stream_lock_irq(stream->substream);
	stream->link_state = XSF_PCM_LINKED;
	xsf_pcm_session_event(stream, XSF_SESSION_REBOUND);
	snd_pcm_stream_unlock_irq(stream->substream);
	return 0;
}

/*
 * Undo xsf_pcm_bind(); when this returns nothing of the stream is
 * outstanding or can still call back.
 */
static void xsf_pcm_unbind(struct xsf_pcm_stream *stream)
{
	snd_pcm_stream_lock_irq(stream->substream);
	stream->link_state = XSF_PCM_UNLINKED;
	snd_pcm_stream_unlock_irq(stream->substream);
	wake_up(&stream->idle_wait);
	xsf_bus_detach(&stream->link);
}

/*
 * ALSA sets substream->private_data to pcm->private_data (the card) each
 * time it attaches a substream: find the stream and point to it from now
 * until the substream is closed.
 */
static struct xsf_pcm_stream *xsf_pcm_find_stream(struct snd_pcm_substream *substream)
{
	struct xsf_card *xcard = snd_pcm_substream_chip(substream);
	unsigned int i;

	for (i = 0; i < xcard->nr_streams; i++)
		if (xcard->streams[i].substream == substream)
			return &xcard->streams[i];
	return NULL;
}

static int xsf_pcm_open(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = xsf_pcm_find_stream(substream);
	int ret;

	if (!stream)
		return -ENODEV;
	substream->private_data = stream;
	ret = xsf_pcm_bind(stream);
	if (ret)
		return ret;
	snd_pcm_stream_lock_irq(substream);
	xsf_pcm_run_event(stream, XSF_RUN_STOP);
	snd_pcm_stream_unlock_irq(substream);
	xsf_pcm_queries_reset(stream);
	ret = xsf_pcm_constraints(stream, substream->runtime);
	if (ret)
		xsf_pcm_unbind(stream);
	return ret;
}

static int xsf_pcm_close(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = substream->private_data;

	/* hw_free closed the backend stream already, if it had one. */
	xsf_pcm_unbind(stream);
	return 0;
}

static void xsf_pcm_free_buffer(struct xsf_pcm_stream *stream)
{
	struct snd_pcm_runtime *runtime = stream->substream->runtime;

	xsf_shbuf_free(&stream->buf);
	if (runtime) {
		runtime->dma_area = NULL;
		runtime->dma_bytes = 0;
	}
}

/*
 * Octets of the volume area for @channels channels: whole periods, so
 * that buffer_sz stays a whole number of periods with it.
 */
static u32 xsf_pcm_volume_bytes(u32 period_bytes, unsigned int channels)
{
	return roundup(channels * sizeof(s32), period_bytes);
}

static int xsf_pcm_hw_params(struct snd_pcm_substream *substream,
			     struct snd_pcm_hw_params *params)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	struct snd_pcm_runtime *runtime = substream->runtime;
	u32 buffer_bytes = params_buffer_bytes(params);
	u32 period_bytes = params_period_bytes(params);
	size_t size = buffer_bytes;
	int ret = 0;

	/* Room for volume values unless the backend is known to lack them. */
	if (stream->volume_support != XSF_VOLUME_UNSUPPORTED)
		size += xsf_pcm_volume_bytes(period_bytes,
					     params_channels(params));
	mutex_lock(&stream->io_mutex);
	xsf_pcm_backend_close(stream);
	if (stream->buf.size != size) {
		xsf_pcm_free_buffer(stream);
		ret = xsf_shbuf_alloc(stream->xcard->front->xb, &stream->buf,
				      size);
		stream->buf_gen++;
		stream->buf_epoch = xsf_bus_grant_epoch(stream->xcard->front);
		/* Nothing of the new buffer was revoked. */
		xsf_pcm_session_event_irq(stream, XSF_SESSION_GRANTED);
	}
	if (!ret) {
		stream->buffer_bytes = buffer_bytes;
		stream->period_bytes = period_bytes;
		stream->frame_bytes = params_physical_width(params) / 8 *
				      params_channels(params);
		stream->byte_rate = params_rate(params) * stream->frame_bytes;
	}
	mutex_unlock(&stream->io_mutex);
	if (ret)
		return ret;
	runtime->dma_area = stream->buf.vaddr;
	runtime->dma_addr = 0;
	runtime->dma_bytes = buffer_bytes;
	return 0;
}

static int xsf_pcm_hw_free(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = substream->private_data;

	mutex_lock(&stream->io_mutex);
	xsf_pcm_backend_close(stream);
	xsf_pcm_free_buffer(stream);
	mutex_unlock(&stream->io_mutex);
	return 0;
}

/*
 * After a restore the guest has a new grant table: the buffer's grants
 * from before mean nothing to the new backend.  After the backend went
 * away the grants were ended (xsf_pcm_revoke_work()).  Either way, grant
 * the same pages again, so that an application's mmap of the buffer
 * stays valid, and open the stream anew.  Caller holds io_mutex.
 */
static int xsf_pcm_regrant(struct xsf_pcm_stream *stream)
{
	struct xsf_front *front = stream->xcard->front;
	unsigned int epoch = xsf_bus_grant_epoch(front);
	int ret;

	if (!stream->buf.nr_pages ||
	    (stream->buf_epoch == epoch &&
	     stream->session != XSF_SESSION_REVOKED))
		return 0;
	ret = xsf_shbuf_regrant(front->xb, &stream->buf);
	if (ret) {
		dev_err(xsf_pcm_dev(stream), "stream %s: cannot grant the buffer again: %d\n",
			stream->cfg.unique_id, ret);
		return ret;
	}
	stream->buf_epoch = epoch;
	xsf_pcm_session_event_irq(stream, XSF_SESSION_GRANTED);
	stream->buf_gen++;
	return 0;
}

/*
 * Open the backend stream for @params unless it is open with exactly
 * these parameters and this buffer already.  Caller holds io_mutex.
 * Return 0 or a negative errno.
 */
static int xsf_pcm_backend_setup(struct xsf_pcm_stream *stream,
				 struct xsf_open_params *params)
{
	int ret;

	if (stream->volume_support == XSF_VOLUME_SUPPORTED)
		params->buffer_sz += xsf_pcm_volume_bytes(params->period_sz,
							  params->channels);
	/*
	 * The same session is reused after a STOP; a backend that refused
	 * the STOP may hold anything, so its stream is closed and opened
	 * afresh.
	 */
	if (xsf_session_is_open(stream->session) &&
	    stream->open_buf_gen == stream->buf_gen &&
	    !memcmp(&stream->open, params, sizeof(*params)) &&
	    !xsf_pcm_backend_stop(stream))
		return 0;
	xsf_pcm_backend_close(stream);
	ret = xsf_pcm_backend_open(stream, params);
	if (ret || stream->volume_support != XSF_VOLUME_UNKNOWN)
		return ret;
	/*
	 * First OPEN of this stream: ask whether the backend does volume,
	 * using the start of the audio area, which holds no data yet.  If
	 * it does, open again with a volume area after the audio.
	 */
	xsf_mixer_probe(stream);
	if (stream->volume_support != XSF_VOLUME_SUPPORTED)
		return 0;
	xsf_pcm_backend_close(stream);
	params->buffer_sz += xsf_pcm_volume_bytes(params->period_sz,
						  params->channels);
	return xsf_pcm_backend_open(stream, params);
}

static int xsf_pcm_prepare(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct xsf_open_params params = { 0 };
	bool add_controls;
	int format, ret = 0;

	format = xsf_pcm_format_from_alsa(runtime->format);
	if (format < 0)
		return -EINVAL;
	mutex_lock(&stream->io_mutex);
	if (stream->link_state != XSF_PCM_LINKED) {
		/*
		 * The channel went away since the last prepare: link to the
		 * new connection's, once it is there (a resumed guest's
		 * applications prepare again while it is being made).
		 */
		ret = xsf_pcm_bind(stream);
		if (ret == -ENODEV &&
		    !xsf_bus_wait_connected(stream->xcard->front,
					    xsf_request_timeout_ms))
			ret = xsf_pcm_bind(stream);
		if (ret) {
			mutex_unlock(&stream->io_mutex);
			return ret;
		}
	}
	ret = xsf_pcm_regrant(stream);
	if (!ret && xsf_bus_link_broken(&stream->link)) {
		dev_err(xsf_pcm_dev(stream), "stream %s: the ring to the backend is disconnected until it connects again\n",
			stream->cfg.unique_id);
		ret = -EIO;
	}
	if (ret) {
		mutex_unlock(&stream->io_mutex);
		return ret;
	}

	/*
	 * A run that ended without a STOP from ALSA (a refused PAUSE) may
	 * have our own STOP outstanding: its answer counts.  ALSA resets the
	 * application pointer to 0 right after .prepare (snd_pcm_do_prepare()
	 * then snd_pcm_post_prepare()), so do not take the value of the
	 * previous run.
	 */
	xsf_pcm_wait_quiet(stream);
	xsf_pcm_new_run(stream);

	params.rate = runtime->rate;
	params.format = format;
	params.channels = runtime->channels;
	params.period_sz = stream->period_bytes;
	params.buffer_sz = stream->buffer_bytes;
	ret = xsf_pcm_backend_setup(stream, &params);
	if (!ret && stream->volume_offset)
		xsf_mixer_apply(stream);
	add_controls = stream->volume_support == XSF_VOLUME_SUPPORTED &&
		       !stream->controls_added;
	mutex_unlock(&stream->io_mutex);
	/* Outside io_mutex: control callbacks take it under the card's lock. */
	if (add_controls)
		xsf_mixer_add_controls(stream);
	return ret;
}

/* Say so when a run ends after the backend had stopped reporting. */
static void xsf_pcm_check_stalled(struct xsf_pcm_stream *stream)
{
	unsigned long quiet = jiffies - stream->pos_jiffies;
	u64 buffer_ms = stream->byte_rate ?
			div_u64((u64)stream->buffer_bytes * 1000,
				stream->byte_rate) : 0;

	if (xsf_run_running(stream->run) &&
	    jiffies_to_msecs(quiet) > max_t(u64, 5000, 2 * buffer_ms))
		dev_warn(xsf_pcm_dev(stream),
			 "stream %s stopped: no position from the backend for %u ms\n",
			 stream->cfg.unique_id, jiffies_to_msecs(quiet));
}

static int xsf_pcm_trigger(struct snd_pcm_substream *substream, int cmd)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	int ret;

	switch (cmd) {
	case SNDRV_PCM_TRIGGER_START:
		/* Everything written before the start goes out first. */
		if (stream->data_error)
			return stream->data_error;
		ret = xsf_pcm_flush(stream, true);
		if (!ret)
			ret = xsf_pcm_trigger_send(stream,
						   XENSND_OP_TRIGGER_START);
		if (ret) {
			dev_warn(xsf_pcm_dev(stream), "stream %s: cannot start: %d\n",
				 stream->cfg.unique_id, ret);
			return ret;
		}
		xsf_pcm_run_event(stream, XSF_RUN_START);
		stream->start_jiffies = jiffies;
		stream->pos_jiffies = jiffies;
		stream->pos_time = ktime_get();
		return 0;
	case SNDRV_PCM_TRIGGER_RESUME:
	case SNDRV_PCM_TRIGGER_PAUSE_RELEASE:
		ret = xsf_pcm_trigger_send(stream, XENSND_OP_TRIGGER_RESUME);
		if (ret) {
			dev_warn(xsf_pcm_dev(stream), "stream %s: cannot resume: %d\n",
				 stream->cfg.unique_id, ret);
			return ret;
		}
		xsf_pcm_run_event(stream, XSF_RUN_RELEASE);
		stream->pos_jiffies = jiffies;
		stream->pos_time = ktime_get();
		/* Data written while paused goes out now, after the RESUME. */
		return xsf_pcm_flush(stream, xsf_run_draining(stream->run));
	case SNDRV_PCM_TRIGGER_STOP:
		xsf_pcm_check_stalled(stream);
		xsf_pcm_run_event(stream, XSF_RUN_STOP);
		/* A stop must succeed; a lost channel stops by itself. */
		xsf_pcm_stop_session(stream);
		return 0;
	case SNDRV_PCM_TRIGGER_PAUSE_PUSH:
		/* A pause that cannot be sent fails: the stream plays on. */
		ret = xsf_pcm_trigger_send(stream, XENSND_OP_TRIGGER_PAUSE);
		if (ret) {
			dev_warn(xsf_pcm_dev(stream), "stream %s: cannot pause: %d\n",
				 stream->cfg.unique_id, ret);
			return ret;
		}
		xsf_pcm_run_event(stream, XSF_RUN_HOLD);
		return 0;
	case SNDRV_PCM_TRIGGER_SUSPEND:
		/*
		 * ALSA ignores the result: a stream that cannot be paused is
		 * stopped, and its RESUME then fails with an xrun.
		 */
		xsf_pcm_run_event(stream, XSF_RUN_HOLD);
		if (xsf_pcm_trigger_send(stream, XENSND_OP_TRIGGER_PAUSE))
			xsf_pcm_stop_session(stream);
		return 0;
	case SNDRV_PCM_TRIGGER_DRAIN:
		xsf_pcm_run_event(stream, XSF_RUN_DRAIN);
		return xsf_pcm_flush(stream, true);
	default:
		return -EINVAL;
	}
}

/*
 * The run is over: wait (bounded) until the backend answered what was
 * outstanding, then until the channel's handlers are done with the run,
 * so that nothing of it reaches the next run or a freed runtime.
 */
static int xsf_pcm_sync_stop(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = substream->private_data;

	xsf_pcm_wait_quiet(stream);
	xsf_bus_quiesce(&stream->link);
	return 0;
}

/*
 * SNDRV_PCM_IOCTL1_RESET, before ALSA's own handling: ALSA then moves
 * its application pointer to the hardware pointer (snd_pcm_post_reset())
 * without .ack.  It comes from SNDRV_PCM_IOCTL_RESET and from every
 * prepare (snd_pcm_do_prepare(), in the state before it).  A prepared
 * stream starts its run again: the backend drops what it was given.  A
 * paused or suspended one cannot follow ALSA, which would set its
 * pointers to 0 while the backend holds its place: refused, before ALSA
 * changed anything.  Process context, without the stream lock.
 */
static int xsf_pcm_reset_prepare(struct xsf_pcm_stream *stream)
{
	int ret;

	switch (xsf_pcm_state(stream->substream->runtime)) {
	case SNDRV_PCM_STATE_PAUSED:
	case SNDRV_PCM_STATE_SUSPENDED:
		dev_dbg(xsf_pcm_dev(stream), "stream %s: RESET refused while paused\n",
			stream->cfg.unique_id);
		return -EBUSY;
	case SNDRV_PCM_STATE_PREPARED:
		mutex_lock(&stream->io_mutex);
		xsf_pcm_wait_quiet(stream);
		ret = xsf_pcm_backend_stop(stream);
		if (!ret)
			xsf_pcm_new_run(stream);
		mutex_unlock(&stream->io_mutex);
		return ret;
	default:
		return 0;
	}
}

/*
 * After ALSA's handling of SNDRV_PCM_IOCTL1_RESET: a running stream's
 * hardware pointer is within the buffer now, and the application pointer
 * goes there; the driver follows.  What was sent already cannot be taken
 * back: the backend plays it, and data written again over it is not sent.
 */
static void xsf_pcm_reset_follow(struct xsf_pcm_stream *stream)
{
	struct snd_pcm_substream *substream = stream->substream;
	struct snd_pcm_runtime *runtime = substream->runtime;
	u64 hw;
	u32 offset;

	snd_pcm_stream_lock_irq(substream);
	if (xsf_pcm_state(runtime) == SNDRV_PCM_STATE_RUNNING &&
	    stream->buffer_bytes) {
		hw = xsf_pcm_hw_bytes(stream);
		div_u64_rem(hw, stream->buffer_bytes, &offset);
		stream->appl_seen = runtime->status->hw_ptr;
		stream->appl_bytes = hw - offset +
				     frames_to_bytes(runtime, stream->appl_seen);
		if (stream->appl_bytes > hw && hw >= stream->buffer_bytes)
			stream->appl_bytes -= stream->buffer_bytes;
	}
	snd_pcm_stream_unlock_irq(substream);
}

static int xsf_pcm_ioctl(struct snd_pcm_substream *substream, unsigned int cmd,
			 void *arg)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	int ret;

	if (cmd != SNDRV_PCM_IOCTL1_RESET)
		return snd_pcm_lib_ioctl(substream, cmd, arg);
	ret = xsf_pcm_reset_prepare(stream);
	if (!ret)
		ret = snd_pcm_lib_ioctl(substream, cmd, arg);
	if (!ret)
		xsf_pcm_reset_follow(stream);
	return ret;
}

/*
 * The link's loss callback: the channel is being freed (the backend went
 * away, or the guest resumes); a running stream stops with an xrun and
 * will link to the next connection's channel at its next prepare.
 */
static void xsf_pcm_lost(void *ctx)
{
	struct xsf_pcm_stream *stream = ctx;
	unsigned long flags;

	snd_pcm_stream_lock_irqsave(stream->substream, flags);
	stream->link_state = XSF_PCM_UNLINKED;
	xsf_pcm_session_event(stream, XSF_SESSION_LOST);
	stream->volume_offset = 0;
	if (stream->substream->runtime && snd_pcm_running(stream->substream)) {
		dev_warn(xsf_pcm_dev(stream), "stream %s: the backend went away\n",
			 stream->cfg.unique_id);
		snd_pcm_stop(stream->substream, SNDRV_PCM_STATE_XRUN);
	}
	snd_pcm_stream_unlock_irqrestore(stream->substream, flags);
	wake_up(&stream->idle_wait);
	/* Its buffer must not stay open to a domain that left. */
	schedule_work(&stream->revoke_work);
}

/*
 * The backend went away with the stream's buffer granted: end every
 * grant it does not map, unless the stream linked to a new connection
 * meanwhile (its prepare then granted what it needs).  The pages stay:
 * an application may have them mapped.
 */
static void xsf_pcm_revoke_work(struct work_struct *work)
{
	struct xsf_pcm_stream *stream =
		container_of(work, struct xsf_pcm_stream, revoke_work);
	unsigned int in_use;

	mutex_lock(&stream->io_mutex);
	if (stream->link_state == XSF_PCM_LINKED || !stream->buf.nr_pages ||
	    stream->session == XSF_SESSION_REVOKED)
		goto out;
	in_use = xsf_shbuf_revoke(&stream->buf);
	/*
	 * The substream is still there: pages are held from hw_params to
	 * hw_free, so the PCM (freed with the card before its private_free
	 * cancels this work) has not gone yet.
	 */
	xsf_pcm_session_event_irq(stream, XSF_SESSION_REVOKE);
	if (in_use)
		dev_warn(xsf_pcm_dev(stream), "stream %s: the backend left %u buffer pages mapped; their grants end when it unmaps them\n",
			 stream->cfg.unique_id, in_use);
out:
	mutex_unlock(&stream->io_mutex);
}

static const struct xsf_link_ops xsf_pcm_link_ops = {
	.done = xsf_pcm_answer,
	.event = xsf_pcm_event,
	.lost = xsf_pcm_lost,
};

const struct snd_pcm_ops xsf_pcm_ops = {
	.open = xsf_pcm_open,
	.close = xsf_pcm_close,
	.hw_params = xsf_pcm_hw_params,
	.hw_free = xsf_pcm_hw_free,
	.ioctl = xsf_pcm_ioctl,
	.prepare = xsf_pcm_prepare,
	.trigger = xsf_pcm_trigger,
	.sync_stop = xsf_pcm_sync_stop,
	.pointer = xsf_pcm_pointer,
	.ack = xsf_pcm_ack,
	.page = xsf_pcm_page,
};

