/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * snd_xen_front: the protocol units, which need no hypervisor and are
 * tested under KUnit as they are.
 *
 *   state  - the frontend state machine as a pure function
 *   cfg    - XenStore configuration reader and validator
 *   shbuf  - shared buffer pages and their page directory of grants
 *   ring   - request/response protocol on one stream's ring
 *   evtq   - event page consumer and stream positions
 *
 * They reach Xen only through xsf_xenio.h and XenStore only through
 * xenbus_read()/xenbus_directory(), and they call nothing above them:
 * the ring and the event queue hand answers and events to callbacks.
 */
#ifndef XSF_PROTO_H
#define XSF_PROTO_H

#include <linux/completion.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <xen/xenbus.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/io/sndif.h>

#include "xsf_compat.h"

struct snd_card;
struct snd_pcm_substream;

/*
 * Limits on what the backend's XenStore tree may describe.  Without
 * dynamic minors ALSA numbers at most 8 PCM devices per card.
 */
#if IS_ENABLED(CONFIG_SND_DYNAMIC_MINORS)
#define XSF_MAX_PCM_DEVICES	16
#else
#define XSF_MAX_PCM_DEVICES	8
#endif
#define XSF_MAX_STREAMS		8	/* per PCM device */
#define XSF_MAX_RATES		32
#define XSF_MAX_CHANNELS	32
#define XSF_SHORT_NAME_LEN	32	/* sndif: char[32], NUL included */
#define XSF_LONG_NAME_LEN	80	/* sndif: char[80], NUL included */
#define XSF_DEVICE_NAME_LEN	80	/* sndif: char[80], NUL included */
#define XSF_UNIQUE_ID_LEN	128
#define XSF_LIST_MAX_LEN	1024	/* longest list node accepted */
#define XSF_MIN_BUFFER_BYTES	4096
#define XSF_MAX_BUFFER_BYTES	(4U * 1024 * 1024)
#define XSF_DEFAULT_BUFFER_BYTES (64U * 1024)
#define XSF_MAX_RATE		768000

/* ------------------------------------------------------------------ */
/* state: the frontend state machine                                   */
/* ------------------------------------------------------------------ */

/**
 * enum xsf_action - what the frontend must do on a transition
 * @XSF_ACTION_NONE: nothing beyond switching to the next state (if any)
 * @XSF_ACTION_CONNECT: read the configuration, set up every stream's
 *	channels and publish them, then switch to Initialised
 * @XSF_ACTION_CREATE_CARD: create and register the ALSA card
 * @XSF_ACTION_TEARDOWN: remove the card and the channels
 * @XSF_ACTION_RECONFIGURE: remove the channels and disconnect the card,
 *	which stays until its last user closes it
 * @XSF_ACTION_CLOSE: device removal: announce Closing, wait (bounded)
 *	for the backend, free everything
 */
enum xsf_action {
	XSF_ACTION_NONE,
	XSF_ACTION_CONNECT,
	XSF_ACTION_CREATE_CARD,
	XSF_ACTION_TEARDOWN,
	XSF_ACTION_RECONFIGURE,
	XSF_ACTION_CLOSE,
};

/**
 * struct xsf_transition - result of the state machine
 * @next: the frontend state to switch to (may equal the current one)
 * @action: what to do before switching
 */
struct xsf_transition {
	enum xenbus_state next;
	enum xsf_action action;
};

struct xsf_transition xsf_state_next(enum xenbus_state frontend,
				     enum xenbus_state backend,
				     bool card_in_use, bool removing);
const char *xsf_action_name(enum xsf_action action);

/* ------------------------------------------------------------------ */
/* cfg: configuration read from XenStore                               */
/* ------------------------------------------------------------------ */

/* Which parameters a level of the tree or one above it actually set. */
#define XSF_HW_SET_RATES	BIT(0)
#define XSF_HW_SET_FORMATS	BIT(1)
#define XSF_HW_SET_CHANNELS_MIN	BIT(2)
#define XSF_HW_SET_CHANNELS_MAX	BIT(3)
#define XSF_HW_SET_BUFFER	BIT(4)

