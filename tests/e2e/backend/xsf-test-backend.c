// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsf-test-backend - a Xen para-virtual sound (sndif protocol version 2)
 * backend for tests. It runs in dom0, serves every vsnd device that the
 * toolstack creates under /local/domain/0/backend/vsnd, and instead of
 * driving a sound card it:
 *  - appends the bytes received with WRITE on a playback stream to
 *    <outdir>/<domid>-<dev>-<pcm>-<stream>.raw (the file is opened with
 *    O_APPEND on OPEN and closed on CLOSE; a test removes it to start over),
 *    and logs a WRITE that does not start where the one before ended
 *    (WRITE JUMP: the frontend skipped or repeated part of its data),
 *  - answers READ on a capture stream with the bytes of a capture file, in
 *    order from its start at each OPEN (zeros past its end), or, in loopback
 *    mode, with the bytes written to the playback stream of the same PCM
 *    device,
 *  - sends XENSND_EVT_CUR_POS events paced in real time, one per period,
 *  - logs every control operation with its values, one line each.
 *
 * Everything the frontend writes (xenstore nodes, ring indexes, requests,
 * buffer directories) is treated as hostile and validated.
 *
 * It is at least as strict as xen-troops' snd_be, the backend Xen users
 * run, on everything where snd_be fails or hangs, so that a frontend
 * regression shows here first:
 *  - the page directory and the buffer are mapped read-write (libxenbe
 *    maps every grant so; a read-only grant makes OPEN fail);
 *  - OPEN needs period_sz != 0, buffer_sz a whole number of periods and
 *    both whole frames (snd_be sizes its device from them), buffer_sz
 *    within the XenStore buffer-size (plus, for volume, an area of whole
 *    periods for the channels' values), and no OPEN while open (snd_be
 *    waits for its own device forever);
 *  - HW_PARAM_QUERY while the stream is open is refused (snd_be opens the
 *    device a second time for it, and hangs);
 *  - READ, WRITE and TRIGGER need an open stream, READ a started one,
 *    and a playback START data written since OPEN or STOP (ALSA refuses
 *    to start an empty playback device with -EPIPE).
 *
 * Faults are injected on request (see usage()): refused, failed or
 * unanswered operations, lost, garbage or flooding events, event ids that
 * restart, an exit mid-stream, a XenStore state that flaps, buffers kept
 * mapped after CLOSE.  --fault-stream limits all of them to the streams
 * named, so that a test can check that the others keep playing, and
 * --device lets two instances share the vsnd devices of a domain (one of
 * them faulty).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xengnttab.h>
#include <xenevtchn.h>

#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#include <xen/io/sndif.h>

#define PAGE_SZ		4096u
#define MAX_PCMS	16
#define MAX_STREAMS	16	/* per PCM device */
#define MAX_CHANNELS	32
#define MAX_BUFFER_SZ	(64u << 20)
#define MAX_LOOP_SZ	(64u << 20)
#define GREFS_PER_DIR	((PAGE_SZ - sizeof(grant_ref_t)) / sizeof(grant_ref_t))
#define BE_ROOT		"/local/domain/0/backend/vsnd"
#define MAX_FAULT_IDS	8
#define MAX_DEVICES	8
#define MAX_KEPT	64		/* buffers kept mapped after CLOSE */
#define MS_NS		1000000ULL
#define FLOOD_EVERY_NS	(50 * MS_NS)	/* one burst of events per stream */
#define FLAP_FIRST_NS	(500 * MS_NS)	/* playing, before the first flap */
#define FLAP_EVERY_NS	(300 * MS_NS)	/* time the frontend gets per state */
#define SCRIBBLE_EVERY_NS (200 * MS_NS)
#define XB_NOT_A_STATE	99		/* what a broken backend may write */

enum { XB_UNKNOWN, XB_INITIALISING, XB_INITWAIT, XB_INITIALISED,
       XB_CONNECTED, XB_CLOSING, XB_CLOSED, XB_RECONFIGURING,
       XB_RECONFIGURED };

static const char *const op_names[] = {
	[XENSND_OP_OPEN] = "OPEN", [XENSND_OP_CLOSE] = "CLOSE",
	[XENSND_OP_READ] = "READ", [XENSND_OP_WRITE] = "WRITE",
	[XENSND_OP_SET_VOLUME] = "SET_VOLUME",
	[XENSND_OP_GET_VOLUME] = "GET_VOLUME",
	[XENSND_OP_MUTE] = "MUTE", [XENSND_OP_UNMUTE] = "UNMUTE",
	[XENSND_OP_TRIGGER] = "TRIGGER",
	[XENSND_OP_HW_PARAM_QUERY] = "HW_PARAM_QUERY",
};
#define NUM_OPS ((int)(sizeof(op_names) / sizeof(op_names[0])))

/* octets per sample of each XENSND_PCM_FORMAT_*; 0: not a linear format */
static const unsigned int fmt_bytes[] = {
	1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 8, 8, 4, 4, 1, 1, 0, 0, 0,
};
#define NUM_FORMATS ((int)(sizeof(fmt_bytes) / sizeof(fmt_bytes[0])))

struct range { uint32_t min, max; bool set; };

static struct {
	const char *outdir;
	const char *capture;
	const char *logfile;
	const char *pidfile;
	bool loopback;
	uint32_t loop_pcms;		/* --loopback-pcm bit mask */
	bool daemonize;
	bool reset_evt_id;
	bool refuse[NUM_OPS];
	bool drop[NUM_OPS];
	int error[NUM_OPS];		/* status to answer, 0 = normal */
	long exit_after_ms;		/* <0: never */
	unsigned int drop_evt_every;	/* 0: never */
	long underrun_ms;		/* <0: never advance past written data */
	uint64_t formats;		/* 0: no narrowing */
	struct range rates, channels, buffer, period;
	bool verbose;
	/* streams the faults apply to (unique-id or dev/pcm/stream); none: all */
	const char *fault_ids[MAX_FAULT_IDS];
	unsigned int nr_fault_ids;
	/* vsnd device ids served; none: all */
	unsigned int devices[MAX_DEVICES];
	unsigned int nr_devices;
	unsigned int garbage_every;	/* 0: positions are true */
	unsigned int flap_cycles;	/* 0: the state follows the protocol */
	unsigned int flood_burst;	/* events per burst, 0: no flood */
	bool keep_mapped;
} opt = {
	.outdir = ".",
	.exit_after_ms = -1,
	.underrun_ms = 300,
};

static bool is_loop(unsigned int pcm)
{
	return opt.loopback || (pcm < 32 && (opt.loop_pcms & (1u << pcm)));
}

static struct xs_handle *xs;
static xengnttab_handle *xgt;
static xenevtchn_handle *xce;
static FILE *logf;
static volatile sig_atomic_t quit;
static struct timespec first_start;
static uint64_t next_tick_ns = UINT64_MAX;	/* until the next CUR_POS is due */
static bool streaming_seen;

struct device;

struct stream {
	struct device *dev;
	unsigned int pcm, idx;
	bool capture;
	char name[48];			/* "dev/pcm/stream" */

	/* connection */
	bool connected;
	grant_ref_t ring_ref, evt_ring_ref;
	uint32_t fe_port, fe_evt_port;
	int port, evt_port;		/* local ports, -1 if unbound */
	struct xen_sndif_sring *sring;
	struct xen_sndif_back_ring ring;
	struct xensnd_event_page *evt_page;
	uint16_t evt_id;
	uint64_t evt_count;
	bool evt_full_logged;

	char unique_id[64];
	bool fault;			/* the fault options apply to this stream */
	unsigned int garbage_kind;	/* next kind of garbage position */
	uint64_t last_sent_pos;		/* position of the last event sent */
	uint64_t next_flood_ns;
	uint64_t flood_bursts, flood_events;

	uint32_t buffer_limit;		/* XenStore buffer-size, 0: none */

	/* one opening of the stream (between OPEN and CLOSE) */
	bool open;
	uint64_t written_since_stop;
	uint32_t rate, buffer_sz, period_sz;
	uint8_t format, channels;
	unsigned int frame_bytes;
	uint8_t *buf;
	uint32_t npages;
	grant_ref_t *buf_refs;		/* the npages grants of buf */
	int out_fd;
	int cap_fd;
	uint64_t cap_off;
	uint64_t written, read_bytes, nwrites, nreads;
	/*
	 * Playback: where the next WRITE should start, the previous one's
	 * end (known from the first WRITE after OPEN or STOP), and how often
	 * a WRITE started elsewhere: a frontend that skips part of the
	 * application's data, or sends a part twice.
	 */
	bool next_write_known;
	uint32_t next_write_off;
	uint64_t write_jumps;
	uint32_t volume_area;		/* the most a volume area can take */
	uint32_t wrap_at;		/* where the audio wrapped (0: not yet) */

	/* running state */
	bool running, paused;
	uint64_t pos;			/* octets since TRIGGER START */
	uint64_t avail;			/* playback: written, not yet played */
	uint64_t budget_ns;
	struct timespec last;
	struct timespec starve_since;
	bool starving;

	/* loopback FIFO (on the capture stream) */
	uint8_t *loop;
	size_t loop_len, loop_rd, loop_cap;
	size_t loop_base;
	bool loop_started;

	int32_t vol[MAX_CHANNELS];
	uint8_t muted[MAX_CHANNELS];

	/*
	 * Counted for the STATS line that ends each opening (the benchmark's
	 * backend side): requests received since the last one, events sent,
	 * and the times of the first START, the first octet played or read
	 * after it, the last CUR_POS event (playback) or READ (capture) and
	 * the first STOP after it.
	 */
	uint64_t nreq[NUM_OPS];
	uint64_t nevents;
	uint64_t t_start, t_first, t_last, t_stop;	/* ns, 0: not yet */
};

