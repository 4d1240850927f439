// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ALSA PCM operations on sndif streams.
 *
 * The ALSA buffer is the shared buffer: its pages are granted to the
 * backend and mapped contiguously for the kernel, so read/write and mmap
 * access both work without an intermediate copy.  Application pointer
 * moves arrive in .ack (SNDRV_PCM_INFO_SYNC_APPLPTR makes user space
 * report them) and become asynchronous WRITE requests, a whole period or
 * more at a time (partial periods only at start and drain).  Capture
 * positions from the backend become READ requests; data counts as
 * captured once its READ is answered.  No user process waits for a
 * backend round trip in the data path.  ALSA is told a period elapsed
 * when the pointer crossed a period boundary, never more often (see
 * xsf_pcm_period_crossed()); nothing is sent while the stream is paused.
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
 * The hardware constraints come from XenStore and are narrowed with
 * XENSND_OP_HW_PARAM_QUERY; answers are cached per stream, so ALSA's
 * repeated rule evaluation costs one round trip per distinct query.  No
 * query is sent while the backend has the stream open: a backend that
 * opens its device to answer (snd_be) would wait for itself.
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
#include <linux/slab.h>
#include <sound/core.h>
#include <sound/pcm.h>
#include <sound/pcm_params.h>

#include "xsf_alsa.h"

static const snd_pcm_format_t xsf_alsa_formats[] = {
	[XENSND_PCM_FORMAT_S8] = SNDRV_PCM_FORMAT_S8,
	[XENSND_PCM_FORMAT_U8] = SNDRV_PCM_FORMAT_U8,
	[XENSND_PCM_FORMAT_S16_LE] = SNDRV_PCM_FORMAT_S16_LE,
	[XENSND_PCM_FORMAT_S16_BE] = SNDRV_PCM_FORMAT_S16_BE,
	[XENSND_PCM_FORMAT_U16_LE] = SNDRV_PCM_FORMAT_U16_LE,
	[XENSND_PCM_FORMAT_U16_BE] = SNDRV_PCM_FORMAT_U16_BE,
	[XENSND_PCM_FORMAT_S24_LE] = SNDRV_PCM_FORMAT_S24_LE,
	[XENSND_PCM_FORMAT_S24_BE] = SNDRV_PCM_FORMAT_S24_BE,
	[XENSND_PCM_FORMAT_U24_LE] = SNDRV_PCM_FORMAT_U24_LE,
	[XENSND_PCM_FORMAT_U24_BE] = SNDRV_PCM_FORMAT_U24_BE,
	[XENSND_PCM_FORMAT_S32_LE] = SNDRV_PCM_FORMAT_S32_LE,
	[XENSND_PCM_FORMAT_S32_BE] = SNDRV_PCM_FORMAT_S32_BE,
	[XENSND_PCM_FORMAT_U32_LE] = SNDRV_PCM_FORMAT_U32_LE,
	[XENSND_PCM_FORMAT_U32_BE] = SNDRV_PCM_FORMAT_U32_BE,
	[XENSND_PCM_FORMAT_F32_LE] = SNDRV_PCM_FORMAT_FLOAT_LE,
	[XENSND_PCM_FORMAT_F32_BE] = SNDRV_PCM_FORMAT_FLOAT_BE,
	[XENSND_PCM_FORMAT_F64_LE] = SNDRV_PCM_FORMAT_FLOAT64_LE,
	[XENSND_PCM_FORMAT_F64_BE] = SNDRV_PCM_FORMAT_FLOAT64_BE,
	[XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE] =
		SNDRV_PCM_FORMAT_IEC958_SUBFRAME_LE,
	[XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE] =
		SNDRV_PCM_FORMAT_IEC958_SUBFRAME_BE,
	[XENSND_PCM_FORMAT_MU_LAW] = SNDRV_PCM_FORMAT_MU_LAW,
	[XENSND_PCM_FORMAT_A_LAW] = SNDRV_PCM_FORMAT_A_LAW,
	[XENSND_PCM_FORMAT_IMA_ADPCM] = SNDRV_PCM_FORMAT_IMA_ADPCM,
	[XENSND_PCM_FORMAT_MPEG] = SNDRV_PCM_FORMAT_MPEG,
	[XENSND_PCM_FORMAT_GSM] = SNDRV_PCM_FORMAT_GSM,
};

#define XSF_PERIOD_BYTES_MIN	64

/**
 * xsf_pcm_format_to_alsa() - ALSA format of a sndif format
 * @sndif_format: a XENSND_PCM_FORMAT_* value
 *
 * Return: the snd_pcm_format_t value as int, or -EINVAL.
 */
int xsf_pcm_format_to_alsa(unsigned int sndif_format)
{
	if (sndif_format >= ARRAY_SIZE(xsf_alsa_formats))
		return -EINVAL;
	return (__force int)xsf_alsa_formats[sndif_format];
}

/**
 * xsf_pcm_format_from_alsa() - sndif format of an ALSA format
 * @format: the ALSA format
 *
 * Return: the XENSND_PCM_FORMAT_* value, or -EINVAL if sndif has none.
 */
