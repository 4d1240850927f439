// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware constraints of a PCM stream, and the formats of sndif
 * and ALSA.
 *
 * The constraints come from XenStore and are narrowed with
 * XENSND_OP_HW_PARAM_QUERY: at most three questions for one
 * configuration (xsf_pcm_question()), whose answers are cached for the
 * opening, however often ALSA runs its rules.  No query is sent while the
 * backend has the stream open: a backend that opens its device to answer
 * (snd_be) would wait for itself.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
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
/*
 * The shortest period: each one costs a request, its answer and position
 * events through another domain.  Below 5 ms a backend falls behind
 * (snd_be at 256 frames and 48 kHz), and a sound server that sizes its
 * period from its own cycle (PipeWire halves its quantum for a batch
 * device: 128 frames at a 256-frame quantum) runs into xruns.
 */
#define XSF_PERIOD_US_MIN	5000
/*
 * The shortest buffer.  The application refills it only after a report
 * of the backend's position reached it through another domain, and its
 * data then goes back the same way: with less than 20 ms in hand, the
 * backend's device runs dry in between (snd_be on snd-aloop underran 319
 * times in 5 s with a 480-frame buffer of two periods at 48 kHz, at most
 * once in 5 s with 960 frames in four).
 */
#define XSF_BUFFER_US_MIN	20000

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

/* whether [min, max] lies inside [outer_min, outer_max] */
static bool xsf_pcm_within(u32 min, u32 max, u32 outer_min, u32 outer_max)
{
	return min >= outer_min && max <= outer_max;
}

/*
 * What to ask the backend when ALSA refines @query's space.  ALSA runs
 * the rules at every step of a negotiation, each step narrower than the
 * last (alsa-lib fixes format, channels and rate, then period and
 * buffer; the kernel's hw_params chooses what is left, one parameter at
 * a time): asked as they come, that was a round trip for nearly every
 * step, eight for aplay.  Three questions are enough:
 *  - the space: the first question of an opening, and any that is not
 *    inside the last space (a new negotiation).  Its answer narrows every
 *    question inside it: a superset of theirs, so it never forbids what
 *    the backend allows, and the next two questions forbid the rest;
 *  - the configuration: once format and channels are fixed, asked with
 *    the space's rates, buffer and periods, so that the rate the
 *    application chooses is one the backend has for them;
 *  - the choice: everything fixed, as it will be OPENed.
 * A backend's answer for a wider question is also a true answer for a
 * narrower one, so @query is changed in place to the question to ask.
 * Caller holds stream->query_lock.
 */
static void xsf_pcm_question(struct xsf_pcm_stream *stream,
			     struct xensnd_query_hw_param *query)
{
	const struct xensnd_query_hw_param *space = &stream->query_space;
	bool fixed;

	if (!stream->query_space_set ||
	    (query->formats & ~space->formats) ||
	    !xsf_pcm_within(query->rates.min, query->rates.max,
			    space->rates.min, space->rates.max) ||
	    !xsf_pcm_within(query->channels.min, query->channels.max,
			    space->channels.min, space->channels.max) ||
	    !xsf_pcm_within(query->buffer.min, query->buffer.max,
			    space->buffer.min, space->buffer.max) ||
	    !xsf_pcm_within(query->period.min, query->period.max,
			    space->period.min, space->period.max)) {
		stream->query_space = *query;
		stream->query_space_set = true;
		return;
	}
	if (hweight64(query->formats) != 1 ||
	    query->channels.min != query->channels.max) {
		*query = *space;
		return;
	}
	fixed = query->rates.min == query->rates.max &&
		query->buffer.min == query->buffer.max &&
		query->period.min == query->period.max;
	if (fixed)
		return;
	query->rates = space->rates;
	query->buffer = space->buffer;
	query->period = space->period;
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
	xsf_pcm_question(stream, &query);
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

/**
 * xsf_pcm_queries_reset() - forget the answers to HW_PARAM_QUERY
 * @stream: the stream, at the opening of its substream
 *
 * The backend may have changed since the last opening: it is asked
 * again, and whether it answers queries at all too.  Its answers may
 * change without a reconnection as well: snd_be answers from its ALSA
 * device, and on snd-aloop a running capture side limits the playback
 * side to the capture's format and rate.
 */
void xsf_pcm_queries_reset(struct xsf_pcm_stream *stream)
{
	mutex_lock(&stream->query_lock);
	stream->nr_queries = 0;
	stream->next_query = 0;
	stream->query_unsupported = false;
	stream->query_answered = false;
	stream->query_space_set = false;
	mutex_unlock(&stream->query_lock);
}

/**
 * xsf_pcm_constraints() - set a substream's hardware constraints
 * @stream: the stream
 * @runtime: the runtime of the substream being opened
 *
 * The XenStore configuration gives the hardware description; rules ask
 * the backend (or the cache) to narrow it.
 *
 * Return: 0 or a negative errno from ALSA.
 */
int xsf_pcm_constraints(struct xsf_pcm_stream *stream,
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
	ret = snd_pcm_hw_constraint_minmax(runtime, SNDRV_PCM_HW_PARAM_PERIOD_TIME,
					   XSF_PERIOD_US_MIN, UINT_MAX);
	if (ret < 0)
		return ret;
	ret = snd_pcm_hw_constraint_minmax(runtime, SNDRV_PCM_HW_PARAM_BUFFER_TIME,
					   XSF_BUFFER_US_MIN, UINT_MAX);
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
