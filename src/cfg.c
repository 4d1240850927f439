// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Configuration reader: the frontend's XenStore tree (sndif.h "Frontend
 * XenBus Nodes") into a plain struct xsf_card_cfg.
 *
 * Everything here comes from the toolstack or the backend and is checked
 * before use: numbers must be decimal and in range, lists must be
 * non-empty, bounded and free of empty items, names must fit their sndif
 * size, PCM device and stream indices must be canonical decimal numbers
 * contiguous from 0 and bounded, identifiers must be free of control
 * characters.  A bad value is reported with its XenStore path and the read
 * fails with -EINVAL, freeing whatever was allocated.  Values are quoted
 * in messages escaped and cut at XSF_MSG_VALUE_LEN characters: they are
 * not ours to write raw into the guest's log.
 *
 * Stream parameters inherit from the card to the PCM device to the stream;
 * a lower level may only narrow what an upper one set (sndif.h's subset
 * rule).  Where no level sets a parameter the driver's defaults apply
 * (S16_LE, 1 to 2 channels, common rates, 64 KiB): a default is not a
 * set value, and any level may replace it, say with channels-max=6 on
 * one stream only.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "xsf_proto.h"

static const char *const xsf_format_names[] = {
	[XENSND_PCM_FORMAT_S8] = XENSND_PCM_FORMAT_S8_STR,
	[XENSND_PCM_FORMAT_U8] = XENSND_PCM_FORMAT_U8_STR,
	[XENSND_PCM_FORMAT_S16_LE] = XENSND_PCM_FORMAT_S16_LE_STR,
	[XENSND_PCM_FORMAT_S16_BE] = XENSND_PCM_FORMAT_S16_BE_STR,
	[XENSND_PCM_FORMAT_U16_LE] = XENSND_PCM_FORMAT_U16_LE_STR,
	[XENSND_PCM_FORMAT_U16_BE] = XENSND_PCM_FORMAT_U16_BE_STR,
	[XENSND_PCM_FORMAT_S24_LE] = XENSND_PCM_FORMAT_S24_LE_STR,
	[XENSND_PCM_FORMAT_S24_BE] = XENSND_PCM_FORMAT_S24_BE_STR,
	[XENSND_PCM_FORMAT_U24_LE] = XENSND_PCM_FORMAT_U24_LE_STR,
	[XENSND_PCM_FORMAT_U24_BE] = XENSND_PCM_FORMAT_U24_BE_STR,
	[XENSND_PCM_FORMAT_S32_LE] = XENSND_PCM_FORMAT_S32_LE_STR,
	[XENSND_PCM_FORMAT_S32_BE] = XENSND_PCM_FORMAT_S32_BE_STR,
	[XENSND_PCM_FORMAT_U32_LE] = XENSND_PCM_FORMAT_U32_LE_STR,
	[XENSND_PCM_FORMAT_U32_BE] = XENSND_PCM_FORMAT_U32_BE_STR,
	[XENSND_PCM_FORMAT_F32_LE] = XENSND_PCM_FORMAT_F32_LE_STR,
	[XENSND_PCM_FORMAT_F32_BE] = XENSND_PCM_FORMAT_F32_BE_STR,
	[XENSND_PCM_FORMAT_F64_LE] = XENSND_PCM_FORMAT_F64_LE_STR,
	[XENSND_PCM_FORMAT_F64_BE] = XENSND_PCM_FORMAT_F64_BE_STR,
	[XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE] =
		XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR,
	[XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE] =
		XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR,
	[XENSND_PCM_FORMAT_MU_LAW] = XENSND_PCM_FORMAT_MU_LAW_STR,
	[XENSND_PCM_FORMAT_A_LAW] = XENSND_PCM_FORMAT_A_LAW_STR,
	[XENSND_PCM_FORMAT_IMA_ADPCM] = XENSND_PCM_FORMAT_IMA_ADPCM_STR,
	[XENSND_PCM_FORMAT_MPEG] = XENSND_PCM_FORMAT_MPEG_STR,
	[XENSND_PCM_FORMAT_GSM] = XENSND_PCM_FORMAT_GSM_STR,
};

