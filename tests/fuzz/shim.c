// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Userspace implementation of the kernel functions that src/cfg.c,
 * src/ring.c and src/evtq.c call (declared in shim/), with the kernel's
 * semantics where the units depend on them: kstrto*() accept what the
 * kernel accepts and no more, strscpy() truncates and says so, and
 * xenbus_read()/xenbus_directory() return what a real xenstored holds.
 */
#include <stdarg.h>

#include "xsf_fuzz.h"
#include "xsf_xenio.h"

/* ------------------------------------------------------------------ */
/* Shim state                                                          */
/* ------------------------------------------------------------------ */

unsigned long xsf_fuzz_fail_alloc_at;
unsigned long xsf_fuzz_nr_allocs;
void (*xsf_fuzz_sleep_hook)(struct completion *waiting);
unsigned int xsf_fuzz_nr_notify;
void (*xsf_fuzz_notify_hook)(int irq);

void xsf_fuzz_shim_reset(void)
{
	xsf_fuzz_fail_alloc_at = 0;
	xsf_fuzz_nr_allocs = 0;
	xsf_fuzz_sleep_hook = NULL;
	xsf_fuzz_nr_notify = 0;
	xsf_fuzz_notify_hook = NULL;
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

/* Count the allocation; false if it is the one asked to fail. */
static bool xsf_fuzz_alloc_allowed(void)
{
	return ++xsf_fuzz_nr_allocs != xsf_fuzz_fail_alloc_at;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	/* 0 bytes: not NULL, and any access is caught, as ZERO_SIZE_PTR. */
	return xsf_fuzz_alloc_allowed() ? malloc(size) : NULL;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return xsf_fuzz_alloc_allowed() ? calloc(1, size) : NULL;
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	/* calloc() checks n * size for overflow, as kcalloc() does. */
	return xsf_fuzz_alloc_allowed() ? calloc(n, size) : NULL;
}

char *kstrdup(const char *s, gfp_t gfp)
{
	size_t len = strlen(s) + 1;
	char *copy = kmalloc(len, gfp);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}

void kfree(const void *ptr)
{
	free((void *)ptr);
}

/* ------------------------------------------------------------------ */
/* Bitmaps                                                             */
/* ------------------------------------------------------------------ */

bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	unsigned long mask = BIT(nr % BITS_PER_LONG);
	unsigned long *word = addr + nr / BITS_PER_LONG;
	bool old = *word & mask;

	*word |= mask;
	return old;
}

/* Index of the first clear bit, or @size if there is none. */
unsigned long find_first_zero_bit(const unsigned long *addr,
				  unsigned long size)
{
	unsigned long i;

	for (i = 0; i < size; i++)
		if (!(addr[i / BITS_PER_LONG] & BIT(i % BITS_PER_LONG)))
			return i;
	return size;
}

/* ------------------------------------------------------------------ */
/* Strings and numbers                                                 */
/* ------------------------------------------------------------------ */

/* Value of a digit in bases up to 16, or 16 for anything else. */
static unsigned int xsf_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

/*
 * The kernel's kstrtoull(): an optional '+', a "0x" prefix in base 16
 * (base 0 picks 16, 8 or 10 from the prefix), at least one digit, at
 * most one trailing newline and nothing else; -ERANGE on overflow.
 */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long value = 0;
	bool overflow = false;
	unsigned int digit;
	size_t n = 0;

	if (*s == '+')
		s++;
	if (!base) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		    xsf_digit(s[2]) < 16)
			base = 16;
		else
			base = s[0] == '0' ? 8 : 10;
	}
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; (digit = xsf_digit(s[n])) < base; n++) {
		if (value > (~0ULL - digit) / base)
			overflow = true;
		value = value * base + digit;
	}
	if (overflow)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = value;
	return 0;
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long value;
	int ret = kstrtoull(s, base, &value);

	if (ret)
		return ret;
	if (value != (unsigned int)value)
		return -ERANGE;
	*res = value;
	return 0;
}

