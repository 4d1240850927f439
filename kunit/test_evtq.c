// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_evtq: the event page consumer and the
 * position checks.
 */
#include <kunit/device.h>
#include <kunit/test.h>

#include "xsf_kunit_helpers.h"

#define EVTQ_MAX_SEEN 256
#define EVTQ_USELESS_ID 0xdead

struct evtq_ctx {
	struct device *dev;
	struct xensnd_event_page *page;
	struct xsf_evtq q;
	unsigned int nr_seen;
	struct xensnd_evt seen[EVTQ_MAX_SEEN];
};

/* Takes every event; those with id EVTQ_USELESS_ID count as of no use. */
static bool evtq_deliver(void *data, const struct xensnd_evt *evt)
{
	struct evtq_ctx *ctx = data;

	if (ctx->nr_seen < EVTQ_MAX_SEEN)
		ctx->seen[ctx->nr_seen] = *evt;
	ctx->nr_seen++;
	return evt->id != EVTQ_USELESS_ID;
}

static struct evtq_ctx *evtq_setup(struct kunit *test)
{
	struct evtq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->page = kunit_kzalloc(test, XEN_PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->page);
	ctx->dev = kunit_device_register(test, "xsf-evtq");
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->dev));
	xsf_evtq_init(&ctx->q, ctx->dev, ctx->page);
	return ctx;
}

/* A page whose indices start at @index, as a consumer attached to it sees. */
static void evtq_start_at(struct evtq_ctx *ctx, u32 index)
{
	ctx->page->in_cons = index;
	ctx->page->in_prod = index;
	xsf_evtq_init(&ctx->q, ctx->dev, ctx->page);
}

static int evtq_consume(struct evtq_ctx *ctx)
{
	return xsf_evtq_consume(&ctx->q, evtq_deliver, ctx);
}

static void evtq_in_order(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);
	unsigned int i;

	for (i = 0; i < 5; i++)
		sim_evt_put(ctx->page, i, XENSND_EVT_CUR_POS, 1000 * (i + 1));
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 5);
	KUNIT_ASSERT_EQ(test, ctx->nr_seen, 5U);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_EQ(test, ctx->seen[i].id, i);
		KUNIT_EXPECT_EQ(test, ctx->seen[i].type, XENSND_EVT_CUR_POS);
		KUNIT_EXPECT_EQ(test, ctx->seen[i].op.cur_pos.position,
				1000ULL * (i + 1));
	}
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, 5U);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
	/* Nothing new: nothing delivered. */
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 5U);
}

/*
 * The backend moves in_cons back to replay events: the consumer goes on
 * from its own index, and writes that back.
 */
static void evtq_consumer_index_is_ours(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);
	unsigned int i;

	for (i = 0; i < 4; i++)
		sim_evt_put(ctx->page, i, XENSND_EVT_CUR_POS, 64 * i);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 4);
	ctx->page->in_cons = 0;
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 4U);
	sim_evt_put(ctx->page, 4, XENSND_EVT_CUR_POS, 256);
	ctx->page->in_cons = 1;
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 5U);
	KUNIT_EXPECT_EQ(test, ctx->seen[4].id, 4);
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, 5U);
}

/* Events of no use are consumed but not counted: the IRQ is spurious. */
static void evtq_counts_only_useful_events(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	sim_evt_put(ctx->page, EVTQ_USELESS_ID, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, EVTQ_USELESS_ID + 1, XENSND_EVT_CUR_POS, 64);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 2U);
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, 2U);
}

static void evtq_overflow_skips(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	evtq_start_at(ctx, 100);
	ctx->page->in_prod = 100 + XENSND_IN_RING_LEN + 1;
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 0U);
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, ctx->page->in_prod);

	/* The next event restarts the sequence without counting a loss. */
	sim_evt_put(ctx->page, 77, XENSND_EVT_CUR_POS, 4);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 1);
	KUNIT_EXPECT_EQ(test, ctx->seen[0].id, 77);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
}

static void evtq_producer_behind_consumer(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	/* A producer index behind the consumer is a huge u32 distance. */
	evtq_start_at(ctx, 10);
	ctx->page->in_prod = 9;
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 0U);
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, 9U);
}

static void evtq_full_page_delivered(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);
	unsigned int i;

	for (i = 0; i < XENSND_IN_RING_LEN; i++)
		sim_evt_put(ctx->page, i, XENSND_EVT_CUR_POS, i);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), (int)XENSND_IN_RING_LEN);
	KUNIT_EXPECT_EQ(test, ctx->seen[XENSND_IN_RING_LEN - 1].id,
			XENSND_IN_RING_LEN - 1);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
}

static void evtq_wraps_modulo_63(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);
	struct xensnd_evt *ring = XENSND_IN_RING(ctx->page);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, (unsigned int)XENSND_IN_RING_LEN, 63U);
	evtq_start_at(ctx, 60);
	for (i = 0; i < 10; i++)
		sim_evt_put(ctx->page, 500 + i, XENSND_EVT_CUR_POS, 64 * i);
	/* Events 3.. went to slots 0.. of the page. */
	KUNIT_EXPECT_EQ(test, ring[0].id, 503);
	KUNIT_EXPECT_EQ(test, ring[62].id, 502);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 10);
	for (i = 0; i < 10; i++) {
		KUNIT_EXPECT_EQ(test, ctx->seen[i].id, 500 + i);
		KUNIT_EXPECT_EQ(test, ctx->seen[i].op.cur_pos.position,
				64ULL * i);
	}
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, 70U);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
}