/* Used when no level of the tree names any rate. */
static const u32 xsf_default_rates[] = {
	8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000,
	176400, 192000,
};

/**
 * xsf_cfg_format_from_name() - sndif format number of a format name
 * @name: a XENSND_PCM_FORMAT_*_STR string
 *
 * Return: the XENSND_PCM_FORMAT_* value, or -EINVAL if unknown.
 */
int xsf_cfg_format_from_name(const char *name)
{
	int i = match_string(xsf_format_names, ARRAY_SIZE(xsf_format_names),
			     name);

	return i < 0 ? -EINVAL : i;
}

/**
 * xsf_cfg_format_name() - sndif name of a format number
 * @format: a XENSND_PCM_FORMAT_* value
 *
 * Return: the name, or "?" for a value sndif does not define.
 */
const char *xsf_cfg_format_name(unsigned int format)
{
	if (format >= ARRAY_SIZE(xsf_format_names))
		return "?";
	return xsf_format_names[format];
}

/* The most of a XenStore value one message shows. */
#define XSF_MSG_VALUE_LEN	64

/*
 * Field width for "%*pE": the value's length, up to XSF_MSG_VALUE_LEN.
 * Every value is NUL-terminated (XenStore reads are), so strlen() is
 * safe, and unlike strnlen() with a fixed bound it does not claim to read
 * past a short buffer (FORTIFY_SOURCE warns about that).
 */
static int xsf_esc_len(const char *value)
{
	return min_t(size_t, strlen(value), XSF_MSG_VALUE_LEN);
}

/* How to parse one list item, and where the result goes. */
struct xsf_cfg_list_item {
	int (*parse)(struct device *dev, const char *path, const char *value,
		     void *ctx);
	void *ctx;
};

/*
 * Split @list at XENSND_LIST_SEPARATOR and call @item for each piece.
 * Empty lists and empty items are malformed.
 */
static int xsf_cfg_split_list(struct device *dev, const char *path,
			      const char *list, size_t max_item_len,
			      struct xsf_cfg_list_item *item)
{
	/* One item at a time: the longest sndif allows, plus the NUL. */
	char value[XENSND_SAMPLE_FORMAT_MAX_LEN + 1];
	const char *start = list;
	size_t len;
	int ret;

	if (!*list) {
		dev_err(dev, "%s: empty list\n", path);
		return -EINVAL;
	}
	if (strlen(list) >= XSF_LIST_MAX_LEN) {
		dev_err(dev, "%s: list longer than %d characters\n", path,
			XSF_LIST_MAX_LEN - 1);
		return -EINVAL;
	}

	for (;;) {
		len = strcspn(start, XENSND_LIST_SEPARATOR);
		if (!len) {
			dev_err(dev, "%s: empty item in \"%*pE\"\n", path,
				xsf_esc_len(list), list);
			return -EINVAL;
		}
		if (len > max_item_len || len >= sizeof(value)) {
			dev_err(dev, "%s: item longer than %zu characters in \"%*pE\"\n",
				path, max_item_len, xsf_esc_len(list), list);
			return -EINVAL;
		}
		memcpy(value, start, len);
		value[len] = '\0';
		ret = item->parse(dev, path, value, item->ctx);
		if (ret)
			return ret;
		if (!start[len])
			return 0;
		start += len + 1;
	}
}

