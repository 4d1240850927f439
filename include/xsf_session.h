/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * snd_xen_front: what one stream's backend session and its ALSA run are,
 * as pure state machines (session.c).  No Xen, no ALSA, no locks: the
 * PCM layer holds the state, feeds it what happened and asks it what
 * that means.
 */
#ifndef XSF_SESSION_H
#define XSF_SESSION_H

#include <linux/types.h>

/**
 * enum xsf_session_state - the backend's session of one stream
 * @XSF_SESSION_CLOSED: the backend has no session of the stream
 * @XSF_SESSION_IN_DOUBT: an OPEN or a CLOSE went unanswered: the backend
 *	may hold a session, so a CLOSE goes before the next OPEN
 * @XSF_SESSION_OPEN: OPEN answered; nothing started or given since it or
 *	since the last STOP
 * @XSF_SESSION_FED: open, data sent, never started: the backend holds
 *	data of this run (ALSA sends no STOP for a stream dropped unstarted)
 * @XSF_SESSION_STARTED: START sent, and no STOP since
 * @XSF_SESSION_PAUSED: PAUSE sent after the START
 * @XSF_SESSION_STOPPING: STOP sent, not answered: counts as stopped
 *	unless the backend refuses it
 * @XSF_SESSION_CLOSING: CLOSE sent, not answered
 * @XSF_SESSION_REVOKED: no session, and the grants of the stream's buffer
 *	were ended after the backend went away: only a new grant leads out
 * @XSF_SESSION_NR_STATES: number of states
 */
enum xsf_session_state {
	XSF_SESSION_CLOSED,
	XSF_SESSION_IN_DOUBT,
	XSF_SESSION_OPEN,
	XSF_SESSION_FED,
	XSF_SESSION_STARTED,
	XSF_SESSION_PAUSED,
	XSF_SESSION_STOPPING,
	XSF_SESSION_CLOSING,
	XSF_SESSION_REVOKED,
	XSF_SESSION_NR_STATES,
};

/**
 * enum xsf_session_event - what happened to a stream's session
 * @XSF_SESSION_OPEN_DONE: the backend answered OPEN with success
 * @XSF_SESSION_OPEN_REFUSED: the backend answered OPEN with an error, or
 *	it could not be sent
 * @XSF_SESSION_OPEN_TIMEOUT: OPEN went unanswered
 * @XSF_SESSION_CLOSE_SENT: CLOSE is being sent (after a STOP if needed)
 * @XSF_SESSION_CLOSE_DONE: CLOSE answered, with success or not, or it
 *	could not be sent: either way the session is over
 * @XSF_SESSION_CLOSE_TIMEOUT: CLOSE went unanswered
 * @XSF_SESSION_DATA_SENT: a WRITE went to the backend
 * @XSF_SESSION_START_SENT: TRIGGER START went to the backend
 * @XSF_SESSION_PAUSE_SENT: TRIGGER PAUSE went to the backend
 * @XSF_SESSION_PAUSE_REFUSED: the backend refused a PAUSE: it plays on
 * @XSF_SESSION_RESUME_SENT: TRIGGER RESUME went to the backend
 * @XSF_SESSION_STOP_SENT: TRIGGER STOP went to the backend
 * @XSF_SESSION_STOP_DONE: the backend carried out the STOP of a STOPPING
 *	session
 * @XSF_SESSION_STOP_REFUSED: the backend refused a STOP: it may still
 *	play, or hold data
 * @XSF_SESSION_REBOUND: the stream took its channel of the connection
 *	again: a session of the previous user of the channel is not ours,
 *	but one whose CLOSE went unanswered may be
 * @XSF_SESSION_LOST: the channel went away, and every session with it
 * @XSF_SESSION_REVOKE: the grants of the stream's buffer were ended
 * @XSF_SESSION_GRANTED: the stream's buffer was granted anew (allocated,
 *	or granted again after a revocation or a restore)
 * @XSF_SESSION_NR_EVENTS: number of events
 */
enum xsf_session_event {
	XSF_SESSION_OPEN_DONE,
	XSF_SESSION_OPEN_REFUSED,
	XSF_SESSION_OPEN_TIMEOUT,
	XSF_SESSION_CLOSE_SENT,
	XSF_SESSION_CLOSE_DONE,
	XSF_SESSION_CLOSE_TIMEOUT,
	XSF_SESSION_DATA_SENT,
	XSF_SESSION_START_SENT,
	XSF_SESSION_PAUSE_SENT,
	XSF_SESSION_PAUSE_REFUSED,
	XSF_SESSION_RESUME_SENT,
	XSF_SESSION_STOP_SENT,
	XSF_SESSION_STOP_DONE,
	XSF_SESSION_STOP_REFUSED,
	XSF_SESSION_REBOUND,
	XSF_SESSION_LOST,
	XSF_SESSION_REVOKE,
	XSF_SESSION_GRANTED,
	XSF_SESSION_NR_EVENTS,
};

enum xsf_session_state xsf_session_next(enum xsf_session_state state,
					enum xsf_session_event event);
bool xsf_session_is_open(enum xsf_session_state state);
bool xsf_session_needs_stop(enum xsf_session_state state);
bool xsf_session_needs_close(enum xsf_session_state state);

/**
 * enum xsf_run_state - the ALSA side of a stream's run, as its triggers
 *	left it
 * @XSF_RUN_STOPPED: not running: prepared, stopped, paused or suspended
 * @XSF_RUN_RUNNING: started, and neither stopped nor paused since
 * @XSF_RUN_DRAINING: running, and draining: partial periods go out too
 * @XSF_RUN_DRAIN_HELD: paused or suspended while draining: the drain
 *	goes on when the stream is resumed
 * @XSF_RUN_NR_STATES: number of states
 *
 * Not ALSA's own runtime state: only the trigger master of a linked
 * group gets TRIGGER_DRAIN, a capture stream that drains is stopped, and
 * within a trigger ALSA's state is still the old one.
 */
enum xsf_run_state {
	XSF_RUN_STOPPED,
	XSF_RUN_RUNNING,
	XSF_RUN_DRAINING,
	XSF_RUN_DRAIN_HELD,
	XSF_RUN_NR_STATES,
};

/**
 * enum xsf_run_event - a trigger that succeeded, or the end of a run
 * @XSF_RUN_START: TRIGGER_START
 * @XSF_RUN_HOLD: TRIGGER_PAUSE_PUSH or TRIGGER_SUSPEND
 * @XSF_RUN_RELEASE: TRIGGER_PAUSE_RELEASE or TRIGGER_RESUME
 * @XSF_RUN_DRAIN: TRIGGER_DRAIN
 * @XSF_RUN_STOP: TRIGGER_STOP, a stop of our own, or a new run
 * @XSF_RUN_NR_EVENTS: number of events
 */
enum xsf_run_event {
	XSF_RUN_START,
	XSF_RUN_HOLD,
	XSF_RUN_RELEASE,
	XSF_RUN_DRAIN,
	XSF_RUN_STOP,
	XSF_RUN_NR_EVENTS,
};

enum xsf_run_state xsf_run_next(enum xsf_run_state state,
				enum xsf_run_event event);
bool xsf_run_running(enum xsf_run_state state);
bool xsf_run_draining(enum xsf_run_state state);

#endif /* XSF_SESSION_H */
