// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fixtures shared by the KUnit suites (see xsf_kunit_helpers.h).
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <sound/pcm_params.h>

#include "xsf_kunit_helpers.h"

/* ------------------------------------------------------------------ */
/* Suites                                                              */
/* ------------------------------------------------------------------ */

/**
 * xsf_test_reset_fakes() - empty the fake store and grant table
 */
void xsf_test_reset_fakes(void)
{
	xsf_fake_store_reset();
	xsf_fake_io_reset();
}

/**
 * xsf_test_init() - the .init of every suite
 * @test: the test about to run
 *
 * Every test starts with an empty fake XenStore, an empty grant table,
 * no event channel bound, no fault armed, and the playback pointer only
 * where the backend reported it (xsf_pcm_clock_runs off).
 *
 * Return: 0.
 */
int xsf_test_init(struct kunit *test)
{
	xsf_test_reset_fakes();
	xsf_pcm_clock_runs = false;
	return 0;
}

/* The devices' workqueue, which the module's init makes outside tests. */
struct workqueue_struct *xsf_test_wq;

/**
 * xsf_test_wq_init() - create the devices' workqueue for a suite
 * @suite: the suite
 *
 * Return: 0 or -ENOMEM.
 */
int xsf_test_wq_init(struct kunit_suite *suite)
{
	xsf_test_wq = alloc_workqueue("xsf-test", 0, 0);
	return xsf_test_wq ? 0 : -ENOMEM;
}

/**
 * xsf_test_wq_exit() - destroy the devices' workqueue after a suite
 * @suite: the suite
 */
void xsf_test_wq_exit(struct kunit_suite *suite)
{
	destroy_workqueue(xsf_test_wq);
	xsf_test_wq = NULL;
}

struct xsf_test_param {
	unsigned int *param;
	unsigned int saved;
};

static void xsf_test_restore_param(void *data)
{
	struct xsf_test_param *p = data;

	*p->param = p->saved;
}

/**
 * xsf_test_set_timeout() - change a timeout parameter for one test
 * @test: the test; the old value is restored when it ends
 * @param: e.g. &xsf_request_timeout_ms
 * @ms: the new value
 */
void xsf_test_set_timeout(struct kunit *test, unsigned int *param,
			  unsigned int ms)
{
	struct xsf_test_param *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->param = param;
	p->saved = *param;
	*param = ms;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, xsf_test_restore_param,
						  p));
}

/* ------------------------------------------------------------------ */
/* Device fixture                                                      */
/* ------------------------------------------------------------------ */

static atomic_t xsf_test_dev_seq = ATOMIC_INIT(0);

static void xsf_test_xb_release(struct device *dev)
{
	kfree(container_of(dev, struct xenbus_device, dev));
}

static void xsf_test_xb_unregister(void *data)
{
	struct xenbus_device *xb = data;

	device_unregister(&xb->dev);
}

/**
 * xsf_test_xb_new() - a xenbus device with a registered struct device
 * @test: the test; the device is unregistered when it ends
 *
 * nodename is XSF_TEST_NODE, otherend XSF_TEST_OTHEREND, state
 * Initialising.  ALSA needs a registered parent for the card.
 *
 * Return: the device.
 */
struct xenbus_device *xsf_test_xb_new(struct kunit *test)
{
	struct xenbus_device *xb = kzalloc(sizeof(*xb), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, xb);
	xb->nodename = XSF_TEST_NODE;
	xb->otherend = XSF_TEST_OTHEREND;
	xb->otherend_id = 1;
	xb->state = XenbusStateInitialising;
	device_initialize(&xb->dev);
	xb->dev.release = xsf_test_xb_release;
	ret = dev_set_name(&xb->dev, "xsf-test.%d",
			   atomic_inc_return(&xsf_test_dev_seq));
	if (!ret)
		ret = device_add(&xb->dev);
	if (ret) {
		put_device(&xb->dev);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, xsf_test_xb_unregister,
						  xb));
	return xb;
}

static void xsf_test_front_cleanup(void *data)
{
	struct xsf_test_front *tf = data;
	struct xsf_front *front = tf->front;

	sim_backend_stop(tf->sim);
	mutex_lock(&front->lock);
	front->removing = true;
	xsf_bus_free_channels(front);
	xsf_card_disconnect(front);
	mutex_unlock(&front->lock);
	cancel_delayed_work_sync(&front->retry_work);
	if (xsf_test_wq)
		flush_workqueue(xsf_test_wq);
	sim_backend_detach_all(tf->sim);
	xsf_front_put(front);
}