static int xsf_cfg_rate_item(struct device *dev, const char *path,
			     const char *value, void *ctx)
{
	struct xsf_hw_cfg *hw = ctx;
	unsigned int i;
	u32 rate;

	if (kstrtou32(value, 10, &rate) || !rate || rate > XSF_MAX_RATE) {
		dev_err(dev, "%s: invalid sample rate \"%*pE\"\n", path,
			xsf_esc_len(value), value);
		return -EINVAL;
	}
	for (i = 0; i < hw->nr_rates; i++)
		if (hw->rates[i] == rate)
			return 0;
	if (hw->nr_rates == XSF_MAX_RATES) {
		dev_err(dev, "%s: more than %d sample rates\n", path,
			XSF_MAX_RATES);
		return -EINVAL;
	}
	hw->rates[hw->nr_rates++] = rate;
	return 0;
}

static int xsf_cfg_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/**
 * xsf_cfg_parse_rates() - parse a sample-rates list
 * @dev: device for messages
 * @path: XenStore path of the node, for messages
 * @list: the node's value
 * @hw: receives the rates, sorted and without duplicates
 *
 * Return: 0, or -EINVAL for an empty or overlong list, an empty item, a
 * value that is not a decimal rate in (0, XSF_MAX_RATE], or too many rates.
 */
int xsf_cfg_parse_rates(struct device *dev, const char *path,
			const char *list, struct xsf_hw_cfg *hw)
{
	struct xsf_cfg_list_item item = { xsf_cfg_rate_item, hw };
	int ret;

	hw->nr_rates = 0;
	ret = xsf_cfg_split_list(dev, path, list, XENSND_SAMPLE_RATE_MAX_LEN,
				 &item);
	if (ret) {
		hw->nr_rates = 0;
		return ret;
	}
	sort(hw->rates, hw->nr_rates, sizeof(hw->rates[0]), xsf_cfg_cmp_u32,
	     NULL);
	return 0;
}

static int xsf_cfg_format_item(struct device *dev, const char *path,
			       const char *value, void *ctx)
{
	u64 *formats = ctx;
	int format = xsf_cfg_format_from_name(value);

	if (format < 0) {
		dev_err(dev, "%s: unknown sample format \"%*pE\"\n", path,
			xsf_esc_len(value), value);
		return -EINVAL;
	}
	*formats |= BIT_ULL(format);
	return 0;
}

/**
 * xsf_cfg_parse_formats() - parse a sample-formats list
 * @dev: device for messages
 * @path: XenStore path of the node, for messages
 * @list: the node's value
 * @formats: receives the mask of (1 << XENSND_PCM_FORMAT_*)
 *
 * Return: 0, or -EINVAL for an empty or overlong list, an empty or
 * overlong item or a name sndif does not define.
 */
int xsf_cfg_parse_formats(struct device *dev, const char *path,
			  const char *list, u64 *formats)
{
	struct xsf_cfg_list_item item = { xsf_cfg_format_item, formats };
	int ret;

	*formats = 0;
	ret = xsf_cfg_split_list(dev, path, list, XENSND_SAMPLE_FORMAT_MAX_LEN,
				 &item);
	if (ret)
		*formats = 0;
	return ret;
}

/* Reading context: the device and a scratch buffer for node paths. */
struct xsf_cfg_reader {
	struct device *dev;
	char path[256];
};

static const char *xsf_cfg_path(struct xsf_cfg_reader *rd, const char *dir,
				const char *node)
{
	snprintf(rd->path, sizeof(rd->path), "%s/%s", dir, node);
	return rd->path;
}

/*
 * Read an optional node.  Return the value (kfree it), NULL when the node
 * does not exist, or an ERR_PTR for other XenStore errors.
 */
static char *xsf_cfg_read_optional(struct xsf_cfg_reader *rd,
				   const char *dir, const char *node)
{
	char *value = xenbus_read(XBT_NIL, dir, node, NULL);

	if (IS_ERR(value)) {
		if (PTR_ERR(value) == -ENOENT)
			return NULL;
		dev_err(rd->dev, "%s: read failed: %ld\n",
			xsf_cfg_path(rd, dir, node), PTR_ERR(value));
	}
	return value;
}