/*
 * The kernel's strscpy(): copy at most @size - 1 characters, always
 * terminate (if @size), return the length or -E2BIG when truncated.
 */
ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

/* The kernel's match_string(): a NULL entry ends the array early. */
int match_string(const char *const *array, size_t n, const char *string)
{
	size_t i;

	for (i = 0; i < n && array[i]; i++)
		if (!strcmp(array[i], string))
			return i;
	return -EINVAL;
}

void sort(void *base, size_t num, size_t size, cmp_func_t cmp,
	  swap_func_t swap)
{
	/* The units pass no swap function: plain element swaps do. */
	if (swap)
		abort();
	qsort(base, num, size, cmp);
}

/* ------------------------------------------------------------------ */
/* Messages, locks, sleeping                                           */
/* ------------------------------------------------------------------ */

void xsf_fuzz_log(const struct device *dev, const char *level,
		  const char *fmt, ...)
{
	static int verbose = -1;
	char kfmt[256] = "", *esc;
	va_list ap;

	if (verbose < 0)
		verbose = !!getenv("XSF_FUZZ_VERBOSE");
	if (!verbose)
		return;
	fprintf(stderr, "%s %s: ", dev && dev->name ? dev->name : "?", level);
	/* The kernel's "%*pE" (escaped, with a length) as plain "%.*s". */
	strncpy(kfmt, fmt, sizeof(kfmt) - 1);
	for (esc = strstr(kfmt, "%*pE"); esc; esc = strstr(esc, "%*pE"))
		memcpy(esc, "%.*s", 4);
	va_start(ap, fmt);
	vfprintf(stderr, kfmt, ap);
	va_end(ap);
}

void xsf_fuzz_lock(spinlock_t *lock)
{
	/* One thread: a held lock would deadlock the kernel. */
	FUZZ_ASSERT(!lock->held);
	lock->held = true;
}

void xsf_fuzz_unlock(spinlock_t *lock)
{
	FUZZ_ASSERT(lock->held);
	lock->held = false;
}

void xsf_fuzz_sleep(struct completion *waiting)
{
	if (xsf_fuzz_sleep_hook)
		xsf_fuzz_sleep_hook(waiting);
}

unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout)
{
	if (!x->done)
		xsf_fuzz_sleep(x);
	if (!x->done)
		return 0;
	x->done--;
	return timeout ? timeout : 1;
}

/* ------------------------------------------------------------------ */
/* Xen primitives (xsf_xenio.h) the units call                         */
/* ------------------------------------------------------------------ */

void xsf_io_notify(int irq)
{
	xsf_fuzz_nr_notify++;
	if (xsf_fuzz_notify_hook)
		xsf_fuzz_notify_hook(irq);
}

/* ------------------------------------------------------------------ */
/* Fake XenStore                                                       */
/* ------------------------------------------------------------------ */

/*
 * Nodes in creation order, which is the order xenstored lists children
 * in.  The store's own memory is plain malloc(), outside the counted
 * allocations: only what the driver gets back can fail to allocate.
 */
struct xsf_fuzz_node {
	char *path;
	char *value;
	int error;
};

static struct xsf_fuzz_node xsf_store[XSF_FUZZ_STORE_MAX];
static unsigned int xsf_store_len;

void xsf_fuzz_store_reset(void)
{
	unsigned int i;

	for (i = 0; i < xsf_store_len; i++) {
		free(xsf_store[i].path);
		free(xsf_store[i].value);
	}
	xsf_store_len = 0;
}

static struct xsf_fuzz_node *xsf_store_find(const char *path, size_t len)
{
	unsigned int i;

	for (i = 0; i < xsf_store_len; i++)
		if (!strncmp(xsf_store[i].path, path, len) &&
		    !xsf_store[i].path[len])
			return &xsf_store[i];
	return NULL;
}

