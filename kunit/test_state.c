// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_state: the state machine as a table.
 */
#include <kunit/test.h>

#include "xsf_kunit_helpers.h"

#define INI XenbusStateInitialising
#define IWT XenbusStateInitWait
#define IND XenbusStateInitialised
#define CON XenbusStateConnected
#define CLG XenbusStateClosing
#define CLD XenbusStateClosed
#define RCF XenbusStateReconfiguring
#define UNK XenbusStateUnknown

struct xsf_state_row {
	enum xenbus_state fe, be;
	bool in_use;
	enum xenbus_state next;
	enum xsf_action action;
};

static void xsf_state_expect(struct kunit *test,
			     const struct xsf_state_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct xsf_transition t = xsf_state_next(rows[i].fe, rows[i].be,
							 rows[i].in_use, false);

		KUNIT_EXPECT_EQ_MSG(test, t.next, rows[i].next,
				    "fe %d be %d in_use %d", rows[i].fe,
				    rows[i].be, rows[i].in_use);
		KUNIT_EXPECT_EQ_MSG(test, t.action, rows[i].action,
				    "fe %d be %d in_use %d", rows[i].fe,
				    rows[i].be, rows[i].in_use);
	}
}

static void xsf_state_initialising_connects_on_initwait(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ INI, IWT, false, IND, XSF_ACTION_CONNECT },
		{ INI, IWT, true, IND, XSF_ACTION_CONNECT },
		/* A backend that skips InitWait is still served. */
		{ INI, IND, false, IND, XSF_ACTION_CONNECT },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_initialising_waits(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ INI, UNK, false, INI, XSF_ACTION_NONE },
		{ INI, INI, false, INI, XSF_ACTION_NONE },
		{ INI, CON, false, INI, XSF_ACTION_NONE },
		{ INI, CLG, false, INI, XSF_ACTION_NONE },
		{ INI, CLD, false, INI, XSF_ACTION_NONE },
		{ INI, RCF, false, INI, XSF_ACTION_NONE },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_closed_reconnects(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ CLD, IWT, false, IND, XSF_ACTION_CONNECT },
		{ CLD, IND, false, IND, XSF_ACTION_CONNECT },
		{ CLD, CLD, false, INI, XSF_ACTION_NONE },
		{ CLD, UNK, false, INI, XSF_ACTION_NONE },
		{ CLD, INI, false, INI, XSF_ACTION_NONE },
		/* The backend still closing: wait in Closed. */
		{ CLD, CLG, false, CLD, XSF_ACTION_NONE },
		{ CLD, CON, false, CLD, XSF_ACTION_NONE },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_initialised_creates_card(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ IND, CON, false, CON, XSF_ACTION_CREATE_CARD },
		{ IND, IWT, false, IND, XSF_ACTION_NONE },
		{ IND, IND, false, IND, XSF_ACTION_NONE },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_initialised_backend_lost(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ IND, UNK, false, INI, XSF_ACTION_TEARDOWN },
		{ IND, INI, false, INI, XSF_ACTION_TEARDOWN },
		{ IND, CLD, false, INI, XSF_ACTION_TEARDOWN },
		{ IND, CLG, false, CLD, XSF_ACTION_TEARDOWN },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_connected_steady(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ CON, CON, false, CON, XSF_ACTION_NONE },
		{ CON, CON, true, CON, XSF_ACTION_NONE },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_connected_lost_idle(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ CON, UNK, false, INI, XSF_ACTION_TEARDOWN },
		{ CON, INI, false, INI, XSF_ACTION_TEARDOWN },
		{ CON, CLD, false, INI, XSF_ACTION_TEARDOWN },
		{ CON, CLG, false, CLD, XSF_ACTION_TEARDOWN },
		/* A restarted backend shows InitWait again. */
		{ CON, IWT, false, INI, XSF_ACTION_TEARDOWN },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_connected_lost_in_use(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ CON, UNK, true, RCF, XSF_ACTION_RECONFIGURE },
		{ CON, INI, true, RCF, XSF_ACTION_RECONFIGURE },
		{ CON, CLD, true, RCF, XSF_ACTION_RECONFIGURE },
		{ CON, CLG, true, RCF, XSF_ACTION_RECONFIGURE },
		{ CON, IWT, true, RCF, XSF_ACTION_RECONFIGURE },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_reconfiguring_waits_for_users(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ RCF, UNK, true, RCF, XSF_ACTION_NONE },
		{ RCF, INI, true, RCF, XSF_ACTION_NONE },
		{ RCF, IWT, true, RCF, XSF_ACTION_NONE },
		{ RCF, CON, true, RCF, XSF_ACTION_NONE },
		{ RCF, CLG, true, RCF, XSF_ACTION_NONE },
		{ RCF, CLD, true, RCF, XSF_ACTION_NONE },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_reconfiguring_last_user_gone(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ RCF, UNK, false, INI, XSF_ACTION_TEARDOWN },
		{ RCF, INI, false, INI, XSF_ACTION_TEARDOWN },
		{ RCF, IWT, false, INI, XSF_ACTION_TEARDOWN },
		{ RCF, CON, false, INI, XSF_ACTION_TEARDOWN },
		{ RCF, CLD, false, INI, XSF_ACTION_TEARDOWN },
		{ RCF, CLG, false, CLD, XSF_ACTION_TEARDOWN },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

