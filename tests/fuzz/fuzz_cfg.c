// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fuzz target: the XenStore configuration reader (src/cfg.c).
 *
 * The input is a XenStore tree: NUL-separated pairs "path\0value\0...".
 * A path is relative to the frontend's device node ("0/0/type"), or to
 * the backend's node when it starts with '@' ("@versions"); "" is the
 * node itself.  Paths must be what xenstored accepts (components of
 * [A-Za-z0-9_@-], no empty one); other pairs are dropped.  Two
 * directives, which no XenStore path can look like:
 *   "!alloc\0N"   the N-th allocation from the start of the read fails
 *   "!PATH\0E"    reading or listing PATH fails (an error picked by E)
 *
 * The whole read runs as bus.c runs it, then the result is checked
 * against what the tree said and against sndif's rules, and freed (the
 * leak checker then sees anything left).
 */
#include "xsf_fuzz.h"

#define FUZZ_NODENAME	"device/vsnd/0"
#define FUZZ_OTHEREND	"/local/domain/0/backend/vsnd/1/0"
/* xenstored's limits on an absolute path and on a value. */
#define FUZZ_PATH_MAX	3072
#define FUZZ_VALUE_MAX	4096

/* XenStore errors a read can return (xenstored's, and -ENOMEM). */
static const int fuzz_store_errors[] = {
	-EIO, -EACCES, -ENOMEM, -EAGAIN, -E2BIG, -EINVAL, -ENOSPC, -EBUSY,
	-EPERM, -EROFS, -EISDIR,
};

static struct device fuzz_dev = { .name = "vsnd-0" };

/* A relative path xenstored would take: non-empty components. */
static bool fuzz_path_ok(const char *rel)
{
	bool empty = true;

	if (!*rel)
		return true;
	for (; *rel; rel++) {
		char c = *rel;

		if (c == '/') {
			if (empty)
				return false;
			empty = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '@'))
			return false;
		empty = false;
	}
	return !empty;
}

/* The absolute path of an input path, or false if it is not one. */
static bool fuzz_full_path(const char *in, char *out, size_t size)
{
	const char *base = FUZZ_NODENAME;
	int len;

	if (*in == '@') {
		base = FUZZ_OTHEREND;
		in++;
	}
	if (!fuzz_path_ok(in))
		return false;
	len = snprintf(out, size, *in ? "%s/%s" : "%s", base, in);
	return len > 0 && len < FUZZ_PATH_MAX && (size_t)len < size;
}

/* Build the store from the input; return the allocation to fail, or 0. */
static unsigned long fuzz_load_tree(const u8 *data, size_t size)
{
	unsigned long fail_at = 0;
	char full[FUZZ_PATH_MAX];
	const char *path, *value;
	char *text;
	size_t pos = 0;

	/* A copy that ends in NUL whatever the input: strings end there. */
	text = malloc(size + 2);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	text[size + 1] = '\0';

	while (pos < size) {
		path = text + pos;
		pos += strlen(path) + 1;
		value = text + pos;
		if (pos <= size)
			pos += strlen(value) + 1;
		if (strlen(value) > FUZZ_VALUE_MAX)
			continue;
		if (!strcmp(path, "!alloc")) {
			fail_at = strtoul(value, NULL, 10);
		} else if (path[0] == '!') {
			unsigned int pick = (u8)value[0] %
					    ARRAY_SIZE(fuzz_store_errors);

			if (fuzz_full_path(path + 1, full, sizeof(full)))
				xsf_fuzz_store_fail(full,
						    fuzz_store_errors[pick]);
		} else if (fuzz_full_path(path, full, sizeof(full))) {
			xsf_fuzz_store_set(full, value);
		}
	}
	free(text);
	return fail_at;
}

/* A node's value as the driver would read it, or NULL (kfree it). */
static char *fuzz_read(const char *dir, const char *node)
{
	char *value = xenbus_read(XBT_NIL, dir, node, NULL);

	return IS_ERR(value) ? NULL : value;
}

static bool fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size);
}

static bool fuzz_is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/*
 * The string node @dir/@node: its value if present, else "".  A name for
 * people (@text) shows each control character as '?'; a token that got
 * through has none.
 */
static void fuzz_check_string(const char *dir, const char *node,
			      const char *got, size_t size, bool text)
{
	char *want = fuzz_read(dir, node);
	const char *c;

	FUZZ_ASSERT(fuzz_terminated(got, size));
	for (c = got; *c; c++)
		FUZZ_ASSERT(!fuzz_is_control(*c));
	if (want && text)
		for (c = want; *c; c++)
			if (fuzz_is_control(*c))
				*(char *)c = '?';
	FUZZ_ASSERT(!strcmp(got, want ? want : ""));
	kfree(want);
}