struct device {
	struct device *next;
	unsigned int domid, devid;
	char be_path[128];
	char fe_path[128];
	char fe_watch_token[64];
	bool fe_watched;
	int state;			/* what we last wrote */
	struct stream *streams;
	unsigned int nstreams;
	bool seen;
	/* --flap-state: the state cycles, then the device starts over */
	bool flapping, flap_done;
	unsigned int flap_step;
	uint64_t flap_next_ns;
};

static struct device *devices;

/*
 * A buffer mapped by --keep-mapped after its stream was closed.  Until
 * the frontend grants one of its pages again (which it may do only while
 * it still owns them), the pattern is written into it, as a backend gone
 * bad might: a frontend that freed the pages while they were still mapped
 * here would find its memory overwritten.
 */
struct kept_buffer {
	struct kept_buffer *next;
	unsigned int domid;
	char name[48];
	uint8_t *buf;
	uint32_t npages;
	grant_ref_t *refs;
	bool scribble;
	uint64_t scribbles;
};

static struct kept_buffer *kept_buffers;
static unsigned int nr_kept;
static uint64_t next_scribble_ns;

/* ------------------------------------------------------------------------ */

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;
	FILE *f = logf ? logf : stderr;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t d = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL +
		    (b->tv_nsec - a->tv_nsec);

	return d > 0 ? (uint64_t)d : 0;
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	now(&t);
	return ts_ns(&t);
}

static const char *op_name(unsigned int op)
{
	return op < (unsigned int)NUM_OPS && op_names[op] ? op_names[op] : "UNKNOWN";
}

static int op_by_name(const char *s)
{
	for (int i = 0; i < NUM_OPS; i++)
		if (op_names[i] && !strcasecmp(s, op_names[i]))
			return i;
	return -1;
}

static char *xs_read_str(const char *path)
{
	unsigned int len;
	char *v = xs_read(xs, XBT_NULL, path, &len);

	return v;
}

static bool xs_read_uint(const char *path, unsigned long *out)
{
	char *v = xs_read_str(path), *end;
	unsigned long n;
	bool ok = false;

	if (!v)
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (!errno && end != v && *end == '\0' && v[0] != '-') {
		*out = n;
		ok = true;
	}
	free(v);
	return ok;
}

static int read_state(const char *dir)
{
	char path[256];
	unsigned long v;

	snprintf(path, sizeof(path), "%s/state", dir);
	if (!xs_read_uint(path, &v) || v > XB_RECONFIGURED)
		return XB_UNKNOWN;
	return (int)v;
}

static void write_node(const char *dir, const char *node, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (!xs_write(xs, XBT_NULL, path, val, strlen(val)))
		logmsg("xenstore write %s failed: %s", path, strerror(errno));
}

/*
 * Write a state value, but never recreate a backend directory that the
 * toolstack has removed meanwhile (xenstore creates missing parents on
 * write).
 */
static void write_state(struct device *d, int state)
{
	char v[8], path[256];
	xs_transaction_t t;
	unsigned int len;
	void *probe;

	snprintf(v, sizeof(v), "%d", state);
	snprintf(path, sizeof(path), "%s/state", d->be_path);
	for (int tries = 0; tries < 10; tries++) {
		t = xs_transaction_start(xs);
		if (t == XBT_NULL)
			break;
		probe = xs_read(xs, t, d->be_path, &len);
		if (!probe) {
			xs_transaction_end(xs, t, true);
			logmsg("STATE dom=%u dev=%u backend directory gone, not writing",
			       d->domid, d->devid);
			break;
		}
		free(probe);
		xs_write(xs, t, path, v, strlen(v));
		if (xs_transaction_end(xs, t, false) || errno != EAGAIN)
			break;
	}
	d->state = state;
}

static void set_state(struct device *d, int state)
{
	if (d->state == state)
		return;
	logmsg("STATE dom=%u dev=%u backend %d -> %d (frontend %d)", d->domid,
	       d->devid, d->state, state, read_state(d->fe_path));
	write_state(d, state);
}

/* Whether the fault options apply to a stream of this name and unique-id. */
static bool fault_applies(const char *name, const char *unique_id)
{
	if (!opt.nr_fault_ids)
		return true;
	for (unsigned int i = 0; i < opt.nr_fault_ids; i++)
		if (!strcmp(opt.fault_ids[i], name) ||
		    (unique_id[0] && !strcmp(opt.fault_ids[i], unique_id)))
			return true;
	return false;
}

static bool serves_device(unsigned int devid)
{
	if (!opt.nr_devices)
		return true;
	for (unsigned int i = 0; i < opt.nr_devices; i++)
		if (opt.devices[i] == devid)
			return true;
	return false;
}

/* ------------------------------------------------------------------------ */
/* events */

/* Queue one CUR_POS event and notify; false if the event page is full. */
static bool push_event(struct stream *s, uint16_t id, uint64_t position)
{
	struct xensnd_event_page *p = s->evt_page;
	struct xensnd_evt *e;
	uint32_t prod, cons;

	prod = p->in_prod;
	cons = __atomic_load_n(&p->in_cons, __ATOMIC_ACQUIRE);
	if (prod - cons >= XENSND_IN_RING_LEN) {
		if (!s->evt_full_logged)
			logmsg("EVT_RING_FULL stream=%s prod=%u cons=%u", s->name, prod, cons);
		s->evt_full_logged = true;
		return false;
	}
	s->evt_full_logged = false;
	e = &XENSND_IN_RING_REF(p, prod);
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->type = XENSND_EVT_CUR_POS;
	e->op.cur_pos.position = position;
	xen_wmb();
	p->in_prod = prod + 1;
	xen_wmb();
	xenevtchn_notify(xce, s->evt_port);
	return true;
}

/*
 * --garbage-pos: a position no device reports, in turn one that went
 * back by more than a period, one beyond the buffer, the previous one
 * again, and one near 2^64.
 */
static uint64_t garbage_position(struct stream *s)
{
	static const char *const kinds[] = { "backwards", "far-ahead", "repeated", "huge" };
	unsigned int kind = s->garbage_kind++ % 4;
	uint64_t back = 3ULL * s->period_sz, v;

	switch (kind) {
	case 0:
		v = s->last_sent_pos > back ? s->last_sent_pos - back : 0;
		break;
	case 1:
		v = s->pos + 4ULL * s->buffer_sz + s->period_sz;
		break;
	case 2:
		v = s->last_sent_pos;
		break;
	default:
		v = UINT64_MAX - s->period_sz;
		break;
	}
	logmsg("EVT_GARBAGE stream=%s kind=%s pos=%" PRIu64 " true=%" PRIu64,
	       s->name, kinds[kind], v, s->pos);
	return v;
}

static void send_pos_event(struct stream *s)
{
	uint64_t position = s->pos;
	uint16_t id;

	if (!s->evt_page || s->evt_port < 0)
		return;
	id = s->evt_id++;
	s->evt_count++;
	if (opt.drop_evt_every && s->fault && s->evt_count % opt.drop_evt_every == 0) {
		logmsg("EVT_DROP stream=%s id=%u pos=%" PRIu64, s->name, id, s->pos);
		return;
	}
	if (opt.garbage_every && s->fault && s->evt_count % opt.garbage_every == 0)
		position = garbage_position(s);
	if (!push_event(s, id, position))
		return;
	s->last_sent_pos = position;
	s->nevents++;
	if (s->running && !s->capture)
		s->t_last = mono_ns();
	if (opt.verbose)
		logmsg("EVT stream=%s id=%u pos=%" PRIu64, s->name, id, position);
}

/*
 * --evt-flood: a burst of CUR_POS events, each one notified, whether the
 * stream is open or not.  A running stream's events repeat its position;
 * an idle stream's carry anything.  Every fourth burst ends with a
 * producer index far beyond what the page can hold.
 */
static void flood_events(struct stream *s, uint64_t t)
{
	struct xensnd_event_page *p = s->evt_page;
	unsigned int i, sent = 0;
	uint32_t cons;

	if (!opt.flood_burst || !s->fault || !p || s->evt_port < 0 ||
	    t < s->next_flood_ns)
		return;
	s->next_flood_ns = t + FLOOD_EVERY_NS;
	s->flood_bursts++;
	for (i = 0; i < opt.flood_burst; i++) {
		uint64_t position = s->running ? s->pos :
				    (i & 1) ? UINT64_MAX - i : (uint64_t)i * PAGE_SZ;

		if (!push_event(s, s->evt_id, position))
			break;
		s->evt_id++;
		sent++;
	}
	s->flood_events += sent;
	if (s->flood_bursts % 4 == 0) {
		cons = __atomic_load_n(&p->in_cons, __ATOMIC_ACQUIRE);
		p->in_prod = cons + XENSND_IN_RING_LEN + 1000 + (uint32_t)s->flood_bursts;
		xen_wmb();
		xenevtchn_notify(xce, s->evt_port);
	}
	if (s->flood_bursts % 20 == 1)
		logmsg("EVT_FLOOD stream=%s bursts=%" PRIu64 " events=%" PRIu64
		       " open=%d running=%d", s->name, s->flood_bursts, s->flood_events,
		       s->open, s->running);
}

/* ------------------------------------------------------------------------ */
/* streams */

static struct stream *paired_capture(struct stream *s)
{
	struct device *d = s->dev;

	for (unsigned int i = 0; i < d->nstreams; i++)
		if (d->streams[i].pcm == s->pcm && d->streams[i].capture)
			return &d->streams[i];
	return NULL;
}

