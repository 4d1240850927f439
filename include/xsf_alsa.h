/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * snd_xen_front: the ALSA side (card.c, pcm.c, pcm_hw.c, pcm_data.c,
 * mixer.c).
 */
#ifndef XSF_ALSA_H
#define XSF_ALSA_H

#include <linux/ktime.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include "xsf_bus.h"
#include "xsf_session.h"

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
 * enum xsf_inflight_kind - what an outstanding asynchronous request is
 * @XSF_INFLIGHT_DATA: READ or WRITE covering @len octets
 * @XSF_INFLIGHT_TRIGGER: TRIGGER of the given type
 */
enum xsf_inflight_kind {
	XSF_INFLIGHT_DATA,
	XSF_INFLIGHT_TRIGGER,
};

/**
 * struct xsf_inflight - an asynchronous request of the current run
 * @id: request id on the ring
 * @kind: see &enum xsf_inflight_kind
 * @trigger: XENSND_OP_TRIGGER_* for a trigger
 * @len: octets a data request covers
 * @used: the entry is in use
 *
 * Answers whose id is not in the table belong to an earlier run (or were
 * never sent) and are ignored.
 */
struct xsf_inflight {
	u16 id;
	u8 kind;
	u8 trigger;
	u32 len;
	bool used;
};

/**
 * struct xsf_open_params - what an XENSND_OP_OPEN announced
 * @rate: pcm_rate
 * @format: pcm_format
 * @channels: pcm_channels
 * @buffer_sz: buffer_sz: the ALSA buffer, plus the volume area if any
 * @period_sz: period_sz
 */
struct xsf_open_params {
	u32 rate;
	u8 format;
	u8 channels;
	u32 buffer_sz;
	u32 period_sz;
};

/**
 * enum xsf_volume_support - what is known of the backend's volume support
 * @XSF_VOLUME_UNKNOWN: not asked yet (asked at the stream's first OPEN)
 * @XSF_VOLUME_SUPPORTED: GET_VOLUME was answered: controls exist
 * @XSF_VOLUME_UNSUPPORTED: GET_VOLUME was refused: no controls
 */
enum xsf_volume_support {
	XSF_VOLUME_UNKNOWN,
	XSF_VOLUME_SUPPORTED,
	XSF_VOLUME_UNSUPPORTED,
};

/**
 * enum xsf_pause_support - what is known of the backend's PAUSE
 * @XSF_PAUSE_OFFERED: not refused so far: ALSA offers pausing
 * @XSF_PAUSE_REFUSED: the backend refused a PAUSE once: pausing is not
 *	offered from the next opening of the substream on
 *
 * A property of the backend learnt once, like &enum xsf_volume_support:
 * it outlives sessions and substreams, so it is not session state.
 */
enum xsf_pause_support {
	XSF_PAUSE_OFFERED,
	XSF_PAUSE_REFUSED,
};

/**
 * enum xsf_pcm_link_state - whether the stream uses its link
 * @XSF_PCM_UNLINKED: no channel: nothing is sent, and answers and
 *	events are ignored
 * @XSF_PCM_LINKED: attached to its channel of the current connection
 *
 * Changed under the PCM stream lock, so that the link's callbacks and
 * the trigger agree on it.  Not xsf_bus_attached(): the stream lets go
 * of the link before the bus detaches it (the loss callback runs while
 * attached, and detaching waits for what is outstanding), and from then
 * on nothing that arrives may touch the stream.
 */
enum xsf_pcm_link_state {
	XSF_PCM_UNLINKED,
	XSF_PCM_LINKED,
};

struct xsf_card;

