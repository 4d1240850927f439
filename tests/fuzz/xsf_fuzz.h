/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the fuzz targets share: the invariant check, a cursor over the
 * fuzzer's input, and the parts of the shim (shim.c) a target drives:
 * the fake XenStore, allocation failures, the sleep and notify hooks.
 */
#ifndef XSF_FUZZ_H
#define XSF_FUZZ_H

#include "xsf_proto.h"

/*
 * An invariant of the driver does not hold: report where and abort, so
 * that libFuzzer keeps the input as a crash.  Active in every build.
 */
#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant violated: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* ------------------------------------------------------------------ */
/* Input cursor: reads past the end give zeroes                        */
/* ------------------------------------------------------------------ */

struct xsf_fuzz_input {
	const u8 *data;
	size_t size;
	size_t pos;
};

static inline bool fuzz_more(const struct xsf_fuzz_input *in)
{
	return in->pos < in->size;
}

static inline u8 fuzz_u8(struct xsf_fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline u16 fuzz_u16(struct xsf_fuzz_input *in)
{
	u16 lo = fuzz_u8(in);

	return lo | (u16)fuzz_u8(in) << 8;
}

static inline u32 fuzz_u32(struct xsf_fuzz_input *in)
{
	u32 lo = fuzz_u16(in);

	return lo | (u32)fuzz_u16(in) << 16;
}

static inline u64 fuzz_u64(struct xsf_fuzz_input *in)
{
	u64 lo = fuzz_u32(in);

	return lo | (u64)fuzz_u32(in) << 32;
}

/* ------------------------------------------------------------------ */
/* Shim state                                                          */
/* ------------------------------------------------------------------ */

/* Forget every hook, count and injected failure: call per input. */
void xsf_fuzz_shim_reset(void);

/* Allocations made since the last reset. */
extern unsigned long xsf_fuzz_nr_allocs;

static inline bool xsf_fuzz_lock_held(const spinlock_t *lock)
{
	return lock->held;
}

/* Notifications the units sent (xsf_io_notify()), and a hook for them. */
extern unsigned int xsf_fuzz_nr_notify;
extern void (*xsf_fuzz_notify_hook)(int irq);

/* ------------------------------------------------------------------ */
/* Fake XenStore                                                       */
/* ------------------------------------------------------------------ */

/* Most nodes one input may create; later ones are dropped. */
#define XSF_FUZZ_STORE_MAX	512

/* Empty the store (call per input: the store's memory is freed). */
void xsf_fuzz_store_reset(void);

/*
 * Create or replace a node.  Its parents come into existence with
 * empty values, as xenstored creates them.
 * Return: 0, or -ENOSPC when the store is full.
 */
int xsf_fuzz_store_set(const char *path, const char *value);

/*
 * Make reading or listing @path fail with @error (a negative errno);
 * the node exists, as one whose permissions deny access.
 */
int xsf_fuzz_store_fail(const char *path, int error);

#endif /* XSF_FUZZ_H */
