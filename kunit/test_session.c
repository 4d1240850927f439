// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_session: a stream's backend session and the
 * ALSA side of its run, every (state, event) pair against a table, and
 * the properties the PCM layer relies on.
 */
#include <kunit/test.h>

#include "xsf_session.h"

#define CL XSF_SESSION_CLOSED
#define ID XSF_SESSION_IN_DOUBT
#define OP XSF_SESSION_OPEN
#define FE XSF_SESSION_FED
#define ST XSF_SESSION_STARTED
#define PA XSF_SESSION_PAUSED
#define SP XSF_SESSION_STOPPING
#define CG XSF_SESSION_CLOSING
#define RV XSF_SESSION_REVOKED
#define NR_STATES XSF_SESSION_NR_STATES
#define NR_EVENTS XSF_SESSION_NR_EVENTS

/*
 * Columns, in the order of enum xsf_session_event:
 * OPEN_DONE OPEN_REFUSED OPEN_TIMEOUT CLOSE_SENT CLOSE_DONE CLOSE_TIMEOUT
 * DATA_SENT START_SENT PAUSE_SENT PAUSE_REFUSED RESUME_SENT STOP_SENT
 * STOP_DONE STOP_REFUSED REBOUND LOST REVOKE GRANTED
 */
static const enum xsf_session_state xsf_session_table[NR_STATES][NR_EVENTS] = {
	[CL] = { OP, CL, ID, CL, CL, CL, CL, CL, CL,
		 CL, CL, CL, CL, CL, CL, CL, RV, CL },
	[ID] = { OP, ID, ID, CG, ID, ID, ID, ID, ID,
		 ID, ID, ID, ID, ID, ID, CL, RV, ID },
	[OP] = { OP, OP, OP, CG, OP, OP, FE, ST, OP,
		 OP, OP, SP, OP, ST, CL, CL, RV, OP },
	[FE] = { FE, FE, FE, CG, FE, FE, FE, ST, FE,
		 FE, FE, SP, FE, FE, CL, CL, RV, FE },
	[ST] = { ST, ST, ST, CG, ST, ST, ST, ST, PA,
		 ST, ST, SP, ST, ST, CL, CL, RV, ST },
	[PA] = { PA, PA, PA, CG, PA, PA, PA, ST, PA,
		 ST, ST, SP, PA, PA, CL, CL, RV, PA },
	[SP] = { SP, SP, SP, CG, SP, SP, FE, ST, SP,
		 SP, SP, SP, OP, ST, CL, CL, RV, SP },
	[CG] = { CG, CG, CG, CG, CL, ID, CG, CG, CG,
		 CG, CG, CG, CG, CG, CL, CL, RV, CG },
	[RV] = { RV, RV, RV, RV, RV, RV, RV, RV, RV,
		 RV, RV, RV, RV, RV, RV, RV, RV, CL },
};

static void session_every_pair(struct kunit *test)
{
	enum xsf_session_state s;
	enum xsf_session_event e;

	for (s = 0; s < NR_STATES; s++)
		for (e = 0; e < NR_EVENTS; e++)
			KUNIT_EXPECT_EQ_MSG(test, xsf_session_next(s, e),
					    xsf_session_table[s][e],
					    "state %d event %d", s, e);
}

static void session_predicates(struct kunit *test)
{
	static const struct {
		enum xsf_session_state state;
		bool open, stop, close;
	} rows[] = {
		{ CL, false, false, false },
		{ ID, false, false, true },
		{ OP, true, false, true },
		{ FE, true, true, true },
		{ ST, true, true, true },
		{ PA, true, true, true },
		{ SP, true, false, true },
		{ CG, false, false, false },
		{ RV, false, false, false },
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(rows), (size_t)NR_STATES);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		KUNIT_EXPECT_EQ_MSG(test, xsf_session_is_open(rows[i].state),
				    rows[i].open, "state %d", rows[i].state);
		KUNIT_EXPECT_EQ_MSG(test, xsf_session_needs_stop(rows[i].state),
				    rows[i].stop, "state %d", rows[i].state);
		KUNIT_EXPECT_EQ_MSG(test,
				    xsf_session_needs_close(rows[i].state),
				    rows[i].close, "state %d", rows[i].state);
	}
}