/* --keep-mapped: hold on to a closed stream's buffer; false if not taken */
static bool keep_buffer(struct stream *s, const char *why)
{
	struct kept_buffer *k;

	if (nr_kept >= MAX_KEPT)
		return false;
	k = calloc(1, sizeof(*k));
	if (!k)
		return false;
	k->domid = s->dev->domid;
	snprintf(k->name, sizeof(k->name), "%s", s->name);
	k->buf = s->buf;
	k->npages = s->npages;
	k->refs = s->buf_refs;
	k->scribble = true;
	k->next = kept_buffers;
	kept_buffers = k;
	nr_kept++;
	logmsg("KEEP_MAPPED stream=%s dom=%u pages=%u after %s (%u buffers kept)",
	       s->name, k->domid, k->npages, why, nr_kept);
	return true;
}

/*
 * A new OPEN lists pages of a kept buffer: the frontend still owns them
 * and uses them again, legitimately (their grants cannot have ended while
 * mapped here).  Stop writing into them.
 */
static void kept_buffers_reused(const struct stream *s)
{
	for (struct kept_buffer *k = kept_buffers; k; k = k->next) {
		if (!k->scribble || k->domid != s->dev->domid)
			continue;
		for (uint32_t i = 0; i < k->npages && k->scribble; i++)
			for (uint32_t j = 0; j < s->npages; j++)
				if (k->refs[i] == s->buf_refs[j]) {
					k->scribble = false;
					logmsg("KEEP_MAPPED stream=%s dom=%u: buffer of %s granted again, no longer written",
					       s->name, k->domid, k->name);
					break;
				}
	}
}

static void scribble_kept_buffers(uint64_t t)
{
	static const char pattern[] = "XSF-KEPT";

	if (!kept_buffers || t < next_scribble_ns)
		return;
	next_scribble_ns = t + SCRIBBLE_EVERY_NS;
	for (struct kept_buffer *k = kept_buffers; k; k = k->next) {
		if (!k->scribble)
			continue;
		for (size_t off = 0; off < (size_t)k->npages * PAGE_SZ; off += sizeof(pattern) - 1)
			memcpy(k->buf + off, pattern, sizeof(pattern) - 1);
		if (!k->scribbles++)
			logmsg("KEEP_MAPPED buffer of %s dom=%u: writing into it",
			       k->name, k->domid);
	}
}

/* microseconds from A to B, or -1 when either did not happen */
static long long us_between(uint64_t a, uint64_t b)
{
	return a && b && b >= a ? (long long)((b - a) / 1000) : -1;
}

/*
 * STATS stream=... ops (one count per operation) events=N start_us=T1
 * stop_us=T2: what this opening cost, for the benchmark.  T1 is the time
 * from TRIGGER START to the first octet played (data written before the
 * START counts as there at once) or READ; T2 from the last CUR_POS event
 * (playback: the last period played) or READ to TRIGGER STOP.
 */
static void log_stats(struct stream *s)
{
	char line[512];
	size_t n;
	int op;

	n = (size_t)snprintf(line, sizeof(line), "STATS stream=%s dom=%u", s->name,
			     s->dev->domid);
	for (op = 0; op < NUM_OPS && n < sizeof(line) - 40; op++)
		if (op_names[op])
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
					      op_names[op], s->nreq[op]);
	logmsg("%s events=%" PRIu64 " start_us=%lld stop_us=%lld", line, s->nevents,
	       us_between(s->t_start, s->t_first), us_between(s->t_last, s->t_stop));
	memset(s->nreq, 0, sizeof(s->nreq));
	s->nevents = 0;
	s->t_start = 0;
	s->t_first = 0;
	s->t_last = 0;
	s->t_stop = 0;
}

static void stream_end_opening(struct stream *s, const char *why)
{
	if (!s->open)
		return;
	log_stats(s);
	logmsg("CLOSE stream=%s dom=%u reason=%s written=%" PRIu64 " writes=%" PRIu64
	       " read=%" PRIu64 " reads=%" PRIu64 " pos=%" PRIu64 " write_jumps=%" PRIu64,
	       s->name, s->dev->domid, why, s->written, s->nwrites, s->read_bytes, s->nreads,
	       s->pos, s->write_jumps);
	if (s->buf && !(opt.keep_mapped && s->fault && keep_buffer(s, why))) {
		xengnttab_unmap(xgt, s->buf, s->npages);
		free(s->buf_refs);
	}
	s->buf = NULL;
	s->buf_refs = NULL;
	s->npages = 0;
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = -1;
	if (s->cap_fd >= 0)
		close(s->cap_fd);
	s->cap_fd = -1;
	s->open = false;
	s->running = false;
	s->paused = false;
	free(s->loop);
	s->loop = NULL;
	s->loop_len = s->loop_rd = s->loop_cap = s->loop_base = 0;
	s->loop_started = false;
}

static void stream_disconnect(struct stream *s)
{
	stream_end_opening(s, "disconnect");
	if (s->port >= 0)
		xenevtchn_unbind(xce, s->port);
	if (s->evt_port >= 0)
		xenevtchn_unbind(xce, s->evt_port);
	s->port = s->evt_port = -1;
	if (s->sring)
		xengnttab_unmap(xgt, s->sring, 1);
	if (s->evt_page)
		xengnttab_unmap(xgt, s->evt_page, 1);
	s->sring = NULL;
	s->evt_page = NULL;
	s->connected = false;
}

static void device_disconnect(struct device *d)
{
	for (unsigned int i = 0; i < d->nstreams; i++)
		stream_disconnect(&d->streams[i]);
	free(d->streams);
	d->streams = NULL;
	d->nstreams = 0;
}

/* Map the buffer described by the page directory chain starting at @dir. */
static int map_buffer(struct stream *s, grant_ref_t dir, uint32_t buffer_sz)
{
	uint32_t npages = (buffer_sz + PAGE_SZ - 1) / PAGE_SZ, got = 0, ndirs = 0;
	uint32_t maxdirs = (npages + GREFS_PER_DIR - 1) / GREFS_PER_DIR;
	grant_ref_t *refs = calloc(npages, sizeof(*refs));
	void *p;

	if (!refs)
		return -ENOMEM;
	while (got < npages) {
		uint32_t n = npages - got;
		struct xensnd_page_directory *pd;

		if (ndirs++ >= maxdirs || dir == 0) {
			logmsg("OPEN stream=%s: page directory chain too short (%u of %u grefs)",
			       s->name, got, npages);
			free(refs);
			return -EINVAL;
		}
		/* as libxenbe does: a directory granted read-only fails here */
		pd = xengnttab_map_grant_ref(xgt, s->dev->domid, dir,
					     PROT_READ | PROT_WRITE);
		if (!pd) {
			logmsg("OPEN stream=%s: cannot map directory gref %u: %s", s->name,
			       dir, strerror(errno));
			free(refs);
			return -EINVAL;
		}
		if (n > GREFS_PER_DIR)
			n = GREFS_PER_DIR;
		memcpy(&refs[got], pd->gref, n * sizeof(*refs));
		dir = __atomic_load_n(&pd->gref_dir_next_page, __ATOMIC_RELAXED);
		xengnttab_unmap(xgt, pd, 1);
		got += n;
	}
	p = xengnttab_map_domain_grant_refs(xgt, npages, s->dev->domid, refs,
					    PROT_READ | PROT_WRITE);
	if (!p) {
		logmsg("OPEN stream=%s: cannot map %u buffer pages: %s", s->name, npages,
		       strerror(errno));
		free(refs);
		return -EINVAL;
	}
	s->buf = p;
	s->buf_refs = refs;
	s->npages = npages;
	return 0;
}

static int do_open(struct stream *s, const struct xensnd_open_req *o)
{
	char path[512];
	int ret;

	unsigned int frame;
	uint32_t volume_area;

	if (s->open) {
		logmsg("OPEN stream=%s dom=%u rejected: the stream is open (snd_be would hang)",
		       s->name, s->dev->domid);
		return -EBUSY;
	}
	if (o->pcm_format >= NUM_FORMATS || !fmt_bytes[o->pcm_format] ||
	    o->pcm_channels == 0 || o->pcm_channels > MAX_CHANNELS ||
	    o->pcm_rate == 0 || o->pcm_rate > 1536000 ||
	    o->buffer_sz == 0 || o->buffer_sz > MAX_BUFFER_SZ ||
	    o->period_sz == 0 || o->period_sz > o->buffer_sz) {
		logmsg("OPEN stream=%s dom=%u rejected: rate=%u format=%u channels=%u buffer_sz=%u period_sz=%u",
		       s->name, s->dev->domid, o->pcm_rate, o->pcm_format, o->pcm_channels,
		       o->buffer_sz, o->period_sz);
		return -EINVAL;
	}
	frame = fmt_bytes[o->pcm_format] * o->pcm_channels;
	/* a volume area, if any, is whole periods holding every channel's value */
	volume_area = (4 * o->pcm_channels + o->period_sz - 1) / o->period_sz * o->period_sz;
	if (o->buffer_sz % o->period_sz || o->buffer_sz % frame || o->period_sz % frame ||
	    (s->buffer_limit && o->buffer_sz > s->buffer_limit + volume_area)) {
		logmsg("OPEN stream=%s dom=%u rejected: buffer_sz=%u period_sz=%u frame=%u buffer-size=%u: not whole periods and frames within buffer-size",
		       s->name, s->dev->domid, o->buffer_sz, o->period_sz, frame,
		       s->buffer_limit);
		return -EINVAL;
	}
	ret = map_buffer(s, o->gref_directory, o->buffer_sz);
	if (ret)
		return ret;
	kept_buffers_reused(s);
	s->rate = o->pcm_rate;
	s->format = o->pcm_format;
	s->channels = o->pcm_channels;
	s->buffer_sz = o->buffer_sz;
	s->period_sz = o->period_sz;
	s->frame_bytes = fmt_bytes[o->pcm_format] * o->pcm_channels;
	s->written = s->read_bytes = s->nwrites = s->nreads = 0;
	s->written_since_stop = 0;
	s->next_write_known = false;
	s->write_jumps = 0;
	s->volume_area = volume_area;
	s->wrap_at = 0;
	s->pos = s->avail = s->budget_ns = 0;
	s->running = s->paused = s->starving = false;
	s->cap_off = 0;
	s->out_fd = s->cap_fd = -1;
	if (opt.reset_evt_id && s->fault)
		s->evt_id = 0;
	if (!s->capture) {
		snprintf(path, sizeof(path), "%s/%u-%u-%u-%u.raw", opt.outdir,
			 s->dev->domid, s->dev->devid, s->pcm, s->idx);
		s->out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (s->out_fd < 0)
			logmsg("OPEN stream=%s: cannot open %s: %s", s->name, path,
			       strerror(errno));
	} else if (!is_loop(s->pcm) && opt.capture) {
		s->cap_fd = open(opt.capture, O_RDONLY | O_CLOEXEC);
		if (s->cap_fd < 0)
			logmsg("OPEN stream=%s: cannot open capture file %s: %s", s->name,
			       opt.capture, strerror(errno));
	}
	s->open = true;
	logmsg("OPEN stream=%s dom=%u rate=%u format=%u channels=%u buffer_sz=%u period_sz=%u pages=%u evt_id=%u",
	       s->name, s->dev->domid, s->rate, s->format, s->channels, s->buffer_sz,
	       s->period_sz, s->npages, s->evt_id);
	return 0;
}