/* How xsf_cfg_read_string() treats a node. */
#define XSF_STR_REQUIRED	BIT(0)	/* missing or empty is an error */
#define XSF_STR_TEXT		BIT(1)	/* a name for people, not a token */

/*
 * A name shown to people (card and PCM device names) gets '?' for each
 * control character, so that a name cannot forge lines or terminal
 * sequences where it is shown; a token (stream type, unique-id) with
 * one is malformed.
 */
static int xsf_cfg_check_chars(struct xsf_cfg_reader *rd, const char *path,
			       char *value, unsigned int flags)
{
	bool replaced = false;
	char *c;

	for (c = value; *c; c++) {
		/* C0 and DEL only: bytes from 0x80 are UTF-8 text. */
		if ((unsigned char)*c >= 0x20 && *c != 0x7f)
			continue;
		if (!(flags & XSF_STR_TEXT)) {
			dev_err(rd->dev, "%s: control character in \"%*pE\"\n",
				path, xsf_esc_len(value), value);
			return -EINVAL;
		}
		*c = '?';
		replaced = true;
	}
	if (replaced)
		dev_warn(rd->dev, "%s: control characters shown as '?': \"%*pE\"\n",
			 path, xsf_esc_len(value), value);
	return 0;
}

/*
 * Copy a string node into @dst of @size bytes (NUL included); an absent
 * optional node leaves @dst as it is.
 */
static int xsf_cfg_read_string(struct xsf_cfg_reader *rd, const char *dir,
			       const char *node, char *dst, size_t size,
			       unsigned int flags)
{
	char *value = xsf_cfg_read_optional(rd, dir, node);
	bool required = flags & XSF_STR_REQUIRED;
	int ret = 0;

	if (IS_ERR(value))
		return PTR_ERR(value);
	if (!value) {
		if (!required)
			return 0;
		dev_err(rd->dev, "%s: missing\n", xsf_cfg_path(rd, dir, node));
		return -EINVAL;
	}
	if (strscpy(dst, value, size) < 0) {
		dev_err(rd->dev, "%s: \"%*pE\" longer than %zu characters\n",
			xsf_cfg_path(rd, dir, node), xsf_esc_len(value), value,
			size - 1);
		ret = -EINVAL;
	} else if (required && !dst[0]) {
		dev_err(rd->dev, "%s: empty\n", xsf_cfg_path(rd, dir, node));
		ret = -EINVAL;
	} else {
		ret = xsf_cfg_check_chars(rd, xsf_cfg_path(rd, dir, node), dst,
					  flags);
	}
	if (ret)
		dst[0] = '\0';
	kfree(value);
	return ret;
}

/* Read an optional decimal node into @val; *found tells if it existed. */
static int xsf_cfg_read_u32(struct xsf_cfg_reader *rd, const char *dir,
			    const char *node, u32 min, u32 max, u32 *val,
			    bool *found)
{
	char *value = xsf_cfg_read_optional(rd, dir, node);
	int ret = 0;

	*found = false;
	if (IS_ERR(value))
		return PTR_ERR(value);
	if (!value)
		return 0;
	if (kstrtou32(value, 10, val) || *val < min || *val > max) {
		dev_err(rd->dev, "%s: \"%*pE\" is not a number in [%u, %u]\n",
			xsf_cfg_path(rd, dir, node), xsf_esc_len(value), value,
			min, max);
		ret = -EINVAL;
	} else {
		*found = true;
	}
	kfree(value);
	return ret;
}

static bool xsf_cfg_rates_subset(const struct xsf_hw_cfg *inner,
				 const struct xsf_hw_cfg *outer)
{
	unsigned int i, j;

	for (i = 0; i < inner->nr_rates; i++) {
		for (j = 0; j < outer->nr_rates; j++)
			if (inner->rates[i] == outer->rates[j])
				break;
		if (j == outer->nr_rates)
			return false;
	}
	return true;
}

