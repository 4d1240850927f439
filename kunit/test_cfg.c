// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite snd_xen_front_cfg: the XenStore configuration reader
 * against the fake store.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "xsf_kunit_helpers.h"

static const char *const cfg_base[][2] = {
	{ XSF_TEST_N("short-name"), "Xen" },
	{ XSF_TEST_N("long-name"), "Xen PV sound" },
	{ XSF_TEST_N("sample-rates"), "48000,8000,44100" },
	{ XSF_TEST_N("sample-formats"), "s16_le,s32_le" },
	{ XSF_TEST_N("channels-min"), "1" },
	{ XSF_TEST_N("channels-max"), "2" },
	{ XSF_TEST_N("buffer-size"), "65536" },
	{ XSF_TEST_N("0/name"), "Main" },
	{ XSF_TEST_N("0/0/type"), "p" },
	{ XSF_TEST_N("0/0/unique-id"), "pcm0-p" },
	{ XSF_TEST_N("0/1/type"), "c" },
	{ XSF_TEST_N("0/1/unique-id"), "pcm0-c" },
	{ XSF_TEST_N("1/sample-rates"), "44100,48000" },
	{ XSF_TEST_N("1/0/type"), "p" },
	{ XSF_TEST_N("1/0/unique-id"), "alsa<hw:Loopback;0;0>" },
};

static struct xenbus_device *cfg_setup(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cfg_base); i++)
		KUNIT_ASSERT_EQ(test, xsf_fake_store_set(cfg_base[i][0],
							 cfg_base[i][1]), 0);
	return xsf_test_xb_new(test);
}

/* Read; the configuration is freed when the test ends. */
static void cfg_free_action(void *data)
{
	xsf_cfg_free(data);
}

static int cfg_read(struct kunit *test, struct xenbus_device *xb,
		    struct xsf_card_cfg *cfg)
{
	int ret = xsf_cfg_read(xb, cfg);

	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   cfg_free_action,
							   cfg));
	return ret;
}