static bool range_ok(const struct stream *s, uint32_t off, uint32_t len)
{
	return s->open && s->buf && (uint64_t)off + len <= s->buffer_sz;
}

static void loop_append(struct stream *c, const uint8_t *data, size_t len)
{
	if (c->loop_len - c->loop_rd + len > MAX_LOOP_SZ) {
		logmsg("LOOP_OVERFLOW stream=%s dropping %zu bytes", c->name, len);
		return;
	}
	if (c->loop_rd > 0 && c->loop_rd == c->loop_len) {
		c->loop_base -= c->loop_rd < c->loop_base ? c->loop_rd : c->loop_base;
		c->loop_len = c->loop_rd = 0;
	}
	if (c->loop_len + len > c->loop_cap) {
		size_t ncap = c->loop_cap ? c->loop_cap : 65536;
		uint8_t *n;

		/* compact first */
		if (c->loop_rd) {
			memmove(c->loop, c->loop + c->loop_rd, c->loop_len - c->loop_rd);
			c->loop_len -= c->loop_rd;
			c->loop_base -= c->loop_rd < c->loop_base ? c->loop_rd : c->loop_base;
			c->loop_rd = 0;
		}
		while (ncap < c->loop_len + len)
			ncap *= 2;
		if (ncap > c->loop_cap) {
			n = realloc(c->loop, ncap);
			if (!n)
				return;
			c->loop = n;
			c->loop_cap = ncap;
		}
	}
	memcpy(c->loop + c->loop_len, data, len);
	c->loop_len += len;
}

static int do_write(struct stream *s, uint32_t off, uint32_t len)
{
	struct stream *c;
	uint8_t *tmp;

	if (s->capture || !range_ok(s, off, len))
		return -EINVAL;
	if (!len)
		return 0;
	/*
	 * The audio wraps to offset 0 at the end of the buffer, or before
	 * the volume area a frontend may have put there (whole periods at
	 * its end, see do_volume()): the first wrap within that area sets
	 * where, every later one must wrap there too.
	 */
	if (s->next_write_known && off == 0 && s->next_write_off &&
	    s->next_write_off + s->volume_area >= s->buffer_sz &&
	    (!s->wrap_at || s->wrap_at == s->next_write_off))
		s->wrap_at = s->next_write_off;
	else if (s->next_write_known && off != s->next_write_off) {
		s->write_jumps++;
		if (s->write_jumps <= 4)
			logmsg("WRITE JUMP stream=%s dom=%u offset=%u where %u was next",
			       s->name, s->dev->domid, off, s->next_write_off);
	}
	s->next_write_off = (uint32_t)(((uint64_t)off + len) % s->buffer_sz);
	s->next_write_known = true;
	/* snapshot once: the frontend may change the buffer under us */
	tmp = malloc(len);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, s->buf + off, len);
	if (s->out_fd >= 0) {
		size_t done = 0;

		while (done < len) {
			ssize_t n = write(s->out_fd, tmp + done, len - done);

			if (n <= 0) {
				logmsg("WRITE stream=%s: output write failed: %s", s->name,
				       strerror(errno));
				break;
			}
			done += (size_t)n;
		}
	}
	if (is_loop(s->pcm)) {
		c = paired_capture(s);
		if (c && c->open)
			loop_append(c, tmp, len);
	}
	free(tmp);
	s->written += len;
	s->written_since_stop += len;
	s->avail += len;
	s->nwrites++;
	if (s->starving) {
		s->starving = false;
	}
	return 0;
}

static int do_read(struct stream *s, uint32_t off, uint32_t len)
{
	uint8_t *dst;
	uint32_t done = 0;

	if (!s->capture || !range_ok(s, off, len))
		return -EINVAL;
	if (!s->running) {
		/* snd_be blocks, then fails: a READ of a device not started */
		logmsg("READ stream=%s dom=%u refused: the stream is not started",
		       s->name, s->dev->domid);
		return -EIO;
	}
	dst = s->buf + off;
	if (is_loop(s->pcm)) {
		size_t have = s->loop_len - s->loop_rd;

		/*
		 * Silence until the playback side has written something, then the
		 * played bytes in order; a later shortage is padded with silence
		 * (and logged), like a loopback cable that ran dry.
		 */
		done = len < have ? len : (uint32_t)have;
		memcpy(dst, s->loop + s->loop_rd, done);
		s->loop_rd += done;
		if (done)
			s->loop_started = true;
		if (done < len && s->loop_started)
			logmsg("LOOP_UNDERRUN stream=%s dom=%u short=%u", s->name,
			       s->dev->domid, len - done);
	} else if (s->cap_fd >= 0) {
		while (done < len) {
			ssize_t n = pread(s->cap_fd, dst + done, len - done,
					  (off_t)(s->cap_off + done));

			if (n <= 0)
				break;
			done += (uint32_t)n;
		}
	} else {
		/* built-in pattern: byte i of the stream is (i * 131 + (i >> 9)) & 0xff */
		for (uint32_t i = 0; i < len; i++) {
			uint64_t k = s->cap_off + i;

			dst[i] = (uint8_t)(k * 131 + (k >> 9));
		}
		done = len;
	}
	if (done < len)
		memset(dst + done, 0, len - done);
	s->cap_off += len;
	s->read_bytes += len;
	s->nreads++;
	s->t_last = mono_ns();
	if (!s->t_first)
		s->t_first = s->t_last;
	return 0;
}

static int do_trigger(struct stream *s, uint8_t type)
{
	static const char *const names[] = { "START", "PAUSE", "STOP", "RESUME" };

	logmsg("TRIGGER stream=%s dom=%u type=%s pos=%" PRIu64, s->name, s->dev->domid,
	       type < 4 ? names[type] : "INVALID", s->pos);
	if (!s->open || type > XENSND_OP_TRIGGER_RESUME)
		return -EINVAL;
	switch (type) {
	case XENSND_OP_TRIGGER_START:
		if (!s->capture && !s->written_since_stop) {
			logmsg("TRIGGER stream=%s dom=%u START refused: no data written (as ALSA: -EPIPE)",
			       s->name, s->dev->domid);
			return -EPIPE;
		}
		s->running = true;
		s->paused = false;
		s->pos = 0;
		s->last_sent_pos = 0;
		if (!s->t_start) {
			s->t_start = mono_ns();
			if (!s->capture)	/* written before: played at once */
				s->t_first = s->t_start;
		}
		s->budget_ns = 0;
		s->starving = false;
		now(&s->last);
		if (s->capture)
			s->loop_base = s->loop_rd;
		/* --exit-after-ms counts from the first START of a faulty stream */
		if (!streaming_seen && s->fault) {
			streaming_seen = true;
			first_start = s->last;
		}
		if (opt.flap_cycles && s->fault && !s->dev->flapping && !s->dev->flap_done) {
			s->dev->flapping = true;
			s->dev->flap_step = 0;
			s->dev->flap_next_ns = ts_ns(&s->last) + FLAP_FIRST_NS;
			logmsg("FLAP dom=%u dev=%u: %u cycles from now on (stream %s started)",
			       s->dev->domid, s->dev->devid, opt.flap_cycles, s->name);
		}
		break;
	case XENSND_OP_TRIGGER_STOP:
		if (s->t_start && !s->t_stop)
			s->t_stop = mono_ns();
		s->running = false;
		s->paused = false;
		s->avail = 0;
		s->written_since_stop = 0;
		s->next_write_known = false;
		break;
	case XENSND_OP_TRIGGER_PAUSE:
		if (!s->running)
			return -EINVAL;
		s->paused = true;
		break;
	case XENSND_OP_TRIGGER_RESUME:
		if (!s->running)
			return -EINVAL;
		if (s->paused)
			now(&s->last);
		s->paused = false;
		break;
	}
	return 0;
}