static void evtq_index_wraps_u32(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);
	unsigned int i;

	/*
	 * 2^32 is not a multiple of 63: slots repeat early at the u32 wrap
	 * (index 0xfffffffe and index 2 share slot 2), so the backend
	 * produces in two batches here.
	 */
	evtq_start_at(ctx, 0xfffffffeU);
	sim_evt_put(ctx->page, 0, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 1, XENSND_EVT_CUR_POS, 1);
	sim_evt_put(ctx->page, 2, XENSND_EVT_CUR_POS, 2);
	KUNIT_EXPECT_EQ(test, ctx->page->in_prod, 1U);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 3);
	for (i = 3; i < 6; i++)
		sim_evt_put(ctx->page, i, XENSND_EVT_CUR_POS, i);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 3);
	for (i = 0; i < 6; i++) {
		KUNIT_EXPECT_EQ(test, ctx->seen[i].id, i);
		KUNIT_EXPECT_EQ(test, ctx->seen[i].op.cur_pos.position, (u64)i);
	}
	KUNIT_EXPECT_EQ(test, ctx->page->in_cons, 4U);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
}

static void evtq_ids_not_reset_between_streams(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);
	unsigned int i;

	for (i = 0; i < 4; i++)
		sim_evt_put(ctx->page, 1000 + i, XENSND_EVT_CUR_POS, i);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 4);
	/* Stream prepared again: the backend keeps counting, from anywhere. */
	xsf_evtq_resync(&ctx->q);
	sim_evt_put(ctx->page, 40000, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 40001, XENSND_EVT_CUR_POS, 64);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 2);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
	KUNIT_EXPECT_EQ(test, ctx->seen[5].id, 40001);
}

static void evtq_first_event_defines_sequence(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	sim_evt_put(ctx->page, 9000, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 9001, XENSND_EVT_CUR_POS, 0);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 2);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
}

static void evtq_id_gaps_counted(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	sim_evt_put(ctx->page, 5, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 6, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 9, XENSND_EVT_CUR_POS, 0);	/* 7, 8 lost */
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 3);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 2U);
	sim_evt_put(ctx->page, 10, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 20, XENSND_EVT_CUR_POS, 0);	/* 9 lost */
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 2);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 11U);
	/* Every event is still delivered. */
	KUNIT_EXPECT_EQ(test, ctx->nr_seen, 5U);
}

static void evtq_id_wraps_u16(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	sim_evt_put(ctx->page, 65534, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 65535, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 0, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 1, XENSND_EVT_CUR_POS, 0);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 4);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
}

static void evtq_init_resets_loss_count(struct kunit *test)
{
	struct evtq_ctx *ctx = evtq_setup(test);

	sim_evt_put(ctx->page, 1, XENSND_EVT_CUR_POS, 0);
	sim_evt_put(ctx->page, 5, XENSND_EVT_CUR_POS, 0);
	KUNIT_EXPECT_EQ(test, evtq_consume(ctx), 2);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 3U);
	memset(ctx->page, 0, XEN_PAGE_SIZE);
	xsf_evtq_init(&ctx->q, ctx->dev, ctx->page);
	KUNIT_EXPECT_EQ(test, ctx->q.nr_lost, 0U);
	KUNIT_EXPECT_FALSE(test, ctx->q.id_synced);
}

/* A run: buffer 4096, period 1024; the clock allows 10 periods so far. */
#define POS_BUF		4096U
#define POS_PERIOD	1024U
#define POS_CLOCK	(10ULL * POS_PERIOD)
#define POS_NO_LIMIT	U64_MAX

static void pos_grows_past_buffer(struct kunit *test)
{
	struct xsf_pos pos;
	u64 p;

	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_EXPECT_EQ(test, pos.stream, 0ULL);
	/* Not period aligned, past the buffer size: a count since start. */
	for (p = 1000; p < 40000; p += 3001)
		KUNIT_EXPECT_EQ_MSG(test, xsf_pos_update(&pos, p, POS_CLOCK,
							 POS_NO_LIMIT),
				    XSF_POS_MOVED, "position %llu", p);
	KUNIT_EXPECT_EQ(test, pos.stream, 37012ULL);
}

static void pos_beyond_32_bits(struct kunit *test)
{
	struct xsf_pos pos;

	xsf_pos_reset(&pos, 65536, 16384);
	KUNIT_ASSERT_EQ(test, xsf_pos_update(&pos, 0xffffff00ULL, 0xffffff00ULL,
					     POS_NO_LIMIT), XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 0x100000200ULL, 0,
					     POS_NO_LIMIT), XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 0x100000200ULL);
	/* Truncated to 32 bits it would look like a restart of the count. */
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 0x200ULL, 0, POS_NO_LIMIT),
			XSF_POS_REBASED);
	KUNIT_EXPECT_EQ(test, pos.stream, 0x100000200ULL);
}