/**
 * xsf_test_front_new() - a vsnd device, its front state and a backend
 * @test: the test; everything is torn down when it ends
 *
 * Return: the fixture.
 */
struct xsf_test_front *xsf_test_front_new(struct kunit *test)
{
	struct xsf_test_front *tf = kunit_kzalloc(test, sizeof(*tf),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tf);
	tf->xb = xsf_test_xb_new(test);
	tf->front = xsf_bus_new(tf->xb, &xsf_card_client_ops, xsf_test_wq);
	KUNIT_ASSERT_NOT_NULL(test, tf->front);
	tf->sim = sim_backend_new(test);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, xsf_test_front_cleanup,
						  tf));
	return tf;
}

/**
 * xsf_test_store_config() - write a card configuration to the fake store
 * @layout: streams per PCM device, devices separated by ',': "pc,c" is
 *	device 0 with a playback and a capture stream, device 1 with a
 *	capture stream
 *
 * The card allows 8000, 44100 and 48000 Hz, s16_le and s32_le, 1 to 2
 * channels; unique-ids are "uid-P-S"; devices are named "PCM P"; the
 * backend node is in InitWait.
 *
 * Return: 0 or -ENOMEM.
 */
int xsf_test_store_config(const char *layout)
{
	unsigned int p = 0, s = 0;
	char path[128];
	const char *c;
	int ret;

	ret = xsf_fake_store_set(XSF_TEST_N("short-name"), "XenTest");
	ret = ret ?: xsf_fake_store_set(XSF_TEST_N("long-name"),
					"Xen test sound card");
	ret = ret ?: xsf_fake_store_set(XSF_TEST_N("sample-rates"),
					"8000,44100,48000");
	ret = ret ?: xsf_fake_store_set(XSF_TEST_N("sample-formats"),
					"s16_le,s32_le");
	ret = ret ?: xsf_fake_store_set(XSF_TEST_B("state"), "2");
	for (c = layout; !ret && *c; c++) {
		if (*c == ',') {
			p++;
			s = 0;
			continue;
		}
		if (!s) {
			snprintf(path, sizeof(path), XSF_TEST_NODE "/%u/name", p);
			ret = xsf_fake_store_setf(path, "PCM %u", p);
		}
		snprintf(path, sizeof(path), XSF_TEST_NODE "/%u/%u/type", p, s);
		ret = ret ?: xsf_fake_store_set(path, *c == 'c' ? "c" : "p");
		snprintf(path, sizeof(path), XSF_TEST_NODE "/%u/%u/unique-id",
			 p, s);
		ret = ret ?: xsf_fake_store_setf(path, "uid-%u-%u", p, s);
		s++;
	}
	return ret;
}

/**
 * xsf_test_connect() - bring a fixture's device to Connected
 * @test: the test
 * @tf: the fixture, with a configuration in the store
 *
 * The backend goes to InitWait, attaches to what the frontend published
 * and goes to Connected; the frontend creates its card.
 *
 * Return: 0 when the frontend is Connected with a card.
 */
int xsf_test_connect(struct kunit *test, struct xsf_test_front *tf)
{
	struct xsf_front *front = tf->front;
	int ret;

	xsf_fake_store_set(XSF_TEST_B("state"), "2");
	xsf_bus_backend_changed(front, XenbusStateInitWait);
	if (tf->xb->state != XenbusStateInitialised)
		return -EIO;
	ret = sim_backend_attach_store(tf->sim, XSF_TEST_NODE, &front->cfg);
	if (ret)
		return ret;
	xsf_fake_store_set(XSF_TEST_B("state"), "4");
	xsf_bus_backend_changed(front, XenbusStateConnected);
	sim_backend_sync(tf->sim);
	if (tf->xb->state != XenbusStateConnected || !front->card)
		return -EIO;
	return 0;
}

/**
 * xsf_test_front_with_tree() - a device fixture with a configuration
 * @test: the test; everything is torn down when it ends
 * @layout: the card, as for xsf_test_store_config()
 *
 * The backend node is in InitWait; nothing is connected yet.
 *
 * Return: the fixture (the test aborts on failure).
 */