/*
 * Read one level's hardware parameters into @hw, starting from @parent's
 * (NULL at card level).  A level may only narrow what a level above it
 * set; it may replace a default.
 */
static int xsf_cfg_read_hw(struct xsf_cfg_reader *rd, const char *dir,
			   const struct xsf_hw_cfg *parent,
			   struct xsf_hw_cfg *hw)
{
	struct xsf_hw_cfg own;
	bool have_min, have_max, have_buf;
	u32 ch_min, ch_max, buf;
	unsigned int above;
	char *value;
	int ret;

	if (parent) {
		*hw = *parent;
	} else {
		memset(hw, 0, sizeof(*hw));
		hw->formats = BIT_ULL(XENSND_PCM_FORMAT_S16_LE);
		memcpy(hw->rates, xsf_default_rates, sizeof(xsf_default_rates));
		hw->nr_rates = ARRAY_SIZE(xsf_default_rates);
		hw->channels_min = 1;
		hw->channels_max = 2;
		hw->buffer_bytes = XSF_DEFAULT_BUFFER_BYTES;
	}
	above = hw->set;

	value = xsf_cfg_read_optional(rd, dir, XENSND_FIELD_SAMPLE_RATES);
	if (IS_ERR(value))
		return PTR_ERR(value);
	if (value) {
		const char *path = xsf_cfg_path(rd, dir,
						XENSND_FIELD_SAMPLE_RATES);

		ret = xsf_cfg_parse_rates(rd->dev, path, value, &own);
		if (!ret && (above & XSF_HW_SET_RATES) &&
		    !xsf_cfg_rates_subset(&own, parent)) {
			dev_err(rd->dev, "%s: \"%*pE\" is not a subset of the parent's rates\n",
				path, xsf_esc_len(value), value);
			ret = -EINVAL;
		}
		kfree(value);
		if (ret)
			return ret;
		memcpy(hw->rates, own.rates, sizeof(own.rates));
		hw->nr_rates = own.nr_rates;
		hw->set |= XSF_HW_SET_RATES;
	}

	value = xsf_cfg_read_optional(rd, dir, XENSND_FIELD_SAMPLE_FORMATS);
	if (IS_ERR(value))
		return PTR_ERR(value);
	if (value) {
		const char *path = xsf_cfg_path(rd, dir,
						XENSND_FIELD_SAMPLE_FORMATS);

		ret = xsf_cfg_parse_formats(rd->dev, path, value, &own.formats);
		if (!ret && (above & XSF_HW_SET_FORMATS) &&
		    (own.formats & ~parent->formats)) {
			dev_err(rd->dev, "%s: \"%*pE\" is not a subset of the parent's formats\n",
				path, xsf_esc_len(value), value);
			ret = -EINVAL;
		}
		kfree(value);
		if (ret)
			return ret;
		hw->formats = own.formats;
		hw->set |= XSF_HW_SET_FORMATS;
	}

	ret = xsf_cfg_read_u32(rd, dir, XENSND_FIELD_CHANNELS_MIN, 1,
			       XSF_MAX_CHANNELS, &ch_min, &have_min);
	if (ret)
		return ret;
	ret = xsf_cfg_read_u32(rd, dir, XENSND_FIELD_CHANNELS_MAX, 1,
			       XSF_MAX_CHANNELS, &ch_max, &have_max);
	if (ret)
		return ret;
	if (have_min) {
		hw->channels_min = ch_min;
		hw->set |= XSF_HW_SET_CHANNELS_MIN;
	}
	if (have_max) {
		hw->channels_max = ch_max;
		hw->set |= XSF_HW_SET_CHANNELS_MAX;
	}
	/* A minimum above the default maximum raises the default. */
	if (!(hw->set & XSF_HW_SET_CHANNELS_MAX) &&
	    hw->channels_min > hw->channels_max)
		hw->channels_max = hw->channels_min;
	if (!(hw->set & XSF_HW_SET_CHANNELS_MIN) &&
	    hw->channels_min > hw->channels_max)
		hw->channels_min = hw->channels_max;
	if (hw->channels_min > hw->channels_max ||
	    ((above & XSF_HW_SET_CHANNELS_MIN) &&
	     hw->channels_min < parent->channels_min) ||
	    ((above & XSF_HW_SET_CHANNELS_MAX) &&
	     hw->channels_max > parent->channels_max)) {
		dev_err(rd->dev, "%s: channels [%u, %u] invalid or outside the parent's [%u, %u]\n",
			dir, hw->channels_min, hw->channels_max,
			(above & XSF_HW_SET_CHANNELS_MIN) ? parent->channels_min : 1,
			(above & XSF_HW_SET_CHANNELS_MAX) ? parent->channels_max :
							    XSF_MAX_CHANNELS);
		return -EINVAL;
	}

