// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_hostile: a backend that lies.
 *
 * The simulated backend writes hostile values straight into the shared
 * request ring and event page, or answers wrongly: unknown, stale,
 * duplicate and aliased ids, wrong operations, statuses that are no
 * error numbers, indices out of range or moving backwards, a consumer
 * index it does not own, positions that jump, queries that make no
 * sense, volumes out of range, states that flap or do not exist, and
 * XenStore trees at and beyond the limits.  Each case checks what the
 * frontend must do about it: the state it reaches, the error its caller
 * gets, what reaches ALSA and what does not, interrupts counted as
 * spurious, and grants and event channels given back.
 *
 * Unless a case says otherwise streams are the fixtures' standard one
 * (S16_LE, 48 kHz, stereo, 4 periods of 1024 octets).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <sound/control.h>
#include <sound/pcm_params.h>

#include "xsf_kunit_helpers.h"

#define PB	XSF_TEST_PERIOD_BYTES
#define BB	XSF_TEST_BUFFER_BYTES
#define FB	XSF_TEST_FRAME_BYTES

/* Request timeout for cases that expect one. */
#define HOSTILE_TIMEOUT_MS	100

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Interrupts the frontend ended as spurious on @port so far. */
static unsigned int hostile_spurious(evtchn_port_t port)
{
	struct xsf_fake_evtchn *e = xsf_fake_io_find_port(port);

	return e ? e->nr_spurious : 0;
}

static struct xsf_channel *hostile_chan(struct xsf_test_front *tf,
					unsigned int index)
{
	return &tf->front->channels[index];
}

/*
 * A running stream: prepared, a playback stream given two periods
 * (answered), started.
 */
static struct xsf_test_pcm *hostile_running(struct kunit *test,
					    struct xsf_test_front *tf,
					    unsigned int index)
{
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, index);

	if (!tp->stream->cfg.capture)
		xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	return tp;
}

static void hostile_expect_pointer_in_buffer(struct kunit *test,
					     struct xsf_test_pcm *tp)
{
	KUNIT_EXPECT_LT(test, tp->sub->ops->pointer(tp->sub),
			tp->sub->runtime->buffer_size);
}

/* Wait (sleeping, at most 2 s) until *@counter reaches @n. */
static bool hostile_wait_for(const unsigned int *counter, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < 2000; i++) {
		if (READ_ONCE(*counter) >= n)
			return true;
		usleep_range(500, 1000);
	}
	return false;
}

/*
 * The backend closes and comes back, with nobody using the card: the
 * frontend tears down, then connects again with a new card.
 */
static void hostile_reconnect(struct kunit *test, struct xsf_test_front *tf)
{
	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	flush_workqueue(xsf_test_wq);
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	flush_workqueue(xsf_test_wq);
	sim_backend_detach_all(tf->sim);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
}

/* A mixer control of the card, or NULL. */
static struct snd_kcontrol *hostile_ctl(struct xsf_test_front *tf,
					const char *name)
{
	return snd_ctl_find_id_mixer(tf->front->card, name);
}

/* An ALSA call run by a thread, for calls that block in the backend. */
struct hostile_job {
	struct xsf_test_pcm *tp;
	int (*fn)(struct xsf_test_pcm *tp);
	int ret;
	struct completion done;
};

static int hostile_job_fn(void *data)
{
	struct hostile_job *job = data;

	job->ret = job->fn(job->tp);
	complete(&job->done);
	return 0;
}

static struct hostile_job *hostile_job_start(struct kunit *test,
					     struct xsf_test_pcm *tp,
					     int (*fn)(struct xsf_test_pcm *tp))
{
	struct hostile_job *job = kunit_kzalloc(test, sizeof(*job), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, job);
	job->tp = tp;
	job->fn = fn;
	job->ret = 1;
	init_completion(&job->done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(hostile_job_fn, job,
						    "xsf-hostile")));
	return job;
}

/*
 * Wait for the job; a job that hangs fails the test, which then waits on
 * (the thread uses the test's memory), so that KUnit's timeout reports
 * the hang instead of a use after free.
 */
static void hostile_job_wait(struct kunit *test, struct hostile_job *job,
			     unsigned int ms)
{
	if (!wait_for_completion_timeout(&job->done, msecs_to_jiffies(ms))) {
		KUNIT_FAIL(test, "blocked call did not return in %u ms", ms);
		wait_for_completion(&job->done);
	}
}

static int hostile_prepare_fn(struct xsf_test_pcm *tp)
{
	return xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE);
}

static int hostile_hw_params_fn(struct xsf_test_pcm *tp)
{
	return xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
				      XSF_TEST_RATE, XSF_TEST_CHANNELS,
				      PB / FB, XSF_TEST_PERIODS);
}

/* ------------------------------------------------------------------ */
/* Statuses                                                            */
/* ------------------------------------------------------------------ */

struct hostile_status {
	s32 sent;
	int expected;
};

static const struct hostile_status hostile_statuses[] = {
	{ 1, -EIO },
	{ 7, -EIO },
	{ 0x7fffffff, -EIO },
	{ S32_MIN, -EIO },
	{ -4096, -EIO },
	{ -EDEADLK, -EIO },	/* an errno, but none a backend may send */
	{ -EIO, -EIO },
	{ -EBUSY, -EBUSY },
	{ -EINVAL, -EINVAL },
};

static void hostile_status_desc(const struct hostile_status *s, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "status %d", s->sent);
}

KUNIT_ARRAY_PARAM(hostile_status, hostile_statuses, hostile_status_desc);

/* Whatever OPEN is answered with, prepare returns a sane errno. */
static void hostile_open_status_garbage(struct kunit *test)
{
	const struct hostile_status *param = test->param_value;
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_OPEN, param->sent);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			param->expected);
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_FALSE(test, tp->sc->opened);
	/* The backend comes to its senses: the stream works. */
	sim_backend_clear_status(tp->sc, XENSND_OP_OPEN);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_TRUE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* A WRITE answered with a positive status is a failed WRITE: xrun. */
static void hostile_write_status_garbage(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_WRITE, 5);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_WRITE], 2U);
	/* A running WRITE's answer is taken with the next event. */
	KUNIT_EXPECT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	KUNIT_EXPECT_EQ(test, tp->stream->data_error, -EIO);
	/* Not counted as played. */
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
}

/* A START answered with garbage stops the run; the next one works. */
static void hostile_trigger_status_garbage(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_TRIGGER, 0x7fffffff);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	sim_backend_clear_status(tp->sc, XENSND_OP_TRIGGER);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* A query answered with a positive status: constraints from XenStore. */
static void hostile_query_status_positive(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_HW_PARAM_QUERY, 22);
	KUNIT_EXPECT_EQ(test, hostile_hw_params_fn(tp), 0);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_unsupported);
	KUNIT_EXPECT_FALSE(test, tp->stream->query_answered);
	KUNIT_EXPECT_EQ(test, tp->stream->nr_queries_sent, 1U);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->rate, XSF_TEST_RATE);
}

/* A CLOSE answered with garbage still closes and frees the buffer. */
static void hostile_close_status_garbage(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);

	sim_backend_set_status(tp->sc, XENSND_OP_CLOSE, 0x12345678);
	xsf_test_pcm_close(tp);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&tp->stream->link));
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	/* Only the ring and the event page stay granted. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 2U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 2U);
	KUNIT_EXPECT_FALSE(test, xsf_card_busy(tf->front));
}

/* ------------------------------------------------------------------ */
/* Ids and operations                                                  */
/* ------------------------------------------------------------------ */

