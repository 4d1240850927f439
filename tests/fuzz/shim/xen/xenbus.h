/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fuzz build stub of the kernel's xenbus API: the device, the driver
 * (xsf_compat.h touches one field) and the XenStore calls cfg.c makes,
 * with the kernel's prototypes.  tests/fuzz/shim.c implements them over
 * an in-memory store.
 */
#ifndef XSF_FUZZ_XEN_XENBUS_H
#define XSF_FUZZ_XEN_XENBUS_H

#include <xsf_fuzz_shim.h>
#include <xen/io/xenbus.h>	/* enum xenbus_state, from libxen-dev */
#include <xen/event_channel.h>	/* evtchn_port_t */

struct xenbus_transaction {
	u32 id;
};

#define XBT_NIL ((struct xenbus_transaction) { 0 })

struct xenbus_device {
	const char *devicetype;
	const char *nodename;
	const char *otherend;
	int otherend_id;
	struct device dev;
	enum xenbus_state state;
};

struct xenbus_driver {
	const char *name;
	bool not_essential;
};

void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len);
char **xenbus_directory(struct xenbus_transaction t, const char *dir,
			const char *node, unsigned int *num);
enum xenbus_state xenbus_read_driver_state(const char *path);

#endif /* XSF_FUZZ_XEN_XENBUS_H */