int xsf_pcm_format_from_alsa(snd_pcm_format_t format)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xsf_alsa_formats); i++)
		if (xsf_alsa_formats[i] == format)
			return i;
	return -EINVAL;
}

static u64 xsf_pcm_alsa_mask(u64 sndif_formats)
{
	u64 mask = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xsf_alsa_formats); i++)
		if (sndif_formats & BIT_ULL(i))
			mask |= pcm_format_to_bits(xsf_alsa_formats[i]);
	return mask;
}

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

static struct device *xsf_pcm_dev(struct xsf_pcm_stream *stream)
{
	return &stream->xcard->front->xb->dev;
}

/* Feed the session an event.  Under the stream lock. */
static void xsf_pcm_session_event(struct xsf_pcm_stream *stream,
				  enum xsf_session_event event)
{
	stream->session = xsf_session_next(stream->session, event);
}

/* The same, from process context without the stream lock. */
static void xsf_pcm_session_event_irq(struct xsf_pcm_stream *stream,
				      enum xsf_session_event event)
{
	snd_pcm_stream_lock_irq(stream->substream);
	xsf_pcm_session_event(stream, event);
	snd_pcm_stream_unlock_irq(stream->substream);
}

/* Feed the run a trigger.  Under the stream lock. */
static void xsf_pcm_run_event(struct xsf_pcm_stream *stream,
			      enum xsf_run_event event)
{
	stream->run = xsf_run_next(stream->run, event);
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

/* ------------------------------------------------------------------ */
/* Hardware constraints                                                */
/* ------------------------------------------------------------------ */

static void xsf_pcm_query_from_params(struct snd_pcm_hw_params *params,
				      struct xensnd_query_hw_param *query)
{
	const struct snd_mask *fmt = hw_param_mask_c(params,
						     SNDRV_PCM_HW_PARAM_FORMAT);
	const struct snd_interval *iv;
	unsigned int i;

	memset(query, 0, sizeof(*query));
	for (i = 0; i < ARRAY_SIZE(xsf_alsa_formats); i++)
		if (snd_mask_test_format(fmt, xsf_alsa_formats[i]))
			query->formats |= BIT_ULL(i);
	iv = hw_param_interval_c(params, SNDRV_PCM_HW_PARAM_RATE);
	query->rates.min = iv->min;
	query->rates.max = iv->max;
	iv = hw_param_interval_c(params, SNDRV_PCM_HW_PARAM_CHANNELS);
	query->channels.min = iv->min;
	query->channels.max = iv->max;
	iv = hw_param_interval_c(params, SNDRV_PCM_HW_PARAM_BUFFER_SIZE);
	query->buffer.min = iv->min;
	query->buffer.max = iv->max;
	iv = hw_param_interval_c(params, SNDRV_PCM_HW_PARAM_PERIOD_SIZE);
	query->period.min = iv->min;
	query->period.max = iv->max;
}

static bool xsf_pcm_answer_sane(const struct xensnd_query_hw_param *a)
{
	return a->formats && a->rates.min <= a->rates.max &&
	       a->channels.min <= a->channels.max &&
	       a->buffer.min <= a->buffer.max &&
	       a->period.min <= a->period.max;
}

/*
 * The backend has the stream open and cannot answer a query now.  A
 * stream whose next step opens it again anyway (OPEN or SETUP: hw_params
 * closes it; XRUN: prepare opens it if it is closed) is closed to ask.
 * A prepared, running, paused or suspended one keeps its session, whose
 * START or RESUME must find it open: HW_REFINE on it gets the cached
 * answers and the XenStore constraints.
 */
static bool xsf_pcm_busy_for_queries(struct xsf_pcm_stream *stream)
{
	struct snd_pcm_runtime *runtime = stream->substream->runtime;
	snd_pcm_state_t state = xsf_pcm_state(runtime);

	if (!xsf_session_needs_close(stream->session))
		return false;
	if (state != SNDRV_PCM_STATE_OPEN && state != SNDRV_PCM_STATE_SETUP &&
	    state != SNDRV_PCM_STATE_XRUN)
		return true;
	mutex_lock(&stream->io_mutex);
	xsf_pcm_backend_close(stream);
	mutex_unlock(&stream->io_mutex);
	return xsf_session_needs_close(stream->session);
}

/*
 * Ask the backend (or the cache) what it allows within @query.  Return 0
 * with @answer filled, -EINVAL when nothing fits, -EBUSY when the answer
 * is not cached and the backend cannot be asked now, or another errno
 * when the backend does not answer queries at all.  Caller holds
 * stream->query_lock.
 */
static int xsf_pcm_query(struct xsf_pcm_stream *stream,
			 const struct xensnd_query_hw_param *query,
			 struct xensnd_query_hw_param *answer)
{
	struct xensnd_req req = { .operation = XENSND_OP_HW_PARAM_QUERY };
	struct xensnd_resp resp;
	struct xsf_query_entry *entry;
	unsigned int i;
	int ret;