/*
 * OPEN gets an answer that is not its own: the caller times out, the
 * answer is dropped, the interrupt that brought it was of no use, and the
 * ring stays usable.
 */
static void hostile_open_answer_not_its_own(struct kunit *test,
					    enum sim_reply reply)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	struct xsf_test_pcm *tp;
	unsigned int spurious;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	tp = xsf_test_pcm_setup(test, tf, 0);
	spurious = hostile_spurious(tp->sc->ring_port);
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, reply);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ring->nr_stale, 1U);
	KUNIT_EXPECT_EQ(test, ring->nr_timeouts, 1U);
	KUNIT_EXPECT_TRUE(test, ring->connected);
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->ring_port),
			spurious + 1);
}

static void hostile_unknown_id(struct kunit *test)
{
	hostile_open_answer_not_its_own(test, SIM_REPLY_WRONG_ID);
}

static void hostile_wrong_operation(struct kunit *test)
{
	hostile_open_answer_not_its_own(test, SIM_REPLY_WRONG_OP);
}

/* Id plus the ring size: the same slot of the table, another request. */
static void hostile_id_aliasing_slot(struct kunit *test)
{
	hostile_open_answer_not_its_own(test, SIM_REPLY_SLOT_ALIAS);
}

/* The answer to a request completed before (a query) comes again. */
static void hostile_stale_answer(struct kunit *test)
{
	hostile_open_answer_not_its_own(test, SIM_REPLY_STALE);
}

/*
 * Two WRITEs outstanding, the first answered twice (the duplicate takes
 * the second's response slot): counted once, the duplicate dropped.
 */
static void hostile_duplicate_counted_once(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	struct xensnd_resp first;
	unsigned int spurious;

	/* The second WRITE is never answered: do not wait long at close. */
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	tf->sim->autorun = false;
	xsf_test_pcm_feed(test, tp, PB);
	xsf_test_pcm_feed(test, tp, PB);
	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	sim_backend_process(tf->sim);
	KUNIT_ASSERT_EQ(test, tp->sc->nr_held, 2U);
	first = tp->sc->held[0];
	KUNIT_ASSERT_EQ(test, sim_backend_push_raw(tp->sc, &first), 0);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, (u64)PB);
	spurious = hostile_spurious(tp->sc->ring_port);
	KUNIT_ASSERT_EQ(test, sim_backend_push_raw(tp->sc, &first), 0);
	KUNIT_EXPECT_EQ(test, tp->stream->completed, (u64)PB);
	KUNIT_EXPECT_EQ(test, ring->nr_stale, 1U);
	KUNIT_EXPECT_TRUE(test, ring->connected);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->ring_port),
			spurious + 1);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_PREPARED);
	/* Responses match requests now; the backend answers STOP and CLOSE. */
	WRITE_ONCE(tf->sim->autorun, true);
}

/*
 * The only outstanding WRITE answered twice: more responses than
 * requests, the ring is corrupt.  The running stream xruns and cannot be
 * prepared again on this connection.
 */
static void hostile_duplicate_beyond_requests(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;

	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_DUPLICATE);
	xsf_test_pcm_feed(test, tp, PB);
	/* A running WRITE's answers are taken with the next event. */
	KUNIT_EXPECT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	KUNIT_EXPECT_FALSE(test, ring->connected);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 0U);
	/* The WRITE's data was never counted. */
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-EIO);
}

/* Request ids wrap from 65535 to 0 and keep matching their answers. */
static void hostile_ids_wrap_16_bits(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	struct sim_chan *sc = tf->sim->chans[0];
	unsigned int spurious = hostile_spurious(sc->ring_port);
	unsigned int i;

	ring->next_id = 0xfff0;
	for (i = 0; i < 40; i++) {
		struct xensnd_req req = { .operation = XENSND_OP_CLOSE };
		struct xensnd_resp resp;

		KUNIT_ASSERT_EQ_MSG(test, xsf_ring_call(ring, &req, &resp), 0,
				    "request %u", i);
		KUNIT_EXPECT_EQ(test, req.id, (u16)(0xfff0 + i));
		KUNIT_EXPECT_EQ(test, resp.id, req.id);
	}
	KUNIT_EXPECT_EQ(test, sc->log[0xf].req.id, 0xffff);
	KUNIT_EXPECT_EQ(test, sc->log[0x10].req.id, 0);
	KUNIT_EXPECT_EQ(test, ring->nr_stale, 0U);
	/* Every interrupt brought an answer: none was spurious. */
	KUNIT_EXPECT_EQ(test, hostile_spurious(sc->ring_port), spurious);
}

struct hostile_caller {
	struct xsf_ring *ring;
	struct xensnd_req req;
	struct xensnd_resp resp;
	int ret;
	struct completion done;
};

static int hostile_caller_fn(void *data)
{
	struct hostile_caller *c = data;

	c->ret = xsf_ring_call(c->ring, &c->req, &c->resp);
	complete(&c->done);
	return 0;
}

/*
 * 65536 requests after a CLOSE that timed out, a query gets the same id;
 * the CLOSE's late answer arrives first.  Ids collide modulo 16 bits, the
 * operation tells them apart: the query gets its own answer.
 */
static void hostile_same_id_other_operation(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	struct sim_chan *sc = tf->sim->chans[0];
	struct xensnd_req close = { .operation = XENSND_OP_CLOSE };
	struct hostile_caller *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	sim_backend_set_reply(sc, XENSND_OP_CLOSE, SIM_REPLY_HOLD);
	KUNIT_ASSERT_EQ(test, xsf_ring_call(ring, &close, NULL), -ETIMEDOUT);
	KUNIT_ASSERT_EQ(test, sc->nr_held, 1U);

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 5000);
	sim_backend_set_reply(sc, XENSND_OP_HW_PARAM_QUERY, SIM_REPLY_HOLD);
	ring->next_id = close.id;
	c->ring = ring;
	c->req.operation = XENSND_OP_HW_PARAM_QUERY;
	c->req.op.hw_param.formats = BIT_ULL(XENSND_PCM_FORMAT_S16_LE);
	c->req.op.hw_param.rates.min = 8000;
	c->req.op.hw_param.rates.max = 48000;
	init_completion(&c->done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(hostile_caller_fn, c,
						    "xsf-caller")));
	if (!hostile_wait_for(&sc->nr_held, 2)) {
		KUNIT_FAIL(test, "the query never reached the backend");
		wait_for_completion(&c->done);
		return;
	}
	KUNIT_EXPECT_EQ(test, c->req.id, close.id);
	sim_backend_release(sc);
	if (!wait_for_completion_timeout(&c->done, 2 * HZ)) {
		KUNIT_FAIL(test, "the query got no answer");
		wait_for_completion(&c->done);
	}
	KUNIT_EXPECT_EQ(test, c->ret, 0);
	KUNIT_EXPECT_EQ(test, c->resp.operation, XENSND_OP_HW_PARAM_QUERY);
	KUNIT_EXPECT_EQ(test, c->resp.resp.hw_param.rates.max, 48000U);
	KUNIT_EXPECT_EQ(test, ring->nr_stale, 1U);
	KUNIT_EXPECT_TRUE(test, ring->connected);
}

/* ------------------------------------------------------------------ */
/* Ring indices                                                        */
/* ------------------------------------------------------------------ */

