/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * snd_xen_front: the ALSA side (card.c, pcm.c, mixer.c).
 */
#ifndef XSF_ALSA_H
#define XSF_ALSA_H

#include <sound/core.h>
#include <sound/pcm.h>

#include "xsf.h"

/* Cached HW_PARAM_QUERY answers per stream. */
#define XSF_QUERY_CACHE_SIZE	16

/* Mixer scale: 0 .. XSF_VOLUME_STEPS in XSF_VOLUME_STEP_MDB steps. */
#define XSF_VOLUME_MIN_MDB	(-64000)
#define XSF_VOLUME_STEP_MDB	250
#define XSF_VOLUME_STEPS	256

/**
 * struct xsf_query_entry - one cached HW_PARAM_QUERY round trip
 * @query: what was asked
 * @answer: what the backend answered (valid when @status is 0)
 * @status: the errno result
 */
struct xsf_query_entry {
	struct xensnd_query_hw_param query;
	struct xensnd_query_hw_param answer;
	int status;
};

/**
 * struct xsf_inflight - an asynchronous data request not yet answered
 * @id: request id on the ring
 * @len: octets it covers
 * @used: the entry is in use
 */
struct xsf_inflight {
	u16 id;
	u32 len;
	bool used;
};

struct xsf_card;

/**
 * struct xsf_pcm_stream - one ALSA substream and its sndif stream
 * @xcard: the card
 * @index: index of the stream's channel in front->channels
 * @pcm_index: PCM device number
 * @cfg: copy of the stream's configuration (the card may outlive it)
 * @substream: the ALSA substream
 * @chan: the channel while the substream is open and connected; read
 *	under the PCM stream lock or with front->io_lock held
 * @buf: the shared buffer: audio data, then one control page
 * @buffer_bytes: ALSA buffer size in octets
 * @period_bytes: ALSA period size in octets
 * @control_offset: offset of the control page in @buf
 * @opened: the backend has the stream open (OPEN answered)
 * @running: started and neither stopped nor paused
 * @draining: playback drain in progress: send partial periods
 * @data_error: a data request of this run failed (errno)
 * @appl_seen: application pointer at the last .ack
 * @appl_bytes: playback: octets the application has produced
 * @submitted: octets covered by WRITE/READ requests sent
 * @completed: octets covered by WRITE/READ requests answered
 * @pos: backend position from XENSND_EVT_CUR_POS
 * @inflight: outstanding data requests
 * @rate_list: rates for the rate constraint
 * @rate_constraint: ALSA rate list constraint over @rate_list
 * @query_unsupported: the backend does not answer HW_PARAM_QUERY
 * @query_answered: the backend answered at least one query
 * @queries: cached HW_PARAM_QUERY round trips
 * @nr_queries: entries used in @queries
 * @next_query: next entry of @queries to replace
 * @nr_queries_sent: HW_PARAM_QUERY requests sent (for tests and debug)
 * @nr_data_requests: WRITE/READ requests sent
 * @has_volume: the backend answered GET_VOLUME: controls exist
 * @volume: cached volume per channel, in mixer steps
 * @unmuted: cached switch per channel (true: sound on)
 * @mixer_channels: number of channels the controls have
 */
struct xsf_pcm_stream {
	struct xsf_card *xcard;
	unsigned int index;
	unsigned int pcm_index;
	struct xsf_stream_cfg cfg;
	struct snd_pcm_substream *substream;
	struct xsf_channel *chan;
	struct xsf_shbuf buf;
	u32 buffer_bytes;
	u32 period_bytes;
	u32 control_offset;
	bool opened;
	bool running;
	bool draining;
	int data_error;
	snd_pcm_uframes_t appl_seen;
	u64 appl_bytes;
	u64 submitted;
	u64 completed;
	struct xsf_pos pos;
	struct xsf_inflight inflight[XSF_RING_SLOTS];
	unsigned int rate_list[XSF_MAX_RATES];
	struct snd_pcm_hw_constraint_list rate_constraint;
	bool query_unsupported;
	bool query_answered;
	struct xsf_query_entry queries[XSF_QUERY_CACHE_SIZE];
	unsigned int nr_queries;
	unsigned int next_query;
	unsigned int nr_queries_sent;
	unsigned int nr_data_requests;
	bool has_volume;
	int volume[XSF_MAX_CHANNELS];
	bool unmuted[XSF_MAX_CHANNELS];
	unsigned int mixer_channels;
};

/**
 * struct xsf_card - private data of the ALSA card
 * @card: the card
 * @front: the device (referenced until the card is freed)
 * @generation: front->generation the card was created for
 * @io_mutex: serialises use of a stream's shared buffer (its control
 *	page for the mixer) with buffer allocation, open and close
 * @nr_streams: number of entries in @streams
 * @streams: one per configured stream, in channel order
 * @nr_pcms: number of entries in @pcms
 * @pcms: the card's PCM devices
 */
struct xsf_card {
	struct snd_card *card;
	struct mutex io_mutex; /* shared buffer use vs. reallocation */
	struct xsf_front *front;
	unsigned int generation;
	unsigned int nr_streams;
	struct xsf_pcm_stream *streams;
	unsigned int nr_pcms;
	struct snd_pcm *pcms[XSF_MAX_PCM_DEVICES];
};

extern const struct snd_pcm_ops xsf_pcm_ops;

void xsf_pcm_stream_init(struct xsf_pcm_stream *stream, struct xsf_card *xcard,
			 unsigned int index, unsigned int pcm_index,
			 const struct xsf_stream_cfg *cfg);
int xsf_pcm_format_to_alsa(unsigned int sndif_format);
int xsf_pcm_format_from_alsa(snd_pcm_format_t format);
int xsf_pcm_call(struct xsf_pcm_stream *stream, struct xensnd_req *req,
		 struct xensnd_resp *resp);
int xsf_pcm_backend_open(struct xsf_pcm_stream *stream,
			 const struct xensnd_open_req *params);
int xsf_pcm_backend_close(struct xsf_pcm_stream *stream);

int xsf_mixer_create(struct xsf_card *xcard);
int xsf_mixer_apply(struct xsf_pcm_stream *stream);

#endif /* XSF_ALSA_H */