/*
 * Closing outside removal: we gave up after an error.  Once the backend
 * lets go, Closed, from which a new connection can start.
 */
static void xsf_state_closing_after_error(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ CLG, UNK, false, CLD, XSF_ACTION_NONE },
		{ CLG, CLG, false, CLD, XSF_ACTION_NONE },
		{ CLG, CLD, false, CLD, XSF_ACTION_NONE },
		{ CLG, CON, false, CLG, XSF_ACTION_NONE },
		{ CLG, IWT, false, CLG, XSF_ACTION_NONE },
		{ CLD, IWT, false, IND, XSF_ACTION_CONNECT },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

static void xsf_state_removal_closes(struct kunit *test)
{
	static const enum xenbus_state fronts[] = { INI, IND, CON, RCF, CLD };
	enum xenbus_state be;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fronts); i++) {
		for (be = UNK; be <= XenbusStateReconfigured; be++) {
			struct xsf_transition t = xsf_state_next(fronts[i], be,
								 true, true);

			if (fronts[i] == CLD) {
				KUNIT_EXPECT_EQ(test, t.action, XSF_ACTION_NONE);
				KUNIT_EXPECT_EQ(test, t.next, CLD);
			} else {
				KUNIT_EXPECT_EQ(test, t.action, XSF_ACTION_CLOSE);
				KUNIT_EXPECT_EQ(test, t.next, CLG);
			}
		}
	}
	/* Once Closing, removal asks for nothing more. */
	KUNIT_EXPECT_EQ(test, xsf_state_next(CLG, CON, false, true).action,
			XSF_ACTION_NONE);
}

static void xsf_state_hostile_backend_state(struct kunit *test)
{
	/* Out of range backend states read as Unknown. */
	struct xsf_transition t = xsf_state_next(CON, 42, false, false);

	KUNIT_EXPECT_EQ(test, t.action, XSF_ACTION_TEARDOWN);
	KUNIT_EXPECT_EQ(test, t.next, INI);
	t = xsf_state_next(INI, (enum xenbus_state)-1, false, false);
	KUNIT_EXPECT_EQ(test, t.action, XSF_ACTION_NONE);
	KUNIT_EXPECT_EQ(test, t.next, INI);
}

static void xsf_state_never_our_state(struct kunit *test)
{
	static const struct xsf_state_row rows[] = {
		{ IWT, CON, false, INI, XSF_ACTION_TEARDOWN },
		{ UNK, IWT, false, INI, XSF_ACTION_TEARDOWN },
		{ XenbusStateReconfigured, CON, false, INI, XSF_ACTION_TEARDOWN },
	};

	xsf_state_expect(test, rows, ARRAY_SIZE(rows));
}

/* Apply transitions like bus.c until settled; return the final state. */
static enum xenbus_state xsf_state_settle(struct kunit *test,
					  enum xenbus_state fe,
					  enum xenbus_state be, bool in_use,
					  enum xsf_action *actions,
					  unsigned int *nr)
{
	unsigned int step;

	*nr = 0;
	for (step = 0; step < 8; step++) {
		struct xsf_transition t = xsf_state_next(fe, be, in_use, false);

		if (t.action == XSF_ACTION_NONE && t.next == fe)
			return fe;
		if (t.action != XSF_ACTION_NONE)
			actions[(*nr)++] = t.action;
		fe = t.next;
	}
	KUNIT_FAIL(test, "did not settle from fe %d be %d", fe, be);
	return fe;
}

static void xsf_state_every_pair_settles(struct kunit *test)
{
	enum xsf_action actions[8];
	enum xenbus_state fe, be;
	unsigned int nr, in_use;

	for (fe = UNK; fe <= XenbusStateReconfigured; fe++)
		for (be = UNK; be <= XenbusStateReconfigured; be++)
			for (in_use = 0; in_use < 2; in_use++) {
				enum xenbus_state end =
					xsf_state_settle(test, fe, be, in_use,
							 actions, &nr);

				KUNIT_EXPECT_LE(test, nr, 3U);
				KUNIT_EXPECT_NE(test, end, IWT);
				KUNIT_EXPECT_NE(test, end, UNK);
				/* Connected only ever with a connected backend. */
				if (end == CON)
					KUNIT_EXPECT_EQ(test, be, CON);
			}
}