/* The checks after a corrupt ring under a running playback stream. */
static void hostile_expect_corrupt(struct kunit *test,
				   struct xsf_test_front *tf,
				   struct xsf_test_pcm *tp,
				   unsigned int spurious)
{
	KUNIT_EXPECT_FALSE(test, hostile_chan(tf, 0)->ring.connected);
	KUNIT_EXPECT_EQ(test, tp->stream->link.nr_inflight, 0U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->ring_port),
			spurious + 1);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-EIO);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-EIO);
	hostile_expect_pointer_in_buffer(test, tp);
}

/*
 * A response producer far ahead of the requests: every pending request
 * fails, the stream xruns, prepare fails until the backend reconnects.
 */
static void hostile_rsp_prod_far_ahead(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	unsigned int spurious;

	sim_backend_set_reply(tp->sc, XENSND_OP_WRITE, SIM_REPLY_HOLD);
	xsf_test_pcm_feed(test, tp, PB);
	KUNIT_ASSERT_EQ(test, tp->stream->link.nr_inflight, 1U);
	spurious = hostile_spurious(tp->sc->ring_port);
	KUNIT_ASSERT_EQ(test, sim_backend_hostile_rsp_prod(tp->sc, 1000), 0);
	/* Nothing of the lying ring was consumed. */
	KUNIT_EXPECT_EQ(test, tp->stream->completed, 2ULL * PB);
	hostile_expect_corrupt(test, tf, tp, spurious);

	/* The backend restarts: a new card, whose streams work. */
	xsf_test_pcm_close(tp);
	hostile_reconnect(test, tf);
	tp = hostile_running(test, tf, 0);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(PB / FB));
}

/* A response producer that moves backwards is as corrupt. */
static void hostile_rsp_prod_backwards(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	unsigned int spurious = hostile_spurious(tp->sc->ring_port);
	RING_IDX cons = ring->front.rsp_cons;

	KUNIT_ASSERT_GE(test, cons, (RING_IDX)3);
	KUNIT_ASSERT_EQ(test, sim_backend_write_rsp_prod(tp->sc, cons - 3), 0);
	KUNIT_EXPECT_EQ(test, ring->front.rsp_cons, cons);
	hostile_expect_corrupt(test, tf, tp, spurious);
}

/* Responses pour in while nothing is outstanding. */
static void hostile_response_flood_nothing_pending(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	unsigned int spurious = hostile_spurious(tp->sc->ring_port);
	unsigned int i;

	for (i = 0; i < 40; i++) {
		struct xensnd_resp resp = {
			.id = i,
			.operation = i % 16,
			.status = 0,
		};

		KUNIT_ASSERT_EQ(test, sim_backend_push_raw(tp->sc, &resp), 0);
	}
	KUNIT_EXPECT_FALSE(test, ring->connected);
	KUNIT_EXPECT_EQ(test, ring->front.rsp_cons, ring->front.req_prod_pvt);
	/* Not one of the forty interrupts brought anything of use. */
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->ring_port),
			spurious + 40);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-EIO);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], 0U);
}

/* Interrupts without responses: spurious, and nothing else changes. */
static void hostile_ring_interrupt_flood(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);
	unsigned int spurious = hostile_spurious(tp->sc->ring_port);
	unsigned int i;

	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, sim_backend_raise_ring(tp->sc), 0);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->ring_port),
			spurious + 1000);
	KUNIT_EXPECT_TRUE(test, hostile_chan(tf, 0)->ring.connected);
	KUNIT_EXPECT_EQ(test, hostile_chan(tf, 0)->ring.nr_stale, 0U);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
}

/* ------------------------------------------------------------------ */
/* Event page                                                          */
/* ------------------------------------------------------------------ */

/* An event producer far ahead: skipped, later events are followed. */
static void hostile_in_prod_far_ahead(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xensnd_event_page *page = tp->sc->evt_page;
	unsigned int spurious;

	xsf_test_pcm_pos(tp, PB);
	spurious = hostile_spurious(tp->sc->evt_port);
	sim_backend_write_in_prod(tp->sc, READ_ONCE(page->in_prod) + 1000);
	KUNIT_ASSERT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(PB / FB));
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->evt_port),
			spurious + 1);
	/* The backend goes on from where it claims to be. */
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)(PB + PB / 2));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hwsync(tp),
			(snd_pcm_uframes_t)((PB + PB / 2) / FB));
	KUNIT_EXPECT_EQ(test, hostile_chan(tf, 0)->evtq.nr_lost, 0U);
}

/* An event producer that moves backwards: nothing is read twice. */
static void hostile_in_prod_backwards(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xensnd_event_page *page = tp->sc->evt_page;
	unsigned int spurious;

	xsf_test_pcm_pos(tp, PB / 2);
	xsf_test_pcm_pos(tp, PB);
	spurious = hostile_spurious(tp->sc->evt_port);
	sim_backend_write_in_prod(tp->sc, READ_ONCE(page->in_prod) - 1);
	KUNIT_ASSERT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->evt_port),
			spurious + 1);
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)(PB + PB / 2));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
}

/*
 * The backend rewrites the consumer index to make the frontend read its
 * events again: the frontend keeps its own index and reads nothing twice.
 */
static void hostile_in_cons_replay(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xensnd_event_page *page = tp->sc->evt_page;
	struct xsf_evtq *q = &hostile_chan(tf, 0)->evtq;
	unsigned int spurious, lost;

	xsf_test_pcm_pos(tp, PB / 2);
	xsf_test_pcm_pos(tp, PB);
	lost = q->nr_lost;
	spurious = hostile_spurious(tp->sc->evt_port);
	sim_backend_write_in_cons(tp->sc, READ_ONCE(page->in_prod) - 2);
	KUNIT_ASSERT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	KUNIT_EXPECT_EQ(test, q->nr_lost, lost);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->evt_port),
			spurious + 1);
	/* New events are read, once, and the index written back is ours. */
	xsf_test_pcm_pos(tp, PB + PB / 2);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)(PB + PB / 2));
	KUNIT_EXPECT_EQ(test, q->nr_lost, lost);
	KUNIT_EXPECT_EQ(test, READ_ONCE(page->in_cons), READ_ONCE(page->in_prod));
}

/* A consumer index moved ahead by the backend does not hide events. */
static void hostile_in_cons_skip(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xensnd_event_page *page = tp->sc->evt_page;

	xsf_test_pcm_pos(tp, PB / 2);
	sim_backend_event(tp->sc, XENSND_EVT_CUR_POS, PB, false);
	sim_backend_write_in_cons(tp->sc, READ_ONCE(page->in_prod));
	KUNIT_ASSERT_EQ(test, sim_backend_raise_evt(tp->sc), 0);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(PB / FB));
}

/* Positions for a stream that was not started: of no use, not clogging. */
static void hostile_event_flood_idle_stream(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_prepared(test, tf, 0);
	struct xensnd_event_page *page = tp->sc->evt_page;
	unsigned int spurious = hostile_spurious(tp->sc->evt_port);
	unsigned int i;

	for (i = 0; i < 200; i++)
		sim_backend_event(tp->sc, XENSND_EVT_CUR_POS, (u64)i * PB, true);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->evt_port),
			spurious + 200);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 0ULL);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp), 0UL);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_PREPARED);
	KUNIT_EXPECT_EQ(test, READ_ONCE(page->in_cons), READ_ONCE(page->in_prod));
	/* The stream plays normally afterwards. */
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(PB / FB));
	KUNIT_EXPECT_EQ(test, hostile_chan(tf, 0)->evtq.nr_lost, 0U);
}