struct xsf_test_front *xsf_test_front_with_tree(struct kunit *test,
						const char *layout)
{
	struct xsf_test_front *tf = xsf_test_front_new(test);

	KUNIT_ASSERT_EQ(test, xsf_test_store_config(layout), 0);
	return tf;
}

/**
 * xsf_test_connected() - a device connected to the simulated backend
 * @test: the test; everything is torn down when it ends
 * @layout: the card, as for xsf_test_store_config()
 *
 * Return: the fixture, Connected with a registered card (the test aborts
 * otherwise).
 */
struct xsf_test_front *xsf_test_connected(struct kunit *test,
					  const char *layout)
{
	struct xsf_test_front *tf = xsf_test_front_with_tree(test, layout);

	KUNIT_ASSERT_EQ(test, xsf_test_connect(test, tf), 0);
	return tf;
}

/**
 * xsf_test_store_u32() - a decimal node of the fake store
 * @test: the test; it aborts if the node is missing or not a number
 * @path: the node's full path
 *
 * Return: the value.
 */
unsigned int xsf_test_store_u32(struct kunit *test, const char *path)
{
	const char *value = xsf_fake_store_get(path);
	unsigned int v;

	KUNIT_ASSERT_NOT_NULL_MSG(test, value, "%s", path);
	KUNIT_ASSERT_EQ_MSG(test, kstrtouint(value, 10, &v), 0, "%s", path);
	return v;
}

/* ------------------------------------------------------------------ */
/* What the backend saw                                                */
/* ------------------------------------------------------------------ */

/**
 * xsf_test_log_index() - position of a request in the backend's log
 * @sc: the backend's side of a stream
 * @operation: XENSND_OP_*
 * @nth: 0 for the first request of @operation
 *
 * Return: the index in sc->log, or -1 if there is no such request.
 */
int xsf_test_log_index(const struct sim_chan *sc, u8 operation,
		       unsigned int nth)
{
	const struct sim_log_entry *e = sim_backend_find(sc, operation, nth);

	return e ? (int)(e - sc->log) : -1;
}

/**
 * xsf_test_req() - a request the backend must have seen
 * @test: the test; it aborts if there is no such request
 * @sc: the backend's side of a stream
 * @operation: XENSND_OP_*
 * @nth: 0 for the first request of @operation
 *
 * Return: the log entry.
 */
const struct sim_log_entry *xsf_test_req(struct kunit *test,
					 const struct sim_chan *sc,
					 u8 operation, unsigned int nth)
{
	const struct sim_log_entry *e = sim_backend_find(sc, operation, nth);

	KUNIT_ASSERT_NOT_NULL_MSG(test, e, "operation %u #%u", operation, nth);
	return e;
}

/**
 * xsf_test_last_trigger() - type of the last TRIGGER the backend saw
 * @sc: the backend's side of a stream
 *
 * Return: XENSND_OP_TRIGGER_*, or -1 if there was none.
 */
int xsf_test_last_trigger(const struct sim_chan *sc)
{
	unsigned int n = sc->nr_reqs[XENSND_OP_TRIGGER];
	const struct sim_log_entry *e;

	if (!n)
		return -1;
	e = sim_backend_find(sc, XENSND_OP_TRIGGER, n - 1);
	return e ? e->req.op.trigger.type : -1;
}

/* ------------------------------------------------------------------ */
/* ALSA fixtures                                                       */
/* ------------------------------------------------------------------ */

static void xsf_test_pcm_cleanup(void *data)
{
	xsf_test_pcm_close(data);
}

/**
 * xsf_test_pcm_try_open() - open a stream's substream, or say why not
 * @test: the test; the substream is closed when it ends
 * @tf: the device
 * @index: the stream's index in the card (configuration order)
 * @tpp: receives the fixture on success, NULL otherwise
 *
 * As xsf_test_pcm_open(), for tests in which opening may fail: the card
 * may be gone, its channel lost, or another substream of the direction
 * free first.
 *
 * Return: 0; -ENODEV without a card; -EINVAL for an index the card or
 * the backend does not have; -EBUSY when ALSA chose another substream;
 * -ENOMEM; or what ALSA or the driver returned.
 */
