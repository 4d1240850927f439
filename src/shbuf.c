// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Shared buffers: data pages granted to the backend plus the page
 * directory that lists their grant references (sndif.h, "Shared page for
 * XENSND_OP_OPEN buffer descriptor").
 *
 * Each directory page starts with the grant of the next directory page
 * (0 ends the chain, which is why grant reference 0 must never be used)
 * followed by up to XSF_GREFS_PER_DIR_PAGE data page grants.  Pages are
 * zeroed before they are granted so no stale guest memory leaks to the
 * backend.
 *
 * A buffer may be allocated larger than what one XENSND_OP_OPEN announces
 * (the stream's volume area is used only with backends that implement
 * volume): xsf_shbuf_describe() writes the directory for exactly the
 * announced size before each OPEN, so the chain holds exactly
 * ceil(buffer_sz / XEN_PAGE_SIZE) grants, as sndif.h counts them.
 *
 * Data and directory pages are granted writable.  sndif.h does not say
 * how a backend maps the directory; the in-tree driver grants it
 * writable and libxenbe (the library of the public snd_be backend) maps
 * every grant it is given read-write, so a read-only directory makes
 * every OPEN fail there.  Nothing here ever reads a directory back: it is
 * rewritten from our own arrays before each OPEN.
 *
 * Revocation never frees a page the backend may still map: every granted
 * page is handed to xsf_io_end_grant(), which frees it only once the
 * grant is really gone (at once, or later from the grant table's deferred
 * list).  Pages are therefore never freed here after they were granted.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "xsf_proto.h"
#include "xsf_xenio.h"

/**
 * xsf_shbuf_dir_pages_for() - directory pages needed for some data pages
 * @nr_pages: number of data pages
 *
 * Return: the number of page directory pages (at least one).
 */
unsigned int xsf_shbuf_dir_pages_for(unsigned int nr_pages)
{
	return max_t(unsigned int, 1,
		     DIV_ROUND_UP(nr_pages, XSF_GREFS_PER_DIR_PAGE));
}

/*
 * Grant @page and store the reference.  Grant reference 0 is reserved
 * (sndif.h) and doubles as the end of the directory chain: refuse it.
 */
static int xsf_shbuf_grant(struct xenbus_device *xb, struct page *page,
			   bool readonly, grant_ref_t *ref)
{
	int ret = xsf_io_grant_page(xb, page, readonly, ref);

	if (ret)
		return ret;
	if (*ref == 0) {
		dev_err(&xb->dev, "grant table returned reserved reference 0\n");
		return -EIO;
	}
	return 0;
}

static void xsf_shbuf_release_arrays(struct xsf_shbuf *buf)
{
	kfree(buf->pages);
	kfree(buf->grefs);
	kfree(buf->dir_pages);
	kfree(buf->dir_grefs);
	memset(buf, 0, sizeof(*buf));
}

/**
 * xsf_shbuf_alloc() - allocate, clear, grant and describe a shared buffer
 * @xb: the xenbus device (the backend domain receives the grants)
 * @buf: receives the buffer; free it with xsf_shbuf_free()
 * @size: size in octets, at least 1
 *
 * Return: 0, -EINVAL for a zero or oversized @size, -ENOMEM, or the grant
 * table's error.  On failure nothing stays allocated or granted.
 */
int xsf_shbuf_alloc(struct xenbus_device *xb, struct xsf_shbuf *buf,
		    size_t size)
{
	unsigned int i, nr_pages, nr_dir;
	int ret;

	memset(buf, 0, sizeof(*buf));
	if (!size || size > XSF_MAX_SHBUF_BYTES)
		return -EINVAL;
	BUILD_BUG_ON(PAGE_SIZE != XEN_PAGE_SIZE);

	nr_pages = DIV_ROUND_UP(size, XEN_PAGE_SIZE);
	nr_dir = xsf_shbuf_dir_pages_for(nr_pages);
	buf->size = size;
	buf->pages = kcalloc(nr_pages, sizeof(*buf->pages), GFP_KERNEL);
	buf->grefs = kcalloc(nr_pages, sizeof(*buf->grefs), GFP_KERNEL);
	buf->dir_pages = kcalloc(nr_dir, sizeof(*buf->dir_pages), GFP_KERNEL);
	buf->dir_grefs = kcalloc(nr_dir, sizeof(*buf->dir_grefs), GFP_KERNEL);
	if (!buf->pages || !buf->grefs || !buf->dir_pages || !buf->dir_grefs) {
		xsf_shbuf_release_arrays(buf);
		return -ENOMEM;
	}

	for (buf->nr_pages = 0; buf->nr_pages < nr_pages; buf->nr_pages++) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

		if (!page) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = xsf_shbuf_grant(xb, page, false,
				      &buf->grefs[buf->nr_pages]);
		if (ret) {
			/* Not granted (or the reference is unusable). */
			if (buf->grefs[buf->nr_pages])
				xsf_io_end_grant(buf->grefs[buf->nr_pages],
						 page);
			else
				__free_page(page);
			goto fail;
		}
		buf->pages[buf->nr_pages] = page;
	}

	for (buf->nr_dir_pages = 0; buf->nr_dir_pages < nr_dir;
	     buf->nr_dir_pages++) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

		if (!page) {
			ret = -ENOMEM;
			goto fail;
		}
		buf->dir_pages[buf->nr_dir_pages] = page;
	}
	for (i = 0; i < nr_dir; i++) {
		ret = xsf_shbuf_grant(xb, buf->dir_pages[i], false,
				      &buf->dir_grefs[i]);
		if (ret)
			goto fail;
	}
	xsf_shbuf_describe(buf, size);

	buf->vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!buf->vaddr) {
		ret = -ENOMEM;
		goto fail;
	}
	return 0;

