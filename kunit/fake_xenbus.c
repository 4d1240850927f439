// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fake xenbus for KUnit: the xenbus functions the driver calls, with the
 * kernel's own prototypes, over an in-memory XenStore.  Transactions stage
 * their writes and commit them at the end unless a test asked for -EAGAIN.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/xenbus.h>

#include "xsf_fake.h"

struct xsf_fake_node {
	struct list_head link;
	char *path;
	char *value;
};

struct xsf_fake_bus xsf_fake_bus;
static LIST_HEAD(xsf_fake_nodes);
static LIST_HEAD(xsf_fake_staged);
static u32 xsf_fake_next_xbt;

static struct xsf_fake_node *xsf_fake_find(struct list_head *list,
					   const char *path)
{
	struct xsf_fake_node *node;

	list_for_each_entry(node, list, link)
		if (!strcmp(node->path, path))
			return node;
	return NULL;
}

static void xsf_fake_free_list(struct list_head *list)
{
	struct xsf_fake_node *node, *next;

	list_for_each_entry_safe(node, next, list, link) {
		list_del(&node->link);
		kfree(node->path);
		kfree(node->value);
		kfree(node);
	}
}

static int xsf_fake_put(struct list_head *list, const char *path,
			const char *value)
{
	struct xsf_fake_node *node = xsf_fake_find(list, path);
	char *copy = kstrdup(value, GFP_KERNEL);

	if (!copy)
		return -ENOMEM;
	if (node) {
		kfree(node->value);
		node->value = copy;
		return 0;
	}
	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (node)
		node->path = kstrdup(path, GFP_KERNEL);
	if (!node || !node->path) {
		kfree(node);
		kfree(copy);
		return -ENOMEM;
	}
	node->value = copy;
	list_add_tail(&node->link, list);
	return 0;
}

/**
 * xsf_fake_store_reset() - empty the store and clear all recorded calls
 */
void xsf_fake_store_reset(void)
{
	xsf_fake_free_list(&xsf_fake_nodes);
	xsf_fake_free_list(&xsf_fake_staged);
	memset(&xsf_fake_bus, 0, sizeof(xsf_fake_bus));
}

/**
 * xsf_fake_store_set() - create or replace a node
 * @path: full path
 * @value: value
 *
 * Return: 0 or -ENOMEM.
 */
int xsf_fake_store_set(const char *path, const char *value)
{
	return xsf_fake_put(&xsf_fake_nodes, path, value);
}

/**
 * xsf_fake_store_setf() - create or replace a node with a formatted value
 * @path: full path
 * @fmt: printf format of the value
 *
 * Return: 0 or -ENOMEM.
 */
int xsf_fake_store_setf(const char *path, const char *fmt, ...)
{
	va_list ap;
	char *value;
	int ret;

	va_start(ap, fmt);
	value = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!value)
		return -ENOMEM;
	ret = xsf_fake_store_set(path, value);
	kfree(value);
	return ret;
}

/**
 * xsf_fake_store_get() - value of a committed node
 * @path: full path
 *
 * Return: the value, or NULL if there is no such node.
 */
const char *xsf_fake_store_get(const char *path)
{
	struct xsf_fake_node *node = xsf_fake_find(&xsf_fake_nodes, path);

	return node ? node->value : NULL;
}

/**
 * xsf_fake_store_remove() - delete a node (not its children)
 * @path: full path
 */
void xsf_fake_store_remove(const char *path)
{
	struct xsf_fake_node *node = xsf_fake_find(&xsf_fake_nodes, path);

	if (node) {
		list_del(&node->link);
		kfree(node->path);
		kfree(node->value);
		kfree(node);
	}
}

/**
 * xsf_fake_store_count() - number of committed nodes
 *
 * Return: the count.
 */
unsigned int xsf_fake_store_count(void)
{
	struct xsf_fake_node *node;
	unsigned int n = 0;

	list_for_each_entry(node, &xsf_fake_nodes, link)
		n++;
	return n;
}

static char *xsf_fake_join(const char *dir, const char *node)
{
	if (!node[0])
		return kstrdup(dir, GFP_KERNEL);
	return kasprintf(GFP_KERNEL, "%s/%s", dir, node);
}

/**
 * xenbus_read() - fake: read a node of the fake store
 * @t: transaction (ignored: reads see committed nodes)
 * @dir: directory
 * @node: node below @dir, or "" for @dir itself
 * @len: receives the value's length (may be NULL)
 *
 * Return: a kmalloc'd copy of the value, or ERR_PTR(-ENOENT) or the
 * injected read error.
 */