int xsf_test_pcm_try_open(struct kunit *test, struct xsf_test_front *tf,
			  unsigned int index, struct xsf_test_pcm **tpp)
{
	struct snd_card *card = tf->front->card;
	struct xsf_test_pcm *tp;
	struct xsf_card *xcard;
	struct snd_pcm *pcm;
	int ret;

	*tpp = NULL;
	if (!card)
		return -ENODEV;
	xcard = card->private_data;
	if (index >= xcard->nr_streams || index >= tf->sim->nr_chans)
		return -EINVAL;
	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	if (!tp)
		return -ENOMEM;
	tp->file = kunit_kzalloc(test, sizeof(*tp->file), GFP_KERNEL);
	if (!tp->file)
		return -ENOMEM;
	tp->test = test;
	tp->tf = tf;
	tp->card = card;
	tp->stream = &xcard->streams[index];
	tp->sc = tf->sim->chans[index];
	tp->file->f_flags = O_NONBLOCK;
	ret = snd_card_file_add(card, tp->file);
	if (ret)
		return ret;
	pcm = tp->stream->substream->pcm;
	mutex_lock(&pcm->open_mutex);
	ret = snd_pcm_open_substream(pcm, tp->stream->cfg.capture ?
				     SNDRV_PCM_STREAM_CAPTURE :
				     SNDRV_PCM_STREAM_PLAYBACK,
				     tp->file, &tp->sub);
	mutex_unlock(&pcm->open_mutex);
	if (ret) {
		snd_card_file_remove(card, tp->file);
		return ret;
	}
	tp->open = true;
	ret = kunit_add_action_or_reset(test, xsf_test_pcm_cleanup, tp);
	if (ret)
		return ret;
	if (tp->sub != tp->stream->substream) {
		xsf_test_pcm_close(tp);
		return -EBUSY;
	}
	*tpp = tp;
	return 0;
}

/**
 * xsf_test_pcm_open() - open a stream's substream as an application would
 * @test: the test; the substream is closed when it ends
 * @tf: a connected device
 * @index: the stream's index in the card (configuration order)
 *
 * The card gets a user (an open file), then ALSA opens the first free
 * substream of the stream's PCM device and direction, which must be the
 * stream's own.  The file is non-blocking.
 *
 * Return: the opened substream's fixture (the test aborts on failure).
 */
struct xsf_test_pcm *xsf_test_pcm_open(struct kunit *test,
				       struct xsf_test_front *tf,
				       unsigned int index)
{
	struct xsf_test_pcm *tp;

	KUNIT_ASSERT_EQ_MSG(test, xsf_test_pcm_try_open(test, tf, index, &tp),
			    0, "opening stream %u", index);
	return tp;
}

/**
 * xsf_test_pcm_close() - close the substream and the file, once
 * @tp: the fixture
 */
void xsf_test_pcm_close(struct xsf_test_pcm *tp)
{
	struct snd_pcm *pcm;

	if (!tp->open)
		return;
	tp->open = false;
	pcm = tp->sub->pcm;
	mutex_lock(&pcm->open_mutex);
	snd_pcm_release_substream(tp->sub);
	mutex_unlock(&pcm->open_mutex);
	snd_card_file_remove(tp->card, tp->file);
}

/**
 * xsf_test_params_any() - hardware parameters allowing everything
 * @params: the parameters
 *
 * As an application starts, but with read/write interleaved access (the
 * kernel's own read and write helpers need it).
 */
void xsf_test_params_any(struct snd_pcm_hw_params *params)
{
	struct snd_mask *access;

	_snd_pcm_hw_params_any(params);
	access = hw_param_mask(params, SNDRV_PCM_HW_PARAM_ACCESS);
	snd_mask_none(access);
	snd_mask_set(access, (__force unsigned int)SNDRV_PCM_ACCESS_RW_INTERLEAVED);
}

/**
 * xsf_test_params_set() - fix one interval parameter to a value
 * @params: the parameters
 * @var: an interval parameter
 * @value: its only allowed value
 */
void xsf_test_params_set(struct snd_pcm_hw_params *params,
			 snd_pcm_hw_param_t var, unsigned int value)
{
	struct snd_interval *iv = hw_param_interval(params, var);

	iv->min = value;
	iv->max = value;
	iv->openmin = 0;
	iv->openmax = 0;
	iv->integer = 1;
	iv->empty = 0;
}

/**
 * xsf_test_pcm_hw_params() - SNDRV_PCM_IOCTL_HW_PARAMS
 * @tp: the fixture
 * @format: the sample format
 * @rate: rate in Hz, 0 to leave open
 * @channels: channel count, 0 to leave open
 * @period_frames: period size, 0 to leave open
 * @periods: periods per buffer, 0 to leave open
 *
 * Afterwards ALSA neither starts the stream by itself nor stops it when
 * the backend's position passes the application's: the tests decide.
 *
 * Return: the ioctl's result.
 */
