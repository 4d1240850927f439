/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The kernel API that src/cfg.c, src/ring.c and src/evtq.c use, for a
 * userspace build under libFuzzer.  Every stub kernel header in this
 * directory includes this file, so the units compile unmodified.
 *
 * Only what those three files need is here.  Memory goes through
 * malloc()/free() so that AddressSanitizer sees overruns, use after free
 * and leaks.  Locks are no-ops for a single thread, but they count: a
 * lock taken twice or released while free aborts, and a harness can ask
 * whether a lock is held (callbacks must run without the ring lock).
 * Sleeping is a call to xsf_fuzz_sleep_hook: the harness decides what
 * the other side does while a caller would sleep.
 */
#ifndef XSF_FUZZ_SHIM_H
#define XSF_FUZZ_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

/*
 * Xen's public headers (libxen-dev) serve as the kernel's
 * xen/interface/ copies.  Guests that name no interface version get the
 * legacy one; ask for the version these headers implement.  The macro
 * expands only where it is used, after xen-compat.h defined its value.
 */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#endif

/* ------------------------------------------------------------------ */
/* Types and attributes                                                */
/* ------------------------------------------------------------------ */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* the kernel's u64 prints with %llu */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef unsigned int gfp_t;

#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __aligned(n)		__attribute__((aligned(n)))
#define __must_hold(lock)

/* ------------------------------------------------------------------ */
/* Bits, sizes, arithmetic                                             */
/* ------------------------------------------------------------------ */

#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define BITS_TO_LONGS(nr)	DIV_ROUND_UP(nr, BITS_PER_LONG)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The kernel's min() refuses operands of different types: so does this. */
#define min(a, b) ({					\
	__typeof__(a) _min_a = (a);			\
	__typeof__(b) _min_b = (b);			\
	(void)(&_min_a == &_min_b);			\
	_min_a < _min_b ? _min_a : _min_b; })
#define min_t(type, a, b) ({				\
	type _min_a = (a);				\
	type _min_b = (b);				\
	_min_a < _min_b ? _min_a : _min_b; })

bool __test_and_set_bit(unsigned long nr, unsigned long *addr);
unsigned long find_first_zero_bit(const unsigned long *addr,
				  unsigned long size);

/* IS_ENABLED(CONFIG_X): 1 when CONFIG_X is defined as 1, else 0. */
#define __XSF_PLACEHOLDER_1		0,
#define __xsf_second(ignored, val, ...)	val
#define __xsf_defined(x)		___xsf_defined(x)
#define ___xsf_defined(val)		____xsf_defined(__XSF_PLACEHOLDER_##val)
#define ____xsf_defined(arg)		__xsf_second(arg 1, 0, 0)
#define IS_ENABLED(option)		__xsf_defined(option)

/* ------------------------------------------------------------------ */
/* Errors as pointers                                                  */
/* ------------------------------------------------------------------ */

#define MAX_ERRNO	4095

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO;
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

#define GFP_KERNEL	0U

/*
 * Allocations may be made to fail: xsf_fuzz_fail_alloc_at = n makes the
 * n-th allocation from now on (1-based) return NULL, 0 never.
 */
extern unsigned long xsf_fuzz_fail_alloc_at;

void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
char *kstrdup(const char *s, gfp_t gfp);
void kfree(const void *ptr);

struct page;

/* ------------------------------------------------------------------ */
/* Strings and numbers                                                 */
/* ------------------------------------------------------------------ */

static inline int isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);

static inline int kstrtou32(const char *s, unsigned int base, u32 *res)
{
	return kstrtouint(s, base, res);
}

ssize_t strscpy(char *dst, const char *src, size_t size);
int match_string(const char *const *array, size_t n, const char *string);

typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_func_t)(void *a, void *b, int size);
void sort(void *base, size_t num, size_t size, cmp_func_t cmp,
	  swap_func_t swap);

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

/* A device is only a name for messages here. */
struct device {
	const char *name;
};