	for (i = 0; i < stream->nr_queries; i++) {
		entry = &stream->queries[i];
		if (!memcmp(&entry->query, query, sizeof(*query))) {
			*answer = entry->answer;
			return entry->status;
		}
	}
	if (xsf_pcm_busy_for_queries(stream))
		return -EBUSY;

	req.op.hw_param = *query;
	stream->nr_queries_sent++;
	ret = xsf_pcm_call(stream, &req, &resp);
	if (!ret) {
		*answer = resp.resp.hw_param;
		if (!xsf_pcm_answer_sane(answer)) {
			dev_warn_ratelimited(xsf_pcm_dev(stream),
					     "HW_PARAM_QUERY answer with empty ranges: treated as no match\n");
			ret = -EINVAL;
		} else {
			stream->query_answered = true;
		}
	} else if (ret != -EINVAL) {
		return ret;
	}

	entry = &stream->queries[stream->next_query];
	stream->next_query = (stream->next_query + 1) % XSF_QUERY_CACHE_SIZE;
	if (stream->nr_queries < XSF_QUERY_CACHE_SIZE)
		stream->nr_queries++;
	entry->query = *query;
	entry->answer = *answer;
	entry->status = ret;
	return ret;
}

static int xsf_pcm_refine_interval(struct snd_pcm_hw_params *params,
				   snd_pcm_hw_param_t var, u32 min, u32 max)
{
	struct snd_interval iv;

	snd_interval_any(&iv);
	iv.min = min;
	iv.max = max;
	/* Rates may be fractional intervals in ALSA; counts are whole. */
	iv.integer = var != SNDRV_PCM_HW_PARAM_RATE;
	return snd_interval_refine(hw_param_interval(params, var), &iv);
}

/*
 * One rule per parameter.  The answer only ever narrows (an interval
 * refinement is an intersection), so an answer wider than the question,
 * such as snd_be's rate maximum, changes nothing it should not.
 */
static int xsf_pcm_hw_rule(struct snd_pcm_hw_params *params,
			   struct snd_pcm_hw_rule *rule)
{
	struct xsf_pcm_stream *stream = rule->private;
	struct xensnd_query_hw_param query, answer;
	struct snd_mask formats;
	int ret;

	mutex_lock(&stream->query_lock);
	if (stream->query_unsupported) {
		mutex_unlock(&stream->query_lock);
		return 0;
	}
	xsf_pcm_query_from_params(params, &query);
	ret = xsf_pcm_query(stream, &query, &answer);
	if (ret == -EINVAL && !stream->query_answered) {
		/*
		 * The backend rejects even the whole configuration space: it
		 * does not implement the query.
		 */
		dev_info(xsf_pcm_dev(stream),
			 "backend rejects HW_PARAM_QUERY: using the XenStore constraints\n");
		stream->query_unsupported = true;
	} else if (ret && ret != -EINVAL && ret != -EBUSY) {
		dev_info(xsf_pcm_dev(stream),
			 "HW_PARAM_QUERY failed (%d): using the XenStore constraints\n",
			 ret);
		stream->query_unsupported = true;
	}
	mutex_unlock(&stream->query_lock);
	if (ret == -EINVAL && !stream->query_unsupported)
		return -EINVAL; /* nothing fits */
	if (ret)
		return 0; /* no narrowing: not answered, or not now */

	/*
	 * Narrow only the rule's own parameter: ALSA re-runs the rules of
	 * whatever this one changes, and the other parameters' rules ask
	 * the same (cached) question.
	 */
	switch (rule->var) {
	case (__force int)SNDRV_PCM_HW_PARAM_FORMAT:
		snd_mask_none(&formats);
		formats.bits[0] = lower_32_bits(xsf_pcm_alsa_mask(answer.formats));
		formats.bits[1] = upper_32_bits(xsf_pcm_alsa_mask(answer.formats));
		return snd_mask_refine(hw_param_mask(params,
						     SNDRV_PCM_HW_PARAM_FORMAT),
				       &formats);
	case (__force int)SNDRV_PCM_HW_PARAM_RATE:
		return xsf_pcm_refine_interval(params, SNDRV_PCM_HW_PARAM_RATE,
					       answer.rates.min,
					       answer.rates.max);
	case (__force int)SNDRV_PCM_HW_PARAM_CHANNELS:
		return xsf_pcm_refine_interval(params,
					       SNDRV_PCM_HW_PARAM_CHANNELS,
					       answer.channels.min,
					       answer.channels.max);
	case (__force int)SNDRV_PCM_HW_PARAM_BUFFER_SIZE:
		return xsf_pcm_refine_interval(params,
					       SNDRV_PCM_HW_PARAM_BUFFER_SIZE,
					       answer.buffer.min,
					       answer.buffer.max);
	case (__force int)SNDRV_PCM_HW_PARAM_PERIOD_SIZE:
		return xsf_pcm_refine_interval(params,
					       SNDRV_PCM_HW_PARAM_PERIOD_SIZE,
					       answer.period.min,
					       answer.period.max);
	}
	return 0;
}

static int xsf_pcm_constraints(struct xsf_pcm_stream *stream,
			       struct snd_pcm_runtime *runtime)
{
	static const snd_pcm_hw_param_t rule_params[] = {
		SNDRV_PCM_HW_PARAM_FORMAT, SNDRV_PCM_HW_PARAM_RATE,
		SNDRV_PCM_HW_PARAM_CHANNELS, SNDRV_PCM_HW_PARAM_BUFFER_SIZE,
		SNDRV_PCM_HW_PARAM_PERIOD_SIZE,
	};
	const struct xsf_hw_cfg *hw = &stream->cfg.hw;
	struct snd_pcm_hardware *h = &runtime->hw;
	unsigned int i;
	int ret;