int xsf_test_pcm_hw_params(struct xsf_test_pcm *tp, snd_pcm_format_t format,
			   unsigned int rate, unsigned int channels,
			   unsigned int period_frames, unsigned int periods)
{
	struct snd_pcm_hw_params *params = kzalloc(sizeof(*params), GFP_KERNEL);
	struct snd_pcm_runtime *runtime = tp->sub->runtime;
	struct snd_mask *fmt;
	int ret;

	if (!params)
		return -ENOMEM;
	xsf_test_params_any(params);
	fmt = hw_param_mask(params, SNDRV_PCM_HW_PARAM_FORMAT);
	snd_mask_none(fmt);
	snd_mask_set_format(fmt, format);
	if (rate)
		xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_RATE, rate);
	if (channels)
		xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_CHANNELS,
				    channels);
	if (period_frames)
		xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_PERIOD_SIZE,
				    period_frames);
	if (periods)
		xsf_test_params_set(params, SNDRV_PCM_HW_PARAM_PERIODS,
				    periods);
	ret = snd_pcm_kernel_ioctl(tp->sub, SNDRV_PCM_IOCTL_HW_PARAMS, params);
	kfree(params);
	if (!ret) {
		runtime->start_threshold = runtime->boundary;
		runtime->stop_threshold = runtime->boundary;
	}
	return ret;
}

/**
 * xsf_test_pcm_ioctl() - an argument-less PCM ioctl (PREPARE, START, DROP)
 * @tp: the fixture
 * @cmd: SNDRV_PCM_IOCTL_*
 *
 * Return: the ioctl's result.
 */
int xsf_test_pcm_ioctl(struct xsf_test_pcm *tp, unsigned int cmd)
{
	return snd_pcm_kernel_ioctl(tp->sub, cmd, NULL);
}

/**
 * xsf_test_pcm_trigger() - call the driver's trigger as ALSA does
 * @tp: the fixture
 * @cmd: SNDRV_PCM_TRIGGER_*
 *
 * For commands the kernel has no in-kernel entry for (pause, drain);
 * ALSA's runtime state is not changed.
 *
 * Return: the driver's result.
 */
int xsf_test_pcm_trigger(struct xsf_test_pcm *tp, int cmd)
{
	int ret;

	snd_pcm_stream_lock_irq(tp->sub);
	ret = tp->sub->ops->trigger(tp->sub, cmd);
	snd_pcm_stream_unlock_irq(tp->sub);
	return ret;
}

static void xsf_test_pcm_set_state(struct snd_pcm_runtime *runtime,
				   snd_pcm_state_t state)
{
	runtime->state = state;
	runtime->status->state = state;
}

/**
 * xsf_test_pcm_pause() - SNDRV_PCM_IOCTL_PAUSE as ALSA carries it out
 * @tp: the fixture, a running (@push) or paused substream
 * @push: pause if true, release if false
 *
 * As snd_pcm_do_pause() and snd_pcm_post_pause() do, in one hold of the
 * stream lock: the next report skips ALSA's jiffies check, the driver's
 * trigger runs, and on success the state becomes PAUSED or RUNNING.
 *
 * Return: the driver's result.
 */
int xsf_test_pcm_pause(struct xsf_test_pcm *tp, bool push)
{
	struct snd_pcm_runtime *runtime = tp->sub->runtime;
	int ret;

	snd_pcm_stream_lock_irq(tp->sub);
	runtime->hw_ptr_jiffies = jiffies - HZ * 1000;
	ret = tp->sub->ops->trigger(tp->sub, push ?
				    SNDRV_PCM_TRIGGER_PAUSE_PUSH :
				    SNDRV_PCM_TRIGGER_PAUSE_RELEASE);
	if (!ret)
		xsf_test_pcm_set_state(runtime, push ? SNDRV_PCM_STATE_PAUSED :
					       SNDRV_PCM_STATE_RUNNING);
	snd_pcm_stream_unlock_irq(tp->sub);
	return ret;
}

