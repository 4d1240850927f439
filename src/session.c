// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The backend session of one stream, and the ALSA side of its run, as
 * pure functions.
 *
 * The session follows what was sent and what the backend answered:
 *
 *   CLOSED --OPEN answered--> OPEN --WRITE--> FED --START--> STARTED
 *   STARTED --PAUSE--> PAUSED --RESUME--> STARTED
 *   OPEN, FED, STARTED, PAUSED --STOP--> STOPPING --answered--> OPEN
 *   STOPPING --STOP refused--> STARTED (the backend may play on)
 *   any session --CLOSE--> CLOSING --answered--> CLOSED
 *   CLOSING --unanswered--> IN_DOUBT; an OPEN unanswered too
 *   the channel lost: CLOSED; the buffer's grants ended: REVOKED
 *
 * Triggers are sent asynchronously: a state counts from the moment its
 * request went out, and a refusal, when it comes, takes it back.  An
 * event that cannot apply to a state (a START without a session, an
 * answer after the channel was lost) leaves it as it is.
 *
 * The run state is what ALSA's triggers asked for: whether the stream
 * runs, and whether it drains (sends partial periods).  Both are kept
 * per stream by pcm.c and pcm_data.c under the PCM stream lock.
 */
#include "xsf_session.h"

static bool xsf_session_has_data(enum xsf_session_state state)
{
	return state == XSF_SESSION_FED || state == XSF_SESSION_STARTED ||
	       state == XSF_SESSION_PAUSED;
}

/**
 * xsf_session_is_open() - whether requests may be sent in the session
 * @state: the session's state
 *
 * Return: true for a session the backend answered OPEN for and that is
 * not being closed.
 */
bool xsf_session_is_open(enum xsf_session_state state)
{
	return state == XSF_SESSION_OPEN || state == XSF_SESSION_STOPPING ||
	       xsf_session_has_data(state);
}

/**
 * xsf_session_needs_stop() - whether the backend may hold data or play
 * @state: the session's state
 *
 * A session that is reused, or closed (a backend that drains on CLOSE
 * would play what it still has), is stopped first when this is true.
 *
 * Return: true for a session that was started or given data since its
 * OPEN or its last STOP, or whose STOP was refused.
 */
bool xsf_session_needs_stop(enum xsf_session_state state)
{
	return xsf_session_has_data(state);
}

/**
 * xsf_session_needs_close() - whether the backend may hold a session
 * @state: the session's state
 *
 * Return: true when a CLOSE is due before the stream is opened again or
 * let go: it is open, or an OPEN or CLOSE went unanswered.
 */
bool xsf_session_needs_close(enum xsf_session_state state)
{
	return state == XSF_SESSION_IN_DOUBT || xsf_session_is_open(state);
}

/* OPEN answered, refused or not answered: only tried without a session. */
static enum xsf_session_state xsf_session_opened(enum xsf_session_state state,
						 enum xsf_session_event event)
{
	if (state != XSF_SESSION_CLOSED && state != XSF_SESSION_IN_DOUBT)
		return state;
	if (event == XSF_SESSION_OPEN_DONE)
		return XSF_SESSION_OPEN;
	if (event == XSF_SESSION_OPEN_TIMEOUT)
		return XSF_SESSION_IN_DOUBT;
	/* Refused: the doubt of an earlier CLOSE stays. */
	return state;
}

/**
 * xsf_session_next() - the session's state after an event
 * @state: the session's state
 * @event: what happened
 *
 * Return: the next state.  A state or an event out of range changes
 * nothing.
 */