static char *cfg_repeat(struct kunit *test, char c, size_t n)
{
	char *s = kunit_kzalloc(test, n + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	memset(s, c, n);
	return s;
}

static void cfg_expect_failed(struct kunit *test, struct xsf_card_cfg *cfg)
{
	KUNIT_EXPECT_NULL(test, cfg->pcms);
	KUNIT_EXPECT_EQ(test, cfg->nr_pcms, 0U);
}

static void cfg_valid_tree(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_STREQ(test, cfg->short_name, "Xen");
	KUNIT_EXPECT_STREQ(test, cfg->long_name, "Xen PV sound");
	KUNIT_EXPECT_EQ(test, cfg->protocol, 2U);
	KUNIT_ASSERT_EQ(test, cfg->nr_pcms, 2U);
	KUNIT_EXPECT_EQ(test, xsf_cfg_nr_streams(cfg), 3U);
	KUNIT_EXPECT_STREQ(test, cfg->pcms[0].name, "Main");
	KUNIT_EXPECT_STREQ(test, cfg->pcms[1].name, "");
	KUNIT_ASSERT_EQ(test, cfg->pcms[0].nr_streams, 2U);
	KUNIT_ASSERT_EQ(test, cfg->pcms[1].nr_streams, 1U);
	KUNIT_EXPECT_FALSE(test, cfg->pcms[0].streams[0].capture);
	KUNIT_EXPECT_TRUE(test, cfg->pcms[0].streams[1].capture);
	KUNIT_EXPECT_FALSE(test, cfg->pcms[1].streams[0].capture);
	KUNIT_EXPECT_EQ(test, cfg->pcms[0].streams[1].index, 1U);
	KUNIT_EXPECT_STREQ(test, cfg->pcms[0].streams[0].unique_id, "pcm0-p");
	KUNIT_EXPECT_STREQ(test, cfg->pcms[0].streams[1].unique_id, "pcm0-c");
	/* Unique ids are opaque backend selectors. */
	KUNIT_EXPECT_STREQ(test, cfg->pcms[1].streams[0].unique_id,
			   "alsa<hw:Loopback;0;0>");
}

static void cfg_inheritance(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	const struct xsf_hw_cfg *card, *pcm0, *s00, *s01, *pcm1, *s10;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("0/0/sample-formats"), "s32_le");
	xsf_fake_store_set(XSF_TEST_N("0/0/channels-min"), "2");
	xsf_fake_store_set(XSF_TEST_N("0/1/buffer-size"), "8192");
	xsf_fake_store_set(XSF_TEST_N("0/channels-max"), "1");
	xsf_fake_store_remove(XSF_TEST_N("0/0/channels-min"));
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	card = &cfg->hw;
	pcm0 = &cfg->pcms[0].hw;
	s00 = &cfg->pcms[0].streams[0].hw;
	s01 = &cfg->pcms[0].streams[1].hw;
	pcm1 = &cfg->pcms[1].hw;
	s10 = &cfg->pcms[1].streams[0].hw;

	/* Card level: rates sorted. */
	KUNIT_ASSERT_EQ(test, card->nr_rates, 3U);
	KUNIT_EXPECT_EQ(test, card->rates[0], 8000U);
	KUNIT_EXPECT_EQ(test, card->rates[1], 44100U);
	KUNIT_EXPECT_EQ(test, card->rates[2], 48000U);
	KUNIT_EXPECT_EQ(test, card->formats,
			BIT_ULL(XENSND_PCM_FORMAT_S16_LE) |
			BIT_ULL(XENSND_PCM_FORMAT_S32_LE));
	KUNIT_EXPECT_EQ(test, card->buffer_bytes, 65536U);

	/* PCM 0 narrows channels; its streams inherit that. */
	KUNIT_EXPECT_EQ(test, pcm0->channels_max, 1U);
	KUNIT_EXPECT_EQ(test, pcm0->nr_rates, 3U);
	KUNIT_EXPECT_EQ(test, s00->channels_max, 1U);
	KUNIT_EXPECT_EQ(test, s00->formats, BIT_ULL(XENSND_PCM_FORMAT_S32_LE));
	KUNIT_EXPECT_EQ(test, s00->buffer_bytes, 65536U);
	KUNIT_EXPECT_EQ(test, s01->formats, card->formats);
	KUNIT_EXPECT_EQ(test, s01->buffer_bytes, 8192U);

	/* PCM 1 narrows rates; its stream inherits them. */
	KUNIT_ASSERT_EQ(test, pcm1->nr_rates, 2U);
	KUNIT_EXPECT_EQ(test, pcm1->rates[0], 44100U);
	KUNIT_ASSERT_EQ(test, s10->nr_rates, 2U);
	KUNIT_EXPECT_EQ(test, s10->rates[1], 48000U);
	KUNIT_EXPECT_EQ(test, s10->channels_min, 1U);
	KUNIT_EXPECT_EQ(test, s10->channels_max, 2U);
}

static void cfg_defaults(struct kunit *test)
{
	static const u32 rates[] = {
		8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000,
		176400, 192000,
	};
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	const struct xsf_hw_cfg *hw;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("0/0/type"), "p");
	xsf_fake_store_set(XSF_TEST_N("0/0/unique-id"), "0");
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_STREQ(test, cfg->short_name, "");
	KUNIT_EXPECT_STREQ(test, cfg->long_name, "");
	hw = &cfg->pcms[0].streams[0].hw;
	KUNIT_EXPECT_EQ(test, hw->formats, BIT_ULL(XENSND_PCM_FORMAT_S16_LE));
	KUNIT_EXPECT_EQ(test, hw->channels_min, 1U);
	KUNIT_EXPECT_EQ(test, hw->channels_max, 2U);
	KUNIT_EXPECT_EQ(test, hw->buffer_bytes, XSF_DEFAULT_BUFFER_BYTES);
	KUNIT_ASSERT_EQ(test, hw->nr_rates, (unsigned int)ARRAY_SIZE(rates));
	for (i = 0; i < ARRAY_SIZE(rates); i++)
		KUNIT_EXPECT_EQ(test, hw->rates[i], rates[i]);
}

static void cfg_card_channels_min_only(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_remove(XSF_TEST_N("channels-max"));
	xsf_fake_store_set(XSF_TEST_N("channels-min"), "6");
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_EQ(test, cfg->hw.channels_min, 6U);
	KUNIT_EXPECT_EQ(test, cfg->hw.channels_max, 6U);
	KUNIT_EXPECT_EQ(test, cfg->pcms[1].streams[0].hw.channels_min, 6U);
}