/* Events for a stream nobody opened reach nobody. */
static void hostile_event_flood_without_substream(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct sim_chan *sc = tf->sim->chans[0];
	unsigned int spurious = hostile_spurious(sc->evt_port);
	struct xsf_test_pcm *tp;
	unsigned int i;

	for (i = 0; i < 100; i++)
		sim_backend_event(sc, XENSND_EVT_CUR_POS, 1000000 + i, true);
	KUNIT_EXPECT_EQ(test, hostile_spurious(sc->evt_port), spurious + 100);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sc->evt_page->in_cons),
			READ_ONCE(sc->evt_page->in_prod));
	tp = hostile_running(test, tf, 0);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
}

/* Event types sndif does not define are ignored, whatever they carry. */
static void hostile_unknown_event_types(struct kunit *test)
{
	static const u8 types[] = { 1, 2, 0x7f, 0xff };
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	unsigned int spurious, i;

	xsf_test_pcm_pos(tp, PB / 2);
	spurious = hostile_spurious(tp->sc->evt_port);
	for (i = 0; i < ARRAY_SIZE(types); i++)
		sim_backend_event(tp->sc, types[i], 2 * PB, true);
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->evt_port),
			spurious + (unsigned int)ARRAY_SIZE(types));
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)(PB / 2));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
}

/* Gaps in event ids are counted as lost events; positions still count. */
static void hostile_event_id_gaps(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct xsf_evtq *q = &hostile_chan(tf, 0)->evtq;

	xsf_test_pcm_pos(tp, PB / 2);
	tp->sc->evt_id += 100;
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, q->nr_lost, 100U);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, (u64)PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(PB / FB));
}

/* ------------------------------------------------------------------ */
/* Positions                                                           */
/* ------------------------------------------------------------------ */

/* Backwards beyond a period: a new reference, the pointer never goes back. */
static void hostile_pos_backwards(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);

	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(2 * PB / FB));
	xsf_test_pcm_pos(tp, 0);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(2 * PB / FB));
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 2ULL * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	hostile_expect_pointer_in_buffer(test, tp);
	/* Counted from the new reference. */
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 3ULL * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(3 * PB / FB));
	hostile_expect_pointer_in_buffer(test, tp);
}

/* The same position again and again, or a frame less: nothing moves. */
static void hostile_pos_repeated_and_jitter(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	unsigned int i, spurious = hostile_spurious(tp->sc->evt_port);

	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	for (i = 0; i < 4; i++)
		xsf_test_pcm_pos(tp, 2 * PB);
	xsf_test_pcm_pos(tp, 2 * PB - FB);
	xsf_test_pcm_pos(tp, 2 * PB);
	KUNIT_EXPECT_EQ(test, tp->stream->pos.stream, 2ULL * PB);
	/*
	 * A stalled or jittering backend is no flood: throttling its
	 * interrupts would hold back the positions that follow.
	 */
	KUNIT_EXPECT_EQ(test, hostile_spurious(tp->sc->evt_port), spurious);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(2 * PB / FB));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	hostile_expect_pointer_in_buffer(test, tp);
}

/* A position beyond anything played: data was lost, an xrun. */
static void hostile_pos_huge(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);

	xsf_test_pcm_pos(tp, PB);
	xsf_test_pcm_pos(tp, U64_MAX);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	KUNIT_EXPECT_LE(test, tp->stream->pos.stream,
			tp->stream->submitted + BB);
	hostile_expect_pointer_in_buffer(test, tp);
}

/* Gaps within the data are followed, gaps beyond it are an xrun. */
static void hostile_pos_gaps(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);

	xsf_test_pcm_pos(tp, PB / 2);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_pos(tp, 3 * PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(3 * PB / FB));
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	xsf_test_pcm_pos(tp, 3 * PB + 2 * BB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	hostile_expect_pointer_in_buffer(test, tp);
}

/*
 * Capture: a huge first position and a huge jump never make the frontend
 * read outside its buffer.
 */
static void hostile_capture_pos_huge(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "c");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	unsigned int i;

	xsf_test_pcm_pos(tp, 1ULL << 62);
	xsf_test_pcm_pos(tp, U64_MAX);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_XRUN);
	for (i = 0; i < tp->sc->nr_reqs[XENSND_OP_READ]; i++) {
		const struct sim_log_entry *e = xsf_test_req(test, tp->sc,
							     XENSND_OP_READ, i);

		KUNIT_EXPECT_LE(test, e->req.op.rw.offset + e->req.op.rw.length,
				BB);
	}
	KUNIT_EXPECT_LE(test, tp->stream->completed, (u64)BB);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
	hostile_expect_pointer_in_buffer(test, tp);
}

/* ------------------------------------------------------------------ */
/* HW_PARAM_QUERY                                                      */
/* ------------------------------------------------------------------ */

/* Answer every query with @answer; ranges not given are wide open. */
static void hostile_fix_answer(struct sim_chan *sc,
			       const struct xensnd_query_hw_param *answer)
{
	sc->hw_answer_fixed = true;
	sc->hw_answer = *answer;
}

static const struct xensnd_query_hw_param hostile_wide = {
	.formats = BIT_ULL(XENSND_PCM_FORMAT_S16_LE) |
		   BIT_ULL(XENSND_PCM_FORMAT_S32_LE),
	.rates = { .min = 8000, .max = 48000 },
	.channels = { .min = 1, .max = 2 },
	.buffer = { .min = 1, .max = U32_MAX },
	.period = { .min = 1, .max = U32_MAX },
};

/*
 * An answer that makes no sense is no answer: the XenStore constraints
 * apply, and the stream opens with what the application chose.
 */
static void hostile_query_nonsense(struct kunit *test,
				   const struct xensnd_query_hw_param *answer)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	const struct sim_log_entry *e;

	hostile_fix_answer(tp->sc, answer);
	KUNIT_ASSERT_EQ(test, hostile_hw_params_fn(tp), 0);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_unsupported);
	KUNIT_EXPECT_FALSE(test, tp->stream->query_answered);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->rate, XSF_TEST_RATE);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->channels, XSF_TEST_CHANNELS);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	e = xsf_test_req(test, tp->sc, XENSND_OP_OPEN, 0);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_rate, XSF_TEST_RATE);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_channels, XSF_TEST_CHANNELS);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

static void hostile_query_inverted(struct kunit *test)
{
	struct xensnd_query_hw_param answer = hostile_wide;

	answer.rates.min = 48000;
	answer.rates.max = 8000;
	answer.channels.min = 2;
	answer.channels.max = 1;
	hostile_query_nonsense(test, &answer);
}

static void hostile_query_empty(struct kunit *test)
{
	struct xensnd_query_hw_param answer = { 0 };

	hostile_query_nonsense(test, &answer);
}

/* An answer partly outside the question only narrows, never widens. */
static void hostile_query_outside_request(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct xensnd_query_hw_param answer = hostile_wide;
	struct snd_pcm_runtime *runtime = tp->sub->runtime;

	answer.rates.min = 44100;
	answer.rates.max = 96000;
	answer.channels.min = 2;
	answer.channels.max = 8;
	hostile_fix_answer(tp->sc, &answer);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     0, 0, 0, 0), 0);
	KUNIT_EXPECT_TRUE(test, runtime->rate == 44100 || runtime->rate == 48000);
	KUNIT_EXPECT_EQ(test, runtime->channels, 2U);
	KUNIT_EXPECT_TRUE(test, tp->stream->query_answered);
}