static void session_out_of_range(struct kunit *test)
{
	enum xsf_session_event e;

	for (e = 0; e <= NR_EVENTS; e++)
		KUNIT_EXPECT_EQ(test, xsf_session_next(NR_STATES, e),
				(enum xsf_session_state)NR_STATES);
	KUNIT_EXPECT_EQ(test, xsf_session_next(ST, NR_EVENTS),
			(enum xsf_session_state)ST);
	KUNIT_EXPECT_EQ(test, xsf_session_next(ST, 200),
			(enum xsf_session_state)ST);
	KUNIT_EXPECT_FALSE(test, xsf_session_needs_close(NR_STATES));
}

/* States reachable from @from without the events in @excluded (a mask). */
static unsigned int session_reachable(enum xsf_session_state from,
				      unsigned long excluded)
{
	unsigned int seen = BIT(from), grown;
	enum xsf_session_state s;
	enum xsf_session_event e;

	do {
		grown = seen;
		for (s = 0; s < NR_STATES; s++) {
			if (!(seen & BIT(s)))
				continue;
			for (e = 0; e < NR_EVENTS; e++)
				if (!(excluded & BIT(e)))
					seen |= BIT(xsf_session_next(s, e));
		}
	} while (seen != grown);
	return seen;
}

/* No state is dead: a closed stream can get into each one. */
static void session_every_state_reachable(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, session_reachable(CL, 0),
			(unsigned int)GENMASK(NR_STATES - 1, 0));
}

/* Nothing is sent in a session the backend did not answer OPEN for. */
static void session_open_only_by_answer(struct kunit *test)
{
	enum xsf_session_state s;
	enum xsf_session_event e;

	for (s = 0; s < NR_STATES; s++) {
		if (xsf_session_is_open(s))
			continue;
		for (e = 0; e < NR_EVENTS; e++)
			if (e != XSF_SESSION_OPEN_DONE)
				KUNIT_EXPECT_FALSE_MSG(test,
						       xsf_session_is_open(xsf_session_next(s, e)),
						       "state %d event %d", s, e);
	}
}

/*
 * After a CLOSE or an OPEN went unanswered, a CLOSE is due, and stays
 * due until one is sent, an OPEN is answered, or the channel is gone.
 */
static void session_close_after_timeout(struct kunit *test)
{
	unsigned long leave = BIT(XSF_SESSION_CLOSE_SENT) |
			      BIT(XSF_SESSION_OPEN_DONE) |
			      BIT(XSF_SESSION_LOST) | BIT(XSF_SESSION_REVOKE);
	enum xsf_session_state s;

	KUNIT_EXPECT_EQ(test, xsf_session_next(CG, XSF_SESSION_CLOSE_TIMEOUT),
			(enum xsf_session_state)ID);
	KUNIT_EXPECT_EQ(test, xsf_session_next(CL, XSF_SESSION_OPEN_TIMEOUT),
			(enum xsf_session_state)ID);
	KUNIT_EXPECT_EQ(test, session_reachable(ID, leave), (unsigned int)BIT(ID));
	KUNIT_EXPECT_TRUE(test, xsf_session_needs_close(ID));
	/* A refused OPEN leaves the doubt of the CLOSE before it. */
	KUNIT_EXPECT_EQ(test, xsf_session_next(ID, XSF_SESSION_OPEN_REFUSED),
			(enum xsf_session_state)ID);
	/* Taking the channel of the same connection again keeps it too. */
	KUNIT_EXPECT_EQ(test, xsf_session_next(ID, XSF_SESSION_REBOUND),
			(enum xsf_session_state)ID);
	/* The CLOSE sent for it, answered, ends the doubt. */
	s = xsf_session_next(ID, XSF_SESSION_CLOSE_SENT);
	KUNIT_EXPECT_FALSE(test, xsf_session_needs_close(s));
	KUNIT_EXPECT_EQ(test, xsf_session_next(s, XSF_SESSION_CLOSE_DONE),
			(enum xsf_session_state)CL);
}