/**
 * struct xsf_pcm_stream - one ALSA substream and its sndif stream
 * @xcard: the card
 * @index: index of the stream's channel in front->channels
 * @pcm_index: PCM device number
 * @cfg: copy of the stream's configuration (the card may outlive it)
 * @substream: the ALSA substream
 * @io_mutex: serialises this stream's blocking requests (OPEN, CLOSE,
 *	queries, mixer) with buffer allocation; never held for another
 *	stream, so a stalled stream blocks nobody else
 * @link: the stream's attachment to its channel on the bus
 * @link_state: see &enum xsf_pcm_link_state
 * @buf: the shared buffer: audio data, then the volume area if any
 * @buf_gen: incremented whenever @buf is (re)allocated or granted anew
 * @buf_epoch: the bus's grant epoch when @buf was granted
 * @revoke_work: ends the buffer's grants after the backend went away
 * @buffer_bytes: ALSA buffer size in octets
 * @period_bytes: ALSA period size in octets
 * @frame_bytes: octets per frame
 * @byte_rate: octets per second
 * @session: the backend's session of the stream (see session.c),
 *	changed under the PCM stream lock; %XSF_SESSION_REVOKED also says
 *	that the buffer must be granted again before it is used
 * @open: what the OPEN of the session announced
 * @open_buf_gen: @buf_gen of the buffer that OPEN announced
 * @volume_offset: where the volume area starts in @buf (0: no area in
 *	the current OPEN)
 * @run: what ALSA's triggers asked for (running, draining), changed
 *	under the PCM stream lock
 * @pause_support: see &enum xsf_pause_support
 * @data_error: a data request of this run failed (errno)
 * @appl_seen: application pointer at the last .ack
 * @appl_bytes: playback: octets the application has produced
 * @submitted: octets covered by WRITE/READ requests sent
 * @completed: octets covered by WRITE/READ requests answered
 * @pos: backend position from XENSND_EVT_CUR_POS
 * @start_jiffies: when the current run started
 * @pos_jiffies: when the position last moved
 * @pos_time: when the position last moved or the stream (re)started: what
 *	the playback pointer is guessed from between reports
 * @shown: playback: the octets played as far as the driver knows or
 *	guesses; it never goes back within a run
 * @told: the octets .pointer gave ALSA last in this run (ALSA's hardware
 *	pointer, in octets since the run was prepared)
 * @inflight: outstanding asynchronous requests of the current run
 * @idle_wait: woken whenever an entry of @inflight is answered
 * @rate_list: rates for the rate constraint
 * @rate_constraint: ALSA rate list constraint over @rate_list
 * @query_lock: protects the query cache against concurrent HW_REFINE
 * @query_unsupported: the backend does not answer HW_PARAM_QUERY
 * @query_answered: the backend answered at least one query
 * @query_space: the last question about the whole space being negotiated
 *	(pcm_hw.c: xsf_pcm_question()); valid with @query_space_set
 * @query_space_set: @query_space holds a question of this opening
 * @queries: cached HW_PARAM_QUERY round trips
 * @nr_queries: entries used in @queries
 * @next_query: next entry of @queries to replace
 * @nr_queries_sent: HW_PARAM_QUERY requests sent (for tests and debug)
 * @nr_data_requests: WRITE/READ requests sent
 * @nr_opens: OPEN requests sent
 * @volume_support: see &enum xsf_volume_support
 * @controls_added: the mixer controls of this stream exist
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
	struct mutex io_mutex; /* this stream's blocking requests and buffer */
	struct xsf_link link;
	enum xsf_pcm_link_state link_state;
	struct xsf_shbuf buf;
	unsigned int buf_gen;
	unsigned int buf_epoch;
	struct work_struct revoke_work;
	u32 buffer_bytes;
	u32 period_bytes;
	u32 frame_bytes;
	u32 byte_rate;
	enum xsf_session_state session;
	struct xsf_open_params open;
	unsigned int open_buf_gen;
	u32 volume_offset;
	enum xsf_run_state run;
	enum xsf_pause_support pause_support;
	int data_error;
	snd_pcm_uframes_t appl_seen;
	u64 appl_bytes;
	u64 submitted;
	u64 completed;
	struct xsf_pos pos;
	unsigned long start_jiffies;
	unsigned long pos_jiffies;
	ktime_t pos_time;
	u64 shown;
	u64 told;
	struct xsf_inflight inflight[XSF_RING_SLOTS];
	wait_queue_head_t idle_wait;
	unsigned int rate_list[XSF_MAX_RATES];
	struct snd_pcm_hw_constraint_list rate_constraint;
	struct mutex query_lock; /* the query cache */
	bool query_unsupported;
	bool query_answered;
	struct xensnd_query_hw_param query_space;
	bool query_space_set;
	struct xsf_query_entry queries[XSF_QUERY_CACHE_SIZE];
	unsigned int nr_queries;
	unsigned int next_query;
	unsigned int nr_queries_sent;
	unsigned int nr_data_requests;
	unsigned int nr_opens;
	enum xsf_volume_support volume_support;
	bool controls_added;
	int volume[XSF_MAX_CHANNELS];
	bool unmuted[XSF_MAX_CHANNELS];
	unsigned int mixer_channels;
};

