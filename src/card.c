// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The ALSA card: one per vsnd device, one PCM device per configured pcm
 * node with that node's streams as substreams, names from XenStore.
 *
 * A card is created when the backend connects and disconnected when it
 * goes away.  Disconnecting wakes and fails every user; the card itself is
 * freed when the last one closes it, and keeps a reference on the front
 * until then.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <sound/core.h>
#include <sound/initval.h>
#include <sound/pcm.h>

#include "xsf_alsa.h"

static void xsf_card_private_free(struct snd_card *card)
{
	struct xsf_card *xcard = card->private_data;
	struct xsf_front *front = xcard->front;
	unsigned int i;

	for (i = 0; xcard->streams && i < xcard->nr_streams; i++)
		xsf_pcm_stream_fini(&xcard->streams[i]);
	kfree(xcard->streams);
	xcard->streams = NULL;
	atomic_dec(&front->cards_alive);
	xsf_bus_card_released(front);
}

static void xsf_card_names(struct xsf_front *front, struct snd_card *card)
{
	const struct xsf_card_cfg *cfg = &front->cfg;

	strscpy(card->driver, "XenSndFront", sizeof(card->driver));
	if (cfg->short_name[0])
		strscpy(card->shortname, cfg->short_name,
			sizeof(card->shortname));
	else
		strscpy(card->shortname, "Xen PV sound", sizeof(card->shortname));
	if (cfg->long_name[0])
		strscpy(card->longname, cfg->long_name, sizeof(card->longname));
	else
		snprintf(card->longname, sizeof(card->longname),
			 "Xen para-virtual sound card (%s)", front->xb->nodename);
	snd_card_set_id(card, cfg->short_name[0] ? cfg->short_name : "XenSnd");
	strscpy(card->mixername, card->shortname, sizeof(card->mixername));
}

static int xsf_card_add_pcm(struct xsf_card *xcard, unsigned int pcm_index,
			    unsigned int first_stream)
{
	const struct xsf_pcm_cfg *cfg = &xcard->front->cfg.pcms[pcm_index];
	unsigned int i, nr_play = 0, nr_cap = 0, play = 0, cap = 0;
	struct snd_pcm_substream *sub;
	struct snd_pcm *pcm;
	int ret;

	for (i = 0; i < cfg->nr_streams; i++) {
		if (cfg->streams[i].capture)
			nr_cap++;
		else
			nr_play++;
	}
	ret = snd_pcm_new(xcard->card, "Xen PV", pcm_index, nr_play, nr_cap,
			  &pcm);
	if (ret)
		return ret;
	pcm->private_data = xcard;
	xcard->pcms[xcard->nr_pcms++] = pcm;
	pcm->info_flags = 0;
	if (cfg->name[0])
		strscpy(pcm->name, cfg->name, sizeof(pcm->name));
	else
		snprintf(pcm->name, sizeof(pcm->name), "Xen PCM %u", pcm_index);
	if (nr_play)
		snd_pcm_set_ops(pcm, SNDRV_PCM_STREAM_PLAYBACK, &xsf_pcm_ops);
	if (nr_cap)
		snd_pcm_set_ops(pcm, SNDRV_PCM_STREAM_CAPTURE, &xsf_pcm_ops);

	/* Substream n of a direction is the n-th stream of that direction. */
	for (i = 0; i < cfg->nr_streams; i++) {
		struct xsf_pcm_stream *stream = &xcard->streams[first_stream + i];
		int dir = cfg->streams[i].capture ? SNDRV_PCM_STREAM_CAPTURE :
						    SNDRV_PCM_STREAM_PLAYBACK;
		unsigned int number = cfg->streams[i].capture ? cap++ : play++;

		for (sub = pcm->streams[dir].substream; sub; sub = sub->next)
			if (sub->number == number)
				break;
		if (!sub)
			return -EINVAL;
		sub->private_data = stream;
		stream->substream = sub;
		scnprintf(sub->name, sizeof(sub->name), "%s %s %u",
			  pcm->name, cfg->streams[i].capture ? "capture" :
			  "playback", number);
	}
	return 0;
}

static bool xsf_card_matches(struct xsf_card *xcard,
			     const struct xsf_card_cfg *cfg)
{
	unsigned int p, s, n = 0;

	for (p = 0; p < cfg->nr_pcms; p++) {
		for (s = 0; s < cfg->pcms[p].nr_streams; s++, n++) {
			const struct xsf_stream_cfg *sc = &cfg->pcms[p].streams[s];
			struct xsf_pcm_stream *stream;

			if (n >= xcard->nr_streams)
				return false;
			stream = &xcard->streams[n];
			if (stream->pcm_index != p ||
			    stream->cfg.capture != sc->capture ||
			    memcmp(&stream->cfg.hw, &sc->hw, sizeof(sc->hw)) ||
			    strcmp(stream->cfg.unique_id, sc->unique_id))
				return false;
		}
	}
	return n == xcard->nr_streams;
}