/* A STOP the backend refused keeps the session, to be stopped again. */
static void session_failed_stop_keeps_session(struct kunit *test)
{
	enum xsf_session_state s, next;

	for (s = 0; s < NR_STATES; s++) {
		if (!xsf_session_is_open(s))
			continue;
		next = xsf_session_next(s, XSF_SESSION_STOP_SENT);
		KUNIT_EXPECT_EQ(test, next, (enum xsf_session_state)SP);
		KUNIT_EXPECT_FALSE(test, xsf_session_needs_stop(next));
		next = xsf_session_next(next, XSF_SESSION_STOP_REFUSED);
		KUNIT_EXPECT_TRUE_MSG(test, xsf_session_is_open(next),
				      "state %d", s);
		KUNIT_EXPECT_TRUE_MSG(test, xsf_session_needs_stop(next),
				      "state %d", s);
		/* Refused once more, still so. */
		next = xsf_session_next(next, XSF_SESSION_STOP_REFUSED);
		KUNIT_EXPECT_TRUE(test, xsf_session_needs_stop(next));
	}
}

/* A session that held data is clean after an answered STOP. */
static void session_stop_cleans(struct kunit *test)
{
	enum xsf_session_state s, next;

	for (s = 0; s < NR_STATES; s++) {
		if (!xsf_session_is_open(s))
			continue;
		next = xsf_session_next(xsf_session_next(s, XSF_SESSION_STOP_SENT),
					XSF_SESSION_STOP_DONE);
		KUNIT_EXPECT_EQ_MSG(test, next, (enum xsf_session_state)OP,
				    "state %d", s);
	}
	/* Data given to a stream never started needs a STOP too. */
	KUNIT_EXPECT_TRUE(test,
			  xsf_session_needs_stop(xsf_session_next(OP,
								  XSF_SESSION_DATA_SENT)));
	/* So does data given after an unanswered STOP. */
	KUNIT_EXPECT_TRUE(test,
			  xsf_session_needs_stop(xsf_session_next(SP,
								  XSF_SESSION_DATA_SENT)));
	/* And data or a START sent before that STOP is answered. */
	next = xsf_session_next(SP, XSF_SESSION_DATA_SENT);
	KUNIT_EXPECT_TRUE(test,
			  xsf_session_needs_stop(xsf_session_next(next,
								  XSF_SESSION_STOP_DONE)));
	next = xsf_session_next(SP, XSF_SESSION_START_SENT);
	KUNIT_EXPECT_TRUE(test,
			  xsf_session_needs_stop(xsf_session_next(next,
								  XSF_SESSION_STOP_DONE)));
}

/*
 * A revoked buffer is used again only once granted anew and after a
 * new OPEN: no sequence of other events opens the session.
 */
static void session_revoked_needs_grant_and_open(struct kunit *test)
{
	unsigned int without_open, without_grant, s;

	without_open = session_reachable(RV, BIT(XSF_SESSION_OPEN_DONE));
	without_grant = session_reachable(RV, BIT(XSF_SESSION_GRANTED));
	KUNIT_EXPECT_EQ(test, without_grant, (unsigned int)BIT(RV));
	for (s = 0; s < NR_STATES; s++)
		if (without_open & BIT(s))
			KUNIT_EXPECT_FALSE_MSG(test, xsf_session_is_open(s),
					       "state %u", s);
	KUNIT_EXPECT_EQ(test, xsf_session_next(RV, XSF_SESSION_GRANTED),
			(enum xsf_session_state)CL);
	/* Revocation wins over any state. */
	for (s = 0; s < NR_STATES; s++)
		KUNIT_EXPECT_EQ(test, xsf_session_next(s, XSF_SESSION_REVOKE),
				(enum xsf_session_state)RV);
}

/* With the channel gone, nothing is open and nothing is due. */
static void session_lost_ends_everything(struct kunit *test)
{
	enum xsf_session_state s, next;

	for (s = 0; s < NR_STATES; s++) {
		next = xsf_session_next(s, XSF_SESSION_LOST);
		KUNIT_EXPECT_FALSE(test, xsf_session_needs_close(next));
		KUNIT_EXPECT_EQ(test, next, s == RV ? RV : CL);
	}
}

/* A typical life: open, feed, start, pause, resume, stop, reuse, close. */
static void session_life(struct kunit *test)
{
	static const enum xsf_session_event events[] = {
		XSF_SESSION_OPEN_DONE, XSF_SESSION_DATA_SENT,
		XSF_SESSION_START_SENT, XSF_SESSION_PAUSE_SENT,
		XSF_SESSION_RESUME_SENT, XSF_SESSION_STOP_SENT,
		XSF_SESSION_STOP_DONE, XSF_SESSION_START_SENT,
		XSF_SESSION_CLOSE_SENT, XSF_SESSION_CLOSE_DONE,
	};
	static const enum xsf_session_state expected[] = {
		OP, FE, ST, PA, ST, SP, OP, ST, CG, CL,
	};
	enum xsf_session_state s = CL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		s = xsf_session_next(s, events[i]);
		KUNIT_EXPECT_EQ_MSG(test, s, expected[i], "step %u", i);
	}
}

