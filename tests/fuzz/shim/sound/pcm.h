/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fuzz build stub: xsf_compat.h reads a PCM runtime's state and reports
 * periods in inline helpers, so the type must be complete and the calls
 * declared.  Nothing here is called.
 */
#ifndef XSF_FUZZ_SOUND_PCM_H
#define XSF_FUZZ_SOUND_PCM_H

#include <xsf_fuzz_shim.h>

typedef int snd_pcm_state_t;

struct snd_pcm_runtime {
	snd_pcm_state_t state;
};

struct snd_pcm_substream;

static inline void
snd_pcm_period_elapsed_under_stream_lock(struct snd_pcm_substream *substream)
{
}

static inline void snd_pcm_period_elapsed(struct snd_pcm_substream *substream)
{
}

static inline void
snd_pcm_stream_unlock_irqrestore(struct snd_pcm_substream *substream,
				 unsigned long flags)
{
}

#endif /* XSF_FUZZ_SOUND_PCM_H */