void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len)
{
	char *path = xsf_fake_join(dir, node);
	const char *value;
	char *copy;

	if (!path)
		return ERR_PTR(-ENOMEM);
	if (xsf_fake_bus.read_error &&
	    !strcmp(path, xsf_fake_bus.read_error_path)) {
		kfree(path);
		return ERR_PTR(xsf_fake_bus.read_error);
	}
	value = xsf_fake_store_get(path);
	kfree(path);
	if (!value)
		return ERR_PTR(-ENOENT);
	copy = kstrdup(value, GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	if (len)
		*len = strlen(copy);
	return copy;
}

/**
 * xenbus_directory() - fake: list the children of a node
 * @t: transaction (ignored)
 * @dir: directory
 * @node: node below @dir, or ""
 * @num: receives the number of children
 *
 * Return: one kmalloc'd block of child names, or ERR_PTR(-ENOENT).
 */
char **xenbus_directory(struct xenbus_transaction t, const char *dir,
			const char *node, unsigned int *num)
{
	char *path = xsf_fake_join(dir, node);
	struct xsf_fake_node *entry;
	size_t plen, bytes = 0;
	unsigned int n = 0, i;
	char **children, *strings;
	bool exists = false;

	if (!path)
		return ERR_PTR(-ENOMEM);
	plen = strlen(path);
	/* Pass 1: count distinct first components below @path. */
	list_for_each_entry(entry, &xsf_fake_nodes, link) {
		const char *rest;
		size_t clen;
		struct xsf_fake_node *prev;
		bool dup = false;

		if (!strcmp(entry->path, path))
			exists = true;
		if (strncmp(entry->path, path, plen) || entry->path[plen] != '/')
			continue;
		exists = true;
		rest = entry->path + plen + 1;
		clen = strcspn(rest, "/");
		list_for_each_entry(prev, &xsf_fake_nodes, link) {
			if (prev == entry)
				break;
			if (!strncmp(prev->path, path, plen) &&
			    prev->path[plen] == '/' &&
			    !strncmp(prev->path + plen + 1, rest, clen) &&
			    (prev->path[plen + 1 + clen] == '/' ||
			     !prev->path[plen + 1 + clen])) {
				dup = true;
				break;
			}
		}
		if (!dup) {
			n++;
			bytes += clen + 1;
		}
	}
	if (!exists) {
		kfree(path);
		return ERR_PTR(-ENOENT);
	}
	children = kzalloc(n * sizeof(char *) + bytes, GFP_KERNEL);
	if (!children) {
		kfree(path);
		return ERR_PTR(-ENOMEM);
	}
	strings = (char *)(children + n);
	i = 0;
	list_for_each_entry(entry, &xsf_fake_nodes, link) {
		const char *rest;
		size_t clen;
		unsigned int j;
		bool dup = false;

		if (strncmp(entry->path, path, plen) || entry->path[plen] != '/')
			continue;
		rest = entry->path + plen + 1;
		clen = strcspn(rest, "/");
		for (j = 0; j < i; j++)
			if (strlen(children[j]) == clen &&
			    !strncmp(children[j], rest, clen))
				dup = true;
		if (dup)
			continue;
		memcpy(strings, rest, clen);
		strings[clen] = '\0';
		children[i++] = strings;
		strings += clen + 1;
	}
	kfree(path);
	*num = n;
	return children;
}

/**
 * xenbus_write() - fake: write a node, staged inside a transaction
 * @t: transaction, or XBT_NIL to write at once
 * @dir: directory
 * @node: node below @dir
 * @string: the value
 *
 * Return: 0, the injected write error, or -ENOMEM.
 */
int xenbus_write(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *string)
{
	char *path;
	int ret;

	if (xsf_fake_bus.write_error)
		return xsf_fake_bus.write_error;
	path = xsf_fake_join(dir, node);
	if (!path)
		return -ENOMEM;
	ret = xsf_fake_put(t.id ? &xsf_fake_staged : &xsf_fake_nodes, path,
			   string);
	kfree(path);
	return ret;
}

/**
 * xenbus_printf() - fake: write a formatted node
 * @t: transaction, or XBT_NIL
 * @dir: directory
 * @node: node below @dir
 * @fmt: printf format of the value
 *
 * Return: as xenbus_write().
 */
int xenbus_printf(struct xenbus_transaction t, const char *dir,
		  const char *node, const char *fmt, ...)
{
	va_list ap;
	char *value;
	int ret;

	va_start(ap, fmt);
	value = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!value)
		return -ENOMEM;
	ret = xenbus_write(t, dir, node, value);
	kfree(value);
	return ret;
}