/* A tree with nothing at card level: only its streams say what they take. */
static struct xenbus_device *cfg_bare_setup(struct kunit *test)
{
	xsf_fake_store_set(XSF_TEST_N("0/0/type"), "p");
	xsf_fake_store_set(XSF_TEST_N("0/0/unique-id"), "a");
	xsf_fake_store_set(XSF_TEST_N("0/1/type"), "c");
	xsf_fake_store_set(XSF_TEST_N("0/1/unique-id"), "b");
	xsf_fake_store_set(XSF_TEST_N("1/0/type"), "p");
	xsf_fake_store_set(XSF_TEST_N("1/0/unique-id"), "c");
	return xsf_test_xb_new(test);
}

/*
 * Parameters only on streams: the driver's defaults are no limits, so a
 * stream may take six channels, S32_LE and a larger buffer than the
 * default; a stream that sets nothing keeps the defaults.
 */
static void cfg_params_at_stream_level_only(struct kunit *test)
{
	struct xenbus_device *xb = cfg_bare_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	const struct xsf_hw_cfg *hw;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("0/0/channels-max"), "6");
	xsf_fake_store_set(XSF_TEST_N("0/0/sample-formats"), "s32_le");
	xsf_fake_store_set(XSF_TEST_N("0/0/buffer-size"), "262144");
	xsf_fake_store_set(XSF_TEST_N("0/0/sample-rates"), "96000");
	xsf_fake_store_set(XSF_TEST_N("0/1/channels-min"), "4");
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	hw = &cfg->pcms[0].streams[0].hw;
	KUNIT_EXPECT_EQ(test, hw->channels_min, 1U);
	KUNIT_EXPECT_EQ(test, hw->channels_max, 6U);
	KUNIT_EXPECT_EQ(test, hw->formats, BIT_ULL(XENSND_PCM_FORMAT_S32_LE));
	KUNIT_EXPECT_EQ(test, hw->buffer_bytes, 262144U);
	KUNIT_ASSERT_EQ(test, hw->nr_rates, 1U);
	KUNIT_EXPECT_EQ(test, hw->rates[0], 96000U);
	/* A minimum above the default maximum raises it. */
	hw = &cfg->pcms[0].streams[1].hw;
	KUNIT_EXPECT_EQ(test, hw->channels_min, 4U);
	KUNIT_EXPECT_EQ(test, hw->channels_max, 4U);
	hw = &cfg->pcms[1].streams[0].hw;
	KUNIT_EXPECT_EQ(test, hw->formats, BIT_ULL(XENSND_PCM_FORMAT_S16_LE));
	KUNIT_EXPECT_EQ(test, hw->channels_max, 2U);
	KUNIT_EXPECT_EQ(test, hw->buffer_bytes, XSF_DEFAULT_BUFFER_BYTES);
}

/* Parameters only on a PCM device bind its streams, not the others. */
static void cfg_params_at_pcm_level_only(struct kunit *test)
{
	struct xenbus_device *xb = cfg_bare_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("0/channels-max"), "8");
	xsf_fake_store_set(XSF_TEST_N("0/sample-formats"), "s24_le,s32_le");
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_EQ(test, cfg->pcms[0].streams[0].hw.channels_max, 8U);
	KUNIT_EXPECT_EQ(test, cfg->pcms[0].streams[1].hw.formats,
			BIT_ULL(XENSND_PCM_FORMAT_S24_LE) |
			BIT_ULL(XENSND_PCM_FORMAT_S32_LE));
	KUNIT_EXPECT_EQ(test, cfg->pcms[1].streams[0].hw.channels_max, 2U);
	KUNIT_EXPECT_EQ(test, cfg->pcms[1].streams[0].hw.formats,
			BIT_ULL(XENSND_PCM_FORMAT_S16_LE));
}

/*
 * Mixed: what a level above set binds the levels below (subsets only);
 * what no level above set is free.
 */