/* Prints only when XSF_FUZZ_VERBOSE is set: fuzzing runs millions. */
__printf(3, 4) void xsf_fuzz_log(const struct device *dev, const char *level,
				 const char *fmt, ...);

#define dev_err(dev, ...)		xsf_fuzz_log(dev, "err", __VA_ARGS__)
#define dev_warn(dev, ...)		xsf_fuzz_log(dev, "warn", __VA_ARGS__)
#define dev_dbg(dev, ...)		xsf_fuzz_log(dev, "dbg", __VA_ARGS__)
#define dev_warn_ratelimited(dev, ...)	dev_warn(dev, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Shared memory access and barriers                                   */
/* ------------------------------------------------------------------ */

/* One access of exactly the object's size, as the kernel's. */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	(*(volatile __typeof__(x) *)&(x) = (val))

/*
 * One thread, but the compiler must still keep the shared page's
 * accesses in the order the units' barriers ask for.
 */
#define mb()			__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()			__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb()			__atomic_thread_fence(__ATOMIC_RELEASE)
#define virt_mb()		mb()
#define virt_rmb()		rmb()
#define virt_wmb()		wmb()

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

/* Not a lock: a flag that catches unbalanced or nested locking. */
typedef struct {
	bool held;
} spinlock_t;

void xsf_fuzz_lock(spinlock_t *lock);
void xsf_fuzz_unlock(spinlock_t *lock);

#define spin_lock_init(lock)	((lock)->held = false)
#define spin_lock_irqsave(lock, flags) \
	do { (flags) = 0; xsf_fuzz_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags) \
	do { (void)(flags); xsf_fuzz_unlock(lock); } while (0)

/* ------------------------------------------------------------------ */
/* Sleeping: completions, wait queues, time                            */
/* ------------------------------------------------------------------ */

/* A jiffy is a millisecond here: only the units' timeouts use them. */
static inline unsigned long msecs_to_jiffies(unsigned int ms)
{
	return ms;
}

/*
 * Called where a kernel thread would sleep, before its condition is
 * checked again: @waiting is the completion it waits for, NULL for a
 * wait queue.  The harness lets the other side act meanwhile (the
 * backend, an interrupt); a condition still false afterwards is a
 * timeout.
 */
struct completion;
extern void (*xsf_fuzz_sleep_hook)(struct completion *waiting);
void xsf_fuzz_sleep(struct completion *waiting);

struct completion {
	unsigned int done;
};

static inline void init_completion(struct completion *x)
{
	x->done = 0;
}

static inline void reinit_completion(struct completion *x)
{
	x->done = 0;
}

static inline void complete(struct completion *x)
{
	x->done++;
}

unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout);

/* Wakers do nothing: sleepers re-check after xsf_fuzz_sleep(). */
typedef struct {
	unsigned int nr_wakeups;
} wait_queue_head_t;

#define init_waitqueue_head(wq)	((wq)->nr_wakeups = 0)
#define wake_up(wq)		((wq)->nr_wakeups++)
#define wake_up_all(wq)		((wq)->nr_wakeups++)

/* Like the kernel's: 0 on timeout, else the time left (at least 1). */
#define wait_event_timeout(wq, condition, timeout) ({		\
	long __wet_left = (timeout);				\
	(void)(wq);						\
	if (!(condition)) {					\
		xsf_fuzz_sleep(NULL);			\
		__wet_left = (condition) ? 1 : 0;		\
	} else if (!__wet_left) {				\
		__wet_left = 1;					\
	}							\
	__wet_left; })

/* ------------------------------------------------------------------ */
/* Interrupts                                                          */
/* ------------------------------------------------------------------ */

typedef enum {
	IRQ_NONE,
	IRQ_HANDLED,
} irqreturn_t;

typedef irqreturn_t (*irq_handler_t)(int irq, void *data);

#endif /* XSF_FUZZ_SHIM_H */