enum xsf_session_state xsf_session_next(enum xsf_session_state state,
					enum xsf_session_event event)
{
	if (state >= XSF_SESSION_NR_STATES)
		return state;
	switch (event) {
	case XSF_SESSION_OPEN_DONE:
	case XSF_SESSION_OPEN_REFUSED:
	case XSF_SESSION_OPEN_TIMEOUT:
		return xsf_session_opened(state, event);
	case XSF_SESSION_CLOSE_SENT:
		return xsf_session_needs_close(state) ? XSF_SESSION_CLOSING :
							state;
	case XSF_SESSION_CLOSE_DONE:
		return state == XSF_SESSION_CLOSING ? XSF_SESSION_CLOSED : state;
	case XSF_SESSION_CLOSE_TIMEOUT:
		return state == XSF_SESSION_CLOSING ? XSF_SESSION_IN_DOUBT :
						      state;
	case XSF_SESSION_DATA_SENT:
		if (state == XSF_SESSION_OPEN || state == XSF_SESSION_STOPPING)
			return XSF_SESSION_FED;
		return state;
	case XSF_SESSION_START_SENT:
		return xsf_session_is_open(state) ? XSF_SESSION_STARTED : state;
	case XSF_SESSION_PAUSE_SENT:
		return state == XSF_SESSION_STARTED ? XSF_SESSION_PAUSED : state;
	case XSF_SESSION_PAUSE_REFUSED:
	case XSF_SESSION_RESUME_SENT:
		/*
		 * Only a paused session resumes: one stopped because it
		 * could not be paused stays stopped, and the backend
		 * refuses the RESUME.
		 */
		return state == XSF_SESSION_PAUSED ? XSF_SESSION_STARTED : state;
	case XSF_SESSION_STOP_SENT:
		return xsf_session_is_open(state) ? XSF_SESSION_STOPPING : state;
	case XSF_SESSION_STOP_DONE:
		/*
		 * Only what the STOP covered: data or a START sent after it
		 * (ALSA's undo of a failed START stops a PREPARED stream,
		 * which then takes more data) still needs a STOP of its own.
		 */
		return state == XSF_SESSION_STOPPING ? XSF_SESSION_OPEN : state;
	case XSF_SESSION_STOP_REFUSED:
		/* A session that needs a STOP already needs it still. */
		if (state == XSF_SESSION_OPEN || state == XSF_SESSION_STOPPING)
			return XSF_SESSION_STARTED;
		return state;
	case XSF_SESSION_REBOUND:
		return xsf_session_is_open(state) || state == XSF_SESSION_CLOSING ?
		       XSF_SESSION_CLOSED : state;
	case XSF_SESSION_LOST:
		return state == XSF_SESSION_REVOKED ? state : XSF_SESSION_CLOSED;
	case XSF_SESSION_REVOKE:
		/*
		 * Only after the channel was lost, which ended every
		 * session: whatever a backend still holds cannot reach the
		 * buffer any more.
		 */
		return XSF_SESSION_REVOKED;
	case XSF_SESSION_GRANTED:
		return state == XSF_SESSION_REVOKED ? XSF_SESSION_CLOSED : state;
	case XSF_SESSION_NR_EVENTS:
		break;
	}
	return state;
}

/**
 * xsf_run_next() - the run's state after a trigger
 * @state: the run's state
 * @event: the trigger that succeeded, or the end of the run
 *
 * Return: the next state; values out of range change nothing.
 */
enum xsf_run_state xsf_run_next(enum xsf_run_state state,
				enum xsf_run_event event)
{
	bool draining = xsf_run_draining(state);

	if (state >= XSF_RUN_NR_STATES)
		return state;
	switch (event) {
	case XSF_RUN_START:
	case XSF_RUN_RELEASE:
		return draining ? XSF_RUN_DRAINING : XSF_RUN_RUNNING;
	case XSF_RUN_HOLD:
		return draining ? XSF_RUN_DRAIN_HELD : XSF_RUN_STOPPED;
	case XSF_RUN_DRAIN:
		return xsf_run_running(state) ? XSF_RUN_DRAINING :
						XSF_RUN_DRAIN_HELD;
	case XSF_RUN_STOP:
		return XSF_RUN_STOPPED;
	case XSF_RUN_NR_EVENTS:
		break;
	}
	return state;
}

/**
 * xsf_run_running() - whether the stream runs, as far as ALSA asked
 * @state: the run's state
 *
 * Return: true when started or resumed, and neither stopped nor held.
 */
bool xsf_run_running(enum xsf_run_state state)
{
	return state == XSF_RUN_RUNNING || state == XSF_RUN_DRAINING;
}

/**
 * xsf_run_draining() - whether a drain is going on (held or not)
 * @state: the run's state
 *
 * Return: true when partial periods are to be sent once running.
 */
bool xsf_run_draining(enum xsf_run_state state)
{
	return state == XSF_RUN_DRAINING || state == XSF_RUN_DRAIN_HELD;
}