/* Format bits sndif does not define are ignored. */
static void hostile_query_undefined_format_bits(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct xensnd_query_hw_param answer = hostile_wide;

	answer.formats = BIT_ULL(XENSND_PCM_FORMAT_S16_LE) | BIT_ULL(40) |
			 BIT_ULL(63);
	hostile_fix_answer(tp->sc, &answer);
	KUNIT_EXPECT_LT(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S32_LE,
						     48000, 2, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, hostile_hw_params_fn(tp), 0);
	KUNIT_EXPECT_EQ(test, tp->sub->runtime->format, SNDRV_PCM_FORMAT_S16_LE);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_EQ(test, xsf_test_req(test, tp->sc, XENSND_OP_OPEN,
					   0)->req.op.open.pcm_format,
			XENSND_PCM_FORMAT_S16_LE);
}

/* Zero channels: refused, or ignored; never a stream without channels. */
static void hostile_query_zero_channels(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct xensnd_query_hw_param answer = hostile_wide;
	int ret;

	answer.channels.min = 0;
	answer.channels.max = 0;
	hostile_fix_answer(tp->sc, &answer);
	ret = xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE, 48000, 0, 0,
				     0);
	KUNIT_EXPECT_LE(test, ret, 0);
	if (ret) {
		KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], 0U);
		return;
	}
	KUNIT_EXPECT_GE(test, tp->sub->runtime->channels, 1U);
	KUNIT_EXPECT_LE(test, tp->sub->runtime->channels, 2U);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_GE(test, xsf_test_req(test, tp->sc, XENSND_OP_OPEN,
					   0)->req.op.open.pcm_channels, 1);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* ------------------------------------------------------------------ */
/* Volume, CLOSE and OPEN that go wrong                                */
/* ------------------------------------------------------------------ */

static long hostile_ctl_value(struct kunit *test, struct snd_kcontrol *kctl,
			      unsigned int channel)
{
	struct snd_ctl_elem_value *value;

	value = kunit_kzalloc(test, sizeof(*value), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, value);
	KUNIT_ASSERT_EQ(test, kctl->get(kctl, value), 0);
	return value->value.integer.value[channel];
}

/* Volumes far outside any sane range end up at the scale's ends. */
static void hostile_get_volume_garbage(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct snd_kcontrol *vol;

	tf->sim->chans[0]->volume[0] = S32_MIN;
	tf->sim->chans[0]->volume[1] = S32_MAX;
	xsf_test_pcm_prepared(test, tf, 0);
	vol = hostile_ctl(tf, "PCM Playback Volume");
	KUNIT_ASSERT_NOT_NULL(test, vol);
	KUNIT_EXPECT_EQ(test, hostile_ctl_value(test, vol, 0), 0L);
	KUNIT_EXPECT_EQ(test, hostile_ctl_value(test, vol, 1),
			(long)XSF_VOLUME_STEPS);
}

/*
 * OPEN answered, GET_VOLUME never: prepare finishes after the timeout
 * without controls, the stream plays, and the late answer changes
 * nothing.
 */
static void hostile_get_volume_never_answered(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_ring *ring = &hostile_chan(tf, 0)->ring;
	struct xsf_test_pcm *tp;
	unsigned long start;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	tp = xsf_test_pcm_setup(test, tf, 0);
	sim_backend_set_reply(tp->sc, XENSND_OP_GET_VOLUME, SIM_REPLY_HOLD);
	start = jiffies;
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_LT(test, jiffies_to_msecs(jiffies - start), 2000U);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_support, XSF_VOLUME_UNKNOWN);
	KUNIT_EXPECT_TRUE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_OPEN], 1U);
	KUNIT_EXPECT_NULL(test, hostile_ctl(tf, "PCM Playback Volume"));

	sim_backend_release(tp->sc);
	sim_backend_sync(tf->sim);
	KUNIT_EXPECT_EQ(test, ring->nr_stale, 1U);
	KUNIT_EXPECT_EQ(test, tp->stream->volume_support, XSF_VOLUME_UNKNOWN);
	KUNIT_EXPECT_NULL(test, hostile_ctl(tf, "PCM Playback Volume"));
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
}

/* CLOSE never answered: closing still finishes, and nothing stays. */
static void hostile_close_never_answered(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp;
	unsigned long start;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	tp = hostile_running(test, tf, 0);
	sim_backend_set_reply(tp->sc, XENSND_OP_CLOSE, SIM_REPLY_DROP);
	start = jiffies;
	xsf_test_pcm_close(tp);
	KUNIT_EXPECT_LT(test, jiffies_to_msecs(jiffies - start), 2000U);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_reqs[XENSND_OP_CLOSE], 2U);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&tp->stream->link));
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_FALSE(test, xsf_card_busy(tf->front));
	/* Only the ring and the event page stay granted. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 2U);
	sim_backend_detach_all(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 2U);
}

/*
 * An OPEN that timed out may have opened the stream in the backend: it
 * is closed before the next OPEN.
 */
static void hostile_open_timeout_then_close(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp;
	int close_index;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	tp = xsf_test_pcm_setup(test, tf, 0);
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, SIM_REPLY_DROP);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			-ETIMEDOUT);
	/* The backend did open it. */
	KUNIT_EXPECT_TRUE(test, tp->sc->opened);
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, SIM_REPLY_NORMAL);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	close_index = xsf_test_log_index(tp->sc, XENSND_OP_CLOSE, 0);
	KUNIT_EXPECT_GT(test, close_index,
			xsf_test_log_index(tp->sc, XENSND_OP_OPEN, 0));
	KUNIT_EXPECT_LT(test, close_index,
			xsf_test_log_index(tp->sc, XENSND_OP_OPEN, 1));
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
	KUNIT_EXPECT_TRUE(test, xsf_session_is_open(tp->stream->session));
}

/* ------------------------------------------------------------------ */
/* Backend states                                                      */
/* ------------------------------------------------------------------ */

/* What must hold whatever the backend's state did. */
static void hostile_expect_consistent(struct kunit *test,
				      struct xsf_test_front *tf,
				      const char *step)
{
	struct xsf_front *front = tf->front;
	unsigned int channels = front->channels ? front->nr_channels : 0;

	KUNIT_EXPECT_LE_MSG(test, tf->xb->state, XenbusStateReconfigured,
			    "%s", step);
	KUNIT_EXPECT_EQ_MSG(test, !!front->card,
			    tf->xb->state == XenbusStateConnected, "%s", step);
	KUNIT_EXPECT_EQ_MSG(test, xsf_fake_io_live_grants(), 2 * channels,
			    "%s", step);
	KUNIT_EXPECT_EQ_MSG(test, xsf_fake_io_bound_evtchns(), 2 * channels,
			    "%s", step);
	KUNIT_EXPECT_EQ_MSG(test, xsf_fake_bus.nr_fatal, 0U, "%s", step);
}

/* The backend's state jumps around while the card comes and goes. */
static void hostile_state_flapping(struct kunit *test)
{
	static const struct {
		enum xenbus_state backend;
		const char *name;
	} steps[] = {
		{ XenbusStateInitWait, "InitWait" },
		{ XenbusStateConnected, "Connected" },
		{ XenbusStateClosing, "Closing" },
		{ XenbusStateConnected, "Connected after Closing" },
		{ (enum xenbus_state)99, "99" },
		{ XenbusStateConnected, "Connected after 99" },
		{ XenbusStateInitWait, "InitWait again" },
		{ XenbusStateReconfiguring, "Reconfiguring" },
		{ XenbusStateConnected, "Connected again" },
		{ XenbusStateInitWait, "InitWait while Connected" },
		{ XenbusStateClosing, "Closing again" },
		{ XenbusStateInitWait, "InitWait after Closing" },
		{ (enum xenbus_state)99, "99 while Initialised" },
		{ XenbusStateInitialising, "Initialising" },
		{ XenbusStateClosed, "Closed" },
	};
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "pc");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		xsf_bus_backend_changed(tf->front, steps[i].backend);
		flush_workqueue(xsf_test_wq);
		hostile_expect_consistent(test, tf, steps[i].name);
	}
	/* A last, orderly connection. */
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	hostile_expect_consistent(test, tf, "connected");
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 1);
}