	/*
	 * No rewinds: what was sent to the backend cannot be taken back,
	 * and a rewind is rarely worth less than a period here.
	 */
	h->info = SNDRV_PCM_INFO_MMAP | SNDRV_PCM_INFO_MMAP_VALID |
		  SNDRV_PCM_INFO_INTERLEAVED | SNDRV_PCM_INFO_BLOCK_TRANSFER |
		  SNDRV_PCM_INFO_RESUME | SNDRV_PCM_INFO_BATCH |
		  SNDRV_PCM_INFO_SYNC_APPLPTR | XSF_PCM_INFO_NO_REWINDS;
	if (stream->pause_support != XSF_PAUSE_REFUSED)
		h->info |= SNDRV_PCM_INFO_PAUSE;
	if (!stream->cfg.capture)
		h->info |= SNDRV_PCM_INFO_DRAIN_TRIGGER;
	h->formats = xsf_pcm_alsa_mask(hw->formats);
	h->rates = SNDRV_PCM_RATE_KNOT;
	h->rate_min = hw->rates[0];
	h->rate_max = hw->rates[hw->nr_rates - 1];
	h->channels_min = hw->channels_min;
	h->channels_max = hw->channels_max;
	h->buffer_bytes_max = hw->buffer_bytes;
	h->period_bytes_min = XSF_PERIOD_BYTES_MIN;
	h->period_bytes_max = hw->buffer_bytes / 2;
	h->periods_min = 2;
	h->periods_max = hw->buffer_bytes / XSF_PERIOD_BYTES_MIN;

	ret = snd_pcm_hw_constraint_list(runtime, 0, SNDRV_PCM_HW_PARAM_RATE,
					 &stream->rate_constraint);
	if (ret < 0)
		return ret;
	/* buffer_sz is a whole number of periods, as backends expect. */
	ret = snd_pcm_hw_constraint_integer(runtime,
					    SNDRV_PCM_HW_PARAM_PERIODS);
	if (ret < 0)
		return ret;
	/*
	 * A rule takes at most four dependencies (struct snd_pcm_hw_rule
	 * deps[5] with the terminator): each rule depends on the other four
	 * parameters, so a change of any of them runs the query again.
	 */
	for (i = 0; i < ARRAY_SIZE(rule_params); i++) {
		int deps[ARRAY_SIZE(rule_params) - 1];
		unsigned int j, k = 0;

		for (j = 0; j < ARRAY_SIZE(rule_params); j++)
			if (j != i)
				deps[k++] = (__force int)rule_params[j];
		ret = snd_pcm_hw_rule_add(runtime, 0, rule_params[i],
					  xsf_pcm_hw_rule, stream, deps[0],
					  deps[1], deps[2], deps[3], -1);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Open, close, buffers                                                */
/* ------------------------------------------------------------------ */

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
	mutex_lock(&stream->query_lock);
	stream->nr_queries = 0;
	stream->next_query = 0;
	stream->query_unsupported = false;
	stream->query_answered = false;
	mutex_unlock(&stream->query_lock);
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
 * Return 0 or a negative errno; *@probed is set when the backend was
 * asked for volume support.
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

/* Nothing of the current run is outstanding, or nothing can answer. */
static bool xsf_pcm_quiet(struct xsf_pcm_stream *stream)
{
	unsigned int i;
	bool quiet = true;

	snd_pcm_stream_lock_irq(stream->substream);
	if (stream->link_state == XSF_PCM_LINKED)
		for (i = 0; i < ARRAY_SIZE(stream->inflight) && quiet; i++)
			quiet = !stream->inflight[i].used;
	snd_pcm_stream_unlock_irq(stream->substream);
	return quiet;
}

/*
 * Wait (bounded) until the backend answered what the run has
 * outstanding.  Process context, without the stream lock.
 */
static void xsf_pcm_wait_quiet(struct xsf_pcm_stream *stream)
{
	if (!wait_event_timeout(stream->idle_wait, xsf_pcm_quiet(stream),
				msecs_to_jiffies(xsf_request_timeout_ms)))
		dev_dbg(xsf_pcm_dev(stream), "stream %s: answers still outstanding after stop\n",
			stream->cfg.unique_id);
}

/*
 * A new run starts at position 0 with nothing sent: answers to requests
 * of the previous run are not in the new table and are ignored.
 */
static void xsf_pcm_new_run(struct xsf_pcm_stream *stream)
{
	snd_pcm_stream_lock_irq(stream->substream);
	xsf_pcm_run_event(stream, XSF_RUN_STOP);
	stream->appl_seen = 0;
	stream->appl_bytes = 0;
	stream->data_error = 0;
	stream->submitted = 0;
	stream->completed = 0;
	memset(stream->inflight, 0, sizeof(stream->inflight));
	xsf_pos_reset(&stream->pos, stream->buffer_bytes, stream->period_bytes);
	snd_pcm_stream_unlock_irq(stream->substream);
	xsf_bus_resync_events(&stream->link);
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

/* ------------------------------------------------------------------ */
/* Data path                                                           */
/* ------------------------------------------------------------------ */

static struct xsf_inflight *xsf_pcm_inflight_find(struct xsf_pcm_stream *stream,
						  u16 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stream->inflight); i++)
		if (stream->inflight[i].used && stream->inflight[i].id == id)
			return &stream->inflight[i];
	return NULL;
}

static struct xsf_inflight *xsf_pcm_inflight_free_entry(struct xsf_pcm_stream *stream)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stream->inflight); i++)
		if (!stream->inflight[i].used)
			return &stream->inflight[i];
	return NULL;
}