static void cfg_params_mixed_levels(struct kunit *test)
{
	struct xenbus_device *xb = cfg_bare_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("sample-formats"), "s16_le,s32_le");
	xsf_fake_store_set(XSF_TEST_N("0/channels-max"), "6");
	xsf_fake_store_set(XSF_TEST_N("0/0/sample-formats"), "s32_le");
	xsf_fake_store_set(XSF_TEST_N("0/0/channels-max"), "4");
	xsf_fake_store_set(XSF_TEST_N("1/0/buffer-size"), "8192");
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_EQ(test, cfg->pcms[0].streams[0].hw.formats,
			BIT_ULL(XENSND_PCM_FORMAT_S32_LE));
	KUNIT_EXPECT_EQ(test, cfg->pcms[0].streams[0].hw.channels_max, 4U);
	KUNIT_EXPECT_EQ(test, cfg->pcms[0].streams[1].hw.channels_max, 6U);
	KUNIT_EXPECT_EQ(test, cfg->pcms[1].streams[0].hw.buffer_bytes, 8192U);
	xsf_cfg_free(cfg);

	/* But not beyond what a level above set. */
	xsf_fake_store_set(XSF_TEST_N("0/0/channels-max"), "7");
	KUNIT_EXPECT_EQ(test, xsf_cfg_read(xb, cfg), -EINVAL);
	cfg_expect_failed(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("0/0/channels-max"), "4");
	xsf_fake_store_set(XSF_TEST_N("1/0/sample-formats"), "u8");
	KUNIT_EXPECT_EQ(test, xsf_cfg_read(xb, cfg), -EINVAL);
	cfg_expect_failed(test, cfg);
}

static const struct {
	const char *name;
	int value;
} cfg_formats[] = {
	{ XENSND_PCM_FORMAT_S8_STR, XENSND_PCM_FORMAT_S8 },
	{ XENSND_PCM_FORMAT_U8_STR, XENSND_PCM_FORMAT_U8 },
	{ XENSND_PCM_FORMAT_S16_LE_STR, XENSND_PCM_FORMAT_S16_LE },
	{ XENSND_PCM_FORMAT_S16_BE_STR, XENSND_PCM_FORMAT_S16_BE },
	{ XENSND_PCM_FORMAT_U16_LE_STR, XENSND_PCM_FORMAT_U16_LE },
	{ XENSND_PCM_FORMAT_U16_BE_STR, XENSND_PCM_FORMAT_U16_BE },
	{ XENSND_PCM_FORMAT_S24_LE_STR, XENSND_PCM_FORMAT_S24_LE },
	{ XENSND_PCM_FORMAT_S24_BE_STR, XENSND_PCM_FORMAT_S24_BE },
	{ XENSND_PCM_FORMAT_U24_LE_STR, XENSND_PCM_FORMAT_U24_LE },
	{ XENSND_PCM_FORMAT_U24_BE_STR, XENSND_PCM_FORMAT_U24_BE },
	{ XENSND_PCM_FORMAT_S32_LE_STR, XENSND_PCM_FORMAT_S32_LE },
	{ XENSND_PCM_FORMAT_S32_BE_STR, XENSND_PCM_FORMAT_S32_BE },
	{ XENSND_PCM_FORMAT_U32_LE_STR, XENSND_PCM_FORMAT_U32_LE },
	{ XENSND_PCM_FORMAT_U32_BE_STR, XENSND_PCM_FORMAT_U32_BE },
	{ XENSND_PCM_FORMAT_F32_LE_STR, XENSND_PCM_FORMAT_F32_LE },
	{ XENSND_PCM_FORMAT_F32_BE_STR, XENSND_PCM_FORMAT_F32_BE },
	{ XENSND_PCM_FORMAT_F64_LE_STR, XENSND_PCM_FORMAT_F64_LE },
	{ XENSND_PCM_FORMAT_F64_BE_STR, XENSND_PCM_FORMAT_F64_BE },
	{ XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR,
	  XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE },
	{ XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR,
	  XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE },
	{ XENSND_PCM_FORMAT_MU_LAW_STR, XENSND_PCM_FORMAT_MU_LAW },
	{ XENSND_PCM_FORMAT_A_LAW_STR, XENSND_PCM_FORMAT_A_LAW },
	{ XENSND_PCM_FORMAT_IMA_ADPCM_STR, XENSND_PCM_FORMAT_IMA_ADPCM },
	{ XENSND_PCM_FORMAT_MPEG_STR, XENSND_PCM_FORMAT_MPEG },
	{ XENSND_PCM_FORMAT_GSM_STR, XENSND_PCM_FORMAT_GSM },
};