/**
 * struct xsf_hw_cfg - stream parameters one level of the tree allows
 * @set: XSF_HW_SET_* of the parameters set at this level or above; the
 *	others hold the driver's defaults, which a lower level may replace
 * @formats: bit mask of (1 << XENSND_PCM_FORMAT_*)
 * @rates: supported rates, ascending, without duplicates
 * @nr_rates: number of entries in @rates
 * @channels_min: minimum channel count
 * @channels_max: maximum channel count
 * @buffer_bytes: largest buffer per stream, octets
 */
struct xsf_hw_cfg {
	unsigned int set;
	u64 formats;
	u32 rates[XSF_MAX_RATES];
	unsigned int nr_rates;
	unsigned int channels_min;
	unsigned int channels_max;
	unsigned int buffer_bytes;
};

/**
 * struct xsf_stream_cfg - one stream of a PCM device
 * @index: the stream's index below its PCM device node
 * @capture: true for a capture ("c") stream, false for playback ("p")
 * @unique_id: the backend's opaque stream identifier
 * @hw: effective parameters after inheritance
 */
struct xsf_stream_cfg {
	unsigned int index;
	bool capture;
	char unique_id[XSF_UNIQUE_ID_LEN];
	struct xsf_hw_cfg hw;
};

/**
 * struct xsf_pcm_cfg - one PCM device of the card
 * @name: device name (may be empty: the card code then makes one)
 * @hw: parameters after inheritance from the card
 * @nr_streams: number of entries in @streams
 * @streams: the device's streams, in XenStore index order
 */
struct xsf_pcm_cfg {
	char name[XSF_DEVICE_NAME_LEN];
	struct xsf_hw_cfg hw;
	unsigned int nr_streams;
	struct xsf_stream_cfg *streams;
};

/**
 * struct xsf_card_cfg - the whole virtual card
 * @short_name: card short name (may be empty)
 * @long_name: card long name (may be empty)
 * @protocol: negotiated protocol version
 * @hw: card-level parameters
 * @nr_pcms: number of entries in @pcms
 * @pcms: the card's PCM devices, in XenStore index order
 */
struct xsf_card_cfg {
	char short_name[XSF_SHORT_NAME_LEN];
	char long_name[XSF_LONG_NAME_LEN];
	unsigned int protocol;
	struct xsf_hw_cfg hw;
	unsigned int nr_pcms;
	struct xsf_pcm_cfg *pcms;
};

int xsf_cfg_read(struct xenbus_device *xb, struct xsf_card_cfg *cfg);
void xsf_cfg_free(struct xsf_card_cfg *cfg);
int xsf_cfg_parse_rates(struct device *dev, const char *path,
			const char *list, struct xsf_hw_cfg *hw);
int xsf_cfg_parse_formats(struct device *dev, const char *path,
			  const char *list, u64 *formats);
int xsf_cfg_format_from_name(const char *name);
const char *xsf_cfg_format_name(unsigned int format);
unsigned int xsf_cfg_nr_streams(const struct xsf_card_cfg *cfg);

/* ------------------------------------------------------------------ */
/* shbuf: shared buffer and page directory                             */
/* ------------------------------------------------------------------ */

/* Grant references one page directory page holds after its next pointer. */
#define XSF_GREFS_PER_DIR_PAGE \
	((XEN_PAGE_SIZE - sizeof(grant_ref_t)) / sizeof(grant_ref_t))

/*
 * Largest shared buffer: an audio buffer plus a volume area of at most
 * half of it (whole periods, see pcm.c).
 */
#define XSF_MAX_SHBUF_BYTES	(XSF_MAX_BUFFER_BYTES + XSF_MAX_BUFFER_BYTES / 2)

/**
 * struct xsf_shbuf - a buffer shared with the backend
 * @size: size in octets of the allocation (whole pages are granted)
 * @described: size the page directory describes now
 * @nr_pages: number of data pages
 * @pages: the data pages
 * @grefs: grant reference of each data page
 * @vaddr: contiguous kernel mapping of the data pages
 * @nr_dir_pages: number of page directory pages
 * @dir_pages: the page directory pages
 * @dir_grefs: grant reference of each page directory page
 */
