// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_bus: connection management driven by backend
 * state changes, against the fake xenbus and the simulated backend.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <sound/asound.h>
#include <sound/core.h>

#include "xsf_kunit_helpers.h"

static unsigned int bus_store_u32(struct kunit *test, const char *fmt,
				  unsigned int p, unsigned int s)
{
	char path[128];

	snprintf(path, sizeof(path), fmt, p, s);
	return xsf_test_store_u32(test, path);
}

static void bus_expect_nothing_left(struct kunit *test,
				    struct xsf_test_front *tf)
{
	KUNIT_EXPECT_NULL(test, tf->front->channels);
	KUNIT_EXPECT_EQ(test, tf->front->nr_channels, 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
}

static void bus_initwait_publishes(struct kunit *test)
{
	static const unsigned int streams[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 } };
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc,c");
	struct xsf_front *front = tf->front;
	unsigned int i;

	xsf_bus_backend_changed(front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_ASSERT_EQ(test, xsf_fake_bus.nr_switches, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.switches[0], XenbusStateInitialised);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_transactions, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_commits, 1U);
	KUNIT_EXPECT_STREQ(test, xsf_fake_store_get(XSF_TEST_N("version")), "2");
	KUNIT_ASSERT_EQ(test, front->nr_channels, 3U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 6U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 6U);

	for (i = 0; i < 3; i++) {
		struct xsf_channel *chan = &front->channels[i];
		unsigned int p = streams[i][0], s = streams[i][1];

		KUNIT_EXPECT_EQ(test, bus_store_u32(test, XSF_TEST_N("%u/%u/ring-ref"),
						    p, s), chan->ring_gref);
		KUNIT_EXPECT_EQ(test,
				bus_store_u32(test, XSF_TEST_N("%u/%u/event-channel"),
					      p, s), chan->ring_port);
		KUNIT_EXPECT_EQ(test,
				bus_store_u32(test, XSF_TEST_N("%u/%u/evt-ring-ref"),
					      p, s), chan->evt_gref);
		KUNIT_EXPECT_EQ(test,
				bus_store_u32(test, XSF_TEST_N("%u/%u/evt-event-channel"),
					      p, s), chan->evt_port);
		/* The backend writes responses and reads events: both RW. */
		KUNIT_EXPECT_FALSE(test,
				   xsf_fake_io.grants[chan->ring_gref].readonly);
		KUNIT_EXPECT_NE(test, chan->ring_port, chan->evt_port);
		KUNIT_EXPECT_PTR_EQ(test, chan->cfg,
				    &front->cfg.pcms[p].streams[s]);
	}
	KUNIT_EXPECT_EQ(test, front->generation, 1U);
}

static void bus_publish_retried_on_eagain(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");

	xsf_fake_bus.eagain_remaining = 3;
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_transactions, 4U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_commits, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
	KUNIT_EXPECT_NOT_NULL(test, xsf_fake_store_get(XSF_TEST_N("0/0/ring-ref")));
}

/*
 * A connection attempt that failed for a reason that may pass is torn
 * down, nothing of it is left, and it is tried again later: not fatal.
 */
static void bus_expect_retry(struct kunit *test, struct xsf_test_front *tf)
{
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
	KUNIT_EXPECT_EQ(test, tf->front->nr_failures, 1U);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&tf->front->retry_work));
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
	cancel_delayed_work_sync(&tf->front->retry_work);
}

static void bus_publish_retries_exhausted(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc");

	xsf_fake_bus.eagain_remaining = 1000;
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	bus_expect_retry(test, tf);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_commits, 0U);
	KUNIT_EXPECT_GT(test, xsf_fake_bus.nr_transactions, 1U);
	KUNIT_EXPECT_LT(test, xsf_fake_bus.nr_transactions, 1000U);
	KUNIT_EXPECT_NE(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_EXPECT_NULL(test, xsf_fake_store_get(XSF_TEST_N("0/0/ring-ref")));
	bus_expect_nothing_left(test, tf);
}

static void bus_bad_config_fatal(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc");

	xsf_fake_store_remove(XSF_TEST_N("0/1/unique-id"));
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.last_fatal_err, -EINVAL);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_transactions, 0U);
	KUNIT_EXPECT_NULL(test, tf->front->cfg.pcms);
	bus_expect_nothing_left(test, tf);
}