static void xsf_state_restart_while_idle(struct kunit *test)
{
	enum xsf_action actions[8];
	unsigned int nr;

	/* Backend restarted (InitWait) while we were connected, idle. */
	KUNIT_EXPECT_EQ(test, xsf_state_settle(test, CON, IWT, false, actions,
					       &nr), IND);
	KUNIT_ASSERT_EQ(test, nr, 2U);
	KUNIT_EXPECT_EQ(test, actions[0], XSF_ACTION_TEARDOWN);
	KUNIT_EXPECT_EQ(test, actions[1], XSF_ACTION_CONNECT);
}

static void xsf_state_recovery_sequence(struct kunit *test)
{
	enum xsf_action actions[8];
	enum xenbus_state fe = INI;
	unsigned int nr;

	fe = xsf_state_settle(test, fe, IWT, false, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, IND);
	fe = xsf_state_settle(test, fe, CON, false, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, CON);
	KUNIT_EXPECT_EQ(test, actions[0], XSF_ACTION_CREATE_CARD);
	/* Backend dies while a player holds the card. */
	fe = xsf_state_settle(test, fe, CLG, true, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, RCF);
	KUNIT_EXPECT_EQ(test, actions[0], XSF_ACTION_RECONFIGURE);
	/* The backend comes back before the player has gone: stay. */
	fe = xsf_state_settle(test, fe, IWT, true, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, RCF);
	KUNIT_EXPECT_EQ(test, nr, 0U);
	/* The player closes: tear down and reconnect in one go. */
	fe = xsf_state_settle(test, fe, IWT, false, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, IND);
	KUNIT_ASSERT_EQ(test, nr, 2U);
	KUNIT_EXPECT_EQ(test, actions[0], XSF_ACTION_TEARDOWN);
	KUNIT_EXPECT_EQ(test, actions[1], XSF_ACTION_CONNECT);
}

static void xsf_state_closing_handshake(struct kunit *test)
{
	enum xsf_action actions[8];
	enum xenbus_state fe;
	unsigned int nr;

	fe = xsf_state_settle(test, CON, CLG, false, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, CLD);
	fe = xsf_state_settle(test, fe, CLD, false, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, INI);
	KUNIT_EXPECT_EQ(test, nr, 0U);
	fe = xsf_state_settle(test, fe, IWT, false, actions, &nr);
	KUNIT_EXPECT_EQ(test, fe, IND);
}

static void xsf_state_action_names(struct kunit *test)
{
	enum xsf_action a, b;

	for (a = XSF_ACTION_NONE; a <= XSF_ACTION_CLOSE; a++) {
		KUNIT_EXPECT_STRNEQ(test, xsf_action_name(a), "invalid");
		for (b = a + 1; b <= XSF_ACTION_CLOSE; b++)
			KUNIT_EXPECT_STRNEQ(test, xsf_action_name(a),
					    xsf_action_name(b));
	}
	KUNIT_EXPECT_STREQ(test, xsf_action_name(99), "invalid");
}

static struct kunit_case xsf_state_cases[] = {
	KUNIT_CASE(xsf_state_initialising_connects_on_initwait),
	KUNIT_CASE(xsf_state_initialising_waits),
	KUNIT_CASE(xsf_state_closed_reconnects),
	KUNIT_CASE(xsf_state_initialised_creates_card),
	KUNIT_CASE(xsf_state_initialised_backend_lost),
	KUNIT_CASE(xsf_state_connected_steady),
	KUNIT_CASE(xsf_state_connected_lost_idle),
	KUNIT_CASE(xsf_state_connected_lost_in_use),
	KUNIT_CASE(xsf_state_reconfiguring_waits_for_users),
	KUNIT_CASE(xsf_state_reconfiguring_last_user_gone),
	KUNIT_CASE(xsf_state_closing_after_error),
	KUNIT_CASE(xsf_state_removal_closes),
	KUNIT_CASE(xsf_state_hostile_backend_state),
	KUNIT_CASE(xsf_state_never_our_state),
	KUNIT_CASE(xsf_state_every_pair_settles),
	KUNIT_CASE(xsf_state_restart_while_idle),
	KUNIT_CASE(xsf_state_recovery_sequence),
	KUNIT_CASE(xsf_state_closing_handshake),
	KUNIT_CASE(xsf_state_action_names),
	{}
};

static struct kunit_suite xsf_state_suite = {
	.name = "snd_xen_front_state",
	.init = xsf_test_init,
	.test_cases = xsf_state_cases,
};

kunit_test_suite(xsf_state_suite);
