// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The data path of a PCM stream: pointer, ack, data and trigger
 * requests, their answers, and the backend's position events.
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
 * Everything here runs under the PCM stream lock, except
 * xsf_pcm_wait_quiet() and xsf_pcm_new_run() (process context); see
 * pcm.c for the locking of the whole.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <sound/pcm.h>

#include "xsf_alsa.h"
#include "xsf_trace.h"

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

/**
 * xsf_pcm_wait_quiet() - wait until the run's requests are answered
 * @stream: the stream
 *
 * Waits (bounded) until the backend answered what the run has
 * outstanding, or the stream no longer uses its link.  Process context,
 * without the stream lock.
 */
void xsf_pcm_wait_quiet(struct xsf_pcm_stream *stream)
{
	if (!wait_event_timeout(stream->idle_wait, xsf_pcm_quiet(stream),
				msecs_to_jiffies(xsf_request_timeout_ms)))
		dev_dbg(xsf_pcm_dev(stream), "stream %s: answers still outstanding after stop\n",
			stream->cfg.unique_id);
}

/**
 * xsf_pcm_new_run() - start the data path of a run afresh
 * @stream: the stream
 *
 * A new run starts at position 0 with nothing sent and not running:
 * answers to requests of the previous run are not in the new table and
 * are ignored.  Process context, without the stream lock.
 */
void xsf_pcm_new_run(struct xsf_pcm_stream *stream)
{
	snd_pcm_stream_lock_irq(stream->substream);
	xsf_pcm_run_event(stream, XSF_RUN_STOP);
	stream->appl_seen = 0;
	stream->appl_bytes = 0;
	stream->data_error = 0;
	stream->submitted = 0;
	stream->completed = 0;
	stream->shown = 0;
	stream->told = 0;
	memset(stream->inflight, 0, sizeof(stream->inflight));
	xsf_pos_reset(&stream->pos, stream->buffer_bytes, stream->period_bytes);
	snd_pcm_stream_unlock_irq(stream->substream);
	xsf_bus_resync_events(&stream->link);
}

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
 * Playback: the octets played by now, guessed from the time since the
 * position last moved at the stream's rate, from @known (the position
 * reported, but never past data the backend confirmed).  Between two
 * reports the pointer moves on as a DMA pointer does: a client that
 * wakes up for another reason just after it filled the buffer (a
 * PulseAudio that handles a message finds the last poll's POLLOUT still
 * set) then finds room, as it would on any sound card, instead of none.
 *
 * The guess stays below the next period boundary but one after the last
 * report (a backend reports at least once a period), below what the
 * backend has confirmed (only that part of the buffer may be written
 * again), and below what the application has written: a drain, or an
 * underrun, ends only by the backend's own report, never by a guess.
 * Not while paused, draining or stopped.  Under the stream lock.
 */
#ifdef XSF_KUNIT
bool xsf_pcm_clock_runs;
#endif

static u64 xsf_pcm_played_guess(struct xsf_pcm_stream *stream, u64 known)
{
	u64 guess, limit;
	s64 since_ns;
	u32 rem;

	if (!xsf_pcm_clock_runs || !xsf_run_running(stream->run) || xsf_run_draining(stream->run) ||
	    !stream->byte_rate || !stream->frame_bytes)
		return known;
	since_ns = ktime_to_ns(ktime_sub(ktime_get(), stream->pos_time));
	if (since_ns <= 0)
		return known;
	guess = stream->pos.stream +
		mul_u64_u32_div(since_ns, stream->byte_rate, NSEC_PER_SEC);
	limit = min3(stream->pos.stream + stream->period_bytes,
		     stream->completed, stream->appl_bytes);
	if (limit < stream->frame_bytes)
		return known;
	guess = min(guess, limit - stream->frame_bytes);
	div_u64_rem(guess, stream->frame_bytes, &rem);
	return max(known, guess - rem);
}

/**
 * xsf_pcm_hw_bytes() - octets done since the run was prepared
 * @stream: the stream; caller holds the PCM stream lock
 *
 * Return: octets played (playback: the backend's position, never past
 * data it has confirmed, and between reports a guess from the time that
 * passed; see xsf_pcm_played_guess()) or captured and read.  This is
 * what .pointer reports; for playback it never goes back within a run.
 */