static void bus_grant_failure_retried(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc,c");

	xsf_fake_io.grant_fail_after = 3;
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	bus_expect_retry(test, tf);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 3U);
	bus_expect_nothing_left(test, tf);
}

static void bus_bind_failure_retried(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc,c");

	xsf_fake_io.bind_fail_after = 3;
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	bus_expect_retry(test, tf);
	bus_expect_nothing_left(test, tf);
}

static void bus_transaction_error_retried(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");

	xsf_fake_bus.start_error = -EIO;
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	bus_expect_retry(test, tf);
	bus_expect_nothing_left(test, tf);

	/* A write failing inside the transaction: the same. */
	xsf_test_reset_fakes();
	KUNIT_ASSERT_EQ(test, xsf_test_store_config("p"), 0);
	tf->xb->state = XenbusStateInitialising;
	tf->front->nr_failures = 0;
	xsf_fake_bus.write_error = -ENOSPC;
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	bus_expect_retry(test, tf);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_commits, 0U);
	bus_expect_nothing_left(test, tf);
}

static void bus_connected_creates_card(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc,c");
	struct snd_card *card;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	card = tf->front->card;
	KUNIT_EXPECT_STREQ(test, card->shortname, "XenTest");
	KUNIT_EXPECT_STREQ(test, card->longname, "Xen test sound card");
	KUNIT_EXPECT_STREQ(test, card->driver, "XenSndFront");
	KUNIT_EXPECT_TRUE(test, card->registered);
	KUNIT_EXPECT_PTR_EQ(test, card->dev, &tf->xb->dev);
	KUNIT_ASSERT_EQ(test, xsf_fake_bus.nr_switches, 2U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.switches[1], XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 1);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
}

static void bus_backend_closing_frees(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc,c");
	struct xsf_front *front = tf->front;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	xsf_fake_store_set(XSF_TEST_B("state"), "5");
	xsf_bus_backend_changed(front, XenbusStateClosing);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	KUNIT_EXPECT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 0);
	bus_expect_nothing_left(test, tf);
	/* Ring pages the backend still maps wait for it. */
	KUNIT_EXPECT_GT(test, xsf_fake_io.nr_deferred, 0U);

	xsf_bus_backend_changed(front, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_EXPECT_EQ(test, front->generation, 2U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 6U);
}

static void bus_backend_closed_frees(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
	KUNIT_EXPECT_NULL(test, tf->front->card);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
	bus_expect_nothing_left(test, tf);
}

static void bus_backend_restart_reconnects(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	struct xsf_front *front = tf->front;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	/* The backend restarted: InitWait again while we are Connected. */
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialised);
	KUNIT_EXPECT_NULL(test, front->card);
	KUNIT_EXPECT_EQ(test, front->generation, 2U);
	KUNIT_EXPECT_EQ(test, front->nr_channels, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 2U);
	KUNIT_EXPECT_EQ(test, bus_store_u32(test, XSF_TEST_N("%u/%u/ring-ref"), 0, 0),
			front->channels[0].ring_gref);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
}

static void bus_card_in_use_reconfigures(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc");
	struct xsf_front *front = tf->front;
	struct file *file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);
	struct snd_card *card;

	KUNIT_ASSERT_NOT_NULL(test, file);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	card = front->card;
	KUNIT_ASSERT_EQ(test, snd_card_file_add(card, file), 0);
	KUNIT_EXPECT_TRUE(test, xsf_card_busy(front));

	xsf_bus_backend_changed(front, XenbusStateClosing);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 1);
	KUNIT_EXPECT_TRUE(test, xsf_card_busy(front));
	bus_expect_nothing_left(test, tf);
	/* Still Reconfiguring while the user keeps the card. */
	xsf_bus_backend_changed(front, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);

	/* The last user goes: the card is freed and we start over. */
	KUNIT_ASSERT_EQ(test, snd_card_file_remove(card, file), 0);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 0);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
}

static void bus_remove_silent_backend(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	unsigned long start;
	unsigned int ms;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	xsf_test_set_timeout(test, &xsf_close_timeout_ms, 100);
	/* The backend stays Connected whatever we do. */
	start = jiffies;
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(tf->front), 0);
	ms = jiffies_to_msecs(jiffies - start);
	KUNIT_EXPECT_GE(test, ms, 100U);
	KUNIT_EXPECT_LT(test, ms, 2000U);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	KUNIT_ASSERT_GE(test, xsf_fake_bus.nr_switches, 4U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.switches[2], XenbusStateClosing);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.switches[3], XenbusStateClosed);
	KUNIT_EXPECT_NULL(test, tf->front->card);
	bus_expect_nothing_left(test, tf);
}

