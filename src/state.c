// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The frontend state machine of sndif.h as a pure function.
 *
 * Inputs are our own xenbus state, the backend's, whether the ALSA card
 * still has users and whether the device is being removed.  The output is
 * the state to switch to and the one action to perform first.  The caller
 * (bus.c) applies transitions until the action is XSF_ACTION_NONE and the
 * state no longer changes, so a single backend change can walk through
 * several rows (e.g. tear down, then connect again).
 *
 * Rows, from sndif.h's state diagram and recovery flow:
 *   backend InitWait/Initialised, we Initialising/Closed -> connect
 *   backend Connected, we Initialised                    -> create the card
 *   backend lost (Unknown, Initialising, Closing, Closed, or back in
 *   InitWait while we are past it)                       -> tear down, or
 *       Reconfiguring while the card is in use, then tear down once the
 *       last user has closed it
 *   backend Closing                                      -> answer Closed
 *   we Closing after an error, backend let go            -> Closed
 *   removal                                              -> Closing
 */
#include "xsf_proto.h"

static struct xsf_transition xsf_go(enum xenbus_state next,
				    enum xsf_action action)
{
	struct xsf_transition t = { .next = next, .action = action };

	return t;
}

/* Where a frontend that lost its backend ends up once it has torn down. */
static enum xenbus_state xsf_after_teardown(enum xenbus_state backend)
{
	/*
	 * A backend in Closing waits for us to acknowledge with Closed; in
	 * every other case we are ready for a new connection at once.
	 */
	return backend == XenbusStateClosing ? XenbusStateClosed :
					       XenbusStateInitialising;
}

static bool xsf_backend_lost(enum xenbus_state backend)
{
	switch (backend) {
	case XenbusStateUnknown:
	case XenbusStateInitialising:
	case XenbusStateClosing:
	case XenbusStateClosed:
		return true;
	default:
		return false;
	}
}

/**
 * xsf_state_next() - decide the next frontend state and action
 * @frontend: our current xenbus state
 * @backend: the backend's current xenbus state
 * @card_in_use: the ALSA card exists and has open users
 * @removing: the device is being removed (driver unbind or unplug)
 *
 * Return: the state to switch to and the action to perform before that.
 * Values outside the xenbus state range are treated as Unknown.
 */
struct xsf_transition xsf_state_next(enum xenbus_state frontend,
				     enum xenbus_state backend,
				     bool card_in_use, bool removing)
{
	if (backend > XenbusStateReconfigured)
		backend = XenbusStateUnknown;

	if (removing) {
		if (frontend == XenbusStateClosing ||
		    frontend == XenbusStateClosed)
			return xsf_go(frontend, XSF_ACTION_NONE);
		return xsf_go(XenbusStateClosing, XSF_ACTION_CLOSE);
	}

	switch (frontend) {
	case XenbusStateInitialising:
	case XenbusStateClosed:
		if (backend == XenbusStateInitWait ||
		    backend == XenbusStateInitialised)
			return xsf_go(XenbusStateInitialised,
				      XSF_ACTION_CONNECT);
		if (frontend == XenbusStateClosed && backend != XenbusStateClosing &&
		    xsf_backend_lost(backend))
			return xsf_go(XenbusStateInitialising, XSF_ACTION_NONE);
		return xsf_go(frontend, XSF_ACTION_NONE);

	case XenbusStateInitialised:
		if (backend == XenbusStateConnected)
			return xsf_go(XenbusStateConnected,
				      XSF_ACTION_CREATE_CARD);
		if (xsf_backend_lost(backend))
			return xsf_go(xsf_after_teardown(backend),
				      XSF_ACTION_TEARDOWN);
		/* InitWait/Initialised: the backend has not read us yet. */
		return xsf_go(frontend, XSF_ACTION_NONE);

	case XenbusStateConnected:
		if (backend == XenbusStateConnected)
			return xsf_go(frontend, XSF_ACTION_NONE);
		/*
		 * Anything else means the backend went away or restarted
		 * (a restarted backend shows InitWait again).
		 */
		if (card_in_use)
			return xsf_go(XenbusStateReconfiguring,
				      XSF_ACTION_RECONFIGURE);
		return xsf_go(xsf_after_teardown(backend), XSF_ACTION_TEARDOWN);

	case XenbusStateReconfiguring:
		if (card_in_use)
			return xsf_go(frontend, XSF_ACTION_NONE);
		return xsf_go(xsf_after_teardown(backend), XSF_ACTION_TEARDOWN);

	case XenbusStateClosing:
		/*
		 * We gave up after an error (xenbus_dev_fatal() switched us
		 * here): once the backend has let go as well, be Closed,
		 * which a new backend connection can start from.
		 */
		if (backend == XenbusStateClosing ||
		    backend == XenbusStateClosed ||
		    backend == XenbusStateUnknown)
			return xsf_go(XenbusStateClosed, XSF_ACTION_NONE);
		return xsf_go(frontend, XSF_ACTION_NONE);

	default:
		/* Unknown, InitWait, Reconfigured: never ours; start over. */
		return xsf_go(XenbusStateInitialising, XSF_ACTION_TEARDOWN);
	}
}

/**
 * xsf_action_name() - printable name of an action, for messages
 * @action: the action
 *
 * Return: a static string.
 */
const char *xsf_action_name(enum xsf_action action)
{
	switch (action) {
	case XSF_ACTION_NONE:
		return "none";
	case XSF_ACTION_CONNECT:
		return "connect";
	case XSF_ACTION_CREATE_CARD:
		return "create-card";
	case XSF_ACTION_TEARDOWN:
		return "teardown";
	case XSF_ACTION_RECONFIGURE:
		return "reconfigure";
	case XSF_ACTION_CLOSE:
		return "close";
	}
	return "invalid";
}