/* An entry of the table is answered.  Called under the stream lock. */
static void xsf_pcm_inflight_done(struct xsf_pcm_stream *stream,
				  struct xsf_inflight *slot)
{
	slot->used = false;
	wake_up(&stream->idle_wait);
}

/*
 * Octets done since the run was prepared: played (playback: the backend's
 * position, but never past data it has confirmed) or captured and read.
 * This is what .pointer reports.  Under the stream lock.
 */
static u64 xsf_pcm_hw_bytes(struct xsf_pcm_stream *stream)
{
	if (stream->cfg.capture)
		return stream->completed;
	return min(stream->pos.stream, stream->completed);
}

/* xsf_pcm_hw_bytes() as an offset into the buffer, in frames. */
static snd_pcm_uframes_t xsf_pcm_hw_offset(struct xsf_pcm_stream *stream)
{
	u32 offset;

	if (!stream->buffer_bytes)
		return 0;
	div_u64_rem(xsf_pcm_hw_bytes(stream), stream->buffer_bytes, &offset);
	return bytes_to_frames(stream->substream->runtime, offset);
}

/*
 * Whether the position has moved into a later period than the one ALSA
 * last reported (runtime->hw_ptr_interrupt).  snd_pcm_period_elapsed()
 * that finds the pointer still in that period takes it for a second
 * acknowledge of the same interrupt and, when more than half a buffer's
 * time has passed since the pointer was last read (always so right after
 * PAUSE_RELEASE), moves the pointer a whole buffer on: played data would
 * be sent again, stale captured data delivered, or an xrun reported.  So
 * a period is reported when, and only when, a boundary was crossed, as
 * ALSA computes the new pointer (snd_pcm_update_hw_ptr0()); ALSA reads
 * the position in between through .pointer.  Under the stream lock.
 */
static bool xsf_pcm_period_crossed(struct xsf_pcm_stream *stream)
{
	struct snd_pcm_substream *substream = stream->substream;
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t old_ptr, new_ptr;
	snd_pcm_sframes_t since;

	if (!snd_pcm_running(substream) || !runtime->period_size)
		return false;
	old_ptr = runtime->status->hw_ptr;
	new_ptr = runtime->hw_ptr_base + xsf_pcm_hw_offset(stream);
	if (new_ptr < old_ptr)
		new_ptr += runtime->buffer_size;	/* past the buffer's end */
	if (new_ptr == old_ptr)
		return false;
	since = (snd_pcm_sframes_t)(new_ptr - runtime->hw_ptr_interrupt);
	if (since < 0)
		since += runtime->boundary;
	if (since >= (snd_pcm_sframes_t)runtime->period_size)
		return true;
	/*
	 * The end of a drain is often inside a period: ALSA ends the drain
	 * when a report finds everything played, and waits for nothing
	 * else.  That report cannot go wrong: were ALSA to move the pointer
	 * on, it would find everything played all the same.
	 */
	if (new_ptr >= runtime->boundary)
		new_ptr -= runtime->boundary;
	return xsf_pcm_state(runtime) == SNDRV_PCM_STATE_DRAINING &&
	       new_ptr == runtime->control->appl_ptr;
}

/*
 * Whether requests may go out: not while the stream is paused or
 * suspended (data waits for RESUME: a paused device may be full), nor
 * once it stopped.  ALSA's state changes with our trigger in one hold of
 * the stream lock, so this agrees with the last trigger.
 */