/**
 * xenbus_transaction_start() - fake: begin a transaction
 * @t: receives the transaction
 *
 * Return: 0 or the injected start error.
 */
int xenbus_transaction_start(struct xenbus_transaction *t)
{
	if (xsf_fake_bus.start_error)
		return xsf_fake_bus.start_error;
	xsf_fake_bus.nr_transactions++;
	t->id = ++xsf_fake_next_xbt;
	return 0;
}

/**
 * xenbus_transaction_end() - fake: commit or abort a transaction
 * @t: the transaction
 * @abort: discard the staged writes
 *
 * Return: 0, or -EAGAIN (writes discarded) while the test asks for it.
 */
int xenbus_transaction_end(struct xenbus_transaction t, int abort)
{
	struct xsf_fake_node *node, *next;

	if (!abort && xsf_fake_bus.eagain_remaining) {
		xsf_fake_bus.eagain_remaining--;
		abort = 1;
		xsf_fake_free_list(&xsf_fake_staged);
		return -EAGAIN;
	}
	if (abort) {
		xsf_fake_free_list(&xsf_fake_staged);
		return 0;
	}
	list_for_each_entry_safe(node, next, &xsf_fake_staged, link)
		xsf_fake_put(&xsf_fake_nodes, node->path, node->value);
	xsf_fake_free_list(&xsf_fake_staged);
	xsf_fake_bus.nr_commits++;
	return 0;
}

/**
 * xenbus_switch_state() - fake: record a state switch
 * @dev: the device
 * @state: new state, also written to the device's state node
 *
 * Return: 0.
 */
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	if (xsf_fake_bus.nr_switches < XSF_FAKE_MAX_SWITCHES)
		xsf_fake_bus.switches[xsf_fake_bus.nr_switches++] = state;
	dev->state = state;
	if (dev->nodename) {
		char *path = xsf_fake_join(dev->nodename, "state");

		if (path)
			xsf_fake_store_setf(path, "%d", state);
		kfree(path);
	}
	return 0;
}

/**
 * xenbus_dev_error() - fake: ignore a non-fatal error report
 * @dev: the device
 * @err: the error
 * @fmt: message format
 */
void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...)
{
}

/**
 * xenbus_dev_fatal() - fake: record a fatal error and switch to Closing
 * @dev: the device
 * @err: the error
 * @fmt: message format
 */
void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	xsf_fake_bus.nr_fatal++;
	xsf_fake_bus.last_fatal_err = err;
	xenbus_switch_state(dev, XenbusStateClosing);
}

/**
 * xenbus_strstate() - fake: name of a xenbus state
 * @state: the state
 *
 * Return: a static string.
 */
const char *xenbus_strstate(enum xenbus_state state)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed", "Reconfiguring",
		"Reconfigured",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "INVALID";
}

/**
 * xenbus_read_driver_state() - fake: read a device's state node
 * @path: the device directory
 *
 * Return: the state, or XenbusStateUnknown if absent or malformed.
 */
enum xenbus_state xenbus_read_driver_state(const char *path)
{
	char *value = xenbus_read(XBT_NIL, path, "state", NULL);
	unsigned int state;

	if (IS_ERR(value))
		return XenbusStateUnknown;
	if (kstrtouint(value, 10, &state))
		state = XenbusStateUnknown;
	kfree(value);
	return state;
}

/**
 * __xenbus_register_frontend() - fake: front.c's driver is never bound
 * @drv: the driver
 * @owner: its module
 * @mod_name: its module's name
 *
 * The tests drive the bus directly; the module init that registers the
 * driver does not get this far without Xen.
 *
 * Return: -ENODEV.
 */
int __xenbus_register_frontend(struct xenbus_driver *drv, struct module *owner,
			       const char *mod_name)
{
	return -ENODEV;
}

/**
 * xenbus_unregister_driver() - fake: nothing was registered
 * @drv: the driver
 */
void xenbus_unregister_driver(struct xenbus_driver *drv)
{
}