/* The node of the first @len characters of @path, made if missing. */
static struct xsf_fuzz_node *xsf_store_make(const char *path, size_t len)
{
	struct xsf_fuzz_node *node = xsf_store_find(path, len);

	if (node)
		return node;
	if (xsf_store_len == XSF_FUZZ_STORE_MAX)
		return NULL;
	node = &xsf_store[xsf_store_len];
	node->path = strndup(path, len);
	node->value = strdup("");
	node->error = 0;
	if (!node->path || !node->value)
		abort();
	xsf_store_len++;
	return node;
}

/* Make @path and every parent of it, as a write to xenstored does. */
static struct xsf_fuzz_node *xsf_store_make_all(const char *path)
{
	size_t len = strlen(path), i;

	for (i = 1; i < len; i++)
		if (path[i] == '/' && !xsf_store_make(path, i))
			return NULL;
	return xsf_store_make(path, len);
}

int xsf_fuzz_store_set(const char *path, const char *value)
{
	struct xsf_fuzz_node *node = xsf_store_make_all(path);

	if (!node)
		return -ENOSPC;
	free(node->value);
	node->value = strdup(value);
	if (!node->value)
		abort();
	return 0;
}

int xsf_fuzz_store_fail(const char *path, int error)
{
	struct xsf_fuzz_node *node = xsf_store_make_all(path);

	if (!node)
		return -ENOSPC;
	node->error = error;
	return 0;
}

/* The node @node below @dir ("" is @dir itself), as the kernel joins. */
static struct xsf_fuzz_node *xsf_store_lookup(const char *dir,
					      const char *node, int *error)
{
	char path[4096];
	struct xsf_fuzz_node *found;

	if (*node)
		snprintf(path, sizeof(path), "%s/%s", dir, node);
	else
		snprintf(path, sizeof(path), "%s", dir);
	found = xsf_store_find(path, strlen(path));
	*error = !found ? -ENOENT : found->error;
	return *error ? NULL : found;
}

void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len)
{
	struct xsf_fuzz_node *found;
	char *copy;
	int error;

	found = xsf_store_lookup(dir, node, &error);
	if (!found)
		return ERR_PTR(error);
	copy = kstrdup(found->value, GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	if (len)
		*len = strlen(copy);
	return copy;
}

/*
 * The kernel's layout: one allocation holding the array of pointers
 * followed by the names they point to, freed with one kfree().
 */
char **xenbus_directory(struct xenbus_transaction t, const char *dir,
			const char *node, unsigned int *num)
{
	struct xsf_fuzz_node *parent;
	size_t plen, bytes = 0;
	unsigned int i, n = 0;
	char **children;
	char *names;
	int error;

	parent = xsf_store_lookup(dir, node, &error);
	if (!parent)
		return ERR_PTR(error);
	plen = strlen(parent->path);
	/* Direct children: one more component (every parent exists). */
	for (i = 0; i < xsf_store_len; i++) {
		const char *path = xsf_store[i].path;

		if (!strncmp(path, parent->path, plen) && path[plen] == '/' &&
		    !strchr(path + plen + 1, '/')) {
			n++;
			bytes += strlen(path + plen + 1) + 1;
		}
	}
	children = kmalloc(n * sizeof(*children) + bytes, GFP_KERNEL);
	if (!children)
		return ERR_PTR(-ENOMEM);
	names = (char *)(children + n);
	n = 0;
	for (i = 0; i < xsf_store_len; i++) {
		const char *path = xsf_store[i].path;

		if (!strncmp(path, parent->path, plen) && path[plen] == '/' &&
		    !strchr(path + plen + 1, '/')) {
			size_t len = strlen(path + plen + 1) + 1;

			children[n++] = names;
			memcpy(names, path + plen + 1, len);
			names += len;
		}
	}
	*num = n;
	return children;
}