static void narrow(const char *what, uint32_t *min, uint32_t *max,
		   const struct range *r, bool *empty)
{
	(void)what;
	if (!r->set)
		return;
	if (*min < r->min)
		*min = r->min;
	if (*max > r->max)
		*max = r->max;
	if (*min > *max)
		*empty = true;
}

static int do_query(struct stream *s, const struct xensnd_query_hw_param *q,
		    struct xensnd_query_hw_param *r)
{
	bool empty = false;

	memset(r, 0, sizeof(*r));
	if (s->open) {
		logmsg("HW_PARAM_QUERY stream=%s dom=%u refused: the stream is open (snd_be would hang)",
		       s->name, s->dev->domid);
		return -EBUSY;
	}

	*r = *q;
	if (opt.formats)
		r->formats &= opt.formats;
	if (!r->formats)
		empty = true;
	if (r->rates.min > r->rates.max || r->channels.min > r->channels.max ||
	    r->buffer.min > r->buffer.max || r->period.min > r->period.max)
		empty = true;
	narrow("rates", &r->rates.min, &r->rates.max, &opt.rates, &empty);
	narrow("channels", &r->channels.min, &r->channels.max, &opt.channels, &empty);
	narrow("buffer", &r->buffer.min, &r->buffer.max, &opt.buffer, &empty);
	narrow("period", &r->period.min, &r->period.max, &opt.period, &empty);
	logmsg("HW_PARAM_QUERY stream=%s dom=%u formats=0x%" PRIx64 " rates=%u:%u channels=%u:%u buffer=%u:%u period=%u:%u -> %s formats=0x%" PRIx64 " rates=%u:%u channels=%u:%u buffer=%u:%u period=%u:%u",
	       s->name, s->dev->domid, (uint64_t)q->formats, q->rates.min, q->rates.max,
	       q->channels.min, q->channels.max, q->buffer.min, q->buffer.max,
	       q->period.min, q->period.max, empty ? "EINVAL" : "OK",
	       (uint64_t)r->formats, r->rates.min, r->rates.max, r->channels.min,
	       r->channels.max, r->buffer.min, r->buffer.max, r->period.min,
	       r->period.max);
	return empty ? -EINVAL : 0;
}

static int do_volume(struct stream *s, unsigned int op, uint32_t off, uint32_t len)
{
	char line[1024];
	size_t n;
	unsigned int nch, i;
	size_t unit = (op == XENSND_OP_SET_VOLUME || op == XENSND_OP_GET_VOLUME) ? 4 : 1;

	if (!range_ok(s, off, len) || len % unit || len / unit > MAX_CHANNELS ||
	    (s->channels && len / unit > s->channels)) {
		logmsg("%s stream=%s dom=%u invalid offset=%u length=%u", op_name(op),
		       s->name, s->dev->domid, off, len);
		return -EINVAL;
	}
	nch = len / (unsigned int)unit;
	n = (size_t)snprintf(line, sizeof(line), "%s stream=%s dom=%u", op_name(op),
			     s->name, s->dev->domid);
	for (i = 0; i < nch && n < sizeof(line) - 32; i++) {
		int32_t v32;
		uint8_t v8;

		switch (op) {
		case XENSND_OP_SET_VOLUME:
			memcpy(&v32, s->buf + off + 4 * i, 4);
			s->vol[i] = v32;
			n += (size_t)snprintf(line + n, sizeof(line) - n, " ch%u=%d", i, v32);
			break;
		case XENSND_OP_GET_VOLUME:
			v32 = s->vol[i];
			memcpy(s->buf + off + 4 * i, &v32, 4);
			n += (size_t)snprintf(line + n, sizeof(line) - n, " ch%u=%d", i, v32);
			break;
		default:
			v8 = s->buf[off + i];
			if (v8)
				s->muted[i] = op == XENSND_OP_MUTE;
			n += (size_t)snprintf(line + n, sizeof(line) - n, " ch%u=%u", i, v8);
			break;
		}
	}
	if (op == XENSND_OP_MUTE || op == XENSND_OP_UNMUTE) {
		/* resulting state: a mute may come one channel at a time */
		unsigned int all = s->channels > nch ? s->channels : nch;

		n += (size_t)snprintf(line + n, sizeof(line) - n, " muted=");
		for (i = 0; i < all && i < MAX_CHANNELS && n < sizeof(line) - 4; i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%u",
					      i ? "," : "", s->muted[i]);
	}
	logmsg("%s", line);
	return 0;
}

static void handle_request(struct stream *s, const struct xensnd_req *req)
{
	struct xensnd_resp *rsp;
	struct xensnd_resp r;
	unsigned int op = req->operation;
	int status;
	int notify;

	memset(&r, 0, sizeof(r));
	r.id = req->id;
	r.operation = req->operation;
	if (op < (unsigned int)NUM_OPS)
		s->nreq[op]++;

	if (op < (unsigned int)NUM_OPS && opt.drop[op] && s->fault) {
		logmsg("DROP %s stream=%s dom=%u id=%u", op_name(op), s->name,
		       s->dev->domid, req->id);
		if (op == XENSND_OP_WRITE)
			do_write(s, req->op.rw.offset, req->op.rw.length);
		return;
	}
	if (op < (unsigned int)NUM_OPS && opt.refuse[op] && s->fault) {
		logmsg("REFUSE %s stream=%s dom=%u", op_name(op), s->name, s->dev->domid);
		status = -EINVAL;
	} else if (op < (unsigned int)NUM_OPS && opt.error[op] && s->fault) {
		logmsg("ERROR %s stream=%s dom=%u status=%d", op_name(op), s->name,
		       s->dev->domid, opt.error[op]);
		status = opt.error[op];
	} else {
		switch (op) {
		case XENSND_OP_OPEN:
			status = do_open(s, &req->op.open);
			break;
		case XENSND_OP_CLOSE:
			if (!s->open)
				logmsg("CLOSE stream=%s dom=%u (not open)", s->name, s->dev->domid);
			stream_end_opening(s, "request");
			status = 0;
			break;
		case XENSND_OP_WRITE:
			status = do_write(s, req->op.rw.offset, req->op.rw.length);
			break;
		case XENSND_OP_READ:
			status = do_read(s, req->op.rw.offset, req->op.rw.length);
			break;
		case XENSND_OP_TRIGGER:
			status = do_trigger(s, req->op.trigger.type);
			break;
		case XENSND_OP_HW_PARAM_QUERY:
			status = do_query(s, &req->op.hw_param, &r.resp.hw_param);
			break;
		case XENSND_OP_SET_VOLUME:
		case XENSND_OP_GET_VOLUME:
		case XENSND_OP_MUTE:
		case XENSND_OP_UNMUTE:
			status = do_volume(s, op, req->op.rw.offset, req->op.rw.length);
			break;
		default:
			logmsg("UNKNOWN op=%u stream=%s dom=%u", op, s->name, s->dev->domid);
			status = -EINVAL;
			break;
		}
		if (status && (op == XENSND_OP_WRITE || op == XENSND_OP_READ))
			logmsg("%s stream=%s dom=%u offset=%u length=%u buffer_sz=%u -> %d",
			       op_name(op), s->name, s->dev->domid, req->op.rw.offset,
			       req->op.rw.length, s->buffer_sz, status);
	}
	r.status = status;
	rsp = RING_GET_RESPONSE(&s->ring, s->ring.rsp_prod_pvt);
	memcpy(rsp, &r, sizeof(r));
	s->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&s->ring, notify);
	if (notify)
		xenevtchn_notify(xce, s->port);
}

static void service_ring(struct stream *s)
{
	int more;

	if (!s->connected || !s->sring)
		return;
	do {
		RING_IDX rc = s->ring.req_cons;
		RING_IDX rp = s->ring.sring->req_prod;

		xen_rmb();
		if (RING_REQUEST_PROD_OVERFLOW(&s->ring, rp)) {
			logmsg("RING stream=%s dom=%u: bogus req_prod %u (cons %u), stream disabled",
			       s->name, s->dev->domid, rp, rc);
			stream_disconnect(s);
			return;
		}
		while (rc != rp) {
			struct xensnd_req req;

			if (RING_REQUEST_CONS_OVERFLOW(&s->ring, rc))
				break;
			RING_COPY_REQUEST(&s->ring, rc, &req);
			s->ring.req_cons = ++rc;
			handle_request(s, &req);
			if (!s->connected)
				return;
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&s->ring, more);
	} while (more);
}

/* Advance positions in real time and send CUR_POS events. */
static void tick_stream(struct stream *s, const struct timespec *t)
{
	uint64_t bps, period_ns, dt;

	if (!s->open || !s->running || s->paused || !s->period_sz) {
		s->last = *t;
		return;
	}
	dt = ns_between(&s->last, t);
	s->last = *t;
	bps = (uint64_t)s->rate * s->frame_bytes;
	if (!bps)
		return;
	period_ns = (uint64_t)s->period_sz * 1000000000ULL / bps;
	if (!period_ns)
		period_ns = 1;
	s->budget_ns += dt;
	while (s->budget_ns >= period_ns) {
		uint64_t step = s->period_sz;

		if (!s->capture) {
			if (s->avail == 0) {
				if (!s->starving) {
					s->starving = true;
					s->starve_since = *t;
				}
				if (opt.underrun_ms < 0 ||
				    ns_between(&s->starve_since, t) <
				    (uint64_t)opt.underrun_ms * 1000000ULL) {
					s->budget_ns = period_ns;	/* no burst later */
					if (next_tick_ns > 5000000ULL)
						next_tick_ns = 5000000ULL;
					return;
				}
				/* behave like a device that underruns */
				if (opt.verbose)
					logmsg("UNDERRUN stream=%s pos=%" PRIu64, s->name, s->pos);
			} else {
				s->starving = false;
				if (step > s->avail)
					step = s->avail;
				s->avail -= step;
			}
		}
		s->budget_ns -= period_ns;
		s->pos += step;
		send_pos_event(s);
	}
	if (period_ns - s->budget_ns < next_tick_ns)
		next_tick_ns = period_ns - s->budget_ns;
}