static void cfg_every_format_name(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	char *list = kunit_kzalloc(test, XSF_LIST_MAX_LEN, GFP_KERNEL);
	u64 formats, all = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, list);
	for (i = 0; i < ARRAY_SIZE(cfg_formats); i++) {
		KUNIT_EXPECT_EQ(test,
				xsf_cfg_format_from_name(cfg_formats[i].name),
				cfg_formats[i].value);
		KUNIT_EXPECT_STREQ(test,
				   xsf_cfg_format_name(cfg_formats[i].value),
				   cfg_formats[i].name);
		if (i)
			strlcat(list, ",", XSF_LIST_MAX_LEN);
		strlcat(list, cfg_formats[i].name, XSF_LIST_MAX_LEN);
		all |= BIT_ULL(cfg_formats[i].value);
	}
	KUNIT_EXPECT_EQ(test, xsf_cfg_parse_formats(&xb->dev, "t", list,
						    &formats), 0);
	KUNIT_EXPECT_EQ(test, formats, all);
}

static void cfg_unknown_format_names(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	u64 formats = 1;

	KUNIT_EXPECT_EQ(test, xsf_cfg_format_from_name("S16_LE"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xsf_cfg_format_from_name("s16"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xsf_cfg_format_from_name(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, xsf_cfg_format_from_name("s16_le "), -EINVAL);
	KUNIT_EXPECT_STREQ(test, xsf_cfg_format_name(25), "?");
	KUNIT_EXPECT_STREQ(test, xsf_cfg_format_name(~0U), "?");
	KUNIT_EXPECT_EQ(test, xsf_cfg_parse_formats(&xb->dev, "t",
						    "s16_le,s16_le_x",
						    &formats), -EINVAL);
	KUNIT_EXPECT_EQ(test, formats, 0ULL);
}

static void cfg_every_rate(struct kunit *test)
{
	static const u32 rates[] = {
		5512, 8000, 11025, 16000, 22050, 32000, 44100, 48000, 64000,
		88200, 96000, 176400, 192000, 352800, 384000, 705600, 768000,
	};
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_hw_cfg *hw = kunit_kzalloc(test, sizeof(*hw), GFP_KERNEL);
	char *list = kunit_kzalloc(test, XSF_LIST_MAX_LEN, GFP_KERNEL);
	unsigned int i;
	int len = 0;

	KUNIT_ASSERT_NOT_NULL(test, hw);
	KUNIT_ASSERT_NOT_NULL(test, list);
	/* Backwards and with duplicates: parsed sorted and unique. */
	for (i = ARRAY_SIZE(rates); i-- > 0;)
		len += scnprintf(list + len, XSF_LIST_MAX_LEN - len, "%u,%u,",
				 rates[i], rates[i]);
	list[len - 1] = '\0';
	KUNIT_ASSERT_EQ(test, xsf_cfg_parse_rates(&xb->dev, "t", list, hw), 0);
	KUNIT_ASSERT_EQ(test, hw->nr_rates, (unsigned int)ARRAY_SIZE(rates));
	for (i = 0; i < ARRAY_SIZE(rates); i++)
		KUNIT_EXPECT_EQ(test, hw->rates[i], rates[i]);
}

static void cfg_bad_rates(struct kunit *test)
{
	static const char *const bad[] = {
		"0", "768001", "-8000", "8000.0", "0x1f40", "8 000", "8000;44100",
		"4294967296", "",
	};
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_hw_cfg *hw = kunit_kzalloc(test, sizeof(*hw), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, hw);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, xsf_cfg_parse_rates(&xb->dev, "t",
							      bad[i], hw),
				    -EINVAL, "\"%s\"", bad[i]);
		KUNIT_EXPECT_EQ(test, hw->nr_rates, 0U);
	}
}

static void cfg_rate_count_limit(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_hw_cfg *hw = kunit_kzalloc(test, sizeof(*hw), GFP_KERNEL);
	char *list = kunit_kzalloc(test, XSF_LIST_MAX_LEN, GFP_KERNEL);
	unsigned int i;
	int len = 0;

	KUNIT_ASSERT_NOT_NULL(test, hw);
	KUNIT_ASSERT_NOT_NULL(test, list);
	for (i = 0; i < XSF_MAX_RATES; i++)
		len += scnprintf(list + len, XSF_LIST_MAX_LEN - len, "%s%u",
				 i ? "," : "", 8000 + i);
	KUNIT_EXPECT_EQ(test, xsf_cfg_parse_rates(&xb->dev, "t", list, hw), 0);
	KUNIT_EXPECT_EQ(test, hw->nr_rates, (unsigned int)XSF_MAX_RATES);
	scnprintf(list + len, XSF_LIST_MAX_LEN - len, ",%u", 9000);
	KUNIT_EXPECT_EQ(test, xsf_cfg_parse_rates(&xb->dev, "t", list, hw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hw->nr_rates, 0U);
}

static void cfg_list_length_limit(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_hw_cfg *hw = kunit_kzalloc(test, sizeof(*hw), GFP_KERNEL);
	char *list = kunit_kzalloc(test, XSF_LIST_MAX_LEN + 1, GFP_KERNEL);
	unsigned int i;
	int len = 0;

	KUNIT_ASSERT_NOT_NULL(test, hw);
	KUNIT_ASSERT_NOT_NULL(test, list);
	/* 204 items, 4 of them "08000": exactly 1023 characters. */
	for (i = 0; i < 204; i++)
		len += scnprintf(list + len, XSF_LIST_MAX_LEN + 1 - len,
				 "%s%s", i ? "," : "", i < 4 ? "08000" : "8000");
	KUNIT_ASSERT_EQ(test, len, XSF_LIST_MAX_LEN - 1);
	KUNIT_EXPECT_EQ(test, xsf_cfg_parse_rates(&xb->dev, "t", list, hw), 0);
	KUNIT_EXPECT_EQ(test, hw->nr_rates, 1U);
	KUNIT_EXPECT_EQ(test, hw->rates[0], 8000U);
	/* One more character ("80000" at the end) is too long a list. */
	list[len] = '0';
	KUNIT_EXPECT_EQ(test, xsf_cfg_parse_rates(&xb->dev, "t", list, hw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hw->nr_rates, 0U);
}

static void cfg_versions_absent(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_EQ(test, cfg->protocol, 2U);
}

static void cfg_versions_offered(struct kunit *test)
{
	static const char *const good[] = { "1,2", "2", "2,1", "1,2,3" };
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		xsf_fake_store_set(XSF_TEST_B("versions"), good[i]);
		KUNIT_EXPECT_EQ_MSG(test, xsf_cfg_read(xb, cfg), 0, "\"%s\"",
				    good[i]);
		KUNIT_EXPECT_EQ(test, cfg->protocol, 2U);
		xsf_cfg_free(cfg);
	}
}

static void cfg_versions_unusable(struct kunit *test)
{
	static const char *const bad[] = {
		"1", "3,4", "", "two", "1,,2", "2,x", "0x2", "-2",
	};
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		xsf_fake_store_set(XSF_TEST_B("versions"), bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, xsf_cfg_read(xb, cfg), -EINVAL,
				    "\"%s\"", bad[i]);
		cfg_expect_failed(test, cfg);
	}
}

static void cfg_names_at_limits(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("short-name"), cfg_repeat(test, 's', 31));
	xsf_fake_store_set(XSF_TEST_N("long-name"), cfg_repeat(test, 'l', 79));
	xsf_fake_store_set(XSF_TEST_N("0/name"), cfg_repeat(test, 'd', 79));
	xsf_fake_store_set(XSF_TEST_N("0/0/unique-id"), cfg_repeat(test, 'u', 127));
	KUNIT_ASSERT_EQ(test, cfg_read(test, xb, cfg), 0);
	KUNIT_EXPECT_EQ(test, strlen(cfg->short_name), (size_t)31);
	KUNIT_EXPECT_EQ(test, strlen(cfg->long_name), (size_t)79);
	KUNIT_EXPECT_EQ(test, strlen(cfg->pcms[0].name), (size_t)79);
	KUNIT_EXPECT_EQ(test, strlen(cfg->pcms[0].streams[0].unique_id),
			(size_t)127);
}