fail:
	xsf_shbuf_free(buf);
	return ret;
}

/**
 * xsf_shbuf_free() - revoke and release a shared buffer
 * @buf: the buffer; left empty, so freeing it again does nothing
 *
 * Granted pages are handed to the grant table, which frees each one only
 * when the backend no longer maps it.
 */
void xsf_shbuf_free(struct xsf_shbuf *buf)
{
	unsigned int i;

	if (buf->vaddr)
		vunmap(buf->vaddr);
	buf->vaddr = NULL;

	for (i = 0; i < buf->nr_dir_pages; i++) {
		if (!buf->dir_pages[i])
			continue;
		if (buf->dir_grefs[i])
			xsf_io_end_grant(buf->dir_grefs[i], buf->dir_pages[i]);
		else
			__free_page(buf->dir_pages[i]);
	}
	for (i = 0; i < buf->nr_pages; i++) {
		if (buf->grefs[i])
			xsf_io_end_grant(buf->grefs[i], buf->pages[i]);
		else
			__free_page(buf->pages[i]);
	}
	xsf_shbuf_release_arrays(buf);
}

/* End the grant @ref unless it is in use; 0 on success, 1 if in use. */
static unsigned int xsf_shbuf_revoke_page(grant_ref_t *ref)
{
	if (!*ref)
		return 0;
	if (!xsf_io_try_end_grant(*ref))
		return 1;
	*ref = 0;
	return 0;
}

/**
 * xsf_shbuf_revoke() - take the backend's access away, keep the pages
 * @buf: an allocated buffer
 *
 * For a backend that went away while the buffer is still in use (an
 * application has it open, perhaps mapped): every grant it does not map
 * is ended, so that nothing the application writes later can reach
 * another domain.  A grant still mapped cannot be taken back; it stays
 * until xsf_shbuf_regrant() or xsf_shbuf_free() finds it unmapped.  The
 * pages stay, and xsf_shbuf_regrant() grants them again.
 *
 * Return: the number of grants still in use.
 */