/**
 * xsf_test_pcm_reset() - SNDRV_PCM_IOCTL_RESET as ALSA carries it out
 * @tp: the fixture
 *
 * The kernel has no in-kernel entry for it: as snd_pcm_do_reset() and
 * snd_pcm_post_reset() do, the driver's ioctl (or ALSA's default) for
 * SNDRV_PCM_IOCTL1_RESET, then the pointers moved without .ack.
 *
 * Return: the ioctl's result.
 */
int xsf_test_pcm_reset(struct xsf_test_pcm *tp)
{
	struct snd_pcm_substream *sub = tp->sub;
	struct snd_pcm_runtime *runtime = sub->runtime;
	int ret;

	if (sub->ops->ioctl)
		ret = sub->ops->ioctl(sub, SNDRV_PCM_IOCTL1_RESET, NULL);
	else
		ret = snd_pcm_lib_ioctl(sub, SNDRV_PCM_IOCTL1_RESET, NULL);
	if (ret)
		return ret;
	snd_pcm_stream_lock_irq(sub);
	runtime->hw_ptr_base = 0;
	runtime->hw_ptr_interrupt = runtime->status->hw_ptr -
				    runtime->status->hw_ptr % runtime->period_size;
	runtime->control->appl_ptr = runtime->status->hw_ptr;
	snd_pcm_stream_unlock_irq(sub);
	return 0;
}

/**
 * xsf_test_pattern() - the byte the tests play at a stream position
 * @n: octets played before it
 *
 * Return: the byte.
 */
u8 xsf_test_pattern(u64 n)
{
	return (u8)(n * 31 + 7);
}

/**
 * xsf_test_pcm_write() - write pattern bytes through ALSA
 * @tp: the fixture, a prepared or running playback substream
 * @bytes: how many octets (whole frames)
 *
 * Return: frames written or a negative errno.
 */
long xsf_test_pcm_write(struct xsf_test_pcm *tp, unsigned int bytes)
{
	u8 *buf = kmalloc(bytes, GFP_KERNEL);
	unsigned int i;
	long ret;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < bytes; i++)
		buf[i] = xsf_test_pattern(tp->written + i);
	ret = snd_pcm_kernel_write(tp->sub, buf,
				   bytes_to_frames(tp->sub->runtime, bytes));
	if (ret > 0)
		tp->written += frames_to_bytes(tp->sub->runtime, ret);
	kfree(buf);
	return ret;
}

/**
 * xsf_test_pcm_setup() - open a stream and set the standard parameters
 * @test: the test; it aborts on failure
 * @tf: a connected device
 * @index: the stream's index in the card
 *
 * S16_LE, XSF_TEST_RATE, XSF_TEST_CHANNELS, periods of
 * XSF_TEST_PERIOD_BYTES, XSF_TEST_PERIODS of them.
 *
 * Return: the substream's fixture.
 */
struct xsf_test_pcm *xsf_test_pcm_setup(struct kunit *test,
					struct xsf_test_front *tf,
					unsigned int index)
{
	struct xsf_test_pcm *tp = xsf_test_pcm_open(test, tf, index);

	KUNIT_ASSERT_EQ(test, xsf_test_pcm_hw_params(tp, SNDRV_PCM_FORMAT_S16_LE,
						     XSF_TEST_RATE,
						     XSF_TEST_CHANNELS,
						     XSF_TEST_PERIOD_BYTES /
						     XSF_TEST_FRAME_BYTES,
						     XSF_TEST_PERIODS), 0);
	return tp;
}

/**
 * xsf_test_pcm_prepared() - xsf_test_pcm_setup(), then PREPARE
 * @test: the test; it aborts on failure
 * @tf: a connected device
 * @index: the stream's index in the card
 *
 * Return: the substream's fixture, prepared; the backend has nothing
 * left to do.
 */
struct xsf_test_pcm *xsf_test_pcm_prepared(struct kunit *test,
					   struct xsf_test_front *tf,
					   unsigned int index)
{
	struct xsf_test_pcm *tp = xsf_test_pcm_setup(test, tf, index);

	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_PREPARE),
			0);
	sim_backend_sync(tf->sim);
	return tp;
}

/**
 * xsf_test_pcm_feed() - write pattern bytes and let the backend answer
 * @test: the test; it aborts unless every frame was taken
 * @tp: a prepared or running playback substream
 * @bytes: whole frames of the standard stream
 */