static void cfg_read_error_propagates(struct kunit *test)
{
	static const char *const paths[] = {
		XSF_TEST_N("1/sample-rates"), XSF_TEST_N("0/0/unique-id"), XSF_TEST_N("short-name"),
		XSF_TEST_B("versions"),
	};
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		xsf_fake_bus.read_error = -EACCES;
		strscpy(xsf_fake_bus.read_error_path, paths[i],
			sizeof(xsf_fake_bus.read_error_path));
		KUNIT_EXPECT_EQ_MSG(test, xsf_cfg_read(xb, cfg), -EACCES,
				    "%s", paths[i]);
		cfg_expect_failed(test, cfg);
	}
	xsf_fake_bus.read_error = 0;
	KUNIT_EXPECT_EQ(test, xsf_cfg_read(xb, cfg), 0);
	xsf_cfg_free(cfg);
}

static void cfg_no_devices(struct kunit *test)
{
	struct xenbus_device *xb = xsf_test_xb_new(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	/* The directory exists but has no numbered children. */
	xsf_fake_store_set(XSF_TEST_N("short-name"), "x");
	KUNIT_EXPECT_EQ(test, cfg_read(test, xb, cfg), -EINVAL);
	cfg_expect_failed(test, cfg);
}

static void cfg_device_without_streams(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	xsf_fake_store_set(XSF_TEST_N("2/name"), "empty");
	KUNIT_EXPECT_EQ(test, cfg_read(test, xb, cfg), -EINVAL);
	cfg_expect_failed(test, cfg);
}

static void cfg_free_is_idempotent(struct kunit *test)
{
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_ASSERT_EQ(test, xsf_cfg_read(xb, cfg), 0);
	xsf_cfg_free(cfg);
	cfg_expect_failed(test, cfg);
	xsf_cfg_free(cfg);
	cfg_expect_failed(test, cfg);
	KUNIT_EXPECT_EQ(test, xsf_cfg_nr_streams(cfg), 0U);
}

/* One change to the valid tree that must make it invalid. */
struct cfg_bad {
	const char *desc;
	const char *path;	/* below XSF_TEST_NODE */
	const char *value;	/* NULL: remove; "@N": N characters */
};

static const struct cfg_bad cfg_bad_cases[] = {
	{ "missing type", "0/0/type", NULL },
	{ "missing unique-id", "0/1/unique-id", NULL },
	{ "empty unique-id", "0/0/unique-id", "" },
	{ "overlong unique-id", "0/0/unique-id", "@128" },
	{ "type not p or c", "0/0/type", "x" },
	{ "type of two characters", "0/0/type", "pc" },
	{ "empty type", "1/0/type", "" },
	{ "channels-min not a number", "channels-min", "two" },
	{ "channels-max with junk", "channels-max", "2x" },
	{ "channels-max negative", "channels-max", "-2" },
	{ "channels-min 0", "channels-min", "0" },
	{ "channels-max 33", "channels-max", "33" },
	{ "stream channels-min above max", "0/0/channels-min", "3" },
	{ "stream channels outside parent", "0/1/channels-max", "3" },
	{ "buffer-size too small", "buffer-size", "4095" },
	{ "buffer-size too large", "buffer-size", "4194305" },
	{ "buffer-size above parent", "0/0/buffer-size", "131072" },
	{ "buffer-size not a number", "1/buffer-size", "64k" },
	{ "unknown format", "sample-formats", "s16_le,s17_le" },
	{ "empty format list", "sample-formats", "" },
	{ "empty format item", "sample-formats", "s16_le,,s32_le" },
	{ "trailing separator", "sample-formats", "s16_le," },
	{ "overlong format item", "sample-formats", "@25" },
	{ "leading separator", "sample-rates", ",8000" },
	{ "empty rate list", "sample-rates", "" },
	{ "rate not a number", "sample-rates", "8000,fast" },
	{ "rate 0", "0/sample-rates", "0,8000" },
	{ "rate too high", "sample-rates", "768001" },
	{ "overlong rate item", "sample-rates", "000000000008000" },
	{ "overlong rate list", "sample-rates", "@LIST" },
	{ "too many rates", "sample-rates", "@RATES" },
	{ "rates not a subset", "0/sample-rates", "96000" },
	{ "stream rates not a subset", "1/0/sample-rates", "8000" },
	{ "formats not a subset", "0/0/sample-formats", "s8" },
	{ "pcm index 16", "16/0/type", "p" },
	{ "stream index 8", "0/8/type", "p" },
	{ "pcm indices with a gap", "3/0/type", "p" },
	{ "stream indices with a gap", "1/2/type", "p" },
	{ "duplicate index", "00/0/type", "p" },
	{ "index with junk", "1x/0/type", "p" },
	{ "overlong short-name", "short-name", "@32" },
	{ "overlong long-name", "long-name", "@80" },
	{ "overlong device name", "0/name", "@80" },
};

static void cfg_bad_desc(const struct cfg_bad *bad, char *desc)
{
	strscpy(desc, bad->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cfg_bad, cfg_bad_cases, cfg_bad_desc);

static const char *cfg_bad_value(struct kunit *test, const char *value)
{
	char *list;
	int len = 0;
	unsigned int i;

	if (!strcmp(value, "@LIST")) {
		list = kunit_kzalloc(test, XSF_LIST_MAX_LEN + 8, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, list);
		while (len < XSF_LIST_MAX_LEN)
			len += scnprintf(list + len, XSF_LIST_MAX_LEN + 8 - len,
					 "%s8000", len ? "," : "");
		return list;
	}
	if (!strcmp(value, "@RATES")) {
		list = kunit_kzalloc(test, XSF_LIST_MAX_LEN, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, list);
		for (i = 0; i <= XSF_MAX_RATES; i++)
			len += scnprintf(list + len, XSF_LIST_MAX_LEN - len,
					 "%s%u", i ? "," : "", 8000 + i);
		return list;
	}
	if (value[0] == '@') {
		unsigned int n;

		KUNIT_ASSERT_EQ(test, kstrtouint(value + 1, 10, &n), 0);
		return cfg_repeat(test, 'a', n);
	}
	return value;
}

static void cfg_malformed(struct kunit *test)
{
	const struct cfg_bad *bad = test->param_value;
	struct xenbus_device *xb = cfg_setup(test);
	struct xsf_card_cfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);
	char path[128];

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	snprintf(path, sizeof(path), XSF_TEST_NODE "/%s", bad->path);
	if (bad->value)
		KUNIT_ASSERT_EQ(test, xsf_fake_store_set(path,
							 cfg_bad_value(test, bad->value)),
				0);
	else
		xsf_fake_store_remove(path);
	KUNIT_EXPECT_EQ(test, cfg_read(test, xb, cfg), -EINVAL);
	cfg_expect_failed(test, cfg);
}

static struct kunit_case xsf_cfg_cases[] = {
	KUNIT_CASE(cfg_valid_tree),
	KUNIT_CASE(cfg_inheritance),
	KUNIT_CASE(cfg_defaults),
	KUNIT_CASE(cfg_card_channels_min_only),
	KUNIT_CASE(cfg_params_at_stream_level_only),
	KUNIT_CASE(cfg_params_at_pcm_level_only),
	KUNIT_CASE(cfg_params_mixed_levels),
	KUNIT_CASE(cfg_every_format_name),
	KUNIT_CASE(cfg_unknown_format_names),
	KUNIT_CASE(cfg_every_rate),
	KUNIT_CASE(cfg_bad_rates),
	KUNIT_CASE(cfg_rate_count_limit),
	KUNIT_CASE(cfg_list_length_limit),
	KUNIT_CASE(cfg_versions_absent),
	KUNIT_CASE(cfg_versions_offered),
	KUNIT_CASE(cfg_versions_unusable),
	KUNIT_CASE(cfg_names_at_limits),
	KUNIT_CASE(cfg_read_error_propagates),
	KUNIT_CASE(cfg_no_devices),
	KUNIT_CASE(cfg_device_without_streams),
	KUNIT_CASE(cfg_free_is_idempotent),
	KUNIT_CASE_PARAM(cfg_malformed, cfg_bad_gen_params),
	{}
};

static struct kunit_suite xsf_cfg_suite = {
	.name = "snd_xen_front_cfg",
	.init = xsf_test_init,
	.test_cases = xsf_cfg_cases,
};

kunit_test_suite(xsf_cfg_suite);
