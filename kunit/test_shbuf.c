// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_shbuf: shared buffers and their page
 * directory, checked through the fake grant table.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "xsf_kunit_helpers.h"

static struct xsf_fake_grant *shbuf_grant(grant_ref_t ref)
{
	return &xsf_fake_io.grants[ref];
}

static void shbuf_free_action(void *data)
{
	xsf_shbuf_free(data);
}

static struct xsf_shbuf *shbuf_new(struct kunit *test)
{
	struct xsf_shbuf *buf = kunit_kzalloc(test, sizeof(*buf), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   shbuf_free_action,
							   buf));
	return buf;
}

/*
 * Walk the directory chain the way a backend does and check every grant:
 * directory and data pages writable (libxenbe maps both read-write), the
 * chain ends in 0, the references are the buffer's, in order.
 */
static void shbuf_check_layout(struct kunit *test, struct xsf_shbuf *buf,
			       unsigned int nr_pages)
{
	unsigned int nr_dir = xsf_shbuf_dir_pages_for(nr_pages);
	grant_ref_t ref = xsf_shbuf_directory(buf);
	unsigned int d, i, seen = 0;

	KUNIT_ASSERT_EQ(test, buf->nr_pages, nr_pages);
	KUNIT_ASSERT_EQ(test, buf->nr_dir_pages, nr_dir);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), nr_pages + nr_dir);
	for (d = 0; d < nr_dir; d++) {
		struct xensnd_page_directory *dir;
		unsigned int count;

		KUNIT_ASSERT_NE(test, ref, 0U);
		KUNIT_ASSERT_LT(test, ref, (grant_ref_t)XSF_FAKE_MAX_GRANTS);
		KUNIT_EXPECT_EQ(test, ref, buf->dir_grefs[d]);
		KUNIT_EXPECT_TRUE(test, shbuf_grant(ref)->in_use);
		KUNIT_EXPECT_FALSE(test, shbuf_grant(ref)->readonly);
		KUNIT_EXPECT_PTR_EQ(test, shbuf_grant(ref)->page,
				    buf->dir_pages[d]);
		dir = page_address(shbuf_grant(ref)->page);
		count = min_t(unsigned int, nr_pages - seen,
			      XSF_GREFS_PER_DIR_PAGE);
		for (i = 0; i < count; i++, seen++) {
			grant_ref_t g = dir->gref[i];

			KUNIT_ASSERT_NE(test, g, 0U);
			KUNIT_EXPECT_EQ(test, g, buf->grefs[seen]);
			KUNIT_EXPECT_TRUE(test, shbuf_grant(g)->in_use);
			KUNIT_EXPECT_FALSE(test, shbuf_grant(g)->readonly);
			KUNIT_EXPECT_PTR_EQ(test, shbuf_grant(g)->page,
					    buf->pages[seen]);
		}
		/* No stale references after the used entries. */
		for (; i < XSF_GREFS_PER_DIR_PAGE; i++)
			if (dir->gref[i]) {
				KUNIT_FAIL(test, "dir %u entry %u is %u", d, i,
					   dir->gref[i]);
				break;
			}
		ref = dir->gref_dir_next_page;
	}
	KUNIT_EXPECT_EQ(test, seen, nr_pages);
	KUNIT_EXPECT_EQ(test, ref, 0U);
}

static void shbuf_one_page(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, 100), 0);
	KUNIT_EXPECT_EQ(test, buf->size, (size_t)100);
	KUNIT_EXPECT_NOT_NULL(test, buf->vaddr);
	shbuf_check_layout(test, buf, 1);
}

static void shbuf_many_pages(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, 10 * XEN_PAGE_SIZE - 1),
			0);
	shbuf_check_layout(test, buf, 10);
}

static void shbuf_exactly_one_directory_page(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	KUNIT_ASSERT_EQ(test, (unsigned long)XSF_GREFS_PER_DIR_PAGE, 1023UL);
	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, XSF_GREFS_PER_DIR_PAGE *
					      XEN_PAGE_SIZE), 0);
	shbuf_check_layout(test, buf, XSF_GREFS_PER_DIR_PAGE);
}

