/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Stands for include/xsf_trace.h in the userspace build: the units'
 * tracepoints do nothing here (this directory comes first in the
 * include path).
 */
#ifndef XSF_FUZZ_TRACE_H
#define XSF_FUZZ_TRACE_H

#include "xsf_proto.h"

static inline void trace_xsf_request(const struct xsf_ring *ring,
				     const struct xensnd_req *req)
{
}

static inline void trace_xsf_response(const struct xsf_ring *ring,
				      const struct xensnd_resp *resp,
				      int status)
{
}

static inline void trace_xsf_event(const struct xsf_evtq *q,
				   const struct xensnd_evt *evt)
{
}

#endif /* XSF_FUZZ_TRACE_H */