	ret = xsf_cfg_read_u32(rd, dir, XENSND_FIELD_BUFFER_SIZE,
			       XSF_MIN_BUFFER_BYTES, XSF_MAX_BUFFER_BYTES, &buf,
			       &have_buf);
	if (ret)
		return ret;
	if (have_buf) {
		if ((above & XSF_HW_SET_BUFFER) && buf > parent->buffer_bytes) {
			dev_err(rd->dev, "%s: %u is larger than the parent's %u\n",
				xsf_cfg_path(rd, dir, XENSND_FIELD_BUFFER_SIZE),
				buf, parent->buffer_bytes);
			return -EINVAL;
		}
		hw->buffer_bytes = buf;
		hw->set |= XSF_HW_SET_BUFFER;
	}
	return 0;
}

/*
 * A child named with a digit, a sign or a space first is an index, and
 * must be written the one way a number is ("7", never "07", "+7", "7a"
 * or "0x7"; kstrtouint() alone would take "07", "+7" and "7\n"): two
 * spellings of one index would make two nodes one stream.
 */
static int xsf_cfg_child_index(const char *name, unsigned int max,
			       unsigned int *index)
{
	const char *c;

	for (c = name; *c; c++)
		if (!isdigit(*c))
			return -EINVAL;
	if (c - name > 3 || (name[0] == '0' && name[1]))
		return -EINVAL;
	if (kstrtouint(name, 10, index) || *index >= max)
		return -ERANGE;
	return 0;
}

/*
 * Count the numeric children of @dir and check they are exactly 0..n-1.
 * Other children (names, settings) are ignored.
 */
static int xsf_cfg_count_children(struct xsf_cfg_reader *rd,
				  const char *dir, unsigned int max,
				  unsigned int *count)
{
	unsigned long seen[BITS_TO_LONGS(XSF_MAX_PCM_DEVICES +
					 XSF_MAX_STREAMS)] = { 0 };
	unsigned int num, i, n = 0, index;
	char **children;
	int ret = 0;

	children = xenbus_directory(XBT_NIL, dir, "", &num);
	if (IS_ERR(children)) {
		dev_err(rd->dev, "%s: cannot list: %ld\n", dir,
			PTR_ERR(children));
		return PTR_ERR(children);
	}
	for (i = 0; i < num; i++) {
		/* A name that looks like a number must be an index. */
		if (!isdigit(children[i][0]) &&
		    (!children[i][0] || !strchr("+- ", children[i][0])))
			continue;
		ret = xsf_cfg_child_index(children[i], max, &index);
		if (ret == -ERANGE) {
			dev_err(rd->dev, "%s/%*pE: index out of range [0, %u)\n",
				dir, xsf_esc_len(children[i]), children[i],
				max);
		} else if (ret) {
			dev_err(rd->dev, "%s/%*pE: not a decimal index\n", dir,
				xsf_esc_len(children[i]), children[i]);
		} else if (__test_and_set_bit(index, seen)) {
			dev_err(rd->dev, "%s/%u: duplicate index\n", dir, index);
			ret = -EINVAL;
		}
		if (ret) {
			ret = -EINVAL;
			break;
		}
		n++;
	}
	kfree(children);
	if (ret)
		return ret;
	if (n && find_first_zero_bit(seen, max) != n) {
		dev_err(rd->dev, "%s: indices are not contiguous from 0\n", dir);
		return -EINVAL;
	}
	*count = n;
	return 0;
}