static void shbuf_chained_directory(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);
	struct xensnd_page_directory *dir0, *dir1;

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf,
					      (XSF_GREFS_PER_DIR_PAGE + 1) *
					      XEN_PAGE_SIZE), 0);
	shbuf_check_layout(test, buf, XSF_GREFS_PER_DIR_PAGE + 1);
	KUNIT_ASSERT_EQ(test, buf->nr_dir_pages, 2U);
	dir0 = page_address(buf->dir_pages[0]);
	dir1 = page_address(buf->dir_pages[1]);
	KUNIT_EXPECT_EQ(test, dir0->gref_dir_next_page, buf->dir_grefs[1]);
	KUNIT_EXPECT_EQ(test, dir1->gref_dir_next_page, 0U);
	KUNIT_EXPECT_EQ(test, dir1->gref[0],
			buf->grefs[XSF_GREFS_PER_DIR_PAGE]);
	KUNIT_EXPECT_EQ(test, dir1->gref[1], 0U);
}

static void shbuf_dir_pages_for_table(struct kunit *test)
{
	const unsigned int per = XSF_GREFS_PER_DIR_PAGE;

	KUNIT_EXPECT_EQ(test, xsf_shbuf_dir_pages_for(0), 1U);
	KUNIT_EXPECT_EQ(test, xsf_shbuf_dir_pages_for(1), 1U);
	KUNIT_EXPECT_EQ(test, xsf_shbuf_dir_pages_for(per), 1U);
	KUNIT_EXPECT_EQ(test, xsf_shbuf_dir_pages_for(per + 1), 2U);
	KUNIT_EXPECT_EQ(test, xsf_shbuf_dir_pages_for(2 * per), 2U);
	KUNIT_EXPECT_EQ(test, xsf_shbuf_dir_pages_for(2 * per + 1), 3U);
}

static void shbuf_grant_zero_refused(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	xsf_fake_io.grant_zero_next = true;
	KUNIT_EXPECT_EQ(test, xsf_shbuf_alloc(xb, buf, 3 * XEN_PAGE_SIZE),
			-EIO);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_NULL(test, buf->pages);
	KUNIT_EXPECT_NULL(test, buf->vaddr);
	KUNIT_EXPECT_EQ(test, buf->nr_pages, 0U);
	/* The next attempt works and never hands out reference 0. */
	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, 3 * XEN_PAGE_SIZE), 0);
	shbuf_check_layout(test, buf, 3);
}

static void shbuf_grant_fails_midway(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	xsf_fake_io.grant_fail_after = 5;
	KUNIT_EXPECT_EQ(test, xsf_shbuf_alloc(xb, buf, 10 * XEN_PAGE_SIZE),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	/* The five granted pages went back through the grant table. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 5U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_deferred, 0U);
	KUNIT_EXPECT_NULL(test, buf->pages);
	KUNIT_EXPECT_NULL(test, buf->grefs);
}

static void shbuf_grant_fails_in_directory(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	/* All data pages granted, then the directory page fails. */
	xsf_fake_io.grant_fail_after = 10;
	KUNIT_EXPECT_EQ(test, xsf_shbuf_alloc(xb, buf, 10 * XEN_PAGE_SIZE),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 10U);
	KUNIT_EXPECT_NULL(test, buf->dir_pages);

	/* Two directory pages: the second (granted first) succeeds. */
	xsf_fake_io_reset();
	xsf_fake_io.grant_fail_after = XSF_GREFS_PER_DIR_PAGE + 2;
	KUNIT_EXPECT_EQ(test, xsf_shbuf_alloc(xb, buf,
					      (XSF_GREFS_PER_DIR_PAGE + 1) *
					      XEN_PAGE_SIZE), -ENOSPC);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed,
			(unsigned int)XSF_GREFS_PER_DIR_PAGE + 2);
}

static void shbuf_pages_zeroed(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);
	size_t size = 5 * XEN_PAGE_SIZE, i;
	u8 *p;

	/* Dirty some pages, give them back, then allocate again. */
	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, size), 0);
	memset(buf->vaddr, 0xa5, size);
	xsf_shbuf_free(buf);
	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, size), 0);
	p = buf->vaddr;
	for (i = 0; i < size; i++)
		if (p[i]) {
			KUNIT_FAIL(test, "octet %zu is %#x", i, p[i]);
			break;
		}
}