/* ------------------------------------------------------------------------ */
/* xenstore / connection handling */

static int connect_stream(struct stream *s, const char *dir)
{
	char path[300];
	unsigned long v;
	int port;

	snprintf(path, sizeof(path), "%s/ring-ref", dir);
	if (!xs_read_uint(path, &v) || v > UINT32_MAX)
		goto bad;
	s->ring_ref = (grant_ref_t)v;
	snprintf(path, sizeof(path), "%s/event-channel", dir);
	if (!xs_read_uint(path, &v) || v > UINT32_MAX)
		goto bad;
	s->fe_port = (uint32_t)v;
	snprintf(path, sizeof(path), "%s/evt-ring-ref", dir);
	if (!xs_read_uint(path, &v) || v > UINT32_MAX)
		goto bad;
	s->evt_ring_ref = (grant_ref_t)v;
	snprintf(path, sizeof(path), "%s/evt-event-channel", dir);
	if (!xs_read_uint(path, &v) || v > UINT32_MAX)
		goto bad;
	s->fe_evt_port = (uint32_t)v;

	s->sring = xengnttab_map_grant_ref(xgt, s->dev->domid, s->ring_ref,
					   PROT_READ | PROT_WRITE);
	if (!s->sring) {
		logmsg("CONNECT stream=%s: map ring-ref %u failed: %s", s->name, s->ring_ref,
		       strerror(errno));
		return -1;
	}
	BACK_RING_INIT(&s->ring, s->sring, PAGE_SZ);
	s->evt_page = xengnttab_map_grant_ref(xgt, s->dev->domid, s->evt_ring_ref,
					      PROT_READ | PROT_WRITE);
	if (!s->evt_page) {
		logmsg("CONNECT stream=%s: map evt-ring-ref %u failed: %s", s->name,
		       s->evt_ring_ref, strerror(errno));
		return -1;
	}
	port = xenevtchn_bind_interdomain(xce, s->dev->domid, s->fe_port);
	if (port < 0) {
		logmsg("CONNECT stream=%s: bind event-channel %u failed: %s", s->name,
		       s->fe_port, strerror(errno));
		return -1;
	}
	s->port = port;
	port = xenevtchn_bind_interdomain(xce, s->dev->domid, s->fe_evt_port);
	if (port < 0) {
		logmsg("CONNECT stream=%s: bind evt-event-channel %u failed: %s", s->name,
		       s->fe_evt_port, strerror(errno));
		return -1;
	}
	s->evt_port = port;
	s->evt_id = 0;
	s->evt_count = 0;
	s->connected = true;
	return 0;
bad:
	logmsg("CONNECT: missing or invalid %s", path);
	return -1;
}

static bool numeric(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > 255)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* The buffer-size in force for a stream: its own, its PCM's or the card's. */
static uint32_t buffer_size_of(struct device *d, unsigned int pcm, unsigned int idx)
{
	char path[300];
	unsigned long v;

	snprintf(path, sizeof(path), "%s/%u/%u/%s", d->fe_path, pcm, idx,
		 XENSND_FIELD_BUFFER_SIZE);
	if (xs_read_uint(path, &v) && v <= UINT32_MAX)
		return (uint32_t)v;
	snprintf(path, sizeof(path), "%s/%u/%s", d->fe_path, pcm, XENSND_FIELD_BUFFER_SIZE);
	if (xs_read_uint(path, &v) && v <= UINT32_MAX)
		return (uint32_t)v;
	snprintf(path, sizeof(path), "%s/%s", d->fe_path, XENSND_FIELD_BUFFER_SIZE);
	if (xs_read_uint(path, &v) && v <= UINT32_MAX)
		return (uint32_t)v;
	return 0;
}

/* The stream's unique-id, for --fault-stream; printable ASCII only. */
static void read_unique_id(struct stream *s, struct device *d, unsigned int pcm,
			   unsigned int idx)
{
	char path[300], *v;
	size_t n;

	s->unique_id[0] = '\0';
	snprintf(path, sizeof(path), "%s/%u/%u/%s", d->fe_path, pcm, idx,
		 XENSND_FIELD_STREAM_UNIQUE_ID);
	v = xs_read_str(path);
	if (!v)
		return;
	for (n = 0; v[n] && n < sizeof(s->unique_id) - 1; n++)
		s->unique_id[n] = v[n] > ' ' && v[n] < 0x7f ? v[n] : '?';
	s->unique_id[n] = '\0';
	free(v);
}

static int device_connect(struct device *d)
{
	unsigned int npcm, nst, pcm, idx;
	char **pcms, **sts, path[300];
	struct stream *s;
	int ret = 0;

	device_disconnect(d);
	pcms = xs_directory(xs, XBT_NULL, d->fe_path, &npcm);
	if (!pcms)
		return -1;
	d->streams = calloc(MAX_PCMS * MAX_STREAMS, sizeof(*d->streams));
	if (!d->streams) {
		free(pcms);
		return -1;
	}
	for (unsigned int i = 0; i < npcm; i++) {
		if (!numeric(pcms[i], &pcm) || pcm >= MAX_PCMS)
			continue;
		snprintf(path, sizeof(path), "%s/%u", d->fe_path, pcm);
		sts = xs_directory(xs, XBT_NULL, path, &nst);
		if (!sts)
			continue;
		for (unsigned int j = 0; j < nst; j++) {
			char *type;

			if (!numeric(sts[j], &idx) || idx >= MAX_STREAMS)
				continue;
			if (d->nstreams >= MAX_PCMS * MAX_STREAMS)
				break;
			snprintf(path, sizeof(path), "%s/%u/%u/type", d->fe_path, pcm, idx);
			type = xs_read_str(path);
			if (!type)
				continue;
			s = &d->streams[d->nstreams];
			memset(s, 0, sizeof(*s));
			s->dev = d;
			s->pcm = pcm;
			s->idx = idx;
			s->capture = !strcmp(type, XENSND_STREAM_TYPE_CAPTURE);
			s->port = s->evt_port = -1;
			s->out_fd = s->cap_fd = -1;
			snprintf(s->name, sizeof(s->name), "%u/%u/%u", d->devid, pcm, idx);
			if (strcmp(type, XENSND_STREAM_TYPE_CAPTURE) &&
			    strcmp(type, XENSND_STREAM_TYPE_PLAYBACK)) {
				logmsg("CONNECT stream=%s: bad type '%.16s'", s->name, type);
				free(type);
				continue;
			}
			free(type);
			d->nstreams++;
			s->buffer_limit = buffer_size_of(d, pcm, idx);
			read_unique_id(s, d, pcm, idx);
			s->fault = fault_applies(s->name, s->unique_id);
			snprintf(path, sizeof(path), "%s/%u/%u", d->fe_path, pcm, idx);
			if (connect_stream(s, path))
				ret = -1;
		}
		free(sts);
	}
	free(pcms);
	if (!d->nstreams)
		ret = -1;
	if (ret) {
		device_disconnect(d);
		return ret;
	}
	for (unsigned int i = 0; i < d->nstreams; i++)
		logmsg("CONNECT stream=%s dom=%u type=%s ring-ref=%u port=%u evt-ring-ref=%u evt-port=%u%s%s",
		       d->streams[i].name, d->domid, d->streams[i].capture ? "c" : "p",
		       d->streams[i].ring_ref, d->streams[i].fe_port,
		       d->streams[i].evt_ring_ref, d->streams[i].fe_evt_port,
		       opt.nr_fault_ids && d->streams[i].fault ? " faulty unique-id=" : "",
		       opt.nr_fault_ids && d->streams[i].fault ? d->streams[i].unique_id : "");
	/* requests may already be queued */
	for (unsigned int i = 0; i < d->nstreams; i++)
		service_ring(&d->streams[i]);
	return 0;
}

static void device_reconcile(struct device *d)
{
	int fe = read_state(d->fe_path);
	int be_node = read_state(d->be_path);
	unsigned long online = 1;
	char path[256];

	/* a missing "online" node means the toolstack is removing the device */
	snprintf(path, sizeof(path), "%s/online", d->be_path);
	if (!xs_read_uint(path, &online))
		online = 0;

	/*
	 * A flapping backend pays no attention to the frontend; only the
	 * toolstack removing the device ends it early.
	 */
	if (d->flapping) {
		if (online)
			return;
		d->flapping = false;
		d->flap_done = true;
	}

	/* the toolstack asks us to close (device detach or domain shutdown) */
	if ((be_node == XB_CLOSING && d->state != XB_CLOSING) || !online) {
		if (d->streams)
			device_disconnect(d);
		if (d->state != XB_CLOSED) {
			logmsg("STATE dom=%u dev=%u toolstack closes the device (online=%lu)",
			       d->domid, d->devid, online);
			d->state = -1;
			set_state(d, XB_CLOSED);
		}
		return;
	}

	switch (d->state) {
	case -1:	/* just discovered */
		write_node(d->be_path, "versions", "2");
		if (fe == XB_INITIALISED || fe == XB_CONNECTED) {
			/* stale connection of a previous backend: make it restart */
			set_state(d, XB_CLOSED);
		} else {
			set_state(d, XB_INITWAIT);
		}
		break;
	case XB_CLOSED:
	case XB_CLOSING:
	case XB_INITIALISING:
	case XB_UNKNOWN:
		/* the frontend restarts (or has closed): offer a new connection */
		if (fe == XB_INITIALISING || fe == XB_CLOSED)
			set_state(d, XB_INITWAIT);
		break;
	case XB_INITWAIT:
		if (fe == XB_INITIALISED) {
			if (device_connect(d) == 0) {
				set_state(d, XB_CONNECTED);
			} else {
				logmsg("STATE dom=%u dev=%u connect failed", d->domid, d->devid);
				set_state(d, XB_CLOSED);
			}
		} else if (fe == XB_CONNECTED) {
			set_state(d, XB_CLOSED);
		}
		break;
	case XB_CONNECTED:
		if (fe == XB_INITIALISED || fe == XB_CONNECTED)
			break;
		logmsg("STATE dom=%u dev=%u frontend went to %d, disconnecting", d->domid,
		       d->devid, fe);
		device_disconnect(d);
		/*
		 * A frontend that closes waits for the backend to close too
		 * (Linux's xenbus waits for Closing at shutdown); it comes
		 * back through Closed or Initialising, and InitWait then
		 * offers a new connection.  One that restarted at once gets
		 * that offer now.
		 */
		set_state(d, fe == XB_CLOSING || fe == XB_CLOSED ? XB_CLOSING : XB_INITWAIT);
		break;
	}
}

