/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Simulated sndif backend for the KUnit suites.
 *
 * The backend serves the frontend's real shared rings: it maps a stream's
 * request ring and event page through the fake grant table, consumes the
 * requests the frontend pushed, answers them (or misbehaves as a test
 * asks) and raises the ring's event channel.  It also produces events on
 * the event page.
 *
 * The frontend notifies with its ring lock held, so the notification hook
 * never answers directly: it queues a work item that processes the rings
 * (autorun mode), or leaves the requests for an explicit
 * sim_backend_process() call.
 *
 * Device and ALSA fixtures built on it are in xsf_kunit_helpers.h.
 */
#ifndef XSF_SIM_BACKEND_H
#define XSF_SIM_BACKEND_H

#include <kunit/test.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "xsf_bus.h"
#include "xsf_fake.h"

/* One per stream of the largest tree the driver accepts. */
#define SIM_MAX_CHANS		(XSF_MAX_PCM_DEVICES * XSF_MAX_STREAMS)
#define SIM_LOG_LEN		512
#define SIM_DATA_LEN		(256 * 1024)
#define SIM_MAX_HELD		64
#define SIM_MAX_OUT		128
#define SIM_NR_OPS		16
#define SIM_PAYLOAD_LEN		64
#define SIM_MAX_DIR_PAGES	8

/**
 * enum sim_reply - how the backend answers one kind of request
 * @SIM_REPLY_NORMAL: answer once, correctly
 * @SIM_REPLY_DROP: never answer
 * @SIM_REPLY_HOLD: keep the answer until sim_backend_release()
 * @SIM_REPLY_WRONG_ID: answer with an id that was never sent
 * @SIM_REPLY_WRONG_OP: answer with the right id but another operation
 * @SIM_REPLY_DUPLICATE: answer twice
 * @SIM_REPLY_STALE: answer with the id, operation and status of the last
 *	request answered before (a request already completed); this one is
 *	never answered
 * @SIM_REPLY_SLOT_ALIAS: answer with the id plus the ring size: the same
 *	slot of the frontend's table, another id
 */
enum sim_reply {
	SIM_REPLY_NORMAL,
	SIM_REPLY_DROP,
	SIM_REPLY_HOLD,
	SIM_REPLY_WRONG_ID,
	SIM_REPLY_WRONG_OP,
	SIM_REPLY_DUPLICATE,
	SIM_REPLY_STALE,
	SIM_REPLY_SLOT_ALIAS,
};

/**
 * struct sim_op_cfg - behaviour for one XENSND_OP_*
 * @reply: how to answer
 * @set_status: answer @status instead of the computed one
 * @status: the status to answer when @set_status
 */
struct sim_op_cfg {
	enum sim_reply reply;
	bool set_status;
	s32 status;
};

/**
 * struct sim_log_entry - one request the backend consumed
 * @req: the request exactly as it was on the ring
 * @data_pos: WRITE: where its bytes start in the data log
 * @payload: SET_VOLUME, MUTE, UNMUTE: the first bytes of the shared
 *	buffer at the request's offset
 */
struct sim_log_entry {
	struct xensnd_req req;
	u32 data_pos;
	u8 payload[SIM_PAYLOAD_LEN];
};

struct sim_backend;

/**
 * struct sim_chan - the backend's side of one stream
 * @sim: owner
 * @ring_gref: grant of the request ring
 * @evt_gref: grant of the event page
 * @ring_port: event channel of the request ring
 * @evt_port: event channel of the event page
 * @sring: the mapped request ring
 * @back: the ring macros' backend state
 * @evt_page: the mapped event page
 * @evt_id: id of the next event (never reset: as real backends do)
 * @ops: behaviour per operation
 * @capture: the stream is a capture stream
 * @lenient: answer requests whatever the stream's state (for tests of the
 *	ring alone; real backends are not)
 * @opened: a buffer is mapped (OPEN answered, no CLOSE yet)
 * @started: TRIGGER START answered, no STOP since
 * @written_since_stop: octets written since OPEN or STOP
 * @open: the last OPEN request answered successfully
 * @nr_buf_pages: data pages mapped
 * @buf_grefs: their grants
 * @buf_vaddr: their addresses
 * @nr_dir_pages: directory pages read at the last OPEN
 * @dir_grefs: their grants
 * @nr_dir_errors: page directory problems seen (must stay 0)
 * @nr_bad: requests a real backend fails or hangs on: a bad offset or
 *	length, no open buffer, OPEN or HW_PARAM_QUERY while open, READ
 *	before START, a buffer that is not whole periods
 * @log: requests consumed, in order (the first SIM_LOG_LEN)
 * @nr_log: requests consumed
 * @nr_reqs: requests consumed per operation
 * @data: bytes read from the shared buffer for WRITE requests
 * @nr_data: bytes in @data
 * @read_bytes: bytes produced for READ requests
 * @held: answers held back
 * @nr_held: entries in @held
 * @out: answers produced while consuming requests, not yet on the ring
 * @nr_out: entries in @out
 * @last_resp: the last correct answer produced (for SIM_REPLY_STALE)
 * @have_last_resp: @last_resp is valid
 * @hw_limits: HW_PARAM_QUERY: what the device supports
 * @hw_limits_set: narrow queries to @hw_limits (else answer the query)
 * @hw_answer_fixed: answer @hw_answer whatever was asked
 * @hw_answer: see @hw_answer_fixed
 * @volume: current volume per channel, millidecibels
 * @muted: current mute flag per channel
 * @nr_ring_irqs: interrupts raised on the ring's event channel
 */