/**
 * xsf_card_create() - create and register the card for a connection
 * @front: the device, with configuration and channels in place
 *
 * A card that survived a reconnection (guest resume) is kept and bound to
 * the new channels if the configuration is unchanged; otherwise it is
 * disconnected and a new one made.  Caller holds front->lock.
 *
 * Return: 0 or a negative errno.
 */
int xsf_card_create(struct xsf_front *front)
{
	unsigned int p, s, n = 0;
	struct xsf_card *xcard;
	struct snd_card *card;
	int ret;

	if (front->card) {
		xcard = front->card->private_data;
		if (xsf_card_matches(xcard, &front->cfg)) {
			xcard->generation = front->generation;
			dev_info(&front->xb->dev, "card %d reconnected\n",
				 front->card->number);
			return 0;
		}
		xsf_card_disconnect(front);
	}

	ret = snd_card_new(&front->xb->dev, SNDRV_DEFAULT_IDX1, NULL,
			   THIS_MODULE, sizeof(*xcard), &card);
	if (ret)
		return ret;
	xcard = card->private_data;
	xcard->card = card;
	xcard->front = front;
	xcard->generation = front->generation;
	mutex_init(&xcard->controls_lock);
	xcard->nr_streams = xsf_cfg_nr_streams(&front->cfg);
	xcard->streams = kcalloc(xcard->nr_streams, sizeof(*xcard->streams),
				 GFP_KERNEL);
	if (!xcard->streams) {
		snd_card_free(card);
		return -ENOMEM;
	}
	xsf_front_get(front);
	atomic_inc(&front->cards_alive);
	card->private_free = xsf_card_private_free;
	xsf_card_names(front, card);

	for (p = 0; p < front->cfg.nr_pcms; p++)
		for (s = 0; s < front->cfg.pcms[p].nr_streams; s++, n++)
			xsf_pcm_stream_init(&xcard->streams[n], xcard, n, p,
					    &front->cfg.pcms[p].streams[s]);
	for (p = 0, n = 0; p < front->cfg.nr_pcms; p++) {
		ret = xsf_card_add_pcm(xcard, p, n);
		if (ret)
			goto fail;
		n += front->cfg.pcms[p].nr_streams;
	}
	/*
	 * No mixer controls yet: they appear once a stream's backend has
	 * answered GET_VOLUME at the stream's first OPEN (mixer.c).  Card
	 * creation sends the backend nothing and waits for nothing.
	 */
	ret = snd_card_register(card);
	if (ret)
		goto fail;
	front->card = card;
	dev_info(&front->xb->dev, "card %d \"%s\": %u PCM devices, %u streams\n",
		 card->number, card->shortname, front->cfg.nr_pcms,
		 xcard->nr_streams);
	return 0;

fail:
	dev_err(&front->xb->dev, "cannot create the sound card: %d\n", ret);
	snd_card_free(card);
	return ret;
}

/**
 * xsf_card_disconnect() - take the connected card away from its users
 * @front: the device
 *
 * Users are woken and fail from now on; the card is freed when the last
 * of them closes it (at once if there are none).  Caller holds
 * front->lock.
 */
void xsf_card_disconnect(struct xsf_front *front)
{
	struct snd_card *card = front->card;

	if (!card)
		return;
	front->card = NULL;
	snd_card_free_when_closed(card);
}

/**
 * xsf_card_suspend() - suspend the card's running streams
 * @front: the device
 *
 * Applications see SUSPENDED and resume or prepare again.  The card is
 * not powered down: xenbus tells a frontend about a suspend, but not
 * about a cancelled one (a checkpoint, a failed migration), after which
 * a card left in D3hot would block every user in snd_power_wait() for
 * good.  Caller holds front->lock.
 */
void xsf_card_suspend(struct xsf_front *front)
{
	struct xsf_card *xcard;
	unsigned int i;

	if (!front->card)
		return;
	xcard = front->card->private_data;
	for (i = 0; i < xcard->nr_pcms; i++)
		snd_pcm_suspend_all(xcard->pcms[i]);
}

/**
 * xsf_card_busy() - whether any card of this device is still in use
 * @front: the device
 *
 * Return: true if the connected card has open files, or a disconnected
 * card is still waiting for its last user.
 */
bool xsf_card_busy(struct xsf_front *front)
{
	struct snd_card *card = front->card;
	bool busy;

	if (atomic_read(&front->cards_alive) > (card ? 1 : 0))
		return true;
	if (!card)
		return false;
	spin_lock(&card->files_lock);
	busy = !list_empty(&card->files_list);
	spin_unlock(&card->files_lock);
	return busy;
}

/* How the bus reaches the card: it never names this file. */
const struct xsf_bus_client_ops xsf_card_client_ops = {
	.connect = xsf_card_create,
	.disconnect = xsf_card_disconnect,
	.in_use = xsf_card_busy,
	.suspend = xsf_card_suspend,
};