unsigned int xsf_shbuf_revoke(struct xsf_shbuf *buf)
{
	unsigned int i, in_use = 0;

	for (i = 0; i < buf->nr_pages; i++)
		in_use += xsf_shbuf_revoke_page(&buf->grefs[i]);
	for (i = 0; i < buf->nr_dir_pages; i++)
		in_use += xsf_shbuf_revoke_page(&buf->dir_grefs[i]);
	return in_use;
}

/* Grant @page again unless its grant @ref is still in use. */
static int xsf_shbuf_regrant_page(struct xenbus_device *xb,
				  struct page *page, grant_ref_t *ref)
{
	if (*ref) {
		if (!xsf_io_try_end_grant(*ref))
			return 0; /* still mapped: still a valid grant */
		*ref = 0;
	}
	return xsf_shbuf_grant(xb, page, false, ref);
}

/**
 * xsf_shbuf_regrant() - grant a buffer's pages anew
 * @xb: the xenbus device
 * @buf: an allocated buffer
 *
 * After a restore the grant table the references were made in is gone.
 * Each page whose grant the new table does not know is granted again
 * (a grant still in use stays as it is), and the directory is rewritten.
 * The pages, and so the kernel mapping and any mmap of them, stay.
 *
 * Return: 0, or the grant table's error; on error the buffer stays
 * valid to free, with the pages not granted again holding reference 0.
 */
int xsf_shbuf_regrant(struct xenbus_device *xb, struct xsf_shbuf *buf)
{
	unsigned int i;
	int ret;

	for (i = 0; i < buf->nr_pages; i++) {
		ret = xsf_shbuf_regrant_page(xb, buf->pages[i], &buf->grefs[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < buf->nr_dir_pages; i++) {
		ret = xsf_shbuf_regrant_page(xb, buf->dir_pages[i],
					     &buf->dir_grefs[i]);
		if (ret)
			return ret;
	}
	xsf_shbuf_describe(buf, buf->described);
	return 0;
}

/**
 * xsf_shbuf_describe() - write the page directory for an announced size
 * @buf: an allocated buffer
 * @size: the buffer_sz of the next XENSND_OP_OPEN, 1 to @buf->size
 *
 * The chain then lists exactly the first ceil(@size / XEN_PAGE_SIZE) data
 * pages and ends (next page 0) after the directory page with the last of
 * them.  Called before the backend may read the directory, that is
 * before the OPEN that announces @size.
 *
 * Return: the grant of the first directory page, for gref_directory.
 */
grant_ref_t xsf_shbuf_describe(struct xsf_shbuf *buf, size_t size)
{
	unsigned int nr_pages, nr_dir, d, i, first, count;

	size = clamp_t(size_t, size, 1, buf->size);
	nr_pages = DIV_ROUND_UP(size, XEN_PAGE_SIZE);
	nr_dir = xsf_shbuf_dir_pages_for(nr_pages);
	for (d = 0; d < buf->nr_dir_pages; d++) {
		struct xensnd_page_directory *dir =
			page_address(buf->dir_pages[d]);

		memset(dir, 0, XEN_PAGE_SIZE);
		if (d >= nr_dir)
			continue;
		first = d * XSF_GREFS_PER_DIR_PAGE;
		count = min_t(unsigned int, nr_pages - first,
			      XSF_GREFS_PER_DIR_PAGE);
		for (i = 0; i < count; i++)
			dir->gref[i] = buf->grefs[first + i];
		dir->gref_dir_next_page = d + 1 < nr_dir ?
					  buf->dir_grefs[d + 1] : 0;
	}
	/*
	 * The backend reads the directory only after the OPEN request, and
	 * pushing a request onto the ring orders these stores before it.
	 */
	buf->described = size;
	return buf->dir_grefs[0];
}

/**
 * xsf_shbuf_directory() - grant reference to give in XENSND_OP_OPEN
 * @buf: an allocated buffer
 *
 * Return: the grant of the first page directory page.
 */
grant_ref_t xsf_shbuf_directory(const struct xsf_shbuf *buf)
{
	return buf->dir_grefs[0];
}