/*
 * State numbers beyond the last xenbus state are Unknown: the backend is
 * gone, the card with it, and a real state connects again.
 */
static void hostile_unknown_state_numbers(struct kunit *test)
{
	static const unsigned int numbers[] = { 9, 99, 1000, 0x7fffffff };
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(numbers); i++) {
		xsf_bus_backend_changed(tf->front,
					(enum xenbus_state)numbers[i]);
		flush_workqueue(xsf_test_wq);
		KUNIT_EXPECT_EQ_MSG(test, tf->xb->state, XenbusStateInitialising,
				    "state %u", numbers[i]);
		hostile_expect_consistent(test, tf, "unknown state");
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
	sim_backend_detach_all(tf->sim);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
}

/*
 * The backend flaps while prepare waits for its OPEN: prepare fails at
 * once, the card waits for its user, and a new connection works.
 */
static void hostile_flap_during_prepare(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);
	struct hostile_job *job;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 10000);
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, SIM_REPLY_HOLD);
	job = hostile_job_start(test, tp, hostile_prepare_fn);
	KUNIT_EXPECT_TRUE(test, hostile_wait_for(&tp->sc->nr_held, 1));
	KUNIT_EXPECT_FALSE(test, completion_done(&job->done));
	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	hostile_job_wait(test, job, 1000);
	KUNIT_EXPECT_LT(test, job->ret, 0);
	KUNIT_EXPECT_FALSE(test, xsf_session_is_open(tp->stream->session));
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);
	xsf_bus_backend_changed(tf->front, XenbusStateConnected);
	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	xsf_bus_backend_changed(tf->front, XenbusStateConnected);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);

	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
	sim_backend_detach_all(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	tp = hostile_running(test, tf, 0);
	KUNIT_EXPECT_EQ(test, tp->sc->nr_bad, 0U);
}

/* The backend flaps while hw_params waits for a query. */
static void hostile_flap_during_hw_params(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, 0);
	struct hostile_job *job;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 10000);
	sim_backend_set_reply(tp->sc, XENSND_OP_HW_PARAM_QUERY, SIM_REPLY_HOLD);
	job = hostile_job_start(test, tp, hostile_hw_params_fn);
	KUNIT_EXPECT_TRUE(test, hostile_wait_for(&tp->sc->nr_held, 1));
	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	hostile_job_wait(test, job, 1000);
	KUNIT_EXPECT_LE(test, job->ret, 0);
	xsf_bus_backend_changed(tf->front, XenbusStateConnected);
	xsf_bus_backend_changed(tf->front, XenbusStateClosing);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);
	xsf_test_set_timeout(test, &xsf_request_timeout_ms, HOSTILE_TIMEOUT_MS);
	KUNIT_EXPECT_LT(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);

	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
	sim_backend_detach_all(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
}

/* The device is removed while a process waits for its OPEN. */
static void hostile_remove_while_open_waits(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, 0);
	struct hostile_job *job;

	xsf_test_set_timeout(test, &xsf_request_timeout_ms, 10000);
	xsf_test_set_timeout(test, &xsf_close_timeout_ms, 50);
	sim_backend_set_reply(tp->sc, XENSND_OP_OPEN, SIM_REPLY_DROP);
	job = hostile_job_start(test, tp, hostile_prepare_fn);
	KUNIT_EXPECT_TRUE(test, hostile_wait_for(&tp->sc->nr_reqs[XENSND_OP_OPEN],
						 1));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&job->done));
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(tf->front), 0);
	hostile_job_wait(test, job, 1000);
	KUNIT_EXPECT_EQ(test, job->ret, -EIO);
	KUNIT_EXPECT_NULL(test, tf->front->card);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateClosed);

	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
	sim_backend_detach_all(tf->sim);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
}

/*
 * The backend closes everything and goes (Closed) while a stream runs
 * and stays open: its buffer's grants are ended without waiting for the
 * application.
 */
static void hostile_backend_gone_mid_run(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);

	xsf_test_pcm_pos(tp, PB);
	/* A backend that exits unmaps what it mapped. */
	sim_backend_detach_all(tf->sim);
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	flush_workqueue(xsf_test_wq);
	flush_work(&tp->stream->revoke_work);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateReconfiguring);
	KUNIT_EXPECT_NE(test, xsf_test_pcm_state(tp), SNDRV_PCM_STATE_RUNNING);
	KUNIT_EXPECT_FALSE(test, xsf_bus_attached(&tp->stream->link));
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 1);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
	/* Nothing granted any more, though the application holds on. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
	KUNIT_EXPECT_LT(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE), 0);

	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
	KUNIT_EXPECT_EQ(test, tf->xb->state, XenbusStateInitialising);
}

/*
 * The same, but the backend still maps the buffer: no page is given back
 * while mapped, all of them once unmapped and closed.
 */
static void hostile_backend_gone_still_mapping(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct sim_chan *sc = tp->sc;
	unsigned int i;

	KUNIT_ASSERT_GT(test, sc->nr_buf_pages, 0U);
	xsf_bus_backend_changed(tf->front, XenbusStateClosed);
	flush_workqueue(xsf_test_wq);
	flush_work(&tp->stream->revoke_work);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
	for (i = 0; i < sc->nr_buf_pages; i++) {
		const struct xsf_fake_grant *g = &xsf_fake_io.grants[sc->buf_grefs[i]];

		KUNIT_EXPECT_TRUE(test, g->in_use);
		KUNIT_EXPECT_GT(test, g->backend_maps, 0U);
		KUNIT_EXPECT_NOT_NULL(test, g->page);
	}
	sim_backend_detach_all(tf->sim);
	xsf_test_pcm_close(tp);
	flush_workqueue(xsf_test_wq);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&tf->front->cards_alive), 0);
}

/*
 * The guest resumes elsewhere with a stream open: the old buffer's grants
 * are ended, and the next prepare after reconnecting grants a fresh one.
 */
static void hostile_fresh_buffer_after_reconnect(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_connected(test, "p");
	struct xsf_test_pcm *tp = hostile_running(test, tf, 0);
	struct sim_chan *sc;

	KUNIT_ASSERT_EQ(test, xsf_bus_suspend(tf->front), 0);
	sim_backend_detach_all(tf->sim);
	KUNIT_ASSERT_EQ(test, xsf_bus_resume(tf->front), 0);
	flush_workqueue(xsf_test_wq);
	flush_work(&tp->stream->revoke_work);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);

	tf->xb->state = XenbusStateInitialising;
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	/* The new backend's side of the stream. */
	sc = tf->sim->chans[0];
	tp->sc = sc;
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	KUNIT_EXPECT_TRUE(test, sc->opened);
	KUNIT_EXPECT_EQ(test, sc->nr_dir_errors, 0U);
	KUNIT_EXPECT_EQ(test, sc->nr_bad, 0U);
	KUNIT_EXPECT_EQ(test, xsf_test_req(test, sc, XENSND_OP_OPEN,
					   0)->req.op.open.gref_directory,
			xsf_shbuf_directory(&tp->stream->buf));
	/* Rings and event pages, the buffer's pages and their directory. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(),
			2 + tp->stream->buf.nr_pages + tp->stream->buf.nr_dir_pages);
	xsf_test_pcm_feed(test, tp, 2 * PB);
	xsf_test_pcm_start(test, tp);
	xsf_test_pcm_pos(tp, PB);
	KUNIT_EXPECT_EQ(test, xsf_test_pcm_hw_ptr(tp),
			(snd_pcm_uframes_t)(PB / FB));
}

/* ------------------------------------------------------------------ */
/* XenStore trees                                                      */
/* ------------------------------------------------------------------ */