/* snd_be's value can come out a frame low: that is no movement at all. */
static void pos_jitter_backwards_ignored(struct kunit *test)
{
	struct xsf_pos pos;

	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_ASSERT_EQ(test, xsf_pos_update(&pos, 3000, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 2996, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_STILL);
	KUNIT_EXPECT_EQ(test, pos.stream, 3000ULL);
	/* The reference stays at the highest value: nothing counted twice. */
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 3100, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 3100ULL);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 3100, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_STILL);
}

/* A count that restarts (snd_be's capture after an overrun) is followed. */
static void pos_restart_rebased(struct kunit *test)
{
	struct xsf_pos pos;

	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_ASSERT_EQ(test, xsf_pos_update(&pos, 8000, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 0, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_REBASED);
	KUNIT_EXPECT_EQ(test, pos.stream, 8000ULL);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 1024, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 9024ULL);
}

/*
 * A count with an offset from before the run (snd_be keeps one across
 * STOP and START): the first value is more than the clock allows, and
 * the stream starts where the clock says.
 */
static void pos_first_value_with_offset(struct kunit *test)
{
	struct xsf_pos pos;

	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 986880, POS_PERIOD,
					     POS_NO_LIMIT), XSF_POS_REBASED);
	KUNIT_EXPECT_EQ(test, pos.stream, (u64)POS_PERIOD);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 986880 + 1024, 2 * POS_PERIOD,
					     POS_NO_LIMIT), XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 2ULL * POS_PERIOD);
	/* A first value the clock allows (a late event) counts as it is. */
	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 4608, 3 * POS_PERIOD,
					     POS_NO_LIMIT), XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 4608ULL);
}

/*
 * A gap of several buffers (a descheduled guest) is followed, not
 * dropped; when it goes past the data that could be accounted for, the
 * caller is told that data was lost, and later values still count.
 */
static void pos_gap_followed_or_lost(struct kunit *test)
{
	struct xsf_pos pos;

	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_ASSERT_EQ(test, xsf_pos_update(&pos, 1024, POS_CLOCK, 100000),
			XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 1024 + 5 * POS_BUF, POS_CLOCK,
					     100000), XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 1024ULL + 5 * POS_BUF);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 200000, POS_CLOCK, 100000),
			XSF_POS_LOST);
	KUNIT_EXPECT_EQ(test, pos.stream, 100000ULL);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, U64_MAX, POS_CLOCK, 100000),
			XSF_POS_LOST);
	/* A reset starts counting from 0 again. */
	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 1000, POS_CLOCK, POS_NO_LIMIT),
			XSF_POS_MOVED);
	KUNIT_EXPECT_EQ(test, pos.stream, 1000ULL);
}

/* A first value beyond the limit is not trusted either. */
static void pos_first_value_beyond_limit(struct kunit *test)
{
	struct xsf_pos pos;

	xsf_pos_reset(&pos, POS_BUF, POS_PERIOD);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 3000, POS_CLOCK, 2048),
			XSF_POS_REBASED);
	KUNIT_EXPECT_EQ(test, pos.stream, 2048ULL);
	KUNIT_EXPECT_EQ(test, xsf_pos_update(&pos, 0, POS_CLOCK, 2048),
			XSF_POS_REBASED);
	KUNIT_EXPECT_EQ(test, pos.stream, 2048ULL);
}

static struct kunit_case xsf_evtq_cases[] = {
	KUNIT_CASE(evtq_in_order),
	KUNIT_CASE(evtq_overflow_skips),
	KUNIT_CASE(evtq_producer_behind_consumer),
	KUNIT_CASE(evtq_full_page_delivered),
	KUNIT_CASE(evtq_consumer_index_is_ours),
	KUNIT_CASE(evtq_counts_only_useful_events),
	KUNIT_CASE(evtq_wraps_modulo_63),
	KUNIT_CASE(evtq_index_wraps_u32),
	KUNIT_CASE(evtq_ids_not_reset_between_streams),
	KUNIT_CASE(evtq_first_event_defines_sequence),
	KUNIT_CASE(evtq_id_gaps_counted),
	KUNIT_CASE(evtq_id_wraps_u16),
	KUNIT_CASE(evtq_init_resets_loss_count),
	KUNIT_CASE(pos_grows_past_buffer),
	KUNIT_CASE(pos_beyond_32_bits),
	KUNIT_CASE(pos_jitter_backwards_ignored),
	KUNIT_CASE(pos_restart_rebased),
	KUNIT_CASE(pos_first_value_with_offset),
	KUNIT_CASE(pos_gap_followed_or_lost),
	KUNIT_CASE(pos_first_value_beyond_limit),
	{}
};

static struct kunit_suite xsf_evtq_suite = {
	.name = "snd_xen_front_evtq",
	.init = xsf_test_init,
	.test_cases = xsf_evtq_cases,
};

kunit_test_suite(xsf_evtq_suite);