static void shbuf_data_reaches_backend(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);
	unsigned int i;
	u8 *p;

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, 4 * XEN_PAGE_SIZE), 0);
	p = buf->vaddr;
	for (i = 0; i < 4; i++)
		memset(p + i * XEN_PAGE_SIZE, 0x10 + i, XEN_PAGE_SIZE);
	/* Page i of the kernel mapping is the page of grant i. */
	for (i = 0; i < 4; i++) {
		u8 *mapped = xsf_fake_io_backend_map(buf->grefs[i]);

		KUNIT_ASSERT_NOT_NULL(test, mapped);
		KUNIT_EXPECT_EQ(test, mapped[0], 0x10 + i);
		KUNIT_EXPECT_EQ(test, mapped[XEN_PAGE_SIZE - 1], 0x10 + i);
		xsf_fake_io_backend_unmap(buf->grefs[i]);
	}
}

/*
 * The page-size choice: one grant per guest page, and a guest page is one
 * Xen page (kernels with larger pages are not built, see xsf_compat.h).
 * So a buffer of n octets is ceil(n / 4096) grants, and octet k is at
 * offset k % 4096 of the page of grant k / 4096, which is how a backend
 * addresses it; checked at both sides of every page boundary.
 */
static void shbuf_one_grant_per_xen_page(struct kunit *test)
{
	static const size_t sizes[] = {
		1, XEN_PAGE_SIZE - 1, XEN_PAGE_SIZE, XEN_PAGE_SIZE + 1,
		3 * XEN_PAGE_SIZE, 3 * XEN_PAGE_SIZE + 7,
	};
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, (unsigned long)PAGE_SIZE,
			(unsigned long)XEN_PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i], k;
		unsigned int nr = DIV_ROUND_UP(size, XEN_PAGE_SIZE);
		u8 *p;

		KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, size), 0);
		shbuf_check_layout(test, buf, nr);
		p = buf->vaddr;
		for (k = 0; k < size; k++)
			p[k] = (u8)(k / XEN_PAGE_SIZE + 1) ^ (u8)k;
		for (k = 0; k < size; k++) {
			size_t off = k % XEN_PAGE_SIZE;
			u8 *mapped;

			/* the first and last octet of every page, and the end */
			if (off && off != XEN_PAGE_SIZE - 1 && k != size - 1)
				continue;
			mapped = xsf_fake_io_backend_map(buf->grefs[k / XEN_PAGE_SIZE]);
			KUNIT_ASSERT_NOT_NULL(test, mapped);
			KUNIT_EXPECT_EQ_MSG(test, mapped[off],
					    (u8)(k / XEN_PAGE_SIZE + 1) ^ (u8)k,
					    "size %zu octet %zu", size, k);
			xsf_fake_io_backend_unmap(buf->grefs[k / XEN_PAGE_SIZE]);
		}
		xsf_shbuf_free(buf);
		KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	}
}

static void shbuf_revoke_while_mapped(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);
	grant_ref_t mapped_ref;

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, 2 * XEN_PAGE_SIZE), 0);
	mapped_ref = buf->grefs[1];
	KUNIT_ASSERT_NOT_NULL(test, xsf_fake_io_backend_map(mapped_ref));
	xsf_shbuf_free(buf);
	/* Data page 0 and the directory page are gone, page 1 is not. */
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 2U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_deferred, 1U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_TRUE(test, shbuf_grant(mapped_ref)->ended);
	xsf_fake_io_backend_unmap(mapped_ref);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 3U);
	KUNIT_EXPECT_FALSE(test, shbuf_grant(mapped_ref)->in_use);
}