/* One level's parameters are sane on their own. */
static void fuzz_check_hw(const struct xsf_hw_cfg *hw)
{
	unsigned int i;

	FUZZ_ASSERT(!(hw->set & ~(XSF_HW_SET_RATES | XSF_HW_SET_FORMATS |
				  XSF_HW_SET_CHANNELS_MIN |
				  XSF_HW_SET_CHANNELS_MAX |
				  XSF_HW_SET_BUFFER)));
	FUZZ_ASSERT(hw->nr_rates >= 1 && hw->nr_rates <= XSF_MAX_RATES);
	for (i = 0; i < hw->nr_rates; i++) {
		FUZZ_ASSERT(hw->rates[i] > 0 && hw->rates[i] <= XSF_MAX_RATE);
		/* Ascending and without duplicates. */
		FUZZ_ASSERT(!i || hw->rates[i - 1] < hw->rates[i]);
	}
	FUZZ_ASSERT(hw->formats);
	for (i = 0; i < 64; i++) {
		const char *name;

		if (!(hw->formats & BIT_ULL(i)))
			continue;
		/* Every format is one sndif names, both ways. */
		name = xsf_cfg_format_name(i);
		FUZZ_ASSERT(strcmp(name, "?"));
		FUZZ_ASSERT(xsf_cfg_format_from_name(name) == (int)i);
	}
	FUZZ_ASSERT(hw->channels_min >= 1);
	FUZZ_ASSERT(hw->channels_min <= hw->channels_max);
	FUZZ_ASSERT(hw->channels_max <= XSF_MAX_CHANNELS);
	FUZZ_ASSERT(hw->buffer_bytes >= XSF_MIN_BUFFER_BYTES);
	FUZZ_ASSERT(hw->buffer_bytes <= XSF_MAX_BUFFER_BYTES);
}

static bool fuzz_has_rate(const struct xsf_hw_cfg *hw, u32 rate)
{
	unsigned int i;

	for (i = 0; i < hw->nr_rates; i++)
		if (hw->rates[i] == rate)
			return true;
	return false;
}

/*
 * sndif's subset rule between a level and the one above it: what the
 * parent set, the child may only narrow; what the child does not set it
 * inherits.
 */
static void fuzz_check_narrows(const struct xsf_hw_cfg *child,
			       const struct xsf_hw_cfg *parent)
{
	unsigned int i;

	FUZZ_ASSERT((child->set & parent->set) == parent->set);
	if (parent->set & XSF_HW_SET_RATES)
		for (i = 0; i < child->nr_rates; i++)
			FUZZ_ASSERT(fuzz_has_rate(parent, child->rates[i]));
	if (!(child->set & XSF_HW_SET_RATES)) {
		FUZZ_ASSERT(child->nr_rates == parent->nr_rates);
		FUZZ_ASSERT(!memcmp(child->rates, parent->rates,
				    sizeof(child->rates[0]) * child->nr_rates));
	}
	if (parent->set & XSF_HW_SET_FORMATS)
		FUZZ_ASSERT(!(child->formats & ~parent->formats));
	if (!(child->set & XSF_HW_SET_FORMATS))
		FUZZ_ASSERT(child->formats == parent->formats);
	if (parent->set & XSF_HW_SET_CHANNELS_MIN)
		FUZZ_ASSERT(child->channels_min >= parent->channels_min);
	if (parent->set & XSF_HW_SET_CHANNELS_MAX)
		FUZZ_ASSERT(child->channels_max <= parent->channels_max);
	if (parent->set & XSF_HW_SET_BUFFER)
		FUZZ_ASSERT(child->buffer_bytes <= parent->buffer_bytes);
	if (!(child->set & XSF_HW_SET_BUFFER))
		FUZZ_ASSERT(child->buffer_bytes == parent->buffer_bytes);
}

/* Children of @dir whose name starts with a digit: PCMs or streams. */
static unsigned int fuzz_count_indexed(const char *dir)
{
	unsigned int num, i, n = 0;
	char **children = xenbus_directory(XBT_NIL, dir, "", &num);

	if (IS_ERR(children))
		return 0;
	for (i = 0; i < num; i++) {
		char canonical[12];

		if (!isdigit(children[i][0]))
			continue;
		/* A tree read without error spells each index one way. */
		snprintf(canonical, sizeof(canonical), "%lu",
			 strtoul(children[i], NULL, 10));
		FUZZ_ASSERT(!strcmp(canonical, children[i]));
		n++;
	}
	kfree(children);
	return n;
}