/*
 * --flap-state: write the next state of the cycle; once the cycles are
 * over, let go of everything and go Closed, from where the frontend and
 * this backend start over as after a restart.
 */
static void flap_device(struct device *d, uint64_t t)
{
	static const int cycle[] = {
		XB_CLOSING, XB_CONNECTED, XB_INITWAIT, XB_NOT_A_STATE, XB_CONNECTED,
	};
	const unsigned int steps = (unsigned int)(sizeof(cycle) / sizeof(cycle[0]));
	int st;

	if (!d->flapping || t < d->flap_next_ns)
		return;
	if (d->flap_step < opt.flap_cycles * steps) {
		st = cycle[d->flap_step % steps];
		logmsg("FLAP dom=%u dev=%u cycle %u: backend %d -> %d (frontend %d)",
		       d->domid, d->devid, d->flap_step / steps + 1, d->state, st,
		       read_state(d->fe_path));
		write_state(d, st);
		d->flap_step++;
		d->flap_next_ns = t + FLAP_EVERY_NS;
		return;
	}
	d->flapping = false;
	d->flap_done = true;
	logmsg("FLAP dom=%u dev=%u over: disconnecting, starting over from Closed",
	       d->domid, d->devid);
	device_disconnect(d);
	d->state = XB_UNKNOWN;
	set_state(d, XB_CLOSED);
	device_reconcile(d);
}

static void device_free(struct device *d)
{
	device_disconnect(d);
	if (d->fe_watched)
		xs_unwatch(xs, d->fe_path, d->fe_watch_token);
	free(d);
}

static void scan(void)
{
	char **doms, **devs, path[256];
	unsigned int ndom, ndev, domid, devid;
	struct device *d, **pp;

	for (d = devices; d; d = d->next)
		d->seen = false;
	doms = xs_directory(xs, XBT_NULL, BE_ROOT, &ndom);
	for (unsigned int i = 0; doms && i < ndom; i++) {
		char *end;
		unsigned long v = strtoul(doms[i], &end, 10);

		if (*end || v >= 0x7ff0)
			continue;
		domid = (unsigned int)v;
		snprintf(path, sizeof(path), BE_ROOT "/%u", domid);
		devs = xs_directory(xs, XBT_NULL, path, &ndev);
		for (unsigned int j = 0; devs && j < ndev; j++) {
			v = strtoul(devs[j], &end, 10);
			if (*end || v > 0xffff)
				continue;
			devid = (unsigned int)v;
			if (!serves_device(devid))
				continue;	/* another backend's */
			for (d = devices; d; d = d->next)
				if (d->domid == domid && d->devid == devid)
					break;
			if (!d) {
				char *fe;

				snprintf(path, sizeof(path), BE_ROOT "/%u/%u/frontend", domid, devid);
				fe = xs_read_str(path);
				if (!fe)
					continue;	/* not fully written yet */
				if (strlen(fe) >= sizeof(d->fe_path) - 1 || fe[0] != '/') {
					free(fe);
					continue;
				}
				d = calloc(1, sizeof(*d));
				if (!d) {
					free(fe);
					continue;
				}
				d->domid = domid;
				d->devid = devid;
				d->state = -1;
				snprintf(d->be_path, sizeof(d->be_path), BE_ROOT "/%u/%u", domid, devid);
				snprintf(d->fe_path, sizeof(d->fe_path), "%s", fe);
				free(fe);
				snprintf(d->fe_watch_token, sizeof(d->fe_watch_token), "fe/%u/%u",
					 domid, devid);
				snprintf(path, sizeof(path), "%s/state", d->fe_path);
				d->fe_watched = xs_watch(xs, path, d->fe_watch_token);
				d->next = devices;
				devices = d;
				logmsg("DEVICE dom=%u dev=%u frontend=%s", domid, devid, d->fe_path);
			}
			d->seen = true;
		}
		free(devs);
	}
	free(doms);

	for (pp = &devices; (d = *pp);) {
		if (!d->seen) {
			logmsg("DEVICE dom=%u dev=%u removed", d->domid, d->devid);
			*pp = d->next;
			device_free(d);
			continue;
		}
		device_reconcile(d);
		pp = &d->next;
	}
}

static struct stream *stream_by_port(int port, bool *is_evt)
{
	for (struct device *d = devices; d; d = d->next)
		for (unsigned int i = 0; i < d->nstreams; i++) {
			if (d->streams[i].port == port) {
				*is_evt = false;
				return &d->streams[i];
			}
			if (d->streams[i].evt_port == port) {
				*is_evt = true;
				return &d->streams[i];
			}
		}
	return NULL;
}