struct xsf_shbuf {
	size_t size;
	size_t described;
	unsigned int nr_pages;
	struct page **pages;
	grant_ref_t *grefs;
	void *vaddr;
	unsigned int nr_dir_pages;
	struct page **dir_pages;
	grant_ref_t *dir_grefs;
};

int xsf_shbuf_alloc(struct xenbus_device *xb, struct xsf_shbuf *buf,
		    size_t size);
void xsf_shbuf_free(struct xsf_shbuf *buf);
grant_ref_t xsf_shbuf_directory(const struct xsf_shbuf *buf);
grant_ref_t xsf_shbuf_describe(struct xsf_shbuf *buf, size_t size);
int xsf_shbuf_regrant(struct xenbus_device *xb, struct xsf_shbuf *buf);
unsigned int xsf_shbuf_revoke(struct xsf_shbuf *buf);
unsigned int xsf_shbuf_dir_pages_for(unsigned int nr_pages);

/* ------------------------------------------------------------------ */
/* ring: requests and responses                                        */
/* ------------------------------------------------------------------ */

#define XSF_RING_SLOTS __CONST_RING_SIZE(xen_sndif, XEN_PAGE_SIZE)
/* Ring entries and slots data requests leave to control requests. */
#define XSF_RING_CONTROL_RESERVE	4

/**
 * enum xsf_ring_class - what kind of request an asynchronous one is
 * @XSF_RING_CONTROL: TRIGGER and other control requests
 * @XSF_RING_DATA: READ and WRITE, which leave XSF_RING_CONTROL_RESERVE
 *	entries free for control requests
 * @XSF_RING_DATA_QUIET: a data request whose answer may wait: the
 *	backend is not asked to interrupt for it (xsf_ring_submit())
 */
enum xsf_ring_class {
	XSF_RING_CONTROL,
	XSF_RING_DATA,
	XSF_RING_DATA_QUIET,
};

typedef void (*xsf_ring_done_t)(void *ctx, int status,
				const struct xensnd_resp *resp);

/**
 * enum xsf_slot_state - life of one outstanding request
 * @XSF_SLOT_FREE: unused
 * @XSF_SLOT_WAITING: a caller sleeps for the response
 * @XSF_SLOT_ANSWERED: the response arrived, the caller has not taken it
 * @XSF_SLOT_ASYNC: completion is delivered through a callback
 */
enum xsf_slot_state {
	XSF_SLOT_FREE,
	XSF_SLOT_WAITING,
	XSF_SLOT_ANSWERED,
	XSF_SLOT_ASYNC,
};

/**
 * struct xsf_ring_slot - bookkeeping for one outstanding request
 * @state: see &enum xsf_slot_state
 * @id: request id sent to the backend
 * @operation: XENSND_OP_* sent
 * @status: errno result once answered
 * @resp: copy of the response once answered
 * @done: signalled when a waiting request is answered or failed
 * @callback: completion for asynchronous requests
 * @ctx: argument of @callback
 * @quiet: an asynchronous request whose answer may wait (no interrupt
 *	asked for; see xsf_ring_submit())
 */
struct xsf_ring_slot {
	enum xsf_slot_state state;
	u16 id;
	u8 operation;
	int status;
	struct xensnd_resp resp;
	struct completion done;
	xsf_ring_done_t callback;
	void *ctx;
	bool quiet;
};

/**
 * struct xsf_trace_id - what a tracepoint (xsf_trace.h) names
 * @dev: the device's number, N of its XenStore node device/vsnd/N
 * @stream: the stream's index among the device's streams
 */
struct xsf_trace_id {
	u16 dev;
	u16 stream;
};

/**
 * struct xsf_ring - one stream's request ring, frontend side
 * @dev: device for messages
 * @tid: the ring's name in tracepoints (set after xsf_ring_init())
 * @lock: protects everything below
 * @front: the ring macros' private state
 * @irq: IRQ bound to the ring's event channel, for notifications
 * @connected: requests may be sent
 * @next_id: id for the next request
 * @slot_wait: woken when a slot or ring entry frees up
 * @slots: outstanding requests, indexed by id modulo XSF_RING_SLOTS
 * @nr_stale: responses dropped as stale, unknown or duplicate
 * @nr_timeouts: requests given up on
 * @consuming: a context is taking responses (xsf_ring_handle_responses())
 */