static int xsf_cfg_read_stream(struct xsf_cfg_reader *rd, const char *dir,
			       const struct xsf_hw_cfg *parent,
			       struct xsf_stream_cfg *stream)
{
	char type[2];
	int ret;

	ret = xsf_cfg_read_string(rd, dir, XENSND_FIELD_TYPE, type,
				  sizeof(type), XSF_STR_REQUIRED);
	if (ret)
		return ret;
	if (!strcmp(type, XENSND_STREAM_TYPE_PLAYBACK)) {
		stream->capture = false;
	} else if (!strcmp(type, XENSND_STREAM_TYPE_CAPTURE)) {
		stream->capture = true;
	} else {
		dev_err(rd->dev, "%s: \"%*pE\" is neither \"p\" nor \"c\"\n",
			xsf_cfg_path(rd, dir, XENSND_FIELD_TYPE),
			xsf_esc_len(type), type);
		return -EINVAL;
	}

	ret = xsf_cfg_read_string(rd, dir, XENSND_FIELD_STREAM_UNIQUE_ID,
				  stream->unique_id, sizeof(stream->unique_id),
				  XSF_STR_REQUIRED);
	if (ret)
		return ret;

	return xsf_cfg_read_hw(rd, dir, parent, &stream->hw);
}

static int xsf_cfg_read_pcm(struct xsf_cfg_reader *rd, const char *dir,
			    const struct xsf_hw_cfg *parent,
			    struct xsf_pcm_cfg *pcm)
{
	char stream_dir[160];
	unsigned int i;
	int ret;