static bool xsf_pcm_may_send(struct xsf_pcm_stream *stream)
{
	switch (xsf_pcm_state(stream->substream->runtime)) {
	case SNDRV_PCM_STATE_PREPARED:
	case SNDRV_PCM_STATE_RUNNING:
	case SNDRV_PCM_STATE_DRAINING:
		return true;
	default:
		return false;
	}
}

/*
 * Send data requests for what is ready.  Playback: octets the
 * application produced; capture: octets the backend has captured.  Whole
 * periods only unless @force.  Called under the stream lock.
 * Return 0, or a negative errno if the channel refused a request.
 */
static int xsf_pcm_flush(struct xsf_pcm_stream *stream, bool force)
{
	bool capture = stream->cfg.capture;
	u64 ready = capture ? stream->pos.stream : stream->appl_bytes;
	struct xsf_inflight *slot;
	int ret;

	while (stream->link_state == XSF_PCM_LINKED &&
	       xsf_session_is_open(stream->session) &&
	       ready > stream->submitted) {
		struct xensnd_req req = {
			.operation = capture ? XENSND_OP_READ : XENSND_OP_WRITE,
		};
		u64 pending = ready - stream->submitted;
		u32 room = stream->buffer_bytes -
			   (u32)(stream->submitted - stream->completed);
		u32 offset, len;

		if (!force && pending < stream->period_bytes)
			break;
		div_u64_rem(stream->submitted, stream->buffer_bytes, &offset);
		len = min_t(u64, pending, stream->buffer_bytes - offset);
		len = min(len, room);
		if (!len)
			break;
		slot = xsf_pcm_inflight_free_entry(stream);
		if (!slot)
			break;
		req.op.rw.offset = offset;
		req.op.rw.length = len;
		ret = xsf_bus_submit(&stream->link, &req, XSF_RING_DATA);
		if (ret == -EBUSY)
			break; /* resumed by the next completion */
		if (ret)
			return ret;
		slot->used = true;
		slot->kind = XSF_INFLIGHT_DATA;
		slot->id = req.id;
		slot->len = len;
		stream->submitted += len;
		stream->nr_data_requests++;
		if (!capture)
			xsf_pcm_session_event(stream, XSF_SESSION_DATA_SENT);
	}
	return 0;
}

/* An xrun, with a line in the log that says why.  Under the stream lock. */
static void xsf_pcm_xrun(struct xsf_pcm_stream *stream, const char *why,
			 int err)
{
	struct snd_pcm_substream *substream = stream->substream;

	dev_warn_ratelimited(xsf_pcm_dev(stream), "stream %s: %s (%d): xrun\n",
			     stream->cfg.unique_id, why, err);
	if (snd_pcm_running(substream))
		snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
}

static int xsf_pcm_ack(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t appl = runtime->control->appl_ptr;
	snd_pcm_uframes_t old_seen = stream->appl_seen;
	u64 old_bytes = stream->appl_bytes;
	snd_pcm_sframes_t delta;
	u64 unsent;
	int ret;

	if (stream->cfg.capture)
		return 0;
	delta = appl - stream->appl_seen;
	if (delta < 0)
		delta += runtime->boundary;
	if ((snd_pcm_uframes_t)delta > runtime->boundary / 2)
		delta -= runtime->boundary; /* the pointer went back */
	unsent = old_bytes > stream->submitted ? old_bytes - stream->submitted : 0;
	if (delta < 0 && (u64)frames_to_bytes(runtime, -delta) > unsent) {
		/*
		 * Back into data the backend has already: it cannot be taken
		 * back.  ALSA restores the pointer and reports an xrun.
		 */
		dev_dbg(xsf_pcm_dev(stream),
			"application pointer moved back into data already sent\n");
		return -EPIPE;
	}
	stream->appl_seen = appl;
	stream->appl_bytes = old_bytes + frames_to_bytes(runtime, delta);
	if (!xsf_pcm_may_send(stream))
		return 0;
	ret = xsf_pcm_flush(stream, xsf_run_draining(stream->run));
	if (ret) {
		/* ALSA restores its pointer: so do we. */
		stream->appl_seen = old_seen;
		stream->appl_bytes = old_bytes;
		dev_warn_ratelimited(xsf_pcm_dev(stream),
				     "stream %s: cannot send data: %d\n",
				     stream->cfg.unique_id, ret);
	}
	return ret;
}

/* What a TRIGGER of each type, once sent, is to the session. */
static const enum xsf_session_event xsf_pcm_trigger_events[] = {
	[XENSND_OP_TRIGGER_START] = XSF_SESSION_START_SENT,
	[XENSND_OP_TRIGGER_PAUSE] = XSF_SESSION_PAUSE_SENT,
	[XENSND_OP_TRIGGER_STOP] = XSF_SESSION_STOP_SENT,
	[XENSND_OP_TRIGGER_RESUME] = XSF_SESSION_RESUME_SENT,
};

/*
 * Send a TRIGGER (one of xsf_pcm_trigger_events); control requests
 * always find room on the ring.  Under the stream lock.
 */