/* Connecting fails for good: a configuration no retry can fix. */
static void hostile_expect_refused(struct kunit *test,
				   struct xsf_test_front *tf)
{
	xsf_bus_backend_changed(tf->front, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.last_fatal_err, -EINVAL);
	KUNIT_EXPECT_NULL(test, tf->front->card);
	KUNIT_EXPECT_NULL(test, tf->front->channels);
	KUNIT_EXPECT_NULL(test, tf->front->cfg.pcms);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_held_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
}

struct hostile_node {
	const char *desc;
	const char *dir;	/* below XSF_TEST_NODE */
};

/* A stream is written at each of these; all but "0/0" are malformed. */
static const struct hostile_node hostile_child_names[] = {
	{ "device 00", "00/0" },
	{ "device 01", "01/0" },
	{ "device 1a", "1a/0" },
	{ "device 0x1", "0x1/0" },
	{ "device +1", "+1/0" },
	{ "device 1 newline", "1\n/0" },
	{ "device 1 control", "1\x01/0" },
	{ "stream 00", "0/00" },
	{ "stream 01", "0/01" },
	{ "stream 1a", "0/1a" },
	{ "stream 0x1", "0/0x1" },
	{ "stream +1", "0/+1" },
	{ "stream 1 newline", "0/1\n" },
	{ "stream 1 delete", "0/1\x7f" },
};

static void hostile_node_desc(const struct hostile_node *node, char *desc)
{
	strscpy(desc, node->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hostile_child_name, hostile_child_names, hostile_node_desc);

/* Device and stream indices must be canonical decimal numbers. */
static void hostile_child_name_not_canonical(struct kunit *test)
{
	const struct hostile_node *node = test->param_value;
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	char path[128];

	snprintf(path, sizeof(path), XSF_TEST_NODE "/%s/type", node->dir);
	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(path, "p"), 0);
	snprintf(path, sizeof(path), XSF_TEST_NODE "/%s/unique-id", node->dir);
	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(path, "hostile"), 0);
	hostile_expect_refused(test, tf);
}

static const struct hostile_node hostile_token_values[] = {
	{ "unique-id SOH", "uid\x01" },
	{ "unique-id newline", "uid\n" },
	{ "unique-id escape", "\x1b[2J" },
	{ "unique-id tab", "a\tb" },
	{ "unique-id delete", "a\x7f" },
	{ "type newline", "p\n" },
};

KUNIT_ARRAY_PARAM(hostile_token, hostile_token_values, hostile_node_desc);

/* Control characters in a token (type, unique-id) make it invalid. */
static void hostile_control_chars_in_token(struct kunit *test)
{
	const struct hostile_node *token = test->param_value;
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	const char *node = strncmp(token->desc, "type", 4) ?
			   XSF_TEST_N("0/0/unique-id") : XSF_TEST_N("0/0/type");

	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(node, token->dir), 0);
	hostile_expect_refused(test, tf);
}

/* Control characters in names shown to users become '?'. */
static void hostile_control_chars_in_names(struct kunit *test)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, "p");
	struct snd_card *card;
	struct xsf_card *xcard;

	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(XSF_TEST_N("short-name"),
						 "Xen\x01Test"), 0);
	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(XSF_TEST_N("long-name"),
						 "Long\nname\x1b"), 0);
	KUNIT_ASSERT_EQ(test, xsf_fake_store_set(XSF_TEST_N("0/name"),
						 "Dev\tice\x7f"), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	card = tf->front->card;
	xcard = card->private_data;
	KUNIT_EXPECT_STREQ(test, card->shortname, "Xen?Test");
	KUNIT_EXPECT_STREQ(test, card->longname, "Long?name?");
	KUNIT_EXPECT_STREQ(test, xcard->pcms[0]->name, "Dev?ice?");
	KUNIT_EXPECT_EQ(test, xsf_fake_bus.nr_fatal, 0U);
}

#define HOSTILE_MAX_STREAMS	((unsigned int)(XSF_MAX_PCM_DEVICES * XSF_MAX_STREAMS))

/* The largest tree: 16 devices of 8 streams, all usable, all freed. */
static void hostile_max_tree(struct kunit *test)
{
	size_t size = XSF_MAX_PCM_DEVICES * 9 + 1;
	char *layout = kunit_kzalloc(test, size, GFP_KERNEL);
	struct xsf_test_pcm *play, *cap = NULL;
	struct xsf_test_front *tf;
	struct xsf_card *xcard;
	unsigned int i, len = 0;

	KUNIT_ASSERT_NOT_NULL(test, layout);
	for (i = 0; i < XSF_MAX_PCM_DEVICES; i++)
		len += scnprintf(layout + len, size - len, "%sppppcccc",
				 i ? "," : "");
	xsf_test_set_timeout(test, &xsf_close_timeout_ms, 50);
	tf = xsf_test_connected(test, layout);
	xcard = tf->front->card->private_data;
	KUNIT_EXPECT_EQ(test, xcard->nr_pcms, (unsigned int)XSF_MAX_PCM_DEVICES);
	KUNIT_ASSERT_EQ(test, xcard->nr_streams, HOSTILE_MAX_STREAMS);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 2U * HOSTILE_MAX_STREAMS);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(),
			2U * HOSTILE_MAX_STREAMS);
	KUNIT_EXPECT_EQ(test, xcard->pcms[XSF_MAX_PCM_DEVICES - 1]->device,
			XSF_MAX_PCM_DEVICES - 1);

	/* The last device: its first playback and its last capture stream. */
	play = hostile_running(test, tf, HOSTILE_MAX_STREAMS - 8);
	xsf_test_pcm_pos(play, PB);
	xsf_test_pcm_expect_played(test, play, 2 * PB);
	for (i = HOSTILE_MAX_STREAMS - 4; i < HOSTILE_MAX_STREAMS; i++)
		cap = xsf_test_pcm_open(test, tf, i);
	KUNIT_ASSERT_EQ(test, hostile_hw_params_fn(cap), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(cap, SNDRV_PCM_IOCTL_PREPARE),
			0);
	xsf_test_pcm_start(test, cap);
	xsf_test_pcm_pos(cap, PB);
	KUNIT_EXPECT_EQ(test, cap->sc->nr_reqs[XENSND_OP_READ], 1U);
	KUNIT_EXPECT_EQ(test, cap->stream->completed, (u64)PB);

	for (i = 0; i < tf->sim->nr_chans; i++)
		KUNIT_EXPECT_EQ(test, tf->sim->chans[i]->nr_bad, 0U);
	KUNIT_EXPECT_EQ(test, xsf_bus_remove(tf->front), 0);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_bound_evtchns(), 0U);
}