static void bus_remove_backend_follows(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	unsigned long start;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	xsf_test_set_timeout(test, &xsf_close_timeout_ms, 3000);
	xsf_fake_store_set(XSF_TEST_B("state"), "6");
	start = jiffies;
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(tf->front), 0);
	KUNIT_EXPECT_LT(test, jiffies_to_msecs(jiffies - start), 1000U);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	bus_expect_nothing_left(test, tf);
}

static void bus_remove_never_connected(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	unsigned long start = jiffies;

	xsf_test_set_timeout(test, &xsf_close_timeout_ms, 3000);
	xsf_fake_store_set(XSF_TEST_B("state"), "1");
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(tf->front), 0);
	KUNIT_EXPECT_LT(test, jiffies_to_msecs(jiffies - start), 1000U);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	/* Closing, then Closed, without waiting for the backend. */
	KUNIT_ASSERT_EQ(test, xsf_fake_bus.nr_switches, 2U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.switches[0], XenbusStateClosing);
	bus_expect_nothing_left(test, tf);
}

static void bus_resume_keeps_card(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc");
	struct xsf_front *front = tf->front;
	struct snd_card *card;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	card = front->card;
	KUNIT_EXPECT_EQ(test, xsf_bus_suspend(front), 0);
	/* Never powered down: a cancelled suspend gets no callback. */
	KUNIT_EXPECT_EQ(test, card->power_state, SNDRV_CTL_POWER_D0);
	KUNIT_EXPECT_EQ(test, xsf_bus_resume(front), 0);
	KUNIT_EXPECT_PTR_EQ(test, front->card, card);
	bus_expect_nothing_left(test, tf);

	/* What the xenbus core does on resume, then a new backend. */
	tf->xb->state = XenbusStateInitialising;
	sim_backend_detach_all(tf->sim);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	KUNIT_EXPECT_PTR_EQ(test, front->card, card);
	KUNIT_EXPECT_EQ(test, card->power_state, SNDRV_CTL_POWER_D0);
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 1);
	KUNIT_EXPECT_EQ(test,
			((struct xsf_card *)card->private_data)->generation,
			front->generation);
}

static void bus_resume_new_config_new_card(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	struct xsf_front *front = tf->front;

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	KUNIT_EXPECT_EQ(test, xsf_bus_resume(front), 0);
	tf->xb->state = XenbusStateInitialising;
	sim_backend_detach_all(tf->sim);
	/* The new host offers a capture stream as well. */
	KUNIT_ASSERT_EQ(test, xsf_test_store_config("pc"), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	flush_workqueue(xsf_test_wq);
	/* The old card (one stream) is gone, the new one has two. */
	KUNIT_EXPECT_EQ(test, atomic_read(&front->cards_alive), 1);
	KUNIT_EXPECT_EQ(test,
			((struct xsf_card *)front->card->private_data)->nr_streams,
			2U);
}

static struct kunit_case xsf_bus_cases[] = {
	KUNIT_CASE(bus_initwait_publishes),
	KUNIT_CASE(bus_publish_retried_on_eagain),
	KUNIT_CASE(bus_publish_retries_exhausted),
	KUNIT_CASE(bus_bad_config_fatal),
	KUNIT_CASE(bus_grant_failure_retried),
	KUNIT_CASE(bus_bind_failure_retried),
	KUNIT_CASE(bus_transaction_error_retried),
	KUNIT_CASE(bus_connected_creates_card),
	KUNIT_CASE(bus_backend_closing_frees),
	KUNIT_CASE(bus_backend_closed_frees),
	KUNIT_CASE(bus_backend_restart_reconnects),
	KUNIT_CASE(bus_card_in_use_reconfigures),
	KUNIT_CASE(bus_remove_silent_backend),
	KUNIT_CASE(bus_remove_backend_follows),
	KUNIT_CASE(bus_remove_never_connected),
	KUNIT_CASE(bus_resume_keeps_card),
	KUNIT_CASE(bus_resume_new_config_new_card),
	{}
};

static struct kunit_suite xsf_bus_suite = {
	.name = "snd_xen_front_bus",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_bus_cases,
};

kunit_test_suite(xsf_bus_suite);