/**
 * struct xsf_card - private data of the ALSA card
 * @card: the card
 * @front: the device (referenced until the card is freed)
 * @generation: front->generation the card was created for
 * @nr_streams: number of entries in @streams
 * @streams: one per configured stream, in channel order
 * @nr_pcms: number of entries in @pcms
 * @pcms: the card's PCM devices
 * @nr_play_controls: playback streams with mixer controls so far
 * @nr_cap_controls: capture streams with mixer controls so far
 * @controls_lock: serialises adding controls
 */
struct xsf_card {
	struct snd_card *card;
	struct xsf_front *front;
	unsigned int generation;
	unsigned int nr_streams;
	struct xsf_pcm_stream *streams;
	unsigned int nr_pcms;
	struct snd_pcm *pcms[XSF_MAX_PCM_DEVICES];
	unsigned int nr_play_controls;
	unsigned int nr_cap_controls;
	struct mutex controls_lock; /* adding controls */
};

extern const struct snd_pcm_ops xsf_pcm_ops;
extern const struct xsf_bus_client_ops xsf_card_client_ops;

int xsf_card_create(struct xsf_front *front);
void xsf_card_disconnect(struct xsf_front *front);
bool xsf_card_busy(struct xsf_front *front);
void xsf_card_suspend(struct xsf_front *front);

/*
 * The PCM stream, in three files: pcm.c (the session and the ALSA
 * operations that drive it), pcm_hw.c (constraints and queries),
 * pcm_data.c (the data path).  What they call of each other follows.
 */

static inline struct device *xsf_pcm_dev(struct xsf_pcm_stream *stream)
{
	return &stream->xcard->front->xb->dev;
}

/* Feed the stream's session an event.  Under the PCM stream lock. */
static inline void xsf_pcm_session_event(struct xsf_pcm_stream *stream,
					 enum xsf_session_event event)
{
	stream->session = xsf_session_next(stream->session, event);
}

/* Feed the stream's run a trigger.  Under the PCM stream lock. */
static inline void xsf_pcm_run_event(struct xsf_pcm_stream *stream,
				     enum xsf_run_event event)
{
	stream->run = xsf_run_next(stream->run, event);
}

/* pcm_hw.c */
int xsf_pcm_format_to_alsa(unsigned int sndif_format);
int xsf_pcm_format_from_alsa(snd_pcm_format_t format);
void xsf_pcm_queries_reset(struct xsf_pcm_stream *stream);
int xsf_pcm_constraints(struct xsf_pcm_stream *stream,
			struct snd_pcm_runtime *runtime);

/* pcm_data.c */
void xsf_pcm_wait_quiet(struct xsf_pcm_stream *stream);
void xsf_pcm_new_run(struct xsf_pcm_stream *stream);
u64 xsf_pcm_hw_bytes(struct xsf_pcm_stream *stream);
#ifdef XSF_KUNIT
/*
 * Whether the playback pointer is guessed between position reports
 * (xsf_pcm_hw_bytes()): the KUnit suites keep it off, so that positions
 * are exactly the ones they report, except where a case tests the guess.
 */
extern bool xsf_pcm_clock_runs;
#else
#define xsf_pcm_clock_runs true
#endif
int xsf_pcm_flush(struct xsf_pcm_stream *stream, bool force);
int xsf_pcm_trigger_send(struct xsf_pcm_stream *stream, u8 type);
void xsf_pcm_stop_session(struct xsf_pcm_stream *stream);
void xsf_pcm_answer(void *ctx, int status, const struct xensnd_resp *resp);
bool xsf_pcm_event(void *ctx, const struct xensnd_evt *evt);
snd_pcm_uframes_t xsf_pcm_pointer(struct snd_pcm_substream *substream);
int xsf_pcm_ack(struct snd_pcm_substream *substream);
struct page *xsf_pcm_page(struct snd_pcm_substream *substream,
			  unsigned long offset);

/* pcm.c */
void xsf_pcm_stream_fini(struct xsf_pcm_stream *stream);
void xsf_pcm_stream_init(struct xsf_pcm_stream *stream, struct xsf_card *xcard,
			 unsigned int index, unsigned int pcm_index,
			 const struct xsf_stream_cfg *cfg);
int xsf_pcm_call(struct xsf_pcm_stream *stream, struct xensnd_req *req,
		 struct xensnd_resp *resp);
int xsf_pcm_backend_close(struct xsf_pcm_stream *stream);

int xsf_mixer_probe(struct xsf_pcm_stream *stream);
int xsf_mixer_add_controls(struct xsf_pcm_stream *stream);
int xsf_mixer_apply(struct xsf_pcm_stream *stream);

#endif /* XSF_ALSA_H */