	ret = xsf_cfg_read_string(rd, dir, XENSND_FIELD_DEVICE_NAME, pcm->name,
				  sizeof(pcm->name), XSF_STR_TEXT);
	if (ret)
		return ret;
	ret = xsf_cfg_read_hw(rd, dir, parent, &pcm->hw);
	if (ret)
		return ret;
	ret = xsf_cfg_count_children(rd, dir, XSF_MAX_STREAMS,
				     &pcm->nr_streams);
	if (ret)
		return ret;
	if (!pcm->nr_streams) {
		dev_err(rd->dev, "%s: PCM device without streams\n", dir);
		return -EINVAL;
	}
	pcm->streams = kcalloc(pcm->nr_streams, sizeof(*pcm->streams),
			       GFP_KERNEL);
	if (!pcm->streams)
		return -ENOMEM;
	for (i = 0; i < pcm->nr_streams; i++) {
		snprintf(stream_dir, sizeof(stream_dir), "%s/%u", dir, i);
		pcm->streams[i].index = i;
		ret = xsf_cfg_read_stream(rd, stream_dir, &pcm->hw,
					  &pcm->streams[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int xsf_cfg_read_version(struct xsf_cfg_reader *rd,
				struct xenbus_device *xb, unsigned int *version)
{
	char *value = xsf_cfg_read_optional(rd, xb->otherend,
					    XENSND_FIELD_BE_VERSIONS);
	char *item, *cursor;
	unsigned int v;
	int ret = -EINVAL;

	if (IS_ERR(value))
		return PTR_ERR(value);
	if (!value) {
		/* Backends older than the versions node speak version 2. */
		*version = XENSND_PROTOCOL_VERSION;
		return 0;
	}
	cursor = value;
	while ((item = strsep(&cursor, XENSND_LIST_SEPARATOR))) {
		if (kstrtouint(item, 10, &v)) {
			dev_err(rd->dev, "%s: \"%*pE\" is not a version number\n",
				xsf_cfg_path(rd, xb->otherend,
					     XENSND_FIELD_BE_VERSIONS),
				xsf_esc_len(item), item);
			ret = -EINVAL;
			break;
		}
		if (v == XENSND_PROTOCOL_VERSION) {
			*version = v;
			ret = 0;
		}
	}
	if (ret && !item)
		dev_err(rd->dev, "%s: backend does not offer protocol version %d\n",
			xsf_cfg_path(rd, xb->otherend, XENSND_FIELD_BE_VERSIONS),
			XENSND_PROTOCOL_VERSION);
	kfree(value);
	return ret;
}

/**
 * xsf_cfg_read() - read and validate the card configuration
 * @xb: the xenbus device (its nodename is the frontend directory)
 * @cfg: receives the configuration; free it with xsf_cfg_free()
 *
 * Return: 0, -EINVAL for a malformed or unsupported configuration (the
 * reason is logged with its XenStore path), -ENOMEM, or a XenStore error.
 * On failure nothing stays allocated.
 */
int xsf_cfg_read(struct xenbus_device *xb, struct xsf_card_cfg *cfg)
{
	struct xsf_cfg_reader *rd;
	char pcm_dir[128];
	unsigned int i;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	rd->dev = &xb->dev;

	ret = xsf_cfg_read_version(rd, xb, &cfg->protocol);
	if (ret)
		goto out;
	ret = xsf_cfg_read_string(rd, xb->nodename,
				  XENSND_FIELD_VCARD_SHORT_NAME,
				  cfg->short_name, sizeof(cfg->short_name),
				  XSF_STR_TEXT);
	if (ret)
		goto out;
	ret = xsf_cfg_read_string(rd, xb->nodename,
				  XENSND_FIELD_VCARD_LONG_NAME, cfg->long_name,
				  sizeof(cfg->long_name), XSF_STR_TEXT);
	if (ret)
		goto out;
	ret = xsf_cfg_read_hw(rd, xb->nodename, NULL, &cfg->hw);
	if (ret)
		goto out;
	ret = xsf_cfg_count_children(rd, xb->nodename, XSF_MAX_PCM_DEVICES,
				     &cfg->nr_pcms);
	if (ret)
		goto out;
	if (!cfg->nr_pcms) {
		dev_err(rd->dev, "%s: no PCM devices configured\n",
			xb->nodename);
		ret = -EINVAL;
		goto out;
	}
	cfg->pcms = kcalloc(cfg->nr_pcms, sizeof(*cfg->pcms), GFP_KERNEL);
	if (!cfg->pcms) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->nr_pcms; i++) {
		snprintf(pcm_dir, sizeof(pcm_dir), "%s/%u", xb->nodename, i);
		ret = xsf_cfg_read_pcm(rd, pcm_dir, &cfg->hw, &cfg->pcms[i]);
		if (ret)
			goto out;
	}
out:
	kfree(rd);
	if (ret)
		xsf_cfg_free(cfg);
	return ret;
}

/**
 * xsf_cfg_free() - free what xsf_cfg_read() allocated
 * @cfg: the configuration; it is left empty and may be freed again
 */
void xsf_cfg_free(struct xsf_card_cfg *cfg)
{
	unsigned int i;

	if (cfg->pcms)
		for (i = 0; i < cfg->nr_pcms; i++)
			kfree(cfg->pcms[i].streams);
	kfree(cfg->pcms);
	cfg->pcms = NULL;
	cfg->nr_pcms = 0;
}

/**
 * xsf_cfg_nr_streams() - number of streams in the whole card
 * @cfg: the configuration
 *
 * Return: the sum of every PCM device's stream count.
 */
unsigned int xsf_cfg_nr_streams(const struct xsf_card_cfg *cfg)
{
	unsigned int i, n = 0;

	for (i = 0; i < cfg->nr_pcms; i++)
		n += cfg->pcms[i].nr_streams;
	return n;
}