static int xsf_pcm_trigger_send(struct xsf_pcm_stream *stream, u8 type)
{
	struct xensnd_req req = { .operation = XENSND_OP_TRIGGER };
	struct xsf_inflight *slot;
	int ret;

	if (stream->link_state != XSF_PCM_LINKED ||
	    !xsf_session_is_open(stream->session))
		return -EIO;
	slot = xsf_pcm_inflight_free_entry(stream);
	if (!slot)
		return -EBUSY;
	req.op.trigger.type = type;
	ret = xsf_bus_submit(&stream->link, &req, XSF_RING_CONTROL);
	if (ret)
		return ret;
	slot->used = true;
	slot->kind = XSF_INFLIGHT_TRIGGER;
	slot->trigger = type;
	slot->id = req.id;
	slot->len = 0;
	xsf_pcm_session_event(stream, xsf_pcm_trigger_events[type]);
	return 0;
}

static const char *const xsf_pcm_trigger_names[] = {
	[XENSND_OP_TRIGGER_START] = "START",
	[XENSND_OP_TRIGGER_PAUSE] = "PAUSE",
	[XENSND_OP_TRIGGER_STOP] = "STOP",
	[XENSND_OP_TRIGGER_RESUME] = "RESUME",
};

/*
 * Send a STOP for a session that was started or given data, from the
 * stream lock.  One that cannot be sent leaves the session as it is: the
 * next prepare stops it, or closes it.
 */
static void xsf_pcm_stop_session(struct xsf_pcm_stream *stream)
{
	if (!xsf_session_needs_stop(stream->session))
		return;
	if (xsf_pcm_trigger_send(stream, XENSND_OP_TRIGGER_STOP))
		dev_dbg(xsf_pcm_dev(stream), "stream %s: STOP not sent\n",
			stream->cfg.unique_id);
}

/*
 * The backend refused to pause: it plays or records on.  A stream ALSA
 * holds PAUSED (or SUSPENDED) would stay so while the backend runs, its
 * positions ignored; it is stopped instead, and the application sees an
 * xrun.  ALSA sends no STOP for a stream that is not running: we do.
 * Under the stream lock.
 */
static void xsf_pcm_pause_refused(struct xsf_pcm_stream *stream, int status)
{
	struct snd_pcm_substream *substream = stream->substream;
	snd_pcm_state_t state = xsf_pcm_state(substream->runtime);

	/* Pausing is not offered again from the next opening on. */
	stream->pause_support = XSF_PAUSE_REFUSED;
	xsf_pcm_session_event(stream, XSF_SESSION_PAUSE_REFUSED);
	if (state != SNDRV_PCM_STATE_PAUSED &&
	    state != SNDRV_PCM_STATE_SUSPENDED) {
		xsf_pcm_xrun(stream, "PAUSE", status);
		return;
	}
	dev_warn_ratelimited(xsf_pcm_dev(stream),
			     "stream %s: backend refused PAUSE (%d): stopped, xrun\n",
			     stream->cfg.unique_id, status);
	xsf_pcm_run_event(stream, XSF_RUN_STOP);
	xsf_pcm_stop_session(stream);
	snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
}

/* A TRIGGER of the current run was answered.  Under the stream lock. */
static void xsf_pcm_trigger_answered(struct xsf_pcm_stream *stream, u8 type,
				     int status)
{
	if (!status)
		return;
	switch (type) {
	case XENSND_OP_TRIGGER_PAUSE:
		xsf_pcm_pause_refused(stream, status);
		break;
	case XENSND_OP_TRIGGER_STOP:
		/*
		 * The session may still be running: the next prepare stops
		 * it again, or closes it.
		 */
		xsf_pcm_session_event(stream, XSF_SESSION_STOP_REFUSED);
		dev_warn_ratelimited(xsf_pcm_dev(stream),
				     "stream %s: backend refused STOP: %d\n",
				     stream->cfg.unique_id, status);
		break;
	default:
		xsf_pcm_xrun(stream, type < ARRAY_SIZE(xsf_pcm_trigger_names) ?
			     xsf_pcm_trigger_names[type] : "TRIGGER", status);
	}
}

/*
 * A READ or WRITE of the current run was answered: captured data is
 * there, played data confirmed (the position may have got ahead of it).
 * What is ready next goes out, unless the stream is paused.  Under the
 * stream lock.
 */
static void xsf_pcm_data_answered(struct xsf_pcm_stream *stream, u32 len,
				  int status)
{
	int ret;

	if (status) {
		/* Remembered for a stream not started yet: START fails. */
		stream->data_error = status;
		xsf_pcm_xrun(stream, stream->cfg.capture ? "READ failed" :
			     "WRITE failed", status);
		return;
	}
	stream->completed += len;
	if (!xsf_pcm_may_send(stream))
		return;
	ret = xsf_pcm_flush(stream, xsf_run_draining(stream->run));
	if (ret)
		xsf_pcm_xrun(stream, "cannot send data", ret);
}