void xsf_test_pcm_feed(struct kunit *test, struct xsf_test_pcm *tp,
		       unsigned int bytes)
{
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_write(tp, bytes),
			(long)(bytes / XSF_TEST_FRAME_BYTES));
	sim_backend_sync(tp->tf->sim);
}

/**
 * xsf_test_pcm_start() - SNDRV_PCM_IOCTL_START and the backend's answer
 * @test: the test; it aborts if the start fails
 * @tp: a prepared substream
 *
 * Positions in the tests arrive at once; a real one comes after some
 * time.  The start is dated a second back, so that the clock allows the
 * first position a test sends.
 */
void xsf_test_pcm_start(struct kunit *test, struct xsf_test_pcm *tp)
{
	KUNIT_ASSERT_EQ(test, xsf_test_pcm_ioctl(tp, SNDRV_PCM_IOCTL_START), 0);
	sim_backend_sync(tp->tf->sim);
	tp->stream->start_jiffies = jiffies - HZ;
}

/**
 * xsf_test_pcm_pos() - the backend reports a position
 * @tp: the substream
 * @position: XENSND_EVT_CUR_POS value, octets
 *
 * The event gets the backend's next id and the event channel is raised;
 * returns once the backend has answered what the frontend sent back.
 */
void xsf_test_pcm_pos(struct xsf_test_pcm *tp, u64 position)
{
	sim_backend_event(tp->sc, XENSND_EVT_CUR_POS, position, true);
	sim_backend_sync(tp->tf->sim);
}

/**
 * xsf_test_pcm_hw_ptr() - ALSA's hardware pointer of the substream
 * @tp: the substream
 *
 * Return: the pointer, frames since the start of the run.
 */
snd_pcm_uframes_t xsf_test_pcm_hw_ptr(struct xsf_test_pcm *tp)
{
	return tp->sub->runtime->status->hw_ptr;
}

/**
 * xsf_test_pcm_hwsync() - ALSA's hardware pointer once it read the driver's
 * @tp: a running substream
 *
 * A period is reported only when one elapsed; in between, ALSA reads the
 * position when it is asked, as for an application's
 * SNDRV_PCM_IOCTL_DELAY.
 *
 * Return: the pointer, frames since the start of the run.
 */
snd_pcm_uframes_t xsf_test_pcm_hwsync(struct xsf_test_pcm *tp)
{
	snd_pcm_sframes_t delay;

	snd_pcm_kernel_ioctl(tp->sub, SNDRV_PCM_IOCTL_DELAY, &delay);
	return xsf_test_pcm_hw_ptr(tp);
}

/**
 * xsf_test_pcm_state() - ALSA's state of the substream
 * @tp: the substream
 *
 * Return: SNDRV_PCM_STATE_*.
 */
snd_pcm_state_t xsf_test_pcm_state(struct xsf_test_pcm *tp)
{
	return xsf_pcm_state(tp->sub->runtime);
}

/**
 * xsf_test_pcm_expect_rw() - check a READ or WRITE the backend saw
 * @test: the test
 * @tp: the substream
 * @operation: XENSND_OP_READ or XENSND_OP_WRITE
 * @nth: 0 for the first of them
 * @offset: the offset it must have
 * @length: the length it must have
 */
void xsf_test_pcm_expect_rw(struct kunit *test, struct xsf_test_pcm *tp,
			    u8 operation, unsigned int nth, u32 offset,
			    u32 length)
{
	const struct sim_log_entry *e = xsf_test_req(test, tp->sc, operation,
						     nth);

	KUNIT_EXPECT_EQ_MSG(test, e->req.op.rw.offset, offset, "#%u", nth);
	KUNIT_EXPECT_EQ_MSG(test, e->req.op.rw.length, length, "#%u", nth);
}

/**
 * xsf_test_pcm_expect_played() - the backend got exactly the pattern
 * @test: the test
 * @tp: a playback substream fed with xsf_test_pcm_write()
 * @bytes: how many octets the backend must have received
 */
void xsf_test_pcm_expect_played(struct kunit *test, struct xsf_test_pcm *tp,
				size_t bytes)
{
	size_t i;

	KUNIT_ASSERT_EQ(test, tp->sc->nr_data, bytes);
	for (i = 0; i < bytes; i++)
		if (tp->sc->data[i] != xsf_test_pattern(i)) {
			KUNIT_FAIL(test, "octet %zu is %#x, not %#x", i,
				   tp->sc->data[i], xsf_test_pattern(i));
			return;
		}
}