/* ------------------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void parse_ops(const char *arg, bool *set)
{
	char *dup = strdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int op = op_by_name(tok);

		if (op < 0) {
			fprintf(stderr, "unknown operation '%s'\n", tok);
			exit(2);
		}
		set[op] = true;
	}
	free(dup);
}

static void parse_range(const char *arg, struct range *r)
{
	char *end;

	r->min = (uint32_t)strtoul(arg, &end, 10);
	if (*end == ':')
		r->max = (uint32_t)strtoul(end + 1, &end, 10);
	else
		r->max = r->min;
	if (*end) {
		fprintf(stderr, "bad range '%s' (want MIN:MAX)\n", arg);
		exit(2);
	}
	r->set = true;
}

static unsigned int parse_count(const char *name, const char *arg, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > max) {
		fprintf(stderr, "%s: '%s' is not a number in [0, %u]\n", name, arg, max);
		exit(2);
	}
	return (unsigned int)v;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: xsf-test-backend [options]\n"
"  -o, --outdir DIR         playback data: DIR/<domid>-<dev>-<pcm>-<stream>.raw (appended)\n"
"  -c, --capture FILE       capture data source (default: built-in byte pattern)\n"
"  -L, --loopback           capture returns what the paired playback stream wrote\n"
"      --loopback-pcm N     loopback for PCM device N only (repeatable)\n"
"  -l, --log FILE           log file (default stderr)\n"
"  -p, --pidfile FILE       write the pid here\n"
"  -d, --daemon             detach into the background\n"
"  -v, --verbose            also log every event\n"
"      --refuse OP[,OP]     answer these operations with -EINVAL\n"
"      --error OP=STATUS    answer OP with this (negative) status\n"
"      --drop-op OP[,OP]    never answer these operations\n"
"      --exit-after-ms N    exit N ms after the first TRIGGER START\n"
"      --drop-evt N         drop every Nth CUR_POS event (its id is used up)\n"
"      --reset-evt-id       restart event ids at 0 on each OPEN\n"
"      --garbage-pos N      every Nth CUR_POS event carries a garbage position: in turn\n"
"                           one back by 3 periods, one beyond the buffer, the previous\n"
"                           one again, one near 2^64\n"
"      --flap-state N       at the first START, cycle the XenStore state N times\n"
"                           (Closing, Connected, InitWait, 99, Connected; 300 ms each),\n"
"                           then disconnect and start over from Closed\n"
"      --evt-flood N        bursts of N CUR_POS events (each notified) 20 times a second,\n"
"                           for open, idle and unopened streams; every 4th burst sets\n"
"                           a producer index beyond the event page\n"
"      --keep-mapped        keep buffers mapped after CLOSE and disconnection, and write\n"
"                           into them until the frontend grants their pages again\n"
"      --fault-stream ID    the fault options apply to this stream only (unique-id or\n"
"                           dev/pcm/stream; repeatable): --exit-after-ms and --flap-state\n"
"                           count from its first START, --flap-state flaps its device\n"
"      --device N           serve vsnd device N only (repeatable; default: all)\n"
"      --underrun-ms N      playback starved N ms: advance anyway (-1: never; default 300)\n"
"      --query-formats LIST allowed format numbers (XENSND_PCM_FORMAT_*), e.g. 2,10\n"
"      --query-rates A:B     narrow HW_PARAM_QUERY rates to [A,B]\n"
"      --query-channels A:B  ... channels\n"
"      --query-buffer A:B    ... buffer frames\n"
"      --query-period A:B    ... period frames\n"
"OPs: OPEN CLOSE READ WRITE SET_VOLUME GET_VOLUME MUTE UNMUTE TRIGGER HW_PARAM_QUERY\n");
}

int main(int argc, char **argv)
{
	enum { O_REFUSE = 256, O_ERROR, O_DROP, O_EXIT, O_DROPEVT, O_RESETID,
	       O_UNDERRUN, O_LOOPPCM, O_QFMT, O_QRATE, O_QCH, O_QBUF, O_QPER,
	       O_GARBAGE, O_FLAP, O_FLOOD, O_KEEP, O_FSTREAM, O_DEVICE };
	static const struct option lopts[] = {
		{ "outdir", required_argument, NULL, 'o' },
		{ "capture", required_argument, NULL, 'c' },
		{ "loopback", no_argument, NULL, 'L' },
		{ "log", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "refuse", required_argument, NULL, O_REFUSE },
		{ "error", required_argument, NULL, O_ERROR },
		{ "drop-op", required_argument, NULL, O_DROP },
		{ "exit-after-ms", required_argument, NULL, O_EXIT },
		{ "drop-evt", required_argument, NULL, O_DROPEVT },
		{ "reset-evt-id", no_argument, NULL, O_RESETID },
		{ "underrun-ms", required_argument, NULL, O_UNDERRUN },
		{ "loopback-pcm", required_argument, NULL, O_LOOPPCM },
		{ "query-formats", required_argument, NULL, O_QFMT },
		{ "query-rates", required_argument, NULL, O_QRATE },
		{ "query-channels", required_argument, NULL, O_QCH },
		{ "query-buffer", required_argument, NULL, O_QBUF },
		{ "query-period", required_argument, NULL, O_QPER },
		{ "garbage-pos", required_argument, NULL, O_GARBAGE },
		{ "flap-state", required_argument, NULL, O_FLAP },
		{ "evt-flood", required_argument, NULL, O_FLOOD },
		{ "keep-mapped", no_argument, NULL, O_KEEP },
		{ "fault-stream", required_argument, NULL, O_FSTREAM },
		{ "device", required_argument, NULL, O_DEVICE },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	int c;

	while ((c = getopt_long(argc, argv, "o:c:Ll:p:dvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': opt.outdir = optarg; break;
		case 'c': opt.capture = optarg; break;
		case 'L': opt.loopback = true; break;
		case 'l': opt.logfile = optarg; break;
		case 'p': opt.pidfile = optarg; break;
		case 'd': opt.daemonize = true; break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); return 0;
		case O_REFUSE: parse_ops(optarg, opt.refuse); break;
		case O_DROP: parse_ops(optarg, opt.drop); break;
		case O_ERROR: {
			char *eq = strchr(optarg, '=');
			int op;

			if (!eq) {
				usage(stderr);
				return 2;
			}
			*eq = '\0';
			op = op_by_name(optarg);
			if (op < 0) {
				fprintf(stderr, "unknown operation '%s'\n", optarg);
				return 2;
			}
			opt.error[op] = atoi(eq + 1);
			if (opt.error[op] > 0)
				opt.error[op] = -opt.error[op];
			break;
		}
		case O_EXIT: opt.exit_after_ms = atol(optarg); break;
		case O_DROPEVT: opt.drop_evt_every = (unsigned int)atoi(optarg); break;
		case O_RESETID: opt.reset_evt_id = true; break;
		case O_UNDERRUN: opt.underrun_ms = atol(optarg); break;
		case O_LOOPPCM:
			if (atoi(optarg) >= 0 && atoi(optarg) < 32)
				opt.loop_pcms |= 1u << atoi(optarg);
			break;
		case O_QFMT: {
			char *dup = strdup(optarg), *save = NULL, *tok;

			for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				int f = atoi(tok);

				if (f >= 0 && f < 64)
					opt.formats |= 1ULL << f;
			}
			free(dup);
			break;
		}
		case O_QRATE: parse_range(optarg, &opt.rates); break;
		case O_QCH: parse_range(optarg, &opt.channels); break;
		case O_QBUF: parse_range(optarg, &opt.buffer); break;
		case O_QPER: parse_range(optarg, &opt.period); break;
		case O_GARBAGE:
			opt.garbage_every = parse_count("--garbage-pos", optarg, 1000000);
			break;
		case O_FLAP:
			opt.flap_cycles = parse_count("--flap-state", optarg, 1000);
			break;
		case O_FLOOD:
			opt.flood_burst = parse_count("--evt-flood", optarg, 100000);
			break;
		case O_KEEP:
			opt.keep_mapped = true;
			break;
		case O_FSTREAM:
			if (opt.nr_fault_ids >= MAX_FAULT_IDS) {
				fprintf(stderr, "at most %d --fault-stream\n", MAX_FAULT_IDS);
				return 2;
			}
			opt.fault_ids[opt.nr_fault_ids++] = optarg;
			break;
		case O_DEVICE:
			if (opt.nr_devices >= MAX_DEVICES) {
				fprintf(stderr, "at most %d --device\n", MAX_DEVICES);
				return 2;
			}
			opt.devices[opt.nr_devices++] = parse_count("--device", optarg, 0xffff);
			break;
		default: usage(stderr); return 2;
		}
	}

	if (opt.logfile) {
		logf = fopen(opt.logfile, "a");
		if (!logf) {
			perror(opt.logfile);
			return 1;
		}
	}
	mkdir(opt.outdir, 0755);
	if (opt.daemonize && daemon(1, 0)) {
		perror("daemon");
		return 1;
	}
	if (opt.pidfile) {
		FILE *f = fopen(opt.pidfile, "w");

		if (f) {
			fprintf(f, "%d\n", getpid());
			fclose(f);
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	xs = xs_open(0);
	xgt = xengnttab_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	if (!xs || !xgt || !xce) {
		logmsg("cannot open xenstore/gnttab/evtchn: %s", strerror(errno));
		return 1;
	}
	xengnttab_set_max_grants(xgt, 65536);
	if (!xs_watch(xs, BE_ROOT, "be")) {
		logmsg("cannot watch " BE_ROOT ": %s", strerror(errno));
		return 1;
	}
	logmsg("START pid=%d outdir=%s capture=%s loopback=%d loopback_pcms=0x%x underrun_ms=%ld drop_evt=%u reset_evt_id=%d exit_after_ms=%ld",
	       getpid(), opt.outdir, opt.capture ? opt.capture : "(pattern)",
	       opt.loopback, opt.loop_pcms, opt.underrun_ms, opt.drop_evt_every,
	       opt.reset_evt_id, opt.exit_after_ms);
	if (opt.garbage_every || opt.flap_cycles || opt.flood_burst || opt.keep_mapped ||
	    opt.nr_fault_ids || opt.nr_devices) {
		char ids[256] = "", devs[64] = "";
		size_t n = 0, m = 0;

		for (unsigned int i = 0; i < opt.nr_fault_ids && n < sizeof(ids); i++)
			n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%s", i ? "," : "",
					      opt.fault_ids[i]);
		for (unsigned int i = 0; i < opt.nr_devices && m < sizeof(devs); i++)
			m += (size_t)snprintf(devs + m, sizeof(devs) - m, "%s%u", i ? "," : "",
					      opt.devices[i]);
		logmsg("FAULTS garbage_pos=%u flap_state=%u evt_flood=%u keep_mapped=%d fault_streams=%s devices=%s",
		       opt.garbage_every, opt.flap_cycles, opt.flood_burst, opt.keep_mapped,
		       n ? ids : "all", m ? devs : "all");
	}
	scan();

	while (!quit) {
		struct pollfd pfd[2] = {
			{ .fd = xs_fileno(xs), .events = POLLIN },
			{ .fd = xenevtchn_fd(xce), .events = POLLIN },
		};
		bool any_running = false, timers = kept_buffers || opt.flood_burst;
		struct timespec t;

		for (struct device *d = devices; d; d = d->next) {
			timers |= d->flapping;
			for (unsigned int i = 0; i < d->nstreams; i++)
				if (d->streams[i].running && !d->streams[i].paused)
					any_running = true;
		}
		int timeout = 500;

		if (any_running) {
			uint64_t ms = next_tick_ns / 1000000ULL + 1;

			timeout = ms > 50 ? 50 : (int)ms;
		}
		/* fault timers: flood bursts, state flaps, writes into kept buffers */
		if (timers && timeout > 10)
			timeout = 10;
		next_tick_ns = UINT64_MAX;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		if (quit)
			break;
		if (pfd[0].revents & POLLIN) {
			unsigned int n;
			char **w = xs_read_watch(xs, &n);

			free(w);
			scan();
		}
		if (pfd[1].revents & POLLIN) {
			xenevtchn_port_or_error_t port = xenevtchn_pending(xce);

			if (port >= 0) {
				struct stream *s;
				bool is_evt = false;

				xenevtchn_unmask(xce, port);
				s = stream_by_port(port, &is_evt);
				if (s && !is_evt)
					service_ring(s);
			}
		}
		now(&t);
		for (struct device *d = devices; d; d = d->next) {
			for (unsigned int i = 0; i < d->nstreams; i++) {
				tick_stream(&d->streams[i], &t);
				flood_events(&d->streams[i], ts_ns(&t));
			}
			flap_device(d, ts_ns(&t));
		}
		scribble_kept_buffers(ts_ns(&t));
		if (opt.exit_after_ms >= 0 && streaming_seen &&
		    ns_between(&first_start, &t) >= (uint64_t)opt.exit_after_ms * 1000000ULL) {
			logmsg("EXIT after %ld ms of streaming (--exit-after-ms)", opt.exit_after_ms);
			_exit(3);
		}
	}
	logmsg("STOP");
	/* leave the devices so that a restarted backend can take over */
	for (struct device *d = devices; d; d = d->next)
		device_disconnect(d);
	return 0;
}