#define RS XSF_RUN_STOPPED
#define RR XSF_RUN_RUNNING
#define RD XSF_RUN_DRAINING
#define RH XSF_RUN_DRAIN_HELD

/* Columns: START HOLD RELEASE DRAIN STOP */
static const enum xsf_run_state
xsf_run_table[XSF_RUN_NR_STATES][XSF_RUN_NR_EVENTS] = {
	[RS] = { RR, RS, RR, RH, RS },
	[RR] = { RR, RS, RR, RD, RS },
	[RD] = { RD, RH, RD, RD, RS },
	[RH] = { RD, RH, RD, RH, RS },
};

static void run_every_pair(struct kunit *test)
{
	enum xsf_run_state s;
	enum xsf_run_event e;

	for (s = 0; s < XSF_RUN_NR_STATES; s++)
		for (e = 0; e < XSF_RUN_NR_EVENTS; e++)
			KUNIT_EXPECT_EQ_MSG(test, xsf_run_next(s, e),
					    xsf_run_table[s][e],
					    "state %d event %d", s, e);
	KUNIT_EXPECT_EQ(test, xsf_run_next(RD, XSF_RUN_NR_EVENTS),
			(enum xsf_run_state)RD);
	KUNIT_EXPECT_EQ(test, xsf_run_next(XSF_RUN_NR_STATES, XSF_RUN_STOP),
			(enum xsf_run_state)XSF_RUN_NR_STATES);
}

static void run_predicates(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, xsf_run_running(RS));
	KUNIT_EXPECT_TRUE(test, xsf_run_running(RR));
	KUNIT_EXPECT_TRUE(test, xsf_run_running(RD));
	KUNIT_EXPECT_FALSE(test, xsf_run_running(RH));
	KUNIT_EXPECT_FALSE(test, xsf_run_draining(RS));
	KUNIT_EXPECT_FALSE(test, xsf_run_draining(RR));
	KUNIT_EXPECT_TRUE(test, xsf_run_draining(RD));
	KUNIT_EXPECT_TRUE(test, xsf_run_draining(RH));
}

/* A drain suspended goes on draining once resumed; a stop ends it. */
static void run_drain_survives_suspend(struct kunit *test)
{
	enum xsf_run_state s = RS;

	s = xsf_run_next(s, XSF_RUN_START);
	s = xsf_run_next(s, XSF_RUN_DRAIN);
	s = xsf_run_next(s, XSF_RUN_HOLD);
	KUNIT_EXPECT_FALSE(test, xsf_run_running(s));
	s = xsf_run_next(s, XSF_RUN_RELEASE);
	KUNIT_EXPECT_TRUE(test, xsf_run_running(s));
	KUNIT_EXPECT_TRUE(test, xsf_run_draining(s));
	for (s = 0; s < XSF_RUN_NR_STATES; s++)
		KUNIT_EXPECT_EQ(test, xsf_run_next(s, XSF_RUN_STOP),
				(enum xsf_run_state)RS);
}

static struct kunit_case xsf_session_cases[] = {
	KUNIT_CASE(session_every_pair),
	KUNIT_CASE(session_predicates),
	KUNIT_CASE(session_out_of_range),
	KUNIT_CASE(session_every_state_reachable),
	KUNIT_CASE(session_open_only_by_answer),
	KUNIT_CASE(session_close_after_timeout),
	KUNIT_CASE(session_failed_stop_keeps_session),
	KUNIT_CASE(session_stop_cleans),
	KUNIT_CASE(session_revoked_needs_grant_and_open),
	KUNIT_CASE(session_lost_ends_everything),
	KUNIT_CASE(session_life),
	KUNIT_CASE(run_every_pair),
	KUNIT_CASE(run_predicates),
	KUNIT_CASE(run_drain_survives_suspend),
	{}
};

static struct kunit_suite xsf_session_suite = {
	.name = "snd_xen_front_session",
	.test_cases = xsf_session_cases,
};

kunit_test_suite(xsf_session_suite);