u64 xsf_pcm_hw_bytes(struct xsf_pcm_stream *stream)
{
	u64 known;

	if (stream->cfg.capture)
		return stream->completed;
	known = min(stream->pos.stream, stream->completed);
	stream->shown = max(stream->shown, xsf_pcm_played_guess(stream, known));
	return stream->shown;
}

/*
 * What .pointer gives ALSA next: xsf_pcm_hw_bytes(), but less than a
 * whole buffer past what it gave last.  ALSA reads the pointer as an
 * offset into the buffer, so a move of a whole buffer would look like
 * none at all (a playback stuck until ALSA's write times out with
 * -EIO), and a longer one like a short one.  The position gets that far
 * ahead when the backend played everything it had before ALSA looked:
 * ALSA then sees a frame short of it, so that the application can write
 * on, and the rest on its next look.
 */
static u64 xsf_pcm_pointer_bytes(struct xsf_pcm_stream *stream)
{
	u64 bytes = xsf_pcm_hw_bytes(stream);

	if (bytes - stream->told >= stream->buffer_bytes)
		bytes = stream->told + stream->buffer_bytes - stream->frame_bytes;
	return bytes;
}

/* xsf_pcm_pointer_bytes() as an offset into the buffer, in frames. */
static snd_pcm_uframes_t xsf_pcm_hw_offset(struct xsf_pcm_stream *stream,
					   u64 bytes)
{
	u32 offset;

	div_u64_rem(bytes, stream->buffer_bytes, &offset);
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

	if (!snd_pcm_running(substream) || !runtime->period_size ||
	    !stream->buffer_bytes)
		return false;
	old_ptr = runtime->status->hw_ptr;
	new_ptr = runtime->hw_ptr_base +
		  xsf_pcm_hw_offset(stream, xsf_pcm_pointer_bytes(stream));
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
 * How a data request goes out.  A WRITE of a running playback need not
 * interrupt when it is answered: the backend's next position event
 * comes within a period, and takes the answer with it (bus.c), so a
 * period costs one interrupt instead of two.  Before the start (no
 * events yet) and for capture (a READ's answer is the captured data,
 * due at once) every answer interrupts.
 */
static enum xsf_ring_class xsf_pcm_data_class(struct xsf_pcm_stream *stream)
{
	if (!stream->cfg.capture &&
	    xsf_pcm_state(stream->substream->runtime) == SNDRV_PCM_STATE_RUNNING)
		return XSF_RING_DATA_QUIET;
	return XSF_RING_DATA;
}

/**
 * xsf_pcm_flush() - send data requests for what is ready
 * @stream: the stream; caller holds the PCM stream lock
 * @force: send partial periods too
 *
 * Playback: octets the application produced; capture: octets the
 * backend has captured.  Whole periods only unless @force.  Nothing goes
 * out unless the session is open.
 *
 * Return: 0, or a negative errno if the channel refused a request.
 */
int xsf_pcm_flush(struct xsf_pcm_stream *stream, bool force)
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
		ret = xsf_bus_submit(&stream->link, &req, xsf_pcm_data_class(stream));
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
	struct xsf_trace_id tid = {
		.dev = stream->xcard->front->trace_dev,
		.stream = stream->index,
	};

	dev_warn_ratelimited(xsf_pcm_dev(stream), "stream %s: %s (%d): xrun\n",
			     stream->cfg.unique_id, why, err);
	trace_xsf_xrun(tid, err, stream->completed, stream->appl_bytes);
	if (snd_pcm_running(substream))
		snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
}

/**
 * xsf_pcm_ack() - the application pointer moved (ALSA's .ack)
 * @substream: the substream; ALSA holds its stream lock
 *
 * Playback data the application produced goes out when the stream may
 * send; the pointer may not go back into data sent already.
 *
 * Return: 0, -EPIPE for a pointer moved back into data sent, or the
 * errno of a request the channel refused (ALSA restores its pointer).
 */
int xsf_pcm_ack(struct snd_pcm_substream *substream)
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
		 * back.  ALSA restores the pointer; a rewind then reports
		 * that nothing was rewound (rewind_appl_ptr()) and the
		 * application writes on from where it was.  Not -EPIPE: ALSA
		 * would stop the stream with an xrun (pcm_lib_apply_appl_ptr),
		 * which is what a sound server that rewinds to mix a new
		 * client in at once (PulseAudio) then gets every time.
		 */
		dev_dbg(xsf_pcm_dev(stream),
			"application pointer moved back into data already sent\n");
		return -EBUSY;
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

