/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Tracepoints: every request sent to the backend, every answer, every
 * event taken from the event page, and every xrun the driver reports,
 * with the device (the N of vsnd-N) and the stream (its channel index,
 * as in XenStore's order).  For perf and trace-cmd; README.md, "Tracing".
 *
 * Only numbers are recorded: what a name would tell is in the numbers'
 * printed form.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM snd_xen_front

#if !defined(XSF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XSF_TRACE_H

#include <linux/tracepoint.h>
#include <xen/interface/io/sndif.h>

#include "xsf_proto.h"

#define xsf_trace_operation(op)						\
	__print_symbolic(op,						\
			 { XENSND_OP_OPEN, "OPEN" },			\
			 { XENSND_OP_CLOSE, "CLOSE" },			\
			 { XENSND_OP_READ, "READ" },			\
			 { XENSND_OP_WRITE, "WRITE" },			\
			 { XENSND_OP_SET_VOLUME, "SET_VOLUME" },	\
			 { XENSND_OP_GET_VOLUME, "GET_VOLUME" },	\
			 { XENSND_OP_MUTE, "MUTE" },			\
			 { XENSND_OP_UNMUTE, "UNMUTE" },		\
			 { XENSND_OP_TRIGGER, "TRIGGER" },		\
			 { XENSND_OP_HW_PARAM_QUERY, "HW_PARAM_QUERY" })

TRACE_EVENT(xsf_request,
	    TP_PROTO(const struct xsf_ring *ring, const struct xensnd_req *req),
	    TP_ARGS(ring, req),
	    TP_STRUCT__entry(__field(u16, dev)
			     __field(u16, stream)
			     __field(u16, id)
			     __field(u8, operation)
			     __field(u32, offset)
			     __field(u32, length)),
	    TP_fast_assign(__entry->dev = ring->tid.dev;
			   __entry->stream = ring->tid.stream;
			   __entry->id = req->id;
			   __entry->operation = req->operation;
			   __entry->offset = (req->operation == XENSND_OP_READ ||
					      req->operation == XENSND_OP_WRITE) ?
					     req->op.rw.offset : 0;
			   __entry->length = (req->operation == XENSND_OP_READ ||
					      req->operation == XENSND_OP_WRITE) ?
					     req->op.rw.length : 0;),
	    TP_printk("vsnd-%u stream %u %s id %u offset %u length %u",
		      __entry->dev, __entry->stream,
		      xsf_trace_operation(__entry->operation), __entry->id,
		      __entry->offset, __entry->length)
);

TRACE_EVENT(xsf_response,
	    TP_PROTO(const struct xsf_ring *ring,
		     const struct xensnd_resp *resp, int status),
	    TP_ARGS(ring, resp, status),
	    TP_STRUCT__entry(__field(u16, dev)
			     __field(u16, stream)
			     __field(u16, id)
			     __field(u8, operation)
			     __field(int, status)),
	    TP_fast_assign(__entry->dev = ring->tid.dev;
			   __entry->stream = ring->tid.stream;
			   __entry->id = resp->id;
			   __entry->operation = resp->operation;
			   __entry->status = status;),
	    TP_printk("vsnd-%u stream %u %s id %u status %d",
		      __entry->dev, __entry->stream,
		      xsf_trace_operation(__entry->operation), __entry->id,
		      __entry->status)
);

TRACE_EVENT(xsf_event,
	    TP_PROTO(const struct xsf_evtq *q, const struct xensnd_evt *evt),
	    TP_ARGS(q, evt),
	    TP_STRUCT__entry(__field(u64, position)
			     __field(u16, dev)
			     __field(u16, stream)
			     __field(u16, id)
			     __field(u8, type)),
	    TP_fast_assign(__entry->position =
				   evt->type == XENSND_EVT_CUR_POS ?
				   evt->op.cur_pos.position : 0;
			   __entry->dev = q->tid.dev;
			   __entry->stream = q->tid.stream;
			   __entry->id = evt->id;
			   __entry->type = evt->type;),
	    TP_printk("vsnd-%u stream %u %s id %u position %llu",
		      __entry->dev, __entry->stream,
		      __print_symbolic(__entry->type,
				       { XENSND_EVT_CUR_POS, "CUR_POS" }),
		      __entry->id, __entry->position)
);

TRACE_EVENT(xsf_xrun,
	    TP_PROTO(struct xsf_trace_id tid, int err, u64 hw_bytes,
		     u64 appl_bytes),
	    TP_ARGS(tid, err, hw_bytes, appl_bytes),
	    TP_STRUCT__entry(__field(u64, hw_bytes)
			     __field(u64, appl_bytes)
			     __field(u16, dev)
			     __field(u16, stream)
			     __field(int, err)),
	    TP_fast_assign(__entry->hw_bytes = hw_bytes;
			   __entry->appl_bytes = appl_bytes;
			   __entry->dev = tid.dev;
			   __entry->stream = tid.stream;
			   __entry->err = err;),
	    TP_printk("vsnd-%u stream %u error %d at octet %llu, application at %llu",
		      __entry->dev, __entry->stream, __entry->err,
		      __entry->hw_bytes, __entry->appl_bytes)
);

#endif /* XSF_TRACE_H */

/* The part below is read once more, by the kernel's trace machinery. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xsf_trace
#include <trace/define_trace.h>