/*
 * The ring failed every request it held (no response): the channel goes
 * away, or the backend corrupted the ring, which stays disconnected.
 * Nothing of the stream is outstanding any more, and a running stream
 * cannot go on.  Called under the stream lock.
 */
static void xsf_pcm_ring_failed(struct xsf_pcm_stream *stream)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stream->inflight); i++)
		stream->inflight[i].used = false;
	wake_up(&stream->idle_wait);
	if (xsf_run_running(stream->run))
		xsf_pcm_xrun(stream, "the ring to the backend is disconnected",
			     -EIO);
}

/*
 * The link's answer callback: from the ring's interrupt, or without a
 * response when the ring failed its requests.  An id not in the table is
 * an earlier run's request.
 */
static void xsf_pcm_answer(void *ctx, int status, const struct xensnd_resp *resp)
{
	struct xsf_pcm_stream *stream = ctx;
	struct snd_pcm_substream *substream = stream->substream;
	struct xsf_inflight *slot;
	unsigned long flags;
	bool elapsed = false;

	snd_pcm_stream_lock_irqsave(substream, flags);
	if (stream->link_state != XSF_PCM_LINKED || !substream->runtime)
		goto out;
	if (!resp) {
		xsf_pcm_ring_failed(stream);
		goto out;
	}
	slot = xsf_pcm_inflight_find(stream, resp->id);
	if (!slot)
		goto out;
	xsf_pcm_inflight_done(stream, slot);
	if (slot->kind == XSF_INFLIGHT_TRIGGER)
		xsf_pcm_trigger_answered(stream, slot->trigger, status);
	else
		xsf_pcm_data_answered(stream, slot->len, status);
	elapsed = xsf_pcm_period_crossed(stream);
out:
	xsf_pcm_unlock_elapsed(substream, elapsed, flags);
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

static snd_pcm_uframes_t xsf_pcm_pointer(struct snd_pcm_substream *substream)
{
	return xsf_pcm_hw_offset(substream->private_data);
}

static struct page *xsf_pcm_page(struct snd_pcm_substream *substream,
				 unsigned long offset)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	unsigned long index = offset >> PAGE_SHIFT;

	if (index >= stream->buf.nr_pages)
		return NULL;
	return stream->buf.pages[index];
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

/* Octets the stream can have moved since it started, by the clock. */
static u64 xsf_pcm_elapsed_bytes(struct xsf_pcm_stream *stream)
{
	return div_u64((u64)jiffies_to_msecs(jiffies - stream->start_jiffies) *
		       stream->byte_rate, 1000);
}

/*
 * The link's event callback, from the channel's event interrupt.  A
 * position of a running stream is of use even when it did not move (a
 * backend whose device stalls repeats it, snd_be's jitters back by a
 * frame): throttling those would delay the events that follow.  Events
 * for a stream that is not running, or of unknown types, are of no use
 * and count towards throttling a flood.
 */
static bool xsf_pcm_event(void *ctx, const struct xensnd_evt *evt)
{
	struct xsf_pcm_stream *stream = ctx;
	struct snd_pcm_substream *substream = stream->substream;
	enum xsf_pos_result result;
	unsigned long flags;
	bool elapsed = false, useful = false;
	u64 limit;

	if (evt->type != XENSND_EVT_CUR_POS) {
		dev_warn_ratelimited(xsf_pcm_dev(stream),
				     "unknown event type %u ignored\n", evt->type);
		return false;
	}
	snd_pcm_stream_lock_irqsave(substream, flags);
	if (!substream->runtime || stream->link_state != XSF_PCM_LINKED)
		goto out;
	if (!xsf_run_running(stream->run)) {
		/*
		 * A backend reports until it carried out a PAUSE: of no
		 * use, but not a flood either.
		 */
		useful = xsf_pcm_state(substream->runtime) ==
			 SNDRV_PCM_STATE_PAUSED;
		goto out;
	}
	useful = true;
	/* Beyond these the backend lost data: a buffer past what it had. */
	limit = (stream->cfg.capture ? stream->completed : stream->submitted) +
		stream->buffer_bytes;
	result = xsf_pos_update(&stream->pos, evt->op.cur_pos.position,
				xsf_pcm_elapsed_bytes(stream), limit);
	switch (result) {
	case XSF_POS_STILL:
		goto out;
	case XSF_POS_REBASED:
		dev_dbg(xsf_pcm_dev(stream), "stream %s: position %llu taken as new reference\n",
			stream->cfg.unique_id, evt->op.cur_pos.position);
		break;
	case XSF_POS_LOST:
		xsf_pcm_xrun(stream, "backend position is past the data",
			     -EPIPE);
		goto out;
	case XSF_POS_MOVED:
		stream->pos_jiffies = jiffies;
		break;
	}
	if (stream->cfg.capture && xsf_pcm_flush(stream, false))
		xsf_pcm_xrun(stream, "cannot send READ", -EIO);
	elapsed = xsf_pcm_period_crossed(stream);
out:
	xsf_pcm_unlock_elapsed(substream, elapsed, flags);
	return useful;
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