/**
 * xsf_pcm_trigger_send() - send a TRIGGER in the stream's session
 * @stream: the stream; caller holds the PCM stream lock
 * @type: XENSND_OP_TRIGGER_*
 *
 * Control requests always find room on the ring.  Once sent, the
 * trigger counts in the session (&enum xsf_session_event); its answer
 * comes to xsf_pcm_answer().
 *
 * Return: 0, -EIO without a link or an open session, -EBUSY when the
 * run's table of requests is full, or the channel's errno.
 */
int xsf_pcm_trigger_send(struct xsf_pcm_stream *stream, u8 type)
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

/**
 * xsf_pcm_stop_session() - stop a session that was started or given data
 * @stream: the stream; caller holds the PCM stream lock
 *
 * A STOP that cannot be sent leaves the session as it is: the next
 * prepare stops it, or closes it.
 */
void xsf_pcm_stop_session(struct xsf_pcm_stream *stream)
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
	if (!status) {
		if (type == XENSND_OP_TRIGGER_STOP)
			xsf_pcm_session_event(stream, XSF_SESSION_STOP_DONE);
		return;
	}
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

/**
 * xsf_pcm_answer() - the link's answer callback
 * @ctx: the stream
 * @status: the answer's errno
 * @resp: the response, or NULL when the ring failed its requests
 *
 * From the ring's interrupt, or from the bus when the channel goes away.
 * An id not in the run's table is an earlier run's request: ignored.
 */
void xsf_pcm_answer(void *ctx, int status, const struct xensnd_resp *resp)
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

/**
 * xsf_pcm_pointer() - ALSA's .pointer
 * @substream: the substream; ALSA holds its stream lock
 *
 * Return: xsf_pcm_hw_bytes() as an offset into the buffer, in frames,
 * less than a buffer past the last one (see xsf_pcm_pointer_bytes()).
 */
snd_pcm_uframes_t xsf_pcm_pointer(struct snd_pcm_substream *substream)
{
	struct xsf_pcm_stream *stream = substream->private_data;

	if (!stream->buffer_bytes)
		return 0;
	stream->told = xsf_pcm_pointer_bytes(stream);
	return xsf_pcm_hw_offset(stream, stream->told);
}

/**
 * xsf_pcm_page() - ALSA's .page, for mmap of the shared buffer
 * @substream: the substream
 * @offset: octet offset into the buffer
 *
 * Return: the buffer's page at @offset, or NULL past its end.
 */
struct page *xsf_pcm_page(struct snd_pcm_substream *substream,
			  unsigned long offset)
{
	struct xsf_pcm_stream *stream = substream->private_data;
	unsigned long index = offset >> PAGE_SHIFT;

	if (index >= stream->buf.nr_pages)
		return NULL;
	return stream->buf.pages[index];
}

/* Octets the stream can have moved since it started, by the clock. */
static u64 xsf_pcm_elapsed_bytes(struct xsf_pcm_stream *stream)
{
	return div_u64((u64)jiffies_to_msecs(jiffies - stream->start_jiffies) *
		       stream->byte_rate, 1000);
}

/**
 * xsf_pcm_event() - the link's event callback
 * @ctx: the stream
 * @evt: the event, copied from the event page
 *
 * From the channel's event interrupt.  A position of a running stream is
 * of use even when it did not move (a backend whose device stalls
 * repeats it, snd_be's jitters back by a frame): throttling those would
 * delay the events that follow.  Events for a stream that is not
 * running, or of unknown types, are of no use and count towards
 * throttling a flood.
 *
 * Return: whether the event was of use.
 */
bool xsf_pcm_event(void *ctx, const struct xensnd_evt *evt)
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
	stream->pos_time = ktime_get();
	if (stream->cfg.capture && xsf_pcm_flush(stream, false))
		xsf_pcm_xrun(stream, "cannot send READ", -EIO);
	elapsed = xsf_pcm_period_crossed(stream);
out:
	xsf_pcm_unlock_elapsed(substream, elapsed, flags);
	return useful;
}
