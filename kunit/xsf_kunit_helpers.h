/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fixtures shared by the KUnit suites.
 *
 * - Device fixture: a xenbus device with a registered struct device, the
 *   driver's struct xsf_front around it, a simulated backend and a
 *   XenStore tree in the fake store; all of it is undone when the test
 *   ends.
 * - xsf_test_init() is every suite's .init (fakes emptied), and
 *   xsf_test_wq_init()/xsf_test_wq_exit() the .suite_init/.suite_exit of
 *   the suites whose devices defer work.
 * - Trees: xsf_test_store_config() writes a card from a layout string
 *   (XSF_TEST_TREE_* for the usual ones); XSF_TEST_N() and XSF_TEST_B()
 *   name nodes of the frontend's and the backend's directory.
 * - ALSA fixtures: a substream opened as an application opens it, then
 *   configured, prepared, fed and started with the standard parameters
 *   (XSF_TEST_PERIOD_BYTES, XSF_TEST_BUFFER_BYTES, XSF_TEST_FRAME_BYTES).
 */
#ifndef XSF_KUNIT_HELPERS_H
#define XSF_KUNIT_HELPERS_H

#include <kunit/test.h>
#include <sound/pcm.h>

#include "sim_backend.h"
#include "xsf_alsa.h"
#include "xsf_fake.h"

/* The frontend's and the backend's XenStore directories. */
#define XSF_TEST_NODE		"device/vsnd/0"
#define XSF_TEST_OTHEREND	"backend/vsnd/1/0"

/* A node below the frontend's directory: XSF_TEST_N("0/0/type"). */
#define XSF_TEST_N(node)	XSF_TEST_NODE "/" node
/* A node below the backend's directory: XSF_TEST_B("state"). */
#define XSF_TEST_B(node)	XSF_TEST_OTHEREND "/" node

/* Layouts for xsf_test_store_config(): streams per PCM device. */
#define XSF_TEST_TREE_PLAYBACK		"p"
#define XSF_TEST_TREE_CAPTURE		"c"
#define XSF_TEST_TREE_DUPLEX		"pc"
#define XSF_TEST_TREE_TWO_DEVICES	"pc,c"

/*
 * The standard stream of the ALSA fixtures: S16_LE, 48 kHz, stereo,
 * periods of 256 frames, 4 periods.
 */
#define XSF_TEST_RATE		48000U
#define XSF_TEST_CHANNELS	2U
#define XSF_TEST_FRAME_BYTES	4U
#define XSF_TEST_PERIOD_BYTES	1024U
#define XSF_TEST_PERIODS	4U
#define XSF_TEST_BUFFER_BYTES	(XSF_TEST_PERIODS * XSF_TEST_PERIOD_BYTES)

/**
 * struct xsf_test_front - a vsnd device as the tests see it
 * @xb: the xenbus device (its struct device is registered)
 * @front: the driver's device state
 * @sim: the simulated backend
 */
struct xsf_test_front {
	struct xenbus_device *xb;
	struct xsf_front *front;
	struct sim_backend *sim;
};

int xsf_test_init(struct kunit *test);
void xsf_test_reset_fakes(void);
extern struct workqueue_struct *xsf_test_wq;
int xsf_test_wq_init(struct kunit_suite *suite);
void xsf_test_wq_exit(struct kunit_suite *suite);
void xsf_test_set_timeout(struct kunit *test, unsigned int *param,
			  unsigned int ms);

struct xenbus_device *xsf_test_xb_new(struct kunit *test);
struct xsf_test_front *xsf_test_front_new(struct kunit *test);
int xsf_test_store_config(const char *layout);
struct xsf_test_front *xsf_test_front_with_tree(struct kunit *test,
						const char *layout);
int xsf_test_connect(struct kunit *test, struct xsf_test_front *tf);
struct xsf_test_front *xsf_test_connected(struct kunit *test,
					  const char *layout);
unsigned int xsf_test_store_u32(struct kunit *test, const char *path);

int xsf_test_log_index(const struct sim_chan *sc, u8 operation,
		       unsigned int nth);
const struct sim_log_entry *xsf_test_req(struct kunit *test,
					 const struct sim_chan *sc,
					 u8 operation, unsigned int nth);
int xsf_test_last_trigger(const struct sim_chan *sc);

/**
 * struct xsf_test_pcm - an ALSA substream opened from the kernel
 * @test: the test
 * @tf: the device
 * @card: the card it belongs to
 * @stream: the driver's stream
 * @sub: the substream
 * @sc: the backend's side of the stream
 * @file: stands for the user's open file (the card counts it as a user)
 * @open: not yet closed
 * @written: playback octets written through ALSA so far
 */
struct xsf_test_pcm {
	struct kunit *test;
	struct xsf_test_front *tf;
	struct snd_card *card;
	struct xsf_pcm_stream *stream;
	struct snd_pcm_substream *sub;
	struct sim_chan *sc;
	struct file *file;
	bool open;
	u64 written;
};

int xsf_test_pcm_try_open(struct kunit *test, struct xsf_test_front *tf,
			  unsigned int index, struct xsf_test_pcm **tpp);
struct xsf_test_pcm *xsf_test_pcm_open(struct kunit *test,
				       struct xsf_test_front *tf,
				       unsigned int index);
void xsf_test_pcm_close(struct xsf_test_pcm *tp);
void xsf_test_params_any(struct snd_pcm_hw_params *params);
void xsf_test_params_set(struct snd_pcm_hw_params *params,
			 snd_pcm_hw_param_t var, unsigned int value);
int xsf_test_pcm_hw_params(struct xsf_test_pcm *tp, snd_pcm_format_t format,
			   unsigned int rate, unsigned int channels,
			   unsigned int period_frames, unsigned int periods);
int xsf_test_pcm_ioctl(struct xsf_test_pcm *tp, unsigned int cmd);
int xsf_test_pcm_trigger(struct xsf_test_pcm *tp, int cmd);
int xsf_test_pcm_pause(struct xsf_test_pcm *tp, bool push);
int xsf_test_pcm_reset(struct xsf_test_pcm *tp);
long xsf_test_pcm_write(struct xsf_test_pcm *tp, unsigned int bytes);
u8 xsf_test_pattern(u64 n);

struct xsf_test_pcm *xsf_test_pcm_setup(struct kunit *test,
					struct xsf_test_front *tf,
					unsigned int index);
struct xsf_test_pcm *xsf_test_pcm_prepared(struct kunit *test,
					   struct xsf_test_front *tf,
					   unsigned int index);
void xsf_test_pcm_feed(struct kunit *test, struct xsf_test_pcm *tp,
		       unsigned int bytes);
void xsf_test_pcm_start(struct kunit *test, struct xsf_test_pcm *tp);
void xsf_test_pcm_pos(struct xsf_test_pcm *tp, u64 position);
snd_pcm_uframes_t xsf_test_pcm_hw_ptr(struct xsf_test_pcm *tp);
snd_pcm_uframes_t xsf_test_pcm_hwsync(struct xsf_test_pcm *tp);
snd_pcm_state_t xsf_test_pcm_state(struct xsf_test_pcm *tp);
void xsf_test_pcm_expect_rw(struct kunit *test, struct xsf_test_pcm *tp,
			    u8 operation, unsigned int nth, u32 offset,
			    u32 length);
void xsf_test_pcm_expect_played(struct kunit *test, struct xsf_test_pcm *tp,
				size_t bytes);

#endif /* XSF_KUNIT_HELPERS_H */