static void shbuf_size_limits(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	KUNIT_EXPECT_EQ(test, xsf_shbuf_alloc(xb, buf, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, xsf_shbuf_alloc(xb, buf, XSF_MAX_SHBUF_BYTES + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	/* The largest buffer: audio plus a volume area of half of it. */
	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, XSF_MAX_SHBUF_BYTES), 0);
	shbuf_check_layout(test, buf, XSF_MAX_SHBUF_BYTES / XEN_PAGE_SIZE);
}

/* Walk the chain for @size as a backend does; return the grants it lists. */
static unsigned int shbuf_walk(struct kunit *test, struct xsf_shbuf *buf,
			       size_t size)
{
	unsigned int nr = DIV_ROUND_UP(size, XEN_PAGE_SIZE), seen = 0, i;
	grant_ref_t ref = xsf_shbuf_directory(buf);

	while (ref && seen < nr + XSF_GREFS_PER_DIR_PAGE) {
		struct xensnd_page_directory *dir =
			page_address(shbuf_grant(ref)->page);

		for (i = 0; i < XSF_GREFS_PER_DIR_PAGE && dir->gref[i]; i++, seen++)
			KUNIT_EXPECT_EQ(test, dir->gref[i], buf->grefs[seen]);
		ref = dir->gref_dir_next_page;
	}
	return seen;
}

/*
 * A buffer allocated with room for a volume area is described for what
 * one OPEN announces: exactly ceil(size / page) grants, the chain ending
 * after the last directory page needed; and back to the whole again.
 */
static void shbuf_describe_announced_size(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);
	unsigned int per = XSF_GREFS_PER_DIR_PAGE;
	size_t whole = (per + 5) * XEN_PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, whole), 0);
	KUNIT_ASSERT_EQ(test, buf->nr_dir_pages, 2U);
	KUNIT_EXPECT_EQ(test, shbuf_walk(test, buf, whole), per + 5);

	KUNIT_EXPECT_EQ(test, xsf_shbuf_describe(buf, 3 * XEN_PAGE_SIZE + 1),
			buf->dir_grefs[0]);
	KUNIT_EXPECT_EQ(test, buf->described, (size_t)(3 * XEN_PAGE_SIZE + 1));
	KUNIT_EXPECT_EQ(test, shbuf_walk(test, buf, 3 * XEN_PAGE_SIZE + 1), 4U);
	KUNIT_EXPECT_EQ(test, ((struct xensnd_page_directory *)
			       page_address(buf->dir_pages[0]))->gref_dir_next_page,
			0U);

	xsf_shbuf_describe(buf, per * XEN_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, shbuf_walk(test, buf, per * XEN_PAGE_SIZE), per);

	xsf_shbuf_describe(buf, whole);
	shbuf_check_layout(test, buf, per + 5);
	/* Never more than was allocated. */
	xsf_shbuf_describe(buf, 2 * whole);
	KUNIT_EXPECT_EQ(test, buf->described, whole);
}

static void shbuf_free_twice(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_shbuf *buf = shbuf_new(test);

	KUNIT_ASSERT_EQ(test, xsf_shbuf_alloc(xb, buf, 3 * XEN_PAGE_SIZE), 0);
	xsf_shbuf_free(buf);
	KUNIT_EXPECT_EQ(test, xsf_fake_io_live_grants(), 0U);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 4U);
	xsf_shbuf_free(buf);
	KUNIT_EXPECT_EQ(test, xsf_fake_io.nr_pages_freed, 4U);
	KUNIT_EXPECT_EQ(test, buf->nr_pages, 0U);
}

static struct kunit_case xsf_shbuf_cases[] = {
	KUNIT_CASE(shbuf_one_page),
	KUNIT_CASE(shbuf_many_pages),
	KUNIT_CASE(shbuf_exactly_one_directory_page),
	KUNIT_CASE(shbuf_chained_directory),
	KUNIT_CASE(shbuf_dir_pages_for_table),
	KUNIT_CASE(shbuf_grant_zero_refused),
	KUNIT_CASE(shbuf_grant_fails_midway),
	KUNIT_CASE(shbuf_grant_fails_in_directory),
	KUNIT_CASE(shbuf_pages_zeroed),
	KUNIT_CASE(shbuf_data_reaches_backend),
	KUNIT_CASE(shbuf_one_grant_per_xen_page),
	KUNIT_CASE(shbuf_revoke_while_mapped),
	KUNIT_CASE(shbuf_size_limits),
	KUNIT_CASE(shbuf_describe_announced_size),
	KUNIT_CASE(shbuf_free_twice),
	{}
};

static struct kunit_suite xsf_shbuf_suite = {
	.name = "snd_xen_front_shbuf",
	.init = xsf_test_init,
	.test_cases = xsf_shbuf_cases,
};

kunit_test_suite(xsf_shbuf_suite);