struct xsf_ring {
	struct device *dev;
	struct xsf_trace_id tid;
	spinlock_t lock; /* protects the ring and its slots */
	struct xen_sndif_front_ring front;
	int irq;
	bool connected;
	u16 next_id;
	wait_queue_head_t slot_wait;
	struct xsf_ring_slot slots[XSF_RING_SLOTS];
	unsigned int nr_stale;
	unsigned int nr_timeouts;
	bool consuming;
};

extern unsigned int xsf_request_timeout_ms;

void xsf_ring_init(struct xsf_ring *ring, struct device *dev,
		   struct xen_sndif_sring *sring, int irq);
int xsf_ring_call(struct xsf_ring *ring, struct xensnd_req *req,
		  struct xensnd_resp *resp);
int xsf_ring_submit(struct xsf_ring *ring, struct xensnd_req *req,
		    enum xsf_ring_class class, xsf_ring_done_t callback,
		    void *ctx);
int xsf_ring_handle_responses(struct xsf_ring *ring);
bool xsf_ring_has_responses(struct xsf_ring *ring);
void xsf_ring_disconnect(struct xsf_ring *ring);
int xsf_ring_status_to_errno(s32 status);

/* ------------------------------------------------------------------ */
/* evtq: event page and positions                                      */
/* ------------------------------------------------------------------ */

/**
 * struct xsf_evtq - consumer side of one stream's event page
 * @dev: device for messages
 * @tid: the page's name in tracepoints
 * @page: the shared event page
 * @cons: our consumer index.  The page's in_cons is only written: read
 *	back, it would let the backend replay events.
 * @expected_id: id the next event should carry
 * @id_synced: @expected_id is known (false until the first event after
 *	a reset: backends need not restart ids between openings)
 * @nr_lost: events detected as missing from id gaps
 */
struct xsf_evtq {
	struct device *dev;
	struct xsf_trace_id tid;
	struct xensnd_event_page *page;
	u32 cons;
	u16 expected_id;
	bool id_synced;
	unsigned int nr_lost;
};

/* Hands one event on; returns whether it was of any use. */
typedef bool (*xsf_evt_deliver_t)(void *ctx, const struct xensnd_evt *evt);

void xsf_evtq_init(struct xsf_evtq *q, struct device *dev,
		   struct xensnd_event_page *page);
void xsf_evtq_resync(struct xsf_evtq *q);
int xsf_evtq_consume(struct xsf_evtq *q, xsf_evt_deliver_t deliver,
		     void *ctx);

/**
 * struct xsf_pos - a stream's position from XENSND_EVT_CUR_POS values
 * @raw: the backend's last value taken as reference
 * @stream: octets played or captured since the stream started
 * @buffer_bytes: ring buffer size
 * @period_bytes: period size: backwards steps up to this are jitter
 * @synced: a value arrived since the last reset
 */
struct xsf_pos {
	u64 raw;
	u64 stream;
	u32 buffer_bytes;
	u32 period_bytes;
	bool synced;
};

/**
 * enum xsf_pos_result - what one position value did
 * @XSF_POS_STILL: nothing (the same value, or jitter backwards)
 * @XSF_POS_MOVED: the stream moved forward
 * @XSF_POS_REBASED: the backend's count restarted or had an offset: it is
 *	the new reference, the stream's position did not go back
 * @XSF_POS_LOST: the stream moved past the data that could be accounted
 *	for: data was lost (an xrun)
 */
enum xsf_pos_result {
	XSF_POS_STILL,
	XSF_POS_MOVED,
	XSF_POS_REBASED,
	XSF_POS_LOST,
};

void xsf_pos_reset(struct xsf_pos *pos, u32 buffer_bytes, u32 period_bytes);
enum xsf_pos_result xsf_pos_update(struct xsf_pos *pos, u64 raw,
				   u64 elapsed_bytes, u64 limit);

#endif /* XSF_PROTO_H */