struct sim_chan {
	struct sim_backend *sim;
	grant_ref_t ring_gref;
	grant_ref_t evt_gref;
	evtchn_port_t ring_port;
	evtchn_port_t evt_port;
	struct xen_sndif_sring *sring;
	struct xen_sndif_back_ring back;
	struct xensnd_event_page *evt_page;
	u16 evt_id;
	struct sim_op_cfg ops[SIM_NR_OPS];
	bool capture;
	bool lenient;
	bool opened;
	bool started;
	u64 written_since_stop;
	struct xensnd_open_req open;
	unsigned int nr_buf_pages;
	grant_ref_t *buf_grefs;
	u8 **buf_vaddr;
	unsigned int nr_dir_pages;
	grant_ref_t dir_grefs[SIM_MAX_DIR_PAGES];
	unsigned int nr_dir_errors;
	unsigned int nr_bad;
	struct sim_log_entry log[SIM_LOG_LEN];
	unsigned int nr_log;
	unsigned int nr_reqs[SIM_NR_OPS];
	u8 *data;
	size_t nr_data;
	u64 read_bytes;
	struct xensnd_resp held[SIM_MAX_HELD];
	unsigned int nr_held;
	struct xensnd_resp out[SIM_MAX_OUT];
	unsigned int nr_out;
	struct xensnd_resp last_resp;
	bool have_last_resp;
	struct xensnd_query_hw_param hw_limits;
	bool hw_limits_set;
	bool hw_answer_fixed;
	struct xensnd_query_hw_param hw_answer;
	s32 volume[XSF_MAX_CHANNELS];
	u8 muted[XSF_MAX_CHANNELS];
	unsigned int nr_ring_irqs;
};

/**
 * struct sim_backend - the simulated backend domain
 * @test: the running test
 * @lock: serialises request processing
 * @work: processes the rings after a notification (autorun)
 * @autorun: answer from @work after every notification
 * @nr_kicks: notifications received
 * @default_ops: behaviour given to streams attached from now on
 * @default_volume: volume streams attached from now on report, mdB
 * @nr_chans: entries used in @chans
 * @chans: one per attached stream
 */
struct sim_backend {
	struct kunit *test;
	struct mutex lock; /* serialises request processing */
	struct work_struct work;
	bool autorun;
	unsigned int nr_kicks;
	struct sim_op_cfg default_ops[SIM_NR_OPS];
	s32 default_volume;
	unsigned int nr_chans;
	struct sim_chan *chans[SIM_MAX_CHANS];
};

struct sim_backend *sim_backend_new(struct kunit *test);
void sim_backend_stop(struct sim_backend *sim);
struct sim_chan *sim_backend_attach(struct sim_backend *sim,
				    grant_ref_t ring_gref,
				    evtchn_port_t ring_port,
				    grant_ref_t evt_gref,
				    evtchn_port_t evt_port);
struct sim_chan *sim_backend_attach_chan(struct sim_backend *sim,
					 const struct xsf_channel *chan);
int sim_backend_attach_store(struct sim_backend *sim, const char *nodename,
			     const struct xsf_card_cfg *cfg);
void sim_backend_detach_all(struct sim_backend *sim);
void sim_backend_process(struct sim_backend *sim);
void sim_backend_sync(struct sim_backend *sim);
void sim_backend_release(struct sim_chan *sc);
void sim_backend_set_reply(struct sim_chan *sc, u8 operation,
			   enum sim_reply reply);
void sim_backend_set_status(struct sim_chan *sc, u8 operation, s32 status);
void sim_backend_clear_status(struct sim_chan *sc, u8 operation);
int sim_backend_hostile_rsp_prod(struct sim_chan *sc, unsigned int extra);
int sim_backend_write_rsp_prod(struct sim_chan *sc, RING_IDX rsp_prod);
int sim_backend_push_raw(struct sim_chan *sc, const struct xensnd_resp *resp);
int sim_backend_raise_ring(struct sim_chan *sc);
void sim_backend_write_in_prod(struct sim_chan *sc, u32 in_prod);
void sim_backend_write_in_cons(struct sim_chan *sc, u32 in_cons);
void sim_backend_event(struct sim_chan *sc, u8 type, u64 position,
		       bool raise);
int sim_backend_raise_evt(struct sim_chan *sc);
const struct sim_log_entry *sim_backend_find(const struct sim_chan *sc,
					     u8 operation, unsigned int nth);
u8 sim_backend_pattern(u64 n);

void sim_evt_put(struct xensnd_event_page *page, u16 id, u8 type,
		 u64 position);

#endif /* XSF_SIM_BACKEND_H */