/* One PCM device more than the driver accepts. */
static void hostile_tree_too_many_devices(struct kunit *test)
{
	size_t size = 2 * (XSF_MAX_PCM_DEVICES + 1);
	char *layout = kunit_kzalloc(test, size, GFP_KERNEL);
	struct xsf_test_front *tf;
	unsigned int i, len = 0;

	KUNIT_ASSERT_NOT_NULL(test, layout);
	for (i = 0; i <= XSF_MAX_PCM_DEVICES; i++)
		len += scnprintf(layout + len, size - len, "%sp", i ? "," : "");
	tf = xsf_test_front_with_tree(test, layout);
	hostile_expect_refused(test, tf);
}

/*
 * Nothing set at card or device level: a stream's own parameters are all
 * it is bound by, and a stream that sets nothing gets the defaults.
 */
static void hostile_params_only_at_stream_level(struct kunit *test)
{
	static const char *const nodes[][2] = {
		{ XSF_TEST_N("0/0/type"), "p" },
		{ XSF_TEST_N("0/0/unique-id"), "six" },
		{ XSF_TEST_N("0/0/sample-rates"), "96000" },
		{ XSF_TEST_N("0/0/sample-formats"), "s32_le" },
		{ XSF_TEST_N("0/0/channels-max"), "6" },
		{ XSF_TEST_N("0/0/buffer-size"), "262144" },
		{ XSF_TEST_N("0/1/type"), "p" },
		{ XSF_TEST_N("0/1/unique-id"), "plain" },
	};
	struct xsf_test_front *tf = xsf_test_front_new(test);
	struct xsf_test_pcm *six, *plain;
	struct snd_pcm_hardware *hw;
	const struct sim_log_entry *e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nodes); i++)
		KUNIT_ASSERT_EQ(test, xsf_fake_store_set(nodes[i][0],
							 nodes[i][1]), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	six = xsf_test_pcm_open(test, tf, 0);
	hw = &six->sub->runtime->hw;
	KUNIT_EXPECT_EQ(test, hw->rate_min, 96000U);
	KUNIT_EXPECT_EQ(test, hw->rate_max, 96000U);
	KUNIT_EXPECT_EQ(test, hw->channels_min, 1U);
	KUNIT_EXPECT_EQ(test, hw->channels_max, 6U);
	KUNIT_EXPECT_EQ(test, hw->formats, (u64)SNDRV_PCM_FMTBIT_S32_LE);
	KUNIT_EXPECT_EQ(test, hw->buffer_bytes_max, (size_t)262144);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(six, SNDRV_PCM_FORMAT_S32_LE,
						     96000, 6, 512, 4), 0);
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(six, SNDRV_PCM_IOCTL_PREPARE),
			0);
	e = xsf_test_req(test, six->sc, XENSND_OP_OPEN, 0);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_rate, 96000U);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_format,
			XENSND_PCM_FORMAT_S32_LE);
	KUNIT_EXPECT_EQ(test, e->req.op.open.pcm_channels, 6);
	KUNIT_EXPECT_EQ(test, e->req.op.open.period_sz, 512U * 6 * 4);

	plain = xsf_test_pcm_open(test, tf, 1);
	hw = &plain->sub->runtime->hw;
	KUNIT_EXPECT_EQ(test, hw->channels_max, 2U);
	KUNIT_EXPECT_EQ(test, hw->formats, (u64)SNDRV_PCM_FMTBIT_S16_LE);
	KUNIT_EXPECT_EQ(test, hw->rate_min, 8000U);
	KUNIT_EXPECT_EQ(test, hw->rate_max, 192000U);
	KUNIT_EXPECT_EQ(test, hw->buffer_bytes_max,
			(size_t)XSF_DEFAULT_BUFFER_BYTES);
	KUNIT_EXPECT_LT(test, xsf_test_pcm_hw_params(plain, SNDRV_PCM_FORMAT_S32_LE,
						     48000, 2, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, hostile_hw_params_fn(plain), 0);
}

static struct kunit_case xsf_hostile_cases[] = {
	KUNIT_CASE_PARAM(hostile_open_status_garbage, hostile_status_gen_params),
	KUNIT_CASE(hostile_write_status_garbage),
	KUNIT_CASE(hostile_trigger_status_garbage),
	KUNIT_CASE(hostile_query_status_positive),
	KUNIT_CASE(hostile_close_status_garbage),
	KUNIT_CASE(hostile_unknown_id),
	KUNIT_CASE(hostile_wrong_operation),
	KUNIT_CASE(hostile_id_aliasing_slot),
	KUNIT_CASE(hostile_stale_answer),
	KUNIT_CASE(hostile_duplicate_counted_once),
	KUNIT_CASE(hostile_duplicate_beyond_requests),
	KUNIT_CASE(hostile_ids_wrap_16_bits),
	KUNIT_CASE(hostile_same_id_other_operation),
	KUNIT_CASE(hostile_rsp_prod_far_ahead),
	KUNIT_CASE(hostile_rsp_prod_backwards),
	KUNIT_CASE(hostile_response_flood_nothing_pending),
	KUNIT_CASE(hostile_ring_interrupt_flood),
	KUNIT_CASE(hostile_in_prod_far_ahead),
	KUNIT_CASE(hostile_in_prod_backwards),
	KUNIT_CASE(hostile_in_cons_replay),
	KUNIT_CASE(hostile_in_cons_skip),
	KUNIT_CASE(hostile_event_flood_idle_stream),
	KUNIT_CASE(hostile_event_flood_without_substream),
	KUNIT_CASE(hostile_unknown_event_types),
	KUNIT_CASE(hostile_event_id_gaps),
	KUNIT_CASE(hostile_pos_backwards),
	KUNIT_CASE(hostile_pos_repeated_and_jitter),
	KUNIT_CASE(hostile_pos_huge),
	KUNIT_CASE(hostile_pos_gaps),
	KUNIT_CASE(hostile_capture_pos_huge),
	KUNIT_CASE(hostile_query_inverted),
	KUNIT_CASE(hostile_query_empty),
	KUNIT_CASE(hostile_query_outside_request),
	KUNIT_CASE(hostile_query_undefined_format_bits),
	KUNIT_CASE(hostile_query_zero_channels),
	KUNIT_CASE(hostile_get_volume_garbage),
	KUNIT_CASE(hostile_get_volume_never_answered),
	KUNIT_CASE(hostile_close_never_answered),
	KUNIT_CASE(hostile_open_timeout_then_close),
	KUNIT_CASE(hostile_state_flapping),
	KUNIT_CASE(hostile_unknown_state_numbers),
	KUNIT_CASE(hostile_flap_during_prepare),
	KUNIT_CASE(hostile_flap_during_hw_params),
	KUNIT_CASE(hostile_remove_while_open_waits),
	KUNIT_CASE(hostile_backend_gone_mid_run),
	KUNIT_CASE(hostile_backend_gone_still_mapping),
	KUNIT_CASE(hostile_fresh_buffer_after_reconnect),
	KUNIT_CASE_PARAM(hostile_child_name_not_canonical,
			 hostile_child_name_gen_params),
	KUNIT_CASE_PARAM(hostile_control_chars_in_token,
			 hostile_token_gen_params),
	KUNIT_CASE(hostile_control_chars_in_names),
	KUNIT_CASE_SLOW(hostile_max_tree),
	KUNIT_CASE(hostile_tree_too_many_devices),
	KUNIT_CASE(hostile_params_only_at_stream_level),
	{}
};

static struct kunit_suite xsf_hostile_suite = {
	.name = "snd_xen_front_hostile",
	.init = xsf_test_init,
	.suite_init = xsf_test_wq_init,
	.suite_exit = xsf_test_wq_exit,
	.test_cases = xsf_hostile_cases,
};

kunit_test_suite(xsf_hostile_suite);
