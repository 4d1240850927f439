// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Module entry points and the xenbus driver for "vsnd" devices.  Glue
 * only: bus.c decides and acts.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xen/xen.h>
#include <xen/platform_pci.h>
#include <xen/xenbus.h>

#include "xsf.h"

static int xsf_front_probe(struct xenbus_device *xb,
			   const struct xenbus_device_id *id)
{
	struct xsf_front *front;

	front = kzalloc(sizeof(*front), GFP_KERNEL);
	if (!front)
		return -ENOMEM;
	xsf_bus_init(front, xb);
	dev_set_drvdata(&xb->dev, front);
	/*
	 * Stay Initialising: the backend's InitWait (delivered through
	 * otherend_changed) starts the connection.
	 */
	return 0;
}

/**
 * xsf_front_do_remove() - the xenbus device goes away
 * @xb: the device
 *
 * Called through the xsf_xenbus_remove() shim of xsf_compat.h.
 */
void xsf_front_do_remove(struct xenbus_device *xb)
{
	struct xsf_front *front = dev_get_drvdata(&xb->dev);

	xsf_bus_remove(front);
	dev_set_drvdata(&xb->dev, NULL);
	xsf_front_put(front);
}

static void xsf_front_otherend_changed(struct xenbus_device *xb,
				       enum xenbus_state backend)
{
	struct xsf_front *front = dev_get_drvdata(&xb->dev);

	if (front)
		xsf_bus_backend_changed(front, backend);
}

static int xsf_front_suspend(struct xenbus_device *xb)
{
	return xsf_bus_suspend(dev_get_drvdata(&xb->dev));
}

static int xsf_front_resume(struct xenbus_device *xb)
{
	return xsf_bus_resume(dev_get_drvdata(&xb->dev));
}

static const struct xenbus_device_id xsf_front_ids[] = {
	{ XENSND_DRIVER_NAME },
	{ "" }
};

static struct xenbus_driver xsf_front_driver = {
	.ids = xsf_front_ids,
	.probe = xsf_front_probe,
	.remove = xsf_xenbus_remove,
	.suspend = xsf_front_suspend,
	.resume = xsf_front_resume,
	.otherend_changed = xsf_front_otherend_changed,
};

static int __init xsf_front_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	if (!xen_has_pv_devices())
		return -ENODEV;

	xsf_xenbus_set_not_essential(&xsf_front_driver);
	xsf_wq = alloc_workqueue("xen-snd-front", 0, 0);
	if (!xsf_wq)
		return -ENOMEM;
	pr_info("Xen para-virtual sound frontend %s\n", XSF_VERSION);
	ret = xenbus_register_frontend(&xsf_front_driver);
	if (ret)
		destroy_workqueue(xsf_wq);
	return ret;
}

static void __exit xsf_front_exit(void)
{
	xenbus_unregister_driver(&xsf_front_driver);
	destroy_workqueue(xsf_wq);
}

module_init(xsf_front_init);
module_exit(xsf_front_exit);

MODULE_DESCRIPTION("Xen para-virtual sound frontend (sndif protocol 2)");
MODULE_AUTHOR("The xen-snd-front developers");
MODULE_LICENSE("Dual MIT/GPL");
MODULE_VERSION(XSF_VERSION);
MODULE_ALIAS("xen:" XENSND_DRIVER_NAME);