static void fuzz_check_stream(const char *pcm_dir,
			      const struct xsf_stream_cfg *stream,
			      const struct xsf_hw_cfg *pcm_hw,
			      const struct xsf_hw_cfg *card_hw)
{
	char dir[160];
	char *type;

	snprintf(dir, sizeof(dir), "%s/%u", pcm_dir, stream->index);
	type = fuzz_read(dir, XENSND_FIELD_TYPE);
	FUZZ_ASSERT(type);
	FUZZ_ASSERT(!strcmp(type, stream->capture ?
			    XENSND_STREAM_TYPE_CAPTURE :
			    XENSND_STREAM_TYPE_PLAYBACK));
	kfree(type);
	/*
	 * The unique-id is an opaque, required backend selector.  The
	 * driver never looks a stream up by it (streams are addressed by
	 * their own channels), so only its presence is checked here.
	 */
	FUZZ_ASSERT(stream->unique_id[0]);
	fuzz_check_string(dir, XENSND_FIELD_STREAM_UNIQUE_ID,
			  stream->unique_id, sizeof(stream->unique_id), false);
	fuzz_check_hw(&stream->hw);
	fuzz_check_narrows(&stream->hw, pcm_hw);
	fuzz_check_narrows(&stream->hw, card_hw);
}

static void fuzz_check_card(const struct xsf_card_cfg *cfg)
{
	unsigned int p, s, total = 0;
	char dir[128];

	FUZZ_ASSERT(cfg->protocol == XENSND_PROTOCOL_VERSION);
	fuzz_check_string(FUZZ_NODENAME, XENSND_FIELD_VCARD_SHORT_NAME,
			  cfg->short_name, sizeof(cfg->short_name), true);
	fuzz_check_string(FUZZ_NODENAME, XENSND_FIELD_VCARD_LONG_NAME,
			  cfg->long_name, sizeof(cfg->long_name), true);
	fuzz_check_hw(&cfg->hw);
	FUZZ_ASSERT(cfg->nr_pcms >= 1 && cfg->nr_pcms <= XSF_MAX_PCM_DEVICES);
	FUZZ_ASSERT(cfg->pcms);
	FUZZ_ASSERT(cfg->nr_pcms == fuzz_count_indexed(FUZZ_NODENAME));

	for (p = 0; p < cfg->nr_pcms; p++) {
		const struct xsf_pcm_cfg *pcm = &cfg->pcms[p];

		snprintf(dir, sizeof(dir), "%s/%u", FUZZ_NODENAME, p);
		fuzz_check_string(dir, XENSND_FIELD_DEVICE_NAME, pcm->name,
				  sizeof(pcm->name), true);
		fuzz_check_hw(&pcm->hw);
		fuzz_check_narrows(&pcm->hw, &cfg->hw);
		FUZZ_ASSERT(pcm->nr_streams >= 1 &&
			    pcm->nr_streams <= XSF_MAX_STREAMS);
		FUZZ_ASSERT(pcm->streams);
		FUZZ_ASSERT(pcm->nr_streams == fuzz_count_indexed(dir));
		for (s = 0; s < pcm->nr_streams; s++) {
			/* Each stream is its own index, once. */
			FUZZ_ASSERT(pcm->streams[s].index == s);
			fuzz_check_stream(dir, &pcm->streams[s], &pcm->hw,
					  &cfg->hw);
		}
		total += pcm->nr_streams;
	}
	FUZZ_ASSERT(xsf_cfg_nr_streams(cfg) == total);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct xenbus_device xb = {
		.devicetype = "vsnd",
		.nodename = FUZZ_NODENAME,
		.otherend = FUZZ_OTHEREND,
		.dev = fuzz_dev,
	};
	struct xsf_card_cfg cfg;
	unsigned long fail_at;
	int ret;

	xsf_fuzz_shim_reset();
	xsf_fuzz_store_reset();
	fail_at = fuzz_load_tree(data, size);

	/* The frontend's own node exists before anything is read. */
	xsf_fuzz_store_set(FUZZ_NODENAME "/state", "1");
	xsf_fuzz_store_set(FUZZ_OTHEREND "/state", "2");

	xsf_fuzz_fail_alloc_at = fail_at;
	ret = xsf_cfg_read(&xb, &cfg);
	xsf_fuzz_fail_alloc_at = 0;

	if (ret) {
		FUZZ_ASSERT(ret < 0 && ret >= -MAX_ERRNO);
		/* On failure nothing stays allocated or half filled. */
		FUZZ_ASSERT(!cfg.pcms && !cfg.nr_pcms);
	} else {
		/* A failed allocation is never taken for a missing node. */
		FUZZ_ASSERT(!fail_at || fail_at > xsf_fuzz_nr_allocs);
		fuzz_check_card(&cfg);
	}

	xsf_cfg_free(&cfg);
	FUZZ_ASSERT(!cfg.pcms && !cfg.nr_pcms);
	/* Freeing twice is allowed (bus.c frees before every read). */
	xsf_cfg_free(&cfg);
	xsf_fuzz_store_reset();
	return 0;
}
